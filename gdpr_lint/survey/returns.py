"""Which arguments a module's functions hand back, read with :mod:`ast` in the survey.

``def to_bytes(text, encoding="utf-8"): ... text = text.encode(encoding); return text`` returns
its first argument changed only in form: personal data passed in comes back out.  The project
facts index these functions by qualified name, so the analysis of a file that calls such a helper
of another module follows the data through the call as it follows it through a function of its
own (the local summaries of :mod:`gdpr_lint.engine.flow`).

A value is followed as the flow follows one: a parameter, a local name assigned from one (or
looping over one), and what keeps it: the propagators of ``rules/sinks.yaml`` (string methods,
formatting, ``json.dumps``), concatenation and ``%``, f-strings, slices and items, containers and
comprehensions (what they are built from, and what items and ``fills`` such as ``append`` put in
the ones the function makes), conditional values (a name bound by ``:=`` inside an
expression is not read).  Anything else ends it: the call of another function (not followed), an
attribute read (another value), a comparison, and a sanitizer (``len``, ``hash_email``, by the
same names the flow knows).  Only module-level functions: a method's receiver is not known at a
call in another module.  Statements are read, not every expression: a cost of the survey's.
"""

from __future__ import annotations

import ast

from gdpr_lint.survey.astnames import block_fields

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
class ReturnRules:
    """What keeps a value and what ends it, from the policy (``rules/sinks.yaml``)."""

    def __init__(self, policy, split_words) -> None:
        sinks = policy.sinks
        propagators = sinks.get("propagators") or {}
        sanitizers = sinks.get("sanitizers") or {}
        self.functions = frozenset(n.rpartition(".")[2] for n in propagators.get("functions") or ())
        self.methods = frozenset(propagators.get("methods") or ())
        self.sanitizers = frozenset(n.rpartition(".")[2] for n in sanitizers.get("functions") or ())
        self.sanitizer_words = frozenset(sanitizers.get("name_words") or ())
        self.fills = frozenset(propagators.get("fills") or ())
        self.containers = frozenset(n.rpartition(".")[2] for n in propagators.get("containers") or ())
        self.split = split_words

    def ends(self, name: str) -> bool:
        """Whether a call of ``name`` makes a value safe (a sanitizer, by name or by its words)."""
        return name in self.sanitizers or any(w in self.sanitizer_words for w in self.split(name))


def returned_parameters(tree: ast.Module, module: str, rules: ReturnRules) -> list[list]:
    """``[[qualified name, [parameter names], [indexes of those it returns]], ...]`` for the
    module's functions that return one of their parameters (see the module docstring)."""
    out: list[list] = []
    for stmt in tree.body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        names = _parameters(stmt.args)
        try:
            found = _returned(stmt, names, rules) if names else None
        except RecursionError:  # (a chain of thousands of names: not followed, the rest of the file is)
            continue
        if found:
            out.append([f"{module}.{stmt.name}", names, sorted(found)])
    return out


def _parameters(args: ast.arguments) -> list[str]:
    """The parameter names in the order the flow counts them: positional, ``*args``, keyword-only,
    ``**kwargs``."""
    out = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg is not None:
        out.append(args.vararg.arg)
    out += [a.arg for a in args.kwonlyargs]
    if args.kwarg is not None:
        out.append(args.kwarg.arg)
    return out


def _returned(fn, params: list[str], rules: ReturnRules) -> set[int]:
    """The indexes of the parameters that reach one of the function's ``return`` values."""
    assigned: dict[str, list[ast.AST]] = {}  # a local name -> the values assigned to it
    returns: list[ast.AST] = []
    # a parameter the body replaces outright (`value = "<hidden>"` at its top, not under a
    # condition, from something that does not read it, before any return) is not handed back as
    # it came
    replaced = {(t.id, stmt.lineno) for stmt in fn.body if isinstance(stmt, ast.Assign) for t in stmt.targets
                if isinstance(t, ast.Name) and t.id in params and t.id not in _read(stmt.value)}
    if replaced:  # (rare: the walk for the first return only then)
        first_return = min((n.lineno for n in ast.walk(fn) if isinstance(n, ast.Return)), default=0)
        replaced = {name for name, line in replaced if line < first_return}
    empty: set[int] = set()  # `if not x: return x`: what it hands back there is empty
    filled: dict[str, list[ast.AST]] = {}  # a name -> what its `append`, `update` ... are given
    stack = list(fn.body)  # statements only, into their blocks, not into nested definitions
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Return:
            if node.value is not None and id(node) not in empty:
                returns.append(node.value)
            continue
        if kind is ast.Assign:
            for target in node.targets:
                while type(target) is ast.Subscript:  # `parts["user"] = name`: parts holds it (the flow's reading)
                    target = target.value
                if type(target) is ast.Name:
                    assigned.setdefault(target.id, []).append(node.value)
            continue
        if kind is ast.Expr:  # `parts.append(name)`: what a list, set or dict is filled with (``fills``)
            call = node.value
            if type(call) is ast.Call and type(call.func) is ast.Attribute and type(call.func.value) is ast.Name \
                    and call.func.attr in rules.fills:
                filled.setdefault(call.func.value.id, []).extend([*call.args, *(k.value for k in call.keywords)])
            continue
        if kind is ast.AugAssign or kind is ast.AnnAssign:
            if type(node.target) is ast.Name and node.value is not None:
                assigned.setdefault(node.target.id, []).append(node.value)
            continue
        if kind is ast.For or kind is ast.AsyncFor:
            if type(node.target) is ast.Name:
                assigned.setdefault(node.target.id, []).append(node.iter)
        elif kind is ast.If:
            test = node.test
            if type(test) is ast.UnaryOp and type(test.op) is ast.Not and type(test.operand) is ast.Name:
                empty.update(id(r) for r in node.body if type(r) is ast.Return and type(r.value) is ast.Name
                             and r.value.id == test.operand.id)
        elif kind in _NESTED:
            continue
        for name in block_fields(kind):
            stack.extend(getattr(node, name))
    if not returns:
        return set()
    for name, values in filled.items():  # only a list, dict or set the function makes (not a session's `add`)
        if any(_container(v, rules) for v in assigned.get(name, ())):  # (`out = []` when none is given)
            assigned[name].extend(values)
    reader = _Reader({name: i for i, name in enumerate(params) if name not in replaced}, assigned, rules)
    found: set[int] = set()
    for value in returns:
        found |= reader.carried(value)
    return found


class _Reader:
    """Which parameters a value of one function carries (a class, not two nested functions that
    call each other: those make a reference cycle per function, left for the collector)."""

    def __init__(self, index: dict[str, int], assigned: dict[str, list[ast.AST]], rules: ReturnRules) -> None:
        self.index, self.assigned, self.rules = index, assigned, rules
        self.known: dict[str, set[int]] = {}

    def of_name(self, name: str) -> set[int]:
        known = self.known
        if name in known:
            return known[name]
        known[name] = set()  # (a name assigned from itself ends here)
        found = {self.index[name]} if name in self.index else set()
        for value in self.assigned.get(name, ()):
            found |= self.carried(value)
        known[name] = found
        return found

    def carried(self, node: ast.AST) -> set[int]:
        rules = self.rules
        out: set[int] = set()
        todo = [node]
        while todo:
            cur = todo.pop()
            kind = type(cur)
            if kind is ast.Name:
                out |= self.of_name(cur.id)
            elif kind is ast.Call:
                func = cur.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if not name or rules.ends(name):
                    continue
                if isinstance(func, ast.Attribute) and name in rules.methods:
                    todo.append(func.value)
                elif name not in rules.functions:
                    continue  # another function: what it returns is not followed
                todo.extend(cur.args)
                todo.extend(k.value for k in cur.keywords)
            elif kind is ast.BinOp:
                todo += (cur.left, cur.right)
            elif kind is ast.BoolOp:
                # `a and b` is `a` only when `a` is empty: what it hands back of data is `b`
                todo.extend(cur.values[-1:] if isinstance(cur.op, ast.And) else cur.values)
            elif kind is ast.JoinedStr:
                todo.extend(cur.values)
            elif kind is ast.IfExp:
                todo += (cur.body, cur.orelse)
            elif kind in (ast.Tuple, ast.List, ast.Set):
                todo.extend(cur.elts)
            elif kind is ast.Dict:
                todo.extend(cur.values)
            elif kind in (ast.FormattedValue, ast.Subscript, ast.Await, ast.Starred, ast.NamedExpr):
                todo.append(cur.value)
            elif kind in (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
                # what it is built from: `[e.strip() for e in emails]` holds the e-mails
                todo.extend(g.iter for g in cur.generators)
        return out


_CONTAINERS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


def _container(value: ast.AST, rules: ReturnRules) -> bool:
    """Whether a value is a new list, dict or set: a literal, a comprehension, ``dict(...)``."""
    if isinstance(value, _CONTAINERS):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name in rules.containers
    return False


def _read(node: ast.AST) -> set[str]:
    """The names an expression reads."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
