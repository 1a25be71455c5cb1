"""The project facts the analysis reads, kept in the cache (gdpr_lint.facts.stored): read back as
built, and a value of any other shape is a miss."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from gdpr_lint.cache import BadEntry
from gdpr_lint.classify import Match
from gdpr_lint.facts import project as project_module
from gdpr_lint.facts.project import Evidence, ProjectFacts
from gdpr_lint.facts.stored import KEPT, facts_from_data, facts_to_data
from gdpr_lint.policy import load_policy
from gdpr_lint.scan import scan

FILES = {
    "clinic/__init__.py": "",
    "clinic/models.py": (
        "from django.db import models\n\n\n"
        "class Patient(models.Model):\n"
        "    email = models.EmailField()\n"
        "    phone = models.CharField(max_length=20)\n\n"
        "    def __str__(self):\n        return self.email\n\n\n"
        "class Visit(models.Model):\n"
        "    patient = models.ForeignKey(Patient, on_delete=models.CASCADE)\n"
        "    notes = models.TextField()\n\n\n"
        "class Room(models.Model):\n    label = models.CharField(max_length=10)\n"),
    "clinic/audit.py": (
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
        "def record(who, what):\n    log.info('%s did %s', who, what)\n\n\n"
        "def same(value):\n    return value\n"),
    "clinic/views.py": (
        "from clinic.audit import record, same\nfrom clinic.models import Patient\n\n\n"
        "def show(request, pk):\n    patient = Patient.objects.get(pk=pk)\n"
        "    record(same(patient.email), 'viewed')\n"),
}


def _facts(tmp_path: Path, monkeypatch) -> ProjectFacts:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    built: list[ProjectFacts] = []
    real = project_module.build_facts

    def keep(*args, **kwargs):
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(project_module, "build_facts", keep)
    scan([tmp_path], load_policy(), root=tmp_path, jobs=1, cache_dir=None)
    return built[0]


def _through_json(facts: ProjectFacts):
    return json.loads(json.dumps(facts_to_data(facts)))


def test_the_facts_the_analysis_reads_come_back_as_built(tmp_path, monkeypatch):
    facts = _facts(tmp_path, monkeypatch)
    back = facts_from_data(_through_json(facts))
    wanted = facts.for_analysis()
    for name in KEPT:
        if name != "classes":
            assert getattr(back, name) == getattr(wanted, name), name
    assert back.classes == {q: {"b": list(c.get("b") or ())} for q, c in facts.classes.items()}
    # the example holds what each shape is for: schemas, evidence, what a class prints, a summary,
    # a function that hands back its argument
    assert back.schemas and back.evidence and back.class_texts and back.summaries and back.returns
    assert back.for_analysis() == wanted.for_analysis()


def _spoil(data, field: str, change):
    return {**data, field: change(data[field])}


@pytest.mark.parametrize("how", [
    "a field missing", "an extra field", "an unknown tag", "a number as text in a summary",
    "a boolean for a number", "a match of a number", "a dictionary without a value", "a tuple of another length",
    "a list for a frozen set", "an evidence of four fields",
])
def test_facts_of_another_shape_are_a_miss(tmp_path, monkeypatch, how):
    data = _through_json(_facts(tmp_path, monkeypatch))
    facts_from_data(data)  # as written

    def first_summary(value, change):
        key, summary = value[1], value[2]  # ["d", key, ["t", params, flows], ...]
        return ["d", key, change(summary), *value[3:]]

    bad = {
        "a field missing": lambda: {k: v for k, v in data.items() if k != "summaries"},
        "an extra field": lambda: {**data, "personal_fields": ["d"]},
        "an unknown tag": lambda: _spoil(data, "shared_methods", lambda v: ["x", *v[1:]]),
        "a number as text in a summary": lambda: _spoil(data, "summaries", lambda v: first_summary(
            v, lambda s: ["t", s[1], ["t", ["t", str(s[2][1][1]), *s[2][1][2:]], *s[2][2:]]])),
        "a boolean for a number": lambda: _spoil(data, "summaries", lambda v: first_summary(
            v, lambda s: ["t", s[1], ["t", ["t", True, *s[2][1][2:]], *s[2][2:]]])),
        "a match of a number": lambda: _spoil(data, "class_texts", lambda v: ["d", v[1], ["f", ["m", 7, "why"]]]),
        "a dictionary without a value": lambda: _spoil(data, "schemas", lambda v: v[:-1]),
        "a tuple of another length": lambda: _spoil(data, "schemas", lambda v: ["d", v[1], ["t", "django", True, 1]]),
        "a list for a frozen set": lambda: _spoil(data, "record_modules", lambda v: ["l", *v[1:]]),
        "an evidence of four fields": lambda: _spoil(data, "evidence", lambda v: ["d", v[1], v[2][:4]]),
    }[how]()
    with pytest.raises((BadEntry, TypeError, ValueError, KeyError, IndexError)):
        facts_from_data(bad)


def test_only_the_kept_types_are_written():
    # a value the data form does not know (a set, an object) is refused when written, not read wrong
    with pytest.raises(TypeError):
        facts_to_data(ProjectFacts(shown_exceptions={"a"}))  # a set, not a frozen set
    facts = ProjectFacts(texts={("ticket",): frozenset({Match("contact", "'email' in Ticket")})},
                         named={("ticket",): Evidence("person", "why", (("owner",),), ("gender",), (("health", "w"),))})
    back = facts_from_data(json.loads(json.dumps(facts_to_data(facts))))
    assert back.texts == facts.texts and back.named == facts.named


def test_an_edit_that_changes_no_survey_reads_the_facts_back_and_finds_the_same(tmp_path, monkeypatch):
    _facts(tmp_path, monkeypatch)  # (the files)
    monkeypatch.undo()
    cache = tmp_path / ".cache"

    def run():
        result = scan([tmp_path], load_policy(), root=tmp_path, jobs=1, cache_dir=cache)
        return [asdict(f) for f in result.findings], result.inventory

    first = run()
    built: list[int] = []
    real = project_module.build_facts
    monkeypatch.setattr(project_module, "build_facts", lambda *a, **k: built.append(1) or real(*a, **k))
    views = tmp_path / "clinic" / "views.py"
    views.write_text(views.read_text() + "# looked at\n")
    again = run()
    assert built == [] and again == first
    # an entry that does not read back: the facts are built, with the same findings
    from gdpr_lint.facts import stored

    def refuse(data):
        raise BadEntry("spoiled")

    monkeypatch.setattr(stored, "facts_from_data", refuse)
    views.write_text(views.read_text() + "# looked at again\n")
    assert run() == first and built == [1]
