"""What only the PostgreSQL backend has: erasure out of every table and index (read from the pages
themselves), numbered migrations, timeouts and errors that never show the password, and one writer at a time
across processes. The behaviour both backends share is tested on both by the other modules (conftest)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from community.conftest import PASSWORD, Clock, cheap_hasher, member
from healthqa.community import Community
from healthqa.community._pg_schema import SCHEMA_VERSION
from healthqa.community.discussions import NEW_POSTS_PER_HOUR
from healthqa.community.postgres import PostgresDatabase
from healthqa.errors import PostingLimitError, StoreError
from postgres_server import empty_schema


@pytest.fixture()
def server_db(community_server_db: str) -> str:
    empty_schema(community_server_db)
    return community_server_db


@pytest.fixture()
def community(server_db: str, clock: Clock) -> Iterator[Community]:
    opened = Community.open(server_db, hasher=cheap_hasher(), clock=clock)
    yield opened
    opened.close()


def _pages_holding(url: str, marker: bytes) -> list[str]:
    """The tables and indexes of the public schema with a tuple (live, or dead and not yet vacuumed away) or an
    index entry holding ``marker``, read from the pages with pageinspect (skips when it cannot be installed)."""
    with psycopg.connect(url, autocommit=True) as db:
        try:
            db.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        except psycopg.Error as error:
            pytest.skip(f"pageinspect is not available on the test server: {error}")
        relations = db.execute(
            "SELECT c.relname, c.relkind, am.amname, pg_relation_size(c.oid) / current_setting('block_size')::int "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_am am ON am.oid = c.relam "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')").fetchall()
        found = []
        for name, kind, method, blocks in relations:
            if kind == "i" and method != "btree":
                continue
            for block in range(1 if kind == "i" else 0, int(blocks)):  # a btree's block 0 is its metapage
                query = ("SELECT t_data FROM heap_page_items(get_raw_page(%s, %s))" if kind == "r" else
                         "SELECT decode(replace(data, ' ', ''), 'hex') FROM bt_page_items(%s, %s)")
                if any(row[0] is not None and marker in bytes(row[0]) for row in db.execute(query, (name, block))):
                    found.append(name)
                    break
        return sorted(found)


def test_an_erased_account_leaves_no_word_in_any_table_or_index(community: Community, server_db: str) -> None:
    ann, bob = member(community, "Ann"), member(community, "Bob")
    place = community.discussions.join(ann, "ORPHA:43393", "LEMS")
    community.discussions.join(bob, place.condition_ref, place.name)
    post = community.discussions.start(ann, place.id, "Zanzibarquux title", "Zanzibarquux body text")
    community.discussions.reply(bob, post.id, "Bob's reply")
    community.moderation.report(ann, post.id, "Zanzibarquux reason")
    assert _pages_holding(server_db, b"Zanzibarquux") == ["posts", "reports"]  # the pages are read
    assert "accounts_email_key" in _pages_holding(server_db, b"ann@example.org")  # and the indexes
    community.accounts.delete(ann, PASSWORD, erase_posts=True)
    with psycopg.connect(server_db) as db:
        tables = [r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        dump = "\n".join(repr(row) for table in tables for row in db.execute(f'SELECT * FROM "{table}"'))
    assert "Zanzibarquux" not in dump and "ann@example.org" not in dump and "'Ann'" not in dump
    assert _pages_holding(server_db, b"Zanzibarquux") == []
    assert _pages_holding(server_db, b"ann@example.org") == []


def test_an_edit_leaves_the_old_words_in_no_page(community: Community, server_db: str) -> None:
    ann = member(community, "Ann")
    place = community.discussions.join(ann, "test:edit", "A test condition")
    post = community.discussions.start(ann, place.id, "Zorblax title", "Zorblax words of Ann")
    community.discussions.edit(ann, post.id, "Other words", "Other title")
    assert _pages_holding(server_db, b"Zorblax") == []


def test_migrations_are_numbered_recorded_and_run_once(server_db: str, clock: Clock) -> None:
    first = Community.open(server_db, hasher=cheap_hasher(), clock=clock)
    secret = first.db.secret()
    first.close()
    again = Community.open(server_db, hasher=cheap_hasher(), clock=clock)
    assert again.db.secret() == secret  # the CSRF key is the database's, kept across restarts and hosts
    versions = [r[0] for r in again.db.read().execute("SELECT version FROM community_schema_version")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    again.close()
    with psycopg.connect(server_db, autocommit=True) as db:
        db.execute("INSERT INTO community_schema_version VALUES (%s)", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer than this healthqa"):
        Community.open(server_db, hasher=cheap_hasher())


def test_errors_name_the_database_without_its_password() -> None:
    with pytest.raises(StoreError, match="community database") as refused:
        Community.open("postgresql://hq:s3cret-pw@127.0.0.1:1/people", hasher=cheap_hasher())
    assert "s3cret" not in str(refused.value) and "127.0.0.1" in str(refused.value)


def test_a_statement_past_its_timeout_is_a_store_error(server_db: str) -> None:
    """A request's statement timeout (1 ms here) bounds requests, not the schema's creation at start, which a
    loaded server once took past 100 ms."""
    user, _, place = server_db.removeprefix("postgresql://").partition("@")
    url = f"postgresql://{user}:s3cret-pw@{place}"  # the test server trusts; the password only has to be there
    db = PostgresDatabase(url, clock=lambda: 0.0, statement_timeout_ms=1)
    try:
        with pytest.raises(StoreError, match="statement timeout") as slow:
            db.read().execute("SELECT pg_sleep(2)")
        assert "s3cret" not in str(slow.value)
    finally:
        db.close()


def test_two_processes_write_one_at_a_time(server_db: str, clock: Clock) -> None:
    """The hourly limit of a new account holds when its posts reach two hosts at once (two Community objects,
    two pools): the advisory lock serialises the transactions that count and insert."""
    hosts = [Community.open(server_db, hasher=cheap_hasher(), clock=clock) for _ in range(2)]
    ann = member(hosts[0], "Ann")
    place = hosts[0].discussions.join(ann, "test:limit", "A test condition")
    tries = 3 * NEW_POSTS_PER_HOUR
    barrier = threading.Barrier(tries)
    outcomes: list[str] = []

    def post(number: int) -> None:
        barrier.wait()
        try:
            hosts[number % 2].discussions.start(ann, place.id, f"Question {number}", "How is the fatigue?")
            outcomes.append("posted")
        except PostingLimitError:
            outcomes.append("limited")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = hosts[1].db.read().execute("SELECT count(*) FROM posts WHERE author_id = ?", (ann.id,)).fetchone()[0]
    assert stored == outcomes.count("posted") == NEW_POSTS_PER_HOUR
    for host in hosts:
        host.close()
