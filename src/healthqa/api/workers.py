"""Several server processes on one port, each with its own listening socket (``SO_REUSEPORT``).

uvicorn's own ``--workers`` hands every worker the same listening socket. Each worker's event loop then
accepts every connection waiting when it wakes, so a burst of new connections (a browser's, a proxy's pool,
a load generator's) tends to land on one worker while the other idles: measured with wrk, 32 keep-alive
clients got 57 answers a second from two workers, what one worker gives alone. Here each worker listens on
a socket of its own, bound to the same address with ``SO_REUSEPORT``, and the kernel spreads new connections
over the sockets by a hash of their addresses.

The parent binds every socket before any worker starts (an address in use fails at once, with its reason),
keeps them open, restarts a worker that dies on the socket it had (connections queued there are not lost),
and stops the workers on SIGINT or SIGTERM. A worker that fails before serving (the app cannot start) stops
them all, as it would fail the same way again.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

log = logging.getLogger("healthqa.api")
_BACKLOG = 2048


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
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _serve_one(sock: socket.socket, options: dict[str, Any]) -> None:  # pragma: no cover - runs in a worker
    uvicorn.Server(uvicorn.Config(**options)).run(sockets=[sock])


class Workers:
    """One server process per socket, kept running until :meth:`stop` or a signal."""

    def __init__(self, sockets: list[socket.socket], options: dict[str, Any]) -> None:
        self.sockets = sockets
        self.options = options
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess] = []
        self._stopping = threading.Event()
        self.failed = False

    def _start(self, sock: socket.socket) -> BaseProcess:
        process = self._context.Process(target=_serve_one, args=(sock, self.options), daemon=False)
        process.start()
        return process

    def run(self) -> None:
        """Start the workers and watch them until a signal or :meth:`stop`; then stop them."""
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

    def stop(self) -> None:
        self._stopping.set()

    def _replace_dead(self) -> None:
        for index, process in enumerate(self._processes):
            if process.is_alive() or self._stopping.is_set():
                continue
            if process.exitcode == STARTUP_FAILURE:
                log.error("a server worker failed to start; stopping")
                self.failed = True
                self._stopping.set()
                return
            log.warning("server worker %s stopped (exit code %s); starting another", process.pid, process.exitcode)
            self._processes[index] = self._start(self.sockets[index])

    def _stop_all(self) -> None:
        for process in self._processes:
            if process.is_alive() and process.pid is not None:
                # SIGTERM lets uvicorn finish the requests in flight.
                process.terminate()
        for process in self._processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join(timeout=10)
