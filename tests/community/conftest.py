"""A community over a real database, with a cheap argon2id hash (the tests' only shortcut: production uses
argon2-cffi's defaults) and a clock the tests move.

Every test that takes ``community`` (or ``community_target``) runs twice: on a SQLite file in the test's
folder, and on PostgreSQL (one database for the test session, on the server of tests/postgres_server.py,
emptied before each test; those runs skip, with the reason, when the server cannot be reached)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from healthqa.community import Account, Community
from healthqa.community._pg_schema import SCHEMA_VERSION
from postgres_server import empty_schema, temporary_database

LINK_BASE = "http://healthqa.test"
PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def cheap_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def community_server_db() -> Iterator[str]:
    """One PostgreSQL database for the session's community tests, dropped at the end."""
    with temporary_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def community_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's community lives: a new SQLite file, or the session's PostgreSQL database, emptied."""
    if request.param == "sqlite":
        return str(tmp_path / "people.db")
    url: str = request.getfixturevalue("community_server_db")
    empty_community(url)
    return url


def empty_community(url: str) -> None:
    """No rows in the community tables of ``url``: emptied when their schema is this healthqa's (much faster
    than making it again for every test), else dropped, for the next Community.open to make."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        try:
            versions = [r[0] for r in db.execute("SELECT version FROM community_schema_version ORDER BY version")]
        except psycopg.errors.UndefinedTable:
            versions = []
        if versions != list(range(1, SCHEMA_VERSION + 1)):
            empty_schema(url)
            return
        # DELETE, not TRUNCATE, which costs a quarter of a second on these few rows; the tables that others
        # refer to last.
        for table in ("reports", "posts", "memberships", "communities", "sessions", "personal_tokens",
                      "one_time_tokens", "signin_failures", "outbox", "audit_log", "accounts", "settings"):
            db.execute(f"DELETE FROM {table}".encode())


@pytest.fixture()
def community(community_target: str, clock: Clock) -> Iterator[Community]:
    opened = Community.open(community_target, hasher=cheap_hasher(), clock=clock)
    yield opened
    opened.close()


def last_link(community: Community, recipient: str) -> str:
    """The token of the newest link mailed to ``recipient`` (the outbox)."""
    for message in community.mailer.outbox():
        if message.recipient == recipient:
            found = re.search(r"token=([\w-]+)", message.body)
            assert found, message.subject
            return found.group(1)
    raise AssertionError(f"no mail to {recipient}")


def member(community: Community, name: str, *, moderator: bool = False) -> Account:
    """A verified account named ``name`` (email ``name@example.org``)."""
    email = f"{name.lower()}@example.org"
    community.accounts.sign_up(email, name, PASSWORD, True, LINK_BASE)
    community.accounts.verify(last_link(community, email))
    if moderator:
        community.accounts.set_moderator(email, True)
    return community.accounts.by_email(email)
