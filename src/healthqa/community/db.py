"""The community's own database: what every backend offers (:class:`Database`), and the SQLite file.

People's accounts and posts live here, never in the knowledge base (which ``healthqa ingest`` rebuilds). The
SQL the other modules write is the dialect both backends share (``?`` parameters, ``RETURNING``,
``ON CONFLICT``, a ``rowid`` column where a row needs a number); the PostgreSQL backend is
:mod:`healthqa.community.postgres`.

SQLite: ``secure_delete`` is on, so that what is deleted is overwritten in the file, not only unlinked; WAL lets
the server's workers read while one writes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from healthqa.errors import StoreError

Clock = Callable[[], float]
# How long deleting waits for readers of an older snapshot before the log file can be emptied (see scrub).
SCRUB_WAIT_SECONDS = 2.0
BUSY_TIMEOUT_MS = 30_000
# Columns added after the first release, for files made before them: (table, column, definition).
_ADDED_COLUMNS = (
    ("outbox", "attempts", "INTEGER NOT NULL DEFAULT 0"),
    ("outbox", "next_try_at", "REAL NOT NULL DEFAULT 0"),
    ("accounts", "name_key", "TEXT"),
    ("personal_tokens", "expires_at", "REAL"),
)

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,            -- lower-cased
    display_name TEXT NOT NULL,
    name_key TEXT,                         -- what two names may not share (accounts.name_key)
    password_hash TEXT NOT NULL,
    consent_at REAL NOT NULL,              -- when they agreed that what they write about their health is stored
    verified_at REAL,
    created_at REAL NOT NULL,
    moderator INTEGER NOT NULL DEFAULT 0,
    suspended_until REAL                   -- NULL: not suspended
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,           -- sha256 of the cookie's value; the value itself is never stored
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS personal_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL                        -- NULL (tokens made before expiry): created_at + PERSONAL_TOKEN_DAYS
);
CREATE TABLE IF NOT EXISTS one_time_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,                 -- 'verify' or 'reset'
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS signin_failures (
    key TEXT NOT NULL,                     -- 'email:' + sha256 of the address, or 'ip:' + the client address
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS signin_failures_key ON signin_failures(key, at);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,   -- tries to send it by SMTP so far
    next_try_at REAL NOT NULL DEFAULT 0    -- when the sender may (re)try it
);
CREATE TABLE IF NOT EXISTS communities (
    id INTEGER PRIMARY KEY,
    condition_ref TEXT NOT NULL UNIQUE,    -- the condition record's reference (ORPHA:43393, a document key)
    name TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS memberships (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    joined_at REAL NOT NULL,
    PRIMARY KEY (community_id, account_id)
);
CREATE TABLE IF NOT EXISTS posts (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    thread_id INTEGER REFERENCES posts(id) ON DELETE CASCADE,  -- NULL: this post opens a discussion
    author_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,  -- NULL: a former member's
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',          -- '', 'patient', 'family', 'professional'
    created_at REAL NOT NULL,
    edited_at REAL,
    hidden INTEGER NOT NULL DEFAULT 0,
    emergency INTEGER NOT NULL DEFAULT 0    -- sounded like an emergency: flagged to moderators
);
CREATE INDEX IF NOT EXISTS posts_thread ON posts(thread_id, created_at);
CREATE INDEX IF NOT EXISTS posts_community ON posts(community_id, created_at);
CREATE INDEX IF NOT EXISTS posts_author ON posts(author_id, created_at);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    reporter_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    created_at REAL NOT NULL,
    resolved_at REAL
);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    moderator_name TEXT NOT NULL,          -- kept after the moderator's account is deleted
    moderator_id INTEGER,
    action TEXT NOT NULL,
    target TEXT NOT NULL,                  -- 'post 12', 'account 3': ids, never text
    reason TEXT NOT NULL,
    at REAL NOT NULL
);
"""


class Rows(Protocol):
    """What a statement gives back: rows that are tuples whose values can also be had by column name."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A connection in the shared dialect: ``?`` parameters."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Rows: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Rows: ...


class Database(Protocol):
    """The community database, whichever backend holds it. Every method is safe from many threads."""

    clock: Clock

    def read(self) -> Connection:
        """For reads: each statement sees the latest committed state."""

    def write(self) -> AbstractContextManager[Connection]:
        """One write transaction at a time (across processes too): committed on success, rolled back on error.
        What is counted inside it (sign-in failures, a new account's posts) cannot change before it commits."""

    def scrub(self) -> bool:
        """Make what was just deleted unreadable outside the database too; False when put off for now."""

    def secret(self) -> bytes:
        """The key that derives CSRF tokens: one per database, shared by every worker and host."""

    def now(self) -> float: ...

    def close(self) -> None: ...


def _until_unlocked(statement: Callable[[], object]) -> None:
    """Run ``statement`` again while SQLite says "database is locked", up to BUSY_TIMEOUT_MS.

    Switching to WAL and creating the schema need locks for which SQLite does not always wait (its busy handler
    is skipped where waiting could deadlock), so two processes opening a new file at once (two hosts or workers
    starting together) could fail at once instead of taking turns."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            statement()
            return
        except sqlite3.OperationalError as error:
            if ("locked" not in str(error) and "busy" not in str(error).lower()) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class SQLiteDatabase:
    """One connection per thread to the community file, created with its schema on first open."""

    def __init__(self, path: str | Path, clock: Clock = time.time) -> None:
        self.path = str(path)
        self.clock = clock
        self._local = threading.local()
        parent = Path(self.path).parent
        if not parent.is_dir():
            raise StoreError(f"{self.path}: the folder of the community database does not exist")
        self._scrub_pending = False
        # IF NOT EXISTS: every worker of every host may run it, at the same moment.
        _until_unlocked(lambda: self.connection().executescript(SCHEMA))
        with self.write() as db:
            marked = db.execute("SELECT value FROM settings WHERE name = 'schema_version'").fetchone()
            if marked is not None and int(marked["value"]) > SCHEMA_VERSION:
                # A newer healthqa's file: its columns and meanings may differ; writing to it could damage it.
                raise StoreError(f"{self.path}: the community schema is version {marked['value']}, newer than "
                                 f"this healthqa's ({SCHEMA_VERSION})")
            for table, column, definition in _ADDED_COLUMNS:
                present = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
            db.execute("CREATE INDEX IF NOT EXISTS accounts_name_key ON accounts(name_key)")
            db.execute("INSERT OR IGNORE INTO settings VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            db.execute("INSERT OR IGNORE INTO settings VALUES ('secret', ?)", (secrets.token_hex(32),))
        with contextlib.suppress(OSError):  # people's email addresses and health posts: the owner only
            os.chmod(self.path, 0o600)

    def connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            try:
                db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                     check_same_thread=True)
            except sqlite3.Error as error:
                raise StoreError(f"{self.path}: cannot open the community database ({error})") from None
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA secure_delete = ON")
            _until_unlocked(lambda: db.execute("PRAGMA journal_mode = WAL"))
            db.execute("PRAGMA synchronous = FULL")  # an acknowledged post survives a crash
            self._local.db = db
        return db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE): committed on success, rolled back on any error."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if self._scrub_pending:  # an earlier scrub met a reader: try again, without waiting this time
            self._checkpoint(0)

    def scrub(self) -> bool:
        """Move the write-ahead log into the file and empty it, so that what was just deleted is in no file
        (``secure_delete`` overwrites it in the database file; the ``-wal`` file would keep the old pages).

        A reader of an older snapshot (another worker mid-read) keeps the log from being emptied: this waits
        for it up to ``SCRUB_WAIT_SECONDS``. False when one still reads then; the log is then emptied after a
        later write of this process once no such reader is left (docs/privacy.md states this limit)."""
        return self._checkpoint(int(SCRUB_WAIT_SECONDS * 1000))

    def _checkpoint(self, wait_ms: int) -> bool:
        db = self.connection()
        db.execute(f"PRAGMA busy_timeout = {wait_ms}")
        try:
            busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._scrub_pending = bool(busy)
        return not busy

    def read(self) -> sqlite3.Connection:
        return self.connection()

    def secret(self) -> bytes:
        row = self.read().execute("SELECT value FROM settings WHERE name = 'secret'").fetchone()
        return bytes.fromhex(row["value"])

    def now(self) -> float:
        return self.clock()

    def close(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
