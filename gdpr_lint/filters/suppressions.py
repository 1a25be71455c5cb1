"""Suppressions: ``# gdpr-lint: ignore[GDPR301] reason="..."`` comments, applied to one file's findings.

A suppression applies to a finding on any line of the finding's statement.  Suppressed findings
are kept, with their reason, for the DPO review and the digest; a suppression without a reason
(GDPR903), or one that suppresses nothing or names no known rule (GDPR904), is reported itself.
"""

from __future__ import annotations

from gdpr_lint.findings import Finding, tool_finding


def apply_suppressions(ctx) -> list[Finding]:
    """Drop findings suppressed by ``# gdpr-lint: ignore[...]`` and report bad or unused suppressions.

    Suppressed findings stay in ``ctx.suppressed`` (with their reason) for the DPO review.
    """
    sups = ctx.comments.suppressions
    used: set[int] = set()
    kept: list[Finding] = []
    for f in ctx.findings:
        hit = None
        # any line of the finding's statement: the first, the last, or the argument's own line
        for line in range(f.line, max(f.line, f.end_line or f.line) + 1) if sups else ():
            sup = sups.get(line)
            if sup and (not sup.codes or any(f.code.startswith(c) for c in sup.codes)):
                hit = sup
                break
        if hit is None:
            kept.append(f)
            continue
        used.add(hit.line)
        f.suppressed = True
        f.suppression_reason = hit.reason
        ctx.suppressed.append(f)
    for line, sup in sorted(sups.items()):
        codes = ", ".join(sup.codes) or "all rules"
        if not sup.reason and ctx.policy.is_enabled("GDPR903"):
            kept.append(_at_comment(tool_finding(ctx.policy, "GDPR903", ctx.path,
                                                 f"suppression of {codes} gives no reason", line, sup.column), sup))
        if line not in used and ctx.policy.is_enabled("GDPR904"):
            unknown = [c for c in sup.codes if not any(r.startswith(c) for r in ctx.policy.rules)]
            what = (f"names no known rule ({', '.join(unknown)}; `gdpr-lint rules` lists them)" if unknown
                    else "matches no finding on this line")
            kept.append(_at_comment(tool_finding(ctx.policy, "GDPR904", ctx.path, f"suppression of {codes} {what}",
                                                 line, sup.column), sup))
    return kept


def _at_comment(finding: Finding, sup) -> Finding:
    """The finding's span set to the suppression comment (editors underline the comment)."""
    finding.end_column = max(sup.end_column, finding.column)
    return finding
