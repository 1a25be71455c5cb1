"""Which classes a file persists: carriers whose instances the code itself keeps.

JUDGEMENT.md: besides the ORM models, a store is "any other class whose instances the code
itself persists (``collection.insert_one(x.model_dump())``, ``json.dump(asdict(x), f)``, a
Redis hash of its fields)".  This pass reads one file's :mod:`ast` in the survey, so the
project facts know such classes before any file is analysed, and finds, per function:

- the variables that hold an instance of a class: a parameter annotated with it
  (``def save(c: Consultation)``), or a variable assigned from a call of it
  (``ser = CheckoutSerializer(data=...)``, ``x = Signup.model_validate(raw)``);
- what is derived from them by assignment or iteration (``record = json.dumps(asdict(c))``,
  ``data = ser.validated_data``, ``for person in data["attendees"]``);
- the calls that keep what they are given (the policy's ``persistence`` sinks: a file
  write, ``json.dump``, a Redis hash, a cache, a document collection, an ORM ``create``)
  whose arguments mention one of those variables.

The result names classes as the file refers to them, resolved through its imports; the project
facts keep only the carriers among them.  It is deliberately simple (no calls across functions):
a carrier handed to a helper that writes it is found by the helper's own parameter annotation.
"""

from __future__ import annotations

import ast

from gdpr_lint.survey.astnames import dotted as _dotted
from gdpr_lint.survey.astnames import walk, walk_inner


def _annotation_classes(node: ast.AST | None) -> list[str]:
    """Class names in an annotation (``Consultation``, ``Optional[CheckoutIn]``, ``list[Item]``)."""
    out: list[str] = []
    for sub in walk(node) if node is not None else ():
        if isinstance(sub, (ast.Name, ast.Attribute)):
            name = _dotted(sub)
            if name and name[:1].isupper() or "." in name and name.rpartition(".")[2][:1].isupper():
                out.append(name)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.isidentifier():
            out.append(sub.value)
    return out


def _is_sink(call: ast.Call, names, persistence) -> bool:
    """Whether a call keeps its arguments: a listed function or method, or a method that stores
    only on a receiver whose name says so (``cache.set``, ``session.add``, ``Ticket.objects.create``)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr in persistence.methods:
            return True
        receivers = persistence.by_receiver.get(func.attr)
        if receivers:
            from gdpr_lint.policy import split_words

            return any(w in receivers for w in split_words(_dotted(func.value)))
    return names.resolve(func) in persistence.functions


def may_keep(name: str, persistence) -> bool:
    """Whether a call spelled ``name`` (``json.dump``, ``self.cache.set``) may keep its arguments:
    the text-level superset of :func:`_is_sink` (no imports resolved)."""
    head, dot, last = name.rpartition(".")
    if last in persistence.methods or last in persistence.function_tails:
        return True  # a method's receiver may be any expression: `(folder / name).write_text(`
    receivers = persistence.by_receiver.get(last)
    if not (receivers and dot):
        return False
    from gdpr_lint.policy import split_words

    return any(not receivers.isdisjoint(split_words(part)) for part in head.split("."))




def may_persist(text: str, persistence, calls=None) -> bool:
    """A cheap look at the source: could any call in it keep its arguments?  (Most files have
    no such call, and the walk below is the survey's most expensive part.)  ``calls`` is the
    text's :class:`~gdpr_lint.survey.calltext.CallText` when the caller has it."""
    from gdpr_lint.survey.calltext import CallText

    calls = calls if calls is not None else CallText(text)
    return any(may_keep(name, persistence) for name in calls.names)


def _scopes(tree: ast.Module):
    """The module and every function in it, found through statements only."""
    yield tree
    stack = list(tree.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield stmt
        for key in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, key, None)
            if isinstance(inner, list):
                stack.extend(s for s in inner if isinstance(s, ast.stmt))
        for handler in getattr(stmt, "handlers", ()):
            stack.extend(handler.body)


def persisted_classes(tree: ast.Module, names, persistence, text: str = "", calls=None,
                      managers: frozenset[str] = frozenset()) -> list[list]:
    """``[[class name as resolved, line of the write, [classes it went through]], ...]`` for the
    classes whose instances this module writes to storage (see the module docstring).

    The classes it went through are those constructed from it on the way (``Patient(**req.dict())``
    handed to ``session.add``, ``Attendee.objects.create(**person)``): when one of them is a store
    of the tree, that store is what is kept, and the project facts drop the entry.  ``names``
    resolves names through the module's imports; ``persistence`` is the policy's
    :class:`~gdpr_lint.policy.Persistence`; ``managers`` the attributes through which a record
    class is queried (``objects``: :attr:`~gdpr_lint.policy.frameworks.Frameworks.queried_through`)."""
    from gdpr_lint.survey.calltext import CallText, any_within

    found: dict[str, tuple[int, set[str]]] = {}
    # the lines where a call that may keep its arguments opens
    hits = (calls if calls is not None else CallText(text)).lines_where(
        lambda name: may_keep(name, persistence)) if text else []
    for scope in _scopes(tree):
        if text and isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and not any_within(
                hits, scope.lineno, scope.end_lineno or scope.lineno):
            continue  # no call in this function could keep anything
        held: dict[str, set[str]] = {}  # variable -> classes whose data it holds
        made: dict[str, set[str]] = {}  # variable -> classes constructed into it
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = scope.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                annotated = _annotation_classes(arg.annotation)
                if annotated:
                    held[arg.arg] = set(annotated)
            body = scope.body
        else:
            body = [s for s in scope.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        for stmt in body:
            for node in walk_inner(stmt) if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) else ():
                if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                    built = _constructed(node.value)
                    classes = _mentioned(node.value, held) | built
                    if isinstance(node, ast.AnnAssign):
                        classes |= set(_annotation_classes(node.annotation))
                    if classes:
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        for target in targets:
                            for name in walk(target):
                                if isinstance(name, ast.Name):
                                    held.setdefault(name.id, set()).update(classes)
                                    made.setdefault(name.id, set()).update(built | _mentioned(node.value, made))
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                    classes = _mentioned(node.iter, held)
                    if classes:
                        for name in walk(node.target):
                            if isinstance(name, ast.Name):
                                held.setdefault(name.id, set()).update(classes)
                elif isinstance(node, ast.Call) and _is_sink(node, names, persistence):
                    classes, via = set(), set()
                    for arg in [*node.args, *(k.value for k in node.keywords)]:
                        built = _constructed(arg)
                        classes |= _mentioned(arg, held) | built
                        via |= built | _mentioned(arg, made)
                    receiver = _dotted(node.func.value) if isinstance(node.func, ast.Attribute) else ""
                    if receiver.rpartition(".")[2] in managers:  # Model.objects.create(**data): kept in Model
                        via.add(receiver.rpartition(".")[0])
                    for name in classes:
                        line, before = found.get(names.resolve_text(name), (node.lineno, set()))
                        found[names.resolve_text(name)] = (line, before | {names.resolve_text(v) for v in via})
    return [[name, line, sorted(via)] for name, (line, via) in sorted(found.items())]


def _mentioned(expr: ast.AST, held: dict[str, set[str]]) -> set[str]:
    out: set[str] = set()
    if not held:
        return out
    for sub in walk(expr):
        if isinstance(sub, ast.Name) and sub.id in held:
            out |= held[sub.id]
    return out


def _constructed(expr: ast.AST) -> set[str]:
    """Classes called or validated in an expression: ``Signup(...)``, ``Signup.model_validate(...)``."""
    out: set[str] = set()
    for sub in walk_inner(expr):
        if isinstance(sub, ast.Call):
            name = _dotted(sub.func)
            head, _, last = name.rpartition(".")
            if last[:1].isupper():
                out.add(name)
            elif head and head.rpartition(".")[2][:1].isupper() and last in (
                    "model_validate", "model_validate_json", "parse_obj", "parse_raw", "from_orm", "model_construct"):
                out.add(head)
    return out
