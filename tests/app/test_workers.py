"""Several server workers over one knowledge base: an ingest through one reaches the others."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import healthqa.answer.rank
import healthqa.retrieve.derived
from app.conftest import open_client
from healthqa.app.service import Service
from healthqa.config import Settings
from healthqa.store.sqlite import SQLiteStore
from kb_builders import DOCUMENTS, build_kb, write_medquad_xml

QUESTION = "what is zyxoplasia lambertosis"


def _wait_for_reload(service: Service, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while service._reloading:
        assert time.monotonic() < deadline, "the reload never finished"
        time.sleep(0.05)


def test_an_ingest_in_one_worker_reaches_the_other(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", DOCUMENTS)
    ingesting = Service(Settings(rate_limit=0, ingest_root=tmp_path), str(kb))
    other = Service(Settings(rate_limit=0), str(kb))
    ingesting.start()
    other.start()
    try:
        assert asyncio.run(other.ask(QUESTION)).abstained
        assert not other.follow_ingests(every=0)  # nothing changed yet
        write_medquad_xml(tmp_path / "new", "0000888", "Zyxoplasia lambertosis", [
            ("information", "What is (are) Zyxoplasia lambertosis ?", "Zyxoplasia lambertosis is a test condition."),
        ])
        assert ingesting.ingest([str(tmp_path / "new")])[0]["ok"]
        assert not ingesting.follow_ingests(every=0)  # its own ingest already rebuilt it
        assert not asyncio.run(ingesting.ask(QUESTION)).abstained
        old = other.answerer
        assert other.follow_ingests(every=0)
        _wait_for_reload(other)
        assert other.answerer is not old
        answer = asyncio.run(other.ask(QUESTION))
        assert not answer.abstained and answer.answers[0].title == "Zyxoplasia lambertosis"
        assert not other.follow_ingests(every=0)  # caught up
    finally:
        ingesting.close()
        other.close()


def test_checks_are_rate_limited_and_unchanged_reingest_is_no_change(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", DOCUMENTS)
    store = SQLiteStore(kb)
    service = Service(Settings(rate_limit=0, ingest_root=tmp_path), str(kb))
    service.start()
    before = store.generation()
    try:
        write_medquad_xml(tmp_path / "new", "0000889", "Quorblax fever", [
            ("information", "What is (are) Quorblax fever ?", "Quorblax fever is a test condition."),
        ])
        service.ingest([str(tmp_path / "new")])
        assert store.generation() == before + 2  # the documents' commit, then their vectors
        service.ingest([str(tmp_path / "new")])  # the same files again: nothing changes
        assert store.generation() == before + 2
        with store.ingest():
            pass  # an empty transaction is no change either
        assert store.generation() == before + 2
        # Another process's change is seen only once the check interval has passed.
        from healthqa.ingest import ingest_path

        write_medquad_xml(tmp_path / "more", "0000890", "Quorblax chill", [
            ("information", "What is (are) Quorblax chill ?", "Quorblax chill is a test condition."),
        ])
        ingest_path(store, tmp_path / "more")
        service._generation_checked = time.monotonic()
        assert not service.follow_ingests(every=3600)
        assert service.follow_ingests(every=0)
        _wait_for_reload(service)
    finally:
        service.close()
        store.close()


# -- a rebuild that fails ------------------------------------------------------------------------------

TOKEN = "a-test-admin-token-of-forty-characters-xx"


def _fail_once(monkeypatch: pytest.MonkeyPatch, error: Exception, where: str = "build_vectors") -> list[int]:
    """Make the next answerer build fail with ``error`` where it embeds the new passages (the real failure of
    issue 21: the tokenizer raced by a question), or at ``where`` in healthqa.retrieve.derived; later builds run
    the real code. Returns the calls made."""
    real: Callable[..., Any] = getattr(healthqa.retrieve.derived, where)
    calls: list[int] = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(healthqa.retrieve.derived, where, failing)
    return calls


def _new_condition(folder: Path, stem: str = "0000891") -> Path:
    write_medquad_xml(folder, stem, "Zyxoplasia lambertosis", [
        ("information", "What is (are) Zyxoplasia lambertosis ?", "Zyxoplasia lambertosis is a test condition."),
    ])
    return folder


def test_a_rebuild_that_fails_after_an_ingest_keeps_the_old_answers_and_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    kb = build_kb(tmp_path / "kb.db", DOCUMENTS)
    service = Service(Settings(rate_limit=0, ingest_root=tmp_path), str(kb))
    service.start()
    try:
        old = service.answerer
        calls = _fail_once(monkeypatch, RuntimeError("Unable to create tensor, you should probably activate padding"))
        # The data is committed, so the ingest reports it; the rebuild is left for the next check.
        with caplog.at_level(logging.ERROR, logger="healthqa.app"):
            [result] = service.ingest([str(_new_condition(tmp_path / "new"))])
        assert result["ok"] and result["documents_added"] == 1
        assert calls == [1]
        assert service.answerer is old  # still answering, from the previous state
        assert service.reload_pending()
        assert "RuntimeError" in caplog.text and "tensor" not in caplog.text  # the type, never the message
        assert service.follow_ingests(every=0)  # the generation check still sees the difference
        _wait_for_reload(service)
        assert not service.reload_pending() and service.answerer is not old
        answer = asyncio.run(service.ask(QUESTION))
        assert not answer.abstained and answer.answers[0].title == "Zyxoplasia lambertosis"
        assert not service.follow_ingests(every=0)  # caught up
    finally:
        service.close()


def test_a_background_reload_that_fails_unexpectedly_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthqa.ingest import ingest_path

    kb = build_kb(tmp_path / "kb.db", DOCUMENTS)
    service = Service(Settings(rate_limit=0), str(kb))
    service.start()
    store = SQLiteStore(kb)
    escaped: list[type[BaseException]] = []
    # An exception that leaves the reload thread is only printed; record it instead.
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_type))
    try:
        old = service.answerer
        ingest_path(store, _new_condition(tmp_path / "new"))  # another worker's (or the CLI's) ingest
        # That rebuild embeds nothing (the ingesting process does): it fails where it loads the derived indexes.
        calls = _fail_once(monkeypatch, KeyError("not a HealthQAError"), "ensure")
        assert service.follow_ingests(every=0)
        _wait_for_reload(service)
        assert calls == [1] and not escaped
        assert service.answerer is old and service.reload_pending()
        assert service.follow_ingests(every=0)  # retried at the next check
        _wait_for_reload(service)
        assert not service.reload_pending() and service.answerer is not old
        answer = asyncio.run(service.ask(QUESTION))
        assert not answer.abstained and answer.answers[0].title == "Zyxoplasia lambertosis"
    finally:
        service.close()
        store.close()


def test_an_http_ingest_whose_rebuild_fails_is_not_a_server_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = build_kb(tmp_path / "kb.db", DOCUMENTS)
    _new_condition(tmp_path / "sources" / "new")
    settings = Settings(rate_limit=0, admin_token=TOKEN, ingest_root=tmp_path / "sources")
    with open_client(kb, settings) as client:
        _fail_once(monkeypatch, RuntimeError("Already borrowed"))
        response = client.post("/api/ingest", json={"paths": ["new"]}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
        data = response.json()
        assert data["ok"] is True and data["reload_pending"] is True
        assert data["results"][0]["documents_added"] == 1
        deadline = time.monotonic() + 60
        while client.get("/api/ask", params={"q": QUESTION}).json()["abstained"]:
            assert time.monotonic() < deadline, "the worker never answered from the new content"
            time.sleep(0.5)
