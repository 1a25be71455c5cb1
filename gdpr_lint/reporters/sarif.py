"""SARIF 2.1.0 as GitHub code scanning reads it: one run with every policy rule, findings as results.

Findings suppressed in the source (``# gdpr-lint: ignore[...]``, with their reasons) and those a
baseline accepts are left out: GitHub does not honour SARIF's ``suppressions`` and would open an
alert for each justified one.  They stay in the JSON report and the DPO's review, where their
reasons are read.  ``check --format sarif --include-suppressed`` keeps them, each with a
``suppressions`` entry (``inSource`` or ``external``, the reason as its justification), for
consumers that read it (Azure DevOps, the SARIF viewers).

Every documented rule has a ``helpUri``: its page under ``docs/rules/`` at this release's tag.

Paths are relative URIs resolved against ``%SRCROOT%`` (the scan root), columns count Unicode
code points, and ``partialFingerprints["gdprLint/v1"]`` carries the line-independent finding
fingerprint so code-scanning services track a finding across edits.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from urllib.parse import quote

from gdpr_lint import REPOSITORY, __version__
from gdpr_lint.reporters.rule_pages import rule_url

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = REPOSITORY
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
#: GitHub code scanning rejects a run with more results than this (and shows the first 5,000 by
#: severity): past it, the most severe are kept and the run says how many were left out
MAX_RESULTS = 25_000
_RANK = {"error": 0, "warning": 1, "info": 2}
SRCROOT = "%SRCROOT%"


def _help(rule) -> dict:
    why = " ".join(rule.why.split())
    fix = " ".join(rule.fix.split())
    text = f"{rule.summary}\n\nWhy it matters ({rule.article}): {why}\n\nFix: {fix}"
    markdown = f"**{rule.code} {rule.name}**\n\n{rule.summary}\n\n**Why it matters** ({rule.article}): {why}\n\n"
    if rule.example:
        markdown += f"**Flagged example**\n\n```python\n{rule.example.rstrip()}\n```\n\n"
    if rule.good_example:
        markdown += f"**Instead**\n\n```python\n{rule.good_example.rstrip()}\n```\n\n"
    markdown += f"**Fix:** {fix}"
    return {"text": text, "markdown": markdown}


#: GitHub code scanning's ranking (the ``properties`` of a rule it reads): a ``security`` tag with a
#: ``security-severity`` (0.0-10.0) makes the alert a security alert of that rank; ``precision`` sorts
#: alerts; ``problem.severity`` ranks the rules that are not about security (the tool's own, GDPR9xx)
SECURITY_SEVERITY = {"error": "7.0", "warning": "5.0", "info": "3.0"}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}


def _properties(code: str, family: str, article: str, severity: str) -> dict:
    tags = [t for t in ("gdpr", family, article) if t and t != "-"]
    if family == "tool":  # could not check a file: a problem of the scan, not a privacy finding
        return {"tags": tags, "problem.severity": PROBLEM_SEVERITY.get(severity, "warning")}
    return {"tags": ["security", "privacy", *tags], "precision": "high",
            "security-severity": SECURITY_SEVERITY.get(severity, "5.0"),
            "problem.severity": PROBLEM_SEVERITY.get(severity, "warning")}


def _rule(rule, policy) -> dict:
    """A ``reportingDescriptor`` for a policy rule."""
    severity = policy.severity_of(rule.code)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.why.split()) or rule.summary},
        "help": _help(rule),
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
        "properties": _properties(rule.code, rule.family, rule.article, severity),
    }


def _artifact(path: str) -> dict:
    """An ``artifactLocation``: relative to ``%SRCROOT%``, or an absolute file URI outside the root."""
    if PurePosixPath(path).is_absolute():
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": SRCROOT}


def _result(f, index: dict[str, int], suppression: str = "") -> dict:
    """A SARIF ``result`` for one finding."""
    region = {"startLine": f.line, "startColumn": f.column, "endLine": f.end_line, "endColumn": f.end_column}
    out = {
        "ruleId": f.code,
        "ruleIndex": index[f.code],
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(f.path), "region": region}}],
        "partialFingerprints": {"gdprLint/v1": f.fingerprint},
        "properties": {"categories": list(f.categories), "family": f.family},
    }
    if suppression:  # "inSource" (a comment in the code) or "external" (the baseline file)
        entry = {"kind": suppression, "status": "accepted"}
        if f.suppression_reason:
            entry["justification"] = f.suppression_reason
        out["suppressions"] = [entry]
    return out


def _root_uri(root) -> str:
    uri = root.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def render(result, policy, include_suppressed: bool = False, **_: object) -> str:
    """The scan as a SARIF 2.1.0 log (JSON text); ``include_suppressed`` keeps the suppressed and
    baselined findings, marked as such (see the module docstring)."""
    from gdpr_lint.reporters import from_repository_root

    rules = [_rule(r, policy) for r in policy.rules.values()]
    located = from_repository_root(result)
    top = located.top
    kinds = {id(f): "" for f in located.findings}
    if include_suppressed:
        kinds.update({id(f): "inSource" for f in located.suppressed})
        kinds.update({id(f): "external" for f in located.baselined})
    pool = [*located.findings, *located.suppressed, *located.baselined] if include_suppressed else located.findings
    everything = sorted(pool, key=lambda f: f.sort_key())
    left_out = len(everything) - MAX_RESULTS
    if left_out > 0:
        kept = set(map(id, sorted(everything, key=lambda f: (bool(kinds[id(f)]), _RANK.get(f.severity, 1),
                                                             f.sort_key()))[:MAX_RESULTS]))
        everything = [f for f in everything if id(f) in kept]
    index = {r["id"]: i for i, r in enumerate(rules)}
    for f in everything:  # a code the pack does not document still needs a descriptor
        if f.code not in index:
            index[f.code] = len(rules)
            rules.append({"id": f.code, "name": f.name, "shortDescription": {"text": f.name},
                          "properties": _properties(f.code, f.family, "", f.severity)})
    run = {
        "tool": {"driver": {"name": "gdpr-lint", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(top)}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, kinds[id(f)]) for f in everything],
    }
    if left_out > 0:
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": [{
            "level": "warning", "descriptor": {"id": "results-capped"},
            "message": {"text": f"{left_out} of {left_out + MAX_RESULTS} results left out: GitHub code scanning "
                                f"rejects a run with more than {MAX_RESULTS:,}; the most severe are kept. Use "
                                "--baseline or --diff, or fix the most frequent rule first (--statistics)."}}]}]
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"
