"""``gdpr-lint baseline`` and ``check --baseline``: matching survives moves, renames and re-wrapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _gitrepo import (
    API,
    BASE_FINDINGS,
    add_line_after,
    base_repo,
    check_json,
    commit_all,
    gdpr_lint,
    git,
    isolate_git,
    write,
)

from gdpr_lint.filters.baseline import BASELINE_NAME, Baseline, Entry, apply, load

NEW_LOG = '    log.info("shipped to %s", customer.email)'


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    isolate_git(monkeypatch, tmp_path)
    repo = base_repo(tmp_path / "repo")
    code, _, err = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache", "--jobs", "1")
    assert code == 0, err
    assert f"{BASE_FINDINGS} findings" in err
    return repo


def with_baseline(monkeypatch, repo, *args):
    return check_json(monkeypatch, repo, "--baseline", BASELINE_NAME, *args)


def test_file_format_has_no_line_numbers(repo):
    doc = json.loads((repo / BASELINE_NAME).read_text())
    assert doc["version"] == 1 and doc["tool"]["name"] == "gdpr-lint" and doc["tool"]["version"]
    assert doc["policy"] and doc["findings"] == BASE_FINDINGS
    assert sum(e["count"] for e in doc["entries"]) == BASE_FINDINGS
    for entry in doc["entries"]:
        assert set(entry) == {"code", "path", "symbol", "fingerprint", "count", "categories"}  # no reason given
    assert any({"code": "GDPR301", "path": "shop/api.py", "symbol": "signup"}.items() <= e.items()
               for e in doc["entries"])


def test_unchanged_tree_reports_nothing(repo, monkeypatch):
    code, findings, err = with_baseline(monkeypatch, repo)
    assert code == 0 and findings == []
    assert f"{BASE_FINDINGS} findings baselined" in err and "0 stale" in err


def test_one_new_log_call_over_the_whole_tree(repo, monkeypatch):
    git(repo, "checkout", "-q", "-b", "feature")
    add_line_after(repo, "shop/api.py", 'log.warning("shipping to', NEW_LOG)
    commit_all(repo, "log the address")
    code, findings, err = with_baseline(monkeypatch, repo)
    assert code == 1
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [("GDPR301", "shop/api.py", 14)]
    assert f"{BASE_FINDINGS} findings baselined" in err
    # combined with --diff: the same one finding
    code, findings, _ = with_baseline(monkeypatch, repo, "--diff", "main")
    assert [(f["path"], f["line"]) for f in findings] == [("shop/api.py", 14)]


def test_moving_code_up_and_down_keeps_findings_matched(repo, monkeypatch):
    signup, ship = API.split("\n\n\ndef ")[1:]
    head = API.split("\n\n\ndef ")[0]
    write(repo, "shop/api.py", f"{head}\n\n# a comment\n# and another\n\n\ndef {ship}\n\n\ndef {signup}")
    models = repo / "shop/models.py"
    models.write_text("\n\n\n" + models.read_text(), encoding="utf-8")  # every line moves down
    code, findings, err = with_baseline(monkeypatch, repo)
    assert code == 0 and findings == [], findings
    assert "0 stale" in err


def test_renaming_an_unrelated_function_keeps_findings_matched(repo, monkeypatch):
    path = repo / "shop/api.py"
    path.write_text(path.read_text() + "\n\ndef helper(x):\n    return x\n", encoding="utf-8")
    code, _, _ = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache", "--jobs", "1")
    path.write_text(path.read_text().replace("def helper(", "def renamed_helper("), encoding="utf-8")
    code, findings, _ = with_baseline(monkeypatch, repo)
    assert code == 0 and findings == []


def test_reformatting_a_call_keeps_findings_matched(repo, monkeypatch):
    path = repo / "shop/api.py"
    text = path.read_text()
    text = text.replace('log.info("signup %s", user.email)',
                        "log.info(\n        'signup %s',\n        user.email,  # re-wrapped\n    )")
    text = text.replace('print("welcome", user.name)', 'print( "welcome" ,user.name )')
    path.write_text(text, encoding="utf-8")
    code, findings, err = with_baseline(monkeypatch, repo)
    assert code == 0 and findings == [], findings
    assert "0 stale" in err


def test_changing_the_logged_expression_is_a_new_finding_and_the_old_entry_is_stale(repo, monkeypatch):
    path = repo / "shop/api.py"
    path.write_text(path.read_text().replace('log.info("signup %s", user.email)',
                                             'log.info("signup %s", user.email_address)'), encoding="utf-8")
    code, findings, err = with_baseline(monkeypatch, repo)
    assert code == 1
    assert [(f["line"], f["symbol"]) for f in findings] == [(7, "signup")]
    assert "1 baseline entry is stale" in err and "shop/api.py: GDPR301 in signup" in err


def test_fixed_findings_are_reported_stale(repo, monkeypatch):
    path = repo / "shop/api.py"
    path.write_text(path.read_text().replace("user.email)", "user.id)").replace("user.name)", "user.id)"),
                    encoding="utf-8")
    code, findings, err = with_baseline(monkeypatch, repo)
    assert code == 0 and findings == []
    assert "2 baseline entries are stale" in err


def test_duplicates_are_counted(repo, monkeypatch):
    add_line_after(repo, "shop/api.py", 'log.info("signup %s", user.email)', '    log.info("signup %s", user.email)')
    code, _, _ = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache", "--jobs", "1")
    doc = json.loads((repo / BASELINE_NAME).read_text())
    assert [e["count"] for e in doc["entries"] if e["symbol"] == "signup" and e["count"] == 2]
    # a third copy is new
    add_line_after(repo, "shop/api.py", 'log.info("signup %s", user.email)', '    log.info("signup %s", user.email)')
    code, findings, _ = with_baseline(monkeypatch, repo)
    assert code == 1 and len(findings) == 1


def test_entries_of_files_outside_the_scan_are_not_stale(repo, monkeypatch):
    code, findings, err = with_baseline(monkeypatch, repo, "shop/api.py")
    assert code == 0 and findings == [] and "3 findings baselined" in err and "0 stale" in err


def test_output_option_and_cwd(repo, monkeypatch, tmp_path):
    target = tmp_path / "elsewhere.json"
    code, _, err = gdpr_lint(monkeypatch, repo, "baseline", "shop", "--output", str(target), "--no-cache")
    assert code == 0 and target.is_file() and str(target) in err
    code, findings, _ = check_json(monkeypatch, repo, "--baseline", str(target))
    assert code == 0 and findings == []


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not JSON"),
    ("[]", "expected an object"),
    ('{"version": 1, "entries": [{"code": "GDPR301"}]}', "entries[0].fingerprint"),
    ('{"version": 1, "entries": [{"fingerprint": "ab", "count": 0}]}', "entries[0].count"),
    ('{"version": 99, "entries": []}', "version 99"),
])
def test_malformed_baseline_is_a_usage_error_naming_the_file(repo, monkeypatch, content, problem):
    (repo / "bad.json").write_text(content, encoding="utf-8")
    code, _, err = check_json(monkeypatch, repo, "--baseline", "bad.json")
    assert code == 2, err
    assert "bad.json" in err and problem in err and "Traceback" not in err


def test_missing_baseline_file(repo, monkeypatch):
    code, _, err = check_json(monkeypatch, repo, "--baseline", "nope.json")
    assert code == 2 and "nope.json" in err and "gdpr-lint baseline" in err


def test_apply_unit():
    from gdpr_lint.findings import Finding

    def finding(fp):
        return Finding("GDPR301", "n", "logging", "warning", "a.py", 1, 1, 1, 2, "m", fingerprint=fp)

    base = Baseline("b.json", [Entry("GDPR301", "a.py", "f", "x", 2), Entry("GDPR301", "b.py", "g", "y", 1),
                               Entry("GDPR301", "a.py", "h", "z", 1)])
    out = apply([finding("x"), finding("x"), finding("x"), finding("w")], base, scanned={"a.py"})
    assert [f.fingerprint for f in out.findings] == ["x", "w"]
    assert out.baselined == 2
    assert [(e.fingerprint, e.count) for e in out.stale] == [("z", 1)]
    assert load  # imported for the CLI tests above



def test_a_finding_that_now_carries_another_category_is_new(repo, monkeypatch):
    """A helper's file write is baselined with the e-mail address its caller passed; a new caller in
    another file hands it a card number: the write, unchanged, now stores more, and is reported."""
    write(repo, "shop/archive.py", "class Archive:\n    def add_text(self, name, value):\n"
          "        with open(name, 'w') as fp:\n            fp.write(str(value))\n")
    write(repo, "shop/export.py", "from shop.archive import Archive\n\n\ndef export(customer):\n"
          "    archive = Archive()\n    archive.add_text('email', customer.email)\n")
    code, _, err = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache", "--jobs", "1")
    assert code == 0, err
    code, findings, _ = with_baseline(monkeypatch, repo)
    assert findings == []
    write(repo, "shop/billing.py", "from shop.archive import Archive\n\n\ndef keep(customer):\n"
          "    archive = Archive()\n    archive.add_text('card', customer.card_number)\n")
    code, findings, _ = with_baseline(monkeypatch, repo)
    assert [(f["path"], f["code"]) for f in findings] == [("shop/archive.py", "GDPR202")]


def test_an_older_baseline_without_categories_accepts_any():
    from gdpr_lint.findings import Finding

    found = Finding("GDPR202", "n", "storage", "warning", "a.py", 1, 1, 1, 2, "m", fingerprint="x",
                    categories=["user.financial.credit_card"])
    assert apply([found], Baseline("b.json", [Entry("GDPR202", "a.py", "f", "x", 1)])).findings == []
    narrow = Baseline("b.json", [Entry("GDPR202", "a.py", "f", "x", 1, frozenset({"user.contact.email"}))])
    assert apply([found], narrow).findings == [found]


def test_a_manifest_finding_is_checked_against_the_baseline_too(repo, monkeypatch):
    """GDPR406 (a dependency manifest) is neither dropped by `--baseline` nor exempt from it."""
    write(repo, "requirements.txt", "requests==2.31\nmixpanel==4.10\n")
    code, findings, _ = with_baseline(monkeypatch, repo)
    assert [(f["path"], f["code"]) for f in findings] == [("requirements.txt", "GDPR406")]
    code, _, err = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache", "--jobs", "1")
    assert code == 0, err
    code, findings, _ = with_baseline(monkeypatch, repo)
    assert findings == []


def test_reasons_are_recorded_kept_across_regeneration_and_shown_in_the_review(repo, monkeypatch):
    code, _, err = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache", "--reason", "legacy code, ticket PRIV-12")
    assert code == 0, err
    first = json.loads((repo / BASELINE_NAME).read_text())
    assert {e.get("reason") for e in first["entries"]} == {"legacy code, ticket PRIV-12"}
    # a hand-edited reason on one entry, then a new finding and a regeneration with another reason
    first["entries"][0]["reason"] = "kept 10 years: tax law"
    (repo / BASELINE_NAME).write_text(json.dumps(first), encoding="utf-8")
    add_line_after(repo, "shop/api.py", 'log.warning("shipping to', NEW_LOG)
    code, _, err = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache", "--reason", "accepted in review 7")
    assert code == 0, err
    second = json.loads((repo / BASELINE_NAME).read_text())
    by_fp = {e["fingerprint"]: e.get("reason") for e in second["entries"]}
    assert by_fp[first["entries"][0]["fingerprint"]] == "kept 10 years: tax law"
    old = {e["fingerprint"] for e in first["entries"][1:]}
    assert all(by_fp[fp] == "legacy code, ticket PRIV-12" for fp in old)
    new = set(by_fp) - {e["fingerprint"] for e in first["entries"]}
    assert new and all(by_fp[fp] == "accepted in review 7" for fp in new)
    # without --reason, regenerating keeps every reason and gives none to nothing new
    code, _, err = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache")
    assert {e["fingerprint"]: e.get("reason") for e in json.loads((repo / BASELINE_NAME).read_text())["entries"]} \
        == by_fp
    assert load(repo / BASELINE_NAME).entries[0].reason
    # the DPO review shows the reasons, not "no reason given"
    code, _, err = gdpr_lint(monkeypatch, repo, "review", "--no-cache", "--out", "rev")
    assert code in (0, 1), err
    page = (repo / "rev" / "review.md").read_text(encoding="utf-8")
    assert "kept 10 years: tax law" in page and "accepted in review 7" in page
    assert "no reason given" not in page


def test_a_reason_that_is_not_text_is_a_usage_error(repo, monkeypatch):
    (repo / "bad.json").write_text('{"version": 1, "entries": [{"fingerprint": "ab", "reason": 3}]}', encoding="utf-8")
    code, _, err = check_json(monkeypatch, repo, "--baseline", "bad.json")
    assert code == 2 and "entries[0].reason" in err
    # `baseline` replaces a file it cannot read (as the error above tells), saying so
    code, _, err = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache", "--output", "bad.json")
    assert code == 0 and "entries[0].reason" in err and "replacing it" in err
    assert load(repo / "bad.json").entries


def test_a_baseline_works_from_any_folder_of_the_repository(repo, monkeypatch):
    """Entries are recorded with paths and fingerprints from the repository's top: a baseline made
    at the top matches in a subfolder's check, and one made in a subfolder matches at the top."""
    code, findings, err = check_json(monkeypatch, repo / "shop", "--baseline", str(repo / BASELINE_NAME), ".")
    assert code == 0 and findings == [], err
    assert "0 stale" in err
    (repo / BASELINE_NAME).unlink()
    code, _, err = gdpr_lint(monkeypatch, repo / "shop", "baseline", "--no-cache", ".")
    assert code == 0, err
    doc = json.loads((repo / "shop" / BASELINE_NAME).read_text())
    assert all(e["path"].startswith("shop/") for e in doc["entries"])
    code, findings, err = check_json(monkeypatch, repo, "--baseline", f"shop/{BASELINE_NAME}", "shop")
    assert code == 0 and findings == [], err


def test_the_message_counts_what_the_file_holds_and_names_unreadable_files_left_out(repo, monkeypatch):
    """A file that could not be checked is not baselined (it stays reported until fixed): the
    message counts the findings the file holds, and says how many were left out (found by a
    fresh-user check: it counted them in)."""
    (repo / "shop" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    (repo / "shop" / "binary.py").write_bytes(b"\x00\xff\xfe\x00")
    code, _, err = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache", "--jobs", "1")
    assert code == 0, err
    doc = json.loads((repo / BASELINE_NAME).read_text())
    assert doc["findings"] == BASE_FINDINGS and f"{BASE_FINDINGS} findings as" in err
    assert "2 findings about files that could not be checked (GDPR901, GDPR902, GDPR905) are not in it" in err


def test_a_baseline_made_at_a_projects_top_matches_from_its_subfolders_outside_git(tmp_path, monkeypatch):
    # no git work tree, the project marked by its config: a baseline made at the top recorded
    # paths from there, and a check from a subfolder named them from the subfolder (every finding
    # came back as new; a fresh user found it)
    project = tmp_path / "project"
    write(project, "shop/api.py", API)
    write(project, ".gdpr-lint.yaml", "fail_on: warning\n")
    code, _, err = gdpr_lint(monkeypatch, project, "baseline", "--no-cache", "--jobs", "1")
    assert code == 0, err
    code, findings, err = check_json(monkeypatch, project / "shop", "--baseline", f"../{BASELINE_NAME}")
    assert code == 0 and findings == [], err
    add_line_after(project, "shop/api.py", 'log.warning("shipping to', NEW_LOG)
    code, findings, _ = check_json(monkeypatch, project / "shop", "--baseline", f"../{BASELINE_NAME}")
    assert code == 1 and [(f["path"], f["code"]) for f in findings] == [("api.py", "GDPR301")]


def test_the_baseline_says_how_many_files_its_findings_are_in(repo, monkeypatch):
    # it gave the number of files checked as the files of its findings (a fresh user found it)
    write(repo, "shop/quiet.py", "x = 1\n")
    code, _, err = gdpr_lint(monkeypatch, repo, "baseline", "--no-cache", "--jobs", "1")
    files = {f["path"] for f in check_json(monkeypatch, repo)[1]}
    assert code == 0 and f"entries in {len(files)} files (of 4 checked)" in err, err
