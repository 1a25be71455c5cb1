"""Markdown for a pull-request comment: counts per family, then a table of findings.

Links are relative (``path#Lline``) so they resolve against wherever the comment is shown;
pass ``link_base`` (e.g. a blob URL ending in ``/``) to make them absolute.
"""

from __future__ import annotations

from urllib.parse import quote

from gdpr_lint.reporters.summary import counts

MAX_ROWS = 200


def cell(text: str) -> str:
    """Make text safe inside a table cell: escape ``|``, ``<`` and fold line breaks."""
    text = text.replace("|", "\\|").replace("<", "&lt;")
    return " ".join(text.split())


def _row(f, link_base: str) -> str:
    where = f"[`{cell(f.path)}:{f.line}`]({link_base}{quote(f.path)}#L{f.line})"
    cats = ", ".join(f"`{cell(c)}`" for c in f.categories)
    return (f"| {f.severity} | `{f.code}` {cell(f.name)} | {where} | {cats} "
            f"| {cell(f.message)} |")


def render(result, policy, link_base: str = "", **_: object) -> str:
    """The comment body; "No findings" when the scan found nothing."""
    c = counts(result)
    n, files = c["findings"], f"{c['files']} file{'s' if c['files'] != 1 else ''}"
    out = ["## gdpr-lint", ""]
    sup = f", {c['suppressed']} suppressed" if c["suppressed"] else ""
    if not n:
        out += [f"No findings in {files}{sup}.", ""]
        return "\n".join(out)
    out += [f"**{n} finding{'s' if n != 1 else ''}** in {files}{sup}.", "",
            "| Family | Findings |", "| --- | ---: |"]
    out += [f"| {family} | {count} |" for family, count in c["by_family"].items()]
    out += ["", "| Severity | Rule | Location | Categories | Message |", "| --- | --- | --- | --- | --- |"]
    out += [_row(f, link_base) for f in result.findings[:MAX_ROWS]]
    if n > MAX_ROWS:
        out += ["", f"_Showing the first {MAX_ROWS} of {n} findings; run `gdpr-lint check` for the full list._"]
    return "\n".join(out) + "\n"
