"""The results cache: a hit gives the same findings without analysing; every input that matters
(content, policy, tool version, a base class in another module) makes a miss; `cache clear`."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdpr_lint import cache as cache_module
from gdpr_lint import scan as scan_module
from gdpr_lint.cli import main
from gdpr_lint.policy import load_policy
from gdpr_lint.policy.config import OrgConfig
from gdpr_lint.scan import scan

MODELS = '''from django.db import models


class Customer(models.Model):
    email = models.EmailField()
'''
VIEWS = '''import logging

logger = logging.getLogger(__name__)


def signup(user):
    logger.info("signed up %s", user.email)
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    pkg = tmp_path / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(MODELS)
    (pkg / "views.py").write_text(VIEWS)
    (pkg / "util.py").write_text("def add(a, b):\n    return a + b\n")
    return tmp_path


class Counter:
    """Counts the files each pass works on (the passes run in this process with jobs=1)."""

    def __init__(self, monkeypatch) -> None:
        self.surveyed: list[str] = []
        self.analysed: list[str] = []
        survey, analyse = scan_module.survey_path, scan_module.analyze_job

        def counted_survey(job):
            self.surveyed.append(Path(job[0]).name)
            return survey(job)

        def counted_analyse(job, project=None):
            self.analysed.append(Path(job[0]).name)
            return analyse(job, project)

        monkeypatch.setattr(scan_module, "survey_path", counted_survey)
        monkeypatch.setattr(scan_module, "analyze_job", counted_analyse)

    def reset(self) -> None:
        self.surveyed.clear()
        self.analysed.clear()


def _run(root: Path, policy=None):
    result = scan([root], policy or load_policy(), root=root, jobs=1, cache_dir=root / ".cache")
    return [(f.path, f.line, f.code, f.message) for f in result.findings]


def test_a_warm_scan_analyses_nothing_and_finds_the_same(project, monkeypatch):
    counter = Counter(monkeypatch)
    cold = _run(project)
    assert {"models.py", "views.py"} <= set(counter.analysed)
    assert "util.py" not in counter.analysed  # the survey found nothing it could report
    counter.reset()
    assert _run(project) == cold
    assert counter.surveyed == [] and counter.analysed == []
    assert {c for _, _, c, _ in cold} == {"GDPR101", "GDPR301", "GDPR503", "GDPR504"}


def test_a_changed_file_is_analysed_again_alone(project, monkeypatch):
    counter = Counter(monkeypatch)
    _run(project)
    counter.reset()
    (project / "shop" / "views.py").write_text(VIEWS + "\n\ndef other(user):\n    print(user.phone_number)\n")
    findings = _run(project)
    assert counter.surveyed == ["views.py"] and counter.analysed == ["views.py"]
    assert sum(1 for _, _, code, _ in findings if code == "GDPR301") == 2


def test_a_changed_policy_misses(project, monkeypatch):
    counter = Counter(monkeypatch)
    _run(project)
    counter.reset()
    stricter = load_policy(OrgConfig(max_retention={"user.contact.email": "P1Y"}))
    _run(project, stricter)
    assert {"models.py", "views.py"} <= set(counter.analysed)


def test_a_new_tool_version_misses(project, monkeypatch):
    counter = Counter(monkeypatch)
    _run(project)
    counter.reset()
    monkeypatch.setattr(cache_module, "__version__", "999.0")
    _run(project)
    assert {"models.py", "views.py"} <= set(counter.analysed)


def test_a_base_class_that_becomes_a_model_reanalyses_its_subclasses(project, monkeypatch):
    (project / "shop" / "base.py").write_text("class Base:\n    pass\n")
    # (a field made by a class of the file: a model's field only where the class is a model)
    (project / "shop" / "people.py").write_text("from shop.base import Base\n\n\nclass Text:\n    pass\n\n\n"
                                                "class Person(Base):\n    email = Text()\n")
    counter = Counter(monkeypatch)
    before = _run(project)
    assert not any(p.endswith("people.py") for p, *_ in before)  # a plain class: not a schema
    counter.reset()
    (project / "shop" / "base.py").write_text("from django.db import models\n\n\nclass Base(models.Model):\n"
                                              "    pass\n")
    after = _run(project)
    assert "people.py" in counter.analysed  # unchanged itself, but what it inherits from changed
    assert any(p.endswith("people.py") and code == "GDPR101" for p, _, code, _ in after)


def test_a_body_change_elsewhere_keeps_other_files_cached(project, monkeypatch):
    counter = Counter(monkeypatch)
    _run(project)
    counter.reset()
    (project / "shop" / "util.py").write_text("def add(a, b):\n    return b + a\n")
    _run(project)
    assert counter.analysed == []  # util.py still cannot yield a finding; the index is unchanged
    assert counter.surveyed == ["util.py"]


def test_cache_folder_is_marked_and_cache_clear_empties_it(project):
    _run(project)
    folder = project / ".cache"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (folder / ".gitignore").read_text().strip().endswith("*")
    result = CliRunner().invoke(main, ["cache", "clear", "--cache-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "removed" in result.output and not folder.exists()


def test_cache_clear_refuses_a_folder_that_is_not_a_cache(tmp_path):
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "todo.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["cache", "clear", "--cache-dir", str(precious)])
    assert result.exit_code == 2
    assert "does not look like a gdpr-lint cache" in result.output
    assert (precious / "todo.txt").exists()


def test_same_output_on_one_and_two_processes(project):
    for i in range(12):  # enough files for the process pool
        (project / "shop" / f"m{i}.py").write_text(VIEWS.replace("signup", f"signup{i}"))
    policy = load_policy()
    one = scan([project], policy, root=project, jobs=1, cache_dir=None)
    two = scan([project], policy, root=project, jobs=2, cache_dir=None)
    assert [asdict(f) for f in one.findings] == [asdict(f) for f in two.findings]
    assert one.inventory == two.inventory and len(one.findings) == 16  # with GDPR503 and GDPR504


def test_a_same_size_rewrite_within_the_clock_tick_is_seen(project):
    # the snapshot trusts a file whose size and times are unchanged; a file rewritten right after
    # the scan with the same length must not be mistaken for the old one
    views = project / "shop" / "views.py"
    first = _run(project)
    views.write_text(VIEWS.replace("user.email", "user.ident"))  # same length, no personal data
    assert len(views.read_text()) == len(VIEWS)
    second = _run(project)
    assert any(code == "GDPR301" for _, _, code, _ in first)
    assert not any(code == "GDPR301" for _, _, code, _ in second)


def test_a_new_package_folder_changes_module_names(project):
    (project / "shop" / "sub").mkdir()
    (project / "shop" / "sub" / "m.py").write_text(MODELS)
    first = scan([project], load_policy(), root=project, jobs=1, cache_dir=project / ".cache")
    (project / "shop" / "sub" / "__init__.py").write_text("")
    second = scan([project], load_policy(), root=project, jobs=1, cache_dir=project / ".cache")
    assert [r["module"] for r in first.inventory if r["path"].endswith("sub/m.py")] == ["m"]
    assert [r["module"] for r in second.inventory if r["path"].endswith("sub/m.py")] == ["shop.sub.m"]


@pytest.mark.parametrize("layout", [
    {"pkg/app/main.py": "x = 1\n"},  # only subfolders: found by a new user, it used to be deleted
    {".gitignore": "*\n", "pkg/README": "hello\n"},
    {"CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n", "notes.txt": "mine\n"},  # someone else's tag
    {"CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n# gdpr-lint\n", "src/a.py": "x = 1\n"},
])
def test_cache_clear_never_deletes_what_it_did_not_create(tmp_path, layout):
    folder = tmp_path / "examples"
    for rel, text in layout.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    result = CliRunner().invoke(main, ["cache", "clear", "--cache-dir", str(folder)])
    assert result.exit_code == 2, result.output
    assert "not deleted" in result.output
    assert all((folder / rel).exists() for rel in layout)


def test_cache_clear_refuses_a_symlink(tmp_path, project):
    _run(project)
    link = tmp_path / "link"
    link.symlink_to(project / ".cache")
    result = CliRunner().invoke(main, ["cache", "clear", "--cache-dir", str(link)])
    assert result.exit_code == 2 and "not deleted" in result.output
    assert (project / ".cache" / "CACHEDIR.TAG").exists()


def test_a_file_saved_during_the_scan_is_not_cached_under_its_old_content(project, monkeypatch):
    # found by a new user: results of the content saved mid-scan were stored under the key of the
    # content read before, so restoring the file later hid a real finding until `cache clear`
    views = project / "shop" / "views.py"
    survey = scan_module.survey_path

    def save_while_surveying(job):
        if job[0].endswith("views.py"):
            views.write_text(VIEWS.replace("user.email", "user.count"))  # the editor saves mid-scan
        return survey(job)

    monkeypatch.setattr(scan_module, "survey_path", save_while_surveying)
    _run(project)
    monkeypatch.setattr(scan_module, "survey_path", survey)
    views.write_text(VIEWS)  # back to what was hashed before the save
    assert any(p.endswith("views.py") and code == "GDPR301" for p, _, code, _ in _run(project))


def test_a_fifo_named_like_a_source_file_is_reported_not_read(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.py")
    result = scan([tmp_path], load_policy(), root=tmp_path, jobs=1, cache_dir=tmp_path / ".cache")
    assert [(f.path, f.code) for f in result.findings] == [("pipe.py", "GDPR902")]
    assert "not a regular file" in result.findings[0].message


@pytest.mark.parametrize("how", ["option", "option-below", "env"])
def test_a_cache_folder_that_is_a_file_is_a_usage_error(tmp_path, monkeypatch, how):
    # found by a new user: some of these ran silently without a cache
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("")
    (tmp_path / "m.py").write_text("x = 1\n")
    args = ["check", "m.py"]
    if how == "option":
        args += ["--cache-dir", "afile"]
    elif how == "option-below":
        args += ["--cache-dir", "afile/sub"]
    else:
        monkeypatch.setenv("GDPR_LINT_CACHE_DIR", "afile")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "afile is a file" in result.output or "is a file" in result.output


def test_the_parsed_policy_pack_is_kept_in_the_cache_and_no_yaml_is_read_when_warm(tmp_path, monkeypatch):
    from gdpr_lint import policy as policy_module
    from gdpr_lint.policy import load_policy_cached

    folder = tmp_path / ".cache"
    monkeypatch.setattr(policy_module, "_PACK_TEXT", {})  # as in a new process
    first = load_policy_cached(OrgConfig(), folder)
    assert any((folder / "policy").rglob("*"))

    def no_yaml(_folder):
        raise AssertionError("the pack's YAML was parsed although the cache holds it")

    monkeypatch.setattr(policy_module, "_PACK_TEXT", {})
    monkeypatch.setattr(policy_module, "_read_pack", no_yaml)
    again = load_policy_cached(OrgConfig(), folder)
    assert again.hash == first.hash and again is not first  # built from the cached pack
    assert again.categories == first.categories and again.rules == first.rules
    stricter = load_policy_cached(OrgConfig(max_retention={"user.contact.email": "P1Y"}), folder)
    assert stricter.hash != first.hash  # the config is applied on every load, never cached
    assert load_policy_cached(OrgConfig(), None).hash == first.hash  # no cache: built as before


# ---- the walk of the tree is skipped while no folder changes ------------------------------------
@pytest.fixture
def walks(monkeypatch) -> list[int]:
    """Counts the walks of the tree (folders listed) that scans make."""
    from gdpr_lint.files import discovery

    calls: list[int] = []
    real = discovery.discover_all

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(discovery, "discover_all", counted)
    return calls


def _trust_new_folders(monkeypatch) -> None:
    # the test's folders were made a moment ago, which the snapshot would not trust (see RACY_NS)
    from gdpr_lint.files import discovery

    monkeypatch.setattr(discovery, "RACY_NS", 0)


def test_an_unchanged_tree_is_not_walked_again_and_added_or_removed_files_are_seen(project, monkeypatch, walks):
    _trust_new_folders(monkeypatch)
    first = _run(project)  # creates the cache folder, in the tree: the next scan walks again
    assert _run(project) == first and len(walks) == 2
    assert _run(project) == first and len(walks) == 2  # nothing listed
    (project / "shop" / "sub").mkdir()
    (project / "shop" / "sub" / "extra.py").write_text(VIEWS)
    added = _run(project)
    assert len(walks) == 3 and any(path == "shop/sub/extra.py" for path, *_ in added)
    (project / "shop" / "sub" / "extra.py").unlink()  # only shop/sub changes
    assert _run(project) == first and len(walks) == 4
    (project / "shop" / "views.py").rename(project / "shop" / "views2.py")
    assert {path for path, *_ in _run(project)} == {"shop/models.py", "shop/views2.py"}


def test_a_gitignore_edited_in_place_applies_although_no_folder_changed(project, monkeypatch, walks):
    _trust_new_folders(monkeypatch)
    (project / ".gitignore").write_text("*.log\n")
    assert any(path == "shop/views.py" for path, *_ in _run(project))
    _run(project)  # the cache folder appeared in the first scan
    with open(project / ".gitignore", "w") as fh:  # same file, new text: the folder's times stay
        fh.write("shop/views.py\n")
    assert not any(path == "shop/views.py" for path, *_ in _run(project))
    assert len(walks) == 3


def test_a_tree_changed_within_the_clock_tick_is_walked_again(project, walks):
    _run(project)
    _run(project)  # the folders were made less than two seconds ago: their times are not trusted
    assert len(walks) == 2


def test_a_folder_holding_cachedir_tag_is_not_scanned(project):
    (project / "shop" / "tmpcache").mkdir()
    (project / "shop" / "tmpcache" / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    (project / "shop" / "tmpcache" / "leak.py").write_text(VIEWS)
    assert not any("tmpcache" in path for path, *_ in _run(project))


@pytest.mark.parametrize("folder", ["shop", "."])
def test_a_source_folder_is_refused_as_cache_folder_and_left_untouched(project, monkeypatch, folder):
    # found by a new user: `--cache-dir shop` wrote `*` into shop/.gitignore and a CACHEDIR.TAG,
    # after which every scan found no files there and git ignored new ones
    monkeypatch.chdir(project)
    before = sorted(p.name for p in (project / folder).iterdir())
    result = CliRunner().invoke(main, ["check", ".", "--cache-dir", folder])
    assert result.exit_code == 2 and "not a gdpr-lint cache" in result.output
    assert sorted(p.name for p in (project / folder).iterdir()) == before
    # an empty folder, a new one and an existing cache are fine
    (project / "empty").mkdir()
    for ok in ("empty", "new/cache", "empty"):
        assert CliRunner().invoke(main, ["check", "shop", "--cache-dir", ok, "--no-fail"]).exit_code == 0


def test_a_few_large_files_are_spread_over_worker_processes(project, monkeypatch):
    # found by a new user: two heavy files ran one after the other with --jobs 2
    import concurrent.futures

    pools: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor

    def counted(*args, **kwargs):
        pools.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counted)
    one = scan([project], load_policy(), root=project, jobs=1)
    small = scan([project], load_policy(), root=project, jobs=2)
    assert pools == []  # four small files: not worth starting processes
    monkeypatch.setattr(scan_module, "POOL_BYTES", 100)
    spread = scan([project], load_policy(), root=project, jobs=2)
    assert pools and [f.fingerprint for f in spread.findings] == [f.fingerprint for f in one.findings] == [
        f.fingerprint for f in small.findings]


def test_every_cached_type_reads_back_exactly_as_it_was_written(project, monkeypatch):
    # the cache holds JSON with a reader per type (gdpr_lint/cache.py); a field the writer leaves out,
    # or a reader that drops or reshapes something, would make warm scans differ from cold ones
    import dataclasses

    from gdpr_lint.cache import NAMESPACES, Cache
    from gdpr_lint.facts.stored import facts_from_data, facts_to_data
    from gdpr_lint.files.discovery import Tree
    from gdpr_lint.policy import _pack_from_data, load_policy_cached
    from gdpr_lint.scan import (Survey, _Held, _survey_print, result_from_data, result_to_data, rights_from_data,
                                snapshot_from_data, snapshot_to_data)

    (project / "shop" / "jobs.py").write_text("import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
                                              "def run(user):\n    try:\n        return int(user.age)\n"
                                              "    except ValueError:\n        log.warning('bad age for %s', "
                                              "user.email)\n")
    folder = project / ".cache"
    from gdpr_lint import policy as policy_module

    monkeypatch.setattr(policy_module, "_PACK_TEXT", {})  # as in a new process: the pack goes to the cache
    load_policy_cached(OrgConfig(), folder)
    cold = scan([project], load_policy(), root=project, jobs=1, cache_dir=None)
    monkeypatch.setattr(scan_module, "RACY_FILE_NS", 0)  # the files written a moment ago are held too
    scan([project], load_policy(), root=project, jobs=1, cache_dir=folder)
    warm = scan([project], load_policy(), root=project, jobs=1, cache_dir=folder)
    assert [asdict(f) for f in warm.findings] == [asdict(f) for f in cold.findings] and warm.inventory == cold.inventory
    assert set(Survey().to_data()) == {f.name for f in dataclasses.fields(Survey)}
    assert set(Tree("k").to_data()) == {f.name for f in dataclasses.fields(Tree)}
    import json

    def as_json(value):  # what the cache writes (tuples become lists)
        return json.loads(json.dumps(value))

    cache, seen = Cache(folder), set()
    surveys = []
    for ns in NAMESPACES:
        for path in (folder / ns).glob("*/*"):
            raw = cache.get(ns, path.name)
            assert raw is not None, path
            seen.add(ns)
            if ns == "survey":
                surveys.append(Survey.from_data(raw))
                assert as_json(surveys[-1].to_data()) == raw
            elif ns == "result":
                assert as_json(result_to_data(result_from_data(raw))) == raw
            elif ns == "snapshot":
                snap = snapshot_from_data(raw)
                assert as_json(snapshot_to_data(snap["files"], snap["results"], snap["tree"], snap["run"],
                                                snap["project"])) == raw
                assert snap["files"]  # each file's print and what the scan reads of its survey, kept
                for _stamp, digest, print_, light in snap["files"].values():
                    data = next(s.to_data() for s in surveys if s.digest == digest)
                    assert print_ == _survey_print(data, digest) and list(light) == list(_Held.of(data))
                assert as_json(result_to_data(result_from_data(raw["run"]["result"], marked=True))) == \
                    raw["run"]["result"]
            elif ns == "facts":  # (a frozen set's order is its own: compared as facts)
                facts = facts_from_data(raw)
                assert facts_from_data(as_json(facts_to_data(facts))) == facts and facts.record_modules
            elif ns == "rights":
                findings, marks, parsed, seen_then = rights_from_data(raw)
                assert as_json({"findings": [f.to_data() for f in findings],
                                "rows": {k: list(v) for k, v in marks.items()},
                                "parsed": parsed, "seen": seen_then}) == raw
            else:
                assert {"pack": _pack_from_data(raw)} == raw
    assert seen == set(NAMESPACES)
    assert any(f for s in surveys for c in s.headers for f in c["f"])  # class facts with fields
    assert any(s.facts.get("caught") for s in surveys)  # and the file facts


def test_reading_cached_results_needs_no_parser():
    """A warm scan reads every file's result from the cache: checking those entries must not
    import libcst (a fifth of a second, more than the rest of a warm scan of Django)."""
    import subprocess
    import sys

    code = ("import sys\nfrom gdpr_lint.scan import result_from_data\n"
            "row = {'path': 'a.py', 'line': 1, 'module': 'a', 'model': 'A', 'field': 'email', 'framework': 'django',"
            " 'storage': True, 'column': 5, 'categories': ['user.contact.email'], 'reasons': [], 'special': False, 'subject': '',"
            " 'retention': '', 'basis': '', 'purpose': '', 'encrypted': False, 'declared_by': '', 'tag_problem': '',"
            " 'exchanged': False, 'mirrors': '', 'erasure': '', 'access': '', 'exempt_reason': ''}\n"
            "assert result_from_data([[], [], [row], 3])[3] == 3\n"
            "assert 'libcst' not in sys.modules, 'libcst imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_the_rules_chosen_on_the_command_line_never_change_what_a_later_run_reports(tmp_path, monkeypatch):
    """The erasure and access check (GDPR501-505) cached its findings under the policy's hash, which
    `--select` and `--ignore` are not part of: after `--select GDPR4`, `--select GDPR5` reported
    nothing, and after `--ignore GDPR5` a plain run lost GDPR501 and GDPR502 for good. Found by a
    fresh-user check."""
    import json
    import shutil

    shutil.copytree(Path(__file__).resolve().parents[1] / "examples" / "shop", tmp_path / "shop")
    monkeypatch.chdir(tmp_path / "shop")

    def codes(*args: str) -> list[str]:
        result = CliRunner().invoke(main, ["check", "--format", "json", "--no-fail", *args, "."])
        assert result.exit_code == 0, result.output
        return sorted(f["code"] for f in json.loads(result.stdout)["findings"])

    cache = ["--cache-dir", str(tmp_path / "cache")]
    for first, then in ((["--select", "GDPR4"], ["--select", "GDPR5"]), (["--ignore", "GDPR5"], []),
                        ([], ["--ignore", "GDPR5"]), ([], ["--select", "GDPR1"]), (["--select", "GDPR3"], [])):
        shutil.rmtree(tmp_path / "cache", ignore_errors=True)
        codes(*cache, *first)
        expected = codes("--no-cache", *then)
        assert codes(*cache, *then) == expected, (first, then)
    assert any(c.startswith("GDPR5") for c in codes("--no-cache"))


def test_a_cache_folder_at_the_top_of_the_file_system_is_used(tmp_path, monkeypatch, capsys):
    """`--cache-dir /cache` (a common CI cache path) with no git work tree: the folder that "holds"
    it was the file system's root, every key lay inside it, and the cache was never used, with a
    note about a repository that was not there. Found by a fresh-user check."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(cache_module.ENV_KEY, raising=False)
    top = Path(tmp_path.anchor) / "gdpr-lint-cache-that-is-not-made"
    if (top.parent / ".git").exists():
        pytest.skip("the file system's root is a git work tree here")
    assert cache_module.user_key(top) is not None
    # a key beside the cache in a folder with no git work tree is still refused, and the note names the folder
    beside = tmp_path / "project"
    beside.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(beside / "xdg"))
    assert cache_module.user_key(beside / "cache") is None
    note = capsys.readouterr().err
    assert f"lies inside the folder {beside.resolve()}, which holds the cache" in note and "repository" not in note


def test_runs_from_a_subfolder_share_the_projects_cache(tmp_path, monkeypatch):
    """The default cache is at the top of the project the command runs in (a marked folder: a
    git work tree, a packaging file, a config), so a run from a subfolder (an editor, a hook in a
    package) reuses what a run from the top surveyed; with no project around, the current folder."""
    monkeypatch.delenv("GDPR_LINT_CACHE_DIR", raising=False)
    top = tmp_path / "shop"
    (top / "app").mkdir(parents=True)
    (top / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    (top / "app" / "views.py").write_text('import logging\nlogging.info("x %s", user_email)\n')
    monkeypatch.chdir(top / "app")
    assert CliRunner().invoke(main, ["check", "views.py"]).exit_code == 1
    assert (top / ".gdpr-lint-cache" / "CACHEDIR.TAG").is_file() and not (top / "app" / ".gdpr-lint-cache").exists()
    cleared = CliRunner().invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0 and "../.gdpr-lint-cache" in cleared.output
    lone = tmp_path / "scratch"
    lone.mkdir()
    (lone / "x.py").write_text("x = 1\n")
    monkeypatch.chdir(lone)
    assert CliRunner().invoke(main, ["check", "x.py"]).exit_code == 0
    assert (lone / ".gdpr-lint-cache").is_dir()


class Steps:
    """Counts what the scans do after reading the files: the surveys the project decodes, the
    project facts built, the test code production code imports worked out, and the files
    whose need of analysis the project facts decide (a scan that reuses the last whole result does
    none of these; one whose surveys are unchanged does none of the last three)."""

    def __init__(self, monkeypatch) -> None:
        from gdpr_lint import survey as survey_module
        from gdpr_lint.facts import project as project_facts

        self.decoded = self.built = self.promoted = self.decided = 0

        def counting(attr: str, real):
            def counted(*args, **kwargs):
                setattr(self, attr, getattr(self, attr) + 1)
                return real(*args, **kwargs)
            return counted

        monkeypatch.setattr(survey_module, "check_file_facts", counting("decoded", survey_module.check_file_facts))
        monkeypatch.setattr(project_facts, "build_facts", counting("built", project_facts.build_facts))
        monkeypatch.setattr(scan_module, "_promote_imported_tests",
                            counting("promoted", scan_module._promote_imported_tests))
        monkeypatch.setattr(project_facts.ProjectFacts, "needs_analysis",
                            counting("decided", project_facts.ProjectFacts.needs_analysis))

    def done(self) -> tuple[int, int, int, int]:
        out = (self.decoded, self.built, self.promoted, self.decided)
        self.decoded = self.built = self.promoted = self.decided = 0
        return out


def _full(root: Path, policy=None, **kwargs):
    result = scan([root], policy or load_policy(), root=root, jobs=1, cache_dir=root / ".cache", **kwargs)
    return ([asdict(f) for f in result.findings], [asdict(f) for f in result.suppressed], result.inventory,
            result.disclosures, result.lines, result.imported_test_code, result.files)


def _settled(project: Path, monkeypatch) -> None:
    """A first scan makes the cache folder inside the tree; the next walks it again (the test's
    folders are trusted at once, see RACY_NS)."""
    _trust_new_folders(monkeypatch)
    _full(project)
    _full(project)


def test_a_scan_of_the_same_files_reuses_the_whole_result_with_its_marks_and_suppressions(project, monkeypatch):
    # the rights check marks the store's rows; a suppressed finding, an imported test module and a
    # disclosure must come back from the whole result as they were made
    (project / "shop" / "views.py").write_text(VIEWS + "\n\ndef quiet(user):\n"
                                               "    logger.info('%s', user.email)  # gdpr-lint: ignore[GDPR301] reason=\"hashed\"\n")
    (project / "shop" / "factories.py").write_text("def make_customer(email):\n    return email\n")
    (project / "shop" / "seed.py").write_text("from shop.factories import make_customer\n")
    (project / "shop" / "mailer.py").write_text("import stripe\n\n\ndef charge(customer):\n"
                                                "    stripe.Customer.create(email=customer.email)\n")
    cold = scan([project], load_policy(), root=project, jobs=1, cache_dir=None)
    _settled(project, monkeypatch)
    steps = Steps(monkeypatch)
    first = _full(project)
    counter = Counter(monkeypatch)
    again = _full(project)
    assert steps.done() == (0, 0, 0, 0) and counter.surveyed == [] and counter.analysed == []  # nothing read
    assert again == first
    assert first[0] == [asdict(f) for f in cold.findings] and first[2] == cold.inventory
    assert first[1] and first[5] == ["shop/factories.py"] and first[3]  # the suppression, the import, the disclosure
    assert any(row.get("erased_by") is not None for row in again[2])  # the rights check's marks


def test_the_whole_result_is_not_reused_when_a_file_or_the_rules_change(project, monkeypatch):
    _settled(project, monkeypatch)
    steps = Steps(monkeypatch)
    (project / "shop" / "util.py").write_text("def add(a, b):\n    return b + a\n")  # no finding either way
    _full(project)
    assert steps.done()[0] > 0  # the surveys are read
    _full(project, load_policy(OrgConfig(ignore=["GDPR301"])))  # other rules in force
    assert steps.done() != (0, 0, 0, 0)
    os.utime(project / "shop" / "util.py", (1, 1))  # the same content with other times: still the same
    _full(project, load_policy(OrgConfig(ignore=["GDPR301"])))
    assert steps.done() == (0, 0, 0, 0)


def test_an_edit_that_changes_no_survey_decides_nothing_again_and_is_analysed(project, monkeypatch):
    (project / "shop" / "factories.py").write_text("def make_customer(email):\n    return email\n")
    (project / "shop" / "seed.py").write_text("from shop.factories import make_customer\n")
    # the files written a moment ago are held in the snapshot (each edit below changes a file's size)
    monkeypatch.setattr(scan_module, "RACY_FILE_NS", 0)
    _settled(project, monkeypatch)
    steps, counter = Steps(monkeypatch), Counter(monkeypatch)
    # a comment and a log line of the same shape: the survey of views.py is the same
    (project / "shop" / "views.py").write_text(VIEWS.replace("signed up %s", "joined: %s") + "# edited\n")
    edited = _full(project)
    assert counter.analysed == ["views.py"]
    decoded, built, promoted, decided = steps.done()
    # no other file's survey is read but the imported test code's as production code (factories.py),
    # and the facts for the file's analysis are the last scan's
    assert (decoded, promoted, decided, built) == (1, 0, 0, 0)
    assert edited[5] == ["shop/factories.py"]
    cold = scan([project], load_policy(), root=project, jobs=1, cache_dir=None)
    assert edited[0] == [asdict(f) for f in cold.findings] and edited[2] == cold.inventory
    # an edit that changes what the survey says: decided again
    (project / "shop" / "util.py").write_text("from shop.models import Customer\n\n\ndef add(a, b):\n"
                                              "    return Customer(email=a)\n")
    _full(project)
    assert steps.done()[2:] != (0, 0)


def _cold(project: Path):
    result = scan([project], load_policy(), root=project, jobs=1, cache_dir=None)
    return [asdict(f) for f in result.findings]


_LOGS_EMAIL = "import logging\n\n\ndef note(user):\n    logging.warning('%s', user.email)\n"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_link_re_pointed_in_a_folder_no_scan_walks_changes_which_test_code_is_imported(project, monkeypatch):
    # shop.ext -> vendor/current -> tests/one or tests/two; vendor/ is excluded, so re-pointing its
    # link changes no folder the scan walks and no file it reads
    for pkg, body in (("one", _LOGS_EMAIL), ("two", "def note(user):\n    return user.pk\n")):
        (project / "tests" / pkg).mkdir(parents=True)
        (project / "tests" / pkg / "__init__.py").write_text("")
        (project / "tests" / pkg / "audit.py").write_text(body)
    (project / "tests" / "__init__.py").write_text("")
    (project / "shop" / "hooks.py").write_text("from shop.ext.audit import note\n\n\ndef run(user):\n    note(user)\n")
    (project / "vendor").mkdir()
    (project / ".gitignore").write_text("vendor/\n")
    os.symlink(project / "tests" / "one", project / "vendor" / "current")
    os.symlink(project / "vendor" / "current", project / "shop" / "ext")
    _settled(project, monkeypatch)
    assert any(f["path"] == "tests/one/audit.py" for f in _full(project)[0])
    os.unlink(project / "vendor" / "current")
    os.symlink(project / "tests" / "two", project / "vendor" / "current")
    assert _full(project)[0] == _cold(project)
    (project / "shop" / "hooks.py").write_text("from shop.ext.audit import note\n\n\ndef run(user):\n"
                                                "    note(user)  # the same survey\n")
    assert _full(project)[0] == _cold(project)


def test_what_imported_test_code_itself_imports_is_read_again_when_it_changes(project, monkeypatch):
    # test code is surveyed for its syntax alone: what a helper production code imports goes on to
    # import is known only from its own content
    (project / "tests").mkdir()
    (project / "tests" / "__init__.py").write_text("")
    (project / "tests" / "builders.py").write_text("def build(user):\n    return user\n")
    (project / "tests" / "noisy.py").write_text(_LOGS_EMAIL)
    (project / "shop" / "setup.py").write_text("from tests.builders import build\n\n\ndef go(user):\n"
                                                "    return build(user)\n")
    _settled(project, monkeypatch)
    (project / "tests" / "builders.py").write_text("from tests.noisy import note\n\n\ndef build(user):\n"
                                                   "    note(user)\n    return user\n")
    edited = _full(project)[0]
    assert edited == _cold(project) and any(f["path"] == "tests/noisy.py" for f in edited)
    (project / "tests" / "builders.py").write_text("def build(user):\n    return user\n")
    again = _full(project)[0]
    assert again == _cold(project) and not any(f["path"] == "tests/noisy.py" for f in again)


def test_the_snapshot_holds_no_survey_and_a_malformed_one_in_the_cache_is_a_miss_for_that_file_alone(
        project, monkeypatch):
    # the snapshot keeps what a scan reads of each survey; the whole surveys, read only when the
    # project's surveys changed, come from the survey cache, each checked as it is read
    import hashlib

    from gdpr_lint.cache import Cache

    monkeypatch.setattr(scan_module, "RACY_FILE_NS", 0)  # the files written a moment ago are held too
    _settled(project, monkeypatch)
    cache = Cache(project / ".cache")
    snapshots = [cache.get("snapshot", p.name) for p in (project / ".cache" / "snapshot").glob("*/*")]
    assert snapshots and all(snap["files"] for snap in snapshots) and all(len(entry) == 4 and len(entry[3]) == 5 and isinstance(entry[2], str)
                             for snap in snapshots for entry in snap["files"].values())
    models = hashlib.sha256((project / "shop" / "models.py").read_bytes()).hexdigest()
    spoiled = [p.name for p in (project / ".cache" / "survey").glob("*/*")
               if (cache.get("survey", p.name) or {}).get("digest") == models]
    assert spoiled
    for key in spoiled:
        cache.put("survey", key, {"headers": "not a list"})  # authentic, of the wrong shape
    steps, counter = Steps(monkeypatch), Counter(monkeypatch)
    # an edit that changes what util.py's survey says: the project's surveys are read
    (project / "shop" / "util.py").write_text("from shop.models import Customer\n\n\ndef add(a, b):\n"
                                              "    return Customer(email=a)\n")
    again = _full(project)
    assert steps.done()[0] > 0 and sorted(counter.surveyed) == ["models.py", "util.py"]
    cold = scan([project], load_policy(), root=project, jobs=1, cache_dir=None)
    assert again[0] == [asdict(f) for f in cold.findings] and again[2] == cold.inventory


def test_only_the_newest_snapshots_and_project_facts_are_kept(tmp_path, monkeypatch):
    # a snapshot per set of paths scanned and the project facts per state of the surveys are
    # replaced, not reused, by later scans: the oldest go, so the folder does not grow with each edit
    from gdpr_lint.cache import Cache

    folder = tmp_path / "cache"
    cache = Cache(folder)
    keys = [f"{i:064x}" for i in range(1, 6)]
    for n, key in enumerate(keys):
        cache.put("facts", key, {"n": n})
        os.utime(folder / "facts" / key[:2] / key, ns=(10**18 + n, 10**18 + n))
    cache.put("result", keys[0], [])
    (folder / "facts" / keys[0][:2] / "notes.txt").write_text("not an entry")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ("f" * 64)).write_text("precious")
    (folder / "facts" / "ff").symlink_to(outside)  # a prefix folder that is a link: not entered
    cache.keep_newest("facts", 2)
    assert [k for k in keys if cache.get("facts", k) is not None] == keys[3:]
    assert cache.get("result", keys[0]) == [] and (folder / "facts" / keys[0][:2] / "notes.txt").exists()
    assert (outside / ("f" * 64)).read_text() == "precious"


def test_a_scan_keeps_the_newest_facts_and_snapshots_and_finds_the_same(project, monkeypatch):
    monkeypatch.setattr(scan_module, "FACTS_KEPT", 2)
    monkeypatch.setattr(scan_module, "SNAPSHOTS_KEPT", 2)
    _settled(project, monkeypatch)
    util = project / "shop" / "util.py"
    for n in range(3):  # each edit changes the survey, and the file is analysed: new project facts
        util.write_text("import logging\n\nlog = logging.getLogger(__name__)\n\n\n" + "".join(
            f"def note{i}(user):\n    log.info('%s', user.email)\n\n\n" for i in range(n + 1)))
        _full(project)
    folder = project / ".cache"
    assert len(list((folder / "facts").glob("*/*"))) == 2
    for paths in ([project / "shop" / "views.py"], [project / "shop" / "models.py"], [project / "shop"]):
        scan(paths, load_policy(), root=project, jobs=1, cache_dir=folder)
    assert len(list((folder / "snapshot").glob("*/*"))) == 2
    assert _full(project)[0] == _cold(project)


SEED = "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef greet(user):\n    log.info('hello %s', user.email)\n"


def _findings(root: Path, cache: Path | None) -> list:
    result = scan([root], load_policy(), root=root, jobs=1, cache_dir=cache)
    return [(f.path, f.line, f.code) for f in result.findings]


def test_a_test_file_and_a_production_file_of_the_same_content_and_name_are_surveyed_apart(tmp_path, monkeypatch):
    # two folders without __init__.py give both files the module name `seed`; the one under
    # testing/ is test code (scope.yaml): its survey (syntax alone) once stood for both in the
    # cache, and an edit elsewhere, which reads the whole surveys again, lost the other's finding
    monkeypatch.setattr(scan_module, "RACY_FILE_NS", 0)
    project = tmp_path / "proj"
    for folder in ("a", "testing"):
        (project / folder).mkdir(parents=True)
        (project / folder / "seed.py").write_text(SEED)
    (project / "b.py").write_text("def other():\n    return 1\n")
    cache = tmp_path / "cache"
    cold = _findings(project, None)
    assert cold == [("a/seed.py", 7, "GDPR301")]
    assert _findings(project, cache) == cold
    (project / "b.py").write_text("import os\n\n\ndef other():\n    return os.getcwd()\n")  # b.py's survey changes
    assert _findings(project, cache) == _findings(project, None) == cold
    # the same file scanned from inside the test folder is production code there
    assert _findings(project / "testing", cache) == _findings(project / "testing", None) == [("seed.py", 7, "GDPR301")]


def test_a_survey_print_is_made_of_its_data_and_never_matches_for_data_that_is_not_json():
    from gdpr_lint.scan import Survey, _survey_print

    data = Survey(facts={"calls": ["log"]}).to_data()
    assert _survey_print(data, "d1") == _survey_print(dict(data), "d2")  # (the digest only without facts)
    assert _survey_print({**data, "facts": {}}, "d1") != _survey_print({**data, "facts": {}}, "d2")
    assert _survey_print({"headers": []}, "d") == ""  # another shape
    odd = {**data, "facts": {"calls": {"log"}}}  # a set: no JSON, so a print that matches no other scan's
    assert _survey_print(odd, "d") != _survey_print(odd, "d") and len(_survey_print(odd, "d")) == 64


def test_entries_no_scan_uses_are_dropped_once_old_and_the_marker_spaces_the_drops(tmp_path):
    # a file's survey and analysis are keyed by its content: each edit adds entries no later scan of
    # the edited file reads; those written long ago and not used now go, the rest stay
    from gdpr_lint.cache import PRUNED_MARK, Cache

    folder = tmp_path / "cache"
    cache = Cache(folder)
    old, used_old, recent = "1" * 64, "2" * 64, "3" * 64
    for key in (old, used_old, recent):
        cache.put("survey", key, {"k": key[0]})
    cache.put("result", old, [])
    long_ago = 10**18  # (2001)
    for key in (old, used_old):
        os.utime(folder / "survey" / key[:2] / key, ns=(long_ago, long_ago))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ("f" * 64)).write_text("precious")
    os.utime(outside / ("f" * 64), ns=(long_ago, long_ago))
    (folder / "survey" / "ff").symlink_to(outside)  # a prefix folder that is a link: not entered
    assert cache.drop_unused("survey", {used_old}, 3600) == 1
    assert [k for k in (old, used_old, recent) if cache.get("survey", k)] == [used_old, recent]
    assert cache.get("result", old) == [] and (outside / ("f" * 64)).read_text() == "precious"
    # the marker: the first asks make it, the next within the period says no, an old one yes again
    assert cache.prune_due(3600) and (folder / PRUNED_MARK).is_file()
    assert not cache.prune_due(3600)
    os.utime(folder / PRUNED_MARK, ns=(long_ago, long_ago))
    assert cache.prune_due(3600) and not cache.prune_due(3600)
    # a marker that is a link is left alone, and no drop is due
    (folder / PRUNED_MARK).unlink()
    (folder / PRUNED_MARK).symlink_to(outside / ("f" * 64))
    assert not cache.prune_due(0) and os.stat(outside / ("f" * 64)).st_mtime_ns == long_ago
    (folder / PRUNED_MARK).unlink()
    cache.prune_due(0)
    assert Cache(folder).clear() == 3 and not folder.exists()  # (the marker is the cache's own)


def test_a_scan_drops_the_entries_of_earlier_contents_once_a_day_and_finds_the_same(project, monkeypatch):
    _settled(project, monkeypatch)
    folder = project / ".cache"
    views = project / "shop" / "views.py"
    assert (folder / ".pruned").is_file()  # (made by the first scan that wrote: the first drop, of nothing)
    views.write_text(VIEWS + "\n\ndef other(user):\n    logger.info('%s', user.email)\n")  # new entries
    _full(project)

    def names(ns: str) -> set[str]:
        return {p.name for p in (folder / ns).glob("*/*")}

    before = {ns: names(ns) for ns in ("survey", "result")}
    long_ago = 10**18
    for ns in ("survey", "result"):
        for path in (folder / ns).glob("*/*"):
            os.utime(path, ns=(long_ago, long_ago))
    views.write_text(VIEWS)  # back to the first content: its entries are in use again
    _full(project)  # the marker is recent: nothing is dropped
    assert names("survey") == before["survey"] and names("result") == before["result"]
    views.write_text(VIEWS + "\n")
    os.utime(folder / ".pruned", ns=(long_ago, long_ago))
    again = _full(project)
    # the entries of the edited content went (written long ago, used by no file as it is now); those
    # of the files as they are now stayed, and the new content's were written
    survey, result = names("survey"), names("result")
    assert len(before["survey"] - survey) == 2 and len(survey - before["survey"]) == 1
    assert len(before["result"] - result) == 2 and len(result - before["result"]) == 1
    assert again[0] == _cold(project) and _full(project)[0] == _cold(project)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc, where no folder can be made")
def test_a_cache_folder_that_cannot_be_made_is_said_once_and_the_scan_runs_without_it(tmp_path, monkeypatch):
    # (found by a fresh user: `--cache-dir /proc/nope` ran without a cache and said nothing)
    (tmp_path / "app.py").write_text(SEED)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cache_module, "_NOTED", set())
    runner = CliRunner()
    used = runner.invoke(main, ["check", "--format", "json", "--no-fail", "--cache-dir", "/proc/gdpr-lint-nope", "."])
    cold = runner.invoke(main, ["check", "--format", "json", "--no-fail", "--no-cache", "."])
    assert used.exit_code == cold.exit_code == 0 and used.stdout == cold.stdout and "GDPR301" in cold.stdout
    said = [line for line in used.stderr.splitlines() if "results cache not used" in line]
    assert len(said) == 1 and "/proc/gdpr-lint-nope cannot be made" in said[0]
