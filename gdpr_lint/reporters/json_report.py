"""JSON: ``{"version", "tool", "policy", "findings": [...], "summary": {...}}`` (schema in the README)."""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _string

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
    return dumps_indented(doc) + "\n"


def dumps_indented(value) -> str:
    """``json.dumps(value, indent=2)``, the same text, a few times faster for tens of thousands of
    findings: the standard library writes an indented document with its pure-Python encoder, a
    generator per value; this writes strings with its C string encoder.  A value of another type
    than JSON's own goes to ``json.dumps`` whole."""
    out: list[str] = []
    try:
        _indented(value, "\n", out)
    except _NotPlain:
        return json.dumps(value, indent=2)
    return "".join(out)


class _NotPlain(Exception):
    """A value :func:`_indented` leaves to ``json.dumps``."""


def _indented(value, newline: str, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        sep = "[" + inner
        for item in value:
            out.append(sep)
            sep = "," + inner
            _indented(item, inner, out)
        out.append(newline + "]")
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        sep = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            out.append(sep)
            sep = "," + inner
            out.append(_string(key))
            out.append(": ")
            _indented(item, inner, out)
        out.append(newline + "}")
    else:  # a float (nan and infinity as json writes them), or what json alone knows to refuse
        raise _NotPlain
