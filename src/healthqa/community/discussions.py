"""Communities (one per condition record, created on first join), memberships, discussions and replies.

Only signed-in people read posts; only verified, unsuspended members of a community write in it; only the
author edits or deletes a post (moderators hide it instead, see :mod:`healthqa.community.moderation`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from healthqa.community.accounts import Account, clean_line
from healthqa.community.db import Connection, Database
from healthqa.community.render import has_link, markdown_html
from healthqa.errors import (
    BadInputError,
    CommunityNotFoundError,
    EmergencyNoticeError,
    NotAllowedError,
    PostingLimitError,
)
from healthqa.understand import emergency_kind

ROLES = {"": "", "patient": "Patient", "family": "Family member", "professional": "Professional"}
MAX_TITLE, MAX_BODY = 150, 10_000
FORMER_MEMBER = "former member"
MAX_ROW_ID = 2**63 - 1
REPLIES_PER_PAGE = 50
# New accounts (younger than NEW_ACCOUNT_DAYS) post at most NEW_POSTS_PER_HOUR an hour, and their first
# FIRST_POSTS_WITHOUT_LINKS posts may hold no link: what spam and scams need most.
NEW_ACCOUNT_DAYS = 7
NEW_POSTS_PER_HOUR = 5
FIRST_POSTS_WITHOUT_LINKS = 3


@dataclass(frozen=True)
class Community:
    id: int
    condition_ref: str
    name: str
    members: int
    discussions: int


@dataclass(frozen=True)
class Post:
    id: int
    community_id: int
    thread_id: int | None  # None: this post opens a discussion
    author_id: int | None  # None: a former member's
    author_name: str
    title: str
    body: str  # the Markdown as written
    role: str
    created_at: float
    edited_at: float | None
    hidden: bool
    emergency: bool

    @property
    def html(self) -> str:
        """The body rendered and sanitised (no raw HTML survives)."""
        return markdown_html(self.body)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, "")

    @property
    def discussion_id(self) -> int:
        return self.thread_id if self.thread_id is not None else self.id


@dataclass(frozen=True)
class Thread:
    """A discussion as one page shows it: the opening post and one page of replies."""

    opening: Post
    replies: list[Post]
    page: int  # from 1
    pages: int
    total_replies: int


_POST_SELECT = (
    "SELECT p.id, p.community_id, p.thread_id, p.author_id, coalesce(a.display_name, ?) AS author_name, "
    "p.title, p.body, p.role, p.created_at, p.edited_at, p.hidden, p.emergency FROM posts p "
    "LEFT JOIN accounts a ON a.id = p.author_id"
)


def _post(row: Any) -> Post:
    r = dict(row)
    return Post(**{**r, "hidden": bool(r["hidden"]), "emergency": r["emergency"] == 1})


def row_id(value: int) -> bool:
    """Whether ``value`` can be a row's id at all: SQLite's integers are 64-bit, and a larger one given from a
    URL would fail in the driver (review defect 13) instead of finding nothing."""
    return 0 < value <= MAX_ROW_ID


def signed_in(viewer: Account | None) -> Account:
    if viewer is None:
        raise NotAllowedError("Please sign in to read and write in the communities.")
    return viewer


def _body_char(char: str) -> str:
    """Lone surrogates (JSON can carry them, UTF-8 cannot) as U+FFFD; control characters but newline and tab as
    a space."""
    category = unicodedata.category(char)
    if category == "Cs":
        return "\ufffd"
    return " " if category == "Cc" and char not in "\n\t" else char


def check_text(title: str | None, body: str) -> tuple[str | None, str]:
    if title is not None:
        title = clean_line(title)
        if not title or len(title) > MAX_TITLE:
            raise BadInputError("title", f"give a title of at most {MAX_TITLE} characters")
    body = "".join(_body_char(c) for c in body.replace("\r\n", "\n")).strip()
    if not body or len(body) > MAX_BODY:
        raise BadInputError("text", f"write between 1 and {MAX_BODY:,} characters")
    return title, body


class Discussions:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- communities -----------------------------------------------------------------------------------------

    def _community(self, where: str, value: object) -> Community | None:
        row = self.db.read().execute(
            "SELECT c.id, c.condition_ref, c.name, "
            "(SELECT count(*) FROM memberships m WHERE m.community_id = c.id) AS members, "
            "(SELECT count(*) FROM posts p WHERE p.community_id = c.id AND p.thread_id IS NULL AND p.hidden = 0)"
            f" AS discussions FROM communities c WHERE {where}", (value,)).fetchone()
        return Community(**dict(row)) if row else None

    def community(self, community_id: int) -> Community:
        found = self._community("c.id = ?", community_id) if row_id(community_id) else None
        if found is None:
            raise CommunityNotFoundError("There is no such community.")
        return found

    def community_for(self, condition_ref: str) -> Community | None:
        """The community of a condition record (by its reference), or None before anyone joined."""
        return self._community("c.condition_ref = ?", condition_ref)

    def summary(self, condition_ref: str) -> tuple[int, int]:
        """(members, discussions) of a condition's community: (0, 0) when it has none yet.

        For the condition page: "People with this condition: N members, M discussions".
        """
        found = self.community_for(condition_ref)
        return (found.members, found.discussions) if found else (0, 0)

    def join(self, account: Account | None, condition_ref: str, name: str) -> Community:
        """Join the community of a condition record, creating it on first join."""
        account = self._may_write(account)
        now = self.db.now()
        with self.db.write() as db:
            db.execute("INSERT INTO communities (condition_ref, name, created_at) VALUES (?, ?, ?) "
                       "ON CONFLICT DO NOTHING", (condition_ref, name, now))
            community_id = db.execute("SELECT id FROM communities WHERE condition_ref = ?",
                                      (condition_ref,)).fetchone()[0]
            db.execute("INSERT INTO memberships VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       (community_id, account.id, now))
        return self.community(community_id)

    def leave(self, account: Account | None, community_id: int) -> None:
        account = signed_in(account)
        self.community(community_id)
        with self.db.write() as db:
            db.execute("DELETE FROM memberships WHERE community_id = ? AND account_id = ?",
                       (community_id, account.id))

    def is_member(self, account: Account | None, community_id: int) -> bool:
        if account is None:
            return False
        return self.db.read().execute("SELECT 1 FROM memberships WHERE community_id = ? AND account_id = ?",
                                      (community_id, account.id)).fetchone() is not None

    def communities_of(self, account: Account) -> list[Community]:
        ids = [row[0] for row in self.db.read().execute(
            "SELECT community_id FROM memberships WHERE account_id = ? ORDER BY joined_at", (account.id,))]
        return [self.community(i) for i in ids]

    # -- reading -----------------------------------------------------------------------------------------------

    def post(self, viewer: Account | None, post_id: int) -> Post:
        """A post the viewer may see: signed in, and not hidden unless they wrote it or moderate."""
        viewer = signed_in(viewer)
        if not row_id(post_id):
            raise CommunityNotFoundError("There is no such post.")
        row = self.db.read().execute(_POST_SELECT + " WHERE p.id = ?", (FORMER_MEMBER, post_id)).fetchone()
        if row is None:
            raise CommunityNotFoundError("There is no such post.")
        found = _post(row)
        if found.hidden and not viewer.moderator and found.author_id != viewer.id:
            raise CommunityNotFoundError("There is no such post.")
        return found

    def thread(self, viewer: Account | None, discussion_id: int, page: int = 1) -> Thread:
        """A discussion's opening post and one page of its replies (``REPLIES_PER_PAGE``, oldest first); hidden
        replies only for their author and moderators. A page past the last gives the last."""
        opening = self.post(viewer, discussion_id)
        if opening.thread_id is not None:
            raise CommunityNotFoundError("There is no such discussion.")
        assert viewer is not None
        visible = " WHERE p.thread_id = ? AND (p.hidden = 0 OR ? = 1 OR p.author_id = ?)"
        values = (discussion_id, int(viewer.moderator), viewer.id)
        db = self.db.read()
        total = db.execute("SELECT count(*) FROM posts p" + visible, values).fetchone()[0]
        pages = max(1, -(-total // REPLIES_PER_PAGE))
        page = min(max(1, page), pages)
        rows = db.execute(_POST_SELECT + visible + " ORDER BY p.created_at, p.id LIMIT ? OFFSET ?",
                          (FORMER_MEMBER, *values, REPLIES_PER_PAGE, (page - 1) * REPLIES_PER_PAGE)).fetchall()
        return Thread(opening, [_post(r) for r in rows], page, pages, total)

    def discussions(self, viewer: Account | None, community_id: int, limit: int = 50) -> list[Post]:
        signed_in(viewer)
        rows = self.db.read().execute(
            _POST_SELECT + " WHERE p.community_id = ? AND p.thread_id IS NULL AND p.hidden = 0 "
            "ORDER BY p.created_at DESC, p.id DESC LIMIT ?", (FORMER_MEMBER, community_id, limit)).fetchall()
        return [_post(r) for r in rows]

    def latest(self, account: Account, limit: int = 30) -> list[tuple[Community, Post]]:
        """The newest discussions of the account's communities (its home page)."""
        rows = self.db.read().execute(
            _POST_SELECT + " JOIN memberships m ON m.community_id = p.community_id AND m.account_id = ? "
            "WHERE p.thread_id IS NULL AND p.hidden = 0 ORDER BY p.created_at DESC, p.id DESC LIMIT ?",
            (FORMER_MEMBER, account.id, limit)).fetchall()
        posts = [_post(r) for r in rows]
        communities = {c.id: c for c in self.communities_of(account)}
        return [(communities[p.community_id], p) for p in posts if p.community_id in communities]

    def posts_by(self, account: Account) -> list[Post]:
        rows = self.db.read().execute(_POST_SELECT + " WHERE p.author_id = ? ORDER BY p.id",
                                      (FORMER_MEMBER, account.id)).fetchall()
        return [_post(r) for r in rows]

    # -- writing -----------------------------------------------------------------------------------------------

    def _may_write(self, account: Account | None) -> Account:
        account = signed_in(account)
        if not account.verified:
            raise NotAllowedError("Please confirm your email address first.")
        if account.suspended(self.db.now()):
            raise NotAllowedError("Your account is suspended: you cannot write in the communities for now.")
        return account

    def _check_limits(self, db: Connection, account: Account, text: str) -> None:
        """New accounts' limits, counted in the caller's write transaction ``db``: so that posts sent at once
        cannot all see a count under the limit (review defect 7)."""
        now = self.db.now()
        if account.moderator or now - account.created_at > NEW_ACCOUNT_DAYS * 86400:
            return
        if has_link(text):
            written = db.execute("SELECT count(*) FROM posts WHERE author_id = ?", (account.id,)).fetchone()[0]
            if written < FIRST_POSTS_WITHOUT_LINKS:
                raise PostingLimitError(
                    f"New members' first {FIRST_POSTS_WITHOUT_LINKS} posts may not hold links; please remove it.")
        recent = db.execute("SELECT count(*) FROM posts WHERE author_id = ? AND created_at > ?",
                            (account.id, now - 3600)).fetchone()[0]
        if recent >= NEW_POSTS_PER_HOUR:
            raise PostingLimitError(
                f"New members may post {NEW_POSTS_PER_HOUR} times an hour; please try again later.")

    def _insert(self, account: Account, community_id: int, thread_id: int | None, title: str, body: str,
                role: str, emergency_seen: bool) -> Post:
        if not self.is_member(account, community_id):
            raise NotAllowedError("Join this community to write in it.")
        kind = emergency_kind(f"{title}\n{body}")
        if kind and not emergency_seen:
            raise EmergencyNoticeError(kind)
        with self.db.write() as db:
            self._check_limits(db, account, f"{title}\n{body}")
            post_id = int(db.execute(
                "INSERT INTO posts (community_id, thread_id, author_id, title, body, role, created_at, emergency) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (community_id, thread_id, account.id, title, body, role, self.db.now(), int(bool(kind)))
            ).fetchone()[0])
        return self.post(account, post_id)

    def start(self, account: Account | None, community_id: int, title: str, body: str, role: str = "",
              emergency_seen: bool = False) -> Post:
        """Open a discussion. EmergencyNoticeError when it sounds like an emergency and ``emergency_seen`` is
        False (show the guidance, then call again with True: it is published and flagged to moderators)."""
        account = self._may_write(account)
        self.community(community_id)
        if role not in ROLES:
            raise BadInputError("role", "choose patient, family member, professional or none")
        checked_title, checked_body = check_text(title, body)
        return self._insert(account, community_id, None, checked_title or "", checked_body, role, emergency_seen)

    def reply(self, account: Account | None, discussion_id: int, body: str, role: str = "",
              emergency_seen: bool = False) -> Post:
        account = self._may_write(account)
        opening = self.post(account, discussion_id)
        if opening.thread_id is not None or opening.hidden:
            raise CommunityNotFoundError("There is no such discussion.")
        if role not in ROLES:
            raise BadInputError("role", "choose patient, family member, professional or none")
        _, checked = check_text(None, body)
        return self._insert(account, opening.community_id, opening.id, "", checked, role, emergency_seen)

    def _own(self, account: Account | None, post_id: int) -> tuple[Account, Post]:
        account = self._may_write(account)
        found = self.post(account, post_id)
        if found.author_id != account.id:
            raise NotAllowedError("Only the author can change or delete this post.")
        return account, found

    def edit(self, account: Account | None, post_id: int, body: str, title: str | None = None,
             emergency_seen: bool = False) -> Post:
        """The author changes their post; it is marked "edited". As when posting, EmergencyNoticeError when the
        new text sounds like an emergency and ``emergency_seen`` is False (review defect 11); the old text is
        scrubbed from the write-ahead log."""
        account, found = self._own(account, post_id)
        new_title, new_body = check_text(title if found.thread_id is None else None, body)
        kind = emergency_kind(f"{new_title or ''}\n{new_body}")
        if kind and not emergency_seen:
            raise EmergencyNoticeError(kind)
        flag = int(bool(kind))
        with self.db.write() as db:
            self._check_limits(db, account, f"{new_title or ''}\n{new_body}")
            db.execute("UPDATE posts SET title = ?, body = ?, edited_at = ?, "
                       "emergency = CASE ? WHEN 1 THEN 1 ELSE emergency END WHERE id = ?",
                       (new_title if new_title is not None else found.title, new_body, self.db.now(), flag, post_id))
        self.db.scrub()
        return self.post(account, post_id)

    def delete(self, account: Account | None, post_id: int) -> None:
        """The author deletes their post for good (a discussion's replies go with it)."""
        self._own(account, post_id)
        with self.db.write() as db:
            db.execute("DELETE FROM posts WHERE id = ?", (post_id,))
        self.db.scrub()  # out of the write-ahead log too (review defect 4)
