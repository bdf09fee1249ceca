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
    ("Oesophageal cancer symptoms", "Esophageal cancer symptoms"),
    ("HAEMOPHILIA AND ANAEMIA", "HEMOPHILIA AND ANEMIA"),
    ("paediatric leukaemia treatment", "pediatric leukemia treatment"),
    ("is haemophilia inherited?", "is hemophilia inherited?"),
    ("diarrhoea and ischaemic colitis", "diarrhea and ischemic colitis"),
    ("brain tumours in coeliac disease", "brain tumors in celiac disease"),
    ("an orthopaedic surgeon after a caesarean", "an orthopedic surgeon after a cesarean"),
])
def test_british_medical_spellings_read_as_american(british: str, american: str) -> None:
    assert american_spelling(british) == american


@pytest.mark.parametrize("text", [
    "Haemophilus influenzae vaccine", "Enterococcus faecium", "Schistosoma haematobium", "academia",
    "aerobic exercise", "Michael's anaemic",
])
def test_latin_names_and_look_alikes_stay(text: str) -> None:
    expected = text.replace("anaemic", "anemic")  # the one British word here
    assert american_spelling(text) == expected


def test_a_british_question_finds_the_american_name() -> None:
    """Found as written in the sources' spelling, not guessed by the spelling corrector."""
    assert [(m.name, m.corrected) for m in understand("what is anaemia?", NAMES).focus] == [("Anemia", False)]
    leukaemia = understand("paediatric leukaemia treatment", NAMES)
    assert [(m.name, m.corrected) for m in leukaemia.focus] == [("Leukemia", False)]
    assert leukaemia.qtype is SectionType.TREATMENT
    assert [m.name for m in understand("oesophageal cancer symptoms", NAMES).focus] == ["Esophageal cancer"]
    assert [m.name for m in understand("Haemophilus infections in adults", NAMES).focus] == ["Haemophilus infections"]



def test_a_name_the_source_spells_the_british_way_is_found_either_way() -> None:
    names = NameIndex([(1, "Congenital oesophageal stenosis", "title"), (2, "Sj\u00f6gren-Larsson syndrome", "title")])
    for question in ("is congenital oesophageal stenosis inherited?", "is congenital esophageal stenosis inherited?"):
        assert [(m.name, m.corrected) for m in understand(question, names).focus] == [
            ("Congenital oesophageal stenosis", False)]
    for question in ("Sj\u00f6gren-Larsson syndrome symptoms", "sjogren larsson syndrome symptoms"):
        assert [m.name for m in understand(question, names).focus] == ["Sj\u00f6gren-Larsson syndrome"]
