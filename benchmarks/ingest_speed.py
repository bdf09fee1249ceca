"""Ingest speed and peak memory: healthqa's lexical ingest against bm25s indexing the same answers.

Each measurement runs in a fresh child process (so peak RSS is its own), alternating healthqa and
bm25s, and the medians are reported with their ratio.

    python benchmarks/ingest_speed.py [--data ../shared/data] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_healthqa(data: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from healthqa.ingest import ingest_path
    from healthqa.store import SQLiteStore

    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "kb.db")
        base = _peak_rss_mib()
        start = time.perf_counter()
        ingest_path(store, Path(data) / "medquad")
        ingest_path(store, Path(data) / "liveqa-med-2017" / "judged-answers-medquad.csv")
        seconds = time.perf_counter() - start
        passages = sum(s.passages for s in store.sources())
        store.close()
    queue.put({"seconds": seconds, "peak_mib": _peak_rss_mib(), "baseline_mib": base, "passages": passages})


def _answer_texts(data: str) -> list[str]:
    """The answers healthqa keeps: every non-empty MedQuAD answer by public id, the judged text winning."""
    import csv

    from lxml import etree

    from healthqa.ingest.medquad import COLLECTIONS

    by_id: dict[str, str] = {}
    for path in sorted((Path(data) / "medquad").glob("*_QA*/*.xml")):
        src = COLLECTIONS[path.parent.name][0]
        tree = etree.parse(str(path))
        for pair in tree.iter("QAPair", "pair"):
            answer = next(pair.iter("Answer", "answer"), None)
            if answer is not None and answer.text and answer.text.strip():
                by_id[f"{src}_{path.stem}_Sec{pair.get('pid')}.txt"] = answer.text.strip()
    csv.field_size_limit(sys.maxsize)
    with (Path(data) / "liveqa-med-2017" / "judged-answers-medquad.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_id[row["AnswerID"]] = row["Answer"]
    return list(by_id.values())


def _run_bm25s(data: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import bm25s

    texts = _answer_texts(data)  # read outside the timed part: bm25s gets its text for free
    base = _peak_rss_mib()
    start = time.perf_counter()
    tokens = bm25s.tokenize(texts, stopwords="en", show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    seconds = time.perf_counter() - start
    queue.put({"seconds": seconds, "peak_mib": _peak_rss_mib(), "baseline_mib": base, "passages": len(texts)})


def _measure(target: object, data: str) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(data, queue))
    process.start()
    result: dict[str, float] = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not (args.data / "medquad").is_dir():
        sys.exit(f"{args.data}: no medquad folder; pass --data")
    runs: dict[str, list[dict[str, float]]] = {"healthqa": [], "bm25s": []}
    for _ in range(args.repeats):
        runs["healthqa"].append(_measure(_run_healthqa, str(args.data)))
        runs["bm25s"].append(_measure(_run_bm25s, str(args.data)))
    summary = {
        name: {
            "median_seconds": round(statistics.median(r["seconds"] for r in results), 2),
            "median_peak_mib": round(statistics.median(r["peak_mib"] for r in results), 1),
            "passages": results[0]["passages"],
            "runs_seconds": [round(r["seconds"], 2) for r in results],
        }
        for name, results in runs.items()
    }
    ratio = summary["healthqa"]["median_seconds"] / summary["bm25s"]["median_seconds"]
    summary["ratio_healthqa_over_bm25s"] = round(ratio, 2)  # type: ignore[assignment]
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
