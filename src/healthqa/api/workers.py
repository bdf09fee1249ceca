"""Several server processes on one port, each with its own listening socket (``SO_REUSEPORT``, Linux).

uvicorn's own ``--workers`` hands every worker the same listening socket. Each worker's event loop then
accepts every connection waiting when it wakes, so a burst of new connections (a browser's, a proxy's pool,
a load generator's) tends to land on one worker while the other idles: measured with wrk, 32 keep-alive
clients got 57 answers a second from two workers, what one worker gives alone. Here each worker listens on
a socket of its own, bound to the same address with ``SO_REUSEPORT``, and Linux (3.9 and later) spreads new
connections over the sockets by a hash of their addresses. Elsewhere (:func:`available` is false) the
server keeps uvicorn's workers: other kernels accept the option without spreading the connections.

The parent binds every socket before any worker starts (an address in use fails at once, with its reason)
and keeps them open. A worker that dies after it began serving is started again on the socket it had: the
connections the kernel hands that socket meanwhile wait in its queue for the seconds the new worker takes to
load. A worker that dies before serving (the app cannot start) stops them all, as it would fail the same way
again. SIGINT and SIGTERM stop the workers, letting them finish the requests in flight.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

log = logging.getLogger("healthqa.api")
_BACKLOG = 2048


def available() -> bool:
    """Whether this system spreads connections over sockets sharing a port (Linux's SO_REUSEPORT)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets listening on ``host:port`` together; OSError (address in use, ...) if one cannot."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if port:
        # Sockets with SO_REUSEPORT would join a group that another server (healthqa too) already listens
        # with; a plain bind fails there, as it should.
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            # Later sockets of the group must bind the port the first one got (port 0: any free port).
            port = sock.getsockname()[1]
            sock.listen(_BACKLOG)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _serve_one(sock: socket.socket, options: dict[str, Any], ready: Any) -> None:  # pragma: no cover - a worker
    server = uvicorn.Server(uvicorn.Config(**options))

    def tell_when_serving() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.1)
        if server.started:
            ready.set()

    threading.Thread(target=tell_when_serving, daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C reaches every process of the terminal's group
        server.run(sockets=[sock])


class Workers:
    """One server process per socket, kept running until SIGINT or SIGTERM."""

    def __init__(self, sockets: list[socket.socket], options: dict[str, Any]) -> None:
        self.sockets = sockets
        self.options = options
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[tuple[BaseProcess, Any]] = []
        self._stopping = threading.Event()
        self.failed = False

    def _start(self, sock: socket.socket) -> tuple[BaseProcess, Any]:
        ready = self._context.Event()
        process = self._context.Process(target=_serve_one, args=(sock, self.options, ready), daemon=False)
        process.start()
        return process, ready

    def run(self) -> None:
        """Start the workers and watch them until a signal; then stop them."""
        previous = {sig: signal.signal(sig, lambda *_: self._stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._processes = [self._start(sock) for sock in self.sockets]
            while not self._stopping.wait(0.5):
                self._replace_dead()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for sock in self.sockets:
                sock.close()

    def _replace_dead(self) -> None:
        for index, (process, ready) in enumerate(self._processes):
            if process.is_alive() or self._stopping.is_set():
                continue
            if not ready.is_set():
                # It died before serving: the app cannot start (a broken knowledge base, a missing package)
                # and would fail the same way again.
                log.error("a server worker stopped before serving (exit code %s); stopping", process.exitcode)
                self.failed = True
                self._stopping.set()
                return
            # While it starts again (seconds: the model, the indexes) the connections that the kernel gives its
            # socket wait in that socket's queue.
            log.warning("server worker %s stopped (exit code %s); starting another", process.pid, process.exitcode)
            self._processes[index] = self._start(self.sockets[index])

    def _stop_all(self) -> None:
        for process, _ in self._processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + 30
        for process, _ in self._processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(timeout=10)
