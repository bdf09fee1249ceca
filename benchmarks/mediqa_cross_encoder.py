"""Issue 16: a cross-encoder fitted on MEDIQA's own judgments, as one more feature of the MEDIQA re-ranker.

Session 13's cross-encoder learned from MedQuAD's FAQ pairs and added nothing to the re-ranker. This one learns
what the re-ranker is asked: whether a retrieved answer answers a consumer question. Same network as
``benchmarks/cross_encoder.py`` (all-MiniLM-L6-v2 from the registry package, rank-8 adapters on layers 2-5 and a
linear head on the mean-pooled output; nothing else trained), reading ``question [SEP] answer`` cut to
``--tokens`` word pieces; the target is the answer's reference score mapped to 0..1 ((score - 1) / 3), binary
cross-entropy; AdamW 5e-4, batches of 8 pairs, ``--epochs`` passes, seed 0. Every setting is fixed before any
figure is read; nothing is chosen on the figures below.

    python benchmarks/mediqa_cross_encoder.py cross-source      # the figure that decides
    python benchmarks/mediqa_cross_encoder.py validation        # read once, only if cross-source gains

What ships since (``healthqa.mediqa.cross_encoder``, the last three of ``rerank.FEATURES``) is this network and
recipe; this script calls the library's training, scoring and out-of-fold functions (the figures in BENCHMARKS.md
came from this script's earlier copy of the same loop, same seeds and order, printing each epoch's loss), and
reads the re-ranker's other features from the library (its cross-encoder columns dropped).

``cross-source``: for each training file A (LiveQA's consumer messages, Alexa's questions) and the other file B,
the cross-encoder's scores on A come out of fold (two folds by question, each scored by a network fitted on the
other), a network fitted on all of A scores B; the re-ranker (shipped features + the cross-encoder's raw score,
its distance to the question's best and its z-score within the question) is fitted on A by the shipped
procedure (threshold included) and scored on B. The row without the cross-encoder is the shipped
``training.cross_source_validate``. ``validation``: both training files, scored on the validation file.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from healthqa.mediqa import cross_encoder as network

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
EXTRA = ("ce", "ce_relative", "ce_z")


def fit(questions: Sequence[Any], epochs: int, tokens: int, seed: int = 0) -> Any:
    from healthqa.mediqa import training

    return network.fitted([pair for q in questions for pair in training.cross_pairs(q)], epochs, tokens, seed)


def score(model: Any, questions: Sequence[Any], tokens: int) -> np.ndarray:
    """Three columns per answer, questions in order: raw score, minus the question's best, z within it."""
    return np.vstack([network.columns(model.score(q.text, [a.text for a in q.answers], tokens)) for q in questions])


def out_of_fold(questions: Sequence[Any], epochs: int, tokens: int) -> np.ndarray:
    from healthqa.mediqa import training

    scores = network.out_of_fold([training.cross_pairs(q) for q in questions], epochs=epochs, tokens=tokens)
    return np.vstack([network.columns(values) for values in scores])


def _dataset(paths: Sequence[Path], encoder: Any) -> Any:
    """The re-ranker's features without the cross-encoder's columns (the last three of ``rerank.FEATURES``)."""
    from healthqa.mediqa import rerank, training

    questions = [q for path in paths for q in rerank.read_mediqa_questions(path) if q.answers]
    blocks = [rerank.question_features(q, encoder, [0.0] * len(q.answers))[:, :-len(EXTRA)] for q in questions]
    return training.RerankData(questions, np.vstack(blocks),
                               np.asarray([int(bool(a.correct)) for q in questions for a in q.answers]),
                               np.asarray([i for i, q in enumerate(questions) for _ in q.answers]))


def _with(dataset: Any, extra: np.ndarray) -> Any:
    from healthqa.mediqa import training

    return training.RerankData(dataset.questions, np.hstack([dataset.matrix, extra]), dataset.labels,
                               dataset.groups)


def _evaluate(train: Any, held: Any) -> dict[str, float]:
    from healthqa.mediqa import training

    model = training.fit_rerank(train)
    return {k: round(float(v), 3) for k, v in training.mediqa_metrics(
        [training._ranked(model, held, q) for q in range(len(held.questions))]).items()}


def _crossed(own: Sequence[Any], other: Sequence[Any], epochs: int, tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """The cross-encoder's columns for ``own`` out of fold, and for ``other`` from one fitted on all of ``own``."""
    return out_of_fold(own, epochs, tokens), score(fit(own, epochs, tokens), other, tokens)


def _cached(folder: Path | None, key: str, compute: Callable[[], tuple[np.ndarray, np.ndarray]],
            ) -> tuple[np.ndarray, np.ndarray]:
    """The cross-encoder's columns for a training file (out of fold) and for the other file, from ``folder``
    when an earlier run with the same file, epochs and tokens left them there."""
    if folder is None:
        return compute()
    own_path, other_path = folder / f"{key}-own.npy", folder / f"{key}-other.npy"
    if own_path.exists() and other_path.exists():
        return np.load(own_path), np.load(other_path)
    own, other = compute()
    folder.mkdir(parents=True, exist_ok=True)
    np.save(own_path, own)
    np.save(other_path, other)
    return own, other


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=("cross-source", "validation"))
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep the cross-encoder's columns here (.npy per file and role) and reuse them")
    args = parser.parse_args()
    import torch

    from healthqa.mediqa import rerank, training
    from healthqa.retrieve.encoder import default_encoder

    torch.set_num_threads(2)
    folder = args.data / "mediqa-2019"
    encoder = default_encoder()
    everything = rerank.FEATURES
    assert everything[-len(EXTRA):] == ("cross_encoder", "cross_encoder_relative", "cross_encoder_z")
    shipped = everything[:-len(EXTRA)]  # without the cross-encoder, as before session 18
    rerank.FEATURES = shipped
    result: dict[str, Any] = {"epochs": args.epochs, "tokens": args.tokens}
    if args.task == "cross-source":
        sources = [_dataset([folder / name], encoder) for name in training.QA_TRAIN]
        result["shipped"] = [_evaluate(sources[a], sources[1 - a]) for a in (0, 1)]
        for a in (0, 1):
            own, other = sources[a], sources[1 - a]
            print(f"fitting on {training.QA_TRAIN[a]}", flush=True)
            own_extra, other_extra = _cached(
                args.cache, f"{a}-e{args.epochs}-t{args.tokens}",
                functools.partial(_crossed, own.questions, other.questions, args.epochs, args.tokens))
            rerank.FEATURES = everything
            try:
                result[f"with cross-encoder, fitted on {training.QA_TRAIN[a]}"] = _evaluate(
                    _with(own, own_extra), _with(other, other_extra))
                result[f"cross-encoder alone ranks {training.QA_TRAIN[1 - a]}: spearman with labels"] = round(
                    training.spearman(list(other_extra[:, 0]), list(other.labels)), 3)
            finally:
                rerank.FEATURES = shipped
            print(json.dumps(result), flush=True)
    else:
        train = _dataset([folder / name for name in training.QA_TRAIN], encoder)
        validation = _dataset([folder / training.QA_VALIDATION], encoder)
        result["shipped"] = _evaluate(train, validation)
        own_extra = out_of_fold(train.questions, args.epochs, args.tokens)
        other_extra = score(fit(train.questions, args.epochs, args.tokens), validation.questions, args.tokens)
        rerank.FEATURES = everything
        try:
            result["with cross-encoder"] = _evaluate(_with(train, own_extra), _with(validation, other_extra))
        finally:
            rerank.FEATURES = shipped
    rerank.FEATURES = everything
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
