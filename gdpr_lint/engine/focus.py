"""The code of a file that the analysis must read: what can make a finding, and what it calls.

Most of a big module can make no finding: a finding is made at a sink (a log call, a store, a
request to a processor, a raise), at a record's fields, or at something reported whatever the
words around it (a ``gdpr`` comment, a processor's SDK, a code loader).  libcst's parse and the
flow walk cost time in proportion to the code they read, so an analysed file is cut to:

- its own statements that are not functions or classes (imports, assignments, module-level code);
- every class's own statements (its inner classes, its settings), its header and decorators,
  but, where the record classes are read from ``ast`` (:mod:`gdpr_lint.engine.record_classes`),
  not the statements that only declare a field or are its docstring (a class left with no
  statement and no method kept is then left out whole: the walker reads nothing of an empty
  class, and its fields are read from ``ast``);
- the functions and methods that hold a sink shape (:meth:`Prefilter.function_sink_shaped`: a
  log call, a store, a request, a raise; a call of a function the project facts say writes
  its parameters to a sink, under its own name or one it is imported as; the name of an object
  another module makes for a sink, ``redis_store`` of ``redis_store = FlaskRedis()``) where
  what it may get can be personal data: what the
  function names in its code (not in a comment or its docstring:
  :func:`~gdpr_lint.files.parts.code_text`), with its class, what other methods set on self and
  the module's names it reads (a weak word, "name", beside a person's name in the same statement
  or function), what
  callers pass it or a helper returns; something always reported, a class or a record declared inside them
  (``Table("customers", ...)``), or a project handler that sends records elsewhere named
  anywhere in them;
- and, following what those read, the functions and methods they call by name (what a callee
  returns is followed into the caller), the module's functions and the class's methods they
  name without calling them (``map(mask_email, ...)``: a sanitizer is judged by its body), and
  the methods of their class that set an attribute of ``self`` they read (what ``self.x``
  holds is followed across methods).

When no function is kept and nothing else in the file can make a finding (no sink at module
level or in a class's own statements, and no class that may be a record unless the record
classes are read from ``ast``), there is nothing for libcst to read at all (:data:`NOTHING`).

What callers elsewhere pass to a function's parameters comes from the project facts
(:mod:`gdpr_lint.survey.incoming`), not from a walk of the callers, so callers need no reading.
The cut is made from the text (:mod:`gdpr_lint.files.parts`); the lines kept keep their numbers in
the file, and comments, tags and suppressions are read in the whole file as before.
"""

from __future__ import annotations

import ast
import itertools
import keyword
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from gdpr_lint.files.parts import (
    F_STRING,
    Part,
    code_text,
    logical_lines,
    masked_lines,
    members,
    top_level,
    uncommented,
)
from gdpr_lint.files.source import python_lines
from gdpr_lint.policy import name_words
from gdpr_lint.survey.calltext import CallText
from gdpr_lint.survey.classes import RECORD_CALL_MARKERS
from gdpr_lint.survey.prefilter import INNER_CLASS, identifiers, read_around, standalone

_SELF_READ = re.compile(r"self[ \t]*\.[ \t]*([A-Za-z_]\w*)")  # (standalone: `self` alone)
# an attribute or a key spelled otherwise than a dotted name reads it, as the flow reads it:
# `getattr(request, "user")`, `(self.request).user`, `row["e" "mail"]`
_GETATTR_LITERAL = re.compile(r"getattr[ \t]*\([ \t]*([A-Za-z_][\w.]*)[ \t]*,[ \t]*[\"']([A-Za-z_]\w*)[\"']")
_PARENTHESISED = re.compile(r"\([ \t]*([A-Za-z_][\w.]*)[ \t]*\)[ \t]*\.[ \t]*(?=[A-Za-z_])")
_JOINED_STRINGS = re.compile(r"([\"'])(\w*)\1[ \t]*\1(\w*)\1")
# `self.x = ...`, `self.x: T = ...`, `self.x += ...`, `self.a, self.b = ...`, `self.x \` and `= ...`
# on the next line: a superset
_SELF_SET = re.compile(r"self[ \t]*\.[ \t]*([A-Za-z_]\w*)(?=(?:[^\n=\\]|\\\r?\n|\\)*=(?!=))")
_DUNDER = re.compile(r"__\w+__$")
_RETURNS = re.compile(r"return\b(?![ \t]*(?:[#;\r\n]|$))", re.MULTILINE)  # `return(x)`, `return \` too
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


@dataclass
class _Class:
    first: int
    header_end: int
    indent: str
    statements: list[tuple[int, int]] = field(default_factory=list)  # its own, not methods
    methods: list[_Function] = field(default_factory=list)
    dropped: int = 0  # its own statements left out: they only declare a field (read from ast)


def focus(source: str, prefilter, facts=None, module: str = "", fields_apart: bool = False,
          record_calls=()) -> Part | None:
    """The part of ``source`` (the module ``module``) the analysis must read (see the module
    docstring), or ``None`` when that is the whole file (or the text cannot be cut).  With
    ``fields_apart`` (the record classes are read from ``ast``:
    :mod:`gdpr_lint.engine.record_classes`), a class's own statements that only declare a
    field (``email = EmailField()``, ``name: str``, its docstring) are left out too (not one that
    calls one of ``record_calls``, the last names of the calls that declare a record: those are
    libcst's), and a class that may be a record does not need reading."""
    lines = python_lines(source)
    masked = masked_lines(source)
    found = top_level(source)
    if not found or not all(map(str.isascii, masked)):
        return None  # (names in other scripts: the text's patterns read ASCII names only)
    kept: list[tuple[int, int]] = []  # module-level statements and whole classes that cannot be cut
    # the names a record may be declared by a call under (`Table`, `T` of `import Table as T`)
    record_called = frozenset(record_calls) | _record_aliases(frozenset(record_calls), source)
    record_calls = _record_calls(frozenset(record_calls), source)
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
                elif fields_apart and _declares_a_field(masked, lines, a, b, record_calls):
                    cls.dropped += 1
                else:
                    cls.statements.append((a, b))
            classes.append(cls)
            functions.extend(cls.methods)
        else:
            kept.append((first, last))
    idents = identifiers(source)
    dropped = any(cls.dropped for cls in classes)
    if not functions and not dropped or prefilter.imports_sdk(source, idents):
        return None  # a processor's SDK: what it sends is followed from the objects it makes, anywhere
    aliases = prefilter.aliases(source)
    module_text = "\n".join("\n".join(lines[a - 1:b]) for a, b in kept)
    module_idents = identifiers(module_text)
    bound = _bound_names(lines, kept)
    shells = {cls.methods[0].cls: "\n".join("\n".join(lines[a - 1:b]) for a, b in cls.statements)
              for cls in classes if cls.methods}
    shell_idents = {name: module_idents | identifiers(text) for name, text in shells.items()}
    renamed = {alias: name for name, alias in aliases}  # (`import record_visit as note`: note -> record_visit)
    summarised = _Summarised(getattr(facts, "summaries", None) or {}, module, module_idents,
                             getattr(facts, "shared_methods", None) or frozenset(), renamed)
    handlers = frozenset(q.rpartition(".")[2] for q in (getattr(facts, "handlers", None) or ()))
    handlers |= {alias for alias, name in renamed.items() if name in handlers}
    # what a function does with an object another module makes for a sink (`redis_store.sadd(...)`)
    # shows only in the facts: a function that names one is read
    made = frozenset(q.rpartition(".")[2] for table in ("sink_objects", "factories")
                     for q in (getattr(facts, table, None) or ()))  # (and the project's functions that make one)
    made |= {alias for name, alias in aliases if name in made}  # (`from app.analytics import mp as tracker`)
    # ... and a name the module binds to one (`OUT = mp`, `OTHER = OUT`)
    reading = {name: set().union(*map(identifiers, texts)) for name, texts in bound.items()} if made else {}
    while more := {name for name, read in reading.items() if name not in made and not made.isdisjoint(read)}:
        made |= more
    methods_of: dict[str, list[int]] = {}  # class -> its methods that mention `self`
    # (the file's calls read once, each function's the part within its lines; where a lone `\r`
    # or `\r\n` breaks lines the text is not the file's and is read on its own)
    file_calls = CallText(source) if "\r" not in source else None
    offsets = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0)) if file_calls else []
    for i, fn in enumerate(functions):
        calls = CallText(fn.text) if file_calls is None else file_calls.within(
            offsets[fn.first - 1], offsets[fn.last] - 1, fn.text)
        fn.called = calls.called()
        # the calls whose value the flow reads from a summary of the callee: `helper(...)`, and
        # `self.method(...)` of the same class (engine.flow)
        fn.calls = calls.names
        fn.summarised = frozenset(n.rpartition(".")[2] for n in calls.names if "." not in n or (
            fn.cls and n.startswith("self.") and n.count(".") == 1))
        fn.returns = next(standalone(_RETURNS, fn.text), None) is not None
        fn.idents = identifiers(fn.text)
        if fn.cls:
            fn.reads = frozenset(m.group(1) for m in standalone(_SELF_READ, fn.text if "getattr" not in fn.text else
                                                                  _spelled_out(fn.text)))  # (`getattr(self, "x")`)
            if "self" in fn.text:
                methods_of.setdefault(fn.cls, []).append(i)
    # the attributes of self a class sets to an object made for a sink (`self.tracker = mp` in
    # `__init__`): a method that reads one names the object (`self.tracker.track(...)`)
    made_attrs: dict[str, set[str]] = {}
    for fn in functions if made else ():
        if fn.cls and "self" in fn.text and not fn.idents.isdisjoint(made):
            if fn.sets is None:
                fn.sets = _assignments(fn, masked)
            made_attrs.setdefault(fn.cls, set()).update(
                attr for attr, texts in fn.sets.items() if any(not made.isdisjoint(identifiers(t)) for t in texts))
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

    module_functions: dict[str, list[int]] = {}  # name -> the module's functions of that name with a return
    for i, fn in enumerate(functions):
        if fn.returns and not fn.cls:
            module_functions.setdefault(fn.name, []).append(i)
    # (name, class: "" for the module's) -> the functions of that name with a `return <value>` (by
    # class: thousands of classes with a method `m` made each kept method's callees quadratic)
    returning: dict[tuple[str, str], list[int]] = {}
    for i, fn in enumerate(functions):
        if fn.returns:
            returning.setdefault((fn.name, fn.cls), []).append(i)

    def callees(names, cls: str) -> list[int]:
        """The functions whose returns the flow reads for calls of ``names`` from class ``cls``."""
        owners = ("", cls) if cls else ("",)
        return [j for name in names for owner in owners for j in returning.get((name, owner), ())]

    incoming = getattr(facts, "incoming", None) or {}
    # the functions the project's callers pass personal data to, and those that hold one (a
    # function defined inside them: `module.outer` for `module.outer.inner`)
    given_to = {q for q in incoming if q.startswith(module + ".")}
    given_to |= {q.rsplit(".", 1)[0] for q in given_to}
    typed_fields = frozenset(getattr(facts, "typed_fields", None) or ())
    # an account's name as text anywhere in the file (`def grant(user: str)`): a function that names it
    # (or reads it of self, or around it) may hold it
    accounts = prefilter.account_names(source) if hasattr(prefilter, "account_names") else frozenset()
    read_set: dict[int, tuple[list[str], set[str], set[str]]] = {}

    def set_elsewhere(i: int) -> tuple[list[str], set[str], set[str]]:
        """The statements of other methods that set what method ``i`` reads of self, and in turn
        what those read of self (`self.store = self.conn`, `self.conn = redis.Redis()`), their
        identifiers, and the attributes of self followed."""
        found = read_set.get(i)
        if found is None:
            fn = functions[i]
            texts: list[str] = []
            names: set[str] = set()
            todo, asked = list(fn.reads), set()
            while todo:
                attr = todo.pop()
                if attr in asked:
                    continue
                asked.add(attr)
                more, idents = setting_of(fn.cls, attr)
                texts += more
                names |= idents
                todo += [attr for text in more for attr in self_read_in(text)]
            found = read_set[i] = (texts, names, asked)
        return found

    self_reads: dict[str, list[str]] = {}  # a statement's text -> the attributes of self it reads

    def self_read_in(text: str) -> list[str]:
        found = self_reads.get(text)
        if found is None:
            found = self_reads[text] = [m.group(1) for m in standalone(_SELF_READ, text)]
        return found

    piece_idents: dict[str, set[str]] = {}  # a statement's text -> its identifiers

    def idents_of(text: str) -> set[str]:
        """The identifiers of a statement, read once for all the functions that read it."""
        found = piece_idents.get(text)
        if found is None:
            found = piece_idents[text] = identifiers(text)
        return found

    code_found: dict[int, tuple[str, set[str]]] = {}

    def code_of(i: int) -> tuple[str, set[str]]:
        """Function ``i``'s code (:func:`~gdpr_lint.files.parts.code_text`) and its identifiers, read once."""
        found = code_found.get(i)
        if found is None:
            fn = functions[i]
            text = code_text(fn.text, masked[fn.first - 1:fn.last])
            found = code_found[i] = (text, fn.idents if text is fn.text else identifiers(text))
        return found

    code_idents: dict[str, set[str]] = {}  # a statement's text -> the identifiers of its code

    def code_idents_of(text: str) -> set[str]:
        found = code_idents.get(text)
        if found is None:
            found = code_idents[text] = idents_of(text) if "#" not in text else identifiers(uncommented(text))
        return found

    def data_near(i: int) -> bool:
        """Whether function ``i``, with what it reads around it, names personal data or an object
        the project facts say something of: its own code, its class's name (what ``self`` is), the
        statements of other methods that set what it reads of self, and the module's statements
        that bind the names it reads (and those that bind the names these read).  Code, not the
        words of a comment or a docstring: the flow reads no data from those."""
        fn = functions[i]
        setting, _names, attrs = set_elsewhere(i)
        text, idents = code_of(i)
        spelled = _spelled_out(text)
        if spelled is not text:
            text, idents = spelled, idents | identifiers(spelled)
        setting = list(map(uncommented, setting))
        texts = [text, fn.cls, *setting]
        names = idents.union(*map(code_idents_of, setting))
        # (`BANNER = "Write to " + PRIMARY`, `PRIMARY = _profile["email"]`)
        module_texts, around = read_around(names, bound, code_idents_of)
        module_texts = list(map(uncommented, module_texts))
        texts += module_texts
        names |= around
        if typed_fields and not typed_fields.isdisjoint(names):
            return True  # `device.number` of a record whose `number` is a PhoneNumberField
        if accounts and any(n.lower() in accounts for n in names):
            return True  # `user` of `def grant(user: str)`, `self.owner` set from `owner: str`
        # what the project's callers pass to a method that sets what it reads of self, or what
        # those setters read of self in turn (`self.item = self.raw`, `self.raw = payload`)
        if fn.cls and any(f"{module}.{fn.cls}.{functions[j].name}" in given_to
                          for attr in attrs for j in setters(fn.cls, attr)):
            return True
        named = names | {fn.cls} if fn.cls else names  # (the identifiers of the texts: each text's)
        # (a weak word counts beside a person's name in the same function or statement, with the
        # class, what `self` is, and the module's statements it reads: `c = Customer()` makes
        # `c.name` a person's; `__name__` of `getLogger(__name__)` is no one's name)
        plain = {n for n in around if not _DUNDER.match(n)}
        pieces = (code_idents_of(text) | plain | {fn.cls} for text in setting)
        return prefilter.names_data("\n".join(texts), named, itertools.chain(
            [idents | plain | {fn.cls}], pieces)) or bool(objects) and _names_objects(names | {fn.cls}, objects)

    named: dict[int, bool] = {}  # function -> whether what it returns may name personal data
    own: dict[int, bool] = {}  # function -> whether it names personal data, with what it reads (data_near)

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
            if own.setdefault(k, data_near(k)):
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
    calls_found: dict[str, set[str]] = {}

    def last_called(text: str) -> set[str]:
        """The last names of the calls a statement makes (read once for all the methods of a class
        that read what it sets)."""
        found = calls_found.get(text)
        if found is None:
            found = calls_found[text] = {n.rpartition(".")[2] for n in CallText(text).names}
        return found

    def setting_of(cls: str, attr: str) -> tuple[list[str], set[str]]:
        """The statements that set ``self.<attr>`` in class ``cls``, and their identifiers (read
        once for all the methods of the class that read the attribute)."""
        found = settings_found.get((cls, attr))
        if found is None:
            texts = [text for j in setters(cls, attr) for text in functions[j].sets[attr]]
            found = settings_found[cls, attr] = (texts, set().union(*map(identifiers, texts)))
        return found

    # names of objects the project facts say something of (what a class prints as, carries, or
    # holds as personal data: engine.flow's object_text, carried, evidence_of), by their words; a
    # class of things with no tie to a person (a model, a setting) makes its fields no one's data
    objects = {words for table in ("texts", "carried") for words in (getattr(facts, table, None) or ())}
    objects.update(words for words, ev in (getattr(facts, "named", None) or {}).items()
                   if ev.kind in ("person", "linked") or ev.person_refs or ev.lookup_refs or ev.measures)
    live: set[int] = set()
    # nothing in a function is reported whatever its words unless something in the file is
    # (every test of `Prefilter.always` holds for a text when it holds for a part of it: the
    # lines as the functions' texts join them, a lone `\r` breaking a line as `\n` does)
    always = prefilter.always(source if "\r" not in source else "\n".join(lines), idents)
    # an object another module makes for a sink, named here: what its methods are is in the facts,
    # not in this file's names, so any sink's evidence may be around (`self.store = redis_store`,
    # then `self.store.sadd(...)` in another method)
    extra = frozenset().union(*(names for evidence, _methods in prefilter.shape_kinds for names in evidence)) \
        if not made.isdisjoint(idents) else frozenset()
    # a file parameter a command line declares anywhere in the file (`args.out.write(...)` in
    # another function than the `add_argument(type=argparse.FileType("w"))`): the function that
    # declares it is read (the flow learns the file's attributes there), and a write is a sink anywhere
    file_types = [names for names in prefilter.file_parameter_types if idents.issuperset(names)]
    extra = extra.union(*file_types)
    declares = frozenset(names[-1] for names in file_types)
    possible = prefilter.possible_sinks(idents | extra)
    for i, fn in enumerate(functions):
        if _is_root_alone(fn, always, prefilter, handlers) or not declares.isdisjoint(fn.idents) or (
                not fn.called.isdisjoint(record_called)):  # (`sa.Table("customers", ...)` in a function)
            live.add(i)
            continue
        # a call of a function of the project that writes its parameters to a sink is a sink of
        # its own, and so is a method of an object another module makes for a sink (its methods are
        # in the facts, not in this file's names): each makes a finding only with personal data
        # passed to it, as any sink does (Sinks._through_a_function, the store's or the SDK's taint)
        if fn.idents.isdisjoint(made) and fn.reads.isdisjoint(made_attrs.get(fn.cls, ())) and (
                not summarised.called_by(fn)):
            if not prefilter.may_be_sink_shaped(fn.text, aliases, fn.called, possible):
                continue  # (what holds it and what it reads of self cannot change that)
            # what shows which objects the function holds (a logger, a cache, a session): its own
            # names, the module's, its class's, and those of the methods that set what it reads of
            # self (the last only when the names without them show no sink: more names can only add one)
            seen = fn.idents | shell_idents.get(fn.cls, module_idents) | extra
            _setting, more, _attrs = set_elsewhere(i)
            if not (prefilter.calls_or_stores(fn.text, aliases, seen, fn.called) or (
                    not more.issubset(seen) and prefilter.calls_or_stores(fn.text, aliases, seen | more, fn.called)) or (
                    prefilter.shape_raise and "raise" in fn.text and prefilter.raises_data(fn.text))):
                continue
        # a sink makes a finding only with personal data: what its callers in the project pass the
        # function (or a function defined in it), what it names or reads around it (data_near),
        # what a helper it calls (or one that sets what it reads of self) returns
        qual = f"{module}.{fn.cls}.{fn.name}" if fn.cls else f"{module}.{fn.name}"
        setting_calls = {n for text in set_elsewhere(i)[0] for n in last_called(text)}
        if qual in given_to or data_near(i) or any(
                returns_data(j) for j in callees(fn.summarised | setting_calls, fn.cls)):
            live.add(i)
    if len(live) == len(functions) and not dropped:
        return None
    # module-level code reads helpers' returns too (`log.info(describe(ACCOUNT))` at the top)
    module_calls = CallText(module_text).names
    for j in callees({n for n in module_calls if "." not in n}, ""):
        live.add(j)
    work = list(live)
    while work:  # what the kept functions read: their callees, the setters of their attributes
        fn = functions[work.pop()]
        wanted = callees(fn.summarised, fn.cls)
        # a function of the module it names without calling it (`map(mask_email, emails)`): the
        # flow judges one named like a sanitizer by what its body returns
        # (read from its names: `set.intersection(dict)` walks the whole dict, thousands of functions
        # in a generated module, for each function kept)
        wanted += [j for name in fn.idents if name in module_functions for j in module_functions[name]]
        # ... or a method of its class it names on self without calling it (`map(self.redact, ...)`)
        wanted += [j for attr in fn.reads for j in returning.get((attr, fn.cls), ())]
        wanted += [j for attr in fn.reads for j in setters(fn.cls, attr)]
        for j in wanted:
            if j not in live:
                live.add(j)
                work.append(j)
    if len(live) == len(functions) and not dropped:
        return None
    bare = [cls for cls in classes if not cls.methods]
    if not live and not always and _nothing_else(module, facts, prefilter, "\n".join(
            [module_text, *shells.values(), *("\n".join(lines[a - 1:b]) for cls in bare for a, b in cls.statements)]),
            bare, made | handlers, summarised.names, fields_apart):
        return NOTHING  # no function to read, no record, no sink at module level: nothing to find
    keep = {id(functions[i]) for i in live}
    for fn in functions:
        if not fn.cls and id(fn) in keep:
            kept.append((fn.first, fn.last))
    extra: dict[int, str] = {}  # a class left with no statement: `pass` after its header
    for cls in classes:
        body = list(cls.statements) + [(m.first, m.last) for m in cls.methods if id(m) in keep]
        if not body and fields_apart:
            continue  # (a record of fields alone: nothing for libcst, see the module docstring)
        kept.append((cls.first, cls.header_end))
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


#: what :func:`focus` gives for a file in which nothing can make a finding
NOTHING = Part("", [])

_FIELD = re.compile(r"[ \t]*(?:([A-Za-z_]\w*)[ \t]*(?::|=(?!=))|S[ \t]*$)")  # `name = `, `name: `, a docstring


@lru_cache(maxsize=8)
def _record_calls(names: frozenset[str], source: str) -> re.Pattern:
    """What a call that declares a record is named in ``source``: one of ``names`` (the last names
    of the policy's Core tables and of the typing module's record calls: ``Table``, ``TypedDict``),
    or a name it imports one under (``from sqlalchemy import Table as T``)."""
    spelled = sorted(names)
    alternatives = [re.escape(n) for n in spelled] + [rf"\b{re.escape(a)}\b" for a in sorted(
        _record_aliases(names, source))]
    return re.compile("|".join(alternatives) or r"(?!)")


@lru_cache(maxsize=8)
def _record_aliases(names: frozenset[str], source: str) -> frozenset[str]:
    """The names ``source`` imports a record-declaring call under (``T`` of ``Table as T``)."""
    spelled = sorted(names)
    return frozenset(re.findall(r"\b(?:" + "|".join(map(re.escape, spelled)) + r")[ \t]+as[ \t]+([A-Za-z_]\w*)",
                                source)) if spelled and " as" in source else frozenset()


def _declares_a_field(masked: list[str], lines: list[str], first: int, last: int, record_calls: re.Pattern) -> bool:
    """Whether a class's own statement on lines ``first``-``last`` only declares a field (or is
    its docstring), which nothing but the field checks reads: an assignment or annotation of a
    name, with no dict in it (a ``LOGGING`` setting's handlers are read from libcst's tree) and
    no record declared by a call (``__table__ = Table(...)``; ``record_calls``: what such a call
    is named in the file)."""
    code = next((masked[n - 1] for n in range(first, last + 1) if masked[n - 1].strip()), "")
    found = _FIELD.match(code)
    if found is None or found.group(1) and keyword.iskeyword(found.group(1)):
        return False  # (`try:`, `else:`: a block)
    if any("{" in masked[n - 1] for n in range(first, last + 1)):
        return False
    return not any(record_calls.search(lines[n - 1]) for n in range(first, last + 1))


def _nothing_else(module: str, facts, prefilter, text: str, bare: list[_Class], made: frozenset[str],
                  passing: frozenset[str], fields_apart: bool = False) -> bool:
    """Whether a file whose functions can make no finding has nothing else that can: no class
    that is or may be a record or a carrier (``record_modules``, read from the whole survey: a
    schema, or a class with a framework's base, decorator or field; a class with no methods at
    all is read as a record may be), no record declared
    by a call or inside a block (``Table("customers", ...)``, a class under an ``if``), and in the
    module's code and its classes' own statements (``text``) no sink, no name of an object made
    for a sink or of a project function that makes one (``made``) and no call of a function
    the facts say writes its parameters to a sink (``passing``).  With ``fields_apart`` the
    classes' fields are read from ``ast`` whatever this says, and only a record declared by a
    call needs the rest."""
    records = getattr(facts, "record_modules", None)
    if records is None or not fields_apart and (module in records or bare or INNER_CLASS.search(text)):
        return False
    if any(marker in text for marker in RECORD_CALL_MARKERS):
        return False
    idents = identifiers(text)
    called = CallText(text).called()
    if not idents.isdisjoint(made) or not called.isdisjoint(passing):
        return False
    return not prefilter.sink_shaped(text, idents, called)


class _Summarised:
    """Which calls may reach a function of the project that writes its parameters to a sink (the
    facts' summaries), as :meth:`Sinks._through_a_function` finds them: a name called alone, a
    method of the same class, the one method of the project with that name (no other function
    has it), or a function of an imported module (a superset: any dotted call on a name the module
    binds, or the calling function imports)."""

    def __init__(self, summaries: dict, module: str, module_idents: set[str], shared: frozenset = frozenset(),
                 renamed: dict[str, str] | None = None) -> None:
        self.module = module
        self.renamed = renamed or {}  # a name the module imports under another: the other -> the name
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
        renamed = self.renamed
        if fn.called.isdisjoint(self.names) and not any(renamed.get(c) in self.names for c in fn.called) and (
                "getattr" not in fn.text):
            return False
        for dotted in fn.calls:
            head, _, last = dotted.rpartition(".")
            if last not in self.names:
                if not head and renamed.get(last) in self.names and _called_alone(last, fn.text):
                    return True  # `from app.track import record_visit as note`, then `note(...)`
                continue
            if last in self.methods or f"{self.module}.{fn.cls}.{last}" in self.quals:
                return True
            if not head and _called_alone(last, fn.text):
                return True  # called alone (not `super().name(`, a method of what super() gives; not its `def`)
            owner = head.partition(".")[0]
            if owner in self.module_idents or "import" in fn.text and owner in fn.idents:
                return True  # (a module the function imports itself: `from app import audit`, then `audit.note(`)
        # a function of an imported module called by its name as a string (`getattr(track, "audit")(...)`)
        for owner, name in _GETATTR_CALL.findall(fn.text) if "getattr" in fn.text else ():
            if name in self.names and (name in self.methods or owner.partition(".")[0] in self.module_idents):
                return True
        return False


_GETATTR_CALL = re.compile(r"getattr[ \t]*\([ \t]*([A-Za-z_][\w.]*)[ \t]*,[ \t]*[\"'](\w+)[\"'][^()]*\)[ \t]*\(")


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


def _is_root_alone(fn: _Function, always: bool, prefilter, handlers: frozenset[str]) -> bool:
    """Whether a function or method can make a finding of its own whatever names are around it
    (see the module docstring): something always reported (``always``: the file holds some), a
    record declared inside it, or a project handler named in it (``handlers``: one that sends
    records elsewhere).  The sink shapes it holds are :meth:`Prefilter.function_sink_shaped`'s."""
    text = fn.text
    if always and prefilter.always(text, fn.idents):
        return True
    if INNER_CLASS.search(text) or any(marker in text for marker in RECORD_CALL_MARKERS):
        return True  # a record declared inside it
    # (a handler of the project named anywhere in it: `dictConfig({"class": "app.logs.ShipHandler"})`)
    return not fn.idents.isdisjoint(handlers)


def _spelled_out(text: str) -> str:
    """``text`` with the attributes and keys it spells otherwise than a dotted name or one string
    written as such too (``getattr(request, "user")`` and ``(self.request).user`` as
    ``request.user`` and ``self.request.user``, ``"e" "mail"`` as ``"email"``), on lines added after
    it; ``text`` itself where it spells none."""
    extra = [f"{m.group(1)}.{m.group(2)}" for m in _GETATTR_LITERAL.finditer(text)] if "getattr" in text else []
    if ")" in text:
        extra += [m.group(1) + "." + text[m.end():m.end() + 80].split("\n", 1)[0] for m in _PARENTHESISED.finditer(text)]
    extra += [f"{m.group(1)}{m.group(2)}{m.group(3)}{m.group(1)}" for m in _JOINED_STRINGS.finditer(text)]
    return "\n".join([text, *extra]) if extra else text


def _names_objects(idents: set[str], objects: set[tuple[str, ...]]) -> bool:
    """Whether one of ``idents`` names an object of a class the project facts know (by all its
    words, or its last: ``new_user``; a number left out, as the flow reads it: ``member2``)."""
    for ident in idents:
        words = name_words(ident)
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
    statements = logical_lines(own)
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
        text = _with_origins(n, lines, own, statements, cache)
        for attr in attrs:
            out.setdefault(attr, []).append(text)
    return out


# (not the soft keywords: `match`, `case` and `_` are names too)
_NOT_LOCAL = frozenset({*keyword.kwlist, "self", "cls"})
# `for self.x in ...`, `for self.a, self.b in ...`; `with open(p) as self.f:` (on masked code)
_LOOP_TARGET = re.compile(r"[ \t]*(?:async[ \t]+)?for[ \t]+(.*?)[ \t]+in\b")
_WITH_TARGET = re.compile(r"\bas[ \t]+(self[ \t]*\.[ \t]*\w+)")


def _with_origins(n: int, lines: list[str], masked: list[str], statements: list[tuple[int, int]],
                  cache: list) -> str:
    """Statement ``n`` of a method, with its other statements that mention a name it reads, and
    in turn the names those read: where a local name it stores comes from (``for account in
    accounts:``, ``if (address := account.email):``, ``address = account.email``, a parameter
    given a new value).  A superset of the flow's (a statement that only uses a name counts too);
    the names are the code's (``masked``: the lines with strings and comments masked), not the
    words of a docstring or a comment, but an f-string's are read whole.  ``cache``: each
    statement's identifiers and the statements of each identifier, made on first use."""
    if not cache:
        names_of = [_code_names(lines, masked, a, b) - _NOT_LOCAL for a, b in statements]
        statements_of: dict[str, list[int]] = {}
        for k, names in enumerate(names_of):
            for name in names:
                statements_of.setdefault(name, []).append(k)
        cache.extend((names_of, statements_of))
    names_of, statements_of = cache
    taken = {n}
    todo = list(names_of[n])
    done: set[str] = set()
    while todo:  # each name once, each statement once
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        for k in statements_of.get(name, ()):
            if k not in taken:
                taken.add(k)
                todo.extend(names_of[k])
    first, last = statements[n]
    own = "\n".join(lines[first:last + 1])
    extra = ["\n".join(lines[a:b + 1]) for k, (a, b) in enumerate(statements) if k in taken and k != n]
    return "\n".join([own, *extra]) if extra else own


_NAMED_S = re.compile(r"(?<![\w.])S(?!\w)")


def _code_names(lines: list[str], masked: list[str], first: int, last: int) -> set[str]:
    """The names the code of lines ``first`` to ``last`` reads or binds: those of its masked
    text, or with an f-string (whose fields are code) the whole text's."""
    text = "\n".join(lines[first:last + 1])
    if F_STRING.search(text):
        return identifiers(text)
    names = identifiers("\n".join(masked[first:last + 1]))
    if "S" in names and _NAMED_S.search(text) is None:
        names.discard("S")  # (a string's mask, not a name)
    return names


def _bound_names(lines: list[str], statements: list[tuple[int, int]]) -> dict[str, list[str]]:
    """The text of each module-level statement by the names it binds: every name Python's parser
    reads as a target in it (`A = B = v`, `(A, B) = v`, `for A in v`, `if (A := v):`, `with v as
    A`), a name imported under another (`from flask_login import current_user as me`: what `me`
    is shows only there), or, where the statement does not parse alone, what an assignment's
    pattern finds."""
    out: dict[str, list[str]] = {}
    for a, b in statements:
        text = "\n".join(lines[a - 1:b])
        if "=" not in text and " in " not in text and " as " not in text:
            continue  # (binds nothing but by an import under its own name, which says nothing more)
        try:
            names = set()
            for node in ast.walk(ast.parse(text)):
                kind = type(node)
                if kind is ast.Name and type(node.ctx) is ast.Store:
                    names.add(node.id)
                elif kind is ast.Import or kind is ast.ImportFrom:
                    names.update(alias.asname for alias in node.names if alias.asname)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            names = {name for targets in _BINDS.findall(text)
                     for name in targets.replace(" ", "").replace("\t", "").split(",") if name}
        for name in names:
            out.setdefault(name, []).append(text)
    return out
