"""What only the PostgreSQL backend has: numbered migrations, the writer's lock wait, statement timeouts, a pool
shared by threads. The behaviour both backends share is in tests/store/contract.py."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from healthqa.errors import StoreError
from postgres_server import empty_schema, temporary_database
from store.contract import CORPUS, ingest

psycopg = pytest.importorskip("psycopg")
from healthqa.store.postgres import PostgresStore  # noqa: E402  (after the skip: it needs psycopg)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with temporary_database() as url:
        yield url


@pytest.fixture()
def url(server_url: str) -> str:
    empty_schema(server_url)
    return server_url


def test_migrations_are_numbered_recorded_once_and_a_newer_schema_is_refused(url: str) -> None:
    PostgresStore(url).close()
    PostgresStore(url).close()  # a second opening (another host) migrates nothing
    with psycopg.connect(url) as connection:
        versions = [row[0] for row in connection.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == list(range(1, PostgresStore.schema_version + 1))
        connection.execute("INSERT INTO schema_version(version) VALUES (%s)", (PostgresStore.schema_version + 1,))
    with pytest.raises(StoreError, match="is newer than this healthqa"):
        PostgresStore(url)


def test_a_second_writer_gives_up_clearly_after_its_wait(url: str) -> None:
    first = PostgresStore(url)
    second = PostgresStore(url, writer_wait_s=0.3)
    try:
        with first.ingest() as transaction:
            transaction.put_document(CORPUS[0])
            with pytest.raises(StoreError, match="another ingest is writing"), second.ingest():
                pass
            with pytest.raises(StoreError, match="another ingest is writing"):
                second.put_vectors("model", [])
        # Nothing of the refused writer landed, and it can write once the first is done.
        ingest(second, CORPUS[1])
        assert {s.documents for s in second.sources()} == {2}
    finally:
        first.close()
        second.close()


def test_a_read_past_the_statement_timeout_is_a_store_error(url: str) -> None:
    store = PostgresStore(url, statement_timeout_ms=100)
    try:
        with pytest.raises(StoreError, match="statement timeout"), store._read() as db:
            db.execute("SELECT pg_sleep(2)")
        assert store.healthy()  # the connection went back to the pool in a usable state
    finally:
        store.close()


def test_threads_share_the_pool(url: str) -> None:
    store = PostgresStore(url, pool_size=3)
    ingest(store, *CORPUS)
    results: list[list[str]] = []
    failures: list[BaseException] = []

    def search() -> None:
        try:
            for _ in range(20):
                results.append([p.public_id for p, _ in store.search_passages("gout arthritis", 3)])
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=search) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures and len(results) == 160
        assert all(found == results[0] for found in results) and results[0]
    finally:
        store.close()


def test_a_phrase_with_a_word_too_long_to_index_is_found_nowhere(url: str) -> None:
    """Review: PostgreSQL refused such a tsquery and the store blamed the database; SQLite answers 0."""
    store = PostgresStore(url)
    try:
        assert store.phrase_frequency("x" * 3000 + " y") == 0
        assert store.phrase_frequency("\u4e2d" * 800 + "_x") == 0
    finally:
        store.close()


def test_a_knowledge_base_made_before_identities_gets_one_at_its_first_opening(url: str) -> None:
    store = PostgresStore(url)
    ingest(store, CORPUS[0])
    store.close()
    with psycopg.connect(url) as connection:  # as the schema of version 1 left it
        connection.execute("ALTER TABLE generation DROP COLUMN identity")
        connection.execute("DELETE FROM schema_version WHERE version > 1")
    first, second = PostgresStore(url), PostgresStore(url)
    try:
        assert len(first.identity()) >= 32 and second.identity() == first.identity()
        assert first.generation() == 1 and {s.documents for s in first.sources()} == {1}
    finally:
        first.close()
        second.close()


def _timed(call: Callable[[], object]) -> tuple[str, float]:
    started = time.monotonic()
    try:
        call()
    except StoreError as error:
        return str(error), time.monotonic() - started
    return "ok", time.monotonic() - started


def test_a_busy_pool_is_not_an_unreachable_server(url: str) -> None:
    store = PostgresStore(url, pool_size=2, connect_timeout_s=1.0)
    try:
        def slow() -> None:
            with store._read() as connection:
                connection.execute("SELECT pg_sleep(1.5)")

        sleepers = [threading.Thread(target=slow) for _ in range(2)]
        for sleeper in sleepers:
            sleeper.start()
        time.sleep(0.2)
        waited = _timed(store.generation)  # both connections busy for its whole connect_timeout_s
        for sleeper in sleepers:
            sleeper.join()
        assert waited[0] != "ok" and waited[1] >= 0.9
        assert _timed(store.generation)[0] == "ok"  # at once: nothing marked the server unreachable
    finally:
        store.close()


def test_calls_waiting_on_a_busy_pool_open_no_probe_connections(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = PostgresStore(url, pool_size=2, connect_timeout_s=10.0)
    probes: list[float] = []
    real_connect = psycopg.connect

    def counted(*args: object, **kwargs: object) -> object:
        probes.append(time.monotonic())
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", counted)  # probes only: the pool connects through Connection.connect
    results: list[str] = []

    def work() -> None:
        try:
            with store._read() as connection:
                connection.execute("SELECT pg_sleep(0.4)")
            results.append("ok")
        except StoreError as error:
            results.append(str(error))

    try:
        workers = [threading.Thread(target=work) for _ in range(12)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        monkeypatch.setattr(psycopg, "connect", real_connect)
        store.close()
    assert results == ["ok"] * 12
    assert probes == []  # connections were checked out all along: the server was plainly there


def test_a_server_refusing_more_clients_is_busy_not_unreachable(url: str) -> None:
    """SQLSTATE 53300 ("too many connections"): the pool's only connection dies, another client takes its slot, and
    the probe is refused. That call fails; the next, once the slot is free, is served at once."""
    role = f"healthqa_limited_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(url, autocommit=True)
    PostgresStore(url).close()  # the schema, made by the owner
    admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1')
    admin.execute(f'GRANT USAGE, CREATE ON SCHEMA public TO "{role}"')
    admin.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    limited = url.replace("postgres@", f"{role}@", 1)
    outside: Any = None
    store = PostgresStore(limited, pool_size=1, connect_timeout_s=1.0)
    try:
        assert _timed(store.generation)[0] == "ok"
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
        for _ in range(50):  # the terminated backend leaves its slot a moment later
            try:
                outside = psycopg.connect(limited)
                break
            except psycopg.OperationalError:
                time.sleep(0.05)
        assert outside is not None
        with pytest.raises(psycopg.OperationalError, match="too many connections"):
            psycopg.connect(limited).close()
        refused = _timed(store.generation)
        assert refused[0] != "ok"
        outside.close()
        outside = None
        for _ in range(50):
            if not admin.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (role,)).fetchone()[0]:
                break
            time.sleep(0.05)
        assert _timed(store.generation)[0] == "ok"
    finally:
        if outside is not None:
            outside.close()
        store.close()
        admin.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"')
        admin.execute(f'REVOKE USAGE, CREATE ON SCHEMA public FROM "{role}"')
        admin.execute(f'DROP ROLE "{role}"')
        admin.close()


def test_a_serialization_failure_does_not_mark_the_server_unreachable(url: str) -> None:
    store = PostgresStore(url, pool_size=2)
    ingest(store, CORPUS[0])
    try:
        with pytest.raises(psycopg.errors.SerializationFailure), store._connection() as connection:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.execute("SELECT value FROM generation").fetchone()
            with psycopg.connect(url, autocommit=True) as other:
                other.execute("UPDATE generation SET value = value + 10")
            connection.execute("UPDATE generation SET value = value + 1")
        outcome, seconds = _timed(store.generation)
        assert outcome == "ok" and seconds < 0.5
    finally:
        store.close()
