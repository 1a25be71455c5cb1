"""The organisation's data map: retention tags declared outside the code, by dotted field path.

``datamap.yaml`` (config key ``datamap``) maps ``package.module.Class.field`` to the same keys a
``# gdpr:`` tag takes, for code that cannot carry comments (generated models, vendored code).
"""

from __future__ import annotations

import re
from pathlib import Path

from gdpr_lint.errors import ConfigError
from gdpr_lint.files.readfile import DATAMAP_BYTES, NotReadable, read_text
from gdpr_lint.policy.config import TAG_KEYS
from gdpr_lint.policy.yamlfile import InvalidYAML, safe_load

_DATAMAPS: dict[str, dict] = {}


def datamap_for(policy) -> dict[str, dict]:
    """The data-map file's declarations by dotted path (empty when the default file does not exist).

    The file must be a regular file (of at most 20 MB) inside the project: the folder of the
    config file, or the git work tree that holds it (without a config: the current folder).  A
    config from a pull request could otherwise point ``datamap:`` at any file the CI runner can
    read (``/proc/self/environ``, an SSH key) and have its first key echoed in an error message, or
    at ``/dev/zero`` or a pipe and hang the scan.

    Raises:
        ConfigError: a file the config names does not exist; the file is outside the project, not
            a regular file, not valid YAML or not a mapping of dotted paths to tags.
    """
    cfg = policy.config
    config_file = cfg.path.split(" [")[0] if cfg.path else ""
    base = Path(config_file).parent if config_file else Path.cwd()
    where = config_file or "the current folder"
    try:
        path = (base / cfg.datamap).resolve()
        found = path.exists()
        stamp = path.stat().st_mtime_ns if found else 0
    except (OSError, ValueError) as exc:  # a name too long, a NUL character, a loop of links
        raise ConfigError(where, "datamap", f"not a usable path ({' '.join(str(exc).split())[:200]})") from None
    if not found and ("datamap" in cfg.raw or "datamap" in cfg.raw.get("tool", {}).get("gdpr-lint", {})):
        # (the default file may be absent; one the config names is a typo or a file not committed)
        raise ConfigError(where, "datamap", f"no such file: {cfg.datamap}" + (
            "" if str(path) == cfg.datamap else f" (looked for {path})"))
    key = f"{path}:{stamp}"
    if key not in _DATAMAPS:
        data: dict = {}
        if found:
            project = _project_folder(base.resolve())
            if not path.is_relative_to(project):
                resolved = "" if str(path) == cfg.datamap else f" (it resolves to {path})"
                raise ConfigError(where, "datamap", f"the data map must be inside the project ({project}); "
                                  f"{cfg.datamap} is not{resolved}")
            try:
                loaded = safe_load(read_text(path, DATAMAP_BYTES)) or {}
            except (NotReadable, InvalidYAML) as exc:
                problem = " ".join(str(exc).split())
                raise ConfigError(str(path), "", f"cannot read the data map ({problem})") from None
            fields = loaded.get("fields", loaded) if isinstance(loaded, dict) else None
            if not isinstance(fields, dict):
                raise ConfigError(str(path), "fields", "expected a mapping of `package.module.Class.field` to tags")
            for i, (name, value) in enumerate(fields.items()):
                if not isinstance(value, dict):
                    raise ConfigError(str(path), _shown(name, i),
                                      "expected a mapping such as {retention: P2Y, basis: contract}")
                for tag_key in value:
                    if tag_key not in TAG_KEYS:
                        raise ConfigError(str(path), f"{_shown(name, i)}.{_shown(tag_key, 0, 'tag key')}",
                                          f"unknown tag key; allowed: {', '.join(TAG_KEYS)}")
            data = {str(k): {str(a): str(b) for a, b in v.items()} for k, v in fields.items()}
        _DATAMAPS[key] = data
    return _DATAMAPS[key]


_DOTTED = re.compile(r"[A-Za-z_][\w.]{0,199}")


def _shown(name, index: int, what: str = "entry") -> str:
    """A key for an error message: as written when it looks like a dotted name, else its position
    (never a long or odd string: the message is shown in CI logs)."""
    return name if isinstance(name, str) and _DOTTED.fullmatch(name) else f"({what} {index + 1})"


def _project_folder(folder: Path) -> Path:
    """The top of the git work tree that holds ``folder``, or ``folder`` itself."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder
