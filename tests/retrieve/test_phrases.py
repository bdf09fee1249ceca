"""Phrase counts on this machine (healthqa.retrieve.phrases): a database server's full-text index copied into a
local FTS5 file once per generation, answering exactly as the store does, superseded passages included."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthqa.records import Passage, SectionType
from healthqa.retrieve import derived
from healthqa.retrieve.phrases import LocalPhrases, phrase_counter
from healthqa.store import SQLiteStore, open_store
from kb_builders import DOCUMENTS, KALLMANN, build_kb, make_document
from postgres_server import temporary_database

PHRASES = ["lambert eaton", "Lambert-Eaton myasthenic syndrome", "inherited", "gout", "uric acid", "the",
           "kallmann syndrome", "sense of smell", "no such phrase here", "", "!!", "myasthenic lambert",
           "judged words only", "café", "LEMS"]


def test_a_sqlite_store_counts_its_own_phrases(tmp_path: Path) -> None:
    store = SQLiteStore(build_kb(tmp_path / "kb.db", [KALLMANN, *DOCUMENTS]))
    try:
        assert phrase_counter(store) is store
        assert not (tmp_path / "kb.db.derived").exists()
    finally:
        store.close()


def test_a_database_server_s_counts_come_from_a_local_copy_that_answers_as_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHQA_CACHE_DIR", str(tmp_path / "cache"))
    # A passage superseded by a judged copy still counts, as in the store's own full-text index.
    gout = make_document("gout", "Gout", [], [(SectionType.CAUSES, "What causes gout?", "Uric acid causes gout.")])
    judged = make_document("gout-judged", "Gout", [], [])
    judged.passages = [Passage("Judged words only: uric acid.", SectionType.CAUSES, "GOUT_Sec1.txt",
                               heading="What causes gout?", precedence=1)]
    with temporary_database() as url:
        store = open_store(url)
        try:
            with store.ingest() as transaction:
                for document in [KALLMANN, *DOCUMENTS, gout, judged]:
                    transaction.put_document(document)
            local = phrase_counter(store)
            assert isinstance(local, LocalPhrases) and local.rows == len(list(store.iter_indexed_texts()))
            assert local.rows > store.passage_count()  # the superseded passage is in the copy
            for phrase in PHRASES:
                for cap in (1, 3, 5000):
                    assert local.phrase_frequency(phrase, cap) == store.phrase_frequency(phrase, cap), (phrase, cap)
            assert local.phrase_frequency("uric acid") == 2
            # Another process maps the same file: nothing is built again.
            part = derived.generation_folder(derived.derived_root(store) or Path(), store.generation()) / "phrases"
            written = (part / "manifest.json").stat().st_mtime_ns
            again = phrase_counter(open_store(url))
            assert isinstance(again, LocalPhrases) and (part / "manifest.json").stat().st_mtime_ns == written
            # A damaged copy is ignored and rebuilt, never a wrong count.
            (part / "phrases.db").write_bytes(b"not a database")
            rebuilt = phrase_counter(store)
            assert isinstance(rebuilt, LocalPhrases)
            assert rebuilt.phrase_frequency("gout") == store.phrase_frequency("gout")
            monkeypatch.setenv(derived.SWITCH, "off")
            assert phrase_counter(store) is store
        finally:
            store.close()
