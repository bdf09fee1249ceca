"""Three hosts for real (issue 19, parts 5 and 6): PostgreSQL, two ``healthqa serve`` hosts each in its own network
namespace, nginx in front, Redis shared (deploy/three_hosts.py). Load goes through the proxy; content ingested
through one host is answered by both; PostgreSQL stopped under load gives 503s with Retry-After and service
comes back by itself; an ingest killed with SIGKILL leaves nothing behind and a rerun completes; a host killed
under load costs no request.

The tests share one deployment (starting it is most of the time) and run in this file's order: the host is killed
last. They skip, saying why, where the machine lacks root, ``ip netns``, nginx, redis-server or PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kb_builders import write_gout_and_holmes_adie, write_medquad_file

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _module(name: str) -> ModuleType:
    """deploy/NAME.py (a folder of scripts, not a package), under a name no other module has (benchmarks/load.py)."""
    unique = f"healthqa_deploy_{name}"
    spec = importlib.util.spec_from_file_location(unique, DEPLOY / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    spec.loader.exec_module(module)
    return module


three_hosts = _module("three_hosts")
load = _module("load")
REASON = three_hosts.missing()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"no three-host deployment here: {REASON}")

RATE_LIMIT = 30  # per minute per client address, counted in Redis for every host
CLIENTS = 32
ANSWER_TIMEOUT = 10.0  # HEALTHQA_ANSWER_TIMEOUT's default


def _question(client: int, number: int) -> str:
    """A different question each time: answered by the hosts, not from their caches of recent answers."""
    return "/api/ask?q=" + urllib.parse.quote(f"What are the treatments for Gout? ({client}-{number})")


def _question_or_sources(client: int, number: int) -> str:
    """Questions, and every fourth request the sources list, which always reads the knowledge base (an answer may
    come from what a host holds in memory)."""
    return "/api/sources" if number % 4 == 0 else _question(client, number)


def _client_address(client: int, number: int) -> dict[str, str]:
    """Each request from its own address (198.18.0.0/15, for tests), so that the load is not rate limited."""
    return {"X-Forwarded-For": f"198.18.{client}.{number % 250 + 1}"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from healthqa.ingest import ingest_path
    from healthqa.store import SQLiteStore

    folder = tmp_path_factory.mktemp("kb")
    store = SQLiteStore(folder / "kb.db")
    ingest_path(store, write_gout_and_holmes_adie(folder / "medquad", more=True))
    store.close()
    settings = {"HEALTHQA_RATE_LIMIT": str(RATE_LIMIT), "HEALTHQA_TRUSTED_PROXIES": "127.0.0.1"}
    # The knowledge base reaches PostgreSQL through `healthqa migrate` (part 5's documented path).
    with three_hosts.deploy(migrate=folder / "kb.db", settings=settings) as running:
        yield running


def test_load_through_the_proxy_is_served_by_both_hosts_without_an_error(deployment: Any) -> None:
    d = deployment
    outcomes = load.Load(d.proxy_url, _question, CLIENTS, headers=_client_address).run_for(3)
    assert outcomes and all(o.status == 200 for o in outcomes), load.summary(outcomes)
    assert all(b"Medicines lower uric acid" in o.body or b'"answers"' in o.body for o in outcomes)
    for host in d.hosts:  # nginx balanced the load: each host answered questions
        assert "GET /api/ask 200" in host.log.read_text(), host.name


def test_rate_limits_are_counted_once_for_all_hosts_in_redis(deployment: Any) -> None:
    import redis

    d = deployment
    statuses = []
    for _ in range(RATE_LIMIT + 10):  # through the proxy, so alternating between the hosts
        status, _ = three_hosts.http_get(f"{d.proxy_url}/api/sources", headers={"X-Forwarded-For": "203.0.113.7"})
        statuses.append(status)
    allowed = statuses.count(200)
    # Counted per host, the client would get about twice the limit; shared, the limit (plus what refilled).
    assert RATE_LIMIT <= allowed <= RATE_LIMIT + 3 and statuses.count(429) == len(statuses) - allowed, statuses
    client = redis.Redis(host="127.0.0.1", port=d.redis_port)
    try:
        assert client.exists(f"{d.redis_prefix}203.0.113.7")
    finally:
        client.close()


def test_content_ingested_through_one_host_is_answered_by_both(deployment: Any) -> None:
    d = deployment
    write_medquad_file(d.ingest_root / "new" / "2_GARD_QA", "0000777", "Zyxoplasia", [
        ("treatment", "How is zyxoplasia treated?", "Zyxoplasia, a made-up test condition, is treated with rest."),
    ])
    request = urllib.request.Request(
        f"{d.hosts[0].url}/api/ingest", data=json.dumps({"paths": ["new"]}).encode(), method="POST",
        headers={"Authorization": f"Bearer {d.admin_token}", "Content-Type": "application/json",
                 "X-Forwarded-For": "203.0.113.8"},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=120) as response:
        result = json.load(response)
    assert result["ok"] and result["results"][0]["documents_added"] == 1, result
    question = "/api/ask?q=" + urllib.parse.quote("How is zyxoplasia treated?")
    seen_after = {}
    for number, url in enumerate([host.url for host in d.hosts] + [d.proxy_url]):
        def answered(url: str = url, number: int = number) -> bool:
            status, body = three_hosts.http_get(url + question, headers={"X-Forwarded-For": f"203.0.113.{20 + number}"})
            return status == 200 and b"treated with rest" in body

        three_hosts.wait_until(answered, 20, f"{url} did not answer the new content", interval=0.2)
        seen_after[url] = time.monotonic() - started
    assert max(seen_after.values()) < 20, seen_after


def test_an_ingest_killed_mid_write_leaves_nothing_and_a_rerun_completes(deployment: Any, tmp_path: Path) -> None:
    import psycopg

    from healthqa.store.postgres import WRITER_LOCK

    d = deployment
    # A database of its own on the deployment's server: the hosts are not made to rebuild for these documents.
    d.postgres.create_database("killed_ingest")
    url = d.postgres.url("127.0.0.1", "killed_ingest")
    folder = tmp_path / "bulk" / "2_GARD_QA"
    for number in range(400):
        write_medquad_file(folder, f"{number:07d}", f"Test condition {number}", [
            ("information", f"What is test condition {number}?", f"Test condition {number} is a made-up record. " * 20),
            ("treatment", f"How is test condition {number} treated?", f"Rest helps test condition {number}. " * 20),
        ])
    script = ("import sys; from healthqa.ingest import ingest_path; from healthqa.store import open_store; "
              "report = ingest_path(open_store(sys.argv[1]), sys.argv[2]); print(report.stats.documents_added)")
    command = [sys.executable, "-c", script, url, str(tmp_path / "bulk")]
    writer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    here = "database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    with psycopg.connect(url, autocommit=True) as watcher:
        def holding(condition: str, *params: object) -> bool:
            row = watcher.execute(f"SELECT count(*) FROM pg_locks WHERE granted AND {here} AND {condition}",
                                  params).fetchone()
            return row is not None and row[0] > 0

        def writing() -> bool:  # the ingest holds the writers' lock: its transaction is under way
            return holding("locktype = 'advisory' AND classid::bigint = %s AND objid::bigint = %s",
                           WRITER_LOCK >> 32, WRITER_LOCK & 0xFFFFFFFF)

        def copying_passages() -> bool:  # its first batch of passages is written, uncommitted; 200 more to go
            return holding("relation = 'passage'::regclass AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()")

        three_hosts.wait_until(lambda: writing() and copying_passages(), 60, "the ingest did not write passages",
                               interval=0.02)
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
        assert writer.returncode == -signal.SIGKILL  # killed, not finished
        def released() -> bool:  # the server noticed the dead client and rolled its transaction back
            return not writing()

        three_hosts.wait_until(released, 30, "the killed ingest's transaction was not rolled back", interval=0.1)
        counts = watcher.execute(
            "SELECT (SELECT count(*) FROM document), (SELECT count(*) FROM passage), "
            "(SELECT count(*) FROM ingested_file), (SELECT value FROM generation)"
        ).fetchone()
        assert counts == (0, 0, 0, 0), counts  # no partial source: nothing of it, not even a file's digest
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0 and rerun.stdout.split()[-1] == "400", rerun.stdout + rerun.stderr
    with psycopg.connect(url, autocommit=True) as check:
        assert check.execute("SELECT count(*) FROM passage").fetchone() == (800,)


def test_postgres_stopped_under_load_gives_503s_and_service_comes_back_by_itself(deployment: Any) -> None:
    d = deployment
    running = load.Load(d.proxy_url, _question_or_sources, CLIENTS, headers=_client_address, timeout=30).start()
    time.sleep(1)
    d.postgres.stop("fast")
    stopped = time.monotonic()
    time.sleep(3)
    down = running.since(stopped)
    d.postgres.start()
    restarted = time.monotonic()
    time.sleep(6)
    outcomes = running.stop()
    # What reads the knowledge base is refused; answers may still come from what a host holds in memory.
    assert {o.status for o in down} <= {200, 503}, load.summary(down)
    refused = [o for o in down if o.path == "/api/sources"]
    assert refused and all(o.status == 503 for o in refused), load.summary(refused)
    assert {o.status for o in outcomes} <= {200, 503}, load.summary(outcomes)  # never a 500, never no answer
    assert all(o.retry_after and o.retry_after.isdigit() for o in outcomes if o.status == 503)
    assert not any(b"Traceback" in o.body for o in outcomes)
    # Never hangs: nothing waits for the database (before the fix, requests waited 10-20 s for pool connections
    # and ended as 504s). A question may still wait its turn behind others on a busy machine: the bound is the
    # hosts' own answer timeout, past which they would have answered 504.
    slow = [f"{o.path[:12]} {o.seconds:.1f} s at {o.started - stopped:+.1f} s" for o in outcomes if o.seconds >= 3]
    assert max(o.seconds for o in outcomes) < ANSWER_TIMEOUT, slow
    assert all(o.seconds < 3 for o in refused), slow  # a refusal comes at once (a busy machine aside)
    after = [o for o in outcomes if o.started >= restarted]
    first_answer = min(o.started + o.seconds for o in after if o.status == 200) - restarted
    assert first_answer < 5, load.summary(after)
    late = [o for o in after if o.started >= restarted + 5]
    assert late and all(o.status == 200 for o in late), load.summary(late)


def test_a_host_killed_under_load_costs_no_request(deployment: Any) -> None:
    d = deployment
    running = load.Load(d.proxy_url, _question, CLIENTS, headers=_client_address).start()
    time.sleep(1.5)
    d.kill_host(d.hosts[1])
    killed = time.monotonic()
    time.sleep(3)
    outcomes = running.stop()
    after = [o for o in outcomes if o.started >= killed]
    assert after and all(o.status == 200 for o in after), load.summary(after)
    # Before the kill, nothing failed. A request in flight on the killed host at that moment is retried on the
    # other host when nothing of its response had come yet; one whose response the host had begun to send cannot
    # be (seen once in a clean-clone run: 1 of 1,545 requests, cut off mid-response).
    in_flight = [o for o in outcomes if o.started < killed <= o.started + o.seconds]
    failed = [o for o in outcomes if o.status != 200]
    assert all(o in in_flight for o in failed) and len(failed) <= 2, load.summary(failed)
    assert "GET /api/ask 200" in d.hosts[0].log.read_text()
