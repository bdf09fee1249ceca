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
recipe; this script keeps its own copy of the training loop, which gave the figures in BENCHMARKS.md, and
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
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cross_encoder  # the network and its adapters

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
EXTRA = ("ce", "ce_relative", "ce_z")
ANSWER_CHARACTERS = 3000


def _pairs(questions: Sequence[Any]) -> list[tuple[str, str, float]]:
    return [(q.text, a.text[:ANSWER_CHARACTERS], (a.reference_score - 1) / 3.0)
            for q in questions for a in q.answers]


def fit(questions: Sequence[Any], epochs: int, tokens: int, seed: int = 0) -> tuple[Any, Any]:
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    tokenizer, network = cross_encoder._model(None)
    network.train()
    trainable = [p for p in network.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=5e-4, weight_decay=0.01)
    pairs = _pairs(questions)
    start, losses = time.time(), []
    for epoch in range(epochs):
        rng.shuffle(pairs)
        for first in range(0, len(pairs), 8):
            batch = pairs[first:first + 8]
            encoded = tokenizer([p[0] for p in batch], [p[1] for p in batch], truncation="longest_first",
                                max_length=tokens, padding=True, return_tensors="pt")
            logits = network(encoded["input_ids"], encoded["attention_mask"], encoded["token_type_ids"])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, torch.tensor([p[2] for p in batch], dtype=logits.dtype))
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
            losses.append(loss.item())
        print(f"  epoch {epoch + 1}: {len(pairs)} pairs, loss {np.mean(losses[-len(pairs) // 8:]):.3f}, "
              f"{time.time() - start:.0f}s", flush=True)
    network.eval()
    return tokenizer, network


def score(model: tuple[Any, Any], questions: Sequence[Any], tokens: int) -> np.ndarray:
    """Three columns per answer, questions in order: raw score, minus the question's best, z within it."""
    import torch

    tokenizer, network = model
    blocks = []
    with torch.no_grad():
        for question in questions:
            texts = [a.text[:ANSWER_CHARACTERS] for a in question.answers]
            encoded = tokenizer([question.text] * len(texts), texts, truncation="longest_first", max_length=tokens,
                                padding=True, return_tensors="pt")
            values = network(encoded["input_ids"], encoded["attention_mask"], encoded["token_type_ids"]).numpy()
            blocks.append(np.stack([values, values - values.max(), (values - values.mean()) / (values.std() + 1e-9)],
                                   axis=1))
    return np.vstack(blocks)


def out_of_fold(questions: Sequence[Any], epochs: int, tokens: int) -> np.ndarray:
    order = list(range(len(questions)))
    random.Random(0).shuffle(order)
    halves = [sorted(order[: len(order) // 2]), sorted(order[len(order) // 2:])]
    columns: dict[int, np.ndarray] = {}
    for held, used in ((halves[0], halves[1]), (halves[1], halves[0])):
        model = fit([questions[i] for i in used], epochs, tokens)
        for i in held:
            columns[i] = score(model, [questions[i]], tokens)
    return np.vstack([columns[i] for i in range(len(questions))])


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=("cross-source", "validation"))
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=256)
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
            own_extra = out_of_fold(own.questions, args.epochs, args.tokens)
            other_extra = score(fit(own.questions, args.epochs, args.tokens), other.questions, args.tokens)
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
