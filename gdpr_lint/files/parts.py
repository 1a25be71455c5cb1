"""A module too big to parse at once, cut into parts that parse, and are analysed, one at a time.

A generated module of 100,000 lines takes Python's ``ast`` about half a gigabyte and libcst
several, all at once.  Its top-level statements are independent as far as the parsers go, so it
is read in parts: a group of functions and classes that refer to one another (callers, callees and
the classes whose methods they call stay together, so flows across them are followed as before),
up to :data:`PART_LINES` lines, with the module's own statements that are not functions or classes
(imports, assignments, module-level code: the names the rest reads).  The first part holds all of
those; each other part every one that does more than bind names, and the assignments and imports
its group reads (and what those read in turn), so a module of thousands of constants does not read
them once per part.

The statements are found from the text alone: strings and comments are masked, brackets and
backslash continuations followed, and a line that starts at the first column outside them starts
a statement (``else``, ``elif``, ``except`` and ``finally`` continue one; decorators belong to
the definition below them; comments and blank lines before a statement belong to it, so a tag
above a class stays with the class).  Each part keeps its lines' numbers in the file
(:attr:`Part.lines`), so findings, tags and suppressions are read where they are.

Whether a file is cut is decided from its text (:func:`needs_parts`), never from the time it
takes, so the result does not depend on the machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gdpr_lint.files.source import line_breaks, python_lines

#: lines of functions and classes per part (the module's other statements come on top)
PART_LINES = 4_000
#: a file is cut when its estimated analysis work is above this (:mod:`gdpr_lint.engine.budget`
#: units: about 5 s and 300 MB of libcst at once) or when it has more lines than :data:`SPLIT_LINES`
PART_WORK = 5_000_000
SPLIT_LINES = 20_000

# comments and string literals (an unterminated one runs to the end of its line, or of the file for
# triple quotes, so every match is linear); prefixes need no handling, only the quotes matter
STRINGS_AND_COMMENTS = re.compile(
    r"""#[^\r\n]*|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)|"""
    r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)|'
    r"""'[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*'?|"[^"\\\r\n]*(?:\\(?:\r\n|.)[^"\\\r\n]*)*"?""",
    re.DOTALL)  # (a backslash before a CRLF continues the string over both characters: one line break)
_CONTINUES = re.compile(r"(?:else|elif|except|finally)\b")
_DEFINES = re.compile(r"(?:async[ \t]+)?def[ \t]+(\w+)|class[ \t]+(\w+)")
_METHOD = re.compile(r"^[ \t]+(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)
_IDENT = re.compile(r"[A-Za-z_]\w*")


@dataclass
class Part:
    """Some of a module's top-level statements, in order: ``text`` to parse, and for each of its
    lines, the line number it has in the file (1-based)."""

    text: str
    lines: list[int]

    def padded(self, total: int) -> str:
        """The part as a text of the file's length, every other line empty: the same line numbers
        for a parser that keeps no node for a blank line (Python's ``ast``)."""
        out = [""] * total
        for text, number in zip(self.text.split("\n"), self.lines):
            out[number - 1] = text
        return "\n".join(out)


def needs_parts(source: str, work: int) -> bool:
    """Whether a module is read in parts: too much work or too many lines to parse at once."""
    return work > PART_WORK or line_breaks(source) > SPLIT_LINES


def _mask(match: re.Match) -> str:
    """A string as ``S``, each further line it spans as `` S`` (code, but no statement's start), a
    comment as nothing."""
    text = match.group()
    if text[0] == "#":  # (a comment between a lone `\r` and a `\n` leaves a space: two line breaks, not one `\r\n`)
        at, whole = match.start(), match.string
        return " " if at and whole[at - 1] == "\r" and whole.startswith("\n", match.end()) else ""
    return "S" + "\n S" * line_breaks(text)


def statements(source: str) -> list[tuple[int, int, str]]:
    """The module's top-level statements as ``(first line, last line, name it defines or "")``,
    1-based and covering every line; ``[]`` when the text cannot be cut (an unclosed bracket)."""
    return [(a, b, name) for a, b, name, _kind in top_level(source)]


def top_level(source: str) -> list[tuple[int, int, str, str]]:
    """:func:`definitions` of the source's own lines (read-only: the last text's are given again)."""
    return _LAST_DEFINED.get(source, lambda text: definitions(python_lines(text), masked_lines(text)))


def definitions(originals: list[str], lines: list[str]) -> list[tuple[int, int, str, str]]:
    """:func:`statements` of the lines ``originals`` (``lines``: the same, masked), each with the
    kind of definition it is: ``"def"``, ``"class"`` or ``""`` (any other statement)."""
    starts: list[int] = []  # 0-based line indexes of statement starts
    depth, continued, decorated = 0, False, False
    last_code = -1  # the last line holding code
    ends: dict[int, int] = {}  # statement start -> its last code line
    for i, line in enumerate(lines):
        stripped = line.strip()
        # (a form feed at a line's start resets its indentation, as Python's tokenizer reads it)
        if stripped and depth == 0 and not continued and line.lstrip("\f")[:1] not in " \t)]}" and \
                not _CONTINUES.match(line):
            if not decorated:
                if starts:
                    ends[starts[-1]] = last_code
                starts.append(i)
            decorated = line.startswith("@")
        if stripped:
            if "(" in line or ")" in line or "[" in line or "]" in line or "{" in line or "}" in line:
                # (most lines hold no bracket: a few scans that stop at one, not six counts)
                depth = max(depth + line.count("(") + line.count("[") + line.count("{") - line.count(")")
                            - line.count("]") - line.count("}"), 0)
            last_code = i
            continued = line.rstrip().endswith("\\")
        else:  # (a backslash joins the next line alone: an empty one ends the statement)
            continued = False
    if depth or not starts:
        return []
    ends[starts[-1]] = last_code
    out: list[tuple[int, int, str, str]] = []
    begin = 0
    for start in starts:
        end = ends[start]
        head = originals[start]
        k = start
        while head.startswith("@") and k < end:  # the definition below its decorators
            k += 1
            head = originals[k]
        found = _DEFINES.match(head)
        kind = "" if not found else "def" if found.group(1) else "class"
        out.append((begin + 1, end + 1, (found.group(1) or found.group(2)) if found else "", kind))
        begin = end + 1
    if out:  # trailing blank lines and comments go with the last statement
        first, _, name, kind = out[-1]
        out[-1] = (first, len(lines), name, kind)
    return out


def members(source_lines: list[str], masked: list[str], first: int, last: int
            ) -> tuple[int, str, list[tuple[int, int, str, str]]] | None:
    """The statements of the body of the class on lines ``first``-``last`` (1-based, as
    :func:`statements` gives them: decorators and the comments above included), as
    ``(last line of the class's header, the body's indentation, [(first, last, name, kind)])`` in
    the file's lines; ``None`` when the body cannot be cut (written on the header's line)."""
    k = first - 1
    while k < last and not masked[k].startswith("class"):  # comments and decorators above it
        k += 1
    depth = 0
    while k < last:  # the header may span lines (bases in brackets)
        line = masked[k]
        depth = max(depth + line.count("(") + line.count("[") - line.count(")") - line.count("]"), 0)
        if depth == 0 and not line.rstrip().endswith("\\"):
            break
        k += 1
    if k >= last or not masked[k].rstrip().endswith(":"):
        return None  # `class A: pass`, or a header this cut does not read
    body = range(k + 1, last)
    indent = next((masked[i][:len(masked[i]) - len(masked[i].lstrip())] for i in body if masked[i].strip()), "")
    if not indent:
        return None
    width = len(indent)

    def dedent(line: str) -> str:
        # a line of the body less indented than its statements is a bracket's or a string's
        # continuation (masked as code that starts no statement)
        return line[width:] if line.startswith(indent) else " " + line.lstrip() if line.strip() else ""

    found = definitions([dedent(source_lines[i]) for i in body], [dedent(masked[i]) for i in body])
    if not found:
        return None
    return k + 1, indent, [(a + k + 1, b + k + 1, name, kind) for a, b, name, kind in found]


class _Last:
    """The results for the last two texts a function was given: a big module is cut by the survey
    and again by the analysis, focused, split (the cut's text, a second text) and checked for its
    rights and imports from the same text (in one process, one after the other).  Two texts are
    kept, not a growing cache."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last: tuple = ()  # ((text, result), ...), newest first: replaced in one assignment

    def get(self, text: str, compute):
        last = self.last  # (read once: another thread may replace it meanwhile)
        for held, result in last:
            if text is held:
                return result
        for held, result in last:
            if text == held:
                return result
        result = compute(text)
        self.last = ((text, result), *last[:1])
        return result


_LAST_MASKED = _Last()
_LAST_DEFINED = _Last()
_LAST_SPLIT = _Last()


def masked_lines(source: str) -> list[str]:
    """The source's lines with every string as ``S`` and every comment gone (line breaks kept);
    read-only (the last text's lines are given again)."""
    return _LAST_MASKED.get(source, lambda text: python_lines(STRINGS_AND_COMMENTS.sub(_mask, text)))


def uncommented(text: str) -> str:
    """``text`` without its comments; its strings kept (a key is code), its lines kept."""
    return STRINGS_AND_COMMENTS.sub(_keep_strings, text) if "#" in text else text


def _keep_strings(match: re.Match) -> str:
    found = match.group()
    return "" if found[0] == "#" else found


_ONLY_STRINGS = re.compile(r"[S \t]*")
# the lines of a statement that is a string alone, with nothing else on them (not `"a"; b = "c"`)
_STRING_LITERALS = (r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""', r"'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''",
                    r'"(?:[^"\\\n]|\\[\s\S])*"', r"'(?:[^'\\\n]|\\[\s\S])*'")
_ALONE = re.compile(r"[ \t\f]*[rRbBuU]{0,2}(?:" + "|".join(_STRING_LITERALS) + r")[ \t\f\r]*")
F_STRING = re.compile(r"(?<!\w)[rRbB]?[fF][rR]?[\"']")  # (`"to:"f"{addr}"` too)


def code_text(text: str, masked: list[str] | None = None, strings: list[tuple[int, int]] | None = None) -> str:
    """``text`` as the analysis reads data from it: without its comments, and with each statement
    that is a string alone (a docstring) blank, its lines kept.  Those statements are
    ``strings`` (0-based line indexes, from Python's tree of the text:
    :func:`~gdpr_lint.survey.astnames.string_statements`), or else read from ``masked`` (its
    :func:`masked_lines`, made when not given).  An f-string is code (its fields are
    expressions), a line that holds more than the string is kept, and ``text`` is given back as
    it is where the two readings of its lines differ (a superset)."""
    from_tree = strings is not None  # (a statement the tree gives may share its lines: `"a"; b = 1`)
    if strings is None:
        masked = masked_lines(text) if masked is None else masked
        found: list[tuple[int, int]] = []
        for a, b in logical_lines(masked):
            if found and masked[a].startswith(" S"):  # a string's further line (:func:`_mask`): its statement's
                found[-1] = (found[-1][0], b)
            else:
                found.append((a, b))
        strings = [(a, b) for a, b in found if "S" in masked[a] and all(
            _ONLY_STRINGS.fullmatch(masked[k]) for k in range(a, b + 1))]
    elif "\r" in text and text.count("\r") != text.count("\r\n"):
        return text  # (a lone `\r` breaks a line for Python's tree, not for these lines)
    if "#" not in text and not strings:
        return text
    lines = uncommented(text).split("\n")
    if masked is not None and len(lines) != len(masked) or any(b >= len(lines) for _a, b in strings):
        return text
    for a, b in strings:
        whole = "\n".join(lines[a:b + 1])
        if not F_STRING.search(whole) and (not from_tree or _ALONE.fullmatch(whole)):
            lines[a:b + 1] = [""] * (b + 1 - a)
    return "\n".join(lines)


def logical_lines(masked: list[str]) -> list[tuple[int, int]]:
    """The statements of a block of masked lines, as ``(first, last)`` line indexes: a line ends
    one where its brackets are closed and it does not end with a backslash."""
    out: list[tuple[int, int]] = []
    depth, first = 0, 0
    for k, code in enumerate(masked):
        if "(" in code or ")" in code or "[" in code or "]" in code or "{" in code or "}" in code:
            depth = max(depth + code.count("(") + code.count("[") + code.count("{") - code.count(")")
                        - code.count("]") - code.count("}"), 0)
        if depth == 0 and not code.rstrip().endswith("\\"):
            out.append((first, k))
            first = k + 1
    if first < len(masked):
        out.append((first, len(masked) - 1))
    return out


def split_module(source: str) -> list[Part]:
    """The module's parts (see the module docstring); ``[]`` when it cannot be cut or is one part
    (read-only: the last text's parts are given again)."""
    return _LAST_SPLIT.get(source, _split_module)


def _split_module(source: str) -> list[Part]:
    masked = masked_lines(source)
    found = statements(source)
    if not found:
        return []
    lines = python_lines(source)
    header = [(a, b) for a, b, name in found if not name]
    units = [(a, b, name) for a, b, name in found if name]
    if not units:
        return []
    # the names each unit defines (a class: its methods too) and reads
    defines: list[set[str]] = []
    reads: list[set[str]] = []
    for a, b, name in units:
        text = "\n".join(masked[a - 1:b])
        defines.append({name, *_METHOD.findall(text)})
        reads.append(set(_IDENT.findall(text)))
    parent = list(range(len(units)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    by_name: dict[str, list[int]] = {}
    for i, names in enumerate(defines):
        for name in names:
            by_name.setdefault(name, []).append(i)
    # a unit that reads a name goes with every unit that defines it, and so those go together: they
    # are joined once, the first time the name is read, and each reader then with the first of them
    # (not with each: thousands of classes that define a method `m` or `__str__` made it quadratic)
    joined: set[str] = set()
    for i, names in enumerate(reads):
        for name in names:
            found = by_name.get(name)
            if found is None:
                continue
            if name not in joined:
                joined.add(name)
                for j in found[1:]:
                    join(found[0], j)
            join(i, found[0])
    groups: dict[int, list[int]] = {}
    for i in range(len(units)):
        groups.setdefault(root(i), []).append(i)
    # groups in the order of their first unit, packed into parts of about PART_LINES lines
    packed: list[list[int]] = []
    size = 0
    for members in sorted(groups.values(), key=lambda g: g[0]):
        lines_in = sum(units[i][1] - units[i][0] + 1 for i in members)
        if not packed or size + lines_in > PART_LINES:
            packed.append([])
            size = 0
        packed[-1].extend(members)
        size += lines_in
    if len(packed) < 2:
        return []
    needs = _HeaderNeeds(header, lines)
    parts = []
    for k, members in enumerate(packed):
        # the first part holds every statement of the module's own (its findings come from there);
        # the others those their functions and classes read, and those that are more than a name
        # bound (a call, a block)
        # (the names a unit spells anywhere, in its strings and comments too: an annotation written
        # as a string names what it reads)
        kept = header if k == 0 else needs.of({name for i in members for name in _IDENT.findall(
            "\n".join(lines[units[i][0] - 1:units[i][1]]))})
        ranges = sorted(kept + [(units[i][0], units[i][1]) for i in members])
        numbers = [n for a, b in ranges for n in range(a, b + 1)]
        parts.append(Part("\n".join(lines[n - 1] for n in numbers), numbers))
    return parts


class _HeaderNeeds:
    """Which of a module's own statements (``header``: ``(first, last)`` lines, not functions or
    classes) a part needs: every one that does more than bind names, and the assignments and
    imports that bind a name the part reads, or that one of those reads (each part held every one:
    a module of thousands of constants and functions read them once per part, its cost growing
    with parts times constants).  Read with Python's ``ast``; where it does not parse the module's
    own statements (syntax newer than this Python), a part holds every one, as before."""

    def __init__(self, header: list[tuple[int, int]], lines: list[str]) -> None:
        self.header = header
        self.binders: dict[str, list[int]] | None = None  # name -> the statements that only bind it (and others)
        # (what a statement spells anywhere, in its strings too: an f-string's fields are code)
        self.reads: list[set[str]] = [set(_IDENT.findall("\n".join(lines[a - 1:b]))) for a, b in header]
        binds = _binds(header, lines)
        if binds is None:
            return
        self.binders = {}
        always: set[str] = set()
        self.always: list[int] = []
        for k, names in enumerate(binds):
            if names is None:
                self.always.append(k)
                always |= self.reads[k]
            else:
                for name in names:
                    self.binders.setdefault(name, []).append(k)
        self.base = self._closure(always, set(self.always))

    def _closure(self, names: set[str], kept: set[int]) -> set[int]:
        """``kept`` with the statements that bind ``names``, and in turn what those read."""
        kept = set(kept)
        todo, seen = list(names), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for k in self.binders.get(name, ()):
                if k not in kept:
                    kept.add(k)
                    todo.extend(self.reads[k])
        return kept

    def of(self, names: set[str]) -> list[tuple[int, int]]:
        """The statements a part whose functions and classes read ``names`` needs, in order."""
        if self.binders is None:
            return self.header
        kept = self._closure(names, self.base)
        return [span for k, span in enumerate(self.header) if k in kept]


def _binds(header: list[tuple[int, int]], lines: list[str]) -> list[frozenset[str] | None] | None:
    """For each of ``header``'s statements, the names it binds where that is all it does (an
    assignment to names, an augmented one, an import of named modules or names), else ``None``;
    ``None`` for all when Python cannot parse them."""
    import ast
    import bisect

    text = [""] * len(lines)  # (each statement at its own lines, the rest blank)
    for a, b in header:
        text[a - 1:b] = lines[a - 1:b]
    try:
        tree = ast.parse("\n".join(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    starts = [a for a, _b in header]
    out: list[frozenset[str] | None] = [frozenset()] * len(header)
    for node in tree.body:
        k = bisect.bisect_right(starts, node.lineno) - 1
        names = _names_bound(node)
        out[k] = None if names is None or out[k] is None else out[k] | names
    return out


def _names_bound(node) -> frozenset[str] | None:
    """The names a statement binds where that is all it does, else ``None``."""
    import ast

    kind = type(node)
    if kind is ast.Import:
        return frozenset(a.asname or a.name.partition(".")[0] for a in node.names)
    if kind is ast.ImportFrom:
        return None if any(a.name == "*" for a in node.names) else frozenset(a.asname or a.name for a in node.names)
    if any(type(sub) is ast.NamedExpr for sub in ast.walk(node)):
        return None  # (`x = (y := f())` binds `y` too)
    return names_assigned(node)


def names_assigned(node) -> frozenset[str] | None:
    """The names an assignment (plain, annotated or augmented) binds, unpacked from tuples and
    lists, where its targets are all names; ``None`` for another statement, or a store into an
    item or an attribute (``config["x"] = ...``, ``obj.attr = ...``: a change to something held
    elsewhere)."""
    import ast

    kind = type(node)
    if kind is ast.Assign:
        targets = list(node.targets)
    elif kind is ast.AnnAssign or kind is ast.AugAssign:
        targets = [node.target]
    else:
        return None
    out: set[str] = set()
    while targets:
        target = targets.pop()
        if type(target) is ast.Name:
            out.add(target.id)
        elif type(target) in (ast.Tuple, ast.List):
            targets.extend(target.elts)
        elif type(target) is ast.Starred:
            targets.append(target.value)
        else:
            return None
    return frozenset(out)
