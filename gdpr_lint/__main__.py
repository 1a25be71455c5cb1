"""Allow ``python -P -m gdpr_lint`` (``-P``: see ``_drop_scanned_folder_from_path`` in ``__init__``)."""
from gdpr_lint.cli import main

if __name__ == "__main__":
    main()
