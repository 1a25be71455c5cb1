"""Read the small files gdpr-lint is told about (configs, data maps, baselines) safely.

Only a regular file of bounded size is read: a FIFO would block for ever, ``/dev/zero`` (or a
committed symbolic link to it) never ends, a directory or a socket cannot be read at all.  The
file is opened without blocking and checked with ``fstat`` on the descriptor that is then read,
so it cannot be swapped between the check and the read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

CONFIG_BYTES = 2_000_000  # a config file or a pyproject.toml
DATAMAP_BYTES = 20_000_000  # a data map (tens of thousands of fields)
BASELINE_BYTES = 100_000_000  # a baseline (hundreds of thousands of findings)


class NotReadable(ValueError):
    """Why a file cannot be read: ``str(error)`` is a phrase such as ``"a pipe, not a regular file"``."""


def open_regular(path: Path | str) -> tuple[int, os.stat_result]:
    """``(file descriptor, its stat)`` of a regular file, opened for reading without blocking (a
    FIFO swapped in after a check would block ``open``) and checked with ``fstat`` on what was
    opened, so nothing can be swapped in between.  The caller closes the descriptor.

    Raises:
        NotReadable: missing, unreadable, or not a regular file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise NotReadable(exc.strerror or str(exc)) from None
    try:
        st = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise NotReadable(exc.strerror or str(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotReadable(f"{_kind(st.st_mode)}, not a regular file")
    return fd, st


def read_bytes(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``).

    Raises:
        NotReadable: missing, unreadable, not a regular file, or larger than ``limit``.
    """
    fd, st = open_regular(path)
    try:
        if st.st_size > limit:
            raise NotReadable(f"larger than {_size(limit)}")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew after the check
            raise NotReadable(f"larger than {_size(limit)}")
        return b"".join(chunks)
    except OSError as exc:
        raise NotReadable(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)


def read_text(path: Path | str, limit: int) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a BOM is dropped).

    Raises:
        NotReadable: as :func:`read_bytes`, or the bytes are not UTF-8.
    """
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise NotReadable(f"not UTF-8 (line {line})") from None


def is_special(path: Path | str) -> bool:
    """Whether ``path`` exists (through symbolic links) but is neither a regular file nor a folder."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"  # pragma: no cover - every kind of st_mode is named above


def _size(limit: int) -> str:
    return f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit:,} bytes"
