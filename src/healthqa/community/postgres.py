"""The communities in a PostgreSQL database (``HEALTHQA_COMMUNITY_DB=postgresql://...``), for several hosts.

The same SQL as the SQLite file's (:mod:`healthqa.community.db`): ``?`` parameters become psycopg's, and rows
are tuples whose values can also be had by column name, as ``sqlite3.Row``'s.

- Connections come from a pool (psycopg_pool); every statement runs under ``statement_timeout``.
- A read is one statement on a connection in autocommit mode: it sees what was committed when it began, as a
  SQLite read outside a transaction does.
- One write transaction at a time, across processes and hosts, as SQLite's ``BEGIN IMMEDIATE`` gives: each
  holds a transaction-level advisory lock, so that what it counts (sign-in failures, a new account's posts,
  a display name taken) cannot change before it commits. A writer waits up to ``writer_wait_s`` for the lock,
  then fails with StoreError. Commits are synchronous (the server's default): an acknowledged post survives a
  crash of either side.
- Deleting: the rows go, and :meth:`PostgresDatabase.scrub` then vacuums the tables that hold people's words or
  addresses, so that no table or index keeps the deleted rows' values (docs/privacy.md says what the
  server's own files may still hold).
- The schema's migrations are numbered (:mod:`healthqa.community._pg_schema`) and recorded in
  ``community_schema_version``.
- Errors are StoreError; their messages name the database without its password.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from healthqa.community._pg_schema import MIGRATIONS, PERSONAL_TABLES, SCHEMA_VERSION
from healthqa.community.db import BUSY_TIMEOUT_MS, SCRUB_WAIT_SECONDS, Clock, Rows
from healthqa.errors import StoreError

# pg_advisory locks are per database; these differ from the knowledge base's, which may share the database.
WRITER_LOCK = 0x6871636F6D6D756E  # "hqcommun"
MIGRATION_LOCK = WRITER_LOCK + 1


def safe_url(url: str) -> str:
    """The URL without its password, for error messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the PostgreSQL community database"
    user, host, port, name = (info.get(key, "") for key in ("user", "host", "port", "dbname"))
    return f"postgresql://{user}@{host}:{port or 5432}/{name}"


class Row(tuple[Any, ...]):
    """A row as ``sqlite3.Row`` gives it: a tuple, whose values can also be had by column name (and so
    ``dict(row)`` maps names to values)."""

    _columns: dict[str, int]

    def __new__(cls, values: Sequence[Any], columns: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._columns = columns
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self._columns[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        return list(self._columns)


def _row_maker(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    columns = {column.name: index for index, column in enumerate(cursor.description or ())}
    return lambda values: Row(values, columns)


@functools.lru_cache(maxsize=512)
def _dialect(sql: str) -> bytes:
    """The shared dialect's statement for psycopg: ``?`` -> ``%s`` (no community statement quotes a ``?``)."""
    return sql.replace("%", "%%").replace("?", "%s").encode("utf-8")


class _Fetched:
    """A read's rows, fetched before its connection went back to the pool."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self._rowcount = rowcount

    @property
    def rowcount(self) -> int:
        return self._rowcount

    def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class _Transaction:
    """The connection of an open write transaction, in the shared dialect."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Rows:
        cursor: Rows = self._connection.execute(_dialect(sql), tuple(parameters))
        return cursor

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Rows:
        cursor = self._connection.cursor()
        cursor.executemany(_dialect(sql), [tuple(values) for values in parameters])
        found: Rows = cursor
        return found


class _Reader:
    """Reads outside a transaction: each statement borrows a pooled connection and returns it at once."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Rows:
        with self._database.connection("read the community database") as connection:
            cursor = connection.execute(_dialect(sql), tuple(parameters))
            return _Fetched(cursor.fetchall() if cursor.description else [], cursor.rowcount)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Rows:
        with self._database.write() as transaction:
            return transaction.executemany(sql, parameters)


class PostgresDatabase:
    """The community database on a PostgreSQL server, created (migrated) on first open."""

    def __init__(self, url: str, clock: Clock, *, pool_size: int = 10, statement_timeout_ms: int = 30_000,
                 writer_wait_s: float = BUSY_TIMEOUT_MS / 1000, connect_timeout_s: float = 10.0) -> None:
        self.url = url
        self.clock = clock
        self._name = safe_url(url)
        self._statement_timeout_ms = int(statement_timeout_ms)
        self._writer_wait_ms = int(writer_wait_s * 1000)
        self._scrub_pending = False
        self._secret: bytes | None = None
        self._pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=1, max_size=pool_size, open=False, configure=self._configure,
            timeout=connect_timeout_s, name="healthqa-community",
            kwargs={"connect_timeout": max(1, int(connect_timeout_s)), "autocommit": True,
                    "row_factory": _row_maker},
        )
        try:
            # One plain connection first: a server that is down or refuses us fails at once, where the pool
            # would keep trying until its timeout.
            psycopg.connect(url, connect_timeout=max(1, int(connect_timeout_s))).close()
            self._pool.open(wait=True, timeout=connect_timeout_s)
            self._migrate()
        except (PoolTimeout, psycopg.Error) as error:
            self._pool.close()
            raise StoreError(f"{self._name}: cannot open the community database: {error}") from None
        except BaseException:
            self._pool.close()
            raise

    def _configure(self, connection: psycopg.Connection[Any]) -> None:
        connection.execute(f"SET statement_timeout = {self._statement_timeout_ms}".encode())

    @contextmanager
    def connection(self, doing: str) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection (autocommit); the driver's errors as StoreError, saying what failed."""
        try:
            with self._pool.connection() as connection:
                yield connection
        except psycopg.errors.QueryCanceled as error:
            raise StoreError(f"{self._name}: could not {doing} within the statement timeout: {error}") from None
        except psycopg.errors.LockNotAvailable as error:
            raise StoreError(f"{self._name}: could not {doing}: another writer held it too long: {error}") from None
        except (PoolTimeout, psycopg.Error) as error:
            raise StoreError(f"{self._name}: could not {doing}: {error}") from None

    def _migrate(self) -> None:
        with self._pool.connection() as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            connection.execute("CREATE TABLE IF NOT EXISTS community_schema_version (version INTEGER NOT NULL)")
            row = connection.execute("SELECT max(version) FROM community_schema_version").fetchone()
            current = 0 if row is None or row[0] is None else int(row[0])
            if current > SCHEMA_VERSION:
                raise StoreError(f"{self._name}: the community schema is version {current}, newer than this "
                                 f"healthqa's ({SCHEMA_VERSION})")
            for number, script in MIGRATIONS:
                if number > current:
                    connection.execute(script.encode("utf-8"))
                    connection.execute("INSERT INTO community_schema_version (version) VALUES (%s)", (number,))
            connection.execute("INSERT INTO settings VALUES ('secret', %s) ON CONFLICT DO NOTHING",
                               (secrets.token_hex(32),))

    # -- the Database interface (healthqa.community.db) ---------------------------------------------------

    def read(self) -> _Reader:
        return _Reader(self)

    @contextmanager
    def write(self) -> Iterator[_Transaction]:
        with self.connection("write to the community database") as connection, connection.transaction():
            connection.execute(f"SET LOCAL lock_timeout = {self._writer_wait_ms}".encode())
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
            connection.execute("SET LOCAL lock_timeout = 0")
            yield _Transaction(connection)
        if self._scrub_pending:  # an earlier scrub could not vacuum then: try again, without waiting this time
            self._vacuum(1)

    def scrub(self) -> bool:
        """Vacuum the tables that hold people's words or addresses, so that deleted rows leave every table and
        index. Another vacuum of them keeps this one waiting up to ``SCRUB_WAIT_SECONDS``; False when it was
        still running then: the vacuum is tried again after a later write of this process."""
        return self._vacuum(int(SCRUB_WAIT_SECONDS * 1000))

    def _vacuum(self, wait_ms: int) -> bool:
        # VACUUM cannot run in a transaction: the pooled connections are in autocommit mode.
        with self.connection("vacuum the community database") as connection:
            connection.execute(f"SET lock_timeout = {max(1, wait_ms)}".encode())
            try:
                connection.execute(f"VACUUM (INDEX_CLEANUP ON) {', '.join(PERSONAL_TABLES)}".encode())
                self._scrub_pending = False
            except psycopg.errors.LockNotAvailable:
                self._scrub_pending = True
            finally:
                connection.execute("RESET lock_timeout")
        return not self._scrub_pending

    def secret(self) -> bytes:
        if self._secret is None:  # made once by the first migration; it never changes
            row = self.read().execute("SELECT value FROM settings WHERE name = 'secret'").fetchone()
            self._secret = bytes.fromhex(row["value"])
        return self._secret

    def now(self) -> float:
        return self.clock()

    def close(self) -> None:
        self._pool.close()
