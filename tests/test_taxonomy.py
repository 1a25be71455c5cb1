"""Every category key in the policy pack is a key of fideslang's default taxonomy."""

from __future__ import annotations

import yaml
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from gdpr_lint.policy import load_policy, rules_dir


def test_category_keys_are_fides_keys():
    fides = {c.fides_key for c in DEFAULT_TAXONOMY.data_category}
    policy = load_policy()
    assert len(policy.categories) >= 40
    unknown = [k for k in policy.categories if k not in fides]
    assert unknown == []


def test_subject_keys_are_fides_keys():
    fides = {s.fides_key for s in DEFAULT_TAXONOMY.data_subject}
    assert set(load_policy().subjects) <= fides


def test_taxonomy_file_matches_fideslang():
    data = yaml.safe_load((rules_dir() / "taxonomy.yaml").read_text())
    assert set(data["data_uses"]) == {u.fides_key for u in DEFAULT_TAXONOMY.data_use}
    assert set(data["data_categories"]) == {c.fides_key for c in DEFAULT_TAXONOMY.data_category}


def test_special_categories_are_marked_and_encrypted():
    policy = load_policy()
    for key in ("user.health_and_medical", "user.biometric", "user.demographic.religious_belief",
                "user.demographic.sexual_orientation", "user.health_and_medical.genetic"):
        assert policy.categories[key].special and policy.categories[key].encrypt


def test_processor_catalogue_is_complete():
    processors = load_policy().processors
    assert len(processors) >= 40
    for p in processors.values():
        assert p.vendor and p.country and (p.sdk or p.hosts), p.name
