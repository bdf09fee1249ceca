"""Questions whose words name what they ask about without a type cue ("is IVIG used for ...", "does ... affect
breathing?"): the passage holding those words comes before the general overview (Weights.coverage and
Weights.uncued_type_match), over a small knowledge base built here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from healthqa.answer.answerer import Answerer
from healthqa.answer.rank import Weights
from healthqa.records import SectionType
from healthqa.store import open_store
from kb_builders import KnowledgeBases, make_document

OVERVIEW = ("Marvelle syndrome is a rare disorder in which the body's defences attack the places where nerves "
            "meet muscles, so that muscles tire and weaken.")
TREATMENT = "Treatment of Marvelle syndrome may include intravenous immunoglobulin (IVIG) and plasma exchange."
COMPLICATIONS = "In some people Marvelle syndrome weakens the muscles used for breathing."
CAUSES = "Marvelle syndrome is caused by antibodies against the endings of the nerves."


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Answerer]:
    document = make_document("marvelle", "Marvelle syndrome", [], [
        (SectionType.INFORMATION, "What is Marvelle syndrome?", OVERVIEW),
        (SectionType.TREATMENT, "How is Marvelle syndrome treated?", TREATMENT),
        (SectionType.COMPLICATIONS, "What are the complications of Marvelle syndrome?", COMPLICATIONS),
        (SectionType.CAUSES, "What causes Marvelle syndrome?", CAUSES),
    ])
    other = make_document("nerve-tests", "Nerve conduction study", [], [
        (SectionType.INFORMATION, "What is a nerve conduction study?",
         "A nerve conduction study measures how fast signals travel along the nerves."),
    ])
    store = open_store(kb_backend.build(tmp_path_factory.mktemp("coverage") / "kb.db", [document, other],
                                        embed=True))
    yield Answerer(store)
    store.close()


@pytest.mark.parametrize(("question", "expected"), [
    ("is IVIG used for marvelle syndrome?", TREATMENT),
    ("does marvelle syndrome affect breathing?", COMPLICATIONS),
    ("which antibodies are found in marvelle syndrome?", CAUSES),
])
def test_the_passage_holding_the_question_s_own_words_comes_first(
    answerer: Answerer, question: str, expected: str,
) -> None:
    # Read as no cue reads it: the learned reading of three types takes "affect breathing" as complications, and
    # the answer (checked last) is the same passage.
    understood = answerer.understand(question, learned_type=False)
    assert understood.qtype is SectionType.INFORMATION and not understood.type_cued
    ranked = answerer.ranker.rank(understood, limit=4)
    assert ranked[0].passage.text == expected
    overview = next(item for item in ranked if item.passage.text == OVERVIEW)
    assert ranked[0].features["coverage"] > overview.features["coverage"]
    assert answerer.ask(question).answers[0].text == expected


def test_without_coverage_and_with_the_uncued_type_credited_the_overview_wins(answerer: Answerer) -> None:
    # The knowledge base really tests the change: the old weights put the overview first for a question.
    old = Answerer(answerer.store, weights=Weights(coverage=0.0, uncued_type_match=1.0, asked_first=0.0))
    ranked = old.ranker.rank(old.understand("does marvelle syndrome affect breathing?", learned_type=False), limit=4)
    assert ranked[0].passage.text == OVERVIEW
    assert all(item.features["coverage"] == 0.0 for item in ranked)


def test_a_question_that_asks_what_something_is_still_gets_the_overview(answerer: Answerer) -> None:
    understood = answerer.understand("what is marvelle syndrome?")
    assert understood.type_cued
    assert answerer.ask("what is marvelle syndrome?").answers[0].text == OVERVIEW


def test_coverage_counts_stemmed_words_of_title_heading_and_text(answerer: Answerer) -> None:
    ranked = answerer.ranker.rank(answerer.understand("does marvelle syndrome affect breathing?"), limit=4)
    by_text = {item.passage.text: item.features["coverage"] for item in ranked}
    # Of "marvelle", "syndrome", "affect", "breathing" ("affects" would count too), the complications passage holds
    # all but "affect", the overview only the name.
    assert by_text[COMPLICATIONS] == 0.75
    assert by_text[OVERVIEW] == 0.5


def test_a_server_s_answerer_reads_the_same_coverage_off_its_full_text_matrix(answerer: Answerer) -> None:
    server = Answerer(answerer.store, in_memory=True)
    assert server.ranker.passage_lexical is not None and answerer.ranker.passage_lexical is None
    understood = answerer.understand("does marvelle syndrome affect breathing?")
    one_off = answerer.ranker.rank(understood, limit=5)
    assert [(s.passage.rowid, s.features["coverage"]) for s in server.ranker.rank(understood, limit=5)] == [
        (s.passage.rowid, s.features["coverage"]) for s in one_off]
