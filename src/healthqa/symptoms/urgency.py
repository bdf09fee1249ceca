"""Urgency: what the trusted sources say about urgent care for a disorder, in the sources' own sentences.

When one of the top results of a symptom search is such a condition (botulism: "All forms of botulism can be
fatal and are considered medical emergencies", CDC), the results show that first. healthqa does not decide this
itself: the mark is a sentence of a trusted passage, quoted with its source, link and date, introduced by whose
it is ("About Botulism, CDC says:") under a heading of ours that attributes (:data:`URGENT_HEADING`), with the
emergency number under our label :data:`NOW_LABEL`. What finds the sentence is the list :data:`PATTERNS` below
(our detector, fitted on nothing: read against MedQuAD and Orphanet); what the person reads is the source's.

Where the sentences come from (at index time, once per knowledge base):

- the passages of tier ``government_reviewed`` (Orphanet's definitions, GARD, Genetics Home Reference,
  MedlinePlus, NIH institutes, CDC) of every document that :mod:`healthqa.conditions` links to an Orphanet
  disorder (the documents of one condition record: shared ORPHA/OMIM code or the same name);
- a sentence counts when its subject is the condition: it opens with one of the record's names ("A"/"An"/"The"
  or "All forms of" before it at most; all-caps names only in capitals), then its verb, or with "It"/"The
  condition" right after a sentence that opens so (or after the unnamed opening of an Orphanet definition);
  and one pattern matches its predicate with no negation or hedge before it ("not", "neither ... nor",
  "unlikely", "used to", "if", "when"), no clause of its own between ("... a crisis which can be fatal"),
  nothing conditional after it ("an emergency if ..."), and "emergency" closing its clause or naming a
  condition, situation or treatment. Not counted: "In these cases, the disorder is ..." (a back-reference),
  "Complete mitral valve agenesis is ..." or "Third-degree heart block ..." (a form of the condition), "Fever
  is a medical emergency in SCD" (about fever), a heading or list opening ending with ":";
- a subtype whose own sources say nothing takes the statement of a group above it (Orphanet's subtypes, at
  any depth) only when the statement is about all forms of the group ("All forms of botulism ...") and the
  group's name is part of the subtype's (the rule of :mod:`healthqa.symptoms.groups`); the notice then says
  which condition the sentence is about. A statement about the group alone is shown when the group is ranked.

Left out on purpose: "life-threatening" alone. 619 sentences of 526 documents of MedQuAD and Orphanet hold it,
mostly about chronic genetic disorders with a life-threatening complication ("Life-threatening heart problems
... are common"), which says nothing of urgent care; "is a life-threatening medical emergency" is still found
by the emergency pattern. So is "rapidly fatal" alone ("a fulminant and rapidly fatal disease course").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from healthqa.answer.wording import CALL_EMERGENCY, EmergencyAction
from healthqa.records import announces_list
from healthqa.store.base import DocumentHead, PassageRecord, Store
from healthqa.symptoms.names import names_part

URGENT_HEADING = "What the sources say about urgent care"
NOW_LABEL = "If someone is seriously ill now:"  # over the emergency number: ours, not the sources'
URGENT_TOP = 5  # a mark on one of this many best results is shown
TRUSTED_TIER = "government_reviewed"
ORPHANET_SOURCE = "Orphanet"
PER_DISORDER = 1  # statements kept per disorder: the first by source (Orphanet's own, then the others)

# Our detector: (name, pattern). Each matches a phrase by which a source says that the condition needs
# urgent care; matched case-insensitively within one sentence.
_QUALIFIER = (r"(?:(?:true|real|acute|(?:potentially\s+)?life[- ]threatening)\s+)?"
              r"(?:(?:medical|surgical|neurosurgical|obstetric(?:al)?|neurological|ophthalmologic(?:al)?|cardiac|"
              r"metabolic|hypertensive|pediatric|paediatric|endocrine)\s+)?")
PATTERNS: tuple[tuple[str, str], ...] = (
    # "Tetanus is a medical emergency", "It represents an emergency", "are considered medical emergencies".
    ("is an emergency",
     r"\b(?:is|are|be|represents?|constitutes?|remains?|becomes?)\s+(?:(?:considered|always|often|usually)\s+)?"
     r"(?:an?\s+)?" + _QUALIFIER + r"emergenc(?:y|ies)\b"),
    # "needs immediate emergency treatment", "requires urgent surgery".
    ("needs urgent care",
     r"\b(?:requires?|required|requiring|needs?|needing|demands?)\s+(?:an?\s+)?(?:immediate|urgent|emergency|prompt)\s+"
     r"(?:(?:medical|surgical|emergency|hospital)\s+)?"
     r"(?:treatment|intervention|care|surgery|attention|management|help|evaluation|hospitali[sz]ation)\b"),
    # "can be fatal in the absence of emergency medical intervention", "fatal if not treated right away".
    ("fatal without urgent care",
     r"\bfatal\b[^.;]{0,60}?\b(?:in the absence of|without|unless|if not|if un)[^.;]{0,40}?"
     r"\b(?:emergency|urgent|urgently|immediate|immediately|prompt|promptly|right away|quickly|rapid)\b"),
    # "is rapidly fatal unless surgically treated" ("a rapidly fatal disease course" alone says nothing of care).
    ("rapidly fatal untreated", r"\b(?:rapidly|quickly)\s+fatal\b[^.;]{0,20}?\b(?:unless|without|if not|if un)"),
    # NIH pages: "If you think you or someone else is having a stroke, call 911 right away."
    ("call 911", r"\b(?:call|dial)\s+911\b"),
)
_COMPILED = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in PATTERNS)
# A word every pattern holds: a passage without one is not split into sentences (a substring test: five
# times faster over MedQuAD than a case-insensitive regular expression).
_CUES = ("emergenc", "urgent", "immediate", "prompt", "fatal", "911")

# Denied or hedged before the match ("is not an emergency", "Neither ... nor", "used to be fatal unless",
# "If the airway closes, X is an emergency").
_HEDGE = re.compile(
    r"\b(?:not|never|neither|nor|rarely|seldom|unlikely|used\s+to|no\s+longer|isn't|aren't|doesn't|don't|"
    r"cannot|can't|if|when|whenever|unless)\b", re.IGNORECASE)
# "emergency" must close its clause or name what is urgent: "is an emergency medical condition" and "is a
# medical emergency and is fatal" count, "is an emergency department visit" does not.
_EMERGENCY_END = re.compile(
    r"\s*(?:$|[.,;:!?)]|(?:and|thus|so|as|because|requiring|which|that)\b|"
    r"(?:medical\s+)?(?:condition|situation|treatment)s?\b)", re.IGNORECASE)
# A condition right after the match makes it conditional: "is a medical emergency, if ...".
_CONDITION_AFTER = re.compile(r"[\s,]*(?:if|when|whenever|unless|only|in\s+(?:some|rare|severe|these|such)\b)",
                              re.IGNORECASE)
# Between the subject and the match: a verb first (or an appositive, then a verb), and no clause of its own
# ("X is a disorder characterized by a crisis which can be fatal ..." is about the crisis).
_PREDICATE = re.compile(
    r"\s*(?:,[^,]{1,80},\s*)?(?:$|(?:is|are|was|were|can|may|might|could|will|would|should|must|represents?|"
    r"constitutes?|remains?|becomes?|requires?|needs?|demands?|often|usually|always|typically|generally|"
    r"almost|has|have|happens|occurs|develops|progresses|starts|begins|strikes)\b)", re.IGNORECASE)
# "that" after the noun that the subject is said to be ("is a serious condition that requires ...") stays.
_OWN_CLAUSE = re.compile(
    r"\b(?:which|who|whose|where|(?<!condition )(?<!disease )(?<!disorder )(?<!illness )that|because|although|"
    r"though|while|characteri[sz]ed)\b", re.IGNORECASE)
# Words standing for the condition at the start of a sentence, counted only right after a sentence whose
# subject is the condition's name ("Cardiogenic shock is ... . The condition is a medical emergency").
_PRONOUN = re.compile(
    r"(?:it|(?:the|this)\s+(?:condition|disease|disorder|illness|infection|syndrome|poisoning|deficiency)|"
    r"all\s+(?:forms|types|kinds))\b", re.IGNORECASE)
_ALL_FORMS = r"all\s+(?:forms|types|kinds|subtypes)\s+of\s+(?:the\s+)?"
_BRACKETED = re.compile(r"\s*\([^()]*\)")
# Where a sentence ends: . ! ? (and a closing quote or bracket) before a capital or digit; a line break; a run
# of spaces, which is how MedQuAD's flattened text separates a heading or a list item from what follows.
_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])[\"'\u201d)\]]*\s+(?=[\"'\u201c(\[]?[A-Z0-9])|\s*\n\s*|\s{2,}(?:[-\u2022*]\s+)?"
)
_CLOSING = {"(": ")", "[": "]"}
# Orphanet's definitions open with the definition, the disorder's name left out ("A primary adrenal ...").
_DEFINITION_OPENING = re.compile(r"\s*an?\s", re.IGNORECASE)


def _has_cue(text: str) -> bool:
    lowered = text.lower()
    return any(cue in lowered for cue in _CUES)


@dataclass(frozen=True)
class UrgencyStatement:
    """A source's sentence saying that a condition needs urgent care, with its provenance. ``about``: the
    Orphanet label of the condition whose record the passage belongs to; ``pattern``: which of our patterns
    found it (never shown as the source's words)."""

    quote: str
    passage_id: str
    source: str
    title: str
    url: str
    date: str | None
    about: str
    about_orpha: str
    pattern: str

    def to_json(self) -> dict[str, Any]:
        return {"intro": self.intro, "quote": self.quote, "source": self.source, "title": self.title,
                "url": self.url, "date": self.date, "passage_id": self.passage_id,
                "about": {"name": self.about, "orpha": self.about_orpha}}

    @property
    def intro(self) -> str:
        """Our words before the quote, saying whose sentence it is and about what."""
        return f"About {self.about}, {self.source} says:"


class _Names:
    """The condition's names as a sentence's subject: at its start, after "A"/"An"/"The" or "All forms of" at
    most (so "Complete mitral valve agenesis", "Severe X", "In these cases, X" are not about X). All-caps names
    (abbreviations: HAS, MEN, ALL) match only in capitals, as whole words."""

    def __init__(self, names: Iterable[str]) -> None:
        alternatives = sorted({n.strip() for n in names if len(n.strip()) >= 3}, key=len, reverse=True)
        spelled = [re.escape(n) if n.upper() == n else f"(?i:{re.escape(n)})" for n in alternatives]
        body = "|".join(spelled) or r"(?!)"
        self._opening = re.compile(rf"(?i:(?P<all>{_ALL_FORMS})?(?:(?:a|an|the)\s+)?)(?:{body})(?!\w)")

    def subject_end(self, sentence: str) -> int | None:
        """Where the name ends when ``sentence`` (brackets removed) opens with it followed by its verb."""
        match = self._opening.match(sentence)
        if match is None or not _PREDICATE.match(sentence, match.end()):
            return None
        return match.end()

    def covers_all_forms(self, sentence: str) -> bool:
        """Whether the sentence is about every form of the condition ("All forms of botulism can be ...")."""
        match = self._opening.match(_BRACKETED.sub("", sentence))
        return match is not None and match.group("all") is not None


def urgent_sentences(text: str, names: Iterable[str], untitled_opening: bool = False) -> list[tuple[str, str]]:
    """(sentence, pattern name) of each sentence of ``text`` that states urgency about the condition called
    ``names`` (see the module docstring); the sentence is the text's own, unchanged. ``untitled_opening``:
    the text's first sentence defines the condition without naming it (Orphanet's definitions: "A primary
    adrenal insufficiency caused by ..."), so "It ..." right after it is about the condition."""
    if not _has_cue(text):
        return []
    subject = _Names(names)
    found: list[tuple[str, str]] = []
    previous_names_it = False
    for number, sentence in enumerate(sentences(text)):
        plain = _BRACKETED.sub("", sentence)
        start = subject.subject_end(plain)
        names_it = start is not None or (number == 0 and untitled_opening)
        if start is None and previous_names_it:
            pronoun = _PRONOUN.match(plain)
            if pronoun is not None and _PREDICATE.match(plain, pronoun.end()):
                start = pronoun.end()
        previous_names_it = names_it
        if start is None or announces_list(sentence):
            continue
        pattern_name = _states_urgency(plain, start)
        if pattern_name is not None:
            found.append((sentence, pattern_name))
    return found


def _states_urgency(sentence: str, subject_end: int) -> str | None:
    """The first pattern that the sentence's predicate (from ``subject_end``) matches, unhedged."""
    for pattern_name, pattern in _COMPILED:
        match = pattern.search(sentence, subject_end)
        if match is None:
            continue
        between = sentence[subject_end: match.start()]
        if _HEDGE.search(sentence[: match.start()]) or _OWN_CLAUSE.search(between):
            continue
        if pattern_name == "is an emergency" and not _EMERGENCY_END.match(sentence, match.end()):
            continue
        if _CONDITION_AFTER.match(sentence, match.end()):
            continue
        return pattern_name
    return None


def sentences(text: str) -> list[str]:
    """The sentences (and headings, list items) of ``text``, each the text's own words, trimmed; a bracket
    opened before a sentence and closed after it is left out ("(It is rare.)" gives "It is rare.")."""
    out = []
    for part in _SENTENCE_BREAK.split(text):
        part = part.strip()
        if part[:1] in _CLOSING and part.count(part[0]) > part.count(_CLOSING[part[0]]):
            part = part[1:].lstrip()
        if part:
            out.append(part)
    return out


def _source_order(passage: PassageRecord) -> tuple[int, str, str]:
    """Orphanet's own words first, then the other sources by name (a fixed order)."""
    return (passage.source != ORPHANET_SOURCE, passage.source, passage.public_id)


class ConditionLinks(Protocol):
    """Which documents speak of one condition: :class:`healthqa.conditions.DiseaseIndex` (a later step of the
    pipeline, so its callers hand it in) or :class:`SingleDocuments`."""

    def record_of(self, doc_id: int) -> int: ...

    def members(self, record: int) -> list[int]: ...

    def head(self, doc_id: int) -> DocumentHead: ...

    def names_of(self, record: int) -> list[str]: ...


class SingleDocuments:
    """Every document a condition of its own: what a caller without a condition index gets (Orphanet's
    definitions then mark their own disorder; no other source's page reaches it)."""

    def __init__(self, store: Store) -> None:
        self._heads = {head.id: head for head in store.iter_document_heads()}
        self._names: dict[int, set[str]] = defaultdict(set)
        for document_id, name, _ in store.iter_names():
            self._names[document_id].add(name)

    def record_of(self, doc_id: int) -> int:
        """The document itself; KeyError for an unknown one, as the condition index raises."""
        return self._heads[doc_id].id

    def members(self, record: int) -> list[int]:
        return [record]

    def head(self, doc_id: int) -> DocumentHead:
        return self._heads[doc_id]

    def names_of(self, record: int) -> list[str]:
        return sorted(self._names[record])


def find_statements(store: Store, conditions: ConditionLinks | None = None) -> dict[str, tuple[UrgencyStatement, ...]]:
    """ORPHA code -> the urgency statements of the trusted passages linked to that Orphanet disorder, best
    source first. ``conditions``: the store's condition index; without it each document stands alone."""
    hits: list[PassageRecord] = [
        p for p in store.iter_passages() if p.tier == TRUSTED_TIER and _has_cue(p.text)
    ]
    if not hits:
        return {}
    conditions = conditions or SingleDocuments(store)
    orpha_of: dict[int, str] = {}
    for document_id, system, code in store.iter_codes():
        if system == "ORPHA":
            orpha_of.setdefault(document_id, code)
    by_record: dict[int, list[PassageRecord]] = defaultdict(list)
    for passage in hits:
        try:
            by_record[conditions.record_of(passage.document_id)].append(passage)
        except KeyError:  # a condition index of an earlier generation: the document came since, unlinked
            continue
    found: dict[str, list[UrgencyStatement]] = defaultdict(list)
    covering: set[tuple[str, str]] = set()  # (ORPHA code, quote) of statements about all forms of the disorder
    for record, passages in by_record.items():
        disorders = [(orpha_of[d], conditions.head(d).title) for d in conditions.members(record)
                     if d in orpha_of and conditions.head(d).source == ORPHANET_SOURCE]
        if not disorders:
            continue
        names = conditions.names_of(record)
        subject = _Names(names)
        seen: set[str] = set()
        for passage in sorted(passages, key=_source_order):
            untitled = passage.source == ORPHANET_SOURCE and _DEFINITION_OPENING.match(passage.text) is not None
            for quote, pattern in urgent_sentences(passage.text, names, untitled):
                if quote in seen:
                    continue
                seen.add(quote)
                for orpha, label in disorders:
                    found[orpha].append(UrgencyStatement(
                        quote, passage.public_id, passage.source, passage.title, passage.url,
                        passage.updated, label, orpha, pattern))
                if subject.covers_all_forms(quote):
                    for orpha, _ in disorders:
                        covering.add((orpha, quote))
    own = {orpha: tuple(statements) for orpha, statements in found.items()}
    for_all_forms = {orpha: covered for orpha, statements in own.items()
                     if (covered := tuple(s for s in statements if (orpha, s.quote) in covering))}
    return {**_inherited(store, for_all_forms, orpha_of), **own}


def _inherited(
    store: Store, own: Mapping[str, tuple[UrgencyStatement, ...]], orpha_of: Mapping[int, str]
) -> dict[str, tuple[UrgencyStatement, ...]]:
    """The statements about all forms of a group ("All forms of botulism ...", ``own``) for its subtypes, at
    any depth, that carry the group's name ("Botulism" > "Toxin-mediated infectious botulism" > "Intestinal
    botulism" > "Infant botulism"). A statement about the group alone ("Guillain-Barré syndrome is ...") says
    nothing of its variants: it is shown only when the group itself is ranked.
    Orphanet's packets list a subtype's parents, not always a group's subtypes: the tree is read upwards."""
    titles = {head.id: head.title for head in store.iter_document_heads()}
    subtypes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for document, orpha in orpha_of.items():
        for fact in store.facts(document):
            if fact.kind == "parent" and fact.detail.startswith("ORPHA:"):
                subtypes[fact.detail.removeprefix("ORPHA:")].append((orpha, titles.get(document, "")))
    found: dict[str, tuple[UrgencyStatement, ...]] = {}
    for orpha, statements in sorted(own.items()):
        group = statements[0].about
        pending, seen = [orpha], {orpha}
        while pending:
            for code, label in subtypes.get(pending.pop(), ()):
                if code not in seen and names_part(group, label):
                    seen.add(code)
                    pending.append(code)
                    found.setdefault(code, statements)
    return found


@dataclass(frozen=True)
class UrgentMark:
    """One quoted statement and the ranked disorders (ORPHA code, name) it concerns."""

    statement: UrgencyStatement
    disorders: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {**self.statement.to_json(),
                "disorders": [{"orpha": orpha, "name": name} for orpha, name in self.disorders]}


@dataclass(frozen=True)
class UrgencyNotice:
    """What the results show first: our heading, the sources' sentences, each introduced by whose it is, and,
    under our label (``actions_label``), whom to call if someone is seriously ill now. The heading and the
    labels attribute; they do not say that the person needs urgent care."""

    marks: tuple[UrgentMark, ...]
    heading: str = URGENT_HEADING
    actions: tuple[EmergencyAction, ...] = (CALL_EMERGENCY,)
    actions_label: str = NOW_LABEL

    def to_json(self) -> dict[str, Any]:
        return {"heading": self.heading, "statements": [m.to_json() for m in self.marks],
                "actions_label": self.actions_label,
                "actions": [{"label": a.label, "number": a.number, "tel": a.tel, "when": a.when}
                            for a in self.actions]}

    def lines(self) -> list[str]:
        out = [self.heading.upper() + ":"]
        for mark in self.marks:
            names = ", ".join(f"{name} (ORPHA:{orpha})" for orpha, name in mark.disorders)
            statement = mark.statement
            out.append(f"  Ranked: {names}")
            if statement.about_orpha not in {orpha for orpha, _ in mark.disorders}:
                out.append(f"    said of all forms of {statement.about} (ORPHA:{statement.about_orpha}), "
                           "the group it belongs to")
            out.append(f"    {statement.intro}")
            out.append(f'    "{statement.quote}"')
            date = statement.date or "date not given by the source"
            link = f"; {statement.url}" if statement.url else ""
            out.append(f"    - {statement.source}, {statement.title}, {date}{link}")
        out.append(f"  {self.actions_label}")
        for action in self.actions:
            out.append(f"    {action.label}: {action.number}. {action.when}")
        return out


def urgency_notice(
    diseases: Sequence[tuple[str, str]],
    statements: Mapping[str, Sequence[UrgencyStatement]],
    top: int = URGENT_TOP,
) -> UrgencyNotice | None:
    """The notice for ranked ``diseases`` ((ORPHA code, name), best first), or None when none of the first
    ``top`` has a statement (of its own, or of a group above it: :func:`find_statements`)."""
    marks: dict[tuple[str, str], list[tuple[str, str]]] = {}
    chosen: dict[tuple[str, str], UrgencyStatement] = {}
    for orpha, name in diseases[:top]:
        for statement in statements.get(orpha, ())[:PER_DISORDER]:
            key = (statement.passage_id, statement.quote)
            chosen.setdefault(key, statement)
            marks.setdefault(key, []).append((orpha, name))
    if not marks:
        return None
    return UrgencyNotice(tuple(UrgentMark(chosen[key], tuple(found)) for key, found in marks.items()))
