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


def _codes(rule, source: str, config: dict | None, tmp_path) -> list[str]:
    """The codes an example gives: one file's analysis, or, for the project-wide rights rules
    (GDPR5xx), a scan of the example as a file of a project."""
    if rule.family != "rights":
        return [c for c, _ in codes(source, config)]
    from gdpr_lint.policy.config import parse_config
    from gdpr_lint.scan import scan

    (tmp_path / "example.py").write_text(source, encoding="utf-8")
    policy = load_policy(parse_config(config, "test-config")) if config else load_policy()
    return [f.code for f in scan([tmp_path], policy, root=tmp_path, jobs=1, cache_dir=None).findings]


@pytest.mark.parametrize("rule", [r for r in RULES if r.example and not r.example.startswith("# requirements")],
                         ids=lambda r: r.code)
def test_example_triggers_rule(rule, tmp_path):
    source, config = _config(rule.example)
    found = _codes(rule, source, config, tmp_path)
    assert rule.code in found, f"{rule.code} example gave {found}"


@pytest.mark.parametrize("rule", [r for r in RULES if r.good_example], ids=lambda r: r.code)
def test_good_example_does_not_trigger_rule(rule, tmp_path):
    _, config = _config(rule.example)
    found = _codes(rule, rule.good_example, config, tmp_path)
    assert rule.code not in found, f"{rule.code} good example gave {found}"


def test_every_rule_is_documented():
    for rule in RULES:
        assert rule.summary and rule.why and rule.fix and rule.article, rule.code
        assert rule.family in ("retention", "storage", "logging", "processor", "rights", "tool")
        assert rule.name == rule.name.lower() and " " not in rule.name
