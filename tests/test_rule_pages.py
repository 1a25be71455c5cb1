"""docs/rules/: one page per rule, generated from rules/rules.yaml, and never stale."""

from __future__ import annotations

from pathlib import Path

from gdpr_lint.policy import load_policy
from gdpr_lint.reporters.rule_pages import pages, rule_page

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"


def test_committed_pages_are_what_the_rules_say():
    wanted = pages(load_policy().rules.values())
    present = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(name for name in wanted.keys() | present.keys() if wanted.get(name) != present.get(name))
    assert not stale, f"docs/rules is stale ({', '.join(stale)}): run `python scripts/make_rule_pages.py`"


def test_a_page_carries_the_rule_documentation():
    rule = load_policy().rules["GDPR301"]
    page = rule_page(rule)
    assert page.startswith("# GDPR301 personal-data-in-log\n")
    for part in (rule.article, " ".join(rule.fix.split()), rule.example.strip().splitlines()[0],
                 "# gdpr-lint: ignore[GDPR301]"):
        assert part in page
    index = pages([rule])["README.md"]
    assert "[GDPR301](GDPR301.md)" in index and "Logging" in index
