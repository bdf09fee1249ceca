"""Idle keep-alive connections against a real ``healthqa serve``: they stay open well past the header timeout.

A connection the server closes just as a client reuses it loses that request (a reset), and clients do not
retry a POST: the server's idle limit must outlast the clients' and proxies' (review of the community load
benchmark: 96 of 480 POSTs failed from clients idling about 5 s). The header timeout still applies to a
request once its first bytes arrive, and to a new connection that sends nothing.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from healthqa.app.server.protocol import KEEP_ALIVE_SECONDS
from kb_builders import DOCUMENTS, build_kb
from servers import RunningServer, serve

HEADER_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("keepalive")
    kb = build_kb(folder / "kb.db", DOCUMENTS, prepared=True)
    with serve(kb, folder / "server.log", env={"HEALTHQA_HEADER_TIMEOUT": str(HEADER_TIMEOUT)}) as running:
        yield running


def _status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionResetError(f"closed without a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split(b" ", 2)[1])


def test_the_idle_limit_outlasts_common_clients_and_proxies() -> None:
    assert KEEP_ALIVE_SECONDS >= 65  # nginx's upstream and cloud load balancers keep idle connections 60 s


def test_an_idle_keep_alive_connection_outlives_the_header_timeout(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _status(sock) == 200
        time.sleep(HEADER_TIMEOUT * 3)  # idle, as a pooled client connection between requests
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _status(sock) == 200


def test_a_request_begun_after_an_idle_wait_still_has_the_header_timeout(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _status(sock) == 200
        time.sleep(HEADER_TIMEOUT * 2)
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # half a request, then nothing
        started = time.monotonic()
        assert _status(sock) == 408
        assert time.monotonic() - started < HEADER_TIMEOUT + 2


def test_a_new_silent_connection_is_still_closed_after_the_header_timeout(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < HEADER_TIMEOUT + 2
