"""The HTTP protocol the server runs: uvicorn's, with Nagle's algorithm switched off on every connection.

With ``--workers`` above 1, uvicorn hands each worker the listening socket by file descriptor, and asyncio
only sets TCP_NODELAY on sockets it recognises as TCP by their protocol number, which such a socket does
not carry. Small responses then wait for the client's delayed acknowledgement: about 40 ms on every
request, even ``/healthz`` (measured: 44 ms per request with two workers, 2 ms with one).

The C parser (httptools) is used when it is installed, as it is with healthqa's dependencies; uvicorn's
pure-Python h11 protocol otherwise.

Both classes also harden uvicorn's protocol against hostile clients, because what it refuses never reaches
the app (and so never passes through ``healthqa.app.guard``):

- a request the parser rejects (bad bytes, a bad or repeated Content-Length, an unknown method, a NUL in a
  header, ...) gets the one JSON error shape with the security headers, not uvicorn's plain-text 400;
- a URL longer than ``MAX_URL_BYTES`` is refused with 414 and request headers larger than
  ``MAX_HEADER_BYTES`` with 431 (the C parser has no limits of its own: it would buffer any amount);
- a request without an HTTP version (``GET /\r\n\r\n``, HTTP/0.9), which the C parser accepts, is refused
  with 400 (h11 refuses it itself);
- every request's headers must arrive within ``HEALTHQA_HEADER_TIMEOUT`` seconds of the connection opening
  or, on a keep-alive connection, of the next request's first bytes (uvicorn has no such timeout: a client
  sending half a request held its connection for as long as it liked); a request left half-sent gets 408, a
  silent new connection is closed; an idle keep-alive connection is closed after ``KEEP_ALIVE_SECONDS``;
- once its headers are in, a request's whole body must arrive within ``HEALTHQA_BODY_TIMEOUT`` seconds
  (uvicorn waits for a promised body forever: a ``Content-Length: 10000`` and one byte held the connection
  and a request in the app); then 408, or a plain close when the app has begun answering. The clock waits
  while the server has not yet asked an ``Expect: 100-continue`` client for its body;
- at most ``HEALTHQA_MAX_CONNECTIONS`` connections per worker: a connection past the cap takes the place of
  the oldest one still sending its request's headers or body (a slow-client flood then costs the others a
  few milliseconds, ``benchmarks/slow_clients.py``), or is refused with 503 when every connection is busy
  with a request whose body has arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http
import json
import logging
import resource
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from healthqa.app.errors import error_body
from healthqa.app.guard import SECURITY_HEADERS
from healthqa.config import Settings
from healthqa.errors import ConfigError

try:
    import httptools  # noqa: F401 - only whether it is there
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    HTTPTOOLS = True
except ImportError:  # pragma: no cover - httptools is a dependency; h11 still works without it
    HttpToolsProtocol = H11Protocol  # type: ignore[misc,assignment]
    HTTPTOOLS = False


MAX_URL_BYTES = 8 * 1024  # the request target; RFC 9112 asks servers to take at least 8,000 octets
MAX_HEADER_BYTES = 32 * 1024  # the request line and every header together
# An idle keep-alive connection is closed after this (uvicorn's option and the guard's idle clock). It must
# outlast the idle time of clients and proxies that reuse connections (nginx's upstream keepalive_timeout 60 s,
# cloud load balancers 60 s, requests/urllib3 forever): a request sent just as the server closes is lost (a
# reset) and clients do not retry a POST. Idle connections cannot exhaust a worker: past
# HEALTHQA_MAX_CONNECTIONS the one idle longest is closed first (ConnectionGuard._make_room).
KEEP_ALIVE_SECONDS = 75

log = logging.getLogger("healthqa.app")


FILES_KEPT = 128  # file descriptors left for the knowledge base, logs and the listener under the cap


class Limits(NamedTuple):
    header_timeout: float
    body_timeout: float
    cap: int


@functools.cache
def _limits() -> Limits:
    """The timeouts and connection cap of this process; ``healthqa serve`` has checked the settings.

    The cap stays below the open-file limit: past it, accepting fails and new clients wait in the kernel's
    queue, while the cap makes room by dropping the oldest slow connection instead."""
    try:
        settings = Settings.from_env()
    except ConfigError:  # pragma: no cover - serve refuses to start on a bad setting before any connection
        settings = Settings()
    files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    cap = settings.max_connections
    if files != resource.RLIM_INFINITY:
        cap = max(2, min(cap, files - FILES_KEPT))
    return Limits(settings.header_timeout, settings.body_timeout, cap)


def raise_file_limit() -> None:
    """Raise this process's open-file limit to its hard maximum (workers inherit it): one per connection."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20 if hard == resource.RLIM_INFINITY else hard, hard))


def error_bytes(status: int, code: str, message: str, extra_headers: Iterable[tuple[bytes, bytes]] = ()) -> bytes:
    """A complete HTTP/1.1 response in the app's error shape, closing the connection."""
    body = json.dumps(error_body(status, code, message)).encode()
    head = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}".encode()]
    head += [name + b": " + value for name, value in extra_headers]
    head += [
        b"content-type: application/json", b"content-length: " + str(len(body)).encode(),
        b"connection: close", b"cache-control: no-store",
    ]
    head += [f"{name}: {value}".encode() for name, value in SECURITY_HEADERS.items()]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


BAD_REQUEST = (400, "bad_request", "The request is not valid HTTP/1.1.")
URI_TOO_LONG = (414, "uri_too_long", f"The URL is longer than the limit of {MAX_URL_BYTES:,} bytes.")
HEADERS_TOO_LARGE = (
    431, "headers_too_large", f"The request headers are larger than the limit of {MAX_HEADER_BYTES:,} bytes."
)
REQUEST_TIMEOUT = (408, "request_timeout", "The request headers did not arrive in time.")
BODY_TIMEOUT = (408, "request_timeout", "The request body did not arrive in time.")
BUSY = (503, "unavailable", "The server has too many open connections; please try again.")


class Guarded(Protocol):
    """What the guard needs to know of its protocol (both uvicorn protocols below)."""

    cycle: Any  # uvicorn's RequestResponseCycle of the current request (h11's or httptools'), or None

    def _awaiting_headers(self) -> bool:
        """Whether the connection is between requests (waiting for, or receiving, the next one's headers)."""

    def _receiving_body(self) -> bool:
        """Whether a request's headers are in and its body is still arriving."""


class ConnectionGuard:
    """One connection's header and body deadlines and its place under the connection cap."""

    def __init__(self, loop: asyncio.AbstractEventLoop, owner: Guarded,
                 default_headers: list[tuple[bytes, bytes]]) -> None:
        self.loop = loop
        self.owner = owner
        self.awaiting_headers: Callable[[], bool] = owner._awaiting_headers
        self.receiving_body: Callable[[], bool] = owner._receiving_body
        self.default_headers = default_headers  # uvicorn's date and server headers
        self.timeout, self.body_timeout, self.cap = _limits()
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.body_timer: asyncio.TimerHandle | None = None
        self.since = 0.0  # when the current wait for a request began
        self.received = 0  # bytes received since then, while its headers were incomplete
        self.idle = False  # a keep-alive connection waiting, silent, for its next request

    def opened(self, transport: asyncio.Transport, connections: set[Any]) -> None:
        self.transport = transport
        self.arm()
        if len(connections) > self.cap:
            self._make_room(connections)

    def arm(self, idle_wait: float | None = None) -> None:
        """Start the clock for the next request's headers (a body still arriving keeps its own clock). With
        ``idle_wait`` (after a response), the connection may first stay silent that long; the headers' own
        clock starts with the next request's first bytes (:meth:`bytes_arrived`)."""
        if self.timer is not None:
            self.timer.cancel()
        self.since, self.received = time.monotonic(), 0
        self.idle = idle_wait is not None
        self.timer = self.loop.call_later(self.timeout if idle_wait is None else idle_wait, self._expire)

    def bytes_arrived(self) -> None:
        """Bytes while awaiting a request's headers: after an idle keep-alive wait, they get the full time."""
        if self.idle:
            self.arm()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self._cancel_body()

    def _cancel_body(self) -> None:
        if self.body_timer is not None:
            self.body_timer.cancel()
            self.body_timer = None

    def check_body(self) -> None:
        """After each read: start the body's clock when a request's headers are in and its body is not."""
        if self.transport is None or self.transport.is_closing() or not self.receiving_body():
            self._cancel_body()
        elif self.body_timer is None:
            self.body_timer = self.loop.call_later(self.body_timeout, self._expire_body)

    def _expire_body(self) -> None:
        self.body_timer = None
        transport = self.transport
        if transport is None or transport.is_closing() or not self.receiving_body():
            return
        cycle = self.owner.cycle
        if cycle is not None and cycle.waiting_for_100_continue and not cycle.response_started:
            # The client waits for the server's go-ahead, which comes when the app asks for the body.
            self.body_timer = self.loop.call_later(self.body_timeout, self._expire_body)
            return
        self.drop()

    def refuse(self, status: int, code: str, message: str) -> None:
        """Answer with the JSON error shape and close; nothing more is read from this connection."""
        self.cancel()
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.write(error_bytes(status, code, message, self.default_headers))
            transport.close()

    def _expire(self) -> None:
        self.timer = None
        transport = self.transport
        if transport is None or transport.is_closing() or not self.awaiting_headers():
            return  # a request is in the app; its response re-arms the clock
        self.drop()

    def drop(self) -> None:
        """Close a connection that has not sent a request's headers or body: 408 when it began one."""
        if self.receiving_body():
            self._end_request()
        elif self.received:
            self.refuse(*REQUEST_TIMEOUT)
        elif self.transport is not None:
            self.cancel()
            self.transport.close()  # nothing was asked: no answer is owed

    def _end_request(self) -> None:
        """Give up on a request whose body did not arrive: 408, or a close when the app began answering.

        The app, waiting for the body, is told the client is gone (as uvicorn does when a connection is
        lost): what it answers later is not written after the 408."""
        cycle = self.owner.cycle
        started = cycle is None or cycle.response_started
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        if not started:
            self.refuse(*BODY_TIMEOUT)
        elif self.transport is not None:
            self.cancel()
            self.transport.close()

    def _make_room(self, connections: set[Any]) -> None:
        waiting = [
            guard for guard in (getattr(c, "guard", None) for c in connections)
            if isinstance(guard, ConnectionGuard) and guard is not self and guard.transport is not None
            and not guard.transport.is_closing() and (guard.awaiting_headers() or guard.receiving_body())
        ]
        if waiting:
            oldest = min(waiting, key=lambda guard: guard.since)
            log.warning("connection cap (%d) reached: closing the oldest connection still sending a request",
                        self.cap)
            oldest.drop()
        else:
            log.warning("connection cap (%d) reached: every connection is busy; refusing a new one", self.cap)
            self.refuse(*BUSY)


def _header_size_refusal(head: bytes) -> tuple[int, str, str] | None:
    """414 or 431 for a request head received so far (request line, headers, perhaps more), or None."""
    line = head.split(b"\n", 1)[0]
    # The request line holds the method and the version around the URL: "GET " and " HTTP/1.1\r".
    if len(line) > MAX_URL_BYTES + 32:
        return URI_TOO_LONG
    end = head.find(b"\r\n\r\n")
    if (len(head) if end < 0 else end) > MAX_HEADER_BYTES:
        return HEADERS_TOO_LARGE
    return None


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        # A socket that refuses the option still serves, only slower.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _GuardedLifecycle:
    """What both protocols do around uvicorn's: Nagle off, the connection's guard opened with it, cancelled when
    it is lost, and armed again for the next request once a response is complete."""

    guard: ConnectionGuard
    transport: Any
    connections: Any

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        set_nodelay(transport)
        super().connection_made(transport)  # type: ignore[misc]
        self.guard.opened(self.transport, self.connections)

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.cancel()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self.guard.arm(KEEP_ALIVE_SECONDS)
        super().on_response_complete()  # type: ignore[misc]


class NoDelayH11Protocol(_GuardedLifecycle, H11Protocol):
    """uvicorn's pure-Python protocol, hardened as described above (used only without httptools)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = ConnectionGuard(self.loop, self, self.server_state.default_headers)

    def _awaiting_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE

    def _receiving_body(self) -> bool:
        return self.conn.their_state is h11.SEND_BODY

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers():
            self.guard.bytes_arrived()
            self.guard.received += len(data)
            # h11 buffers the head until it is complete; what it holds is the head received so far.
            head = self.conn.trailing_data[0] + data
            refusal = _header_size_refusal(head)
            if refusal is not None:
                self.guard.refuse(*refusal)
                return
        super().data_received(data)
        self.guard.check_body()

    def send_400_response(self, msg: str) -> None:
        # uvicorn's plain-text answer to anything h11 cannot parse.
        self.logger.info("refused a request that is not valid HTTP/1.1")
        self.guard.refuse(*BAD_REQUEST)


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; ``send_400_response`` answers with ``status``."""


class NoDelayHttpToolsProtocol(_GuardedLifecycle, HttpToolsProtocol):
    """uvicorn's protocol over the C parser, hardened as described above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = ConnectionGuard(self.loop, self, self.server_state.default_headers)
        self._refusal: tuple[int, str, str] | None = None
        self._head_bytes = 0

    def _awaiting_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _receiving_body(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete and self.cycle.more_body

    def data_received(self, data: bytes) -> None:
        waiting = self._awaiting_headers()
        if waiting:
            self.guard.bytes_arrived()
        super().data_received(data)
        if waiting and self._awaiting_headers() and not self.transport.is_closing():
            # Still no complete head: count it (a head completed in this chunk may share it with its body).
            self.guard.received += len(data)
            if self.guard.received > MAX_HEADER_BYTES:
                self.guard.refuse(*HEADERS_TOO_LARGE)
        self.guard.check_body()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0

    def on_url(self, url: bytes) -> None:
        # The parser hands the URL over in pieces as it arrives; refuse as soon as it is too long.
        if len(self.url) + len(url) > MAX_URL_BYTES:
            self._refusal = URI_TOO_LONG
            raise _Refused
        self._head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        # A head that arrived whole in one read is counted here; one still arriving in data_received.
        self._head_bytes += len(name) + len(value) + 4
        if self._head_bytes > MAX_HEADER_BYTES:
            self._refusal = HEADERS_TOO_LARGE
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        # llhttp takes a request line without a version ("GET /") as HTTP/0.9, which has no headers, no
        # status line and no error shape to answer in: refuse it, as h11 does.
        if self.parser.get_http_version() not in ("1.0", "1.1"):
            self._refusal = BAD_REQUEST
            raise _Refused
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        # uvicorn's plain-text answer to anything the parser rejects, or that a callback refused.
        refusal, self._refusal = self._refusal or BAD_REQUEST, None
        if refusal is BAD_REQUEST:
            self.logger.info("refused a request that is not valid HTTP/1.1")
        self.guard.refuse(*refusal)


def server_protocol() -> type[asyncio.Protocol]:
    """The protocol class for ``uvicorn.run(http=...)``: module level, so that workers can unpickle it."""
    return NoDelayHttpToolsProtocol if HTTPTOOLS else NoDelayH11Protocol


def server_options() -> dict[str, Any]:
    """uvicorn options for ``healthqa serve``, one worker or several (the open-file limit raised first)."""
    raise_file_limit()
    return {
        "http": server_protocol(),
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        # For h11 only (httptools has no such limit; the protocol above counts instead).
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES + 1024,
    }
