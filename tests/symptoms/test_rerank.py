"""The symptom search's second stage (issue 18) on a small invented index: its features, its fit, its order."""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthqa.symptoms.hpo import load_hpo
from healthqa.symptoms.index import Disorder, SymptomIndex
from healthqa.symptoms.rerank import (
    DEPTHS,
    FEATURES,
    MODEL_FEATURES,
    SymptomReranker,
    TrainingCases,
    candidate_features,
    fit_conditional_logit,
    fit_reranker,
    joined,
    load_reranker,
    resnik_bma,
    simulated_cases,
)

PTOSIS, UNILATERAL_PTOSIS, XEROSTOMIA, SEIZURE = "HP:0000508", "HP:0007687", "HP:0000217", "HP:0001250"
WEAKNESS, RASH = "HP:0001324", "HP:0000988"
GROUP = (("900200", "Invented myopathy (test)"),)


@pytest.fixture(scope="module")
def index() -> SymptomIndex:
    """Two sibling subtypes (the second with one feature more), and two disorders of their own."""
    disorders = [
        Disorder(0, "900201", "Invented myopathy, type A (test)", parents=GROUP),
        Disorder(1, "900202", "Invented myopathy, type B (test)", parents=GROUP),
        Disorder(2, "900001", "Invented dry weakness (test)"),
        Disorder(3, "900002", "Invented rash (test)"),
    ]
    features = {
        0: [(PTOSIS, 0.9), (SEIZURE, 0.9)],
        1: [(PTOSIS, 0.9), (SEIZURE, 0.9), (WEAKNESS, 0.5)],
        2: [(XEROSTOMIA, 0.9), (WEAKNESS, 0.9)],
        3: [(RASH, 0.9)],
    }
    return SymptomIndex(disorders, features, load_hpo())


def column(matrix: np.ndarray, name: str) -> np.ndarray:
    return matrix[:, FEATURES.index(name)]


def test_features_say_how_a_candidate_matches_not_which_it_is(index: SymptomIndex) -> None:
    terms = [UNILATERAL_PTOSIS, SEIZURE]
    scores = index.scores(terms)
    top = np.argsort(-scores, kind="stable")
    matrix = candidate_features(index, terms, scores, resnik_bma(index, terms), top)
    assert matrix.shape == (4, len(FEATURES))
    row = {index.orpha[int(d)]: r for r, d in enumerate(top)}
    type_a, type_b, rash = row["900201"], row["900202"], row["900002"]
    assert top[0] == index.orpha.index("900201")  # the scorer's best: all its features matched, none missing
    assert column(matrix, "score_gap")[type_a] == 0.0 and column(matrix, "log_rank")[type_a] == 0.0
    # Type A's two features are each matched by a term at or below them: its whole record is covered.
    assert column(matrix, "coverage_hit")[type_a] == pytest.approx(1.0)
    assert 0.0 < column(matrix, "coverage_hit")[type_b] < 1.0  # its muscle weakness is not
    assert column(matrix, "coverage_hit")[rash] == 0.0
    # Seizure matches a feature exactly; unilateral ptosis only the more general Ptosis: partly.
    assert column(matrix, "query_exact")[type_a] == 0.5 and column(matrix, "query_partial")[type_a] == 0.5
    assert column(matrix, "log_features")[type_b] == pytest.approx(math.log(3))
    assert column(matrix, "share_orphanet")[type_a] == 1.0 and column(matrix, "share_hpo")[type_a] == 0.0
    # The two subtypes share a parent group: one sibling each, type B's scored above it.
    assert column(matrix, "siblings")[type_a] == 1 and column(matrix, "siblings")[rash] == 0
    assert column(matrix, "siblings_above")[type_b] == 1 and column(matrix, "siblings_above")[type_a] == 0


def test_the_model_reorders_only_the_scorers_best(index: SymptomIndex) -> None:
    terms = [PTOSIS]
    scores = index.scores(terms)
    plain = np.argsort(-scores, kind="stable")
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("coverage_hit")] = -1.0  # invented: prefer the record the person covers least
    model = SymptomReranker(2, 1.0, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), weights, {})
    order = model.order(index, terms)
    assert sorted(order.tolist()) == [0, 1, 2, 3]
    assert order[:2].tolist() == plain[:2][::-1].tolist()  # the two subtypes swapped
    assert order[2:].tolist() == plain[2:].tolist()
    assert model.order(index, []).tolist() == np.argsort(-index.scores([]), kind="stable").tolist()


def test_the_conditional_logit_learns_which_feature_marks_the_truth() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5, 2))
    truth = rng.integers(5, size=60)
    x[np.arange(60), truth, 0] += 3.0  # feature 0 marks the true candidate; feature 1 is noise
    truth[:3] = -1  # cases whose truth is not among the candidates are left out
    weights = fit_conditional_logit(x, truth, penalty=1.0)
    assert weights[0] > 1.0 and abs(weights[1]) < weights[0] / 3
    assert abs(fit_conditional_logit(x, truth, penalty=1e4)[0]) < 0.1  # a large penalty shrinks it


def test_fit_chooses_on_grouped_folds_and_the_model_round_trips() -> None:
    rng = np.random.default_rng(1)
    cases, depth = 40, max(DEPTHS)
    matrix = rng.normal(size=(cases, depth, len(FEATURES)))
    truth = rng.integers(30, size=cases)
    matrix[np.arange(cases), truth, FEATURES.index("coverage_soft")] += 4.0
    data = TrainingCases(matrix, truth.astype(np.int64), np.stack([truth, np.ones(cases, dtype=int)], axis=1),
                         tuple(f"ORPHA:{i % 10}" for i in range(cases)))
    model = fit_reranker(data, {"note": "invented"})
    assert model.depth in DEPTHS and model.meta == {
        "note": "invented", "cases": 40, "diseases": 10, "simulated_cases": 0, "shrink": 0.0}
    assert int(np.argmax(model.weights)) == FEATURES.index("coverage_soft")
    again = SymptomReranker.from_json(model.to_json())
    assert np.allclose(again.scores(matrix[0]), model.scores(matrix[0]))
    with pytest.raises(ValueError, match="features"):
        SymptomReranker.from_json({**model.to_json(), "features": ["score_gap"]})  # 16 weights, 1 feature
    # A model over some of the features reads the same full rows.
    kept = tuple(f for f in FEATURES if f != "log_features")
    smaller = fit_reranker(data, {}, kept)
    assert smaller.features == kept and smaller.weights.shape == (len(kept),)
    assert smaller.scores(matrix[0]).shape == (depth,)
    assert SymptomReranker.from_json(smaller.to_json()).features == kept


def test_simulated_patients_weigh_in_the_fit_but_not_in_the_choice_and_shrink_moves_toward_the_scorer() -> None:
    rng = np.random.default_rng(2)
    depth = max(DEPTHS)

    def invented(cases: int, mark: str, weight: float | None) -> TrainingCases:
        matrix = rng.normal(size=(cases, depth, len(FEATURES)))
        truth = rng.integers(30, size=cases)
        matrix[np.arange(cases), truth, FEATURES.index(mark)] += 4.0
        return TrainingCases(matrix, truth.astype(np.int64), np.stack([truth, np.ones(cases, dtype=int)], axis=1),
                             tuple(f"ORPHA:{i % 10}" for i in range(cases)),
                             None if weight is None else np.full(cases, weight))

    # Real cases marked by one feature, many simulated ones by another: weighing 1 each, the simulated ones win.
    real, simulated = invented(40, "coverage_soft", None), invented(400, "query_exact", 0.01)
    assert joined(real, simulated).real() == list(range(40))
    light = fit_reranker(joined(real, simulated), {})
    heavy = fit_reranker(joined(real, invented(400, "query_exact", 0.99)), {})
    soft, exact = FEATURES.index("coverage_soft"), FEATURES.index("query_exact")
    assert light.weights[soft] > light.weights[exact] and heavy.weights[exact] > heavy.weights[soft]
    assert light.meta["cases"] == 40 and light.meta["simulated_cases"] == 400
    shrunk = fit_reranker(real, {}, shrink=5.0)
    assert shrunk.weights[FEATURES.index("score_gap")] == pytest.approx(
        fit_reranker(real, {}).weights[FEATURES.index("score_gap")] + 5.0)


def test_simulated_cases_are_drawn_from_the_disorders_own_annotations(index: SymptomIndex) -> None:
    drawn = simulated_cases(index, seed=3, disorders=2, weight=0.01)
    # Each disorder drawn gives one patient per condition (four), each weighing what was asked.
    assert len(drawn.truth_at) == 8 and set(drawn.weights().tolist()) == {0.01}
    assert len(set(drawn.disease)) == 2 and drawn.real() == []
    assert drawn.matrix.shape == (8, max(DEPTHS), len(FEATURES))


def test_the_shipped_model_reads() -> None:
    model = load_reranker()
    assert model.features == MODEL_FEATURES and model.weights.shape == (len(MODEL_FEATURES),)
    assert model.depth in DEPTHS
    assert model.meta["cases"] > 0 and model.meta["simulated_cases"] > 0 and model.meta["shrink"] > 0
    assert "log_features" not in model.features  # no prior for richly annotated disorders (issue 18)


def test_the_search_shows_the_second_stages_order_with_the_scorers_scores(
    index: SymptomIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthqa.symptoms import search

    terms = [PTOSIS]
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("coverage_hit")] = -1.0  # invented, as above: the two subtypes swap
    model = SymptomReranker(2, 1.0, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), weights, {})
    plain = index.search(terms, top=3)
    reordered = index.search(terms, top=3, reorder=model.order)
    assert [d.orpha for d in reordered[:2]] == [d.orpha for d in plain[:2]][::-1]
    assert {d.orpha: d.score for d in reordered} == {d.orpha: d.score for d in plain}
    # The public searches apply the shipped model when it is switched on (on as shipped: see search.py).
    switched_on = search.learned_order()
    assert switched_on is not None
    monkeypatch.setattr(search, "LEARNED_ORDER", False)
    assert search.learned_order() is None
    assert [d.orpha for d in index.search(terms, 4, switched_on)] == [
        index.orpha[int(i)] for i in load_reranker().order(index, index.query_terms(terms))]


def test_the_disorders_table_is_forgotten_with_its_index() -> None:
    # A server replaces its symptom index after an ingest: the second stage's table must not keep the old one.
    import gc
    import weakref

    from healthqa.symptoms.rerank import disorder_facts

    index = SymptomIndex([Disorder(0, "900003", "Invented rash (test)")], {0: [(RASH, 0.9)]}, load_hpo())
    assert disorder_facts(index) is disorder_facts(index)  # computed once
    gone = weakref.ref(index)
    del index
    gc.collect()
    assert gone() is None
