"""Questions about taking a medicine are read in the drug pages' vocabulary: what it is prescribed for
("indication"), and whether it is safe to take given a condition, a pregnancy or another medicine
("precautions", the MedlinePlus section that lists them)."""

from __future__ import annotations

import pytest

from healthqa.mediqa.training import feature_fingerprint
from healthqa.records import SectionType
from healthqa.understand import classify, condense, medicine_type, question_types


def first_type(text: str) -> SectionType:
    concise, questions = condense(text)
    return question_types(concise, questions)[0]


@pytest.mark.parametrize("text", [
    "Why was my mother prescribed quellotrin?",
    "why are beta blockers given after a heart attack",
    "What is dravonex used for?",
    "Is quellotrin prescribed for anxiety?",
    "what does dravonex treat",
])
def test_what_a_medicine_is_for_is_its_indication_not_a_cause(text: str) -> None:
    assert first_type(text) is SectionType.INDICATION


@pytest.mark.parametrize("text", [
    "Could I take dravonex if I have kidney disease?",
    "is it okay for me to use quellotrin while breastfeeding",
    "Should I still take my dravonex pills before an operation?",
    "Is it safe to take quellotrin and dravonex on the same day?",
    "can my son take dravonex with a heart condition",
])
def test_taking_a_medicine_with_a_condition_or_another_medicine_asks_its_precautions(text: str) -> None:
    assert first_type(text) is SectionType.PRECAUTIONS


@pytest.mark.parametrize(("text", "expected"), [
    ("Why do my knees ache every morning?", SectionType.CAUSES),  # "why" about a body still asks the cause
    ("Why is it recommended that dravonex be taken at night?", SectionType.CAUSES),  # not what it is for
    ("Should I take her to a hospital if her fever stays high?", SectionType.INFORMATION),  # takes a person
    ("Is swimming safe for people with epilepsy?", SectionType.INFORMATION),  # no medicine is taken
    # The cue lists already read a type of the drug pages: it stays.
    ("Does dravonex interact with grapefruit? Can I take it with breakfast?",
     SectionType.INTERACTIONS_WITH_MEDICATIONS),
])
def test_other_questions_keep_their_reading(text: str, expected: SectionType) -> None:
    assert first_type(text) is expected


def test_the_cued_types_follow_the_medicine_reading() -> None:
    concise, questions = condense("Why is quellotrin prescribed, and what causes its rash?")
    assert question_types(concise, questions)[:2] == [SectionType.INDICATION, SectionType.CAUSES]
    # Both readings in one question: the one written first decides.
    assert medicine_type("Can I take quellotrin during a cold, and why is it prescribed?") is SectionType.PRECAUTIONS
    assert medicine_type("What causes gout?") is None


def test_the_learned_scorers_features_do_not_read_the_medicine_reading() -> None:
    """The cue lists feed the learned scorers (retrained when they change); the medicine reading stands apart."""
    before = feature_fingerprint()
    assert classify("why is quellotrin prescribed")[0] is SectionType.CAUSES  # the cue lists' own reading
    assert feature_fingerprint() == before


@pytest.mark.parametrize(("text", "expected"), [
    # MedlinePlus files how to take a medicine (and its dosage) as "usage".
    ("how do I take nolvarin", SectionType.USAGE),
    ("How should nolvarin tablets be taken?", SectionType.USAGE),
    ("when should I take my nolvarin", SectionType.USAGE),
    ("how to store nolvarin", SectionType.STORAGE_AND_DISPOSAL),
    ("How should nolvarin be stored once the bottle is open?", SectionType.STORAGE_AND_DISPOSAL),
    ("how do I dispose of old nolvarin pills", SectionType.STORAGE_AND_DISPOSAL),
    ("Is nolvarin safe during pregnancy?", SectionType.PRECAUTIONS),
    ("are nolvarin drops safe while breastfeeding", SectionType.PRECAUTIONS),
    ("Can I drink beer while taking nolvarin?", SectionType.PRECAUTIONS),
    ("is it ok to drive while on this medication", SectionType.PRECAUTIONS),
])
def test_how_to_take_store_and_when_not_to_take_a_medicine(text: str, expected: SectionType) -> None:
    assert first_type(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("how do I take care of a newborn with jaundice", SectionType.TREATMENT),  # "take care", not a medicine
    ("What is glycogen storage disease?", SectionType.INFORMATION),  # a condition's name, not a medicine's storage
    ("Is exercise safe during pregnancy?", SectionType.INFORMATION),  # an activity, not a medicine
    ("how can I keep my blood sugar steady", SectionType.INFORMATION),
    ("what is the dose of nolvarin", SectionType.DOSE),  # the cue lists' own type; the gap maps it to "usage"
])
def test_near_misses_keep_their_reading(text: str, expected: SectionType) -> None:
    assert first_type(text) is expected
