"""A throwaway PostgreSQL database on the test server (127.0.0.1:5432, trust auth), for store tests.

``HEALTHQA_TEST_PG`` overrides the server's URL (without a database name). Tests skip, with the reason, when
the server cannot be reached or psycopg is not installed.
"""

from __future__ import annotations

import os
import queue
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import psycopg

SERVER = os.environ.get("HEALTHQA_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


@contextmanager
def temporary_database() -> Iterator[str]:
    """The URL of a new, uniquely named database, dropped on exit."""
    try:
        import psycopg
    except ImportError as error:
        pytest.skip(f"psycopg is not installed: {error}")
    name = f"healthqa_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(f"{SERVER}/test", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server at {SERVER}: {error}".strip())
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_schema(url: str) -> None:
    """Drop everything in the database's public schema, so that the next store starts from nothing."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


class Databases:
    """Databases on the test server for one test session, handed out empty (:meth:`new`) and given back
    (:meth:`release`) to be emptied in the background for the next test; all dropped by :meth:`close`.

    Reused, not dropped: DROP DATABASE forces a checkpoint (seconds on a busy machine, for the whole server),
    whereas emptying the schema costs ~0.2 s and happens while the next tests run. An emptied database gets a
    new random identity from the store's migrations when next opened, as a new knowledge base does.
    """

    def __init__(self) -> None:
        self._admin = _admin_connection()
        self._names: list[str] = []
        self._empty: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._released: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._failures: list[str] = []
        self._emptier = threading.Thread(target=self._empty_released, name="empty-test-databases", daemon=True)
        self._emptier.start()

    def new(self) -> str:
        """The URL of a database holding nothing (no schema)."""
        try:
            return self._empty.get_nowait()
        except queue.Empty:
            pass
        name = f"healthqa_test_{uuid.uuid4().hex[:12]}"
        self._admin.execute(f'CREATE DATABASE "{name}"'.encode())
        self._names.append(name)
        return f"{SERVER}/{name}"

    def release(self, url: str) -> None:
        """``url`` (from :meth:`new`) is no longer used: it is emptied, then handed out again."""
        self._released.put(url)

    def _empty_released(self) -> None:
        import psycopg

        with psycopg.connect(f"{SERVER}/test", autocommit=True) as admin:
            while (url := self._released.get()) is not None:
                try:
                    # A store a test left open would hold its connections (and DROP SCHEMA would wait on one
                    # inside a transaction): closed, as DROP DATABASE ... WITH (FORCE) would.
                    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = %s AND pid <> pg_backend_pid()", (url.rsplit("/", 1)[1],))
                    empty_schema(url)
                except psycopg.Error as error:  # left out of the pool; dropped at the end
                    self._failures.append(f"{url}: {error}")
                else:
                    self._empty.put(url)

    def close(self) -> None:
        self._released.put(None)
        self._emptier.join()
        for name in self._names:
            self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
        self._admin.close()
        assert not self._failures, f"test databases that could not be emptied: {self._failures}"


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the server's ``test`` database (skips the test, saying why, when there is none)."""
    try:
        import psycopg
    except ImportError as error:
        pytest.skip(f"psycopg is not installed: {error}")
    try:
        return psycopg.connect(f"{SERVER}/test", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server at {SERVER}: {error}".strip())
