"""One record per condition: every linked source's words, section by section, with provenance.

Everything shown about the condition is a source's own text (passages, Orphanet's facts and phenotype
annotations, organisations, drug names) with its source, link and date. The section labels are ours.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from healthqa.answer.facts import FactItem, attribution, document_facts
from healthqa.answer.wording import DISCLAIMER
from healthqa.conditions._link import SHOWN_SYSTEMS, Candidate, DiseaseIndex
from healthqa.conditions._names import key, name_keys
from healthqa.conditions.compare import Comparison, Mention, SourcedText, compare
from healthqa.records import SectionType
from healthqa.store.base import DocumentRecord, PassageRecord

# The order a person reads about a condition in; the remaining types follow in the vocabulary's order.
READING_ORDER: tuple[SectionType, ...] = (
    SectionType.INFORMATION, SectionType.SYMPTOMS, SectionType.CAUSES, SectionType.INHERITANCE,
    SectionType.GENETIC_CHANGES, SectionType.FREQUENCY, SectionType.SUSCEPTIBILITY, SectionType.EXAMS_AND_TESTS,
    SectionType.TREATMENT, SectionType.OUTLOOK, SectionType.COMPLICATIONS, SectionType.PREVENTION,
    SectionType.WHEN_TO_CONTACT, SectionType.CONSIDERATIONS, SectionType.STAGES, SectionType.RESEARCH,
    SectionType.SUPPORT_GROUPS, SectionType.LEARN_MORE,
)
SECTION_ORDER: tuple[SectionType, ...] = READING_ORDER + tuple(s for s in SectionType if s not in READING_ORDER)
SECTION_LABELS: dict[str, str] = {
    "information": "What it is",
    "exams and tests": "Diagnosis: exams and tests",
    "frequency": "How common it is",
    "susceptibility": "Who is at risk",
    "outlook": "Outlook",
    "how can i learn more": "Learning more",
    "when to contact a medical professional": "When to contact a medical professional",
}
FACT_KINDS = ("inheritance", "prevalence", "onset", "gene")


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def section_label(section: str) -> str:
    return SECTION_LABELS.get(section, section[:1].upper() + section[1:])


@dataclass(frozen=True)
class LinkedDocument:
    """A document of the record with its provenance and why it was linked."""

    key: str
    title: str
    source: str
    url: str
    date: str | None
    tier: str
    licence: str
    reviewer: str
    linked_by: str


@dataclass(frozen=True)
class Synonym:
    """A name sources give the condition; ``also_names`` lists other records that use it as their title."""

    name: str
    sources: list[str]
    also_names: list[Candidate] = field(default_factory=list)


@dataclass(frozen=True)
class Quote:
    """A passage of one source, verbatim; ``also_in`` are other documents with the identical text."""

    id: str
    text: str
    heading: str
    source: str
    title: str
    document_key: str
    url: str
    date: str | None
    tier: str
    licence: str
    also_in: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    section: str  # a SectionType value
    label: str  # ours
    quotes: list[Quote]


@dataclass(frozen=True)
class PhenotypeItem:
    """A clinical feature a catalogue records for the condition (an HPO term) and how often it occurs."""

    hpo_id: str
    term: str
    frequency_label: str
    frequency: float | None
    source: str
    document_key: str
    url: str
    attribution: str


@dataclass(frozen=True)
class OrganisationItem:
    name: str
    address: str
    phone: str
    email: str
    url: str
    sources: list[str]


@dataclass(frozen=True)
class DrugItem:
    brand: str
    generic: str
    sources: list[str]


@dataclass
class DiseaseRecord:
    """Everything the knowledge base's sources say about one condition, quoted and attributed."""

    ref: str  # what was asked for
    name: str  # Orphanet's label when Orphanet is a source, else the title most sources use
    codes: dict[str, list[str]]  # "ORPHA", "OMIM", "UMLS" -> codes
    synonyms: list[Synonym]
    documents: list[LinkedDocument]
    sections: list[Section]
    facts: list[FactItem]
    phenotypes: list[PhenotypeItem]
    organisations: list[OrganisationItem]
    drugs: list[DrugItem]
    comparison: Comparison | None  # None when the record was built without comparing sources

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(d.source for d in self.documents))

    def to_json(self) -> dict[str, Any]:

        return {
            "ref": self.ref,
            "name": self.name,
            "codes": self.codes,
            "synonyms": [
                {"name": s.name, "sources": s.sources, "also_names": [c.to_json() for c in s.also_names]}
                for s in self.synonyms
            ],
            "sources": self.sources,
            "documents": [asdict(d) for d in self.documents],
            "sections": [
                {"section": s.section, "label": s.label, "quotes": [asdict(q) for q in s.quotes]}
                for s in self.sections
            ],
            "facts": [f.to_json() for f in self.facts],
            "phenotypes": [asdict(p) for p in self.phenotypes],
            "organisations": [asdict(o) for o in self.organisations],
            "drugs": [asdict(d) for d in self.drugs],
            "comparison": self.comparison.to_json() if self.comparison is not None else None,
            "disclaimer": DISCLAIMER,
        }

    def lines(self) -> list[str]:
        """The record as text for people (``healthqa disease``)."""
        return record_lines(self)


def build_record(ref: str, record: int, index: DiseaseIndex, documents: Sequence[DocumentRecord],
                 phenotypes: int = 10, compare_sources: bool = True) -> DiseaseRecord:
    """Assemble the record from its documents (most trusted source first)."""
    sections = _sections(documents)
    texts = [
        SourcedText(q.id, q.source, s.section, q.text, q.date, q.tier, q.document_key)
        for s in sections for q in s.quotes
    ]
    drugs = _drugs(documents)
    comparison = None
    if compare_sources:
        # Brands count as their generic; the monograph titles name the drugs no record mentions itself.
        # Only the monographs whose name occurs in the texts (letters and digits compared, so hyphens and
        # spaces do not matter): the vocabulary compiles in milliseconds instead of 0.2 s per record.
        blob = _letters(" ".join(t.text for t in texts))
        named: dict[str, list[str]] = {name: [] for name in index.drug_names if _letters(name) in blob}
        for drug in drugs:
            if drug.generic:
                named.setdefault(drug.generic, []).extend([drug.brand] if drug.brand else [])
        comparison = compare(texts, drugs=named, names=index.names_of(record))
    return DiseaseRecord(
        ref=ref,
        name=index.canonical_name(record),
        codes=_codes(documents, index),
        synonyms=_synonyms(documents, index, record),
        documents=[
            LinkedDocument(d.key, d.title, d.source, d.url, d.updated, d.tier, d.licence, d.reviewer,
                           index.link_reason(d.id))
            for d in documents
        ],
        sections=sections,
        facts=_facts(documents),
        phenotypes=_phenotypes(documents, phenotypes),
        organisations=_organisations(documents),
        drugs=drugs,
        comparison=comparison,
    )


def _codes(documents: Sequence[DocumentRecord], index: DiseaseIndex) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {system: [] for system in SHOWN_SYSTEMS}
    for document in documents:
        for system, code in document.codes:
            if system in found and code not in found[system] and index.is_specific(system, code):
                found[system].append(code)
    return {system: sorted(codes) for system, codes in found.items() if codes}


def _synonyms(documents: Sequence[DocumentRecord], index: DiseaseIndex, record: int) -> list[Synonym]:
    canonical = name_keys(index.canonical_name(record)) or {key(index.canonical_name(record))}
    spelled: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    for document in documents:
        has_focus = any(kind == "focus" for _name, kind in document.names)
        for name, kind in document.names:
            if kind == "title" and has_focus:
                continue  # a page's title may be a headline ("What is ..."); its focus names the condition
            if name_keys(name) & canonical:
                continue
            name_key = key(name) or name.strip()  # spellings apart: "Eaton-Lambert" is not "Lambert-Eaton"
            spelled.setdefault(name_key, name)
            giver = sources.setdefault(name_key, [])
            if document.source not in giver:
                giver.append(document.source)
    return [Synonym(spelled[k], sources[k], index.records_named(spelled[k], exclude=record)) for k in spelled]


def _sections(documents: Sequence[DocumentRecord]) -> list[Section]:
    by_section: dict[str, list[Quote]] = {}
    seen: dict[str, Quote] = {}  # identical text (whitespace and case aside) -> its first quote
    for document in documents:
        for p in document.passages:
            same = " ".join(p.text.split()).casefold()
            if same in seen:
                seen[same].also_in.append(document.key)
                continue
            quote = _quote(p)
            seen[same] = quote
            by_section.setdefault(p.section, []).append(quote)
    order = [s.value for s in SECTION_ORDER]
    ordered = sorted(by_section, key=lambda s: order.index(s) if s in order else len(order))
    return [Section(s, section_label(s), by_section[s]) for s in ordered]


def _quote(p: PassageRecord) -> Quote:
    return Quote(p.public_id, p.text, p.heading, p.source, p.title, p.document_key, p.url, p.updated, p.tier,
                 p.licence)


def _facts(documents: Sequence[DocumentRecord]) -> list[FactItem]:
    return [item for document in documents for item in document_facts(document, FACT_KINDS)]


def _phenotypes(documents: Sequence[DocumentRecord], top: int) -> list[PhenotypeItem]:
    items = [
        PhenotypeItem(p.hpo_id, p.term, p.frequency_label, p.frequency, d.source, d.key, d.url, attribution(d))
        for d in documents for p in d.phenotypes
    ]
    # Most frequent first; features recorded without a frequency last; "Excluded (0%)" is not a feature.
    items = [p for p in items if p.frequency is None or p.frequency > 0]
    items.sort(key=lambda p: (p.frequency is None, -(p.frequency or 0.0)))
    unique: dict[str, PhenotypeItem] = {}
    for item in items:
        unique.setdefault(item.hpo_id, item)
    return list(unique.values())[:top]


def _organisations(documents: Sequence[DocumentRecord]) -> list[OrganisationItem]:
    merged: dict[str, dict[str, Any]] = {}
    for document in documents:
        for o in document.organisations:
            same = key(o.name) or o.url.lower().rstrip("/")
            if not same:
                continue
            entry = merged.setdefault(same, {"name": "", "address": "", "phone": "", "email": "", "url": "",
                                             "sources": []})
            for name in ("name", "address", "phone", "email", "url"):
                entry[name] = entry[name] or getattr(o, name)
            if document.source not in entry["sources"]:
                entry["sources"].append(document.source)
    return [OrganisationItem(**entry) for entry in merged.values()]


def _drugs(documents: Sequence[DocumentRecord]) -> list[DrugItem]:
    merged: dict[tuple[str, str], DrugItem] = {}
    for document in documents:
        for m in document.drugs:
            same = (m.brand.casefold().strip(), m.generic.casefold().strip())
            item = merged.setdefault(same, DrugItem(m.brand, m.generic, []))
            if document.source not in item.sources:
                item.sources.append(document.source)
    return list(merged.values())


# -- the record as text for people (``healthqa disease``): the labels are ours, every quoted line a source's
# text followed by who said it and when.

ORPHANET_CREDIT = "Source: Orphanet (CC BY 4.0)"
_WIDTH = 100


def _tier(tier: str) -> str:
    return tier.replace("_", " ")


def _wrap(text: str, indent: str = "    ") -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        lines += textwrap.wrap(paragraph, _WIDTH, initial_indent=indent, subsequent_indent=indent) or [""]
    return lines


def record_lines(record: DiseaseRecord) -> list[str]:

    out = [record.name, "=" * len(record.name)]
    if record.codes:
        out.append("Codes: " + ", ".join(f"{system}:{code}" for system, codes in record.codes.items()
                                          if not system.endswith("-exact") for code in codes))
    if record.synonyms:
        out.append("Also called:")
        for synonym in record.synonyms:
            line = f"  - {synonym.name} (given by {', '.join(synonym.sources)})"
            if synonym.also_names:
                others = "; ".join(f"{c.name} [{c.ref}]" for c in synonym.also_names)
                line += f"; also names {others}"
            out.append(line)
    out.append(f"\nSources ({len(record.documents)} documents, most trusted first):")
    for d in record.documents:
        reviewed = f"; reviewed by {d.reviewer}" if d.reviewer else ""
        out.append(f"  - {d.source} ({_tier(d.tier)}): {d.title} [{d.key}], {d.date or 'undated'}{reviewed}")
        out.append(f"    {d.url or 'no link'}; licence: {d.licence}; linked by {d.linked_by}")
    for section in record.sections:
        out.append(f"\n## {section.label}")
        for quote in section.quotes:
            heading = f" - {quote.heading}" if quote.heading else ""
            out.append(f"[{quote.source}, {_tier(quote.tier)}, {quote.date or 'undated'}] {quote.id}{heading}")
            out += _wrap(quote.text)
            if quote.url:
                out.append(f"    {quote.url}")
            if quote.also_in:
                out.append("    (the same text is also in " + ", ".join(quote.also_in) + ")")
    if record.facts:
        out.append("\n## Key facts")
        out.append(ORPHANET_CREDIT if all(f.source == "Orphanet" for f in record.facts) else "Sources as shown")
        credits: list[str] = []
        for fact in record.facts:
            detail = f" ({fact.detail})" if fact.detail else ""
            out.append(f"  {fact.label}: {fact.text}{detail}")
            if fact.attribution not in credits:
                credits.append(fact.attribution)
        out += [f"  {credit}" for credit in credits]
    if record.phenotypes:
        out.append("\n## Recorded clinical features, most frequent first")
        out.append(f"{ORPHANET_CREDIT}; the features are Human Phenotype Ontology terms")
        for p in record.phenotypes:
            how_often = f" [{p.frequency_label}]" if p.frequency_label else ""
            out.append(f"  - {p.term}{how_often} {p.hpo_id}")
    if record.organisations:
        out.append("\n## Organisations")
        for o in record.organisations:
            contact = "; ".join(part for part in (o.address, o.phone, o.email, o.url) if part)
            out.append(f"  - {o.name}" + (f"; {contact}" if contact else "") + f" (from {', '.join(o.sources)})")
    if record.drugs:
        out.append("\n## Drugs named by the sources")
        for m in record.drugs:
            out.append(f"  - {m.brand} (generic: {m.generic}) (from {', '.join(m.sources)})")
    if record.comparison is not None:
        out += _comparison_lines(record.comparison)
    out.append(f"\n{DISCLAIMER}")
    return out


def _mention(m: Mention) -> str:
    return f'      {m.source} ({m.passage_id}): "{m.sentence}"'


def _comparison_lines(comparison: Comparison) -> list[str]:
    out = ["\n## Comparing the sources"]
    if not (comparison.agreements or comparison.contradictions or comparison.stale):
        out.append("  No agreement, disagreement or outdated section found between the sources.")
    for agreement in comparison.agreements:
        out.append(f"  Sources agree on the {agreement.kind} {agreement.term!r}: {', '.join(agreement.sources)}")
        out += [_mention(m) for m in agreement.mentions]
    for contradiction in comparison.contradictions:
        out.append(f"  Sources disagree on {contradiction.point!r}:")
        out.append("    says so:")
        out += [_mention(m) for m in contradiction.asserted]
        out.append("    says not:")
        out += [_mention(m) for m in contradiction.denied]
    for stale in comparison.stale:
        older, newer = stale.older, stale.newer
        out.append(
            f"  Possibly outdated: {older.source}'s {stale.section} section ({older.updated or 'undated'}, "
            f"{older.passage_id}) is {stale.years:.1f} years older than {newer.source}'s "
            f"({newer.updated or 'undated'}, {newer.passage_id})"
        )
    return out
