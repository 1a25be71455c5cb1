"""What the analysis of a file must read, told from its text and the project facts before libcst
is imported.

Importing libcst costs a tenth of a second or more, most of what one changed file costs when
its analysis has nothing to read: no record class by the survey's reading, nothing the cut keeps
(:data:`~gdpr_lint.engine.focus.NOTHING`), and no suppression comment to check. Such a file yields
no finding and no row, and :func:`nothing_to_read` says so without libcst; the analysis
(:mod:`gdpr_lint.engine.analyzer`) decides by the same functions.
"""

from __future__ import annotations

import re
from functools import lru_cache

from gdpr_lint.engine.budget import too_deeply_nested
from gdpr_lint.engine.focus import NOTHING, focus
from gdpr_lint.files.source import python_lines
from gdpr_lint.survey.prefilter import INNER_CLASS

#: the calls that declare a record class (a carrier) by their arguments
FUNCTIONAL_RECORDS = frozenset(("typing.TypedDict", "typing_extensions.TypedDict", "typing.NamedTuple",
                                "collections.namedtuple"))


def record_call_names(frameworks) -> frozenset[str]:
    """The last names of the calls that declare a record (``Table``, ``TypedDict``,
    ``namedtuple``): the policy's Core tables and the typing module's record calls."""
    return frozenset(n.rpartition(".")[2] for n in (*frameworks.tables, *FUNCTIONAL_RECORDS))


def may_hold_records(project, module: str, source: str) -> bool:
    """Whether a module Python has read may declare a record class: the survey found one in it
    (``record_modules``: a class with a framework's base, decorator or field constructor, or one
    of the scanned tree's schemas), it has a class the survey does not read (in a function or a
    block), or there are no project facts to tell."""
    records = getattr(project, "record_modules", None)
    if records is None or module in records:
        return True
    lined = source if "\r" not in source else "\n".join(python_lines(source))  # (`^` after a lone `\r` too)
    return INNER_CLASS.search(lined) is not None


@lru_cache(maxsize=2)
def may_load_code(source: str, functions: frozenset, evaluators: frozenset, reads: frozenset) -> bool:
    """Whether ``source`` names a code loader or reads a file next to a builtin ``compile(`` or
    ``exec(`` (not ``re.compile(``): a superset, read once for all the parts of a module."""
    source = source.replace(" (", "(")
    return any(f.rpartition(".")[2] + "(" in source for f in functions) or (
        any("." + r + "(" in source for r in reads) and re.search(
            r"(?<![\w.])(?:" + "|".join(map(re.escape, evaluators)) + r")\(", source) is not None)


def class_statements_read(source: str, policy) -> bool:
    """Whether the engine may read a class's own statements besides its fields: a call that
    runs code from a file (GDPR906, anywhere) or an argparse file parameter (its attributes are
    learnt where it is declared) may be one."""
    spec = policy.sinks.get("code_loaders") or {}
    return "FileType" in source or may_load_code(source, frozenset(spec.get("functions") or ()), frozenset(
        spec.get("evaluators") or ()), frozenset(spec.get("file_reads") or ()))


_SUPPRESSION_MARK = re.compile("gdpr", re.IGNORECASE)  # (any spelling of a comment the engine reads)


def nothing_to_read(source: str, policy, module: str, project, prefilter) -> bool:
    """Whether the analysis of ``source`` (the module ``module``, which Python's parser read in the
    survey: ``prefilter`` given) can make no finding and no row: its brackets nest within Python's
    limit, it may hold no record class, no comment names gdpr (no suppression, GDPR903 and
    GDPR904), and the cut keeps nothing for libcst to read."""
    if prefilter is None or _SUPPRESSION_MARK.search(source) or too_deeply_nested(source):
        return False
    if may_hold_records(project, module, source):
        return False
    apart = not class_statements_read(source, policy)
    return cut(source, prefilter, project, module, apart, record_call_names(policy.frameworks)) is NOTHING


_LAST: list = []  # the last cut made: (its arguments, the part), for the analysis of the same file


def cut(source: str, prefilter, facts, module: str, apart: bool, record_calls: frozenset[str]):
    """:func:`~gdpr_lint.engine.focus.focus`, made once per file: the analysis asks again for the
    cut :func:`nothing_to_read` made of the same text with the same facts."""
    if _LAST and _LAST[0][0] is source and _LAST[0][1:] == (prefilter, facts, module, apart, record_calls):
        return _LAST[1]
    part = focus(source, prefilter, facts, module, apart, record_calls)
    _LAST[:] = [(source, prefilter, facts, module, apart, record_calls), part]
    return part
