"""The defects of the security review of 2026-12-05 (issue 20), each as a test over a real SQLite file: the
concurrency ones with real threads, asserting that the limit holds (never a timing)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from community.conftest import LINK_BASE, PASSWORD, Clock, cheap_hasher, last_link, member
from healthqa.community import Community
from healthqa.community.accounts import MAX_FAILURES_PER_EMAIL, PERSONAL_TOKEN_DAYS
from healthqa.community.discussions import NEW_POSTS_PER_HOUR
from healthqa.errors import (
    BadInputError,
    CommunityNotFoundError,
    EmergencyNoticeError,
    NotAllowedError,
    PostingLimitError,
    SignInFailedError,
)


def test_a_taken_display_name_is_refused_alike_for_known_and_unknown_emails(community: Community) -> None:
    """Defect 1: "name taken" appeared only for emails without an account."""
    member(community, "Ann")
    answers = []
    for email in ("ann@example.org", "nobody@example.org"):
        with pytest.raises(BadInputError) as error:
            community.accounts.sign_up(email, "ANN", PASSWORD, True, LINK_BASE)
        answers.append((error.value.source, error.value.reason))
    assert answers[0] == answers[1] == ("display name", "this name is taken; please choose another")


def test_a_reset_link_dies_with_a_newer_link_or_a_new_password(community: Community) -> None:
    """Defect 2: reset links outlived a password change and later resets."""
    ann = member(community, "Ann")
    community.accounts.request_reset("ann@example.org", LINK_BASE)
    first = last_link(community, "ann@example.org")
    community.accounts.request_reset("ann@example.org", LINK_BASE)
    second = last_link(community, "ann@example.org")
    with pytest.raises(CommunityNotFoundError):  # only the newest link works
        community.accounts.reset_password(first, "a new password 1")
    community.accounts.change_password(ann, PASSWORD, "a new password 2")
    with pytest.raises(CommunityNotFoundError):  # a password change ends the pending link
        community.accounts.reset_password(second, "a new password 3")
    community.accounts.sign_in("ann@example.org", "a new password 2", "10.0.0.1")


class CountingHasher(PasswordHasher):
    """argon2id (a real one, made slow enough that the threads overlap) that counts the checks of one hash."""

    def __init__(self) -> None:
        super().__init__(time_cost=3, memory_cost=4096, parallelism=1)
        self.watched = ""
        self.checked = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> Any:
        if hash == self.watched:
            with self._lock:
                self.checked += 1
        return super().verify(hash, password)


def test_simultaneous_sign_ins_get_no_more_guesses_than_the_limit(community_target: str) -> None:
    """Defect 3: 16 guesses at once were all checked against the password (the old code checked every one).

    All 16 are wrong, so no success resets the count in the middle and the bound is exact whatever order the
    threads run in: at most the limit reach the password check, and the right password is refused afterwards
    (the window is full)."""
    hasher = CountingHasher()
    community = Community.open(community_target, hasher=hasher)
    member(community, "Ann")
    hasher.watched = community.db.read().execute("SELECT password_hash FROM accounts").fetchone()[0]
    guesses = [f"wrong guess {i:02d}" for i in range(16)]
    barrier = threading.Barrier(len(guesses))
    outcomes: list[str] = []

    def guess(password: str) -> None:
        barrier.wait()
        try:
            community.accounts.sign_in("ann@example.org", password, f"10.0.0.{len(password)}")
            outcomes.append("in")
        except SignInFailedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=guess, args=(g,)) for g in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["refused"] * len(guesses)
    assert 1 <= hasher.checked <= MAX_FAILURES_PER_EMAIL  # the rest were refused without looking at the password
    with pytest.raises(SignInFailedError):
        community.accounts.sign_in("ann@example.org", PASSWORD, "10.0.0.99")
    community.close()


def test_simultaneous_posts_of_a_new_account_keep_the_hourly_limit(community: Community) -> None:
    """Defect 7: the hourly limit of new accounts was counted outside the write transaction."""
    ann = member(community, "Ann")
    place = community.discussions.join(ann, "test:limit", "A test condition")
    tries = 3 * NEW_POSTS_PER_HOUR
    barrier = threading.Barrier(tries)
    outcomes: list[str] = []

    def post(number: int) -> None:
        barrier.wait()
        try:
            community.discussions.start(ann, place.id, f"Question {number}", "How do you manage the fatigue?")
            outcomes.append("posted")
        except PostingLimitError:
            outcomes.append("limited")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = community.db.read().execute("SELECT count(*) FROM posts WHERE author_id = ?", (ann.id,)).fetchone()[0]
    assert stored == outcomes.count("posted") == NEW_POSTS_PER_HOUR
    assert outcomes.count("limited") == tries - NEW_POSTS_PER_HOUR


@pytest.mark.parametrize("text", [
    "See [here][1]\n\n[1]: //evil.example/x",
    "Write to <mailto:scam@evil.example>",
    "[x][r]\n\n[r]: HTTPS:evil.example",
])
def test_no_kind_of_link_passes_in_a_new_members_first_posts(community: Community, text: str) -> None:
    """Defect 8: reference links and autolinks passed the raw-text check."""
    ann = member(community, "Ann")
    place = community.discussions.join(ann, "test:links", "A test condition")
    with pytest.raises(PostingLimitError, match="links"):
        community.discussions.start(ann, place.id, "Hello", text)


def test_editing_a_post_into_an_emergency_shows_the_guidance_first(community: Community) -> None:
    """Defect 11: an edit skipped the emergency guidance and published at once."""
    ann = member(community, "Ann")
    place = community.discussions.join(ann, "test:edit", "A test condition")
    post = community.discussions.start(ann, place.id, "Hello", "How do you manage the fatigue?")
    alarming = "I can't breathe and my chest hurts"
    with pytest.raises(EmergencyNoticeError):
        community.discussions.edit(ann, post.id, alarming)
    assert community.discussions.post(ann, post.id).body == "How do you manage the fatigue?"
    edited = community.discussions.edit(ann, post.id, alarming, emergency_seen=True)
    assert edited.body == alarming and edited.emergency and edited.edited_at is not None


def test_a_suspended_moderator_cannot_moderate(community: Community) -> None:
    """Defect 10: moderator() ignored the suspension."""
    ann = member(community, "Ann")
    mod = member(community, "Mod", moderator=True)
    other = member(community, "Other", moderator=True)
    place = community.discussions.join(ann, "test:mod", "A test condition")
    post = community.discussions.start(ann, place.id, "Hello", "How do you manage the fatigue?")
    community.moderation.suspend(other, mod.id, 3, "abuse of the tools")
    suspended = community.accounts.get(mod.id)
    with pytest.raises(NotAllowedError, match="suspended"):
        community.moderation.set_hidden(suspended, post.id, True, "spam")
    with pytest.raises(NotAllowedError, match="suspended"):
        community.moderation.queue(suspended)
    assert not community.discussions.post(ann, post.id).hidden


def test_oversized_ids_find_nothing(community: Community) -> None:
    """Defect 13: ids beyond SQLite's 64 bits failed in the driver (OverflowError, a 500 over HTTP)."""
    ann = member(community, "Ann", moderator=True)
    huge = 10**20
    with pytest.raises(CommunityNotFoundError):
        community.discussions.community(huge)
    with pytest.raises(CommunityNotFoundError):
        community.discussions.post(ann, huge)
    with pytest.raises(CommunityNotFoundError):
        community.moderation.report(ann, -huge, "spam")
    with pytest.raises(BadInputError, match="account"):
        community.moderation.suspend(ann, huge, 1, "spam")


@pytest.mark.parametrize("email", [
    "postmaster,me@attacker.example", "a@example.org;b@attacker.example", "Ann <ann@example.org>",
    '"a,b"@example.org', "a(comment)@example.org",
])
def test_an_email_is_one_plain_address(community: Community, email: str) -> None:
    """Defect 14: a comma let one sign-up mail extra recipients."""
    with pytest.raises(BadInputError) as error:
        community.accounts.sign_up(email, "Ann", PASSWORD, True, LINK_BASE)
    assert error.value.source == "email"
    assert community.mailer.outbox() == []


def test_the_current_password_check_is_throttled(community: Community) -> None:
    """Defect 12: change_password and delete let anyone with a session guess the password without limit."""
    ann = member(community, "Ann")
    for number in range(MAX_FAILURES_PER_EMAIL):
        with pytest.raises(BadInputError, match="not your password"):
            community.accounts.change_password(ann, f"guess number {number}", "a new password 1")
    with pytest.raises(BadInputError, match="too many"):
        community.accounts.change_password(ann, PASSWORD, "a new password 1")
    with pytest.raises(SignInFailedError):  # the same failures count for signing in
        community.accounts.sign_in("ann@example.org", PASSWORD, "10.0.0.1")


def test_the_throttle_forgets_after_its_window(community: Community, clock: Clock) -> None:
    ann = member(community, "Ann")
    for number in range(MAX_FAILURES_PER_EMAIL):
        with pytest.raises(BadInputError):
            community.accounts.change_password(ann, f"guess number {number}", "a new password 1")
    clock.now += 16 * 60
    community.accounts.change_password(ann, PASSWORD, "a new password 1")
    community.accounts.sign_in("ann@example.org", "a new password 1", "10.0.0.1")


def test_deleting_an_account_and_keeping_the_posts_deletes_its_reports(community: Community) -> None:
    """Defect 18: with "keep my posts", the reports the person made (their words) stayed."""
    ann = member(community, "Ann")
    bob = member(community, "Bob")
    place = community.discussions.join(ann, "test:reports", "A test condition")
    post = community.discussions.start(ann, place.id, "Hello", "How do you manage the fatigue?")
    community.moderation.report(bob, post.id, "Zorblax reason of Bob")
    community.accounts.delete(bob, PASSWORD, erase_posts=False)
    rows = community.db.read().execute("SELECT reason FROM reports").fetchall()
    assert rows == []


def _files_holding(folder: Path, marker: bytes) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if marker in path.read_bytes())


@pytest.mark.parametrize("how", ["delete", "edit", "account"])
def test_deleted_text_leaves_every_file_even_with_a_reader_at_work(tmp_path: Path, how: str) -> None:
    """Defect 4: deleted or edited text stayed in the -wal file. A reader of an older snapshot that ends
    within the wait (SCRUB_WAIT_SECONDS) does not keep it there."""
    community = Community.open(tmp_path / "people.db", hasher=cheap_hasher())
    ann = member(community, "Ann")
    place = community.discussions.join(ann, "test:wal", "A test condition")
    post = community.discussions.start(ann, place.id, "Zorblax title", "Zorblax words of Ann")
    assert _files_holding(tmp_path, b"Zorblax")  # it is written somewhere
    reader = sqlite3.connect(tmp_path / "people.db", isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM posts").fetchone()  # another worker mid-read, on the old snapshot
    ending = threading.Timer(0.3, lambda: reader.execute("COMMIT"))
    ending.start()
    if how == "delete":
        community.discussions.delete(ann, post.id)
    elif how == "edit":
        community.discussions.edit(ann, post.id, "Other words", "Other title")
    else:
        community.accounts.delete(ann, PASSWORD, erase_posts=True)
    ending.join()
    reader.close()
    assert _files_holding(tmp_path, b"Zorblax") == []


def test_a_reader_that_outlasts_the_wait_delays_the_removal_to_the_next_write(tmp_path: Path) -> None:
    """What docs/privacy.md states: a longer read keeps the text in the log until the first write after it."""
    community = Community.open(tmp_path / "people.db", hasher=cheap_hasher())
    ann = member(community, "Ann")
    place = community.discussions.join(ann, "test:wal", "A test condition")
    post = community.discussions.start(ann, place.id, "Zorblax title", "Zorblax words of Ann")
    reader = sqlite3.connect(tmp_path / "people.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM posts").fetchone()
    community.discussions.delete(ann, post.id)  # waits SCRUB_WAIT_SECONDS, then gives up for now
    assert _files_holding(tmp_path, b"Zorblax") == ["people.db-wal"]
    reader.execute("COMMIT")
    reader.close()
    community.discussions.join(member(community, "Bob"), "test:wal", "A test condition")  # any later write
    assert _files_holding(tmp_path, b"Zorblax") == []


def test_download_my_data_holds_everything_privacy_md_lists(community: Community) -> None:
    """Defect 9: tokens, join dates, mail in the outbox and the audit entries about or by the person lacked."""
    ann = member(community, "Ann", moderator=True)
    bob = member(community, "Bob", moderator=True)
    place = community.discussions.join(ann, "test:export", "A test condition")
    post = community.discussions.start(ann, place.id, "Hello", "How do you manage the fatigue?")
    community.accounts.new_personal_token(ann, "my script")
    community.moderation.dismiss(ann, post.id, "nothing wrong")
    community.moderation.suspend(bob, ann.id, 2, "rude to members")
    community.accounts.request_reset("ann@example.org", LINK_BASE)
    data = community.export(ann)
    assert [c["joined_at"] for c in data["communities"]] == [community.db.now()]
    assert [t["label"] for t in data["personal_tokens"]] == ["my script"]
    assert "Reset your healthqa password" in [m["subject"] for m in data["mail_not_sent"]]
    assert [(e["action"], e["reason"]) for e in data["audit_about_me"]] == [
        ("make moderator", "admin command"), ("suspend 2 days", "rude to members")]
    assert [(e["action"], e["target"]) for e in data["audit_by_me"]] == [("dismiss", f"post {post.id}")]
    assert data["account"]["suspended_until"] is not None


@pytest.mark.parametrize("look_alike", [
    "\u041c\u043ederator",  # Cyrillic M and o
    "\uff2d\uff4f\uff44\uff45\uff52\uff41\uff54\uff4f\uff52",  # full-width
    "Mo\u0301derator",  # a combining accent
    "\u039c\u039fD\u0395R\u0391\u03a4\u039fR",  # Greek capitals
    "M0derator", "Mod erator", "MODERATOR",
])
def test_a_look_alike_of_a_taken_display_name_is_taken(community: Community, look_alike: str) -> None:
    """Defect 16: only ASCII case was folded, so look-alikes of "Moderator" were accepted."""
    member(community, "Moderator")
    with pytest.raises(BadInputError, match="taken"):
        community.accounts.sign_up("other@example.org", look_alike, PASSWORD, True, LINK_BASE)
    community.accounts.sign_up("other@example.org", "Moderator's friend", PASSWORD, True, LINK_BASE)


def test_a_file_from_before_display_name_keys_gets_them(tmp_path: Path) -> None:
    """The key column is added to an older file, and its accounts' names are keyed on open."""
    old = sqlite3.connect(tmp_path / "people.db")
    old.executescript(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, "
        "password_hash TEXT NOT NULL, consent_at REAL NOT NULL, verified_at REAL, created_at REAL NOT NULL, "
        "moderator INTEGER NOT NULL DEFAULT 0, suspended_until REAL);"
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY, recipient TEXT NOT NULL, subject TEXT NOT NULL, "
        "body TEXT NOT NULL, created_at REAL NOT NULL);"
        "INSERT INTO accounts (email, display_name, password_hash, consent_at, created_at) "
        "VALUES ('m@example.org', 'Moderator', 'x', 1, 1);")
    old.commit()
    old.close()
    community = Community.open(tmp_path / "people.db", hasher=cheap_hasher())
    with pytest.raises(BadInputError, match="taken"):
        community.accounts.sign_up("other@example.org", "\u041c\u043ederator", PASSWORD, True, LINK_BASE)
    community.accounts.sign_up("other@example.org", "Ann", PASSWORD, True, LINK_BASE)
    assert len(community.mailer.outbox()) == 1


def test_a_reset_request_writes_to_disk_whether_or_not_the_email_has_an_account(tmp_path: Path) -> None:
    """Defect 15 (the part a test can hold without timing anything): a known email's request committed a
    write (the link, the mail) and an unknown one's did not, which shows in the answer's time. Both commit one
    now; PRAGMA data_version, seen from another connection, changes with each commit that changed the file."""
    community = Community.open(tmp_path / "people.db", hasher=cheap_hasher())
    member(community, "Ann")
    watcher = sqlite3.connect(tmp_path / "people.db")
    for email in ("ann@example.org", "nobody@example.org"):
        before = watcher.execute("PRAGMA data_version").fetchone()[0]
        community.accounts.request_reset(email, LINK_BASE)
        assert watcher.execute("PRAGMA data_version").fetchone()[0] != before, email
    watcher.close()


def test_personal_tokens_are_listed_revoked_and_expire(community: Community, clock: Clock) -> None:
    """Defect 17: personal API tokens could not be listed or revoked and never expired."""
    ann, bob = member(community, "Ann"), member(community, "Bob")
    laptop = community.accounts.new_personal_token(ann, "laptop")
    script = community.accounts.new_personal_token(ann, "script")
    listed = community.accounts.personal_tokens(ann)
    assert [t.label for t in listed] == ["laptop", "script"]
    assert all(t.expires_at == t.created_at + PERSONAL_TOKEN_DAYS * 86400 for t in listed)
    with pytest.raises(CommunityNotFoundError):  # only one's own
        community.accounts.revoke_personal_token(bob, listed[0].id)
    community.accounts.revoke_personal_token(ann, listed[0].id)
    assert community.accounts.by_personal_token(laptop) is None
    assert community.accounts.by_personal_token(script) == ann
    clock.now += PERSONAL_TOKEN_DAYS * 86400 + 1
    assert community.accounts.by_personal_token(script) is None
    assert community.accounts.personal_tokens(ann) == []
