"""Dotted and last names of :mod:`ast` expressions, as the survey's readers spell them."""

from __future__ import annotations

import ast


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
