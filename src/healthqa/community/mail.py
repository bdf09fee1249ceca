"""Mail to people: through SMTP when ``HEALTHQA_SMTP_URL`` is set, else into the outbox table.

Every message is queued in the outbox table first, in the same transaction as what it announces; with SMTP a
background thread sends it and deletes it once sent (:class:`Mailer`), so a mail server that is down never
fails a request nor shows which emails have accounts. Without SMTP (development, a small deployment)
``healthqa users outbox`` lists the table and an administrator passes the links on. Messages hold links and
fixed wording, never a post's text.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from healthqa.community.db import Connection, Database
from healthqa.errors import ConfigError

SMTP_TIMEOUT = 20.0
POLL_SECONDS = 1.0  # the sender looks at the outbox this often (and at once when a message is queued)
CLAIM_SECONDS = 600.0  # a message being sent is not picked by another process for this long
RETRY_SECONDS = (60.0, 300.0, 1800.0, 7200.0, 21600.0)  # after each failure; then it stays for the administrator
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    recipient: str
    subject: str
    body: str
    created_at: float


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: bool  # smtps:// (TLS from the start); smtp:// upgrades with STARTTLS when the server offers it
    user: str
    password: str


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://user:password@host:587`` or ``smtps://host:465``; ConfigError names the problem, never the
    password."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError("HEALTHQA_SMTP_URL: expected smtp://host:port or smtps://host:port")
    if not parts.hostname:
        raise ConfigError("HEALTHQA_SMTP_URL: the host is missing")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise ConfigError("HEALTHQA_SMTP_URL: the port is not a number") from None
    return SmtpTarget(parts.hostname, port, parts.scheme == "smtps", unquote(parts.username or ""),
                      unquote(parts.password or ""))


class Mailer:
    """Every message goes into the outbox table, in the caller's transaction; nothing is sent while a request
    waits. With SMTP configured, a background thread sends what is due and deletes it once sent; a failure is
    retried later (``RETRY_SECONDS``), and logged by its type only, never an address or a message."""

    def __init__(self, db: Database, smtp_url: str | None = None, sender: str = "healthqa@localhost") -> None:
        self.db = db
        self.smtp = parse_smtp_url(smtp_url) if smtp_url else None
        self.sender = sender
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._sending = threading.Lock()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def start(self) -> None:
        """Start the background sender (with SMTP; once): the server calls it at start, so that mail queued
        before a restart goes out; queuing a message starts it too. A command that only reads never does."""
        if self.smtp is None:
            return
        with self._starting:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="healthqa-community-mail", daemon=True)
                self._thread.start()

    def queue(self, db: Connection, recipient: str, subject: str, body: str) -> None:
        """Queue a message inside the open write transaction ``db`` (it goes out only if that commits)."""
        now = self.db.now()
        db.execute("INSERT INTO outbox (recipient, subject, body, created_at, next_try_at) VALUES (?, ?, ?, ?, ?)",
                   (recipient, subject, body, now, now))
        self.start()
        self._wake.set()

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Queue a message in a transaction of its own."""
        with self.db.write() as db:
            self.queue(db, recipient, subject, body)

    def deliver_due(self) -> int:
        """Send the queued messages that are due (SMTP only); how many went out. The background thread calls
        this; a message is claimed first, so that two processes on one file do not both send it."""
        if self.smtp is None:
            return 0
        with self._sending:
            now = self.db.now()
            rows = self.db.read().execute(
                "SELECT id, recipient, subject, body, attempts FROM outbox WHERE next_try_at <= ? AND attempts < ? "
                "ORDER BY id LIMIT 50", (now, len(RETRY_SECONDS) + 1)).fetchall()
            sent = 0
            for row in rows:
                with self.db.write() as db:
                    claimed = db.execute("UPDATE outbox SET next_try_at = ? WHERE id = ? AND next_try_at <= ?",
                                         (now + CLAIM_SECONDS, row["id"], now)).rowcount
                if not claimed:
                    continue
                try:
                    self._smtp_send(row["recipient"], row["subject"], row["body"])
                except Exception as error:
                    self._failed(int(row["id"]), int(row["attempts"]) + 1, type(error).__name__)
                    continue
                with self.db.write() as db:
                    db.execute("DELETE FROM outbox WHERE id = ?", (row["id"],))
                sent += 1
            return sent

    def _failed(self, message_id: int, attempts: int, failure: str) -> None:
        if attempts > len(RETRY_SECONDS):
            log.error("community mail: a message could not be sent after %d tries (%s); it stays in the outbox "
                      "(healthqa users outbox)", attempts, failure)
            delay = 0.0
        else:
            delay = RETRY_SECONDS[attempts - 1]
            log.warning("community mail: sending a message failed (%s); trying again in %d s", failure, delay)
        with self.db.write() as db:
            db.execute("UPDATE outbox SET attempts = ?, next_try_at = ? WHERE id = ?",
                       (attempts, self.db.now() + delay, message_id))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except Exception as error:
                log.error("community mail: the sender met an error (%s); it goes on", type(error).__name__)
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def _smtp_send(self, recipient: str, subject: str, body: str) -> None:
        target = self.smtp
        assert target is not None
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, recipient, subject
        message.set_content(body)
        client: smtplib.SMTP
        if target.tls:
            client = smtplib.SMTP_SSL(target.host, target.port, timeout=SMTP_TIMEOUT)
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT)
        with client:
            if not target.tls:
                client.ehlo()
                if client.has_extn("starttls"):
                    client.starttls()
                    client.ehlo()
            if target.user:
                client.login(target.user, target.password)
            # The one recipient we mean, not whatever the To header might be parsed into (review defect 14).
            client.send_message(message, to_addrs=[recipient])

    def close(self) -> None:
        """Stop the sender thread (what is queued stays queued)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=SMTP_TIMEOUT * 3)

    def outbox(self, limit: int = 50) -> list[OutboxMessage]:
        """The newest messages first: with SMTP, those not sent yet."""
        rows = self.db.read().execute(
            "SELECT id, recipient, subject, body, created_at FROM outbox ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [OutboxMessage(**dict(row)) for row in rows]
