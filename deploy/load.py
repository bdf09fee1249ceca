"""Concurrent HTTP clients for the deployment's tests and benchmark: each client a thread with one keep-alive
connection, recording every request's status, time and Retry-After (a failed connection is status 0)."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outcome:
    started: float  # time.monotonic() when the request was sent
    seconds: float
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    retry_after: str | None
    body: bytes  # the first bytes, to tell a JSON error from a stack trace
    client: int
    path: str


@dataclass
class Load:
    """Clients asking until :meth:`stop` (or ``seconds``); ``outcomes`` grows meanwhile."""

    base: str
    paths: Callable[[int, int], str]  # (client, request number) -> path and query
    clients: int = 32
    timeout: float = 15.0
    headers: Callable[[int, int], dict[str, str]] = lambda client, number: {}
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Load:
        for client in range(self.clients):
            thread = threading.Thread(target=self._client, args=(client,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)
        return list(self.outcomes)

    def run_for(self, seconds: float) -> list[Outcome]:
        self.start()
        time.sleep(seconds)
        return self.stop()

    def since(self, moment: float) -> list[Outcome]:
        with self._lock:
            return [outcome for outcome in self.outcomes if outcome.started >= moment]

    def _client(self, client: int) -> None:
        address = urllib.parse.urlsplit(self.base)
        connection: http.client.HTTPConnection | None = None
        number = 0
        while not self._stop.is_set():
            number += 1
            path = self.paths(client, number)
            started = time.monotonic()
            status, retry_after, body = 0, None, b""
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=self.timeout)
                connection.request("GET", path, headers=self.headers(client, number))
                response = connection.getresponse()
                body = response.read()[:300]
                status, retry_after = response.status, response.getheader("Retry-After")
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                if connection is not None:
                    connection.close()
                connection = None
                time.sleep(0.05)  # a refused connection returns at once: do not spin
            outcome = Outcome(started, time.monotonic() - started, status, retry_after, body, client, path)
            with self._lock:
                self.outcomes.append(outcome)
        if connection is not None:
            connection.close()


def summary(outcomes: Sequence[Outcome]) -> str:
    statuses = Counter(outcome.status for outcome in outcomes)
    slowest = max((outcome.seconds for outcome in outcomes), default=0.0)
    return f"{len(outcomes)} requests, statuses {dict(sorted(statuses.items()))}, slowest {slowest:.2f} s"
