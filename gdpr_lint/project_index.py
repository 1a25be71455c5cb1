"""Cross-module facts: which classes of the scanned tree are schema bases (Django abstract models,
Pydantic base models, marshmallow base schemas ...) so subclasses in other modules are recognised.

Built with :mod:`ast` (about ten times faster than libcst, and only class headers and imports are
needed); a file ``ast`` cannot parse simply contributes nothing.  The result maps a class's
qualified name (``shop.base.TimestampedModel``) to ``(framework, storage)``.
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

from gdpr_lint.frameworks import Frameworks


def _dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Subscript):  # Generic[T], Model[...]
        return _dotted(node.value)
    return ""


def _module_classes(tree: ast.Module, module: str, is_package: bool):
    """``(class qualified name, [base qualified names], table=True?)`` for top-level classes."""
    aliases: dict[str, str] = {}
    package = module if is_package else module.rpartition(".")[0]
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(stmt, ast.ImportFrom):
            base = stmt.module or ""
            if stmt.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (stmt.level - 1)] if stmt.level > 1 else parts
                base = ".".join(p for p in (*parts, base) if p)
            for a in stmt.names:
                aliases[a.asname or a.name] = f"{base}.{a.name}" if base else a.name
    local = {stmt.name for stmt in tree.body if isinstance(stmt, ast.ClassDef)}
    for stmt in tree.body:
        if not isinstance(stmt, ast.ClassDef):
            continue
        bases = []
        for b in stmt.bases:
            text = _dotted(b)
            if not text:
                continue
            head, _, rest = text.partition(".")
            if head in aliases:
                text = aliases[head] + (f".{rest}" if rest else "")
            elif head in local:
                text = f"{module}.{text}"
            bases.append(text)
        table = any(k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in stmt.keywords)
        yield f"{module}.{stmt.name}", stmt.name, bases, table


def file_classes(text: str, module: str, is_package: bool) -> list[tuple[str, str, list[str], bool]]:
    """The class headers of one file: ``(qualified name, name, base qualified names, table=True)``.

    Empty when ``ast`` cannot parse the file.  Cached by content in the scan's results cache.
    """
    if "class " not in text:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return tree_classes(tree, module, is_package)


def tree_classes(tree: ast.Module, module: str, is_package: bool) -> list[tuple[str, str, list[str], bool]]:
    """:func:`file_classes` for a file already parsed with ``ast``."""
    return list(_module_classes(tree, module, is_package))


def resolve_index(headers: list[tuple[str, str, list[str], bool]], frameworks: Frameworks
                  ) -> dict[str, tuple[str, bool]]:
    """Schema classes by qualified name, from every file's class headers, to a fixed point.

    ``frameworks`` is the policy's :class:`~gdpr_lint.frameworks.Frameworks`.
    """
    classes = {qual: (name, bases, table) for qual, name, bases, table in headers}
    found: dict[str, tuple[str, bool]] = {}
    changed = True
    while changed:
        changed = False
        for qual, (name, bases, table) in classes.items():
            if qual in found or frameworks.is_config_class(name) or any(frameworks.is_config_base(b) for b in bases):
                continue
            for b in bases:
                kind = frameworks.of_base(b, table) or found.get(b)
                if kind is not None:
                    found[qual] = kind
                    changed = True
                    break
    return found


def build_index(files: list[tuple[Path, str]], frameworks: Frameworks) -> dict[str, tuple[str, bool]]:
    """Schema classes of the scanned tree by qualified name (see :func:`resolve_index`).

    Args:
        files: ``(path, dotted module name)`` pairs; unreadable files contribute nothing.
    """
    headers: list[tuple[str, str, list[str], bool]] = []
    for path, module in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        headers += file_classes(text, module, path.name == "__init__.py")
    return resolve_index(headers, frameworks)


def index_digest(index: dict[str, tuple[str, bool]]) -> str:
    """A short hash of the index, part of the cache key (a changed base class invalidates users)."""
    return hashlib.sha256(json.dumps(sorted(index.items())).encode()).hexdigest()[:16]
