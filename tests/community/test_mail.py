"""Mail over SMTP (a small real SMTP server on 127.0.0.1, written for the test) and the settings around it."""

from __future__ import annotations

import logging
import socketserver
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from community.conftest import LINK_BASE, PASSWORD, Clock, cheap_hasher
from healthqa.community import Community
from healthqa.community.mail import parse_smtp_url
from healthqa.config import Settings
from healthqa.errors import ConfigError

Received = tuple[list[str], str]  # (recipients, the message as sent)


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib: greeting, EHLO, MAIL, RCPT, DATA (to the lone dot), QUIT."""

    received: ClassVar[list[Received]] = []
    refuse: ClassVar[bool] = False  # True: the server is "down for now" (451 to every message)

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline().decode():
            command = line.strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 test")
            elif command.startswith("MAIL"):
                self.reply("451 try again later" if self.refuse else "250 ok")
            elif command.startswith("RCPT"):
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 ok")
            elif command == "DATA":
                self.reply("354 go on")
                data = []
                while (body := self.rfile.readline().decode()) not in (".\r\n", ""):
                    data.append(body)
                self.received.append((recipients, "".join(data)))
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture()
def smtp_server() -> Iterator[tuple[int, list[Received]]]:
    _SMTPHandler.received = []
    _SMTPHandler.refuse = False
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], _SMTPHandler.received
    finally:
        server.shutdown()
        server.server_close()


def test_the_verification_link_goes_out_by_smtp(tmp_path: Path, smtp_server: tuple[int, list[Received]]) -> None:
    port, received = smtp_server
    community = Community.open(tmp_path / "p.db", smtp_url=f"smtp://127.0.0.1:{port}", sender="site@example.org",
                               hasher=cheap_hasher())
    try:
        community.accounts.sign_up("ann@example.org", "Ann", PASSWORD, True, LINK_BASE)
        assert _eventually(lambda: bool(received) and not community.mailer.outbox())  # the sender thread
        [(recipients, message)] = received
        assert recipients == ["ann@example.org"] and "From: site@example.org" in message
        assert f"{LINK_BASE}/community/verify?token=" in message
    finally:
        community.close()


def _eventually(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Whether ``condition`` holds within ``seconds`` (a wait for the sender thread, not a speed check)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_mail_server_that_is_down_fails_nothing_and_the_mail_goes_out_later(
        tmp_path: Path, smtp_server: tuple[int, list[Received]], caplog: pytest.LogCaptureFixture) -> None:
    """Review defect 5: an SMTP failure was a 500 (and only for emails without an account, which told them
    apart) and left an account whose link never went out. Now every mail waits in the outbox, and the sender
    retries; its log names the failure's type only."""
    port, received = smtp_server
    _SMTPHandler.refuse = True
    clock = Clock()
    community = Community.open(tmp_path / "p.db", smtp_url=f"smtp://127.0.0.1:{port}", hasher=cheap_hasher(),
                               clock=clock)
    try:
        with caplog.at_level(logging.WARNING, logger="healthqa.community.mail"):
            community.accounts.sign_up("ann@example.org", "Ann", PASSWORD, True, LINK_BASE)  # no error
            community.accounts.sign_up("ann@example.org", "Bob", PASSWORD, True, LINK_BASE)  # taken: no error
            community.accounts.request_reset("ann@example.org", LINK_BASE)
            assert _eventually(lambda: len([r for r in caplog.records if "failed" in r.getMessage()]) >= 3)
        assert received == [] and len(community.mailer.outbox()) == 3  # kept for the next try
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert "SMTPSenderRefused" in logged
        assert "ann@example.org" not in logged and "token" not in logged and "password" not in logged.lower()
        _SMTPHandler.refuse = False
        clock.now += 61  # the first retry is due
        assert _eventually(lambda: len(received) == 3 and not community.mailer.outbox())
        assert all(recipients == ["ann@example.org"] for recipients, _ in received)
    finally:
        community.close()


def test_smtp_settings_are_checked() -> None:
    target = parse_smtp_url("smtps://user%40x:p%3Ass@mail.example.org")
    assert (target.host, target.port, target.tls, target.user, target.password) == (
        "mail.example.org", 465, True, "user@x", "p:ss")
    assert parse_smtp_url("smtp://mail.example.org:587").port == 587
    for wrong in ("http://mail.example.org", "smtp://", "smtp://host:port"):
        with pytest.raises(ConfigError, match="HEALTHQA_SMTP_URL") as error:
            parse_smtp_url(wrong)
        assert "p:ss" not in str(error.value)
    with pytest.raises(ConfigError, match="HEALTHQA_PUBLIC_URL"):
        Settings.from_env({"HEALTHQA_SMTP_URL": "smtp://mail.example.org"})
    with pytest.raises(ConfigError, match="HEALTHQA_PUBLIC_URL"):
        Settings.from_env({"HEALTHQA_PUBLIC_URL": "healthqa.example.org"})
    settings = Settings.from_env({"HEALTHQA_SMTP_URL": "smtp://mail.example.org",
                                  "HEALTHQA_PUBLIC_URL": "https://healthqa.example.org/",
                                  "HEALTHQA_COMMUNITY_DB": "/data/people.db", "HEALTHQA_PASSWORD_MEMORY_KIB": "1024"})
    assert settings.public_url == "https://healthqa.example.org" and settings.community_db == "/data/people.db"
    assert settings.password_memory_kib == 1024
    with pytest.raises(ConfigError, match="HEALTHQA_PASSWORD_MEMORY_KIB"):
        Settings.from_env({"HEALTHQA_PASSWORD_MEMORY_KIB": "8"})


def test_mail_queued_before_a_restart_goes_out_when_the_sender_starts(
        tmp_path: Path, smtp_server: tuple[int, list[Received]]) -> None:
    """The outbox outlives the process: a new Community's sender, once started (the server starts it), sends
    what an earlier one queued. Opening the file alone (as the admin commands do) sends nothing."""
    port, received = smtp_server
    url = f"smtp://127.0.0.1:{port}"
    _SMTPHandler.refuse = True
    first = Community.open(tmp_path / "p.db", smtp_url=url, hasher=cheap_hasher())
    first.accounts.sign_up("ann@example.org", "Ann", PASSWORD, True, LINK_BASE)
    first.close()
    _SMTPHandler.refuse = False
    with sqlite3.connect(tmp_path / "p.db") as db:  # as if the retry were due now
        db.execute("UPDATE outbox SET next_try_at = 0")
    second = Community.open(tmp_path / "p.db", smtp_url=url, hasher=cheap_hasher())
    try:
        time.sleep(0.5)
        assert received == [] and len(second.mailer.outbox()) == 1
        second.mailer.start()
        assert _eventually(lambda: len(received) == 1 and not second.mailer.outbox())
    finally:
        second.close()
