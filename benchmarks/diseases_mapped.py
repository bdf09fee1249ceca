"""What the disease index and the condition name search cost a process: built in memory, or mapped from the
generation's derived files (``DiseaseIndex.load``, ``NameSearch.load``).

Each run is a fresh process (the modes interleaved run by run, medians of ``--runs``), which opens the store,
then makes the indexes and reports the time and its private memory (USS: Private_Clean + Private_Dirty of
/proc/self/smaps_rollup, after ``gc.collect()``, and its anonymous part) after making them, after 50
``disease_record`` lookups (then the time of the same 50 again) and after the first ``suggestions`` call (the
typo-tolerant name matcher, made on first use). Modes:

- ``legacy``: the code of ``--legacy-commit`` (read with ``git show``), as the server made it: the index built,
  its name matcher made at once, the name search built;
- ``memory``: this code, built in memory (``HEALTHQA_DERIVED=off``);
- ``mapped``: this code, mapped from ``<db>.derived`` (built there once before the runs).

Also the time to build and write the parts (their folders removed first) and their size on disk.
Writes into ``<db>.derived``: run it on a copy of a knowledge base.

    nice python benchmarks/diseases_mapped.py --kb /tmp/copy/kb.db [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from healthqa.app.api.condition_search import PART as SEARCH_PART
from healthqa.app.api.condition_search import NameSearch
from healthqa.conditions import DiseaseIndex, disease_record
from healthqa.conditions._link import PART as INDEX_PART
from healthqa.retrieve.derived import SWITCH, derived_root, generation_folder
from healthqa.store.sqlite import SQLiteStore

LOOKUPS = 50


def private_mib() -> tuple[float, float]:
    """(USS, anonymous) in MiB. USS counts the pages of a file mapped by this process alone (the derived files,
    SQLite's): the workers of a server share those; anonymous memory (the heap) is each one's own."""
    gc.collect()
    found = {"Private_Clean:": 0, "Private_Dirty:": 0, "Anonymous:": 0}
    with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            parts = line.split()
            if parts[0] in found:
                found[parts[0]] = int(parts[1])
    return (found["Private_Clean:"] + found["Private_Dirty:"]) / 1024, found["Anonymous:"] / 1024


def grown(before: tuple[float, float], after: tuple[float, float]) -> list[float]:
    return [after[0] - before[0], after[1] - before[1]]


def child(mode: str, kb: Path, legacy_commit: str) -> dict[str, Any]:
    store = SQLiteStore(kb)
    refs = random.Random(50).sample(sorted(h.title for h in store.iter_document_heads()), LOOKUPS - 2)
    refs += ["ORPHA:43393", "LEMS"]
    if mode == "legacy":
        sys.path.insert(0, str(Path(__file__).parent))
        from diseases_equal import legacy_module  # a benchmark next to this one

        legacy_link = legacy_module(legacy_commit, "src/healthqa/conditions/_link.py", "legacy_link")
        legacy_search = legacy_module(legacy_commit, "src/healthqa/app/api/condition_search.py", "legacy_search")
    before = private_mib()
    started = time.perf_counter()
    if mode == "legacy":
        index = legacy_link.DiseaseIndex.from_store(store)
        index.suggestions("")
        legacy_search.NameSearch(store.iter_names())
    elif mode == "memory":
        index = DiseaseIndex.from_store(store)
        NameSearch(store.iter_names())
    else:
        index = DiseaseIndex.load(store)
        NameSearch.load(store)
    made = time.perf_counter() - started
    after_load = private_mib()
    timings: list[list[float]] = [[], []]
    for again in (0, 1):  # the second time, the pages of these records are in
        for ref in refs:
            started = time.perf_counter()
            disease_record(store, ref, index=index)
            timings[again].append(time.perf_counter() - started)
        if not again:
            after_lookups = private_mib()
    started = time.perf_counter()
    index.suggestions("lamber-eaton syndrom")
    first_suggestions = time.perf_counter() - started
    after_suggestions = private_mib()
    store.close()
    return {"made_s": made, "load_mib": grown(before, after_load), "lookups_mib": grown(before, after_lookups),
            "suggestions_mib": grown(before, after_suggestions), "first_suggestions_s": first_suggestions,
            "record_ms": 1000 * statistics.median(timings[0]), "again_ms": 1000 * statistics.median(timings[1])}


def part_folders(kb: Path) -> list[Path]:
    store = SQLiteStore(kb)
    try:
        root = derived_root(store)
        assert root is not None
        folder = generation_folder(root, store.generation())
    finally:
        store.close()
    return [folder / INDEX_PART, folder / SEARCH_PART]


def build_once(kb: Path) -> tuple[float, float]:
    """Seconds to build and write both parts, and their size in MiB."""
    for part in part_folders(kb):
        shutil.rmtree(part, ignore_errors=True)
    store = SQLiteStore(kb)
    started = time.perf_counter()
    DiseaseIndex.load(store)
    NameSearch.load(store)
    elapsed = time.perf_counter() - started
    store.close()
    size = sum(f.stat().st_size for part in part_folders(kb) for f in part.iterdir())
    return elapsed, size / 2 ** 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--legacy-commit", default="bc6716e")
    parser.add_argument("--child", choices=("legacy", "memory", "mapped"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.kb, args.legacy_commit)))
        return
    builds = [build_once(args.kb) for _ in range(args.runs)]
    print(f"build and write both parts: median {statistics.median(b[0] for b in builds):.2f} s "
          f"({', '.join(f'{b[0]:.2f}' for b in builds)}); on disk {builds[-1][1]:.1f} MiB")
    results: dict[str, list[dict[str, Any]]] = {"legacy": [], "memory": [], "mapped": []}
    for _ in range(args.runs):
        for mode in results:
            env = {**os.environ, SWITCH: "off"} if mode != "mapped" else dict(os.environ)
            done = subprocess.run([sys.executable, __file__, "--kb", str(args.kb), "--child", mode,
                                   "--legacy-commit", args.legacy_commit],
                                  env=env, check=True, capture_output=True, text=True)
            results[mode].append(json.loads(done.stdout.splitlines()[-1]))
    print(f"medians of {args.runs} fresh processes each:")
    for mode, runs in results.items():
        def median(name: str, part: int | None = None, runs: list[dict[str, Any]] = runs) -> float:
            return float(statistics.median(run[name] if part is None else run[name][part] for run in runs))

        def memory(name: str) -> str:
            return f"+{median(name, 0):6.1f} MiB USS (+{median(name, 1):6.1f} anonymous)"

        print(f"  {mode:7s} made in {median('made_s') * 1000:7.1f} ms, {memory('load_mib')}; after {LOOKUPS} "
              f"disease_record {memory('lookups_mib')}, {median('record_ms'):.2f} ms per record "
              f"({median('again_ms'):.2f} ms the second time); first suggestions "
              f"{median('first_suggestions_s') * 1000:6.1f} ms, then {memory('suggestions_mib')}")


if __name__ == "__main__":
    main()
