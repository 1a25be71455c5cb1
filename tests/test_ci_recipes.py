"""docs/ci.md's recipes, copy-paste correct: each YAML block parses, and the gdpr-lint steps of the
GitHub Actions workflow and of the GitLab job run as written (the commands, their options, the
git they need) in a real clone of a repository with a pull request's branch checked out.  Only
the install step and the CI's own expressions are replaced."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _gitrepo import add_line_after, base_repo, commit_all, git, isolate_git

from gdpr_lint import REPOSITORY, __version__

DOCS = Path(__file__).resolve().parents[1] / "docs" / "ci.md"
README = DOCS.parents[1] / "README.md"
NEW_LOG = '    log.info("shipped to %s", customer.email)'


def yaml_blocks(page: Path = DOCS) -> list:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)]


def recipe(key: str) -> dict:
    return next(b for b in yaml_blocks() if isinstance(b, dict) and key in b)


@pytest.fixture
def pull_request(tmp_path, monkeypatch) -> Path:
    """A clone whose `origin` has `main`, on a branch that adds one finding (as a CI job sees it)."""
    isolate_git(monkeypatch, tmp_path)
    origin = base_repo(tmp_path / "origin")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "checkout", "-q", "-b", "feature")
    add_line_after(clone, "shop/api.py", 'log.warning("shipping to', NEW_LOG)
    commit_all(clone, "feature: logs an address")
    return clone


def shell(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a step as the CI runner does (bash, stop at the first failing command)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env, "PATH": path}, check=False)


def test_every_yaml_block_parses_and_pins_a_release():
    blocks = yaml_blocks()
    assert len(blocks) >= 3
    hooks = recipe("repos")["repos"][0]
    assert hooks["repo"] == REPOSITORY and hooks["rev"] == f"v{__version__}" and hooks["hooks"][0]["id"] == "gdpr-lint"
    install = f'pip install "gdpr-policy-lint @ git+{REPOSITORY}@v{__version__}"'
    steps = recipe("jobs")["jobs"]["gdpr-lint"]["steps"]
    assert install in [s.get("run") for s in steps]
    assert install in recipe("gdpr-lint")["gdpr-lint"]["script"]
    # the README shows the same recipes: the same after parsing, so what is tested here is what it shows
    for block in yaml_blocks(README):
        if isinstance(block, dict) and {"jobs", "gdpr-lint", "repos"} & set(block):
            assert block == recipe(next(k for k in ("jobs", "gdpr-lint", "repos") if k in block))


def test_github_actions_steps_run_as_written(pull_request, tmp_path):
    steps = recipe("jobs")["jobs"]["gdpr-lint"]["steps"]
    runs = [s for s in steps if "run" in s and not s["run"].startswith("pip install")]
    assert [s["name"] for s in runs] == ["gdpr-lint (SARIF)", "gdpr-lint (summary)", "gdpr-lint (changed lines)"]
    summary = tmp_path / "step-summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(pull_request), "CI": "true",
           "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": "f" * 40}
    codes = []
    for step in runs:
        for name, value in step.get("env", {}).items():
            env[name] = {"${{ github.base_ref }}": "main"}[value]
        proc = shell(step["run"], pull_request, env)
        assert "Traceback" not in proc.stderr and "error:" not in proc.stderr, proc.stderr
        codes.append(proc.returncode)
        if step["name"].endswith("(changed lines)"):
            annotations = [line for line in proc.stdout.splitlines() if line.startswith("::")]
            assert len(annotations) == 1 and "file=shop/api.py," in annotations[0] and "GDPR301" in annotations[0]
    assert codes == [0, 0, 1]  # the gate fails the pull request on the finding it adds
    sarif = json.loads((pull_request / "gdpr-lint.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"]
    comment = (pull_request / "gdpr-lint.md").read_text(encoding="utf-8")
    assert "**1 finding**" in comment and "(https://github.com/acme/shop/blob/" in comment
    assert summary.read_text(encoding="utf-8") == comment


def test_gitlab_job_script_runs_as_written(pull_request):
    job = recipe("gdpr-lint")["gdpr-lint"]
    script = [line for line in job["script"] if not line.startswith("pip install")]
    env = {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_PROJECT_DIR": str(pull_request), "CI": "true",
           "GIT_DEPTH": job["variables"]["GIT_DEPTH"]}
    git(pull_request, "update-ref", "-d", "refs/remotes/origin/main")  # the job fetches it itself
    proc = shell("\n".join(script), pull_request, env)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1 and "shop/api.py" in proc.stdout and "GDPR301" in proc.stdout, proc.stderr
    report = json.loads((pull_request / job["artifacts"]["reports"]["codequality"]).read_text(encoding="utf-8"))
    assert report and all(entry["location"]["path"].startswith("shop/") for entry in report)
