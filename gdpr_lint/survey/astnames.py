"""Dotted and last names of :mod:`ast` expressions, as the survey's readers spell them, and the
fields of a node that hold its children."""

from __future__ import annotations

import ast
from collections import deque


def dotted(node: ast.AST, partial: bool = False) -> str:
    """``a.b.c`` for an attribute chain on a name; ``""`` for any other expression, or with
    ``partial`` the attributes that follow it (``get_logger().error`` gives ``error``)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif not partial:
        return ""
    return ".".join(reversed(parts))


def last_name(node: ast.AST) -> str:
    """The last name of a name or attribute (``info`` of ``log.info``), or ``""``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def bind_import(aliases: dict[str, str], stmt: ast.Import) -> None:
    """Add what an ``import`` statement binds to ``aliases`` (local name -> module):
    ``import a.b as c`` binds ``c`` to ``a.b``; ``import a.b`` binds ``a``, unless bound before."""
    for alias in stmt.names:
        if alias.asname:
            aliases[alias.asname] = alias.name
        else:
            head = alias.name.split(".")[0]
            aliases.setdefault(head, head)


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
#: nodes with no child node but the ``ctx`` of a name: names, constants and operators (a walk that
#: reads none of them need not visit them)
LEAVES = frozenset({ast.Name, ast.Constant, *(c for base in (ast.operator, ast.boolop, ast.cmpop, ast.unaryop,
                                                              ast.expr_context) for c in base.__subclasses__())})


def child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node type that may hold child nodes, without ``ctx`` (the ``Load`` or
    ``Store`` of every name, which no reader looks at): for walks that inline
    ``ast.iter_child_nodes``."""
    found = _CHILD_FIELDS.get(kind)
    if found is None:
        found = _CHILD_FIELDS[kind] = tuple(name for name in kind._fields if name != "ctx")
    return found


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
_BLOCK_FIELDS: dict[type, tuple[str, ...]] = {}


def block_fields(kind: type) -> tuple[str, ...]:
    """The fields of a statement type that hold statements (``ExceptHandler``s and ``case``s too;
    none for a simple statement): for walks of statements that skip expressions."""
    found = _BLOCK_FIELDS.get(kind)
    if found is None:
        found = _BLOCK_FIELDS[kind] = tuple(name for name in _BLOCKS if name in kind._fields)
    return found


def imports_anywhere(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The import statements of a module, at its top and in any block or definition (statements
    only: an expression holds none), read once for the survey's readers of imports (kept on the
    tree)."""
    found = tree.__dict__.get("_imports_anywhere")
    if found is None:
        found = []
        stack: list = list(tree.body)
        while stack:
            stmt = stack.pop()
            kind = type(stmt)
            if kind is ast.Import or kind is ast.ImportFrom:
                found.append(stmt)
            else:
                for name in block_fields(kind):
                    stack.extend(getattr(stmt, name))
        tree.__dict__["_imports_anywhere"] = found
    return found


def string_statements(tree: ast.Module) -> list[tuple[int, int]]:
    """The statements that are a string alone (docstrings, and strings written as comments), as
    ``(first, last)`` 0-based line indexes: an ``Expr`` of a ``str`` constant (not an f-string,
    whose fields are code), by a walk of the statements alone."""
    out: list[tuple[int, int]] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Expr:
            value = node.value
            if type(value) is ast.Constant and type(value.value) is str:
                out.append((node.lineno - 1, node.end_lineno - 1))
            continue
        for name in block_fields(kind):
            stack.extend(getattr(node, name))
    return out


def walk(node: ast.AST):
    """Every node under ``node`` (itself first), in ``ast.walk``'s order, without the ``ctx`` of
    names: what ``ast.walk`` gives, at about half the cost (no generator per node and field)."""
    todo = deque([node])
    pop, extend, append, AST = todo.popleft, todo.extend, todo.append, ast.AST
    while todo:
        node = pop()
        for name in child_fields(type(node)):
            value = getattr(node, name, None)
            if type(value) is list:
                extend(v for v in value if isinstance(v, AST))
            elif isinstance(value, AST):
                append(value)
        yield node


def walk_inner(node: ast.AST):
    """:func:`walk` without the :data:`LEAVES` (names, constants, operators): the other nodes, in
    the same order, for a reader that looks for none of those."""
    todo = deque([node])
    pop, append = todo.popleft, todo.append
    while todo:
        node = pop()
        push_inner_children(node, append)
        yield node


def push_inner_children(node: ast.AST, push, AST=ast.AST, leaves=LEAVES) -> None:
    """``push`` each child node of ``node`` but the :data:`LEAVES`, in ``ast.iter_child_nodes``'s
    order (inlined, without the ``ctx`` of names)."""
    for name in child_fields(type(node)):
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, AST) and type(item) not in leaves:
                    push(item)
        elif isinstance(value, AST) and type(value) not in leaves:
            push(value)


def assigns_and_calls(fn: ast.AST) -> tuple[list[ast.Assign], list[ast.Call]]:
    """The assignments and the calls under ``fn`` (a function), each in :func:`walk`'s order: one
    walk shared by the readers of a function's flows (:mod:`~gdpr_lint.survey.summaries`,
    :mod:`~gdpr_lint.survey.incoming`), kept on the node for the next to ask."""
    found = fn.__dict__.get("_assigns_and_calls")
    if found is None:
        assigns: list[ast.Assign] = []
        calls: list[ast.Call] = []
        Assign, Call = ast.Assign, ast.Call
        for node in walk_inner(fn):  # (neither is a leaf: the same order as walk's)
            kind = type(node)
            if kind is Call:
                calls.append(node)
            elif kind is Assign:
                assigns.append(node)
        found = fn.__dict__["_assigns_and_calls"] = (assigns, calls)
    return found
