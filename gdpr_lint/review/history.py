"""Sign-off records are append-only: what git's history of the records folder says was committed must
still be there, byte for byte.

Why: the gate lets the latest valid decision win, so deleting, renaming or breaking a later ``reject``
(or a later, expired ``approve``) would bring an older approval back.  A record that the history of
``HEAD`` shows as committed, as a well-formed record, must be in the work tree with exactly the bytes it
was committed with.  A file that was never a well-formed record when committed (a merge conflict, a
stray note) may be fixed or removed; while it is there, the gate fails on it anyway.

git runs read-only, with the repository's hooks and fsmonitor off (``core.hooksPath=/dev/null``,
``core.fsmonitor=false``, ``GIT_OPTIONAL_LOCKS=0``), no pager, no external diff or textconv, and no
signature checking.  The work tree's files are hashed here, as git hashes a blob, so neither the index
(``assume-unchanged``, ``skip-worktree``) nor clean filters can hide a change.

A shallow clone cannot show what was removed before its first commit, so it is refused (a usage
error: fetch the full history).  Outside a git work tree there is no history to check.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gdpr_lint.errors import UsageError
from gdpr_lint.review.signing import MAX_RECORD_BYTES, NotARegularFile, parse_record, read_regular
from gdpr_lint.review.signing import shown as printable

SAFE = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "log.showSignature=false",
        "-c", "core.quotePath=false", "-c", "log.follow=false"]
_HEX = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")
TIMEOUT = 300


@dataclass
class Tampered:
    """A committed record that is gone or different."""

    kind: str  # removed | changed
    path: str  # as shown: relative to the current folder
    commit: str  # the commit that last committed it as a well-formed record

    def sentence(self) -> str:
        if self.kind == "removed":
            return (f"record removed: {self.path} was committed in {self.commit[:12]} and is no longer there "
                    "(deleted or renamed); committed sign-off records must stay as they are, since removing a later "
                    "decision would bring back an earlier one: restore it with `git checkout "
                    f"{self.commit[:12]} -- {self.path}`.")
        return (f"record changed: {self.path} is not the record committed in {self.commit[:12]}; committed sign-off "
                "records must stay byte for byte as they were signed and committed: restore it with `git checkout "
                f"{self.commit[:12]} -- {self.path}`.")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_OPTIONAL_LOCKS="0", LC_ALL="C", LANG="C", GIT_PAGER="cat", GIT_TERMINAL_PROMPT="0",
               GIT_NO_REPLACE_OBJECTS="1")  # a refs/replace ref must not hide a rejection
    for var in ("GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS"):
        env.pop(var, None)
    return env


def _git(args: list[str], cwd: Path, data: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *SAFE, *args], cwd=cwd, env=_env(), input=data, capture_output=True,
                              timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise UsageError("the gate reads the git history of the sign-off records, and `git` was not found "
                         "on PATH") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} did not finish in {TIMEOUT} s while reading the history of the "
                         "sign-off records") from None
    except OSError as exc:
        raise UsageError(f"cannot run git ({exc.strerror or exc})") from None


def _out(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout.decode("utf-8", "surrogateescape").strip()


def _failed(what: str, proc: subprocess.CompletedProcess) -> UsageError:
    said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return UsageError(f"cannot read the git history of the sign-off records ({what}: "
                      f"{said[-1] if said else f'exit {proc.returncode}'})")


def in_work_tree(cwd: Path) -> bool:
    """Whether ``cwd`` is inside a git work tree (a ``.git`` above it, or ``GIT_DIR`` set)."""
    if os.environ.get("GIT_DIR"):
        return True
    here = Path(os.path.abspath(cwd))
    return any(os.path.lexists(folder / ".git") for folder in (here, *here.parents))


def blob_id(data: bytes, algorithm: str) -> str:
    """The object name git gives a blob holding ``data`` (``sha1`` or ``sha256`` repositories)."""
    return hashlib.new(algorithm, b"blob %d\0" % len(data) + data).hexdigest()


def history(folder: Path, cwd: Path) -> tuple[Path, str, dict[str, list[tuple[str, str]]]] | None:
    """``(top, object format, {path from top: [(blob, commit), ...] oldest first})`` for every version of
    every file under ``folder`` in the history of ``HEAD``, or ``None`` when there is no history to read
    (not a git work tree, no commit yet, a folder outside the repository).

    Raises:
        UsageError: a shallow clone, or git failing inside a work tree.
    """
    if not in_work_tree(cwd):
        return None
    proc = _git(["rev-parse", "--show-toplevel"], cwd)
    if proc.returncode != 0 or not _out(proc):
        raise _failed("git rev-parse", proc)
    top = Path(_out(proc))
    proc = _git(["rev-parse", "--is-shallow-repository"], cwd)
    if proc.returncode != 0:
        raise _failed("git rev-parse", proc)
    if _out(proc) == "true":
        raise UsageError("the checkout is a shallow clone, so the gate cannot see sign-off records deleted or "
                         "changed before its first commit; fetch the whole history (`git fetch --unshallow`, or "
                         "`fetch-depth: 0` with actions/checkout)")
    if _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd).returncode != 0:
        return None  # no commit yet: nothing was ever committed
    where = os.path.relpath(os.path.realpath(os.path.join(os.path.abspath(cwd), folder)), os.path.realpath(top))
    if where == ".." or where.startswith(".." + os.sep):
        return None  # records kept outside the repository: it has no history of them
    proc = _git(["rev-parse", "--show-object-format"], cwd)
    algorithm = _out(proc) if proc.returncode == 0 and _out(proc) in ("sha1", "sha256") else "sha1"
    spec = ":(top,literal)" + ("" if where == "." else Path(where).as_posix())
    proc = _git(["log", "--full-history", "--no-renames", "--no-ext-diff", "--no-textconv", "--raw", "--no-abbrev",
                 "-z", "--format=%x00%H", "--reverse", "HEAD", "--", spec], cwd)
    if proc.returncode != 0:
        raise _failed("git log", proc)
    versions: dict[str, list[tuple[str, str]]] = {}
    tokens = proc.stdout.split(b"\0")
    commit, i = "", 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        i += 1
        if token.startswith(b":"):
            path = os.fsdecode(tokens[i]) if i < len(tokens) else ""
            i += 1
            fields = token[1:].split()
            if len(fields) < 5 or not path:
                continue
            new_mode, new_blob, status = fields[1], fields[3].decode("ascii", "replace"), fields[4][:1]
            if status in (b"A", b"M", b"T", b"C", b"R") and new_mode != b"160000" and set(new_blob) != {"0"}:
                seen = versions.setdefault(path, [])
                if not seen or seen[-1][0] != new_blob:
                    seen.append((new_blob, commit))
        elif _HEX.fullmatch(token):
            commit = token.decode("ascii")
    return top, algorithm, versions


def _blobs(oids: list[str], cwd: Path, limit: int) -> dict[str, bytes | None]:
    """The contents of the blobs ``oids`` (``None`` for one that is missing, not a blob, or over ``limit``)."""
    out: dict[str, bytes | None] = {oid: None for oid in oids}
    if not oids:
        return out
    proc = _git(["cat-file", "--batch-check"], cwd, data="".join(f"{o}\n" for o in oids).encode())
    if proc.returncode != 0:
        raise _failed("git cat-file", proc)
    small = []
    for line in proc.stdout.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[2].isdigit() and int(parts[2]) <= limit:
            small.append(parts[0])
    if not small:
        return out
    proc = _git(["cat-file", "--batch"], cwd, data="".join(f"{o}\n" for o in small).encode())
    if proc.returncode != 0:
        raise _failed("git cat-file", proc)
    data, pos = proc.stdout, 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        parts = data[pos:end].split()
        pos = end + 1
        if len(parts) == 3 and parts[1] == b"blob":
            size = int(parts[2])
            out[parts[0].decode("ascii")] = data[pos:pos + size]
            pos += size + 1
    return out


def tampered(folder: Path, cwd: Path) -> Tampered | None:
    """The first record under ``folder`` that git's history shows committed (as a well-formed record)
    and that is now gone or different, or ``None``.

    Raises:
        UsageError: a shallow clone, or git failing inside a work tree.
    """
    found = history(folder, cwd)
    if found is None:
        return None
    top, algorithm, versions = found
    current: dict[str, str | None] = {}
    suspect: list[str] = []
    for path, seen in sorted(versions.items()):
        try:
            current[path] = blob_id(read_regular(top / path, MAX_RECORD_BYTES), algorithm)
        except NotARegularFile:
            current[path] = None
        if len(seen) != 1 or current[path] != seen[0][0]:
            suspect.append(path)
    if not suspect:
        return None
    contents = _blobs(sorted({blob for path in suspect for blob, _commit in versions[path]}), cwd, MAX_RECORD_BYTES)
    here = os.path.realpath(cwd)
    for path in suspect:
        records = [(blob, commit) for blob, commit in versions[path]
                   if contents.get(blob) is not None and parse_record(contents[blob])[0] is not None]
        distinct = {blob for blob, _commit in records}
        if not distinct or (len(distinct) == 1 and current[path] in distinct):
            continue
        shown = Path(os.path.relpath(os.path.join(os.path.realpath(top), path), here)).as_posix()
        gone = current[path] is None and not os.path.lexists(top / path)
        return Tampered("removed" if gone else "changed", printable(Path(shown)), records[-1][1])
    return None

