"""Find the files to check, read them safely, and analyse them (in parallel, cached by content).

Bad input never stops a scan: a file that is not UTF-8, unreadable, too large or a broken
symlink becomes a GDPR902 finding; one that does not parse a GDPR901 finding.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from gdpr_lint import __version__
from gdpr_lint.errors import UsageError
from gdpr_lint.findings import Finding
from gdpr_lint.policy import Policy
from gdpr_lint.project_index import file_classes, index_digest, resolve_index

MAX_BYTES = 5_000_000  # files larger than this are reported, not parsed
DEFAULT_FILE_TIMEOUT = 30.0  # seconds of analysis per file (env GDPR_LINT_FILE_TIMEOUT; 0 = no limit)
_TIMEOUT_MESSAGE = "analysis took longer than {} s; file skipped"
DEFAULT_EXCLUDES = [".git/", ".hg/", ".svn/", ".venv/", "venv/", ".tox/", ".nox/", "node_modules/", "__pycache__/",
                    ".mypy_cache/", ".pytest_cache/", "build/", "dist/", "site-packages/", ".eggs/", "*.egg-info/",
                    ".gdpr-lint-cache/"]


@dataclass
class ScanResult:
    """Everything a scan produced: findings (sorted), suppressed findings, inventory rows, file count."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    inventory: list[dict] = field(default_factory=list)
    files: int = 0
    lines: int = 0
    root: Path = field(default_factory=Path.cwd)


def _gitignore_spec(root: Path) -> pathspec.GitIgnoreSpec | None:
    patterns: list[str] = []
    for name in (".gitignore",):
        p = root / name
        if p.is_file():
            try:
                patterns += p.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                pass
    return pathspec.GitIgnoreSpec.from_lines(patterns) if patterns else None


def discover(paths: list[Path], excludes: list[str], root: Path) -> list[Path]:
    """The ``.py`` files under ``paths``, minus ``.gitignore`` matches and configured excludes.

    A file named explicitly is always included (unless excluded).  Raises
    :class:`~gdpr_lint.errors.UsageError` for a path that does not exist.
    """
    return _walk(paths, excludes, root, lambda name: name.endswith(".py"), explicit=lambda p: True)


def discover_manifests(paths: list[Path], excludes: list[str], root: Path) -> list[Path]:
    """Dependency manifests (``requirements*.txt``, ``pyproject.toml``) under ``paths``."""
    from gdpr_lint.manifests import is_manifest

    return _walk(paths, excludes, root, is_manifest, explicit=lambda p: is_manifest(p.name))


def _walk(paths: list[Path], excludes: list[str], root: Path, accept, explicit) -> list[Path]:
    spec = pathspec.GitIgnoreSpec.from_lines(DEFAULT_EXCLUDES + list(excludes))
    out: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"path does not exist: {path}")
        if path.is_file() or (path.is_symlink() and not path.exists()):
            rel = _rel(path, root)
            if explicit(path) and not spec.match_file(rel) and path not in seen:
                seen.add(path)
                out.append(path)
            continue
        ignore = _gitignore_spec(path) or _gitignore_spec(root)
        top = _rel(path, root)  # resolved once; paths below are joined as text (a stat per file is slow)
        prefix = "" if top in ("", ".") else top.rstrip("/") + "/"
        for dirpath, dirnames, filenames in os.walk(path):
            base = Path(dirpath)
            local = os.path.relpath(dirpath, path)
            here = "" if local == "." else local.replace(os.sep, "/") + "/"
            keep = []
            for d in sorted(dirnames):
                rel_local = f"{here}{d}/"
                if spec.match_file(prefix + rel_local) or spec.match_file(rel_local) or (
                        ignore and ignore.match_file(rel_local)):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                if not accept(name):
                    continue
                full = base / name
                rel_local = here + name
                if spec.match_file(prefix + rel_local) or spec.match_file(rel_local) or (
                        ignore and ignore.match_file(rel_local)):
                    continue
                if full not in seen:
                    seen.add(full)
                    out.append(full)
    return out


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() if path.exists() else os.path.relpath(
            path, root).replace(os.sep, "/")
    except ValueError:
        return path.as_posix()


def display_path(path: Path, root: Path) -> str:
    """The path shown in findings: relative to ``root`` when inside it, else as given."""
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def module_name(path: Path, root: Path | None = None) -> str:
    """The dotted module name of a file, from its package folders (those with ``__init__.py``).

    ``proj/shop/models.py`` with ``proj/shop/__init__.py`` is ``shop.models`` wherever the scan
    starts, so data-map keys do not depend on the working directory.
    """
    path = path.absolute()
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def read_source(path: Path) -> tuple[str | None, str]:
    """``(text, "")`` or ``(None, reason)`` for a file that cannot be checked."""
    try:
        if path.is_symlink() and not path.exists():
            return None, "broken symbolic link"
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, f"file is {size // 1_000_000} MB, larger than the {MAX_BYTES // 1_000_000} MB limit"
        data = path.read_bytes()
    except OSError as exc:
        return None, f"cannot read the file ({exc.strerror or exc})"
    if b"\x00" in data:
        return None, "file contains NUL bytes (binary or corrupt)"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 (byte {exc.start}); save it as UTF-8"
    return text, ""


# ---- worker side ---------------------------------------------------------------------------------
_WORKER: dict = {}


def _init_worker(policy: Policy, use_prefilter: bool = True, project: dict | None = None) -> None:
    from gdpr_lint.classify import Classifier
    from gdpr_lint.engine.prefilter import Prefilter

    _WORKER["policy"] = policy
    _WORKER["classifier"] = Classifier(policy)
    _WORKER["prefilter"] = Prefilter(policy, _WORKER["classifier"]) if use_prefilter else None
    _WORKER["project"] = project or {}


def analyze_path(job: tuple[str, str, str]) -> tuple[list[Finding], list[Finding], list[dict], int]:
    """Analyse one file in a worker: ``(findings, suppressed, inventory, lines)``."""
    from gdpr_lint.engine.analyzer import analyze_source, tool_finding

    path, shown, modname = job
    policy = _WORKER["policy"]
    text, problem = read_source(Path(path))
    if text is None:
        return [tool_finding(policy, "GDPR902", shown, f"file not checked: {problem}")], [], [], 0
    lines = text.count("\n") + 1
    limit = file_timeout()
    try:
        with _time_limit(limit):
            findings, suppressed, inventory = analyze_source(shown, text, policy, _WORKER["classifier"], modname,
                                                             _WORKER["prefilter"], _WORKER["project"],
                                                             Path(path).name == "__init__.py")
    except _FileTimeout:
        return [tool_finding(policy, "GDPR905", shown, _TIMEOUT_MESSAGE.format(f"{limit:g}"))], [], [], lines
    except Exception as exc:  # noqa: BLE001 - an engine bug must not stop the scan
        return [tool_finding(policy, "GDPR905", shown, f"internal error while analysing ({type(exc).__name__}: "
                             f"{exc}); file skipped")], [], [], lines
    return findings, suppressed, inventory, lines


class _FileTimeout(BaseException):
    """Raised by the SIGALRM handler when one file's analysis runs past its time limit.

    A ``BaseException`` so that no ``except Exception`` inside the engine swallows it.
    """


def file_timeout() -> float:
    """Seconds allowed per file: ``$GDPR_LINT_FILE_TIMEOUT`` or 30; 0 (or less) means no limit."""
    raw = os.environ.get("GDPR_LINT_FILE_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_FILE_TIMEOUT
    except ValueError:
        return DEFAULT_FILE_TIMEOUT
    return value if value > 0 and math.isfinite(value) else 0.0


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
            if old_delay:
                signal.setitimer(signal.ITIMER_REAL, max(old_delay - (time.monotonic() - start), 0.001),
                                 old_interval)


def _timed_out(value) -> bool:
    """Whether a file's result is a time-limit skip (never cached: it depends on the machine's load)."""
    try:
        return any(f.code == "GDPR905" and f.message.startswith(_TIMEOUT_MESSAGE.split("{")[0]) for f in value[0])
    except (TypeError, IndexError, AttributeError):
        return False


class Cache:
    """Results by file content hash, policy hash and tool version, in ``.gdpr-lint-cache/``."""

    def __init__(self, folder: Path | None, policy: Policy, project_digest: str = "") -> None:
        self.folder = folder
        # select/ignore from the command line are set after the policy hash was computed
        from gdpr_lint.datamap import datamap_for

        datamap = json.dumps(datamap_for(policy), sort_keys=True, default=str)
        self.salt = (f"{__version__}:{policy.hash}:{policy.config.select}:{policy.config.ignore}:"
                     f"{hashlib.sha256(datamap.encode()).hexdigest()}:{project_digest}")

    def key(self, path: str, shown: str, modname: str) -> str | None:
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        return hashlib.sha256(self.salt.encode() + shown.encode() + modname.encode() + data).hexdigest()

    def get(self, key: str | None):
        if self.folder is None or key is None:
            return None
        p = self.folder / key[:2] / key
        try:
            with p.open("rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None

    def put(self, key: str | None, value) -> None:
        if self.folder is None or key is None or _timed_out(value):
            return
        p = self.folder / key[:2] / key
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_suffix(".tmp")
            with tmp.open("wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, p)
        except OSError:
            pass


def scan(paths: list[Path], policy: Policy, root: Path | None = None, jobs: int | None = None,
         cache_dir: Path | None = None, progress=None, prefilter: bool = True) -> ScanResult:
    """Analyse every Python file under ``paths``.

    Args:
        paths: files and folders to scan.
        policy: the effective policy.
        root: folder that shown paths are relative to (default: current directory).
        jobs: worker processes (default: number of cores; 1 = in this process).
        cache_dir: results cache folder, or ``None`` for no cache.
        progress: optional callable ``progress(done, total)``.
        prefilter: skip analysis of files whose words cannot yield a finding (same findings, faster).

    Raises:
        UsageError: a path that does not exist.
    """
    root = root or Path.cwd()
    files = discover(paths, policy.config.exclude, root)
    jobs_list = [(str(p), display_path(p, root), module_name(p, root)) for p in files]
    result = ScanResult(files=len(files), root=root)
    project = _project_index(files, jobs_list, cache_dir)
    cache = Cache(cache_dir, policy, index_digest(project))
    outputs: list = [None] * len(jobs_list)
    todo: list[int] = []
    keys: list[str | None] = []
    for i, job in enumerate(jobs_list):
        key = cache.key(*job)
        keys.append(key)
        hit = cache.get(key)
        if hit is not None:
            outputs[i] = hit
        else:
            todo.append(i)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    done = len(jobs_list) - len(todo)
    if progress:
        progress(done, len(jobs_list))
    if len(todo) < 8 or workers <= 1:
        _init_worker(policy, prefilter, project)
        for i in todo:
            outputs[i] = analyze_path(jobs_list[i])
            cache.put(keys[i], outputs[i])
            done += 1
            if progress:
                progress(done, len(jobs_list))
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 initargs=(policy, prefilter, project)) as pool:
            chunk = max(1, min(16, len(todo) // (workers * 4) or 1))
            for i, out in zip(todo, pool.map(analyze_path, [jobs_list[i] for i in todo], chunksize=chunk)):
                outputs[i] = out
                cache.put(keys[i], out)
                done += 1
                if progress:
                    progress(done, len(jobs_list))
    if policy.is_enabled("GDPR406"):
        from gdpr_lint.manifests import check_manifest

        for manifest in discover_manifests(paths, policy.config.exclude, root):
            result.findings.extend(check_manifest(manifest, display_path(manifest, root), policy))
    for findings, suppressed, inventory, lines in outputs:
        result.findings.extend(findings)
        result.suppressed.extend(suppressed)
        result.inventory.extend(inventory)
        result.lines += lines
    result.findings.sort(key=Finding.sort_key)
    return result


def _project_index(files: list[Path], jobs_list: list[tuple[str, str, str]], cache_dir: Path | None) -> dict:
    """The cross-module schema index; each file's class headers are cached by its content."""
    headers: list = []
    for path, (_, _, modname) in zip(files, jobs_list):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        key = hashlib.sha256(b"classes:" + __version__.encode() + modname.encode() + path.name.encode() + data
                             ).hexdigest()
        cached = None
        spot = cache_dir / "classes" / key[:2] / key if cache_dir is not None else None
        if spot is not None:
            try:
                with spot.open("rb") as fh:
                    cached = pickle.load(fh)
            except (OSError, pickle.UnpicklingError, EOFError):
                cached = None
        if cached is None:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = ""
            cached = file_classes(text, modname, path.name == "__init__.py")
            if spot is not None:
                try:
                    spot.parent.mkdir(parents=True, exist_ok=True)
                    with spot.open("wb") as fh:
                        pickle.dump(cached, fh, protocol=pickle.HIGHEST_PROTOCOL)
                except OSError:
                    pass
        headers += cached
    return resolve_index(headers)


def policy_fingerprint(policy: Policy) -> str:
    """A short stable id of the effective policy (tool version included)."""
    return hashlib.sha256(json.dumps([__version__, policy.hash]).encode()).hexdigest()[:12]
