"""Output formats.  Each module has ``render(result, policy, **options) -> str``."""

FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown")


def get(name: str):
    """The ``render`` function of a format (imported on demand to keep start-up fast)."""
    import importlib

    module = importlib.import_module(f"gdpr_lint.reporters.{'json_report' if name == 'json' else name}")
    return module.render
