"""Dependency manifests: a new processor SDK in ``requirements*.txt`` or ``pyproject.toml`` (GDPR406).

Package names are compared after PEP 503 normalisation with the ``packages`` of the processor
catalogue in ``rules/processors.yaml``; the finding points at the manifest line.
"""

from __future__ import annotations

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
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def is_manifest(name: str) -> bool:
    """``requirements.txt``, ``requirements-dev.txt``, ``requirements/base.txt``-style names, ``pyproject.toml``."""
    return name == "pyproject.toml" or (name.startswith("requirements") and name.endswith((".txt", ".in")))


def normalise(name: str) -> str:
    """PEP 503 name normalisation: ``Segment_Analytics.Python`` -> ``segment-analytics-python``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(path: Path, text: str) -> list[tuple[str, int]]:
    """``(normalised package name, 1-based line)`` for every requirement the manifest declares."""
    out: list[tuple[str, int]] = []
    lines = text.splitlines()
    if path.name == "pyproject.toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return out
        project = data.get("project", {})
        specs = list(project.get("dependencies", []) or [])
        for extra in (project.get("optional-dependencies") or {}).values():
            specs += list(extra or [])
        poetry = data.get("tool", {}).get("poetry", {})
        specs += list((poetry.get("dependencies") or {}).keys())
        for group in (poetry.get("group") or {}).values():
            specs += list((group.get("dependencies") or {}).keys())
        for spec in specs:
            m = _NAME.match(str(spec))
            if not m:
                continue
            name = m.group(1)
            line = next((i for i, ln in enumerate(lines, 1) if re.search(rf"(^|[\"'\s]){re.escape(name)}\b", ln)), 1)
            out.append((normalise(name), line))
        return out
    for number, line in enumerate(lines, start=1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped or stripped.startswith("-"):
            continue
        m = _NAME.match(stripped)
        if m:
            out.append((normalise(m.group(1)), number))
    return out


def check_manifest(path: Path, shown: str, policy: Policy) -> list[Finding]:
    """GDPR406 findings for the unapproved processor SDKs a manifest adds.

    A manifest that is not a readable regular file of at most 5 MB (a pipe would block the scan,
    a committed link to ``/dev/zero`` never end) is reported GDPR902; one that is not UTF-8 adds
    nothing, as before.
    """
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
    for name, line in _requirement_names(path, text):
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
