"""The ``review``, ``signoff`` and ``verify`` commands (registered on the ``gdpr-lint`` group in cli.py).

Exit codes of ``verify`` (the deploy gate):

- **0** an unexpired ``approve`` record for the current digest, validly signed by an allowed signer;
- **1** the gate failed: no sign-off, stale, rejected, expired, signer not allowed, signature invalid,
  a malformed record (anything in the sign-offs folder that is not a readable, well-formed record),
  a committed record removed or changed (git history of the folder), a record signed for another
  repository (one sentence on stderr says which);
- **2** usage or configuration error: a malformed allowed-signers file (with the line number), a
  missing file, no ``ssh-keygen``, a bad config or ``--repository``, a shallow clone (the history of
  the records cannot be read).

``review`` and ``signoff`` exit 0 when they wrote their files and 2 on a usage error; ``signoff``
refuses a review whose pages are not what gdpr-lint writes for the checkout it runs in.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import click

from gdpr_lint.errors import UsageError, not_empty
from gdpr_lint.files.discovery import paths_or_here
from gdpr_lint.review import REVIEW_FORMAT, signing

ENV_ALLOWED = "GDPR_LINT_ALLOWED_SIGNERS"
ENV_REPOSITORY = "GDPR_LINT_REPOSITORY"


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

    paths = paths_or_here(paths)
    policy = _load_policy(config, paths)
    return take_snapshot(list(paths), policy, Path.cwd(), jobs=jobs, cache_dir=cache)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--base", metavar="REF", callback=not_empty, help="Git revision to compare with: the privacy diff (fields, processors, "
              "findings added or removed). The revision is read with `git archive`, never run.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=str), default="gdpr-review",
              callback=not_empty,
              show_default=True, help="Folder for review.html, review.md and review.json.")
@click.option("--config", type=click.Path(path_type=str), callback=not_empty,
              help="Config file (default: found by walking up).")
@click.option("--signoffs", type=click.Path(file_okay=False, path_type=str), default=str(signing.SIGNOFFS_DIR),
              show_default=True, help="Folder of sign-off records (listed in the sign-off section).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: the cores this process may use; at most those, or 2).")
@click.option("--no-cache", is_flag=True, hidden=True,
              help="Accepted for compatibility: review never uses the results cache.")
def review(paths, base, out_dir, config, signoffs, jobs, no_cache) -> None:
    """Write the DPO review of PATHS (default: the current folder): review.html (one self-contained page),
    review.md (for a pull-request comment) and review.json (canonical, versioned), with the digest
    that `gdpr-lint signoff` signs.  Always a full scan: the review reads no results cache."""
    from gdpr_lint.review import model

    # No results cache, like `verify`: the review is what the DPO signs, so it is computed from the
    # code alone.  The cache is authenticated (gdpr_lint/cache.py) and a committed one cannot
    # forge entries, but reading none leaves nothing to argue about, and a review is rare enough
    # to afford a cold scan (and, with --base, a second one of the base revision).
    head = snapshot_for(paths, config, jobs, None)
    base_snap, base_commit = (None, "")
    if base:
        # the base under its own config (unless --config names one for both): a config changed in the
        # same commit as the code must show as a change, not hide the base's findings as well
        base_snap, base_commit = model.scan_base(base, head.paths, head.policy, Path.cwd(), jobs=jobs,
                                                 cache_dir=None, own_config=config is None)
    digest = head.digest
    hidden = model.hidden_by_policy(head, base_snap, jobs)
    doc = model.build_review(head, base_snap, base or "", base_commit, _records_for(Path(signoffs), digest),
                             hidden=hidden)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in render_pages(doc).items():
            (out / name).write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write the review to {out}: {exc.strerror or exc}") from None
    v = doc["verdict"]
    click.echo(f"gdpr-lint review: wrote {out / 'review.html'}, review.md and review.json: {v['fields']} "
               f"personal-data fields, {v['findings']} open findings, {v['processors']} processors; "
               f"digest {digest}", err=True)


def render_pages(doc: dict) -> dict[str, bytes]:
    """The three review files for a review dict, as the bytes ``review`` writes and ``signoff`` compares."""
    from gdpr_lint.review import model
    from gdpr_lint.review.render_html import render_html
    from gdpr_lint.review.render_md import render_md

    return {"review.json": model.to_json(doc).encode("utf-8"), "review.md": render_md(doc).encode("utf-8"),
            "review.html": render_html(doc).encode("utf-8")}


#: the largest review file signoff reads (a review of a very large codebase is some MB)
MAX_PAGE_BYTES = 256 * 1024 * 1024


def _read_page(path: Path, primary: bool = False) -> bytes:
    try:
        return signing.read_regular(path, MAX_PAGE_BYTES, follow=True)
    except signing.NotARegularFile as exc:
        if str(exc) == "does not exist":
            if primary:
                raise UsageError(f"review not found: {path} (run `gdpr-lint review` first)") from None
            raise UsageError(f"{path} is missing beside review.json: signoff checks the pages the DPO reads, so "
                             "give the folder `gdpr-lint review` wrote, with review.json, review.md and "
                             "review.html") from None
        raise UsageError(f"cannot read the review page {path}: it {exc}") from None


def _load_review(path: Path) -> tuple[dict, dict[str, bytes]]:
    """The review dict of ``path`` (a review.json, or the folder holding it) and the bytes of its three
    pages; a :class:`UsageError` for a missing or unreadable page, or a review.json whose digest does
    not match its content."""
    folder = path if path.is_dir() else path.parent
    json_path = path / "review.json" if path.is_dir() else path
    data = _read_page(json_path, primary=True)
    try:
        doc = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise UsageError(f"cannot read the review {json_path} (nested too deeply)") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"cannot read the review {json_path} ({' '.join(str(exc).split())[:160]})") from None
    if not isinstance(doc, dict) or doc.get("format") != REVIEW_FORMAT or not isinstance(doc.get("digest"), str):
        raise UsageError(f"{json_path} is not a gdpr-lint review.json")
    from gdpr_lint.review.digest import compute_digest

    content = doc.get("privacy_content")
    try:
        same = isinstance(content, dict) and compute_digest(content) == doc["digest"]
    except (ValueError, TypeError, RecursionError):
        same = False
    if not same:
        raise UsageError(f"{json_path} was altered: its digest does not match its content; run `gdpr-lint review` "
                         "again")
    pages = {"review.json": data}
    for name in signing.PAGES[1:]:
        pages[name] = _read_page(folder / name)
    return doc, pages


def _first_difference(a, b, at: str = "") -> str:
    """The first place (``findings[2].message``) where two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key, ...) != b.get(key, ...):
                return _first_difference(a.get(key), b.get(key), f"{at}.{key}" if at else str(key))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{at}[{i}]")
    return at or "the top level"


def _first_line_that_differs(a: bytes, b: bytes) -> int:
    la, lb = a.split(b"\n"), b.split(b"\n")
    for n, (x, y) in enumerate(zip(la, lb), start=1):
        if x != y:
            return n
    return min(len(la), len(lb)) + 1


def check_review_pages(doc: dict, pages: dict[str, bytes], config: str | None, jobs: int | None,
                       signoffs: Path) -> None:
    """Refuse to sign unless the review pages are exactly what gdpr-lint writes for this checkout.

    The code is scanned again (never from a cache; the base revision, if the review has one, is read
    again with ``git archive`` at the commit the review names), the review is rebuilt with the review's
    own date, and its three pages are rendered again: ``review.json``, ``review.md`` and
    ``review.html`` must be byte for byte those pages.  The sign-offs a review lists must be records
    the sign-offs folder still holds.  Raises :class:`UsageError` saying what differs.
    """
    import datetime as _dt

    from gdpr_lint.review import model

    def redo(why: str) -> UsageError:
        return UsageError(f"{why}; signoff signs only a review that gdpr-lint writes for this checkout, so run "
                          "`gdpr-lint review` here (same paths, --base and --config), read that review, and sign it")

    scope = doc.get("scope")
    paths = scope.get("paths") if isinstance(scope, dict) else None
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise redo("review.json names no paths it reviewed (scope.paths)")
    for p in paths:
        if Path(p).is_absolute() or ".." in Path(p).parts or "\0" in p:
            raise redo(f"review.json names a path outside the current folder ({signing.one_line(p)[:80]!r})")
    try:
        date = _dt.datetime.fromisoformat(str(scope.get("date")).replace("Z", "+00:00"))
        if date.tzinfo is None:
            raise ValueError
    except ValueError:
        raise redo("review.json has no date it was written (scope.date)") from None
    head = snapshot_for(tuple(paths), config, jobs, None)  # the DPO's machine never trusts a results cache
    if head.digest != doc["digest"]:
        raise redo(f"review.json is not a review of the code here: it is for {doc['digest']}, and this checkout "
                   f"is {head.digest}")
    base_snap, base_ref, base_commit = None, "", ""
    if scope.get("base"):
        base_ref = str(scope["base"])
        wanted = scope.get("base_commit")
        if not isinstance(wanted, str) or not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", wanted):
            raise redo("review.json has a base but no base commit (scope.base_commit)")
        base_snap, base_commit = model.scan_base(wanted, head.paths, head.policy, Path.cwd(), jobs=jobs, cache_dir=None,
                                                 own_config=config is None)
    listed = doc.get("signoffs")
    held = _records_for(signoffs, doc["digest"])
    if not isinstance(listed, list) or any(entry not in held for entry in listed):
        raise redo(f"review.json lists sign-offs that {signoffs} does not hold")
    rebuilt = model.build_review(head, base_snap, base_ref, base_commit, listed, now=date,
                                 hidden=model.hidden_by_policy(head, base_snap, jobs))
    expected = render_pages(rebuilt)
    if expected["review.json"] != pages["review.json"]:
        try:
            where = signing.one_line(_first_difference(json.loads(pages["review.json"]), rebuilt))[:120]
        except (ValueError, RecursionError):
            where = "the top level"
        raise redo(f"review.json is not what gdpr-lint writes for this checkout (it differs at {where})")
    for name in signing.PAGES[1:]:
        if expected[name] != pages[name]:
            line = _first_line_that_differs(pages[name], expected[name])
            raise redo(f"{name} is not the page gdpr-lint renders from this review (line {line} differs)")


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
@click.option("--config", type=click.Path(path_type=str), callback=not_empty, help="Config file the review was written with "
              "(default: found by walking up).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: the cores this process may use; at most those, or 2).")
def signoff(review_path, key, decision, note, expires, role, signer, signoffs, config, jobs) -> None:
    """Sign REVIEW (a review.json, or the folder holding it and review.md and review.html) with an SSH key.

    First the review is checked against the code: the checkout is scanned again and the three pages are
    rendered again, and signoff refuses (exit 2) unless review.json, review.md and review.html are byte for
    byte what gdpr-lint writes for this checkout, so the DPO signs exactly what they read.  Then the digest,
    the decision, the SHA-256 of the three pages and the record's other fields are signed in the SSHSIG
    format (namespace gdpr-lint) by `ssh-keygen -Y sign`, and the record is written to .gdpr/signoffs/.
    Run it from the folder `review` ran in."""
    doc, pages = _load_review(review_path)
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
    problem = signing.folder_problem(signoffs)
    if problem:
        raise UsageError(f"cannot write the sign-off: {signing.shown(signoffs)} {problem}")
    check_review_pages(doc, pages, config, jobs, signoffs)
    scope = doc.get("scope") or {}
    context = {k: scope.get(k) for k in ("repository", "commit", "base", "base_commit", "paths", "date")}
    context["policy"] = (scope.get("policy") or {}).get("hash")
    context["tool"] = (scope.get("tool") or {}).get("version")
    hashes = {name: "sha256:" + hashlib.sha256(pages[name]).hexdigest() for name in signing.PAGES}
    record = signing.make_record(doc["digest"], decision, signer, role, note, expires_text,
                                 signing.key_fingerprint(pub), context, pages=hashes)
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
@click.option("--config", type=click.Path(path_type=str), callback=not_empty,
              help="Config file (default: found by walking up).")
@click.option("--signoffs", type=click.Path(path_type=Path), default=signing.SIGNOFFS_DIR,
              show_default=True, help="Folder of sign-off records.")
@click.option("--repository", envvar=ENV_REPOSITORY, default=None, metavar="NAME",
              help=f"The repository's identity (or ${ENV_REPOSITORY}; default: `repository` in the config): a "
                   "sign-off signed for another repository fails the gate.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: the cores this process may use; at most those, or 2).")
def verify(paths, allowed, config, signoffs, repository, jobs) -> None:
    """Deploy gate: recompute the review digest of PATHS (default: the current folder; give the same paths
    as to `review`) and succeed only with an unexpired approval for it, validly signed by a key in the
    allowed-signers file.  Exit 0 approved, 1 gate failed, 2 usage or configuration error."""
    if allowed is None:
        raise UsageError(f"give --allowed-signers FILE (or set {ENV_ALLOWED}): the keys allowed to sign off, "
                         "in git's allowed-signers format")
    signing.parse_allowed_signers(allowed)
    signing.ssh_keygen()
    if repository is not None:
        from gdpr_lint.policy.config import repository_problem

        problem = repository_problem(repository)
        if problem:
            given = click.get_current_context().get_parameter_source("repository")
            where = ENV_REPOSITORY if given == click.core.ParameterSource.ENVIRONMENT else "--repository"
            raise UsageError(f"{where}: {problem}")
    head = snapshot_for(paths, config, jobs, None)  # the gate never trusts a results cache
    unbound = head.unbound
    if unbound:  # fail closed: an approval cannot cover content nobody could read
        listed = "; ".join(f"{d['path']} ({d['sha256']})" for d in unbound[:5])
        more = f" and {len(unbound) - 5} more" if len(unbound) > 5 else ""
        click.echo(f"gdpr-lint verify: failed: {len(unbound)} file(s) could not be read, so no approval can cover "
                   f"their content: {listed}{more}. Make them readable (or remove them) and verify again.", err=True)
        raise SystemExit(1)
    expected = repository if repository is not None else (head.policy.config.repository or None)
    result = signing.gate(head.digest, signoffs, allowed, repository=expected)
    if result.ok:
        click.echo(f"gdpr-lint verify: ok: {result.sentence}")
        return
    click.echo(f"gdpr-lint verify: failed: {result.sentence[0].upper()}{result.sentence[1:]}", err=True)
    raise SystemExit(1)
