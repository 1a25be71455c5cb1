"""Shared helpers: analyse a snippet of source with the default (or a given) policy."""

from __future__ import annotations

import textwrap

import pytest

from gdpr_lint.engine.analyzer import analyze_source
from gdpr_lint.policy import load_policy
from gdpr_lint.policy.config import parse_config


@pytest.fixture(scope="session")
def default_policy():
    return load_policy()


def run(source: str, config: dict | None = None, path: str = "snippet.py"):
    """Findings for a dedented snippet: a list of (code, line) plus the findings themselves."""
    policy = load_policy(parse_config(config, "test-config")) if config else load_policy()
    findings, _suppressed, _inventory = analyze_source(path, textwrap.dedent(source).lstrip("\n"), policy)
    return findings


def codes(source: str, config: dict | None = None) -> list[tuple[str, int]]:
    """``[(code, line), ...]`` for a snippet."""
    return [(f.code, f.line) for f in run(source, config)]


@pytest.fixture(autouse=True, scope="session")
def _private_cache_key(tmp_path_factory):
    """The results cache's per-user key (gdpr_lint/cache.py) in a folder of the test session, not in
    the user's ~/.cache: scans in tests neither read nor make the real one."""
    import os

    folder = tmp_path_factory.mktemp("xdg-cache")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture
def member_project(tmp_path):
    """A package ``app`` whose ``models.py`` has a model whose ``__str__`` is its e-mail address:
    only the project facts tell that logging one of its objects, elsewhere, logs personal data."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "models.py").write_text(
        "from django.db import models\n\n\nclass Member(models.Model):\n"
        "    email = models.EmailField()  # gdpr: retention=P1Y basis=contract\n\n"
        "    def __str__(self):\n        return self.email\n")
    return tmp_path
