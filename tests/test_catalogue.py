"""The processor catalogue (rules/processors.yaml): its shape, that every host, SDK root and package
belongs to one entry and reaches it through the engine, that it covers what issue 14 lists, and the
`gdpr-lint rules --processors` listing."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import libcst as cst
import pytest
import yaml
from click.testing import CliRunner

from gdpr_lint.classify import Classifier
from gdpr_lint.cli import main
from gdpr_lint.engine.analyzer import analyze_source
from gdpr_lint.engine.flow import Flow
from gdpr_lint.engine.names import ImportResolver
from gdpr_lint.engine.sinks import Sinks
from gdpr_lint.errors import ConfigError
from gdpr_lint.facts.project import ProjectFacts
from gdpr_lint.policy import load_policy, rules_dir

CATALOGUE = yaml.safe_load((rules_dir() / "processors.yaml").read_text(encoding="utf-8"))
ENTRIES = CATALOGUE["processors"]
REQUIRED = {"name": str, "vendor": str, "country": str, "eea": bool, "kind": str, "service": str,
            "sdk": list, "hosts": list, "packages": list}
OPTIONAL = {"infrastructure": bool, "logging_sink": bool}

# What issue 14 asks the catalogue to cover, by kind: entry names (role processor unless said).
COVERAGE = {
    "object-storage": ["aws-s3", "google-cloud-storage", "azure-blob-storage"],
    "identity": ["auth0", "okta", "microsoft-entra-id", "microsoft-graph", "firebase-auth", "google-sign-in"],
    "messaging": ["twilio", "vonage", "sipgate", "messagebird", "plivo"],
    "push": ["fcm", "apns", "onesignal"],
    "e-mail": ["sendgrid", "mailgun", "postmark", "aws-ses", "mailchimp", "brevo", "sparkpost"],
    "crm": ["hubspot", "salesforce", "pipedrive"],
    "support": ["zendesk", "intercom", "freshdesk"],
    "analytics": ["segment", "mixpanel", "amplitude", "posthog", "heap", "google-analytics"],
    "payments": ["stripe", "braintree", "adyen", "paypal", "mollie", "square", "klarna"],
    "ai": ["openai", "anthropic", "cohere", "mistral", "google-gemini", "google-vertex-ai", "aws-bedrock", "azure-openai",
           "huggingface"],
    "search": ["algolia", "elastic-cloud", "typesense-cloud"],
    "anti-spam": ["akismet", "stopforumspam", "google-recaptcha", "hcaptcha", "cloudflare-turnstile"],
    "avatars": ["gravatar"],
    "social-login": ["meta", "github", "x-twitter", "linkedin", "apple-sign-in"],
}
TELEMETRY = ["sentry", "datadog", "newrelic", "rollbar", "bugsnag", "honeycomb", "elastic-apm"]


def _by_name() -> dict[str, dict]:
    return {e["name"]: e for e in ENTRIES}


def _codes(source: str, module_name: str = "app.views", policy=None) -> list[tuple[int, str, str]]:
    findings, _, _ = analyze_source("app/views.py", textwrap.dedent(source).lstrip("\n"), policy or load_policy(),
                                    module_name=module_name)
    return [(f.line, f.code, f.processor) for f in findings]


# ---- shape --------------------------------------------------------------------------------------------------------

def test_every_entry_has_the_required_keys_with_the_right_types():
    assert len(ENTRIES) >= 200
    kinds = CATALOGUE["kinds"]
    regions = set(CATALOGUE["eea_regions"])
    assert "NO" in regions and all(isinstance(r, str) for r in regions)  # Norway, not YAML's false
    for entry in ENTRIES:
        where = entry.get("name", entry)
        assert set(entry) <= set(REQUIRED) | set(OPTIONAL), where
        for key, kind in REQUIRED.items():
            assert isinstance(entry.get(key), kind), (where, key)
        for key, kind in OPTIONAL.items():
            assert isinstance(entry.get(key, False), kind), (where, key)
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", entry["name"]), where
        assert entry["vendor"].strip() and entry["service"].strip(), where
        assert re.fullmatch(r"[A-Z]{2}", entry["country"]), where
        assert entry["eea"] == (entry["country"] in regions), (where, entry["country"], entry["eea"])
        assert entry["kind"] in kinds, where
        assert not (entry.get("infrastructure") and entry.get("logging_sink")), where
        for item in entry["sdk"]:
            assert re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", item), (where, item)
        for item in entry["hosts"]:
            assert re.fullmatch(r"[a-z0-9*]([a-z0-9*.-]*[a-z0-9])?", item), (where, item)
        for item in entry["packages"]:
            assert re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", item), (where, item)
    assert len({e["name"] for e in ENTRIES}) == len(ENTRIES)


@pytest.mark.parametrize("key", ["hosts", "sdk", "packages"])
def test_no_two_entries_claim_one_host_sdk_root_or_package(key):
    owner: dict[str, str] = {}
    for entry in ENTRIES:
        for item in entry[key]:
            claim = re.sub(r"[-_.]+", "-", item).lower() if key == "packages" else item
            assert owner.setdefault(claim, entry["name"]) == entry["name"], (key, item, owner[claim], entry["name"])


def _host_lookup():
    policy = load_policy()
    flow = Flow(policy, Classifier(policy), ImportResolver(cst.parse_module("")), ProjectFacts())
    return Sinks(policy, flow, lambda *a, **k: None)._processor_for_host


def test_every_host_reaches_its_own_entry_through_the_engine():
    """The engine takes the first entry whose pattern matches: a wildcard must never hide a more
    specific host of another entry (S3's bucket hosts come before AWS's *.amazonaws.com)."""
    lookup = _host_lookup()
    for entry in ENTRIES:
        for host in entry["hosts"]:
            example = host.replace("*", "x1")
            assert lookup(example) == entry["name"], (host, entry["name"], lookup(example))
    assert lookup("us6.api.mailchimp.com") == lookup("api.mailchimp.com") == "mailchimp"
    assert lookup("my-bucket.s3.eu-west-1.amazonaws.com") == "aws-s3"
    assert lookup("dynamodb.eu-west-1.amazonaws.com") == "aws"
    assert lookup("email.eu-west-1.amazonaws.com") == "aws-ses"
    assert lookup("bedrock-runtime.us-east-1.amazonaws.com") == "aws-bedrock"
    assert lookup("acme.openai.azure.com") == "azure-openai"
    assert lookup("europe-west4-aiplatform.googleapis.com") == "google-vertex-ai"
    assert lookup("abc123.apm.europe-west1.gcp.cloud.es.io") == "elastic-apm"
    assert lookup("abc123.europe-west1.gcp.cloud.es.io") == "elastic-cloud"
    assert lookup("www.example.org") is None


# ---- coverage -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(COVERAGE))
def test_the_issue_categories_are_covered(kind):
    by_name = _by_name()
    assert kind in CATALOGUE["kinds"]
    for name in COVERAGE[kind]:
        assert name in by_name, name
        entry = by_name[name]
        assert entry["kind"] == kind, (name, entry["kind"])
        assert not entry.get("logging_sink") and not entry.get("infrastructure"), name  # processors, not telemetry


def test_telemetry_vendors_are_the_logging_family():
    policy = load_policy()
    for name in TELEMETRY:
        assert policy.processors[name].role == "telemetry", name
    assert policy.processors["aws"].role == policy.processors["google-cloud"].role == "infrastructure"
    assert policy.processors["stripe"].role == "processor"


def test_anti_spam_avatar_and_mailchimp_facts_named_in_the_issue():
    by_name = _by_name()
    assert {"rest.akismet.com", "*.rest.akismet.com"} <= set(by_name["akismet"]["hosts"])
    assert "akismet" in by_name["akismet"]["packages"] and "akismet" in by_name["akismet"]["sdk"]
    assert "api.stopforumspam.org" in by_name["stopforumspam"]["hosts"]
    assert {"django-recaptcha"} <= set(by_name["google-recaptcha"]["packages"])
    assert "django_recaptcha" in by_name["google-recaptcha"]["sdk"]
    assert {"gravatar.com", "secure.gravatar.com", "en.gravatar.com"} <= set(by_name["gravatar"]["hosts"])
    assert {"*.api.mailchimp.com", "api.mailchimp.com"} <= set(by_name["mailchimp"]["hosts"])


# ---- the engine with the catalogue ------------------------------------------------------------------------------------

@pytest.mark.parametrize("module, vendor", [
    ("social_core.backends.facebook", "meta"),
    ("social_core.backends.github", "github"),
    ("social_core.backends.google", "google-sign-in"),
    ("social_core.backends.google_openidconnect", "google-sign-in"),
    ("social_core.backends.twitter", "x-twitter"),
    ("social_core.backends.linkedin", "linkedin"),
    ("social_core.backends.microsoft", "microsoft-entra-id"),
    ("social_core.backends.azuread", "microsoft-entra-id"),
    ("allauth.socialaccount.providers.facebook.views", "meta"),
    ("allauth.socialaccount.providers.google.views", "google-sign-in"),
    ("allauth.socialaccount.providers.github.views", "github"),
    ("allauth.socialaccount.providers.twitter_oauth2.views", "x-twitter"),
    ("allauth.socialaccount.providers.linkedin_oauth2.views", "linkedin"),
    ("allauth.socialaccount.providers.apple.views", "apple-sign-in"),
    ("allauth.socialaccount.providers.microsoft.views", "microsoft-entra-id"),
    ("django_recaptcha.fields", "google-recaptcha"),
    ("captcha.fields", "google-recaptcha"),  # django-recaptcha 3 (`from captcha.fields import ReCaptchaField`)
    ("akismet", "akismet"),
    ("msal", "microsoft-entra-id"),
    ("msgraph", "microsoft-graph"),
    ("firebase_admin.messaging", "fcm"),  # the longest root wins
    ("firebase_admin.auth", "firebase-auth"),
    ("firebase_admin.firestore", "firebase"),
    ("google.cloud.aiplatform", "google-vertex-ai"),
    ("vertexai.generative_models", "google-vertex-ai"),
])
def test_an_import_names_the_right_vendor(module, vendor):
    head, _, last = module.rpartition(".")
    name = "ReCaptchaField" if module == "captcha.fields" else "Client"
    source = f"from {module} import {name}\n" if module != "akismet" else "from akismet import Akismet\n"
    found = _codes(source)
    assert found == [(1, "GDPR401", vendor)], (module, found)


def test_frameworks_and_look_alikes_are_not_vendors():
    source = """
    from social_core.actions import do_auth
    from social_core.backends.oauth import BaseOAuth2
    from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter
    from captcha.fields import CaptchaField
    from onelogin.saml2.auth import OneLogin_Saml2_Auth
    from httpx_oauth.clients.google import GoogleOAuth2
    import geoip2.database
    from huggingface_hub import hf_hub_download
    """
    assert _codes(source) == []


def test_the_azure_client_in_the_openai_package_is_azure_openai():
    assert _codes("from openai import AzureOpenAI\n") == [(1, "GDPR401", "azure-openai")]
    assert _codes("from openai import OpenAI\n") == [(1, "GDPR401", "openai")]
    assert _codes("import boto3\nfrom google.cloud import storage\n") == []  # the cloud platform, not a processor


def test_an_unapproved_telemetry_vendor_is_reported_once_by_its_import():
    # Sentry and Datadog receive what the code sends them (IPs, user ids, event text): third parties the
    # organisation needs a DPA with; what is sent to them is judged by the logging rules (GDPR303)
    assert _codes("import sentry_sdk\nfrom datadog import statsd\n") == [(1, "GDPR401", "sentry"),
                                                                        (2, "GDPR401", "datadog")]


def test_an_sdk_own_source_does_not_use_that_vendor():
    source = "from allauth.socialaccount.providers.facebook.provider import FacebookProvider\n"
    assert _codes(source, module_name="allauth.socialaccount.providers.facebook.views") == []
    assert _codes(source, module_name="myproject.auth") == [(1, "GDPR401", "meta")]


def test_an_unapproved_sdk_is_reported_once_per_file():
    source = """
    from captcha.fields import ReCaptchaField
    from captcha.widgets import ReCaptchaV3
    from social_core.backends.github import GithubOAuth2
    """
    assert _codes(source) == [(1, "GDPR401", "google-recaptcha"), (3, "GDPR401", "github")]


def test_personal_data_to_a_catalogued_host_names_the_vendor():
    source = """
    import requests

    def check(request, customer):
        requests.post("https://www.google.com/recaptcha/api/siteverify", data={"remoteip": customer.ip_address})
        requests.get("https://api.stopforumspam.org/api?email=%s" % customer.email)
        requests.put(f"https://my-bucket.s3.eu-west-1.amazonaws.com/{customer.id}.json", data=customer.email)
        requests.post("https://rest.akismet.com/1.1/verify-key", data={"key": "k", "blog": "https://example.com"})
    """
    assert _codes(source) == [(4, "GDPR402", "google-recaptcha"), (5, "GDPR402", "stopforumspam"),
                              (6, "GDPR402", "aws-s3")]


def test_telemetry_calls_are_logging_findings_not_transfers():
    source = """
    import newrelic.agent
    from datadog import statsd
    from ddtrace import tracer
    import rollbar
    import bugsnag
    import beeline
    import elasticapm

    def checkout(customer):
        newrelic.agent.add_custom_attribute("email", customer.email)
        statsd.event("High value checkout", f"buyer {customer.email}")
        with tracer.trace("checkout") as span:
            span.set_tag("customer.email", customer.email)
            span.set_tag("items", customer.order_count)
        rollbar.report_message(f"checkout by {customer.email}")
        bugsnag.notify(Exception("declined"), user={"email": customer.email})
        beeline.add_context_field("email", customer.email)
        elasticapm.set_user_context(email=customer.email)
        newrelic.agent.add_custom_attribute("order_count", customer.order_count)
    """
    found = _codes(source)
    # each unapproved vendor once by its import (ddtrace is Datadog's as well), the data sent as GDPR303
    imports = [(1, "newrelic"), (2, "datadog"), (4, "rollbar"), (5, "bugsnag"), (6, "honeycomb"), (7, "elastic-apm")]
    assert [f for f in found if f[1] == "GDPR401"] == [(line, "GDPR401", vendor) for line, vendor in imports], found
    assert [f for f in found if f[1] != "GDPR401"] == [(line, "GDPR303", "") for line in (10, 11, 13, 15, 16, 17, 18)]


# ---- loading: a bad entry is a clear error naming the key ------------------------------------------------------------

def _pack(tmp_path: Path, edit) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(rules_dir(), pack)
    data = yaml.safe_load((pack / "processors.yaml").read_text(encoding="utf-8"))
    edit(data)
    (pack / "processors.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return pack


def _set(index: int, key: str, value):
    def edit(data):
        if value is _DELETE:
            del data["processors"][index][key]
        else:
            data["processors"][index][key] = value
    return edit


_DELETE = object()


@pytest.mark.parametrize("edit, key, words", [
    (_set(3, "country", "Germany"), "processors[3].country", "ISO 3166-1"),
    (_set(3, "country", "de"), "processors[3].country", "ISO 3166-1"),
    (_set(0, "eea", True), "processors[0].eea", "does not fit country US"),
    (_set(2, "eea", "yes"), "processors[2].eea", "true or false"),
    (_set(1, "vendor", _DELETE), "processors[1].vendor", "missing"),
    (_set(1, "purpose", "marketing"), "processors[1].purpose", "unknown key"),
    (_set(4, "kind", "payment"), "processors[4].kind", "unknown kind"),
    (_set(5, "hosts", ["api.stripe.com"]), "processors[5].hosts", "already claimed by 'stripe'"),
    (_set(5, "hosts", ["https://api.example.com/v1"]), "processors[5].hosts", "without scheme or path"),
    (_set(6, "sdk", ["stripe"]), "processors[6].sdk", "already claimed"),
    (_set(6, "sdk", ["google-cloud"]), "processors[6].sdk", "dotted module name"),
    (_set(7, "packages", ["Stripe"]), "processors[7].packages", "already claimed"),
    (_set(8, "name", "stripe"), "processors[8].name", "already the name"),
    (_set(8, "name", "Big Vendor"), "processors[8].name", "lower-case id"),
    (_set(9, "logging_sink", "true"), "processors[9].logging_sink", "true or false"),
])
def test_a_bad_entry_names_the_entry_and_key(tmp_path, edit, key, words):
    pack = _pack(tmp_path, edit)
    with pytest.raises(ConfigError) as err:
        load_policy(pack_dir=pack)
    assert err.value.key == key and words in err.value.problem, str(err.value)
    assert err.value.path.endswith("processors.yaml")


@pytest.mark.parametrize("spec, words", [
    ({"processor": "no-such-vendor"}, "processor of processors.yaml"),
    ({"url": [0, "url"]}, "`host`"),
])
def test_a_remote_log_handler_names_a_catalogued_processor_or_its_host(tmp_path, spec, words):
    pack = _pack(tmp_path, lambda d: None)
    sinks = yaml.safe_load((pack / "sinks.yaml").read_text(encoding="utf-8"))
    sinks["logging"]["remote_handlers"]["shop.Shipper"] = spec
    (pack / "sinks.yaml").write_text(yaml.safe_dump(sinks, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_policy(pack_dir=pack)
    assert err.value.key.startswith("logging.remote_handlers.shop.Shipper") and words in err.value.problem


@pytest.mark.parametrize("entry, edit, key, words", [
    ("recipients", lambda r: r.update(category="user.contact.fax"), "sources.recipients.category",
     "category of categories.yaml"),
    ("recipients", lambda r: r.update(category={"a": 1}), "sources.recipients.category", "category of categories.yaml"),
    ("recipients", lambda r: r.update(to=["x"]), "sources.recipients.to", "`category` and `calls`"),
    ("recipients", lambda r: r["calls"].update({"shop.mail": ["to"]}), "sources.recipients.calls.shop.mail",
     "`positions`"),
    ("recipients", lambda r: r["calls"].update({"shop.mail": {"positions": [-1]}}),
     "sources.recipients.calls.shop.mail.positions", "positions from 0"),
    ("recipients", lambda r: r["calls"].update({"shop.mail": {"keywords": ["reply to"]}}),
     "sources.recipients.calls.shop.mail.keywords", "keyword names"),
    ("sign_in", lambda r: r.update(category="user.contact.fax"), "sources.sign_in.category",
     "category of categories.yaml"),
    ("sign_in", lambda r: r.update(category=["user.account.username"]), "sources.sign_in.category",
     "category of categories"),
    ("sign_in", lambda r: r.update(words=["login"]), "sources.sign_in.words",
     "`category`, `names`, `calls` and `text_names`"),
    ("sign_in", lambda r: r.update(text_names=["User"]), "sources.sign_in.text_names", "lower-case identifiers"),
    ("sign_in", lambda r: r.update(names=["Login"]), "sources.sign_in.names", "lower-case identifiers"),
    ("sign_in", lambda r: r.update(names=["log-in"]), "sources.sign_in.names", "lower-case identifiers"),
    ("sign_in", lambda r: r.update(calls="login"), "sources.sign_in.calls", "lower-case identifiers"),
])
def test_a_bad_sources_entry_names_its_key(tmp_path, entry, edit, key, words):
    pack = _pack(tmp_path, lambda d: None)
    sinks = yaml.safe_load((pack / "sinks.yaml").read_text(encoding="utf-8"))
    edit(sinks["sources"][entry])
    (pack / "sinks.yaml").write_text(yaml.safe_dump(sinks, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_policy(pack_dir=pack)
    assert err.value.key == key and words in err.value.problem, str(err.value)


@pytest.mark.parametrize("file, path, value, words", [
    ("sinks.yaml", "operator_output.prompts", value, "qualified names") for value in ("input", [""], [1])] + [
    ("vocabulary.yaml", "request_variable_prefixes", value, "key prefixes") for value in ("REMOTE_", [""], [1])] + [
    ("vocabulary.yaml", "class_subjects", ["child"], "mapping of subjects"),
    ("vocabulary.yaml", "class_subjects.customer", "child", "list of words"),
    ("vocabulary.yaml", "evidence.group_subjects", "tenant", "list of words")])
def test_a_bad_list_of_names_names_its_key(tmp_path, file, path, value, words):
    pack = _pack(tmp_path, lambda d: None)
    data = yaml.safe_load((pack / file).read_text(encoding="utf-8"))
    *parents, last = path.split(".")
    holder = data
    for part in parents:
        holder = holder[part]
    holder[last] = value
    (pack / file).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_policy(pack_dir=pack)
    assert err.value.key == path and words in err.value.problem
    assert err.value.path.endswith(file)


@pytest.mark.parametrize("value", [["request"], {"request": ""}, {"the request": "x"}])
def test_a_bad_expanded_extra_names_its_key(tmp_path, value):
    pack = _pack(tmp_path, lambda d: None)
    sinks = yaml.safe_load((pack / "sinks.yaml").read_text(encoding="utf-8"))
    sinks["logging"]["expanded_extra"] = value
    (pack / "sinks.yaml").write_text(yaml.safe_dump(sinks, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_policy(pack_dir=pack)
    assert err.value.key == "logging.expanded_extra" and "`extra` key" in err.value.problem


def test_norway_unquoted_is_an_error_not_false(tmp_path):
    pack = _pack(tmp_path, lambda d: None)
    text = (pack / "processors.yaml").read_text(encoding="utf-8").replace("- 'NO'", "- NO")
    (pack / "processors.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_policy(pack_dir=pack)
    assert err.value.key == "eea_regions"


def test_a_bad_catalogue_exits_2_with_one_line(tmp_path, monkeypatch):
    pack = _pack(tmp_path, _set(3, "country", "Germany"))
    monkeypatch.setattr("gdpr_lint.policy.rules_dir", lambda: pack)
    result = CliRunner().invoke(main, ["rules", "--processors"])
    assert result.exit_code == 2
    assert "processors[3].country" in result.stderr and "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# ---- the DPO's listing --------------------------------------------------------------------------------------------

def test_rules_processors_lists_every_entry():
    result = CliRunner().invoke(main, ["rules", "--processors"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "VENDOR", "COUNTRY", "EEA", "KIND", "ROLE", "SERVICE"]
    table = lines[1:lines.index("")]
    listed = {line.split()[0] for line in table}
    assert listed == {e["name"] for e in ENTRIES}
    row = next(line for line in lines if line.startswith("mollie "))
    assert " NL " in row and " yes " in row and " processor " in row
    row = next(line for line in lines if line.startswith("datadog "))
    assert " US " in row and " no " in row and " telemetry " in row
    assert f"{len(ENTRIES)} entries" in lines[-1]


def test_rules_processors_json_and_kind_filter():
    result = CliRunner().invoke(main, ["rules", "--processors", "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert len(doc) == len(ENTRIES)
    stripe = next(d for d in doc if d["name"] == "stripe")
    assert stripe == {"name": "stripe", "vendor": "Stripe, Inc.", "country": "US", "eea": False, "kind": "payments",
                      "service": "payments", "role": "processor", "sdk": stripe["sdk"], "hosts": stripe["hosts"],
                      "packages": ["stripe"]}
    assert "api.stripe.com" in stripe["hosts"]
    payments = json.loads(CliRunner().invoke(main, ["rules", "--processors", "--kind", "payments",
                                                    "--format", "json"]).stdout)
    assert {d["kind"] for d in payments} == {"payments"} and len(payments) >= 7


@pytest.mark.parametrize("args", [["rules", "--processors", "--kind", "bogus"], ["rules", "GDPR301", "--processors"],
                                  ["rules", "--kind", "payments"]])
def test_rules_processors_misuse_exits_2(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and result.stderr.startswith("gdpr-lint: error:"), result.output


def test_rules_takes_a_prefix_as_select_and_ignore_do():
    """`gdpr-lint rules GDPR3` lists the logging rules (found by a fresh-user check: a prefix was an
    unknown rule, though --select and --ignore take one); a code still prints its page, and a
    prefix of no rule is a usage error."""
    listed = CliRunner().invoke(main, ["rules", "gdpr30", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert [r["code"] for r in json.loads(listed.output)] == ["GDPR301", "GDPR302", "GDPR303", "GDPR304"]
    table = CliRunner().invoke(main, ["rules", "GDPR3"]).output.splitlines()
    assert [line.split()[0] for line in table] == ["GDPR301", "GDPR302", "GDPR303", "GDPR304"]
    assert CliRunner().invoke(main, ["rules", "GDPR301"]).output.startswith("GDPR301 personal-data-in-log")
    unknown = CliRunner().invoke(main, ["rules", "GDPR77"])
    assert unknown.exit_code == 2 and "unknown rule" in unknown.output
