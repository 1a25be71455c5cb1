"""Which files a scan reads: ``.py`` files and dependency manifests under the given paths.

Folders are walked once, skipping the default excludes (``.git/``, ``.venv/``, ``build/`` ...),
cache folders (those holding a ``CACHEDIR.TAG``, as gdpr-lint's own cache does), the folder's
``.gitignore`` (matched with pathspec's gitignore semantics) and the config's
``exclude`` patterns.  :func:`discover_tree` also returns a :class:`Tree` snapshot that lets the
next scan skip the walk when no folder has changed (see its docstring).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from gdpr_lint.errors import UsageError
from gdpr_lint.manifests import is_manifest

DEFAULT_EXCLUDES = [".git/", ".hg/", ".svn/", ".venv/", "venv/", ".tox/", ".nox/", "node_modules/", "__pycache__/",
                    ".mypy_cache/", ".pytest_cache/", "build/", "dist/", "site-packages/", ".eggs/", "*.egg-info/",
                    ".gdpr-lint-cache/"]
_DEFAULT_DIRS = frozenset(p.rstrip("/") for p in DEFAULT_EXCLUDES if "*" not in p)
_DEFAULT_DIR_SUFFIXES = tuple(p.rstrip("/").lstrip("*") for p in DEFAULT_EXCLUDES if p.startswith("*"))
CACHE_TAG = "CACHEDIR.TAG"  # https://bford.info/cachedir/: folders holding one are caches, not source
RACY_NS = 2_000_000_000  # a folder changed this recently may change again within its clock's resolution


def _gitignore_lines(folder: Path) -> list[str]:
    p = folder / ".gitignore"
    if p.is_file():
        try:
            return p.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            pass
    return []


def _gitignore_spec(folder: Path):
    """The folder's ``.gitignore`` as a ``pathspec.GitIgnoreSpec``, or ``None``."""
    patterns = _gitignore_lines(folder)
    if not patterns:
        return None
    import pathspec  # only when there is something to match (a walk skipped by the snapshot needs none)

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def discover(paths: list[Path], excludes: list[str], root: Path) -> list[Path]:
    """The ``.py`` files under ``paths``, minus ``.gitignore`` matches and configured excludes.

    A file named explicitly is always included unless the config's ``exclude`` matches it (the
    default excludes such as ``build/`` only apply to what is found by walking a folder).  Raises
    :class:`~gdpr_lint.errors.UsageError` for a path that does not exist.
    """
    return discover_all(paths, excludes, root)[0]


def discover_manifests(paths: list[Path], excludes: list[str], root: Path) -> list[Path]:
    """Dependency manifests (``requirements*.txt``, ``pyproject.toml``) under ``paths``."""
    return discover_all(paths, excludes, root)[1]


def discover_all(paths: list[Path], excludes: list[str], root: Path,
                 folders: dict[str, tuple[int, int, int]] | None = None) -> tuple[list[Path], list[Path]]:
    """``(python files, dependency manifests)`` under ``paths``, in one walk of the tree.

    ``folders``, when given, receives the stamp (:func:`_stamp`) of every folder walked, taken
    after the folder was listed.

    Raises:
        UsageError: a path that does not exist.
    """
    user_spec = None
    if excludes:
        import pathspec

        user_spec = pathspec.GitIgnoreSpec.from_lines(list(excludes))
    python: list[Path] = []
    manifests: list[Path] = []
    seen: set[Path] = set()

    def add(full: Path, to: list[Path]) -> None:
        if full not in seen:
            seen.add(full)
            to.append(full)

    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"path does not exist: {path}")
        if path.is_file() or (path.is_symlink() and not path.exists()):
            # a file named on the command line is checked whatever its name (a script without .py)
            # or folder (`build/x.py`): only the configured excludes apply to it
            if not (user_spec and user_spec.match_file(_rel(path, root))):
                add(path, manifests if is_manifest(path.name) and not path.name.endswith(".py") else python)
            continue
        ignore = _gitignore_spec(path) or _gitignore_spec(root)
        top = _rel(path, root)  # resolved once; paths below are joined as text (a stat per file is slow)
        prefix = "" if top in ("", ".") else top.rstrip("/") + "/"

        def excluded(rel_local: str, name: str, is_dir: bool) -> bool:
            # the default excludes are folder names (".git/", "*.egg-info/"): a set lookup, no pathspec
            if is_dir and (name in _DEFAULT_DIRS or name.endswith(_DEFAULT_DIR_SUFFIXES)):
                return True
            return bool((user_spec and (user_spec.match_file(rel_local) or (
                prefix and user_spec.match_file(prefix + rel_local)))) or (ignore and ignore.match_file(rel_local)))

        base = os.fspath(path)
        for dirpath, dirnames, filenames in os.walk(base):
            if CACHE_TAG in filenames and dirpath != base:  # a cache folder (ours among them): skipped
                dirnames[:] = []
                continue
            if folders is not None:
                folders[dirpath] = _stamp(dirpath)
            local = dirpath[len(base):].lstrip(os.sep)  # os.walk's folders all start with `base`
            here = local.replace(os.sep, "/") + "/" if local else ""
            dirnames[:] = [d for d in sorted(dirnames) if not excluded(f"{here}{d}/", d, True)]
            for name in sorted(filenames):
                if name.endswith(".py"):
                    if not excluded(here + name, name, False):
                        add(Path(dirpath, name), python)
                elif is_manifest(name) and not excluded(here + name, name, False):
                    add(Path(dirpath, name), manifests)
    return python, manifests


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() if path.exists() else os.path.relpath(
            path, root).replace(os.sep, "/")
    except ValueError:
        return path.as_posix()


def _stamp(folder: str) -> tuple[int, int, int]:
    """``(mtime, ctime, inode)`` of a folder: adding, removing or renaming an entry changes them
    (editing a file inside does not); ``(0, 0, 0)`` when it cannot be read."""
    try:
        st = os.stat(folder)
    except OSError:
        return (0, 0, 0)
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@dataclass
class Tree:
    """What a walk found, and what it depended on, so that the next scan can reuse it.

    ``key`` is a digest of the paths, the root, the excludes and the ``.gitignore`` text that
    applied; ``folders`` the stamps of the folders walked.  While the key is the same and every
    folder's stamp is too, the walk would list the same names, so its result is reused without
    listing anything (the way git's untracked cache works).  A folder changed within
    :data:`RACY_NS` of the walk makes the snapshot unusable, since a later change in the same
    clock tick would not show in its stamp.
    """

    key: str
    folders: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    python: list[str] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)
    reusable: bool = False

    def still_valid(self, key: str) -> bool:
        """Whether the folders are as this snapshot found them (a stat per folder, nothing listed)."""
        try:
            return self.reusable and self.key == key and all(_stamp(f) == s for f, s in self.folders.items())
        except (AttributeError, TypeError, ValueError):  # a snapshot written by another version of this class
            return False


def _tree_key(paths: list[Path], excludes: list[str], root: Path) -> str:
    gitignores = sorted({str(p): _gitignore_lines(p) for p in [root, *paths]}.items())
    text = json.dumps([os.getcwd(), str(root), [str(p) for p in paths], list(excludes), gitignores])
    return hashlib.sha256(text.encode()).hexdigest()


def discover_tree(paths: list[Path], excludes: list[str], root: Path, previous: Tree | None = None
                  ) -> tuple[list[Path], list[Path], Tree | None]:
    """:func:`discover_all`, reusing ``previous`` when no folder has changed since it was taken.

    Returns ``(python files, manifests, snapshot)``: the snapshot is ``previous`` when it was
    reused, a new one after a walk, or ``None`` when ``paths`` name files (nothing is walked).

    Raises:
        UsageError: a path that does not exist.
    """
    if not paths or not all(p.is_dir() for p in paths):
        python, manifests = discover_all(paths, excludes, root)
        return python, manifests, None
    key = _tree_key(paths, excludes, root)
    if previous is not None and previous.still_valid(key):
        return [Path(p) for p in previous.python], [Path(p) for p in previous.manifests], previous
    folders: dict[str, tuple[int, int, int]] = {}
    python, manifests = discover_all(paths, excludes, root, folders)
    recent = time.time_ns() - RACY_NS
    reusable = all(0 < mtime < recent and 0 < ctime < recent for mtime, ctime, _ in folders.values())
    return python, manifests, Tree(key, folders, [os.fspath(p) for p in python], [os.fspath(p) for p in manifests],
                                   reusable)
