"""Line and column of nodes, paid for only where a finding or a field needs them.

libcst's ``PositionProvider`` regenerates the code of the whole module to find positions, which
costs a large share of a parse.  Findings sit in a few statements, so this computes positions for
just the innermost statement around each node asked for: that statement's code is generated
alone, with the indentation of the blocks around it (so the same text, column for column), and
its lines are shifted to the line Python's ``ast`` gives the statement, at a fraction of the
cost.  A module with a finding on every line thus costs one pass over the lines with findings,
not one over the whole module per top-level statement.  When the two parsers do not agree on the
statements (they always should), the whole module is resolved as before.
"""

from __future__ import annotations

import ast

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from gdpr_lint.engine.tree import children, python_tree
from gdpr_lint.survey.astnames import walk_inner

_STATEMENT = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
_TRY_STAR = (getattr(cst, "TryStar", None), getattr(ast, "TryStar", None))


class Positions:
    """``get(node)`` -> :class:`~libcst.metadata.CodeRange` (1-based lines, 0-based columns) or ``None``.

    Same answers as ``MetadataWrapper(module).resolve(PositionProvider)`` (a test checks every
    node of real files, asked in any order), computed per innermost statement on first use; for
    the nodes :func:`~gdpr_lint.engine.tree.children` walks, not whitespace, commas or comments
    (``None`` when asked before anything of their statement).
    """

    def __init__(self, module: cst.Module, source: str, lines: list[int] | None = None) -> None:
        self.module = module
        self.source = source
        #: the line each line of ``source`` has in its file, when it is a part of a bigger module
        #: (:mod:`gdpr_lint.files.parts`): positions are given in the file's lines
        self.lines = lines
        self._statement_of: dict[int, cst.CSTNode] | None = None  # id(node) -> its innermost statement
        #: id(statement) -> (its line, the indentation of the blocks around it, and for a simple
        #: statement line the ast's statements of it)
        self._place: dict[int, tuple[int, tuple[str, ...], list | None]] = {}
        self._first: dict[int, int] = {}  # id(definition) -> its first line, decorators included
        self._known: dict[cst.CSTNode, tuple[CodeRange, int]] = {}  # node -> (generated range, shift)
        self._indexed = False  # the ast was read (whether or not it lines up)
        self._read: set[int] = set()  # statements whose positions the ast was asked for
        self._lined: set[int] = set()  # statement lines placed without their calls (_line_from_ast)
        self._lines: list[str] = []  # the source's lines, where the ast's columns are read
        self._budget = 0  # nodes left to resolve statement by statement before the whole module is
        self._whole = None
        #: the calls and small statements the ast placed whose code is the source's text between
        #: their start and end (a call in no brackets of its own, a statement with no `;` after it)
        self._exact: set[cst.CSTNode] = set()
        #: the simple statement lines the ast placed on one line, with no comment or blank line
        #: above them (their code is the rest of that line from their first statement)
        self._whole_lines: set[cst.CSTNode] = set()

    def get(self, node: cst.CSTNode, near: cst.CSTNode | None = None) -> CodeRange | None:
        """``near``: a statement the node is likely in (the one being walked), read first."""
        pos = self._get(node, near)
        if pos is None or self.lines is None:
            return pos
        last = len(self.lines)
        return CodeRange(CodePosition(self.lines[min(pos.start.line, last) - 1], pos.start.column),
                         CodePosition(self.lines[min(pos.end.line, last) - 1], pos.end.column))

    def code(self, node: cst.CSTNode) -> str:
        """The node's code, as ``module.code_for_node`` gives it: read from its line where the
        ``ast`` placed the node exactly (a call, a small statement or a statement line, on one
        line), else generated."""
        exact = node in self._exact
        if exact or node in self._whole_lines:
            # where the ast placed it, not where the whole module's positions do once they are
            # resolved (libcst counts a line holding only a backslash one short)
            found = self._known.get(node)
            pos = found[0] if found is not None and not found[1] else None
            if pos is not None and pos.start.line == pos.end.line:  # (libcst's code of a node on
                # several lines leaves out the indentation of the blocks around it)
                line = pos.start.line
                text = self._lines[line - 1]
                if exact:
                    return text[pos.start.column:pos.end.column]
                rest = text[pos.start.column:]
                if not rest.rstrip("\r").endswith("\\"):  # (a backslash joins the next line to its end)
                    # a statement line: its statements, then any `;`, spaces and comment, and its
                    # line break (which libcst writes as the module's own after a file's last line)
                    return rest + ("\n" if line < len(self._lines) else self.module.default_newline)
        return self.module.code_for_node(node)

    def first_line(self, node: cst.CSTNode) -> int | None:
        """The first line of a statement with its decorators (``@`` of the first), in the file's
        lines; from the ``ast`` where it tells the line exactly, with no code generated."""
        if not self._indexed:
            self._index()
        line = self._first.get(id(node))
        if line is None:
            pos = self._get(node)
            if pos is None:
                return None
            line = pos.start.line
            for dec in getattr(node, "decorators", ()):
                dpos = self._get(dec)
                if dpos is not None:
                    line = min(line, dpos.start.line)
        if self.lines is not None:
            line = self.lines[min(line, len(self.lines)) - 1]
        return line

    def _get(self, node: cst.CSTNode, near: cst.CSTNode | None = None) -> CodeRange | None:
        if self._whole is not None:
            return self._whole.get(node)
        if not self._indexed:
            self._index()
        if not self._place:
            return self._resolve_whole().get(node)
        found = self._known.get(node)
        if found is None and type(node) is cst.SimpleStatementLine and id(node) not in self._lined:
            self._lined.add(id(node))  # a statement line asked for itself (a field): its line alone
            if id(node) in self._place:
                self._line_from_ast(node)
                found = self._known.get(node)
        if found is None and near is not None and id(near) not in self._read and id(near) in self._place:
            self._read.add(id(near))
            self._from_ast(near)
            found = self._known.get(node)
        if found is None:
            stmt = node if id(node) in self._place else self._owners().get(id(node))
            if stmt is None:
                return self._resolve_whole().get(node) if node is self.module else None
            if id(stmt) not in self._read:
                self._read.add(id(stmt))
                self._from_ast(stmt)
                found = self._known.get(node)
            if found is None:
                if self._budget <= 0:  # findings all over the module: one pass for all
                    return self._resolve_whole().get(node)
                self._resolve(stmt)
                found = self._known.get(node)
                if found is None:
                    return None
        pos, shift = found
        if not shift:
            return pos
        return CodeRange(CodePosition(pos.start.line + shift, pos.start.column),
                         CodePosition(pos.end.line + shift, pos.end.column))

    def _index(self) -> bool:
        self._indexed = True
        try:
            tree = python_tree(self.source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        # the ast counts lines as libcst does, and its columns are read on these lines, where no
        # `\r` stands alone as a line break; libcst drops a form feed from a line's indentation,
        # and its columns are the ones given, so a file with one is placed by libcst alone
        lines = self.source.split("\n") if (self.source.count("\r") == self.source.count("\r\n")
                                            and "\x0c" not in self.source) else []
        if not _places(self.module.body, tree.body, (), self.module.default_indent, self._place, self._first, lines):
            self._place, self._first = {}, {}
            return False
        self._lines = lines
        # resolving statement by statement never costs more than twice the whole module's pass
        self._budget = 2 * (self.source.count("\n") + 1)
        return True

    def _owners(self) -> dict[int, cst.CSTNode]:
        """The innermost statement of every node, by id (built on first need: a node asked for
        is most often a statement itself, or in the one ``near`` it)."""
        if self._statement_of is None:
            owner: dict[int, cst.CSTNode] = {}
            place = self._place
            stack: list[tuple[cst.CSTNode, cst.CSTNode]] = [(stmt, stmt) for stmt in self.module.body]
            while stack:
                cur, stmt = stack.pop()
                if isinstance(cur, _STATEMENT) and id(cur) in place:  # not an `elif`: part of its `if`
                    stmt = cur
                owner[id(cur)] = stmt
                stack.extend((child, stmt) for child in children(cur))
            self._statement_of = owner
        return self._statement_of

    def _from_ast(self, stmt: cst.CSTNode) -> None:
        """Positions of a simple statement line, its calls and its small statements, where the ``ast``
        gives them exactly, with no code generated: its ``n``-th call (in source order) is the
        ast's, its ``n``-th statement the ast's; not for calls in brackets of their own (libcst
        counts those) or a line with an f-string (whose inner positions Python before 3.12 can
        misplace).  The line itself runs from its first statement to the end of its last."""
        _line, _indents, trees = self._place[id(stmt)]
        if trees is None or not self._lines:
            return
        calls: list[cst.Call] = []
        stack: list[cst.CSTNode] = [stmt]
        while stack:
            cur = stack.pop()
            kind = type(cur)
            if kind is cst.Call:
                if cur.lpar:
                    return
                calls.append(cur)
            elif kind is cst.FormattedString:
                return
            stack.extend(reversed(children(cur)))
        found = [n for tree in trees for n in walk_inner(tree) if type(n) is ast.Call]
        if len(found) != len(calls):
            return
        found.sort(key=lambda n: (n.lineno, n.col_offset, -n.end_lineno, -n.end_col_offset))
        known = self._known
        span = self._span
        exact = self._exact
        for call, node in zip(calls, found):
            known[call] = (span(node), 0)
            exact.add(call)
        self._line_from_ast(stmt)
        for small in stmt.body:  # (a `;` after one is not part of it)
            if not isinstance(getattr(small, "semicolon", None), cst.Semicolon):
                exact.add(small)

    def _line_from_ast(self, stmt: cst.SimpleStatementLine) -> None:
        """A simple statement line and its small statements where the ``ast`` places them, without
        the calls inside (:meth:`_from_ast` reads those when one is asked for): a field's line."""
        _line, _indents, trees = self._place[id(stmt)]
        if trees is None or not self._lines:
            return
        known = self._known
        span = self._span
        for small, tree in zip(stmt.body, trees):
            known[small] = (span(tree), 0)
        known[stmt] = (CodeRange(known[stmt.body[0]][0].start, known[stmt.body[-1]][0].end), 0)
        if not stmt.leading_lines:
            self._whole_lines.add(stmt)

    def _span(self, node: ast.AST) -> CodeRange:
        """An ast node's range as libcst gives it: columns in characters, not UTF-8 bytes."""
        lines = self._lines
        start, end = lines[node.lineno - 1], lines[node.end_lineno - 1]
        first = node.col_offset if start.isascii() else len(start.encode("utf-8")[:node.col_offset].decode("utf-8", "replace"))
        last = node.end_col_offset if end.isascii() else len(
            end.encode("utf-8")[:node.end_col_offset].decode("utf-8", "replace"))
        return CodeRange(CodePosition(node.lineno, first), CodePosition(node.end_lineno, last))

    def _resolve(self, stmt: cst.CSTNode) -> None:
        line, indents, _trees = self._place[id(stmt)]
        computed, generated = _generate(stmt, self.module, indents)
        shift = line - computed[stmt].start.line
        known = self._known
        for node, pos in computed.items():
            known[node] = (pos, shift)
        self._budget -= generated

    def _resolve_whole(self):
        if self._whole is None:
            self._whole = _generate(self.module, self.module, ())[0]
        return self._whole


def _places(body, tree_body, indents: tuple[str, ...], default_indent: str,
            place: dict, first: dict[int, int], lines: list[str]) -> bool:
    """Give each statement of a libcst ``body`` (and of the blocks inside it) the line of its
    ``ast`` counterpart in ``tree_body`` and the indentation of the blocks around it, and each
    decorated definition its first line (``first``, where the source ``lines`` show the ``@``);
    ``False`` when the two do not line up."""
    i = 0
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):  # `a = 1; b = 2` is one line, two statements
            if i + len(stmt.body) > len(tree_body):
                return False
            place[id(stmt)] = (tree_body[i].lineno, indents, tree_body[i:i + len(stmt.body)])
            i += len(stmt.body)
            continue
        if i >= len(tree_body) or not _compound(stmt, tree_body[i], indents, default_indent, place, first, lines):
            return False
        i += 1
    return i == len(tree_body)


def _compound(stmt, node: ast.stmt, indents, default_indent, place, first, lines, *, elif_: bool = False) -> bool:
    suites: list[tuple[object, list]] = []
    if isinstance(stmt, cst.If):
        if not isinstance(node, ast.If):
            return False
        suites.append((stmt.body, node.body))
        if isinstance(stmt.orelse, cst.If):  # elif: an `if` alone in the ast's else; no place of
            # its own, as its code alone would read `if` where the file says `elif`
            if len(node.orelse) != 1 or not _compound(stmt.orelse, node.orelse[0], indents,
                                                      default_indent, place, first, lines, elif_=True):
                return False
        elif stmt.orelse is not None:
            suites.append((stmt.orelse.body, node.orelse))
        elif node.orelse:
            return False
    elif isinstance(stmt, (cst.For, cst.While)):
        if not isinstance(node, (ast.For, ast.AsyncFor) if isinstance(stmt, cst.For) else ast.While):
            return False
        suites.append((stmt.body, node.body))
        if stmt.orelse is not None:
            suites.append((stmt.orelse.body, node.orelse))
    elif isinstance(stmt, cst.Try) or (_TRY_STAR[0] is not None and isinstance(stmt, _TRY_STAR[0])):
        if not isinstance(node, ast.Try if isinstance(stmt, cst.Try) else _TRY_STAR[1] or ()):
            return False
        if len(stmt.handlers) != len(node.handlers):
            return False
        suites.append((stmt.body, node.body))
        suites.extend((handler.body, ast_handler.body) for handler, ast_handler in zip(stmt.handlers, node.handlers))
        if stmt.orelse is not None:
            suites.append((stmt.orelse.body, node.orelse))
        if stmt.finalbody is not None:
            suites.append((stmt.finalbody.body, node.finalbody))
    elif isinstance(stmt, cst.With):
        if not isinstance(node, (ast.With, ast.AsyncWith)):
            return False
        suites.append((stmt.body, node.body))
    elif isinstance(stmt, cst.FunctionDef):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        suites.append((stmt.body, node.body))
    elif isinstance(stmt, cst.ClassDef):
        if not isinstance(node, ast.ClassDef):
            return False
        suites.append((stmt.body, node.body))
    elif isinstance(stmt, cst.Match):
        if not isinstance(node, getattr(ast, "Match", ())) or len(stmt.cases) != len(node.cases):
            return False
        suites.extend((case.body, ast_case.body) for case, ast_case in zip(stmt.cases, node.cases))
    else:
        return False
    if not elif_:
        place[id(stmt)] = (node.lineno, indents, None)
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        line = _decorated_from(node, lines)
        if line is not None:
            first[id(stmt)] = line
    if isinstance(stmt, cst.Match):  # its `case` lines are indented by the match itself
        indents = indents + (default_indent if stmt.indent is None else stmt.indent,)
    for suite, tree_body in suites:
        if isinstance(suite, cst.IndentedBlock):
            inner = indents + (default_indent if suite.indent is None else suite.indent,)
            if not _places(suite.body, tree_body, inner, default_indent, place, first, lines):
                return False
        elif len(suite.body) != len(tree_body):  # `if x: a; b`: small statements, no lines of their own
            return False
    return True


def _decorated_from(node, lines: list[str]) -> int | None:
    """The line of a definition's first ``@`` (its ``def`` or ``class`` line without one), or
    ``None`` when the ``ast`` does not show it: a decorator whose ``@`` is not alone before it on
    its line (``@(\n  deco)``)."""
    if not node.decorator_list:
        return node.lineno
    dec = node.decorator_list[0]
    if dec.lineno > len(lines):
        return None
    before = lines[dec.lineno - 1].encode("utf-8")[:dec.col_offset]  # ast's columns count bytes
    return dec.lineno if before.strip() == b"@" else None


def _generate(node: cst.CSTNode, module: cst.Module, indents: tuple[str, ...]):
    """``PositionProvider``'s positions of every node of ``node``, its code generated as in
    ``module`` inside blocks indented by ``indents``, and the number of lines generated: the
    provider's own code generation, run directly (a ``MetadataWrapper`` also walks the whole tree
    for the providers it could batch, which costs as much again); the wrapper, on the whole
    module, when libcst's internals differ."""
    try:
        provider = PositionProvider()
        state = PositionProvidingCodegenState(default_indent=module.default_indent,
                                              default_newline=module.default_newline, provider=provider)
        state.indent_tokens = list(indents)
        node._codegen(state)
        return provider._computed, state.line
    except (AttributeError, TypeError):  # another libcst: its public way
        whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        return whole, whole[module].end.line
