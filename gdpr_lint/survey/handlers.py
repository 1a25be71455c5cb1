"""Which exceptions a file catches, and whether its handlers log them (read with :mod:`ast`).

An exception of the project that is always caught by handlers that neither log nor re-raise it
(``except ActivationStopped as e: return render(..., {"message": e})``) is shown back to the
person, not written to a log: its message is no logging finding (JUDGEMENT.md).  One handler
that logs it, re-raises it or lets it pass to a generic handler decides the other way.
"""

from __future__ import annotations

import ast

from gdpr_lint.survey.astnames import dotted, last_name, walk


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
        for sub in walk(ast.Module(body=node.body, type_ignores=[])):
            if isinstance(sub, ast.Raise) or (isinstance(sub, ast.Call) and _writes_log(sub.func, names)):
                logs = True
                break
        for t in types:
            name = last_name(t)
            if name:
                out.append([name, logs])
    return out
