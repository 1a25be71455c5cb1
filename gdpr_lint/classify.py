"""Classify identifiers and types into personal-data categories (Fides keys), with a reason.

All the words come from the policy (``rules/categories.yaml`` and ``rules/vocabulary.yaml``);
this module only knows how to split identifiers and apply them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from gdpr_lint.policy import Policy, name_words, split_words


@dataclass(frozen=True, order=True)
class Match:
    """One category found in an identifier or type, and why.

    ``reason`` is a short human sentence such as ``"'email' in requester_email"``.
    """

    category: str
    reason: str


def _match_at(words: tuple[str, ...], i: int, phrase: tuple[str, ...]) -> bool:
    m = len(phrase)
    if i + m > len(words):
        return False
    for j in range(m):
        w, p = words[i + j], phrase[j]
        if w != p and not (j == m - 1 and (w == p + "s" or w == p + "es")):
            return False
    return True


def spelled_as_class(name: str) -> bool:
    """Whether a name is spelled as a class's (``Child``, ``ChildProfile``), not as a variable's
    (``child``) or a constant's (``CHILD``)."""
    return name[:1].isupper() and not name.isupper()


class PhraseSet:
    """Phrases (tuples of words) indexed by their first word, found in an identifier's words.

    Finds what a scan of every phrase at every position would find (a trailing plural "s"/"es" allowed
    on a phrase's last word) while looking only at the phrases that can start at each word.
    """

    def __init__(self, phrases) -> None:
        self.phrases = tuple(phrases)
        self._by_first: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for order, phrase in enumerate(self.phrases):
            if not phrase:
                continue
            keys = {phrase[0]} | ({phrase[0] + "s", phrase[0] + "es"} if len(phrase) == 1 else set())
            for key in keys:
                self._by_first.setdefault(key, []).append((order, phrase))

    def occurrences(self, words: tuple[str, ...]) -> list[tuple[int, int]]:
        """``(phrase index, start)`` of every occurrence, sorted."""
        out = []
        by_first = self._by_first
        for i, w in enumerate(words):
            for order, phrase in by_first.get(w, ()):
                if _match_at(words, i, phrase):
                    out.append((order, i))
        out.sort()
        return out

    def contains(self, words: tuple[str, ...]) -> bool:
        """Whether any phrase occurs in ``words``."""
        by_first = self._by_first
        for i, w in enumerate(words):
            for _, phrase in by_first.get(w, ()):
                if _match_at(words, i, phrase):
                    return True
        return False


class Classifier:
    """Turns identifiers, string keys and type names into :class:`Match` tuples.

    Args:
        policy: the effective policy whose categories and vocabulary are used.
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._phrases: list[tuple[tuple[str, ...], str, bool]] = []  # (phrase, category, weak)
        for cat in policy.categories.values():
            self._phrases += [(p, cat.key, False) for p in cat.words]
            self._phrases += [(p, cat.key, True) for p in cat.weak_words]
        self._phrases.sort(key=lambda t: -len(t[0]))
        self._phrase_set = PhraseSet(p for p, _, _ in self._phrases)
        self._things = PhraseSet(policy.things)
        self._non_personal_owners = PhraseSet(policy.non_personal_owners)
        self._excludes = {cat.key: PhraseSet(cat.exclude) for cat in policy.categories.values()}
        self._stems = [(stem, cat.key) for cat in policy.categories.values() for stem in cat.stems]
        first_words = {p[0] for p, _, _ in self._phrases}
        self._first_words = first_words | {w + "s" for w in first_words}
        self._stem_prefixes = tuple(stem for stem, _ in self._stems) or ("\x00",)
        self._subject_words = {p: s for s, phrases in policy.subjects.items() for p in phrases}
        self._subject_set = PhraseSet(self._subject_words)
        self._subject_of_phrase = list(self._subject_words.values())
        # a class's name may name a subject by a word that, spelled in lower case, names a tree's
        # node or a key's id (`Child`, `Parent`: vocabulary.yaml `class_subjects`)
        self._class_subject_words = {**{p: s for s, phrases in getattr(policy, "class_subjects", {}).items()
                                        for p in phrases}, **self._subject_words}
        self._class_subject_set = PhraseSet(self._class_subject_words)
        self._class_subject_of_phrase = list(self._class_subject_words.values())
        self._types: dict[str, list[str]] = {}
        for cat in policy.categories.values():
            for t in cat.types:
                self._types.setdefault(t, []).append(cat.key)
                self._types.setdefault(t.rpartition(".")[2], []).append(cat.key)
        self._measure_words = frozenset(w for cat in policy.categories.values() for w in cat.measure_words)
        self.classify = lru_cache(maxsize=65536)(self._classify)  # type: ignore[method-assign]
        self.context_of = lru_cache(maxsize=16384)(self._context_of)  # type: ignore[method-assign]
        self.about_data = lru_cache(maxsize=16384)(self._about_data)  # type: ignore[method-assign]

    # ---- context ---------------------------------------------------------------------------------
    def subject_of(self, words: tuple[str, ...], of_class: bool = False) -> str | None:
        """The Fides data-subject key whose words occur in ``words``, preferring the last one;
        ``of_class``: the words of a class's name, where ``class_subjects`` count too."""
        found = (self._class_subject_set if of_class else self._subject_set).occurrences(words)
        if not found:
            return None
        _, order = max((i, order) for order, i in found)  # the last occurrence; on a tie, the later phrase
        return (self._class_subject_of_phrase if of_class else self._subject_of_phrase)[order]

    def _context_of(self, owner: str | None) -> str | None:
        """``"person"``, ``"thing"`` or ``None`` for an owner such as a class or variable name.

        The head noun decides first (``CustomerSegment`` is a thing, ``ShippingAddress`` is not),
        then any subject word; an owner spelled as a class may name its subject by a word of
        ``class_subjects`` that is its whole name (a ``Child``, not a ``child``, a ``ChildTask`` nor a
        ``MenuParent``).
        """
        if not owner:
            return None
        words = name_words(owner)  # ContactGroup2 is a group
        while len(words) > 1 and words[-1] in self.policy.owner_suffixes:
            words = words[:-1]
        if not words:
            return None
        head = words[-1:]
        if self.subject_of(head, len(words) == 1 and spelled_as_class(owner)):
            return "person"
        if self._things.contains(head):
            return "thing"
        if len(words) > 1 and self._ends_with(self._things, words) and not self.subject_of(words[-2:]):
            return "thing"
        if self.subject_of(words):  # CustomerAddress: a customer's address
            return "person"
        return None  # a thing word in the modifier decides nothing (ProductReview, TeamInvite)

    def owner_context(self, owner: str | None, evidence=None) -> str | None:
        """What an owner is: the project facts' kind of its class when known (``person``, ``linked``,
        ``thing``, ``org``), else what its name says; ``named`` for a class whose name has a subject
        word only in its modifier and of which the project says nothing else (SpeakerInformation)."""
        if evidence is not None and evidence.kind:
            return evidence.kind
        ctx = self.context_of(owner) if owner else None
        if evidence is not None and ctx == "person" and not self.head_is_subject(owner):
            return "named"
        return ctx

    def mentions_thing(self, name: str, besides: frozenset[str] = frozenset()) -> bool:
        """Whether a class name has a thing word anywhere (``SensorMeasurement``), other than
        ``besides``."""
        words = tuple(w for w in split_words(name) if w not in besides)
        return bool(self._things.occurrences(words))

    def head_is_subject(self, owner: str | None) -> bool:
        """Whether an owner's head noun (without suffixes such as Model) is a data subject."""
        words = name_words(owner or "")
        while len(words) > 1 and words[-1] in self.policy.owner_suffixes:
            words = words[:-1]
        return bool(words) and bool(self.subject_of(words[-1:], len(words) == 1 and spelled_as_class(owner or "")))

    @staticmethod
    def _ends_with(phrases: PhraseSet, words: tuple[str, ...]) -> bool:
        """Whether one of ``phrases`` ends at the last word (``mailing list`` in ``ClubMailingList``)."""
        return any(start + len(phrases.phrases[order]) == len(words) for order, start in phrases.occurrences(words))

    # ---- identifiers -----------------------------------------------------------------------------
    def _classify(self, identifier: str, owner: str | None = None, constant_ok: bool = False,
                  evidence=None) -> tuple[Match, ...]:
        """Categories an identifier (or string key) names, given its owner's name for context.

        Args:
            identifier: ``requester_email``, ``firstName``, ``"date_of_birth"``...
            owner: the class, variable or receiver it belongs to (``Customer``, ``customer``), or None.
            constant_ok: accept ALL_CAPS names (off for code identifiers: constants are settings).
            evidence: what the project facts say about the owner class
                (:class:`~gdpr_lint.facts.project.Evidence`): its kind decides over the owner's
                words, and a field named after one of its person references (``poster_name``
                beside ``poster``) is that person's.

        Returns:
            Matches, most specific phrase first; empty when it is not personal data.
        """
        if not identifier or identifier in self.policy.non_personal_names:
            return ()
        stripped = identifier.strip("_")
        if not constant_ok and stripped.isupper() and any(c.isalpha() for c in stripped) and len(stripped) > 1:
            return ()
        words = split_words(identifier)
        measures = evidence.measures if evidence is not None else ()
        if not words or not self.may_name(words) and not (measures and words[-1] in self._measure_words):
            return ()
        if len(words) > 1 and words[0] in self.policy.flag_prefixes:
            return ()
        taken = [False] * len(words)
        found: list[Match] = []
        owner_ctx = self.owner_context(owner, evidence)
        refs = evidence.person_refs if evidence is not None else ()
        for order, start in self._phrase_set.occurrences(words):
            phrase, key, weak = self._phrases[order]
            end = start + len(phrase)
            if any(taken[start:end]):
                continue
            ref = next((r for r in refs if words[:start] == r), None) if start else None
            if self._accept(words, start, end, key, weak, owner_ctx, owner, ref is not None):
                why = f"the name of `{'_'.join(ref)}`, a person" if ref else (
                    owner if weak or self.policy.categories[key].context == "person_linked" else None)
                found.append(Match(key, self._reason(identifier, phrase, why)))
            for i in range(start, end):
                taken[i] = True
        if not found:
            found += self._stem_matches(identifier, words, taken, owner_ctx, owner)
        for key, why in measures if not found else ():
            if words[-1] in self.policy.categories[key].measure_words:  # Measurement.value, LogItem.amount
                found.append(Match(key, f"'{words[-1]}' in {identifier}: {why}"))
        return tuple(dict.fromkeys(found))

    def may_name(self, words: tuple[str, ...]) -> bool:
        """The first, cheap test of :meth:`classify`: whether one of the words begins a phrase or
        a stem of a category (without it, no owner or evidence other than a measure makes the
        identifier personal data)."""
        return any(w in self._first_words or w.startswith(self._stem_prefixes) for w in words)

    def _about_data(self, identifier: str) -> bool:
        """Whether an identifier names something *about* personal data rather than the data: a
        personal-data phrase followed by a metadata word (``email_template_id``, ``username_validator``,
        ``phone_count``).  Such a name wins over a type that signals personal data
        (``username_validator = UnicodeUsernameValidator()`` is a validator, not a user name)."""
        words = split_words(identifier)
        metadata = self.policy.metadata_words
        return any(any(w in metadata for w in words[start + len(self._phrases[order][0]):])
                   for order, start in self._phrase_set.occurrences(words))

    def _stem_matches(self, identifier, words, taken, owner_ctx, owner) -> list[Match]:
        """Categories whose word stems begin a word not already matched (``diagnosed_condition``)."""
        out: list[Match] = []
        for i, word in enumerate(words):
            if taken[i]:
                continue
            for stem, key in self._stems:
                if word.startswith(stem) and self._accept(words, i, i + 1, key, False, owner_ctx, owner):
                    out.append(Match(key, f"'{stem}...' in {identifier}"))
                    break
        return out

    def nonpersonal_owner(self, owner: str | None) -> bool:
        """Whether an owner's head noun is one whose attributes are never about a person (the head
        noun decides: a PersonGroup is a group, a CustomerSite a site)."""
        words = split_words(owner or "")
        while len(words) > 1 and words[-1] in self.policy.owner_suffixes:
            words = words[:-1]
        if not words or self.subject_of(words[-1:]):
            return False
        return self._ends_with(self._non_personal_owners, words)

    def _accept(self, words, start, end, key, weak, owner_ctx, owner=None, person_ref=False) -> bool:
        cat = self.policy.categories[key]
        if self._excludes[key].contains(words):
            return False
        tail, lead = words[end:], words[:start]
        if any(w in self.policy.metadata_words for w in tail):
            return False
        if tail and (self._things.contains(tail[-1:]) or tail[-1].isdigit() is False and len(tail) > 1):
            return False
        lead_subject = person_ref or (self.subject_of(lead) if lead else None)
        # a thing word before the data word makes it the thing's (server_ip, company_email), except
        # on a record about a person, whose work details are still theirs (Person.business_phone)
        if lead and not lead_subject and (weak or owner_ctx != "person") and self._things.contains(lead):
            return False
        if cat.context == "person_linked":  # free text, files: personal on a person's records only
            return bool(lead_subject) or owner_ctx in ("person", "linked")
        if weak:
            return bool(lead_subject) or owner_ctx in ("person", "named") or (
                cat.weak_on_linked and owner_ctx == "linked" and self._names_the_record(words[start:end], owner))
        if not lead_subject and (owner_ctx == "org" or owner_ctx == "thing" and self.nonpersonal_owner(owner)):
            return False  # Site.email, Server.ip_address, an event's mailbox: a thing's, not a person's
        if cat.context == "not_thing":
            return bool(lead_subject) or owner_ctx not in ("thing", "org")
        return True

    @staticmethod
    def _names_the_record(phrase: tuple[str, ...], owner: str | None) -> bool:
        """Whether a record is named after the datum (``WeightEntry.weight``, ``SleepLog.sleep``): a
        person's series of that measure, not a thing's dimension (``Image.height``) or a load
        (``WorkoutLog.weight``)."""
        return bool(owner) and set(phrase) <= set(split_words(owner))

    @staticmethod
    def _reason(identifier: str, phrase: tuple[str, ...], owner: str | None) -> str:
        text = f"'{' '.join(phrase)}' in {identifier}"
        return f"{text} (on {owner})" if owner else text

    # ---- types -----------------------------------------------------------------------------------
    def classify_type(self, names: list[str] | tuple[str, ...]) -> tuple[Match, ...]:
        """Categories signalled by a field or annotation type, given its qualified names: a type
        the policy lists (``EmailField``), or else one named after what it holds, a field or column
        type whose words before the last name a category that says a record is about a person
        (``CommaSeparatedEmailField``, ``PhoneField``; not ``EmailTemplateField``, ``HashedEmailField``
        or ``IPField``, which say no such thing)."""
        out: list[Match] = []
        for name in names:
            last = name.rpartition(".")[2]
            listed = self._types.get(name, ()) or self._types.get(last, ())
            out += [Match(key, f"type {last}") for key in listed] if listed else self.named_type(last)
        return tuple(dict.fromkeys(out))

    def named_type(self, name: str) -> list[Match]:
        """The categories a type not listed in the policy is named after: a field or column type
        (``frameworks.yaml`` ``declaration_words``) whose words before the last name a category
        that says a record is about a person (``CommaSeparatedEmailField``; ``EmailListField``, several
        of them: ``collection_words``)."""
        words = split_words(name)
        frameworks = self.policy.frameworks
        if len(words) < 2 or words[-1] not in frameworks.declaration_words:
            return []
        held = words[:-1]
        while len(held) > 1 and held[-1] in frameworks.collection_words:
            held = held[:-1]
        categories = self.policy.categories
        return [Match(m.category, f"type {name}") for m in self.classify("_".join(held))
                if m.category in categories and categories[m.category].identifying]
