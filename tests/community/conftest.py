"""A community over a real SQLite file in the test's folder, with a cheap argon2id hash (the tests' only
shortcut: production uses argon2-cffi's defaults) and a clock the tests move."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from healthqa.community import Account, Community

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


@pytest.fixture()
def community(tmp_path: Path, clock: Clock) -> Community:
    return Community.open(tmp_path / "people.db", hasher=cheap_hasher(), clock=clock)


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
