from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from healthqa.errors import NotFoundError, StoreError
from healthqa.records import (
    DrugMention,
    Organisation,
    ParsedDocument,
    Passage,
    QAPair,
    SectionType,
    SourceInfo,
    Tier,
)
from healthqa.store import SQLiteStore, open_store

AGENCY = SourceInfo("Test Agency", "Test Agency, Dept. of Health", "https://agency.test", "CC BY 4.0",
                    Tier.GOVERNMENT_REVIEWED)


def make_document(key: str = "test:1", text: str = "Gout is a painful form of arthritis.",
                  public_id: str = "T_1_Sec1.txt", precedence: int = 0) -> ParsedDocument:
    return ParsedDocument(
        source=AGENCY,
        key=key,
        title="Gout",
        url="https://agency.test/gout",
        focus=["Gout"],
        synonyms=["Podagra"],
        codes=[("UMLS", "C0018099")],
        updated="2020-05-01",
        passages=[Passage(text, SectionType.INFORMATION, public_id, heading="What is gout?",
                          precedence=precedence)],
        questions=[QAPair("What is gout?", SectionType.INFORMATION, public_id, answer_id=public_id)],
        organisations=[Organisation("Arthritis Org", "1 Main St", "555-0100")],
        drugs=[DrugMention("Zyloprim", "allopurinol")],
        references=["A textbook, 2020."],
    )


@pytest.fixture()
def store(tmp_path: Path) -> SQLiteStore:
    kb = SQLiteStore(tmp_path / "kb.db")
    yield kb
    kb.close()


def test_new_store_is_migrated_to_the_latest_schema(store: SQLiteStore) -> None:
    version = sqlite3.connect(store.path).execute("PRAGMA user_version").fetchone()[0]
    assert version == SQLiteStore.schema_version >= 1
    assert sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.sources() == []
    assert store.healthy()


def test_a_store_from_a_newer_healthqa_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=str(path)):
        open_store(str(path))


def test_document_round_trip_keeps_everything(store: SQLiteStore) -> None:
    with store.ingest() as tx:
        tx.put_document(make_document())
    doc = store.document("test:1")
    assert doc.title == "Gout" and doc.updated == "2020-05-01" and doc.source == "Test Agency"
    assert ("Podagra", "synonym") in doc.names and ("UMLS", "C0018099") in doc.codes
    assert doc.passages[0].text == "Gout is a painful form of arthritis."
    assert doc.questions[0].answer_id == "T_1_Sec1.txt"
    assert doc.organisations[0].phone == "555-0100"
    assert doc.drugs == [DrugMention("Zyloprim", "allopurinol")]
    assert doc.references == ["A textbook, 2020."]
    assert store.document(doc.id).key == "test:1"
    passage = store.passage("T_1_Sec1.txt")
    assert (passage.source, passage.tier, passage.url) == ("Test Agency", "government_reviewed",
                                                          "https://agency.test/gout")
    [summary] = store.sources()
    assert (summary.documents, summary.passages, summary.questions, summary.newest) == (1, 1, 1, "2020-05-01")


def test_unknown_ids_raise_not_found(store: SQLiteStore) -> None:
    with pytest.raises(NotFoundError):
        store.passage("nope")
    with pytest.raises(NotFoundError):
        store.document("nope")


def test_unchanged_document_is_a_no_op_and_changed_one_replaces(store: SQLiteStore) -> None:
    with store.ingest() as tx:
        tx.put_document(make_document())
    with store.ingest() as tx:
        tx.put_document(make_document())
        assert tx.stats.documents_unchanged == 1 and tx.stats.documents_added == 0
    with store.ingest() as tx:
        tx.put_document(make_document(text="Gout is a kind of arthritis caused by uric acid crystals."))
        assert tx.stats.documents_replaced == 1
    assert store.passage("T_1_Sec1.txt").text.startswith("Gout is a kind")
    assert [p.text for p, _ in store.search_passages("painful")] == []
    assert len(store.search_passages("crystals")) == 1
    assert store.sources()[0].passages == 1


def test_failed_ingest_rolls_back_everything(store: SQLiteStore) -> None:
    with store.ingest() as tx:
        tx.put_document(make_document())
    with pytest.raises(RuntimeError), store.ingest() as tx:
        tx.put_document(make_document(key="test:2", public_id="T_2_Sec1.txt", text="Lupus is autoimmune."))
        tx.remove_document("test:1")
        raise RuntimeError("crash part-way")
    assert [d.documents for d in store.sources()] == [1]
    assert store.passage("T_1_Sec1.txt").title == "Gout"
    assert store.search_passages("lupus") == []


def test_higher_precedence_wins_by_id_and_by_identical_text(store: SQLiteStore) -> None:
    with store.ingest() as tx:
        tx.put_document(make_document("xml:1", "Old wording under the judged id.", "X_Sec1.txt"))
        tx.put_document(make_document("xml:2", "The judged answer text.  ", "X_Sec2.txt"))
    with store.ingest() as tx:
        # The judged copy says X_Sec1 holds the text that today's XML has under X_Sec2.
        tx.put_document(make_document("judged:1", "The judged answer text.)", "X_Sec1.txt", precedence=1))
    assert store.passage("X_Sec1.txt").text == "The judged answer text.)"
    assert store.passage("X_Sec2.txt").public_id == "X_Sec1.txt"  # the shifted copy resolves to the winner
    assert store.sources()[0].passages == 1
    assert [p.public_id for p, _ in store.search_passages("judged answer")] == ["X_Sec1.txt"]
    # Removing the winner brings the XML passages back.
    with store.ingest() as tx:
        tx.remove_document("judged:1")
    assert store.sources()[0].passages == 2


def test_search_accepts_hostile_query_syntax(store: SQLiteStore) -> None:
    with store.ingest() as tx:
        tx.put_document(make_document())
    for query in ['NEAR(gout', '"gout', "gout AND OR NOT", "*", "gout*", "'; DROP TABLE passage; --", ""]:
        results = store.search_passages(query)
        assert all(p.public_id == "T_1_Sec1.txt" for p, _ in results)
        store.search_questions(query)
    assert store.sources()[0].passages == 1


def test_readers_are_not_blocked_by_an_ingest(store: SQLiteStore) -> None:
    with store.ingest() as tx:
        tx.put_document(make_document())
    reader = SQLiteStore(store.path)
    try:
        with store.ingest() as tx:
            tx.put_document(make_document(key="test:2", public_id="T_2_Sec1.txt", text="Lupus is autoimmune."))
            # Mid-transaction, another connection still reads the last committed state at once.
            assert [s.documents for s in reader.sources()] == [1]
            assert reader.search_passages("lupus") == []
        assert [s.documents for s in reader.sources()] == [2]
    finally:
        reader.close()


def test_a_knowledge_base_made_before_identities_gets_one_at_its_first_opening(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    store = SQLiteStore(path)
    with store.ingest() as tx:
        tx.put_document(make_document())
    store.close()
    with sqlite3.connect(path) as connection:  # as the migrations up to 0004 left it
        connection.execute("ALTER TABLE generation DROP COLUMN identity")
        connection.execute("PRAGMA user_version=4")
    first, second = SQLiteStore(path), SQLiteStore(path)
    try:
        assert len(first.identity()) == 32 and second.identity() == first.identity()
        assert first.generation() == 1 and first.passage_count() == 1
    finally:
        first.close()
        second.close()


def test_two_processes_opening_an_older_knowledge_base_at_once_migrate_it_once(tmp_path: Path) -> None:
    import threading
    import time

    path = tmp_path / "kb.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as connection:  # as the migrations up to 0004 left it
        connection.execute("ALTER TABLE generation DROP COLUMN identity")
        connection.execute("PRAGMA user_version=4")
    first = sqlite3.connect(path, isolation_level=None)
    first.execute("BEGIN IMMEDIATE")  # the first opener, migrating
    opened: list[object] = []
    second = threading.Thread(target=lambda: opened.append(_open_or_error(path)))
    second.start()  # reads version 4, then waits for the writer's lock
    time.sleep(0.5)
    first.execute("ALTER TABLE generation ADD COLUMN identity TEXT")
    first.execute("UPDATE generation SET identity = 'from-the-first-opener'")
    first.execute("PRAGMA user_version=5")
    first.execute("COMMIT")
    first.close()
    second.join(30)
    [store] = opened
    assert isinstance(store, SQLiteStore), store
    try:
        assert store.identity() == "from-the-first-opener"
    finally:
        store.close()


def _open_or_error(path: Path) -> SQLiteStore | Exception:
    try:
        return SQLiteStore(path)
    except StoreError as error:
        return error
