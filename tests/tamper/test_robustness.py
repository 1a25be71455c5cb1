"""Tamper suite, robustness (issue 17, items 7 and 8 and "load decides the result"): every crash, hang
and traceback below was reproduced against gdpr-lint 0.1 and must now end in a finding or in one line
with exit code 2, in bounded time, with the rest of the scan intact.

- 30 KB of ``-``, ``not``, ``~`` or nested ``lambda`` segfaulted ``check``, ``review`` and ``verify``
  (libcst's native parser) or broke the worker pool (``BrokenProcessPool``, no report); 24 KB of
  nested lambdas took 1.7 GB;
- a worker that dies anyway lost the whole report;
- tracebacks: a deep baseline file, a non-UTF-8 file name, a folder that can be listed but not
  entered, a bad ``exclude`` pattern, garbage configs, baselines and data maps;
- hangs: a FIFO or a link to ``/dev/zero`` named as a config, baseline, data map or manifest; a
  603-byte YAML alias bomb in ``.gdpr/datamap.yaml`` (``verify``) or in the config;
- silence: an unreadable folder skipped without a word; ``ignore: [""]`` turning every rule off;
- ``datamap:`` reading any file and echoing its first key;
- ``python -m gdpr_lint`` importing ``re.py`` or ``gdpr_lint.py`` from the scanned folder;
- load deciding the result: a wall-clock limit per file made the same code "ok" idle and "Stale"
  under load; ``review`` and ``verify`` must give the same digest and verdict under any load.

Crash and hang cases run the command line in a subprocess with a timeout (a segfault shows as a
negative exit code, a hang as a timeout).  Git repositories use the helpers of tests/_gitrepo.py;
keys are real ``ssh-keygen`` keys (tests/test_signoff.py).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from _gitrepo import base_repo, commit_all, isolate_git, write
from click.testing import CliRunner
from test_bad_input import _no_traceback
from test_signoff import SSH_KEYGEN, keys  # noqa: F401 - a fixture

from gdpr_lint.cli import main

LINT = [sys.executable, *(["-P"] if sys.version_info >= (3, 11) else []), "-m", "gdpr_lint"]
LEAKY = 'import logging\n\n\ndef signup(user):\n    logging.info("signup %s", user.email)\n'
PLAIN = "def add(a, b):\n    return a + b\n"
# what crashed libcst: 30 KB of unary operators, 24 KB of nested lambdas
# each ends with a line the data rules must read (so the file goes on to libcst's parser, which is
# what the budget protects; a file that cannot yield a finding is never given to it)
_READ_ME = "print(customer.email)\n"
DEEP = {
    "minus.py": "x = " + "-" * 30_000 + "1\n" + _READ_ME,
    "nots.py": "x = " + "not " * 7_500 + "1\n" + _READ_ME,
    "tilde.py": "x = " + "~" * 30_000 + "1\n" + _READ_ME,
    "lambdas.py": "f = " + "lambda: " * 3_000 + "1\n" + _READ_ME,
    "lambda_defaults.py": "f = " + "lambda a=" * 700 + "1" + ": a" * 700 + "\n" + _READ_ME,
    "in_fstring.py": 'x = f"{' + "-" * 30_000 + '1}"\n' + _READ_ME,
    # libcst backtracks in `case` patterns: 40 nested sequences, or 12 mappings, ran for minutes
    "case_sequences.py": "match customer.email:\n    case " + "[" * 40 + "a" + "]" * 40 + ":\n        pass\n" + _READ_ME,
    "case_mappings.py": "match customer:\n    case " + "{1: " * 12 + "a" + "}" * 12 + ":\n        pass\n" + _READ_ME,
}
needs_keys = pytest.mark.skipif(not Path(SSH_KEYGEN).exists(), reason="ssh-keygen (OpenSSH) is not installed")


def lint(cwd: Path, *args: str, timeout: float = 120, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the command line in a subprocess: it must end by itself, with 0, 1 or 2, and no traceback."""
    try:
        proc = subprocess.run([*LINT, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
                              **kwargs)
    except subprocess.TimeoutExpired:
        pytest.fail(f"gdpr-lint {' '.join(args)} hung (no result after {timeout} s)")
    out = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1, 2), f"exit code {proc.returncode} (killed by a signal?): {out[-2000:]}"
    assert "Traceback" not in out, out[-3000:]
    return proc


def one_line_error(proc: subprocess.CompletedProcess, *words: str) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdpr-lint: error: "), proc.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def by_path(findings: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        out.setdefault(f["path"], set()).add(f["code"])
    return out


def check_json(cwd: Path, *args: str, **kwargs) -> tuple[subprocess.CompletedProcess, list[dict]]:
    proc = lint(cwd, "check", "--no-cache", "--format", "json", *args, **kwargs)
    assert proc.returncode in (0, 1), proc.stderr
    return proc, json.loads(proc.stdout)["findings"]


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A git repository with findings (tests/_gitrepo.py), git isolated from the user's config."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    isolate_git(monkeypatch, tmp_path)
    path = base_repo(tmp_path / "repo")
    monkeypatch.chdir(path)
    return path


# ---- crashes: nesting beyond what libcst survives ---------------------------------------------------------------
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_deep_nesting_is_a_budget_finding_and_the_rest_is_scanned(tmp_path, jobs):
    for name, text in DEEP.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "leaky.py").write_text(LEAKY)
    for i in range(8):  # enough files for a worker pool with --jobs 2
        (tmp_path / f"plain_{i}.py").write_text(PLAIN)
    proc, findings = check_json(tmp_path, "--jobs", jobs, ".")
    codes = by_path(findings)
    for name in DEEP:
        # the statement beyond the budget is left out, and the rest of its file analysed
        assert codes[name] == {"GDPR905", "GDPR301"}, name
        (finding,) = [f for f in findings if f["path"] == name and f["code"] == "GDPR905"]
        assert "analysis budget" in finding["message"] and "nested too deeply" in finding["message"]
    assert codes["leaky.py"] == {"GDPR301"}
    assert json.loads(proc.stdout)["summary"]["files"] == len(DEEP) + 9
    assert proc.returncode == 1


@needs_keys
def test_deep_nesting_in_review_and_verify(repo, keys):  # noqa: F811
    for name, text in DEEP.items():
        write(repo, f"deep/{name}", text)
    commit_all(repo, "files that crashed libcst")
    lint(repo, "review", "--out", "rv", ".")
    doc = json.loads((repo / "rv" / "review.json").read_text())
    budget = {f["path"] for f in doc["tool_problems"] if f["code"] == "GDPR905" and "analysis budget" in f["message"]}
    assert budget == {f"deep/{name}" for name in DEEP}
    assert any(f["code"] == "GDPR301" and f["path"] == "shop/api.py" for f in doc["findings"])
    proc = lint(repo, "verify", "--allowed-signers", str(keys["allowed"]), ".")
    assert proc.returncode == 1 and "verify: failed" in proc.stderr  # no sign-off yet: a verdict, not a crash


def test_memory_per_file_is_bounded(tmp_path):
    # 24 KB of nested lambdas took 1.7 GB in libcst; the budget keeps it from the parser
    resource = pytest.importorskip("resource")
    (tmp_path / "lambdas.py").write_text(DEEP["lambdas.py"])
    (tmp_path / "leaky.py").write_text(LEAKY)
    limit = 1 << 30

    def one_gigabyte() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc, findings = check_json(tmp_path, "--jobs", "1", ".", preexec_fn=one_gigabyte)
    # the lambdas' statement left out (its print analysed), within a gigabyte
    assert by_path(findings) == {"lambdas.py": {"GDPR905", "GDPR301"}, "leaky.py": {"GDPR301"}}


def _die_on(marker: str, real, parent: int):
    def wrapper(*args, **kwargs):
        text = next((a for a in args if isinstance(a, str) and marker in a), "")
        if text and os.getpid() != parent:  # only ever a worker process
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the patch reaches workers by fork")
@pytest.mark.parametrize("stage", ["survey", "analysis"])
def test_a_worker_that_dies_loses_no_report(tmp_path, monkeypatch, stage):
    # whatever the budget misses: a worker killed outright (a crash in native code, the OOM killer)
    from gdpr_lint import scan
    from gdpr_lint.engine import analyzer

    if stage == "survey":
        monkeypatch.setattr(scan, "survey_source", _die_on("KILLS_ITS_WORKER", scan.survey_source, os.getpid()))
    else:
        monkeypatch.setattr(analyzer, "analyze_source", _die_on("KILLS_ITS_WORKER", analyzer.analyze_source,
                                                                   os.getpid()))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "killer.py").write_text(LEAKY + "# KILLS_ITS_WORKER\n")
    for i in range(10):
        (tmp_path / f"leaky_{i}.py").write_text(LEAKY)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "2", "--format", "json", "."])
    _no_traceback(result)
    findings = json.loads(result.stdout)["findings"]
    codes = by_path(findings)
    assert codes.pop("killer.py") == {"GDPR905"}
    assert codes == {f"leaky_{i}.py": {"GDPR301"} for i in range(10)}
    (died,) = [f for f in findings if f["path"] == "killer.py"]
    assert "analysis process died" in died["message"]
    assert result.exit_code == 1


# ---- tracebacks -------------------------------------------------------------------------------------------------
def test_deep_baseline_file(tmp_path):
    (tmp_path / "a.py").write_text(LEAKY)
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    one_line_error(lint(tmp_path, "check", "--no-cache", "--baseline", "deep.json", "a.py"), "deep.json",
                   "nested too deeply")


def test_deep_baseline_file_in_review(repo):
    write(repo, ".gdpr-lint-baseline.json", "[" * 100_000 + "]" * 100_000)
    commit_all(repo, "a deep baseline")
    lint(repo, "review", "--out", "rv", ".")
    doc = json.loads((repo / "rv" / "review.json").read_text())
    assert "nested too deeply" in doc["baseline_error"]


def test_file_name_that_is_not_utf8(tmp_path):
    try:
        (tmp_path / os.fsdecode(b"caf\xe9.py")).write_text(LEAKY)
        (tmp_path / os.fsdecode(b"dir\xff")).mkdir()
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    (tmp_path / os.fsdecode(b"dir\xff") / "x.py").write_text(LEAKY)
    (tmp_path / "leaky.py").write_text(LEAKY)
    proc, findings = check_json(tmp_path, ".")
    assert by_path(findings) == {"caf\\xe9.py": {"GDPR902"}, "dir\\xff/x.py": {"GDPR902"}, "leaky.py": {"GDPR301"}}
    assert "not valid UTF-8" in findings[0]["message"]
    for fmt in ("sarif", "text", "github", "gitlab", "markdown"):
        assert lint(tmp_path, "check", "--no-cache", "--format", fmt, ".").returncode == 1


def _deny(monkeypatch, unlistable: Path, unenterable: Path) -> None:
    """Simulate, as root (for whom permissions do not apply), a folder that cannot be listed and one
    that can be listed but not entered: listing one of them fails, and so does every stat below the
    second (which is what mode 0o600 on a folder does to everyone but root)."""
    import errno

    real_scandir, real_stat = os.scandir, os.stat

    def refuse(path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))

    def scandir(path="."):
        full = Path(os.path.abspath(os.fsdecode(path)))
        if full == unlistable or unenterable in full.parents:
            refuse(path)
        return real_scandir(path)

    def stat(path, *args, **kwargs):
        if not isinstance(path, int):
            full = Path(os.path.abspath(os.fsdecode(path)))
            if unenterable in full.parents or unlistable in full.parents:
                refuse(path)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)


def test_folders_that_cannot_be_listed_or_entered_are_reported(tmp_path, monkeypatch):
    unlistable, unenterable = tmp_path / "unlistable", tmp_path / "unenterable"
    for folder in (unlistable, unenterable, unenterable / "sub"):
        folder.mkdir()
        (folder / "leaky.py").write_text(LEAKY)
    (tmp_path / "leaky.py").write_text(LEAKY)
    monkeypatch.chdir(tmp_path)
    if os.geteuid() == 0:  # root reads everything: simulate the refusals
        _deny(monkeypatch, unlistable, unenterable)
    else:
        unlistable.chmod(0o000)
        unenterable.chmod(0o600)
    try:
        result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "."])
        named = CliRunner().invoke(main, ["check", "--no-cache", "unenterable/sub"])
    finally:
        unlistable.chmod(0o755)
        unenterable.chmod(0o755)
    _no_traceback(result)
    findings = json.loads(result.stdout)["findings"]
    assert by_path(findings) == {"leaky.py": {"GDPR301"}, "unenterable/leaky.py": {"GDPR902"},
                                 "unenterable/sub/": {"GDPR902"}, "unlistable/": {"GDPR902"}}
    assert all("folder not checked" in f["message"] for f in findings if f["path"].endswith("/"))
    _no_traceback(named)
    assert named.exit_code == 2 and named.stderr.count("\n") == 1 and "unenterable/sub" in named.stderr


@pytest.mark.parametrize("pattern", ["\\", "!", "[z-a]"])
def test_bad_exclude_pattern_names_the_key(tmp_path, pattern):
    (tmp_path / "a.py").write_text(LEAKY)
    (tmp_path / ".gdpr-lint.yaml").write_text(f"exclude: [{json.dumps(pattern)}]\n")
    one_line_error(lint(tmp_path, "check", "--no-cache", "."), ".gdpr-lint.yaml", "exclude[0]",
                   "not a valid ignore pattern")


GARBAGE = {
    "config-list": (".gdpr-lint.yaml", "[1, 2]\n", ".gdpr-lint.yaml"),
    "config-5000-digits": (".gdpr-lint.yaml", "fail_on: " + "9" * 5000 + "\n", ".gdpr-lint.yaml"),
    "config-date": (".gdpr-lint.yaml", "max_retention: {user: 2026-02-30}\n", ".gdpr-lint.yaml"),
    "config-bad-type": (".gdpr-lint.yaml", "approved_processors: [{name: x, categories: 5}]\n", "categories"),
    "config-deep-toml": ("pyproject.toml", "[tool.gdpr-lint]\nexclude = " + "[" * 5000 + "]" * 5000 + "\n",
                         "pyproject.toml"),
    "datamap-not-mapping": (".gdpr/datamap.yaml", "[1, 2]\n", "datamap.yaml"),
    "datamap-bad-entry": (".gdpr/datamap.yaml", "shop.models.A.email: 5\n", "shop.models.A.email"),
    "datamap-deep": (".gdpr/datamap.yaml", "[" * 5000 + "]" * 5000 + "\n", "datamap.yaml"),
    "datamap-5000-digits": (".gdpr/datamap.yaml", "a: " + "9" * 5000 + "\n", "datamap.yaml"),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_config_and_datamap(tmp_path, monkeypatch, name):
    rel, text, word = GARBAGE[name]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(LEAKY)
    (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / rel).write_text(text)
    result = CliRunner().invoke(main, ["check", "--no-cache", "a.py"])
    _no_traceback(result)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and word in result.stderr, result.stderr


@pytest.mark.parametrize("text", ['{"entries": 5}', '{"entries": [{"fingerprint": "x", "count": NaN}]}',
                                  '{"entries": [], "version": ' + "1" * 5000 + "}", "\x00\xff", "[" * 5000])
def test_garbage_baseline(tmp_path, monkeypatch, text):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(LEAKY)
    (tmp_path / "bl.json").write_text(text, encoding="utf-8", errors="surrogateescape")
    result = CliRunner().invoke(main, ["check", "--no-cache", "--baseline", "bl.json", "a.py"])
    _no_traceback(result)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "bl.json" in result.stderr


# ---- hangs: special files, alias bombs ---------------------------------------------------------------------------
def _special(path: Path, kind: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="needs FIFOs and /dev/zero")
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("role", ["--config", "found config", "--baseline", "datamap", "manifest"])
def test_special_files_are_refused_not_read(tmp_path, role, kind):
    (tmp_path / "a.py").write_text(LEAKY)
    args = ["check", "--no-cache"]
    if role == "--config":
        _special(tmp_path / "cfg.yaml", kind)
        args += ["--config", "cfg.yaml"]
    elif role == "found config":
        _special(tmp_path / ".gdpr-lint.yaml", kind)
    elif role == "--baseline":
        _special(tmp_path / "bl.json", kind)
        args += ["--baseline", "bl.json"]
    elif role == "datamap":
        _special(tmp_path / ".gdpr" / "datamap.yaml", kind)
    else:
        _special(tmp_path / "requirements.txt", kind)
    proc = lint(tmp_path, *args, "--format", "json", ".", timeout=60)
    if role == "manifest":
        findings = json.loads(proc.stdout)["findings"]
        assert by_path(findings)["requirements.txt"] == {"GDPR902"}
        assert "not a regular file" in [f for f in findings if f["path"] == "requirements.txt"][0]["message"]
    elif role == "datamap" and kind == "dev-zero":
        one_line_error(proc, "datamap", "inside the project")  # it resolves to /dev/zero
    else:
        one_line_error(proc, "not a regular file")


# nine levels of nine aliases: 603 bytes in the report, 9**9 nodes expanded
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


@needs_keys
def test_alias_bomb_in_the_datamap_fails_verify_at_once(repo, keys):  # noqa: F811
    write(repo, ".gdpr/datamap.yaml", BOMB)
    commit_all(repo, "a billion laughs")
    proc = lint(repo, "verify", "--allowed-signers", str(keys["allowed"]), ".", timeout=60)
    one_line_error(proc, "datamap.yaml", "aliases expand")


def test_alias_bomb_in_the_config(tmp_path):
    (tmp_path / "a.py").write_text(LEAKY)
    (tmp_path / ".gdpr-lint.yaml").write_text(BOMB + "words: {user.contact.email: *i}\n")
    proc = lint(tmp_path, "check", "--no-cache", ".", timeout=60)
    one_line_error(proc, ".gdpr-lint.yaml", "aliases expand")


# ---- silence ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("config, key", [('ignore: [""]', "ignore[0]"), ('select: ["GDPR3", " "]', "select[1]"),
                                         ('severity: {"": info}', "severity.")])
def test_an_empty_rule_code_is_an_error(tmp_path, monkeypatch, config, key):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(LEAKY)
    (tmp_path / ".gdpr-lint.yaml").write_text(config + "\n")
    result = CliRunner().invoke(main, ["check", "--no-cache", "a.py"])
    _no_traceback(result)
    assert result.exit_code == 2 and key in result.stderr and "every rule" in result.stderr


def test_datamap_outside_the_project_is_refused_and_never_echoed(tmp_path, monkeypatch):
    project, outside = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    outside.mkdir()
    (outside / "secrets.yaml").write_text("SECRET_TOKEN_abc123: {retention: P1D}\n")
    (project / "a.py").write_text(LEAKY)
    monkeypatch.chdir(project)
    for target in (str(outside / "secrets.yaml"), "../elsewhere/secrets.yaml", "link.yaml"):
        if target == "link.yaml":
            (project / "link.yaml").symlink_to(outside / "secrets.yaml")  # a committed link pointing out
        (project / ".gdpr-lint.yaml").write_text(f"datamap: {target}\n")
        result = CliRunner().invoke(main, ["check", "--no-cache", "a.py"])
        _no_traceback(result)
        assert result.exit_code == 2 and "datamap: the data map must be inside the project" in result.stderr
        assert "SECRET_TOKEN" not in result.output + result.stderr


def test_python_m_imports_nothing_from_the_scanned_folder(tmp_path):
    marker = tmp_path / "imported"
    for name in ("re", "yaml", "click", "json", "pathspec", "libcst", "gdpr_lint"):
        (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n")
    (tmp_path / "leaky.py").write_text(LEAKY)
    proc, findings = check_json(tmp_path, ".")  # python -P -m gdpr_lint (on 3.10: without -P, see below)
    assert not marker.exists(), marker.read_text()
    assert by_path(findings)["leaky.py"] == {"GDPR301"}
    (tmp_path / "gdpr_lint.py").unlink()  # without -P only a module named like the tool itself comes first
    plain = subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--no-cache", "."], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert plain.returncode == 1 and not marker.exists(), plain.stderr + (marker.read_text() if marker.exists() else "")
    script = Path(sys.executable).with_name("gdpr-lint")
    if script.exists():
        console = subprocess.run([str(script), "check", "--no-cache", "."], cwd=tmp_path, capture_output=True,
                                 text=True, timeout=120)
        assert console.returncode == 1 and not marker.exists()


# ---- load must not decide the result ----------------------------------------------------------------------------
def _hog(count: int = 2) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def _stop(hogs: list[subprocess.Popen]) -> None:
    for proc in hogs:
        proc.kill()
        proc.wait()


def _digest(repo: Path, out: str, env: dict | None = None) -> str:
    lint(repo, "review", "--no-cache", "--out", out, ".", env=env)
    return json.loads((repo / out / "review.json").read_text())["digest"]


@needs_keys
def test_review_and_verify_do_not_depend_on_load(repo, keys):  # noqa: F811
    write(repo, "shop/deep.py", DEEP["minus.py"])  # beyond the budget: the same finding everywhere
    write(repo, "shop/big.py", "".join(f"def f{i}(user):\n    return user.id + {i}\n" for i in range(3000)))
    commit_all(repo, "a file beyond the budget and a big one")
    idle = _digest(repo, "idle")
    # the old wall-clock limit, set absurdly low, turned every file into GDPR905: review ignores it
    rushed = {**os.environ, "GDPR_LINT_FILE_TIMEOUT": "0.000001"}
    assert _digest(repo, "rushed", rushed) == idle
    hogs = _hog()
    try:
        assert _digest(repo, "loaded") == idle
    finally:
        _stop(hogs)
    doc = json.loads((repo / "idle" / "review.json").read_text())
    assert not any(f["code"] == "GDPR905" and "took longer" in f["message"] for f in doc["tool_problems"])
    lint(repo, "signoff", "idle/review.json", "--key", str(keys["dpo"]), "--decision", "approve")
    commit_all(repo, "approved")
    allowed = str(keys["allowed"])
    for env in (None, rushed):
        proc = lint(repo, "verify", "--allowed-signers", allowed, ".", env=env)
        assert proc.returncode == 0 and "verify: ok" in proc.stdout, proc.stderr
    hogs = _hog()
    try:
        proc = lint(repo, "verify", "--allowed-signers", allowed, ".")
    finally:
        _stop(hogs)
    assert proc.returncode == 0 and "verify: ok" in proc.stdout, proc.stderr


def test_check_under_load_gives_the_same_findings(tmp_path):
    (tmp_path / "deep.py").write_text(DEEP["lambdas.py"])
    (tmp_path / "leaky.py").write_text(LEAKY)
    (tmp_path / "big.py").write_text("".join(f"def f{i}(user):\n    return user.id + {i}\n" for i in range(3000)))
    _, idle = check_json(tmp_path, ".")
    hogs = _hog()
    try:
        _, loaded = check_json(tmp_path, ".")
    finally:
        _stop(hogs)
    assert loaded == idle
    # check alone keeps a wall-clock limit, as a last resort far above the budget (default 300 s)
    rushed = {**os.environ, "GDPR_LINT_FILE_TIMEOUT": "0.000001"}
    _, limited = check_json(tmp_path, ".", env=rushed)
    assert any("took longer" in f["message"] for f in limited)
