"""Decide cheaply, from the policy's own vocabulary, whether a file can yield any finding at all.

A file whose words (identifiers and strings split like identifiers) contain no personal-data
word, no processor SDK root, no logging handler that sends records to another machine and no
``gdpr`` comment cannot produce a finding: every check needs one of those.  The scan's survey (``scan.survey_source``) asks this for every file; the files it
rules out get Python's syntax check only, never libcst's parse and analysis, where the time goes.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache

from gdpr_lint.files.parts import code_text
from gdpr_lint.files.source import python_lines
from gdpr_lint.policy import Policy, split_words
from gdpr_lint.survey.astnames import (
    last_name,
    push_inner_children,
    string_statements,
    walk,
    walk_inner,
)

_IDENTS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHORT_STRINGS = re.compile(r"""["']([A-Za-z][\w .\-]{0,60})["']""")
INNER_CLASS = re.compile(r"^[ \t]+class[ \t]", re.MULTILINE)
_SUBSCRIPT_STORE = re.compile(r"\][ \t]*=[^=]")
_ALIASES = re.compile(r"\b([A-Za-z_]\w*)[ \t]+as[ \t]+([A-Za-z_]\w*)")  # what Prefilter.aliases finds
_AS = re.compile(r"(?<![ \t])[ \t]+as[ \t]+([A-Za-z_]\w*)")  # (from the first blank: a long run is not tried at each)
_WORD_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
# an import statement naming a module root ({}): where a statement starts (a line, also after a
# lone `\r`, a form feed, a `;` or a block's `:`), over lines joined by backslashes (a superset)
_SDK_IMPORT = (r"(?:^|(?<=[\r;:]))[ \t\f]*(?:from(?:[ \t]|\\\r?\n)+{0}\b|"
               r"import[ \t\\](?:[^#;\r\n\\]|\\\r?\n|\\)*\b{0}\b)")
_RAISE = re.compile(r"raise\b")  # standalone(): the tree tells what is raised (`raise errors[kind](text)` too)
_RAISE_LINES = 40  # the lines a raise statement is read over before it counts unread


def _literal(node: ast.expr) -> bool:
    """A string or number written out (an f-string without fields too): no one's data."""
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values))


def _text(lines: list[str], node) -> str:
    """The lines of a definition, its decorators included."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return "\n".join(lines[first - 1:node.end_lineno])


def _helpers(stmt: ast.AST, functions: dict[str, ast.AST]) -> list[ast.AST]:
    """The module's functions (``functions``, by name) that ``stmt`` calls by name, and those they
    call, and so on."""
    found: dict[str, ast.AST] = {}
    todo = [stmt]
    while todo:
        for node in walk_inner(todo.pop()):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                helper = functions.get(node.func.id)
                if helper is not None and helper is not stmt and node.func.id not in found:
                    found[node.func.id] = helper
                    todo.append(helper)
    return list(found.values())


def _module_assignments(tree: ast.Module, lines: list[str]) -> dict[str, list[str]]:
    """The text of each module-level statement that binds a name (assignments, loops and blocks at
    the top; an imported name is read by its own name), by the names it binds."""
    out: dict[str, list[str]] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        text = "\n".join(lines[stmt.lineno - 1:stmt.end_lineno])
        for node in walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                out.setdefault(node.id, []).append(text)
    return out


def read_around(names, bound: dict[str, list[str]], idents_of=None) -> tuple[list[str], set[str]]:
    """The module-level statements (``bound``: their texts by the names they bind) that bind one of
    ``names``, and in turn those that bind the names these read (``LABEL = c.name`` and ``c =
    Customer.objects.first()``: what ``c`` is), with their identifiers (``idents_of``: a memo of
    :func:`identifiers`)."""
    idents_of = idents_of or identifiers
    texts: list[str] = []
    around: set[str] = set()
    asked: set[str] = set()
    todo = [name for name in names if name in bound]
    while todo:
        name = todo.pop()
        if name in asked:
            continue
        asked.add(name)
        for text in bound[name]:
            texts.append(text)
            read = idents_of(text)
            around |= read
            todo += [n for n in read if n in bound and n not in asked]
    return texts, around


def _is_gettext(call: ast.Call) -> bool:
    """``_("text")``: a translated string, the way settings classes name things (``verbose_name``)."""
    return isinstance(call.func, ast.Name) and call.func.id == "_" and all(map(_literal, call.args))


def identifiers(text: str) -> set[str]:
    """Every identifier of a text: code, strings and comments alike."""
    return set(_IDENTS.findall(text))


@lru_cache(maxsize=4)
def file_identifiers(text: str) -> frozenset[str]:
    """:func:`identifiers` of a whole file, read once for the survey's several readers."""
    return frozenset(_IDENTS.findall(text))


def standalone(pattern: re.Pattern, text: str, after: str = "_."):
    """The matches of ``pattern``, which starts with a word (``raise``, ``self``), where that word
    stands alone: not the end of a longer name, nor (with ``after`` ``"_."``) an attribute
    (``do_raise``, ``x.self``).  The same as a look-behind at the pattern's start, tested here: a
    pattern that starts with a literal word is searched for many times faster than one that
    starts with a look-behind or ``\\b``."""
    at = 0
    while True:
        m = pattern.search(text, at)
        if m is None:
            return
        start = m.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in after):
            at = start + 1  # (a match may begin inside the one refused)
            continue
        yield m
        at = m.end() if m.end() > start else start + 1


def _spelled(qualified: str) -> tuple[str, ...]:
    """The names a file that uses ``qualified`` must spell: the root of its module (the import)
    and its last name (``("http", "SimpleCookie")`` for ``http.cookies.SimpleCookie``)."""
    parts = qualified.split(".")
    return (parts[0], parts[-1]) if len(parts) > 1 else (parts[0],)


class Prefilter:
    """Built once per policy; :meth:`may_yield` is a few set intersections over the file's words."""

    def __init__(self, policy: Policy, classifier=None) -> None:
        from gdpr_lint.classify import Classifier

        self.classifier = classifier or Classifier(policy)
        strong: set[str] = set()
        weak: set[str] = set()
        for cat in policy.categories.values():
            for phrase in cat.words:
                strong.add(phrase[0])
            # a weak word needs an owner about a person ("user.name"); so does every word of
            # what is personal only on a person's records ("author.bio", "customer.notes")
            for phrase in (*cat.weak_words, *(cat.words if cat.context == "person_linked" else ())):
                weak.add(phrase[0])
        # field types that make a field personal data (``EmailField``, ``PhoneNumber``), as identifiers
        # (not the free-text and file types, TextField or ImageField: they count only on a person's
        # records, which the project facts find and have analysed)
        self.type_names = frozenset(t.rpartition(".")[2] for c in policy.categories.values() for t in c.types
                                    if c.context != "person_linked")
        # ... or named after what it holds (`CommaSeparatedEmailField`: Classifier.classify_type),
        # judged once per identifier that ends so
        self._type_suffixes = tuple(sorted(w.capitalize() for w in policy.frameworks.declaration_words))
        self._named_types: dict[str, bool] = {}
        # ... used as a type: called (``EmailField(``, not ``class EmailField(``), or after a colon,
        # bracket, comma, ``|`` or ``=`` (``email: EmailStr``, ``Column(EmailType)``,
        # ``Optional[EmailStr]``); a name in a string or a comment is no field of any class
        self._type_uses: dict[frozenset[str], re.Pattern] = {}
        # identifiers and keys the classifier found to be no personal data alone (_named_alone)
        self._plain: set[str] = set()
        self._plain_keys: set[str] = set()
        # processor SDKs: a finding needs every part of an import root (``google.cloud.bigquery``)
        self.sdk_roots: dict[str, list[tuple[str, ...]]] = {}
        for proc in policy.processors.values():
            for root in proc.sdk:
                parts = tuple(root.split("."))
                self.sdk_roots.setdefault(parts[0], []).append(parts[1:])
        # telemetry settings that send personal data by default (``send_default_pii``)
        self.settings = tuple(setting["keyword"] for setting in policy.sinks["logging"].get("settings", []))
        # code run from a file by its path (GDPR906): the last names of the loaders, as text
        loaders = policy.sinks.get("code_loaders") or {}
        self.loaders = tuple(sorted({f.rpartition(".")[2] for f in loaders.get("functions") or ()}))
        self.evaluators = tuple(e + "(" for e in loaders.get("evaluators") or ())
        self.file_reads = tuple("." + r + "(" for r in loaders.get("file_reads") or ())
        # logging handlers that send records to another machine (``SysLogHandler``), called or named
        # in a dictConfig dict: a finding of their own, whatever the file's words
        self.remote_handlers = frozenset(name.rpartition(".")[2]
                                         for name in policy.sinks["logging"].get("remote_handlers") or ())
        # a log record's `extra=` with a key that handlers expand (`extra={"request": request}`,
        # `extra=dict(request=request)`): reported whatever the words (a superset: 2,000 characters on)
        keys = "|".join(map(re.escape, sorted(policy.sinks["logging"].get("expanded_extra") or ())))
        self.expanded_extra = re.compile(
            rf"extra\s*=\s*(?:\{{|dict\s*\()[\s\S]{{0,2000}}?(?:[\"'](?:{keys})[\"']\s*:|\b(?:{keys})\s*=)") if keys else None
        # sources (sinks.yaml): the signed-in user, whole containers of what a person sent, results of
        # identity-provider calls, written as in the source (`request.POST`, `.get_nameid(`)
        sources = policy.sinks.get("sources") or {}
        # a parameter named for an account annotated as text (`user: str`, sources.sign_in.text_names):
        # any annotation that spells `str` (a superset of the flow's)
        sign_in = sources.get("sign_in") or {}
        text_names = sorted(sign_in.get("text_names") or ()) if sign_in.get("category") else []
        # (`def grant(user: str)`, with line breaks, backslashes and comments before the parameter)
        self.account_text = re.compile(
            r"[(,](?:[ \t\r\n\\]|#[^\n]*)*((?i:" + "|".join(map(re.escape, text_names)) + r"))[ \t]*:[^)=]{0,80}?\bstr\b"
        ) if text_names else None
        patterns = sorted({*sources.get("signed_in", ()), *(sources.get("containers") or {}),
                           *(sources.get("calls") or {})}, key=len, reverse=True)
        # by the last identifier of each (`POST`, `get_nameid`): a file is searched only for the patterns
        # whose last identifier it has
        self._sources_by_tail: dict[str, list[str]] = {}
        for p in patterns:
            words = re.findall(r"\w+", p)
            if words:
                self._sources_by_tail.setdefault(words[-1], []).append(p)
        self.source_tails = frozenset(self._sources_by_tail)
        # the calls whose recipients are people's addresses (`EmailMessage(..., to)`), by last name,
        # each with the first name of its module (a file spells both where it imports one: `Message`
        # alone is any library's)
        recipient_calls = (sources.get("recipients") or {}).get("calls") or {}
        self.recipient_tails = frozenset(name.rpartition(".")[2] for name in recipient_calls)
        self._recipient_pairs = frozenset((name.partition(".")[0], name.rpartition(".")[2]) for name in recipient_calls)
        self._sources: dict[frozenset[str], re.Pattern] = {}
        # a source leads to a finding only through a sink: an identifier of a logger, a print, a
        # storage or HTTP call must be in the file too
        sinks = policy.sinks
        sink_names: set[str] = set()
        for family in ("logging", "storage"):
            for spec in (sinks[family].get("objects") or {}).values():
                sink_names.update(spec.get("names", ()))
                sink_names.update(f.rpartition(".")[2] for f in spec.get("factories", ()))
        sink_names.update(f.rpartition(".")[2] for f in (*sinks["logging"]["functions"], *sinks["storage"].get(
            "methods", {})))
        sink_names.update(f.split(".")[0] for f in (*sinks["logging"]["functions"], *sinks["storage"].get(
            "functions", {})))
        sink_names.update(f.split(".")[0] for f in (*sinks["http"]["functions"],
                                                    *sinks["http"]["objects"]["factories"]))
        sink_names.update(("logging", "session", "cache"))
        self.sink_names = frozenset(n for n in sink_names if n)
        # receivers whose calls are sinks (`log.info(`, `requests.post(`, `cache.set(`), and the
        # functions that are (`print(`): the survey reads what a file passes to them
        receivers: set[str] = set()
        for family in ("logging", "storage"):
            for spec in (sinks[family].get("objects") or {}).values():
                receivers.update(spec.get("names", ()))
        receivers.update(f.split(".")[0] for f in (*sinks["logging"]["functions"], *sinks["http"]["functions"],
                                                   *sinks["http"]["objects"]["factories"]) if "." in f)
        receivers.update(("cache", "redis", "session"))
        self.sink_receivers = frozenset(receivers)
        self.sink_functions = frozenset(f for f in sinks["logging"]["functions"] if "." not in f)
        self._sink_shapes(policy)
        self.strong = frozenset(strong | {w + "s" for w in strong})
        self.weak = frozenset(weak | {w + "s" for w in weak})
        # the words :meth:`why` asks about, and what it learnt of each identifier so far: the
        # words of it among them (those with none apart), read once for all the files of a scan
        self._asked = self.strong | self.weak | {"gdpr"}
        self._words_of: dict[str, frozenset[str]] = {}
        self._no_words: set[str] = set()
        self.subjects = frozenset(w for phrases in policy.subjects.values() for p in phrases for w in p)
        # the attributes through which a record class is queried (`Customer.objects.get(...)`: a Customer)
        self.queried_through = policy.frameworks.queried_through

    def _sink_shapes(self, policy: Policy) -> None:
        """What a call must look like to be a sink the engine checks (:mod:`gdpr_lint.engine.sinks`),
        as names a file's text holds: the tables of :meth:`sink_shaped`."""
        sinks = policy.sinks
        # functions, by their last name, each with the root of its module, which a file that calls
        # it must name (an import of it): `info` of `logging.info` needs `logging`
        functions: dict[str, set[str]] = {}
        operator = sinks.get("operator_output") or {}
        for name in (*sinks["logging"]["functions"], *sinks["storage"].get("functions", {}), *sinks["http"]["functions"],
                     *(operator.get("functions") or ()), *(s["call"] for s in sinks["logging"].get("settings", []))):
            root, _, last = name.rpartition(".")
            functions.setdefault(last, set()).add(root.split(".")[0] if root else "")
        self.shape_functions = {last: frozenset(roots) for last, roots in functions.items()}
        # methods of objects, by the names that show a file holds such an object: its names (`logger`),
        # the last names of its factories and types (`getLogger`, `Session`), and, for files, the
        # command-line parameters that open one (`FileType`)
        kinds: list[tuple[frozenset[tuple[str, ...]], frozenset[str]]] = []
        for family in ("logging", "storage"):
            for spec in (sinks[family].get("objects") or {}).values():
                evidence = {(n,) for n in spec.get("names", ())} | {_spelled(f) for f in spec.get("factories", ())}
                evidence.update(_spelled(t) for t in spec.get("types", ()))
                if "write" in spec.get("methods", ()):
                    files = sinks["storage"].get("file_parameters") or {}
                    evidence.update(_spelled(t) for t in files.get("types", ()))
                kinds.append((frozenset(evidence), frozenset((*spec.get("methods", ()), *spec.get("binders", ())))))
        http = sinks["http"]["objects"]
        kinds.append((frozenset(map(_spelled, http["factories"])), frozenset(http["methods"])))
        self.shape_kinds = tuple(kinds)
        # what declares a command line's file parameter (`type=argparse.FileType("w")`): the
        # attribute it sets is a file in any function of the module (flow.note_file_arguments)
        files = sinks["storage"].get("file_parameters") or {}
        self.file_parameter_types = frozenset(_spelled(t) for t in files.get("types", ()))
        # methods that write whatever their receiver (`path.write_text(`, `response.set_cookie(`)
        self.shape_methods = frozenset(sinks["storage"].get("methods", {}))
        # a command's output streams (`self.stdout.write(`)
        self.shape_streams = frozenset(operator.get("streams") or ())
        # subscript stores (`session["k"] = v`): the names of the stores and of the objects that are
        subscript = {_spelled(n) for n in sinks["storage"].get("subscript_stores") or {}}
        for spec in (sinks["storage"].get("objects") or {}).values():
            if spec.get("subscript_store"):
                subscript.update(_spelled(f) for f in spec.get("factories", ()))
        self.shape_subscripts = frozenset(subscript)
        self.shape_raise = bool(sinks["logging"].get("exceptions", True))
        # exceptions shown to the person who caused them (a validation error): never a log
        self.shown_exceptions = frozenset(sinks["logging"].get("shown_exceptions", ()))
        # a command's output is a finding only when the organisation checks it (check_cli_output)
        self.shape_operator = bool(policy.config.check_cli_output)

    @staticmethod
    def inner_record(source: str, tree: ast.Module | None) -> bool:
        """Whether a class declared inside a block, a function or another class may be a record
        (the survey's class facts hold top-level classes only): it has bases or decorators, or
        its body declares a field (an annotation, or a value built by a call).  A settings class
        such as Django's ``class Meta: ordering = ["id"]`` is none."""
        if not INNER_CLASS.search(source):
            return False
        if tree is None:
            return True
        for stmt in tree.body:
            for node in walk_inner(stmt):
                if node is stmt or not isinstance(node, ast.ClassDef):
                    continue
                if node.bases or node.keywords or node.decorator_list or any(
                        isinstance(b, ast.AnnAssign) or (isinstance(b, ast.Assign) and isinstance(b.value, ast.Call)
                                                         and not _is_gettext(b.value)) for b in node.body):
                    return True
        return False

    def sink_shaped(self, source: str, idents: set[str], called: frozenset[str], tree: ast.Module | None = None
                    ) -> bool:
        """Whether a file holds a statement the engine may report as a sink: a call of a sink
        function of a module the file names, a sink method with a name of its object in the file,
        a method that writes whatever its receiver, a command's output stream (when checked), a
        store by subscript, or an exception raised with arguments that are not literals (GDPR302;
        read from ``tree`` when given).  A superset, read from the file's words and the names it
        calls (``called``, the last part of each)."""
        if self._calls_sink(self.aliases(source), idents, called):
            return True
        if any(idents.issuperset(names) for names in self.shape_subscripts) and _SUBSCRIPT_STORE.search(source):
            return True
        if not self.shape_raise or next(standalone(_RAISE, source), None) is None:
            return False
        if tree is None:
            return True
        # a raise reports what its arguments carry: personal data the code around it names (its
        # top-level function or class, and the module-level assignments of the names it reads)
        lines = python_lines(source)
        assigned: dict[str, list[str]] | None = None
        functions: dict[str, ast.AST] = {}
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions[stmt.name] = stmt
        for stmt in tree.body:
            if not any(self._raises_data(node) for node in walk_inner(stmt)):
                continue
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return True
            if assigned is None:
                assigned = _module_assignments(tree, lines)
            # what it raises may come from the module's functions it calls (`describe(account)`)
            texts = [_text(lines, node) for node in [stmt, *_helpers(stmt, functions)]]
            if self._names_data("\n".join((*texts, *read_around(identifiers("\n".join(texts)), assigned)[0]))):
                return True
        return False

    @staticmethod
    def aliases(source: str) -> list[tuple[str, str]]:
        """The names a file imports or binds under another (``info as note``): ``(name, alias)``."""
        if " as " not in source:
            return []
        # `_ALIASES.findall(source)`, searched from each ` as ` back to the word before it (a
        # pattern that starts with a word is tried at every character of the file)
        out: list[tuple[str, str]] = []
        search = _AS.search
        at = floor = 0  # where to search on; where the last pair found ends
        while (found := search(source, at)) is not None:
            end = start = found.start()
            while start and (source[start - 1].isalnum() or source[start - 1] == "_"):
                start -= 1
            if floor <= start < end and source[start] in _WORD_START:
                out.append((source[start:end], found.group(1)))
                at = floor = found.end()
            else:  # no name before it (`open(p) as f`), or the last pair's: look on from the next character
                at = end + 1
        return out

    def _calls_sink(self, aliases: list[tuple[str, str]], idents: set[str], called: frozenset[str]) -> bool:
        """The calls of :meth:`sink_shaped`: whether one of the names ``called`` is a sink given
        the file's :meth:`aliases` and identifiers."""
        if aliases or "getattr" in called:
            # a function or method called by another name: `from logging import info as note`,
            # `getattr(log, "info")(...)`
            renamed = {name for name, alias in aliases if alias in called}
            if "getattr" in called:
                renamed |= idents
            called = called | renamed
        for last in called.intersection(self.shape_functions):
            roots = self.shape_functions[last]
            if "" in roots or not idents.isdisjoint(roots):
                return True
        if not called.isdisjoint(self.shape_methods):
            return True
        for evidence, methods in self.shape_kinds:
            if not called.isdisjoint(methods) and any(idents.issuperset(names) for names in evidence):
                return True
        return self.shape_operator and "write" in called and not idents.isdisjoint(self.shape_streams)

    def always(self, source: str, idents: set[str], words: set[str] | None = None) -> bool:
        """Whether code holds what is reported whatever words are around it: a ``gdpr`` comment
        (a tag or a suppression), an import of a processor SDK, a telemetry setting that sends
        personal data, a code loader (GDPR906), a logging handler that sends records to another
        machine, or a log record's ``extra`` that handlers expand (``extra={"request": request}``).
        ``idents``: the code's identifiers; ``words``: their words."""
        if words is None:
            words = set().union(*map(split_words, idents)) if idents else set()
        if "gdpr" in words or self.imports_sdk(source, idents):
            return True
        if any(keyword in source for keyword in self.settings):
            return True
        if any(name in source for name in self.loaders) or (
                any(e in source for e in self.evaluators) and any(r in source for r in self.file_reads)):
            return True
        return not idents.isdisjoint(self.remote_handlers) or "extra" in idents and self.expanded_extra is not None and (
            self.expanded_extra.search(source) is not None)

    def imports_sdk(self, source: str, idents: set[str]) -> bool:
        """Whether code imports a processor's SDK (``idents``: its identifiers)."""
        for first in idents.intersection(self.sdk_roots):
            # the engine knows an SDK only by an import of it: a word in a comment ("together",
            # "github", "square") is not one
            if any(all(part in idents for part in rest) for rest in self.sdk_roots[first]) and re.search(
                    _SDK_IMPORT.format(re.escape(first)), source, re.MULTILINE):
                return True
        return False

    def possible_sinks(self, idents: frozenset[str] | set[str]) -> tuple[frozenset[str], bool]:
        """For code whose identifiers are all among ``idents`` (a file's): ``(the names whose call
        can be a sink there, whether a store by subscript can)``, as :meth:`_calls_sink` and
        :meth:`function_sink_shaped` read its calls (a superset for any part of that code)."""
        names = {last for last, roots in self.shape_functions.items() if "" in roots or not idents.isdisjoint(roots)}
        names.update(self.shape_methods)
        for evidence, methods in self.shape_kinds:
            if any(idents.issuperset(e) for e in evidence):
                names.update(methods)
        if self.shape_operator and not idents.isdisjoint(self.shape_streams):
            names.add("write")
        return frozenset(names), any(idents.issuperset(e) for e in self.shape_subscripts)

    def may_be_sink_shaped(self, code: str, aliases: list[tuple[str, str]], called: frozenset[str],
                           possible: tuple[frozenset[str], bool]) -> bool:
        """Whether :meth:`function_sink_shaped` can hold for ``code`` (a part of a file, with the
        file's :meth:`aliases` and :meth:`possible_sinks`) whatever the names around it and
        the code it reads: false when none of its calls can be a sink, it stores nothing by
        subscript and raises nothing."""
        names, subscripts = possible
        if "getattr" in called:
            return True
        if aliases:
            called = called | {name for name, alias in aliases if alias in called}
        if not called.isdisjoint(names):
            return True
        if subscripts and _SUBSCRIPT_STORE.search(code):
            return True
        return self.shape_raise and "raise" in code

    def function_sink_shaped(self, code: str, aliases: list[tuple[str, str]], idents: set[str],
                             called: frozenset[str], around: str | None) -> bool:
        """:meth:`sink_shaped` for one function or method (``code``) of a file (whose
        :meth:`aliases` and identifiers are given): the calls it makes (``called``) and the stores
        and raises it holds.  A raise counts where the function, with ``around`` (the code it reads
        from: the module's assignments, the methods that set what it reads of self), names
        personal data, or wherever ``around`` is ``None`` (its callers pass it personal data)."""
        return self.calls_or_stores(code, aliases, idents, called) or self.raise_counts(code, around)

    def calls_or_stores(self, code: str, aliases: list[tuple[str, str]], idents: set[str],
                        called: frozenset[str]) -> bool:
        """The calls and stores of :meth:`function_sink_shaped`: true for ``idents`` when it is
        for any subset of them (more names around a function can only add sinks)."""
        if self._calls_sink(aliases, idents, called):
            return True
        return any(idents.issuperset(names) for names in self.shape_subscripts) and bool(_SUBSCRIPT_STORE.search(code))

    def raise_counts(self, code: str, around: str | None, raises: bool | None = None) -> bool:
        """The raises of :meth:`function_sink_shaped` (``raises``: :meth:`raises_data` of ``code``
        when the caller knows it)."""
        return self.shape_raise and (self.raises_data(code) if raises is None else raises) and (
            around is None or self._names_data(code) or bool(around) and self._names_data(around))

    def raises_data(self, code: str) -> bool:
        """Whether one function's code raises an exception the engine may report
        (:meth:`_raises_data`: arguments that are not literals, a class not shown back to the
        person).  Each ``raise`` is read alone, from the keyword to the line where it parses
        (``raise Error(\n  value)``); one that never does (the word in a string) counts."""
        for match in standalone(_RAISE, code):
            lines = code[match.start():].split("\n", _RAISE_LINES)[:_RAISE_LINES]
            for end in range(1, len(lines) + 1):
                try:
                    tree = ast.parse("\n".join(lines[:end]))
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    continue
                if any(self._raises_data(node) for node in walk_inner(tree)):
                    return True
                break
            else:
                return True
        return False

    def names_data(self, text: str, idents: set[str] | None = None, pieces=None) -> bool:
        """Whether code names personal data, as a raise's surroundings are read (:meth:`sink_shaped`);
        ``idents``: its :func:`identifiers`, when the caller has them.  With ``pieces`` (the
        identifiers of each statement or function the text joins), a weak word ("name") counts
        only beside a name of a person in the same piece: an owner is where the word is read
        (``user.name``, ``self.name`` in class ``Customer``), not anywhere in the texts joined."""
        if pieces is None:
            return self._names_data(text, idents)
        if not self._names_data(text, idents, weak=False):
            return self._weak_owned(idents) and any(map(self._weak_owned, pieces))
        return True

    def account_names(self, source: str, idents=None) -> frozenset[str]:
        """The parameter names (in lower case) that ``source`` annotates as text and that name an
        account (``def grant(user: str)``: ``user``)."""
        if self.account_text is None or (idents is not None and "str" not in idents) or "str" not in source:
            return frozenset()
        return frozenset(m.group(1).lower() for m in self.account_text.finditer(source))

    def _weak_owned(self, idents) -> bool:
        """A weak word ("name") beside a name of a person ("user") among ``idents``."""
        context_of = self.classifier.context_of
        return not self._words_asked(idents).isdisjoint(self.weak) and any(
            context_of(tok) == "person" for tok in idents)

    def _raises_data(self, node: ast.AST) -> bool:
        """An exception raised with arguments that are not literals, of a class that is not shown
        back to the person (a validation error)."""
        return isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and (
            last_name(node.exc.func) not in self.shown_exceptions) and not all(
            map(_literal, (*node.exc.args, *(k.value for k in node.exc.keywords))))

    def _names_data(self, text: str, idents: set[str] | None = None, weak: bool = True) -> bool:
        """Whether code names personal data as :meth:`why` reads a file: a personal-data type, a
        source of what a person sent, a name the classifier accepts alone, or a weak word ("name")
        beside a name of a person ("user")."""
        if idents is None:
            idents = identifiers(text)
        if not idents.isdisjoint(self.type_names):
            return True
        tails = self.source_tails.intersection(idents)
        if tails and self._has_source(frozenset(tails), text):
            return True
        if not idents.isdisjoint(self.recipient_tails):
            return True  # a mail's recipients (`EmailMessage(..., to)`): people's addresses
        if self._named_alone(idents) or self._keys_named(text):
            return True
        # a weak word ("name") is a person's only with an owner about a person ("user.name")
        return weak and self._weak_owned(idents)

    def _named_alone(self, idents: set[str] | frozenset[str]) -> bool:
        """Whether the classifier accepts one of ``idents`` alone, or one without its first word
        (``get_display_name``: ``display_name``).  The identifiers it accepted neither way are
        not asked again: most recur in every file (``self``, ``request``, ``value``)."""
        fresh = idents - self._plain
        if not fresh:
            return False
        classify = self.classifier.classify
        plain: list[str] = []  # (those refused before one is accepted are not asked again either)
        try:
            for tok in fresh:
                if classify(tok, None, True):
                    return True
                words = split_words(tok)
                if len(words) > 1 and classify("_".join(words[1:]), None, True):
                    return True
                plain.append(tok)
            return False
        finally:
            self._plain.update(plain)

    def _keys_named(self, text: str) -> bool:
        """Whether the classifier accepts a short string of several words in ``text`` (a key:
        "date of birth", "e-mail"); the strings it refused are not asked again."""
        fresh = {t for t in _SHORT_STRINGS.findall(text) if not t.isidentifier()} - self._plain_keys
        if not fresh:
            return False
        classify = self.classifier.classify
        if any(classify(t, None, True) for t in fresh):
            return True
        self._plain_keys |= fresh
        return False

    def _types_named(self, idents) -> set[str]:
        """The identifiers that are field types named after personal data (``PhoneField``)."""
        found: set[str] = set()
        suffixes, known = self._type_suffixes, self._named_types
        for ident in idents:
            if ident.endswith(suffixes) and ident not in self.type_names:
                verdict = known.get(ident)
                if verdict is None:
                    verdict = known[ident] = bool(self.classifier.named_type(ident))
                if verdict:
                    found.add(ident)
        return found

    def type_used(self, names: frozenset[str], source: str) -> bool:
        """Whether one of ``names`` (personal-data types) is used as a type in ``source``."""
        pattern = self._type_uses.get(names)
        if pattern is None:
            alts = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
            pattern = self._type_uses[names] = re.compile(
                rf"[:\[|,(=][ \t]*(?:\w+[ \t]*\.[ \t]*)*(?:{alts})\b|(?<!class )(?<!def )\b(?:{alts})[ \t]*\(")
        return pattern.search(source) is not None

    def _sources_in(self, tails: frozenset[str]) -> re.Pattern:
        """The source patterns (``request.POST``, a name within a dotted chain, spaces around its
        dots allowed) whose last identifier is one of ``tails``, as one expression."""
        pattern = self._sources.get(tails)
        if pattern is None:
            patterns = sorted((p for tail in tails for p in self._sources_by_tail[tail]), key=len, reverse=True)
            pattern = self._sources[tails] = re.compile(r"(?:" + "|".join(
                r"\s*\.\s*".join(map(re.escape, p.split("."))) for p in patterns) + r")\b")
        return pattern

    def _has_source(self, tails: frozenset[str], text: str) -> bool:
        """Whether ``text`` names one of the sources ending in ``tails``, not inside a longer name."""
        return next(standalone(self._sources_in(tails), text, "_"), None) is not None

    def may_yield(self, source: str) -> bool:
        """Whether the file's words could lead to any finding (never false for a file with one)."""
        return self.decide(source)[0]

    def _words_asked(self, idents: frozenset[str]) -> set[str]:
        """The words of ``idents`` that :meth:`why` asks about (``gdpr``, a strong or a weak word)."""
        known, none = self._words_of, self._no_words
        if len(none) > 1 << 18:  # (a bound on what is remembered)
            known.clear()
            none.clear()
        words: set[str] = set()
        for ident in idents.difference(none):  # (most identifiers are known to have none)
            found = known.get(ident)
            if found is None:
                found = self._asked.intersection(split_words(ident))
                if not found:
                    none.add(ident)
                    continue
                found = known[ident] = frozenset(found)
            words |= found
        return words

    def decide(self, source: str, tree: ast.Module | None = None) -> tuple[bool, bool]:
        """``(may yield a finding, Python's own parser accepted the file)``: :meth:`why` said so."""
        why, parsed = self.why(source, tree)
        return bool(why), parsed

    def why(self, source: str, tree: ast.Module | None = None) -> tuple[str, bool]:
        """``(why the file may yield a finding, Python's own parser accepted the file)``; the
        first is ``""`` (it cannot), ``"words"`` (it names personal data: it can only where the
        words meet a sink or a record, :meth:`sink_shaped` and the project facts) or
        ``"always"`` (a finding of its own needs nothing more).

        Opens a file: a ``gdpr`` comment (tags, suppressions); a personal-data field type (listed,
        or named after what it holds: ``CommaSeparatedEmailField``); every part of a processor
        SDK's import root; a telemetry setting keyword; the name of a logging handler that sends
        records to another machine; a log record's ``extra=`` with the request; a mail library's
        call whose recipients are people's addresses beside a sink; an identifier (or
        string) that the classifier accepts on its own (``customer_email``; ``email_backend`` or
        ``ip_version`` do not); a weak word ("name", "address") that the classifier accepts with
        one of the owners the engine would give it (``user.name``, ``row["name"]`` on
        ``customer``, a ``name`` field of class ``Customer``).  The last test reads the file's
        ``ast`` (``tree`` when the caller has parsed it already); when it parsed, the second
        value says so and no further syntax check is needed.

        The words are the code's: a file that names personal data only in its comments or
        docstrings (:func:`~gdpr_lint.files.parts.code_text`) names none, since the analysis reads
        no data from those (a ``gdpr`` comment is read in them all the same).
        """
        idents = file_identifiers(source)  # code, strings and comments alike
        words = self._words_asked(idents)
        if self.always(source, idents, words):
            return "always", False
        found = self._by_words(source, idents, words, tree)
        if found[0] != "words" or found[1]:
            return found  # (the test that parsed read the tree: the code already)
        if tree is None:  # (the tree of the file, not of its code alone: a body left blank does not parse)
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return "always", False
        code = code_text(source, strings=string_statements(tree))
        if code is source:
            return found
        idents = identifiers(code)
        return self._by_words(code, idents, self._words_asked(frozenset(idents)), tree)

    def _by_words(self, source: str, idents, words: set[str], tree: ast.Module | None) -> tuple[str, bool]:
        """:meth:`why` after its test of what is always reported: the words of ``source``."""
        if self.account_names(source, idents):
            return "words", False  # an account's name as text (`user: str`): a finding where it meets a sink
        types = self.type_names.intersection(idents) | self._types_named(idents)
        if types and self.type_used(frozenset(types), source):
            return "words", False  # a field of a record, or a parameter or a value a sink may get
        tails = self.source_tails.intersection(idents)
        if tails and (not idents.isdisjoint(self.sink_names) or self.shape_raise and "raise" in idents) and (
                self._has_source(frozenset(tails), source)):
            return "words", False  # what a person sent: a finding where it meets a sink (or a raise)
        if not idents.isdisjoint(self.recipient_tails) and any(
                root in idents and tail in idents for root, tail in self._recipient_pairs) and (
                not idents.isdisjoint(self.sink_names) or self.shape_raise and "raise" in idents):
            return "words", False  # a mail's recipients, people's addresses, where they may meet a sink
        strong, weak = not words.isdisjoint(self.strong), not words.isdisjoint(self.weak)
        if not (strong or weak):
            return "", False
        # personal data by its name alone, or a getter's noun (get_display_name() is classified as
        # display_name), or a key of several words ("date of birth", "e-mail")
        if self._named_alone(idents) or self._keys_named(source):
            return "words", False
        classify = self.classifier.classify
        if not weak:
            return "", False
        context_of = self.classifier.context_of
        if not any(context_of(tok) == "person" for tok in idents):
            return "", False  # a weak word needs an owner about a person ("user", "Customer")
        if tree is None:
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return "always", False  # libcst decides (newer syntax, or a syntax error to report)
        try:
            return ("words" if _owned_weak_word(tree, self.weak, classify, context_of, self.queried_through)
                    else ""), True
        except RecursionError:
            return "always", True


def _owned_weak_word(tree: ast.AST, weak: frozenset[str], classify, context_of,
                     queried_through: frozenset[str] = frozenset()) -> bool:
    """Whether a name or key with a weak word is personal data given an owner the engine could use.

    The owners are a superset of the engine's (``flow.owner_name``, schema fields): an
    attribute's receiver, a subscript's or ``.get("key")``'s receiver, the enclosing classes for
    ``self``, the class (and the classes around it) for the names its body assigns, and the first
    string argument of a call for the strings inside it (``Table("customers", Column("name"))``).
    A name inside a function body is classified without an owner, as the engine does.  Only owners about
    a person matter: a weak word is accepted otherwise only when the name itself says whose it is
    (``customer_name``), which :meth:`Prefilter.decide` has already tested.

    This walk visits every node of the file (most of a survey's time where it runs): a name's
    owners are worked out only for a name with a weak word, and a node is held on the walk's
    stack alone, the classes around it kept beside the stack.
    """
    def has_weak(text: str) -> bool:
        return _has_weak(text, weak) if len(text) < 64 else not weak.isdisjoint(split_words(text))

    def hit(name: str, owners) -> bool:
        return has_weak(name) and any(context_of(o) == "person" and classify(name, o, True) for o in owners if o)

    def owners_of(node: ast.AST, classes: list[str]) -> list[str]:
        if isinstance(node, ast.Name):
            return [node.id, *classes] if node.id in ("self", "cls") else [node.id]
        if isinstance(node, ast.Attribute):
            return [node.attr]
        if isinstance(node, ast.Subscript):
            key = node.slice
            own = owners_of(node.value, classes)
            return [key.value, *own] if isinstance(key, ast.Constant) and isinstance(key.value, str) else own
        if isinstance(node, ast.Call):
            return [last_name(node.func)]
        if isinstance(node, ast.Await):
            return owners_of(node.value, classes)
        return []

    # a name may hold an object of a class it is made from (`current = Customer(...)`,
    # `c = Customer.objects.get(...)`, `c: Customer`): the flow's owner of its attributes is then
    # the class (flow.class_of); the classes about a person made in the file, and the weak words
    # read on a name, are matched at the end
    made: set[str] = set()
    read_on_names: set[str] = set()
    classes: list[str] = []  # the classes around the node, innermost first
    # the nodes to visit; a list on it is the classes to go back to once a class's nodes are done
    stack: list = [tree]
    pop, push = stack.pop, stack.append
    ClassDef, Attribute, AnnAssign, arg, Subscript, Call, Constant, Name = (
        ast.ClassDef, ast.Attribute, ast.AnnAssign, ast.arg, ast.Subscript, ast.Call, ast.Constant, ast.Name)
    while stack:
        node = pop()
        kind = type(node)
        if kind is list:
            classes = node
            continue
        if kind is ClassDef:
            # a schema's fields are the names its body assigns, owned by the class (schemas.fields_of)
            push(classes)  # (back to these once the class's nodes are visited)
            classes = [node.name, *classes]
            owners = [o for o in classes if context_of(o) == "person"]
            for stmt in node.body if owners else ():
                targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                    [stmt.target] if isinstance(stmt, AnnAssign) else [])
                if any(isinstance(t, Name) and hit(t.id, owners) for t in targets):
                    return True
        elif kind is Attribute:
            attr = node.attr
            words = _words(attr)
            tail = "_".join(words[1:]) if len(words) > 1 else ""
            weak_attr = has_weak(attr)
            if weak_attr or tail and has_weak(tail):  # (hit's first test, before the owners are worked out)
                owners = owners_of(node.value, classes)
                if hit(attr, owners) or (tail and hit(tail, owners)):
                    return True
                if weak_attr and type(node.value) is Name:
                    read_on_names.add(attr)
        elif kind is AnnAssign:
            made.add(last_name(node.annotation))
        elif kind is arg:
            if node.annotation is not None:
                made.add(_annotated_class(node.annotation))  # `def load(self, obj: Customer)`
        elif kind is Subscript:
            key = node.slice
            if isinstance(key, Constant) and isinstance(key.value, str) and has_weak(key.value) and hit(
                    key.value, owners_of(node.value, classes)):
                return True
        elif kind is Call:
            made.add(_class_made(node, queried_through))
            args = node.args
            if type(node.func) is Name and node.func.id == "getattr" and len(args) > 1 and type(
                    args[1]) is Constant and type(args[1].value) is str:
                read = args[1].value  # getattr(customer, "name"): customer.name
                if has_weak(read):
                    if hit(read, owners_of(args[0], classes)):
                        return True
                    if type(args[0]) is Name:
                        read_on_names.add(read)
            if isinstance(node.func, Attribute):
                strings = [a.value for a in args if isinstance(a, Constant) and isinstance(a.value, str)
                           and has_weak(a.value)]
                if strings:
                    owners = owners_of(node.func.value, classes)
                    if any(hit(text, owners) for text in strings):
                        return True
            if args and isinstance(args[0], Constant) and isinstance(args[0].value, str):
                owner = args[0].value  # Table("customers", ..., Column("name", ...))
                for sub in walk(node) if context_of(owner) == "person" else ():  # (hit's test, once)
                    if isinstance(sub, Constant) and isinstance(sub.value, str) and len(sub.value) < 80 and hit(
                            sub.value, [owner]):
                        return True
        # its children (not a name, a constant or an operator, which hold nothing this walk reads)
        push_inner_children(node, push)
    owners = [c for c in made if c[:1].isupper() and not c.isupper()]
    return any(hit(read, owners) for read in read_on_names) if owners else False


@lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    """:func:`~gdpr_lint.policy.split_words`, remembered: a file spells the same names again and again."""
    return split_words(text)


@lru_cache(maxsize=1 << 16)
def _has_weak(text: str, weak: frozenset[str]) -> bool:
    """Whether ``text`` (a name, or a short string) holds one of the ``weak`` words (remembered: the
    walk asks of every name)."""
    return not weak.isdisjoint(_words(text))


def _annotated_class(node: ast.AST) -> str:
    """The last name of the class an annotation says a value is, as the flow reads it
    (``Customer``, ``Optional[Customer]``, ``Union[Customer, None]``, ``Customer | None``, and
    those written as strings), or ``""`` (a container of them, another shape)."""
    if type(node) is ast.Constant and type(node.value) is str:
        sides = [p.strip() for p in node.value.split("|") if p.strip() != "None"]
        return sides[0].rpartition(".")[2] if len(sides) == 1 and sides[0].replace(".", "").isidentifier() else ""
    if type(node) is ast.Subscript and last_name(node.value) in ("Optional", "Union"):
        items = node.slice.elts if type(node.slice) is ast.Tuple else [node.slice]
        sides = [i for i in items if not (type(i) is ast.Constant and i.value is None)]
        return _annotated_class(sides[0]) if len(sides) == 1 else ""
    if type(node) is ast.BinOp and type(node.op) is ast.BitOr:
        sides = [i for i in (node.left, node.right) if not (type(i) is ast.Constant and i.value is None)]
        return _annotated_class(sides[0]) if len(sides) == 1 else ""
    return last_name(node) if type(node) in (ast.Name, ast.Attribute) else ""


def _class_made(call: ast.Call, queried_through: frozenset[str]) -> str:
    """The name of the class a call makes or reads, as the flow tells it (``Queue()``,
    ``Queue.objects.filter(...).first()`` through one of ``queried_through``, the frameworks'
    managers and query properties, ``models.Queue.get(...)``: ``Queue``), or the last name
    called; the caller keeps only names spelled as classes."""
    node: ast.AST = call
    while type(node) is ast.Call and type(node.func) is ast.Attribute:
        node = node.func.value
    if type(node) is ast.Call:
        node = node.func
    if type(node) is ast.Attribute and node.attr in queried_through:
        node = node.value
    return last_name(node)




