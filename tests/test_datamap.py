"""Declarations kept out of code: the data-map file keyed by dotted path covers a field like a tag."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gdpr_lint.cli import main


def test_datamap_declares_retention(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gdpr-lint.yaml").write_text("datamap: privacy/datamap.yaml\n")
    (tmp_path / "privacy").mkdir()
    (tmp_path / "privacy" / "datamap.yaml").write_text(
        "fields:\n  shop.models.Customer.email: {retention: P2Y, basis: contract}\n")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "models.py").write_text(
        "from django.db import models\n\n\nclass Customer(models.Model):\n"
        "    email = models.EmailField()\n    phone = models.CharField(max_length=20)\n")
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "shop"])
    findings = [f for f in json.loads(result.stdout)["findings"] if f["family"] != "rights"]
    assert [(f["code"], f["line"]) for f in findings] == [("GDPR101", 6)]


def test_datamap_key_does_not_depend_on_where_the_scan_starts(tmp_path, monkeypatch):
    project = tmp_path / "proj"
    (project / "shop").mkdir(parents=True)
    (project / "shop" / "__init__.py").write_text("")
    (project / ".gdpr-lint.yaml").write_text("datamap: datamap.yaml\n")
    (project / "datamap.yaml").write_text("shop.models.Customer.email: {retention: P2Y}\n")
    (project / "shop" / "models.py").write_text(
        "from django.db import models\n\n\nclass Customer(models.Model):\n    email = models.EmailField()\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "proj/shop"])
    assert [f for f in json.loads(result.stdout)["findings"] if f["family"] != "rights"] == []


def test_broken_datamap_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gdpr-lint.yaml").write_text("datamap: dm.yaml\n")
    (tmp_path / "dm.yaml").write_text("shop.models.X.email: [unclosed\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["check", "--no-cache", "a.py"])
    assert result.exit_code == 2 and "dm.yaml" in result.stderr and "Traceback" not in result.output
