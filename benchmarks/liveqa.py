"""TREC 2017 LiveQA medical dev set: healthqa's ranking against a plain BM25 baseline on the same KB.

Runs the 52 dev questions in the consumer's original wording (SUBJECT. MESSAGE) and, for reference
only, as NLM's expert summaries, through healthqa (``Answerer.rank_ids``, top 10) and through bm25s
over "question + title + answer" of every visible passage. Means are over ALL 52 questions: those
with no answer judged 3 or 4 count 0. Unjudged answers count as incorrect, so every figure is a
lower bound.

    python benchmarks/liveqa.py [--kb benchmarks/.cache/kb.db] [--data ../shared/data] [--no-semantic]

Each system and form also reports the share of its top 10 that the qrels never judged and, for reference
only, the same metrics on condensed lists (the ranking with unjudged answers removed, Sakai 2007): how it
orders the answers the 2017 pool did judge.

Prints a JSON summary; writes the per-question top 3 with judgments to benchmarks/.cache/liveqa-run.json
and the TREC run of healthqa on the original wording to benchmarks/.cache/liveqa-healthqa.trec.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import (
    CACHE,
    DEFAULT_DATA,
    DEFAULT_KB,
    METRICS,
    RELEVANT,
    BM25Index,
    LiveQAQuestion,
    build_kb,
    evaluate,
    evaluate_condensed,
    load_liveqa_dev,
    load_qrels,
    unjudged_share,
)
from healthqa.answer.answerer import Answerer

FORMS: dict[str, Callable[[LiveQAQuestion], str]] = {
    "original": lambda q: q.original,
    "nlm_summary": lambda q: q.nlm_summary,  # reference only: written by experts after reading the question
}
Ranked = list[tuple[str, float]]
DEPTH = 100  # ranked this deep for the condensed lists; every other figure reads the first 10


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB, help="cached KB (built if missing)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--no-semantic", action="store_true", help="healthqa without sentence embeddings")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the knowledge base first")
    args = parser.parse_args()
    if not (args.data / "medquad").is_dir():
        sys.exit(f"{args.data}: no medquad folder; pass --data")

    store = build_kb(args.kb, args.data, rebuild=args.rebuild, vectors=not args.no_semantic)
    start = time.perf_counter()
    answerer = Answerer(store, semantic=not args.no_semantic, in_memory=True)
    print(f"healthqa ready in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    start = time.perf_counter()
    bm25 = BM25Index(store)
    seconds = time.perf_counter() - start
    print(f"bm25 index of {len(bm25.public_ids)} passages in {seconds:.0f}s", file=sys.stderr)

    questions = load_liveqa_dev(args.data)
    qrels = load_qrels(args.data / "liveqa-med-2017" / "qrels-medquad-dev.txt")
    numbers = [q.number for q in questions]
    healthqa_name = "healthqa" if not args.no_semantic else "healthqa_lexical"
    systems: dict[str, Callable[[str], Ranked]] = {
        healthqa_name: lambda text: answerer.rank_ids(text, top=DEPTH),
        "bm25": lambda text: bm25.rank_ids(text, k=DEPTH),
    }
    runs: dict[str, dict[str, dict[int, Ranked]]] = {
        system: {form: {q.number: rank(pick(q)) for q in questions} for form, pick in FORMS.items()}
        for system, rank in systems.items()
    }

    with_relevant = sum(1 for n in numbers if any(g >= RELEVANT for g in qrels.get(n, {}).values()))
    summary: dict[str, Any] = {
        "questions": len(numbers),
        "questions_with_relevant_judged_answer": with_relevant,
        "note": f"means over ALL {len(numbers)} dev questions; the {len(numbers) - with_relevant} without an "
                "answer judged 3-4 count 0; unjudged answers count as incorrect (lower bounds); "
                "avg_score = judgment-1 of the rank-1 answer (0-3); nlm_summary and condensed (unjudged answers "
                "removed from the ranking before the cut-off) are references only",
        "kb": {"path": str(args.kb), "passages": len(bm25.public_ids)},
    }
    for system, forms in runs.items():
        summary[system] = {}
        for form, run in forms.items():
            ranked_ids = {n: [i for i, _ in ranked] for n, ranked in run.items()}
            summary[system][form] = {
                **evaluate(ranked_ids, qrels, numbers),
                "unjudged_share@10": unjudged_share(ranked_ids, qrels, numbers),
                "condensed": evaluate_condensed(ranked_ids, qrels, numbers),
            }
    print(json.dumps(summary, indent=2))

    CACHE.mkdir(parents=True, exist_ok=True)
    detail = []
    for q in questions:
        judged = qrels.get(q.number, {})
        entry: dict[str, Any] = {
            "number": q.number, "original": q.original, "nlm_summary": q.nlm_summary,
            "judged": len(judged), "relevant": sum(g >= RELEVANT for g in judged.values()),
        }
        for system, forms in runs.items():
            for form, run in forms.items():
                ids = [i for i, _ in run[q.number]]
                entry[f"{system}/{form}"] = {
                    "AP@10": round(METRICS["MAP@10"](ids, judged), 4),
                    "top3": [[i, judged.get(i)] for i in ids[:3]],
                }
        detail.append(entry)
    (CACHE / "liveqa-run.json").write_text(json.dumps(detail, indent=1))
    with (CACHE / "liveqa-healthqa.trec").open("w", encoding="utf-8") as trec:
        for n, ranked in runs[healthqa_name]["original"].items():
            for rank, (answer_id, score) in enumerate(ranked[:10], start=1):
                trec.write(f"{n} Q0 {answer_id} {rank} {score:.4f} healthqa\n")
    print(f"per-question detail: {CACHE / 'liveqa-run.json'}; TREC run: {CACHE / 'liveqa-healthqa.trec'}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
