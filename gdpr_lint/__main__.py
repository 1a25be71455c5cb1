"""Allow ``python -m gdpr_lint``."""
from gdpr_lint.cli import main

if __name__ == "__main__":
    main()
