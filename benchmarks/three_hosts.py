"""Throughput through nginx against one host direct, on the three-host deployment (deploy/three_hosts.py).

Starts PostgreSQL, Redis, two ``healthqa serve`` hosts in their own network namespaces and nginx (as the test
tests/deploy/test_three_hosts.py does), over the benchmark knowledge base (MedQuAD + LiveQA judged answers,
benchmarks/_common.build_kb, copied into PostgreSQL with ``healthqa migrate``, vectors included). Then, with
wrk (``-t1 -c32``, Debian's package) for ``--duration`` seconds per run, rate limits on and counted in Redis:

- ``direct``: host 1 alone, straight to its address (no proxy);
- ``proxy, 2 hosts``: through nginx, balanced over both hosts;
- ``proxy, 1 host``: through nginx with host 2 stopped (nginx's own cost: compare with ``direct``).

Two workloads: ``cached`` cycles over the 52 LiveQA dev questions, warmed once on every host, so answers come
from the hosts' caches (the HTTP path and the proxy's cost dominate); ``answered`` makes every question new (a
counter appended), so each is answered (CPU-bound). The runs of each comparison are interleaved, ``--repeats``
times; figures are medians and ratios of medians. Every host, nginx, PostgreSQL, Redis and wrk share this
machine's cores.

    sudo .venv/bin/python benchmarks/three_hosts.py [--duration 10] [--repeats 3] [--clients 32]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path
from types import ModuleType
from typing import Any

from _common import CACHE, DEFAULT_DATA, build_kb, load_liveqa_dev

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
# A copy of its own: the other benchmarks' kb.db may be rebuilt by them while this one reads it.
KB = CACHE / "three-hosts-kb.db"

WRK_SCRIPT = """
local questions = {}
local counter = 0
local fresh = os.getenv("FRESH")
local function urlencode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
function init(args)
  for line in io.lines(os.getenv("QUESTIONS")) do questions[#questions + 1] = line end
end
function request()
  counter = counter + 1
  local question = questions[(counter % #questions) + 1]
  if fresh ~= "" then question = question .. " (" .. fresh .. "-" .. counter .. ")" end
  return wrk.format("GET", "/api/ask?q=" .. urlencode(question))
end
"""


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, DEPLOY / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _wrk(url: str, clients: int, seconds: int, script: Path, questions: Path, fresh: bool) -> dict[str, float]:
    """wrk's requests/s, p50/p99 latency (ms) and errors (non-2xx answers + socket errors)."""
    import os

    # A new question each time, never asked in an earlier run either (the hosts keep the last 1,024 answers).
    env = {**os.environ, "QUESTIONS": str(questions), "FRESH": secrets.token_hex(4) if fresh else ""}
    result = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, env=env, check=True,
    )
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def latency(percent: str) -> float:
        match = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)\b", out)
        if match is None:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return {"rate": rate, "p50": latency("50"), "p99": latency("99"), "errors": errors}


def _warm(three_hosts: ModuleType, deployment: Any, questions: list[str]) -> None:
    """Every question once on every host: the ``cached`` workload then reads the hosts' answer caches."""
    for host in deployment.hosts:
        for question in questions:
            status, _ = three_hosts.http_get(f"{host.url}/api/ask?q={urllib.parse.quote(question)}", timeout=60)
            if status != 200:
                raise SystemExit(f"warming {host.name}: {status} for a LiveQA dev question")


def _compare(runs: dict[str, list[dict[str, float]]], baseline: str) -> list[str]:
    lines = []
    base = statistics.median(r["rate"] for r in runs[baseline])
    for name, results in runs.items():
        rate = statistics.median(r["rate"] for r in results)
        p50 = statistics.median(r["p50"] for r in results)
        p99 = statistics.median(r["p99"] for r in results)
        errors = sum(int(r["errors"]) for r in results)
        db = statistics.median(r["db"] for r in results)
        lines.append(f"| {name} | {rate:.1f} | {rate / base:.2f}x | {p50:.0f} | {p99:.0f} | {errors} | {db:.2f} |")
    return lines


TABLE_HEAD = ("| | requests/s | vs direct | p50 ms | p99 ms | errors | DB transactions / request |\n"
              "|---|---|---|---|---|---|---|")


def _transactions(database_url: str) -> int:
    """Transactions committed or rolled back in the knowledge base's database so far (each store read is one)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        row = db.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")
        return int(row.fetchone()[0])  # type: ignore[index]


def _comparison(measure: tuple[argparse.Namespace, Path, Path, str], label: str, targets: dict[str, str]) -> None:
    """Each workload: the targets' wrk runs interleaved ``repeats`` times, then a table of medians."""
    options, script, question_file, database_url = measure
    for workload, fresh in (("cached", False), ("answered", True)):
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(options.repeats):
            for name, url in targets.items():
                before = _transactions(database_url)
                result = _wrk(url, options.clients, options.duration, script, question_file, fresh)
                # PostgreSQL publishes a backend's counts within a second: over a run of several, close enough.
                result["db"] = (_transactions(database_url) - before - 1) / max(1.0, result["rate"] * options.duration)
                runs[name].append(result)
                print(f"{workload}{label} {name}: {runs[name][-1]}", flush=True)
        print(f"\n{workload}{label}, {options.clients} clients, {options.duration} s runs, median of "
              f"{options.repeats}\n{TABLE_HEAD}")
        print("\n".join(_compare(runs, next(iter(targets)))) + "\n", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    options = parser.parse_args()
    three_hosts = _module("three_hosts")
    reason = three_hosts.missing() or (None if shutil.which("wrk") else "wrk is not installed (apt-get install wrk)")
    if reason:
        print(f"three_hosts benchmark: cannot run here: {reason}", file=sys.stderr)
        return 2
    if not options.data.exists():
        print(f"three_hosts benchmark: no data at {options.data}", file=sys.stderr)
        return 2
    build_kb(KB, options.data).close()  # with every passage's vector, which migrate copies
    # As people asked them (cut to stay under the 2,000-character limit with the counter appended).
    questions = [" ".join(q.original.split())[:1500] for q in load_liveqa_dev(options.data)]
    work = Path(tempfile.mkdtemp(prefix="healthqa-bench-"))
    script, question_file = work / "ask.lua", work / "questions.txt"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    question_file.write_text("\n".join(questions) + "\n", encoding="utf-8")
    settings = {"HEALTHQA_RATE_LIMIT": "1000000000"}  # on, and counted in Redis, but never reached
    try:
        with three_hosts.deploy(migrate=KB, settings=settings, say=lambda line: print(line, flush=True)) as d:
            _warm(three_hosts, d, questions)
            direct, proxy = d.hosts[0].url, d.proxy_url
            measure = (options, script, question_file, d.database_url)
            _comparison(measure, "", {"direct (host 1)": direct, "proxy, 2 hosts": proxy})
            d.stop_host(d.hosts[1])
            _comparison(measure, " (host 2 stopped)", {"direct (host 1)": direct, "proxy, 1 host": proxy})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
