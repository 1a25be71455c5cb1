"""``gdpr-lint baseline`` and ``gdpr-lint init`` (registered on the click group by :func:`register`).

This module imports nothing heavy at import time: ``gdpr_lint.cli`` imports it on start-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gdpr_lint.errors import UsageError, not_empty

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str), default=None, callback=not_empty,
              help="Baseline file to write (default: .gdpr-lint-baseline.json in the current folder).")
@click.option("--config", type=click.Path(path_type=str), callback=not_empty,
              help="Config file (default: found by walking up).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: the cores this process may use; at most those, or 2).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the results cache.")
@click.option("--reason", default="", metavar="TEXT",
              help="Why these findings are accepted, recorded on every entry the file does not have yet "
                   "(the DPO review shows it; reasons already in the file are kept).")
def baseline(paths, output, config, jobs, no_cache, reason) -> None:
    """Record today's findings in PATHS (default: the current folder) so that `check --baseline FILE`
    reports only new ones.

    Entries carry the rule, path, enclosing symbol and a fingerprint of the finding's normalised
    source, never line numbers: moving or re-wrapping code keeps them matched.  Regenerating the
    file keeps the reason of every entry still present.
    """
    from gdpr_lint.cli import _load_policy, _progress_bar, _root_for
    from gdpr_lint.files.discovery import paths_or_here
    from gdpr_lint.filters import baseline as bl
    from gdpr_lint.scan import scan

    paths = paths_or_here(paths)
    policy = _load_policy(config, paths)
    target = Path(output or bl.BASELINE_NAME)
    # the reasons of the file being replaced (a file that cannot be read is replaced: its own error
    # message says to regenerate it; it is not overwritten unseen)
    kept: dict[str, str] = {}
    if target.is_file():
        try:
            kept = bl.reasons_of(bl.load(target))
        except UsageError as exc:
            click.echo(f"gdpr-lint: warning: {exc}; replacing it, its reasons cannot be kept", err=True)
    from gdpr_lint.cache import folder_for

    cache = folder_for(None, no_cache)
    from gdpr_lint.files.discovery import project_context

    targets, root = [Path(p) for p in paths], _root_for(paths)
    result = scan(targets, policy, root=root, jobs=jobs, cache_dir=cache, progress=_progress_bar(),
                  context=project_context(targets, policy.config.exclude, root))  # (as `check FILE` reads them)
    doc = bl.build(result.findings, policy, kept, " ".join(reason.split()), root=result.root)
    bl.write(target, doc)
    left = sum(1 for f in result.findings if f.code in bl.NOT_ANALYSED)
    n, e = len(result.findings) - left, len(doc["entries"])
    files = len({f.path for f in result.findings if f.code not in bl.NOT_ANALYSED})  # (the files with findings)
    unread = (f"; {left} finding{'s' if left != 1 else ''} about files that could not be checked "
              f"({', '.join(sorted(bl.NOT_ANALYSED))}) {'are' if left != 1 else 'is'} not in it: "
              f"{'they stay' if left != 1 else 'it stays'} reported until fixed") if left else ""
    click.echo(f"gdpr-lint: wrote {target}: {n} finding{'s' if n != 1 else ''} as {e} entr{'ies' if e != 1 else 'y'} "
               f"in {files} file{'s' if files != 1 else ''} (of {result.files} checked){unread}; use it with "
               f"`gdpr-lint check --baseline {target}`", err=True)


def _has_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        return "gdpr-lint" in tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return "[tool.gdpr-lint" in text


@click.command()
@click.option("--yaml", "target", flag_value="yaml", help="Write .gdpr-lint.yaml.")
@click.option("--pyproject", "target", flag_value="pyproject",
              help="Append a [tool.gdpr-lint] table to pyproject.toml (created when missing).")
def init(target) -> None:
    """Write a commented starter config in the current folder: `.gdpr-lint.yaml`, or a
    `[tool.gdpr-lint]` table in pyproject.toml (the default when a pyproject.toml exists).
    An existing config is never overwritten."""
    from gdpr_lint.policy.config import CONFIG_NAMES, find_config, load_config_file
    from gdpr_lint.policy.starter import STARTER_TOML, STARTER_YAML

    here = Path.cwd()
    pyproject = here / "pyproject.toml"
    existing = [here / n for n in CONFIG_NAMES if (here / n).is_file()]
    if pyproject.is_file() and _has_table(pyproject):
        existing.append(pyproject)
    if existing:
        where = ", ".join(f"{p.name}" + (" [tool.gdpr-lint]" if p.name == "pyproject.toml" else "")
                          for p in existing)
        raise UsageError(f"a gdpr-lint config already exists here ({where}); edit it, or remove it first "
                         "(init never overwrites a config)")
    target = target or ("pyproject" if pyproject.is_file() else "yaml")
    if target == "yaml":
        path = here / ".gdpr-lint.yaml"
        try:
            with path.open("x", encoding="utf-8") as fh:  # "x": never clobber, even in a race
                fh.write(STARTER_YAML)
        except FileExistsError:
            raise UsageError(f"{path.name} already exists; init never overwrites a config") from None
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    else:
        path = pyproject
        try:
            old = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {pyproject}: {exc}") from None
        sep = "" if not old else ("\n" if old.endswith("\n") else "\n\n")  # one blank line before the table
        new = old + sep + STARTER_TOML
        try:
            tomllib.loads(new)
        except tomllib.TOMLDecodeError as exc:
            problem = "is not valid TOML" if old else "would not be valid TOML"
            raise UsageError(f"{pyproject} {problem} ({exc}); fix it, or use `gdpr-lint init --yaml`") from None
        try:
            with pyproject.open("a", encoding="utf-8") as fh:
                fh.write(sep + STARTER_TOML)
        except OSError as exc:
            raise UsageError(f"cannot write {pyproject}: {exc.strerror or exc}") from None
    load_config_file(path)  # what we wrote must load; a ConfigError here is a bug worth seeing as exit 2
    shown = path.name + (" [tool.gdpr-lint]" if path.name == "pyproject.toml" else "")
    click.echo(f"gdpr-lint: wrote a starter config to {shown}; list your approved processors there", err=True)
    parent = find_config(here.parent) if here.parent != here else None
    if parent is not None:
        click.echo(f"gdpr-lint: note: {parent} is no longer used for this folder (the nearest config wins)",
                   err=True)
