"""Several server processes on one port: sockets of their own (SO_REUSEPORT), supervised by the parent."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from healthqa.api.workers import Workers, available, listening_sockets
from kb_builders import DOCUMENTS, build_kb
from servers import stop

pytestmark = pytest.mark.skipif(not available(), reason="sockets of their own per worker need Linux's SO_REUSEPORT")


def test_sockets_share_one_port_and_a_taken_port_is_refused() -> None:
    group = listening_sockets("127.0.0.1", 0, 3)
    try:
        port = group[0].getsockname()[1]
        assert [s.getsockname()[1] for s in group] == [port] * 3
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        # Neither a second group nor anything else may join a port that is listened on.
        with pytest.raises(OSError):
            listening_sockets("127.0.0.1", port, 2)
    finally:
        for sock in group:
            sock.close()
    with socket.socket() as plain:
        plain.bind(("127.0.0.1", 0))
        plain.listen()
        with pytest.raises(OSError):
            listening_sockets("127.0.0.1", plain.getsockname()[1], 2)


def _workers(pid: int) -> set[int]:
    """The server processes started by ``pid`` (multiprocessing may start a resource tracker too)."""
    try:
        children = {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()
    return {child for child in children if b"spawn_main" in _cmdline(child)}


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _ask_gout(port: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ask?q=how+is+gout+treated", timeout=60) as response:
        answer = json.loads(response.read())
    assert not answer["abstained"] and answer["answers"][0]["title"] == "Gout"


def test_a_worker_that_cannot_start_stops_them_all() -> None:
    sockets = listening_sockets("127.0.0.1", 0, 2)
    pool = Workers(sockets, {"app": "no_such_module_here:app", "log_config": None})
    started = time.monotonic()
    pool.run()  # returns once a worker has died before serving
    assert pool.failed and time.monotonic() - started < 120
    assert all(sock.fileno() == -1 for sock in sockets)  # closed


def test_a_killed_worker_is_replaced_on_its_socket(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", DOCUMENTS)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "HEALTHQA_DB": str(kb), "HEALTHQA_RATE_LIMIT": "0"}
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "healthqa", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    every_worker: set[int] = set()
    try:
        def wait_for_started(count: int) -> None:
            deadline = time.monotonic() + 180
            while log.read_text(errors="replace").count("Application startup complete") < count:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.25)

        wait_for_started(2)
        workers = _workers(process.pid)
        assert len(workers) == 2, workers
        for _ in range(8):  # fresh connections, spread over both sockets
            _ask_gout(port)
        os.kill(sorted(workers)[0], signal.SIGKILL)
        wait_for_started(3)  # its replacement serves
        replacements = _workers(process.pid) - workers
        assert len(replacements) == 1
        every_worker = workers | replacements
        for _ in range(8):  # the killed worker's socket is served again: no connection hangs
            _ask_gout(port)
        # A second server cannot take the port while this one listens.
        refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in refused.stderr
    finally:
        stop(process, timeout=60)
    assert process.returncode == 0
    assert every_worker and not any(Path(f"/proc/{pid}").exists() for pid in every_worker)
