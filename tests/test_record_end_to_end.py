"""The DPO's record end to end on two small projects (tests/data/record_django, a multi-module
Django shop, and tests/data/record_sqlalchemy, a SQLAlchemy clinic): each has an erasure routine
that misses one table and an export that misses one field. The findings, the record of processing
and the review's summary must all say exactly that."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from _review_checks import disagreements
from click.testing import CliRunner

from gdpr_lint.cli import main

DATA = Path(__file__).parent / "data"

PROJECTS = {
    "record_django": {
        "unreached": {("GDPR501", "Ticket.requester_email"), ("GDPR502", "Customer.phone")},
        "fields": {"Customer.email", "Customer.full_name", "Customer.phone", "Order.shipping_address",
                   "Ticket.requester_email"},
        "recipients": {"stripe": ["user.contact.email"]},
        "controller": "Example Shop Ltd",
    },
    "record_sqlalchemy": {
        "unreached": {("GDPR501", "Feedback.reviewer_name"), ("GDPR502", "Patient.phone")},
        "fields": {"Patient.email", "Patient.phone", "Visit.diagnosis", "Feedback.reviewer_name"},
        "recipients": {},
        "controller": "Example Clinic GmbH",
    },
}


@pytest.fixture(params=sorted(PROJECTS))
def project(request, tmp_path, monkeypatch):
    root = tmp_path / request.param
    shutil.copytree(DATA / request.param, root)
    monkeypatch.chdir(root)
    return request.param, PROJECTS[request.param]


def invoke(*args: str):
    result = CliRunner().invoke(main, [*args, "--no-cache"])
    assert result.exit_code in (0, 1), result.output
    return result


def test_findings_name_exactly_the_unreached_fields(project):
    _name, want = project
    doc = json.loads(invoke("check", "--format", "json", ".").stdout)
    rights = {(f["code"], f["symbol"]) for f in doc["findings"] if f["family"] == "rights"}
    assert rights == want["unreached"]


def test_the_record_lists_every_store_field_once_with_coverage_and_recipients(project):
    _name, want = project
    doc = json.loads(invoke("inventory", "--format", "json", ".").stdout)
    kept = [r for r in doc["rows"] if not r["exchanged"]]
    names = Counter(f"{r['model']}.{r['field']}" for r in kept)
    assert set(names) == want["fields"] and set(names.values()) == {1}
    unreached = {(code, symbol) for code, symbol in want["unreached"]}
    for r in kept:
        symbol = f"{r['model']}.{r['field']}"
        assert bool(r["erased_by"]) == (("GDPR501", symbol) not in unreached), symbol
        assert bool(r["exported_by"]) == (("GDPR502", symbol) not in unreached), symbol
        assert not Path(r["path"]).is_absolute() and r["retention"] and r["basis"]
    assert {x["name"]: x["categories"] for x in doc["recipients"]} == want["recipients"]
    assert doc["controller"]["name"] == want["controller"]
    n = len(want["fields"])
    assert doc["rights"] == {"erasure": {"reached": n - 1, "total": n}, "access": {"reached": n - 1, "total": n}}


def test_the_review_summary_counts_the_same(project, tmp_path):
    _name, want = project
    invoke("review", ".", "--out", str(tmp_path / "out"))
    doc = json.loads((tmp_path / "out" / "review.json").read_text(encoding="utf-8"))
    assert disagreements(doc) == []
    n = len(want["fields"])
    assert doc["verdict"]["rights"] == {"erasure": {"reached": n - 1, "total": n},
                                        "access": {"reached": n - 1, "total": n}}
    md = (tmp_path / "out" / "review.md").read_text(encoding="utf-8")
    assert f"| Fields an erasure request reaches (Art. 17) | {n - 1} / {n} |" in md
    assert {(f["code"], f["symbol"]) for f in doc["findings"] if f["family"] == "rights"} == want["unreached"]


def test_gaps_come_first_and_each_section_is_a_csv_table(project):
    """The Markdown record opens with its gaps; `--format csv --table` gives each section as one
    table a spreadsheet opens."""
    import csv
    import io

    _name, want = project
    md = invoke("inventory", ".").stdout
    assert md.index("## Gaps") < md.index("## Personal data held") < md.index("## Recipients")
    gaps = list(csv.DictReader(io.StringIO(invoke("inventory", "--format", "csv", "--table", "gaps", ".").stdout)))
    assert {(g["field"], g["missing"]) for g in gaps} == {
        (symbol.split(".")[1], "erasure routine reaching it" if code == "GDPR501" else "access routine reaching it")
        for code, symbol in want["unreached"]}
    recipients = list(csv.DictReader(io.StringIO(
        invoke("inventory", "--format", "csv", "--table", "recipients", ".").stdout)))
    assert {r["name"] for r in recipients} == set(want["recipients"])
    result = CliRunner().invoke(main, ["inventory", "--no-cache", "--table", "gaps", "."])
    assert result.exit_code == 2 and "--format csv" in result.stderr
