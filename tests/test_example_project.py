"""End to end: the bundled example project (the README's run command) gives its known findings."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gdpr_lint.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_example_shop_findings(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "examples/shop"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    found = {(f["path"], f["line"], f["code"]) for f in doc["findings"]}
    assert ("examples/shop/shop/models.py", 8, "GDPR101") in found  # first_name untagged
    assert ("examples/shop/shop/models.py", 23, "GDPR201") in found  # card number in a plain column
    assert ("examples/shop/shop/api.py", 35, "GDPR301") in found  # logged through a helper
    assert ("examples/shop/shop/api.py", 5, "GDPR401") in found  # mixpanel SDK, not approved
    assert ("examples/shop/shop/api.py", 39, "GDPR402") in found  # HubSpot over HTTP
    assert ("examples/shop/shop/api.py", 42, "GDPR302") in found
    lines = {(p, line) for p, line, _ in found}
    for quiet in [("examples/shop/shop/models.py", 7), ("examples/shop/shop/models.py", 11),
                  ("examples/shop/shop/models.py", 12), ("examples/shop/shop/models.py", 16),
                  ("examples/shop/shop/models.py", 31), ("examples/shop/shop/api.py", 34),
                  ("examples/shop/shop/api.py", 37), ("examples/shop/shop/api.py", 40)]:
        assert quiet not in lines, quiet
    for f in doc["findings"]:
        assert set(f) >= {"code", "name", "family", "severity", "path", "line", "column", "end_line", "end_column",
                          "message", "categories", "fix"}


def test_text_output_and_rules_command(monkeypatch):
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--no-cache", "examples/shop/shop/models.py"])
    assert "models.py:23:5: GDPR201" in result.stdout and "fix:" in result.stdout
    assert "findings" in result.stderr
    listing = runner.invoke(main, ["rules"])
    assert listing.exit_code == 0 and "GDPR301" in listing.stdout
    one = runner.invoke(main, ["rules", "GDPR301"])
    assert one.exit_code == 0 and "Art. 5(1)(c)" in one.stdout and "Fix" in one.stdout


def test_fingerprint_survives_moved_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    body = 'import logging\n\ndef f(user):\n    logging.info("x %s", user.email)\n'
    (tmp_path / "a.py").write_text(body)
    first = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "a.py"]).stdout)
    (tmp_path / "a.py").write_text("# a comment\n\n\n" + body)
    second = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "a.py"]).stdout)
    assert first["findings"][0]["line"] != second["findings"][0]["line"]
    assert first["findings"][0]["fingerprint"] == second["findings"][0]["fingerprint"]
