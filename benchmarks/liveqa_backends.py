"""LiveQA dev ranking on SQLite and on PostgreSQL: the same run files, up to ties (issue 19, part 2).

Builds (or reuses) the benchmark knowledge base (``benchmarks/.cache/kb.db``, as ``liveqa.py``), copies it into
a new PostgreSQL database with ``healthqa.store.migrate`` (the code behind ``healthqa migrate --to``), ranks
the 52 dev questions in the consumer's original wording on both, and compares the ranked lists question by
question:

- *identical*: the same public ids in the same order, scores equal to 1e-6;
- *tied*: the same (id, score) pairs, only the order of equal scores differs (and, at the cut-off, which of
  several equally scored passages made it);
- *different*: anything else (the contract is broken).

Both modes of the answerer are run: ``in_memory=False`` ranks through the backend's own full-text search
(``search_passages``/``search_questions``), ``in_memory=True`` (what servers use) builds its BM25 indexes from
the backend's rows. Writes the TREC runs to ``benchmarks/.cache/liveqa-{backend}-{mode}.trec`` and prints a
JSON summary with the LiveQA metrics of each run.

    python benchmarks/liveqa_backends.py [--postgres postgresql://127.0.0.1:5432/healthqa_liveqa] [--keep]

The database named in ``--postgres`` is created (it must not exist) and dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from _common import CACHE, DEFAULT_DATA, DEFAULT_KB, build_kb, evaluate, evaluate_condensed, load_liveqa_dev, load_qrels
from healthqa.answer.answerer import Answerer
from healthqa.store import open_store
from healthqa.store.base import Store
from healthqa.store.migrate import migrate

DEPTH = 10
SAME_SCORE = 1e-6
Ranked = list[tuple[str, float]]


def compare(first: Ranked, second: Ranked) -> str:
    """'identical', 'tied' (differs only in the order of equal scores or in which equal score the cut kept)."""
    if len(first) != len(second) or any(
        abs(a - b) > SAME_SCORE for (_, a), (_, b) in zip(first, second, strict=True)
    ):
        return "different"
    if [i for i, _ in first] == [i for i, _ in second]:
        return "identical"
    cut = first[-1][1]
    start = 0
    while start < len(first):
        end = start
        while end + 1 < len(first) and abs(first[end + 1][1] - first[start][1]) <= SAME_SCORE:
            end += 1
        group_first = {i for i, _ in first[start:end + 1]}
        group_second = {i for i, _ in second[start:end + 1]}
        # Above the cut a tie group holds the same passages in some order; at the cut, which of several equally
        # scored passages made the list is a tie too.
        if group_first != group_second and abs(first[start][1] - cut) > SAME_SCORE:
            return "different"
        start = end + 1
    return "tied"


def trec(runs: dict[int, Ranked], name: str, path: Path) -> None:
    lines = [f"{n} Q0 {pid} {rank} {score:.6f} {name}"
             for n, ranked in sorted(runs.items()) for rank, (pid, score) in enumerate(ranked, start=1)]
    path.write_text("\n".join(lines) + "\n")


def run(store: Store, questions: Sequence[Any], *, in_memory: bool) -> tuple[dict[int, Ranked], float, float]:
    start = time.perf_counter()
    answerer = Answerer(store, in_memory=in_memory)
    ready = time.perf_counter() - start
    timings = []
    runs = {}
    for q in questions:
        began = time.perf_counter()
        runs[q.number] = answerer.rank_ids(q.original, top=DEPTH)
        timings.append(time.perf_counter() - began)
    timings.sort()
    return runs, ready, timings[len(timings) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--postgres", default="postgresql://127.0.0.1:5432/healthqa_liveqa_backends")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()

    sqlite_store = build_kb(args.kb, args.data)
    server, _, database = args.postgres.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    summary: dict[str, Any] = {"kb": str(args.kb), "postgres": args.postgres, "depth": DEPTH}
    try:
        pg_store = open_store(args.postgres)
        start = time.perf_counter()
        report = migrate(args.kb, pg_store)
        summary["migrate_s"] = round(time.perf_counter() - start, 1)
        summary["migrated"] = report.summary()
        print(f"migrated in {summary['migrate_s']} s: {report.summary()}", file=sys.stderr)

        questions = load_liveqa_dev(args.data)
        qrels = load_qrels(args.data / "liveqa-med-2017" / "qrels-medquad-dev.txt")
        numbers = [q.number for q in questions]
        for in_memory in (False, True):
            mode = "in_memory" if in_memory else "store_search"
            results = {}
            for backend, store in (("sqlite", sqlite_store), ("postgresql", pg_store)):
                runs, ready, median = run(store, questions, in_memory=in_memory)
                trec(runs, f"healthqa-{backend}", CACHE / f"liveqa-{backend}-{mode}.trec")
                ids = {n: [i for i, _ in ranked] for n, ranked in runs.items()}
                results[backend] = runs
                summary.setdefault(mode, {})[backend] = {
                    "ready_s": round(ready, 1), "median_rank_ms": round(median * 1000, 1),
                    "lower_bound": evaluate(ids, qrels, numbers), "condensed": evaluate_condensed(ids, qrels, numbers),
                }
                print(f"{mode} {backend}: ready {ready:.1f} s, median {median * 1000:.0f} ms", file=sys.stderr)
            verdicts = {n: compare(results["sqlite"][n], results["postgresql"][n]) for n in numbers}
            summary[mode]["questions"] = {
                verdict: sorted(n for n, v in verdicts.items() if v == verdict)
                for verdict in ("identical", "tied", "different")
            }
        pg_store.close()
    finally:
        if not args.keep:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
