"""The analysis budget: decide from a file's text alone, before any parser sees it, whether the
engine can analyse it in bounded time and memory.

libcst's native parser recurses once per level of nesting, and its memory grows with the square
of an expression's depth.  Measured in a subprocess (libcst 1.9, Python 3.11, 8 MB stack), the
process dies of SIGSEGV (no ``except``, no time limit and no worker pool survives it) at

    8,250 nested unary ``-``, ``+``, ``~`` or ``not``    7,000 terms of ``1 + 1 + ...``
    8,375 ``elif`` in one chain                          5,937 links of ``a.b.c...``
    7,000 ``**`` in a row; 4,062 of ``2 ** -2 ** ...``   7,125 calls ``f()()()...``
    5,625 nested conditional expressions                 3,250 links of ``a.b().b()...``
    3,500 nested ``lambda:``; 601 of ``lambda a=lambda   1,218-1,468 nested brackets ``((``,
    a=...``                                              ``[[``, ``{{``, ``f(f(``, ``a[a[``

well before which it takes gigabytes (4,000 nested ``-``: 0.9 GB; 8,125: 3.6 GB) or minutes (a
chain of 4,750 subscripts ``a[0][0]...``: 59 s).  Python's own parser refuses most of these
(more than 200 nested brackets, and expressions nested a few thousand deep) but not all, and
not the same way on every Python version; a file that does not parse for Python 3.11 is still
given to libcst, which reads newer syntax.  So the decision is made here, before any parser
runs, and from the text alone: a wall-clock limit would make the same file "analysed" on an idle
machine and "skipped" on a busy one, and a review digest that changes with the load is worthless
as a deploy gate.

:func:`measure` reduces the text with regular expressions (strings, comments, names and numbers
become one character each, blanks go) and walks what is left once, estimating how deep each
token sits in libcst's tree: the blocks and ``elif`` chains around it, the brackets open around
it, and within each bracket, from the last comma, the operator chains open at it, by precedence
(``a*b + c*d + ...`` is a chain of ``+`` one level deep per term, each product one level more;
unary operators and ``lambda`` nest; ``**`` and conditional expressions nest to the right;
attribute, call and subscript chains to the left).  Each kind of level is weighted by its
measured stack use (a bracket costs as much as seven unary ``-``, a ``lambda`` fourteen, a block
six).  The estimate errs high (a chain of ``or`` or of comparisons is flat in libcst) and stays
within a small factor of the real depth (sympy's ``resolvent_lookup.py``, a 40 KB polynomial
whose ``ast`` is 569 deep, measures 594).  From it:

- ``depth``: the deepest token, bounded by :data:`MAX_DEPTH`: at most a quarter of the depth that
  overflows the stack for every kind above (each kind trips the budget 2.4 to 25 times below its
  crash), and at most about 250 MB for one expression;
- ``work``: fifty units per token plus, per operator, its depth (twice that for call and
  subscript links, unary operators, ``**``, conditional expressions and lambdas, the kinds whose
  chains cost most time or memory), bounded by :data:`MAX_WORK`.  A unit is about a microsecond
  of parse and analysis and 60 bytes of memory: at the bound, ordinary code takes about 34 s and
  1.6 GB, a file of chains at most 25 s or 1.5 GB (2-core machine, 2026-12).

A file over either bound is reported GDPR905 ("beyond the analysis budget") and never parsed,
unless it can be read in parts (:mod:`gdpr_lint.files.parts`, for a module too big to parse at
once), each part then measured on its own.
The bounds are far above every file of this machine's standard library, site-packages (sympy,
numpy, scipy ...) and the benchmark corpora, 16,484 files: the deepest measures 594 (the bound
is 2,000), the most work 11.1 million (sympy's ``bench_solvers.py``, 4 s; the bound is 30
million).  Measuring costs about a third of what ``ast.parse`` does.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from gdpr_lint.files.parts import STRINGS_AND_COMMENTS  # comments and string literals

MAX_DEPTH = 2_000  # in levels of unary `-` (see the module docstring)
MAX_WORK = 30_000_000  # about 30 s of analysis and 2 GB on a 2-core machine (see the module docstring)
# libcst's parser backtracks inside a `case` pattern: its time grows about sixfold per nested mapping
# pattern `{k: {k: ...}}` and two- to threefold per nested sequence or class pattern `[[...]]`,
# `P(x=P(...))` (libcst 1.9: ten mappings 1.5 s, twelve over 20 s; sixteen brackets 0.5 s, eighteen 2 s).
# A brace counts two levels, any other bracket one: at the bound, six mappings or twelve brackets, both
# well under a second, far beyond any pattern seen in real code (CPython's parser is not affected)
MAX_PATTERN_DEPTH = 12
# libcst's parser refuses more than 3,000 string literals joined in a row (`"a" "b" ...`, f-strings
# too), as if the file had a syntax error (libcst 1.9; Python reads them): beyond it, a statement
# is not given to libcst
MAX_STRING_RUN = 3_000
_CASE = re.compile(r"case\b(?!\s*[=.:,)\]}])")  # a `case` clause, not a name `case` (soft keyword)


# the reduced text: one character per token that matters
_STRING, _LINE, _POW, _SHIFT, _AND, _OR = "\x01", "\x02", "\x03", "\x04", "\x05", "\x06"
_LAMBDA, _ELIF, _AWAIT, _FOR, _YIELD, _NOT, _TERNARY, _NAME = "\x07", "\x08", "\x0e", "\x0f", "\x10", "!", "?", "a"
_NEWLINES = re.compile(r"\r\n?")
_CONTINUATION = re.compile(r"\\[ \t\f]*\n")
_TWO_CHAR = re.compile(r"\*\*|//|<<|>>|[<>=!]=|->|:=")
_TWO_CHAR_AS = {"**": _POW, "//": "/", "<<": _SHIFT, ">>": _SHIFT, "->": "", ":=": ""}  # comparisons: "<"
_KEYWORDS = re.compile(r"\b(?:(lambda)|(elif)|(not)|(and)|(or)|(in|is)|(if|else)|(await)|(for)|(yield))\b")
_KEYWORD_AS = (None, _LAMBDA, _ELIF, _NOT, _AND, _OR, "<", _TERNARY, _AWAIT, _FOR, _YIELD)
_NAMES = re.compile(r"\w+")
_NOISE = re.compile(r"[^\n\x01-\x08\x0e-\x10a()\[\]{},;:+\-*/%@&|^~<>.!?]+")  # blanks, `=`, `$` ...

# precedence classes of the operators that chain, loosest first
_CLASS = {_FOR: 0, _TERNARY: 1, _OR: 2, _AND: 3, "<": 4, ">": 4, "|": 5, "^": 6, "&": 7, _SHIFT: 8,
          "+": 9, "-": 9, "*": 10, "/": 10, "%": 10, "@": 10, _POW: 12, ".": 14, "(": 14, "[": 14}
_UNARY = 11  # binary operators looser than this end a run of unary ones (`-a + -b`), tighter ones do not
_CLASSES = 15
_PREFIX = frozenset("+-*~!@" + _POW + _AWAIT)  # unary when no operand precedes them (`*args`, `@decorator`)
_OPERAND_END = frozenset(_NAME + _STRING + ")]}")
# the stack cost of one level of each kind, in unary `-` levels (from the limits in the module docstring)
_BRACKET, _LAMBDA_COST, _BLOCK = 7, 14, 6
# work units (about a microsecond of parse and analysis, or 60 bytes of memory, each): a token of
# ordinary code costs fifty, an operator as many as its depth, twice that for the kinds whose chains
# cost most (call and subscript chains in time; unary operators, `**`, conditional expressions and
# lambdas, nested to the right, in memory)
_TOKEN_COST = 50
_HEAVY = frozenset((_POW, _TERNARY))


@dataclass(frozen=True)
class Measure:
    """What :func:`measure` found (see the module docstring); ``line``: where the depth first went
    over :data:`MAX_DEPTH` (0 when it did not)."""

    depth: int = 0
    work: int = 0
    line: int = 0
    tokens: int = 0
    pattern: int = 0  # the deepest `case` pattern, in the levels of MAX_PATTERN_DEPTH
    pattern_line: int = 0  # where it first went over MAX_PATTERN_DEPTH
    strings: int = 0  # the most string literals joined in a row
    strings_line: int = 0  # where a run first went over MAX_STRING_RUN
    #: brackets still open at the text's end: a syntax error for every Python (after one, every line
    #: measures as nested in it)
    unclosed: int = 0


def _blank(match: re.Match) -> str:
    """A comment goes; a string becomes ``\x01``, and an f-string (or t-string) keeps the code of
    its replacement fields, each in brackets: libcst parses them like any expression (30,000 ``-``
    inside ``f"{...}"`` crash it as well)."""
    found = match.group()
    if found.startswith("#"):
        return ""
    start = match.start()
    prefix = match.string[max(start - 3, 0):start].lower()
    if "{" in found and _FORMATTED.search(prefix):
        fields = _fields(found)
        return _STRING + fields.replace("\n", _LINE) + _LINE * (found.count("\n") - fields.count("\n"))
    return _STRING + _LINE * found.count("\n")


_FORMATTED = re.compile(r"(?:^|[^\w])[rb]?[ft][rb]?$|(?:^|[^\w])[ft]$")  # the prefix of an f-string or t-string
_BRACES = re.compile(r"\{\{|\}\}|[{}]|[^{}]+")


def _fields(text: str) -> str:
    """The replacement fields of an f-string's text, each as ``(...)`` (``{{``/``}}`` outside one are
    literal braces; nested fields, as in a format spec, stay braces)."""
    out: list[str] = []
    depth = 0
    for m in _BRACES.finditer(text):
        part = m.group()
        if depth == 0:
            if part == "{":
                depth = 1
                out.append("(")
            continue
        for brace in part if part in ("{{", "}}") else (part,):
            if brace == "{":
                depth += 1
            elif brace == "}":
                depth -= 1
                if depth == 0:
                    out.append(")")
                    break
            out.append(brace)
    if depth:
        out.append(")")
    return "".join(out)


def reduce(source: str) -> tuple[str, str]:
    """``(reduced, statements)``: ``source`` with one character per token that matters (see the
    constants above; names and numbers are ``a``, strings ``\\x01``, line breaks inside a string or
    after a backslash ``\\x02``), and the same lines before names and blanks were dropped, for
    their indentation."""
    text = STRINGS_AND_COMMENTS.sub(_blank, _NEWLINES.sub("\n", source))
    text = _CONTINUATION.sub(_LINE, text)
    text = _TWO_CHAR.sub(lambda m: _TWO_CHAR_AS.get(m.group(), "<"), text)
    statements = _KEYWORDS.sub(lambda m: _KEYWORD_AS[m.lastindex], text)
    return _NOISE.sub("", _NAMES.sub(_NAME, statements)), statements


def measure(source: str) -> Measure:
    """The estimated nesting depth and work of ``source`` (linear in its size; never raises)."""
    reduced, statements = reduce(source)
    depth = work = depth_line = tokens = 0
    blocks: list[list[int]] = [[0, 0]]  # per open block: [indentation width, `elif`s in a row at it]
    # the state of the innermost bracket (or of the statement): the depth it starts at, the run
    # length of each precedence class, their sum, unary operators open, lambdas open (their cost),
    # lambdas whose parameter list has not ended (its commas do not end the lambda)
    base, runs, total, unary, lambdas, params = 0, [0] * _CLASSES, 0, 0, 0, 0
    stack: list[tuple] = []
    operand = False  # whether the token before ends an operand (`a`, `)`, a string)
    line = 0
    in_pattern = False  # whether the statement is a `case` clause of a `match`
    pattern = pattern_now = pattern_line = 0
    opened: list[int] = []  # the pattern levels of the brackets open in a `case` clause
    # string literals joined in a row: the run, the longest, where one went over MAX_STRING_RUN; after a
    # string (or the replacement fields of an f-string, which follow it in brackets) another one joins it
    run = strings = strings_line = 0
    joins = False
    fields_at = -1  # the bracket depth of the open fields of an f-string, or -1
    prefixed = None  # after a name: whether a string would have joined before it (a name right before a
    # string is its prefix, `f` of `f"..."`)
    heads = statements.split("\n")
    for number, text in enumerate(reduced.split("\n")):
        line += 1
        tokens += 1
        if not stack:  # outside brackets a line break ends the logical line
            head = heads[number]
            body = head.lstrip(" \t\f")
            if body:  # a statement: its indentation opens or closes blocks
                width = len(head[:len(head) - len(body)].expandtabs(8))
                while width < blocks[-1][0]:
                    blocks.pop()
                if width > blocks[-1][0]:
                    blocks.append([width, 0])
                blocks[-1][1] = blocks[-1][1] + 1 if body[0] == _ELIF else 0  # libcst nests each elif in the last
                base = (len(blocks) - 1) * _BLOCK + sum(b[1] for b in blocks)
                if base > depth:
                    depth = base
                    if depth > MAX_DEPTH and not depth_line:
                        depth_line = line
            runs, total, unary, lambdas, params, operand = [0] * _CLASSES, 0, 0, 0, 0, False
            joins, fields_at = False, -1
            in_pattern = bool(body) and body.startswith("case") and _CASE.match(body) is not None
            pattern_now = 0
            opened.clear()
        for ch in text:
            if ch == _STRING:  # "a" "b": libcst nests them, and refuses more than MAX_STRING_RUN at once
                run = run + 1 if (joins if prefixed is None else prefixed) else 1
                prefixed = None
                if run > strings:
                    strings = run
                    if strings > MAX_STRING_RUN and not strings_line:
                        strings_line = line
                joins = True
                tokens += 1
                operand = True
                continue
            if ch == _NAME:
                prefixed, joins = joins, False
                tokens += 1
                operand = True
                continue
            prefixed = None
            if ch == _LINE:
                line += 1
                continue
            if ch == "(" and joins and fields_at < 0:
                fields_at = len(stack)  # an f-string's fields: the string goes on after them
            elif ch == ")" and fields_at == len(stack) - 1:
                fields_at = -1
                joins = True
            elif fields_at < 0:
                joins = False
            level, heavy = -1, False
            if ch in "([{":
                if in_pattern:
                    opened.append(2 if ch == "{" else 1)
                    pattern_now += opened[-1]
                    if pattern_now > pattern:
                        pattern = pattern_now
                        if pattern > MAX_PATTERN_DEPTH and not pattern_line:
                            pattern_line = line
                if operand and ch != "{" and not (ch == "(" and joins):  # a call or subscript: one more link
                    # of a chain (not an f-string's fields, which follow its string: libcst nests joined
                    # strings as they are counted above, not as a chain of calls)
                    runs[14] += 1
                    total += 1
                    level, heavy = base + total + unary + lambdas, True
                stack.append((base, runs, total, unary, lambdas, params))
                base += total + unary + lambdas + _BRACKET
                runs, total, unary, lambdas, params, operand = [0] * _CLASSES, 0, 0, 0, 0, False
                level = max(level, base)
            elif ch in ")]}":
                if opened:
                    pattern_now -= opened.pop()
                if stack:
                    base, runs, total, unary, lambdas, params = stack.pop()
                operand = True
            elif ch == "," or ch == ";":
                if not params:  # a new item: its operators start afresh
                    runs, total, unary, lambdas = [0] * _CLASSES, 0, 0, 0
                operand = False
            elif ch == ":":
                if params:
                    params -= 1  # a lambda's body begins
                operand = False
            elif ch == _LAMBDA or ch == _YIELD:
                if ch == _LAMBDA:
                    lambdas += _LAMBDA_COST
                    params += 1
                else:
                    lambdas += 1
                operand = False
                level, heavy = base + total + unary + lambdas, True
            elif ch in _PREFIX and not operand:
                unary += 1
                level, heavy = base + total + unary + lambdas, True
            elif ch in _CLASS:
                cls = _CLASS[ch]
                if cls < _UNARY:
                    unary = 0
                for tighter in range(cls + 1, _CLASSES):  # their chains are finished operands of this one
                    if runs[tighter]:
                        total -= runs[tighter]
                        runs[tighter] = 0
                runs[cls] += 1
                total += 1
                operand = ch == "." and not operand  # `.5`, `...`
                level, heavy = base + total + unary + lambdas, ch in _HEAVY
            else:  # `!` after an operand (`not in`), `await`, `elif` ...: no level of their own
                operand = False
            tokens += 1
            if level >= 0:
                work += 2 * level if heavy else level
                if level > depth:
                    depth = level
                    if depth > MAX_DEPTH and not depth_line:
                        depth_line = line
    return Measure(depth, work + tokens * _TOKEN_COST, depth_line, tokens, pattern, pattern_line, strings,
                   strings_line, len(stack))


def over_budget(source: str) -> tuple[str, int]:
    """``(why source is beyond the analysis budget, line)`` for a GDPR905 finding, or ``("", 0)``."""
    return budget_problem(measure(source))


def budget_problem(found: Measure) -> tuple[str, int]:
    """:func:`over_budget` of a text already measured."""
    if found.depth > MAX_DEPTH:
        return (f"beyond the analysis budget: expressions nested too deeply or operators chained too long (an "
                f"estimated {found.depth:,} levels; the budget is {MAX_DEPTH:,}), which would exhaust the "
                f"parser's stack or memory",
                found.line)
    if found.pattern > MAX_PATTERN_DEPTH:
        return (f"beyond the analysis budget: a `case` pattern nested too deeply ({found.pattern} levels, a "
                f"mapping counting two; the budget is {MAX_PATTERN_DEPTH}), which the parser takes exponential "
                f"time to read", found.pattern_line)
    if found.strings > MAX_STRING_RUN:
        why = (f"beyond the analysis budget: {found.strings:,} string literals joined in a row (the parser reads "
               f"at most {MAX_STRING_RUN:,}); join them in a list or a file instead")
        return why, found.strings_line
    if found.work > MAX_WORK:
        return (f"beyond the analysis budget: too much to analyse (an estimated {found.work:,} units of "
                f"tokens and nesting; the budget is {MAX_WORK:,}); split the file or its longest expressions", 0)
    return "", 0


MAX_NESTING = 200  # CPython's own limit on nested brackets ("too many nested parentheses")
_NOT_BRACKETS = re.compile(r"[^()\[\]{}]+")
_LEVEL = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


@lru_cache(maxsize=2)  # (asked whether the file needs libcst at all, then by its analysis)
def too_deeply_nested(source: str) -> int:
    """The line where brackets nest deeper than Python allows, or 0.

    libcst's parser takes time that grows much faster than the input with nesting depth
    (a thousand nested calls: minutes, in native code that no time limit can interrupt), while
    CPython refuses more than 200 levels outright; such a file is reported as a syntax error.
    Counts as CPython's tokenizer does (any opening bracket up, any closing one down), over the
    brackets outside strings and comments; linear in the file's size.
    """
    if source.count("(") + source.count("[") + source.count("{") <= MAX_NESTING:
        return 0
    brackets = _NOT_BRACKETS.sub("", STRINGS_AND_COMMENTS.sub("", source))
    levels = itertools.accumulate(map(_LEVEL.__getitem__, brackets), lambda level, step: max(level + step, 0))
    if max(levels, default=0) <= MAX_NESTING:
        return 0
    # rare: find the line for the message (strings and comments blanked, line breaks kept)
    text = STRINGS_AND_COMMENTS.sub(lambda m: "\n" * len(re.findall(r"\r\n?|\n", m.group())), source)
    level, line = 0, 1
    for m in re.finditer(r"[(\[{)\]}]|\r\n?|\n", text):
        step = _LEVEL.get(m.group())
        if step is None:
            line += 1
            continue
        level = max(level + step, 0)
        if level > MAX_NESTING:
            return line
    return 1
