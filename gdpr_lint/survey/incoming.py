"""What the project's own calls pass to functions of the project, read with :mod:`ast` in the survey.

A parameter named ``token`` or ``value`` says nothing, but a caller in the tree may fill it with
personal data: a base class that builds a token from the user's e-mail and hands it to a hook
(``await self.on_after_request_verify(user, token, request)``) that a subclass overrides and
prints; a data export that calls ``archive.add_text(name, audit_trail.ip_address)`` where
``add_text`` writes ``value`` to a file.  The survey records, per file:

- ``defs``: every function and method, ``[qualified name, [parameter names]]``;
- ``passes``: every call that passes personal data by the survey's judgement,
  ``[callee name, how it is called ("self", "class:CLASS" on an object the function built,
  "attr:RECEIVER", "name"), the calling class's qualified name, argument (a position or a
  keyword), [categories], line]``.

The project facts (:meth:`~gdpr_lint.facts.project.ProjectFacts.incoming_for`) then give each
function's parameters what its callers pass, and the analysis starts the function with those
parameters tainted, so the sink inside it is reported where it writes.  (Where the function's
own summary already follows the parameter to a sink, :mod:`~gdpr_lint.survey.summaries`, the call
is reported where it is made instead, and the parameter is not given the callers' data: one
finding per flow, in the file a pull request changes.)  A call reaches a method
by ``self.name(...)`` (the method of that class or of a subclass that overrides it); a call
``receiver.name(...)`` reaches the one method of the project with that name when the receiver's
name shares a word with its class (``archive.add_text`` and ``DataArchive``) or names its module;
``name(...)`` reaches the one function of the project with that name.  A library's object with a
method of the same name (``csv_writer.writerow``) is not mistaken for the project's otherwise.

The judgement of an argument is the survey's approximation of the flow: names and attributes
the classifier accepts by their own words (``user.email``, ``audit_trail.ip_address``), local
variables assigned from such expressions (in statement order), containers, f-strings and calls
built from them (``generate_jwt(token_data, ...)``), except through a sanitizer (``hash``,
``mask``) or to a safe attribute (``user.id``).  Dict keys are not evidence here (a key
``password_fgpt`` may hold a hash); only values are.
"""

from __future__ import annotations

import ast
import itertools
import re

from gdpr_lint.files.source import python_lines
from gdpr_lint.survey.astnames import assigns_and_calls, last_name

_BLOCKS = ("body", "orelse", "finalbody", "handlers")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _params(fn) -> list[str]:
    args = fn.args
    out = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        out.append("*" + args.vararg.arg)
    out += [a.arg for a in args.kwonlyargs]
    return out


class _Judge:
    """The survey's judgement of what an expression carries (see the module docstring)."""

    def __init__(self, classify, sanitizer_words: frozenset[str], safe: frozenset[str], split_words,
                 credentials: frozenset[str] = frozenset(), keeping: frozenset[str] = frozenset()) -> None:
        self._classify = classify
        self.keeping = keeping  # methods whose result is still the value (sinks.yaml propagators)
        self.credentials = credentials  # passwords and secrets: not personal data for these rules
        self.sanitizer_words = sanitizer_words
        self.safe = safe
        self.split = split_words

    def classify(self, name: str, owner: str | None = None, key: bool = False):
        """``key``: a string key (``META["REMOTE_ADDR"]``), which may be written in capitals."""
        return [m for m in self._classify(name, owner, key) if m.category not in self.credentials]

    def categories(self, node: ast.AST, local: dict[str, frozenset[str]], depth: int = 0) -> frozenset[str]:
        if depth > 12 or node is None:
            return frozenset()
        judge = self.categories
        if isinstance(node, ast.Name):
            if node.id in local:
                return local[node.id]
            return frozenset(m.category for m in self.classify(node.id))
        if isinstance(node, ast.Attribute):
            if node.attr in self.safe:
                return frozenset()
            return frozenset(m.category for m in self.classify(node.attr, last_name(node.value) or None))
        if isinstance(node, ast.Call):
            name = last_name(node.func)
            if name in self.safe or any(w in self.sanitizer_words for w in self.split(name)):
                return frozenset()
            out: frozenset[str] = frozenset()
            for arg in (*node.args, *(k.value for k in node.keywords)):
                out |= judge(arg, local, depth + 1)
            if isinstance(node.func, ast.Attribute):
                if name == "get" and node.args and isinstance(node.args[0], ast.Constant) and isinstance(
                        node.args[0].value, str):  # data.get("email")
                    out |= frozenset(m.category for m in self.classify(node.args[0].value,
                                                                         last_name(node.func.value) or None, True))
                elif name in self.keeping:
                    out |= judge(node.func.value, local, depth + 1)  # user.email.lower(), name.strip()
            return out
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(
                node.slice.value, str):  # data["email"], request.META["REMOTE_ADDR"]
            return frozenset(m.category for m in self.classify(node.slice.value, last_name(node.value) or None,
                                                               True))
        if isinstance(node, ast.Dict):
            out = frozenset()
            for value in node.values:
                out |= judge(value, local, depth + 1)
            return out
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            out = frozenset()
            for elt in node.elts:
                out |= judge(elt, local, depth + 1)
            return out
        if isinstance(node, ast.JoinedStr):
            out = frozenset()
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    out |= judge(value.value, local, depth + 1)
            return out
        if isinstance(node, ast.BinOp):
            return judge(node.left, local, depth + 1) | judge(node.right, local, depth + 1)
        if isinstance(node, (ast.Await, ast.Starred)):
            return judge(node.value, local, depth + 1)
        if isinstance(node, ast.Subscript):
            return judge(node.value, local, depth + 1)
        return frozenset()


def incoming_facts(tree: ast.Module, module: str, classify, sanitizer_words: frozenset[str],
                   safe: frozenset[str], credentials: frozenset[str] = frozenset(),
                   calls: bool = True, text: str = "", may_name=None, keeping: frozenset[str] = frozenset()
                   ) -> tuple[list[list], list[list]]:
    """``(defs, passes)`` of one module (see the module docstring); ``calls`` false: the
    definitions only (a file without a word that can be personal data passes none).  With the
    module's ``text`` and ``may_name`` (the classifier's first test of an identifier's words), a
    function none of whose identifiers passes that test is not walked: it passes nothing.
    ``keeping``: the methods whose result is still the value they are called on (``.lower()``)."""
    from gdpr_lint.policy import split_words

    judge = _Judge(classify, sanitizer_words, safe, split_words, credentials, keeping)
    lines = python_lines(text) if text and may_name is not None and calls else None

    verdicts = _verdicts(may_name) if lines is not None else {}

    def may_pass(fn) -> bool:
        if lines is None:
            return True
        span = "\n".join(lines[fn.lineno - 1:fn.end_lineno or fn.lineno])
        for name in set(_IDENTIFIER.findall(span)):
            verdict = verdicts.get(name)
            if verdict is None:
                verdict = verdicts[name] = may_name(split_words(name))
            if verdict:
                return True
        return False

    defs: list[list] = []
    passes: list[list] = []
    stack: list[tuple[ast.AST, str, str]] = [(s, "", module) for s in reversed(tree.body)]
    while stack:
        stmt, cls, prefix = stack.pop()
        if isinstance(stmt, ast.ClassDef):
            qual = f"{prefix}.{stmt.name}"
            stack.extend((s, qual, qual) for s in reversed(stmt.body))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = f"{prefix}.{stmt.name}"
            defs.append([qual, _params(stmt)])
            if calls and may_pass(stmt):
                _passes(stmt, cls, judge, passes)
            stack.extend((s, "", qual) for s in reversed(stmt.body)
                         if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
        else:
            for name in _BLOCKS:
                for s in reversed(getattr(stmt, name, None) or ()):
                    stack.append((s, cls, prefix))
    return defs, passes


_VERDICTS: dict = {}  # may_name -> {identifier: whether its words pass it}


def _verdicts(may_name) -> dict[str, bool]:
    """What ``may_name`` said of each identifier so far (a project spells the same names in file
    after file)."""
    found = _VERDICTS.get(may_name)
    if found is None or len(found) > 1 << 18:  # (a bound on what is remembered)
        if len(_VERDICTS) > 4:
            _VERDICTS.clear()
        found = _VERDICTS[may_name] = {}
    return found


def _statements(body):
    """The statements of a function body in source order, into blocks, not into nested definitions."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        for name in _BLOCKS:
            for sub in getattr(stmt, name, None) or ():
                if isinstance(sub, ast.ExceptHandler):
                    yield from _statements(sub.body)
                else:
                    yield from _statements([sub])


def _class_called(node: ast.AST) -> str:
    """The class a call builds, by its name's capital (``Report(...)``, ``exports.Report(...)``), or ``""``."""
    if isinstance(node, ast.Call):
        name = last_name(node.func)
        if name[:1].isupper() and not name.isupper():
            return name
    return ""


def _passes(fn, cls: str, judge: _Judge, out: list[list]) -> None:
    local: dict[str, frozenset[str]] = {}
    built: dict[str, str] = {}  # local name -> the class it was built from (`r = Report(...)`)
    for stmt in _statements(fn.body):  # what local names hold, in statement order
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            if _class_called(stmt.value):
                built[stmt.targets[0].id] = _class_called(stmt.value)
            found = judge.categories(stmt.value, local)
            name = stmt.targets[0].id
            if found:
                local[name] = found
            else:
                local.pop(name, None)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            found = judge.categories(stmt.value, local)
            if found:
                local[stmt.target.id] = found
    # every call with an argument, read with what the names hold at the end (a name that held personal
    # data anywhere in the function counts: a superset, the analysis decides)
    seen: dict[tuple, list] = {}  # (callee, how, argument, line) -> its record
    for node in assigns_and_calls(fn)[1]:  # (the walk the function's summary shares)
        if not (node.args or node.keywords):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = last_name(func.value)
            built_from = _class_called(func.value) or (built.get(func.value.id, "") if isinstance(
                func.value, ast.Name) else "")
            how = "self" if receiver in ("self", "cls") and isinstance(func.value, ast.Name) else (
                f"class:{built_from}" if built_from else f"attr:{receiver}")
            callee = func.attr
        elif isinstance(func, ast.Name):
            how, callee = "name", func.id
        else:
            continue
        given = list(enumerate(itertools.takewhile(lambda a: not isinstance(a, ast.Starred), node.args)))
        given += [(kw.arg, kw.value) for kw in node.keywords if kw.arg is not None]
        for where, arg in given:
            cats = judge.categories(arg, local)
            if not cats:
                continue
            record = seen.get((callee, how, where, node.lineno))
            if record is None:  # one record per argument of a callee on a line ...
                record = seen[callee, how, where, node.lineno] = [callee, how, cls if how == "self" else "", where,
                                                                  sorted(cats), node.lineno]
                out.append(record)
            else:  # ... with what every call of it there passes (`keep(a.email); keep(a.phone)`)
                record[4] = sorted(cats.union(record[4]))
