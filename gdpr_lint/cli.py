"""The ``gdpr-lint`` command line (one click group).

Exit codes: 0 nothing to report; 1 findings at or above ``--fail-on``; 2 usage or
configuration error.  A user's mistake is one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from gdpr_lint import __version__
from gdpr_lint.errors import UsageError, not_empty, printable

SEVERITY_CHOICES = ("info", "warning", "error", "never")


def _load_policy(config: str | None, paths: tuple[str, ...], cache: Path | None = None):
    """The effective policy for PATHS (``cache``: the results cache folder, which keeps it too)."""
    from gdpr_lint.policy import load_policy_cached
    from gdpr_lint.policy.config import OrgConfig, find_config, load_config_file

    if config:
        cfg_path = Path(config)
        if cfg_path.is_dir():
            raise UsageError(f"--config {config} is a directory; name the config file itself "
                             "(.gdpr-lint.yaml, gdpr-lint.yaml or pyproject.toml)")
        if not cfg_path.exists():
            raise UsageError(f"config file not found: {config}")
        # (its `exclude` read from the current folder, as ruff reads a config named with --config)
        cfg = load_config_file(cfg_path, anchor=Path.cwd())
    else:
        # the config of the folder that holds everything named, whatever order the paths come in
        # (pre-commit names the changed files in any order)
        # (a path need not exist: a file `--diff` deletes, the name `check -` gives a buffer)
        try:
            # (a broken link is where it stands: its target may be anywhere, the root among them)
            start = Path(os.path.commonpath([os.path.realpath(p) if os.path.exists(p) else os.path.abspath(p)
                                             for p in paths])) if paths else Path.cwd()
        except ValueError:  # (paths on different drives)
            start = Path.cwd()
        while not start.exists() and start != start.parent:
            start = start.parent
        found = find_config(start)
        cfg = load_config_file(found) if found else OrgConfig()
    policy = load_policy_cached(cfg, cache)
    from gdpr_lint.policy.datamap import datamap_for

    datamap_for(policy)  # a broken data map is a configuration error (exit 2), found before scanning
    return policy


def _root_for(paths: tuple[str, ...]) -> Path:
    cwd = Path.cwd()
    return cwd


def _stdin_paths(paths: tuple[str, ...], stdin_filename: str | None, filtered) -> tuple[tuple[str, ...], dict]:
    """For `check -`: ``((PATH,), {PATH: the bytes on stdin})``; usage errors for what cannot go with it."""
    from gdpr_lint.files.source import MAX_BYTES

    if paths != ("-",):
        raise UsageError("--stdin-filename goes with `check -` (the text on stdin), alone"
                         if stdin_filename and "-" not in paths else "`-` (stdin) cannot be combined with other paths")
    if filtered:
        raise UsageError("`check -` checks one text: --diff, --staged and --baseline do not apply")
    name = stdin_filename or "stdin.py"
    if Path(name).is_dir():
        raise UsageError(f"--stdin-filename {name} is a folder; name the file the text is")
    stdin = getattr(sys.stdin, "buffer", None)  # (None when the process was started with stdin closed)
    if stdin is None:
        raise UsageError("`check -` reads the text on stdin, and there is no stdin (it is closed)")
    try:
        data = stdin.read(MAX_BYTES + 1)
    except OSError as exc:  # a folder, or a descriptor that cannot be read
        raise UsageError(f"`check -` cannot read stdin ({' '.join(str(exc).split())[:200]})") from None
    return (name,), {name: data}


def use_color(mode: str, to_terminal: bool, env=None) -> bool:
    """Whether to color: ``--color always``/``never`` decide; ``auto`` colors a terminal, unless
    ``NO_COLOR`` is set (no-color.org), and colors anything when ``FORCE_COLOR`` is set
    (force-color.org); either counts only when not empty."""
    env = os.environ if env is None else env
    if mode != "auto":
        return mode == "always"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return to_terminal


def _progress_bar(quiet: bool = False):
    """A progress callback that draws one line on stderr when it is a terminal (``None`` off a
    terminal, in CI logs, and with ``--quiet``): the stage and its files done of files, e.g.
    ``gdpr-lint: analysing 80 of 169 files``.  The two passes are shown as what they are, each
    with its own count, never as one percentage (the second pass's size is known only after the
    first) and without an estimate of the time left (files differ in cost by a thousand times)."""
    if quiet or not sys.stderr.isatty() or os.environ.get("CI"):
        return None
    state = {"shown": 0, "last": 0.0}

    def update(done: int, total: int, stage: str = "checking") -> None:
        if total < 50:  # a small stage is over before a line would be read
            return
        now = time.monotonic()
        if 0 < done < total and now - state["last"] < 0.1:
            return
        state["last"] = now
        line = f"gdpr-lint: {stage} {done} of {total} files"
        sys.stderr.write("\r" + line.ljust(state["shown"]))
        state["shown"] = len(line)
        if done >= total:  # the stage is over: clear the line for what follows
            sys.stderr.write("\r" + " " * state["shown"] + "\r")
            state["shown"] = 0
        sys.stderr.flush()

    return update


class Group(click.Group):
    """Turns :class:`UsageError` into a clean message and exit code 2, and imports the modules of
    the less used commands only when they run (click's lazy subcommand pattern), so that
    ``gdpr-lint check`` starts quickly."""

    LAZY = {"baseline": "gdpr_lint.commands_ci:baseline", "init": "gdpr_lint.commands_ci:init",
            "review": "gdpr_lint.review.commands:review", "signoff": "gdpr_lint.review.commands:signoff",
            "verify": "gdpr_lint.review.commands:verify", "server": "gdpr_lint.lsp:server"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str):
        if name in self.LAZY and name not in self.commands:
            import importlib

            module, _, attr = self.LAZY[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:  # `gdpr-lint --bogus`
            _usage_error(ctx, exc)
            raise  # not reached

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            click.echo(f"gdpr-lint: error: {printable(str(exc))}", err=True)
            ctx.exit(2)
        except click.UsageError as exc:  # a subcommand's bad option or argument
            _usage_error(ctx, exc)
        except BrokenPipeError:  # `gdpr-lint rules | head`: the reader left; nothing to say to it
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            ctx.exit(1)
        except OSError as exc:  # a path named on the command line that cannot be read: not a crash
            where = f"{exc.filename}: " if exc.filename else ""
            shown = where.encode("utf-8", "backslashreplace").decode("utf-8")
            click.echo(f"gdpr-lint: error: {printable(shown)}{exc.strerror or exc}", err=True)
            ctx.exit(2)


def _usage_error(ctx: click.Context, exc: click.UsageError) -> None:
    """One line and exit code 2 for a bad option or argument (click would print three lines).

    A group called without its command (plain `gdpr-lint`, `gdpr-lint cache`) is re-raised:
    click prints that group's help."""
    if isinstance(exc, getattr(click.exceptions, "NoArgsIsHelpError", ())):
        raise exc
    names, at = [], exc.ctx
    while at is not None and at.parent is not None:  # the root's name is the program's
        names.insert(0, at.info_name)
        at = at.parent
    command = " ".join(["gdpr-lint", *names])
    click.echo(f"gdpr-lint: error: {printable(exc.format_message())} (see `{command} --help`)", err=True)
    ctx.exit(2)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gdpr-lint")
def main() -> None:
    """GDPR code-review policy linter: personal data without retention tags, stored unencrypted,
    written to logs, or sent to processors the organisation has not approved."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github", "gitlab", "markdown"]),
              default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str), callback=not_empty,
              help="Write the report to this file (the summary still goes to stderr).")
@click.option("--config", type=click.Path(path_type=str), callback=not_empty,
              help="Config file (default: found by walking up).")
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default=None,
              help="Lowest severity that makes the exit code 1 (default: warning, or `fail_on` in the config).")
@click.option("--no-fail", is_flag=True, help="Always exit 0 when the scan ran (same as --fail-on never).")
@click.option("--select", multiple=True, help="Only these rule codes or prefixes (repeatable).")
@click.option("--ignore", "ignore_", multiple=True, help="Skip these rule codes or prefixes (repeatable).")
@click.option("--explain", is_flag=True, help="Show why each category was assigned (text format).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: the cores this process may use; at most those, or 2).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the results cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Results cache folder (default: .gdpr-lint-cache at the top of the project the command runs in, else in the current folder).")
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
@click.option("--diff", "diff_base", metavar="BASE", default=None,
              help="Only files and lines changed since the merge base of BASE and HEAD (HEAD: uncommitted changes).")
@click.option("--staged", is_flag=True, help="Only lines changed in the index (what `git commit` would record).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Drop findings recorded in this baseline file (see `gdpr-lint baseline`).")
@click.option("--color", "color_mode", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Color the text report: auto colors on a terminal unless NO_COLOR is set "
                                      "(FORCE_COLOR forces it).")
@click.option("--show-source/--no-show-source", default=True, show_default=True,
              help="Text report: the source lines under each finding, the span marked.")
@click.option("--statistics", is_flag=True, help="Count findings per rule instead of listing them (text or json).")
@click.option("--link-base", metavar="URL", default="",
              help="Markdown: links to findings start with this URL (the blob URL of the commit, ending in /); "
                   "default: from the GitHub Actions or GitLab CI environment, else relative.")
@click.option("--stdin-filename", metavar="PATH", default=None,
              help="With `check -`: the path the text read from stdin is checked as (its config, module "
                   "name and project; the file need not exist).")
@click.option("--include-suppressed", is_flag=True,
              help="SARIF: keep suppressed and baselined findings, marked with their reasons (GitHub would "
                   "open alerts for them; other SARIF readers honour the marks).")
def check(paths, fmt, output, config, fail_on, no_fail, select, ignore_, explain, jobs, no_cache, cache_dir,
          quiet, diff_base=None, staged=False, baseline_file=None, include_suppressed=False, color_mode="auto",
          show_source=True, statistics=False, link_base="", stdin_filename=None) -> None:
    """Check PATHS (files or folders; default: the current folder) and report findings.

    A file named on its own is judged with the facts of its project (the nearest folder at or
    above this one with a .git, pyproject.toml, setup.py, setup.cfg or config), as a check of the
    whole project judges it; the project's other files are surveyed, not reported.

    `check - --stdin-filename PATH` checks the text on stdin as if it were the file PATH (an
    editor's unsaved buffer), with the config and the project around PATH."""
    from gdpr_lint import reporters
    from gdpr_lint.cache import folder_for
    from gdpr_lint.findings import SEVERITY_ORDER
    from gdpr_lint.reporters.summary import one_line
    from gdpr_lint.scan import file_timeout, scan, wall_clock_limit

    if diff_base is not None and not diff_base.strip():
        # (a CI job's base variable left empty: a whole-tree check in place of the change's would
        # pass or fail the gate for what the change did not touch)
        raise UsageError("--diff was given an empty base; name the branch, tag or commit to compare with "
                         "(`--diff origin/main`)")
    if baseline_file is not None and not baseline_file.strip():
        raise UsageError("--baseline was given an empty path; name the baseline file")
    if statistics and fmt not in ("text", "json"):
        raise UsageError(f"--statistics counts findings per rule in text or json, not --format {fmt}")
    if link_base and not link_base.startswith(("https://", "http://")):
        raise UsageError(f"--link-base must be an http(s) URL, got {link_base!r}")
    if link_base and not link_base.endswith("/"):
        link_base += "/"
    given: dict[str, bytes] = {}
    if "-" in paths or stdin_filename:
        paths, given = _stdin_paths(paths, stdin_filename, diff_base or staged or baseline_file)
    from gdpr_lint.files.discovery import paths_or_here

    paths = paths_or_here(paths)
    cache = folder_for(cache_dir, no_cache)
    policy = _load_policy(config, paths, cache)
    ignore_ = tuple(c.strip().upper() for item in ignore_ for c in item.split(",") if c.strip())
    select = tuple(c.strip().upper() for item in select for c in item.split(",") if c.strip())
    for code in (*select, *ignore_):
        if not any(r.startswith(code) or code.startswith(r) for r in policy.rules):
            raise UsageError(f"unknown rule code or prefix {code!r} in --select/--ignore; "
                             "`gdpr-lint rules` lists them")
    from gdpr_lint.policy.config import rules_off

    config_off = rules_off(policy.config)  # before the options: a user who typed --select knows
    if select:
        policy.config.select = list(select)
    if ignore_:
        policy.config.ignore = list(policy.config.ignore) + list(ignore_)
    started = time.perf_counter()
    from gdpr_lint.collector import fewer_collections

    fewer_collections()  # for the whole command: the report of many findings is a big heap too
    with wall_clock_limit(file_timeout()):  # check only: a last resort, far above the analysis budget
        if diff_base or staged or baseline_file:
            from gdpr_lint.filters.diff import scan_for_check

            result = scan_for_check(paths, policy, _root_for(paths), jobs, cache, _progress_bar(quiet), diff_base,
                                    staged, baseline_file, quiet)
        elif given:
            from gdpr_lint.scan import scan_text

            ((name, data),) = given.items()
            result = scan_text(name, data, policy, Path.cwd(), jobs=jobs, cache_dir=cache)
        else:
            from gdpr_lint.files.discovery import project_context

            targets, root = [Path(p) for p in paths], _root_for(paths)
            # files named alone are judged with the facts of their project (its classes, factories,
            # what its functions log), as a scan of the whole project judges them: surveyed (cached),
            # not reported
            result = scan(targets, policy, root=root, jobs=jobs, cache_dir=cache, progress=_progress_bar(quiet),
                          context=project_context(targets, policy.config.exclude, root))
    elapsed = time.perf_counter() - started
    # a report file gets color codes only when asked by name: FORCE_COLOR is for terminals and CI logs
    color = fmt == "text" and (color_mode == "always" if output else use_color(color_mode, sys.stdout.isatty()))
    if statistics and fmt == "json":
        import json

        from gdpr_lint.reporters.text import statistics_rows

        text = json.dumps(statistics_rows(result, policy), indent=2) + "\n"
    else:
        sources = None
        if given:  # the source lines shown are the text given, not the file on disk
            from gdpr_lint.files.source import decode

            shown = decode(next(iter(given.values())))[0] or ""
            sources = {f.path: shown for f in result.findings}
        text = reporters.get(fmt)(result, policy, explain=explain, color=color, include_suppressed=include_suppressed,
                                  show_source=show_source, statistics=statistics, link_base=link_base,
                                  sources=sources)
    if output:
        from gdpr_lint.files.output import write_output

        write_output(output, text)
    else:
        # click drops color codes off a terminal unless told; a report for machines is written as
        # to --output, whatever a name in it holds (an escape code in a file name is that file's)
        click.echo(text, nl=False, color=color if fmt == "text" else True)
    if not quiet:
        click.echo(one_line(result, elapsed), err=True)
        if config_off:  # the config's own choice, but one a reader of "0 findings" must know
            click.echo(f"gdpr-lint: note: the config switches rules off ({'; '.join(config_off)}): their findings "
                       "are not reported", err=True)
    threshold = "never" if no_fail else (fail_on or policy.config.fail_on)
    if threshold != "never" and any(
            SEVERITY_ORDER.get(f.severity, 1) >= SEVERITY_ORDER[threshold] for f in result.findings):
        sys.exit(1)


@main.command()
@click.argument("code", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--processors", is_flag=True,
              help="List the catalogue of known processors (rules/processors.yaml) instead of the rules.")
@click.option("--kind", metavar="KIND", help="With --processors: only this kind of service (payments, ai, ...).")
def rules(code, fmt, processors, kind) -> None:
    """List the rules, or print one rule's documentation (`gdpr-lint rules GDPR301`), or list the
    rules of a prefix (`gdpr-lint rules GDPR3`); with --processors, list the catalogue of known
    processors for the DPO."""
    import json

    from gdpr_lint.policy import load_policy

    if processors and code:
        raise UsageError("give a rule code or --processors, not both")
    if kind and not processors:
        raise UsageError("--kind filters the processor catalogue: use it with --processors")
    policy = load_policy()
    if processors:
        click.echo(_processor_listing(policy, fmt, kind), nl=False)
        return
    listed = list(policy.rules.values())
    if code:
        rule = policy.rules.get(code.upper()) or next(
            (r for r in policy.rules.values() if r.name == code.lower()), None)
        # a prefix, as --select and --ignore take them (`GDPR3`: the logging rules), lists its rules
        listed = [r for r in policy.rules.values() if r.code.startswith(code.upper())] if rule is None else []
        if rule is None and not listed:
            raise UsageError(f"unknown rule {code!r}; `gdpr-lint rules` lists them")
    if code and rule is not None:
        if fmt == "json":
            click.echo(json.dumps(rule.__dict__, indent=2))
            return
        click.echo(f"{rule.code} {rule.name} ({rule.family}, {rule.severity})\n")
        click.echo(f"What it finds\n  {rule.summary}\n")
        click.echo(f"Why it matters ({rule.article})\n  {' '.join(rule.why.split())}\n")
        if rule.example:
            click.echo("Example\n" + "".join(f"    {line}\n" for line in rule.example.rstrip().splitlines()))
        if rule.good_example:
            click.echo("Instead\n" + "".join(f"    {line}\n" for line in rule.good_example.rstrip().splitlines()))
        click.echo(f"Fix\n  {' '.join(rule.fix.split())}")
        return
    if fmt == "json":
        click.echo(json.dumps([r.__dict__ for r in listed], indent=2))
        return
    for rule in listed:
        click.echo(f"{rule.code}  {rule.name:<40} {rule.family:<10} {rule.severity:<8} {rule.summary}")


def _processor_listing(policy, fmt: str, kind: str | None) -> str:
    """The processor catalogue as a table (text) or a JSON list, ordered by kind and name."""
    import json

    if kind and kind not in policy.processor_kinds:
        raise UsageError(f"unknown kind {kind!r}; kinds: {', '.join(sorted(policy.processor_kinds))}")
    # the catalogue itself, not processors an organisation's config adds (this command reads no config)
    entries = sorted((p for p in policy.processors.values() if not kind or p.kind == kind),
                     key=lambda p: (p.kind, p.name))
    if fmt == "json":
        return json.dumps([{"name": p.name, "vendor": p.vendor, "country": p.country, "eea": p.eea, "kind": p.kind,
                            "service": p.service, "role": p.role, "sdk": list(p.sdk), "hosts": list(p.hosts),
                            "packages": list(p.packages)} for p in entries], indent=2) + "\n"
    header = ("NAME", "VENDOR", "COUNTRY", "EEA", "KIND", "ROLE", "SERVICE")
    rows = [(p.name, p.vendor, p.country, "yes" if p.eea else "no", p.kind, p.role, p.service) for p in entries]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(r, widths)), r[-1]]).rstrip() for r in [header, *rows]]
    roles = {role: sum(1 for p in entries if p.role == role) for role in ("processor", "telemetry", "infrastructure")}
    lines.append("")
    lines.append(f"{len(entries)} entries: {roles['processor']} processors, {roles['telemetry']} telemetry (the "
                 f"logging rules), {roles['infrastructure']} infrastructure. Approve a processor by its NAME under "
                 "`approved_processors` in the config; `--format json` adds SDK roots, hosts and packages.")
    return "\n".join(lines) + "\n"


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["markdown", "csv", "json", "fides"]), default="markdown",
              show_default=True, help="Output format (fides: a Fides manifest in YAML, the dataset and the system with its "
                   "privacy declarations).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str), callback=not_empty,
              help="Write the inventory to this file (the coverage line still goes to stderr).")
@click.option("--config", type=click.Path(path_type=str), callback=not_empty,
              help="Config file (default: found by walking up).")
@click.option("--table", type=click.Choice(["fields", "recipients", "gaps"]), default="fields", show_default=True,
              help="With --format csv: which section of the record, as one sheet-ready table.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None, metavar="PERCENT",
              help="Exit 1 when fewer than PERCENT of the personal-data fields carry every required tag key.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: the cores this process may use; at most those, or 2).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the results cache.")
def inventory(paths, fmt, output, config, table, min_coverage, jobs, no_cache) -> None:
    """Records of processing (Art. 30): every personal-data field in PATHS with its categories,
    retention, lawful basis, purpose and data subject."""
    from gdpr_lint.reporters import inventory as inv
    from gdpr_lint.scan import scan

    if table != "fields" and fmt != "csv":
        raise UsageError("--table picks a section of the CSV record: use it with --format csv")
    from gdpr_lint.files.discovery import paths_or_here

    paths = paths_or_here(paths)
    policy = _load_policy(config, paths)
    from gdpr_lint.cache import folder_for

    cache = folder_for(None, no_cache)
    result = scan([Path(p) for p in paths], policy, root=_root_for(paths), jobs=jobs, cache_dir=cache,
                  progress=_progress_bar())
    receivers = inv.recipients(inv.from_repository_top(result.disclosures, result.root, Path(paths[0])), policy)
    rows = inv.sort_rows(inv.with_recipients(inv.from_repository_top(result.inventory, result.root, Path(paths[0])),
                                             receivers))
    cov = inv.coverage(rows, policy.config.require)
    if fmt == "markdown":
        text = inv.to_markdown(rows, policy, receivers=receivers)
    elif fmt == "csv":
        text = inv.to_csv_table(table, rows, receivers)
    elif fmt == "json":
        text = inv.to_json(rows, cov, policy, receivers)
    else:
        first = Path(paths[0]).resolve()
        name = (first.stem if first.is_file() else first.name) or Path.cwd().name
        from gdpr_lint.reporters.fides import to_fides

        text = to_fides(rows, policy, name, receivers)
    if output:
        from gdpr_lint.files.output import write_output

        write_output(output, text, newline="")
    else:
        click.echo(text, nl=False, color=True)  # as to --output (see `check`)
    from gdpr_lint.findings import NOT_ANALYSED

    skipped = sorted({f.path for f in result.findings if f.code in NOT_ANALYSED})
    if skipped:
        click.echo(f"gdpr-lint: {len(skipped)} file(s) could not be analysed, in whole or in part; the fields "
                   f"in what was not analysed are missing (first: {skipped[0]})", err=True)
    click.echo(inv.coverage_line(cov), err=True)
    if min_coverage is not None and cov[2] < min_coverage:
        click.echo(f"gdpr-lint: tag coverage {cov[2]:.1f}% is below --min-coverage {min_coverage:g}%", err=True)
        sys.exit(1)


@main.group("cache")
def cache_group() -> None:
    """The results cache (.gdpr-lint-cache at the top of the project the command runs in, else in the current
    folder; or $GDPR_LINT_CACHE_DIR)."""


@cache_group.command("clear")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Cache folder (default: .gdpr-lint-cache at the top of the project the command runs in, else in "
                   "the current folder; or $GDPR_LINT_CACHE_DIR).")
def cache_clear(cache_dir) -> None:
    """Delete every cached result."""
    from gdpr_lint.cache import Cache, default_folder

    folder = Path(cache_dir) if cache_dir else default_folder()
    try:
        count = Cache(folder).clear()
    except OSError as exc:
        raise UsageError(str(exc)) from None
    click.echo(f"gdpr-lint: removed {count} cached entries from {folder}", err=True)




if __name__ == "__main__":  # pragma: no cover
    main()
