"""Where sources about one condition agree, contradict each other, or have gone stale.

Input is the passages of every source about one condition (see :mod:`healthqa.conditions`); output names
the points, always with the verbatim sentences that carry them, never with text of our own. The labels of
terms and points are ours; every :class:`Mention` quotes a whole sentence (or list item) of a passage.

How agreement is found
    Each passage is split into sentences and list items. In each, we look for three kinds of terms:

    * treatments and tests from a compact list of generic names with the spellings sources use
      (``_compare_terms.TREATMENTS``/``TESTS``: "plasmapheresis" = "plasma exchange", "IVIg" = "intravenous
      immunoglobulin", "EMG" = "electromyography"), plus the drug names the caller passes (``drugs``: the
      knowledge base's drug table, e.g. amifampridine with Firdapse and 3,4-diaminopyridine); whole words,
      any case (abbreviations such as "CT" only in capitals), plurals, hyphens and spacing tolerated;
    * symptoms: Human Phenotype Ontology terms (names and synonyms, lay ones included, via
      :mod:`healthqa.symptoms.hpo`), matched when a phrase's stemmed content words equal the term's, in any
      order ("pain in the chest" = Chest pain); negated phrases ("there is no fever") do not count, nor does
      the condition itself or a form of it (``names``: "watery stools" in a diarrhea record, "third-degree
      heart block" in a heart block record), nor associated tumours (the HPO "Neoplasm" branch) or
      "Autoimmunity".

    Sections: a named treatment or test counts in any section except causes, risk factors (susceptibility)
    and research, where a drug is named as a trigger ("aspirin can trigger asthma") or as an experiment;
    symptoms count only in sections that describe the condition (symptoms, information, complications,
    outlook, stages, considerations, when to contact a professional), because treatment sections list side
    effects and causes sections list risk factors. Resource lists ("These resources address the diagnosis or
    management of ...") are skipped: their items are titles, not statements.

    A term is an agreement when passages of two or more *different* sources name it. A symptom also agrees
    with a narrower one up to two is-a levels down (one source says "pain", another "bone pain": they agree
    on Pain), except for catch-all terms ("Abnormality of ..."). Each passage's first sentence naming the
    term is quoted.

How contradiction is found
    For a few yes/no points (``_compare_claims.POINTS``: inherited, contagious, curable, fatal, rare,
    preventable) each sentence is checked for cues that assert the point ("inherited", "runs in families",
    "genetic predisposition", "can be cured", "life-threatening", "is a rare disorder") or deny it by
    themselves ("sporadic", "no cure", "normal life expectancy", "is a common disorder"). A negation shortly
    before the cue, in the same clause and with only filler words in between, turns it round ("is not
    considered a hereditary condition", "does not run in families", "will not cure"); with another verb in
    between it does not ("who do not exhibit symptoms may still inherit the genes"). Claims that hold for part of the
    patients are compatible with their opposite and are dropped: quantifiers and frequency words ("most
    cases", "about 80 percent", "usually", "rarely"), subsets ("this form", "acquired hemochromatosis",
    "these cases"), alternatives ("sporadic or inherited"), weakened negations ("not directly inherited");
    so are uncertain claims ("whether", "unknown"), questions, statements about genes rather than the
    condition ("one copy inherited from each parent"), adjectives that name a subtype ("sporadic cases")
    and flattened term tables. "Is rare"/"is common" must be said of the condition itself, not of a form, a
    complication or a population ("rare in children"). "Genetic predisposition" asserts "inherited": see
    :mod:`healthqa.conditions.compare._claims` for why.

    A contradiction on a point needs one source asserting it and a *different* source denying it; both sides
    are quoted, each source on one side only. A source that says both (one passage asserts, another denies) is
    inconsistent within itself: it is left out of both sides and its sentences are quoted apart
    (``self_contradicting``, its name in ``inconsistent``); the sources still disagree, as before, when two different
    sources assert and deny. Two sources that both deny, or both assert,
    agree and are not reported. The cues and rules favour precision: a contradiction worded with hedges is
    missed rather than invented.

How staleness is found
    Sections of the same type from different sources whose dates (ISO: year, year-month or full date) lie
    more than ``stale_years`` apart; undated passages are skipped. Each older section is reported once,
    against the newest section of that type from another source.

Measured on hand-labelled pairs of real passages: ``benchmarks/compare.py`` and BENCHMARKS.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from healthqa.conditions.compare._claims import POINT_LABELS, POINTS, claims, name_pattern
from healthqa.conditions.compare._terms import (
    SYMPTOM,
    TEST,
    TREATMENT,
    DrugNames,
    SymptomLexicon,
    TermHit,
    Vocabulary,
    drug_phrases,
    name_words,
    symptom_lexicon,
    vocabulary,
)
from healthqa.conditions.compare._text import Sentence, sentences
from healthqa.errors import ConfigError
from healthqa.records import SectionType
from healthqa.symptoms.hpo import HPOIndex, load_hpo


@dataclass(frozen=True)
class SourcedText:
    """One passage of one source about the condition."""

    passage_id: str  # the public id from ingestion
    source: str  # source name, e.g. "GARD"
    section: str  # a SectionType value
    text: str
    updated: str | None  # ISO date, None when the source gives none
    tier: str
    document_key: str = ""


@dataclass(frozen=True)
class Mention:
    """A sentence of one passage that names a term or makes a claim."""

    passage_id: str
    source: str
    sentence: str  # verbatim from the passage
    matched: str = ""  # the words of the sentence that name the term or carry the claim (verbatim)

    def to_json(self) -> dict[str, str]:
        return {"passage_id": self.passage_id, "source": self.source, "sentence": self.sentence,
                "matched": self.matched}


@dataclass(frozen=True)
class Agreement:
    """A treatment, test or symptom named by two or more sources."""

    kind: str  # "treatment" | "test" | "symptom"
    term: str  # our label for the term, e.g. "amifampridine"
    mentions: list[Mention] = field(default_factory=list)
    code: str = ""  # the HPO id of a symptom

    @property
    def sources(self) -> list[str]:
        return sorted({m.source for m in self.mentions})


@dataclass(frozen=True)
class Contradiction:
    """Sources that assert and deny the same point."""

    point: str  # our label for the point, e.g. "inherited"
    asserted: list[Mention] = field(default_factory=list)
    denied: list[Mention] = field(default_factory=list)
    label: str = ""  # our wording of the point as a question
    # The sentences of sources that say both (one passage asserts, another denies): left out of both sides.
    self_contradicting: list[Mention] = field(default_factory=list)

    @property
    def inconsistent(self) -> list[str]:
        return sorted({m.source for m in self.self_contradicting})

    @property
    def sources_asserting(self) -> list[str]:
        return sorted({m.source for m in self.asserted})

    @property
    def sources_denying(self) -> list[str]:
        return sorted({m.source for m in self.denied})


@dataclass(frozen=True)
class Staleness:
    """A section much older than another source's section of the same type."""

    section: str
    older: SourcedText
    newer: SourcedText
    years: float


@dataclass
class Comparison:
    agreements: list[Agreement] = field(default_factory=list)
    contradictions: list[Contradiction] = field(default_factory=list)
    stale: list[Staleness] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON, in a stable order (the order :func:`compare` produces)."""
        return {
            "agreements": [
                {"kind": a.kind, "term": a.term, "code": a.code, "sources": a.sources,
                 "mentions": [m.to_json() for m in a.mentions]}
                for a in self.agreements
            ],
            "contradictions": [
                {"point": c.point, "label": c.label, "sources_asserting": c.sources_asserting,
                 "sources_denying": c.sources_denying, "asserted": [m.to_json() for m in c.asserted],
                 "denied": [m.to_json() for m in c.denied], "inconsistent": c.inconsistent,
                 "self_contradicting": [m.to_json() for m in c.self_contradicting]}
                for c in self.contradictions
            ],
            "stale": [
                {"section": s.section, "years": round(s.years, 1), "older": _text_json(s.older),
                 "newer": _text_json(s.newer)}
                for s in self.stale
            ],
        }


def _text_json(text: SourcedText) -> dict[str, str | None]:
    return {"passage_id": text.passage_id, "source": text.source, "section": text.section,
            "updated": text.updated, "tier": text.tier, "document_key": text.document_key}


# Sections where a drug is named as a cause, a risk or an experiment rather than a treatment.
_NO_TERM_SECTIONS = frozenset({SectionType.CAUSES, SectionType.SUSCEPTIBILITY, SectionType.RESEARCH})
# Sections that describe the condition; elsewhere HPO terms are side effects, risk factors or test findings.
_SYMPTOM_SECTIONS = frozenset({
    SectionType.SYMPTOMS, SectionType.INFORMATION, SectionType.COMPLICATIONS, SectionType.OUTLOOK,
    SectionType.STAGES, SectionType.CONSIDERATIONS, SectionType.WHEN_TO_CONTACT,
})
_KIND_ORDER = {TREATMENT: 0, TEST: 1, SYMPTOM: 2}
_RESOURCE_LIST = re.compile(r"^These resources (?:address|from)\b", re.IGNORECASE)
_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_BROADER_DEPTH = 2


@dataclass
class _Found:
    """What one passage's sentences name and claim, keyed so that repeats collapse."""

    terms: dict[tuple[str, str, str], list[Mention]] = field(default_factory=dict)
    claims: dict[tuple[str, bool], list[Mention]] = field(default_factory=dict)


def compare(texts: Sequence[SourcedText], stale_years: float = 5.0, *, drugs: DrugNames | None = None,
            hpo: HPOIndex | None = None, names: Sequence[str] = (), symptoms: bool = True) -> Comparison:
    """Agreements, contradictions and stale sections across the texts of different sources.

    ``drugs``: extra treatment names, either plain names or a mapping from a label (the generic name) to
    its other names (brands, synonyms). ``hpo``: the ontology for symptoms (loaded once per process when
    not given; symptoms are skipped when it is missing or ``symptoms`` is False). ``names``: the condition's
    own names, so that they are neither a symptom ("Stroke" in a stroke record) nor a claim ("Hereditary
    multiple osteochondromas" asserts nothing about heredity).
    """
    lexicon = _lexicon(hpo) if symptoms else None
    vocab = vocabulary(drug_phrases(drugs))
    names_re, excluded = name_pattern(names), name_words(names)
    found = [_scan(text, vocab, lexicon, names_re, excluded) for text in texts]
    return Comparison(
        agreements=_agreements(texts, found, lexicon),
        contradictions=_contradictions(texts, found),
        stale=_stale(texts, stale_years),
    )


def _lexicon(hpo: HPOIndex | None) -> SymptomLexicon | None:
    try:
        return symptom_lexicon(hpo if hpo is not None else load_hpo())
    except ConfigError:
        return None  # no ontology installed: treatments, tests and claims still work


def _scan(text: SourcedText, vocab: Vocabulary, lexicon: SymptomLexicon | None, names_re: re.Pattern[str] | None,
          excluded: Sequence[frozenset[str]]) -> _Found:
    """The terms and claims of one passage's statements."""
    found = _Found()
    for sentence in _statements(text.text):
        hits: list[TermHit] = []
        if text.section not in _NO_TERM_SECTIONS:
            hits += vocab.find(sentence.text)
        if lexicon is not None and text.section in _SYMPTOM_SECTIONS:
            hits += lexicon.find(sentence.text, excluded)
        for hit in _non_overlapping(hits):
            mention = Mention(text.passage_id, text.source, sentence.text, sentence.text[hit.start:hit.end])
            found.terms.setdefault((hit.kind, hit.label, hit.code), []).append(mention)
        for claim in claims(sentence.text, names_re, excluded):
            mention = Mention(text.passage_id, text.source, sentence.text, sentence.text[claim.start:claim.end])
            said = found.claims.setdefault((claim.point, claim.asserted), [])
            if all(m.sentence != mention.sentence for m in said):
                said.append(mention)
    return found


def _statements(text: str) -> list[Sentence]:
    """The passage's sentences that state something: no questions, no items of a list of resources."""
    kept: list[Sentence] = []
    in_resources = False
    for sentence in sentences(text):
        if _RESOURCE_LIST.match(sentence.text):
            in_resources = True
            continue
        if in_resources and sentence.bullet:
            continue
        in_resources = False
        if not sentence.question:
            kept.append(sentence)
    return kept


def _non_overlapping(hits: list[TermHit]) -> list[TermHit]:
    """The longest hit wins where hits overlap ("CT angiography" over "CT", "muscle weakness" over "weakness")."""
    kept: list[TermHit] = []
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def _agreements(texts: Sequence[SourcedText], found: list[_Found],
                lexicon: SymptomLexicon | None) -> list[Agreement]:
    # One mention per passage and term: the first sentence that names it.
    named: dict[tuple[str, str, str], list[Mention]] = {}
    for passage in found:
        for key, mentions in passage.terms.items():
            named.setdefault(key, []).append(mentions[0])
    broader: dict[str, set[str]] = {}
    if lexicon is not None:
        broader = {key[2]: lexicon.broader(key[2], _BROADER_DEPTH) for key in named if key[0] == SYMPTOM}
    agreements: list[Agreement] = []
    for (kind, label, code), mentions in named.items():
        support = list(mentions)
        if kind == SYMPTOM and lexicon is not None and not lexicon.generic(code):
            for (other_kind, _label, other_code), others in named.items():
                if other_kind == SYMPTOM and other_code != code and code in broader[other_code]:
                    support += others
        if len({m.source for m in support}) >= 2:
            agreements.append(Agreement(kind, label, _in_input_order(support, texts), code))
    agreements.sort(key=lambda a: (_KIND_ORDER.get(a.kind, 3), -len(a.sources), a.term.lower()))
    return agreements


def _in_input_order(mentions: list[Mention], texts: Sequence[SourcedText]) -> list[Mention]:
    order = {t.passage_id: i for i, t in reversed(list(enumerate(texts)))}
    unique = list(dict.fromkeys(mentions))
    return sorted(unique, key=lambda m: order.get(m.passage_id, len(order)))


def _contradictions(texts: Sequence[SourcedText], found: list[_Found]) -> list[Contradiction]:
    contradictions: list[Contradiction] = []
    for point in POINTS:
        asserted = [m for passage in found for m in passage.claims.get((point.name, True), [])]
        denied = [m for passage in found for m in passage.claims.get((point.name, False), [])]
        if any(a.source != d.source for a in asserted for d in denied):
            # A source on both sides contradicts itself: it is quoted apart, on neither side.
            both = {m.source for m in asserted} & {m.source for m in denied}
            contradictions.append(Contradiction(
                point.name, _in_input_order([m for m in asserted if m.source not in both], texts),
                _in_input_order([m for m in denied if m.source not in both], texts), POINT_LABELS[point.name],
                _in_input_order([m for m in asserted + denied if m.source in both], texts)))
    return contradictions


def parse_date(value: str | None) -> date | None:
    """An ISO date, year-month or year as a date (the first day of the period); None when absent or unreadable."""
    match = _DATE.match(value or "")
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1))
    except ValueError:
        return None


def _stale(texts: Sequence[SourcedText], stale_years: float) -> list[Staleness]:
    dated = [(t, d) for t in texts if (d := parse_date(t.updated)) is not None]
    stale: list[Staleness] = []
    reported: set[tuple[str, str, date]] = set()
    for text, when in dated:
        others = [(o, d) for o, d in dated if o.section == text.section and o.source != text.source]
        if not others:
            continue
        newer, newest = max(others, key=lambda pair: (pair[1], pair[0].passage_id))
        years = (newest - when).days / 365.25
        key = (text.section, text.source, when)
        if years > stale_years and key not in reported:
            reported.add(key)
            stale.append(Staleness(text.section, text, newer, years))
    stale.sort(key=lambda s: (s.section, -s.years, s.older.source, s.older.passage_id))
    return stale
