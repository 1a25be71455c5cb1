"""The ``review``, ``signoff`` and ``verify`` commands (registered on the ``gdpr-lint`` group in cli.py).

Exit codes of ``verify`` (the deploy gate):

- **0** an unexpired ``approve`` record for the current digest, validly signed by an allowed signer;
- **1** the gate failed: no sign-off, stale, rejected, expired, signer not allowed, signature invalid
  (one sentence on stderr says which);
- **2** usage or configuration error: a malformed allowed-signers file (with the line number), a
  missing file, no ``ssh-keygen``, a bad config.

``review`` and ``signoff`` exit 0 when they wrote their files and 2 on a usage error.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from gdpr_lint.errors import UsageError
from gdpr_lint.review import REVIEW_FORMAT, signing

ENV_ALLOWED = "GDPR_LINT_ALLOWED_SIGNERS"


def _records_for(folder: Path, digest: str) -> list[dict]:
    out = []
    for path, rec, problem in signing.load_records(folder):
        if rec is not None and rec.get("digest") == digest:
            out.append({"file": path.name, "decision": rec.get("decision"), "signer": rec.get("signer"),
                        "role": rec.get("role"), "signed_at": rec.get("signed_at"), "expires": rec.get("expires"),
                        "note": rec.get("note"), "key_fingerprint": rec.get("key_fingerprint"),
                        "problem": problem or None})
    return out


def snapshot_for(paths: tuple[str, ...], config: str | None, jobs: int | None, cache: Path | None):
    """Load the policy and scan ``paths`` from the current folder (what review and verify share)."""
    from gdpr_lint.cli import _load_policy
    from gdpr_lint.review.model import take_snapshot

    paths = paths or (".",)
    policy = _load_policy(config, paths)
    return take_snapshot(list(paths), policy, Path.cwd(), jobs=jobs, cache_dir=cache)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--base", metavar="REF", help="Git revision to compare with: the privacy diff (fields, processors, "
              "findings added or removed). The revision is read with `git archive`, never run.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=str), default="gdpr-review",
              show_default=True, help="Folder for review.html, review.md and review.json.")
@click.option("--config", type=click.Path(path_type=str), help="Config file (default: found by walking up).")
@click.option("--signoffs", type=click.Path(file_okay=False, path_type=str), default=str(signing.SIGNOFFS_DIR),
              show_default=True, help="Folder of sign-off records (listed in the sign-off section).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: cores).")
@click.option("--no-cache", is_flag=True, hidden=True,
              help="Accepted for compatibility: review never uses the results cache.")
def review(paths, base, out_dir, config, signoffs, jobs, no_cache) -> None:
    """Write the DPO review of PATHS (default: the current folder): review.html (one self-contained page),
    review.md (for a pull-request comment) and review.json (canonical, versioned), with the digest
    that `gdpr-lint signoff` signs.  Always a full scan: the review reads no results cache."""
    from gdpr_lint.review import model
    from gdpr_lint.review.render_html import render_html
    from gdpr_lint.review.render_md import render_md

    # No results cache, like `verify`: the review is what the DPO signs, so it is computed from the
    # code alone.  The cache is authenticated (gdpr_lint/cache.py) and a committed one cannot
    # forge entries, but reading none leaves nothing to argue about, and a review is rare enough
    # to afford a cold scan (and, with --base, a second one of the base revision).
    head = snapshot_for(paths, config, jobs, None)
    base_snap, base_commit = (None, "")
    if base:
        base_snap, base_commit = model.scan_base(base, head.paths, head.policy, Path.cwd(), jobs=jobs,
                                                 cache_dir=None)
    digest = head.digest
    doc = model.build_review(head, base_snap, base or "", base_commit, _records_for(Path(signoffs), digest))
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "review.json").write_text(model.to_json(doc), encoding="utf-8")
        (out / "review.md").write_text(render_md(doc), encoding="utf-8")
        (out / "review.html").write_text(render_html(doc), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the review to {out}: {exc.strerror or exc}") from None
    v = doc["verdict"]
    click.echo(f"gdpr-lint review: wrote {out / 'review.html'}, review.md and review.json: {v['fields']} "
               f"personal-data fields, {v['findings']} open findings, {v['processors']} processors; "
               f"digest {digest}", err=True)


def _load_review(path: Path) -> dict:
    if path.is_dir():
        path = path / "review.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"review not found: {path} (run `gdpr-lint review` first)") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the review {path} ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != REVIEW_FORMAT or not isinstance(doc.get("digest"), str):
        raise UsageError(f"{path} is not a gdpr-lint review.json")
    from gdpr_lint.review.digest import compute_digest

    content = doc.get("privacy_content")
    if not isinstance(content, dict) or compute_digest(content) != doc["digest"]:
        raise UsageError(f"{path} was altered: its digest does not match its content; run `gdpr-lint review` again")
    return doc


@click.command()
@click.argument("review_path", metavar="REVIEW", type=click.Path(path_type=Path))
@click.option("--key", "key", required=True, type=click.Path(path_type=Path),
              help="The DPO's SSH private key (or a .pub whose private key is in ssh-agent).")
@click.option("--decision", required=True, type=click.Choice(signing.DECISIONS), help="approve or reject.")
@click.option("--note", default="", help="Why, or under which conditions (signed with the decision).")
@click.option("--expires", metavar="DATE", default=None,
              help="Last day the approval holds (2027-01-31, UTC) or a date-time with time zone.")
@click.option("--role", default="Data Protection Officer", show_default=True, help="The signer's role.")
@click.option("--signer", default=None, help="Signer identity (default: the key's comment); use the principal "
              "the allowed-signers file lists for the key.")
@click.option("--signoffs", type=click.Path(file_okay=False, path_type=Path), default=signing.SIGNOFFS_DIR,
              show_default=True, help="Folder to write the record to (commit it with the code).")
def signoff(review_path, key, decision, note, expires, role, signer, signoffs) -> None:
    """Sign REVIEW (a review.json, or the folder holding it) with an SSH key: the digest, the decision and
    the record's other fields are signed in the SSHSIG format (namespace gdpr-lint) by `ssh-keygen -Y sign`,
    and the record is written to .gdpr/signoffs/."""
    doc = _load_review(review_path)
    expires_text = None
    if expires:
        expires_text, instant = signing.parse_expiry(expires)
        if instant <= signing.utc_now():
            raise UsageError(f"--expires {expires} is already past")
    if not key.exists():
        raise UsageError(f"key file not found: {key}")
    pub = signing.public_key_of(key)
    signer = (signer or signing.key_comment(pub)).strip()
    if not signer:
        raise UsageError(f"the key {key} has no comment to name the signer; give --signer (e.g. your e-mail address)")
    scope = doc.get("scope") or {}
    context = {k: scope.get(k) for k in ("repository", "commit", "base", "base_commit", "paths", "date")}
    context["policy"] = (scope.get("policy") or {}).get("hash")
    context["tool"] = (scope.get("tool") or {}).get("version")
    record = signing.make_record(doc["digest"], decision, signer, role, note, expires_text,
                                 signing.key_fingerprint(pub), context)
    record["signature"] = signing.sign(signing.payload(record), key)
    try:
        path = signing.write_record(signoffs, record)
    except OSError as exc:
        raise UsageError(f"cannot write the sign-off to {signoffs}: {exc.strerror or exc}") from None
    click.echo(f"gdpr-lint signoff: {decision} of {doc['digest']} signed by {signer} ({role}); wrote {path} "
               "(commit it with the code)", err=True)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--allowed-signers", "allowed", envvar=ENV_ALLOWED, type=click.Path(dir_okay=False, path_type=Path),
              help=f"Allowed-signers file in git's format (or ${ENV_ALLOWED}); keep it outside the repository "
                   "the gate checks, e.g. in the deploy pipeline's configuration.")
@click.option("--config", type=click.Path(path_type=str), help="Config file (default: found by walking up).")
@click.option("--signoffs", type=click.Path(file_okay=False, path_type=Path), default=signing.SIGNOFFS_DIR,
              show_default=True, help="Folder of sign-off records.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: cores).")
def verify(paths, allowed, config, signoffs, jobs) -> None:
    """Deploy gate: recompute the review digest of PATHS (default: the current folder; give the same paths
    as to `review`) and succeed only with an unexpired approval for it, validly signed by a key in the
    allowed-signers file.  Exit 0 approved, 1 gate failed, 2 usage or configuration error."""
    if allowed is None:
        raise UsageError(f"give --allowed-signers FILE (or set {ENV_ALLOWED}): the keys allowed to sign off, "
                         "in git's allowed-signers format")
    signing.parse_allowed_signers(allowed)
    signing.ssh_keygen()
    head = snapshot_for(paths, config, jobs, None)  # the gate never trusts a results cache
    result = signing.gate(head.digest, signoffs, allowed)
    if result.ok:
        click.echo(f"gdpr-lint verify: ok: {result.sentence}")
        return
    click.echo(f"gdpr-lint verify: failed: {result.sentence[0].upper()}{result.sentence[1:]}", err=True)
    raise SystemExit(1)
