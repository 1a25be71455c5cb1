"""Which test code is production code: what production code imports runs in production.

The data rules skip test code (``rules/scope.yaml`` ``test_code``: ``tests/``, ``test_*.py``,
``factories.py`` ...), which holds made-up people.  A module those patterns match that a production
module imports (``from shop.factories import notify`` in ``shop/api.py``) runs in production all the
same, and so does what it imports in turn: it is analysed like any other module.  Test code that
only other test code imports stays skipped.

Decided from the imports the survey records for every file (``imports`` in the file facts,
:func:`gdpr_lint.survey.classes.imported_modules`): no file is parsed again to decide it.
"""

from __future__ import annotations


def module_names(modname: str, shown: str) -> set[str]:
    """The dotted names a file can be imported by: its module name from the package folders
    (``__init__.py``), and the one its path relative to the scan root gives (a folder without an
    ``__init__.py``, a namespace package, is imported by its path all the same)."""
    names = {modname} if modname else set()
    if shown.endswith(".py") and not shown.startswith(("/", "../")) and ":" not in shown:
        parts = shown[:-3].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(p.isidentifier() for p in parts):
            names.add(".".join(parts))
    return names


def _with_packages(name: str) -> set[str]:
    """``a.b.c`` and the packages an import of it runs: ``a.b``, ``a`` (``from a.b import c``
    imports ``a.b``, whether ``c`` is a module or a name in it)."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def imported_test_code(imports: dict[int, list[str]], test_names: dict[int, set[str]]) -> set[int]:
    """The test files that production code imports, directly or through other such files.

    Args:
        imports: what each production file imports (file index -> dotted names).
        test_names: the names each test file can be imported by (file index -> :func:`module_names`).

    Returns:
        The indexes of the test files that are production code.  Their own imports count only once
        they are production code: pass them in ``imports`` and call again (what :func:`promote` does).
    """
    by_name: dict[str, list[int]] = {}
    for index, names in test_names.items():
        for name in names:
            by_name.setdefault(name, []).append(index)
    found: set[int] = set()
    for names in imports.values():
        for name in names:
            for candidate in _with_packages(name):
                found.update(by_name.get(candidate, ()))
    return found


def promote(production: dict[int, list[str]], test_names: dict[int, set[str]], imports_of) -> set[int]:
    """:func:`imported_test_code` to its closure: a test file production imports is production, and
    so is what it imports.  ``imports_of(indexes)`` gives the imports of newly promoted files
    (``{index: names}``): the caller surveys them as production code then.  Deterministic, and it
    reads each file's imports once."""
    promoted: set[int] = set()
    frontier = production
    while frontier:
        new = imported_test_code(frontier, {i: n for i, n in test_names.items() if i not in promoted})
        if not new:
            break
        promoted |= new
        frontier = imports_of(sorted(new))
    return promoted
