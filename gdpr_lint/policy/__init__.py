"""The effective policy: the default pack in ``rules/`` merged with the organisation's config.

The pack is YAML a Data Protection Officer can read (categories, vocabulary, sinks, encryption,
processors, schema frameworks, rule documentation).  :func:`load_policy` validates it, merges the config on top and
returns a :class:`Policy` with a stable :attr:`Policy.hash` used for caching and sign-offs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from gdpr_lint import __version__
from gdpr_lint.errors import ConfigError
from gdpr_lint.policy.config import HOST, Approval, OrgConfig
from gdpr_lint.policy.durations import parse_duration
from gdpr_lint.policy.frameworks import Frameworks
from gdpr_lint.policy.yamlfile import InvalidYAML, safe_load

PACK_FILES = ("categories.yaml", "vocabulary.yaml", "sinks.yaml", "encryption.yaml", "processors.yaml",
              "frameworks.yaml", "rules.yaml", "scope.yaml", "rights.yaml")

#: where a category's words count: anywhere; unless the owner is a thing; only on a record about or
#: belonging to a person (free text, uploaded files)
CONTEXTS = ("any", "not_thing", "person_linked")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@lru_cache(maxsize=1 << 17)
def split_words(identifier: str) -> tuple[str, ...]:
    """Split an identifier or phrase into lower-case words.

    ``"firstName"`` -> ("first", "name"); ``"date_of_birth"`` -> ("date", "of", "birth");
    ``"IPAddress"`` -> ("ip", "address"); ``"address_line2"`` -> ("address", "line", "2").
    """
    return tuple(w.lower() for w in _CAMEL.findall(identifier))


@lru_cache(maxsize=1 << 16)
def name_words(name: str) -> tuple[str, ...]:
    """The words of a name as an owner or an object's name is read: its numbers left out
    (``member2`` and ``ContactGroup2`` are a member and a contact group)."""
    return tuple(w for w in split_words(name) if not w.isdigit())


def rules_dir() -> Path:
    """Return the folder that holds the default policy pack.

    In an installed wheel the pack is ``gdpr_lint/rules``; in a source checkout it is the
    top-level ``rules/`` folder.
    """
    package = Path(__file__).resolve().parent.parent  # gdpr_lint/
    for candidate in (package / "rules", package.parent / "rules"):
        if (candidate / "categories.yaml").is_file():
            return candidate
    raise ConfigError(str(package / "rules"), "", "the default policy pack is missing from this installation")


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
    credential: bool = False
    weak_on_linked: bool = False  # weak words count on a record that belongs to a person too (WeightEntry.weight)
    measure_words: frozenset[str] = frozenset()  # a value of a person's series in one of measure_domains
    measure_domains: frozenset[str] = frozenset()
    dates: bool = False  # a date named with its words is itself personal data (a date of birth)

    @property
    def identifying(self) -> bool:
        """Whether a record that holds this category is a record about a person (an e-mail, a name,
        a street do; a password, an IP address or a free-text note do not say so on their own)."""
        return not self.credential and self.context != "person_linked" and not self.key.startswith(
            ("user.device", "user.location", "user.behavior", "user.content"))


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
    kind: str = ""

    @property
    def role(self) -> str:
        """``telemetry`` (the logging family), ``infrastructure`` (a cloud platform) or ``processor``."""
        return "telemetry" if self.logging_sink else "infrastructure" if self.infrastructure else "processor"


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


@dataclass(frozen=True)
class RightsWords:
    """What erasure and access routines do, and how stores refer to each other, in words
    (``rights.yaml``; :mod:`gdpr_lint.engine.rights`, :mod:`gdpr_lint.engine.stores`)."""

    erasure_conventions: tuple[str, ...] = ()
    access_conventions: tuple[str, ...] = ()
    delete_methods: frozenset[str] = frozenset()
    update_methods: frozenset[str] = frozenset()
    anonymise_words: frozenset[str] = frozenset()
    whole_record_reads: frozenset[str] = frozenset()
    query_methods: frozenset[str] = frozenset()
    cascade_words: frozenset[str] = frozenset()
    not_records: frozenset[str] = frozenset()
    foreign_keys: frozenset[str] = frozenset()  # reference fields with an `on_delete` (Django)
    one_to_one: frozenset[str] = frozenset()
    relationships: frozenset[str] = frozenset()  # SQLAlchemy relationship(), with `cascade=`
    columns: frozenset[str] = frozenset()  # SQLAlchemy columns, with ForeignKey(..., ondelete=)
    signal_receivers: frozenset[str] = frozenset()  # @receiver(signal)
    signal_connects: frozenset[str] = frozenset()  # signal.connect(function)
    signal_sends: frozenset[str] = frozenset()  # signal.send(sender=...)
    delete_signals: frozenset[str] = frozenset()  # sent for every record deleted (instance=)
    signed_in_user: frozenset[str] = frozenset()  # `request.user`: an attribute that holds the user model


@dataclass(frozen=True)
class EvidenceWords:
    """Words the project facts use to judge a class (``vocabulary.yaml``, ``evidence``)."""

    program_fields: tuple[tuple[str, ...], ...] = ()  # fields only a program holds (client_secret)
    action_suffixes: tuple[str, ...] = ()  # a reference named `<verb>_by` records an action, not an owner
    pointer_prefixes: tuple[str, ...] = ()  # a reference named `last_<x>` points at the latest actor
    owner_references: tuple[str, ...] = ()  # a reference that makes a record its person's own (`user`)
    role_references: tuple[str, ...] = ()  # a reference to people who look after the record (`moderators`)
    group_subjects: tuple[str, ...] = ()  # a class that people's records point at as their group (`Tenant`)


@dataclass(frozen=True)
class Persistence:
    """Calls that keep what they are given (``sinks.yaml``, ``persistence``): a carrier whose
    instances reach one is a store."""

    functions: frozenset[str] = frozenset()
    methods: frozenset[str] = frozenset()
    by_receiver: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def function_tails(self) -> frozenset[str]:
        """The last names of :attr:`functions` (``dump`` of ``json.dump``), as a call spells them."""
        tails = self.__dict__.get("_tails")
        if tails is None:
            tails = frozenset(f.rpartition(".")[2] for f in self.functions)
            object.__setattr__(self, "_tails", tails)
        return tails


@dataclass(frozen=True)
class PathPatterns:
    """Folder names and file-name patterns (``scope.yaml``)."""

    folders: tuple[tuple[str, ...], ...] = ()
    files: tuple[str, ...] = ()

    def matches(self, path: str) -> bool:
        """Whether a path relative to the scan root (``/`` separators) is covered."""
        from fnmatch import fnmatchcase

        parts = path.split("/")
        name, dirs = parts[-1], parts[:-1]
        if any(fnmatchcase(name, pattern) for pattern in self.files):
            return True
        return any(tuple(dirs[i:i + len(f)]) == f for f in self.folders for i in range(len(dirs)))


@dataclass
class Policy:
    """Everything the engine knows that is not Python syntax.  Built by :func:`load_policy`."""

    categories: dict[str, Category]
    subjects: dict[str, tuple[tuple[str, ...], ...]]
    things: frozenset[tuple[str, ...]]
    #: words that name a data subject only as a class's name (vocabulary.yaml ``class_subjects``)
    class_subjects: dict[str, tuple[tuple[str, ...], ...]]
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
    processor_kinds: dict[str, str] = field(default_factory=dict)  # kind -> what it means (processors.yaml)
    #: ALL_CAPS keys that are a request's variables even on the environment (`REMOTE_ADDR`, `HTTP_...`)
    request_variable_prefixes: tuple[str, ...] = ()
    evidence: EvidenceWords = field(default_factory=EvidenceWords)
    persistence: Persistence = field(default_factory=Persistence)
    test_code: PathPatterns = field(default_factory=PathPatterns)
    migrations: PathPatterns = field(default_factory=PathPatterns)  # schema copies: no field findings
    rights: RightsWords = field(default_factory=lambda: RightsWords())
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

    def skips_data_rules(self, path: str) -> bool:
        """Whether the data rules leave a file alone: test code, unless the config asks for it
        (``check_tests``).  ``path`` is relative to the scan root.  (The review still digests such
        files by their content, so the deploy gate sees them change.)"""
        return not self.config.check_tests and self.test_code.matches(path)

    def retention_days(self, value: str) -> float | None:
        """Length in days of a retention value: an ISO 8601 duration or a named period."""
        if value in self.config.retention_periods:
            return parse_duration(self.config.retention_periods[value])
        return parse_duration(value)

    def max_retention_text(self, category: str) -> str:
        """The longest retention the policy allows for a category, as written (``P3Y``), or ``""``."""
        key = category
        while key:
            if key in self.config.max_retention:
                return self.config.max_retention[key]
            cat = self.categories.get(key)
            if cat and cat.max_retention:
                return cat.max_retention
            key = key.rpartition(".")[0]
        return ""

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
        if not words:  # ("", "---": the mistake is silent otherwise)
            raise ConfigError(where, key, f"{v!r} has no word in it: remove it or write the word")
        out.append(words)
    return tuple(out)


_CATEGORY_FLAGS = ("special", "encrypt", "credential", "weak_on_linked", "dates")


def _category(raw: dict[str, Any], where: str, key: str) -> Category:
    allowed = {"key", "label", "special", "encrypt", "max_retention", "words", "weak_words", "context", "types",
               "exclude", "stems", "credential", "weak_on_linked", "measure_words", "measure_domains", "dates"}
    if not isinstance(raw, dict):
        raise ConfigError(where, key, "expected a mapping with a `key` and what says the category")
    if isinstance(raw.get("key"), str) and raw["key"].strip():
        key = f"{key} ({raw['key']})"  # (which one, in a long list)
    for k in raw:
        if k not in allowed:
            raise ConfigError(where, f"{key}.{k}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    if not isinstance(raw.get("key"), str) or not raw["key"].strip():
        raise ConfigError(where, f"{key}.key", "expected a Fides data category key, such as user.contact.email")
    if not isinstance(raw.get("label", ""), str):
        raise ConfigError(where, f"{key}.label", "expected text")
    for flag in _CATEGORY_FLAGS:  # (a quoted "false" is text, and text is true)
        if not isinstance(raw.get(flag, False), bool):
            raise ConfigError(where, f"{key}.{flag}", "expected true or false (unquoted)")
    for names in ("types", "stems"):
        value = raw.get(names) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(where, f"{key}.{names}", "expected a list of names")
    context = raw.get("context", "any")
    if context not in CONTEXTS:
        raise ConfigError(where, f"{key}.context", f"unknown context {context!r}; allowed: {', '.join(CONTEXTS)}")
    max_ret = raw.get("max_retention", "")
    if "max_retention" in raw and parse_duration(str(max_ret)) is None:
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
        credential=bool(raw.get("credential", False)),
        weak_on_linked=bool(raw.get("weak_on_linked", False)),
        measure_words=_words(raw.get("measure_words"), where, f"{key}.measure_words"),
        measure_domains=_words(raw.get("measure_domains"), where, f"{key}.measure_domains"),
        dates=bool(raw.get("dates", False)),
    )


def _words(values: Any, where: str, key: str) -> frozenset[str]:
    """Single lower-case words (a list of strings)."""
    phrases = _phrases(values, where, key)
    for phrase in phrases:
        if len(phrase) != 1:
            raise ConfigError(where, key, f"{' '.join(phrase)!r} is not one word")
    return frozenset(p[0] for p in phrases)


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


#: pack folder -> (the stamp of its files, its canonical JSON text), as last read in this process
_PACK_TEXT: dict[str, tuple[tuple, str]] = {}


def _pack_stamp(folder: str) -> tuple:
    """The size and modification time of each file of the pack in ``folder`` (``()`` when one
    cannot be read: :func:`_read_pack` says why)."""
    try:
        return tuple((s.st_size, s.st_mtime_ns) for s in (os.stat(os.path.join(folder, n)) for n in PACK_FILES))
    except (OSError, ValueError):
        return ()


def _default_pack(folder: str) -> str:
    """The policy pack in ``folder`` as canonical JSON text (its YAML is parsed once per process
    while its files stay as they were, or not at all when :func:`load_policy_cached` found the
    text in the results cache)."""
    stamp = _pack_stamp(folder)
    found = _PACK_TEXT.get(folder)
    if found is None or found[0] != stamp or not stamp:
        found = _PACK_TEXT[folder] = (stamp, json.dumps(_read_pack(Path(folder)), sort_keys=True, default=str))
    return found[1]


def _pack_from_data(data: Any) -> str:
    """The pack text kept in the results cache, checked: canonical JSON of a mapping from each pack
    file's name to a mapping (a :class:`~gdpr_lint.cache.BadEntry` otherwise)."""
    from gdpr_lint.cache import BadEntry, need, need_keys

    text = need(need_keys(data, {"pack"})["pack"], str)
    pack = json.loads(text)
    need_keys(pack, set(PACK_FILES))
    for name in PACK_FILES:
        need(pack[name], dict)
    if json.dumps(pack, sort_keys=True) != text:
        raise BadEntry("not the canonical text of a policy pack")
    return text


def load_policy_cached(config: OrgConfig, cache_folder: Path | None) -> Policy:
    """:func:`load_policy`, with the parsed policy pack kept in the results cache by the bytes of the
    pack's files and of the code that reads them, and the tool version (parsing the YAML costs about
    30 ms, a third of a warm scan of a mid-size project; building the policy from the parsed pack
    costs about 4 ms and is done every time).

    Only the pack is cached, as JSON text, not the built :class:`Policy`: the pack is plain data by
    nature, while the policy is a graph of frozen dataclasses, frozensets and tuples whose every
    field would need its own reader to be checked on the way in.

    Raises:
        ConfigError: as :func:`load_policy`.
    """
    folder = rules_dir()
    stamp = _pack_stamp(str(folder))  # (before the bytes are read: an edit meanwhile is read again)
    if cache_folder is None or _PACK_TEXT.get(str(folder), ((),))[0] == stamp:
        return load_policy(config)
    from gdpr_lint.cache import Cache, content_key

    try:  # the code that reads the pack is part of the key too (an editable install changes it)
        here = Path(__file__).parent
        pack = [(folder / name).read_bytes() for name in PACK_FILES] + [
            Path(__file__).read_bytes(), (here / "yamlfile.py").read_bytes()]
    except OSError:
        return load_policy(config)  # load_policy reports what is missing
    key = content_key("policy-pack", str(folder), *pack)
    cache = Cache(cache_folder)
    text = cache.get("policy", key, _pack_from_data)
    if text is not None:
        _PACK_TEXT[str(folder)] = (stamp, text)
        try:
            return load_policy(config)
        except (ConfigError, ValueError, TypeError, KeyError, AttributeError):
            del _PACK_TEXT[str(folder)]  # a pack the policy cannot be built from: read the YAML again
            return load_policy(config)
    policy = load_policy(config)
    cache.put("policy", key, {"pack": _default_pack(str(folder))})
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
        elif not (cat.words or cat.weak_words or cat.types or cat.stems):
            # a new category nothing can find: most often a known key misspelt (`user.contact.emial`)
            import difflib

            close = difflib.get_close_matches(cat.key, list(categories), n=1)
            raise ConfigError(config.path, f"categories[{i}] ({cat.key})",
                              "not a category of the policy, and it lists no words or types to find a new one by"
                              + (f"; did you mean {close[0]}?" if close else ""))
        categories[cat.key] = cat
    for key, words in config.words.items():
        if key not in categories:
            raise ConfigError(config.path, f"words.{key}",
                              "unknown category; use a Fides key from the policy or declare it under `categories`")
        old = categories[key]
        more = _phrases(words, config.path, f"words.{key}")
        categories[key] = Category(**{**old.__dict__, "words": old.words + more})
    for key in config.max_retention:
        if key not in categories and not any(c.startswith(key + ".") for c in categories):
            raise ConfigError(config.path, f"max_retention.{key}", "unknown category key")

    vocab = pack["vocabulary.yaml"]
    subjects: dict[str, tuple[tuple[str, ...], ...]] = {}
    for name, words in (vocab.get("subjects") or {}).items():
        key = name.split("_participants")[0]  # extra word lists for a subject: `customer_participants`
        subjects[key] = subjects.get(key, ()) + _phrases(words, where, f"subjects.{name}")
    things = frozenset(_phrases(vocab.get("things"), where, "things"))
    class_subjects: dict[str, tuple[tuple[str, ...], ...]] = {}
    if not isinstance(vocab.get("class_subjects") or {}, dict):
        raise ConfigError(f"{where}/vocabulary.yaml", "class_subjects", "expected a mapping of subjects to words")
    for name, words in (vocab.get("class_subjects") or {}).items():
        class_subjects[name] = class_subjects.get(name, ()) + _phrases(words, f"{where}/vocabulary.yaml",
                                                                       f"class_subjects.{name}")
    metadata = frozenset(p[0] for p in _phrases(vocab.get("metadata_words"), where, "metadata_words") if len(p) == 1)
    flags = frozenset(w for p in _phrases(vocab.get("flag_prefixes"), where, "flag_prefixes") for w in p)
    non_personal = frozenset(vocab.get("non_personal_names") or ())
    owner_suffixes = frozenset(w for p in _phrases(vocab.get("owner_suffixes"), where, "owner_suffixes") for w in p)

    sinks = pack["sinks.yaml"]
    catalogued = pack["processors.yaml"].get("processors") if isinstance(pack["processors.yaml"], dict) else None
    _check_remote_handlers((sinks.get("logging") or {}).get("remote_handlers"), where,
                           {p.get("name") for p in catalogued if isinstance(p, dict)} if isinstance(catalogued, list)
                           else None)
    _check_recipients((sinks.get("sources") or {}).get("recipients"), where, categories)
    _check_sign_in((sinks.get("sources") or {}).get("sign_in"), where, categories)
    prompts = (sinks.get("operator_output") or {}).get("prompts")
    if prompts is not None and not (isinstance(prompts, list) and all(isinstance(p, str) and p for p in prompts)):
        raise ConfigError(f"{where}/sinks.yaml", "operator_output.prompts", "expected a list of qualified names")
    expanded = (sinks.get("logging") or {}).get("expanded_extra")
    if expanded is not None and not (isinstance(expanded, dict) and all(
            isinstance(k, str) and k.isidentifier() and isinstance(v, str) and v.strip() for k, v in expanded.items())):
        raise ConfigError(f"{where}/sinks.yaml", "logging.expanded_extra",
                          "expected a mapping of an `extra` key to what a handler reports of it")
    sinks.setdefault("sanitizers", {}).setdefault("functions", [])
    sinks["sanitizers"]["functions"] = list(sinks["sanitizers"]["functions"]) + list(config.sanitizers)

    enc = pack["encryption.yaml"]
    encrypted = tuple(enc.get("encrypted_types") or ()) + tuple(config.encrypted_types)
    prefixes = tuple(enc.get("encrypted_type_prefixes") or ())

    processors, eea_regions, processor_kinds = _catalogue(pack["processors.yaml"], f"{where}/processors.yaml")
    for i, appr in enumerate(config.approved_processors):
        if appr.name not in processors and not appr.hosts:
            # an organisation may approve a processor the catalogue does not know, but then it names
            # its hosts; a bare unknown name is a typo that would silently approve nothing
            import difflib

            close = difflib.get_close_matches(appr.name, list(processors), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else (
                "; `gdpr-lint rules --processors` lists the catalogue, or give the processor's `hosts`")
            raise ConfigError(config.path, f"approved_processors[{i}].name",
                              f"{appr.name!r} is not in the processor catalogue{hint}")
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
        families = ("GDPR", "GDPR1", "GDPR2", "GDPR3", "GDPR4", "GDPR5", "GDPR9")
        if not any(r.startswith(code) or code.startswith(r) for r in rules) and code not in families:
            raise ConfigError(config.path, key, f"unknown rule code or prefix {code!r}; `gdpr-lint rules` lists them")

    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(_default_pack(str(folder)).encode())
    # the validated settings, not the file's text: a config built in code is hashed the same way
    settings = {k: v for k, v in asdict(config).items() if k not in ("path", "raw")}
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    request_prefixes = vocab.get("request_variable_prefixes") or []
    if not (isinstance(request_prefixes, list) and all(isinstance(p, str) and p for p in request_prefixes)):
        raise ConfigError(f"{where}/vocabulary.yaml", "request_variable_prefixes", "expected a list of key prefixes")
    return Policy(categories=categories, subjects=subjects, things=things, class_subjects=class_subjects,
                  metadata_words=metadata,
                  flag_prefixes=flags, non_personal_names=non_personal,
                  owner_suffixes=owner_suffixes, settings_owners=frozenset(vocab.get("settings_owners") or ()),
                  non_personal_owners=frozenset(_phrases(vocab.get("non_personal_owners"), where,
                                                         "non_personal_owners")),
                  sinks=sinks, encrypted_types=encrypted,
                  encrypted_type_prefixes=prefixes, processors=processors,
                  frameworks=Frameworks.from_pack(pack["frameworks.yaml"], f"{where}/frameworks.yaml"), rules=rules,
                  eea_regions=eea_regions, processor_kinds=processor_kinds,
                  request_variable_prefixes=tuple(request_prefixes),
                  evidence=_evidence_words(vocab.get("evidence") or {}, where),
                  persistence=_persistence(sinks.get("persistence") or {}, where),
                  test_code=_path_patterns(pack["scope.yaml"], "test_code", where),
                  migrations=_path_patterns(pack["scope.yaml"], "migrations", where),
                  rights=_rights_words(pack["rights.yaml"], where),
                  config=config,
                  hash=digest.hexdigest()[:16])


def _rights_words(raw: Any, where: str) -> RightsWords:
    at = f"{where}/rights.yaml"
    keys = ("delete_methods", "update_methods", "anonymise_words", "whole_record_reads", "query_methods",
            "cascade_words", "not_records", "foreign_keys", "one_to_one", "relationships", "columns",
            "signal_receivers", "signal_connects", "signal_sends", "delete_signals", "signed_in_user")
    if not isinstance(raw, dict) or set(raw) - {"conventions", *keys}:
        raise ConfigError(at, "", f"expected a mapping with conventions, {', '.join(keys)}")

    def words(value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value or [], list) or not all(isinstance(v, str) for v in value or []):
            raise ConfigError(at, key, "expected a list of words")
        return tuple(value or ())

    conventions = raw.get("conventions") or {}
    if not isinstance(conventions, dict) or set(conventions) - {"erasure", "access"}:
        raise ConfigError(at, "conventions", "expected a mapping with erasure and access name patterns")
    return RightsWords(erasure_conventions=words(conventions.get("erasure"), "conventions.erasure"),
                       access_conventions=words(conventions.get("access"), "conventions.access"),
                       **{k: frozenset(words(raw.get(k), k)) for k in keys})


def _persistence(raw: Any, where: str) -> Persistence:
    at = f"{where}/sinks.yaml"
    if not isinstance(raw, dict) or set(raw) - {"functions", "methods", "by_receiver"}:
        raise ConfigError(at, "persistence", "expected a mapping with functions, methods and by_receiver")
    for key in ("functions", "methods"):
        if not isinstance(raw.get(key) or [], list):
            raise ConfigError(at, f"persistence.{key}", "expected a list of names")
    by_receiver = raw.get("by_receiver") or {}
    if not isinstance(by_receiver, dict) or not all(isinstance(v, list) for v in by_receiver.values()):
        raise ConfigError(at, "persistence.by_receiver", "expected a mapping of method to receiver words")
    return Persistence(functions=frozenset(raw.get("functions") or ()), methods=frozenset(raw.get("methods") or ()),
                       by_receiver={str(k): frozenset(map(str, v)) for k, v in by_receiver.items()})


def _check_source_entry(raw: Any, at: str, key: str, allowed: tuple[str, ...], categories: dict) -> None:
    """An entry of ``sources`` with a category: a mapping of the ``allowed`` keys whose
    ``category`` is a key of categories.yaml."""
    expected = ", ".join(f"`{k}`" for k in allowed[:-1]) + f" and `{allowed[-1]}`"
    if not isinstance(raw, dict):
        raise ConfigError(at, key, f"expected a mapping with {expected}")
    for extra in sorted(set(raw) - set(allowed), key=str):
        raise ConfigError(at, f"{key}.{extra}", f"unknown key; expected {expected}")
    if not isinstance(raw.get("category"), str) or raw["category"] not in categories:
        raise ConfigError(at, f"{key}.category", "expected the key of a category of categories.yaml")


def _check_recipients(raw: Any, where: str, categories: dict) -> None:
    """``sources.recipients``: ``{category, calls: {qualified name: {positions: [int], keywords:
    [name]}}}``, the calls whose recipients are people's addresses (of ``category``)."""
    at, key = f"{where}/sinks.yaml", "sources.recipients"
    if raw is None:
        return
    _check_source_entry(raw, at, key, ("category", "calls"), categories)
    calls = raw.get("calls") or {}
    if not isinstance(calls, dict):
        raise ConfigError(at, f"{key}.calls", "expected a mapping of qualified name to positions and keywords")
    for name, spec in calls.items():
        if not isinstance(spec, dict) or set(spec) - {"positions", "keywords"}:
            raise ConfigError(at, f"{key}.calls.{name}", "expected a mapping with `positions` and `keywords`")
        positions, keywords = spec.get("positions") or [], spec.get("keywords") or []
        if not (isinstance(positions, list) and all(type(p) is int and p >= 0 for p in positions)):
            raise ConfigError(at, f"{key}.calls.{name}.positions", "expected a list of positions from 0")
        if not (isinstance(keywords, list) and all(isinstance(k, str) and k.isidentifier() for k in keywords)):
            raise ConfigError(at, f"{key}.calls.{name}.keywords", "expected a list of keyword names")


def _check_sign_in(raw: Any, where: str, categories: dict) -> None:
    """``sources.sign_in``: ``{category, names: [word], calls: [word], text_names: [word]}``, the
    names that hold the name a person signs in with beside a password, the sign-in calls, and the
    parameter names that hold it annotated as text (in lower case, their words joined by ``_``)."""
    at, key = f"{where}/sinks.yaml", "sources.sign_in"
    if raw is None:
        return
    _check_source_entry(raw, at, key, ("category", "names", "calls", "text_names"), categories)
    for part in ("names", "calls", "text_names"):
        value = raw.get(part) or []
        if not (isinstance(value, list) and all(isinstance(v, str) and v.isidentifier() and v == v.lower()
                                                for v in value)):
            raise ConfigError(at, f"{key}.{part}", "expected a list of lower-case identifiers (words joined by `_`)")


def _check_remote_handlers(raw: Any, where: str, processors: dict | None = None) -> None:
    """``logging.remote_handlers``: handler class -> ``{host: [position, keyword], default?,
    recipients?}``, or ``{processor: name}`` (a catalogued processor's handler that takes no host)."""
    at = f"{where}/sinks.yaml"
    if raw is None:
        return
    if not isinstance(raw, dict):
        raise ConfigError(at, "logging.remote_handlers", "expected a mapping of handler class to its arguments")
    for name, spec in raw.items():
        key = f"logging.remote_handlers.{name}"
        if not isinstance(spec, dict) or not ("host" in spec or "processor" in spec) or (
                set(spec) - {"host", "default", "recipients", "processor"}):
            raise ConfigError(at, key, "expected a mapping with `host` (and optionally `default` and `recipients`) "
                              "or `processor`")
        for arg in ("host", "recipients"):
            value = spec.get(arg)
            if arg in spec and not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)
                                    and not isinstance(value[0], bool) and isinstance(value[1], str)):
                raise ConfigError(at, f"{key}.{arg}", "expected [position, keyword], such as [0, host]")
        if not isinstance(spec.get("default", ""), str):
            raise ConfigError(at, f"{key}.default", "expected a host name")
        if "processor" in spec and (not isinstance(spec["processor"], str) or (
                processors is not None and spec["processor"] not in processors)):
            raise ConfigError(at, f"{key}.processor", "expected the name of a processor of processors.yaml")


def _path_patterns(scope: dict, key: str, where: str) -> PathPatterns:
    raw = scope.get(key) or {}
    if not isinstance(raw, dict) or set(raw) - {"folders", "files"}:
        raise ConfigError(f"{where}/scope.yaml", key, "expected a mapping with `folders` and `files`")
    for sub in ("folders", "files"):
        items = raw.get(sub) or []
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise ConfigError(f"{where}/scope.yaml", f"{key}.{sub}", "expected a list of names")
    return PathPatterns(folders=tuple(tuple(f.strip("/").split("/")) for f in raw.get("folders") or []),
                        files=tuple(raw.get("files") or []))


def _evidence_words(raw: Any, where: str) -> EvidenceWords:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}/vocabulary.yaml", "evidence", "expected a mapping")
    where = f"{where}/vocabulary.yaml"
    allowed = {"program_fields", "action_suffixes", "pointer_prefixes", "owner_references", "role_references",
               "group_subjects"}
    for k in raw:
        if k not in allowed:
            raise ConfigError(where, f"evidence.{k}",
                              f"unknown key; allowed: {', '.join(sorted(allowed))}")
    return EvidenceWords(
        program_fields=_phrases(raw.get("program_fields"), where, "evidence.program_fields"),
        action_suffixes=tuple(w for p in _phrases(raw.get("action_suffixes"), where, "evidence.action_suffixes")
                              for w in p),
        pointer_prefixes=tuple(w for p in _phrases(raw.get("pointer_prefixes"), where, "evidence.pointer_prefixes")
                               for w in p),
        owner_references=tuple(w for p in _phrases(raw.get("owner_references"), where, "evidence.owner_references")
                               for w in p),
        role_references=tuple(w for p in _phrases(raw.get("role_references"), where, "evidence.role_references")
                              for w in p),
        group_subjects=tuple(w for p in _phrases(raw.get("group_subjects"), where, "evidence.group_subjects")
                             for w in p))


# ---- the processor catalogue (processors.yaml) ----------------------------------------------------------

_PROCESSOR_REQUIRED = {"name": str, "vendor": str, "country": str, "eea": bool, "kind": str, "service": str}
_PROCESSOR_OPTIONAL = {"sdk": list, "hosts": list, "packages": list, "infrastructure": bool, "logging_sink": bool}
_PROCESSOR_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_COUNTRY = re.compile(r"[A-Z]{2}\Z")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_PACKAGE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\Z")  # PEP 508 names
_LIST_ITEMS = {"sdk": (_MODULE, "a dotted module name such as `stripe` or `google.cloud.storage`"),
               "hosts": (HOST, "a lower-case host name without scheme or path; `*` matches any characters"),
               "packages": (_PACKAGE, "a PyPI distribution name")}


def _catalogue(data: dict, path: str) -> tuple[dict[str, Processor], frozenset[str], dict[str, str]]:
    """The processor catalogue, checked: every entry has the keys it needs with the right types, a
    two-letter country consistent with its `eea` flag, a known `kind`, and no host, SDK root or package
    that an earlier entry already claims.  An error names the entry and the key (``processors[3].country``)."""
    allowed_top = {"eea_regions", "kinds", "processors"}
    for key in data:
        if key not in allowed_top:
            raise ConfigError(path, str(key), f"unknown key; allowed: {', '.join(sorted(allowed_top))}")
    regions = data.get("eea_regions") or []
    if not isinstance(regions, list) or not all(isinstance(r, str) and r for r in regions):
        raise ConfigError(path, "eea_regions", 'expected a list of region codes (quote "NO": YAML reads it as false)')
    eea_regions = frozenset(r.upper() for r in regions)
    kinds = data.get("kinds") or {}
    if not isinstance(kinds, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in kinds.items()):
        raise ConfigError(path, "kinds", "expected a mapping of kind to its description")
    entries = data.get("processors") or []
    if not isinstance(entries, list):
        raise ConfigError(path, "processors", "expected a list of processor entries")
    processors: dict[str, Processor] = {}
    owners: dict[tuple[str, str], str] = {}  # ("hosts", "api.stripe.com") -> the entry that claims it
    for i, raw in enumerate(entries):
        at = f"processors[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError(path, at, "expected a mapping with name, vendor, country, eea, kind and service")
        for key in raw:
            if key not in _PROCESSOR_REQUIRED and key not in _PROCESSOR_OPTIONAL:
                allowed = sorted({*_PROCESSOR_REQUIRED, *_PROCESSOR_OPTIONAL})
                raise ConfigError(path, f"{at}.{key}", f"unknown key; allowed: {', '.join(allowed)}")
        for key, kind in {**_PROCESSOR_REQUIRED, **_PROCESSOR_OPTIONAL}.items():
            if key not in raw:
                if key in _PROCESSOR_REQUIRED:
                    raise ConfigError(path, f"{at}.{key}", "missing")
                continue
            value = raw[key]
            if not isinstance(value, kind) or (kind is str and not value.strip()):
                expected = {str: "a non-empty text", bool: "true or false", list: "a list"}[kind]
                raise ConfigError(path, f"{at}.{key}", f"expected {expected}, got {value!r}")
        name = raw["name"]
        if not _PROCESSOR_NAME.match(name):
            raise ConfigError(path, f"{at}.name", f"{name!r} is not a lower-case id (letters, digits and -)")
        if name in processors:
            raise ConfigError(path, f"{at}.name", f"{name!r} is already the name of another entry")
        country = raw["country"]
        if not _COUNTRY.match(country):
            raise ConfigError(path, f"{at}.country", f"{country!r} is not an ISO 3166-1 alpha-2 code such as DE or US")
        if raw["eea"] != (country in eea_regions):
            raise ConfigError(path, f"{at}.eea", f"{str(raw['eea']).lower()} does not fit country {country}, which is "
                              f"{'' if country in eea_regions else 'not '}in eea_regions")
        if kinds and raw["kind"] not in kinds:
            raise ConfigError(path, f"{at}.kind", f"unknown kind {raw['kind']!r}; allowed: {', '.join(sorted(kinds))}")
        if raw.get("infrastructure") and raw.get("logging_sink"):
            raise ConfigError(path, f"{at}.logging_sink", "an entry is telemetry or infrastructure, not both")
        for key, (pattern, expected) in _LIST_ITEMS.items():
            for item in raw.get(key) or []:
                if not isinstance(item, str) or not pattern.match(item):
                    raise ConfigError(path, f"{at}.{key}", f"{item!r} is not {expected}")
                claim = (key, re.sub(r"[-_.]+", "-", item).lower() if key == "packages" else item)  # PEP 503
                if owners.setdefault(claim, name) != name:
                    raise ConfigError(path, f"{at}.{key}", f"{item!r} is already claimed by {owners[claim]!r}; "
                                      "one host, SDK root or package belongs to one entry")
        processors[name] = Processor(
            name=name, vendor=raw["vendor"].strip(), country=country, eea=raw["eea"], service=raw["service"].strip(),
            sdk=tuple(raw.get("sdk") or ()), hosts=tuple(raw.get("hosts") or ()),
            packages=tuple(raw.get("packages") or ()), infrastructure=raw.get("infrastructure", False),
            logging_sink=raw.get("logging_sink", False), kind=raw["kind"])
    return processors, eea_regions, dict(kinds)
