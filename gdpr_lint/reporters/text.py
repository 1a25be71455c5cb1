"""Human-readable text: ``path:line:col: CODE message [categories]`` plus the fix hint."""

from __future__ import annotations

import click

_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


def render(result, policy, explain: bool = False, color: bool = False, **_: object) -> str:
    """One block per finding; ``explain`` adds why each category was assigned."""
    lines: list[str] = []
    for f in result.findings:
        cats = f" [{', '.join(f.categories)}]" if f.categories else ""
        code = click.style(f.code, fg=_COLOURS.get(f.severity), bold=True) if color else f.code
        where = click.style(f"{f.path}:{f.line}:{f.column}:", bold=True) if color else f"{f.path}:{f.line}:{f.column}:"
        lines.append(f"{where} {code} {f.message}{cats}")
        if f.fix:
            lines.append(f"    fix: {f.fix}")
        if explain:
            for reason in f.reasons:
                lines.append(f"    why: {reason}")
            if f.sink:
                lines.append(f"    sink: {f.sink}")
    return "\n".join(lines) + ("\n" if lines else "")
