"""Honest gaps: a question whose type no passage shown answers says so, with the source's own page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from healthqa.answer.answerer import Answerer
from healthqa.answer.gap import answered_type, topic_of
from healthqa.records import QAPair, SectionType, SourceInfo, Tier
from healthqa.store import open_store
from kb_builders import KnowledgeBases, make_document

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
def answerer(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Answerer]:
    store = open_store(kb_backend.build(tmp_path_factory.mktemp("gap") / "kb.db", drug_without_answers()))
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


# A drug page with no answer text (as MedQuAD ships MedlinePlus drugs), a MedlinePlus-like overview whose own name
# is the words of a question type ("Adverse effects"), and a condition's overview.
QUELLOTRIN_PAGE = "https://medlineplus.test/druginfo/quellotrin.html"
QUELLOTRIN_QUESTIONS = [
    ("Who should get Quellotrin and why is it prescribed ?", SectionType.INDICATION),
    ("Are there safety concerns or special precautions about Quellotrin ?", SectionType.PRECAUTIONS),
    ("What are the side effects or risks of Quellotrin ?", SectionType.SIDE_EFFECTS),
]


def pages_without_text() -> list:  # type: ignore[type-arg]
    drug = make_document("quellotrin", "Quellotrin", [], [], source=DRUGS, url=QUELLOTRIN_PAGE)
    drug = replace(drug, questions=[QAPair(text, kind, f"QUELLOTRIN_Sec{n}.txt")
                                    for n, (text, kind) in enumerate(QUELLOTRIN_QUESTIONS, 1)])
    reactions = make_document("reactions", "Medicine Reactions", ["Adverse effects"], [
        (SectionType.INFORMATION, "What is (are) Medicine Reactions ?",
         "Medicines can cause adverse effects. Side effects are unwanted effects of a medicine, mild or serious."),
    ])
    pressure = make_document("pressure", "Raised Blood Pressure", ["Hypertension"], [
        (SectionType.INFORMATION, "What is (are) Raised Blood Pressure ?",
         "Raised blood pressure means the force of blood against the artery walls stays too high."),
    ])
    return [drug, reactions, pressure]


@pytest.fixture(scope="module")
def textless(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Answerer]:
    store = open_store(kb_backend.build(tmp_path_factory.mktemp("textless") / "kb.db", pages_without_text()))
    try:
        yield Answerer(store, semantic=False)
    finally:
        store.close()


def test_the_gap_names_the_medicine_asked_about_and_links_its_page(textless: Answerer) -> None:
    """Review: "side effects of metformin" showed the "Side effects" topic's overview as an answer, and "can I take
    ibuprofen with high blood pressure" the blood pressure overview, with no word that neither answers."""
    effects = textless.ask("What are the adverse effects of quellotrin?")
    assert effects.type == "side effects" and [a.title for a in effects.answers] == ["Medicine Reactions"]
    assert effects.gap is not None and effects.gap.focus == "Quellotrin"
    assert effects.gap.wording == "healthqa found no trusted passage about the side effects of Quellotrin."
    assert [(p.url, p.question) for p in effects.gap.pages] == [(QUELLOTRIN_PAGE, QUELLOTRIN_QUESTIONS[2][0])]

    safe = textless.ask("Is it safe to take quellotrin if I have hypertension?")
    assert safe.type == "precautions" and safe.gap is not None
    assert safe.gap.wording == "healthqa found no trusted passage about the precautions to take with Quellotrin."
    assert [(p.url, p.question) for p in safe.gap.pages] == [(QUELLOTRIN_PAGE, QUELLOTRIN_QUESTIONS[1][0])]

    prescribed = textless.ask("Why was I prescribed quellotrin?")
    assert prescribed.type == "indication" and prescribed.gap is not None
    assert prescribed.gap.topic == "why Quellotrin is prescribed" and prescribed.gap.pages[0].url == QUELLOTRIN_PAGE


def test_a_medicine_whose_indication_is_there_has_no_gap(answerer: Answerer) -> None:
    answer = answerer.ask("why is zorbatide prescribed?")
    assert answer.type == "indication" and answer.gap is None
    assert answer.answers[0].section == "indication"


# A drug page with the questions MedlinePlus asks of every medicine (MedQuAD's qtype attributes), no text.
VELDOXAN_PAGE = "https://medlineplus.test/druginfo/veldoxan.html"
VELDOXAN_QUESTIONS = [
    ("How should Veldoxan be used and what is the dosage ?", SectionType.USAGE),
    ("Are there safety concerns or special precautions about Veldoxan ?", SectionType.PRECAUTIONS),
    ("What should I know about storage and disposal of Veldoxan ?", SectionType.STORAGE_AND_DISPOSAL),
]


@pytest.fixture(scope="module")
def drug_page(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Answerer]:
    drug = make_document("veldoxan", "Veldoxan", [], [], source=DRUGS, url=VELDOXAN_PAGE)
    drug = replace(drug, questions=[QAPair(text, kind, f"VELDOXAN_Sec{n}.txt")
                                    for n, (text, kind) in enumerate(VELDOXAN_QUESTIONS, 1)])
    wine = make_document("wine", "Wine and Spirits", ["Alcohol"], [
        (SectionType.INFORMATION, "What is (are) Wine and Spirits ?",
         "Many adults drink wine or spirits now and then. Some people should not drink at all."),
    ])
    store = open_store(kb_backend.build(tmp_path_factory.mktemp("drug-page") / "kb.db", [drug, wine]))
    try:
        yield Answerer(store, semantic=False)
    finally:
        store.close()


@pytest.mark.parametrize(("question", "filed_as"), [
    ("how much veldoxan is the usual dose?", 0),  # asked as "dose", filed by the page as "usage"
    ("What dosage of veldoxan should an adult have", 0),
    ("how do I take veldoxan", 0),
    ("Where should I store my veldoxan tablets?", 2),
    ("is veldoxan safe during pregnancy", 1),
    ("can I have a glass of wine while taking veldoxan", 1),
])
def test_everyday_medicine_questions_link_the_drug_pages_part(drug_page: Answerer, question: str,
                                                               filed_as: int) -> None:
    """Review: "what is the dose of metformin", "how should I store metformin", "how do I take metformin", "is
    ibuprofen safe during pregnancy" and "can I drink alcohol while taking metformin" showed no gap and no link."""
    answer = drug_page.ask(question)
    assert answer.gap is not None and answer.gap.focus == "Veldoxan", (answer.type, answer.gap)
    assert [(p.url, p.question) for p in answer.gap.pages] == [(VELDOXAN_PAGE, VELDOXAN_QUESTIONS[filed_as][0])]
    assert not any(item.key_sentences for item in answer.answers)  # the wine overview does not lead
