"""Output formats.  Each module has ``render(result, policy, **options) -> str``."""

FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown")


def get(name: str):
    """The ``render`` function of a format (imported on demand to keep start-up fast)."""
    import importlib

    module = importlib.import_module(f"gdpr_lint.reporters.{'json_report' if name == 'json' else name}")
    return module.render


def repository_root(root, env=None):
    """The top of the repository that holds ``root``: the CI job's checkout when the environment
    names one that holds it (``GITHUB_WORKSPACE``, ``CI_PROJECT_DIR``), else the top of the git
    work tree (a folder with ``.git``), else the top of the project around it (a folder with a
    ``pyproject.toml``, ``setup.py``, ``setup.cfg`` or config: where ``check FILE`` finds its
    project), else ``None``: a baseline made at that top matches from its subfolders."""
    import os
    from pathlib import Path

    env = os.environ if env is None else env
    here = Path(root).resolve()
    for name in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        if env.get(name):
            workspace = Path(env[name]).resolve()
            if here == workspace or workspace in here.parents:
                return workspace
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    from gdpr_lint.files.discovery import project_top

    top = project_top(here)
    return top.resolve() if top is not None else None


class Located:
    """A result's findings with paths from the repository's top (:func:`from_repository_root`)."""

    def __init__(self, findings, suppressed, baselined, top):
        self.findings, self.suppressed, self.baselined, self.top = findings, suppressed, baselined, top

    def __iter__(self):  # ``findings, suppressed, top = from_repository_root(result)``
        return iter((self.findings, self.suppressed, self.top))


def from_repository_root(result) -> Located:
    """The findings (and the suppressed and baselined ones) with paths from the repository's top:
    code scanning, annotations and merge-request widgets resolve paths against the repository, not
    against the folder a CI job ran in (`working-directory: backend` reports
    `backend/shop/api.py`); a file outside the top is named from it too (`../other/x.py`).  Outside
    a repository and a project, paths stay as they are and the top is the scan root."""
    import dataclasses
    import posixpath
    from pathlib import Path, PurePosixPath

    lists = (list(result.findings), list(result.suppressed), list(getattr(result, "baselined", [])))
    top = repository_root(result.root) if result.root is not None else None
    if top is None:
        return Located(*lists, result.root)
    try:
        prefix = Path(result.root).resolve().relative_to(top).as_posix()
    except ValueError:
        return Located(*lists, result.root)
    if prefix in ("", "."):
        return Located(*lists, top)

    def moved(f):
        if PurePosixPath(f.path).is_absolute():
            return f
        path = posixpath.normpath(posixpath.join(prefix, f.path))
        # the fingerprint names the path too: from the top, it is the same whatever folder ran the scan
        # (a file outside the top too: `../other/x.py` from it, as the reports' base is the top)
        return dataclasses.replace(f, path=path).finish()

    return Located(*([moved(f) for f in group] for group in lists), top)


def from_top(findings, root):
    """``findings`` with their paths (and fingerprints) from the repository's top, in the same
    order: what a baseline records and matches, so that it works from any folder of the repository."""
    from types import SimpleNamespace

    return from_repository_root(SimpleNamespace(findings=findings, suppressed=[], baselined=[], root=root)).findings
