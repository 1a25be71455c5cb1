"""Human-readable text: ``path:line:col: CODE message [categories]``, the source lines the finding
points at with a marker under the span (as ruff and rustc show them), and the fix hint.

``statistics`` renders the count of findings per rule instead (``check --statistics``).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import click

from gdpr_lint.errors import printable
from gdpr_lint.files.source import python_lines

_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}
MAX_SOURCE_LINES = 3  # of a finding's span; a longer one ends with "..."
MAX_SOURCE_WIDTH = 200  # characters of a source line shown; a longer line is cut around the span


class _Sources:
    """The text of the files findings point at, read once each (``None`` when unreadable)."""

    def __init__(self, root, given: dict[str, str] | None = None):
        self.root = Path(root) if root is not None else Path.cwd()
        self.texts: dict[str, list[str] | None] = {p: python_lines(t) for p, t in (given or {}).items()}

    def lines(self, path: str) -> list[str] | None:
        if path not in self.texts:
            from gdpr_lint.files.source import read_source

            target = Path(path) if Path(path).is_absolute() else self.root / path
            try:
                text, _problem = read_source(target)
            except OSError:
                text = None
            self.texts[path] = python_lines(text) if text is not None else None
        return self.texts[path]


def _width(text: str) -> int:
    """Columns a terminal gives ``text`` (East Asian wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
               for c in text)


def _window(line: str, first: int, stop: int) -> tuple[str, int, int]:
    """A line longer than :data:`MAX_SOURCE_WIDTH` characters cut to that many from a little before
    the span's start, with ``...`` where it was cut, and the span's start and end in what is
    left (a generated file's one line can be megabytes)."""
    if len(line) <= MAX_SOURCE_WIDTH:
        return line, first, stop
    begin = max(min(first - 20, len(line) - MAX_SOURCE_WIDTH), 0)  # (a span at the end: the line before it)
    end = min(begin + MAX_SOURCE_WIDTH, len(line))
    shift = 3 if begin else 0
    text = ("..." if begin else "") + line[begin:end] + ("..." if end < len(line) else "")
    first = first - begin + shift
    return text, first, max(min(stop, end) - begin + shift, first)


def _excerpt(f, sources: _Sources, color: bool) -> list[str]:
    """The lines of ``f``'s span with a gutter of line numbers and ``^`` under the span."""
    lines = sources.lines(f.path)
    if not lines or not 1 <= f.line <= len(lines):
        return []
    last = min(max(f.end_line, f.line), len(lines), f.line + MAX_SOURCE_LINES - 1)
    gutter = len(str(last))
    out = [" " * gutter + " |"]
    for n in range(f.line, last + 1):
        raw = lines[n - 1].rstrip()
        # columns count code points of the line; the marker is placed by terminal columns
        first = max(f.column - 1, 0) if n == f.line else len(raw) - len(raw.lstrip())
        stop = f.end_column - 1 if n == f.end_line and f.end_column > 0 else len(raw)
        raw, first, stop = _window(raw, first, stop)
        out.append(f"{n:>{gutter}} | {raw.expandtabs(4)}")
        lead = _width(raw[:first].expandtabs(4))
        marks = "^" * max(_width(raw[:max(stop, first)].expandtabs(4)) - lead, 1)
        if color:
            marks = click.style(marks, fg=_COLOURS.get(f.severity), bold=True)
        out.append(f"{' ' * gutter} | {' ' * lead}{marks}")
    if f.end_line > last:
        out.append(f"{' ' * gutter} | ...")
    out.append(" " * gutter + " |")
    return ["    " + line.rstrip() for line in out]


def render(result, policy, explain: bool = False, color: bool = False, show_source: bool = True,
           statistics: bool = False, sources: dict[str, str] | None = None, **_: object) -> str:
    """One block per finding; ``explain`` adds why each category was assigned; ``show_source``
    the source lines (``sources``: texts by shown path, for files not on disk, as from stdin)."""
    if statistics:
        return render_statistics(result, policy, color)
    texts = _Sources(getattr(result, "root", None), sources) if show_source else None
    lines: list[str] = []
    for f in result.findings:
        cats = f" [{', '.join(f.categories)}]" if f.categories else ""
        code = click.style(f.code, fg=_COLOURS.get(f.severity), bold=True) if color else f.code
        where = f"{printable(f.path)}:{f.line}:{f.column}:"  # (a name holding a line break: one line)
        where = click.style(where, bold=True) if color else where
        lines.append(f"{where} {code} {f.message}{cats}")
        if texts is not None:
            lines.extend(_excerpt(f, texts, color))
        if f.fix:
            lines.append(f"    fix: {f.fix}")
        if explain:
            for reason in f.reasons:
                lines.append(f"    why: {reason}")
            if f.sink:
                lines.append(f"    sink: {f.sink}")
    return "\n".join(lines) + ("\n" if lines else "")


def statistics_rows(result, policy) -> list[dict]:
    """``{"code", "name", "severity", "count"}`` per rule that has findings, most first."""
    from collections import Counter

    counted = Counter(f.code for f in result.findings)
    first = {}
    for f in result.findings:
        first.setdefault(f.code, f)
    return [{"code": code, "name": first[code].name, "severity": policy.severity_of(code) or first[code].severity,
             "count": n} for code, n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))]


def render_statistics(result, policy, color: bool = False) -> str:
    """``  12  GDPR301  personal-data-in-log`` per rule, most findings first."""
    rows = statistics_rows(result, policy)
    if not rows:
        return ""
    width = max(len(str(r["count"])) for r in rows)
    out = []
    for r in rows:
        code = click.style(r["code"], fg=_COLOURS.get(r["severity"]), bold=True) if color else r["code"]
        out.append(f"{r['count']:>{width}}  {code}  {r['name']}")
    return "\n".join(out) + "\n"
