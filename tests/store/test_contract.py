"""The store contract (tests/store/contract.py) run against every backend: SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from healthqa.errors import ConfigError, StoreError
from healthqa.store import SQLiteStore, open_store
from healthqa.store.base import Store
from postgres_server import empty_schema, temporary_database
from store.contract import CHECKS, CORPUS, Backend, ingest


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with temporary_database() as url:
        yield url


@contextmanager
def sqlite_statements(store: Store, callback: Callable[[str], None]) -> Iterator[None]:
    """Runs callback(sql) as each statement of this thread's connection starts (before it reads anything)."""
    assert isinstance(store, SQLiteStore)
    connection = store._db  # the connection of the calling thread
    connection.set_trace_callback(callback)
    try:
        yield
    finally:
        connection.set_trace_callback(None)


@contextmanager
def postgres_statements(store: Store, callback: Callable[[str], None]) -> Iterator[None]:
    """Runs callback(sql) before each ``Connection.execute`` in this thread (any store's: callers filter)."""
    import psycopg

    original = psycopg.Connection.execute
    thread = threading.get_ident()

    def execute(self: psycopg.Connection[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == thread:
            callback(query.decode() if isinstance(query, bytes) else str(query))
        return original(self, query, *args, **kwargs)

    psycopg.Connection.execute = execute  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.Connection.execute = original  # type: ignore[method-assign]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    opener: Callable[[], Store]
    statements = sqlite_statements
    if request.param == "sqlite":
        path = tmp_path / "kb.db"
        opener = lambda: SQLiteStore(path)  # noqa: E731

        def recreate() -> None:
            for leftover in tmp_path.glob("kb.db*"):
                leftover.unlink()
    else:
        url = request.getfixturevalue("postgres_url")
        empty_schema(url)
        from healthqa.store.postgres import PostgresStore

        opener = lambda: PostgresStore(url, pool_size=4)  # noqa: E731
        statements = postgres_statements

        def recreate() -> None:
            empty_schema(url)
    backend = Backend(opener, statements, recreate)
    yield backend
    backend.close_all()


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__.removeprefix("check_") for c in CHECKS])
def test_contract(backend: Backend, check: Callable[[Backend], None]) -> None:
    check(backend)


def test_both_backends_answer_the_same_up_to_row_ids(tmp_path: Path, postgres_url: str) -> None:
    empty_schema(postgres_url)
    sqlite = SQLiteStore(tmp_path / "kb.db")
    postgres = open_store(postgres_url)
    try:
        for store in (sqlite, postgres):
            ingest(store, *CORPUS)
        assert sqlite.sources() == postgres.sources()
        for query in ("painful gout arthritis", "what causes lambert eaton", "joint inflammation"):
            assert sqlite.search_passages(query, 10)
            for a, b in ((sqlite.search_passages(query, 10), postgres.search_passages(query, 10)),
                         (sqlite.search_questions(query, 10), postgres.search_questions(query, 10))):
                assert [r.public_id for r, _ in a] == [r.public_id for r, _ in b]
                assert [s for _, s in a] == pytest.approx([s for _, s in b], rel=1e-12)
        for key in ("c:gout", "c:lems", "c:arthritis"):
            a, b = sqlite.document(key), postgres.document(key)
            assert (a.title, a.names, a.codes, [p.public_id for p in a.passages]) == (
                b.title, b.names, b.codes, [p.public_id for p in b.passages])
        for phrase in ("uric acid", "arthritis", "lambert eaton myasthenic"):
            assert sqlite.phrase_frequency(phrase) == postgres.phrase_frequency(phrase)
    finally:
        sqlite.close()
        postgres.close()


def test_open_store_opens_postgresql_urls(postgres_url: str) -> None:
    empty_schema(postgres_url)
    store = open_store(postgres_url)
    try:
        assert store.healthy() and store.sources() == [] and store.generation() == 0
    finally:
        store.close()


def test_an_unreachable_postgresql_server_is_a_clear_error() -> None:
    pytest.importorskip("psycopg")
    from healthqa.store.postgres import PostgresStore

    with pytest.raises(StoreError, match=r"postgresql://nobody@127\.0\.0\.1:9/kb: cannot open") as raised:
        PostgresStore("postgresql://nobody:secret@127.0.0.1:9/kb", connect_timeout_s=1)
    assert "secret" not in str(raised.value)
    assert not isinstance(raised.value, ConfigError)
