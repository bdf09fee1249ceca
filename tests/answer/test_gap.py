"""Honest gaps: a question whose type no passage shown answers says so, with the source's own page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from healthqa.answer.answerer import Answerer
from healthqa.answer.gap import answered_type, topic_of
from healthqa.records import QAPair, SectionType, SourceInfo, Tier
from healthqa.store import SQLiteStore
from kb_builders import build_kb, make_document

DRUGS = SourceInfo("MedlinePlus Drug Information", "ASHP", "https://medlineplus.test", "withheld",
                   Tier.REVIEWED_PUBLISHER)
DRUG_PAGE = "https://medlineplus.test/druginfo/zorbatide.html"
FLU_OVERVIEW = ("Flu is a respiratory infection caused by viruses.    Symptoms of the flu come on suddenly. They may "
                "include        - Chills    - Cough")


def drug_without_answers() -> list:  # type: ignore[type-arg]
    """Zorbatide's page as MedQuAD ships MedlinePlus drugs: its questions and URL, one answer text (judged)."""
    drug = make_document("zorbatide", "Zorbatide", [], [
        (SectionType.INDICATION, "Who should get Zorbatide and why is it prescribed ?",
         "Zorbatide is used to treat type 2 diabetes. Zorbatide lowers the amount of sugar in the blood."),
    ], source=DRUGS, url=DRUG_PAGE)
    questions = [*drug.questions, QAPair("What are the side effects or risks of Zorbatide ?", SectionType.SIDE_EFFECTS,
                                         "ZORBATIDE_Sec9.txt", answer_id="ZORBATIDE_Sec9.txt")]
    flu = make_document("flu", "Flu", ["Influenza"], [(SectionType.INFORMATION, "What is (are) Flu ?", FLU_OVERVIEW)])
    return [replace(drug, questions=questions), flu]


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Answerer]:
    kb: Path = build_kb(tmp_path_factory.mktemp("gap") / "kb.db", drug_without_answers())
    store = SQLiteStore(kb)
    try:
        yield Answerer(store, semantic=False)
    finally:
        store.close()


def test_a_question_no_passage_answers_says_so_with_the_sources_page(answerer: Answerer) -> None:
    answer = answerer.ask("What are the side effects of zorbatide?")
    assert answer.type == "side effects" and answer.answers and answer.answers[0].section == "indication"
    assert answer.gap is not None
    assert answer.gap.wording == "healthqa found no trusted passage about the side effects of Zorbatide."
    assert [(p.source, p.url) for p in answer.gap.pages] == [("MedlinePlus Drug Information", DRUG_PAGE)]
    assert answer.to_json()["gap"]["pages"][0]["question"].startswith("What are the side effects")


def test_no_gap_when_a_passage_answers_or_an_overview_speaks_of_it(answerer: Answerer) -> None:
    # The indication answers MedQuAD's own question for it (which the general reading takes for "causes").
    assert answerer.ask("Who should get zorbatide and why is it prescribed?").gap is None
    assert answerer.ask("What are the symptoms of flu?").gap is None  # the overview lists the symptoms
    assert answerer.ask("What is flu?").gap is None  # a general question has no type to miss
    outlook = answerer.ask("What is the outlook for flu?").gap
    assert outlook is not None and outlook.pages == []  # no source here has it: said, with no link


def test_labels_and_topics() -> None:
    assert answered_type("forget a dose", "What special dietary instructions should I follow with X ?") == "dietary"
    assert answered_type("treatment", "What is the best treatment for X?") == "treatment"
    assert topic_of(SectionType.OUTLOOK, "Flu") == "the outlook for Flu"
    assert topic_of(SectionType.INFORMATION, "Flu") == ""
