"""Write what a command makes to the file ``--output`` names."""

from __future__ import annotations

from pathlib import Path

from gdpr_lint.errors import UsageError


def write_output(path: str | Path, text: str, newline: str | None = None) -> None:
    """Write ``text`` to ``path``, making its folder when it is missing (``-o reports/gdpr.sarif``
    in a fresh CI checkout), as ``review`` makes its own.  ``newline``: as :func:`open` takes it
    (``""`` for CSV, which writes its own line ends).

    Raises:
        UsageError: the file or its folder cannot be written (a file where the folder should be,
            no permission).
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
    except OSError as exc:
        blocked = next((p for p in reversed(target.parents) if p.exists() and not p.is_dir()), None)
        why = f"{blocked} is a file, not a folder" if blocked is not None else exc.strerror or exc
        raise UsageError(f"cannot write {path}: {why}") from None
