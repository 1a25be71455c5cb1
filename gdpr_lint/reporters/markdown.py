"""Markdown for a pull-request comment: counts per family, then a table of findings.

Paths are given from the repository's top.  In a GitHub Actions or GitLab CI job the links point
at the file at the commit scanned (``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``/``GITHUB_SHA``, or
``CI_PROJECT_URL``/``CI_COMMIT_SHA``): a relative link in a pull-request comment resolves to a
page that does not exist.  Elsewhere they are relative (``path#Lline``); ``link_base`` (a blob URL
ending in ``/``) makes them absolute.
"""

from __future__ import annotations

import os
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


def ci_link_base(env=None) -> str:
    """The blob URL of the commit a CI job scans (GitHub Actions, GitLab CI), or ``""`` (also for
    a server URL that is not http(s): a link is never a `javascript:` one)."""
    env = os.environ if env is None else env
    base = ""
    if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY") and env.get("GITHUB_SHA"):
        base = f"{env['GITHUB_SERVER_URL'].rstrip('/')}/{env['GITHUB_REPOSITORY']}/blob/{env['GITHUB_SHA']}/"
    elif env.get("CI_PROJECT_URL") and env.get("CI_COMMIT_SHA"):
        base = f"{env['CI_PROJECT_URL'].rstrip('/')}/-/blob/{env['CI_COMMIT_SHA']}/"
    return base if base.lower().startswith(("https://", "http://")) else ""


def _safe_base(base: str) -> str:
    """A link base with what would end or break a Markdown link target escaped."""
    return quote(base, safe=":/?#[]@!$&'*+,;=%~-._")


def render(result, policy, link_base: str = "", **_: object) -> str:
    """The comment body; "No findings" when the scan found nothing."""
    from gdpr_lint.reporters import from_repository_root

    link_base = _safe_base(link_base or ci_link_base())
    findings, _, _ = from_repository_root(result)
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
    out += [_row(f, link_base) for f in findings[:MAX_ROWS]]
    if n > MAX_ROWS:
        out += ["", f"_Showing the first {MAX_ROWS} of {n} findings; run `gdpr-lint check` for the full list._"]
    return "\n".join(out) + "\n"
