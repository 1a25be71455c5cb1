"""The survey: one cheap pass of Python's :mod:`ast` over every file of a scan.

For each file it decides whether the full analysis (libcst) is needed at all (the pre-filter,
:mod:`gdpr_lint.survey.prefilter`), and reads what the project facts need: its classes
(:mod:`gdpr_lint.survey.classes`), the carriers it persists (:mod:`gdpr_lint.survey.persisted`),
the exceptions it catches (:mod:`gdpr_lint.survey.handlers`) and the objects it hands to sinks.
A :class:`Survey` is cached by the file's content; the project facts are assembled from all of
them on every scan (:mod:`gdpr_lint.facts.project`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from gdpr_lint.cache import BadEntry, need, need_keys
from gdpr_lint.collector import paused
from gdpr_lint.files import parts as _parts
from gdpr_lint.files.source import line_breaks, line_count
from gdpr_lint.survey.calltext import CallText
from gdpr_lint.survey.classes import (
    RECORD_CALL_MARKERS,
    check_class_facts,
    check_file_facts,
    file_facts,
)
from gdpr_lint.survey.prefilter import file_identifiers


@dataclass
class Survey:
    """What a cheap first pass over one file learns (cached by content, policy and tool version).

    ``headers`` are its class headers for the project index; ``analyse`` says whether the full
    analysis (libcst) is needed: the file may yield a finding, or Python's ``ast`` could not parse
    it (libcst then reports the syntax error, or reads syntax newer than this Python).
    ``words``: the file names personal data but holds no sink the engine checks (the pre-filter's
    :meth:`~gdpr_lint.survey.prefilter.Prefilter.sink_shaped`): it is analysed only when the
    project facts find a record among its classes or a call of a function that writes its
    parameters to a sink (:meth:`~gdpr_lint.facts.project.ProjectFacts.holds_records_or_calls_sinks`).
    ``problem`` is why the file cannot be checked at all (a finding of rule ``code``), else empty.
    """

    headers: list = field(default_factory=list)
    analyse: bool = True
    lines: int = 0
    problem: str = ""
    digest: str = ""  # SHA-256 of the bytes surveyed (a file saved during the scan is not cached)
    code: str = "GDPR902"  # the rule of ``problem``: unreadable (GDPR902) or beyond analysis (GDPR905)
    facts: dict = field(default_factory=dict)  # what the file says beyond its classes (facts.classes.file_facts)
    words: bool = False
    parsed: bool = False  # Python's own parser read the file: no syntax error hides in any line of it

    def to_data(self) -> dict:
        """JSON data for the results cache (:meth:`from_data` reads it back)."""
        return {"headers": self.headers, "analyse": self.analyse, "lines": self.lines, "problem": self.problem,
                "digest": self.digest, "code": self.code, "facts": self.facts, "words": self.words,
                "parsed": self.parsed}

    @classmethod
    def from_data(cls, data) -> Survey:
        """The survey :meth:`to_data` gave, every value checked (the class facts and the other
        facts as :mod:`gdpr_lint.survey.classes` writes them).

        Raises:
            gdpr_lint.cache.BadEntry: data of any other shape (read from the cache: a miss).
        """
        need_keys(data, _SURVEY_KEYS)
        for header in need(data["headers"], list):
            check_class_facts(header)
        if data["code"] not in ("GDPR902", "GDPR905"):
            raise BadEntry("a survey's problem is GDPR902 or GDPR905")
        return cls(data["headers"], need(data["analyse"], bool), need(data["lines"], int),
                   need(data["problem"], str), need(data["digest"], str), data["code"],
                   check_file_facts(data["facts"]), need(data["words"], bool), need(data["parsed"], bool))


_SURVEY_KEYS = frozenset({"headers", "analyse", "lines", "problem", "digest", "code", "facts", "words", "parsed"})




def survey_source(text: str, modname: str, is_package: bool, prefilter, policy=None, classify=None) -> Survey:
    """Parse ``text`` once with ``ast`` for the file's facts (its classes, the carriers it
    persists), the syntax check and the pre-filter.  Without ``policy`` no facts are read.

    The analysis budget (:mod:`gdpr_lint.engine.budget`) is not measured here: Python's own parser
    survives any input (it raises, never crashes), and only a file that goes on to libcst's parser
    needs it; :func:`~gdpr_lint.engine.analyzer.analyze_source` measures it first.
    """
    with paused():  # (an ast holds no cycles: it dies by reference counting when the file is done)
        return _survey(text, modname, is_package, prefilter, policy, classify)


def _survey(text: str, modname: str, is_package: bool, prefilter, policy, classify) -> Survey:
    lines = line_count(text)
    if line_breaks(text) > _parts.SPLIT_LINES and policy is not None:
        parts = _parts.split_module(text)
        if parts:  # too big to parse at once (files.parts): analysed in parts, whatever its words
            return _survey_parts(text, parts, modname, is_package, policy, classify, lines,
                                 getattr(getattr(prefilter, "classifier", None), "may_name", None))
    try:
        tree = ast.parse(text)  # (brackets nested deeper than Python allows: a SyntaxError, at once)
    except (SyntaxError, ValueError, MemoryError, OverflowError, RecursionError):
        # libcst decides (it reads syntax newer than this Python, and reports syntax errors); what
        # is too deep for this Python's parser but within the budget is safe for libcst, and
        # whether a Python version's parser gives up must not decide the result
        return Survey([], True, lines)
    try:
        classify = classify or getattr(getattr(prefilter, "classifier", None), "classify", None)
        why = "always" if prefilter is None else (prefilter.why(text, tree)[0] if hasattr(prefilter, "why") else
                                                  "always" if prefilter.decide(text, tree)[0] else "")
        may_name = getattr(getattr(prefilter, "classifier", None), "may_name", None)
        calls = CallText(text)  # read once, for the facts and the sink shapes
        # personal data by its words: a finding needs a sink here, or a record (a class the project
        # facts judge, or one declared by a call), or a call of a function that writes to a sink
        words = why == "words" and not any(r in text for r in RECORD_CALL_MARKERS) and not prefilter.inner_record(
            text, tree) and not prefilter.sink_shaped(text, file_identifiers(text), calls.called(), tree)
        analyse = why == "always" or (why == "words" and not words)
        # (where the facts still decide it: the method names whose calls can be a sink here, by
        # the objects the file names, for the mentions)
        sinks = (prefilter.sink_receivers, prefilter.sink_functions, prefilter.possible_sinks(
            file_identifiers(text))[0]) if not analyse and hasattr(prefilter, "sink_receivers") else None
        # (a file analysed whatever the project facts say needs none of the facts that decide that)
        headers, facts = file_facts(tree, modname, is_package, policy, text, sinks, classify, bool(why), may_name,
                                    calls, deciding=not analyse) if policy is not None else ([], {})
        return Survey(headers, analyse, lines, facts=facts, words=words, parsed=True)
    except RecursionError:  # a tree within the budget but deeper than a recursive helper goes: analyse it
        return Survey([], True, lines)


def _survey_parts(text: str, parts: list, modname: str, is_package: bool, policy, classify, lines: int,
                  may_name=None) -> Survey:
    """The survey of a module read in parts: each part parsed at its own lines (the rest blank, so
    line numbers hold), the facts of all parts together, those of the statements every part
    repeats once.  Such a file is always analysed.  ``may_name``: as for a whole file, the
    functions with no word that can be personal data pass nothing and are not walked."""
    headers: dict[str, dict] = {}
    facts: dict[str, list] = {}
    known: dict[str, set[str]] = {}  # the facts of each key so far, as text
    total = line_breaks(text) + 1
    for part in parts:
        padded = part.padded(total)
        try:
            tree = ast.parse(padded)
        except (SyntaxError, ValueError, MemoryError, OverflowError, RecursionError):
            return Survey([], True, lines)  # libcst reports it, part by part
        try:
            found, more = file_facts(tree, modname, is_package, policy, padded, None, classify, True, may_name,
                                     deciding=False)  # (always analysed: see above)
        except RecursionError:
            return Survey([], True, lines)
        for header in found:
            headers.setdefault(header["q"], header)
        for key, values in more.items():
            merged, seen = facts.setdefault(key, []), known.setdefault(key, set())
            for v in values.split() if key == "fields" else values:  # (fields: one string of names)
                spelled = repr(v)
                if spelled not in seen:
                    seen.add(spelled)
                    merged.append(v)
    for key in ("calls", "imports", "chains", "dotted", "attrs", "owners", "mentions", "handed"):
        if key in facts:
            facts[key] = sorted(set(facts[key]))
    if "fields" in facts:
        facts["fields"] = " ".join(sorted(set(facts["fields"])))
    return Survey(list(headers.values()), True, lines, facts=facts, parsed=True)


class _NoFinding:
    """A pre-filter that rules out every file (code the data rules skip)."""

    @staticmethod
    def decide(text, tree=None) -> tuple[bool, bool]:
        return False, True


NOTHING = _NoFinding()  #: the pre-filter for code the data rules skip (tests): Python's syntax check only
