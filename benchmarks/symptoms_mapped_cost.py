"""What the symptom index costs a server worker: mapped from the generation's derived files, or built in memory.

Each measurement runs in a fresh process (the way a worker starts): open the knowledge base, build the disease
index (the service hands it to the symptom index), then measure, from there:

- ``ontology``: ``load_hpo()`` and the phrase matcher's tables (``match("dry mouth")``, as the service does),
  the same in both modes (the ontology files are the package's);
- ``index``: ``SymptomIndex.from_store(store, conditions=...)``: seconds and private memory (Private_Clean +
  Private_Dirty of /proc/self/smaps_rollup, after a collection; ``*_dirty_mib``: Private_Dirty alone, the heap),
  then after 20 searches of dev cases;
- ``search``: seconds per ``search(terms, 10)`` plus its urgency notice over 100 dev cases (cold caches), p50/p95.

Modes: ``legacy`` (``healthqa/symptoms/hpo.py`` and ``index.py`` as of ``--legacy-commit``, read with ``git
show``: what each worker built before), ``memory`` (``HEALTHQA_DERIVED=off``), ``mapped`` (the part present),
``build`` (the part removed first: built, written, then mapped). Three runs of each, interleaved, medians; the
part's size on disk. Writes into ``<db>.derived``: run it on a copy of a knowledge base. The phrase matcher's
cache (``HEALTHQA_CACHE_DIR``) is kept: present in ``build`` and ``mapped``.

    nice python benchmarks/symptoms_mapped_cost.py --kb /tmp/copy/kb.db [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _legacy import legacy_module

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = ROOT.parent / "shared" / "data" / "phenopackets" / "dev-cases.jsonl"


def private_mib() -> tuple[float, float]:
    """(Private_Clean + Private_Dirty, Private_Dirty alone) in MiB. Pages of a mapped file that only this process
    has touched count as Private_Clean (shared once another worker maps them, and reclaimable: page cache);
    Private_Dirty is the heap, each worker's own."""
    gc.collect()
    found = {"Private_Clean:": 0, "Private_Dirty:": 0}
    with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            parts = line.split()
            if parts[0] in found:
                found[parts[0]] += int(parts[1])
    return (found["Private_Clean:"] + found["Private_Dirty:"]) / 1024, found["Private_Dirty:"] / 1024


def legacy_modules(commit: str) -> tuple[Any, Any]:
    """``healthqa/symptoms/hpo.py`` and ``index.py`` as of ``commit``, the index importing that ontology module."""
    hpo = legacy_module(commit, "src/healthqa/symptoms/hpo.py", "healthqa.symptoms.hpo")
    return hpo, legacy_module(commit, "src/healthqa/symptoms/index.py", "legacy_symptom_index")


def child(kb: Path, cases_path: Path, legacy: str | None) -> dict[str, Any]:
    from healthqa.conditions import index_for
    from healthqa.store.sqlite import SQLiteStore

    if legacy:
        hpo_module, index_module = legacy_modules(legacy)
        load_hpo, SymptomIndex = hpo_module.load_hpo, index_module.SymptomIndex
    else:
        from healthqa.symptoms.hpo import load_hpo
        from healthqa.symptoms.index import SymptomIndex

    cases = [json.loads(line) for line in cases_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    store = SQLiteStore(kb)
    conditions = index_for(store)
    before, start = private_mib(), time.perf_counter()
    load_hpo().match("dry mouth")
    ontology_seconds, after_ontology = time.perf_counter() - start, private_mib()
    start = time.perf_counter()
    index = SymptomIndex.from_store(store, conditions=conditions)
    index.hpo.match("dry mouth")
    index_seconds, after_index = time.perf_counter() - start, private_mib()
    for case in cases[:20]:
        index.urgent(index.search(case["terms"], 10))
    after_searches = private_mib()
    timings = []
    for case in cases[100:200]:
        start = time.perf_counter()
        index.urgent(index.search(case["terms"], 10))
        timings.append(time.perf_counter() - start)
    timings.sort()
    return {
        "ontology_seconds": ontology_seconds, "ontology_mib": after_ontology[0] - before[0],
        "ontology_dirty_mib": after_ontology[1] - before[1],
        "index_seconds": index_seconds, "index_mib": after_index[0] - after_ontology[0],
        "index_dirty_mib": after_index[1] - after_ontology[1],
        "after_20_searches_mib": after_searches[0] - after_ontology[0],
        "after_20_searches_dirty_mib": after_searches[1] - after_ontology[1],
        "search_p50_ms": 1000 * timings[len(timings) // 2], "search_p95_ms": 1000 * timings[int(len(timings) * 0.95)],
    }


def parts(kb: Path) -> list[Path]:
    return [p for p in (kb.parent / (kb.name + ".derived")).glob("*/symptoms-*") if p.is_dir()]


def run(kb: Path, cases: Path, mode: str, legacy_commit: str) -> dict[str, Any]:
    env = {**os.environ, "HEALTHQA_DERIVED": "off" if mode in ("memory", "legacy") else "on"}
    if mode == "build":
        for part in parts(kb):
            shutil.rmtree(part)
    legacy = ["--legacy", legacy_commit] if mode == "legacy" else []
    done = subprocess.run([sys.executable, __file__, "--child", "--kb", str(kb), "--cases", str(cases), *legacy],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{mode}: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", default="legacy,memory,build,mapped")
    parser.add_argument("--legacy-commit", default="HEAD")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--legacy", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.kb, args.cases, args.legacy)))
        return
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in args.modes.split(",")}
    for _ in range(args.runs):
        for mode in runs:  # interleaved, so that a busy moment of the machine falls on every mode alike
            runs[mode].append(run(args.kb, args.cases, mode, args.legacy_commit))
    size = sum(f.stat().st_size for part in parts(args.kb) for f in part.iterdir())
    report: dict[str, Any] = {"kb": str(args.kb), "runs": args.runs, "part_bytes": size}
    for mode, found in runs.items():
        report[mode] = {key: round(statistics.median(r[key] for r in found), 2) for key in found[0]}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
