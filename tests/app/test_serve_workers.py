"""Several server processes on one port: one shared socket, connections spread evenly, supervised by the parent."""

from __future__ import annotations

import http.client
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

from healthqa.app.server.workers import Workers, available, listening_socket
from kb_builders import DOCUMENTS, build_kb
from servers import stop

pytestmark = pytest.mark.skipif(not available(), reason="workers sharing one socket need a POSIX system")


def test_a_taken_port_is_refused() -> None:
    with socket.socket() as plain:
        plain.bind(("127.0.0.1", 0))
        plain.listen()
        with pytest.raises(OSError):
            listening_socket("127.0.0.1", plain.getsockname()[1])
    sock = listening_socket("127.0.0.1", 0)
    try:
        with socket.create_connection(sock.getsockname()[:2], timeout=5):
            pass
        with pytest.raises(OSError):
            listening_socket("127.0.0.1", sock.getsockname()[1])
    finally:
        sock.close()


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


def _open_connections(pid: int, port: int) -> int:
    """How many established TCP connections on local ``port`` the process ``pid`` holds."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # 01: ESTABLISHED
            inodes.add(fields[9])
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        held += target.startswith("socket:[") and target[8:-1] in inodes
    return held


def _ask_gout(port: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ask?q=how+is+gout+treated", timeout=60) as response:
        answer = json.loads(response.read())
    assert not answer["abstained"] and answer["answers"][0]["title"] == "Gout"


def test_a_worker_that_cannot_start_stops_them_all() -> None:
    sock = listening_socket("127.0.0.1", 0)
    pool = Workers(sock, 2, {"app": "no_such_module_here:app", "log_config": None})
    pool.run()  # returns once a worker has died before serving (how soon: benchmarks/suite_timings.py)
    assert pool.failed
    assert sock.fileno() == -1  # closed


def test_keep_alive_connections_are_spread_evenly_and_a_killed_worker_is_replaced(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", DOCUMENTS, prepared=True)
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
        # Keep-alive clients opened one after another: each worker takes one while it is the least busy.
        clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(8)]
        try:
            for client in clients:
                client.request("GET", "/healthz")
                assert client.getresponse().read() == b'{"status":"ok"}'
            held = [_open_connections(pid, port) for pid in workers]
            # 4 / 4 when both workers run freely; a worker that cannot run for 50 ms leaves one to the other.
            assert sum(held) == 8 and all(3 <= count <= 5 for count in held), held
        finally:
            for client in clients:
                client.close()
        for _ in range(8):
            _ask_gout(port)
        os.kill(sorted(workers)[0], signal.SIGKILL)
        wait_for_started(3)  # its replacement serves
        replacements = _workers(process.pid) - workers
        assert len(replacements) == 1
        every_worker = workers | replacements
        for _ in range(8):  # new connections go to the surviving and the new worker: none hangs
            _ask_gout(port)
        # A second server cannot take the port while this one listens.
        refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in refused.stderr
    finally:
        stop(process, timeout=60)
    assert process.returncode == 0
    assert every_worker and not any(Path(f"/proc/{pid}").exists() for pid in every_worker)
