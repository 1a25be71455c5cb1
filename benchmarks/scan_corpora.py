"""Run gdpr-lint over the pinned real-world corpora and summarise the findings.

    python benchmarks/scan_corpora.py [--sample N] [CORPUS ...]

CORPUS names come from ``corpora.CORPORA`` (default: oscar mailman); they are
downloaded on first use.  For each one this runs
``gdpr-lint check --format json --no-fail PATH`` as a subprocess, times it,
and prints files, lines, seconds and findings per family, then a table of
findings per rule code.  ``--sample N`` also prints N findings spread across
rules (with the offending source line) for a human to judge.

The executable is ``$GDPR_LINT`` (split like a shell command) if set, else
``gdpr-lint`` on PATH or beside this interpreter, else
``python -P -m gdpr_lint``.  Exit codes 0 and 1 both count as success; if the
engine has no ``--no-fail`` option the scan is retried without it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpora import CORPORA, cache_dir, count_python, ensure_corpus  # noqa: E402

FAMILIES = ("retention", "storage", "logging", "processor", "tool")


def linter_command() -> list[str]:
    """The command prefix that runs gdpr-lint."""
    if os.environ.get("GDPR_LINT"):
        return shlex.split(os.environ["GDPR_LINT"])
    exe = shutil.which("gdpr-lint") or shutil.which("gdpr-lint", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, *(["-P"] if sys.version_info >= (3, 11) else []), "-m", "gdpr_lint"]


def scan(path: Path) -> tuple[dict, float]:
    """Run the linter on ``path``; return (parsed JSON report, wall seconds)."""
    base = [*linter_command(), "check", "--format", "json"]
    for extra in (["--no-fail"], []):
        start = time.perf_counter()
        proc = subprocess.run([*base, *extra, str(path)], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if extra and proc.returncode == 2 and "--no-fail" in proc.stderr:
            continue  # engine has no --no-fail; exit 1 then just means "findings"
        break
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    try:
        return json.loads(proc.stdout), seconds
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"exit {proc.returncode}, bad JSON ({exc}); stdout starts {proc.stdout[:200]!r};"
                           f" stderr ends {proc.stderr.strip()[-800:]!r}") from None


def locate(finding: dict, root: Path) -> Path | None:
    """The file a finding points at: its path as given, or relative to ``root``."""
    rel = Path(finding.get("path", ""))
    for cand in (rel, root / rel, root.parent / rel):
        if cand.is_file():
            return cand.resolve()
    return None


def source_line(finding: dict, root: Path) -> str:
    """The (stripped) source line a finding points at."""
    path = locate(finding, root)
    if path is None:
        return "<file not found>"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    line = finding.get("line") or 0
    return lines[line - 1].strip() if 0 < line <= len(lines) else "<line out of range>"


def spread_sample(items: list[tuple[str, Path, dict]], n: int) -> list[tuple[str, Path, dict]]:
    """Pick ``n`` findings round-robin over rule codes, evenly spaced within each rule."""
    by_code: dict[str, list] = defaultdict(list)
    for item in items:
        by_code[item[2].get("code", "?")].append(item)
    quota: Counter = Counter()
    n = min(n, len(items))
    while sum(quota.values()) < n:
        for code, group in sorted(by_code.items()):
            if quota[code] < len(group) and sum(quota.values()) < n:
                quota[code] += 1
    picked = []
    for code, k in quota.items():
        group = by_code[code]
        picked += [group[(i * len(group)) // k] for i in range(k)]
    return picked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", nargs="*", metavar="CORPUS",
                    help=f"any of {', '.join(CORPORA)} (default: oscar mailman)")
    ap.add_argument("--sample", type=int, default=0, metavar="N", help="print N findings spread across rules")
    args = ap.parse_args(argv)
    args.corpora = args.corpora or ["oscar", "mailman"]
    unknown = [n for n in args.corpora if n not in CORPORA]
    if unknown:
        ap.error(f"unknown corpus {', '.join(unknown)}; choose from {', '.join(CORPORA)}")

    rows, by_code, all_findings, failed = [], defaultdict(Counter), [], 0
    for name in args.corpora:
        path = ensure_corpus(name)
        files, lines = count_python(path)
        try:
            report, seconds = scan(path)
        except (OSError, RuntimeError) as exc:
            print(f"{name}: scan FAILED: {exc}", file=sys.stderr)
            failed += 1
            continue
        findings = report.get("findings", [])
        fam = Counter(f.get("family", "?") for f in findings)
        rows.append((name, files, lines, seconds, fam, len(findings)))
        for f in findings:
            by_code[(f.get("code", "?"), f.get("name", ""))][name] += 1
            all_findings.append((name, path, f))

    names = [r[0] for r in rows]
    extra = sorted({k for r in rows for k in r[4]} - set(FAMILIES))
    cols = [*FAMILIES, *extra]
    print(f"{'corpus':<10} {'files':>6} {'lines':>8} {'secs':>7} " + " ".join(f"{c:>9}" for c in cols)
          + f" {'total':>7}")
    for name, files, lines, seconds, fam, total in rows:
        print(f"{name:<10} {files:>6} {lines:>8} {seconds:>7.2f} " + " ".join(f"{fam[c]:>9}" for c in cols)
              + f" {total:>7}")

    if by_code:
        print(f"\n{'code':<10} {'name':<36} " + " ".join(f"{n:>9}" for n in names))
        for (code, rname), counts in sorted(by_code.items()):
            print(f"{code:<10} {rname[:36]:<36} " + " ".join(f"{counts[n]:>9}" for n in names))

    if args.sample and all_findings:
        print(f"\n--- sample of {min(args.sample, len(all_findings))} findings ---")
        for name, root, f in spread_sample(all_findings, args.sample):
            path = locate(f, root)
            shown = path.relative_to(cache_dir()) if path and path.is_relative_to(cache_dir()) else f.get("path")
            print(f"\n{shown}:{f.get('line')}  {f.get('code')}  {f.get('message')}")
            print(f"    {source_line(f, root)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
