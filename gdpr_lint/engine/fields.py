"""Retention and encryption-at-rest checks on schema fields, and the inventory rows they yield.

GDPR Art. 5(1)(e) (storage limitation) and Art. 30 (records of processing) for tags;
Art. 32 (security of processing) for encryption at rest.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import libcst as cst

from gdpr_lint.classify import Classifier, Match
from gdpr_lint.engine.record_classes import Spot
from gdpr_lint.engine.schemas import Field, Schema, SchemaFinder
from gdpr_lint.engine.tree import EXPRESSIONS, block_statements, children
from gdpr_lint.policy import rules_dir, split_words
from gdpr_lint.policy.comments import Tag
from gdpr_lint.policy.datamap import datamap_for
from gdpr_lint.policy.yamlfile import safe_load
from gdpr_lint.survey.classes import RECORD_CALL_MARKERS

_TAXONOMY: dict | None = None


def taxonomy() -> dict:
    """The Fides keys tags may use (``rules/taxonomy.yaml``), loaded once."""
    global _TAXONOMY
    if _TAXONOMY is None:
        data = safe_load((rules_dir() / "taxonomy.yaml").read_text(encoding="utf-8"))
        _TAXONOMY = {k: frozenset(v) for k, v in data.items()}
    return _TAXONOMY


_SIMPLE = frozenset({cst.SimpleStatementLine, cst.SimpleStatementSuite})
_COMPOUND = frozenset({cst.If, cst.For, cst.While, cst.Try, cst.TryStar, cst.With, cst.FunctionDef, cst.Match})




def _once(compute: Callable[[cst.CSTNode], Tag | None], node: cst.CSTNode) -> Callable[[], Tag | None]:
    """``compute(node)`` on first call, the same value afterwards."""
    memo: list = []

    def get() -> Tag | None:
        if not memo:
            memo.append(compute(node))
        return memo[0]
    return get


class FieldChecks:
    """Runs GDPR101-105 and GDPR201 over every schema in a file and collects inventory rows."""

    def __init__(self, ctx, classifier: Classifier, finder: SchemaFinder | None, module_name: str, facts=None,
                 classes=None) -> None:
        from gdpr_lint.facts.project import ProjectFacts

        self.ctx = ctx
        #: the record classes read from ``ast`` (:class:`~gdpr_lint.engine.record_classes.RecordClasses`,
        #: or :data:`~gdpr_lint.engine.record_classes.NO_CLASSES` when another part of the file read
        #: them); ``None``: libcst's tree is read for classes too (Python could not parse the file)
        self.classes = classes
        self.classifier = classifier
        self.finder = finder
        self.module_name = module_name
        self.policy = ctx.policy
        self.datamap = datamap_for(ctx.policy)
        self.facts = facts if facts is not None else ProjectFacts()

    def run(self) -> None:
        """Find schemas (classes in source order, then Core tables) and check their fields; none
        in a migration, whose schemas copy the application's (``scope.yaml`` ``migrations``)."""
        if self.policy.migrations.matches(self.ctx.path):
            return
        for schema, class_tag in self._schemas():
            for field in schema.fields:
                self.check_field(schema, field, class_tag)

    def _schemas(self):
        """``(schema, its class's tag)`` of the file in source order: the classes read from
        ``ast``, and the records libcst's tree declares by a call (all of its schemas without them)."""
        module = self.ctx.module
        called = list(self._schemas_in(module)) if module is not None else []
        if self.classes is None:
            yield from called
            return
        tag_above = self.ctx.comments.tag_above
        classes = [(first, schema, _once(tag_above, first)) for schema, first in self.classes.schemas()]
        if called and classes:  # (a Core table and classes in one file: the rows in source order)
            lines = [self.ctx.positions.get(schema.node) for schema, _tag in called]
            found = sorted([*classes, *((pos.start.line if pos else 0, schema, tag) for pos, (schema, tag)
                                        in zip(lines, called))], key=lambda item: item[0])
            yield from ((schema, tag) for _line, schema, tag in found)
            return
        yield from ((schema, tag) for _first, schema, tag in classes)
        yield from called

    def _schemas_in(self, module: cst.Module):
        stack: list[cst.CSTNode] = [module]
        order: list[cst.CSTNode] = []
        source = self.ctx.source
        # a Core Table(...) resolves to sqlalchemy.Table; a record may be declared by a call too
        core_tables = _declares_records_by_call(source)
        while stack:
            cur = stack.pop()
            kind = type(cur)
            if kind is cst.ClassDef or kind is cst.Call:
                order.append(cur)
            elif not core_tables:
                # classes are statements: only compound statements' bodies can hold one
                if kind in _SIMPLE or kind in EXPRESSIONS:
                    continue
                if kind is not cst.ClassDef and kind in _COMPOUND:
                    stack.extend(reversed(block_statements(cur)))
                    continue
            stack.extend(reversed(children(cur)))
        for node in order:
            if isinstance(node, cst.ClassDef):
                if self.classes is not None:
                    continue  # (read from ast)
                kind = self.finder.classify_class(node)
                if kind is None:
                    continue
                self.finder.known[node.name.value] = kind
                fields = self.finder.fields_of(node, *kind)
                yield Schema(node.name.value, kind[0], kind[1], node, fields), _once(self._class_tag, node)
            else:
                table = self.finder.core_table(node) or self.finder.functional_record(node)
                if table is not None:
                    yield table, _once(self._stmt_tag_above, node)

    def _first_line(self, node: cst.CSTNode) -> int:
        line = self.ctx.positions.first_line(node)
        return 1 if line is None else line

    def _class_tag(self, node: cst.ClassDef) -> Tag | None:
        return self.ctx.comments.tag_above(self._first_line(node))

    def _stmt_tag_above(self, node: cst.CSTNode) -> Tag | None:
        return None

    # ---- one field --------------------------------------------------------------------------------
    def check_field(self, schema: Schema, field: Field, class_tag: Callable[[], Tag | None]) -> None:
        """Check one field; ``class_tag`` gives the tag above its class (computed only when needed)."""
        ctx, policy = self.ctx, self.policy
        dotted = ".".join(p for p in (self.module_name, field.owner, field.name) if p)
        declared = self.datamap.get(dotted) or self.datamap.get(f"{field.owner}.{field.name}")
        evidence = self.facts.evidence_for(f"{self.module_name}.{field.owner}")
        named = self._named(field, evidence)
        typed = self._typed(field, evidence)
        if not (ctx.comments.tags or declared or named or typed):
            return  # not personal data by name or type, and no tag or data map entry can declare it so
        pos = field.node.range if type(field.node) is Spot else ctx.positions.get(field.node)
        if pos is None:
            return
        tag = ctx.comments.tag_for(pos.start.line, pos.start.line if isinstance(field.node, cst.Call) else
                                   pos.end.line) or class_tag()
        source = "tag" if tag is not None else ("data map" if declared else "none")
        values = dict(tag.values) if tag is not None else dict(declared or {})
        if values.get("category") == "none":
            return
        booleans = policy.frameworks.boolean_types
        types = self._types(field)
        if any(n.rpartition(".")[2] in booleans for n in types) and "category" not in values:
            return  # a yes/no flag (`email_receipts: bool`) says something about the data, it is not the data
        # a type that says exactly what a field holds (an EmailField) wins over a word that may
        # name something else (`address`, a postal address); free text by its type does not
        exact = [m for m in typed if policy.categories[m.category].context != "person_linked"]
        matches = exact or list(named) or list(typed)
        if matches and any(_temporal(n.rpartition(".")[2], policy.frameworks.temporal_types) for n in types):
            # a date or time records when something happened, unless such a date is personal data
            matches = [m for m in matches if self._dated(m.category)]
        if "category" in values:
            cat = values["category"]
            matches = [Match(cat, "declared in tag")]
        elif matches and evidence.why:
            matches = [Match(m.category, f"{m.reason}; {field.owner} {evidence.why}" if "(on " in m.reason or
                             m.reason.startswith("type ") else m.reason) for m in matches]
        persisted = None if field.storage else self.facts.persisted.get(f"{self.module_name}.{field.owner}")
        if persisted and "category" not in values:
            matches = [Match(m.category, f"{m.reason}; {field.owner} is {persisted}") for m in matches]
        if not matches:
            return
        categories = sorted({m.category for m in matches})
        if source == "none" and all(policy.categories.get(c) and policy.categories[c].credential for c in categories):
            return  # a password hash or a secret: a credential, not a retention question (JUDGEMENT.md)
        ctx.symbol = f"{field.owner}.{field.name}"
        encrypted = self._encrypted(field)
        node = field.node
        # carriers (Pydantic, dataclasses, serializers, forms) move data that a store keeps: they are
        # listed in the inventory as exchanged, and need tags only when the config asks for them
        checked = field.storage or bool(persisted) or policy.config.check_carriers
        # --- retention (GDPR101-105)
        if not checked:
            pass
        elif tag is not None and tag.errors:
            ctx.report("GDPR102", node, f"unreadable retention tag on line {tag.line} ({'; '.join(tag.errors)}) "
                       f"for field `{field.name}`", matches)
        elif "retention" not in values:
            ctx.report("GDPR101", node, f"`{field.owner}.{field.name}` holds personal data and has no retention tag",
                       matches)
        else:
            self._check_values(node, field, values, categories, matches)
        # --- encryption at rest (GDPR201)
        if field.storage and not encrypted and not field.reference:
            must = [m for m in matches if self._must_encrypt(m.category)]
            if must:
                ctx.report("GDPR201", node, f"`{field.owner}.{field.name}` is stored unencrypted", must)
        # the data subject: the tag's, the record's own name (`Customer`), else the person it
        # belongs to (an `Order` whose `customer` references a person record is the customer's)
        subject = values.get("subject") or self.classifier.subject_of(tuple(
            w for w in (field.owner.lower(),))) or self._subject(field.owner) or next(
            (s for ref in evidence.person_refs for s in [self.classifier.subject_of(tuple(ref))] if s), None)
        ctx.inventory.append({
            "path": ctx.path, "line": pos.start.line, "column": pos.start.column + 1, "module": self.module_name,
            "model": field.owner,
            "field": field.name, "framework": field.framework, "storage": field.storage,
            "categories": categories, "reasons": sorted({m.reason for m in matches}),
            "special": any(policy.categories.get(c) and policy.categories[c].special for c in categories),
            "subject": subject or "", "retention": values.get("retention", ""), "basis": values.get("basis", ""),
            "purpose": values.get("purpose", ""), "encrypted": encrypted, "declared_by": source,
            "erasure": values.get("erasure", ""), "access": values.get("access", ""),
            "exempt_reason": values.get("reason", ""),
            "tag_problem": self._tag_problem(tag, values),
            # a carrier's field is data exchanged, not kept: listed under the store it mirrors, no tag needed
            "exchanged": not checked, "mirrors": self.facts.mirrors.get(f"{self.module_name}.{field.owner}", ""),
        })
        ctx.symbol = ""

    def _named(self, field: Field, evidence) -> tuple[Match, ...]:
        """Categories the field's name gives, with what the project says about its class.

        A reference (a foreign key) holds another record's row: it is personal data by name only
        when the name alone says so (``gender`` beside a ``Gender`` lookup), never by its type."""
        if field.reference:
            if field.name not in evidence.lookup_refs:
                return ()
            return tuple(m for m in self.classifier.classify(field.name, None)
                         if not self.policy.categories[m.category].context == "person_linked")
        found = self.classifier.classify(field.name, field.owner, False, evidence)
        if not found:
            # the name it is kept under says what it holds too (`name_field`, db_column="name"); a
            # name that ends with the declaration's word (`email_column`) may name another field (a
            # column of a file to import): its type decides (_typed)
            other = field.column
            if other and other != field.name and other.isidentifier():
                found = self.classifier.classify(other, field.owner, False, evidence)
        if found and self._enumerated(field):  # one of the values the code lists: no text a person wrote
            found = tuple(m for m in found if self.policy.categories[m.category].context != "person_linked")
        return found

    def _enumerated(self, field: Field) -> bool:
        """Whether a field holds one of the values the code lists: ``choices=``, or an enumeration
        type (frameworks.yaml ``enum_types``: ``Enum(...)``, a project's ``StringEnum``)."""
        if field.enumerated:
            return True
        frameworks = self.policy.frameworks
        return any((last := n.rpartition(".")[2]) in frameworks.enum_types or last.endswith(frameworks.enum_type_suffixes)
                   for n in field.names) if frameworks.enum_types or frameworks.enum_type_suffixes else False

    def _types(self, field: Field) -> tuple[str, ...]:
        """The names of a field's declaration, with the framework types the project's own field
        types among them derive from (``MarkdownField`` -> ``django.db.models.TextField``)."""
        if not self.facts.field_types:
            return field.names
        return field.names + tuple(t for n in field.names for t in self.facts.field_types_of(n))

    def _spoken(self, name: str) -> str:
        """A field's name without a last word that names the declaration (`email_field`)."""
        words = split_words(name)
        if len(words) > 1 and words[-1] in self.policy.frameworks.declaration_words:
            return "_".join(words[:-1])
        return name

    def _typed(self, field: Field, evidence) -> tuple[Match, ...]:
        """Categories the field's type gives (``EmailField``), where the owner allows them: not on a
        thing's record such as a queue or a site (its address is a role address), and free-text or
        file types only on a person's records."""
        if field.reference or self.classifier.about_data(self._spoken(field.name)):
            return ()  # a name about the data (`username_validator`) is not the data, whatever its type says
        found = self.classifier.classify_type(self._types(field))
        if not found:
            return ()
        owner_ctx = self.classifier.owner_context(field.owner, evidence)
        if owner_ctx == "org" or owner_ctx == "thing" and self.classifier.nonpersonal_owner(field.owner):
            return ()
        # free text by its type (TextField) unless the name says it is something technical
        # (`scopes`, `token_secret`, `query`), or its values are listed (`choices=`: a state)
        technical = self._enumerated(field) or any(w in self.policy.metadata_words for w in split_words(field.name))
        return tuple(m for m in found if self.policy.categories[m.category].context != "person_linked"
                     or (owner_ctx in ("person", "linked") and not technical))

    def _tag_problem(self, tag: Tag | None, values: dict) -> str:
        """Why the field's tag cannot be read (a GDPR102 finding), else ``""``: such a field does
        not count as tagged in the inventory's coverage."""
        if tag is not None and tag.errors:
            return "; ".join(tag.errors)
        retention = values.get("retention")
        if retention and self.policy.retention_days(retention) is None:
            return f"retention `{retention}` is not an ISO 8601 duration or a named period"
        return ""

    def _subject(self, owner: str) -> str | None:
        from gdpr_lint.policy import split_words

        words = split_words(owner)
        return self.classifier.subject_of(words, of_class=len(words) == 1)

    def _check_values(self, node, field: Field, values: dict, categories: list[str], matches) -> None:
        ctx, policy = self.ctx, self.policy
        retention = values["retention"]
        days = policy.retention_days(retention)
        if days is None:
            ctx.report("GDPR102", node, f"retention `{retention}` of `{field.name}` is neither an ISO 8601 duration "
                       "(P30D, P6M, P2Y) nor a period named in the policy", matches)
            return
        for cat in categories:
            limit = policy.max_retention_days(cat)
            if limit is not None and days > limit + 0.5:
                label = policy.categories[cat].label if cat in policy.categories else cat
                ctx.report("GDPR103", node, f"retention {retention} of `{field.name}` exceeds the policy maximum for "
                           f"{label} ({policy.max_retention_text(cat)})", [m for m in matches if m.category == cat])
                break
        tax = taxonomy()
        for key, table, noun in (("category", "data_categories", "data-category"),
                                 ("purpose", "data_uses", "data-use")):
            value = values.get(key)
            if value and value != "none" and value not in tax[table] and not (
                    key == "category" and value in policy.categories):
                ctx.report("GDPR104", node, f"tag {key}=`{value}` on `{field.name}` is not a Fides {noun} key "
                           f"({table})", ())
        missing = [k for k in policy.config.require if k != "retention" and k not in values]
        if missing:
            ctx.report("GDPR105", node, f"retention tag of `{field.name}` lacks required {', '.join(missing)}",
                       matches)

    def _dated(self, category: str) -> bool:
        """Whether a date named with a category's words is itself personal data (``dates``, the
        category's or a parent's)."""
        key = category
        while key:
            cat = self.policy.categories.get(key)
            if cat is not None and cat.dates:
                return True
            key = key.rpartition(".")[0]
        return False

    def _must_encrypt(self, category: str) -> bool:
        key = category
        while key:
            cat = self.policy.categories.get(key)
            if cat is not None:
                return cat.encrypt
            key = key.rpartition(".")[0]
        return False

    def _encrypted(self, field: Field) -> bool:
        policy = self.policy
        lasts = _encrypted_lasts(policy.encrypted_types)
        for name in self._types(field):
            last = name.rpartition(".")[2]
            if name in policy.encrypted_types or last in lasts:
                return True
            if last.startswith(policy.encrypted_type_prefixes):
                return True
        return False


def _temporal(name: str, types: frozenset[str]) -> bool:
    """Whether a type's last name is a date or time type: one of ``types``, or a class named as
    one of their class names ends (a project's ``UTCDateTime``, ``LocalDate``)."""
    return name in types or name[:1].isupper() and name.endswith(_class_names(types))


@lru_cache(maxsize=4)
def _class_names(types: frozenset[str]) -> tuple[str, ...]:
    """The names among ``types`` spelled as classes (``DateTime``, not ``datetime``)."""
    return tuple(t for t in types if t[:1].isupper())


@lru_cache(maxsize=8)
def _encrypted_lasts(types: tuple[str, ...]) -> frozenset[str]:
    """The last names of the policy's encrypted types (``EncryptedTextField`` of a dotted one)."""
    return frozenset(t.rpartition(".")[2] for t in types)


@lru_cache(maxsize=2)
def _declares_records_by_call(source: str) -> bool:
    """Whether a module may declare a record by a call (a Core ``Table``, a ``TypedDict``): read
    once for all the parts of a module read in parts."""
    return any(marker in source for marker in RECORD_CALL_MARKERS)
