"""Schema frameworks come from the pack's frameworks.yaml: what it lists is recognised, errors name the key."""

from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from gdpr_lint.engine.analyzer import analyze_source
from gdpr_lint.errors import ConfigError
from gdpr_lint.facts.project import resolve_schemas
from gdpr_lint.policy import load_policy, rules_dir
from gdpr_lint.survey.classes import module_classes

RECORD = '''
from acme.orm import Record, Text

class Patient(Record):
    email = Text()
'''


def _pack(tmp_path: Path, edit) -> Path:
    """A copy of the default pack with ``edit(frameworks_data)`` applied to frameworks.yaml."""
    pack = tmp_path / "pack"
    shutil.copytree(rules_dir(), pack)
    data = yaml.safe_load((pack / "frameworks.yaml").read_text(encoding="utf-8"))
    edit(data)
    (pack / "frameworks.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return pack


def _codes(source: str, policy) -> list[str]:
    findings, _, _ = analyze_source("m.py", textwrap.dedent(source).lstrip("\n"), policy)
    return [f.code for f in findings]


def test_a_base_listed_in_the_pack_makes_a_storage_schema(tmp_path):
    assert _codes(RECORD, load_policy()) == []  # an unknown ORM's class is not a schema
    pack = _pack(tmp_path, lambda d: d["frameworks"]["django"]["bases"].append("acme.orm.Record"))
    found = _codes(RECORD, load_policy(pack_dir=pack))
    assert "GDPR101" in found and "GDPR201" not in found  # e-mail is not an encrypt-by-default category


def test_storage_flag_decides_encryption_at_rest(tmp_path):
    source = '''
    from acme.orm import Record

    class Patient(Record):
        health_condition: str  # gdpr: retention=P1Y basis=consent
    '''
    as_schema = _pack(tmp_path / "a", lambda d: d["frameworks"]["pydantic"]["bases"].append("acme.orm.Record"))
    assert _codes(source, load_policy(pack_dir=as_schema)) == []  # exchanged, not stored
    as_table = _pack(tmp_path / "b", lambda d: d["frameworks"]["sqlmodel"]["bases"].append("acme.orm.Record"))
    assert _codes(source, load_policy(pack_dir=as_table)) == []  # SQLModel without table=True
    source_table = source.replace("class Patient(Record):", "class Patient(Record, table=True):")
    assert _codes(source_table, load_policy(pack_dir=as_table)) == ["GDPR201"]


def test_project_index_follows_pack_bases_across_files(tmp_path):
    pack = _pack(tmp_path, lambda d: d["frameworks"]["django"]["bases"].append("acme.orm.Record"))
    frameworks = load_policy(pack_dir=pack).frameworks
    classes = {c["q"]: c for text, module in (
        ("from acme.orm import Record\nclass Base(Record):\n    pass\n", "app.base"),
        ("from app.base import Base\nclass Person(Base):\n    pass\n", "app.people"))
        for c in module_classes(ast.parse(text), module, False)}
    assert resolve_schemas(classes, frameworks) == {"app.base.Base": ("django", True),
                                                    "app.people.Person": ("django", True)}
    assert resolve_schemas(classes, load_policy().frameworks) == {}


def test_configuration_classes_and_booleans_come_from_the_pack(tmp_path):
    source = '''
    from django.db import models

    class Person(models.Model):
        email = models.YesNoField()
    '''
    assert _codes(source, load_policy()) == ["GDPR101"]  # a field type the pack does not call yes/no
    pack = _pack(tmp_path, lambda d: d["boolean_types"].append("YesNoField"))
    assert _codes(source, load_policy(pack_dir=pack)) == []
    settings = '''
    from django.db import models

    class MailDefaults(models.Model):
        email = models.EmailField()
    '''
    assert _codes(settings, load_policy()) == []  # named as configuration
    pack = _pack(tmp_path / "c", lambda d: d["configuration"]["class_suffixes"].remove("Defaults"))
    assert _codes(settings, load_policy(pack_dir=pack)) == ["GDPR101"]


@pytest.mark.parametrize(("edit", "key", "message"), [
    (lambda d: d["frameworks"].update(acme={"bases": ["acme.Model"]}), "frameworks.acme.fields",
     "assigned or annotated"),
    (lambda d: d["frameworks"]["django"].update(fields="annotated"), "frameworks.django.fields", "built in"),
    (lambda d: d["frameworks"]["django"].update(storage="yes"), "frameworks.django.storage", "true, false or table"),
    (lambda d: d["frameworks"]["django"].update(bases="django.db.models.Model"), "frameworks.django.bases",
     "list of names"),
    (lambda d: d["frameworks"]["pydantic"].update(tables=["x.Table"]), "frameworks.pydantic.tables", "only sqlalchemy"),
    (lambda d: d["decorators"].update(record=["x.record"]), "decorators.record", "unknown kind"),
    (lambda d: d.update(boolean_types=[1]), "boolean_types", "list of names"),
    (lambda d: d.update(managers="objects"), "managers", "list of names"),
    (lambda d: d["configuration"].update(attributes=[""]), "configuration.attributes", "list of names"),
])
def test_a_malformed_frameworks_file_names_the_key(tmp_path, edit, key, message):
    pack = _pack(tmp_path, edit)
    with pytest.raises(ConfigError) as err:
        load_policy(pack_dir=pack)
    assert err.value.key == key and message in err.value.problem
    assert str(pack / "frameworks.yaml") == err.value.path


ORMS = {
    "peewee": ("import peewee\n\n", "peewee.Model", "peewee.CharField()"),
    "tortoise": ("from tortoise import fields\nfrom tortoise.models import Model\n\n", "Model",
                 "fields.CharField(max_length=200)"),
    "pony": ("from pony.orm import Database, Required\n\ndb = Database()\n\n", "db.Entity", "Required(str)"),
    "mongoengine": ("import mongoengine as me\n\n", "me.Document", "me.StringField()"),
    "beanie": ("from beanie import Document\n\n", "Document", None),
    "odmantic": ("from odmantic import Model\n\n", "Model", None),
}


@pytest.mark.parametrize("orm", sorted(ORMS))
def test_each_orm_and_document_mapper_is_a_store(orm):
    """A model of each with an e-mail field needs a retention tag; one with a title does not; a
    plain class with an e-mail attribute is no schema at all."""
    header, base, constructor = ORMS[orm]

    def model(name: str, field: str, base: str = base) -> str:
        declared = f"{field} = {constructor}" if constructor else f"{field}: str"
        return f"{header}class {name}({base}):\n    {declared}\n"

    policy = load_policy()
    assert _codes(model("Customer", "email"), policy) == ["GDPR101"], orm
    assert _codes(model("Book", "title"), policy) == [], orm
    assert _codes(f"{header}class Customer:\n    email: str\n    backup_email = None\n", policy) == [], orm


def test_records_declared_by_a_call_are_carriers():
    """`TypedDict("Signup", {...})`, `NamedTuple("Contact", [...])` and `namedtuple("Row", "...")`
    declare carriers: no retention finding of their own, listed as exchanged, checked with
    `check_carriers`; a record of things (a title) is nothing either way."""
    from gdpr_lint.policy.config import parse_config

    source = '''
    from collections import namedtuple
    from typing import NamedTuple, TypedDict

    Signup = TypedDict("Signup", {"email": str, "plan": str})
    Contact = NamedTuple("Contact", [("phone", str), ("count", int)])
    Row = namedtuple("Row", "first_name total")
    Book = TypedDict("Book", {"title": str})
    '''
    assert _codes(source, load_policy()) == []
    findings, _, inventory = analyze_source("m.py", textwrap.dedent(source).lstrip("\n"), load_policy())
    assert sorted((r["model"], r["field"], r["exchanged"]) for r in inventory) == [
        ("Contact", "phone", True), ("Row", "first_name", True), ("Signup", "email", True)]
    checked = load_policy(parse_config({"check_carriers": True}, "c.yaml"))
    assert _codes(source, checked) == ["GDPR101", "GDPR101", "GDPR101"]
    alone = "from typing import NamedTuple\n\nContact = NamedTuple('Contact', [('phone', str)])\n"
    assert _codes(alone, checked) == ["GDPR101"]  # the only record of its file


MEMBERS = {"club/__init__.py": "", "club/models.py": '''
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Member(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    full_name = db.Column(db.String(120))  # gdpr: retention=P2Y basis=contract

    def __str__(self):
        return self.full_name
''', "club/reminders.py": '''
import logging

from club.models import Member

log = logging.getLogger(__name__)


def remind_active():
    found = Member.query.filter_by(active=True)
    for row in found:
        log.info("reminding %s", row)


def remind_board():
    found = Member.board.filter_by(active=True)
    for row in found:
        log.info("reminding %s", row)


def count_searches(search):
    found = search.query.filter_by(active=True)
    for row in found:
        log.info("search %s", row)
'''}


def _symbols(tmp_path: Path, files: dict[str, str], policy) -> dict[str, list[str]]:
    from gdpr_lint.scan import scan

    root = tmp_path / "tree"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    out: dict[str, list[str]] = {}
    for f in scan([root], policy, root=root, cache_dir=None).findings:
        out.setdefault(f.symbol, []).append(f.code)
    return out


def test_what_a_query_through_a_manager_or_query_property_gives_is_a_record_of_its_class(tmp_path):
    """`Member.query.filter_by(...)` (Flask-SQLAlchemy) holds Members, which print their full
    name: logging one is a finding.  The attributes a class is queried through are the pack's
    (`managers`, `query_properties`), not words the engine knows: another attribute of the class
    (`Member.board`) or a `query` of a lower-case name (an object, not a class) holds nothing
    known, until the pack names it."""
    found = _symbols(tmp_path / "a", MEMBERS, load_policy())
    assert found.get("remind_active") == ["GDPR301"]
    assert "remind_board" not in found and "count_searches" not in found
    pack = _pack(tmp_path / "b", lambda d: (d["query_properties"].remove("query"), d["managers"].append("board")))
    found = _symbols(tmp_path / "c", MEMBERS, load_policy(pack_dir=pack))
    assert found.get("remind_board") == ["GDPR301"]
    assert "remind_active" not in found and "count_searches" not in found


def test_a_manager_or_an_attribute_that_configures_a_class_is_never_a_field(tmp_path):
    frameworks = load_policy().frameworks
    assert not any(map(frameworks.may_be_field, ("objects", "_default_manager", "model_config", "Meta")))
    assert frameworks.may_be_field("query") and frameworks.may_be_field("email")  # (a search log's `query`)
    pack = _pack(tmp_path, lambda d: (d["managers"].append("people"), d["configuration"]["attributes"].remove("Meta")))
    frameworks = load_policy(pack_dir=pack).frameworks
    assert not frameworks.may_be_field("people") and frameworks.may_be_field("Meta")


def test_an_element_of_a_query_prints_as_its_class(tmp_path):
    """A loop or a comprehension over a query (`for p in Patron.objects.filter(...)`) binds
    Patrons, which print their e-mail, as a query read into a name first does.  A field list picked
    from the query (`values_list("id")`) holds columns, not Patrons; dates are dates, a count is a
    number (frameworks.yaml `query_values`)."""
    files = {"library/__init__.py": "", "library/models.py": '''
from django.db import models


class Patron(models.Model):
    mailbox = models.EmailField()  # gdpr: retention=P1Y basis=contract
    card_number = models.CharField(max_length=12)  # gdpr: retention=P1Y basis=contract

    def __str__(self):
        return self.mailbox
''', "library/overdue.py": '''
import logging

from library.models import Patron

log = logging.getLogger(__name__)


def warn_each():
    for patron in Patron.objects.filter(overdue=True).order_by("card_number"):
        log.warning("overdue: %s", patron)


def warn_all():
    listed = ", ".join(str(p) for p in Patron.objects.filter(overdue=True))
    log.warning("overdue: %s", listed)


def count_ids():
    for pk in Patron.objects.filter(overdue=True).values_list("pk", flat=True):
        log.warning("overdue id: %s", pk)


def count_all():
    log.warning("overdue: %s", Patron.objects.filter(overdue=True).count())


def months():
    for month in Patron.objects.filter(overdue=True).dates("joined", "month"):
        log.warning("overdue since %s", month)


def warn_few():
    for patron in Patron.objects.only("mailbox"):
        log.warning("overdue: %s", patron)


def warn_first():
    for patron in Patron.objects.filter(overdue=True)[:10]:
        log.warning("overdue: %s", patron)
'''}
    found = _symbols(tmp_path, files, load_policy())
    assert found.get("warn_each") == ["GDPR301"] and found.get("warn_all") == ["GDPR301"]
    assert found.get("warn_few") == ["GDPR301"]  # (records with some fields deferred: records still)
    assert found.get("warn_first") == ["GDPR301"]  # (a slice of the records: records still)
    assert "count_ids" not in found and "count_all" not in found and "months" not in found


def test_a_pack_edited_between_two_loads_in_one_process_is_read_again(tmp_path):
    """A long-running process (the language server, a script) loading a pack again after it was
    edited gets the edit, not the text it read first; an unchanged pack is not parsed again."""
    pack = _pack(tmp_path, lambda d: None)
    assert "people" not in load_policy(pack_dir=pack).frameworks.managers
    data = yaml.safe_load((pack / "frameworks.yaml").read_text(encoding="utf-8"))
    data["managers"].append("people")
    (pack / "frameworks.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    assert "people" in load_policy(pack_dir=pack).frameworks.managers
    data["managers"] = "people"
    (pack / "frameworks.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_policy(pack_dir=pack)
    assert err.value.key == "managers"
