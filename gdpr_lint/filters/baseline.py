"""Baselines: accept the findings a codebase has today, report only new ones.

``gdpr-lint baseline`` writes ``.gdpr-lint-baseline.json``::

    {
      "version": 1,
      "tool": {"name": "gdpr-lint", "version": "0.1.0"},
      "policy": "3f1c0c8e9a2b4d71",
      "findings": 42,
      "entries": [
        {"code": "GDPR301", "path": "shop/api.py", "symbol": "signup",
         "fingerprint": "9c1d...", "count": 1}
      ]
    }

An entry is a finding's identity without line numbers: rule, path, enclosing qualified name and
the finding's fingerprint (a hash of those and of the normalised source of the reported node,
see :meth:`gdpr_lint.findings.Finding.finish`).  Moving code, editing other functions or
re-wrapping the statement keeps it matched; changing what the statement says does not.
``count`` is how many findings share the fingerprint (the same call twice in one function).
``reason`` (optional) says why the findings are accepted; the DPO review shows it.  It is set
with ``gdpr-lint baseline --reason TEXT`` for the entries that file does not have yet, or by
hand, and regenerating the file keeps the reason of every entry still present.
``categories`` are the personal-data categories the accepted findings carried: a finding at the
same place that now carries another (a helper's file write that a new caller hands a card number)
is new, not baselined.  An entry without them (an older file) accepts any.

``check --baseline FILE`` drops every finding matched by fingerprint (each entry absorbs at
most ``count`` findings) and reports how many it dropped and how many entry occurrences
matched nothing ("stale": the finding was fixed or changed; refresh the file with
``gdpr-lint baseline``).  Only entries for files the scan looked at can be stale.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gdpr_lint import __version__
from gdpr_lint.errors import UsageError
from gdpr_lint.files.readfile import BASELINE_BYTES, NotReadable, read_text
from gdpr_lint.findings import NOT_ANALYSED, Finding

BASELINE_NAME = ".gdpr-lint-baseline.json"
FORMAT_VERSION = 1
_ENTRY_KEYS = ("code", "path", "symbol", "fingerprint", "count", "categories", "reason")


@dataclass
class Entry:
    """One baseline entry: a fingerprint and how many findings it accepts."""

    code: str
    path: str
    symbol: str
    fingerprint: str
    count: int = 1
    categories: frozenset[str] | None = None  # None: any (a baseline written before they were kept)
    reason: str = ""


@dataclass
class Baseline:
    """A loaded baseline file."""

    path: str
    entries: list[Entry] = field(default_factory=list)
    tool_version: str = ""
    policy: str = ""


@dataclass
class Outcome:
    """What :func:`apply` did: the findings left, how many were baselined, the stale entries."""

    findings: list[Finding]
    baselined: int = 0
    stale: list[Entry] = field(default_factory=list)  # ``count`` = occurrences left unmatched
    accepted: list[Finding] = field(default_factory=list)  # the findings dropped, each with its entry's reason

    @property
    def stale_count(self) -> int:
        """Entry occurrences that matched no finding."""
        return sum(e.count for e in self.stale)


def build(findings: list[Finding], policy, reasons: dict[str, str] | None = None, reason: str = "",
          root=None) -> dict:
    """The baseline document for ``findings`` (a JSON-ready dict, entries sorted, no line numbers).

    ``reasons`` maps fingerprints to the reasons an earlier baseline gave them (kept); ``reason``
    is given to every other entry (none when empty).  With ``root`` (the scan's), paths and
    fingerprints are from the repository's top: the file works from any folder of the repository.
    """
    if root is not None:
        from gdpr_lint.reporters import from_top

        findings = from_top(findings, root)
    reasons = reasons or {}
    counts: Counter = Counter()
    first: dict[str, Finding] = {}
    categories: dict[str, set[str]] = {}
    # a file that could not be analysed is not a finding to accept: it stays reported until fixed
    findings = [f for f in findings if f.code not in NOT_ANALYSED]
    for f in findings:
        counts[f.fingerprint] += 1
        first.setdefault(f.fingerprint, f)
        categories.setdefault(f.fingerprint, set()).update(f.categories)
    entries = [{"code": f.code, "path": f.path, "symbol": f.symbol, "fingerprint": fp, "count": counts[fp],
                "categories": sorted(categories[fp])} for fp, f in first.items()]
    for e in entries:
        why = reasons.get(e["fingerprint"]) or reason
        if why:
            e["reason"] = why
    entries.sort(key=lambda e: (e["path"], e["code"], e["symbol"], e["fingerprint"]))
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": "gdpr-lint", "version": __version__},
        "policy": getattr(policy, "hash", ""),
        "findings": len(findings),
        "entries": entries,
    }


def dumps(doc: dict) -> str:
    """The baseline as the text written to disk (stable, diff-friendly: one entry per line)."""
    head = {k: v for k, v in doc.items() if k != "entries"}
    lines = [json.dumps(e, ensure_ascii=False) for e in doc["entries"]]
    body = json.dumps(head, indent=2, ensure_ascii=False)[:-2]  # drop the closing "\n}"
    if lines:
        return body + ',\n  "entries": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n"
    return body + ',\n  "entries": []\n}\n'


def write(path: Path, doc: dict) -> None:
    """Write the baseline file.

    Raises:
        UsageError: the file cannot be written.
    """
    from gdpr_lint.files.output import write_output

    write_output(path, dumps(doc))


def load(path: Path) -> Baseline:
    """Read and validate a baseline file.

    Raises:
        UsageError: the file is missing, unreadable, not JSON, or not a gdpr-lint baseline;
            the message names the file.
    """
    shown = str(path)
    if not path.exists():
        raise UsageError(f"baseline file not found: {shown} (create it with `gdpr-lint baseline`)")
    try:
        text = read_text(path, BASELINE_BYTES)
    except NotReadable as exc:
        raise UsageError(f"{shown}: cannot read the baseline file ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{shown}: not a valid baseline file: not JSON ({exc.msg}, line {exc.lineno}, "
                         f"column {exc.colno}); regenerate it with `gdpr-lint baseline`") from None
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits; arrays nested thousands deep
        problem = "nested too deeply" if isinstance(exc, RecursionError) else " ".join(str(exc).split())[:200]
        raise UsageError(f"{shown}: not a valid baseline file: {problem}; regenerate it with "
                         "`gdpr-lint baseline`") from None

    def bad(problem: str) -> UsageError:
        return UsageError(f"{shown}: not a valid baseline file: {problem}; regenerate it with `gdpr-lint baseline`")

    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise bad("expected an object with an `entries` list")
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise bad(f"format version {version!r} is not supported (this gdpr-lint reads version {FORMAT_VERSION})")
    entries: list[Entry] = []
    for i, item in enumerate(data["entries"]):
        if not isinstance(item, dict):
            raise bad(f"entries[{i}] is not an object")
        fp = item.get("fingerprint")
        if fp is not None and not isinstance(fp, str):
            raise bad(f"entries[{i}].fingerprint must be a string, got {type(fp).__name__}")
        if not fp:
            raise bad(f"entries[{i}].fingerprint is missing")
        count = item.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise bad(f"entries[{i}].count must be a positive integer, got {count!r}")
        for key in ("code", "path", "symbol"):
            if not isinstance(item.get(key, ""), str):
                raise bad(f"entries[{i}].{key} must be a string")
        if not isinstance(item.get("reason", ""), str):
            raise bad(f"entries[{i}].reason must be a string")
        cats = item.get("categories")
        if cats is not None and not (isinstance(cats, list) and all(isinstance(c, str) for c in cats)):
            raise bad(f"entries[{i}].categories must be a list of category keys")
        entries.append(Entry(code=item.get("code", ""), path=item.get("path", ""), symbol=item.get("symbol", ""),
                             fingerprint=fp, count=count, categories=None if cats is None else frozenset(cats),
                             reason=" ".join(item.get("reason", "").split())))
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    return Baseline(path=shown, entries=entries, tool_version=str(tool.get("version", "")),
                    policy=str(data.get("policy", "")))


def _top_paths(paths: set[str], root) -> set[str]:
    """Display paths (relative to ``root``) as paths from the repository's top."""
    import posixpath
    from pathlib import Path

    from gdpr_lint.reporters import repository_root

    top = repository_root(root)
    if top is None:
        return set(paths)
    try:
        prefix = Path(root).resolve().relative_to(top).as_posix()
    except ValueError:
        return set(paths)
    if prefix in ("", "."):
        return set(paths)
    return {posixpath.normpath(posixpath.join(prefix, p)) for p in paths}


def reasons_of(baseline: Baseline) -> dict[str, str]:
    """The reasons a baseline's entries give, by fingerprint (entries without one left out)."""
    return {e.fingerprint: e.reason for e in baseline.entries if e.reason}


def apply(findings: list[Finding], baseline: Baseline, scanned: set[str] | None = None, root=None) -> Outcome:
    """Drop the findings the baseline accepts.

    Args:
        findings: the scan's findings (in report order).
        baseline: the loaded baseline.
        scanned: display paths of the files the scan looked at; entries for other files are not
            reported stale (``None``: every entry can be stale).
        root: the scan's root; findings are then matched by their fingerprints from the
            repository's top, as :func:`build` writes them.
    """
    tops = findings
    if root is not None:
        from gdpr_lint.reporters import from_top

        tops = from_top(findings, root)
        if scanned is not None:
            scanned = _top_paths(scanned, root)
    top_fp = {id(f): t.fingerprint for f, t in zip(findings, tops)}
    left: Counter = Counter()
    accepted: dict[str, frozenset[str] | None] = {}
    reasons = reasons_of(baseline)
    dropped_findings: list[Finding] = []
    for e in baseline.entries:
        left[e.fingerprint] += e.count
        known = accepted.get(e.fingerprint, frozenset())
        accepted[e.fingerprint] = None if e.categories is None or known is None else known | e.categories
    kept: list[Finding] = []
    dropped = 0
    for f in findings:
        fp = top_fp[id(f)]
        allowed = accepted.get(fp)
        if f.code not in NOT_ANALYSED and fp and left[fp] > 0 and (allowed is None or set(f.categories) <= allowed):
            left[fp] -= 1
            dropped += 1
            f.suppression_reason = reasons.get(fp, "")
            dropped_findings.append(f)
        else:
            kept.append(f)
    stale: list[Entry] = []
    for e in baseline.entries:
        if scanned is not None and e.path not in scanned:
            continue
        unmatched = min(e.count, left[e.fingerprint])
        if unmatched > 0:
            left[e.fingerprint] -= unmatched
            stale.append(Entry(e.code, e.path, e.symbol, e.fingerprint, unmatched))
    return Outcome(findings=kept, baselined=dropped, stale=stale, accepted=dropped_findings)


def summary_line(outcome: Outcome, baseline: Baseline) -> str:
    """``gdpr-lint: 41 findings baselined (…); 2 baseline entries are stale …`` for stderr."""
    n = outcome.baselined
    text = f"gdpr-lint: {n} finding{'s' if n != 1 else ''} baselined by {baseline.path}"
    stale = outcome.stale_count
    if stale:
        first = outcome.stale[0]
        where = f"{first.path}: {first.code} in {first.symbol}" if first.symbol else f"{first.path}: {first.code}"
        text += (f"; {stale} baseline entr{'ies are' if stale != 1 else 'y is'} stale (no longer found, first: "
                 f"{where}); refresh it with `gdpr-lint baseline`")
    else:
        text += "; 0 stale entries"
    return text
