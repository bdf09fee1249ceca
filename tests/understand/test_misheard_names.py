"""Names written the way speech-to-text and hurried typing write them: split into pieces ("fir daps", "lamb ert
eaton"), one word of several typed as another everyday word with the same consonants ("lambert eaten"). Each is found
as a guess (``corrected``), and neither rule reads a real phrase as a name it is not."""

from __future__ import annotations

import pytest

from healthqa.understand import NameIndex, understand

NAMES = [
    (1, "Lambert-Eaton myasthenic syndrome", "title"), (1, "Lambert-Eaton syndrome", "synonym"), (1, "LEMS", "synonym"),
    (2, "Lambert syndrome", "title"), (3, "Amifampridine", "title"), (4, "Urinary tract infections", "title"),
    (5, "Cold exposure", "title"), (6, "Mold allergy", "title"), (7, "Paine syndrome", "title"), (8, "Pain", "title"),
    (9, "Respiratory syncytial virus immune globulin", "title"), (10, "Immunoglobulin", "title"),
    (11, "Chest x-ray", "title"), (12, "Xray", "title"), (13, "Macrocytic anemia", "title"), (14, "Anemia", "title"),
    (15, "Back pain", "title"), (16, "Phenelzine", "title"), (17, "Measles", "title"), (18, "I cell disease", "title"),
    (19, "Atypical pneumonia", "title"), (20, "Pneumonia", "title"), (21, "Fetal alcohol syndrome", "title"),
    (22, "Lung cancer", "title"), (23, "Heel pain", "title"), (24, "Insulinoma", "title"), (25, "Mumps", "title"),
    (26, "Medicare", "title"), (27, "Postpolio syndrome", "title"), (28, "Polio", "title"), (29, "CMTDIA", "title"),
    (30, "Autoimmune Addison's disease", "title"), (31, "Addison disease", "title"),
]
BRANDS = [(3, "Firdapse", "amifampridine phosphate")]
# Everyday words, as the shipped dictionary holds them (a proper name such as "lambert" or "eaton" among them).
DICTIONARY = {"lambert", "lamberts", "eaton", "eaten", "eton", "lamb", "bert", "art", "fir", "amy", "mold", "cold",
              "pain", "pains", "phone", "line", "mean", "les", "urinary", "tract", "infection", "exposure", "syndrome",
              "chest", "ray", "back", "anemia", "virus", "immune", "see", "speak", "call", "cell", "typical", "fatal",
              "alcohol", "long", "heal", "heel", "past", "mum", "care", "plan", "cost", "help", "the", "takes",
              "poison", "control", "medicine"}
# Words the knowledge base's texts use (never corrected into a name: "microcytic" is no typo of "macrocytic").
CORPUS = {"microcytic", "myasthenia"}
INDEX = NameIndex(NAMES, known_word=CORPUS.__contains__, dictionary=DICTIONARY, brands=BRANDS,
                  reads_as_abbreviation={"cmtdia"}.__contains__)


def found(question: str) -> list[tuple[str, bool]]:
    return [(match.name, match.corrected) for match in INDEX.find(question)]


@pytest.mark.parametrize(("question", "name"), [
    ("my neurologist said fir daps, what kind of medicine is that", "Firdapse"),
    ("is there a cheaper version of fir dap see", "Firdapse"),
    ("whats the brand name of amy fam pridine", "Amifampridine"),
    ("is there a facebook group for lamb ert eaton patients", "Lambert-Eaton syndrome"),
])
def test_a_name_split_into_pieces_is_found_as_a_guess(question: str, name: str) -> None:
    assert found(question) == [(name, True)]


@pytest.mark.parametrize(("question", "written"), [
    ("what exactly is the active ingredient in fear dapse", "fear dapse"),
    ("what is inside the fur dap sea tablets", "fur dap sea"),
    ("um what is fire daps used for", "fire daps"),
])
def test_a_name_heard_in_pieces_that_sound_like_it_is_found_as_a_guess(question: str, written: str) -> None:
    """Speech-to-text writes a name it does not know as pieces that sound like it, one of them no word ("dapse"):
    the same consonants as heard, spelt within a few letters of the name."""
    assert [(match.name, match.matched, match.corrected) for match in INDEX.find(question)] == [
        ("Firdapse", written, True)]


@pytest.mark.parametrize("question", [
    "the fire taps were leaking",  # everyday words only: read as written
    "fur dapsex pills",  # no longer sounds like it
    "fear dapsoneish",  # sounds otherwise, and too far to spell it
])
def test_words_that_do_not_sound_like_a_name_and_spell_it_closely_are_read_as_written(question: str) -> None:
    assert INDEX.find(question) == []


def test_a_misspelt_word_in_a_name_of_as_many_words_is_not_taken_for_another_name_heard() -> None:
    """Heard in as many pieces as the name has words, a span is a misspelling, the corrections' to read, not a name
    split by speech-to-text: "lysis syndrome" sounds like "Lyell's syndrome", "rinne test" like "urine test"."""
    index = NameIndex([(1, "Lyell's syndrome", "title"), (2, "Urine test", "title")], dictionary=DICTIONARY)
    assert index.find("how do you manage tumor lysis syndrome") == []
    assert index.find("the weber and rinne test") == []


@pytest.mark.parametrize("question", [
    "is there a facebook group for lamb bert eaton patients",
    "can the blood work for lamb art eaton come back negative",
])
def test_everyday_words_that_misspell_a_name_s_word_beside_its_next_word_are_found_as_a_guess(question: str) -> None:
    """Speech-to-text writes a name it does not know as everyday words: "lamb bert" is one letter from "lambert",
    and "eaton" beside it makes the name. Everyday words alone are never joined ("mean les" is no "measles")."""
    assert found(question) == [("Lambert-Eaton syndrome", True)]
    assert found("lamb bert and lamb art") == []
    # Not across punctuation or a line: "eaton" is beside them only on the same line with nothing but spaces between.
    assert found("lamb bert. eaton") == []
    assert found("lamb bert\neaton") == []


@pytest.mark.parametrize("question", [
    "org that helps families of lambert eaten patients", "lambert eton syndrome support", "LAMBERT ETON SYNDROME",
])
def test_a_word_of_a_long_name_typed_as_another_word_is_found_as_a_guess(question: str) -> None:
    assert found(question) == [("Lambert-Eaton syndrome", True)]


@pytest.mark.parametrize(("question", "expected"), [
    # Apostrophes are often left out; "lamberts" is a real word (the unit), so it is never corrected. Without the
    # apostrophe the "s" may be a verb's ("what lowers back pain"): a guess.
    ("are there support groups for lamberts eaton", [("Lambert-Eaton syndrome", True)]),
    ("lambert eatons syndrome and falls", [("Lambert-Eaton syndrome", True)]),
    # "addison's" is a name's word of its own ("Autoimmune Addison's disease"), and still the possessive of "addison".
    ("addison's disease symptoms", [("Addison disease", False)]),
    ("addisons disease symptoms", [("Addison disease", True)]),
])
def test_a_possessive_before_another_word_of_a_name_is_that_name(question: str,
                                                                 expected: list[tuple[str, bool]]) -> None:
    assert found(question) == expected


def test_a_name_in_the_other_number_is_not_a_misspelling() -> None:
    """A page's plural title is a general page: "drug reaction" read as the page "Drug reactions" put it first for a
    question about two medicines (LiveQA dev)."""
    assert found("antibiotics for a urinary tract infection") == []
    assert found("back pains at night") == []


@pytest.mark.parametrize(("question", "expected"), [
    # Another word, not a misspelling: "mold" is no "cold", "pain" no "Paine", "microcytic" no "macrocytic".
    ("mold exposure at work", []),
    ("chronic pain syndrome", [("Pain", False)]),
    ("microcytic anemia in children", [("Anemia", False)]),
    # Everyday words are not joined ("phone line" is not "phenelzine", "mean les" not "measles"), nor a letter or
    # a word in capitals ("x ray": the name "Chest x-ray" is found as written).
    ("is there a phone line i can speak to", []),
    ("what does that mean les", []),
    ("what does a chest x ray show", [("Chest x-ray", False)]),
    # Words inside a longer name are not joined ("immune globulin" is not "immunoglobulin"), and a name found as
    # written is not made longer by changing a word ("lambert eaton myasthenia" is "Lambert-Eaton syndrome").
    ("respiratory syncytial virus immune globulin dose", [("Respiratory syncytial virus immune globulin", False)]),
    ("lambert eaton myasthenia and falls", [("Lambert-Eaton syndrome", False)]),
    # An everyday word is swapped only for a person's name inside a name ("Eaton"), never for a common word of one.
    ("can i call poison control", []),
    ("is typical pneumonia contagious", [("Pneumonia", False)]),
    ("is it fatal alcohol poisoning", []),
    ("she has long cancer", []),
    ("cream to heal pain", [("Pain", False)]),
    # Words are not joined across punctuation or with chat words, nor read as an abbreviation once joined.
    ("he takes insulin. omg the cost", []),
    ("we planted a fir. daps of colour everywhere", []),
    ("we planted a fir\ndaps of colour everywhere", []),
    ("can someone help my mum pls", []),
    ("meds care plan", []),
    ("cmt dia", []),
])
def test_real_phrases_are_not_read_as_other_names(question: str, expected: list[tuple[str, bool]]) -> None:
    assert found(question) == expected


def test_the_understanding_answers_about_the_misheard_name() -> None:
    understood = understand("um is there like a facebook group or online community for lamb ert eaton patients",
                            INDEX)
    assert [m.name for m in understood.focus] == ["Lambert-Eaton syndrome"]
    assert understood.focus[0].corrected


def test_a_title_in_capitals_says_nothing_of_a_person_s_name() -> None:
    """"Breast Lift" capitalises every word, so "left" is not swapped for "Lift" as it is for "Eaton"."""
    index = NameIndex([(1, "Breast Lift", "title"), (2, "Lambert-Eaton syndrome", "title")],
                      dictionary={"breast", "left", "lift", "lambert", "eaton", "eaten"})
    assert [m.name for m in index.find("lump in my breast left side")] == []
    assert [(m.name, m.corrected) for m in index.find("lambert eaten")] == [("Lambert-Eaton syndrome", True)]
