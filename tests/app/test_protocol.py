"""The server's HTTP protocol turns Nagle's algorithm off on sockets that asyncio does not recognise as TCP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from healthqa.app.server.protocol import NoDelayH11Protocol, server_protocol
from kb_builders import DOCUMENTS, build_kb
from servers import serve


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:  # pragma: no cover - never called
    raise AssertionError("no request is sent")


async def _nodelay_seen(protocol: type[H11Protocol]) -> int:
    """TCP_NODELAY of the accepted connection, on a listener passed by file descriptor as uvicorn's workers get it."""
    config = Config(app=_app, http=protocol, log_config=None)
    config.load()
    state = ServerState()
    seen: list[int] = []
    accepted = asyncio.Event()

    class Probe(protocol):  # type: ignore[valid-type,misc]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            accepted.set()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    # socket.fromfd leaves the protocol number 0, as on uvicorn's multi-worker path.
    passed = socket.fromfd(listener.fileno(), socket.AF_INET, socket.SOCK_STREAM)
    listener.close()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Probe(config=config, server_state=state, app_state={}), sock=passed)
    try:
        port = passed.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        with contextlib.suppress(TimeoutError):  # never accepted: the assertion below says so
            await asyncio.wait_for(accepted.wait(), timeout=30)
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
    assert seen, "the connection was never accepted"
    return seen[0]


@pytest.mark.parametrize("protocol", [NoDelayH11Protocol, server_protocol()])
def test_nodelay_is_set_on_a_passed_listener(protocol: type[H11Protocol]) -> None:
    assert asyncio.run(_nodelay_seen(protocol)) != 0


def test_the_server_uses_the_c_parser() -> None:
    assert server_protocol().__name__ == "NoDelayHttpToolsProtocol"


def test_plain_h11_leaves_it_off_there() -> None:
    # Why the subclass exists: without it such connections wait for delayed acknowledgements.
    value = asyncio.run(_nodelay_seen(H11Protocol))
    if value:
        pytest.skip("this Python's asyncio sets TCP_NODELAY on passed sockets too")
    assert value == 0


def test_serve_with_two_workers_answers(tmp_path: Path) -> None:
    """The multi-worker path pickles the server's configuration, protocol class included, into each worker."""
    kb = build_kb(tmp_path / "kb.db", DOCUMENTS, prepared=True)
    with serve(kb, tmp_path / "server.log", workers=2) as server:
        for _ in range(4):  # connections land on either worker
            with urllib.request.urlopen(f"{server.url}/api/ask?q=how+is+gout+treated", timeout=60) as response:
                answer = json.loads(response.read())
            assert not answer["abstained"] and answer["answers"][0]["title"] == "Gout"
