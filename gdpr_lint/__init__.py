"""gdpr-lint: a GDPR code-review policy linter for Python."""

__version__ = "0.1.0"
