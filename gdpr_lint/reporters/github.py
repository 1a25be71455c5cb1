"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

GitHub turns these into annotations on the pull request.  Escaping follows the Actions toolkit:
in the message ``%``, CR and LF are percent-encoded; property values also encode ``:`` and ``,``.
"""

from __future__ import annotations

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (the part after ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``file=``, ``title=``...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(f) -> str:
    """The workflow command for one finding.

    Columns are only sent for single-line findings: GitHub rejects ``col``/``endColumn`` when
    ``line`` and ``endLine`` differ.
    """
    props = [("file", f.path), ("line", f.line)]
    if f.end_line == f.line:
        props.append(("col", f.column))
    props.append(("endLine", f.end_line))
    if f.end_line == f.line:
        props.append(("endColumn", f.end_column))
    props.append(("title", f"{f.code} {f.name}"))
    message = f.message + (f" [{', '.join(f.categories)}]" if f.categories else "")
    if f.fix:
        message += f"\nfix: {f.fix}"
    head = ",".join(f"{k}={escape_property(str(v))}" for k, v in props)
    return f"::{COMMANDS.get(f.severity, 'warning')} {head}::{escape_data(message)}"


def render(result, policy, **_: object) -> str:
    """One workflow command per finding (suppressed findings are not annotated)."""
    from gdpr_lint.reporters import from_repository_root

    findings, _, _ = from_repository_root(result)
    lines = [command(f) for f in findings]
    return "\n".join(lines) + ("\n" if lines else "")
