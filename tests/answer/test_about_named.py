"""Which pages answer a question that names specific conditions (Answerer._about_named_condition), over a small
knowledge base built here: the pages of every name it recognises, not only of the names rare among the passages."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from healthqa.answer.answerer import Answerer, _names_in
from healthqa.answer.rank import Scored
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


MORVANE_COMPLICATIONS = "Complications of Morvane syndrome include falls and trouble swallowing."
MORVANE_EXAMS = "Morvane syndrome is confirmed by a nerve conduction study and a blood test for antibodies."


def _morvane_documents() -> list[ParsedDocument]:
    # Morvane syndrome has pages from three sources, each naming it in every passage: by its passages it reads as
    # less specific than tessaly cancer, yet every passage that names it is one of its own pages.
    pages = [make_document(f"morvane{n}", "Morvane syndrome", ["MRVS"], [
        (SectionType.INFORMATION, f"What is Morvane syndrome ({n})?",
         f"Morvane syndrome is a rare nerve disorder ({n})."),
        (SectionType.SYMPTOMS, f"What are the symptoms of Morvane syndrome ({n})?",
         f"Morvane syndrome weakens the legs ({n})."),
        (SectionType.TREATMENT, f"How is Morvane syndrome treated ({n})?",
         f"Morvane syndrome is treated with rest ({n})."),
        (SectionType.EXAMS_AND_TESTS, f"How is Morvane syndrome diagnosed ({n})?", f"{MORVANE_EXAMS} ({n})"),
        (SectionType.COMPLICATIONS, f"What are the complications of Morvane syndrome ({n})?",
         f"{MORVANE_COMPLICATIONS} ({n})"),
    ]) for n in range(1, 4)]
    tessaly = make_document("tessaly", "Tessaly cancer", [], [
        (SectionType.INFORMATION, "What is tessaly cancer?", "Tessaly cancer is a cancer of the tessal gland."),
        (SectionType.EXAMS_AND_TESTS, "How is tessaly cancer diagnosed?", "Tessaly cancer is found on a PET scan."),
    ])
    others = [make_document(f"zorbel{n}", f"Zorbel disorder {n}", [], [
        (SectionType.INFORMATION, f"What is zorbel disorder {n}?", f"Zorbel disorder {n} affects the skin.")])
        for n in range(1, 31)]
    return [*pages, tessaly, *others]


@pytest.fixture(scope="module")
def morvane(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Answerer]:
    store = open_store(kb_backend.build(tmp_path_factory.mktemp("morvane") / "kb.db", _morvane_documents(),
                                        embed=True))
    yield Answerer(store)
    store.close()


def test_a_condition_with_many_pages_of_its_own_is_answered_beside_a_specific_one(morvane: Answerer) -> None:
    """A question naming tessaly cancer and Morvane syndrome was answered from tessaly cancer's pages alone: Morvane
    syndrome's fifteen passages made it read as an everyday name (the founding pages do that to LEMS). Counted beside
    its own pages it names something specific, and its complications answer a complications question."""
    question = "I have tessaly cancer and Morvane syndrome, what complications can I get?"
    understood = morvane.understand(question)
    by_name = {m.name: m for m in understood.focus}
    assert set(by_name) == {"Tessaly cancer", "Morvane syndrome"}
    assert morvane.ranker.specificity(by_name["Morvane syndrome"].matched) < morvane.thresholds.specific_name
    assert morvane.ranker.specificity_beside_own_pages(by_name["Morvane syndrome"]) == 1.0
    answer = morvane.ask(question)
    assert answer.type == SectionType.COMPLICATIONS.value
    assert answer.answers[0].text.startswith(MORVANE_COMPLICATIONS)


def test_a_name_guessed_from_lower_case_is_answered_beside_a_specific_one(morvane: Answerer) -> None:
    """"mrvs" in lower case is a guess at MRVS (it restricts no answer), but beside a name that does restrict, its
    pages are kept: the exams passage of the condition the question asks about comes first."""
    question = "is a PET scan needed to look for tessaly cancer when you have mrvs?"
    understood = morvane.understand(question)
    assert [(m.name, m.corrected) for m in understood.focus] == [("Tessaly cancer", False), ("MRVS", True)]
    answer = morvane.ask(question)
    assert answer.type == SectionType.EXAMS_AND_TESTS.value
    assert answer.answers[0].section == SectionType.EXAMS_AND_TESTS.value
    assert any(item.text.startswith(MORVANE_EXAMS) for item in answer.answers)


def test_type_before_tier_holds_among_the_pages_kept(morvane: Answerer) -> None:
    """After the answer keeps only the named conditions' pages, the best passage of the asked type among them
    comes first (Ranker.type_first), unless the first holds what is asked."""
    understood = morvane.understand("how do doctors diagnose Morvane syndrome?")
    assert understood.qtype is SectionType.EXAMS_AND_TESTS
    ranked = morvane.ranker.rank(understood)
    overview = next(s for s in ranked if s.passage.section == SectionType.INFORMATION.value)
    exams = next(s for s in ranked if s.passage.section == SectionType.EXAMS_AND_TESTS.value)
    assert morvane.ranker.type_first([overview, exams], understood) == [exams, overview]
    holding = dataclasses.replace(overview, holds_asked=True)
    assert morvane.ranker.type_first([holding, exams], understood) == [holding, exams]
    assert morvane.ranker.type_first([exams, overview], understood) == [exams, overview]


def test_a_name_matches_a_title_as_whole_words_the_last_maybe_plural() -> None:
    """A passage is about a name its title holds: "lems" (a guess kept beside a specific name) is no part of the
    "swallowing problems" pages' title."""
    assert _names_in("cochlear implant", "cochlear implants")
    assert _names_in("lems", "lems and anesthesia")
    assert not _names_in("lems", "swallowing problems")
    assert not _names_in("gout", "gouty arthritis")


def test_type_before_tier_holds_for_a_guessed_name_among_the_passages_trusted(morvane: Answerer) -> None:
    """With only a guessed name ("mrvs" in lower case) nothing is narrowed, but the passages shown are still in type
    before tier's order: where the answer's trust floors drop the ranking's first exams passage (a saved page whose
    lists were lost), the next exams passage about the focus comes before an overview."""
    understood = morvane.understand("how do doctors diagnose mrvs?")
    assert [(m.name, m.corrected) for m in understood.focus] == [("MRVS", True)]
    assert understood.qtype is SectionType.EXAMS_AND_TESTS
    ranked = morvane.ranker.rank(understood)
    overview = next(s for s in ranked if s.passage.section == SectionType.INFORMATION.value)
    exams = next(s for s in ranked if s.passage.section == SectionType.EXAMS_AND_TESTS.value)
    assert morvane._about_named_condition([overview, exams], understood) == [exams, overview]


def test_a_passage_of_the_asked_type_holding_every_word_asked_is_trusted_however_unlike_it_reads(
        morvane: Answerer) -> None:
    """"repetitive nerve stimulation lems": the saved page's exams passage held every word and was dropped for its
    sentence similarity (0.22), as a guess's passages are below the floor; holding every content word of the question
    as written, it answers. Not a passage of another type, nor one that holds only some of the words."""
    understood = morvane.understand("how do doctors diagnose mrvs?")
    assert [(m.name, m.corrected) for m in understood.focus] == [("MRVS", True)]
    ranked = morvane.ranker.rank(understood)
    exams = next(s for s in ranked if s.passage.section == SectionType.EXAMS_AND_TESTS.value)
    overview = next(s for s in ranked if s.passage.section == SectionType.INFORMATION.value)

    def unlike(scored: Scored, coverage: float) -> Scored:
        return dataclasses.replace(scored, score=3.0, features={**scored.features, "focus": 0.7, "semantic": 0.1,
                                                                "coverage": coverage})
    assert morvane._trustworthy(unlike(exams, 1.0), understood)
    assert not morvane._trustworthy(unlike(exams, 0.75), understood)
    assert not morvane._trustworthy(unlike(overview, 1.0), understood)


def test_a_passage_of_the_asked_type_about_a_guessed_name_of_several_words_is_trusted(morvane: Answerer) -> None:
    """"can lamber eaton cause bladder problems ...?": a name of two words misspelled is a guess, but a surer one than a
    lower-case abbreviation: the asked type's passage about it answers a short or phrased question however unlike the
    question it reads, as one about a name written right does; a guessed one-word name ("mrvs") does not."""
    guessed = morvane.understand("how do doctors diagnose morvene syndrome?")
    assert [(m.name, m.corrected) for m in guessed.focus] == [("Morvane syndrome", True)]
    abbreviation = morvane.understand("how do doctors diagnose mrvs?")
    assert [(m.name, m.corrected) for m in abbreviation.focus] == [("MRVS", True)]
    for understood, trusted in ((guessed, True), (abbreviation, False)):
        exams = next(s for s in morvane.ranker.rank(understood)
                     if s.passage.section == SectionType.EXAMS_AND_TESTS.value)
        unlike = dataclasses.replace(exams, score=3.0, features={**exams.features, "focus": 0.7, "semantic": 0.1,
                                                                 "coverage": 0.5})
        assert morvane._trustworthy(unlike, understood) is trusted
