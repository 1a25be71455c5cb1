"""Reading Python source as Python reads it: the one reader every part of gdpr-lint uses.

Python decides a file's encoding from its first bytes (PEP 263 and PEP 3120): a UTF-8 byte-order
mark, or a ``coding:`` comment on line 1, or on line 2 below a comment or blank line 1; UTF-8
otherwise.  It then decodes the whole file with that codec.  :func:`decode` does the same, with
:func:`tokenize.detect_encoding` over the file's first lines (line breaks counted as Python's
tokenizer counts them: ``\\r\\n``, ``\\r`` and ``\\n``), so a file declaring ``coding: utf-7`` is
read as UTF-7 even when its bytes are also valid UTF-8 (``+AAo-`` is a line break to Python, and
so to gdpr-lint).

A file Python refuses is not checked, and says why (GDPR902), never passes as clean: NUL bytes, a
coding line naming an unknown codec or one that is not a text encoding (``rot13``), a codec in
which the coding line itself does not read as written (``utf-16``, ``utf-32``, EBCDIC: Python
reports "encoding problem" or a syntax error), a byte-order mark with another coding line, and
bytes that are not valid in the declared (or default UTF-8) encoding.

Python also reads identifiers in NFKC normal form (PEP 3131): ``ｌｏｇ.warning(...)``, written in
fullwidth letters, calls ``log.warning``.  :func:`decode` rewrites such names to the form Python
uses, so the rules see the name Python runs (strings and comments are left as written).

Only regular files are read (a FIFO or device named ``x.py`` would block or never end), at most
:data:`MAX_BYTES`; :func:`content_sha256` hashes a file of any size for the review digest.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
import tokenize
import unicodedata
from pathlib import Path

MAX_BYTES = 5_000_000  # files larger than this are reported, not parsed
# PEP 263's coding line, as tokenize and CPython's tokenizer match it (ASCII only, on one line)
_CODING = re.compile(rb"^[ \t\f]*#.*?(coding[:=][ \t]*([-\w.]+))", re.ASCII)
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)", re.ASCII)
_UTF8 = ("utf-8", "utf-8-sig")


def _open_regular(path: Path) -> tuple[int | None, os.stat_result | None, str]:
    """``(file descriptor, its stat, "")`` for a regular file, else ``(None, None, why not)``
    (:func:`gdpr_lint.files.readfile.open_regular`, with the reasons a finding gives)."""
    from gdpr_lint.files.readfile import NotReadable, open_regular

    try:
        if path.is_symlink():
            try:
                os.stat(path)
            except OSError as exc:  # (a loop is no broken link: it points somewhere, back to itself)
                return None, None, ("symbolic link that loops back to itself" if exc.errno == errno.ELOOP
                                    else "broken symbolic link")
        fd, st = open_regular(path)
    except OSError as exc:
        return None, None, f"cannot read the file ({exc.strerror or exc})"
    except NotReadable as exc:
        return None, None, f"cannot read the file: {exc}"
    return fd, st, ""


def read_bytes(path: Path) -> tuple[bytes | None, str, str]:
    """``(bytes or None, why not, SHA-256 of the bytes read)`` of a regular file up to :data:`MAX_BYTES`."""
    fd, st, problem = _open_regular(path)
    if fd is None:
        return None, problem, ""
    with os.fdopen(fd, "rb") as fh:
        if st.st_size > MAX_BYTES:
            return None, f"file is {st.st_size / 1_000_000:.1f} MB, larger than the {MAX_BYTES // 1_000_000} MB limit", ""
        try:
            data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            return None, f"cannot read the file ({exc.strerror or exc})", ""
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_BYTES:
        return None, f"file is larger than the {MAX_BYTES // 1_000_000} MB limit", digest
    return data, "", digest


def content_sha256(path: Path) -> str:
    """SHA-256 of a file's whole content, whatever its size (read in blocks), for the digest of a
    file that was not analysed; for what is not a regular file, a description of what it is."""
    link = ""
    try:
        if path.is_symlink():
            link = f"symbolic link to {os.readlink(path)}: "
            if not path.exists():
                return f"broken {link.rstrip(': ')}"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    fd, _st, problem = _open_regular(path)
    if fd is None:
        try:
            kind = stat.S_IFMT(os.stat(path).st_mode)
        except OSError:
            kind = 0
        return link + (f"{problem} (mode {kind:o})" if kind else problem)
    h = hashlib.sha256()
    try:
        with os.fdopen(fd, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    return h.hexdigest()


def _lines_for_detection(data: bytes) -> list[bytes]:
    """The first two lines as Python's tokenizer splits them (``\\r\\n``, ``\\r`` or ``\\n``), each
    ending in ``\\n``."""
    lines: list[bytes] = []
    start = 0
    for m in re.finditer(rb"\r\n|\r|\n", data):
        lines.append(data[start:m.start()] + b"\n")
        start = m.end()
        if len(lines) == 2:
            return lines
    if start < len(data):
        lines.append(data[start:])
    return lines


def _declared(lines: list[bytes]) -> re.Match | None:
    """The PEP 263 coding line among the first two lines, if any."""
    body = [lines[0][3:] if lines and lines[0].startswith(codecs.BOM_UTF8) else (lines[0] if lines else b""),
            *lines[1:2]]
    first = _CODING.match(body[0]) if body else None
    if first:
        return first
    if len(body) > 1 and _BLANK_OR_COMMENT.match(body[0]):
        return _CODING.match(body[1])
    return None


def _line_of(data: bytes, offset: int) -> int:
    return len(re.findall(rb"\r\n|\r|\n", data[:offset])) + 1


# a word with a letter or digit outside ASCII (tried from the start of each word only: from each
# of its letters the same word was read again)
_NON_ASCII_WORD = re.compile(r"\b\w*[^\W\x00-\x7f]\w*")


def normalise_identifiers(text: str) -> str:
    """``text`` with every identifier in the NFKC form Python gives it (PEP 3131); strings and
    comments as they are, except the replacement fields of f-strings, which are code (before
    Python 3.12 the tokenizer returns an f-string as one token: its words are normalised, literal
    text included, which changes nothing a rule reads).  Linear, and free for ASCII text; the
    tokenizer runs only when some word outside ASCII is not already in NFKC."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text) or all(
            unicodedata.is_normalized("NFKC", m.group()) for m in _NON_ASCII_WORD.finditer(text)):
        return text  # (the whole text in NFKC is one pass in C; the words one by one only when not)
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits: list[tuple[int, int, str]] = []  # absolute offsets into text
    try:
        for tok in tokenize.generate_tokens(iter(lines).__next__):
            if tok.string.isascii():
                continue
            at = starts[tok.start[0] - 1] + tok.start[1]
            if tok.type == tokenize.NAME:
                name = unicodedata.normalize("NFKC", tok.string)
                if name != tok.string:
                    edits.append((at, at + len(tok.string), name))
            elif tok.type == tokenize.STRING and "f" in tok.string[:3].lower().split("'")[0].split('"')[0]:
                for m in _NON_ASCII_WORD.finditer(tok.string):
                    word = unicodedata.normalize("NFKC", m.group())
                    if word != m.group():
                        edits.append((at + m.start(), at + m.end(), word))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # Python will not compile it either: what was found so far is rewritten, the rest is reported
    out, last = [], 0
    for begin, finish, word in sorted(edits):
        out += [text[last:begin], word]
        last = finish
    out.append(text[last:])
    return "".join(out)


def decode(data: bytes) -> tuple[str | None, str]:
    """``(text, "")``, or ``(None, why Python would not read it)``, for a file's bytes (identifiers
    as Python reads them: :func:`normalise_identifiers`)."""
    text, problem = _decode(data)
    return (normalise_identifiers(text) if text is not None else None), problem


def _decode(data: bytes) -> tuple[str | None, str]:
    if b"\x00" in data:
        return None, "file contains NUL bytes (binary or corrupt)"
    lines = _lines_for_detection(data)
    declared = _declared(lines)
    name = declared.group(2).decode("ascii") if declared else ""
    try:
        encoding, _ = tokenize.detect_encoding(iter(lines).__next__ if lines else (lambda: b""))
    except SyntaxError as exc:
        reason = str(exc.msg if hasattr(exc, "msg") and exc.msg else exc)
        if reason.startswith("unknown encoding"):
            return None, f"its coding line names an unknown encoding ({name}), so Python refuses to run it"
        if reason.startswith("encoding problem"):
            return None, (f"it starts with a UTF-8 byte-order mark but its coding line says {name}, so Python "
                          "refuses to run it")
        encoding = "utf-8"  # invalid UTF-8 in the first lines and no coding line: reported below
    except (LookupError, StopIteration, ValueError) as exc:
        return None, f"Python cannot tell its encoding ({exc})"
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        return None, f"its coding line names an unknown encoding ({name or encoding}), so Python refuses to run it"
    if info.name in _UTF8:
        bom = data.startswith(codecs.BOM_UTF8)
        try:
            return data.decode("utf-8-sig" if bom else "utf-8"), ""
        except UnicodeDecodeError as exc:
            bad_line = _line_of(data, exc.start + (3 if bom else 0))
            if name:
                return None, (f"not valid UTF-8 at line {bad_line}, although its coding line says {name}; save "
                              "it as UTF-8")
            return None, f"not UTF-8 (line {bad_line}) and no coding line says what it is; save it as UTF-8"
    if not getattr(info, "_is_text_encoding", True):
        return None, (f"its coding line names {name or encoding}, which is not a text encoding, so Python refuses "
                      "to run it")
    if declared is not None:
        # the coding line must read as written in its own codec, or Python cannot get past it:
        # utf-16, utf-32 and EBCDIC code pages give "encoding problem" or a syntax error
        words = declared.group(1)
        try:
            ok = words.decode(encoding) == words.decode("ascii")
        except (UnicodeError, LookupError, ValueError):
            ok = False
        if not ok:
            return None, (f"its coding line declares {name}, an encoding in which the coding line itself does not "
                          "read as written: Python cannot import such a file, and gdpr-lint does not guess")
    try:
        return data.decode(encoding), ""
    except UnicodeDecodeError as exc:
        bad_line = _line_of(data, exc.start)
        return None, f"not valid {name or encoding} at line {bad_line}, as its coding line says ({exc.reason})"
    except (UnicodeError, LookupError, ValueError) as exc:
        return None, f"not valid {name or encoding}, as its coding line says ({exc})"


def read_source_digest(path: Path) -> tuple[str | None, str, str]:
    """``(text or None, reason it cannot be checked, SHA-256 of the bytes read)``: the one reader."""
    data, problem, digest = read_bytes(path)
    if data is None:
        return None, problem, digest
    text, problem = decode(data)
    return text, problem, digest


def read_source(path: Path) -> tuple[str | None, str]:
    """``(text, "")`` or ``(None, reason)`` for a file that cannot be checked."""
    text, problem, _digest = read_source_digest(path)
    return text, problem


def lines_as_git_counts(data: bytes, text: str) -> bool:
    """Whether line ``n`` of ``text`` (as Python and libcst count lines) is line ``n`` of ``data`` as
    git counts lines (``\\n`` only): false for a lone ``\\r`` line break, and for a codec in which a
    line break is not the byte ``\\n`` (UTF-7's ``+AAo-``)."""
    if "\r" in text.replace("\r\n", ""):
        return False
    return data.count(b"\n") == text.count("\n")


#: a line break as Python's tokenizer (and libcst, and ``ast``) counts one: not a form feed or a
#: Unicode line separator, at which ``str.splitlines`` also breaks
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def python_lines(text: str) -> list[str]:
    """The lines of a source text as Python numbers them (line ``n`` is ``[n - 1]``)."""
    return text.split("\n") if "\r" not in text else LINE_BREAK.split(text)  # (the first: 10x faster)


def line_breaks(text: str) -> int:
    """The line breaks of a source text as Python counts them (``\\r\\n``, ``\\r`` or ``\\n``)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def line_count(text: str) -> int:
    """Lines as ``wc -l`` counts them, and a last line without its line break: ``"x = 1\n"`` is one."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)
