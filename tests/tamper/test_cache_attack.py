"""Issue 17, "the cache runs code": a results cache committed by an attacker runs nothing, hides
nothing and writes nowhere outside it.

The attacker can commit any file into the repository (``.gdpr-lint-cache/`` included, with
symbolic links, pickles, and JSON entries signed with their own key) and knows the path CI checks
the repository out to.  They cannot read the victim's key in ``$XDG_CACHE_HOME/gdpr-lint/``.  Every
test runs the real commands (``check``, ``review``, ``inventory``, ``baseline``) in a real git
repository and compares with what the same commands report without a cache.

Attack classes and the tests that cover them:

- pickles that run code, in every namespace and key position: test_committed_pickles_run_nothing
- forged entries (JSON, even correctly signed with another key) claiming no findings:
  test_forged_entries_claiming_no_findings_are_ignored
- review trusting a results cache at all: test_review_reads_no_results_cache
- a key the repository supplies (committed key, readable key, linked key, no key folder):
  test_a_key_the_repository_could_supply_is_not_used
- links planted at every entry path and at the old ``<key>.<pid>.tmp`` names:
  test_links_at_entry_and_temporary_paths_write_nothing_outside
- links planted at the names the temporary file generator will try:
  test_a_link_at_the_temporary_name_is_never_written_through
- the cache folder, a namespace folder or a prefix folder being a link:
  test_a_linked_cache_folder_is_not_used
- markers (.gitignore, CACHEDIR.TAG, .pruned) planted as links: test_markers_are_never_written_through_links
- garbage, truncated, huge, deeply nested, non-regular entries:
  test_garbage_truncated_huge_deep_and_special_entries_are_misses
- authentic entries of the wrong shape or types: test_authentic_entries_of_the_wrong_shape_are_misses
"""

from __future__ import annotations

import json
import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _gitrepo import commit_all, git, isolate_git, write
from click.testing import CliRunner

from gdpr_lint import cache as cache_module
from gdpr_lint import policy as policy_module
from gdpr_lint.cache import MAX_BYTES, NAMESPACES, Cache
from gdpr_lint.cli import main
from gdpr_lint.facts.stored import facts_from_data
from gdpr_lint.policy import _pack_from_data
from gdpr_lint.scan import (
    Survey,
    result_from_data,
    rights_from_data,
    snapshot_from_data,
)

CACHE = ".gdpr-lint-cache"
MODELS = '''\
from django.db import models


class Customer(models.Model):
    email = models.EmailField()
    phone = models.CharField(max_length=20)
'''
API = '''\
import logging

log = logging.getLogger(__name__)


def signup(user):
    log.info("signup %s", user.email)
'''
UTIL = "def add(a, b):\n    return a + b\n"
DECODERS = {"survey": Survey.from_data, "result": result_from_data, "snapshot": snapshot_from_data,
            "policy": _pack_from_data, "rights": rights_from_data, "facts": facts_from_data}


class _Payload:
    """Unpickling this runs code that writes ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",)


def make_repo(base: Path, monkeypatch) -> Path:
    """A git repository with a shop that has findings, and git isolated from the user's config."""
    (base / "home").mkdir()
    isolate_git(monkeypatch, base / "home")
    monkeypatch.delenv("GDPR_LINT_CACHE_DIR", raising=False)  # the default: .gdpr-lint-cache in the repository
    path = base / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    write(path, "shop/__init__.py", "")
    write(path, "shop/models.py", MODELS)
    write(path, "shop/api.py", API)
    write(path, "shop/util.py", UTIL)
    commit_all(path, "a shop with findings")
    return path


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    path = make_repo(tmp_path, monkeypatch)
    use_key(monkeypatch, tmp_path / "victim")
    return path


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> dict:
    """What check, inventory and baseline report on the shop without any cache."""
    base = tmp_path_factory.mktemp("truth")
    with pytest.MonkeyPatch.context() as monkeypatch:
        path = make_repo(base, monkeypatch)
        result = outputs(monkeypatch, path, base / "out", "--no-cache")
        assert not (path / CACHE).exists()
    assert ("shop/api.py", 7, "GDPR301") in result["check"]
    assert {code for _, _, code in result["check"]} == {"GDPR101", "GDPR301", "GDPR503", "GDPR504"}
    assert len(result["inventory"]["rows"]) == 2 and result["baseline"]["entries"]
    return result


def use_key(monkeypatch, folder: Path) -> None:
    """Whose machine the next commands run on: the key lives in ``folder``/gdpr-lint/key."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))


def cli(monkeypatch, repo: Path, *args: str):
    """Run the CLI in ``repo`` as a new process would (no pack text remembered); a traceback fails."""
    monkeypatch.chdir(repo)
    monkeypatch.setattr(policy_module, "_PACK_TEXT", {})
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def outputs(monkeypatch, repo: Path, out: Path, *extra: str) -> dict:
    """What check, inventory and baseline report (``extra``: e.g. --no-cache)."""
    out.mkdir(parents=True, exist_ok=True)
    check = cli(monkeypatch, repo, "check", "--format", "json", "--jobs", "1", "--no-fail", *extra)
    assert check.exit_code == 0, check.output
    inventory = cli(monkeypatch, repo, "inventory", "--format", "json", "--jobs", "1", *extra)
    assert inventory.exit_code == 0, inventory.output
    baseline = cli(monkeypatch, repo, "baseline", "--jobs", "1", "-o", str(out / "baseline.json"), *extra)
    assert baseline.exit_code == 0, baseline.output
    findings = [(f["path"], f["line"], f["code"]) for f in json.loads(check.stdout)["findings"]]
    return {"check": findings, "inventory": json.loads(inventory.stdout),
            "baseline": json.loads((out / "baseline.json").read_text())}


def review_of(monkeypatch, repo: Path, out: Path) -> dict:
    result = cli(monkeypatch, repo, "review", "--jobs", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "review.json").read_text())
    return {"digest": doc["digest"], "findings": sorted((f["path"], f["code"]) for f in doc["findings"])}


def entries(repo: Path) -> list[tuple[str, str, Path]]:
    """``(namespace, key, path)`` of every entry in the repository's cache."""
    found = []
    for ns in NAMESPACES:
        for path in sorted((repo / CACHE / ns).glob("*/*")):
            if cache_module._KEY_RE.match(path.name):
                found.append((ns, path.name, path))
    return found


def fill_cache(monkeypatch, repo: Path, tmp_path: Path) -> list[tuple[str, str, Path]]:
    """Run every command that writes the cache; every namespace gets entries (the snapshot holds
    the files written a moment ago too, as it holds older ones)."""
    from gdpr_lint import scan as scan_module

    monkeypatch.setattr(scan_module, "RACY_FILE_NS", 0)
    outputs(monkeypatch, repo, tmp_path / "fill")
    found = entries(repo)
    assert {ns for ns, _, _ in found} == set(NAMESPACES), found
    assert all(Cache(repo / CACHE).get(ns, key)["files"] for ns, key, _ in found if ns == "snapshot")
    return found


def signed(ns: str, key: str, payload: bytes, secret: bytes) -> bytes:
    """An entry file as the cache writes it, MAC under ``secret``."""
    return cache_module._MAGIC + cache_module._mac(secret, ns, key, payload) + b"\n" + payload


def victim_key() -> bytes:
    key = cache_module.user_key(Path.cwd() / CACHE)
    assert key is not None
    return key


# ---- code execution ----------------------------------------------------------------------------
def test_committed_pickles_run_nothing(repo, tmp_path, monkeypatch, expected):
    reviewed = review_of(monkeypatch, repo, tmp_path / "review-clean")
    use_key(monkeypatch, tmp_path / "attacker")
    found = fill_cache(monkeypatch, repo, tmp_path)  # every position these commands look up
    marker = tmp_path / "PWNED"
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(_Payload(control)))  # the payload is live: unpickling it runs code
    assert control.exists()
    payload = pickle.dumps(_Payload(marker))
    attacker = cache_module.user_key(repo / CACHE)

    def plant() -> None:  # bare, behind a header with no MAC, behind a header signed with the attacker's key
        for i, (ns, key, path) in enumerate(found):
            path.write_bytes([payload, cache_module._MAGIC + b"0" * 64 + b"\n" + payload,
                              signed(ns, key, payload, attacker)][i % 3])

    plant()
    git(repo, "add", "-f", CACHE)
    commit_all(repo, "add a cache")
    use_key(monkeypatch, tmp_path / "victim")
    # CI: a new process, as the pipeline runs it
    proc = subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--format", "json", "--jobs", "1",
                           "--no-fail"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert [(f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"]] == expected["check"]
    plant()  # the CI run replaced them with its own entries
    assert outputs(monkeypatch, repo, tmp_path / "victim-out") == expected
    assert review_of(monkeypatch, repo, tmp_path / "review") == reviewed
    assert outputs(monkeypatch, repo, tmp_path / "victim-warm") == expected  # now warm, own entries
    assert not marker.exists()


# ---- forged results ----------------------------------------------------------------------------
def _forge_no_findings(ns: str, value):
    """The entry ``value`` rewritten to say the file has nothing to report."""
    if ns == "survey":
        return {**value, "analyse": False}
    if ns == "result":
        return [[], [], [], value[3]]
    if ns == "snapshot":
        # (per file: stamp, digest, print, and what a scan reads of its survey: no problem to report)
        files = {p: [stamp, digest, print_, [light[0], "", *light[2:]]] for p, (stamp, digest, print_, light) in
                 value["files"].items()}
        run = value.get("run")  # the whole scan's result
        project = value.get("project")  # and what the surveys decided: no file needs analysis
        return {**value, "files": files, "results": {},
                "run": run and {**run, "result": [[], [], [], run["result"][3]]},
                "project": project and {**project, "needs": [""] * len(project["needs"])}}
    if ns == "facts":  # the project facts: no class is about a person, no function reaches a sink
        return {**value, "evidence": ["d"], "named": ["d"], "summaries": ["d"], "incoming": ["d"]}
    return value


def forge(repo: Path, found, secret: bytes | None) -> None:
    """Rewrite every entry to claim no findings; signed with ``secret``, or with a MAC of zeros."""
    for ns, key, path in found:
        raw = path.read_bytes()
        value = json.loads(raw[cache_module._HEADER:])
        payload = json.dumps(_forge_no_findings(ns, value), separators=(",", ":")).encode()
        path.write_bytes(signed(ns, key, payload, secret) if secret else
                         cache_module._MAGIC + b"0" * 64 + b"\n" + payload)


@pytest.mark.parametrize("signature", ["attacker's key", "no key"])
def test_forged_entries_claiming_no_findings_are_ignored(repo, tmp_path, monkeypatch, signature, expected):
    use_key(monkeypatch, tmp_path / "attacker")
    found = fill_cache(monkeypatch, repo, tmp_path)
    monkeypatch.chdir(repo)
    attacker = cache_module.user_key(repo / CACHE)
    forge(repo, found, attacker if signature == "attacker's key" else None)
    git(repo, "add", "-f", CACHE)
    commit_all(repo, "add a cache")
    if signature == "attacker's key":  # control: the forgery is well made, it fools its maker's own runs
        fooled = outputs(monkeypatch, repo, tmp_path / "fooled")
        assert fooled["check"] == [] and fooled["inventory"]["rows"] == []
        forge(repo, found, attacker)  # those runs rewrote the snapshot
    use_key(monkeypatch, tmp_path / "victim")
    assert outputs(monkeypatch, repo, tmp_path / "victim-out") == expected


def test_review_reads_no_results_cache(repo, tmp_path, monkeypatch):
    # even entries signed with the DPO's own key (a cache written by an older, buggy version, or
    # left by a scan with other settings) do not reach the review
    reviewed = review_of(monkeypatch, repo, tmp_path / "review-clean")
    found = fill_cache(monkeypatch, repo, tmp_path)
    monkeypatch.chdir(repo)
    forge(repo, found, victim_key())
    check = cli(monkeypatch, repo, "check", "--format", "json", "--jobs", "1", "--no-fail")
    assert json.loads(check.stdout)["findings"] == []  # control: check trusts its own key's entries
    forge(repo, found, victim_key())
    assert review_of(monkeypatch, repo, tmp_path / "review") == reviewed
    assert reviewed["findings"]


@pytest.mark.parametrize("how", ["committed in the work tree", "readable by others", "a link", "no folder"])
def test_a_key_the_repository_could_supply_is_not_used(repo, tmp_path, monkeypatch, how, expected):
    found = fill_cache(monkeypatch, repo, tmp_path)
    secret = bytes(range(32))
    if how == "committed in the work tree":  # e.g. XDG_CACHE_HOME=$CI_PROJECT_DIR/.cache, umask 077
        folder = repo / ".cache"
        use_key(monkeypatch, folder)
    else:
        folder = tmp_path / "machine"
        use_key(monkeypatch, folder)
    key_file = folder / "gdpr-lint" / "key"
    if how == "no folder":
        folder.write_text("a file where the key's folder should be")
    else:
        key_file.parent.mkdir(parents=True)
        key_file.parent.chmod(0o700)
        if how == "a link":
            (tmp_path / "elsewhere").write_text(secret.hex())
            (tmp_path / "elsewhere").chmod(0o600)
            key_file.symlink_to(tmp_path / "elsewhere")
        else:
            key_file.write_text(secret.hex())
            key_file.chmod(0o644 if how == "readable by others" else 0o600)
    forge(repo, found, secret)  # signed with the key the repository supplies
    if how == "committed in the work tree":
        git(repo, "add", "-f", CACHE, ".cache")
        commit_all(repo, "a cache and its key")
    result = cli(monkeypatch, repo, "check", "--format", "json", "--jobs", "1", "--no-fail")
    assert result.exit_code == 0
    assert [(f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)["findings"]] == expected["check"]
    assert "results cache not used" in result.stderr
    if how != "no folder":
        assert key_file.is_symlink() or key_file.read_text() == secret.hex()  # left as it was


def test_the_key_is_private_and_made_once(repo, tmp_path, monkeypatch):
    fill_cache(monkeypatch, repo, tmp_path)
    key_file = tmp_path / "victim" / "gdpr-lint" / "key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    first = key_file.read_text()
    assert len(first) == 64 and int(first, 16) >= 0
    cache_module._KEYS.clear()
    fill_cache(monkeypatch, repo, tmp_path)
    assert key_file.read_text() == first
    assert not list(key_file.parent.glob(".key-*"))  # the temporary file is gone


# ---- writes through links ----------------------------------------------------------------------
def _outside(tmp_path: Path) -> tuple[Path, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.txt"
    precious.write_text("precious")
    return outside, precious


def test_links_at_entry_and_temporary_paths_write_nothing_outside(repo, tmp_path, monkeypatch, expected):
    found = fill_cache(monkeypatch, repo, tmp_path)
    outside, precious = _outside(tmp_path)
    monkeypatch.chdir(repo)
    cache = Cache(repo / CACHE)
    for ns, key, path in found:  # a link to an authentic entry is not followed either
        (outside / key).write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(outside / key)
    assert [cache.get(ns, key, DECODERS[ns]) for ns, key, _ in found] == [None] * len(found)
    for ns, key, path in found:
        (outside / key).unlink()
    for i, (_ns, key, path) in enumerate(found):
        path.unlink()
        # the entry itself, and the temporary name gdpr-lint used to write through
        for j, name in enumerate((key, f"{key}.{os.getpid()}.tmp")):
            target = precious if (i + j) % 2 else outside / f"ghost-{i}-{j}"  # existing and dangling
            (path.parent / name).symlink_to(target)
    git(repo, "add", "-f", CACHE)
    commit_all(repo, "links in the cache")
    assert outputs(monkeypatch, repo, tmp_path / "out") == expected
    assert precious.read_text() == "precious"
    assert sorted(p.name for p in outside.iterdir()) == ["precious.txt"]
    for _ns, _key, path in found:  # the links were replaced by real entries, not written through
        assert not path.is_symlink() and path.is_file()
    assert outputs(monkeypatch, repo, tmp_path / "warm") == expected


def test_a_link_at_the_temporary_name_is_never_written_through(repo, tmp_path, monkeypatch, expected):
    import tempfile

    found = fill_cache(monkeypatch, repo, tmp_path)
    outside, precious = _outside(tmp_path)
    # the temporary name generator is made predictable, and the first name it gives is planted
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: iter(["planted"] + [f"n{i}" for i in range(99)]))
    for i, (_ns, key, path) in enumerate(found):
        path.unlink()
        (path.parent / f".{key[:16]}.planted.tmp").symlink_to(precious if i % 2 else outside / f"ghost-{i}")
    assert outputs(monkeypatch, repo, tmp_path / "out") == expected
    assert precious.read_text() == "precious"
    assert sorted(p.name for p in outside.iterdir()) == ["precious.txt"]
    for _ns, _key, path in found:
        assert path.is_file() and not path.is_symlink()


def _tree(folder: Path) -> dict[str, bytes | str]:
    return {str(p.relative_to(folder)): (os.readlink(p) if p.is_symlink() else p.read_bytes() if p.is_file() else "dir")
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("where", ["cache folder", "namespace folders", "prefix folders"])
def test_a_linked_cache_folder_is_not_used(repo, tmp_path, monkeypatch, where, expected):
    found = fill_cache(monkeypatch, repo, tmp_path)
    outside, _precious = _outside(tmp_path)
    # where the links lead: a cache of pickles at every position, with its tag
    marker = tmp_path / "PWNED"
    for ns, key, _path in found:
        (outside / ns / key[:2]).mkdir(parents=True, exist_ok=True)
        (outside / ns / key[:2] / key).write_bytes(pickle.dumps(_Payload(marker)))
    (outside / "CACHEDIR.TAG").write_text(cache_module.CACHEDIR_TAG)
    before = _tree(outside)
    cache = repo / CACHE
    for p in sorted(cache.rglob("*"), reverse=True):
        p.unlink() if not p.is_dir() or p.is_symlink() else p.rmdir()
    cache.rmdir()
    if where == "cache folder":
        cache.symlink_to(outside)
    else:
        cache.mkdir()
        (cache / "CACHEDIR.TAG").write_text(cache_module.CACHEDIR_TAG)
        for ns in NAMESPACES:
            if where == "namespace folders":
                (cache / ns).symlink_to(outside / ns)
            else:  # the prefix folder of every entry
                (cache / ns).mkdir()
                for prefix in {key[:2] for n, key, _ in found if n == ns}:
                    (cache / ns / prefix).symlink_to(outside / ns / prefix)
    git(repo, "add", "-f", CACHE)
    commit_all(repo, "a linked cache")
    check = cli(monkeypatch, repo, "check", "--format", "json", "--jobs", "1", "--no-fail")
    assert [(f["path"], f["line"], f["code"]) for f in json.loads(check.stdout)["findings"]] == expected["check"]
    if where != "prefix folders":
        assert "results cache not used" in check.stderr and "symbolic link" in check.stderr
    assert outputs(monkeypatch, repo, tmp_path / "out") == expected
    assert _tree(outside) == before  # nothing written, replaced or removed there
    assert not marker.exists()


def test_markers_are_never_written_through_links(tmp_path):
    outside, precious = _outside(tmp_path)
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / ".gitignore").symlink_to(precious)
    (folder / "CACHEDIR.TAG").symlink_to(outside / "ghost")
    (folder / cache_module.PRUNED_MARK).symlink_to(outside / "ghost2")  # (a drop is never due then)
    cache = Cache(folder)
    cache.put("survey", "a" * 64, Survey().to_data())
    assert not cache.prune_due(0)
    assert precious.read_text() == "precious" and not (outside / "ghost").exists() and not (outside / "ghost2").exists()
    assert cache.get("survey", "a" * 64, Survey.from_data) == Survey()  # the cache itself still works


# ---- malformed entries -------------------------------------------------------------------------
def _deep(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def _replace(path: Path, kind: str, ns: str, key: str, secret: bytes) -> None:
    raw = path.read_bytes()
    path.unlink()
    if kind == "garbage":
        path.write_bytes(os.urandom(len(raw)))
    elif kind == "truncated file":
        path.write_bytes(raw[: len(raw) // 2])
    elif kind == "truncated json, signed":
        path.write_bytes(signed(ns, key, raw[cache_module._HEADER:][:-3], secret))
    elif kind == "huge":
        with open(path, "wb") as fh:  # sparse: nothing is written to disk
            fh.truncate(cache_module._HEADER + MAX_BYTES[ns] + 1)
    elif kind == "deep, signed":
        path.write_bytes(signed(ns, key, _deep(), secret))
    elif kind == "deep":
        path.write_bytes(cache_module._MAGIC + b"0" * 64 + b"\n" + _deep())
    elif kind == "fifo":  # a read would block: opened non-blocking, and not a regular file
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "link to /dev/zero":
        path.symlink_to("/dev/zero")
    else:
        raise AssertionError(kind)


KINDS = ["garbage", "truncated file", "truncated json, signed", "huge", "deep, signed", "deep", "fifo", "folder",
         "link to /dev/zero"]


def test_garbage_truncated_huge_deep_and_special_entries_are_misses(repo, tmp_path, monkeypatch, expected):
    found = fill_cache(monkeypatch, repo, tmp_path)
    monkeypatch.chdir(repo)
    secret = victim_key()
    authentic = {path: path.read_bytes() for _, _, path in found}
    real_read, read = os.read, []

    def counted_read(fd, n):
        data = real_read(fd, n)
        read.append(len(data))
        return data

    for kind in KINDS:
        for ns, key, path in found:
            _replace(path, kind, ns, key, secret)
        cache = Cache(repo / CACHE)
        read.clear()
        monkeypatch.setattr(os, "read", counted_read)
        assert [cache.get(ns, key, DECODERS[ns]) for ns, key, _ in found] == [None] * len(found), kind
        monkeypatch.setattr(os, "read", real_read)
        assert sum(read) < 2_000_000 + len(found) * 200_000, kind  # a huge entry is not read at all
        check = cli(monkeypatch, repo, "check", "--format", "json", "--jobs", "1", "--no-fail")
        assert check.exit_code == 0, (kind, check.output)
        assert [(f["path"], f["line"], f["code"]) for f in json.loads(check.stdout)["findings"]] == expected[
            "check"], kind
        for _ns, _key, path in found:  # back to the real entry (a folder cannot be replaced by one)
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
            path.write_bytes(authentic[path])
    for ns, key, path in found:
        _replace(path, KINDS[len(ns) % len(KINDS)], ns, key, secret)
    assert outputs(monkeypatch, repo, tmp_path / "out") == expected


def _mutations(value):
    """Authentic entries of the wrong shape: each yields a changed copy of ``value``."""
    def walk(v, change):
        if isinstance(v, dict):
            return {k: walk(x, change) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x, change) for x in v]
        return change(v)

    yield "not a container", 5
    yield "null", None
    yield "a list for a mapping" if isinstance(value, dict) else "a mapping for a list", (
        list(value) if isinstance(value, dict) else {"0": value})
    yield "numbers as text", walk(value, lambda x: str(x) if type(x) is int else x)
    yield "booleans as numbers", walk(value, lambda x: int(x) if type(x) is bool else x)
    yield "text as numbers", walk(value, lambda x: 7 if isinstance(x, str) else x)

    def drop_one(v):
        if isinstance(v, dict):
            return {k: drop_one(x) for k, x in list(v.items())[1:]} if len(v) > 1 else {}
        if isinstance(v, list):
            return [drop_one(x) for x in v[:-1]]
        return v

    yield "a key or an item missing", drop_one(value)
    yield "an extra key", walk(value, lambda x: x) | {"extra": 1} if isinstance(value, dict) else value + [1]


def test_authentic_entries_of_the_wrong_shape_are_misses(repo, tmp_path, monkeypatch, expected):
    found = fill_cache(monkeypatch, repo, tmp_path)
    monkeypatch.chdir(repo)
    cache = Cache(repo / CACHE)
    originals = {(ns, key): cache.get(ns, key) for ns, key, _ in found}
    for (ns, key), value in originals.items():
        assert value is not None and cache.get(ns, key, DECODERS[ns]) is not None  # readable as written
    tried = 0
    for (ns, key), value in originals.items():
        for name, bad in _mutations(value):
            if bad == value:
                continue
            cache.put(ns, key, bad)
            assert cache.get(ns, key) == bad  # authentic: the MAC verifies ...
            assert cache.get(ns, key, DECODERS[ns]) is None, (ns, name)  # ... the shape does not
            tried += 1
    policy_key = next(key for ns, key, _ in found if ns == "policy")
    text = originals[("policy", policy_key)]["pack"]
    for bad in (text + " ", text.replace('"rules.yaml"', '"rulez.yaml"'), json.dumps({"categories.yaml": []})):
        cache.put("policy", policy_key, {"pack": bad})
        assert cache.get("policy", policy_key, _pack_from_data) is None
    assert tried > 5 * len(found)
    for ns, key, _ in found:  # the last of each, on disk, for the commands
        cache.put(ns, key, {"files": {}, "results": {}, "tree": 5} if ns == "snapshot" else [[{"code": 1}], [], [], 3])
    assert outputs(monkeypatch, repo, tmp_path / "out") == expected


def test_a_key_from_the_environment_replaces_the_key_file_and_a_bad_one_is_a_usage_error(repo, tmp_path,
                                                                                          monkeypatch, expected):
    ci = "ab" * 32
    monkeypatch.setenv("GDPR_LINT_CACHE_KEY", ci + "\n")  # as a secret pasted with its newline
    found = fill_cache(monkeypatch, repo, tmp_path)
    assert not (tmp_path / "victim" / "gdpr-lint" / "key").exists()
    forge(repo, found, bytes.fromhex(ci))
    fooled = cli(monkeypatch, repo, "check", "--format", "json", "--jobs", "1", "--no-fail")
    assert json.loads(fooled.stdout)["findings"] == []  # control: entries signed with this key are read
    forge(repo, found, bytes.fromhex("cd" * 32))  # another CI's key, or a fork's throwaway one
    assert outputs(monkeypatch, repo, tmp_path / "out") == expected
    for bad in ("abc", "zz" * 32, ci + "00"):
        monkeypatch.setenv("GDPR_LINT_CACHE_KEY", bad)
        result = cli(monkeypatch, repo, "check", "--jobs", "1")
        assert result.exit_code == 2 and "GDPR_LINT_CACHE_KEY must be 64 hex digits" in result.stderr
        assert "Traceback" not in result.output
    monkeypatch.setenv("GDPR_LINT_CACHE_KEY", "")  # a secret a fork's run does not get: the key file
    assert outputs(monkeypatch, repo, tmp_path / "out2") == expected
    assert (tmp_path / "victim" / "gdpr-lint" / "key").exists()
