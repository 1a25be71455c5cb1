"""The Fides export of the record of processing (``gdpr-lint inventory --format fides``): one
Fides manifest (YAML) with a dataset (one collection per model, one field per personal-data field
with its data categories and, in its description, its tags) and a system whose privacy
declarations give each purpose and lawful basis of the kept fields with their categories, data
subjects, retention and the third parties that receive them (fideslang's ``Dataset`` and ``System``).

The functions are pure: they take the inventory rows (see :mod:`gdpr_lint.reporters.inventory`)
and return text.
"""

from __future__ import annotations

import re

import yaml

from gdpr_lint import __version__
from gdpr_lint.reporters.inventory import sort_rows

_NOT_FIDES_KEY = re.compile(r"[^a-zA-Z0-9_.<>-]+")  # fideslang.validation.FIDES_KEY_PATTERN, negated


def fides_key(text: str, fallback: str = "gdpr_lint_inventory") -> str:
    """``text`` made into a valid FidesKey (``^[a-zA-Z0-9_.<>-]+$``): other runs become ``_``."""
    key = _NOT_FIDES_KEY.sub("_", text.strip()).strip("_")
    return key or fallback


def to_fides_dataset(rows: list[dict], policy, name: str) -> str:
    """A Fides dataset manifest (YAML): one collection per module + model, one field per row.

    The collection is named after the model; when two modules hold a model of the same name
    both are qualified (``shop.models.Customer``).  Field descriptions carry the tags.
    """
    groups: dict[tuple[str, str], dict[str, dict]] = {}
    for r in sort_rows(rows):
        fields = groups.setdefault((r.get("module", ""), r.get("model", "")), {})
        entry = fields.setdefault(r.get("field", ""), {"categories": [], "rows": []})
        for c in r.get("categories", []):
            key = fides_key(c)
            if key not in entry["categories"]:
                entry["categories"].append(key)
        entry["rows"].append(r)
    model_count: dict[str, int] = {}
    for _module, model in groups:
        model_count[model] = model_count.get(model, 0) + 1
    collections = []
    for (module, model), fields in groups.items():
        cname = f"{module}.{model}" if model_count[model] > 1 and module else model
        first = next(iter(fields.values()))["rows"][0]
        coll = {"name": cname, "description": f"{first.get('framework', '')} model {model} in {first.get('path')}"
                                              .strip()}
        out_fields = []
        for fname, entry in sorted(fields.items()):
            r = entry["rows"][0]
            item = {"name": fname, "data_categories": entry["categories"]}
            parts = [f"{k}={r[k]}" for k in ("retention", "basis", "purpose", "subject") if r.get(k)]
            if r.get("special"):
                parts.append("special category (Art. 9)")
            if r.get("encrypted"):
                parts.append("encrypted at rest")
            if parts:
                item["description"] = "; ".join(parts)
            out_fields.append(item)
        coll["fields"] = out_fields
        collections.append(coll)
    collections.sort(key=lambda c: c["name"])
    dataset = {"fides_key": fides_key(name), "name": name or "gdpr-lint inventory",
               "description": f"Personal-data fields found in code by gdpr-lint {__version__} "
                              "(records of processing, GDPR Art. 30)",
               "collections": collections}
    return yaml.safe_dump({"dataset": [dataset]}, sort_keys=False, allow_unicode=True, width=120)


#: Art. 6(1) bases as fideslang names them (``LegalBasisForProcessingEnum``)
FIDES_BASES = {"consent": "Consent", "contract": "Contract", "legal-obligation": "Legal obligations",
               "vital-interests": "Vital interests", "public-task": "Public interest",
               "legitimate-interests": "Legitimate interests"}


def to_fides_system(rows: list[dict], policy, name: str, receivers: list[dict] | None = None) -> dict:
    """A Fides system (a ``system`` manifest entry) for the code: one privacy declaration per
    purpose and lawful basis of the kept fields, with their categories, subjects, retention and the
    third parties that receive those categories; the controller as the system's legal name."""
    receivers = receivers or []
    kept = [r for r in rows if not r.get("exchanged")]
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in kept:
        groups.setdefault((r.get("purpose") or "", r.get("basis") or ""), []).append(r)

    def related(a: str, b: str) -> bool:
        return a == b or a.startswith(b + ".") or b.startswith(a + ".")

    declarations = []
    for (purpose, basis), members in sorted(groups.items()):
        cats = sorted({fides_key(c) for r in members for c in r.get("categories", [])})
        subjects = sorted({r["subject"] for r in members if r.get("subject")})
        retention = sorted({r["retention"] for r in members if r.get("retention")})
        third = [x for x in receivers if any(related(c, d) for c in cats for d in x["categories"])]
        decl = {"name": f"{purpose or 'purpose not declared'} ({basis or 'no lawful basis declared'})",
                "data_categories": cats, "data_use": purpose or "essential", "data_subjects": subjects,
                "dataset_references": [fides_key(name)],
                "processes_special_category_data": any(r.get("special") for r in members),
                "data_shared_with_third_parties": bool(third),
                "shared_categories": sorted({c for x in third for c in x["categories"]})}
        if basis in FIDES_BASES:
            decl["legal_basis_for_processing"] = FIDES_BASES[basis]
        if len(retention) == 1:
            decl["retention_period"] = retention[0]
        if third:
            decl["third_parties"] = ", ".join(x["vendor"] for x in third)
        declarations.append(decl)
    controller = getattr(getattr(policy, "config", None), "controller", None) or {}
    system = {"fides_key": fides_key(f"{name}_system"), "name": name or "gdpr-lint system",
              "description": f"Processing found in code by gdpr-lint {__version__} (GDPR Art. 30)",
              "system_type": "Service", "privacy_declarations": declarations,
              "dataset_references": [fides_key(name)],
              "does_international_transfers": any(x["outside_eea"] for x in receivers),
              "legal_basis_for_transfers": sorted({x["transfer_mechanism"] for x in receivers
                                                   if x["outside_eea"] and x["transfer_mechanism"]})}
    if controller.get("name"):
        system["legal_name"] = controller["name"]
    if controller.get("address"):
        system["legal_address"] = controller["address"]
    return system


def to_fides(rows: list[dict], policy, name: str, receivers: list[dict] | None = None) -> str:
    """One Fides manifest (YAML) with the dataset (:func:`to_fides_dataset`) and the system
    (:func:`to_fides_system`) that declares its processing."""
    doc = yaml.safe_load(to_fides_dataset(rows, policy, name))
    doc["system"] = [to_fides_system(rows, policy, name, receivers)]
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
