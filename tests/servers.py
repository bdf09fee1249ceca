"""Helpers for tests that start ``healthqa serve`` as a real process."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

# Settings a developer's shell may hold that would change what a test server does.
_CLEARED = ("FORWARDED_ALLOW_IPS", "HEALTHQA_REDIS_URL", "HEALTHQA_TRUSTED_PROXIES", "HEALTHQA_LOG_QUESTIONS",
            "HEALTHQA_ADMIN_TOKEN", "HEALTHQA_INGEST_ROOT")


@dataclass
class RunningServer:
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def read_log(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(
    kb: Path, log: Path, *, workers: int = 1, env: Mapping[str, str] | None = None, timeout: float = 180
) -> Iterator[RunningServer]:
    """``healthqa serve`` over ``kb`` (rate limit off unless ``env`` sets it), its output in ``log``, healthy
    (every worker started) before it is yielded; stopped afterwards."""
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if name not in _CLEARED}
    environment.update({"HEALTHQA_DB": str(kb), "HEALTHQA_RATE_LIMIT": "0", **(env or {})})
    command = [sys.executable, "-m", "healthqa", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT)
    running = RunningServer(port, log, process)
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(running, workers):
            assert process.poll() is None, f"healthqa serve exited with {process.returncode}:\n{running.read_log()}"
            assert time.monotonic() < deadline, f"healthqa serve did not become healthy:\n{running.read_log()}"
            time.sleep(0.25)
        yield running
    finally:
        stop(process)


def _healthy(server: RunningServer, workers: int) -> bool:
    # /healthz answers as soon as one worker serves; each worker logs its start.
    if server.read_log().count("Application startup complete") < workers:
        return False
    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as response:
            return response.status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL when the server has not stopped within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
