"""GitLab Code Quality: the JSON array GitLab reads from ``artifacts:reports:codequality``.

Each issue has the documented required keys (``description``, ``check_name``, ``fingerprint``,
``severity``, ``location.path``, ``location.lines.begin``) plus Code Climate's optional ``type``
and ``categories`` (from Code Climate's fixed list, so always ``Security``).  Fides data
categories go in the description.  Fingerprints are unique per issue within a report and do not
change when lines are added above a finding.
"""

from __future__ import annotations

import hashlib
import json

SEVERITIES = {"info": "info", "warning": "minor", "error": "major"}


def _fingerprint(f, seen: set[str]) -> str:
    """A hex digest of the finding's fingerprint (which has no line number: a line added above it
    does not make GitLab show the finding as fixed and new), bumped until unique in this report
    (the same call twice in one function: in line order)."""
    n = 0
    while True:
        salt = f.fingerprint + (f":{n}" if n else "")
        digest = hashlib.sha256(salt.encode()).hexdigest()[:32]
        if digest not in seen:
            seen.add(digest)
            return digest
        n += 1


def issue(f, seen: set[str]) -> dict:
    """One Code Quality issue for a finding."""
    cats = f" [{', '.join(f.categories)}]" if f.categories else ""
    return {
        "type": "issue",
        "description": f"{f.code} {f.message}{cats}",
        "check_name": f.code,
        "fingerprint": _fingerprint(f, seen),
        "severity": SEVERITIES.get(f.severity, "minor"),
        "categories": ["Security"],
        "location": {"path": f.path, "lines": {"begin": f.line, "end": f.end_line}},
    }


def render(result, policy, **_: object) -> str:
    """The findings as a Code Quality report (suppressed findings are left out)."""
    from gdpr_lint.reporters import from_repository_root

    seen: set[str] = set()
    findings, _, _ = from_repository_root(result)
    return json.dumps([issue(f, seen) for f in findings], indent=2) + "\n"
