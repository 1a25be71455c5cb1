"""The review model: everything the DPO report shows, built once from a scan and rendered three ways.

:func:`take_snapshot` scans the code (never importing or running it) and collects what the digest
needs; :func:`scan_base` does the same for a git revision extracted with ``git archive`` into a
temporary folder; :func:`build_review` turns snapshots into the versioned review dict that
``review.json`` holds and the Markdown and HTML renderers read.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
import posixpath
import re
import subprocess
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gdpr_lint import __version__
from gdpr_lint.errors import UsageError
from gdpr_lint.findings import NOT_ANALYSED
from gdpr_lint.review import REVIEW_FORMAT, REVIEW_VERSION
from gdpr_lint.review.digest import compute_digest, policy_content_hash, privacy_content

BASELINE_FILE = ".gdpr-lint-baseline.json"
SEVERITIES = ("error", "warning", "info")
FIELD_ATTRS = ("categories", "retention", "basis", "purpose", "subject", "encrypted", "storage", "special")
PROCESSOR_CODES = ("GDPR401", "GDPR402", "GDPR403", "GDPR404", "GDPR405")
# why a file in the digest was not analysed, for the codes that are not rule codes
UNREAD_WHY = {
    "test-code": "test code: the data rules skip it (see `check_tests` in the docs)",
    "compiled": "compiled or archived code (bytecode, a binary module, a zip, egg, wheel or zipapp Python can "
                "import from): it can run but is not read; remove it from the repository",
    "submodule": "a git submodule, at the commit shown: its code is not scanned here",
}
# a digest entry that binds a file's content: its hash, a link's target and hash, a broken link's target
# (there is no content), a submodule's commit; anything else says why the content could not be read
_CONTENT_BOUND = re.compile(r"(?:symbolic link to .*: )?[0-9a-f]{64}|broken symbolic link to .*|commit [0-9a-f]{40,64}",
                            re.DOTALL)
NO_DATA_SEEN = "-"  # the diagram's source for a processor in use that no personal data is seen to reach

_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b[ \t]*\(?([^\n#;]*)"
                     r"|import[ \t]+([^\n#;]+))", re.MULTILINE)


def _unescaped(shown: str) -> str:
    """The file name behind a path shown with ``\\xff`` escapes (a name that is not UTF-8, see
    ``scan._escaped``), as the file system hands it to Python; other paths as they are."""
    if "\\x" not in shown:
        return shown
    raw = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), shown.encode("utf-8"))
    return os.fsdecode(raw)


@dataclass
class Snapshot:
    """One scan of the code, plus what the review and the digest need beyond findings."""

    result: object  # gdpr_lint.scan.ScanResult
    policy: object  # gdpr_lint.policy.Policy
    root: Path
    paths: list[str]
    imports: list[dict] = field(default_factory=list)  # {processor, path, line, module}
    baseline: list[dict] = field(default_factory=list)
    baseline_error: str = ""
    excluded: list[dict] = field(default_factory=list)  # {path, sha256}: listed files the config's exclude removed
    listing: str = ""  # how the files were listed: git, walk, all (see discovery.Selection)
    untracked: list[str] = field(default_factory=list)  # scanned files git does not track (yet)
    # {path, code, sha256} of listed files the analysis does not read: ``compiled`` code, a
    # ``submodule``'s commit, ``test-code`` the data rules skip
    unread: list[dict] = field(default_factory=list)
    config_note: str = ""  # for a base revision: which config it was read with (see base_policy)

    @property
    def not_analysed(self) -> list[dict]:
        """``{path, code, sha256}`` of every file that was not analysed (GDPR901/902/905), by the hash of
        its whole content: its findings say why, and only its content says what it holds."""
        from gdpr_lint.files.source import content_sha256

        if getattr(self, "_not_analysed", None) is None:
            seen: dict[tuple[str, str], dict] = {}
            for f in self.result.findings + self.result.suppressed:
                if f.code in NOT_ANALYSED and (f.path, f.code) not in seen:
                    seen[(f.path, f.code)] = {"path": f.path, "code": f.code,
                                              "sha256": content_sha256(self.root / _unescaped(f.path))}
            for d in self.unread:
                seen.setdefault((d["path"], d["code"]), d)
            self._not_analysed = sorted(seen.values(), key=lambda d: (d["path"], d["code"]))
        return self._not_analysed

    @property
    def unbound(self) -> list[dict]:
        """The not-analysed and excluded files whose content could not be read (``{path, sha256}``,
        ``sha256`` saying why): the digest cannot bind what is in them, so no approval covers them."""
        return [d for d in self.not_analysed + self.excluded if not _CONTENT_BOUND.fullmatch(d["sha256"])]

    @property
    def processors(self) -> list[str]:
        """Names of the processors in use: processor findings (open or suppressed) and SDK imports."""
        names = {f.processor for f in self.result.findings + self.result.suppressed
                 if f.family == "processor" and f.processor}
        names |= {i["processor"] for i in self.imports}
        # and those personal data reaches with no finding (an approved processor, over HTTP too)
        names |= {d["recipient"] for d in getattr(self.result, "disclosures", ()) if d["recipient"] in self.policy.processors}
        return sorted(names)

    def content(self) -> dict:
        """The privacy-relevant content the digest is computed over."""
        return privacy_content(self.result.findings, self.result.suppressed, self.result.inventory,
                               self.processors, self.baseline, policy_content_hash(self.policy),
                               excluded=self.excluded, not_analysed=self.not_analysed)

    @property
    def digest(self) -> str:
        return compute_digest(self.content())


# ---- scanning ---------------------------------------------------------------------------------------

def processor_imports(files: list[Path], root: Path, policy) -> list[dict]:
    """Imports of a catalogued processor's SDK in ``files`` (read as text; nothing is imported)."""
    from gdpr_lint.files.source import read_source
    from gdpr_lint.scan import display_path

    roots = sorted(((r, p.name) for p in policy.processors.values() for r in p.sdk), key=lambda t: -len(t[0]))

    def owner(module: str) -> str | None:
        for r, name in roots:
            if module == r or module.startswith(r + "."):
                return name
        return None

    out: list[dict] = []
    for path in files:
        text, _problem = read_source(path)
        if not text:
            continue
        shown = display_path(path, root)
        for m in _IMPORT.finditer(text):
            if m.group(1):
                modules = [m.group(1)] + [f"{m.group(1)}.{n.split()[0]}" for n in m.group(2).split(",") if n.split()]
            else:
                modules = [n.split()[0] for n in m.group(3).split(",") if n.split()]
            for module in modules:
                name = owner(module.strip("()"))
                if name:
                    line = text.count("\n", 0, m.start()) + 1
                    out.append({"processor": name, "path": shown, "line": line, "module": module.strip("()")})
                    break
    return out


def read_baseline(root: Path) -> tuple[list[dict], str]:
    """Entries of ``.gdpr-lint-baseline.json`` (fingerprint, code, path, symbol, reason), or an error."""
    from gdpr_lint.files.readfile import BASELINE_BYTES, NotReadable, read_text

    path = root / BASELINE_FILE
    if not path.exists():
        from gdpr_lint.reporters import repository_root

        top = repository_root(root)  # a review run in a subfolder reads the repository's baseline
        path = top / BASELINE_FILE if top is not None else path
        if not path.exists():
            return [], ""
    try:
        doc = json.loads(read_text(path, BASELINE_BYTES))
    except (NotReadable, ValueError) as exc:
        return [], f"{BASELINE_FILE} could not be read ({' '.join(str(exc).split())[:200]})"
    except RecursionError:
        return [], f"{BASELINE_FILE} could not be read (nested too deeply)"
    entries = doc.get("entries", doc.get("findings", [])) if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        return [], f"{BASELINE_FILE} has no list of entries"
    out = []
    for i, e in enumerate(entries):
        if isinstance(e, dict) and not isinstance(e.get("reason", ""), str):
            return [], f"{BASELINE_FILE}: entries[{i}].reason must be a string"
        if isinstance(e, dict):
            out.append({"fingerprint": str(e.get("fingerprint", "")), "code": str(e.get("code", "")),
                        "path": str(e.get("path", "")), "symbol": str(e.get("symbol", "")),
                        "reason": str(e.get("reason", e.get("justification", "")) or ""),
                        "count": e.get("count", 1) if isinstance(e.get("count", 1), int) else 1})
    return out, ""


def take_snapshot(paths: list[str], policy, root: Path, jobs: int | None = None,
                  cache_dir: Path | None = None, listing: str = "git") -> Snapshot:
    """Scan ``paths`` (relative to ``root`` or absolute) and collect a :class:`Snapshot`.

    The files are those :func:`~gdpr_lint.files.discovery.gate_files` lists (in a git work tree: what git
    tracks, plus untracked files that are not ignored, whatever ignore files, cache tags and the
    default excludes say), or with ``listing="all"`` every file (a revision extracted from git).
    The files the config's ``exclude`` removes are kept with the hash of their content.
    """
    from gdpr_lint.engine.manifests import is_manifest
    from gdpr_lint.files.discovery import every_file, gate_files
    from gdpr_lint.files.source import content_sha256
    from gdpr_lint.scan import display_path, scan

    full = [Path(p) if Path(p).is_absolute() else root / p for p in paths]
    selection = (every_file if listing == "all" else gate_files)(full, policy.config.exclude, root)
    result = scan(selection.files, policy, root=root, jobs=jobs, cache_dir=cache_dir)
    python = [p for p in selection.files if p.name.endswith(".py") or not is_manifest(p.name, p.parent.name)]
    # the files the data rules skip (tests, unless the config says check_tests) are in the digest by
    # their content, as the config's excludes are: changing one still needs a new sign-off (test
    # code that production code imports was analysed as production code: its findings say what it does)
    analysed = set(result.imported_test_code)
    skipped = [p for p in selection.files if p.name.endswith(".py") and policy.skips_data_rules(display_path(p, root))
               and display_path(p, root) not in analysed]
    excluded = sorted(({"path": display_path(p, root), "sha256": content_sha256(p)}
                       for p in selection.excluded), key=lambda d: d["path"])
    unread = [{"path": display_path(p, root), "code": "test-code", "sha256": content_sha256(p)} for p in skipped]
    unread += [{"path": display_path(p, root), "code": "compiled", "sha256": content_sha256(p)}
               for p in selection.compiled]
    unread += [{"path": path, "code": "submodule", "sha256": f"commit {commit}"} for path, commit in selection.submodules]
    baseline, error = read_baseline(root)
    shown = [display_path(p, root) for p in full]
    return Snapshot(result=result, policy=policy, root=root, paths=shown,
                    imports=processor_imports(python, root, policy), baseline=baseline, baseline_error=error,
                    excluded=excluded, listing=selection.source, unread=unread,
                    untracked=sorted(display_path(p, root) for p in selection.untracked))


def _git(args: list[str], cwd: Path, binary: bool = False):
    """``git ARGS`` run the safe way (no hooks, no fsmonitor, no filters: :func:`gitdiff.git_command`);
    its output, or ``None`` when it failed."""
    from gdpr_lint.files.gitdiff import git_command, git_env

    try:
        proc = subprocess.run(git_command(args, cwd), cwd=cwd, env=git_env(), capture_output=True, check=False,
                              timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run git ({exc})") from None
    if proc.returncode != 0:
        return None
    return proc.stdout if binary else proc.stdout.decode("utf-8", "replace").strip()


def git_info(root: Path) -> dict:
    """Repository name, commit and whether the work tree has changes (read-only git commands)."""
    top = _git(["rev-parse", "--show-toplevel"], root)
    if not top:
        return {"repository": root.resolve().name, "commit": "", "dirty": False}
    status = _git(["--no-optional-locks", "status", "--porcelain", "--untracked-files=no", "--ignore-submodules"],
                  root)
    return {"repository": Path(top).name, "commit": _git(["rev-parse", "HEAD"], root) or "",
            "dirty": bool(status)}


def _relative(p: str, root: Path) -> str:
    path = Path(p)
    if path.is_absolute():
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return p
    return p


def base_policy(head_policy, root: Path, commit: str, prefix: str, top: Path, ref: str):
    """``(policy, note)``: the policy the base revision's own config gives (its config file at the
    same place as the head's; the defaults when it had none), so that a config changed with the code
    shows as a change instead of hiding the base's findings too.  The config (and its data map) are
    extracted from ``commit`` into ``top``, the base's tree, at their place in the repository.
    ``note`` says what was used."""
    from gdpr_lint.errors import ConfigError
    from gdpr_lint.policy import load_policy_cached
    from gdpr_lint.policy.config import CONFIG_NAMES, OrgConfig, load_config_file
    from gdpr_lint.policy.datamap import datamap_for

    head_path = getattr(head_policy.config, "path", "")
    repo_top = (root / ("../" * prefix.count("/"))).resolve() if prefix else root.resolve()
    if head_path:
        rel = posixpath.normpath(Path(os.path.relpath(Path(head_path).resolve(), repo_top)).as_posix())
        if rel.startswith("../"):
            return head_policy, ""  # a config from outside the repository applies to both revisions
        names = [rel]
    else:  # no config at the head: did the base have one, where the head would have looked?
        folder = prefix.rstrip("/")
        names = []
        while True:
            names += [posixpath.join(folder, n) if folder else n for n in (*CONFIG_NAMES, "pyproject.toml")]
            if not folder:
                break
            folder = posixpath.dirname(folder)
    rel = next((n for n in names if _git(["cat-file", "-e", f"{commit}:{n}"], root) is not None), "")
    if not rel:
        if not head_path:
            return head_policy, ""
        return load_policy_cached(OrgConfig(), None), f"the base had no {names[0]}: it is read with the default policy"
    _extract(commit, [rel], root, top, ref)
    candidate = top / rel
    try:
        cfg = load_config_file(candidate)
        if not head_path and rel.endswith("pyproject.toml") and not cfg.raw:
            return head_policy, ""  # a pyproject.toml without a [tool.gdpr-lint] table
        if cfg.datamap:
            wanted = posixpath.normpath(posixpath.join(posixpath.dirname(rel), cfg.datamap))
            if not wanted.startswith("../") and not posixpath.isabs(wanted):
                if _git(["cat-file", "-e", f"{commit}:{wanted}"], root) is not None:
                    _extract(commit, [wanted], root, top, ref)
        policy = load_policy_cached(cfg, None)
        datamap_for(policy)
    except (ConfigError, UsageError) as exc:
        return head_policy, f"the base's {rel} is not usable ({exc}): it is read with the head's policy"
    return policy, f"the base is read with its own {rel}"


def _extract(commit: str, specs: list[str], root: Path, dest: Path, ref: str) -> None:
    """Extract the files and folders of ``specs`` (all when empty) at ``commit`` into ``dest`` with
    ``git archive``: a link in the revision (absolute, or out of the tree) is not followed or made.
    ``specs`` are paths from the top of the repository, where git runs (run in a subfolder, git
    archive reads them from there, and archives that subfolder alone)."""
    top = _git(["rev-parse", "--show-toplevel"], root)
    data = _git(["archive", "--format=tar", commit, *(["--", *specs] if specs else [])], Path(top) if top else root,
                binary=True)
    if data is None:
        raise UsageError(f"--base: git archive of {ref!r} failed")
    try:
        tar = tarfile.open(fileobj=io.BytesIO(data))
    except tarfile.TarError as exc:
        raise UsageError(f"--base: cannot read git's archive of {ref!r} ({exc})") from None
    with tar:
        # files and folders only: tarfile's "data" filter would refuse the whole archive for one link
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover - Python < 3.10.12
            tar.extractall(dest, members=members)


def scan_base(ref: str, paths: list[str], policy, root: Path, jobs: int | None = None,
              cache_dir: Path | None = None, own_config: bool = False) -> tuple[Snapshot, str]:
    """Scan revision ``ref`` of the same ``paths``: ``(snapshot, commit)``; with ``own_config``,
    under the base's own config (:func:`base_policy`), else under ``policy``.

    The revision is extracted with ``git archive`` into a temporary folder (the repository, its
    work tree and its worktree list are left alone) and scanned like the work tree; its code is
    never imported or run.  Paths that did not exist at ``ref`` are simply absent from the base.
    """
    if _git(["rev-parse", "--show-toplevel"], root) is None:
        raise UsageError(f"--base needs a git repository; {root} is not inside one")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
    if not commit:
        from gdpr_lint.files.gitdiff import fetch_hint, is_shallow, toplevel

        top = toplevel(root)
        shallow = is_shallow(top)
        where = "this shallow clone" if shallow else "this clone"
        raise UsageError(f"--base: {ref!r} is not a known branch, tag or commit in {where}; fetch it first: "
                         f"{fetch_hint(top, ref, shallow)}")
    prefix = _git(["rev-parse", "--show-prefix"], root) or ""
    wanted: list[str] = []
    for p in paths:
        rel = Path(p)
        if rel.is_absolute():
            try:
                rel = rel.resolve().relative_to(root.resolve())
            except ValueError:
                raise UsageError(f"--base: {p} is outside {root}") from None
        spec = posixpath.normpath(prefix + rel.as_posix())
        if spec in (".", "") or _git(["cat-file", "-e", f"{commit}:{spec}"], root) is not None:
            wanted.append("" if spec == "." else spec)
    tmp = tempfile.TemporaryDirectory(prefix="gdpr-lint-base-")
    base_root = Path(tmp.name) / prefix if prefix else Path(tmp.name)
    base_root.mkdir(parents=True, exist_ok=True)
    if wanted:
        _extract(commit, [] if "" in wanted else sorted(set(wanted)), root, Path(tmp.name), ref)
    base_paths = [str(base_root / _relative(p, root)) for p in paths if (base_root / _relative(p, root)).exists()]
    note = ""
    if own_config:
        policy, note = base_policy(policy, root, commit, prefix, Path(tmp.name), ref)
    if base_paths:
        # the archive holds exactly the files the revision tracks: every one is scanned, as at HEAD
        snap = take_snapshot(base_paths, policy, base_root, jobs=jobs, cache_dir=cache_dir, listing="all")
    else:
        from gdpr_lint.scan import ScanResult
        snap = Snapshot(result=ScanResult(root=base_root), policy=policy, root=base_root, paths=[])
    snap.baseline, snap.baseline_error = read_baseline(base_root)
    snap.config_note = note
    snap._tmp = tmp  # keep the folder alive as long as the snapshot (it is removed with it)
    return snap, commit


# ---- the model ----------------------------------------------------------------------------------------

#: characters that reorder the text around them (Trojan Source): in a reason shown to the DPO they
#: are written out as escapes, so that what the page shows is what the code says
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))


def visible(text: str) -> str:
    """``text`` with its bidirectional control characters written as ``\\u202e`` escapes."""
    if not any(ord(c) in _BIDI for c in text):
        return text
    return "".join(f"\\u{ord(c):04x}" if ord(c) in _BIDI else c for c in text)


def _finding(f, policy) -> dict:
    rule = policy.rules.get(f.code)
    return {"code": f.code, "name": f.name, "family": f.family, "severity": f.severity, "path": f.path,
            "line": f.line, "column": f.column, "message": f.message, "categories": list(f.categories),
            "fix": f.fix, "article": rule.article if rule else "", "snippet": f.snippet,
            "symbol": f.symbol, "fingerprint": f.fingerprint, "sink": f.sink, "processor": f.processor,
            "suppression_reason": visible(f.suppression_reason)}


def _shown(path: str, root: Path) -> str | None:
    if not path:
        return None
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return path


def _label(policy, key: str) -> str:
    if key == NO_DATA_SEEN:
        return "No personal data seen"
    cat = policy.categories.get(key)
    return cat.label if cat else key


def _processors(snap: Snapshot) -> list[dict]:
    """The processors in use, with the approval register and the catalogue side by side."""
    policy = snap.policy
    EEA = policy.eea_regions

    uses: dict[str, list[dict]] = {}
    cats: dict[str, set[str]] = {}
    codes: dict[str, list[str]] = {}
    for f in snap.result.findings + snap.result.suppressed:
        if f.family != "processor" or not f.processor:
            continue
        uses.setdefault(f.processor, []).append({"how": f.sink or f.code, "path": f.path, "line": f.line})
        cats.setdefault(f.processor, set()).update(f.categories)
        if not f.suppressed:
            codes.setdefault(f.processor, []).append(f.code)
    # where personal data reaches a processor with no finding (an approved one within its approval)
    for d in getattr(snap.result, "disclosures", ()):
        if d["recipient"] not in snap.processors:
            continue
        cats.setdefault(d["recipient"], set()).update(d.get("categories", ()))
        if not any(u["path"] == d["path"] and u["line"] == d["line"] for u in uses.get(d["recipient"], [])):
            uses.setdefault(d["recipient"], []).append({"how": d["how"], "path": d["path"], "line": d["line"]})
    for i in snap.imports:
        if any(u["path"] == i["path"] and u["line"] == i["line"] for u in uses.get(i["processor"], [])):
            continue
        uses.setdefault(i["processor"], []).append({"how": f"import {i['module']}", "path": i["path"],
                                                    "line": i["line"]})
    rows = []
    for name in snap.processors:
        info = policy.processors.get(name)
        appr = policy.approved.get(name)
        region = (appr.region if appr and appr.region else "") or (info.country if info else "")
        if appr and appr.region:
            leaves_eea = appr.region.upper() not in EEA
        elif info is not None:
            leaves_eea = not info.eea
        else:
            leaves_eea = None  # an unknown host: nobody knows
        if appr is not None:
            status = "approved" if not codes.get(name) else "approved, with findings"
        elif info is None:
            status = "unknown host"
        elif info.infrastructure:
            status = "infrastructure"
        else:
            status = "not approved"
        rows.append({
            "name": name, "vendor": info.vendor if info else name, "service": info.service if info else "",
            "country": region, "leaves_eea": leaves_eea, "approved": appr is not None, "status": status,
            "dpa": appr.dpa if appr else "", "transfer_mechanism": appr.transfer_mechanism if appr else "",
            "approved_categories": list(appr.categories) if appr and appr.categories is not None else None,
            "categories": sorted(cats.get(name, ())),
            "uses": sorted(uses.get(name, []), key=lambda u: (u["path"], u["line"])),
            "findings": sorted(set(codes.get(name, []))),
        })
    return rows


def _flows(snap: Snapshot, processors: list[dict]) -> list[dict]:
    """Edges of the data-flow diagram: category -> sink or processor, with the worst status seen.

    Status: ``finding`` (an open finding), ``suppressed`` (a finding a developer suppressed) or
    ``ok`` (stored as declared, sent to an approved processor within its approval).
    """
    policy = snap.policy
    proc_by_name = {p["name"]: p for p in processors}
    rank = {"ok": 0, "suppressed": 1, "finding": 2}
    edges: dict[tuple[str, str], dict] = {}

    def add(cat: str, target: str, kind: str, status: str) -> None:
        e = edges.setdefault((cat, target), {"category": cat, "category_label": _label(policy, cat),
                                             "target": target, "kind": kind, "status": status, "count": 0})
        e["count"] += 1
        if rank[status] > rank[e["status"]]:
            e["status"] = status

    unencrypted = {(f.path, f.symbol) for f in snap.result.findings if f.code == "GDPR201"}
    for row in snap.result.inventory:
        if not row.get("storage"):
            continue
        target = "Database (encrypted)" if row.get("encrypted") else "Database"
        flagged = (row.get("path"), f"{row.get('model')}.{row.get('field')}") in unencrypted
        for cat in row.get("categories", []):
            add(cat, target, "storage", "finding" if flagged else "ok")
    for f in snap.result.findings + snap.result.suppressed:
        if f.family in ("retention", "tool", "rights") or f.code == "GDPR201" or not f.categories:
            continue
        status = "suppressed" if f.suppressed else "finding"
        if f.family == "processor":
            proc = proc_by_name.get(f.processor)
            target, kind = (proc["vendor"] if proc else f.processor or f.sink), "processor"
        elif f.family == "logging":
            target, kind = {"GDPR301": "Logs", "GDPR302": "Exception messages"}.get(
                f.code, f"Telemetry ({f.sink})" if f.sink else "Telemetry"), "log"
            if f.code == "GDPR301" and f.sink and f.sink != "logger":
                target = f"Logs ({f.sink})"
        else:
            target, kind = (f.sink or f.name).capitalize(), "storage"
        for cat in f.categories:
            add(cat, target, kind, status)
    # personal data an approved processor receives within its approval: no finding, an "ok" edge
    for d in getattr(snap.result, "disclosures", ()):
        proc = proc_by_name.get(d["recipient"])
        if proc is not None:
            for cat in d.get("categories", ()):
                if (cat, proc["vendor"]) not in edges:
                    add(cat, proc["vendor"], "processor", "ok")
    # every processor the summary counts is in the diagram: one the code uses with no personal data
    # seen going to it (an SDK imported, a host called) still has its edge
    reached = {e["target"] for e in edges.values() if e["kind"] == "processor"}
    for p in processors:
        if p["vendor"] not in reached:
            status = "finding" if p["status"] in ("not approved", "unknown host", "approved, with findings") else "ok"
            add(NO_DATA_SEEN, p["vendor"], "processor", status)
    return sorted(edges.values(), key=lambda e: (e["category"], e["kind"], e["target"]))


def _field_key(row: dict) -> tuple:
    return (row.get("path", ""), row.get("model", ""), row.get("field", ""))


def privacy_diff(base: Snapshot, head: Snapshot, base_ref: str, base_commit: str) -> dict:
    """What changed in personal-data terms between ``base`` and ``head``."""
    policy = head.policy
    old = {_field_key(r): r for r in base.result.inventory}
    new = {_field_key(r): r for r in head.result.inventory}

    def brief(r: dict) -> dict:
        return {"path": r.get("path"), "line": r.get("line"), "model": r.get("model"), "field": r.get("field"),
                **{a: r.get(a) for a in FIELD_ATTRS}}

    added = [brief(new[k]) for k in sorted(new.keys() - old.keys())]
    removed = [brief(old[k]) for k in sorted(old.keys() - new.keys())]
    changed = []
    for k in sorted(new.keys() & old.keys()):
        diffs = [{"attribute": a, "old": old[k].get(a), "new": new[k].get(a)}
                 for a in FIELD_ATTRS if old[k].get(a) != new[k].get(a)]
        if diffs:
            changed.append({**brief(new[k]), "changes": diffs})
    base_fp = Counter(f.fingerprint for f in base.result.findings)
    head_fp = Counter(f.fingerprint for f in head.result.findings)
    new_findings, seen = [], Counter()
    for f in head.result.findings:
        seen[f.fingerprint] += 1
        if seen[f.fingerprint] > base_fp.get(f.fingerprint, 0):
            new_findings.append(_finding(f, policy))
    resolved, seen = [], Counter()
    for f in base.result.findings:
        seen[f.fingerprint] += 1
        if seen[f.fingerprint] > head_fp.get(f.fingerprint, 0):
            resolved.append(_finding(f, policy))
    old_sup = {(f.fingerprint, f.suppression_reason) for f in base.result.suppressed}
    new_sups = [_finding(f, policy) for f in head.result.suppressed
                if (f.fingerprint, f.suppression_reason) not in old_sup]
    old_p, new_p = set(base.processors), set(head.processors)
    return {"base": base_ref, "base_commit": base_commit,
            "fields_added": added, "fields_removed": removed, "fields_changed": changed,
            "processors_added": sorted(new_p - old_p), "processors_removed": sorted(old_p - new_p),
            "new_findings": new_findings, "resolved_findings": resolved, "new_suppressions": new_sups,
            "policy_changed": base.policy.hash != head.policy.hash,
            "policy_changes": _setting_changes(config_settings(base.policy), config_settings(head.policy)),
            "rules_off_before": rules_off(base.policy), "config_before": base.config_note,
            "unchanged": base.digest == head.digest}


def config_settings(policy) -> dict[str, str]:
    """The organisation config's settings that differ from the defaults, each as compact JSON text
    (what the DPO signs besides the code: approvals, first-party domains, sanitizers, excludes ...)."""
    from dataclasses import asdict

    from gdpr_lint.policy.config import OrgConfig

    default = asdict(OrgConfig())
    out = {}
    for key, value in asdict(policy.config).items():
        if key in ("path", "raw") or value == default.get(key):
            continue
        text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
        out[key] = text if len(text) <= 400 else text[:399] + "…"
    return out


def _setting_changes(before: dict[str, str], after: dict[str, str]) -> list[dict]:
    return [{"key": k, "before": before.get(k, "default"), "after": after.get(k, "default")}
            for k in sorted(before.keys() | after.keys()) if before.get(k) != after.get(k)]


def rules_off(policy) -> list[str]:
    """What the config switches off, as sentences a DPO can read (empty when every rule is on)."""
    from gdpr_lint.policy.config import rules_off as off

    return off(policy.config)


def _verdict(findings: list[dict], processors: list[dict], inventory: list[dict], diff: dict | None,
             require: list[str], off: list[str] | None = None, accepted: list[dict] | None = None,
             not_checked: int = 0) -> dict:
    """The summary: ``findings`` are the open ones (neither suppressed nor baselined, nor a file that
    could not be checked), ``accepted`` the suppressed and baselined ones (counted, shown as
    accepted, never deciding), ``not_checked`` the files that could not be analysed (listed apart:
    a problem of the scan, not of the code's privacy)."""
    from gdpr_lint.reporters.inventory import coverage, rights_coverage

    accepted = accepted or []
    sev = Counter(f["severity"] for f in findings)
    not_approved = [p["name"] for p in processors if p["status"] in ("not approved", "unknown host")]
    tagged, total, percent = coverage(inventory, require)
    if sev["error"] or not_approved:
        status, headline = "blocked", "Not ready for approval: there are errors or unapproved processors."
    elif sev["warning"]:
        status, headline = "attention", "Needs attention: there are open warnings to accept or fix."
    elif off:
        status, headline = "attention", ("Needs attention: the config switches rules off (" + "; ".join(off) +
                                         "), so their findings are not shown.")
    else:
        status, headline = "clear", "No open findings: ready for the DPO's decision."
    if not_checked:
        headline += (f" {not_checked} file{'s' if not_checked != 1 else ''} could not be checked (see Files not "
                     "scanned): what they hold is not in this review.")
    if diff and diff.get("hidden_by_policy"):
        hidden = (f"the config changed with the code hides {len(diff['hidden_by_policy'])} finding(s) that the "
                  "base's policy reports: read them under the changes.")
        if status == "blocked":
            headline += " Also, " + hidden
        else:
            status, headline = "attention", "Needs attention: " + hidden
    elif diff and diff.get("policy_changed") and status != "blocked":
        status = "attention"
        headline += " The policy changed since the base: read the changes below."
    return {
        "status": status, "headline": headline,
        "fields": total, "fields_tagged": tagged, "coverage": round(percent, 1),
        "special_fields": sum(1 for r in inventory if r.get("special")),
        "unencrypted_sensitive": sum(1 for f in findings if f["code"] == "GDPR201"),
        "unencrypted_sensitive_accepted": sum(1 for f in accepted if f["code"] == "GDPR201"),
        "findings": len(findings), "by_severity": {s: sev.get(s, 0) for s in SEVERITIES},
        "accepted": len(accepted), "accepted_by_severity": {s: sum(1 for f in accepted if f["severity"] == s)
                                                            for s in SEVERITIES},
        "not_checked": not_checked,
        "rights": {k: {"reached": a, "total": b} for k, (a, b) in (rights_coverage(inventory) or {}).items()} or None,
        "processors": len(processors), "processors_not_approved": not_approved,
        "processors_outside_eea": [p["name"] for p in processors if p["leaves_eea"]],
        "new_findings": len(diff["new_findings"]) if diff else None,
        "rules_off": off or [],
    }


def hidden_by_policy(head: Snapshot, base: Snapshot | None, jobs: int | None = None) -> list[dict]:
    """When the config changed since the base: the findings the head's code has under the base's
    policy that the head's own policy no longer reports (a first-party domain, a sanitizer, an
    approval or an exclude added in the same change as the code it excuses).  Empty when the
    policy did not change; costs one more scan of the head when it did."""
    if base is None or base.policy.hash == head.policy.hash:
        return []
    again = take_snapshot(head.paths, base.policy, head.root, jobs=jobs)
    shown = Counter(f.fingerprint for f in head.result.findings + head.result.suppressed)
    out = []
    for f in again.result.findings:
        if shown[f.fingerprint]:
            shown[f.fingerprint] -= 1
            continue
        out.append(_finding(f, head.policy))
    return out


def build_review(head: Snapshot, base: Snapshot | None = None, base_ref: str = "", base_commit: str = "",
                 signoffs: list[dict] | None = None, now: _dt.datetime | None = None,
                 hidden: list[dict] | None = None) -> dict:
    """The review as a JSON-ready dict (the content of ``review.json``); ``hidden``: see
    :func:`hidden_by_policy`."""
    policy = head.policy
    now = now or _dt.datetime.now(_dt.timezone.utc)
    from gdpr_lint.reporters.inventory import sort_rows

    everything = [_finding(f, policy) for f in head.result.findings]
    from gdpr_lint.reporters import from_top

    # the baseline records fingerprints from the repository's top (filters/baseline.py)
    top_fp = [t.fingerprint for t in from_top(head.result.findings, head.root)]
    suppressed = [_finding(f, policy) for f in head.result.suppressed]
    # a baseline entry accepts as many findings as its count, as `check --baseline` does
    left = Counter()
    reasons: dict[str, str] = {}
    for e in head.baseline:
        left[e["fingerprint"]] += e.get("count", 1) or 1
        if e.get("reason"):
            reasons[e["fingerprint"]] = e["reason"]
    findings, baselined, tool_problems = [], [], []
    for f, fp in zip(everything, top_fp):
        if f["code"] in NOT_ANALYSED:
            tool_problems.append(f)
        elif fp and left[fp] > 0:
            left[fp] -= 1
            baselined.append({**f, "baselined": True, "suppression_reason": visible(reasons.get(fp, ""))})
        else:
            findings.append({**f, "baselined": False})
    inventory = [{**r, "labels": [_label(policy, c) for c in r.get("categories", [])]}
                 for r in sort_rows(head.result.inventory)]
    processors = _processors(head)
    flows = _flows(head, processors)
    diff = privacy_diff(base, head, base_ref, base_commit) if base is not None else None
    if diff is not None:
        diff["hidden_by_policy"] = hidden or []
        # a finding the new config hides is not resolved: the code that makes it has not changed
        hid = Counter(f["fingerprint"] for f in diff["hidden_by_policy"])
        kept = []
        for f in diff["resolved_findings"]:
            if hid[f["fingerprint"]]:
                hid[f["fingerprint"]] -= 1
            else:
                kept.append(f)
        diff["resolved_findings"] = kept
    content = head.content()
    digest = compute_digest(content)
    git = git_info(head.root)
    if getattr(policy.config, "repository", ""):
        git["repository"] = policy.config.repository  # the identity the gate checks (`repository:` in the config)
    used = {c for r in inventory for c in r.get("categories", [])} | {c for f in findings + suppressed + baselined
                                                                       for c in f["categories"]}
    used |= {e["category"] for e in flows} | {c for p in processors for c in p["categories"]}
    categories = {c: {"label": _label(policy, c), "special": bool(getattr(policy.categories.get(c), "special", False))}
                  for c in sorted(used)}
    return {
        "format": REVIEW_FORMAT,
        "version": REVIEW_VERSION,
        "scope": {**git, "paths": head.paths, "base": base_ref or None, "base_commit": base_commit or None,
                  "date": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
                  "tool": {"name": "gdpr-lint", "version": __version__},
                  "policy": {"hash": policy.hash, "content_hash": content["policy"],
                             "config": _shown(policy.config.path, head.root), "require": list(policy.config.require),
                             "settings": config_settings(policy)},
                  "files": head.result.files, "lines": head.result.lines, "listing": head.listing or None,
                  "untracked": head.untracked},
        "verdict": _verdict(findings, processors, inventory, diff, list(policy.config.require), rules_off(policy),
                            suppressed + baselined, sum(1 for d in head.not_analysed if d["code"] in NOT_ANALYSED)),
        "diff": diff,
        "inventory": inventory,
        "processors": processors,
        "findings": findings,
        "suppressions": suppressed,
        "baselined": baselined,
        "tool_problems": tool_problems,
        "baseline": head.baseline,
        "baseline_error": head.baseline_error or None,
        "excluded": content["excluded"],
        "not_analysed": content["not_analysed"],
        "flows": flows,
        "categories": categories,
        "digest": digest,
        "privacy_content": content,
        "signoffs": signoffs or [],
    }


def to_json(review: dict) -> str:
    """``review.json``: sorted keys, two-space indent, UTF-8, newline at the end."""
    return json.dumps(review, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
