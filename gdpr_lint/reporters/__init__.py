"""Output formats.  Each module has ``render(result, policy, **options) -> str``."""

FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown")


def get(name: str):
    """The ``render`` function of a format (imported on demand to keep start-up fast)."""
    import importlib

    module = importlib.import_module(f"gdpr_lint.reporters.{'json_report' if name == 'json' else name}")
    return module.render


def repository_root(root):
    """The top of the git work tree that holds ``root`` (a folder with ``.git``), or ``None``."""
    from pathlib import Path

    here = Path(root).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def from_repository_root(result):
    """``(findings with paths from the repository's top, the top)``: code scanning, annotations and
    merge-request widgets resolve paths against the repository, not against the folder a CI job
    ran in (`working-directory: backend` reports `backend/shop/api.py`).  Outside git, or for a
    path outside the tree, paths stay as they are and the top is the scan root."""
    import dataclasses
    import posixpath
    from pathlib import Path, PurePosixPath

    top = repository_root(result.root) if result.root is not None else None
    if top is None:
        return list(result.findings), list(result.suppressed), result.root
    try:
        prefix = Path(result.root).resolve().relative_to(top).as_posix()
    except ValueError:
        return list(result.findings), list(result.suppressed), result.root
    if prefix in ("", "."):
        return list(result.findings), list(result.suppressed), top

    def moved(f):
        if PurePosixPath(f.path).is_absolute():
            return f
        path = posixpath.normpath(posixpath.join(prefix, f.path))
        return f if path.startswith("../") else dataclasses.replace(f, path=path)

    return [moved(f) for f in result.findings], [moved(f) for f in result.suppressed], top
