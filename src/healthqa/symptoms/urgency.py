"""Urgency: which disorders the trusted sources say need urgent care, in the sources' own sentences.

When one of the top results of a symptom search is such a condition (botulism: "All forms of botulism can be
fatal and are considered medical emergencies", CDC), the results say so first. healthqa does not decide this
itself: the mark is a sentence of a trusted passage, quoted with its source, link and date, under a heading of
ours (:data:`URGENT_HEADING`). What finds the sentence is the list :data:`PATTERNS` below (our detector); what
the person reads is the source's sentence.

Where the sentences come from (at index time, once per knowledge base):

- the passages of tier ``government_reviewed`` (Orphanet's definitions, GARD, Genetics Home Reference,
  MedlinePlus, NIH institutes, CDC) of every document that :mod:`healthqa.conditions` links to an Orphanet
  disorder (the documents of one condition record: shared ORPHA/OMIM code or the same name);
- a sentence counts when one pattern matches it, no negation stands just before the match ("is not an
  emergency"), and it is about the condition: one of the record's names starts within its first five words,
  before the match (or words standing for it: "the condition", "this disorder"), or it opens with "It" or
  "All forms". "Fever is a medical emergency in SCD" is about fever, and "Bleeding in the brain, a very
  serious complication of hemophilia, requires emergency treatment" about a complication: no mark;
- a subtype whose own sources say nothing takes the statement of a group above it (Orphanet's subtypes, at
  any depth) when the group's name is part of the subtype's ("Botulism" over "Foodborne botulism" and over
  "Infant botulism", the rule of :mod:`healthqa.symptoms.groups`); the notice then says which condition the
  sentence is about.

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
from healthqa.store.base import DocumentHead, PassageRecord, Store
from healthqa.symptoms.names import names_part

URGENT_HEADING = "Needs urgent care, according to the sources"
URGENT_TOP = 5  # a mark on one of this many best results is shown
TRUSTED_TIER = "government_reviewed"
ORPHANET_SOURCE = "Orphanet"
SUBJECT_WORDS = 4  # the condition's name starts within the sentence's first five words
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

# "is not an emergency", "rarely requires urgent surgery": the words just before the match deny it.
_NEGATION = re.compile(r"\b(?:not|never|rarely|seldom|no longer|isn't|aren't|doesn't|don't)\b[^.;]{0,20}$",
                       re.IGNORECASE)
# A sentence that opens by referring back to the passage's condition ("These bleeding episodes can be fatal"
# refers to something else: bare "this", "these", "they" do not count).
_ANAPHOR = re.compile(r"^(?:it|all\s+(?:forms|types|kinds|cases))\b", re.IGNORECASE)
# Words that stand for the condition's name, wherever a name may stand ("In these cases, the disorder is ...").
_REFERENCE = re.compile(
    r"\b(?:the|this|such\s+an?)\s+(?:condition|disease|disorder|illness|infection|syndrome|poisoning|deficiency)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
_BRACKETED = re.compile(r"\s*\([^()]*\)")
# Where a sentence ends: . ! ? (and a closing quote or bracket) before a capital or digit; a line break; a run
# of spaces, which is how MedQuAD's flattened text separates a heading or a list item from what follows.
_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])[\"'\u201d)\]]*\s+(?=[\"'\u201c(\[]?[A-Z0-9])|\s*\n\s*|\s{2,}(?:[-\u2022*]\s+)?"
)


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
        return {"quote": self.quote, "source": self.source, "title": self.title, "url": self.url,
                "date": self.date, "passage_id": self.passage_id,
                "about": {"name": self.about, "orpha": self.about_orpha}}


def urgent_sentences(text: str, names: Iterable[str]) -> list[tuple[str, str]]:
    """(sentence, pattern name) of each sentence of ``text`` that states urgency about the condition called
    ``names`` (see the module docstring); the sentence is the text's own, unchanged."""
    if not _has_cue(text):
        return []
    name_patterns = [_REFERENCE, *(re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE)
                     for n in {n.strip() for n in names} if len(n) >= 3)]
    found: list[tuple[str, str]] = []
    for sentence in sentences(text):
        for pattern_name, pattern in _COMPILED:
            match = pattern.search(sentence)
            if match is None:
                continue
            before = sentence[: match.start()]
            if _NEGATION.search(before):
                continue
            if _ANAPHOR.match(sentence) or any(_opens_with(p, before) for p in name_patterns):
                found.append((sentence, pattern_name))
                break
    return found


def sentences(text: str) -> list[str]:
    """The sentences (and headings, list items) of ``text``, each the text's own words, trimmed."""
    return [part.strip() for part in _SENTENCE_BREAK.split(text) if part.strip()]


def _opens_with(name: re.Pattern[str], before: str) -> bool:
    """Whether the condition's name starts within the first :data:`SUBJECT_WORDS` words of the sentence: the
    sentence is about it ("All forms of botulism can be fatal"), not about something it mentions late
    ("Bleeding in the brain, a very serious complication of hemophilia, requires ...")."""
    before = _BRACKETED.sub("", before)  # "Medium chain acyl-CoA dehydrogenase (MCAD) deficiency (MCADD) is"
    match = name.search(before)
    return match is not None and len(_WORD.findall(before[: match.start()])) <= SUBJECT_WORDS


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
    for record, passages in by_record.items():
        disorders = [(orpha_of[d], conditions.head(d).title) for d in conditions.members(record)
                     if d in orpha_of and conditions.head(d).source == ORPHANET_SOURCE]
        if not disorders:
            continue
        names = conditions.names_of(record)
        seen: set[str] = set()
        for passage in sorted(passages, key=_source_order):
            for quote, pattern in urgent_sentences(passage.text, names):
                if quote in seen:
                    continue
                seen.add(quote)
                for orpha, label in disorders:
                    found[orpha].append(UrgencyStatement(
                        quote, passage.public_id, passage.source, passage.title, passage.url,
                        passage.updated, label, orpha, pattern))
    own = {orpha: tuple(statements) for orpha, statements in found.items()}
    return {**_inherited(store, own, orpha_of), **own}


def _inherited(
    store: Store, own: Mapping[str, tuple[UrgencyStatement, ...]], orpha_of: Mapping[int, str]
) -> dict[str, tuple[UrgencyStatement, ...]]:
    """The statements of each marked group for its subtypes, at any depth, that carry the group's name
    ("Botulism" > "Toxin-mediated infectious botulism" > "Intestinal botulism" > "Infant botulism").
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
    """What the results show first: our heading, the sources' sentences, and whom to call."""

    marks: tuple[UrgentMark, ...]
    heading: str = URGENT_HEADING
    actions: tuple[EmergencyAction, ...] = (CALL_EMERGENCY,)

    def to_json(self) -> dict[str, Any]:
        return {"heading": self.heading, "statements": [m.to_json() for m in self.marks],
                "actions": [{"label": a.label, "number": a.number, "tel": a.tel, "when": a.when}
                            for a in self.actions]}

    def lines(self) -> list[str]:
        out = [self.heading.upper() + ":"]
        for mark in self.marks:
            names = ", ".join(f"{name} (ORPHA:{orpha})" for orpha, name in mark.disorders)
            statement = mark.statement
            out.append(f"  {names}:")
            if statement.about_orpha not in {orpha for orpha, _ in mark.disorders}:
                out.append(f"    said of {statement.about} (ORPHA:{statement.about_orpha}), the group it belongs to")
            out.append(f'    "{statement.quote}"')
            date = statement.date or "date not given by the source"
            link = f"; {statement.url}" if statement.url else ""
            out.append(f"    - {statement.source}, {statement.title}, {date}{link}")
        for action in self.actions:
            out.append(f"  {action.label}: {action.number}. {action.when}")
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
