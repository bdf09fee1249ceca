"""A server worker that did not run the ingest never embeds passages: it rebuilds without them (they are found by
their words), and again once the ingest has embedded them (which advances the generation)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from healthqa.app.service import Service
from healthqa.config import Settings
from healthqa.ingest import ingest_path
from healthqa.retrieve.encoder import MODEL_NAME
from healthqa.store.sqlite import SQLiteStore
from kb_builders import DOCUMENTS, build_kb, embed_passages, write_medquad_xml


def _rebuilt(service: Service, timeout: float = 120.0) -> None:
    assert service.follow_ingests(every=0)
    deadline = time.monotonic() + timeout
    while service._reloading:
        assert time.monotonic() < deadline, "the rebuild never finished"
        time.sleep(0.05)


def test_a_worker_rebuilds_without_embedding_then_again_once_the_ingest_embedded(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", DOCUMENTS, embed=True)
    server = Service(Settings(rate_limit=0), str(kb))
    server.start()
    store = SQLiteStore(kb)  # the ingesting process (healthqa ingest, migrate)
    try:
        assert server.answerer is not None and server.answerer.unembedded == 0
        write_medquad_xml(tmp_path / "new", "0000777", "Zyxoplasia lambertosis", [
            ("information", "What is (are) Zyxoplasia lambertosis ?", "Zyxoplasia lambertosis is a test condition."),
        ])
        ingest_path(store, tmp_path / "new")  # committed; its passages are embedded next
        _rebuilt(server)
        assert server.answerer.unembedded == 1
        assert len(store.vector_texts_missing(MODEL_NAME)) == 1  # the server wrote no vector
        answer = asyncio.run(server.ask("what is zyxoplasia lambertosis"))
        assert not answer.abstained and answer.answers[0].title == "Zyxoplasia lambertosis"  # by its words
        generation = store.generation()
        embed_passages(store)  # the ingest's last step
        assert store.generation() == generation + 1
        _rebuilt(server)
        assert server.answerer.unembedded == 0 and server._generation == generation + 1
        assert not server.follow_ingests(every=0)  # caught up
    finally:
        store.close()
        server.close()
