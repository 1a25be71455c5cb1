"""Record classes read with Python's ``ast``: which classes of a file declare records, their
fields, and where each field is, without libcst.

The field checks (:mod:`gdpr_lint.engine.fields`) need a class's bases, decorators and the
statements of its body; libcst's parse of a class body costs several times Python's, and the
flow analysis never reads a class's own statements (:mod:`gdpr_lint.engine.focus` leaves them
out of what libcst parses).  The class statements of a file and its imports are parsed here, one
top-level statement at a time (a module of a hundred thousand lines is not held as one tree),
and recognised by the same rules as :class:`~gdpr_lint.engine.schemas.SchemaFinder` (records
declared by a call, a Core ``Table(...)`` or a ``TypedDict(...)``, stay libcst's).

A finding on a field is placed and quoted as libcst places and quotes its statement (a finding's
fingerprint is the hash of its code, so a baseline made before keeps matching): the statement's
lines from its first token, the comment and blank lines libcst gives the statement above it, the
indentation of the class body left out of every line that has it.  A statement whose code this
cannot tell for certain (a multi-line string, a backslash, a `;`, a class body on its header's
line, comments that libcst may give the block before it) is placed by libcst parsing that one
top-level statement.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import libcst as cst
from libcst.metadata import CodePosition, CodeRange

from gdpr_lint.engine.names import qualified
from gdpr_lint.engine.positions import Positions
from gdpr_lint.engine.schemas import (
    Field,
    Schema,
    declares_field,
    record_kind,
)
from gdpr_lint.engine.tree import block_statements, parse_module
from gdpr_lint.files.parts import masked_lines, top_level
from gdpr_lint.policy.frameworks import Frameworks
from gdpr_lint.survey.astnames import bind_import, dotted, last_name

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_CLASS = re.compile(r"^[ \t\f]*class\b", re.MULTILINE)
_IMPORT = re.compile(r"\bimport\b")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While,
             ast.With, ast.AsyncWith, ast.Try, ast.Match, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
_BLOCKS = ("body", "handlers", "orelse", "finalbody", "cases")


class Spot:
    """Where a finding on an ``ast`` node is, and its code, as libcst gives them for the node:
    worked out on first use by ``make`` (a field that holds no personal data is never placed);
    ``range`` is ``None`` when it cannot be told."""

    __slots__ = ("_code", "_make", "_range")

    def __init__(self, make: Callable[[], tuple[CodeRange, str] | None]) -> None:
        self._make: Callable[[], tuple[CodeRange, str] | None] | None = make
        self._range: CodeRange | None = None
        self._code = ""

    def _place(self) -> None:
        if self._make is not None:
            found, self._make = self._make(), None
            if found is not None:
                self._range, self._code = found

    @property
    def range(self) -> CodeRange | None:
        self._place()
        return self._range

    @property
    def code(self) -> str:
        self._place()
        return self._code


class Imports:
    """Qualified names from a file's import statements, as
    :class:`~gdpr_lint.engine.names.ImportResolver` reads them from libcst's tree."""

    def __init__(self, statements: list[ast.Import | ast.ImportFrom]) -> None:
        self.aliases: dict[str, str] = {}
        for stmt in statements:
            if isinstance(stmt, ast.Import):
                bind_import(self.aliases, stmt)
            else:
                base = "." * stmt.level + (stmt.module or "")
                for alias in stmt.names:
                    if alias.name == "*":
                        break
                    sep = "" if base.endswith(".") or not base else "."
                    self.aliases[alias.asname or alias.name] = f"{base}{sep}{alias.name}"

    def qnames(self, node: ast.AST) -> tuple[str, ...]:
        """Qualified names of a name or attribute chain, plus its dotted text for local names; a
        ``True``/``False``/``None`` as libcst's name of it."""
        text = dotted(node)
        if text:
            return qualified(text, self.aliases)
        if type(node) is ast.Constant and (node.value is None or node.value is True or node.value is False):
            return (repr(node.value),)
        return ()


def _string(node: ast.AST | None) -> str | None:
    """The value of a plain string literal, else ``None``."""
    return node.value if type(node) is ast.Constant and type(node.value) is str else None


def _names_in(node: ast.AST | None, imports: Imports) -> list[str]:
    """The qualified names of every name, attribute chain and ``True``/``False``/``None`` in an
    expression, as libcst's names of them (the order is the same too)."""
    stack = [node] if node is not None else []
    out: list[str] = []
    while stack:
        cur = stack.pop()
        if type(cur) in _NAMED:
            out += imports.qnames(cur)
        else:
            stack += ast.iter_child_nodes(cur)
    return out


_NAMED = frozenset({ast.Name, ast.Attribute, ast.Constant})


def _callee_names(node: ast.AST | None, imports: Imports) -> list[str]:
    return list(imports.qnames(node.func)) if type(node) is ast.Call else []


class RecordClasses:
    """The record classes of one module, read from ``ast`` (see the module docstring);
    ``known`` maps the local classes already read to their framework, as
    :class:`~gdpr_lint.engine.schemas.SchemaFinder`'s does."""

    def __init__(self, source: str, frameworks: Frameworks, project: dict[str, tuple[str, bool]] | None = None,
                 module: str = "", is_package: bool = False) -> None:
        self.frameworks = frameworks
        self.project = project or {}
        self.module = module if is_package else module.rpartition(".")[0]
        self.known: dict[str, tuple[str, bool]] = {}
        self.read = ClassStatements(source)

    # ---- which classes ------------------------------------------------------------------------
    def schemas(self):
        """``(schema, its first line, decorators included)`` of every record class, in source order."""
        imports = self.read.imports
        for node, top in self.read.classes:
            kind = self.classify_class(node, imports)
            if kind is None:
                continue
            self.known[node.name] = kind
            fields = self.fields_of(node, top, imports, *kind)
            first = top.first_line(node) + top.offset
            yield Schema(node.name, kind[0], kind[1], node, fields), first

    def classify_class(self, node: ast.ClassDef, r: Imports) -> tuple[str, bool] | None:
        """``(framework, storage)`` for a class, or ``None`` when it is not a schema."""
        table = any(k.arg == "table" and type(k.value) is ast.Constant and k.value.value is True
                    for k in node.keywords)

        def body_names():
            for small in node.body:
                if not isinstance(small, _COMPOUND):
                    annotation = small.annotation if type(small) is ast.AnnAssign else None
                    yield from _callee_names(getattr(small, "value", None), r) + (
                        _names_in(annotation, r) if annotation is not None else [])
        return record_kind(self, node.name, [n for b in node.bases for n in r.qnames(
            b.value if type(b) is ast.Starred else b)], table,
            (r.qnames(dec.func if type(dec) is ast.Call else dec) for dec in node.decorator_list), body_names())

    def fields_of(self, node: ast.ClassDef, top: _Top, r: Imports, framework: str, storage: bool) -> list[Field]:
        """The data fields of a recognised class (references, constants and private names skipped),
        each with its :class:`Spot`."""
        out: list[Field] = []
        owner = node.name
        for small, alone, previous in _body_statements(node, top):
            if not alone:
                continue
            if type(small) is ast.AnnAssign and type(small.target) is ast.Name:
                target, value, annotation = small.target, small.value, small.annotation
            elif type(small) is ast.Assign and len(small.targets) == 1 and type(small.targets[0]) is ast.Name:
                target, value, annotation = small.targets[0], small.value, None
            else:
                continue
            name = target.id
            if not self.frameworks.may_be_field(name):
                continue
            ann_names = _names_in(annotation, r) if annotation is not None else []
            if not declares_field(self.frameworks, framework, ann_names, annotation is not None, value is not None,
                                  last_name(value.func) if type(value) is ast.Call else None):
                continue
            value_names = _names_in(value, r) if value is not None else []
            callee = _callee_names(value, r)
            reference = any(c.rpartition(".")[2] in self.frameworks.reference_fields for c in callee)
            spot = Spot(partial(self.read.place, small, top, previous, alone == "suite"))
            out.append(Field(name=name, owner=owner, framework=framework, storage=storage,
                             names=tuple(ann_names + value_names), node=spot, reference=reference,
                             column=self._column_name(value, callee), enumerated=type(value) is ast.Call and any(
                                 kw.arg in self.frameworks.choice_keywords and not _nothing(kw.value)
                                 for kw in value.keywords)))
        return out

    def _column_name(self, value: ast.AST | None, callee: list[str]) -> str:
        """As :meth:`SchemaFinder._column_name <gdpr_lint.engine.schemas.SchemaFinder._column_name>`."""
        if type(value) is not ast.Call:
            return ""
        keywords = self.frameworks.column_name_keywords
        for kw in value.keywords:
            if kw.arg is not None and kw.arg in keywords:
                return _string(kw.value) or ""
        first = value.args[0] if value.args else None
        if first is not None and type(first) is not ast.Starred and any(
                c.rpartition(".")[2] in self.frameworks.column_constructors for c in callee):
            return _string(first) or ""
        return ""


def _nothing(value: ast.AST) -> bool:
    """As :func:`gdpr_lint.engine.schemas._nothing`: ``None`` or an empty literal (no values listed)."""
    return (type(value) is ast.Constant and value.value is None) or (
        type(value) in (ast.List, ast.Tuple, ast.Dict) and not (value.keys if type(value) is ast.Dict else value.elts))


def _body_statements(node: ast.ClassDef, top: _Top):
    """``(statement, how it stands, the statement before it)`` of a class body's simple
    statements: ``True`` alone on its lines, ``False`` beside another (``a = X(); b = Y()``),
    ``"suite"`` on the header's line (``class Signup(Model): email = EmailField()``)."""
    body = node.body
    first = body[0]
    if not top.starts_line(first) or top.joined(node.lineno, first.lineno):
        for small in body:  # (on the header's line, or joined to it by backslashes)
            yield small, "suite", None
        return
    previous = None
    for i, small in enumerate(body):
        if not isinstance(small, _COMPOUND):  # (statements on one logical line are separated by `;`)
            shared = previous is not None and top.joined(previous.end_lineno, small.lineno) or (
                i + 1 < len(body) and top.joined(small.end_lineno, body[i + 1].lineno))
            yield small, not shared, previous
        previous = small


@dataclass
class _Top:
    """A top-level statement of the file parsed alone: its lines ``first``-``last`` in the file."""

    first: int
    last: int
    lines: list[str]  # the file's lines, each with its line break
    masked: list[str]  # the same, strings masked and comments gone (files.parts.masked_lines)

    @property
    def offset(self) -> int:
        return self.first - 1

    def text(self, number: int) -> str:
        """Line ``number`` of the statement's tree (1-based), without its line break."""
        return self.lines[number + self.offset - 1].rstrip("\r\n")

    def column(self, number: int, offset: int) -> int:
        """The character column of the byte ``offset`` (ast's) on line ``number`` of the tree."""
        text = self.text(number)
        return offset if text.isascii() else len(text.encode("utf-8")[:offset].decode("utf-8", "replace"))

    def starts_line(self, stmt: ast.stmt) -> bool:
        return not self.text(stmt.lineno)[:self.column(stmt.lineno, stmt.col_offset)].strip()

    def joined(self, first: int, last: int) -> bool:
        """Whether lines ``first`` to ``last`` are one logical line by backslashes (a line is; a
        comment that ends with a backslash joins nothing)."""
        return all(self.masked[n + self.offset - 1].rstrip(" \t\f").endswith("\\") for n in range(first, last))

    def first_line(self, node: ast.ClassDef) -> int:
        """The first line of a class with its decorators: the line of the first ``@`` (its
        expression may start on a later line, in brackets or after a backslash)."""
        if not node.decorator_list:
            return node.lineno
        line = min(d.lineno for d in node.decorator_list)
        while line > 1 and not self.text(line).lstrip(" \t\f").startswith("@"):
            line -= 1
        return line


class ClassStatements:
    """The classes of a source and its import statements, parsed with ``ast`` one top-level
    statement at a time (the whole source when it cannot be cut); ``ok`` is false when Python
    cannot parse one of them (libcst then reads the classes, as before)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = _LINE.findall(source)
        found = _NEWLINE.search(source)  # (libcst's: the file's first line break)
        self.newline = found.group() if found is not None else "\n"
        self.classes: list[tuple[ast.ClassDef, _Top]] = []
        self.ok = True
        self._libcst: tuple[int, tuple[cst.Module, Positions] | None] = (0, None)
        found = top_level(source)
        masked = masked_lines(source)
        if found:
            tops = [(first, last) for first, last, _name, kind in found
                    if kind == "class" or _CLASS.search("\n".join(masked[first - 1:last]))
                    or not kind and _IMPORT.search("\n".join(masked[first - 1:last]))]
        else:
            tops = [(1, len(self.lines))] if self.lines else []
        imports: list[ast.Import | ast.ImportFrom] = []
        for first, last in tops:
            top = _Top(first, last, self.lines, masked)
            try:
                with warnings.catch_warnings():  # (an invalid escape: the survey has read the file)
                    warnings.simplefilter("ignore")
                    tree = ast.parse("".join(self.lines[first - 1:last]))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self.ok = False
                self.classes = []
                break
            stack: list[ast.AST] = list(reversed(tree.body))
            while stack:  # statements in source order: classes, imports (functions' too), blocks
                cur = stack.pop()
                kind = type(cur)
                if kind is ast.ClassDef:
                    self.classes.append((cur, top))
                elif kind is ast.Import or kind is ast.ImportFrom:
                    imports.append(cur)
                    continue
                # (an `except` clause or a `case` holds its statements in its own `body`)
                stack.extend(reversed([stmt for name in _BLOCKS for stmt in getattr(cur, name, None) or ()]))
        self.imports = Imports(imports)

    def spot(self, stmt: ast.stmt, top: _Top, previous: ast.stmt | None, suite: bool) -> Spot:
        """Where a field's statement is and its code, as libcst gives them (see the module
        docstring), worked out on first use."""
        return Spot(partial(self.place, stmt, top, previous, suite))

    def place(self, stmt: ast.stmt, top: _Top, previous: ast.stmt | None, suite: bool
              ) -> tuple[CodeRange, str] | None:
        """:meth:`spot`'s range and code, or ``None`` when libcst cannot read the statement."""
        if not suite:
            found = self._spot_of_line(stmt, top, previous)
            if found is not None:
                return found
        return self._spot_by_libcst(stmt, top, suite)

    def _spot_of_line(self, stmt: ast.stmt, top: _Top, previous: ast.stmt | None) -> tuple[CodeRange, str] | None:
        first, last = stmt.lineno, stmt.end_lineno
        line = top.text(first)
        start = top.column(first, stmt.col_offset)
        indent = line[:start]
        end = top.column(last, stmt.end_col_offset)
        after = top.text(last)[end:].lstrip(" \t\f")
        if after and after[0] != "#":
            return None  # a `;` or a backslash after it
        if any(top.joined(n, n + 1) for n in range(first, last)):
            return None  # (a backslash inside it)
        if last > first and any(type(n) in (ast.Constant, ast.JoinedStr) and n.lineno != n.end_lineno
                                for n in ast.walk(stmt)):
            return None  # a string over several lines keeps its indentation
        above = first - 1
        stop = previous.end_lineno if previous is not None else 0
        while above > stop and (not top.text(above).strip() or top.text(above).lstrip().startswith("#")):
            above -= 1
        leading = range(above + 1, first)
        if any("\f" in top.text(n) for n in range(above + 1, last + 1)):
            return None  # (a form feed resets a line's indentation for Python, not for libcst's columns)
        closing = _closing_indent(previous, top) if isinstance(previous, _COMPOUND) else None
        if closing is not None:  # (libcst gives the block above the lines up to the last that has its indentation)
            closed = [n for n in leading if top.text(n).startswith(closing)]
            if closed:
                leading = range(closed[-1] + 1, first)
        raw = top.lines
        parts = []
        for n in (*leading, *range(first, last + 1)):
            whole = raw[n + top.offset - 1]
            text = whole.rstrip("\r\n")
            if n == first:
                text = text[start:]
            elif text.startswith(indent):
                text = text[len(indent):]
            parts.append(text + (whole[len(whole.rstrip("\r\n")):] or self.newline))
        return CodeRange(CodePosition(first + top.offset, start), CodePosition(last + top.offset, end)), "".join(parts)

    def _spot_by_libcst(self, stmt: ast.stmt, top: _Top, suite: bool) -> tuple[CodeRange, str] | None:
        """The node libcst makes of ``stmt`` (its statement line, or the small statement of a
        suite), from a parse of its top-level statement alone, placed by
        :class:`~gdpr_lint.engine.positions.Positions` as the analysis places its nodes."""
        parsed = self._libcst[1] if self._libcst[0] == top.first else False
        if parsed is False:  # (one top-level statement's tree kept: a class's fields are placed one after another)
            text = "".join(top.lines[top.first - 1:top.last])
            try:
                module = parse_module(text)
                parsed = (module, Positions(module, text))
            except Exception:  # noqa: BLE001 - libcst refuses what Python read: the field is not placed
                parsed = None
            self._libcst = (top.first, parsed)
        if parsed is None:
            return None
        module, positions = parsed
        want = (stmt.lineno, top.column(stmt.lineno, stmt.col_offset))
        kind = cst.BaseSmallStatement if suite else cst.SimpleStatementLine
        stack: list[cst.CSTNode] = list(module.body)
        while stack:  # (statements only, and the small statements of a body on its header's line)
            node = stack.pop()
            if isinstance(node, kind):
                pos = positions.get(node)
                # (one statement line starts on a line; libcst's columns do not count a form feed)
                if pos is not None and pos.start.line == want[0] and (not suite or pos.start.column == want[1]):
                    code = positions.code(node)
                    last = top.lines[stmt.end_lineno + top.offset - 1]
                    if last[-1:] not in "\r\n" and code.endswith(module.default_newline):
                        code = code[:len(code) - len(module.default_newline)] + self.newline  # (the file's)
                    return CodeRange(CodePosition(pos.start.line + top.offset, pos.start.column),
                                     CodePosition(pos.end.line + top.offset, pos.end.column)), code
            if isinstance(node, cst.BaseCompoundStatement):
                stack.extend(block_statements(node))
        return None


def _closing_indent(node: ast.stmt, top: _Top) -> str | None:
    """The indentation of the block a compound statement ends with (an ``else``'s, a
    ``finally``'s, a ``match``'s cases), whose comment and blank lines after it libcst gives to
    that block up to the last line that starts with it; ``None`` for a block on its header's line."""
    while True:
        kind = type(node)
        if kind is ast.If and len(node.orelse) == 1 and type(node.orelse[0]) is ast.If and top.text(
                node.orelse[0].lineno).lstrip(" \t\f").startswith("elif"):
            node = node.orelse[0]  # (an `elif` is the `if` in the `else` of the one before)
            continue
        if kind is ast.Match:  # (its cases are a block, at the indentation of the `case` lines)
            line = top.text(node.cases[0].pattern.lineno)
            return line[:len(line) - len(line.lstrip(" \t\f"))]
        if kind is ast.Try or kind.__name__ == "TryStar":
            block = node.finalbody or node.orelse or (node.handlers[-1].body if node.handlers else node.body)
        else:
            block = getattr(node, "orelse", None) or node.body
        break
    first = block[0]
    if not top.starts_line(first):
        return None
    return top.text(first.lineno)[:top.column(first.lineno, first.col_offset)]


class _NoClasses:
    """The record classes of a part of a file whose classes another part has read."""

    @staticmethod
    def schemas():
        return iter(())


#: for :class:`~gdpr_lint.engine.fields.FieldChecks`: the classes are read, elsewhere
NO_CLASSES = _NoClasses()
