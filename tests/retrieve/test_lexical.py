"""The in-memory BM25 index scores as the store's FTS5 search does (BM25 over FTS5's tokens, whatever the backend:
store/base.py), over a real knowledge base on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from healthqa.ingest import ingest_path
from healthqa.records import SectionType
from healthqa.retrieve.lexical import (
    LexicalIndex,
    passage_index,
    query_terms,
    question_index,
    term_sets,
    tokens,
)
from healthqa.store import Store, open_store
from kb_builders import KnowledgeBases, make_document, write_gout_and_holmes_adie

QUERIES = [
    "gout attacks",
    "What are the treatments for gout?",
    "uric acid medicines",
    "Is Holmes-Adie syndrome inherited in families?",
    "pupils of the eyes",
    "running runners ran",
    "café naïve",
    "nothing matches zzzz",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Store]:
    """Read by every test here, never written."""
    folder = tmp_path_factory.mktemp("lexical")
    root = write_gout_and_holmes_adie(folder / "medquad", more=True)
    kb = open_store(kb_backend.empty(folder / "kb.db"))
    assert ingest_path(kb, root).ok
    yield kb
    kb.close()


@pytest.mark.parametrize("query", QUERIES)
def test_passage_scores_match_fts5(store: Store, query: str) -> None:
    index = passage_index(store)
    expected = [(p.rowid, score) for p, score in store.search_passages(query, 10)]
    found = index.search(query, 10)
    assert [rowid for rowid, _ in found] == [rowid for rowid, _ in expected]
    for (_, mine), (_, theirs) in zip(found, expected, strict=True):
        assert mine == pytest.approx(theirs, rel=1e-4)


@pytest.mark.parametrize("query", QUERIES)
def test_the_terms_a_row_holds_read_off_the_matrix_match_tokenizing_it(store: Store, query: str) -> None:
    passages = list(store.iter_passages())
    index = passage_index(store, passages)
    asked = set(query_terms(query))
    expected = [len(asked & terms) for terms in term_sets([(p.title, p.heading, p.text) for p in passages])]
    # Row ids the index does not hold hold nothing.
    assert index.held(asked, [p.rowid for p in passages] + [-5]).tolist() == [*expected, 0]


@pytest.mark.parametrize("query", QUERIES)
def test_which_rows_hold_each_term_read_off_the_matrix_match_tokenizing_them(store: Store, query: str) -> None:
    passages = list(store.iter_passages())
    index = passage_index(store, passages)
    sets = term_sets([(p.title, p.heading, p.text) for p in passages])
    rowids = [p.rowid for p in reversed(passages)] + [-5]  # any order; an unknown row holds nothing
    for term in [*query_terms(query), "notawordanywhere"]:
        expected = [term in held for held in reversed(sets)] + [False]
        assert index.holding([term], rowids)[term].tolist() == expected
        assert index.postings(term) == sum(term in held for held in sets)
    # Rows unsorted within a column (a matrix built elsewhere) give the same answers.
    index.matrix.has_sorted_indices = False
    for term in query_terms(query):
        assert index.holding([term], rowids)[term].tolist() == [term in held for held in reversed(sets)] + [False]


@pytest.mark.parametrize("query", QUERIES)
def test_question_scores_match_fts5(store: Store, query: str) -> None:
    index, questions = question_index(store)
    expected = [(q.rowid, score) for q, score in store.search_questions(query, 10)]
    found = index.search(query, 10)
    assert [rowid for rowid, _ in found] == [rowid for rowid, _ in expected]
    for (rowid, mine), (_, theirs) in zip(found, expected, strict=True):
        assert mine == pytest.approx(theirs, rel=1e-4)
        assert questions[rowid].rowid == rowid


def test_limit_keeps_the_best(store: Store) -> None:
    index = passage_index(store)
    everything = index.search("gout holmes syndrome treatments", 100)
    assert len(everything) > 2
    assert index.search("gout holmes syndrome treatments", 2) == everything[:2]
    assert index.search("gout", 0) == []


def test_tokens_are_stemmed_and_folded() -> None:
    assert tokens("Running CAFÉ runners") == ["run", "cafe", "runner"]
    # Single letters are no query words (as in the store's query builder); digits are.
    assert query_terms("a B 7 gout Gout") == ["7", "gout"]


def test_term_sets_join_a_row_s_columns() -> None:
    assert term_sets([("Gout", "What is it?", "Joints swell"), ("",)]) == [
        {"gout", "what", "is", "it", "joint", "swell"}, set()]


def test_tokens_are_fts5s_short_words_unstemmed_and_emoji_kept() -> None:
    # FTS5's porter tokenizer leaves tokens under 3 bytes alone ("as" stemmed would be "a") and keeps emoji.
    assert tokens("It is as painful as a 🙂 gout attack") == [
        "it", "is", "as", "pain", "as", "a", "🙂", "gout", "attack"]
    assert query_terms("Is it as bad? 🙂") == ["is", "it", "as", "bad"]


def test_short_words_and_emoji_score_as_in_the_store(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    section = SectionType.INFORMATION
    kb = open_store(kb_backend.build(tmp_path / "kb.db", [
        make_document("a", "Gout", [], [(section, "What is gout?", "A gout attack is as painful as it gets 🙂🙂🙂."),
                                        (section, "Is it genetic?", "It is not, as a rule.")]),
        make_document("b", "Asthma", [], [(section, "What is asthma?", "As airways narrow, breathing is hard.")]),
        make_document("c", "Emoji", [], [(section, "Is it an emoji?", "🙂 " * 40 + "it is")]),
    ]))
    passages, (questions, _) = passage_index(kb), question_index(kb)
    for query in ("is it as painful as gout", "as a rule", "is it genetic", "what is it"):
        for index, search in ((passages, kb.search_passages), (questions, kb.search_questions)):
            expected = {record.rowid: score for record, score in search(query, 10)}
            found = dict(index.search(query, 10))
            assert found == pytest.approx(expected, rel=1e-5), query


def test_empty_index_and_mismatched_rows() -> None:
    empty = LexicalIndex([], [], (1.0,))
    assert len(empty) == 0
    assert empty.search("gout", 5) == []
    with pytest.raises(ValueError, match="2 row ids for 1 documents"):
        LexicalIndex([1, 2], [("gout",)], (1.0,))


def test_answerer_ranks_the_same_in_memory(store: Store) -> None:
    from healthqa.answer.answerer import Answerer

    on_disk = Answerer(store, semantic=False)
    in_memory = Answerer(store, semantic=False, in_memory=True)
    for question in QUERIES:
        mine, theirs = in_memory.rank_ids(question), on_disk.rank_ids(question)
        assert [public_id for public_id, _ in mine] == [public_id for public_id, _ in theirs]
        assert [score for _, score in mine] == pytest.approx([score for _, score in theirs], rel=1e-4)
    assert in_memory.rank_ids("What are the treatments for gout?")[0][0] == on_disk.rank_ids("gout treatments")[0][0]
