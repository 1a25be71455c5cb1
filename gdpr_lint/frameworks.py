"""Schema frameworks by the qualified names of their base classes and decorators (no libcst needed).

Used by the engine's schema recogniser and by the project index, which reads class headers with
``ast`` before any file is parsed with libcst.
"""

from __future__ import annotations

DJANGO_BASES = ("django.db.models.Model", "django.db.models.base.Model", "django.contrib.auth.models.AbstractUser",
                "django.contrib.auth.models.AbstractBaseUser", "django.contrib.auth.base_user.AbstractBaseUser",
                "django.contrib.auth.models.User", "django.contrib.auth.models.PermissionsMixin",
                "django.contrib.gis.db.models.Model")
PYDANTIC_BASES = ("pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel", "pydantic.RootModel",
                  "pydantic.generics.GenericModel", "ninja.Schema", "ninja.ModelSchema")
SETTINGS_BASES = ("pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings",
                  "pydantic.env_settings.BaseSettings", "enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag",
                  "enum.IntFlag", "django.db.models.TextChoices", "django.db.models.IntegerChoices",
                  "django.db.models.Choices", "django.apps.AppConfig", "typing.Protocol", "Exception")
SQLMODEL_BASES = ("sqlmodel.SQLModel", "sqlmodel.main.SQLModel")
TYPEDDICT_BASES = ("typing.TypedDict", "typing_extensions.TypedDict", "typing.NamedTuple")
MARSHMALLOW_BASES = ("marshmallow.Schema", "marshmallow.schema.Schema", "marshmallow_sqlalchemy.SQLAlchemySchema",
                     "marshmallow_sqlalchemy.SQLAlchemyAutoSchema", "marshmallow_dataclass.dataclass")
DATACLASS_DECORATORS = ("dataclasses.dataclass", "pydantic.dataclasses.dataclass", "attr.s", "attr.attrs",
                        "attr.define", "attr.frozen", "attr.mutable", "attr.dataclass", "attrs.define", "attrs.frozen",
                        "attrs.mutable", "attr.attributes", "marshmallow_dataclass.dataclass")
REFERENCE_FIELDS = ("ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey", "ParentalManyToManyField",
                    "GenericForeignKey", "GenericRelation", "relationship", "relation", "backref", "Nested",
                    "PrimaryKeyRelatedField", "HyperlinkedRelatedField", "SlugRelatedField", "StringRelatedField",
                    "synonym", "association_proxy", "column_property", "hybrid_property", "ForeignKeyField",
                    "SerializerMethodField", "HyperlinkedIdentityField", "Method", "Function")
SA_ALIASES = ("db", "sa", "sqlalchemy", "orm")  # `db.Column` (Flask-SQLAlchemy), `sa.Column`
CONFIG_SUFFIXES = ("Settings", "Config", "Configuration", "Options", "Conf", "Defaults")


def framework_of_base(base: str, table: bool = False) -> tuple[str, bool] | None:
    """``(framework, storage)`` when a base class's qualified name is a schema framework's base."""
    if base in DJANGO_BASES:
        return ("django", True)
    if base in SQLMODEL_BASES:
        return ("sqlmodel", table)
    if base in PYDANTIC_BASES:
        return ("pydantic", False)
    if base in TYPEDDICT_BASES:
        return ("typeddict", False)
    if base in MARSHMALLOW_BASES:
        return ("marshmallow", False)
    if base.startswith("rest_framework.serializers."):
        return ("drf", False)
    if base == "db.Model" or base.endswith((".db.Model", "flask_sqlalchemy.Model")):
        return ("sqlalchemy", True)  # Flask-SQLAlchemy: `db = SQLAlchemy()`, `class User(db.Model)`
    return None


def is_config_base(base: str) -> bool:
    """Settings, enums and choices: classes whose attributes are configuration, not personal data."""
    return base in SETTINGS_BASES or base.endswith(("Enum", "Settings", "Choices"))
