"""Decide cheaply, from the policy's own vocabulary, whether a file can yield any finding at all.

A file whose words (identifiers and strings split like identifiers) contain no personal-data
word, no processor SDK root and no ``gdpr`` comment cannot produce a finding: every check needs
one of those.  Such files are parsed (a syntax error is still reported) but skip name
resolution and analysis, which is where the time goes.
"""

from __future__ import annotations

import re

from gdpr_lint.policy import Policy, split_words

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


class Prefilter:
    """Built once per policy; :meth:`may_yield` is a set intersection over the file's words."""

    def __init__(self, policy: Policy) -> None:
        strong: set[str] = {"gdpr"}
        weak: set[str] = set()
        for cat in policy.categories.values():
            for phrase in cat.words:
                strong.add(phrase[0])
            for phrase in cat.weak_words:
                weak.add(phrase[0])
        self.type_names = tuple(sorted({t.rpartition(".")[2] for c in policy.categories.values() for t in c.types}))
        for proc in policy.processors.values():
            for root in proc.sdk:
                strong.update(split_words(root.split(".")[0])[:1])
        for setting in policy.sinks["logging"].get("settings", []):
            strong.update(split_words(setting["keyword"])[-1:])
        self.strong = frozenset(strong | {w + "s" for w in strong})
        self.weak = frozenset(weak | {w + "s" for w in weak})
        self.subjects = frozenset(w for phrases in policy.subjects.values() for p in phrases for w in p)

    def may_yield(self, source: str) -> bool:
        """Whether the file's words could lead to any finding (never false for a file with one)."""
        words = {w.lower() for w in _WORDS.findall(source)}
        if words & self.strong or any(t in source for t in self.type_names):
            return True
        return bool(words & self.weak) and bool(words & self.subjects)
