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
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gdpr_lint.errors import UsageError
from gdpr_lint.review import NAMESPACE
from gdpr_lint.review.digest import canonical_json

RECORD_FORMAT = "gdpr-lint-signoff"
RECORD_VERSION = 1
SIGNOFFS_DIR = Path(".gdpr") / "signoffs"
DECISIONS = ("approve", "reject")
#: the fields of a record that are signed (everything but ``signature``)
SIGNED_FIELDS = ("format", "version", "namespace", "digest", "decision", "signer", "role", "signed_at", "expires",
                 "note", "key_fingerprint", "review")

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
            raise SignoffError(f"ssh-keygen could not sign with {key}" + (f" ({said[-1]})" if said else "")
                               + "; give a private key file, or a public key whose private key is in ssh-agent")
        return sig.read_text(encoding="ascii")


def _with_sig(signature: str, fn):
    with tempfile.TemporaryDirectory(prefix="gdpr-lint-verify-") as tmp:
        sig = Path(tmp) / "record.sig"
        sig.write_text(signature, encoding="ascii", errors="replace")
        return fn(str(sig))


def signature_is_valid(message: bytes, signature: str) -> bool:
    """Whether ``signature`` is a valid SSHSIG over ``message`` in our namespace, by any key."""
    return _with_sig(signature, lambda sig: _run(
        ["-Y", "check-novalidate", "-n", NAMESPACE, "-s", sig], data=message).returncode == 0)


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


def parse_expiry(text: str) -> tuple[str, _dt.datetime]:
    """``(stored text, instant)`` for ``--expires``: a date (valid through that day, UTC) or an ISO
    8601 date-time with a time zone."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = _dt.date.fromisoformat(text)
            end = _dt.datetime.combine(day + _dt.timedelta(days=1), _dt.time(), _dt.timezone.utc)
            return text, end
        t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SignoffError(f"--expires {text!r} is not a date (2027-01-31) or a date-time "
                           "(2027-01-31T17:00:00Z)") from None
    if t.tzinfo is None:
        raise SignoffError(f"--expires {text!r} needs a time zone (add Z for UTC), or give just a date")
    return iso(t), t.astimezone(_dt.timezone.utc)


def expiry_instant(expires: str | None) -> _dt.datetime | None:
    return parse_expiry(expires)[1] if expires else None


def payload(record: dict) -> bytes:
    """The bytes that are signed: the canonical JSON of the record without its signature."""
    return canonical_json({k: record.get(k) for k in SIGNED_FIELDS})


def make_record(digest: str, decision: str, signer: str, role: str, note: str, expires: str | None,
                key_fpr: str, review: dict, now: _dt.datetime | None = None) -> dict:
    """A sign-off record, not yet signed."""
    return {"format": RECORD_FORMAT, "version": RECORD_VERSION, "namespace": NAMESPACE, "digest": digest,
            "decision": decision, "signer": signer, "role": role, "signed_at": iso(now or utc_now()),
            "expires": expires, "note": note, "key_fingerprint": key_fpr, "review": review}


def record_filename(record: dict) -> str:
    stamp = record["signed_at"].replace("-", "").replace(":", "")
    who = re.sub(r"[^A-Za-z0-9._-]+", "_", record["signer"])[:40].strip("_") or "signer"
    return f"{stamp}-{record['digest'].split(':')[-1][:12]}-{record['decision']}-{who}.json"


def write_record(folder: Path, record: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / record_filename(record)
    path.write_text(json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_records(folder: Path) -> list[tuple[Path, dict | None, str]]:
    """Every ``*.json`` record in ``folder``: ``(path, record or None, problem)``."""
    out: list[tuple[Path, dict | None, str]] = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            out.append((path, None, f"not readable JSON ({exc})"))
            continue
        problem = _record_problem(rec)
        out.append((path, rec if not problem else (rec if isinstance(rec, dict) else None), problem))
    return out


def _record_problem(rec) -> str:
    if not isinstance(rec, dict):
        return "not a JSON object"
    if rec.get("format") != RECORD_FORMAT or rec.get("version") != RECORD_VERSION:
        return f"not a {RECORD_FORMAT} v{RECORD_VERSION} record"
    for key in ("digest", "decision", "signer", "signed_at", "signature"):
        if not isinstance(rec.get(key), str) or not rec.get(key):
            return f"`{key}` is missing"
    if rec["decision"] not in DECISIONS:
        return f"unknown decision {rec['decision']!r}"
    if rec.get("namespace") != NAMESPACE:
        return f"namespace is not {NAMESPACE}"
    try:
        _dt.datetime.fromisoformat(rec["signed_at"].replace("Z", "+00:00"))
        expiry_instant(rec.get("expires"))
    except (ValueError, SignoffError):
        return "a malformed time"
    return ""


# ---- the gate ----------------------------------------------------------------------------------------------

@dataclass
class Checked:
    """One record for the current digest, checked."""

    path: Path
    record: dict
    state: str  # valid | invalid | not-allowed
    identity: str = ""


@dataclass
class GateResult:
    ok: bool
    reason: str  # ok | no-signoff | stale | rejected | expired | not-allowed | invalid
    sentence: str
    record: dict | None = None


def check_record(path: Path, rec: dict | None, problem: str, allowed: Path) -> Checked:
    """Check one record's signature and signer against ``allowed``."""
    if rec is None or problem:
        return Checked(path, rec or {}, "invalid")
    message = payload(rec)
    if not signature_is_valid(message, rec["signature"]):
        return Checked(path, rec, "invalid")
    principals = find_principals(rec["signature"], allowed)
    if not principals:
        return Checked(path, rec, "not-allowed")
    ordered = ([rec["signer"]] if rec["signer"] in principals else []) + principals
    for principal in ordered:
        if verify(message, rec["signature"], allowed, principal):
            return Checked(path, rec, "valid", identity=principal)
    return Checked(path, rec, "not-allowed")


def _short(digest: str) -> str:
    return digest.split(":")[-1][:12]


def _when(rec: dict) -> str:
    return str(rec.get("signed_at", ""))[:10]


def gate(digest: str, folder: Path, allowed: Path, now: _dt.datetime | None = None) -> GateResult:
    """The deploy decision for ``digest``: ok only with an unexpired ``approve`` record for it,
    validly signed by a key ``allowed`` lists, that no later valid ``reject`` overrides.

    The latest valid record (by its signed time) decides.  Fails closed: anything else is a
    failure with one sentence saying which.
    """
    now = now or utc_now()
    records = load_records(folder)
    if not records:
        return GateResult(False, "no-signoff", f"no sign-off: {folder} holds no sign-off record; run "
                          "`gdpr-lint review` and have the DPO sign it with `gdpr-lint signoff`.")
    mine = [(p, r, prob) for p, r, prob in records if r is not None and r.get("digest") == digest]
    if not mine:
        others = [r for _p, r, prob in records if r is not None and not prob]
        last = max(others, key=lambda r: r.get("signed_at", ""), default=None)
        since = f" (last signed {_short(last['digest'])} on {_when(last)})" if last else ""
        return GateResult(False, "stale", f"stale: the privacy-relevant content changed since it was signed off"
                          f"{since}; the code is now {_short(digest)}, so run `gdpr-lint review` and have it "
                          "signed again.")
    checked = [check_record(p, r, prob, allowed) for p, r, prob in mine]
    valid = [c for c in checked if c.state == "valid"]
    if valid:
        latest = max(valid, key=lambda c: (c.record["signed_at"], c.record["decision"] == "reject"))
        rec = latest.record
        who = f"{latest.identity}" + (f" ({rec.get('role')})" if rec.get("role") else "")
        if rec["decision"] == "reject":
            note = f": {rec['note']}" if rec.get("note") else ""
            return GateResult(False, "rejected", f"rejected: {who} rejected this change on {_when(rec)}{note}.", rec)
        exp = expiry_instant(rec.get("expires"))
        if exp is not None and now >= exp:
            return GateResult(False, "expired", f"expired: the approval by {who} expired on {rec['expires']}; "
                              "the DPO must sign the review again.", rec)
        until = f", valid until {rec['expires']}" if rec.get("expires") else ""
        return GateResult(True, "ok", f"approved by {who} on {_when(rec)}{until} (digest {_short(digest)}).", rec)
    if any(c.state == "not-allowed" for c in checked):
        c = next(c for c in checked if c.state == "not-allowed")
        fpr = c.record.get("key_fingerprint") or "an unknown key"
        return GateResult(False, "not-allowed", f"signer not allowed: the sign-off {c.path.name} is signed by "
                          f"{fpr} (claimed signer {c.record.get('signer')!s}), which {allowed} does not allow to "
                          f"sign in the {NAMESPACE} namespace.", c.record)
    c = checked[0]
    return GateResult(False, "invalid", f"signature invalid: the sign-off {c.path.name} does not match its "
                      "signature (edited after signing, or the signature was made for other content).", c.record)
