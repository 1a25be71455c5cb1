"""Errors that are the user's to fix: they become a clear message and exit code 2, never a traceback."""

from __future__ import annotations


class UsageError(Exception):
    """A mistake in how gdpr-lint was called or configured (exit code 2).

    ``str(error)`` is the whole message shown to the user.
    """


class ConfigError(UsageError):
    """A bad organisation config or policy pack.

    Args:
        path: the file that holds the mistake.
        key: the dotted key that is wrong (``approved_processors[2].name``), or ``""``.
        problem: what is wrong and what is allowed instead.
    """

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = f"{path}: {key}: " if key else f"{path}: "
        super().__init__(where + problem)


def printable(text: str) -> str:
    """``text`` with each character a terminal would not print as itself (a line break, an escape
    code) written as Python writes it: a path or message shown on one line stays one line."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def not_empty(ctx, param, value):
    """A click callback: an option given an empty or blank value (a CI variable left unset,
    ``--config "$CONFIG"``) is a usage error, not the option left out."""
    if isinstance(value, str) and not value.strip():
        import click

        raise click.BadParameter("is empty; give a value or leave the option out")
    return value

