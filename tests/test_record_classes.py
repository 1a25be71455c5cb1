"""Record classes read from Python's ast (engine.record_classes): the same findings, places,
code and fingerprints as libcst's tree gave, with their class bodies left out of libcst's parse."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from gdpr_lint.engine import analyzer
from gdpr_lint.engine.analyzer import analyze_source
from gdpr_lint.engine.focus import NOTHING, focus
from gdpr_lint.engine.reach import record_call_names
from gdpr_lint.engine.record_classes import (
    ClassStatements,
    RecordClasses,
    _body_statements,
)
from gdpr_lint.facts.project import ProjectFacts
from gdpr_lint.policy import load_policy
from gdpr_lint.scan import scan
from gdpr_lint.survey.prefilter import Prefilter

POLICY = load_policy()
PF = Prefilter(POLICY)
CALLS = record_call_names(POLICY.frameworks)

# every way a class body's statement can be written that changes where libcst says it is, or
# what code it gives for it (comments above and inside, blocks before it, strings over several
# lines, backslashes, `;`, a body on the header's line, tabs, other scripts, no last line break)
ODD = '''\
from django.db import models
from dataclasses import dataclass


class Signup(models.Model):  # the header's comment
    """A sign-up."""

    # the e-mail
    email = models.EmailField(  # after the bracket
        max_length=200,
      verbose_name="less indented",
        # a comment inside
    )  # after
        # deeper than the body, after a statement
    phone = models.CharField(max_length=20); fax = models.CharField(max_length=20)
    note = models.TextField(help_text="""one
    two""")
    city = models.CharField(max_length=20) \\
        if True else None

    def save(self):
        return 1
        # the method's last comment

    # the class's comment
    name = models.CharField(max_length=20)

    def delete(self):
        return 2
    # at the body's indentation
        # deeper
    birth_date = models.DateField()

    def greet(self):
        return 3
        
    mobile = models.CharField(max_length=3)
    prénom = models.CharField(max_length=20)  # é
    résumé: str = models.TextField(default="ü")

    class Meta:
        ordering = ["email"]


class Short(models.Model): email = models.EmailField(); phone = models.CharField(max_length=5)


def factory():
\t@dataclass
\tclass Inner:
\t\temail: str
\t\tphone: str = ""
\treturn Inner


if True:
    class Guarded(models.Model):
        email = models.EmailField()
        last = models.CharField(max_length=3)'''


def _libcst_places(source: str) -> dict[tuple[bool, int, int], tuple[tuple[int, int, int, int], str]]:
    module = cst.parse_module(source)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    out = {}
    for node, pos in positions.items():
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseSmallStatement)):
            key = (type(node) is cst.SimpleStatementLine, pos.start.line, pos.start.column)
            out.setdefault(key, ((pos.start.line, pos.start.column, pos.end.line, pos.end.column),
                                 module.code_for_node(node)))
    return out


@pytest.mark.parametrize("newline,last", [("\n", "\n"), ("\r\n", "\r\n"), ("\n", ""), ("\r", "\r")])
def test_a_class_statement_is_placed_and_quoted_as_libcst_places_and_quotes_it(newline, last):
    source = ODD.replace("\n", newline) + last
    read = ClassStatements(source)
    assert read.ok and [c.name for c, _top in read.classes] == ["Signup", "Meta", "Short", "Inner", "Guarded"]
    expected = _libcst_places(source)
    seen = 0
    for cls, top in read.classes:
        for small, alone, previous in _body_statements(cls, top):
            if not alone:
                continue
            spot = read.spot(small, top, previous, alone == "suite")
            key = (alone != "suite", spot.range.start.line, spot.range.start.column)
            r = spot.range
            assert expected[key] == ((r.start.line, r.start.column, r.end.line, r.end.column), spot.code), key
            seen += 1
    assert seen == 16


def _rows(found) -> list[tuple]:
    findings, _suppressed, rows = found
    return [(f.code, f.line, f.column, f.end_line, f.end_column, f.message, f.snippet, f.source_hash, f.symbol)
            for f in findings], rows


class _LibcstClasses(RecordClasses):
    """The record classes as if Python could not parse the file: libcst's tree is read for them."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.read.ok = False


def test_the_findings_and_rows_are_those_libcst_tree_gave(monkeypatch):
    source = ODD + '''

import logging
log = logging.getLogger(__name__)


class Customer(models.Model):
    # gdpr: retention=P2Y basis=contract
    email = models.EmailField()
    phone = models.CharField(max_length=20)  # gdpr: retention=P20Y basis=contract
    religion = models.CharField(max_length=20)

    def greet(self):
        log.info("hello %s", self.email)
'''
    facts = ProjectFacts()
    ast_read = _rows(analyze_source("m.py", source, POLICY, module_name="m", project=facts, prefilter=PF))
    monkeypatch.setattr(analyzer, "RecordClasses", _LibcstClasses)
    cst_read = _rows(analyze_source("m.py", source, POLICY, module_name="m", project=facts, prefilter=PF))
    assert ast_read == cst_read
    codes = {f[0] for f in ast_read[0]}
    assert {"GDPR101", "GDPR103", "GDPR201", "GDPR301"} <= codes and len(ast_read[1]) >= 10


def test_libcst_does_not_parse_the_fields_and_a_file_of_records_alone_not_at_all(monkeypatch):
    models = textwrap.dedent('''\
        from django.db import models


        class Customer(models.Model):
            """Someone who buys."""
            email = models.EmailField()
            phone: str = models.CharField(max_length=20)

            class Meta:
                ordering = ["email"]

            def __str__(self):
                return self.email
        ''')
    assert focus(models, PF, ProjectFacts(record_modules=frozenset({"m"})), "m", True, CALLS) is NOTHING
    parsed = []
    real = analyzer.parse_module
    monkeypatch.setattr(analyzer, "parse_module", lambda text: parsed.append(text) or real(text))
    findings = analyze_source("m.py", models, POLICY, module_name="m", project=ProjectFacts(
        record_modules=frozenset({"m"})), prefilter=PF)[0]
    assert parsed == [] and [(f.code, f.line) for f in findings] == [("GDPR101", 6), ("GDPR101", 7)]
    logged = models + textwrap.dedent('''\

        import logging
        log = logging.getLogger(__name__)


        def welcome(customer):
            log.info("welcome %s", customer.email)
        ''')
    part = focus(logged, PF, ProjectFacts(record_modules=frozenset({"m"})), "m", True, CALLS)
    assert part is not None and "def welcome" in part.text and "class Customer" in part.text
    assert "EmailField" not in part.text and "Someone" not in part.text and "ordering" in part.text
    findings = analyze_source("m.py", logged, POLICY, module_name="m", project=ProjectFacts(
        record_modules=frozenset({"m"})), prefilter=PF)[0]
    assert [(f.code, f.line) for f in findings] == [("GDPR101", 6), ("GDPR101", 7), ("GDPR301", 20)]


def test_look_alikes_a_class_statement_that_is_more_than_a_field_stays_in_libcst_parse():
    source = textwrap.dedent('''\
        import logging
        import sqlalchemy as sa
        log = logging.getLogger(__name__)


        class Settings:
            LOGGING = {"handlers": {"mail": {"class": "logging.handlers.SMTPHandler"}}}
            __table__ = sa.Table("people", sa.MetaData(), sa.Column("email", sa.String))
            try:
                extra = 1
            except ImportError:
                extra = 2
            else:
                more = 3
            label = "plain"

            def show(self, user):
                log.info("user %s", user.email)
        ''')
    part = focus(source, PF, ProjectFacts(record_modules=frozenset()), "m", True, CALLS)
    assert part is not None
    for kept in ("LOGGING", "__table__", "try:", "except ImportError", "else:", "def show"):
        assert kept in part.text, kept
    assert 'label = "plain"' not in part.text
    without = focus(source, PF, ProjectFacts(record_modules=frozenset()), "m", False)
    assert without is None or 'label = "plain"' in without.text  # (only with the classes read from ast)


def test_a_module_the_survey_found_no_record_in_has_its_classes_left_unparsed(monkeypatch, tmp_path):
    plain = textwrap.dedent('''\
        import logging
        log = logging.getLogger(__name__)


        class Mailer:
            retries = 3

            def send(self, user):
                log.info("mail to %s", user.email)
        ''')
    record = plain.replace("class Mailer:", "class Mailer(models.Model):").replace(
        "import logging", "import logging\nfrom django.db import models") + "    email = models.EmailField()\n"
    (tmp_path / "plain.py").write_text(plain)
    (tmp_path / "record.py").write_text(record)
    parsed = []
    real = analyzer.RecordClasses

    def counting(source, *args):
        parsed.append("class " in source)
        return real(source, *args)
    monkeypatch.setattr(analyzer, "RecordClasses", counting)
    result = scan([tmp_path], POLICY, root=tmp_path, jobs=1, cache_dir=None)
    assert sorted(parsed) == [False, True]  # (plain.py's classes unread, record.py's read)
    assert sorted((f.path.rpartition("/")[2], f.code) for f in result.findings if f.code < "GDPR5") == [
        ("plain.py", "GDPR301"), ("record.py", "GDPR101"), ("record.py", "GDPR301")]


def _whole_and_cut(source: str, facts=None) -> tuple[list, list]:
    """The findings of ``source`` read whole by libcst, and with the cut (fields apart)."""
    def run(prefilter):
        found = analyze_source("m.py", source, POLICY, module_name="m", project=facts, prefilter=prefilter)
        return [(f.code, f.line, f.column, f.end_line, f.end_column, f.message, f.snippet, f.source_hash)
                for f in found[0]], \
            sorted(repr(row) for row in found[2])
    return run(None), run(PF)


@pytest.mark.parametrize("name,source", [
    ("a code loader in a class's own statements", '''\
import runpy
from django.db import models


class Loader(models.Model):
    email = models.EmailField()
    plugin = runpy.run_path("/etc/plugins/x.py")
'''),
    ("an argparse file parameter declared in a class", '''\
import argparse


class Opts:
    parser = argparse.ArgumentParser()
    out = parser.add_argument("--out", type=argparse.FileType("w"))


def main(user):
    args = Opts.parser.parse_args()
    args.out.write(user.email)
'''),
    ("a Core table under another name in a class", '''\
import sqlalchemy as sa
from sqlalchemy import Table as T


class Tables:
    metadata = sa.MetaData()
    customers = T("customers", metadata, sa.Column("email", sa.String), sa.Column("phone", sa.String))
'''),
    ("classes in try, except and else blocks, read in that order", '''\
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField
try:
    class Base(models.Model):
        class Meta:
            abstract = True
except ImportError:
    pass
else:
    class Customer(Base):
        phone = PhoneNumberField()
'''),
    ("a tag above a decorator whose expression starts on the next line", '''\
from django.db import models


def deco(c):
    return c


# gdpr: retention=P1Y basis=contract
@(
    deco
)
class Customer(models.Model):
    email = models.EmailField()
'''),
    ("a body joined to its header by a backslash, statements joined by one", '''\
from django.db import models


class Customer(models.Model): \\
    email = models.EmailField(); phone = models.CharField(max_length=9)


class Other(models.Model):
    email = models.EmailField() \\
    ; phone = models.CharField(max_length=9)
    address = models.CharField(max_length=9)
'''),
    ("a field libcst can only place with its class, whose method libcst cannot print alone", """\
from django.db import models


class Customer(models.Model):
    email = models.EmailField(help_text='''Contact
    address''')

    def f(self):
        return self.x or(lambda: 1)
"""),
    ("comments that end with a backslash, on the header and after a field", """\
from django.db import models


class Customer(models.Model):  # see docs\\
    email = models.EmailField()  # e.g. stored under C:\\
    phone = models.CharField(max_length=20)
    birth_date = models.DateField()
"""),
    ("a comment after a lone carriage return, no last line break",
     ("from django.db import models\nclass C0(models.Model):\n    home_address = models.TextField()\n\r# note\n"
      "    national_id = models.CharField(max_length=9)")),
    ("comment lines after blocks, at the blocks' indentation and the class's", """\
from django.db import models


class Customer(models.Model):
    def greet(self):
        if self.pk:
            return 1
        else:
            return 2
            # the else's

        # the method's
    # the class's
    email = models.EmailField()
    match 1:
        case 1:
            pass
        # the cases'
    # the class's
    phone = models.CharField(max_length=20)
"""),
    ("lines that start with a form feed, lone carriage returns, a class under an `if`",
     ("from django.db import models\r\rif True:\r    class Customer(models.Model):\r        name = models.CharField()"
      "\r\x0c        email = models.EmailField()\r        phone = models.CharField()\r")),
])
def test_what_the_cut_leaves_out_of_a_class_changes_no_finding(name, source, monkeypatch):
    whole, cut = _whole_and_cut(source)
    assert cut == whole and (whole[0] or whole[1]), name
    monkeypatch.setattr(analyzer, "RecordClasses", _LibcstClasses)
    assert _whole_and_cut(source)[0] == whole, name  # (and the classes read as libcst's tree gave them)


def test_a_logging_setting_in_a_class_with_no_method_beside_a_record_is_still_read(tmp_path):
    (tmp_path / "log.py").write_text(textwrap.dedent('''\
        import logging.handlers


        class MyMailHandler(logging.handlers.SMTPHandler):
            pass
        '''))
    (tmp_path / "settings.py").write_text(textwrap.dedent('''\
        from django.db import models


        class Customer(models.Model):
            email = models.EmailField()


        class Settings:
            LOGGING = {"version": 1, "handlers": {"mail": {"class": "log.MyMailHandler",
                       "mailhost": "smtp.example.com", "toaddrs": ["b@example.com"], "subject": "s"}}}
        '''))
    found = scan([tmp_path], POLICY, root=tmp_path, jobs=1, cache_dir=None)
    assert sorted((f.path.rpartition("/")[2], f.code, f.line) for f in found.findings if f.code < "GDPR5") == [
        ("settings.py", "GDPR101", 5), ("settings.py", "GDPR303", 9)]
