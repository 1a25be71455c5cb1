"""Sink checks: personal data reaching logs and telemetry, storage, and third-party processors.

Every check looks at one call (or subscript store, or raise) with the flow's view of the
arguments, and reports through ``report(code, node, message, taint, ...)``.
"""

from __future__ import annotations

import ipaddress
from fnmatch import fnmatch
from functools import lru_cache
from typing import Callable
from urllib.parse import urlsplit

import libcst as cst

from gdpr_lint.classify import Match
from gdpr_lint.engine.flow import EMPTY, PARAM, PSEUDONYMOUS, Env, Flow
from gdpr_lint.engine.names import last_name, string_value
from gdpr_lint.engine.tree import children
from gdpr_lint.policy import Policy

Report = Callable[..., None]


def real(taint: frozenset, allow_pseudonymous: bool = False) -> frozenset:
    """Only the categories a sink cares about (no parameter markers; hashes only where asked)."""
    return frozenset(m for m in taint if not m.category.startswith(PARAM)
                     and (allow_pseudonymous or m.category != PSEUDONYMOUS))


class Sinks:
    """Checks calls against the sinks and processors of the policy.

    Args:
        policy: the effective policy.
        flow: the module's flow evaluator (taint and kinds).
        report: callback ``report(code, node, message, taint, sink=..., processor=...)``.
        summary_mode: when true, record sinks reached by parameters instead of reporting.
    """

    def __init__(self, policy: Policy, flow: Flow, report: Report, shown_exceptions: frozenset[str] = frozenset(),
                 cli_module: bool = False, facts=None, module: str = "", package: str = "", disclose=None) -> None:
        self.policy = policy
        self.flow = flow
        self.report = report
        #: ``disclose(recipient, node, taint, how)``: personal data reaches a third party, approved or
        #: not (the record of processing lists its recipients, Art. 30(1)(d))
        self.disclose = disclose or (lambda *_: None)
        s = policy.sinks
        # exceptions shown back to the person (validation, permissions; the project's own caught ones)
        self.shown_exceptions = frozenset(s["logging"].get("shown_exceptions", ())) | shown_exceptions
        #: ... and those shown below an HTTP status code, logged from it up (the project facts)
        self.shown_below: dict[str, int] = getattr(facts, "shown_below", None) or {}
        self.code_keywords = frozenset((s["logging"].get("error_handlers") or {}).get("code_attributes") or ())
        operator = s.get("operator_output") or {}
        self.operator_functions = frozenset(operator.get("functions", ()))
        self.operator_streams = frozenset(operator.get("streams", ()))
        self.operator_exceptions = frozenset(operator.get("exceptions", ())) | getattr(
            facts, "operator_exceptions", frozenset())
        self.check_operator = policy.config.check_cli_output
        self.cli_module = cli_module
        #: the function walked is a command of a command-line library (`@click.command()`), in a
        #: module of web code too (a Flask app's `flask` commands): the walker says so
        self.in_command = False
        self.error_carriers = frozenset((s.get("sources") or {}).get("error_carriers", ()))
        self.summaries = facts if facts is not None and facts.summaries else None
        self.package = package
        self.summarised = frozenset(q.rpartition(".")[2] for q in facts.summaries) if self.summaries else frozenset()
        self.module = module
        self.log_functions: dict[str, str] = s["logging"]["functions"]
        self.print_streams = frozenset(s["logging"].get("print_streams", ()))
        #: the methods that write to one (the `stream` log object's: `sys.stderr.write(...)`)
        self.stream_methods = frozenset((s["logging"]["objects"].get("stream") or {}).get("methods", ()))
        self.ignored_keywords = set(s["logging"].get("ignored_keywords", []))
        self.expanded_extra: dict[str, str] = dict(s["logging"].get("expanded_extra") or {})
        self.log_settings = s["logging"].get("settings", [])
        self.remote_handlers: dict[str, dict] = dict(s["logging"].get("remote_handlers") or {})
        # the project's subclasses of those handlers (``class Shipper(HTTPHandler)``) -> the handler
        self.handler_classes: dict[str, str] = dict(getattr(facts, "handlers", None) or {})
        self._config_env = Env()  # the module's names, while check_log_config reads its dicts
        self.log_objects = s["logging"]["objects"]
        self.storage = s["storage"]
        self.store_objects = s["storage"]["objects"]
        self.http = s["http"]
        self.internal_hosts = list(s["http"].get("internal_hosts", []))
        self.first_party = list(policy.config.first_party_domains)
        self.host_index: list[tuple[str, str]] = [(h, p.name) for p in policy.processors.values() for h in p.hosts]

    # ---- helpers ----------------------------------------------------------------------------------
    def _args(self, call: cst.Call, env: Env, skip_first: int = 0, only_keywords: bool = False) -> frozenset:
        out = EMPTY
        pos = 0
        for arg in call.args:
            if arg.keyword is None and not arg.star:
                pos += 1
                if only_keywords or pos <= skip_first:
                    continue
            elif arg.keyword is not None and arg.keyword.value in self.ignored_keywords:
                continue
            out |= self.flow.taint(arg.value, env)
        return out

    @staticmethod
    def _arg(call: cst.Call, index: int, keyword: str | None = None) -> cst.BaseExpression | None:
        pos = 0
        for arg in call.args:
            if keyword and arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
            if arg.keyword is None and not arg.star:
                if pos == index:
                    return arg.value
                pos += 1
        return None

    def error_taint(self, body: cst.CSTNode, env: Env) -> frozenset:
        """What an exception raised in ``body`` carries: the arguments of the database writes in it
        (``sources.error_carriers``), and the URL and query parameters of its HTTP requests (an
        HTTP error quotes the URL it asked for, not the body it sent), which errors quote."""
        carriers = self.error_carriers
        out = EMPTY
        stack: list[cst.CSTNode] = [body]
        while stack:
            cur = stack.pop()
            if type(cur) in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
                continue
            if isinstance(cur, cst.Call):
                func = cur.func
                method = func.attr.value if isinstance(func, cst.Attribute) else ""
                http = any(n in self.http["functions"] for n in self.flow.resolver.qnames(func)) or (
                    method in self.http["objects"]["methods"] and isinstance(func, cst.Attribute)
                    and self.flow.kind_of(func.value, env) == "http")
                if http:
                    for part in (self._arg(cur, 1 if method == "request" or last_name(func) == "request" else 0, "url"),
                                 self._arg(cur, -1, "params")):
                        if part is not None:
                            out |= real(self.flow.taint(part, env))
                elif method in carriers:
                    out |= real(self._args(cur, env))
            stack.extend(children(cur))
        return frozenset(Match(m.category, f"{m.reason}, quoted by the error") for m in out)

    # ---- entry points ---------------------------------------------------------------------------
    def check_call(self, call: cst.Call, env: Env) -> None:
        """Run every sink check on one call."""
        self.flow.in_sink += 1
        try:
            self._check_call(call, env)
        finally:
            self.flow.in_sink -= 1

    def _check_call(self, call: cst.Call, env: Env) -> None:
        func = call.func
        names = self._callee(func)
        method = func.attr.value if isinstance(func, cst.Attribute) else ""
        receiver_kind = self.flow.kind_of(func.value, env) if isinstance(func, cst.Attribute) else None
        if self._logging(call, env, names, method, receiver_kind):
            return
        if self._storage(call, env, names, method, receiver_kind):
            return
        self._processor(call, env, names, method, receiver_kind)
        if self.summaries is not None:
            self._through_a_function(call, env, names, method)

    def _callee(self, func: cst.BaseExpression) -> tuple[str, ...]:
        """The qualified names of what a call calls; ``getattr(logging.handlers, "SocketHandler")``
        with a literal name is ``logging.handlers.SocketHandler``."""
        if isinstance(func, cst.Call) and len(func.args) in (2, 3) and not any(a.star or a.keyword for a in func.args) \
                and any(n in ("getattr", "builtins.getattr") for n in self.flow.resolver.qnames(func.func)):
            attr = string_value(func.args[1].value)
            if attr and attr.isidentifier():
                return tuple(f"{n}.{attr}" for n in self.flow.resolver.qnames(func.args[0].value))
        return self.flow.resolver.qnames(func)

    def _handler(self, func: cst.BaseExpression, names, env: Env) -> tuple[str, str] | None:
        """``(the remote handler, the class called)`` when a call builds a logging handler that sends
        records elsewhere: the handler itself, another name for it (``Cls = handlers.HTTPHandler``),
        or a project class that subclasses it (:attr:`handler_classes`, from any module)."""
        if isinstance(func, cst.Name):
            names = (*names, *(env.lookup("aliases", func.value) or ()))
        for name in names:
            if name in self.remote_handlers:
                return name, name
        if not self.handler_classes:
            return None
        candidates = [self._absolute(n) for n in names]
        if isinstance(func, cst.Name):
            candidates.append(f"{self.module}.{func.value}")  # a class of this module
        for name in candidates:
            if name in self.handler_classes:
                return self.handler_classes[name], name
        return None

    def _absolute(self, name: str) -> str:
        """``.helpers.note`` (a relative import) as ``pkg.helpers.note``, from this module's package."""
        if not name.startswith("."):
            return name
        level = len(name) - len(name.lstrip("."))
        parts = self.package.split(".") if self.package else []
        parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
        return ".".join(p for p in (*parts, name.lstrip(".")) if p)

    def _through_a_function(self, call: cst.Call, env: Env, names, method: str) -> None:
        """Personal data passed to a function of the project that writes that parameter to a sink
        (its summary, from the survey): reported here, at the call, with the path through it."""
        func = call.func
        if (func.value if isinstance(func, cst.Name) else method) not in self.summarised and not any(
                n.rpartition(".")[2] in self.summarised for n in names):
            return  # no function of the project by that name (or imported as it) writes its parameters
        candidates = [self._absolute(n) for n in names]
        if isinstance(func, cst.Name):
            candidates.append(f"{self.module}.{func.value}")
        elif (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"
              and self.flow.current_class):
            candidates.append(f"{self.module}.{self.flow.current_class}.{method}")
        found = self.summaries.summary_of(candidates, method if isinstance(func, cst.Attribute) else "")
        if found is None:
            return
        qual, (params, flows) = found
        bound = isinstance(func, cst.Attribute) and params[:1] in (("self",), ("cls",))
        callee = qual.rpartition(".")[2]
        seen: set[int] = set()
        for index, code, what, where in flows:
            name = params[index]
            if index in seen or self.flow.object_text(name) or self.flow.source_of(cst.Name(name)):
                continue  # one finding per argument; a `user` or `userinfo` is reported at the sink itself
            seen.add(index)
            position = index - 1 if bound else index
            arg = self._arg(call, position, params[index]) if position >= 0 else None
            taint = real(self.flow.taint(arg, env)) if arg is not None else EMPTY
            if taint:
                self.report(code, call, f"personal data passed to {callee}(), which writes `{params[index]}` to "
                            f"{what} ({where})",
                            frozenset(Match(m.category, f"{m.reason}, through {callee}() at {where}") for m in taint),
                            sink=what)

    def check_raise(self, node: cst.Raise, env: Env) -> None:
        """An exception message that carries personal data (GDPR302)."""
        if not self.policy.sinks["logging"].get("exceptions", True):
            return
        exc = node.exc
        if isinstance(exc, cst.Call):
            if last_name(exc.func) in self.shown_exceptions:
                return  # a validation or permission error is shown to the person who caused it, not logged
            below = self.shown_below.get(last_name(exc.func))
            if below is not None and self._status_below(exc, below):
                return  # `raise ApiError(msg, 403)`: its handler logs server errors only
            operator = (self.cli_module or self.in_command) and self._operator_exception(exc.func)
            if operator and not self.check_operator:
                return  # a command-line program's error, printed for the operator who ran it (JUDGEMENT.md)
            taint = real(self._args(exc, env))
            if taint and operator:
                self.report("GDPR301", node, "personal data printed for the operator of a command-line tool", taint,
                            sink="operator output")
            elif taint:
                self.report("GDPR302", node, "personal data in an exception message", taint, sink="exception message")

    def _status_below(self, exc: cst.Call, code: int) -> bool:
        """Whether a raised exception is given an HTTP status below ``code``: an integer from 100
        up among its positional arguments, or as one of the status keywords (``code=403``)."""
        for arg in exc.args:
            if arg.star or (arg.keyword is not None and arg.keyword.value not in self.code_keywords):
                continue
            value = arg.value
            if isinstance(value, cst.Integer) and 100 <= int(value.evaluated_value) < code:
                return True
        return False

    def _operator_exception(self, func: cst.BaseExpression) -> bool:
        """Whether a raised class is a command-line program's error (sinks.yaml), or a project class
        derived from one (named as the survey names modules: a folder without ``__init__.py``
        drops its folder)."""
        for name in self.flow.resolver.qnames(func):
            name = self._absolute(name)
            if name in self.operator_exceptions or any(name.endswith("." + q) for q in self.operator_exceptions):
                return True
        return False

    def check_store(self, target: cst.Subscript, value_taint: frozenset, env: Env, node: cst.CSTNode) -> None:
        """``session["k"] = v`` and other subscript stores into cookies, sessions and shelves.

        The key is evidence too: ``session["guest_name"] = form["name"]`` stores a name.
        """
        key = _key_of(target)
        key_taint = frozenset(self.flow.classifier.classify(key)) if key else EMPTY
        taint = real(value_taint | key_taint) if value_taint or self._opaque_value(node) else EMPTY
        if not taint:
            return
        names = self.flow.resolver.qnames(target.value)
        for name in names:
            label = self.storage.get("subscript_stores", {}).get(name)
            if label:
                self.report("GDPR204", node, f"personal data stored in the {label}", taint, sink=label)
                return
        kind = self.flow.kind_of(target.value, env)
        spec = self.store_objects.get(kind or "", {})
        if spec.get("subscript_store"):
            code = "GDPR204" if kind == "cookie_jar" else "GDPR202"
            self.report(code, node, f"personal data stored in a {spec['label']}", taint, sink=spec["label"])

    def _opaque_value(self, node: cst.CSTNode) -> bool:
        """Whether an assignment stores a value read from elsewhere (not a literal or a sanitised value)."""
        value = getattr(node, "value", None)
        return isinstance(value, (cst.Subscript, cst.Attribute, cst.Name, cst.Call, cst.FormattedString)) and not (
            self.flow.is_sanitized(value))

    # ---- logging ----------------------------------------------------------------------------------
    def _operator_output(self, call, env, names, method) -> bool:
        """Output to the operator of a command-line tool (JUDGEMENT.md): ``click.echo``, a management
        command's ``self.stdout.write``, ``print`` in a command-line module.  Reported (as GDPR301,
        sink "operator output") only when the config says ``check_cli_output``."""
        func = call.func
        is_print = any(n in ("print", "builtins.print") for n in names) and self._to_output(self._arg(call, 99, "file"),
                                                                                           env)
        stream = (method == "write" and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)
                  and func.value.attr.value in self.operator_streams and isinstance(func.value.value, cst.Name)
                  and func.value.value.value == "self")
        # `sys.stderr.write(...)` in a command-line program: its operator's terminal, as its print()
        cli = self.cli_module or self.in_command
        own_stream = cli and method in self.stream_methods and isinstance(func, cst.Attribute) and (
            not self.print_streams.isdisjoint(self.flow.resolver.qnames(func.value))
            or self.flow.kind_of(func.value, env) == "stream")  # (`err = sys.stderr; err.write(...)`)
        if not (any(n in self.operator_functions for n in names) or stream or own_stream or
                (is_print and cli)):
            return False
        if self.check_operator:
            taint = real(self._args(call, env))
            if taint:
                self.report("GDPR301", call, "personal data printed for the operator of a command-line tool", taint,
                            sink="operator output")
        return True

    def _to_output(self, target: cst.BaseExpression | None, env: Env | None = None) -> bool:
        """Whether ``print(..., file=target)`` writes to the process's own output: no ``file=``,
        ``None``, ``sys.stdout``/``sys.stderr`` (``logging.print_streams``) or a name bound to one
        (``err = sys.stderr``), either of ``sys.stderr if quiet else sys.stdout``."""
        if target is None or (isinstance(target, cst.Name) and target.value == "None"):
            return True
        if isinstance(target, cst.IfExp):
            return self._to_output(target.body, env) or self._to_output(target.orelse, env)
        if not self.print_streams.isdisjoint(self.flow.resolver.qnames(target)):
            return True
        return env is not None and self.flow.kind_of(target, env) == "stream"

    def _logging(self, call, env, names, method, receiver_kind) -> bool:
        if self._operator_output(call, env, names, method):
            return True
        for name in names:
            if name in self.log_functions:
                label = self.log_functions[name]
                target = self._arg(call, 99, "file") if name in ("print", "builtins.print") else None
                if target is not None and self.flow.kind_of(target, env) == "file":
                    taint = real(self._args(call, env))  # print(..., file=fh) writes a file
                    if taint:
                        self.report("GDPR202", call, "personal data written to a file", taint, sink="file")
                        self._mark_file(target, taint, env)
                    return True
                if not self._to_output(target, env):
                    # a buffer, a reply being written: not the process's output; a buffer holds
                    # what is printed into it (`buf.getvalue()` logged later is the finding)
                    if isinstance(target, cst.Name) and env.lookup("kinds", target.value) == "memory":
                        added = real(self._args(call, env))
                        if added:
                            env.taint[target.value] = (env.lookup("taint", target.value) or EMPTY) | added
                    return True
                taint = real(self._args(call, env)) | self._expanded(call)
                if taint:
                    code = "GDPR303" if self._telemetry(name) else "GDPR301"
                    self.report(code, call, f"personal data sent to {label}", taint, sink=label)
                return True
        handler = self._handler(call.func, names, env)
        if handler is not None:
            name, called = handler
            spec = self.remote_handlers[name]
            recipients = self._arg(call, *spec["recipients"]) if spec.get("recipients") else None
            address = self._arg(call, *spec["host"]) if spec.get("host") else None
            self._remote_handler(call, name, spec, address, recipients, env, called=called)
            return True
        for setting in self.log_settings:
            if setting["call"] in names:
                value = self._arg(call, 99, setting["keyword"])
                if isinstance(value, cst.Name) and value.value == str(setting["value"]):
                    self.report("GDPR304", call, setting["message"], EMPTY, sink=setting["call"])
                return True
        if receiver_kind in self.log_objects:
            spec = self.log_objects[receiver_kind]
            code = "GDPR303" if spec.get("telemetry") else "GDPR301"
            if method in spec.get("methods", []):
                taint = real(self._args(call, env)) | self._expanded(call)
                if taint:
                    self.report(code, call, f"personal data written to a {spec['label']}", taint, sink=spec["label"])
                return True
            if method in spec.get("binders", []):
                taint = real(self._args(call, env, only_keywords=True))
                if taint:
                    self.report(code, call, f"personal data bound to a {spec['label']}'s context", taint,
                                sink=spec["label"])
                return True
        return False

    def _expanded(self, call: cst.Call) -> frozenset:
        """What a log call's ``extra=`` hands to handlers that expand it (``logging.expanded_extra``):
        ``extra={"request": request}`` puts the whole request in the report Django's
        AdminEmailHandler mails and Sentry keeps; a key they do not expand (``request_id``), or a
        value that is not the object itself (``None``, a path, ``request.user.pk``, a string)
        adds nothing: only a name, or an attribute, called as the key is (``self.request``)."""
        value = self._arg(call, 99, "extra") if self.expanded_extra else None
        if isinstance(value, cst.Dict):
            items = [(string_value(el.key), el.value) for el in value.elements if isinstance(el, cst.DictElement)]
        elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "dict":
            items = [(a.keyword.value, a.value) for a in value.args if a.keyword is not None]
        else:
            return EMPTY
        return frozenset(Match("user", f"extra {key!r}: {self.expanded_extra[key]}") for key, item in items
                         if key in self.expanded_extra and isinstance(item, (cst.Name, cst.Attribute))
                         and last_name(item) == key)

    def _telemetry(self, name: str) -> bool:
        """Whether a logging function belongs to a telemetry vendor's SDK (``logging_sink`` in the
        processor catalogue: Sentry, Datadog, New Relic ...): its calls are GDPR303, not GDPR301."""
        proc = self.flow.processor_of((name,))
        info = self.policy.processors.get(proc) if proc else None
        return bool(info and info.logging_sink)

    # ---- log records sent to another machine ----------------------------------------------------
    def check_log_config(self, module: cst.Module, source: str, env: Env | None = None) -> None:
        """Remote handlers configured by a dict, as ``logging.config.dictConfig`` reads it
        (``{"class": "logging.handlers.HTTPHandler", "host": ...}``, Django's ``LOGGING``): judged
        as the same handler built by a call.  Only files that name such a handler are walked.
        ``env``, the module's names, gives a class or host held in a module constant."""
        if not _names_any(source, frozenset(name.rpartition(".")[2] for name in (*self.remote_handlers,
                                                                               *self.handler_classes))):
            return
        self._config_env = env or Env()
        stack: list[tuple[cst.CSTNode, str]] = [(module, "")]
        while stack:
            cur, symbol = stack.pop()
            if type(cur) is cst.Dict:
                self._handler_dict(cur, symbol)
            elif type(cur) in (cst.FunctionDef, cst.ClassDef):
                symbol = f"{symbol}.{cur.name.value}" if symbol else cur.name.value
            stack.extend((child, symbol) for child in children(cur))

    def _handler_dict(self, node: cst.Dict, symbol: str) -> None:
        values: dict[str, cst.BaseExpression] = {}
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                key = string_value(el.key)
                if key is not None:
                    values[key] = el.value
        factory = values.get("class", values.get("()"))
        env = self._config_env
        called = self.flow.string_of(factory, env) if factory is not None else None
        called = called.strip().removeprefix("ext://") if called else None
        name = called if called in self.remote_handlers else self.handler_classes.get(called or "")
        if name is None:
            return
        spec = self.remote_handlers[name]
        recipients = values.get(spec["recipients"][1]) if spec.get("recipients") else None
        address = values.get(spec["host"][1]) if spec.get("host") else None
        self._remote_handler(node, name, spec, address, recipients, env, symbol, called=called)

    def _remote_handler(self, node: cst.CSTNode, name: str, spec: dict, address: cst.BaseExpression | None,
                        recipients: cst.BaseExpression | None, env: Env, symbol: str | None = None,
                        called: str | None = None) -> None:
        """A logging handler that sends records to another machine (``sinks.yaml``
        ``logging.remote_handlers``): GDPR303 naming where they go, unless that is localhost, a
        local socket, an internal or first-party host, or an approved processor's host (or, for a
        cloud's log service, ``processor``, that processor approved).  A destination that is not
        written in the code (read from the environment) is not judged.  ``called`` is the class
        the code names when it is not the handler itself (a project's subclass)."""
        if address is None:
            host = spec.get("default") or None
        elif isinstance(address, (cst.Tuple, cst.List)):  # (host, port)
            host = self._host_of(address.elements[0].value, env) if address.elements else None
        else:
            host = self._host_of(address, env)
        phrases, first = [], ""
        vendor = self._outside(host)
        if vendor is not None:
            phrases.append(f"sent to {host}{vendor}")
            first = self._processor_for_host(host) or host
        processor = spec.get("processor")
        if processor and processor not in self.policy.approved:
            info = self.policy.processors.get(processor)
            phrases.append(f"sent to {info.vendor} ({info.service})" if info else f"sent to {processor}")
            first = processor
        mailed = []
        items = recipients.elements if isinstance(recipients, (cst.Tuple, cst.List)) else (
            [recipients] if recipients is not None else [])
        for item in items:
            text = (self.flow.string_of(getattr(item, "value", item), env) or "").strip()
            domain = text.rpartition("@")[2].strip(" <>").lower() if "@" in text else ""
            vendor = self._outside(domain)
            if vendor is not None:
                mailed.append(f"{text}{vendor}")
                first = first or self._processor_for_host(domain) or domain
        if mailed:
            phrases.append(f"mailed to {', '.join(mailed)}")
        if not phrases:
            return
        handler = name.rpartition(".")[2]
        if called and called != name:
            handler = f"{called.rpartition('.')[2]} (a subclass of {handler})"
        self.report("GDPR303", node, f"log records are {' and '.join(phrases)} by {handler}: everything logged "
                    "through it leaves the organisation (not an internal, first-party or approved host)", EMPTY,
                    sink=f"log handler {name.rpartition('.')[2]}", processor=first, symbol=symbol)

    def _host_of(self, node: cst.BaseExpression, env: Env) -> str | None:
        """The host an address names (``"h"``, ``"h:514"``, ``"[::1]:9020"``, a URL); ``""`` for a
        path (a local socket such as ``/dev/log``); ``None`` when it is not known from the code."""
        text = (self.flow.string_of(node, env) or "").strip()
        if not text or text.startswith("{"):
            return None
        if "://" in text or text.startswith("//"):
            return _host(text)
        if "/" in text:
            return ""
        if text.startswith("["):
            return text[1:].partition("]")[0].lower()
        return (text.partition(":")[0] if text.count(":") == 1 else text).lower()

    def _outside(self, host: str | None) -> str | None:
        """``None`` for a host inside the organisation (internal, first-party, an approved
        processor's) or not known; for one outside it, what to add to its name in a message: the
        vendor and service when it is a catalogued processor's host, else ``""``."""
        if not host or self._internal(host):
            return None
        proc = self._processor_for_host(host)
        if proc and proc in self.policy.approved:
            return None
        info = self.policy.processors.get(proc) if proc else None
        return f" ({info.vendor}, {info.service})" if info else ""

    # ---- storage ----------------------------------------------------------------------------------
    def _storage(self, call, env, names, method, receiver_kind) -> bool:
        methods = self.storage.get("methods", {})
        if method in methods:
            spec = methods[method]
            pos, kw = spec["args"]
            value = self._arg(call, pos, kw)
            taint = real(self.flow.taint(value, env)) if value is not None else EMPTY
            if "cookie" in method and value is not None and not isinstance(value, cst.BaseString):
                name = string_value(self._arg(call, 0, "key") or cst.Name("_"))
                if name and not self.flow.is_sanitized(value):
                    taint |= frozenset(self.flow.classifier.classify(name))  # the cookie's name says what it holds
            if taint and (receiver_kind != "memory" or "cookie" in method):  # a response's cookie stays
                code = "GDPR204" if "cookie" in method else "GDPR202"
                self.report(code, call, f"personal data written to a {spec['label']}", taint, sink=spec["label"])
            return True
        for name in names:
            label = self.storage.get("functions", {}).get(name)
            if label:
                target = self._arg(call, 1, "fp")
                if target is not None and self.flow.kind_of(target, env) == "memory":
                    return True
                taint = real(self.flow.taint(self._arg(call, 0, "obj"), env))
                if taint:
                    self.report("GDPR202", call, f"personal data written to a {label}", taint, sink=label)
                    self._mark_file(target, taint, env)
                return True
        spec = self.store_objects.get(receiver_kind or "")
        if not spec or method not in spec.get("methods", []):
            return False
        if "encryption_keywords" in spec:  # object storage: S3, GCS, Azure Blob
            return self._object_storage(call, env, method, receiver_kind, spec)
        if "statements" in spec:  # a database file: what an INSERT or an UPDATE writes, not a SELECT's filter
            statement = self._arg(call, 0, "sql")
            text = self.flow.string_of(statement, env) if statement is not None else None
            if not text or text.split(None, 1)[0].lower() not in spec["statements"]:
                return True
        taint = real(self._args(call, env))
        if not taint:
            return True
        code = {"redis": "GDPR203", "cache": "GDPR203", "cookie_jar": "GDPR204"}.get(receiver_kind, "GDPR202")
        self.report(code, call, f"personal data written to {spec['label']}", taint, sink=spec["label"])
        if receiver_kind in ("file", "csv_writer") and isinstance(call.func, cst.Attribute):
            handle = call.func.value
            if isinstance(handle, cst.Name):
                path_var = env.lookup("file_paths", handle.value)
                if path_var:
                    env.files[path_var] = (env.lookup("files", path_var) or EMPTY) | taint
        return True

    def _mark_file(self, target, taint, env) -> None:
        if isinstance(target, cst.Name):
            path_var = env.lookup("file_paths", target.value)
            if path_var:
                env.files[path_var] = (env.lookup("files", path_var) or EMPTY) | taint

    def _object_storage(self, call, env, method, kind, spec) -> bool:
        enc = set(spec.get("encryption_keywords", []))
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in enc:
                return True
            if arg.keyword is not None and arg.keyword.value == spec.get("extra_args_keyword") and isinstance(
                    arg.value, cst.Dict):
                for el in arg.value.elements:
                    if isinstance(el, cst.DictElement) and string_value(el.key) in enc:
                        return True
        taint = real(self._args(call, env))
        if method in ("upload_file", "upload_from_filename"):
            source = self._arg(call, 0, "Filename" if kind == "s3" else "filename")
            if isinstance(source, cst.Name):
                taint |= env.lookup("files", source.value) or EMPTY
        if taint:
            self.report("GDPR205", call, f"personal data uploaded to {spec['label']} without server-side encryption",
                        taint, sink=spec["label"])
        return True

    # ---- processors ---------------------------------------------------------------------------------
    def _processor(self, call, env, names, method, receiver_kind) -> None:
        proc = None
        if receiver_kind and receiver_kind.startswith("proc:"):
            proc = receiver_kind[5:]
        elif self.flow.resolver.imported(call.func):  # (an SDK by its import: a local `pusher` is none)
            proc = self.flow.processor_of(names)
        if proc:
            taint = real(self._args(call, env), allow_pseudonymous=True)
            if taint:
                self.processor_receives(proc, call, taint, f"{proc} SDK call")
            return
        is_http = any(n in self.http["functions"] for n in names) or (
            receiver_kind == "http" and method in self.http["objects"]["methods"])
        if not is_http:
            return
        url_node = self._arg(call, 0, "url")
        if url_node is None and method in ("request", "send", "fetch") or (
                method == "request" and url_node is not None and string_value(url_node) in (
                "GET", "POST", "PUT", "PATCH", "DELETE")):
            url_node = self._arg(call, 1, "url")
        url = self.flow.string_of(url_node, env) if url_node is not None else None
        if url is not None and "://" not in url and isinstance(call.func, cst.Attribute):
            base = self.flow.base_url(call.func.value, env)  # httpx.Client(base_url=...) + relative path
            url = base + url if base else url
        if not url:
            origin = self.flow.origin_of(url_node, env)
            taint = real(self._args(call, env, skip_first=1 if url_node is self._arg(call, 0) else 0),
                         allow_pseudonymous=True) if origin else EMPTY
            if taint:  # a destination from the configuration (a webhook): a third party all the same
                self.report("GDPR403", call, f"personal data sent to the address configured in {origin}, which is "
                            "not a known or approved processor", taint, sink=f"HTTP {origin}", processor=origin)
            return
        host = _host(url)
        if not host or self._internal(host):
            return
        taint = real(self._args(call, env), allow_pseudonymous=True)
        if not taint:
            return
        known = self._processor_for_host(host)
        if known:
            self.processor_receives(known, call, taint, f"HTTP request to {host}")
        else:
            self.disclose(host, call, taint, f"HTTP request to {host}")
            self.report("GDPR403", call, f"personal data sent to {host}, which is not a known or approved processor",
                        taint, sink=f"HTTP {host}", processor=host)

    def processor_receives(self, proc: str, node: cst.CSTNode, taint: frozenset, how: str) -> None:
        """Report personal data handed to a processor, according to the approval register."""
        info = self.policy.processors.get(proc)
        if info is not None and (info.infrastructure or info.logging_sink):
            return
        self.disclose(proc, node, taint, how)
        approval = self.policy.approved.get(proc)
        vendor = info.vendor if info else proc
        if approval is None:
            self.report("GDPR402", node, f"personal data sent to {vendor}, which is not an approved processor ({how})",
                        taint, sink=how, processor=proc)
            return
        if approval.categories is not None:
            allowed = approval.categories
            extra = frozenset(m for m in taint if m.category != PSEUDONYMOUS and not any(
                m.category == a or m.category.startswith(a + ".") for a in allowed))
            if extra:
                self.report("GDPR404", node, f"{vendor} is approved for {', '.join(allowed)} only", extra, sink=how,
                            processor=proc)
        outside = (approval.region and approval.region.upper() not in self.policy.eea_regions) or (
            not approval.region and approval.dpa and info is not None and not info.eea)
        if outside and not approval.transfer_mechanism:
            self.report("GDPR405", node, f"personal data transferred to {vendor} outside the EEA without a "
                        "transfer mechanism in its approval", taint, sink=how, processor=proc)

    def _internal(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host)
            return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
        except ValueError:
            pass
        if "{" in host:  # a templated host: judge by its fixed suffix (`{region}.api.mixpanel.com`)
            suffix = host.rpartition("}")[2].lstrip(".-")
            return "." not in suffix or self._internal(suffix)
        if "." not in host:
            return True
        patterns = self.internal_hosts + self.first_party + [f"*.{d}" for d in self.first_party]
        return any(fnmatch(host, p) for p in patterns)

    def _processor_for_host(self, host: str) -> str | None:
        if "{" in host:
            host = "x." + host.rpartition("}")[2].lstrip(".-")
        for pattern, proc in self.host_index:
            if host == pattern or fnmatch(host, pattern):
                return proc
        return None


def _key_of(target: cst.Subscript) -> str | None:
    if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
        return string_value(target.slice[0].slice.value)
    return None


def _host(url: str) -> str | None:
    if "://" not in url:
        if url.startswith("//"):
            url = "http:" + url
        else:
            return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


@lru_cache(maxsize=4)
def _names_any(source: str, names: frozenset[str]) -> bool:
    """Whether ``source`` holds one of ``names`` (read once for all the parts of a module)."""
    return any(name in source for name in names)
