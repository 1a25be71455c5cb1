"""SSH sign-off and the deploy gate: review -> signoff -> verify, and every way we could think of to get
past the gate without the DPO's approval.  Keys are throwaway ed25519 keys made with ssh-keygen."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdpr_lint.cli import main
from gdpr_lint.review import signing

ROOT = Path(__file__).resolve().parents[1]
SSH_KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"
pytestmark = pytest.mark.skipif(not Path(SSH_KEYGEN).exists(), reason="ssh-keygen (OpenSSH) is not installed")
GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null", "GIT_AUTHOR_NAME": "Dev",
           "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}


def make_key(folder: Path, name: str, comment: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key)], check=True)
    return key


def pub(key: Path) -> str:
    return Path(str(key) + ".pub").read_text().strip()


@pytest.fixture
def keys(tmp_path):
    folder = tmp_path / "keys"
    dpo = make_key(folder, "dpo", "dpo@example.com")
    mallory = make_key(folder, "mallory", "mallory@example.com")
    allowed = folder / "allowed_signers"
    kind, blob = pub(dpo).split()[:2]
    allowed.write_text(f"# DPOs allowed to sign off\ndpo@example.com namespaces=\"gdpr-lint\" {kind} {blob}\n")
    return {"dpo": dpo, "mallory": mallory, "allowed": allowed, "folder": folder}


@pytest.fixture
def shop(tmp_path, monkeypatch):
    dest = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", dest)
    monkeypatch.chdir(dest)
    return dest


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def review() -> Path:
    result = cli("review", ".", "--out", "review", "--no-cache")
    assert result.exit_code == 0, result.output
    return Path("review/review.json")


def signoff(key: Path, decision: str = "approve", *extra: str):
    result = cli("signoff", str(review()), "--key", str(key), "--decision", decision, *extra)
    assert result.exit_code == 0, result.output + str(result.exception)
    return sorted(Path(".gdpr/signoffs").glob("*.json"), key=lambda p: p.stat().st_mtime)[-1]


def verify(allowed: Path, *extra: str):
    return cli("verify", ".", "--allowed-signers", str(allowed), *extra)


def edit(path: str, old: str, new: str) -> None:
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def git(repo: Path, *args: str) -> None:
    import os

    subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, check=True, capture_output=True)


def commit_all(repo: Path, message: str) -> None:
    if not (repo / ".git").exists():
        git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


# ---- the happy path ---------------------------------------------------------------------------------------

def test_review_signoff_verify_passes(shop, keys):
    record_path = signoff(keys["dpo"], "approve", "--note", "OK for the spring release", "--expires", "2999-12-31")
    record = json.loads(record_path.read_text())
    assert record_path.parent == Path(".gdpr/signoffs")
    assert record["decision"] == "approve" and record["signer"] == "dpo@example.com"
    assert record["role"] == "Data Protection Officer" and record["expires"] == "2999-12-31"
    assert record["note"] == "OK for the spring release" and record["namespace"] == "gdpr-lint"
    assert record["signature"].startswith("-----BEGIN SSH SIGNATURE-----")
    assert record["key_fingerprint"].startswith("SHA256:")
    assert record["digest"] == json.loads(Path("review/review.json").read_text())["digest"]
    # ssh-keygen itself accepts the signature over the signed payload (interoperable SSHSIG)
    sig = Path("sig")
    sig.write_text(record["signature"])
    check = subprocess.run([SSH_KEYGEN, "-Y", "verify", "-f", str(keys["allowed"]), "-I", "dpo@example.com",
                            "-n", "gdpr-lint", "-s", str(sig)], input=signing.payload(record), capture_output=True)
    assert check.returncode == 0, check.stderr
    result = verify(keys["allowed"])
    assert result.exit_code == 0, result.output
    assert "ok: approved by dpo@example.com (Data Protection Officer)" in result.stdout
    assert "valid until 2999-12-31" in result.stdout
    # the review now lists the sign-off
    review()
    doc = json.loads(Path("review/review.json").read_text())
    assert [s["decision"] for s in doc["signoffs"]] == ["approve"]
    assert "dpo@example.com" in Path("review/review.html").read_text()


def test_allowed_signers_from_the_environment_and_signer_option(shop, keys, monkeypatch):
    signoff(keys["dpo"], "approve", "--signer", "dpo@example.com", "--role", "DPO, Kettle & Crumb")
    monkeypatch.setenv("GDPR_LINT_ALLOWED_SIGNERS", str(keys["allowed"]))
    result = cli("verify", ".")
    assert result.exit_code == 0 and "(DPO, Kettle & Crumb)" in result.stdout


def test_a_change_touching_no_personal_data_after_approval_passes(shop, keys):
    commit_all(shop, "base")
    signoff(keys["dpo"])
    commit_all(shop, "sign-off")
    edit("shop/models.py", "    sku = models.CharField(max_length=40, unique=True)\n",
         "    sku = models.CharField(max_length=40, unique=True)\n    price = models.DecimalField()\n")
    edit("shop/api.py", "import hashlib\n", "import hashlib\nimport math\n\n\ndef vat(x):\n    return math.ceil(x * 0.2)\n")
    commit_all(shop, "prices")
    result = verify(keys["allowed"])
    assert result.exit_code == 0, result.output


# ---- getting past the gate -----------------------------------------------------------------------------

def test_new_untagged_email_field_after_approval_is_stale(shop, keys):
    commit_all(shop, "base")
    signoff(keys["dpo"])
    commit_all(shop, "sign-off")
    edit("shop/models.py", "    phone = models.CharField(max_length=32, blank=True)\n",
         "    phone = models.CharField(max_length=32, blank=True)\n    backup_email = models.EmailField()\n")
    commit_all(shop, "backup e-mail")
    result = verify(keys["allowed"])
    assert result.exit_code == 1
    assert result.stderr.startswith("gdpr-lint verify: failed: Stale:") and "changed since" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_no_signoff(shop, keys):
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "No sign-off" in result.stderr


def test_edited_record_fails(shop, keys):
    path = signoff(keys["dpo"], "reject", "--note", "hubspot has no DPA")
    record = json.loads(path.read_text())
    record["decision"] = "approve"  # flip the decision
    path.write_text(json.dumps(record))
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Signature invalid" in result.stderr


@pytest.mark.parametrize("field,value", [("expires", "2999-01-01"), ("note", "fine"), ("signer", "ceo@example.com"),
                                         ("signed_at", "2999-01-01T00:00:00Z")])
def test_any_edit_of_a_signed_field_fails(shop, keys, field, value):
    path = signoff(keys["dpo"], "approve", "--expires", "2998-01-01")
    record = json.loads(path.read_text())
    record[field] = value
    path.write_text(json.dumps(record))
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Signature invalid" in result.stderr


def test_record_signed_by_a_key_not_in_allowed_signers(shop, keys):
    signoff(keys["mallory"], "approve", "--signer", "dpo@example.com")
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Signer not allowed" in result.stderr
    assert "mallory" not in result.stderr or "claimed signer dpo@example.com" in result.stderr


def test_key_allowed_only_for_another_namespace(shop, keys):
    kind, blob = pub(keys["dpo"]).split()[:2]
    git_only = keys["folder"] / "git_signers"
    git_only.write_text(f'dpo@example.com namespaces="git" {kind} {blob}\n')
    signoff(keys["dpo"])
    result = verify(git_only)
    assert result.exit_code == 1 and "Signer not allowed" in result.stderr


def test_valid_signature_over_another_digest(shop, keys):
    old = signoff(keys["dpo"])
    edit("shop/models.py", "    phone = models.CharField(max_length=32, blank=True)\n",
         "    phone = models.CharField(max_length=32, blank=True)\n    backup_email = models.EmailField()\n")
    new_digest = json.loads(review().read_text())["digest"]
    record = json.loads(old.read_text())
    assert record["digest"] != new_digest
    # reuse the DPO's genuine signature for the old content on a record that claims the new digest
    record["digest"] = new_digest
    old.write_text(json.dumps(record))
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Signature invalid" in result.stderr
    # and a genuine record for the old digest alone is stale
    old.unlink()
    signed = signoff(keys["dpo"])
    edit("shop/models.py", "backup_email = models.EmailField()", "backup_email = models.EmailField()  # gdpr: "
         "retention=P1Y basis=contract")
    assert json.loads(signed.read_text())["digest"] != json.loads(review().read_text())["digest"]
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Stale" in result.stderr


def test_signature_moved_from_another_record(shop, keys):
    first = signoff(keys["dpo"], "reject")
    second = signoff(keys["mallory"], "approve", "--signer", "dpo@example.com")
    rec_reject, rec_approve = json.loads(first.read_text()), json.loads(second.read_text())
    rec_approve["signature"] = rec_reject["signature"]
    second.write_text(json.dumps(rec_approve))
    first.unlink()
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Signature invalid" in result.stderr


def _signed_record(key: Path, digest: str, decision: str, signed_at: dt.datetime, expires: str | None) -> dict:
    record = signing.make_record(digest, decision, "dpo@example.com", "Data Protection Officer", "", expires,
                                 signing.key_fingerprint(pub(key)), {}, now=signed_at)
    record["signature"] = signing.sign(signing.payload(record), key)
    return record


def test_expired_approval(shop, keys):
    digest = json.loads(review().read_text())["digest"]
    record = _signed_record(keys["dpo"], digest, "approve", dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc),
                            "2024-06-30")
    signing.write_record(Path(".gdpr/signoffs"), record)
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Expired" in result.stderr and "2024-06-30" in result.stderr
    # the gate's clock: valid through the last day, expired the day after
    folder = Path(".gdpr/signoffs")
    assert signing.gate(digest, folder, keys["allowed"], now=dt.datetime(2024, 6, 30, 23, 0, tzinfo=dt.timezone.utc)).ok
    assert not signing.gate(digest, folder, keys["allowed"], now=dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)).ok


def test_rejection(shop, keys):
    signoff(keys["dpo"], "reject", "--note", "HubSpot has no DPA yet")
    result = verify(keys["allowed"])
    assert result.exit_code == 1
    assert "Rejected: dpo@example.com (Data Protection Officer) rejected this change" in result.stderr
    assert "HubSpot has no DPA yet" in result.stderr


def test_the_latest_valid_decision_wins(shop, keys):
    digest = json.loads(review().read_text())["digest"]
    folder = Path(".gdpr/signoffs")
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    signing.write_record(folder, _signed_record(keys["dpo"], digest, "approve", t0, None))
    signing.write_record(folder, _signed_record(keys["dpo"], digest, "reject", t0 + dt.timedelta(days=1), None))
    assert verify(keys["allowed"]).exit_code == 1
    signing.write_record(folder, _signed_record(keys["dpo"], digest, "approve", t0 + dt.timedelta(days=2), None))
    assert verify(keys["allowed"]).exit_code == 0
    # a forged later approval by another key does not override a valid rejection
    signing.write_record(folder, _signed_record(keys["dpo"], digest, "reject", t0 + dt.timedelta(days=3), None))
    signing.write_record(folder, _signed_record(keys["mallory"], digest, "approve", t0 + dt.timedelta(days=4), None))
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Rejected" in result.stderr


def test_garbage_records_fail_closed(shop, keys):
    folder = Path(".gdpr/signoffs")
    folder.mkdir(parents=True)
    digest = json.loads(review().read_text())["digest"]
    (folder / "a.json").write_text("{not json")
    forged = {"format": "gdpr-lint-signoff", "version": 1, "digest": digest, "decision": "approve",
              "signer": "dpo@example.com", "namespace": "gdpr-lint", "signed_at": "2026-01-01T00:00:00Z",
              "signature": "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n"}
    (folder / "b.json").write_text(json.dumps(forged))
    # a file that is not a record fails the gate by itself, whatever else the folder holds
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Malformed record: .gdpr/signoffs/a.json is not valid JSON" in result.stderr
    (folder / "a.json").unlink()
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Malformed record: .gdpr/signoffs/b.json has no `role`" in result.stderr
    forged.update(role="DPO", expires=None, note="", key_fingerprint=None, review={})
    (folder / "b.json").write_text(json.dumps(forged))
    result = verify(keys["allowed"])
    assert result.exit_code == 1 and "Signature invalid" in result.stderr


# ---- usage errors (exit 2) ------------------------------------------------------------------------------

def test_malformed_allowed_signers_names_the_line(shop, keys):
    signoff(keys["dpo"])
    kind, blob = pub(keys["dpo"]).split()[:2]
    bad = keys["folder"] / "bad_signers"
    bad.write_text(f"# comment\ndpo@example.com {kind} {blob}\nops@example.com ssh-ed25519 not-base64!!\n")
    result = verify(bad)
    assert result.exit_code == 2
    assert "line 3" in result.stderr and "base64" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("line,problem", [
    ("dpo@example.com", "expected"),
    ('dpo@example.com nonsense="x" ssh-ed25519 {blob}', "unknown option"),
    ("dpo@example.com ssh-foo {blob}", "not a key type"),
    ('dpo@example.com valid-before="tomorrow" ssh-ed25519 {blob}', "not a time"),
    ('dpo@example.com namespaces="gdpr-lint ssh-ed25519 {blob}', "not closed"),
    ("dpo@example.com ssh-rsa {blob}", "does not hold"),
])
def test_allowed_signers_validation(tmp_path, keys, line, problem):
    blob = pub(keys["dpo"]).split()[1]
    f = tmp_path / "signers"
    f.write_text("\n" + line.format(blob=blob) + "\n")
    with pytest.raises(signing.SignoffError, match=f"line 2: .*{problem}"):
        signing.parse_allowed_signers(f)


def test_allowed_signers_accepts_gits_format(tmp_path, keys):
    kind, blob = pub(keys["dpo"]).split()[:2]
    f = tmp_path / "signers"
    f.write_text(f"# team\n\ndpo@example.com,privacy@example.com {kind} {blob} laptop\n"
                 f'*@example.com cert-authority,namespaces="gdpr-lint,git",valid-after="20240101" {kind} {blob}\n'
                 f'"dpo two" valid-before="202601011200Z" {kind} {blob}\n')
    entries = signing.parse_allowed_signers(f)
    assert [e.line for e in entries] == [3, 4, 5]
    assert entries[1].options.startswith("cert-authority")


def test_missing_or_empty_allowed_signers(shop, keys, tmp_path):
    assert verify(tmp_path / "nope").exit_code == 2
    empty = tmp_path / "empty"
    empty.write_text("# nobody\n")
    result = verify(empty)
    assert result.exit_code == 2 and "lists no key" in result.stderr
    result = cli("verify", ".")
    assert result.exit_code == 2 and "--allowed-signers" in result.stderr


def test_signoff_refuses_an_altered_review_and_bad_options(shop, keys):
    path = review()
    doc = json.loads(path.read_text())
    doc["privacy_content"]["inventory"] = []
    path.write_text(json.dumps(doc))
    result = cli("signoff", str(path), "--key", str(keys["dpo"]), "--decision", "approve")
    assert result.exit_code == 2 and "altered" in result.stderr
    path = review()
    for extra, message in ((["--expires", "2001-01-01"], "already past"),
                           (["--expires", "next week"], "not a date"),
                           (["--expires", "2999-01-01T10:00:00"], "time zone")):
        result = cli("signoff", str(path), "--key", str(keys["dpo"]), "--decision", "approve", *extra)
        assert result.exit_code == 2 and message in result.stderr, result.output
    result = cli("signoff", str(path), "--key", str(keys["folder"] / "nope"), "--decision", "approve")
    assert result.exit_code == 2 and "not found" in result.stderr
    result = cli("signoff", "nowhere", "--key", str(keys["dpo"]), "--decision", "approve")
    assert result.exit_code == 2 and "review not found" in result.stderr
    assert not Path(".gdpr/signoffs").exists()


def test_signoff_needs_a_signer_name(shop, keys):
    key = make_key(keys["folder"], "nameless", "")
    result = cli("signoff", str(review()), "--key", str(key), "--decision", "approve")
    assert result.exit_code == 2 and "--signer" in result.stderr


def test_a_private_key_others_can_read_gets_ssh_keygens_message(shop, keys):
    import os

    os.chmod(keys["dpo"], 0o644)
    result = cli("signoff", str(review()), "--key", str(keys["dpo"]), "--decision", "approve")
    assert result.exit_code == 2, result.output
    assert "Permissions 0644 for" in result.stderr and "are too open" in result.stderr
    assert f"chmod 600 {keys['dpo']}" in result.stderr and "Traceback" not in result.output
