"""`gdpr-lint inventory`: records of processing (Art. 30) from code, in four formats."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from gdpr_lint.cli import main
from gdpr_lint.reporters import fides
from gdpr_lint.reporters import inventory as inv

MODELS = textwrap.dedent('''
    from django.db import models
    from pydantic import BaseModel


    class Customer(models.Model):
        email = models.EmailField()  # gdpr: retention=P2Y basis=contract purpose=essential.service
        phone = models.CharField(max_length=20)


    class Product(models.Model):
        name = models.CharField(max_length=100)
        price = models.DecimalField(max_digits=8, decimal_places=2)


    class SignupForm(BaseModel):
        email: str
        first_name: str
''')


@pytest.fixture()
def project(tmp_path, monkeypatch):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "models.py").write_text(MODELS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args):
    result = CliRunner().invoke(main, ["inventory", "shop", "--no-cache", "--jobs", "1", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def json_rows(result) -> dict:
    return json.loads(result.stdout)


def test_rows_list_personal_fields_and_skip_look_alikes(project):
    result = run("--format", "json")
    assert result.exit_code == 0, result.output
    rows = {(r["model"], r["field"]): r for r in json_rows(result)["rows"]}
    assert set(rows) == {("Customer", "email"), ("Customer", "phone"), ("SignupForm", "email"),
                         ("SignupForm", "first_name")}
    assert ("Product", "name") not in rows
    email, phone = rows[("Customer", "email")], rows[("Customer", "phone")]
    assert email["categories"] == ["user.contact.email"]
    assert (email["retention"], email["basis"], email["purpose"], email["declared_by"]) == (
        "P2Y", "contract", "essential.service", "tag")
    assert phone["retention"] == "" and phone["declared_by"] == "none"
    assert email["storage"] is True and rows[("SignupForm", "email")]["storage"] is False


def test_json_has_coverage_numbers(project):
    # the carrier's fields are exchanged, not kept: they need no tag and do not count
    result = run("--format", "json")
    assert json_rows(result)["coverage"] == {"tagged": 1, "total": 2, "percent": 50.0}
    assert "tag coverage: 1/2 personal-data fields fully tagged (50.0%)" in result.stderr
    rows = {(r["model"], r["field"]): r for r in json_rows(result)["rows"]}
    assert rows[("SignupForm", "email")]["exchanged"] and not rows[("Customer", "email")]["exchanged"]


def test_markdown_lists_exchanged_fields_apart_under_the_store_they_mirror(tmp_path, monkeypatch):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "models.py").write_text(textwrap.dedent('''
        from django.db import models
        from rest_framework import serializers

        class Customer(models.Model):
            email = models.EmailField()

        class CustomerSerializer(serializers.ModelSerializer):
            email = serializers.EmailField()

            class Meta:
                model = Customer
    '''))
    monkeypatch.chdir(tmp_path)
    text = run("--format", "markdown").stdout
    kept, _, exchanged = text.partition("## Exchanged (not kept)")
    assert "`email`" in kept and "CustomerSerializer" not in kept
    assert "CustomerSerializer" in exchanged and "| models.Customer |" in exchanged


def test_markdown_is_the_default(project):
    result = run()
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("# Records of processing (GDPR Art. 30)")
    assert "| shop.models.Customer | `email` |" in out and "`phone`" in out
    assert "Product" not in out
    assert "e-mail address" in out  # category labels from the policy


def test_csv_parses_with_dictreader(project, tmp_path):
    out = tmp_path / "ropa.csv"
    result = run("--format", "csv", "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["model"], r["field"]) for r in rows} == {("Customer", "email"), ("Customer", "phone"),
                                                        ("SignupForm", "email"), ("SignupForm", "first_name")}
    email = next(r for r in rows if r["model"] == "Customer" and r["field"] == "email")
    assert email["categories"] == "user.contact.email" and email["retention"] == "P2Y" and email["line"] == "7"


def test_csv_joins_lists_and_defuses_formulas():
    rows = [{"path": "a.py", "line": 3, "model": "M", "field": "f", "categories": ["user.name", "user.contact"],
             "purpose": "=HYPERLINK(1)", "storage": True}]
    parsed = list(csv.DictReader(io.StringIO(inv.to_csv(rows))))
    assert parsed[0]["categories"] == "user.name; user.contact"
    assert parsed[0]["purpose"] == "'=HYPERLINK(1)"
    assert parsed[0]["storage"] == "yes"


def test_fides_dataset_validates_with_fideslang(project):
    from fideslang.models import Dataset

    result = run("--format", "fides")
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(result.stdout)
    assert len(doc["dataset"]) == 1
    for item in doc["dataset"]:
        ds = Dataset.model_validate(item)
    colls = {c.name: c for c in ds.collections}
    assert set(colls) == {"Customer", "SignupForm"}
    fields = {f.name: f for f in colls["Customer"].fields}
    assert fields["email"].data_categories == ["user.contact.email"]
    assert "retention=P2Y" in fields["email"].description
    assert set(fields) == {"email", "phone"}


def test_fides_keys_are_sanitised_and_models_qualified_on_clash():
    from fideslang.models import Dataset

    rows = [{"path": "a/models.py", "line": 1, "module": "a.models", "model": "User", "field": "email",
             "categories": ["user.contact.email"], "framework": "django"},
            {"path": "b/models.py", "line": 1, "module": "b.models", "model": "User", "field": "email",
             "categories": ["user.contact.email"], "framework": "django"}]
    item = yaml.safe_load(fides.to_fides_dataset(rows, None, "my shop (prod)/v2"))["dataset"][0]
    assert item["fides_key"] == "my_shop_prod_v2"
    ds = Dataset.model_validate(item)
    assert {c.name for c in ds.collections} == {"a.models.User", "b.models.User"}
    assert fides.fides_key("!!!") == "gdpr_lint_inventory"


@pytest.mark.parametrize(("threshold", "code"), [("90", 1), ("51", 1), ("50", 0), ("10", 0)])
def test_min_coverage(project, threshold, code):
    result = run("--min-coverage", threshold)
    assert result.exit_code == code
    assert "tag coverage: 1/2" in result.stderr


def test_min_coverage_out_of_range_is_a_usage_error(project):
    result = run("--min-coverage", "150")
    assert result.exit_code == 2


def test_missing_path_is_a_usage_error(project):
    result = CliRunner().invoke(main, ["inventory", "nope", "--no-cache"])
    assert result.exit_code == 2
    assert "path does not exist" in result.stderr


def test_coverage_respects_require():
    rows = [{"retention": "P1Y", "basis": "contract"}, {"retention": "P1Y"}, {}]
    assert inv.coverage(rows) == (2, 3, pytest.approx(66.666, abs=0.01))
    assert inv.coverage(rows, ["retention", "basis"])[:2] == (1, 3)
    assert inv.coverage([], ["retention"]) == (0, 0, 100.0)


def test_require_from_config_changes_coverage(project):
    (project / "gdpr-lint.yaml").write_text("require: [subject]\n")
    result = run("--format", "json", "--config", "gdpr-lint.yaml")
    assert result.exit_code == 0, result.output
    # both Customer fields have a data subject (inferred from the model name); SignupForm's fields are
    # exchanged, not kept, and do not count
    assert json_rows(result)["coverage"] == {"tagged": 2, "total": 2, "percent": 100.0}
    (project / "gdpr-lint.yaml").write_text("require: [retention, basis]\n")
    result = run("--format", "json", "--config", "gdpr-lint.yaml")
    assert json_rows(result)["coverage"] == {"tagged": 1, "total": 2, "percent": 50.0}


@pytest.mark.parametrize("tag", ["# GDPR: RETENTION=P1Y BASIS=CONTRACT", "# gdpr: retention=forever basis=contract"])
def test_a_field_whose_tag_check_cannot_read_is_not_counted_as_tagged(project, tag):
    # found by a new user: `check` reported GDPR102 while the inventory said 100% tagged
    (project / "shop" / "models.py").write_text(
        "from django.db import models\n\n\nclass Customer(models.Model):\n"
        f"    email = models.EmailField()  {tag}\n"
        "    phone = models.CharField(max_length=20)  # gdpr: retention=P1Y basis=contract\n")
    check = CliRunner().invoke(main, ["check", "shop", "--no-cache", "--format", "json"])
    assert [f["code"] for f in json.loads(check.stdout)["findings"] if f["family"] != "rights"] == ["GDPR102"]
    data = json_rows(run("--format", "json"))
    rows = {r["field"]: r for r in data["rows"]}
    assert rows["email"]["tag_problem"] and not rows["phone"]["tag_problem"]
    assert "1 of 2 personal-data fields fully tagged" in run().stdout
    assert "**unreadable tag**" in run().stdout


def test_paths_are_from_the_repository_top_never_the_scanning_machines(tmp_path, monkeypatch):
    """`inventory /abs/path/project` from anywhere: paths from the repository's top, or from the
    folder scanned outside a repository; never an absolute path of the machine."""
    import shutil

    from click.testing import CliRunner

    from gdpr_lint.cli import main

    repo = tmp_path / "repo"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples" / "shop", repo / "backend")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rows = json.loads(CliRunner().invoke(main, ["inventory", "--no-cache", "--format", "json",
                                                str(repo / "backend")]).stdout)["rows"]
    assert rows and {r["path"] for r in rows} == {"shop/api.py", "shop/models.py"}
    (repo / ".git").mkdir()
    rows = json.loads(CliRunner().invoke(main, ["inventory", "--no-cache", "--format", "json",
                                                str(repo / "backend")]).stdout)["rows"]
    assert {r["path"] for r in rows} == {"backend/shop/api.py", "backend/shop/models.py"}


def test_the_record_names_the_controller_and_the_dpo(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from gdpr_lint.cli import main

    (tmp_path / "m.py").write_text("from django.db import models\n\n\nclass Customer(models.Model):\n"
                                   "    email = models.EmailField()\n")
    (tmp_path / ".gdpr-lint.yaml").write_text(
        "controller: {name: Acme GmbH, address: 'Hauptstr. 1, Berlin', contact: privacy@acme.example}\n"
        "dpo: {name: Dana Protect, contact: dpo@acme.example}\n")
    monkeypatch.chdir(tmp_path)
    md = CliRunner().invoke(main, ["inventory", "--no-cache", "."]).stdout
    assert ("Controller: Acme GmbH, Hauptstr. 1, Berlin, privacy@acme.example. "
            "Data protection officer: Dana Protect, dpo@acme.example.") in md
    doc = json.loads(CliRunner().invoke(main, ["inventory", "--no-cache", "--format", "json", "."]).stdout)
    assert doc["controller"]["name"] == "Acme GmbH" and doc["dpo"]["contact"] == "dpo@acme.example"
    (tmp_path / ".gdpr-lint.yaml").write_text("dpo: {contact: dpo@acme.example}\n")
    result = CliRunner().invoke(main, ["inventory", "--no-cache", "."])
    assert result.exit_code == 2 and "dpo.name" in result.stderr


def test_the_record_lists_the_recipients_of_each_category(tmp_path, monkeypatch):
    """Recipients (Art. 30(1)(d), (e)): every third party personal data reaches, approved or not,
    with what it receives, its country, whether that is outside the EEA, the DPA and the transfer
    mechanism from the approval; each field names the recipients of its categories."""
    from click.testing import CliRunner

    from gdpr_lint.cli import main

    (tmp_path / "models.py").write_text(
        "from django.db import models\n\n\nclass Customer(models.Model):\n"
        "    email = models.EmailField()  # gdpr: retention=P2Y basis=contract\n"
        "    phone = models.CharField(max_length=20)  # gdpr: retention=P2Y basis=contract\n")
    (tmp_path / "billing.py").write_text(
        "import requests\nimport stripe\n\n\ndef charge(customer):\n"
        "    stripe.Customer.create(email=customer.email)\n"
        "    requests.post('https://api.hubapi.com/crm/v3/objects/contacts', json={'email': customer.email})\n"
        "    requests.post('https://hooks.partner.example/x', json={'phone': customer.phone})\n"
        "    requests.post('https://api.hubapi.com/crm/v3/objects/deals', json={'id': customer.pk})\n")
    (tmp_path / ".gdpr-lint.yaml").write_text(
        "approved_processors:\n  - {name: stripe, dpa: DPA-7, region: US, transfer_mechanism: SCC}\n")
    monkeypatch.chdir(tmp_path)
    doc = json.loads(CliRunner().invoke(main, ["inventory", "--no-cache", "--format", "json", "."]).stdout)
    by_name = {x["name"]: x for x in doc["recipients"]}
    assert set(by_name) == {"stripe", "hubspot", "hooks.partner.example"}
    assert (by_name["stripe"]["approved"], by_name["stripe"]["dpa"], by_name["stripe"]["transfer_mechanism"],
            by_name["stripe"]["outside_eea"]) == (True, "DPA-7", "SCC", True)
    assert by_name["hubspot"]["approved"] is False and by_name["hubspot"]["uses"] == ["billing.py:7"]
    assert by_name["hooks.partner.example"]["outside_eea"] is None  # an unknown host: nobody knows
    assert by_name["hooks.partner.example"]["categories"] == ["user.contact.phone_number"]
    fields = {r["field"]: r["recipients"] for r in doc["rows"]}
    assert fields == {"email": ["hubspot", "stripe"], "phone": ["hooks.partner.example"]}
    md = CliRunner().invoke(main, ["inventory", "--no-cache", "."]).stdout
    assert "## Recipients (Art. 30(1)(d), (e))" in md and "| yes (DPA-7) | SCC |" in md


def test_a_record_without_a_subject_word_belongs_to_the_person_it_references(tmp_path, monkeypatch):
    """An `Order` says nothing of its subject by its name: the customer it references does; a
    record of a thing that references nobody stays without one."""
    from click.testing import CliRunner

    from gdpr_lint.cli import main

    (tmp_path / "m.py").write_text(
        "from django.db import models\n\n\nclass Patient(models.Model):\n    email = models.EmailField()\n\n\n"
        "class Appointment(models.Model):\n    patient = models.ForeignKey(Patient, on_delete=models.CASCADE)\n"
        "    notes = models.TextField()\n    phone = models.CharField(max_length=20)\n\n\n"
        "class Newsletter(models.Model):\n    reply_to_email = models.EmailField()\n")
    monkeypatch.chdir(tmp_path)
    rows = json.loads(CliRunner().invoke(main, ["inventory", "--no-cache", "--format", "json", "."]).stdout)["rows"]
    subjects = {(r["model"], r["field"]): r["subject"] for r in rows}
    assert subjects[("Patient", "email")] == "patient" and subjects[("Appointment", "phone")] == "patient"
    assert all(s == "" for (model, _), s in subjects.items() if model == "Newsletter")


def test_fides_system_declares_the_processing_and_validates_with_fideslang(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from fideslang.models import Dataset, System

    from gdpr_lint.cli import main

    (tmp_path / "m.py").write_text(
        "import stripe\nfrom django.db import models\n\n\nclass Customer(models.Model):\n"
        "    email = models.EmailField()  # gdpr: retention=P2Y basis=contract purpose=essential.service\n"
        "    phone = models.CharField(max_length=20)  # gdpr: retention=P1Y basis=consent purpose=marketing\n\n\n"
        "def charge(customer):\n    stripe.Customer.create(email=customer.email)\n")
    (tmp_path / ".gdpr-lint.yaml").write_text(
        "approved_processors:\n  - {name: stripe, dpa: DPA-7, region: US, transfer_mechanism: SCC}\n"
        "controller: {name: Acme GmbH, address: 'Hauptstr. 1, Berlin'}\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["inventory", "--no-cache", "--format", "fides", "."])
    doc = yaml.safe_load(result.stdout)
    Dataset.model_validate(doc["dataset"][0])
    system = System.model_validate(doc["system"][0])
    assert system.legal_name == "Acme GmbH" and system.does_international_transfers is True
    assert system.legal_basis_for_transfers == ["SCC"]
    decls = {d.data_use: d for d in system.privacy_declarations}
    assert set(decls) == {"essential.service", "marketing"}
    service = decls["essential.service"]
    assert service.data_categories == ["user.contact.email"] and service.data_subjects == ["customer"]
    assert service.legal_basis_for_processing.value == "Contract" and service.retention_period == "P2Y"
    assert service.data_shared_with_third_parties is True and "Stripe" in service.third_parties
    assert decls["marketing"].data_shared_with_third_parties is False
    assert service.dataset_references == [doc["dataset"][0]["fides_key"]]


def test_migrations_repeat_their_stores_and_add_no_rows(tmp_path, monkeypatch):
    """A Django migration (CreateModel, AddField) and an Alembic revision (op.create_table,
    op.add_column) repeat the fields of the stores they build: the record lists each field once,
    at its store, and the migrations raise no finding of their own."""
    (tmp_path / "shop" / "migrations").mkdir(parents=True)
    (tmp_path / "shop" / "models.py").write_text(textwrap.dedent('''
        from django.db import models

        class Customer(models.Model):
            email = models.EmailField()  # gdpr: retention=P2Y basis=contract
            phone = models.CharField(max_length=20)
    '''))
    (tmp_path / "shop" / "migrations" / "0001_initial.py").write_text(textwrap.dedent('''
        from django.db import migrations, models

        class Migration(migrations.Migration):
            operations = [
                migrations.CreateModel(name="Customer", fields=[
                    ("id", models.AutoField(primary_key=True)),
                    ("email", models.EmailField(max_length=254)),
                    ("phone", models.CharField(max_length=20)),
                ]),
                migrations.AddField(model_name="customer", name="home_address", field=models.TextField()),
            ]
    '''))
    (tmp_path / "shop" / "alembic" / "versions").mkdir(parents=True)
    (tmp_path / "shop" / "alembic" / "versions" / "001_people.py").write_text(textwrap.dedent('''
        import sqlalchemy as sa
        from alembic import op

        def upgrade():
            op.create_table("customer", sa.Column("id", sa.Integer, primary_key=True),
                            sa.Column("email", sa.String(200)), sa.Column("phone", sa.String(30)))
            op.add_column("customer", sa.Column("home_address", sa.Text))
    '''))
    monkeypatch.chdir(tmp_path)
    rows = json_rows(run("--format", "json"))["rows"]
    assert sorted((r["model"], r["field"]) for r in rows) == [("Customer", "email"), ("Customer", "phone")]
    assert {Path(r["path"]).name for r in rows} == {"models.py"}, rows
    check = CliRunner().invoke(main, ["check", "shop", "--no-cache", "--format", "json", "--select", "GDPR1,GDPR2"])
    assert [(f["code"], Path(f["path"]).name) for f in json.loads(check.stdout)["findings"]] == [("GDPR101", "models.py")]
