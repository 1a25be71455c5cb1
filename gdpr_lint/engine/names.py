"""Name resolution through libcst's ``QualifiedNameProvider`` (aliases and imports resolved)."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import QualifiedName
from libcst.metadata.base_provider import LazyValue


def dotted(node: cst.CSTNode) -> str:
    """The dotted text of a Name/Attribute chain (``self.client.post``), else ``""``."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return ""


def last_name(node: cst.CSTNode) -> str:
    """The last identifier of a Name/Attribute (``post`` for ``self.client.post``), else ``""``."""
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Name):
        return node.value
    return ""


def string_value(node: cst.CSTNode) -> str | None:
    """The value of a plain string literal (concatenations of literals included), else ``None``."""
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - libcst raises several types for odd literals
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return left + right if left is not None and right is not None else None
    return None


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
