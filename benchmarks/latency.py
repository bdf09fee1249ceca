"""In-process answer latency: ``Answerer.ask`` against a reference hybrid pipeline on the same KB.

The reference is bm25s over "question + title + answer" of every visible passage plus an
all-MiniLM-L6-v2 query embedding searched in a flat numpy inner-product index over the KB's stored
passage vectors, fused by reciprocal rank fusion (k=60), top 10, with the 10 passages fetched from
the store. Both run in this process on the 52 LiveQA dev questions (original wording): one untimed
warm-up pass, then ``--passes`` timed passes, the two systems interleaved per question (alternating
which goes first) so they share the machine's noise. Reports p50/p95 per question and the ratio
healthqa/reference, plus the process's RSS after each setup step and its peak (getrusage).

    python benchmarks/latency.py [--kb benchmarks/.cache/kb.db] [--data ../shared/data] [--passes 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from _common import DEFAULT_DATA, DEFAULT_KB, BM25Index, build_kb, load_liveqa_dev
from healthqa.answer.answerer import Answerer
from healthqa.answer.rank import build_vectors
from healthqa.retrieve.encoder import Encoder, default_encoder
from healthqa.store.base import PassageRecord
from healthqa.store.sqlite import SQLiteStore

RRF_K = 60
POOL = 100  # candidates taken from each retriever before fusion


class Reference:
    """BM25 + dense retrieval fused by reciprocal rank fusion."""

    def __init__(self, store: SQLiteStore, encoder: Encoder) -> None:
        self.store = store
        self.encoder = encoder
        build_vectors(store, encoder)
        ids, blobs = store.load_vectors(encoder.name)
        self.vector_ids = np.asarray(ids, dtype=np.int64)
        self.matrix: npt.NDArray[np.float32] = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(
            len(blobs), -1
        )
        self.bm25 = BM25Index(store)

    def ask(self, question: str, top: int = 10) -> list[PassageRecord]:
        fused: dict[int, float] = {}
        for rank, (position, _) in enumerate(self.bm25.search(question, POOL)):
            rowid = self.bm25.rowids[position]
            fused[rowid] = fused.get(rowid, 0.0) + 1.0 / (RRF_K + rank + 1)
        vector = self.encoder.encode([question[:1000]], max_tokens=128)[0]
        similarities = self.matrix @ vector
        best = np.argpartition(-similarities, POOL)[:POOL]
        best = best[np.argsort(-similarities[best])]
        for rank, index in enumerate(best):
            rowid = int(self.vector_ids[index])
            fused[rowid] = fused.get(rowid, 0.0) + 1.0 / (RRF_K + rank + 1)
        winners = sorted(fused, key=lambda rowid: (-fused[rowid], rowid))[:top]
        return self.store.passages_by_ids(winners)


def _peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _current_rss_mib() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB, help="cached KB (built if missing)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the questions")
    args = parser.parse_args()
    if not (args.data / "medquad").is_dir():
        sys.exit(f"{args.data}: no medquad folder; pass --data")

    memory: dict[str, dict[str, float]] = {}

    def note(stage: str) -> None:
        memory[stage] = {"rss_mib": _current_rss_mib(), "peak_mib": _peak_rss_mib()}

    note("start")

    store = build_kb(args.kb, args.data)
    encoder = default_encoder()
    note("kb_and_encoder_loaded")
    answerer = Answerer(store, encoder=encoder, in_memory=True)
    note("healthqa_ready")
    reference = Reference(store, encoder)
    note("reference_ready")

    questions = [q.original for q in load_liveqa_dev(args.data)]
    # The encoder keeps recent questions' float32 vectors (Encoder.encode_question); every pass asks the same
    # questions, so each timed ask starts without them, as a person's new question does. (Code before session 25
    # keeps none.)
    forget_questions = getattr(encoder, "forget_questions", lambda: None)

    def ask_anew(text: str) -> object:
        forget_questions()
        return answerer.ask(text, top=10)

    systems: dict[str, Callable[[str], object]] = {
        "healthqa": ask_anew,
        "reference": lambda text: reference.ask(text, top=10),
    }
    for text in questions:  # warm-up, untimed
        for run in systems.values():
            run(text)
    note("warm")

    times: dict[str, list[float]] = {name: [] for name in systems}
    ratios: list[float] = []
    order = list(systems)
    for pass_number in range(args.passes):
        for index, text in enumerate(questions):
            names = order if (index + pass_number) % 2 == 0 else order[::-1]
            taken: dict[str, float] = {}
            for name in names:
                start = time.perf_counter()
                systems[name](text)
                taken[name] = time.perf_counter() - start
                times[name].append(taken[name])
            ratios.append(taken["healthqa"] / taken["reference"])
    note("end")

    result: dict[str, Any] = {
        "questions": len(questions),
        "passes": args.passes,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "torch_threads": _torch_threads()},
        "kb_passages": len(reference.bm25.public_ids),
        "vectors": len(reference.vector_ids),
    }
    for name, values in times.items():
        result[name] = {
            "p50_ms": round(_percentile(values, 50) * 1000, 2),
            "p95_ms": round(_percentile(values, 95) * 1000, 2),
            "mean_ms": round(statistics.fmean(values) * 1000, 2),
        }
    result["ratio_healthqa_over_reference"] = {
        "p50": round(result["healthqa"]["p50_ms"] / result["reference"]["p50_ms"], 2),
        "p95": round(result["healthqa"]["p95_ms"] / result["reference"]["p95_ms"], 2),
        "median_per_question": round(statistics.median(ratios), 2),
    }
    result["memory"] = memory
    result["memory_note"] = (
        "one process holds both systems: peak_mib is the process's getrusage peak so far, rss_mib its "
        "resident size at that stage; healthqa's own footprint is healthqa_ready minus "
        "kb_and_encoder_loaded, the reference's is reference_ready minus healthqa_ready "
        "(the encoder and the SQLite file are shared)"
    )
    print(json.dumps(result, indent=2))


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


if __name__ == "__main__":
    main()
