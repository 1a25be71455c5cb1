"""``check --diff BASE`` / ``--staged`` / ``--baseline``: scan what a change touches, report what it adds.

Which findings a diff keeps (documented in ``docs/ci.md``):

1. Only Python files added, modified or renamed since the merge base (and, for the working
   tree, untracked files that are not ignored) are scanned, and only those under PATHS.
   With ``--staged`` the files' staged contents are scanned, not the working tree.
2. A finding is kept when its statement changed: a line in ``[line, end_line]`` was added or
   changed, or lines were removed inside it.
3. A change can cause a finding on a line it did not touch.  Kept as well, for fields
   (retention findings and GDPR201 unencrypted columns, whose symbol is ``Class.field``):
   the comment line directly above the field was added or changed, or a line directly above
   the field was removed (a field tag lives there); or the class's header (decorators,
   ``class ...(bases):`` lines) or the comment block above the class (class-level tags) was
   changed or had lines removed.  So removing or breaking a class tag reports every field it
   covered, and turning a plain class into a model reports its fields.
4. GDPR901/902/905 (the file could not be parsed, read or analysed) are kept for every changed
   file: nothing else in it was checked.
5. Every finding is kept in a changed file whose lines git numbers otherwise than Python reads
   them (a lone ``\r`` line break, or a codec such as UTF-7 in which ``+AAo-`` is a line break).

Not covered: data flow across unchanged lines (``v = user.email`` changed above an unchanged
``log.info(v)``; a new call passing personal data to an unchanged helper that writes it to a
file, reported at the helper's write), config or policy changes (they are not in the diff), and dependency
manifests (no rule reads them yet).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import tempfile
from pathlib import Path

import click

from gdpr_lint.errors import UsageError
from gdpr_lint.files.gitdiff import FileChange, changes, staged_text
from gdpr_lint.files.source import decode, lines_as_git_counts, python_lines, read_bytes
from gdpr_lint.findings import NOT_ANALYSED, Finding

FILE_LEVEL = NOT_ANALYSED
FIELD_CODES_PREFIX = ("GDPR1",)  # retention family
FIELD_CODES = ("GDPR201",)


def _within(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def _touches(change: FileChange, first: int, last: int) -> bool:
    """Lines ``first..last`` were added/changed, or lines were removed strictly inside them."""
    if any(first <= n <= last for n in change.added):
        return True
    return any(first <= n < last for n in change.deleted_after)


def _class_zone(text: str, owner: str) -> list[tuple[int, int]]:
    """Line ranges of each ``class owner`` header: the comment block above, decorators, ``class`` lines."""
    lines = python_lines(text)
    headers: list[tuple[int, int]] = []
    try:
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == owner:
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                last = max(node.lineno, node.body[0].lineno - 1) if node.body else node.lineno
                headers.append((first, last))
    except (SyntaxError, ValueError, RecursionError):  # newer syntax than this Python: a plain text search
        pattern = re.compile(rf"^\s*class\s+{re.escape(owner)}\b")
        for i, line in enumerate(lines, start=1):
            if pattern.match(line):
                first = i
                while first > 1 and lines[first - 2].lstrip().startswith("@"):
                    first -= 1
                headers.append((first, i))
    zones = []
    for first, last in headers:
        top = first
        while top > 1 and lines[top - 2].lstrip().startswith("#"):
            top -= 1
        zones.append((top, last))
    return zones


class _Texts:
    """New file texts, read on demand with the one reader (as Python decodes them)."""

    def __init__(self, sources: dict[str, Path]) -> None:
        self.sources = sources
        self.cache: dict[str, tuple[str, bool]] = {}

    def _load(self, shown: str) -> tuple[str, bool]:
        if shown not in self.cache:
            data, text = None, None
            if shown in self.sources:
                data, _problem, _digest = read_bytes(self.sources[shown])
                text = decode(data)[0] if data is not None else None
            # a file whose lines git numbers otherwise than Python (a lone \r, UTF-7's +AAo-) has
            # no reliable changed lines: every finding in it counts as changed
            self.cache[shown] = (text or "", data is not None and text is not None and lines_as_git_counts(data, text))
        return self.cache[shown]

    def get(self, shown: str) -> str:
        return self._load(shown)[0]

    def renumbered(self, shown: str) -> bool:
        """Whether git's line numbers of the file are not the lines the findings give."""
        return not self._load(shown)[1]


def caused_by_change(f: Finding, change: FileChange, texts: _Texts) -> bool:
    """Whether the change touches ``f`` (its statement, or for fields the tag and class header lines)."""
    if f.code in FILE_LEVEL or change.new_file or texts.renumbered(f.path):
        return True
    if _touches(change, f.line, max(f.end_line, f.line)):
        return True
    if not (f.code.startswith(FIELD_CODES_PREFIX) or f.code in FIELD_CODES) or "." not in f.symbol:
        return False
    text = texts.get(f.path)
    lines = python_lines(text)
    above = f.line - 1
    if above >= 1 and above in change.added and above <= len(lines) and lines[above - 1].lstrip().startswith("#"):
        return True
    if above in change.deleted_after:
        return True
    owner = f.symbol.rsplit(".", 1)[0].rsplit(".", 1)[-1]
    for top, last in _class_zone(text, owner):
        if last < f.line and (any(top <= n <= last for n in change.added)
                              or any(top - 1 <= n < last for n in change.deleted_after)):
            return True
    return False


def _mirror_packages(real: Path, copy: Path, top: Path) -> None:
    """Empty ``__init__.py`` files in the staged copy where the real folders are packages (module names)."""
    while real != top and top in real.parents and (real / "__init__.py").is_file():
        if not (copy / "__init__.py").exists():
            (copy / "__init__.py").write_bytes(b"")
        real, copy = real.parent, copy.parent


def scan_for_check(paths: tuple[str, ...], policy, root: Path, jobs, cache_dir, progress, diff_base: str | None,
                   staged: bool, baseline_file: str | None, quiet: bool = False):
    """The scan behind ``check`` with ``--diff``, ``--staged`` and/or ``--baseline``.

    Returns the :class:`~gdpr_lint.scan.ScanResult` with only the findings to report.
    Raises :class:`~gdpr_lint.errors.UsageError` for git problems and a bad baseline file.
    """
    from gdpr_lint.files.discovery import discover, is_excluded
    from gdpr_lint.filters import baseline as bl
    from gdpr_lint.scan import display_path, scan

    base_doc = bl.load(Path(baseline_file)) if baseline_file else None
    tmp: str | None = None
    try:
        file_changes: dict[str, FileChange] | None = None
        sources: dict[str, Path] = {}
        remap: dict[str, str] = {}
        found = changes(Path.cwd(), diff_base, staged) if diff_base or staged else None
        if found is not None and staged and not diff_base and not found.files and paths != (".",) and not any(
                _within(found.toplevel.resolve() / gone, [Path(p).resolve() for p in paths]) for gone in found.gone):
            # nothing staged, and files named: `pre-commit run --all-files` (what pre-commit.ci runs)
            # hands every file to a hook with `args: [--staged]`; checking the staged lines of none
            # would pass any tree.  Check what was named, whole (unless the staged change deletes
            # a path named: a hook handed the file it removes has nothing to check).
            for p in paths:  # (a path that is not there is the error, without the note before it)
                if not Path(p).exists() and not Path(p).is_symlink():
                    raise UsageError(f"path does not exist: {p}")
            if not quiet:
                click.echo("gdpr-lint: nothing is staged: checking the files given in full" if not found.listed else
                           "gdpr-lint: no Python file is staged: checking the files given in full", err=True)
            found = None
        if found is not None:
            roots = [Path(p).resolve() for p in paths]
            top = found.toplevel.resolve()
            for p, real in zip(paths, roots):
                # a path named that is not there is a mistake (as `check nope.py` says), unless
                # the change deletes or renames it away (then nothing of it is left to check)
                if not Path(p).exists() and not Path(p).is_symlink() and not any(
                        _within(top / gone, [real]) for gone in found.gone):
                    raise UsageError(f"path does not exist: {p}")
            picked = [(rel, c) for rel, c in sorted(found.files.items()) if _within((top / rel), roots)]
            scan_root = root
            files: list[Path] = []
            if staged:
                tmp = tempfile.mkdtemp(prefix="gdpr-lint-staged-")
                try:
                    cwd_rel = root.resolve().relative_to(top)
                except ValueError:
                    cwd_rel = Path()
                scan_root = Path(tmp) / cwd_rel
                scan_root.mkdir(parents=True, exist_ok=True)
            file_changes = {}
            named_absolute = any(os.path.isabs(p) for p in paths)  # (shown as given, as `check /abs/x.py` does)
            for rel, change in picked:
                real = top / rel
                shown = display_path(real, root)
                if os.path.isabs(shown) and not named_absolute:  # above the current folder, named as
                    shown = Path(os.path.relpath(real, root.absolute())).as_posix()  # `check ../app/views.py` shows it
                if staged:
                    if is_excluded(real, policy.config.exclude, root):
                        # (judged by its own path: the copy sits outside the config's folder; it
                        # counts among the files changed, as an excluded file does without --staged)
                        file_changes[shown] = change
                        continue
                    copy = Path(tmp) / rel
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    copy.write_bytes(staged_text(top, rel))
                    _mirror_packages(real.parent, copy.parent, top)
                    files.append(copy)
                    remap[display_path(copy, scan_root)] = shown
                    sources[shown] = copy
                else:
                    if not real.exists() and not real.is_symlink():
                        continue
                    files.append(real)
                    sources[shown] = real
                    if shown != display_path(real, root):  # (the scan shows it by its absolute path)
                        remap[display_path(real, root)] = shown
                file_changes[shown] = change
            from gdpr_lint.files.discovery import discover_all

            # (the staged copies were judged by the config's excludes already, by their real paths)
            python, manifests = discover_all(files, [] if staged else policy.config.exclude, scan_root) \
                if files else ([], [])
            files = [*python, *manifests]  # a changed requirements file is checked too (GDPR406)
            # the rest of the work tree is surveyed for class headers only: a changed schema whose
            # base class lives in an unchanged file is still recognised
            context = discover([top], policy.config.exclude, top) if python else []
            result = scan(files, policy, root=scan_root, jobs=jobs, cache_dir=cache_dir, progress=progress,
                          context=context)
            result.root = root
            if remap:
                for f in (*result.findings, *result.suppressed):
                    real_path = remap.get(f.path, f.path)
                    if real_path != f.path:
                        f.path = real_path
                        f.finish()
                for row in (*result.inventory, *result.disclosures):
                    row["path"] = remap.get(row.get("path"), row.get("path"))
            scanned = set(file_changes)
        else:
            from gdpr_lint.files.discovery import discover_all

            python, manifests = discover_all([Path(p) for p in paths], policy.config.exclude, root)
            scanned = {display_path(p, root) for p in (*python, *manifests)}
            # the paths as given, as `check` scans them: the manifests too (GDPR406)
            from gdpr_lint.files.discovery import project_context

            targets = [Path(p) for p in paths]  # (files named alone: with their project's facts, as `check` reads them)
            result = scan(targets, policy, root=root, jobs=jobs, cache_dir=cache_dir, progress=progress,
                          context=project_context(targets, policy.config.exclude, root))
        if base_doc is not None:
            outcome = bl.apply(result.findings, base_doc, scanned, root)
            result.findings = outcome.findings
            result.baselined = outcome.accepted
            if not quiet:
                click.echo(bl.summary_line(outcome, base_doc), err=True)
                if base_doc.policy and base_doc.policy != policy.hash:
                    click.echo(f"gdpr-lint: note: {base_doc.path} was made with another policy or config "
                               f"({base_doc.policy}, now {policy.hash}); findings still match by fingerprint",
                               err=True)
        if file_changes is not None:
            texts = _Texts(sources)
            result.findings = [f for f in result.findings
                               if f.path in file_changes and caused_by_change(f, file_changes[f.path], texts)]
            result.suppressed = [f for f in result.suppressed
                                 if f.path in file_changes and caused_by_change(f, file_changes[f.path], texts)]
            result.baselined = [f for f in result.baselined
                                if f.path in file_changes and caused_by_change(f, file_changes[f.path], texts)]
            result.changes_only = True  # no "are the paths right?" hint when a change touches no file
            if not quiet:
                what = "staged changes" if staged and not diff_base else f"changes since {diff_base}"
                # staged changes are against the commit checked out, not a merge base
                base = f"against {found.base[:12]}" if staged and not diff_base else f"merge base {found.base[:12]}"
                if file_changes:
                    click.echo(f"gdpr-lint: {what} ({base}): {len(file_changes)} changed "
                               f"file{'s' if len(file_changes) != 1 else ''} checked", err=True)
                elif staged and not diff_base and not found.listed:
                    click.echo(f"gdpr-lint: nothing is staged ({base}): nothing to check (files named are "
                               "checked in full when nothing is staged)", err=True)
                elif found.files:  # Python files changed, none under the paths (a run from a subfolder)
                    where = "this folder" if tuple(paths) == (".",) else ", ".join(paths)
                    click.echo(f"gdpr-lint: {what} ({base}) touch no Python file or dependency manifest "
                               f"in {where} ({len(found.files)} elsewhere in the repository): nothing to check",
                               err=True)
                else:
                    gone = sum(1 for g in found.gone if g.endswith(".py"))
                    click.echo(f"gdpr-lint: {what} ({base}) " + (
                        f"only delete or rename away Python files ({gone}): nothing left to check" if gone else
                        "touch no Python file or dependency manifest: nothing to check"), err=True)
        result.findings.sort(key=Finding.sort_key)
        return result
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
