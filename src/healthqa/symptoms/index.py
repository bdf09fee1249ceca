"""The symptom index: every disorder's features (Orphanet's, HPO's and its definition's) and the scorer over them.

The scorer is a likelihood ratio in the manner of LIRICAL (Robinson et al. 2020) with Phenomizer's
ontology-aware matching (Köhler et al. 2009). For a query term ``q`` and a disorder ``d``::

    P(q | d)  = max over d's features a of  f(a) * k(q, a)
    LR(q, d)  = (P(q | d) + noise) / mean over all disorders d' of (P(q | d') + noise)
    score(d)  = sum over q of log LR(q, d)  +  sum over d's features a no query term explains of
                log(1 - absent * f(a))

- ``f(a)``: how often the feature occurs (0..1; :data:`DEFAULT_FREQUENCY` when no source says). Each
  feature is present or not on its own, so a disorder gains from a feature only when the person has it.
- ``k(q, a)``, how a person with feature ``a`` comes to report ``q`` (:class:`Params`): 1 when ``q`` is
  ``a`` or more general (a person with a "Focal seizure" has a "Seizure"); ``specific * p(q) / p(a)``
  when ``q`` is more specific than ``a`` (the share of ``a``'s disorders that ``q`` singles out);
  ``similar * p(q) / p(MICA)`` for any other pair, MICA their most informative common ancestor. ``p(c)``
  is the share of disorders with ``c`` or a term below it (IC = -log p), over the merged features.
- Dividing by the mean over all disorders makes the ratio one against the background: a general term
  favours the disorders whose features lie under it, as much as they are rarer than average.
- ``noise`` bounds what one unrelated term can cost (real patients have features no record lists).
- The last sum is the absent-feature evidence, kept weak (``absent`` = 0.1: a very frequent feature that
  the person does not mention costs about 0.1 nats). It is also the prior: a disorder with many recorded
  features matches more terms by chance, and pays for each of its frequent features left unexplained.
  A feature counts as explained when a query term is it, above or below it, or shares with it an ancestor
  of IC >= :data:`EXPLAINED_IC`.

The weights were chosen by cross-validation grouped by disease on the real dev cases
(``benchmarks/phenopackets.py``), and checked on the simulated patients (``benchmarks/phenomizer.py``).
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from healthqa.errors import ConfigError
from healthqa.records import ParsedDocument
from healthqa.store.base import Store
from healthqa.symptoms._arrays import (
    DEFAULT_FREQUENCY as DEFAULT_FREQUENCY,
)
from healthqa.symptoms._arrays import (
    PART_VERSION,
    Features,
    IndexArrays,
    Parents,
    Sources,
    UnknownFrequency,
    file_identity,
    index_arrays,
    part_name,
    urgency_from_json,
    urgency_json,
)
from healthqa.symptoms.hpo import PHENOTYPIC_ABNORMALITY, ROOT, HPOIndex, load_hpo
from healthqa.symptoms.knowledge import EXACT_OMIM, ORPHANET, HpoaAnnotation, default_hpoa, read_hpoa
from healthqa.symptoms.urgency import (
    ConditionLinks,
    UrgencyNotice,
    UrgencyStatement,
    find_statements,
    urgency_notice,
)

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
# A second stage: every disorder's position, best first, from the resolved query terms and the scorer's scores.
Reorder = Callable[["SymptomIndex", Sequence[str], FloatArray], npt.NDArray[np.int64]]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Params:
    """The scorer's weights (module docstring); chosen by grouped cross-validation on the dev cases."""

    specific: float = 0.3  # a more specific term than the feature: specific * p(term) / p(feature)
    similar: float = 0.01  # any other term, by what it shares: similar * p(term) / p(MICA)
    noise: float = 0.001  # added to every P(q | d): bounds what an unrelated term can cost
    absent: float = 0.1  # a feature not described: log(1 - absent * frequency)


DEFAULTS = Params()
VERY_FREQUENT = 0.8
EXPLAINED_IC = 3.0  # a shared ancestor this specific (held by < 1 disorder in 20) explains a feature
MATCH_IC = 2.0  # shown as a match on the page: a shared ancestor held by < 1 disorder in 7


class Feature(NamedTuple):
    """A recorded feature of a disorder: HPO id, term, frequency (0..1 or None); ``query`` is the person's
    term it matched, when it did; ``sources`` say who records it (Orphanet, HPO annotation of OMIM:n)."""

    hpo_id: str
    term: str
    frequency: float | None
    query: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiseaseMatch:
    name: str
    orpha: str
    score: float
    matched: list[Feature]
    missing: list[Feature]
    document_id: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "orpha": self.orpha, "score": round(self.score, 4),
            "matched": [_feature_json(f) for f in self.matched], "missing": [_feature_json(f) for f in self.missing],
        }


def _feature_json(feature: Feature) -> dict[str, Any]:
    return {**feature._asdict(), "sources": list(feature.sources)}


@dataclass(frozen=True)
class Disorder:
    """An Orphanet disorder as the index needs it: its store id, code, label, exactly mapped OMIM codes
    and parent groups ((ORPHA code, label))."""

    document_id: int
    orpha: str
    label: str
    omim: tuple[str, ...] = ()
    parents: tuple[tuple[str, str], ...] = field(default=())


class SymptomIndex:
    """Every disorder's merged features prepared for scoring: built once, queried many times."""

    def __init__(
        self,
        disorders: Sequence[Disorder],
        orphanet: Mapping[int, Sequence[tuple[str, float | None]]],
        hpo: HPOIndex,
        hpoa: Mapping[str, Sequence[HpoaAnnotation]] | None = None,
        cache_size: int = 256,
        urgency: Mapping[str, Sequence[UrgencyStatement]] | None = None,
        described: Mapping[int, Sequence[str]] | None = None,
    ) -> None:
        """``orphanet``: Orphanet's (HPO id, frequency) by document id; ``hpoa``: HPO's annotations by
        disease ("OMIM:n", "ORPHA:n"), merged in when given (:func:`~healthqa.symptoms.knowledge.merge_features`).
        ``cache_size``: how many query terms keep their vectors. ``urgency``: ORPHA code -> the sources'
        statements that the disorder needs urgent care (:func:`~healthqa.symptoms.urgency.find_statements`).
        ``described``: the terms each disorder's definition names, by document id (:meth:`HPOIndex.terms_in`)."""
        arrays = index_arrays(disorders, orphanet, hpo, hpoa, described)
        self._adopt(IndexArrays(arrays), hpo, urgency or {}, cache_size)

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], hpo: HPOIndex,
        urgency: Mapping[str, Sequence[UrgencyStatement]] | None = None, cache_size: int = 256,
    ) -> SymptomIndex:
        """The index over the arrays of :func:`~healthqa.symptoms._arrays.index_arrays` (memory-mapped: nothing
        is computed); ``KeyError`` or ``ValueError`` when they are not such arrays."""
        index = cls.__new__(cls)
        index._adopt(IndexArrays(arrays), hpo, urgency or {}, cache_size)
        return index

    def _adopt(
        self, arrays: IndexArrays, hpo: HPOIndex, urgency: Mapping[str, Sequence[UrgencyStatement]], cache_size: int,
    ) -> None:
        self.hpo = hpo
        self.urgency = urgency
        self._arrays = arrays
        self.document_ids = arrays.document_ids
        self.orpha: Sequence[str] = arrays.orpha
        self.labels: Sequence[str] = arrays.labels
        # Read from the arrays when asked: a dict per disorder would cost every process its own copy.
        self.features: Sequence[dict[str, float]] = Features(arrays)
        self.sources: Sequence[dict[str, tuple[str, ...]]] = Sources(arrays)
        self._unknown_frequency: Mapping[int, frozenset[str]] = UnknownFrequency(arrays)
        self.parents: Mapping[str, tuple[tuple[str, str], ...]] = Parents(arrays)
        self.terms: Sequence[str] = arrays.terms
        self.term_index: Mapping[str, int] = arrays.term_index
        self.universe_index: Mapping[str, int] = arrays.universe_index
        self.ancestor_matrix = arrays.ancestor_matrix
        self.ic: FloatArray = arrays.ic
        self.term_ic: FloatArray = arrays.term_ic
        # One row per (disorder, feature), grouped by disorder: the scorer works on these 1-D arrays.
        self.annotation_disease = arrays.annotation_disease
        self.annotation_term = arrays.annotation_term
        self.annotation_frequency: FloatArray = arrays.annotation_frequency
        self.disease_start = arrays.disease_start
        self._mica = lru_cache(maxsize=cache_size)(self._mica_uncached)
        self._kernel = lru_cache(maxsize=cache_size)(self._kernel_uncached)

    @classmethod
    def from_store(
        cls, store: Store, hpo: HPOIndex | None = None, merge: bool = True, conditions: ConditionLinks | None = None,
    ) -> SymptomIndex:
        """The index of the store's Orphanet disorders, with HPO's annotations merged in (``merge``): those of
        the disorder's ORPHA code and of the OMIM codes stored as exact mappings (system ``EXACT_OMIM``), the
        terms Orphanet's definition of each disorder names (:meth:`HPOIndex.terms_in`), and the sources' urgency
        statements, read through the store's condition index (``conditions``, a
        :class:`healthqa.conditions.DiseaseIndex`; without it, Orphanet's definitions only).

        Built once per generation of the knowledge base and memory-mapped by every process after
        (:func:`healthqa.retrieve.derived.mapped_part`); built in memory where that is switched off or there is
        no folder for it. One part per ontology file, annotations file and way of building."""
        from healthqa.retrieve.derived import mapped_part  # a later pipeline step: imported when used

        ontology = hpo or load_hpo()
        identity = (
            file_identity(ontology.path), file_identity(default_hpoa()) if merge else "not merged",
            "linked conditions" if conditions is not None else "single documents",
        )

        def build() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
            arrays, urgency = _store_arrays(store, ontology, merge, conditions)
            return arrays, {"urgency": urgency_json(urgency), "built_from": list(identity)}

        def read(arrays: Mapping[str, np.ndarray], manifest: dict[str, Any]) -> SymptomIndex:
            if manifest.get("built_from") != list(identity):
                raise ValueError("built from other files")
            return cls.from_arrays(arrays, ontology, urgency_from_json(manifest["urgency"]))

        mapped = mapped_part(store, part_name(*identity), build, read, version=PART_VERSION)
        if mapped is not None:
            return mapped
        arrays, urgency = _store_arrays(store, ontology, merge, conditions)
        return cls.from_arrays(arrays, ontology, urgency)

    @classmethod
    def from_documents(
        cls, documents: Sequence[ParsedDocument], hpo: HPOIndex | None = None, cache_size: int = 256,
        merge: bool = True, exact_omim: Mapping[str, Sequence[str]] | None = None,
    ) -> SymptomIndex:
        """Straight from a reader's documents (no store); ``document_id`` is the position in the list.
        ``exact_omim`` (ORPHA code -> OMIM codes) replaces the documents' ``EXACT_OMIM`` codes."""
        hpo = hpo or load_hpo()
        disorders, orphanet = [], {}
        for number, document in enumerate(documents):
            codes = dict(document.codes)
            omim = tuple(code for system, code in document.codes if system == EXACT_OMIM)
            if exact_omim is not None:
                omim = tuple(exact_omim.get(codes.get("ORPHA", ""), ()))
            parents = _parents([(f.value, f.detail) for f in document.facts if f.kind == "parent"])
            disorders.append(Disorder(number, codes.get("ORPHA", document.key), document.title, omim, parents))
            orphanet[number] = [(p.hpo_id, p.frequency) for p in document.phenotypes]
        # Only Orphanet's own records: their text is the disorder's definition (as the store path reads it).
        texts = [" ".join(p.text for p in document.passages) if document.source.name == ORPHANET else ""
                 for document in documents]
        described = dict(enumerate(hpo.terms_in_each(texts)))
        return cls(disorders, orphanet, hpo, read_hpoa() if merge else None, cache_size, described=described)

    def __len__(self) -> int:
        return len(self.features)

    def gained(self) -> tuple[int, int]:
        """(disorders with a feature that Orphanet does not record, how many such features)."""
        return self._arrays.gained

    def mica_ic(self, term: str) -> FloatArray:
        """IC of the most informative common ancestor of ``term`` and each annotated term."""
        return self._mica(term)

    def _mica_uncached(self, term: str) -> FloatArray:
        columns = [self.universe_index[a] for a in self.hpo.ancestors(term) if a in self.universe_index]
        if not columns:
            return np.zeros(len(self.terms))
        block = self.ancestor_matrix[:, columns].multiply(self.ic[columns]).tocsr()
        result = np.asarray(block.max(axis=1).todense()).ravel()
        result.setflags(write=False)
        return result

    def kernel(self, term: str, params: Params = DEFAULTS) -> tuple[FloatArray, BoolArray]:
        """k(term, a) for every annotated term a, and whether the term explains a (module docstring)."""
        return self._kernel(term, params)

    def _kernel_uncached(self, term: str, params: Params) -> tuple[FloatArray, BoolArray]:
        mica = self.mica_ic(term)
        column = self.universe_index.get(term)
        # IC(term); for a term no disorder carries, that of its most informative annotated ancestor.
        own_ic = float(self.ic[column]) if column is not None else float(mica.max(initial=0.0))
        vector: FloatArray = params.similar * np.exp(np.minimum(mica - own_ic, 0.0))
        above = np.zeros(len(self.terms), dtype=bool)  # features recorded more generally than the term
        for ancestor in self.hpo.ancestors(term) - {term}:
            position = self.term_index.get(ancestor)
            if position is not None:
                above[position] = True
        specific = params.specific * np.exp(np.minimum(self.term_ic - own_ic, 0.0))
        vector = np.where(above, np.maximum(vector, specific), vector)
        below = np.zeros(len(self.terms), dtype=bool)  # the term itself and features below it
        if column is not None:
            below = self.ancestor_matrix[:, column].toarray().ravel() > 0
        vector = np.where(below, 1.0, vector)
        explains: BoolArray = below | above | (mica >= EXPLAINED_IC)
        vector.setflags(write=False)
        explains.setflags(write=False)
        return vector, explains

    def query_terms(self, terms: Sequence[str]) -> list[str]:
        """The known, distinct current ids of ``terms``, the root and "Phenotypic abnormality" left out."""
        resolved = [self.hpo.resolve(t) for t in terms]
        return list(dict.fromkeys(t for t in resolved if t and t not in (ROOT, PHENOTYPIC_ABNORMALITY)))

    def scores(self, terms: Sequence[str], params: Params = DEFAULTS) -> FloatArray:
        """The score of every disorder (index order) for already resolved query terms."""
        total: FloatArray = np.zeros(len(self.features))
        if not terms or not self.features:
            return total
        explained = np.zeros(len(self.annotation_term), dtype=bool)
        for term in terms:
            vector, explains = self.kernel(term, params)
            chance = np.maximum.reduceat(vector[self.annotation_term] * self.annotation_frequency,
                                         self.disease_start) + params.noise
            total += np.log(chance / chance.mean())
            explained |= explains[self.annotation_term]
        if params.absent:
            unexplained = np.log1p(-params.absent * self.annotation_frequency * ~explained)
            total += np.add.reduceat(unexplained, self.disease_start)
        return total

    def related(self, query: str, term: str) -> bool:
        """Whether a query term and a feature match: one is an ancestor of the other, or they share a
        specific ancestor."""
        return self._related(query, term, self.term_index.get(term))

    def _related(self, query: str, term: str, position: int | None) -> bool:
        ancestors_q, ancestors_t = self.hpo.ancestors(query), self.hpo.ancestors(term)
        if query in ancestors_t or term in ancestors_q:
            return True
        if position is not None:
            # An annotated term's ancestors are all columns of the matrix: the IC of its most informative
            # common ancestor with the query is that row of the query's (cached) MICA vector, the same number.
            return float(self.mica_ic(query)[position]) >= MATCH_IC
        common = [self.universe_index[a] for a in ancestors_q & ancestors_t if a in self.universe_index]
        return max((self.ic[i] for i in common), default=0.0) >= MATCH_IC

    def explain(self, index: int, terms: Sequence[str], score: float) -> DiseaseMatch:
        sources, unknown = self.sources[index], self._unknown_frequency[int(self.document_ids[index])]
        features: dict[str, float | None] = {t: None if t in unknown else f for t, f in self.features[index].items()}
        position = {t: self.term_index[t] for t in features}
        matched: list[Feature] = []
        used: set[str] = set()
        for query in terms:
            mica = self.mica_ic(query)
            candidates = [
                (mica[position[t]], f or 0.0, t) for t, f in features.items() if self._related(query, t, position[t])
            ]
            if candidates:
                _, _, term = max(candidates)
                frequency = features[term]
                if term in used:
                    continue  # shown once, for the first of the person's terms it matched
                used.add(term)
                matched.append(Feature(term, self.hpo.name(term), frequency, query, sources.get(term, ())))
        missing = sorted(
            (Feature(t, self.hpo.name(t), f, "", sources.get(t, ())) for t, f in features.items()
             if f is not None and f >= VERY_FREQUENT and t not in used
             and not any(self._related(q, t, position[t]) for q in terms)),
            key=lambda feature: (-(feature.frequency or 0.0), feature.hpo_id),
        )[:5]
        return DiseaseMatch(self.labels[index], self.orpha[index], float(score), matched, missing,
                            int(self.document_ids[index]))

    def ranking(self, terms: Sequence[str], params: Params = DEFAULTS) -> tuple[list[str], FloatArray]:
        """The query terms as scored and every disorder's score: what :meth:`search` ranks."""
        query = self.query_terms(terms)
        return query, self.scores(query, params)

    def urgent(self, diseases: Sequence[DiseaseMatch]) -> UrgencyNotice | None:
        """The notice that one of the best ``diseases`` needs urgent care, according to the sources; only a
        disorder with a recorded feature like the person's counts (the page lists no other)."""
        return urgency_notice([(d.orpha, d.name) for d in diseases if d.matched], self.urgency)

    def search(self, terms: Sequence[str], top: int = 10, reorder: Reorder | None = None) -> list[DiseaseMatch]:
        """The ``top`` disorders for ``terms``, in the scorer's order or in ``reorder``'s (a second stage, e.g.
        :func:`healthqa.symptoms.search.learned_order`); each keeps the scorer's score."""
        query, scores = self.ranking(terms)
        if not query or not self.features:
            return []
        order = reorder(self, query, scores) if reorder is not None else np.argsort(-scores, kind="stable")
        return [self.explain(int(i), query, float(scores[i])) for i in order[:top] if math.isfinite(scores[i])]


def _store_arrays(
    store: Store, hpo: HPOIndex, merge: bool, conditions: ConditionLinks | None,
) -> tuple[dict[str, np.ndarray], dict[str, tuple[UrgencyStatement, ...]]]:
    """The arrays of the store's index and its urgency statements (:meth:`SymptomIndex.from_store`)."""
    codes: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for document_id, system, code in store.iter_codes():
        if system in ("ORPHA", EXACT_OMIM):
            codes[document_id][system].append(code)
    orphanet: dict[int, list[tuple[str, float | None]]] = defaultdict(list)
    labels: dict[int, str] = {}
    for _, label, document_id, hpo_id, frequency in store.phenotype_annotations():
        orphanet[document_id].append((hpo_id, frequency))
        labels[document_id] = label
    hpoa = None
    # Without a disorder (a knowledge base of MedQuAD or web pages only) there is nothing to merge into, so HPO's
    # annotations file (seconds to read) is left unread.
    if merge and any("ORPHA" in systems for systems in codes.values()):
        try:
            hpoa = read_hpoa()
        except ConfigError as error:  # the search still works on Orphanet's features alone
            log.warning("symptom search without HPO's disease annotations: %s", error)
    candidates, records = [], []  # records: Orphanet's own documents, whose text is the disorder's definition
    for head in store.iter_document_heads():
        orpha = codes.get(head.id, {}).get("ORPHA")
        if not orpha:
            continue
        omim = tuple(codes[head.id].get(EXACT_OMIM, ()))
        annotated = head.id in orphanet or bool(hpoa and (f"ORPHA:{orpha[0]}" in hpoa or omim))
        if annotated or head.source == ORPHANET:
            candidates.append((head, orpha[0], omim, annotated))
        if head.source == ORPHANET:
            records.append(head.id)
    described = _described(store, hpo, records)
    disorders = []
    for head, orpha_code, omim, annotated in candidates:
        if not (annotated or described.get(head.id)):
            continue  # no feature from any source: left out of the index, so its facts are not read
        facts = store.facts(head.id)
        parents = _parents([(f.value, f.detail) for f in facts if f.kind == "parent"])
        disorders.append(Disorder(head.id, orpha_code, labels.get(head.id, head.title), omim, parents))
    return index_arrays(disorders, orphanet, hpo, hpoa, described), find_statements(store, conditions)


def _described(store: Store, hpo: HPOIndex, document_ids: Sequence[int], batch: int = 500) -> dict[int, list[str]]:
    """The terms each disorder's own text (Orphanet's definition) names, by document id."""
    texts: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(document_ids), batch):
        chunk = document_ids[start:start + batch]
        for passage in store.passages_of_documents(chunk, limit=50 * len(chunk)):
            texts[passage.document_id].append(passage.text)
    named = hpo.terms_in_each(" ".join(found) for found in texts.values())
    return dict(zip(texts, named, strict=True))


def _parents(details: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """(ORPHA code, label) of "parent" facts whose detail is "ORPHA:n"."""
    return tuple((detail.removeprefix("ORPHA:"), label) for label, detail in details if detail.startswith("ORPHA:"))
