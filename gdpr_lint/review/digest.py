"""The review digest: SHA-256 over the canonical JSON of the privacy-relevant content of the code.

What goes in (and nothing else):

- the personal-data inventory, one entry per field **without line numbers** (path, module, model,
  field, framework, storage, categories, special, subject, retention, basis, purpose, encrypted,
  declared_by);
- every finding's line-independent fingerprint with its rule code, categories, sink and processor;
- the processors in use (from processor findings and from imports of a catalogued SDK);
- every suppression with its reason, and with the categories, sink and processor of the finding it
  hides (adding a phone number to a suppressed log call changes the digest);
- every baseline entry with its reason;
- every file that was not analysed (GDPR901 syntax error, GDPR902 unreadable or too big, GDPR905
  beyond analysis), by the SHA-256 of its whole content: once approved, nothing can be written
  into it unseen;
- every file the config's ``exclude`` left out of the scan (in a git work tree: tracked, or
  untracked and not ignored), by the SHA-256 of its content, so excluding a file, or changing one
  that is excluded, changes the digest and the review lists it;
- a hash of the policy's content (the default pack and the organisation's config).

Fingerprints come from the tokens of the reported code (see
:func:`gdpr_lint.findings.normalise_source`), so every character of a string counts, ``#`` included,
however long the statement.

So moving code up or down, reformatting, or changing code that touches no personal data leaves the
digest as it was; tagging, adding or changing a personal-data field, a new log call with personal
data, a new processor, a new suppression or a policy change gives a new digest.

The policy hash used here leaves out gdpr-lint's own version on purpose: upgrading the tool does not
invalidate every sign-off by itself, but anything the new version finds differently (a new finding,
a re-classified field) changes the content and so the digest.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

DIGEST_FORMAT = "gdpr-lint-digest/2"

#: inventory row keys that are part of the digest (``line`` and ``reasons`` are not)
INVENTORY_KEYS = ("path", "module", "model", "field", "framework", "storage", "categories", "special", "subject",
                  "retention", "basis", "purpose", "encrypted", "declared_by")


def canonical_json(obj: Any) -> bytes:
    """The canonical byte form: sorted keys, no insignificant whitespace, UTF-8, no NaN."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sha256_hex(obj: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``obj``."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def policy_content_hash(policy) -> str:
    """A hash of what the policy says (default pack + organisation config), without the tool version."""
    from gdpr_lint.policy import _default_pack, rules_dir

    pack = _default_pack(str(rules_dir()))
    config = json.dumps(policy.config.raw, sort_keys=True, default=str)
    return hashlib.sha256((pack + "\x1f" + config).encode("utf-8")).hexdigest()


def _sorted(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda d: canonical_json(d))


def privacy_content(findings, suppressed, inventory, processors, baseline, policy_hash: str,
                    excluded=(), not_analysed=()) -> dict:
    """The dict the digest is computed over (see the module docstring).

    Args:
        findings: the open findings (:class:`~gdpr_lint.findings.Finding`).
        suppressed: the suppressed findings (with ``suppression_reason``).
        inventory: inventory rows (dicts).
        processors: names of the processors in use.
        baseline: baseline entries (dicts with ``fingerprint`` and ``reason``).
        policy_hash: :func:`policy_content_hash` of the effective policy.
        excluded: ``{path, sha256}`` of the files the config's ``exclude`` removed.
        not_analysed: ``{path, code, sha256}`` of the files that were not analysed.
    """
    return {
        "format": DIGEST_FORMAT,
        "policy": policy_hash,
        "inventory": _sorted([{k: row.get(k) for k in INVENTORY_KEYS} for row in inventory]),
        "findings": _sorted([{"fingerprint": f.fingerprint, "code": f.code, "categories": sorted(f.categories),
                              "sink": f.sink, "processor": f.processor} for f in findings]),
        "processors": sorted(set(processors)),
        "suppressions": _sorted([{"fingerprint": f.fingerprint, "code": f.code, "reason": f.suppression_reason,
                                  "categories": sorted(f.categories), "sink": f.sink, "processor": f.processor}
                                 for f in suppressed]),
        "baseline": _sorted([{"fingerprint": str(e.get("fingerprint", "")), "reason": str(e.get("reason", "")),
                              "count": e.get("count", 1)} for e in baseline]),
        "not_analysed": _sorted([{"path": str(d["path"]), "code": str(d["code"]), "sha256": str(d["sha256"])}
                                 for d in not_analysed]),
        "excluded": _sorted([{"path": str(d["path"]), "sha256": str(d["sha256"])} for d in excluded]),
    }


def compute_digest(content: dict) -> str:
    """``sha256:<hex>`` of the canonical JSON of a :func:`privacy_content` dict."""
    return "sha256:" + sha256_hex(content)
