"""Bad input never stops a scan and never shows a traceback.

A file that does not parse becomes GDPR901, one that cannot be read (not UTF-8, NUL bytes, a
broken symlink) GDPR902; the other files are still checked.  A path that does not exist is a
usage error (exit code 2, one line on stderr).
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner, Result

from gdpr_lint.cli import main

LEAKY = 'import logging\nlogging.info("x %s", user_email)\n'


def _no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert "Traceback" not in (result.stderr or "")
    # click turns sys.exit into SystemExit; anything else escaped the CLI's error handling
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def check(*args: str) -> Result:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args])
    _no_traceback(result)
    return result


def check_json(*args: str) -> tuple[Result, list[dict]]:
    result = check("--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result, json.loads(result.stdout)["findings"]


def codes_by_path(findings: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        out.setdefault(f["path"], set()).add(f["code"])
    return out


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GDPR_LINT_CACHE_DIR", raising=False)


def test_syntax_error_is_gdpr901_and_other_files_are_still_scanned(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n    return 1\n", encoding="utf-8")
    (tmp_path / "leaky.py").write_text(LEAKY, encoding="utf-8")
    result, findings = check_json(".")
    by_path = codes_by_path(findings)
    assert by_path["broken.py"] == {"GDPR901"}
    assert "GDPR301" in by_path["leaky.py"]
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["files"] == 2


def test_syntax_error_named_explicitly_with_a_good_file(tmp_path):
    (tmp_path / "broken.py").write_text("class :\n", encoding="utf-8")
    (tmp_path / "leaky.py").write_text(LEAKY, encoding="utf-8")
    _, findings = check_json("broken.py", "leaky.py")
    by_path = codes_by_path(findings)
    assert by_path == {"broken.py": {"GDPR901"}, "leaky.py": {"GDPR301"}}


def test_latin1_file_is_gdpr902(tmp_path):
    (tmp_path / "latin.py").write_bytes('# café\nname = "Zoë"\n'.encode("latin-1"))
    (tmp_path / "leaky.py").write_text(LEAKY, encoding="utf-8")
    _, findings = check_json(".")
    by_path = codes_by_path(findings)
    assert by_path["latin.py"] == {"GDPR902"}
    assert "GDPR301" in by_path["leaky.py"]
    (latin,) = [f for f in findings if f["path"] == "latin.py"]
    assert "UTF-8" in latin["message"]


def test_latin1_file_with_a_coding_line_is_scanned(tmp_path):
    # valid Python (PEP 263); a new user's file was rejected as "not UTF-8"
    source = '# -*- coding: latin-1 -*-\nimport logging\n# café\nlogging.info("%s", user.email)\n'
    (tmp_path / "latin.py").write_bytes(source.encode("latin-1"))
    _, findings = check_json(".")
    assert [(f["path"], f["line"], f["code"]) for f in findings] == [("latin.py", 4, "GDPR301")]


def test_coding_line_that_does_not_match_the_bytes_is_gdpr902(tmp_path):
    (tmp_path / "liar.py").write_bytes(b"# coding: ascii\nname = '\xc3\xa9\xff'\n")
    _, findings = check_json(".")
    assert [(f["path"], f["code"]) for f in findings] == [("liar.py", "GDPR902")]


def _message_902(name: str) -> str:
    _, findings = check_json(name)
    (finding,) = findings
    assert finding["code"] == "GDPR902"
    return finding["message"]


@pytest.mark.parametrize("coding", ["# -*- coding: utf-8 -*-", "# vim: set fileencoding=UTF8 :"])
def test_utf8_coding_line_over_latin1_bytes_says_so(tmp_path, coding):
    # the report: "no coding line says what it is" although one says utf-8, and "byte 35" is no line
    (tmp_path / "latin.py").write_bytes(f'{coding}\nname = "Zoë"\n'.encode("latin-1"))
    message = _message_902("latin.py")
    assert "at line 2, although its coding line says" in message
    assert "no coding line" not in message
    assert "byte" not in message
    assert "save it as UTF-8" in message


def test_not_utf8_without_coding_line_gives_the_line(tmp_path):
    (tmp_path / "latin.py").write_bytes('import os\n\n\nname = "Zoë"\n'.encode("latin-1"))
    message = _message_902("latin.py")
    assert "(line 4) and no coding line says what it is" in message
    assert "byte" not in message


def test_not_utf8_after_a_bom_counts_lines_from_the_top(tmp_path):
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf#\n\xff = 1\n")
    assert "(line 2)" in _message_902("bom.py")


def test_coding_line_below_code_is_no_coding_line(tmp_path):
    # PEP 263: only line 1, or line 2 below a comment or blank line, declares the encoding
    (tmp_path / "late.py").write_bytes(b"import os\n# coding: utf-8\nname = '\xe9'\n")
    assert "(line 3) and no coding line says what it is" in _message_902("late.py")


def test_coding_line_that_does_not_match_the_bytes_gives_the_line(tmp_path):
    (tmp_path / "liar.py").write_bytes(b"# coding: ascii\n\nname = '\xc3\xa9\xff'\n")
    message = _message_902("liar.py")
    assert "not valid ascii at line 3, as its coding line says" in message
    assert "position" not in message


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_broken_symlink_is_gdpr902(tmp_path):
    try:
        os.symlink(tmp_path / "gone.py", tmp_path / "dangling.py")
    except OSError as exc:  # e.g. Windows without the privilege
        pytest.skip(f"cannot create a symlink here: {exc}")
    (tmp_path / "leaky.py").write_text(LEAKY, encoding="utf-8")
    # found by walking the folder ...
    _, findings = check_json(".")
    by_path = codes_by_path(findings)
    assert by_path["dangling.py"] == {"GDPR902"}
    assert "GDPR301" in by_path["leaky.py"]
    # ... and when named explicitly (it is not "a path that does not exist")
    result, findings = check_json("dangling.py")
    assert codes_by_path(findings) == {"dangling.py": {"GDPR902"}}
    assert result.exit_code == 1


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_a_symlink_loop_is_gdpr902_and_says_it_loops(tmp_path):
    """Found by a fresh-user check: a loop was called a broken link."""
    try:
        os.symlink("b.py", tmp_path / "a.py")
        os.symlink("a.py", tmp_path / "b.py")
        os.symlink("gone.py", tmp_path / "c.py")
    except OSError as exc:
        pytest.skip(f"cannot create a symlink here: {exc}")
    _, findings = check_json(".")
    said = {f["path"]: f["message"] for f in findings}
    assert said == {"a.py": "file not checked: symbolic link that loops back to itself",
                    "b.py": "file not checked: symbolic link that loops back to itself",
                    "c.py": "file not checked: broken symbolic link"}


def test_nul_bytes_are_gdpr902(tmp_path):
    (tmp_path / "binary.py").write_bytes(b"x = 1\x00\x00\x01\nuser_email = 2\n")
    (tmp_path / "leaky.py").write_text(LEAKY, encoding="utf-8")
    _, findings = check_json(".")
    by_path = codes_by_path(findings)
    assert by_path["binary.py"] == {"GDPR902"}
    assert "GDPR301" in by_path["leaky.py"]


def test_bom_and_crlf_are_scanned_normally(tmp_path):
    source = "\ufeff" + LEAKY.replace("\n", "\r\n")
    (tmp_path / "windows.py").write_bytes(source.encode("utf-8"))
    result, findings = check_json("windows.py")
    by_path = codes_by_path(findings)
    assert by_path == {"windows.py": {"GDPR301"}}
    (finding,) = findings
    assert finding["line"] == 2  # the BOM does not shift lines, CRLF counts as one line break
    assert result.exit_code == 1


def test_python2_print_is_gdpr901(tmp_path):
    (tmp_path / "old.py").write_text('print "x"\n', encoding="utf-8")
    result, findings = check_json("old.py")
    assert codes_by_path(findings) == {"old.py": {"GDPR901"}}
    assert result.exit_code == 1  # GDPR901 is an error: a file that was not checked must not pass silently


def test_missing_path_is_a_usage_error(tmp_path):
    (tmp_path / "leaky.py").write_text(LEAKY, encoding="utf-8")
    result = check("leaky.py", "no/such/file.py")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gdpr-lint: error: ")
    assert "no/such/file.py" in lines[0].replace(os.sep, "/")


def test_text_format_with_every_kind_of_bad_input(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n", encoding="utf-8")
    (tmp_path / "latin.py").write_bytes("s = 'é'\n".encode("latin-1"))
    (tmp_path / "binary.py").write_bytes(b"\x00\x01\x02")
    (tmp_path / "empty.py").write_bytes(b"")
    (tmp_path / "leaky.py").write_text(LEAKY, encoding="utf-8")
    if hasattr(os, "symlink"):
        try:
            os.symlink(tmp_path / "gone.py", tmp_path / "dangling.py")
        except OSError:
            pass
    for fmt in ("text", "json", "sarif", "github", "gitlab", "markdown"):
        result = check("--format", fmt, ".")
        assert result.exit_code == 1, (fmt, result.output)
        assert "GDPR301" in result.stdout, fmt
        assert "GDPR901" in result.stdout, fmt
        assert "GDPR902" in result.stdout, fmt


@pytest.mark.parametrize("source, line, words", [
    ("import os\n\n\n\n\n\n\n\n\ndef broken(:\n    pass\n", 10, "expected one of"),  # libcst said line 11
    ("import os\nprint 'hello'\n", 2, "Missing parentheses in call to 'print'"),
    ("def f(:\n", 1, "invalid syntax"),
])
def test_syntax_error_is_reported_where_python_reports_it(tmp_path, source, line, words):
    # found by a new user: the GitHub annotation landed a line or two below the error
    (tmp_path / "bad.py").write_text(source, encoding="utf-8")
    _, findings = check_json("bad.py")
    (finding,) = findings
    assert (finding["code"], finding["line"]) == ("GDPR901", line)
    assert words in finding["message"]


def test_default_excluded_folders_are_skipped_when_walking_but_a_named_file_is_checked(tmp_path):
    # found by a new user: `check proj/build/a.py` said "0 findings in 0 files"
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "a.py").write_text(LEAKY, encoding="utf-8")
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    result, findings = check_json(".")
    assert findings == [] and json.loads(result.stdout)["summary"]["files"] == 1  # build/: a default exclude
    _, findings = check_json("build/a.py")
    assert [(f["path"], f["code"]) for f in findings] == [("build/a.py", "GDPR301")]
    _, findings = check_json("build")
    assert [(f["path"], f["code"]) for f in findings] == [("build/a.py", "GDPR301")]


@pytest.mark.parametrize("command", [["check"], ["check", "."], ["inventory"], ["review", "--out", "r"], ["baseline"]])
def test_an_empty_path_is_a_usage_error_not_a_scan_of_the_current_folder(tmp_path, command):
    """`gdpr-lint check "$UNSET"` scanned the current folder, a different tree from the one meant.
    Found by a fresh-user check."""
    (tmp_path / "leaky.py").write_text(LEAKY)
    result = CliRunner().invoke(main, [*command, ""])
    _no_traceback(result)
    assert result.exit_code == 2 and "empty path" in result.output and "leaky.py" not in result.output


@pytest.mark.parametrize("value,code", [("abc", 2), ("1e3x", 2), ("nan", 2), ("-5", 2), ("0", 1), ("inf", 1),
                                        ("2.5", 1)])
def test_the_file_time_limit_variable_must_be_a_number(tmp_path, monkeypatch, value, code):
    """A time limit that is not a number was taken as the default without a word; `nan` and a
    negative number meant no limit, silently (0 is the way to say none, as documented). Found
    by fresh-user checks."""
    monkeypatch.setenv("GDPR_LINT_FILE_TIMEOUT", value)
    (tmp_path / "leaky.py").write_text(LEAKY)
    result = check(".")
    assert result.exit_code == code, result.output
    assert ("GDPR_LINT_FILE_TIMEOUT must be a number" in result.output) == (code == 2)


def test_an_error_about_a_path_with_a_line_break_is_one_line(tmp_path):
    """Found by a fresh-user check: the path was printed raw, over two lines."""
    result = CliRunner().invoke(main, ["check", "--no-cache", "no\nsuch.py"])
    _no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "no\\nsuch.py" in result.stderr


def test_an_output_file_in_a_missing_folder_is_written_and_a_file_in_the_way_is_an_error(tmp_path):
    """`-o reports/gdpr.sarif` in a fresh checkout: check, baseline and inventory make the folder,
    as review does; a file where the folder should be is a usage error (exit 2), no traceback."""
    (tmp_path / "leaky.py").write_text(LEAKY, encoding="utf-8")
    result = check("--format", "sarif", "-o", "reports/ci/gdpr.sarif", ".")
    assert result.exit_code == 1 and json.loads((tmp_path / "reports/ci/gdpr.sarif").read_text())["runs"]
    for command in (["baseline", "--no-cache", "-o", "base/line.json", "."],
                    ["inventory", "--no-cache", "--format", "csv", "-o", "inv/fields.csv", "."]):
        result = CliRunner().invoke(main, command)
        _no_traceback(result)
        assert result.exit_code == 0, result.output
    assert (tmp_path / "base/line.json").is_file() and (tmp_path / "inv/fields.csv").is_file()
    (tmp_path / "taken").write_text("")
    result = check("-o", "taken/report.txt", ".")
    assert result.exit_code == 2 and "cannot write taken/report.txt: taken is a file, not a folder" in result.output
    (tmp_path / "nowhere").symlink_to(tmp_path / "gone")
    result = check("-o", "nowhere/report.txt", ".")
    assert result.exit_code == 2 and "nowhere is a link to nothing" in result.output
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere" / "x.json")
    result = check("-o", "dangling.json", ".")
    assert result.exit_code == 2 and "dangling.json is a link to nothing" in result.output
    result = check("-o", "summaries/", ".")  # a folder named: no file `summaries` written
    assert result.exit_code == 2 and "names a folder" in result.output and not (tmp_path / "summaries").exists()
    result = check("-o", "fresh/deeper/" + "n" * 300 + ".txt", ".")  # too long a name: no folder left behind
    assert result.exit_code == 2 and "cannot write fresh/deeper/" in result.output and not (tmp_path / "fresh").exists()


def test_a_report_that_cannot_be_written_whole_leaves_the_last_one_whole(tmp_path, monkeypatch):
    """A full disk while writing `-o report.json`: the report from before stays as it was (no
    part of a new one, no temporary file left), and the error says why; a new report keeps the
    permissions of the one it replaces."""
    import errno
    import os
    import stat

    from gdpr_lint.errors import UsageError
    from gdpr_lint.files import output

    report = tmp_path / "report.json"
    report.write_text("last run\n")
    report.chmod(0o640)

    def full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(output.os, "replace", full)
        with pytest.raises(UsageError, match="No space left on device"):
            output.write_output(report, "new run\n")
    assert report.read_text() == "last run\n" and sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    output.write_output(report, "new run\n")
    assert report.read_text() == "new run\n" and stat.S_IMODE(os.stat(report).st_mode) == 0o640
