"""A throwaway PostgreSQL database on the test server (127.0.0.1:5432, trust auth), for store tests.

``HEALTHQA_TEST_PG`` overrides the server's URL (without a database name). Tests skip, with the reason, when
the server cannot be reached or psycopg is not installed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

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
    """New, empty databases on the test server, for one test session; each dropped when asked, or at the end.

    A fresh database costs ~0.1 s with the store's schema (CREATE DATABASE from template1, then the store's own
    migrations when first opened): cheaper than emptying a shared one (TRUNCATE, identity reset), and each gets
    its own random identity, as a real knowledge base does (derived files are checked against it).
    """

    def __init__(self) -> None:
        try:
            import psycopg
        except ImportError as error:
            pytest.skip(f"psycopg is not installed: {error}")
        try:
            self._admin = psycopg.connect(f"{SERVER}/test", autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as error:
            pytest.skip(f"no PostgreSQL server at {SERVER}: {error}".strip())
        self._names: list[str] = []

    def new(self) -> str:
        """The URL of a new database, empty."""
        name = f"healthqa_test_{uuid.uuid4().hex[:12]}"
        self._admin.execute(f'CREATE DATABASE "{name}"'.encode())
        self._names.append(name)
        return f"{SERVER}/{name}"

    def drop(self, url: str) -> None:
        """Drop the database at ``url`` (made by :meth:`new`), closing whatever connections a test left open."""
        name = url.rsplit("/", 1)[1]
        self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
        self._names.remove(name)

    def close(self) -> None:
        for name in list(self._names):
            self.drop(f"{SERVER}/{name}")
        self._admin.close()
