"""What a slow-client flood costs the other clients of ``healthqa serve`` (issue 21, defect 9).

Starts ``healthqa serve`` (one worker) over a small knowledge base it writes, measures the latency of
``/healthz`` and ``/api/ask`` from an ordinary client (a new connection per request), then opens
``--flood`` connections that each send half a request's headers and nothing more (``--mode headers``), or
complete headers promising a 10,000-byte body and then one byte of it (``--mode body``), keeps that many
open (re-opening each one the server closes, as an attacker would), and measures the same requests again.
Prints one JSON object: p50/p95 before and during, their ratio, errors, and how long the server let
the slow connections live.

    .venv/bin/python benchmarks/slow_clients.py --flood 3000 --seconds 30
    .venv/bin/python benchmarks/slow_clients.py --flood 3000 --header-timeout 10 --max-connections 1000
    .venv/bin/python benchmarks/slow_clients.py --mode body --flood 12 --max-connections 10
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from healthqa.ingest import ingest_path
from healthqa.store.sqlite import SQLiteStore

SLOW_REQUESTS = {
    "headers": b"GET /healthz HTTP/1.1\r\nHost: victim\r\nX-Slow: ",
    "body": (b"POST /api/search HTTP/1.1\r\nHost: victim\r\nContent-Type: application/json\r\n"
             b"Content-Length: 10000\r\n\r\n{"),
}
TOPICS = [
    ("Gout", "What causes Gout ?", "Gout is caused by too much uric acid in the blood, which forms crystals."),
    ("Asthma", "What are the treatments for Asthma ?", "Asthma is treated with inhalers that open the airways."),
    ("Anemia", "What are the symptoms of Anemia ?", "Anemia makes people tired and pale, short of breath."),
]


def write_kb(folder: Path) -> Path:
    """A knowledge base of a few MedQuAD-style documents (the flood, not the answers, is measured)."""
    sources = folder / "medquad" / "1_GARD_QA"
    sources.mkdir(parents=True)
    for number, (focus, question, answer) in enumerate(TOPICS, 1):
        root = ET.Element("Document", id=f"{number:07d}", source="GARD", url=f"https://example.test/{number}")
        ET.SubElement(root, "Focus").text = focus
        pair = ET.SubElement(ET.SubElement(root, "QAPairs"), "QAPair", pid="1")
        ET.SubElement(pair, "Question", qid=f"{number}-1", qtype="information").text = question
        ET.SubElement(pair, "Answer").text = answer
        ET.ElementTree(root).write(sources / f"{number:07d}.xml", encoding="UTF-8", xml_declaration=True)
    kb = folder / "kb.db"
    store = SQLiteStore(kb)
    try:
        ingest_path(store, folder / "medquad")
    finally:
        store.close()
    return kb


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def measure(port: int, seconds: float) -> dict[str, Any]:
    """Latency (ms) of /healthz and /api/ask, each on a new connection, for ``seconds``."""
    figures: dict[str, Any] = {}
    for name, path in (("healthz", "/healthz"), ("ask", "/api/ask?q=what+causes+gout")):
        times: list[float] = []
        errors: list[str] = []
        deadline = time.monotonic() + seconds / 2
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
                    response.read()
                times.append((time.perf_counter() - started) * 1000)
            except Exception as error:
                errors.append(type(error).__name__)
        figures[name] = {
            "requests": len(times), "errors": len(errors), "error_kinds": sorted(set(errors)),
            "p50_ms": round(percentile(times, 0.5), 2), "p95_ms": round(percentile(times, 0.95), 2),
        }
    return figures


class Flood:
    """Keeps ``count`` half-sent requests open against the server, re-opening those it closes."""

    def __init__(self, port: int, count: int, request: bytes) -> None:
        self.port, self.count, self.request = port, count, request
        self.selector = selectors.DefaultSelector()
        self.lifetimes: list[float] = []  # seconds each closed slow connection stayed open
        self.opened = 0
        self.refused = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self) -> None:
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", self.port))
        self.selector.register(sock, selectors.EVENT_WRITE, [time.monotonic(), False])
        self.opened += 1

    def _run(self) -> None:
        for _ in range(self.count):
            self._open()
        while not self.stop.is_set():
            for key, events in self.selector.select(timeout=0.2):
                sock: socket.socket = key.fileobj  # type: ignore[assignment]
                opened_at, sent = key.data
                try:
                    if not sent and events & selectors.EVENT_WRITE:
                        sock.send(self.request)
                        self.selector.modify(sock, selectors.EVENT_READ, [opened_at, True])
                        continue
                    if sock.recv(65536):
                        continue  # the server's 408 (or 503); the close follows
                except OSError:
                    self.refused += 1
                self.lifetimes.append(time.monotonic() - opened_at)
                self.selector.unregister(sock)
                sock.close()
                if not self.stop.is_set():
                    self._open()
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]

    def open_now(self) -> int:
        return len(self.selector.get_map())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=3000, help="slow connections kept open")
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring time, before and during the flood")
    parser.add_argument("--mode", choices=sorted(SLOW_REQUESTS), default="headers",
                        help="what the slow connections leave unfinished: their headers or their body")
    parser.add_argument("--header-timeout", type=float, default=10.0, help="HEALTHQA_HEADER_TIMEOUT")
    parser.add_argument("--body-timeout", type=float, default=15.0, help="HEALTHQA_BODY_TIMEOUT")
    parser.add_argument("--max-connections", type=int, default=4096, help="HEALTHQA_MAX_CONNECTIONS")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.flood + 1024)), hard))
    with tempfile.TemporaryDirectory() as folder:
        kb = write_kb(Path(folder))
        port = free_port()
        env = {**os.environ, "HEALTHQA_DB": str(kb), "HEALTHQA_RATE_LIMIT": "0",
               "HEALTHQA_HEADER_TIMEOUT": str(args.header_timeout), "HEALTHQA_BODY_TIMEOUT": str(args.body_timeout),
               "HEALTHQA_MAX_CONNECTIONS": str(args.max_connections)}
        log = Path(folder) / "server.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                [sys.executable, "-m", "healthqa", "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 300
            while True:
                if server.poll() is not None:
                    raise SystemExit(log.read_text(errors="replace"))
                probe = f"http://127.0.0.1:{port}/healthz"
                with contextlib.suppress(OSError), urllib.request.urlopen(probe, timeout=5):
                    break
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.25)
            measure(port, 2)  # warm-up: the first answer loads the model's caches
            before = measure(port, args.seconds)
            flood = Flood(port, args.flood, SLOW_REQUESTS[args.mode])
            flood.thread.start()
            time.sleep(2)  # the flood is in place
            during = measure(port, args.seconds)
            held = flood.open_now()
            flood.stop.set()
            flood.thread.join(timeout=30)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    lifetimes = flood.lifetimes
    result = {
        "mode": args.mode, "flood": args.flood, "header_timeout_s": args.header_timeout,
        "body_timeout_s": args.body_timeout, "max_connections": args.max_connections,
        "before": before, "during": during,
        "p50_ratio": {k: round(during[k]["p50_ms"] / before[k]["p50_ms"], 2) for k in before},
        "p95_ratio": {k: round(during[k]["p95_ms"] / before[k]["p95_ms"], 2) for k in before},
        "slow_connections": {
            "opened": flood.opened, "closed_by_server": len(lifetimes), "open_at_end": held,
            "lifetime_p50_s": round(statistics.median(lifetimes), 2) if lifetimes else None,
            "lifetime_max_s": round(max(lifetimes), 2) if lifetimes else None,
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
