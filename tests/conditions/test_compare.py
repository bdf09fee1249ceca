"""healthqa.conditions.compare: agreement, contradiction and staleness across sources, on small texts written here."""

from __future__ import annotations

import json
import zlib
from datetime import date
from pathlib import Path

import pytest

from healthqa.conditions.compare import Comparison, SourcedText, compare, parse_date
from healthqa.symptoms.hpo import HPOIndex, load_hpo

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@pytest.fixture(scope="module")
def hpo() -> HPOIndex:
    return load_hpo()


def text(source: str, body: str, section: str = "treatment", updated: str | None = None,
         passage_id: str | None = None) -> SourcedText:
    return SourcedText(passage_id or f"{source}_{section}_{zlib.crc32(body.encode())}", source, section, body,
                       updated, "government_reviewed")


def terms(result: Comparison, kind: str | None = None) -> set[str]:
    return {a.term for a in result.agreements if kind is None or a.kind == kind}


def points(result: Comparison) -> set[str]:
    return {c.point for c in result.contradictions}


# -- agreement ---------------------------------------------------------------------------------------------


def test_a_treatment_named_by_two_sources_agrees_with_each_sentence_quoted() -> None:
    a = text("GARD", "LEMS is treated in several ways. Plasmapheresis removes the antibodies from the blood.")
    b = text("NINDS", "Doctors may try plasma exchange. Rest also helps.")
    result = compare([a, b], symptoms=False)
    [agreement] = result.agreements
    assert (agreement.kind, agreement.term, agreement.sources) == ("treatment", "plasma exchange", ["GARD", "NINDS"])
    assert [m.sentence for m in agreement.mentions] == [
        "Plasmapheresis removes the antibodies from the blood.", "Doctors may try plasma exchange."]
    assert [m.matched for m in agreement.mentions] == ["Plasmapheresis", "plasma exchange"]
    for mention, source in zip(agreement.mentions, (a, b), strict=True):
        assert mention.sentence in source.text and mention.passage_id == source.passage_id


def test_one_source_alone_never_agrees_with_itself() -> None:
    first = text("GARD", "Intravenous immunoglobulin can help.", passage_id="GARD_1")
    second = text("GARD", "IVIG is given in hospital.", passage_id="GARD_2")
    assert compare([first, second], symptoms=False).agreements == []


def test_plurals_synonyms_and_abbreviations_meet_under_one_label() -> None:
    a = text("A", "CT scans and biopsies confirm it. Intravenous immunoglobulins are given.", "exams and tests")
    b = text("B", "Computed tomography, a biopsy and IVIg may be used.", "exams and tests")
    result = compare([a, b], symptoms=False)
    assert terms(result, "test") == {"CT scan", "biopsy"}
    assert terms(result, "treatment") == {"intravenous immunoglobulin"}


def test_abbreviations_only_match_in_capitals_and_words_only_whole() -> None:
    a = text("A", "The act of walking is hard. Pet owners and ecto patients.", "exams and tests")
    b = text("B", "A CT and a PET scan were done.", "exams and tests")
    assert compare([a, b], symptoms=False).agreements == []


def test_drug_names_from_the_caller_map_brands_to_one_label() -> None:
    a = text("GARD", "3,4-diaminopyridine improves muscle strength.")
    b = text("Orphanet", "Firdapse is approved for adults.")
    c = text("NINDS", "Pyridostigmine may also help.")
    d = text("Web", "Doctors prescribe pyridostigmine.")
    result = compare([a, b, c, d], symptoms=False,
                     drugs={"amifampridine": ["Firdapse", "3,4-diaminopyridine"], "pyridostigmine": ["Mestinon"]})
    assert terms(result) == {"amifampridine", "pyridostigmine"}
    plain = compare([c, d], symptoms=False, drugs=["Pyridostigmine"])
    assert terms(plain) == {"Pyridostigmine"}


def test_treatments_named_as_causes_do_not_count() -> None:
    a = text("NHLBI", "Certain medicines such as aspirin and other NSAIDs can trigger attacks.", "causes")
    b = text("NIDDK", "NSAIDs relieve the pain.", "treatment")
    assert compare([a, b], symptoms=False).agreements == []


def test_resource_lists_are_not_statements() -> None:
    a = text("GHR", "These resources address the diagnosis or management of X:  - Genetic Testing Registry: X  "
                    "- Surgery and Rehabilitation")
    b = text("GARD", "Genetic testing is available. Surgery may be needed.")
    assert compare([a, b], symptoms=False).agreements == []


def test_symptoms_agree_by_hpo_term_across_lay_and_medical_words(hpo: HPOIndex) -> None:
    a = text("GARD", "Symptoms may include muscle weakness, dry mouth and double vision.", "symptoms")
    b = text("NINDS", "People have weakness of the muscles, xerostomia and diplopia.", "symptoms")
    result = compare([a, b], hpo=hpo)
    assert terms(result, "symptom") == {"Muscle weakness", "Xerostomia", "Diplopia"}
    assert all(a.code.startswith("HP:") for a in result.agreements)


def test_a_symptom_agrees_with_a_narrower_one(hpo: HPOIndex) -> None:
    a = text("A", "The main symptom is pain.", "symptoms")
    b = text("B", "Bone pain is common.", "symptoms")
    [agreement] = compare([a, b], hpo=hpo).agreements
    assert agreement.term == "Pain"
    assert [m.matched for m in agreement.mentions] == ["pain", "Bone pain"]


def test_negated_symptoms_and_the_condition_itself_are_not_symptoms(hpo: HPOIndex) -> None:
    a = text("A", "There is no fever. Diarrhea causes dehydration.", "information")
    b = text("B", "Fever is absent in adults but diarrhea can lead to dehydration.", "information")
    result = compare([a, b], hpo=hpo, names=["Diarrhea"])
    assert terms(result, "symptom") == {"Dehydration"}


def test_symptoms_in_treatment_sections_are_side_effects_not_features(hpo: HPOIndex) -> None:
    a = text("A", "Side effects of the drug include nausea.", "treatment")
    b = text("B", "Nausea is a common side effect.", "treatment")
    assert compare([a, b], hpo=hpo).agreements == []


# -- contradiction -----------------------------------------------------------------------------------------


def test_a_source_that_says_both_sides_is_named_apart_not_on_either_side() -> None:
    """Review: "Sources disagree" put GARD on both sides. Each source is on one side only; one that asserts in
    one passage and denies in another is inconsistent within itself and left out of the sides."""
    both_yes = text("Atlas", "Bar syndrome is inherited in an autosomal recessive pattern.", "inheritance")
    both_no = text("Atlas", "Bar syndrome is not inherited.", "information")
    yes = text("Digest", "Bar syndrome is inherited in an autosomal recessive pattern.", "inheritance")
    no = text("Forum", "Bar syndrome is not inherited.", "inheritance")
    [contradiction] = compare([both_yes, both_no, yes, no], symptoms=False, names=["Bar syndrome"]).contradictions
    assert contradiction.sources_asserting == ["Digest"] and contradiction.sources_denying == ["Forum"]
    assert contradiction.inconsistent == ["Atlas"]
    assert [m.passage_id for m in contradiction.self_contradicting] == [both_yes.passage_id, both_no.passage_id]
    # Against one other source, it still disagrees with it, on neither side.
    [alone] = compare([both_yes, both_no, no], symptoms=False, names=["Bar syndrome"]).contradictions
    assert (alone.sources_asserting, alone.sources_denying, alone.inconsistent) == ([], ["Forum"], ["Atlas"])
    # Alone, a source that says both is not a disagreement between sources.
    assert compare([both_yes, both_no], symptoms=False, names=["Bar syndrome"]).contradictions == []


def test_a_negated_claim_contradicts_an_assertion_from_another_source() -> None:
    a = text("GHR", "Foo syndrome is inherited in an autosomal dominant pattern.", "inheritance")
    b = text("Web", "Is Foo syndrome inherited? Foo syndrome is not inherited.", "inheritance")
    result = compare([a, b], symptoms=False, names=["Foo syndrome"])
    [contradiction] = result.contradictions
    assert contradiction.point == "inherited"
    assert contradiction.sources_asserting == ["GHR"] and contradiction.sources_denying == ["Web"]
    assert [m.sentence for m in contradiction.denied] == ["Foo syndrome is not inherited."]
    assert contradiction.label


@pytest.mark.parametrize(("said", "denied", "point"), [
    ("Foo can be cured with surgery.", "There is no cure for Foo.", "curable"),
    ("Foo is contagious.", "Foo is not contagious.", "contagious"),
    ("Foo can be fatal.", "People with Foo have a normal life expectancy.", "fatal"),
    ("Foo is a rare disorder.", "Foo is a common condition.", "rare"),
    ("Foo runs in families.", "Foo does not run in families.", "inherited"),
    ("Foo can be prevented.", "There is no way to prevent Foo.", "preventable"),
])
def test_each_point_is_found_with_its_negation(said: str, denied: str, point: str) -> None:
    result = compare([text("A", said, "information"), text("B", denied, "information")], symptoms=False,
                     names=["Foo"])
    assert points(result) == {point}


def test_no_contradiction_when_both_sources_deny() -> None:
    a = text("GARD", "There is no cure for LEMS.")
    b = text("Web", "Currently, there is no cure for LEMS, but many patients manage well.")
    c = text("NINDS", "LEMS is not curable.")
    assert compare([a, b, c], symptoms=False).contradictions == []


def test_claims_about_some_cases_or_questions_are_not_contradictions() -> None:
    a = text("GARD", "Most cases of Foo are not inherited. In rare cases, Foo is fatal.", "inheritance")
    b = text("GHR", "Foo is inherited in an autosomal recessive pattern. Is Foo fatal? Foo is not fatal.",
             "inheritance")
    c = text("NIH", "Foo is not directly inherited. It is not known whether Foo is contagious.", "inheritance")
    d = text("Web", "Foo is contagious only in rare cases.", "inheritance")
    assert compare([a, b, c, d], symptoms=False, names=["Foo"]).contradictions == []


def test_one_source_saying_both_is_not_a_contradiction() -> None:
    a = text("GARD", "Foo is not hereditary. Foo is inherited in an autosomal dominant pattern.", "inheritance")
    assert compare([a], symptoms=False, names=["Foo"]).contradictions == []


def test_the_condition_name_is_not_a_claim() -> None:
    a = text("GARD", "Hereditary multiple osteochondromas is a condition of the bones.", "information")
    b = text("GHR", "Hereditary multiple osteochondromas is not inherited in most families.", "information")
    c = text("Web", "This condition is not hereditary.", "information")
    result = compare([a, b, c], symptoms=False, names=["Hereditary multiple osteochondromas"])
    assert result.contradictions == []


# -- staleness ---------------------------------------------------------------------------------------------


def test_a_section_much_older_than_another_sources_is_stale() -> None:
    old = text("GARD", "Old advice.", "treatment", "2010-01-01")
    new = text("NINDS", "New advice.", "treatment", "2020-07-01")
    undated = text("Web", "Undated advice.", "treatment", None)
    other_section = text("Web2", "Symptoms.", "symptoms", "1990")
    [stale] = compare([old, new, undated, other_section], symptoms=False).stale
    assert (stale.section, stale.older, stale.newer) == ("treatment", old, new)
    assert stale.years == pytest.approx(10.5, abs=0.05)


def test_staleness_threshold_years_and_same_source() -> None:
    a = text("GARD", "A.", "treatment", "2012")
    b = text("NINDS", "B.", "treatment", "2016-06")
    assert compare([a, b], symptoms=False).stale == []
    assert len(compare([a, b], stale_years=4.0, symptoms=False).stale) == 1
    same = text("GARD", "C.", "treatment", "2023-01-01")
    assert compare([a, same], symptoms=False).stale == []


def test_dates_of_every_iso_precision_are_read_and_junk_is_skipped() -> None:
    assert parse_date("2019") == date(2019, 1, 1)
    assert parse_date("2019-05") == date(2019, 5, 1)
    assert parse_date("2019-05-17T10:00:00Z") == date(2019, 5, 17)
    assert parse_date(None) is None and parse_date("May 2019") is None and parse_date("2019-13-01") is None


# -- JSON --------------------------------------------------------------------------------------------------


def test_to_json_shape_is_plain_and_stable(hpo: HPOIndex) -> None:
    texts = [
        text("GARD", "Plasmapheresis helps. Foo is not inherited. Muscle weakness occurs.", "information", "2008"),
        text("NINDS", "Plasma exchange helps. Foo is inherited. Muscle weakness is typical.", "information",
             "2021-03-01"),
    ]
    first = compare(texts, hpo=hpo, names=["Foo"]).to_json()
    assert first == compare(texts, hpo=hpo, names=["Foo"]).to_json()
    assert set(first) == {"agreements", "contradictions", "stale"}
    agreement = first["agreements"][0]
    assert set(agreement) == {"kind", "term", "code", "sources", "mentions"}
    assert agreement["kind"] == "treatment" and agreement["term"] == "plasma exchange"
    assert set(agreement["mentions"][0]) == {"passage_id", "source", "sentence", "matched"}
    assert {a["term"] for a in first["agreements"]} == {"plasma exchange", "Muscle weakness"}
    [contradiction] = first["contradictions"]
    assert set(contradiction) == {"point", "label", "sources_asserting", "sources_denying", "asserted", "denied",
                                  "inconsistent", "self_contradicting"}
    assert contradiction["sources_asserting"] == ["NINDS"] and contradiction["sources_denying"] == ["GARD"]
    [stale] = first["stale"]
    assert stale["years"] == 13.2 and stale["older"]["source"] == "GARD" and stale["newer"]["updated"] == "2021-03-01"
    json.dumps(first)


def test_nothing_to_compare() -> None:
    assert compare([], symptoms=False).to_json() == {"agreements": [], "contradictions": [], "stale": []}


# -- the LEMS seed pages (issue 5's example) -----------------------------------------------------------------


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not here")
def test_lems_seed_pages_disagree_on_heredity_and_agree_on_treatments(hpo: HPOIndex) -> None:
    from healthqa.ingest import webpage

    texts = []
    for path in sorted(SEEDS.glob("*.txt")):
        for document in webpage.read(path):
            texts += [SourcedText(p.public_id, document.source.name, p.section.value, p.text,
                                  p.updated or document.updated, document.source.tier.value)
                      for p in document.passages]
    result = compare(texts, hpo=hpo, names=["Lambert-Eaton myasthenic syndrome"],
                     drugs={"amifampridine": ["amifampridine phosphate", "Firdapse", "3,4-diaminopyridine"],
                            "pyridostigmine": ["Mestinon"]})
    [inherited] = [c for c in result.contradictions if c.point == "inherited"]
    assert "RareGuru (GARD data)" in inherited.sources_asserting
    # Yesil's page says both ("not considered a hereditary condition", "genetic predispositions"): quoted apart.
    assert inherited.inconsistent == ["Yesil Health AI"] and "Yesil Health AI" not in inherited.sources_denying
    assert any("genetic predisposition" in m.sentence for m in inherited.asserted)
    assert any("not considered a hereditary condition" in m.sentence for m in inherited.self_contradicting)
    assert {"plasma exchange", "intravenous immunoglobulin", "pyridostigmine"} <= terms(result, "treatment")
    assert {"CT scan", "MRI"} <= terms(result, "test")
    assert "Muscle weakness" in terms(result, "symptom")
    assert "curable" not in points(result)  # both pages say there is no cure
    by_id = {t.passage_id: t.text for t in texts}
    for mention in ([m for a in result.agreements for m in a.mentions] + inherited.asserted + inherited.denied
                    + inherited.self_contradicting):
        assert mention.sentence in by_id[mention.passage_id]
