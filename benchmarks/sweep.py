"""Run the engine over every ``.py`` file under some folders and report crashes and slow files.

    python benchmarks/sweep.py [--limit N] [--jobs N] [--prefilter] [--timeout S] [--order path|size] [FOLDER ...]

Default folders: this interpreter's ``site-packages`` and the unpacked corpora under
``~/.cache/gdpr-lint/corpora/*/tree`` (``$GDPR_LINT_CORPORA``) when present.  Each file is read
as ``gdpr-lint check`` reads it, surveyed (:func:`gdpr_lint.scan.survey_source`: ``ast``, class
headers, pre-filter) and analysed in-process, one file at a time, by
:func:`gdpr_lint.engine.analyzer.analyze_source` under the same per-file time limit as a scan
(``--timeout``, default ``$GDPR_LINT_FILE_TIMEOUT`` or 300 s; files beyond the analysis budget
never reach the parser, as in a scan).  Anything that escapes the engine
is a *crash*: it is printed with its path and exception, and the exit code is 1.  Without
``--prefilter`` every file gets the full analysis (the shortcut ``check`` takes for files that
cannot yield a finding is skipped), which is the stricter test.

Printed: files scanned, crashes (target 0), GDPR901/902/905 counts (905 split by cause), total
findings by family, and the 15 slowest files with seconds.  Interrupted (Ctrl-C, SIGTERM), it
prints the same summary for the files done so far.  ``--order size`` scans the smallest files
first, so an interrupted run has covered as many files as possible.  Nothing scanned is imported
or run.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import sysconfig
import time
import traceback
from collections import Counter
from multiprocessing import get_context
from pathlib import Path

_STATE: dict = {}


def default_folders() -> list[Path]:
    """This interpreter's site-packages and the corpora trees that exist."""
    folders = [Path(sysconfig.get_paths()["purelib"])]
    env = os.environ.get("GDPR_LINT_CORPORA")
    corpora = Path(env).expanduser() if env else Path.home() / ".cache" / "gdpr-lint" / "corpora"
    folders += sorted(p for p in corpora.glob("*/tree") if p.is_dir())
    return folders


def python_files(folders: list[Path]) -> list[Path]:
    """Every ``.py`` file under ``folders`` (symlinked folders not followed), sorted, deduplicated."""
    seen: set[Path] = set()
    out: list[Path] = []
    for folder in folders:
        if folder.is_file():
            candidates = [folder]
        else:
            candidates = []
            for dirpath, dirnames, filenames in os.walk(folder):
                dirnames.sort()
                candidates += [Path(dirpath) / n for n in sorted(filenames) if n.endswith(".py")]
        for path in candidates:
            key = path.absolute()
            if key not in seen:
                seen.add(key)
                out.append(path)
    return out


def _init(prefilter: bool, timeout: float, worker: bool = True) -> None:
    from gdpr_lint.classify import Classifier
    from gdpr_lint.policy import load_policy
    from gdpr_lint.survey.prefilter import Prefilter

    if worker:  # a pool worker just ends when the pool is terminated; the main process prints a summary
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    policy = load_policy()
    _STATE["policy"] = policy
    _STATE["classifier"] = Classifier(policy)
    _STATE["survey"] = Prefilter(policy, _STATE["classifier"])  # the first pass always runs, as in a scan
    _STATE["prefilter"] = _STATE["survey"] if prefilter else None
    _STATE["timeout"] = timeout


def sweep_one(path_str: str) -> tuple[str, float, list[str], str]:
    """``(path, seconds, [finding code or code:cause ...], crash text or "")`` for one file."""
    from gdpr_lint import scan
    from gdpr_lint.engine.analyzer import analyze_source

    path = Path(path_str)
    start = time.perf_counter()
    codes: list[str] = []
    crash = ""
    try:
        text, _problem = scan.read_source(path)
        if text is None:
            codes.append("GDPR902")
        else:
            with scan._time_limit(_STATE["timeout"]):
                survey = scan.survey_source(text, scan.module_name(path), path.name == "__init__.py",
                                            _STATE["survey"])
            if _STATE["prefilter"] is not None and not survey.analyse:
                return path_str, time.perf_counter() - start, codes, crash
            with scan._time_limit(_STATE["timeout"]):
                findings, _suppressed, _inventory = analyze_source(
                    path_str, text, _STATE["policy"], _STATE["classifier"], scan.module_name(path), {},
                    path.name == "__init__.py")
            for f in findings:
                codes.append(f"GDPR905:{_cause(f.message)}" if f.code == "GDPR905" else f.code)
    except scan._FileTimeout:
        codes.append("GDPR905:timeout")
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, or SIGTERM (main() turns it into SystemExit)
        raise
    except BaseException as exc:  # noqa: BLE001 - a crash is what this script looks for
        tb = traceback.extract_tb(exc.__traceback__)
        where = next((f"{Path(fr.filename).name}:{fr.lineno} in {fr.name}" for fr in reversed(tb)
                      if "gdpr_lint" in fr.filename), "?")
        crash = f"{type(exc).__name__}: {str(exc)[:300]} (at {where})"
    return path_str, time.perf_counter() - start, codes, crash


def _cause(message: str) -> str:
    for word, cause in (("took longer", "timeout"), ("nests too deeply", "deep"), ("too large", "budget"),
                        ("could not parse", "parse"), ("internal error", "internal")):
        if word in message:
            return cause
    return "other"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="folders or files (default: site-packages + corpora)")
    parser.add_argument("--limit", type=int, default=0, help="scan at most N files (0 = all)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1: in this process)")
    parser.add_argument("--prefilter", action="store_true", help="skip full analysis of files that cannot yield "
                        "a finding, as `gdpr-lint check` does")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per file (0 = none)")
    parser.add_argument("--slowest", type=int, default=15, help="how many slowest files to list")
    parser.add_argument("--order", choices=("path", "size"), default="path", help="scan order (size: smallest first)")
    args = parser.parse_args(argv)

    from gdpr_lint.scan import file_timeout

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the pool's workers are terminated too

    timeout = file_timeout() if args.timeout is None else max(args.timeout, 0.0)
    folders = args.folders or default_folders()
    files = python_files(folders)
    if args.order == "size":
        files.sort(key=_size)
    if args.limit:
        files = files[: args.limit]
    print(f"sweep: {len(files)} .py files under {len(folders)} folders: " + ", ".join(map(str, folders)))
    print(f"sweep: jobs={args.jobs} prefilter={args.prefilter} timeout={timeout:g}s", flush=True)

    start = time.perf_counter()
    results: list[tuple[str, float, list[str], str]] = []
    paths = [str(p) for p in files]
    interrupted = False
    try:
        if args.jobs > 1:
            ctx = get_context("fork" if sys.platform != "win32" else "spawn")
            with ctx.Pool(args.jobs, initializer=_init, initargs=(args.prefilter, timeout),
                          maxtasksperchild=500) as pool:
                for i, res in enumerate(pool.imap_unordered(sweep_one, paths, chunksize=8), 1):
                    results.append(res)
                    _progress(i, len(paths), res)
        else:
            _init(args.prefilter, timeout, worker=False)
            for i, p in enumerate(paths, 1):
                res = sweep_one(p)
                results.append(res)
                _progress(i, len(paths), res)
    except (KeyboardInterrupt, SystemExit):
        interrupted = True
    wall = time.perf_counter() - start

    crashes = [(p, c) for p, _, _, c in results if c]
    counts = Counter(code for _, _, codes, _ in results for code in codes)
    families = Counter(code[:5] for code in counts.elements() if not code.startswith("GDPR9"))
    print()
    print(f"files scanned: {len(results)}" + (f" of {len(paths)} (interrupted)" if interrupted else ""))
    print(f"crashes:       {len(crashes)}")
    print(f"wall time:     {wall:.1f} s ({sum(t for _, t, _, _ in results):.1f} s of analysis)")
    tool = {k: v for k, v in sorted(counts.items()) if k.startswith("GDPR9")}
    files_905 = sum(1 for _, _, codes, _ in results if any(c.startswith("GDPR905") for c in codes))
    print(f"GDPR901 (syntax error): {counts['GDPR901']}   GDPR902 (unreadable): {counts['GDPR902']}   "
          f"GDPR905 files: {files_905}")
    for k, v in tool.items():
        if k.startswith("GDPR905"):
            print(f"  {k}: {v}")
    print("findings by family prefix: " + ", ".join(f"{k}xx: {v}" for k, v in sorted(families.items())))
    if crashes:
        print("\ncrashes:")
        for p, c in sorted(crashes):
            print(f"  {p}\n      {c}")
    print(f"\n{args.slowest} slowest files:")
    for p, t, codes, _ in sorted(results, key=lambda r: -r[1])[: args.slowest]:
        lines = _count_lines(p)
        extra = " [" + ",".join(sorted({c for c in codes if c.startswith('GDPR9')})) + "]" if any(
            c.startswith("GDPR9") for c in codes) else ""
        print(f"  {t:7.2f} s  {lines:7d} lines  {p}{extra}")
    return 1 if crashes else 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _count_lines(path: str) -> int:
    try:
        with open(path, "rb") as fh:
            return sum(1 for _ in fh)
    except OSError:
        return 0


def _progress(i: int, total: int, res: tuple[str, float, list[str], str]) -> None:
    if res[3]:
        print(f"CRASH {res[0]}: {res[3]}", flush=True)
    if i % 1000 == 0 or i == total:
        print(f"  {i}/{total}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
