"""Data flow: which expressions hold personal data, and what kind of object a name holds.

A *taint* is a frozenset of :class:`~gdpr_lint.classify.Match` (category + reason).  It starts at
classified names, attributes, string keys and parameters, and flows through assignment,
f-strings, ``%``/``.format``/``+``/``join``, containers, comprehensions, string methods and
the functions listed as propagators in ``rules/sinks.yaml``.  Sanitizers (hashing, masking,
encryption) clear it; hashing leaves a pseudonymous identifier (Art. 4(5)) that still counts
when sent to a processor.

Object *kinds* (``logger``, ``redis``, ``file``, ``http``, ``proc:<name>`` ...) come from the
factories in ``rules/sinks.yaml`` and the processor catalogue, matched by qualified name.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

import libcst as cst

from gdpr_lint.classify import Classifier, Match
from gdpr_lint.engine.names import (
    Resolver,
    dotted,
    joined,
    last_name,
    qualified,
    string_value,
)
from gdpr_lint.engine.tree import children
from gdpr_lint.policy import Policy, name_words, split_words

Taint = frozenset
EMPTY: frozenset = frozenset()
PSEUDONYMOUS = "user.unique_id.pseudonymous"
#: a name followed by ``[`` or ``.`` across spaces, line breaks and backslashes, by a comment
#: (after which a ``[`` may come on the next line), or by the ``)`` of ``(data)["email"]``; linear:
#: no choice inside the repetition.  ASCII text only (``\w`` leaves out the marks of other scripts'
#: identifiers)
_KEY_OWNER = re.compile(r"\b([A-Za-z_]\w*)[\s\\]*[.\[#)]")
_DOTTED_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")  # a forward reference's class
PARAM = "@param:"  # marker category: the value of parameter N (function summaries)
_CONTAINERS = frozenset({cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp})
FIXED_KEYS = "fixed keys"  # the kind of a dict whose keys are all written in the code (its .keys() name fields)


@dataclass
class Env:
    """What is known about local names at one point of a function (or module)."""

    taint: dict[str, frozenset] = field(default_factory=dict)
    objects: dict[str, frozenset] = field(default_factory=dict)  # what a name's object prints as (__str__)
    kinds: dict[str, str] = field(default_factory=dict)
    strings: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # name -> the setting its value came from
    typed: dict[str, str] = field(default_factory=dict)  # name -> the class its value is (`q: Queue`)
    files: dict[str, frozenset] = field(default_factory=dict)  # path variable -> data written to it
    file_paths: dict[str, str] = field(default_factory=dict)  # file handle -> path variable
    aliases: dict[str, tuple] = field(default_factory=dict)  # name -> what it names (`Cls = handlers.HTTPHandler`)
    containers: dict[str, bool] = field(default_factory=dict)  # name -> bound to a new list, dict or set
    parent: Env | None = None

    def lookup(self, table: str, name: str):
        env: Env | None = self
        while env is not None:
            values = getattr(env, table)
            if name in values:
                return values[name]
            env = env.parent
        return None

    def child(self) -> Env:
        return Env(parent=self)


@dataclass
class Summary:
    """What a function does with its arguments: which reach its return value, and what it returns."""

    params: tuple[str, ...]
    returns_params: frozenset = EMPTY  # indexes of parameters that reach the return value
    returns: frozenset = EMPTY  # categories the return value carries on its own


class Flow:
    """Evaluates taint and kinds of expressions for one module.

    Args:
        policy: the effective policy (sinks, sanitizers, propagators, processors).
        classifier: the identifier classifier.
        resolver: qualified-name resolution for this module.
    """

    def __init__(self, policy: Policy, classifier: Classifier, resolver: Resolver, facts=None) -> None:
        self.policy = policy
        self.classifier = classifier
        self.resolver = resolver
        self.queried_through = policy.frameworks.queried_through  # `objects` of `Queue.objects.filter(...)`
        sinks = policy.sinks
        sources = sinks.get("sources") or {}
        self.signed_in = tuple(sources.get("signed_in", ()))
        self.containers = {k: str(v) for k, v in (sources.get("containers") or {}).items()}
        # the last names of the sources: an expression that ends otherwise is none (a quick first test)
        self._source_tails = frozenset(p.rpartition(".")[2] for p in (*self.signed_in, *self.containers))
        calls = {k: str(v) for k, v in (sources.get("calls") or {}).items()}
        self.source_calls = {k: v for k, v in calls.items() if "." not in k}  # by the method's name
        #: ... and by the object's too (`request.get_data`: a request's, not any object's get_data)
        self.dotted_source_calls = {k: v for k, v in calls.items() if "." in k}
        self._dotted_source_tails = frozenset(k.rpartition(".")[2] for k in self.dotted_source_calls)
        # the calls whose recipients are people's addresses (`EmailMessage(..., to)`), and the last
        # names they go by (a quick first test of a function's text)
        recipients = sources.get("recipients") or {}
        self.recipient_category = str(recipients.get("category") or "")
        self.recipient_calls: dict[str, tuple[frozenset[int], frozenset[str]]] = {
            name: (frozenset(spec.get("positions") or ()), frozenset(spec.get("keywords") or ()))
            for name, spec in (recipients.get("calls") or {}).items()}
        self._recipient_tails = frozenset(n.rpartition(".")[2] for n in self.recipient_calls)
        self._mails = bool(self._recipient_tails)  # (the module may call one: read_with_keys)
        # the name a person signs in with: beside a password (sources.sign_in)
        sign_in = sources.get("sign_in") or {}
        self.sign_in_category = str(sign_in.get("category") or "")
        self.sign_in_names = frozenset(sign_in.get("names") or ()) if self.sign_in_category else frozenset()
        self.sign_in_calls = frozenset(sign_in.get("calls") or ()) if self.sign_in_category else frozenset()
        self.sign_in_text_names = frozenset(sign_in.get("text_names") or ()) if self.sign_in_category else frozenset()
        self._passwords: dict[str, bool] = {}
        self.texts: dict[tuple[str, ...], frozenset] = dict(facts.texts) if facts is not None else {}
        self.carried: dict[tuple[str, ...], frozenset] = dict(facts.carried) if facts is not None else {}
        self.content_attributes = frozenset(sources.get("content_attributes", ()))
        self.named = dict(facts.named) if facts is not None else {}
        # fields records declare with a personal-data type, by name (``device.number``)
        self.has_typed_fields = bool(getattr(facts, "typed_fields", None))
        # what callers in the tree pass to the parameters of this module's functions (survey.incoming)
        self.incoming: dict[str, dict[str, frozenset]] = getattr(facts, "incoming", None) or {}
        #: the project facts: the functions of other modules that hand back an argument
        #: (survey.returns), the objects other modules make, what a class prints as
        self.facts = facts
        self.module = self.package = ""  # (place())
        user_text = self.texts.get(("user",))
        self.signed_in_text = user_text or frozenset({Match("user.account.username",
                                                            "the signed-in user: a user model prints its username")})
        self.sanitizer_functions = set(sinks["sanitizers"]["functions"])
        self.sanitizer_words = set(sinks["sanitizers"]["name_words"])
        self.predicate_words = frozenset(sinks["sanitizers"].get("predicate_words") or ())
        self.safe_attributes = set(sinks["sanitizers"]["safe_attributes"])
        self.propagator_functions = set(sinks["propagators"]["functions"])
        self.propagator_methods = set(sinks["propagators"]["methods"])
        self.field_list_methods = set(sinks["propagators"].get("field_list_methods", []))
        self.fill_methods = frozenset(sinks["propagators"].get("fills", ()))
        self.container_makers = frozenset(sinks["propagators"].get("containers", ()))
        self.hash_functions = {f for f in self.sanitizer_functions if f.startswith(("hashlib.", "hmac."))}
        # factories -> kind
        self.factories: dict[str, str] = {}
        self.binders: dict[str, set[str]] = {}
        self.kind_names: dict[str, str] = {}
        self.typed_kinds: dict[str, str] = {}  # annotation type -> kind (`log: logging.Logger`)
        for family in ("logging", "storage"):
            for kind, spec in (sinks[family].get("objects") or {}).items():
                for f in spec.get("factories", []):
                    self.factories[f] = kind
                self.binders[kind] = set(spec.get("binders", []))
                for n in spec.get("names", []):
                    self.kind_names[n] = kind
                for t in spec.get("types", []):
                    self.typed_kinds[t] = kind
        for f in sinks["storage"].get("memory_factories", []):
            self.factories[f] = "memory"
        for f in sinks["http"]["objects"]["factories"]:
            self.factories[f] = "http"
        self.sdk_roots: dict[str, str] = {}  # SDK import root -> processor (the first catalogue entry wins)
        for proc in policy.processors.values():
            for root in proc.sdk:
                self.sdk_roots.setdefault(root, proc.name)
        self.summaries: dict[str, Summary] = {}
        self._key_owners: frozenset[str] | None = None  # (read_with_keys; None: any name)
        self._key_text: str | None = None
        # the module's own functions by name (``helper``, ``Class.method``), set by the walker: a
        # helper named like a sanitizer is judged by its body too (_returns_its_input)
        self.local_functions: dict[str, cst.FunctionDef] = {}
        self._identity: dict[str, bool] = {}
        self.class_kinds: dict[str, dict[str, str]] = {}
        self.class_given: dict[str, set[str]] = {}  # attributes also set from an object of unknown kind
        #: attributes set from the configuration (`self.reader_dn = config.get("ldap", "reader_dn")`),
        #: and those also set from anything else: the first hold a setting, whatever their names say
        self.class_settings: dict[str, set[str]] = {}
        self.class_set_otherwise: dict[str, set[str]] = {}
        self.file_attributes: set[str] = set()  # argparse destinations that are files opened for writing
        self.current_params: frozenset[str] = frozenset()  # the parameters of the function being walked
        self.class_taint: dict[str, dict[str, frozenset]] = {}
        self.class_strings: dict[str, dict[str, str]] = {}  # self.client -> its base_url
        self.current_class: str | None = None
        self._body: cst.CSTNode | None = None  # the function (or module) being walked
        self.in_sink = 0  # > 0 while a sink's arguments are judged (containers by their keys then)
        self._keys: dict[str, frozenset] | None = None  # name -> what the keys read from it say

    # ---- objects ------------------------------------------------------------------------------------
    def object_text(self, name: str) -> frozenset:
        """What an object named ``name`` prints as, when a class of the project has that name and
        its ``__str__`` returns personal data (``user`` -> ``User.__str__`` returns its full name;
        ``new_user`` too; ``user_id`` and ``is_user`` are not objects)."""
        if not self.texts or not name or name.isupper():  # LOGMSG_NO_USER is a constant, not a user
            return EMPTY
        words = name_words(name)
        if not words or words[0] in self.policy.flag_prefixes:
            return EMPTY
        found = self.texts.get(words)
        if found is None and len(words) == 2 and words[0] not in self.policy.metadata_words:
            found = self.texts.get(words[-1:])  # new_user, target_user
        return found or EMPTY

    def own_text(self, module: str, cls: str) -> frozenset:
        """What an object of the module's class ``cls`` prints as (``self`` in its methods): that
        class's text, not another's of a similar name."""
        return self.facts.text_of_class(f"{module}.{cls}") if hasattr(self.facts, "text_of_class") else EMPTY

    def evidence_of(self, owner: str | None):
        """What the project says of the class an owner is named after (``ticket`` -> ``Ticket``, a
        record about a person), or ``None``: what a project already said about a name counts in
        every module."""
        if not owner or not self.named:
            return None
        return self.named.get(name_words(owner))

    def source_of(self, node: cst.BaseExpression) -> frozenset:
        """Personal data by where a value comes from (``sinks.yaml`` ``sources``): the signed-in
        user (``request.user``), a whole container of what a person sent (``request.POST``)."""
        if isinstance(node, cst.Attribute):
            if node.attr.value not in self._source_tails:
                return EMPTY
        elif not isinstance(node, cst.Name):
            return EMPTY
        text = dotted(node)
        if not text:
            return EMPTY
        if isinstance(node, cst.Name):
            names = self.resolver.qnames(node)
            if any(n in self.signed_in for n in names):
                return self.signed_in_text
            label = self.containers.get(node.value)
            return frozenset({Match("user", f"{node.value}: {label}")}) if label else EMPTY
        if any(text == p or text.endswith("." + p) for p in self.signed_in):
            return self.signed_in_text
        for pattern, label in self.containers.items():
            if text == pattern or text.endswith("." + pattern) or ("." not in pattern and node.attr.value == pattern):
                return frozenset({Match("user", f"{text}: {label}")})
        return EMPTY

    def is_password(self, name: str) -> bool:
        """Whether a name holds a password (a credential category: ``password``, ``passwd``)."""
        found = self._passwords.get(name)
        if found is None:
            categories = self.policy.categories
            found = self._passwords[name] = any(
                m.category in categories and categories[m.category].credential for m in self.classifier.classify(name))
        return found

    def signing_in(self, names) -> frozenset[str]:
        """The names among ``names`` (one function's parameters, one assignment's targets) that
        hold the name a person signs in with: a sign-in name (``sources.sign_in``: ``login``,
        ``user``) beside a password (``def login(self, login, password)``, ``login, password =
        credentials``)."""
        if not self.sign_in_names:
            return frozenset()
        partners = frozenset(n for n in names if n.lower() in self.sign_in_names)
        return partners if partners and any(self.is_password(n) for n in names) else frozenset()

    def names_an_account(self, name: str, annotation: cst.BaseExpression | None) -> bool:
        """Whether a parameter named for an account (``sources.sign_in.text_names``) is annotated
        as text: ``user: str``, ``Optional[str]``, ``Union[str, None]``, ``str | None``."""
        if annotation is None or name.lower() not in self.sign_in_text_names:
            return False
        sides = [annotation]
        if isinstance(annotation, cst.Subscript) and last_name(annotation.value) in ("Optional", "Union") and all(
                isinstance(e.slice, cst.Index) for e in annotation.slice):
            sides = [e.slice.value for e in annotation.slice if not (
                isinstance(e.slice.value, cst.Name) and e.slice.value.value == "None")]
            if last_name(annotation.value) == "Optional" and len(annotation.slice) != 1:
                return False
        elif isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            sides = [s for s in (annotation.left, annotation.right) if not (isinstance(s, cst.Name) and s.value == "None")]
        elif isinstance(annotation, cst.SimpleString):
            text = string_value(annotation) or ""
            return text.replace(" ", "") in ("str", "Optional[str]", "str|None", "None|str")
        return len(sides) == 1 and isinstance(sides[0], cst.Name) and sides[0].value == "str"

    def sign_in_match(self, beside: str) -> frozenset:
        """What a name a person signs in with holds (``beside``: what shows it)."""
        return frozenset({Match(self.sign_in_category, f"the name a person signs in with, {beside}")})

    def is_sign_in_call(self, node: cst.Call) -> bool:
        """A sign-in call given a password (``auth.login(login, password)``, ``authenticate(
        username=u, password=p)``): it hands back the account that signed in."""
        if not self.sign_in_calls or "_".join(split_words(last_name(node.func))) not in self.sign_in_calls:
            return False
        return any((arg.keyword is not None and self.is_password(arg.keyword.value)) or (
            isinstance(arg.value, cst.Name) and self.is_password(arg.value.value)) for arg in node.args)

    def addressed(self, fn: cst.FunctionDef, params: set[str]) -> dict[str, frozenset]:
        """The parameters of ``fn`` (of ``params``) it passes as a mail's recipients (``sources.recipients``:
        ``EmailMessage(subject, body, sender, [to])``, ``send_mail(..., recipient_list=to)``) and
        never binds to anything but what it made of them (``to = [to]``, ``to = [a for a in to if
        a]``; not ``to = settings.ADMINS``, a loop or a ``with``): they hold people's addresses
        wherever else it uses them; so does a parameter a loop takes each recipient from
        (``for to in to_list: send_mail(..., [to])``).  Nested functions and classes are not read.
        (The walk is depth-first from the end: a loop is met before the calls in its body.)"""
        if not self._mails or not params:
            return {}
        out: dict[str, frozenset] = {}
        bound: set[str] = set()
        each: dict[str, str] = {}  # a loop's name -> the name it loops over
        stack: list[cst.CSTNode] = [fn.body]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
                continue
            if kind in (cst.Assign, cst.AnnAssign):  # (bound to what it does not read: something else)
                read = set(_all_names(node.value)) if node.value else None
                for target in (t.target for t in node.targets) if kind is cst.Assign else (node.target,):
                    bound.update(n.value for n in _names_in(target) if type(n) is cst.Name and read is not None
                                 and n.value not in read)
            elif kind in (cst.For, cst.AsName, cst.NamedExpr, cst.CompFor):
                target = getattr(node, "target", None) or getattr(node, "name", None)
                if target is not None and kind is not cst.CompFor:  # (a comprehension's own names are its own)
                    bound.update(n.value for n in _names_in(target) if type(n) is cst.Name)
                if kind is cst.For and type(node.target) is cst.Name and type(node.iter) is cst.Name:
                    each[node.target.value] = node.iter.value  # `for to in to_list`: one of to_list
            elif kind is cst.Call:  # (by what it resolves to: `EmailMessage as Mail` too)
                for callee in self.resolver.qnames(node.func):
                    spec = self.recipient_calls.get(callee)
                    if spec is None:
                        continue
                    positions, keywords = spec
                    for i, arg in enumerate(node.args):
                        if arg.keyword is not None and arg.keyword.value in keywords or (
                                arg.keyword is None and not arg.star and i in positions):
                            for name in _recipient_names(arg.value):
                                name = each.get(name, name)  # (the list a loop takes one recipient from)
                                if name in params:
                                    out[name] = frozenset({Match(self.recipient_category, f"{name}: the recipients "
                                                                 f"of {callee.rpartition('.')[2]}()")})
                    break
            stack.extend(children(node))
        return {name: found for name, found in out.items() if name not in bound}

    # ---- containers ---------------------------------------------------------------------------------
    def read_with_keys(self, text: str) -> None:
        """Note the names the module's ``text`` subscripts or reads an attribute of (``data[``,
        ``data.get(``, ``(data)[``): only those can have keys read from them (:meth:`keys_read`), so
        the walk of a function for its keys is skipped for every other name (a superset: comments
        and strings count, and ``x.anything``).  A text that is not ASCII is not read: every name
        may then have keys read.  Whether the text spells a call whose recipients are people's
        (:meth:`addressed`, read in no function otherwise) is noted too."""
        self._key_text = text if text.isascii() else None  # (read on the first name asked for)
        # (and a function's recipients are looked for only where the module spells such a call)
        self._mails = any(tail in text for tail in self._recipient_tails)

    def enter(self, body: cst.CSTNode | None) -> None:
        """Start walking a function body (or the module): the keys read from its names are
        evidence of what those names hold."""
        self._body, self._keys = body, None

    def keys_read(self, name: str) -> frozenset:
        """What a dict-like name holds, by the keys the current function reads from it: a name
        from which ``data["email"]`` or ``data.get("given_name")`` is read holds an e-mail address
        and a first name, so logging or sending ``data`` whole leaks them (an OAuth ``userinfo``, a
        decoded token, an LDAP entry)."""
        if self._body is None:
            return EMPTY
        if self._key_owners is None and self._key_text is not None:
            self._key_owners = frozenset(_KEY_OWNER.findall(self._key_text))
            self._key_text = None
        if self._key_owners is not None and name not in self._key_owners:
            return EMPTY
        if self._keys is None:
            self._keys = {}
            stack: list[cst.CSTNode] = [self._body]
            while stack:  # (`type(x) is`: libcst's classes are ABCs, whose isinstance is slow)
                cur = stack.pop()
                kind = type(cur)
                owner, key = None, None
                if kind is cst.Subscript and type(cur.value) is cst.Name:
                    owner, key = cur.value.value, _subscript_key(cur)
                elif (kind is cst.Call and type(cur.func) is cst.Attribute
                      and type(cur.func.value) is cst.Name and cur.func.attr.value in ("get", "pop", "getlist")
                      and cur.args):
                    owner, key = cur.func.value.value, string_value(cur.args[0].value)
                if owner and key:
                    found = frozenset(Match(m.category, f"{m.reason}, a key read from {owner}")
                                      for m in self.classifier.classify(key, owner, self._constant_keys(owner, key)))
                    if found:
                        self._keys[owner] = self._keys.get(owner, EMPTY) | found
                if kind in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and cur is not self._body:
                    continue
                stack.extend(children(cur))
        return self._keys.get(name, EMPTY)

    # ---- processors -------------------------------------------------------------------------------
    def forget_own_sdk(self, module: str) -> None:
        """Drop the SDK roots that contain ``module`` itself: the source of an SDK or integration
        (allauth's Facebook provider, a vendor's own package) does not hand data to that vendor, it
        is that vendor's code; its users are the ones the rules are for."""
        if module:
            self.sdk_roots = {root: proc for root, proc in self.sdk_roots.items()
                              if module != root and not module.startswith(root + ".")}

    def processor_of(self, names: tuple[str, ...]) -> str | None:
        """The catalogue processor whose SDK a qualified name belongs to (the longest matching root)."""
        roots = self.sdk_roots
        for name in names:
            if name in roots:
                return roots[name]
            prefix = name
            while "." in prefix:
                prefix = prefix.rpartition(".")[0]
                if prefix in roots:
                    return roots[prefix]
        return None

    # ---- names -----------------------------------------------------------------------------------
    def forget_fixed_keys(self, name: str, env: Env) -> None:
        """A dict written with string keys may be given others (``d[email] = 1``, ``d.update(...)``,
        ``d |= ...``): its keys may be data from then on."""
        if env.lookup("kinds", name) == FIXED_KEYS:
            env.kinds[name] = None

    def place(self, module: str, package: str) -> None:
        """The module the flow reads and its package (for the names its relative imports give)."""
        self.module, self.package = module, package

    def _qualified(self, names) -> list[str]:
        """A call's qualified names as the survey names the project's functions: a relative
        import's against the module's package (``.helpers.f`` -> ``pkg.helpers.f``), the
        module's own function by the module (``f`` -> ``pkg.mod.f``)."""
        out = []
        for name in names:
            if name.startswith("."):
                level = len(name) - len(name.lstrip("."))
                parts = self.package.split(".") if self.package else []
                parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
                name = ".".join(p for p in (*parts, name.lstrip(".")) if p)
            elif "." not in name and self.module:
                out.append(f"{self.module}.{name}")
            out.append(name)
        return out

    # ---- kinds ------------------------------------------------------------------------------------
    def kind_of(self, node: cst.BaseExpression, env: Env) -> str | None:
        """The kind of object an expression evaluates to (``logger``, ``redis``, ``proc:twilio``...)."""
        if isinstance(node, cst.Await):
            return self.kind_of(node.expression, env)
        if isinstance(node, cst.Name):
            kind = env.lookup("kinds", node.value)
            if kind:
                return kind
            names = self.resolver.qnames(node)
            return self._kind_from_names(names, node.value, self.resolver.imported(node))
        if isinstance(node, cst.Attribute):
            base = node.value
            if isinstance(base, cst.Name) and base.value == "self" and self.current_class:
                kind = None if self._given(node) else self.class_kinds.get(self.current_class, {}).get(node.attr.value)
                if kind:
                    return kind
            if node.attr.value in self.file_attributes and isinstance(base, cst.Name):
                return "file"  # args.out of `add_argument("--out", type=argparse.FileType("w"))`
            base_kind = self.kind_of(base, env)
            if base_kind and base_kind.startswith("proc:"):
                return base_kind
            names = self.resolver.qnames(node)
            return self._kind_from_names(names, node.attr.value if base_kind is None else "",
                                         self.resolver.imported(node))
        if isinstance(node, cst.Call):
            func = node.func
            names = self.resolver.qnames(func)
            for name in names:
                if name in self.factories:
                    kind = self.factories[name]
                    if kind in ("csv_writer",) and node.args and (
                            self.kind_of(node.args[0].value, env) == "memory" or self._given(node.args[0].value, env)):
                        return "memory"  # rows into a buffer, or into what the caller handed in
                    if kind == "memory" or name.startswith("zipfile."):
                        return "memory"
                    return kind
            proc = self.processor_of(names) if self.resolver.imported(func) else None  # (an SDK by its import)
            if proc:
                return f"proc:{proc}"
            maker = self.facts.factory_of(self._qualified(names)) if getattr(self.facts, "factories", None) else None
            if maker is not None:  # a function of the project that hands back what a factory makes
                kind = self.factories.get(maker)
                proc = None if kind else self.processor_of((maker,))
                if kind or proc:
                    return kind or f"proc:{proc}"
            if isinstance(func, cst.Attribute):
                base_kind = self.kind_of(func.value, env)
                if base_kind and (func.attr.value in self.binders.get(base_kind, ()) or base_kind.startswith("proc:")):
                    return base_kind
                if func.attr.value == "open" and base_kind != "memory":
                    return "file"
            return None
        if isinstance(node, cst.Subscript):
            return self.kind_of(node.value, env)
        if isinstance(node, cst.IfExp):  # `sys.stderr if debug else sys.stdout`: the kind both have
            kind = self.kind_of(node.body, env)
            return kind if kind is not None and kind == self.kind_of(node.orelse, env) else None
        if isinstance(node, cst.Dict) and node.elements and all(
                isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString) for el in node.elements):
            return FIXED_KEYS  # `{"username": u, "ip": ip}`: its keys are names, not data
        return None

    # ---- files a command line opens -------------------------------------------------------------------
    def file_parameter(self, call: cst.Call) -> str | None:
        """The name of the parameter (click) or attribute (argparse) that ``call`` declares as a file
        opened for writing (``sinks.yaml`` ``storage.file_parameters``), else ``None``: click's
        name for ``@click.option("--out-file", type=click.File("w"))`` is ``out_file``."""
        spec = self.policy.sinks["storage"].get("file_parameters") or {}
        kind = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "type"), None)
        if not isinstance(kind, cst.Call) or not any(n in spec.get("types", ()) for n in self.resolver.qnames(kind.func)):
            return None
        mode = next((a.value for a in kind.args if a.keyword is None or a.keyword.value == "mode"), None)
        if not any(ch in (string_value(mode) or "r") for ch in "wax"):
            return None  # read: no file written
        names = [v for a in call.args if a.keyword is None and (v := string_value(a.value))]
        dest = next((string_value(a.value) for a in call.args if a.keyword is not None and a.keyword.value == "dest"),
                    None)
        plain = [n for n in names if not n.startswith("-")]
        longest = max((n for n in names if n.startswith("--")), key=len, default=None) or next(iter(names), "")
        name = dest or (plain[0] if plain else longest.lstrip("-"))
        return name.replace("-", "_") if name.replace("-", "_").isidentifier() else None

    def note_file_arguments(self, module: cst.Module) -> None:
        """Record the attributes argparse will set to files opened for writing (``args.out``)."""
        from gdpr_lint.engine.tree import children

        methods = set((self.policy.sinks["storage"].get("file_parameters") or {}).get("argument_methods", ()))
        stack: list[cst.CSTNode] = [module]
        while stack:
            node = stack.pop()
            stack.extend(children(node))
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in methods:
                name = self.file_parameter(node)
                if name:
                    self.file_attributes.add(name)

    def _encrypted_object(self, kind: str, call: cst.Call) -> bool:
        """Whether ``call`` makes an object-storage object with server-side encryption set on it
        (a keyword of the kind's ``encryption_keywords``, sinks.yaml)."""
        spec = self.policy.sinks["storage"]["objects"].get(kind) or {}
        keywords = set(spec.get("encryption_keywords") or ())
        return bool(keywords) and any(a.keyword is not None and a.keyword.value in keywords for a in call.args)

    def _given(self, node: cst.BaseExpression, env: Env | None = None) -> bool:
        """Whether ``node`` is an object the caller hands in, of no kind the function knows: a
        parameter (``def write_rows(out, rows)``), or ``self.attr`` that a method sets from one."""
        if isinstance(node, cst.Name):
            return env is not None and node.value in self.current_params and not env.lookup("kinds", node.value)
        return (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"
                and node.attr.value in self.class_given.get(self.current_class or "", ()))

    def _kind_from_names(self, names: tuple[str, ...], simple: str, imported: bool = True) -> str | None:
        """The kind of the object a name or attribute (``names``: its qualified names; ``simple``:
        its own last name) stands for; a processor's SDK only where an import binds it
        (``imported``: a local ``pusher`` or ``analytics`` is no SDK)."""
        for name in names:
            if name in self.factories and self.factories[name] in ("logger", "cache", "stream"):
                return self.factories[name]
        proc = self.processor_of(names) if imported else None
        if proc:
            return f"proc:{proc}"
        maker = self.facts.maker_of(self._qualified(names)) if getattr(self.facts, "objects", None) else None
        if maker is not None:  # an object another module of the project makes (`redis_store = FlaskRedis()`)
            kind = self.factories.get(maker)  # (a factory first, as for a call: kind_of)
            if kind is None:
                proc = self.processor_of((maker,))
                kind = f"proc:{proc}" if proc else None
            if kind:
                return kind
        if simple in self.kind_names:
            return self.kind_names[simple]
        return None

    def annotation_kind(self, annotation: cst.BaseExpression | None) -> str | None:
        """The kind of a parameter from its annotation (``client: httpx.Client`` -> ``http``)."""
        if annotation is None:
            return None
        for node in _walk_names(annotation):
            for name in self.resolver.qnames(node):
                if name in self.factories:
                    return self.factories[name]
                if name in self.typed_kinds:
                    return self.typed_kinds[name]
        return None

    def base_url(self, receiver: cst.BaseExpression, env: Env) -> str | None:
        """The ``base_url`` an HTTP client was built with (``httpx.Client(base_url=...)``), if known."""
        if isinstance(receiver, cst.Name):
            return env.lookup("strings", f"{receiver.value}.base_url")
        if (isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name)
                and receiver.value.value == "self" and self.current_class):
            return self.class_strings.get(self.current_class, {}).get(receiver.attr.value)
        return None

    def _client_base_url(self, value: cst.BaseExpression | None, env: Env) -> str | None:
        if isinstance(value, cst.Call):
            for arg in value.args:
                if arg.keyword is not None and arg.keyword.value in ("base_url", "base_uri", "host"):
                    return self.string_of(arg.value, env)
        return None

    # ---- strings ----------------------------------------------------------------------------------
    def string_of(self, node: cst.BaseExpression, env: Env) -> str | None:
        """Best-effort string value (literals, f-strings, ``+``, module constants); unknown parts are ``{}``."""
        value = string_value(node)
        if value is not None:
            return value
        if isinstance(node, cst.Name):
            return env.lookup("strings", node.value)
        if isinstance(node, cst.FormattedString):
            out = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    out.append(part.value)
                else:
                    inner = self.string_of(part.expression, env)
                    out.append(inner if inner is not None else "{}")
            return "".join(out)
        if isinstance(node, cst.ConcatenatedString) or (
                isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)):
            # each piece read as above; the first must be known, the others may not be
            texts = [self.string_of(piece, env) for piece in joined(node, plus=True)]
            if texts[0] is None:
                return None
            return "".join(t if t is not None else "{}" for t in texts)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
            return self.string_of(node.func.value, env)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
            return self.string_of(node.left, env)  # URL % {"email": email}: the template's host stands
        if isinstance(node, cst.Call) and last_name(node.func) in ("urljoin", "urlunsplit", "urlunparse") and node.args:
            return self.string_of(node.args[0].value, env)  # urljoin(BASE, path): BASE's host
        return None

    def class_of(self, value: cst.BaseExpression | None) -> str | None:
        """The class a value is an instance of, when it says so: ``Queue()``, an annotation
        ``Queue``, an element of ``Queue.objects.filter(...)`` (a query through one of the
        frameworks' managers or query properties)."""
        node = value
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            node = node.func.value  # Queue.objects.filter(...).order_by(...)
        if isinstance(node, cst.Call):
            node = node.func
        if isinstance(node, cst.Attribute) and node.attr.value in self.queried_through:
            node = node.value
        name = last_name(node) if isinstance(node, (cst.Name, cst.Attribute)) else ""
        return name if name[:1].isupper() and not name.isupper() else None

    def annotated_object(self, annotation: cst.BaseExpression | None) -> tuple[str | None, frozenset]:
        """``(the class a parameter's annotation says its value is an instance of, what such a value
        prints as)``: ``Customer``, ``models.Customer``, ``Optional[Customer]``, ``Union[Customer,
        None]``, ``Customer | None``, ``"Customer"`` and ``"Customer | None"`` (a name written before
        its class). What it prints as is the project's
        class's own text where the annotation names one (not another class of that name), else
        what a value named after the class prints as. A container of them (``list[Customer]``)
        is not one: ``(None, EMPTY)``."""
        node = annotation
        while True:
            if isinstance(node, cst.Subscript) and last_name(node.value) in ("Optional", "Union") and all(
                    isinstance(s.slice, cst.Index) for s in node.slice):
                sides = [s.slice.value for s in node.slice if not (isinstance(s.slice.value, cst.Name)
                                                                    and s.slice.value.value == "None")]
                if len(sides) != 1:
                    return None, EMPTY
                node = sides[0]
            elif isinstance(node, cst.SimpleString) and "|" in (string_value(node) or ""):
                sides = [p.strip() for p in (string_value(node) or "").split("|") if p.strip() != "None"]
                if len(sides) != 1:
                    return None, EMPTY
                node = cst.SimpleString(repr(sides[0]))  # (`"Customer | None"`)
            elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
                sides = [side for side in (node.left, node.right)
                         if not (isinstance(side, cst.Name) and side.value == "None")]
                if len(sides) != 1:
                    return None, EMPTY
                node = sides[0]
            else:
                break
        if isinstance(node, cst.SimpleString):
            text = string_value(node) or ""
            names = self._qualified(qualified(text, getattr(self.resolver, "aliases", {}))) if (
                _DOTTED_NAME.fullmatch(text)) else []
        elif isinstance(node, (cst.Name, cst.Attribute)):
            text = dotted(node)
            names = self._qualified(self.resolver.qnames(node)) if text else []
        else:
            return None, EMPTY
        cls = text.rpartition(".")[2]
        if not names or not cls[:1].isupper() or cls.isupper():
            return None, EMPTY
        if hasattr(self.facts, "declares_class"):
            for qual in names:
                if self.facts.declares_class(qual):
                    return cls, self.facts.text_of_class(qual)
        return cls, self.object_text(cls)

    def record_class(self, value: cst.BaseExpression) -> str | None:
        """The class whose objects a value holds (:meth:`class_of`), unless a query method on
        the way gives something else (``frameworks.yaml`` ``query_values``:
        ``Member.objects.values_list("id")``, ``.dates(...)``, ``.count()``: ids, dates, a number)."""
        node = value
        values = self.policy.frameworks.query_values
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value in values:
                return None
            node = node.func.value
        return self.class_of(value)

    def bind_element(self, name: str, iterable: cst.BaseExpression, env: Env) -> None:
        """What the name a loop binds prints as: an element of the records of a class
        (``for m in Member.query.filter_by(...)``) prints as that class's ``__str__`` says, as a
        record read into a name does (:meth:`bind_target`); a slice of one too
        (``Member.objects.all()[:10]``)."""
        while type(iterable) is cst.Subscript and len(iterable.slice) == 1 and type(iterable.slice[0].slice) is cst.Slice:
            iterable = iterable.value
        cls = self.record_class(iterable) if isinstance(iterable, cst.Call) else None
        if cls and not env.taint.get(name) and self._opaque(iterable):
            env.objects[name] = self.object_text(cls)

    def origin_of(self, node: cst.BaseExpression | None, env: Env) -> str:
        """Where a value we cannot read comes from, when that is the configuration: a destination
        configured in ``settings.WEBHOOK_URLS`` or ``os.environ["HOOK"]`` is still a third party."""
        if node is None:
            return ""
        if isinstance(node, cst.Name):
            return env.lookup("origins", node.value) or ""
        if isinstance(node, cst.Call):
            return self.origin_of(node.func, env) if isinstance(node.func, cst.Attribute) and node.func.attr.value in (
                "get", "getenv") or last_name(node.func) in ("getenv",) or isinstance(node.func, cst.Attribute) and (
                node.func.attr.value.isupper()) else ""
        if isinstance(node, cst.Subscript):
            return self.origin_of(node.value, env)
        text = dotted(node)
        head = text.split(".")[0].lower()
        if head in self.policy.settings_owners or text.startswith(("os.environ", "settings.", "app.config")):
            return text
        if isinstance(node, cst.Attribute) and node.attr.value.isupper() and head in ("self", "cls"):
            return text
        return ""

    def from_settings(self, node: cst.BaseExpression) -> bool:
        """Whether a value is read from the configuration: ``config.get("ldap", "reader_dn")``,
        ``self.configuration.getboolean(...)``, ``settings.LDAP_BIND_DN``, ``os.environ["X"]``
        (vocabulary.yaml ``settings_owners``)."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            node = node.func.value
        elif isinstance(node, cst.Call):
            return last_name(node.func) == "getenv"
        elif isinstance(node, (cst.Subscript, cst.Attribute)):
            node = node.value
        else:
            return False
        parts = dotted(node).split(".")
        if parts[0] in ("self", "cls"):
            parts = parts[1:]
        return bool(parts) and parts[0].lower() in self.policy.settings_owners or (
            parts[:2] == ["os", "environ"])

    # ---- taint ------------------------------------------------------------------------------------
    def owner_name(self, node: cst.BaseExpression) -> str | None:
        """The name that gives context to an attribute or key: ``customer`` in ``customer.name``."""
        if isinstance(node, cst.Name):
            if node.value == "self" and self.current_class:
                return self.current_class
            return node.value
        if isinstance(node, cst.Attribute):
            return node.attr.value
        if isinstance(node, cst.Subscript):
            key = _subscript_key(node)
            return key if key else self.owner_name(node.value)
        if isinstance(node, cst.Call):
            return last_name(node.func)
        return None

    def taint(self, node: cst.BaseExpression | None, env: Env, depth: int = 0) -> frozenset:
        """The personal-data categories an expression's value carries (empty when none)."""
        if node is None or depth > 200:
            return EMPTY
        t = self.taint
        d = depth + 1
        kind = type(node)  # (`kind is`: libcst's classes are ABCs, whose isinstance is slow; these are final)
        if kind is cst.Name:
            name = node.value
            found = env.lookup("taint", name)
            if found is not None:
                out = found | (env.lookup("objects", name) or EMPTY)
                return out | self.keys_read(name) if self.in_sink and self._body is not None else out
            if name in ("True", "False", "None"):
                return EMPTY
            if name == "self" and self.current_class:
                return self.object_text(self.current_class)
            return (frozenset(self.classifier.classify(name)) | (self.keys_read(name) if self.in_sink else EMPTY)
                    or self.source_of(node) or self.object_text(name))
        if kind is cst.Attribute:
            attr = node.attr.value
            if attr in self.safe_attributes:
                return EMPTY
            base = node.value
            if isinstance(base, cst.Name) and base.value == "self" and self.current_class:
                stored = self.class_taint.get(self.current_class, {}).get(attr)
                if stored:
                    return stored
                if attr in self.class_settings.get(self.current_class, ()) and attr not in self.class_set_otherwise.get(
                        self.current_class, ()):
                    return EMPTY  # a setting the operator configured (a service account's DN), no one's data
            if attr in self.content_attributes:  # serializer.data: what the serializer holds
                inner = t(base, env, d)
                if inner:
                    return inner
            # an attribute named after the user model holds a user (`order.user`); other classes'
            # names are too often properties of another type (`ticket.merged_to.ticket`)
            owner = self.owner_name(base)
            typed = env.lookup("typed", base.value) if isinstance(base, cst.Name) else None
            return (frozenset(self.classifier.classify(attr, typed or owner, False, self.evidence_of(typed or owner)))
                    or self.source_of(node) or (self.texts.get(("user",), EMPTY) if attr == "user" else EMPTY)
                    or (self._typed_field(node, typed or owner, env) if self.has_typed_fields else EMPTY))
        if kind is cst.Subscript:
            key = _subscript_key(node)
            if key is not None:
                owner = self.owner_name(node.value)
                return frozenset(self.classifier.classify(key, owner, self._constant_keys(owner, key)))
            if self.source_of(node.value) and not (len(node.slice) == 1 and type(node.slice[0].slice) is cst.Slice):
                return EMPTY  # one value of a request under a key we cannot read: not the whole of it
            return t(node.value, env, d)  # (a slice of it, `request.body[:200]`, is part of the whole)
        if kind is cst.Call:
            return self._call_taint(node, env, d)
        if kind is cst.FormattedString:
            out = EMPTY
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    out |= t(part.expression, env, d)
            return out
        if kind is cst.ConcatenatedString:  # f"a {phone}" f" b": implicitly joined literals (thousands in
            # a row would pass the depth bound if read by recursion)
            out = EMPTY
            for piece in joined(node):
                out |= t(piece, env, d)
            return out
        if kind is cst.BinaryOperation:
            out = EMPTY
            stack: list[cst.BaseExpression] = [node]
            while stack:  # long `a + b + c + ...` chains without deep recursion
                cur = stack.pop()
                if isinstance(cur, cst.BinaryOperation):
                    stack += [cur.left, cur.right]
                else:
                    out |= t(cur, env, d)
            return out
        if kind is cst.BooleanOperation:
            return t(node.left, env, d) | t(node.right, env, d)
        if kind is cst.IfExp:
            return t(node.body, env, d) | t(node.orelse, env, d)
        if kind in (cst.List, cst.Tuple, cst.Set):
            out = EMPTY
            for el in node.elements:
                out |= t(el.value, env, d)
            return out
        if kind is cst.Dict:
            out = EMPTY
            for el in node.elements:
                out |= t(el.value, env, d)
            return out
        if kind in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            inner = env.child()
            comp: cst.CompFor | None = node.for_in
            while comp is not None:
                self.bind_target(comp.target, self.taint(comp.iter, inner, d), inner, None)
                if type(comp.target) is cst.Name:  # `[m for m in Member.query.all()]`
                    self.bind_element(comp.target.value, comp.iter, inner)
                comp = comp.inner_for_in
            if isinstance(node, cst.DictComp):
                return t(node.key, inner, d) | t(node.value, inner, d)
            return t(node.elt, inner, d)
        if kind in (cst.Await, cst.Yield):
            inner_node = node.expression if isinstance(node, cst.Await) else node.value
            return t(inner_node, env, d) if isinstance(inner_node, cst.BaseExpression) else EMPTY
        if kind is cst.NamedExpr:
            value = t(node.value, env, d)
            self.bind_target(node.target, value, env, node.value)
            return value
        if kind is cst.StarredElement:
            return t(node.value, env, d)
        if kind is cst.Lambda:  # loguru's lazy `lambda: user.email` carries its body
            return t(node.body, env, d)
        if kind is cst.UnaryOperation:
            return EMPTY if isinstance(node.operator, cst.Not) else t(node.expression, env, d)
        return EMPTY

    def _typed_field(self, node: cst.Attribute, owner: str | None, env: Env) -> frozenset:
        """What ``owner.attr`` holds as a field a record named after the owner (or the class the
        flow knows the owner is) declares with a personal-data type (``device.number``:
        ``PhoneDevice.number = PhoneNumberField()``), or as an attribute of such a field's value,
        which shows the same data (``device.number.as_e164``)."""
        found = self.facts.typed_field(owner, node.attr.value)
        if found or type(node.value) is not cst.Attribute:
            return found
        base = node.value
        typed = env.lookup("typed", base.value.value) if type(base.value) is cst.Name else None
        return self.facts.typed_field(typed or self.owner_name(base.value), base.attr.value)

    def is_sanitizer(self, func: cst.BaseExpression) -> bool:
        """Whether calling ``func`` makes a value safe (hash, mask, redact, encrypt, len ...)."""
        names = self.resolver.qnames(func)
        if any(n in self.sanitizer_functions for n in names):
            return True
        name = last_name(func)
        words = [w for w in split_words(name) if w in self.sanitizer_words]
        if not words:
            return False
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
            name = f"{self.current_class}.{name}"
        elif not isinstance(func, cst.Name):
            name = ""  # a function of another object or module: its name says it all, unless the project's
        if self.predicate_words.issuperset(words):
            # a test by its name (`check_email`): the project's own function is what its body hands
            # back: of its arguments as the survey reads it (survey.returns), or personal data of
            # its own (`return form.cleaned_data["phone"].strip()`, the module's summary)
            local = self.summaries.get(name) if name else None
            if local is not None and local.returns:
                return False
            summary = self._returning(names)
            if summary is not None and summary.returns_params:
                return False
        return not name or not self._returns_its_input(name)

    def _returning(self, names) -> Summary | None:
        """What a function of another module of the project hands back of its arguments, for one
        of its qualified ``names`` (survey.returns), as a summary."""
        found = self.facts.returning(self._qualified(names)) if getattr(self.facts, "returns", None) else None
        return None if found is None else Summary(params=found[0], returns_params=frozenset(found[1]))

    def _returns_its_input(self, name: str) -> bool:
        """Whether the module's own function ``name`` ends by returning one of its parameters as it
        came in (``def truncate_ip(ip): ...; return ip``): whatever its name says, on its main path
        the value passes through unchanged, so it sanitises nothing.  (An early ``return value``
        for an empty value, as maskers write, does not count.)"""
        if name not in self._identity:
            fn = self.local_functions.get(name)
            self._identity[name] = fn is not None and _ends_returning_a_parameter(fn)
        return self._identity[name]

    def is_sanitized(self, value: cst.BaseExpression) -> bool:
        """Whether a value is the result of a sanitizer (hash, mask, encrypt ...)."""
        return isinstance(value, cst.Call) and (self.is_sanitizer(value.func) or (
            isinstance(value.func, cst.Attribute) and value.func.attr.value in ("hexdigest", "digest")))

    def _call_taint(self, node: cst.Call, env: Env, depth: int) -> frozenset:
        func = node.func
        if isinstance(func, cst.Name) and func.value == "getattr" and len(node.args) >= 2:
            name = string_value(node.args[1].value)  # getattr(customer, "email"): customer.email
            if name is not None and name.isidentifier():
                return self.taint(cst.Attribute(value=node.args[0].value, attr=cst.Name(name)), env, depth)
        names = self.resolver.qnames(func)
        method = func.attr.value if isinstance(func, cst.Attribute) else ""
        if any(n in self.hash_functions for n in names) or method in ("hexdigest", "digest"):
            inner = self._args_taint(node, env, depth)
            if method in ("hexdigest", "digest") and isinstance(func, cst.Attribute):
                inner |= self.taint(func.value, env, depth)
            return self._pseudonymise(inner)
        if self.is_sanitizer(func):
            return EMPTY
        if self.sign_in_calls and self.is_sign_in_call(node):
            return self.sign_in_match(f"what `{dotted(func) or method}(...)` hands back given a password")
        if method in self.source_calls or (isinstance(func, cst.Name) and func.value in self.source_calls):
            label = self.source_calls[method or func.value]
            return frozenset({Match("user", f"{method or func.value}(): {label}")})
        if method in self._dotted_source_tails:
            text = dotted(func)
            for pattern, label in self.dotted_source_calls.items():
                if text == pattern or text.endswith("." + pattern):
                    return frozenset({Match("user", f"{text}(): {label}")})
        if method in ("get", "pop", "getlist", "setdefault") and node.args:
            key = string_value(node.args[0].value)
            if key is not None:
                owner = self.owner_name(func.value)
                return frozenset(self.classifier.classify(key, owner, self._constant_keys(owner, key)))
            if self.source_of(func.value):
                return EMPTY  # request.GET.get(FIELD_VAR): one value under a key we cannot read
        if any(n in self.propagator_functions for n in names):
            return self._args_taint(node, env, depth)
        if ("map" in names or "filter" in names) and len(node.args) >= 2 and not node.args[0].star:
            # `map(str, emails)`: what the iterables carry, unless each item is made safe
            # (`map(mask_email, emails)`); `filter(pred, emails)`: the items kept
            first = node.args[0].value
            out = EMPTY
            for arg in node.args[1:]:
                out |= self.taint(arg.value, env, depth)
            if "map" not in names or not out:
                return out
            if isinstance(first, cst.Lambda):  # `map(lambda e: e.lower(), emails)`: its body, on each item
                params = first.params.params
                if not params:
                    return EMPTY
                inner = env.child()
                self.bind_target(params[0].name, out, inner, None)
                return self.taint(first.body, inner, depth)
            if self.is_sanitizer(first) or any(n in self.hash_functions for n in self.resolver.qnames(first)):
                return EMPTY
            return out
        if method in self.field_list_methods:  # .values_list("email"), .only("email", "phone")
            out = self.taint(func.value, env, depth)
            for arg in node.args:
                key = string_value(arg.value)
                if key is not None:
                    out |= frozenset(self.classifier.classify(key, self.owner_name(func.value)))
            return out
        if isinstance(func, cst.Attribute):
            spread = method == "format_map" or any(a.star == "**" for a in node.args)
            if method in ("format", "format_map") and spread:
                template = string_value(func.value)  # "{runner_name} in {chip_time}".format(**row)
                if template:
                    extra = EMPTY
                    try:
                        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
                    except ValueError:
                        fields = []
                    for name in fields:
                        extra |= frozenset(self.classifier.classify(name.split(".")[0].split("[")[0]))
                    return extra | self._args_taint(node, env, depth)
            if method == "keys" and not node.args and self.kind_of(func.value, env) == FIXED_KEYS:
                return EMPTY  # the names of the fields of a dict written in the code
            if method in ("update", "setdefault", "__setitem__") and isinstance(func.value, cst.Name):
                self.forget_fixed_keys(func.value.value, env)
            if method in self.propagator_methods:
                return self.taint(func.value, env, depth) | self._args_taint(node, env, depth)
            if isinstance(func.value, cst.Name) and func.value.value == "self" and self.current_class:
                summary = self.summaries.get(f"{self.current_class}.{method}")
                if summary:
                    return self._apply(summary, node, env, depth, skip_self=True)
            words = split_words(method)
            if len(words) > 1 and words[0] in ("get", "fetch", "load", "read", "lookup", "find"):
                return frozenset(self.classifier.classify("_".join(words[1:]), self.owner_name(func.value)))
        summary = self.summaries.get(func.value) if isinstance(func, cst.Name) else None
        if summary:
            return self._apply(summary, node, env, depth)
        summary = self._returning(names)  # a helper of another module that hands back its argument
        if summary is not None:
            return self._apply(summary, node, env, depth)
        if isinstance(func, cst.Name):
            if func.value[:1].isupper():  # a constructor carries what it is built from
                return self._args_taint(node, env, depth) | self.carried.get(split_words(func.value), EMPTY)
        elif isinstance(func, cst.Attribute) and method[:1].isupper():
            return self._args_taint(node, env, depth) | self.carried.get(split_words(method), EMPTY)
        return EMPTY

    def _pseudonymise(self, inner: frozenset) -> frozenset:
        real = [m for m in inner if not m.category.startswith(PARAM)]
        if not real:
            return frozenset(m for m in inner if m.category.startswith(PARAM))
        cats = ", ".join(sorted({m.category.rpartition(".")[2] for m in real}))
        return frozenset([Match(PSEUDONYMOUS, f"hash of {cats}")])

    def _args_taint(self, node: cst.Call, env: Env, depth: int) -> frozenset:
        out = EMPTY
        for arg in node.args:
            out |= self.taint(arg.value, env, depth)
        return out

    def _apply(self, summary: Summary, node: cst.Call, env: Env, depth: int, skip_self: bool = False) -> frozenset:
        out = summary.returns
        params = summary.params[1:] if skip_self else summary.params
        for i, arg in enumerate(node.args):
            if arg.keyword is not None:
                name = arg.keyword.value
                idx = params.index(name) if name in params else -1
            elif arg.star:
                idx = -2
            else:
                idx = i
            if idx == -2 or idx in summary.returns_params:
                out |= self.taint(arg.value, env, depth)
        return out

    def alias_of(self, node: cst.BaseExpression, env: Env) -> tuple[str, ...]:
        """The qualified names a name or attribute stands for: those its imports give
        (``handlers.HTTPHandler``), or those of the alias it is (``Cls``); ``()`` for a local value."""
        if isinstance(node, cst.Name):
            known = env.lookup("aliases", node.value)
            if known:
                return known
        names = self.resolver.qnames(node)
        return names if names and (names[0] != dotted(node) or isinstance(node, cst.Attribute)) else ()

    # ---- binding ----------------------------------------------------------------------------------
    def bind_target(self, target: cst.BaseExpression, value_taint: frozenset, env: Env,
                    value: cst.BaseExpression | None) -> None:
        """Record what an assignment target now holds (taint, kind, string value)."""
        if isinstance(target, cst.Name):
            name = target.value
            env.containers[name] = value is not None and self._container(value)
            if not value_taint and self._opaque(value):
                # a value we cannot see into keeps what its name says (`email = raw.decode()`)
                value_taint = frozenset(self.classifier.classify(name))
            env.taint[name] = value_taint
            # an object read from elsewhere prints as its class says (`user = get_user(...)`,
            # `c = Customer.objects.get(pk=1)`)
            cls = self.class_of(value) if isinstance(value, cst.Call) else None
            if cls:
                env.typed[name] = cls
            elif value is not None:  # (a loop's target keeps the class its loop gave it)
                env.typed.pop(name, None)
            record = self.record_class(value) if cls else None
            env.objects[name] = (self.object_text(record or name) if self._opaque(value) and not value_taint
                                 else EMPTY)
            kind = self.kind_of(value, env) if value is not None else None
            if kind and isinstance(value, cst.Call) and self._encrypted_object(kind, value):
                kind += "+encrypted"  # `bucket.blob(key, kms_key_name=...)`: no sink writes it in the clear
            if kind:
                env.kinds[name] = kind
                if kind == "http":
                    base = self._client_base_url(value, env)
                    if base:
                        env.strings[f"{name}.base_url"] = base
            else:
                env.kinds.pop(name, None)
            text = self.string_of(value, env) if value is not None else None
            if text is not None:
                env.strings[name] = text
            else:
                env.strings.pop(name, None)
            # another name for an imported class or function (`Cls = handlers.HTTPHandler`)
            alias = self.alias_of(value, env) if isinstance(value, (cst.Name, cst.Attribute)) else None
            if alias:
                env.aliases[name] = alias
            else:
                env.aliases.pop(name, None)
            origin = self.origin_of(value, env) if value is not None else env.lookup("origins", f"@iter:{name}")
            if origin:
                env.origins[name] = origin
            else:
                env.origins.pop(name, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            values = value.elements if isinstance(value, (cst.Tuple, cst.List)) else None
            for i, el in enumerate(target.elements):
                if values is not None and len(values) == len(target.elements):
                    sub = values[i].value
                    self.bind_target(el.value, self.taint(sub, env), env, sub)
                else:
                    # destructuring something we cannot split: each name says what it holds
                    # (`conn, first, last = open_x()`, `for account_id, email in rows`)
                    self.bind_target(el.value, EMPTY, env, None)
                    if isinstance(el.value, cst.Name):
                        name = el.value.value
                        own = frozenset(self.classifier.classify(name))
                        # a short, nameless element (`for _, e, _ in rows`) keeps what the rows hold
                        env.taint[name] = own or (value_taint if len(name) <= 2 and name != "_" else EMPTY)
            # a name bound with a password (`login, password = credentials`), or from a sign-in
            # call (`user, info = auth.login(login, password)`), is the name a person signs in with
            names = [el.value.value for el in target.elements if isinstance(el.value, cst.Name)]
            partners = self.signing_in(names) or (frozenset(n for n in names if n.lower() in self.sign_in_names) if (
                self.sign_in_names and any(isinstance(v, cst.Call) and self.is_sign_in_call(v)
                                           for v in _alternatives(value))) else frozenset())
            for name in partners:
                env.taint[name] = env.taint.get(name, EMPTY) | self.sign_in_match("bound beside a password")
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, value_taint, env, None)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
            if self.current_class:
                if value is not None:
                    table = self.class_settings if self.from_settings(value) else self.class_set_otherwise
                    table.setdefault(self.current_class, set()).add(target.attr.value)
                    kind = self.kind_of(value, env)
                    if kind and kind != FIXED_KEYS:  # (another method may give it other keys)
                        self.class_kinds.setdefault(self.current_class, {})[target.attr.value] = kind
                    elif isinstance(value, cst.Name) and value.value not in ("None", "True", "False"):
                        # `self.f = open_file`: what the caller hands in (an HttpResponse, a buffer) may be
                        # no file at all, so the attribute's kind is unknown, whatever another method opens
                        self.class_given.setdefault(self.current_class, set()).add(target.attr.value)
                    base = self._client_base_url(value, env) if kind == "http" else (
                        env.lookup("strings", f"{value.value}.base_url") if isinstance(value, cst.Name) else None)
                    if base:
                        self.class_strings.setdefault(self.current_class, {})[target.attr.value] = base
                if value_taint:
                    self.class_taint.setdefault(self.current_class, {})[target.attr.value] = value_taint
        elif isinstance(target, cst.Subscript):
            base = target.value
            while isinstance(base, cst.Subscript):  # result["per_kg"][key] = ...: the value lands in result
                base = base.value
            if isinstance(base, cst.Name) and _subscript_key(target) is None:
                self.forget_fixed_keys(base.value, env)  # a key the code computes
            if isinstance(base, cst.Name) and value_taint:
                name = base.value
                env.taint[name] = (env.lookup("taint", name) or EMPTY) | value_taint


    def _container(self, value: cst.BaseExpression) -> bool:
        """Whether a value is a new list, dict or set (a literal, a comprehension, ``dict(...)``):
        what its ``append`` or ``update`` is given, it holds (``propagators.fills``)."""
        if type(value) in _CONTAINERS:
            return True
        return isinstance(value, cst.Call) and not self.container_makers.isdisjoint(self.resolver.qnames(value.func))

    def _constant_keys(self, owner: str | None, key: str = "") -> bool:
        """ALL_CAPS keys are data (``request.META["REMOTE_ADDR"]``) except on settings and the
        environment (``os.environ["SUPPORT_EMAIL"]``); a request's variables are data on the
        environment too (vocabulary.yaml ``request_variable_prefixes``: a WSGI ``environ["REMOTE_ADDR"]``,
        a CGI script's ``os.environ["HTTP_USER_AGENT"]``)."""
        return not owner or owner.lower() not in self.policy.settings_owners or (
            key.startswith(self.policy.request_variable_prefixes) if key else False)

    def _opaque(self, value: cst.BaseExpression | None) -> bool:
        """Whether a value's content is unknown to the flow (a call, attribute or lookup we cannot follow)."""
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call):
            return not self.is_sanitizer(value.func) and not (
                isinstance(value.func, cst.Attribute) and value.func.attr.value in ("hexdigest", "digest"))
        if isinstance(value, cst.Attribute):
            return not value.attr.value.isupper()
        return isinstance(value, cst.Subscript)


def _alternatives(value: cst.BaseExpression | None) -> list[cst.BaseExpression]:
    """The values an expression may be: both sides of ``a or b`` and ``a and b``, both branches of
    ``a if c else b`` (``auth.login(name, password) or ("", "")``), else the expression itself."""
    out: list[cst.BaseExpression] = []
    todo = [value] if value is not None else []
    while todo:
        cur = todo.pop()
        if isinstance(cur, cst.BooleanOperation):
            todo += [cur.right, cur.left]
        elif isinstance(cur, cst.IfExp):
            todo += [cur.orelse, cur.body]
        else:
            out.append(cur)
    return out


def _subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return string_value(node.slice[0].slice.value)
    return None


def _walk_names(node: cst.CSTNode):
    """Name and Attribute nodes inside an expression (outermost attribute chains only)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, (cst.Name, cst.Attribute)):
            yield cur
            if isinstance(cur, cst.Attribute):
                continue
        stack.extend(children(cur))


__all__ = ["EMPTY", "PARAM", "PSEUDONYMOUS", "Env", "Flow", "Summary", "dotted"]


def _ends_returning_a_parameter(fn: cst.FunctionDef) -> bool:
    """Whether ``fn``'s last statement is ``return P`` for a parameter ``P`` it never assigns."""
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else ()
    if not body or not isinstance(body[-1], cst.SimpleStatementLine) or len(body[-1].body) != 1:
        return False
    last = body[-1].body[0]
    if not (isinstance(last, cst.Return) and isinstance(last.value, cst.Name)):
        return False
    name = last.value.value
    p = fn.params
    params = {q.name.value for q in (*p.posonly_params, *p.params, *p.kwonly_params)}
    if name not in params:
        return False
    stack: list[cst.CSTNode] = list(body)
    while stack:  # any assignment to it (`ip = mask(ip)`, `ip += ...`, `for ip in`, `with ... as ip`)
        node = stack.pop()
        target = None
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.AsName, cst.NamedExpr)):
            target = getattr(node, "target", None) or getattr(node, "name", None)
        if target is not None and any(isinstance(n, cst.Name) and n.value == name for n in _names_in(target)):
            return False
        stack.extend(children(node))
    return True


def _recipient_names(value: cst.BaseExpression):
    """The names a recipients argument passes: ``to``, ``[to]``, ``[to, *cc]``, ``(to,)``,
    ``[a for a in to]``, ``list(to)``."""
    if isinstance(value, cst.Name):
        yield value.value
    elif isinstance(value, (cst.List, cst.Tuple)):
        for el in value.elements:
            if isinstance(el.value, cst.Name):
                yield el.value.value
    elif isinstance(value, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
        comp: cst.CompFor | None = value.for_in
        while comp is not None:
            yield from _recipient_names(comp.iter)
            comp = comp.inner_for_in
    elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in (
            "list", "tuple", "sorted", "set") and len(value.args) == 1:
        yield from _recipient_names(value.args[0].value)


def _all_names(node: cst.CSTNode):
    """Every name an expression reads, the receivers of its attributes and calls too (``to`` of
    ``to.lower()``)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if type(cur) is cst.Name:
            yield cur.value
        elif type(cur) is cst.Attribute:
            stack.append(cur.value)  # (not the attribute's own name)
        else:
            stack.extend(children(cur))


def _names_in(target: cst.CSTNode):
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            yield node
        elif isinstance(node, (cst.Tuple, cst.List, cst.StarredElement, cst.Element)):
            stack.extend(children(node))
