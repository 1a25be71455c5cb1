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
