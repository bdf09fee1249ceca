"""A second stage for the symptom search (issue 18): a small learned model re-orders the scorer's best candidates.

The scorer (:mod:`healthqa.symptoms.index`) ranks every disorder; this model re-orders its best ``depth``
candidates by a linear score over :data:`FEATURES`, which say how a candidate matches the person's terms and
never which disorder it is: the scorer's score, its gap to the best and its rank; the Resnik symmetric
best-match average, its gap and rank; how much of the disorder's record the person's terms cover
(Phen2Disease-style, the disorder's features weighted by IC x frequency: matched by a term at or below them,
matched in any way, and a soft Resnik share); the shares of the person's terms that the disorder matches
exactly or partly; the log number of its features; the share of its features from Orphanet and from HPO's
annotations; its siblings (disorders that share an Orphanet parent group) among the scorer's best 20 and how many
of them score above it.

The shipped model reads :data:`MODEL_FEATURES`: the match features alone. Not the log number of features: it
carried much of the weight of the full model (the dev cases' diseases are richly annotated: median 67 features
against 50 among the candidates), a prior for well-recorded disorders that issue 18 rules out, and with it the
simulated patients with imprecise terms lost half their first places. Not the sources and siblings, which the
cross-validation that also chose among feature sets left out. It is a conditional logit (a softmax over each
case's candidates, the true disorder's probability maximised, an L2 penalty on standardised coefficients),
fitted by :func:`refit` on the real dev cases of issue 18 (GA4GH phenopacket-store patients;
``../shared/data/phenopackets/dev-cases.jsonl``) together with simulated patients weighing
:data:`SIMULATED_WEIGHT` each (:func:`simulated_cases`), so that it does not cost patients who describe their
features vaguely; then shrunk toward the scorer's order (:data:`SHRINK` added to the score gap's weight), so that
it pushes no dev case and no simulated lay patient out of the scorer's top 10. The penalty and the depth are
chosen by cross-validation grouped by disease (4 folds that split the diseases, never a disease's cases apart;
the simulated patients of a held-out fold's diseases are left out of its fit). The coefficients live in
``healthqa/learned/symptom_rerank.json``; one command rebuilds them::

    python -m healthqa.symptoms.rerank [--cases FILE] [--data PACKETS] [--out FILE] [--all-features]

``benchmarks/symptoms_rerank.py`` measures it (nested, disease-grouped CV) beside the scorer and Resnik.
:func:`healthqa.symptoms.search.learned_order` hands :meth:`SymptomReranker.order` to
:meth:`SymptomIndex.search <healthqa.symptoms.index.SymptomIndex.search>` (the scores shown stay the scorer's)
when :data:`healthqa.symptoms.search.LEARNED_ORDER` is on; it ships on since session 14 (see there and
BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from healthqa import learned
from healthqa.symptoms.index import DEFAULTS, SymptomIndex
from healthqa.symptoms.knowledge import DEFINITION, ORPHANET

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
FEATURES = (
    "score_gap", "log_rank", "absent_part", "resnik_gap", "resnik_log_rank",
    "coverage_hit", "coverage_any", "coverage_soft", "query_exact", "query_partial", "query_exact_ic",
    "log_features", "share_orphanet", "share_hpo", "siblings", "siblings_above",
)
# What the shipped model reads: the nested, disease-grouped CV that also chose among feature sets
# (``benchmarks/symptoms_rerank.py --select-features``) chose this one, without the sources and siblings, in 17 of
# 20 outer folds, and so did the same choice over all dev cases.
MODEL_FEATURES = tuple(f for f in FEATURES if f != "log_features" and not f.startswith(("share", "siblings")))
SIBLING_WINDOW = 20  # siblings are counted among the scorer's best this many
PENALTIES = (0.01, 0.1, 1.0, 10.0)
DEPTHS = (20, 50, 100)
CHOICE_FOLDS = 4
CHOICE_SEED = 1000
MODEL_FILE = "symptom_rerank.json"
# Where a refit writes it unless told otherwise: the source tree's copy, which ships.
SHIPPED_MODEL = Path(__file__).resolve().parents[1] / "learned" / MODEL_FILE
# Simulated patients in the fit (session 14): drawn from SIMULATED_DISORDERS random disorders' own annotations (seed
# SIMULATED_SEED; the simulated benchmark draws with seed 0), each in the four conditions, each weighing
# SIMULATED_WEIGHT against a real case's 1. Without them the model cost a third of the first places of patients
# with vague and unrelated terms. The weight was chosen by disease-grouped CV on the real cases among the weights
# that keep every simulated column of held-out draws at or above the scorer (BENCHMARKS.md).
SIMULATED_SEED = 101
SIMULATED_DISORDERS = 1500
SIMULATED_WEIGHT = 0.01
# Shrinkage toward the scorer: added to the standardised score gap's weight after the fit. The smallest of the
# grid 0 ... 64 at which the model pushes no real dev case (disease-grouped CV) and no simulated lay patient out of
# the scorer's top 10 (BENCHMARKS.md, session 14).
SHRINK = 32.0


@dataclass(frozen=True)
class DisorderFacts:
    """What the features read of each disorder (index order)."""

    counts: FloatArray  # how many features it has
    share_orphanet: FloatArray  # the share of them that Orphanet records
    share_hpo: FloatArray  # the share of them that an HPO annotation records
    parents: tuple[frozenset[str], ...]  # its Orphanet parent groups' codes


# Held no longer than their index: a server replaces its symptom index after an ingest, and the old one must go.
_FACTS: weakref.WeakKeyDictionary[SymptomIndex, DisorderFacts] = weakref.WeakKeyDictionary()
_FACTS_LOCK = threading.Lock()


def disorder_facts(index: SymptomIndex) -> DisorderFacts:
    """The index's :class:`DisorderFacts`, computed once per index (and forgotten with it)."""
    with _FACTS_LOCK:
        facts = _FACTS.get(index)
        if facts is None:
            facts = _FACTS[index] = _computed_facts(index)
        return facts


def _computed_facts(index: SymptomIndex) -> DisorderFacts:
    starts = index.disease_start
    counts = np.diff(np.append(starts, len(index.annotation_term))).astype(float)
    from_orphanet = np.zeros(len(index.annotation_term))
    from_hpo = np.zeros(len(index.annotation_term))
    for d in range(len(index)):
        for j, sources in zip(range(int(starts[d]), int(starts[d] + counts[d])),
                              _row_sources(index, d), strict=True):
            from_orphanet[j] = ORPHANET in sources
            from_hpo[j] = any(s not in (ORPHANET, DEFINITION) for s in sources)
    return DisorderFacts(
        counts=counts,
        share_orphanet=np.add.reduceat(from_orphanet, starts) / counts,
        share_hpo=np.add.reduceat(from_hpo, starts) / counts,
        parents=tuple(frozenset(code for code, _ in index.parents[orpha]) for orpha in index.orpha),
    )


def _row_sources(index: SymptomIndex, position: int) -> list[tuple[str, ...]]:
    """Each annotation row's sources, in row order (the index's sources are keyed by term)."""
    sources = index.sources[position]
    start = int(index.disease_start[position])
    end = int(index.disease_start[position + 1]) if position + 1 < len(index) else len(index.annotation_term)
    return [sources.get(index.terms[int(index.annotation_term[j])], ()) for j in range(start, end)]


def resnik_bma(index: SymptomIndex, terms: Sequence[str]) -> FloatArray:
    """Symmetric best-match average of Resnik similarity (IC of the most informative common ancestor), for every
    disorder: the baseline of the benchmarks, and two of the features."""
    columns = [index.mica_ic(t)[index.annotation_term] for t in terms]
    starts = index.disease_start
    query_to_disease = sum(np.maximum.reduceat(c, starts) for c in columns) / len(columns)
    best = functools.reduce(np.maximum, columns)
    counts = np.diff(np.append(starts, len(index.annotation_term)))
    result: FloatArray = 0.5 * (query_to_disease + np.add.reduceat(best, starts) / counts)
    return result


def match_features(index: SymptomIndex, terms: Sequence[str], subset: IntArray) -> dict[str, FloatArray]:
    """The match features of the disorders ``subset`` (index positions) for resolved query terms."""
    ends = np.append(index.disease_start[1:], len(index.annotation_term))
    lengths = ends[subset] - index.disease_start[subset]
    rows = np.concatenate([np.arange(index.disease_start[d], ends[d]) for d in subset])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    term_rows, frequency = index.annotation_term[rows], index.annotation_frequency[rows]
    weight = index.term_ic[term_rows] * frequency + 1e-9  # a feature's say: how specific, how frequent
    feature_ic = np.maximum(index.term_ic[term_rows], 1e-6)
    hit = np.zeros(len(rows), dtype=bool)  # the person has a term at or below the feature
    anything = np.zeros(len(rows), dtype=bool)
    explained = np.zeros(len(rows), dtype=bool)
    soft = np.zeros(len(rows))
    query_exact, query_partial, query_exact_ic = (np.zeros(len(subset)) for _ in range(3))
    query_ic = []
    for term in terms:
        vector, explains = index.kernel(term, DEFAULTS)
        at_or_below = vector[term_rows] >= 1.0  # the feature is the term or more specific (k = 1)
        above = np.zeros(len(index.terms), dtype=bool)  # the feature is the term or more general
        for ancestor in index.hpo.ancestors(term):
            position = index.term_index.get(ancestor)
            if position is not None:
                above[position] = True
        hit |= above[term_rows]
        explained |= explains[term_rows]
        anything |= above[term_rows] | at_or_below | explains[term_rows]
        mica = index.mica_ic(term)
        soft = np.maximum(soft, np.minimum(mica[term_rows] / feature_ic, 1.0))
        exact = np.maximum.reduceat(at_or_below.astype(float), starts)
        partial = np.maximum.reduceat((above[term_rows] | explains[term_rows]).astype(float), starts) * (1 - exact)
        column = index.universe_index.get(term)
        ic = float(index.ic[column]) if column is not None else float(mica.max(initial=0.0))
        query_ic.append(ic)
        query_exact += exact
        query_partial += partial
        query_exact_ic += ic * exact
    total_weight = np.add.reduceat(weight, starts)
    n = max(len(terms), 1)
    return {
        # The scorer's absent-feature sum, on its own: the model may weigh it apart from the matches.
        "absent_part": np.add.reduceat(np.log1p(-DEFAULTS.absent * frequency * ~explained), starts),
        "coverage_hit": np.add.reduceat(weight * hit, starts) / total_weight,
        "coverage_any": np.add.reduceat(weight * anything, starts) / total_weight,
        "coverage_soft": np.add.reduceat(weight * soft, starts) / total_weight,
        "query_exact": query_exact / n,
        "query_partial": query_partial / n,
        "query_exact_ic": query_exact_ic / max(sum(query_ic), 1e-9),
    }


def _log_rank(values: FloatArray) -> FloatArray:
    """log(1 + how many disorders score strictly higher), for every disorder."""
    higher = len(values) - np.searchsorted(np.sort(values), values, side="right")
    result: FloatArray = np.log1p(higher)
    return result


def candidate_features(index: SymptomIndex, terms: Sequence[str], scores: FloatArray, resnik: FloatArray,
                       top: IntArray) -> FloatArray:
    """One row of :data:`FEATURES` per candidate in ``top`` (the scorer's best, best first)."""
    facts = disorder_facts(index)
    window = [facts.parents[int(d)] for d in top[:SIBLING_WINDOW]]
    columns: dict[str, FloatArray] = {
        "score_gap": scores[top] - scores.max(),
        "log_rank": _log_rank(scores)[top],
        "resnik_gap": resnik[top] - resnik.max(),
        "resnik_log_rank": _log_rank(resnik)[top],
        "log_features": np.log(facts.counts[top]),
        "share_orphanet": facts.share_orphanet[top],
        "share_hpo": facts.share_hpo[top],
        **match_features(index, terms, top),
    }
    siblings, above = np.zeros(len(top)), np.zeros(len(top))
    for r, d in enumerate(top):
        own = facts.parents[int(d)]
        shared = [w for w, other in enumerate(window) if w != r and own & other]
        siblings[r] = len(shared)
        above[r] = sum(1 for w in shared if scores[top[w]] > scores[d])
    columns["siblings"], columns["siblings_above"] = siblings, above
    result: FloatArray = np.column_stack([columns[name] for name in FEATURES])
    return result


@dataclass(frozen=True)
class SymptomReranker:
    """A fitted model: standardisation, coefficients, and how many of the scorer's best it re-orders; it reads
    ``features``, :data:`FEATURES` or some of them."""

    depth: int
    penalty: float
    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    meta: Mapping[str, Any]
    features: tuple[str, ...] = FEATURES

    def scores(self, matrix: FloatArray) -> FloatArray:
        """The model's score of each candidate row (all :data:`FEATURES`, in order); higher first."""
        kept = matrix[:, [FEATURES.index(name) for name in self.features]]
        result: FloatArray = ((kept - self.mean) / self.scale) @ self.weights
        return result

    def order(self, index: SymptomIndex, terms: Sequence[str], scores: FloatArray | None = None) -> IntArray:
        """Every disorder's position, best first: the scorer's best ``depth`` re-ordered by the model, then the
        rest in the scorer's order. ``terms``: resolved query terms (:meth:`SymptomIndex.query_terms`)."""
        if scores is None:
            scores = index.scores(terms, DEFAULTS)
        ranked = np.argsort(-scores, kind="stable")
        if not terms:
            return ranked
        top = ranked[: self.depth]
        learned = self.scores(candidate_features(index, terms, scores, resnik_bma(index, terms), top))
        result: IntArray = np.concatenate([top[np.argsort(-learned, kind="stable")], ranked[self.depth:]])
        return result

    def to_json(self) -> dict[str, Any]:
        # Rounded, as healthqa.learned.LinearModel's are: a refit on another machine differs in the 12th digit.
        return {"features": list(self.features), "depth": self.depth, "penalty": self.penalty,
                "mean": _rounded(self.mean), "scale": _rounded(self.scale), "weights": _rounded(self.weights),
                "meta": dict(self.meta)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SymptomReranker:
        features = tuple(data["features"])
        if not features or not set(features) <= set(FEATURES) or len(data["weights"]) != len(features):
            raise ValueError("the model's features are not this module's")
        return cls(int(data["depth"]), float(data["penalty"]), np.asarray(data["mean"], dtype=float),
                   np.asarray(data["scale"], dtype=float), np.asarray(data["weights"], dtype=float),
                   dict(data.get("meta", {})), features)


def _rounded(values: FloatArray) -> list[float]:
    return [round(float(value), 8) for value in values]


@learned.read_once
@functools.lru_cache(maxsize=1)
def load_reranker() -> SymptomReranker:
    """The shipped model (``healthqa/learned/symptom_rerank.json``, or a rebuilt one: see
    :func:`healthqa.learned.model_file`), read once per process."""
    text = learned.model_file(MODEL_FILE).read_text(encoding="utf-8")
    return SymptomReranker.from_json(json.loads(text))


# --- fitting ---------------------------------------------------------------------------------------------------


def fit_conditional_logit(x: FloatArray, truth_at: IntArray, penalty: float,
                          case_weight: FloatArray | None = None) -> FloatArray:
    """Coefficients maximising the sum over cases of weight x log softmax(x w)[truth] - penalty / 2 |w|^2.

    ``x``: (cases, candidates, features), standardised; ``truth_at``: the true candidate's position, -1 where the
    true disorder is not among the candidates (such a case is left out); ``case_weight``: each case's (1 each)."""
    from scipy.optimize import minimize  # only to fit: a search that reads the model never loads it

    weight_of = np.ones(len(truth_at)) if case_weight is None else case_weight
    usable = (truth_at >= 0) & (weight_of > 0)
    xs, ts, ws = x[usable], truth_at[usable], weight_of[usable]
    picked = xs[np.arange(len(ts)), ts]

    def loss(w: FloatArray) -> tuple[float, FloatArray]:
        z = xs @ w
        z_max = z.max(axis=1, keepdims=True)
        p = np.exp(z - z_max)
        total = p.sum(axis=1, keepdims=True)
        p /= total
        log_likelihood = z[np.arange(len(ts)), ts] - (z_max[:, 0] + np.log(total[:, 0]))
        gradient = -(ws[:, None] * (picked - np.einsum("ck,ckf->cf", p, xs))).sum(axis=0) + penalty * w
        return float(-(ws * log_likelihood).sum() + 0.5 * penalty * w @ w), gradient

    result: FloatArray = minimize(loss, np.zeros(x.shape[2]), jac=True, method="L-BFGS-B").x
    return result


@dataclass(frozen=True)
class TrainingCases:
    """The dev cases as the fit reads them: each case's candidate rows, where its truth is, its scorer rank."""

    matrix: FloatArray  # (cases, max(DEPTHS), features); rows past a case's candidates are zero
    truth_at: IntArray  # the truth's position among the candidates, -1 when it is not among them
    scorer_rank: IntArray  # (cases, 2): disorders scored above the truth, disorders scored the same (itself too)
    disease: tuple[str, ...]  # each case's disease, for the grouped folds
    # Each case's weight in the fit (None: 1 each); simulated patients weigh less, and are never scored in the
    # choice of penalty and depth, which reads the real cases (weight 1) alone.
    weight: FloatArray | None = None

    def weights(self) -> FloatArray:
        return np.ones(len(self.truth_at)) if self.weight is None else self.weight

    def real(self) -> list[int]:
        """The cases of real patients (weight 1)."""
        return [int(i) for i in np.flatnonzero(self.weights() == 1.0)]


def training_cases(index: SymptomIndex, cases: Sequence[Mapping[str, Any]]) -> TrainingCases:
    """Cases ``{"orpha": "ORPHA:n", "terms": [...]}`` whose disorder is in the index and has a known term."""
    position = {code: i for i, code in enumerate(index.orpha)}
    found = [(position.get(str(case["orpha"]).removeprefix("ORPHA:")), index.query_terms(case["terms"]),
              str(case["orpha"])) for case in cases]
    return _cases(index, [(truth, terms, disease) for truth, terms, disease in found if truth is not None and terms],
                  1.0)


def simulated_cases(index: SymptomIndex, seed: int = SIMULATED_SEED, disorders: int = SIMULATED_DISORDERS,
                    weight: float = SIMULATED_WEIGHT) -> TrainingCases:
    """Simulated patients of ``disorders`` disorders drawn at random (:mod:`healthqa.symptoms.simulated`), each in
    every condition, weighing ``weight`` each."""
    from healthqa.symptoms.simulated import CONDITIONS, Simulator  # only to fit

    rng = np.random.default_rng(seed)
    simulator = Simulator(index, index.hpo, rng, 5)
    drawable = simulator.drawable()
    chosen = sorted(drawable[i] for i in rng.choice(len(drawable), size=min(disorders, len(drawable)), replace=False))
    drawn: list[tuple[int, list[str], str]] = []
    for d in chosen:
        patients = simulator.patients(d)
        for condition in CONDITIONS:
            terms = index.query_terms(patients[condition])
            if terms:
                drawn.append((d, terms, f"ORPHA:{index.orpha[d]}"))
    return _cases(index, drawn, weight)


def _cases(index: SymptomIndex, drawn: Sequence[tuple[int, list[str], str]], weight: float) -> TrainingCases:
    """The fit's view of patients (true disorder's position, resolved terms, disease code), each weighing ``weight``."""
    depth = max(DEPTHS)
    rows, truths, ranks = [], [], []
    for truth, terms, _ in drawn:
        scores = index.scores(terms, DEFAULTS)
        top = np.argsort(-scores, kind="stable")[:depth]
        matrix = np.zeros((depth, len(FEATURES)))
        matrix[: len(top)] = candidate_features(index, terms, scores, resnik_bma(index, terms), top)
        found = np.flatnonzero(top == truth)
        rows.append(matrix)
        truths.append(int(found[0]) if len(found) else -1)
        own = scores[truth]
        ranks.append((int(np.count_nonzero(scores > own)), int(np.count_nonzero(scores == own))))
    return TrainingCases(np.array(rows).reshape(-1, depth, len(FEATURES)), np.array(truths, dtype=np.int64),
                         np.array(ranks, dtype=np.int64).reshape(-1, 2), tuple(d for _, _, d in drawn),
                         np.full(len(drawn), weight))


def joined(first: TrainingCases, second: TrainingCases) -> TrainingCases:
    """Both sets of cases, in that order."""
    return TrainingCases(np.concatenate([first.matrix, second.matrix]),
                         np.concatenate([first.truth_at, second.truth_at]),
                         np.concatenate([first.scorer_rank, second.scorer_rank]), first.disease + second.disease,
                         np.concatenate([first.weights(), second.weights()]))


def _fit(data: TrainingCases, cases: Sequence[int], penalty: float, depth: int, meta: Mapping[str, Any],
         features: tuple[str, ...] = FEATURES) -> SymptomReranker:
    x = data.matrix[list(cases), :depth][..., [FEATURES.index(name) for name in features]]
    truth = data.truth_at[list(cases)].copy()
    truth[truth >= depth] = -1
    case_weight = data.weights()[list(cases)]
    flat = x.reshape(-1, x.shape[2])
    row_weight = np.repeat(case_weight, depth)[:, None]
    mean = (row_weight * flat).sum(axis=0) / row_weight.sum()
    scale = np.sqrt((row_weight * (flat - mean) ** 2).sum(axis=0) / row_weight.sum()) + 1e-9
    weights = fit_conditional_logit((x - mean) / scale, truth, penalty, case_weight)
    return SymptomReranker(depth, penalty, mean, scale, weights, meta, features)


def reciprocal_ranks(model: SymptomReranker, data: TrainingCases, cases: Sequence[int]) -> list[float]:
    """Each case's reciprocal rank after re-ordering (ties counted at random, as the benchmarks do)."""
    result = []
    for i in cases:
        t = int(data.truth_at[i])
        if 0 <= t < model.depth:
            learned = model.scores(data.matrix[i, : model.depth])
            above, ties = int(np.count_nonzero(learned > learned[t])), int(np.count_nonzero(learned == learned[t]))
        else:
            above, ties = int(data.scorer_rank[i, 0]), int(data.scorer_rank[i, 1])
        result.append(sum(1 / (above + j + 1) for j in range(ties)) / ties)
    return result


def choose(data: TrainingCases, cases: Sequence[int], features: tuple[str, ...] = FEATURES,
           seed: int = CHOICE_SEED) -> tuple[float, int]:
    """(penalty, depth) with the best MRR over a disease-grouped CV of the real ``cases`` (:data:`CHOICE_FOLDS`
    folds). Every fit also reads the other cases given (simulated patients) of diseases outside its held-out fold."""
    real = set(data.real())
    diseases = sorted({data.disease[i] for i in cases if i in real})
    np.random.default_rng(seed).shuffle(diseases)
    fold = {d: k % CHOICE_FOLDS for k, d in enumerate(diseases)}
    best, best_mrr = (PENALTIES[0], DEPTHS[0]), -1.0
    for penalty, depth in itertools.product(PENALTIES, DEPTHS):
        reciprocal: list[float] = []
        for f in range(CHOICE_FOLDS):
            fit_on = [i for i in cases if fold.get(data.disease[i], -1) != f]
            model = _fit(data, fit_on, penalty, depth, {}, features)
            reciprocal += reciprocal_ranks(model, data, [i for i in cases if i in real and fold[data.disease[i]] == f])
        mrr = round(sum(reciprocal) / len(reciprocal), 3)  # as the benchmarks round: ties go to the first
        if mrr > best_mrr:
            best, best_mrr = (penalty, depth), mrr
    return best


def fit_reranker(data: TrainingCases, meta: Mapping[str, Any] | None = None,
                 features: tuple[str, ...] = FEATURES, shrink: float = 0.0) -> SymptomReranker:
    """The model over all ``data``: penalty and depth by :func:`choose`, then fitted on every case; ``shrink``
    added to the score gap's standardised weight (toward the scorer's own order)."""
    everyone = list(range(len(data.truth_at)))
    penalty, depth = choose(data, everyone, features)
    real = data.real()
    meta = {**(meta or {}), "cases": len(real), "diseases": len({data.disease[i] for i in real}),
            "simulated_cases": len(everyone) - len(real), "shrink": shrink}
    model = _fit(data, everyone, penalty, depth, meta, features)
    if shrink and "score_gap" in features:
        model.weights[features.index("score_gap")] += shrink
    return model


def refit(cases_path: Path, data_path: Path, out: Path, features: tuple[str, ...] = MODEL_FEATURES
          ) -> SymptomReranker:
    """Rebuild the model from the dev cases over Orphanet's packets merged with HPO's annotations, and write it."""
    from healthqa.ingest import orphanet  # the reader: needed only to refit
    from healthqa.symptoms.hpo import load_hpo
    from healthqa.symptoms.knowledge import read_exact_omim

    index = SymptomIndex.from_documents(orphanet.read(data_path), load_hpo(), cache_size=8192,
                                        exact_omim=read_exact_omim(data_path))
    cases = [json.loads(line) for line in cases_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    meta = {"cases_file": cases_path.name, "packets": data_path.name, "simulated_seed": SIMULATED_SEED,
            "simulated_disorders": SIMULATED_DISORDERS, "simulated_weight": SIMULATED_WEIGHT}
    data = joined(training_cases(index, cases), simulated_cases(index))
    model = fit_reranker(data, meta, features, SHRINK)
    out.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    return model


def main() -> None:
    root = Path(__file__).resolve().parents[3]
    shared = root.parent / "shared" / "data"
    parser = argparse.ArgumentParser(description="Refit the symptom search's second stage (issue 18).")
    parser.add_argument("--cases", type=Path, default=shared / "phenopackets" / "dev-cases.jsonl")
    parser.add_argument("--data", type=Path, default=shared / "orphanet" / "orphapackets-2025-12.jsonl.gz")
    parser.add_argument("--out", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--all-features", action="store_true", help="read all FEATURES, not MODEL_FEATURES")
    args = parser.parse_args()
    model = refit(args.cases, args.data, args.out, FEATURES if args.all_features else MODEL_FEATURES)
    print(json.dumps({"out": str(args.out), "depth": model.depth, "penalty": model.penalty,
                      "weights": dict(zip(model.features, model.weights.round(3).tolist(), strict=True))}, indent=1))


if __name__ == "__main__":
    main()
