"""The DPO review: three files from one model, the privacy diff against a base revision, and a digest
that ignores line numbers and code that touches no personal data."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdpr_lint.cli import main
from gdpr_lint.review.digest import compute_digest

ROOT = Path(__file__).resolve().parents[1]
GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null", "GIT_AUTHOR_NAME": "Dev",
           "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}


@pytest.fixture
def shop(tmp_path, monkeypatch):
    """A copy of examples/shop as the current folder."""
    dest = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", dest)
    monkeypatch.chdir(dest)
    return dest


def git(repo: Path, *args: str) -> str:
    import os

    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def commit_all(repo: Path, message: str) -> None:
    if not (repo / ".git").exists():
        git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def run_review(*args: str):
    result = CliRunner().invoke(main, ["review", *args, "--no-cache"])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result


def review_doc(out: str = "out", *args: str) -> dict:
    run_review(".", "--out", out, *args)
    return json.loads(Path(out, "review.json").read_text(encoding="utf-8"))


def digest_now() -> str:
    return review_doc("out-digest")["digest"]


def edit(path: str, old: str, new: str) -> None:
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---- the three files -------------------------------------------------------------------------------------

def test_review_writes_json_markdown_and_html(shop):
    doc = review_doc()
    assert doc["format"] == "gdpr-lint-review" and doc["version"] == "1.0"
    assert doc["digest"] == compute_digest(doc["privacy_content"])
    assert doc["digest"].startswith("sha256:") and len(doc["digest"]) == 7 + 64
    v = doc["verdict"]
    kept = [r for r in doc["inventory"] if not r["exchanged"]]
    assert v["status"] == "blocked" and v["fields"] == len(kept) >= 6
    assert v["findings"] == len(doc["findings"]) >= 9 and v["by_severity"]["error"] >= 3
    assert set(v["processors_not_approved"]) == {"hubspot", "mixpanel"}
    fields = {(r["model"], r["field"]) for r in doc["inventory"]}
    assert ("Customer", "email") in fields and ("SavedCard", "card_number") in fields
    procs = {p["name"]: p for p in doc["processors"]}
    assert procs["mixpanel"]["leaves_eea"] is True and procs["mixpanel"]["approved"] is False
    assert "user.contact.email" in procs["hubspot"]["categories"]
    assert any(e["category"] == "user.contact.email" and e["target"] == "Logs" and e["status"] == "finding"
               for e in doc["flows"])
    finding = next(f for f in doc["findings"] if f["code"] == "GDPR301")
    assert finding["article"].startswith("Art. 5(1)(c)") and "log.info" in finding["snippet"] and finding["fix"]
    # canonical: sorted keys, stable formatting
    text = Path("out/review.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    md = Path("out/review.md").read_text(encoding="utf-8")
    assert md.startswith("## Privacy review") and "```mermaid\nflowchart LR" in md
    assert "Mixpanel, Inc." in md and doc["digest"] in md

    html = Path("out/review.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<svg" in html and "</html>" in html
    for section in ("summary", "changes", "flows", "inventory", "processors", "findings", "ignored", "signoff"):
        assert f'id="{section}"' in html
    assert "@media print" in html and "@page" in html and "max-width: 700px" in html


def test_html_is_self_contained(shop):
    review_doc()
    html = Path("out/review.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html, re.I)
    assert "default-src 'none'" in html  # a CSP that forbids any request


def test_html_escapes_what_code_says(shop):
    edit("shop/api.py", 'log.info("customer hash %s", digest)',
         'log.info("customer hash %s", digest)\n    log.info("x %s", body.email)  '
         '# gdpr-lint: ignore[GDPR301] reason="<script>alert(1)</script> & <b>"')
    doc = review_doc()
    assert any("<script>" in s["suppression_reason"] for s in doc["suppressions"])
    html = Path("out/review.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in html
    md = Path("out/review.md").read_text(encoding="utf-8")
    assert "<script>" not in md


def test_suppressions_are_shown_with_their_reason(shop):
    edit("shop/api.py", 'log.info("new customer %s", describe(body))',
         'log.info("new customer %s", describe(body))  # gdpr-lint: ignore[GDPR301] reason="handler hashes it"')
    doc = review_doc()
    assert [(s["code"], s["suppression_reason"]) for s in doc["suppressions"]] == [("GDPR301", "handler hashes it")]
    assert any(e["status"] == "suppressed" for e in doc["flows"])
    html = Path("out/review.html").read_text(encoding="utf-8")
    assert "handler hashes it" in html and 'stroke-dasharray' in html


def test_a_reason_that_reorders_text_is_shown_as_written(shop):
    """A right-to-left override in a suppression reason would make the page read otherwise than the
    code: it is shown as an escape."""
    edit("shop/api.py", 'log.info("new customer %s", describe(body))',
         'log.info("new customer %s", describe(body))  # gdpr-lint: ignore[GDPR301] reason="ok \u202edesab"')
    doc = review_doc()
    assert [s["suppression_reason"] for s in doc["suppressions"]] == ["ok \\u202edesab"]
    for name in ("review.html", "review.md"):
        assert "\u202e" not in Path("out", name).read_text(encoding="utf-8")


def test_no_flows_and_no_findings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("app.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    doc = review_doc()
    assert doc["verdict"]["status"] == "clear" and doc["flows"] == [] and doc["processors"] == []
    html = Path("out/review.html").read_text(encoding="utf-8")
    assert "No personal data reaches" in html and "<svg" not in html


# ---- the digest --------------------------------------------------------------------------------------------

def test_digest_is_stable_under_line_moves_and_reformatting(shop):
    before = digest_now()
    models = Path("shop/models.py")
    text = models.read_text(encoding="utf-8")
    product = text[text.index("class Product"):text.index("# gdpr: retention=P1Y")]
    text = text.replace(product, "")  # move Product to the end, add blank lines and comments on top
    models.write_text('"""Models."""\n\n# a comment\n\n\n' + text.split('\n', 1)[1] + "\n\n" + product,
                      encoding="utf-8")
    edit("shop/api.py", 'log.info("new customer %s", describe(body))',
         "log.info(\n        'new customer %s',\n        describe(body),\n    )")
    edit("shop/api.py", "import hashlib\n", "\n\nimport hashlib\n")
    doc = review_doc("out-after")
    assert doc["digest"] == before
    # the lines did move
    assert next(f for f in doc["findings"] if f["code"] == "GDPR301")["line"] != 35


def test_digest_ignores_code_that_touches_no_personal_data(shop):
    before = digest_now()
    edit("shop/models.py", "    sku = models.CharField(max_length=40, unique=True)\n",
         "    sku = models.CharField(max_length=40, unique=True)\n    price = models.DecimalField()\n"
         "    stock_count = models.IntegerField(default=0)\n")
    Path("shop/pricing.py").write_text(
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef total(items):\n"
        "    s = sum(i.price for i in items)\n    log.info('total %s', s)\n    return s\n", encoding="utf-8")
    assert digest_now() == before


@pytest.mark.parametrize("old,new", [
    ("    phone = models.CharField(max_length=32, blank=True)\n",
     "    phone = models.CharField(max_length=32, blank=True)\n    backup_email = models.EmailField()\n"),
    ("retention=P3Y basis=contract", "retention=P2Y basis=contract"),
    ('log.info("customer hash %s", digest)', 'log.info("customer hash %s", body.email)'),
    ("import requests\n", "import requests\nimport sendgrid\n"),
    ('    log.info("customer hash %s", digest)\n',
     '    log.info("customer hash %s", digest)\n    print(body.full_name)  # gdpr-lint: ignore[GDPR301] reason="x"\n'),
])
def test_digest_changes_with_privacy_relevant_change(shop, old, new):
    before = digest_now()
    path = "shop/api.py" if old in Path("shop/api.py").read_text(encoding="utf-8") else "shop/models.py"
    edit(path, old, new)
    assert digest_now() != before


def test_digest_changes_with_the_suppression_reason_and_the_policy(shop):
    edit("shop/api.py", 'log.info("new customer %s", describe(body))',
         'log.info("new customer %s", describe(body))  # gdpr-lint: ignore[GDPR301] reason="one"')
    one = digest_now()
    edit("shop/api.py", 'reason="one"', 'reason="two"')
    two = digest_now()
    assert one != two
    Path(".gdpr-lint.yaml").write_text(Path(".gdpr-lint.yaml").read_text() + "require: [retention, basis]\n")
    assert digest_now() != two


# ---- the privacy diff ----------------------------------------------------------------------------------------

def test_privacy_diff_against_base(shop):
    commit_all(shop, "base")
    edit("shop/models.py", "    phone = models.CharField(max_length=32, blank=True)\n",
         "    phone = models.CharField(max_length=32, blank=True)\n    backup_email = models.EmailField()\n")
    edit("shop/models.py", "retention=P3Y basis=contract", "retention=P2Y basis=contract")
    edit("shop/models.py", "    name = models.CharField(max_length=200)\n",
         "    name = models.CharField(max_length=200)\n    weight = models.IntegerField()\n")
    edit("shop/api.py", "import requests\n", "import requests\nimport sendgrid\n")
    edit("shop/api.py", "    ip_address = Column(String(45))  # gdpr: retention=P90D basis=legitimate-interests\n", "")
    commit_all(shop, "change")
    doc = review_doc("out", "--base", "HEAD~1")
    d = doc["diff"]
    assert d["base"] == "HEAD~1" and len(d["base_commit"]) == 40 and not d["unchanged"]
    assert [(f["model"], f["field"]) for f in d["fields_added"]] == [("Customer", "backup_email")]
    assert d["fields_added"][0]["categories"] == ["user.contact.email"] and not d["fields_added"][0]["retention"]
    assert [(f["model"], f["field"]) for f in d["fields_removed"]] == [("LoginAudit", "ip_address")]
    changed = {(f["model"], f["field"]): f["changes"] for f in d["fields_changed"]}
    assert changed == {("Customer", "email"): [{"attribute": "retention", "old": "P3Y", "new": "P2Y"}]}
    assert d["processors_added"] == ["sendgrid"] and d["processors_removed"] == []
    new_codes = sorted(f["code"] for f in d["new_findings"])
    assert new_codes == ["GDPR101", "GDPR401"]
    assert doc["verdict"]["new_findings"] == 2
    html = Path("out/review.html").read_text(encoding="utf-8")
    assert "backup_email" in html and "Fields changed" in html and "sendgrid" in html
    md = Path("out/review.md").read_text(encoding="utf-8")
    assert "**Fields added:**" in md and "backup_email" in md and "sendgrid" in md


def test_privacy_diff_unchanged_when_only_lines_moved(shop):
    commit_all(shop, "base")
    edit("shop/api.py", "import hashlib\n", "\n\n# moved\nimport hashlib\n")
    doc = review_doc("out", "--base", "main")
    assert doc["diff"]["unchanged"] and doc["diff"]["new_findings"] == []
    assert "No privacy-relevant change since" in Path("out/review.html").read_text(encoding="utf-8")


def test_base_in_a_subfolder_and_paths_new_in_head(shop):
    commit_all(shop, "base")
    Path("newpkg").mkdir()
    Path("newpkg/m.py").write_text("import logging\n\ndef f(user):\n    logging.info('%s', user.email)\n")
    commit_all(shop, "new package")
    doc = review_doc("out", "--base", "HEAD~1")
    assert [f["code"] for f in doc["diff"]["new_findings"]] == ["GDPR301"]
    monkey_sub = Path("shop")
    result = CliRunner().invoke(main, ["review", str(monkey_sub), "--out", "out2", "--no-cache", "--base", "HEAD~1"])
    assert result.exit_code == 0, result.output
    assert json.loads(Path("out2/review.json").read_text())["diff"]["unchanged"]


def test_base_from_a_subfolder_of_the_repository(shop, monkeypatch):
    """`review --base` run inside a subfolder (a package of a bigger repository): git's archive is
    read from the top of the repository, and the new finding is the same as from the top."""
    commit_all(shop, "base")
    Path("newpkg").mkdir()
    Path("newpkg/m.py").write_text("import logging\n\ndef f(user):\n    logging.info('%s', user.email)\n")
    commit_all(shop, "new package")
    monkeypatch.chdir(shop / "newpkg")
    result = CliRunner().invoke(main, ["review", ".", "--out", "../out3", "--no-cache", "--base", "HEAD~1"])
    assert result.exit_code == 0, result.output
    new = json.loads((shop / "out3" / "review.json").read_text())["diff"]["new_findings"]
    assert [(f["code"], f["line"]) for f in new] == [("GDPR301", 4)]


def test_bad_base_is_a_usage_error(shop):
    result = CliRunner().invoke(main, ["review", ".", "--out", "out", "--base", "main"])
    assert result.exit_code == 2 and "git repository" in result.stderr
    commit_all(shop, "base")
    result = CliRunner().invoke(main, ["review", ".", "--out", "out", "--base", "no-such-branch"])
    assert result.exit_code == 2 and "not a known branch" in result.stderr and "Traceback" not in result.output
    assert "git fetch origin no-such-branch:no-such-branch" in result.stderr


def test_base_missing_from_a_shallow_clone_says_what_to_fetch(shop, tmp_path, monkeypatch):
    """A CI checkout is one commit deep: `review --base origin/main` names the fetch that brings it."""
    commit_all(shop, "base")
    (shop / "shop" / "extra.py").write_text("x = 1\n")
    commit_all(shop, "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", shop.as_uri(), str(clone))
    monkeypatch.chdir(clone)
    result = CliRunner().invoke(main, ["review", ".", "--out", "out", "--base", "origin/base-branch"])
    assert result.exit_code == 2 and "shallow clone" in result.stderr, result.output
    assert "git fetch --unshallow origin base-branch:refs/remotes/origin/base-branch" in result.stderr


def test_summary_diagram_and_lists_agree_and_accepted_findings_count(tmp_path, monkeypatch):
    """The summary counts what the lists show: a suppressed IBAN column is an accepted unencrypted
    field, not "0 unencrypted"; a baselined finding is accepted with its reason; a file with Python 2
    syntax is a file not checked, not an error that blocks; an SDK imported with no personal data
    seen going to it is in the diagram as well as in the count of unapproved processors."""
    from _review_checks import disagreements

    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(
        "from django.db import models\n\n\n# gdpr: retention=P10Y basis=legal-obligation\nclass Payout(models.Model):\n"
        "    iban = models.CharField(max_length=34)  # gdpr-lint: ignore[GDPR201] reason=\"encrypted by the DB\"\n")
    (app / "views.py").write_text("import logging\nimport mixpanel\n\nlog = logging.getLogger(__name__)\n\n\n"
                                  "def show(user):\n    log.info('%s', user.email)\n")
    (app / "legacy.py").write_text("print 'hello'\n")
    monkeypatch.chdir(tmp_path)
    code = CliRunner().invoke(main, ["baseline", "app/views.py", "--no-cache", "--reason", "old logging, PRIV-3"])
    assert code.exit_code == 0, code.output
    doc = review_doc("out")
    assert disagreements(doc) == []
    v = doc["verdict"]
    assert v["unencrypted_sensitive"] == 0 and v["unencrypted_sensitive_accepted"] == 1
    assert sorted(f["code"] for f in doc["baselined"]) == ["GDPR301", "GDPR401"]
    assert {f["suppression_reason"] for f in doc["baselined"]} == {"old logging, PRIV-3"}
    assert v["not_checked"] == 1 and "could not be checked" in v["headline"]
    assert "mixpanel" in v["processors_not_approved"]
    assert [f["code"] for f in doc["findings"]] == ["GDPR503", "GDPR504"] and v["accepted"] == 3  # (no routines)
    assert v["status"] == "blocked"  # by the unapproved processor (the DPO's to approve), not by the syntax error
    md = Path("out", "review.md").read_text(encoding="utf-8")
    assert "old logging, PRIV-3" in md and "encrypted by the DB" in md
    assert "| Sensitive, stored unencrypted | 0 (and 1 accepted) |" in md
    html = Path("out", "review.html").read_text(encoding="utf-8")
    assert "and 1 accepted by developers" in html and "could not be checked" in html
    # without the processor and the baseline, the syntax error alone leaves the verdict clear
    (app / "views.py").write_text("def show(user):\n    return user.pk\n")
    Path(".gdpr-lint-baseline.json").unlink()
    doc = review_doc("out2")
    assert disagreements(doc) == [] and doc["verdict"]["status"] != "blocked", doc["verdict"]


REALWORLD = Path.home() / ".cache" / "gdpr-lint" / "realworld" / "fastapi-users-15.0.5"


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="the realworld corpus (../shared/realworld/score.py) is not downloaded")
def test_summary_diagram_and_lists_agree_on_a_real_project(tmp_path, monkeypatch):
    from _review_checks import disagreements

    monkeypatch.chdir(REALWORLD)
    result = CliRunner().invoke(main, ["review", ".", "--out", str(tmp_path / "out"), "--no-cache"])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "review.json").read_text(encoding="utf-8"))
    assert doc["findings"] and disagreements(doc) == []


def test_an_approved_processor_shows_what_it_receives(tmp_path, monkeypatch):
    """Stripe, approved, receives an e-mail address: no finding, yet the review's processor table,
    summary and diagram say it receives it (not "no personal data seen")."""
    from _review_checks import disagreements

    (tmp_path / "billing.py").write_text(
        "import stripe\n\n\ndef charge(user):\n    stripe.Customer.create(email=user.email)\n")
    (tmp_path / ".gdpr-lint.yaml").write_text(
        "approved_processors:\n  - {name: stripe, dpa: DPA-7, region: US, transfer_mechanism: SCC}\n")
    monkeypatch.chdir(tmp_path)
    doc = review_doc("out")
    (stripe,) = doc["processors"]
    assert stripe["categories"] == ["user.contact.email"] and stripe["status"] == "approved"
    assert any(u["line"] == 5 for u in stripe["uses"])
    assert [(e["category"], e["status"]) for e in doc["flows"]] == [("user.contact.email", "ok")]
    assert disagreements(doc) == []


def test_the_record_table_counts_what_the_summary_counts(tmp_path, monkeypatch):
    """The summary counts the fields kept; schemas that only carry data in and out are listed
    apart, under their own heading, so the two can be read together."""

    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "examples" / "shop", tmp_path / "shop")
    monkeypatch.chdir(tmp_path / "shop")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["review", ".", "--out", str(out), "--no-cache"]).exit_code == 0
    html = (out / "review.html").read_text(encoding="utf-8")
    review = json.loads((out / "review.json").read_text(encoding="utf-8"))
    kept = [r for r in review["inventory"] if not r.get("exchanged")]
    carried = [r for r in review["inventory"] if r.get("exchanged")]
    assert carried  # the example's Pydantic schema
    section = html[html.index('<section id="inventory">'):]
    section = section[:section.index("</section>")]
    kept_table, _, carried_part = section.partition("Carried in and out, not kept")
    assert len(re.findall(r'<td class="lead" data-label="Field">', kept_table)) == len(kept)
    assert len(re.findall(r'<td class="lead" data-label="Field">', carried_part)) == len(carried)
    assert f"<b>{len(kept)}</b><span>personal-data fields kept</span>" in html
