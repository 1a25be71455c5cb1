"""Find the files to check, read them safely, and analyse them (in parallel, cached by content).

Bad input never stops a scan: a file that is not UTF-8, unreadable, too large or a broken
symlink becomes a GDPR902 finding; one that does not parse a GDPR901 finding.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import signal
import stat
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path

from gdpr_lint import __version__
from gdpr_lint.cache import BadEntry, Cache, content_key, need, need_keys, need_list
from gdpr_lint.collector import fewer_collections, paused
from gdpr_lint.errors import UsageError
from gdpr_lint.facts.scope import still_holds
from gdpr_lint.files.discovery import Tree, discover_tree
from gdpr_lint.files.source import (  # noqa: F401 - the one reader, re-exported
    MAX_BYTES,
    line_count,
    read_source,
    read_source_digest,
)
from gdpr_lint.findings import Finding, tool_finding
from gdpr_lint.policy import Policy
from gdpr_lint.survey import NOTHING, Survey, survey_source

POOL_BYTES = 200_000  # below eight files, worker processes start only for this much source (~5,000 lines)
# `check` only: a last-resort wall-clock limit per file (env GDPR_LINT_FILE_TIMEOUT; 0 = none).  The
# analysis budget (engine/budget.py) decides from the text alone what is analysed, so that results
# do not depend on the machine's load; what it admits takes at most about 35 s on a 2-core machine,
# and this limit is far above that, for an input whose cost the budget's estimate misses
DEFAULT_FILE_TIMEOUT = 300.0
WORKER_MEMORY = 8 << 30  # bytes of address space per worker process (RLIMIT_AS), a last resort as well
_TIMEOUT_MESSAGE = "analysis took longer than {} s; file skipped"


@dataclass
class ScanResult:
    """Everything a scan produced: findings (sorted), suppressed findings, inventory rows, file count."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)  # `check --baseline`: accepted by the baseline file
    #: where personal data reaches a third party: ``{path, line, recipient, categories, how, symbol}``
    disclosures: list[dict] = field(default_factory=list)
    inventory: list[dict] = field(default_factory=list)
    files: int = 0
    lines: int = 0
    root: Path = field(default_factory=Path.cwd)
    # files the test-code patterns match that production code imports: analysed as production code
    imported_test_code: list[str] = field(default_factory=list)
    changes_only: bool = False  # `check --diff/--staged`: only the files a change touches were scanned


def display_path(path: Path, root: Path) -> str:
    """The path shown in findings: relative to ``root`` when inside it, else as given."""
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def _jobs(files: list[Path], root: Path) -> list[tuple[str, str, str]]:
    """``(path, shown path, module name)`` per file: :func:`display_path` and :func:`module_name`
    with string operations (Path objects cost more than the rest of a warm scan)."""
    cwd = os.getcwd()
    top = os.path.join(os.path.normpath(os.path.join(cwd, os.fspath(root))), "")  # with a trailing separator
    out = []
    for p in files:
        path = os.fspath(p)
        full = os.path.join(cwd, path)
        shown = full[len(top):] if full.startswith(top) else path
        out.append((path, shown.replace(os.sep, "/"), _dotted_name(full)))
    return out


def _dotted_name(full: str) -> str:
    folder, name = os.path.split(full)
    stem = os.path.splitext(name)[0]
    package = _package_of(folder)
    return package if stem == "__init__" else (f"{package}.{stem}" if package else stem)


def module_name(path: Path, root: Path | None = None) -> str:
    """The dotted module name of a file, from its package folders (those with ``__init__.py``).

    ``proj/shop/models.py`` with ``proj/shop/__init__.py`` is ``shop.models`` wherever the scan
    starts, so data-map keys do not depend on the working directory.
    """
    return _dotted_name(str(path.absolute()))


@lru_cache(maxsize=4096)
def _package_of(folder: str) -> str:
    """The dotted package a folder is (``""`` when it has no ``__init__.py``, or cannot be entered)."""
    here = Path(folder)
    try:
        package = here.parent != here and (here / "__init__.py").is_file()
    except OSError:  # a folder that can be listed but not entered: stat says "permission denied"
        package = False
    if not package:
        return ""
    parent = _package_of(str(here.parent))
    return f"{parent}.{here.name}" if parent else here.name


# ---- worker side ---------------------------------------------------------------------------------
_WORKER: dict = {}
#: bytes given in place of a file's own (``check -``: an editor's unsaved buffer), by absolute path
_GIVEN: dict[str, bytes] = {}


def _read(path: str) -> tuple[str | None, str, str]:
    """:func:`read_source_digest` of ``path``, or of the bytes given for it."""
    data = _GIVEN.get(os.path.abspath(path))
    if data is None:
        return read_source_digest(Path(path))
    from gdpr_lint.files.source import decode

    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_BYTES:
        return None, f"text is larger than the {MAX_BYTES // 1_000_000} MB limit", digest
    text, problem = decode(data)
    return text, problem, digest


def _init_worker(policy: Policy, use_prefilter: bool = True, project: dict | None = None,
                 time_limit: float = 0.0, memory: int = 0, given: dict[str, bytes] | None = None) -> None:
    """Set up this process to survey and analyse files: ``time_limit`` is the wall-clock limit per
    file in seconds (0: none), ``memory`` an address-space limit for this process in bytes (0:
    none; only for worker processes, never the user's)."""
    from gdpr_lint.classify import Classifier
    from gdpr_lint.policy.datamap import datamap_for
    from gdpr_lint.survey.prefilter import Prefilter

    if memory:
        _limit_memory(memory)
    fewer_collections()
    _WORKER["policy"] = policy
    _WORKER["time_limit"] = time_limit
    if given is not None:
        _GIVEN.clear()
        _GIVEN.update(given)
    _WORKER["classifier"] = Classifier(policy)
    # with a data map any field may be declared personal data: every file is analysed
    _WORKER["prefilter"] = Prefilter(policy, _WORKER["classifier"]) if use_prefilter and not datamap_for(
        policy) else None
    _WORKER["project"] = project or {}




def result_to_data(out: tuple[list[Finding], list[Finding], list[dict], int]) -> list:
    """One file's result ``(findings, suppressed, inventory rows, lines)`` as JSON data."""
    findings, suppressed, inventory, lines = out
    return [[f.to_data() for f in findings], [f.to_data() for f in suppressed], inventory, lines]


def result_from_data(data, marked: bool = False) -> tuple[list[Finding], list[Finding], list[dict], int]:
    """What :func:`result_to_data` gave, every value checked: findings as :meth:`Finding.from_data`
    reads them, inventory rows as :func:`gdpr_lint.findings.check_row` reads them (``marked``: the
    whole scan's rows, which the erasure and access check marks).

    Raises:
        gdpr_lint.cache.BadEntry: data of any other shape (read from the cache: a miss).
    """
    if len(need(data, list)) != 4:
        raise BadEntry("a result is (findings, suppressed, inventory, lines)")
    findings = [Finding.from_data(f) for f in need(data[0], list)]
    suppressed = [Finding.from_data(f) for f in need(data[1], list)]
    from gdpr_lint.findings import check_row

    for row in need(data[2], list):
        check_row(row, marked)
    return findings, suppressed, data[2], need(data[3], int)


def _stamp_from_data(data) -> tuple:
    if len(need(data, list)) != 5:
        raise BadEntry("a file stamp is (size, mtime, ctime, inode, module name)")
    for part in data[:4]:
        need(part, int)
    need(data[4], str)
    return tuple(data)


def snapshot_to_data(files: dict, results: dict, tree: Tree | None, run: dict | None = None,
                     project: dict | None = None) -> dict:
    """The snapshot of a scan as JSON data: per file its stamp, digest, :func:`_survey_print` and
    what a scan reads of its survey (:class:`_Held`: the whole survey is in the survey cache, read
    only when the project's surveys changed); the results of the files analysed by key; the folder
    walk; and the whole scan's result with the key of everything it was made from (``run``: a scan of
    the same files with the same contents and settings is this result, nothing surveyed again);
    and what the surveys decided (``project``: the test code production code imports, per file the
    digest of the facts its result depends on, or ``""`` when it needs no analysis, and the stores'
    facts), with the keys of the surveys.  Both hold the paths the search for imported test code
    looked at, with what it found there (:func:`~gdpr_lint.facts.scope.still_holds`)."""
    return {"files": {p: [list(stamp), digest, print_, list(light)] for p, (stamp, digest, print_, light) in files.items()},
            "results": {k: result_to_data(v) for k, v in results.items()},
            "tree": tree.to_data() if tree is not None else None,
            "run": run, "project": project}


def snapshot_from_data(data) -> dict:
    """What :func:`snapshot_to_data` gave, every value checked (:class:`~gdpr_lint.cache.BadEntry`
    otherwise)."""
    need_keys(data, {"files", "results", "tree", "run", "project"})
    files = {}
    for path, entry in need(data["files"], dict).items():
        if len(need(entry, list)) != 4:
            raise BadEntry("a file entry is (stamp, digest, print, what the scan reads of its survey)")
        files[path] = (_stamp_from_data(entry[0]), need(entry[1], str), need(entry[2], str), _Held.check(entry[3]))
    results = {key: result_from_data(value) for key, value in need(data["results"], dict).items()}
    tree = None if data["tree"] is None else Tree.from_data(data["tree"])
    run = data["run"]
    if run is not None:
        need_keys(run, {"key", "result", "imported", "probes"})
        need(run["key"], str), result_from_data(run["result"], marked=True), need_list(run["imported"], str)
        _probes_from_data(run["probes"])
    project = data["project"]
    if project is not None:
        need_keys(project, {"promoted_key", "promoted", "probes", "facts_key", "needs", "stores"})
        _probes_from_data(project["probes"])
        need(project["promoted_key"], str), need(project["facts_key"], str), need(project["stores"], str)
        need_list(project["needs"], str), need_list(project["promoted"], int)
    return {"files": files, "results": results, "tree": tree, "run": run, "project": project}


def _probes_from_data(data) -> dict[str, str]:
    for path, real in need(data, dict).items():
        need(path, str), need(real, str)
    return data


@dataclass(frozen=True)
class _Held:
    """What a scan reads of the survey of a file the snapshot holds, unless the project's surveys
    changed (then the whole survey is read from the survey cache): :class:`Survey`'s fields of the
    same names."""

    lines: int
    problem: str
    code: str
    parsed: bool
    digest: str

    @staticmethod
    def of(data: dict) -> tuple:
        """The snapshot's data of a survey (as :meth:`Survey.to_data` gives it)."""
        return data["lines"], data["problem"], data["code"], data["parsed"], data["digest"]

    @staticmethod
    def check(data) -> tuple:
        """:meth:`of`'s data read back (:class:`~gdpr_lint.cache.BadEntry` for any other shape)."""
        if len(need(data, list)) != 5 or data[2] not in ("GDPR902", "GDPR905"):
            raise BadEntry("a survey held is (lines, problem, code, parsed, digest)")
        for value, kind in zip(data, (int, str, str, bool, str)):
            need(value, kind)
        return tuple(data)


def _entry(stamp: tuple, digest: str, data) -> tuple | None:
    """A file's snapshot entry: ``(stamp, digest, print, what the scan reads of the survey)``, from
    its survey's data; ``None`` for data of another shape."""
    print_ = _survey_print(data, digest)
    try:
        return (stamp, digest, print_, _Held.check(list(_Held.of(data)))) if print_ else None
    except (BadEntry, KeyError, TypeError):
        return None


def _limit_memory(limit: int) -> None:
    """Lower this process's address-space limit to ``limit`` bytes (a worker's: an allocation past
    it fails in this process instead of the machine running out of memory)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        new = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > new:
            resource.setrlimit(resource.RLIMIT_AS, (new, hard))
    except (ImportError, ValueError, OSError):  # no `resource` module (Windows), or not allowed
        pass


def _survey_key(policy: Policy | None, salt: str, job: tuple, digest: str) -> str:
    """The survey cache's key of a job's file: what its survey is made from, the file's content,
    module name and file name, and whether it is surveyed as test code (by its path in the scan,
    :func:`_skips_data_rules`): two files of the same content, one of them test code, are
    surveyed apart.  ``policy`` may be ``None`` for a job that says production code imports it."""
    test = not (len(job) > 3 and job[3]) and policy is not None and policy.skips_data_rules(job[1])
    return content_key("survey", salt, job[2], Path(job[0]).name, digest, "test" if test else "production")


def _skips_data_rules(policy: Policy, job: tuple) -> bool:
    """Whether the data rules skip a job's file: test code (``scope.yaml``), unless the job says that
    production code imports it (a fourth element, ``True``: :mod:`gdpr_lint.facts.scope`)."""
    return not (len(job) > 3 and job[3]) and policy.skips_data_rules(job[1])


def survey_path(job: tuple) -> Survey:
    """:func:`survey_source` for one file in a worker (a time-out means: analyse it).  ``job`` is
    ``(path, shown path, module name)``, with ``True`` after them for test code that production
    code imports."""
    path, modname = job[0], job[2]
    text, problem, digest = _read(path)
    if text is None:
        return Survey([], False, 0, problem, digest)
    policy = _WORKER["policy"]
    skip = _skips_data_rules(policy, job)  # tests: Python's syntax check only
    try:
        with _time_limit(_WORKER.get("time_limit", 0.0)):
            survey = survey_source(text, modname, Path(path).name == "__init__.py", NOTHING if skip else
                                   _WORKER["prefilter"], None if skip else policy,  # made-up models join no facts
                                   _WORKER["classifier"].classify)
    except _FileTimeout:
        survey = Survey([], True, line_count(text))
    survey.digest = digest
    return survey


def analyze_path(job: tuple, project: dict | None = None
                 ) -> tuple[list[Finding], list[Finding], list[dict], int]:
    """Analyse one file in a worker: ``(findings, suppressed, inventory, lines)``."""
    return analyze_job(job, project)[1]


def analyze_job(job: tuple, project: dict | None = None
                ) -> tuple[str, tuple[list[Finding], list[Finding], list[dict], int]]:
    """``(SHA-256 of the bytes analysed, (findings, suppressed, inventory, lines))`` for one file
    (``job`` as :func:`survey_path` reads it, and a fifth element, ``True`` when Python's parser
    read the file in the survey: the analysis then reads only the code that can make a finding,
    :mod:`gdpr_lint.engine.focus`)."""
    from gdpr_lint.engine.reach import nothing_to_read

    path, shown, modname = job[:3]
    policy = _WORKER["policy"]
    text, problem, digest = _read(path)
    if text is None:
        return digest, ([tool_finding(policy, "GDPR902", shown, f"file not checked: {problem}")], [], [], 0)
    lines = line_count(text)
    limit = _WORKER.get("time_limit", 0.0)
    project = _WORKER["project"] if project is None else project
    prefilter = _WORKER.get("prefilter") if len(job) > 4 and job[4] else None
    try:
        with _time_limit(limit):
            if nothing_to_read(text, policy, modname, project, prefilter):
                return digest, ([], [], [], lines)  # (without libcst: its import costs more than the rest)
            from gdpr_lint.engine.analyzer import analyze_source

            findings, suppressed, inventory = analyze_source(
                shown, text, policy, _WORKER["classifier"], modname, project, Path(path).name == "__init__.py",
                prefilter)
    except _FileTimeout:
        return digest, ([tool_finding(policy, "GDPR905", shown, _TIMEOUT_MESSAGE.format(f"{limit:g}"))], [], [],
                        lines)
    except Exception as exc:  # noqa: BLE001 - an engine bug must not stop the scan
        return digest, ([tool_finding(policy, "GDPR905", shown, f"internal error while analysing "
                                      f"({type(exc).__name__}: {exc}); file skipped")], [], [], lines)
    if _skips_data_rules(policy, job):  # analysed only for Python's syntax error: tool findings alone
        return digest, ([f for f in findings if f.family == "tool"], [], [], lines)
    return digest, (findings, suppressed, inventory, lines)


class _FileTimeout(BaseException):
    """Raised by the SIGALRM handler when one file's analysis runs past its time limit.

    A ``BaseException`` so that no ``except Exception`` inside the engine swallows it.
    """


def file_timeout() -> float:
    """Seconds allowed per file: ``$GDPR_LINT_FILE_TIMEOUT`` or :data:`DEFAULT_FILE_TIMEOUT`; 0 (or
    ``inf``) means no limit.

    Raises:
        UsageError: the variable is set to something that is not a number of seconds (``abc``,
            ``nan``, a negative number)."""
    raw = os.environ.get("GDPR_LINT_FILE_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_FILE_TIMEOUT
    except ValueError:
        value = math.nan
    if math.isnan(value) or value < 0:
        raise UsageError(f"GDPR_LINT_FILE_TIMEOUT must be a number of seconds (0: no limit), not {raw[:40]!r}")
    return value if math.isfinite(value) else 0.0


@contextmanager
def _time_limit(seconds: float):
    """Raise :class:`_FileTimeout` in the block after ``seconds`` of wall-clock time.

    Uses ``SIGALRM``, so it only applies in a process's main thread on platforms with
    ``signal.setitimer``; elsewhere the block runs without a limit.  The previous handler (and
    any timer that was already running) is restored afterwards.  Once the alarm has gone off the
    block's outcome is a timeout whatever happened next: a ``finally`` clause inside libcst can
    replace the exception with its own (a ``KeyError`` from the position provider, seen in the
    sweep), and an engine ``except`` can swallow it.  The alarm repeats every 0.1 s until the
    block ends, because an exception raised where Python cannot propagate it (a ``__del__``, a
    ``gc`` callback such as hypothesis installs) is printed and dropped.
    """
    if (seconds <= 0 or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    armed, fired = [True], [False]

    def _alarm(signum, frame):
        if armed[0]:
            fired[0] = True
            raise _FileTimeout

    def _unraisable(unraisable) -> None:
        # the alarm went off in a __del__ or a gc callback, where Python cannot raise it: drop it
        # quietly (it fires again 0.1 s later) instead of printing it or handing it to a test runner
        if not isinstance(unraisable.exc_value, _FileTimeout):
            previous_hook(unraisable)

    previous_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable
    previous = signal.signal(signal.SIGALRM, _alarm)
    start = time.monotonic()
    old_delay, old_interval = 0.0, 0.0
    try:  # the timer is set inside the try, so an alarm at any point still runs the clean-up
        old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
        yield
        if fired[0]:
            raise _FileTimeout
    except (_FileTimeout, GeneratorExit):  # GeneratorExit: closed without __exit__ (see bpo-29988)
        raise
    except BaseException as exc:
        if fired[0]:
            raise _FileTimeout from exc
        raise
    finally:
        try:
            armed[0] = False  # from here on a late alarm is ignored ...
        finally:  # ... and the clean-up always completes
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
            sys.unraisablehook = previous_hook
            if old_delay:
                signal.setitimer(signal.ITIMER_REAL, max(old_delay - (time.monotonic() - start), 0.001),
                                 old_interval)


def _timed_out(value) -> bool:
    """Whether a file's result is a time-limit skip (never cached: it depends on the machine's load)."""
    try:
        return any(f.code == "GDPR905" and f.message.startswith(_TIMEOUT_MESSAGE.split("{")[0]) for f in value[0])
    except (TypeError, IndexError, AttributeError):
        return False


def scan(paths: list[Path], policy: Policy, root: Path | None = None, jobs: int | None = None,
         cache_dir: Path | None = None, progress=None, prefilter: bool = True,
         context: list[Path] | None = None, time_limit: float | None = None,
         given: dict[str, bytes] | None = None) -> ScanResult:
    """Analyse every Python file under ``paths``.

    Two passes, both spread over worker processes and cached by file content: a survey with
    ``ast`` (class headers for the cross-module index, syntax check, pre-filter), then the full
    analysis of the files that can yield a finding.  Output does not depend on ``jobs``.  With a
    cache, a scan of the same files with the same contents and settings as the last is that
    scan's result, and one whose surveys are the last scan's reuses what they decided (see
    :func:`snapshot_to_data`).

    Args:
        paths: files and folders to scan.
        policy: the effective policy.
        root: folder that shown paths are relative to (default: current directory).
        jobs: worker processes (default: number of cores; 1 = in this process).
        cache_dir: results cache folder, or ``None`` for no cache.
        progress: optional callable ``progress(done, total, stage)``: ``done`` of the ``total`` files
            the stage (``"surveying"``, then ``"analysing"``) has to work on (cached files need no work).
        prefilter: skip analysis of files whose words cannot yield a finding (same findings, faster).
        context: more files whose class headers join the cross-module index (a schema's base class
            defined in a file that is not scanned, as when only a change is checked); they are
            surveyed (cached like the rest) but neither analysed nor reported.
        given: file contents to use in place of what is on disk, by path (``check -``: an editor's
            buffer, at a path that need not exist); those files are scanned too.
        time_limit: wall-clock seconds per file (0: none); default: the :func:`wall_clock_limit`
            in force, none unless ``check`` set one.  ``review``, ``verify``, ``baseline`` and
            ``inventory`` never use one: their results must not depend on the machine's load.

    Raises:
        UsageError: a path that does not exist.
    """
    from gdpr_lint.classify import Classifier
    from gdpr_lint.facts.project import build_facts
    from gdpr_lint.facts.stored import facts_from_data, facts_to_data
    from gdpr_lint.policy.datamap import datamap_for

    root = root or Path.cwd()
    cache = Cache(cache_dir)
    datamap = json.dumps(datamap_for(policy), sort_keys=True, default=str)
    # the snapshot of the last scan of these paths: the folders walked (a walk is skipped when none
    # has changed), and the digest and survey of every file whose size and times have not changed,
    # so that it is not read again (as git's index does)
    survey_salt = f"{policy.hash}:{datamap}:{prefilter}"
    snap_key = content_key("snapshot", survey_salt, str(root.absolute()), *sorted(map(str, paths)))
    snapshot = cache.get("snapshot", snap_key, snapshot_from_data) or {"files": {}, "results": {}}
    unlisted: list[tuple[str, str]] = []  # folders the walk could not list
    files, manifests, tree = discover_tree(paths, policy.config.exclude, root, snapshot.get("tree"), unlisted)
    given = {os.path.abspath(k): v for k, v in (given or {}).items()}
    if given:
        listed = {os.path.abspath(f) for f in files}
        files = [*files, *(Path(k) for k in given if k not in listed)]
    _package_of.cache_clear()  # package folders may have changed since an earlier scan in this process
    files, misnamed = _split_misnamed(files)
    manifests, misnamed_manifests = _split_misnamed(manifests)
    jobs_list = _jobs(files, root)
    total = len(jobs_list)  # the files reported on; the context's are only surveyed
    if context:
        mine = {os.path.abspath(p) for p in files}
        jobs_list += _jobs([p for p in dict.fromkeys(_split_misnamed(context)[0]) if os.path.abspath(p) not in mine],
                           root)
    result = ScanResult(files=len(files) + len(misnamed) + len(manifests) + len(misnamed_manifests), root=root)
    for path in (*misnamed, *misnamed_manifests):
        result.findings.append(tool_finding(policy, "GDPR902", _escaped(display_path(path, root)), _MISNAMED))
    for folder, reason in sorted(set(unlisted)):
        shown = _escaped(display_path(Path(folder), root)).rstrip("/") + "/"
        result.findings.append(tool_finding(policy, "GDPR902", shown, f"folder not checked: cannot list it "
                                            f"({reason}); no file in it was scanned"))
    runner = _Runner(policy, prefilter, jobs, _WALL_CLOCK[0] if time_limit is None else time_limit, given)
    _GIVEN.clear()
    _GIVEN.update(given)
    thresholds = gc.get_threshold()
    fewer_collections()
    try:
        # pass 1: survey every file (cached by its content and the policy's vocabulary)
        known, fresh = snapshot["files"], {}
        digests: list[str] = []
        surveys: list[Survey | None] = []
        keys: list[str] = []
        stamps: list[tuple | None] = []
        held: list[tuple | None] = []  # what the snapshot holds of the survey of a file whose stamp is unchanged
        stable = True  # no file changed while it was read, no analysis cut short by the clock
        for path, shown, modname in jobs_list:
            # before reading: a later write changes the stamp (none for a given text: it is read afresh)
            stamp = None if os.path.abspath(path) in given else _stamp(path, modname)
            stamps.append(stamp)
            entry = known.get(path)
            if stamp is not None and entry is not None and entry[0] == stamp:
                digests.append(entry[1])
                keys.append("")
                held.append(entry[3])
                fresh[path] = entry
                continue
            held.append(None)
            try:
                data = given.get(os.path.abspath(path)) if given else None
                digest = hashlib.sha256(data if data is not None else Path(path).read_bytes()).hexdigest() if (
                    stamp is not None or data is not None) else ""
            except OSError:
                digest = ""
            digests.append(digest)
            keys.append(_survey_key(policy, survey_salt, (path, shown, modname), digest) if digest and cache.in_use
                        else "")
        # the same files with the same contents and settings as the last scan: its result (each
        # file's survey and analysis, the project facts and the project-wide checks are functions
        # of exactly these), nothing surveyed or analysed again
        run_key = _run_key(policy, survey_salt, jobs_list, total, digests, root) if (
            cache.in_use and not given and all(digests)) else ""
        run = snapshot.get("run")
        # (and while the file system leads where it did: which test code production code imports
        # may follow a symbolic link, which the list of files does not show)
        if run_key and run is not None and run["key"] == run_key and still_holds(run["probes"]):
            for i, (path, *_rest) in enumerate(jobs_list):
                if held[i] is None and stamps[i] is not None and keys[i]:  # the same content, a new stamp
                    data = cache.get("survey", keys[i])
                    entry = _entry(stamps[i], digests[i], data)
                    if entry is not None:
                        fresh[path] = entry
            if progress:
                progress(0, 0, "surveying")
                progress(0, 0, "analysing")
            findings, suppressed, rows, lines = result_from_data(run["result"], marked=True)
            outputs = [(findings, suppressed, rows, lines)]
            result.imported_test_code = list(run["imported"])
            results = snapshot["results"]
            _keep_snapshot(cache, snap_key, snapshot, fresh, results, tree, run, snapshot.get("project"))
            return _finish(result, outputs, manifests, policy, root)
        # a file the snapshot holds: what the scan reads of its survey, the whole survey read from
        # the survey cache only when the project's surveys changed (whole_surveys)
        for i, light in enumerate(held):
            surveys.append(_Held(*light) if light is not None else None)
            if surveys[i] is None and keys[i]:
                surveys[i] = cache.get("survey", keys[i], Survey.from_data)
                if surveys[i] is not None and stamps[i] is not None:
                    entry = _entry(stamps[i], digests[i], surveys[i].to_data())
                    if entry is not None:
                        fresh[jobs_list[i][0]] = entry

        def survey_anew(todo: list[int], keys: list[str]) -> None:
            if progress:
                progress(0, len(todo), "surveying")
            for n, (i, survey) in enumerate(zip(todo, runner.map(survey_path, [jobs_list[i] for i in todo])), 1):
                if progress:
                    progress(n, len(todo), "surveying")
                surveys[i] = survey
                if keys[i] and survey.digest == digests[i]:  # else the file was saved during the scan
                    data = survey.to_data()
                    cache.put("survey", keys[i], data)
                    entry = _entry(stamps[i], digests[i], data) if stamps[i] is not None else None
                    if entry is not None:
                        fresh[jobs_list[i][0]] = entry

        survey_anew([i for i, s in enumerate(surveys) if s is None], keys)

        def whole_surveys() -> None:
            # the whole surveys of the files the snapshot holds: from the survey cache, or again
            wanted = {i: _survey_key(policy, survey_salt, jobs_list[i], digests[i])
                      for i, s in enumerate(surveys) if type(s) is _Held}
            for i, key in wanted.items():
                surveys[i] = cache.get("survey", key, Survey.from_data)
            missing = [i for i in wanted if surveys[i] is None or surveys[i].digest != digests[i]]
            if missing:
                survey_anew(missing, [wanted.get(i, "") for i in range(len(surveys))])
        # test code that production code imports is production code: surveyed again as such
        # what the project's surveys decide (the test code production code imports, the project
        # facts, which files need analysis and the facts each one's result depends on) is the
        # same as the last scan's when the surveys are: their key leaves out each file's length
        # and digest (not a test file's: its survey reads no imports), so an edit that changes no
        # survey (a comment, a function's body that adds no call) does not build the project
        # facts again; the imported test code also needs the file system to say what it said
        before = snapshot.get("project")
        # (each file's print is kept in the snapshot beside its survey)
        prints = [entry[2] if entry is not None else _survey_print(s.to_data(), d) for s, d, entry in
                  zip(surveys, digests, (fresh.get(job[0]) for job in jobs_list))] if cache.in_use else []
        promoted_key = _project_key(survey_salt, root, jobs_list, total, prints) if cache.in_use else ""
        if before is not None and before["promoted_key"] == promoted_key and still_holds(before["probes"]):
            promoted, probes = set(before["promoted"]), before["probes"]
            _survey_as_production(sorted(promoted), jobs_list, surveys, digests, runner, cache, survey_salt)
        else:
            whole_surveys()
            promoted, probes = _promote_imported_tests(policy, jobs_list, surveys, digests, runner, cache,
                                                       survey_salt, root)
        result.imported_test_code = sorted(jobs_list[i][1] for i in promoted if i < total)
        for i in promoted if cache.in_use else ():
            prints[i] = _survey_print(surveys[i].to_data(), digests[i])
        facts_key = _project_key(survey_salt, root, jobs_list, total, prints) if promoted and cache.in_use else \
            promoted_key
        built: list = []  # the project facts, built on first need
        kept: list = []  # the facts the analysis and the rights check read, from the cache or built

        def project_facts():
            if not built:
                whole_surveys()
                built.append(build_facts([c for s in surveys for c in s.headers], policy, Classifier(policy),
                                         [(s.facts, job[1]) for s, job in zip(surveys, jobs_list) if s.facts]))
            return built[0]

        def analysis_facts():
            # the same surveys build the same facts: those the analysis reads are kept under their key
            if not kept:
                facts = cache.get("facts", facts_key, facts_from_data) if facts_key and not built else None
                if facts is None:
                    facts = project_facts()
                    if facts_key:
                        cache.put("facts", facts_key, facts_to_data(facts))
                        cache.keep_newest("facts", FACTS_KEPT)
                kept.append(facts)
            return kept[0]

        if before is not None and before["facts_key"] == facts_key:
            needs, stores = before["needs"], before["stores"]
        else:
            facts = project_facts()
            # per file: "" when it needs no analysis, else the digest of the facts its result depends on
            needs = ["" if survey.problem or (not survey.analyse and not (survey.words and facts.holds_records_or_calls_sinks(
                modname, survey.facts)) and not facts.needs_analysis(modname, survey.facts)) else
                facts.digest(facts.relevant(modname), survey.facts.get("calls"), modname)
                for survey, (_path, _shown, modname, *_) in zip(surveys[:total], jobs_list)]
            stores = _stores_key(facts)
        project_memo = {"promoted_key": promoted_key, "promoted": sorted(promoted), "probes": probes,
                        "facts_key": facts_key, "needs": needs, "stores": stores}
        # pass 2: analyse the files that need it (cached by content, policy and the project facts
        # about the file's own classes and their bases)
        result_salt = f"{policy.hash}:{policy.config.select}:{policy.config.ignore}:{datamap}:{prefilter}"
        outputs: list = [None] * total
        todo, keys = [], [""] * total
        for i, (survey, (_path, shown, modname, *_)) in enumerate(zip(surveys[:total], jobs_list)):
            if survey.problem:
                outputs[i] = ([tool_finding(policy, survey.code, shown, f"file not checked: {survey.problem}")],
                              [], [], 0)
            elif not needs[i]:
                outputs[i] = ([], [], [], survey.lines)
            else:
                keys[i] = content_key("result", result_salt, needs[i], shown, modname,
                                      digests[i], *(["production"] if i in promoted else [])) if digests[i] else ""
                outputs[i] = snapshot["results"].get(keys[i]) or (
                    cache.get("result", keys[i], result_from_data) if keys[i] else None)
                if outputs[i] is None:
                    todo.append(i)
        project = analysis_facts().for_analysis() if todo else None
        done = 0
        if progress:
            progress(0, len(todo), "analysing")
        # each job says whether Python's parser read the file (the analysis may then read only what
        # can make a finding: engine.focus)
        analyse = [(*jobs_list[i][:3], len(jobs_list[i]) > 3 and jobs_list[i][3], surveys[i].parsed) for i in todo]
        for i, (digest, out) in zip(todo, runner.map(analyze_job, analyse, project)):
            outputs[i] = out
            if keys[i] and digest == digests[i] and not _timed_out(out):
                cache.put("result", keys[i], result_to_data(out))
            else:  # timed out (depends on the machine's load), or saved again during the scan
                keys[i] = ""
                stable = False
            done += 1
            if progress:
                progress(done, len(todo), "analysing")
        results = {k: outputs[i] for i, k in enumerate(keys) if k}
        stable = stable and all(s.digest == d for s, d in zip(surveys, digests))
    finally:
        runner.close()
        _GIVEN.clear()
        gc.set_threshold(*thresholds)  # the caller's (a library user's) settings back
    # the project-wide checks on the whole inventory (the workers are gone: what they parse does
    # not add to theirs)
    part = ScanResult()
    _gather(part, outputs)
    if part.inventory:
        _rights(part, policy, analysis_facts, stores, jobs_list, digests, root, cache)
    run = {"key": run_key, "imported": result.imported_test_code, "probes": probes,
           "result": result_to_data((part.findings, part.suppressed, [*part.inventory, *part.disclosures],
                                     part.lines))} if run_key and stable else None
    _keep_snapshot(cache, snap_key, snapshot, fresh, results, tree, run, project_memo)
    if cache.in_use and cache.prune_due(PRUNE_EVERY_S):
        # (a file of test code that production code imports is surveyed both ways: `job[3]`)
        used = {_survey_key(policy, survey_salt, j, digest) for job, digest in zip(jobs_list, digests) if digest
                for j in {job[:3], job}}
        cache.drop_unused("survey", used, UNUSED_KEPT_S)
        cache.drop_unused("result", {k for k in keys if k}, UNUSED_KEPT_S)
    return _finish(result, [(part.findings, part.suppressed, [*part.inventory, *part.disclosures], part.lines)],
                   manifests, policy, root)


def _run_key(policy: Policy, survey_salt: str, jobs_list: list, total: int, digests: list[str], root: Path) -> str:
    """The key of everything a whole scan's result is made from: the policy and the settings, the
    rules in force, the folder shown paths are relative to, and every file's path, shown path,
    module name, role (reported, or context only surveyed) and content."""
    config = display_path(Path(policy.config.path), root) if policy.config.path else ""
    return content_key("run", survey_salt, config, str(root.absolute()),
                       json.dumps([list(policy.config.select or ()), list(policy.config.ignore or ())]),
                       json.dumps([[*job[:3], i < total, digest] for i, (job, digest) in enumerate(zip(jobs_list, digests))]))


#: a file changed this recently may change again within its clock's resolution with the same size
RACY_FILE_NS = 2_000_000_000
#: the snapshots kept, one per set of paths scanned (a commit's staged files, a folder, the project)
SNAPSHOTS_KEPT = 16
#: the project facts kept, one per state of the project's surveys (the last edits')
FACTS_KEPT = 8
#: how often a scan drops the surveys and analyses it does not use (those of files' earlier
#: contents: each edit adds one of each) ...
PRUNE_EVERY_S = 24 * 3600
#: ... once no scan has written them for this long (a scan of other paths, or with other settings,
#: that finds one gone surveys or analyses its file again)
UNUSED_KEPT_S = 30 * 24 * 3600


def _keep_snapshot(cache: Cache, key: str, snapshot: dict, fresh: dict, results: dict, tree, run: dict | None,
                   project: dict | None = None) -> None:
    """Write the scan's snapshot when it differs from the one read.  A file written in the last
    seconds may be written again within the clock's resolution with the same size: such ("racy")
    entries are left out, to be read again next time, as git does."""
    known = snapshot["files"]
    recent = time.time_ns() - RACY_FILE_NS
    fresh = {p: e for p, e in fresh.items() if e[0][1] < recent and e[0][2] < recent}
    old = snapshot.get("run")
    if fresh.keys() != known.keys() or any(fresh[p][0] != known[p][0] for p in fresh) or (
            results.keys() != snapshot["results"].keys()) or tree is not snapshot.get("tree") or (
            (run or {}).get("key") != (old or {}).get("key")) or project != snapshot.get("project"):
        cache.put("snapshot", key, snapshot_to_data(fresh, results, tree, run, project))
        if "tree" not in snapshot:  # the first of these paths (none was read): the oldest others go
            cache.keep_newest("snapshot", SNAPSHOTS_KEPT)


def _gather(result: ScanResult, outputs: list) -> None:
    """Add files' ``(findings, suppressed, rows, lines)`` to ``result`` (a disclosure row apart).
    The rows are copies: the erasure and access check marks the result's, not the cached ones."""
    for findings, suppressed, inventory, lines in outputs:
        result.findings.extend(findings)
        result.suppressed.extend(suppressed)
        for row in inventory:
            (result.disclosures if row.get("kind") == "disclosure" else result.inventory).append(dict(row))
        result.lines += lines


def _finish(result: ScanResult, outputs: list, manifests: list[Path], policy: Policy, root: Path) -> ScanResult:
    """The scan's result: the files' outputs and the requirement manifests' findings, sorted."""
    if policy.is_enabled("GDPR406"):
        from gdpr_lint.engine.manifests import check_manifest

        checked: set[Path] = set()  # a file that another includes (`-r base.txt`) is read once
        for manifest in manifests:
            result.findings.extend(check_manifest(manifest, display_path(manifest, root), policy, checked))
    _gather(result, outputs)
    result.findings.sort(key=Finding.sort_key)
    return result


def _stores_key(facts) -> str:
    """What the erasure and access check reads of the project facts for its cache key: the stores,
    the mirrors and the stores' bases."""
    stores = sorted(q for q, (_fw, store) in facts.schemas.items() if store)
    return json.dumps([stores, sorted(facts.mirrors.items()), [facts.classes.get(q, {}).get("b", []) for q in stores]],
                      default=str)


def _rights(result: ScanResult, policy: Policy, project_facts, stores: str, jobs_list: list, digests: list[str],
            root: Path, cache: Cache) -> None:
    """Erasure and access coverage of the stores (GDPR501-505, :mod:`gdpr_lint.engine.rights`):
    a project-wide check on the inventory, after every file is analysed.

    Its result is cached with what it read: the modules it parsed (by content), and every other
    production file's content, which it only searched (:func:`~gdpr_lint.engine.rights.searches`).
    The entry is found by the policy, the inventory's store rows, the facts about stores and the
    list of modules; it holds while the parsed modules are unchanged and no changed file matches
    a search, so an edit elsewhere does not run the check again."""
    from gdpr_lint.engine import rights

    production = [(path, shown, modname, digest) for (path, shown, modname, *_), digest in zip(jobs_list, digests)
                  if modname and not policy.skips_data_rules(shown)]
    modules = {modname: path for path, _shown, modname, _digest in production}
    shown = {modname: shown for _path, shown, modname, _digest in production}
    now = {modname: digest for _path, _shown, modname, digest in production}
    config = display_path(Path(policy.config.path), root) if policy.config.path else ""
    key = content_key("rights", policy.hash, config,
                      # the rules in force: `--select`/`--ignore` are not part of the policy's hash
                      json.dumps([list(policy.config.select or ()), list(policy.config.ignore or ())]),
                      json.dumps(sorted(f"{m}\x1f{shown[m]}" for m in modules)),
                      json.dumps([r for r in result.inventory if r.get("storage")], sort_keys=True, default=str),
                      stores) \
        if cache.in_use and all(now.values()) else ""  # (the key spells out every store row: not for nothing)
    cached = cache.get("rights", key, rights_from_data) if key else None
    if cached is not None and not _rights_still_hold(cached[2], cached[3], now, modules, rights.searches(policy)):
        cached = None
    if cached is not None:
        findings, marks = cached[0], cached[1]
        for row in result.inventory:
            mark = marks.get(_row_key(row))
            if mark is not None:
                row["erased_by"], row["exported_by"] = mark
    else:
        parsed: set[str] = set()
        with paused():  # it parses the stores' modules: a big one is a big heap for the collector
            findings = rights.check(policy, project_facts(), result.inventory, modules, shown, config, parsed)
        if key:
            cache.put("rights", key, rights_to_data(findings, result.inventory,
                                                    {m: now[m] for m in sorted(parsed) if m in now}, now))
    for f in findings:
        (result.suppressed if f.suppressed else result.findings).append(f)


def _rights_still_hold(parsed: dict[str, str], seen: dict[str, str], now: dict[str, str], modules: dict[str, str],
                       searches: list) -> bool:
    """Whether a cached rights result still holds: every module it parsed has the same content, and
    no other module whose content changed matches what the check searches every file for."""
    from gdpr_lint.files.readfile import NotReadable, read_bytes
    from gdpr_lint.files.source import MAX_BYTES

    if any(now.get(m) != d for m, d in parsed.items()):
        return False
    for module, digest in now.items():
        if seen.get(module) == digest or module in parsed:
            continue
        try:
            raw = read_bytes(modules[module], MAX_BYTES)
        except (NotReadable, OSError):
            raw = b""
        if any(pattern.search(raw) for pattern in searches):
            return False
    return True


def _row_key(row: dict) -> str:
    return f"{row.get('path')}\x1f{row.get('line')}\x1f{row.get('model')}\x1f{row.get('field')}"


def rights_to_data(findings: list[Finding], rows: list[dict], parsed: dict[str, str], seen: dict[str, str]) -> dict:
    """The rights check's findings, what reaches each row, and what it read: the content of the
    modules it parsed, and of every module when it ran, as JSON data."""
    return {"findings": [f.to_data() for f in findings],
            "rows": {_row_key(r): [r["erased_by"], r["exported_by"]] for r in rows if "erased_by" in r},
            "parsed": parsed, "seen": seen}


def rights_from_data(data) -> tuple[list[Finding], dict[str, tuple[str, str]], dict[str, str], dict[str, str]]:
    """What :func:`rights_to_data` gave, every value checked (:class:`~gdpr_lint.cache.BadEntry` otherwise)."""
    need_keys(data, {"findings", "rows", "parsed", "seen"})
    findings = [Finding.from_data(f) for f in need(data["findings"], list)]
    marks = {}
    for k, v in need(data["rows"], dict).items():
        if len(need_list(v, str)) != 2:
            raise BadEntry("a row's mark is (erased by, exported by)")
        marks[k] = (v[0], v[1])
    read = []
    for part in ("parsed", "seen"):
        digests = need(data[part], dict)
        for k, v in digests.items():
            need(k, str), need(v, str)
        read.append(dict(digests))
    return findings, marks, read[0], read[1]


def _promote_imported_tests(policy: Policy, jobs_list: list, surveys: list, digests: list[str], runner, cache,
                            salt: str, root: Path) -> tuple[set[int], dict[str, str]]:
    """The indexes of the files the test-code patterns match that production code imports
    (:func:`gdpr_lint.facts.scope.promote`), by an import, a literal ``import_module``, a dotted
    string that names a module, or through a symbolic link inside ``root``.  Each is surveyed again
    as production code (cached under its own key), its survey replaces the test-code one in
    ``surveys``, and its job in ``jobs_list`` says so, for the analysis.  Also what the file system
    said on the way (:attr:`~gdpr_lint.facts.scope.Modules.probes`)."""
    from gdpr_lint.facts.scope import Modules, module_names, promote

    tests = {i: module_names(modname, shown) for i, (_path, shown, modname, *_) in enumerate(jobs_list)
             if policy.skips_data_rules(shown)}
    if not tests:
        return set(), {}
    modules = Modules({i: (job[0], tests[i] if i in tests else module_names(job[2], job[1]))
                       for i, job in enumerate(jobs_list)}, tests, os.fspath(root))

    def loads(facts: dict) -> list[str]:
        return [*facts.get("imports", []), *modules.named(facts.get("dotted", ()))]

    production = {i: loads(s.facts) for i, s in enumerate(surveys) if i not in tests and s.facts}

    def survey_as_production(indexes: list[int]) -> dict[int, list[str]]:
        _survey_as_production(indexes, jobs_list, surveys, digests, runner, cache, salt)
        return {i: loads(surveys[i].facts) for i in indexes}

    return promote(production, tests, survey_as_production, modules), modules.probes


def _survey_as_production(indexes: list[int], jobs_list: list, surveys: list, digests: list[str], runner, cache,
                          salt: str) -> None:
    """Survey the files at ``indexes`` again as production code (cached under their own key):
    each survey replaces the test-code one in ``surveys``, and each job says so, for the analysis."""
    keys = {i: _survey_key(None, salt, (*jobs_list[i][:3], True), digests[i]) if digests[i] else "" for i in indexes}
    for i in indexes:
        jobs_list[i] = (*jobs_list[i][:3], True)
    found = {i: cache.get("survey", keys[i], Survey.from_data) if keys[i] else None for i in indexes}
    todo = [i for i in indexes if found[i] is None]
    for i, survey in zip(todo, runner.map(survey_path, [jobs_list[i] for i in todo])):
        found[i] = survey
        if keys[i] and survey.digest == digests[i]:
            cache.put("survey", keys[i], survey.to_data())
    for i in indexes:
        surveys[i] = found[i]


def _survey_print(data, digest: str) -> str:
    """The SHA-256 of a file's survey (as :meth:`Survey.to_data` gives it) as the project sees it:
    all of it but its length and digest, which no project fact depends on; and the digest of a file
    whose survey read no facts (test code, surveyed for its syntax alone: what it imports matters
    once production code imports it).  ``""`` for data of another shape; a print no other scan
    matches for a survey that is not JSON data (nothing the project decided is then reused)."""
    try:
        text = json.dumps([data["headers"], data["facts"], data["analyse"], data["words"], data["problem"],
                           data["code"], data["parsed"], "" if data["facts"] else digest], separators=(",", ":"))
    except (KeyError, IndexError):
        return ""
    except (TypeError, ValueError, RecursionError):
        import secrets

        return secrets.token_hex(32)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _project_key(salt: str, root: Path, jobs_list: list, total: int, prints: list[str]) -> str:
    """The key of what the project's surveys decide: every file's path, module, role and
    :func:`_survey_print`."""
    h = hashlib.sha256(json.dumps([[*job[:3], len(job) > 3 and job[3], i < total] for i, job in enumerate(jobs_list)],
                                  default=str).encode("utf-8", "surrogateescape"))
    for text in prints:
        h.update(text.encode("ascii") + b"\0")
    return content_key("project", salt, str(root.absolute()), h.hexdigest())


_MISNAMED = ("file not checked: its name is not valid UTF-8 (shown with \\x escapes), so it cannot be shown in "
             "a report or a review; rename it")


def _split_misnamed(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """``(paths, paths whose name is not valid UTF-8)``: the file system hands such a name to Python
    with lone surrogates (PEP 383), which no report, cache key or review can encode."""
    good, bad = [], []
    for path in paths:
        try:
            os.fspath(path).encode("utf-8")
        except UnicodeEncodeError:
            bad.append(path)
        else:
            good.append(path)
    return good, bad


def _escaped(name: str) -> str:
    """``name`` with the bytes that are not UTF-8 written as ``\\xff``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def scan_text(path: str | Path, data: bytes, policy: Policy, root: Path, jobs: int | None = None,
              cache_dir: Path | None = None, alone: bool = False, project: Path | None = None) -> ScanResult:
    """The scan of ``data`` as the file ``path`` (which need not exist: an editor's buffer), within
    its project: the files of the project around it are surveyed for what they declare (cached)
    and only the text is analysed and reported.  The project is ``project`` when given and it
    holds ``path`` (an editor's workspace), else the one ``check PATH`` run in ``root`` would read
    (:func:`~gdpr_lint.files.discovery.projects_of`); ``alone``: no project, the text by itself.
    Shown paths are relative to ``root``."""
    from gdpr_lint.engine.manifests import is_manifest
    from gdpr_lint.files.discovery import discover, is_excluded, project_context

    root = Path(root).resolve()
    target = Path(path).absolute()
    if is_excluded(target, policy.config.exclude, root):  # as `check PATH` does for a file it is named
        return ScanResult(root=root)
    if is_manifest(target.name, target.parent.name) and not target.name.endswith(".py"):
        import tempfile

        from gdpr_lint.engine.manifests import check_manifest

        result = ScanResult(files=1, root=root)
        if policy.is_enabled("GDPR406"):
            with tempfile.TemporaryDirectory(prefix="gdpr-lint-stdin-") as tmp:
                copy = Path(tmp) / target.name
                copy.write_bytes(data)
                result.findings = sorted(check_manifest(copy, display_path(target, root), policy, set()),
                                         key=Finding.sort_key)
        return result
    mine = os.path.abspath(target)
    if alone:
        context = []
    elif project is not None and Path(project).resolve() in target.resolve().parents:
        context = discover([Path(project)], policy.config.exclude, Path(project))
    else:  # the project around the text's path, as `check PATH` finds it
        context = project_context([target], policy.config.exclude, root, named=False) or []
    context = [p for p in context if os.path.abspath(p) != mine]
    result = scan([], policy, root=root, jobs=jobs, cache_dir=cache_dir, context=context, given={mine: data})
    scanned, named = display_path(Path(mine), root), display_path(Path(path), root)
    if named != scanned and os.path.isabs(scanned):  # above the current folder: as named (`../views.py`), as `check` shows it
        for f in (*result.findings, *result.suppressed):
            if f.path == scanned:
                f.path = named
                f.finish()
    return result


def _stamp(path: str, modname: str) -> tuple | None:
    """``(size, mtime, ctime, inode, module name)``: any write to the file changes one of them (and
    a new ``__init__.py`` above it its module name).  ``None`` for what is not read directly (not
    a regular file, too large, gone): the survey reports it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, modname)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _Runner:
    """Runs a worker function over files: in this process for a few, else in a process pool made on
    first use and shared by both passes.  Results come back in input order.

    A worker process that dies (a crash in native code, the kernel's out-of-memory killer) breaks
    the pool; the files it had not finished are then run again one at a time in a fresh one-worker
    pool, so that the file that kills its worker again is known and reported (GDPR905) and every
    other file is still checked.
    """

    def __init__(self, policy: Policy, prefilter: bool, jobs: int | None, time_limit: float = 0.0,
                 given: dict[str, bytes] | None = None) -> None:
        self.policy, self.prefilter, self.time_limit, self.given = policy, prefilter, time_limit, given or {}
        # more worker processes than cores cannot be faster for this work, only dearer: each one
        # imports the engine and holds its own heap (`-j 1000` started a thousand); two are
        # always allowed, so that `-j 2` runs a pool on any machine
        self.workers = min(jobs, max(usable_cores(), 2)) if jobs is not None else usable_cores()
        self.pool = None  # a concurrent.futures.ProcessPoolExecutor, made on first use
        self.local = False

    def map(self, func, items: list, project: dict | None = None):
        if not items:
            return
        if self.workers <= 1 or not self._worth_a_pool(items):
            if not self.local:
                _init_worker(self.policy, self.prefilter, time_limit=self.time_limit, given=self.given)
                self.local = True
            for item in items:
                yield func(item) if project is None else func(item, project)
            return
        from concurrent.futures.process import BrokenProcessPool

        if self.pool is None:
            self.pool = self._new_pool(self.workers)
        chunk = max(1, min(16, len(items) // (self.workers * 4) or 1))
        call = func if project is None else partial(func, project=project)
        done = 0
        try:
            for result in self.pool.map(call, items, chunksize=chunk):
                yield result
                done += 1
        except BrokenProcessPool:
            self.close()
            yield from self._one_by_one(func, call, items[done:])

    def _one_by_one(self, func, call, items: list):
        """Run ``items`` in a one-worker pool, one at a time; a file whose worker dies is reported."""
        from concurrent.futures.process import BrokenProcessPool

        pool = None
        try:
            for item in items:
                pool = pool or self._new_pool(1)
                try:
                    yield pool.submit(call, item).result()
                except BrokenProcessPool:
                    pool.shutdown(wait=True, cancel_futures=True)
                    pool = None
                    yield _worker_died(func, item, self.policy)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    def _new_pool(self, workers: int):
        from concurrent.futures import (
            ProcessPoolExecutor,  # not imported for small scans
        )

        # the analysis (libcst) imported once here, not once per worker: forked workers share it
        import gdpr_lint.engine.analyzer  # noqa: F401

        return ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                   initargs=(self.policy, self.prefilter, None, self.time_limit, WORKER_MEMORY,
                                             self.given))

    @staticmethod
    def _worth_a_pool(items: list) -> bool:
        """Whether worker processes pay for their start (about 0.3 s each, importing libcst): for
        eight files or more, or for fewer whose sources add up to more than :data:`POOL_BYTES`."""
        if len(items) >= 8:
            return True
        if len(items) < 2:
            return False
        total = 0
        for item in items:
            try:
                total += os.stat(item[0]).st_size
            except (OSError, TypeError, IndexError):
                pass
        return total > POOL_BYTES

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


_WORKER_DIED = "the analysis process died on this file (a crash in native code, or out of memory); file skipped"


def _worker_died(func, job: tuple[str, str, str], policy: Policy):
    """The result of ``func`` (:func:`survey_path` or :func:`analyze_job`) for a file whose worker
    died (with no digest, so that it is not cached: the next scan tries again)."""
    if func is survey_path:
        return Survey([], False, 0, _WORKER_DIED, "", code="GDPR905")
    return "", ([tool_finding(policy, "GDPR905", job[1], _WORKER_DIED)], [], [], 0)


_WALL_CLOCK = [0.0]  # the wall-clock limit per file that scan() uses by default (see wall_clock_limit)


@contextmanager
def wall_clock_limit(seconds: float):
    """Within the block, :func:`scan` limits each file to ``seconds`` of wall-clock time (0: none).

    Only ``check`` uses it, as a last resort: its result is then a GDPR905 finding that depends on
    the machine's load (never cached).  Everything else relies on the analysis budget alone.
    """
    saved = _WALL_CLOCK[0]
    _WALL_CLOCK[0] = seconds
    try:
        yield
    finally:
        _WALL_CLOCK[0] = saved


def policy_fingerprint(policy: Policy) -> str:
    """A short stable id of the effective policy (tool version included)."""
    return hashlib.sha256(json.dumps([__version__, policy.hash]).encode()).hexdigest()[:12]
