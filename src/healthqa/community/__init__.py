"""Condition communities: where people with a condition, and their families, meet (issue 20).

A library first; the web pages and the JSON API (:mod:`healthqa.app.community`) and the CLI's admin commands
are thin layers over it. Everything lives in its own database (``HEALTHQA_COMMUNITY_DB``: a SQLite file, by
default beside the knowledge base: ``healthqa.db`` -> ``healthqa.community.db``; or a ``postgresql://`` URL,
:mod:`healthqa.community.postgres`), never in the knowledge base, which an ingest rebuilds.

Public API (one :class:`Community` per process; every method is safe from many threads)::

    community = Community.open("people.db", smtp_url=None)   # or "postgresql://user@host/people"
    community.accounts     sign_up, verify, sign_in (throttled), new_session, by_session, end_session,
                           request_reset, reset_password, change_password, delete, new_personal_token,
                           by_personal_token, set_moderator            (healthqa.community.accounts)
    community.discussions  join (creates the community on first join), leave, communities_of, summary,
                           start, reply, edit, delete, thread, discussions, latest (healthqa.community.discussions)
    community.moderation   report, queue, set_hidden, dismiss, suspend, audit_log (healthqa.community.moderation)
    community.mailer       send, outbox                                 (healthqa.community.mail)
    community.export(account)    everything stored about a person, as JSON-ready data
    find_conditions(index, store, text)   the condition records a name, synonym or code names
    question_in(title, body)     the question a post asks, for the trusted answer shown beside it

Who may do what is checked here, not only in the HTTP layer: every writing method takes the acting
:class:`Account` (or None for nobody signed in) and raises :class:`~healthqa.errors.NotAllowedError`.
Nothing here logs a post's text, an email address or a password.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from healthqa.community.accounts import Account, Accounts
from healthqa.community.db import Clock, Database, SQLiteDatabase
from healthqa.community.discussions import ROLES, Discussions, Post
from healthqa.community.discussions import Community as CommunityInfo
from healthqa.community.mail import Mailer, OutboxMessage
from healthqa.community.moderation import AuditEntry, Moderation, QueueItem
from healthqa.community.render import markdown_html
from healthqa.conditions import AmbiguousConditionError, Candidate, ConditionNotFoundError, DiseaseIndex
from healthqa.errors import ConfigError, NotFoundError
from healthqa.store import Store
from healthqa.understand import condense

__all__ = [
    "ROLES",
    "Account",
    "AuditEntry",
    "Community",
    "CommunityInfo",
    "OutboxMessage",
    "Post",
    "QueueItem",
    "community_path",
    "find_conditions",
    "markdown_html",
    "question_in",
]


def community_path(knowledge_base: str) -> str:
    """The default community file beside a knowledge base (``healthqa.db`` -> ``healthqa.community.db``).

    A knowledge base on a database server has no folder beside it, and a file on one host would split the
    communities of several hosts: HEALTHQA_COMMUNITY_DB must name their database then (ConfigError; the message
    never repeats the URL, which may hold a password)."""
    if "://" in knowledge_base and not knowledge_base.startswith("sqlite:///"):
        raise ConfigError(
            "HEALTHQA_COMMUNITY_DB is needed: the knowledge base is on a database server, and healthqa cannot "
            "place the communities' database beside it (name a postgresql:// database, or a SQLite file that "
            "every host serving this knowledge base shares)"
        )
    if knowledge_base.startswith("sqlite:///"):
        knowledge_base = knowledge_base[len("sqlite:///"):]
    return str(Path(knowledge_base).with_suffix(".community.db"))


def open_database(target: str | Path, clock: Clock = time.time) -> Database:
    """The community database at ``target``: a ``postgresql://`` URL, else a SQLite file."""
    if str(target).startswith(("postgresql://", "postgres://")):
        from healthqa.community.postgres import PostgresDatabase  # psycopg only when it is used

        return PostgresDatabase(str(target), clock)
    return SQLiteDatabase(target, clock)


class Community:
    def __init__(self, db: Database, mailer: Mailer, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self.mailer = mailer
        self.accounts = Accounts(db, mailer, hasher)
        self.discussions = Discussions(db)
        self.moderation = Moderation(db, self.discussions)

    @classmethod
    def open(cls, path: str | Path, *, smtp_url: str | None = None, sender: str = "healthqa@localhost",
             hasher: PasswordHasher | None = None, clock: Clock | None = None) -> Community:
        db = open_database(path, clock) if clock else open_database(path)
        return cls(db, Mailer(db, smtp_url, sender), hasher)

    def export(self, account: Account) -> dict[str, Any]:
        """Everything stored about ``account`` (its "download my data"), as docs/privacy.md lists it: what it
        wrote and reported, its communities with the join dates, its personal tokens (labels and dates; the
        tokens themselves are not stored), its mail still in the outbox, and the audit log's entries about its
        account (a suspension and its reason) and those it made as a moderator (review defect 9)."""
        fresh = self.accounts.get(account.id)
        db = self.db.read()

        def rows(sql: str, *values: object) -> list[dict[str, Any]]:
            return [dict(r) for r in db.execute(sql, values)]

        consent = db.execute("SELECT consent_at FROM accounts WHERE id = ?", (fresh.id,)).fetchone()
        joined = {r["community_id"]: r["joined_at"] for r in rows(
            "SELECT community_id, joined_at FROM memberships WHERE account_id = ?", fresh.id)}
        audit = "SELECT moderator_name, action, target, reason, at FROM audit_log WHERE {} ORDER BY id"
        return {
            "account": {**asdict(fresh), "consent_at": consent[0]},
            "communities": [{**asdict(c), "joined_at": joined.get(c.id)}
                            for c in self.discussions.communities_of(fresh)],
            "posts": [{k: v for k, v in asdict(p).items() if k != "author_id"}
                      for p in self.discussions.posts_by(fresh)],
            "reports": rows("SELECT post_id, reason, created_at FROM reports WHERE reporter_id = ? ORDER BY id",
                            fresh.id),
            "personal_tokens": rows("SELECT label, created_at FROM personal_tokens WHERE account_id = ? "
                                    "ORDER BY created_at", fresh.id),
            "mail_not_sent": rows("SELECT subject, body, created_at FROM outbox WHERE recipient = ? ORDER BY id",
                                  fresh.email),
            "audit_about_me": rows(audit.format("target = ?"), f"account {fresh.id}"),
            "audit_by_me": rows(audit.format("moderator_id = ?"), fresh.id),
        }

    def close(self) -> None:
        self.mailer.close()
        self.db.close()


def find_conditions(index: DiseaseIndex, store: Store, text: str) -> list[Candidate]:
    """The condition records ``text`` names (any name, synonym, abbreviation or code), else close names."""
    try:
        return [index.candidate(index.resolve(text, store))]
    except AmbiguousConditionError as error:
        return error.candidates
    except (ConditionNotFoundError, NotFoundError):
        return index.suggestions(text)


def question_in(title: str, body: str) -> str | None:
    """The question a post asks (its title when that is one, else its first question sentence), or None."""
    for text in (title, body):
        _, questions = condense(text)
        asked = [q for q in questions if q.endswith("?")]
        if asked:
            return title.strip() if text is title and title.strip().endswith("?") else asked[0]
    return None
