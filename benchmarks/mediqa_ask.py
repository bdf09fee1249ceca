"""A third ranking check for ``ask``: MEDIQA 2019's consumer questions, judged through CHiQA's judged answers.

MEDIQA's QA files give each question the answers NLM's CHiQA retrieved, each judged 1-4 by NLM (3-4 correct).
Many of those answers are MedQuAD's own pages (GARD, NIDDK, NHLBI, NIHSeniorHealth ...). A knowledge-base
passage takes an answer's judgment when at least ``--overlap`` (default half) of the word 5-grams of the
shorter of the two occur in the other (the best judgment when several answers hold it); every other passage
is unjudged. So the pool is CHiQA's, not healthqa's: the figures that matter are the condensed ones (Sakai
2007: unjudged answers removed before the cut at 10), which ask how healthqa orders the passages NLM judged.

The sets: ``alexa`` (``qa-train2-alexa.xml``, 104 short spoken questions) and ``validation``
(``qa-validation.xml``, 25 consumer messages). ``qa-train1`` is left out: it holds the LiveQA dev questions.
Nothing that ranks for ``ask`` was fitted on or chosen with either set before session 14, so both were
questions healthqa had not seen; questions with no judged passage are left out. healthqa
(``Answerer.rank_ids``) and plain BM25 (as in liveqa.py) run on the same knowledge base.

    python benchmarks/mediqa_ask.py [--kb benchmarks/.cache/kb.db] [--data ../shared/data] [--weight NAME=VALUE]

Prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _common import (
    RELEVANT,
    BM25Index,
    Qrels,
    build_kb,
    evaluate,
    evaluate_condensed,
    ranking_check_parser,
    unjudged_share,
    weights_given,
)
from healthqa.answer.answerer import Answerer
from healthqa.mediqa.rerank import MediqaQuestion, read_mediqa_questions
from healthqa.store.sqlite import SQLiteStore
from liveqa_train import grams

SETS = {"alexa": "qa-train2-alexa.xml", "validation": "qa-validation.xml"}
DEPTH = 100  # ranked this deep for the condensed lists


def judged_passages(question: MediqaQuestion, bm25: BM25Index, passage_grams: Sequence[set[tuple[str, ...]]],
                    overlap: float) -> dict[str, int]:
    """{public id: NLM's judgment} of the passages that hold one of the question's judged answers (or that one
    of them holds)."""
    judged: dict[str, int] = {}
    for answer in question.answers:
        if answer.reference_score is None:
            continue
        wanted = grams(answer.text)
        if len(wanted) < 5:  # a one-line answer matches anything that repeats its phrase
            continue
        for position, _ in bm25.search(answer.text[:2000], k=20):
            held = passage_grams[position]
            if len(held) < 5:
                continue
            if len(wanted & held) >= overlap * min(len(wanted), len(held)):
                public_id = bm25.public_ids[position]
                judged[public_id] = max(judged.get(public_id, 0), answer.reference_score)
    return judged


def judged_set(store: SQLiteStore, bm25: BM25Index, path: Path, overlap: float) -> tuple[Qrels, dict[int, str]]:
    """The judged passages and the text of every question of ``path`` (numbered in file order from 1) that has
    a passage judged correct (3-4)."""
    texts = {p.public_id: p.text for p in store.iter_passages()}
    passage_grams = [grams(texts.get(public_id, "")) for public_id in bm25.public_ids]
    qrels: Qrels = {}
    questions: dict[int, str] = {}
    for number, question in enumerate(read_mediqa_questions(path), start=1):
        judged = judged_passages(question, bm25, passage_grams, overlap)
        if any(grade >= RELEVANT for grade in judged.values()):
            qrels[number], questions[number] = judged, question.text
    return qrels, questions


def main() -> None:
    parser = ranking_check_parser(__doc__)
    parser.add_argument("--sets", default="alexa,validation", help="comma-separated: alexa, validation")
    args = parser.parse_args()
    weights = weights_given(args.weight)
    folder = args.data / "mediqa-2019"
    if not folder.is_dir():
        sys.exit(f"{args.data}: no mediqa-2019 folder; pass --data")
    store = build_kb(args.kb, args.data)
    answerer = Answerer(store, in_memory=True, weights=weights)
    bm25 = BM25Index(store)
    summary: dict[str, Any] = {
        "note": "judged = NLM's judgment of a CHiQA answer that holds the passage (>= "
                f"{args.overlap:.0%} of the shorter's word 5-grams); condensed lists are the figures to read",
        "weights": {w.partition("=")[0]: float(w.partition("=")[2]) for w in args.weight},
    }
    for name in args.sets.split(","):
        qrels, questions = judged_set(store, bm25, folder / SETS[name], args.overlap)
        numbers = sorted(questions)
        runs = {
            "healthqa": {n: [i for i, _ in answerer.rank_ids(questions[n], top=DEPTH)] for n in numbers},
            "bm25": {n: [i for i, _ in bm25.rank_ids(questions[n], k=DEPTH)] for n in numbers},
        }
        summary[name] = {
            "questions_kept": len(numbers),
            "judged_passages": sum(len(j) for j in qrels.values()),
            **{system: {"condensed": evaluate_condensed(run, qrels, numbers),
                        "lower_bound": evaluate(run, qrels, numbers),
                        "unjudged_share@10": unjudged_share(run, qrels, numbers)}
               for system, run in runs.items()},
        }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
