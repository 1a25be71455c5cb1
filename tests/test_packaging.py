"""The wheel is complete: built from the repo and installed into a fresh venv, gdpr-lint works.

The policy pack (top-level ``rules/``) is force-included in the wheel as ``gdpr_lint/rules``;
a wheel without it would import fine but fail on first use.  Installing the wheel's
dependencies needs PyPI.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
BIN = "Scripts" if os.name == "nt" else "bin"
EXE = ".exe" if os.name == "nt" else ""


def _run(cmd: list[str], cwd: Path, timeout: float = 300, env: dict[str, str] | None = None):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)


def _clean_env() -> dict[str, str]:
    """The environment without anything that would make the fresh venv see the source tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV",
                                                            "GDPR_LINT_CACHE_DIR")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["NO_COLOR"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", out]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.append("--no-isolation")  # the backend is already here: no download needed
    cmd.append(REPO)
    proc = _run(cmd, cwd=out, env=_clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (whl,) = out.glob("gdpr_lint-*.whl")
    return whl


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed (dependencies from PyPI); returns its ``bin`` folder."""
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True, clear=True).create(root)
    bindir = root / BIN
    proc = _run([bindir / f"python{EXE}", "-m", "pip", "install", "--quiet", wheel], cwd=root, env=_clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return bindir


def test_wheel_contains_the_policy_pack(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "gdpr_lint/rules/categories.yaml" in names
    for pack_file in sorted((REPO / "rules").glob("*.yaml")):
        assert f"gdpr_lint/rules/{pack_file.name}" in names
    assert "gdpr_lint/cli.py" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "gdpr-lint = gdpr_lint.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_runs_from_its_own_files(installed, tmp_path):
    proc = _run([installed / f"python{EXE}", "-c",
                 "import gdpr_lint, gdpr_lint.policy as p; print(gdpr_lint.__file__); print(p.rules_dir())"],
                cwd=tmp_path, env=_clean_env())
    assert proc.returncode == 0, proc.stderr
    module_file, pack = proc.stdout.split()
    assert not Path(module_file).resolve().is_relative_to(REPO)
    assert Path(pack).resolve() == Path(module_file).resolve().parent / "rules"


def test_installed_rules_command(installed, tmp_path):
    proc = _run([installed / f"gdpr-lint{EXE}", "rules"], cwd=tmp_path, env=_clean_env())
    assert proc.returncode == 0, proc.stderr
    assert "GDPR101" in proc.stdout
    assert "GDPR301" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_installed_check_command(installed, tmp_path):
    (tmp_path / "app.py").write_text('import logging\nlogging.info("%s", user.email)\n', encoding="utf-8")
    proc = _run([installed / f"gdpr-lint{EXE}", "check", "--no-cache", "app.py"], cwd=tmp_path, env=_clean_env())
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "GDPR301" in proc.stdout
    assert "Traceback" not in proc.stderr
    proc = _run([installed / f"gdpr-lint{EXE}", "check", "--no-cache", "missing.py"], cwd=tmp_path,
                env=_clean_env())
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("gdpr-lint: error: ")
    assert "Traceback" not in proc.stderr
