"""Which pages answer a question that names specific conditions (Answerer._about_named_condition), over a small
knowledge base built here: the pages of every name it recognises, not only of the names rare among the passages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from healthqa.answer.answerer import Answerer
from healthqa.records import ParsedDocument, SectionType
from healthqa.store import open_store
from kb_builders import KnowledgeBases, make_document

COMPLICATIONS = "Complications of dravelin palsy include falls, quellitis and trouble breathing."
QUELLITIS = "Quellitis is an inflammation of the quell glands that makes swallowing painful."


def _documents() -> list[ParsedDocument]:
    # Dravelin palsy is named in most passages (its own page and the pages about living with it), so that by its
    # passages it reads as less specific than quellitis, which two passages name.
    dravelin = make_document("dravelin", "Dravelin palsy", ["DVP"], [
        (SectionType.INFORMATION, "What is dravelin palsy?", "Dravelin palsy is a rare disorder of the nerves."),
        (SectionType.SYMPTOMS, "What are the symptoms of dravelin palsy?",
         "Dravelin palsy weakens the hips and thighs; dravelin palsy also dries the mouth."),
        (SectionType.CAUSES, "What causes dravelin palsy?", "Dravelin palsy is caused by antibodies."),
        (SectionType.TREATMENT, "How is dravelin palsy treated?", "Dravelin palsy is treated with rest."),
        (SectionType.OUTLOOK, "What is the outlook for dravelin palsy?", "Dravelin palsy is lifelong."),
        (SectionType.COMPLICATIONS, "What are the complications of dravelin palsy?", COMPLICATIONS),
    ])
    living = make_document("living", "Living with dravelin palsy", [], [
        (SectionType.INFORMATION, f"Question {n} about dravelin palsy?",
         f"People with dravelin palsy describe day {n} of living with dravelin palsy.") for n in range(1, 9)])
    quellitis = make_document("quellitis", "Quellitis", [], [
        (SectionType.INFORMATION, "What is quellitis?", QUELLITIS),
        (SectionType.TREATMENT, "How is quellitis treated?", "Quellitis is treated with warm drinks."),
    ])
    others = [make_document(f"other{n}", f"Zorbel disorder {n}", [], [
        (SectionType.INFORMATION, f"What is zorbel disorder {n}?", f"Zorbel disorder {n} affects the skin.")])
        for n in range(1, 9)]
    return [dravelin, living, quellitis, *others]


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Answerer]:
    store = open_store(kb_backend.build(tmp_path_factory.mktemp("about") / "kb.db", _documents(), embed=True))
    yield Answerer(store)
    store.close()


def test_what_a_condition_causes_is_answered_from_its_own_pages_too(answerer: Answerer) -> None:
    """"Can dravelin palsy cause quellitis?" names two conditions; only quellitis is specific by its passages, and
    the answer was quellitis's pages alone. The complications of the condition asked about are an answer."""
    assert answerer.ranker.specificity("dravelin palsy") < answerer.thresholds.specific_name
    assert answerer.ranker.specificity("quellitis") >= answerer.thresholds.specific_name
    answer = answerer.ask("can dravelin palsy cause quellitis?")
    assert answer.type == SectionType.COMPLICATIONS.value
    assert COMPLICATIONS in [item.text for item in answer.answers]


def test_a_specific_name_still_keeps_other_conditions_pages_out(answerer: Answerer) -> None:
    answer = answerer.ask("how is quellitis treated?")
    assert answer.answers
    assert {item.title for item in answer.answers} == {"Quellitis"}
