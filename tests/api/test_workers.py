"""Several server workers over one knowledge base: an ingest through one reaches the others."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from healthqa.api.service import Service
from healthqa.settings import Settings
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
    ingesting = Service(Settings(rate_limit=0), str(kb))
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
    before = store.generation()
    service = Service(Settings(rate_limit=0), str(kb))
    service.start()
    try:
        write_medquad_xml(tmp_path / "new", "0000889", "Quorblax fever", [
            ("information", "What is (are) Quorblax fever ?", "Quorblax fever is a test condition."),
        ])
        service.ingest([str(tmp_path / "new")])
        assert store.generation() == before + 1
        service.ingest([str(tmp_path / "new")])  # the same files again: nothing changes
        assert store.generation() == before + 1
        with store.ingest():
            pass  # an empty transaction is no change either
        assert store.generation() == before + 1
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
