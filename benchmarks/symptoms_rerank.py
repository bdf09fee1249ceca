r"""Symptom search on real patients (issue 18): a second stage over the shipped scorer's best candidates.

Exploration, session 13 (helper). Two families, neither tried before (BENCHMARKS.md, "Symptom search"):

1. ``learned``: a small model re-orders the shipped scorer's top-K disorders of each case. Its features say
   nothing about *which* disease a candidate is, only how it matches (:data:`FEATURES`): the shipped score,
   its gap to the best and its rank; the Resnik symmetric best-match average, its gap and rank; the
   disease->patient coverage (Phen2Disease-style: the share of the disease's features, weighted by
   IC x frequency, that a patient's term matches exactly or from below / partly / softly by Resnik); the
   shares of the patient's terms the disease matches exactly, partly or not at all; the log number of its
   features; the share of its features from Orphanet and from HPO's annotations; its siblings (disorders
   sharing an Orphanet parent group) among the shipped top 20 and how many of them score above it.
   Models: a conditional logit (softmax over each case's candidates, L2 penalty, standardised features) and
   a pointwise logistic regression (scikit-learn). Hyper-parameters (penalty, K) chosen by an inner 4-fold
   disease-grouped CV on the outer training folds only (nested CV).
2. ``bidirectional``: no model: the shipped score plus lambda x a coverage, over *all* disorders, lambda chosen
   on the training folds by MRR.

Protocol: 5 outer folds that split the 89 dev *diseases* (:func:`phenopackets.disease_folds`, seeds given on the
command line); each fold's cases ranked by what was fitted/chosen on the other folds' cases. The first stage is
the shipped scorer (:data:`DEFAULTS`), whose weights every fold of the disease-grouped CV chose
(BENCHMARKS.md), so using it in every fold equals its CV. Reported: all 513 cases and the 197 whose
publication ``phenotype.hpoa`` does not cite (``phenopackets.leaked``), the shipped scorer and Resnik in the
same run. A candidate outside the top K keeps its shipped rank (>= K).

Options: ``--models`` (``conditional_logit``, ``pointwise_logistic``); ``--ablations`` [``--ablation NAME``]: the
conditional logit on the feature subsets :data:`ABLATIONS` instead; ``--select-features``: a nested CV that also
chooses the feature set (:data:`SELECTABLE`) on each outer fold's inner folds, instead;
``--simulate [CONDITIONS]`` [``--ablation NAME``]
[``--every N``]: ``benchmarks/phenomizer.py --seed 0 --merge``'s simulated patients (the same draws, the
Simulator imported from it) ranked by the shipped scorer, Resnik and the model fitted on all 513 dev cases
(penalty and depth chosen by a 4-fold disease-grouped CV over them, as ``healthqa.symptoms.rerank.refit`` does).
``--cache``: the dev cases' features are saved there on the first run and read back after (the fits and CVs
take a minute each; the features a few).

    nice .venv/bin/python benchmarks/symptoms_rerank.py --seeds 0 1 2 3 4 --models conditional_logit \
        --cache /tmp/h18r/features.npz [--out FILE]
    nice .venv/bin/python benchmarks/symptoms_rerank.py --seeds 0 --ablations --cache /tmp/h18r/features.npz
    nice .venv/bin/python benchmarks/symptoms_rerank.py --seeds 0 1 2 3 --select-features --cache /tmp/h18r/features.npz
    nice .venv/bin/python benchmarks/symptoms_rerank.py --cache /tmp/h18r/features.npz \
        --ablation without_sources_and_siblings --simulate clean noise imprecision both lay
    nice .venv/bin/python benchmarks/symptoms_rerank.py --cache /tmp/h18r/features.npz --simulate clean noise \
        imprecision
    nice .venv/bin/python benchmarks/symptoms_rerank.py --cache /tmp/h18r/features.npz --simulate both lay
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from healthqa.ingest import orphanet
from healthqa.symptoms.hpo import load_hpo
from healthqa.symptoms.index import DEFAULTS, SymptomIndex
from healthqa.symptoms.knowledge import ORPHANET, read_exact_omim
from healthqa.symptoms.rerank import fit_conditional_logit
from healthqa.symptoms.rerank import match_features as match_arrays
from phenopackets import (
    DEFAULT_CASES,
    DEFAULT_DATA,
    FOLDS,
    Rank,
    disease_folds,
    leaked,
    load_cases,
    metrics,
    rank_of,
    resnik_scores,
)

K_MAX = 100
SIBLING_WINDOW = 20
FEATURES = (
    "score_gap", "log_rank", "absent_part", "resnik_gap", "resnik_log_rank",
    "coverage_hit", "coverage_any", "coverage_soft", "query_exact", "query_partial", "query_exact_ic",
    "log_features", "share_orphanet", "share_hpo", "siblings", "siblings_above",
)
COVERAGES = ("coverage_hit", "coverage_any", "coverage_soft")
LAMBDAS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
PENALTIES = (0.01, 0.1, 1.0, 10.0)  # L2 weight on the standardised coefficients
DEPTHS = (20, 50, 100)


def build_index() -> SymptomIndex:
    """The benchmark's index: Orphanet's packets merged with HPO's annotations through exact OMIM mappings."""
    documents = orphanet.read(DEFAULT_DATA)
    return SymptomIndex.from_documents(documents, load_hpo(), cache_size=8192, exact_omim=read_exact_omim(DEFAULT_DATA))


def disorder_tables(index: SymptomIndex) -> dict[str, Any]:
    """Per-disorder facts the features read: feature counts, source shares, parent groups."""
    starts = index.disease_start
    counts = np.diff(np.append(starts, len(index.annotation_term))).astype(float)
    arrays = index._arrays
    from_orphanet = np.array([ORPHANET in arrays.sources_at(j) for j in range(len(index.annotation_term))])
    from_hpo = np.array([any(s != ORPHANET for s in arrays.sources_at(j)) for j in range(len(index.annotation_term))])
    parents = [frozenset(code for code, _ in index.parents[code]) for code in index.orpha]
    return {
        "counts": counts,
        "share_orphanet": np.add.reduceat(from_orphanet.astype(float), starts) / counts,
        "share_hpo": np.add.reduceat(from_hpo.astype(float), starts) / counts,
        "parents": parents,
    }


def log_rank(values: np.ndarray) -> np.ndarray:
    """log(1 + number of disorders scored strictly higher), for every disorder."""
    ordered = np.sort(values)
    higher = len(values) - np.searchsorted(ordered, values, side="right")
    return np.log1p(higher)


def candidate_matrix(index: SymptomIndex, tables: dict[str, Any], terms: Sequence[str], scores: np.ndarray,
                     resnik: np.ndarray, top: np.ndarray) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate ``top`` (the shipped order's best, best first)."""
    match = match_arrays(index, terms, top)
    window = [tables["parents"][int(d)] for d in top[:SIBLING_WINDOW]]
    columns: dict[str, np.ndarray] = {
        "score_gap": scores[top] - scores.max(),
        "log_rank": log_rank(scores)[top],
        "resnik_gap": resnik[top] - resnik.max(),
        "resnik_log_rank": log_rank(resnik)[top],
        "log_features": np.log(tables["counts"][top]),
        "share_orphanet": tables["share_orphanet"][top],
        "share_hpo": tables["share_hpo"][top],
        **match,
    }
    siblings, above = np.zeros(len(top)), np.zeros(len(top))
    for r, d in enumerate(top):
        own = tables["parents"][int(d)]
        shared = [w for w, other in enumerate(window) if w != r and own & other]
        siblings[r] = len(shared)
        above[r] = sum(1 for w in shared if scores[top[w]] > scores[d])
    columns["siblings"], columns["siblings_above"] = siblings, above
    return np.column_stack([columns[name] for name in FEATURES])


def extract(index: SymptomIndex, cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per case: the shipped top K_MAX candidates' feature rows, where the truth is among them, the shipped and
    Resnik ranks of the truth, and the bidirectional variants' ranks over all disorders."""
    tables = disorder_tables(index)
    position = {code: i for i, code in enumerate(index.orpha)}
    everyone = np.arange(len(index))
    n_cases = len(cases)
    matrix = np.zeros((n_cases, K_MAX, len(FEATURES)))
    truth_at = np.full(n_cases, -1)
    shipped = np.full((n_cases, 2), -1)
    resnik_rank = np.full((n_cases, 2), -1)
    bidirectional = np.full((len(COVERAGES), len(LAMBDAS), n_cases, 2), -1)
    for i, case in enumerate(cases):
        truth = position.get(case["orpha"].removeprefix("ORPHA:"))
        terms = index.query_terms(case["terms"])
        if truth is None or not terms:
            continue
        scores = index.scores(terms, DEFAULTS)
        resnik = resnik_scores(index, terms)
        shipped[i] = rank_of(scores, truth)
        resnik_rank[i] = rank_of(resnik, truth)
        full = match_arrays(index, terms, everyone)
        for c, name in enumerate(COVERAGES):
            for m, lam in enumerate(LAMBDAS):
                bidirectional[c, m, i] = rank_of(scores + lam * full[name], truth)
        top = np.argsort(-scores, kind="stable")[:K_MAX]
        hits = np.flatnonzero(top == truth)
        truth_at[i] = int(hits[0]) if len(hits) else -1
        matrix[i] = candidate_matrix(index, tables, terms, scores, resnik, top)
    return {"matrix": matrix, "truth_at": truth_at, "shipped": shipped, "resnik": resnik_rank,
            "bidirectional": bidirectional}


def as_ranks(pairs: np.ndarray) -> list[Rank | None]:
    return [None if p[0] < 0 else (int(p[0]), int(p[1])) for p in pairs]


# --- models -------------------------------------------------------------------------------------------------


def fit_pointwise(x: np.ndarray, truth_at: np.ndarray, penalty: float) -> np.ndarray:
    """Logistic regression, the truth against every other candidate of its case (C = 1 / penalty)."""
    rows = x.reshape(-1, x.shape[2])
    labels = np.zeros(x.shape[:2], dtype=int)
    for i, t in enumerate(truth_at):
        if t >= 0:
            labels[i, t] = 1
    model = LogisticRegression(C=1.0 / penalty, class_weight="balanced", max_iter=2000)
    model.fit(rows, labels.ravel())
    weights: np.ndarray = model.coef_[0]
    return weights


FITTERS = {"conditional_logit": fit_conditional_logit, "pointwise_logistic": fit_pointwise}


def reranked(data: dict[str, Any], weights: np.ndarray, mean: np.ndarray, scale: np.ndarray, depth: int,
             cases: Sequence[int]) -> list[Rank | None]:
    """Each case's truth rank once the top ``depth`` are re-ordered by the model (the rest keep their rank)."""
    out: list[Rank | None] = []
    for i in cases:
        t = int(data["truth_at"][i])
        if data["shipped"][i][0] < 0:
            out.append(None)
        elif 0 <= t < depth:
            out.append(rank_of(((data["matrix"][i, :depth] - mean) / scale) @ weights, t))
        else:
            out.append((int(data["shipped"][i][0]), int(data["shipped"][i][1])))
    return out


def fit(data: dict[str, Any], train: Sequence[int], model: str, penalty: float, depth: int
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = data["matrix"][list(train), :depth]
    truth = data["truth_at"][list(train)].copy()
    truth[truth >= depth] = -1
    flat = x.reshape(-1, x.shape[2])
    mean, scale = flat.mean(axis=0), flat.std(axis=0) + 1e-9
    return FITTERS[model]((x - mean) / scale, truth, penalty), mean, scale


def inner_choice(data: dict[str, Any], cases: Sequence[dict[str, Any]], train: Sequence[int], model: str,
                 seed: int) -> tuple[float, int]:
    """(penalty, depth) with the best MRR over an inner 4-fold disease-grouped CV of the training cases."""
    penalty, depth, _ = inner_best(data, cases, train, model, seed)
    return penalty, depth


def inner_best(data: dict[str, Any], cases: Sequence[dict[str, Any]], train: Sequence[int], model: str,
               seed: int) -> tuple[float, int, float]:
    """:func:`inner_choice` and the inner MRR it reached."""
    diseases = sorted({cases[i]["orpha"] for i in train})
    np.random.default_rng(seed + 1000).shuffle(diseases)
    inner = {d: k % 4 for k, d in enumerate(diseases)}
    best, best_mrr = (PENALTIES[0], DEPTHS[0]), -1.0
    for penalty, depth in itertools.product(PENALTIES, DEPTHS):
        ranks: list[Rank | None] = []
        for f in range(4):
            fit_on = [i for i in train if inner[cases[i]["orpha"]] != f]
            held = [i for i in train if inner[cases[i]["orpha"]] == f]
            weights, mean, scale = fit(data, fit_on, model, penalty, depth)
            ranks += reranked(data, weights, mean, scale, depth, held)
        mrr = metrics(ranks)["mrr"]
        if mrr > best_mrr:
            best, best_mrr = (penalty, depth), mrr
    return best[0], best[1], best_mrr


SELECTABLE: dict[str, tuple[str, ...]] = {
    "all": FEATURES,
    "without_log_features": tuple(f for f in FEATURES if f != "log_features"),
    "without_sources_and_siblings": tuple(f for f in FEATURES if not f.startswith(("share", "siblings"))),
    "without_log_features_sources_siblings": tuple(
        f for f in FEATURES if f != "log_features" and not f.startswith(("share", "siblings"))),
}


def outer_folds(cases: Sequence[dict[str, Any]], seed: int) -> Iterator[tuple[list[int], list[int]]]:
    """(training cases, held-out cases) of each disease-grouped outer fold."""
    fold = disease_folds(cases, seed)
    for f in range(FOLDS):
        yield ([i for i, c in enumerate(cases) if fold[c["orpha"]] != f],
               [i for i, c in enumerate(cases) if fold[c["orpha"]] == f])


def feature_set_cv(data: dict[str, Any], cases: Sequence[dict[str, Any]], seed: int
                   ) -> tuple[list[Rank | None], list[dict[str, Any]]]:
    """Nested CV that also chooses the feature set (:data:`SELECTABLE`) on the inner folds of each outer fold."""
    result: list[Rank | None] = [None] * len(cases)
    chosen = []
    for train, test in outer_folds(cases, seed):
        options = {name: inner_best(with_features(data, names), cases, train, "conditional_logit", seed)
                   for name, names in SELECTABLE.items()}
        name = max(options, key=lambda n: options[n][2])  # ties: the first, the full set
        penalty, depth, _ = options[name]
        subset = with_features(data, SELECTABLE[name])
        weights, mean, scale = fit(subset, train, "conditional_logit", penalty, depth)
        for i, r in zip(test, reranked(subset, weights, mean, scale, depth, test), strict=True):
            result[i] = r
        chosen.append({"features": name, "penalty": penalty, "depth": depth})
    return result, chosen


def nested_cv(data: dict[str, Any], cases: Sequence[dict[str, Any]], model: str, seed: int
              ) -> tuple[list[Rank | None], list[dict[str, Any]]]:
    result: list[Rank | None] = [None] * len(cases)
    chosen = []
    for train, test in outer_folds(cases, seed):
        penalty, depth = inner_choice(data, cases, train, model, seed)
        weights, mean, scale = fit(data, train, model, penalty, depth)
        for i, r in zip(test, reranked(data, weights, mean, scale, depth, test), strict=True):
            result[i] = r
        names = data.get("names", FEATURES)
        chosen.append({"penalty": penalty, "depth": depth,
                       "weights": {n: round(float(w), 3) for n, w in zip(names, weights, strict=True)}})
    return result, chosen


def bidirectional_cv(data: dict[str, Any], cases: Sequence[dict[str, Any]], seed: int
                     ) -> tuple[list[Rank | None], list[dict[str, Any]]]:
    """The shipped score + lambda x coverage; (coverage, lambda) with the best MRR on the training folds."""
    result: list[Rank | None] = [None] * len(cases)
    chosen = []
    options = list(itertools.product(range(len(COVERAGES)), range(len(LAMBDAS))))
    ranks = {o: as_ranks(data["bidirectional"][o[0], o[1]]) for o in options}
    for train, test in outer_folds(cases, seed):
        best = max(options, key=lambda o: metrics([ranks[o][i] for i in train])["mrr"])
        chosen.append({"coverage": COVERAGES[best[0]], "lambda": LAMBDAS[best[1]]})
        for i in test:
            result[i] = ranks[best][i]
    return result, chosen


def cached_features(cases: Sequence[dict[str, Any]], cache: Path | None) -> dict[str, Any]:
    """The dev cases' features (:func:`extract`), read from ``cache`` when it is there, else saved to it."""
    if cache and cache.is_file():
        with np.load(cache) as saved:
            return {k: saved[k] for k in saved.files}
    data = extract(build_index(), cases)
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **data)
    return data


def split(ranks: Sequence[Rank | None], flags: Sequence[bool]) -> dict[str, dict[str, float]]:
    return {"all": metrics(ranks), "leak_free": metrics([r for r, f in zip(ranks, flags, strict=True) if not f])}


ABLATIONS: dict[str, tuple[str, ...]] = {
    "shipped_score_only": ("score_gap", "log_rank", "absent_part"),
    "score_and_log_features": ("score_gap", "log_rank", "absent_part", "log_features"),
    "without_log_features": tuple(f for f in FEATURES if f != "log_features"),
    "without_coverage": tuple(f for f in FEATURES if not f.startswith("coverage")),
    "without_resnik": tuple(f for f in FEATURES if not f.startswith("resnik")),
    "without_query_shares": tuple(f for f in FEATURES if not f.startswith("query")),
    "without_sources_and_siblings": tuple(f for f in FEATURES if not f.startswith(("share", "siblings"))),
    # No annotation-count prior (issue 18 asks for a prior that does not favour richly annotated disorders).
    "without_log_features_sources_and_siblings": tuple(
        f for f in FEATURES if f != "log_features" and not f.startswith(("share", "siblings"))),
}


def with_features(data: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The same data with only the feature columns ``names``."""
    return {**data, "matrix": data["matrix"][..., [FEATURES.index(n) for n in names]], "names": tuple(names)}


def reciprocal(rank: Rank | None) -> float:
    if rank is None:
        return 0.0
    above, ties = rank
    return sum(1 / (above + j + 1) for j in range(ties)) / ties


def bootstrap_mrr_gain(new: Sequence[Rank | None], old: Sequence[Rank | None], cases: Sequence[dict[str, Any]],
                       keep: Sequence[bool], draws: int = 2000) -> list[float]:
    """95% interval of MRR(new) - MRR(old) over the kept cases, resampling *diseases* with replacement."""
    by_disease: dict[str, list[float]] = {}
    for n, o, case, k in zip(new, old, cases, keep, strict=True):
        if k:
            by_disease.setdefault(case["orpha"], []).append(reciprocal(n) - reciprocal(o))
    sums = np.array([sum(v) for v in by_disease.values()])
    sizes = np.array([len(v) for v in by_disease.values()])
    rng = np.random.default_rng(0)
    picks = rng.integers(len(sums), size=(draws, len(sums)))
    gains = sums[picks].sum(axis=1) / sizes[picks].sum(axis=1)
    return [round(float(np.percentile(gains, q)), 4) for q in (2.5, 50, 97.5)]


def final_model(data: dict[str, Any], cases: Sequence[dict[str, Any]], model: str
                ) -> tuple[float, int, np.ndarray, np.ndarray, np.ndarray]:
    """(penalty, depth) by 4-fold disease-grouped CV over all dev cases, then fitted on all of them."""
    everyone = list(range(len(cases)))
    penalty, depth = inner_choice(data, cases, everyone, model, 0)
    weights, mean, scale = fit(data, everyone, model, penalty, depth)
    return penalty, depth, weights, mean, scale


def simulate(index: SymptomIndex, data: dict[str, Any], cases: Sequence[dict[str, Any]], model: str,
             conditions: Sequence[str], names: Sequence[str] = FEATURES, every: int = 1) -> dict[str, Any]:
    """benchmarks/phenomizer.py --seed 0 --merge's patients (same draws), ranked by the shipped scorer, Resnik and
    the shipped scorer re-ordered by the model fitted on all dev cases (:func:`final_model`); ``every``: only every
    such patient of each set (quick looks; the draws are the benchmark's all the same)."""
    from phenomizer import CONDITIONS, Simulator, hits, lay_set

    penalty, depth, weights, mean, scale = final_model(with_features(data, names), cases, model)
    kept = [FEATURES.index(n) for n in names]
    tables = disorder_tables(index)
    sim = Simulator(index, index.hpo, np.random.default_rng(0), 5)
    diseases = list(range(len(index)))
    drawn = [(d, sim.patients(d)) for d in diseases]
    sets = {c: [(d, patient[c]) for d, patient in drawn] for c in CONDITIONS}
    if "lay" in conditions:
        sets["lay"], _ = lay_set(index, index.hpo, sim, diseases)
    report: dict[str, Any] = {"penalty": penalty, "depth": depth, "features": list(names)}
    for name in conditions:
        totals = {"healthqa": np.zeros(2), "resnik": np.zeros(2), "reranked": np.zeros(2)}
        for truth, terms in sets[name][::every]:
            if not terms:
                continue
            scores = index.scores(terms, DEFAULTS)
            resnik = resnik_scores(index, terms)
            totals["healthqa"] += hits(scores, truth)
            totals["resnik"] += hits(resnik, truth)
            top = np.argsort(-scores, kind="stable")[:depth]
            where = np.flatnonzero(top == truth)
            if len(where):
                rows = candidate_matrix(index, tables, terms, scores, resnik, top)[:, kept]
                learned = ((rows - mean) / scale) @ weights
                totals["reranked"] += hits(learned, int(where[0]))
            else:
                totals["reranked"] += hits(scores, truth)
        n = max(len(sets[name][::every]), 1)
        report[name] = {k: {"top1": round(v[0] / n, 3), "top10": round(v[1] / n, 3)} for k, v in totals.items()}
        print(name, report[name], file=sys.stderr, flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cache", type=Path, default=None, help="features saved here, read back when present")
    parser.add_argument("--models", nargs="+", default=list(FITTERS))
    parser.add_argument("--select-features", action="store_true",
                        help="nested CV that also chooses the feature set (SELECTABLE) instead")
    parser.add_argument("--ablations", action="store_true", help="the conditional logit on feature subsets")
    parser.add_argument("--simulate", nargs="*", default=None,
                        help="the simulated benchmark's conditions (clean noise imprecision both lay) instead")
    parser.add_argument("--every", type=int, default=1, help="--simulate: every n-th patient only (quick looks)")
    parser.add_argument("--ablation", default=None, choices=list(ABLATIONS),
                        help="--simulate or --ablations: only these features")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    start = time.perf_counter()
    cases = load_cases(DEFAULT_CASES)
    data = cached_features(cases, args.cache)
    if args.simulate is not None:
        conditions = args.simulate or ["clean", "noise", "imprecision", "both", "lay"]
        names = ABLATIONS[args.ablation] if args.ablation else FEATURES
        result = simulate(build_index(), data, cases, args.models[0], conditions, names, args.every)
        text = json.dumps({**result, "seconds": round(time.perf_counter() - start, 1)}, indent=1)
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")
        print(text)
        return
    flags = leaked(cases)
    shipped = as_ranks(data["shipped"])
    report: dict[str, Any] = {
        "cases": len(cases), "leak_free_cases": flags.count(False),
        "shipped_in_sample_weights_cv_equal": split(as_ranks(data["shipped"]), flags),
        "resnik": split(as_ranks(data["resnik"]), flags),
        "truth_in_top": {str(k): int(((data["truth_at"] >= 0) & (data["truth_at"] < k)).sum()) for k in DEPTHS},
    }
    for c, name in enumerate(COVERAGES):  # in-sample: lambda fixed, for what each coverage does
        for m, lam in enumerate(LAMBDAS):
            report[f"in_sample/{name}/lambda{lam}"] = split(as_ranks(data["bidirectional"][c, m]), flags)
    for seed in args.seeds if args.select_features else ():
        ranks, chosen = feature_set_cv(data, cases, seed)
        report[f"feature_set_cv/seed{seed}"] = {
            **split(ranks, flags), "chosen_per_fold": chosen,
            "mrr_gain_95_interval_by_disease": {
                "all": bootstrap_mrr_gain(ranks, shipped, cases, [True] * len(cases)),
                "leak_free": bootstrap_mrr_gain(ranks, shipped, cases, [not f for f in flags])}}
        print("feature_set_cv", seed, report[f"feature_set_cv/seed{seed}"], file=sys.stderr, flush=True)
    for seed in args.seeds if args.ablations else ():
        for name, names in ABLATIONS.items():
            if args.ablation and name != args.ablation:
                continue
            ranks, chosen = nested_cv(with_features(data, names), cases, "conditional_logit", seed)
            report[f"ablation/{name}/seed{seed}"] = {
                **split(ranks, flags), "chosen_per_fold": [(c["penalty"], c["depth"]) for c in chosen],
                "mrr_gain_95_interval_by_disease": {
                    "all": bootstrap_mrr_gain(ranks, shipped, cases, [True] * len(cases)),
                    "leak_free": bootstrap_mrr_gain(ranks, shipped, cases, [not f for f in flags])}}
            print(name, seed, report[f"ablation/{name}/seed{seed}"], file=sys.stderr, flush=True)
    for seed in args.seeds if not (args.ablations or args.select_features) else ():
        ranks, chosen = bidirectional_cv(data, cases, seed)
        report[f"bidirectional/seed{seed}"] = {
            **split(ranks, flags), "chosen_per_fold": chosen,
            "mrr_gain_95_interval_by_disease": {
                "all": bootstrap_mrr_gain(ranks, shipped, cases, [True] * len(cases)),
                "leak_free": bootstrap_mrr_gain(ranks, shipped, cases, [not f for f in flags])}}
        for model in args.models:
            ranks, chosen = nested_cv(data, cases, model, seed)
            report[f"{model}/seed{seed}"] = {
                **split(ranks, flags), "chosen_per_fold": chosen,
                "mrr_gain_95_interval_by_disease": {
                    "all": bootstrap_mrr_gain(ranks, shipped, cases, [True] * len(cases)),
                    "leak_free": bootstrap_mrr_gain(ranks, shipped, cases, [not f for f in flags])}}
            print(model, seed, report[f"{model}/seed{seed}"]["all"], report[f"{model}/seed{seed}"]["leak_free"],
                  file=sys.stderr, flush=True)
    report["seconds"] = round(time.perf_counter() - start, 1)
    text = json.dumps(report, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
