"""The query adapter, measured on questions it was not trained on.

The shipped adapter (``python -m healthqa.mediqa.training query-adapter``) is trained on the LiveQA 2017 training
questions, so benchmarks/liveqa_train.py scores it on its own training data. This script splits the 164
scored questions in two by number, trains an adapter (the same recipe, ``healthqa.mediqa.query_adapter_training.
fit_query_adapter``) on the sub-questions of every training question but one half's, and ranks that half
with it; then the other way round. It prints MAP@10, MRR@10 and success@10 over the 164 questions of
liveqa_train.py, with no adapter and with the held-out adapters, in the same run.

    python benchmarks/query_adapter_cv.py [--kb benchmarks/.cache/kb.db] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import liveqa_train
from _common import DEFAULT_DATA, DEFAULT_KB, BM25Index, build_kb, evaluate
from healthqa.answer.answerer import Answerer
from healthqa.learned import QueryAdapter
from healthqa.mediqa import query_adapter_training

METRICS = ("MAP@10", "MRR@10", "success@10")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    train_folder = args.data / "liveqa-med-2017" / "train"
    if not train_folder.is_dir():
        sys.exit(f"{args.data}: no liveqa-med-2017/train folder; pass --data")
    store = build_kb(args.kb, args.data)
    answerer = Answerer(store, in_memory=True)
    assert answerer.encoder is not None
    qrels, questions = liveqa_train.scored_questions(store, BM25Index(store), args.data)
    numbers = sorted(questions)

    # Every training pair, read and encoded as the shipped adapter's training reads it.
    pairs = query_adapter_training.liveqa_training_pairs(train_folder)
    said = [answerer.understand(message).expanded[:1000] for message, _ in pairs]
    queries = np.stack([answerer.encoder.encode_query(text) for text in said])
    targets = answerer.encoder.encode([faq for _, faq in pairs], max_tokens=64)
    corpus = answerer.ranker.index.matrix
    number_of = {text: n for n, text in enumerate((t for t, _ in liveqa_train.load_train(args.data)), start=1)}

    def rank(numbers_: list[int]) -> dict[int, list[str]]:
        return {n: [i for i, _ in answerer.rank_ids(questions[n], top=10)] for n in numbers_}

    answerer.ranker.adapter = None
    without = rank(numbers)
    held_out: dict[int, list[str]] = {}
    for fold in (0, 1):
        scored = {n for n in numbers if n % 2 == fold}
        keep = np.asarray([number_of.get(message, 0) not in scored for message, _ in pairs])
        matrix = query_adapter_training.fit_query_adapter(queries[keep], targets[keep], corpus)
        scale, shift = query_adapter_training.similarity_scale(queries[keep], matrix, corpus)
        answerer.ranker.adapter = QueryAdapter(matrix, answerer.encoder.name, scale, shift)
        held_out.update(rank([n for n in numbers if n % 2 == fold]))
        print(f"fold {fold}: trained on {int(keep.sum())} of {len(pairs)} pairs", file=sys.stderr)
    summary = {
        "questions": len(numbers),
        "without_adapter": {k: v for k, v in evaluate(without, qrels, numbers).items() if k in METRICS},
        "held_out_adapters": {k: v for k, v in evaluate(held_out, qrels, numbers).items() if k in METRICS},
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
