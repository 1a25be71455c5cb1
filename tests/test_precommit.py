"""The pre-commit hook (``.pre-commit-hooks.yaml``) end to end: ``pre-commit try-repo`` and a real
``git commit`` with the hook installed.

The hook repository is a snapshot of this working tree committed into a temporary git repo, so
the test checks the code as it is now (``try-repo`` on the live repo would only see tracked
files).  One extra test pins the live repo's HEAD commit, the way a user's config would; it is
skipped when HEAD does not have the hooks file yet.  Installing the hook's environment needs PyPI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
BAD = 'import logging\nlog = logging.getLogger(__name__)\ndef f(user):\n    log.info("x %s", user.email)\n'
CLEAN = 'import logging\nlog = logging.getLogger(__name__)\ndef f(user):\n    log.info("x %s", user.id)\n'
SNAPSHOT = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "gdpr_lint", "rules")


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """A clean environment: a private pre-commit store, no user or system git config, no git hook vars."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    home = tmp_path_factory.mktemp("pre-commit-home")
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    out = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    out.update(PRE_COMMIT_HOME=str(home / "store"), GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1", NO_COLOR="1")
    return out


def run(cmd: list, cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def git(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    proc = run(["git", *args], cwd, env)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc


def pre_commit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "pre_commit", *args], cwd, env)


def new_git_repo(path: Path, env: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, env, "init", "-q")
    git(path, env, "config", "user.name", "GDPR Lint Test")
    git(path, env, "config", "user.email", "test@example.invalid")
    git(path, env, "config", "commit.gpgsign", "false")
    return path


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env) -> Path:
    """This working tree's package, pack and hooks file, committed into a fresh git repo."""
    repo = new_git_repo(tmp_path_factory.mktemp("hook-repo"), env)
    for name in SNAPSHOT:
        src = REPO / name
        assert src.exists(), f"{src} is missing from the working tree"
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, repo / name)
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "snapshot of the gdpr-lint working tree")
    return repo


def head(repo: Path, env: dict[str, str]) -> str:
    return git(repo, env, "rev-parse", "HEAD").stdout.strip()


def test_hooks_file_is_valid():
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "gdpr-lint"
    assert hook["entry"] == "gdpr-lint check"
    assert hook["language"] == "python"
    assert hook["types"] == ["file"]
    import re

    wanted = re.compile(hook["files"])
    for path in ("app/api.py", "tool.pyw", "requirements.txt", "requirements-dev.in", "requirements/base.txt",
                 "pyproject.toml", "backend/setup.cfg", "Pipfile"):
        assert wanted.search(path), path
    for path in ("README.md", "notes.txt", "requirements.md", "docs/pyproject.toml.bak", "app.pyc"):
        assert not wanted.search(path), path
    assert hook["require_serial"] is True
    assert hook["pass_filenames"] is True


def test_try_repo(hook_repo, env, tmp_path):
    """One ``try-repo`` (each builds the hook's environment anew, in a store of its own): a finding
    in one file fails the hook and names that file, a clean file beside it is not named, a
    dependency change reaches the hook too (GDPR406), and a README is not read as one."""
    project = new_git_repo(tmp_path / "project", env)
    (project / "bad.py").write_text(BAD, encoding="utf-8")
    (project / "clean.py").write_text(CLEAN, encoding="utf-8")
    (project / "requirements.txt").write_text("requests==2.31\nmixpanel==4.10\n", encoding="utf-8")
    (project / "README.md").write_text("# x\n", encoding="utf-8")
    git(project, env, "add", "bad.py", "clean.py", "requirements.txt", "README.md")

    proc = pre_commit(project, env, "try-repo", hook_repo, "gdpr-lint", "--files", "bad.py", "clean.py",
                      "requirements.txt", "README.md")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "GDPR301" in output and "bad.py" in output
    assert "GDPR406" in output and "requirements.txt" in output
    assert "clean.py" not in output and "README.md" not in output
    assert "GDPR901" not in output and "Traceback" not in output
    # the hook only reports: nothing it was given was changed
    assert (project / "bad.py").read_text(encoding="utf-8") == BAD
    assert (project / "clean.py").read_text(encoding="utf-8") == CLEAN


def _commit_flow(hook_repo: Path, rev: str, env: dict[str, str], project: Path) -> None:
    """Install the hook pinned at ``rev`` and check that it blocks a bad commit and lets a clean one in."""
    project = new_git_repo(project, env)
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": "gdpr-lint"}]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = pre_commit(project, env, "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    (project / "clean.py").write_text(CLEAN, encoding="utf-8")
    git(project, env, "add", ".pre-commit-config.yaml", "clean.py")
    proc = run(["git", "commit", "-m", "clean"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "gdpr-lint" in output and "Passed" in output  # the hook ran
    first = head(project, env)

    (project / "bad.py").write_text(BAD, encoding="utf-8")
    git(project, env, "add", "bad.py")
    proc = run(["git", "commit", "-m", "bad"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "GDPR301" in output
    assert "Failed" in output
    assert "Traceback" not in output
    assert head(project, env) == first  # the commit was blocked
    assert (project / "bad.py").read_text(encoding="utf-8") == BAD


def test_commit_with_installed_hook(hook_repo, env, tmp_path):
    _commit_flow(hook_repo, head(hook_repo, env), env, tmp_path / "project")


def test_commit_with_hook_pinned_to_the_live_repo_head(env, tmp_path):
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout")
    proc = run(["git", "rev-parse", "--verify", "-q", "HEAD"], REPO, env)
    if proc.returncode != 0:
        pytest.skip(f"{REPO} has no commits yet")
    rev = proc.stdout.strip()
    proc = run(["git", "cat-file", "-e", f"{rev}:.pre-commit-hooks.yaml"], REPO, env)
    if proc.returncode != 0:
        pytest.skip(f"HEAD {rev[:12]} of {REPO} does not have .pre-commit-hooks.yaml yet (commit it to run this)")
    _commit_flow(REPO, rev, env, tmp_path / "project")


def test_staged_mode_with_nothing_staged_checks_what_pre_commit_hands_it(hook_repo, env, tmp_path):
    """`args: [--staged]` and `pre-commit run --all-files` (what pre-commit.ci runs) on a committed
    tree with a finding: nothing is staged, so the hook checks the files it is given, and fails."""
    project = new_git_repo(tmp_path / "project", env)
    config = {"repos": [{"repo": str(hook_repo), "rev": head(hook_repo, env),
                         "hooks": [{"id": "gdpr-lint", "args": ["--staged"]}]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (project / "bad.py").write_text(BAD, encoding="utf-8")
    (project / "clean.py").write_text(CLEAN, encoding="utf-8")
    git(project, env, "add", "-A")
    git(project, env, "commit", "-q", "-m", "tree with a finding")
    proc = pre_commit(project, env, "run", "--all-files")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "GDPR301" in output and "bad.py" in output, output
    assert "nothing is staged" in output and "Traceback" not in output
    # a staged clean change with --staged reports only what the commit adds: the old finding is not new
    (project / "clean.py").write_text(CLEAN + "\n\ndef g():\n    return 1\n", encoding="utf-8")
    git(project, env, "add", "clean.py")
    proc = pre_commit(project, env, "run", "--files", "clean.py", "bad.py")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "GDPR301" not in output, output
