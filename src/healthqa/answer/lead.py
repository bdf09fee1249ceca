"""The lead of an answer: the sentence or two, quoted, that answer the question's type about its focus.

Shared words are a poor guide: "what causes gout" shares "causes" with "It causes swollen joints", a sentence
about what gout does; "what is LEMS" shares "LEMS" with a passage on LEMS and anaesthesia. So the lead comes from
the best passage of the asked type about the focus (a passage filed under that type, else an overview with a
sentence that speaks of it), a reviewed source's before any unreviewed one's, and within it from the sentences
that carry the type's cue words (the cue lists of :mod:`healthqa.understand`, read here in a passage's voice:
"caused by", not the verb "causes") and name the focus.

The lead is for display only: it is chosen after the ranking, from the passages already shown, and changes
neither their order nor their scores. It quotes; it never rewrites.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from healthqa.answer.asked import asked_terms, name_terms
from healthqa.answer.gap import Shown, about_subject, answered_type
from healthqa.records import SectionType, Tier, announces_list
from healthqa.retrieve.lexical import term_sets
from healthqa.retrieve.passages import PassageTable
from healthqa.store.base import Store
from healthqa.understand import Understanding, content_words, normalise, type_cue

LEAD_SENTENCES = 2
# A sentence ends at its stop, or where a paragraph does (a line break; MedQuAD keeps paragraphs as runs of spaces,
# and a list's last item has no stop: "- Sore throat        Is it a cold or the flu?").
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])|(?<=[\w)])\s{6,}(?=[A-Z])|\s*\n\s*")
_LIST_ITEM = re.compile(r"\s-\s+\w")
# A list that goes on from the sentence before it ("They may include - Chills - Cough"), not one of its own.
_LIST_GOES_ON = re.compile(r"^(they|these|this|it|symptoms|signs)\b[^.]{0,40}?\b(include|including|are)\b",
                           re.IGNORECASE)
_MIN_SENTENCE = 20
# GARD's symptom pages end with the Human Phenotype Ontology's table, flattened into text: a list of terms with
# frequencies and ids, announced ("If the information is available, the table below includes how often the symptom
# is seen ...") and explained ("The frequency of a sign or symptom is usually listed as a rough estimate ...") in
# 2,251 passages; none of it is a sentence a person reads as the answer, so a passage's sentences end where it
# starts (those two led 28 of 30 sampled "what are the symptoms of <GARD condition>?" answers before).
_TABLE = re.compile(r"Human Phenotype Ontology|Approximate number of patients|\bHPO\b|HP:\d{7}|\bthe table below\b",
                    re.IGNORECASE)

# How a passage says what a question of each type asks, where that differs from how a question asks it (the cue
# lists of healthqa.understand, used for every other type). A cause is "caused by" or "happens when", not the
# verb "causes" ("It causes swollen joints" tells what gout does); how common is said with numbers and "rare".
_PASSAGE_CUES: dict[SectionType, re.Pattern[str]] = {
    SectionType.INFORMATION: re.compile(
        r"\b(is|are) (a|an|the|one of|any|rare|common|chronic|inherited)\b|\brefers? to\b|\bis (a )?term\b|"
        r"\bcharacteri[sz]ed by\b", re.IGNORECASE),
    SectionType.CAUSES: re.compile(
        r"\b(is|are|be|was|were|often|usually|mostly|mainly) caused\b|\bcaused by\b|\bcauses? of\b|"
        r"\bcauses? (include|are|is)\b|\bdue to\b|\b(happens?|occurs?|develops?|starts?) (when|if|because)\b|"
        r"\bresults? (from|when)\b|\bbecause of\b|\btriggered by\b|\bbuilds? up\b|\bcontagious\b|\binfectious\b|"
        # Contagion: how it passes between people, not how a substance passes through the body.
        r"\b(pass(es|ed)?|spreads?|spread|transmitted|caught)\b (\w+ ){0,3}?(through the air|from (one )?person|"
        r"between people|from human|by (contact|touch|cough\w*|sneez\w*|droplets)|to (other|another) (people|person))",
        re.IGNORECASE),
    SectionType.FREQUENCY: re.compile(
        # "is rare" says how common; "a rare disorder" says what it is.
        r"\b(is|are) (very |quite |extremely |relatively |fairly )?(rare|uncommon|common)\b(?! \w+ (disorder|disease|"
        r"condition|syndrome))|\b(prevalen\w*|incidence)\b|\baffects? (about|approximately|an estimated|around|"
        r"nearly|more than|fewer than|\d)|\b\d[\d,.]* (in|out of|per) (\d|every)|\b(estimated|percent)\b|%",
        re.IGNORECASE),
    SectionType.OUTLOOK: re.compile(
        r"\b(prognos\w*|outlook|life expectancy|surviv\w*|recover\w*|fatal|curable|cure[sd]?|go(es)? away|"
        r"last(s)? (for )?(about |a few |several )?(\d|days|weeks|months|years)|(days|weeks) to)\b",
        re.IGNORECASE),
    SectionType.INHERITANCE: re.compile(
        r"\binherit\w*|\bheredit\w*|\bautosomal\b|\bX-linked\b|\bgenetic predisposition\b|\bpassed (down|on)\b|"
        r"\b(dominant|recessive)\b|\bpattern of inheritance\b", re.IGNORECASE),
}
_TIER_ORDER = {Tier.GOVERNMENT_REVIEWED.value: 0, Tier.REVIEWED_PUBLISHER.value: 1, Tier.UNREVIEWED.value: 2}


class Quotable(Shown, Protocol):
    """What the lead needs of a passage shown (an :class:`~healthqa.answer.answerer.AnswerItem`): what the gap
    reads, and its source's tier."""

    @property
    def tier(self) -> str: ...


@dataclass(frozen=True)
class LeadChoice:
    """The passage the lead quotes (its index among those shown) and its sentences, exact substrings of it."""

    index: int
    sentences: list[str]
    # Whether the sentences hold all the question asks beyond its topic (asked_lead): then they answer it, whatever
    # type the passage is filed under.
    asked: bool = False


def sentence_cue(qtype: SectionType) -> re.Pattern[str] | None:
    """The words by which a passage's sentence speaks of ``qtype`` (None where no list is kept for it)."""
    return _PASSAGE_CUES.get(qtype) or type_cue(qtype)


def sentences_of(text: str) -> list[str]:
    """The sentences of ``text`` that could answer, stripped (exact substrings): not a question restated (GARD
    answers open with theirs), not a scrap, nothing from a GARD page's phenotype table on (see _TABLE)."""
    found = [s.strip() for s in _SENTENCE.split(text)]
    table = next((i for i, s in enumerate(found) if _TABLE.search(s)), len(found))  # the table and all after it
    return [s for s in found[:table] if len(s) > _MIN_SENTENCE and not s.endswith("?")]


def focus_names(understood: Understanding) -> list[str]:
    """The names the question gives its focus (normalised): the knowledge base's, the words it wrote, the
    expansion of an abbreviation, a brand's generic."""
    names = {normalise(name) for m in understood.focus for name in (m.name, m.matched, m.expansion, m.generic)}
    return sorted(names - {""}, key=len, reverse=True)


def _names_focus(sentence: str, names: Sequence[str]) -> bool:
    words = f" {normalise(sentence)} "
    return any(f" {name} " in words for name in names)


def speaks_of(sentence: str, qtype: SectionType, names: Sequence[str]) -> bool:
    """Whether ``sentence`` carries the cues of ``qtype``; for the general type, whether it says what the focus is
    ("Gout is a common, painful form of arthritis", not "You are more likely to get gout if you - Are a man")."""
    cue = sentence_cue(qtype)
    if cue is None or not cue.search(sentence):
        return False
    if qtype is not SectionType.INFORMATION:
        return True
    opening = normalise(sentence)
    return any(re.match(rf"(the )?{re.escape(name)}( \w+){{0,3}}? (is|are|refers)\b", opening) for name in names)


def sentence_score(sentence: str, qtype: SectionType, names: Sequence[str], keywords: frozenset[str]) -> float:
    """How well ``sentence`` answers a question of ``qtype`` about ``names``: its type's cue words count most,
    then naming the focus, then the question's other words."""
    score = 2.0 if speaks_of(sentence, qtype, names) else 0.0
    if _names_focus(sentence, names):
        score += 1.0
    return score + 0.2 * len(set(content_words(sentence)) & keywords)


def key_sentences(text: str, understood: Understanding, limit: int = LEAD_SENTENCES) -> list[str]:
    """The sentences of ``text`` that answer the question most directly, in text order (exact substrings).

    Sentences that carry the type's cues are preferred, the first of equals first; where none does (a passage
    filed under the type asked answers it as a whole), the passage's first sentences are."""
    found = sentences_of(text)
    # A sentence that announces a list ("..., and include:") says nothing without it: kept only when it follows.
    sentences = [s for i, s in enumerate(found)
                 if not announces_list(s) or (i + 1 < len(found) and _LIST_ITEM.search(found[i + 1]))]
    if len(sentences) <= limit:
        return sentences
    names = focus_names(understood)
    keywords = frozenset(understood.keywords) - {w for name in names for w in name.split()}
    # The sentences that speak of the type asked, else those naming the focus, else the passage's first ones.
    pool = [i for i, s in enumerate(sentences) if speaks_of(s, understood.qtype, names)]
    if not pool and understood.qtype is SectionType.INFORMATION:
        return sentences[:limit]  # an overview that defines no name of the focus: its opening, in its order
    pool = pool or [i for i, s in enumerate(sentences) if _names_focus(s, names)]
    if not pool:
        return sentences[:limit]
    best = sorted(pool, key=lambda i: (-sentence_score(sentences[i], understood.qtype, names, keywords), i))[:limit]
    top = best[0]
    # "Symptoms come on suddenly. They may include - Chills - Cough": the list that follows is the answer.
    follows = sentences[top + 1] if top + 1 < len(sentences) else ""
    if limit > 1 and _LIST_ITEM.search(follows) and (announces_list(sentences[top]) or _LIST_GOES_ON.match(follows)):
        best = [top, top + 1]
    return [sentences[i] for i in sorted(best)]


def asked_lead(understood: Understanding, shown: Sequence[Quotable], table: PassageTable) -> LeadChoice | None:
    """The first passage shown, led by its first sentence that holds all the question asks beyond the passage's
    topic ("does LEMS affect breathing?": the sentence that says "breathing"; see Ranker._asked_first, which puts
    such a passage first); None when that passage is about none of the question's topics, the question asks
    nothing beyond them, or no sentence holds it all."""
    asked = asked_terms(understood)
    if not shown or not asked:
        return None
    first = shown[0]
    own: set[str] = set()
    for match in understood.focus:
        if about_subject(table, first, match):
            own |= name_terms(match)
    beyond = set(asked) - own
    # A passage about no topic the question names leads as any other would (a question naming none asks its words).
    if (understood.focus and not own) or not beyond:
        return None
    sentences = sentences_of(first.text)
    # One tokenizing pass over the sentences (each a row), not one per sentence.
    for i, (sentence, terms) in enumerate(zip(sentences, term_sets([(s,) for s in sentences]), strict=True)):
        if beyond <= terms:
            follows = sentences[i + 1] if i + 1 < len(sentences) else ""
            if announces_list(sentence):
                if not _LIST_ITEM.search(follows):
                    continue  # a list its page lost: the sentence alone says nothing
                return LeadChoice(0, [sentence, follows][:LEAD_SENTENCES], asked=True)
            return LeadChoice(0, [sentence], asked=True)
    return None


def choose_lead(store: Store, understood: Understanding, shown: Sequence[Quotable],
                passages: PassageTable | None = None) -> LeadChoice | None:
    """The passage of ``shown`` whose sentences lead the answer, with those sentences; None when no passage
    shown answers the type asked (a gap, a catalogue fact or a listed organisation then speaks first).

    A candidate answers the type asked: it is filed under it (its section, or the type its own question asks),
    or it is an overview ("information") with a sentence carrying the type's cues. Candidates about the focus
    come first (only they, when there are any), then reviewed sources (an unreviewed source never leads while a
    reviewed one answers), passages filed under the type, passages titled with the focus's own name, the best
    sentence, the ranking's order."""
    qtype = understood.qtype
    table = passages or PassageTable(store)
    asked = asked_lead(understood, shown, table)
    if asked is not None:
        return asked
    names = focus_names(understood)
    keywords = frozenset(understood.keywords) - {w for name in names for w in name.split()}
    candidates: list[tuple[tuple[float, ...], int]] = []
    about_any = False
    for index, passage in enumerate(shown):
        sentences = sentences_of(passage.text)
        if not sentences:
            continue
        filed = answered_type(passage.section, passage.question) == qtype.value
        overview = answered_type(passage.section, passage.question) == SectionType.INFORMATION.value
        # A general question may be led by any passage (the overview first); a typed one only by a passage filed
        # under its type, or an overview that speaks of it.
        if not (filed or qtype is SectionType.INFORMATION
                or (overview and any(speaks_of(s, qtype, names) for s in sentences))):
            continue
        best = max((sentence_score(s, qtype, names, keywords) for s in sentences), default=0.0)
        about = not understood.focus or any(about_subject(table, passage, match) for match in understood.focus)
        about_any = about_any or about
        titled = normalise(passage.title) in names
        reviewed = passage.tier != Tier.UNREVIEWED.value
        key = (float(about), float(reviewed), float(filed), float(titled), best,
               -float(_TIER_ORDER.get(passage.tier, 3)), -float(index))
        candidates.append((key, index))
    if about_any:
        candidates = [c for c in candidates if c[0][0]]
    if not candidates:
        return None
    _, index = max(candidates)
    return LeadChoice(index, key_sentences(shown[index].text, understood))
