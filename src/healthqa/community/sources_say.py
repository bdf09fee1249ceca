""""What trusted sources say": when a post states something that the condition's reviewed sources contradict on a
point :mod:`healthqa.conditions.compare` knows (inherited, contagious, curable, fatal, rare, preventable), the
sources' own sentences on that point, quoted with their provenance.

The post's sentences and the sources' are read by the same claim finder as the source comparison
(``healthqa.conditions.compare.claims``), which favours precision: hedged or partial statements are left alone.
A box is shown only where every reviewed source that speaks of the point says the opposite of the post; where
the sources disagree among themselves, nothing is said. The labels are ours; every quoted sentence is a source's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from healthqa.conditions import DiseaseRecord, Quote

# The comparison's own claim finder and sentence splitter (not re-exported by the package), so that a post is
# read exactly as the sources are.
from healthqa.conditions.compare._claims import POINT_LABELS, claims, name_pattern
from healthqa.conditions.compare._text import sentences


@dataclass(frozen=True)
class QuotedSentence:
    sentence: str  # verbatim from the passage
    quote: Quote  # the passage, with its source, link, date and trust tier


@dataclass(frozen=True)
class SourcesSay:
    point: str  # "inherited", "contagious", ...
    label: str  # our wording of the point: "Is it inherited (or is there a genetic predisposition)?"
    sentences: list[QuotedSentence] = field(default_factory=list)


def what_sources_say(text: str, record: DiseaseRecord, limit: int = 2) -> list[SourcesSay]:
    """The points ``text`` (a post's title and text) states that ``record``'s reviewed sources contradict."""
    names = name_pattern([record.name, *(synonym.name for synonym in record.synonyms)])
    stated: dict[str, set[bool]] = {}
    for sentence in sentences(text):
        for claim in claims(sentence.text, names):
            stated.setdefault(claim.point, set()).add(claim.asserted)
    if not stated:
        return []
    said: dict[str, list[tuple[bool, QuotedSentence]]] = {}
    for section in record.sections:
        for quote in section.quotes:
            if quote.tier == "unreviewed":
                continue
            for sentence in sentences(quote.text):
                for claim in claims(sentence.text, names):
                    if claim.point in stated:
                        said.setdefault(claim.point, []).append((claim.asserted, QuotedSentence(sentence.text, quote)))
    found = []
    for point, polarities in stated.items():
        if len(polarities) != 1:
            continue  # the post says both: nothing clear to answer
        sources = said.get(point, [])
        if not sources or any(asserted in polarities for asserted, _ in sources):
            continue
        unique = list({item.sentence: item for _, item in sources}.values())[:limit]
        found.append(SourcesSay(point, POINT_LABELS[point], unique))
    return found
