"""The passages and FAQ questions memory-mapped from a generation's files (healthqa.retrieve.passages.mapped_tables)
answer the store's lookups exactly as the store and the copied table do, and are built once per generation."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthqa.answer import rank
from healthqa.answer.answerer import Answerer
from healthqa.app import generation
from healthqa.errors import NotFoundError
from healthqa.records import QAPair, SectionType
from healthqa.retrieve import derived
from healthqa.retrieve._columns import Columns
from healthqa.retrieve.passages import PassageTable, mapped_tables
from healthqa.store import SQLiteStore
from healthqa.store.base import DocumentHead
from kb_builders import ORPHANET_DOCUMENTS, build_kb, disease_documents, make_document
from mapping import is_memory_mapped


def test_columns_give_back_every_row_with_its_nones_and_non_ascii_text() -> None:
    rows = [(1, "Sjögren's", None), (2, "", "x"), (-5, "line\nbreak", "")]
    columns = Columns("iso", Columns.pack("iso", rows))
    assert [columns.row(i) for i in range(len(columns))] == rows
    assert columns.integers(0).tolist() == [1, 2, -5]
    with pytest.raises(TypeError):
        columns.integers(1)
    with pytest.raises(IndexError):
        columns.row(3)
    with pytest.raises(ValueError, match="3 columns"):
        Columns.pack("iso", [(1, "a")])
    empty = Columns("iso", Columns.pack("iso", []))
    assert len(empty) == 0


def test_the_mapped_table_answers_as_the_store_does(tmp_path: Path) -> None:
    store = SQLiteStore(build_kb(tmp_path / "kb.db"))
    try:
        tables = mapped_tables(store)
        assert tables is not None
        questions = tables[1]
        table = PassageTable(store, mapped=tables)
        records = list(store.iter_passages())
        assert len(table) == len(records) > 5 and table.in_memory
        rowids = [p.rowid for p in reversed(records)] + [10**9, records[0].rowid]
        assert table.by_ids(rowids) == store.passages_by_ids(rowids)
        public = [p.public_id for p in records] + ["NO_SUCH_Sec1.txt"]
        assert table.by_public_ids(public) == store.passages_by_public_ids(public)
        documents = sorted({p.document_id for p in records}, reverse=True)
        for limit in (1, 3, 400):
            assert table.of_documents(documents, limit) == store.passages_of_documents(documents, limit)
        assert table.of_documents([10**9], 5) == []
        stored = {q.rowid: q for q in store.iter_questions()}
        assert dict(questions) == stored and len(questions) == len(stored) > 0
        with pytest.raises(KeyError):
            questions[10**9]
        # Another process (a new store object) maps the same files instead of building them again.
        again = mapped_tables(SQLiteStore(tmp_path / "kb.db"))
        assert again is not None and is_memory_mapped(again[0]._rowids)
    finally:
        store.close()


QUESTIONS = ("What is Kallmann syndrome?", "how is it inherited", "treatment of made-up disease",
             "what causes kallman syndrome?")


def test_a_server_s_answers_are_the_same_mapped_or_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(build_kb(tmp_path / "kb.db"))
    try:
        mapped = Answerer(store, in_memory=True, semantic=False)
        assert mapped.ranker.passages._mapped is not None
        monkeypatch.setattr(rank, "mapped_tables", lambda store, build_missing=True: None)
        copied = Answerer(store, in_memory=True, semantic=False)
        assert copied.ranker.passages._mapped is None
        for question in QUESTIONS:
            assert mapped.ask(question).to_json() == copied.ask(question).to_json()
    finally:
        store.close()


def test_switched_off_the_tables_are_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(derived.SWITCH, "off")
    store = SQLiteStore(build_kb(tmp_path / "kb.db"))
    try:
        assert mapped_tables(store) is None
        answerer = Answerer(store, in_memory=True, semantic=False)
        assert answerer.ranker.passages._mapped is None and answerer.ranker.passages.in_memory
    finally:
        store.close()


def test_what_an_answer_looks_up_besides_passages_is_answered_as_the_store_does(tmp_path: Path) -> None:
    # Orphanet records carry catalogue facts; a document whose only question has no answer has no passage.
    unanswered = make_document("unanswered", "Made-up unanswered condition", [], [])
    unanswered.questions = [QAPair("How is made-up unanswered condition treated?", SectionType.TREATMENT,
                                   "Q_UNANSWERED", answer_id="GONE_1")]
    store = SQLiteStore(build_kb(tmp_path / "kb.db", [*disease_documents(), *ORPHANET_DOCUMENTS, unanswered]))
    try:
        tables = mapped_tables(store)
        assert tables is not None
        mapped, from_store = PassageTable(store, mapped=tables), PassageTable(store)
        heads = list(store.iter_document_heads())
        assert any(not store.document(head.id).passages for head in heads)
        for head in [*heads, DocumentHead(10**9, "none", "none", "none", "none")]:
            assert mapped.document_page(head.id) == from_store.document_page(head.id)
            for kinds in (("inheritance",), ("prevalence", "onset"), ("gene",), ("no-such-kind",)):
                assert mapped.has_fact(head.id, kinds) == from_store.has_fact(head.id, kinds)
        assert any(mapped.has_fact(head.id, ("inheritance",)) for head in heads)
        answered = [q.answer_id for q in store.iter_questions() if q.answer_id] + ["NO_SUCH", "GONE_1"]
        assert mapped.questions_answered_by(answered) == store.questions_answered_by(answered)
        assert mapped.questions_answered_by(answered[::-1][:5]) == store.questions_answered_by(answered[::-1][:5])
        for public_id in answered:
            try:
                expected = store.passage(public_id)
            except NotFoundError:
                with pytest.raises(NotFoundError):
                    mapped.passage(public_id)
            else:
                assert mapped.passage(public_id) == expected
    finally:
        store.close()


def test_a_one_off_answerer_ranks_from_the_files_an_ingest_left_as_a_server_does(tmp_path: Path) -> None:
    store = SQLiteStore(build_kb(tmp_path / "kb.db"))
    try:
        before = Answerer(store, semantic=False)  # no derived files yet: the store's own searches, nothing built
        assert before.ranker.passage_lexical is None and not before.ranker.passages.in_memory
        assert not (tmp_path / "kb.db.derived" / f"{store.generation()}-v{derived.FORMAT_VERSION}" / "tables").exists()
        generation.prepare(store, None)  # what `healthqa ingest` leaves
        one_off = Answerer(store, semantic=False)
        server = Answerer(store, semantic=False, in_memory=True)
        assert one_off.ranker.passages._mapped is not None and one_off.ranker.passage_lexical is not None
        for question in QUESTIONS:
            assert one_off.ask(question).to_json() == server.ask(question).to_json()
    finally:
        store.close()
