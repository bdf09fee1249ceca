"""Questions about living with a condition, in words the cue lists read otherwise or not at all: whom to contact
(support groups), what else it brings (complications, not causes) and what happens without treatment (outlook,
not symptoms); healthqa.understand._CONDITION_CUES."""

from __future__ import annotations

import pytest

from healthqa.mediqa.training import feature_fingerprint
from healthqa.records import SectionType
from healthqa.understand import classify, condense, condition_type, question_types


def first_type(text: str) -> SectionType:
    concise, questions = condense(text)
    return question_types(concise, questions)[0]


@pytest.mark.parametrize("text", [
    "who can I contact about dravelin palsy?",
    "Where can we turn to for help with my son's quellosis?",
    "are there groups for families dealing with dravelin palsy?",
    "I would like to talk with others who have quellosis",
    "is there a patient organization for dravelin palsy",
    "how can I meet other people with quellosis?",
])
def test_whom_to_contact_and_where_others_meet_asks_for_support_groups(text: str) -> None:
    assert first_type(text) is SectionType.SUPPORT_GROUPS


@pytest.mark.parametrize("text", [
    "what problems can dravelin palsy cause?",
    "What other health problems does quellosis lead to?",
    "can dravelin palsy lead to other problems?",
])
def test_what_else_a_condition_brings_asks_its_complications_not_its_causes(text: str) -> None:
    assert first_type(text) is SectionType.COMPLICATIONS


@pytest.mark.parametrize("text", [
    "what happens if dravelin palsy is not treated?",
    "What will happen if my quellosis goes untreated?",
    "is quellosis fatal if left untreated",
])
def test_what_happens_without_treatment_asks_the_outlook(text: str) -> None:
    assert first_type(text) is SectionType.OUTLOOK


@pytest.mark.parametrize("text", ["can children get dravelin palsy?", "Do adults get quellosis too?",
                                  "can babies have dravelin palsy"])
def test_whether_a_group_of_people_gets_it_asks_who_is_susceptible_not_inheritance(text: str) -> None:
    assert first_type(text) is SectionType.SUSCEPTIBILITY


@pytest.mark.parametrize(("text", "expected"), [
    ("will my children get dravelin palsy?", SectionType.INHERITANCE),
    ("can my kids inherit quellosis from me?", SectionType.INHERITANCE),
    ("what causes dravelin palsy?", SectionType.CAUSES),
    ("can dravelin palsy cause seizures?", SectionType.CAUSES),
    ("what are the symptoms of quellosis?", SectionType.SYMPTOMS),
    ("how is quellosis treated?", SectionType.TREATMENT),
    ("who can get dravelin palsy?", SectionType.SUSCEPTIBILITY),
])
def test_other_questions_keep_the_cue_lists_types(text: str, expected: SectionType) -> None:
    assert condition_type(text) is None
    assert first_type(text) is expected


def test_the_learned_scorers_features_do_not_read_the_condition_reading() -> None:
    """The cue lists feed the MEDIQA models (retrained when they change); the condition reading stands apart."""
    before = feature_fingerprint()
    assert classify("what problems can dravelin palsy cause?")[0] is SectionType.CAUSES  # the cue lists' own reading
    assert classify("who can I contact about dravelin palsy?")[0] is SectionType.INFORMATION
    assert feature_fingerprint() == before
