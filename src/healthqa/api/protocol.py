"""The HTTP protocol the server runs: uvicorn's, with Nagle's algorithm switched off on every connection.

With ``--workers`` above 1, uvicorn hands each worker the listening socket by file descriptor, and asyncio
only sets TCP_NODELAY on sockets it recognises as TCP by their protocol number, which such a socket does
not carry. Small responses then wait for the client's delayed acknowledgement: about 40 ms on every
request, even ``/healthz`` (measured: 44 ms per request with two workers, 2 ms with one).

The C parser (httptools) is used when it is installed, as it is with healthqa's dependencies; uvicorn's
pure-Python h11 protocol otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    import httptools  # noqa: F401 - only whether it is there
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    HTTPTOOLS = True
except ImportError:  # pragma: no cover - httptools is a dependency; h11 still works without it
    HttpToolsProtocol = H11Protocol  # type: ignore[misc,assignment]
    HTTPTOOLS = False


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        # A socket that refuses the option still serves, only slower.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        set_nodelay(transport)
        super().connection_made(transport)  # type: ignore[arg-type]


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        set_nodelay(transport)
        super().connection_made(transport)  # type: ignore[arg-type]


def server_protocol() -> type[asyncio.Protocol]:
    """The protocol class for ``uvicorn.run(http=...)``: module level, so that workers can unpickle it."""
    return NoDelayHttpToolsProtocol if HTTPTOOLS else NoDelayH11Protocol
