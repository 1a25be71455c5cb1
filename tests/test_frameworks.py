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
