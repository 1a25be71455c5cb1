"""Write docs/rules/ (one page per rule and an index) from rules/rules.yaml.

Run after editing rules.yaml: ``python scripts/make_rule_pages.py``.  tests/test_rule_pages.py
fails while the committed pages differ from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gdpr_lint.policy import load_policy
from gdpr_lint.reporters.rule_pages import pages

TARGET = Path(__file__).resolve().parents[1] / "docs" / "rules"


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    wanted = pages(load_policy().rules.values())
    for old in TARGET.glob("*.md"):
        if old.name not in wanted:
            old.unlink()
    for name, text in wanted.items():
        (TARGET / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(wanted)} pages to {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
