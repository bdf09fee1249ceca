"""The two store backends side by side: ingest time, and search latency with the rankings compared.

Ingests the founding documents and one MedQuAD folder into a fresh SQLite file and a fresh PostgreSQL
database (alternating, ``--repeats`` times), then runs the LiveQA dev questions' NLM summaries through
``search_passages``, ``search_questions`` and ``phrase_frequency`` on both and reports the medians, their
ratio, and how many rankings are identical (ids and scores to 1e-9) or differ only in the order of ties.
Nothing is fitted: every figure is a measurement on the files named.

    python benchmarks/store_backends.py [--data ../shared/data] [--folder 2_GARD_QA] [--repeats 3]
        [--server postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from healthqa.ingest import ingest_path
from healthqa.store import SQLiteStore
from healthqa.store.base import Store
from healthqa.store.postgres import PostgresStore

ROOT = Path(__file__).resolve().parents[1]


def ingest_all(store: Store, paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        ingest_path(store, path)
    return time.perf_counter() - start


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    parser.add_argument("--folder", default="2_GARD_QA")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    paths = [args.seeds, args.data / "medquad" / args.folder]
    name = f"healthqa_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(f"{args.server}/test", autocommit=True)
    times: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    with tempfile.TemporaryDirectory() as folder:
        try:
            for repeat in range(args.repeats):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
                sqlite_path = Path(folder) / f"kb{repeat}.db"
                stores: list[tuple[str, Store]] = [("sqlite", SQLiteStore(sqlite_path)),
                                                   ("postgresql", PostgresStore(f"{args.server}/{name}"))]
                for label, store in stores:
                    times[label].append(ingest_all(store, paths))
                    store.close()
            for label, values in times.items():
                print(f"ingest {label}: median {statistics.median(values):.2f} s of {values}")
            ratio = statistics.median(times["postgresql"]) / statistics.median(times["sqlite"])
            print(f"ingest ratio postgresql/sqlite: {ratio:.2f}")
            compare(SQLiteStore(sqlite_path), PostgresStore(f"{args.server}/{name}"), args.data)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def compare(sqlite: Store, postgres: Store, data: Path) -> None:
    text = (data / "liveqa-med-2017" / "test-questions-dev.xml").read_text(encoding="utf-8")
    queries = [re.sub(r"<[^>]+>", " ", m) for m in re.findall(r"<NLM-Summary>(.*?)</NLM-Summary>", text, re.S)]
    latency: dict[tuple[str, str], list[float]] = {}
    verdicts = {"identical": 0, "ties only": 0, "different": 0}
    for query in queries:
        results = {}
        for label, store in (("sqlite", sqlite), ("postgresql", postgres)):
            calls: list[tuple[str, Callable[[], Any]]] = [
                ("search_passages", lambda s=store, q=query: s.search_passages(q, 100)),
                ("search_questions", lambda s=store, q=query: s.search_questions(q, 100)),
                ("phrase_frequency", lambda s=store, q=query: s.phrase_frequency(q.split()[-1])),
            ]
            for method, call in calls:
                result, seconds = timed(call)
                latency.setdefault((method, label), []).append(seconds)
                results[(method, label)] = result
        for method in ("search_passages", "search_questions"):
            a, b = results[(method, "sqlite")], results[(method, "postgresql")]
            if [r.public_id for r, _ in a] == [r.public_id for r, _ in b] and all(
                    abs(x - y) <= 1e-9 * max(1.0, abs(x)) for (_, x), (_, y) in zip(a, b, strict=True)):
                verdicts["identical"] += 1
            elif sorted(round(s, 9) for _, s in a) == sorted(round(s, 9) for _, s in b):
                verdicts["ties only"] += 1
            else:
                verdicts["different"] += 1
        if results[("phrase_frequency", "sqlite")] != results[("phrase_frequency", "postgresql")]:
            verdicts["different"] += 1
    print(f"{len(queries)} LiveQA dev summaries x 2 searches: {verdicts}")
    for method in ("search_passages", "search_questions", "phrase_frequency"):
        a = statistics.median(latency[(method, "sqlite")]) * 1000
        b = statistics.median(latency[(method, "postgresql")]) * 1000
        print(f"{method}: median sqlite {a:.2f} ms, postgresql {b:.2f} ms (x{b / a:.1f})")
    sqlite.close()
    postgres.close()


if __name__ == "__main__":
    main()
