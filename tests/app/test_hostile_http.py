"""Hostile bytes against a real ``healthqa serve``: malformed requests, slow clients, too many connections.

These cannot go through the ASGI test client: they are refused by the HTTP protocol before the app sees
them. Every refusal must still be the one JSON error shape with the security headers, and a client that
never finishes its request headers or body must be cut off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from healthqa.app.guard import SECURITY_HEADERS
from healthqa.app.server import protocol as protocol_module
from healthqa.app.server.protocol import (
    MAX_URL_BYTES,
    Limits,
    NoDelayH11Protocol,
    NoDelayHttpToolsProtocol,
    server_options,
)
from kb_builders import DOCUMENTS, build_kb
from servers import RunningServer, serve

HEADER_TIMEOUT = 1.5
BODY_TIMEOUT = 2.0
MAX_CONNECTIONS = 40


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("hostile")
    kb = build_kb(folder / "kb.db", DOCUMENTS, prepared=True)
    env = {"HEALTHQA_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "HEALTHQA_BODY_TIMEOUT": str(BODY_TIMEOUT),
           "HEALTHQA_MAX_CONNECTIONS": str(MAX_CONNECTIONS)}
    with serve(kb, folder / "server.log", env=env) as running:
        yield running


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def error(self) -> dict[str, object]:
        assert self.headers.get("content-type", "").startswith("application/json"), self
        found = json.loads(self.body)
        assert isinstance(found, dict) and set(found) == {"error"}, found
        error = found["error"]
        assert isinstance(error, dict) and error["status"] == self.status, found
        assert isinstance(error["code"], str) and isinstance(error["message"], str), found
        return error


def _read_reply(sock: socket.socket) -> Reply:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed without a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Reply(status, headers, body[:length])


def send_raw(server: RunningServer, data: bytes) -> Reply:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        # The server may answer and close before the whole request is sent: that answer is read below.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        return _read_reply(sock)


def _assert_secured(reply: Reply) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert reply.headers.get(name) == value, (name, reply.headers)
    assert reply.headers.get("cache-control") == "no-store"


HOSTILE = {
    "non_ascii_request_line": b"GET /api/ask?q=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    "non_ascii_path": "GET /api/top\u00efcs/1 HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
    "bad_content_length": b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
    "negative_content_length": b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
    "repeated_content_length": (
        b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
    ),
    "length_and_chunked": (
        b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "unknown_method": b"BREW /api/ask HTTP/1.1\r\nHost: x\r\n\r\n",
    "nul_in_header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "nul_in_path": b"GET /api/\x00ask HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad_header_name": b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
    "not_http": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
    "bad_version": b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
    "no_version": b"GET /healthz\r\n\r\n",  # HTTP/0.9's form, which the C parser takes
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_malformed_requests_get_the_json_error_shape(server: RunningServer, name: str) -> None:
    reply = send_raw(server, HOSTILE[name])
    assert 400 <= reply.status < 500, reply
    error = reply.error()
    _assert_secured(reply)
    assert "Invalid HTTP request received" not in str(error["message"])
    assert reply.headers.get("connection") == "close"


def test_a_request_without_a_version_is_400(server: RunningServer) -> None:
    # (A request line alone, "GET /healthz\r\n", waits for the end of its head like any other: 408.)
    for request in (b"GET /healthz\r\n\r\n", b"GET /\r\nHost: x\r\n\r\n"):
        reply = send_raw(server, request)
        assert reply.status == 400, (request, reply)
        assert reply.error()["code"] == "bad_request"
        _assert_secured(reply)
    # HTTP/1.0 is still served.
    assert send_raw(server, b"GET /healthz HTTP/1.0\r\n\r\n").status == 200


def test_a_long_url_is_414(server: RunningServer) -> None:
    reply = send_raw(server, b"GET /api/ask?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.status == 414
    assert reply.error()["code"] == "uri_too_long"
    _assert_secured(reply)


def test_a_url_at_the_limit_is_served(server: RunningServer) -> None:
    path = b"/api/search?q=gout&x=" + b"a" * (MAX_URL_BYTES - 30)
    reply = send_raw(server, b"GET " + path[:MAX_URL_BYTES] + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.status == 200, reply


def test_huge_headers_are_431(server: RunningServer) -> None:
    headers = b"".join(b"X-Filler-%d: %s\r\n" % (n, b"b" * 4000) for n in range(40))
    reply = send_raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert reply.status == 431
    reply.error()
    _assert_secured(reply)


def test_a_half_sent_request_is_cut_off(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=HEADER_TIMEOUT * 6) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        started = time.monotonic()
        reply = _read_reply(sock)
        waited = time.monotonic() - started
        assert reply.status == 408 and reply.error()["code"] == "request_timeout"
        _assert_secured(reply)
        assert sock.recv(1) == b"", "the connection stays open"
    assert HEADER_TIMEOUT * 0.8 <= waited <= HEADER_TIMEOUT + 2


def test_a_silent_connection_is_closed(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=HEADER_TIMEOUT * 6) as sock:
        started = time.monotonic()
        assert sock.recv(1024) == b""
    assert time.monotonic() - started <= HEADER_TIMEOUT + 2


def test_a_slow_drip_of_headers_is_cut_off(server: RunningServer) -> None:
    """Sending a byte now and then does not reset the clock: the whole header has one deadline."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=HEADER_TIMEOUT * 6) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        started = time.monotonic()
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            while time.monotonic() - started < HEADER_TIMEOUT * 4:
                sock.sendall(b"X-A: b\r\n")
                time.sleep(0.1)
        assert time.monotonic() - started <= HEADER_TIMEOUT + 2


def test_keep_alive_requests_each_get_the_full_time(server: RunningServer) -> None:
    """The deadline restarts after each response: a slow but working keep-alive client is not cut off."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for _ in range(3):
            time.sleep(HEADER_TIMEOUT * 0.6)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _read_reply(sock).status == 200


SLOW_BODY = (b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Content-Length: 10000\r\n\r\n{")  # complete headers, then one byte of a promised 10,000


def test_a_slow_body_is_408_after_the_timeout(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=BODY_TIMEOUT * 6) as sock:
        sock.sendall(SLOW_BODY)
        started = time.monotonic()
        reply = _read_reply(sock)
        waited = time.monotonic() - started
        assert reply.status == 408 and reply.error()["code"] == "request_timeout", reply
        assert "body" in str(reply.error()["message"])
        _assert_secured(reply)
        assert reply.headers.get("connection") == "close"
        assert sock.recv(1) == b"", "the connection stays open"
    assert BODY_TIMEOUT * 0.8 <= waited <= BODY_TIMEOUT + 2


def test_a_slow_drip_of_body_is_cut_off(server: RunningServer) -> None:
    """A byte now and then does not reset the clock: the whole body has one deadline."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=BODY_TIMEOUT * 6) as sock:
        sock.sendall(SLOW_BODY)
        started = time.monotonic()
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            while time.monotonic() - started < BODY_TIMEOUT * 4:
                sock.sendall(b" ")
                time.sleep(0.1)
        assert time.monotonic() - started <= BODY_TIMEOUT + 2


def test_a_body_arriving_in_time_is_served(server: RunningServer) -> None:
    body = json.dumps({"q": "gout"}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for _ in range(2):  # keep-alive: each request's body gets the full time
            sock.sendall(b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body[:3])
            time.sleep(BODY_TIMEOUT * 0.6)
            sock.sendall(body[3:])
            assert _read_reply(sock).status == 200


@pytest.mark.parametrize("request_start", [b"GET /healthz HTTP/1.1\r\nHost: x\r\n", SLOW_BODY],
                         ids=["slow_headers", "slow_body"])
def test_too_many_connections_drop_the_oldest_unfinished_ones(server: RunningServer, request_start: bytes) -> None:
    """Past the connection cap, a new client takes the place of the oldest one still sending its request's
    headers or body: a flood of either never locks out an ordinary client."""
    slow: list[socket.socket] = []
    try:
        for _ in range(MAX_CONNECTIONS * 2):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.sendall(request_start)
            slow.append(sock)
        time.sleep(0.3)  # let the server accept the flood before the ordinary client comes
        # Served at all (within urlopen's timeout) is the point: how fast is benchmarks/slow_clients.py's question.
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=10) as response:
            assert response.status == 200
            assert response.headers["x-frame-options"] == "DENY"
        open_ones = 0
        for sock in slow:
            sock.setblocking(False)
            try:
                if sock.recv(65536) == b"":
                    continue
            except BlockingIOError:
                open_ones += 1
                continue
            except ConnectionResetError:
                continue
        assert open_ones < MAX_CONNECTIONS
    finally:
        for sock in slow:
            sock.close()


# The same refusals from both protocol classes in this process (h11 is used when httptools is missing).


async def _read_body(receive: Any) -> bytes | None:
    """The whole request body, or None when the client is gone."""
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body


async def _ok_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the body (if any), then answers 200 "ok"."""
    if scope["type"] != "http" or await _read_body(receive) is None:
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@contextlib.asynccontextmanager
async def _in_process(protocol: type[asyncio.Protocol], app: Any = _ok_app) -> AsyncIterator[int]:
    """A server on ``protocol`` running ``app`` in this event loop; yields its port."""
    config = Config(app=app, http=protocol, log_config=None, **{
        k: v for k, v in server_options().items() if k != "http"})
    config.load()
    state = ServerState()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: protocol(config=config, server_state=state, app_state={}),  # type: ignore[call-arg]
        "127.0.0.1", 0,
    )
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def _exchange(protocol: type[asyncio.Protocol], data: bytes, wait: float = 5.0) -> Reply:
    async with _in_process(protocol) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(data)
        raw = await asyncio.wait_for(reader.read(), wait)  # until the server closes
        writer.close()
    return _parse(raw)


def _parse(raw: bytes) -> Reply:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {n.strip().lower(): v.strip() for n, _, v in (line.partition(":") for line in lines[1:])}
    return Reply(int(lines[0].split()[1]), headers, body)


PROTOCOLS = [NoDelayH11Protocol, NoDelayHttpToolsProtocol]
IN_PROCESS = {
    "long_url": (b"GET /?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "huge_headers": (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 10_000 + b"\r\n", 431),
    "bad_content_length": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
    "repeated_content_length": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
    "nul_in_header": (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
    "half_sent": (b"GET / HTTP/1.1\r\nHost: x\r\n", 408),
    "no_version": (b"GET /\r\n\r\n", 400),
    "slow_body": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab", 408),
    "slow_chunked_body": (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n", 408),
}


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("name", sorted(IN_PROCESS))
def test_both_protocols_refuse_in_the_error_shape(
    protocol: type[asyncio.Protocol], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(protocol_module, "_limits", lambda: Limits(0.5, 0.5, 100))
    data, status = IN_PROCESS[name]
    reply = asyncio.run(_exchange(protocol, data))
    assert reply.status == status, reply
    reply.error()
    _assert_secured(reply)


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_both_protocols_serve_a_normal_request(protocol: type[asyncio.Protocol]) -> None:
    reply = asyncio.run(_exchange(protocol, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
    assert (reply.status, reply.body) == (200, b"ok")


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_the_body_clock_waits_for_100_continue(
    protocol: type[asyncio.Protocol], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client sending ``Expect: 100-continue`` sends its body only when the app asks for it: the time the
    app takes before asking does not count against the client."""
    monkeypatch.setattr(protocol_module, "_limits", lambda: Limits(0.5, 0.5, 100))

    async def slow_to_ask(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await asyncio.sleep(1.2)
            await _ok_app(scope, receive, send)

    async def run() -> Reply:
        async with _in_process(protocol, slow_to_ask) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n"
                         b"Connection: close\r\n\r\n")
            interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert interim.startswith(b"HTTP/1.1 100"), interim
            writer.write(b"ab")
            raw = await asyncio.wait_for(reader.read(), 5)
            writer.close()
        return _parse(raw)

    reply = asyncio.run(run())
    assert (reply.status, reply.body) == (200, b"ok")


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_a_slow_body_after_the_answer_began_is_closed(
    protocol: type[asyncio.Protocol], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the app has begun answering before the body is in, the late body ends with a close, not a 408
    written into the middle of the answer."""
    monkeypatch.setattr(protocol_module, "_limits", lambda: Limits(0.5, 0.5, 100))

    async def answers_first(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4")]})
            await send({"type": "http.response.body", "body": b"ok", "more_body": True})
            if await _read_body(receive) is not None:
                await send({"type": "http.response.body", "body": b"!!"})

    async def run() -> tuple[bytes, float]:
        async with _in_process(protocol, answers_first) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
            started = time.monotonic()
            raw = await asyncio.wait_for(reader.read(), 5)  # until the server closes
            writer.close()
        return raw, time.monotonic() - started

    raw, waited = asyncio.run(run())
    assert raw.startswith(b"HTTP/1.1 200") and raw.endswith(b"ok") and b"408" not in raw, raw
    assert 0.4 <= waited <= 3
