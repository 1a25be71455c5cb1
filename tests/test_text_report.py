"""The text report as a terminal user reads it: source lines under findings, colors, statistics."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gdpr_lint.cli import main, use_color

SOURCE = ('import logging\n'
          'log = logging.getLogger(__name__)\n'
          'def g(user):\n'
          '\tlog.info("x %s", user.email)\n'
          'def f(user):\n'
          '    log.info("名前 %s", user.phone)\n'
          '    log.warning(\n'
          '        "y %s",\n'
          '        user.email,\n'
          '        extra={},\n'
          '    )\n')


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "CI"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def check(*args: str, env=None) -> str:
    res = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--no-fail", *args, "app.py"], env=env)
    assert res.exit_code == 0, res.output
    return res.stdout


def test_source_lines_under_each_finding_with_the_span_marked(project):
    out = check().splitlines()
    at = out.index(next(line for line in out if line.startswith("app.py:4:")))
    # a tab is shown as four columns and the marker starts under the call
    assert out[at + 1:at + 5] == ["      |", '    4 |     log.info("x %s", user.email)',
                                  "      |     " + "^" * 28, "      |"]
    at = out.index(next(line for line in out if line.startswith("app.py:6:")))
    # wide characters take two columns: the marker ends under the closing parenthesis
    assert out[at + 2] == '    6 |     log.info("名前 %s", user.phone)'
    assert out[at + 3] == "      |     " + "^" * (len('log.info("名前 %s", user.phone)') + 2)
    at = out.index(next(line for line in out if line.startswith("app.py:7:")))
    # a span over six lines shows three and says there is more
    assert out[at + 2:at + 8] == ["    7 |     log.warning(", "      |     ^^^^^^^^^^^^",
                                  '    8 |         "y %s",', "      |         ^^^^^^^",
                                  "    9 |         user.email,", "      |         ^^^^^^^^^^^"]
    assert out[at + 8] == "      | ..."


def test_a_form_feed_is_no_line_break_in_the_source_shown(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text("import logging\nlog = logging.getLogger(__name__)\n\x0c\n\n"
                                     "def signup(user):\n    x = 1\n    log.info('new %s', user.email)\n",
                                     encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = check().splitlines()
    at = out.index(next(line for line in out if line.startswith("app.py:7:")))
    assert out[at + 2] == "    7 |     log.info('new %s', user.email)"


def test_no_show_source(project):
    out = check("--no-show-source")
    assert "app.py:4:" in out and " | " not in out and "^" not in out


def test_colors_follow_the_option_and_the_environment(project):
    assert "\x1b[" not in check()  # not a terminal
    assert "\x1b[" in check("--color", "always")
    assert "\x1b[" not in check("--color", "never", env={"FORCE_COLOR": "1"})
    assert "\x1b[" in check(env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in check(env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in check("--color", "always", "--format", "json")  # machine formats never


def test_use_color_rules():
    assert use_color("auto", True, {}) and not use_color("auto", False, {})
    assert not use_color("auto", True, {"NO_COLOR": "1"}) and use_color("auto", True, {"NO_COLOR": ""})
    assert use_color("auto", False, {"FORCE_COLOR": "true"}) and not use_color("auto", False, {"FORCE_COLOR": ""})
    assert use_color("always", False, {"NO_COLOR": "1"}) and not use_color("never", True, {"FORCE_COLOR": "1"})


def test_statistics(project):
    out = check("--statistics")
    assert out.splitlines() == ["3  GDPR301  personal-data-in-log"]
    counted = json.loads(check("--statistics", "--format", "json"))
    assert counted[0]["code"] == "GDPR301" and counted[0]["count"] == 3 and counted[0]["name"] == "personal-data-in-log"
    assert sum(r["count"] for r in counted) == len(json.loads(check("--format", "json"))["findings"])
    res = CliRunner().invoke(main, ["check", "--no-cache", "--statistics", "--format", "sarif", "app.py"])
    assert res.exit_code == 2 and "--statistics" in res.stderr


def test_force_color_is_for_terminals_not_report_files(project):
    CliRunner().invoke(main, ["check", "--no-cache", "--no-fail", "-o", "r.txt", "app.py"], env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in (project / "r.txt").read_text(encoding="utf-8")
    CliRunner().invoke(main, ["check", "--no-cache", "--no-fail", "--color", "always", "-o", "r.txt", "app.py"])
    assert "\x1b[" in (project / "r.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("before", [0, 50, 5_000])
def test_a_long_line_is_shown_cut_around_the_span(tmp_path, monkeypatch, before):
    """A finding on a line of a megabyte printed the whole line (and a megabyte of markers).
    Found by a fresh-user check."""
    head = ", ".join(str(i) for i in range(before))
    table = f"SIZES = [{head}]; " if before else ""
    tail = ", ".join(str(i) for i in range(20_000))
    (tmp_path / "wide.py").write_text(f"import logging\n{table}logging.info('%s %s', user_email, [{tail}])\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "."])
    shown = [line for line in result.stdout.splitlines() if line.startswith("    2 | ")]
    marks = [line for line in result.stdout.splitlines() if line.strip().startswith("| ") and "^" in line]
    assert len(shown) == 1 and len(marks) == 1 and len(result.stdout) < 2_000
    code = shown[0][len("    2 | "):]
    assert code.endswith("...") and code.startswith("...") == (len(table) > 20)
    start = code.index("logging.info(")
    assert marks[0].index("^") - len("      | ") == start  # the marker under the call's first character


def test_a_file_name_with_a_line_break_keeps_its_finding_on_one_line(tmp_path, monkeypatch):
    """Found by a fresh-user check: the name was printed raw and split the finding's line."""
    (tmp_path / "two\nlines.py").write_text("import logging\nlogging.info('%s', user_email)\n")
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["check", "--no-cache", "--no-show-source", "."]).stdout.splitlines()
    assert out[0].startswith("two\\nlines.py:2:1: GDPR301 ")


def test_a_span_at_the_end_of_a_long_line_is_shown_with_the_line_before_it():
    """Found by a fresh-user check: only 20 characters were shown before a span at the line's end."""
    from gdpr_lint.reporters.text import MAX_SOURCE_WIDTH, _window

    line = "x = [" + "1, " * 2000 + "]; log.info(email)"
    first = line.index("log.info")
    text, start, stop = _window(line, first, len(line))
    assert text.startswith("...") and not text.endswith("...") and len(text) == MAX_SOURCE_WIDTH + 3
    assert text[start:stop] == "log.info(email)"
