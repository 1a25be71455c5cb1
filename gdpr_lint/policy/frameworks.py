"""Schema frameworks as the policy pack's ``frameworks.yaml`` describes them (no libcst needed).

Used by the engine's schema recogniser and by the project index, which reads class headers with
``ast`` before any file is parsed with libcst.  The names (which base classes, decorators and
field constructors belong to Django, SQLAlchemy, Pydantic ...) are knowledge and live in the
pack; how each framework declares its fields is syntax and lives in
:mod:`gdpr_lint.engine.schemas`, keyed by :data:`KNOWN`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gdpr_lint.errors import ConfigError

#: framework keys the engine knows how to read fields for, each with how its fields are declared:
#: ``assigned`` (``email = CharField()``: a field constructor, a class by its capital, or a
#: reference) or ``annotated`` (``email: str``, ``email: str = Field(...)``).  Another key in the
#: pack names its own style with ``fields:`` (Peewee, MongoEngine: assigned; Beanie: annotated).
KNOWN = {"django": "assigned", "sqlalchemy": "assigned", "marshmallow": "assigned", "drf": "assigned",
         "sqlmodel": "annotated", "pydantic": "annotated", "typeddict": "annotated"}
STYLES = ("assigned", "annotated")
DECORATOR_KINDS = ("dataclass", "attrs")


@dataclass(frozen=True)
class Frameworks:
    """What makes a class a schema, and which of its fields are data.

    ``bases`` maps a base class's qualified name to ``(framework, storage)`` where storage is
    ``True``, ``False`` or ``"table"`` (SQLModel: storage only with ``table=True``).
    """

    bases: dict[str, tuple[str, bool | str]]
    base_prefixes: tuple[tuple[str, str, bool | str], ...]
    base_suffixes: tuple[tuple[str, str, bool | str], ...]
    field_prefixes: tuple[tuple[str, str, bool | str], ...]
    column_constructors: frozenset[str]
    column_module_prefixes: tuple[str, ...]
    column_module_aliases: frozenset[str]
    tables: frozenset[str]
    decorators: dict[str, str]
    config_bases: frozenset[str]
    config_base_suffixes: tuple[str, ...]
    config_class_suffixes: tuple[str, ...]
    reference_fields: frozenset[str]
    boolean_types: frozenset[str]
    validator_decorators: frozenset[str]
    person_bases: frozenset[str] = frozenset()
    person_references: tuple[str, ...] = ()
    username_text_bases: frozenset[str] = frozenset()
    username_text_references: tuple[str, ...] = ()  # a reference to a framework's user model that prints its username
    username_text_imports: frozenset[str] = frozenset()  # an import that shows the project uses that model
    styles: tuple[tuple[str, str], ...] = ()  # (framework, how it declares fields) beyond KNOWN
    column_name_keywords: frozenset[str] = frozenset()
    choice_keywords: frozenset[str] = frozenset()  # a field limited to listed values (`choices=`)
    one_to_one_fields: frozenset[str] = frozenset()  # references that hold one record each way
    enum_types: frozenset[str] = frozenset()  # field types that hold one of listed values (`Enum`)
    enum_type_suffixes: tuple[str, ...] = ()  # ... and the endings of such types' names (`StringEnum`)
    declaration_words: frozenset[str] = frozenset()
    temporal_types: frozenset[str] = frozenset()
    config_attributes: frozenset[str] = frozenset()  # a record class's attributes that configure it
    managers: frozenset[str] = frozenset()  # class attributes that query its records (`objects`)
    query_properties: frozenset[str] = frozenset()  # ... that may also be a field's name (`query`)
    query_values: frozenset[str] = frozenset()  # query methods whose result is no record (`count`, `dates`)
    collection_words: frozenset[str] = frozenset()  # `list` of `EmailListField`: several of what it names

    @cached_property
    def queried_through(self) -> frozenset[str]:
        """The attributes of a record class through which its records are queried: what
        ``Customer.objects.filter(...)`` (or ``Customer.query.first()``) gives is a ``Customer``."""
        return self.managers | self.query_properties

    def may_be_field(self, name: str) -> bool:
        """Whether a class attribute's name may be a data field's: not private, a constant, a
        manager or an attribute that configures the class."""
        return not (name.startswith("_") or name.isupper() or name in self.managers or
                    name in self.config_attributes)

    def style_of(self, framework: str) -> str:
        """How a framework's classes declare fields: ``assigned``, ``annotated`` or ``""`` (a
        decorator kind, or SQLAlchemy Core, which the engine reads its own way)."""
        return KNOWN.get(framework) or dict(self.styles).get(framework, "")

    @classmethod
    def from_pack(cls, data: dict[str, Any], where: str) -> Frameworks:
        """Build from the parsed ``frameworks.yaml`` (``where`` is its path, for errors).

        Raises:
            ConfigError: an unknown framework or decorator kind, or a value of the wrong shape.
        """
        def names(value: Any, key: str) -> tuple[str, ...]:
            if value is None:
                return ()
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ConfigError(where, key, "expected a list of names")
            return tuple(value)

        bases: dict[str, tuple[str, bool | str]] = {}
        prefixes, suffixes, fields = [], [], []
        columns: dict[str, tuple[str, ...]] = {"column_constructors": (), "column_module_prefixes": (),
                                               "column_module_aliases": (), "tables": ()}
        frameworks = data.get("frameworks") or {}
        if not isinstance(frameworks, dict):
            raise ConfigError(where, "frameworks", "expected a mapping of framework keys")
        styles: list[tuple[str, str]] = []
        for key, spec in frameworks.items():
            at = f"frameworks.{key}"
            if not isinstance(spec, dict):
                raise ConfigError(where, at, "expected a mapping")
            style = spec.get("fields")
            if key in KNOWN or key in DECORATOR_KINDS:
                if key in DECORATOR_KINDS or style not in (None, KNOWN[key]):
                    raise ConfigError(where, f"{at}.fields" if style else at,
                                      f"{key} is built in: its fields are {KNOWN.get(key, 'read by decorator')}")
            elif style not in STYLES:
                raise ConfigError(where, f"{at}.fields", f"a framework of the pack says how it declares its "
                                  f"fields: {' or '.join(STYLES)}")
            else:
                styles.append((key, style))
            storage = spec.get("storage", False)
            if storage not in (True, False, "table"):
                raise ConfigError(where, f"{at}.storage", "expected true, false or table")
            for name in names(spec.get("bases"), f"{at}.bases"):
                bases[name] = (key, storage)
            prefixes += [(p, key, storage) for p in names(spec.get("base_prefixes"), f"{at}.base_prefixes")]
            suffixes += [(s, key, storage) for s in names(spec.get("base_suffixes"), f"{at}.base_suffixes")]
            fields += [(p, key, storage) for p in names(spec.get("field_prefixes"), f"{at}.field_prefixes")]
            for column_key in columns:
                found = names(spec.get(column_key), f"{at}.{column_key}")
                if found and key != "sqlalchemy":
                    raise ConfigError(where, f"{at}.{column_key}", "only sqlalchemy has columns and tables")
                columns[column_key] += found
        decorators: dict[str, str] = {}
        raw_decorators = data.get("decorators") or {}
        if not isinstance(raw_decorators, dict):
            raise ConfigError(where, "decorators", "expected a mapping of decorator kinds")
        for kind, listed in raw_decorators.items():
            if kind not in DECORATOR_KINDS:
                raise ConfigError(where, f"decorators.{kind}", f"unknown kind; expected {' or '.join(DECORATOR_KINDS)}")
            decorators.update((name, kind) for name in names(listed, f"decorators.{kind}"))
        config = data.get("configuration") or {}
        if not isinstance(config, dict):
            raise ConfigError(where, "configuration", "expected a mapping")
        return cls(
            bases=bases, base_prefixes=tuple(prefixes), base_suffixes=tuple(suffixes), field_prefixes=tuple(fields),
            column_constructors=frozenset(columns["column_constructors"]),
            column_module_prefixes=columns["column_module_prefixes"],
            column_module_aliases=frozenset(columns["column_module_aliases"]), tables=frozenset(columns["tables"]),
            decorators=decorators,
            config_bases=frozenset(names(config.get("bases"), "configuration.bases")),
            config_base_suffixes=names(config.get("base_suffixes"), "configuration.base_suffixes"),
            config_class_suffixes=names(config.get("class_suffixes"), "configuration.class_suffixes"),
            reference_fields=frozenset(names(data.get("reference_fields"), "reference_fields")),
            boolean_types=frozenset(names(data.get("boolean_types"), "boolean_types")),
            validator_decorators=frozenset(names(data.get("validator_decorators"), "validator_decorators")),
            person_bases=frozenset(names(data.get("person_bases"), "person_bases")),
            person_references=names(data.get("person_references"), "person_references"),
            username_text_bases=frozenset(names(data.get("username_text_bases"), "username_text_bases")),
            username_text_references=names(data.get("username_text_references"), "username_text_references"),
            username_text_imports=frozenset(names(data.get("username_text_imports"), "username_text_imports")),
            styles=tuple(styles),
            column_name_keywords=frozenset(names(data.get("column_name_keywords"), "column_name_keywords")),
            choice_keywords=frozenset(names(data.get("choice_keywords"), "choice_keywords")),
            one_to_one_fields=frozenset(names(data.get("one_to_one_fields"), "one_to_one_fields")),
            enum_types=frozenset(names(data.get("enum_types"), "enum_types")),
            enum_type_suffixes=tuple(names(data.get("enum_type_suffixes"), "enum_type_suffixes")),
            declaration_words=frozenset(names(data.get("declaration_words"), "declaration_words")),
            temporal_types=frozenset(names(data.get("temporal_types"), "temporal_types")),
            config_attributes=frozenset(names(config.get("attributes"), "configuration.attributes")),
            managers=frozenset(names(data.get("managers"), "managers")),
            query_properties=frozenset(names(data.get("query_properties"), "query_properties")),
            query_values=frozenset(names(data.get("query_values"), "query_values")),
            collection_words=frozenset(names(data.get("collection_words"), "collection_words")))

    def of_base(self, base: str, table: bool = False) -> tuple[str, bool] | None:
        """``(framework, storage)`` when a base class's qualified name is a schema framework's base.

        ``table`` is whether the class passes ``table=True`` (SQLModel).
        """
        found = self.bases.get(base)
        if found is None:
            found = next(((k, s) for p, k, s in self.base_prefixes if base.startswith(p)), None) or next(
                ((k, s) for p, k, s in self.base_suffixes if base.endswith(p)), None)
        if found is None:
            return None
        key, storage = found
        return (key, table if storage == "table" else storage)

    def of_field_constructor(self, name: str) -> tuple[str, bool] | None:
        """``(framework, storage)`` when a qualified callee or annotation name marks a class's framework
        (``django.db.models.CharField``, ``sqlalchemy.Column``, ``db.Column``)."""
        for prefix, key, storage in self.field_prefixes:
            if name.startswith(prefix):
                return (key, storage is True)
        module, _, last = name.rpartition(".")
        if last in self.column_constructors and (name.startswith(self.column_module_prefixes) or module.rpartition(
                ".")[2] in self.column_module_aliases):
            return ("sqlalchemy", True)
        return None

    def is_config_base(self, base: str) -> bool:
        """Settings, enums and choices: classes whose attributes are configuration, not personal data."""
        return base in self.config_bases or base.endswith(self.config_base_suffixes)

    def is_config_class(self, name: str) -> bool:
        """A class named as configuration (``AppSettings``, ``MailConfig``)."""
        return name.endswith(self.config_class_suffixes)
