"""What a change touches, from git itself (``git`` run as a subprocess).

:func:`changes` answers, for ``check --diff BASE`` and ``check --staged``: which Python files were
added, modified or renamed since the merge base of ``BASE`` and ``HEAD`` (deleted files are
gone and have nothing to report), and which lines of each were added or changed, from the
hunks of ``git diff -U0``.

Three comparisons:

* ``--diff BASE``: the merge base of ``BASE`` and ``HEAD`` against the working tree (committed,
  staged and unstaged changes, plus untracked files that are not ignored: they are new files
  in the working tree).  ``--diff HEAD`` is therefore "my uncommitted changes".
* ``--staged``: ``HEAD`` against the index, what ``git commit`` would record.  The files'
  contents are read from the index (:func:`staged_text`), not from the working tree.
* ``--diff BASE --staged``: the merge base against the index.

Every git failure a user can fix is a :class:`~gdpr_lint.errors.UsageError` (exit code 2)
whose message says what to run: not a git repository, an unknown base, a shallow clone
without the merge base (``git fetch ...``).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from gdpr_lint.errors import UsageError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")


@dataclass
class FileChange:
    """One changed file.

    ``path`` is relative to the repository's top level (POSIX separators).  ``added`` holds the
    1-based line numbers of the new version that were added or changed.  ``deleted_after``
    holds ``n`` for every place where lines were removed between new lines ``n`` and ``n + 1``
    (``0``: at the top of the file).  ``new_file`` is true for added and untracked files.
    """

    path: str
    status: str = "M"
    old_path: str = ""
    added: set[int] = field(default_factory=set)
    deleted_after: set[int] = field(default_factory=set)

    @property
    def new_file(self) -> bool:
        return self.status in ("A", "?")


@dataclass
class Changes:
    """The result of :func:`changes`: the repository, what was compared, and the changed files."""

    toplevel: Path
    base: str  # the commit compared against (the merge base), as a full object name
    staged: bool
    files: dict[str, FileChange] = field(default_factory=dict)
    listed: int = 0  # the paths git lists as added, changed or renamed, of any kind (not only `files`)
    gone: set[str] = field(default_factory=set)  # the paths the change deletes or renames away


#: options for every git command gdpr-lint runs: nothing from the repository may run (its hooks,
#: its ``core.fsmonitor`` command), and output is plain whatever the configuration says
SAFE_OPTIONS = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.quotePath=false",
                "-c", "diff.noprefix=false", "-c", "log.showSignature=false",
                "-c", "core.untrackedCache=false")


def git_env() -> dict[str, str]:
    """The environment for git: the user's, with plain output, no optional locks, no external diff."""
    env = dict(os.environ)
    # plain, stable output whatever the user's configuration says
    env.update(LC_ALL="C", LANG="C", GIT_PAGER="cat", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0",
               GIT_NO_REPLACE_OBJECTS="1")  # a refs/replace ref must not rewrite the history the gate reads
    for name in ("GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_ASKPASS", "SSH_ASKPASS"):
        env.pop(name, None)
    return env


_env = git_env  # the name this module used before


def _filter_drivers(cwd: Path) -> list[str]:
    """``-c filter.NAME.clean= ...`` for every content filter the configuration defines: git runs a
    filter's command when it compares the work tree (``status``, ``diff``) or writes files out
    (``archive``), and a repository's ``.git/config`` can name any program there."""
    try:
        proc = subprocess.run(["git", *SAFE_OPTIONS, "config", "-z", "--get-regexp", r"^filter\."], cwd=cwd,
                              env=git_env(), capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return []
    names: set[str] = set()
    for item in proc.stdout.split(b"\0"):
        key = item.split(b"\n", 1)[0].decode("utf-8", "surrogateescape")
        if key.count(".") >= 2:
            names.add(key[len("filter."):key.rindex(".")])
    out: list[str] = []
    for name in sorted(names):
        for var in ("clean", "smudge", "process"):
            out += ["-c", f"filter.{name}.{var}="]
        out += ["-c", f"filter.{name}.required=false"]
    return out


def git_command(args: list[str], cwd: Path) -> list[str]:
    """The full command line for ``git ARGS`` run the safe way (see :data:`SAFE_OPTIONS`)."""
    return ["git", *SAFE_OPTIONS, *_filter_drivers(cwd), *args]


def git(args: list[str], cwd: Path, check: bool = True, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run ``git ARGS`` in ``cwd`` and return the completed process (bytes output).

    Raises:
        UsageError: git is not installed, or (with ``check``) git failed.
    """
    try:
        proc = subprocess.run(git_command(args, cwd), cwd=cwd, env=git_env(), capture_output=True, input=input)
    except FileNotFoundError:
        raise UsageError("--diff and --staged need git, and `git` was not found on PATH") from None
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror or exc}") from None
    if check and proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"`git {' '.join(args)}` failed: {err[-1] if err else f'exit {proc.returncode}'}")
    return proc


def _out(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout.decode("utf-8", "surrogateescape").strip()


def toplevel(cwd: Path) -> Path:
    """The top folder of the git working tree that holds ``cwd``.

    Raises:
        UsageError: ``cwd`` is not inside a git working tree.
    """
    proc = git(["rev-parse", "--show-toplevel"], cwd, check=False)
    if proc.returncode != 0 or not _out(proc):
        raise UsageError(f"--diff and --staged compare against git history, but {cwd} is not inside a git "
                         "working tree (run gdpr-lint from a clone, or check paths without --diff)")
    return Path(_out(proc))


def is_shallow(top: Path) -> bool:
    """Whether the clone's history is truncated (``git clone --depth``, CI checkouts)."""
    return _out(git(["rev-parse", "--is-shallow-repository"], top, check=False)) == "true"


def _remotes(top: Path) -> list[str]:
    return _out(git(["remote"], top, check=False)).split()


def fetch_hint(top: Path, base: str, shallow: bool) -> str:
    """The ``git fetch`` command that brings ``base`` (and enough history) into this clone."""
    remotes = _remotes(top)
    unshallow = "--unshallow " if shallow else ""
    first, _, rest = base.partition("/")
    if rest and first in remotes:  # origin/main; an explicit refspec also works in single-branch clones
        return f"git fetch {unshallow}{first} {rest}:refs/remotes/{first}/{rest}"
    remote = "origin" if "origin" in remotes or not remotes else remotes[0]
    if re.fullmatch(r"[0-9a-fA-F]{7,64}", base):  # a commit id
        return f"git fetch {unshallow}{remote} {base}"
    # a branch or tag name: fetch it into the local name the user passed
    return f"git fetch {unshallow}{remote} {base}:{base}"


def _verify(top: Path, rev: str) -> str | None:
    proc = git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], top, check=False)
    if proc.returncode != 0:
        # --end-of-options needs git 2.24; retry without it on older gits
        proc = git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top, check=False)
    return _out(proc) if proc.returncode == 0 and _out(proc) else None


def _empty_tree(top: Path) -> str:
    """The id of the empty tree (SHA-1 or SHA-256, whichever the repository uses)."""
    return _out(git(["hash-object", "-t", "tree", "--stdin"], top, input=b""))


def merge_base(top: Path, base: str) -> str:
    """The merge base of ``base`` and ``HEAD`` (``HEAD`` itself for ``base == "HEAD"``).

    Raises:
        UsageError: ``base`` is not known here, or the clone is too shallow to hold the merge
            base; the message gives the ``git fetch`` command to run.
    """
    if base.startswith("-"):
        raise UsageError(f"--diff base {base!r} is not a branch, tag or commit")
    head = _verify(top, "HEAD")
    if head is None:
        raise UsageError("this repository has no commits yet; use --staged to check what the first commit "
                         "would add, or check paths without --diff")
    shallow = is_shallow(top)
    base_id = _verify(top, base)
    if base_id is None:
        where = "this shallow clone" if shallow else "this clone"
        raise UsageError(f"--diff base {base!r} is not a known branch, tag or commit in {where}; fetch it "
                         f"first: {fetch_hint(top, base, shallow)}")
    proc = git(["merge-base", base_id, head], top, check=False)
    if proc.returncode == 0 and _out(proc):
        return _out(proc).splitlines()[0]
    if shallow:
        raise UsageError(f"this shallow clone does not hold the merge base of {base!r} and HEAD; fetch the "
                         f"history first: {fetch_hint(top, base, True)} (or `git fetch --deepen=200` and retry)")
    raise UsageError(f"{base!r} and HEAD have no common history (no merge base); pass a base on this "
                     "branch's history to --diff")


def _unquote(path: str) -> str:
    """A path as git prints it: C-quoted (``"a\\303\\251.py"``) when it holds unusual bytes."""
    if not (len(path) >= 2 and path[0] == '"' and path[-1] == '"'):
        return path
    body = path[1:-1]
    out = bytearray()
    i = 0
    simple = {"n": b"\n", "t": b"\t", '"': b'"', "\\": b"\\", "a": b"\a", "b": b"\b", "f": b"\f", "r": b"\r",
              "v": b"\v"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            octal = body[i + 1:i + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                out.append(int(octal, 8))
                i += 4
                continue
            if nxt in simple:
                out += simple[nxt]
                i += 2
                continue
        out += ch.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "surrogateescape")


def parse_name_status(raw: bytes) -> list[tuple[str, str, str]]:
    """``git diff --name-status -z`` output as ``[(status, path, old_path), ...]``."""
    parts = raw.decode("utf-8", "surrogateescape").split("\0")
    out: list[tuple[str, str, str]] = []
    i = 0
    while i < len(parts) and parts[i]:
        status = parts[i]
        letter = status[:1]
        if letter in ("R", "C"):
            old, new = parts[i + 1], parts[i + 2]
            out.append((letter, new, old))
            i += 3
        else:
            out.append((letter, parts[i + 1], ""))
            i += 2
    return out


def parse_hunks(diff: str) -> dict[str, tuple[set[int], set[int]]]:
    """``git diff -U0`` text as ``{new_path: (added_lines, deleted_after)}``."""
    result: dict[str, tuple[set[int], set[int]]] = {}
    current: tuple[set[int], set[int]] | None = None
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            current = None
        elif line.startswith("+++ "):
            name = line[4:].rstrip("\t")
            if name == "/dev/null":
                current = None
                continue
            name = _unquote(name)
            if name.startswith("b/"):
                name = name[2:]
            current = result.setdefault(name, (set(), set()))
        elif line.startswith("@@ ") and current is not None:
            m = _HUNK.match(line)
            if not m:
                continue
            start = int(m.group("start"))
            count = int(m.group("count")) if m.group("count") is not None else 1
            if count == 0:
                current[1].add(start)
            else:
                current[0].update(range(start, start + count))
    return result


def changes(cwd: Path, base: str | None, staged: bool = False) -> Changes:
    """The Python files changed since the merge base of ``base`` and ``HEAD``, with their changed lines.

    Args:
        cwd: a folder inside the working tree.
        base: a branch, tag or commit (``None`` with ``staged``: ``HEAD``).
        staged: compare the index instead of the working tree.

    Raises:
        UsageError: not a git repository, an unknown base, a shallow clone without the merge base.
    """
    top = toplevel(cwd)
    if base is None and not staged:
        raise UsageError("pass a base to --diff, or use --staged")
    if staged and base is None:
        head = _verify(top, "HEAD")
        compare = head or _empty_tree(top)  # the first commit: everything staged is new
    else:
        compare = merge_base(top, base or "HEAD")
    common = ["--no-color", "--no-ext-diff", "--no-textconv", "--find-renames", "--ignore-submodules",
              "--src-prefix=a/", "--dst-prefix=b/", "--diff-filter=AMR"]
    cached = ["--cached"] if staged else []
    listing = [c for c in common if not c.startswith("--diff-filter")]  # (deletions too, for `listed`)
    names = git(["diff", *listing, *cached, "--name-status", "-z", compare, "--"], top)
    result = Changes(toplevel=top, base=compare, staged=staged)
    for status, path, old in parse_name_status(names.stdout):
        result.listed += 1
        if status[:1] == "D":
            result.gone.add(path)
        elif status[:1] == "R" and old:
            result.gone.add(old)
        if status[:1] in ("A", "M", "R") and _checked(path):
            result.files[path] = FileChange(path=path, status=status, old_path=old)
    if result.files:
        # old paths too: rename detection needs both sides of a rename in the pathspec
        specs = {p for c in result.files.values() for p in (c.path, c.old_path) if p}
        diff = git(["diff", *common, *cached, "-U0", compare, "--", *(f":(literal){p}" for p in sorted(specs))],
                   top)
        for path, (added, deleted) in parse_hunks(diff.stdout.decode("utf-8", "surrogateescape")).items():
            if path in result.files:
                result.files[path].added |= added
                result.files[path].deleted_after |= deleted
    if not staged:
        others = git(["ls-files", "--others", "--exclude-standard", "-z"], top)
        for path in others.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if path and _checked(path) and path not in result.files:
                result.files[path] = FileChange(path=path, status="?")
    for change in result.files.values():
        if change.new_file and not change.added:
            change.added = _all_lines(top, change.path, staged)
    return result


def _checked(path: str) -> bool:
    """Whether a changed file is one `check` reads: Python source, or a dependency manifest (GDPR406)."""
    from gdpr_lint.engine.manifests import is_manifest

    folder, _, name = path.rpartition("/")
    return path.endswith(".py") or is_manifest(name, folder.rpartition("/")[2])


def _all_lines(top: Path, path: str, staged: bool) -> set[int]:
    if staged:
        text = staged_text(top, path)
    else:
        try:
            text = (top / path).read_bytes()
        except OSError:
            text = b""
    return set(range(1, text.count(b"\n") + 2))


def staged_text(top: Path, path: str) -> bytes:
    """The content of ``path`` as staged in the index (``git cat-file blob :path``: the bytes as
    stored, no textconv or filter)."""
    return git(["cat-file", "blob", f":{path}"], top).stdout
