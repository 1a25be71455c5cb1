"""The on-disk cache: per-file results keyed by content hash, policy hash and tool version.

Layout: ``<folder>/<namespace>/<key[:2]>/<key>``, one entry per file.  The folder holds a
``.gitignore`` (``*``) and a ``CACHEDIR.TAG`` so it is neither committed nor backed up.  A key is
a SHA-256 over everything the entry depends on; nothing is ever invalidated in place, a changed
input simply gives another key.  What no later scan reads goes: the oldest snapshots and project
facts beyond a count (:meth:`Cache.keep_newest`), and, once a day (the ``.pruned`` marker's time),
the surveys and results of earlier contents written long ago (:meth:`Cache.drop_unused`).

The cache sits in the repository, so its files are input an attacker controls: a pull request can
commit a ``.gdpr-lint-cache/`` of its own, and ``check`` runs in CI with CI's secrets while
``inventory`` and ``baseline`` run on a developer's or the DPO's machine.  Hence:

**Data only.**  An entry is JSON, never a pickle or anything else that builds objects by name:
reading it can at worst give wrong data, never run code.  Every type cached has an explicit
to-data / from-data pair next to it (``Survey``, the per-file result tuple of ``Finding`` objects and
inventory rows, the scan snapshot with the folder walk's ``Tree``, the whole scan's result and what
the surveys decided, the project facts the analysis reads, the parsed policy pack) and the from-data
side checks the shape and the type of every value; anything else raises :class:`BadEntry`, which
:meth:`Cache.get` turns into a miss (a malformed survey is a miss for its own file alone).

**Authenticated.**  JSON alone would still let a committed entry claim that a file has no findings.
So every entry carries an HMAC-SHA256 over its namespace, its key and its bytes, under a secret
of 32 random bytes that never enters the repository: ``$XDG_CACHE_HOME/gdpr-lint/key``, else
``~/.cache/gdpr-lint/key`` (see :func:`key_file`).  It is made on first use from ``secrets``, in a
temporary file from ``tempfile.mkstemp`` (mode 0600, ``O_EXCL``) hard-linked into place (a link
never replaces an existing file, so two first scans agree on one key).  It is used only when it is
a regular file (opened without following a link), owned by this user, readable by nobody else,
in a folder of this user that nobody else may write to, and outside the git work tree that holds
the cache folder (a key committed at ``$CI_PROJECT_DIR/.cache/gdpr-lint/key`` with
``XDG_CACHE_HOME`` pointing there is refused even when a umask of 077 checked it out with mode
0600); otherwise the scan runs without a cache and says why on stderr once.  Only an entry this
user's gdpr-lint wrote verifies, so a cache committed by somebody else, or carried over from
another machine, is all misses: slower, never wrong.  HMAC rather than a plain hash because the
attacker can compute any hash; a per-user key rather than a per-project one because the project is
what the attacker writes.  The MAC is checked before the JSON is parsed, so the parser only ever sees
bytes this user wrote.

In CI every job starts on a new machine, with a new key file and so a cold cache.  There the key
comes from ``$GDPR_LINT_CACHE_KEY`` (64 hex digits), set from a CI secret (docs/ci.md), not from a
key file kept in the CI cache: whoever can restore that cache could read the key (on GitHub, a
workflow changed by a fork's pull request can restore the base branch's caches) and sign entries
that a later run on the main branch would accept.  Secrets are not given to such runs: they make a
throwaway key and scan cold.

**Bounded.**  An entry is read only when it is a regular file (``O_NOFOLLOW``, ``O_NONBLOCK``: no
link is followed, no FIFO or device blocks the scan) no larger than its namespace's limit
(:data:`MAX_BYTES`); JSON nested beyond what the parser survives, or of the wrong shape, is a miss.

**Never through a link.**  The cache folder, a namespace folder or a ``<key[:2]>`` folder that is a
symbolic link, or is not a folder, is not used (for the first two the whole cache is off).  An entry
is written to a temporary file from ``tempfile.mkstemp`` (``O_EXCL``, a random name, mode 0600) in
the entry's own folder and renamed over the entry with ``os.replace``, which replaces a link
instead of writing through it; concurrent scans and interrupted runs never leave a half entry, and
a name planted in advance cannot be hit.  The markers are created with ``O_CREAT | O_EXCL |
O_NOFOLLOW`` and left alone when anything already has their name.  Folders are checked with
``lstat`` just before use: someone who can change the work tree *while* the scan runs is not
defended against (they could as well edit the code being scanned); someone who commits files is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
import sys
import time
from pathlib import Path
from typing import Any, Callable

from gdpr_lint import __version__
from gdpr_lint.errors import UsageError

CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by gdpr-lint.\n"
                "# For information about cache directory tags see https://bford.info/cachedir/\n")

NAMESPACES = ("survey", "result", "snapshot", "policy", "rights", "facts")
#: the marker whose time is when the cache last dropped the entries no scan uses (:meth:`Cache.prune_due`)
PRUNED_MARK = ".pruned"
_OWN_NAMES = frozenset({*NAMESPACES, ".gitignore", "CACHEDIR.TAG", PRUNED_MARK})
#: the largest entry read per namespace, in bytes (a larger one is a miss and is not written)
MAX_BYTES = {"survey": 16 << 20, "result": 64 << 20, "snapshot": 256 << 20, "policy": 4 << 20, "rights": 16 << 20,
             "facts": 64 << 20}
_MAGIC = b"gdpr-lint-cache/1 "  # then 64 hex digits of the MAC, a newline, and the JSON
_HEADER = len(_MAGIC) + 64 + 1
_KEY_RE = re.compile(r"[0-9a-f]{64}\Z")
_KEY_BYTES = 32
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(
    os, "O_BINARY", 0)


class BadEntry(ValueError):
    """Cached data that does not have the shape its reader expects (a miss, never trusted)."""


def default_folder() -> Path:
    """``$GDPR_LINT_CACHE_DIR``, or ``.gdpr-lint-cache`` at the top of the project the command runs
    in (:func:`~gdpr_lint.files.discovery.project_top`: runs from its subfolders share one, as
    they survey the same project), else in the current folder."""
    if os.environ.get("GDPR_LINT_CACHE_DIR"):
        return Path(os.environ["GDPR_LINT_CACHE_DIR"])
    from gdpr_lint.files.discovery import project_top

    here = Path.cwd()
    top = project_top(here)
    if top is None or top == here or not os.access(top, os.W_OK):  # (a top it cannot write: here, as before)
        return Path(".gdpr-lint-cache")
    return Path(os.path.relpath(top, here)) / ".gdpr-lint-cache"


def folder_for(explicit: str | None = None, no_cache: bool = False) -> Path | None:
    """The cache folder a command uses: ``None`` with ``--no-cache``, else ``--cache-dir`` or
    :func:`default_folder`.  A folder that is a symbolic link is returned as it is and never
    looked into: :class:`Cache` does not use it.

    Raises:
        UsageError: the folder is a file, or sits below one; or it already holds files and is not a
            gdpr-lint cache (the cache would write its ``.gitignore`` of ``*`` and its
            ``CACHEDIR.TAG`` there, hiding the folder from git and from later scans).
    """
    if no_cache:
        return None
    folder = Path(explicit) if explicit else default_folder()
    if folder.is_symlink():
        return folder
    for part in (folder, *folder.parents):
        if part.exists() and not part.is_dir():
            raise UsageError(f"cache folder {folder} cannot be used: {part} is a file "
                             "(--cache-dir or $GDPR_LINT_CACHE_DIR)")
    try:
        in_use = folder.is_dir() and any(folder.iterdir()) and not _is_ours(folder)
    except OSError:
        in_use = False  # unreadable: the cache then simply misses
    if in_use:
        raise UsageError(f"cache folder {folder} already holds other files and is not a gdpr-lint cache; "
                         "choose a new or empty folder (--cache-dir or $GDPR_LINT_CACHE_DIR)")
    return folder


def _is_ours(folder: Path) -> bool:
    """Whether ``folder`` holds the ``CACHEDIR.TAG`` gdpr-lint writes (a regular file, not a link)."""
    data = _read_regular(folder / "CACHEDIR.TAG", 4096)
    return data is not None and b"gdpr-lint" in data


def _read_regular(path: Path | str, limit: int) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes, opened without following a link
    (``None`` for anything else: absent, a link, a FIFO, a device, a folder, too large)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except (OSError, ValueError):
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks) if size <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def content_key(*parts: str | bytes) -> str:
    """SHA-256 hex digest of the tool version and ``parts`` (separated, so parts cannot run together)."""
    h = hashlib.sha256(__version__.encode())
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part  # a name not UTF-8
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


# ---- the per-user key ------------------------------------------------------------------------------
ENV_KEY = "GDPR_LINT_CACHE_KEY"
_KEYS: dict[str, bytes] = {}  # key file -> key, once read in this process
_NOTED: set[str] = set()


def key_file() -> Path:
    """Where this user's cache key lives: ``$XDG_CACHE_HOME/gdpr-lint/key`` when that is an absolute
    path, else ``~/.cache/gdpr-lint/key``."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "gdpr-lint" / "key"


def _note(message: str) -> None:
    """Say once per process why the cache is not used (it costs speed, never correctness)."""
    if message not in _NOTED:
        _NOTED.add(message)
        print(f"gdpr-lint: results cache not used: {message}", file=sys.stderr)


def _private_folder(folder: Path) -> str:
    """Why ``folder`` cannot hold the key (``""`` when it can): not a real folder, or another
    user's, or writable by others."""
    try:
        st = os.lstat(folder)
    except OSError as exc:
        return f"{folder}: {exc.strerror or exc}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{folder} is not a folder (or is a symbolic link)"
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return f"{folder} belongs to another user"
    if os.name == "posix" and st.st_mode & 0o022:
        return f"others may write to {folder}"
    return ""


def _work_tree_of(folder: Path) -> tuple[Path, bool]:
    """``(the top of the git work tree holding folder, True)`` (resolved), else ``(folder itself,
    False)``."""
    here = folder.resolve()
    for candidate in (here, *here.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate, True
    return here, False


def user_key(cache_folder: Path) -> bytes | None:
    """This user's secret cache key: ``$GDPR_LINT_CACHE_KEY`` when set (64 hex digits, for CI, from
    a secret), else the key file, made on first use; ``None`` (and a note on stderr) when the file
    cannot be made or read safely, or lies inside the work tree of ``cache_folder``.

    Raises:
        UsageError: ``$GDPR_LINT_CACHE_KEY`` is set but not 64 hex digits.
    """
    given = os.environ.get(ENV_KEY, "").strip()
    if given:
        if not re.fullmatch(r"[0-9a-fA-F]{64}", given):
            raise UsageError(f"${ENV_KEY} must be 64 hex digits (a secret made with `openssl rand -hex 32`), "
                             f"not {len(given)} characters")
        return bytes.fromhex(given)
    try:
        path = key_file()
    except (RuntimeError, KeyError, OSError):  # no home folder to keep it in
        _note("no home folder for the cache key (set XDG_CACHE_HOME to a private folder)")
        return None
    where = str(path)
    if where in _KEYS:
        key = _KEYS[where]
    else:
        key, problem = _load_or_make_key(path)
        if key is None:
            _note(f"{problem} (set XDG_CACHE_HOME to a private folder outside the repository, or use --no-cache)")
            return None
        _KEYS[where] = key
    try:
        # the folder that may come with the code (a pull request's checkout): the git work tree
        # holding the cache, else the folder holding it, unless that is the file system's root
        # (`--cache-dir /cache`: no project holds it, the cache folder itself is then the one)
        tree, git = _work_tree_of(cache_folder.absolute().parent)
        if not git and tree.parent == tree:
            tree = cache_folder.absolute().resolve()
        inside = path.resolve().is_relative_to(tree)
    except (OSError, RuntimeError):
        tree, git, inside = cache_folder, False, True
    if inside:
        _note(f"the cache key {path} lies inside {'the repository' if git else 'the folder'} {tree}, which holds "
              f"the cache {cache_folder}; keep the key outside it (XDG_CACHE_HOME)")
        return None
    return key


def _load_or_make_key(path: Path) -> tuple[bytes | None, str]:
    folder = path.parent
    if not os.path.lexists(path):
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            return None, f"cannot create {folder} for the cache key ({exc.strerror or exc})"
        problem = _private_folder(folder)
        if problem:
            return None, f"the cache key's folder is not private: {problem}"
        try:
            _make_key(path)
        except OSError as exc:
            return None, f"cannot create the cache key {path} ({exc.strerror or exc})"
    problem = _private_folder(folder)
    if problem:
        return None, f"the cache key's folder is not private: {problem}"
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        return None, f"cannot read the cache key {path} ({exc.strerror or exc}; a symbolic link is refused)"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, f"the cache key {path} is not a regular file"
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            return None, f"the cache key {path} belongs to another user"
        if os.name == "posix" and st.st_mode & 0o077:
            return None, f"the cache key {path} may be read by others (mode {stat.S_IMODE(st.st_mode):o}, expected 600)"
        data = os.read(fd, 2 * _KEY_BYTES + 1)
    except OSError as exc:
        return None, f"cannot read the cache key {path} ({exc.strerror or exc})"
    finally:
        os.close(fd)
    if len(data) != 2 * _KEY_BYTES or not re.fullmatch(rb"[0-9a-f]+", data):
        return None, f"the cache key {path} is not {2 * _KEY_BYTES} hex digits (delete it to make a new one)"
    return bytes.fromhex(data.decode("ascii")), ""


def _make_key(path: Path) -> None:
    """Write a new random key to ``path`` unless one appears there first (then that one stands)."""
    import secrets
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=path.parent)  # O_EXCL, mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_hex(_KEY_BYTES).encode("ascii"))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic and never replaces: a concurrent first scan's key wins
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system: create it in place, exclusively
            data = Path(tmp).read_bytes()
            try:
                out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
            except FileExistsError:
                return
            with os.fdopen(out, "wb") as fh:
                fh.write(data)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _mac(key: bytes, namespace: str, name: str, payload: bytes) -> bytes:
    """HMAC-SHA256 (hex) of an entry: its namespace and key are covered too, so an entry cannot be
    moved to another name."""
    mac = hmac.new(key, b"gdpr-lint cache entry\x00%s\x00%s\x00" % (namespace.encode(), name.encode()),
                   hashlib.sha256)
    mac.update(payload)
    return mac.hexdigest().encode("ascii")


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


class Cache:
    """A folder of authenticated JSON entries by namespace and key; ``folder=None`` is a cache that
    never hits.  Values given to :meth:`put` must be JSON data (dicts, lists, strings, numbers,
    booleans, ``None``); :meth:`get` gives them back through a ``decode`` function that checks their
    shape."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder  # as given (what `cache clear` looks at)
        self._root: Path | None = None  # the folder entries are read from and written to, once it is usable
        self._ready = False
        self._key: bytes | None = None
        self._checked: set[str] = set()  # namespace folders found to be real folders (or absent)
        if folder is not None:
            if os.path.lexists(folder) and not _is_real_dir(folder):
                _note(f"{folder} is a symbolic link or not a folder")
            else:
                self._key = user_key(folder)
                self._root = folder if self._key is not None else None

    @property
    def in_use(self) -> bool:
        """Whether entries are read and written at all (no folder, or an unusable one: never)."""
        return self._root is not None

    def _namespace_ok(self, namespace: str) -> bool:
        """Whether the namespace folder is a real folder or absent (a link turns the cache off)."""
        if namespace in self._checked:
            return True
        assert self._root is not None
        path = self._root / namespace
        if os.path.lexists(path) and not _is_real_dir(path):
            _note(f"{path} is a symbolic link or not a folder")
            self._root = None
            return False
        self._checked.add(namespace)
        return True

    def _entry(self, namespace: str, key: str) -> Path | None:
        if self._root is None or namespace not in NAMESPACES or not _KEY_RE.match(key):
            return None
        if not self._namespace_ok(namespace):
            return None
        return self._root / namespace / key[:2] / key

    def get(self, namespace: str, key: str, decode: Callable[[Any], Any] | None = None) -> Any | None:
        """The entry, through ``decode`` (which raises :class:`BadEntry`, ``ValueError``,
        ``TypeError``, ``KeyError`` or ``IndexError`` on data of the wrong shape); ``None`` when
        absent, unreadable, not authentic or malformed."""
        path = self._entry(namespace, key)
        if path is None or self._key is None:
            return None
        sub = path.parent
        if os.path.lexists(sub) and not _is_real_dir(sub):
            return None
        data = _read_regular(path, _HEADER + MAX_BYTES[namespace])
        if data is None or len(data) < _HEADER or not data.startswith(_MAGIC) or data[_HEADER - 1:_HEADER] != b"\n":
            return None
        payload = data[_HEADER:]
        if not hmac.compare_digest(data[len(_MAGIC):_HEADER - 1], _mac(self._key, namespace, key, payload)):
            return None
        try:
            value = json.loads(payload)
            return value if decode is None else decode(value)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, MemoryError):
            return None  # BadEntry and json.JSONDecodeError are ValueErrors

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store an entry (best effort: a read-only or full disk only costs speed)."""
        path = self._entry(namespace, key)
        if path is None or self._key is None:
            return
        try:
            payload = json.dumps(value, separators=(",", ":"), allow_nan=False).encode("ascii")
        except (TypeError, ValueError, RecursionError):
            return
        if len(payload) > MAX_BYTES[namespace]:
            return
        data = _MAGIC + _mac(self._key, namespace, key, payload) + b"\n" + payload
        import tempfile  # here: a warm scan writes nothing

        try:
            if not self._prepare():
                return
            for folder in (path.parent.parent, path.parent):
                try:
                    folder.mkdir()
                except FileExistsError:
                    pass
                if not _is_real_dir(folder):
                    return  # a link or a file where a folder belongs: never written through
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)  # replaces a link or file at `path`, never writes through it
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            pass

    def keep_newest(self, namespace: str, count: int) -> None:
        """Delete all but the ``count`` entries of ``namespace`` written last (best effort): for the
        namespaces whose entries a later scan replaces rather than reuses (the snapshot of each set
        of paths scanned, the project facts of each state of the surveys), so the folder does not
        grow with every edit.  Only regular files named as entries, in prefix folders that are not
        links, are deleted."""
        found = sorted(self._entries(namespace), reverse=True)
        _delete(path for _when, _key, path in found[count:])

    def drop_unused(self, namespace: str, used: set[str] | frozenset[str], older_than_s: float) -> int:
        """Delete the entries of ``namespace`` whose key is not in ``used`` and that were written more
        than ``older_than_s`` seconds ago (best effort, as :meth:`keep_newest`): for the namespaces
        keyed by content (a file's survey, its analysis), where every edit adds an entry that no
        later scan of the edited file reads.  Returns how many were deleted."""
        before = time.time_ns() - int(older_than_s * 1e9)
        return _delete(path for when, key, path in self._entries(namespace) if when < before and key not in used)

    def prune_due(self, every_s: float) -> bool:
        """Whether the cache last dropped unused entries (:meth:`drop_unused`) more than ``every_s``
        seconds ago, or never: if so, the time is noted now in the marker :data:`PRUNED_MARK`, so
        that one scan a day does it.  A marker that is not a regular file (a link) is left alone,
        and then the answer is no."""
        if self._root is None or not self._prepare():
            return False
        mark = self._root / PRUNED_MARK
        try:
            found = os.lstat(mark)
        except FileNotFoundError:
            try:
                os.close(os.open(mark, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(
                    os, "O_CLOEXEC", 0), 0o644))
            except OSError:
                return False
            return True
        except OSError:
            return False
        if not stat.S_ISREG(found.st_mode) or time.time() - found.st_mtime < every_s:
            return False
        try:
            os.utime(mark, follow_symlinks=False)
        except (OSError, NotImplementedError):
            return False
        return True

    def _entries(self, namespace: str) -> list[tuple[int, str, str]]:
        """``(time written in ns, key, path)`` of every entry of ``namespace``: regular files named as
        entries, in prefix folders that are not links (none when the namespace is not usable)."""
        if self._root is None or namespace not in NAMESPACES or not self._namespace_ok(namespace):
            return []
        found: list[tuple[int, str, str]] = []
        try:
            with os.scandir(self._root / namespace) as prefixes:
                for prefix in prefixes:
                    if len(prefix.name) != 2 or not prefix.is_dir(follow_symlinks=False):
                        continue
                    with os.scandir(prefix.path) as entries:
                        found.extend((e.stat(follow_symlinks=False).st_mtime_ns, e.name, e.path) for e in entries
                                     if _KEY_RE.match(e.name) and e.is_file(follow_symlinks=False))
        except OSError:
            return []
        return found

    def _prepare(self) -> bool:
        """Make the folder and its markers; ``False`` when the folder is not a real folder."""
        if self._ready:
            return True
        if self._root is None:
            return False
        try:
            self._root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # (a read-only place, a file on the way: said once, and no cache)
            _note(f"{self._root} cannot be made ({exc.strerror or exc})")
            self._root = None
            return False
        if not _is_real_dir(self._root):
            return False
        for name, text in ((".gitignore", "# created by gdpr-lint\n*\n"), ("CACHEDIR.TAG", CACHEDIR_TAG)):
            try:
                fd = os.open(self._root / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
                             | getattr(os, "O_CLOEXEC", 0), 0o644)
            except FileExistsError:
                continue  # whatever has the name (even a link) is left as it is
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
        self._ready = True
        return True

    def clear(self) -> int:
        """Delete every entry and the folder; returns how many entries there were.

        Only a folder this tool created is deleted: it must hold gdpr-lint's ``CACHEDIR.TAG`` and
        nothing but the cache's own namespaces and markers.

        Raises:
            OSError: the folder is not a gdpr-lint cache (or is a symbolic link); nothing is deleted.
        """
        if self.folder is None or not os.path.lexists(self.folder):
            return 0
        if self.folder.is_symlink() or not self.folder.is_dir():
            raise OSError(f"{self.folder} is not a folder gdpr-lint created (a link or a file); not deleted")
        ours = _is_ours(self.folder)
        strangers = [p.name for p in self.folder.iterdir() if p.name not in _OWN_NAMES]
        if not ours or strangers:
            why = "no gdpr-lint CACHEDIR.TAG" if not ours else f"it also holds {', '.join(sorted(strangers)[:3])}"
            raise OSError(f"{self.folder} does not look like a gdpr-lint cache ({why}); not deleted")
        import shutil

        count = sum(1 for p in self.folder.rglob("*") if p.is_file() and p.parent != self.folder)
        shutil.rmtree(self.folder)
        return count


def _delete(paths) -> int:
    """Unlink each path (best effort); how many were."""
    done = 0
    for path in paths:
        try:
            os.unlink(path)
            done += 1
        except OSError:
            pass
    return done


# ---- checking the shape of cached data -------------------------------------------------------------
def need(value: Any, kind: type | tuple[type, ...]) -> Any:
    """``value`` when it is an instance of ``kind`` (a ``bool`` is not an ``int`` here), else
    :class:`BadEntry`."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise BadEntry(f"expected {kind}, found {type(value).__name__}")
    return value


def need_list(value: Any, kind: type | tuple[type, ...]) -> list:
    """A list whose items are all of ``kind``."""
    for item in need(value, list):
        need(item, kind)
    return value


def need_keys(value: Any, keys: frozenset[str] | set[str]) -> dict:
    """A dict with exactly ``keys``."""
    if need(value, dict).keys() != keys:
        raise BadEntry("unexpected keys")
    return value
