"""The effective policy: the default pack in ``rules/`` merged with the organisation's config.

The pack is YAML a Data Protection Officer can read (categories, vocabulary, sinks, encryption,
processors, schema frameworks, rule documentation).  :func:`load_policy` validates it, merges the config on top and
returns a :class:`Policy` with a stable :attr:`Policy.hash` used for caching and sign-offs.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from gdpr_lint import __version__
from gdpr_lint.config import Approval, OrgConfig
from gdpr_lint.durations import parse_duration
from gdpr_lint.errors import ConfigError
from gdpr_lint.frameworks import Frameworks
from gdpr_lint.yamlfile import InvalidYAML, safe_load

PACK_FILES = ("categories.yaml", "vocabulary.yaml", "sinks.yaml", "encryption.yaml", "processors.yaml",
              "frameworks.yaml", "rules.yaml")

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@lru_cache(maxsize=1 << 17)
def split_words(identifier: str) -> tuple[str, ...]:
    """Split an identifier or phrase into lower-case words.

    ``"firstName"`` -> ("first", "name"); ``"date_of_birth"`` -> ("date", "of", "birth");
    ``"IPAddress"`` -> ("ip", "address"); ``"address_line2"`` -> ("address", "line", "2").
    """
    return tuple(w.lower() for w in _CAMEL.findall(identifier))


def rules_dir() -> Path:
    """Return the folder that holds the default policy pack.

    In an installed wheel the pack is ``gdpr_lint/rules``; in a source checkout it is the
    top-level ``rules/`` folder.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if (candidate / "categories.yaml").is_file():
            return candidate
    raise ConfigError(str(here / "rules"), "", "the default policy pack is missing from this installation")


@dataclass(frozen=True)
class Category:
    """A personal-data category (a Fides data-category key) and the signals that reveal it."""

    key: str
    label: str
    special: bool = False
    encrypt: bool = False
    max_retention: str = ""
    words: tuple[tuple[str, ...], ...] = ()
    weak_words: tuple[tuple[str, ...], ...] = ()
    context: str = "any"
    types: tuple[str, ...] = ()
    exclude: tuple[tuple[str, ...], ...] = ()
    stems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Processor:
    """A known third-party processor from the catalogue."""

    name: str
    vendor: str
    country: str
    eea: bool
    service: str
    sdk: tuple[str, ...]
    hosts: tuple[str, ...]
    packages: tuple[str, ...]
    infrastructure: bool = False
    logging_sink: bool = False


@dataclass(frozen=True)
class Rule:
    """A rule's code, name, family, default severity and documentation."""

    code: str
    name: str
    family: str
    severity: str
    summary: str
    article: str
    why: str
    example: str
    fix: str
    good_example: str = ""


@dataclass
class Policy:
    """Everything the engine knows that is not Python syntax.  Built by :func:`load_policy`."""

    categories: dict[str, Category]
    subjects: dict[str, tuple[tuple[str, ...], ...]]
    things: frozenset[tuple[str, ...]]
    metadata_words: frozenset[str]
    flag_prefixes: frozenset[str]
    non_personal_names: frozenset[str]
    owner_suffixes: frozenset[str]
    settings_owners: frozenset[str]
    non_personal_owners: frozenset[tuple[str, ...]]
    sinks: dict[str, Any]
    encrypted_types: tuple[str, ...]
    encrypted_type_prefixes: tuple[str, ...]
    processors: dict[str, Processor]
    frameworks: Frameworks
    rules: dict[str, Rule]
    eea_regions: frozenset[str] = frozenset()
    config: OrgConfig = field(default_factory=OrgConfig)
    hash: str = ""

    # ---- derived look-ups -------------------------------------------------------------------
    @property
    def approved(self) -> dict[str, Approval]:
        """Approved processors by lower-case name."""
        return {a.name: a for a in self.config.approved_processors}

    def severity_of(self, code: str) -> str:
        """The configured severity of a rule code (config override, else the rule's default)."""
        for key in (code, code[:5], code[:4]):
            if key in self.config.severity:
                return self.config.severity[key]
        rule = self.rules.get(code)
        return rule.severity if rule else "warning"

    def is_enabled(self, code: str) -> bool:
        """Whether ``select``/``ignore`` (codes or prefixes) keep a rule code."""
        select, ignore = self.config.select, self.config.ignore
        if select and not any(code.startswith(s) for s in select):
            return False
        return not any(code.startswith(i) for i in ignore)

    def retention_days(self, value: str) -> float | None:
        """Length in days of a retention value: an ISO 8601 duration or a named period."""
        if value in self.config.retention_periods:
            return parse_duration(self.config.retention_periods[value])
        return parse_duration(value)

    def max_retention_days(self, category: str) -> float | None:
        """The longest retention the policy allows for a category (or its closest parent)."""
        key = category
        while key:
            if key in self.config.max_retention:
                return parse_duration(self.config.max_retention[key])
            cat = self.categories.get(key)
            if cat and cat.max_retention:
                return parse_duration(cat.max_retention)
            key = key.rpartition(".")[0]
        return None


def _phrases(values: Any, where: str, key: str) -> tuple[tuple[str, ...], ...]:
    if values is None:
        return ()
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(where, key, "expected a list of words or phrases")
    out = []
    for v in values:
        words = split_words(v.replace("-", " ")) if " " not in v else tuple(
            w for part in v.split() for w in split_words(part))
        if words:
            out.append(words)
    return tuple(out)


def _category(raw: dict[str, Any], where: str, key: str) -> Category:
    allowed = {"key", "label", "special", "encrypt", "max_retention", "words", "weak_words", "context", "types",
               "exclude", "stems"}
    for k in raw:
        if k not in allowed:
            raise ConfigError(where, f"{key}.{k}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    context = raw.get("context", "any")
    if context not in ("any", "not_thing"):
        raise ConfigError(where, f"{key}.context", f"unknown context {context!r}; allowed: any, not_thing")
    max_ret = raw.get("max_retention", "")
    if max_ret and parse_duration(str(max_ret)) is None:
        raise ConfigError(where, f"{key}.max_retention", f"{max_ret!r} is not an ISO 8601 duration")
    return Category(
        key=raw["key"],
        label=str(raw.get("label", raw["key"])),
        special=bool(raw.get("special", False)),
        encrypt=bool(raw.get("encrypt", False)),
        max_retention=str(max_ret),
        words=_phrases(raw.get("words"), where, f"{key}.words"),
        weak_words=_phrases(raw.get("weak_words"), where, f"{key}.weak_words"),
        context=context,
        types=tuple(raw.get("types") or ()),
        exclude=_phrases(raw.get("exclude"), where, f"{key}.exclude"),
        stems=tuple(str(x).lower() for x in raw.get("stems") or ()),
    )


def _read_pack(folder: Path) -> dict[str, Any]:
    pack: dict[str, Any] = {}
    for name in PACK_FILES:
        path = folder / name
        try:
            data = safe_load(path.read_text(encoding="utf-8"))
        except (OSError, InvalidYAML) as exc:
            raise ConfigError(str(path), "", f"cannot load the policy pack file ({exc})") from None
        if not isinstance(data, dict):
            raise ConfigError(str(path), "", "expected a mapping at the top level")
        pack[name] = data
    return pack


@lru_cache(maxsize=4)
def _default_pack(folder: str) -> str:
    return json.dumps(_read_pack(Path(folder)), sort_keys=True, default=str)


def load_policy_cached(config: OrgConfig, cache_folder: Path | None) -> Policy:
    """:func:`load_policy`, kept in the results cache by the bytes of the pack, the config's settings
    and path, and the tool version (building it costs more than a warm scan of a small project).

    Raises:
        ConfigError: as :func:`load_policy` (an invalid config is never cached).
    """
    if cache_folder is None:
        return load_policy(config)
    from gdpr_lint.cache import Cache, content_key

    folder = rules_dir()
    try:  # the code that builds a Policy is part of the key too (an editable install changes it)
        pack = [(folder / name).read_bytes() for name in PACK_FILES] + [
            Path(__file__).read_bytes(), (Path(__file__).parent / "config.py").read_bytes()]
    except OSError:
        return load_policy(config)  # load_policy reports what is missing
    settings = {k: v for k, v in asdict(config).items() if k != "raw"}
    key = content_key("policy", str(folder), json.dumps(settings, sort_keys=True, default=str), *pack)
    cache = Cache(cache_folder)
    found = cache.get("policy", key)
    if isinstance(found, Policy):
        return found
    policy = load_policy(config)
    cache.put("policy", key, policy)
    return policy


def load_policy(config: OrgConfig | None = None, pack_dir: Path | None = None) -> Policy:
    """Build the effective policy from the default pack and an organisation config.

    Args:
        config: the validated organisation config (``None`` = defaults only).
        pack_dir: folder of the policy pack (default: the one shipped with gdpr-lint).

    Raises:
        ConfigError: a pack file or a config value that does not fit the pack.
    """
    config = config or OrgConfig()
    folder = pack_dir or rules_dir()
    pack = json.loads(_default_pack(str(folder)))
    where = str(folder)

    categories: dict[str, Category] = {}
    for i, raw in enumerate(pack["categories.yaml"].get("categories", [])):
        cat = _category(raw, f"{where}/categories.yaml", f"categories[{i}]")
        categories[cat.key] = cat
    for i, raw in enumerate(config.categories):
        cat = _category(raw, config.path, f"categories[{i}]")
        if cat.key in categories:  # extend the pack's category
            old = categories[cat.key]
            cat = Category(
                key=cat.key, label=raw.get("label", old.label), special=raw.get("special", old.special),
                encrypt=raw.get("encrypt", old.encrypt), max_retention=cat.max_retention or old.max_retention,
                words=old.words + cat.words, weak_words=old.weak_words + cat.weak_words,
                context=raw.get("context", old.context), types=old.types + cat.types,
                exclude=old.exclude + cat.exclude)
        categories[cat.key] = cat
    for key, words in config.words.items():
        if key not in categories:
            raise ConfigError(config.path, f"words.{key}",
                              "unknown category; use a Fides key from the policy or declare it under `categories`")
        old = categories[key]
        categories[key] = Category(**{**old.__dict__, "words": old.words + _phrases(words, config.path, key)})
    for key in config.max_retention:
        if key not in categories and not any(c.startswith(key + ".") for c in categories):
            raise ConfigError(config.path, f"max_retention.{key}", "unknown category key")

    vocab = pack["vocabulary.yaml"]
    subjects: dict[str, tuple[tuple[str, ...], ...]] = {}
    for name, words in (vocab.get("subjects") or {}).items():
        key = name.split("_participants")[0]  # extra word lists for a subject: `customer_participants`
        subjects[key] = subjects.get(key, ()) + _phrases(words, where, f"subjects.{name}")
    things = frozenset(_phrases(vocab.get("things"), where, "things"))
    metadata = frozenset(p[0] for p in _phrases(vocab.get("metadata_words"), where, "metadata_words") if len(p) == 1)
    flags = frozenset(w for p in _phrases(vocab.get("flag_prefixes"), where, "flag_prefixes") for w in p)
    non_personal = frozenset(vocab.get("non_personal_names") or ())
    owner_suffixes = frozenset(w for p in _phrases(vocab.get("owner_suffixes"), where, "owner_suffixes") for w in p)

    sinks = pack["sinks.yaml"]
    sinks.setdefault("sanitizers", {}).setdefault("functions", [])
    sinks["sanitizers"]["functions"] = list(sinks["sanitizers"]["functions"]) + list(config.sanitizers)

    enc = pack["encryption.yaml"]
    encrypted = tuple(enc.get("encrypted_types") or ()) + tuple(config.encrypted_types)
    prefixes = tuple(enc.get("encrypted_type_prefixes") or ())

    processors: dict[str, Processor] = {}
    for i, raw in enumerate(pack["processors.yaml"].get("processors", [])):
        try:
            proc = Processor(
                name=str(raw["name"]).lower(), vendor=str(raw.get("vendor", raw["name"])),
                country=str(raw.get("country", "")), eea=bool(raw.get("eea", False)),
                service=str(raw.get("service", "")), sdk=tuple(raw.get("sdk") or ()),
                hosts=tuple(raw.get("hosts") or ()), packages=tuple(raw.get("packages") or ()),
                infrastructure=bool(raw.get("infrastructure", False)),
                logging_sink=bool(raw.get("logging_sink", False)))
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{where}/processors.yaml", f"processors[{i}]", f"malformed entry ({exc})") from None
        processors[proc.name] = proc
    for i, appr in enumerate(config.approved_processors):
        if appr.name not in processors and not appr.hosts:
            # an organisation may approve a processor the catalogue does not know: it needs hosts then
            processors[appr.name] = Processor(appr.name, appr.name, appr.region, False, "", (), appr.hosts, ())
        if appr.categories:
            for cat in appr.categories:
                if cat not in categories and not any(c.startswith(cat + ".") for c in categories) and cat != "user":
                    raise ConfigError(config.path, f"approved_processors[{i}].categories",
                                      f"unknown category {cat!r}; use Fides keys such as user.contact.email")
    for appr in config.approved_processors:
        if appr.hosts and appr.name in processors:
            old = processors[appr.name]
            processors[appr.name] = Processor(**{**old.__dict__, "hosts": old.hosts + appr.hosts})
        elif appr.hosts:
            processors[appr.name] = Processor(appr.name, appr.name, appr.region, False, "", (), appr.hosts, ())

    rules: dict[str, Rule] = {}
    for raw in pack["rules.yaml"].get("rules", []):
        rule = Rule(**raw)
        rules[rule.code] = rule
    named = [(f"severity.{code}", code) for code in config.severity]
    named += [(f"{key}[{i}]", code) for key in ("select", "ignore") for i, code in enumerate(getattr(config, key))]
    for key, code in named:
        if not code.strip():  # "" is a prefix of every code: `ignore: [""]` would turn every rule off
            raise ConfigError(config.path, key, "an empty rule code would match every rule; name codes or "
                              "prefixes such as GDPR301 or GDPR3 (`gdpr-lint rules` lists them)")
        families = ("GDPR", "GDPR1", "GDPR2", "GDPR3", "GDPR4", "GDPR9")
        if not any(r.startswith(code) or code.startswith(r) for r in rules) and code not in families:
            raise ConfigError(config.path, key, f"unknown rule code or prefix {code!r}; `gdpr-lint rules` lists them")

    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(_default_pack(str(folder)).encode())
    # the validated settings, not the file's text: a config built in code is hashed the same way
    settings = {k: v for k, v in asdict(config).items() if k not in ("path", "raw")}
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return Policy(categories=categories, subjects=subjects, things=things, metadata_words=metadata,
                  flag_prefixes=flags, non_personal_names=non_personal,
                  owner_suffixes=owner_suffixes, settings_owners=frozenset(vocab.get("settings_owners") or ()),
                  non_personal_owners=frozenset(_phrases(vocab.get("non_personal_owners"), where,
                                                         "non_personal_owners")),
                  sinks=sinks, encrypted_types=encrypted,
                  encrypted_type_prefixes=prefixes, processors=processors,
                  frameworks=Frameworks.from_pack(pack["frameworks.yaml"], f"{where}/frameworks.yaml"), rules=rules,
                  eea_regions=frozenset(str(r).upper() for r in pack["processors.yaml"].get("eea_regions") or ()),
                  config=config,
                  hash=digest.hexdigest()[:16])
