"""Project facts: what every class of the scanned tree is, from the whole tree's evidence.

Built on every scan from the per-file class facts of the survey (:mod:`gdpr_lint.survey.classes`),
which are cached by content, so assembling them costs a few milliseconds.  For each class:

- its **schema kind**: the framework and whether it is a *store* (its instances are persisted:
  Django models, SQLAlchemy declarative classes, SQLModel with ``table=True``) or a *carrier*
  (Pydantic, dataclasses, marshmallow, DRF serializers, forms, TypedDict), followed through base
  classes defined anywhere in the tree;
- its **subject evidence**, the judgement ``JUDGEMENT.md`` asks for, with the reason:

  ``person``  a record about a person: its head noun is a data subject (``Customer``,
              ``UserProfile``), it extends a user model (the pack's ``person_bases``), or it holds
              personal fields of its own (an e-mail, a phone number, a street);
  ``linked``  a record that belongs to a person: it references a person record (``Post.poster``,
              ``Image.user``, ``UserDocument.member``) other than through an action such as
              ``created_by`` or a pointer to the latest actor such as ``last_poster``;
  ``thing``   a record about a thing that belongs to nobody: its head noun is a thing (``Queue``,
              ``PersonGroup``), or it holds a program's credentials (``Client`` with
              ``client_secret`` and ``redirect_uris`` is an API client, not a customer);
  ``org``     a record that records of people point at and that belongs to nobody (an ``Event``,
              a ``Gym``): its contact details are a role's (the organiser's mailbox), not a person's;
  ``""``      nothing known; the words of each field decide alone.

- the names of its **person references** (``poster``, ``hidden_by``): a field named after one
  (``poster_name``, ``hidden_by_slug``) is a copy of that person's name;
- its **lookup references**: a reference to a row that holds no personal data of its own, named
  with a personal-data word (``gender`` pointing at a ``Gender`` table), carries that datum.

The words these judgements use (subjects, things, program fields, action suffixes) come from the
policy pack; this module only combines the evidence.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from gdpr_lint.policy import name_words, split_words
from gdpr_lint.policy.frameworks import Frameworks


@dataclass(frozen=True)
class Evidence:
    """What the project says about one class (hashable: it is part of classification cache keys)."""

    kind: str = ""  # person | linked | thing | ""
    why: str = ""
    person_refs: tuple[tuple[str, ...], ...] = ()  # words of the fields that reference a person
    lookup_refs: tuple[str, ...] = ()  # references to a lookup row that says something of a person (gender)
    #: (category, why) whose generic values (``value``, ``amount``) the record holds: a person's series in
    #: the category's domain (categories.yaml ``measure_words``, ``measure_domains``)
    measures: tuple[tuple[str, str], ...] = ()


NO_EVIDENCE = Evidence()


@dataclass
class ProjectFacts:
    """Every class of the tree: raw facts, schema kinds and subject evidence by qualified name."""

    classes: dict[str, dict] = field(default_factory=dict)
    schemas: dict[str, tuple[str, bool]] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    persisted: dict[str, str] = field(default_factory=dict)  # carrier -> where the code persists it
    shown_exceptions: frozenset[str] = frozenset()  # caught and shown back, never logged
    #: the qualified names of the project's classes (kept for the analysis, which has no ``classes``)
    class_names: frozenset[str] = frozenset()
    #: shown back when raised with an HTTP status below the code given, logged from it up (a web
    #: framework's handler that logs only server errors)
    shown_below: dict[str, int] = field(default_factory=dict)
    #: what a value of a class prints as (its ``__str__``/``__repr__``), by the words of the class name
    texts: dict[tuple[str, ...], frozenset] = field(default_factory=dict)
    #: the same, by the class's qualified name (a method's own object, ``self``)
    class_texts: dict[str, frozenset] = field(default_factory=dict)
    #: what a carrier holds (its fields', or the model's it mirrors), by the words of the class name
    carried: dict[tuple[str, ...], frozenset] = field(default_factory=dict)
    #: carrier -> the store it mirrors (``class Meta: model = Ticket``), by qualified name
    mirrors: dict[str, str] = field(default_factory=dict)
    #: functions whose parameters reach a sink: qualified name -> (parameters, ((index, code, what, path), ...))
    summaries: dict[str, tuple] = field(default_factory=dict)
    #: the names of summarised functions that are no method of a class, or that more than one
    #: function of the project has: a call ``x.name(...)`` on an object of unknown class does not
    #: say it reaches the summarised one (see :func:`_shared_methods`)
    shared_methods: frozenset = frozenset()
    #: what the project says of a class, by the words of its name when only one class has that name:
    #: ``ticket.title`` anywhere reads the field as the class ``Ticket`` says
    named: dict[tuple[str, ...], Evidence] = field(default_factory=dict)
    #: weak-word fields a class of a person (or that belongs to one) holds as personal data
    #: (``WeightEntry.weight``), by qualified name: a file reading them is analysed
    personal_fields: dict[str, frozenset[str]] = field(default_factory=dict)
    #: fields a record declares with a type that says what personal data they hold (``number =
    #: PhoneNumberField()`` of ``PhoneDevice``), by field name: [(the words of the class's name,
    #: the matches of the type)], so that ``device.number`` reads as that field
    typed_fields: dict[str, list[tuple[tuple[str, ...], frozenset]]] = field(default_factory=dict)
    #: what the project's callers pass to a function's parameters: qualified name -> {parameter: matches}
    incoming: dict[str, dict[str, frozenset]] = field(default_factory=dict)
    #: project classes that subclass a logging handler that sends records elsewhere (sinks.yaml
    #: ``logging.remote_handlers``), through bases anywhere in the tree: qualified name -> that handler
    handlers: dict[str, str] = field(default_factory=dict)
    #: functions that hand back one of their arguments (``to_bytes(text)``): qualified name ->
    #: (parameters, indexes of those returned), see :mod:`gdpr_lint.survey.returns`
    returns: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = field(default_factory=dict)
    #: objects a module makes at its top (``redis_store = FlaskRedis()``): qualified name -> the
    #: qualified name of what made it, for the modules that import them
    objects: dict[str, str] = field(default_factory=dict)
    #: those of them a sink or a processor's SDK makes (a Redis client, a boto3 client): a file that
    #: imports one is analysed, and its functions that name one are read
    sink_objects: dict[str, str] = field(default_factory=dict)
    #: the project's functions that hand back an object a known factory makes (``def get_redis():
    #: return redis.Redis(...)``): qualified name -> that factory's qualified name
    factories: dict[str, str] = field(default_factory=dict)
    #: the project's own field types (``class MarkdownField(models.TextField)``): qualified name ->
    #: the types of frameworks they derive from, through project bases in any module
    field_types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the project's classes (qualified names) that subclass a command-line program's error
    #: (sinks.yaml ``operator_output.exceptions``, click's ClickException), through bases anywhere
    operator_exceptions: frozenset[str] = frozenset()
    _modules: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _receiving: frozenset | None = field(default=None, repr=False, compare=False)
    _shared: str | None = field(default=None, repr=False, compare=False)
    _by_last: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _summarised: frozenset | None = field(default=None, repr=False, compare=False)
    _returns_by_last: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _field_types_by_last: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _objects_by_last: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _class_texts_by_last: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _classes_by_last: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _sink_objects_by_last: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _factories_by_last: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    #: modules with a class that is, or may be, a record: a schema, or one with a framework's base,
    #: decorator or field constructor (the survey's reading of a class is a little narrower than
    #: the engine's, so any of those counts)
    record_modules: frozenset = frozenset()

    def for_analysis(self) -> ProjectFacts:
        """The facts the per-file analysis reads (schema kinds and evidence, not every field),
        small enough to hand to worker processes."""
        return ProjectFacts(schemas=self.schemas, evidence=self.evidence, persisted=self.persisted,
                            shown_exceptions=self.shown_exceptions, shown_below=self.shown_below,
                            class_names=self.class_names,
                            texts=self.texts, carried=self.carried,
                            mirrors=self.mirrors, named=self.named, summaries=self.summaries,
                            shared_methods=self.shared_methods, incoming=self.incoming, handlers=self.handlers,
                            operator_exceptions=self.operator_exceptions, returns=self.returns,
                            field_types=self.field_types, objects=self.objects, sink_objects=self.sink_objects,
                            class_texts=self.class_texts, factories=self.factories,
                            typed_fields=self.typed_fields, record_modules=self.record_modules)

    def builds_handler(self, calls=(), dotted=()) -> bool:
        """Whether a file may build one of the project's remote log handlers: it calls a name one
        of them has, or spells one's qualified name as a string (a dictConfig ``"class"``)."""
        if not self.handlers:
            return False
        short = {q.rpartition(".")[2] for q in self.handlers}
        return not short.isdisjoint(calls) or not self.handlers.keys().isdisjoint(dotted)

    def prints_personal(self, names) -> bool:
        """Whether one of ``names`` (a file's identifiers named after a person, ``user``, ``new_user``)
        may hold an object of a class that prints personal data: such a file is analysed whatever
        its words said in the survey."""
        if not self.texts and not self.carried:
            return False
        for name in names:
            words = name_words(name)  # (`member2`, as the flow reads it)
            if words in self.texts or words in self.carried or (len(words) == 2 and words[-1:] in self.texts):
                return True
        return False

    def hands_personal(self, handed, calls=()) -> bool:
        """Whether a file hands an object that prints personal data (``handed``: ``"callee\\x1fname"``,
        the survey's) to a function of the project that writes that parameter to a sink: the call is
        a finding (``notify(session.user)`` where ``notify`` logs it), whatever the file's words said."""
        if not handed or not self.summaries:
            return False
        if self._summarised is None:
            self._summarised = frozenset(q.rpartition(".")[2] for q in self.summaries)
        for pair in handed:
            callee, _, name = pair.partition("\x1f")
            if callee.startswith("__"):
                continue  # `super().__init__(user)`: every class has one, the name tells not which
            # (`*`: some call of the file, ``calls``: the names it calls; `@source`: `request.user`,
            # what a person is or sent, handed whole)
            if (callee in self._summarised or callee == "*" and not self._summarised.isdisjoint(calls)) and (
                    name == "@source" or self.prints_personal((name,))):
                return True
        return False

    def summary_of(self, names, method: str = "") -> tuple[str, tuple] | None:
        """The summary of the function a call names (its qualified names), or of the one method of
        the project with that name (``archive.add_text(...)``): ``(qualified name, summary)``."""
        if not self.summaries:
            return None
        for name in names:
            if name in self.summaries:
                return name, self.summaries[name]
        by_last = self._last_names()
        for name in names:  # a folder without __init__.py: `app.notify.notify` is the survey's `notify.notify`
            last = name.rpartition(".")[2]
            found = [q for q in by_last.get(last, ()) if name.endswith("." + q)] if "." in name and not (
                name.startswith(("self.", "cls."))) else []  # (`self.notify.notify`: an object's method)
            if len(found) == 1:
                return found[0], self.summaries[found[0]]
        if method and not (method.startswith("__") and method.endswith("__")) and method not in self.shared_methods:
            # archive.add_text(...): the one method of the project with that name (not a special
            # method, `super().__init__(...)`: every class has one, the name tells not which; nor
            # a name other functions of the project have too, `field.to_python(...)`)
            found = [q for q in by_last.get(method, ()) if q.count(".") >= 2]
            if len(found) == 1:
                return found[0], self.summaries[found[0]]
        return None

    def needs_analysis(self, module: str, found: dict) -> bool:
        """Whether the facts ask for the analysis of a file the pre-filter ruled out (``found``: the
        file's survey facts): an object it hands to a sink prints personal data, one of its classes
        is judged, it reads a personal field of an imported class, callers pass it personal data, or
        it builds one of the project's remote log handlers."""
        return (self.prints_personal(found.get("mentions", ()))
                or self.hands_personal(found.get("handed", ()), found.get("calls", ()))
                or self.judges_classes_of(module)
                or self.reads_personal_fields(found.get("imports", ()), found.get("attrs", ()))
                or self.owns_personal_fields(found.get("owners", ()))
                or self.receives(module) or self.builds_handler(found.get("calls", ()), found.get("dotted", ()))
                or self.imports_sink_object(found.get("imports", ()))
                or bool(self.typed_fields) and not self.typed_fields.keys().isdisjoint(
                    found.get("fields", "").split()))

    def holds_records_or_calls_sinks(self, module: str, found: dict) -> bool:
        """Whether a file that names personal data but holds no sink may still yield a finding:
        one of its classes is a record (a store or a carrier, whose fields are judged), or it calls
        a function of the project that writes its parameters to a sink (``found``: the file's
        survey facts, whose ``calls`` are the names it calls)."""
        if module in self.record_modules:
            return True
        if self.factories and not self._factory_names().isdisjoint(found.get("calls", ())):
            return True  # it calls a function of the project that hands back a store's client
        if not self.summaries:
            return False
        if self._summarised is None:
            self._summarised = frozenset(q.rpartition(".")[2] for q in self.summaries)
        called = self._summarised.intersection(found.get("calls", ()))
        return bool(called) and self._may_reach_summary(module, called, found.get("imports", ()),
                                                        found.get("chains", ()))

    def _may_reach_summary(self, module: str, called, imports, chains=()) -> bool:
        """Whether a call in ``module`` of one of the names ``called`` may reach a summarised
        function as :meth:`summary_of` finds one (a superset, from the module's ``imports`` and the
        dotted names it calls, ``chains``, as the survey spells them): the one method of the
        project with that name (any ``x.name(...)``), a function or method of the module itself,
        one whose qualified name the imports lead to (``from m import f``, ``import m`` then
        ``m.f(...)``: some last parts of an import are the first parts of the name), or one a
        dotted call ends with (``x.y.mail.send(...)`` reaches ``mail.send``, a module of a folder
        without ``__init__.py`` being named from there).  A function of an unrelated module that
        only shares a name (``send_mail`` in two projects side by side) is not reached."""
        by_last = self._last_names()
        parts_of = [i.split(".") for i in imports]
        for last in called:
            quals = by_last.get(last, ())
            deep = [q for q in quals if q.count(".") >= 2]
            if len(deep) == 1 and not (last.startswith("__") and last.endswith("__")) and last not in self.shared_methods:
                return True
            ends = [f".{c}" for c in chains if c.endswith("." + last)]
            for q in quals:
                home = q.rpartition(".")[0]
                if home == module or home.rpartition(".")[0] == module:
                    return True
                if any(end.endswith("." + q) for end in ends):
                    return True
                parts = q.split(".")
                for imported in parts_of:
                    if any(imported[-m:] == parts[:m] for m in range(1, min(len(imported), len(parts)) + 1)):
                        return True
        return False

    def returning(self, names) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
        """``(parameters, indexes returned)`` of the function of the project that hands back its
        arguments (:mod:`~gdpr_lint.survey.returns`) for one of a call's qualified ``names``."""
        for name in names if self.returns else ():
            found = self._named_in(self.returns, "_returns_by_last", name)
            if found is not None:
                return found
        return None

    def imports_sink_object(self, imports) -> bool:
        """Whether a file imports an object another module makes with a sink's or a processor's
        factory (``from app.extensions import redis_store``)."""
        if not self.sink_objects:
            return False
        if any(self._named_in(self.sink_objects, "_sink_objects_by_last", name) is not None for name in imports):
            return True
        # `from app import extensions` (then `extensions.cache.set(...)`): a module that holds one
        homes = {q.rpartition(".")[0] for q in self.sink_objects}
        return any(name in homes or any(h.endswith("." + name) or name.endswith("." + h) for h in homes)
                   for name in imports)

    def text_of_class(self, qual: str) -> frozenset:
        """What a value of the class ``qual`` (qualified) prints as, when personal (``class_texts``)."""
        return (self._named_in(self.class_texts, "_class_texts_by_last", qual) or frozenset()) if self.class_texts \
            else frozenset()

    def declares_class(self, qual: str) -> bool:
        """Whether the project declares the class ``qual`` (qualified; a folder without
        ``__init__.py`` as :meth:`_named_in` reads it)."""
        if qual in self.class_names:
            return True
        if self._classes_by_last is None:
            self._classes_by_last = _grouped(self.class_names, 2)
        found = [q for q in self._classes_by_last.get(qual.rpartition(".")[2], ()) if qual.endswith("." + q)]
        return len(found) == 1

    def _factory_names(self) -> frozenset[str]:
        """The last names of the project's factories (:attr:`factories`)."""
        return frozenset(q.rpartition(".")[2] for q in self.factories)

    def typed_field(self, owner: str | None, attr: str) -> frozenset:
        """What ``owner.attr`` holds when ``attr`` is a field the project's record named after the
        owner declares with a personal-data type (``device.number`` of ``PhoneDevice``, whose
        ``number`` is a ``PhoneNumberField``): the owner's words end the record's name, and every
        record they may name agrees; empty otherwise."""
        found = self.typed_fields.get(attr) if owner else None
        if not found:
            return frozenset()
        words = name_words(owner)
        hits = [matches for cls, matches in found if words and cls[-len(words):] == words]
        if not hits or any(h != hits[0] for h in hits):
            return frozenset()
        return hits[0]

    def factory_of(self, names) -> str | None:
        """The known factory whose object a project function, one of ``names`` (its qualified
        names), hands back (``get_redis`` -> ``redis.Redis``)."""
        for name in names if self.factories else ():
            found = self._named_in(self.factories, "_factories_by_last", name)
            if found is not None:
                return found
        return None

    def maker_of(self, names) -> str | None:
        """What made the module-level object one of ``names`` (its qualified names) stands for."""
        for name in names if self.objects else ():
            found = self._named_in(self.objects, "_objects_by_last", name)
            if found is not None:
                return found
        return None

    def field_types_of(self, name: str) -> tuple[str, ...]:
        """The framework types a project's own field type ``name`` derives from (``()`` for any other)."""
        return (self._named_in(self.field_types, "_field_types_by_last", name) or ()) if self.field_types else ()

    def _named_in(self, table: dict, index: str, name: str):
        """``table``'s entry for a qualified ``name``: its own, or the one entry whose name ends it
        (a folder without ``__init__.py``: `app.compat.to_bytes` is the survey's `compat.to_bytes`);
        ``index``: the attribute that keeps the table's names by their last part."""
        if name in table:
            return table[name]
        by_last = getattr(self, index)
        if by_last is None:
            by_last = _grouped(table, 2)
            setattr(self, index, by_last)
        found = [q for q in by_last.get(name.rpartition(".")[2], ()) if name.endswith("." + q)]
        return table[found[0]] if len(found) == 1 else None

    def _last_names(self) -> dict[str, list[str]]:
        """The summarised functions by their last name."""
        if self._by_last is None:
            self._by_last = _grouped(self.summaries, 2)
        return self._by_last

    def receives(self, module: str) -> bool:
        """Whether callers in the tree pass personal data to a function of ``module``."""
        if self._receiving is None:
            # a function's module, or a method's: the module of its class (not the package above a
            # function's module, which would send every package's __init__ to the analysis)
            owners = {q.rpartition(".")[0] for q in self.incoming}
            self._receiving = frozenset(o.rpartition(".")[0] if o in self.classes else o for o in owners)
        return module in self._receiving

    def reads_personal_fields(self, imports, attrs) -> bool:
        """Whether a file that imports ``imports`` (classes, or modules holding classes) and reads the
        attributes ``attrs`` may read a field the facts judge personal (``from fit.models import
        WeightEntry`` and ``entry.weight``): such a file is analysed whatever its words said."""
        if not self.personal_fields or not attrs:
            return False
        wanted = set(attrs)
        modules = self._by_module()
        for name in imports:
            for qual in (name, *modules.get(name, ())):
                if not wanted.isdisjoint(self.personal_fields.get(qual, ())):
                    return True
        return False

    def owns_personal_fields(self, owners) -> bool:
        """Whether one of ``owners`` (names a file reads an attribute with a weak word on:
        ``entry`` of ``entry.notes``) is named after a class the facts judge about a person or
        linked to one, as the flow reads an owner (its words, a number left out): such a file is
        analysed whatever its words said."""
        if not self.named:
            return False
        for owner in owners:
            ev = self.named.get(name_words(owner))
            if ev is not None and (ev.kind in ("person", "linked") or ev.person_refs or ev.lookup_refs
                                   or ev.measures):
                return True
        return False

    def judges_classes_of(self, module: str) -> bool:
        """Whether the facts say something of a class of ``module`` that its words alone do not (a
        record that belongs to a person, a persisted carrier): its fields must be read then,
        whatever the survey's pre-filter said."""
        def says(q: str) -> bool:
            # only of a schema (a store or a carrier): the fields of other classes (a `Signer`, a
            # database `Client`) are never findings, and what their names say the pre-filter read
            ev = self.evidence.get(q)
            return q in self.persisted or q in self.schemas and ev is not None and (
                ev.kind in ("person", "linked") or ev.person_refs or ev.lookup_refs or ev.measures)
        return any(says(q) for q in self._by_module().get(module, ()))

    def evidence_for(self, qualified: str) -> Evidence:
        return self.evidence.get(qualified, NO_EVIDENCE)

    def digest(self, names: list[str] | None = None, calls=None, module: str | None = None) -> str:
        """A short hash of the facts (of ``names`` only, when given) for the results cache key;
        ``calls``, the names a file calls, limits the function summaries to those it may use;
        ``module``, what callers pass to that module's functions (all modules' when ``None``)."""
        keys = sorted(self.schemas) if names is None else sorted(set(names))
        payload = [(k, self.schemas.get(k), self.evidence.get(k), self.persisted.get(k), self.mirrors.get(k))
                   for k in keys]
        if self._shared is None:  # what every file reads: hashed once per scan (its text grows with
            # the project, and encoding it again for every file made warm scans grow faster than it)
            self._shared = hashlib.sha256(json.dumps([sorted(self.shown_exceptions), sorted(self.shown_below.items()),
                                                      sorted(self.class_names),
                                                      sorted((k, sorted(v)) for k, v in self.texts.items()),
                                                      sorted((k, sorted(v)) for k, v in self.carried.items()),
                                                      sorted((k, repr(v)) for k, v in self.named.items()),
                                                      sorted(self.handlers.items()),
                                                      sorted(self.operator_exceptions),
                                                      sorted(self.field_types.items()),
                                                      sorted(self.objects.items()),
                                                      sorted(self.factories.items()),
                                                      sorted((k, sorted((w, sorted(m)) for w, m in v))
                                                             for k, v in self.typed_fields.items()),
                                                      sorted((k, sorted(v)) for k, v in self.class_texts.items())],
                                                     default=repr).encode()
                                          ).hexdigest()
        payload.append(self._shared)
        # the summaries without their lines: an edit that moves a helper down re-analyses nothing,
        # and only of the functions the file calls: a new helper elsewhere re-analyses nothing either
        called = None if calls is None else set(calls)
        payload.append(sorted((k, [p, [f[:3] for f in flows]]) for k, (p, flows) in self.summaries.items()
                              if called is None or k.rpartition(".")[2] in called))
        payload.append(sorted(self.shared_methods if called is None else self.shared_methods & called))
        payload.append(sorted((k, v) for k, v in self.returns.items()
                              if called is None or k.rpartition(".")[2] in called))
        prefix = None if module is None else module + "."
        payload.append(sorted((k, sorted((p, sorted(repr(m) for m in v)) for p, v in params.items()))
                              for k, params in self.incoming.items() if prefix is None or k.startswith(prefix)))
        return hashlib.sha256(json.dumps(payload, default=repr).encode()).hexdigest()[:16]

    def _by_module(self) -> dict[str, list[str]]:
        if self._modules is None:
            self._modules = _grouped(self.classes, 0)
        return self._modules

    def relevant(self, module: str) -> list[str]:
        """The classes whose facts a module's analysis depends on: its own classes, their bases
        and what their fields reference, one step out (enough for the cache key)."""
        own = self._by_module().get(module, [])
        out = set(own)
        for q in own:
            info = self.classes[q]
            out.update(info["b"])
        return sorted(out)


def resolve_schemas(classes: dict[str, dict], frameworks: Frameworks) -> dict[str, tuple[str, bool]]:
    """Schema classes by qualified name: by their decorators (``@dataclass``) or the constructors
    of their fields (``Column``, ``models.CharField``), and through their bases across the tree to
    a fixed point (as :class:`~gdpr_lint.engine.schemas.SchemaFinder` recognises them in a file)."""
    found: dict[str, tuple[str, bool]] = {}
    for qual, info in classes.items():
        if frameworks.is_config_class(info["n"]) or any(frameworks.is_config_base(b) for b in info["b"]):
            continue
        kinds = {frameworks.decorators.get(d) for d in info["d"]} - {None}
        if kinds and not info["b"]:
            found[qual] = ("attrs" if "attrs" in kinds else "dataclass", False)
            continue
        for f in info["f"]:
            kind = next((k for k in map(frameworks.of_field_constructor, f[2]) if k is not None), None)
            if kind is not None and not any(frameworks.of_base(b, info["t"]) for b in info["b"]):
                found[qual] = kind
                break
    changed = True
    while changed:
        changed = False
        for qual, info in classes.items():
            if qual in found or frameworks.is_config_class(info["n"]) or any(
                    frameworks.is_config_base(b) for b in info["b"]):
                continue
            for b in info["b"]:
                kind = frameworks.of_base(b, info["t"]) or found.get(b)
                if kind is not None:
                    found[qual] = kind
                    changed = True
                    break
    return found


def _shown_exceptions(classes: dict[str, dict], caught: list[list]) -> tuple[frozenset[str], dict[str, int]]:
    """``(exception classes of the project whose every handler neither logs nor re-raises them,
    {those whose handlers do so only from an HTTP status code up: the lowest such code})``."""
    own = {info["n"] for info in classes.values()}
    logged = {item[0] for item in caught if item[1]}
    below: dict[str, int] = {}
    for item in caught:
        if len(item) == 3 and item[0] in own and item[0] not in logged:
            below[item[0]] = min(item[2], below.get(item[0], item[2]))
    return frozenset(item[0] for item in caught if item[0] in own and item[0] not in logged
                     and item[0] not in below), below


def _persisted_carriers(facts: ProjectFacts, builder: _Builder, persisted) -> None:
    """Carriers whose instances the code writes to storage, and the carriers nested in them."""
    todo = []
    for name, via, where in persisted:
        qual = name if name in facts.classes else builder.target_class(name, "")
        kind = facts.schemas.get(qual) if qual else None
        stores = [v for v in via if (facts.schemas.get(v if v in facts.classes else builder.target_class(v, "") or "")
                                     or ("", False))[1]]
        if stores:
            continue  # its data went into a store of the tree (Patient(**req.dict())): that store is checked
        if kind is not None and not kind[1] and qual not in facts.persisted:
            facts.persisted[qual] = f"persisted at {where}"
            todo.append(qual)
    while todo:
        qual = todo.pop()
        for _name, _line, types, _target, _fk in builder.fields(qual):
            for t in types:
                inner = t if t in facts.classes else None
                kind = facts.schemas.get(inner) if inner else None
                if kind is not None and not kind[1] and inner not in facts.persisted:
                    facts.persisted[inner] = f"kept inside {qual.rpartition('.')[2]}, {facts.persisted[qual]}"
                    todo.append(inner)


class _Builder:
    def __init__(self, classes: dict[str, dict], policy, classifier) -> None:
        self.classes = classes
        self.policy = policy
        self.classifier = classifier
        self.by_name: dict[str, list[str]] = {}
        self.by_table: dict[str, str] = {}
        for qual, info in classes.items():
            self.by_name.setdefault(info["n"], []).append(qual)
            if info.get("tb"):
                self.by_table[info["tb"]] = qual
        from gdpr_lint.classify import PhraseSet

        self.person_bases = policy.frameworks.person_bases
        self.person_targets = policy.frameworks.person_references
        self.program_fields = PhraseSet(policy.evidence.program_fields)
        self.action_suffixes = frozenset(policy.evidence.action_suffixes)
        self.pointer_prefixes = frozenset(policy.evidence.pointer_prefixes)
        self._person: dict[str, tuple[bool, str]] = {}
        #: the framework types a project's own field type derives from (set once they are known)
        self.types_of = lambda name: ()
        self._chains: dict[tuple[str, int], list[str]] = {}
        self.owner_references = frozenset(policy.evidence.owner_references)
        self.role_references = frozenset(policy.evidence.role_references)
        self.group_subjects = frozenset(policy.evidence.group_subjects)
        #: category -> the domain words of its measures (categories.yaml ``measure_domains``)
        self.measured = {c.key: c.measure_domains for c in policy.categories.values()
                         if c.measure_words and c.measure_domains}
        #: categories that name a person whoever's record holds them (not a role mailbox or phone)
        self.person_only = ("user.name", "user.demographic", "user.government_id", "user.financial",
                            "user.account.username")
        #: classes that other records reference (an event, a gym, a ticket): their bare e-mail may be theirs
        self.referenced: set[str] = set()
        #: ... and which: the class -> [(the class that references it, the field, the field's types)]
        self.referrers: dict[str, list[tuple[str, str, list]]] = {}
        for here, info in classes.items():
            for f in info["f"]:
                if f[3]:
                    target = self.target_class(f[3], here)
                    if target and target != here:
                        self.referenced.add(target)
                        self.referrers.setdefault(target, []).append((here, f[0], f[2]))
        #: classes named after a person that people's records belong to (`User.tenant` -> Tenant):
        #: a group of people (a customer organisation of a service), by the reference that says so
        self._groups: dict[str, str] = {}

    # ---- helpers --------------------------------------------------------------------------------
    def fields(self, qual: str, seen: frozenset[str] = frozenset()) -> list[list]:
        """The class's fields with those of its bases in the tree (a subclass holds them too)."""
        info = self.classes.get(qual)
        if info is None or qual in seen:
            return []
        out = list(info["f"])
        for b in info["b"]:
            if b in self.classes:
                out += self.fields(b, seen | {qual})
        return out

    def target_class(self, target: str, here: str) -> str | None:
        """The qualified name of the class a reference points at, when it is in the tree."""
        if target.startswith("table:"):
            return self.by_table.get(target[6:])
        if target in self.classes:
            return target
        name = target.rpartition(".")[2]
        candidates = self.by_name.get(name, [])
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        same_module = [c for c in candidates if c.rpartition(".")[0] == here.rpartition(".")[0]]
        if same_module:
            return same_module[0]
        # a reference points at a record: a class that declares fields, not a plain class of the
        # same name elsewhere (a mock-up, a test double); the nearest by its module's path
        # (`shop.models.order` -> `shop.models.item`, not `shop.lib.demo`)
        records = [c for c in candidates if self.classes[c]["f"]] or candidates
        return max(records, key=lambda c: _shared_parts(c, here))

    def references_person(self, target: str, here: str, depth: int) -> bool:
        if target.endswith(self.person_targets) or target in self.person_bases:
            return True
        qual = self.target_class(target, here)
        return qual is not None and qual != here and self.is_person(qual, depth + 1)[0]

    # ---- the judgements ---------------------------------------------------------------------------
    def head_context(self, name: str) -> str | None:
        return self.classifier.context_of(name)

    def program(self, qual: str) -> str:
        """A field that only a program holds (``client_secret``, ``redirect_uris``), or ``""``."""
        for f in self.fields(qual):
            words = split_words(f[0])
            if self.program_fields.contains(words):
                return f[0]
        return ""

    def personal_field(self, qual: str, strict: bool = False) -> str:
        """A field of the class that is personal data by its own words (``submitter_email``).

        ``strict`` (for a record other records point at, such as an event or a gym, whose bare
        ``email`` may be its own mailbox): only a field that says whose it is (``submitter_email``)
        or that names a person (``first_name``, ``date_of_birth``) counts."""
        classify = self.classifier.classify
        for name, _line, types, target, fk in self.fields(qual):
            if target or fk:
                continue
            if any(t.rpartition(".")[2] in self.policy.frameworks.boolean_types for t in types):
                continue
            for match in classify(name, None):
                cat = self.policy.categories.get(match.category)
                if cat is None or not cat.identifying:
                    continue
                if not strict or self.classifier.subject_of(split_words(name)) or match.category.startswith(
                        self.person_only):
                    return name
        if strict:
            return ""
        # a field named for its declaration (`email_field = EmailField(db_column="email")`, whose
        # name alone may name a column of a file to import) whose type says the same: the record
        # holds an address (not `from_address`: a name that says nothing of a person)
        declaration = self.policy.frameworks.declaration_words
        for name, _line, types, target, fk in self.fields(qual):
            words = split_words(name)
            if target or fk or not types or len(words) < 2 or words[-1] not in declaration:
                continue
            derived = tuple(t for n in types for t in self.types_of(n))
            typed = {m.category for m in self.classifier.classify_type((*types, *derived))}
            for match in classify("_".join(words[:-1]), None):
                cat = self.policy.categories.get(match.category)
                if match.category in typed and cat is not None and cat.identifying:
                    return name
        return ""

    def head_is_subject(self, name: str) -> bool:
        return self.classifier.head_is_subject(name)

    def is_person(self, qual: str, depth: int = 0) -> tuple[bool, str]:
        """Whether a class is a record about a person, and why."""
        if qual in self._person:
            return self._person[qual]
        self._person[qual] = (False, "")  # cycles: not (yet) a person
        info = self.classes[qual]
        result = (False, "")
        ctx = self.head_context(info["n"])
        if any(b in self.person_bases or (b in self.classes and depth < 8 and self.is_person(b, depth + 1)[0])
               for b in info["b"]):
            result = (True, "extends a user model")
        elif self.head_is_subject(info["n"]):
            prog = self.program(qual)
            words = split_words(info["n"])
            if prog:
                result = (False, f"holds `{prog}`: a program, not a person")
            elif self.classifier.subject_of(words[-1:], of_class=len(words) == 1) or not self.owner_refs(qual, depth):
                group = self._group_of_people(qual, depth)
                if group:
                    self._groups[qual] = group
                else:
                    result = (True, "names a person")
            # else a UserDocument that references its user: a document that belongs to a person
        elif ctx != "thing":
            own = self.personal_field(qual, strict=qual in self.referenced)
            if own and not self.program(qual):
                result = (True, f"holds `{own}`")
        self._person[qual] = result
        return result

    def _group_of_people(self, qual: str, depth: int) -> str:
        """A reference from a person's record (one named after a person, or a user model) that
        makes a class named after a person a group of people (``User.tenant``: many users belong
        to one tenant of the service), when the reference is named after the class and the class
        holds no personal field of its own; ``""`` otherwise.  A one-to-one reference (a
        person's own profile of that kind) does not, nor a role (``Review.author``), nor one that
        names the record's owner (``Account.user``: vocabulary.yaml ``owner_references``); and only
        a class whose name says it may be a group (``group_subjects``: a ``Tenant``; not a child's
        ``Guardian`` or a patient's ``Doctor``, who are people with many in their care)."""
        head = split_words(self.classes[qual]["n"])[-1:]
        if not self.group_subjects.intersection(head) or qual not in self.referrers or depth > 8 or (
                self.personal_field(qual, strict=True)):
            return ""
        for here, name, types in self.referrers[qual]:
            words = split_words(name)
            while len(words) > 1 and words[-1] in self.policy.metadata_words:
                words = words[:-1]  # (`tenant_id`: the tenant)
            if words[-1:] != head or words[-1] in self.owner_references or any(
                    t.rpartition(".")[2] in self.policy.frameworks.one_to_one_fields for t in types):
                continue  # (`Review.author`: a role a person plays for it; `Account.user`: its owner)
            info = self.classes.get(here)
            if info is not None and (self.head_is_subject(info["n"]) or any(
                    b in self.person_bases for b in info["b"])) and self.is_person(here, depth + 1)[0]:
                return f"{info['n']}.{name}"
        return ""

    def owner_refs(self, qual: str, depth: int = 0) -> list[str]:
        """References that make the record a person's: to a person, not an action (``created_by``)
        nor a pointer to the latest actor (``last_poster``), nor the many people who belong to it
        (``members``, a Workspace's ``workspace_users``: a group's)."""
        out = []
        own = {w.rstrip("s") for w in split_words(self.classes[qual]["n"])}  # (a role the record is named after)
        role = False  # a person plays a role for it (its uploader, its moderators)
        others = []  # its other references: to records, not to people
        for name, _line, _types, target, _fk in self.fields(qual):
            if not target or depth > 8:
                continue
            words = split_words(name)
            if not words or words[-1] in self.action_suffixes or words[0] in self.pointer_prefixes:
                continue
            if words[-1] in self.role_references and words[-1].rstrip("s") not in own:
                role = role or self.references_person(target, qual, depth)
            elif words[-1] not in self.owner_references and words[-1][:-1] in self.owner_references and set(
                    words[:-1]) <= own:
                continue  # (`members`, a Workspace's `workspace_users`: the people who belong to it, a
                # group's; not a QueuedMail's `to_users`, the people it is written to)
            elif self.references_person(target, qual, depth):
                out.append(name)
            else:
                others.append((name, target))
        if role and not out and not depth:
            # what a person only put there is theirs when it belongs to a record of theirs (an
            # attachment of a member's post), not when it belongs to a thing (an event's document);
            # one step: that record's own references decide, not another role's chain
            for name, target in others:
                found = self.target_class(target, qual)
                if found is None or found == qual:
                    continue
                last = split_words(name)[-1:]
                if last and last[0].endswith("s") and last[0][:-1] in split_words(self.classes[found]["n"]):
                    continue  # (a Forum's `topics`: the records in it, not one it belongs to)
                if self.owner_refs(found, depth + 1):
                    out.append(name)
        return out

    def evidence(self, qual: str) -> Evidence:
        info = self.classes[qual]
        refs, lookups = [], []
        for name, _line, _types, target, fk in self.fields(qual):
            if not target:
                continue
            if self.references_person(target, qual, 0):
                refs.append(split_words(name))
            elif not fk and self.classifier.classify(name, None) and self.is_lookup(target, qual):
                lookups.append(name)
        person, why = self.is_person(qual)
        head = self.head_context(info["n"])
        owners = self.owner_refs(qual) if not person else []
        if person:
            kind = "person"
        elif qual in self._groups:
            kind, why = "org", f"is a group people belong to (`{self._groups[qual]}`)"
        elif why:  # a program
            kind = "thing"
        elif head == "thing" and self.classifier.nonpersonal_owner(info["n"]):
            kind, why = "thing", "names a thing"  # a Queue with a default owner is still a queue
        elif owners:
            kind, why = "linked", f"belongs to a person through `{owners[0]}`"
        elif qual in self.referenced and head != "person" and not self.classifier.classify(info["n"], None):
            # (an EmailAddress that contacts point at is still an address: its name says so)
            # an event, a gym: records of people point at it, and its own contact details are a role's
            kind, why = "org", "is a record other records belong to, not a person's"
        elif head == "thing":
            kind, why = "thing", "names a thing"
        else:
            kind = ""
        return Evidence(kind, why, tuple(dict.fromkeys(refs)), tuple(lookups), self.measures(qual, kind))

    def measures(self, qual: str, kind: str) -> tuple[tuple[str, str], ...]:
        """The categories whose generic values the record holds (see :class:`Evidence`): it
        belongs to a person, directly or through the records it belongs to, and its name or one of
        theirs names the category's domain (``Measurement``; ``LogItem`` of a ``NutritionPlan``),
        and no thing word in its own name says it is a thing's (``SensorMeasurement``)."""
        if not self.measured or kind in ("person", "thing", "org"):
            return ()
        name = self.classes[qual]["n"]
        chain = self.owner_chain(qual)
        if not chain:
            return ()
        words = {w for q in chain for w in split_words(self.classes[q]["n"])}
        out = []
        for key, domains in self.measured.items():
            hit = sorted(words & domains)
            if hit and not self.classifier.mentions_thing(name, domains):
                path = " of ".join(self.classes[q]["n"] for q in chain)
                out.append((key, f"{name} is a person's {hit[0]} record ({path}, which belongs to a person)"))
        return tuple(out)

    def owner_chain(self, qual: str, depth: int = 0, seen: frozenset[str] = frozenset()) -> list[str]:
        """``[qual, the record it belongs to, ...]`` up to the first that references a person as
        its owner (``Measurement`` -> ``Category`` with its ``user``: vocabulary.yaml
        ``owner_references``, not a role such as ``operator``), through references that are not an
        action (``created_by``) nor a pointer (``last_poster``); ``[]`` when none within three steps."""
        key = (qual, depth)
        if key in self._chains:
            return self._chains[key]
        found: list[str] = []
        for name, _line, _types, target, _fk in self.fields(qual) if depth <= 3 else ():
            words = split_words(name)
            if not target or not words or words[-1] in self.action_suffixes or words[0] in self.pointer_prefixes:
                continue
            if self.references_person(target, qual, depth):
                if words[-1] in self.owner_references:
                    found = [qual]
                    break
                continue  # a role a person plays for the record (an operator, a prescriber)
            nxt = self.target_class(target, qual)
            if nxt is None or nxt == qual or nxt in seen:
                continue  # (a user's NutritionPlan is a plan, and still the user's)
            rest = self.owner_chain(nxt, depth + 1, seen | {qual})
            if rest:
                found = [qual, *rest]
                break
        self._chains[key] = found
        return found

    def text(self, qual: str, facts: ProjectFacts, depth: int = 0) -> frozenset:
        """What a value of the class prints as: the categories of what its ``__str__``/``__repr__``
        return (``return self.get_full_name()``: a person's name; ``return self.contact``, a field
        of a personal-data type: an e-mail address), inherited from its bases; a user model's text
        is its username.  (Asked only of a record about a person, or linked to one.)"""
        from gdpr_lint.classify import Match

        info = self.classes.get(qual)
        if info is None or depth > 8:
            return frozenset()
        if info.get("s"):
            found = set()
            evidence = facts.evidence_for(qual)
            types: dict[str, list[str]] | None = None  # the class's fields' types, read on first need
            for name in info["s"]:
                words = split_words(name)
                while len(words) > 1 and words[0] in ("get", "to", "as", "display"):
                    words = words[1:]
                matches = self.classifier.classify("_".join(words), info["n"], False, evidence)
                if not matches:
                    if types is None:
                        types = {f[0]: f[2] for f in reversed(self.fields(qual))}  # (its own over its bases')
                    matches = [m for m in self.classifier.classify_type(types.get(name) or ()) if (
                        m.category not in self.policy.categories
                        or self.policy.categories[m.category].context != "person_linked")]
                for m in matches:
                    found.add(Match(m.category, f"{info['n']}.__str__ returns {name}"))
            return frozenset(found)
        for base in info["b"]:
            if base in self.policy.frameworks.username_text_bases:
                return frozenset({Match("user.account.username", f"{info['n']} is a user model: it prints its "
                                        "username")})
            if base in self.classes:
                inherited = self.text(base, facts, depth + 1)
                if inherited:
                    return inherited
        return frozenset()

    def field_categories(self, qual: str, facts: ProjectFacts) -> frozenset:
        """The categories the fields of a class hold by their names, judged with its evidence."""
        from gdpr_lint.classify import Match

        info = self.classes[qual]
        out = set()
        for name, _line, types, target, _fk in self.fields(qual):
            if target or any(t.rpartition(".")[2] in self.policy.frameworks.boolean_types for t in types):
                continue
            for m in self.classifier.classify(name, info["n"], False, facts.evidence_for(qual)):
                if not self.policy.categories[m.category].credential:
                    out.add(Match(m.category, f"{m.reason}, a field of {info['n']}"))
        return frozenset(out)

    def carried(self, qual: str, facts: ProjectFacts) -> frozenset:
        """What a carrier (a serializer, a schema) holds: its own fields' categories, and those of
        the model it mirrors (``class Meta: model = Ticket``)."""
        out = self.field_categories(qual, facts)
        mirrored = self.classes[qual].get("m")
        model = self.target_class(mirrored, qual) if mirrored else None
        if model and model != qual:
            out |= self.field_categories(model, facts)
        return out

    def is_lookup(self, target: str, here: str) -> bool:
        """Whether a reference points at a row that holds no personal field of its own, by its
        name or by its type (a lookup table such as ``Gender``; not a mail whose ``to`` is a
        ``CommaSeparatedEmailField``); an unknown target is not assumed to be one."""
        qual = self.target_class(target, here)
        return qual is not None and not self.personal_field(qual) and not self.is_person(qual)[0] and not (
            self._typed_personal(qual))

    def _typed_personal(self, qual: str) -> bool:
        """Whether a field of the class holds, by its type, a category that says a record is
        about a person (an e-mail address, a phone number)."""
        for _name, _line, types, target, fk in self.fields(qual):
            if target or fk or not types:
                continue
            derived = tuple(t for n in types for t in self.types_of(n))
            for match in self.classifier.classify_type((*types, *derived)):
                cat = self.policy.categories.get(match.category)
                if cat is not None and cat.identifying:
                    return True
        return False


def _shared_parts(a: str, b: str) -> int:
    """How many leading parts two dotted names share."""
    n = 0
    for x, y in zip(a.split("."), b.split(".")):
        if x != y:
            break
        n += 1
    return n


def _grouped(names, part: int) -> dict[str, list[str]]:
    """Qualified ``names`` by their last part (``part`` 2) or by what comes before it (0)."""
    out: dict[str, list[str]] = {}
    for q in names:
        out.setdefault(q.rpartition(".")[part], []).append(q)
    return out


def build_facts(class_facts: list[dict], policy, classifier, file_facts: list[tuple[dict, str]] = ()) -> ProjectFacts:
    """Assemble :class:`ProjectFacts` from every surveyed file's class facts and its other facts
    (``(facts, shown path)``, see :func:`~gdpr_lint.survey.classes.file_facts`)."""
    classes = {c["q"]: c for c in class_facts}
    facts = ProjectFacts(classes=classes, schemas=resolve_schemas(classes, policy.frameworks))
    builder = _Builder(classes, policy, classifier)
    facts.field_types = _field_types(classes, policy)
    builder.types_of = facts.field_types_of  # (the project's own field types: `LowerEmailField`)
    _persisted_carriers(facts, builder, [(name, via, f"{path}:{line}") for found, path in file_facts
                                         for name, line, via in found.get("persisted", ())])
    facts.class_names = frozenset(classes)
    facts.shown_exceptions, facts.shown_below = _shown_exceptions(
        classes, [c for found, _ in file_facts for c in found.get("caught", ())])
    makers: dict[str, list[str]] = {}  # a project function -> what makes what it hands back
    doubled: set[str] = set()  # a name two files give (two modules of one name in folders without
    # __init__.py): which of the two a call reaches is not known, so neither fact is used
    for found, path in file_facts:
        for qual, params, returned in found.get("returns", ()):
            if facts.returns.get(qual, (tuple(params), tuple(returned))) != (tuple(params), tuple(returned)):
                doubled.add(qual)
            facts.returns[qual] = (tuple(params), tuple(returned))
        for qual, maker in found.get("objects", ()):
            if facts.objects.get(qual, maker) != maker:
                doubled.add(qual)
            facts.objects[qual] = maker
        for qual, maker in found.get("factories", ()):
            makers.setdefault(qual, []).append(maker)
    defined: dict[str, int] = {}  # (a function the other file defines with nothing to hand back counts too)
    for found, _path in file_facts:
        for qual in {q for q, *_params in found.get("defs", ())}:  # (`@overload` stubs: one function)
            defined[qual] = defined.get(qual, 0) + 1
    doubled.update(q for q in facts.returns if defined.get(q, 1) > 1)
    doubled.update(q for q in makers if defined.get(q, 1) > 1)  # (a factory two modules of one name define)
    for qual in doubled:
        facts.returns.pop(qual, None)
        facts.objects.pop(qual, None)
        makers.pop(qual, None)
    facts.factories = _project_factories(makers, policy)
    for qual, maker in facts.objects.items():  # `CLIENT = get_redis()`: what get_redis hands back
        facts.objects[qual] = facts.factory_of((maker,)) or maker
    for found, path in file_facts:
        for qual, params, flows in found.get("summaries", ()):
            facts.summaries[qual] = (tuple(params), tuple((i, code, what, f"{path}:{line}")
                                                          for i, code, what, line in flows))
    facts.sink_objects = _sink_objects(facts.objects, policy)
    _incoming(facts, classes, file_facts)
    facts.shared_methods = _shared_methods(facts.summaries, file_facts, classes)
    weak = frozenset(w for c in policy.categories.values() for p in c.weak_words for w in p)
    facts.handlers = _remote_handler_classes(classes, policy)
    facts.operator_exceptions = _subclass_names(classes, frozenset(
        (policy.sinks.get("operator_output") or {}).get("exceptions") or ()))
    fw = policy.frameworks
    facts.record_modules = frozenset(
        qual.rpartition(".")[0] for qual, info in classes.items()
        if qual in facts.schemas or not fw.decorators.keys().isdisjoint(info["d"])
        or any(fw.of_base(b, info["t"]) for b in info["b"])
        or any(fw.of_field_constructor(n) for f in info["f"] for n in f[2]))
    for qual in classes:
        ev = builder.evidence(qual)
        if ev.kind or ev.person_refs or ev.lookup_refs or ev.measures:
            facts.evidence[qual] = ev
        if ev.kind in ("person", "linked"):
            owner = classes[qual]["n"]
            found = frozenset(f[0] for f in classes[qual]["f"] if not weak.isdisjoint(split_words(f[0]))
                              and classifier.classify(f[0], owner, False, ev))
            if found:
                facts.personal_fields[qual] = found
    # fields declared with a personal-data type, with every record's field of the same name beside
    # them (of another type, or on a record of a thing or an organisation: a queue's own mailbox
    # address is no one's), so that an owner that may name either says nothing
    declared: list[tuple[str, tuple[str, ...], frozenset]] = []
    for qual in facts.schemas:
        info, ev = classes.get(qual), facts.evidence.get(qual)
        thing = ev is not None and ev.kind in ("thing", "org")
        for f in _with_inherited_fields(qual, classes) if info else ():
            found = frozenset() if thing else frozenset(m for m in classifier.classify_type(f[2]) if (
                not policy.categories.get(m.category) or policy.categories[m.category].context != "person_linked"))
            # (the record's words as an owner's are read: `Customer2` is a customer, `c: Customer2` too)
            declared.append((f[0], name_words(info["n"]), found))
    typed = {name for name, _words, found in declared if found}
    for name, words, found in declared:
        if name in typed:
            facts.typed_fields.setdefault(name, []).append((words, found))
    names: dict[tuple[str, ...], list[str]] = {}
    for qual, info in classes.items():
        names.setdefault(split_words(info["n"]), []).append(qual)
    for words, quals in names.items():
        ev = facts.evidence.get(quals[0])
        if len(quals) == 1 and ev is not None and ev.kind in ("person", "linked", "thing", "org"):
            facts.named[words] = ev
    for qual, info in classes.items():
        # only a record about (or of) a person prints a person's data: a Driver of a GIS library
        # printing its name names a program
        text = builder.text(qual, facts) if facts.evidence_for(qual).kind in ("person", "linked") else None
        if text:
            key = split_words(info["n"])
            facts.texts[key] = facts.texts.get(key, frozenset()) | text
            facts.class_texts[qual] = text
        kind = facts.schemas.get(qual)
        mirrored = info.get("m")
        model = builder.target_class(mirrored, qual) if mirrored else None
        if model and model != qual:
            facts.mirrors[qual] = model
        if kind is not None and not kind[1]:
            carried = builder.carried(qual, facts)
            if carried:
                key = split_words(info["n"])
                facts.carried[key] = facts.carried.get(key, frozenset()) | carried
    _user_text(facts, classes, policy, file_facts)
    return facts


def _user_text(facts: ProjectFacts, classes: dict[str, dict], policy, file_facts=()) -> None:
    """What a value named ``user`` prints as where no class of the project is named so: the
    framework's user model's username, where the project's records point at that model
    (``ForeignKey(settings.AUTH_USER_MODEL)``, frameworks.yaml ``username_text_references``) or
    its production code imports the model itself (``from django.contrib.auth.models import
    User``: ``username_text_imports``; ``file_facts``, the survey's, hold what each file imports),
    and the project declares no user model of its own (then that class's text is the user's)."""
    from gdpr_lint.classify import Match

    if ("user",) in facts.texts:
        return
    references = policy.frameworks.username_text_references
    imports = policy.frameworks.username_text_imports
    if not (references and any(f[3] and f[3].endswith(references) for info in classes.values() for f in info["f"])
            or imports and any(not imports.isdisjoint(found.get("imports") or ()) for found, _path in file_facts)):
        return
    bases = policy.frameworks.person_bases
    own = [q for q, info in classes.items() if not bases.isdisjoint(info["b"])]
    if own:
        text = facts.class_texts.get(own[0]) if len(own) == 1 else None
        if text:
            facts.texts[("user",)] = text
        return
    facts.texts[("user",)] = frozenset({Match("user.account.username", "the framework's user model, which the "
                                              "project's records point at: it prints its username")})


def _shared_methods(summaries: dict[str, tuple], file_facts, classes: dict[str, dict]) -> frozenset:
    """The names of summarised functions that are no method of a class (``app.utils.add``: a
    module's function, whatever its dots), or that more than one function or method of the
    project has (the survey's ``defs``): :meth:`ProjectFacts.summary_of` does not take a call of
    such a name on an object of unknown class for the summarised one."""
    wanted = {q.rpartition(".")[2] for q in summaries if q.count(".") >= 2}
    if not wanted:
        return frozenset()
    methods = {q.rpartition(".")[2] for q in summaries if q.rpartition(".")[0] in classes}
    seen: dict[str, set[str]] = {}
    for found, _path in file_facts:
        for qual, _params in found.get("defs", ()):
            last = qual.rpartition(".")[2]
            if last in wanted:  # (by qualified name: `@overload`s and a def in each branch of an `if` are one)
                seen.setdefault(last, set()).add(qual)
    return frozenset(name for name in wanted if name not in methods or len(seen.get(name, ())) > 1)


def _incoming(facts: ProjectFacts, classes: dict[str, dict], file_facts) -> None:
    """Fill ``facts.incoming`` from the survey's ``defs`` and ``passes`` (see survey.incoming): a call
    ``self.m(...)`` in class C reaches ``m`` of C and of C's subclasses; any other call reaches the
    one function of the project with that name, when there is exactly one.  A parameter the
    function's summary already follows to a sink is left out: that call is reported where it is
    made (``check --diff`` on a pull request that adds it shows it), so the flow is one finding."""
    from gdpr_lint.classify import Match

    defs: dict[str, list[tuple[str, list[str]]]] = {}
    for found, _path in file_facts:
        for qual, params in found.get("defs", ()):
            defs.setdefault(qual.rpartition(".")[2], []).append((qual, params))
    if not defs:
        return
    by_last: dict[str, list[str]] = {}
    for qual in classes:
        by_last.setdefault(qual.rpartition(".")[2], []).append(qual)

    def parents(qual: str) -> list[str]:
        out = []
        for base in classes.get(qual, {}).get("b", ()):
            if base in classes:
                out.append(base)
            else:
                found = by_last.get(base.rpartition(".")[2], [])
                if len(found) == 1:
                    out.append(found[0])
        return out

    ancestry: dict[str, set[str]] = {}

    def ancestors(qual: str) -> set[str]:
        if qual not in ancestry:
            seen, todo = set(), [qual]  # iterative: a cycle of bases ends at a class seen before
            while todo and len(seen) < 200:
                cur = todo.pop()
                if cur in seen:
                    continue
                seen.add(cur)
                todo.extend(parents(cur))
            ancestry[qual] = seen
        return ancestry[qual]

    for found, path in file_facts:
        for callee, how, cls, arg, cats, line in found.get("passes", ()):
            targets = defs.get(callee, ())
            if how == "self":
                targets = [t for t in targets if cls and cls in ancestors(t[0].rpartition(".")[0])]
            elif how.startswith("class:"):
                # `r = Report(...); r.add_text(...)`: the method of that class or of one of its bases
                built = {a for q in by_last.get(how[6:], ()) for a in ancestors(q)}
                targets = [t for t in targets if t[0].rpartition(".")[0] in built]
            elif len(targets) != 1:
                continue
            elif how.startswith("attr:"):
                # `archive.add_text(...)` reaches DataArchive.add_text: the receiver's name says which
                # class (or module) it is; `writer.writerow(...)` on a library's writer does not
                receiver = split_words(how[5:])
                owner = targets[0][0].rpartition(".")[0]
                if not receiver or not set(receiver) & set(split_words(owner.rpartition(".")[2])):
                    continue
            for qual, params in targets:
                owner = qual.rpartition(".")[0]
                bound = owner in classes and how != "name" and params[:1] in (["self"], ["cls"])
                if isinstance(arg, int):
                    index = arg + 1 if bound else arg
                    if index >= len(params) or params[index].startswith("*"):
                        continue
                    name = params[index]
                else:
                    name = arg if arg in params else ""
                if not name or name in ("self", "cls"):
                    continue
                summary = facts.summaries.get(qual)
                if (how != "self" or owner == cls) and summary is not None and any(
                        summary[0][i] == name for i, *_ in summary[1]):
                    continue  # the call itself is reported, through the function's summary (PR-friendly);
                    # an override in a subclass is not what the call resolves to: its sink reports
                where = f"{path}:{line}"
                entry = facts.incoming.setdefault(qual, {})
                entry[name] = entry.get(name, frozenset()) | frozenset(
                    Match(c, f"passed to `{name}` by the call at {where}") for c in cats)


def _remote_handler_classes(classes: dict[str, dict], policy) -> dict[str, str]:
    """Project classes that subclass a logging handler which sends records to another machine
    (``class Shipper(logging.handlers.HTTPHandler)``), through project bases in any module: the
    class -> that handler.  A class only named like a handler, or a subclass of a local handler
    (``StreamHandler``), is not one."""
    remote = (policy.sinks.get("logging") or {}).get("remote_handlers") or {}
    if not remote:
        return {}
    found: dict[str, str | None] = {}

    def base_of(qual: str, depth: int) -> str | None:
        if qual in found:
            return found[qual]
        found[qual] = None  # a cycle of bases ends here
        for base in classes[qual]["b"]:
            hit = base if base in remote else (base_of(base, depth + 1) if base in classes and depth < 16 else None)
            if hit:
                found[qual] = hit
                break
        return found[qual]

    return {qual: hit for qual in sorted(classes) if (hit := base_of(qual, 0))}


def _subclass_names(classes: dict[str, dict], names: frozenset[str]) -> frozenset[str]:
    """The qualified names of the project's classes that derive from one of the classes ``names``
    (qualified: ``class CLIError(click.ClickException)``), through project bases in any module."""
    if not names:
        return frozenset()
    found: dict[str, bool] = {}

    def derives(qual: str, depth: int) -> bool:
        if qual not in found:
            found[qual] = False  # a cycle of bases ends here
            found[qual] = any(base in names or (
                base in classes and depth < 16 and derives(base, depth + 1)) for base in classes[qual]["b"])
        return found[qual]

    return frozenset(qual for qual in classes if derives(qual, 0))


def _field_types(classes: dict[str, dict], policy) -> dict[str, tuple[str, ...]]:
    """The project's classes that derive from a framework's field type or a type the categories
    name (``class LowercaseEmailField(models.EmailField)``), through project bases in any module:
    qualified name -> those types, so that a field declared with one is judged as with them."""
    fw = policy.frameworks
    typed = {t for c in policy.categories.values() for t in c.types}
    found: dict[str, tuple[str, ...]] = {}

    def ancestors(qual: str, depth: int) -> tuple[str, ...]:
        if qual not in found:
            found[qual] = ()  # a cycle of bases ends here
            out: list[str] = []
            for base in classes[qual]["b"]:
                if base in classes and depth < 16:
                    out += ancestors(base, depth + 1)
                elif base in typed or fw.of_field_constructor(base) and not fw.of_base(base):
                    out.append(base)  # (not `models.Model`: a record, not a field type)
            found[qual] = tuple(dict.fromkeys(out))
        return found[qual]

    return {qual: hit for qual in sorted(classes) if (hit := ancestors(qual, 0))}


def _sink_objects(objects: dict[str, str], policy) -> dict[str, str]:
    """The objects (qualified name -> maker) that a factory of a log, a store or an HTTP client of
    ``sinks.yaml``, or a processor's SDK, makes."""
    if not objects:
        return {}
    known = _known_maker(policy)
    return {q: maker for q, maker in objects.items() if known(maker)}


def _with_inherited_fields(qual: str, classes: dict[str, dict]) -> list:
    """A class's fields and those its project bases declare (an abstract model's), its own first
    and each name once, through a few levels of bases."""
    out: dict[str, list] = {}
    todo, seen = [qual], set()
    while todo and len(seen) < 8:
        cur = todo.pop(0)
        if cur in seen or cur not in classes:
            continue
        seen.add(cur)
        for f in classes[cur]["f"]:
            out.setdefault(f[0], f)
        todo.extend(classes[cur]["b"])
    return list(out.values())


def _known_maker(policy, sdks: bool = True):
    """A test of a qualified name: a factory of a log, a store or an HTTP client of ``sinks.yaml``,
    or (``sdks``) a name in a processor's SDK."""
    makers: set[str] = set()
    for section in ("logging", "storage", "http"):
        found = (policy.sinks.get(section) or {}).get("objects") or {}
        makers.update(found.get("factories") or ())  # (http: one kind of object)
        makers.update(f for spec in found.values() if isinstance(spec, dict) for f in spec.get("factories") or ())
    roots: dict[str, list[str]] = {}  # by their first part: a name is tested against a few
    for p in policy.processors.values() if sdks else ():
        for r in p.sdk:
            roots.setdefault(r.partition(".")[0], []).append(r)
    return lambda maker: maker in makers or any(maker == r or maker.startswith(r + ".")
                                                for r in roots.get(maker.partition(".")[0], ()))


def _project_factories(makers: dict[str, list[str]], policy) -> dict[str, str]:
    """The project's functions that hand back what a factory of ``sinks.yaml`` makes (a log, a
    store, an HTTP client; not any name of a processor's SDK, whose calls mostly hand back what
    the processor answered), directly or through another such function of the project
    (``get_cache()`` returning ``get_redis()``): qualified name -> the factory (the first one it
    returns)."""
    if not makers:
        return {}
    known = _known_maker(policy, sdks=False)
    out: dict[str, str] = {}
    for _round in range(4):  # (chains of project factories, a few deep)
        for qual, found in makers.items():
            if qual not in out:
                hit = next((m if known(m) else out[m] for m in found if known(m) or m in out), None)
                if hit is not None:
                    out[qual] = hit
    return out
