"""Which test code is production code: what production code imports runs in production.

The data rules skip test code (``rules/scope.yaml`` ``test_code``: ``tests/``, ``test_*.py``,
``factories.py`` ...), which holds made-up people.  A module those patterns match that a production
module imports (``from shop.factories import notify`` in ``shop/api.py``) runs in production all the
same, and so does what it imports in turn: it is analysed like any other module.  Test code that
only other test code imports stays skipped.

Decided from the imports the survey records for every file (``imports`` in the file facts,
:func:`gdpr_lint.survey.classes.imported_modules`, with ``importlib.import_module("a.b")`` and
``__import__("a.b")`` of a literal name), and from the dotted strings it records (``dotted``,
:func:`gdpr_lint.survey.classes.dotted_strings`): a string that names a module of the tree, or a
module and a name in it, is a module some framework imports (Django's
``MIDDLEWARE = ["shop.testing.middleware.AuditMiddleware"]``, a dictConfig ``"()"``).  A name that
no file of the tree has is looked for on the file system, through symbolic links, inside the
scanned folder (:class:`Modules`): ``shop/ext -> ../tests/pkg`` makes ``shop.ext.notify`` the file
``tests/pkg/notify.py``.  No file is parsed again to decide it.
"""

from __future__ import annotations

import os


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


class Modules:
    """The files of the scanned tree by the names they can be imported by, and by where they are
    on the file system, for a name no file has: an import through a symbolic link to a folder
    (``shop/ext -> ../tests/pkg``: ``shop.ext.notify`` is ``tests/pkg/notify.py``).

    Args:
        files: file index -> (its path, the names it can be imported by: :func:`module_names`).
        tests: the indexes of the test files (the only ones :meth:`locate` returns).
        root: the scanned folder: a link that leads out of it leads nowhere.
    """

    def __init__(self, files: dict[int, tuple[str, set[str]]], tests, root: str) -> None:
        self.known: set[str] = set()
        self.folders: dict[str, str] = {}  # package name -> its folder
        self._tests: list[tuple[int, str]] = []
        self._real: dict[str, int] | None = None  # the real path of a test file -> its index, once needed
        #: what the file system said: each path looked at -> its real path ("" when it did not
        #: exist), for a later scan to check before it reuses what was found (:func:`still_holds`)
        root = os.path.abspath(root)
        self.probes: dict[str, str] = {root: os.path.realpath(root)}
        self.root = self.probes[root]
        self._found: dict[str, int | None] = {}
        for index in sorted(files):
            path, names = files[index]
            full = os.path.abspath(path)
            for name in sorted(names):
                self.known.add(name)
                parts = name.split(".")
                if os.path.basename(full) != "__init__.py":
                    parts = parts[:-1]
                folder = os.path.dirname(full)
                while parts:
                    self.folders.setdefault(".".join(parts), folder)
                    parts, folder = parts[:-1], os.path.dirname(folder)
            if index in tests:
                self._tests.append((index, full))

    @property
    def real(self) -> dict[str, int]:
        if self._real is None:
            self._real = {}
            for index, full in self._tests:
                real = self.probes[full] = os.path.realpath(full)
                self._real.setdefault(real, index)
        return self._real

    def locate(self, name: str) -> int | None:
        """The test file a module name no file has leads to on the file system: the file the
        name gives under the folder of its longest known package, followed through symbolic links,
        when it is a test file inside the scanned folder."""
        if name in self.known or "." not in name or not self._tests:
            return None
        if name not in self._found:
            self._found[name] = None
            parts = name.split(".")
            for k in range(len(parts) - 1, 0, -1):
                folder = self.folders.get(".".join(parts[:k]))
                if folder is None:
                    continue
                base = os.path.join(folder, *parts[k:])
                for candidate in (base + ".py", os.path.join(base, "__init__.py")):
                    if not os.path.exists(candidate):  # one stat: most such names are a class or a function
                        self.probes[candidate] = ""
                        continue
                    real = self.probes[candidate] = os.path.realpath(candidate)
                    if real in self.real and real.startswith(self.root + os.sep):
                        self._found[name] = self.real[real]
                        break
                break  # only under the longest package the tree knows
        return self._found[name]

    def named(self, strings) -> list[str]:
        """The modules dotted strings name: a string that is a module's name, or (with a dot in the
        module's own name) a module's name and one name in it (``shop.testing.middleware.Audit``).
        ``tests.py`` or ``conftest.py`` (a file name) is not ``tests`` or ``conftest``."""
        out = []
        for text in strings:
            parent = text.rpartition(".")[0]
            for name in (text, parent) if "." in parent else (text,):
                if name in self.known or self.locate(name) is not None:
                    out.append(name)
                    break
        return out


def still_holds(probes: dict[str, str]) -> bool:
    """Whether the file system still says what :attr:`Modules.probes` recorded: the same real
    path for each path that existed, and nothing at each path that did not.  A symbolic link
    re-pointed in a folder no scan walks (one excluded or ignored, or outside the tree) changes
    which test code production code imports without changing any file the scan reads."""
    for path, real in probes.items():
        if (os.path.realpath(path) if os.path.exists(path) else "") != real:
            return False
    return True


def imported_test_code(imports: dict[int, list[str]], test_names: dict[int, set[str]],
                       modules: Modules | None = None) -> set[int]:
    """The test files that production code imports, directly or through other such files.

    Args:
        imports: what each production file imports (file index -> dotted names).
        test_names: the names each test file can be imported by (file index -> :func:`module_names`).
        modules: the tree's files, to find on the file system a module that no file has the name of.

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
                index = modules.locate(candidate) if modules is not None else None
                if index is not None and index in test_names:
                    found.add(index)
    return found


def promote(production: dict[int, list[str]], test_names: dict[int, set[str]], imports_of,
            modules: Modules | None = None) -> set[int]:
    """:func:`imported_test_code` to its closure: a test file production imports is production, and
    so is what it imports.  ``imports_of(indexes)`` gives the imports of newly promoted files
    (``{index: names}``): the caller surveys them as production code then.  Deterministic, and it
    reads each file's imports once."""
    promoted: set[int] = set()
    frontier = production
    while frontier:
        new = imported_test_code(frontier, {i: n for i, n in test_names.items() if i not in promoted}, modules)
        if not new:
            break
        promoted |= new
        frontier = imports_of(sorted(new))
    return promoted
