"""MEDIQA 2019 task 3 (answer re-ranking): healthqa's re-ranker against CHiQA's own order.

    python benchmarks/mediqa.py [--data ../shared/data/mediqa-2019] [--folds 5]

Prints JSON:

- ``validation``: the shipped weights (trained on the two training files) on ``qa-validation.xml``;
- ``chiqa_validation``: CHiQA's order with every answer labelled 1 (and with only its first answer
  labelled 1), on the same file;
- ``cross_validation``: the whole training procedure (fit and threshold) cross-validated by question
  over ``qa-train1-liveqa-dev.xml`` + ``qa-train2-alexa.xml``, with CHiQA's figures on the same questions;
  the training files include 19 questions with no correct answer, which score 0 on every rank figure;
- ``cross_source``: the whole procedure fitted on one training file and scored on the other (LiveQA questions
  and Alexa questions: another source, as the test questions are), each way, with their mean accuracy.

On the training files (``cross_validation``, ``cross_source``) the cross-encoder's columns come from
cross-encoders fitted on the other half of the same file, so the re-ranker's part crosses sources and the
cross-encoder's does not; ``benchmarks/mediqa_cross_encoder.py cross-source`` crosses both.

Figures (see :func:`healthqa.mediqa.training.mediqa_metrics`): ``accuracy`` of the labels; ``mrr``, the
official-style MRR over healthqa's order restricted to the answers it labelled 1 (first correct one);
``mrr_full_order`` over the whole order; ``p_at_1``; ``precision``; ``spearman`` against the reference
ranks.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from healthqa import learned
from healthqa.mediqa import rerank, training
from healthqa.retrieve.encoder import default_encoder


def _chiqa(questions: list[rerank.MediqaQuestion]) -> dict[str, dict[str, float]]:
    all_labelled = [training.chiqa_ranking(q) for q in questions]
    first_labelled = [
        [rerank.RankedAnswer(a.qid, a.aid, a.rank, int(a.rank == 1), a.score, a.answer) for a in ranked]
        for ranked in all_labelled
    ]
    return {
        "all_labelled_1": training.mediqa_metrics(all_labelled),
        "first_labelled_1": training.mediqa_metrics(first_labelled),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=training.default_data_dir())
    parser.add_argument("--folds", type=int, default=training.FOLDS)
    args = parser.parse_args()
    encoder = default_encoder()
    model = learned.load("rerank")
    result: dict[str, Any] = {
        "threshold": model.threshold,
        # False: the question parser's vocabularies changed since training; retrain before trusting figures.
        "weights_match_features": model.meta.get("fingerprint") == training.feature_fingerprint(),
    }

    questions = rerank.read_mediqa_questions(args.data / training.QA_VALIDATION)
    rerank.rerank(questions[0], encoder)  # warm-up, so the timing below is the steady state
    start = time.perf_counter()
    ranked = [rerank.rerank(q, encoder) for q in questions]
    seconds = time.perf_counter() - start
    result["validation"] = training.mediqa_metrics(ranked)
    result["validation"]["seconds_per_question"] = seconds / len(questions)
    result["chiqa_validation"] = _chiqa(questions)

    # The cross-encoder columns of training questions come from cross-encoders fitted on the other half of the
    # same file (the shipped one saw every training question): ~10 minutes of fitting on two cores.
    sources = [training.rerank_dataset([args.data / name], encoder, cross_out_of_fold=True)
               for name in training.QA_TRAIN]
    dataset = training.RerankData(
        [q for source in sources for q in source.questions], np.vstack([s.matrix for s in sources]),
        np.concatenate([s.labels for s in sources]),
        np.concatenate([s.groups + sum(len(o.questions) for o in sources[:i]) for i, s in enumerate(sources)]))
    result["cross_validation"] = {
        "folds": args.folds,
        "grouped_by": "question",
        "healthqa": training.cross_validate_rerank(dataset, folds=args.folds),
        "chiqa": _chiqa(dataset.questions),
    }
    carried = training.cross_source_validate(sources)
    result["cross_source"] = {
        f"fitted on {fitted}": figures for fitted, figures in zip(training.QA_TRAIN, carried, strict=True)
    }
    result["cross_source"]["mean_accuracy"] = sum(f["accuracy"] for f in carried) / len(carried)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
