"""Symptom search: rank Orphanet's rare disorders by how well their recorded features overlap a person's.

The result is information to discuss with a doctor, never a diagnosis.

The scorer is a likelihood ratio with a noise floor. For a query term ``q`` and a disorder ``d``::

    P(q | d)  = sum over d's annotations a of  w(a) * k(q, a)
    LR(q, d)  = P(q | d) / mean over all disorders d' of P(q | d')
    score(d)  = sum over q of  log(LR(q, d) + noise)

- ``w(a)``: the annotation's frequency (Orphanet's class midpoint, e.g. 0.895 for "Very frequent"),
  normalised to sum to 1 over the disorder: the chance that a person with ``d`` reports feature ``a``.
  A disorder with many annotations gains nothing from its size: its weights are spread thinner.
- ``k(q, a)``, how a person with feature ``a`` comes to report ``q`` (see :class:`Params`):
  ``exact`` when ``q == a``; ``general / n(a)`` when ``q`` is one of the ``n(a)`` ancestors of ``a``
  below the top level (people describe a feature in general words: "a heart problem"); ``specific *
  p(q) / p(a)`` when ``q`` is more specific than ``a``; and for every pair ``similar * p(q) / p(MICA)``,
  where ``p(c)`` is the share of disorders annotated with ``c`` or a term below it (IC = -log p) and
  MICA is their most informative common ancestor: a small credit for related features (siblings).
- Dividing by the mean over all disorders makes ``LR`` a ratio against the background: a general term such
  as "Abnormality of the eye" favours the disorders whose features lie under it, in proportion to how
  much of their weight does.
- ``noise`` bounds what one unrelated term can cost, so a stray symptom cannot sink the right disorder.

Everything that does not depend on the query (ancestors, IC, the weight matrices) is computed once per
:class:`SymptomIndex`. ``benchmarks/phenomizer.py`` measures it against a Resnik baseline. The weights were
chosen on its simulated patients (``--seed 1``; figures are reported with ``--seed 0``), whose imprecision
model (a uniformly chosen ancestor) is the one ``general`` assumes, so that benchmark favours this scorer;
``specific`` and ``similar`` serve real descriptions, which the simulation never produces, and were kept
although they cost a little there.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import sparse

from healthqa.errors import NotFoundError
from healthqa.records import ORPHANET_FREQUENCY_MIDPOINTS, ORPHANET_PAGE_URL, ParsedDocument
from healthqa.store.base import Store
from healthqa.symptoms.hpo import PHENOTYPIC_ABNORMALITY, ROOT, HPOIndex, TermMatch, load_hpo


@dataclass(frozen=True)
class Params:
    """The scorer's weights: how a person's term relates to a recorded feature, and the noise floor."""

    exact: float = 1.0  # the same term
    general: float = 5.0  # a more general term (an ancestor), spread evenly over the feature's ancestors
    specific: float = 0.3  # a more specific term (a descendant): p(term) / p(feature)
    similar: float = 0.02  # any term, by what it shares: p(term) / p(most informative common ancestor)
    noise: float = 0.05  # added to every likelihood ratio: bounds what an unrelated term can cost


DEFAULTS = Params()
DEFAULT_FREQUENCY = 0.5  # an annotation without a frequency class
VERY_FREQUENT = 0.8
MATCH_IC = 2.0  # a shared ancestor this specific (held by < 1 disorder in 7) counts as a match
LABEL = (
    "Rare conditions whose recorded features overlap with what you described — something to discuss with a "
    "doctor, not a diagnosis."
)
CREDIT = "Orphanet (CC BY 4.0 — Orphanet, www.orpha.net); phenotype terms: Human Phenotype Ontology"

FloatArray = npt.NDArray[np.float64]


class Feature(NamedTuple):
    """A recorded feature of a disorder: HPO id, term, frequency (0..1 or None); ``query`` is the person's
    term it matched, when it did."""

    hpo_id: str
    term: str
    frequency: float | None
    query: str = ""


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
            "matched": [f._asdict() for f in self.matched], "missing": [f._asdict() for f in self.missing],
        }


class SymptomIndex:
    """Orphanet's phenotype annotations prepared for scoring: built once, queried many times."""

    def __init__(
        self,
        annotations: Sequence[tuple[str, str, int, str, float | None]],
        hpo: HPOIndex,
        cache_size: int = 256,
    ) -> None:
        """``cache_size``: how many query terms keep their vectors (about 140 KB each)."""
        self.hpo = hpo
        by_disease: dict[int, tuple[str, str, dict[str, float]]] = {}
        for orpha, label, doc_id, raw_id, frequency in annotations:
            term = hpo.resolve(raw_id) or raw_id
            value = DEFAULT_FREQUENCY if frequency is None else float(frequency)
            _, _, terms = by_disease.setdefault(doc_id, (orpha, label, {}))
            terms[term] = max(terms.get(term, 0.0), value)
        # Excluded features (0%) are not features of the disorder; disorders left with none are dropped.
        kept = [
            (doc, orpha, label, {t: f for t, f in terms.items() if f > 0})
            for doc, (orpha, label, terms) in by_disease.items()
        ]
        kept = [k for k in kept if k[3]]
        self.document_ids = [k[0] for k in kept]
        self.orpha = [k[1] for k in kept]
        self.labels = [k[2] for k in kept]
        self.features: list[dict[str, float]] = [k[3] for k in kept]
        annotated = sorted({t for features in self.features for t in features})
        self.terms = annotated
        self.term_index = {t: i for i, t in enumerate(annotated)}
        universe = sorted({a for t in annotated for a in hpo.ancestors(t)})
        self.universe_index = {t: i for i, t in enumerate(universe)}
        # Ancestor matrix: annotated term x ancestor (self included).
        rows, cols = [], []
        for i, term in enumerate(annotated):
            for ancestor in hpo.ancestors(term):
                rows.append(i)
                cols.append(self.universe_index[ancestor])
        self.ancestor_matrix = sparse.csc_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(annotated), len(universe))
        )
        # Disorder x annotated term: presence, and weights normalised per disorder.
        d_rows, d_cols, d_vals = [], [], []
        for d, features in enumerate(self.features):
            total = sum(features.values())
            for term, frequency in features.items():
                d_rows.append(d)
                d_cols.append(self.term_index[term])
                d_vals.append(frequency / total)
        shape = (len(self.features), len(annotated))
        self.weights = sparse.csr_matrix((d_vals, (d_rows, d_cols)), shape=shape)
        presence = sparse.csr_matrix((np.ones(len(d_rows)), (d_rows, d_cols)), shape=shape)
        counts = np.asarray(((presence @ self.ancestor_matrix) > 0).sum(axis=0)).ravel()
        self.ic: FloatArray = -np.log(np.maximum(counts, 1) / max(len(self.features), 1))
        self.annotation_disease = np.asarray(d_rows, dtype=np.int64)
        self.annotation_term = np.asarray(d_cols, dtype=np.int64)
        self.disease_start = np.searchsorted(self.annotation_disease, np.arange(len(self.features)))
        self.term_ic = self.ic[[self.universe_index[t] for t in annotated]]
        # Annotated term x proper ancestor below the top level, each row summing to 1: the chance that a
        # person describes the feature by that more general term.
        top = {ROOT, *hpo.children.get(ROOT, ())}
        g_rows, g_cols, g_vals = [], [], []
        for i, term in enumerate(annotated):
            general = [a for a in hpo.ancestors(term) if a != term and a not in top]
            for ancestor in general:
                g_rows.append(i)
                g_cols.append(self.universe_index[ancestor])
                g_vals.append(1.0 / len(general))
        self.general_matrix = sparse.csc_matrix((g_vals, (g_rows, g_cols)), shape=self.ancestor_matrix.shape)
        self._mica = lru_cache(maxsize=cache_size)(self._mica_uncached)
        self._kernel = lru_cache(maxsize=cache_size)(self._kernel_uncached)

    @classmethod
    def from_store(cls, store: Store, hpo: HPOIndex | None = None) -> SymptomIndex:
        return cls(store.phenotype_annotations(), hpo or load_hpo())

    @classmethod
    def from_documents(
        cls, documents: Sequence[ParsedDocument], hpo: HPOIndex | None = None, cache_size: int = 256
    ) -> SymptomIndex:
        """Straight from a reader's documents (no store); ``document_id`` is the position in the list."""
        annotations = [
            (dict(d.codes).get("ORPHA", d.key), d.title, number, p.hpo_id, p.frequency)
            for number, d in enumerate(documents) for p in d.phenotypes
        ]
        return cls(annotations, hpo or load_hpo(), cache_size)

    def __len__(self) -> int:
        return len(self.features)

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

    def kernel(self, term: str, params: Params = DEFAULTS) -> FloatArray:
        """P(the person reports ``term`` | the disorder has annotation t), up to a constant, for every t."""
        return self._kernel(term, params)

    def _kernel_uncached(self, term: str, params: Params) -> FloatArray:
        mica = self.mica_ic(term)
        # p(term) / p(MICA): 1 for the same or a more general term, the share of the common ancestor's
        # disorders that the term would single out otherwise. mica.max() is IC(term) (or of its most
        # informative annotated ancestor when no disorder carries the term itself).
        own_ic = mica.max()
        vector: FloatArray = params.similar * np.exp(mica - own_ic)
        for ancestor in self.hpo.ancestors(term) - {term}:  # features recorded more generally than the term
            position = self.term_index.get(ancestor)
            if position is not None:
                vector[position] += params.specific * math.exp(min(self.term_ic[position] - own_ic, 0.0))
        index = self.term_index.get(term)
        if index is not None:
            vector[index] += params.exact
        column = self.universe_index.get(term)
        if column is not None:
            vector += params.general * self.general_matrix[:, column].toarray().ravel()
        vector.setflags(write=False)
        return vector

    def query_terms(self, terms: Sequence[str]) -> list[str]:
        """The known, distinct current ids of ``terms``."""
        resolved = [self.hpo.resolve(t) for t in terms]
        return list(dict.fromkeys(t for t in resolved if t))

    def scores(self, terms: Sequence[str], params: Params = DEFAULTS) -> FloatArray:
        """The score of every disorder (index order) for already resolved query terms."""
        if not terms or not self.features:
            return np.zeros(len(self.features))
        ratio = self.weights @ np.column_stack([self.kernel(t, params) for t in terms])
        ratio /= np.maximum(ratio.mean(axis=0, keepdims=True), 1e-300)  # 0 only with similar=0
        scores: FloatArray = np.log(ratio + params.noise).sum(axis=1)
        return scores

    def related(self, query: str, term: str) -> bool:
        """Whether a query term and an annotation match: one is an ancestor of the other, or they share a
        specific ancestor."""
        ancestors_q, ancestors_t = self.hpo.ancestors(query), self.hpo.ancestors(term)
        if query in ancestors_t or term in ancestors_q:
            return True
        common = [self.universe_index[a] for a in ancestors_q & ancestors_t if a in self.universe_index]
        shared = [self.ic[i] for i in common]
        return max(shared, default=0.0) >= MATCH_IC

    def explain(self, index: int, terms: Sequence[str], score: float) -> DiseaseMatch:
        features = self.features[index]
        matched: list[Feature] = []
        used: set[str] = set()
        for query in terms:
            mica = self.mica_ic(query)
            candidates = [
                (mica[self.term_index[t]], f, t) for t, f in features.items() if self.related(query, t)
            ]
            if candidates:
                _, frequency, term = max(candidates)
                if term in used:
                    continue  # shown once, for the first of the person's terms it matched
                used.add(term)
                matched.append(Feature(term, self.hpo.name(term), frequency, query))
        missing = sorted(
            (Feature(t, self.hpo.name(t), f) for t, f in features.items()
             if f >= VERY_FREQUENT and t not in used and not any(self.related(q, t) for q in terms)),
            key=lambda feature: -(feature.frequency or 0.0),
        )[:5]
        return DiseaseMatch(self.labels[index], self.orpha[index], float(score), matched, missing,
                            self.document_ids[index])

    def search(self, terms: Sequence[str], top: int = 10) -> list[DiseaseMatch]:
        query = [t for t in self.query_terms(terms) if t not in (ROOT, PHENOTYPIC_ABNORMALITY)]
        if not query or not self.features:
            return []
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:top]
        return [self.explain(int(i), query, float(scores[i])) for i in order if math.isfinite(scores[i])]


_INDEXES: weakref.WeakKeyDictionary[Any, SymptomIndex] = weakref.WeakKeyDictionary()


def index_for(store: Store) -> SymptomIndex:
    """The store's symptom index, built on first use and kept while the store object lives."""
    index = _INDEXES.get(store)
    if index is None:
        index = _INDEXES[store] = SymptomIndex.from_store(store)
    return index


def search(terms: list[str], store: Store, top: int = 10) -> list[DiseaseMatch]:
    """Rare disorders whose recorded features best overlap the HPO ``terms``, best first."""
    return index_for(store).search(terms, top)


@dataclass(frozen=True)
class SymptomResult:
    """What ``healthqa symptoms`` shows: the mapping of the person's words, then the ranked conditions."""

    terms: list[TermMatch]
    diseases: list[DiseaseMatch]
    hpo_version: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "label": LABEL,
            "terms": [{"phrase": t.phrase, "hpo_id": t.hpo_id, "name": t.name, "score": round(t.score, 3)}
                      for t in self.terms],
            "diseases": [d.to_json() for d in self.diseases],
            "credit": f"{CREDIT} (version {self.hpo_version})" if self.hpo_version else CREDIT,
        }

    def lines(self) -> list[str]:
        out = ["Your description as Human Phenotype Ontology terms (correct it with --terms HP:...,HP:...):"]
        for t in self.terms:
            target = f"{t.hpo_id} {t.name}" if t.matched else "not recognised"
            out.append(f'  "{t.phrase}" -> {target}')
        out.append("")
        if not self.diseases:
            out.append("No rare condition in the catalogue records features like these.")
        else:
            out.append(LABEL)
        for rank, d in enumerate(self.diseases, 1):
            out.append(f"\n{rank:2d}. {d.name} (ORPHA:{d.orpha}) {ORPHANET_PAGE_URL.format(code=d.orpha)}")
            if d.matched:
                out.append("    Recorded features like yours: " + "; ".join(_feature(f) for f in d.matched))
            if d.missing:
                missing = "; ".join(_feature(f) for f in d.missing)
                out.append(f"    Often recorded, not in your description: {missing}")
        out.append(f"\n{CREDIT}.")
        return out


_FREQUENCY_LABELS = {value: label for label, value in ORPHANET_FREQUENCY_MIDPOINTS.items()}


def frequency_label(frequency: float | None) -> str:
    """Orphanet's frequency class for a feature's frequency ("Very frequent (99-80%)"), or "" when it has none."""
    return _FREQUENCY_LABELS.get(frequency, "") if frequency is not None else ""


def _feature(feature: Feature) -> str:
    label = frequency_label(feature.frequency)
    return f"{feature.term} [{label}]" if label else feature.term


def search_symptoms(store: Store, text: str, ids: Sequence[str] = (), top: int = 10) -> SymptomResult:
    """Map ``text`` (or take the HPO ``ids``, which replace the text's mapping) and search the store."""
    hpo = load_hpo()
    terms = hpo.terms_from(ids) if ids else hpo.map_text(text)
    index = index_for(store)
    if not len(index):
        raise NotFoundError(
            "the knowledge base holds no Orphanet phenotype annotations: run `healthqa ingest` on the "
            "Orphanet packets file (e.g. shared/data/orphanet)"
        )
    diseases = index.search([t.hpo_id for t in terms if t.matched], top)
    return SymptomResult(terms, diseases, hpo.version)
