"""Erasure (Art. 17) and access (Art. 15, 20) coverage: which personal-data fields of the project's
stores the routines that erase, anonymise or export a person's data reach (GDPR501-505).

The routines are those the config names (``erasure:``, ``access:``, dotted names), else the
functions named by the conventions of ``rights.yaml``.  Each routine is read with :mod:`ast` (its
code is never run) and followed into the project's functions and methods it calls, with what each
variable holds: a record or a query of a store (``Customer.objects.filter(...)``,
``session.get(Customer, pk)``, a parameter named or annotated after a store, a relation such as
``customer.orders`` or ``order.customer``).  A routine reaches a field when it

- **deletes** its record: ``.delete()`` on a record or a query, ``session.delete(record)``,
  ``delete(Model)``, or a cascade from a record it deletes (Django ``on_delete=CASCADE``,
  SQLAlchemy ``ondelete="CASCADE"`` or ``relationship(cascade="all, delete")``);
- **anonymises** it: assigns it a constant, ``None``, or what an anonymising call returns (a hash,
  a random token), or names it in ``.update(field=...)``;
- **exports** it: reads it (``customer.phone``), or reads the whole record
  (``model_to_dict(customer)``, a serializer of its model, ``.values()``).

Deleting and anonymising answer an erasure request; reading answers an access request.  A
personal-data field of a store that no routine reaches is a finding at the field, unless its tag
says ``erasure=exempt`` (or ``access=exempt``) with a reason.  Without any routine, one finding
says so.  The words (method names, anonymising calls) are policy data (``rights.yaml``); this
module knows Python's shapes.  The stores, their references and what a deletion cascades to
are read by :mod:`gdpr_lint.engine.stores`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from gdpr_lint.engine.stores import Stores, _dotted, _names
from gdpr_lint.findings import Finding
from gdpr_lint.survey.astnames import walk_inner

OBJECT = "object:"  # the type of an object of a project class that is not a store: ``object:`` + its class
MAX_DEPTH = 6  # calls followed from a routine into the project's functions


@dataclass
class Reach:
    """What a set of routines does to the stores."""

    deleted: dict[str, str] = field(default_factory=dict)  # model -> routine
    changed: dict[tuple[str, str], str] = field(default_factory=dict)  # (model, field) -> routine
    read: dict[tuple[str, str], str] = field(default_factory=dict)
    read_whole: dict[str, str] = field(default_factory=dict)


# ---- the routines ---------------------------------------------------------------------------------------

@dataclass
class Function:
    qual: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    module: str
    names: object  # the module's name resolver
    owner: str = ""  # the class of a method


class Code:
    """The project's functions and methods, read on demand by module."""

    def __init__(self, modules: dict[str, str], words) -> None:
        self.modules = modules
        self.words = words
        self._read: dict[str, dict[str, Function]] = {}
        self._receivers: dict[str, list[tuple[Function, str]]] | None = None
        self._trees: dict[str, ast.Module | None] = {}
        self._raw: dict[str, bytes] = {}
        self._partly: set[str] = set()  # modules parsed in part (:meth:`classes`)

    def raw(self, module: str) -> bytes:
        """A module's bytes, read safely (a regular file within the size limit), or ``b""``."""
        if module not in self._raw:
            from gdpr_lint.files.readfile import NotReadable, read_bytes
            from gdpr_lint.files.source import MAX_BYTES

            try:
                self._raw[module] = read_bytes(self.modules[module], MAX_BYTES)
            except (NotReadable, OSError, KeyError):
                self._raw[module] = b""
        return self._raw[module]

    def receivers(self, signal: str) -> list[tuple[Function, str]]:
        """The functions connected to a signal (``@receiver(signal, sender=...)`` or
        ``signal.connect(function, sender=...)``), each with its sender as written and resolved."""
        if self._receivers is None:
            self._receivers = {}
            for module in sorted(self.modules):
                if not _RECEIVERS.search(self.raw(module)):
                    continue
                functions = self.functions(module)
                by_name = {fn.node.name: fn for fn in functions.values() if not fn.owner}
                for fn in functions.values():
                    for dec in fn.node.decorator_list:
                        if isinstance(dec, ast.Call) and _callee(dec.func) in self.words.signal_receivers and dec.args:
                            sender = next((k.value for k in dec.keywords if k.arg == "sender"), None)
                            for sig in _elements(dec.args[0]):
                                name = _qualified(fn.names.resolve(sig), _dotted(sig), module)
                                self._receivers.setdefault(name, []).append(
                                    (fn, fn.names.resolve(sender) if sender is not None else ""))
                tree = self._trees.get(module)
                for node in walk_inner(tree) if tree is not None else ():
                    if isinstance(node, ast.Call) and _callee(node.func) in self.words.signal_connects and node.args and isinstance(
                            node.func, ast.Attribute) and isinstance(node.args[0], ast.Name):
                        fn = by_name.get(node.args[0].id)
                        if fn is not None:
                            sender = next((k.value for k in node.keywords if k.arg == "sender"), None)
                            name = _qualified(fn.names.resolve(node.func.value), _dotted(node.func.value), module)
                            self._receivers.setdefault(name, []).append(
                                (fn, fn.names.resolve(sender) if sender is not None else ""))
        return self._receivers.get(signal, [])

    def parsed(self) -> list[str]:
        """The modules parsed so far, whole or in part (whatever their text, found or not)."""
        return [*self._trees, *(m for m in self._partly if m not in self._trees)]

    def classes(self, module: str, wanted: set[str]) -> tuple[list[ast.ClassDef], object] | None:
        """The module's top-level classes named in ``wanted``, and its name resolver; ``None`` when
        it does not parse.  A module of more than :data:`~gdpr_lint.files.parts.SPLIT_LINES` lines
        that is not parsed yet is not parsed whole: only its statements that define no function or
        class, and the classes wanted, each on its own lines, and that tree is not kept (the whole
        tree of a 100,000-line module takes half a gigabyte)."""
        tree, local = self._trees.get(module), None
        if module not in self._trees:
            lean = self._lean(module, wanted)
            if lean is not None:
                tree, local = lean
            else:
                tree = self.tree(module)
        if tree is None:
            return None
        names = _names(tree, module, self.modules.get(module, ""))
        if local is not None:
            names.local = local  # every class of the module, not only those parsed
        return [s for s in tree.body if isinstance(s, ast.ClassDef) and s.name in wanted], names

    def _lean(self, module: str, wanted: set[str]) -> tuple[ast.Module | None, set[str]] | None:
        """``(tree of the module's other statements and the wanted classes, every class's name)``
        for a big module, else ``None`` (parse it whole)."""
        from gdpr_lint.files import parts
        from gdpr_lint.files.source import line_breaks, python_lines, read_source

        path = self.modules.get(module)
        if not path:
            return None
        try:
            text = read_source(Path(path))[0]
        except OSError:
            return None
        if text is None or line_breaks(text) <= parts.SPLIT_LINES:
            return None
        lines = python_lines(text)
        found = parts.top_level(text)
        if not found:
            return None  # cannot be cut
        kept = [""] * len(lines)
        for first, last, name, kind in found:
            if not kind or (kind == "class" and name in wanted):
                kept[first - 1:last] = lines[first - 1:last]
        self._partly.add(module)
        local = {name for _a, _b, name, kind in found if kind == "class"}
        try:
            return ast.parse("\n".join(kept)), local
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return None, local

    def tree(self, module: str) -> ast.Module | None:
        """A module's syntax tree, parsed once for the stores and the routines alike."""
        if module not in self._trees:
            self._trees[module] = _parse(self.modules.get(module))
        return self._trees[module]

    def functions(self, module: str) -> dict[str, Function]:
        if module not in self._read:
            out: dict[str, Function] = {}
            tree = self.tree(module)
            if tree is not None:
                names = _names(tree, module, self.modules[module])
                for stmt in tree.body:
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        out[stmt.name] = Function(f"{module}.{stmt.name}", stmt, module, names)
                    elif isinstance(stmt, ast.ClassDef):
                        for item in stmt.body:
                            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                                out[f"{stmt.name}.{item.name}"] = Function(
                                    f"{module}.{stmt.name}.{item.name}", item, module, names, f"{module}.{stmt.name}")
            self._read[module] = out
        return self._read[module]

    def find(self, dotted: str) -> Function | None:
        """The function or method a dotted name names (the longest module prefix that is a module)."""
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                return self.functions(module).get(".".join(parts[cut:]))
        return None


class Walker:
    """Follows one routine and what it calls, recording what it does to the stores into ``reach``."""

    def __init__(self, stores: Stores, code: Code, reach: Reach, routine: str, mirrors: dict[str, str]) -> None:
        self.stores, self.code, self.reach, self.routine, self.mirrors = stores, code, reach, routine, mirrors
        self.words = stores.words
        self.seen: set[tuple[str, tuple]] = set()
        #: what the attributes of objects of project classes hold (``self.customer = customer`` in
        #: ``Exporter.__init__``): (object type, attribute) -> store
        self.attributes: dict[tuple[str, str], str] = {}
        self.depth = 0  # of the function being walked

    def run(self, fn: Function, bound: dict[str, str] | None = None, depth: int = 0) -> None:
        key = (fn.qual, tuple(sorted((bound or {}).items())))
        if key in self.seen or depth > MAX_DEPTH:
            return
        self.seen.add(key)
        outer, self.depth = self.depth, depth
        env: dict[str, str] = {}
        args = fn.node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        for i, a in enumerate(params):
            if i == 0 and fn.owner and a.arg in ("self", "cls"):
                # a record's own method, or an object of a project class that holds records
                kind = fn.owner if fn.owner in self.stores.models else (bound or {}).get("self", "")
                if kind:
                    env[a.arg] = kind
                continue
            kind = (bound or {}).get(a.arg) or self._annotation(a.annotation, fn) or self.stores.by_word(a.arg)
            if kind:
                env[a.arg] = kind
        for stmt in fn.node.body:
            self._stmt(stmt, env, fn, depth)
        self.depth = outer

    def _annotation(self, node, fn: Function) -> str:
        if node is None:
            return ""
        text = _dotted(node.value if isinstance(node, ast.Subscript) else node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        resolved = fn.names.resolve_text(text) if text else ""
        return self.stores.resolve_target(resolved, fn.module) if resolved else ""

    # -- statements and expressions ------------------------------------------------------------
    def _stmt(self, stmt: ast.stmt, env: dict[str, str], fn: Function, depth: int) -> None:
        for node in _in_order(stmt):
            if isinstance(node, ast.ImportFrom):  # `from ..signals import delete_user_content` in a function
                from gdpr_lint.survey.classes import _from_base

                base = _from_base(node, fn.module.rpartition(".")[0] if not self.code.modules.get(
                    fn.module, "").endswith("__init__.py") else fn.module)
                for alias in node.names:
                    env[f"@import:{alias.asname or alias.name}"] = f"{base}.{alias.name}" if base else alias.name
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                value = node.value
                if value is None:
                    continue
                kind = self.type_of(value, env, fn)
                for target in targets:
                    if isinstance(target, ast.Name) and kind:
                        env[target.id] = kind
                    elif isinstance(target, ast.Attribute):
                        owner = self.type_of(target.value, env, fn)
                        if owner.startswith(OBJECT) and kind:
                            self.attributes[(owner, target.attr)] = kind
                        elif owner and self._anonymises(value, fn):
                            self.reach.changed.setdefault((owner, target.attr), self.routine)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                names = _constant_strings(node.iter)
                if names and isinstance(node.target, ast.Name):  # for name in ("email", "phone"): setattr(...)
                    env[f"@strings:{node.target.id}"] = "\n".join(names)
                kind = self.type_of(node.iter, env, fn)
                if not kind and isinstance(node.iter, ast.Call):
                    # a wrapper over a query (`chunk_queryset(user.post_set)`, `tqdm(qs)`) yields its records
                    kind = next(filter(None, (self.type_of(a, env, fn) for a in node.iter.args)), "")
                if kind and isinstance(node.target, ast.Name):
                    env[node.target.id] = kind
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    kind = self.type_of(item.context_expr, env, fn)
                    if kind and isinstance(item.optional_vars, ast.Name):
                        env[item.optional_vars.id] = kind
            elif isinstance(node, ast.Call):
                self._call(node, env, fn, depth)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                owner = self.type_of(node.value, env, fn)
                model = self.stores.models.get(owner)
                if model is not None and node.attr in model.fields:
                    self.reach.read.setdefault((owner, node.attr), self.routine)

    def resolve(self, node: ast.expr, env: dict[str, str], fn: Function) -> str:
        """The qualified name of a dotted name, through the function's own imports, then its module's."""
        text = _dotted(node)
        head, _, rest = text.partition(".")
        local = env.get(f"@import:{head}")
        if local:
            return local + (f".{rest}" if rest else "")
        return _qualified(fn.names.resolve_text(text), text, fn.module) if text else ""

    def type_of(self, node: ast.expr, env: dict[str, str], fn: Function) -> str:
        """The store whose record (or records) an expression holds, or ``""``."""
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            return self._store_named(self.resolve(node, env, fn), fn)
        if isinstance(node, ast.Attribute):
            if node.attr in self.stores.queried_through:
                return self.type_of(node.value, env, fn)
            owner = self.type_of(node.value, env, fn)
            if owner.startswith(OBJECT):
                return self.attributes.get((owner, node.attr), "")
            if owner:
                return self.stores.relation(owner, node.attr)
            resolved = self._store_named(self.resolve(node, env, fn), fn)
            if resolved:
                return resolved
            # `request.user`: the signed-in user (Django, Flask-Login's `current_user`)
            return self.stores.by_word("user") if node.attr in self.words.signed_in_user else ""
        if isinstance(node, ast.Subscript):
            return self.type_of(node.value, env, fn)
        if isinstance(node, ast.Await):
            return self.type_of(node.value, env, fn)
        if isinstance(node, ast.Call):
            func = node.func
            name = _callee(func)
            if name == "super" and fn.owner in self.stores.models:  # super().delete() in a model's method
                return fn.owner
            made = self._project_class(func, env, fn)
            if made:  # `Exporter(customer)`: an object of a project class (what it holds: its __init__)
                self._follow(node, env, fn, self.depth, "", _callee(func))
                return OBJECT + made
            if name in self.words.query_methods:
                for arg in node.args:  # session.get(Model, pk), select(Model), get_object_or_404(Model, ...)
                    kind = self.type_of(arg, env, fn)
                    if kind:
                        return kind
                if isinstance(func, ast.Attribute):
                    return self.type_of(func.value, env, fn)
        return ""

    def _call(self, call: ast.Call, env: dict[str, str], fn: Function, depth: int) -> None:
        func = call.func
        name = _callee(func)
        receiver = self.type_of(func.value, env, fn) if isinstance(func, ast.Attribute) else ""
        if name in self.words.delete_methods:
            for kind in filter(None, [receiver, *(self.type_of(a, env, fn) for a in call.args)]):
                self.reach.deleted.setdefault(kind, self.routine)
                for signal in self.words.delete_signals:  # what the project does when such a record is deleted
                    self._signal(signal, kind, {"instance": kind}, depth)
            return
        if name in self.words.signal_sends and isinstance(func, ast.Attribute):
            signal = self.resolve(func.value, env, fn)
            sender = next((k.value for k in call.keywords if k.arg == "sender"), call.args[0] if call.args else None)
            kind = self.type_of(sender, env, fn) if sender is not None else ""
            extra = {k.arg: t for k in call.keywords if k.arg and k.arg != "sender"
                     for t in [self.type_of(k.value, env, fn)] if t}
            self._signal(signal, kind, extra, depth)
            return
        if name in self.words.update_methods and receiver:
            named = [k.arg for k in call.keywords if k.arg]  # Django: .update(field=...)
            for arg in call.args:  # SQLAlchemy: query.update({"field": ...}) or {Model.field: ...}
                if isinstance(arg, ast.Dict):
                    for key in arg.keys:
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            named.append(key.value)
                        elif isinstance(key, ast.Attribute):
                            named.append(key.attr)
            for field_name in named:
                self.reach.changed.setdefault((receiver, field_name), self.routine)
            return
        if name == "values" and isinstance(func, ast.Attribute) and not receiver:
            # SQLAlchemy: update(Model).where(...).values(field=...)
            target = self._statement_model(func.value, env, fn, "update")
            if target:
                for k in call.keywords:
                    if k.arg:
                        self.reach.changed.setdefault((target, k.arg), self.routine)
                return
        if name == "setattr" and len(call.args) == 3:
            owner = self.type_of(call.args[0], env, fn)
            attr = call.args[1]
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                fields = [attr.value]
            elif isinstance(attr, ast.Name):  # the loop's variable over a literal list of field names
                fields = [f for f in env.get(f"@strings:{attr.id}", "").split("\n") if f]
            else:
                fields = []
            if owner and self._anonymises(call.args[2], fn):
                for field_name in fields:
                    self.reach.changed.setdefault((owner, field_name), self.routine)
            return
        if name in self.words.whole_record_reads:
            if name == "values" and receiver and (call.args or call.keywords):
                for arg in call.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        self.reach.read.setdefault((receiver, arg.value.split("__")[0]), self.routine)
                return
            for kind in filter(None, [receiver if name == "values" else "", *(self.type_of(a, env, fn)
                                                                              for a in call.args)]):
                self.reach.read_whole.setdefault(kind, self.routine)
            return
        if name == "values_list" and receiver:
            for arg in call.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    self.reach.read.setdefault((receiver, arg.value.split("__")[0]), self.routine)
            return
        # a serializer, form or schema of a store given its records reads all their fields
        callee = fn.names.resolve(func)
        mirrored = self.mirrors.get(callee)
        if mirrored:
            for a in [*call.args, *(k.value for k in call.keywords if k.arg == "instance")]:
                if self.type_of(a, env, fn) == mirrored:
                    self.reach.read_whole.setdefault(mirrored, self.routine)
            return
        self._follow(call, env, fn, depth, receiver, name)

    def _project_class(self, func: ast.expr, env: dict[str, str], fn: Function) -> str:
        """The qualified name of the project class (not a store) a call constructs, or ``""``."""
        if not isinstance(func, (ast.Name, ast.Attribute)):
            return ""
        resolved = self.resolve(func, env, fn)
        module, _, cls = resolved.rpartition(".")
        if not module or resolved in self.stores.models or module not in self.code.modules:
            return ""
        methods = self.code.functions(module)
        return resolved if any(k.startswith(f"{cls}.") for k in methods) else ""

    def _store_named(self, resolved: str, fn: Function) -> str:
        """The store a qualified name names: itself, or the class a package of the project
        re-exports (``from .models import Post`` for ``app.models.post.Post``)."""
        if resolved in self.stores.models:
            return resolved
        package = resolved.rpartition(".")[0]
        if package and package in self.code.modules:
            return self.stores.resolve_target(resolved, fn.module)
        return ""

    def _signal(self, signal: str, sender: str, bound: dict[str, str], depth: int) -> None:
        """Walk the receivers of a signal sent with ``sender`` (a store, or ``""``)."""
        for receiver, wanted in self.code.receivers(signal):
            if wanted and sender and self.stores.resolve_target(wanted, receiver.module) not in (sender, ""):
                continue  # connected for another model's records
            self.run(receiver, {**bound, **({"sender": sender} if sender else {})}, depth + 1)

    def _statement_model(self, node: ast.expr, env: dict[str, str], fn: Function, builder: str) -> str:
        """The model of an ``update(Model)`` (or ``delete(Model)``) statement under ``.where(...)``."""
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        if isinstance(node, ast.Call) and _callee(node.func) == builder and node.args:
            return self.type_of(node.args[0], env, fn)
        return ""

    def _follow(self, call: ast.Call, env: dict[str, str], fn: Function, depth: int, receiver: str,
                name: str) -> None:
        """Walk the project function or method a call runs, with what its arguments hold."""
        target: Function | None = None
        made = "" if receiver else self._project_class(call.func, env, fn)
        if made:  # constructing an object: its __init__ runs with the arguments
            module, _, cls = made.rpartition(".")
            target, receiver, name = self.code.functions(module).get(f"{cls}.__init__"), OBJECT + made, "__init__"
        elif receiver and (receiver in self.stores.models or receiver.startswith(OBJECT)):  # record.method(...)
            module, _, cls = receiver.removeprefix(OBJECT).rpartition(".")
            target = self.code.functions(module).get(f"{cls}.{name}")
        elif isinstance(call.func, ast.Name):
            target = self.code.functions(fn.module).get(call.func.id) or self.code.find(
                fn.names.resolve_text(call.func.id))
        elif isinstance(call.func, ast.Attribute):
            dotted = fn.names.resolve(call.func)
            target = self.code.find(dotted) if dotted else None
            if target is None and isinstance(call.func.value, ast.Name) and call.func.value.id == "self" and fn.owner:
                module, _, cls = fn.owner.rpartition(".")
                target = self.code.functions(module).get(f"{cls}.{name}")
        if target is None:
            return
        params = [a.arg for a in (*target.node.args.posonlyargs, *target.node.args.args)]
        if target.owner and params and params[0] in ("self", "cls"):
            params = params[1:]
        bound = {}
        for p, a in zip(params, call.args):
            kind = self.type_of(a, env, fn)
            if kind:
                bound[p] = kind
        for k in call.keywords:
            kind = self.type_of(k.value, env, fn) if k.arg else ""
            if kind:
                bound[k.arg] = kind
        if receiver and target.owner:
            bound["self"] = receiver
        self.run(target, bound, depth + 1)

    def _anonymises(self, value: ast.expr, fn: Function) -> bool:
        """Whether an assigned value erases what the field held: a constant, None, a constant
        expression, a module constant, or what an anonymising call returns."""
        if isinstance(value, ast.Constant):
            return True
        if isinstance(value, ast.JoinedStr):
            return all(isinstance(v, ast.Constant) or _is_constant_name(getattr(v, "value", None))
                       for v in value.values)
        if isinstance(value, (ast.BinOp, ast.UnaryOp, ast.BoolOp)):
            return all(self._anonymises(v, fn) for v in ast.iter_child_nodes(value) if isinstance(v, ast.expr))
        if _is_constant_name(value):
            return True
        if isinstance(value, ast.Call):
            words = set(re.split(r"[._()]+", _dotted(value.func).lower()))
            return bool(words & self.words.anonymise_words) or _dotted(value.func).lower() in self.words.anonymise_words
        return False


# ---- the check ------------------------------------------------------------------------------------------

def routines(policy, code: Code, which: str) -> tuple[list[Function], list[str]]:
    """``(routines found, configured names not found)`` for ``erasure`` or ``access``."""
    configured = getattr(policy.config, which)
    if configured:
        found, missing = [], []
        for name in configured:
            fn = code.find(name)
            (found.append(fn) if fn is not None else missing.append(name))
        return found, missing
    patterns = policy.rights.erasure_conventions if which == "erasure" else policy.rights.access_conventions
    if not patterns:
        return [], []
    # one search of each file's bytes for a `def` whose name fits a pattern; only those files are parsed
    wanted = _convention_search(patterns)
    found = []
    for module in sorted(code.modules):
        if not wanted.search(code.raw(module)):
            continue
        for fn in code.functions(module).values():
            if any(fnmatchcase(fn.node.name, p) for p in patterns):
                found.append(fn)
    return found, []


def searches(policy) -> list:
    """What :func:`check` looks for in the bytes of every module: a file that matches none of these
    is parsed only when a routine, a store or a signal leads to it (the scan's cache of the check
    relies on this to tell which edits can change its result)."""
    out = [_RECEIVERS]
    for which in ("erasure", "access"):
        patterns = policy.rights.erasure_conventions if which == "erasure" else policy.rights.access_conventions
        if patterns and not getattr(policy.config, which):
            out.append(_convention_search(patterns))
    return out


class _DefSearch:
    """A search of a module's bytes for a ``def`` whose name fits one of the convention's patterns
    (``erase_*``), at the start of a line (after its indentation and an ``async``): the same as
    ``^[ \\t]*(?:async[ \\t]+)?def[ \\t]+(?:names)\\b`` in multi-line mode, but searched for from
    the literal ``def``, many times faster than from the start of every line."""

    def __init__(self, patterns) -> None:
        names = "|".join(_pattern_regex(p) for p in patterns)
        self._def = re.compile(rb"def[ \t]+(?:" + names.encode() + rb")\b")

    def search(self, data: bytes) -> re.Match[bytes] | None:
        at = 0
        while True:
            m = self._def.search(data, at)
            if m is None:
                return None
            line = data.rfind(b"\n", 0, m.start()) + 1
            if _LINE_HEAD.fullmatch(data, line, m.start()):
                return m
            at = m.start() + 1


_LINE_HEAD = re.compile(rb"[ \t]*(?:async[ \t]+)?")


def _convention_search(patterns) -> _DefSearch:
    """A `def` whose name fits one of the convention's patterns (``erase_*``), as bytes."""
    return _DefSearch(patterns)


_RECEIVERS = re.compile(rb"receiver\(|\.connect\(")  # where a signal receiver may be connected


def _pattern_regex(pattern: str) -> str:
    """An fnmatch pattern of a function name as a regular expression of identifier characters."""
    out = []
    for part in re.split(r"(\*|\?|\[[^\]]*\])", pattern):
        out.append(r"\w*" if part == "*" else r"\w" if part == "?" else part if part.startswith("[") and part
                   else re.escape(part))
    return "".join(out)


def check(policy, facts, rows: list[dict], modules: dict[str, str], shown: dict[str, str],
          config_shown: str = "", parsed: set[str] | None = None) -> list[Finding]:
    """GDPR501-505 for the store rows of the inventory; each row gets ``erased_by`` and
    ``exported_by`` (what reaches it, ``""`` when nothing does).

    Args:
        policy: the effective policy.
        facts: the project facts (store classes, what carriers mirror).
        rows: the scan's inventory rows (updated in place).
        modules: module name -> file path, for every file of the scan (production code).
        shown: module name -> the path shown in findings.
        config_shown: the config file as shown, where a finding about the config is reported.
        parsed: filled with the modules the check parsed (all it read beyond :func:`searches`).
    """
    kept = [r for r in rows if r.get("storage") and not r.get("exchanged")]
    enabled = {c: policy.is_enabled(c) for c in ("GDPR501", "GDPR502", "GDPR503", "GDPR504", "GDPR505")}
    if not kept or not any(enabled.values()):
        return []
    code = Code(modules, policy.rights)
    stores = Stores(facts, code, policy)
    findings: list[Finding] = []
    for which, none_code, miss_code, exempt_key in (("erasure", "GDPR503", "GDPR501", "erasure"),
                                                   ("access", "GDPR504", "GDPR502", "access")):
        found, missing = routines(policy, code, which)
        for name in missing:
            if enabled["GDPR505"]:
                findings.append(_finding(policy, "GDPR505", config_shown or "<config>", 1, f"`{which}:` names "
                                         f"{name}, which is not a function or method of the scanned code",
                                         f"{which}.{name}", name))
        reach = Reach()
        for fn in list(found):
            mine = Reach()
            Walker(stores, code, mine, _short(fn.qual), facts.mirrors).run(fn)
            touches = mine.deleted or mine.changed if which == "erasure" else mine.read or mine.read_whole
            if not touches and not getattr(policy.config, which):
                found.remove(fn)  # named like a routine by the convention, but reaches no store: not one
                continue
            for part in ("deleted", "changed", "read", "read_whole"):
                for k, v in getattr(mine, part).items():
                    getattr(reach, part).setdefault(k, v)
        deleted = stores.cascade(reach.deleted)
        for row in kept:
            qual = f"{row.get('module')}.{row.get('model')}"
            key = (qual, row.get("field", ""))
            if which == "erasure":
                how = (f"deleted by {deleted[qual]}" if qual in deleted else
                       f"anonymised by {reach.changed[key]}" if key in reach.changed else "")
                row["erased_by"] = how
            else:
                how = (f"exported by {reach.read_whole[qual]}" if qual in reach.read_whole else
                       f"exported by {reach.read[key]}" if key in reach.read else "")
                row["exported_by"] = how
        declared = bool(getattr(policy.config, which))
        if not declared:
            # routines found by their names are proposals: a function named like one may do part of
            # the work (a signal receiver that deletes one app's rows), and reporting every field it
            # misses would cry wolf; the coverage they give is in the inventory
            if enabled[none_code]:
                first = min(kept, key=lambda r: (r.get("path", ""), r.get("line", 0)))
                stores_n = len({(r.get("module"), r.get("model")) for r in kept})
                what = "erases or anonymises" if which == "erasure" else "exports"
                key = "erased_by" if which == "erasure" else "exported_by"
                named = sorted({f"{fn.module}.{_short(fn.qual)}" for fn in found})
                seen = (f"; by {'their names' if len(named) > 1 else 'its name'}, {', '.join(named[:3])}"
                        f"{' ...' if len(named) > 3 else ''} {'look' if len(named) > 1 else 'looks'} like "
                        f"{'ones' if len(named) > 1 else 'one'} and {'reach' if len(named) > 1 else 'reaches'} {sum(1 for r in kept if r.get(key))} of "
                        f"them: declare the routines under `{which}:` in the config to check every field"
                        if named else f" (name the routines under `{which}:` in the config)")
                findings.append(_finding(
                    policy, none_code, first.get("path", ""), first.get("line", 1),
                    f"no routine that {what} a person's data on request is declared: {len(kept)} personal-data "
                    f"field{'s' if len(kept) != 1 else ''} of {stores_n} store{'s' if stores_n != 1 else ''} "
                    f"unchecked{seen}", "<project>", f"{which}-routines", column=first.get("column", 1),
                    width=len(first.get("field", ""))))  # (at the first field unchecked, its name underlined)
            continue
        if not enabled[miss_code] or not found:  # (every declared name unknown: GDPR505 says so)
            continue
        names = ", ".join(sorted({_short(fn.qual) for fn in found}))
        for row in kept:
            if row.get("erased_by" if which == "erasure" else "exported_by") or (
                    row.get(exempt_key) == "exempt" and row.get("exempt_reason")):  # (without a reason: GDPR102)
                continue
            label = f"`{row.get('model')}.{row.get('field')}`"
            message = (f"{label} is reached by no erasure routine ({names}): an erasure request leaves it"
                       if which == "erasure" else
                       f"{label} is read by no access routine ({names}): an access request does not return it")
            findings.append(_finding(policy, miss_code, row.get("path", ""), row.get("line", 1), message,
                                     f"{row.get('model')}.{row.get('field')}", row.get("field", ""),
                                     tuple(row.get("categories", ())), row.get("column", 1)))
    if parsed is not None:
        parsed.update(code.parsed())
        module_of = {shown[m]: m for m in modules if m in shown}
        parsed.update(module_of[f.path] for f in findings if f.path in module_of)  # read for suppressions
    return _unsuppressed(findings, modules, shown)


def _finding(policy, code: str, path: str, line: int, message: str, symbol: str, snippet: str,
             categories: tuple = (), column: int = 1, width: int | None = None) -> Finding:
    """``snippet``: what the fingerprint is made of, and the width shown unless ``width`` is given."""
    rule = policy.rules[code]
    end = column + (len(snippet) if width is None else width)
    return Finding(code=code, name=rule.name, family=rule.family, severity=policy.severity_of(code), path=path,
                   line=line, column=column, end_line=line, end_column=end, message=message,
                   categories=list(categories),
                   fix=" ".join(rule.fix.split()), symbol=symbol, snippet=snippet).finish()


def _unsuppressed(findings: list[Finding], modules: dict[str, str], shown: dict[str, str]) -> list[Finding]:
    """The findings, with ``suppressed`` and its reason set for those a ``# gdpr-lint: ignore``
    comment on their line covers."""
    from gdpr_lint.policy.comments import CommentIndex

    path_of = {shown[m]: p for m, p in modules.items() if m in shown}
    indexes: dict[str, CommentIndex | None] = {}
    from gdpr_lint.files.source import read_source

    for f in findings:
        if f.path not in indexes:
            text = read_source(Path(path_of[f.path]))[0] if f.path in path_of else None
            indexes[f.path] = CommentIndex(text) if text is not None else None
        index = indexes[f.path]
        sup = index.suppressions.get(f.line) if index is not None else None
        if sup is not None and (not sup.codes or f.code in sup.codes):
            f.suppressed = True
            f.suppression_reason = sup.reason
    return findings


# ---- helpers --------------------------------------------------------------------------------------------

def _short(qual: str) -> str:
    """``erase_customer``, or ``Account.erase`` for a method."""
    parts = qual.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 and parts[-2][:1].isupper() else parts[-1]


def _parse(path: str | None) -> ast.Module | None:
    if not path:
        return None
    from gdpr_lint.files.source import read_source

    try:
        text, _problem = read_source(Path(path))
        return ast.parse(text) if text is not None else None
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError, OSError):
        return None


def _constant_strings(node: ast.expr) -> list[str]:
    """The strings of a literal tuple, list or set of strings (``("email", "phone")``), else ``[]``."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return [e.value for e in node.elts]
    return []


def _qualified(resolved: str, written: str, module: str) -> str:
    """A name the module's imports do not resolve (a signal defined beside its receivers) belongs
    to the module itself."""
    return f"{module}.{written}" if resolved == written and written and "." not in written else resolved


def _elements(node: ast.expr) -> list[ast.expr]:
    """The items of a list or tuple literal, else the node itself."""
    return list(node.elts) if isinstance(node, (ast.List, ast.Tuple)) else [node]


def _callee(func: ast.expr) -> str:
    """The name a call calls: ``update`` in ``Model.objects.filter(...).update(...)``."""
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _is_constant_name(node) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return bool(name) and name.isupper()


def _in_order(stmt: ast.stmt):
    """The nodes of a statement, parents before children, assignments before what reads their names."""
    stack = [stmt]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) and node is not stmt:
            continue
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            # the loops bind the names the element reads: walk them first
            children = [*node.generators, *(c for c in children if c not in node.generators)]
        stack.extend(reversed(children))
