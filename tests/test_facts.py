"""Project facts: what a class is about decides its fields (JUDGEMENT.md), each pattern with its
look-alike.  These run the whole scan, since the evidence comes from the whole tree."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from gdpr_lint.cli import main
from gdpr_lint.policy import load_policy


def scan_tree(tmp_path, monkeypatch, files: dict[str, str], config: str = "") -> dict[str, list[str]]:
    """``{symbol: [codes]}`` of the findings of a tree of dedented files."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    if config:
        (tmp_path / ".gdpr-lint.yaml").write_text(config)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "--explain", "."])
    assert result.exit_code in (0, 1), result.output
    out: dict[str, list[str]] = {}
    for f in json.loads(result.stdout)["findings"]:
        out.setdefault(f["symbol"], []).append(f["code"])
        out.setdefault(f"{f['symbol']}:reasons", []).extend(f["reasons"])
    return out


MODELS = "from django.conf import settings\nfrom django.db import models\n\n"


def models(source: str) -> str:
    """A models module: the imports, then the dedented classes."""
    return MODELS + textwrap.dedent(source).lstrip("\n")


def test_copies_of_a_referenced_persons_name_are_personal(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class Answer(models.Model):
        author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        author_name = models.CharField(max_length=80)
        author_slug = models.SlugField()
        topic = models.ForeignKey("app.Topic", on_delete=models.CASCADE)
        topic_name = models.CharField(max_length=80)
        topic_slug = models.SlugField()

    class Topic(models.Model):
        name = models.CharField(max_length=80)
        slug = models.SlugField()
    ''')})
    assert found["Answer.author_name"] == ["GDPR101"] and found["Answer.author_slug"] == ["GDPR101"]
    assert any("`author`, a person" in r for r in found["Answer.author_name:reasons"])
    for thing in ("Answer.topic_name", "Answer.topic_slug", "Topic.name", "Topic.slug"):
        assert thing not in found


def test_free_text_on_a_persons_records_and_not_elsewhere(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class Diary(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        notes = models.TextField()
        mood_text = models.TextField()
        scopes = models.TextField()

    class Recipe(models.Model):
        notes = models.TextField()
        body = models.TextField()

    class Page(models.Model):
        created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        last_editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        body = models.TextField()
    ''')})
    assert found["Diary.notes"] == ["GDPR101"]  # by its name
    assert found["Diary.mood_text"] == ["GDPR101"]  # by its type, on a record that belongs to a person
    assert "Diary.scopes" not in found  # a technical name is no free text, whatever its type
    # nobody's recipe; a page only created or last edited by someone is not theirs
    assert not {"Recipe.notes", "Recipe.body", "Page.body"} & found.keys()


def test_a_messages_subject_line_on_a_persons_records_is_their_text(tmp_path, monkeypatch):
    """A message's subject line is text its sender wrote (a CharField, by its name), where the
    message belongs to a person; not a template's subject for an event's mails, nor a course's
    subject (nobody's), nor a list's subject prefix."""
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class Note(models.Model):
        sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        subject = models.CharField(max_length=120)
        body = models.TextField()

    class Event(models.Model):
        slug = models.SlugField()

    class Template(models.Model):
        event = models.ForeignKey(Event, on_delete=models.CASCADE)
        subject = models.CharField(max_length=120)

    class Course(models.Model):
        subject = models.CharField(max_length=120)

    class Mailbox(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        subject_prefix = models.CharField(max_length=20)
    ''')})
    assert found["Note.subject"] == ["GDPR101"]
    assert not {"Template.subject", "Course.subject", "Mailbox.subject_prefix"} & found.keys()


def test_a_field_limited_to_listed_values_is_no_free_text(tmp_path, monkeypatch):
    """`choices=`: a state or a kind the code lists, not text a person writes, whatever its type;
    its name still counts."""
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    STAGES = [("open", "open"), ("done", "done")]

    class Leave(models.Model):
        member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        stage = models.TextField(choices=STAGES, default="open")
        kind = models.TextField(max_length=20, choices=[("sick", "sick"), ("holiday", "holiday")])
        excuse = models.TextField()
        gender = models.CharField(max_length=10, choices=[("f", "f"), ("m", "m"), ("x", "x")])
        memo = models.TextField(choices=None)
    ''')})
    assert found["Leave.excuse"] == ["GDPR101"]  # free text by its type, on a record of a person
    assert found["Leave.memo"] == ["GDPR101"]  # (`choices=None` lists no values)
    assert found["Leave.gender"] == ["GDPR101"]  # by its name, listed values or not
    assert "Leave.stage" not in found and "Leave.kind" not in found


def test_a_blob_of_data_on_a_persons_records_and_not_elsewhere(tmp_path, monkeypatch):
    """A JSON or key-value column holds whatever the code puts there: on a record of a person, or
    one that belongs to one, it is theirs, unless its name says it is technical (the backends that
    processed it, settings); on a thing's record it is not."""
    found = scan_tree(tmp_path, monkeypatch, {
        "app/models.py": models('''
        from django.contrib.postgres.fields import HStoreField

        class Visit(models.Model):
            patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            extra = models.JSONField(default=dict)
            answers = HStoreField(default=dict)
            processed_by = models.JSONField(default=list)
            widget_settings = models.JSONField(default=dict)

        class Gadget(models.Model):
            extra = models.JSONField(default=dict)
        '''),
        "app/tables.py": '''
        from sqlalchemy import Column, Integer, String
        from sqlalchemy.dialects.postgresql import JSONB
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()

        class Subscriber(Base):
            __tablename__ = "subscribers"
            id = Column(Integer, primary_key=True)
            email = Column(String(200))
            survey = Column(JSONB)

        class Sensor(Base):
            __tablename__ = "sensors"
            id = Column(Integer, primary_key=True)
            readings = Column(JSONB)
        '''})
    assert found["Visit.extra"] == ["GDPR101"] and found["Visit.answers"] == ["GDPR101"]
    assert found["Subscriber.survey"] == ["GDPR101"]
    assert not {"Visit.processed_by", "Visit.widget_settings", "Gadget.extra", "Sensor.readings"} & found.keys()


def test_a_group_people_belong_to_is_no_person_and_no_ones_record(tmp_path, monkeypatch):
    """A class named after a person (`Tenant`) that people's records point at (`Account.tenant`: many
    accounts to one tenant of a service) and that holds no personal field is a group; a record with
    its people in a collection (`workspace_members`) is a group's, not a person's; an API key's
    name is its label; a value from an enumeration or a URI is no free text."""
    found = scan_tree(tmp_path, monkeypatch, {"app/tables.py": '''
    import enum

    from sqlalchemy import Column, Enum, ForeignKey, Integer, String, Text
    from sqlalchemy.orm import declarative_base, relationship

    Base = declarative_base()

    class Stage(enum.Enum):
        NEW = "new"
        DONE = "done"

    class Tenant(Base):
        __tablename__ = "tenants"
        id = Column(Integer, primary_key=True)
        name = Column(String(100))

    class Account(Base):
        __tablename__ = "accounts"
        id = Column(Integer, primary_key=True)
        email = Column(String(200))
        tenant_id = Column(ForeignKey("tenants.id"))
        tenant = relationship(Tenant)

    class Landlord(Base):
        __tablename__ = "landlords"
        id = Column(Integer, primary_key=True)
        name = Column(String(100))

    class Flat(Base):
        __tablename__ = "flats"
        id = Column(Integer, primary_key=True)
        landlord_id = Column(ForeignKey("landlords.id"))
        landlord = relationship(Landlord)

    class Workspace(Base):
        __tablename__ = "workspaces"
        id = Column(Integer, primary_key=True)
        workspace_members = relationship("WorkspaceMember")
        database_name = Column(Text)

    class WorkspaceMember(Base):
        __tablename__ = "workspace_members"
        id = Column(Integer, primary_key=True)
        member_id = Column(ForeignKey("accounts.id"))
        member = relationship(Account)
        workspace_id = Column(ForeignKey("workspaces.id"))

    class AccountNote(Base):
        __tablename__ = "account_notes"
        id = Column(Integer, primary_key=True)
        account_id = Column(ForeignKey("accounts.id"))
        account = relationship(Account)
        body_text = Column(Text)
        stage = Column(Enum(Stage))
        callback_uri = Column(Text)

    class Bulletin(Base):
        __tablename__ = "bulletins"
        id = Column(Integer, primary_key=True)
        to_accounts = relationship("Account")
        body_text = Column(Text)

    class AdminApiKey(Base):
        __tablename__ = "admin_api_keys"
        id = Column(Integer, primary_key=True)
        name = Column(String(100))
    '''})
    assert found["Account.email"] == ["GDPR101"] and found["AccountNote.body_text"] == ["GDPR101"]
    assert found["Bulletin.body_text"] == ["GDPR101"]  # written to the people it names, not their group
    assert found["Landlord.name"] == ["GDPR101"]  # a person: only things point at a landlord here
    assert not {"Tenant.name", "Workspace.database_name", "AccountNote.stage", "AccountNote.callback_uri",
                "AdminApiKey.name"} & found.keys()


def test_a_person_many_records_point_at_is_a_person_and_a_family_record_is_about_one(tmp_path, monkeypatch):
    """A class named `Child`, `Kid` or `Parent` is a record about a person (the word names a tree's
    node in lower case, and a `ChildTask` is a sub-task); a carer that many people's records point at (a child's guardian, a
    pupil's parent, a patient's doctor) is a person with many in their care, not their group, whose
    bare phone and e-mail are theirs; a class named after a group (`Household` is no person word,
    `Tenant` of `test_a_group_people_belong_to_is_no_person_and_no_ones_record` is) is not."""
    found = scan_tree(tmp_path, monkeypatch, {"nursery/models.py": models('''
    class Guardian(models.Model):
        name = models.CharField(max_length=120)
        phone = models.CharField(max_length=32)

    class Child(models.Model):
        name = models.CharField(max_length=120)
        room = models.CharField(max_length=20)
        guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE)

    class Parent(models.Model):
        name = models.CharField(max_length=120)
        email = models.EmailField()

    class Kid(models.Model):
        nickname = models.CharField(max_length=40)
        parent = models.ForeignKey(Parent, on_delete=models.CASCADE)

    class Doctor(models.Model):
        name = models.CharField(max_length=120)

    class Patient(models.Model):
        full_name = models.CharField(max_length=120)
        doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE)

    class Household(models.Model):
        name = models.CharField(max_length=120)

    class Resident(models.Model):
        full_name = models.CharField(max_length=120)
        household = models.ForeignKey(Household, on_delete=models.CASCADE)

    class ChildTask(models.Model):
        name = models.CharField(max_length=120)
    ''')})
    assert {k: v for k, v in found.items() if ":" not in k and k.split(".")[0] in (
        "Guardian", "Child", "Parent", "Kid", "Doctor", "Patient", "Household", "Resident", "ChildTask")} == {
        "Guardian.name": ["GDPR101"], "Guardian.phone": ["GDPR101"], "Child.name": ["GDPR101"],
        "Parent.name": ["GDPR101"], "Parent.email": ["GDPR101"], "Kid.nickname": ["GDPR101"],
        "Doctor.name": ["GDPR101"], "Patient.full_name": ["GDPR101"], "Resident.full_name": ["GDPR101"]}


def test_what_a_person_only_uploaded_is_theirs_where_it_belongs_to_a_record_of_theirs(tmp_path, monkeypatch):
    """An uploader (or a creator) plays a role for the record, as `created_by` does: a handout
    uploaded for meetings is the meetings', a file attached to a member's message is the member's."""
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class Meeting(models.Model):
        topic = models.CharField(max_length=80)

    class Handout(models.Model):
        uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        meetings = models.ManyToManyField(Meeting)
        heading = models.CharField(max_length=80)
        upload = models.FileField()

    class Letter(models.Model):
        writer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        body = models.TextField()

    class LetterScan(models.Model):
        letter = models.ForeignKey(Letter, on_delete=models.CASCADE)
        uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        upload = models.FileField()

    class Board(models.Model):
        moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        letters = models.ManyToManyField(Letter)
        notes = models.TextField()
    ''')})
    assert found["Letter.body"] == ["GDPR101"]
    assert found["LetterScan.upload"] == ["GDPR101"]
    assert any("through `letter`" in r for r in found["LetterScan.upload:reasons"])
    assert "Handout.upload" not in found and "Handout.heading" not in found
    assert "Board.notes" not in found  # (the letters in it are theirs, the board is not)


def test_the_head_noun_and_the_other_fields_decide_a_class(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class CustomerGroup(models.Model):
        name = models.CharField(max_length=80)
        phone = models.CharField(max_length=20)

    class Customer(models.Model):
        name = models.CharField(max_length=80)
        phone = models.CharField(max_length=20)

    class Client(models.Model):
        name = models.CharField(max_length=80)
        client_secret = models.CharField(max_length=80)
        redirect_uris = models.TextField()

    class Enquiry(models.Model):
        sender_email = models.EmailField()
        city = models.CharField(max_length=80)

    class Shipment(models.Model):
        city = models.CharField(max_length=80)
    ''')})
    assert found["Customer.name"] == ["GDPR101"] and found["Customer.phone"] == ["GDPR101"]
    assert "CustomerGroup.phone" not in found and "CustomerGroup.name" not in found  # a group's phone
    assert "Client.name" not in found  # an API client: it holds a client secret and redirect URIs
    assert found["Enquiry.city"] == ["GDPR101"]  # a record that holds an e-mail address is about a person
    assert any("Enquiry holds `sender_email`" in r for r in found["Enquiry.city:reasons"])
    assert "Shipment.city" not in found


def test_a_document_that_belongs_to_a_person(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class MemberDocument(models.Model):
        member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        name = models.CharField(max_length=80)
        upload = models.FileField()
        note = models.TextField()

    class StockPhoto(models.Model):
        image = models.ImageField()
        caption = models.CharField(max_length=80)
    ''')})
    assert found["MemberDocument.upload"] == ["GDPR101"] and found["MemberDocument.note"] == ["GDPR101"]
    assert "MemberDocument.name" not in found  # the document's name, not the member's
    assert "StockPhoto.image" not in found


def test_person_records_take_weak_words_and_work_details(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class Person(models.Model):
        business_phone = models.CharField(max_length=20)
        height = models.FloatField()
        avatar = models.ImageField()
        password = models.CharField(max_length=128)

    class Banner(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        height = models.IntegerField()
        server_ip = models.GenericIPAddressField()
    ''')})
    assert found["Person.business_phone"] == ["GDPR101"]  # a person's work phone is still theirs
    assert sorted(found["Person.height"]) == ["GDPR101", "GDPR201"]  # a body measure: health data
    assert found["Person.avatar"] == ["GDPR101"]
    assert "Person.password" not in found  # a credential: no retention question (JUDGEMENT.md)
    assert "Banner.height" not in found  # pixels


def test_a_lookup_reference_carries_what_it_names(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class Gender(models.Model):
        label = models.CharField(max_length=20)

    class EmailAddress(models.Model):
        email = models.EmailField()

    class Contact(models.Model):
        gender = models.ForeignKey(Gender, on_delete=models.PROTECT)
        email_address = models.ForeignKey(EmailAddress, on_delete=models.CASCADE)
    ''')})
    assert found["Contact.gender"] == ["GDPR101"]
    assert "Contact.email_address" not in found  # the address is kept (and tagged) in EmailAddress
    assert found["EmailAddress.email"] == ["GDPR101"]


def test_a_reference_points_at_the_record_of_its_name_not_a_plain_class_elsewhere(tmp_path, monkeypatch):
    """`ForeignKey("Post")` in one models module points at the `Post` model of another, not at a
    plain `Post` class of the project's mock-ups: the reference holds an id (not a lookup value
    its name would say: a `Post` record holds a person's text), whatever order the modules come in."""
    found = scan_tree(tmp_path, monkeypatch, {
        "board/demo.py": """
        class Post(object):
            def __init__(self, author):
                self.author = author
        """,
        "board/models/__init__.py": "",
        "board/models/post.py": models('''
        class Post(models.Model):
            author_name = models.CharField(max_length=100)
            message = models.TextField()
        '''),
        "board/models/vote.py": models('''
        class Vote(models.Model):
            email = models.ForeignKey("Post", on_delete=models.CASCADE)
            value = models.SmallIntegerField()
        ''')})
    assert found["Post.author_name"] == ["GDPR101"]
    assert "Vote.email" not in found  # a reference to a post (its id), no address


def test_carriers_are_no_retention_findings_unless_the_code_persists_them(tmp_path, monkeypatch):
    files = {
        "app/schemas.py": '''
        import json
        from dataclasses import asdict, dataclass

        from pydantic import BaseModel

        @dataclass
        class Booking:
            guest_email: str

        @dataclass
        class Quote:
            guest_email: str

        class SignupIn(BaseModel):
            email: str

        def keep(b: Booking, folder) -> None:
            with open(folder / "booking.json", "w") as f:
                json.dump(asdict(b), f)

        def price(q: Quote) -> dict:
            return {"to": q.guest_email, "total": 10}
        ''',
        "app/api.py": '''
        from app.models import Account
        from app.schemas import SignupIn

        def signup(body: SignupIn, session) -> None:
            session.add(Account(email=body.email))
        ''',
        "app/models.py": models('''
        class Account(models.Model):
            email = models.EmailField()
        '''),
    }
    found = scan_tree(tmp_path, monkeypatch, files)
    assert found["Booking.guest_email"] == ["GDPR101"]
    assert any("persisted at app/schemas.py:19" in r for r in found["Booking.guest_email:reasons"])
    assert "Quote.guest_email" not in found  # only handed back to the caller
    assert "SignupIn.email" not in found  # kept through Account, which is checked itself
    assert found["Account.email"] == ["GDPR101"]
    found = scan_tree(tmp_path, monkeypatch, {}, config="check_carriers: true\n")
    assert found["Quote.guest_email"] == ["GDPR101"] and found["SignupIn.email"] == ["GDPR101"]


@pytest.mark.parametrize("path", ["tests/test_models.py", "app/tests/models.py", "conftest.py", "app/factories.py"])
def test_tests_are_not_read_by_the_data_rules(tmp_path, monkeypatch, path):
    source = models('''
    class Customer(models.Model):
        email = models.EmailField()

    def log(logger, customer):
        logger.info("signup %s", customer.email)
    ''')
    assert scan_tree(tmp_path, monkeypatch, {path: source}) == {}
    found = scan_tree(tmp_path, monkeypatch, {}, config="check_tests: true\n")
    assert found["Customer.email"] == ["GDPR101"]


FACTORY = '''
import logging

log = logging.getLogger(__name__)


def notify(customer):
    log.warning("contact %s %s", customer.email, customer.phone)
'''


@pytest.mark.parametrize("statement", [
    "from shop.factories import notify  # noqa",
    "from shop import factories",
    "import shop.factories as f",
    "from .factories import notify",
    "from . import factories as f",
    "def later():\n    from shop.factories import notify\n    return notify",  # a lazy import
])
def test_test_code_that_production_code_imports_is_production_code(tmp_path, monkeypatch, statement):
    files = {"shop/__init__.py": "", "shop/factories.py": FACTORY, "shop/api.py": statement + "\n"}
    found = scan_tree(tmp_path, monkeypatch, files)
    assert found["notify"] == ["GDPR301"] and found.keys() == {"notify", "notify:reasons"}


def test_test_code_in_a_namespace_package_is_imported_by_its_path(tmp_path, monkeypatch):
    files = {"shop/factories.py": FACTORY, "shop/api.py": "from shop.factories import notify\n"}  # no __init__.py
    assert scan_tree(tmp_path, monkeypatch, files)["notify"] == ["GDPR301"]


def test_test_code_that_only_tests_import_stays_test_code(tmp_path, monkeypatch):
    files = {"shop/__init__.py": "", "shop/factories.py": FACTORY, "shop/api.py": "import shop.models\n",
             "shop/models.py": "", "tests/__init__.py": "", "tests/conftest.py": "from shop.factories import notify\n",
             "tests/test_x.py": "from shop.factories import notify\nfrom tests.helpers import make\n",
             "tests/helpers.py": FACTORY.replace("def notify", "def make")}
    assert scan_tree(tmp_path, monkeypatch, files) == {}
    # the name of a module that is not the factory's: shop.factories_extra, a factories.py elsewhere
    files = {"shop/api.py": "import shop.factories_extra\nfrom other import factories\n",
             "shop/factories_extra.py": ""}
    assert scan_tree(tmp_path, monkeypatch, files) == {}


def test_what_imported_test_code_imports_is_production_code_too(tmp_path, monkeypatch):
    files = {"shop/__init__.py": "", "shop/api.py": "from shop.factories import make\n",
             "shop/factories.py": "from shop.testing.people import notify\n\ndef make():\n    return notify\n",
             "shop/testing/__init__.py": "", "shop/testing/people.py": FACTORY,
             "shop/testing/other.py": FACTORY.replace("def notify", "def unused")}
    assert scan_tree(tmp_path, monkeypatch, files)["notify"] == ["GDPR301"]
    assert "unused" not in scan_tree(tmp_path, monkeypatch, {})


@pytest.mark.parametrize("helper,source", [
    ("shop/factories.py", 'import importlib\n\ndef f():\n    return importlib.import_module("shop.factories").notify\n'),
    ("shop/factories.py", 'def f():\n    return __import__("shop.factories", fromlist=["notify"]).notify\n'),
    ("shop/factories.py", 'def f():\n    return __import__("shop", fromlist=["factories"]).factories\n'),
    ("shop/factories.py", 'from importlib import import_module\n\nmod = import_module(".factories", package="shop")\n'),
    # a dotted string names it (Django's settings, a dictConfig factory, an entry point, a module)
    ("shop/testing/middleware.py",
     'MIDDLEWARE = ["django.middleware.common.CommonMiddleware", "shop.testing.middleware.notify"]\n'),
    ("shop/testing/middleware.py", 'LOGGING = {"handlers": {"h": {"()": "shop.testing.middleware.notify"}}}\n'),
    ("shop/testing/middleware.py", 'HOOK = "shop.testing.middleware:notify"\n'),
    ("shop/testing/middleware.py", 'APP = "shop.testing.middleware"\n'),
])
def test_test_code_that_production_code_loads_without_an_import_statement_is_production_code(
        tmp_path, monkeypatch, helper, source):
    files = {"shop/__init__.py": "", "shop/testing/__init__.py": "", helper: FACTORY, "shop/api.py": source}
    assert scan_tree(tmp_path, monkeypatch, files)["notify"] == ["GDPR301"]


def test_a_name_computed_at_run_time_or_another_modules_name_loads_no_test_code(tmp_path, monkeypatch):
    files = {"shop/__init__.py": "", "shop/factories.py": FACTORY, "shop/factories_extra.py": "",
             "shop/api.py": 'import importlib\n\ndef f(name):\n    importlib.import_module(name)\n'
                            '    importlib.import_module("shop.factories_extra")\n'
                            '    return __import__(f"shop.{name}")\n'}
    assert scan_tree(tmp_path, monkeypatch, files) == {}


def test_strings_that_name_no_test_module_load_no_test_code(tmp_path, monkeypatch):
    files = {"shop/__init__.py": "", "shop/testing/__init__.py": "", "shop/testing/middleware.py": FACTORY,
             "conftest.py": FACTORY.replace("def notify", "def fixture"), "tests.py": FACTORY,
             "shop/settings.py": 'FILES = ["conftest.py", "tests.py", "shop.testing.middleware_x", "shop.testing.mid"]\n'
                                 '# "shop.testing.middleware" in a comment of a test, below\n',
             "shop/tests/test_settings.py": 'MIDDLEWARE = ["shop.testing.middleware.notify"]\n'}
    assert scan_tree(tmp_path, monkeypatch, files) == {}


def _symlink_tree(tmp_path):
    repo = tmp_path / "repo"
    (repo / "shop").mkdir(parents=True)
    (repo / "shop" / "__init__.py").write_text("")
    (repo / "tests" / "pkg").mkdir(parents=True)
    (repo / "tests" / "pkg" / "notify.py").write_text(FACTORY)
    (repo / "tests" / "pkg" / "other.py").write_text(FACTORY.replace("def notify", "def other"))
    return repo


def _finding_paths(repo) -> list[tuple[str, str]]:
    from gdpr_lint.policy import load_policy
    from gdpr_lint.scan import scan

    result = scan([repo], load_policy(), root=repo, jobs=1, cache_dir=repo.parent / ".cache")
    return [(f.path, f.code) for f in result.findings]


def test_test_code_imported_through_a_linked_folder_is_production_code(tmp_path):
    repo = _symlink_tree(tmp_path)
    (repo / "shop" / "ext").symlink_to("../tests/pkg")
    (repo / "shop" / "api.py").write_text("from shop.ext.notify import notify\n")
    assert _finding_paths(repo) == [("tests/pkg/notify.py", "GDPR301")]


def test_a_link_out_of_the_scanned_folder_or_a_missing_module_promotes_nothing(tmp_path):
    repo = _symlink_tree(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notify.py").write_text(FACTORY)
    (repo / "shop" / "ext").symlink_to(outside)
    (repo / "shop" / "api.py").write_text("from shop.ext.notify import notify\nfrom shop.missing import other\n"
                                          "from shop.tests_pkg import other as o\n")
    assert _finding_paths(repo) == []


def test_whether_production_code_imports_test_code_is_decided_again_on_a_warm_cache(tmp_path):
    from gdpr_lint.policy import load_policy
    from gdpr_lint.scan import scan

    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "factories.py").write_text(FACTORY)
    api = tmp_path / "shop" / "api.py"
    policy = load_policy()

    def paths() -> list[str]:
        return [f.path for f in scan([tmp_path], policy, root=tmp_path, jobs=1, cache_dir=tmp_path / ".cache").findings]

    for text, expected in [("import logging\n", []), ("from shop.factories import notify\n", ["shop/factories.py"]),
                           ("from shop.factories import notify\n", ["shop/factories.py"]), ("import json\n", []),
                           ("from shop import factories\n", ["shop/factories.py"])]:
        api.write_text(text)
        assert paths() == expected, text


def test_the_review_analyses_test_code_that_production_code_imports(tmp_path):
    from gdpr_lint.policy import load_policy
    from gdpr_lint.review.model import build_review, take_snapshot

    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "factories.py").write_text(FACTORY)
    (tmp_path / "shop" / "api.py").write_text("import logging\n")
    policy = load_policy()
    before = take_snapshot(["."], policy, tmp_path, jobs=1, listing="all")
    assert [(d["path"], d["code"]) for d in before.not_analysed] == [("shop/factories.py", "test-code")]
    assert not before.result.findings
    (tmp_path / "shop" / "api.py").write_text("from shop.factories import notify  # noqa\n")
    after = take_snapshot(["."], policy, tmp_path, jobs=1, listing="all")
    assert after.not_analysed == [] and after.result.imported_test_code == ["shop/factories.py"]
    assert [(f.path, f.code) for f in after.result.findings] == [("shop/factories.py", "GDPR301")]
    doc = build_review(after)
    assert [(f["path"], f["code"]) for f in doc["findings"]] == [("shop/factories.py", "GDPR301")]
    assert doc["digest"] != build_review(before)["digest"]


def test_a_migration_that_logs_is_read(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {"app/migrations/0002_backfill.py": '''
    import logging
    from django.db import migrations

    log = logging.getLogger(__name__)

    def backfill(apps, schema_editor):
        for customer in apps.get_model("app", "Customer").objects.all():
            log.info("backfilled %s", customer.email)

    class Migration(migrations.Migration):
        operations = [migrations.RunPython(backfill)]
    '''})
    assert found["backfill"] == ["GDPR301"]


def test_the_review_digests_the_test_code_it_does_not_read(tmp_path):
    from gdpr_lint.policy import load_policy
    from gdpr_lint.review.model import take_snapshot

    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "factories.py").write_text("def make():\n    return {'email': 'a@example.com'}\n")
    policy = load_policy()
    before = take_snapshot(["."], policy, tmp_path, jobs=1, listing="all")
    assert [(d["path"], d["code"]) for d in before.not_analysed] == [("app/factories.py", "test-code")]
    assert not before.excluded  # the config excludes nothing: the review must not say it does
    (tmp_path / "app" / "factories.py").write_text("import logging\n\ndef make(user):\n"
                                                   "    logging.info(user.email)\n")
    after = take_snapshot(["."], policy, tmp_path, jobs=1, listing="all")
    assert after.digest != before.digest and not after.result.findings


def test_a_syntax_error_in_a_test_is_still_reported(tmp_path, monkeypatch):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def broken(:\n    pass\n")
    monkeypatch.chdir(tmp_path)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."]).stdout)
    assert [f["code"] for f in out["findings"]] == ["GDPR901"]


def test_a_record_that_records_of_people_point_at_is_no_person(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class Conference(models.Model):
        name = models.CharField(max_length=80)
        email = models.EmailField()
        city = models.CharField(max_length=80)

    class Talk(models.Model):
        conference = models.ForeignKey(Conference, on_delete=models.CASCADE)
        speaker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        abstract = models.TextField()

    class Case(models.Model):
        reporter_email = models.EmailField()
        summary = models.TextField()

    class CaseNote(models.Model):
        case = models.ForeignKey(Case, on_delete=models.CASCADE)
    ''')})
    # the conference's own mailbox and city: the talks point at it, it belongs to nobody
    assert not {"Conference.email", "Conference.name", "Conference.city"} & found.keys()
    assert found["Talk.abstract"] == ["GDPR101"]
    # a case others point at is still about a person when a field says whose it is
    assert found["Case.reporter_email"] == ["GDPR101"] and found["Case.summary"] == ["GDPR101"]


def test_only_the_head_noun_decides(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class ProductReview(models.Model):
        reviewer_email = models.EmailField()
        body = models.TextField()

    class TeamInvite(models.Model):
        email = models.EmailField()

    class MemberBulletin(models.Model):
        title = models.CharField(max_length=80)
        text = models.TextField()

    class PostalAddress(models.Model):
        first_name = models.CharField(max_length=80)
        line1 = models.CharField(max_length=80)
        line2 = models.CharField(max_length=80)
        postcode = models.CharField(max_length=10)
    ''')})
    assert found["ProductReview.body"] == ["GDPR101"]  # a review, not a product
    assert found["TeamInvite.email"] == ["GDPR101"]  # an invitation, not a team
    assert not {"MemberBulletin.title", "MemberBulletin.text"} & found.keys()  # a bulletin for members
    assert found["PostalAddress.line1"] == ["GDPR101"] and found["PostalAddress.line2"] == ["GDPR101"]


def test_a_file_reading_a_personal_field_of_an_imported_class_is_analysed(tmp_path, monkeypatch):
    """`entry.weight` says nothing by its words; the project says a WeightEntry belongs to a user and
    is named after the measure, so the file that reads it (and caches it) is analysed."""
    import json

    from click.testing import CliRunner

    from gdpr_lint.cli import main

    pkg = tmp_path / "fit"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(
        "from django.conf import settings\nfrom django.db import models\n\n\n"
        "class WeightEntry(models.Model):\n"
        "    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n"
        "    weight = models.DecimalField(max_digits=5, decimal_places=2)  # gdpr: retention=P2Y basis=consent\n\n\n"
        "class WorkoutLog(models.Model):\n"
        "    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n"
        "    weight = models.DecimalField(max_digits=5, decimal_places=2)\n")
    (pkg / "totals.py").write_text(
        "from django.core.cache import cache\n\nfrom fit.models import WeightEntry, WorkoutLog\n\n\n"
        "def per_kg(user):\n"
        "    result = {'total': {'energy': 1}, 'per_kg': {}}\n"
        "    entry = WeightEntry.objects.filter(user=user).first()\n"
        "    result['per_kg']['energy'] = result['total']['energy'] / entry.weight\n"
        "    cache.set('plan', result)\n\n\n"
        "def lifted(user):\n"
        "    log = WorkoutLog.objects.filter(user=user).first()\n"
        "    cache.set('lifted', {'kg': log.weight})\n")
    monkeypatch.chdir(tmp_path)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."]).stdout)
    found = sorted((f["path"], f["line"], f["code"]) for f in out["findings"] if f["path"].endswith("totals.py"))
    assert found == [("fit/totals.py", 10, "GDPR203")]  # the body weight, not the weight lifted


def _scan_tree(tmp_path, monkeypatch, files: dict[str, str]) -> list[tuple[str, int, str]]:
    import json

    from click.testing import CliRunner

    from gdpr_lint.cli import main

    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.chdir(tmp_path)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."]).stdout)
    return sorted((f["path"], f["line"], f["code"]) for f in out["findings"])


def test_what_a_base_class_passes_to_a_hook_reaches_the_override(tmp_path, monkeypatch):
    found = _scan_tree(tmp_path, monkeypatch, {
        "accounts/__init__.py": "",
        "accounts/base.py": (
            "import hashlib\n\n\ndef encode_token(payload, key):\n    return repr(payload) + key\n\n\n"
            "class BaseManager:\n"
            "    def confirm(self, member):\n"
            "        data = {'sub': str(member.id), 'mail': member.email}\n"
            "        ticket = encode_token(data, self.confirm_secret)\n"
            "        self.on_confirm(member, ticket)\n\n"
            "    def reset(self, member):\n"
            "        data = {'sub': str(member.id), 'fp': hashlib.sha256(member.pw.encode()).hexdigest()}\n"
            "        ticket = encode_token(data, self.reset_secret)\n"
            "        self.on_reset(member, ticket)\n\n"
            "    def on_confirm(self, member, ticket):\n        pass\n\n"
            "    def on_reset(self, member, ticket):\n        pass\n"),
        "app/__init__.py": "",
        "app/manager.py": (
            "from accounts.base import BaseManager\n\n\n"
            "class Manager(BaseManager):\n"
            "    def on_confirm(self, member, ticket):\n"
            "        print(f'confirm {member.id}: {ticket}')\n\n"
            "    def on_reset(self, member, ticket):\n"
            "        print(f'reset {member.id}: {ticket}')\n\n\n"
            "class Unrelated:\n"
            "    def on_confirm(self, member, ticket):\n"
            "        print(f'other {ticket}')\n"),
    })
    # the confirmation ticket carries the e-mail address; the reset one a hash; Unrelated is not a subclass
    assert found == [("app/manager.py", 6, "GDPR301")]


def test_what_callers_pass_to_a_helper_method_reaches_its_write(tmp_path, monkeypatch):
    found = _scan_tree(tmp_path, monkeypatch, {
        "export/__init__.py": "",
        "export/archive.py": (
            "class DataArchive:\n"
            "    def __init__(self, folder):\n        self.folder = folder\n\n"
            "    def add_text(self, name, value):\n"
            "        with open(f'{self.folder}/{name}.txt', 'w') as fp:\n"
            "            fp.write(str(value))\n\n\n"
            "class Exporter:\n"
            "    def writerow(self, row):\n"
            "        with open('rows.txt', 'a') as fp:\n"
            "            fp.write(repr(row))\n"),
        "export/jobs.py": (
            "import csv\n\nfrom export.archive import DataArchive\n\n\n"
            "def export_member(member, folder, out):\n"
            "    archive = DataArchive(folder)\n"
            "    archive.add_text('ip', member.last_ip_address)\n"
            "    writer = csv.writer(out)\n"
            "    writer.writerow([member.id])\n"
            "    table = csv.writer(out)\n"
            "    table.writerow([member.email])\n"),
    })
    # the helper's write, once, whoever calls it (the file is where the fix goes), not the call; a
    # csv writer's writerow is the library's, not Exporter.writerow
    assert ("export/archive.py", 7, "GDPR202") in found
    assert ("export/jobs.py", 8, "GDPR202") not in found
    assert ("export/archive.py", 12, "GDPR202") not in found


@pytest.mark.parametrize(("call", "kept"), [
    ("(folder / f'{b.ref}.json').write_text(json.dumps(asdict(b)))", True),  # a method on any expression
    ("self.cache.set(key, asdict(b))", True),  # a storing method on a receiver named for a store
    ("Booking.objects.create(**asdict(b))", True),
    ("redis.hset(key, mapping=asdict(b))", True),
    ("self.settings.set(key, asdict(b))", False),  # `set` on a receiver that is no store
    ("self.client.create(asdict(b))", False),
    ("return asdict(b)", False),
])
def test_a_carrier_handed_to_a_call_that_keeps_it_is_persisted_and_no_other(call, kept):
    import ast

    from gdpr_lint.policy import load_policy
    from gdpr_lint.survey.calltext import CallText
    from gdpr_lint.survey.classes import _Names
    from gdpr_lint.survey.persisted import may_persist, persisted_classes

    text = textwrap.dedent(f'''
    import json
    from dataclasses import asdict

    def other():
        return 1

    def keep(self, b: Booking, folder, key):
        {call}
    ''')
    tree, persistence = ast.parse(text), load_policy().persistence
    assert may_persist(text, persistence, CallText(text)) is kept
    found = persisted_classes(tree, _Names(tree, "app.keep", False), persistence, text)
    assert ([row[0] for row in found] == ["Booking"]) is kept, found


def test_the_files_the_facts_send_to_the_analysis_are_the_ones_they_speak_of():
    """A function of ``shop.mail`` that callers pass personal data to sends ``shop.mail`` to the
    analysis, not the package ``shop`` above it; a method sends its class's module.  A class
    about a person sends its module only when it is a schema (a store or a carrier): the fields of
    a `Signer` or a database `Client` are never findings."""
    from gdpr_lint.facts.project import Evidence, ProjectFacts

    facts = ProjectFacts(classes={"shop.models.Mailer": {}, "shop.crypto.Signer": {}, "shop.models.Customer": {}},
                         incoming={"shop.mail.send": {"to": frozenset()},
                                   "shop.models.Mailer.deliver": {"body": frozenset()}},
                         schemas={"shop.models.Customer": ("store", False)},
                         evidence={"shop.crypto.Signer": Evidence("person"),
                                   "shop.models.Customer": Evidence("person")})
    assert facts.receives("shop.mail") and facts.receives("shop.models")
    assert not facts.receives("shop") and not facts.receives("shop.models.Mailer")
    assert facts.judges_classes_of("shop.models")
    assert not facts.judges_classes_of("shop.crypto")


def test_a_helper_that_copies_what_callers_give_it_to_disk_is_reported_at_its_write(tmp_path, monkeypatch):
    found = _scan_tree(tmp_path, monkeypatch, {
        "backup/__init__.py": "",
        "backup/bundle.py": (
            "import os\n\n\n"
            "class Bundle:\n"
            "    def __init__(self, root):\n        self.root = root\n\n"
            "    def add_upload(self, upload):\n"
            "        with open(os.path.join(self.root, os.path.basename(upload.name)), 'wb') as out:\n"
            "            for part in upload.chunks():\n"
            "                out.write(part)\n\n"
            "    def add_logo(self, image):\n"
            "        with open(os.path.join(self.root, 'logo.png'), 'wb') as out:\n"
            "            for part in image.chunks():\n"
            "                out.write(part)\n"),
        "backup/run.py": (
            "from backup.bundle import Bundle\n\n\n"
            "def backup_profile(profile, shop, root):\n"
            "    bundle = Bundle(root)\n"
            "    bundle.add_upload(profile.avatar)\n"
            "    bundle.add_logo(shop.logo)\n"),
    })
    # the member's avatar, copied chunk by chunk; the shop's logo is no person's
    assert found == [("backup/bundle.py", 11, "GDPR202")]


def test_a_writer_class_whose_file_the_caller_hands_in_writes_no_file_it_knows(tmp_path, monkeypatch):
    """A CSV writer that opens a file by name in one method but is given an open object by its
    callers (an HTTP response, a buffer) does not say where a row goes: no storage finding.  The same
    class that only ever opens its own file writes to disk."""
    writer = (
        "import csv\n\n\n"
        "class RowWriter:\n"
        "    def __init__(self, filename=None, target=None):\n"
        "        self.filename = filename\n        self.f = target\n\n"
        "    def __enter__(self):\n"
        "        self.f = open(self.filename, 'w')\n        return self\n\n"
        "    def writerow(self, row):\n"
        "        csv.writer(self.f).writerow(row)\n")
    caller = (
        "from reports.writer import RowWriter\n\n\n"
        "def export(orders, response):\n"
        "    writer = RowWriter(target=response)\n"
        "    for order in orders:\n"
        "        writer.writerow([order.id, order.customer_email])\n")
    files = {"reports/__init__.py": "", "reports/writer.py": writer, "reports/views.py": caller}
    assert _scan_tree(tmp_path, monkeypatch, files) == []
    files["reports/writer.py"] = writer.replace("self.f = target", "self.f = None")
    assert _scan_tree(tmp_path, monkeypatch, files) == [("reports/writer.py", 14, "GDPR202")]


def test_a_generic_value_in_a_persons_series_of_a_health_domain_is_health_data(tmp_path, monkeypatch):
    """`value` and `amount` say nothing; a record that belongs to a person (directly or through the
    record it belongs to) and whose name, or its owner's, names a health domain holds that person's
    body readings or diet: Art. 9 health data.  The same words on an invoice, a meal-kit order, a
    station's measurement, a gauge whose operator is a person, a body shop's quote or a record of
    nobody are nothing."""
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class MeasurementKind(models.Model):
        user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        label = models.CharField(max_length=40)

    class Reading(models.Model):
        kind = models.ForeignKey(MeasurementKind, on_delete=models.CASCADE)
        value = models.FloatField()

    class DietPlan(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Portion(models.Model):
        plan = models.ForeignKey(DietPlan, on_delete=models.CASCADE)
        amount = models.DecimalField(max_digits=6, decimal_places=2)

    class Invoice(models.Model):
        customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        amount = models.DecimalField(max_digits=9, decimal_places=2)

    class MealOrder(models.Model):
        customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        amount = models.DecimalField(max_digits=9, decimal_places=2)

    class Station(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class StationMeasurement(models.Model):
        station = models.ForeignKey(Station, on_delete=models.CASCADE)
        value = models.FloatField()

    class Gauge(models.Model):
        operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class GaugeMeasurement(models.Model):
        gauge = models.ForeignKey(Gauge, on_delete=models.CASCADE)
        value = models.FloatField()

    class BodyShop(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Quote(models.Model):
        shop = models.ForeignKey(BodyShop, on_delete=models.CASCADE)
        amount = models.DecimalField(max_digits=9, decimal_places=2)

    class Measurement(models.Model):
        value = models.FloatField()
    ''')})
    assert found["Reading.value"] == ["GDPR101", "GDPR201"]
    assert any("MeasurementKind" in r and "measurement" in r for r in found["Reading.value:reasons"])
    assert found["Portion.amount"] == ["GDPR101", "GDPR201"]
    for lookalike in ("Invoice.amount", "MealOrder.amount", "StationMeasurement.value", "Measurement.value",
                      "GaugeMeasurement.value", "Quote.amount"):
        assert lookalike not in found, lookalike


def test_a_helper_is_reached_through_the_object_built_for_it_whatever_its_name(tmp_path, monkeypatch):
    """`r = Ledger(...)`, `Ledger(...).add_line(...)`: the method of the class built, even when
    another class has a method of the same name; arguments read by key (`META["REMOTE_ADDR"]`,
    `data.get("email")`) or through a method that keeps the value (`.lower()`) carry it; a count
    carries nothing."""
    found = _scan_tree(tmp_path, monkeypatch, {
        "books/__init__.py": "",
        "books/ledger.py": (
            "class Ledger:\n"
            "    def __init__(self, folder):\n        self.folder = folder\n\n"
            "    def add_line(self, name, value):\n"
            "        with open(f'{self.folder}/{name}.txt', 'a') as fp:\n"
            "            fp.write(str(value))\n\n\n"
            "class Notebook:\n"
            "    def add_line(self, name, value):\n"
            "        with open('notes.txt', 'a') as fp:\n"
            "            fp.write(str(value))\n"),
        "books/views.py": (
            "from books.ledger import Ledger, Notebook\n\n\n"
            "def export(request, member, data, folder):\n"
            "    r = Ledger(folder)\n"
            "    r.add_line('ip', request.META['REMOTE_ADDR'])\n"
            "    Ledger(folder).add_line('mail', member.email.lower())\n"
            "    r.add_line('mail', data.get('email'))\n"
            "    Notebook().add_line('count', len(data))\n"),
    })
    assert found == [("books/ledger.py", 7, "GDPR202")]


def test_a_helpers_callers_are_listed_in_line_order(tmp_path, monkeypatch):
    calls = "".join(f"    archive.add_text('n{i}', member.email)\n" if i in (6, 12) else "    pass\n"
                    for i in range(5, 13))
    found = scan_tree(tmp_path, monkeypatch, {
        "app/__init__.py": "",
        "app/archive.py": '''
        class Archive:
            def add_text(self, name, value):
                with open(name, "w") as fp:
                    fp.write(str(value))
        ''',
        "app/jobs.py": "from app.archive import Archive\n\n\ndef run(member):\n    archive = Archive()\n" + calls,
    })
    reasons = [r for r in found["Archive.add_text:reasons"] if "by the call at" in r]
    assert [r.rsplit(":", 1)[1] for r in reasons] == ["7", "13"]


def test_what_a_call_passes_is_read_on_the_lines_python_gives_it():
    """The survey reads a function's own lines for a word that can be personal data before it
    walks its calls: a form feed in a string above it ends no line (``str.splitlines`` would
    break there and read the line above instead, missing the call on the function's last line)."""
    import ast

    from gdpr_lint.classify import Classifier
    from gdpr_lint.policy import load_policy
    from gdpr_lint.survey.incoming import incoming_facts

    classifier = Classifier(load_policy())
    for gap in ("\x0c", "\u2028", ""):
        text = f'NOTE = "page{gap}break"\n\n\ndef send(a, archive):\n    archive.put(1,\n        a.email)\n'
        _defs, passes = incoming_facts(ast.parse(text), "m", classifier.classify, frozenset(), frozenset(),
                                       text=text, may_name=classifier.may_name)
        assert [(callee, arg, cats) for callee, _how, _cls, arg, cats, _line in passes] == [
            ("put", 1, ["user.contact.email"])], repr(gap)


def test_the_lines_where_calls_open_are_counted_as_python_counts_lines():
    """``CallText.lines_where``: counted between the calls found (a text with no ``\\r``) or from
    every line's start (with one), the same lines as Python's own count of the text before each."""
    import random

    from gdpr_lint.files.source import python_lines
    from gdpr_lint.survey.calltext import CallText

    pieces = ["log.info(x)", "f(", ")", "\n", "\r\n", "\r", "  ", "a = (\n", "s.add (y)", "'g('", "# h(\n", "\f"]
    rng = random.Random(5)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        calls = CallText(text)
        for wanted in (lambda n: True, lambda n: n.endswith(".info"), lambda n: n == "add"):
            expected = sorted({len(python_lines(text[:end - 1])) or 1 for name, end in zip(calls.names, calls.ends)
                               if wanted(name)})
            assert CallText(text).lines_where(wanted) == expected, repr(text)


def test_each_call_of_a_helper_on_one_line_passes_what_it_passes(tmp_path, monkeypatch):
    """One record per argument of a callee on a line kept the first call's data only (which one
    depended on the order of a walk): `save_note(p.email); save_note(p.allergies)` reported the
    e-mail address alone, losing the health data. Found by a review."""
    found = scan_tree(tmp_path, monkeypatch, {
        "notes/__init__.py": "",
        "notes/store.py": '''
            def save_note(text):
                with open("notes.txt", "a") as out:
                    out.write(text)
            ''',
        "notes/views.py": '''
            from notes.store import save_note

            def keep(patient):
                save_note(patient.email); save_note(patient.allergies)

            def keep_one(patient, other):
                save_note(patient.email) if other else save_note(other.phone_number)
            ''',
    })
    assert found["save_note"] == ["GDPR202"]
    reasons = " ".join(found["save_note:reasons"])
    assert "user.contact.email" in reasons and "user.health_and_medical" in reasons
    assert "user.contact.phone_number" in reasons


SENDS_RECEIPTS = """
import logging

log = logging.getLogger(__name__)


def send_receipt(address):
    log.info("receipt to %s", address)
"""


def test_a_call_of_a_function_that_logs_its_parameter_is_found_however_it_is_imported(tmp_path, monkeypatch):
    """A file with no sink of its own is analysed when it may call a summarised function: by
    `from m import f`, by `import m` and `m.f(...)`, and by a relative import."""
    found = scan_tree(tmp_path, monkeypatch, {
        "billing/__init__.py": "", "billing/mail.py": SENDS_RECEIPTS, "shop/__init__.py": "",
        "shop/views.py": """
            from billing.mail import send_receipt


            def checkout(customer):
                send_receipt(customer.email)
            """,
        "shop/orders.py": """
            import billing.mail


            def close(customer):
                billing.mail.send_receipt(customer.email)
            """,
        "billing/refunds.py": """
            from .mail import send_receipt


            def refund(customer):
                send_receipt(customer.email)
            """})
    for symbol in ("checkout", "close", "refund"):
        assert found.get(symbol) == ["GDPR301"], (symbol, found)


def test_a_function_of_another_package_that_only_shares_the_name_is_not_reached():
    """Two projects side by side (a monorepo, the scale row): a file that calls its own
    `send_receipt` is not analysed for the other project's `send_receipt` that logs (every such
    file was, by the last name alone: 14 % more files analysed in the million-line tree)."""
    from gdpr_lint.facts.project import ProjectFacts

    summary = (("address",), ((0, "GDPR301", "a log", "billing/mail.py:7"),))
    # (a module's function is never taken for a method called on an object: `shared_methods`)
    facts = ProjectFacts(summaries={"billing.mail.send_receipt": summary}, shared_methods=frozenset({"send_receipt"}))
    calls = ["send_receipt", "upper"]

    def reaches(module: str, imports: list[str]) -> bool:
        return facts.holds_records_or_calls_sinks(module, {"calls": calls, "imports": imports})

    assert not reaches("crm.views", ["crm.notify.send_receipt"])  # its own function of that name
    assert not reaches("crm.views", [])
    assert reaches("crm.views", ["billing.mail.send_receipt"])  # from billing.mail import send_receipt
    assert reaches("crm.views", ["billing.mail"])  # from billing import mail; mail.send_receipt(...)
    assert reaches("crm.views", ["billing"])  # import billing.mail ... billing.mail.send_receipt(...)
    assert reaches("billing.mail", [])  # the module itself
    # the module of a folder without __init__.py is named from there: `mail.send_receipt`
    bare = ProjectFacts(summaries={"mail.send_receipt": summary})
    assert bare.holds_records_or_calls_sinks("app.views", {"calls": calls, "imports": ["app.mail"]})
    # a method: the one of the project with that name is reached by any `x.add_text(...)` ...
    method = ProjectFacts(summaries={"shop.export.Archive.add_text": summary})
    assert method.holds_records_or_calls_sinks("crm.views", {"calls": ["add_text"], "imports": []})
    # ... unless other functions have the name too (then only its module's own calls, or imports)
    shared = ProjectFacts(summaries={"shop.export.Archive.add_text": summary}, shared_methods=frozenset({"add_text"}))
    assert not shared.holds_records_or_calls_sinks("crm.views", {"calls": ["add_text"], "imports": []})
    assert shared.holds_records_or_calls_sinks("shop.export", {"calls": ["add_text"], "imports": []})


def test_a_function_of_a_folder_without_init_is_reached_through_a_dotted_call(tmp_path, monkeypatch):
    """A module in a folder without __init__.py is named from there (`notices.post`), and the
    analysis finds it at the end of a dotted call (`pkg.notices.post(...)`); the check that a call
    may reach a summarised function read only the imports, so such a file went unanalysed and the
    finding was lost. The file's dotted calls are part of its facts now. Found by a review."""
    found = scan_tree(tmp_path, monkeypatch, {
        "pkg/__init__.py": "from .notices import post\n",
        "pkg/notices/post.py": SENDS_RECEIPTS.replace("send_receipt", "deliver"),
        "front.py": """
            import pkg


            def greet(member):
                pkg.notices.post.deliver(member.email)
            """,
        "back.py": """
            from pkg import notices


            def farewell(member):
                notices.post.deliver(member.email)
            """})
    assert found.get("greet") == ["GDPR301"] and found.get("farewell") == ["GDPR301"], found


def test_a_folder_named_like_a_suite_is_production_code():
    """Test code is `tests/`, `test_*.py` and the like; a folder named `<something>_tests` is not,
    wherever it is: a clinic's `lab_tests/` app (at the top of a Django project or inside a
    package) holds real people's results, and a folder that ends in the letters (`contests/`)
    is production code too."""
    policy = load_policy()
    assert policy.skips_data_rules("tests/models.py") and policy.skips_data_rules("shop/tests/test_views.py")
    assert not policy.skips_data_rules("lab_tests/models.py")
    assert not policy.skips_data_rules("clinic/lab_tests/models.py")
    assert not policy.skips_data_rules("contests/models.py")
    assert not policy.skips_data_rules("shop/models_tests.py")


STORE_FACTORY = '''
import os

import redis


def open_store():
    """The shared store."""
    client = redis.Redis(host="localhost")
    return client


def open_cached_store():
    return open_store()


def scratch_folder():
    return os.path.join("/tmp", "scratch")


SHARED = open_store()
'''


def test_a_function_of_the_project_that_hands_back_a_store_makes_one(tmp_path, monkeypatch):
    """`STORE = open_store()` where the project's own `open_store()` returns a Redis client (made
    by a known factory, directly, through a name, or through another such function) is a Redis
    client, in the module that makes it and in a function that calls the factory; what another
    project function hands back (a path) is no store."""
    files = {"kv/__init__.py": "", "kv/conn.py": STORE_FACTORY, "kv/visits.py": '''
        from kv.conn import open_cached_store, open_store, scratch_folder

        STORE = open_store()


        def remember(email):
            STORE.set("seen:" + email, 1)


        def note(phone_number):
            store = open_cached_store()
            store.sadd("phones", phone_number)


        def where(email):
            folder = scratch_folder()
            return folder.count(email)
    ''', "kv/keep.py": '''
        from kv.conn import SHARED
        from kv.visits import STORE


        def keep(email):
            STORE.lpush("kept", email)


        def share(phone_number):
            SHARED.set("phone", phone_number)
    ''', "kv/ai.py": '''
        import openai


        def summarize(text):
            return openai.chat.completions.create(model="m", messages=[text]).choices[0].message.content.strip()
    ''', "kv/tickets.py": '''
        from kv.ai import summarize


        def staff_summary(ticket, customer):
            summary = summarize(ticket.subject)
            return summary.replace(customer.email, "[redacted]")
    '''}
    found = scan_tree(tmp_path, monkeypatch, files)
    assert found.get("remember") == ["GDPR203"] and found.get("note") == ["GDPR203"]
    assert found.get("keep") == ["GDPR203"] and found.get("share") == ["GDPR203"]
    # what an SDK's call hands back (an answer) is no client of the processor: a string's replace
    # sends nothing
    assert "staff_summary" not in found
    assert "where" not in found


def test_a_field_typed_as_personal_data_is_read_on_an_object_named_after_its_record(tmp_path, monkeypatch):
    """`callback_device.number` where the project's `CallbackDevice.number` is a PhoneNumberField
    holds a phone number; `device.number` does not when `CounterDevice.number` (a count) may be
    meant too; a field of that name and another type (`ticket.number`), another field
    (`device.label`), an owner named after no record (`room.number`) and a record of a thing (a
    shop's own telephone line) are not."""
    files = {"otp/__init__.py": "", "otp/models.py": models('''
        from phonenumber_field.modelfields import PhoneNumberField


        class CallbackDevice(models.Model):
            user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            number = PhoneNumberField()  # gdpr: retention=P1Y basis=contract
            label = models.CharField(max_length=40)


        class Ticket(models.Model):
            number = models.IntegerField()


        class CounterDevice(models.Model):
            user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            number = models.IntegerField(default=0)


        class Shop(models.Model):
            title = models.CharField(max_length=40)
            hotline = PhoneNumberField()


        class BaseContact(models.Model):
            owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            dial = PhoneNumberField()  # gdpr: retention=P1Y basis=contract

            class Meta:
                abstract = True


        class EmergencyContact(BaseContact):
            relation = models.CharField(max_length=20)
    '''), "otp/dev.py": '''
        import logging

        from otp.models import CallbackDevice

        log = logging.getLogger(__name__)


        def named(device):
            log.info("device %s", device.label)


        def ticket(ticket):
            log.info("ticket %s", ticket.number)


        def room(room):
            log.info("room %s", room.number)


        def shop(shop):
            log.info("shop line %s", shop.hotline)


        def call_back(callback_device, code):
            log.info("calling %s with %s", callback_device.number, code)


        def text_back(callback_device, code):
            log.info("texting %s with %s", callback_device.number.as_e164, code)


        def bump(device):
            log.info("counter now %s", device.number)


        def warn(emergency_contact):
            log.info("calling %s", emergency_contact.dial)


        def everyone():
            for item in CallbackDevice.objects.all():
                log.info("number %s", item.number.as_e164)
    '''}
    found = scan_tree(tmp_path, monkeypatch, files)
    assert found.get("call_back") == ["GDPR301"] and found.get("text_back") == ["GDPR301"]
    assert found.get("everyone") == ["GDPR301"]  # (`item` is a CallbackDevice: the loop says so)
    assert found.get("warn") == ["GDPR301"]  # (a field of the abstract base EmergencyContact derives from)
    # `device` may name CallbackDevice or CounterDevice, whose `number` is a count: nothing known
    assert not {"bump", "named", "ticket", "room", "shop"} & found.keys()


def test_a_record_whose_name_carries_a_number_is_read_as_its_words(tmp_path, monkeypatch):
    """A record named with a number (`Subscriber2`, `MemberV2`) declares its typed fields for the
    names that read as it (`subscriber2`, an object fetched from it, `member_v2`), as an owner's
    words are read, numbers left out; a record of another name (`Product3`) still says nothing of
    its owner's. Found by a fresh user: `Customer2`'s EmailField was logged unreported."""
    files = {"club/__init__.py": "", "club/models.py": models('''
        from phonenumber_field.modelfields import PhoneNumberField


        class Subscriber2(models.Model):
            user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            reach = models.EmailField()  # gdpr: retention=P1Y basis=contract


        class MemberV2(models.Model):
            user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            line = PhoneNumberField()  # gdpr: retention=P1Y basis=contract


        class Product3(models.Model):
            title = models.CharField(max_length=40)
            sku = models.CharField(max_length=40)
    '''), "club/tasks.py": '''
        import logging

        from club.models import Product3, Subscriber2

        log = logging.getLogger(__name__)


        def fetched(pk):
            found = Subscriber2.objects.get(pk=pk)
            log.info("mailing %s", found.reach)


        def named(subscriber2):
            log.info("mailing %s", subscriber2.reach)


        def member(member_v2):
            log.info("calling %s", member_v2.line)


        def product(pk):
            item = Product3.objects.get(pk=pk)
            log.info("product %s", item.sku)
    '''}
    found = scan_tree(tmp_path, monkeypatch, files)
    assert found.get("fetched") == ["GDPR301"] and found.get("named") == ["GDPR301"]
    assert found.get("member") == ["GDPR301"]
    assert "product" not in found


def test_a_record_fetched_into_a_name_is_read_as_its_class(tmp_path, monkeypatch):
    """`found = CallbackDevice.objects.get(pk=pk)` holds a CallbackDevice: its `number` (a
    PhoneNumberField) is a phone number, written otherwise too (`.as_e164`); once the name holds
    something else (a counter) it is not."""
    files = {"otp/__init__.py": "", "otp/models.py": models('''
        from phonenumber_field.modelfields import PhoneNumberField


        class CallbackDevice(models.Model):
            user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            number = PhoneNumberField()  # gdpr: retention=P1Y basis=contract
    '''), "otp/views.py": '''
        import logging

        from otp.models import CallbackDevice

        log = logging.getLogger(__name__)


        def ring(pk):
            found = CallbackDevice.objects.get(pk=pk)
            log.info("ringing %s", found.number.as_e164)


        def count(pk, counter):
            found = CallbackDevice.objects.get(pk=pk)
            found = counter
            log.info("count %s", found.number)
    '''}
    found = scan_tree(tmp_path, monkeypatch, files)
    assert found.get("ring") == ["GDPR301"] and "count" not in found


def test_a_field_named_for_its_declaration_whose_type_agrees_makes_a_record_about_a_person(tmp_path, monkeypatch):
    # `email_field = EmailField(db_column="email")`: the name alone may name a column of a file to
    # import, the type says the same as its words; a sender's mailbox (`from_address`), a column
    # name of a text type, or a server's address make no record a person's
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class Signup(models.Model):
        name = models.CharField(max_length=80, blank=True)
        email_field = models.EmailField(db_column="email", db_index=True)

    class Notification(models.Model):
        from_address = models.EmailField()
        to_address = models.CharField(max_length=255)

    class Mirror(models.Model):
        address_field = models.GenericIPAddressField(protocol="both")
        name = models.CharField(max_length=80)

    class Importer(models.Model):
        email_column = models.CharField(max_length=20, default="E-Mail")
        name = models.CharField(max_length=80)
    ''')})
    assert found["Signup.name"] == ["GDPR101"]
    assert any("Signup holds `email_field`" in r for r in found["Signup.name:reasons"])
    assert "Notification.to_address" not in found
    assert "Mirror.name" not in found and "Importer.name" not in found


def test_the_projects_own_field_type_counts_as_the_type_it_derives_from(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": models('''
    class LowerEmailField(models.EmailField):
        pass

    class Signup(models.Model):
        city = models.CharField(max_length=80)
        email_field = LowerEmailField(db_column="email")
    ''')})
    assert found["Signup.city"] == ["GDPR101"]
