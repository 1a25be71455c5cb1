"""Analyse one file: parse once, resolve names, run every check, apply suppressions.

:func:`analyze_source` is the engine's single entry point per file and never raises for bad
input: a syntax error is a GDPR901 finding, an internal failure a GDPR905 finding.
"""

from __future__ import annotations

import ast
import os
import re

import libcst as cst
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from gdpr_lint.classify import Classifier, Match
from gdpr_lint.engine.budget import MAX_NESTING, over_budget, too_deeply_nested
from gdpr_lint.engine.fields import FieldChecks
from gdpr_lint.engine.flow import Flow
from gdpr_lint.engine.names import ImportResolver, Resolver
from gdpr_lint.engine.positions import Positions
from gdpr_lint.engine.schemas import SchemaFinder
from gdpr_lint.engine.sinks import Sinks
from gdpr_lint.engine.tree import import_statements
from gdpr_lint.engine.walker import Walker
from gdpr_lint.facts.project import ProjectFacts
from gdpr_lint.filters.suppressions import apply_suppressions
from gdpr_lint.findings import Finding, source_hash, tool_finding
from gdpr_lint.policy import Policy
from gdpr_lint.policy.comments import CommentIndex


class FileContext:
    """Per-file state shared by the checks: positions, comments, and the findings made so far."""

    def __init__(self, path: str, source: str, module: cst.Module, wrapper: MetadataWrapper, policy: Policy) -> None:
        self.path = path
        self.source = source
        self.module = module
        self._wrapper = wrapper
        self._positions = None
        self.policy = policy
        self.comments = CommentIndex(source)
        self.findings: list[Finding] = []
        self._seen: set[tuple] = set()
        self.inventory: list[dict] = []
        self.symbol = ""
        self.suppressed: list[Finding] = []

    @property
    def positions(self) -> Positions:
        """Node positions, resolved on first use and per top-level statement (see :class:`Positions`)."""
        if self._positions is None:
            self._positions = Positions(self.module, self.source)
        return self._positions

    def disclose(self, recipient: str, node: cst.CSTNode, taint, how: str) -> None:
        """Record that personal data reaches a third party (a disclosure row, see
        :data:`gdpr_lint.findings.DISCLOSURE_TYPES`), whether or not it is approved."""
        pos = self.positions.get(node)
        categories = sorted({m.category for m in taint if m.category != "user.unique_id.pseudonymous"})
        if pos is None or not categories:
            return
        self.inventory.append({"kind": "disclosure", "path": self.path, "line": pos.start.line,
                               "recipient": recipient, "categories": categories, "how": how,
                               "symbol": self.symbol})

    def report(self, code: str, node: cst.CSTNode, message: str, taint=(), sink: str = "", processor: str = "",
               symbol: str | None = None) -> None:
        """Make a finding for ``node`` (deduplicated per code, line and categories)."""
        policy = self.policy
        if not policy.is_enabled(code):
            return
        rule = policy.rules[code]
        pos = self.positions.get(node)
        if pos is None:
            return
        matches: list[Match] = sorted(taint)
        categories = sorted({m.category for m in matches})
        key = (code, pos.start.line, tuple(categories), message)
        if key in self._seen:
            return
        self._seen.add(key)
        try:
            snippet = self.module.code_for_node(node)
        except Exception:  # noqa: BLE001 - code_for_node works on every node we report; be safe
            snippet = ""
        labels = [policy.categories[c].label if c in policy.categories else c for c in categories]
        full = f"{message}: {', '.join(labels)}" if labels else message
        self.findings.append(Finding(
            code=code, name=rule.name, family=rule.family, severity=policy.severity_of(code), path=self.path,
            line=pos.start.line, column=pos.start.column + 1, end_line=pos.end.line, end_column=pos.end.column + 1,
            message=full, categories=categories, fix=" ".join(rule.fix.split()),
            reasons=sorted({f"{m.category}: {m.reason}" for m in matches}, key=_natural),
            symbol=symbol if symbol is not None else self.symbol, snippet=snippet[:2000], sink=sink,
            processor=processor, source_hash=source_hash(snippet)))  # the whole node: the fingerprint has no cut-off


def analyze_source(path: str, source: str, policy: Policy, classifier: Classifier | None = None,
                   module_name: str = "",
                   project=None, is_package: bool = False,
                   ) -> tuple[list[Finding], list[Finding], list[dict]]:
    """Analyse one file's source text.

    Args:
        path: the path to show in findings (relative to the scan root when possible).
        source: the file's text.
        policy: the effective policy.
        classifier: a shared classifier (built from ``policy`` when omitted).
        module_name: the dotted module name, for data-map keys (``shop.models``).
        project: the project facts (:class:`~gdpr_lint.facts.project.ProjectFacts`): schema classes
            of the scanned tree and what each class is about.
        is_package: the file is a package's ``__init__.py`` (for relative imports).

    Returns:
        ``(findings, suppressed, inventory_rows)``: findings sorted with suppressions applied; the
        suppressed findings with their reasons; one inventory row per personal-data field.
    """
    classifier = classifier or Classifier(policy)
    deep = too_deeply_nested(source)
    if deep:
        return [tool_finding(policy, "GDPR901", path, "syntax error, file not checked: too many nested parentheses "
                             f"(more than {MAX_NESTING} levels, which Python itself refuses)", deep)], [], []
    problem, line = over_budget(source)  # decided from the text: libcst could crash, or take minutes
    if problem:
        return [tool_finding(policy, "GDPR905", path, f"file not checked: {problem}", line or 1)], [], []
    try:
        module = parse_module(source)
    except cst.ParserSyntaxError as exc:
        line, column, message = _python_syntax_error(source) or (exc.raw_line or 1, (exc.raw_column or 0) + 1,
                                                                 exc.message)
        expected = exc.message.rpartition(": ")[2]
        if message == "invalid syntax" and expected.startswith("expected"):
            message = f"invalid syntax ({expected[:200]})"
        return [tool_finding(policy, "GDPR901", path, f"syntax error, file not checked: {message}",
                             line, column)], [], []
    except (RecursionError, MemoryError, ValueError) as exc:
        return [tool_finding(policy, "GDPR905", path, f"could not parse the file ({type(exc).__name__})")], [], []
    try:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        ctx = FileContext(path, source, module, wrapper, policy)
        if os.environ.get("GDPR_LINT_SCOPE_ANALYSIS") == "1":  # libcst's full scope analysis (slow)
            resolver = Resolver(wrapper.resolve(QualifiedNameProvider))
        else:
            resolver = ImportResolver(module)
        facts = project if isinstance(project, ProjectFacts) else ProjectFacts(schemas=dict(project or {}))
        flow = Flow(policy, classifier, resolver, facts)
        flow.forget_own_sdk(module_name)
        sinks = Sinks(policy, flow, ctx.report, shown_exceptions=facts.shown_exceptions,
                      cli_module=is_cli_module(path, source, resolver, policy), facts=facts, module=module_name,
                      package=module_name if is_package else module_name.rpartition(".")[0], disclose=ctx.disclose)
        schemas = SchemaFinder(resolver, policy.frameworks, facts.schemas, module_name, is_package)
        FieldChecks(ctx, classifier, schemas, module_name, facts).run()
        _check_imports(ctx, flow)
        _check_code_loaders(ctx, resolver, policy)
        if "FileType" in source:  # argparse: `args.out` is a file opened for writing
            flow.note_file_arguments(module)
        walker = Walker(flow, sinks, ctx)
        walker.run_module(module)
        sinks.check_log_config(module, source, getattr(walker, "module_env", None))
    except RecursionError:
        return [tool_finding(policy, "GDPR905", path, "file nests too deeply to analyse; it was skipped")], [], []
    findings = apply_suppressions(ctx)
    if walker.exhausted:
        findings.append(tool_finding(policy, "GDPR905", path, "file too large to follow data flow completely; "
                                     "logging, storage and processor checks stopped part-way"))
    for f in findings:
        f.finish()
    findings.sort(key=Finding.sort_key)
    for f in ctx.suppressed:
        f.finish()
    return findings, ctx.suppressed, ctx.inventory


def is_cli_module(path: str, source: str, resolver, policy: Policy) -> bool:
    """Whether a module is a command-line program, whose ``print()`` goes to the operator who ran it
    (JUDGEMENT.md): it imports a command-line library (``sinks.yaml`` ``operator_output``), runs
    code under ``if __name__ == "__main__":``, sits in a folder of commands (``management/commands``),
    or defines a command class (a subclass of ``sinks.yaml`` ``stream_bases``, Django's ``BaseCommand``)."""
    spec = policy.sinks.get("operator_output") or {}
    if "__main__" in source and re.search(r"__name__\s*==\s*['\"]__main__['\"]", source):
        return True
    roots = {target.split(".")[0] for target in getattr(resolver, "aliases", {}).values()}
    if roots & set(spec.get("cli_imports", ())):
        return True
    folders = "/" + path.replace("\\", "/").rpartition("/")[0] + "/"
    if any(f"/{folder.strip('/')}/" in folders for folder in spec.get("cli_folders", ())):
        return True
    # a class of the module is a command (`class BaseImporter(BaseCommand)`, in any folder): its
    # print() goes to the operator who runs the command, as a command's own does
    bases = set(spec.get("stream_bases", ()))
    aliases = getattr(resolver, "aliases", {})
    for m in _CLASS_BASES.finditer(source):
        for base in m.group(1).split(","):
            head, _, rest = base.strip().partition(".")
            target = aliases.get(head)
            if target and (f"{target}.{rest}" if rest else target) in bases:
                return True
    return False


_CLASS_BASES = re.compile(r"^[ \t]*class[ \t]+\w+[ \t]*\(([^()]*)\)", re.M)


def _python_syntax_error(source: str) -> tuple[int, int, str] | None:
    """``(line, column, message)`` of the error as Python reports it (libcst's position can be a
    line or two past it, and its message lists tokens); ``None`` when Python accepts the file."""
    try:
        ast.parse(source)
    except SyntaxError as exc:
        if not exc.lineno:
            return None
        return exc.lineno, max(exc.offset or 1, 1), exc.msg
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _no_validation(self) -> None:
    return None


def parse_module(source: str) -> cst.Module:
    """``libcst.parse_module`` without re-validating every node it builds.

    libcst validates each node in ``__post_init__`` (a tenth of the engine's time), which only
    matters for trees built by hand: the parser builds valid ones (libcst's own comment in
    ``CSTNode.__post_init__`` suggests skipping it when parsing).  Validation is back on for
    everything else as soon as the parse returns.  Not for use from several threads at once.

    Raises:
        libcst.ParserSyntaxError: the source does not parse.
    """
    base = cst.CSTNode
    original = base.__dict__["__post_init__"]
    base.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        return cst.parse_module(source)
    finally:
        base.__post_init__ = original  # type: ignore[method-assign]


def _check_imports(ctx: FileContext, flow: Flow) -> None:
    """GDPR401: an import of an unapproved processor's SDK (reported on the first import line of each
    processor in the file: `captcha.fields` and `captcha.widgets` are one use of reCAPTCHA)."""
    policy = ctx.policy
    reported: set[str] = set()
    for node in _imports(ctx.module):
        modules: list[str] = []
        if isinstance(node, cst.Import):
            modules = [_dotted_module(a.name) for a in node.names]
        elif isinstance(node, cst.ImportFrom) and node.module is not None and not node.relative:
            base = _dotted_module(node.module)
            modules = []
            if not isinstance(node.names, cst.ImportStar):  # the imported names first: the longest root wins
                modules += [f"{base}.{a.name.value}" for a in node.names if isinstance(a.name, cst.Name)]
            modules.append(base)
        for name in modules:
            proc = flow.processor_of((name,))
            if not proc:
                continue
            info = policy.processors[proc]
            if info.infrastructure or proc in policy.approved or proc in reported:
                break
            reported.add(proc)
            ctx.report("GDPR401", node, f"imports the SDK of {info.vendor} ({info.service}, {info.country}), "
                       "which is not an approved processor", (), sink="import", processor=proc, symbol="<module>")
            break


def _natural(text: str) -> list:
    """A sort key that orders the numbers in a text by value (``views.py:6`` before ``views.py:12``)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _check_code_loaders(ctx: FileContext, resolver, policy) -> None:
    """GDPR906: a call that runs code from a file by its path (``sinks.yaml`` ``code_loaders``)."""
    spec = policy.sinks.get("code_loaders") or {}
    functions = frozenset(spec.get("functions") or ())
    evaluators = frozenset(spec.get("evaluators") or ())
    reads = frozenset(spec.get("file_reads") or ())
    source = ctx.source.replace(" (", "(")
    if not any(f.rpartition(".")[2] + "(" in source for f in functions) and not (
            any("." + r + "(" in source for r in reads) and re.search(
                r"(?<![\w.])(?:" + "|".join(map(re.escape, evaluators)) + r")\(", source)):
        return  # (a builtin `compile(` or `exec(`, not `re.compile(`)
    from gdpr_lint.engine.tree import children

    stack: list[cst.CSTNode] = [ctx.module]
    while stack:
        node = stack.pop()
        stack.extend(children(node))
        if not isinstance(node, cst.Call):
            continue
        names = resolver.qnames(node.func)
        if any(n in functions for n in names):
            what = next(n for n in names if n in functions)
        elif isinstance(node.func, cst.Name) and node.func.value in evaluators and _reads_a_file(node, reads):
            what = f"{node.func.value}() of a file's text"
        else:
            continue
        ctx.report("GDPR906", node, f"runs code from a file by its path ({what}): gdpr-lint does not read what "
                   "it runs", (), sink="code loader", symbol="<module>")


def _reads_a_file(call: cst.Call, reads: frozenset[str]) -> bool:
    stack: list[cst.CSTNode] = [a.value for a in call.args]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in reads:
            receiver = node.func.value  # open(p).read(), Path(p).read_text(), fh.read(); not sys.stdin.read()
            if isinstance(receiver, cst.Call) or isinstance(receiver, cst.Name) and "stdin" not in receiver.value:
                return True
        stack.extend(children_of(node))
    return False


def children_of(node: cst.CSTNode):
    from gdpr_lint.engine.tree import children

    return children(node)


def _imports(module: cst.Module):
    return import_statements(module)


def _dotted_module(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted_module(node.value)}.{node.attr.value}"
    return ""
