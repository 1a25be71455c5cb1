"""SSH sign-offs: SSHSIG signatures made and checked by OpenSSH's ``ssh-keygen -Y``, sign-off records,
git's allowed-signers format, and the deploy-gate decision.

Why ``ssh-keygen`` and not a Python library: it is the reference implementation of the SSHSIG format
(``PROTOCOL.sshsig``) and of the allowed-signers file, both exactly as ``git`` uses them for SSH
commit signing; it is already on every DPO's and CI machine that has OpenSSH (8.2 or newer; Debian's
``openssh-client``); and it signs with every kind of key a DPO may hold -- a key file with a
passphrase, a key in ``ssh-agent``, a FIDO security key (``sk-ssh-ed25519``) -- and checks
``namespaces=``, ``valid-after=``, ``valid-before=`` and ``cert-authority`` in allowed-signers lines.
The ``sshsig`` package only verifies and knows fewer key types; ``cryptography`` would mean writing
the format by hand.  gdpr-lint never parses or builds a signature itself; it only validates the
allowed-signers file first so that a malformed line is reported with its number (exit 2).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gdpr_lint.errors import UsageError
from gdpr_lint.review import NAMESPACE
from gdpr_lint.review.digest import canonical_json

RECORD_FORMAT = "gdpr-lint-signoff"
#: version 2 binds the SHA-256 of the review pages the DPO read (``pages``); version 1 records (before
#: 0.2) are still read, without that binding
RECORD_VERSION = 2
RECORD_VERSIONS = (1, 2)
SIGNOFFS_DIR = Path(".gdpr") / "signoffs"
DECISIONS = ("approve", "reject")
#: the fields of a version 1 record that are signed (everything but ``signature``)
SIGNED_FIELDS_V1 = ("format", "version", "namespace", "digest", "decision", "signer", "role", "signed_at", "expires",
                    "note", "key_fingerprint", "review")
#: the fields of a version 2 record that are signed (everything but ``signature``)
SIGNED_FIELDS = SIGNED_FIELDS_V1 + ("pages",)
#: the review files a record binds, by name (``pages`` maps each to ``sha256:<hex>`` of its bytes)
PAGES = ("review.json", "review.md", "review.html")
#: a record is a few KiB; anything bigger, or nested deeper, is not one
MAX_RECORD_BYTES = 256 * 1024
MAX_RECORD_DEPTH = 16
#: files that may sit (empty) in the sign-offs folder beside the records
KEEP_FILES = (".gitkeep",)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")

KEY_TYPES = {
    "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
}
ALLOWED_OPTIONS = {"cert-authority", "namespaces", "valid-after", "valid-before"}
_TIME = re.compile(r"^\d{8}(\d{4}(\d{2})?)?Z?$")


class SignoffError(UsageError):
    """A usage problem with signing or the allowed-signers file (exit code 2)."""


# ---- ssh-keygen ------------------------------------------------------------------------------------------

def ssh_keygen() -> str:
    """Path of ``ssh-keygen`` (OpenSSH 8.2+), or a :class:`SignoffError` saying how to get it."""
    found = shutil.which("ssh-keygen") or ("/usr/bin/ssh-keygen" if Path("/usr/bin/ssh-keygen").exists() else None)
    if not found:
        raise SignoffError("ssh-keygen (OpenSSH 8.2 or newer) is needed to sign and verify sign-offs; "
                           "install OpenSSH (Debian/Ubuntu: apt-get install openssh-client)")
    return found


def _run(args: list[str], data: bytes | None = None) -> subprocess.CompletedProcess:
    """Run ssh-keygen; without ``data`` its standard input is ours (a passphrase is asked on the tty)."""
    try:
        return subprocess.run([ssh_keygen(), *args], input=data, capture_output=True, check=False, timeout=300)
    except subprocess.TimeoutExpired:
        raise SignoffError(f"ssh-keygen {args[0]} {args[1] if len(args) > 1 else ''} did not finish in 300 s") from None
    except OSError as exc:
        raise SignoffError(f"cannot run ssh-keygen ({exc})") from None


def public_key_of(key: Path) -> str:
    """The OpenSSH public key line of ``key`` (a private key file, or a ``.pub`` for a key in ssh-agent)."""
    candidates = [key] if key.suffix == ".pub" else [Path(str(key) + ".pub")]
    for pub in candidates:
        if pub.is_file():
            text = pub.read_text(encoding="utf-8", errors="replace").strip()
            if text:
                return text.splitlines()[0]
    proc = _run(["-y", "-f", str(key)])
    if proc.returncode != 0 or not proc.stdout:
        raise SignoffError(f"cannot read the public key of {key}")
    return proc.stdout.decode("utf-8", "replace").strip()


def key_comment(pub_line: str) -> str:
    """The comment of a public key line (``ssh-ed25519 AAAA... dpo@example.com`` -> ``dpo@example.com``)."""
    parts = pub_line.split(None, 2)
    return parts[2].strip() if len(parts) == 3 else ""


def key_fingerprint(pub_line: str) -> str:
    """``SHA256:...`` of a public key line (computed as ``ssh-keygen -l`` does)."""
    parts = pub_line.split()
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (IndexError, binascii.Error):
        raise SignoffError("the public key is not in OpenSSH format") from None
    import hashlib

    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def sign(message: bytes, key: Path) -> str:
    """An armored SSHSIG signature of ``message`` in the ``gdpr-lint`` namespace (``ssh-keygen -Y sign``).

    ``key`` is a private key file (ssh-keygen asks for its passphrase on the terminal), or a public
    key whose private half is in ``ssh-agent``.
    """
    if not key.exists():
        raise SignoffError(f"key file not found: {key}")
    with tempfile.TemporaryDirectory(prefix="gdpr-lint-sign-") as tmp:
        msg = Path(tmp) / "signoff.json"
        msg.write_bytes(message)
        proc = _run(["-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(msg)])
        sig = Path(str(msg) + ".sig")
        if proc.returncode != 0 or not sig.is_file():
            said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            too_open = next((line.strip() for line in said if "are too open" in line), "")
            if too_open:  # ssh-keygen's own words, then what to do about it
                raise SignoffError(f"{too_open} It is required that your private key files are NOT accessible by "
                                   f"others, so ssh-keygen ignores this key; run `chmod 600 {key}` and sign again")
            raise SignoffError(f"ssh-keygen could not sign with {key}" + (f" ({said[-1]})" if said else "")
                               + "; give a private key file, or a public key whose private key is in ssh-agent")
        return sig.read_text(encoding="ascii")


def _with_sig(signature: str, fn):
    with tempfile.TemporaryDirectory(prefix="gdpr-lint-verify-") as tmp:
        sig = Path(tmp) / "record.sig"
        sig.write_text(signature, encoding="ascii", errors="replace")
        return fn(str(sig))


def signing_key(message: bytes, signature: str) -> str | None:
    """The key that made ``signature`` over ``message`` in our namespace, as ``ssh-keygen -Y
    check-novalidate`` names it (``ED25519 key SHA256:...``), or ``None`` when the signature is not valid.

    Whether that key may sign is a separate question (:func:`find_principals`, :func:`verify`); this
    is what a message names as "the key that signed", never the key a record claims.
    """
    proc = _with_sig(signature, lambda sig: _run(["-Y", "check-novalidate", "-n", NAMESPACE, "-s", sig],
                                                 data=message))
    if proc.returncode != 0:
        return None
    said = (proc.stdout + b"\n" + proc.stderr).decode("utf-8", "replace")
    found = re.search(r"with (\S+ key SHA256:[A-Za-z0-9+/=]+)", said)
    return found.group(1) if found else "a key ssh-keygen did not name"


def signature_is_valid(message: bytes, signature: str) -> bool:
    """Whether ``signature`` is a valid SSHSIG over ``message`` in our namespace, by any key."""
    return signing_key(message, signature) is not None


def find_principals(signature: str, allowed: Path) -> list[str]:
    """Principals of ``allowed`` whose key made ``signature`` (empty when the key is not listed)."""
    proc = _with_sig(signature, lambda sig: _run(["-Y", "find-principals", "-s", sig, "-f", str(allowed)], data=b""))
    if proc.returncode != 0:
        return []
    return [line.strip() for line in proc.stdout.decode("utf-8", "replace").splitlines() if line.strip()]


def verify(message: bytes, signature: str, allowed: Path, principal: str) -> bool:
    """``ssh-keygen -Y verify``: a valid signature by a key ``allowed`` lists for ``principal``
    in the ``gdpr-lint`` namespace, within the key's validity window."""
    return _with_sig(signature, lambda sig: _run(
        ["-Y", "verify", "-f", str(allowed), "-I", principal, "-n", NAMESPACE, "-s", sig],
        data=message).returncode == 0)


# ---- allowed signers --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AllowedSigner:
    """One line of an allowed-signers file (git's ``gpg.ssh.allowedSignersFile`` format)."""

    line: int
    principals: str
    options: str
    key_type: str
    key: str


def _tokens(text: str) -> list[str]:
    """Split on blanks; a double-quoted run (``namespaces="a,b"``) stays in one token."""
    out, cur, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            cur += ch
        elif ch in " \t" and not quoted:
            if cur:
                out.append(cur)
                cur = ""
        else:
            cur += ch
    if quoted:
        raise ValueError("a double quote is not closed")
    if cur:
        out.append(cur)
    return out


def _check_options(options: str) -> None:
    parts, cur, quoted = [], "", False
    for ch in options:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    for part in parts:
        name, eq, value = part.partition("=")
        if name.lower() not in ALLOWED_OPTIONS:
            raise ValueError(f"unknown option {name!r} (allowed: {', '.join(sorted(ALLOWED_OPTIONS))})")
        if name.lower() == "cert-authority" and eq:
            raise ValueError("cert-authority takes no value")
        if name.lower() != "cert-authority":
            value = value.strip('"')
            if not eq or not value:
                raise ValueError(f"option {name} needs a value")
            if name.lower() in ("valid-after", "valid-before") and not _TIME.match(value):
                raise ValueError(f"{name}={value!r} is not a time like 20250131 or 202501311200Z")


def parse_allowed_signers(path: Path) -> list[AllowedSigner]:
    """Read and check an allowed-signers file.

    Each line is ``principals [options] key-type base64-key [comment]``; blank lines and ``#``
    comments are skipped.  Raises :class:`SignoffError` naming the file and the line number of the
    first malformed line (and for a file that is missing, unreadable or lists no key).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SignoffError(f"allowed-signers file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SignoffError(f"cannot read the allowed-signers file {path} ({exc})") from None
    out: list[AllowedSigner] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            toks = _tokens(line)
            if len(toks) < 3:
                raise ValueError("expected `principals [options] key-type base64-key`")
            principals = toks[0]
            if toks[1] in KEY_TYPES:
                options, key_type, key = "", toks[1], toks[2]
            else:
                if len(toks) < 4:
                    raise ValueError(f"{toks[1]!r} is not a key type, and no key follows it")
                options, key_type, key = toks[1], toks[2], toks[3]
                _check_options(options)
                if key_type not in KEY_TYPES:
                    raise ValueError(f"unknown key type {key_type!r}")
            try:
                blob = base64.b64decode(key, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("the key is not valid base64") from None
            if len(blob) < 4 or blob[4:4 + int.from_bytes(blob[:4], "big")].decode("ascii", "replace") != key_type:
                raise ValueError(f"the key does not hold a {key_type} key")
            if not principals.strip('"').strip(","):
                raise ValueError("no principal (e-mail address or name) before the key")
        except ValueError as exc:
            raise SignoffError(f"malformed allowed-signers file {path}, line {n}: {exc}") from None
        out.append(AllowedSigner(n, principals, options, key_type, key))
    if not out:
        raise SignoffError(f"the allowed-signers file {path} lists no key")
    return out


# ---- records ----------------------------------------------------------------------------------------------

def utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def iso(t: _dt.datetime) -> str:
    return t.astimezone(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


_END_OF_TIME = _dt.datetime.max.replace(tzinfo=_dt.timezone.utc)


def parse_expiry(text: str) -> tuple[str, _dt.datetime]:
    """``(stored text, instant)`` for ``--expires``: a date (valid through that day, UTC) or an ISO
    8601 date-time with a time zone.  ``9999-12-31`` holds to the end of the calendar."""
    if not isinstance(text, str):
        raise SignoffError(f"--expires {text!r} is not a date (2027-01-31) or a date-time (2027-01-31T17:00:00Z)")
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = _dt.date.fromisoformat(text)
            if day == _dt.date.max:
                return text, _END_OF_TIME
            end = _dt.datetime.combine(day + _dt.timedelta(days=1), _dt.time(), _dt.timezone.utc)
            return text, end
        t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SignoffError(f"--expires {text!r} is not a date (2027-01-31) or a date-time "
                           "(2027-01-31T17:00:00Z)") from None
    if t.tzinfo is None:
        raise SignoffError(f"--expires {text!r} needs a time zone (add Z for UTC), or give just a date")
    try:
        return iso(t), t.astimezone(_dt.timezone.utc)
    except OverflowError:
        raise SignoffError(f"--expires {text!r} is outside the calendar once converted to UTC") from None


def expiry_instant(expires: str | None) -> _dt.datetime | None:
    return parse_expiry(expires)[1] if expires else None


def parse_signed_at(text: str) -> _dt.datetime:
    """The instant of a record's ``signed_at`` (an ISO 8601 date-time with a time zone), or ``ValueError``."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})", text):
        raise ValueError("not a date-time with a time zone")
    t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    try:
        return t.astimezone(_dt.timezone.utc)
    except OverflowError:
        raise ValueError("outside the calendar") from None


def payload(record: dict) -> bytes:
    """The bytes that are signed: the canonical JSON of the record without its signature
    (a version 1 record has no ``pages``)."""
    fields = SIGNED_FIELDS_V1 if record.get("version") == 1 else SIGNED_FIELDS
    return canonical_json({k: record.get(k) for k in fields})


def make_record(digest: str, decision: str, signer: str, role: str, note: str, expires: str | None,
                key_fpr: str, review: dict, now: _dt.datetime | None = None, pages: dict | None = None) -> dict:
    """A sign-off record, not yet signed.  ``pages`` (``{"review.json": "sha256:...", ...}``: the pages the
    DPO read) makes a version 2 record; without it the record is version 1, which binds no pages."""
    record = {"format": RECORD_FORMAT, "version": RECORD_VERSION if pages is not None else 1, "namespace": NAMESPACE,
              "digest": digest, "decision": decision, "signer": signer, "role": role,
              "signed_at": iso(now or utc_now()), "expires": expires, "note": note, "key_fingerprint": key_fpr,
              "review": review}
    if pages is not None:
        record["pages"] = dict(pages)
    return record


def record_filename(record: dict) -> str:
    stamp = record["signed_at"].replace("-", "").replace(":", "")
    who = re.sub(r"[^A-Za-z0-9._-]+", "_", record["signer"])[:40].strip("_") or "signer"
    return f"{stamp}-{record['digest'].split(':')[-1][:12]}-{record['decision']}-{who}.json"


def write_record(folder: Path, record: dict) -> Path:
    """Write ``record`` as a new file in ``folder`` (never over an existing record, never through a link).

    Raises:
        SignoffError: ``folder`` is, or is inside, a symbolic link, or is not a folder.
        OSError: the file cannot be written.
    """
    problem = folder_problem(folder)
    if problem:
        raise SignoffError(f"cannot write the sign-off: {shown(folder)} {problem}")
    folder.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    name = record_filename(record)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for n in range(1, 100):
        path = folder / (name if n == 1 else f"{name[:-5]}-{n}.json")
        try:
            fd = os.open(path, flags, 0o644)
        except FileExistsError:
            continue  # a record is never overwritten: a committed one would then fail the gate as changed
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return path
    raise SignoffError(f"cannot write the sign-off: {shown(folder)} already holds {name} and 98 more like it")


class NotARegularFile(Exception):
    """A file that is not read: ``str(exc)`` says why (``is a FIFO (named pipe), not a regular file``)."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def read_regular(path: Path, limit: int, follow: bool = False) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Never blocks and never reads more than ``limit + 1`` bytes: a FIFO, socket or device is refused
    from its ``lstat`` (and again from ``fstat`` once open, against a swap in between), a symbolic link
    is refused unless ``follow`` (``O_NOFOLLOW``), and the file is opened with ``O_NONBLOCK``.

    Raises:
        NotARegularFile: with the reason as its message.
    """
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        raise NotARegularFile("does not exist") from None
    except OSError as exc:
        raise NotARegularFile(f"cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise NotARegularFile(f"is {_kind(st.st_mode)}, not a regular file")
    if st.st_size > limit:
        raise NotARegularFile(f"is larger than {limit // 1024} KiB")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise NotARegularFile(f"cannot be read ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(f"is {_kind(st.st_mode)}, not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise NotARegularFile(f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if size > limit:
        raise NotARegularFile(f"is larger than {limit // 1024} KiB")
    return b"".join(chunks)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _no_float(text: str):
    raise ValueError(f"a number with a fraction or exponent ({text[:20]}) has no place in a record")


def _no_duplicates(pairs: list) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice")
        out[key] = value
    return out


def _too_deep(obj, limit: int) -> bool:
    stack = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def parse_record(data: bytes) -> tuple[dict | None, str]:
    """``(record, "")`` for the bytes of a well-formed sign-off record, else ``(None, what is wrong)``.

    Strict, so that what the gate reads is exactly what was signed: UTF-8 JSON without NaN,
    infinities, fractions or repeated keys, nested at most :data:`MAX_RECORD_DEPTH` deep, with the
    fields of its version only, each of the right type.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "is not UTF-8 text"
    try:
        rec = json.loads(text, parse_constant=_no_constant, parse_float=_no_float, object_pairs_hook=_no_duplicates)
    except RecursionError:
        return None, "is nested too deeply to be a sign-off record"
    except ValueError as exc:
        return None, f"is not valid JSON ({' '.join(str(exc).split())[:160]})"
    if _too_deep(rec, MAX_RECORD_DEPTH):
        return None, "is nested too deeply to be a sign-off record"
    problem = _record_problem(rec)
    return (None, problem) if problem else (rec, "")


def _record_problem(rec) -> str:
    if not isinstance(rec, dict):
        return "is not a JSON object"
    if rec.get("format") != RECORD_FORMAT or type(rec.get("version")) is not int \
            or rec["version"] not in RECORD_VERSIONS:
        return f"is not a {RECORD_FORMAT} record of version {' or '.join(map(str, RECORD_VERSIONS))}"
    fields = SIGNED_FIELDS_V1 if rec["version"] == 1 else SIGNED_FIELDS
    unknown = sorted(set(rec) - set(fields) - {"signature"})
    if unknown:
        return f"has a field a version {rec['version']} record does not have: {unknown[0]!r}"
    missing = [k for k in (*fields, "signature") if k not in rec]
    if missing:
        return f"has no `{missing[0]}`"
    for key in ("digest", "decision", "signer", "signed_at", "signature"):
        if not isinstance(rec[key], str) or not rec[key]:
            return f"has no `{key}` text"
    for key in ("role", "note", "key_fingerprint", "expires"):
        if rec[key] is not None and not isinstance(rec[key], str):
            return f"has a `{key}` that is not text"
    if rec.get("namespace") != NAMESPACE:
        return f"is not in the {NAMESPACE} namespace"
    if not _DIGEST.fullmatch(rec["digest"]):
        return "has a `digest` that is not sha256:<64 hex digits>"
    if rec["decision"] not in DECISIONS:
        return f"has an unknown decision {rec['decision'][:40]!r}"
    if not rec["signature"].startswith("-----BEGIN SSH SIGNATURE-----"):
        return "has a `signature` that is not an SSH signature"
    if rec["review"] is not None and not isinstance(rec["review"], dict):
        return "has a `review` that is not an object"
    if rec["version"] >= 2:
        pages = rec["pages"]
        if not isinstance(pages, dict) or sorted(pages) != sorted(PAGES) \
                or not all(isinstance(v, str) and _DIGEST.fullmatch(v) for v in pages.values()):
            return f"has `pages` that are not the SHA-256 of {', '.join(PAGES)}"
    try:
        parse_signed_at(rec["signed_at"])
    except ValueError:
        return f"has a malformed `signed_at` ({rec['signed_at'][:40]!r})"
    try:
        expiry_instant(rec["expires"])
    except SignoffError:
        return f"has a malformed `expires` ({rec['expires'][:40]!r})"
    return ""


def shown(path: Path) -> str:
    """A path for a one-line message: undecodable bytes and control characters replaced."""
    text = os.fsencode(str(path)).decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def folder_problem(folder: Path) -> str:
    """Why ``folder`` (or a folder above it, within the path as given) cannot hold records, or ``""``."""
    parts = folder.parts
    for n in range(1, len(parts) + 1):
        sub = Path(*parts[:n])
        if sub.is_absolute() and n < len(parts):
            continue  # an absolute path the operator gave: only its own folders are checked
        try:
            st = os.lstat(sub)
        except FileNotFoundError:
            return ""
        except OSError as exc:
            return f"cannot be read ({exc.strerror or exc})"
        itself = n == len(parts)
        if stat.S_ISLNK(st.st_mode):
            where = "is a symbolic link" if itself else f"is inside a symbolic link ({shown(sub)})"
            return f"{where}, and records are read without following links"
        if not stat.S_ISDIR(st.st_mode):
            what = "a file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)
            return f"is not a folder: {'it' if itself else shown(sub)} is {what}"
    return ""


def load_records(folder: Path) -> list[tuple[Path, dict | None, str]]:
    """Every entry of ``folder``: ``(path, record, "")`` for a well-formed record, ``(path, None, problem)``
    for anything else: a file that is not a regular ``*.json`` file of at most :data:`MAX_RECORD_BYTES`
    (a symbolic link, FIFO, device, folder), one that cannot be read, or one that is not a well-formed
    record.  A problem with ``folder`` itself is one ``(folder, None, problem)`` entry.  No file is
    opened through a link and nothing blocks.
    """
    problem = folder_problem(folder)
    if problem:
        return [(folder, None, problem)]
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [(folder, None, f"cannot be listed ({exc.strerror or exc})")]
    out: list[tuple[Path, dict | None, str]] = []
    for entry in entries:
        path = folder / entry.name
        try:
            if entry.name in KEEP_FILES and entry.is_file(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_size == 0:
                continue  # an empty placeholder that keeps the folder in git
        except OSError:
            pass
        try:
            data = read_regular(path, MAX_RECORD_BYTES)
        except NotARegularFile as exc:
            out.append((path, None, str(exc)))
            continue
        if not entry.name.endswith(".json"):
            out.append((path, None, "is not a sign-off record (only *.json records belong in this folder)"))
            continue
        rec, problem = parse_record(data)
        out.append((path, rec, problem))
    return out


# ---- the gate ----------------------------------------------------------------------------------------------

@dataclass
class Checked:
    """One record for the current digest, checked."""

    path: Path
    record: dict
    state: str  # valid | invalid | not-allowed
    identity: str = ""
    key: str = ""  # the key that made the signature (``ED25519 key SHA256:...``), when it is valid


@dataclass
class GateResult:
    ok: bool
    # ok | no-signoff | stale | rejected | expired | not-allowed | invalid | malformed | removed | changed
    # | wrong-repository
    reason: str
    sentence: str
    record: dict | None = None


def check_record(path: Path, rec: dict, allowed: Path) -> Checked:
    """Check one well-formed record's signature and signer against ``allowed``."""
    message = payload(rec)
    key = signing_key(message, rec["signature"])
    if key is None:
        return Checked(path, rec, "invalid")
    principals = find_principals(rec["signature"], allowed)
    if not principals:
        return Checked(path, rec, "not-allowed", key=key)
    ordered = ([rec["signer"]] if rec["signer"] in principals else []) + principals
    for principal in ordered:
        if verify(message, rec["signature"], allowed, principal):
            return Checked(path, rec, "valid", identity=principal, key=key)
    return Checked(path, rec, "not-allowed", key=key)


def _short(digest: str) -> str:
    return digest.split(":")[-1][:12]


def _when(rec: dict) -> str:
    return str(rec.get("signed_at", ""))[:10]


def one_line(text) -> str:
    """Signed text (a note, a role) for a one-line message: whitespace folded, control characters replaced."""
    return "".join(ch if ch.isprintable() else "?" for ch in " ".join(str(text).split()))


def _repository_of(rec: dict):
    review = rec.get("review")
    return review.get("repository") if isinstance(review, dict) else None


def gate(digest: str, folder: Path, allowed: Path, now: _dt.datetime | None = None,
         repository: str | None = None, history: bool = True) -> GateResult:
    """The deploy decision for ``digest``: ok only with an unexpired ``approve`` record for it,
    validly signed by a key ``allowed`` lists, that no later valid ``reject`` overrides.

    Fails closed, with one sentence saying why, on: any entry of ``folder`` that is not a readable,
    well-formed record (:func:`load_records`); with ``history``, a record that git's history of the
    folder shows was committed and has since been deleted, renamed or changed
    (:func:`gdpr_lint.review.history.tampered`, which may raise a usage error: a shallow clone, git
    failing); a record for ``digest`` whose signature does not match it; with ``repository``, a valid
    record for ``digest`` signed for another repository.  The latest valid record (by its signed time)
    decides.  Records by keys ``allowed`` does not list never count.
    """
    now = now or utc_now()
    records = load_records(folder)
    bad = [(p, prob) for p, r, prob in records if prob]
    if bad:
        path, prob = bad[0]
        more = f" (and {len(bad) - 1} more entr{'y' if len(bad) == 2 else 'ies'})" if len(bad) > 1 else ""
        return GateResult(False, "malformed", f"malformed record: {shown(path)} {prob}{more}; the gate reads only "
                          "well-formed sign-off records (regular *.json files), and anything else in the folder fails "
                          "it: restore the record as it was committed, or remove what is not a record.")
    if history:
        from gdpr_lint.review.history import tampered

        found = tampered(folder, Path.cwd())
        if found is not None:
            return GateResult(False, found.kind, found.sentence())
    if not records:
        return GateResult(False, "no-signoff", f"no sign-off: {shown(folder)} holds no sign-off record; run "
                          "`gdpr-lint review` and have the DPO sign it with `gdpr-lint signoff`.")
    mine = [(p, r) for p, r, _prob in records if r["digest"] == digest]
    if not mine:
        last = max((r for _p, r, _prob in records), key=lambda r: parse_signed_at(r["signed_at"]))
        return GateResult(False, "stale", f"stale: the privacy-relevant content changed since it was signed off "
                          f"(last signed {_short(last['digest'])} on {_when(last)}); the code is now "
                          f"{_short(digest)}, so run `gdpr-lint review` and have it signed again.")
    checked = [check_record(p, r, allowed) for p, r in mine]
    invalid = [c for c in checked if c.state == "invalid"]
    if invalid:
        c = invalid[0]
        return GateResult(False, "invalid", f"signature invalid: the sign-off {shown(c.path.name)} does not match its "
                          "signature (edited after signing, or the signature was made for other content).", c.record)
    valid = [c for c in checked if c.state == "valid"]
    if repository is not None:
        foreign = [c for c in valid if _repository_of(c.record) != repository]
        if foreign:
            c = foreign[0]
            named = _repository_of(c.record)
            made_for = f"the repository {one_line(named)!r}" if isinstance(named, str) else "no named repository"
            return GateResult(False, "wrong-repository", f"wrong repository: the sign-off {shown(c.path.name)} was "
                              f"signed for {made_for}, and this is {repository!r}; a sign-off holds only in the "
                              "repository it was made for.", c.record)
    if valid:
        latest = max(valid, key=lambda c: (parse_signed_at(c.record["signed_at"]), c.record["decision"] == "reject"))
        rec = latest.record
        who = one_line(latest.identity) + (f" ({one_line(rec['role'])})" if rec.get("role") else "")
        if rec["decision"] == "reject":
            note = f": {one_line(rec['note'])}" if rec.get("note") else ""
            return GateResult(False, "rejected", f"rejected: {who} rejected this change on {_when(rec)}{note}.", rec)
        exp = expiry_instant(rec.get("expires"))
        if exp is not None and now >= exp:
            return GateResult(False, "expired", f"expired: the approval by {who} expired on {rec['expires']}; "
                              "the DPO must sign the review again.", rec)
        until = f", valid until {rec['expires']}" if rec.get("expires") else ""
        return GateResult(True, "ok", f"approved by {who} on {_when(rec)}{until} (digest {_short(digest)}).", rec)
    c = next(c for c in checked if c.state == "not-allowed")
    claimed = c.record.get("key_fingerprint")
    claim = f"; the record claims the key {claimed} and" if claimed and claimed not in c.key else "; the record claims"
    return GateResult(False, "not-allowed", f"signer not allowed: the sign-off {shown(c.path.name)} is signed by the "
                      f"{c.key}, which {shown(allowed)} does not allow to sign in the {NAMESPACE} namespace{claim} "
                      f"the signer {one_line(c.record.get('signer'))!r}.", c.record)
