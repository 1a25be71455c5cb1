"""The on-disk cache: per-file results keyed by content hash, policy hash and tool version.

Layout: ``<folder>/<namespace>/<key[:2]>/<key>``, one pickle per entry, written atomically (a
temporary file renamed into place), so concurrent scans and interrupted runs never leave a half
entry.  The folder holds a ``.gitignore`` (``*``) and a ``CACHEDIR.TAG`` so it is neither
committed nor backed up.  A key is a SHA-256 over everything the entry depends on; nothing is
ever invalidated in place, a changed input simply gives another key.  Entries that cannot be
read (truncated, written by another Python) count as misses.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

from gdpr_lint import __version__
from gdpr_lint.errors import UsageError

CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by gdpr-lint.\n"
                "# For information about cache directory tags see https://bford.info/cachedir/\n")


def default_folder() -> Path:
    """``$GDPR_LINT_CACHE_DIR`` or ``.gdpr-lint-cache`` in the current folder."""
    return Path(os.environ.get("GDPR_LINT_CACHE_DIR") or ".gdpr-lint-cache")


def folder_for(explicit: str | None = None, no_cache: bool = False) -> Path | None:
    """The cache folder a command uses: ``None`` with ``--no-cache``, else ``--cache-dir`` or
    :func:`default_folder`.

    Raises:
        UsageError: the folder is a file, or sits below one; or it already holds files and is not a
            gdpr-lint cache (the cache would write its ``.gitignore`` of ``*`` and its
            ``CACHEDIR.TAG`` there, hiding the folder from git and from later scans).
    """
    if no_cache:
        return None
    folder = Path(explicit) if explicit else default_folder()
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
    """Whether ``folder`` holds the ``CACHEDIR.TAG`` gdpr-lint writes."""
    tag = folder / "CACHEDIR.TAG"
    try:
        return tag.is_file() and "gdpr-lint" in tag.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def content_key(*parts: str | bytes) -> str:
    """SHA-256 hex digest of the tool version and ``parts`` (separated, so parts cannot run together)."""
    h = hashlib.sha256(__version__.encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class Cache:
    """A folder of pickled entries by namespace and key; ``folder=None`` is a cache that never hits."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._ready = False

    def get(self, namespace: str, key: str) -> Any | None:
        """The entry, or ``None`` when absent or unreadable."""
        if self.folder is None:
            return None
        try:
            with (self.folder / namespace / key[:2] / key).open("rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, ValueError):
            return None

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store an entry (best effort: a read-only or full disk only costs speed)."""
        if self.folder is None:
            return
        target = self.folder / namespace / key[:2] / key
        try:
            self._prepare()
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f"{key}.{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except OSError:
            pass

    def _prepare(self) -> None:
        if self._ready or self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", "# created by gdpr-lint\n*\n"), ("CACHEDIR.TAG", CACHEDIR_TAG)):
            marker = self.folder / name
            if not marker.exists():
                marker.write_text(text, encoding="utf-8")
        self._ready = True

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
        count = sum(1 for p in self.folder.rglob("*") if p.is_file() and p.parent != self.folder)
        shutil.rmtree(self.folder)
        return count


NAMESPACES = ("survey", "result", "snapshot", "policy")
_OWN_NAMES = frozenset({*NAMESPACES, ".gitignore", "CACHEDIR.TAG"})
