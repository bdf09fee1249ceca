"""Cold start: `healthqa ask` to its first answer, `healthqa serve` to healthy, and memory per worker, with and
without the derived indexes of a knowledge-base generation (healthqa.retrieve.derived).

Each mode runs the same commands on the same knowledge base (it must have been built by `healthqa ingest`):

- "derived": as shipped: indexes memory-mapped from ``<db>.derived/``, questions encoded by the query models
  cached under ``$HEALTHQA_CACHE_DIR`` (no torch);
- "off": ``HEALTHQA_DERIVED=off``: every process computes its indexes from the store and loads torch for its
  questions (what every start did before); or, with ``--baseline-pythonpath DIR``, another checkout's ``src``
  (the code before the change) instead.

Per run: a fresh `healthqa ask --json` process, wall time to exit (its first answer printed); a fresh
`healthqa serve --workers W` (default 2), wall time until ``/healthz`` answers 200, then each worker's USS
(private clean + private dirty) from ``/proc/<pid>/smaps_rollup`` after a few questions through ``/api/ask``
(``uss_asks_mib``: the pages a question touches are in), and USS and PSS after condition records and a symptom
search too (``uss_mib``, ``pss_mib``: every index a worker may load). Medians of ``--runs`` runs, the modes
interleaved run by run so they share the machine's noise. The page cache is warm in both modes (the first run
of each is not dropped).

    nice -n 10 python benchmarks/cold_start.py --kb /tmp/h2/kb.db [--runs 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

# The console script next to this interpreter (a baseline PYTHONPATH still comes first on its path).
HEALTHQA = [str(Path(sys.executable).with_name("healthqa"))]
QUESTION = "What causes Lambert-Eaton myasthenic syndrome?"
ASKED = ("is lambert eaton myasthenic syndrome inherited?", "how is gout treated?", "what are the symptoms of lupus?")
PAGES = ("/api/diseases/LEMS", "/diseases/ORPHA:43393",
         "/api/symptoms?q=" + urllib.parse.quote("dry mouth, weak thighs, constipation, droopy eyelids, low reflexes"))


def _env(mode: str, baseline_pythonpath: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HEALTHQA_DERIVED", None)
    if mode == "off":
        if baseline_pythonpath:
            env["PYTHONPATH"] = baseline_pythonpath
        else:
            env["HEALTHQA_DERIVED"] = "off"
    return env


def cold_ask(kb: str, env: dict[str, str]) -> float:
    began = time.perf_counter()
    done = subprocess.run([*HEALTHQA, "ask", "--db", kb, "--json", QUESTION],
                          env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"ask failed: {done.stderr[-2000:]}")
    json.loads(done.stdout)  # a whole answer was printed
    return elapsed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 30) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def memory(pid: int) -> dict[str, float]:
    """USS and PSS of a process, MiB, from /proc/<pid>/smaps_rollup."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) >= 3 and parts[0].endswith(":") and parts[2] == "kB":
                fields[parts[0][:-1]] = int(parts[1])
    uss = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {"uss_mib": uss / 1024, "pss_mib": fields.get("Pss", 0) / 1024}


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def serve(kb: str, env: dict[str, str], workers: int, tries: int = 3) -> dict[str, Any]:
    """One fresh server's start; tried again on another port when the chosen one was taken meanwhile."""
    for attempt in range(tries):
        with tempfile.TemporaryFile("w+") as log:
            try:
                return _serve_once(kb, env, workers, log)
            except RuntimeError:
                log.seek(0)
                text = log.read()
                if "address already in use" not in text.lower() or attempt == tries - 1:
                    raise RuntimeError(f"the server stopped: {text[-3000:]}") from None
    raise AssertionError("unreachable")


def _serve_once(kb: str, env: dict[str, str], workers: int, log: Any) -> dict[str, Any]:
    port = _free_port()
    began = time.perf_counter()
    process = subprocess.Popen(
        [*HEALTHQA, "serve", "--db", kb, "--port", str(port), "--workers", str(workers)],
        env={**env, "HEALTHQA_RATE_LIMIT": "0"}, stdout=subprocess.DEVNULL, stderr=log,
    )
    try:
        healthy = None
        while time.perf_counter() - began < 600:
            if process.poll() is not None:
                raise RuntimeError("the server stopped")
            # Every worker must be ready: ask as many times as there are workers, all 200.
            if all(_get(f"http://127.0.0.1:{port}/healthz", timeout=5) == 200 for _ in range(workers * 2)):
                healthy = time.perf_counter() - began
                break
            time.sleep(0.1)
        if healthy is None:
            raise RuntimeError("never healthy")
        for question in ASKED * workers:
            _get(f"http://127.0.0.1:{port}/api/ask?q={urllib.parse.quote(question)}", timeout=120)
        pids = _children(process.pid) if workers > 1 else [process.pid]
        after_asks = [memory(pid) for pid in pids]
        # Then every kind of page that loads an index of its own (condition records, symptom search), twice per
        # worker (keep-alive connections are not used here, so requests spread over the workers).
        for _ in range(workers * 2):
            for path in PAGES:
                _get(f"http://127.0.0.1:{port}{path}", timeout=300)
        worker_memory = [memory(pid) for pid in pids]
        return {"healthy_s": healthy, "workers": worker_memory, "after_asks": after_asks}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", required=True, help="a knowledge base built by `healthqa ingest` (SQLite path)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-pythonpath", help="run the baseline with this PYTHONPATH (another checkout's src)")
    parser.add_argument("--skip-serve", action="store_true")
    args = parser.parse_args()
    modes = ("off", "derived")
    results: dict[str, dict[str, list[float]]] = {
        m: {"ask_s": [], "healthy_s": [], "uss_asks_mib": [], "uss_mib": [], "pss_mib": []} for m in modes}
    for run in range(args.runs):
        for mode in modes if run % 2 == 0 else modes[::-1]:
            env = _env(mode, args.baseline_pythonpath)
            results[mode]["ask_s"].append(cold_ask(args.kb, env))
            if not args.skip_serve:
                served = serve(args.kb, env, args.workers)
                results[mode]["healthy_s"].append(served["healthy_s"])
                results[mode]["uss_asks_mib"] += [w["uss_mib"] for w in served["after_asks"]]
                results[mode]["uss_mib"] += [w["uss_mib"] for w in served["workers"]]
                results[mode]["pss_mib"] += [w["pss_mib"] for w in served["workers"]]
            print(f"run {run + 1} {mode}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in results[mode].items() if v),
                  file=sys.stderr)
    summary = {mode: {key: round(statistics.median(values), 2) for key, values in figures.items() if values}
               for mode, figures in results.items()}
    print(json.dumps({"kb": args.kb, "runs": args.runs, "workers": args.workers,
                      "baseline": args.baseline_pythonpath or "HEALTHQA_DERIVED=off", "medians": summary}, indent=2))


if __name__ == "__main__":
    main()
