"""Rate limiting: a token bucket per client, ``rate`` requests a minute on average, bursts up to ``rate``.

The buckets must be shared by every server worker, or ``--workers N`` lets N times the limit through: they
live in Redis when ``HEALTHQA_REDIS_URL`` is set (every host of a deployment then shares them), otherwise
in a SQLite file that the workers of one host share (``HEALTHQA_RATE_LIMIT_DB``, by default beside the
knowledge base). When the shared store fails, each worker counts on its own (``RateLimiter``, in memory)
until the store answers again, and says so in the log at most once a minute: requests are never refused
or failed because the store is down, and a client still gets at most N times the limit meanwhile.

The client is the address of the connection's peer. ``X-Forwarded-For`` (or ``Forwarded``) is believed only
when that peer is a trusted proxy (``HEALTHQA_TRUSTED_PROXIES``); the client is then the right-most
forwarded address that is not itself a trusted proxy: addresses further left were written by the client and
may be anything. An IPv6 client counts as its /64, which one subscriber usually holds whole.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ipaddress
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import redis.asyncio

log = logging.getLogger("healthqa.app")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# After the shared store fails, how long each worker counts alone before it asks the store again: a store
# that is down costs one failed call per worker this often, not one per request.
RETRY_SECONDS = 5.0
REPORT_SECONDS = 60.0


class Limiter(Protocol):
    async def take(self, client: str) -> float:
        """Spend one token of ``client``: 0.0 when allowed, else the seconds until a token is back."""
        ...


def retry_after(wait: float) -> str:
    return str(max(1, math.ceil(wait)))


class RateLimiter:
    """Each client's bucket holds up to ``per_minute`` tokens and refills continuously (this process only)."""

    def __init__(
        self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_clients: int = 10_000
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last time)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Spend one token of ``client``: 0.0 when allowed, else the seconds until a token is back."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.refill_per_second)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_clients:
                    self._forget_full(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.refill_per_second

    @staticmethod
    def retry_after(wait: float) -> str:
        return retry_after(wait)

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled: forgetting them changes nothing."""
        full = [
            client
            for client, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self.refill_per_second >= self.capacity
        ]
        for client in full:
            del self._buckets[client]
        if len(self._buckets) > self.max_clients:  # all busy: forget the oldest half
            oldest = sorted(self._buckets, key=lambda c: self._buckets[c][1])[: len(self._buckets) // 2]
            for client in oldest:
                del self._buckets[client]


class LocalLimiter:
    """``RateLimiter`` behind the asynchronous interface: a microsecond, no I/O."""

    def __init__(self, per_minute: int) -> None:
        self.limiter = RateLimiter(per_minute)

    async def take(self, client: str) -> float:
        return self.limiter.take(client)


# One statement is one transaction, and a write statement takes the write lock before it reads (as BEGIN
# IMMEDIATE does), so two workers never both spend the same token. The SET expressions all read the old row.
_REFILLED = "min(:capacity, tokens + max(0.0, :now - updated) * :rate)"
_TAKE_SQL = f"""
INSERT INTO buckets (client, tokens, updated, allowed) VALUES (:client, :capacity - 1.0, :now, 1)
ON CONFLICT (client) DO UPDATE SET
    tokens = {_REFILLED} - ({_REFILLED} >= 1.0),
    allowed = ({_REFILLED} >= 1.0),
    updated = max(updated, :now)
RETURNING tokens, allowed
"""


class SqliteLimiter:
    """Buckets in a SQLite file shared by the workers of one host.

    The calls run on a thread of their own, so a worker waiting for another's write lock (the busy timeout)
    never holds up its event loop. Times are wall-clock seconds, the same in every process.
    """

    def __init__(self, path: Path | str, per_minute: int, busy_timeout: float = 1.0) -> None:
        self.path = Path(path)
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.busy_timeout = busy_timeout
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="healthqa-ratelimit")
        # Used by one thread at a time: the executor's (as served), or the caller's of take_now (benchmarks).
        self._connection: sqlite3.Connection | None = None
        self._pruned_at = 0.0

    async def take(self, client: str) -> float:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.take_now, client)

    def take_now(self, client: str) -> float:
        """``take`` on the calling thread: a thread's call at a time."""
        now = time.time()
        connection = self._connect()
        params = {"client": client, "capacity": self.capacity, "rate": self.rate, "now": now}
        tokens, allowed = connection.execute(_TAKE_SQL, params).fetchone()
        if now - self._pruned_at > self.capacity / self.rate:
            # A bucket untouched for as long as it takes to refill is full: forgetting it changes nothing.
            connection.execute("DELETE FROM buckets WHERE updated < ?", (now - self.capacity / self.rate,))
            self._pruned_at = now
        return 0.0 if allowed else (1.0 - float(tokens)) / self.rate

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Client addresses are personal data: only the server's user may read them.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            connection = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                # Counts lost in a power cut are harmless; a disk flush on every request is not.
                connection.execute("PRAGMA synchronous=OFF")
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS buckets (client TEXT PRIMARY KEY, tokens REAL NOT NULL, "
                    "updated REAL NOT NULL, allowed INTEGER NOT NULL) WITHOUT ROWID"
                )
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def close(self) -> None:
        self._executor.shutdown()  # waits for a call in progress
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# The bucket as a hash {t: tokens, u: time of the last update}, expiring once it would be full again. The
# time is the Redis server's, the same for every host; scripts may read it since Redis 5 (effects replication).
_TAKE_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(bucket[1]) or capacity
local last = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - last) * rate)
local wait = 0
if tokens >= 1 then
    tokens = tokens - 1
else
    wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(math.max(now, last)))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisLimiter:
    """Buckets in Redis, shared by every worker of every host: one script call (one round trip) a request.

    Keys are ``prefix`` + the client address. The client is asynchronous and bound to the event loop that
    first uses it; another loop (tests) gets a client of its own.
    """

    def __init__(self, url: str, per_minute: int, prefix: str, timeout: float = 0.25) -> None:
        self.url = url
        self.prefix = prefix
        self.capacity = per_minute
        self.rate = per_minute / 60.0
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._redis: redis.asyncio.Redis | None = None
        self._script: Any = None

    def _client(self) -> tuple[redis.asyncio.Redis, Any]:
        loop = asyncio.get_running_loop()
        if self._redis is None or self._loop is not loop:
            import redis.asyncio
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            # Short timeouts and one immediate retry (a pooled connection the server closed): a slow or
            # vanished Redis must cost a request milliseconds, not the client's default 5 s with backoff.
            self._redis = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout,
                retry=Retry(NoBackoff(), 1),
            )
            self._script = self._redis.register_script(_TAKE_LUA)
            self._loop = loop
        return self._redis, self._script

    async def take(self, client: str) -> float:
        _, script = self._client()
        wait = await script(keys=[self.prefix + client], args=[self.capacity, self.rate])
        return float(wait)

    async def aclose(self) -> None:
        if self._redis is not None and self._loop is asyncio.get_running_loop():
            await self._redis.aclose()
        self._redis = self._script = self._loop = None


class SharedLimiter:
    """``shared`` while it works; ``fallback`` (this worker's own count) for a while after it fails.

    Never raises: a broken store must not turn requests into errors. The failure is logged at most once a
    minute, with the number of requests counted by this worker alone meanwhile.
    """

    def __init__(self, shared: Limiter, fallback: Limiter, name: str = "store") -> None:
        self.shared = shared
        self.fallback = fallback
        self.name = name
        self._retry_at = 0.0
        self._reported_at = -math.inf
        self._failing = False
        self._alone = 0  # requests counted by this worker alone since the last report

    async def take(self, client: str) -> float:
        now = time.monotonic()
        if now >= self._retry_at:
            try:
                wait = await self.shared.take(client)
            except Exception as error:  # whatever the store raises (network, disk, protocol): count alone
                self._retry_at = now + RETRY_SECONDS
                self._failed(error, now)
            else:
                if self._failing:
                    log.warning("rate limit %s answers again (%d requests were counted per worker)",
                                self.name, self._alone)
                    self._failing, self._alone, self._reported_at = False, 0, -math.inf
                return wait
        self._alone += 1
        return await self.fallback.take(client)

    def _failed(self, error: Exception, now: float) -> None:
        self._failing = True
        if now - self._reported_at >= REPORT_SECONDS:
            log.error("rate limit %s failed (%s: %s); each worker counts alone until it answers "
                      "(%d requests so since the last report)", self.name, type(error).__name__,
                      str(error)[:200], self._alone)
            self._reported_at, self._alone = now, 0


def shared_limiter(per_minute: int, *, redis_url: str | None, redis_prefix: str, db_path: Path | str) -> Limiter:
    """The limiter for a server worker: Redis when configured, else the SQLite file; each with its fallback."""
    if redis_url:
        return SharedLimiter(RedisLimiter(redis_url, per_minute, redis_prefix), LocalLimiter(per_minute), "Redis")
    return SharedLimiter(SqliteLimiter(db_path, per_minute), LocalLimiter(per_minute), f"file {db_path}")


# --- the client's address ----------------------------------------------------------------------------------

def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """IP addresses and CIDR blocks; ValueError names the first that is neither."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def client_address(scope: Any, trusted: Sequence[Network]) -> str:
    """The address to count a request against (see the module's description)."""
    peer = scope.get("client")
    if not peer:
        return "unknown"  # a Unix socket: no address
    nearest = _address(str(peer[0]))
    if nearest is None:
        return str(peer[0])  # not an IP address (a test client's name)
    if not _trusted(nearest, trusted):
        return _key(nearest)
    for hop in reversed(_forwarded_hops(scope.get("headers", ()))):
        address = _address(hop)
        if address is None:
            break  # a trusted proxy wrote no usable address ("unknown", garbage): count that proxy's hop
        if not _trusted(address, trusted):
            return _key(address)
        nearest = address
    return _key(nearest)


def _trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address in network for network in trusted)


def _key(address: Address) -> str:
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _address(value: str) -> Address | None:
    """The IP address in a forwarded value: ``1.2.3.4``, ``1.2.3.4:80``, ``2001:db8::1``, ``[2001:db8::1]:80``."""
    text = value.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _forwarded_hops(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """The forwarded addresses, nearest last: X-Forwarded-For if the request has one, else ``Forwarded``'s ``for``.

    Proxies (nginx, HAProxy, most load balancers) append to X-Forwarded-For; one that writes ``Forwarded``
    instead must drop an X-Forwarded-For it receives, or the client could write it.
    """
    forwarded_for: list[str] = []
    forwarded: list[str] = []
    for name, value in headers:
        if name == b"x-forwarded-for":
            forwarded_for.extend(value.decode("latin-1").split(","))
        elif name == b"forwarded":
            for element in value.decode("latin-1").split(","):
                pairs = (pair.partition("=") for pair in element.split(";"))
                forwarded.append(next((v for k, _, v in pairs if k.strip().lower() == "for"), ""))
    return forwarded_for or forwarded
