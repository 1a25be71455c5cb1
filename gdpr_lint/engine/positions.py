"""Line and column of nodes, paid for only where a finding or a field needs them.

libcst's ``PositionProvider`` regenerates the code of the whole module to find positions, which
costs a large share of a parse.  Findings sit in a few top-level statements, so this computes
positions for just those: each statement is wrapped in a module of its own (same newline and
indent settings, so the same text), resolved there, and shifted by the statement's first line,
which Python's ``ast`` gives for every top-level statement at a fraction of the cost.  When the
two parsers do not agree on the top-level statements (they always should), the whole module is
resolved as before.
"""

from __future__ import annotations

import ast

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from gdpr_lint.engine.tree import children

#: statements resolved one by one before the whole module is (each costs a few milliseconds of
#: set-up; a module with findings in most of its statements is cheaper in one pass)
_STATEMENTS_ALONE = 16


class Positions:
    """``get(node)`` -> :class:`~libcst.metadata.CodeRange` (1-based lines, 0-based columns) or ``None``.

    Same answers as ``MetadataWrapper(module).resolve(PositionProvider)`` (a test checks every
    node of real files), computed per top-level statement on first use.
    """

    def __init__(self, module: cst.Module, source: str, lines: list[int] | None = None) -> None:
        self.module = module
        self.source = source
        #: the line each line of ``source`` has in its file, when it is a part of a bigger module
        #: (:mod:`gdpr_lint.files.parts`): positions are given in the file's lines
        self.lines = lines
        self._starts: list[int] | None = None  # first line of each top-level statement
        self._statement_of: dict[int, int] | None = None  # id(node) -> index of its top-level statement
        self._resolved: dict[int, object] = {}  # statement index -> its positions
        self._whole = None

    def get(self, node: cst.CSTNode) -> CodeRange | None:
        pos = self._get(node)
        if pos is None or self.lines is None:
            return pos
        last = len(self.lines)
        return CodeRange(CodePosition(self.lines[min(pos.start.line, last) - 1], pos.start.column),
                         CodePosition(self.lines[min(pos.end.line, last) - 1], pos.end.column))

    def _get(self, node: cst.CSTNode) -> CodeRange | None:
        if self._whole is not None:
            return self._whole.get(node)
        if self._statement_of is None and not self._index():
            return self._resolve_whole().get(node)
        index = self._statement_of.get(id(node))
        if index is None:
            return self._resolve_whole().get(node) if node is self.module else None
        if index not in self._resolved and len(self._resolved) >= _STATEMENTS_ALONE:
            return self._resolve_whole().get(node)  # findings all over the module: one pass for all
        positions, shift = self._statement(index)
        pos = positions.get(node)
        if pos is None:
            return None
        if not shift:
            return pos
        return CodeRange(CodePosition(pos.start.line + shift, pos.start.column),
                         CodePosition(pos.end.line + shift, pos.end.column))

    def _index(self) -> bool:
        try:
            tree = ast.parse(self.source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        starts: list[int] = []
        for stmt in tree.body:
            if not starts or stmt.lineno != starts[-1]:  # `a = 1; b = 2` is one libcst statement
                starts.append(stmt.lineno)
        if len(starts) != len(self.module.body):
            return False
        self._starts = starts
        owner: dict[int, int] = {}
        for index, stmt in enumerate(self.module.body):
            stack: list[cst.CSTNode] = [stmt]
            while stack:
                cur = stack.pop()
                owner[id(cur)] = index
                stack.extend(children(cur))
        self._statement_of = owner
        return True

    def _statement(self, index: int):
        found = self._resolved.get(index)
        if found is None:
            stmt = self.module.body[index]
            alone = self.module.with_changes(body=[stmt], header=[], footer=[])
            positions = _resolve(alone)
            found = (positions, self._starts[index] - positions[stmt].start.line)
            self._resolved[index] = found
        return found

    def _resolve_whole(self):
        if self._whole is None:
            self._whole = _resolve(self.module)
        return self._whole


def _resolve(module: cst.Module):
    """``PositionProvider``'s positions of every node of ``module``: the provider's own code
    generation, run directly (a ``MetadataWrapper`` also walks the whole tree for the providers
    it could batch, which costs as much again); the wrapper when libcst's internals differ."""
    try:
        provider = PositionProvider()
        state = PositionProvidingCodegenState(default_indent=module.default_indent,
                                              default_newline=module.default_newline, provider=provider)
        module._codegen(state)
        return provider._computed
    except (AttributeError, TypeError):  # another libcst: its public way
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
