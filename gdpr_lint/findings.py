"""The finding: what every check produces and every reporter writes."""

from __future__ import annotations

import ast
import hashlib
import io
import json
import keyword
import re
import tokenize
import warnings
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from typing import Any

from gdpr_lint.cache import need, need_keys, need_list

SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}
FAMILIES = ("retention", "storage", "logging", "processor", "rights", "tool")
#: the codes that say a file was not analysed: a syntax error, an unreadable file, beyond the analysis
NOT_ANALYSED = frozenset({"GDPR901", "GDPR902", "GDPR905"})


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
    source_hash: str = ""  # SHA-256 of the reported code's normalised tokens (see :func:`source_hash`)

    def finish(self) -> "Finding":
        """Compute the fingerprint: a SHA-256 prefix of code, path, symbol and the hash of the
        reported code's tokens (:func:`source_hash`; set by the engine from the whole node, while
        ``snippet`` may be shortened for display)."""
        if not self.source_hash:
            self.source_hash = source_hash(self.snippet)
        text = "\x1f".join((self.code, self.path, self.symbol, self.source_hash))
        self.fingerprint = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]
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

_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
            tokenize.ENCODING}
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)  # Python 3.12+: an f-string is several tokens
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)
_STRING = re.compile(r"([A-Za-z]*)('''|\"\"\"|'|\")(.*)\2\Z", re.S)
_OPENERS, _CLOSERS = ("(", "[", "{"), (")", "]", "}")


def _string(text: str) -> str:
    """A string literal in one canonical form with the same value: a plain or bytes literal by its
    value (quotes, escapes and ``u``/``r`` prefixes unified), an f-string with its prefix in lower
    case and double quotes where its text holds none.  Contents are kept exactly, ``#`` included."""
    m = _STRING.match(text)
    if not m:
        return text
    prefix, quote, body = m.group(1).lower(), m.group(2), m.group(3)
    if "f" not in prefix:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "invalid escape sequence" warnings: the value is what counts
                value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            value = None
        if isinstance(value, bytes):
            return repr(value)
        if isinstance(value, str):
            return json.dumps(value)
    if quote[0] == "'" and '"' not in body:
        quote = quote.replace("'", '"')
    return "".join(sorted(prefix.replace("u", ""))) + quote + body + quote


def _tokens(code: str) -> list[str] | None:
    """The significant tokens of ``code`` (Python's tokenize; comments, line breaks and indentation
    dropped; an f-string one token on every Python), or ``None`` when it does not tokenize."""
    starts = [0]
    for line in code.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    out: list[str] = []
    depth, first = 0, (1, 0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for tok in tokenize.generate_tokens(io.StringIO(code).readline):
                if tok.type == _FSTRING_START:
                    depth += 1
                    if depth == 1:
                        first = tok.start
                elif depth:
                    if tok.type == _FSTRING_END:
                        depth -= 1
                        if depth == 0:
                            out.append(code[starts[first[0] - 1] + first[1]:starts[tok.end[0] - 1] + tok.end[1]])
                elif tok.type not in _SKIPPED:
                    out.append(tok.string)
    except (tokenize.TokenError, SyntaxError, ValueError, IndexError, MemoryError, RecursionError):
        return None
    return out


def _canonical(tokens: list[str]) -> list[str]:
    """Strings in canonical form, and a trailing comma dropped where it changes nothing: in a call,
    a definition's parameters, a list, set or dict display, or a tuple or subscript that has
    another comma (``(x,)`` and ``a[x,]`` keep theirs: without it they mean something else)."""
    out: list[str] = []
    stack: list[list] = []  # [called or subscripted, commas at this level]
    for tok in tokens:
        if tok in _OPENERS:
            prev = out[-1] if out else ""
            applied = bool(prev) and (prev in (")", "]") or prev[0] in "'\"" or prev[-1] in "'\"" or (
                (prev[0].isalpha() or prev[0] == "_") and prev.isidentifier() and not keyword.iskeyword(prev)))
            stack.append([tok, applied, 0])
            out.append(tok)
        elif tok in _CLOSERS:
            if out and out[-1] == "," and stack:
                opener, applied, commas = stack[-1]
                if commas > 1 or (opener == "(" and applied) or (opener == "[" and not applied) or opener == "{":
                    out.pop()
            if stack:
                stack.pop()
            out.append(tok)
        else:
            if tok == "," and stack:
                stack[-1][2] += 1
            out.append(_string(tok) if tok[:1] in "'\"" or (tok[:1].isalpha() and tok[-1:] in "'\"") else tok)
    return out


def normalise_source(code: str) -> str:
    """The reported code as its tokens (JSON), the same however it is formatted.

    Computed from Python's tokenize: comments, blank lines, line breaks and indentation are
    dropped, string literals are put in one form with the same value (``'a'`` is ``"a"``; a ``#``
    inside a string is part of it), and a trailing comma a re-wrap adds is dropped.  Nothing is
    cut off.  Reformatting or re-wrapping a statement does not change the result; changing what it
    says does.  Code that does not tokenize is taken as it is (line breaks unified).
    """
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    tokens = _tokens(code)
    if tokens is None:
        return json.dumps(["<raw>", code])
    return json.dumps(_canonical(tokens))


@lru_cache(maxsize=4096)  # the same snippet comes back (a field declared alike in many models)
def source_hash(code: str) -> str:
    """SHA-256 (hex) of :func:`normalise_source` of ``code``: what a fingerprint is computed from."""
    return hashlib.sha256(normalise_source(code).encode("utf-8", "surrogatepass")).hexdigest()


def tool_finding(policy, code: str, path: str, message: str, line: int = 1, column: int = 1,
                 end_line: int | None = None) -> Finding:
    """A GDPR9xx finding about the file itself (it could not be read, parsed or analysed), or about
    the statement from ``line`` to ``end_line``."""
    rule = policy.rules[code]
    return Finding(code=code, name=rule.name, family="tool", severity=policy.severity_of(code), path=path,
                   line=line, column=column, end_line=max(end_line or line, line), end_column=column, message=message,
                   fix=" ".join(rule.fix.split()), snippet=message).finish()


#: the keys and types of an inventory row (:meth:`gdpr_lint.engine.fields.FieldChecks.check_field`
#: builds them; kept here, beside the findings, so reading the results cache needs no parser)
ROW_TYPES = {"path": str, "line": int, "column": int, "module": str, "model": str, "field": str, "framework": str, "storage": bool,
             "categories": list, "reasons": list, "special": bool, "subject": str, "retention": str, "basis": str,
             "purpose": str, "encrypted": bool, "declared_by": str, "tag_problem": str, "exchanged": bool,
             "mirrors": str, "erasure": str, "access": str, "exempt_reason": str}


#: a disclosure: personal data reaches a third party (``kind`` is ``"disclosure"``), kept with the
#: inventory rows in the results cache and split from them after the scan
DISCLOSURE_TYPES = {"kind": str, "path": str, "line": int, "recipient": str, "categories": list, "how": str,
                    "symbol": str}


#: what the erasure and access check (GDPR501-505) adds to a store's row: the code that reaches it
ROW_MARK_TYPES = {"erased_by": str, "exported_by": str}


def check_row(row, marked: bool = False) -> None:
    """Check an inventory (or disclosure) row read back from the results cache; ``marked``: a row
    of a whole scan's result, which the erasure and access check may have marked.

    Raises:
        gdpr_lint.cache.BadEntry: any other shape (the entry is then a miss).
    """
    from gdpr_lint.cache import need, need_keys, need_list

    types = DISCLOSURE_TYPES if isinstance(row, dict) and row.get("kind") == "disclosure" else ROW_TYPES
    if marked and types is ROW_TYPES and isinstance(row, dict) and "erased_by" in row:
        types = {**ROW_TYPES, **ROW_MARK_TYPES}
    need_keys(row, frozenset(types))
    for name, kind in types.items():
        if kind is list:
            need_list(row[name], str)
        else:
            need(row[name], kind)
