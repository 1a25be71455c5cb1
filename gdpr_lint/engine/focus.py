"""The code of a file that the analysis must read: what can make a finding, and what it calls.

Most of a big module can make no finding: a finding is made at a sink (a log call, a store, a
request to a processor, a raise), at a record's fields, or at something reported whatever the
words around it (a ``gdpr`` comment, a processor's SDK, a code loader).  libcst's parse and the
flow walk cost time in proportion to the code they read, so an analysed file is cut to:

- its own statements that are not functions or classes (imports, assignments, module-level code);
- every class's own statements (its fields, its inner classes), its header and decorators;
- the functions and methods that hold something always reported, a class declared inside
  them, a call of a function that builds a remote log handler, or the name of an object another
  module makes for a sink (``redis_store`` of ``redis_store = FlaskRedis()``);
- the functions and methods that hold a sink shape (:meth:`Prefilter.function_sink_shaped`, or
  a call of a function the project facts say writes its parameters to a sink) where what the
  sink may be given names personal data: the statements that hold a sink, with the statements
  that mention a name they read and in turn the names those read (:func:`_statements_reaching`),
  what callers pass the function (the facts), what the attributes of ``self`` they read are set
  from, the module's names they read, and what the helpers they call return;
- and, following what the code of those that reaches their sinks reads, the functions and
  methods it calls by name (what a callee returns is followed into the caller, and in turn what
  the callee's returns read) and the methods of its class that set an attribute of ``self`` it
  reads (what ``self.x`` holds is followed across methods).

What callers elsewhere pass to a function's parameters comes from the project facts
(:mod:`gdpr_lint.survey.incoming`), not from a walk of the callers, so callers need no reading.
The cut is made from the text (:mod:`gdpr_lint.files.parts`); the lines kept keep their numbers in
the file, and comments, tags and suppressions are read in the whole file as before.
"""

from __future__ import annotations

import keyword
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from gdpr_lint.files.parts import Part, masked_lines, members, top_level
from gdpr_lint.files.source import python_lines
from gdpr_lint.policy import split_words
from gdpr_lint.survey.calltext import CallText
from gdpr_lint.survey.classes import RECORD_CALL_MARKERS
from gdpr_lint.survey.prefilter import INNER_CLASS, identifiers, standalone

_SELF_READ = re.compile(r"self[ \t]*\.[ \t]*([A-Za-z_]\w*)")  # (standalone: `self` alone)
# `self.x = ...`, `self.x: T = ...`, `self.x += ...`, `self.a, self.b = ...`, `self.x \` and `= ...`
# on the next line: a superset
_SELF_SET = re.compile(r"self[ \t]*\.[ \t]*([A-Za-z_]\w*)(?=(?:[^\n=\\]|\\\r?\n|\\)*=(?!=))")
_DUNDER = re.compile(r"__\w+__$")
_RETURNS = re.compile(r"return\b(?![ \t]*(?:[#;\r\n]|$))", re.MULTILINE)  # `return(x)`, `return \` too
_F_STRING = re.compile(r"(?<![\w])[rRbB]?[fF][rRbB]?[\"']")  # an f-string opens
# a string of masked code (files.parts._mask) with each prefix Python allows
_MASKS = frozenset(p + "S" for p in ("", *(a + b for a in "rRbBuUfF" for b in ("", *"rRbBfF"))))
_BRACKET = re.compile(r"[()\[\]{}]")
_YIELD = re.compile(r"yield\b")
_RAISE = re.compile(r"raise\b")
_DEF = re.compile(r"[ \t]*(?:async[ \t]+)?def\b")
_SUBSCRIPT_STORE_TEXT = re.compile(r"\][ \t]*=[^=]")  # (as the pre-filter's)
_BINDS = re.compile(r"^[ \t]*([A-Za-z_][\w, \t]*?)[ \t]*(?::[^=\n]*)?=(?!=)", re.MULTILINE)


@dataclass
class _Function:
    first: int
    last: int
    name: str
    cls: str  # "" for a module's function
    text: str
    called: frozenset[str] = frozenset()  # the last name of every call
    summarised: frozenset[str] = frozenset()  # the names of the calls a callee's summary serves
    returns: bool = False  # it has a `return <value>`
    calls: list[str] = field(default_factory=list)  # the dotted name of every call
    reads: frozenset[str] = frozenset()  # attributes of ``self`` it reads
    sets: dict[str, list[str]] | None = None  # ... and the statements that set them (read on first need)
    idents: set[str] = field(default_factory=set)
    statements: list[tuple[int, int]] | None = None  # its statements (_statements_of), on first need


@dataclass
class _Class:
    first: int
    header_end: int
    indent: str
    statements: list[tuple[int, int]] = field(default_factory=list)  # its own, not methods
    methods: list[_Function] = field(default_factory=list)


def focus(source: str, prefilter, facts=None, module: str = "") -> Part | None:
    """The part of ``source`` (the module ``module``) the analysis must read (see the module
    docstring), or ``None`` when that is the whole file (or the text cannot be cut)."""
    lines = python_lines(source)
    masked = masked_lines(source)
    found = top_level(source)
    if not found:
        return None
    kept: list[tuple[int, int]] = []  # module-level statements and whole classes that cannot be cut
    functions: list[_Function] = []
    classes: list[_Class] = []
    for first, last, name, kind in found:
        if kind == "def":
            functions.append(_Function(first, last, name, "", "\n".join(lines[first - 1:last])))
        elif kind == "class":
            body = members(lines, masked, first, last)
            if body is None:
                kept.append((first, last))
                continue
            header_end, indent, statements = body
            cls = _Class(first, header_end, indent)
            for a, b, member, member_kind in statements:
                if member_kind == "def":
                    cls.methods.append(_Function(a, b, member, name, "\n".join(lines[a - 1:b])))
                else:
                    cls.statements.append((a, b))
            classes.append(cls)
            functions.extend(cls.methods)
        else:
            kept.append((first, last))
    idents = identifiers(source)
    if not functions or prefilter.imports_sdk(source, idents):
        return None  # a processor's SDK: what it sends is followed from the objects it makes, anywhere
    aliases = prefilter.aliases(source)
    module_text = "\n".join("\n".join(lines[a - 1:b]) for a, b in kept)
    module_idents = identifiers(module_text)
    bound = _bound_names(lines, kept)
    shells = {cls.methods[0].cls: "\n".join("\n".join(lines[a - 1:b]) for a, b in cls.statements)
              for cls in classes if cls.methods}
    shell_idents = {name: module_idents | identifiers(text) for name, text in shells.items()}
    summarised = _Summarised(getattr(facts, "summaries", None) or {}, module, module_idents,
                             getattr(facts, "shared_methods", None) or frozenset())
    handlers = frozenset(q.rpartition(".")[2] for q in (getattr(facts, "handlers", None) or ()))
    # what a function does with an object another module makes for a sink (`redis_store.sadd(...)`)
    # shows only in the facts: a function that names one is read
    made = frozenset(q.rpartition(".")[2] for q in (getattr(facts, "sink_objects", None) or ()))
    by_name: dict[str, list[int]] = {}
    methods_of: dict[str, list[int]] = {}  # class -> its methods that mention `self`
    for i, fn in enumerate(functions):
        calls = CallText(fn.text)
        fn.called = calls.called()
        # the calls whose value the flow reads from a summary of the callee: `helper(...)`, and
        # `self.method(...)` of the same class (engine.flow)
        fn.calls = calls.names
        fn.summarised = frozenset(n.rpartition(".")[2] for n in calls.names if "." not in n or (
            fn.cls and n.startswith("self.") and n.count(".") == 1))
        fn.returns = next(standalone(_RETURNS, fn.text), None) is not None
        fn.idents = identifiers(fn.text)
        if fn.cls:
            fn.reads = frozenset(m.group(1) for m in standalone(_SELF_READ, fn.text))
            if "self" in fn.text:
                methods_of.setdefault(fn.cls, []).append(i)
        by_name.setdefault(fn.name, []).append(i)
    setters_found: dict[tuple[str, str], list[int]] = {}

    def setters(cls: str, attr: str) -> list[int]:
        """The methods of class ``cls`` that set ``self.<attr>`` (their statements that do are
        read only for the attributes some method reads: :func:`_assignments`)."""
        found = setters_found.get((cls, attr))
        if found is None:
            found = setters_found[cls, attr] = []
            for j in methods_of.get(cls, ()):
                fn = functions[j]
                if attr in fn.text:
                    if fn.sets is None:
                        fn.sets = _assignments(fn, masked)
                    if attr in fn.sets:
                        found.append(j)
        return found

    returning: dict[str, list[int]] = {}  # name -> the functions of that name with a `return <value>`
    for i, fn in enumerate(functions):
        if fn.returns:
            returning.setdefault(fn.name, []).append(i)

    def callees(names, cls: str) -> list[int]:
        """The functions whose returns the flow reads for calls of ``names`` from class ``cls``."""
        return [j for name in names for j in returning.get(name, ()) if functions[j].cls in ("", cls)]

    named: dict[int, bool] = {}  # function -> whether what it returns may name personal data
    own: dict[int, bool] = {}  # function -> whether its own text names personal data

    def returns_data(j: int) -> bool:
        """Whether what function ``j`` returns may name personal data: its text, or the text of
        a function it reaches through the calls whose returns the flow reads (whatever the order
        functions are asked in).  The functions a search reaches are all decided at its end,
        each read and searched from once."""
        if j in named:
            return named[j]
        edges: dict[int, list[int]] = {}  # the undecided functions reached, and their callees
        todo = [j]
        while todo:
            k = todo.pop()
            if k in named or k in edges:
                continue
            if own.setdefault(k, prefilter.names_data(functions[k].text)):
                named[k] = True
                continue
            edges[k] = callees(functions[k].summarised, functions[k].cls)
            todo.extend(edges[k])
        callers: dict[int, list[int]] = {}
        for k, reached in edges.items():
            for c in reached:
                callers.setdefault(c, []).append(k)
        yes = [k for k in {c for reached in edges.values() for c in reached} if named.get(k)]
        while yes:  # what reaches a function that names personal data
            for k in callers.get(yes.pop(), ()):
                if k in edges and not named.get(k):
                    named[k] = True
                    yes.append(k)
        for k in edges:
            named.setdefault(k, False)
        return named[j]

    settings_found: dict[tuple[str, str], tuple[list[str], set[str]]] = {}

    def setting_of(cls: str, attr: str) -> tuple[list[str], set[str]]:
        """The statements that set ``self.<attr>`` in class ``cls``, and their identifiers (read
        once for all the methods of the class that read the attribute)."""
        found = settings_found.get((cls, attr))
        if found is None:
            texts = [text for j in setters(cls, attr) for text in functions[j].sets[attr]]
            found = settings_found[cls, attr] = (texts, set().union(*map(identifiers, texts)))
        return found

    incoming = getattr(facts, "incoming", None) or {}
    # names of objects the project facts say something of (what a class prints as, carries, or
    # holds as personal data: engine.flow's object_text, carried, evidence_of), by their words; a
    # class of things with no tie to a person (a model, a setting) makes its fields no one's data
    objects = {words for table in ("texts", "carried") for words in (getattr(facts, table, None) or ())}
    objects.update(words for words, ev in (getattr(facts, "named", None) or {}).items()
                   if ev.kind in ("person", "linked") or ev.person_refs or ev.lookup_refs or ev.measures)
    own_text = getattr(facts, "text_of_class", None)

    def given_to(fn: _Function, idents: set[str]) -> bool:
        """Whether the project facts say the function is given personal data: its callers pass
        some, ``idents`` (of the function or of the statements read) name an object of a class
        the facts know, or are of a method of a class that prints as personal data (``self``)."""
        qual = f"{module}.{fn.cls}.{fn.name}" if fn.cls else f"{module}.{fn.name}"
        if qual in incoming or bool(objects) and _names_objects(idents, objects):
            return True
        return bool(fn.cls and own_text is not None and "self" in idents and own_text(f"{module}.{fn.cls}"))

    def gets_data(fn: _Function, near: str, near_idents: set[str]) -> bool:
        """Whether what the code ``near`` of a function (all of it, or the statements that reach
        its sinks) reads may be personal data: what it names, what the function's callers in the
        project pass it, what its class prints as (`self`), what the attributes of self it reads
        are set from, what the helpers it calls return, and the module's names it reads."""
        whole, read_code = near is fn.text, near
        if fn.cls and not near_idents.isdisjoint(("self", "cls")):
            # the owner of what `self.x` reads is the class (`self.comment` of `EditComment`)
            near, near_idents = f"{near}\n{fn.cls}", near_idents | {fn.cls}
        if prefilter.names_data(near) or given_to(fn, near_idents):
            return True
        served = fn.summarised if whole else _summarised_calls(read_code, fn.cls)
        if any(returns_data(j) for j in callees(served, fn.cls)):
            return True
        reads = fn.reads if whole else fn.reads.intersection(near_idents)
        # (the class's own statements, when it reads an attribute they set: `template = ...`)
        shell = shells.get(fn.cls, "") if reads and not reads.isdisjoint(shell_idents.get(fn.cls, ())) else ""
        around = "\n".join([shell, *(t for name in near_idents.intersection(bound) for t in bound[name])])
        if around.strip() and prefilter.names_data(around):
            return True
        setting, _more = _setting(fn, reads)
        if not setting:
            return False
        setting_calls = {n.rpartition(".")[2] for text in setting for n in CallText(text).names} - served
        if setting_calls and any(returns_data(j) for j in callees(setting_calls, fn.cls)):
            return True
        return prefilter.names_data("\n".join([*setting, around]))

    def _setting(fn: _Function, reads) -> tuple[list[str], set[str]]:
        """The statements that set the attributes of self in ``reads``, and their identifiers."""
        setting: list[str] = []
        more: set[str] = set()
        for attr in reads:
            texts, names = setting_of(fn.cls, attr)
            if texts:
                setting += texts
                more |= names
        return setting, more

    live: set[int] = set()
    read: dict[int, str] = {}  # a function kept -> the code of it whose values reach what it is kept for
    # nothing in a function is reported whatever its words unless something in the file is
    # (every test of `Prefilter.always` holds for a text when it holds for a part of it: the
    # lines as the functions' texts join them, a lone `\r` breaking a line as `\n` does)
    always = prefilter.always(source if "\r" not in source else "\n".join(lines), idents)
    # an object another module makes for a sink, named here: what its methods are is in the facts,
    # not in this file's names, so any sink's evidence may be around (`self.store = redis_store`,
    # then `self.store.sadd(...)` in another method)
    extra = frozenset().union(*(names for evidence, _methods in prefilter.shape_kinds for names in evidence)) \
        if not made.isdisjoint(idents) else frozenset()
    possible = prefilter.possible_sinks(idents | extra)
    for i, fn in enumerate(functions):
        if _is_root_alone(fn, always, prefilter, handlers, made):
            live.add(i)
            read[i] = fn.text
            continue
        # a call of a function of the project that writes its parameters to a sink is one too
        passes = summarised.called_by(fn)
        if not passes and not prefilter.may_be_sink_shaped(fn.text, aliases, fn.called, possible):
            continue  # (what holds it and what it reads of self cannot change that)
        # what shows which objects the function holds (a logger, a cache, a session): its own
        # names, the module's, its class's, and those of the methods that set what it reads of
        # self (read only when the names without them show no sink: more names can only add one)
        seen = fn.idents | shell_idents.get(fn.cls, module_idents) | extra
        calls = passes or prefilter.calls_or_stores(fn.text, aliases, seen, fn.called)
        if not calls:
            _setting_texts, more = _setting(fn, fn.reads)
            calls = not more.issubset(seen) and prefilter.calls_or_stores(fn.text, aliases, seen | more, fn.called)
        raises = not calls and "raise" in fn.text and prefilter.raises_data(fn.text)
        if not (calls or raises):
            continue
        # what a sink may be given: the statements that hold a sink, with those that tell where
        # the names they read come from (a superset of the flow's: `_with_origins`), or the whole
        # function when its sinks cannot be told apart; then what those statements name, what
        # the function's callers in the project pass it, what the module's names and the
        # attributes of self they read hold, what its class prints as (`self`), and what the
        # helpers they call return
        near = _sink_statements(fn, masked, aliases, (possible[0] | summarised.names, possible[1]) if passes
                                else possible, prefilter) or fn.text
        if near is fn.text or gets_data(fn, near, identifiers(near)):
            live.add(i)
            read[i] = near  # (what the closure below follows)
    if len(live) == len(functions):
        return None
    # module-level code reads helpers' returns too (`log.info(describe(ACCOUNT))` at the top)
    module_calls = CallText(module_text).names
    work: list[tuple[int, str | None]] = [(i, read[i]) for i in live]
    work += [(j, None) for j in callees({n for n in module_calls if "." not in n}, "")]
    done: set[tuple[int, str | None]] = set()
    while work:
        # what the code of the kept functions that reaches a sink (or a return) reads: the
        # callees whose returns it takes (their statements that reach a `return`), and the
        # methods of its class that set the attributes of self it reads (their statements that do)
        i, code = work.pop()
        if (i, code) in done:
            continue
        done.add((i, code))
        live.add(i)
        fn = functions[i]
        wanted = [(name, j) for name in fn.summarised for j in by_name.get(name, ())
                  if functions[j].returns and functions[j].cls in ("", fn.cls)]
        setting = [(attr, j) for attr in fn.reads for j in setters(fn.cls, attr)]
        if not wanted and not setting:
            continue
        if code is None:  # a callee, for its returns
            code = _returns(fn, masked)
        if code and code is not fn.text:
            names = {n.rpartition(".")[2] for n in CallText(code).names}
            idents = identifiers(code)
            wanted = [(name, j) for name, j in wanted if name in names]
            setting = [(attr, j) for attr, j in setting if attr in idents]
        work.extend((j, None) for _name, j in wanted)
        work.extend((j, "\n".join(functions[j].sets[attr])) for attr, j in setting)
    if len(live) == len(functions):
        return None
    keep = {id(functions[i]) for i in live}
    for fn in functions:
        if not fn.cls and id(fn) in keep:
            kept.append((fn.first, fn.last))
    extra: dict[int, str] = {}  # a class left with no statement: `pass` after its header
    for cls in classes:
        kept.append((cls.first, cls.header_end))
        body = list(cls.statements) + [(m.first, m.last) for m in cls.methods if id(m) in keep]
        if not body:
            extra[cls.header_end] = f"{cls.indent}pass"
        kept.extend(body)
    texts: list[str] = []
    numbers: list[int] = []
    for a, b in sorted(kept):
        for n in range(a, b + 1):
            texts.append(lines[n - 1])
            numbers.append(n)
        if b in extra:
            texts.append(extra[b])
            numbers.append(b)
    return Part("\n".join(texts), numbers)


class _Summarised:
    """Which calls may reach a function of the project that writes its parameters to a sink (the
    facts' summaries), as :meth:`Sinks._through_a_function` finds them: a name called alone, a
    method of the same class, the one method of the project with that name (no other function
    has it), or a function of an imported module (a superset: any dotted call on a name the module binds)."""

    def __init__(self, summaries: dict, module: str, module_idents: set[str], shared: frozenset = frozenset()) -> None:
        self.module = module
        self.names = frozenset(q.rpartition(".")[2] for q in summaries)
        self.quals = summaries
        methods: dict[str, int] = {}
        for q in summaries:
            if q.count(".") >= 2 and not _DUNDER.match(q.rpartition(".")[2]):
                last = q.rpartition(".")[2]
                methods[last] = methods.get(last, 0) + 1
        self.methods = frozenset(name for name, n in methods.items() if n == 1 and name not in shared)
        self.module_idents = module_idents

    def called_by(self, fn: _Function) -> bool:
        if fn.called.isdisjoint(self.names):
            return False
        for dotted in fn.calls:
            head, _, last = dotted.rpartition(".")
            if last not in self.names:
                continue
            if last in self.methods or f"{self.module}.{fn.cls}.{last}" in self.quals:
                return True
            if not head and _called_alone(last, fn.text):
                return True  # called alone (not `super().name(`, a method of what super() gives; not its `def`)
            if head.partition(".")[0] in self.module_idents:
                return True
        return False


def _called_alone(name: str, text: str) -> bool:
    """Whether ``text`` calls ``name(`` alone (not ``x.name(``, ``super().name(``, nor its ``def``
    or ``class``); searched for as a literal, not a pattern compiled for each name (a module with
    thousands of functions compiled thousands of patterns)."""
    end = len(text)
    at = text.find(name)
    while at >= 0:
        before = text[at - 1] if at else " "
        if not (before.isalnum() or before in "_.") and not text.endswith(("def ", "class "), 0, at):
            rest = at + len(name)
            while rest < end and text[rest] in " \t":
                rest += 1
            if rest < end and text[rest] == "(":
                return True
        at = text.find(name, at + 1)
    return False


def _is_root_alone(fn: _Function, always: bool, prefilter, handlers: frozenset[str],
                   made: frozenset[str] = frozenset()) -> bool:
    """Whether a function or method can make a finding of its own whatever names are around it
    (see the module docstring): something always reported (``always``: the file holds some), a
    record declared inside it, a call of a function that builds a remote log handler, or a name
    of an object another module makes for a sink (``made``)."""
    text = fn.text
    if always and prefilter.always(text, fn.idents):
        return True
    if INNER_CLASS.search(text) or any(marker in text for marker in RECORD_CALL_MARKERS):
        return True  # a record declared inside it
    return not fn.called.isdisjoint(handlers) or not fn.idents.isdisjoint(made)


def _sink_statements(fn: _Function, masked: list[str], aliases, possible, prefilter) -> str:
    """The statements of a function that may be a sink (a call of a name that can be one in the
    file, a store by subscript, a raise the engine may report), with those their values come
    from (:func:`_statements_reaching`); ``""`` when they cannot be told apart from the text (a
    sink called by another name)."""
    names, subscripts = possible
    if "getattr" in fn.called or any(alias in fn.called for _name, alias in aliases):
        return ""
    text = fn.text
    lines = {n - 1 for n in CallText(text).lines_where(lambda name: name.rpartition(".")[2] in names)}
    if subscripts:
        lines.update(text.count("\n", 0, m.start()) for m in _SUBSCRIPT_STORE_TEXT.finditer(text))
    raised = {text.count("\n", 0, m.start()) for m in standalone(_RAISE, text)} - lines
    return _statements_reaching(fn, masked, lines, raised, lambda code: prefilter.raise_counts(code, None))


def _returns(fn: _Function, masked: list[str]) -> str:
    """The statements of a function that may hand a value back (``return <value>``, ``yield``),
    with those their values come from (:func:`_statements_reaching`)."""
    text = fn.text
    lines = {text.count("\n", 0, m.start()) for pattern in (_RETURNS, _YIELD) for m in standalone(pattern, text)}
    return _statements_reaching(fn, masked, lines)


def _statements_reaching(fn: _Function, masked: list[str], lines: set[int], maybe: set[int] = frozenset(),
                         wanted=None) -> str:
    """The statements of a function on ``lines`` (0-based in its text), and those on ``maybe``
    for which ``wanted(code)`` holds, each with the statements that mention a name it reads,
    and in turn the names those read (a superset of where the flow's values come from: names
    are read in the code, not in its strings and comments, but for the expressions of
    f-strings); ``""`` when there are none."""
    if not lines and not maybe:
        return ""
    text_lines = fn.text.split("\n")
    own = masked[fn.first - 1:fn.first - 1 + len(text_lines)]
    statements = _statements_of(fn, own)
    texts = ["\n".join(text_lines[a:b + 1]) for a, b in statements]
    starts = [a for a, _b in statements]
    seeds = {bisect_right(starts, line) - 1 for line in lines}
    for n in {bisect_right(starts, line) - 1 for line in maybe} - seeds:
        if wanted(texts[n]):
            seeds.add(n)
    seeds.discard(-1)
    if not seeds:
        return ""
    masks = _MASKS - fn.idents  # what a masked string reads as (`S`, `fS`), unless the code has such a name
    names_of = [identifiers(code) if _F_STRING.search(code) else identifiers("\n".join(own[a:b + 1])) - masks
                for code, (a, b) in zip(texts, statements)]
    # the function's header (its decorators and `def` line) binds its parameters: a name read
    # takes it in, but its other parameters are not read for that
    header = next((k for k, (a, _b) in enumerate(statements) if _DEF.match(own[a])), -1)
    names_of = [found - _NOT_LOCAL for found in names_of]
    statements_of = _statements_naming(names_of)
    for k in range(header + 1):
        names_of[k] = set()
    taken = _reached(seeds, names_of, statements_of)
    return "\n".join(texts[k] for k in sorted(taken))


def _statements_naming(names_of: list[set[str]]) -> dict[str, list[int]]:
    """The statements that mention each name, from the names each statement mentions."""
    statements_of: dict[str, list[int]] = {}
    for k, names in enumerate(names_of):
        for name in names:
            statements_of.setdefault(name, []).append(k)
    return statements_of


def _reached(seeds, names_of: list[set[str]], statements_of: dict[str, list[int]]) -> set[int]:
    """The statements ``seeds``, and those that mention a name they mention, and so on (each
    name once, each statement once)."""
    taken = set(seeds)
    todo = [name for n in taken for name in names_of[n]]
    done: set[str] = set()
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        for k in statements_of.get(name, ()):
            if k not in taken:
                taken.add(k)
                todo.extend(names_of[k])
    return taken


def _summarised_calls(text: str, cls: str) -> frozenset[str]:
    """The calls of ``text`` whose value the flow reads from a summary of the callee (as
    ``_Function.summarised``)."""
    return frozenset(n.rpartition(".")[2] for n in CallText(text).names
                     if "." not in n or (cls and n.startswith("self.") and n.count(".") == 1))


def _names_objects(idents: set[str], objects: set[tuple[str, ...]]) -> bool:
    """Whether one of ``idents`` names an object of a class the project facts know (by all its
    words, or its last: ``new_user``)."""
    for ident in idents:
        words = split_words(ident)
        if words in objects or words[-1:] in objects:
            return True
    return False


def _assignments(fn: _Function, masked: list[str]) -> dict[str, list[str]]:
    """The statements of a method that set attributes of ``self``, by attribute (a superset:
    each statement where ``self.x`` comes before a ``=``, or is the target of a ``for`` or a
    ``with ... as``), each with the method's statements that tell where what it stores comes
    from (:func:`_with_origins`)."""
    out: dict[str, list[str]] = {}
    if "self" not in fn.text:
        return out
    lines = fn.text.split("\n")
    own = masked[fn.first - 1:fn.first - 1 + len(lines)]
    statements = _statements_of(fn, own)
    of_line = {k: n for n, (a, b) in enumerate(statements) for k in range(a, b + 1)}
    found: dict[int, list[str]] = {}  # statement -> the attributes it sets
    for m in standalone(_SELF_SET, fn.text):
        found.setdefault(of_line[fn.text.count("\n", 0, m.start())], []).append(m.group(1))
    selfish = [k for k, line in enumerate(own) if "self" in line]  # (a target on self names it)
    for n, (a, b) in enumerate(statements):
        if not selfish or bisect_left(selfish, a) == bisect_left(selfish, b + 1):
            continue  # no line of the statement mentions self
        code = " ".join(own[a:b + 1])
        target = _LOOP_TARGET.match(code) or _WITH_TARGET.search(code)
        if target is not None:
            found.setdefault(n, []).extend(m.group(1) for m in standalone(_SELF_READ, target.group(1)))
    cache: list = []  # each statement's identifiers, and the statements of each (_with_origins)
    for n, attrs in found.items():
        text = _with_origins(n, lines, statements, cache)
        for attr in attrs:
            out.setdefault(attr, []).append(text)
    return out


_NOT_LOCAL = frozenset({*keyword.kwlist, *keyword.softkwlist, "self", "cls"})
# `for self.x in ...`, `for self.a, self.b in ...`; `with open(p) as self.f:` (on masked code)
_LOOP_TARGET = re.compile(r"[ \t]*(?:async[ \t]+)?for[ \t]+(.*?)[ \t]+in\b")
_WITH_TARGET = re.compile(r"\bas[ \t]+(self[ \t]*\.[ \t]*\w+)")


def _statements_of(fn: _Function, own: list[str]) -> list[tuple[int, int]]:
    """The statements of a function (``own``: its masked lines), read once (:func:`_logical_lines`)."""
    if fn.statements is None:
        fn.statements = _logical_lines(own)
    return fn.statements


def _logical_lines(masked: list[str]) -> list[tuple[int, int]]:
    """The statements of a block of masked lines, as ``(first, last)`` line indexes: a line ends
    one where its brackets are closed and it does not end with a backslash."""
    out: list[tuple[int, int]] = []
    depth, first = 0, 0
    bracket = _BRACKET.search
    for k, code in enumerate(masked):
        if bracket(code) is not None:
            depth = max(depth + code.count("(") + code.count("[") + code.count("{") - code.count(")")
                        - code.count("]") - code.count("}"), 0)
        if depth == 0 and not code.rstrip().endswith("\\"):
            out.append((first, k))
            first = k + 1
    if first < len(masked):
        out.append((first, len(masked) - 1))
    return out


def _with_origins(n: int, lines: list[str], statements: list[tuple[int, int]], cache: list) -> str:
    """Statement ``n`` of a method, with its other statements that mention a name it reads, and
    in turn the names those read: where a local name it stores comes from (``for account in
    accounts:``, ``if (address := account.email):``, ``address = account.email``, a parameter
    given a new value).  A superset of the flow's (a statement that only uses a name counts too);
    ``cache``: each statement's identifiers and the statements of each identifier, made on first use."""
    if not cache:
        names_of = [identifiers("\n".join(lines[a:b + 1])) - _NOT_LOCAL for a, b in statements]
        cache.extend((names_of, _statements_naming(names_of)))
    names_of, statements_of = cache
    taken = _reached((n,), names_of, statements_of)
    first, last = statements[n]
    own = "\n".join(lines[first:last + 1])
    extra = ["\n".join(lines[a:b + 1]) for k, (a, b) in enumerate(statements) if k in taken and k != n]
    return "\n".join([own, *extra]) if extra else own


def _bound_names(lines: list[str], statements: list[tuple[int, int]]) -> dict[str, list[str]]:
    """The text of each module-level statement by the names it assigns (a superset)."""
    out: dict[str, list[str]] = {}
    for a, b in statements:
        text = "\n".join(lines[a - 1:b])
        for targets in _BINDS.findall(text):
            for name in targets.replace(" ", "").replace("\t", "").split(","):
                if name:
                    out.setdefault(name, []).append(text)
    return out
