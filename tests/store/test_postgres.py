"""What only the PostgreSQL backend has: numbered migrations, the writer's lock wait, statement timeouts, a pool
shared by threads. The behaviour both backends share is in tests/store/contract.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator

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
