"""Load on ``healthqa serve`` from wrk (C, one thread), whose client side costs the shared cores less.

benchmarks/load.py generates load with a Python asyncio client, which spends 3 ms of CPU per request at 1
client and ~9 ms at 32: on this 2-core machine that client, not the server, caps the measured rate for
cached answers. This script starts the server as load.py does (``--workers 2``, the benchmark knowledge
base, rate limit off, ``HEALTHQA_ANSWER_CACHE`` as given), warms every question once per worker, then runs
``wrk -t1 -cC -dSs --latency -s benchmarks/wrk_ask.lua`` cycling over the 52 LiveQA dev questions at each
level and prints wrk's summary lines (requests/s, latency percentiles, non-2xx count), then each worker's memory.

    python benchmarks/load_wrk.py [--levels 8,32] [--duration 20] [--answer-cache 1024] [--repeats 3] [--library]

With ``--library`` the library itself (benchmarks/load.py's baseline: 2 processes, the clients as threads)
runs after each wrk run for the same time, so the HTTP / library ratio is measured with a load generator
that takes little of the two cores (load.py's Python client takes ~3 ms of CPU per request).

Needs Debian's wrk (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import DEFAULT_DATA, DEFAULT_KB, load_liveqa_dev
from load import LibraryPool, Server, _memory_mib, warm_server


def _find(pattern: str, text: str) -> tuple[str, ...]:
    match = re.search(pattern, text)
    if match is None:
        raise SystemExit(f"wrk printed no line matching {pattern!r}:\n{text}")
    return match.groups()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--levels", default="8,32")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--answer-cache", type=int, default=1024)
    parser.add_argument("--library", action="store_true",
                        help="after each wrk run, the same clients call the library from 2 processes (load.py's "
                             "baseline) for the same duration; prints the HTTP / library ratio")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    if not args.kb.exists():
        sys.exit(f"{args.kb}: no knowledge base; run benchmarks/liveqa.py first")
    os.environ["HEALTHQA_ANSWER_CACHE"] = str(args.answer_cache)
    questions = [q.original for q in load_liveqa_dev(args.data)]
    folder = Path(tempfile.mkdtemp(prefix="healthqa-wrk-"))
    question_file = folder / "questions.txt"
    question_file.write_text("\n".join(" ".join(q.split()) for q in questions) + "\n", encoding="utf-8")
    server = Server(args.kb.resolve(), 2, folder / "serve.log")
    pool = LibraryPool(args.kb.resolve(), 2) if args.library else None
    try:
        server.wait_ready()
        warm_server(server, questions, len(questions))
        if pool is not None:
            pool.wait_ready()
            pool.warm(questions, len(questions))
        script = Path(__file__).with_name("wrk_ask.lua")
        for clients in (int(c) for c in args.levels.split(",")):
            rates, p99s, library_rates = [], [], []
            for _ in range(args.repeats):
                result = subprocess.run(
                    ["wrk", "-t1", f"-c{clients}", f"-d{args.duration}s", "--latency", "-s", str(script), server.base],
                    env={**os.environ, "QUESTIONS": str(question_file)}, capture_output=True, text=True, check=True,
                )
                rate = float(_find(r"Requests/sec:\s+([\d.]+)", result.stdout)[0])
                value, unit = _find(r"99%\s+([\d.]+)(us|ms|s)\b", result.stdout)
                rates.append(rate)
                p99s.append(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit])
                errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
                print(f"{clients} clients: {rate:.1f} req/s, p99 {p99s[-1]:.1f} ms, "
                      f"non-2xx {errors.group(1) if errors else 0}, "
                      f"socket errors: {'yes' if 'Socket errors' in result.stdout else 'none'}", file=sys.stderr)
                if pool is not None:
                    library = pool.run(questions, clients, 10**9, args.duration).figures()
                    library_rates.append(library["rps"])
                    print(f"{clients} clients, library: {library['rps']} req/s, p99 {library['p99_ms']} ms, "
                          f"{library['errors']} errors", file=sys.stderr)
            rate = statistics.median(rates)
            line = (f"{clients} clients, answer cache {args.answer_cache}: median {rate:.1f} req/s, "
                    f"median p99 {statistics.median(p99s):.1f} ms over {args.repeats} runs of {args.duration} s")
            if library_rates:
                library_rps = statistics.median(library_rates)
                line += f"; library {library_rps:.1f} req/s, HTTP / library {rate / library_rps:.2f}"
            print(line)
        for pid in server.worker_pids():
            memory = _memory_mib(pid)
            print(f"worker {pid}: RSS {memory['rss_mib']:.0f} MiB, peak {memory['peak_rss_mib']:.0f} MiB")
    finally:
        server.stop()
        if pool is not None:
            pool.stop()


if __name__ == "__main__":
    main()
