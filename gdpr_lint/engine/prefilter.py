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
_IDENTS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Prefilter:
    """Built once per policy; :meth:`may_yield` is a set intersection over the file's words."""

    def __init__(self, policy: Policy, classifier=None) -> None:
        from gdpr_lint.classify import Classifier

        self.classifier = classifier or Classifier(policy)
        markers: set[str] = {"gdpr"}
        strong: set[str] = set()
        weak: set[str] = set()
        for cat in policy.categories.values():
            for phrase in cat.words:
                strong.add(phrase[0])
            for phrase in cat.weak_words:
                weak.add(phrase[0])
        self.type_names = tuple(sorted({t.rpartition(".")[2] for c in policy.categories.values() for t in c.types}))
        for proc in policy.processors.values():
            for root in proc.sdk:
                markers.update(split_words(root.split(".")[0])[:1])
        for setting in policy.sinks["logging"].get("settings", []):
            markers.update(split_words(setting["keyword"])[-1:])
        self.markers = frozenset(markers)
        self.strong = frozenset(strong | {w + "s" for w in strong})
        self.weak = frozenset(weak | {w + "s" for w in weak})
        self.subjects = frozenset(w for phrases in policy.subjects.values() for p in phrases for w in p)

    def may_yield(self, source: str) -> bool:
        """Whether the file's words could lead to any finding (never false for a file with one).

        Strong personal-data words count only when an identifier (or string) containing them is
        classified as personal data: ``email_backend`` or ``ip_version`` alone do not open a file.
        """
        words = {w.lower() for w in _WORDS.findall(source)}
        if words & self.markers or any(t in source for t in self.type_names):
            return True
        if not (words & self.strong or words & self.weak):
            return False
        idents = set(_IDENTS.findall(source))
        classify = self.classifier.classify
        if words & self.strong and any(classify(tok) for tok in idents):
            return True
        # a weak word ("name", "address") is personal data only with a data subject in sight
        return bool(words & self.weak) and bool(words & self.subjects)
