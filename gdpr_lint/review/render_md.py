"""``review.md``: the review in Markdown that fits a pull-request comment, the diagram as Mermaid.

Long parts (inventory, findings, ignored findings) sit in ``<details>`` blocks so the comment stays
short; everything written from code is escaped for table cells.
"""

from __future__ import annotations

from gdpr_lint.review.model import UNREAD_WHY

MAX_ROWS = 150


def cell(text) -> str:
    """Safe inside a Markdown table cell: ``|``, ``<`` and backticks escaped, line breaks folded."""
    text = "" if text is None else str(text)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("`", "\\`")
    return " ".join(text.split())


def code(text) -> str:
    """Inline code that cannot be broken out of (backticks inside are replaced)."""
    text = " ".join(str(text).replace("`", "'").replace("|", "\\|").split())
    return f"`{text}`" if text else ""


def _mermaid_text(text: str) -> str:
    return (str(text).replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("\n", " "))


def mermaid(review: dict) -> list[str]:
    """A ``flowchart LR`` of data categories -> sinks and processors."""
    flows = review.get("flows") or []
    cats = review.get("categories", {})
    if not flows:
        return []
    out = ["```mermaid", "flowchart LR"]
    ids: dict[tuple[str, str], str] = {}

    def node(kind: str, name: str, label) -> str:
        key = (kind, name)
        if key not in ids:
            ids[key] = f"{'c' if kind == 'cat' else 't'}{len(ids)}"
            shape = ('["', '"]') if kind == "cat" else ('(["', '"])')
            text = "<br/>".join(_mermaid_text(t) for t in label) if isinstance(label, tuple) else _mermaid_text(label)
            out.append(f"  {ids[key]}{shape[0]}{text}{shape[1]}")
        return ids[key]

    styles: list[str] = []
    for i, e in enumerate(flows):
        info = cats.get(e["category"], {})
        left = node("cat", e["category"], (info.get("label", e["category"]), e["category"]))
        right = node("target", e["target"], e["target"])
        arrow = {"finding": "==>", "suppressed": "-.->", "ok": "-->"}[e["status"]]
        label = {"finding": "|finding|", "suppressed": "|ignored|", "ok": ""}[e["status"]]
        out.append(f"  {left} {arrow}{label} {right}")
        colour = {"finding": "#b42318", "suppressed": "#b54708", "ok": "#475467"}[e["status"]]
        styles.append(f"  linkStyle {i} stroke:{colour}")
    out += styles
    out.append("```")
    return out


def _cats(keys, cats) -> str:
    return ", ".join(f"{cell(cats.get(c, {}).get('label', c))} ({code(c)})" for c in keys)


def render_md(review: dict) -> str:
    """The Markdown review (see :func:`gdpr_lint.review.model.build_review`)."""
    s, v, d = review["scope"], review["verdict"], review.get("diff")
    cats = review.get("categories", {})
    icon = {"blocked": "\u26d4", "attention": "\u26a0\ufe0f", "clear": "\u2705"}[v["status"]]
    commit = s["commit"][:12] if s.get("commit") else "not a git checkout"
    base = f", compared with {code(s['base'])}" if s.get("base") else ""
    out = ["## Privacy review (gdpr-lint)", "",
           f"{cell(s['repository'])} at {code(commit)}{base} · {cell(', '.join(s['paths']))} · {s['date']} · "
           f"gdpr-lint {s['tool']['version']}, policy {code(s['policy']['hash'])}", "",
           f"**{icon} {cell(v['headline'])}**", "",
           *([f"**Not committed:** {len(s['untracked'])} scanned file{'s' if len(s['untracked']) != 1 else ''} "
              f"git does not track: {cell(', '.join(s['untracked'][:20]))}"
              f"{' …' if len(s['untracked']) > 20 else ''} (commit or ignore them before the deploy gate runs)", ""]
             if s.get("untracked") else []),
           "| | |", "| --- | ---: |",
           f"| Personal-data fields | {v['fields']} |",
           f"| Fully tagged ({cell(', '.join(s['policy']['require']))}) | {v['coverage']}% |",
           f"| Special-category fields (Art. 9) | {v['special_fields']} |",
           f"| Open findings (errors / warnings) | {v['findings']} ({v['by_severity']['error']} / "
           f"{v['by_severity']['warning']}) |",
           f"| Processors in use / not approved | {v['processors']} / {len(v['processors_not_approved'])} |",
           f"| Sensitive, stored unencrypted | {v['unencrypted_sensitive']}"
           f"{' (and ' + str(v['unencrypted_sensitive_accepted']) + ' accepted)' if v.get('unencrypted_sensitive_accepted') else ''} |",
           f"| Accepted by developers (suppressed or in the baseline) | {v.get('accepted', 0)} |",
           *([f"| Fields an erasure request reaches (Art. 17) | {v['rights']['erasure']['reached']} / "
              f"{v['rights']['erasure']['total']} |",
              f"| Fields an access request returns (Art. 15, 20) | {v['rights']['access']['reached']} / "
              f"{v['rights']['access']['total']} |"] if v.get("rights") else []),
           *([f"| Files that could not be checked | {v['not_checked']} |"] if v.get("not_checked") else []),
           f"| Rules switched off by the config | {cell('; '.join(v.get('rules_off') or [])) or 'none'} |",
           ""]
    out += ["### Changes since the base", ""]
    if not d:
        out += ["No base revision given (`--base`): the whole code is in scope.", ""]
    elif d["unchanged"]:
        out += [f"No privacy-relevant change since {code(d['base'])} (same digest).", ""]
    else:
        if d.get("policy_changed"):
            before = "; ".join(d.get("rules_off_before") or []) or "none"
            now = "; ".join(v.get("rules_off") or []) or "none"
            out += [f"**The policy changed since the base** ({cell(d.get('config_before') or 'the config differs')}). "
                    f"Rules switched off then: {cell(before)}; now: {cell(now)}.", ""]
            if d.get("policy_changes"):
                out += ["| Setting | At the base | Now |", "| --- | --- | --- |"]
                out += [f"| {code(c['key'])} | {code(c['before'])} | {code(c['after'])} |" for c in d["policy_changes"]]
                out.append("")
            hidden = d.get("hidden_by_policy") or []
            out += [f"**Findings the new policy hides:** {len(hidden)} (the head's code under the base's policy)"
                    + (":" if hidden else ".")]
            for f in hidden:
                out.append(f"- {f['severity']} {code(f['code'])} {cell(f['message'])} ({code(f['path'] + ':' + str(f['line']))})")
            out.append("")
        for title, key in (("Fields added", "fields_added"), ("Fields removed", "fields_removed")):
            if d[key]:
                out.append(f"**{title}:** " + "; ".join(
                    f"{code(f['model'] + '.' + f['field'])} ({_cats(f['categories'], cats)}, retention "
                    f"{cell(f['retention']) or '**missing**'})" for f in d[key]))
                out.append("")
        for f in d["fields_changed"]:
            changes = "; ".join(f"{c['attribute']}: {cell(c['old']) or 'none'} → {cell(c['new']) or 'none'}"
                                for c in f["changes"])
            out.append(f"- changed {code(f['model'] + '.' + f['field'])}: {changes}")
        if d["fields_changed"]:
            out.append("")
        out.append(f"**Processors added:** {cell(', '.join(d['processors_added'])) or 'none'}; "
                   f"**removed:** {cell(', '.join(d['processors_removed'])) or 'none'}")
        out.append("")
        out.append(f"**New findings:** {len(d['new_findings'])}, **resolved:** {len(d['resolved_findings'])}")
        for f in d["new_findings"]:
            where = code(f"{f['path']}:{f['line']}")
            out.append(f"- {f['severity']} {code(f['code'])} {cell(f['message'])} ({where})")
        for f in d["new_suppressions"]:
            out.append(f"- newly ignored {code(f['code'])} {cell(f['message'])}: "
                       f"\"{cell(f['suppression_reason']) or 'no reason given'}\"")
        out.append("")
    out += ["### Where personal data goes", ""]
    diagram = mermaid(review)
    out += (diagram + [""]) if diagram else ["No personal data reaches a database, a log or a processor.", ""]
    out += ["### Processors", ""]
    if review["processors"]:
        out += ["| Processor | Status | Country | Leaves EEA | DPA | Transfer | Receives |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for p in review["processors"]:
            eea = "unknown" if p["leaves_eea"] is None else ("**yes**" if p["leaves_eea"] else "no")
            out.append(f"| {cell(p['vendor'])} | {cell(p['status'])} | {cell(p['country']) or 'unknown'} | {eea} | "
                       f"{cell(p['dpa']) or 'none'} | {cell(p['transfer_mechanism']) or '-'} | "
                       f"{_cats(p['categories'], cats) or 'no personal data seen'} |")
    else:
        out.append("No third-party processor is used.")
    out.append("")
    inv = review["inventory"]
    out += [f"<details><summary>Personal data held: {len(inv)} field{'s' if len(inv) != 1 else ''}</summary>", ""]
    if inv:
        out += ["| Field | Categories | Retention | Basis | Purpose | Stored | Encrypted | Location |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for r in inv[:MAX_ROWS]:
            special = "**Art. 9** " if r.get("special") else ""
            out.append(f"| {code(str(r.get('model')) + '.' + str(r.get('field')))} | {special}"
                       f"{_cats(r.get('categories', []), cats)} | {cell(r.get('retention')) or '**missing**'} | "
                       f"{cell(r.get('basis')) or '-'} | {cell(r.get('purpose')) or '-'} | "
                       f"{'yes' if r.get('storage') else 'no'} | {'yes' if r.get('encrypted') else 'no'} | "
                       f"{code(str(r.get('path')) + ':' + str(r.get('line')))} |")
        if len(inv) > MAX_ROWS:
            out.append(f"\n…and {len(inv) - MAX_ROWS} more in review.html.")
    out += ["", "</details>", ""]
    fs = review["findings"]
    out += [f"<details><summary>Findings: {len(fs)}</summary>", ""]
    if fs:
        out += ["| Severity | Rule | Where | What | Article | Fix |", "| --- | --- | --- | --- | --- | --- |"]
        for f in fs[:MAX_ROWS]:
            out.append(f"| {f['severity']} | {code(f['code'])} {cell(f['name'])} | "
                       f"{code(f['path'] + ':' + str(f['line']))} | {cell(f['message'])} | {cell(f['article'])} | "
                       f"{cell(f['fix'])} |")
        if len(fs) > MAX_ROWS:
            out.append(f"\n…and {len(fs) - MAX_ROWS} more in review.html.")
    out += ["", "</details>", ""]
    sup, accepted = review["suppressions"], review.get("baselined", [])
    out += [f"<details><summary>Accepted by developers: {len(sup)} suppressed, {len(accepted)} in the baseline"
            "</summary>", ""]
    if sup or accepted:
        out += ["| Rule | Where | What it hides | Reason given |", "| --- | --- | --- | --- |"]
        for f in sup:
            out.append(f"| {code(f['code'])} | {code(f['path'] + ':' + str(f['line']))} | {cell(f['message'])} | "
                       f"{cell(f['suppression_reason']) or '**no reason given**'} |")
        for f in accepted:
            out.append(f"| {code(f['code'])} | {code(f['path'] + ':' + str(f['line']))} (baseline) | "
                       f"{cell(f['message'])} | {cell(f['suppression_reason']) or '**no reason given**'} |")
    elif not v.get("rules_off"):
        out.append("Nothing ignored.")
    if v.get("rules_off"):
        out += ["", f"**The config switches rules off:** it {cell('; '.join(v['rules_off']))}: findings of those rules "
                "are not reported at all, here or in the findings above."]
    out += ["", "</details>", ""]
    excluded, unread = review.get("excluded") or [], review.get("not_analysed") or []
    if excluded or unread:
        out += [f"<details><summary>Not scanned: {len(excluded)} file{'s' if len(excluded) != 1 else ''} the config "
                f"excludes, {len(unread)} not analysed</summary>", "",
                "The digest holds the SHA-256 of each: a change to any of them needs a new sign-off.", "",
                "| File | Why | SHA-256 |", "| --- | --- | --- |"]
        out += [f"| {code(e['path'])} | excluded by the config | {code(e['sha256'][:16])} |" for e in excluded]
        out += [f"| {code(e['path'])} | {UNREAD_WHY.get(e['code']) or code(e['code']) + ' not analysed'} | "
                f"{code(e['sha256'][:16] if not e['sha256'].startswith('commit ') else e['sha256'][:19])} |"
                for e in unread]
        out += ["", "</details>", ""]
    settings = s["policy"].get("settings") or {}
    out += [f"<details><summary>Policy settings: {len(settings)} differ from the defaults</summary>", ""]
    if settings:
        out += ["The organisation's config, as the review applied it (the DPO signs it with the code).", "",
                "| Setting | Value |", "| --- | --- |"]
        out += [f"| {code(k)} | {code(v)} |" for k, v in settings.items()]
    else:
        out.append("The default policy: no setting of the config changes it.")
    out += ["", "</details>", ""]
    out += ["### Sign-off", "", f"Review digest: {code(review['digest'])}", ""]
    if review.get("signoffs"):
        for r in review["signoffs"]:
            out.append(f"- **{cell(r['decision'])}** by {cell(r['signer'])} ({cell(r.get('role'))}) on "
                       f"{cell(r['signed_at'])}, expires {cell(r.get('expires')) or 'never'}"
                       + (f": {cell(r['note'])}" if r.get("note") else ""))
        out.append("")
    else:
        out += ["Not signed off yet: `gdpr-lint signoff review.json --key KEY --decision approve|reject`.", ""]
    return "\n".join(out)
