"""The model of the project's stores: the store classes (Django models, SQLAlchemy classes ...),
their fields, where their references point (foreign keys, one-to-one fields, ``Column(ForeignKey(...))``,
``relationship(...)``), the names a record's related records go by (``related_name``, ``backref``,
``customer.order_set``) and which deletions cascade (``on_delete=CASCADE``, ``ondelete="CASCADE"``,
``relationship(cascade="all, delete")``).

Each store's module is read with :mod:`ast` (its code is never run).  The erasure and access
check (:mod:`gdpr_lint.engine.rights`) asks it what a record's attribute holds and what a
deletion takes with it.  The words (field constructors, cascade words) are policy data
(``rights.yaml``).
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gdpr_lint.engine.rights import Code

USER_MODEL = "<user model>"  # the framework's user model when the project does not define it


@dataclass
class Model:
    """A store class: its fields, where its references point and whether a delete cascades along them."""

    qual: str
    name: str
    fields: set[str] = field(default_factory=set)
    refs: dict[str, str] = field(default_factory=dict)  # field -> target qual
    cascades: set[str] = field(default_factory=set)  # fields whose target's deletion deletes this record
    reverse_names: dict[str, str] = field(default_factory=dict)  # related_name/backref on the target -> field
    child_cascade: set[str] = field(default_factory=set)  # relationship attributes with cascade delete
    table: str = ""


class Stores:
    """The project's store classes, read from their modules (fields, references, cascades)."""

    def __init__(self, facts, code: Code, policy) -> None:
        self.words = policy.rights
        self.queried_through = policy.frameworks.queried_through  # `objects` of `Customer.objects`
        self.models: dict[str, Model] = {}
        store_quals = {q for q, (_fw, store) in facts.schemas.items() if store}
        by_module: dict[str, list[str]] = {}
        for q in store_quals:
            by_module.setdefault(q.rpartition(".")[0], []).append(q)
        self.by_name: dict[str, list[str]] = {}
        raw_refs: list[tuple[Model, str, str, str]] = []  # model, field, target as written, module
        for module, quals in by_module.items():
            read = code.classes(module, {q.rpartition(".")[2] for q in quals})
            if read is None:
                continue
            classes, names = read
            for cls in classes:
                model = Model(f"{module}.{cls.name}", cls.name)
                self._read_class(cls, model, names, raw_refs, module)
                self.models[model.qual] = model
                self.by_name.setdefault(cls.name.lower(), []).append(model.qual)
        # fields of abstract bases and mixins that are stores too
        for qual, model in self.models.items():
            for base in facts.classes.get(qual, {}).get("b", ()):
                parent = self.models.get(base)
                if parent is not None and parent is not model:
                    model.fields |= parent.fields
        tables = {m.table: m.qual for m in self.models.values() if m.table}
        for model, name, target, module in raw_refs:
            resolved = self.resolve_target(target, module, tables)
            if resolved:
                model.refs[name] = resolved

    # -- reading the classes ----------------------------------------------------------------------
    def _read_class(self, cls: ast.ClassDef, model: Model, names, raw_refs: list, module: str) -> None:
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                name, value = stmt.targets[0].id, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                name, value = stmt.target.id, stmt.value
            else:
                continue
            if name == "__tablename__" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                model.table = value.value
                continue
            if name.startswith("_"):
                continue
            model.fields.add(name)
            if not isinstance(value, ast.Call):
                continue
            callee = names.resolve(value.func).rpartition(".")[2]
            keywords = {k.arg: k.value for k in value.keywords if k.arg}
            if callee in self.words.foreign_keys:  # Django (and wagtail's ParentalKey)
                target = _target_text(value, names)
                raw_refs.append((model, name, target, module))
                on_delete = keywords.get("on_delete") or (value.args[1] if len(value.args) > 1 else None)
                if on_delete is None or _dotted(on_delete).rpartition(".")[2] in self.words.cascade_words:
                    model.cascades.add(name)
                related = keywords.get("related_name")
                reverse = related.value if isinstance(related, ast.Constant) and isinstance(related.value, str) else ""
                model.reverse_names[reverse or f"{cls.name.lower()}_set"] = name
                if callee in self.words.one_to_one and not reverse:
                    model.reverse_names[cls.name.lower()] = name
            elif callee in self.words.relationships:  # SQLAlchemy
                target = _target_text(value, names)
                if target:
                    raw_refs.append((model, f"<rel>{name}", target, module))
                cascade = keywords.get("cascade")
                if isinstance(cascade, ast.Constant) and isinstance(cascade.value, str) and any(
                        w in self.words.cascade_words for w in re.split(r"[\s,-]+", cascade.value)):
                    model.child_cascade.add(name)
                backref = keywords.get("backref") or keywords.get("back_populates")
                if isinstance(backref, ast.Constant) and isinstance(backref.value, str):
                    model.reverse_names.setdefault(f"<back>{backref.value}", name)
            elif callee in self.words.columns:
                for arg in value.args:
                    if isinstance(arg, ast.Call) and names.resolve(arg.func).rpartition(".")[2] in self.words.foreign_keys:
                        spec = arg.args[0] if arg.args else None
                        if isinstance(spec, ast.Constant) and isinstance(spec.value, str):
                            raw_refs.append((model, name, "table:" + spec.value.rpartition(".")[0], module))
                        ondelete = {k.arg: k.value for k in arg.keywords}.get("ondelete")
                        if isinstance(ondelete, ast.Constant) and str(ondelete.value).upper() == "CASCADE":
                            model.cascades.add(name)

    def resolve_target(self, target: str, module: str, tables: dict[str, str] | None = None) -> str:
        """The store a reference points at (``USER_MODEL`` for the framework's user model)."""
        if not target:
            return ""
        if target.startswith("table:"):
            return (tables or {}).get(target[6:], "")
        if target in self.models:
            return target
        if "AUTH_USER_MODEL" in target or target.endswith(("get_user_model()", "auth.User", "auth.models.User")):
            return self._user_model()
        if target == "self":
            return ""
        name = target.rpartition(".")[2].lower()
        found = self.by_name.get(name, [])
        if len(found) == 1:
            return found[0]
        same = [q for q in found if q.rpartition(".")[0] == module]
        return same[0] if same else ""

    def _user_model(self) -> str:
        found = self.by_name.get("user", [])
        return found[0] if len(found) == 1 else USER_MODEL

    def by_word(self, word: str) -> str:
        """The store a variable or parameter named ``word`` holds (``customer`` -> ``Customer``,
        ``order_line`` -> ``OrderLine``), when one store has that name."""
        if word.lower() in self.words.not_records:
            return ""
        key = word.lower().replace("_", "")
        found = self.by_name.get(key, [])
        if len(found) == 1:
            return found[0]
        if not found and len(key) > 3:  # `download` for the one store named `...Download` (DataDownload)
            ending = [q for name, quals in self.by_name.items() if name.endswith(key) for q in quals]
            if len(ending) == 1:
                return ending[0]
        if key == "user" or key.endswith("user"):
            return self._user_model()
        return ""

    def relation(self, qual: str, attr: str) -> str:
        """What ``record.attr`` holds: the target of a forward reference or relationship, or the
        records that point at ``qual`` (``customer.orders``, ``customer.order_set``)."""
        model = self.models.get(qual)
        if model is not None and attr in model.refs:
            return model.refs[attr]
        if model is not None and f"<rel>{attr}" in model.refs:
            return model.refs[f"<rel>{attr}"]
        for other in self.models.values():
            fk = other.reverse_names.get(attr)
            if fk is not None and other.refs.get(fk) == qual:
                return other.qual
            back = other.reverse_names.get(f"<back>{attr}")
            if back is not None and other.refs.get(f"<rel>{back}") == qual:
                return other.qual
        return ""

    def cascade(self, deleted: dict[str, str]) -> dict[str, str]:
        """``deleted`` with every record a cascade deletes with them (same routine)."""
        out = dict(deleted)
        changed = True
        while changed:
            changed = False
            for model in self.models.values():
                if model.qual in out:
                    for rel in model.child_cascade:  # parent.children with cascade="all, delete"
                        child = model.refs.get(f"<rel>{rel}")
                        if child and child not in out:
                            out[child] = out[model.qual]
                            changed = True
                    continue
                for name in model.cascades:
                    target = model.refs.get(name)
                    if target in out:
                        out[model.qual] = out[target]
                        changed = True
                        break
        return out


# ---- helpers --------------------------------------------------------------------------------------------

def _names(tree: ast.Module, module: str, path: str):
    from gdpr_lint.survey.classes import _Names

    return _Names(tree, module, os.path.basename(path) == "__init__.py")


def _dotted(node) -> str:
    from gdpr_lint.survey.classes import _dotted as dotted

    return dotted(node) if isinstance(node, ast.expr) else ""


def _target_text(call: ast.Call, names) -> str:
    from gdpr_lint.survey.classes import _target

    return _target(call, names)
