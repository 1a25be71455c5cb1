"""Real temporary git repositories for the diff and baseline tests (isolated from the user's git config)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdpr_lint.cli import main

MODELS = '''\
from django.db import models


class Customer(models.Model):
    email = models.EmailField()
    name = models.CharField(max_length=100)
    passport_number = models.CharField(max_length=20)


# gdpr: retention=P2Y basis=contract
class Order(models.Model):
    shipping_address = models.TextField()
    phone = models.CharField(max_length=32)
'''

API = '''\
import logging

log = logging.getLogger(__name__)


def signup(user):
    log.info("signup %s", user.email)
    print("welcome", user.name)
    return user.id


def ship(order, customer):
    log.warning("shipping to %s", customer.phone)
    return order.id
'''

# the base commit's findings: 3 logging in api.py, 3 missing tags and 1 unencrypted passport in models.py
BASE_FINDINGS = 9  # with GDPR503 and GDPR504: the shop has no erasure or access routine


def isolate_git(monkeypatch, home: Path) -> None:
    """No user or system git config, a fixed identity, ``main`` as the first branch."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for key in list(os.environ):
        if key.startswith("GIT_"):
            monkeypatch.delenv(key, raising=False)
    cfg = home / "gitconfig"
    cfg.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(cfg))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "GDPR Lint Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.invalid")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("GDPR_LINT_CACHE_DIR", str(home / "cache"))


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout


def write(repo: Path, rel: str, text: str) -> Path:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def base_repo(path: Path) -> Path:
    """A repository whose ``main`` has one commit full of findings."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    write(path, "shop/__init__.py", "")
    write(path, "shop/models.py", MODELS)
    write(path, "shop/api.py", API)
    write(path, ".gitignore", ".gdpr-lint-cache/\n")
    commit_all(path, "base: a shop full of findings")
    return path


def add_line_after(repo: Path, rel: str, anchor: str, new_line: str) -> None:
    """Insert ``new_line`` after the first line containing ``anchor``."""
    path = repo / rel
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if anchor in line)
    lines.insert(i + 1, new_line + "\n")
    path.write_text("".join(lines), encoding="utf-8")


def gdpr_lint(monkeypatch, cwd: Path, *args: str):
    """Run the CLI in ``cwd``; returns ``(exit_code, findings_or_None, stderr)`` (JSON output parsed)."""
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    findings = None
    if "--format" in args and args[args.index("--format") + 1] == "json" and result.stdout.strip():
        findings = json.loads(result.stdout)["findings"]
    return result.exit_code, findings, result.stderr


def check_json(monkeypatch, cwd: Path, *args: str):
    return gdpr_lint(monkeypatch, cwd, "check", "--format", "json", "--jobs", "1", "--no-cache", *args)
