"""The organisation config: validation (exit code 2, one clear line), discovery and its effects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gdpr_lint.cli import main

LEAKY = 'import logging\nlogging.info("x %s", user_email)\n'  # GDPR301 only
PROCESSOR = "import mixpanel\n"  # GDPR401 only
KNOWN_KEYS = ("approved_processors", "exclude", "fail_on", "ignore", "retention_periods", "select", "severity")


def _no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert "Traceback" not in (result.stderr or "")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def check(*args: str) -> Result:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args])
    _no_traceback(result)
    return result


def codes(*args: str) -> tuple[int, set[str]]:
    result = check("--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, {f["code"] for f in json.loads(result.stdout)["findings"]}


def usage_error(result: Result) -> str:
    """The single error line of a usage/config error."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("gdpr-lint: error: ")
    return lines[0]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GDPR_LINT_CACHE_DIR", raising=False)
    (tmp_path / "leaky.py").write_text(LEAKY, encoding="utf-8")
    (tmp_path / "proc.py").write_text(PROCESSOR, encoding="utf-8")


def write_config(tmp_path: Path, text: str, name: str = ".gdpr-lint.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- validation ------------------------------------------------------------------------------------


def test_unknown_key_names_file_key_and_allowed_keys(tmp_path):
    write_config(tmp_path, "approved_processors: []\ncolour: red\n")
    line = usage_error(check("leaky.py"))
    assert ".gdpr-lint.yaml" in line
    assert "colour" in line
    assert "allowed:" in line
    for key in KNOWN_KEYS:
        assert key in line


def test_dashed_keys_are_accepted(tmp_path):
    write_config(tmp_path, "fail-on: error\n")
    assert check("leaky.py").exit_code == 0  # GDPR301 is a warning


def test_approved_processor_without_name(tmp_path):
    write_config(tmp_path, "approved_processors: [{}]\n")
    line = usage_error(check("proc.py"))
    assert ".gdpr-lint.yaml" in line
    assert "approved_processors[0].name" in line


def test_approved_processor_unknown_subkey(tmp_path):
    write_config(tmp_path, "approved_processors:\n  - name: mixpanel\n  - name: segment\n    dpo: jane\n")
    line = usage_error(check("proc.py"))
    assert "approved_processors[1].dpo" in line
    assert "allowed:" in line


def test_approved_processor_unknown_category(tmp_path):
    write_config(tmp_path, "approved_processors:\n  - name: mixpanel\n    categories: [user.bogus]\n")
    line = usage_error(check("proc.py"))
    assert "approved_processors[0].categories" in line
    assert "user.bogus" in line


@pytest.mark.parametrize(("sub", "value", "said"), [("dpa", "[1]", "reference"), ("region", "5", "region code"),
                                                    ("region", "NO", 'quote "NO"'), ("purpose", "7", "text"),
                                                    ("notes", "{a: 1}", "text")])
def test_approved_processor_field_of_the_wrong_type(tmp_path, sub, value, said):
    # (found by a fresh user: `dpa: [1]` and `region: 5` were made into text, `purpose: 7` kept)
    write_config(tmp_path, f"approved_processors:\n  - name: mixpanel\n    {sub}: {value}\n")
    line = usage_error(check("proc.py"))
    assert f"approved_processors[0].{sub}" in line and said in line


def test_approved_processor_fields_as_people_write_them(tmp_path):
    write_config(tmp_path, "approved_processors:\n  - name: mixpanel\n    dpa: 2024-03-01\n    region: \"NO\"\n"
                           "    purpose: product analytics\n")
    assert check("proc.py").exit_code in (0, 1)


@pytest.mark.parametrize("value", ["fatal", "1", "[warning]"])
def test_bad_severity_value(tmp_path, value):
    write_config(tmp_path, f"severity:\n  GDPR301: {value}\n")
    line = usage_error(check("leaky.py"))
    assert ".gdpr-lint.yaml" in line
    assert "severity" in line


def test_bad_severity_names_the_rule_and_allowed_values(tmp_path):
    write_config(tmp_path, "severity:\n  GDPR301: fatal\n")
    line = usage_error(check("leaky.py"))
    assert "severity.GDPR301" in line
    assert "fatal" in line
    assert "info, warning, error" in line


def test_bad_fail_on_value(tmp_path):
    write_config(tmp_path, "fail_on: sometimes\n")
    line = usage_error(check("leaky.py"))
    assert "fail_on" in line and "sometimes" in line


def test_severity_for_unknown_rule(tmp_path):
    write_config(tmp_path, "severity:\n  GDPR777: info\n")
    line = usage_error(check("leaky.py"))
    assert "GDPR777" in line


@pytest.mark.parametrize("duration", ["30 days", "P", "2Y", "P1X"])
def test_bad_iso_duration_in_retention_periods(tmp_path, duration):
    write_config(tmp_path, f"retention_periods:\n  session_logs: '{duration}'\n")
    line = usage_error(check("leaky.py"))
    assert "retention_periods.session_logs" in line
    assert "ISO 8601" in line


def test_bad_iso_duration_in_max_retention(tmp_path):
    write_config(tmp_path, "max_retention:\n  user.contact.email: forever\n")
    line = usage_error(check("leaky.py"))
    assert "max_retention.user.contact.email" in line


def test_good_iso_durations_are_accepted(tmp_path):
    write_config(tmp_path, "retention_periods:\n  session_logs: P30D\n  invoices: P10Y\n  mixed: P1Y6M\n")
    assert check("leaky.py").exit_code == 1


@pytest.mark.parametrize("text", [
    "select: [: bad\n",
    "severity:\n  GDPR301: info\n bad_indent: 1\n",
    "key: 'unterminated\n",
    "\tfail_on: error\n",
])
def test_invalid_yaml(tmp_path, text):
    write_config(tmp_path, text)
    line = usage_error(check("leaky.py"))
    assert ".gdpr-lint.yaml" in line
    assert "YAML" in line


def test_config_that_is_not_a_mapping(tmp_path):
    write_config(tmp_path, "- select\n- ignore\n")
    line = usage_error(check("leaky.py"))
    assert ".gdpr-lint.yaml" in line and "mapping" in line


def test_empty_config_is_the_default(tmp_path):
    write_config(tmp_path, "")
    assert codes("leaky.py", "proc.py") == (1, {"GDPR301", "GDPR401"})


def test_invalid_toml(tmp_path):
    write_config(tmp_path, "[tool.gdpr-lint\nselect = [\n", name="pyproject.toml")
    line = usage_error(check("leaky.py"))
    assert "pyproject.toml" in line and "TOML" in line


def test_bad_key_in_pyproject_names_the_table(tmp_path):
    write_config(tmp_path, '[tool.gdpr-lint]\nfail_on = "error"\ncolour = "red"\n', name="pyproject.toml")
    line = usage_error(check("leaky.py"))
    assert "pyproject.toml [tool.gdpr-lint]" in line
    assert "colour" in line


def test_config_file_not_utf8(tmp_path):
    (tmp_path / ".gdpr-lint.yaml").write_bytes("fail_on: érror\n".encode("latin-1"))
    line = usage_error(check("leaky.py"))
    assert ".gdpr-lint.yaml" in line


def test_missing_config_option_file(tmp_path):
    line = usage_error(check("--config", "nowhere.yaml", "leaky.py"))
    assert "nowhere.yaml" in line


@pytest.mark.parametrize(("text", "key", "where"), [
    ("fail_on: warning\nfail_on: error\n", "fail_on", "line 2, column 1"),  # the report: the last one won
    ("severity:\n  GDPR301: info\n  GDPR401: info\n  GDPR301: error\n", "GDPR301", "line 4, column 3"),
    ("approved_processors:\n  - name: mixpanel\n    region: EU\n    name: segment\n", "name", "line 4, column 5"),
])
def test_duplicate_key_is_an_error(tmp_path, text, key, where):
    write_config(tmp_path, text, name="gdpr-lint.yaml")
    line = usage_error(check("leaky.py"))
    assert "gdpr-lint.yaml" in line
    assert f"duplicate key '{key}'" in line
    assert where in line


def test_yaml_merge_key_may_still_be_overridden(tmp_path):
    # `<<` copies keys in; overriding one of them is not a duplicate key
    write_config(tmp_path, "severity:\n  <<: {GDPR301: error, GDPR401: error}\n  GDPR301: info\n")
    result = check("--format", "json", "leaky.py", "proc.py")
    assert result.exit_code == 1, result.output
    severities = {f["code"]: f["severity"] for f in json.loads(result.stdout)["findings"]}
    assert severities == {"GDPR301": "info", "GDPR401": "error"}


@pytest.mark.parametrize("value", ["no", "off", "false"])
def test_fail_on_read_as_false_hints_at_quoting(tmp_path, value):
    write_config(tmp_path, f"fail_on: {value}\n")
    line = usage_error(check("leaky.py"))
    assert "fail_on" in line
    assert "unknown severity False" not in line
    assert "info, warning, error, never" in line
    assert "quote `no`/`off`" in line


def test_severity_read_as_true_hints_at_quoting(tmp_path):
    write_config(tmp_path, "severity:\n  GDPR301: yes\n")
    line = usage_error(check("leaky.py"))
    assert "severity.GDPR301" in line
    assert "info, warning, error" in line
    assert "quote `yes`/`on`" in line


def test_quoted_no_is_still_an_unknown_severity(tmp_path):
    write_config(tmp_path, "fail_on: 'no'\n")
    line = usage_error(check("leaky.py"))
    assert "unknown severity 'no'" in line and "never" in line


def test_boolean_in_a_list_of_strings_hints_at_quoting(tmp_path):
    write_config(tmp_path, "exclude: [build/, no]\n")
    line = usage_error(check("leaky.py"))
    assert "exclude" in line and "quote `no`/`off`" in line


@pytest.mark.parametrize(("text", "key", "code"), [
    ("select: [GDPR3, GDPR999]\n", "select[1]", "GDPR999"),
    ("ignore: [GDRP3]\n", "ignore[0]", "GDRP3"),
    ("severity:\n  GDPR301: info\n  GDPR999: error\n", "severity.GDPR999", "GDPR999"),
])
def test_unknown_rule_code_in_config_names_the_key(tmp_path, text, key, code):
    write_config(tmp_path, text)
    line = usage_error(check("leaky.py"))
    assert f".gdpr-lint.yaml: {key}: " in line
    assert repr(code) in line


def test_config_option_naming_a_directory(tmp_path):
    (tmp_path / "conf").mkdir()
    line = usage_error(check("--config", "conf", "leaky.py"))
    assert "conf" in line and "directory" in line
    assert "not found" not in line


def test_config_option_accepts_any_toml_file(tmp_path):
    write_config(tmp_path, '[tool.gdpr-lint]\napproved_processors = ["mixpanel"]\n', name="gdpr-lint.toml")
    assert codes("--config", "gdpr-lint.toml", "proc.py") == (0, set())
    write_config(tmp_path, '[tool.gdpr-lint]\ncolour = "red"\n', name="gdpr-lint.toml")
    line = usage_error(check("--config", "gdpr-lint.toml", "proc.py"))
    assert "gdpr-lint.toml [tool.gdpr-lint]: colour" in line


def test_toml_config_without_the_table(tmp_path):
    write_config(tmp_path, 'approved_processors = ["mixpanel"]\n', name="settings.toml")
    line = usage_error(check("--config", "settings.toml", "proc.py"))
    assert "settings.toml" in line and "[tool.gdpr-lint]" in line
    assert "YAML" not in line


# ---- discovery ---------------------------------------------------------------------------------------


def test_unapproved_processor_is_reported_without_a_config(tmp_path):
    assert codes("proc.py") == (1, {"GDPR401"})


def test_pyproject_found_by_walking_up_from_a_scanned_subfolder(tmp_path):
    project = tmp_path / "project"
    pkg = project / "src" / "shop"
    pkg.mkdir(parents=True)
    (pkg / "analytics.py").write_text(PROCESSOR, encoding="utf-8")
    # without approval: GDPR401
    assert codes("project/src/shop") == (1, {"GDPR401"})
    (project / "pyproject.toml").write_text(
        '[project]\nname = "shop"\n\n'
        "[tool.gdpr-lint]\n"
        'approved_processors = [{ name = "mixpanel", dpa = "https://example.com/dpa", region = "EU" }]\n',
        encoding="utf-8")
    # the current folder (tmp_path) has no config: it must be found by walking up from the scanned folder
    assert codes("project/src/shop") == (0, set())
    assert codes("project/src/shop/analytics.py") == (0, set())


@pytest.mark.parametrize("table", ['[tool]\ngdpr-lint = { approved_processors = ["mixpanel"] }\n',
                                   '[tool."gdpr-lint"]\napproved_processors = ["mixpanel"]\n',
                                   'tool = { gdpr-lint = { approved_processors = ["mixpanel"] } }\n'])
def test_pyproject_found_however_toml_spells_the_table(tmp_path, table):
    """An inline table or a quoted key is the same TOML as `[tool.gdpr-lint]` (found by a
    fresh-user check: only that spelling was found by walking up)."""
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "analytics.py").write_text(PROCESSOR, encoding="utf-8")
    (project / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n{table}' if table.startswith("[") else
                                            table + '\n[project]\nname = "x"\n', encoding="utf-8")
    assert codes("project/pkg") == (0, set())
    (project / "pyproject.toml").write_text(table.replace('["mixpanel"]', '"mixpanel"').replace(
        "approved_processors", "fail_on"), encoding="utf-8")  # a bad value there exits 2
    assert check("--format", "json", "project/pkg").exit_code == 2


def test_pyproject_without_the_table_is_skipped(tmp_path):
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "analytics.py").write_text(PROCESSOR, encoding="utf-8")
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    write_config(tmp_path, "approved_processors: [mixpanel]\n")  # further up: this one applies
    assert codes("project/pkg") == (0, set())


def test_nearest_config_wins(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "analytics.py").write_text(PROCESSOR, encoding="utf-8")
    write_config(tmp_path, "approved_processors: [mixpanel]\n")
    write_config(sub, "fail_on: warning\n")
    assert codes("sub") == (1, {"GDPR401"})


def test_config_option_overrides_discovery(tmp_path):
    write_config(tmp_path, "colour: red\n")  # would be an error if it were used
    other = write_config(tmp_path, "approved_processors:\n  - name: mixpanel\n", name="approved.yaml")
    assert codes("--config", str(other), "proc.py") == (0, set())
    assert codes("--config", "approved.yaml", "proc.py", "leaky.py") == (1, {"GDPR301"})


def test_config_option_accepts_pyproject(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_config(elsewhere, '[tool.gdpr-lint]\napproved_processors = ["mixpanel"]\n', name="pyproject.toml")
    assert codes("--config", "elsewhere/pyproject.toml", "proc.py") == (0, set())


# ---- effects -------------------------------------------------------------------------------------------


def test_select_by_prefix_in_config(tmp_path):
    write_config(tmp_path, "select: [GDPR4]\n")
    assert codes("leaky.py", "proc.py") == (1, {"GDPR401"})
    write_config(tmp_path, "select: [GDPR3]\n")
    assert codes("leaky.py", "proc.py") == (1, {"GDPR301"})


def test_ignore_by_prefix_in_config(tmp_path):
    write_config(tmp_path, "ignore: [GDPR3]\n")
    assert codes("leaky.py", "proc.py") == (1, {"GDPR401"})
    write_config(tmp_path, "ignore: [GDPR3, GDPR40]\n")
    assert codes("leaky.py", "proc.py") == (0, set())


def test_select_and_ignore_on_the_command_line(tmp_path):
    assert codes("--select", "GDPR4", "leaky.py", "proc.py") == (1, {"GDPR401"})
    assert codes("--select", "GDPR301", "leaky.py", "proc.py") == (1, {"GDPR301"})
    assert codes("--ignore", "GDPR3", "leaky.py", "proc.py") == (1, {"GDPR401"})
    assert codes("--select", "GDPR", "--ignore", "GDPR4", "--ignore", "GDPR3", "leaky.py", "proc.py") == (0, set())


def test_unknown_rule_on_the_command_line_is_a_usage_error(tmp_path):
    # a typo must not silently turn every rule off
    line = usage_error(check("--select", "GDRP3", "leaky.py"))
    assert "GDRP3" in line
    line = usage_error(check("--ignore", "XYZ", "leaky.py"))
    assert "XYZ" in line


def test_command_line_select_is_not_hidden_by_the_cache(tmp_path):
    def cached(*args: str) -> set[str]:
        result = CliRunner().invoke(main, ["check", "--cache-dir", str(tmp_path / "cache"), "--format", "json",
                                           *args])
        _no_traceback(result)
        return {f["code"] for f in json.loads(result.stdout)["findings"]}

    assert cached("leaky.py", "proc.py") == {"GDPR301", "GDPR401"}
    assert cached("--select", "GDPR4", "leaky.py", "proc.py") == {"GDPR401"}
    assert cached("--ignore", "GDPR4", "leaky.py", "proc.py") == {"GDPR301"}
    assert cached("leaky.py", "proc.py") == {"GDPR301", "GDPR401"}


def test_severity_override_with_fail_on(tmp_path):
    write_config(tmp_path, "severity:\n  GDPR301: info\n")
    result = check("--format", "json", "--fail-on", "warning", "leaky.py")
    assert result.exit_code == 0, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["severity"]) == ("GDPR301", "info")
    # the finding is still reported and still fails at --fail-on info
    assert check("--fail-on", "info", "leaky.py").exit_code == 1


def test_severity_override_by_prefix(tmp_path):
    write_config(tmp_path, "severity:\n  GDPR3: error\n")
    assert check("--fail-on", "error", "leaky.py").exit_code == 1
    assert check("--fail-on", "error", "proc.py").exit_code == 0


def test_fail_on_in_config(tmp_path):
    write_config(tmp_path, "fail_on: error\n")
    assert check("leaky.py").exit_code == 0
    assert check("--fail-on", "warning", "leaky.py").exit_code == 1  # the option wins over the config


@pytest.mark.parametrize("flags", [("--fail-on", "never"), ("--no-fail",)])
def test_never_fail(tmp_path, flags):
    result = check(*flags, "leaky.py", "proc.py")
    assert result.exit_code == 0
    assert "GDPR301" in result.stdout and "GDPR401" in result.stdout


def test_no_fail_still_reports_usage_errors(tmp_path):
    write_config(tmp_path, "colour: red\n")
    usage_error(check("--no-fail", "leaky.py"))


def test_exclude_in_config(tmp_path):
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "leaky_copy.py").write_text(LEAKY, encoding="utf-8")
    write_config(tmp_path, "exclude: [generated/, proc.py]\n")
    result = check("--format", "json", ".")
    paths = {f["path"] for f in json.loads(result.stdout)["findings"]}
    assert paths == {"leaky.py"}


@pytest.mark.parametrize("args", [("--fail-on", "bogus"), ("--jobs", "0"), ("--format", "xml"), ("--bogus-option",),
                                  ("--output", ".")])
def test_a_bad_option_is_one_line_naming_the_help(tmp_path, args):
    # found by a new user: click printed its usage, a hint and the error on three lines
    (tmp_path / "leaky.py").write_text(LEAKY)
    line = usage_error(check("leaky.py", *args))
    assert "`gdpr-lint check --help`" in line


def test_an_unknown_command_is_one_line():
    result = CliRunner().invoke(main, ["chek", "."])
    assert result.exit_code == 2 and "No such command" in usage_error(result)


def test_select_and_ignore_codes_are_case_insensitive(tmp_path):
    (tmp_path / "leaky.py").write_text(LEAKY)
    assert codes("leaky.py", "--select", "gdpr301") == (1, {"GDPR301"})
    assert codes("leaky.py", "--ignore", "gdpr3") == (0, set())


def test_a_bad_option_of_the_program_or_a_nested_command_is_one_line():
    assert "`gdpr-lint --help`" in usage_error(CliRunner().invoke(main, ["--bogus"]))
    assert "`gdpr-lint cache clear --help`" in usage_error(CliRunner().invoke(main, ["cache", "clear", "--bogus"]))


def test_a_group_without_its_command_prints_its_help():
    result = CliRunner().invoke(main, ["cache"])
    assert "gdpr-lint: error" not in result.output and "clear" in result.output and "Usage:" in result.output


def test_a_toml_boolean_gets_no_yaml_quoting_hint(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.gdpr-lint]\nfail_on = false\n')
    line = usage_error(check("leaky.py"))
    assert "fail_on" in line and "never" in line and "YAML" not in line


def test_check_says_when_the_config_switches_rules_off(tmp_path, monkeypatch):
    folder = tmp_path / "only"
    folder.mkdir()
    (folder / "a.py").write_text("import logging\n\n\ndef f(user):\n    logging.info(user.email)\n")
    monkeypatch.chdir(folder)
    plain = check("--no-cache", ".")
    assert plain.exit_code == 1 and "switches rules off" not in plain.stderr
    typed = check("--no-cache", "--select", "GDPR1", ".")  # the user's own option: no note
    assert typed.exit_code == 0 and "switches rules off" not in typed.stderr
    write_config(folder, "ignore: [GDPR3]\n")
    result = check("--no-cache", ".")
    assert result.exit_code == 0 and "the config switches rules off (ignores GDPR3)" in result.stderr


def test_a_category_measure_word_must_be_one_word():
    from gdpr_lint.errors import ConfigError
    from gdpr_lint.policy import _category

    raw = {"key": "user.health_and_medical", "measure_words": ["value", "blood value"], "measure_domains": ["body"]}
    with pytest.raises(ConfigError, match="measure_words"):
        _category(raw, "categories.yaml", "health")
    good = _category({**raw, "measure_words": ["value"]}, "categories.yaml", "health")
    assert good.measure_words == {"value"} and good.measure_domains == {"body"}


@pytest.mark.parametrize(("value", "ok"), [("SCC", True), ("adequacy decision", True), ("DPF", True), ("bcr", True),
                                           ("TODO", False), ("none", False), (False, False), (123, False)])
def test_a_transfer_mechanism_must_be_one(tmp_path, value, ok):
    """`transfer_mechanism: no` (YAML reads false), `TODO` or `none` would silence GDPR405 with no
    safeguard behind it: the key is named and the config refused."""
    from gdpr_lint.errors import ConfigError
    from gdpr_lint.policy.config import parse_config

    raw = {"approved_processors": [{"name": "stripe", "region": "US", "transfer_mechanism": value}]}
    if ok:
        assert parse_config(raw, "c.yaml").approved_processors[0].transfer_mechanism
    else:
        with pytest.raises(ConfigError, match="transfer_mechanism"):
            parse_config(raw, "c.yaml")


def test_a_pyproject_table_spelled_with_an_underscore_is_named(tmp_path):
    from gdpr_lint.errors import ConfigError
    from gdpr_lint.policy.config import find_config, load_config_file

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.gdpr_lint]\nfail_on = "error"\n')
    found = find_config(tmp_path)
    assert found == tmp_path / "pyproject.toml"
    with pytest.raises(ConfigError, match="hyphen"):
        load_config_file(found)


def test_the_config_of_several_paths_does_not_depend_on_their_order(tmp_path, monkeypatch):
    """pre-commit names the changed files in any order: the config is the one of the folder that
    holds them all (a nested project's own config for its files alone)."""
    from click.testing import CliRunner

    from gdpr_lint.cli import main

    (tmp_path / ".gdpr-lint.yaml").write_text("fail_on: never\n")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / ".gdpr-lint.yaml").write_text("fail_on: never\nignore: [GDPR301]\n")
    leak = 'import logging\nlogging.info("x %s", user_email)\n'
    (tmp_path / "svc" / "api.py").write_text(leak)
    (tmp_path / "web.py").write_text(leak)
    monkeypatch.chdir(tmp_path)

    def codes(*paths):
        out = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", *paths]).stdout
        return sorted((f["path"], f["code"]) for f in json.loads(out)["findings"])

    both = codes("svc/api.py", "web.py")
    assert both == codes("web.py", "svc/api.py") == [("svc/api.py", "GDPR301"), ("web.py", "GDPR301")]
    assert codes("svc/api.py") == []  # the nested project's own config, for its file alone


def test_the_config_of_paths_that_do_not_exist_yet_is_their_folders(tmp_path, monkeypatch):
    """A path need not exist for the config to be found from it (a file a branch deletes, named to
    `--diff`; the name `check -` gives a buffer), and a link counts where it leads."""
    from gdpr_lint.cli import _load_policy

    (tmp_path / ".gdpr-lint.yaml").write_text("fail_on: never\n")
    nested = tmp_path / "svc"
    nested.mkdir()
    (nested / ".gdpr-lint.yaml").write_text("fail_on: never\nignore: [GDPR301]\n")
    (nested / "kept.py").write_text("x = 1\n")
    (tmp_path / "alias").symlink_to(nested)
    monkeypatch.chdir(tmp_path)
    assert "GDPR301" in _load_policy(None, ("svc/kept.py", "svc/deleted.py")).config.ignore
    assert "GDPR301" in _load_policy(None, ("svc/new_buffer.py",)).config.ignore
    assert "GDPR301" in _load_policy(None, ("alias/kept.py",)).config.ignore
    assert "GDPR301" not in _load_policy(None, ("svc/kept.py", "other.py")).config.ignore


def test_exclude_patterns_are_read_from_the_config_files_folder(tmp_path, monkeypatch):
    # a pattern with a slash names a folder from the config's folder, as git reads a .gitignore:
    # a run from a subfolder, from above the project or on a file named alone left it in or out
    # by where the run started (`app/generated/` matched only from the top)
    project = tmp_path / "project"
    (project / "app" / "generated").mkdir(parents=True)
    (project / "app" / "views.py").write_text(LEAKY, encoding="utf-8")
    (project / "app" / "generated" / "copy.py").write_text(LEAKY, encoding="utf-8")
    (project / "app" / "generated.py").write_text(LEAKY, encoding="utf-8")  # a look-alike: not excluded
    (project / ".gdpr-lint.yaml").write_text("exclude: [app/generated/]\n", encoding="utf-8")

    def paths(cwd: Path, *args: str) -> set[str]:
        monkeypatch.chdir(cwd)
        result = check("--format", "json", "--no-cache", *args)
        return {f["path"] for f in json.loads(result.stdout)["findings"]}

    assert paths(project, ".") == {"app/views.py", "app/generated.py"}
    assert paths(project / "app", ".") == {"views.py", "generated.py"}
    assert paths(project / "app", "generated/copy.py") == set()
    assert paths(project / "app" / "generated", ".") == set()
    assert paths(tmp_path, "project") == {"project/app/views.py", "project/app/generated.py"}
    # and a pattern anchored at the top names no folder of the same name deeper down
    (project / ".gdpr-lint.yaml").write_text("exclude: [/generated/]\n", encoding="utf-8")
    assert paths(project / "app", ".") == {"views.py", "generated.py", "generated/copy.py"}


def test_a_linked_config_reads_its_excludes_where_it_is_found_and_a_named_one_from_here(tmp_path, monkeypatch):
    # a monorepo's service links the shared config: its patterns name the service's folders (they
    # named the folders of the link's target); `--config FILE` reads them from the current folder,
    # as ruff does; a broken link among the paths named no longer hides the config
    shared = tmp_path / "mono"
    service = shared / "svc"
    (service / "app" / "generated").mkdir(parents=True)
    (service / "app" / "generated" / "copy.py").write_text(LEAKY, encoding="utf-8")
    (service / "app" / "views.py").write_text(LEAKY, encoding="utf-8")
    (shared / "gdpr-lint.yaml").write_text("exclude: [app/generated/]\n", encoding="utf-8")
    (service / "gdpr-lint.yaml").symlink_to("../gdpr-lint.yaml")

    def paths(cwd: Path, *args: str) -> set[str]:
        monkeypatch.chdir(cwd)
        result = check("--format", "json", "--no-cache", *args)
        return {f["path"] for f in json.loads(result.stdout)["findings"] if f["code"] == "GDPR301"}

    assert paths(service, ".") == {"app/views.py"}
    assert paths(service / "app", ".", "--config", "../gdpr-lint.yaml") == {"views.py", "generated/copy.py"}
    assert paths(service, ".", "--config", "gdpr-lint.yaml") == {"app/views.py"}
    (service / "app" / "gone.py").symlink_to(tmp_path / "nowhere" / "gone.py")
    assert paths(service / "app", "generated/copy.py", "gone.py") == set()


@pytest.mark.parametrize("args", [("check", "--config", ""), ("check", "-o", " "), ("baseline", "-o", ""),
                                  ("inventory", "--config", ""), ("review", "--base", ""), ("review", "--out", "")])
def test_an_option_given_an_empty_value_is_an_error(tmp_path, monkeypatch, args):
    # a CI variable left unset (`--base "$BASE"`) read as the option left out: a review with no
    # privacy diff, the default file written, the config found by walking up
    (tmp_path / "leaky.py").write_text(LEAKY)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*args, "."])
    _no_traceback(result)
    assert "is empty" in usage_error(result)


_EMAIL = "categories[0] (user.contact.email)"


@pytest.mark.parametrize(("text", "key", "words"), [
    ("categories: [{key: user.contact.email, label: [1, 2]}]\n", f"{_EMAIL}.label", "expected text"),
    ('categories: [{key: user.contact.email, encrypt: "false"}]\n', f"{_EMAIL}.encrypt", "true or false"),
    ("categories: [{key: user.contact.email, special: 3}]\n", f"{_EMAIL}.special", "true or false"),
    ("categories: [{key: user.contact.email, types: [1]}]\n", f"{_EMAIL}.types", "list of names"),
    ("categories: [{key: pet.name, words: ['']}]\n", "categories[0] (pet.name).words", "no word in it"),
    ("categories: [{key: pet.name, words: ['---']}]\n", "categories[0] (pet.name).words", "no word in it"),
    ("categories: [{key: user.contact.email, max_retention: 0}]\n", f"{_EMAIL}.max_retention", "ISO 8601"),
    ("words:\n  user.contact.email: ['@@']\n", "words.user.contact.email", "no word in it"),
    ("categories: [{key: user.contact.emial, encrypt: true}]\n", "categories[0] (user.contact.emial)",
     "did you mean user.contact.email?"),
])
def test_a_category_value_of_the_wrong_kind_names_its_key(tmp_path, text, key, words):
    """Found by a fresh user: a label that is a list stopped every file's analysis (GDPR905), a
    quoted "false" turned encryption on (text is true), a misspelt key made a new category nothing
    finds; the message names the category, not only its place in the list."""
    write_config(tmp_path, text)
    line = usage_error(check("leaky.py"))
    assert f"{key}: " in line and words in line, line


def test_a_data_map_the_config_names_must_exist(tmp_path):
    """The default data map may be absent; one the config names is a typo or a file not committed,
    and every tag it holds would silently count for nothing."""
    assert codes("leaky.py")[0] == 1
    write_config(tmp_path, "datamap: .gdpr/data-map.yaml\n")
    line = usage_error(check("leaky.py"))
    assert "datamap: no such file: .gdpr/data-map.yaml" in line


@pytest.mark.parametrize(("text", "key", "words"), [
    ("approved_processors:\n  - name: mixpanel\n    region: Mars\n", "approved_processors[0].region",
     "ISO 3166-1 alpha-2"),
    ("approved_processors:\n  - name: mixpanel\n    region: eu-west-1\n", "approved_processors[0].region",
     "ISO 3166-1 alpha-2"),
    ("approved_processors: [stripe, {name: Stripe, dpa: DPA-7}]\n", "approved_processors[1].name",
     "approved twice (also approved_processors[0])"),
    ("approved_processors:\n  - name: mixpanel\n    hosts: ['https://api.mixpanel.com/track']\n",
     "approved_processors[0].hosts[0]", "host name"),
    ("first_party_domains: ['http://exa mple.com/']\n", "first_party_domains[0]", "no scheme, port or path"),
    ("first_party_domains: [example.com, '*']\n", "first_party_domains[1]", "a whole top-level domain"),
    ("first_party_domains: ['*.io']\n", "first_party_domains[0]", "a whole top-level domain"),
    ("first_party_domains: [a..b.com]\n", "first_party_domains[0]", "host name"),
    ("encrypted_types: ['no dots']\n", "encrypted_types[0]", "dotted name"),
    ("repository: '../..'\n", "repository", "such as acme/shop"),
    ("repository: acme//shop\n", "repository", "such as acme/shop"),
])
def test_a_value_that_cannot_mean_what_it_says_names_its_key(tmp_path, text, key, words):
    """Found by a fresh user, each taken without a word: a region no country has (an approval
    outside the EEA by mistake, in the DPO's record), one processor approved twice with different
    terms, a URL where a host goes (never matched), a type name with a space (never matched), and
    a repository identity that is a path."""
    write_config(tmp_path, text)
    line = usage_error(check("leaky.py"))
    assert f"{key}: " in line and words in line, line


def test_hosts_regions_and_repositories_as_people_write_them(tmp_path):
    """A region in lower case, Greece as the EU writes it (EL), a host with the root's final dot or
    an international name are what they mean."""
    from gdpr_lint.policy import load_policy
    from gdpr_lint.policy.config import load_config_file

    write_config(tmp_path, "approved_processors:\n  - name: mixpanel\n    region: de\n    hosts: [API.Mixpanel.com.]\n"
                           "  - name: stripe\n    region: EL\nfirst_party_domains: ['*.example.com', bücher.example]\n")
    cfg = load_config_file(tmp_path / ".gdpr-lint.yaml")
    assert [(a.region, a.hosts) for a in cfg.approved_processors] == [("DE", ("api.mixpanel.com",)), ("EL", ())]
    assert cfg.first_party_domains == ["*.example.com", "xn--bcher-kva.example"]
    assert "EL" in load_policy(cfg).eea_regions
    write_config(tmp_path, "approved_processors:\n  - name: mixpanel\n    region: EEA\n    hosts: [API.Mixpanel.com]\n"
                           "  - name: stripe\n    region: US\nfirst_party_domains: ['*.example.com', example.org]\n"
                           "encrypted_types: [EncryptedTextField, myapp.fields.Sealed]\n"
                           "repository: gitlab.com/acme/platform/shop\n")
    assert check("leaky.py").exit_code in (0, 1)
    write_config(tmp_path, "repository: shop\n")
    assert check("leaky.py").exit_code in (0, 1)
