"""Time gdpr-lint against bandit, semgrep and ruff on the pinned corpora.

    python benchmarks/compare.py [--repeat N] [--touch REL] [--tools T,...] [CORPUS ...]

Run by hand, not in CI.  CORPUS names come from ``corpora.CORPORA`` (default:
django oscar wagtail); they are downloaded on first use.  For each corpus, in
one run and on the same files, this measures wall time, CPU time (user + sys of
the whole process tree) and peak memory of:

* ``gdpr-lint cold``: ``check --format json --no-fail --no-cache``, ``--jobs``
  left at its default (the number of cores);
* ``gdpr-lint fill``: the same with an empty ``--cache-dir`` in a temp folder
  (a first run that writes the cache);
* ``gdpr-lint warm``: the same cache folder again, nothing changed;
* ``gdpr-lint 1 changed``: a temp copy of the corpus with one comment line
  appended to one file (``--touch``, default: the file of median size; the largest file
  is measured too), scanned with
  the same cache folder.  The cache corpus itself is never modified;
* ``bandit -r -q -f json``;
* ``semgrep --metrics=off --config RULE.yaml --json`` with one small local rule
  (an e-mail variable or attribute passed to a logging call), plus
  ``--x-ignore-semgrepignore-files``: semgrep's default ``.semgrepignore`` skips
  ``test/`` and ``tests/`` folders, so it would scan fewer files than the others;
* ``ruff check --isolated --no-cache --exit-zero`` (default rules; ``--ruff-select
  ALL`` for every rule).

``--module LINES`` measures instead one generated module of that many lines (a
finding every four), cold with ``--jobs 1`` and the default jobs, and bandit,
and whether every finding was kept.

Memory: ``tree MB`` is the peak of the summed RSS of the process and all its
descendants, sampled from ``/proc`` every ``--interval`` seconds (shared pages
of forked workers are counted once per process, so this is an upper bound);
``proc MB`` is the largest single process's ``ru_maxrss`` from ``wait4`` (exact,
what ``/usr/bin/time -v`` reports as "Maximum resident set size").

gdpr-lint's own modules are byte-compiled first (as ``pip install`` does), so
an editable install or ``PYTHONDONTWRITEBYTECODE`` does not add compile time.

Before the timed runs of a corpus, gdpr-lint scans it once untimed (the files and the
interpreter's own in the page cache, for every tool after it: the first timed run was up to a
fifth slower than the same scan a minute later).  ``--repeat N`` runs everything N times and
reports medians.  Peer tools are
installed into their own venv (``~/.cache/gdpr-lint/peer-venv``, or
``$GDPR_LINT_PEER_VENV``) so the project venv stays clean; a tool that cannot be
installed is skipped with a note.  gdpr-lint is ``$GDPR_LINT`` (split like a
shell command) if set, else ``gdpr-lint`` beside this interpreter or on PATH,
else ``python -P -m gdpr_lint``.  The machine is shared in many setups: the load
average is printed before and after each corpus; compare CPU seconds when it
is high.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpora import CORPORA, cache_dir, ensure_corpus  # noqa: E402

DEFAULT_CORPORA = ("django", "oscar", "wagtail")
# Versions used for the figures in benchmarks/README.md; if a pin cannot be
# installed the unpinned package is tried.
PEER_PINS = {"bandit": "bandit==1.9.4", "semgrep": "semgrep==1.185.0", "ruff": "ruff==0.17.6"}
PEER_TOOLS = tuple(PEER_PINS)
ALL_TOOLS = ("gdpr-lint", *PEER_TOOLS)
TOUCH_LINE = "# edited\n"  # an ordinary edit: no personal data, no tag

SEMGREP_RULE = """\
rules:
  - id: email-in-log
    languages: [python]
    severity: WARNING
    message: an e-mail address is passed to a logging call
    patterns:
      - pattern-either:
          - pattern: $LOG.$METHOD(..., <... email ...>, ...)
          - pattern: $LOG.$METHOD(..., <... $OBJ.email ...>, ...)
      - metavariable-regex:
          metavariable: $METHOD
          regex: ^(debug|info|warning|warn|error|exception|critical|log)$
      - metavariable-regex:
          metavariable: $LOG
          regex: (?i)^(.*\\.)?_?(log|logger|logging)$
"""


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """One measured process run."""

    wall: float
    cpu: float  # user + sys of the process and its waited-for descendants
    tree_mb: float  # peak summed RSS of the process tree (sampled)
    proc_mb: float  # largest single process's ru_maxrss
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class TreeRss:
    """Summed resident set size of a process and all its descendants, read from ``/proc``.

    The parent of each pid is read once and remembered while the pid exists, so a sample
    costs a directory listing plus one small read per process in the tree.
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self.parent: dict[int, int] = {}

    def _ppid(self, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            return -1
        # the command name is in parentheses and may contain spaces
        fields = stat[stat.rfind(b")") + 2:].split()
        return int(fields[1]) if len(fields) > 1 else -1

    def sample(self) -> int:
        pids = {int(e.name) for e in os.scandir("/proc") if e.name.isdigit()}
        for gone in self.parent.keys() - pids:
            del self.parent[gone]
        kids: dict[int, list[int]] = {}
        for pid in pids:
            if pid not in self.parent:
                self.parent[pid] = self._ppid(pid)
            kids.setdefault(self.parent[pid], []).append(pid)
        total, stack, seen = 0, [self.root], set()
        while stack:
            pid = stack.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                with open(f"/proc/{pid}/statm", "rb") as fh:
                    total += int(fh.read().split()[1]) * _PAGE
            except (OSError, IndexError, ValueError):
                pass
            stack.extend(kids.get(pid, ()))
        return total


def measure(cmd: list[str], cwd: Path, timeout: float, interval: float, env: dict | None = None) -> Run:
    """Run ``cmd`` in ``cwd``; return wall/CPU time and peak memory of its process tree."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
        peak = 0
        tree = TreeRss(proc.pid)
        stop = threading.Event()
        state = {"timed_out": False}

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, tree.sample())
                if time.perf_counter() - start > timeout:
                    state["timed_out"] = True
                    try:
                        os.killpg(proc.pid, 9)  # the session this run started
                    except OSError:
                        pass
                    return
                stop.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C or SIGTERM: do not leave the measured run behind
            stop.set()
            try:
                os.killpg(proc.pid, 9)
            except OSError:
                pass
            raise
        wall = time.perf_counter() - start
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in KiB on Linux
        proc_mb = usage.ru_maxrss / 1024
        return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, tree_mb=max(peak / 2**20, proc_mb),
                   proc_mb=proc_mb, returncode=proc.returncode,
                   stdout=out.read().decode("utf-8", "replace"), stderr=err.read().decode("utf-8", "replace"),
                   timed_out=state["timed_out"])


# --------------------------------------------------------------------------- tools


def linter_command() -> list[str]:
    """The command prefix that runs gdpr-lint."""
    if os.environ.get("GDPR_LINT"):
        return shlex.split(os.environ["GDPR_LINT"])
    exe = shutil.which("gdpr-lint", path=str(Path(sys.executable).parent)) or shutil.which("gdpr-lint")
    return [exe] if exe else [sys.executable, *(["-P"] if sys.version_info >= (3, 11) else []), "-m", "gdpr_lint"]


def byte_compile(cmd: list[str], env: dict | None) -> str:
    """Byte-compile the gdpr_lint package that ``cmd`` runs, as ``pip install`` does; describe it.

    An editable install, a snapshot or a machine with ``PYTHONDONTWRITEBYTECODE`` set would
    otherwise compile gdpr-lint's modules from source on every run (about 0.1 s here), which
    no installed copy does; the peer tools, installed by pip, have their bytecode.
    """
    python = cmd[0] if len(cmd) > 1 else sys.executable
    if len(cmd) == 1:  # a console script: its shebang names the interpreter
        try:
            first = Path(cmd[0]).read_text(errors="replace").splitlines()[0]
            if first.startswith("#!") and "python" in first:
                python = first[2:].strip().split()[0]
        except (OSError, IndexError):
            pass
    code = "import compileall, gdpr_lint, sys; sys.exit(not compileall.compile_dir(gdpr_lint.__path__[0], quiet=1))"
    try:
        proc = subprocess.run([python, "-c", code], check=False, capture_output=True, text=True, timeout=300,
                              env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"not byte-compiled ({exc})"
    return "byte-compiled first" if proc.returncode == 0 else f"not byte-compiled ({proc.stderr.strip()[-200:]})"


def peer_venv() -> Path:
    env = os.environ.get("GDPR_LINT_PEER_VENV")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "gdpr-lint" / "peer-venv"


def ensure_peer_tools(tools: list[str]) -> tuple[dict[str, Path], dict[str, str]]:
    """Install the peer tools into their own venv; return (executables, notes for skipped tools)."""
    venv = peer_venv()
    bindir = venv / "bin"
    found: dict[str, Path] = {}
    notes: dict[str, str] = {}
    if tools and not (bindir / "python").exists():
        print(f"creating {venv} ...", file=sys.stderr, flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            return {}, {t: f"cannot create {venv}: {exc}" for t in tools}
    for tool in tools:
        exe = bindir / tool
        if not exe.exists():
            print(f"installing {tool} into {venv} ...", file=sys.stderr, flush=True)
            for spec in (PEER_PINS[tool], tool):
                proc = subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--quiet", spec],
                                      check=False, capture_output=True, text=True)
                if proc.returncode == 0 and exe.exists():
                    break
            else:
                notes[tool] = f"not installed: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}"
                continue
        found[tool] = exe
    return found, notes


def tool_version(cmd: list[str], env: dict | None = None) -> str:
    try:
        proc = subprocess.run([*cmd, "--version"], check=False, capture_output=True, text=True, timeout=120,
                              env={**(env or os.environ), "SEMGREP_ENABLE_VERSION_CHECK": "0"})
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (proc.stdout or proc.stderr).strip().splitlines()
    return text[0] if text else "?"


def _json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def gdpr_counts(run: Run) -> tuple[int | None, int | None, str | None]:
    """(files, findings, policy hash) from a gdpr-lint JSON report."""
    data = _json(run.stdout)
    if not isinstance(data, dict):
        return None, None, None
    summary = data.get("summary", {})
    return summary.get("files"), summary.get("findings"), data.get("policy")


def bandit_counts(run: Run) -> tuple[int | None, int | None]:
    data = _json(run.stdout)
    if not isinstance(data, dict):
        return None, None
    metrics = data.get("metrics", {})
    return len([k for k in metrics if k != "_totals"]), len(data.get("results", []))


def semgrep_counts(run: Run) -> tuple[int | None, int | None]:
    data = _json(run.stdout)
    if not isinstance(data, dict):
        return None, None
    return len(data.get("paths", {}).get("scanned", [])), len(data.get("results", []))


def ruff_counts(run: Run) -> tuple[int | None, int | None]:
    data = _json(run.stdout)
    return (None, len(data)) if isinstance(data, list) else (None, None)


REPO = Path(__file__).resolve().parent.parent


def snapshot_code(rev: str, dest: Path) -> str:
    """Copy gdpr-lint's code (``gdpr_lint/`` and ``rules/``) at ``rev`` into ``dest``; describe it."""
    if rev == "worktree":
        skip = shutil.ignore_patterns("__pycache__", "*.pyc")
        for part in ("gdpr_lint", "rules"):
            shutil.copytree(REPO / part, dest / part, ignore=skip)
        return f"snapshot of the working tree of {REPO} (python -P -m gdpr_lint)"
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", f"{rev}^{{commit}}"], check=True,
                         capture_output=True, text=True).stdout.strip()
    tar = dest / "code.tar"
    with tar.open("wb") as fh:
        subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", sha, "gdpr_lint", "rules"],
                       check=True, stdout=fh)
    with tarfile.open(tar) as tf:
        if hasattr(tarfile, "data_filter"):
            tf.extractall(dest, filter="data")
        else:
            tf.extractall(dest)
    tar.unlink()
    return f"snapshot of {rev} = commit {sha[:12]} of {REPO} (python -P -m gdpr_lint)"


# --------------------------------------------------------------------------- one corpus


@dataclass
class Row:
    key: str
    label: str
    runs: list[Run] = field(default_factory=list)
    files: int | None = None
    findings: int | None = None
    note: str = ""

    def median(self, attr: str) -> float | None:
        ok = [getattr(r, attr) for r in self.runs if not r.timed_out]
        return statistics.median(ok) if ok else None


def largest_file(pkg: Path) -> Path:
    return max(sorted(pkg.rglob("*.py")), key=lambda p: p.stat().st_size)


def median_file(pkg: Path) -> Path:
    """The file of median size: what a typical edit touches."""
    files = sorted(sorted(pkg.rglob("*.py")), key=lambda p: p.stat().st_size)
    return files[len(files) // 2]


def check_ok(run: Run, ok_codes: tuple[int, ...] = (0,)) -> str:
    if run.timed_out:
        return "timed out"
    if run.returncode not in ok_codes:
        return f"exit {run.returncode}: {run.stderr.strip()[-300:]}"
    return ""


def bench_corpus(name: str, args, peers: dict[str, Path], notes: dict[str, str]) -> list[Row]:
    pkg = ensure_corpus(name)
    parent, target = pkg.parent, pkg.name
    touches = {"touch": Path(args.touch) if args.touch else median_file(pkg).relative_to(pkg),
               "touch-largest": largest_file(pkg).relative_to(pkg)}
    touch_lines = {}
    for key, rel in touches.items():
        with open(pkg / rel, "rb") as fh:
            touch_lines[key] = sum(1 for _ in fh)
    base = [*args.lint_cmd, "check", "--format", "json", "--no-fail"]
    work = Path(tempfile.mkdtemp(prefix=f"gdpr-lint-bench-{name}-"))
    rows = {key: Row(key, label) for key, label in (
        ("cold", "gdpr-lint cold (--no-cache)"),
        ("cold-1", "gdpr-lint cold, one process (--jobs 1)"),
        ("fill", "gdpr-lint cold, empty cache (fills it)"),
        ("warm", "gdpr-lint warm (nothing changed)"),
        ("touch", f"gdpr-lint 1 changed file, median size ({touch_lines['touch']} lines)"),
        ("touch-largest", f"gdpr-lint 1 changed file, largest ({touch_lines['touch-largest']} lines)"),
        ("bandit", "bandit -r"),
        ("semgrep", "semgrep, 1 local rule"),
        ("ruff", "ruff check" + (f" --select {args.ruff_select}" if args.ruff_select else " (default rules)")),
    )}
    selected = set(args.tools)
    try:
        copy_root = work / "copy"
        copy_root.mkdir()
        shutil.copytree(pkg, copy_root / target, symlinks=True)
        rule = work / "rule.yaml"
        rule.write_text(SEMGREP_RULE)
        peer_env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
        policies: dict[str, str] = {}  # row key -> policy hash of its last run

        def run(key: str, cmd: list[str], cwd: Path, ok_codes=(0,), env=None) -> Run | None:
            row = rows[key]
            print(f"  {name}: {row.label} ...", file=sys.stderr, flush=True)
            r = measure(cmd, cwd, args.timeout, args.interval, env)
            problem = check_ok(r, ok_codes)
            if problem:
                row.note = problem
                print(f"    {problem}", file=sys.stderr)
            row.runs.append(r)
            print(f"    {r.wall:.2f} s wall, {r.cpu:.2f} s cpu, {r.tree_mb:.0f} MB", file=sys.stderr, flush=True)
            return None if problem else r

        if "gdpr-lint" in selected:  # one untimed run first: the files and the interpreter in the page
            # cache, as for the runs after it (the first timed run of a corpus was up to a fifth slower)
            print(f"  {name}: warm-up run, not timed ...", file=sys.stderr, flush=True)
            measure([*base, "--no-cache", "--jobs", "1", target], parent, args.timeout, args.interval, args.lint_env)
        for rep in range(args.repeat):
            if "gdpr-lint" in selected:
                cache = work / f"cache-{rep}"
                r = run("cold", [*base, "--no-cache", target], parent, env=args.lint_env)
                if r:
                    rows["cold"].files, rows["cold"].findings, policies["cold"] = gdpr_counts(r)
                r = run("cold-1", [*base, "--no-cache", "--jobs", "1", target], parent, env=args.lint_env)
                if r:
                    rows["cold-1"].files, rows["cold-1"].findings, policies["cold-1"] = gdpr_counts(r)
                # the cache is filled and used in the copy, where files are then changed
                time.sleep(2.1)  # files written in the last 2 s are re-read, as git does (racy timestamps)
                for key in ("fill", "warm"):
                    r = run(key, [*base, "--cache-dir", str(cache), target], copy_root, env=args.lint_env)
                    if r:
                        rows[key].files, rows[key].findings, policies[key] = gdpr_counts(r)
                for key, rel in touches.items():  # one changed file; the rest hits the cache
                    touched = copy_root / target / rel
                    original = touched.read_bytes()
                    with open(touched, "a", encoding="utf-8") as fh:
                        fh.write(("\n" if original[-1:] not in (b"\n", b"") else "") + TOUCH_LINE)
                    r = run(key, [*base, "--cache-dir", str(cache), target], copy_root, env=args.lint_env)
                    touched.write_bytes(original)
                    if r:
                        rows[key].files, rows[key].findings, policies[key] = gdpr_counts(r)
                shutil.rmtree(cache, ignore_errors=True)
            if "bandit" in peers and "bandit" in selected:
                r = run("bandit", [str(peers["bandit"]), "-r", "-q", "-f", "json", target], parent, (0, 1))
                if r:
                    rows["bandit"].files, rows["bandit"].findings = bandit_counts(r)
            if "semgrep" in peers and "semgrep" in selected:
                # --x-ignore-semgrepignore-files: the default .semgrepignore skips test/ and tests/
                # folders; naming the files instead is 15 times slower
                cmd = [str(peers["semgrep"]), "--metrics=off", "--disable-version-check",
                       "--x-ignore-semgrepignore-files", "--config", str(rule), "--json", target]
                r = run("semgrep", cmd, parent, (0, 1), peer_env)
                if r:
                    rows["semgrep"].files, rows["semgrep"].findings = semgrep_counts(r)
            if "ruff" in peers and "ruff" in selected:
                cmd = [str(peers["ruff"]), "check", "--isolated", "--no-cache", "--exit-zero",
                       "--output-format", "json", *(["--select", args.ruff_select] if args.ruff_select else []),
                       target]
                r = run("ruff", cmd, parent)
                if r:
                    rows["ruff"].findings = ruff_counts(r)[1]
        if "ruff" in peers and "ruff" in selected:
            shown = subprocess.run([str(peers["ruff"]), "check", "--isolated", "--show-files", target],
                                   cwd=parent, check=False, capture_output=True, text=True)
            rows["ruff"].files = sum(1 for line in shown.stdout.splitlines() if line.strip().endswith((".py", ".pyi")))
        first = next((h for h in policies.values() if h), None)
        for key, digest in policies.items():
            if digest and digest != first:
                rows[key].note = f"policy hash {digest} != {first}: code or rules changed during the run"
        for key, rel in touches.items():
            rows[key].label += f": {rel.as_posix()}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for tool, note in notes.items():
        if tool in selected:
            rows[tool].note = note
    keep = [r for k, r in rows.items() if (k in PEER_TOOLS and k in selected) or
            (k not in PEER_TOOLS and "gdpr-lint" in selected)]
    return keep


# --------------------------------------------------------------------------- the scale row

SCALE_ORDER = ("django", "wagtail", "indico", "twisted", "mailman", "oscar")  # about 1.09 million lines


def count_lines(folder: Path) -> tuple[int, int]:
    files = lines = 0
    for path in folder.rglob("*.py"):
        files += 1
        with open(path, "rb") as fh:
            lines += sum(1 for _ in fh)
    return files, lines


def growth_exponent(points: list[tuple[int, float]]) -> float | None:
    """The exponent ``k`` of ``cpu ~ lines^k`` fitted to ``(lines, cpu)`` points by least squares on
    their logarithms (``None`` for fewer than two usable points): 1 is linear."""
    logs = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(logs) < 2:
        return None
    mx = sum(x for x, _ in logs) / len(logs)
    my = sum(y for _, y in logs) / len(logs)
    var = sum((x - mx) ** 2 for x, _ in logs)
    return sum((x - mx) * (y - my) for x, y in logs) / var if var else None


def bench_scale(args, peers: dict[str, Path]) -> None:
    """How time and memory grow with lines: the corpora copied side by side into one folder and
    scanned cumulatively (the first, the first two, ... all), each tool once per step, with
    gdpr-lint cold and warm; then every corpus alone, so that the whole tree's cost can be set
    against the sum of its parts' (a tool that grows worse than linearly costs more together)."""
    names = list(args.corpora)
    work = Path(tempfile.mkdtemp(prefix="gdpr-lint-scale-"))
    selected = set(args.tools)
    try:
        sizes = {}
        for name in names:
            pkg = ensure_corpus(name)
            shutil.copytree(pkg, work / pkg.name, symlinks=True)
            sizes[name] = (pkg.name, *count_lines(work / pkg.name))
        steps = [names[:i] for i in range(1, len(names) + 1)] + [[n] for n in names[1:]]
        rule = work.parent / f"{work.name}-rule.yaml"
        rule.write_text(SEMGREP_RULE)
        peer_env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
        print(f"\nscale: {', '.join(f'{n} ({sizes[n][2]:,} lines)' for n in names)}; one run each; "
              f"load average {loadavg()} before")
        head = (f"{'corpora':<44} {'files':>6} {'lines':>9}  {'tool':<16} {'wall s':>8} {'cpu s':>8} "
                f"{'cpu s/100k':>10} {'tree MB':>7} {'findings':>8}")
        print(head)
        print("-" * len(head))
        results: dict[tuple[str, tuple[str, ...]], Run] = {}
        for step in steps:
            targets = [sizes[n][0] for n in step]
            files, lines = sum(sizes[n][1] for n in step), sum(sizes[n][2] for n in step)
            label = "+".join(step) if len(step) < 4 else f"{step[0]}+...+{step[-1]} ({len(step)})"
            cache = work.parent / f"{work.name}-cache"
            commands = []
            if "gdpr-lint" in selected:
                base = [*args.lint_cmd, "check", "--format", "json", "--no-fail"]
                commands += [("gdpr-lint cold", [*base, "--no-cache", *targets], args.lint_env, gdpr_counts),
                             ("gdpr-lint fill", [*base, "--cache-dir", str(cache), *targets], args.lint_env,
                              gdpr_counts),
                             ("gdpr-lint warm", [*base, "--cache-dir", str(cache), *targets], args.lint_env,
                              gdpr_counts)]
            if "bandit" in peers and "bandit" in selected:
                commands.append(("bandit", [str(peers["bandit"]), "-r", "-q", "-f", "json", *targets], None,
                                 bandit_counts))
            if "semgrep" in peers and "semgrep" in selected:
                commands.append(("semgrep", [str(peers["semgrep"]), "--metrics=off", "--disable-version-check",
                                             "--x-ignore-semgrepignore-files", "--config", str(rule), "--json",
                                             *targets], peer_env, semgrep_counts))
            for tool, cmd, env, counts in commands:
                print(f"  scale: {tool} on {label} ...", file=sys.stderr, flush=True)
                r = measure(cmd, work, args.timeout, args.interval, env)
                results[(tool, tuple(step))] = r
                problem = check_ok(r, (0, 1))
                found = counts(r)[1]
                if tool == "gdpr-lint fill":
                    continue  # only fills the cache for the warm row
                print(f"{label:<44} {files:>6} {lines:>9,}  {tool:<16} {r.wall:>8.2f} {r.cpu:>8.2f} "
                      f"{r.cpu / lines * 100_000:>10.2f} {r.tree_mb:>7.0f} {_fmt(found, '>8')}"
                      + (f"  ({problem})" if problem else ""), flush=True)
            shutil.rmtree(cache, ignore_errors=True)
        whole = tuple(names)
        lines_all = sum(sizes[n][2] for n in names)
        for tool in ("gdpr-lint cold", "gdpr-lint warm", "bandit", "semgrep"):
            if (tool, whole) not in results or not all((tool, (n,)) in results for n in names):
                continue
            parts = sum(results[(tool, (n,))].cpu for n in names)
            together = results[(tool, whole)].cpu
            print(f"{tool}: the whole tree ({lines_all:,} lines) {together:.2f} s cpu, its corpora one by one "
                  f"{parts:.2f} s: {together / parts:.2f}x (1.00 = linear; above it grows faster than the lines)")
            cumulative = [(sum(sizes[n][2] for n in names[:i]), results[(tool, tuple(names[:i]))].cpu)
                          for i in range(1, len(names) + 1) if (tool, tuple(names[:i])) in results]
            slope = growth_exponent(cumulative)
            if slope is not None:
                print(f"{tool}: cpu grows as lines^{slope:.2f} over the cumulative rows (least squares of log cpu "
                      f"on log lines; 1.00 = linear)")
        print(f"load average {loadavg()} after")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(work.parent / f"{work.name}-cache", ignore_errors=True)
        (work.parent / f"{work.name}-rule.yaml").unlink(missing_ok=True)


_MODULE_HEAD = "import logging\nfrom django.db import models\nlogger = logging.getLogger(__name__)\n"
_MODULE_BLOCK = """
class Customer{i}(models.Model):
    email = models.EmailField()
    notes = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

def handle_{i}(user, payload):
    total = sum(payload.get('items', []))
    if total > {i}:
        logger.info('order %s for %s', total, user.email)
    data = {{'id': {i}, 'value': total * 2, 'flag': bool(payload)}}
    return data
"""


def generated_module(lines: int) -> tuple[str, int]:
    """A module of about ``lines`` lines, a finding every four: blocks of a Django model with an
    untagged e-mail and free-text field (two retention findings) and a function that logs a
    user's e-mail (one logging finding).  ``(text, blocks)``."""
    blocks = max(1, (lines - 3) // 12)
    return _MODULE_HEAD + "".join(_MODULE_BLOCK.format(i=i) for i in range(blocks)), blocks


def bench_module(args, peers: dict[str, Path]) -> None:
    """Issue 18's generated module: one file of ``--module`` lines, scanned cold in one process
    and with the default jobs, and by bandit; its findings must all be kept (no GDPR905)."""
    work = Path(tempfile.mkdtemp(prefix="gdpr-lint-module-"))
    try:
        text, blocks = generated_module(args.module)
        (work / "generated").mkdir()
        (work / "generated" / "gen_module.py").write_text(text, encoding="utf-8")
        lines = text.count("\n")
        print(f"\nmodule: one generated file of {lines:,} lines ({blocks:,} blocks of a model and a handler; "
              f"{3 * blocks:,} findings expected besides the rights ones); load average {loadavg()} before")
        head = f"{'tool':<40} {'wall s':>8} {'cpu s':>8} {'tree MB':>7} {'proc MB':>7} {'findings':>8} {'GDPR905':>7}"
        print(head)
        print("-" * len(head))
        commands = []
        if "gdpr-lint" in args.tools:
            base = [*args.lint_cmd, "check", "--format", "json", "--no-fail", "--no-cache"]
            commands += [("gdpr-lint cold, one process (--jobs 1)", [*base, "--jobs", "1", "generated"]),
                         ("gdpr-lint cold (default jobs)", [*base, "generated"])]
        if "bandit" in peers and "bandit" in args.tools:
            commands.append(("bandit -r", [str(peers["bandit"]), "-r", "-q", "-f", "json", "generated"]))
        first = None
        for tool, cmd in commands:
            print(f"  module: {tool} ...", file=sys.stderr, flush=True)
            r = measure(cmd, work, args.timeout, args.interval, args.lint_env if tool.startswith("gdpr") else None)
            problem = check_ok(r, (0, 1))
            if tool.startswith("gdpr"):
                data = _json(r.stdout)
                found = [f for f in data.get("findings", [])] if isinstance(data, dict) else []
                count, dropped = len(found), sum(1 for f in found if f.get("code") == "GDPR905")
                kept = sum(1 for f in found if f.get("family") in ("retention", "logging"))
                if first is None:
                    first = (r, kept, dropped)
            else:
                count, dropped = bandit_counts(r)[1], None
            print(f"{tool:<40} {r.wall:>8.2f} {r.cpu:>8.2f} {r.tree_mb:>7.0f} {r.proc_mb:>7.0f} "
                  f"{_fmt(count, '>8')} {_fmt(dropped, '>7')}" + (f"  ({problem})" if problem else ""), flush=True)
        if first is not None:
            r, kept, dropped = first
            yes = {True: "yes", False: "NO"}
            print(f"targets ({lines:,} lines, one process): cpu < 15 s: {yes[r.cpu < 15]}; "
                  f"peak tree memory < 500 MB: {yes[r.tree_mb < 500]}; every finding kept ({kept:,} of "
                  f"{3 * blocks:,}, no GDPR905): {yes[kept == 3 * blocks and not dropped]}")
        print(f"load average {loadavg()} after")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- report


def machine_info() -> list[str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except (OSError, ValueError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"date:    {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        (f"machine: {os.cpu_count()} cores ({usable} usable), {model}, {mem} RAM, "
         f"{platform.system()} {platform.release()}"),
        f"python:  {platform.python_version()} ({sys.executable})",
    ]


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(name: str, rows: list[Row], repeat: int, load: tuple[str, str]) -> None:
    pkg = ensure_corpus(name)
    files = list(pkg.rglob("*.py"))
    lines = 0
    for p in files:
        with open(p, "rb") as fh:
            lines += sum(1 for _ in fh)
    print(f"\n{name}: {CORPORA[name].requirement}, {CORPORA[name].package}/ ({len(files)} .py files, "
          f"{lines} lines); {'median of ' + str(repeat) if repeat > 1 else 'one run'}; "
          f"load average {load[0]} before, {load[1]} after")
    width = max(len(r.label) for r in rows)
    head = (f"{'tool':<{width}}  {'wall s':>8}  {'cpu s':>8}  {'tree MB':>7}  {'proc MB':>7}  "
            f"{'files':>5}  {'findings':>8}")
    print(head)
    print("-" * len(head))
    for r in rows:
        line = (f"{r.label:<{width}}  {_fmt(r.median('wall'), '8.2f')}  {_fmt(r.median('cpu'), '8.2f')}  "
                f"{_fmt(r.median('tree_mb'), '7.0f')}  {_fmt(r.median('proc_mb'), '7.0f')}  "
                f"{_fmt(r.files, '>5')}  {_fmt(r.findings, '>8')}")
        print(line + (f"  ({r.note})" if r.note else ""))
    by = {r.key: r for r in rows}
    cold, warm, touch = by.get("cold"), by.get("warm"), by.get("touch")
    for peer in ("bandit", "semgrep"):
        other = by.get(peer)
        if cold and other and cold.median("wall") and other.median("wall"):
            print(f"gdpr-lint cold / {peer}: {cold.median('wall') / other.median('wall'):.2f}x wall, "
                  f"{cold.median('cpu') / other.median('cpu'):.2f}x cpu")
    one = by.get("cold-1")
    if cold and one and cold.median("cpu") and one.median("cpu"):
        print(f"gdpr-lint cold, default jobs / --jobs 1: {cold.median('cpu') / one.median('cpu'):.2f}x cpu, "
              f"{cold.median('wall') / one.median('wall'):.2f}x wall")
    # the targets of issue 18 ("Done when"), shown for every corpus though they are set for Django
    # (and the memory one for Wagtail too)
    checks = []
    if cold and by.get("bandit") and cold.median("cpu") and by["bandit"].median("cpu"):
        checks.append(("cold cpu <= 0.35 x bandit cpu", cold.median("cpu") <= 0.35 * by["bandit"].median("cpu")))
    if cold and one and cold.median("cpu") and one.median("cpu"):
        checks.append(("default-jobs cpu <= 1.15 x --jobs 1 cpu", cold.median("cpu") <= 1.15 * one.median("cpu")))
    if warm and warm.median("wall") is not None:
        checks.append(("warm < 0.5 s", warm.median("wall") < 0.5))
    if touch and touch.median("wall") is not None:
        checks.append(("1 changed file (median size) < 0.5 s", touch.median("wall") < 0.5))
    peaks = [r.median("tree_mb") for r in rows if r.key not in PEER_TOOLS and r.median("tree_mb")]
    if peaks:
        checks.append(("gdpr-lint peak tree memory < 300 MB", max(peaks) < 300))
    if checks:
        print("targets: " + "; ".join(f"{text}: {'yes' if ok else 'NO'}" for text, ok in checks))
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="*", default=list(DEFAULT_CORPORA), metavar="CORPUS",
                        help=f"corpora to scan (default: {' '.join(DEFAULT_CORPORA)}; known: {' '.join(CORPORA)})")
    parser.add_argument("--repeat", type=int, default=1, metavar="N", help="runs per tool; medians are reported")
    parser.add_argument("--tools", default=",".join(ALL_TOOLS),
                        help=f"comma-separated subset of {','.join(ALL_TOOLS)}")
    parser.add_argument("--touch", metavar="REL", help="file to change, relative to the package folder "
                        "(default: the largest .py file)")
    parser.add_argument("--ruff-select", metavar="RULES", help="ruff --select (default: ruff's default rules)")
    parser.add_argument("--snapshot", metavar="REV", help="run gdpr-lint from a copy of its code taken at the "
                        "start: a git revision of this repository (`git archive`), or `worktree` for the current "
                        "files; default: the installed gdpr-lint, whose source may change under a long run")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per run before it is killed (1200)")
    parser.add_argument("--interval", type=float, default=0.1, help="memory sampling interval in seconds (0.1)")
    parser.add_argument("--scale", action="store_true",
                        help="the scale row instead: the corpora (default: " + " ".join(SCALE_ORDER) + ", about a "
                        "million lines) side by side, scanned cumulatively, then one by one")
    parser.add_argument("--module", type=int, metavar="LINES",
                        help="the generated-module row instead: one module of LINES lines (issue 18: 100000), "
                        "a finding every four lines, scanned by gdpr-lint cold and bandit")
    args = parser.parse_args(argv)
    if args.scale and args.corpora == list(DEFAULT_CORPORA):  # no corpora named
        args.corpora = list(SCALE_ORDER)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so temp folders and runs are cleaned up
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [n for n in args.corpora if n not in CORPORA] + [t for t in args.tools if t not in ALL_TOOLS]
    if unknown or args.repeat < 1:
        parser.error(f"unknown corpora or tools: {', '.join(unknown)}" if unknown else "--repeat must be >= 1")
    peers, notes = ensure_peer_tools([t for t in args.tools if t in PEER_TOOLS])
    with tempfile.TemporaryDirectory(prefix="gdpr-lint-code-") as snap:
        if args.snapshot:
            try:
                code = snapshot_code(args.snapshot, Path(snap))
            except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
                print(f"cannot snapshot {args.snapshot}: {exc}", file=sys.stderr)
                return 2
            args.lint_cmd = [sys.executable, *(["-P"] if sys.version_info >= (3, 11) else []), "-m", "gdpr_lint"]
            # PYTHONSAFEPATH: `-m` would otherwise put the cwd (the corpus's parent) first on sys.path
            args.lint_env = {**os.environ, "PYTHONSAFEPATH": "1", "PYTHONPATH": os.pathsep.join(
                [snap, *filter(None, [os.environ.get("PYTHONPATH")])])}
        else:
            args.lint_cmd, args.lint_env = linter_command(), None
            code = f"installed ({' '.join(args.lint_cmd)})"
        if "gdpr-lint" in args.tools:
            code += "; " + byte_compile(args.lint_cmd, args.lint_env)
        return report(args, peers, notes, code)


def report(args, peers: dict[str, Path], notes: dict[str, str], code: str) -> int:
    print("\n".join(machine_info()))
    versions = []
    if "gdpr-lint" in args.tools:
        versions.append(tool_version(args.lint_cmd, args.lint_env))
    for tool, exe in peers.items():
        text = tool_version([str(exe)])
        versions.append(text if text.lower().startswith(tool) else f"{tool} {text}")
    print("tools:   " + "; ".join(versions))
    print(f"code:    {code}")
    print(f"corpora: {cache_dir()}")
    for note_tool, note in notes.items():
        print(f"skipped {note_tool}: {note}")
    if args.scale:
        bench_scale(args, peers)
        return 0
    if args.module:
        bench_module(args, peers)
        return 0
    for name in args.corpora:
        before = loadavg()
        rows = bench_corpus(name, args, peers, notes)
        print_table(name, rows, args.repeat, (before, loadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
