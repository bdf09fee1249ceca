"""Rate limiting counts a client once across every worker and believes forwarded addresses only from trusted proxies.

The real-server tests start ``healthqa serve --workers 2`` and send requests from several loopback
addresses (Linux routes all of 127.0.0.0/8 to the loopback interface): 127.0.0.2 plays a trusted proxy.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthqa.app import create_app
from healthqa.app.ratelimit import (
    LocalLimiter,
    RedisLimiter,
    SharedLimiter,
    SqliteLimiter,
    client_address,
    parse_networks,
)
from healthqa.config import Settings
from kb_builders import DOCUMENTS, build_kb
from servers import serve

REDIS_URL = "redis://127.0.0.1:6379/0"
RATE = 10
BURST = 40


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_reachable(), reason="no Redis answering at 127.0.0.1:6379")


def _loopback_aliases() -> bool:
    try:
        with socket.socket() as sock:
            sock.bind(("127.0.0.3", 0))
        return True
    except OSError:
        return False


def _drop_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def open_client(kb: Path, settings: Settings) -> TestClient:
    return TestClient(create_app(str(kb), settings), raise_server_exceptions=False)


# --- which address is the client ---------------------------------------------------------------------------

def _scope(peer: str, *headers: tuple[str, str]) -> dict[str, object]:
    return {"client": (peer, 50000), "headers": [(k.encode(), v.encode()) for k, v in headers]}


def test_forwarded_addresses_are_ignored_from_an_untrusted_peer() -> None:
    trusted = parse_networks(("10.0.0.0/8",))
    spoofed = _scope("198.51.100.4", ("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.10"))
    assert client_address(spoofed, trusted) == "198.51.100.4"
    assert client_address(spoofed, ()) == "198.51.100.4"  # no proxies configured: never believed
    assert client_address(_scope("127.0.0.1", ("x-forwarded-for", "203.0.113.9")), ()) == "127.0.0.1"


def test_the_right_most_untrusted_forwarded_address_is_the_client() -> None:
    trusted = parse_networks(("10.0.0.0/8", "192.0.2.1"))
    # The client wrote "1.1.1.1" itself; the proxies appended what they saw.
    chain = _scope("10.1.1.1", ("x-forwarded-for", "1.1.1.1, 203.0.113.9"), ("x-forwarded-for", "192.0.2.1"))
    assert client_address(chain, trusted) == "203.0.113.9"
    assert client_address(_scope("10.1.1.1", ("x-forwarded-for", "203.0.113.9:4711")), trusted) == "203.0.113.9"
    forwarded = _scope("10.1.1.1", ("forwarded", 'for=1.1.1.1, for="[2001:db8::1]:80";proto=https, for=10.2.2.2'))
    assert client_address(forwarded, trusted) == "2001:db8::/64"  # an IPv6 client is its /64
    # Only trusted hops, or garbage written where an address should be: the nearest trusted hop is counted.
    assert client_address(_scope("10.1.1.1", ("x-forwarded-for", "10.3.3.3")), trusted) == "10.3.3.3"
    assert client_address(_scope("10.1.1.1", ("x-forwarded-for", "junk, 10.3.3.3")), trusted) == "10.3.3.3"
    assert client_address(_scope("10.1.1.1"), trusted) == "10.1.1.1"  # nothing forwarded


def test_trusted_proxies_setting_is_validated() -> None:
    settings = Settings.from_env({"HEALTHQA_TRUSTED_PROXIES": " 10.0.0.0/8 , ::1 "})
    assert settings.trusted_proxies == ("10.0.0.0/8", "::1/128")
    from healthqa.errors import ConfigError

    with pytest.raises(ConfigError, match="HEALTHQA_TRUSTED_PROXIES"):
        Settings.from_env({"HEALTHQA_TRUSTED_PROXIES": "10.0.0.0/8,proxy.example"})
    assert Settings().trusted_proxies == () and Settings().redis_url is None


# --- the backends -------------------------------------------------------------------------------------------

def test_two_sqlite_limiters_on_one_file_share_the_counts(tmp_path: Path) -> None:
    """Two limiters on one file stand for two worker processes."""
    path = tmp_path / "limits.db"
    first, second = SqliteLimiter(path, RATE), SqliteLimiter(path, RATE)

    async def burst() -> list[float]:
        return [await (first if n % 2 else second).take("203.0.113.9") for n in range(BURST)]

    try:
        waits = asyncio.run(burst())
        assert sum(wait == 0.0 for wait in waits) <= RATE + 1, waits
        assert all(0 < wait <= 60 / RATE for wait in waits[RATE + 1:])
        assert asyncio.run(first.take("203.0.113.10")) == 0.0  # per client
    finally:
        first.close()
        second.close()


@needs_redis
def test_two_redis_limiters_share_the_counts() -> None:
    prefix = f"healthqa-test-{uuid.uuid4().hex}:"
    first, second = RedisLimiter(REDIS_URL, RATE, prefix), RedisLimiter(REDIS_URL, RATE, prefix)

    async def burst() -> list[float]:
        try:
            return [await (first if n % 2 else second).take("203.0.113.9") for n in range(BURST)]
        finally:
            await first.aclose()
            await second.aclose()

    try:
        waits = asyncio.run(burst())
        assert sum(wait == 0.0 for wait in waits) <= RATE + 1, waits
        assert all(0 < wait <= 60 / RATE for wait in waits[RATE + 1:])
    finally:
        _drop_redis_keys(prefix)


def test_an_unreachable_redis_falls_back_to_counting_per_worker(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    limiter = SharedLimiter(RedisLimiter(f"redis://127.0.0.1:{port}/0", RATE, "healthqa-test:"), LocalLimiter(RATE))

    async def burst() -> list[float]:
        return [await limiter.take("203.0.113.9") for _ in range(BURST)]

    waits = asyncio.run(burst())
    assert sum(wait == 0.0 for wait in waits) == RATE  # still limited, by this worker's own count
    failures = [r for r in caplog.records if "rate limit" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelname == "ERROR"  # logged once, not per request


def test_an_unreachable_redis_still_answers_requests(kb_path: Path) -> None:
    settings = Settings(rate_limit=3, redis_url="redis://127.0.0.1:1/0")
    with open_client(kb_path, settings) as client:
        statuses = [client.get("/api/search", params={"q": "gout"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_the_shared_file_is_beside_the_knowledge_base_by_default(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", DOCUMENTS)
    with open_client(kb, Settings(rate_limit=3)) as client:
        assert client.get("/api/search", params={"q": "gout"}).status_code == 200
    assert (tmp_path / "kb.db-ratelimit").is_file()
    elsewhere = tmp_path / "run" / "limits.db"
    with open_client(kb, Settings(rate_limit=3, rate_limit_db=str(elsewhere))) as client:
        assert client.get("/api/search", params={"q": "gout"}).status_code == 200
    assert elsewhere.is_file()


# --- real servers with two workers --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kb(tmp_path_factory.mktemp("kb") / "kb.db", DOCUMENTS, prepared=True)


def _serve(tmp_path: Path, kb: Path, workers: int = 2, **env: str) -> Iterator[int]:
    with serve(kb, tmp_path / "server.log", workers=workers, env={"HEALTHQA_RATE_LIMIT": str(RATE), **env}) as server:
        yield server.port
    assert "Traceback" not in server.read_log(), server.read_log()


def _burst(port: int, source: str, forwarded: list[str] | None = None, connections: int = 4) -> list[int]:
    """``BURST`` requests from ``source`` over ``connections`` keep-alive connections held open at once.

    Each worker takes a connection only while it holds no more than the other, so both workers get some.
    """
    clients = [
        http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
        for _ in range(connections)
    ]
    statuses = []
    try:
        for client in clients:
            client.connect()
        for n in range(BURST):
            headers = {"X-Forwarded-For": forwarded[n % len(forwarded)]} if forwarded else {}
            client = clients[n % connections]
            client.request("GET", "/api/sources", headers=headers)
            response = client.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        for client in clients:
            client.close()
    assert set(statuses) <= {200, 429}, statuses
    return statuses


needs_aliases = pytest.mark.skipif(not _loopback_aliases(), reason="this system cannot send from 127.0.0.2-4")


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory, kb_path: Path) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("sqlite-server")
    yield from _serve(folder, kb_path, HEALTHQA_TRUSTED_PROXIES="127.0.0.2",
                      HEALTHQA_RATE_LIMIT_DB=str(folder / "limits.db"))


@needs_aliases
def test_two_workers_share_one_count_in_sqlite(sqlite_server: int) -> None:
    statuses = _burst(sqlite_server, "127.0.0.3")
    assert statuses.count(200) <= RATE + 1, statuses  # 20 when each worker counted alone


@needs_aliases
def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(sqlite_server: int) -> None:
    # A new address on each request: believed, each would be the first request of a new client.
    spoofed = [f"198.51.100.{n}" for n in range(1, BURST + 1)]
    statuses = _burst(sqlite_server, "127.0.0.1", forwarded=spoofed)
    assert statuses.count(200) <= RATE + 1, statuses


@needs_aliases
def test_a_trusted_proxy_forwards_its_clients_address(sqlite_server: int) -> None:
    # The trusted proxy 127.0.0.2 appends the client it saw; what the client wrote itself comes first.
    first = _burst(sqlite_server, "127.0.0.2", forwarded=["1.1.1.1, 203.0.113.20"])
    assert first.count(200) <= RATE + 1 and first[:RATE] == [200] * RATE, first
    second = _burst(sqlite_server, "127.0.0.2", forwarded=["203.0.113.21"], connections=1)
    assert second[:RATE] == [200] * RATE, second  # another client behind the same proxy has its own count


def test_one_worker_ignores_a_spoofed_forwarded_for_too(tmp_path: Path, kb_path: Path) -> None:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 unless told not to, on the one-worker path as well."""
    for port in _serve(tmp_path, kb_path, workers=1):
        statuses = _burst(port, "127.0.0.1", forwarded=[f"198.51.100.{n}" for n in range(1, BURST + 1)])
        assert statuses.count(200) <= RATE + 1, statuses


@needs_redis
@needs_aliases
def test_two_workers_share_one_count_in_redis(tmp_path: Path, kb_path: Path) -> None:
    prefix = f"healthqa-test-{uuid.uuid4().hex}:"
    try:
        for port in _serve(tmp_path, kb_path, HEALTHQA_REDIS_URL=REDIS_URL, HEALTHQA_REDIS_PREFIX=prefix):
            statuses = _burst(port, "127.0.0.4")
            assert statuses.count(200) <= RATE + 1, statuses
    finally:
        _drop_redis_keys(prefix)
