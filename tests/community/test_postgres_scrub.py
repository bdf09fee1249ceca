"""The PostgreSQL backend under the conditions a review found it failing in: erasure while an older snapshot is
open, a vacuum that fails after the deletion committed, a server restart, writers queueing for the write lock,
and malformed URLs holding a password."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from community.conftest import PASSWORD, Clock, cheap_hasher, member
from community.test_postgres import _pages_holding
from healthqa.community import Community
from healthqa.community import postgres as postgres_module
from healthqa.community.mail import Mailer
from healthqa.community.postgres import IDLE_IN_TRANSACTION_MS, WRITER_LOCK, PostgresDatabase
from healthqa.errors import CommunityNotFoundError, StoreError
from postgres_server import empty_schema


@pytest.fixture()
def server_db(community_server_db: str) -> str:
    empty_schema(community_server_db)
    return community_server_db


def _open(db: PostgresDatabase) -> Community:
    return Community(db, Mailer(db, None), cheap_hasher())


@pytest.fixture()
def community(server_db: str, clock: Clock) -> Iterator[Community]:
    opened = _open(PostgresDatabase(server_db, clock))
    yield opened
    opened.close()


def _ann_with_a_post(community: Community) -> None:
    ann = member(community, "Ann")
    place = community.discussions.join(ann, "ORPHA:43393", "LEMS")
    community.discussions.start(ann, place.id, "Zanzibarquux title", "Zanzibarquux body")


def test_an_erasure_under_an_older_snapshot_stays_pending_until_the_snapshot_ends(
        community: Community, server_db: str) -> None:
    _ann_with_a_post(community)
    ann = community.accounts.by_email("ann@example.org")
    other = psycopg.connect(server_db)  # another session's open transaction: a pg_dump, an analyst, a worker
    try:
        other.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        other.execute("SELECT 1 FROM posts LIMIT 1").fetchall()
        community.accounts.delete(ann, PASSWORD, erase_posts=True)
        assert isinstance(community.db, PostgresDatabase)
        assert community.db.scrub_pending  # VACUUM could not remove the rows that snapshot may see
        assert not community.db.scrub()
        assert _pages_holding(server_db, b"Zanzibarquux") == ["posts"]
    finally:
        other.rollback()
        other.close()
    assert community.db.scrub()
    assert not community.db.scrub_pending
    assert _pages_holding(server_db, b"Zanzibarquux") == []
    assert _pages_holding(server_db, b"ann@example.org") == []


def test_an_erasure_during_healthqas_own_read_waits_for_it(community: Community, server_db: str) -> None:
    _ann_with_a_post(community)
    ann = community.accounts.by_email("ann@example.org")
    reader = threading.Thread(target=lambda: community.db.read().execute("SELECT count(*), pg_sleep(1) FROM posts"))
    reader.start()
    time.sleep(0.3)
    community.accounts.delete(ann, PASSWORD, erase_posts=True)  # waits up to SCRUB_WAIT_SECONDS for the read
    reader.join()
    assert _pages_holding(server_db, b"Zanzibarquux") == []


def test_a_vacuum_failing_after_the_commit_is_not_the_writes_error_and_is_retried(
        server_db: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres_module, "SCRUB_RETRY_SECONDS", 0.2)
    # A statement timeout shorter than the vacuum's lock wait: the vacuum fails with QueryCanceled.
    community = _open(PostgresDatabase(server_db, clock, statement_timeout_ms=300))
    try:
        _ann_with_a_post(community)
        ann = community.accounts.by_email("ann@example.org")
        blocker = psycopg.connect(server_db)  # as a long VACUUM or ANALYZE of the table would
        blocker.execute("LOCK TABLE signin_failures IN SHARE UPDATE EXCLUSIVE MODE")
        try:
            community.accounts.delete(ann, PASSWORD, erase_posts=True)  # no StoreError: the deletion committed
            assert isinstance(community.db, PostgresDatabase) and community.db.scrub_pending
            with pytest.raises(CommunityNotFoundError):  # committed
                community.accounts.by_email("ann@example.org")
        finally:
            blocker.rollback()
            blocker.close()
        deadline = time.monotonic() + 10
        while community.db.scrub_pending and time.monotonic() < deadline:  # no further call: the timer retries
            time.sleep(0.05)
        assert not community.db.scrub_pending
        assert _pages_holding(server_db, b"Zanzibarquux") == []
    finally:
        community.close()


def test_a_server_restart_costs_no_request(community: Community, server_db: str) -> None:
    ann = member(community, "Ann")
    db = community.db
    assert isinstance(db, PostgresDatabase)
    with db.connection("fill") as _, db.connection("fill") as _:  # two pooled connections, both idle after
        pass
    with psycopg.connect(server_db, autocommit=True) as admin:
        ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
    assert ended is not None and ended[0] >= 2
    time.sleep(0.3)
    for _ in range(5):
        assert community.accounts.get(ann.id).display_name == "Ann"
    community.accounts.new_session(ann.id)


def test_writers_waiting_for_the_lock_leave_connections_for_reads(server_db: str, clock: Clock) -> None:
    community = _open(PostgresDatabase(server_db, clock, pool_size=3, connect_timeout_s=2))
    try:
        ann = member(community, "Ann")
        holder = psycopg.connect(server_db)  # another host's write transaction, slow
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        outcomes: list[str] = []
        def write() -> None:
            community.accounts.new_session(ann.id)
            outcomes.append("ok")

        writers = [threading.Thread(target=write) for _ in range(4)]
        for writer in writers:
            writer.start()
        time.sleep(0.5)
        started = time.monotonic()
        assert community.accounts.get(ann.id).display_name == "Ann"
        assert time.monotonic() - started < 1
        holder.rollback()
        holder.close()
        for writer in writers:
            writer.join()
        assert outcomes == ["ok"] * 4
    finally:
        community.close()


def test_connections_end_a_stuck_transaction_and_notice_a_silent_host(community: Community) -> None:
    assert isinstance(community.db, PostgresDatabase)
    with community.db.connection("inspect") as connection:
        row = connection.execute("SELECT setting FROM pg_settings "
                                 "WHERE name = 'idle_in_transaction_session_timeout'").fetchone()
        assert row is not None and int(row[0]) == IDLE_IN_TRANSACTION_MS
        parameters = connection.info.get_parameters()
    assert parameters.get("keepalives") == "1" and int(parameters["keepalives_idle"]) <= 60


@pytest.mark.parametrize("url", [
    "postgresql://hq:s3cr%zzet@127.0.0.1:5432/people",
    "postgresql://hq:s3cret@127.0.0.1:5432/people?bogus=1",
    "postgresql://hq:s3cret@127.0.0.1:abc/people",
    "postgresql://hq:s3cret@[::1/people",
    "postgresql://hq:s3cret@127.0.0.1:5432/people?sslmode=bogus",
])
def test_a_malformed_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(StoreError, match=r"HEALTHQA_COMMUNITY_DB|sslmode") as refused:
        PostgresDatabase(url, lambda: 0.0, connect_timeout_s=2)
    assert "s3cr" not in str(refused.value)
