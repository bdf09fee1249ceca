"""Ranking: gather candidate passages from several retrievers and score them on shared evidence.

Candidates come from full-text search over passages, full-text search over the knowledge base's own
FAQ questions (a stored question that matches the person's question brings its answer), a dense
search over sentence embeddings of those questions, and the passages of the documents about the
recognised focus. Each candidate is scored by a weighted sum of normalised features: lexical
scores, semantic similarity, focus agreement and question-type agreement; then type before tier: the best
passage of the asked type about the focus comes first when it scores near the best (see ``Weights``). The
question's sentence vector passes through the learned query adapter (:class:`healthqa.learned.QueryAdapter`) first.
A learned ranker (:mod:`healthqa.learned.ranker`, off unless given or switched on) may re-order the best candidates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from healthqa import learned
from healthqa.answer._learned_order import LEARNED_FEATURES as LEARNED_FEATURES
from healthqa.answer._learned_order import learned_features as learned_features
from healthqa.answer._learned_order import learned_order
from healthqa.answer._learned_order import question_keywords as question_keywords
from healthqa.answer._learned_order import type_first_candidate as type_first_candidate
from healthqa.answer._scoring import FEATURES as FEATURES
from healthqa.answer._scoring import QUESTION_AT, SUMMED_FEATURES, TIER_AT, TIER_VALUE
from healthqa.answer._scoring import Scored as Scored
from healthqa.answer._scoring import Weights as Weights
from healthqa.answer.asked import asked_terms, name_terms
from healthqa.answer.structured import NAME_TYPES, NAME_WORDS
from healthqa.learned import ranker as learned_ranker
from healthqa.records import SectionType, without_omission
from healthqa.retrieve.derived import Derived
from healthqa.retrieve.encoder import Encoder
from healthqa.retrieve.lexical import LexicalIndex, passage_index, query_terms, question_index, term_sets
from healthqa.retrieve.passages import PassageTable, mapped_tables
from healthqa.retrieve.phrases import phrase_counter
from healthqa.retrieve.vectors import _BLAS, VectorIndex, build_vectors
from healthqa.store.base import PassageRecord, QuestionRecord, Store
from healthqa.understand import FocusMatch, Understanding, normalise

# Where they were defined before dense retrieval moved to healthqa.retrieve.vectors; importers still use them.
__all__ = ["VectorIndex", "build_vectors"]

# Related question types: a passage of a neighbouring type still partly answers.
_NEAR_TYPES: dict[str, set[str]] = {
    "inheritance": {"genetic changes", "causes", "susceptibility"},
    "genetic changes": {"inheritance", "causes"},
    "causes": {"susceptibility", "genetic changes", "information"},
    "susceptibility": {"causes", "frequency"},
    "treatment": {"usage", "indication", "research"},
    "usage": {"treatment", "indication", "dose"},
    "exams and tests": {"symptoms", "information"},
    "symptoms": {"information", "complications"},
    "outlook": {"complications", "treatment"},
    "complications": {"outlook", "symptoms"},
    "side effects": {"severe reaction", "precautions", "important warning"},
    "interactions with medications": {"precautions", "interactions with foods", "dietary"},
    "dose": {"usage", "forget a dose"},
    "prevention": {"causes", "susceptibility"},
}


_WORDS = re.compile(r"[a-z0-9]+")
_CLAUSE_END = re.compile(r"[.!?:;]\s|\n")
# How many of the best candidates get their coverage computed (tokenized) for a question.
COVERAGE_DEPTH = 30
# A question of a type that asks more than its topic asks something of this type too: "does LEMS cause dry
# mouth?", "can celiac disease cause anemia?" ask what the condition causes (its symptoms, its complications), where
# "what causes LEMS?" (nothing asked beyond the topic) asks its causes.
_ASKED_ALSO: dict[str, set[str]] = {"causes": {"symptoms", "complications"}}
# A word this specific (Ranker.specificity over MedQuAD and the founding pages: loperamide 0.87; LEMS 0.73, in its
# many own pages, see Ranker.specificity_beside_own_pages; "asthma" 0.58, "pain" 0.25) names something:
# a question that names no known topic but such a word asks about it (see Ranker._asked_first and
# healthqa.answer.answerer.Thresholds.specific_name).
SPECIFIC_NAME = 0.8
# How many of the best candidates may be lifted for holding what the question asks (see Ranker._asked_first).
ASKED_DEPTH = 100
# A scored candidate while ranking: (minus its score, public id, row id, its FEATURES values).
Row = tuple[float, str, int, tuple[float, ...]]


class Ranker:
    """Ranks passages for an understood question.

    With ``in_memory`` the full-text scores come from BM25 indexes held in memory (see
    :mod:`healthqa.retrieve.lexical`; about 5 s to build over MedQuAD) instead of the store's FTS5 tables:
    the same formula, ten times faster per question, for answerers that serve many questions.
    ``derived`` (:mod:`healthqa.retrieve.derived`) brings those indexes and the vector index ready-made, memory-
    mapped from the files of the store's generation, instead of computing them here.
    """

    def __init__(
        self, store: Store, encoder: Encoder | None, weights: Weights | None = None, *, in_memory: bool = False,
        learned_ranking: learned_ranker.LearnedRanker | None = None, derived: Derived | None = None,
    ) -> None:
        self.store = store
        # The learned order of the best candidates: the one given, else the shipped one when switched on.
        if learned_ranking is None and learned_ranker.LEARNED_RANKING:
            learned_ranking = learned_ranker.shipped()
        if learned_ranking is not None:
            learned_ranking.model.check_features(LEARNED_FEATURES, "ltr")
        self.learned = learned_ranking
        self.encoder = encoder
        self.weights = weights or Weights()
        self.passage_lexical: LexicalIndex | None = None
        self.question_lexical: LexicalIndex | None = None
        self.questions: Mapping[int, QuestionRecord] = {}
        self.in_memory = in_memory
        passage_lexical = derived.passage_lexical if derived is not None else None
        question_lexical = derived.question_lexical if derived is not None else None
        derived_lexical = passage_lexical is not None and question_lexical is not None
        # The passages and FAQ questions too are mapped from the generation's files, not copied here. A one-off
        # answerer uses them where an ingest left them (then it ranks as a server does, without a database read),
        # and otherwise the store's own searches.
        tables = mapped_tables(store, build_missing=in_memory) if derived_lexical else None
        if derived_lexical and (tables is not None or in_memory):
            self.passage_lexical, self.question_lexical = passage_lexical, question_lexical
            if tables is not None:
                self.passages = PassageTable(store, mapped=tables)
                self.questions = tables[1]
            else:
                self.passages = PassageTable(store, store.iter_passages())
                self.questions = {q.rowid: q for q in store.iter_questions()}
        elif in_memory:
            records = list(store.iter_passages())
            self.passages = PassageTable(store, records)
            self.passage_lexical = passage_index(store, records)
            self.question_lexical, self.questions = question_index(store)
        else:
            self.passages = PassageTable(store)
        if encoder is None:
            self.index = VectorIndex([], [])
        elif derived is not None and derived.vectors is not None and derived.model == encoder.name:
            self.index = derived.vectors
        else:
            self.index = VectorIndex(*store.load_vectors(encoder.name))
        # None: questions are compared as the encoder reads them (another encoder, or a benchmark's baseline).
        self.adapter: learned.QueryAdapter | None = None
        if encoder is not None:
            shipped = learned.query_adapter()  # read only where there are vectors to adapt
            self.adapter = shipped if shipped.encoder == encoder.name else None
        self._passages = max(store.passage_count(), 1)
        # Counted on this machine (a database server's full-text index would cost a round trip per name).
        self.phrases = phrase_counter(store)
        self._mentions: dict[str, int] = {}  # passages that mention a name (at least 1), kept across questions
        self._beside_own: dict[tuple[str, frozenset[int]], float] = {}
        self._titles: dict[str, str] = {}  # passage titles normalised, kept across questions
        self._text_keys: dict[int, int] = {}  # a digest of each passage's text, words case-folded
        self._answered: frozenset[str] | None = None  # public ids that stored questions name, when held here

    def specificity(self, name: str) -> float:
        """1 for a name few passages mention (a rare disease), toward 0 for an everyday word ("exercise")."""
        return self._specificity_of(self._mentioned_in(name))

    def _mentioned_in(self, name: str) -> int:
        """How many passages mention ``name`` (at least 1), counted once."""
        mentions = self._mentions.get(name)
        if mentions is None:
            if len(self._mentions) > 50_000:
                self._mentions.clear()
            mentions = self._mentions[name] = max(self.phrases.phrase_frequency(name), 1)
        return mentions

    def _specificity_of(self, frequency: int) -> float:
        """1 for a name in at most 5 passages, falling with the log of the passages it is in, at least 0.1."""
        floor = min(5, self._passages)
        value = 1.0
        if self._passages > floor:
            value = math.log(self._passages / frequency) / math.log(self._passages / floor)
        return max(0.1, min(1.0, value))

    def specificity_beside_own_pages(self, match: FocusMatch) -> float:
        """:meth:`specificity` of a recognised name counting its mentions less the passages of its own documents
        (all of them, whether they write the name or not: so at least as specific as it is beside its own pages): a
        rare condition that the knowledge base has many pages about names something specific all the same ("LEMS":
        48 passages mention it, 64 are about it; 0.73 by :meth:`specificity`, 1 here), where an everyday word stays
        everyday ("chronic" 0.33, "pain" 0.25)."""
        key = (match.matched, match.document_ids)
        value = self._beside_own.get(key)
        if value is None:
            mentions = self._mentioned_in(match.matched)
            own = len(self.passages.of_documents(sorted(match.document_ids), limit=mentions)) if mentions > 1 else 0
            value = self._specificity_of(max(mentions - own, 1))
            if len(self._beside_own) > 50_000:
                self._beside_own.clear()
            self._beside_own[key] = value
        return value

    def specific_keywords(self, understood: Understanding, least: float = SPECIFIC_NAME) -> list[str]:
        """The question's keywords at least ``least`` specific: words that name something (see SPECIFIC_NAME)."""
        return [word for word in understood.keywords if self.specificity(word) >= least]

    def rank(self, understood: Understanding, limit: int = 10, pool: int = 100) -> list[Scored]:
        query = understood.concise or understood.text
        # Content words only: stopwords match nearly every passage and make full-text search slow.
        terms = " ".join(dict.fromkeys(understood.keywords)) or query
        lexical = {p.rowid: (p, s) for p, s in self._search_passages(terms, pool)}
        question_hits = self._search_questions(terms, pool)
        best_question: dict[str, tuple[float, str]] = {}
        for question, score in question_hits:
            if question.answer_id and score > best_question.get(question.answer_id, (0.0, ""))[0]:
                best_question[question.answer_id] = (score, question.text)
        candidates: dict[int, PassageRecord] = {rowid: p for rowid, (p, _) in lexical.items()}
        by_public = self.passages.by_public_ids(list(best_question))
        question_score: dict[int, tuple[float, str]] = {}
        for public_id, passage in by_public.items():
            candidates[passage.rowid] = passage
            score, text = best_question[public_id]
            if score > question_score.get(passage.rowid, (0.0, ""))[0]:
                question_score[passage.rowid] = (score, text)
        focus_docs = understood.focus_documents
        if focus_docs:
            for passage in self.passages.of_documents(sorted(focus_docs), limit=pool * 4):
                candidates.setdefault(passage.rowid, passage)
        semantic: dict[int, float] = {}
        if self.encoder is not None and len(self.index):
            # A long-running ranker has the int8 ONNX query model ready; a one-off question (``healthqa ask``)
            # takes the exact float32 model (its cached ONNX graph, else torch), never waiting for an export.
            said = understood.expanded[:1000]
            vector = self.encoder.encode_query(said) if self.in_memory else self.encoder.encode_question(said)
            adapter = self.adapter
            if adapter is not None:
                with _BLAS.limit(limits=1, user_api="blas"):  # see _BLAS: no second thread left spinning
                    vector = adapter(vector)
            dense_ids = [rowid for rowid, _ in self.index.nearest(vector, pool)]
            missing = [rowid for rowid in dense_ids if rowid not in candidates]
            for passage in self.passages.by_ids(missing):
                candidates[passage.rowid] = passage
            semantic = self.index.similarity(vector, list(candidates))
            if adapter is not None:
                semantic = {rowid: adapter.similarity(value) for rowid, value in semantic.items()}
        if self.learned is None:
            return self._score(understood, candidates, lexical, question_score, semantic, limit)
        depth = max(limit, self.learned.depth)
        scored = self._score(understood, candidates, lexical, question_score, semantic, depth)
        ordered = learned_order(self.learned, scored, understood, self.weights)
        if scored and scored[0].asked_lifted:  # the passage that holds what is asked stays first in any order
            ordered = [scored[0], *(s for s in ordered if s is not scored[0])]
        return ordered[:limit]

    def _search_passages(self, terms: str, limit: int) -> list[tuple[PassageRecord, float]]:
        if self.passage_lexical is None:
            return self.store.search_passages(terms, limit)
        hits = self.passage_lexical.search(terms, limit)
        found = {p.rowid: p for p in self.passages.by_ids([rowid for rowid, _ in hits])}
        return [(found[rowid], score) for rowid, score in hits if rowid in found]

    def _search_questions(self, terms: str, limit: int) -> list[tuple[QuestionRecord, float]]:
        if self.question_lexical is None:
            return self.store.search_questions(terms, limit)
        return [(self.questions[rowid], score) for rowid, score in self.question_lexical.search(terms, limit)]

    def _score(
        self,
        understood: Understanding,
        candidates: dict[int, PassageRecord],
        lexical: dict[int, tuple[PassageRecord, float]],
        question_score: dict[int, tuple[float, str]],
        semantic: dict[int, float],
        limit: int,
    ) -> list[Scored]:
        """The ``limit`` best candidates, scored; their features are spelled out only for those."""
        weights = [getattr(self.weights, name) for name in SUMMED_FEATURES]
        max_lexical = max((s for _, s in lexical.values()), default=0.0) or 1.0
        max_question = max((s for s, _ in question_score.values()), default=0.0) or 1.0
        # Each recognised name counts by how specific it is: "Loperamide" says more than "diarrhea".
        weighted_focus = [(self.specificity(m.matched), m) for m in understood.focus]
        title_names = [(weight, normalise(name)) for weight, m in weighted_focus for name in (m.name, m.matched)]
        primary = understood.qtype.value
        others = {t.value for t in understood.qtypes[1:]}
        near = _NEAR_TYPES.get(primary, set())
        # A list of a drug's brand names answers a question about its names and nothing else ("can I take cipro
        # with milk?" is not answered by "- Cipro Oral Suspension - Cipro Tablets"): the brand-name question type or
        # a word about names ("what is it called") asks for one.
        names_asked = bool(NAME_TYPES & ({primary} | others)) or not NAME_WORDS.isdisjoint(understood.keywords)
        titles = self._titles  # bounded by the knowledge base's titles
        focus_of: dict[int, float] = {}  # the most specific recognised name of each document
        for weight, match in weighted_focus:
            for document_id in match.document_ids:
                if weight > focus_of.get(document_id, 0.0):
                    focus_of[document_id] = weight
        # Focus and title agreement belong to the document: computed once for its passages.
        by_document: dict[int, tuple[float, float]] = {}
        rows: list[Row] = []
        right_type: set[int] = set()  # candidates of the asked type about the focus
        type_first = primary != SectionType.INFORMATION.value
        type_first_focus = max(self.weights.type_first_specificity, 1e-9)
        for rowid, passage in candidates.items():
            if (passage.section in NAME_TYPES and not names_asked) or _lead_in_only(passage.text):
                continue
            agreement = by_document.get(passage.document_id)
            if agreement is None:
                title = titles.get(passage.title)
                if title is None:
                    title = titles[passage.title] = normalise(passage.title)
                agreement = by_document[passage.document_id] = (
                    focus_of.get(passage.document_id, 0.0),
                    max((weight for weight, n in title_names if n and n in title), default=0.0),
                )
            found = lexical.get(rowid)
            asked = question_score.get(rowid)
            section = passage.section
            values: tuple[float, ...] = (
                found[1] / max_lexical if found is not None else 0.0,
                asked[0] / max_question if asked is not None else 0.0,
                semantic.get(rowid, 0.0),
                agreement[0],
                agreement[1],
                (1.0 if understood.type_cued else self.weights.uncued_type_match) if section == primary else 0.0,
                1.0 if section != primary and (section in others or section in near) else 0.0,
                TIER_VALUE.get(passage.tier, 0.0),
            )
            score = sum(weight * value for weight, value in zip(weights, values, strict=True))
            if type_first and section == primary and max(agreement) >= type_first_focus:
                right_type.add(rowid)
            rows.append((-score, passage.public_id, rowid, (*values, 0.0)))
        # Best first; equal scores by public id (unique among visible passages), which every backend and every
        # ingest of the same sources share, unlike row ids.
        rows.sort()
        rows = self._with_coverage(rows, candidates, understood, max(limit, COVERAGE_DEPTH))
        # Type before tier: the best passage of the asked type about the focus answers first.
        # Whether it answers is judged on relevance alone: not coverage (a passage of another type that repeats the
        # question's words, "what complications can X cause?": a causes passage, does not widen the margin), not
        # authority (issue 16: authority orders answers of equal relevance, it never lifts a wrong-type passage).
        first_right = next((i for i, row in enumerate(rows) if row[2] in right_type), 0)
        if first_right and self._answers_first(rows[first_right], rows[0], candidates[rows[first_right][2]],
                                               understood):
            rows.insert(0, rows.pop(first_right))
        first = rows[0][2] if rows else None
        rows, holder = self._asked_first(rows, candidates, understood)
        lifted = holder is not None and holder != first
        scored: list[Scored] = []
        # A text quoted once is not quoted again: 348 GARD pages share "This condition is inherited in an
        # autosomal recessive pattern ...", and some pages repeat another's answer word for word.
        quoted: set[int] = set()
        text_keys = self._text_keys  # bounded by the knowledge base's passages
        for negative_score, _, rowid, values in rows:
            if len(scored) >= limit:
                break
            passage = candidates[rowid]
            key = text_keys.get(rowid)
            if key is None:
                key = text_keys[rowid] = hash(" ".join(passage.text.split()).casefold())
            if key in quoted:
                continue
            quoted.add(key)
            question = question_score.get(rowid, (0.0, passage.heading))[1]
            scored.append(Scored(passage, -negative_score, dict(zip(FEATURES, values, strict=True)), question,
                                 holds_asked=rowid == holder, asked_lifted=lifted and rowid == holder))
        return scored

    def _answers_first(self, right: Row, first: Row, passage: PassageRecord, understood: Understanding) -> bool:
        """Whether ``right`` (the best passage of the asked type about the focus, ``passage``) answers, and so
        comes before ``first``: its relevance is within the margin of the first's."""
        # A type read from a phrasing ("what problems can X cause?") is surer than one read from a cue word in a
        # long message, whose type is often misread (LiveQA training messages: 0.545 of first types right).
        margin = math.inf if understood.type_phrased else self.weights.type_first_margin
        # A passage that answers no stored question (a saved page's section) cannot match the question's wording
        # on one: the two are compared without that feature.
        unasked = right[3][QUESTION_AT] == 0.0 and not self._answers_a_question(passage)
        return self._relevance(right, unasked) >= self._relevance(first, unasked) - margin

    def type_first(self, scored: list[Scored], understood: Understanding) -> list[Scored]:
        """``scored`` (in ranking order) with type before tier applied as :meth:`rank` applies it to all candidates:
        for a list narrowed after ranking, such as the passages about the conditions a question names, whose first
        may be of another type than the best passage of the asked type left in it ("is a PET scan needed to look
        for small cell lung cancer in LEMS?": the lung cancer exams passage was first of all, a LEMS overview is
        first of LEMS's). A first passage that holds what is asked (:meth:`_asked_first`) stays first."""
        primary = understood.qtype.value
        if not scored or primary == SectionType.INFORMATION.value or scored[0].holds_asked:
            return scored
        least = max(self.weights.type_first_specificity, 1e-9)
        right = next((s for s in scored if s.passage.section == primary
                      and max(s.features.get("focus", 0.0), s.features.get("title_focus", 0.0)) >= least), None)
        if right is None or right is scored[0] or not self._answers_first(
                _row(right), _row(scored[0]), right.passage, understood):
            return scored
        return [right, *(s for s in scored if s is not right)]

    def _asked_first(self, rows: list[Row], candidates: dict[int, PassageRecord], understood: Understanding,
                     ) -> tuple[list[Row], int | None]:
        """``rows`` with the best passage that holds what the question asks first, when the first does not; and
        the row id of the first when it holds it all (None otherwise).

        What a question asks beyond its topic is in the words that are neither a template's (the fitted
        question words: "does", "affect", "caus") nor a name of the topic the passage is about: "breath" in
        "does LEMS affect breathing?" for a passage about LEMS; "dry" and "mouth" in "does LEMS cause dry
        mouth?" for a passage about LEMS, "lem" for one about dry mouth. A passage about a recognised topic that
        holds all of them answers; one that holds none does not, however well it matches the rest (issue 16:
        authority orders answers of equal relevance and never lifts one that does not answer). A question that
        names no topic the knowledge base knows ("what is 3,4-diaminopyridine?") asks all its words of any passage.
        """
        asked = asked_terms(understood)
        if not asked or not rows or self.weights.asked_first <= 0:
            return rows, None
        topics = [match for match in understood.focus if not match.corrected]
        if understood.focus and not topics:  # only guessed names: too unsure to lift anything for them
            return rows, None
        # With no topic, only a question that names something specific asks its words of any passage ("what is
        # 3,4-diaminopyridine?"; not "how do I learn to swim"), and the passage must write that name as the
        # question does: stemmed, "ODD" (the disorder) would be held by "the odds of a crash".
        specific = [] if topics else self.specific_keywords(understood)
        if not topics and not specific:
            return rows, None
        names = [re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE) for word in specific]

        def writes_names(rowid: int) -> bool:
            passage = candidates[rowid]
            said = f"{passage.title} {passage.heading} {passage.text}"
            return all(name.search(said) for name in names)
        own_terms: dict[int, set[str]] = {}  # a document about a recognised name: that name's terms
        for match in topics:
            terms = name_terms(match)
            for document_id in match.document_ids:
                own_terms.setdefault(document_id, set()).update(terms)
        # When a cue named the type, the passage lifted is of that type or a related one: "how do you find out if
        # you have LEMS?" is not answered by a research passage that says "finding", nor "can shingles cause
        # headaches?" by a vaccine's side effects.
        primary = understood.qtype.value
        answering_types = None
        if understood.type_phrased:  # the question as a whole named its type: only that type answers
            answering_types = {primary}
        elif understood.type_cued and primary != SectionType.INFORMATION.value:
            answering_types = {primary, *(t.value for t in understood.qtypes[1:]), *_NEAR_TYPES.get(primary, ()),
                               *_ASKED_ALSO.get(primary, ())}

        def beyond(rowid: int) -> list[str] | None:  # the asked words beyond its topic; None: not liftable
            own = own_terms.get(candidates[rowid].document_id, set() if not topics else None)
            if own is None or (answering_types is not None and candidates[rowid].section not in answering_types):
                return None
            if names and not writes_names(rowid):
                return None
            return [term for term in asked if term not in own]

        first = rows[0][2]
        first_words = [term for term in asked if term not in own_terms.get(candidates[first].document_id, set())]
        if not first_words:
            return rows, None
        if self._holds(first_words, [first], candidates)[0] and (not names or writes_names(first)):
            return rows, first
        # Only passages about a topic (when the question names one) can answer; their words are looked up together.
        about = [(i, words) for i, (_, _, rowid, _) in enumerate(rows[1:ASKED_DEPTH], 1)
                 if (words := beyond(rowid))]
        if not about:
            return rows, None
        lexical = self.passage_lexical
        if lexical is None:  # a one-off answerer: each passage tokenized once
            held_sets = self._term_sets([rows[i][2] for i, _ in about], candidates)
            lifted = next((i for (i, words), held in zip(about, held_sets, strict=True) if held.issuperset(words)), 0)
        else:  # read off the full-text matrix, the rarest word first: most rows drop out at it
            for term in sorted({term for _, words in about for term in words}, key=lexical.postings):
                needing = [k for k, (_, words) in enumerate(about) if term in words]
                if needing:
                    held = lexical.holding([term], [rows[about[k][0]][2] for k in needing])[term].tolist()
                    dropped = {k for k, holds in zip(needing, held, strict=True) if not holds}
                    about = [row for k, row in enumerate(about) if k not in dropped]
                if not about:
                    return rows, None
            lifted = about[0][0]
        if not lifted:
            return rows, None
        rows.insert(0, rows.pop(lifted))
        return rows, rows[0][2]

    def _holds(self, terms: list[str], rowids: list[int], candidates: dict[int, PassageRecord]) -> list[bool]:
        """Whether each of ``rowids``' title, heading or text holds all of ``terms``."""
        if self.passage_lexical is not None:
            holding = self.passage_lexical.holding(terms, rowids)
            return [all(bool(holding[term][k]) for term in terms) for k in range(len(rowids))]
        return [held.issuperset(terms) for held in self._term_sets(rowids, candidates)]

    @staticmethod
    def _term_sets(rowids: list[int], candidates: dict[int, PassageRecord]) -> list[set[str]]:
        return term_sets([(candidates[rowid].title, candidates[rowid].heading, candidates[rowid].text)
                          for rowid in rowids])

    def _answers_a_question(self, passage: PassageRecord) -> bool:
        """Whether a stored question names ``passage`` as its answer (in memory where the ranker holds the
        questions; else one look-up)."""
        if isinstance(self.questions, dict) and self.questions:
            if self._answered is None:
                self._answered = frozenset(q.answer_id for q in self.questions.values() if q.answer_id)
            return passage.public_id in self._answered
        return bool(self.passages.questions_answered_by([passage.public_id]))

    def _relevance(self, row: Row, unasked: bool = False) -> float:
        """A row's score without its coverage and its authority (the tier); ``unasked``: nor its match with a
        stored question."""
        values = row[3]
        relevance = -row[0] - self.weights.coverage * values[-1] - self.weights.tier * values[TIER_AT]
        return relevance - self.weights.question_lexical * values[QUESTION_AT] if unasked else relevance

    def _with_coverage(
        self, rows: list[Row], candidates: dict[int, PassageRecord], understood: Understanding, depth: int,
    ) -> list[Row]:
        """``rows`` (sorted) with the coverage of the best ``depth`` added to their scores, sorted again; the rest
        keep coverage 0 and stay below them (coverage only adds)."""
        weight = self.weights.coverage
        asked = set(query_terms(" ".join(understood.keywords)))
        if weight <= 0 or not asked:
            return rows
        best = rows[:depth]
        rowids = [rowid for _, _, rowid, _ in best]
        if self.passage_lexical is not None:  # the same terms, read off the full-text matrix (no tokenizing)
            held = self.passage_lexical.held(asked, rowids).tolist()
        else:
            texts = [(candidates[rowid].title, candidates[rowid].heading, candidates[rowid].text) for rowid in rowids]
            held = [len(asked & terms) for terms in term_sets(texts)]
        covered: list[Row] = []
        for (negative_score, public_id, rowid, values), count in zip(best, held, strict=True):
            share = count / len(asked)
            covered.append((negative_score - weight * share, public_id, rowid, (*values[:-1], share)))
        covered.sort()
        return covered + rows[depth:]


def _lead_in_only(text: str) -> bool:
    """Whether a passage is only the sentence that introduces a list its page lost ("Complications of LEMS may
    include:", a saved page whose list items were not kept): it answers nothing, however well it matches."""
    said = without_omission(text)
    return said.endswith(":") and not _CLAUSE_END.search(said[:-1])


def _row(scored: Scored) -> Row:
    """A scored passage as the ranking's row (its features in FEATURES order)."""
    return (-scored.score, scored.passage.public_id, scored.passage.rowid,
            tuple(scored.features.get(name, 0.0) for name in FEATURES))
