"""A question in British spelling is read in the sources' American spelling; Latin names spelled so in both, and
words that only look alike, are left as written."""

from __future__ import annotations

import pytest

from healthqa.records import SectionType
from healthqa.understand import NameIndex, understand
from healthqa.understand._words import american_spelling

NAMES = NameIndex([(1, "Anemia", "title"), (2, "Esophageal cancer", "title"), (3, "Leukemia", "title"),
                   (4, "Haemophilus infections", "title")])


@pytest.mark.parametrize(("british", "american"), [
    ("what is anaemia?", "what is anemia?"),
    ("Oesophageal cancer symptoms", "esophageal cancer symptoms"),
    ("paediatric leukaemia treatment", "pediatric leukemia treatment"),
    ("is haemophilia inherited?", "is hemophilia inherited?"),
    ("diarrhoea and ischaemic colitis", "diarrhea and ischemic colitis"),
    ("brain tumours in coeliac disease", "brain tumors in celiac disease"),
    ("an orthopaedic surgeon after a caesarean", "an orthopedic surgeon after a cesarean"),
])
def test_british_medical_spellings_read_as_american(british: str, american: str) -> None:
    assert american_spelling(british) == american


@pytest.mark.parametrize("text", [
    "Haemophilus influenzae vaccine", "Enterococcus faecium", "academia", "aerobic exercise", "Michael's anaemic",
])
def test_latin_names_and_look_alikes_stay(text: str) -> None:
    expected = text.replace("anaemic", "anemic")  # the one British word here
    assert american_spelling(text) == expected


def test_a_british_question_finds_the_american_name() -> None:
    assert [m.name for m in understand("what is anaemia?", NAMES).focus] == ["Anemia"]
    leukaemia = understand("paediatric leukaemia treatment", NAMES)
    assert [m.name for m in leukaemia.focus] == ["Leukemia"]
    assert leukaemia.qtype is SectionType.TREATMENT
    assert [m.name for m in understand("oesophageal cancer symptoms", NAMES).focus] == ["Esophageal cancer"]
    assert [m.name for m in understand("Haemophilus infections in adults", NAMES).focus] == ["Haemophilus infections"]
