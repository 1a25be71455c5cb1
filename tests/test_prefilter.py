"""The pre-filter only saves time: findings are identical with and without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdpr_lint.policy import load_policy
from gdpr_lint.scan import scan

ROOT = Path(__file__).resolve().parents[1]
TREES = [ROOT / "examples", ROOT.parent / "shared" / "cases"]


@pytest.mark.parametrize("tree", [t for t in TREES if t.is_dir()], ids=lambda t: t.name)
def test_same_findings_with_and_without_prefilter(tree):
    policy = load_policy()
    fast = scan([tree], policy, root=tree, jobs=1, cache_dir=None, prefilter=True)
    full = scan([tree], policy, root=tree, jobs=1, cache_dir=None, prefilter=False)
    key = lambda r: [(f.path, f.line, f.code, f.message) for f in r.findings]  # noqa: E731
    assert key(fast) == key(full)
    assert fast.inventory == full.inventory


def test_prefilter_skips_files_without_vocabulary():
    from gdpr_lint.engine.prefilter import Prefilter

    pf = Prefilter(load_policy())
    assert not pf.may_yield("def add(a, b):\n    return a + b\n")
    assert not pf.may_yield("class Widget:\n    name = 'gear'\n")  # a weak word without a person
    assert pf.may_yield("def f(user):\n    print(user.name)\n")
    assert pf.may_yield("import mixpanel\n")
    assert pf.may_yield("x = 1  # gdpr-lint: ignore[GDPR301]\n")
