"""A second, independent ranking check: LiveQA 2017 training questions whose reference answer is in the KB.

The LiveQA dev qrels judge only what the 2017 systems returned (40% of healthqa's top 10 are unjudged), and
52 questions are few: one question moves MAP@10 by 0.02. The 448 training questions (none of them dev
questions, none in MEDIQA's training files) come with NLM's reference answers, many of them copied from
pages that MedQuAD holds. A passage counts as relevant to a question when at least ``--overlap`` (default
half) of the word 5-grams of one of the question's reference answers occur in it; questions with no such
passage are left out. healthqa (``Answerer.rank_ids``, top 10) and plain BM25 (as in liveqa.py) are scored
with MAP@10, MRR@10 and success@10 over the questions kept.

    python benchmarks/liveqa_train.py [--kb benchmarks/.cache/kb.db] [--data ../shared/data] [--detail FILE]

Prints a JSON summary.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from _common import BM25Index, Qrels, build_kb, evaluate, load_liveqa_train, ranking_check_parser, weights_given
from healthqa.answer.answerer import Answerer
from healthqa.store.sqlite import SQLiteStore

_WORD = re.compile(r"[a-z0-9]+")


def grams(text: str, size: int = 5) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def load_train(data: Path) -> list[tuple[str, list[str]]]:
    """(SUBJECT. MESSAGE, reference answers) of every training question that has answers."""
    return [(q.text, q.answers) for q in load_liveqa_train(data) if q.answers]


def relevant_passages(answers: list[str], bm25: BM25Index, passage_grams: list[set[tuple[str, ...]]],
                      overlap: float) -> dict[str, int]:
    """Public ids of the passages holding most of one reference answer (judged 4, LiveQA's scale)."""
    found: dict[str, int] = {}
    for answer in answers:
        wanted = grams(answer)
        if len(wanted) < 5:  # a one-line answer matches anything that repeats its phrase
            continue
        for position, _ in bm25.search(answer[:2000], k=20):
            if len(wanted & passage_grams[position]) >= overlap * len(wanted):
                found[bm25.public_ids[position]] = 4
    return found


def scored_questions(store: SQLiteStore, bm25: BM25Index, data: Path,
                     overlap: float = 0.5) -> tuple[Qrels, dict[int, str]]:
    """The relevant passages and the text of every training question (numbered in file order from 1) that
    has a reference answer in the knowledge base."""
    texts = {p.public_id: p.text for p in store.iter_passages()}
    passage_grams = [grams(texts.get(public_id, "")) for public_id in bm25.public_ids]
    qrels: Qrels = {}
    questions: dict[int, str] = {}
    for number, (text, answers) in enumerate(load_train(data), start=1):
        judged = relevant_passages(answers, bm25, passage_grams, overlap)
        if judged:
            qrels[number], questions[number] = judged, text
    return qrels, questions


def main() -> None:
    parser = ranking_check_parser(__doc__)
    parser.add_argument("--detail", type=Path, help="write each question's top 10 and relevant passages here")
    args = parser.parse_args()
    weights = weights_given(args.weight)
    if not (args.data / "liveqa-med-2017" / "train").is_dir():
        sys.exit(f"{args.data}: no liveqa-med-2017/train folder; pass --data")
    store = build_kb(args.kb, args.data)
    answerer = Answerer(store, in_memory=True, weights=weights)
    bm25 = BM25Index(store)
    qrels, questions = scored_questions(store, bm25, args.data, args.overlap)
    numbers = sorted(questions)
    runs = {
        "healthqa": {n: [i for i, _ in answerer.rank_ids(questions[n], top=10)] for n in numbers},
        "bm25": {n: [i for i, _ in bm25.rank_ids(questions[n], k=10)] for n in numbers},
    }
    metrics = ("MAP@10", "MRR@10", "success@10")
    summary = {
        "questions_with_answer_in_kb": len(numbers),
        "relevant_passages": sum(len(j) for j in qrels.values()),
        "note": f"relevant = holds >= {args.overlap:.0%} of a reference answer's word 5-grams",
        **{system: {k: v for k, v in evaluate(run, qrels, numbers).items() if k in metrics}
           for system, run in runs.items()},
    }
    print(json.dumps(summary, indent=2))
    if args.detail:
        args.detail.write_text(json.dumps([
            {"number": n, "question": questions[n][:300], "relevant": sorted(qrels[n]),
             **{system: run[n] for system, run in runs.items()}} for n in numbers], indent=1))


if __name__ == "__main__":
    main()
