"""The condition page's summary: what the page shows first, in plain words, and its collapsed sections.

Everything here is a view of :class:`~healthqa.conditions.DiseaseRecord` for the page only (the JSON record is
unchanged): the one reviewed definition, Orphanet's key facts as sentences, the treatments the sources agree
on, where to get support, the comparison as short findings linking to the passages, and the clinical features
under HPO's plain-language names. The wording of the sentences is ours; every fact in them is the source's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from healthqa.answer.fact_sentences import fact_sentence as fact_sentence
from healthqa.answer.fact_sentences import facts_in_short as facts_in_short
from healthqa.answer.fact_sentences import gene_sentence as gene_sentence
from healthqa.answer.fact_sentences import inheritance_sentence as inheritance_sentence
from healthqa.answer.fact_sentences import lower_first
from healthqa.answer.fact_sentences import onset_sentence as onset_sentence
from healthqa.answer.fact_sentences import prevalence_sentence as prevalence_sentence
from healthqa.answer.facts import FactItem
from healthqa.conditions import DiseaseRecord
from healthqa.conditions._record import OrganisationItem, PhenotypeItem, Quote, Section
from healthqa.conditions.compare import Comparison, Mention
from healthqa.errors import HealthQAError
from healthqa.records import SectionType

log = logging.getLogger(__name__)

REVIEWED_TIERS = ("government_reviewed", "reviewed_publisher")
_TIER_RANK = {"government_reviewed": 0, "reviewed_publisher": 1}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"“])")
# The overview quotes the definition's first sentences up to about this many characters (at least one), names
# this many agreed treatments and organisations: with the key facts, a phone's first screen.
DEFINITION_CHARS = 200
TREATMENTS_SHOWN = 3
SUPPORT_SHOWN = 2

def frequency_words(frequency: float | None) -> str:
    """How often a feature occurs, in words (ours; the class is the catalogue's)."""
    if frequency is None:
        return "how often is not recorded"
    if frequency >= 1.0:
        return "always"
    if frequency >= 0.8:
        return "in most people"
    if frequency >= 0.3:
        return "in some people"
    if frequency >= 0.05:
        return "occasionally"
    return "rarely"


def frequency_range(frequency: float | None) -> str:
    """The catalogue's class as a range ("80-99%"), or "" when none is recorded."""
    if frequency is None:
        return ""
    for floor, label in ((1.0, "100%"), (0.8, "80-99%"), (0.3, "30-79%"), (0.05, "5-29%"), (0.0, "1-4%")):
        if frequency >= floor and (frequency > 0 or floor == 0):
            return label
    return ""


def first_sentences(text: str, limit: int = DEFINITION_CHARS) -> tuple[str, bool]:
    """The passage's first sentences up to about ``limit`` characters (at least one), and whether it was cut."""
    sentences = _SENTENCE_END.split(" ".join(text.split()))
    chosen = [sentences[0]]
    for sentence in sentences[1:]:
        if len(" ".join([*chosen, sentence])) > limit:
            break
        chosen.append(sentence)
    return " ".join(chosen), len(chosen) < len(sentences)


@dataclass
class KeyFact:
    label: str  # ours
    sentence: str  # ours around the source's fact
    href: str = ""  # the page part that quotes the source


@dataclass
class Finding:
    """One point of the comparison: its words (ours), and the sources as links to their passages."""

    kind: str  # "agree" | "disagree"
    text: str
    groups: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # (label, [(source, anchor)])


@dataclass
class Feature:
    plain: str  # HPO's lay synonym, or the term itself when it has none
    term: str  # the clinical term, shown beside a lay name
    how_often: str
    frequency_range: str
    source: str = ""  # who records the feature (the catalogue's name), shown beside it


def quote_anchors(record: DiseaseRecord) -> dict[str, str]:
    """Passage id -> the id of its card on the page (passage ids may hold any character; these are plain)."""
    anchors: dict[str, str] = {}
    for section in record.sections:
        for item in section.quotes:
            anchors.setdefault(item.id, f"quote-{len(anchors) + 1}")
    return anchors


def reviewed_first(sections: Sequence[Section]) -> list[Section]:
    """The sections with, in each, the reviewed sources' passages before the unreviewed ones (else in order)."""
    return [replace(s, quotes=sorted(s.quotes, key=lambda q: _TIER_RANK.get(q.tier, 2))) for s in sections]


def definition(record: DiseaseRecord) -> tuple[Quote | None, str, bool]:
    """The first reviewed source's "What it is" passage, its first sentences, and whether they were cut."""
    for section in record.sections:
        if section.section == SectionType.INFORMATION.value:
            for quote in section.quotes:
                if quote.tier in REVIEWED_TIERS:
                    text, cut = first_sentences(quote.text)
                    return quote, text, cut
    return None, "", False


def key_facts(record: DiseaseRecord, section_ids: dict[str, str]) -> list[KeyFact]:
    """How common, inherited and when it starts, as sentences; an honest gap where no source says."""
    by_kind: dict[str, list[FactItem]] = {}
    for fact in record.facts:
        by_kind.setdefault(fact.kind, []).append(fact)
    frequency_href = section_ids.get(SectionType.FREQUENCY.value, "")
    out: list[KeyFact] = []
    if "prevalence" in by_kind:
        out.append(KeyFact("How common", prevalence_sentence(by_kind["prevalence"][0]), "#facts"))
    elif frequency_href:
        out.append(KeyFact("How common", "No catalogue figure; the sources' words are under “How common it is”.",
                           frequency_href))
    else:
        out.append(KeyFact("How common", "None of the sources here gives a figure."))
    if "inheritance" in by_kind:
        out.append(KeyFact("Inherited?", inheritance_sentence(by_kind["inheritance"], record.name), "#facts"))
    if "onset" in by_kind:
        out.append(KeyFact("When it starts", onset_sentence(by_kind["onset"]), "#facts"))
    return out


def agreed_treatments(record: DiseaseRecord) -> list[tuple[str, list[str]]]:
    """The treatments two or more sources name: (term, sources)."""
    if record.comparison is None:
        return []
    return [(a.term, a.sources) for a in record.comparison.agreements if a.kind == "treatment"]


def _links(mentions: Sequence[Mention], anchors: dict[str, str]) -> list[tuple[str, str]]:
    """Each source once (linked to its first passage that carries the point), in the mentions' order."""
    seen: dict[str, str] = {}
    for m in mentions:
        seen.setdefault(m.source, anchors.get(m.passage_id, ""))
    return list(seen.items())


def findings(comparison: Comparison | None, anchors: dict[str, str]) -> list[Finding]:
    """The comparison as short findings: disagreements first, then agreements; stale sections stay apart. Each
    source is named once in a group, linked to its first passage there."""
    if comparison is None:
        return []
    out: list[Finding] = []
    for c in comparison.contradictions:
        point = c.label or f"On “{c.point}”"
        groups = [(label, _links(mentions, anchors)) for label, mentions in (
            ("Say yes", c.asserted), ("Say no", c.denied), ("Say both (inconsistent within the source)",
                                                             c.self_contradicting)) if mentions]
        out.append(Finding("disagree", point, groups))
    for a in comparison.agreements:
        out.append(Finding("agree", f"{a.term[:1].upper() + a.term[1:]} ({a.kind})",
                           [(f"Named by {len(a.sources)} sources", _links(a.mentions, anchors))]))
    return out


def _lay_names() -> Any:
    from healthqa.symptoms.hpo import load_hpo

    return load_hpo()


# Words of clinicians' register in HPO's "layperson" synonyms: "Decreased salivary flow" is lay by HPO's mark, but
# "Dry mouth" is what people say.
_CLINICAL_WORD = re.compile(r"^(decreased|increased|reduced|elevated|abnormal\w*|\w+(ary|al|ic|ive|ion|osis|itis))$")


def plainest(term: str, lay: Sequence[str]) -> str:
    """The lay synonym to show for ``term``: among those HPO lists that are phrases (one word is often another
    condition's name: "Epilepsy" for Seizure) and not the term with more words, the one with the fewest words of
    clinicians' register ("Dry mouth" over "Decreased salivary flow"), the first of equals ("" for none). Not the
    shortest: that picks "Eye drop" for Ptosis over "Drooping upper eyelid"."""
    words = set(term.casefold().split())
    plain = [name for name in lay if len(name.split()) > 1 and not words <= set(name.casefold().split())]
    if not plain:
        return ""
    return min(plain, key=lambda name: sum(bool(_CLINICAL_WORD.match(w)) for w in name.casefold().split()))


def features(phenotypes: Sequence[PhenotypeItem]) -> list[Feature]:
    """The recorded features under HPO's lay names, with the clinical term beside them."""
    lay: dict[str, str] = {}
    if phenotypes:
        try:
            hpo = _lay_names()
            for p in phenotypes:
                name = plainest(p.term, hpo.lay_synonyms(p.hpo_id))
                if name:
                    lay[p.hpo_id] = name
        except (HealthQAError, OSError) as error:  # the ontology is missing: the clinical terms alone
            log.warning("no lay names for the features: %s", error)
    out = []
    for p in phenotypes:
        plain = lay.get(p.hpo_id, "")
        term = p.term
        if plain and plain.casefold() != term.casefold():
            plain = plain[:1].upper() + plain[1:]
            clinical = lower_first(term)
            out.append(Feature(plain, clinical, frequency_words(p.frequency), frequency_range(p.frequency), p.source))
        else:
            out.append(Feature(term, "", frequency_words(p.frequency), frequency_range(p.frequency), p.source))
    return out


def undated_sources(sections: Sequence[Section]) -> list[str]:
    """The sources with a passage on the page that they give no date for, each once, in page order: said once
    for the page rather than on every card."""
    names = {quote.source: None for section in sections for quote in section.quotes if not quote.date}
    return list(names)


def support(organisations: Sequence[OrganisationItem]) -> list[OrganisationItem]:
    return list(organisations[:SUPPORT_SHOWN])


_PHONE_NUMBER = re.compile(r"\+?\d[\d\s().-]{3,}\d")


def tel_href(phone: str) -> str:
    """A ``tel:`` link for the first phone number of a field as sources write it ("586-776-3900; Toll Free:
    800-598-4668" links the first; an extension is left out), or "" when it holds no number."""
    found = _PHONE_NUMBER.search(re.split(r"\b(?:ext|x)\b\.?", phone, maxsplit=1, flags=re.IGNORECASE)[0])
    if not found:
        return ""
    digits = re.sub(r"[^\d+]", "", found.group())
    return f"tel:{digits}" if sum(c.isdigit() for c in digits) >= 5 else ""


def disease_context(record: DiseaseRecord) -> dict[str, Any]:
    """The template's context for the condition page (no passage or document ids in any text shown)."""
    anchors = quote_anchors(record)
    sections = reviewed_first(record.sections)
    section_ids = {s.section: f"#section-{n}" for n, s in enumerate(sections, 1)}
    quote, text, cut = definition(record)
    return {
        "record": record,
        "sections": sections,
        "anchors": anchors,
        "section_ids": section_ids,
        "definition": quote,
        "definition_text": text,
        "definition_cut": cut,
        "key_facts": key_facts(record, section_ids),
        "treatments": agreed_treatments(record),
        "treatments_shown": TREATMENTS_SHOWN,
        "undated_sources": undated_sources(sections),
        "support": support(record.organisations),
        "findings": findings(record.comparison, anchors),
        "features": features(record.phenotypes),
        "labels": {section.section: section.label for section in record.sections},
    }
