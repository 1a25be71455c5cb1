"""The distribution is complete and installs as the README says.

The wheel and sdist are built from the repo and pass ``twine check --strict`` (what PyPI's upload
checks).  The policy pack (top-level ``rules/``) is force-included in the wheel as
``gdpr_lint/rules``; a wheel without it would import fine but fail on first use.  The install
line of the README (``pip install "gdpr-policy-lint @ git+URL@vX.Y.Z"``) is run against a snapshot
of this tree tagged as the release, into a fresh venv.  Installing the dependencies needs PyPI.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
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


SNAPSHOT = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "gdpr_lint", "rules", "docs",
            "examples", "scripts", "tests")


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The folder with the sdist and the wheel ``python -m build`` makes of this tree."""
    out = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "build", "--outdir", out]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.append("--no-isolation")  # the backend is already here: no download needed
    cmd.append(REPO)
    proc = _run(cmd, cwd=out, env=_clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    (whl,) = dist.glob("gdpr_policy_lint-*.whl")
    return whl


@pytest.fixture(scope="module")
def tagged_repo(tmp_path_factory) -> Path:
    """This tree committed into a fresh git repository and tagged as the release (``v`` + version)."""
    from gdpr_lint import __version__

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("release")
    for name in SNAPSHOT:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, repo / name)
    env = {**_clean_env(), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    for cmd in (["init", "-q"], ["add", "-A"],
                ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "release"],
                ["tag", f"v{__version__}"]):
        proc = _run(["git", *cmd], cwd=repo, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return repo


@pytest.fixture(scope="module")
def installed(tagged_repo, tmp_path_factory) -> Path:
    """A fresh venv where the README's install line ran, its URL pointing at the tagged snapshot
    (dependencies from PyPI); returns its ``bin`` folder."""
    from gdpr_lint import REPOSITORY

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (line,) = set(re.findall(r'^pip install "gdpr-policy-lint @ git\+\S+"$', readme, re.MULTILINE))
    requirement = line[len("pip install "):].strip('"').replace(REPOSITORY, tagged_repo.as_uri())
    assert requirement.startswith("gdpr-policy-lint @ git+file://") and requirement.endswith("@v" + _version())
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True, clear=True).create(root)
    bindir = root / BIN
    # a recent pip: the one venv bundles with older Pythons refuses a `git+file:` URL with no host
    # (a real `git+https:` URL works with it too)
    proc = _run([bindir / f"python{EXE}", "-m", "pip", "install", "--quiet", "--upgrade", "pip"], cwd=root,
                env=_clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _run([bindir / f"python{EXE}", "-m", "pip", "install", "--quiet", requirement], cwd=root,
                env=_clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return bindir


def _version() -> str:
    from gdpr_lint import __version__

    return __version__


def test_twine_check_strict_passes(dist):
    files = sorted(dist.iterdir())
    assert sorted(f.suffix for f in files) == [".gz", ".whl"]
    proc = _run([sys.executable, "-m", "twine", "check", "--strict", *files], cwd=dist, env=_clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2


def test_sdist_carries_the_docs_the_license_and_the_tests(dist):
    (sdist,) = dist.glob("gdpr_policy_lint-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for wanted in ("LICENSE", "README.md", "docs/ci.md", "docs/dpo-workflow.md", "docs/rules/GDPR301.md",
                   "rules/rules.yaml", "tests/conftest.py", "examples/shop/shop/api.py", ".pre-commit-hooks.yaml"):
        assert wanted in names, wanted


def test_metadata_for_pypi(wheel):
    from gdpr_lint import REPOSITORY

    meta = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    assert "Name: gdpr-policy-lint" in text and "License-Expression: MIT" in text
    assert "License-File: LICENSE" in text and "Classifier: Topic :: Security" in text
    assert f"Project-URL: Homepage, {REPOSITORY}" in text


def _ultranormalized(name: str) -> str:
    """PyPI's test for a name too close to an existing one: separators dropped, l/i read as 1 and
    o as 0 (warehouse's ``ultranormalize_name``)."""
    return name.lower().translate(str.maketrans({".": None, "_": None, "-": None, "l": "1", "i": "1", "o": "0"}))


def test_the_distribution_name_is_one_pypi_accepts_beside_gdprlint():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    name = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    assert _ultranormalized("gdpr-lint") == _ultranormalized("gdprlint")  # why the name is not gdpr-lint
    assert _ultranormalized(name) != _ultranormalized("gdprlint")


def test_readme_links_work_off_the_repository():
    """On PyPI a relative link is a 404: every link is absolute (or an anchor), and those into this
    repository name the release's tag and a file that exists."""
    from gdpr_lint import REPOSITORY

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    raw = REPOSITORY.replace("https://github.com/", "https://raw.githubusercontent.com/")
    for target in re.findall(r"\]\(([^)\s]+)\)", readme):
        assert target.startswith(("https://", "#")), target
        for prefix in (f"{REPOSITORY}/blob/v{_version()}/", f"{raw}/v{_version()}/"):
            if target.startswith(prefix):
                assert (REPO / target[len(prefix):].split("#")[0]).exists(), target
        assert not re.match(re.escape(REPOSITORY) + r"/blob/(?!v" + re.escape(_version()) + ")", target), target


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
