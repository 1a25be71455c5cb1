"""``check --diff BASE`` and ``check --staged`` in real temporary git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _gitrepo import BASE_FINDINGS, add_line_after, base_repo, check_json, commit_all, gdpr_lint, git, isolate_git, write

from gdpr_lint.errors import UsageError
from gdpr_lint.files.gitdiff import changes, parse_hunks

NEW_LOG = '    log.info("shipped to %s", customer.email)'


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    isolate_git(monkeypatch, tmp_path)
    return base_repo(tmp_path / "repo")


def test_base_is_full_of_findings(repo, monkeypatch):
    code, findings, _ = check_json(monkeypatch, repo)
    assert code == 1
    assert len(findings) == BASE_FINDINGS


def test_branch_with_one_new_log_call_reports_exactly_that(repo, monkeypatch):
    git(repo, "checkout", "-q", "-b", "feature")
    add_line_after(repo, "shop/api.py", 'log.warning("shipping to', NEW_LOG)
    commit_all(repo, "log the address")
    code, findings, err = check_json(monkeypatch, repo, "--diff", "main")
    assert code == 1, err
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [("GDPR301", "shop/api.py", 14)]
    assert "user.contact.email" in findings[0]["categories"]
    assert "1 changed file" in err
    # and nothing when the branch adds nothing new
    code, findings, _ = check_json(monkeypatch, repo, "--diff", "HEAD")
    assert code == 0 and findings == []


def test_diff_from_a_subfolder_and_paths_outside_are_skipped(repo, monkeypatch):
    git(repo, "checkout", "-q", "-b", "feature")
    add_line_after(repo, "shop/api.py", 'log.warning("shipping to', NEW_LOG)
    write(repo, "other/tool.py", 'import logging\ndef f(user):\n    logging.info("%s", user.email)\n')
    commit_all(repo, "two changes")
    code, findings, _ = check_json(monkeypatch, repo / "shop", "--diff", "main")
    assert [(f["path"], f["line"]) for f in findings] == [("api.py", 14)]
    code, findings, _ = check_json(monkeypatch, repo, "--diff", "main", "other")
    assert [(f["path"], f["line"]) for f in findings] == [("other/tool.py", 3)]
    # a path above the current folder is shown as named, as `check ../other/tool.py` shows it
    code, findings, _ = check_json(monkeypatch, repo / "shop", "--diff", "main", "../other")
    _, whole, _ = check_json(monkeypatch, repo / "shop", "../other/tool.py")
    assert [(f["path"], f["line"]) for f in findings] == [("../other/tool.py", 3)]
    assert [f["fingerprint"] for f in findings] == [f["fingerprint"] for f in whole if f["line"] == 3]
    # named by an absolute path: shown as given, as `check /abs/other/tool.py` shows it (a baseline
    # made that way still matches)
    absolute = str(repo / "other")
    code, findings, _ = check_json(monkeypatch, repo / "shop", "--diff", "main", absolute)
    assert [(f["path"], f["line"]) for f in findings] == [(f"{absolute}/tool.py", 3)]


def test_new_field_is_reported_and_untouched_fields_are_not(repo, monkeypatch):
    git(repo, "checkout", "-q", "-b", "feature")
    add_line_after(repo, "shop/models.py", "passport_number =", "    date_of_birth = models.DateField()")
    commit_all(repo, "new field")
    code, findings, _ = check_json(monkeypatch, repo, "--diff", "main")
    assert [(f["code"], f["symbol"]) for f in findings] == [("GDPR101", "Customer.date_of_birth")]


def test_removing_a_class_tag_reports_the_fields_it_covered(repo, monkeypatch):
    git(repo, "checkout", "-q", "-b", "feature")
    path = repo / "shop/models.py"
    path.write_text(path.read_text().replace("# gdpr: retention=P2Y basis=contract\n", ""), encoding="utf-8")
    commit_all(repo, "drop the tag")
    code, findings, _ = check_json(monkeypatch, repo, "--diff", "main")
    assert sorted(f["symbol"] for f in findings) == ["Order.phone", "Order.shipping_address"]


def test_removing_a_field_tag_above_reports_the_field(repo, monkeypatch):
    write(repo, "shop/people.py", """\
        from django.db import models


        class Member(models.Model):
            # gdpr: retention=P1Y basis=contract
            email = models.EmailField()
            nickname = models.CharField(max_length=10)
        """)
    commit_all(repo, "members")
    git(repo, "checkout", "-q", "-b", "feature")
    path = repo / "shop/people.py"
    path.write_text(path.read_text().replace("    # gdpr: retention=P1Y basis=contract\n", ""), encoding="utf-8")
    code, findings, _ = check_json(monkeypatch, repo, "--diff", "main")
    assert [(f["code"], f["symbol"]) for f in findings] == [("GDPR101", "Member.email")]


def test_uncommitted_changes_with_diff_head(repo, monkeypatch):
    add_line_after(repo, "shop/api.py", 'log.warning("shipping to', NEW_LOG)  # unstaged
    write(repo, "shop/new.py", 'import logging\ndef f(user):\n    logging.info("%s", user.phone)\n')  # untracked
    code, findings, _ = check_json(monkeypatch, repo, "--diff", "HEAD")
    assert [(f["path"], f["line"]) for f in findings] == [("shop/api.py", 14), ("shop/new.py", 3)]
    # --staged sees neither: nothing is staged yet; its note names the commit, not a merge base
    code, findings, err = check_json(monkeypatch, repo, "--staged")
    assert code == 0 and findings == []
    head = git(repo, "rev-parse", "HEAD").strip()[:12]
    assert f"nothing is staged (against {head}): nothing to check" in err and "merge base" not in err
    # a staged change to no Python file or manifest: the note says so
    write(repo, "NOTES.txt", "shipping notes\n")
    git(repo, "add", "NOTES.txt")
    code, findings, err = check_json(monkeypatch, repo, "--staged")
    assert code == 0 and findings == [] and f"staged changes (against {head}) touch no Python file" in err
    # a staged Python change outside the folder the run starts from: said so
    git(repo, "add", "shop/api.py")
    (repo / "docs").mkdir()
    code, findings, err = check_json(monkeypatch, repo / "docs", "--staged")
    assert code == 0 and "in this folder (1 elsewhere in the repository)" in err
    git(repo, "reset", "-q", "shop/api.py")
    git(repo, "reset", "-q", "NOTES.txt")
    git(repo, "rm", "-q", "--cached", "shop/models.py")  # a deletion alone is staged too
    code, findings, err = check_json(monkeypatch, repo, "--staged")
    assert code == 0 and "nothing is staged" not in err and "only delete or rename away Python files (1)" in err


def test_staged_checks_the_index_not_the_working_tree(repo, monkeypatch):
    add_line_after(repo, "shop/api.py", 'log.warning("shipping to', NEW_LOG)
    git(repo, "add", "shop/api.py")
    # an unstaged edit on top: fixes the staged line in the working tree only
    path = repo / "shop/api.py"
    path.write_text(path.read_text().replace("customer.email)", "customer.id)"), encoding="utf-8")
    code, findings, _ = check_json(monkeypatch, repo, "--staged")
    assert code == 1
    assert [(f["path"], f["line"]) for f in findings] == [("shop/api.py", 14)]
    # --diff HEAD sees the working tree, where the line is clean
    code, findings, _ = check_json(monkeypatch, repo, "--diff", "HEAD")
    assert code == 0 and findings == []


def test_staged_in_a_repository_without_commits(tmp_path, monkeypatch):
    isolate_git(monkeypatch, tmp_path)
    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, "app.py", 'import logging\ndef f(user):\n    logging.info("%s", user.email)\n')
    git(repo, "add", "app.py")
    code, findings, _ = check_json(monkeypatch, repo, "--staged")
    assert [(f["path"], f["line"]) for f in findings] == [("app.py", 3)]
    code, _, err = check_json(monkeypatch, repo, "--diff", "main")
    assert code == 2 and "no commits" in err


def test_renamed_file_reports_only_changed_lines(repo, monkeypatch):
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "mv", "shop/api.py", "shop/views.py")
    add_line_after(repo, "shop/views.py", 'log.warning("shipping to', NEW_LOG)
    commit_all(repo, "rename and add")
    code, findings, _ = check_json(monkeypatch, repo, "--diff", "main")
    assert [(f["path"], f["line"]) for f in findings] == [("shop/views.py", 14)]


def test_deleted_file_is_not_an_error(repo, monkeypatch):
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "rm", "-q", "shop/api.py")
    commit_all(repo, "remove")
    code, findings, _ = check_json(monkeypatch, repo, "--diff", "main")
    assert code == 0 and findings == []


def test_shallow_clone_without_the_base(repo, tmp_path, monkeypatch):
    git(repo, "checkout", "-q", "-b", "feature")
    add_line_after(repo, "shop/api.py", 'log.warning("shipping to', NEW_LOG)
    commit_all(repo, "feature")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature", "--single-branch",
                    repo.as_uri(), str(clone)], check=True, capture_output=True)
    code, findings, err = check_json(monkeypatch, clone, "--diff", "main")
    assert code == 2
    assert "git fetch" in err and "Traceback" not in err
    assert "git fetch --unshallow origin main" in err
    code, _, err = check_json(monkeypatch, clone, "--diff", "origin/main")
    hint = "git fetch --unshallow origin main:refs/remotes/origin/main"
    assert code == 2 and hint in err
    # fetching the base without deepening: the base is known, the merge base is not
    git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    code, _, err = check_json(monkeypatch, clone, "--diff", "origin/main")
    assert code == 2 and hint in err and "merge base" in err
    # the suggested command works
    git(clone, *hint.split()[1:])
    code, findings, err = check_json(monkeypatch, clone, "--diff", "origin/main")
    assert code == 1, err
    assert [(f["path"], f["line"]) for f in findings] == [("shop/api.py", 14)]


def test_not_a_git_repository(tmp_path, monkeypatch):
    isolate_git(monkeypatch, tmp_path)
    folder = tmp_path / "plain"
    write(folder, "a.py", "x = 1\n")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    code, _, err = check_json(monkeypatch, folder, "--diff", "main")
    assert code == 2 and "not inside a git working tree" in err and "Traceback" not in err
    with pytest.raises(UsageError):
        changes(folder, "main")


def test_unknown_base(repo, monkeypatch):
    code, _, err = check_json(monkeypatch, repo, "--diff", "no-such-branch")
    assert code == 2 and "git fetch origin no-such-branch:no-such-branch" in err


def test_parse_hunks():
    diff = (
        "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n"
        "@@ -1,0 +2,3 @@\n+a\n+b\n+c\n"
        "@@ -10 +12 @@\n-x\n+y\n"
        "@@ -20,2 +23,0 @@\n-p\n-q\n"
        "diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-z\n"
        'diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"\n--- "a/caf\\303\\251.py"\n'
        '+++ "b/caf\\303\\251.py"\n@@ -1 +1 @@\n-a\n+b\n'
    )
    hunks = parse_hunks(diff)
    assert hunks["x.py"] == ({2, 3, 4, 12}, {23})
    assert "gone.py" not in hunks
    assert hunks["café.py"] == ({1}, set())


def test_staged_with_file_arguments_as_pre_commit_passes_them(repo, monkeypatch):
    add_line_after(repo, "shop/api.py", 'log.warning("shipping to', NEW_LOG)
    write(repo, "shop/extra.py", 'import logging\ndef f(user):\n    logging.info("%s", user.phone)\n')
    git(repo, "add", "-A")
    code, findings, _ = check_json(monkeypatch, repo, "--staged", "shop/api.py", "shop/models.py")
    assert [(f["path"], f["line"]) for f in findings] == [("shop/api.py", 14)]


SCHEMA_BASE = ("from django.db import models\n\n\n"
               "class Schema(models.Model):\n    class Meta:\n        abstract = True\n")
USER_OUT = ("from django.db import models\n\nfrom app.schemas.base import Schema\n\n\nclass UserOut(Schema):\n"
            "    email = models.EmailField()\n")


@pytest.mark.parametrize("mode", ["--diff", "--staged"])
def test_a_changed_schema_whose_base_class_is_in_an_unchanged_file_is_recognised(repo, monkeypatch, mode):
    # found by a new user: only the changed files were surveyed, so `UserOut(Schema)` with the
    # base class in another file was no schema, and its new e-mail field passed the gate (then a
    # Pydantic base; a store's abstract base since carriers need no retention tag)
    write(repo, "app/__init__.py", "")
    write(repo, "app/schemas/__init__.py", "")
    write(repo, "app/schemas/base.py", SCHEMA_BASE)
    commit_all(repo, "schemas")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "app/schemas/user.py", USER_OUT)
    if mode == "--staged":
        git(repo, "add", "app/schemas/user.py")
        code, findings, _ = check_json(monkeypatch, repo, "--staged")
    else:
        commit_all(repo, "user schema")
        code, findings, _ = check_json(monkeypatch, repo, "--diff", "main")
    assert [(f["code"], f["path"], f["symbol"]) for f in findings if f["family"] != "rights"] == [
        ("GDPR101", "app/schemas/user.py", "UserOut.email")]


def test_a_staged_or_changed_dependency_manifest_is_checked_on_its_added_lines(tmp_path, monkeypatch):
    """A commit that only adds an SDK to requirements.txt is a change to check (GDPR406), on the
    lines it adds: the SDK already there is not reported again."""
    from _gitrepo import commit_all, isolate_git, write

    isolate_git(monkeypatch, tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, "requirements.txt", "requests==2.31\nmixpanel==4.10\n")
    commit_all(repo, "base")
    write(repo, "requirements.txt", "requests==2.31\nmixpanel==4.10\nsentry-sdk==2.0\n")
    git(repo, "add", "requirements.txt")
    for args in (["--staged"], ["--staged", "requirements.txt"], ["--diff", "HEAD"]):
        code, findings, err = check_json(monkeypatch, repo, *args)
        assert code == 1, err
        assert [(f["code"], f["path"], f["line"]) for f in findings] == [("GDPR406", "requirements.txt", 3)], args
        assert "1 changed file checked" in err and "nothing is staged" not in err and "0 files" not in err


def test_staged_with_nothing_staged_reads_the_files_given_with_their_projects_facts(repo, monkeypatch):
    """`pre-commit run --all-files` with `args: [--staged]`: nothing is staged, so the files given
    are checked whole, and as `check FILE` reads them, with what the rest of the project says (a
    client another module's function makes), from the top of the work tree or a subfolder."""
    write(repo, "shop/store.py", "import redis\n\n\ndef get_store():\n    return redis.Redis(host='cache')\n")
    write(repo, "shop/seen.py", "from shop.store import get_store\n\nSTORE = get_store()\n\n\ndef remember(user):\n"
                                "    STORE.set(f'seen:{user.id}', user.email)\n")
    commit_all(repo, "a store made in one module, written in another")
    _, whole, _ = check_json(monkeypatch, repo)
    expected = sorted((f["path"], f["line"], f["code"]) for f in whole if f["path"] == "shop/seen.py")
    assert ("shop/seen.py", 7, "GDPR203") in expected
    _, given, err = check_json(monkeypatch, repo, "--staged", "shop/seen.py")
    assert "nothing is staged" in err and sorted((f["path"], f["line"], f["code"]) for f in given) == expected
    _, inside, _ = check_json(monkeypatch, repo / "shop", "seen.py")  # from a subfolder of the project
    assert sorted((f["line"], f["code"]) for f in inside) == [(line, code) for _, line, code in expected]


def test_a_path_named_with_diff_that_is_not_there_is_an_error_unless_the_change_removes_it(repo, monkeypatch):
    # `check --diff main nope.py` said the changes touch no Python file and exited 0, as if the
    # typo were checked; `check nope.py` says the path does not exist (exit 2)
    git(repo, "checkout", "-q", "-b", "feature")
    add_line_after(repo, "shop/api.py", 'log.warning("shipping to', NEW_LOG)
    commit_all(repo, "log the address")
    code, _, err = gdpr_lint(monkeypatch, repo, "check", "--no-cache", "--diff", "main", "shop/apy.py")
    assert code == 2 and "path does not exist: shop/apy.py" in err
    # a file the branch deletes, or renames away, is no mistake: nothing of it is left to check
    git(repo, "rm", "-q", "shop/models.py")
    git(repo, "mv", "shop/api.py", "shop/endpoints.py")
    commit_all(repo, "remove and rename")
    for gone in ("shop/models.py", "shop/api.py"):
        code, findings, err = check_json(monkeypatch, repo, "--diff", "main", gone)
        assert code == 0 and findings == [], err
    code, findings, _ = check_json(monkeypatch, repo, "--diff", "main", "shop/endpoints.py")
    assert code == 1 and [f["line"] for f in findings] == [14]


def test_staged_files_the_config_excludes_are_not_checked_from_a_subfolder(repo, monkeypatch):
    # the staged copies sit in a temporary folder: they are judged by their own paths, from the
    # config's folder, as `check` judges the files themselves
    write(repo, ".gdpr-lint.yaml", "exclude: [shop/generated/]\n")
    commit_all(repo, "config")
    write(repo, "shop/generated/dump.py", 'import logging\ndef f(user):\n    logging.info("%s", user.email)\n')
    write(repo, "shop/tool.py", 'import logging\ndef f(user):\n    logging.info("%s", user.email)\n')
    git(repo, "add", "shop/generated/dump.py", "shop/tool.py")
    for cwd, shown in ((repo, "shop/tool.py"), (repo / "shop", "tool.py")):
        code, findings, err = check_json(monkeypatch, cwd, "--staged")
        assert code == 1, err
        assert {f["path"] for f in findings} == {shown}


def test_an_empty_base_is_an_error_not_a_check_of_the_whole_tree(repo, monkeypatch):
    # a CI job whose base variable is empty (`--diff "$BASE"`) checked the whole tree, with no word
    for args in (("--diff", ""), ("--diff", " "), ("--baseline", "")):
        code, _, err = gdpr_lint(monkeypatch, repo, "check", "--no-cache", *args)
        assert code == 2 and "empty" in err and len(err.strip().splitlines()) == 1, err


def test_staged_deletion_of_a_path_named_leaves_nothing_to_check(repo, monkeypatch):
    # pre-commit hands a hook the path a commit deletes: it is not an error, and not "nothing is
    # staged" (a review found both)
    git(repo, "rm", "-q", "shop/models.py")
    code, findings, err = check_json(monkeypatch, repo, "--staged", "shop/models.py")
    assert code == 0 and findings == [] and "nothing is staged" not in err, err
    code, findings, err = check_json(monkeypatch, repo, "--staged", "shop/api.py")
    assert "no Python file is staged: checking the files given in full" in err and code == 1


def test_a_change_that_only_deletes_python_files_says_so(repo, monkeypatch):
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "rm", "-q", "shop/models.py")
    commit_all(repo, "remove the models")
    code, findings, err = check_json(monkeypatch, repo, "--diff", "main")
    assert code == 0 and findings == [] and "only delete or rename away Python files (1)" in err, err
    # nothing staged and a path named that is not there: the error alone, not the note before it
    code, _, err = gdpr_lint(monkeypatch, repo, "check", "--no-cache", "--staged", "shop/nope.py")
    assert code == 2 and err.strip().splitlines() == ["gdpr-lint: error: path does not exist: shop/nope.py"], err
