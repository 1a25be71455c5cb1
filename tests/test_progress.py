"""The progress bar: only on a terminal, never in CI logs, and never colored (NO_COLOR holds trivially)."""

from __future__ import annotations

import io

from gdpr_lint import cli


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(cli.sys, "stderr", io.StringIO())
    assert cli._progress_bar() is None


def test_no_bar_in_ci_even_on_a_terminal(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(cli.sys, "stderr", FakeTTY())
    assert cli._progress_bar() is None


def test_bar_on_a_terminal_has_no_color_codes(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    err = FakeTTY()
    monkeypatch.setattr(cli.sys, "stderr", err)
    update = cli._progress_bar()
    assert update is not None
    for done in range(0, 101, 10):
        update(done, 100)
    out = err.getvalue()
    assert "gdpr-lint" in out
    assert "\x1b[3" not in out and "\x1b[9" not in out  # no SGR color sequences


def test_no_bar_when_quiet_even_on_a_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(cli.sys, "stderr", FakeTTY())
    assert cli._progress_bar() is not None
    assert cli._progress_bar(quiet=True) is None


def test_each_pass_counts_its_own_files_and_the_line_is_cleared(monkeypatch):
    """Surveying then analysing, each as files done of files; no percentage, no time estimate;
    nothing left on the line when a stage ends; small stages draw nothing."""
    monkeypatch.delenv("CI", raising=False)
    err = FakeTTY()
    monkeypatch.setattr(cli.sys, "stderr", err)
    monkeypatch.setattr(cli.time, "monotonic", iter(range(10_000)).__next__)  # every call 1 s later
    update = cli._progress_bar()
    for done in range(0, 301, 100):
        update(done, 300, "surveying")
    for done in range(0, 61, 20):
        update(done, 60, "analysing")
    update(0, 10, "analysing")
    update(10, 10, "analysing")
    out = err.getvalue()
    frames = [f.strip() for f in out.split("\r") if f.strip()]
    assert frames == [f"gdpr-lint: surveying {n} of 300 files" for n in (0, 100, 200, 300)] + [
        f"gdpr-lint: analysing {n} of 60 files" for n in (0, 20, 40, 60)]
    assert "%" not in out and "eta" not in out.lower()
    assert out.endswith("\r")  # the last stage's line was blanked out


def test_a_real_scan_reports_both_stages(tmp_path):
    from gdpr_lint.policy import load_policy
    from gdpr_lint.scan import scan

    for i in range(3):
        (tmp_path / f"m{i}.py").write_text("import logging\ndef f(user):\n    logging.info(user.email)\n")
    calls = []
    scan([tmp_path], load_policy(), root=tmp_path, jobs=1, cache_dir=None,
         progress=lambda done, total, stage: calls.append((stage, done, total)))
    assert calls[0] == ("surveying", 0, 3) and ("surveying", 3, 3) in calls
    assert calls[-1] == ("analysing", 3, 3)
