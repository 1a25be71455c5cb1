"""Identifier classification: phrases, case styles, context, and the look-alikes it must reject."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdpr_lint.classify import Classifier
from gdpr_lint.policy import load_policy, split_words

C = Classifier(load_policy())


def cats(identifier, owner=None):
    return {m.category for m in C.classify(identifier, owner)}


@pytest.mark.parametrize("text,words", [
    ("firstName", ("first", "name")), ("date_of_birth", ("date", "of", "birth")),
    ("IPAddress", ("ip", "address")), ("address_line2", ("address", "line", "2")), ("HTTPServer", ("http", "server")),
])
def test_split_words(text, words):
    assert split_words(text) == words


@pytest.mark.parametrize("identifier,category", [
    ("email", "user.contact.email"), ("requester_email", "user.contact.email"), ("emails", "user.contact.email"),
    ("first_name", "user.name.first"), ("firstName", "user.name.first"), ("LastName", "user.name.last"),
    ("date_of_birth", "user.demographic.date_of_birth"), ("dob", "user.demographic.date_of_birth"),
    ("ip_address", "user.device.ip_address"), ("iban", "user.financial.bank_account"),
    ("card_number", "user.financial.credit_card"), ("passport_number", "user.government_id.passport_number"),
    ("tax_id", "user.government_id.national_identification_number"), ("mobile", "user.contact.phone_number"),
    ("medical_record_number", "user.health_and_medical.record_id"), ("face_embedding", "user.biometric"),
    ("sexual_orientation", "user.demographic.sexual_orientation"), ("religion", "user.demographic.religious_belief"),
    ("guest_name", "user.name"), ("home_address", "user.contact.address"), ("pickup_lat", "user.location.precise"),
    ("saml_name_id", "user.account.username"), ("nameid", "user.account.username"),
])
def test_personal_identifiers(identifier, category):
    assert category in cats(identifier)


@pytest.mark.parametrize("identifier", [
    "email_template_id", "is_email_verified", "phone_count", "email_backend", "ip_version", "name_field",
    "DEFAULT_FROM_EMAIL", "PHONE_COUNTRY_CODE", "email_reminders", "sms_reminders", "send_sms_reminder",
    "patient_id", "stripe_payment_method_id", "card_last4", "library_card_no", "wifi_password", "event_name",
    "company_name", "clinic_name", "phone_country_code", "email_batch_size", "ip_allowlist_enabled",
    "passport_country", "hubspot_portal_id", "name", "address", "location", "zipfile",
    "saml_session_index", "category_name_id",
])
def test_look_alikes_are_not_personal(identifier):
    assert cats(identifier) == set()


@pytest.mark.parametrize("identifier,owner,personal", [
    ("name", "Customer", True), ("name", "Patient", True), ("name", "Employee", True), ("name", "Contact", True),
    ("name", "Product", False), ("name", "Site", False), ("name", "Organization", False), ("name", "Classroom", False),
    ("name", "CustomerSegment", False), ("ip_address", "Server", False), ("ip_address", "Upstream", False),
    ("ip_address", "Prefix", False), ("ip_address", "LoginAttempt", True), ("ip_address", "Order", True),
    ("street", "AddressSchema", True), ("street", "Venue", False), ("email", "Site", False),
    ("owner_email", "Property", True),
])
def test_context_decides(identifier, owner, personal):
    assert bool(cats(identifier, owner)) is personal


def test_reason_names_the_word():
    (match,) = C.classify("requester_email")
    assert "email" in match.reason and "requester_email" in match.reason


def test_types_signal_categories():
    assert {m.category for m in C.classify_type(["django.db.models.EmailField"])} == {"user.contact.email"}
    assert {m.category for m in C.classify_type(["pydantic.EmailStr"])} == {"user.contact.email"}
    assert {m.category for m in C.classify_type(["django.db.models.GenericIPAddressField"])} == {
        "user.device.ip_address"}
    assert C.classify_type(["django.db.models.CharField"]) == ()


def _find_reference(words, phrase):
    """Every start of ``phrase`` in ``words``, a plural "s"/"es" allowed on its last word (the plain scan)."""
    n, m = len(words), len(phrase)
    return [i for i in range(n - m + 1) if all(
        words[i + j] == phrase[j] or (j == m - 1 and words[i + j] in (phrase[j] + "s", phrase[j] + "es"))
        for j in range(m))]


_VOCAB = ["user", "users", "name", "names", "first", "email", "emails", "address", "addresses", "home", "s", "es"]


@given(st.lists(st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=3).map(tuple), max_size=8),
       st.lists(st.sampled_from(_VOCAB), max_size=7).map(tuple))
def test_phrase_set_finds_what_a_plain_scan_finds(phrases, words):
    from gdpr_lint.classify import PhraseSet

    index = PhraseSet(phrases)
    expected = sorted((order, i) for order, p in enumerate(phrases) for i in _find_reference(words, p))
    assert index.occurrences(words) == expected
    assert index.contains(words) == bool(expected)


def test_connection_and_program_owners_are_things(default_policy):
    from gdpr_lint.classify import Classifier

    c = Classifier(default_policy)
    assert c.classify("display_name", "connection") == ()  # Django's DatabaseWrapper.display_name
    assert c.classify("executable_name", "client") == ()  # the name of a program
    assert c.classify("file_name", "user") == ()
    assert c.classify("display_name", "user") and c.classify("name", "client")  # still a person's


def test_about_data(default_policy):
    from gdpr_lint.classify import Classifier

    c = Classifier(default_policy)
    assert c.about_data("username_validator") and c.about_data("email_template_id")
    assert not c.about_data("username") and not c.about_data("billing_email") and not c.about_data("template_id")


def test_names_of_parts_of_code_are_not_persons_names(default_policy):
    from gdpr_lint.classify import Classifier

    c = Classifier(default_policy)
    # Django: ManyRelatedManager.pk_field_names, the template tag's relative_name, Options.model_name
    assert c.classify("pk_field_names", "ManyRelatedManager") == ()
    assert c.classify("relative_name") == () and c.classify("model_name", "Customer") == ()
    assert c.classify("table_name", "user") == () and c.classify("name", "Field") == ()
    # ... while a class of fields about a person keeps its context, and persons' names stay
    assert c.classify("address_1", "ContactFieldsMixin") and c.classify("city", "CustomerFields")
    assert c.classify("sender_name") and c.classify("guardian_name") and c.classify("full_name", "field")
    assert c.classify("parent_name") == ()  # a tree node's parent, in code; a pupil's parent is a guardian


def test_a_child_or_a_kid_is_a_node_or_a_key_in_code_unless_a_person_is_around(default_policy):
    """`child.name` of a tree, `child_name` of a calendar item and a token's `kid` name no person (as
    `parent_name` does not); a child's date of birth, a guardian's consent, a child's name on a
    record about a person, and a name with a person beside it still are personal data."""
    from gdpr_lint.classify import Classifier

    c = Classifier(default_policy)
    assert c.classify("name", "child") == () and c.classify("name", "kid") == ()
    assert c.classify("child_name") == () and c.classify("kid_name") == ()
    assert c.context_of("child") != "person" and c.context_of("kid") != "person"
    assert [m.category for m in c.classify("child_dob")] == ["user.childrens"]
    assert [m.category for m in c.classify("guardian_consent")] == ["user.childrens"]
    assert [m.category for m in c.classify("child_name", "Customer")] == ["user.childrens"]
    assert c.classify("name", "guardian") and c.classify("name", "customer")
    # ... while a class named so is a record about a person (vocabulary.yaml `class_subjects`), but
    # not one it only qualifies (a sub-task), nor a constant
    assert c.context_of("Child") == "person" and c.context_of("Parent") == "person"
    assert c.context_of("KidModel") == "person"  # (`Model` says what kind of class it is)
    assert c.context_of("ChildTask") != "person" and c.context_of("CHILD") != "person"
    assert c.context_of("MenuParent") != "person" and c.context_of("NodeChild") != "person"
    assert [m.category for m in c.classify("name", "Child")] == ["user.name"]
