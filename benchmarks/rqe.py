"""Question entailment (MEDIQA 2019 task 2 data): accuracy of healthqa's entailment scorer.

    python benchmarks/rqe.py [--data ../shared/data/mediqa-2019] [--folds 5] [--with-train]

Prints JSON with three figures of different standing:

- ``validation``: the shipped weights (trained on ``rqe-train-amia2016.xml`` only) on
  ``rqe-validation-amia2016.xml``: the honest held-out figure;
- ``validation_cross_validated``: the same features with a logistic regression cross-validated *within*
  the validation file (folds grouped by consumer question). It shows what the features can do in the
  validation file's style (consumer questions against FAQ titles) — a figure for a model that is not
  the shipped one;
- ``train`` (with ``--with-train``; encoding 8,600 pairs takes minutes): the shipped weights on their own
  training file (fit, not generalisation).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from healthqa import learned
from healthqa.mediqa import entail, training
from healthqa.retrieve.encoder import default_encoder

Array = np.ndarray[Any, Any]


def _scores(labels: Array, probabilities: Array, threshold: float) -> dict[str, float]:
    predicted = probabilities >= threshold
    true_positive = float(np.sum(predicted & (labels == 1)))
    return {
        "pairs": float(len(labels)),
        "accuracy": float(np.mean(predicted == (labels == 1))),
        "precision": true_positive / max(float(np.sum(predicted)), 1.0),
        "recall": true_positive / max(float(np.sum(labels == 1)), 1.0),
        "positive_share": float(np.mean(labels == 1)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=training.default_data_dir())
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--with-train", action="store_true", help="also score the training file")
    args = parser.parse_args()
    from sklearn.model_selection import GroupKFold

    encoder = default_encoder()
    model = learned.load("entail")
    model.check_features(entail.FEATURES, "entail")
    result: dict[str, Any] = {
        "threshold": model.threshold,
        # False: the question parser's vocabularies changed since training; retrain before trusting figures.
        "weights_match_features": model.meta.get("fingerprint") == training.feature_fingerprint(),
    }

    start = time.perf_counter()
    pairs, matrix, labels = training.rqe_dataset(args.data / training.RQE_VALIDATION, encoder)
    seconds = time.perf_counter() - start
    result["validation"] = _scores(labels, model.probabilities(matrix), model.threshold)
    result["validation"]["ms_per_pair"] = 1000 * seconds / len(pairs)
    result["validation_always_false_baseline"] = float(np.mean(labels == 0))

    groups = np.unique([p.consumer for p in pairs], return_inverse=True)[1]
    out_of_fold = np.zeros(len(labels))
    for train, test in GroupKFold(n_splits=args.folds).split(matrix, labels, groups):
        fold_model = training.fit_linear(matrix[train], labels[train], entail.FEATURES, training.C_ENTAIL)
        out_of_fold[test] = fold_model.probabilities(matrix[test])
    result["validation_cross_validated"] = {
        "folds": args.folds, "grouped_by": "consumer question", **_scores(labels, out_of_fold, 0.5),
    }

    if args.with_train:
        _, train_matrix, train_labels = training.rqe_dataset(args.data / training.RQE_TRAIN, encoder)
        result["train"] = _scores(train_labels, model.probabilities(train_matrix), model.threshold)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
