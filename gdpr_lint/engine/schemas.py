"""Schema recognisers: which classes declare stored or exchanged records, and their fields.

A class is recognised by the qualified names of its bases, decorators and field constructors
(never by its own name): Django models, SQLAlchemy ``Column``/``mapped_column``/``Mapped[...]``,
SQLAlchemy Core ``Table(...)``, SQLModel, Pydantic, dataclasses, attrs, marshmallow, DRF
serializers, TypedDict and NamedTuple.  *Storage* schemas (Django, SQLAlchemy, SQLModel with
``table=True``) are the ones the encryption-at-rest rule applies to.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from gdpr_lint.engine.names import Resolver, last_name, string_value
from gdpr_lint.engine.reach import FUNCTIONAL_RECORDS
from gdpr_lint.engine.tree import children
from gdpr_lint.policy.frameworks import Frameworks


def absolute(name: str, package: str) -> str:
    """Resolve a relative qualified name (``.base.Model``, ``..core.Model``) against a package."""
    if not name.startswith("."):
        return name
    level = len(name) - len(name.lstrip("."))
    parts = package.split(".") if package else []
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join(p for p in (*parts, name.lstrip(".")) if p)


def record_kind(finder, name: str, bases: list[str], table: bool, decorators, body_names) -> tuple[str, bool] | None:
    """``(framework, storage)`` of a class by the qualified names of its ``bases``, its
    ``decorators`` (the names of each) and the names its body's statements call or annotate with
    (``body_names``, read only when the rest says nothing), or ``None`` when it is not a schema;
    ``table``: it is declared with ``table=True`` (SQLModel).  ``finder`` gives the policy's
    ``frameworks``, the scanned tree's schema classes (``project``), the module's package and the
    classes of the module already read (``known``)."""
    frameworks = finder.frameworks
    if any(frameworks.is_config_base(b) for b in bases) or frameworks.is_config_class(name):
        return None
    for b in bases:
        kind = frameworks.of_base(b, table)
        if kind is not None:
            return kind
        resolved = absolute(b, finder.module)
        if resolved in finder.project:  # a base class defined in another module of the scanned tree
            return finder.project[resolved]
        if b.split(".")[-1] in finder.known:
            return finder.known[b.split(".")[-1]]
    for names in decorators:
        kinds = {frameworks.decorators.get(n) for n in names} - {None}
        if kinds:
            return ("attrs" if "attrs" in kinds else "dataclass", False)
    for called in body_names:  # (custom bases, abstract models, mixins)
        kind = frameworks.of_field_constructor(called)
        if kind is not None:
            return kind
    return None


def declares_field(frameworks: Frameworks, framework: str, ann_names: list[str], annotated: bool, valued: bool,
                   callee: str | None) -> bool:
    """Whether a class attribute declares a field of a ``framework`` record: its annotation's
    names, whether it has an annotation and a value, and the last name of the call that makes
    its value (``None`` when it is not a call)."""
    if any(n.endswith("ClassVar") for n in ann_names):
        return False
    if not annotated:
        # plain assignment: only a field when built by a field constructor
        if callee is None:
            return False
        style = frameworks.style_of(framework)
        if (framework == "dataclass" or style == "annotated") and not callee.endswith(
                ("Field", "field", "ib", "attrib")):
            return False
        if framework == "attrs" and callee not in ("ib", "attrib", "field"):
            return False
        if style == "assigned" and not (
                callee[:1].isupper() or callee in ("mapped_column", "encrypt", "column_property")
                or callee in frameworks.reference_fields):  # `gender = relationship("Gender")`
            return False
    if annotated and not valued and frameworks.style_of(framework) == "assigned":
        # a type hint for a checker (`next_messages: models.Manager["Message"]`, `count: int` in a
        # Django model); only SQLAlchemy's `Mapped[...]` declares a column on its own
        return any(n.rpartition(".")[2] == "Mapped" for n in ann_names)
    return True


def _nothing(value: cst.BaseExpression) -> bool:
    """``None``, or an empty list, tuple or dict, written in the code (``choices=None``: no values listed)."""
    return (isinstance(value, cst.Name) and value.value == "None") or (
        isinstance(value, (cst.List, cst.Tuple, cst.Dict)) and not value.elements)


@dataclass
class Field:
    """A field of a recognised schema.

    ``names`` are the qualified names of every type and constructor in its declaration (used
    for type signals and for spotting encrypted types); ``node`` is the statement or the
    ``Column(...)`` call to report on.
    """

    name: str
    owner: str
    framework: str
    storage: bool
    names: tuple[str, ...]
    node: cst.CSTNode
    annotation: str = ""
    reference: bool = False  # a foreign key or relationship: it holds a row of another record
    column: str = ""  # the name of its column or key where it differs from ``name`` (``db_column="email"``)
    #: limited to values the code lists (``choices=``): a state or a kind, not free text
    enumerated: bool = False


@dataclass
class Schema:
    """A recognised class (or Core table) with its framework and fields."""

    name: str
    framework: str
    storage: bool
    node: cst.CSTNode
    fields: list[Field]


def _names_in(node: cst.CSTNode | None, resolver: Resolver) -> list[str]:
    out: list[str] = []
    if node is None:
        return out
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, (cst.Name, cst.Attribute)):
            out.extend(resolver.qnames(cur))
            if isinstance(cur, cst.Attribute):
                continue
        stack.extend(children(cur))
    return out


def _callee_names(node: cst.CSTNode | None, resolver: Resolver) -> list[str]:
    if isinstance(node, cst.Call):
        return list(resolver.qnames(node.func))
    return []


def _body_statements(node: cst.ClassDef, alone: bool = False):
    """``(statement, small statement)`` of a class body's simple statements: on their own lines
    (with ``alone``, only a line that holds one statement), or all on the header's line
    (``class Signup(Model): email = EmailField()``), where each is its own statement."""
    body = node.body
    if isinstance(body, cst.SimpleStatementSuite):
        for small in body.body:
            yield small, small
        return
    for stmt in body.body:
        if isinstance(stmt, cst.SimpleStatementLine) and (not alone or len(stmt.body) == 1):
            for small in stmt.body:
                yield stmt, small


class SchemaFinder:
    """Finds schemas in one module; ``known`` maps local class names to their framework.

    ``frameworks`` (the policy's) names the bases, decorators and constructors; ``project`` is the
    scanned tree's schema classes by qualified name (:func:`~gdpr_lint.facts.project.resolve_schemas`).
    """

    def __init__(self, resolver: Resolver, frameworks: Frameworks, project: dict[str, tuple[str, bool]] | None = None,
                 module: str = "", is_package: bool = False) -> None:
        self.resolver = resolver
        self.frameworks = frameworks
        self.module = module if is_package else module.rpartition(".")[0]
        self.known: dict[str, tuple[str, bool]] = {}
        self.project = project or {}

    def classify_class(self, node: cst.ClassDef) -> tuple[str, bool] | None:
        """``(framework, storage)`` for a class, or ``None`` when it is not a schema."""
        r = self.resolver
        table = any(k.keyword is not None and k.keyword.value == "table" and isinstance(k.value, cst.Name)
                    and k.value.value == "True" for k in node.keywords)
        decorators = (dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
                      for dec in node.decorators)

        def body_names():  # the field constructors in the body (custom bases, abstract models, mixins)
            for _stmt, small in _body_statements(node):
                value = getattr(small, "value", None)
                annotation = small.annotation.annotation if isinstance(small, cst.AnnAssign) else None
                yield from _callee_names(value, r) + (_names_in(annotation, r) if annotation is not None else [])
        return record_kind(self, node.name.value, [n for b in node.bases for n in r.qnames(b.value)], table,
                           (r.qnames(target) for target in decorators), body_names())

    def fields_of(self, node: cst.ClassDef, framework: str, storage: bool) -> list[Field]:
        """The data fields of a recognised class (references, constants and private names skipped)."""
        r = self.resolver
        out: list[Field] = []
        owner = node.name.value
        for stmt, small in _body_statements(node, alone=True):
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                target, value, annotation = small.target, small.value, small.annotation.annotation
            elif isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(
                    small.targets[0].target, cst.Name):
                target, value, annotation = small.targets[0].target, small.value, None
            else:
                continue
            name = target.value
            if not self.frameworks.may_be_field(name):
                continue
            ann_names = _names_in(annotation, r) if annotation is not None else []
            if not declares_field(self.frameworks, framework, ann_names, annotation is not None, value is not None,
                                  last_name(value.func) if isinstance(value, cst.Call) else None):
                continue
            value_names = _names_in(value, r) if value is not None else []
            callee = _callee_names(value, r)
            reference = any(c.rpartition(".")[2] in self.frameworks.reference_fields for c in callee)
            out.append(Field(name=name, owner=owner, framework=framework, storage=storage,
                             names=tuple(ann_names + value_names), node=stmt, reference=reference,
                             column=self._column_name(value, callee), enumerated=isinstance(value, cst.Call) and any(
                                 arg.keyword is not None and arg.keyword.value in self.frameworks.choice_keywords
                                 and not _nothing(arg.value) for arg in value.args)))
        return out

    def _column_name(self, value: cst.BaseExpression | None, callee: list[str]) -> str:
        """The column or key name a field's constructor gives (``db_column="email"``, ``alias=``,
        a SQLAlchemy ``Column("email", ...)``'s first argument), or ``""``."""
        if not isinstance(value, cst.Call):
            return ""
        keywords = self.frameworks.column_name_keywords
        for arg in value.args:
            if arg.keyword is not None and arg.keyword.value in keywords:
                return string_value(arg.value) or ""
        first = value.args[0] if value.args else None
        if first is not None and first.keyword is None and not first.star and any(
                c.rpartition(".")[2] in self.frameworks.column_constructors for c in callee):
            return string_value(first.value) or ""
        return ""

    def functional_record(self, call: cst.Call) -> Schema | None:
        """A carrier declared by a call: ``TypedDict("Signup", {"email": str})``,
        ``NamedTuple("Signup", [("email", str)])`` or ``namedtuple("Signup", "email phone")``."""
        names = self.resolver.qnames(call.func)
        kind = next((n.rpartition(".")[2] for n in names if n in FUNCTIONAL_RECORDS), None)
        if kind is None or len(call.args) < 2 or call.args[0].keyword is not None:
            return None
        record = string_value(call.args[0].value) or "record"
        spec = call.args[1].value
        fields: list[Field] = []

        def add(name: str | None, node: cst.CSTNode, declared: cst.CSTNode | None) -> None:
            if name and name.isidentifier() and not name.startswith("_"):
                fields.append(Field(name=name, owner=record, framework="typeddict", storage=False,
                                    names=tuple(_names_in(declared, self.resolver)) if declared is not None else (),
                                    node=node))

        if kind == "TypedDict" and isinstance(spec, cst.Dict):
            for el in spec.elements:
                if isinstance(el, cst.DictElement):
                    add(string_value(el.key), el, el.value)
        elif isinstance(spec, (cst.List, cst.Tuple)):
            for el in spec.elements:
                item = el.value
                if isinstance(item, cst.Tuple) and item.elements:  # ("email", str)
                    add(string_value(item.elements[0].value), item,
                        item.elements[1].value if len(item.elements) > 1 else None)
                else:  # namedtuple("T", ["email", "phone"])
                    add(string_value(item), item, None)
        elif kind == "namedtuple" and string_value(spec):  # namedtuple("T", "email phone")
            for name in string_value(spec).replace(",", " ").split():
                add(name, spec, None)
        return Schema(name=record, framework="typeddict", storage=False, node=call, fields=fields) if fields else None

    def core_table(self, call: cst.Call) -> Schema | None:
        """A SQLAlchemy Core ``Table("name", metadata, Column("email", ...), ...)`` as a storage schema."""
        names = self.resolver.qnames(call.func)
        if not any(n in self.frameworks.tables for n in names) or not call.args:
            return None
        table = string_value(call.args[0].value) or "table"
        fields: list[Field] = []
        for arg in call.args[1:]:
            col = arg.value
            if not isinstance(col, cst.Call) or not col.args:
                continue
            if not any(n.rpartition(".")[2] == "Column" for n in self.resolver.qnames(col.func)):
                continue
            col_name = string_value(col.args[0].value)
            if not col_name:
                continue
            if any(n.rpartition(".")[2] == "ForeignKey" for n in _names_in(col, self.resolver)):
                continue
            fields.append(Field(name=col_name, owner=table, framework="sqlalchemy-core", storage=True,
                                names=tuple(_names_in(col, self.resolver)), node=col))
        return Schema(name=table, framework="sqlalchemy-core", storage=True, node=call, fields=fields)
