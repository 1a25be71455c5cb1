"""The rule documentation pages (``docs/rules/GDPRnnn.md`` and their index), made from the policy's
``rules.yaml``.  SARIF's ``helpUri`` points at them; ``scripts/make_rule_pages.py`` writes them and
a test fails when the committed pages differ from what the rules say.
"""

from __future__ import annotations

from gdpr_lint import RULE_DOCS

FAMILY_TITLES = {"retention": "Retention (storage limitation, records of processing)",
                 "storage": "Storage (security of processing)", "logging": "Logging and telemetry",
                 "processor": "Processors and transfers", "tool": "The tool's own findings"}


def rule_url(code: str) -> str:
    """Where a rule's page is published (the page of the release this version was built from)."""
    return f"{RULE_DOCS}/{code}.md"


def rule_page(rule, severity: str | None = None) -> str:
    """One rule's page in Markdown (what ``gdpr-lint rules CODE`` prints, with headings)."""
    out = [f"# {rule.code} {rule.name}", "",
           f"- **Family:** {rule.family}",
           f"- **Default severity:** {severity or rule.severity}",
           f"- **GDPR:** {rule.article or '-'}", "",
           "## What it finds", "", " ".join(rule.summary.split()), "",
           "## Why it matters", "", " ".join(rule.why.split()), ""]
    if rule.example:
        out += ["## Flagged example", "", "```python", rule.example.rstrip(), "```", ""]
    if rule.good_example:
        out += ["## Instead", "", "```python", rule.good_example.rstrip(), "```", ""]
    out += ["## Fix", "", " ".join(rule.fix.split()), "",
            "## Turning it off", "",
            (f"For one line, with the reason: `# gdpr-lint: ignore[{rule.code}] reason=\"...\"`. For the "
             f"project: `ignore: [{rule.code}]` in the config, or `--ignore {rule.code}` on the command line."), ""]
    return "\n".join(out)


def index_page(rules) -> str:
    """The index of every rule, by family (``docs/rules/README.md``)."""
    out = ["# gdpr-lint rules", "",
           ("Generated from `rules/rules.yaml` by `scripts/make_rule_pages.py`; `gdpr-lint rules CODE` prints "
            "the same text in a terminal."), ""]
    for family, title in FAMILY_TITLES.items():
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        out += [f"## {title}", "", "| Rule | Name | Severity | What it finds |", "| --- | --- | --- | --- |"]
        for r in members:
            summary = " ".join(r.summary.split()).replace("|", "\\|")
            out.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | {summary} |")
        out.append("")
    return "\n".join(out)


def pages(rules) -> dict[str, str]:
    """File name → text for every page of the rule documentation."""
    rules = list(rules)
    out = {f"{r.code}.md": rule_page(r) for r in rules}
    out["README.md"] = index_page(rules)
    return out
