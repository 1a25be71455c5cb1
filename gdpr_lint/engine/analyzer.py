"""Analyse one file: parse once, resolve names, run every check, apply suppressions.

:func:`analyze_source` is the engine's single entry point per file and never raises for bad
input: a syntax error is a GDPR901 finding, an internal failure a GDPR905 finding.
"""

from __future__ import annotations

import ast
import os
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import libcst as cst
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from gdpr_lint.classify import Classifier, Match
from gdpr_lint.collector import paused
from gdpr_lint.engine.budget import (
    MAX_NESTING,
    MAX_WORK,
    budget_problem,
    measure,
    over_budget,
    too_deeply_nested,
)
from gdpr_lint.engine.fields import FieldChecks
from gdpr_lint.engine.flow import Flow
from gdpr_lint.engine.focus import NOTHING
from gdpr_lint.engine.names import ImportResolver, Resolver, import_aliases
from gdpr_lint.engine.positions import Positions
from gdpr_lint.engine.reach import (
    class_statements_read,
    cut,
    may_hold_records,
    may_load_code,
    record_call_names,
)
from gdpr_lint.engine.record_classes import NO_CLASSES, RecordClasses, Spot
from gdpr_lint.engine.schemas import SchemaFinder
from gdpr_lint.engine.sinks import Sinks
from gdpr_lint.engine.tree import import_statements, parse_module, python_syntax_error
from gdpr_lint.engine.walker import Walker
from gdpr_lint.facts.project import ProjectFacts
from gdpr_lint.files.parts import (
    SPLIT_LINES,
    Part,
    names_assigned,
    needs_parts,
    split_module,
    top_level,
)
from gdpr_lint.files.source import line_breaks, python_lines
from gdpr_lint.filters.suppressions import apply_suppressions
from gdpr_lint.findings import Finding, source_hash, tool_finding
from gdpr_lint.policy import Policy
from gdpr_lint.policy.comments import CommentIndex


class FileContext:
    """Per-file state shared by the checks: positions, comments, and the findings made so far."""

    def __init__(self, path: str, source: str, module: cst.Module, wrapper: MetadataWrapper, policy: Policy,
                 part=None, comments: CommentIndex | None = None) -> None:
        self.path = path
        self.source = source  # the whole file's text: comments, tags and suppressions are read in it
        self.module = module
        self._wrapper = wrapper
        self._part = part  # the part of the file ``module`` was parsed from (files.parts), or None
        self._positions = None
        #: the statement the walker is reading: a finding's node is most often in it (positions)
        self.near: cst.CSTNode | None = None
        self.policy = policy
        self.comments = comments if comments is not None else CommentIndex(source)  # (a module read in parts
        # reads its comments once)
        self.findings: list[Finding] = []
        self._seen: set[tuple] = set()
        self.inventory: list[dict] = []
        self.symbol = ""
        self.suppressed: list[Finding] = []

    @property
    def positions(self) -> Positions:
        """Node positions, resolved on first use and per top-level statement (see :class:`Positions`)."""
        if self._positions is None:
            self._positions = (Positions(self.module, self.source) if self._part is None else
                               Positions(self.module, self._part.text, self._part.lines))
        return self._positions

    def disclose(self, recipient: str, node: cst.CSTNode, taint, how: str) -> None:
        """Record that personal data reaches a third party (a disclosure row, see
        :data:`gdpr_lint.findings.DISCLOSURE_TYPES`), whether or not it is approved."""
        pos = self.positions.get(node, self.near)
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
        spot = node if type(node) is Spot else None  # (a node of ast's, placed as libcst places it)
        pos = spot.range if spot is not None else self.positions.get(node, self.near)
        if pos is None:
            return
        matches: list[Match] = sorted(taint)
        categories = sorted({m.category for m in matches})
        key = (code, pos.start.line, tuple(categories), message)
        if key in self._seen:
            return
        self._seen.add(key)
        try:
            snippet = spot.code if spot is not None else self.positions.code(node)
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
                   project=None, is_package: bool = False, prefilter=None,
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
        prefilter: the survey's :class:`~gdpr_lint.survey.prefilter.Prefilter`, given when
            Python's own parser has read the file: only the code that can make a finding is then
            parsed and analysed (:mod:`gdpr_lint.engine.focus`).

    Returns:
        ``(findings, suppressed, inventory_rows)``: findings sorted with suppressions applied; the
        suppressed findings with their reasons; one inventory row per personal-data field.
    """
    with paused():  # (the trees hold no cycles: they die by reference counting when the file is done)
        return _analyze_source(path, source, policy, classifier or Classifier(policy), module_name, project,
                               is_package, prefilter)


def _analyze_source(path: str, source: str, policy: Policy, classifier: Classifier, module_name: str, project,
                    is_package: bool, prefilter) -> tuple[list[Finding], list[Finding], list[dict]]:
    deep = too_deeply_nested(source)
    if deep:
        return [tool_finding(policy, "GDPR901", path, "syntax error, file not checked: too many nested parentheses "
                             f"(more than {MAX_NESTING} levels, which Python itself refuses)", deep)], [], []
    # (no record in it by the survey's reading: its classes need no parse)
    unread = prefilter is not None and not may_hold_records(project, module_name, source)
    classes = RecordClasses("" if unread else source, policy.frameworks, project.schemas if isinstance(
        project, ProjectFacts) else dict(project or {}), module_name, is_package)
    if not classes.read.ok:
        classes = None  # (Python cannot parse it: libcst reads the classes, or says why it cannot)
    # (a class's field statements left out of libcst's parse, unless something else may read them)
    apart = classes is not None and not class_statements_read(source, policy)
    focused = cut(source, prefilter, project, module_name, apart, record_call_names(policy.frameworks)) \
        if prefilter is not None else None
    if focused is NOTHING:
        return _fields_alone(path, source, policy, classifier, module_name, project, classes)
    skipped: list[Finding] = []  # top-level statements beyond the budget, left out (GDPR905 each)
    while True:
        text = source if focused is None else focused.text
        long = line_breaks(text) > SPLIT_LINES  # cut by its length alone: no need to measure the whole
        found = None if long else measure(text)
        if long or needs_parts(text, found.work):
            parts = split_module(text)
            if parts:  # a module too big to parse at once: its parts one at a time (files.parts)
                problems = [over_budget(p.text) for p in parts]
                # a part beyond the budget may be so for one statement of its own, or for one at
                # module level, which every part repeats: that statement is left out, not the parts
                lean = None if skipped or not any(why for why, _line in problems) else \
                    _without_statements_over_budget(text)
                if lean is None:
                    if focused is not None:
                        parts = [Part(p.text, [focused.lines[n - 1] for n in p.lines]) for p in parts]
                    return _analyze_parts(path, source, parts, policy, classifier, module_name, project,
                                          is_package, skipped, problems, classes)
                focused, skipped = _leave_out(path, policy, focused, lean)
                continue
            found = found or measure(text)
        problem, line = budget_problem(found)  # decided from the text: libcst could crash, or take minutes
        if not problem:
            break
        lean = None if skipped else _without_statements_over_budget(text)
        if lean is None:
            apart = None if skipped else _set_apart(text)
            if apart is not None:  # beyond the budget only as a whole: its largest statements alone
                if focused is not None:
                    apart = [Part(p.text, [focused.lines[n - 1] for n in p.lines]) for p in apart]
                return _analyze_parts(path, source, apart, policy, classifier, module_name, project, is_package,
                                      classes=classes)
            refused = _refused_by_every_python(path, source, policy, found.unclosed)
            if refused is not None:  # (an unclosed bracket: the budget measured the rest as inside it)
                return [refused], [], []
            line = line or 1
            return [tool_finding(policy, "GDPR905", path, f"file not checked: {problem}", line if focused
                                           is None else focused.lines[min(line, len(focused.lines)) - 1])], [], []
        # one statement is beyond the budget (a literal of a million items): the rest is analysed
        focused, skipped = _leave_out(path, policy, focused, lean)
    if skipped:
        return _analyze_parts(path, source, [focused], policy, classifier, module_name, project, is_package, skipped,
                              classes=classes)
    done = _analyze_module(path, source, focused, policy, classifier, module_name, project, is_package,
                           classes=classes)
    if focused is not None and isinstance(done, Finding) and done.code == "GDPR901":
        # libcst refused what Python read: the whole file says where, as for any other file
        done = _analyze_module(path, source, None, policy, classifier, module_name, project, is_package,
                               classes=classes)
    if isinstance(done, Finding):
        return [done], [], []
    ctx, exhausted = done
    findings = apply_suppressions(ctx)
    if exhausted:
        findings.append(tool_finding(policy, "GDPR905", path, "file too large to follow data flow completely; "
                                     "logging, storage and processor checks stopped part-way"))
    return _finished(findings, ctx.suppressed), ctx.suppressed, ctx.inventory


#: the syntax errors of Python's parser that no version of Python reads otherwise (libcst, which
#: reads newer syntax, refuses them too): a bracket never closed (not an unterminated string: an
#: f-string's field over several lines, Python 3.12's, is one for Python 3.11)
_NO_PYTHON_READS = ("was never closed",)


def _refused_by_every_python(path: str, source: str, policy: Policy, unclosed: int = 0) -> Finding | None:
    """GDPR901 at Python's line for a file beyond the analysis budget only because of its syntax
    error, or ``None``.  The budget measures a text as code: after a bracket that is never closed,
    every line after it counts as nested inside it (a thousand lines of calls measure beyond the
    budget), and the file would be reported beyond the budget far from the error.  So where the
    budget's own reading ends with brackets open (``unclosed``), or Python says one was never
    closed, Python's syntax error is reported (its first: another one inside the bracket, say);
    no Python reads such a file.  Otherwise a file Python refuses may hold syntax newer than this
    Python, beyond the budget as well, and is reported so."""
    where = python_syntax_error(source)
    if where is None or not unclosed and not any(words in where[2] for words in _NO_PYTHON_READS):
        return None
    line, column, message = where
    return tool_finding(policy, "GDPR901", path, f"syntax error, file not checked: {message}", line, column)


def _fields_alone(path: str, source: str, policy: Policy, classifier: Classifier, module_name: str, project,
                  classes: RecordClasses | None) -> tuple[list[Finding], list[Finding], list[dict]]:
    """The findings and rows of a file in which only its record classes' fields can make one
    (:data:`~gdpr_lint.engine.focus.NOTHING` else): read from ``ast``, libcst parses nothing."""
    if classes is None:
        return [], [], []
    ctx = FileContext(path, source, None, None, policy)
    facts = project if isinstance(project, ProjectFacts) else ProjectFacts(schemas=dict(project or {}))
    FieldChecks(ctx, classifier, None, module_name, facts, classes).run()
    findings = apply_suppressions(ctx)
    return _finished(findings, ctx.suppressed), ctx.suppressed, ctx.inventory


def _leave_out(path: str, policy: Policy, focused: Part | None, lean) -> tuple[Part, list[Finding]]:
    """``(what is left to analyse, a GDPR905 for each statement left out)`` from
    :func:`_without_statements_over_budget`'s answer, in the file's lines."""
    kept, dropped = lean
    at = (lambda n: n) if focused is None else (lambda n, lines=focused.lines: lines[n - 1])
    skipped = [tool_finding(policy, "GDPR905", path, (f"line {at(first)}" if first == last else
                                                      f"lines {at(first)}-{at(last)}") + f" not checked: {why}",
                            at(first), end_line=at(last)) for first, last, why in dropped]
    return Part(kept.text, [at(n) for n in kept.lines]), skipped


def _without_statements_over_budget(text: str) -> tuple[Part, list[tuple[int, int, str]]] | None:
    """``(the text without its top-level statements beyond the analysis budget, [(first code line,
    last line, why), ...] of those)``, in the text's lines; ``None`` when no
    statement alone is beyond it, or nothing else is left (the whole file is then not checked)."""
    found = top_level(text)
    if len(found) < 2:
        return None
    lines = python_lines(text)
    kept: list[int] = []
    dropped: list[tuple[int, int, str]] = []
    for first, last, _name, _kind in found:
        problem, _line = over_budget("\n".join(lines[first - 1:last]))
        if problem:
            start = _first_code(lines, first, last)
            dropped.append((start, _last_code(lines, start, last), problem))
        else:
            kept.extend(range(first, last + 1))
    if not dropped or not kept:
        return None
    return Part("\n".join(lines[n - 1] for n in kept), kept), dropped


def _set_apart(text: str) -> list[Part] | None:
    """A text beyond the analysis budget as a whole, though none of its top-level statements is
    alone (two data tables of a million tokens each), as parts within it: ``[the rest, then the
    statements set apart, packed in order into parts within the budget, each part with the
    file's imports]``.  Only module-level statements that are neither imports nor definitions,
    and bind no name the rest reads (:func:`_binds_nothing_else_reads`), are set apart, the
    largest first, until the rest is within the budget: the functions and classes keep the
    module's imports and names (a logger) beside them; the findings inside each part are kept.
    ``None`` when one statement alone is beyond the budget (:func:`_without_statements_over_budget`
    leaves it out), or no such parts can be made."""
    found = top_level(text)
    if len(found) < 2:
        return None
    lines = python_lines(text)
    imports: list[int] = []  # the lines of the import statements
    movable: list[tuple[int, int, int]] = []  # (work, first line, last line) of the others but definitions
    total = 0
    for first, last, _name, kind in found:
        measured = measure("\n".join(lines[first - 1:last]))
        if budget_problem(measured)[0]:
            return None
        total += measured.work  # (the work of statements apart adds up)
        if not kind:
            if _IMPORT.match(lines[_first_code(lines, first, last) - 1]):
                imports.extend(range(first, last + 1))
            else:
                movable.append((measured.work, first, last))
    movable.sort(key=lambda s: (-s[0], s[1]))
    names = _identifiers(text)  # (in strings and comments too: a superset)
    candidates = iter(movable)

    def next_apart() -> tuple[int, int, int] | None:
        """The largest statement left that binds nothing the rest reads (a logger, a table a
        function reads stay with the rest)."""
        for work, first, last in candidates:
            if _binds_nothing_else_reads("\n".join(lines[first - 1:last]), names):
                return work, first, last
        return None

    chosen: list[tuple[int, int, int]] = []
    while total > MAX_WORK:  # the estimate first, then a few measured wholes
        found = next_apart()
        if found is None:
            return None
        chosen.append(found)
        total -= found[0]
    for _try in range(3):
        apart = {n for _work, a, b in chosen for n in range(a, b + 1)}
        rest = [n for n in range(1, len(lines) + 1) if n not in apart]
        if chosen and not over_budget("\n".join(lines[n - 1] for n in rest))[0]:
            break
        found = next_apart()
        if found is None:
            return None
        chosen.append(found)
    else:
        return None
    kept = [Part("\n".join(lines[n - 1] for n in rest), rest)]
    head = measure("\n".join(lines[n - 1] for n in imports)).work if imports else 0
    if head > MAX_WORK // 2:
        return None  # (every part repeats the imports: parts of little else would be many)
    packs: list[list[tuple[int, int]]] = [[]]
    work = head
    for size, first, last in sorted(chosen, key=lambda s: s[1]):
        if packs[-1] and work + size > MAX_WORK:
            packs.append([])
            work = head
        packs[-1].append((first, last))
        work += size
    for pack in packs:
        numbers = sorted({*imports, *(n for a, b in pack for n in range(a, b + 1))})
        part = Part("\n".join(lines[n - 1] for n in numbers), numbers)
        if over_budget(part.text)[0]:
            return None
        kept.append(part)
    return kept


_IMPORT = re.compile(r"(?:import|from)[ \t]")
_NAME = re.compile(r"(?!\d)\w+")  # an identifier, in any script (`µaudit` is not `audit`)


def _identifiers(text: str) -> Counter:
    """How often each identifier appears in ``text``, as Python reads it (NFKC: `µ` is `μ`)."""
    found = Counter(_NAME.findall(text))
    if text.isascii():
        return found
    out: Counter = Counter()
    for name, count in found.items():
        out[name if name.isascii() else unicodedata.normalize("NFKC", name)] += count
    return out


def _binds_nothing_else_reads(statement: str, names: Counter) -> bool:
    """Whether a module-level statement may be set apart from the rest of its file: an
    expression (a call, a literal) or an assignment to names that appear nowhere else in the file
    (``names``: how often each identifier appears in it), binding no such name with `:=` either.
    A block (``try``, ``if``), an assignment to a name the file reads elsewhere (a logger, a table
    a function reads) or to an item or attribute is not."""
    try:
        tree = ast.parse(statement)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if len(tree.body) != 1:
        return False
    node = tree.body[0]
    own = _identifiers(statement)
    # what an expression binds with `:=` (`print(x := user.email)`), read by the rest or not
    walrus = [n.target.id for n in ast.walk(node) if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)]
    if not all(names[name] == own[name] for name in walrus):
        return False
    if isinstance(node, ast.Expr):
        return True
    bound = names_assigned(node)  # (a block, an import, a store into an item or an attribute: None)
    return bound is not None and all(names[name] == own[name] for name in bound)


def _first_code(lines: list[str], first: int, last: int) -> int:
    """The first line of a statement that holds code (not blank, not a comment), else ``first``."""
    return next((n for n in range(first, last + 1) if lines[n - 1].strip()[:1] not in ("", "#")), first)


def _last_code(lines: list[str], first: int, last: int) -> int:
    """The last line of a statement that holds code, else ``first``: not the blank lines and
    comments after the last statement of a file, which go with it (not past the file's end)."""
    return next((n for n in range(last, first - 1, -1) if lines[n - 1].strip()[:1] not in ("", "#")), first)


def _finished(findings: list[Finding], suppressed: list[Finding]) -> list[Finding]:
    for f in findings:
        f.finish()
    findings.sort(key=Finding.sort_key)
    for f in suppressed:
        f.finish()
    return findings


def _analyze_parts(path: str, source: str, parts: list, policy: Policy, classifier: Classifier, module_name: str,
                   project, is_package: bool, skipped: list[Finding] = (), problems: list | None = None,
                   classes: RecordClasses | None = None) -> tuple[list[Finding], list[Finding], list[dict]]:
    """A module read in parts (:mod:`gdpr_lint.files.parts`): each part parsed and analysed alone,
    its findings and rows at the file's lines, those of the statements every part repeats (the
    imports, module-level code) kept once; then the suppressions over all of them.  ``skipped``:
    the findings that say which statements were left out, beyond the budget; ``problems``: each
    part's :func:`over_budget`, when the caller has measured them; ``classes``: the file's record
    classes read from ``ast``, checked with the first part analysed."""
    whole = FileContext(path, source, None, None, policy)
    whole.findings.extend(skipped)
    seen: set[tuple] = set()
    rows: set[str] = set()
    exhausted = False
    for i, part in enumerate(parts):
        problem, line = problems[i] if problems is not None else over_budget(part.text)
        if problem:
            whole.findings.append(tool_finding(policy, "GDPR905", path, f"part of the file not checked (lines "
                                               f"{part.lines[0]}-{part.lines[-1]}): {problem}",
                                               part.lines[min(line or 1, len(part.lines)) - 1]))
            continue
        done = _analyze_module(path, source, part, policy, classifier, module_name, project, is_package,
                               whole.comments, classes)
        if isinstance(done, Finding):
            if done.code == "GDPR901":  # a syntax error: the file is not checked, as a small one is not
                return [_whole_file_syntax_error(path, source, policy, done).finish()], [], []
            whole.findings.append(done)
            continue
        ctx, stopped = done
        classes = NO_CLASSES if classes is not None else None  # (read once, with this part)
        exhausted = exhausted or stopped
        for f in ctx.findings:
            key = (f.code, f.line, f.column, f.end_line, f.end_column, f.message)
            if key not in seen:
                seen.add(key)
                whole.findings.append(f)
        for row in ctx.inventory:
            text = repr(row)  # (rows of one kind are built alike: same keys in the same order, plain values)
            if text not in rows:
                rows.add(text)
                whole.inventory.append(row)
    findings = apply_suppressions(whole)
    if exhausted:
        findings.append(tool_finding(policy, "GDPR905", path, "file too large to follow data flow completely; "
                                     "logging, storage and processor checks stopped part-way"))
    return _finished(findings, whole.suppressed), whole.suppressed, whole.inventory


def _whole_file_syntax_error(path: str, source: str, policy: Policy, found: Finding) -> Finding:
    """The syntax error of a module read in parts, as Python reports it for the whole file (its
    line and message; a part's own report can name a line of the part, or a wrong one when an
    unclosed string ran into the next part); ``found``, the part's, when Python accepts the file."""
    where = python_syntax_error(source)
    if where is None:
        return found
    line, column, message = where
    return tool_finding(policy, "GDPR901", path, f"syntax error, file not checked: {message}", line, column)


def _analyze_module(path: str, source: str, part, policy: Policy, classifier: Classifier, module_name: str,
                    project, is_package: bool, comments: CommentIndex | None = None,
                    classes: RecordClasses | None = None) -> tuple[FileContext, bool] | Finding:
    """Parse ``source`` (or the ``part`` of it) and run every check: ``(the file's context with its
    findings and rows, whether the flow analysis stopped part-way)``, or the finding that says why
    it could not be read.  ``classes``: the record classes read from ``ast`` (``None``: from
    libcst's tree)."""
    text = source if part is None else part.text
    try:
        module = parse_module(text)
    except cst.ParserSyntaxError as exc:
        line, column, message = python_syntax_error(text) or (exc.raw_line or 1, (exc.raw_column or 0) + 1,
                                                               exc.message)
        expected = exc.message.rpartition(": ")[2]
        if message == "invalid syntax" and expected.startswith("expected"):
            message = f"invalid syntax ({expected[:200]})"
        if part is not None:
            line = part.lines[min(max(line, 1), len(part.lines)) - 1]
        return tool_finding(policy, "GDPR901", path, f"syntax error, file not checked: {message}", line, column)
    except (RecursionError, MemoryError, ValueError) as exc:
        return tool_finding(policy, "GDPR905", path, f"could not parse the file ({type(exc).__name__})")
    try:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        ctx = FileContext(path, source, module, wrapper, policy, part, comments)
        if os.environ.get("GDPR_LINT_SCOPE_ANALYSIS") == "1":  # libcst's full scope analysis (slow)
            resolver = Resolver(wrapper.resolve(QualifiedNameProvider))
        else:
            resolver = ImportResolver(module)
            if part is not None:  # (the imports of the code left out still bind what the rest names)
                resolver.aliases = import_aliases(source)
        facts = project if isinstance(project, ProjectFacts) else ProjectFacts(schemas=dict(project or {}))
        flow = Flow(policy, classifier, resolver, facts)
        flow.read_with_keys(text)
        flow.forget_own_sdk(module_name)
        flow.place(module_name, module_name if is_package else module_name.rpartition(".")[0])
        sinks = Sinks(policy, flow, ctx.report, shown_exceptions=facts.shown_exceptions,
                      cli_module=is_cli_module(path, source, resolver, policy), facts=facts, module=module_name,
                      package=module_name if is_package else module_name.rpartition(".")[0], disclose=ctx.disclose)
        schemas = SchemaFinder(resolver, policy.frameworks, facts.schemas, module_name, is_package)
        FieldChecks(ctx, classifier, schemas, module_name, facts, classes).run()
        _check_imports(ctx, flow)
        _check_code_loaders(ctx, resolver, policy)
        if "FileType" in source:  # argparse: `args.out` is a file opened for writing
            flow.note_file_arguments(module)
        walker = Walker(flow, sinks, ctx)
        walker.run_module(module)
        sinks.check_log_config(module, source, getattr(walker, "module_env", None))
    except RecursionError:
        return tool_finding(policy, "GDPR905", path, "file nests too deeply to analyse; it was skipped")
    return ctx, walker.exhausted


def is_cli_module(path: str, source: str, resolver, policy: Policy) -> bool:
    """Whether a module is a command-line program, whose ``print()`` goes to the operator who ran it
    (JUDGEMENT.md): it imports a command-line library (``sinks.yaml`` ``operator_output``) or runs
    code under ``if __name__ == "__main__":`` and imports no web framework (``web_imports``: a Flask
    app's module with ``app.run()`` under the guard is server code), sits in a folder of commands
    (``management/commands``), or defines a command class (a subclass of ``sinks.yaml``
    ``stream_bases``, Django's ``BaseCommand``)."""
    spec = policy.sinks.get("operator_output") or {}
    targets = getattr(resolver, "aliases", {}).values()
    web = any(t == w or t.startswith(w + ".") for t in targets for w in spec.get("web_imports", ()))
    if not web and "__main__" in source and re.search(r"__name__\s*==\s*['\"]__main__['\"]", source):
        return True
    roots = {target.split(".")[0] for target in targets}
    if not web and roots & set(spec.get("cli_imports", ())):
        return True
    folders = "/" + path.replace("\\", "/").rpartition("/")[0] + "/"
    if any(f"/{folder.strip('/')}/" in folders for folder in spec.get("cli_folders", ())):
        return True
    # a class of the module is a command (`class BaseImporter(BaseCommand)`, in any folder): its
    # print() goes to the operator who runs the command, as a command's own does
    bases = set(spec.get("stream_bases", ()))
    aliases = getattr(resolver, "aliases", {})
    for head, rest in _class_bases(source):
        target = aliases.get(head)
        if target and (f"{target}.{rest}" if rest else target) in bases:
            return True
    return False


_CLASS_BASES = re.compile(r"^[ \t]*class[ \t]+\w+[ \t]*\(([^()]*)\)", re.M)


@lru_cache(maxsize=2)
def _class_bases(source: str) -> tuple[tuple[str, str], ...]:
    """The bases of the classes ``source`` declares, as written, each once, as ``(first name, the
    rest)`` (``models.Model``: ``("models", "Model")``): read once for all the parts of a module
    read in parts, whose thousands of classes may all have the same base."""
    found: dict[tuple[str, str], None] = {}
    for m in _CLASS_BASES.finditer(source):
        for base in m.group(1).split(","):
            head, _, rest = base.strip().partition(".")
            found[head, rest] = None
    return tuple(found)


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
    if not may_load_code(ctx.source, functions, evaluators, reads):
        return
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
