"""The passages and FAQ questions an answerer holds, memory-mapped from the generation's files
(healthqa.retrieve.passages.mapped_tables) against copied into the process (as before): every answer to the
LiveQA dev questions (both wordings) identical, time per question, and private memory of the tables.

    python benchmarks/tables_equal.py --kb <a copy of a built knowledge base> [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import DEFAULT_DATA, load_liveqa_dev
from healthqa.answer import rank
from healthqa.answer.answerer import Answerer
from healthqa.retrieve import passages
from healthqa.store import open_store


def private_mib() -> float:
    total = 0
    with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            name, value, *_ = line.split()
            if name in ("Private_Clean:", "Private_Dirty:"):
                total += int(value)
    return total / 1024


def build(kb: str, mapped: bool) -> tuple[Answerer, float]:
    """An answerer with its tables mapped or copied, and the private memory its construction added."""
    original = passages.mapped_tables
    if not mapped:
        setattr(rank, "mapped_tables", lambda store, build_missing=True: None)  # noqa: B010 (the name the ranker calls)
    try:
        store = open_store(kb)
        gc.collect()
        before = private_mib()
        answerer = Answerer(store, in_memory=True)
        gc.collect()
        return answerer, private_mib() - before
    finally:
        setattr(rank, "mapped_tables", original)  # noqa: B010


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kb", required=True)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    dev = load_liveqa_dev(args.data)
    questions = [q.original for q in dev] + [q.nlm_summary for q in dev if q.nlm_summary]
    # Built in this order so that what both share (the query model, the name index) is loaded by the first.
    copied, copied_mib = build(args.kb, mapped=False)
    mapped, mapped_mib = build(args.kb, mapped=True)
    seconds: dict[str, list[list[float]]] = {"copied": [], "mapped": []}
    differ = 0
    for run in range(args.runs):
        times: dict[str, list[float]] = {"copied": [], "mapped": []}
        for number, question in enumerate(questions):
            order = [("copied", copied), ("mapped", mapped)]
            if (number + run) % 2:  # alternate which goes first, so neither always finds warm caches
                order.reverse()
            answers = {}
            for name, answerer in order:
                began = time.perf_counter()
                answer = answerer.ask(question)
                times[name].append(time.perf_counter() - began)
                answers[name] = json.dumps(answer.to_json(), sort_keys=True, default=str)
            differ += run == 0 and answers["copied"] != answers["mapped"]
        for name in times:
            seconds[name].append(times[name])
    print(f"{len(questions)} questions: {len(questions) - differ} answers identical, {differ} differ")
    for name, mib in (("copied", copied_mib), ("mapped", mapped_mib)):
        p50 = statistics.median(statistics.median(run) * 1000 for run in seconds[name])
        p95 = statistics.median(sorted(run)[int(0.95 * len(run))] * 1000 for run in seconds[name])
        print(f"{name}: private memory added by the answerer {mib:.1f} MiB; ask p50 {p50:.1f} ms, p95 {p95:.1f} ms "
              f"(medians of {args.runs} runs, questions interleaved)")


if __name__ == "__main__":
    main()
