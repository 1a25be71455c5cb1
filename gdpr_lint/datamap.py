"""The organisation's data map: retention tags declared outside the code, by dotted field path.

``datamap.yaml`` (config key ``datamap``) maps ``package.module.Class.field`` to the same keys a
``# gdpr:`` tag takes, for code that cannot carry comments (generated models, vendored code).
"""

from __future__ import annotations

from pathlib import Path

from gdpr_lint.config import TAG_KEYS
from gdpr_lint.errors import ConfigError
from gdpr_lint.yamlfile import InvalidYAML, safe_load

_DATAMAPS: dict[str, dict] = {}


def datamap_for(policy) -> dict[str, dict]:
    """The data-map file's declarations by dotted path (empty when the file does not exist).

    Raises:
        ConfigError: the file is not valid YAML or not a mapping of dotted paths to tags.
    """
    cfg = policy.config
    base = Path(cfg.path.split(" [")[0]).parent if cfg.path else Path.cwd()
    path = (base / cfg.datamap).resolve()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    key = f"{path}:{stamp}"
    if key not in _DATAMAPS:
        data: dict = {}
        if path.is_file():
            try:
                loaded = safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, InvalidYAML, UnicodeDecodeError) as exc:
                problem = " ".join(str(exc).split())
                raise ConfigError(str(path), "", f"cannot read the data map ({problem})") from None
            fields = loaded.get("fields", loaded) if isinstance(loaded, dict) else None
            if not isinstance(fields, dict):
                raise ConfigError(str(path), "fields", "expected a mapping of `package.module.Class.field` to tags")
            for name, value in fields.items():
                if not isinstance(value, dict):
                    raise ConfigError(str(path), str(name),
                                      "expected a mapping such as {retention: P2Y, basis: contract}")
                for tag_key in value:
                    if tag_key not in TAG_KEYS:
                        raise ConfigError(str(path), f"{name}.{tag_key}",
                                          f"unknown tag key; allowed: {', '.join(TAG_KEYS)}")
            data = {str(k): {str(a): str(b) for a, b in v.items()} for k, v in fields.items()}
        _DATAMAPS[key] = data
    return _DATAMAPS[key]
