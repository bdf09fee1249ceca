"""``healthqa migrate --to postgresql://...``: a SQLite knowledge base copied into PostgreSQL answers the same."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from healthqa.cli import main
from healthqa.records import ParsedDocument, Passage, SectionType
from healthqa.store import DocumentRecord, PassageRecord, open_store
from kb_builders import build_kb, disease_documents, make_document
from postgres_server import temporary_database

QUESTIONS = ("What causes Lambert-Eaton myasthenic syndrome?", "How is gout treated?", "Is LEMS genetic?")


def _without_row_ids(document: DocumentRecord) -> DocumentRecord:
    """A document as any backend must return it: row ids are each backend's own (store/base.py)."""
    def plain(passage: PassageRecord) -> PassageRecord:
        return replace(passage, rowid=0, document_id=0)

    return replace(document, id=0, passages=[plain(p) for p in document.passages],
                   questions=[replace(q, rowid=0, document_id=0) for q in document.questions])


def _documents() -> list[ParsedDocument]:
    """The disease test documents, plus a passage that a higher-precedence one hides (it must stay hidden)."""
    judged = make_document("judged", "Gout", [], [(SectionType.CAUSES, "What causes gout?", "Uric acid.")])
    judged.passages[0] = Passage("Uric acid crystals in the joints cause gout.", SectionType.CAUSES,
                                 "GOUT_Sec1.txt", heading="What causes gout?", precedence=1)
    return [*disease_documents(), judged]


def test_migrate_copies_everything_and_answers_identically(tmp_path: Path) -> None:
    sqlite_kb = build_kb(tmp_path / "kb.db", _documents())
    runner = CliRunner()
    # Asking first embeds the passages into the SQLite file: the copy must carry the vectors over.
    before = {q: runner.invoke(main, ["ask", "--json", "--db", str(sqlite_kb), q]) for q in QUESTIONS}
    assert all(result.exit_code == 0 for result in before.values()), [r.output for r in before.values()]
    with temporary_database() as url:
        migrated = runner.invoke(main, ["migrate", "--db", str(sqlite_kb), "--to", url])
        assert migrated.exit_code == 0, migrated.output
        assert "all-MiniLM-L6-v2 vectors" in migrated.output
        source, target = open_store(str(sqlite_kb)), open_store(url)
        try:
            assert target.sources() == source.sources()
            keys = [head.key for head in source.iter_document_heads()]
            assert [head.key for head in target.iter_document_heads()] == keys
            for key in keys:
                assert _without_row_ids(target.document(key)) == _without_row_ids(source.document(key))
            # The hidden passage stays hidden, and its id resolves to the same winner.
            assert target.passage("GOUT_Sec1.txt").text == source.passage("GOUT_Sec1.txt").text
            assert target.passage_count() == source.passage_count()
            assert target.load_vectors("all-MiniLM-L6-v2")[1] == source.load_vectors("all-MiniLM-L6-v2")[1]
            assert not target.vector_texts_missing("all-MiniLM-L6-v2")
            for query in QUESTIONS:
                ours = [(p.public_id, round(s, 9)) for p, s in source.search_passages(query)]
                theirs = [(p.public_id, round(s, 9)) for p, s in target.search_passages(query)]
                assert theirs == ours
        finally:
            source.close()
            target.close()
        for question, expected in before.items():
            after = runner.invoke(main, ["ask", "--json", "--db", url, question])
            assert after.exit_code == 0, after.output
            assert json.loads(after.output) == json.loads(expected.output)
            assert json.loads(after.output)["answers"], question  # answers to compare, not two empty lists
        # A rerun finds every document unchanged and writes nothing new.
        again = runner.invoke(main, ["migrate", "--db", str(sqlite_kb), "--to", url])
        assert again.exit_code == 0, again.output
        assert "0 added, 0 replaced" in again.output


def test_migrate_refuses_what_is_not_a_sqlite_knowledge_base(tmp_path: Path) -> None:
    missing = CliRunner().invoke(main, ["migrate", "--db", str(tmp_path / "none.db"), "--to", str(tmp_path / "t.db")])
    assert missing.exit_code == 1 and "no such SQLite knowledge base file" in missing.output
    server = CliRunner().invoke(main, ["migrate", "--db", "postgresql://u:secret@h/db", "--to", str(tmp_path / "t.db")])
    assert server.exit_code == 1 and "not a database server" in server.output and "secret" not in server.output
