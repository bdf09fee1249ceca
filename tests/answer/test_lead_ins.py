"""A passage that is only the lead-in of a list its saved page lost ("Complications of X may include:") is never
quoted as an answer; over a small knowledge base built here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from healthqa.answer.answerer import Answerer
from healthqa.records import OMITTED, SectionType
from healthqa.store import open_store
from kb_builders import BLOG, KnowledgeBases, make_document

LEAD_IN = "Complications of Marvelle syndrome may include:"
# The same, as a saved text page gives it (healthqa.ingest.webpage.lost_lists).
MARKED_LEAD_IN = f"Symptoms of Marvelle syndrome may include: {OMITTED}"
FULL = "Marvelle syndrome may lead to falls and, rarely, to trouble breathing."
# A passage that says something after the lead-in of a list its page lost.
TESTS_LEAD_IN = f"Tests to confirm Marvelle syndrome may include: {OMITTED}"
TESTS = f"{TESTS_LEAD_IN}\n\nA scan of the chest looks for a tumour, which is found in some people with it."


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Answerer]:
    reviewed = make_document("marvelle", "Marvelle syndrome", [], [
        (SectionType.INFORMATION, "What is Marvelle syndrome?", "Marvelle syndrome is a rare disorder of nerves."),
        (SectionType.COMPLICATIONS, "What are the complications of Marvelle syndrome?", LEAD_IN),
        (SectionType.SYMPTOMS, "What are the symptoms of Marvelle syndrome?", MARKED_LEAD_IN),
        (SectionType.EXAMS_AND_TESTS, "How is Marvelle syndrome diagnosed?", TESTS),
    ])
    blog = make_document("marvelle-blog", "Marvelle syndrome explained", ["Marvelle syndrome"], [
        (SectionType.COMPLICATIONS, "Complications", FULL)], source=BLOG)
    store = open_store(kb_backend.build(tmp_path_factory.mktemp("lead-ins") / "kb.db", [reviewed, blog],
                                        embed=True))
    yield Answerer(store)
    store.close()


def test_a_lead_in_without_its_list_is_not_an_answer(answerer: Answerer) -> None:
    question = "what are the complications of marvelle syndrome?"
    # The lead-in would win on every feature (a reviewed source, the type asked, the question's own heading); it
    # is no candidate at all, so type before tier lifts the passage of that type that says something.
    ranked = answerer.ranker.rank(answerer.understand(question), limit=10)
    assert LEAD_IN not in [s.passage.text for s in ranked]
    texts = [item.text for item in answerer.ask(question).answers]
    assert texts[0] == FULL and LEAD_IN not in texts


def test_a_passage_that_goes_on_after_its_colon_is_an_answer(answerer: Answerer) -> None:
    texts = [item.text for item in answerer.ask("what is marvelle syndrome?").answers]
    assert texts[0] == "Marvelle syndrome is a rare disorder of nerves."


def test_a_lead_in_marked_as_missing_its_list_is_not_an_answer(answerer: Answerer) -> None:
    question = "what are the symptoms of marvelle syndrome?"
    ranked = answerer.ranker.rank(answerer.understand(question), limit=10)
    assert MARKED_LEAD_IN not in [s.passage.text for s in ranked]
    assert MARKED_LEAD_IN not in [item.text for item in answerer.ask(question).answers]


def test_a_sentence_whose_list_was_lost_never_leads(answerer: Answerer) -> None:
    """It holds what the question asks ("tests", "confirm") but says nothing without its list."""
    answer = answerer.ask("what tests confirm marvelle syndrome?")
    assert answer.answers[0].text == TESTS
    assert answer.answers[0].key_sentences and TESTS_LEAD_IN not in answer.answers[0].key_sentences
