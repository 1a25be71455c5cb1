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
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from gdpr_lint.engine.manifests import is_manifest
from gdpr_lint.errors import UsageError

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


def paths_or_here(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The paths a command was given, or the current folder when none was.

    Raises:
        UsageError: one of them is empty (an unset shell variable: it would scan the current
            folder instead of what was meant)."""
    if any(not p for p in paths):
        raise UsageError("an empty path was given (an unset variable?): name a file or folder, or `.` for this one")
    return paths or (".",)


#: what marks the top of a project: a git work tree, a packaging file (and a gdpr-lint config)
PROJECT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")


def _is_project_top(folder: Path) -> bool:
    """Whether ``folder`` holds one of :data:`PROJECT_MARKERS` or a gdpr-lint config; never the
    home folder or the file system's root, where a user-wide config or dotfiles live (a project
    inside them is marked on its own)."""
    from gdpr_lint.policy.config import CONFIG_NAMES

    if folder == folder.parent or folder == _home():
        return False
    return any((folder / name).exists() for name in (*PROJECT_MARKERS, *CONFIG_NAMES))


def _home() -> Path | None:
    try:
        return Path(os.path.abspath(Path.home()))
    except (RuntimeError, KeyError, OSError):  # (no home folder known)
        return None


def project_top(folder: Path) -> Path | None:
    """The project a command run in ``folder`` runs in: the nearest folder at or above it that
    holds one of :data:`PROJECT_MARKERS` or a gdpr-lint config, or ``None``."""
    here = Path(os.path.abspath(folder))
    return next((f for f in (here, *here.parents) if _is_project_top(f)), None)


def projects_of(files: list[Path], root: Path, named: bool = True) -> list[Path]:
    """The projects that files named on their own belong to (``check models.py``, as pre-commit
    names the files it hands a hook), for their findings to be those a scan of the project finds:
    the project the command runs in (the nearest folder at or above ``root`` that holds one of
    :data:`PROJECT_MARKERS` or a gdpr-lint config) for the files inside it, as ``check`` run
    there reads them; with no such folder around ``root``, each file's nearest one between it and
    ``root``.  None for a file outside them (a script in a scratch folder) or a folder named (it
    is read whole).  A path is where it stands (a link inside the project that points out of it
    is in it), else where it leads (the current folder reached through a link).  ``named``
    false: the paths need not exist (an editor's buffer, ``check -``)."""
    marked: dict[Path, bool] = {}

    def is_top(folder: Path) -> bool:
        if folder not in marked:
            marked[folder] = _is_project_top(folder)
        return marked[folder]

    here = Path(os.path.abspath(root))
    around = project_top(here)
    found: dict[Path, None] = {}
    top = around or here
    for path in files:
        if named and not path.is_file() or path.is_dir():
            continue
        folder = Path(os.path.abspath(path)).parent
        if folder != top and top not in folder.parents:
            folder = path.resolve().parent  # (`$PWD/app/x.py` where $PWD is a link: the folder is real)
            if folder != top and top not in folder.parents:
                continue
        if around is not None:
            found[around] = None
            continue
        while not is_top(folder) and folder != here:
            folder = folder.parent
        if is_top(folder):
            found[folder] = None
    return list(found)


def project_context(paths: list[Path], excludes: list[str], root: Path, named: bool = True) -> list[Path] | None:
    """The files of the projects around the files named alone in ``paths``
    (:func:`projects_of`), for a scan to survey beside them (their facts judge the files named,
    as a scan of the whole project would), or ``None`` when no file named has a project."""
    projects = projects_of(paths, root, named)
    return discover(projects, excludes, root) if projects else None


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
    seen: set[str] = set()

    def add(full: Path, to: list[Path]) -> None:
        key = os.path.abspath(full)  # `../app/t.py` and `t.py` from inside app/ are one file
        if key not in seen:
            seen.add(key)
            to.append(full)

    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"path does not exist: {path}")
        if not path.is_dir():  # a file, a broken link, or a pipe or device (reported, never read)
            # a file named on the command line is checked whatever its name (a script without .py)
            # or folder (`build/x.py`): only the configured excludes apply to it
            if not (user_spec and user_spec.match_file(_exclude_rel(path, excludes, root))):
                add(path, manifests if is_manifest(path.name, path.parent.name) and not path.name.endswith(".py")
                    else python)
            continue
        top = _rel(path, root)  # resolved once; paths below are joined as text (a stat per file is slow)
        prefix = "" if top in ("", ".") else top.rstrip("/") + "/"
        # the walked folder as the config's patterns read it, when it is inside the config's folder
        anchored = _from_anchor(path, excludes) if user_spec else None
        if anchored is not None:
            anchored = "" if anchored == "." else anchored + "/"
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

        def excluded(rel_local: str, name: str, is_dir: bool, rules_here: list, anchored: str | None = anchored) -> bool:
            # the default excludes are folder names (".git/", "*.egg-info/"): a set lookup, no pathspec
            if is_dir and (name in _DEFAULT_DIRS or name.endswith(_DEFAULT_DIR_SUFFIXES)):
                return True
            if anchored is not None:
                if user_spec.match_file(anchored + rel_local):
                    return True
            elif user_spec and (user_spec.match_file(rel_local) or (prefix and user_spec.match_file(prefix + rel_local))):
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
                elif is_manifest(name, os.path.basename(dirpath)) and not excluded(here + name, name, False, rules_here):
                    add(Path(dirpath, name), manifests)
    return python, manifests


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() if path.exists() else os.path.relpath(
            path, root).replace(os.sep, "/")
    except ValueError:
        return path.as_posix()


def _from_anchor(path: Path, excludes) -> str | None:
    """``path`` relative to the folder the config's ``exclude`` patterns are read from (the config
    file's: :class:`~gdpr_lint.policy.config.Excludes`), or ``None`` when it is outside that folder
    or the patterns have none (then they are read from the scan's root, as before)."""
    anchor = getattr(excludes, "anchor", None)
    if anchor is None:
        return None
    try:
        return Path(os.path.realpath(path)).relative_to(anchor).as_posix()
    except ValueError:
        return None


def _exclude_rel(path: Path, excludes, root: Path) -> str:
    """A file's path as the config's ``exclude`` patterns match it: from the config file's folder
    when the file is inside it, else from ``root``."""
    anchored = _from_anchor(path, excludes)
    return anchored if anchored is not None else _rel(path, root)


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

    def to_data(self) -> dict:
        """JSON data for the results cache (:meth:`from_data` reads it back)."""
        return {"key": self.key, "folders": self.folders, "python": self.python, "manifests": self.manifests,
                "reusable": self.reusable}

    @classmethod
    def from_data(cls, data) -> Tree:
        """The snapshot :meth:`to_data` gave, every value checked.

        Raises:
            gdpr_lint.cache.BadEntry: data of any other shape (read from the cache: a miss).
        """
        from gdpr_lint.cache import BadEntry, need, need_keys, need_list

        need_keys(data, {"key", "folders", "python", "manifests", "reusable"})
        folders = {}
        for folder, st in need(data["folders"], dict).items():
            if len(need_list(st, int)) != 3:
                raise BadEntry("a folder stamp is three numbers")
            folders[folder] = tuple(st)
        return cls(need(data["key"], str), folders, need_list(data["python"], str),
                   need_list(data["manifests"], str), need(data["reusable"], bool))

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
    text = json.dumps([os.getcwd(), str(root), [str(p) for p in paths], list(excludes),
                       str(getattr(excludes, "anchor", None) or ""), gitignores])
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


# ---- what the deploy gate scans ---------------------------------------------------------------------

@dataclass
class Selection:
    """The files ``review`` and ``verify`` scan, and the ones the config's ``exclude`` left out.

    ``files`` are Python files and dependency manifests, named one by one (so no ignore file,
    cache tag or default exclude applies to them again); ``excluded`` the files the listing held
    that the config's ``exclude`` patterns removed (their hashes go into the review digest);
    ``source`` says how they were listed: ``git`` (tracked plus untracked files that are not
    ignored), ``walk`` (outside a git work tree: as ``check`` walks) or ``all`` (every file).
    """

    files: list[Path] = field(default_factory=list)
    excluded: list[Path] = field(default_factory=list)
    source: str = "git"
    untracked: list[Path] = field(default_factory=list)  # of ``files``: those git does not track (yet)
    compiled: list[Path] = field(default_factory=list)  # listed code that is not source (.pyc, .so): not read
    submodules: list[tuple[str, str]] = field(default_factory=list)  # (path, commit) of every gitlink


def _wanted(name: str, folder: str = "") -> bool:
    return name.endswith(".py") or is_manifest(name, folder)


# code Python runs that is not source: an import finds `x.pyc` beside or instead of `x.py`, and
# `__pycache__` bytecode compiled with unchecked hashes runs whatever source sits beside it
# code that runs but is not read: bytecode, binary modules, and archives Python imports from (a zip, an
# egg, a wheel or a zipapp on sys.path is a package like any folder)
COMPILED_SUFFIXES = (".pyc", ".pyo", ".pyd", ".so", ".zip", ".egg", ".whl", ".pyz")


def _gate_kind(full: Path) -> str:
    """What the gate does with a listed file: ``source`` (scanned: ``.py``, ``.pyw``, a manifest, a
    script without a suffix whose first line runs Python), ``compiled`` (kept by its hash: it runs but
    cannot be read) or ``""`` (not code)."""
    name = full.name
    if _wanted(name, full.parent.name) or name.endswith(".pyw"):
        return "source"
    if name.endswith(COMPILED_SUFFIXES):
        return "compiled"
    if "." not in name and full.is_file():  # never opened when a pipe or a device: it could block
        try:
            with open(full, "rb") as fh:
                first = fh.readline(256)
        except OSError:
            return ""
        if first.startswith(b"#!") and b"python" in first:
            return "source"
    return ""


def is_excluded(path: Path, excludes: list[str], root: Path) -> bool:
    """Whether the config's ``exclude`` patterns match ``path`` (relative to ``root``)."""
    spec = _exclude_spec(excludes)
    return bool(spec and spec.match_file(_exclude_rel(path, excludes, root)))


def _exclude_spec(excludes: list[str]):
    if not excludes:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(excludes))


def _git_work_tree(folder: Path) -> bool:
    """Whether ``folder`` is inside a git work tree, asking git itself (run the safe way).

    Raises:
        UsageError: a ``.git`` sits in or above ``folder`` but git cannot be run or will not read
            the repository (a dubious owner, a broken ``.git``): the gate takes the files git
            tracks, and a walk instead could skip some of them.
    """
    from gdpr_lint.files.gitdiff import git_command, git_env

    marker = _git_top(folder.resolve())
    try:
        proc = subprocess.run(git_command(["rev-parse", "--is-inside-work-tree"], folder), cwd=folder,
                              env=git_env(), capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        if marker is None:
            return False
        raise UsageError(f"{folder} is in a git repository ({marker}) but git cannot be run ({exc}); review and "
                         "verify scan the files git tracks, so they need git") from None
    if proc.returncode == 0 and proc.stdout.strip() == b"true":
        return True
    if marker is None:
        return False
    err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    why = err[-1] if err else "not inside its work tree"
    raise UsageError(f"{folder} is in a git repository ({marker}) that git does not read ({why}); review and "
                     "verify scan the files git tracks, so fix that first")


def _git_listing(folder: Path) -> tuple[list[str], list[str]]:
    """``(tracked, untracked)`` paths (relative to ``folder``) git lists below it: every tracked file
    (also in checked-out submodules), and every untracked file that is not ignored."""
    from gdpr_lint.files.gitdiff import git

    def names(args: list[str]) -> list[str]:
        return [os.fsdecode(n) for n in git(args, folder).stdout.split(b"\0") if n]

    return (names(["ls-files", "-z", "--cached", "--recurse-submodules"]),
            names(["ls-files", "-z", "--others", "--exclude-standard"]))


def _gitlinks(folder: Path) -> list[tuple[str, str]]:
    """``(path, commit)`` of every submodule git records below ``folder`` (checked out or not): a
    deploy that fetches submodules runs that commit's code."""
    from gdpr_lint.files.gitdiff import git

    out = []
    for entry in git(["ls-files", "-z", "--stage"], folder).stdout.split(b"\0"):
        head, _, name = entry.partition(b"\t")
        fields = head.split()
        if len(fields) == 3 and fields[0] == b"160000":
            out.append((os.fsdecode(name), fields[1].decode("ascii", "replace")))
    return out


def gate_files(paths: list[Path], excludes: list[str], root: Path) -> Selection:
    """The files ``review`` and ``verify`` scan under ``paths``.

    In a git work tree, what git lists (:func:`_git_listing`) whatever ignore files, cache tags and
    the default excludes say: a tracked file is deployed wherever it sits.  An untracked file that
    is not ignored is listed too: it may be deployed from this work tree, and ``git add -A`` would
    commit it (a clean checkout has none, so a review in CI and the gate on a checkout agree).  A
    file named on the command line is taken as it is.  Outside a git work tree, folders are walked
    as ``check`` walks them.  The config's ``exclude`` patterns apply to all of these; what they
    remove is returned in :attr:`Selection.excluded`.

    Raises:
        UsageError: a path that does not exist; a repository git will not read.
    """
    spec = _exclude_spec(excludes)
    listed: list[Path] = []
    untracked: set[str] = set()
    walk: list[Path] = []
    compiled: list[Path] = []
    gitlinks: list[tuple[str, str]] = []
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"path does not exist: {path}")
        if not path.is_dir():
            listed.append(path)
        elif _git_work_tree(path):
            tracked, others = _git_listing(path)
            for rel in tracked + others:
                full = path / rel
                if full.is_dir() or not (full.exists() or full.is_symlink()):
                    continue  # a submodule's folder, a tracked file replaced by a folder, or one deleted
                kind = _gate_kind(full)
                if kind == "source":
                    listed.append(full)
                elif kind == "compiled":
                    compiled.append(full)
            untracked.update(os.path.normpath(os.path.abspath(path / rel)) for rel in others)
            gitlinks += [(_rel(path / rel, root), commit) for rel, commit in _gitlinks(path)]
        else:
            walk.append(path)
    selection = Selection(source="git" if not walk else ("walk" if not listed else "git+walk"))
    selection.compiled = list(dict.fromkeys(compiled))  # kept by their hash whatever the excludes say
    selection.submodules = sorted(set(gitlinks))
    seen: set[str] = set()
    for full in listed:
        key = os.path.normpath(os.path.abspath(full))
        if key in seen:
            continue
        seen.add(key)
        if spec is not None and spec.match_file(_exclude_rel(full, excludes, root)):
            selection.excluded.append(full)
        else:
            selection.files.append(full)
            if key in untracked:
                selection.untracked.append(full)
    if walk:
        python, manifests = discover_all(walk, excludes, root)
        for full in python + manifests:
            key = os.path.normpath(os.path.abspath(full))
            if key not in seen:
                seen.add(key)
                selection.files.append(full)
    return selection


def every_file(paths: list[Path], excludes: list[str], root: Path) -> Selection:
    """Every Python file and manifest under ``paths``, skipping nothing but the config's ``exclude``
    (for a revision extracted from git, which holds exactly the files the revision tracks)."""
    spec = _exclude_spec(excludes)
    selection = Selection(source="all")
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"path does not exist: {path}")
        found = [path]
        if path.is_dir():
            found = []
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                found += [Path(dirpath, name) for name in sorted(filenames) if _wanted(name, os.path.basename(dirpath))]
        for full in found:
            excluded = spec is not None and spec.match_file(_exclude_rel(full, excludes, root))
            (selection.excluded if excluded else selection.files).append(full)
    return selection
