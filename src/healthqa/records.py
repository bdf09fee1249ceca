"""The data model shared by the readers, the store and the answering engine.

Readers turn files into :class:`ParsedDocument` values; the store keeps them; everything
downstream reads them back. Passages keep their source's exact words: nothing here rewrites text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from enum import StrEnum


class Tier(StrEnum):
    """How much a source's text can be trusted, best first."""

    GOVERNMENT_REVIEWED = "government_reviewed"
    REVIEWED_PUBLISHER = "reviewed_publisher"
    UNREVIEWED = "unreviewed"


class SectionType(StrEnum):
    """The fixed vocabulary of question types, shared by passages, questions and the question parser.

    It is MedQuAD's vocabulary (diseases and drugs) plus the headings of encyclopedia pages.
    """

    INFORMATION = "information"
    CAUSES = "causes"
    SYMPTOMS = "symptoms"
    EXAMS_AND_TESTS = "exams and tests"
    TREATMENT = "treatment"
    OUTLOOK = "outlook"
    INHERITANCE = "inheritance"
    GENETIC_CHANGES = "genetic changes"
    FREQUENCY = "frequency"
    COMPLICATIONS = "complications"
    PREVENTION = "prevention"
    SUSCEPTIBILITY = "susceptibility"
    RESEARCH = "research"
    SUPPORT_GROUPS = "support groups"
    WHEN_TO_CONTACT = "when to contact a medical professional"
    CONSIDERATIONS = "considerations"
    STAGES = "stages"
    LEARN_MORE = "how can i learn more"
    # Drugs, herbs and supplements (MedlinePlus Drugs / Herbs collections).
    USAGE = "usage"
    INDICATION = "indication"
    HOW_IT_WORKS = "how does it work"
    HOW_EFFECTIVE = "how effective is it"
    DOSE = "dose"
    FORGET_A_DOSE = "forget a dose"
    SIDE_EFFECTS = "side effects"
    SEVERE_REACTION = "severe reaction"
    IMPORTANT_WARNING = "important warning"
    PRECAUTIONS = "precautions"
    CONTRAINDICATION = "contraindication"
    INTERACTIONS_WITH_MEDICATIONS = "interactions with medications"
    INTERACTIONS_WITH_HERBS = "interactions with herbs and supplements"
    INTERACTIONS_WITH_FOODS = "interactions with foods"
    DIETARY = "dietary"
    EMERGENCY_OR_OVERDOSE = "emergency or overdose"
    STORAGE_AND_DISPOSAL = "storage and disposal"
    BRAND_NAMES = "brand names"
    BRAND_NAMES_OF_COMBINATIONS = "brand names of combination products"
    OTHER_INFORMATION = "other information"
    WHY_GET_VACCINATED = "why get vaccinated"

    @classmethod
    def parse(cls, value: str | None) -> SectionType:
        """Map a source's label to the vocabulary; unknown labels fall back to ``information``."""
        if not value:
            return cls.INFORMATION
        key = " ".join(value.strip().lower().split())
        try:
            return cls(key)
        except ValueError:
            return _SECTION_ALIASES.get(key, cls.INFORMATION)


_SECTION_ALIASES: dict[str, SectionType] = {
    "exams": SectionType.EXAMS_AND_TESTS,
    "diagnosis": SectionType.EXAMS_AND_TESTS,
    "tests": SectionType.EXAMS_AND_TESTS,
    "prognosis": SectionType.OUTLOOK,
    "outlook (prognosis)": SectionType.OUTLOOK,
    "possible complications": SectionType.COMPLICATIONS,
    "cause": SectionType.CAUSES,
    "treatments": SectionType.TREATMENT,
    "interactions with drugs": SectionType.INTERACTIONS_WITH_MEDICATIONS,
    "interactions with food": SectionType.INTERACTIONS_WITH_FOODS,
    "how it works": SectionType.HOW_IT_WORKS,
    "when to contact a health care provider": SectionType.WHEN_TO_CONTACT,
}


@dataclass(frozen=True)
class SourceInfo:
    """Who published a document, under which licence, and how far it can be trusted."""

    name: str
    publisher: str
    url: str
    licence: str
    tier: Tier


@dataclass
class Passage:
    """A span of a source's own text, typed by the question it answers."""

    text: str
    section: SectionType
    public_id: str
    heading: str = ""
    updated: str | None = None  # ISO date (YYYY-MM-DD) when the source dates this passage
    # Higher precedence wins when two passages share a public id or the same text
    # (e.g. the LiveQA judged text of an answer over today's MedQuAD XML text).
    precedence: int = 0


@dataclass
class QAPair:
    """A question a source asks of itself; ``answer_id`` is the public id of its answer passage."""

    text: str
    qtype: SectionType
    public_id: str
    answer_id: str | None = None


@dataclass
class Organisation:
    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    url: str = ""


@dataclass
class DrugMention:
    brand: str
    generic: str


FACT_KINDS = ("inheritance", "prevalence", "onset", "gene", "parent", "subtype")


@dataclass(frozen=True)
class Fact:
    """A typed fact a catalogue records about a disorder, in the catalogue's own words.

    ``kind`` is one of :data:`FACT_KINDS`; ``value`` is the catalogue's wording (e.g. "Autosomal dominant",
    "1-9 / 100 000", a gene symbol, a parent disorder's label); ``detail`` qualifies it (e.g. "Point
    prevalence, Europe", the gene association, "ORPHA:36388").
    """

    kind: str
    value: str
    detail: str = ""


# Orphanet's vocabulary, shared by its reader and by the pages and searches that show its records.
ORPHANET_PAGE_URL = "https://www.orpha.net/en/disease/detail/{code}"
# Orphanet's frequency classes -> the midpoint of the range, as a probability.
ORPHANET_FREQUENCY_MIDPOINTS: dict[str, float] = {
    "Obligate (100%)": 1.0,
    "Very frequent (99-80%)": 0.895,
    "Frequent (79-30%)": 0.545,
    "Occasional (29-5%)": 0.17,
    "Very rare (<4-1%)": 0.025,
    "Excluded (0%)": 0.0,
}


@dataclass(frozen=True)
class Phenotype:
    """A clinical feature recorded for a disorder: an HPO term with how often it occurs.

    ``frequency`` is the midpoint of the recorded range as a number in 0..1 (None when not given).
    """

    hpo_id: str
    term: str
    frequency_label: str = ""
    frequency: float | None = None


@dataclass
class ParsedDocument:
    """One topic of one source, as a reader produced it; the unit the store replaces."""

    source: SourceInfo
    key: str  # stable across re-ingests: the store replaces the document with the same key
    title: str
    url: str = ""
    focus: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    codes: list[tuple[str, str]] = field(default_factory=list)  # (system, code), e.g. ("UMLS", "C0022541")
    updated: str | None = None  # ISO date of the last update or review
    reviewer: str = ""
    passages: list[Passage] = field(default_factory=list)
    questions: list[QAPair] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    drugs: list[DrugMention] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    origin: str = ""  # the file it came from
    facts: list[Fact] = field(default_factory=list)
    phenotypes: list[Phenotype] = field(default_factory=list)

    def content_hash(self) -> str:
        """A digest of everything the store keeps, to skip unchanged documents."""
        # Built by hand: dataclasses.asdict deep-copies and was most of the ingest time.
        payload = [
            astuple_shallow(self.source), self.key, self.title, self.url, self.focus, self.synonyms,
            self.codes, self.updated, self.reviewer, self.origin,
            [astuple_shallow(p) for p in self.passages], [astuple_shallow(q) for q in self.questions],
            [astuple_shallow(o) for o in self.organisations], [astuple_shallow(d) for d in self.drugs],
            self.references,
        ]
        # Appended only when present, so documents without them keep the digest they had before.
        if self.facts or self.phenotypes:
            payload.append([astuple_shallow(f) for f in self.facts])
            payload.append([astuple_shallow(p) for p in self.phenotypes])
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


def astuple_shallow(value: object) -> list[object]:
    return [getattr(value, f.name) for f in fields(value)]  # type: ignore[arg-type]


def match_key(text: str) -> str:
    """A digest that equates two copies of one answer despite spacing and a stray closing ')'."""
    normal = " ".join(text.split()).rstrip(") ").lower()
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()


# The sources whose documents are medicines, herbs and supplements, not conditions (MedQuAD collections 11, 12).
DRUG_SOURCES = frozenset({"MedlinePlus Drug Information", "MedlinePlus Herbs and Supplements"})


# Where a quoted page left out what a sentence announces: a saved copy of a web page as plain text keeps "Tests
# to help diagnose and confirm LEMS may include:" but not the list after it, and the paragraph that follows
# would read as that list. Ingest marks the gap with the usual sign of an omission in a quotation.
OMITTED = "[\u2026]"


def without_omission(text: str) -> str:
    """``text`` stripped, without the :data:`OMITTED` mark that may end it."""
    return text.strip().removesuffix(OMITTED).rstrip()


def announces_list(sentence: str) -> bool:
    """Whether ``sentence`` introduces a list ("... may include:"), whether or not the list was kept."""
    return without_omission(sentence).endswith(":")
