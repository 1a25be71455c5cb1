"""The calls a module's text opens (``name(``, ``self.log.info(``), read once per file.

Several survey questions are about calls and need no tree: the names a file calls (the cache key
of the function summaries it may use), the classes it constructs, what sits inside a sink's
parentheses (:func:`gdpr_lint.survey.classes._person_mentions`) and the receivers of methods that
may store (:func:`gdpr_lint.survey.persisted.may_persist`).  One regular-expression pass serves
them all: it was four passes, a tenth of the survey's time.

A superset, as those questions want: strings and comments count too.  A call spelled with spaces
around its dots (``cache . set(``, which no formatter writes) is read as its last part only.
"""

from __future__ import annotations

import bisect
import re

from gdpr_lint.files.source import LINE_BREAK

# (the name is taken whole, as an atomic group would: no retry of each shorter prefix of every
# name that no bracket follows, which was most of the pass's time)
_CALL_OPEN = re.compile(r"\b(?=([A-Za-z_][A-Za-z0-9_.]*))\1\s*\(")


class CallText:
    """The dotted name before each ``(`` of a text, in order, and the offset just inside it."""

    __slots__ = ("_called", "_starts", "_text", "ends", "names")

    def __init__(self, text: str) -> None:
        self._text = text
        found = list(_CALL_OPEN.finditer(text))
        self.names: list[str] = [m[1] for m in found]
        self.ends: list[int] = [m.end() for m in found]
        self._called: frozenset[str] | None = None
        self._starts: list[int] | None = None  # where each line starts (lines_where)

    def within(self, start: int, end: int, text: str) -> CallText:
        """The calls of the part ``text`` of this text from offset ``start`` to ``end``, a run of
        whole lines (a function's), as a :class:`CallText` of ``text`` alone would read them: a
        call whose parenthesis opens there, but for one whose name is on a line before the part
        (only blanks before its parenthesis in the part: `go` of `x = go` and `(a, b) = ...`)."""
        first = bisect.bisect_left(self.ends, start + 1)
        last = bisect.bisect_left(self.ends, end + 1, first)
        if first < last and not text[:self.ends[first] - 1 - start].strip():
            first += 1
        part = CallText.__new__(CallText)
        part._text, part._called, part._starts = text, None, None
        part.names = self.names[first:last]
        part.ends = [at - start for at in self.ends[first:last]]
        return part

    def called(self) -> frozenset[str]:
        """The names called: the last part of each (``info`` of ``log.info(``)."""
        if self._called is None:
            self._called = frozenset(name.rpartition(".")[2] for name in self.names) - {""}  # "a.(" in a string
        return self._called

    def classes(self) -> set[str]:
        """The names spelled as classes (``TicketSerializer(``; not ``URL(``) that are called, or
        whose attributes are (``Customer.objects.first(``, ``Member.get(``: what the flow takes for
        the class of the object the call gives)."""
        return {part for name in self.names for part in name.split(".")
                if part[:1].isupper() and any(ch.islower() for ch in part)}

    def lines_where(self, wanted) -> list[int]:
        """The lines (as Python counts them) where a call whose dotted name ``wanted`` accepts
        opens, in order."""
        found = [end for name, end in zip(self.names, self.ends) if wanted(name)]
        if not found:
            return []
        text = self._text
        if "\r" not in text:  # line breaks counted between the calls found, not all indexed first
            out: list[int] = []
            line, at = 1, 0
            for end in found:  # (in order)
                line += text.count("\n", at, end - 1)
                at = end - 1
                if not out or out[-1] != line:
                    out.append(line)
            return out
        if self._starts is None:
            self._starts = [0, *(m.end() for m in LINE_BREAK.finditer(self._text))]
        starts = self._starts
        return sorted({bisect.bisect_right(starts, end - 1) for end in found})


def any_within(lines: list[int], first: int, last: int) -> bool:
    """Whether one of the sorted ``lines`` is between ``first`` and ``last`` (a function's)."""
    at = bisect.bisect_left(lines, first)
    return at < len(lines) and lines[at] <= last


