"""Which files a scan reads: ignore files as git reads them, and the snapshot that skips the walk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gdpr_lint.files import discovery
from gdpr_lint.files.discovery import discover, discover_tree


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _found(paths: list[Path], root: Path) -> set[str]:
    return {p.resolve().relative_to(root.resolve()).as_posix() for p in discover(paths, [], root)}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree (``.git/`` marks its top) with a root .gitignore naming one path."""
    return _tree(tmp_path, {".git/info/exclude": "local_notes.py\n", ".gitignore": "pkg/secret.py\n",
                            "pkg/secret.py": "", "pkg/ok.py": "", "pkg/local_notes.py": "",
                            "other/pkg/secret.py": ""})


def test_a_root_gitignore_pattern_with_a_slash_is_anchored_at_the_root(repo):
    # found by a new user: `check other` skipped other/pkg/secret.py, `check pkg` read pkg/secret.py
    assert _found([repo / "other"], repo) == {"other/pkg/secret.py"}
    assert _found([repo / "pkg"], repo) == {"pkg/ok.py"}
    assert _found([repo], repo) == {"pkg/ok.py", "other/pkg/secret.py"}


def test_the_root_gitignore_applies_when_scanning_from_a_subfolder(repo, monkeypatch):
    monkeypatch.chdir(repo / "pkg")
    assert {p.name for p in discover([Path(".")], [], Path("."))} == {"ok.py"}


def test_gitignore_files_in_subfolders_apply_below_them_and_deeper_ones_win(repo):
    _tree(repo, {"pkg/.gitignore": "*.gen.py\n", "pkg/a.gen.py": "", "pkg/sub/.gitignore": "!keep.gen.py\n",
                 "pkg/sub/keep.gen.py": "", "pkg/sub/b.gen.py": "", "other/c.gen.py": ""})
    found = _found([repo], repo)
    assert "pkg/a.gen.py" not in found and "pkg/sub/b.gen.py" not in found
    assert {"pkg/sub/keep.gen.py", "other/c.gen.py"} <= found


def test_a_subfolders_own_gitignore_does_not_replace_the_roots(repo):
    _tree(repo, {"pkg/.gitignore": "nothing_here.py\n"})
    assert _found([repo / "pkg"], repo) == {"pkg/ok.py"}  # pkg/secret.py still ignored by the root's


def test_outside_git_the_gitignore_of_the_root_and_the_folder_apply(tmp_path):
    _tree(tmp_path, {".gitignore": "sub/x.py\n", "sub/x.py": "", "sub/y.py": "", "sub/.gitignore": "y.py\n",
                     "sub/z.py": ""})
    assert _found([tmp_path / "sub"], tmp_path) == {"sub/z.py"}


def test_a_subfolder_gitignore_edited_in_place_is_seen_by_the_snapshot(repo, monkeypatch):
    monkeypatch.setattr(discovery, "RACY_NS", 0)  # trust the folders made a moment ago
    _tree(repo, {"pkg/.gitignore": "# nothing yet\n"})
    files, _, tree = discover_tree([repo], [], repo)
    assert tree is not None and tree.reusable and repo / "pkg" / "ok.py" in files
    again, _, same = discover_tree([repo], [], repo, tree)
    assert same is tree and again == files  # reused: nothing listed
    with open(repo / "pkg" / ".gitignore", "w") as fh:  # no folder changes
        fh.write("ok.py\n")
    later, _, new = discover_tree([repo], [], repo, tree)
    assert new is not tree and repo / "pkg" / "ok.py" not in later


@pytest.mark.parametrize(("ignore", "expected"), [
    ("vendor/**\n!vendor/keep.py\n", {"vendor/keep.py", "src/s.py"}),
    ("vendor/**\n!vendor/sub/\n!vendor/sub/**\n", {"vendor/sub/v.py", "src/s.py"}),
    ("*\n!*/\n!*.py\n", {"vendor/keep.py", "vendor/drop.py", "vendor/sub/v.py", "src/s.py"}),  # an allow-list
])
def test_a_folder_is_walked_when_its_gitignore_brings_files_back(tmp_path, ignore, expected):
    # found by a new user: pathspec calls `vendor/` ignored by `vendor/**` (and by `*` despite
    # `!*/`), so the folder was skipped where git walks in and lists the files brought back
    _tree(tmp_path, {".git/HEAD": "", ".gitignore": ignore, "vendor/keep.py": "", "vendor/drop.py": "",
                     "vendor/sub/v.py": "", "src/s.py": ""})
    assert _found([tmp_path], tmp_path) == expected


def test_removing_a_cachedir_tag_brings_the_folder_back_despite_the_snapshot(tmp_path, monkeypatch):
    # found by a new user: the tagged folder's own stamp was not kept, so the snapshot missed it
    monkeypatch.setattr(discovery, "RACY_NS", 0)
    _tree(tmp_path, {"c/a.py": "", "c/CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n"})
    files, _, tree = discover_tree([tmp_path], [], tmp_path)
    assert files == [] and tree is not None and tree.reusable
    (tmp_path / "c" / "CACHEDIR.TAG").unlink()
    files, _, _ = discover_tree([tmp_path], [], tmp_path, tree)
    assert files == [tmp_path / "c" / "a.py"]


def test_one_file_named_twice_by_different_paths_is_scanned_once(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from gdpr_lint.cli import main

    app = tmp_path / "app"
    app.mkdir()
    (app / "t.py").write_text("import logging\nlog = logging.getLogger(__name__)\n\n\n"
                              "def f(user):\n    log.info('x %s', user.email)\n")
    monkeypatch.chdir(app)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "../app", "t.py"])
    out = json.loads(result.stdout)
    assert out["summary"]["files"] == 1 and len(out["findings"]) == 1


def test_a_file_named_alone_belongs_to_the_project_the_command_runs_in(tmp_path: Path):
    """`check app/models.py` (as pre-commit names files): the project is the one the command
    runs in (the nearest marked folder at or above it, from a subfolder too), whatever package
    inside it has its own marker, as `check .` there reads it; with no project around the
    current folder, each file's nearest marked folder below it; none for a file outside, a folder
    named (read whole) or a file with no marker up to the current folder.  A link counts where it stands."""
    from gdpr_lint.files.discovery import projects_of

    root = _tree(tmp_path / "repo", {
        "pyproject.toml": "", "app/models.py": "", "app/notes.txt": "",
        "packages/billing/setup.cfg": "", "packages/billing/pay/api.py": "", "scratch/x.py": ""})
    (root / ".git").mkdir()
    top = Path(os.path.abspath(root))
    assert projects_of([root / "app" / "models.py"], root) == [top]
    assert projects_of([root / "packages/billing/pay/api.py", root / "app/models.py"], root) == [top]
    assert projects_of([root / "app/models.py"], root / "app") == [top]  # run from a subfolder
    assert projects_of([root / "app"], root) == []
    lone = _tree(tmp_path / "lone", {"x.py": "", "deep/y.py": "", "svc/setup.py": "", "svc/m.py": ""})
    assert projects_of([lone / "x.py"], root) == []  # outside the project the command runs in
    assert projects_of([lone / "deep" / "y.py"], lone) == []  # no marker up to the current folder
    assert projects_of([lone / "svc" / "m.py", lone / "x.py"], lone) == [Path(os.path.abspath(lone / "svc"))]
    (root / "app" / "link.py").symlink_to(lone / "x.py")
    assert projects_of([root / "app" / "link.py"], root) == [top]


def test_a_file_named_through_a_linked_current_folder_is_in_its_project(tmp_path: Path):
    """`gdpr-lint check "$PWD/app/views.py"` where $PWD is a link to the project (macOS's /tmp,
    an editor's absolute path): the file is in the project the command runs in (the current
    folder the system gives is the real one)."""
    from gdpr_lint.files.discovery import projects_of

    real = _tree(tmp_path / "real", {"pyproject.toml": "", "app/views.py": ""})
    (tmp_path / "link").symlink_to(real)
    assert projects_of([tmp_path / "link" / "app" / "views.py"], real.resolve()) == [real.resolve()]


def test_the_home_folder_is_no_project_of_its_own(tmp_path: Path, monkeypatch):
    """A user-wide config or dotfiles in the home folder do not make it a project: a script in a
    folder under it with no mark of its own is read alone (not with the whole home folder), and
    the cache stays in the current folder."""
    from gdpr_lint import cache
    from gdpr_lint.files.discovery import project_top, projects_of

    home = _tree(tmp_path / "home", {".gdpr-lint.yaml": "", "setup.cfg": "", "scratch/x.py": "",
                                     "work/pyproject.toml": "", "work/app.py": ""})
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    monkeypatch.delenv("GDPR_LINT_CACHE_DIR", raising=False)
    assert project_top(home / "scratch") is None and projects_of([home / "scratch" / "x.py"], home / "scratch") == []
    monkeypatch.chdir(home / "scratch")
    assert cache.default_folder() == Path(".gdpr-lint-cache")
    assert project_top(home / "work") == Path(os.path.abspath(home / "work"))
