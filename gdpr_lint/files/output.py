"""Write what a command makes to the file ``--output`` names."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from gdpr_lint.errors import UsageError


def write_output(path: str | Path, text: str, newline: str | None = None) -> None:
    """Write ``text`` to ``path``, making its folder when it is missing (``-o reports/gdpr.sarif``
    in a fresh CI checkout), as ``review`` makes its own.  ``newline``: as :func:`open` takes it
    (``""`` for CSV, which writes its own line ends).

    Raises:
        UsageError: the file or its folder cannot be written (a file where the folder should be,
            no permission).
    """
    if str(path).endswith(("/", os.sep)):
        raise UsageError(f"cannot write {path}: it names a folder; name the file to write")
    target = Path(path)
    made: list[Path] = []  # the folders this makes, taken back when the file cannot be written
    temporary: str | None = None
    try:
        made = [p for p in target.parents if not p.exists() and not p.is_symlink()]
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or (target.exists() and not target.is_file()):
            # a link, a device (`/dev/stdout`), a pipe: written through, as named
            with open(target, "w", encoding="utf-8", newline=newline) as fh:
                fh.write(text)
            return
        if target.exists() and not os.access(target, os.W_OK):  # (replacing it would get past that)
            raise PermissionError(13, "Permission denied")
        # a regular file: written beside it and moved into place, so that a full disk or a
        # file-size limit leaves the last report whole (or no file), never a part of one
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
        os.chmod(temporary, _mode(target))
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        for folder in made:  # (deepest first)
            try:
                folder.rmdir()
            except OSError:
                break
        raise UsageError(f"cannot write {path}: {_why(target, exc)}") from None


def _mode(target: Path) -> int:
    """The permissions the report gets: those of the file it replaces, else what the umask leaves
    of ``rw-rw-rw-`` (as ``open`` makes a new file; mkstemp's own are the owner's only)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _why(target: Path, exc: OSError) -> str:
    """What stops the write, in words: a file or a broken link where a folder of the path should
    be, else the system's reason."""
    for folder in (*reversed(target.parents), target):
        try:
            if folder.is_symlink() and not folder.exists():
                return f"{folder} is a link to nothing"
            if folder is not target and folder.exists() and not folder.is_dir():
                return f"{folder} is a file, not a folder"
        except OSError:  # (a name too long to ask about)
            break
    return str(exc.strerror or exc)
