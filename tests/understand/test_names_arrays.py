"""A name index read back from its flat arrays (memory-mapped .npy files) reads every question as the index it
was packed from, without asking the lowercase abbreviation test again."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthqa.understand import NameIndex
from mapping import is_memory_mapped, round_trip

NAMES = [
    (1, "Lambert-Eaton myasthenic syndrome", "title"), (1, "LEMS", "synonym"),
    (1, "Eaton-Lambert syndrome", "synonym"), (1, "Congenital myasthenic syndrome", "synonym"),
    (2, "Congenital myasthenic syndrome", "title"),
    (3, "Chronic obstructive pulmonary disease", "title"), (3, "COPD", "synonym"),
    (4, "Seasonal affective disorder", "title"), (4, "SAD", "synonym"),
    (5, "Systemic lupus erythematosus", "title"), (5, "LES", "synonym"),
    (6, "Lower esophageal sphincter", "title"), (6, "LES", "synonym"),
    (7, "Diabetes, type 2", "title"), (8, "Raynaud's phenomenon", "title"), (9, "Hunter's syndrome", "title"),
    (10, "Arthritis", "title"), (11, "Cold", "title"), (12, "Children's interstitial lung disease", "title"),
    (12, "ChILD", "synonym"), (13, "CHARGE syndrome", "title"), (14, "Lactation", "title"),
    (15, "Amifampridine", "title"), (16, "Fahr's syndrome", "title"), (17, "Parkinson's disease", "title"),
]
SOURCES = {1: "GARD", 2: "GARD", 3: "MedlinePlus", 4: "MedlinePlus", 5: "GARD", 6: "MedlinePlus"}
BRANDS = [(15, "Firdapse", "amifampridine phosphate"), (15, "Ruzurgi", "amifampridine"),
          (99, "Nowhere", "an unlisted generic")]
CORPUS = {"told", "location", "father", "lactate", "stuff"}
DICTIONARY = {"hunters", "pamphlets", "stuff", "nice", "collected", "charged", "eaten"}
QUESTIONS = [
    "is LEMS inherited?", "is lems inherited?", "what is copd?", "what is COPD", "i feel sad in winter",
    "what is SAD?", "LES or lupus?", "the les of the stomach", "type 2 diabetes or diabetes type 2",
    "does raynauds hurt", "raynaud's phenomenon", "the hunters came", "does arthritus hurt", "the doctor told me",
    "what is the location of the lactation", "my father's arthritis", "fahrs syndrome in my father's family",
    "can i take firdapse or ruzurgi?", "is nowhere safe", "what is CHARGE syndrome", "they charged me",
    "my child has ChILD", "parkinsons", "parkinson's disease and congenital myasthenic syndrome",
    "eaton lambert syndrom", "lambert-eaton myastenic syndrome", "chronic obstructve pulmonary disease",
    "seasonal afective disorder", "pamplets about coldd", "I HAVE LEMS AND COPD", "", "stuff and nice things",
    "systemic lupus erythematosis", "congenitle myasthenic syndrome", "arthritis's pain", "lactaton",
    "fir daps or amy fam pridine", "lamb ert eaton myasthenic syndrome", "eaton lambert syndromes",
    "lambert eaten myasthenic syndrome", "lambert eaten and lambert eaten myasthenic syndrome",
    "what is in fear dapse", "fur dap sea tablets",
]






def test_an_index_read_from_its_arrays_finds_what_the_built_one_finds(tmp_path: Path) -> None:
    asked: list[str] = []

    def reads_as_abbreviation(word: str) -> bool:
        asked.append(word)
        return word in {"copd", "lems"}

    built = NameIndex(NAMES, known_word=CORPUS.__contains__, sources=SOURCES,
                      reads_as_abbreviation=reads_as_abbreviation, dictionary=DICTIONARY, brands=BRANDS)
    arrays, extra = built.arrays()
    loaded = round_trip(arrays, tmp_path)
    assert all(is_memory_mapped(array) for array in loaded.values() if array.size)
    mapped = NameIndex.from_arrays(loaded, extra, known_word=CORPUS.__contains__)
    asked.clear()
    assert len(mapped) == len(built) and mapped.max_words == built.max_words
    found = [mapped.find(question) for question in QUESTIONS]
    assert not asked  # the saved answers of the lowercase abbreviation test are read, not asked again
    for question, matches in zip(QUESTIONS, found, strict=True):
        assert matches == built.find(question), question
    assert {m.name for m in mapped.find("what is copd?")} == {"COPD"}
    [brand] = mapped.find("can i take firdapse?")
    assert brand.generic == "amifampridine phosphate" and brand.document_ids == {15}


def test_every_name_and_its_typos_read_the_same(tmp_path: Path) -> None:
    built = NameIndex(NAMES, known_word=CORPUS.__contains__, sources=SOURCES,
                      reads_as_abbreviation=lambda word: word == "copd", dictionary=DICTIONARY, brands=BRANDS)
    arrays, extra = built.arrays()
    mapped = NameIndex.from_arrays(round_trip(arrays, tmp_path), extra, known_word=CORPUS.__contains__)
    for _, name, _ in NAMES + [(0, brand, "") for _, brand, _ in BRANDS]:
        variants = {name, name.lower(), name.upper(), name[1:], name[:-1], name[:3] + name[4:],
                    f"is {name} inherited?"}
        for text in variants:
            assert mapped.find(text) == built.find(text), text


def test_arrays_that_are_not_a_name_index_are_refused() -> None:
    arrays, extra = NameIndex(NAMES).arrays()
    with pytest.raises(KeyError):
        NameIndex.from_arrays({k: v for k, v in arrays.items() if k != "flags"}, extra)
    with pytest.raises(ValueError):
        NameIndex.from_arrays({**arrays, "flags": arrays["flags"][:-1]}, extra)
    with pytest.raises(KeyError):
        NameIndex.from_arrays(arrays, {})


def test_a_drug_tables_generic_is_a_name_where_no_page_is_about_it(tmp_path: Path) -> None:
    brands = [(3, "Zentrava", "velmorastine sodium"), (3, "Quellox", "hydrocortisone")]
    built = NameIndex([(1, "Hydrocortisone", "title"), (2, "Lambert-Eaton syndrome", "title")],
                      dictionary=DICTIONARY, brands=brands)
    mapped = NameIndex.from_arrays(round_trip(*built.arrays()[:1], tmp_path), built.arrays()[1])
    for index in (built, mapped):
        # In full and by its first word, typos tolerated; known only by the table, so no documents.
        for question in ("what is velmorastine?", "is velmorastine sodium safe", "what is velmorastin"):
            [match] = index.find(question)
            assert (match.name, match.generic, match.document_ids) == (
                "velmorastine" if "sodium" not in question else "velmorastine sodium", "velmorastine sodium",
                frozenset()), question
        # A generic that a page is about stays that page's name.
        [known] = index.find("what is hydrocortisone?")
        assert (known.generic, known.document_ids) == ("", frozenset({1}))


def test_brands_read_once_from_an_iterator_still_make_the_generic_a_name() -> None:
    # The ingest hands the store's drug table over as an iterator; both the brands and the generics come from it.
    brands = iter([(3, "Zentrava", "velmorastine sodium")])
    index = NameIndex([(2, "Lambert-Eaton syndrome", "title")], dictionary=DICTIONARY, brands=brands)
    assert [(m.name, m.generic) for m in index.find("what does velmorastine do?")] == [
        ("velmorastine", "velmorastine sodium")]
    assert [(m.name, m.generic) for m in index.find("is zentrava safe?")] == [("Zentrava", "velmorastine sodium")]
