"""What each function of a file does with its parameters, read with :mod:`ast` in the survey.

A summary says which parameters reach a log inside the function: a logger's call
(``log.info("sent %s", value)``), ``print``, ``warnings.warn`` -- directly, through a string built
from them, or through a local variable assigned from them.  The project facts index the summaries
by qualified name, so a call anywhere in the tree that passes personal data to such a parameter is
reported where it is made (``notify(email=user.email)`` where ``notify`` logs its argument), with
the path through the callee in the reasons: what a wrapper logs is decided by what its callers
pass, and that is where the fix goes.

A helper that writes its parameter to a file (``fp.write(str(value))`` in ``add_text``) is not
summarised: the write is where the data is kept unencrypted and where the fix goes (encrypt the
file), so it is reported there, once, with its callers in the reasons
(:mod:`~gdpr_lint.survey.incoming`), not once per caller.

Only parameters whose own names say nothing are summarised: a parameter named ``email`` is
personal data by its name, and the sink inside the function is reported already.  Like the
rest of the survey this is an approximation that costs a walk of each function with a sink in
it; the libcst analysis then judges the call site's arguments.
"""

from __future__ import annotations

import ast

from gdpr_lint.survey.astnames import assigns_and_calls, child_fields
from gdpr_lint.survey.astnames import dotted as _dotted


def _sink_of(call: ast.Call, names) -> tuple[str, str] | None:
    """``(rule code, what it is)`` when a call is a sink the summary knows, else ``None``
    (``names``: :class:`~gdpr_lint.survey.classes.LoggingNames`, the policy's)."""
    func = call.func
    name = _dotted(func)
    if name in names.functions and not name.startswith("sentry_sdk"):
        return ("GDPR301", names.labels.get(name) or name)
    if isinstance(func, ast.Attribute):
        receiver = _dotted(func.value)
        last = receiver.rpartition(".")[2]
        if func.attr in names.methods and (last in names.objects or last.lower().endswith(("logger", "log"))):
            return ("GDPR301", "a logger")
    return None


def _names_in(node: ast.AST, safe: frozenset[str] = frozenset()) -> set[str]:
    """The names an expression reads, leaving out those it only reads something safe from
    (``context["user"].pk``, ``len(rows)``: an id, a count) or one value under a key written in
    the code (``payload["Type"]``, ``payload.get("TopicArn")``): the analysis judges such a value
    by its key, not by the whole it is read from, and so does a summary."""
    out: set[str] = set()
    stack = [node]
    AST = ast.AST
    while stack:
        cur = stack.pop()
        kind = type(cur)
        if kind is ast.Name:
            out.add(cur.id)
            continue
        if kind is ast.Attribute and cur.attr in safe:
            continue
        if kind is ast.Call and _dotted(cur.func).rpartition(".")[2] in safe:
            continue
        if kind is ast.Subscript and type(cur.slice) is ast.Constant and type(cur.slice.value) is str:
            continue  # (what the key names is judged where it is read)
        if kind is ast.Call and type(cur.func) is ast.Attribute and cur.func.attr in _KEY_READS and cur.args and (
                type(cur.args[0]) is ast.Constant and type(cur.args[0].value) is str):
            stack.extend(cur.args[1:])  # (a default is read whole)
            continue
        for name in child_fields(kind):  # (ast.iter_child_nodes, inlined)
            value = getattr(cur, name, None)
            if type(value) is list:
                stack.extend(v for v in value if isinstance(v, AST))
            elif isinstance(value, AST):
                stack.append(value)
    return out


_KEY_READS = frozenset(("get", "pop", "getlist"))  # a value read by its key (as engine.flow reads one)


def _function_summary(fn: ast.FunctionDef | ast.AsyncFunctionDef, names, classify, safe: frozenset[str],
                      signed=None) -> list[list]:
    """``[[parameter index, rule code, what, line], ...]`` for one function."""
    args = fn.args
    params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    own = _signed_in_with(args, classify, signed) if signed else set()
    watched = {p: {p} for p in params if p not in ("self", "cls") and not classify(p) and p not in own}
    if not watched:
        return []
    out: list[list] = []
    assigns, calls = assigns_and_calls(fn)  # the assignments are followed first, then the calls judged
    for node in assigns:
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            used = _names_in(node.value)
            target = node.targets[0].id
            if classify(target):
                continue  # sender_email = payload["sender_email"]: reported at its sink by its own name
            for p, held in watched.items():
                if used & held:  # text = "%s: %s" % (name, value)
                    held.add(target)
    for node in calls:
        sink = _sink_of(node, names)
        if sink is None:
            continue
        used = set()
        for arg in (*node.args, *(k.value for k in node.keywords if k.arg not in ("exc_info", "stack_info"))):
            used |= _names_in(arg, safe)
        for p, held in watched.items():
            if used & held:
                out.append([params.index(p), sink[0], sink[1], node.lineno])
    return out


def _signed_in_with(args: ast.arguments, classify, signed) -> set[str]:
    """The parameters that hold the name a person signs in with, as the flow reads them
    (``sources.sign_in``): beside a password parameter, or named for an account and annotated as
    text (``user: str``).  ``signed``: ``(names, text_names, credential categories)``."""
    names, text_names, credentials = signed
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    if args.vararg is not None:
        every.append(args.vararg)
    if args.kwarg is not None:
        every.append(args.kwarg)
    out = {a.arg for a in every if a.arg.lower() in text_names and _is_text(a.annotation)}
    if any(m.category in credentials for a in every for m in classify(a.arg)):
        out |= {a.arg for a in every if a.arg.lower() in names}
    return out


def _is_text(node: ast.AST | None) -> bool:
    """An annotation that says text: ``str``, ``Optional[str]``, ``Union[str, None]``, ``str | None``,
    ``"str | None"``."""
    if type(node) is ast.Constant and type(node.value) is str:
        return node.value.replace(" ", "") in ("str", "Optional[str]", "str|None", "None|str")
    if type(node) is ast.Subscript and type(node.value) in (ast.Name, ast.Attribute) and _dotted(
            node.value).rpartition(".")[2] == "Optional":
        node = node.slice
    elif type(node) is ast.Subscript and type(node.value) in (ast.Name, ast.Attribute) and _dotted(
            node.value).rpartition(".")[2] == "Union":
        items = node.slice.elts if type(node.slice) is ast.Tuple else [node.slice]
        sides = [s for s in items if not (type(s) is ast.Constant and s.value is None)]
        node = sides[0] if len(sides) == 1 else None
    elif type(node) is ast.BinOp and type(node.op) is ast.BitOr:
        sides = [s for s in (node.left, node.right) if not (type(s) is ast.Constant and s.value is None)]
        node = sides[0] if len(sides) == 1 else None
    return type(node) is ast.Name and node.id == "str"


_SINK_CALLS = frozenset(("debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log",
                         "write", "writelines", "print"))  # the last names of the sinks, as text


def _may_sink(name: str) -> bool:
    return name.rpartition(".")[2] in _SINK_CALLS


def function_summaries(tree: ast.Module, module: str, names, classify, text: str = "",
                       safe: frozenset[str] = frozenset(), calls=None, signed=None) -> list[list]:
    """``[[qualified name, [parameter names], [[index, code, what, line], ...]], ...]`` for the
    module's functions and methods whose parameters reach a sink (see the module docstring).

    ``names`` are the policy's logging names (:class:`~gdpr_lint.survey.classes.LoggingNames`);
    ``classify`` is the classifier's ``classify``: a parameter it names is not summarised.
    ``text`` (the module's source) lets functions without a sink call be skipped unread (``calls``:
    its :class:`~gdpr_lint.survey.calltext.CallText`, when the caller has it); ``safe``
    are the attributes and functions that make a value safe (``pk``, ``len``: the policy's);
    ``signed``: the policy's sign-in names (:func:`_signed_in_with`), parameters personal by the
    function's own signature, reported at the sink inside it.
    """
    from gdpr_lint.survey.calltext import CallText, any_within

    sinks = (calls if calls is not None else CallText(text)).lines_where(_may_sink) if text else None
    if sinks == []:
        return []
    out: list[list] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            scope = [(f"{module}.{stmt.name}.{f.name}", f) for f in stmt.body
                     if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope = [(f"{module}.{stmt.name}", stmt)]
        else:
            continue
        for qual, fn in scope:
            if sinks is not None and not any_within(sinks, fn.lineno, fn.end_lineno or fn.lineno):
                continue
            found = _function_summary(fn, names, classify, safe, signed)
            if found:
                args = fn.args
                out.append([qual, [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)], found])
    return out
