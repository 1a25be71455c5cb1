"""Counts per family and severity, shared by the reporters and the stderr summary."""

from __future__ import annotations

from collections import Counter

from gdpr_lint.findings import FAMILIES


def counts(result) -> dict:
    """``{"files", "lines", "findings", "by_family", "by_severity", "by_code", "suppressed"}``."""
    fam = Counter(f.family for f in result.findings)
    return {
        "files": result.files,
        "lines": result.lines,
        "findings": len(result.findings),
        "by_family": {k: fam.get(k, 0) for k in FAMILIES},
        "by_severity": dict(Counter(f.severity for f in result.findings)),
        "by_code": dict(sorted(Counter(f.code for f in result.findings).items())),
        "suppressed": len(result.suppressed),
    }


def one_line(result, seconds: float) -> str:
    """``12 findings (retention 3, logging 9) in 40 files, 0.8 s``."""
    c = counts(result)
    parts = ", ".join(f"{k} {v}" for k, v in c["by_family"].items() if v)
    found = f"{c['findings']} finding{'s' if c['findings'] != 1 else ''}" + (f" ({parts})" if parts else "")
    sup = f", {c['suppressed']} suppressed" if c["suppressed"] else ""
    files = f"{c['files']} file{'s' if c['files'] != 1 else ''}"
    hint = (" (no Python files found: are the paths right, or excluded?)"
            if not c["files"] and not getattr(result, "changes_only", False) else "")
    return f"gdpr-lint: {found}{sup} in {files}, {seconds:.1f} s{hint}"
