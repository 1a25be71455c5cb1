"""Statement walker: runs the flow through a module's and its functions' bodies in order.

It keeps an :class:`~gdpr_lint.engine.flow.Env` per function, checks every call, raise and
subscript store against the sinks with the environment at that point, and computes function
summaries (which parameters reach the return value) so calls to local helpers carry data.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import libcst as cst

from gdpr_lint.classify import Match
from gdpr_lint.engine.flow import EMPTY, PARAM, Env, Flow, Summary
from gdpr_lint.engine.names import last_name, string_value
from gdpr_lint.engine.sinks import Sinks
from gdpr_lint.engine.tree import EXPRESSIONS, LEAVES, block_statements, children
from gdpr_lint.survey.prefilter import standalone

MAX_STATEMENTS = 200_000  # per module: bounds the work one huge file can cause (then GDPR905)


_CALL = re.compile(r"\b(\w+)\s*\(")
# compound statements whose blocks may define functions (`if ...: def f` ... `else: def g`)
_BLOCKS = (cst.If, cst.Try, cst.TryStar, cst.With, cst.For, cst.While, cst.Match)
_DEF = re.compile(r"def\s+(\w+)\s*\(")  # (standalone: `def` alone)


@lru_cache(maxsize=2)
def _called_names(source: str) -> frozenset[str]:
    """The names written before ``(`` in ``source`` more often than they are defined with ``def``
    (a superset of the functions the module calls: strings and comments count too); read once
    for the parts of a module read in parts (:mod:`gdpr_lint.files.parts`), which share it."""
    defined = Counter(m.group(1) for m in standalone(_DEF, source, "_"))
    return frozenset(name for name, n in Counter(_CALL.findall(source)).items() if n > defined.get(name, 0))


class Walker:
    """Walks one module.  ``reporting`` is off while summaries are computed."""

    def __init__(self, flow: Flow, sinks: Sinks, ctx=None) -> None:
        self.ctx = ctx  # a FileContext whose ``symbol`` names the function being walked
        self.flow = flow
        self.sinks = sinks
        self.reporting = True
        self.returns: frozenset = EMPTY
        self.budget = MAX_STATEMENTS
        self.exhausted = False  # set when the budget ran out (reported as GDPR905)
        self.has_walrus = ctx is None or ":=" in ctx.source  # no `:=` in the text: no walrus to bind
        #: (the command decorators' names, and the command methods where the module imports a
        #: command-line library): :meth:`_is_command`'s, made on first need
        self._commands: tuple[tuple[str, ...], frozenset[str]] | None = None

    # ---- module -----------------------------------------------------------------------------------
    def run_module(self, module: cst.Module) -> None:
        """Compute summaries, then walk the module body and every function with reporting on."""
        functions = list(self._functions(module.body, None))
        self.flow.local_functions = {f"{cls}.{fn.name.value}" if cls else fn.name.value: fn for fn, cls, _ in functions}
        self.flow._identity = {}
        module_env = self.module_env = Env()
        self.flow.enter(None)  # module-level names hold what their assignments say
        self.reporting = False
        self.block(module.body, module_env, top=True)
        called = _called_names(self.ctx.source) if self.ctx is not None else None
        for fn, cls, _qual in functions:  # in source order: helpers defined first are known to later ones
            # a summary is read only where the function is called by name (`helper(...)`,
            # `self.helper(...)`): one the module never calls is not worth a walk of its body
            if (called is None or fn.name.value in called) and _returns_value(fn):
                self.flow.summaries[f"{cls}.{fn.name.value}" if cls else fn.name.value] = self.summarise(
                    fn, cls, module_env)
        self.reporting = True
        self.budget = MAX_STATEMENTS
        self.block(module.body, Env(), top=True)
        for fn, cls, qual in functions:
            if self.ctx is not None:
                self.ctx.symbol = qual
            self.run_function(fn, cls, module_env, reporting=True, qual=qual)

    def _functions(self, body, cls: str | None, prefix: str = ""):
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef):
                qual = f"{prefix}{stmt.name.value}"
                yield stmt, cls, qual
                yield from self._functions(stmt.body.body, cls, qual + ".")
            elif isinstance(stmt, cst.ClassDef):
                yield from self._functions(stmt.body.body, stmt.name.value, f"{prefix}{stmt.name.value}.")
            elif isinstance(stmt, _BLOCKS):  # every block: else, elif, except, finally, loops, cases
                yield from self._functions(block_statements(stmt), cls, prefix)

    # ---- functions ----------------------------------------------------------------------------------
    def _params(self, fn: cst.FunctionDef) -> list[cst.Param]:
        p = fn.params
        out = list(p.posonly_params) + list(p.params)
        if isinstance(p.star_arg, cst.Param):
            out.append(p.star_arg)
        out += list(p.kwonly_params)
        if p.star_kwarg is not None:
            out.append(p.star_kwarg)
        return out

    def _validated_field(self, fn: cst.FunctionDef) -> str | None:
        """The field a validator checks: ``@field_validator("dob")``, ``@validator``, marshmallow ``@validates``."""
        validators = self.flow.policy.frameworks.validator_decorators
        for dec in fn.decorators:
            call = dec.decorator
            if isinstance(call, cst.Call) and last_name(call.func) in validators and call.args:
                return string_value(call.args[0].value)
        return None

    def _function_env(self, fn: cst.FunctionDef, module_env: Env, markers: bool, qual: str = "") -> Env:
        env = Env(parent=module_env)
        validated = self._validated_field(fn)
        # what the project's callers pass to its parameters (survey.incoming): only where findings are
        # reported, so a summary (which parameters reach the return) is not coloured by one caller
        incoming = self.flow.incoming.get(f"{self.sinks.module}.{qual}", {}) if qual and not markers else {}
        files = {self.flow.file_parameter(d.decorator) for d in fn.decorators if isinstance(d.decorator, cst.Call)}
        self.flow.current_params = frozenset(p.name.value for p in self._params(fn))
        # a parameter the function passes as a mail's recipients holds people's addresses: only
        # where findings are reported, as what callers pass
        addressed = self.flow.addressed(fn, set(self.flow.current_params)) if not markers else {}
        # a parameter beside a password (`def login(self, login, password)`): the name a person signs in with
        signing_in = self.flow.signing_in(self.flow.current_params)
        for i, param in enumerate(self._params(fn)):
            name = param.name.value
            # by its name, or a container it is named after (`userinfo`, `oauth_response`: sources)
            taint = frozenset(self.flow.classifier.classify(name)) or self.flow.source_of(param.name)
            if validated and name not in ("self", "cls") and i <= 1 and not taint:
                taint = frozenset(self.flow.classifier.classify(validated))  # the value of the validated field
            if markers:
                taint |= {Match(f"{PARAM}{i}", name)}
            taint |= incoming.get(name, EMPTY) | addressed.get(name, EMPTY)
            if name in signing_in:
                taint |= self.flow.sign_in_match("a parameter beside a password")
            ann = param.annotation.annotation if param.annotation else None
            if self.flow.sign_in_text_names and self.flow.names_an_account(name, ann):
                taint |= self.flow.sign_in_match(f"`{name}` annotated as text")
            env.taint[name] = taint
            if name not in ("self", "cls"):
                env.objects[name] = self.flow.object_text(name)  # `def notify(user)`: a User
                cls, text = self.flow.annotated_object(ann)
                if cls:  # `def notify(c: Customer)`: a Customer, whatever its name says
                    env.typed[name] = cls
                    env.objects[name] = env.objects[name] or text
            elif i == 0 and name == "self" and self.flow.current_class:
                # a method's own object prints as its class's __str__ (`log.info("saved %s", self)`)
                env.objects[name] = self.flow.own_text(self.sinks.module, self.flow.current_class)
            kind = "file" if name in files else self.flow.annotation_kind(ann)  # @click.option(type=click.File("w"))
            if kind:
                env.kinds[name] = kind
        return env

    def summarise(self, fn: cst.FunctionDef, cls: str | None, module_env: Env) -> Summary:
        """Which parameters of ``fn`` reach its return value, and what it returns on its own."""
        self.flow.current_class = cls
        env = self._function_env(fn, module_env, markers=True)
        self.returns = EMPTY
        self.flow.enter(fn.body)
        self.block(fn.body.body, env)
        self.flow.enter(None)
        self.flow.current_params = frozenset()
        params = tuple(p.name.value for p in self._params(fn))
        flows = frozenset(int(m.category[len(PARAM):]) for m in self.returns if m.category.startswith(PARAM))
        own = frozenset(m for m in self.returns if not m.category.startswith(PARAM))
        return Summary(params=params, returns_params=flows, returns=own)

    def run_function(self, fn: cst.FunctionDef, cls: str | None, module_env: Env, reporting: bool,
                     qual: str = "") -> None:
        """Walk one function body with its parameters classified by name and annotation."""
        self.flow.current_class = cls
        self.reporting = reporting
        env = self._function_env(fn, module_env, markers=False, qual=qual)
        self.returns = EMPTY
        self.flow.enter(fn.body)
        self.sinks.in_command = self._is_command(fn)
        self.block(fn.body.body, env)
        self.sinks.in_command = False
        self.flow.enter(None)
        self.flow.current_params = frozenset()

    def _is_command(self, fn: cst.FunctionDef) -> bool:
        """Whether a function is a command of a command-line library (``sinks.yaml``
        ``operator_output``: ``@click.command()``, ``@click.option(...)``; ``@cli.command()`` where
        the module imports a command-line library), or prompts its operator at a terminal
        (``input()``, ``getpass.getpass()``: ``operator_output.prompts``)."""
        if self._commands is None:  # (read once per module: the policy's names, the module's imports)
            spec = self.flow.policy.sinks.get("operator_output") or {}
            imports = {t.split(".")[0] for t in getattr(self.flow.resolver, "aliases", {}).values()}
            source = self.ctx.source if self.ctx is not None else ""
            prompts = _called_here(source, tuple(spec.get("prompts") or ()))
            self._commands = (tuple(spec.get("command_decorators") or ()), frozenset(
                spec.get("command_methods") or ()) if not imports.isdisjoint(spec.get("cli_imports") or ()) else
                frozenset(), prompts)
        prefixes, methods, prompts = self._commands
        if prompts and self._prompts(fn, prompts):
            return True
        if not fn.decorators:
            return False
        for dec in fn.decorators:
            func = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
            if any(n == p or n.startswith(p + ".") for n in self.flow.resolver.qnames(func) for p in prefixes):
                return True
            if isinstance(func, cst.Attribute) and func.attr.value in methods:
                return True
        return False

    def _prompts(self, fn: cst.FunctionDef, prompts: frozenset[str]) -> bool:
        """Whether the function's own body (not a function defined in it) calls one of ``prompts``."""
        stack: list[cst.CSTNode] = [fn.body]
        qnames = self.flow.resolver.qnames
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
                continue
            if kind is cst.Call and not prompts.isdisjoint(qnames(node.func)):
                return True
            stack.extend(children(node))
        return False

    # ---- statements ---------------------------------------------------------------------------------
    def block(self, body, env: Env, top: bool = False) -> None:
        """Walk a sequence of statements (skipping nested functions and classes, walked on their own)."""
        ctx = self.ctx
        for stmt in body:
            if self.budget <= 0:
                self.exhausted = True
                return
            self.budget -= 1
            if ctx is not None:
                ctx.near = stmt
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self.small(small, env)
            elif isinstance(stmt, cst.BaseSmallStatement):
                # a body on its header's line (`def f(user): log.info(...)`, `if x: ...`): a
                # SimpleStatementSuite, whose body holds the small statements themselves
                self.small(stmt, env)
            elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                if isinstance(stmt, cst.ClassDef) and top:
                    saved = self.flow.current_class
                    self.flow.current_class = stmt.name.value
                    self._class_attrs(stmt, env)
                    self.flow.current_class = saved
                continue
            elif isinstance(stmt, cst.If):
                # each branch starts from what was known before the `if`; afterwards a name holds
                # what any branch gave it (`source = ("ip", ip)` in one branch, an id in another)
                branches: list[tuple[cst.BaseExpression | None, list]] = []
                branch: cst.If | cst.Else | None = stmt
                while branch is not None:
                    if isinstance(branch, cst.If):
                        branches.append((branch.test, branch.body.body))
                        branch = branch.orelse
                    else:
                        branches.append((None, branch.body.body))
                        branch = None
                self._merged(env, branches, falls_through=branches[-1][0] is not None)
            elif isinstance(stmt, (cst.For,)):
                self.calls(stmt.iter, env)
                cls = self.flow.class_of(stmt.iter) if isinstance(stmt.iter, cst.Call) else (
                    env.lookup("typed", stmt.iter.value) if isinstance(stmt.iter, cst.Name) else None)
                if cls and isinstance(stmt.target, cst.Name):  # for q in Queue.objects.filter(...), or in
                    env.typed[stmt.target.value] = cls  # `queues` bound to it (`queues = Queue.objects...`)
                origin = self.flow.origin_of(stmt.iter, env)
                if origin and isinstance(stmt.target, cst.Name):  # for url in settings.WEBHOOK_URLS
                    env.origins[f"@iter:{stmt.target.value}"] = origin
                self.flow.bind_target(stmt.target, self.flow.taint(stmt.iter, env), env, None)
                if isinstance(stmt.target, cst.Name):  # for m in Member.query.filter_by(...)
                    self.flow.bind_element(stmt.target.value, stmt.iter, env)
                self.block(stmt.body.body, env)
                if stmt.orelse:
                    self.block(stmt.orelse.body.body, env)
            elif isinstance(stmt, cst.While):
                self.calls(stmt.test, env)
                self.block(stmt.body.body, env)
            elif isinstance(stmt, cst.With):
                for item in stmt.items:
                    self.calls(item.item, env)
                    if item.asname is not None:
                        target = item.asname.name
                        self.flow.bind_target(target, self.flow.taint(item.item, env), env, item.item)
                        self._remember_path(target, item.item, env)
                self.block(stmt.body.body, env)
            elif isinstance(stmt, cst.Try) or type(stmt).__name__ == "TryStar":
                # a handler starts from what was known before the `try` or after its body (the error
                # may come anywhere in it); afterwards a name holds what the body (and its `else`) or
                # any handler gave it, as after an `if` (`user = login(...)`, or `user = None` on error)
                before = dict(env.taint)
                self.block(stmt.body.body, env)
                after = dict(env.taint)
                carried = self.sinks.error_taint(stmt.body, env) if stmt.handlers else EMPTY
                merged: dict[str, frozenset] = {}
                for handler in stmt.handlers:
                    env.taint = dict(before)
                    _merge_into(env.taint, after)
                    if handler.name is not None and isinstance(handler.name.name, cst.Name):
                        env.taint[handler.name.name.value] = carried
                    self.block(handler.body.body, env)
                    _merge_into(merged, env.taint)
                env.taint = after
                if stmt.orelse:
                    self.block(stmt.orelse.body.body, env)
                if stmt.handlers:
                    _merge_into(merged, env.taint)
                    env.taint = merged
                if stmt.finalbody:
                    self.block(stmt.finalbody.body.body, env)
            elif isinstance(stmt, cst.Match):
                # each case starts from what was known before the `match`, as each branch of an `if`;
                # with no case that matches anything (`case _:`), what was known before may stay too
                self.calls(stmt.subject, env)
                self._merged(env, [(None, case.body.body) for case in stmt.cases],
                             falls_through=not any(_matches_anything(case) for case in stmt.cases))

    def _merged(self, env: Env, branches: list[tuple[cst.BaseExpression | None, list]], falls_through: bool) -> None:
        """Walk each of ``branches`` (its test, when it has one, and its statements) from what was
        known before them; afterwards a name holds what any branch gave it, and what it held before
        when control may pass none of them (``falls_through``)."""
        before = dict(env.taint)
        merged: dict[str, frozenset] = {}
        for test, body in branches:
            env.taint = dict(before)
            if test is not None:
                self.calls(test, env)
            self.block(body, env)
            _merge_into(merged, env.taint)
        if falls_through:
            _merge_into(merged, before)
        env.taint = merged

    def _class_attrs(self, cls: cst.ClassDef, env: Env) -> None:
        """Record ``self.x = ...`` kinds from ``__init__`` so methods see ``self.logger`` as a logger."""
        for stmt in cls.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value in ("__init__", "setup", "setUp", "__post_init__"):
                fenv = self._function_env(stmt, env, markers=False)
                saved, self.reporting = self.reporting, False
                self.block(stmt.body.body, fenv)
                self.reporting = saved

    def _remember_path(self, target: cst.BaseExpression, opener: cst.BaseExpression, env: Env) -> None:
        """Remember which path variable a file handle (or a writer on it) writes to."""
        if not isinstance(target, cst.Name) or not isinstance(opener, cst.Call) or not opener.args:
            return
        path = opener.args[0].value
        inherited = env.lookup("file_paths", path.value) if isinstance(path, cst.Name) else None
        if inherited:
            env.file_paths[target.value] = inherited
        elif isinstance(path, cst.Name):
            env.file_paths[target.value] = path.value
        elif isinstance(opener.func, cst.Attribute) and isinstance(opener.func.value, cst.Name):
            env.file_paths[target.value] = opener.func.value.value

    def small(self, small: cst.BaseSmallStatement, env: Env) -> None:
        """One simple statement: check its calls, then record what it assigns."""
        flow = self.flow
        if isinstance(small, cst.Assign):
            self.calls(small.value, env)
            value_taint = flow.taint(small.value, env)
            for target in small.targets:
                self._store(target.target, value_taint, env, small)
                flow.bind_target(target.target, value_taint, env, small.value)
                self._remember_path(target.target, small.value, env)
        elif isinstance(small, cst.AnnAssign):
            cls = self.flow.class_of(small.annotation.annotation)
            if small.value is not None:
                self.calls(small.value, env)
                value_taint = flow.taint(small.value, env)
                flow.bind_target(small.target, value_taint, env, small.value)
                if isinstance(small.target, cst.Name) and not flow.kind_of(small.value, env):
                    kind = flow.annotation_kind(small.annotation.annotation)
                    if kind:
                        env.kinds[small.target.value] = kind
            if cls and isinstance(small.target, cst.Name):  # `q: Queue`, `entry: Member = raw`: the
                env.typed[small.target.value] = cls  # annotation says what it holds, whatever the value
        elif isinstance(small, cst.AugAssign):
            self.calls(small.value, env)
            added = flow.taint(small.value, env)
            if isinstance(small.target, cst.Name):
                name = small.target.value
                env.taint[name] = (env.lookup("taint", name) or EMPTY) | added
                flow.forget_fixed_keys(name, env)  # (`d |= {email: 1}`)
            self._store(small.target, added, env, small)
        elif isinstance(small, cst.Expr):
            value = small.value
            filled = isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and isinstance(
                value.func.value, cst.Name)
            if filled and value.func.attr.value in ("update", "setdefault"):
                flow.forget_fixed_keys(value.func.value.value, env)  # (`d.update({email: 1})`)
            self.calls(value, env)
            if filled:
                self._fill(value, value.func.value.value, value.func.attr.value, env)
        elif isinstance(small, cst.Return):
            if small.value is not None:
                self.calls(small.value, env)
                self.returns |= flow.taint(small.value, env)
        elif isinstance(small, cst.Raise):
            if small.exc is not None:
                self.calls(small.exc, env, skip_outer=True)
                if self.reporting:
                    self.sinks.check_raise(small, env)

    def _fill(self, call: cst.Call, name: str, method: str, env: Env) -> None:
        """``name.method(...)`` as a statement: a list, set or dict the call fills (``sinks.yaml``
        ``propagators.fills``: ``parts.append(email)``) holds what it is given afterwards, as after
        ``parts[0] = email``; only a name bound to a new one here (``parts = []``), not a session,
        a repository or a module whose ``add`` or ``update`` stores elsewhere."""
        flow = self.flow
        if method not in flow.fill_methods or not env.lookup("containers", name):
            return
        added = EMPTY
        for arg in call.args:  # (`d.update(email=email)` too)
            added |= flow.taint(arg.value, env)
        if added:
            env.taint[name] = (env.lookup("taint", name) or EMPTY) | added

    def _store(self, target: cst.BaseExpression, value_taint: frozenset, env: Env, node: cst.CSTNode) -> None:
        if self.reporting and isinstance(target, cst.Subscript):
            self.sinks.check_store(target, value_taint, env, node)

    def calls(self, expr: cst.CSTNode, env: Env, skip_outer: bool = False) -> None:
        """Check every call inside an expression against the sinks (walrus targets bound first)."""
        if not self.has_walrus and not self.reporting:
            return
        walruses, calls = _walruses_and_calls(expr)
        for node in walruses:
            self.flow.bind_target(node.target, self.flow.taint(node.value, env), env, node.value)
        if not self.reporting:
            return
        for call in calls:
            if skip_outer and call is expr:
                continue
            self.sinks.check_call(call, env)


def _matches_anything(case: cst.MatchCase) -> bool:
    """Whether a `case` takes whatever it is given: `case _:` or `case name:`, with no guard."""
    pattern = case.pattern
    return case.guard is None and isinstance(pattern, cst.MatchAs) and pattern.pattern is None


def _merge_into(merged: dict[str, frozenset], taint: dict[str, frozenset]) -> None:
    for name, value in taint.items():
        merged[name] = merged.get(name, EMPTY) | value


def _returns_value(fn: cst.FunctionDef) -> bool:
    """Whether a function has a ``return <expression>`` that is not a constant (worth a summary)."""
    stack: list[cst.CSTNode] = children(fn.body)
    while stack:
        cur = stack.pop()
        kind = type(cur)
        if kind in _NOT_ENTERED or kind in EXPRESSIONS:
            continue
        if kind is cst.Return and cur.value is not None and type(cur.value) not in _CONSTANTS and not (
                type(cur.value) is cst.Name and cur.value.value in ("None", "True", "False")):
            return True
        stack.extend(children(cur))
    return False


_CONSTANTS = frozenset({cst.SimpleString, cst.Integer, cst.Float})


def _walruses_and_calls(expr: cst.CSTNode) -> tuple[list[cst.NamedExpr], list[cst.Call]]:
    """The ``:=`` expressions and the calls inside ``expr`` (outer calls first), in one pass.

    Nested lambdas (and definitions) are not entered: their bodies run later, if at all.
    """
    walruses: list[cst.NamedExpr] = []
    calls: list[cst.Call] = []
    stack = [expr]
    while stack:
        cur = stack.pop()
        kind = type(cur)
        if kind in _NOT_ENTERED and cur is not expr:
            continue
        if kind is cst.Call:
            calls.append(cur)
        elif kind is cst.NamedExpr:
            walruses.append(cur)
        elif kind in LEAVES:
            continue  # (no children: not even the call that says so)
        stack.extend(reversed(children(cur)))
    return walruses, calls


_NOT_ENTERED = frozenset({cst.Lambda, cst.FunctionDef, cst.ClassDef})


@lru_cache(maxsize=2)
def _called_here(source: str, names: tuple[str, ...]) -> frozenset[str]:
    """The dotted ``names`` a call in ``source`` may resolve to (a superset): their last part is
    spelled before a ``(`` (``input(``, ``click.prompt (``, ``Prompt.ask(``, ``(input)(``) or
    imported under another name (``from getpass import getpass as ask``), which is how the
    module's imports lead a call to one (:func:`~gdpr_lint.engine.names.qualified`); not a
    longer word (``input_type``, ``raw_input(``); not a builtin the module defines itself at its
    top level (``def input(prompt): ...``, ``input = ask_the_queue``). Read once for all the parts
    of a module read in parts (each part has a walker of its own; the text is the whole module's)."""
    out = []
    for name in names:
        last = name.rpartition(".")[2]
        if last in source and re.search(r"(?<![\w])" + re.escape(last) + r"(?:[ \t\\\r\n)]*\(|[ \t\\\r\n]+as\b)",
                                         source):
            if ("." not in name or name.startswith("builtins.")) and re.search(
                    r"^(?:(?:async[ \t]+)?def|class)[ \t]+" + re.escape(last) + r"\b|^" + re.escape(last)
                    + r"[ \t]*(?::[^=\n]*)?=(?!=)", source, re.MULTILINE):
                continue  # (the module's own `input`, not the builtin)
            out.append(name)
    return frozenset(out)
