"""Which exceptions a file catches, and whether its handlers log them (read with :mod:`ast`).

An exception of the project that is always caught by handlers that neither log nor re-raise it
(``except ActivationStopped as e: return render(..., {"message": e})``) is shown back to the
person, not written to a log: its message is no logging finding (JUDGEMENT.md).  One handler
that logs it, re-raises it or lets it pass to a generic handler decides the other way.  A web
framework's handler of the class (Flask ``@app.errorhandler(ApiError)``) counts as one, and one
that logs it only for a server error (``if error.code >= 500``) shows it below that code.
"""

from __future__ import annotations

import ast

from gdpr_lint.survey.astnames import dotted, last_name, walk_inner


def _dotted(node: ast.AST) -> str:
    return dotted(node, partial=True)


def _writes_log(func: ast.AST, names) -> bool:
    """Whether a call writes where operators read: a logging function of the policy
    (``traceback.print_exc``, ``sentry_sdk.capture_exception``, ``print``), or a logger's method on a
    receiver named as a logger (``log``, ``self.logger``); ``messages.error(request, e)`` shows the
    error to the person instead."""
    text = _dotted(func)
    if text in names.functions or text.rpartition(".")[2] in ("format_exc", "format_exception"):
        return True
    if isinstance(func, ast.Attribute) and func.attr in names.methods:
        receiver = _dotted(func.value).rpartition(".")[2]
        return receiver in names.objects or "log" in receiver.lower()
    return False


def _handlers(body: list[ast.stmt]):
    """Every ``except`` handler among these statements and those nested in them (statements only:
    expressions hold no handlers, and skipping them is most of the cost)."""
    stack = list(body)
    while stack:
        stmt = stack.pop()
        for handler in getattr(stmt, "handlers", ()):
            yield handler
            stack.extend(handler.body)
        for key in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, key, None)
            if isinstance(inner, list):
                stack.extend(s for s in inner if isinstance(s, ast.stmt))
        for case in getattr(stmt, "cases", ()):
            stack.extend(case.body)


def caught_exceptions(tree: ast.Module, names) -> list[list]:
    """``[[exception class last name, handler logs or re-raises it], ...]`` for every handler
    (``names``: :class:`~gdpr_lint.survey.classes.LoggingNames`)."""
    out: list[list] = []
    for node in _handlers(tree.body):
        if node.type is None:
            continue
        types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        logs = False
        for sub in walk_inner(ast.Module(body=node.body, type_ignores=[])):
            if isinstance(sub, ast.Raise) or (isinstance(sub, ast.Call) and _writes_log(sub.func, names)):
                logs = True
                break
        for t in types:
            name = last_name(t)
            if name:
                out.append([name, logs])
    return out


def registered_handlers(tree: ast.Module, names) -> list[list]:
    """``[[exception class last name, handler logs or re-raises it], ...]``, and
    ``[name, False, code]`` for a handler that logs it only from that HTTP status code up, for
    every handler a web framework is given in the module (``names``:
    :class:`~gdpr_lint.survey.classes.LoggingNames`): a function decorated
    ``@app.errorhandler(ApiError)``, or named or written as a lambda in
    ``app.register_error_handler(ApiError, handle)``."""
    functions = {stmt.name: stmt for stmt in tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
    given: list[tuple[ast.AST, list]] = []  # (the exception class, the handler's statements)
    for node in walk_inner(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and dec.args and last_name(dec.func) in names.handler_decorators:
                    given.append((dec.args[0], node.body))
        elif isinstance(node, ast.Call) and len(node.args) == 2 and last_name(node.func) in names.handler_registrations:
            handler = node.args[1]
            if isinstance(handler, ast.Name) and handler.id in functions:
                given.append((node.args[0], functions[handler.id].body))
            elif isinstance(handler, ast.Lambda):  # (`lambda e: (jsonify(...), e.code)`: its one expression)
                given.append((node.args[0], [ast.Expr(handler.body)]))
    out: list[list] = []
    for kind, body in given:
        name = last_name(kind)
        if name and name != "Exception" and not isinstance(kind, ast.Constant):
            out.append([name, *_how_it_logs(body, names)])
    return out


def _how_it_logs(body: list, names) -> list:
    """``[False]`` for a handler (its statements) that neither logs nor re-raises, ``[False, code]``
    for one that does so only under ``if <x>.code >= code`` (its lowest such code), else ``[True]``."""
    codes: list[int] = []
    todo: list[tuple[list, int | None]] = [(body, None)]
    while todo:
        body, guard = todo.pop()
        for stmt in body:
            if isinstance(stmt, ast.If):
                code = _server_error_from(stmt.test, names.code_attributes)
                todo.append((stmt.body, code if code is not None else guard))
                todo.append((stmt.orelse, guard))
                nodes = walk_inner(stmt.test)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            else:
                inner = [getattr(stmt, key) for key in ("body", "orelse", "finalbody") if isinstance(
                    getattr(stmt, key, None), list)] + [h.body for h in getattr(stmt, "handlers", ())]
                if inner:
                    todo.extend((b, guard) for b in inner)
                    nodes = walk_inner(ast.Module(body=[s for s in ast.iter_child_nodes(stmt) if isinstance(s, ast.expr)],
                                            type_ignores=[]))
                else:
                    nodes = walk_inner(stmt)
            for sub in nodes:
                if isinstance(sub, ast.Raise) or (isinstance(sub, ast.Call) and _writes_log(sub.func, names)):
                    if guard is None:
                        return [True]
                    codes.append(guard)
    return [False, min(codes)] if codes else [False]


def _server_error_from(test: ast.AST, attributes) -> int | None:
    """The lowest status code ``test`` holds for, where it is ``<x>.code >= 500`` (or ``> 499``,
    ``500 <= <x>.code``) on one of ``attributes``; else ``None``."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(left, ast.Constant):  # 500 <= error.code
        left, right = right, left
        op = {ast.LtE: ast.GtE(), ast.Lt: ast.Gt()}.get(type(op), op)
    if not (isinstance(left, ast.Attribute) and left.attr in attributes and isinstance(right, ast.Constant)
            and type(right.value) is int):
        return None
    if isinstance(op, ast.GtE):
        return right.value
    if isinstance(op, ast.Gt):
        return right.value + 1
    return None
