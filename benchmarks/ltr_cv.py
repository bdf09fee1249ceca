"""Learning to rank (issue 16): cross-validated figures of the learned passage ranker against the hand-set
weights, on the LiveQA 2017 training questions only (grouped by question; dev is never read here).

Exports the hand-weighted ranking's first 50 candidates of every training question whose reference answer
one of them holds (see :mod:`healthqa.mediqa.ltr_training`), then for every penalty and type-before-tier
margin prints out-of-fold MAP@10 / MRR@10 (5 folds, 2 seeds), beside the hand-set order on the same questions;
then the whole choice nested in 5 outer folds (the figure free of the grid's selection).

    python benchmarks/ltr_cv.py [--kb benchmarks/.cache/kb.db] [--data ../shared/data] [--cache FILE]
    python benchmarks/ltr_cv.py --lightgbm PATH        # also LightGBM lambdarank's CV grid (not a dependency:
                                                      # PATH is a folder from `pip install --target PATH lightgbm`)
    python benchmarks/ltr_cv.py --lightgbm PATH --dev  # then LightGBM's CV choice on LiveQA dev (liveqa.py)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from _common import CACHE, DEFAULT_DATA, DEFAULT_KB, build_kb
from healthqa.answer.answerer import Answerer
from healthqa.answer.rank import LEARNED_FEATURES
from healthqa.learned import ranker as learned_ranker
from healthqa.mediqa.ltr_training import (
    FOLDS,
    SEEDS,
    LtrData,
    cross_validate,
    export,
    learned_positions,
    nested_cross_validate,
    ranking_metrics,
)

LIGHTGBM_GRID = [(leaves, trees) for leaves in (3, 7, 15) for trees in (50, 150, 400)]
LIGHTGBM_MARGINS = (-1.0, 0.25, 0.5, 1.0, float("inf"))


def lightgbm_ranker(data: LtrData, groups: list[int], leaves: int, trees: int) -> Any:
    import lightgbm

    rows = np.concatenate([data.rows_of(g) for g in groups])
    model = lightgbm.LGBMRanker(objective="lambdarank", n_estimators=trees, num_leaves=leaves, learning_rate=0.05,
                                min_child_samples=20, lambdarank_truncation_level=10, n_jobs=1, verbose=-1)
    return model.fit(data.matrix[rows], data.labels[rows], group=[len(data.rows_of(g)) for g in groups])


def lightgbm_cross_validate(data: LtrData) -> dict[str, dict[str, float]]:
    """Out-of-fold MAP@10 / MRR@10 of LightGBM lambdarank, same folds as cross_validate."""
    count = len(data.questions)
    labels = [data.labels[data.rows_of(g)] for g in range(count)]
    grid: dict[str, dict[str, float]] = {}
    for leaves, trees in LIGHTGBM_GRID:
        runs: dict[float, list[dict[str, float]]] = {margin: [] for margin in LIGHTGBM_MARGINS}
        for seed in SEEDS:
            fold_of = np.random.default_rng(seed).permutation(count) % FOLDS
            scores: list[Any] = [None] * count
            for fold in range(FOLDS):
                model = lightgbm_ranker(data, [g for g in range(count) if fold_of[g] != fold], leaves, trees)
                for group in range(count):
                    if fold_of[group] == fold:
                        scores[group] = model.predict(data.matrix[data.rows_of(group)])
            for margin in LIGHTGBM_MARGINS:
                orders = [learned_positions(scores[g], data.lift[data.rows_of(g)], margin) for g in range(count)]
                runs[margin].append(ranking_metrics(orders, labels))
        for margin, results in runs.items():
            grid[f"leaves={leaves} trees={trees} margin={margin}"] = {
                key: round(float(np.mean([r[key] for r in results])), 4) for key in ("MAP@10", "MRR@10")}
    return grid


class _LightGBMOrder:
    """LightGBM's model in the place of the learned ranker (duck-typed LearnedRanker), for the dev read."""

    class _Features:
        features = LEARNED_FEATURES

        def check_features(self, expected: tuple[str, ...], name: str) -> None:
            assert tuple(expected) == self.features, name

    def __init__(self, booster: Any, margin: float) -> None:
        self.model, self.booster, self.type_first_margin, self.depth = self._Features(), booster, margin, 50

    def scores(self, matrix: Any) -> Any:
        return self.booster.predict(matrix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=CACHE / "ltr-candidates.npz",
                        help="the exported candidates (reused when present; delete after a ranking change)")
    parser.add_argument("--lightgbm", type=Path, help="a folder holding lightgbm (pip install --target)")
    parser.add_argument("--dev", action="store_true", help="with --lightgbm: read LiveQA dev with its CV choice")
    args = parser.parse_args()
    liveqa = args.data / "liveqa-med-2017" / "train"
    if not liveqa.is_dir():
        sys.exit(f"{args.data}: no liveqa-med-2017/train folder; pass --data")
    start = time.perf_counter()
    if args.cache.is_file():
        saved = np.load(args.cache, allow_pickle=False)
        data = LtrData(saved["matrix"], saved["labels"], saved["groups"], saved["lift"],
                       [str(q) for q in saved["questions"]], [str(f) for f in saved["files"]])
    else:
        store = build_kb(args.kb, args.data)
        data = export(Answerer(store, in_memory=True), liveqa)
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(args.cache, matrix=data.matrix, labels=data.labels, groups=data.groups, lift=data.lift,
                 questions=np.asarray(data.questions), files=np.asarray(data.files))
    print(f"candidates ready in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    report = cross_validate(data)
    report["nested"] = nested_cross_validate(data)
    if args.lightgbm:
        sys.path.append(str(args.lightgbm))
        grid = lightgbm_cross_validate(data)
        kept = [key for key in grid if float(key.split("margin=")[1]) > 0]
        best = max(kept, key=lambda key: (grid[key]["MAP@10"], grid[key]["MRR@10"]))
        report["lightgbm"] = {"best": best, "grid": grid}
    print(json.dumps(report, indent=1))
    if args.lightgbm and args.dev:
        leaves, trees, margin = (float(part.split("=")[1]) for part in report["lightgbm"]["best"].split())
        booster = lightgbm_ranker(data, list(range(len(data.questions))), int(leaves), int(trees))
        learned_ranker.LEARNED_RANKING = True
        learned_ranker.shipped = lambda: _LightGBMOrder(booster, margin)  # type: ignore[assignment,return-value]
        import liveqa

        sys.argv = ["liveqa.py", "--kb", str(args.kb), "--data", str(args.data)]
        liveqa.main()


if __name__ == "__main__":
    main()
