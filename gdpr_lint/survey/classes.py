"""What one file says about its classes, read with :mod:`ast` in the survey (no libcst).

For every top-level class: its qualified name, its bases and decorators resolved through the
file's imports, ``table=True`` (SQLModel), ``__tablename__``, whether its ``Meta`` says
``abstract = True``, and its fields -- a name, the qualified names of the constructor and the
annotation, and for a reference (a foreign key, a relationship) what it points at.  The result
is plain data (lists, strings, booleans): it is cached with the file's survey and assembled into
:class:`~gdpr_lint.facts.project.ProjectFacts` on every scan.
"""

from __future__ import annotations

import ast
import bisect
import re

from gdpr_lint.policy import split_words
from gdpr_lint.survey.astnames import (
    bind_import,
    block_fields,
    imports_anywhere,
    walk,
    walk_inner,
)

#: text that may declare a record by a call, or a SQLAlchemy Core table: a file holding none of it
#: declares records only by classes (the survey and engine.fields both read it so)
RECORD_CALL_MARKERS = ("sqlalchemy", "TypedDict(", "amedtuple(", "NamedTuple(")


def _dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Subscript):  # Generic[T], Mapped[...]
        return _dotted(node.value)
    if isinstance(node, ast.Call):  # get_user_model()
        inner = _dotted(node.func)
        return f"{inner}()" if inner else ""
    return ""


def _top_statements(tree: ast.Module):
    """Module-level statements, and those one level inside ``if``/``try`` (``if TYPE_CHECKING:``)."""
    for stmt in tree.body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try)):
            yield from stmt.body
            yield from getattr(stmt, "orelse", ())
            for handler in getattr(stmt, "handlers", ()):
                yield from handler.body


def _from_base(stmt: ast.ImportFrom, package: str) -> str:
    """The absolute module a ``from ... import`` reads from (a relative one resolved against ``package``)."""
    base = stmt.module or ""
    if stmt.level:
        parts = package.split(".") if package else []
        parts = parts[: len(parts) - (stmt.level - 1)] if stmt.level > 1 else parts
        base = ".".join(p for p in (*parts, base) if p)
    return base


def imported_modules(tree: ast.Module, module: str, is_package: bool, text: str = "", calls=None) -> list[str]:
    """What a module imports, anywhere in it (a function's lazy import too), as absolute dotted
    names: ``import a.b`` gives ``a.b``, ``from a import b`` gives ``a.b`` (``b`` may be a module or
    a name in ``a``: :func:`gdpr_lint.facts.scope.imported_test_code` reads both), and a relative
    import is resolved against the module's package.  Statements are walked, and the expressions
    only of a file whose ``text`` calls ``import_module`` or ``__import__`` (:func:`_loaded_modules`;
    ``calls``: the text's :class:`~gdpr_lint.survey.calltext.CallText`, when the caller has it)."""
    package = module if is_package else module.rpartition(".")[0]
    out: set[str] = set()
    for stmt in imports_anywhere(tree):
        if isinstance(stmt, ast.Import):
            out.update(a.name for a in stmt.names)
        else:
            base = _from_base(stmt, package)
            out.update(base if a.name == "*" else f"{base}.{a.name}".lstrip(".") for a in stmt.names)
    if not text or (not _LOADERS.isdisjoint(calls.called()) if calls is not None else (
            "import_module" in text or "__import__" in text)):
        out.update(_loaded_modules(tree, package))
    out.discard("")
    return sorted(out)


def module_objects(tree: ast.Module, module: str, is_package: bool, own: frozenset[str] = frozenset()
                   ) -> list[list[str]]:
    """``[[qualified name, qualified name of its maker], ...]`` for the objects the module makes at
    its top with a call of something it imports (``redis_store = FlaskRedis()``,
    ``s3 = boto3.client("s3")``), or of one of its classes in ``own`` (its loggers:
    :func:`logger_classes`): another module that imports the object holds what it is."""
    names: _Names | None = None
    out: list[list[str]] = []
    functions = {stmt.name for stmt in tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
    bound: dict[str, int] = {}  # how many times the module binds each name at its top
    for stmt in _top_statements(tree):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(
            stmt, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    bound[node.id] = bound.get(node.id, 0) + 1
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound[stmt.name] = bound.get(stmt.name, 0) + 1
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            target, value = stmt.target, stmt.value
        else:
            continue
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Call) or bound.get(target.id, 0) > 1:
            continue  # (bound again: which object an importer gets is not known)
        names = names or _Names(tree, module, is_package)
        text = _dotted(value.func)
        if text in functions or text in own:  # the module's own function (`CLIENT = get_store()`), maybe a
            out.append([f"{module}.{target.id}", f"{module}.{text}"])  # factory, or its own logger class
            continue
        maker = names.resolve(value.func)
        if "." in maker and not maker.startswith(f"{module}."):
            out.append([f"{module}.{target.id}", maker])
    return out


def logger_classes(tree: ast.Module, module: str, methods: frozenset[str], maker: str) -> list[list[str]]:
    """``[[qualified name of a class, maker], ...]`` for the module's classes that are loggers of
    their own: two or more methods named for a log level (``info``, ``error``: ``methods``), each
    passing its message on to such a method of something else (``self._logger.info(self.prefix +
    msg, *args)``, ``current_log().info(msg)``).  What such a class makes is a logger (``maker``,
    the policy's first logger factory), as what a project function that returns one makes is."""
    out: list[list[str]] = []
    for stmt in tree.body:
        if not isinstance(stmt, ast.ClassDef):
            continue
        passing = 0
        for fn in stmt.body:
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.name not in methods:
                continue
            params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)][1:2]
            if not params or not any(
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in methods
                    and any(isinstance(n, ast.Name) and n.id == params[0] for arg in node.args for n in walk(arg))
                    for node in walk(fn)):
                break  # a method named for a level that does something else: not a logger
            passing += 1
        else:
            if passing >= 2:
                out.append([f"{module}.{stmt.name}", maker])
    return out


def module_factories(tree: ast.Module, module: str, is_package: bool) -> list[list[str]]:
    """``[[qualified name, qualified name of a maker], ...]`` for the module's functions that hand
    back an object made by a call of something the module imports or of another of its functions
    (``return redis.Redis(...)``, or a name bound to such a call and returned), in the order of
    their returns: what a call of them gives is what the maker makes (a project's own
    ``get_redis()``: ProjectFacts.factories keeps the makers of sinks.yaml)."""
    names: _Names | None = None
    out: list[list[str]] = []
    functions = {stmt.name for stmt in tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for stmt in tree.body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        made: dict[str, list[ast.Call]] = {}  # local name -> the calls bound to it
        returned: list[ast.expr] = []
        todo = list(reversed(stmt.body))
        while todo:  # the function's own statements, in source order (not those of the functions
            # and classes inside it)
            cur = todo.pop()
            target = cur.targets[0] if isinstance(cur, ast.Assign) and len(cur.targets) == 1 else \
                cur.target if isinstance(cur, ast.AnnAssign) else None
            if isinstance(cur, ast.Return) and cur.value is not None:
                returned.append(cur.value)
            elif isinstance(target, ast.Name) and isinstance(cur.value, ast.Call):
                made.setdefault(target.id, []).append(cur.value)
            elif not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = []
                for name in block_fields(type(cur)):
                    for item in getattr(cur, name, ()):
                        inner.extend(item.body if isinstance(item, (ast.ExceptHandler, ast.match_case)) else [item])
                todo.extend(reversed(inner))
        calls = [c for value in returned for c in (
            [value] if isinstance(value, ast.Call) else made.get(value.id, []) if isinstance(value, ast.Name) else [])]
        for call in calls:
            names = names or _Names(tree, module, is_package)
            text = _dotted(call.func)
            if "(" in text:
                continue  # what a call's result hands back (`sdk.retrieve(id).get("email")`): no maker
            if text in functions:  # another function of the module (`return open_store()`)
                maker = f"{module}.{text}"
            elif text.partition(".")[0] in names.aliases:
                maker = names.resolve_text(text)
            else:
                continue  # a method of a local value (`value.split()`), or a class of the module
            if "." in maker and [f"{module}.{stmt.name}", maker] not in out:
                out.append([f"{module}.{stmt.name}", maker])
    return out


_LOADERS = frozenset({"import_module", "__import__"})
_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def _literal(node: ast.expr | None) -> str | None:
    return node.value.strip() if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _loaded_modules(tree: ast.Module, package: str) -> set[str]:
    """The modules ``importlib.import_module("a.b")`` and ``__import__("a.b", fromlist=["c"])``
    load by a literal name (``import_module(".b", package="a")`` or ``"a"`` as the second argument
    resolved too); a name the code computes is not known."""
    out: set[str] = set()
    for node in walk_inner(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if called not in _LOADERS:
            continue
        name = _literal(node.args[0])
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if called == "import_module" and name and name.startswith("."):
            anchor = _literal(keywords.get("package") or (node.args[1] if len(node.args) > 1 else None))
            level = len(name) - len(name.lstrip("."))
            parts = (anchor or "").split(".") if anchor else []
            parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
            name = ".".join(p for p in (*parts, name.lstrip(".")) if p) if anchor else None
        if not name or not _NAME.fullmatch(name):
            continue
        out.add(name)
        fromlist = keywords.get("fromlist") or (node.args[3] if called == "__import__" and len(node.args) > 3 else None)
        for item in getattr(fromlist, "elts", ()):
            value = _literal(item)
            if value and value.isidentifier():
                out.add(f"{name}.{value}")
    return out


#: a string literal that is a dotted name (``"shop.testing.middleware.Audit"``, Django's settings, a
#: dictConfig's ``"()"`` or ``"ext://..."``, an entry point's ``"module:attr"``): at least one dot
_DOTTED = re.compile(r"""(['"])(?:ext://)?([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?::[A-Za-z_][\w.]*)?\1""")


def dotted_strings(text: str) -> list[str]:
    """The dotted names a module's source spells as strings (a regular expression over the text,
    not a walk; a match after a ``#`` outside quotes on its line is a comment, left out): a
    framework may import what they name (:class:`gdpr_lint.facts.scope.Modules`)."""
    if "." not in text:
        return []
    out = set()
    for m in _DOTTED.finditer(text):
        before = text[text.rfind("\n", 0, m.start()) + 1:m.start()]
        hash_at = before.find("#")
        if hash_at >= 0 and (before.count("'", 0, hash_at) + before.count('"', 0, hash_at)) % 2 == 0:
            continue
        out.add(m.group(2))
    return sorted(out)


class _Names:
    """Resolves names through the module's imports (``models.CharField`` -> ``django.db.models.CharField``)."""

    def __init__(self, tree: ast.Module, module: str, is_package: bool) -> None:
        self.module = module
        self.aliases: dict[str, str] = {}
        package = module if is_package else module.rpartition(".")[0]
        for stmt in _top_statements(tree):
            if isinstance(stmt, ast.Import):
                bind_import(self.aliases, stmt)
            elif isinstance(stmt, ast.ImportFrom):
                base = _from_base(stmt, package)
                for a in stmt.names:
                    self.aliases[a.asname or a.name] = f"{base}.{a.name}" if base else a.name
        self.local = {stmt.name for stmt in tree.body if isinstance(stmt, ast.ClassDef)}

    def resolve(self, node: ast.expr) -> str:
        return self.resolve_text(_dotted(node))

    def resolve_text(self, text: str) -> str:
        """The qualified name of a dotted name as written in this module."""
        if not text:
            return ""
        head, _, rest = text.partition(".")
        if head in self.aliases:
            return self.aliases[head] + (f".{rest}" if rest else "")
        if head in self.local:
            return f"{self.module}.{text}"
        return text

    def all_in(self, node: ast.AST | None) -> list[str]:
        """Qualified names of every name in an expression (an annotation such as ``Mapped[Optional[str]]``)."""
        out: list[str] = []
        if node is None:
            return out
        stack = [node]
        while stack:
            cur = stack.pop()
            if isinstance(cur, (ast.Name, ast.Attribute)):
                name = self.resolve(cur)
                if name:
                    out.append(name)
                if isinstance(cur, ast.Attribute):
                    continue
            elif isinstance(cur, ast.Constant) and isinstance(cur.value, str) and cur.value.isidentifier():
                out.append(cur.value)  # a forward reference: Mapped["User"]
            stack.extend(ast.iter_child_nodes(cur))
        return out


def _target(call: ast.Call, names: _Names) -> str:
    """What a reference field points at, as written or resolved: ``"app.Model"``, ``"User"``,
    ``"settings.AUTH_USER_MODEL"``, ``"get_user_model()"``, or ``"table:users"`` for a
    SQLAlchemy ``ForeignKey("users.id")``."""
    args = list(call.args) + [k.value for k in call.keywords if k.arg in ("to", "argument", "model")]
    if not args:
        return ""
    first = args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return names.resolve(first)


def _fk_column_target(call: ast.Call, names: _Names) -> str:
    """``table:users`` for ``Column(Integer, ForeignKey("users.id"))`` (or ``mapped_column``)."""
    for arg in call.args:
        if isinstance(arg, ast.Call) and names.resolve(arg.func).rpartition(".")[2] == "ForeignKey" and arg.args:
            spec = arg.args[0]
            if isinstance(spec, ast.Constant) and isinstance(spec.value, str):
                return "table:" + spec.value.rpartition(".")[0]
            return names.resolve(spec)
    return ""


def _meta_model(cls: ast.ClassDef, names: _Names) -> str:
    """The model a serializer, form or schema mirrors (``class Meta: model = Ticket``)."""
    for stmt in cls.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name in ("Meta", "Config"):
            for sub in stmt.body:
                if isinstance(sub, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ("model", "orm_model")
                                                       for t in sub.targets):
                    return names.resolve(sub.value)
    return ""


def _is_abstract(cls: ast.ClassDef) -> bool:
    for stmt in cls.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
            for sub in stmt.body:
                if isinstance(sub, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "abstract"
                                                       for t in sub.targets):
                    return isinstance(sub.value, ast.Constant) and sub.value.value is True
    return False


def _fields(cls: ast.ClassDef, names: _Names, references: frozenset[str]) -> tuple[list[list], str]:
    """``[[name, line, [type names], target, fk column?], ...]`` and ``__tablename__``."""
    out: list[list] = []
    table = ""
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, value, annotation = stmt.targets[0].id, stmt.value, None
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name, value, annotation = stmt.target.id, stmt.value, stmt.annotation
        else:
            continue
        if name == "__tablename__" and isinstance(value, ast.Constant) and isinstance(value.value, str):
            table = value.value
            continue
        if name.startswith("_"):
            continue
        types = names.all_in(annotation)
        target = ""
        if isinstance(value, ast.Call):
            callee = names.resolve(value.func)
            types.insert(0, callee)
            for inner in value.args:  # Column(ImageColumn(...)), mapped_column(String(20))
                if isinstance(inner, (ast.Call, ast.Name, ast.Attribute)):
                    inner_name = names.resolve(inner.func if isinstance(inner, ast.Call) else inner)
                    if inner_name:
                        types.append(inner_name)
            last = callee.rpartition(".")[2]
            if last in references:
                target = _target(value, names)
                if not target and annotation is not None:  # user: Mapped["User"] = relationship()
                    target = next((t for t in names.all_in(annotation)
                                   if t.rpartition(".")[2] not in ("Mapped", "Optional", "List", "list", "Union")),
                                  "")
            else:
                fk = _fk_column_target(value, names)
                if fk:
                    out.append([name, stmt.lineno, types, fk, True])
                    continue
        elif value is not None and annotation is None:
            continue  # a constant or an alias, not a field
        out.append([name, stmt.lineno, types, target, False])
    return out, table


def file_facts(tree: ast.Module, module: str, is_package: bool, policy, text: str = "",
               sinks: tuple[frozenset[str], frozenset[str]] | None = None, classify=None,
               personal_words: bool = True, may_name=None, calls=None, deciding: bool = True
               ) -> tuple[list[dict], dict]:
    """``(class facts, other facts)`` of one parsed module, what the survey keeps: the other facts
    are ``persisted`` (:func:`~gdpr_lint.survey.persisted.persisted_classes`), ``caught``
    (:func:`~gdpr_lint.survey.handlers.caught_exceptions`), ``mentions`` (:func:`_person_mentions`)
    ``imports`` (:func:`imported_modules`) and ``dotted`` (:func:`dotted_strings`).

    ``text`` is the module's source (cheap checks skip the walks a file does not need);
    ``sinks`` are the receivers and the functions of sinks (the pre-filter's ``sink_receivers``
    and ``sink_functions``): what a file passes to them is read for mentions (``None``: all of it).
    ``classify`` (the classifier's) lets the file's functions be summarised
    (:func:`~gdpr_lint.survey.summaries.function_summaries`); without it, none are.
    ``personal_words``: whether the pre-filter found words that can be personal data in the file;
    without them no call of it can pass personal data (:mod:`~gdpr_lint.survey.incoming`);
    ``may_name`` (the classifier's :meth:`~gdpr_lint.classify.Classifier.may_name`) narrows that to
    the functions with such a word.
    ``deciding``: whether to read the facts that only decide whether a file the pre-filter rules
    out is analysed after all (``mentions``, ``handed``, ``attrs``, ``owners``, ``fields``:
    :meth:`~gdpr_lint.facts.project.ProjectFacts.needs_analysis`); a file the survey already sends
    to the analysis gets them empty.
    """
    from gdpr_lint.survey.calltext import CallText
    from gdpr_lint.survey.handlers import caught_exceptions, registered_handlers
    from gdpr_lint.survey.incoming import incoming_facts
    from gdpr_lint.survey.persisted import may_persist, persisted_classes
    from gdpr_lint.survey.returns import returned_parameters
    from gdpr_lint.survey.summaries import function_summaries

    classes = module_classes(tree, module, is_package, policy.frameworks.reference_fields)
    calls = calls if calls is not None else CallText(text)  # the caller's, when it read the calls already
    persisted = persisted_classes(tree, _Names(tree, module, is_package), policy.persistence, text, calls,
                                  policy.frameworks.queried_through) if (
        not text or may_persist(text, policy.persistence, calls)) else []
    read = bool(text) and deciding  # (without the text, no such fact is read either)
    attributes = set(_ATTRIBUTE.findall(text)) if read else set()
    weak_read = weak_attributes(attributes, policy)
    names = logging_names(policy)
    loggers = logger_classes(tree, module, names.methods, names.logger_maker) if names.logger_maker and (
        not text or "class" in text) else []
    facts = {"persisted": persisted,
             "caught": (caught_exceptions(tree, logging_names(policy)) if not text or "except" in text else [])
             + (registered_handlers(tree, logging_names(policy)) if not text or any(
                 n in text for n in logging_names(policy).handler_words) else []),
             "mentions": _person_mentions(text, policy, sinks, calls) if read else [],
             # what its calls hand over that is named after a person (`notify(session.user)`): a
             # call of a project function that writes that parameter to a sink (ProjectFacts.hands_personal)
             "handed": _handed(text, policy, calls) if read else [],
             # the names the file calls, for the cache key: which function summaries it may use
             # (a function imported under another name counts by its own: `record_visit as note`)
             "calls": sorted(calls.called() | _renamed_calls(tree, calls.called())),
             "summaries": function_summaries(tree, module, logging_names(policy), classify, text,
                                             _safe_names(policy), calls, _sign_in(policy)) if classify else [],
             # which arguments its functions hand back (`to_bytes(text)`): followed through a call
             # of them in another module (ProjectFacts.returns)
             "returns": returned_parameters(tree, module, return_rules(policy)) if not text or "return" in text else [],
             # the objects it makes at module level (`redis_store = FlaskRedis()`): what they are
             # where another module imports them (ProjectFacts.objects)
             "objects": module_objects(tree, module, is_package, frozenset(
                 q.rpartition(".")[2] for q, _maker in loggers)),
             # its functions that hand back such an object (`def get_redis(): return redis.Redis()`):
             # a call of them gives what the maker makes (ProjectFacts.factories); and its own
             # logger classes, whose objects are loggers
             "factories": (module_factories(tree, module, is_package) if not text or "return" in text else [])
             + loggers,
             # what it imports: test code that production code imports is production code (facts.scope)
             "imports": imported_modules(tree, module, is_package, text, calls) if not text or "import" in text else [],
             # the dotted names it calls (`x.mail.send`): a function of a module named from a folder
             # without __init__.py may be reached through them (ProjectFacts.holds_records_or_calls_sinks)
             "chains": sorted({n for n in calls.names if "." in n and not n.startswith(("self.", "cls."))}),
             # the dotted names it spells as strings: a framework may import them (facts.scope)
             "dotted": dotted_strings(text) if text else [],
             # attributes read with a weak word (`entry.weight`, `row.city`): personal on a class the project
             # facts judge (ProjectFacts.reads_personal_fields), whatever the owner's name says here
             "attrs": weak_read,
             # the names such attributes are read on (`entry.notes`, `ticket2.title`): personal on an
             # object named after a class the project facts judge (ProjectFacts.owns_personal_fields)
             "owners": weak_owners(text, policy, calls, weak_read) if read else [],
             # every attribute it reads (`device.number`): a field a record declares with a
             # personal-data type, read on an object named after the record (ProjectFacts.typed_field);
             # one string, split only in a project that has such a field
             "fields": " ".join(sorted(a for a in attributes if len(a) <= 40))}
    # what the file's calls pass to functions of the project, and what it defines (survey.incoming)
    facts["defs"], facts["passes"] = incoming_facts(
        tree, module, classify, frozenset(policy.sinks["sanitizers"]["name_words"]), _safe_names(policy),
        frozenset(k for k, c in policy.categories.items() if c.credential), personal_words, text, may_name,
        frozenset((policy.sinks.get("propagators") or {}).get("methods") or ())) if classify else ([], [])
    return classes, facts


_ATTRIBUTE = re.compile(r"\.[ \t]*([A-Za-z_][A-Za-z0-9_]*)")
_WEAK: dict[str, frozenset[str]] = {}  # by policy hash (an id may be reused by another policy)


def _weak_words(policy) -> frozenset[str]:
    """The words personal only with an owner about a person: weak words (``name``, ``city``) and
    those of what is personal only on a person's records (``notes``, ``bio``)."""
    key = policy.hash or str(id(policy))
    weak = _WEAK.get(key)
    if weak is None:
        weak = _WEAK[key] = frozenset(w for c in policy.categories.values() for p in (
            *c.weak_words, *(c.words if c.context == "person_linked" else ())) for w in p if not w.isdigit())
    return weak


def weak_attributes(attributes: set[str], policy) -> list[str]:
    """The attribute names of ``attributes`` (those a text reads: a superset, strings and
    comments count) that hold a weak personal-data word (``.weight``, ``.name``, ``.city``,
    ``.notes``)."""
    weak = _weak_words(policy)
    return sorted(a for a in attributes if not weak.isdisjoint(split_words(a)))


def weak_owners(text: str, policy, calls=None, attributes=None) -> list[str]:
    """The names right before a dot and an attribute with a weak personal-data word
    (``entry`` of ``entry.notes``, ``ticket2`` of ``self.ticket2.title``, ``entry`` of
    ``getattr(entry, "notes")``): what the flow takes for the owner of the attribute (a superset:
    strings and comments count); and where there is one, the classes the file makes or reads
    objects of (``Entry`` of ``obj = Entry.objects.get(...)``: ``calls``' classes), which the flow
    takes for the owner of what is read on such an object.  ``attributes``: the text's
    :func:`weak_attributes`, when the caller has them (only where they are read is looked at)."""
    from gdpr_lint.survey.prefilter import standalone

    weak = _weak_words(policy)
    found: set[str] = set()
    for m in standalone(_GETATTR, text, "_") if "getattr" in text else ():
        if not weak.isdisjoint(split_words(m.group(2))):
            found.add(m.group(1))
    if attributes is None:
        attributes = weak_attributes(set(_ATTRIBUTE.findall(text)), policy)
    if len(attributes) > _FEW:  # every attribute read, those with a weak word kept
        weak_read = set(attributes)
        for m in _ATTRIBUTE.finditer(text):
            if m.group(1) in weak_read:
                name = _name_before(text, m.start())  # (the dot's)
                if name:
                    found.add(name)
    for attribute in attributes if len(attributes) <= _FEW else ():  # (only where those are spelled)
        for at in _spelled_at(text, attribute):
            end = at + len(attribute)
            if end < len(text) and (text[end].isascii() and text[end].isalnum() or text[end] == "_"):
                continue  # (a longer name)
            dot = at
            while dot and text[dot - 1] in " \t":
                dot -= 1
            if dot and text[dot - 1] == ".":
                name = _name_before(text, dot - 1)
                if name:
                    found.add(name)
    if found and calls is not None:
        found |= calls.classes()
    return sorted(found)


# (`getattr` alone: :func:`~gdpr_lint.survey.prefilter.standalone`)
_GETATTR = re.compile(r"getattr[ \t]*\([ \t]*([A-Za-z_]\w*)[ \t]*,[ \t]*[\"']([A-Za-z_]\w*)[\"']")


# ---- the shape of these facts, checked when they are read back from the results cache --------------

#: keys of one class's facts (``s``, what its __str__ returns, only when it has one)
_CLASS_KEYS = frozenset({"q", "n", "b", "t", "d", "a", "tb", "f"})
_FILE_KEYS = frozenset({"persisted", "caught", "mentions", "handed", "summaries", "calls", "imports", "chains", "dotted",
                        "attrs", "owners", "defs", "passes", "returns", "objects", "factories", "fields"})


def check_class_facts(data) -> None:
    """Check one class's facts as :func:`module_classes` writes them.

    Raises:
        gdpr_lint.cache.BadEntry: any other shape (a cache entry that is then a miss).
    """
    from gdpr_lint.cache import BadEntry, need, need_list

    if not isinstance(data, dict) or not (_CLASS_KEYS <= data.keys() <= _CLASS_KEYS | {"s", "m"}):
        raise BadEntry("not the facts of a class")
    for key in ("q", "n", "tb"):
        need(data[key], str)
    for key in ("b", "d"):
        need_list(data[key], str)
    for key in ("t", "a"):
        need(data[key], bool)
    if "s" in data:
        need_list(data["s"], str)
    if "m" in data:
        need(data["m"], str)
    for f in need(data["f"], list):  # [name, line, type names, reference target, foreign-key column]
        if len(need(f, list)) != 5:
            raise BadEntry("a field fact has five parts")
        need(f[0], str), need(f[1], int), need_list(f[2], str), need(f[3], str), need(f[4], bool)


def check_file_facts(data) -> dict:
    """Check a file's other facts as :func:`file_facts` writes them (empty for a file without facts).

    Raises:
        gdpr_lint.cache.BadEntry: any other shape.
    """
    from gdpr_lint.cache import BadEntry, need, need_list

    if need(data, dict) and data.keys() != _FILE_KEYS:
        raise BadEntry(f"a file's facts are {', '.join(sorted(_FILE_KEYS))}")
    for item in data.get("persisted", ()):  # [class, line of the write, [classes it went through]]
        if len(need(item, list)) != 3:
            raise BadEntry("a persisted fact has three parts")
        need(item[0], str), need(item[1], int), need_list(item[2], str)
    for item in data.get("caught", ()):  # [exception class, handler logs or re-raises it(, from which code)]
        if len(need(item, list)) not in (2, 3):
            raise BadEntry("a caught fact has two or three parts")
        need(item[0], str), need(item[1], bool)
        if len(item) == 3:
            need(item[2], int)
    need_list(data.get("mentions", []), str)
    need_list(data.get("handed", []), str)
    need_list(data.get("calls", []), str)
    need_list(data.get("imports", []), str)
    need_list(data.get("chains", []), str)
    need_list(data.get("dotted", []), str)
    need_list(data.get("attrs", []), str)
    need_list(data.get("owners", []), str)
    need(data.get("fields", ""), str)
    for item in data.get("defs", ()):  # [qualified name, [parameters]]
        if len(need(item, list)) != 2:
            raise BadEntry("a definition has two parts")
        need(item[0], str), need_list(item[1], str)
    for item in data.get("passes", ()):  # [callee, how, calling class, argument, [categories], line]
        if len(need(item, list)) != 6:
            raise BadEntry("a call's argument fact has six parts")
        need(item[0], str), need(item[1], str), need(item[2], str), need_list(item[4], str), need(item[5], int)
        if not isinstance(item[3], (int, str)) or isinstance(item[3], bool):
            raise BadEntry("an argument is a position or a keyword")
    for item in data.get("objects", ()):  # [module-level name, qualified name of what made it]
        if len(need_list(item, str)) != 2:
            raise BadEntry("an object fact has two parts")
    for item in data.get("factories", ()):  # [function, qualified name of what makes what it returns]
        if len(need_list(item, str)) != 2:
            raise BadEntry("a factory fact has two parts")
    for item in data.get("returns", ()):  # [function, [parameters], [indexes of those it returns]]
        if len(need(item, list)) != 3:
            raise BadEntry("a returned-parameters fact has three parts")
        need(item[0], str), need_list(item[1], str), need_list(item[2], int)
    for item in data.get("summaries", ()):  # [function, [parameters], [[index, code, what, line], ...]]
        if len(need(item, list)) != 3:
            raise BadEntry("a summary has three parts")
        need(item[0], str), need_list(item[1], str)
        for flow in need(item[2], list):
            if len(need(flow, list)) != 4:
                raise BadEntry("a summary's flow has four parts")
            need(flow[0], int), need(flow[1], str), need(flow[2], str), need(flow[3], int)
    return data


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# an exception's message is a sink too (prefilter.standalone: `raise` alone)
_RAISE_CALL = re.compile(r"raise[ \t]+[A-Za-z_][\w.]*[ \t]*\(")
_SINK_METHODS: dict[str, tuple[frozenset[str], frozenset[str]]] = {}  # by policy hash


def _sink_methods(policy) -> tuple[frozenset[str], frozenset[str]]:
    """``(a logger's methods, the methods that write whatever their receiver)``, from the policy
    (``sinks.yaml``: the logger and stream objects, storage's methods and functions, ``json.dump``
    by its last name)."""
    key = policy.hash or str(id(policy))
    found = _SINK_METHODS.get(key)
    if found is None:
        objects = policy.sinks["logging"].get("objects") or {}
        storage = policy.sinks.get("storage") or {}
        writes = {*((objects.get("stream") or {}).get("methods") or ()), *(storage.get("methods") or {}),
                  *(f.rpartition(".")[2] for f in storage.get("functions") or {})}
        found = _SINK_METHODS[key] = (frozenset((objects.get("logger") or {}).get("methods") or ()), frozenset(writes))
    return found

# a sink that is no call at all: a store by subscript (`session["v"] = current`): a class made in
# the file may reach it (a stream's method on whatever object is a call the file's calls name:
# `open(path, "w").write(...)` calls `write`, one of the policy's stream methods)
_SUBSCRIPT_STORE = re.compile(r"\][ \t]*=[^=]")


def _person_mentions(text: str, policy, sinks: tuple[frozenset[str], ...] | None, calls=None
                     ) -> list[str]:
    """Identifiers that may hold an object whose content is personal, where a sink's arguments
    could use them: named after a person (``user``, ``new_user``: a project class whose ``__str__``
    is personal, ProjectFacts.texts), and classes called (``TicketSerializer(ticket)``: a carrier of
    personal fields, ProjectFacts.carried).  Read from the text inside the parentheses that follow a
    sink's name (``log.info(...)``, ``requests.post(...)``) or a raised exception's class
    (``raise ValueError(member)``: its message) up to their end; a superset is harmless,
    it only decides whether the file is analysed.  ``sinks`` ``None``: from the whole text.
    ``calls``: the text's :class:`~gdpr_lint.survey.calltext.CallText`, when the caller has it."""
    from gdpr_lint.survey.calltext import CallText
    from gdpr_lint.survey.prefilter import standalone

    calls = calls if calls is not None else CallText(text)
    if sinks is None:
        windows = [(text, text)]
    else:
        receivers, functions = sinks[:2]
        windows = []  # (the text in a sink's parentheses, and its code alone)
        # a logger made in the file may go by any name, or none (`logging.getLogger(__name__).info(`);
        # a write to a file object or a stream needs no name either (`fh.write(`, `sys.stderr.write(`);
        # nor does a client or a cache the file makes (`r = redis.Redis(); r.set(...)`: the methods
        # whose calls can be a sink where the file names such an object, sinks[2])
        logs, writes = _sink_methods(policy)
        methods = logs | writes if "getLogger" in text else writes
        if len(sinks) > 2:
            methods = methods | sinks[2]
        sink: dict[str, bool] = {}  # (a name is called again and again: judged once)
        for name, end in zip(calls.names, calls.ends):
            verdict = sink.get(name)
            if verdict is None:
                parts = name.split(".")  # log.info(, self.logger.debug(, requests.post(, print(
                verdict = sink[name] = (len(parts) == 1 and parts[0] in functions) or not receivers.isdisjoint(
                    parts[:-1]) or parts[-1] in methods
            if verdict:
                window = _balanced(text, end)
                windows.append((window, _code_of(window)))
        for m in standalone(_RAISE_CALL, text) if "raise" in text else ():
            code = _code_of(_balanced(text, m.end()))  # (an error message's words are about the error)
            if _IDENTIFIER.search(code):  # (a message of literals carries nothing)
                windows.append((code, code))
        if not windows and not _SUBSCRIPT_STORE.search(text):
            return []  # no sink at all: nothing it holds can leak
    subjects = _subject_words(policy)
    # a carrier built anywhere may reach a sink later; in a sink's code, a name may hold an object
    # of a person's class whatever its words (`vip`, of a class `Vip(Member)`)
    found: set[str] = calls.classes()
    # a name given another name on its own (`got = subscriber2`, then `log.info(got)`): both
    renamed = dict(_RENAMED.findall(text)) if "=" in text else {}
    # a parameter annotated with a class (`def f(a: Customer)`): the class too
    annotated = {name: cls.rpartition(".")[2] for name, cls in _ANNOTATED.findall(text)} if ":" in text else {}
    for window, code in windows:
        found.update(name for name in set(_IDENTIFIER.findall(window)) if _named_after_a_person(name, subjects))
        for name in set(_IDENTIFIER.findall(code)):
            if not name.isupper() and 0 < len(split_words(name)) <= 2:
                found.add(name)
                if name in renamed:
                    found.add(renamed[name])
                if name in annotated:
                    found.add(annotated[name])
    return sorted(found)


_RENAMED = re.compile(r"^[ \t]*([A-Za-z_]\w*)[ \t]*=[ \t]*([A-Za-z_]\w*)[ \t]*(?:#.*)?$", re.MULTILINE)
#: a parameter and the class its annotation names (`a: Customer`, `a: Optional["models.Customer"]`);
#: a dict's `key: Value` too, a harmless superset
_ANNOTATED = re.compile(r"[(,][ \t]*([A-Za-z_]\w*)[ \t]*:[ \t]*(?:(?:typing\.)?Optional\[[ \t]*)?[\"']?"
                        r"((?:[A-Za-z_]\w*\.)*[A-Z]\w*)")


def _handed(text: str, policy, calls) -> list[str]:
    """``"callee\\x1fname"`` for each call whose arguments name something after a person
    (``create_entry(contrib, session.user)``: ``create_entry`` and ``user``), in the code of its
    parentheses (strings left out); and ``"*\\x1fClass"`` where a name bound to an object of a
    class the file makes or reads is an argument of some call (``m = Member.objects.get(...)``,
    then ``record_visit(m)``), ``"*\\x1f@source"`` where what a person is or sent is one
    (``record_visit(request.user)``, ``audit(form.cleaned_data)``, or a name bound to it): which
    call is then left to the project facts (any call of the file that may reach a summary)."""
    from gdpr_lint.survey.prefilter import file_identifiers

    out: set[str] = set()
    bare = _bare_arguments(text)
    if bare:
        sources = _sources_in(policy, text)
        made = _made(text) if "=" in text else {}
        ends = {".".join(parts[i:]) for parts in (b.split(".") for b in bare) for i in range(len(parts))}
        for m in sources.finditer(text) if sources is not None else ():
            if text[m.start():m.end()].replace(" ", "").replace("\t", "") in ends:  # (`form.cleaned_data`)
                out.add("*\x1f@source")
            bound = _BOUND_BEFORE.search(text, max(m.start() - 80, 0), m.start())
            if bound is not None:  # `u = request.user`, then `audit(u)`
                made[bound.group(1)] = "@source"
        out.update(f"*\x1f{cls}" for name, cls in made.items() if name in bare)
    subjects = _subject_words(policy)
    named = _names_after_a_person(file_identifiers(text), subjects)
    if not named:
        return sorted(out)
    # where a few names after a person are spelled (within a longer word too): a call whose
    # parentheses hold none of them is not read (its text from the parenthesis on holds none within
    # the limit); many names (a generated module's `user1` to `user9999`) are looked for in each
    few = len(named) <= _FEW
    spelled = sorted(at for name in named for at in _spelled_at(text, name)) if few else []
    for callee, end in zip(calls.names, calls.ends):
        if few:
            at = bisect.bisect_left(spelled, end)
            if at == len(spelled) or spelled[at] >= end + _WINDOW:
                continue
        window = _balanced(text, end)
        if not few or any(name in window for name in named):
            last = callee.rpartition(".")[2]
            out.update(f"{last}\x1f{name}" for name in set(_IDENTIFIER.findall(_code_of(window))) & named)
    return sorted(out)


# an argument that is a name or a dotted name alone: `(m)`, `, request.user)`, `(form.cleaned_data,`,
# `(value=m)`
_BARE = re.compile(r"[(,][ \t]*(?:[A-Za-z_]\w*[ \t]*=(?!=)[ \t]*)?((?:[A-Za-z_]\w*[ \t]*\.[ \t]*)*[A-Za-z_]\w*)"
                   r"[ \t]*(?=[,)])")


def _bare_arguments(text: str) -> set[str]:
    """The names and dotted names a text passes alone as a call's argument (blanks left out; a
    superset: a tuple's items and a parameter list count too)."""
    return {g.replace(" ", "").replace("\t", "") for g in set(_BARE.findall(text))} if "(" in text else set()


def _renamed_calls(tree: ast.Module, called: frozenset[str]) -> set[str]:
    """The names a module imports under another name that it calls (``record_visit`` of ``from
    app.track import record_visit as note`` and ``note(...)``), from its import statements anywhere."""
    out: set[str] = set()
    for stmt in imports_anywhere(tree):
        out.update(a.name.rpartition(".")[2] for a in stmt.names if a.asname and a.asname in called)
    return out


_BOUND_BEFORE = re.compile(r"\b([A-Za-z_]\w*)[ \t]*=[ \t]*$")  # `name = ` right before a source
# `= [name.]*Class(` or `= [name.]*Class.` (from the `=`: a pattern that starts with a literal is
# searched for many times faster than one tried at every word)
_MADE = re.compile(r"=[ \t]*(?:[A-Za-z_]\w*[ \t]*\.[ \t]*)*([A-Z]\w*[a-z]\w*)[ \t]*[.(]")


def _made(text: str) -> dict[str, str]:
    """The names a text binds to an object of a class it makes or reads (``m`` of ``m =
    Member.objects.get(...)``, ``c = shop.Cart()``): name -> class."""
    out: dict[str, str] = {}
    for m in _MADE.finditer(text):
        at = m.start()
        if at and text[at - 1] in "=!<>+-*/%&|^:@":
            continue  # `==`, `<=`, `+=`, a walrus: no binding of a name to the object
        name = _name_before(text, at)
        if name:
            out[name] = m.group(1)
    return out


_FEW = 16  # words a text is searched for one by one (more: one pass over what it reads)


def _spelled_at(text: str, word: str):
    """The offsets where ``word`` is spelled in ``text`` (within longer words too)."""
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)


def _name_before(text: str, at: int) -> str:
    """The name that ends right before offset ``at`` of ``text``, blanks between them skipped
    (``entry`` of ``entry .notes``), or ``""``."""
    end = at
    while end and text[end - 1] in " \t":
        end -= 1
    start = end
    while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return text[start:end] if start < end and not text[start].isdigit() else ""
_SOURCES: dict[str, tuple[str, ...]] = {}
_SOURCE_PATTERNS: dict[tuple[str, ...], re.Pattern] = {}


def _sources(policy) -> tuple[str, ...]:
    """The policy's sources of what a person is or sent (``request.user``, ``request.POST``),
    longest first."""
    key = policy.hash or str(id(policy))
    found = _SOURCES.get(key)
    if found is None:
        spec = policy.sinks.get("sources") or {}
        found = _SOURCES[key] = tuple(sorted({*(spec.get("signed_in") or ()), *(spec.get("containers") or {})},
                                             key=len, reverse=True))
    return found


def _sources_in(policy, text: str) -> re.Pattern | None:
    """The policy's sources that ``text`` may spell, as one pattern (blanks allowed around the
    dots), or ``None`` when it spells none: a dotted one's last name is an identifier of it and
    its first is in it (``request`` ... ``user``), another is in it."""
    from gdpr_lint.survey.prefilter import file_identifiers

    idents = file_identifiers(text)
    names = tuple(n for n in _sources(policy) if (
        n.rpartition(".")[2] in idents and n.partition(".")[0] in text if "." in n else n in text))
    if not names:
        return None
    found = _SOURCE_PATTERNS.get(names)
    if found is None:
        # (a container's name alone is read at the end of any dotted name: `form.cleaned_data`; a
        # longer name that ends with one counts too, a superset that only decides what is analysed)
        found = _SOURCE_PATTERNS[names] = re.compile(r"(?:" + "|".join(
            r"[ \t]*\.[ \t]*".join(map(re.escape, n.split("."))) for n in names) + r")\b")
    return found


def _code_of(text: str) -> str:
    """The text without its plain strings and comments (an exception's message is mostly words
    about the error, "user" among them); an f-string's text stays, with the names it formats."""
    from gdpr_lint.files.parts import STRINGS_AND_COMMENTS

    if "#" not in text and "'" not in text and '"' not in text:
        return text  # (no string, no comment)

    def blank(m: re.Match) -> str:
        prefix = text[max(m.start() - 2, 0):m.start()]
        return m.group() if m.group()[0] != "#" and "f" in prefix.lower() else " "
    return STRINGS_AND_COMMENTS.sub(blank, text)


_JUDGED: dict[frozenset[str], tuple[set[str], set[str]]] = {}  # subjects -> (names after a person, others)


def _names_after_a_person(names: frozenset[str], subjects: frozenset[str]) -> set[str]:
    """The ``names`` :func:`_named_after_a_person` accepts (each judged once: a project spells
    the same names in file after file)."""
    yes, no = _JUDGED.get(subjects) or _JUDGED.setdefault(subjects, (set(), set()))
    if len(no) > 1 << 18:  # (a bound on what is remembered)
        yes.clear()
        no.clear()
    for name in names - yes - no:
        (yes if _named_after_a_person(name, subjects) else no).add(name)
    return yes.intersection(names)


def _named_after_a_person(name: str, subjects: frozenset[str]) -> bool:
    """``user``, ``new_member``, ``member2``: a name of one or two words (a number left out, as the
    flow reads an object's name) whose last is a data subject's, not a constant."""
    words = split_words(name)
    if words and words[-1].isdigit():
        words = tuple(w for w in words if not w.isdigit())
    return 0 < len(words) <= 2 and words[-1] in subjects and not name.isupper()


_WINDOW = 2000  # the most of a call's parentheses read


def _balanced(text: str, start: int, limit: int = _WINDOW) -> str:
    """The text from ``start`` (just inside an opening parenthesis) to its closing one."""
    depth, end, at = 1, min(len(text), start + limit), start
    while True:  # (from one closing parenthesis to the next: the opening ones between counted at once)
        close = text.find(")", at, end)
        if close < 0:
            return text[start:end]
        depth += text.count("(", at, close) - 1
        if not depth:
            return text[start:close]
        at = close + 1


_SIGN_IN: dict[str, tuple] = {}  # by policy hash


def _sign_in(policy) -> tuple[frozenset[str], frozenset[str], frozenset[str]] | None:
    """``(names, text_names, credential categories)`` of ``sinks.yaml`` ``sources.sign_in``, or
    ``None`` where the policy has none."""
    key = policy.hash or str(id(policy))
    if key not in _SIGN_IN:
        spec = (policy.sinks.get("sources") or {}).get("sign_in") or {}
        _SIGN_IN[key] = (frozenset(spec.get("names") or ()), frozenset(spec.get("text_names") or ()), frozenset(
            k for k, c in policy.categories.items() if c.credential)) if spec.get("category") else None
    return _SIGN_IN[key]


def _safe_names(policy) -> frozenset[str]:
    """Attributes and functions whose result is no personal data (``pk``, ``len``, ``hash``)."""
    sanitizers = policy.sinks["sanitizers"]
    return frozenset((*sanitizers.get("safe_attributes", ()),
                      *(f.rpartition(".")[2] for f in sanitizers.get("functions", ()))))


class LoggingNames:
    """The names the survey recognises a log write by, from the policy's ``sinks.yaml``."""

    def __init__(self, policy) -> None:
        logging = policy.sinks["logging"]
        spec = (logging.get("objects") or {}).get("logger") or {}
        self.objects = frozenset(spec.get("names", ()))  # log, logger, _log ...
        self.methods = frozenset(spec.get("methods", ()))  # info, error, exception ...
        self.logger_maker = next(iter(spec.get("factories") or ()), "")  # logging.getLogger: what makes a logger
        self.functions = frozenset(logging.get("functions") or ())  # print, warnings.warn, logging.info ...
        self.labels = dict(logging.get("functions") or {})
        handlers = logging.get("error_handlers") or {}
        #: a web framework's handlers of an exception class: decorators and registering methods
        #: (``errorhandler``, ``register_error_handler``), and the attributes of an HTTP status
        self.handler_decorators = frozenset(handlers.get("decorators") or ())
        self.handler_registrations = frozenset(handlers.get("registrations") or ())
        self.code_attributes = frozenset(handlers.get("code_attributes") or ())
        self.handler_words = tuple(self.handler_decorators | self.handler_registrations)  # (a text's quick test)


_LOGGING: dict[int, LoggingNames] = {}


_RETURNS: dict[int, object] = {}


def return_rules(policy):
    """The policy's :class:`~gdpr_lint.survey.returns.ReturnRules` (made once per policy)."""
    from gdpr_lint.policy import split_words
    from gdpr_lint.survey.returns import ReturnRules

    found = _RETURNS.get(id(policy.sinks))
    if found is None:
        found = _RETURNS[id(policy.sinks)] = ReturnRules(policy, split_words)
    return found


def logging_names(policy) -> LoggingNames:
    found = _LOGGING.get(id(policy.sinks))
    if found is None:
        found = _LOGGING[id(policy.sinks)] = LoggingNames(policy)
    return found


_SUBJECTS: dict[int, frozenset[str]] = {}


def _subject_words(policy) -> frozenset[str]:
    found = _SUBJECTS.get(id(policy.subjects))
    if found is None:
        found = _SUBJECTS[id(policy.subjects)] = frozenset(
            p[0] for phrases in policy.subjects.values() for p in phrases if len(p) == 1)
    return found


def module_classes(tree: ast.Module, module: str, is_package: bool, references: frozenset[str] = frozenset()
                   ) -> list[dict]:
    """The facts of every top-level class of a parsed module (see the module docstring).

    Each is a dict: ``q`` qualified name, ``n`` name, ``b`` base qualified names, ``t`` SQLModel
    ``table=True``, ``d`` decorator qualified names, ``a`` abstract, ``tb`` ``__tablename__``,
    ``f`` fields as ``[name, line, type names, reference target, foreign-key column]``.
    ``references`` are the last names of reference-field constructors (``ForeignKey``).
    """
    if not any(isinstance(stmt, ast.ClassDef) for stmt in tree.body):
        return []
    names = _Names(tree, module, is_package)
    out = []
    for stmt in tree.body:
        if not isinstance(stmt, ast.ClassDef):
            continue
        bases = [b for b in (names.resolve(base) for base in stmt.bases) if b]
        table = any(k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in stmt.keywords)
        decorators = [d for d in (names.resolve(dec.func if isinstance(dec, ast.Call) else dec)
                                  for dec in stmt.decorator_list) if d]
        fields, tablename = _fields(stmt, names, references)
        info = {"q": f"{module}.{stmt.name}", "n": stmt.name, "b": bases, "t": table, "d": decorators,
                "a": _is_abstract(stmt), "tb": tablename, "f": fields}
        text = _text_names(stmt)
        if text:
            info["s"] = text
        mirrored = _meta_model(stmt, names)
        if mirrored:
            info["m"] = mirrored
        out.append(info)
    return out


_TEXT_METHODS = ("__str__", "__repr__", "__format__", "__unicode__")


def _text_names(cls: ast.ClassDef) -> list[str]:
    """What the class's ``__str__``/``__repr__`` return, as the names of the attributes and methods of
    ``self`` they use (``return self.get_full_name()`` -> ``["get_full_name"]``)."""
    out: list[str] = []
    for stmt in cls.body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or stmt.name not in _TEXT_METHODS:
            continue
        for node in walk(stmt):
            if not isinstance(node, ast.Return) or node.value is None:
                continue
            for sub in walk(node.value):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                    out.append(sub.attr)
    return list(dict.fromkeys(out))
