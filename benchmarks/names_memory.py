"""What the name index costs a process: built in memory (``HEALTHQA_DERIVED=off``) or mapped from the
generation's derived part ``names``. Each run is a fresh process (the modes alternate, ``--runs`` each):
seconds to get the index, private memory (USS: Private_Clean + Private_Dirty of /proc/self/smaps_rollup) it
adds after loading and after ``find`` and ``understand`` of 20 LiveQA questions, and the part's build time
(removed and built again, ``--builds`` times) and size on disk. Medians over the runs.

Writes into ``<db>.derived``: run it on a copy of a knowledge base.

    nice python benchmarks/names_memory.py --kb /tmp/copy/kb.db
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def uss_mib(fields: tuple[str, ...] = ("Private_Clean:", "Private_Dirty:")) -> float:
    found = 0
    with open("/proc/self/smaps_rollup", encoding="utf-8") as rollup:
        for line in rollup:
            parts = line.split()
            if parts[0] in fields:
                found += int(parts[1])
    return found / 1024


def part_pages_mib() -> float:
    """Resident pages of the part's files in this process (clean, shared with every process mapping them)."""
    found, inside = 0, False
    with open("/proc/self/smaps", encoding="utf-8") as smaps:
        for line in smaps:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5:  # a mapping's header line
                inside = len(parts) >= 6 and "/names/" in parts[-1]
            elif inside and parts[0] == "Rss:":
                found += int(parts[1])
    return found / 1024


def one_process(kb: str, data: Path) -> dict[str, float]:
    """Run in a fresh process: the index's costs in this process."""
    from _common import load_liveqa_dev
    from healthqa.answer.answerer import name_index
    from healthqa.retrieve.encoder import english_words
    from healthqa.store import open_store
    from healthqa.understand import understand

    questions = [q.original for q in load_liveqa_dev(data)][:20]
    store = open_store(kb)
    store.generation()
    english_words()  # imported and read by both modes' first call: not the index's cost
    gc.collect()
    before, dirty_before = uss_mib(), uss_mib(("Private_Dirty:",))
    start = time.perf_counter()
    names = name_index(store)
    seconds = time.perf_counter() - start
    gc.collect()
    loaded = uss_mib()
    for question in questions:
        names.find(question)
        understand(question, names)
    gc.collect()
    return {"seconds": seconds, "MiB after load": loaded - before, "MiB after 20 questions": uss_mib() - before,
            "dirty MiB after 20 questions": uss_mib(("Private_Dirty:",)) - dirty_before,
            "part's file pages MiB after 20 questions": part_pages_mib()}


def main() -> None:
    from _common import DEFAULT_DATA

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--builds", type=int, default=1, help="0: use the part there (built if missing)")
    parser.add_argument("--one", choices=["memory", "mapped"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_process(str(args.kb), args.data)))
        return
    from healthqa.answer.answerer import name_index
    from healthqa.retrieve import derived
    from healthqa.store import open_store

    store = open_store(str(args.kb))
    part = derived.generation_folder(Path(f"{args.kb}.derived"), store.generation()) / "names"
    builds = []
    for _ in range(args.builds):
        shutil.rmtree(part, ignore_errors=True)
        start = time.perf_counter()
        name_index(store)
        builds.append(time.perf_counter() - start)
    if not part.is_dir():
        name_index(store)
    store.close()
    size = sum(path.stat().st_size for path in part.iterdir())
    runs: dict[str, list[dict[str, float]]] = {"memory": [], "mapped": []}
    for _ in range(args.runs):
        for mode in runs:
            environment = dict(os.environ)
            if mode == "memory":
                environment[derived.SWITCH] = "off"
            done = subprocess.run([sys.executable, __file__, "--kb", str(args.kb), "--data", str(args.data),
                                   "--one", mode], capture_output=True, text=True, check=True, env=environment)
            runs[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
    report: dict[str, Any] = {"part build s (build and read)": [round(b, 1) for b in builds],
                              "part MiB on disk": round(size / 2**20, 1)}
    for mode, results in runs.items():
        report[mode] = {key: round(statistics.median(r[key] for r in results), 3) for key in results[0]}
        report[mode]["runs"] = results
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
