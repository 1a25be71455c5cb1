"""Which exceptions a file catches, and whether its handlers log them (read with :mod:`ast`).

An exception of the project that is always caught by handlers that neither log nor re-raise it
(``except ActivationStopped as e: return render(..., {"message": e})``) is shown back to the
person, not written to a log: its message is no logging finding (JUDGEMENT.md).  One handler
that logs it, re-raises it or lets it pass to a generic handler decides the other way.
"""

from __future__ import annotations

import ast

#: methods of a logger (a receiver named with "log"), and functions, that write the exception where
#: operators read it; ``messages.error(request, e)`` shows it to the person instead
_LOGGER_METHODS = frozenset({"exception", "error", "warning", "warn", "info", "debug", "critical", "fatal", "log"})
_LOGGING_FUNCTIONS = frozenset({"capture_exception", "capture_message", "print", "print_exc", "format_exc",
                                "print_exception", "format_exception"})


def _last(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _writes_log(func: ast.AST) -> bool:
    if isinstance(func, ast.Attribute):
        if func.attr in _LOGGING_FUNCTIONS:
            return True
        receiver = func.value
        name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        return func.attr in _LOGGER_METHODS and ("log" in name.lower() or name in ("sentry_sdk", "traceback"))
    return isinstance(func, ast.Name) and func.id in _LOGGING_FUNCTIONS


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


def caught_exceptions(tree: ast.Module) -> list[list]:
    """``[[exception class last name, handler logs or re-raises it], ...]`` for every handler."""
    out: list[list] = []
    for node in _handlers(tree.body):
        if node.type is None:
            continue
        types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        logs = False
        for sub in ast.walk(ast.Module(body=node.body, type_ignores=[])):
            if isinstance(sub, ast.Raise) or (isinstance(sub, ast.Call) and _writes_log(sub.func)):
                logs = True
                break
        for t in types:
            name = _last(t)
            if name:
                out.append([name, logs])
    return out
