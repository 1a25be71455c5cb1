"""GDPR406: dependency manifests that add an unapproved processor's SDK, reported at the line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gdpr_lint.cli import main


def test_requirements_and_pyproject(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gdpr-lint.yaml").write_text("approved_processors: [{name: stripe}]\n")
    (tmp_path / "requirements.txt").write_text("# deps\nDjango>=5\nstripe==9.0\nmixpanel==4.10.0  # analytics\n"
                                               "-r requirements-dev.txt\nsentry-sdk\nboto3\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = [\n  "requests",\n'
                                             '  "Twilio>=8",\n]\n')
    (tmp_path / "app.py").write_text("x = 1\n")
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."]).stdout)
    found = sorted((f["path"], f["line"], f["processor"]) for f in out["findings"] if f["code"] == "GDPR406")
    # boto3 is the cloud platform; Sentry, a telemetry vendor, is a third party to approve as well
    assert found == [("pyproject.toml", 5, "twilio"), ("requirements.txt", 4, "mixpanel"),
                     ("requirements.txt", 6, "sentry")]
