"""Answering: quote the best trusted passages for a question, with citations, or abstain.

healthqa writes no medical text of its own: every answer is a passage in its source's words. The
labels, the emergency guidance and the disclaimer below are ours, and say only where to turn.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from healthqa.answer import _names_part
from healthqa.answer.facts import KINDS_FOR, FactItem, fact_passages
from healthqa.answer.gap import AnswerGap, find_gap
from healthqa.answer.lead import choose_lead
from healthqa.answer.lead import key_sentences as lead_sentences
from healthqa.answer.rank import SPECIFIC_NAME, Ranker, Scored, Weights
from healthqa.answer.structured import (
    NAME_TYPES,
    StructuredItem,
    asks_a_medicines_name,
    condition_drug_items,
    drug_items,
    organisation_items,
)
from healthqa.answer.template_type import MAX_WORDS as SHORT_QUESTION_WORDS
from healthqa.answer.template_type import TemplateTypes
from healthqa.answer.wording import DISCLAIMER, EMERGENCY_GUIDANCE, EmergencyAction, emergency_actions, mentioned_only
from healthqa.errors import ConfigError
from healthqa.records import DRUG_SOURCES, SectionType
from healthqa.retrieve import derived
from healthqa.retrieve.encoder import Encoder, Vectors, default_encoder, english_words
from healthqa.retrieve.phrases import PhraseCounter, phrase_counter
from healthqa.store.base import Store
from healthqa.understand import (
    FocusMatch,
    NameIndex,
    Understanding,
    condition_type,
    effect_asked,
    names_as_x,
    normalise,
    understand,
    with_learned_type,
)

log = logging.getLogger("healthqa.answer")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
# Far more than the QUERY_TOKENS word pieces the encoder reads of ordinary text (only a text of words longer than the
# tokenizer's 100 characters, each one unknown piece, can reach past it; its training reads the same cut).
_VECTOR_TEXT_CHARACTERS = 1000


@dataclass
class AnswerItem:
    id: str
    text: str
    source: str
    title: str
    url: str
    date: str | None
    score: float
    section: str
    tier: str
    licence: str
    question: str
    key_sentences: list[str] = field(default_factory=list)


@dataclass
class RelatedQuestion:
    question: str
    id: str


@dataclass
class Answer:
    """The answer to a question: quoted passages with their sources, or an abstention with its reason.

    When the question sounds like an emergency (``emergency``), ``emergency_guidance`` says where to turn in one
    paragraph and ``emergency_actions`` lists the same actions one by one, the most likely first for what the
    question describes, each with its number and a ``tel:`` link (empty when there is no emergency).
    """

    question: str
    focus: list[str]
    type: str
    answers: list[AnswerItem]
    abstained: bool
    emergency: bool
    emergency_guidance: str | None
    related: list[RelatedQuestion]
    disclaimer: str
    understood: str  # the concise form of the question that was searched
    reason: str = ""  # why healthqa abstained
    # Catalogue facts (Orphanet) that answer "how is X inherited / how common / which gene", quoted.
    facts: list[FactItem] = field(default_factory=list)
    # When ``emergency``: what to do now, one action each, the most likely first for what the question describes
    # (Poison Control for something swallowed or breathed in, the crisis line for thoughts of suicide, the
    # emergency number otherwise); ``emergency_guidance`` says the same in one paragraph. Empty otherwise.
    emergency_actions: list[EmergencyAction] = field(default_factory=list)
    # Structured items of the pages the question is about, each cited like a passage: the support
    # organisations for a question asking for them, the drug-table rows of a brand name it mentions.
    structured: list[StructuredItem] = field(default_factory=list)
    # When no passage shown (nor a catalogue fact or structured item) answers the type of question asked: that
    # gap in healthqa's words, with the pages where the trusted sources have it (healthqa.answer.gap); else None.
    gap: AnswerGap | None = None
    # When the question names something no page is about and the passages shown only mention it: that, in
    # healthqa's words (healthqa.answer.wording.mentioned_only); else "".
    mentioned: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Thresholds:
    """When a passage is trustworthy enough to show (tuned on LiveQA/MEDIQA training and dev data)."""

    min_semantic_without_focus: float = 0.62
    min_semantic_with_focus: float = 0.25
    min_score: float = 1.2
    # A name this specific (few passages mention it: loperamide 0.87; LEMS 0.73 by its mentions, 1.0 beside its own
    # pages; "asthma" 0.58, "pain" 0.25) names what the question is about, so answers must be about it (see
    # Answerer._about_named_condition).
    specific_name: float = SPECIFIC_NAME


class Answerer:
    """Answers questions from one knowledge base. Build once; ``ask`` is cheap and thread-safe.

    ``in_memory`` keeps the full-text indexes in memory (seconds to build, milliseconds saved per
    question; see :class:`healthqa.answer.rank.Ranker`): servers and batch runs want it, a single ``ask`` not.
    ``cache_size`` keeps the answers to that many recent questions (exact text and ``top``) in memory, so
    a question asked again is answered without ranking; an answerer belongs to one state of the
    knowledge base (servers build a new one after an ingest), so a cached answer is never stale.

    An answerer never writes to the store: passage vectors are made at ingest (:func:`derived.prepare`), and the
    derived indexes of the store's generation (:mod:`healthqa.retrieve.derived`) are memory-mapped from files
    (built here, once per generation, only where the ingest did not leave them).
    """

    def __init__(
        self,
        store: Store,
        *,
        encoder: Encoder | None = None,
        semantic: bool = True,
        weights: Weights | None = None,
        thresholds: Thresholds | None = None,
        in_memory: bool = False,
        cache_size: int = 0,
    ) -> None:
        self.store = store
        self._cache = _AnswerCache(cache_size)
        self.encoder = (encoder or default_encoder()) if semantic else None
        model = self.encoder.name if self.encoder is not None else None
        # Read from this generation's derived files (built by the ingest, else here, once, by the first process
        # that needs them); the store itself is only read.
        self.derived = derived.ensure(store, model, lexical=in_memory)
        self.drug_mentions = list(store.iter_drug_mentions())
        self.names = name_index(store, self.drug_mentions)
        self.ranker = Ranker(store, self.encoder, weights, in_memory=in_memory, derived=self.derived)
        # Passages without a vector (embedded at ingest: `healthqa ingest`, a server's rebuild) are still found
        # by their words; an answerer never embeds them itself, since that would write to the store.
        self.unembedded = max(0, store.passage_count() - len(self.ranker.index)) if self.encoder is not None else 0
        if self.unembedded:
            log.warning("%d passages have no sentence vector yet: they are found by their words only until an "
                        "ingest embeds them (healthqa ingest)", self.unembedded)
        self.template_types = TemplateTypes(self.encoder) if self.encoder is not None else None
        if in_memory and self.encoder is not None:
            # Long-running answerers (servers, batches) pay the query model's export at start, not on the
            # first person's question.
            self.encoder.prepare_queries()
            if self.template_types is not None:
                self.template_types.prepare()
        self.thresholds = thresholds or Thresholds()
        self._medicine_documents: frozenset[int] | None = None
        self._medicine_lock = threading.Lock()
        if in_memory:
            self._medicine_ids()

    @classmethod
    def prepared(cls, store: Store, *, encoder: Encoder | None = None, **options: Any) -> Answerer:
        """An answerer over ``store`` after the ingest's last step (:func:`derived.prepare`: embed the passages
        without a vector, cache the query models, write the derived indexes): for the writer side, such as a
        server's rebuild after its own ingest. ``options``: as for the constructor."""
        encoder = encoder or default_encoder()
        derived.prepare(store, encoder)
        return cls(store, encoder=encoder, **options)

    def understand(self, question: str, *, learned_type: bool = True) -> Understanding:
        """What ``question`` asks (:func:`healthqa.understand.understand`); a short question that no cue word types
        takes the type of the MedQuAD template it is most like, where that applies
        (:mod:`healthqa.answer.template_type`); then, unless ``learned_type`` is false (its training reads the
        questions without it), the learned reading of three types (:func:`healthqa.understand.with_learned_type`), which
        reads the question's sentence vector: an answerer without the encoder leaves the reading as it is."""
        understood = understand(question, self.names)
        if self.template_types is not None:
            understood = self.template_types.read(understood)
        if learned_type:
            understood = with_learned_type(understood,
                                           vector_of=self.type_vector if self.encoder is not None else None)
        # A condition's complications are a medicine's side effects: "what are the risks of metformin?", "will
        # metformin affect my liver in the long run?" are read in words of living with a condition.
        # (_asked_of_a_medicine reads the phrasing itself: a cue word's "complications of X" stays as it is.)
        if understood.qtype is SectionType.COMPLICATIONS and self._asked_of_a_medicine(understood):
            side_effects = SectionType.SIDE_EFFECTS
            # The learned reading read complications, not side effects: what it decided or confirmed is not kept.
            learned = understood.type_learned
            understood = dataclasses.replace(understood, qtype=side_effects, qtypes=[
                side_effects, *(t for t in understood.qtypes if t not in (side_effects, SectionType.COMPLICATIONS))],
                type_phrased=understood.type_phrased and not learned, type_learned=False)
        return understood

    def type_vector(self, names_x: str) -> Vectors:
        """The sentence vector the learned reading of three types reads for a question written with its names as "X",
        as its training reads it (:mod:`healthqa.mediqa.asked_type_training`). From the float32 question model, as the
        template reader's: the int8 copy is made on each machine and its kernels differ by processor, and a reading
        that turns on a threshold should not change with the machine."""
        if self.encoder is None:
            raise ConfigError("the learned reading's sentence vector needs the encoder (semantic search is off)")
        # The encoder reads the first QUERY_TOKENS word pieces; the cut spares tokenizing a pasted page under the lock
        # every question's encoding waits on.
        return np.asarray(self.encoder.encode_question(names_x[:_VECTOR_TEXT_CHARACTERS]),
                          dtype=np.float32).reshape(-1)

    def _asked_of_a_medicine(self, understood: Understanding) -> bool:
        """Whether the complications a question asks in words of a condition are asked of a medicine it names:
        the phrasing reads with the medicines written as "X" and not with the conditions so written ("I have
        quellosis, what are the risks of zorvexin?"), or, where the words alone read so, the first name is a
        medicine ("what problems can metformin cause?")."""
        medicines = [match for match in understood.focus if self._is_medicine(match)]
        if not medicines:
            return False
        conditions = [match for match in understood.focus if match not in medicines]
        asked = understood.concise or understood.text
        of_medicine = _asks_complications(names_as_x(asked, medicines))
        of_condition = bool(conditions) and _asks_complications(names_as_x(asked, conditions))
        return of_medicine and (not of_condition or understood.focus[0] in medicines)

    def _is_medicine(self, match: FocusMatch) -> bool:
        """A drug table's brand or generic, or a name whose documents all come from the medicine sources
        (:data:`healthqa.records.DRUG_SOURCES`)."""
        return bool(match.generic) or (bool(match.document_ids) and match.document_ids <= self._medicine_ids())

    def _medicine_ids(self) -> frozenset[int]:
        with self._medicine_lock:  # one scan of the document heads, on first use (at start for servers)
            if self._medicine_documents is None:
                self._medicine_documents = frozenset(
                    head.id for head in self.store.iter_document_heads() if head.source in DRUG_SOURCES)
            return self._medicine_documents

    def cached(self, question: str, top: int = 5) -> Answer | None:
        """The cached answer to ``question`` (a copy), or None: costs no ranking, safe on an event loop."""
        return self._cache.get((question, top))

    def ask(self, question: str, top: int = 5) -> Answer:
        cached = self._cache.get((question, top))
        if cached is not None:
            return cached
        answer = self._answer(question, top)
        self._cache.put((question, top), answer)
        return answer

    def _answer(self, question: str, top: int) -> Answer:
        understood = self.understand(question)
        # A comparison looks deeper: one condition's pages may fill the first ten.
        ranked = self.ranker.rank(understood, limit=max(top, 30 if understood.compares else 10))
        # A question that names no known topic may still name something specific: a word as rare as a specific
        # name ("what is 3,4-diaminopyridine?": a medicine no page is about, which pages mention).
        specific = [] if understood.focus else self.ranker.specific_keywords(understood, self.thresholds.specific_name)
        names_something = bool(specific)
        trusted = self._about_named_condition(
            [s for s in ranked if self._trustworthy(s, understood, names_something)], understood)
        facts = []
        if understood.focus and understood.qtype in KINDS_FOR:
            facts = fact_passages(self.store, sorted(understood.focus_documents)[:40], understood.qtype, limit=top,
                                  passages=self.ranker.passages)
        structured = self._structured(understood)
        abstained = not trusted and not facts and not structured
        reason = ""
        if abstained:
            reason = (
                "No passage in the knowledge base is about what you asked."
                if not understood.focus else
                f"The knowledge base has nothing that answers this about {understood.focus[0].name}."
            )
        shown = self._each_side(trusted, understood, top) if understood.compares else trusted[:top]
        answers = [self._item(s, understood) for s in shown]
        # The lead (display only, after the ranking): the sentences of the shown passage that answer the type asked.
        lead = choose_lead(self.store, understood, answers, self.ranker.passages)
        if lead is not None:
            answers[lead.index].key_sentences = lead.sentences
        return Answer(
            question=question,
            focus=[m.name for m in understood.focus],
            type=understood.qtype.value,
            answers=answers,
            abstained=abstained,
            emergency=understood.emergency,
            emergency_guidance=EMERGENCY_GUIDANCE if understood.emergency else None,
            related=self._related(understood, answers),
            disclaimer=DISCLAIMER,
            understood=understood.concise,
            reason=reason,
            facts=facts,
            emergency_actions=emergency_actions(understood.emergency_kind) if understood.emergency else [],
            structured=structured,
            # A lead that quotes what was asked beyond the topic ("LEMS is rare in children.") answers: no gap.
            gap=find_gap(self.store, understood, answers, bool(facts) or _answer_type(structured, understood)
                         or (lead is not None and lead.asked), self.ranker.passages),
            mentioned=mentioned_only(_as_written(question, specific))
            if names_something and shown and shown[0].holds_asked else "",
        )

    def _structured(self, understood: Understanding) -> list[StructuredItem]:
        """The drug-table rows of the brand names the question mentions (or, when it asks what the medicine for a
        condition is called, the rows of the condition's pages), and, for a question asking for support groups,
        the organisations listed by the pages about its focus."""
        items = drug_items(self.store, self.drug_mentions, [m.name for m in understood.focus if m.generic])
        brand_names = understood.qtype.value in NAME_TYPES
        if not items and understood.focus and asks_a_medicines_name(understood.keywords, brand_names):
            # Guessed names too ("lems", "lamburt eaton"): the table is shown beside the passages, restricting nothing.
            items = condition_drug_items(self.store, self.drug_mentions, sorted(understood.focus_documents)[:40])
        if understood.qtype is SectionType.SUPPORT_GROUPS and understood.focus:
            items += organisation_items(self.store, sorted(understood.focus_documents)[:40])
        return items

    def rank_ids(self, question: str, top: int = 10) -> list[tuple[str, float]]:
        """Public ids and scores of the best passages, without abstention (for benchmark runs)."""
        ranked = self.ranker.rank(self.understand(question), limit=top)
        return [(s.passage.public_id, s.score) for s in ranked]

    def _about_named_condition(self, trusted: list[Scored], understood: Understanding) -> list[Scored]:
        """Only the passages about the conditions the question names, when it names a specific one and such
        passages are there: "Is LEMS inherited?" is not answered by another syndrome's inheritance page,
        however closely its wording matches. Everyday names ("pain", "exercise") filter nothing; the pages of its
        other names are kept beside the specific ones' (see below). Either way, type before tier orders the list."""
        # A comparison is about each condition it names, however common.
        named = [m for m in understood.focus if not m.corrected and (
            understood.compares or self.ranker.specificity(m.matched) >= self.thresholds.specific_name)]
        if not named:
            # Type before tier holds for the passages shown too: where the ranking's first passage of the asked
            # type was not trusted (a saved page's exams passage whose lists were lost, for "lems" in lower case, a
            # guess), the next one of that type about the focus still comes before the other types.
            return self.ranker.type_first(trusted, understood)
        # What a named thing causes is answered from its pages too ("can LEMS cause swallowing problems?", where the
        # founding pages mention LEMS so often that it reads as less specific than "swallowing problems"): its
        # complications, or the passage that names what is asked.
        subject = understood.effect_of
        if subject is not None and not subject.corrected and subject not in named:
            named.append(subject)
        # The other names it recognises stay answered though they restrict nothing: a guess ("lems" in lower case)
        # and a name that reads as less specific only because the knowledge base has many pages about it ("does
        # LEMS make paraneoplastic cerebellar degeneration more likely?": LEMS's pages as well as that one's).
        named += [m for m in understood.focus if m not in named and (
            m.corrected or self.ranker.specificity_beside_own_pages(m) >= self.thresholds.specific_name)]
        documents = frozenset().union(*(m.document_ids for m in named))
        names = {normalise(name) for m in named for name in (m.name, m.matched)} - {""}
        about = [s for s in trusted if s.passage.document_id in documents
                 or any(_names_in(name, normalise(s.passage.title)) for name in names)]
        return self.ranker.type_first(about or trusted, understood)

    def _each_side(self, trusted: list[Scored], understood: Understanding, top: int) -> list[Scored]:
        """The best ``top`` of ``trusted``, with the best passage about each condition a comparison names among
        them (in place of the lowest of the others), in the ranking's order."""
        # Positions in ``trusted`` of the passages about each name, worked out once.
        about = [{i for i, s in enumerate(trusted) if self._is_about(s, match)} for match in understood.focus]
        shown = list(range(min(top, len(trusted))))
        for side in about:
            if not side or side.intersection(shown):
                continue
            # The lowest shown passage whose condition keeps another passage shown makes room.
            for k in range(len(shown) - 1, -1, -1):
                if all(len(other.intersection(shown)) > 1 for other in about if shown[k] in other):
                    shown[k] = min(side)
                    break
        return [trusted[i] for i in sorted(shown)]

    @staticmethod
    def _is_about(scored: Scored, match: FocusMatch) -> bool:
        return scored.passage.document_id in match.document_ids or (
            bool(match.name) and _names_in(normalise(match.name), normalise(scored.passage.title)))

    def _trustworthy(self, scored: Scored, understood: Understanding, names_something: bool = False) -> bool:
        t = self.thresholds
        features = scored.features
        # A passage that holds every word of a question naming something specific quotes what it is asked about,
        # though only in passing: a long passage on a condition's treatment that names the medicine asked about
        # is little like "what is <medicine>?" as a whole (semantic 0.16, score 0.99 for the founding pages'
        # 3,4-diaminopyridine), and it answers all the same.
        if names_something and scored.holds_asked:
            return True
        if scored.score < t.min_score:
            return False
        # A passage not embedded yet (see ``unembedded``) is judged as without an encoder: by its words.
        semantic = self.encoder is not None and (
            not self.unembedded or scored.passage.rowid in self.ranker.index.position)
        if features["focus"] or features["title_focus"]:
            # A passage of the type a short question asks, about a condition it names (not a guessed one-word name),
            # answers however unlike the question it reads as a whole (type before tier, issue 16): "how is LEMS
            # confirmed?" and a saved page's exams passage whose lists were lost (semantic 0.21). Short: a long
            # message's cued type is often wrong (LiveQA training messages typed by a cue: right for 0.69 of those of
            # at most 20 words, 0.56 of longer ones); a phrased type is read from the question as a whole, at any
            # length ("What happens during the nerve stimulation study they want to do to see if she has X?"). So
            # does one that holds every content word of the question as written, a guessed name too ("repetitive
            # nerve stimulation lems": the saved page's "Diagnostic Tests", semantic 0.22).
            if understood.qtype is not SectionType.INFORMATION and scored.passage.section == understood.qtype.value:
                short = understood.type_phrased or len(
                    (understood.concise or understood.text).split()) <= SHORT_QUESTION_WORDS
                if features.get("coverage", 0.0) >= 1.0 or (short and any(
                        scored.passage.document_id in m.document_ids for m in understood.focus
                        if not m.corrected or len(m.matched.replace("-", " ").split()) > 1)):
                    return True
            return not semantic or features["semantic"] >= t.min_semantic_with_focus
        if not semantic:
            return features["question_lexical"] >= 0.8
        return features["semantic"] >= t.min_semantic_without_focus

    @staticmethod
    def _item(scored: Scored, understood: Understanding) -> AnswerItem:
        p = scored.passage
        return AnswerItem(
            id=p.public_id, text=p.text, source=p.source, title=p.title, url=p.url, date=p.updated,
            score=round(scored.score, 4), section=p.section, tier=p.tier, licence=p.licence,
            question=scored.question,
        )

    def _related(self, understood: Understanding, answers: list[AnswerItem]) -> list[RelatedQuestion]:
        docs = sorted(understood.focus_documents)[:20]
        if not docs:
            return []
        shown = {a.id for a in answers}
        passages = self.ranker.passages.of_documents(docs, limit=200)
        unshown = [p.public_id for p in passages if p.public_id not in shown]
        questions = self.ranker.passages.questions_answered_by(unshown)
        seen: set[str] = set()
        related: list[RelatedQuestion] = []
        for q in questions:
            key = q.text.lower()
            if key in seen or q.answer_id is None:
                continue
            seen.add(key)
            related.append(RelatedQuestion(q.text, q.answer_id))
        return related[:6]


class _AnswerCache:
    """The answers to the most recently asked questions, least recently used out first; thread-safe.

    It hands out copies: a caller that changes its answer changes nobody else's. Question text stays in
    this process's memory only, like the request that brought it.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[tuple[str, int], Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> Answer | None:
        if not self.size:
            return None
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                return None
            self._answers.move_to_end(key)
        return copy.deepcopy(answer)

    def put(self, key: tuple[str, int], answer: Answer) -> None:
        if not self.size:
            return
        kept = copy.deepcopy(answer)
        with self._lock:
            self._answers[key] = kept
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)


def _asks_complications(names_x: str) -> bool:
    """Whether ``names_x`` asks in words of a condition's complications what the name written as X brings."""
    return condition_type(names_x) is SectionType.COMPLICATIONS or effect_asked(names_x)


def _answer_type(structured: list[StructuredItem], understood: Understanding) -> bool:
    """Whether a structured item answers the type asked: organisations a support-group question, a drug table's
    row what a medicine is or is called ("the side effects of Firdapse" are not in the row that names it)."""
    kinds = {item.kind for item in structured}
    if understood.qtype is SectionType.SUPPORT_GROUPS:
        return "organisation" in kinds
    return "drug" in kinds and understood.qtype in (SectionType.INFORMATION, SectionType.BRAND_NAMES)


def name_index(store: Store, drug_mentions: list[tuple[int, str, str]] | None = None) -> NameIndex:
    """The names of every document of ``store``, as questions are read against them, and the brand names of
    its pages' drug tables (``drug_mentions``: the store's, read from it unless given). A word of the corpus or of
    the sentence encoder's English vocabulary is never taken for a typo of a name.

    Built once per generation of the knowledge base and memory-mapped by every process (the derived part
    ``names``, see :mod:`healthqa.answer._names_part`); built in this process's memory where derived parts are
    off or cannot be written."""
    corpus_word = corpus_word_test(phrase_counter(store))

    def build() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        index = _built_name_index(store, drug_mentions, corpus_word)
        return _names_part.pack(index, _names_part.frequent_terms(store, _CORPUS_WORD_PASSAGES))

    def read(arrays: Mapping[str, np.ndarray], manifest: dict[str, Any]) -> NameIndex:
        return _names_part.read(arrays, manifest, corpus_word)

    mapped = derived.mapped_part(store, _names_part.PART, build, read, version=_names_part.VERSION)
    return mapped if mapped is not None else _built_name_index(store, drug_mentions, corpus_word)


def _built_name_index(
    store: Store, drug_mentions: list[tuple[int, str, str]] | None, corpus_word: Callable[[str], bool]
) -> NameIndex:
    sources = {head.id: head.source for head in store.iter_document_heads()}
    brands = store.iter_drug_mentions() if drug_mentions is None else drug_mentions
    return NameIndex(store.iter_names(), known_word=corpus_word, sources=sources,
                     reads_as_abbreviation=lowercase_abbreviation_test(store), dictionary=english_words(),
                     brands=brands)


_CORPUS_WORD_PASSAGES = 3


def corpus_word_test(store: PhraseCounter, passages: int = _CORPUS_WORD_PASSAGES) -> Callable[[str], bool]:
    """Whether a word occurs in at least ``passages`` passages: a word of the corpus, not a typo (``store``: a
    store, or what counts its phrases on this machine)."""

    @functools.lru_cache(maxsize=50_000)
    def known(word: str) -> bool:
        return store.phrase_frequency(word, cap=passages) >= passages

    return known


def lowercase_abbreviation_test(
    store: Store, passages: int = 200, three_letter_mentions: int = 10
) -> Callable[[str], bool]:
    """Whether a word a question writes in lower case reads as the abbreviation spelled the same.

    People type "copd", "gerd" or "hiv"; but "sad", "cat" and "all" are everyday words as well as SAD, CAT
    and ALL. A word reads as the abbreviation when the passages that mention it most (at most
    ``passages``) never write it in lower case, and, for three letters ("med", "atm" are chat words that
    are also some rare syndrome's abbreviation), when at least ``three_letter_mentions`` passages use it.
    """

    @functools.lru_cache(maxsize=10_000)
    def reads_as_abbreviation(word: str) -> bool:
        if len(word) <= 3 and store.phrase_frequency(word, cap=three_letter_mentions) < three_letter_mentions:
            return False
        pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
        return not any(pattern.search(passage.text) or pattern.search(passage.title)
                       for passage, _ in store.search_passages(word, passages))

    return reads_as_abbreviation


def key_sentences(text: str, understood: Understanding, limit: int = 2) -> list[str]:
    """The sentences of ``text`` that answer most directly, as exact substrings, in text order (see
    :func:`healthqa.answer.lead.key_sentences`)."""
    return lead_sentences(text, understood, limit)


def _as_written(question: str, keywords: list[str]) -> str:
    """The words of ``question`` as written that hold ``keywords`` ("3,4-diaminopyridine" for "diaminopyridin")."""
    written = []
    for word in keywords:
        found = re.search(rf"[\w,.'-]*{re.escape(word)}[\w'-]*", question, re.IGNORECASE)
        written.append(found.group(0).strip(",.'-") if found else word)
    return " ".join(dict.fromkeys(written))


def _names_in(name: str, title: str) -> bool:
    """Whether a normalised ``title`` holds the normalised ``name`` as whole words, the last one maybe plural
    ("cochlear implant" is in "cochlear implants"; "lems" is not in "swallowing problems")."""
    spaced = f" {title} "
    return f" {name} " in spaced or f" {name}s " in spaced
