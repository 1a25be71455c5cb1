"""Erasure and access coverage (GDPR501-505): the routines that erase, anonymise and export a
person's data, followed through the project, against every personal-data field of its stores."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdpr_lint.cli import main

MODELS = '''\
from django.db import models


class Customer(models.Model):
    email = models.EmailField()  # gdpr: retention=P2Y basis=contract
    phone = models.CharField(max_length=20)  # gdpr: retention=P2Y basis=contract


class Order(models.Model):
    customer = models.ForeignKey(Customer, related_name="orders", on_delete=models.CASCADE)
    shipping_address = models.TextField()  # gdpr: retention=P2Y basis=contract


class OrderNote(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    note_author_name = models.CharField(max_length=80)  # gdpr: retention=P2Y basis=contract


class Invoice(models.Model):
    customer = models.ForeignKey(Customer, null=True, on_delete=models.SET_NULL)
    billing_name = models.CharField(max_length=100)  # gdpr: retention=P10Y basis=legal-obligation


class Review(models.Model):
    author = models.ForeignKey(Customer, null=True, on_delete=models.SET_NULL)
    author_name = models.CharField(max_length=100)  # gdpr: retention=P2Y basis=consent
'''


def project(tmp_path: Path, files: dict[str, str], config: str | None = None) -> Path:
    """A project of dedented files; without ``config``, one that declares the routines
    ``shop/privacy.py`` defines (``erase_customer``, ``export_customer_data``)."""
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    (tmp_path / "shop" / "__init__.py").touch()
    if config is None:
        privacy = textwrap.dedent(files.get("shop/privacy.py", ""))
        config = "".join(f"{key}: [shop.privacy.{name}]\n" for key, name in
                         (("erasure", "erase_customer"), ("access", "export_customer_data"))
                         if f"def {name}(" in privacy)
    if config:
        (tmp_path / ".gdpr-lint.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
    return tmp_path


def rights(root: Path, monkeypatch, *extra: str) -> list[tuple[str, str]]:
    """``[(code, 'Model.field' or what the finding is about), ...]`` of the GDPR5xx findings."""
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail",
                                       *extra, "shop"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    return sorted((f["code"], f["symbol"]) for f in doc["findings"] if f["code"].startswith("GDPR5"))


def test_deletes_cascades_and_anonymising_updates_reach_fields(tmp_path, monkeypatch):
    root = project(tmp_path, {"shop/models.py": MODELS, "shop/privacy.py": '''\
        from shop.models import Customer, Review


        def erase_customer(customer: Customer):
            Review.objects.filter(author=customer).update(author_name="deleted user")
            customer.delete()
        '''})
    # Order and OrderNote go by cascade; Review is anonymised; Invoice is SET_NULL: its copy stays
    assert [f for f in rights(root, monkeypatch) if f[0] == "GDPR501"] == [("GDPR501", "Invoice.billing_name")]


def test_a_store_module_too_big_to_parse_whole_gives_the_same_reach(tmp_path, monkeypatch):
    """A module of more than 20,000 lines is read for its stores in part (its other statements and
    the store classes, not the 5,000 functions between them): the same cascades and updates."""
    from gdpr_lint.engine.rights import Code

    filler = "".join(f"\n\ndef helper_{i}(value):\n    return value + {i}\n" for i in range(5_000))
    models = MODELS.replace("\n\nclass Order(", f"{filler}\n\nclass Order(")
    root = project(tmp_path, {"shop/models.py": models, "shop/privacy.py": '''\
        from shop.models import Customer, Review


        def erase_customer(customer: Customer):
            Review.objects.filter(author=customer).update(author_name="deleted user")
            customer.delete()
        '''})
    assert [f for f in rights(root, monkeypatch) if f[0] == "GDPR501"] == [("GDPR501", "Invoice.billing_name")]
    code = Code({"shop.models": str(root / "shop" / "models.py")}, None)
    classes, names = code.classes("shop.models", {"Order"})
    assert [(c.name, c.lineno) for c in classes] == [("Order", models[:models.index("class Order(")].count("\n") + 1)]
    assert names.resolve_text("Customer") == "shop.models.Customer"  # a class of the module not parsed
    assert code.parsed() == ["shop.models"] and not code._trees  # read for the check, not kept whole


def test_exempt_fields_need_a_reason_and_are_then_not_reported(tmp_path, monkeypatch):
    models = MODELS.replace(
        "billing_name = models.CharField(max_length=100)  # gdpr: retention=P10Y basis=legal-obligation",
        'billing_name = models.CharField(max_length=100)  # gdpr: retention=P10Y basis=legal-obligation '
        'erasure=exempt reason="tax law"')
    privacy = "def erase_customer(customer):\n    customer.delete()\n"
    root = project(tmp_path, {"shop/models.py": models, "shop/privacy.py": privacy})
    found = rights(root, monkeypatch)
    assert ("GDPR501", "Invoice.billing_name") not in found and ("GDPR501", "Review.author_name") in found
    (root / "shop" / "models.py").write_text(models.replace(' reason="tax law"', ""), encoding="utf-8")
    monkeypatch.chdir(root)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "shop"]).stdout)
    assert any(f["code"] == "GDPR102" and "needs a `reason=" in f["message"] for f in out["findings"])


def test_export_reads_fields_whole_records_values_and_serializers(tmp_path, monkeypatch):
    root = project(tmp_path, {"shop/models.py": MODELS, "shop/serializers.py": '''\
        from rest_framework import serializers

        from shop.models import Order


        class OrderSerializer(serializers.ModelSerializer):
            class Meta:
                model = Order
                fields = "__all__"
        ''', "shop/privacy.py": '''\
        from django.forms.models import model_to_dict

        from shop.models import Invoice, OrderNote, Review
        from shop.serializers import OrderSerializer


        def export_customer_data(customer):
            return {
                "email": customer.email,
                "orders": OrderSerializer(customer.orders.all(), many=True).data,
                "invoices": [model_to_dict(i) for i in Invoice.objects.filter(customer=customer)],
                "reviews": list(Review.objects.filter(author=customer).values("author_name")),
            }
        '''})
    access = [f for f in rights(root, monkeypatch) if f[0] == "GDPR502"]
    assert access == [("GDPR502", "Customer.phone"), ("GDPR502", "OrderNote.note_author_name")]


def test_helpers_methods_and_loops_are_followed(tmp_path, monkeypatch):
    models = "import hashlib\n\n" + MODELS.replace(
        "    billing_name = models.CharField(max_length=100)  # gdpr: retention=P10Y basis=legal-obligation\n",
        "    billing_name = models.CharField(max_length=100)  # gdpr: retention=P10Y basis=legal-obligation\n\n"
        "    def anonymise(self):\n"
        "        self.billing_name = hashlib.sha256(self.billing_name.encode()).hexdigest()\n"
        "        self.save()\n")
    root = project(tmp_path, {"shop/models.py": models, "shop/cleanup.py": '''\
        from shop.models import Review


        def scrub_reviews(customer):
            for review in Review.objects.filter(author=customer):
                review.author_name = None
                review.save()
        ''', "shop/privacy.py": '''\
        from shop.cleanup import scrub_reviews


        def erase_customer(customer):
            scrub_reviews(customer)
            for invoice in customer.invoice_set.all():
                invoice.anonymise()
            customer.delete()
        '''})
    assert [f for f in rights(root, monkeypatch) if f[0] == "GDPR501"] == []


def test_copying_another_personal_value_is_not_anonymising(tmp_path, monkeypatch):
    root = project(tmp_path, {"shop/models.py": MODELS, "shop/privacy.py": '''\
        from shop.models import Review


        def erase_customer(customer):
            for review in Review.objects.filter(author=customer):
                review.author_name = customer.phone
                review.save()
            customer.delete()
        '''})
    assert ("GDPR501", "Review.author_name") in rights(root, monkeypatch)


def test_routines_named_in_the_config_and_a_wrong_name(tmp_path, monkeypatch):
    root = project(tmp_path, {"shop/models.py": MODELS, "shop/accounts.py": '''\
        class AccountService:
            def close(self, customer):
                customer.delete()
        '''}, config="erasure: [shop.accounts.AccountService.close]\naccess: [shop.accounts.nothing_here]\n")
    found = rights(root, monkeypatch)
    assert ("GDPR501", "Invoice.billing_name") in found and ("GDPR501", "Order.shipping_address") not in found
    assert ("GDPR505", "access.shop.accounts.nothing_here") in found


def test_routines_found_by_their_names_are_proposed_not_checked_field_by_field(tmp_path, monkeypatch):
    """Without `erasure:`, a function named `erase_customer` is a candidate: its coverage is in the
    inventory and one finding names it, but no field is reported against it (such a function may
    do part of the work only)."""
    privacy = "def erase_customer(customer):\n    customer.delete()\n"
    root = project(tmp_path, {"shop/models.py": MODELS, "shop/privacy.py": privacy}, config="")
    monkeypatch.chdir(root)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "shop"]).stdout)
    rights_found = [f for f in out["findings"] if f["family"] == "rights"]
    assert [f["code"] for f in rights_found] == ["GDPR503", "GDPR504"]
    assert "its name, shop.privacy.erase_customer looks like one and reaches 4 of them" in rights_found[0]["message"]
    rows = json.loads(CliRunner().invoke(main, ["inventory", "--no-cache", "--format", "json", "shop"]).stdout)["rows"]
    assert {(r["model"], r["field"]) for r in rows if r["erased_by"]} == {
        ("Customer", "email"), ("Customer", "phone"), ("Order", "shipping_address"), ("OrderNote", "note_author_name")}


def test_without_a_routine_one_finding_says_so(tmp_path, monkeypatch):
    # a function named like a routine that touches no store is not one (erase_cache)
    root = project(tmp_path, {"shop/models.py": MODELS, "shop/cache.py": '''\
        from django.core.cache import cache


        def erase_cache():
            cache.delete("everything")
        '''})
    assert rights(root, monkeypatch) == [("GDPR503", "<project>"), ("GDPR504", "<project>")]


def test_a_suppression_on_the_field_line(tmp_path, monkeypatch):
    models = MODELS.replace(
        "billing_name = models.CharField(max_length=100)  # gdpr: retention=P10Y basis=legal-obligation",
        "# gdpr: retention=P10Y basis=legal-obligation\n"
        '    billing_name = models.CharField(max_length=100)  # gdpr-lint: ignore[GDPR501] reason="kept by law"')
    root = project(tmp_path, {"shop/models.py": models, "shop/privacy.py": "def erase_customer(c):\n    c.delete()\n"})
    assert ("GDPR501", "Invoice.billing_name") not in rights(root, monkeypatch)


SQLA_MODELS = '''\
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Customer(Base):
    __tablename__ = "customers"
    id = Column(Integer, primary_key=True)
    email = Column(String(200))  # gdpr: retention=P2Y basis=contract
    addresses = relationship("Address", cascade="all, delete-orphan")


class Address(Base):
    __tablename__ = "addresses"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"))
    street = Column(String(200))  # gdpr: retention=P2Y basis=contract


class Payment(Base):
    __tablename__ = "payments"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"))
    cardholder_name = Column(String(200))  # gdpr: retention=P2Y basis=contract


class Ticket(Base):
    __tablename__ = "tickets"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"))
    requester_email = Column(String(200))  # gdpr: retention=P2Y basis=contract


class Visit(Base):
    __tablename__ = "visits"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"))
    ip_address = Column(String(45))  # gdpr: retention=P30D basis=legitimate-interests
'''


def test_sqlalchemy_sessions_statements_and_cascades(tmp_path, monkeypatch):
    root = project(tmp_path, {"shop/models.py": SQLA_MODELS, "shop/privacy.py": '''\
        from sqlalchemy import delete, update

        from shop.models import Customer, Ticket, Visit


        def erase_customer(session, customer_id):
            customer = session.get(Customer, customer_id)
            session.execute(update(Ticket).where(Ticket.customer_id == customer_id).values(requester_email=None))
            session.delete(customer)
            session.commit()


        def export_customer_data(session, customer_id):
            customer = session.get(Customer, customer_id)
            visits = session.query(Visit).filter(Visit.customer_id == customer_id).all()
            return {"email": customer.email, "visits": [v.ip_address for v in visits]}
        '''})
    found = rights(root, monkeypatch)
    # Address by relationship cascade, Payment by ondelete=CASCADE, Ticket by the update; Visit stays
    assert [f for f in found if f[0] == "GDPR501"] == [("GDPR501", "Visit.ip_address")]
    assert [f for f in found if f[0] == "GDPR502"] == [("GDPR502", "Address.street"), ("GDPR502", "Payment.cardholder_name"),
                                                       ("GDPR502", "Ticket.requester_email")]


def test_the_inventory_says_what_reaches_each_field(tmp_path, monkeypatch):
    root = project(tmp_path, {"shop/models.py": MODELS, "shop/privacy.py": '''\
        def erase_customer(customer):
            customer.delete()


        def export_customer_data(customer):
            return {"phone": customer.phone}
        '''})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["inventory", "--no-cache", "--format", "json", "shop"])
    rows = {(r["model"], r["field"]): r for r in json.loads(result.stdout)["rows"]}
    assert rows[("Order", "shipping_address")]["erased_by"] == "deleted by erase_customer"
    assert rows[("Invoice", "billing_name")]["erased_by"] == ""
    assert rows[("Customer", "phone")]["exported_by"] == "exported by export_customer_data"
    assert rows[("Customer", "email")]["exported_by"] == ""


@pytest.mark.parametrize("value", ["shop", "shop.", "1shop.erase", "shop erase.x"])
def test_a_routine_name_that_is_not_dotted_is_a_config_error(tmp_path, monkeypatch, value):
    root = project(tmp_path, {"shop/models.py": MODELS}, config=f"erasure: [{value!r}]\n")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "--no-cache", "shop"])
    assert result.exit_code == 2 and "erasure[0]" in result.stderr and "Traceback" not in result.output


def test_django_signals_and_delete_receivers_are_followed(tmp_path, monkeypatch):
    """The erasure sends a project signal (imported inside the method) whose receivers, in other
    modules, anonymise rows; deleting the customer runs the `pre_delete` receivers connected for
    the Customer model; models are imported through the package that re-exports them."""
    models = MODELS.replace("class Customer(models.Model):\n", "class Customer(models.Model):\n"
                            "    def forget(self):\n"
                            "        from ..signals import customer_forgotten\n\n"
                            "        customer_forgotten.send(sender=self)\n"
                            "        self.delete()\n\n")
    root = project(tmp_path, {
        "shop/models/__init__.py": "from .core import Customer, Invoice, Order, OrderNote, Review\n",
        "shop/models/core.py": models,
        "shop/signals.py": "from django.dispatch import Signal\n\ncustomer_forgotten = Signal()\n",
        "shop/receivers.py": '''\
            from django.db.models.signals import pre_delete
            from django.dispatch import receiver

            from shop.models import Customer, Invoice, Review
            from shop.signals import customer_forgotten


            def in_chunks(queryset):
                yield from queryset.iterator()


            @receiver(customer_forgotten)
            def forget_reviews(sender, **kwargs):
                for review in in_chunks(Review.objects.filter(author=sender)):
                    review.author_name = ""
                    review.save()


            @receiver(pre_delete, sender=Customer)
            def forget_invoices(sender, instance, **kwargs):
                Invoice.objects.filter(customer=instance).update(billing_name="")


            @receiver(pre_delete, sender=Invoice)
            def not_for_customers(sender, instance, **kwargs):
                Review.objects.all().delete()
            '''}, config="erasure: [shop.models.core.Customer.forget]\n")
    (root / "shop" / "models.py").unlink(missing_ok=True)
    assert [f for f in rights(root, monkeypatch) if f[0] == "GDPR501"] == []
    # without the receivers module, the reviews and invoices are left
    (root / "shop" / "receivers.py").unlink()
    assert [f for f in rights(root, monkeypatch) if f[0] == "GDPR501"] == [
        ("GDPR501", "Invoice.billing_name"), ("GDPR501", "Review.author_name")]


def test_a_session_parameter_is_not_a_record_and_an_exemption_needs_its_reason(tmp_path, monkeypatch):
    """`session.delete(user)` deletes the user, not a store whose name ends in Session; and
    `erasure=exempt` without a reason exempts nothing."""
    models = SQLA_MODELS + '''

class LoginSession(Base):
    __tablename__ = "login_sessions"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id", ondelete="SET NULL"))
    ip_address = Column(String(45))  # gdpr: retention=P30D basis=legitimate-interests erasure=exempt
'''
    root = project(tmp_path, {"shop/models.py": models, "shop/privacy.py": '''\
        from shop.models import Customer


        def erase_customer(session, customer_id):
            session.delete(session.get(Customer, customer_id))
        '''})
    found = [f for f in rights(root, monkeypatch) if f[0] == "GDPR501"]
    assert ("GDPR501", "LoginSession.ip_address") in found


def test_a_file_that_could_not_be_analysed_is_never_baselined(tmp_path, monkeypatch):
    from click.testing import CliRunner

    (tmp_path / "legacy.py").write_text("print 'hello'\n")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["baseline", "--no-cache", "."]).exit_code == 0
    result = CliRunner().invoke(main, ["check", "--no-cache", "--baseline", ".gdpr-lint-baseline.json", "."])
    assert result.exit_code == 1 and "GDPR901" in result.stdout


def test_an_object_that_holds_the_record_is_followed(tmp_path, monkeypatch):
    """An export class given the customer in its constructor reads it in a method; an erasure
    service holding it deletes it."""
    root = project(tmp_path, {"shop/models.py": MODELS, "shop/privacy.py": '''\
        from django.forms.models import model_to_dict


        class Exporter:
            def __init__(self, customer):
                self.customer = customer

            def run(self):
                return {"customer": model_to_dict(self.customer),
                        "orders": [o.shipping_address for o in self.customer.orders.all()]}


        class Eraser:
            def __init__(self, customer):
                self.target = customer

            def erase(self):
                self.target.delete()


        def export_customer_data(customer):
            return Exporter(customer).run()


        def erase_customer(customer):
            eraser = Eraser(customer)
            eraser.erase()
        '''})
    found = rights(root, monkeypatch)
    assert ("GDPR502", "Customer.email") not in found and ("GDPR502", "Order.shipping_address") not in found
    assert ("GDPR501", "Order.shipping_address") not in found and ("GDPR501", "Invoice.billing_name") in found


def test_an_unreached_field_is_reported_at_the_field(tmp_path, monkeypatch):
    root = project(tmp_path, {"shop/models.py": MODELS, "shop/privacy.py": "def erase_customer(c):\n    c.delete()\n"})
    monkeypatch.chdir(root)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "shop"]).stdout)
    (f,) = [f for f in out["findings"] if f["code"] == "GDPR501" and f["symbol"] == "Invoice.billing_name"]
    line = MODELS.splitlines()[f["line"] - 1]
    assert (f["column"], f["end_column"]) == (line.index("billing_name") + 1, line.index("billing_name") + 13)


def test_setattr_over_a_literal_list_of_field_names_anonymises_them(tmp_path, monkeypatch):
    root = project(tmp_path, {"shop/models.py": MODELS, "shop/privacy.py": '''\
        from shop.models import Invoice, Review


        def erase_customer(customer):
            for invoice in Invoice.objects.filter(customer=customer):
                for name in ("billing_name",):
                    setattr(invoice, name, None)
                invoice.save()
            for review in Review.objects.filter(author=customer):
                for name in get_fields():
                    setattr(review, name, None)
            customer.delete()
        '''})
    found = [f for f in rights(root, monkeypatch) if f[0] == "GDPR501"]
    # a list the code computes is not read: the review's author name stays unreached
    assert found == [("GDPR501", "Review.author_name")]


def test_the_cached_result_follows_every_file(tmp_path, monkeypatch):
    """The rights check is cached (a warm scan does not redo it), and a change to any file (here
    the routine) is seen at once."""
    root = project(tmp_path, {"shop/models.py": MODELS,
                              "shop/privacy.py": "def erase_customer(customer):\n    customer.delete()\n"})
    monkeypatch.chdir(root)

    def cached_run() -> set:
        result = CliRunner().invoke(main, ["check", "--cache-dir", str(tmp_path / "cache"), "--format", "json",
                                           "--no-fail", "shop"])
        return {f["symbol"] for f in json.loads(result.stdout)["findings"] if f["code"] == "GDPR501"}

    assert cached_run() == cached_run() == {"Invoice.billing_name", "Review.author_name"}
    assert list((tmp_path / "cache" / "rights").glob("*/*"))
    (root / "shop" / "privacy.py").write_text(
        "from shop.models import Invoice\n\n\ndef erase_customer(customer):\n"
        "    Invoice.objects.filter(customer=customer).delete()\n    customer.delete()\n")
    assert cached_run() == {"Review.author_name"}


def test_an_edit_the_check_does_not_read_keeps_its_cached_result(tmp_path, monkeypatch):
    """The cached check holds while what it read holds: an edit to a file it neither parsed nor
    found a routine or a signal receiver in does not run it again; a new routine named by the
    convention, or a new receiver, in such a file does."""
    from gdpr_lint.engine import rights as rights_module

    root = project(tmp_path, {"shop/models.py": MODELS, "shop/views.py": "def home(request):\n    return 1\n"},
                   config="")
    monkeypatch.chdir(root)
    runs = []
    check = rights_module.check

    def counted(*args, **kwargs):
        runs.append(1)
        return check(*args, **kwargs)

    monkeypatch.setattr(rights_module, "check", counted)

    def cached_run() -> list:
        result = CliRunner().invoke(main, ["check", "--cache-dir", str(tmp_path / "cache"), "--format", "json",
                                           "--no-fail", "--jobs", "1", "shop"])
        return sorted((f["code"], f["message"]) for f in json.loads(result.stdout)["findings"]
                      if f["code"].startswith("GDPR5"))

    first = cached_run()
    assert [code for code, _ in first] == ["GDPR503", "GDPR504"] and len(runs) == 1
    views = root / "shop" / "views.py"
    views.write_text("def home(request):\n    return 2  # an edit the check never reads\n")
    assert cached_run() == first and len(runs) == 1
    views.write_text("def home(request):\n    return 2\n\n\ndef erase_customer(customer):\n    customer.delete()\n")
    after = cached_run()
    assert len(runs) == 2 and after != first and "erase_customer" in after[0][1]
    views.write_text(views.read_text() + "\n\n@receiver(post_delete, sender=Order)\ndef gone(sender, **kw):\n"
                     "    pass\n")
    cached_run()
    assert len(runs) == 3


def test_the_convention_search_finds_a_def_at_a_line_start_only():
    """The search of every module's bytes for a routine by its name (``erase_*``) answers as the
    multi-line expression it replaces: a ``def`` after indentation or ``async``, not after code."""
    import re

    from gdpr_lint.engine.rights import _convention_search, _pattern_regex

    patterns = ("erase_*", "anonymi[sz]e_*", "gdpr_delete*")
    names = "|".join(_pattern_regex(p) for p in patterns).encode()
    reference = re.compile(rb"^[ \t]*(?:async[ \t]+)?def[ \t]+(?:" + names + rb")\b", re.MULTILINE)
    search = _convention_search(patterns)
    for data in (b"def erase_x(): pass", b"  async  def erase_user(a):", b"x = 1; def erase_x", b"# def erase_x\n",
                 b"class A:\n    def anonymise_me(self):", b"sdef erase_x", b"def erased", b"def erase_",
                 b"async def gdpr_deleteAll(", b"\r\n  def erase_a(", b"asyncdef erase_b", b"x def erase_c\ndef erase_d",
                 b""):
        expected = reference.search(data)
        found = search.search(data)
        assert (found and found.end()) == (expected and expected.end()), data  # (the match starts at `def`)


def test_the_project_wide_finding_points_at_the_first_unchecked_field_by_its_name(tmp_path, monkeypatch):
    """GDPR503/504 stand at the first personal-data field left unchecked: its line, its column
    and its name's width (not a width from the rule's key, which the fingerprint keeps)."""
    root = project(tmp_path, {"shop/models.py": MODELS}, config="")
    monkeypatch.chdir(root)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "shop"]).stdout)
    spots = {f["code"]: (f["line"], f["column"], f["end_column"]) for f in out["findings"] if f["family"] == "rights"}
    assert spots == {"GDPR503": (5, 5, 10), "GDPR504": (5, 5, 10)}  # `email` of Customer, line 5 of the file
