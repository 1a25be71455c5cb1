"""Which files a scan reads: ``.py`` files and dependency manifests under the given paths.

Folders are walked once, skipping the default excludes (``.git/``, ``.venv/``, ``build/`` ...),
cache folders (those holding a ``CACHEDIR.TAG``, as gdpr-lint's own cache does), what git would
ignore (``.git/info/exclude`` and every ``.gitignore`` from the top of the work tree down, with
pathspec's gitignore semantics) and the config's ``exclude`` patterns.  :func:`discover_tree`
also returns a :class:`Tree` snapshot that lets the next scan skip the walk when no folder has
changed (see its docstring).
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


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines() if path.is_file() else []
    except OSError:
        return []


def _spec(lines: list[str]):
    """``lines`` as a ``pathspec.GitIgnoreSpec``, or ``None`` when there is nothing to match."""
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        return None
    import pathspec  # only when there is something to match (a walk skipped by the snapshot needs none)

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _negates(spec) -> bool:
    """Whether a spec has a ``!pattern`` that brings something back."""
    return any(getattr(p, "include", None) is False for p in getattr(spec, "patterns", ()))


def _git_top(folder: Path) -> Path | None:
    """The top of the git work tree that holds ``folder`` (a resolved path), or ``None``."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def ignore_chain(folder: Path, root: Path) -> list[tuple[Path, Path]]:
    """``(folder the patterns are relative to, ignore file)`` for the files that apply to ``folder``
    from above, lowest precedence first, as git reads them: the repository's ``.git/info/exclude``,
    then the ``.gitignore`` of every folder from the top of the work tree down to ``folder``.

    Outside a git work tree the chain starts at ``root`` when ``folder`` is inside it, else at
    ``folder``.  ``folder`` and ``root`` are resolved paths.
    """
    top = _git_top(folder)
    chain: list[tuple[Path, Path]] = []
    if top is not None:
        chain.append((top, top / ".git" / "info" / "exclude"))
    else:
        top = root if folder == root or root in folder.parents else folder
    for here in reversed([folder, *folder.parents]):
        if here == top or top in here.parents:
            chain.append((here, here / ".gitignore"))
    return chain


def discover(paths: list[Path], excludes: list[str], root: Path) -> list[Path]:
    """The ``.py`` files under ``paths``, minus ``.gitignore`` matches and configured excludes.

    A file named explicitly is always included unless the config's ``exclude`` matches it (the
    default excludes such as ``build/`` only apply to what is found by walking a folder).  Raises
    :class:`~gdpr_lint.errors.UsageError` for a path that does not exist.
    """
    return discover_all(paths, excludes, root)[0]


def discover_all(paths: list[Path], excludes: list[str], root: Path,
                 folders: dict[str, tuple[int, int, int]] | None = None,
                 unreadable: list[tuple[str, str]] | None = None) -> tuple[list[Path], list[Path]]:
    """``(python files, dependency manifests)`` under ``paths``, in one walk of the tree.

    Ignore files are read as git reads them (:func:`ignore_chain` above each folder, then every
    ``.gitignore`` met in the walk, the deepest matching pattern deciding).  ``folders``, when
    given, receives the stamp (:func:`_entry_stamp`) of every folder walked, taken after the folder was
    listed, and of every ``.gitignore`` below the top.  ``unreadable``, when given, receives
    ``(folder, reason)`` for every folder the walk could not list (it is not skipped without a word).

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
        top = _rel(path, root)  # resolved once; paths below are joined as text (a stat per file is slow)
        prefix = "" if top in ("", ".") else top.rstrip("/") + "/"
        real = path.resolve()
        # ignore rules as (characters to strip from a path relative to `path`, text to put before
        # it, spec, whether it re-includes anything), lowest precedence first; a deeper .gitignore
        # found in the walk is appended
        rules: list[tuple[int, str, object, bool]] = []
        for folder, file in ignore_chain(real, root.resolve()):
            spec = _spec(_read_lines(file))
            if spec is not None:
                above = real.relative_to(folder).as_posix()
                rules.append((0, "" if above == "." else above + "/", spec, _negates(spec)))

        def excluded(rel_local: str, name: str, is_dir: bool, rules_here: list) -> bool:
            # the default excludes are folder names (".git/", "*.egg-info/"): a set lookup, no pathspec
            if is_dir and (name in _DEFAULT_DIRS or name.endswith(_DEFAULT_DIR_SUFFIXES)):
                return True
            if user_spec and (user_spec.match_file(rel_local) or (prefix and user_spec.match_file(prefix + rel_local))):
                return True
            for strip, before, spec, negates in reversed(rules_here):  # the deepest file that matches decides
                hit = spec.check_file(before + rel_local[strip:]).include
                if hit is not None:
                    # a folder is only skipped by a file that re-includes nothing: pathspec calls
                    # `vendor/` ignored by `vendor/**` and by `*` despite `!*/`, where git walks
                    # in and `!vendor/keep.py` or `!*.py` bring files back; its files are judged
                    # one by one instead
                    return hit and not (is_dir and negates)
            return False

        base = os.fspath(path)
        rules_of = {base: rules}
        def _unlisted(exc: OSError) -> None:
            if unreadable is not None:
                unreadable.append((os.fspath(exc.filename or base), exc.strerror or str(exc)))

        for dirpath, dirnames, filenames in os.walk(base, onerror=_unlisted):
            rules_here = rules_of.pop(dirpath, rules)
            if folders is not None:  # a cache folder too: removing its tag changes its stamp
                folders[dirpath] = _entry_stamp(dirpath)
            if CACHE_TAG in filenames and dirpath != base:  # a cache folder (ours among them): skipped
                dirnames[:] = []
                continue
            local = dirpath[len(base):].lstrip(os.sep)  # os.walk's folders all start with `base`
            here = local.replace(os.sep, "/") + "/" if local else ""
            if here and ".gitignore" in filenames:
                ignore_file = os.path.join(dirpath, ".gitignore")
                if folders is not None:
                    folders[ignore_file] = _entry_stamp(ignore_file)  # edited in place, it changes no folder
                spec = _spec(_read_lines(Path(ignore_file)))
                if spec is not None:
                    rules_here = [*rules_here, (len(here), "", spec, _negates(spec))]
            dirnames[:] = [d for d in sorted(dirnames) if not excluded(f"{here}{d}/", d, True, rules_here)]
            for d in dirnames:
                rules_of[os.path.join(dirpath, d)] = rules_here
            for name in sorted(filenames):
                if name.endswith(".py"):
                    if not excluded(here + name, name, False, rules_here):
                        add(Path(dirpath, name), python)
                elif is_manifest(name) and not excluded(here + name, name, False, rules_here):
                    add(Path(dirpath, name), manifests)
    return python, manifests


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() if path.exists() else os.path.relpath(
            path, root).replace(os.sep, "/")
    except ValueError:
        return path.as_posix()


def _entry_stamp(path: str) -> tuple[int, int, int]:
    """``(mtime, ctime, inode)`` of a folder (adding, removing or renaming an entry changes them,
    editing a file inside does not) or of an ignore file; ``(0, 0, 0)`` when it cannot be read."""
    try:
        st = os.stat(path)
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
            return self.reusable and self.key == key and all(_entry_stamp(f) == s for f, s in self.folders.items())
        except (AttributeError, TypeError, ValueError):  # a snapshot written by another version of this class
            return False


def _tree_key(paths: list[Path], excludes: list[str], root: Path) -> str:
    real_root = root.resolve()
    files = {str(file) for p in paths for _, file in ignore_chain(p.resolve(), real_root)}
    gitignores = sorted((file, _read_lines(Path(file))) for file in files)
    text = json.dumps([os.getcwd(), str(root), [str(p) for p in paths], list(excludes), gitignores])
    return hashlib.sha256(text.encode()).hexdigest()


def discover_tree(paths: list[Path], excludes: list[str], root: Path, previous: Tree | None = None,
                  unreadable: list[tuple[str, str]] | None = None) -> tuple[list[Path], list[Path], Tree | None]:
    """:func:`discover_all`, reusing ``previous`` when no folder has changed since it was taken.

    Returns ``(python files, manifests, snapshot)``: the snapshot is ``previous`` when it was
    reused, a new one after a walk, or ``None`` when ``paths`` name files (nothing is walked).
    ``unreadable``: see :func:`discover_all` (a walk that met one is never reused).

    Raises:
        UsageError: a path that does not exist.
    """
    if not paths or not all(p.is_dir() for p in paths):
        python, manifests = discover_all(paths, excludes, root, unreadable=unreadable)
        return python, manifests, None
    key = _tree_key(paths, excludes, root)
    if previous is not None and previous.still_valid(key):
        return [Path(p) for p in previous.python], [Path(p) for p in previous.manifests], previous
    folders: dict[str, tuple[int, int, int]] = {}
    problems: list[tuple[str, str]] = []
    python, manifests = discover_all(paths, excludes, root, folders, problems)
    if unreadable is not None:
        unreadable.extend(problems)
    recent = time.time_ns() - RACY_NS
    reusable = not problems and all(0 < mtime < recent and 0 < ctime < recent for mtime, ctime, _ in folders.values())
    return python, manifests, Tree(key, folders, [os.fspath(p) for p in python], [os.fspath(p) for p in manifests],
                                   reusable)
