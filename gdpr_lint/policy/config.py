"""The organisation's config: ``[tool.gdpr-lint]`` in ``pyproject.toml`` or ``.gdpr-lint.yaml``.

The config extends and overrides the default policy pack in ``rules/``.  Every key is checked:
an unknown key or a value of the wrong shape raises :class:`~gdpr_lint.errors.ConfigError`
naming the file, the key and what is allowed (exit code 2 in the CLI).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdpr_lint.errors import ConfigError
from gdpr_lint.files.readfile import CONFIG_BYTES, NotReadable, is_special, read_text
from gdpr_lint.policy.durations import parse_duration
from gdpr_lint.policy.yamlfile import InvalidYAML, safe_load

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_NAMES = (".gdpr-lint.yaml", ".gdpr-lint.yml", "gdpr-lint.yaml")
SEVERITIES = ("info", "warning", "error")
LAWFUL_BASES = ("consent", "contract", "legal-obligation", "vital-interests", "public-task", "legitimate-interests")
#: what may stand for a transfer outside the EEA (Chapter V): an adequacy decision (Art. 45, the EU-US
#: Data Privacy Framework among them), the Art. 46 safeguards, or an Art. 49 derogation
TRANSFER_MECHANISMS = {"adequacy": "adequacy decision (Art. 45)", "dpf": "EU-US Data Privacy Framework (Art. 45)",
                       "scc": "standard contractual clauses (Art. 46(2)(c))",
                       "bcr": "binding corporate rules (Art. 47)", "code-of-conduct": "code of conduct (Art. 46(2)(e))",
                       "certification": "certification (Art. 46(2)(f))", "derogation": "derogation (Art. 49)"}
_TRANSFER_ALIASES = {"adequacy-decision": "adequacy", "data-privacy-framework": "dpf", "eu-us-dpf": "dpf",
                     "sccs": "scc", "standard-contractual-clauses": "scc", "binding-corporate-rules": "bcr",
                     "art-49": "derogation", "art-49-derogation": "derogation"}


def _transfer_mechanism(value: Any, path: str, key: str) -> str:
    """A transfer mechanism the config names (``SCC``, ``DPF``, ``adequacy``...), or ``""`` when none
    is given; anything else (``TODO``, ``none``, YAML's ``no``, which reads as false) is an error: it
    would silence GDPR405 without a safeguard behind it."""
    if value is None or value == "":
        return ""
    words = "-".join(str(value).lower().replace(".", " ").replace("_", " ").split()) if isinstance(value, str) else ""
    found = _TRANSFER_ALIASES.get(words, words)
    _expect(found in TRANSFER_MECHANISMS, path, key, f"{value!r} is not a transfer mechanism; one of "
            f"{', '.join(k.upper() if len(k) <= 3 else k for k in TRANSFER_MECHANISMS)} (leave it out when there is none)")
    return str(value).strip()
TAG_KEYS = ("retention", "basis", "purpose", "subject", "category", "erasure", "access", "reason")
#: the tag keys the config's ``require`` can ask every field for
REQUIRABLE = ("retention", "basis", "purpose", "subject", "category")
#: ``erasure=`` and ``access=`` in a tag: the only value, with a ``reason=`` (a legal duty to keep it)
RIGHTS_EXEMPT = "exempt"


@dataclass(frozen=True)
class Approval:
    """One approved processor of the organisation's register (GDPR Art. 28).

    ``categories`` is ``None`` when the entry does not restrict what it may receive; otherwise
    Fides category keys (a key also allows its sub-categories).
    """

    name: str
    categories: tuple[str, ...] | None = None
    dpa: str = ""
    region: str = ""
    transfer_mechanism: str = ""
    hosts: tuple[str, ...] = ()


class Excludes(list):
    """The config's ``exclude`` patterns and ``anchor``, the folder of the config file that holds
    them: a pattern with a slash is read from there (``app/generated/`` is that folder whichever
    folder a scan starts from), as git reads a ``.gitignore`` and ruff its ``exclude``."""

    def __init__(self, patterns=(), anchor: Path | None = None) -> None:
        super().__init__(patterns)
        self.anchor = anchor


@dataclass
class OrgConfig:
    """The validated organisation config; every field has the default-pack behaviour as default."""

    path: str = ""
    approved_processors: list[Approval] = field(default_factory=list)
    first_party_domains: list[str] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    words: dict[str, list[str]] = field(default_factory=dict)
    exclude: Excludes = field(default_factory=Excludes)
    severity: dict[str, str] = field(default_factory=dict)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    require: list[str] = field(default_factory=lambda: ["retention"])
    retention_periods: dict[str, str] = field(default_factory=dict)
    max_retention: dict[str, str] = field(default_factory=dict)
    encrypted_types: list[str] = field(default_factory=list)
    sanitizers: list[str] = field(default_factory=list)
    datamap: str = ".gdpr/datamap.yaml"
    fail_on: str = "warning"
    check_tests: bool = False  # the data rules read tests, fixtures and factories too
    check_carriers: bool = False  # carriers (Pydantic, dataclasses, serializers, forms) need retention tags too
    check_cli_output: bool = False  # output to the operator of a command-line tool counts as a log
    repository: str = ""
    #: the routines that erase or anonymise a person's data (Art. 17) and that export it (Art. 15,
    #: 20), as dotted names (``shop.privacy.erase_customer``, ``shop.views.Account.export``)
    erasure: list[str] = field(default_factory=list)
    access: list[str] = field(default_factory=list)
    #: who the record of processing names (Art. 30(1)(a)): ``{"name": ..., "contact": ...}``
    controller: dict[str, str] = field(default_factory=dict)
    dpo: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


#: a host name as the hosts of processors and first parties are written: lower case, no scheme, port
#: or path; ``*`` matches any characters (``*.example.com``)
HOST = re.compile(r"[a-z0-9*]([a-z0-9*.-]*[a-z0-9])?\Z")
#: a region as ISO 3166-1 alpha-2 writes a country (``DE``, ``US``), or ``EU`` / ``EEA``
_REGION = re.compile(r"(?:[A-Z]{2}|EU|EEA)\Z")
#: a type as a field or annotation names it: a dotted name, or its last name alone
_TYPE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z")


def _expect(cond: bool, path: str, key: str, problem: str) -> None:
    if not cond:
        raise ConfigError(path, key, problem)


def _bool_hint(value: Any, path: str = "") -> str:
    """Why a string came out as a boolean: YAML 1.1 reads unquoted yes/no/on/off as true/false
    (nothing for a TOML config, where only true/false are booleans)."""
    if ".toml" in path:
        return ""
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    items = items if isinstance(items, list) else [items]
    hints = [f"quote {words}: YAML reads them as {str(b).lower()}" for b, words in
             ((False, "`no`/`off`"), (True, "`yes`/`on`")) if any(v is b for v in items)]
    return f" ({'; '.join(hints)})" if hints else ""


def _str_list(value: Any, path: str, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    _expect(isinstance(value, list) and all(isinstance(v, str) for v in value), path, key,
            f"expected a list of strings, got {value!r}{_bool_hint(value, path)}")
    return list(value)


def _str_map(value: Any, path: str, key: str) -> dict[str, str]:
    _expect(isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()),
            path, key, f"expected a mapping of strings to strings, got {value!r}{_bool_hint(value, path)}")
    return dict(value)


def _severity(value: Any, path: str, key: str, allowed: tuple[str, ...]) -> str:
    """A severity name from ``allowed``; a boolean (``fail_on: no``) gets a hint to quote it."""
    if isinstance(value, bool):
        raise ConfigError(path, key, f"got {str(value).lower()}, not a severity; expected one of "
                          f"{', '.join(allowed)}{_bool_hint(value, path)}")
    _expect(value in allowed, path, key, f"unknown severity {value!r}; allowed: {', '.join(allowed)}")
    return value


def _approval(item: Any, path: str, key: str) -> Approval:
    if isinstance(item, str):
        item = {"name": item}
    _expect(isinstance(item, dict), path, key, f"expected a mapping with at least `name`, got {item!r}")
    allowed = {"name", "categories", "dpa", "region", "transfer_mechanism", "hosts", "purpose", "notes"}
    for sub in item:
        _expect(sub in allowed, path, f"{key}.{sub}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    name = item.get("name")
    _expect(isinstance(name, str) and name.strip() != "", path, f"{key}.name", "required: the processor's name")
    for sub in ("purpose", "notes"):  # (read by people, not by the tool: text all the same)
        _expect(item.get(sub) is None or isinstance(item.get(sub), str), path, f"{key}.{sub}",
                f"expected text, got {item.get(sub)!r}")
    cats = item.get("categories")
    return Approval(
        name=name.strip().lower(),
        categories=tuple(_str_list(cats, path, f"{key}.categories")) if cats is not None else None,
        dpa=_reference(item.get("dpa", ""), path, f"{key}.dpa"),
        region=_region(item.get("region", ""), path, f"{key}.region"),
        transfer_mechanism=_transfer_mechanism(item.get("transfer_mechanism"), path, f"{key}.transfer_mechanism"),
        hosts=_hosts(item.get("hosts", []), path, f"{key}.hosts"),
    )


def _hosts(value: Any, path: str, key: str) -> tuple[str, ...]:
    """Host names (``api.example.com``, ``*.example.com``), in lower case, an international name in
    its ASCII form (``xn--``), without the root's final dot; not a URL, and not a pattern that
    matches every host of a top-level domain or more (``*``, ``*.io``)."""
    out = []
    for i, given in enumerate(_str_list(value, path, key)):
        host = given.strip().lower()
        host = host[:-1] if host.endswith(".") and not host.endswith("..") else host
        if not host.isascii():
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                pass  # (refused below, with the name as given)
        _expect(HOST.match(host) is not None and ".." not in host, path, f"{key}[{i}]",
                f"expected a host name such as example.com or *.example.com (no scheme, port or path), got "
                f"{given!r}"[:300])
        _expect("*" not in host or sum(1 for label in host.split(".") if "*" not in label) >= 2, path, f"{key}[{i}]",
                f"{given!r} matches the hosts of a whole top-level domain or more: name the domain, such as "
                f"*.example.com"[:300])
        out.append(host)
    return tuple(out)


def _reference(value: Any, path: str, key: str) -> str:
    """A DPA's reference as text: a string, a number or a date (YAML reads ``2024-03-01`` as one)."""
    import datetime

    _expect(isinstance(value, (str, int, float, datetime.date)) and not isinstance(value, bool), path, key,
            f"expected the agreement's reference or date as text, got {value!r}")
    return str(value)


def _region(value: Any, path: str, key: str) -> str:
    """A region code (``EU``, ``US``, ``NO``), which YAML reads as a boolean when it is ``NO`` unquoted."""
    _expect(isinstance(value, str), path, key, f"expected a region code, got {value!r}" + (
        ' (quote "NO": YAML reads it as false)' if isinstance(value, bool) else ""))
    code = value.strip().upper()  # (`de`, `eu`: the same codes)
    _expect(not code or _REGION.match(code) is not None, path, key,
            f"expected a country's ISO 3166-1 alpha-2 code (DE, IE, US) or EU / EEA, got {value!r}"[:300])
    return code


def _check_pattern(pattern: str, path: str, key: str) -> None:
    """An ``exclude`` entry must be a pattern git's ignore files accept (as pathspec reads them)."""
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([pattern]).match_file("x.py")
    except Exception as exc:  # noqa: BLE001 - pathspec raises ValueError, re.error and others for bad patterns
        raise ConfigError(path, key, f"{pattern!r} is not a valid ignore pattern "
                          f"({' '.join(str(exc).split())[:200]}); patterns are written as in .gitignore") from None


def parse_config(data: Any, path: str) -> OrgConfig:
    """Validate a config mapping (already loaded from YAML or TOML) into an :class:`OrgConfig`.

    Raises:
        ConfigError: on an unknown key or a value of the wrong type, naming ``path`` and the key.
    """
    if data is None:
        data = {}
    _expect(isinstance(data, dict), path, "", f"expected a mapping of settings, got {type(data).__name__}")
    cfg = OrgConfig(path=path, raw=data)
    known = {
        "approved_processors", "first_party_domains", "categories", "words", "exclude", "severity", "select",
        "ignore", "require", "retention_periods", "max_retention", "encrypted_types", "sanitizers", "datamap",
        "fail_on", "check_tests", "check_carriers", "check_cli_output", "repository", "erasure", "access", "controller", "dpo",
    }
    for key, value in data.items():
        k = key.replace("-", "_") if isinstance(key, str) else key
        _expect(k in known, path, str(key), f"unknown key; allowed: {', '.join(sorted(known))}")
        if k == "approved_processors":
            _expect(isinstance(value, list), path, key, "expected a list of processors (each with at least `name`)")
            cfg.approved_processors = [_approval(v, path, f"{key}[{i}]") for i, v in enumerate(value)]
            names = [a.name for a in cfg.approved_processors]
            for i, name in enumerate(names):  # (two approvals of one processor: which would hold?)
                _expect(name not in names[:i], path, f"{key}[{i}].name",
                        f"{name!r} is approved twice (also {key}[{names.index(name)}]): give it one entry"[:300])
        elif k in ("first_party_domains", "exclude", "select", "ignore", "encrypted_types", "sanitizers"):
            setattr(cfg, k, _str_list(value, path, key))
            if k == "first_party_domains":
                cfg.first_party_domains = list(_hosts(value, path, key))
            elif k == "encrypted_types":
                for i, name in enumerate(cfg.encrypted_types):
                    _expect(_TYPE_NAME.match(name) is not None, path, f"{key}[{i}]",
                            f"expected a type's dotted name (myapp.fields.EncryptedTextField) or its last name, "
                            f"got {name!r}"[:300])
            if k == "exclude":
                cfg.exclude = Excludes(cfg.exclude)
                for i, pattern in enumerate(cfg.exclude):
                    _check_pattern(pattern, path, f"{key}[{i}]")
        elif k == "require":
            cfg.require = _str_list(value, path, key)
            for item in cfg.require:
                _expect(item in REQUIRABLE, path, key, f"unknown tag key {item!r}; allowed: {', '.join(REQUIRABLE)}")
        elif k == "severity":
            _expect(isinstance(value, dict), path, key, f"expected a mapping of rule code to severity, got {value!r}")
            for code, level in value.items():
                _severity(level, path, f"{key}.{code}", SEVERITIES)
            cfg.severity = _str_map(value, path, key)
        elif k in ("retention_periods", "max_retention"):
            mapping = _str_map(value, path, key)
            for name, dur in mapping.items():
                _expect(parse_duration(dur) is not None, path, f"{key}.{name}",
                        f"{dur!r} is not an ISO 8601 duration such as P30D, P6M or P2Y")
            setattr(cfg, k, mapping)
        elif k == "words":
            _expect(isinstance(value, dict), path, key, "expected a mapping of category key to a list of words")
            cfg.words = {str(c): _str_list(w, path, f"{key}.{c}") for c, w in value.items()}
        elif k == "categories":
            _expect(isinstance(value, list) and all(isinstance(v, dict) for v in value), path, key,
                    "expected a list of categories, each a mapping with `key` and `words`")
            for i, cat in enumerate(value):
                _expect(isinstance(cat.get("key"), str), path, f"{key}[{i}].key", "required: a Fides category key")
            cfg.categories = list(value)
        elif k == "datamap":
            _expect(isinstance(value, str), path, key, "expected a file path")
            cfg.datamap = value
        elif k in ("check_tests", "check_carriers", "check_cli_output"):
            _expect(isinstance(value, bool), path, key, f"expected true or false, got {value!r}")
            setattr(cfg, k, value)
        elif k == "fail_on":
            cfg.fail_on = _severity(value, path, key, SEVERITIES + ("never",))
        elif k in ("controller", "dpo"):
            party = _str_map(value, path, key)
            unknown = sorted(set(party) - {"name", "contact", "address"})
            _expect(not unknown, path, f"{key}.{unknown[0] if unknown else ''}",
                    "unknown key; allowed: name, contact, address")
            _expect(bool(party.get("name", "").strip()), path, f"{key}.name", "required: who it is")
            setattr(cfg, k, party)
        elif k in ("erasure", "access"):
            routines = _str_list(value, path, key)
            for i, name in enumerate(routines):
                _expect(bool(_DOTTED.fullmatch(name)), path, f"{key}[{i}]",
                        f"{name!r} is not a dotted name of a function (package.module.function, or "
                        "package.module.Class.method)")
            setattr(cfg, k, routines)
        elif k == "repository":
            problem = repository_problem(value, path)
            _expect(not problem, path, key, problem)
            cfg.repository = value
    return cfg


#: a name, ``owner/name``, or with the host and any subgroups before it (``gitlab.com/group/sub/name``):
#: parts of letters, digits, ``.``, ``_``, ``-`` (a port's ``:``, a user's ``~``), none of them ``.`` or ``..``
_REPOSITORY = re.compile(r"[\w.:~-]+(?:/[\w.:~-]+)*\Z")


def repository_problem(value: Any, path: str = "") -> str:
    """Why ``value`` is not a repository identity (``acme/shop``, ``github.com/acme/shop``), or ``""``.

    The identity is written into every review and sign-off record, and ``gdpr-lint verify`` refuses a
    record signed for another one."""
    if not isinstance(value, str) or not value or len(value) > 200 \
            or not all(ch.isprintable() and not ch.isspace() for ch in value) \
            or not _REPOSITORY.match(value) or any(part in (".", "..") for part in value.split("/")):
        return (f"expected the repository's name, such as acme/shop or github.com/acme/shop (letters, digits, "
                f"'.', '_' and '-' in parts joined by '/', none of them '.' or '..', at most 200 characters), got "
                f"{value!r}"[:300] + _bool_hint(value, path))
    return ""


def load_config_file(path: Path, anchor: Path | None = None) -> OrgConfig:
    """Load and validate a config file: YAML, or TOML (any ``*.toml``) with a ``[tool.gdpr-lint]`` table.
    Its ``exclude`` patterns are read from ``anchor``, by default the folder the file is in.

    Raises:
        ConfigError: unreadable file, a YAML or TOML syntax error, or an invalid setting.
    """
    shown = str(path)
    try:
        text = read_text(path, CONFIG_BYTES)
    except NotReadable as exc:
        raise ConfigError(shown, "", f"cannot read the config file ({exc})") from None
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except (ValueError, RecursionError) as exc:  # TOMLDecodeError is a ValueError; so is a 5,000-digit number
            problem = "nested too deeply" if isinstance(exc, RecursionError) else " ".join(str(exc).split())[:200]
            raise ConfigError(shown, "", f"not valid TOML: {problem}") from None
        tool = data.get("tool")
        section = tool.get("gdpr-lint") if isinstance(tool, dict) else None
        if section is None and isinstance(tool, dict) and ("gdpr_lint" in tool or "gdprlint" in tool):
            raise ConfigError(shown, "tool." + ("gdpr_lint" if "gdpr_lint" in tool else "gdprlint"),
                              "the table is [tool.gdpr-lint], with a hyphen")
        if section is None and path.name != "pyproject.toml":  # a pyproject.toml without the table is no config
            raise ConfigError(shown, "", "no [tool.gdpr-lint] table: a TOML config keeps its settings under it")
        return _anchored(parse_config(section or {}, f"{shown} [tool.gdpr-lint]"), path, anchor)
    try:
        data = safe_load(text)
    except InvalidYAML as exc:
        raise ConfigError(shown, "", f"not valid YAML: {exc}") from None
    return _anchored(parse_config(data, shown), path, anchor)


def _anchored(cfg: OrgConfig, path: Path, anchor: Path | None = None) -> OrgConfig:
    """``cfg`` with its ``exclude`` patterns read from ``anchor``, by default the folder ``path``,
    its file, was found in (a config linked from another folder is read where it is found)."""
    cfg.exclude = Excludes(cfg.exclude, Path(os.path.realpath(anchor if anchor is not None else path.parent)))
    return cfg


def find_config(start: Path) -> Path | None:
    """Walk up from ``start`` (a file or folder) and return the first config file found, or ``None``.

    A ``pyproject.toml`` counts only when it has a ``[tool.gdpr-lint]`` table.
    """
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            # a pipe or device named like a config is reported by load_config_file, not passed over
            if (candidate / name).is_file() or is_special(candidate / name):
                return candidate / name
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                text = read_text(pyproject, CONFIG_BYTES)
            except NotReadable:
                continue
            if _names_the_tool(text):
                return pyproject
    return None


def _names_the_tool(text: str) -> bool:
    """Whether a ``pyproject.toml`` has a ``gdpr-lint`` table under ``tool``, however TOML spells
    it (``[tool.gdpr-lint]``, ``[tool]`` with ``gdpr-lint = {...}``, a quoted key); a file that does
    not parse counts when it has the section's header (loading it then reports the error), and the
    misspelt ``gdpr_lint`` counts (loading it says how to spell it)."""
    if "gdpr" not in text:
        return False
    try:
        tool = tomllib.loads(text).get("tool")
    except (ValueError, RecursionError):
        return "[tool.gdpr-lint" in text or "[tool.gdpr_lint" in text
    return isinstance(tool, dict) and ("gdpr-lint" in tool or "gdpr_lint" in tool or "gdprlint" in tool)


def rules_off(cfg: OrgConfig) -> list[str]:
    """What ``ignore`` and ``select`` switch off, as sentences a reader can follow (empty when every
    rule is on): `check` notes them, the review shows them beside the suppressions."""
    out = []
    if cfg.ignore:
        out.append("ignores " + ", ".join(cfg.ignore))
    if cfg.select:
        out.append("reports only " + ", ".join(cfg.select))
    return out
