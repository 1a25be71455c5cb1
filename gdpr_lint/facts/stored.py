"""The project facts the analysis reads, as cache data.

A scan whose surveys are the last scan's (an edit to a function's body that adds no call, a
comment) builds the same project facts.  Building them reads every file's survey and costs a
fifth of a second on Django, most of what one changed file costs; reading them back costs a few
milliseconds.  The facts the analysis reads (:meth:`ProjectFacts.for_analysis`), with the bases of
every class (the erasure and access check follows a store's bases), are kept in the cache under
the key of every survey (``facts`` namespace, :func:`gdpr_lint.scan.scan`).

The data is JSON, as every cache entry is (:mod:`gdpr_lint.cache`): a value is a string, a number,
``true`` or ``false``, or a list whose first item says what it holds: ``"t"``
a tuple, ``"l"`` a list, ``"f"`` a frozen set, ``"d"`` a dictionary (its keys and values in
turn: a key may be a tuple), ``"m"`` a :class:`~gdpr_lint.classify.Match`, ``"e"`` an
:class:`~gdpr_lint.facts.project.Evidence`.  Reading builds those types and no other, each value
checked against the shape of its field (:data:`SHAPES`: a summary's flows are tuples of a number
and three strings); anything else is :class:`~gdpr_lint.cache.BadEntry`, a miss: the facts are
then built.
"""

from __future__ import annotations

from typing import Any

from gdpr_lint.cache import BadEntry, need_keys
from gdpr_lint.classify import Match
from gdpr_lint.facts.project import Evidence, ProjectFacts

#: the fields kept: those :meth:`ProjectFacts.for_analysis` keeps, and the classes (their bases)
KEPT = ("classes", "schemas", "evidence", "persisted", "shown_exceptions", "shown_below", "class_names", "texts",
        "carried", "mirrors", "named", "summaries", "shared_methods", "incoming", "handlers", "operator_exceptions",
        "returns", "field_types", "objects", "sink_objects", "class_texts", "factories", "typed_fields",
        "record_modules")


def facts_to_data(facts: ProjectFacts) -> dict:
    """The analysis's facts (and every class's bases, as ``classes``) as JSON data."""
    kept = facts.for_analysis()
    kept.classes = {q: {"b": list(c.get("b") or ())} for q, c in facts.classes.items()}
    return {name: _encode(getattr(kept, name)) for name in KEPT}


def facts_from_data(data: Any) -> ProjectFacts:
    """What :func:`facts_to_data` gave, every value checked against its field's :data:`SHAPES`
    (:class:`BadEntry` otherwise)."""
    need_keys(data, frozenset(KEPT))
    values = {name: _decode(data[name], SHAPES[name]) for name in KEPT}
    for bases in values["classes"].values():
        need_keys(bases, frozenset({"b"}))
    return ProjectFacts(**values)


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return value
    if kind is tuple:
        return ["t", *map(_encode, value)]
    if kind is list:
        return ["l", *map(_encode, value)]
    if kind is frozenset:
        return ["f", *map(_encode, value)]
    if kind is dict:
        return ["d", *(_encode(x) for item in value.items() for x in item)]
    if kind is Match:
        return ["m", value.category, value.reason]
    if kind is Evidence:
        return ["e", value.kind, value.why, _encode(value.person_refs), _encode(value.lookup_refs),
                _encode(value.measures)]
    raise TypeError(f"not kept in the project facts' data: {kind.__name__}")


# the shape of each field: a scalar type, MATCH, EVIDENCE, or (container, item shapes...):
# ("dict", key, value), ("tuple", first, second, ...), ("tuples", item) of any length,
# ("list", item), ("set", item) for a frozen set
MATCH, EVIDENCE = "match", "evidence"
_WORDS = ("tuples", str)
_MATCHES = ("set", MATCH)
SHAPES: dict[str, Any] = {
    "classes": ("dict", str, ("dict", str, ("list", str))),
    "schemas": ("dict", str, ("tuple", str, bool)),
    "evidence": ("dict", str, EVIDENCE),
    "persisted": ("dict", str, str),
    "shown_exceptions": ("set", str),
    "shown_below": ("dict", str, int),
    "class_names": ("set", str),
    "texts": ("dict", _WORDS, _MATCHES),
    "carried": ("dict", _WORDS, _MATCHES),
    "mirrors": ("dict", str, str),
    "named": ("dict", _WORDS, EVIDENCE),
    "summaries": ("dict", str, ("tuple", _WORDS, ("tuples", ("tuple", int, str, str, str)))),
    "shared_methods": ("set", str),
    "incoming": ("dict", str, ("dict", str, _MATCHES)),
    "handlers": ("dict", str, str),
    "operator_exceptions": ("set", str),
    "returns": ("dict", str, ("tuple", _WORDS, ("tuples", int))),
    "field_types": ("dict", str, _WORDS),
    "objects": ("dict", str, str),
    "sink_objects": ("dict", str, str),
    "class_texts": ("dict", str, _MATCHES),
    "factories": ("dict", str, str),
    "typed_fields": ("dict", str, ("list", ("tuple", _WORDS, _MATCHES))),
    "record_modules": ("set", str),
}
_EVIDENCE_FIELDS = (str, str, ("tuples", _WORDS), _WORDS, ("tuples", ("tuple", str, str)))
_TAGS = {"dict": "d", "tuple": "t", "tuples": "t", "list": "l", "set": "f"}


def _decode(data: Any, shape: Any) -> Any:
    if type(shape) is type:
        if type(data) is not shape:  # (a bool is not an int here)
            raise BadEntry(f"expected {shape.__name__} in the project facts")
        return data
    if type(data) is not list or not data:
        raise BadEntry("a value of the project facts is a tagged list")
    if shape == MATCH:
        if data[0] != "m" or len(data) != 3:
            raise BadEntry("expected a match")
        return Match(_decode(data[1], str), _decode(data[2], str))
    if shape == EVIDENCE:
        if data[0] != "e" or len(data) != 6:
            raise BadEntry("expected an evidence")
        return Evidence(*(_decode(d, s) for d, s in zip(data[1:], _EVIDENCE_FIELDS)))
    kind, *items = shape
    if data[0] != _TAGS[kind]:
        raise BadEntry(f"expected a {kind} in the project facts")
    if kind == "dict":
        if len(data) % 2 != 1:
            raise BadEntry("a dictionary of the project facts has a value for each key")
        key, value = items
        return {_decode(k, key): _decode(v, value) for k, v in zip(data[1::2], data[2::2])}
    if kind == "tuple":
        if len(data) != len(items) + 1:
            raise BadEntry("a tuple of the project facts has its own length")
        return tuple(_decode(d, s) for d, s in zip(data[1:], items))
    made = (_decode(d, items[0]) for d in data[1:])
    return tuple(made) if kind == "tuples" else list(made) if kind == "list" else frozenset(made)
