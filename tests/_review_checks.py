"""What a review must say consistently: its summary, its diagram and its lists count the same things."""

from __future__ import annotations

from collections import Counter

from gdpr_lint.findings import NOT_ANALYSED


def disagreements(review: dict) -> list[str]:
    """Each place where the summary (``verdict``), the data-flow diagram (``flows``) and the lists
    of findings, accepted findings and processors disagree; empty when they agree."""
    v, out = review["verdict"], []
    findings, accepted = review["findings"], review["suppressions"] + review["baselined"]
    if v["findings"] != len(findings):
        out.append(f"summary says {v['findings']} open findings, the list has {len(findings)}")
    by_sev = Counter(f["severity"] for f in findings)
    for sev, n in v["by_severity"].items():
        if n != by_sev.get(sev, 0):
            out.append(f"summary says {n} {sev}s, the list has {by_sev.get(sev, 0)}")
    if v["accepted"] != len(accepted):
        out.append(f"summary says {v['accepted']} accepted, the lists have {len(accepted)}")
    for name, wanted in (("unencrypted_sensitive", findings), ("unencrypted_sensitive_accepted", accepted)):
        n = sum(1 for f in wanted if f["code"] == "GDPR201")
        if v[name] != n:
            out.append(f"summary says {name} {v[name]}, the lists have {n}")
    broken = [d for d in review["not_analysed"] if d["code"] in NOT_ANALYSED]
    if v["not_checked"] != len(broken):
        out.append(f"summary says {v['not_checked']} files could not be checked, the list has {len(broken)}")
    if any(f["code"] in NOT_ANALYSED for f in findings):
        out.append("a file that could not be checked is counted as an open finding")
    if v["processors"] != len(review["processors"]):
        out.append(f"summary says {v['processors']} processors, the list has {len(review['processors'])}")
    targets = {e["target"]: e for e in review["flows"] if e["kind"] == "processor"}
    for p in review["processors"]:
        if p["vendor"] not in targets:
            out.append(f"processor {p['name']} is in the summary but not in the diagram")
    bad = {p["vendor"] for p in review["processors"] if p["name"] in v["processors_not_approved"]}
    for vendor in bad:
        if vendor in targets and not any(e["status"] == "finding" for e in review["flows"] if e["target"] == vendor):
            out.append(f"processor {vendor} is not approved but the diagram shows no finding for it")
    return out
