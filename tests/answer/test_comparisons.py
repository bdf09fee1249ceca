"""A question comparing two conditions quotes the sources of each, even where one condition's pages fill the first
places of the ranking; over a small knowledge base built here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from healthqa.answer.answerer import Answerer
from healthqa.records import SectionType
from healthqa.store import open_store
from kb_builders import KnowledgeBases, make_document

MARVELLE = "Marvelle syndrome weakens the hips and thighs and dries the mouth."


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Answerer]:
    info = SectionType.INFORMATION
    # Three sources about Tolbert disease, whose overviews speak of differences; one short page about Marvelle.
    tolbert = [make_document(f"tolbert-{n}", "Tolbert disease", [], [
        (info, "What is the difference between Tolbert disease and other diseases?",
         f"Tolbert disease is a disease of the nerves and muscles ({n}); the difference between Tolbert disease "
         "and other weakness is its eyes."),
        (SectionType.TREATMENT, "How is Tolbert disease treated?", f"Tolbert disease is treated with medicines ({n})."),
    ]) for n in ("one", "two", "three")]
    # Pages about other things that mention Marvelle syndrome make its name a common one (its specificity falls).
    mentions = [make_document(f"weakness-{n}", f"Weakness {n}", [], [
        (info, f"What is weakness {n}?", f"Weakness {n} is seen in many conditions, Marvelle syndrome among them.")])
        for n in range(6)]
    marvelle = make_document("marvelle", "Marvelle syndrome", [], [
        (SectionType.SYMPTOMS, "What are the signs of Marvelle syndrome?", MARVELLE)])
    store = open_store(kb_backend.build(tmp_path_factory.mktemp("compare") / "kb.db", [*tolbert, marvelle, *mentions],
                                        embed=True))
    yield Answerer(store)
    store.close()


@pytest.mark.parametrize("question", [
    "what is the difference between tolbert disease and marvelle syndrome?",
    "tolbert disease vs marvelle syndrome",
    "how is marvelle syndrome different from tolbert disease?",
])
def test_a_comparison_quotes_each_condition(answerer: Answerer, question: str) -> None:
    understood = answerer.understand(question)
    assert understood.compares
    answer = answerer.ask(question, top=3)
    titles = [item.title for item in answer.answers]
    assert "Marvelle syndrome" in titles and "Tolbert disease" in titles
    assert len(titles) == 3


def test_the_knowledge_base_really_tests_it(answerer: Answerer) -> None:
    # The ranking alone puts Tolbert disease's pages in the first three places.
    understood = answerer.understand("what is the difference between tolbert disease and marvelle syndrome?")
    assert {s.passage.title for s in answerer.ranker.rank(understood, limit=3)} == {"Tolbert disease"}


def test_a_question_that_names_two_conditions_without_comparing_them_is_ranked_as_usual(answerer: Answerer) -> None:
    understood = answerer.understand("can tolbert disease turn into marvelle syndrome?")
    assert not understood.compares
    assert not answerer.understand("what is the difference between morning and evening?").compares
