"""Honest gaps: when no passage shown answers the type of question asked, say so and point to the source's page.

MedQuAD ships the MedlinePlus drug, herb and A.D.A.M. pages as questions with the page's URL but no answer
text; the knowledge base keeps those questions (with their type) and the documents' URLs. So for "What are the
side effects of metformin?" healthqa can say that it holds no trusted text on that, and link the page where
the trusted source has it, instead of highlighting the drug's indication as if it answered.

The wording (:attr:`AnswerGap.wording`) is healthqa's label, built from the understood focus and question type;
it is never medical text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from healthqa.errors import NotFoundError
from healthqa.ingest.medquad import parse_question
from healthqa.records import SectionType
from healthqa.retrieve.passages import PassageTable
from healthqa.store.base import Store
from healthqa.understand import FocusMatch, Understanding, normalise

# What a question of each type asks about, as the end of "healthqa found no trusted passage about ...".
_TOPICS: dict[SectionType, str] = {
    SectionType.CAUSES: "what causes {F}",
    SectionType.SYMPTOMS: "the symptoms of {F}",
    SectionType.EXAMS_AND_TESTS: "how {F} is diagnosed",
    SectionType.TREATMENT: "how {F} is treated",
    SectionType.OUTLOOK: "the outlook for {F}",
    SectionType.INHERITANCE: "whether {F} is inherited",
    SectionType.GENETIC_CHANGES: "the genetic changes behind {F}",
    SectionType.FREQUENCY: "how common {F} is",
    SectionType.COMPLICATIONS: "the complications of {F}",
    SectionType.PREVENTION: "how to prevent {F}",
    SectionType.SUSCEPTIBILITY: "who is at risk of {F}",
    SectionType.RESEARCH: "research on {F}",
    SectionType.SUPPORT_GROUPS: "support for people with {F}",
    SectionType.WHEN_TO_CONTACT: "when to see a doctor about {F}",
    SectionType.CONSIDERATIONS: "what to do for {F}",
    SectionType.STAGES: "the stages of {F}",
    SectionType.LEARN_MORE: "where to learn more about {F}",
    SectionType.USAGE: "how to use {F}",
    SectionType.INDICATION: "why {F} is prescribed",
    SectionType.HOW_IT_WORKS: "how {F} works",
    SectionType.HOW_EFFECTIVE: "how well {F} works",
    SectionType.DOSE: "the dose of {F}",
    SectionType.FORGET_A_DOSE: "what to do after forgetting a dose of {F}",
    SectionType.SIDE_EFFECTS: "the side effects of {F}",
    SectionType.SEVERE_REACTION: "what to do about a severe reaction to {F}",
    SectionType.IMPORTANT_WARNING: "the warnings about {F}",
    SectionType.PRECAUTIONS: "the precautions to take with {F}",
    SectionType.CONTRAINDICATION: "who should not take {F}",
    SectionType.INTERACTIONS_WITH_MEDICATIONS: "how {F} interacts with other medicines",
    SectionType.INTERACTIONS_WITH_HERBS: "how {F} interacts with herbs and supplements",
    SectionType.INTERACTIONS_WITH_FOODS: "how {F} interacts with foods",
    SectionType.DIETARY: "what to eat and drink with {F}",
    SectionType.EMERGENCY_OR_OVERDOSE: "what to do after an overdose of {F}",
    SectionType.STORAGE_AND_DISPOSAL: "how to store and dispose of {F}",
    SectionType.BRAND_NAMES: "the brand names of {F}",
    SectionType.BRAND_NAMES_OF_COMBINATIONS: "the brand names of combination products with {F}",
    SectionType.OTHER_INFORMATION: "other things to know about {F}",
    SectionType.WHY_GET_VACCINATED: "why to get vaccinated against {F}",
}
# Where a source files a type under another: MedlinePlus's drug pages answer "what is the dose" in "usage" ("How
# should X be used and what is the dosage?").
_FILED_UNDER: dict[SectionType, frozenset[SectionType]] = {
    SectionType.DOSE: frozenset({SectionType.DOSE, SectionType.USAGE}),
}
_GLUE = frozenset("a and do does for how i in is it of on or the to what when with".split())
PAGES_SHOWN = 3
_DOCUMENTS_READ = 20


class Shown(Protocol):
    """What the gap needs of a passage shown as an answer (an :class:`~healthqa.answer.answerer.AnswerItem`)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def section(self) -> str: ...

    @property
    def question(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class SourcePage:
    """A page where a trusted source answers the question, though the knowledge base holds no text of it."""

    source: str
    title: str
    url: str
    question: str  # the source's own question for that part of the page


@dataclass(frozen=True)
class AnswerGap:
    """What the passages shown do not answer: ``topic`` ("the side effects of Metformin"), ``wording`` (the
    sentence a page shows, ours) and ``pages`` where the trusted sources have it (possibly none)."""

    focus: str
    type: str
    topic: str
    wording: str
    pages: list[SourcePage] = field(default_factory=list)


def answered_type(section: str, question: str | None) -> str:
    """The type of question a passage answers: its section, or the type its own question asks where the two
    disagree (MedQuAD's type attribute is sometimes wrong: "forget a dose" on "What special dietary
    instructions should I follow with X?"; its question templates are not)."""
    parsed = parse_question(question) if question else None
    # "What is {F}" also fits free-form questions ("What is the best treatment for X?"): "information" is
    # the templates' catch-all, so it never overrides a more specific section.
    if parsed is None or parsed[1] is SectionType.INFORMATION:
        return section
    return parsed[1].value


def answers_type(passage: Shown, qtype: SectionType) -> bool:
    """Whether ``passage`` answers questions of ``qtype``: its type is that, or it is a general overview
    ("information") that speaks of it (a MedlinePlus summary lists a flu's symptoms)."""
    answered = answered_type(passage.section, passage.question)
    if answered in {kind.value for kind in filed_under(qtype)}:
        return True
    if answered != SectionType.INFORMATION.value:
        return False
    stems = [word[:5] for word in re.findall(r"[a-z]+", qtype.value) if word not in _GLUE]
    words = set(re.findall(r"[a-z]+", passage.text.lower()))
    return bool(stems) and all(any(word.startswith(stem) for word in words) for stem in stems)


def filed_under(qtype: SectionType) -> frozenset[SectionType]:
    """The types under which the sources file answers to questions of ``qtype`` (itself, and its equivalents)."""
    return _FILED_UNDER.get(qtype, frozenset({qtype}))


def topic_of(qtype: SectionType, focus: str) -> str:
    """What a question of ``qtype`` about ``focus`` asks, in a few plain words ("" for "information")."""
    template = _TOPICS.get(qtype)
    return template.format(F=focus) if template else ""


def find_gap(store: Store, understood: Understanding, shown: Sequence[Shown], has_facts: bool,
             passages: PassageTable | None = None) -> AnswerGap | None:
    """The gap in the answer to ``understood``: None when a passage ``shown`` about what it asks of (or a
    catalogue fact) answers its type, when its type is the general "information", or when it names nothing."""
    # A question written as one of MedQuAD's templates says its type ("Who should get X and why is it prescribed?"
    # is "indication", which the general reading takes for "causes"): a gap is claimed only for the type asked.
    template = parse_question(understood.text)
    qtype = template[1] if template and template[1] is not SectionType.INFORMATION else understood.qtype
    # A medicine is not treated: "what kind of medicine is Firdapse?" (read as treatment by its word "medicine")
    # asks what it is prescribed for.
    if qtype is SectionType.TREATMENT and understood.focus and understood.focus[0].generic:
        qtype = SectionType.INDICATION
    if not understood.focus or has_facts or not topic_of(qtype, understood.focus[0].name):
        return None
    answering = [s for s in shown if answers_type(s, qtype)]
    table = passages or PassageTable(store)
    subject, pages = _subject(table, understood.focus, qtype)
    # Where no name has a page of that type, a passage about any name the question mentions may answer.
    about = [subject] if pages else _not_the_type(understood.focus, qtype)
    if any(about_subject(table, passage, match) for passage in answering for match in about):
        return None
    topic = topic_of(qtype, subject.name)
    return AnswerGap(
        focus=subject.name, type=qtype.value, topic=topic,
        # What the search found, not a claim about the whole knowledge base (a passage of another type may say it).
        wording=f"healthqa found no trusted passage about {topic}.", pages=pages,
    )


def _subject(
    table: PassageTable, focus: Sequence[FocusMatch], qtype: SectionType
) -> tuple[FocusMatch, list[SourcePage]]:
    """What the question asks ``qtype`` of, with the source pages that have it: the first name it mentions whose
    pages ask a question of that type ("the side effects of metformin" are metformin's, not those of the
    MedlinePlus topic called "Side effects"; "ibuprofen with high blood pressure" asks of the medicine's page);
    the first name, with no page, when none has one, other than the name of the type itself ("the side effects of
    Firdapse", where only the page called "Side effects" is a page)."""
    for match in focus:
        pages = source_pages(table, sorted(match.document_ids)[:_DOCUMENTS_READ], qtype)
        if pages:
            return match, pages
    return _not_the_type(focus, qtype)[0], []


def _not_the_type(focus: Sequence[FocusMatch], qtype: SectionType) -> list[FocusMatch]:
    """The names of ``focus`` other than the type's own name (a page called "Side effects" is what such a question
    asks about only when it names nothing else)."""
    return [match for match in focus if normalise(match.name) != normalise(qtype.value)] or list(focus)


def about_subject(table: PassageTable, passage: Shown, subject: FocusMatch) -> bool:
    """Whether ``passage`` is about ``subject``: from one of its pages, or titled with its name."""
    if normalise(subject.name) in normalise(passage.title):
        return True
    try:
        return table.passage(passage.id).document_id in subject.document_ids
    except NotFoundError:
        return False


def source_pages(table: PassageTable, document_ids: Sequence[int], qtype: SectionType) -> list[SourcePage]:
    """The pages of ``document_ids`` whose source asks a question of ``qtype`` (its answer here or not)."""
    pages: dict[str, SourcePage] = {}
    for document_id in document_ids:
        document = table.document_page(document_id)
        if document is None:
            continue
        url = document.url.strip()
        if not url.startswith(("https://", "http://")) or url in pages:
            continue
        filed = {kind.value for kind in filed_under(qtype)}
        for question in document.questions:
            if question.qtype in filed:
                pages[url] = SourcePage(document.source, document.title, url, question.text)
                break
        if len(pages) >= PAGES_SHOWN:
            break
    return list(pages.values())
