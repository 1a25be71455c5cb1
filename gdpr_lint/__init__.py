"""gdpr-lint: a GDPR code-review policy linter for Python."""

__version__ = "0.1.0"
#: where the project lives (pyproject.toml's [project.urls] say the same; a test checks)
REPOSITORY = "https://github.com/gdpr-lint/gdpr-lint"
#: the documentation of this release: its tag is ``v`` + the version (docs/releasing.md)
DOCS = f"{REPOSITORY}/blob/v{__version__}/docs"
RULE_DOCS = f"{DOCS}/rules"


def _drop_scanned_folder_from_path() -> None:
    """Run as a command, take no module from the current folder: it is the repository under scan.

    ``python -m gdpr_lint`` puts the current folder first on ``sys.path``, so a ``re.py``,
    ``yaml.py`` or ``click.py`` in the scanned repository would be imported in place of the real
    one and run (a relative entry of ``PYTHONPATH`` does the same for the ``gdpr-lint`` script).
    This package is imported before any of those: from here on such entries are gone.  A module
    named ``gdpr_lint`` in the current folder is found before this package, so the documented way
    is ``python -P -m gdpr_lint`` (Python 3.11+), which never adds the folder.
    """
    import os
    import sys

    command = sys.argv[0] if sys.argv else ""
    if command != "-m" and not os.path.basename(command).startswith("gdpr-lint"):
        return  # imported as a library (tests, a caller's own code): its path is its business
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:
        here = ""
    sys.path[:] = [p for p in sys.path if p and os.path.isabs(p) and os.path.realpath(p) != here]


_drop_scanned_folder_from_path()
