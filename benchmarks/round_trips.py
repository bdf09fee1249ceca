"""Store calls (database round trips) per answered question, as a server answers (``Answerer(in_memory=True)``
over the generation's derived files): the LiveQA dev questions in the consumer's original wording, asked twice
(the second time every name's phrase count is cached in the process), with each store method's calls and time.

    python benchmarks/round_trips.py --kb /tmp/full/kb.db [--kb postgresql://127.0.0.1:5432/healthqa]

The answer cache is off (each question is answered); the first answerer of a knowledge base builds its derived
files if they are missing (not counted: the questions are).
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import DEFAULT_DATA, load_liveqa_dev
from healthqa.answer.answerer import Answerer
from healthqa.store import open_store
from healthqa.store.base import Store


def _counted(store: Store, calls: collections.Counter[str], seconds: dict[str, float]) -> None:
    """Count every public method call made on ``store`` (the ranker and the answerer hold this same object)."""
    for name in dir(type(store)):
        method = getattr(store, name)
        if name.startswith("_") or not callable(method):
            continue

        def counted(*args: Any, _method: Callable[..., Any] = method, _name: str = name, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return _method(*args, **kwargs)
            finally:
                calls[_name] += 1
                seconds[_name] = seconds.get(_name, 0.0) + time.perf_counter() - began

        setattr(store, name, counted)


def measure(kb: str, questions: list[str]) -> dict[str, Any]:
    store = open_store(kb)
    try:
        answerer = Answerer(store, in_memory=True)
        calls: collections.Counter[str] = collections.Counter()
        seconds: dict[str, float] = {}
        _counted(store, calls, seconds)
        result: dict[str, Any] = {}
        for round_name in ("first", "again"):
            calls.clear()
            seconds.clear()
            times = []
            for question in questions:
                began = time.perf_counter()
                answerer.ask(question)
                times.append(time.perf_counter() - began)
            result[round_name] = {
                "store_calls_per_question": round(sum(calls.values()) / len(questions), 2),
                "by_method": {name: {"per_question": round(count / len(questions), 2),
                                     "ms_per_question": round(seconds.get(name, 0.0) / len(questions) * 1000, 2)}
                              for name, count in calls.most_common()},
                "ask_p50_ms": round(statistics.median(times) * 1000, 1),
                "ask_p95_ms": round(sorted(times)[int(0.95 * len(times))] * 1000, 1),
            }
        return result
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", action="append", required=True, help="a built knowledge base (path or URL)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    questions = [q.original for q in load_liveqa_dev(args.data)]
    print(json.dumps({kb.split("@")[-1]: measure(kb, questions) for kb in args.kb}, indent=2))


if __name__ == "__main__":
    main()
