"""The in-memory passage table answers the store's three lookups exactly as the store does, on each backend."""

from __future__ import annotations

import csv
from pathlib import Path

from healthqa.ingest import ingest_path
from healthqa.retrieve.passages import PassageTable, mapped_tables
from healthqa.store import open_store
from kb_builders import KnowledgeBases, write_medquad_file


def test_the_table_answers_as_the_store_does(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    store = open_store(kb_backend.build(tmp_path / "kb.db"))
    try:
        table = PassageTable(store, store.iter_passages())
        passages = list(store.iter_passages())
        assert len(table) == len(passages) > 5 and table.in_memory
        rowids = [p.rowid for p in reversed(passages)] + [10**9]
        assert table.by_ids(rowids) == store.passages_by_ids(rowids)
        public = [p.public_id for p in passages] + ["NO_SUCH_Sec1.txt"]
        assert table.by_public_ids(public) == store.passages_by_public_ids(public)
        documents = sorted({p.document_id for p in passages}, reverse=True)
        for limit in (1, 3, 400):
            assert table.of_documents(documents, limit) == store.passages_of_documents(documents, limit)
        assert table.of_documents(documents[:1]) == store.passages_of_documents(documents[:1])
        reader = PassageTable(store)  # no copy: every lookup goes to the store
        assert not reader.in_memory and len(reader) == 0
        assert reader.of_documents(documents, 3) == store.passages_of_documents(documents, 3)
        assert reader.by_ids(rowids) == store.passages_by_ids(rowids)
    finally:
        store.close()


def test_a_superseded_id_resolves_to_its_winner_through_the_store(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    # The judged CSV's text wins for its id, and today's XML holds that text one pair further (Sec3): both
    # XML passages are superseded, and Sec3 resolves to the judged Sec2.
    write_medquad_file(tmp_path / "medquad" / "8_NHLBI_QA_XML", "0000051", "Made-up clot", [
        ("information", "What is (are) Made-up clot ?", "A made-up clot is a clot."),
        ("causes", "What causes Made-up clot ?", "Words the judges never saw."),
        ("causes", "What causes Made-up clot ?", "Clots are made up."),
    ], source="NHLBI")
    judged = tmp_path / "judged.csv"
    with judged.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([("AnswerID", "Answer"), ("NHLBI_0000051_Sec2.txt",
                          "Question: What causes Made-up clot ?\nURL: https://example.test/0000051\n"
                          "Answer: Clots are made up.) \n")])
    store = open_store(kb_backend.empty(tmp_path / "kb.db"))
    try:
        assert ingest_path(store, tmp_path / "medquad").ok and ingest_path(store, judged).ok
        table = PassageTable(store, store.iter_passages())
        ids = ["NHLBI_0000051_Sec1.txt", "NHLBI_0000051_Sec2.txt", "NHLBI_0000051_Sec3.txt"]
        assert "NHLBI_0000051_Sec3.txt" not in {p.public_id for p in store.iter_passages()}
        found = table.by_public_ids(ids)
        assert found == store.passages_by_public_ids(ids)
        assert found["NHLBI_0000051_Sec3.txt"] == found["NHLBI_0000051_Sec2.txt"]
        assert found["NHLBI_0000051_Sec2.txt"].text == "Clots are made up."
        # The mapped table knows the winner of a superseded id that an FAQ question names, without the store.
        tables = mapped_tables(store)
        assert tables is not None
        assert PassageTable(store, mapped=tables).by_public_ids(ids) == found
    finally:
        store.close()
