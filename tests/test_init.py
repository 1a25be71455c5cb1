"""``gdpr-lint init``: a commented starter config that loads, never clobbering an existing one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdpr_lint.cli import main
from gdpr_lint.policy.config import find_config, load_config_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def init(monkeypatch, cwd: Path, *args: str):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, ["init", *args], catch_exceptions=False)


def test_yaml_by_default_without_pyproject(tmp_path, monkeypatch):
    result = init(monkeypatch, tmp_path)
    assert result.exit_code == 0, result.stderr
    path = tmp_path / ".gdpr-lint.yaml"
    text = path.read_text()
    assert "approved_processors" in text and "# " in text and "exclude" in text and "require" in text
    assert "#  - name: stripe" in text  # the example is a comment: nothing is approved by default
    cfg = load_config_file(path)
    assert cfg.approved_processors == [] and cfg.require == ["retention"] and "migrations/" in cfg.exclude
    assert find_config(tmp_path) == path


def test_pyproject_by_default_when_it_exists_and_existing_content_is_kept(tmp_path, monkeypatch):
    pyproject = tmp_path / "pyproject.toml"
    original = '[project]\nname = "shop"\nversion = "1.0"\n\n[tool.ruff]\nline-length = 100'  # no final newline
    pyproject.write_text(original, encoding="utf-8")
    result = init(monkeypatch, tmp_path)
    assert result.exit_code == 0, result.stderr
    text = pyproject.read_text()
    assert text.startswith(original + "\n\n[tool.gdpr-lint]\n")
    data = tomllib.loads(text)
    assert data["project"]["name"] == "shop" and data["tool"]["ruff"]["line-length"] == 100
    cfg = load_config_file(pyproject)
    assert cfg.require == ["retention"] and cfg.fail_on == "warning"
    assert find_config(tmp_path) == pyproject
    assert not (tmp_path / ".gdpr-lint.yaml").exists()


def test_explicit_yaml_next_to_a_pyproject(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    result = init(monkeypatch, tmp_path, "--yaml")
    assert result.exit_code == 0
    assert (tmp_path / "pyproject.toml").read_text() == '[project]\nname = "x"\n'
    load_config_file(tmp_path / ".gdpr-lint.yaml")


def test_explicit_pyproject_creates_the_file(tmp_path, monkeypatch):
    result = init(monkeypatch, tmp_path, "--pyproject")
    assert result.exit_code == 0
    assert (tmp_path / "pyproject.toml").read_text().startswith("[tool.gdpr-lint]\n")
    load_config_file(tmp_path / "pyproject.toml")


@pytest.mark.parametrize("name, content", [
    (".gdpr-lint.yaml", "exclude: [build/]\n"),
    ("gdpr-lint.yaml", "fail_on: error\n"),
    ("pyproject.toml", '[tool.gdpr-lint]\nfail_on = "error"\n'),
])
@pytest.mark.parametrize("flag", [(), ("--yaml",), ("--pyproject",)])
def test_never_clobbers_an_existing_config(tmp_path, monkeypatch, name, content, flag):
    (tmp_path / name).write_text(content, encoding="utf-8")
    result = init(monkeypatch, tmp_path, *flag)
    assert result.exit_code == 2
    assert "already exists" in result.stderr and name in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / name).read_text() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_broken_pyproject_is_not_touched(tmp_path, monkeypatch):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project\nname = ", encoding="utf-8")
    result = init(monkeypatch, tmp_path)
    assert result.exit_code == 2 and "pyproject.toml" in result.stderr and "--yaml" in result.stderr
    assert pyproject.read_text() == "[project\nname = "


def test_starter_config_is_used_by_check(tmp_path, monkeypatch):
    init(monkeypatch, tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "m.py").write_text('import logging\ndef f(u):\n    logging.info("%s", u.email)\n')
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
