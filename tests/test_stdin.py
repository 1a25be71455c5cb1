"""`check -` with `--stdin-filename`: an editor's buffer checked as the file it will be saved as,
with that file's config and project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LOGS_EMAIL = 'import logging\nlog = logging.getLogger(__name__)\ndef f(customer):\n    log.info("x %s", customer.email)\n'


@pytest.fixture
def project(member_project) -> Path:
    (member_project / "app" / "on_disk.py").write_text(LOGS_EMAIL)
    return member_project


def run(cwd: Path, text: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--no-cache", "--format", "json", *args],
                          cwd=cwd, input=text.encode(), capture_output=True, timeout=120, check=False)


def findings(proc) -> list[tuple[str, str, int]]:
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return [(f["code"], f["path"], f["line"]) for f in json.loads(proc.stdout)["findings"] if f["family"] != "rights"]


def test_the_text_is_checked_as_the_named_file_that_need_not_exist(project):
    proc = run(project, LOGS_EMAIL, "-", "--stdin-filename", "app/new.py")
    assert findings(proc) == [("GDPR301", "app/new.py", 4)]
    assert not (project / "app" / "new.py").exists()


def test_the_buffer_wins_over_the_file_on_disk(project):
    clean = LOGS_EMAIL.replace("customer.email", "customer.id")
    assert findings(run(project, clean, "-", "--stdin-filename", "app/on_disk.py")) == []


def test_the_project_around_the_path_is_known(project):
    """The project around the path is the one `check PATH` reads there (a marked folder at or
    above the current one: a git work tree, a packaging file, a config), from a subfolder too;
    a folder with no such mark is no project."""
    view = ("import logging\nfrom app.models import Member\nlog = logging.getLogger(__name__)\n\n\n"
            "def show(pk):\n    member = Member.objects.get(pk=pk)\n    log.info('showing %s', member)\n")
    assert findings(run(project, view, "-", "--stdin-filename", "app/views.py")) == []
    (project / "pyproject.toml").write_text("[project]\nname = 'members'\n")
    assert findings(run(project, view, "-", "--stdin-filename", "app/views.py")) == [("GDPR301", "app/views.py", 8)]
    assert findings(run(project / "app", view, "-", "--stdin-filename", "views.py")) == [("GDPR301", "views.py", 8)]
    # the same text with no project around it: what a Member is, is unknown
    lone = project.parent / "elsewhere"
    lone.mkdir()
    assert findings(run(lone, view, "-", "--stdin-filename", "views.py")) == []


def test_the_config_for_the_path_and_suppressions_apply(project):
    (project / ".gdpr-lint.yaml").write_text("ignore: [GDPR301]\n")
    assert findings(run(project, LOGS_EMAIL, "-", "--stdin-filename", "app/new.py")) == []
    (project / ".gdpr-lint.yaml").unlink()
    suppressed = LOGS_EMAIL.replace("customer.email)", 'customer.email)  # gdpr-lint: ignore[GDPR301] reason="ok"')
    assert findings(run(project, suppressed, "-", "--stdin-filename", "app/new.py")) == []


def test_text_output_shows_the_buffer_lines(project):
    proc = subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--no-cache", "-", "--stdin-filename",
                           "app/on_disk.py"], cwd=project, capture_output=True, timeout=120, check=False,
                          input=("# a new first line\n" + LOGS_EMAIL).encode())
    out = proc.stdout.decode()
    assert "app/on_disk.py:5:5: GDPR301" in out and '5 |     log.info("x %s", customer.email)' in out


@pytest.mark.parametrize("args, message", [
    (["-", "app"], "cannot be combined"),
    (["app", "--stdin-filename", "x.py"], "goes with `check -`"),
    (["-", "--stdin-filename", "app"], "is a folder"),
    (["-", "--diff", "main"], "do not apply"),
])
def test_what_does_not_go_with_stdin_is_a_usage_error(project, args, message):
    proc = run(project, LOGS_EMAIL, *args)
    assert proc.returncode == 2 and message in proc.stderr.decode() and b"Traceback" not in proc.stderr


def test_undecodable_and_empty_input(project):
    proc = run(project, "", "-", "--stdin-filename", "app/new.py")
    assert findings(proc) == []
    proc = subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--no-cache", "--format", "json", "-",
                           "--stdin-filename", "app/new.py"], cwd=project, capture_output=True, timeout=120, check=False,
                          input=b"x = '\xff\xfe'\n")
    assert [f["code"] for f in json.loads(proc.stdout)["findings"]] == ["GDPR902"]


def test_the_cache_never_mixes_buffers_up(project):
    """With the results cache on, two texts for one path in turn each get their own result, and a
    later scan of the folder reads the file on disk, not a buffer."""
    def cached(text: str, *args: str):
        proc = subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--format", "json", *args],
                              cwd=project, input=text.encode(), capture_output=True, timeout=120, check=False)
        return findings(proc)

    clean = LOGS_EMAIL.replace("customer.email", "customer.id")
    for _ in range(2):
        assert cached(LOGS_EMAIL, "-", "--stdin-filename", "app/on_disk.py") == [("GDPR301", "app/on_disk.py", 4)]
        assert cached(clean, "-", "--stdin-filename", "app/on_disk.py") == []
    assert ("GDPR301", "app/on_disk.py", 4) in cached("", "app")
    (project / "app" / "on_disk.py").write_text(clean)
    assert cached("", "app") == []


def test_an_excluded_path_is_not_checked_and_a_manifest_is(project):
    """The config's `exclude` applies to the named path as to `check PATH` (an editor shows nothing
    for an excluded file); a dependency manifest on stdin is read as one (GDPR406)."""
    (project / ".gdpr-lint.yaml").write_text("exclude: [app/generated/]\n")
    assert findings(run(project, LOGS_EMAIL, "-", "--stdin-filename", "app/generated/views.py")) == []
    assert findings(run(project, LOGS_EMAIL, "-", "--stdin-filename", "app/views.py")) == [("GDPR301", "app/views.py", 4)]
    assert findings(run(project, "requests==2.31\nmixpanel==4.10\n", "-", "--stdin-filename", "requirements.txt")) == [
        ("GDPR406", "requirements.txt", 2)]


def test_a_path_above_the_current_folder_is_shown_as_named(project):
    """`check - --stdin-filename ../on_disk.py` from a subfolder shows and fingerprints the finding
    as `check ../on_disk.py` does (not by its absolute path)."""
    below = project / "app" / "below"
    below.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'members'\n")
    proc = run(below, LOGS_EMAIL, "-", "--stdin-filename", "../on_disk.py")
    given = [(f["path"], f["fingerprint"]) for f in json.loads(proc.stdout)["findings"] if f["family"] != "rights"]
    named = subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--no-cache", "--format", "json",
                            "../on_disk.py"], cwd=below, capture_output=True, timeout=120, check=False)
    assert given == [(f["path"], f["fingerprint"]) for f in json.loads(named.stdout)["findings"]
                     if f["family"] != "rights"] and given and given[0][0] == "../on_disk.py"
    # a path inside the current folder, however spelled, is shown by its place in it (as before)
    inside = run(project / "app", LOGS_EMAIL, "-", "--stdin-filename", "../app/on_disk.py")
    assert [f["path"] for f in json.loads(inside.stdout)["findings"] if f["family"] != "rights"] == ["on_disk.py"]


def test_a_closed_stdin_is_a_usage_error(project):
    proc = subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--no-cache", "-", "--stdin-filename", "x.py"],
                          cwd=project, stdin=subprocess.DEVNULL, capture_output=True, timeout=120, check=False,
                          preexec_fn=lambda: __import__("os").close(0))
    assert proc.returncode == 2 and b"there is no stdin" in proc.stderr and b"Traceback" not in proc.stderr
