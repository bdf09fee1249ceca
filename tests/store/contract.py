"""The store contract (healthqa.store.base's docstring) as checks that every backend must pass.

Each check takes a :class:`Backend`: a way to open the same, initially empty knowledge base as many times as
needed (each opening is what another process or host would have: its own connections), and a way to run code
just before each SQL statement a store sends from this thread (to commit an ingest between two statements of
one read, deterministically). tests/store/test_contract.py runs every check against SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import numpy as np
import pytest

from healthqa.errors import NotFoundError
from healthqa.records import Fact, ParsedDocument, Passage, QAPair, SectionType, SourceInfo, Tier
from healthqa.store.base import Store

AGENCY = SourceInfo("Contract Agency", "Contract Agency, Dept. of Health", "https://agency.test", "CC BY 4.0",
                    Tier.GOVERNMENT_REVIEWED)


@dataclass
class Backend:
    """Opens the knowledge base under test; every store it opened is closed by :meth:`close_all`."""

    opener: Callable[[], Store]
    # statements(store, callback): while the context is open, callback(sql) runs just before each statement
    # that ``store`` executes in this thread, and its exceptions are the check's to record.
    statements: Callable[[Store, Callable[[str], None]], AbstractContextManager[None]]
    # Deletes the knowledge base (every opening closed first) so that the next opening creates another one at the
    # same place: the SQLite file removed, the PostgreSQL schema dropped.
    recreate: Callable[[], None] = lambda: None
    opened: list[Store] = field(default_factory=list)

    def open(self) -> Store:
        store = self.opener()
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()
        self.opened.clear()


def document(key: str, title: str, passages: list[tuple[str, str, str]], *, precedence: int = 0,
             url: str | None = None, origin: str = "") -> ParsedDocument:
    """A document of (public id, heading, text) passages, each with the FAQ question its heading asks."""
    return ParsedDocument(
        source=AGENCY, key=key, title=title, url=url or f"https://agency.test/{key}", focus=[title],
        updated="2024-01-01", origin=origin or f"/data/{key}.xml",
        passages=[Passage(text, SectionType.INFORMATION, pid, heading=heading, precedence=precedence)
                  for pid, heading, text in passages],
        questions=[QAPair(heading, SectionType.INFORMATION, f"Q_{pid}", answer_id=pid)
                   for pid, heading, _ in passages if heading],
    )


CORPUS = [
    document("c:gout", "Gout", [
        ("GOUT_1", "What is gout?", "Gout is a painful form of arthritis caused by uric acid crystals in a joint."),
        ("GOUT_2", "How is gout treated?", "Gout attacks are treated with anti-inflammatory medicines; "
                                           "allopurinol lowers uric acid over months."),
    ]),
    document("c:lems", "Lambert-Eaton myasthenic syndrome", [
        ("LEMS_1", "What is Lambert-Eaton myasthenic syndrome?",
         "Lambert-Eaton myasthenic syndrome is a rare autoimmune disorder of the neuromuscular junction; "
         "muscle weakness of the legs is common."),
        ("LEMS_2", "What causes it?", "About half of the people with it have small cell lung cancer. "
                                      "Antibodies attack calcium channels at the nerve endings."),
    ]),
    document("c:arthritis", "Arthritis", [
        ("ARTH_1", "What is arthritis?", "Arthritis means joint inflammation; gout is one kind of arthritis, "
                                         "and the joints become painful, swollen and stiff."),
        ("ARTH_2", "", "Café staff and naïve runners run; running injures joints. Arthritis Arthritis."),
    ]),
]


def ingest(store: Store, *documents: ParsedDocument) -> None:
    with store.ingest() as transaction:
        for item in documents:
            transaction.put_document(item)


def fts5_scores(rows: list[tuple[str, ...]], weights: tuple[float, ...], query: str) -> dict[int, float]:
    """{row number: score} by the contract's definition, FTS5's own bm25() over a table of just ``rows``."""
    columns = [f"c{n}" for n in range(len(weights))]
    with sqlite3.connect(":memory:") as db:
        db.execute(f"CREATE VIRTUAL TABLE t USING fts5({', '.join(columns)}, "
                   "tokenize = 'porter unicode61 remove_diacritics 2')")
        db.executemany(f"INSERT INTO t(rowid, {', '.join(columns)}) VALUES (?, {', '.join('?' * len(columns))})",
                       [(n, *row) for n, row in enumerate(rows)])
        match = " OR ".join(f'"{w}"' for w in dict.fromkeys(re.findall(r"\w+", query.lower())) if len(w) > 1)
        weight_args = ", ".join(map(str, weights))
        found = db.execute(f"SELECT rowid, -bm25(t, {weight_args}) FROM t WHERE t MATCH ?", (match,)).fetchall()
    return {int(row): float(score) for row, score in found}


def reference_scores(documents: list[ParsedDocument], query: str) -> dict[str, float]:
    """The contract's BM25 of every passage (superseded ones count in N), by passage text."""
    rows = [(d.title, p.heading, p.text) for d in documents for p in d.passages]
    return {rows[row][2]: score for row, score in fts5_scores(rows, (2.0, 2.0, 1.0), query).items()}


# -- search scores ------------------------------------------------------------------------------------


def check_passage_scores_are_the_contract_bm25(backend: Backend) -> None:
    store = backend.open()
    ingest(store, *CORPUS)
    for query in ("painful gout arthritis", "lambert eaton", "uric acid joint", "cafe naive running",
                  "What is gout?", "calcium 2024 x", "is it as a", "runs running run"):
        found = store.search_passages(query, 50)
        expected = reference_scores(CORPUS, query)
        assert {p.text: s for p, s in found} == pytest.approx(expected, rel=1e-12), query
        scores = [s for _, s in found]
        assert scores == sorted(scores, reverse=True)
        for (a, sa), (b, sb) in itertools.pairwise(found):
            assert sa > sb or a.rowid < b.rowid  # equal scores in row id order
    assert store.search_passages("", 5) == []
    assert store.search_passages('"; DROP TABLE passage; -- * NEAR(', 5) == []  # user text is never syntax
    assert len(store.search_passages("arthritis gout", 2)) == 2


def check_question_scores_are_the_contract_bm25(backend: Backend) -> None:
    store = backend.open()
    ingest(store, *CORPUS)
    questions = [q for d in CORPUS for q in d.questions]
    for query in ("what is gout", "treated", "causes of lambert eaton", "is it as"):
        scores = fts5_scores([(q.text,) for q in questions], (1.0,), query)
        expected = {questions[row].public_id: score for row, score in scores.items()}
        found = store.search_questions(query, 50)
        assert {q.public_id: s for q, s in found} == pytest.approx(expected, rel=1e-12), query
        assert all(q.answer_id and q.answer_id in q.public_id for q, _ in found)


def check_superseded_passages_count_in_idf_but_are_never_returned(backend: Backend) -> None:
    store = backend.open()
    judged = document("c:gout-judged", "Gout", [("GOUT_1", "What is gout?", "Gout is painful arthritis, judged.")],
                      precedence=1, url="https://agency.test/gout-judged")
    ingest(store, *CORPUS, judged)
    found = store.search_passages("gout arthritis", 50)
    texts = [p.text for p, _ in found]
    assert "Gout is painful arthritis, judged." in texts
    assert not any(t.startswith("Gout is a painful form") for t in texts)
    expected = reference_scores([*CORPUS, judged], "gout arthritis")
    del expected["Gout is a painful form of arthritis caused by uric acid crystals in a joint."]
    assert {p.text: s for p, s in found} == pytest.approx(expected, rel=1e-12)
    assert store.passage_count() == 6


def check_phrase_frequency_counts_words_in_order_within_one_column(backend: Backend) -> None:
    store = backend.open()
    ingest(store, *CORPUS)
    assert store.phrase_frequency("uric acid") == 2
    assert store.phrase_frequency("Uric ACID!") == 2
    assert store.phrase_frequency("acid uric") == 0
    assert store.phrase_frequency("arthritis") == 3  # in two titles and one text
    assert store.phrase_frequency("arthritis", cap=2) == 2
    assert store.phrase_frequency("myasthenic syndrome") == 2  # stems: "syndromes" would match too
    assert store.phrase_frequency("syndrome what") == 0  # the end of a title and the start of a heading
    assert store.phrase_frequency("cafe") == 1 and store.phrase_frequency("naive runner") == 1
    assert store.phrase_frequency("...") == 0


# -- stable public ids ------------------------------------------------------------------------------


def check_public_ids_survive_a_reingest_and_row_ids_are_not_references(backend: Backend) -> None:
    store = backend.open()
    ingest(store, *CORPUS)
    before = store.passage("GOUT_2")
    changed = document("c:gout", "Gout", [
        ("GOUT_1", "What is gout?", "Gout is a painful form of arthritis caused by uric acid crystals in a joint."),
        ("GOUT_2", "How is gout treated?", "Gout attacks are treated with colchicine."),
    ])
    ingest(store, changed)
    after = store.passage("GOUT_2")
    assert after.text == "Gout attacks are treated with colchicine." and after.document_key == "c:gout"
    assert store.document("c:gout").passages[1].public_id == "GOUT_2"
    assert set(store.passages_by_public_ids(["GOUT_1", "GOUT_2", "NOPE"])) == {"GOUT_1", "GOUT_2"}
    assert [q.public_id for q in store.questions_answered_by(["GOUT_2"])] == ["Q_GOUT_2"]
    # The row ids did change: anything that stored them now points elsewhere or nowhere.
    assert store.passages_by_ids([before.rowid]) == []
    # A string is a key, never a row id, even when it is all digits.
    assert store.document(after.document_id).key == "c:gout"
    with pytest.raises(NotFoundError):
        store.document(str(after.document_id))
    with pytest.raises(NotFoundError):
        store.passage("GOUT_3")
    with pytest.raises(NotFoundError):
        store.document("c:missing")


def check_a_superseded_id_resolves_to_its_winner(backend: Backend) -> None:
    store = backend.open()
    judged = document("c:gout-judged", "Gout", [("GOUT_1", "What is gout?", "Gout is painful arthritis, judged.")],
                      precedence=1, url="https://agency.test/gout-judged")
    ingest(store, *CORPUS, judged)
    # The full-text rows keep the superseded passage (it counts in idf and in phrase counts), in row id order.
    indexed = list(store.iter_indexed_texts())
    assert ("Gout", "What is gout?", CORPUS[0].passages[0].text) in indexed
    assert ("Gout", "What is gout?", "Gout is painful arthritis, judged.") in indexed
    assert len(indexed) == sum(len(d.passages) for d in [*CORPUS, judged]), indexed
    assert len(indexed) == store.passage_count() + 1, (len(indexed), store.passage_count())
    assert store.phrase_frequency("uric acid crystals") == 1  # only in the superseded text
    assert store.passage("GOUT_1").text == "Gout is painful arthritis, judged."
    assert store.passages_by_public_ids(["GOUT_1"])["GOUT_1"].text == "Gout is painful arthritis, judged."
    assert [p.public_id for p in store.document("c:gout").passages] == ["GOUT_2"]
    with store.ingest() as transaction:
        transaction.remove_document("c:gout-judged")
    assert store.passage("GOUT_1").text.startswith("Gout is a painful form")


def check_fact_kinds_answered_questions_and_pages_come_in_a_defined_order(backend: Backend) -> None:
    store = backend.open()
    with_facts = document("c:cat", "Cat-eye syndrome", [("CAT_1", "What is cat-eye syndrome?", "A rare disorder.")])
    with_facts.facts = [Fact("inheritance", "Autosomal dominant"), Fact("gene", "CECR2"),
                        Fact("inheritance", "Not applicable"), Fact("prevalence", "<1 / 1 000 000")]
    ingest(store, *CORPUS, with_facts)
    heads = {head.key: head.id for head in store.iter_document_heads()}
    # Each pair once, by document then kind.
    assert list(store.iter_fact_kinds()) == [(heads["c:cat"], kind) for kind in ("gene", "inheritance", "prevalence")]
    # In row id order (the order they were stored), whichever order the ids are asked in.
    asked = store.questions_answered_by(["LEMS_2", "GOUT_1", "NONE", "LEMS_1"])
    assert [q.answer_id for q in asked] == ["GOUT_1", "LEMS_1", "LEMS_2"]
    assert [q.rowid for q in asked] == sorted(q.rowid for q in asked)
    pages = list(store.iter_document_pages())
    assert [page[0] for page in pages] == sorted(heads.values())
    assert (heads["c:lems"], "Contract Agency", "Lambert-Eaton myasthenic syndrome", "https://agency.test/c:lems") \
        in pages


# -- vectors ----------------------------------------------------------------------------------------


def check_vectors_are_float32_bytes_per_visible_passage(backend: Backend) -> None:
    store = backend.open()
    ingest(store, *CORPUS)
    missing = store.vector_texts_missing("model-a")
    assert len(missing) == store.passage_count() == 6
    assert dict(missing)[store.passage("GOUT_1").rowid] == "What is gout?"  # the question it answers
    vectors = {rowid: np.arange(4, dtype="<f4") + rowid / 7 for rowid, _ in missing}
    store.put_vectors("model-a", [(rowid, vector.tobytes()) for rowid, vector in vectors.items()])
    rowids, blobs = store.load_vectors("model-a")
    assert rowids == sorted(vectors)
    for rowid, blob in zip(rowids, blobs, strict=True):
        assert isinstance(blob, bytes)
        assert np.array_equal(np.frombuffer(blob, dtype="<f4"), vectors[rowid])
    assert store.load_vectors("model-b") == ([], [])
    assert store.vector_texts_missing("model-a") == []
    # A re-ingested passage loses its vector and is embedded again.
    ingest(store, document("c:gout", "Gout", [("GOUT_1", "What is gout?", "Gout, rewritten.")]))
    again = store.vector_texts_missing("model-a")
    assert [store.passages_by_ids([rowid])[0].public_id for rowid, _ in again] == ["GOUT_1"]
    assert len(store.load_vectors("model-a")[0]) == 4


# -- one writer at a time, and what readers see ------------------------------------------------------


def check_one_writer_at_a_time(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    ingest(first, CORPUS[0])
    entered = threading.Event()
    seen: list[list[str]] = []
    failures: list[BaseException] = []

    def write_second() -> None:
        try:
            with second.ingest() as transaction:
                entered.set()
                # Inside its transaction the second writer sees everything the first committed.
                seen.append(transaction.documents_at(CORPUS[1].origin))
                transaction.put_document(CORPUS[2])
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    with first.ingest() as transaction:
        transaction.put_document(CORPUS[1])
        writer = threading.Thread(target=write_second)
        writer.start()
        assert not entered.wait(0.5), "a second writer started while the first was writing"
    writer.join(30)
    assert not writer.is_alive() and not failures, failures
    assert seen == [["c:lems"]]
    assert {s.documents for s in first.sources()} == {3}


def check_readers_see_the_previous_generation_whole_during_an_ingest(backend: Backend) -> None:
    writer, reader = backend.open(), backend.open()
    ingest(writer, CORPUS[0])
    generation = reader.generation()
    with writer.ingest() as transaction:
        transaction.put_document(CORPUS[1])
        transaction.put_document(document("c:gout", "Gout", [("GOUT_1", "What is gout?", "Gout, rewritten.")]))
        assert reader.generation() == generation
        assert reader.passage_count() == 2
        assert reader.passage("GOUT_1").text.startswith("Gout is a painful form")
        assert reader.search_passages("lambert eaton", 5) == []
        assert reader.phrase_frequency("lambert eaton") == 0
        assert [p.public_id for p in reader.document("c:gout").passages] == ["GOUT_1", "GOUT_2"]
        with pytest.raises(NotFoundError):
            reader.document("c:lems")
    assert reader.generation() == generation + 1
    assert reader.passage("GOUT_1").text == "Gout, rewritten."
    assert [p.public_id for p, _ in reader.search_passages("lambert eaton", 5)] == ["LEMS_1", "LEMS_2"]


def check_one_document_call_never_mixes_two_generations(backend: Backend) -> None:
    """An ingest that commits between two statements of one ``document()`` call: the call shows the previous
    generation, whole (not the old row with the new one's passages, or none)."""
    writer, reader = backend.open(), backend.open()
    ingest(writer, *CORPUS)
    before = reader.document("c:gout")
    revised = document("c:gout", "Gout (revised)", [
        ("GOUT_1", "What is gout?", "Gout, rewritten."), ("GOUT_3", "Is gout common?", "Gout is common."),
    ])
    selects: list[str] = []
    steps: list[str] = []

    def commit_an_ingest_before_the_second_select(sql: str) -> None:
        if steps or not sql.lstrip().upper().startswith("SELECT"):
            return
        selects.append(sql)
        if len(selects) == 2:
            steps.append("ingesting")
            try:
                ingest(writer, revised)
                steps.append("committed")
            except BaseException as error:  # a hook's exception may be swallowed by the driver
                steps.append(f"failed: {error!r}")

    with backend.statements(reader, commit_an_ingest_before_the_second_select):
        during = reader.document("c:gout")
    assert steps == ["ingesting", "committed"], (steps, selects)
    assert during == before
    after = reader.document("c:gout")
    assert after.title == "Gout (revised)" and [p.public_id for p in after.passages] == ["GOUT_1", "GOUT_3"]
    assert [q.public_id for q in after.questions] == ["Q_GOUT_1", "Q_GOUT_3"]


def check_a_failed_ingest_leaves_the_store_as_it_was(backend: Backend) -> None:
    store = backend.open()
    ingest(store, CORPUS[0])
    generation, sources = store.generation(), store.sources()
    with pytest.raises(RuntimeError, match="parser broke"), store.ingest() as transaction:
        transaction.put_document(CORPUS[1])
        transaction.remove_document("c:gout")
        raise RuntimeError("parser broke")
    assert store.generation() == generation and store.sources() == sources
    assert store.passage("GOUT_2").document_key == "c:gout"
    assert store.search_passages("lambert", 5) == []
    # The store is still writable afterwards.
    ingest(store, CORPUS[1])
    assert store.generation() == generation + 1


def check_generation_grows_only_with_changes_and_is_seen_by_every_opening(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    assert second.generation() == 0
    ingest(first, *CORPUS)
    assert second.generation() == 1
    ingest(first, *CORPUS)  # unchanged documents: the same generation
    assert second.generation() == 1
    with second.ingest() as transaction:
        transaction.remove_document("c:arthritis")
    assert first.generation() == 2 and first.healthy()


def check_advance_generation_is_seen_by_every_opening(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    ingest(first, *CORPUS)
    before = second.generation()
    rowid = first.vector_texts_missing("model-a")[0][0]
    first.put_vectors("model-a", [(rowid, np.ones(4, dtype="<f4").tobytes())])
    assert second.generation() == before  # vectors alone change nothing a server reloads for ...
    first.advance_generation()  # ... until their writer says it is done
    assert second.generation() == before + 1 and first.generation() == before + 1
    assert [s.documents for s in second.sources()] == [len(CORPUS)]


def check_identity_is_random_stable_and_new_for_a_new_knowledge_base(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    identity = first.identity()
    assert isinstance(identity, str) and len(identity) >= 32
    assert second.identity() == identity
    ingest(first, *CORPUS)
    assert second.identity() == identity and backend.open().identity() == identity
    backend.close_all()
    backend.recreate()
    again = backend.open()
    assert again.generation() == 0 and again.identity() != identity
    ingest(again, *CORPUS)  # the same content, generation and counts: still another knowledge base
    assert again.generation() == 1 and again.identity() != identity


CHECKS: list[Callable[[Backend], None]] = [
    check_passage_scores_are_the_contract_bm25,
    check_fact_kinds_answered_questions_and_pages_come_in_a_defined_order,
    check_question_scores_are_the_contract_bm25,
    check_superseded_passages_count_in_idf_but_are_never_returned,
    check_phrase_frequency_counts_words_in_order_within_one_column,
    check_public_ids_survive_a_reingest_and_row_ids_are_not_references,
    check_a_superseded_id_resolves_to_its_winner,
    check_vectors_are_float32_bytes_per_visible_passage,
    check_one_writer_at_a_time,
    check_readers_see_the_previous_generation_whole_during_an_ingest,
    check_one_document_call_never_mixes_two_generations,
    check_a_failed_ingest_leaves_the_store_as_it_was,
    check_generation_grows_only_with_changes_and_is_seen_by_every_opening,
    check_advance_generation_is_seen_by_every_opening,
    check_identity_is_random_stable_and_new_for_a_new_knowledge_base,
]
