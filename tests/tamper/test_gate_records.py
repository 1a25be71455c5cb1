"""Tamper suite, sign-offs and the deploy gate's records (issue 17, items 5 and 6 and the record bits of 7
and 8): every attack below was reproduced against gdpr-lint 0.1 and must now be refused.

- a forged review gets signed: pages or the rest of review.json swapped for a benign review's;
- records fail open: a later rejection deleted, renamed, edited or broken brings an older approval back;
  special files (FIFO, symlink to /dev/zero, device, folder, oversized) hang or are skipped; the signed
  repository is never compared;
- tracebacks: junk records (deep JSON, ``"expires": 5``, NaN, ``9999-12-31``), ``signoff --expires
  9999-12-31``; the "Signer not allowed" message names the claimed key, not the signing one.

Everything runs against a real git repository holding a tiny Django app, with real ``ssh-keygen`` keys
(helpers shared with tests/test_signoff.py).  The gate refuses with exit 1 and one sentence, or the
command reports with exit 2 and one line; never a traceback, never a hang.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_signoff import SSH_KEYGEN, _signed_record, cli, commit_all, git, keys, make_key, pub, review, signoff, verify  # noqa: F401

from gdpr_lint.review import signing
from gdpr_lint.review.commands import render_pages

pytestmark = pytest.mark.skipif(not Path(SSH_KEYGEN).exists() or shutil.which("git") is None,
                                reason="needs ssh-keygen (OpenSSH) and git")

MODELS = '''\
from django.db import models


class Customer(models.Model):
    email = models.EmailField()  # gdpr: retention=P2Y basis=contract
'''

BENIGN_API = '''\
def total(order):
    return sum(line.price for line in order.lines)
'''

# the change the DPO is tricked into approving: the SendGrid SDK and a log of e-mail addresses
SENDGRID_API = '''\
import logging

import sendgrid

log = logging.getLogger(__name__)


def total(order):
    return sum(line.price for line in order.lines)


def newsletter(customer):
    log.info("newsletter to %s", customer.email)
    sendgrid.SendGridAPIClient("key").send(customer.email)
'''

SIGNOFFS = Path(".gdpr/signoffs")


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repository with a tiny Django app, committed, as the current folder."""
    for var in [v for v in os.environ if v.startswith("GIT_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GDPR_LINT_REPOSITORY", raising=False)
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "models.py").write_text(MODELS)
    (root / "app" / "api.py").write_text(BENIGN_API)
    (root / ".gitignore").write_text("review/\nbenign/\n.gdpr-lint-cache/\n")
    commit_all(root, "a tiny shop")
    monkeypatch.chdir(root)
    return root


def failed(result, sentence: str) -> None:
    """The gate refused: exit 1, one line on stderr starting with ``sentence``, no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"gdpr-lint verify: failed: {sentence}"), lines[0]
    assert "Traceback" not in result.output


def usage_error(result, *words: str) -> str:
    """The command reported a usage error: exit 2, one line on stderr holding ``words``, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdpr-lint: error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def records() -> list[Path]:
    return sorted(SIGNOFFS.glob("*.json"))


def approved_then_rejected(repo: Path, keys: dict) -> tuple[Path, Path]:
    """An approval, then a rejection of the same code, both committed: the gate says Rejected."""
    approve = signoff(keys["dpo"], "approve", "--note", "fine")
    commit_all(repo, "approved")
    reject = signoff(keys["dpo"], "reject", "--note", "SendGrid has no DPA")
    commit_all(repo, "rejected after all")
    assert approve != reject
    failed(verify(keys["allowed"]), "Rejected:")
    return approve, reject


def run_gate_in_a_process(allowed: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m gdpr_lint verify`` with a deadline: a hang fails the test instead of blocking it."""
    return subprocess.run([sys.executable, "-m", "gdpr_lint", "verify", ".", "--allowed-signers", str(allowed)],
                          capture_output=True, text=True, timeout=timeout)


# ---- item 5: the DPO signs what they read --------------------------------------------------------------------

def test_the_record_binds_the_pages_the_dpo_read(repo, keys):
    path = signoff(keys["dpo"], "approve")
    record = json.loads(path.read_text())
    assert record["version"] == 2
    assert record["pages"] == {name: sha256(Path("review") / name) for name in signing.PAGES}
    assert verify(keys["allowed"]).exit_code == 0
    # the page hashes are signed: swapping them breaks the signature
    record["pages"]["review.html"] = "sha256:" + "0" * 64
    path.write_text(json.dumps(record))
    failed(verify(keys["allowed"]), "Signature invalid:")


def test_a_review_against_a_base_revision_is_signed(repo, keys):
    (repo / "app" / "api.py").write_text(SENDGRID_API)
    commit_all(repo, "newsletter")
    result = cli("review", ".", "--base", "HEAD~1", "--out", "review", "--no-cache")
    assert result.exit_code == 0, result.output
    doc = json.loads(Path("review/review.json").read_text())
    assert doc["diff"]["processors_added"] == ["sendgrid"]
    result = cli("signoff", "review", "--key", str(keys["dpo"]), "--decision", "reject", "--note", "no DPA")
    assert result.exit_code == 0, result.output
    record = json.loads(records()[0].read_text())
    assert record["review"]["base"] == "HEAD~1" and record["review"]["base_commit"] == doc["scope"]["base_commit"]
    failed(verify(keys["allowed"]), "Rejected:")
    # the same review with its privacy diff emptied is refused
    doc["diff"]["processors_added"] = []
    for name, data in render_pages(doc).items():
        (Path("review") / name).write_bytes(data)
    result = cli("signoff", "review", "--key", str(keys["dpo"]), "--decision", "approve")
    usage_error(result, "it differs at diff.processors_added")


@pytest.fixture
def benign_and_real(repo):
    """``benign/``: the review of the code before the change; ``review/``: of the code with SendGrid."""
    result = cli("review", ".", "--out", "benign", "--no-cache")
    assert result.exit_code == 0, result.output
    (repo / "app" / "api.py").write_text(SENDGRID_API)
    commit_all(repo, "newsletter")
    review()
    benign = json.loads(Path("benign/review.json").read_text())
    real = json.loads(Path("review/review.json").read_text())
    assert benign["digest"] != real["digest"] and "sendgrid" in real["privacy_content"]["processors"]
    return benign, real


def _forge_display(benign: dict, real: dict) -> None:
    """review.json keeps the real digest and privacy_content; everything the DPO reads is the benign
    review's, and review.md and review.html are rendered from that forged dict (all three agree)."""
    forged = {**benign, "digest": real["digest"], "privacy_content": real["privacy_content"]}
    for name, data in render_pages(forged).items():
        (Path("review") / name).write_bytes(data)


def _swap_page(name: str) -> None:
    shutil.copy(Path("benign") / name, Path("review") / name)


@pytest.mark.parametrize("attack,says", [
    ("benign html", "review.html is not the page gdpr-lint renders"),
    ("benign markdown", "review.md is not the page gdpr-lint renders"),
    ("benign json around the real digest", "review.json is not what gdpr-lint writes for this checkout"),
    ("the whole benign review", "review.json is not a review of the code here"),
    ("a sign-off nobody made", "lists sign-offs that"),
    ("one finding edited", "review.json is not what gdpr-lint writes for this checkout (it differs at findings"),
])
def test_signoff_refuses_a_review_that_is_not_the_checkouts(repo, keys, benign_and_real, attack, says):
    benign, real = benign_and_real
    if attack == "benign html":
        _swap_page("review.html")
    elif attack == "benign markdown":
        _swap_page("review.md")
    elif attack == "benign json around the real digest":
        _forge_display(benign, real)
    elif attack == "the whole benign review":
        for name in signing.PAGES:
            _swap_page(name)
    elif attack == "a sign-off nobody made":
        forged = {**real, "signoffs": [{"file": "x.json", "decision": "approve", "signer": "dpo@example.com",
                                        "role": "DPO", "signed_at": "2026-01-01T00:00:00Z", "expires": None,
                                        "note": "", "key_fingerprint": None, "problem": None}]}
        for name, data in render_pages(forged).items():
            (Path("review") / name).write_bytes(data)
    else:
        forged = json.loads(json.dumps(real))
        forged["findings"][0]["message"] = "nothing to see here"
        for name, data in render_pages(forged).items():
            (Path("review") / name).write_bytes(data)
    result = cli("signoff", "review/review.json", "--key", str(keys["dpo"]), "--decision", "approve")
    line = usage_error(result, says, "run `gdpr-lint review` here")
    assert not SIGNOFFS.exists(), line
    # the genuine review of the same checkout is signed, and binds the real pages
    path = signoff(keys["dpo"], "approve")
    assert json.loads(path.read_text())["pages"]["review.html"] == sha256(Path("review/review.html"))


@pytest.mark.parametrize("field,value,says", [
    ("paths", ["/"], "names a path outside the current folder"),
    ("paths", ["../elsewhere"], "names a path outside the current folder"),
    ("base_commit", "--output=/tmp/x", "has a base but no base commit"),
])
def test_signoff_does_not_follow_a_review_json_anywhere(repo, keys, field, value, says):
    """A crafted review.json (with a matching digest) cannot make signoff scan / or pass options to git."""
    doc = json.loads(review().read_text())
    if field == "paths":
        doc["scope"]["paths"] = value
    else:
        doc["scope"].update(base="main", base_commit=value)
    for name, data in render_pages(doc).items():
        (Path("review") / name).write_bytes(data)
    result = cli("signoff", "review", "--key", str(keys["dpo"]), "--decision", "approve")
    usage_error(result, says)


def test_signoff_never_writes_through_a_link_or_over_a_record(repo, keys, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    Path(".gdpr").mkdir()
    SIGNOFFS.symlink_to(elsewhere)
    result = cli("signoff", str(review()), "--key", str(keys["dpo"]), "--decision", "approve")
    usage_error(result, "cannot write the sign-off: .gdpr/signoffs is a symbolic link")
    assert not list(elsewhere.iterdir())
    SIGNOFFS.unlink()
    first = signoff(keys["dpo"], "approve")
    record = json.loads(first.read_text())
    second = signing.write_record(SIGNOFFS, {**record, "note": "another"})
    assert second != first and second.name.endswith("-2.json") and json.loads(first.read_text()) == record


def test_signoff_needs_every_page_the_dpo_reads(repo, keys):
    review()
    Path("review/review.html").unlink()
    result = cli("signoff", "review", "--key", str(keys["dpo"]), "--decision", "approve")
    usage_error(result, "review.html is missing beside review.json")
    review()
    Path("review/review.md").unlink()
    os.mkfifo("review/review.md")
    result = cli("signoff", "review", "--key", str(keys["dpo"]), "--decision", "approve")
    usage_error(result, "review.md", "FIFO")


# ---- item 6: records fail closed ---------------------------------------------------------------------------

def test_a_deleted_rejection_fails_the_gate(repo, keys):
    _approve, reject = approved_then_rejected(repo, keys)
    reject.unlink()  # in the work tree only
    failed(verify(keys["allowed"]), f"Record removed: {reject.as_posix()} was committed in")
    commit_all(repo, "drop the rejection")  # and committed
    failed(verify(keys["allowed"]), f"Record removed: {reject.as_posix()} was committed in")


def test_the_whole_records_folder_deleted_fails_the_gate(repo, keys):
    approved_then_rejected(repo, keys)
    git(repo, "rm", "-q", "-r", ".gdpr")
    commit_all(repo, "no more records")
    failed(verify(keys["allowed"]), "Record removed: .gdpr/signoffs/")


def test_a_renamed_rejection_fails_the_gate(repo, keys):
    _approve, reject = approved_then_rejected(repo, keys)
    moved = reject.with_name("old-" + reject.name)
    git(repo, "mv", str(reject), str(moved))
    commit_all(repo, "rename")
    failed(verify(keys["allowed"]), f"Record removed: {reject.as_posix()}")
    git(repo, "mv", str(moved), str(reject) + ".bak")
    commit_all(repo, "hide it")
    failed(verify(keys["allowed"]), f"Malformed record: {reject.as_posix()}.bak is not a sign-off record")


def test_garbage_appended_to_a_rejection_fails_the_gate(repo, keys):
    _approve, reject = approved_then_rejected(repo, keys)
    with reject.open("a") as f:
        f.write("\n}garbage")
    failed(verify(keys["allowed"]), f"Malformed record: {reject.as_posix()} is not valid JSON")
    commit_all(repo, "garbage")
    failed(verify(keys["allowed"]), f"Malformed record: {reject.as_posix()} is not valid JSON")


def test_a_committed_record_changed_but_still_validly_signed_fails_the_gate(repo, keys):
    _approve, reject = approved_then_rejected(repo, keys)
    record = json.loads(reject.read_text())
    reject.write_text(json.dumps(record))  # the same signed fields, other bytes
    failed(verify(keys["allowed"]), f"Record changed: {reject.as_posix()} is not the record committed in")


def test_an_edited_rejection_beside_a_valid_approval_fails_the_gate(repo, keys):
    signoff(keys["dpo"], "approve")
    reject = signoff(keys["dpo"], "reject", "--note", "no DPA")
    record = json.loads(reject.read_text())
    record["note"] = "fine after all"  # not committed yet: the history has nothing to say
    reject.write_text(json.dumps(record))
    failed(verify(keys["allowed"]), f"Signature invalid: the sign-off {reject.name} does not match")


def test_a_committed_file_that_never_was_a_record_may_be_removed(repo, keys):
    signoff(keys["dpo"], "approve")
    (SIGNOFFS / "conflict.json").write_text("<<<<<<< HEAD\n{}\n>>>>>>> branch\n")
    commit_all(repo, "a bad merge")
    failed(verify(keys["allowed"]), "Malformed record: .gdpr/signoffs/conflict.json is not valid JSON")
    git(repo, "rm", "-q", ".gdpr/signoffs/conflict.json")
    commit_all(repo, "fix the merge")
    assert verify(keys["allowed"]).exit_code == 0


def test_a_shallow_clone_cannot_show_removed_records(repo, keys, tmp_path, monkeypatch):
    approved_then_rejected(repo, keys)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True,
                   capture_output=True)
    monkeypatch.chdir(clone)
    usage_error(verify(keys["allowed"]), "shallow clone", "fetch-depth: 0")


def test_a_fifo_in_the_records_folder_fails_the_gate_without_hanging(repo, keys):
    signoff(keys["dpo"], "approve")
    os.mkfifo(SIGNOFFS / "zz.json")
    proc = run_gate_in_a_process(keys["allowed"])
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip() == ("gdpr-lint verify: failed: Malformed record: .gdpr/signoffs/zz.json is a FIFO "
                                   "(named pipe), not a regular file; the gate reads only well-formed sign-off records "
                                   "(regular *.json files), and anything else in the folder fails it: restore the "
                                   "record as it was committed, or remove what is not a record.")
    # review lists the records and must not hang either
    result = subprocess.run([sys.executable, "-m", "gdpr_lint", "review", ".", "--out", "review", "--no-cache"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_a_committed_symlink_to_dev_zero_fails_the_gate_without_hanging(repo, keys):
    signoff(keys["dpo"], "approve")
    (SIGNOFFS / "zero.json").symlink_to("/dev/zero")
    commit_all(repo, "a record that never ends")
    proc = run_gate_in_a_process(keys["allowed"])
    assert proc.returncode == 1, proc.stderr
    assert "Malformed record: .gdpr/signoffs/zero.json is a symbolic link, not a regular file" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def _special(kind: str, tmp_path: Path) -> str:
    """Put a ``kind`` of entry into the records folder beside a valid approval; return what the gate says."""
    target = SIGNOFFS / "odd.json"
    if kind == "symlink to a record":
        outside = tmp_path / "elsewhere.json"
        shutil.copy(records()[0], outside)
        target.symlink_to(outside)
        return "is a symbolic link, not a regular file"
    if kind == "folder named *.json":
        target.mkdir()
        return "is a folder, not a regular file"
    if kind == "oversized":
        target.write_text(" " * (signing.MAX_RECORD_BYTES + 1) + json.dumps(json.loads(records()[0].read_text())))
        return "is larger than 256 KiB"
    if kind == "device":
        try:
            os.mknod(target, 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 5))
        except (PermissionError, OSError):
            pytest.skip("cannot make a device node here")
        return "is a device, not a regular file"
    if kind == "unreadable":
        if os.geteuid() == 0:
            pytest.skip("root reads any file")
        target.write_text("{}")
        target.chmod(0)
        return "cannot be read (Permission denied)"
    if kind == "not a record":
        (SIGNOFFS / ".gitkeep").write_text("")  # an empty placeholder is fine
        (SIGNOFFS / "README").write_text("sign-offs live here\n")
        return "is not a sign-off record"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["symlink to a record", "folder named *.json", "oversized", "device", "unreadable",
                                  "not a record"])
def test_special_entries_in_the_records_folder_fail_the_gate(repo, keys, tmp_path, kind):
    signoff(keys["dpo"], "approve")
    assert verify(keys["allowed"]).exit_code == 0
    says = _special(kind, tmp_path)
    result = verify(keys["allowed"])
    failed(result, "Malformed record: .gdpr/signoffs/")
    assert says in result.stderr


def test_the_records_folder_itself_must_be_a_folder_not_a_link(repo, keys, tmp_path):
    signoff(keys["dpo"], "approve")
    elsewhere = tmp_path / "elsewhere"
    shutil.move(str(SIGNOFFS), elsewhere)
    SIGNOFFS.symlink_to(elsewhere)
    failed(verify(keys["allowed"]), "Malformed record: .gdpr/signoffs is a symbolic link, and records are read "
                                    "without following links")
    SIGNOFFS.unlink()
    SIGNOFFS.write_text("")
    failed(verify(keys["allowed"]), "Malformed record: .gdpr/signoffs is not a folder: it is a file")
    SIGNOFFS.unlink()
    shutil.move(str(elsewhere), SIGNOFFS)
    shutil.move(".gdpr", "real-gdpr")
    Path(".gdpr").symlink_to("real-gdpr")
    failed(verify(keys["allowed"]), "Malformed record: .gdpr/signoffs is inside a symbolic link (.gdpr)")


def test_an_odd_file_name_stays_on_one_line(repo, keys):
    signoff(keys["dpo"], "approve")
    name = os.fsdecode(b"evil\nname\xff.json")
    (SIGNOFFS / name).write_text("{}")
    failed(verify(keys["allowed"]), "Malformed record: .gdpr/signoffs/evil?name\ufffd.json is not a gdpr-lint-signoff")


# ---- item 6: the repository a record was signed for -------------------------------------------------------

def _configure(repo: Path, text: str) -> None:
    (repo / ".gdpr-lint.yaml").write_text(text)
    commit_all(repo, "config")


def test_a_record_for_another_repository_fails_the_gate(repo, keys, monkeypatch):
    _configure(repo, "repository: acme/shop\n")
    path = signoff(keys["dpo"], "approve")
    assert json.loads(path.read_text())["review"]["repository"] == "acme/shop"
    assert json.loads(Path("review/review.json").read_text())["scope"]["repository"] == "acme/shop"
    result = verify(keys["allowed"])
    assert result.exit_code == 0, result.output
    # the pipeline pins the identity itself (an option or the environment), whatever the repository says
    failed(verify(keys["allowed"], "--repository", "acme/payments"),
           f"Wrong repository: the sign-off {path.name} was signed for the repository 'acme/shop', and this is "
           "'acme/payments'")
    monkeypatch.setenv("GDPR_LINT_REPOSITORY", "acme/payments")
    failed(verify(keys["allowed"]), "Wrong repository:")
    monkeypatch.setenv("GDPR_LINT_REPOSITORY", "acme/shop")
    assert verify(keys["allowed"]).exit_code == 0


def test_a_record_replayed_from_another_repository_fails_the_gate(repo, keys):
    _configure(repo, "repository: acme/shop\n")
    digest = json.loads(review().read_text())["digest"]
    # a genuine DPO signature over the same digest, made in another repository
    import datetime as dt

    record = signing.make_record(digest, "approve", "dpo@example.com", "Data Protection Officer", "", None,
                                 signing.key_fingerprint(pub(keys["dpo"])), {"repository": "acme/sandbox"},
                                 now=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                                 pages={name: "sha256:" + "1" * 64 for name in signing.PAGES})
    record["signature"] = signing.sign(signing.payload(record), keys["dpo"])
    path = signing.write_record(SIGNOFFS, record)
    failed(verify(keys["allowed"]), f"Wrong repository: the sign-off {path.name} was signed for the repository "
                                    "'acme/sandbox', and this is 'acme/shop'")


@pytest.mark.parametrize("value", ['""', "5", '"acme shop"', "[acme/shop]", "no"])
def test_a_bad_repository_setting_is_a_usage_error(repo, keys, value):
    _configure(repo, f"repository: {value}\n")
    usage_error(verify(keys["allowed"]), ".gdpr-lint.yaml: repository: expected the repository's name")


def test_a_bad_repository_option_is_a_usage_error(repo, keys, monkeypatch):
    usage_error(verify(keys["allowed"], "--repository", "two words"), "--repository: expected the repository's name")
    # the environment's value is named as such (found by a fresh user: it said --repository)
    monkeypatch.setenv("GDPR_LINT_REPOSITORY", "acme//shop")
    usage_error(verify(keys["allowed"]), "GDPR_LINT_REPOSITORY: expected the repository's name")


# ---- item 7: junk records and odd dates never crash ---------------------------------------------------------

def _junk(kind: str, text: str) -> str:
    if kind == "deeply nested":
        return text[:-2] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    record = json.loads(text)
    if kind == "expires is a number":
        record["expires"] = 5
    elif kind == "NaN":
        return text.replace('"note": "', '"note": NaN, "x": "', 1)
    elif kind == "a huge number":
        return text.replace('"version": 2', '"version": ' + "9" * 5000, 1)
    elif kind == "a repeated key":
        return text.replace('"decision": "approve"', '"decision": "approve", "decision": "reject"', 1)
    elif kind == "signed at the end of time":
        record["signed_at"] = "9999-12-31T23:00:00-05:00"
    elif kind == "version true":
        record["version"] = True
    elif kind == "review is a list":
        record["review"] = []
    return json.dumps(record)


@pytest.mark.parametrize("kind,says", [
    ("deeply nested", "is nested too deeply"),
    ("expires is a number", "has a `expires` that is not text"),
    ("NaN", "is not valid JSON (NaN is not a JSON value)"),
    ("a huge number", ""),
    ("a repeated key", "the key 'decision' appears twice"),
    ("signed at the end of time", "has a malformed `signed_at`"),
    ("version true", "is not a gdpr-lint-signoff record"),
    ("review is a list", "has a `review` that is not an object"),
])
def test_junk_records_fail_the_gate_in_one_line(repo, keys, kind, says):
    path = signoff(keys["dpo"], "approve")
    path.write_text(_junk(kind, path.read_text()))
    result = verify(keys["allowed"])
    failed(result, f"Malformed record: {path.as_posix()} ")
    assert says in result.stderr


def test_an_approval_until_the_end_of_the_calendar(repo, keys):
    path = signoff(keys["dpo"], "approve", "--expires", "9999-12-31")
    assert json.loads(path.read_text())["expires"] == "9999-12-31"
    result = verify(keys["allowed"])
    assert result.exit_code == 0 and "valid until 9999-12-31" in result.stdout, result.output
    result = cli("signoff", "review", "--key", str(keys["dpo"]), "--decision", "approve",
                 "--expires", "9999-12-31T23:00:00-05:00")
    usage_error(result, "--expires", "outside the calendar")


def test_signer_not_allowed_names_the_key_that_signed(repo, keys):
    """Mallory writes a record that claims the DPO's name and key fingerprint, signed with her own key."""
    digest = json.loads(review().read_text())["digest"]
    import datetime as dt

    dpo_fpr = signing.key_fingerprint(pub(keys["dpo"]))
    mallory_fpr = signing.key_fingerprint(pub(keys["mallory"]))
    record = signing.make_record(digest, "approve", "dpo@example.com", "Data Protection Officer", "", None, dpo_fpr,
                                 {}, now=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                                 pages={name: "sha256:" + "1" * 64 for name in signing.PAGES})
    record["signature"] = signing.sign(signing.payload(record), keys["mallory"])
    path = signing.write_record(SIGNOFFS, record)
    result = verify(keys["allowed"])
    failed(result, f"Signer not allowed: the sign-off {path.name} is signed by the ED25519 key {mallory_fpr}, which ")
    assert f"the record claims the key {dpo_fpr} and the signer 'dpo@example.com'" in result.stderr


LOGS_EMAIL = '''\
import logging

log = logging.getLogger(__name__)


def notify(customer):
    log.warning("contact %s", customer.email)
'''


@pytest.mark.parametrize("config", ["ignore: [GDPR3]\n", "select: [GDPR1]\n", "ignore: [GDPR]\n"])
def test_a_config_that_switches_rules_off_with_the_code_shows_in_the_review(repo, keys, config):
    """Red team, round two: a commit adding a log of e-mail addresses and a config ignoring the logging
    rules read "No open findings" and "No privacy-relevant change (same digest)": the base was
    scanned under the head's config."""
    (repo / "app" / "notify.py").write_text(LOGS_EMAIL)
    (repo / ".gdpr-lint.yaml").write_text(config)
    commit_all(repo, "notify, and a config")
    result = cli("review", ".", "--base", "HEAD~1", "--out", "review", "--no-cache")
    assert result.exit_code == 0, result.output
    doc = json.loads(Path("review/review.json").read_text())
    assert doc["diff"]["policy_changed"] and not doc["diff"]["unchanged"]
    assert "default policy" in doc["diff"]["config_before"]
    verdict = doc["verdict"]
    assert verdict["status"] != "clear" and "hides" in verdict["headline"]
    hidden = [f["code"] for f in doc["diff"]["hidden_by_policy"] if f["family"] != "rights"]
    assert hidden == ["GDPR301"]  # the log of e-mail addresses
    assert doc["diff"]["resolved_findings"] == []  # hidden, not resolved
    assert verdict["rules_off"] and config.split(":")[1].strip(" []\n") in verdict["rules_off"][0]
    md = Path("review/review.md").read_text()
    assert "The policy changed since the base" in md and "The config switches rules off" in md
    assert "Nothing ignored." not in md
    assert "The policy changed since the base" in Path("review/review.html").read_text()
    # the page is what signoff re-renders (the base under its own config there too)
    result = cli("signoff", "review", "--key", str(keys["dpo"]), "--decision", "approve")
    assert result.exit_code == 0, result.output


def test_a_base_under_its_own_config_and_an_unchanged_config(repo, keys):
    (repo / ".gdpr-lint.yaml").write_text("ignore: [GDPR3]\n")
    commit_all(repo, "config")
    (repo / "app" / "notify.py").write_text(LOGS_EMAIL)
    commit_all(repo, "notify")
    result = cli("review", ".", "--base", "HEAD~1", "--out", "review", "--no-cache")
    assert result.exit_code == 0, result.output
    doc = json.loads(Path("review/review.json").read_text())
    assert not doc["diff"]["policy_changed"] and "its own .gdpr-lint.yaml" in doc["diff"]["config_before"]
    assert doc["verdict"]["rules_off"] == ["ignores GDPR3"]


POSTS_EMAIL = '''\
import requests


def sync(customer):
    requests.post("https://api.partner-analytics.example/v1/people", json={"email": customer.email})
'''


@pytest.mark.parametrize("config", ["first_party_domains: [partner-analytics.example]\n",
                                    "ignore: [GDPR403]\n"])
def test_findings_a_config_change_hides_are_listed_in_the_review(repo, keys, config):
    """Red team, round three: a first-party domain added in the same commit as code posting e-mail
    addresses to it read "Rules switched off: none", 0 new findings; the config was shown nowhere."""
    (repo / "app" / "sync.py").write_text(POSTS_EMAIL)
    (repo / ".gdpr-lint.yaml").write_text(config)
    commit_all(repo, "sync, and a config")
    result = cli("review", ".", "--base", "HEAD~1", "--out", "review", "--no-cache")
    assert result.exit_code == 0, result.output
    doc = json.loads(Path("review/review.json").read_text())
    (hidden,) = doc["diff"]["hidden_by_policy"]
    assert hidden["code"] == "GDPR403" and hidden["path"] == "app/sync.py"
    assert doc["verdict"]["status"] != "clear" and "hides 1 finding" in doc["verdict"]["headline"]
    key = config.split(":")[0]
    assert [c["key"] for c in doc["diff"]["policy_changes"]] == [key]
    assert key in doc["scope"]["policy"]["settings"]
    md = Path("review/review.md").read_text()
    assert "Findings the new policy hides:** 1" in md and "partner-analytics" in md
    assert "Policy settings" in Path("review/review.html").read_text()
    result = cli("signoff", "review", "--key", str(keys["dpo"]), "--decision", "approve")
    assert result.exit_code == 0, result.output  # signoff re-renders the same page (the extra scan included)


def test_an_unchanged_policy_costs_no_extra_scan_and_hides_nothing(repo, keys):
    (repo / ".gdpr-lint.yaml").write_text("first_party_domains: [partner-analytics.example]\n")
    commit_all(repo, "config")
    (repo / "app" / "sync.py").write_text(POSTS_EMAIL)
    commit_all(repo, "sync")
    result = cli("review", ".", "--base", "HEAD~1", "--out", "review", "--no-cache")
    assert result.exit_code == 0, result.output
    doc = json.loads(Path("review/review.json").read_text())
    assert doc["diff"]["hidden_by_policy"] == [] and doc["diff"]["policy_changes"] == []


def test_a_finding_a_new_config_hides_is_not_counted_as_resolved(repo, keys):
    (repo / "app" / "notify.py").write_text(LOGS_EMAIL)
    commit_all(repo, "notify")
    (repo / ".gdpr-lint.yaml").write_text("ignore: [GDPR3]\n")
    commit_all(repo, "a config that hides it")
    result = cli("review", ".", "--base", "HEAD~1", "--out", "review", "--no-cache")
    assert result.exit_code == 0, result.output
    doc = json.loads(Path("review/review.json").read_text())
    assert [f["code"] for f in doc["diff"]["hidden_by_policy"]] == ["GDPR301"]
    assert doc["diff"]["resolved_findings"] == [] and doc["diff"]["new_findings"] == []
    assert "**resolved:** 0" in Path("review/review.md").read_text()
