"""The finding: what every check produces and every reporter writes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from gdpr_lint.cache import need, need_keys, need_list

SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}
FAMILIES = ("retention", "storage", "logging", "processor", "tool")


@dataclass
class Finding:
    """One problem at one place.

    Lines and columns are 1-based (columns count characters, as editors do); ``end_*`` point
    just past the reported node.  ``categories`` are Fides data-category keys.  ``reasons`` say
    why each category was assigned (``--explain``).  ``symbol`` is the enclosing qualified name
    (``Customer.email``, ``signup``) and ``snippet`` the normalised source of the reported node;
    together with ``code`` and ``path`` they make the line-independent ``fingerprint``.
    """

    code: str
    name: str
    family: str
    severity: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    categories: list[str] = field(default_factory=list)
    fix: str = ""
    reasons: list[str] = field(default_factory=list)
    symbol: str = ""
    snippet: str = ""
    fingerprint: str = ""
    sink: str = ""
    processor: str = ""
    suppressed: bool = False
    suppression_reason: str = ""

    def finish(self) -> "Finding":
        """Compute the fingerprint (SHA-256 prefix of code, path, symbol and normalised snippet)."""
        norm = normalise_source(self.snippet)
        text = "\x1f".join((self.code, self.path, self.symbol, norm))
        self.fingerprint = hashlib.sha256(text.encode()).hexdigest()[:24]
        return self

    def sort_key(self) -> tuple:
        """Order used by every reporter: path, line, column, code."""
        return (self.path, self.line, self.column, self.code, self.message)

    def to_dict(self) -> dict:
        """A JSON-ready dict with every field."""
        return asdict(self)

    def to_data(self) -> dict:
        """:meth:`to_dict` without copying (for the results cache, which only serialises it)."""
        return self.__dict__

    @classmethod
    def from_data(cls, data: Any) -> "Finding":
        """The finding :meth:`to_data` gave, every field checked: exactly the fields of a finding,
        each of its declared type (``str``, ``int``, ``bool`` or ``list[str]``).

        Raises:
            gdpr_lint.cache.BadEntry: data of any other shape (read from the cache: a miss).
        """
        need_keys(data, _FIELD_NAMES)
        for name, kind in _FIELD_KINDS:
            if kind is list:
                need_list(data[name], str)
            else:
                need(data[name], kind)
        return cls(**data)


_KINDS = {"str": str, "int": int, "bool": bool, "list[str]": list}  # list: of strings
_FIELD_KINDS = tuple((f.name, _KINDS[str(f.type)]) for f in fields(Finding))  # a new type must be added here
_FIELD_NAMES = frozenset(name for name, _ in _FIELD_KINDS)

_WS = re.compile(r"\s+")
_COMMENT = re.compile(r"#[^\n]*")
_TRAILING_COMMA = re.compile(r",(?=[)\]}])")


def normalise_source(code: str) -> str:
    """Source text with comments and all whitespace removed and quotes unified.

    Reformatting or re-wrapping a statement does not change it; changing what it says does.
    """
    code = _COMMENT.sub("", code)
    code = code.replace("'", '"')
    code = _WS.sub("", code)
    code = _TRAILING_COMMA.sub("", code)  # a "magic trailing comma" added when a call is re-wrapped
    return code.rstrip(",")


def tool_finding(policy, code: str, path: str, message: str, line: int = 1, column: int = 1) -> Finding:
    """A GDPR9xx finding about the file itself (it could not be read, parsed or analysed)."""
    rule = policy.rules[code]
    return Finding(code=code, name=rule.name, family="tool", severity=policy.severity_of(code), path=path,
                   line=line, column=column, end_line=line, end_column=column, message=message,
                   fix=" ".join(rule.fix.split()), snippet=message).finish()
