"""Retention tags and encryption at rest across schema frameworks, with look-alikes."""

from __future__ import annotations

from tests.conftest import codes, run


def test_django_tags_and_encryption():
    src = '''
    from django.db import models
    from django_cryptography.fields import encrypt

    class Customer(models.Model):
        email = models.EmailField()  # gdpr: retention=P2Y basis=contract
        # gdpr: retention=P1Y basis=consent
        phone = models.CharField(max_length=20)
        first_name = models.CharField(max_length=20)
        is_email_verified = models.BooleanField()
        email_template_id = models.CharField(max_length=20)
        passport_number = models.CharField(max_length=20)  # gdpr: retention=P5Y basis=legal-obligation
        national_id = encrypt(models.CharField(max_length=20))  # gdpr: retention=P5Y basis=legal-obligation
        user = models.ForeignKey("auth.User", on_delete=models.CASCADE)

    class Product(models.Model):
        name = models.CharField(max_length=20)
    '''
    found = codes(src)
    assert [line for code, line in found if code == "GDPR101"] == [8]
    assert [line for code, line in found if code == "GDPR201"] == [11]


def test_class_tag_above_decorators_and_malformed_tags():
    src = '''
    import attrs
    from dataclasses import dataclass

    # gdpr: retention=P3Y basis=contract
    @attrs.frozen
    class Note:
        patient_name: str
        diagnosis: str

    @dataclass
    class Applicant:
        email: str  # gdpr: retention=2Y basis=contract
        phone: str  # gdpr: retention=P2Y basis=because
        full_name: str  # gdpr: retention=P99Y basis=contract
        cv_text: str  # gdpr: retention=P1Y basis=contract purpose=marketting
        linkedin_url: str  # gdpr: category=none
    '''
    assert codes(src) == []  # carriers: no retention findings unless the config asks for them
    found = codes(src, {"check_carriers": True})
    assert not [line for code, line in found if code == "GDPR101"]
    assert [line for code, line in found if code == "GDPR102"] == [12, 13]
    assert [line for code, line in found if code == "GDPR103"] == [14]
    assert [line for code, line in found if code == "GDPR104"] == [15]


def test_sqlalchemy_pydantic_typeddict_marshmallow():
    src = '''
    from typing import TypedDict
    from marshmallow import Schema, fields
    from pydantic import BaseModel, EmailStr
    from pydantic_settings import BaseSettings
    from sqlalchemy import Column, MetaData, String, Table
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
    from sqlalchemy_utils import StringEncryptedType

    class Base(DeclarativeBase):
        pass

    class Patient(Base):
        __tablename__ = "patients"
        full_name: Mapped[str] = mapped_column(String(100))
        date_of_birth: Mapped[str]
        allergies: Mapped[str] = mapped_column(StringEncryptedType(String, "k"))  # gdpr: retention=P10Y basis=vital-interests
        medical_history: Mapped[str] = mapped_column(String)  # gdpr: retention=P10Y basis=vital-interests

    members = Table("members", MetaData(),
        Column("email", String),
        Column("member_count", String),
    )

    class SignupIn(BaseModel):
        recipient: EmailStr
        send_sms_reminder: bool = False

    class AppSettings(BaseSettings):
        support_email: str = "help@example.com"

    class Guest(TypedDict):
        guest_phone: str
        guest_count: int

    class AddressSchema(Schema):
        street = fields.String()
        country_code = fields.String()
    '''
    found = codes(src)
    assert [line for code, line in found if code == "GDPR101"] == [14, 15, 20]  # stores only
    assert [line for code, line in found if code == "GDPR201"] == [17]
    # carriers (Pydantic, TypedDict, marshmallow) are recognised, and checked when the config asks
    found = codes(src, {"check_carriers": True})
    assert [line for code, line in found if code == "GDPR101"] == [14, 15, 20, 25, 32, 36]


def test_schema_bases_from_other_modules_of_the_tree(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from gdpr_lint.cli import main

    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "base.py").write_text(
        "from pydantic import BaseModel\nfrom django.db import models\n\n\n"
        "class APIModel(BaseModel):\n    pass\n\n\nclass TimeStamped(models.Model):\n    class Meta:\n"
        "        abstract = True\n")
    (pkg / "schemas.py").write_text(
        "from .base import APIModel\nfrom app.base import TimeStamped\nfrom django.db import models\n\nclass SignupIn(APIModel):\n"
        "    email: str\n\n\nclass Visit(TimeStamped):\n    visitor_ip = None\n    passport_number = models.CharField(max_length=20)\n"
        "    visitor_email: str  # (a type hint: a Django field needs a value)\n\n"
        "class Plain:\n    email: str\n")
    monkeypatch.chdir(tmp_path)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "app"]).stdout)
    lines = sorted((f["code"], f["line"]) for f in out["findings"] if f["path"].endswith("schemas.py"))
    assert ("GDPR101", 11) in lines  # a store through an abstract model of another module
    assert ("GDPR101", 12) not in lines  # a type hint in a Django model declares no field
    assert ("GDPR101", 6) not in lines and ("GDPR101", 14) not in lines  # a carrier, a plain class
    (tmp_path / ".gdpr-lint.yaml").write_text("check_carriers: true\n")
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "app"]).stdout)
    lines = sorted((f["code"], f["line"]) for f in out["findings"] if f["path"].endswith("schemas.py"))
    assert ("GDPR101", 6) in lines and ("GDPR101", 14) not in lines  # pydantic subclass yes, plain class no


def test_a_name_about_the_data_wins_over_a_personal_data_type():
    # Django's AbstractUser: the validator object is not a user name, the field it validates is
    src = '''
    from django.contrib.auth.validators import UnicodeUsernameValidator
    from django.db import models

    class Account(models.Model):
        username_validator = UnicodeUsernameValidator()
        username = models.CharField(max_length=150, validators=[username_validator])
        handle = models.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    '''
    assert [line for code, line in codes(src) if code == "GDPR101"] == [6, 7]  # not line 5


def test_a_tag_separated_by_any_white_space_is_read():
    """A form feed, a next-line character or a line separator inside a tag comment separates as a
    space does (found by a fresh-user check: `basis=contract \\x0c` was "not key=value")."""
    from gdpr_lint.policy.comments import parse_tag

    for space in ("\x0c", "\x85", "\u2028", "\x0b"):
        tag = parse_tag(f" retention=P1Y{space}basis=contract {space}", 3)
        assert (tag.values, tag.errors) == ({"retention": "P1Y", "basis": "contract"}, ()), repr(space)
    assert parse_tag(" retention=P1Y \x0c basis", 3).errors == ("`basis` is not key=value",)  # still read


def test_upper_case_tag_and_suppression_markers():
    # the report: `# GDPR: retention=P1Y basis=contract` was not a tag, so GDPR101 "no retention tag"
    src = '''
    from pydantic import BaseModel

    class Customer(BaseModel):
        email: str  # GDPR: retention=P1Y basis=contract
        # Gdpr: retention=P2Y basis=contract
        phone: str
        home_address: str  # GDPR-LINT: ignore[GDPR101] reason="moved to the CRM next sprint"
        date_of_birth: str
    '''
    assert codes(src, {"check_carriers": True}) == [("GDPR101", 8)]


def test_upper_case_marker_keeps_the_values_as_written():
    src = '''
    from pydantic import BaseModel

    class Customer(BaseModel):
        email: str  # GDPR: retention=P1Y basis=Contract
    '''
    assert codes(src, {"check_carriers": True}) == [("GDPR102", 4)]  # only the marker ignores case


def test_unknown_taxonomy_key_message_reads_correctly():
    src = '''
    from pydantic import BaseModel

    class Signup(BaseModel):
        email: str  # gdpr: retention=P2Y basis=consent purpose=marketting category=user.contact.emial
    '''
    messages = sorted(f.message for f in run(src, {"check_carriers": True}) if f.code == "GDPR104")
    assert messages == [
        "tag category=`user.contact.emial` on `email` is not a Fides data-category key (data_categories)",
        "tag purpose=`marketting` on `email` is not a Fides data-use key (data_uses)",
    ]


def test_a_body_measure_on_a_persons_series_named_after_it_is_health_data(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from gdpr_lint.cli import main

    (tmp_path / "models.py").write_text('''from django.conf import settings
from django.db import models


class WeightEntry(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    date = models.DateField()
    weight = models.DecimalField(max_digits=5, decimal_places=2)


class WorkoutLog(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    weight = models.DecimalField(max_digits=5, decimal_places=2)


class Photo(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    height = models.IntegerField()


class Box(models.Model):
    weight = models.IntegerField()
''')
    monkeypatch.chdir(tmp_path)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."]).stdout)
    found = sorted((f["code"], f["line"]) for f in out["findings"] if f["family"] != "rights")
    assert found == [("GDPR101", 8), ("GDPR201", 8)]  # WeightEntry.weight; not a load, a photo's or a box's size


def test_a_sqlalchemy_relationship_to_a_lookup_table_carries_its_datum(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from gdpr_lint.cli import main

    (tmp_path / "models.py").write_text('''from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Sex(Base):
    __tablename__ = "sex"
    id = Column(Integer, primary_key=True)
    label = Column(String(50))


class Account(Base):
    __tablename__ = "account"
    id = Column(Integer, primary_key=True)
    email = Column(String(200))  # gdpr: retention=P2Y basis=contract


class Member(Base):
    __tablename__ = "member"
    id = Column(Integer, primary_key=True)
    mobile = Column(String(20))  # gdpr: retention=P2Y basis=contract
    gender_id = Column(Integer, ForeignKey("sex.id"))
    gender = relationship("Sex")
    account_id = Column(Integer, ForeignKey("account.id"))
    account = relationship("Account")
    orders = relationship("Order", back_populates="member")
''')
    monkeypatch.chdir(tmp_path)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."]).stdout)
    found = sorted((f["code"], f["line"]) for f in out["findings"] if f["family"] != "rights")
    assert found == [("GDPR101", 24)]  # gender, through the lookup; not the account (a person's row) or orders


def test_a_class_on_one_line_is_read_like_any_other():
    """`class Signup(Model): email = EmailField()`: the fields on the header's line are fields
    (each its own statement after `;`); a one-line class of constants is still no record."""
    src = '''
    from django.db import models

    class OneLine(models.Model): email = models.EmailField()

    class Two(models.Model): email = models.EmailField(); phone = models.CharField(max_length=9)

    class Limits: email_max = 254; phone_max = 20
    '''
    assert [(c, line) for c, line in codes(src) if c.startswith("GDPR1")] == [
        ("GDPR101", 3), ("GDPR101", 5), ("GDPR101", 5)]


def test_the_name_a_field_is_kept_under_and_its_declaration_word():
    """The column a field is kept under (`db_column`, a SQLAlchemy column's first argument, an
    alias) says what it holds, and `email_field = EmailField()` is an e-mail address: a last word
    naming the declaration itself does not make the field about its data when its type says what
    it holds.  Look-alikes: `phone_column = CharField()` (the name of a column of a file to
    import), a column named for a thing, a template's field, a validator, a Pydantic attribute
    naming a field."""
    src = '''
    from django.db import models
    from django.contrib.auth.validators import UnicodeUsernameValidator
    import sqlalchemy as sa
    from pydantic import BaseModel

    class Signup(models.Model):
        holder = models.CharField(db_column="email", max_length=80)
        email_field = models.EmailField(blank=True)
        phone_column = models.CharField(max_length=20)
        label = models.CharField(db_column="sku", max_length=20)
        email_template_field = models.CharField(max_length=20)
        username_validator = UnicodeUsernameValidator()

    class Contact(sa.orm.DeclarativeBase):
        __tablename__ = "contacts"
        addr = sa.Column("email_address", sa.String(80))
        code = sa.Column("sku", sa.String(20))

    class Lookup(BaseModel):
        email_field: str = "email"
    '''
    found = [line for code, line in codes(src) if code == "GDPR101"]
    assert found == [7, 8, 16]


def test_a_date_field_records_when_unless_its_words_name_a_date():
    """`last_failed_login = DateTimeField()` is when someone failed to log in, not a username; a
    date of birth, a diagnosis date, a child's date of birth and since when someone is married are
    personal data as dates; when a comment was last made, a fingerprint enrolled or a position
    fixed are timestamps of events."""
    src = '''
    import datetime

    from django.db import models
    from sqlalchemy import Column, DateTime, String
    from sqlalchemy.orm import DeclarativeBase, Mapped
    from app.types import UTCDateTime

    class Member(models.Model):
        email = models.EmailField()
        last_failed_login = models.DateTimeField(null=True)
        birthday = models.DateField(null=True)
        diagnosis_date = models.DateField(null=True)
        phone_confirmed = models.DateTimeField(null=True)
        child_dob = models.DateField(null=True)
        marital_status_since = models.DateField(null=True)
        last_comment = models.DateTimeField(null=True)
        fingerprint_enrolled = models.DateTimeField(null=True)
        gps_fix = models.DateTimeField(null=True)

    class Base(DeclarativeBase):
        pass

    class Person(Base):
        __tablename__ = "people"
        email_address = Column(String(80))
        name_changed = Column(DateTime)
        username_seen = Column(UTCDateTime(timezone=True))
        last_login: Mapped[datetime.datetime]
        date_of_birth: Mapped[datetime.date]
    '''
    found = [line for code, line in codes(src) if code == "GDPR101"]
    assert found == [9, 11, 12, 14, 15, 25, 29]



def test_the_people_who_look_after_a_record_do_not_make_it_theirs(tmp_path, monkeypatch):
    """A forum's moderators, like its `created_by`, do not make its title or description a
    person's free text, nor a repository's one maintainer its readme; a note that references its
    owner does, and so does the moderator an application to become one is named after."""
    from tests.test_flows_context import scan_tree

    found = scan_tree(tmp_path, monkeypatch, {"app/models.py": '''
    from django.conf import settings
    from django.db import models

    class Board(models.Model):
        title = models.CharField(max_length=80)
        description = models.TextField()
        moderators = models.ManyToManyField(settings.AUTH_USER_MODEL)
        created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Note(models.Model):
        body = models.TextField()
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class ModeratorApplication(models.Model):
        motivation = models.TextField()
        moderator = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Repository(models.Model):
        readme = models.TextField()
        maintainer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    '''})
    assert found == [("app/models.py", 11, "GDPR101"), ("app/models.py", 15, "GDPR101")]


def test_a_migration_copies_the_records_it_declares(tmp_path, monkeypatch):
    """An Alembic migration's helper table (or a Django numbered migration's) copies the
    application's record: its fields are judged where the record is declared, not here; what the
    migration logs still counts, and the same table elsewhere is a record, in a folder named
    `migrations` too when the file is no migration script."""
    from tests.test_flows_context import scan_tree

    table = '''
    import logging

    import sqlalchemy as sa

    log = logging.getLogger(__name__)

    helper = sa.Table("member", sa.MetaData(), sa.Column("id", sa.Integer), sa.Column("email", sa.String(80)))

    def upgrade(email):
        log.info("moving %s", email)
    '''
    found = scan_tree(tmp_path, monkeypatch, {"migrations/versions/0001_move.py": table, "app/tables.py": table,
                                              "shop/migrations/0002_copy.py": table,
                                              "tools/migrations/tables.py": table})
    assert found == [("app/tables.py", 7, "GDPR101"), ("app/tables.py", 10, "GDPR301"),
                     ("migrations/versions/0001_move.py", 10, "GDPR301"),
                     ("shop/migrations/0002_copy.py", 10, "GDPR301"),
                     ("tools/migrations/tables.py", 7, "GDPR101"), ("tools/migrations/tables.py", 10, "GDPR301")]


def test_a_projects_own_field_type_is_judged_as_the_type_it_derives_from(tmp_path, monkeypatch):
    """`LowercaseEmailField(models.EmailField)` declared in another module holds e-mail addresses,
    through a second project class too; a project's yes/no or date type is still a flag or a moment."""
    from tests.test_flows_context import scan_tree

    found = scan_tree(tmp_path, monkeypatch, {
        "app/fields.py": '''
        from django.db import models

        class LowercaseEmailField(models.EmailField):
            pass

        class ContactField(LowercaseEmailField):
            pass

        class Flag(models.BooleanField):
            pass

        class Stamp(models.DateTimeField):
            pass

        class Code(models.SlugField):
            pass
        ''',
        "app/models.py": '''
        from django.db import models

        from app.fields import Code, ContactField, Flag, LowercaseEmailField, Stamp

        class Subscriber(models.Model):
            address = LowercaseEmailField()
            backup = ContactField()
            email_ok = Flag()
            last_login = Stamp()
            kind = Code()
        ''',
    })
    assert found == [("app/models.py", 6, "GDPR101"), ("app/models.py", 7, "GDPR101")]


def test_a_type_that_says_what_a_field_holds_wins_over_a_word():
    """`address = EmailField()` holds e-mail addresses, not postal ones; free text by its type
    (`home_address = TextField()`) leaves the word to say what it is."""
    src = '''
    from django.db import models

    class Subscriber(models.Model):
        address = models.EmailField()
        home_address = models.TextField()
    '''
    found = {f.line: f.message for f in run(src) if f.code == "GDPR101"}
    assert found[4].endswith("e-mail address") and found[5].endswith("postal address"), found
