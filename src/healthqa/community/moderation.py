"""Reports and moderation: anyone signed in reports a post; moderators see the queue, hide or restore posts,
suspend accounts; every moderator action goes into the audit log (who, what, when, why).

The audit log names its targets by id ("post 12", "account 3") and keeps the moderator's display name, so
that it outlives the accounts it speaks of without keeping any post's text.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthqa.community.accounts import Account, clean_line
from healthqa.community.db import Connection, Database
from healthqa.community.discussions import Discussions, Post, row_id, signed_in
from healthqa.errors import BadInputError, NotAllowedError

MAX_REASON = 500
MAX_SUSPENSION_DAYS = 365


@dataclass(frozen=True)
class QueueItem:
    """A post waiting for a moderator: its open reports' reasons and whether it sounded like an emergency."""

    post: Post
    reasons: list[str]
    emergency: bool


@dataclass(frozen=True)
class AuditEntry:
    moderator_name: str
    action: str
    target: str
    reason: str
    at: float


def check_reason(reason: str) -> str:
    cleaned = clean_line(reason)
    if not cleaned or len(cleaned) > MAX_REASON:
        raise BadInputError("reason", f"give a reason of at most {MAX_REASON} characters")
    return cleaned


def moderator(account: Account | None, now: float) -> Account:
    """The acting moderator; a suspended one moderates no more than they write (review defect 10)."""
    account = signed_in(account)
    if not account.moderator:
        raise NotAllowedError("Only moderators can do this.")
    if account.suspended(now):
        raise NotAllowedError("Your account is suspended: you cannot moderate for now.")
    return account


class Moderation:
    def __init__(self, db: Database, discussions: Discussions) -> None:
        self.db = db
        self.discussions = discussions

    def report(self, account: Account | None, post_id: int, reason: str) -> None:
        """Report a post (any signed-in person who can see it)."""
        account = signed_in(account)
        text = check_reason(reason)
        self.discussions.post(account, post_id)
        with self.db.write() as db:
            db.execute("INSERT INTO reports (post_id, reporter_id, reason, created_at) VALUES (?, ?, ?, ?)",
                       (post_id, account.id, text, self.db.now()))

    def queue(self, account: Account | None) -> list[QueueItem]:
        """Posts with open reports, and posts flagged as emergencies not yet reviewed, oldest first."""
        mod = moderator(account, self.db.now())
        db = self.db.read()
        rows = db.execute(
            "SELECT id FROM posts WHERE emergency = 1 OR id IN (SELECT post_id FROM reports WHERE resolved_at IS NULL)"
            " ORDER BY created_at, id").fetchall()
        items = []
        for (post_id,) in rows:
            reasons = [r[0] for r in db.execute(
                "SELECT reason FROM reports WHERE post_id = ? AND resolved_at IS NULL ORDER BY id", (post_id,))]
            post = self.discussions.post(mod, post_id)
            items.append(QueueItem(post, reasons, post.emergency))
        return items

    def _act(self, mod: Account, action: str, target: str, reason: str) -> None:
        with self.db.write() as db:
            self._audit(db, mod, action, target, reason)

    def _audit(self, db: Connection, mod: Account, action: str, target: str, reason: str) -> None:
        db.execute(
            "INSERT INTO audit_log (moderator_name, moderator_id, action, target, reason, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (mod.display_name, mod.id, action, target, reason, self.db.now()))

    def set_hidden(self, account: Account | None, post_id: int, hidden: bool, reason: str) -> None:
        """Hide a post (or restore it); its open reports and emergency flag are resolved."""
        mod = moderator(account, self.db.now())
        text = check_reason(reason)
        self.discussions.post(mod, post_id)
        with self.db.write() as db:
            db.execute("UPDATE posts SET hidden = ?, emergency = CASE emergency WHEN 1 THEN 2 ELSE emergency END "
                       "WHERE id = ?", (int(hidden), post_id))
            db.execute("UPDATE reports SET resolved_at = ? WHERE post_id = ? AND resolved_at IS NULL",
                       (self.db.now(), post_id))
            self._audit(db, mod, "hide" if hidden else "restore", f"post {post_id}", text)

    def dismiss(self, account: Account | None, post_id: int, reason: str) -> None:
        """Leave a post as it is: its reports and emergency flag are resolved."""
        mod = moderator(account, self.db.now())
        text = check_reason(reason)
        self.discussions.post(mod, post_id)
        with self.db.write() as db:
            db.execute("UPDATE posts SET emergency = 2 WHERE id = ? AND emergency = 1", (post_id,))
            db.execute("UPDATE reports SET resolved_at = ? WHERE post_id = ? AND resolved_at IS NULL",
                       (self.db.now(), post_id))
            self._audit(db, mod, "dismiss", f"post {post_id}", text)

    def suspend(self, account: Account | None, target_id: int, days: float, reason: str) -> None:
        """Suspend an account for ``days`` (0 lifts a suspension); it keeps reading, it cannot write."""
        mod = moderator(account, self.db.now())
        text = check_reason(reason)
        if not 0 <= days <= MAX_SUSPENSION_DAYS:
            raise BadInputError("days", f"give 0 to {MAX_SUSPENSION_DAYS} days")
        if target_id == mod.id:
            raise NotAllowedError("Moderators cannot suspend themselves.")
        if not row_id(target_id):
            raise BadInputError("account", "there is no such account")
        until = self.db.now() + days * 86400 if days else None
        with self.db.write() as db:
            found = db.execute("UPDATE accounts SET suspended_until = ? WHERE id = ?", (until, target_id)).rowcount
            if not found:
                raise BadInputError("account", "there is no such account")
            self._audit(db, mod, f"suspend {days:g} days" if days else "lift suspension", f"account {target_id}",
                        text)

    def audit_log(self, account: Account | None, limit: int = 200) -> list[AuditEntry]:
        """The newest entries first (moderators)."""
        moderator(account, self.db.now())
        return self.entries(limit)

    def entries(self, limit: int = 200) -> list[AuditEntry]:
        """The audit log without a check of who asks: for the administrator's command line only."""
        rows = self.db.read().execute(
            "SELECT moderator_name, action, target, reason, at FROM audit_log ORDER BY id DESC LIMIT ?",
            (limit,)).fetchall()
        return [AuditEntry(**dict(r)) for r in rows]
