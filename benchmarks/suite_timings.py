"""The timings the test suite used to assert, measured here instead: medians, each against a baseline taken
in the same process.

- ``entail``: :func:`healthqa.mediqa.entail.entailment_scores` on one consumer question against 20 FAQ
  questions (one encoder batch; the test asserted < 5 s). Baselines: the encoder alone on the same texts
  (what the features add to it), and the 20 pairs scored one at a time (what batching saves).
- ``lems-record``: the real-data LEMS record of tests/conditions/test_conditions.py: ingest the three LEMS seed
  pages, the MedQuAD files that mention Lambert and Orphanet's LEMS-like disorders into a new knowledge base,
  build the disease index and the record (the test asserted < 20 s, with the file copying). Needs
  ``shared/data`` (medquad, orphanet) and ``shared/seeds``. The baseline is the ingest: the ratio is what
  linking and the record add to it. The extraction of those files from the whole collections (which the test
  timed too) is reported on its own.
- ``workers``: :class:`healthqa.app.server.workers.Workers` whose app cannot be imported, until ``run()``
  returns (the test asserted < 120 s). Baseline: a spawned process that does nothing, started and joined.

    .venv/bin/python benchmarks/suite_timings.py [--only entail,lems-record,workers] [--repeats 5]
        [--data ../shared/data] [--seeds ../shared/seeds]

Prints JSON: per measurement, the median (and the min and max) in seconds of ``--repeats`` runs after one
untimed warm-up, interleaved with its baselines' runs, and the ratio of the medians against each baseline.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import DEFAULT_DATA

DEFAULT_SEEDS = DEFAULT_DATA.parent / "seeds"
ORPHANET_FILE = Path("orphanet") / "orphapackets-2025-12.jsonl.gz"
LEMS_COLLECTIONS = ("2_GARD_QA", "3_GHR_QA", "6_NINDS_QA", "10_MPlus_ADAM_QA")


def timed(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, dict[str, float]]:
    """Median, min and max seconds of ``repeats`` calls of each of ``runs``, after one untimed warm-up call of
    each; the runs are interleaved (their order rotating each round) so that they share the machine's noise."""
    names = list(runs)
    for name in names:
        runs[name]()
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            started = time.perf_counter()
            runs[name]()
            seconds[name].append(time.perf_counter() - started)
    return {name: {"median_s": round(statistics.median(values), 4), "min_s": round(min(values), 4),
                   "max_s": round(max(values), 4)} for name, values in seconds.items()}


def ratio(measured: dict[str, float], baseline: dict[str, float]) -> float:
    return round(measured["median_s"] / baseline["median_s"], 2) if baseline["median_s"] else float("nan")


def entail_timings(repeats: int) -> dict[str, Any]:
    from healthqa.mediqa import entail
    from healthqa.retrieve.encoder import default_encoder

    encoder = default_encoder()
    consumer = "I was told I have high blood pressure. What foods should I avoid and do I need medicine?"
    faqs = [f"What is question number {i} about high blood pressure and diet?" for i in range(20)]
    pairs = [(consumer, faq) for faq in faqs]
    found = timed({
        "batch": lambda: entail.entailment_scores(pairs, encoder),
        "encoder_only": lambda: encoder.encode([consumer, *faqs], max_tokens=entail.MAX_TOKENS),
        "one_pair_at_a_time": lambda: [entail.entailment_scores([pair], encoder) for pair in pairs],
    }, repeats)
    return {
        "pairs": len(pairs), **found,
        "batch_over_encoder_only": ratio(found["batch"], found["encoder_only"]),
        "batch_over_one_pair_at_a_time": ratio(found["batch"], found["one_pair_at_a_time"]),
    }


def _lems_inputs(data: Path, folder: Path) -> tuple[Path, Path]:
    """The LEMS test's MedQuAD and Orphanet extracts, written under ``folder`` (untimed)."""
    medquad = folder / "medquad"
    for collection in LEMS_COLLECTIONS:
        for file in sorted((data / "medquad" / collection).glob("*.xml")):
            text = file.read_text(encoding="utf-8", errors="replace")
            if "Lambert" in text:
                (medquad / collection).mkdir(parents=True, exist_ok=True)
                (medquad / collection / file.name).write_text(text, encoding="utf-8")
    wanted = re.compile(r'"Label"\s*:\s*"[^"]*(Lambert|yasthenic)', re.IGNORECASE)
    with gzip.open(data / ORPHANET_FILE, "rt", encoding="utf-8") as handle:
        lines = [line for line in handle if wanted.search(line[:600])]
    orphanet = folder / "orphanet" / "packets.jsonl.gz"
    orphanet.parent.mkdir(parents=True)
    orphanet.write_bytes(gzip.compress("".join(lines).encode("utf-8")))
    return medquad, orphanet


def lems_timings(repeats: int, data: Path, seeds: Path) -> dict[str, Any]:
    from healthqa.conditions import DiseaseIndex, disease_record
    from healthqa.ingest import ingest_path
    from healthqa.store import SQLiteStore

    if not ((data / "medquad").is_dir() and (data / ORPHANET_FILE).is_file() and seeds.is_dir()):
        return {"skipped": f"needs {data / 'medquad'}, {data / ORPHANET_FILE} and {seeds}"}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        runs = iter(range(1_000_000))
        extract = timed({"extract_files": lambda: _lems_inputs(data, folder / f"extract-{next(runs)}")}, repeats)
        medquad, orphanet = _lems_inputs(data, folder / "inputs")

        def ingest_only() -> None:
            store = SQLiteStore(folder / f"kb-{next(runs)}.db")
            try:
                for source in (seeds, medquad, orphanet):
                    assert ingest_path(store, source).ok
            finally:
                store.close()

        def ingest_and_record() -> None:
            store = SQLiteStore(folder / f"kb-{next(runs)}.db")
            try:
                for source in (seeds, medquad, orphanet):
                    assert ingest_path(store, source).ok
                index = DiseaseIndex.from_store(store)
                record = disease_record(store, "LEMS", index=index, compare_sources=False)
                assert record.name == "Lambert-Eaton myasthenic syndrome"
            finally:
                store.close()

        found = timed({"ingest_index_record": ingest_and_record, "ingest_only": ingest_only}, repeats)
    return {**extract, **found,
            "whole_over_ingest_only": ratio(found["ingest_index_record"], found["ingest_only"])}


def _nothing() -> None:  # pragma: no cover - runs in a spawned process
    return None


def workers_timings(repeats: int) -> dict[str, Any]:
    from healthqa.app.server.workers import Workers, available, listening_socket

    if not available():
        return {"skipped": "workers sharing one socket need a POSIX system"}

    def failing_pool() -> None:
        pool = Workers(listening_socket("127.0.0.1", 0), 2, {"app": "no_such_module_here:app", "log_config": None})
        pool.run()
        assert pool.failed

    def spawn_one() -> None:
        process = multiprocessing.get_context("spawn").Process(target=_nothing)
        process.start()
        process.join()

    found = timed({"failed_start_returns": failing_pool, "spawn_baseline": spawn_one}, repeats)
    return {**found, "failed_over_spawn": ratio(found["failed_start_returns"], found["spawn_baseline"])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", default="entail,lems-record,workers", help="comma-separated measurements")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    measurements: dict[str, Callable[[], dict[str, Any]]] = {
        "entail": lambda: entail_timings(args.repeats),
        "lems-record": lambda: lems_timings(args.repeats, args.data, args.seeds),
        "workers": lambda: workers_timings(args.repeats),
    }
    unknown = sorted(set(chosen) - set(measurements))
    if unknown:
        parser.error(f"unknown measurements {unknown}; choose from {sorted(measurements)}")
    report: dict[str, Any] = {"repeats": args.repeats}
    for name in chosen:
        report[name] = measurements[name]()
        print(f"{name}: done", file=sys.stderr)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
