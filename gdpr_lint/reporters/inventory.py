"""Records of processing (GDPR Art. 30) generated from code: the ``gdpr-lint inventory`` formats
Markdown, CSV and JSON (the Fides manifest is :mod:`gdpr_lint.reporters.fides`).

The engine yields one inventory row per personal-data field of a schema (Django, SQLAlchemy,
pydantic, dataclasses ...).  The functions here are pure: they take those rows (dicts, see
:func:`gdpr_lint.engine.fields.FieldChecks.check_field`) and return text.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Iterable

from gdpr_lint import __version__

#: tag keys that ``require`` may list, and the row field each one is read from
REQUIRE_FIELDS = {"retention": "retention", "basis": "basis", "purpose": "purpose", "subject": "subject"}

CSV_COLUMNS = ("path", "line", "module", "model", "field", "framework", "storage", "categories", "special",
               "subject", "retention", "basis", "purpose", "encrypted", "declared_by", "reasons", "tag_problem",
               "exchanged", "mirrors", "erased_by", "exported_by", "erasure", "access", "exempt_reason", "recipients")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def from_repository_top(rows: Iterable[dict], root, scanned) -> list[dict]:
    """Rows whose ``path`` is from the top of the repository that holds the scan (a record names
    where the data is in the project, never the scanning machine's folders); outside a
    repository, from the folder scanned."""
    import os
    import posixpath
    from pathlib import Path

    from gdpr_lint.reporters import repository_root

    scanned = Path(scanned).resolve()
    base = repository_root(scanned) or (scanned if scanned.is_dir() else scanned.parent)
    out = []
    for row in rows:
        path = row.get("path", "")
        full = Path(path) if os.path.isabs(path) else Path(root).resolve() / path
        try:
            shown = full.resolve().relative_to(base).as_posix()
        except (ValueError, OSError):
            shown = path
        out.append({**row, "path": posixpath.normpath(shown)})
    return out


def sort_rows(rows: Iterable[dict]) -> list[dict]:
    """Rows in a stable order: path, line, model, field."""
    return sorted(rows, key=lambda r: (r.get("path", ""), r.get("line", 0), r.get("model", ""), r.get("field", "")))


def is_tagged(row: dict, require: Iterable[str] | None = None) -> bool:
    """Whether a row has a value for every required tag key (``category`` is never missing) and a
    tag that can be read (one that gives GDPR102 in ``check`` does not count)."""
    keys = ["retention"] if require is None else list(require)
    return not row.get("tag_problem") and all(row.get(REQUIRE_FIELDS[k]) for k in keys if k in REQUIRE_FIELDS)


def coverage(rows: list[dict], require: Iterable[str] | None = None) -> tuple[int, int, float]:
    """``(tagged, total, percent)``: how many kept personal-data fields carry every required tag key
    (fields of carriers are exchanged, not kept: they need no tag and do not count).

    ``require`` defaults to ``["retention"]`` (the config's ``require``).  With no rows at all the
    coverage is 100%: there is nothing left to tag.
    """
    rows = [r for r in rows if not r.get("exchanged")]
    keys = ["retention"] if require is None else list(require)
    total = len(rows)
    tagged = sum(1 for r in rows if is_tagged(r, keys))
    percent = 100.0 * tagged / total if total else 100.0
    return tagged, total, percent


def coverage_line(cov: tuple[int, int, float]) -> str:
    """The one-line summary printed on stderr."""
    tagged, total, percent = cov
    return f"tag coverage: {tagged}/{total} personal-data fields fully tagged ({percent:.1f}%)"


def recipients(disclosures: list[dict], policy) -> list[dict]:
    """The third parties personal data reaches (Art. 30(1)(d), (e)), one entry each: what they
    receive, where in the code, who they are (the processor catalogue) and whether the
    organisation approved them (its register: DPA, region, transfer mechanism)."""
    groups: dict[str, dict] = {}
    for d in disclosures:
        g = groups.setdefault(d["recipient"], {"categories": set(), "uses": set()})
        g["categories"].update(d.get("categories", ()))
        g["uses"].add(f"{d.get('path')}:{d.get('line')}")
    out = []
    eea = policy.eea_regions if policy is not None else frozenset()
    for name, g in sorted(groups.items()):
        info = policy.processors.get(name) if policy is not None else None
        approval = policy.approved.get(name) if policy is not None else None
        country = (approval.region if approval and approval.region else "") or (info.country if info else "")
        outside = (country.upper() not in eea) if approval and approval.region else (
            (not info.eea) if info is not None else None)
        out.append({"name": name, "vendor": info.vendor if info else name, "service": info.service if info else "",
                    "country": country, "outside_eea": outside, "approved": approval is not None,
                    "dpa": approval.dpa if approval else "",
                    "transfer_mechanism": approval.transfer_mechanism if approval else "",
                    "categories": sorted(g["categories"]), "uses": sorted(g["uses"])})
    return out


def with_recipients(rows: list[dict], receivers: list[dict]) -> list[dict]:
    """Rows with ``recipients``: the third parties that receive one of the row's categories."""
    def related(a: str, b: str) -> bool:
        return a == b or a.startswith(b + ".") or b.startswith(a + ".")

    return [{**r, "recipients": sorted(x["name"] for x in receivers
                                       if any(related(c, d) for c in r.get("categories", ()) for d in x["categories"]))}
            for r in rows]


def gaps(rows: list[dict]) -> list[dict]:
    """The kept fields the record cannot fully describe: no retention (or an unreadable tag), no
    lawful basis, no known data subject, or not reached by the declared erasure or access routines."""
    out = []
    for r in sort_rows(r for r in rows if not r.get("exchanged")):
        missing = []
        if r.get("tag_problem"):
            missing.append(f"a readable tag ({r['tag_problem']})")
        elif not r.get("retention"):
            missing.append("retention")
        if not r.get("basis"):
            missing.append("lawful basis")
        if not r.get("subject"):
            missing.append("data subject")
        for right, key in (("erasure", "erased_by"), ("access", "exported_by")):
            if key in r and not r.get(key) and not (r.get(right) == "exempt" and r.get("exempt_reason")):
                missing.append(f"{right} routine reaching it")
        if missing:
            out.append({"model": f"{r.get('module')}.{r.get('model')}" if r.get("module") else r.get("model", ""),
                        "field": r.get("field", ""), "missing": missing, "path": r.get("path", ""),
                        "line": r.get("line", 0)})
    return out


TABLES = ("fields", "recipients", "gaps")


def to_csv_table(table: str, rows: list[dict], receivers: list[dict]) -> str:
    """One section of the record as a sheet-ready CSV table: ``fields`` (:func:`to_csv`),
    ``recipients`` or ``gaps``."""
    if table == "fields":
        return to_csv(rows)
    buf = io.StringIO()
    writer = csv.writer(buf)
    if table == "recipients":
        columns = ("name", "vendor", "service", "country", "outside_eea", "approved", "dpa", "transfer_mechanism",
                   "categories", "uses")
        writer.writerow(columns)
        for x in receivers:
            writer.writerow(["unknown" if c == "outside_eea" and x[c] is None else _cell(x[c]) for c in columns])
    else:
        writer.writerow(("model", "field", "missing", "path", "line"))
        for g in gaps(rows):
            writer.writerow([_cell(g["model"]), _cell(g["field"]), _cell(g["missing"]), _cell(g["path"]), g["line"]])
    return buf.getvalue()


def rights_coverage(rows: list[dict]) -> dict[str, tuple[int, int]] | None:
    """``{"erasure": (reached, total), "access": (...)}`` over the kept fields (exempt ones count as
    reached), or ``None`` when the scan did not check the data subjects' rights."""
    kept = [r for r in rows if not r.get("exchanged")]
    if not kept or not any("erased_by" in r for r in kept):
        return None
    out = {}
    for right, key in (("erasure", "erased_by"), ("access", "exported_by")):
        out[right] = (sum(1 for r in kept if r.get(key) or (r.get(right) == "exempt" and r.get("exempt_reason"))),
                      len(kept))
    return out


def _right(r: dict, right: str, key: str) -> str:
    """One row's erasure or access cell: how it is reached, exempt (with the reason), or not."""
    if key not in r:
        return "-"
    if r.get(key):
        return r[key]
    if r.get(right) == "exempt":
        return f"exempt: {r.get('exempt_reason') or 'no reason given'}"
    return "**not reached**"


def _label(policy, key: str) -> str:
    cat = policy.categories.get(key) if policy is not None else None
    return cat.label if cat is not None else key


def _md(text) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(rows: list[dict], policy, require: Iterable[str] | None = None,
                receivers: list[dict] | None = None) -> str:
    """A Markdown record of processing: one table row per personal-data field, then the recipients."""
    if require is not None:
        keys = list(require)
    else:
        keys = list(policy.config.require) if policy is not None else ["retention"]
    rows = sort_rows(rows)
    tagged, total, percent = coverage(rows, keys)
    out = ["# Records of processing (GDPR Art. 30)", "",
           f"Generated from code by gdpr-lint {__version__}. {tagged} of {total} personal-data fields fully tagged "
           f"({percent:.1f}%; required: {', '.join(keys) or 'nothing'}).", ""]
    parties = [(label, getattr(policy.config, key, None) or {}) for label, key in
               (("Controller", "controller"), ("Data protection officer", "dpo"))] if policy is not None else []
    named = [f"{label}: {_md(p['name'])}" + "".join(f", {_md(p[k])}" for k in ("address", "contact") if p.get(k))
             for label, p in parties if p.get("name")]
    out += ([" ".join(f"{n}." for n in named), ""] if named else
            ["Controller and DPO: not named (`controller:` and `dpo:` in the config, Art. 30(1)(a)).", ""])
    rights = rights_coverage(rows)
    if rights:
        (erased, n), (exported, _) = rights["erasure"], rights["access"]
        out += [f"Data subjects' rights: {erased} of {n} kept fields are reached by an erasure routine (Art. 17), "
                f"{exported} of {n} by an access routine (Art. 15, 20); exempt fields count as reached.", ""]
    if not rows:
        out.append("No personal-data fields found.")
        return "\n".join(out) + "\n"
    exchanged = [r for r in rows if r.get("exchanged")]
    rows = [r for r in rows if not r.get("exchanged")]
    found = gaps(rows)
    out += ["## Gaps", ""]
    if found:
        out += ["What the record cannot say yet, field by field (fix these first).", "",
                "| Model | Field | Missing | Location |", "|---|---|---|---|"]
        out += ["| " + " | ".join(_md(c) for c in (g["model"], f"`{g['field']}`", "; ".join(g["missing"]),
                                                    f"{g['path']}:{g['line']}")) + " |" for g in found]
    else:
        out.append("None: every kept field has its retention, lawful basis and data subject, and the declared "
                   "routines reach it.")
    out += ["", "## Personal data held", ""]
    out += ["| Model | Field | Data categories | Subject | Retention | Basis | Purpose | Stored | Encrypted | "
            "Erasure | Access | Recipients of its categories | Declared by | Location |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cats = ", ".join(f"{_label(policy, c)} (`{c}`)" for c in r.get("categories", []))
        if r.get("special"):
            cats = "**Art. 9** " + cats
        model = f"{r.get('module')}.{r.get('model')}" if r.get("module") else r.get("model", "")
        retention = r.get("retention") or "**missing**"
        if r.get("tag_problem"):
            retention = f"**unreadable tag**: {r['tag_problem']}"
        cells = [model, f"`{r.get('field', '')}`", cats, r.get("subject") or "-", retention,
                 r.get("basis") or "-", r.get("purpose") or "-",
                 "yes" if r.get("storage") else "no", "yes" if r.get("encrypted") else "no",
                 _right(r, "erasure", "erased_by"), _right(r, "access", "exported_by"),
                 ", ".join(r.get("recipients") or ()) or "-",
                 r.get("declared_by") or "none", f"{r.get('path')}:{r.get('line')}"]
        out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    if exchanged:
        out += ["", "## Exchanged (not kept)", "",
                "Personal data that schemas, serializers and forms carry in and out; it is kept, and tagged, where "
                "the store they mirror keeps it.", "",
                "| Carrier | Field | Data categories | Mirrors | Location |", "|---|---|---|---|---|"]
        for r in sorted(exchanged, key=lambda r: (r.get("mirrors", ""), r.get("path", ""), r.get("line", 0))):
            cats = ", ".join(f"{_label(policy, c)} (`{c}`)" for c in r.get("categories", []))
            model = f"{r.get('module')}.{r.get('model')}" if r.get("module") else r.get("model", "")
            cells = [model, f"`{r.get('field', '')}`", cats, r.get("mirrors") or "-",
                     f"{r.get('path')}:{r.get('line')}"]
            out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    out += _recipients_section(receivers or [], policy)
    return "\n".join(out) + "\n"


def _recipients_section(receivers: list[dict], policy) -> list[str]:
    out = ["", "## Recipients (Art. 30(1)(d), (e))", ""]
    if not receivers:
        return out + ["No personal data is seen to reach a third party.", ""]
    out += ["| Recipient | Service | Country | Outside the EEA | Approved (DPA) | Transfer mechanism | "
            "Data categories received | Where |", "|---|---|---|---|---|---|---|---|"]
    for x in receivers:
        outside = {True: "yes", False: "no", None: "unknown"}[x["outside_eea"]]
        approved = f"yes ({x['dpa']})" if x["approved"] and x["dpa"] else "yes" if x["approved"] else "**no**"
        mechanism = x["transfer_mechanism"] or ("**none**" if x["outside_eea"] and x["approved"] else "-")
        cats = ", ".join(f"{_label(policy, c)} (`{c}`)" for c in x["categories"])
        where = ", ".join(x["uses"][:5]) + (f" and {len(x['uses']) - 5} more" if len(x["uses"]) > 5 else "")
        out.append("| " + " | ".join(_md(c) for c in (x["vendor"], x["service"] or "-", x["country"] or "-",
                                                    outside, approved, mechanism, cats, where)) + " |")
    return out


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = "" if value is None else str(value)
    # a cell a spreadsheet would run as a formula (CSV injection) is quoted as text
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: list[dict]) -> str:
    """CSV with a header row (RFC 4180, CRLF line ends); lists joined with ``"; "``."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for r in sort_rows(rows):
        writer.writerow([r.get("line", "") if c == "line" else _cell(r.get(c, "")) for c in CSV_COLUMNS])
    return buf.getvalue()


def to_json(rows: list[dict], coverage: tuple[int, int, float], policy=None,  # noqa: A002 - name from the API
            receivers: list[dict] | None = None) -> str:
    """``{"version", "controller", "dpo", "coverage": {tagged, total, percent}, "rights", "rows": [...]}``
    as indented JSON."""
    tagged, total, percent = coverage
    doc = {"version": __version__,
           "controller": (getattr(policy.config, "controller", None) or None) if policy is not None else None,
           "dpo": (getattr(policy.config, "dpo", None) or None) if policy is not None else None,
           "coverage": {"tagged": tagged, "total": total, "percent": round(percent, 1)},
           "rights": {k: {"reached": a, "total": b} for k, (a, b) in (rights_coverage(rows) or {}).items()} or None,
           "recipients": receivers or [],
           "rows": sort_rows(rows)}
    return json.dumps(doc, indent=2, default=str) + "\n"
