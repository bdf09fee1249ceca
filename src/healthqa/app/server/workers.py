"""Several server processes on one port, sharing one listening socket, with connections spread evenly.

uvicorn's own ``--workers`` hands every worker the same listening socket, and each worker's event loop
accepts every connection waiting when it wakes, so a burst of new connections (a browser's, a proxy's pool,
a load generator's) lands on one worker while the other idles: measured with wrk, 32 keep-alive clients got
57 answers a second from two workers, what one worker gives alone. Sockets of their own per worker
(``SO_REUSEPORT``) spread connections by a hash of their addresses, evenly only on average: 32 connections
split 20 / 12 in a measured run, and the worker with 20 answered each of its clients 60% later.

Here every worker accepts one connection at a time from the shared socket, and only while it holds no more
open connections than the least busy other worker; each worker publishes its count in shared memory. A
worker that is not the least busy leaves a waiting connection to the others for a moment
(``DEFER_SECONDS``), and takes it itself after ``MAX_DEFERRALS`` such moments, so a stuck worker delays no
client for long. Keep-alive connections are long-lived, so spreading them evenly spreads the work.

The parent binds the socket before any worker starts (an address in use fails at once, with its reason) and
keeps it open. A worker accepts connections as soon as it runs, before its app is ready: while it gets ready
(the first start embeds every passage: minutes) the app answers "healthqa is getting ready" (503, see
:class:`healthqa.app.GettingReady`), and only while no other worker is ready, so a worker started again
leaves every new connection to the ready ones. The first embedding is done once, by the worker that takes
:class:`FileLock` first; the others wait for it in the background. A worker that dies after it began serving
is started again; meanwhile the others accept every new connection. A worker that dies before serving (the app
cannot start) stops them all, as it would fail the same way again. SIGINT and SIGTERM stop the workers,
letting them finish the requests in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import logging
import multiprocessing
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

log = logging.getLogger("healthqa.app")
_BACKLOG = 2048
DEFER_SECONDS = 0.002
MAX_DEFERRALS = 25
_PUBLISH_SECONDS = 0.02
# The count a worker shows until it serves (and while it cannot accept): every other worker is less busy.
NOT_SERVING = 1 << 30
# Added to the count of a worker whose app is getting ready (it answers 503): every ready worker is less busy.
GETTING_READY = 1 << 20
# How long a getting-ready worker leaves a waiting connection to a ready one before it looks again.
_LEAVE_TO_READY_SECONDS = 0.05
# accept() failures that are the process's, not the connection's: wait before trying again, as asyncio does.
_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def available() -> bool:
    """Whether workers can share one socket this way (POSIX; Windows keeps uvicorn's own workers)."""
    return sys.platform != "win32"


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``; OSError (address in use, ...) if it cannot."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class BalancedServer(uvicorn.Server):
    """uvicorn's server, accepting from a socket shared with other workers only while it is least busy.

    ``loads`` holds every worker's count of open connections (shared memory); this one writes
    ``loads[index]``.
    """

    def __init__(self, config: uvicorn.Config, sock: socket.socket, index: int, loads: Any) -> None:
        super().__init__(config)
        self._listener = sock
        self._index = index
        self._loads = loads
        self._accepting = 0  # accepted, not yet handed to the protocol (not among server_state.connections)
        self._deferred = 0
        self._listening = False
        self._closed = False
        self._resting = False  # out of resources: not accepting for a while
        self._loop: asyncio.AbstractEventLoop | None = None
        self._protocol: Any = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        config = self.config
        # The protocol uvicorn's own listener would make (uvicorn's annotation says asyncio.Protocol).
        protocol_class: Any = config.http_protocol_class
        self._protocol = functools.partial(
            protocol_class, config=config, server_state=self.server_state, app_state=self.lifespan.state
        )
        self._loop = asyncio.get_running_loop()
        self._listener.setblocking(False)
        await self.on_tick(0)  # the default headers (Date) of the responses given while getting ready
        # Accept before the lifespan has finished: until the app is ready it answers 503 "getting ready".
        self._publish()
        self._listen()
        try:
            await super().startup(sockets=[])  # the lifespan and server state, without a listener of uvicorn's
        except BaseException:  # the app could not start (uvicorn exits)
            self._closed = True
            self._stop_listening()
            raise

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._closed = True
        self._stop_listening()
        self._loads[self._index] = NOT_SERVING
        # A connection accepted just now joins uvicorn's connections a loop turn later; uvicorn's shutdown
        # must see it to close it, or an idle client would keep this worker waiting.
        deadline = time.monotonic() + 1.0
        while self._accepting and time.monotonic() < deadline:
            await asyncio.sleep(0)
        await super().shutdown(sockets=sockets)

    def open_connections(self) -> int:
        return len(self.server_state.connections) + self._accepting

    def _publish(self) -> None:
        """Write this worker's count now and every few milliseconds (closed connections lower it)."""
        if self._closed or self._loop is None:
            return
        self._loads[self._index] = self._load()
        self._loop.call_later(_PUBLISH_SECONDS, self._publish)

    def _load(self) -> int:
        """What this worker publishes: its open connections, more while its app is getting ready."""
        if self._resting:
            return NOT_SERVING
        return self.open_connections() + (0 if self.started else GETTING_READY)

    def _listen(self) -> None:
        if not self._closed and not self._listening and self._loop is not None:
            self._loop.add_reader(self._listener.fileno(), self._on_connection_waiting)
            self._listening = True

    def _stop_listening(self) -> None:
        if self._listening and self._loop is not None:
            self._loop.remove_reader(self._listener.fileno())
            self._listening = False

    def _pause(self, seconds: float, *, resting: bool = False) -> None:
        """Accept nothing for ``seconds``; ``resting`` shows the others meanwhile that this worker takes none."""
        assert self._loop is not None
        self._resting = resting
        if resting:
            self._loads[self._index] = NOT_SERVING
        self._stop_listening()

        def wake() -> None:
            self._resting = False
            self._listen()

        self._loop.call_later(seconds, wake)

    def _others(self) -> list[int]:
        return [self._loads[i] for i in range(len(self._loads)) if i != self._index]

    def _least_busy(self) -> bool:
        mine = self._load()
        self._loads[self._index] = mine
        others = self._others()
        return not others or mine <= min(others)

    def _on_connection_waiting(self) -> None:
        if not self.started and any(load < GETTING_READY for load in self._others()):
            # Getting ready, it would answer 503: a ready worker answers instead, however busy it is.
            self._pause(_LEAVE_TO_READY_SECONDS)
            return
        if not self._least_busy() and self._deferred < MAX_DEFERRALS:
            self._deferred += 1
            self._pause(DEFER_SECONDS)
            return
        self._deferred = 0
        try:
            connection, _ = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return  # another worker took it
        except OSError as error:
            if error.errno in _OUT_OF_RESOURCES:
                log.error("cannot accept a connection: %s", error.strerror or error)
                self._pause(1.0, resting=True)
            return  # otherwise the connection failed before it was accepted (reset, network errors)
        connection.setblocking(False)
        self._accepting += 1
        self._loads[self._index] = self._load()
        assert self._loop is not None
        self._loop.create_task(self._hand_to_protocol(connection))

    async def _hand_to_protocol(self, connection: socket.socket) -> None:
        assert self._loop is not None
        try:
            await self._loop.connect_accepted_socket(self._protocol, connection, ssl=self.config.ssl)
        except Exception as error:
            connection.close()
            if not isinstance(error, OSError):  # the client's OSErrors (reset, ...) are no news
                log.exception("cannot serve a connection")
        finally:
            self._accepting -= 1


class FileLock:
    """A lock shared by processes, an exclusive ``flock`` on ``path``; it can be handed to spawned workers.

    The system releases it when the process holding it dies, so a lock is never left held by a dead worker.
    (A worker that dies before it serves, in the middle of the first embedding say, stops the whole server:
    see ``_replace_dead``; the released lock matters to a later start.)
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
        import fcntl  # POSIX only, as are these workers (available())

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "_fd": None}  # a lock is held by one process, never handed on held


@contextlib.contextmanager
def shared_lock(purpose: str) -> Iterator[FileLock]:
    """A :class:`FileLock` on a new private file, removed afterwards, for the workers started meanwhile."""
    fd, path = tempfile.mkstemp(prefix=f"healthqa-{purpose}-", suffix=".lock")
    os.close(fd)
    try:
        yield FileLock(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _serve_one(sock: socket.socket, index: int, loads: Any, options: dict[str, Any],
               ready: Any) -> None:  # pragma: no cover - a worker process
    server = BalancedServer(uvicorn.Config(**options), sock, index, loads)

    def tell_when_serving() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.1)
        if server.started:
            ready.set()

    threading.Thread(target=tell_when_serving, daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C reaches every process of the terminal's group
        server.run(sockets=[])


class Workers:
    """``count`` server processes sharing ``sock``, kept running until SIGINT or SIGTERM."""

    def __init__(self, sock: socket.socket, count: int, options: dict[str, Any]) -> None:
        self.socket = sock
        self.count = count
        self.options = options
        self._context = multiprocessing.get_context("spawn")
        self.loads = self._context.RawArray("i", [NOT_SERVING] * count)
        self._processes: list[tuple[BaseProcess, Any]] = []
        self._stopping = threading.Event()
        self.failed = False

    def _start(self, index: int) -> tuple[BaseProcess, Any]:
        self.loads[index] = NOT_SERVING
        ready = self._context.Event()
        process = self._context.Process(
            target=_serve_one, args=(self.socket, index, self.loads, self.options, ready), daemon=False
        )
        process.start()
        return process, ready

    def run(self) -> None:
        """Start the workers and watch them until a signal; then stop them."""
        previous = {sig: signal.signal(sig, lambda *_: self._stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._processes = [self._start(index) for index in range(self.count)]
            while not self._stopping.wait(0.5):
                self._replace_dead()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.socket.close()

    def _replace_dead(self) -> None:
        for index, (process, ready) in enumerate(self._processes):
            if process.is_alive() or self._stopping.is_set():
                continue
            killed = process.exitcode is not None and process.exitcode < 0
            if not ready.is_set() and not killed:
                # It exited before serving: the app cannot start (a broken knowledge base, a missing package)
                # and would fail the same way again. A worker killed by a signal (an operator, the OOM killer) is
                # started again whatever its "serving" note says (seen once on a loaded machine: a worker killed
                # after it had served requests was read as never ready, and the whole server stopped; cause not
                # found).
                log.error("a server worker stopped before serving (exit code %s); stopping", process.exitcode)
                self.failed = True
                self._stopping.set()
                return
            # While it starts again (seconds: the model, the indexes) the others take every new connection.
            log.warning("server worker %s stopped (exit code %s); starting another", process.pid, process.exitcode)
            self._processes[index] = self._start(index)

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
