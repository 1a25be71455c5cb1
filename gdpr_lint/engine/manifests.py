"""Dependency manifests: a new processor SDK in a project's declared dependencies (GDPR406).

Read: ``requirements*.txt``/``.in`` and any ``.txt``/``.in`` in a ``requirements/`` folder (with
their ``-r``/``-c`` includes, and ``-e ...#egg=NAME`` lines), ``pyproject.toml`` (PEP 621
dependencies and optional dependencies, PEP 735 ``[dependency-groups]``, Poetry dependencies and
groups), ``setup.cfg`` (``install_requires`` and ``extras_require``) and ``Pipfile``
(``[packages]`` and ``[dev-packages]``).  Requirement strings are parsed with ``packaging`` and
names compared after its normalisation with the ``packages`` of the processor catalogue in
``rules/processors.yaml``; the finding points at the line that declares the package.
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

from gdpr_lint.files.readfile import NotReadable, read_text
from gdpr_lint.findings import Finding, tool_finding
from gdpr_lint.policy import Policy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MANIFEST_BYTES = 5_000_000
MAX_INCLUDES = 20  # `-r` files followed from one manifest (a cycle ends at a file seen before)
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def is_manifest(name: str, folder: str = "") -> bool:
    """``requirements.txt``, ``requirements-dev.in``, any ``.txt``/``.in`` in a ``requirements``
    folder (``folder`` is the file's folder name), ``pyproject.toml``, ``setup.cfg``, ``Pipfile``."""
    if name in ("pyproject.toml", "setup.cfg", "Pipfile"):
        return True
    return name.endswith((".txt", ".in")) and (name.startswith("requirements") or folder == "requirements")


def normalise(name: str) -> str:
    """PEP 503 name normalisation: ``Segment_Analytics.Python`` -> ``segment-analytics-python``."""
    # (imported when a manifest is read: most scans have none)
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def _name_of(spec: str) -> str | None:
    """The normalised project name of a requirement string, or ``None`` when it is not one."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return normalise(Requirement(spec.strip()).name)
    except InvalidRequirement:
        return None


_AS_STRING = re.compile(r"""["']\s*([A-Za-z0-9][A-Za-z0-9._-]*)""")  # "mixpanel>=4.10" in a list
_CFG_LINE = re.compile(r"^(?:\s+|[\w.-]+\s*=\s*)([A-Za-z0-9][A-Za-z0-9._-]*)")  # setup.cfg: an indented line
_AS_KEY = re.compile(r"""^\s*["']?([A-Za-z0-9][A-Za-z0-9._-]*)["']?\s*=""")  # mixpanel = "^4.10" in a table


def _line_of(lines: list[str], name: str, first: int, last: int, form: re.Pattern = _AS_STRING) -> int:
    """The first line in ``first..last`` (1-based) that declares ``name`` in ``form``: a string
    that starts with it, or a key (not a description or a comment that mentions it)."""
    for number in range(first, min(last, len(lines)) + 1):
        line = lines[number - 1]
        if any(normalise(m) == name for m in form.findall(line) if "#" not in line[:line.find(m)]):
            return number
    return first


def _sections(lines: list[str]) -> dict[str, tuple[int, int]]:
    """``{table or section header: (first line, last line)}`` of a TOML or INI text."""
    out: dict[str, tuple[int, int]] = {}
    current, start = "", 1
    for number, line in enumerate(lines, start=1):
        m = re.match(r"\s*\[+\s*([^\]]+?)\s*\]+\s*(?:#.*)?$", line)
        if m:
            out.setdefault(current, (start, number - 1))
            current, start = m.group(1).replace('"', "").replace("'", ""), number + 1
    out.setdefault(current, (start, len(lines)))
    return out


def _pyproject(text: str, lines: list[str]) -> list[tuple[str, int]]:
    data = tomllib.loads(text)
    sections = _sections(lines)
    found: list[tuple[str, str]] = []  # (name, the table that declares it)
    project = data.get("project") or {}
    found += [(n, "project") for n in map(_name_of, project.get("dependencies") or []) if n]
    for specs in (project.get("optional-dependencies") or {}).values():
        found += [(n, "project.optional-dependencies") for n in map(_name_of, specs or []) if n]
    for group, specs in (data.get("dependency-groups") or {}).items():
        found += [(n, "dependency-groups") for n in map(_name_of, (s for s in specs or [] if isinstance(s, str))) if n]
    poetry = (data.get("tool") or {}).get("poetry") or {}
    found += [(normalise(n), "tool.poetry.dependencies") for n in (poetry.get("dependencies") or {}) if n != "python"]
    found += [(normalise(n), "tool.poetry.dev-dependencies") for n in (poetry.get("dev-dependencies") or {})]
    for group, spec in (poetry.get("group") or {}).items():
        found += [(normalise(n), f"tool.poetry.group.{group}.dependencies") for n in (spec.get("dependencies") or {})]
    return [(name, _line_of(lines, name, *sections.get(table, (1, len(lines))),
                            _AS_KEY if table.startswith("tool.poetry") else _AS_STRING)) for name, table in found]


def _setup_cfg(text: str, lines: list[str]) -> list[tuple[str, int]]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    sections = _sections(lines)
    out = []
    for section, key in (("options", "install_requires"), ("options.extras_require", None)):
        if not parser.has_section(section):
            continue
        values = [parser.get(section, key)] if key and parser.has_option(section, key) else (
            [v for _, v in parser.items(section)] if key is None else [])
        for value in values:
            for spec in value.replace(";", "\n;").splitlines():
                name = _name_of(spec.split(";")[0]) if spec.strip() and not spec.lstrip().startswith(";") else None
                if name:
                    out.append((name, _line_of(lines, name, *sections.get(section, (1, len(lines))), _CFG_LINE)))
    return out


def _pipfile(text: str, lines: list[str]) -> list[tuple[str, int]]:
    data = tomllib.loads(text)
    sections = _sections(lines)
    return [(normalise(n), _line_of(lines, normalise(n), *sections.get(table, (1, len(lines))), _AS_KEY))
            for table in ("packages", "dev-packages") for n in (data.get(table) or {})]


def _requirements(text: str, lines: list[str]) -> tuple[list[tuple[str, int]], list[str]]:
    """``(requirements with their lines, the files it includes with -r or -c)``."""
    out, includes = [], []
    for number, line in enumerate(lines, start=1):
        code = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        if not code:
            continue
        if code.startswith("-"):
            option, _, value = code.partition(" ") if " " in code else code.partition("=")
            value = value.strip()
            if option in ("-r", "--requirement", "-c", "--constraint") and value:
                includes.append(value)
            elif option in ("-e", "--editable"):
                egg = _EGG.search(value)
                if egg:
                    out.append((normalise(egg.group(1)), number))
            continue
        egg = _EGG.search(code)  # `git+https://...#egg=name` without -e
        name = normalise(egg.group(1)) if egg and "://" in code else _name_of(code)
        if name:
            out.append((name, number))
    return out, includes


def _requirement_names(path: Path, text: str) -> tuple[list[tuple[str, int]], list[str]]:
    """``([(normalised package name, 1-based line)], [included files])`` of one manifest."""
    lines = text.splitlines()
    try:
        if path.name == "pyproject.toml":
            return _pyproject(text, lines), []
        if path.name == "Pipfile":
            return _pipfile(text, lines), []
        if path.name == "setup.cfg":
            return _setup_cfg(text, lines), []
    except (tomllib.TOMLDecodeError, configparser.Error, AttributeError, TypeError):
        return [], []  # a manifest its own tools would refuse: nothing read from it
    return _requirements(text, lines)


def check_manifest(path: Path, shown: str, policy: Policy, seen: set[Path] | None = None) -> list[Finding]:
    """GDPR406 findings for the unapproved processor SDKs a manifest adds, and those of the
    requirements files it includes (``-r base.txt``, shown beside it).  ``seen``: the manifests
    already checked in this scan (resolved), so that an included file is reported once.

    A manifest that is not a readable regular file of at most 5 MB (a pipe would block the scan,
    a committed link to ``/dev/zero`` never end) is reported GDPR902; one that is not UTF-8 adds
    nothing, as before.
    """
    seen = set() if seen is None else seen
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        resolved = path
    if resolved in seen or len(seen) > 10_000:
        return []
    seen.add(resolved)
    try:
        text = read_text(path, MANIFEST_BYTES)
    except NotReadable as exc:
        if str(exc).startswith("not UTF-8"):
            return []
        return [tool_finding(policy, "GDPR902", shown, f"file not checked: {exc}")] if policy.is_enabled(
            "GDPR902") else []
    by_package = {normalise(pkg): proc for proc in policy.processors.values() for pkg in proc.packages}
    rule = policy.rules["GDPR406"]
    findings: list[Finding] = []
    names, includes = _requirement_names(path, text)
    for include in includes[:MAX_INCLUDES]:
        if "://" in include:
            continue  # never the network
        inner = path.parent / include
        if inner.is_file():
            findings += check_manifest(inner, str(Path(shown).parent / include).replace("\\", "/"), policy, seen)
    for name, line in names:
        proc = by_package.get(name)
        if proc is None or proc.infrastructure or proc.name in policy.approved:
            continue
        findings.append(Finding(
            code=rule.code, name=rule.name, family=rule.family, severity=policy.severity_of(rule.code), path=shown,
            line=line, column=1, end_line=line, end_column=1,
            message=f"adds {name}, the SDK of {proc.vendor} ({proc.service}, {proc.country}), which is not an "
                    "approved processor", fix=" ".join(rule.fix.split()), symbol="<manifest>", snippet=name,
            processor=proc.name, sink="dependency").finish())
    return findings
