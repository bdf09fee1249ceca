"""What the rate limiter adds to each request: the median and p99 cost of one call, per backend, in one process.

    python benchmarks/ratelimit.py [--calls 5000] [--redis redis://127.0.0.1:6379/0]

Each backend is called as the guard calls it, awaited on the event loop: the in-process bucket, the SQLite
file (on its own thread; also called directly on the loop, to show what the thread hop costs, and while a
second process hammers the same file, as another worker would), and Redis (one script call a request; left
out with a note when no Redis answers). Clients cycle through 1,000 addresses. Ratios are against the
in-process bucket.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from healthqa.app.ratelimit import LocalLimiter, RedisLimiter, SqliteLimiter, client_address, parse_networks

PER_MINUTE = 1_000_000  # every call allowed: the cost of a refusal is the same
CLIENTS = [f"198.51.100.{n % 250}" if n < 250 else f"203.0.{n // 250}.{n % 250}" for n in range(1000)]


async def _time(take: Callable[[str], Awaitable[float]], calls: int) -> list[float]:
    for n in range(200):  # warm up: connections, the prepared statement, the script cache
        await take(CLIENTS[n % len(CLIENTS)])
    costs = []
    for n in range(calls):
        started = time.perf_counter()
        await take(CLIENTS[n % len(CLIENTS)])
        costs.append((time.perf_counter() - started) * 1e6)
    return costs


def _hammer(path: str, stop: multiprocessing.synchronize.Event) -> None:  # pragma: no cover - a process
    limiter = SqliteLimiter(path, PER_MINUTE)
    n = 0
    while not stop.is_set():
        limiter.take_now(CLIENTS[n % len(CLIENTS)])
        n += 1
    limiter.close()


async def _run(calls: int, redis_url: str) -> list[tuple[str, list[float]]]:
    results: list[tuple[str, list[float]]] = []
    local = LocalLimiter(PER_MINUTE)
    results.append(("in-process", await _time(local.take, calls)))

    trusted = parse_networks(["10.0.0.0/8"])
    scope = {"client": ("10.0.0.5", 4711), "headers": [(b"x-forwarded-for", b"1.1.1.1, 203.0.113.9")]}

    async def address_only(client: str) -> float:
        client_address(scope, trusted)
        return 0.0

    results.append(("client address (forwarded, trusted peer)", await _time(address_only, calls)))

    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteLimiter(Path(folder) / "limits.db", PER_MINUTE)
        results.append(("SQLite file, own thread (as served)", await _time(sqlite.take, calls)))
        sqlite.close()
        direct = SqliteLimiter(Path(folder) / "limits.db", PER_MINUTE)

        async def on_loop(client: str) -> float:
            return direct.take_now(client)

        results.append(("SQLite file, on the loop", await _time(on_loop, calls)))
        direct.close()

        context = multiprocessing.get_context("spawn")
        stop = context.Event()
        other = context.Process(target=_hammer, args=(str(Path(folder) / "limits.db"), stop))
        other.start()
        time.sleep(1.0)  # its start-up
        contended = SqliteLimiter(Path(folder) / "limits.db", PER_MINUTE)
        try:
            results.append(("SQLite file, own thread, another process writing", await _time(contended.take, calls)))
        finally:
            stop.set()
            other.join()
            contended.close()

    prefix = f"healthqa-bench-{uuid.uuid4().hex}:"
    redis = RedisLimiter(redis_url, PER_MINUTE, prefix)
    try:
        results.append(("Redis (one script call)", await _time(redis.take, calls)))
    except Exception as error:  # no Redis here: say so and show the rest
        print(f"Redis at {redis_url} left out: {type(error).__name__}: {error}")
    finally:
        await redis.aclose()
        try:
            import redis as redis_sync

            client = redis_sync.Redis.from_url(redis_url, socket_connect_timeout=0.5)
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
            client.close()
        except Exception:  # nothing was written where nothing answers
            pass
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    results = asyncio.run(_run(args.calls, args.redis))
    base = statistics.median(results[0][1])
    print(f"{'backend':50} {'median µs':>10} {'p99 µs':>10} {'x in-process':>13}")
    for name, costs in results:
        median = statistics.median(costs)
        p99 = statistics.quantiles(costs, n=100)[98]
        print(f"{name:50} {median:10.1f} {p99:10.1f} {median / base:13.1f}")


if __name__ == "__main__":
    main()
