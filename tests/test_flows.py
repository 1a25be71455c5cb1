"""Logging, storage and processor sinks with data flow, each with look-alikes that must stay quiet."""

from __future__ import annotations

import textwrap

from tests.conftest import codes, run


def only(code, source, config=None):
    return [line for c, line in codes(source, config) if c == code]


def test_logging_aliases_and_flows():
    src = '''
    import logging as lg
    from logging import getLogger as get_log
    import hashlib
    from app.privacy import mask_email

    log = lg.getLogger(__name__)
    audit = get_log("audit")

    class Service:
        def __init__(self):
            self.logger = lg.getLogger("svc")

        def change(self, user_id, email, old):
            self.logger.info("contact change for %s", user_id)
            self.logger.info("email changed from %s to %s", old.email, email)
            label = "{} {}".format(old.first_name, old.last_name)
            audit.info("check for " + label)
            masked = mask_email(email)
            log.info("masked %s", masked)
            log.info("hash %s", hashlib.sha256(email.encode()).hexdigest())
            log.info("user %s", old.id)
            log.info("email sent to %d users", len([email]))
            lg.getLogger("mail").warning(f"to {email}")
    '''
    assert only("GDPR301", src) == [15, 17, 23]


def test_helper_function_summary_reaches_the_log():
    src = '''
    import logging
    log = logging.getLogger(__name__)

    def describe(u):
        return f"{u.full_name} <{u.email}>"

    def label(u):
        return f"user {u.id}"

    def signup(user):
        log.info(describe(user))
        log.info(label(user))
    '''
    assert only("GDPR301", src) == [11]


def test_structlog_loguru_print_warnings_and_exceptions():
    src = '''
    import structlog, warnings
    from loguru import logger

    slog = structlog.get_logger()

    def notify(emails, template_id, address):
        slog.info("batch", count=len(emails), template=template_id)
        slog.info("batch", recipients=emails)
        logger.bind(ip=address.ip_address).info("x")
        print(f"queued for {emails[0]}")
        warnings.warn(f"no phone for {emails}")
        raise ValueError(f"bad {emails[0]}")
    '''
    found = codes(src)
    assert ("GDPR301", 8) in found and ("GDPR301", 7) not in found
    assert ("GDPR301", 9) in found and ("GDPR301", 10) in found and ("GDPR301", 11) in found
    assert ("GDPR302", 12) in found


def test_sentry():
    src = '''
    import sentry_sdk
    sentry_sdk.init(dsn="x", send_default_pii=True)
    sentry_sdk.init(dsn="x", send_default_pii=False)

    def report(claim):
        sentry_sdk.set_user({"id": claim.policyholder_id})
        sentry_sdk.set_user({"email": claim.claimant_email})
        sentry_sdk.set_tag("claimant_email", claim.claimant_email)
    '''
    found = codes(src)
    assert ("GDPR304", 2) in found and ("GDPR304", 3) not in found
    assert only("GDPR303", src) == [7, 8]


def test_log_handlers_that_send_records_to_another_machine():
    src = '''
    import logging
    import logging.handlers
    from logging.handlers import SysLogHandler as Syslog, SMTPHandler, SocketHandler, DatagramHandler

    LOG_HOST = "collect.evil.example"
    root = logging.getLogger("shop")
    root.addHandler(logging.handlers.HTTPHandler("collect.evil.example", "/logs", secure=True))
    root.addHandler(logging.handlers.HTTPHandler(host=LOG_HOST + ":8443", url="/logs"))
    root.addHandler(Syslog(address=("logs3.papertrailapp.com", 12345)))
    root.addHandler(SocketHandler("8.8.8.8", 9020))
    root.addHandler(DatagramHandler("logs.evil.example", 9021))
    root.addHandler(SMTPHandler("localhost", "app@shop.example", ["ops@mailbox.example"], "errors"))
    root.addHandler(SMTPHandler(("smtp.evil.example", 25), "app@shop.example", "ops@shop.example", "errors"))
    '''
    found = run(src)
    assert [(f.code, f.line) for f in found] == [("GDPR303", line) for line in range(7, 14)]
    by_line = {f.line: f for f in found}
    assert "sent to collect.evil.example by HTTPHandler" in by_line[7].message
    assert "sent to collect.evil.example by HTTPHandler" in by_line[8].message  # the constant, without its port
    assert "SolarWinds Worldwide, LLC (Papertrail)" in by_line[9].message and by_line[9].processor == "papertrail"
    assert "sent to 8.8.8.8 by SocketHandler" in by_line[10].message
    assert "mailed to ops@mailbox.example" in by_line[12].message and "sent to" not in by_line[12].message
    assert "sent to smtp.evil.example" in by_line[13].message and "mailed" not in by_line[13].message
    assert all(f.categories == [] and f.sink.startswith("log handler") for f in found)


def test_log_handlers_that_keep_records_here_are_not_findings():
    src = '''
    import logging
    import logging.handlers
    import os
    from logging.handlers import RotatingFileHandler, SysLogHandler, SMTPHandler
    from shop.transport import HTTPHandler

    root = logging.getLogger("shop")
    root.addHandler(logging.StreamHandler())
    root.addHandler(logging.FileHandler("/var/log/shop.log"))
    root.addHandler(RotatingFileHandler("shop.log", maxBytes=10_000))
    root.addHandler(SysLogHandler())
    root.addHandler(SysLogHandler(address="/dev/log"))
    root.addHandler(SysLogHandler(("localhost", 514)))
    root.addHandler(logging.handlers.SysLogHandler(address=("127.0.0.1", 514)))
    root.addHandler(logging.handlers.SocketHandler("/run/shop/log.sock", None))
    root.addHandler(logging.handlers.HTTPHandler("logs.internal", "/ingest"))
    root.addHandler(logging.handlers.HTTPHandler("10.0.0.7:8080", "/ingest"))
    root.addHandler(logging.handlers.HTTPHandler("syslog-relay", "/ingest"))
    root.addHandler(logging.handlers.HTTPHandler("logs.shop.example", "/ingest"))
    root.addHandler(logging.handlers.HTTPHandler(os.environ["LOG_HOST"], "/ingest"))
    root.addHandler(HTTPHandler("collect.evil.example", "/logs"))  # the project's own class
    root.addHandler(SMTPHandler("localhost", "app@shop.example", ["ops@shop.example"], "errors"))
    root.addHandler(logging.handlers.SysLogHandler(address=("logs3.papertrailapp.com", 12345)))
    '''
    config = {"first_party_domains": ["shop.example"], "approved_processors": [{"name": "papertrail"}]}
    assert run(src, config) == []
    # without the approval, the last one is a finding; without the first-party domain, two more
    assert [f.line for f in run(src, {"first_party_domains": ["shop.example"]})] == [23]
    assert [f.line for f in run(src)] == [19, 22, 23]


def test_log_handlers_configured_by_a_dict():
    src = '''
    import logging.config

    LOGGING = {
        "version": 1,
        "handlers": {
            "console": {"class": "logging.StreamHandler"},
            "file": {"class": "logging.handlers.RotatingFileHandler", "filename": "shop.log"},
            "local": {"class": "logging.handlers.SysLogHandler", "address": "/dev/log"},
            "default": {"class": "logging.handlers.SysLogHandler"},
            "mine": {"class": "shop.transport.HTTPHandler", "host": "collect.evil.example"},
            "remote": {"class": "logging.handlers.HTTPHandler", "host": "collect.evil.example", "url": "/logs"},
        },
    }

    def configure():
        logging.config.dictConfig({"version": 1, "handlers": {"trail": {
            "()": "logging.handlers.SysLogHandler", "address": ["logs3.papertrailapp.com", 12345]}}})
    '''
    found = run(src)
    assert [(f.code, f.line, f.symbol) for f in found] == [("GDPR303", 11, ""), ("GDPR303", 16, "configure")]
    assert "sent to collect.evil.example by HTTPHandler" in found[0].message
    assert "Papertrail" in found[1].message


def _scan_files(tmp_path, files: dict[str, str], config: str = "") -> list[tuple[str, int, str]]:
    """``(path, line, message)`` of the GDPR303 findings of a tree of dedented files, scanned whole
    (the project facts see every module)."""
    import textwrap

    from gdpr_lint.policy import load_policy
    from gdpr_lint.policy.config import parse_config
    from gdpr_lint.scan import scan

    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    import yaml

    policy = load_policy(parse_config(yaml.safe_load(config), "test") if config else None)
    result = scan([tmp_path], policy, root=tmp_path, jobs=1, cache_dir=tmp_path / ".cache")
    return [(f.path, f.line, f.message) for f in result.findings if f.code == "GDPR303"]


def test_project_subclasses_of_remote_log_handlers_are_judged_as_their_base(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/logsetup.py": """
            import logging.handlers
            from logging import handlers as H


            class Shipper(logging.handlers.HTTPHandler):
                pass


            class Relay(H.SocketHandler):
                pass


            root = logging.getLogger()
            root.addHandler(Shipper("logs.evil.example", "/in", secure=True))
            """,
        "shop/more.py": "from .logsetup import Shipper\n\n\nclass Batched(Shipper):\n    pass\n",
        "shop/app.py": """
            import logging
            from shop.more import Batched
            from shop import logsetup

            logging.getLogger().addHandler(Batched("logs.evil.example", "/in"))
            logging.getLogger().addHandler(logsetup.Relay(host="relay.evil.example", port=9020))
            logging.getLogger().addHandler(Batched("logs.internal", "/in"))
            """,
        "shop/settings.py": """
            LOGGING = {"version": 1, "handlers": {
                "ship": {"class": "shop.logsetup.Shipper", "host": "logs.evil.example", "url": "/in"}}}
            """,
    }
    found = _scan_files(tmp_path, files)
    assert [(path, line) for path, line, _ in found] == [
        ("shop/app.py", 5), ("shop/app.py", 6), ("shop/logsetup.py", 14), ("shop/settings.py", 2)]
    assert "sent to logs.evil.example by Batched (a subclass of HTTPHandler)" in found[0][2]
    assert "sent to relay.evil.example by Relay (a subclass of SocketHandler)" in found[1][2]


def test_project_classes_that_only_look_like_remote_handlers_are_not_findings(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/transport.py": """
            import logging


            class HTTPHandler:  # the project's own, no logging handler
                def __init__(self, host, url):
                    self.host, self.url = host, url


            class Console(logging.StreamHandler):
                pass


            class Quiet(HTTPHandler):
                pass
            """,
        "shop/app.py": """
            import logging
            import sys
            from shop.transport import Console, HTTPHandler, Quiet

            logging.getLogger().addHandler(Console(sys.stderr))
            client = HTTPHandler("logs.evil.example", "/in")
            other = Quiet("logs.evil.example", "/in")
            """,
    }
    assert _scan_files(tmp_path, files) == []


def test_third_party_log_shipping_handlers():
    src = '''
    import logging
    import graypy, logging_loki, logstash, watchtower
    from fluent import handler as fluent_handler
    from loggly.handlers import HTTPSHandler
    from opencensus.ext.azure.log_exporter import AzureLogHandler
    from google.cloud.logging.handlers import CloudLoggingHandler

    root = logging.getLogger()
    root.addHandler(graypy.GELFUDPHandler("logs.evil.example", 12201))
    root.addHandler(logging_loki.LokiHandler(url="https://logs.evil.example/loki/api/v1/push", version="1"))
    root.addHandler(logstash.TCPLogstashHandler("logs.evil.example", 5959))
    root.addHandler(fluent_handler.FluentHandler("app", host="fluentd.evil.example"))
    root.addHandler(HTTPSHandler("https://logs-01.loggly.com/inputs/TOKEN/tag/python"))
    root.addHandler(watchtower.CloudWatchLogHandler(log_group_name="shop"))
    root.addHandler(AzureLogHandler(connection_string="InstrumentationKey=x"))
    root.addHandler(CloudLoggingHandler(client, name="shop"))
    root.addHandler(graypy.GELFTCPHandler("localhost", 12201))
    root.addHandler(fluent_handler.FluentHandler("app"))
    root.addHandler(logstash.TCPLogstashHandler("10.0.0.5", 5959))
    '''
    found = {f.line: f for f in run(src) if f.code == "GDPR303"}
    assert sorted(found) == list(range(9, 17))
    assert "by LokiHandler" in found[10].message and "logs.evil.example" in found[10].message
    assert "Loggly" in found[13].message and found[13].processor == "loggly"
    assert "Amazon Web Services" in found[14].message and found[14].processor == "aws"
    assert "Microsoft" in found[15].message and "Google" in found[16].message
    approved = {"approved_processors": [{"name": "aws"}, {"name": "azure"}, {"name": "google-cloud"}]}
    assert sorted(f.line for f in run(src, approved) if f.code == "GDPR303") == list(range(9, 14))


def test_remote_handlers_named_another_way():
    src = '''
    import logging
    import logging.handlers
    from logging import handlers as H

    Cls = H.HTTPHandler
    Again = Cls
    root = logging.getLogger()
    root.addHandler(Cls("logs.evil.example", "/x"))
    root.addHandler(getattr(logging.handlers, "SocketHandler")("logs.evil.example", 9020))
    root.addHandler(Again("logs.evil.example", "/x"))
    root.addHandler(Cls("logs.internal", "/x"))
    Local = logging.StreamHandler
    root.addHandler(Local())
    root.addHandler(getattr(logging.handlers, "RotatingFileHandler")("shop.log"))
    root.addHandler(getattr(logging.handlers, kind)("logs.evil.example", 9020))
    '''
    assert only("GDPR303", src) == [8, 9, 10]


def test_dict_configs_that_name_the_handler_or_its_host_by_a_module_constant():
    src = '''
    import logging.config

    HANDLER = "logging.handlers." + "HTTPHandler"
    HOST = "logs.evil.example"
    LOCAL = "logs.internal"
    logging.config.dictConfig({"version": 1, "handlers": {
        "a": {"class": HANDLER, "host": "logs.evil.example", "url": "/x"},
        "b": {"class": "logging.handlers.HTTPHandler", "host": HOST, "url": "/x"},
        "c": {"class": HANDLER, "host": LOCAL, "url": "/x"},
        "d": {"class": CLASS_FROM_ELSEWHERE, "host": HOST},
        "e": {"class": "logging.StreamHandler"},
        "f": {"class": json.loads(text), "host": HOST},
    }})
    '''
    assert only("GDPR303", src) == [7, 8]


def test_storage_sinks():
    src = '''
    import csv, io, json, boto3, redis
    from pathlib import Path
    from flask import session
    from cryptography.fernet import Fernet

    r = redis.Redis()
    s3 = boto3.client("s3")
    fernet = Fernet(b"k")

    def store(customer, resp, period):
        r.setex("pending", 60, customer.email)
        r.incr("stats")
        session["pending_email"] = customer.email
        session["lang"] = "en"
        resp.set_cookie("first_name", customer.first_name)
        resp.set_cookie("lang", "en")
        Path("/tmp/x.json").write_text(json.dumps({"email": customer.email}))
        Path("/tmp/y.json").write_text(fernet.encrypt(customer.email.encode()).decode())
        s3.put_object(Bucket="b", Key="k", Body=customer.email)
        s3.put_object(Bucket="b", Key="k", Body=customer.email, ServerSideEncryption="aws:kms")
        buf = io.StringIO()
        csv.writer(buf).writerow([customer.email])
        path = f"/var/{period}.csv"
        with open(path, "w") as fh:
            out = csv.writer(fh)
            out.writerow([customer.full_name])
        s3.upload_file(path, "b", "k")
        s3.upload_file(path, "b", "k", ExtraArgs={"ServerSideEncryption": "AES256"})
    '''
    found = codes(src)
    assert ("GDPR203", 11) in found and ("GDPR203", 12) not in found
    assert ("GDPR204", 13) in found and ("GDPR204", 14) not in found
    assert ("GDPR204", 15) in found and ("GDPR204", 16) not in found
    assert ("GDPR202", 17) in found and ("GDPR202", 18) not in found
    assert ("GDPR205", 19) in found and ("GDPR205", 20) not in found
    assert ("GDPR202", 22) not in found
    assert ("GDPR202", 26) in found
    assert ("GDPR205", 27) in found and ("GDPR205", 28) not in found


def test_processors_by_sdk_and_host():
    src = '''
    import httpx, requests
    import stripe
    import mailchimp_marketing as mc
    from brambleway import analytics as internal

    INTERCOM = "https://api.intercom.io/contacts"
    CRM = "http://crm.svc.cluster.local/api"
    client = mc.Client()

    def sync(customer):
        client.lists.add_list_member("aud", {"email_address": customer.email})
        client.set_config({"api_key": "k"})
        internal.record("signup", email=customer.email)
        requests.post(INTERCOM, json={"email": customer.email})
        requests.post(CRM, json={"email": customer.email})
        requests.post("http://127.0.0.1:9000/x", json={"email": customer.email})
        httpx.get("https://api.weather.example.net/v1", params={"lat": 51.5})
        httpx.post("https://api.riskcheck.example.net/v1", json={"email": customer.email})
        stripe.PaymentIntent.create(amount=1, receipt_email=customer.email)
        requests.post(f"{INTERCOM}/x", json={"id": customer.id})
    '''
    config = {"approved_processors": [{"name": "stripe"}]}
    found = codes(src, config)
    assert ("GDPR401", 3) in found and ("GDPR401", 2) not in found
    assert only("GDPR402", src, config) == [11, 14]
    assert only("GDPR403", src, config) == [18]


def test_processor_register_categories_and_transfers():
    src = '''
    import sendgrid

    def send(client, user):
        client.send(sendgrid.Mail(to_emails=user.email))
        client.send(sendgrid.Mail(to_emails=user.email, html_content=user.diagnosis))
    '''
    config = {"approved_processors": [{"name": "sendgrid", "categories": ["user.contact.email"]}]}
    assert only("GDPR404", src, config) == [5]
    config = {"approved_processors": [{"name": "sendgrid", "dpa": "D-1", "region": "US"}]}
    assert only("GDPR405", src, config) == [4, 5]
    config = {"approved_processors": [{"name": "sendgrid", "dpa": "D-1", "region": "US",
                                       "transfer_mechanism": "SCC"}]}
    assert only("GDPR405", src, config) == []


def test_suppressions():
    src = '''
    import logging
    def f(user):
        logging.info(user.email)  # gdpr-lint: ignore[GDPR301] reason="handler hashes it"
        logging.info(user.phone)  # gdpr-lint: ignore[GDPR301]
        logging.info(user.id)  # gdpr-lint: ignore[GDPR301] reason="old"
    '''
    found = codes(src)
    assert ("GDPR301", 3) not in found
    assert ("GDPR903", 4) in found and ("GDPR301", 4) not in found
    assert ("GDPR904", 5) in found


def test_http_client_base_url_decides_the_host():
    src = '''
    import httpx

    HUBSPOT = "https://api.hubapi.com"

    class Sync:
        def __init__(self):
            self.client = httpx.Client(base_url=HUBSPOT)

        def push(self, contact):
            self.client.post("/crm/v3/objects/contacts", json={"email": contact.email})

    def push(contact):
        local = httpx.Client(base_url="http://crm.internal:8080")
        local.post("/contacts", json={"email": contact.email})
        with httpx.Client(base_url=HUBSPOT) as client:
            client.post("/crm/v3/objects/contacts", json={"email": contact.email})
    '''
    assert only("GDPR402", src) == [10, 16]


def test_telemetry_scopes_spans_and_request_metadata():
    src = '''
    import logging, os
    import sentry_sdk
    from opentelemetry import trace

    tracer = trace.get_tracer(__name__)
    log = logging.getLogger(__name__)
    SUPPORT = os.environ.get("SUPPORT_EMAIL", "help@example.com")

    def view(request, user):
        with sentry_sdk.configure_scope() as scope:
            scope.set_user({"email": user.email})
            scope.set_tag("plan", user.plan)
        with tracer.start_as_current_span("checkout") as span:
            span.set_attribute("user.email", user.email)
            span.set_attribute("cart.size", 3)
        log.info("login from %s", request.META["REMOTE_ADDR"])
        log.info("support address %s", SUPPORT)
        log.info("debug %s", os.environ["SUPPORT_EMAIL"])
    '''
    found = codes(src)
    assert ("GDPR303", 11) in found and ("GDPR303", 12) not in found
    assert ("GDPR303", 14) in found and ("GDPR303", 15) not in found
    assert ("GDPR301", 16) in found
    assert ("GDPR301", 17) not in found and ("GDPR301", 18) not in found


def test_keys_of_sessions_and_cookies_are_evidence_and_print_to_files():
    src = '''
    from flask import session
    from app.privacy import mask_email

    def view(form, resp, courier, path):
        session["guest_name"] = form["name"]
        session["theme"] = form["theme"]
        session["email"] = mask_email(form["email"])
        resp.set_cookie("last_login_email", form["login"])
        resp.set_cookie("theme", form["theme"])
        with open(path, "w") as fh:
            print(courier.id, courier.full_name, sep="\\t", file=fh)
            print(courier.id, file=fh)

    def instance_hooks(instance, log):
        log.info("contact email now %s", instance.email)
    '''
    found = codes(src)
    assert ("GDPR204", 5) in found and ("GDPR204", 6) not in found and ("GDPR204", 7) not in found
    assert ("GDPR204", 8) in found and ("GDPR204", 9) not in found
    assert ("GDPR202", 11) in found and ("GDPR301", 11) not in found and ("GDPR202", 12) not in found
    assert ("GDPR301", 15) in found


def test_boolean_fields_are_flags_not_data():
    src = '''
    from pydantic import BaseModel
    from django.db import models

    class Prefs(models.Model):
        email_receipts = models.BooleanField(default=True)
        receipt_email = models.CharField(max_length=200)

    class Member(models.Model):
        sms_alerts = models.BooleanField(default=False)
        phone = models.CharField(max_length=20)
    '''
    assert [line for c, line in codes(src) if c == "GDPR101"] == [6, 10]


def test_lambdas_queries_and_validators():
    src = '''
    from loguru import logger
    from pydantic import BaseModel, field_validator
    from sqlalchemy import select

    class Entry(BaseModel):
        dob: str

        @field_validator("dob")
        @classmethod
        def adult(cls, v):
            raise ValueError(f"born {v} is under 16")

    def lazy(parent):
        logger.opt(lazy=True).debug("digest region {}", lambda: parent.postcode)
        logger.opt(lazy=True).debug("count {}", lambda: 3)

    def dunning(conn, accounts, statsd_like):
        rows = conn.execute(select(accounts.c.billing_email, accounts.c.id)).all()
        for _, email, _ in rows:
            pass
        logger.info("rows {}", rows)
        ids = conn.execute(select(accounts.c.id)).all()
        logger.info("ids {}", ids)

    def emails(Customer):
        logger.info("{}", list(Customer.objects.values_list("email", flat=True)))
        logger.info("{}", list(Customer.objects.values_list("id", flat=True)))
    '''
    found = codes(src)
    assert ("GDPR302", 11) in found
    assert ("GDPR301", 14) in found and ("GDPR301", 15) not in found
    assert ("GDPR301", 21) in found and ("GDPR301", 23) not in found
    assert ("GDPR301", 26) in found and ("GDPR301", 27) not in found


def test_format_placeholders_and_short_destructured_names():
    src = '''
    import logging
    log = logging.getLogger(__name__)

    def podium(rows, overdue):
        for row in rows:
            print("Podium: {entrant_name} in {chip_time}".format(**row))
            print("Lap {lap} in {chip_time}".format(**row))
        for account_id, email, number in overdue:
            log.info("account %s", account_id)
        log.info("accounts: " + ", ".join(e for _, e, _ in overdue))
    '''
    found = codes(src)
    assert ("GDPR301", 6) in found and ("GDPR301", 7) not in found
    assert ("GDPR301", 9) not in found


def test_annotated_logger_parameters_and_eea_regions_come_from_the_pack():
    src = '''
    import logging

    def handler(log: logging.Logger, user):
        log.info("user %s", user.email)
    '''
    assert only("GDPR301", src) == [4]
    src2 = '''
    import sendgrid

    def send(client, user):
        client.send(sendgrid.Mail(to_emails=user.email))
    '''
    eu = {"approved_processors": [{"name": "sendgrid", "dpa": "D-1", "region": "IE"}]}
    assert only("GDPR405", src2, eu) == []


def test_a_suppression_on_an_argument_line_of_a_multi_line_call_applies():
    # found by a new user: only the call's first and last lines were looked at
    src = '''
    import logging
    def f(user, order):
        logging.info(
            "shipped %s to %s",
            order.id,
            user.email,  # gdpr-lint: ignore[GDPR301] reason="support needs the address"
        )
        logging.info(
            "shipped %s to %s",
            order.id,
            user.email,
        )
    '''
    found = codes(src)
    assert ("GDPR301", 3) not in found and ("GDPR904", 6) not in found
    assert ("GDPR301", 8) in found


def test_suppressions_and_tags_count_lines_as_python_does():
    """A lone carriage return ends a line for the parsers, so it does for comments too: the
    suppression on the line after one covers that line's finding, not the line before's; a form
    feed in a string ends no line."""
    src = ("import logging\rdef f(user):\r    logging.info(user.email)  # gdpr-lint: ignore reason=\"ok\"\r"
           "    logging.info(user.phone)\n")
    assert codes(src) == [("GDPR301", 4)]
    src = ('import logging\nNOTE = "page\x0cbreak"\ndef f(user):\n'
           '    logging.info(user.email)  # gdpr-lint: ignore reason="ok"\n    logging.info(user.phone)\n')
    assert codes(src) == [("GDPR301", 5)]


def test_a_suppression_naming_an_unknown_rule_says_so():
    from tests.conftest import run

    src = '''
    import logging
    def f(user):
        logging.info(user.id)  # gdpr-lint: ignore[GDPR999] reason="typo"
    '''
    (finding,) = run(src)
    assert finding.code == "GDPR904" and "names no known rule (GDPR999" in finding.message


def test_a_helper_named_like_a_sanitizer_that_returns_its_input_sanitises_nothing():
    # truncate_ip keeps an IPv4 address whole: its last statement returns the parameter as it came in
    source = '''
import ipaddress
import logging
from django.core.cache import cache

log = logging.getLogger(__name__)


def truncate_ip(ip):
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if addr.version == 6:
        return str(ipaddress.IPv6Network(f"{addr}/64", strict=False).network_address)
    return ip


def mask_email(email):
    if not email:
        return email
    local, _, domain = email.partition("@")
    return local[:1] + "***@" + domain


def redact_phone(phone):
    phone = phone[-4:]
    return phone


class Limiter:
    def anonymize(self, ip):
        return ip

    def run(self, request, user):
        cache.set(f"rl:{truncate_ip(request.META['REMOTE_ADDR'])}", 1, 60)
        log.info("sent to %s", mask_email(user.email))
        log.info("sms to %s", redact_phone(user.phone))
        log.info("from %s", self.anonymize(request.META["REMOTE_ADDR"]))
'''
    assert sorted(codes(source)) == [("GDPR203", 35), ("GDPR301", 38)]  # the masker and the redactor still sanitise


def test_getattr_with_a_literal_name_reads_that_attribute():
    source = '''
import logging

log = logging.getLogger(__name__)


def notify(customer, field):
    log.info("to %s", getattr(customer, "email"))
    log.info("to %s", getattr(customer, "\\N{LATIN SMALL LETTER P}hone", None))
    log.info("id %s", getattr(customer, "id"))
    log.info("value %s", getattr(customer, field))
'''
    assert sorted(codes(source)) == [("GDPR301", 7), ("GDPR301", 8)]


def test_code_run_from_a_file_by_its_path_is_reported():
    source = '''
import importlib.util
import runpy
import sys
from pathlib import Path

HOOKS = runpy.run_path("hooks.txt")
spec = importlib.util.spec_from_file_location("plugin", "/srv/plugins/plugin.py")
exec(open("extra.txt").read())
exec(Path("more.txt").read_text())
exec(sys.stdin.read())
exec("x = 1")
runpy.run_module("shop.tasks")
sys.path.insert(0, "vendor")
'''
    assert sorted(codes(source)) == [("GDPR906", 6), ("GDPR906", 7), ("GDPR906", 8), ("GDPR906", 9)]


def test_database_files_object_stores_and_command_line_files():
    """A SQLite INSERT or UPDATE keeps its parameters (a SELECT's filter does not); an Azure blob
    upload without an encryption scope or customer key; a file a command line opens for writing
    (click.File, argparse.FileType), not one it opens for reading."""
    src = '''
    import argparse
    import sqlite3

    import click
    from azure.storage.blob import BlobServiceClient


    def save(user, total, conn_str):
        cur = sqlite3.connect("app.db").cursor()
        cur.execute("INSERT INTO users (email) VALUES (?)", (user.email,))
        cur.execute("SELECT id FROM users WHERE email = ?", (user.email,))
        cur.execute("INSERT INTO stats (total) VALUES (?)", (total,))
        blob = BlobServiceClient.from_connection_string(conn_str).get_blob_client("c", "k")
        blob.upload_blob(user.email)
        blob.upload_blob(user.email, encryption_scope="customer-data")


    @click.command()
    @click.option("--out-file", "-o", type=click.File("w"))
    @click.option("--names", type=click.File("r"))
    def export(out_file, names, user):
        out_file.write(user.email)
        names.write(user.email)


    def main(user):
        parser = argparse.ArgumentParser()
        parser.add_argument("--report", type=argparse.FileType("w"))
        parser.add_argument("source", type=argparse.FileType("r"))
        args = parser.parse_args()
        args.report.write(user.email)
        args.source.write(user.email)
    '''
    assert codes(textwrap.dedent(src)) == [("GDPR202", 10), ("GDPR205", 14), ("GDPR202", 22), ("GDPR202", 31)]


def test_a_csv_writer_over_what_the_caller_hands_in_writes_no_file_it_knows():
    """Django's CSV export: a writer built over a parameter (an HttpResponse in practice) is not a
    file on disk; one built over a file the function opens is."""
    src = '''
    import csv


    class Exporter:
        def __init__(self, fileobj):
            self.writer = csv.writer(fileobj)

        def add(self, user):
            self.writer.writerow([user.email])


    def write_rows(out, users):
        writer = csv.writer(out)
        for user in users:
            writer.writerow([user.email])


    def to_disk(users):
        with open("/var/exports/users.csv", "w") as fh:
            csv.writer(fh).writerow([users[0].email])
    '''
    assert codes(textwrap.dedent(src)) == [("GDPR202", 20)]


def test_an_object_storage_object_made_with_server_side_encryption_writes_nothing_in_the_clear():
    src = '''
    from google.cloud import storage


    def upload(user):
        bucket = storage.Client().bucket("exports")
        sealed = bucket.blob("a", kms_key_name="projects/p/locations/l/keyRings/r/cryptoKeys/k")
        sealed.upload_from_string(user.email)
        plain = bucket.blob("b")
        plain.upload_from_string(user.email)
    '''
    assert codes(textwrap.dedent(src)) == [("GDPR205", 9)]


def test_bodies_on_their_headers_line_are_walked():
    """`def f(user): log.info(...)`, `if x: ...` and `for ...: print(...)` hold their statements
    in a suite on the header's line, not in an indented block: they are read all the same."""
    found = codes('''
        import logging
        log = logging.getLogger(__name__)
        def f(user): log.info("%s", user.email)
        def g(user, debug):
            if debug: log.info("%s", user.phone)
            else: log.info("%s", user.id)
            for friend in user.friends: print(friend.email)
            while debug: log.warning(user.email); break
        class Account:
            def show(self, user): log.info("%s", user.email)
    ''')
    assert found == [("GDPR301", 3), ("GDPR301", 5), ("GDPR301", 7), ("GDPR301", 8), ("GDPR301", 10)]


def test_suppression_findings_point_at_the_comment():
    """GDPR903 (no reason) and GDPR904 (suppresses nothing) span the comment itself."""
    source = textwrap.dedent('''\
        import logging
        log = logging.getLogger(__name__)
        def f(user):
            log.info("%s", user.email)  # gdpr-lint: ignore[GDPR301]
            log.info("%s", user.pk)  # gdpr-lint: ignore[GDPR301] reason="ok"
    ''')
    by_code = {f.code: f for f in run(source)}
    line4, line5 = source.splitlines()[3], source.splitlines()[4]
    assert (by_code["GDPR903"].line, by_code["GDPR903"].column, by_code["GDPR903"].end_column) == (
        4, line4.index("#") + 1, len(line4) + 1)
    assert (by_code["GDPR904"].line, by_code["GDPR904"].column, by_code["GDPR904"].end_column) == (
        5, line5.index("#") + 1, len(line5) + 1)


def test_functions_defined_in_every_kind_of_block_are_followed():
    """`else`, `elif`, `except`, `finally`, loops and their `else`: a function defined there is
    analysed like one defined in the `if` or `try` body (a method of a class there too)."""
    src = '''
    import logging

    log = logging.getLogger(__name__)
    if FLAG:
        def a(user):
            log.info("a %s", user.email)
    elif OTHER:
        def b(user):
            log.info("b %s", user.email)
    else:
        def c(user):
            log.info("c %s", user.email)
    try:
        import optional
    except ImportError:
        def d(user):
            log.info("d %s", user.email)
    finally:
        def e(user):
            log.info("e %s", user.email)
    for name in NAMES:
        def f(user):
            log.info("f %s", user.email)
    while False:
        pass
    else:
        class Late:
            def g(self, user):
                log.info("g %s", user.email)
        def h(user):
            log.info("h %s", user.id)  # look-alike: a record's id, followed and not personal data
    '''
    assert only("GDPR301", src) == [6, 9, 12, 17, 20, 23, 29]


def test_map_and_filter_carry_what_their_iterables_hold():
    """`", ".join(map(str, message.recipients))` logs every recipient's address; what map
    makes safe item by item (`map(mask_email, ...)`, a hash) and ids are not personal data."""
    src = '''
    import hashlib
    import logging

    log = logging.getLogger(__name__)


    def mask_email(value):
        return value[:2] + "***"


    def send(message, customers):
        log.info("to %s", ", ".join(map(str, message.recipients)))
        log.info("to %s", ", ".join(map(mask_email, message.recipients)))
        log.info("to %s", list(filter(None, [c.email for c in customers])))
        log.info("ids %s", list(map(str, [c.id for c in customers])))
        log.info("to %s", list(map(hashlib.sha256, [c.email.encode() for c in customers])))
    '''
    assert only("GDPR301", src) == [12, 14]


def test_map_with_a_lambda_reads_its_body_on_each_item():
    """`map(lambda e: e.lower(), emails)` hands back the addresses; `map(lambda e: len(e), ...)`,
    a lambda that masks or hashes each item, or one that takes an id, does not."""
    src = '''
    import hashlib
    import logging

    log = logging.getLogger(__name__)


    def mask_email(value):
        return value[:2] + "***"


    def send(request, customers):
        emails = request.POST.getlist("emails")
        log.info("to %s", list(map(lambda e: e.lower(), emails)))
        log.info("lengths %s", list(map(lambda e: len(e), emails)))
        log.info("to %s", list(map(lambda e: mask_email(e), emails)))
        log.info("to %s", list(map(lambda e: hashlib.sha256(e.encode()).hexdigest(), emails)))
        log.info("ids %s", list(map(lambda c: c.pk, customers)))
    '''
    assert only("GDPR301", src) == [13]


def test_a_list_set_or_dict_filled_with_personal_data_holds_it():
    # `parts.append(email)` fills `parts` as `parts[0] = email` does; filling it with something
    # else, or filling an object of a kind the flow knows (a session, a cache), does not
    src = '''
    import hashlib
    import logging

    import redis

    log = logging.getLogger(__name__)
    store = redis.Redis()

    def notify(email, phone, order_id):
        recipients = []
        recipients.append(email)
        log.info("sending to %s", recipients)
        numbers = set()
        numbers.update([phone])
        log.info("texting %s", numbers)
        ids = []
        ids.append(order_id)
        log.info("orders %s", ids)
        hashes = []
        hashes.append(hashlib.sha256(email.encode()).hexdigest())
        log.info("hashes %s", hashes)
        pipe = store.pipeline()
        pipe.setdefault("k", email)
        log.info("pipeline %s", pipe)
    '''
    assert only("GDPR301", src) == [12, 15]


def test_print_logs_only_to_the_process_output():
    # print() writes to the container's logs, to stdout or stderr; print into a buffer a reply is
    # composed in, or into a stream handed in, is no log; into a file the code opens, a file write
    src = '''
    import io
    import sys
    from sys import stderr

    def report(username, out):
        print(username)
        print(username, file=sys.stderr)
        print(username, file=stderr)
        reply = io.StringIO()
        print(username, file=reply)
        print(username, file=out)
        print(username, file=None)
        with open("names.txt", "w") as fh:
            print(username, file=fh)
    '''
    assert [(c, line) for c, line in codes(src) if c.startswith("GDPR")] == [
        ("GDPR301", 6), ("GDPR301", 7), ("GDPR301", 8), ("GDPR301", 12), ("GDPR202", 14)]


def test_a_redis_counter_keeps_its_key():
    # `incr(f"failed:{ip}")` writes the address into Redis as the key of a counter, as `set` does;
    # a counter keyed by an id or a constant keeps nothing personal
    src = '''
    import redis

    store = redis.Redis()

    def count_failure(request, user_id):
        ip = request.META["REMOTE_ADDR"]
        pipe = store.pipeline()
        pipe.incr(f"failed:{ip}", 1)
        store.hincrby("failures", ip, 1)
        store.incr(f"failed:{user_id}")
        store.incr("failures-total")
    '''
    assert only("GDPR203", src) == [8, 9]


def test_writes_to_standard_error_are_logs_except_in_a_command_line_program():
    # `sys.stderr.write(...)` in server code lands in the container's logs, as print() does; in a
    # command-line program it is the operator's terminal (print(..., file=sys.stderr) too)
    server = '''
    import sys
    from sys import stderr

    def failed(username, order_id):
        sys.stderr.write(f"login failed for {username}\\n")
        stderr.write(username)
        out = sys.stdout
        out.writelines([username])
        sys.stderr.write(f"order {order_id}\\n")
    '''
    assert only("GDPR301", server) == [5, 6, 8]
    tool = '''
    import sys

    import click

    @click.command()
    @click.argument("username")
    def lookup(username):
        sys.stderr.write(f"looking up {username}\\n")
        print(username, file=sys.stderr)
    '''
    assert only("GDPR301", tool) == []


def test_only_a_list_dict_or_set_the_function_makes_is_filled():
    # a session's `add`, a repository's or a module's `update` store elsewhere: what is read from
    # them afterwards (a count, an order) holds nothing of what was added (a review found these)
    src = '''
    import logging

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from app import crud
    from app.models import Order, User
    from app.repos import UserRepository

    log = logging.getLogger(__name__)

    def signup(db: Session, email: str, session, order_id):
        db.add(User(email=email))
        n = db.scalar(select(func.count(Order.id)))
        log.info("orders %s", n)
        crud.update(db, email=email)
        log.info("order %s", crud.get(db, order_id))
        repo = UserRepository(session)
        repo.add({"email": email})
        log.info("%s", repo.get(order_id))
        seen = dict()
        seen.update(email=email)
        log.info("%s", seen)
    '''
    assert only("GDPR301", src) == [23]


def test_print_to_a_name_for_stderr_and_into_a_buffer_that_is_logged():
    # a name or constant bound to stderr, either stream of a conditional; a buffer holds what is
    # printed into it, and the log of its text is the finding (a review found these missed)
    src = '''
    import io
    import logging
    import sys

    log = logging.getLogger(__name__)
    ERR = sys.stderr

    def report(user, quiet):
        err = sys.stderr
        print(user.email, file=err)
        print(user.email, file=ERR)
        print(user.email, file=sys.stderr if quiet else sys.stdout)
        buf = io.StringIO()
        print("user", user.email, file=buf)
        log.info(buf.getvalue())
        counts = io.StringIO()
        print("count", 3, file=counts)
        log.info(counts.getvalue())
    '''
    assert only("GDPR301", src) == [10, 11, 12, 15]


def test_a_web_apps_module_is_server_code_whatever_runs_under_its_main_guard():
    # `app.run()` under `if __name__ == "__main__":` or `import click` for `@app.cli.command` made
    # a Flask app's module a command-line program: its views' prints went unreported (a review found it)
    web = '''
    import sys

    from flask import Flask, request

    app = Flask(__name__)

    @app.route("/signup", methods=["POST"])
    def signup():
        email = request.form["email"]
        sys.stderr.write(f"signup {email}")
        print("signup", email, file=sys.stderr)
        print("signup", email)
        return "ok"

    if __name__ == "__main__":
        app.run()
    '''
    assert only("GDPR301", web) == [10, 11, 12]
    # a command-line program's stderr through a name, and a server's through a conditional
    tool = '''
    import argparse
    import sys

    def main(argv=None):
        email = argparse.ArgumentParser().parse_args(argv).email
        err = sys.stderr
        err.write(email)
        print(email, file=err)
    '''
    assert only("GDPR301", tool) == []
    server = '''
    import sys

    from django.conf import settings

    STREAM = sys.stderr if settings.DEBUG else sys.stdout

    def view(request):
        email = request.POST["email"]
        out = sys.stderr if settings.DEBUG else sys.stdout
        print(email, file=out)
        out.write(email)
        STREAM.write(email)
    '''
    assert only("GDPR301", server) == [10, 11, 12]


def test_a_processor_sdk_is_known_by_its_import_not_by_a_local_name():
    """A local name that happens to be a processor SDK's root (`pusher` made by a helper of the
    project, a `stripe` parameter) is no SDK; the same calls after `import pusher` are."""
    src = '''
    import requests

    def make_pusher(url):
        def push(payload):
            requests.post(url, json=payload)
        return push

    def signup(customer, stripe):
        pusher = make_pusher("https://crm.example.net/api")
        pusher({"email": customer.email})
        stripe.Customer.create(email=customer.email)
    '''
    assert only("GDPR402", src) == []
    imported = '''
    import pusher
    import stripe

    def signup(customer):
        client = pusher.Pusher(app_id="1", key="k", secret="s", cluster="eu")
        client.trigger("signups", "new", {"email": customer.email})
        stripe.Customer.create(email=customer.email)
    '''
    assert only("GDPR402", imported) == [6, 7]
