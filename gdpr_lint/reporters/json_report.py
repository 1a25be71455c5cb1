"""JSON: ``{"version", "tool", "policy", "findings": [...], "summary": {...}}`` (schema in the README)."""

from __future__ import annotations

import json

from gdpr_lint import __version__
from gdpr_lint.reporters.summary import counts

FIELDS = ("code", "name", "family", "severity", "path", "line", "column", "end_line", "end_column", "message",
          "categories", "fix", "reasons", "symbol", "fingerprint", "sink", "processor")

SCHEMA_VERSION = "1.0"


def render(result, policy, **_: object) -> str:
    """The findings as a JSON document with a stable, versioned shape."""
    doc = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "gdpr-lint", "version": __version__},
        "policy": policy.hash,
        "findings": [{k: getattr(f, k) for k in FIELDS} for f in result.findings],
        "summary": counts(result),
    }
    return json.dumps(doc, indent=2) + "\n"
