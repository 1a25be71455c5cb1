"""The SARIF, GitHub, GitLab and Markdown reporters on a small real scan."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from gdpr_lint.cli import main
from gdpr_lint.policy import load_policy
from gdpr_lint.policy.config import OrgConfig
from gdpr_lint.reporters import get
from gdpr_lint.scan import ScanResult, scan

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
SOURCE = (
    "import logging\n"
    "log = logging.getLogger(__name__)\n"
    "def f(user):\n"
    '    log.info("x %s", user.email)\n'
    '    log.info("y %s", user.phone)  # gdpr-lint: ignore[GDPR301] reason="hashed upstream"\n'
)
# ::level file=...,line=...[,col=...],endLine=...[,endColumn=...],title=...::message
GITHUB_LINE = re.compile(
    r"^::(?P<level>error|warning|notice) file=(?P<file>[^,:]+),line=(?P<line>\d+)(?:,col=(?P<col>\d+))?"
    r",endLine=(?P<end_line>\d+)(?:,endColumn=(?P<end_col>\d+))?,title=(?P<title>[^,:]+)::(?P<message>[^\r\n]*)$")


@pytest.fixture(scope="module")
def policy():
    return load_policy(OrgConfig())


@pytest.fixture()
def result(tmp_path, policy) -> ScanResult:
    src = tmp_path / "app.py"
    src.write_text(SOURCE, encoding="utf-8")
    res = scan([src], policy, root=tmp_path, jobs=1, cache_dir=None)
    assert [f.code for f in res.findings] == ["GDPR301"]
    assert [f.suppression_reason for f in res.suppressed] == ["hashed upstream"]
    return res


def _odd(result: ScanResult) -> ScanResult:
    """The scan with the finding's message holding a newline, a comma, a colon and a pipe."""
    f = dataclasses.replace(result.findings[0], message="line one,\nline two: 100% | done")
    return dataclasses.replace(result, findings=[f])


# ---- SARIF ----------------------------------------------------------------------------------------
def test_sarif_validates_against_the_official_schema(result, policy):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    log = json.loads(get("sarif")(result, policy))
    jsonschema.Draft7Validator(schema).validate(log)
    assert log["version"] == "2.1.0"
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):  # the schema really checks results
        jsonschema.Draft7Validator(schema).validate(log)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"


def test_sarif_content(result, policy):
    run = json.loads(get("sarif")(result, policy))["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "gdpr-lint" and driver["informationUri"]
    assert [r["id"] for r in driver["rules"]] == list(policy.rules)
    rule = driver["rules"][0]
    assert rule["help"]["markdown"] and policy.rules[rule["id"]].article in rule["help"]["text"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == result.root.resolve().as_uri() + "/"

    (active,) = run["results"]  # the suppressed finding is left out: GitHub ignores SARIF suppressions
    assert driver["rules"][active["ruleIndex"]]["id"] == active["ruleId"] == "GDPR301"
    assert active["level"] == "warning" and "suppressions" not in active
    loc = active["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 4, "startColumn": 5, "endLine": 4, "endColumn": 33}
    assert active["partialFingerprints"] == {"gdprLint/v1": result.findings[0].fingerprint}
    assert active["properties"] == {"categories": ["user.contact.email"], "family": "logging"}
    assert result.suppressed and "hashed upstream" not in json.dumps(run["results"])


def test_sarif_rules_rank_as_github_ranks_security_alerts(result, policy):
    """Privacy rules carry the `security` tag with a security-severity from their severity and a
    precision; the tool's own rules (could not check a file) are problems, not security alerts;
    no tag is a placeholder."""
    rules = {r["id"]: r for r in json.loads(get("sarif")(result, policy))["runs"][0]["tool"]["driver"]["rules"]}
    log = rules["GDPR301"]["properties"]
    assert "security" in log["tags"] and float(log["security-severity"]) > 0 and log["precision"] == "high"
    severities = {code: float(r["properties"]["security-severity"]) for code, r in rules.items()
                  if "security-severity" in r["properties"]}
    errors = [c for c in severities if policy.severity_of(c) == "error"]
    warnings = [c for c in severities if policy.severity_of(c) == "warning"]
    assert errors and warnings and min(severities[c] for c in errors) > max(severities[c] for c in warnings)
    tool = rules["GDPR901"]["properties"]
    assert "security" not in tool["tags"] and "security-severity" not in tool and tool["problem.severity"]
    assert all("-" not in r["properties"]["tags"] for r in rules.values())


def test_sarif_every_rule_links_its_page_and_the_tool_its_home(result, policy):
    """helpUri: the rule's page in docs/rules at this release's tag; the page is in this tree."""
    from gdpr_lint import REPOSITORY, __version__

    driver = json.loads(get("sarif")(result, policy))["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == REPOSITORY
    repo = Path(__file__).resolve().parents[1]
    for rule in driver["rules"]:
        prefix = f"{REPOSITORY}/blob/v{__version__}/"
        assert rule["helpUri"].startswith(prefix), rule["helpUri"]
        page = repo / rule["helpUri"][len(prefix):]
        assert page == repo / "docs" / "rules" / f"{rule['id']}.md" and page.is_file(), page


def test_sarif_include_suppressed_marks_suppressed_and_baselined_findings(result, policy):
    """By default only open findings; with include_suppressed the in-source suppression and a
    baselined finding come back marked, with their reasons, and the log is still valid."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    accepted = dataclasses.replace(result.findings[0], line=9, end_line=9, suppression_reason="legacy, PRIV-12")
    both = dataclasses.replace(result, baselined=[accepted])
    assert len(json.loads(get("sarif")(both, policy))["runs"][0]["results"]) == 1
    log = json.loads(get("sarif")(both, policy, include_suppressed=True))
    jsonschema.Draft7Validator(schema).validate(log)
    marks = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r.get("suppressions")
             for r in log["runs"][0]["results"]}
    assert marks == {4: None,
                     5: [{"kind": "inSource", "status": "accepted", "justification": "hashed upstream"}],
                     9: [{"kind": "external", "status": "accepted", "justification": "legacy, PRIV-12"}]}


def test_sarif_keeps_the_most_severe_results_under_githubs_cap(result, policy, monkeypatch):
    """Past the cap GitHub rejects the whole upload: the errors are kept first, the rest left out
    with a notification that says how many; the log stays valid."""
    from gdpr_lint.reporters import sarif

    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    base = result.findings[0]
    many = [dataclasses.replace(base, line=10 + i, end_line=10 + i, severity="warning") for i in range(4)]
    many.append(dataclasses.replace(base, line=99, end_line=99, severity="error"))
    log = json.loads(get("sarif")(dataclasses.replace(result, findings=many), policy))
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    run = log["runs"][0]
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]]
    assert lines == [10, 11, 99]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("2 of 5 results left out")
    assert "invocations" not in json.loads(get("sarif")(result, policy))["runs"][0]


def test_sarif_info_is_note(result, policy):
    f = dataclasses.replace(result.findings[0], severity="info")
    run = json.loads(get("sarif")(dataclasses.replace(result, findings=[f], suppressed=[]), policy))["runs"][0]
    assert [r["level"] for r in run["results"]] == ["note"]


# ---- GitHub ---------------------------------------------------------------------------------------
def test_github_annotations(result, policy):
    lines = get("github")(result, policy).splitlines()
    assert len(lines) == 1  # suppressed findings are not annotated
    m = GITHUB_LINE.match(lines[0])
    assert m, lines[0]
    assert m.group("level", "file", "line", "col", "end_line", "end_col") == ("warning", "app.py", "4", "5", "4", "33")
    assert m.group("title") == "GDPR301 personal-data-in-log"


def test_github_escaping(result, policy):
    out = get("github")(_odd(result), policy)
    assert out.count("\n") == 1
    m = GITHUB_LINE.match(out.rstrip("\n"))
    assert m, out
    assert m.group("message").startswith("line one,%0Aline two: 100%25 | done")


def test_github_multiline_finding_has_no_columns(result, policy):
    f = dataclasses.replace(result.findings[0], end_line=6)
    m = GITHUB_LINE.match(get("github")(dataclasses.replace(result, findings=[f]), policy).rstrip("\n"))
    assert m and m.group("col") is None and m.group("end_col") is None and m.group("end_line") == "6"


def test_github_escapes_property_values():
    from gdpr_lint.reporters.github import escape_property

    assert escape_property("a,b:c%d\ne") == "a%2Cb%3Ac%25d%0Ae"


# ---- GitLab ---------------------------------------------------------------------------------------
def test_gitlab_code_quality(result, policy):
    twice = dataclasses.replace(result, findings=result.findings * 2)  # same fingerprint and line
    issues = json.loads(get("gitlab")(twice, policy))
    assert isinstance(issues, list) and len(issues) == 2
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= issue.keys()
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert set(issue.get("categories", [])) <= {"Bug Risk", "Clarity", "Compatibility", "Complexity",
                                                     "Duplication", "Performance", "Security", "Style"}
    assert issues[0]["location"] == {"path": "app.py", "lines": {"begin": 4, "end": 4}}
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_gitlab_fingerprint_does_not_move_with_the_line(result, policy):
    """A line added above a finding must not show it in the merge request as fixed and new."""
    moved = dataclasses.replace(result, findings=[dataclasses.replace(f, line=f.line + 3, end_line=f.end_line + 3)
                                                  for f in result.findings])
    before = [i["fingerprint"] for i in json.loads(get("gitlab")(result, policy))]
    after = [i["fingerprint"] for i in json.loads(get("gitlab")(moved, policy))]
    assert before and before == after


def test_gitlab_empty(result, policy):
    assert json.loads(get("gitlab")(dataclasses.replace(result, findings=[]), policy)) == []


# ---- Markdown -------------------------------------------------------------------------------------
@pytest.fixture
def outside_ci(monkeypatch):
    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA", "CI_PROJECT_URL", "CI_COMMIT_SHA"):
        monkeypatch.delenv(name, raising=False)


def test_markdown_comment(result, policy, outside_ci):
    md = get("markdown")(_odd(result), policy)
    assert md.startswith("## gdpr-lint")
    assert "| Family | Findings |" in md
    for family in ("retention", "storage", "logging", "processor", "tool"):
        assert re.search(rf"^\| {family} \| \d+ \|$", md, re.M)
    assert "[`app.py:4`](app.py#L4)" in md
    assert "line one, line two: 100% \\| done" in md


def test_markdown_links_point_at_the_commit_in_a_ci_job(result, policy, outside_ci, monkeypatch):
    """A relative link in a pull-request comment resolves to a 404: in GitHub Actions and GitLab CI
    the link names the file at the commit scanned."""
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_SHA", "abc123")
    assert "(https://github.com/acme/shop/blob/abc123/app.py#L4)" in get("markdown")(result, policy)
    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("CI_PROJECT_URL", "https://gitlab.example.com/acme/shop")
    monkeypatch.setenv("CI_COMMIT_SHA", "def456")
    assert "(https://gitlab.example.com/acme/shop/-/blob/def456/app.py#L4)" in get("markdown")(result, policy)


def test_markdown_link_base_option(tmp_path, monkeypatch, outside_ci):
    """`--link-base` wins over the CI environment; a trailing slash is added; a non-URL is a usage error."""
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_SHA", "abc123")
    res = CliRunner().invoke(main, ["check", "--no-cache", "--no-fail", "--format", "markdown", "--link-base",
                                    "https://git.example.com/acme/shop/src/commit/f00", "app.py"])
    assert "(https://git.example.com/acme/shop/src/commit/f00/app.py#L4)" in res.stdout, res.output
    res = CliRunner().invoke(main, ["check", "--no-cache", "--format", "markdown", "--link-base", "shop/", "app.py"])
    assert res.exit_code == 2 and "--link-base" in res.stderr


def test_markdown_empty_and_capped(result, policy, outside_ci):
    assert "No findings" in get("markdown")(dataclasses.replace(result, findings=[]), policy)
    many = dataclasses.replace(result, findings=result.findings * 250)
    md = get("markdown")(many, policy)
    assert md.count("](app.py#L4)") == 200
    assert "first 200 of 250" in md


# ---- CLI ------------------------------------------------------------------------------------------
def test_cli_writes_sarif_file_and_summary(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.sarif"
    res = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--no-fail", "--format", "sarif",
                                    "--output", str(out), "app.py"])
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    assert res.stderr.startswith("gdpr-lint: 1 finding (logging 1), 1 suppressed in 1 file,")
    log = json.loads(out.read_text(encoding="utf-8"))
    assert log["runs"][0]["results"][0]["ruleId"] == "GDPR301"


def test_ci_formats_give_paths_from_the_repository_root(tmp_path, monkeypatch):
    """A CI job that runs in `backend/` (`working-directory:`) reports `backend/shop/api.py`, the
    path code scanning, annotations and merge requests resolve; the text report keeps the short one."""
    from click.testing import CliRunner

    from gdpr_lint.cli import main

    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    (tmp_path / ".git").mkdir()
    shop = tmp_path / "backend" / "shop"
    shop.mkdir(parents=True)
    (shop / "api.py").write_text("import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
                                 "def signup(user):\n    log.info('new %s', user.email)\n")
    monkeypatch.chdir(tmp_path / "backend")

    def run(fmt: str) -> str:
        return CliRunner().invoke(main, ["check", "--no-cache", "--no-fail", "--format", fmt, "."]).stdout

    assert "file=backend/shop/api.py," in run("github")
    assert json.loads(run("gitlab"))[0]["location"]["path"] == "backend/shop/api.py"
    sarif = json.loads(run("sarif"))["runs"][0]
    assert sarif["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "backend/shop/api.py"
    assert sarif["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert json.loads(run("json"))["findings"][0]["path"] == "shop/api.py"


def test_the_ci_checkout_named_by_the_environment_is_the_root(tmp_path):
    """GITHUB_WORKSPACE or CI_PROJECT_DIR, when it holds the scan, is the root even where no .git
    folder is visible (a job that copies the sources, a container with the checkout mounted)."""
    from gdpr_lint.reporters import repository_root

    (tmp_path / "backend").mkdir()
    assert repository_root(tmp_path / "backend", env={"GITHUB_WORKSPACE": str(tmp_path)}) == tmp_path.resolve()
    assert repository_root(tmp_path / "backend", env={"CI_PROJECT_DIR": str(tmp_path)}) == tmp_path.resolve()
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    (tmp_path / ".git").mkdir()  # a workspace that does not hold the scan is not its root
    assert repository_root(tmp_path / "backend", env={"GITHUB_WORKSPACE": str(elsewhere)}) == tmp_path.resolve()


def test_markdown_link_bases_cannot_break_out_of_a_link(result, policy, outside_ci, monkeypatch):
    md = get("markdown")(result, policy, link_base="https://h/x)](evil) a/")
    assert "(https://h/x%29]%28evil%29%20a/app.py#L4)" in md
    monkeypatch.setenv("GITHUB_SERVER_URL", "javascript:alert(1)//")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_SHA", "abc")
    assert "[`app.py:4`](app.py#L4)" in get("markdown")(result, policy)


@pytest.mark.parametrize(("text", "lines"), [("x = 1\n", 1), ("x = 1", 1), ("", 0), ("a = 1\nb = 2\n", 2)])
def test_lines_are_counted_as_wc_counts_them(tmp_path, monkeypatch, text, lines):
    (tmp_path / "one.py").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "one.py"])
    assert json.loads(result.stdout)["summary"]["lines"] == lines


@pytest.mark.parametrize("doc", [
    {}, [], "text", 5, None, (1, 2), [1, [2, [3, {"k": ["v", None]}]]],
    {"a": [], "b": {}, "c": [[], {}], "d": "é\u2028\x00\"\\\n\U0001F600", "e": None, "f": True, "g": False,
     "h": -3, "i": 10**30},
    {"x": 1.5}, {"x": float("nan")}, {1: "a"}, {"nested": {"deeper": [{"deepest": []}]}},
])
def test_the_json_report_is_written_as_json_dumps_writes_it(doc):
    """The JSON report writes its indented text itself (the standard library's indented encoder was
    3 % of a 100,000-line module's scan): the same text, value by value."""
    import json

    from gdpr_lint.reporters.json_report import dumps_indented

    assert dumps_indented(doc) == json.dumps(doc, indent=2)


def test_a_report_for_machines_on_stdout_is_the_report_written_to_a_file(tmp_path):
    """click drops what looks like a color code from text written off a terminal: a file whose
    name held one was annotated by `--format github` as another file (`file=` named no file)."""
    import subprocess
    import sys

    name = "shop\x1b[31mapi.py"
    (tmp_path / name).write_text("import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
                                 "def signup(user):\n    log.info('new %s', user.email)\n")
    for fmt in ("github", "gitlab", "sarif", "json"):
        base = [sys.executable, "-m", "gdpr_lint", "check", "--no-cache", "--no-fail", "--format", fmt]
        shown = subprocess.run([*base, "."], cwd=tmp_path, capture_output=True, check=True).stdout
        subprocess.run([*base, "--output", "report.out", "."], cwd=tmp_path, capture_output=True, check=True)
        assert shown == (tmp_path / "report.out").read_bytes(), fmt
        (tmp_path / "report.out").unlink()
    github = subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--no-cache", "--no-fail", "--format",
                             "github", "."], cwd=tmp_path, capture_output=True, check=True, text=True).stdout
    assert f"file={name}," in github
    (tmp_path / "models.py").write_text("from django.db import models\n\n\nclass Customer(models.Model):\n"
                                        "    email = models.EmailField()  # gdpr: retention=P2Y basis=contract\n")
    (tmp_path / name).rename(tmp_path / f"{name[:-3]}_models.py")
    (tmp_path / "models.py").rename(tmp_path / name)
    for fmt in ("csv", "json", "markdown"):
        base = [sys.executable, "-m", "gdpr_lint", "inventory", "--format", fmt]
        shown = subprocess.run([*base, "."], cwd=tmp_path, capture_output=True, check=False).stdout  # (exit 1: untagged)
        subprocess.run([*base, "--output", "rows.out", "."], cwd=tmp_path, capture_output=True, check=False)
        assert shown == (tmp_path / "rows.out").read_bytes(), fmt
        assert (name in json.loads(shown)["rows"][0]["path"]) if fmt == "json" else name.encode() in shown, fmt
        (tmp_path / "rows.out").unlink()


def test_a_file_outside_the_top_is_named_from_the_top_the_report_is_based_on(tmp_path, monkeypatch):
    # from a subfolder, `../../other/x.py` was kept as named from the current folder under a
    # %SRCROOT% of the project's top: it resolved to a file beside the project (a review found it)
    leaky = 'import logging\ndef f(user):\n    logging.info("%s", user.email)\n'
    (tmp_path / "proj" / "app").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "proj" / "app" / "views.py").write_text(leaky)
    (tmp_path / "other" / "x.py").write_text(leaky)
    monkeypatch.chdir(tmp_path / "proj" / "app")
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "sarif", "../../other/x.py", "views.py"])
    run = json.loads(result.stdout)["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"])
    assert base.rstrip("/").endswith("/proj") and uris == ["../other/x.py", "app/views.py"]
