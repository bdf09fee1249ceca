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
- Deleting: the rows go, and :meth:`PostgresDatabase.scrub` then has the tables that hold people's words or
  addresses vacuumed, so that no table or index keeps the deleted rows' values (docs/privacy.md says what
  the server's own files may still hold). VACUUM cannot remove a row that a snapshot older than its deletion
  may still see (another request's read in flight, a pg_dump, someone's open transaction), and says so only
  in its report: a background thread (``healthqa-community-scrub``) first waits for such snapshots to end,
  then vacuums, then reads VACUUM's report; until a vacuum has removed every dead row the scrub stays
  pending and is tried again every ``SCRUB_RETRY_SECONDS``. A write never vacuums, so a failed vacuum never
  turns a committed write into an error.
- Connections are checked before they are lent (a server restart costs no request), have TCP keepalives (a
  vanished host's connection, and its lock, go within about a minute) and ``idle_in_transaction_session_timeout``
  (a frozen writer cannot hold the write lock for ever).
- The schema's migrations are numbered (:mod:`healthqa.community._pg_schema`) and recorded in
  ``community_schema_version``.
- Errors are StoreError; their messages name the database without its password.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
import threading
import time
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
MIGRATION_TIMEOUT_MS = 60_000  # each statement of the schema's creation, whatever a request's timeout
# A pending scrub (its vacuum left dead rows, failed, or met a concurrent one) is tried again this often.
SCRUB_RETRY_SECONDS = 30.0
# How long one try waits for snapshots older than the deletion to end before it puts the vacuum off.
SNAPSHOT_WAIT_SECONDS = 10.0
# A write transaction left open this long by a frozen or vanished client is ended by the server (its locks go).
IDLE_IN_TRANSACTION_MS = 60_000
# TCP keepalives: a connection whose host has gone silent is found dead after about 30 + 3 * 10 seconds.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}

log = logging.getLogger(__name__)

# Backends of this database (and prepared transactions, replication slots) whose snapshot may still see rows
# deleted before ``horizon`` (a full transaction id taken after the deletion committed): VACUUM keeps those.
_OLDER_SNAPSHOTS = """
WITH next AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xid)
SELECT (SELECT count(*) FROM pg_stat_activity, next WHERE datname = current_database()
            AND pid <> pg_backend_pid()
            AND greatest(age(backend_xmin), age(backend_xid)) > next.xid - %(horizon)s)
     + (SELECT count(*) FROM pg_prepared_xacts, next WHERE database = current_database()
            AND age(transaction) > next.xid - %(horizon)s)
     + (SELECT count(*) FROM pg_replication_slots, next
            WHERE greatest(age(xmin), age(catalog_xmin)) > next.xid - %(horizon)s)
"""
# What VACUUM (VERBOSE) reports of the dead rows it had to keep (PostgreSQL 14+, and 13's wording).
_KEPT_DEAD_ROWS = re.compile(r"(\d+) are dead but not yet removable|tuples missed: (\d+) dead|"
                             r"(\d+) dead row versions cannot be removed yet")


def _unreadable_url(url: str) -> str | None:
    """Why libpq cannot read ``url``, in our words (its own message quotes the URL, password and all), or None."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return ("HEALTHQA_COMMUNITY_DB is not a valid PostgreSQL URL (postgresql://user:password@host:port/name; "
                "a password with '%', '@', ':' or '/' must be percent-encoded)")
    port = str(info.get("port", "5432"))
    if not all(part.isdigit() for part in port.split(",")):
        return "HEALTHQA_COMMUNITY_DB's port is not a number"
    return None


def _without_password(url: str, text: str) -> str:
    """``text`` with the URL's password (as written, and decoded) taken out."""
    try:
        password = psycopg.conninfo.conninfo_to_dict(url).get("password")
    except psycopg.ProgrammingError:
        password = None
    secrets_in_url = {str(password)} if password else set()
    if "@" in url and "://" in url:  # the userinfo as written, percent-encoded or not
        userinfo = url.split("://", 1)[1].split("@", 1)[0]
        if ":" in userinfo:
            secrets_in_url.add(userinfo.split(":", 1)[1])
    for secret in sorted(secrets_in_url, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _scalar(connection: psycopg.Connection[Any], sql: str, parameters: dict[str, Any]) -> int:
    row = connection.execute(sql.encode("utf-8"), parameters).fetchone()
    return 0 if row is None or row[0] is None else int(row[0])


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
        self._writer_wait_s = float(writer_wait_s)
        self._writer_wait_ms = int(writer_wait_s * 1000)
        # Writers of this process queue here, not each on a pooled connection waiting for the advisory lock
        # (which left none for reads).
        self._write_turn = threading.Lock()
        self._secret: bytes | None = None
        # Scrubs: each asked for gets a number; the background thread records the last one it completed.
        self._scrub_state = threading.Condition()
        self._scrubs_asked = 0
        self._scrubs_done = 0
        self._scrub_pending = False
        self._closing = False
        self._scrubber: threading.Thread | None = None
        unreadable = _unreadable_url(url)
        if unreadable is not None:
            raise StoreError(f"{self._name}: cannot open the community database: {unreadable}")
        connect_kwargs: dict[str, Any] = {"connect_timeout": max(1, int(connect_timeout_s)), **KEEPALIVES}
        self._pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=1, max_size=pool_size, open=False, configure=self._configure,
            timeout=connect_timeout_s, name="healthqa-community",
            kwargs={**connect_kwargs, "autocommit": True, "row_factory": _row_maker},
        )
        try:
            # One plain connection first: a server that is down or refuses us fails at once, where the pool
            # would keep trying until its timeout.
            psycopg.connect(url, **connect_kwargs).close()
            self._pool.open(wait=True, timeout=connect_timeout_s)
            self._migrate()
        except (PoolTimeout, psycopg.Error) as error:
            self._pool.close()
            raise StoreError(f"{self._name}: cannot open the community database: "
                             f"{_without_password(url, str(error))}") from None
        except BaseException:
            self._pool.close()
            raise
        self._scrubber = threading.Thread(target=self._scrub_loop, name="healthqa-community-scrub", daemon=True)
        self._scrubber.start()

    def _configure(self, connection: psycopg.Connection[Any]) -> None:
        connection.execute(f"SET statement_timeout = {self._statement_timeout_ms}".encode())
        connection.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}".encode())

    @contextmanager
    def connection(self, doing: str) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection (autocommit); the driver's errors as StoreError, saying what failed."""
        try:
            connection = self._borrow()
            try:
                yield connection
            finally:
                self._pool.putconn(connection)
        except psycopg.errors.QueryCanceled as error:
            raise StoreError(f"{self._name}: could not {doing} within the statement timeout: {error}") from None
        except psycopg.errors.LockNotAvailable as error:
            raise StoreError(f"{self._name}: could not {doing}: another writer held it too long: {error}") from None
        except (PoolTimeout, psycopg.Error) as error:
            raise StoreError(f"{self._name}: could not {doing}: {error}") from None

    def _borrow(self) -> psycopg.Connection[Any]:
        """A pooled connection that works. A server restart ends every idle connection at once: the first one
        found broken has them all checked and replaced now (the pool's own ``check`` would retry one at a time
        after a growing delay, failing requests meanwhile)."""
        connection: psycopg.Connection[Any] = self._pool.getconn()
        try:
            ConnectionPool.check_connection(connection)
        except psycopg.Error:
            self._pool.putconn(connection)  # broken: the pool discards it
            self._pool.check()
            connection = self._pool.getconn()
        return connection

    def _migrate(self) -> None:
        with self._pool.connection() as connection, connection.transaction():
            # The schema is made once, by the first host to start, while others wait for the lock: a request's
            # statement timeout would fail a start on a loaded server, so the migration has its own.
            timeout = max(self._statement_timeout_ms, MIGRATION_TIMEOUT_MS)
            connection.execute(f"SET LOCAL statement_timeout = {timeout}".encode())
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
        if not self._write_turn.acquire(timeout=self._writer_wait_s):
            raise StoreError(f"{self._name}: could not write to the community database: another writer of this "
                             "process held it too long")
        try:
            with self.connection("write to the community database") as connection, connection.transaction():
                connection.execute(f"SET LOCAL lock_timeout = {self._writer_wait_ms}".encode())
                connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
                connection.execute("SET LOCAL lock_timeout = 0")
                yield _Transaction(connection)
        finally:
            self._write_turn.release()

    def scrub(self) -> bool:
        """Have the tables that hold people's words or addresses vacuumed, so that rows deleted before this call
        leave every table and index. Waits for that up to ``SCRUB_WAIT_SECONDS``; False when it is not done
        then (a snapshot older than the deletion still open, a vacuum that failed or met another): the
        background thread goes on trying. Never raises: the deletion has committed whatever happens here."""
        with self._scrub_state:
            self._scrubs_asked += 1
            number = self._scrubs_asked
            self._scrub_pending = True
            self._scrub_state.notify_all()
            self._scrub_state.wait_for(lambda: self._scrubs_done >= number or self._closing,
                                       timeout=SCRUB_WAIT_SECONDS)
            return self._scrubs_done >= number

    @property
    def scrub_pending(self) -> bool:
        """Whether a deletion's rows may still be in a table's or index's pages (a scrub not yet done)."""
        with self._scrub_state:
            return self._scrub_pending

    def _scrub_loop(self) -> None:
        failed = False
        while True:
            with self._scrub_state:
                if failed:  # try again after a while, or at once when asked again
                    self._scrub_state.wait(timeout=SCRUB_RETRY_SECONDS)
                else:
                    self._scrub_state.wait_for(lambda: self._closing or self._scrubs_asked > self._scrubs_done)
                if self._closing:
                    return
                number = self._scrubs_asked
                if number <= self._scrubs_done:
                    failed = False
                    continue
            done = self._try_scrub()
            with self._scrub_state:
                if done:
                    self._scrubs_done = max(self._scrubs_done, number)
                self._scrub_pending = self._scrubs_asked > self._scrubs_done
                self._scrub_state.notify_all()
            failed = not done

    def _try_scrub(self) -> bool:
        """One try: wait for older snapshots, vacuum, and check that no dead row was kept. Never raises; a
        failure is logged by its type only (a driver's message may quote a statement's values)."""
        try:
            with self.connection("vacuum the community database") as connection:
                # A transaction number not yet given when this runs, so after the deletion's commit.
                horizon = _scalar(connection, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint", {})
                deadline = time.monotonic() + SNAPSHOT_WAIT_SECONDS
                while _scalar(connection, _OLDER_SNAPSHOTS, {"horizon": horizon}):
                    if self._closing or time.monotonic() >= deadline:
                        log.info("community scrub put off: a snapshot older than the deletion is still open")
                        return False
                    time.sleep(0.05)
                return self._vacuum(connection)
        except Exception as error:  # any: the thread must live on, and the scrub stays pending
            log.warning("community scrub put off: %s", type(error).__name__)
            return False

    def _vacuum(self, connection: psycopg.Connection[Any]) -> bool:
        reports: list[str] = []

        def keep(diagnostic: psycopg.errors.Diagnostic) -> None:
            reports.append(diagnostic.message_primary or "")

        # VACUUM cannot run in a transaction: the pooled connections are in autocommit mode. Another vacuum of
        # these tables (autovacuum) holds a lock it waits for only briefly: the retry comes later.
        connection.execute(f"SET lock_timeout = {int(SCRUB_WAIT_SECONDS * 1000)}".encode())
        connection.add_notice_handler(keep)
        try:
            connection.execute(f"VACUUM (VERBOSE, INDEX_CLEANUP ON) {', '.join(PERSONAL_TABLES)}".encode())
        except psycopg.errors.LockNotAvailable:
            log.info("community scrub put off: another vacuum of the tables was running")
            return False
        finally:
            connection.remove_notice_handler(keep)
            connection.execute("RESET lock_timeout")
        kept = sum(int(next(group for group in found.groups() if group))
                   for report in reports for found in _KEPT_DEAD_ROWS.finditer(report))
        if kept:
            log.info("community scrub put off: VACUUM had to keep %d dead rows", kept)
        return not kept

    def secret(self) -> bytes:
        if self._secret is None:  # made once by the first migration; it never changes
            row = self.read().execute("SELECT value FROM settings WHERE name = 'secret'").fetchone()
            self._secret = bytes.fromhex(row["value"])
        return self._secret

    def now(self) -> float:
        return self.clock()

    def close(self) -> None:
        with self._scrub_state:
            self._closing = True
            self._scrub_state.notify_all()
        if self._scrubber is not None:
            self._scrubber.join(timeout=self._statement_timeout_ms / 1000 + 5)
        self._pool.close()
