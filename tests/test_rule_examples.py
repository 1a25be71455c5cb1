"""Every rule's documented example triggers it and its good example does not (rules/rules.yaml)."""

from __future__ import annotations

import pytest
import yaml

from gdpr_lint.policy import load_policy
from tests.conftest import codes

RULES = list(load_policy().rules.values())


def _config(example: str) -> tuple[str, dict | None]:
    first, _, rest = example.partition("\n")
    if first.startswith("# gdpr-lint config:"):
        return rest, yaml.safe_load(first.split(":", 1)[1])
    return example, None


@pytest.mark.parametrize("rule", [r for r in RULES if r.example and not r.example.startswith("# requirements")],
                         ids=lambda r: r.code)
def test_example_triggers_rule(rule):
    source, config = _config(rule.example)
    found = [c for c, _ in codes(source, config)]
    assert rule.code in found, f"{rule.code} example gave {found}"


@pytest.mark.parametrize("rule", [r for r in RULES if r.good_example], ids=lambda r: r.code)
def test_good_example_does_not_trigger_rule(rule):
    source, config = _config(rule.example)
    _, config = _config(rule.example)
    found = [c for c, _ in codes(rule.good_example, config)]
    assert rule.code not in found, f"{rule.code} good example gave {found}"


def test_every_rule_is_documented():
    for rule in RULES:
        assert rule.summary and rule.why and rule.fix and rule.article, rule.code
        assert rule.family in ("retention", "storage", "logging", "processor", "tool")
        assert rule.name == rule.name.lower() and " " not in rule.name
