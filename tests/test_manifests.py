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


def _gdpr406(tmp_path, monkeypatch, files: dict[str, str]) -> list[tuple[str, int]]:
    monkeypatch.chdir(tmp_path)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    out = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."]).stdout)
    return sorted((f["path"], f["line"]) for f in out["findings"] if f["code"] == "GDPR406")


def test_every_manifest_form_gives_the_line_that_declares_the_sdk(tmp_path, monkeypatch):
    found = _gdpr406(tmp_path, monkeypatch, {
        "requirements/base.txt": "requests==2.31\nmixpanel==4.10.0\n",
        "requirements/dev.txt": "-r base.txt\npytest\n",
        "requirements-dev.txt": "-r constraints.txt\n-e git+https://github.com/example/amplitude.git#egg=amplitude-analytics\n",
        "constraints.txt": "# pinned\nposthog==3.0\n",
        "pyproject.toml": ('[project]\nname = "x"\ndescription = "sends SMS with twilio"\n'
                           'dependencies = [\n  "requests",\n  "twilio>=8",\n]\n\n[dependency-groups]\n'
                           '# mixpanel for analytics\ndev = ["pytest", "mixpanel>=4"]\n'),
        "setup.cfg": "[metadata]\nname = x\n\n[options]\ninstall_requires =\n    requests\n    sendgrid>=6\n",
        "Pipfile": '[[source]]\nurl = "https://pypi.org/simple"\n\n[packages]\nrequests = "*"\nmailchimp3 = "*"\n',
        "app.py": "x = 1\n",
    })
    # a -r include is read once, where it is; a description or a comment naming a package is not it
    assert found == [("Pipfile", 6), ("constraints.txt", 2), ("pyproject.toml", 6), ("pyproject.toml", 11),
                     ("requirements-dev.txt", 2), ("requirements/base.txt", 2), ("setup.cfg", 7)]


def test_manifests_that_add_no_processor_give_nothing(tmp_path, monkeypatch):
    assert _gdpr406(tmp_path, monkeypatch, {
        "requirements/base.txt": "requests==2.31\n-r https://example.com/remote.txt\n",
        "setup.cfg": "[options]\ninstall_requires =\n    requests\n",
        "Pipfile": '[packages]\nrequests = "*"\n',
        "pyproject.toml": "[project\nbroken",
        "notes.txt": "mixpanel\n",  # not a manifest
        "app.py": "x = 1\n",
    }) == []
