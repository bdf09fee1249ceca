"""Bounded load test of the HTTP API on loopback, against the answering library called directly.

Starts ``healthqa serve --host 127.0.0.1 --port <free port> --workers N`` as a subprocess over the cached
knowledge base (``HEALTHQA_DB=benchmarks/.cache/kb.db``, ``HEALTHQA_RATE_LIMIT=0`` so that the limiter
does not reject the load), waits until every worker has started and ``/healthz`` answers, and warms
each worker. This process then generates the load with an asyncio httpx client: ``GET /api/ask?q=...``
cycling over the 52 LiveQA dev questions (original wording), at each concurrency level (1, 8 and 32
clients by default), each run bounded by a request count AND a duration, whichever comes first.

The baseline, in the same run: the library itself (``Answerer(store, in_memory=True).ask(question, top=3)``,
as the API builds it, with its default ``top``) called from the same number of processes (N spawned
processes, each with its own store and Answerer), with the same concurrency scheme: the C clients are
spread over the N processes as threads that take the next question from one shared counter, under the
same request count and
duration caps. Each repetition runs every level over HTTP and over the library back to back
(alternating which goes first), so both see the same background load; the figures are the medians over
``--repeats`` repetitions.

Reported per level: throughput (successful requests per second of wall time, from the first request
to the last answer), p50/p99/mean latency, errors (non-200 answers or exceptions, by kind), CPU
milliseconds per request (server workers vs library processes, and the load generator's own), the
1-minute load average, and the ratio HTTP/library throughput. Also: the RSS (VmRSS, peak VmHWM) of
every uvicorn worker (the serve process's children) after warm-up and at the end, the same for the
library processes, and a sequential in-process profile of ``Answerer.ask`` (time in understanding,
query encoding, the vector search, the SQLite queries, the rest).
The server and the library processes are stopped at the end, also on Ctrl-C, SIGTERM or an error.
One JSON object goes to stdout; a line per run goes to stderr as it ends.

    python benchmarks/load.py [--kb benchmarks/.cache/kb.db] [--data ../shared/data] [--workers 2]
        [--levels 1,8,32] [--requests 400] [--duration 30] [--repeats 3] [--warmup 20] [--torch-threads N]
        [--answer-cache N]

``--answer-cache N`` lets every server worker and library process keep N answers (``HEALTHQA_ANSWER_CACHE``);
the default, 0, answers every request afresh.

``--torch-threads N`` sets OMP_NUM_THREADS for the server and the library processes (torch's intra-op
threads; by default torch uses one per core, which spins badly when the cores are oversubscribed).
The knowledge base is built when missing (as ``benchmarks/liveqa.py`` builds it) but never deleted here:
a stale one (built by other ingest or store code) is measured as it is, with a warning and
``"kb": {"stamp": "stale"}`` in the output.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from _common import DEFAULT_DATA, DEFAULT_KB, REPO_ROOT, _code_digest, _fill_vectors, build_kb, load_liveqa_dev

TOP = 3  # the API's default
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TARGETS = {"rps_at_32": 150.0, "p99_ms_at_32": 250.0, "http_over_library_at_32": 0.8}


# --- processes and /proc -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def _memory_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak RSS) of ``pid`` in MiB."""
    wanted = {"VmRSS": "rss_mib", "VmHWM": "peak_rss_mib"}
    result: dict[str, float] = {}
    try:
        for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in wanted:
                result[wanted[key]] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return result


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` (all its threads) so far."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _loadavg() -> float:
    return round(os.getloadavg()[0], 2)


# --- figures -----------------------------------------------------------------------------------------


@dataclass
class RunResult:
    clients: int
    requests: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    cpu_s: float = 0.0  # the answering side: server workers or library processes
    client_cpu_s: float = 0.0  # the load generator (HTTP only)
    loadavg: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)  # HTTP status or exception name -> count

    def failed(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    def figures(self) -> dict[str, Any]:
        ok = len(self.latencies)
        values = np.asarray(self.latencies or [float("nan")]) * 1000
        figures: dict[str, Any] = {
            "requests": self.requests,
            "errors": self.errors,
            "elapsed_s": round(self.elapsed_s, 2),
            "rps": round(ok / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "p50_ms": round(float(np.percentile(values, 50)), 1),
            "p99_ms": round(float(np.percentile(values, 99)), 1),
            "mean_ms": round(float(values.mean()), 1),
            "cpu_ms_per_request": round(self.cpu_s * 1000 / self.requests, 1) if self.requests else None,
            "loadavg_1m": self.loadavg,
            "error_kinds": self.error_kinds,
        }
        if self.client_cpu_s:
            figures["client_cpu_ms_per_request"] = round(self.client_cpu_s * 1000 / self.requests, 1)
        return figures


def _median_figures(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    keys = [key for key in runs[0] if isinstance(runs[0][key], int | float)]
    median = {key: round(statistics.median(run[key] for run in runs), 1) for key in keys}
    median["errors_total"] = sum(run["errors"] for run in runs)
    kinds: dict[str, int] = {}
    for run in runs:
        for kind, count in run["error_kinds"].items():
            kinds[kind] = kinds.get(kind, 0) + count
    median["error_kinds_total"] = kinds
    median["rps_each"] = [run["rps"] for run in runs]
    median["p99_ms_each"] = [run["p99_ms"] for run in runs]
    return median


# --- the server --------------------------------------------------------------------------------------


class Server:
    """``healthqa serve`` in its own process group, so that it and its workers can be stopped together."""

    def __init__(self, kb: Path, workers: int, log_path: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_path = log_path
        self.command = [
            sys.executable, "-m", "healthqa", "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(workers),
        ]
        env = {**os.environ, "HEALTHQA_DB": str(kb), "HEALTHQA_RATE_LIMIT": "0"}
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            self.command, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 300.0) -> None:
        """Every worker has finished its startup (loaded its Answerer) and /healthz says ok."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            started = self.log_path.read_text(errors="replace").count("Application startup complete")
            if started >= self.workers:
                try:
                    if httpx.get(self.base + "/healthz", timeout=5).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.5)
        raise RuntimeError(f"the server was not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The uvicorn workers: the serve process's children started by multiprocessing's spawn."""
        children = _children(self.process.pid)
        workers = [pid for pid in children if "spawn_main" in _cmdline(pid)]
        return workers or children

    def cpu_seconds(self) -> float:
        return sum(_cpu_seconds(pid) for pid in self.worker_pids())

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


async def _http_run(base: str, questions: Sequence[str], clients: int, total: int, duration: float) -> RunResult:
    result = RunResult(clients)
    next_index = 0  # one event loop: no lock needed
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        start = time.monotonic()
        deadline = start + duration

        async def one_client() -> None:
            nonlocal next_index
            while next_index < total and time.monotonic() < deadline:
                question = questions[next_index % len(questions)]
                next_index += 1
                sent = time.perf_counter()
                try:
                    response = await client.get("/api/ask", params={"q": question})
                    failure = "" if response.status_code == 200 else str(response.status_code)
                except httpx.HTTPError as error:
                    failure = type(error).__name__
                result.requests += 1
                if failure:
                    result.failed(failure)
                else:
                    result.latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(one_client() for _ in range(clients)))
        result.elapsed_s = time.monotonic() - start
    return result


def http_run(server: Server, questions: Sequence[str], clients: int, total: int, duration: float) -> RunResult:
    server_cpu = server.cpu_seconds()
    client_cpu = time.process_time()
    result = asyncio.run(_http_run(server.base, questions, clients, total, duration))
    result.client_cpu_s = time.process_time() - client_cpu
    result.cpu_s = server.cpu_seconds() - server_cpu
    result.loadavg = _loadavg()
    return result


def warm_server(server: Server, questions: Sequence[str], per_worker: int) -> dict[str, float]:
    """Send ``per_worker`` requests per worker over fresh connections until every worker has answered."""
    pids = server.worker_pids()
    before = {pid: _cpu_seconds(pid) for pid in pids}
    used: dict[int, float] = {}
    for _ in range(5):
        run = asyncio.run(_http_run(server.base, questions, 8, per_worker * len(pids), 120.0))
        if run.errors:
            raise RuntimeError(f"{run.errors} errors while warming up:\n{server.log_tail()}")
        used = {pid: _cpu_seconds(pid) - before[pid] for pid in pids}
        if min(used.values()) > 0.5:
            break
    return {str(pid): round(seconds, 1) for pid, seconds in used.items()}


# --- the library baseline ----------------------------------------------------------------------------


def _library_worker(kb: str, conn: Connection, counter: Synchronized[int]) -> None:
    """One baseline process: its own store and Answerer; runs the commands it receives."""
    from healthqa.answer.answerer import Answerer
    from healthqa.store import open_store

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    store = open_store(kb)
    answerer = Answerer(store, in_memory=True, cache_size=int(os.environ.get("HEALTHQA_ANSWER_CACHE", "0")))
    # Threads (and their SQLite connections) live as long as the process, as in the server's executor.
    executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="library")
    conn.send(("ready", os.getpid()))
    while True:
        command, payload = conn.recv()
        if command == "stop":
            break
        if command == "warm":
            questions, count = payload
            for index in range(count):
                answerer.ask(questions[index % len(questions)], top=TOP)
            conn.send(("warm", None))
        elif command == "profile":
            conn.send(("profile", _profile(answerer, *payload)))
        elif command == "run":
            conn.send(("run", _library_threads(answerer, executor, counter, *payload)))
    executor.shutdown()
    store.close()


def _library_threads(
    answerer: Any, executor: ThreadPoolExecutor, counter: Synchronized[int], questions: Sequence[str],
    threads: int, total: int, start_at: float, deadline: float,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    last_end = start_at
    lock = threading.Lock()

    def caller() -> None:
        nonlocal last_end
        while time.monotonic() < deadline:
            with counter.get_lock():
                index = counter.value
                if index >= total:
                    return
                counter.value = index + 1
            sent = time.perf_counter()
            try:
                answerer.ask(questions[index % len(questions)], top=TOP)
                failure = ""
            except Exception as error:  # counted, like an HTTP error
                failure = type(error).__name__
            taken = time.perf_counter() - sent
            with lock:
                if failure:
                    errors[failure] = errors.get(failure, 0) + 1
                else:
                    latencies.append(taken)
                last_end = max(last_end, time.monotonic())

    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu = time.process_time()
    for future in [executor.submit(caller) for _ in range(threads)]:
        future.result()
    return {"latencies": latencies, "errors": errors, "last_end": last_end, "cpu_s": time.process_time() - cpu}


class LibraryPool:
    """N spawned processes, each with its own Answerer, sharing one request counter."""

    def __init__(self, kb: Path, processes: int) -> None:
        context = mp.get_context("spawn")
        self.counter: Synchronized[int] = context.Value("i", 0)
        self.conns: list[Connection] = []
        self.processes: list[Any] = []
        for _ in range(processes):
            parent, child = context.Pipe()
            process = context.Process(target=_library_worker, args=(str(kb), child, self.counter), daemon=True)
            process.start()
            self.conns.append(parent)
            self.processes.append(process)
        self.pids: list[int] = []

    def wait_ready(self, timeout: float = 300.0) -> None:
        for conn, process in zip(self.conns, self.processes, strict=True):
            if not conn.poll(timeout):
                raise RuntimeError(f"library process {process.pid} was not ready after {timeout:.0f}s")
            _, pid = conn.recv()
            self.pids.append(pid)

    def _ask(self, conn: Connection, command: str, payload: Any) -> Any:
        conn.send((command, payload))
        kind, answer = conn.recv()
        if kind != command:
            raise RuntimeError(f"library process answered {kind!r} to {command!r}")
        return answer

    def warm(self, questions: Sequence[str], count: int) -> None:
        for conn in self.conns:
            conn.send(("warm", (list(questions), count)))
        for conn in self.conns:
            conn.recv()

    def profile(self, questions: Sequence[str], passes: int) -> dict[str, Any]:
        result: dict[str, Any] = self._ask(self.conns[0], "profile", (list(questions), passes))
        return result

    def run(self, questions: Sequence[str], clients: int, total: int, duration: float) -> RunResult:
        with self.counter.get_lock():
            self.counter.value = 0
        start_at = time.monotonic() + 0.2
        deadline = start_at + duration
        sent = []
        for rank, conn in enumerate(self.conns):
            threads = clients // len(self.conns) + (1 if rank < clients % len(self.conns) else 0)
            if threads:
                conn.send(("run", (list(questions), threads, total, start_at, deadline)))
                sent.append(conn)
        parts = [conn.recv()[1] for conn in sent]
        result = RunResult(clients, loadavg=_loadavg())
        for part in parts:
            result.latencies.extend(part["latencies"])
            for kind, count in part["errors"].items():
                result.errors += count
                result.error_kinds[kind] = result.error_kinds.get(kind, 0) + count
            result.cpu_s += part["cpu_s"]
        result.requests = len(result.latencies) + result.errors
        result.elapsed_s = max(part["last_end"] for part in parts) - start_at
        return result

    def stop(self) -> None:
        for conn, process in zip(self.conns, self.processes, strict=True):
            if process.is_alive():
                with contextlib.suppress(OSError):
                    conn.send(("stop", None))
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


# --- where Answerer.ask spends its time --------------------------------------------------------------

_STORE_METHODS = (
    "search_passages", "search_questions", "passages_by_public_ids", "passages_of_documents", "passages_by_ids",
    "questions_answered_by",
)


def _profile(answerer: Any, questions: Sequence[str], passes: int) -> dict[str, Any]:
    """Sequential asks with timers around the stages; the timers are removed afterwards."""
    totals: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    patched: list[tuple[Any, str]] = []

    def patch(owner: Any, attribute: str, name: str) -> None:
        setattr(owner, attribute, timed(name, getattr(owner, attribute)))
        patched.append((owner, attribute))

    patch(answerer, "understand", "understand")
    patch(answerer.ranker, "rank", "rank")
    patch(answerer, "_related", "related")
    if answerer.encoder is not None:
        patch(answerer.encoder, "encode_query", "rank.encode_query")
        patch(answerer.ranker.index, "nearest", "rank.vector_nearest")
        patch(answerer.ranker.index, "similarity", "rank.vector_similarity")
    patch(answerer.ranker, "_search_passages", "rank.search_passages")
    patch(answerer.ranker, "_search_questions", "rank.search_questions")
    for method in _STORE_METHODS:
        patch(answerer.store, method, f"sqlite.{method}")
    asks = 0
    try:
        for question in questions:  # untimed warm-up of the timers' paths
            answerer.ask(question, top=TOP)
        totals.clear()
        started = time.perf_counter()
        for _ in range(passes):
            for question in questions:
                answerer.ask(question, top=TOP)
                asks += 1
        total = time.perf_counter() - started
    finally:
        for owner, attribute in patched:
            delattr(owner, attribute)
    per_ask = {name: round(seconds * 1000 / asks, 2) for name, seconds in sorted(totals.items())}
    per_ask["sqlite.all"] = round(sum(ms for name, ms in per_ask.items() if name.startswith("sqlite.")), 2)
    ask_ms = total * 1000 / asks
    share = {name: round(ms / ask_ms, 3) for name, ms in per_ask.items()}
    return {
        "asks": asks,
        "ask_ms_mean": round(ask_ms, 2),
        "stage_ms_per_ask": per_ask,
        "stage_share_of_ask": share,
        "note": "sequential, one process, the others idle; stages nest: rank includes rank.encode_query, "
                "rank.vector_nearest (two-stage search), rank.vector_similarity, rank.search_* (in-memory BM25); "
                "sqlite.* counts only what the in-memory passage table sends to the store",
        "vectors": len(answerer.ranker.index),
        "query_encoding_one_thread": _encoding_by_threads(answerer, questions),
    }


def _encoding_by_threads(answerer: Any, questions: Sequence[str]) -> dict[str, Any]:
    """Wall and CPU milliseconds per query encoding (the concise queries rank encodes), on one torch thread:
    the int8 ONNX Runtime query model that ``ask`` uses against the torch float32 model that embeds the passages."""
    import torch

    if answerer.encoder is None:
        return {}
    default = int(torch.get_num_threads())
    queries = [(u.concise or u.text)[:1000] for u in map(answerer.understand, questions)]
    encoder = answerer.encoder
    timings: dict[str, Any] = {"default_threads": default}
    runs: dict[str, Any] = {
        "onnx_int8_query_model": encoder.encode_query,
        "float32_model": lambda query: encoder.encode([query], max_tokens=64),
    }
    try:
        torch.set_num_threads(1)
        for name, encode in runs.items():
            for query in queries[:3]:
                encode(query)
            wall, cpu = time.perf_counter(), time.process_time()
            for query in queries:
                encode(query)
            timings[name] = {
                "wall_ms": round((time.perf_counter() - wall) * 1000 / len(queries), 1),
                "cpu_ms": round((time.process_time() - cpu) * 1000 / len(queries), 1),
            }
    finally:
        torch.set_num_threads(default)
    return timings


# --- the run -----------------------------------------------------------------------------------------


def _kb_state(kb: Path, data: Path) -> str:
    """"current", "stale" (built by other ingest or store code, or from other data), "incomplete" or "missing"."""
    stamp_path = kb.with_name(kb.name + ".stamp.json")
    if not kb.exists():
        return "missing"
    if not stamp_path.exists():
        return "incomplete"  # being built right now, or a build was interrupted
    stamp = {"data": str(data.resolve()), "code": _code_digest()}
    return "current" if json.loads(stamp_path.read_text()) == stamp else "stale"


def _prepare_kb(kb: Path, data: Path, build: bool) -> None:
    """Build the knowledge base (``build``), or give its passages the vectors they lack; never deletes it.

    Runs in a child process: it loads the sentence model only when there are vectors to compute.
    """
    from healthqa.retrieve.encoder import MODEL_NAME
    from healthqa.store.sqlite import SQLiteStore

    if build:
        build_kb(kb, data).close()
        return
    store = SQLiteStore(kb)
    try:
        if store.vector_texts_missing(MODEL_NAME):
            _fill_vectors(store, kb.with_name("vectors.db"))
    finally:
        store.close()


def _kb_identity(kb: Path) -> tuple[int, int]:
    """The file's inode and its stamp's modification time: both change when the cache is rebuilt."""
    stamp = kb.with_name(kb.name + ".stamp.json")
    return kb.stat().st_ino, stamp.stat().st_mtime_ns if stamp.exists() else 0


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally that stops the server and the processes


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_signal)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB, help="cached KB (built if missing)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--workers", type=int, default=2, help="server workers = library processes")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients, comma-separated")
    parser.add_argument("--requests", type=int, default=400, help="requests per run (at most)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run (at most)")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of every level")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per worker / process")
    parser.add_argument("--profile-passes", type=int, default=2, help="passes over the questions for the profile")
    parser.add_argument(
        "--torch-threads", type=int, default=None,
        help="OMP_NUM_THREADS for the server and the library processes (default: as inherited)",
    )
    parser.add_argument(
        "--answer-cache", type=int, default=0,
        help="answers kept per server worker and per library process (default 0: every request is answered; "
             "the questions cycle, so with a cache nearly every request after the first round is a hit)",
    )
    args = parser.parse_args()
    if not (args.data / "medquad").is_dir():
        sys.exit(f"{args.data}: no medquad folder; pass --data")
    # Inherited by the server and the spawned library processes.
    os.environ["HEALTHQA_ANSWER_CACHE"] = str(args.answer_cache)
    levels = [int(level) for level in args.levels.split(",")]
    kb = args.kb.resolve()
    if args.torch_threads is not None:  # inherited by the server and the spawned library processes
        os.environ["OMP_NUM_THREADS"] = str(args.torch_threads)

    kb_state = _kb_state(kb, args.data)
    if kb_state == "incomplete":
        sys.exit(f"{kb} has no stamp: it is being built, or its build was interrupted (run benchmarks/liveqa.py)")
    if kb_state == "stale":
        print(f"warning: {kb} was built by other ingest/store code; measuring it as it is", file=sys.stderr)
    context = mp.get_context("spawn")
    preparing = context.Process(target=_prepare_kb, args=(kb, args.data, kb_state == "missing"))
    preparing.start()
    preparing.join()
    if preparing.exitcode:
        sys.exit(f"could not prepare {kb} (exit status {preparing.exitcode})")
    questions = [q.original for q in load_liveqa_dev(args.data)]

    result: dict[str, Any] = {
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]},
        "kb": {"path": str(kb), "stamp": kb_state},
        "questions": len(questions),
        "workers": args.workers,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "per_run": {"max_requests": args.requests, "max_seconds": args.duration, "repeats": args.repeats},
        "targets": TARGETS,
    }
    kb_identity = _kb_identity(kb)
    log_dir = Path(tempfile.mkdtemp(prefix="healthqa-load-"))
    server: Server | None = None
    pool: LibraryPool | None = None
    try:
        server = Server(kb, args.workers, log_dir / "serve.log")
        variables = [f"OMP_NUM_THREADS={args.torch_threads}"] if args.torch_threads is not None else []
        result["server_command"] = shlex.join([*variables, f"HEALTHQA_DB={kb}", "HEALTHQA_RATE_LIMIT=0",
                                               f"HEALTHQA_ANSWER_CACHE={args.answer_cache}",
                                               *server.command])
        pool = LibraryPool(kb, args.workers)
        server.wait_ready()
        pool.wait_ready()
        result["server_warmup_cpu_s_per_worker"] = warm_server(server, questions, args.warmup)
        pool.warm(questions, args.warmup)
        result["server_memory_after_warmup"] = {str(pid): _memory_mib(pid) for pid in server.worker_pids()}
        result["profile"] = pool.profile(questions, args.profile_passes)

        runs: dict[int, dict[str, list[dict[str, Any]]]] = {c: {"http": [], "library": []} for c in levels}
        for repeat in range(args.repeats):
            for clients in levels:
                order = ["http", "library"] if repeat % 2 == 0 else ["library", "http"]
                for kind in order:
                    if kind == "http":
                        run = http_run(server, questions, clients, args.requests, args.duration)
                    else:
                        run = pool.run(questions, clients, args.requests, args.duration)
                    figures = run.figures()
                    runs[clients][kind].append(figures)
                    print(f"repeat {repeat + 1} {kind:7} {clients:2} clients: {figures['rps']} req/s, "
                          f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, {figures['errors']} errors, "
                          f"load {figures['loadavg_1m']}", file=sys.stderr)

        result["levels"] = {}
        for clients in levels:
            http = _median_figures(runs[clients]["http"])
            library = _median_figures(runs[clients]["library"])
            result["levels"][str(clients)] = {
                "http": http,
                "library": library,
                "http_over_library_rps": round(http["rps"] / library["rps"], 2) if library["rps"] else None,
            }
        result["server_memory_at_end"] = {
            str(pid): {**_memory_mib(pid), "cmdline": _cmdline(pid)[:80]} for pid in server.worker_pids()
        }
        result["library_memory_at_end"] = {str(pid): _memory_mib(pid) for pid in pool.pids}
        top = result["levels"].get("32")
        if top:
            result["targets_met"] = {
                "rps_at_32": top["http"]["rps"] >= TARGETS["rps_at_32"],
                "p99_ms_at_32": top["http"]["p99_ms"] <= TARGETS["p99_ms_at_32"],
                "http_over_library_at_32": (top["http_over_library_rps"] or 0) >= TARGETS["http_over_library_at_32"],
            }
        result["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        result["kb"]["replaced_during_run"] = _kb_identity(kb) != kb_identity
        if result["kb"]["replaced_during_run"]:
            print(f"warning: {kb} was rebuilt by another process during the run", file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
        if pool is not None:
            pool.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
