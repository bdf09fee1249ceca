from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher

from community.conftest import LINK_BASE, PASSWORD, Clock, last_link, member
from healthqa.community import Community, community_path
from healthqa.community.accounts import MAX_FAILURES_PER_EMAIL, SIGN_IN_FAILED
from healthqa.errors import BadInputError, CommunityNotFoundError, NotAllowedError, SignInFailedError


def test_sign_up_verify_and_sign_in(community: Community) -> None:
    community.accounts.sign_up("Ann@Example.org", "Ann", PASSWORD, True, LINK_BASE)
    message = community.mailer.outbox()[0]
    assert message.recipient == "ann@example.org"
    assert f"{LINK_BASE}/community/verify?token=" in message.body
    with pytest.raises(NotAllowedError, match="confirm your email"):
        community.accounts.sign_in("ann@example.org", PASSWORD, "10.0.0.1")
    account = community.accounts.verify(last_link(community, "ann@example.org"))
    assert account.verified and account.display_name == "Ann"
    signed, token = community.accounts.sign_in("ANN@example.org ", PASSWORD, "10.0.0.1")
    assert signed.id == account.id and community.accounts.by_session(token) == signed
    community.accounts.end_session(token)
    assert community.accounts.by_session(token) is None
    with pytest.raises(CommunityNotFoundError):  # a verification link works once
        community.accounts.verify(last_link(community, "ann@example.org"))


def test_the_password_is_stored_as_an_argon2id_hash(tmp_path: Path) -> None:
    community = Community.open(tmp_path / "p.db", hasher=PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    community.accounts.sign_up("a@example.org", "Ann", PASSWORD, True, LINK_BASE)
    stored = sqlite3.connect(tmp_path / "p.db").execute("SELECT password_hash FROM accounts").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PasswordHasher().hash("x").startswith("$argon2id$")  # the production default is argon2id too


@pytest.mark.parametrize(("field", "values"), [
    ("email", ("not-an-email", "a@b", "x" * 250 + "@example.org")),
    ("display name", ("A", "x" * 41, "me@example.org")),
    ("password", ("short", "x" * 257)),
])
def test_sign_up_names_the_field_that_is_wrong(community: Community, field: str, values: tuple[str, ...]) -> None:
    good = {"email": "a@example.org", "display name": "Ann", "password": PASSWORD}
    for value in values:
        given = {**good, field: value}
        with pytest.raises(BadInputError) as error:
            community.accounts.sign_up(given["email"], given["display name"], given["password"], True, LINK_BASE)
        assert error.value.source == field
    assert community.mailer.outbox() == []


def test_sign_up_needs_consent(community: Community) -> None:
    with pytest.raises(BadInputError, match="consent"):
        community.accounts.sign_up("a@example.org", "Ann", PASSWORD, False, LINK_BASE)


def test_a_taken_email_answers_the_same_and_mails_its_owner(community: Community) -> None:
    member(community, "Ann")
    before = community.accounts.by_email("ann@example.org")
    community.accounts.sign_up("ann@example.org", "Someone Else", "another password", True, LINK_BASE)
    assert "tried to sign up" in community.mailer.outbox()[0].subject
    assert community.accounts.by_email("ann@example.org") == before  # nothing changed
    community.accounts.sign_in("ann@example.org", PASSWORD, "10.0.0.1")


def test_sign_in_failures_say_the_same_for_unknown_emails_and_wrong_passwords(community: Community) -> None:
    member(community, "Ann")
    messages = set()
    for email, password in (("ann@example.org", "wrong password"), ("nobody@example.org", PASSWORD)):
        with pytest.raises(SignInFailedError) as error:
            community.accounts.sign_in(email, password, "10.0.0.1")
        messages.add(str(error.value))
    assert messages == {SIGN_IN_FAILED}


def test_sign_in_is_throttled_per_account_and_per_address(community: Community, clock: Clock) -> None:
    member(community, "Ann")
    for attempt in range(MAX_FAILURES_PER_EMAIL):
        with pytest.raises(SignInFailedError):
            community.accounts.sign_in("ann@example.org", "wrong password", f"10.0.0.{attempt}")
    # The right password from a new address is refused now, with the same message.
    with pytest.raises(SignInFailedError, match="too many tries"):
        community.accounts.sign_in("ann@example.org", PASSWORD, "10.9.9.9")
    clock.now += 16 * 60
    community.accounts.sign_in("ann@example.org", PASSWORD, "10.9.9.9")
    # Per address: many emails from one address.
    for attempt in range(30):
        with pytest.raises(SignInFailedError):
            community.accounts.sign_in(f"guess{attempt}@example.org", "x" * 12, "10.6.6.6")
    with pytest.raises(SignInFailedError):
        community.accounts.sign_in("ann@example.org", PASSWORD, "10.6.6.6")
    community.accounts.sign_in("ann@example.org", PASSWORD, "10.7.7.7")


def test_password_reset_and_change_end_every_session(community: Community) -> None:
    ann = member(community, "Ann")
    _, old_session = community.accounts.sign_in("ann@example.org", PASSWORD, "10.0.0.1")
    community.accounts.request_reset("nobody@example.org", LINK_BASE)  # nothing, and no error
    community.accounts.request_reset("ann@example.org", LINK_BASE)
    assert "/community/reset?token=" in community.mailer.outbox()[0].body
    community.accounts.reset_password(last_link(community, "ann@example.org"), "a new password 1")
    assert community.accounts.by_session(old_session) is None
    with pytest.raises(SignInFailedError):
        community.accounts.sign_in("ann@example.org", PASSWORD, "10.0.0.1")
    _, session = community.accounts.sign_in("ann@example.org", "a new password 1", "10.0.0.1")
    with pytest.raises(BadInputError, match="current password"):
        community.accounts.change_password(ann, "wrong one here", "another password")
    community.accounts.change_password(ann, "a new password 1", "another password")
    assert community.accounts.by_session(session) is None
    community.accounts.sign_in("ann@example.org", "another password", "10.0.0.1")


def test_personal_tokens(community: Community) -> None:
    ann = member(community, "Ann")
    token = community.accounts.new_personal_token(ann, "my script")
    assert community.accounts.by_personal_token(token) == ann
    assert community.accounts.by_personal_token(token + "x") is None


def test_export_holds_what_is_stored_about_the_person(community: Community) -> None:
    ann = member(community, "Ann")
    joined = community.discussions.join(ann, "ORPHA:43393", "Lambert-Eaton myasthenic syndrome")
    community.discussions.start(ann, joined.id, "Tiredness", "Does anyone else get tired?", "patient")
    data = json.loads(json.dumps(community.export(ann)))
    assert data["account"]["email"] == "ann@example.org" and data["account"]["consent_at"]
    assert [c["name"] for c in data["communities"]] == ["Lambert-Eaton myasthenic syndrome"]
    assert data["posts"][0]["body"] == "Does anyone else get tired?"


def _everything(path: Path) -> str:
    db = sqlite3.connect(path)
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return "\n".join(repr(row) for table in tables for row in db.execute(f"SELECT * FROM {table}"))


def test_erasing_an_account_deletes_its_text_from_every_table_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "people.db"
    community = Community.open(path, hasher=PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    ann, bob = member(community, "Ann"), member(community, "Bob")
    joined = community.discussions.join(ann, "ORPHA:43393", "LEMS")
    community.discussions.join(bob, "ORPHA:43393", "LEMS")
    post = community.discussions.start(ann, joined.id, "Zanzibarquux title", "Zanzibarquux body text")
    community.discussions.reply(bob, post.id, "Bob's reply")
    community.moderation.report(ann, post.id, "Zanzibarquux reason")
    community.accounts.delete(ann, PASSWORD, erase_posts=True)
    community.close()
    dump = _everything(path)
    assert "Zanzibarquux" not in dump and "ann@example.org" not in dump and "Ann" not in dump
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("people.db"))
    assert b"Zanzibarquux" not in raw and b"ann@example.org" not in raw


def test_keeping_posts_signs_them_former_member(community: Community) -> None:
    ann, bob = member(community, "Ann"), member(community, "Bob")
    joined = community.discussions.join(ann, "ORPHA:43393", "LEMS")
    post = community.discussions.start(ann, joined.id, "Kept", "Kept text")
    with pytest.raises(BadInputError):
        community.accounts.delete(ann, "not the password", erase_posts=False)
    community.accounts.delete(ann, PASSWORD, erase_posts=False)
    kept = community.discussions.post(bob, post.id)
    assert kept.author_name == "former member" and kept.author_id is None and kept.body == "Kept text"
    with pytest.raises(CommunityNotFoundError):
        community.accounts.by_email("ann@example.org")


def test_nothing_personal_is_logged(community: Community, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ann = member(community, "Ann")
    joined = community.discussions.join(ann, "ORPHA:43393", "LEMS")
    community.discussions.start(ann, joined.id, "Qwzzx title", "Qwzzx text")
    with pytest.raises(SignInFailedError):
        community.accounts.sign_in("ann@example.org", "Qwzzx password", "10.0.0.1")
    assert "Qwzzx" not in caplog.text and "ann@example.org" not in caplog.text and PASSWORD not in caplog.text


def test_the_default_file_is_beside_the_knowledge_base() -> None:
    assert community_path("/data/healthqa.db") == "/data/healthqa.community.db"
    assert community_path("sqlite:////data/kb") == "/data/kb.community.db"


def test_lone_surrogates_in_sign_in_and_sign_up_are_refused_cleanly(community: Community) -> None:
    with pytest.raises(SignInFailedError):
        community.accounts.sign_in("\ud800@example.org", "\ud800" * 12, "10.0.0.1")
    with pytest.raises(BadInputError):
        community.accounts.sign_up("a@example.org", "\ud800", "\ud800" * 12, True, LINK_BASE)


class CountingHasher(PasswordHasher):
    """A real argon2id hasher that counts its checks."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=64, parallelism=1)
        self.checks = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.checks += 1
        return super().verify(hash, password)


def test_an_unknown_email_costs_the_same_argon2id_check_as_a_known_one(tmp_path: Path) -> None:
    hasher = CountingHasher()
    community = Community.open(tmp_path / "p.db", hasher=hasher)
    community.accounts.sign_up("ann@example.org", "Ann", PASSWORD, True, LINK_BASE)
    for email in ("ann@example.org", "nobody@example.org"):
        before = hasher.checks
        with pytest.raises(SignInFailedError):
            community.accounts.sign_in(email, "wrong password", "10.0.0.1")
        assert hasher.checks == before + 1, email


def test_a_knowledge_base_on_a_server_needs_a_named_community_file() -> None:
    """Review defect: the default path was built from a postgresql:// URL, failed, and printed its password."""
    from healthqa.app import create_app
    from healthqa.community import community_path
    from healthqa.errors import ConfigError

    url = "postgresql://hq:s3cret-pw@127.0.0.1:1/none"
    for attempt in (lambda: community_path(url), lambda: create_app(url)):
        with pytest.raises(ConfigError, match="HEALTHQA_COMMUNITY_DB") as refused:
            attempt()
        assert "s3cret" not in str(refused.value)
    assert community_path("/data/healthqa.db") == "/data/healthqa.community.db"
    assert community_path("sqlite:////data/kb.db") == "/data/kb.community.db"
