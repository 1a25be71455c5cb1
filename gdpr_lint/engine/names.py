"""Name resolution through libcst's ``QualifiedNameProvider`` (aliases and imports resolved)."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping

import libcst as cst
from libcst.metadata import QualifiedName
from libcst.metadata.base_provider import LazyValue

from gdpr_lint.engine.tree import import_statements


def dotted(node: cst.CSTNode) -> str:
    """The dotted text of a Name/Attribute chain (``self.client.post``), else ``""``."""
    parts: list[str] = []
    while type(node) is cst.Attribute:  # (`type() is`: libcst's classes are ABCs, whose isinstance is slow)
        parts.append(node.attr.value)
        node = node.value
    if type(node) is cst.Name:
        parts.append(node.value)
        return ".".join(reversed(parts))
    return ""


def last_name(node: cst.CSTNode) -> str:
    """The last identifier of a Name/Attribute (``post`` for ``self.client.post``), else ``""``."""
    kind = type(node)
    if kind is cst.Attribute:
        return node.attr.value
    if kind is cst.Name:
        return node.value
    return ""


def joined(node: cst.CSTNode, plus: bool = False) -> list[cst.CSTNode]:
    """The pieces of implicitly joined literals (``"a" f"{b}" "c"``), and with ``plus`` of a chain
    of ``+`` too, in source order; ``[node]`` for anything else.  Read in a loop: libcst nests each
    joined literal in the next (3,000 of them in a row) and each ``+`` in the one after it."""
    out: list[cst.CSTNode] = []
    todo = [node]
    while todo:
        cur = todo.pop()
        if type(cur) is cst.ConcatenatedString or (plus and type(cur) is cst.BinaryOperation
                                                   and type(cur.operator) is cst.Add):
            todo += [cur.right, cur.left]
        else:
            out.append(cur)
    return out


def string_value(node: cst.CSTNode) -> str | None:
    """The value of a plain string literal (concatenations of literals included), else ``None``."""
    out: list[str] = []
    for cur in joined(node):
        if type(cur) is not cst.SimpleString:
            return None
        try:
            value = cur.evaluated_value
        except Exception:  # noqa: BLE001 - libcst raises several types for odd literals
            return None
        if not isinstance(value, str):
            return None
        out.append(value)
    return "".join(out)


class Resolver:
    """Answers "what does this name refer to" for one module.

    Args:
        qualified: the resolved ``QualifiedNameProvider`` mapping of the module.
    """

    def __init__(self, qualified: Mapping[cst.CSTNode, frozenset[QualifiedName]] | Mapping) -> None:
        self._qualified = qualified

    def qnames(self, node: cst.CSTNode) -> tuple[str, ...]:
        """Qualified names of a Name/Attribute, e.g. ``lg.getLogger`` -> ``("logging.getLogger",)``.

        Unresolvable nodes give the dotted text, so local names still compare.  Names such as
        ``builtins.print`` are returned both with and without the ``builtins.`` prefix.
        """
        found = self._get(node)
        out: list[str] = []
        if found:
            for q in found:
                name = q.name.replace(".<locals>.", ".")
                out.append(name)
                if name.startswith("builtins."):
                    out.append(name[9:])
        text = dotted(node)
        if text and text not in out:
            out.append(text)
        return tuple(out)

    def imported(self, node: cst.CSTNode) -> bool:
        """Whether the name comes from an import (so its qualified name is meaningful)."""
        from libcst.metadata import QualifiedNameSource

        return any(q.source is QualifiedNameSource.IMPORT for q in self._get(node))

    def _get(self, node: cst.CSTNode):
        found = self._qualified.get(node)
        if isinstance(found, LazyValue):  # libcst resolves qualified names lazily, per node
            found = found()
        return found or ()


BUILTINS = frozenset({"print", "open", "len", "str", "repr", "int", "float", "bool", "list", "dict", "tuple", "set",
                      "frozenset", "sorted", "reversed", "format", "vars", "getattr", "zip", "enumerate", "next",
                      "iter", "id", "hash", "isinstance", "type", "callable", "hasattr", "abs", "round", "sum", "min",
                      "max", "any", "all", "ord"})


class ImportResolver:
    """Qualified names from the module's import statements: ``import logging as lg`` makes
    ``lg.getLogger`` resolve to ``logging.getLogger``.

    A single pass over the import statements instead of libcst's scope analysis, which costs
    several times the parse (DESIGN.md: ``ScopeProvider`` + ``QualifiedNameProvider`` 136 s on
    Django's package against 17 s to parse it).  Names bound by imports anywhere in the module
    count (a function-level import as well); a local variable that shadows an import is rare
    in practice and is the price of the speed.  Relative imports keep their leading dots, as
    libcst's provider does.
    """

    def __init__(self, module: cst.Module) -> None:
        self.aliases: dict[str, str] = {}
        for cur in import_statements(module):
            if isinstance(cur, cst.Import):
                for alias in cur.names:
                    full = dotted(alias.name)
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        self.aliases[alias.asname.name.value] = full
                    else:
                        head = full.split(".")[0]
                        self.aliases.setdefault(head, head)
            else:
                base = "." * len(cur.relative) + (dotted(cur.module) if cur.module is not None else "")
                if isinstance(cur.names, cst.ImportStar):
                    continue
                for alias in cur.names:
                    name = dotted(alias.name)
                    local = alias.asname.name.value if alias.asname is not None and isinstance(
                        alias.asname.name, cst.Name) else name
                    sep = "" if base.endswith(".") or not base else "."
                    self.aliases[local] = f"{base}{sep}{name}"

    def qnames(self, node: cst.CSTNode) -> tuple[str, ...]:
        """Qualified names of a Name/Attribute, plus its dotted text for local names."""
        text = dotted(node)
        return qualified(text, self.aliases) if text else ()

    def imported(self, node: cst.CSTNode) -> bool:
        """Whether a Name/Attribute starts with a name an import binds (so its qualified name is
        meaningful: ``stripe.Charge`` after ``import stripe``, not a local ``stripe``)."""
        text = dotted(node)
        return bool(text) and text.partition(".")[0] in self.aliases


def qualified(text: str, aliases: dict[str, str]) -> tuple[str, ...]:
    """The qualified names of a dotted name as written (``lg.getLogger``) through a module's
    import ``aliases``, with the text itself for a local name, and ``builtins.`` for a builtin."""
    head, _, rest = text.partition(".")
    target = aliases.get(head)
    if target is not None:
        full = target + (f".{rest}" if rest else "")
        return (full,) if full == text else (full, text)
    if head in BUILTINS and not rest:
        return (f"builtins.{text}", text)
    return (text,)


_IMPORT_LINE = re.compile(r"[ \t]*(?:import|from)[ \t]")


def import_aliases(source: str) -> dict[str, str]:
    """:class:`ImportResolver`'s aliases read from a whole module's text (every ``import`` and
    ``from ... import`` statement that starts a line, in functions too, in source order, each
    parsed alone by Python's parser), for a module libcst reads only in part
    (:mod:`gdpr_lint.engine.focus`): the imports of the functions left out still bind what the
    rest names (``def main(): import argparse`` makes the module a command-line program)."""
    if _LAST_ALIASES[0] is source:  # (a module read in parts asks once per part)
        return dict(_LAST_ALIASES[1])
    aliases = _import_aliases(source)
    _LAST_ALIASES[:] = [source, aliases]
    return dict(aliases)


_LAST_ALIASES: list = [None, {}]


def _import_aliases(source: str) -> dict[str, str]:
    from gdpr_lint.files.parts import masked_lines
    from gdpr_lint.files.source import python_lines
    from gdpr_lint.survey.astnames import bind_import

    lines = python_lines(source)
    masked = masked_lines(source)
    aliases: dict[str, str] = {}
    n = 0
    while n < len(masked):
        if not _IMPORT_LINE.match(masked[n]):
            n += 1
            continue
        indent = len(lines[n]) - len(lines[n].lstrip(" \t"))
        tree = None
        for end in range(n, min(n + _IMPORT_LINES, len(lines))):  # (a parenthesised list, a backslash)
            try:
                tree = ast.parse("\n".join(line[indent:] if not line[:indent].strip() else line.lstrip()
                                           for line in lines[n:end + 1]))
                break
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
        if tree is None:
            n += 1
            continue
        for stmt in tree.body:
            if type(stmt) is ast.Import:
                bind_import(aliases, stmt)
            elif type(stmt) is ast.ImportFrom:
                base = "." * stmt.level + (stmt.module or "")
                sep = "" if base.endswith(".") or not base else "."
                for alias in stmt.names:
                    if alias.name != "*":
                        aliases[alias.asname or alias.name] = f"{base}{sep}{alias.name}"
        n = end + 1
    return aliases


_IMPORT_LINES = 200  # the lines one import statement may span
