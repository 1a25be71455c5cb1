"""Retention tags (``# gdpr: ...``) and suppressions (``# gdpr-lint: ignore[...]``) in comments.

Tag grammar (DESIGN.md)::

    # gdpr: retention=P2Y basis=contract purpose=essential.service subject=customer category=none

Suppression grammar::

    # gdpr-lint: ignore[GDPR301,GDPR302] reason="the handler hashes addresses"
"""

from __future__ import annotations

import io
import re
import shlex
import tokenize
from dataclasses import dataclass, field

from gdpr_lint.files.source import python_lines
from gdpr_lint.policy.config import LAWFUL_BASES, RIGHTS_EXEMPT, TAG_KEYS

# the markers `gdpr:` and `gdpr-lint:` in any case (`# GDPR: retention=P1Y`); keys and values as they are
_TAG = re.compile(r"#\s*(?i:gdpr)\s*:(?P<body>[^#]*)")
_SUPPRESS = re.compile(r"#\s*(?i:gdpr-lint)\s*:\s*ignore(?:\[(?P<codes>[^\]]*)\])?(?P<rest>[^#]*)")
_MENTION = re.compile("gdpr", re.IGNORECASE)
_OTHER_SPACE = re.compile(r"[^\S \t\r\n]")  # white space shlex does not split at (\f, \x85, \u2028 ...)
_REASON = re.compile(r"""reason\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>\S+))""")


@dataclass(frozen=True)
class Tag:
    """A parsed retention tag.  ``errors`` lists what could not be read (empty when well-formed)."""

    line: int
    values: dict = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of a tag key, or ``default``."""
        return self.values.get(key, default)


@dataclass(frozen=True)
class Suppression:
    """A ``# gdpr-lint: ignore[...]`` comment on ``line``; ``codes`` empty means every rule."""

    line: int
    codes: tuple[str, ...]
    reason: str
    column: int = 1  # where the comment starts and ends on its line (1-based, the end exclusive)
    end_column: int = 1


def parse_tag(body: str, line: int) -> Tag:
    """Parse the text after ``# gdpr:`` into a :class:`Tag`, collecting readable errors.

    Durations are checked by the caller against the policy (named periods are policy data).
    """
    values: dict[str, str] = {}
    errors: list[str] = []
    body = _OTHER_SPACE.sub(" ", body)  # a form feed or line separator in a comment separates as a space does
    try:
        parts = shlex.split(body, comments=False, posix=True)
    except ValueError:
        parts = body.split()
    for part in parts:
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or not value:
            errors.append(f"`{part}` is not key=value")
            continue
        if key not in TAG_KEYS:
            errors.append(f"unknown key `{key}` (allowed: {', '.join(TAG_KEYS)})")
            continue
        values[key] = value.strip()
    basis = values.get("basis")
    if basis is not None and basis not in LAWFUL_BASES:
        errors.append(f"unknown lawful basis `{basis}` (Art. 6(1): {', '.join(LAWFUL_BASES)})")
    for right in ("erasure", "access"):
        value = values.get(right)
        if value is not None and value != RIGHTS_EXEMPT:
            errors.append(f"`{right}={value}`: the only value is `{right}={RIGHTS_EXEMPT}`, with a reason")
        elif value is not None and not values.get("reason"):
            errors.append(f"`{right}={RIGHTS_EXEMPT}` needs a `reason=\"...\"` (the legal duty to keep the data)")
    if not values and not errors:
        errors.append("empty tag")
    return Tag(line=line, values=values, errors=tuple(errors))


def _comments(source: str):
    """``(line, comment text, comment is alone on its line, 0-based column)`` for real comments
    mentioning gdpr.

    Uses :mod:`tokenize`, so ``# gdpr-lint: ignore`` inside a string or docstring is not a comment.
    Falls back to a line scan when the file does not tokenize (the parser reports that file anyway).
    """
    try:
        out = []
        # (read with universal newlines: a lone `\r` ends a line, as for the parsers)
        for tok in tokenize.generate_tokens(io.StringIO(source, newline=None).readline):
            if tok.type == tokenize.COMMENT and _MENTION.search(tok.string):
                row, col = tok.start
                alone = not tok.line[:col].strip()
                out.append((row, tok.string, alone, col))
        return out
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        return [(n, t[t.index("#"):], t.lstrip().startswith("#"), t.index("#"))
                for n, t in enumerate(python_lines(source), start=1) if "#" in t and _MENTION.search(t)]


class CommentIndex:
    """Tags and suppressions of one source file, by 1-based line number.

    Built from the raw lines once per file; ``comment_only`` marks lines holding nothing but a
    comment, which is what "the line above" means for tags.
    """

    def __init__(self, source: str) -> None:
        self.tags: dict[int, Tag] = {}
        self.suppressions: dict[int, Suppression] = {}
        self.comment_only: set[int] = set()
        if not _MENTION.search(source):
            return
        for number, text, alone, column in _comments(source):
            if alone:
                self.comment_only.add(number)
            sup = _SUPPRESS.search(text)
            if sup:
                codes = tuple(c.strip().upper() for c in (sup.group("codes") or "").split(",") if c.strip())
                m = _REASON.search(sup.group("rest") or "")
                reason = (m.group("dq") or m.group("sq") or m.group("bare") or "").strip() if m else ""
                self.suppressions[number] = Suppression(number, codes, reason, column + 1,
                                                        column + 1 + len(text.rstrip()))
            tag = _TAG.search(text)
            if tag:
                self.tags[number] = parse_tag(tag.group("body"), number)

    def tag_for(self, first_line: int, last_line: int | None = None) -> Tag | None:
        """The tag that covers a statement: trailing on one of its lines, else on the comment line above."""
        for number in range(first_line, (last_line or first_line) + 1):
            if number in self.tags:
                return self.tags[number]
        above = first_line - 1
        if above in self.tags and above in self.comment_only:
            return self.tags[above]
        return None

    def tag_above(self, first_line: int) -> Tag | None:
        """A tag in the block of comment lines directly above ``first_line`` (class-level tags)."""
        number = first_line - 1
        while number in self.comment_only or number in self.tags:
            if number in self.tags and number in self.comment_only:
                return self.tags[number]
            number -= 1
        return None
