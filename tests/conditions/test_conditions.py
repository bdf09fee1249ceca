"""Disease records: linking every source about one condition, and nothing else; the record and the CLI.

The knowledge base is written by the tests through the real readers (MedQuAD XML, Orphanet packets, saved
web pages) into a real SQLite file. The conditions are real names, the texts short inventions.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from healthqa.answer.answerer import DISCLAIMER
from healthqa.cli import main
from healthqa.conditions import (
    AmbiguousConditionError,
    ConditionNotFoundError,
    DiseaseIndex,
    DiseaseRecord,
    disease_record,
    find_candidates,
)
from healthqa.conditions._names import abbreviation, name_keys, shortened_keys, spells
from healthqa.conditions.compare import Comparison
from healthqa.errors import StoreError
from healthqa.ingest import ingest_path
from healthqa.records import Organisation, ParsedDocument, Passage, SectionType, SourceInfo, Tier
from healthqa.store import Store, open_store
from kb_builders import KnowledgeBases, write_medquad_file
from orphanet_data import EXACT, packet, write_packets

# --- the knowledge base ----------------------------------------------------------------------------

GARD_LEMS_WHAT = "LEMS is a disorder in which the immune system attacks the junction between nerve and muscle."
GARD_LEMS_TREAT = "Treatment may include amifampridine and intravenous immunoglobulin."
ORPHA_LEMS_DEFINITION = "An autoimmune disorder of neuromuscular transmission with fluctuating muscle weakness."
PAGE_LEMS_WHAT = "Lambert-Eaton myasthenic syndrome (LEMS) is a rare disorder of nerve-muscle communication."
FAQ_TREAT = "There is no cure for LEMS. Treatment may include amifampridine."
ORGANISATION = "Muscle Friends Association"


def write_sources(root: Path) -> list[Path]:
    medquad = root / "medquad"
    write_medquad_file(medquad / "2_GARD_QA", "0000001", "Lambert-Eaton myasthenic syndrome", [
        ("information", "What is (are) Lambert-Eaton myasthenic syndrome ?", GARD_LEMS_WHAT),
        ("treatment", "What are the treatments for Lambert-Eaton myasthenic syndrome ?", GARD_LEMS_TREAT),
    ], synonyms=("LEMS", "Eaton-Lambert syndrome", "Congenital myasthenic syndrome"), cui="C0022972")
    # GARD lists each of these two conditions among the other's synonyms.
    write_medquad_file(medquad / "2_GARD_QA", "0000002", "Congenital myasthenic syndrome", [
        ("information", "What is (are) Congenital myasthenic syndrome ?", "A group of inherited conditions."),
    ], synonyms=("CMS", "Lambert-Eaton myasthenic syndrome"), cui="C0751882")
    write_medquad_file(medquad / "10_MPlus_ADAM_QA", "0000003", "Lambert-Eaton syndrome", [], cui="C0022972")
    write_medquad_file(medquad / "5_NIDDK_QA", "0000004", "Diabetes", [
        ("information", "What is (are) Diabetes ?", "Diabetes means that blood glucose is too high."),
    ], synonyms=("Diabetes mellitus", "Type 1 diabetes", "Type 2 diabetes"), cui="C0011849")
    write_medquad_file(medquad / "4_MPlus_Health_Topics_QA", "0000005", "Diabetes", [
        ("information", "What is (are) Diabetes ?", "Diabetes is a disease of high blood sugar."),
    ], cui="C0011849")
    write_medquad_file(medquad / "4_MPlus_Health_Topics_QA", "0000006", "Diabetes Insipidus", [
        ("information", "What is (are) Diabetes Insipidus ?", "The kidneys cannot conserve water."),
    ], cui="C0011848")
    write_medquad_file(medquad / "4_MPlus_Health_Topics_QA", "0000007", "Type 2 diabetes", [
        ("information", "What is (are) Type 2 diabetes ?", "The body does not use insulin well."),
    ], cui="C0011860")
    write_medquad_file(medquad / "4_MPlus_Health_Topics_QA", "0000008", "Type 1 diabetes", [
        ("information", "What is (are) Type 1 diabetes ?", "The body makes no insulin."),
    ], cui="C0011854")
    write_medquad_file(medquad / "2_GARD_QA", "0000009", "Systemic lupus erythematosus", [
        ("information", "What is (are) Systemic lupus erythematosus ?", "An autoimmune disease."),
    ], synonyms=("Lupus erythematosus, systemic", "LES"), cui="C0024141")
    # A parent that lists its types as synonyms, and types that list their parent.
    write_medquad_file(medquad / "2_GARD_QA", "0000010", "Charcot-Marie-Tooth disease", [],
                       synonyms=("Dejerine-Sottas disease", "Roussy-Levy syndrome"))
    write_medquad_file(medquad / "2_GARD_QA", "0000011", "Dejerine-Sottas disease", [],
                       synonyms=("Charcot-Marie-Tooth disease",))
    write_medquad_file(medquad / "2_GARD_QA", "0000012", "Roussy-Levy syndrome", [],
                       synonyms=("Charcot-Marie-Tooth disease",))
    # Each names the other: a type and its parent (one CUI in common), two related conditions (none).
    write_medquad_file(medquad / "2_GARD_QA", "0000019", "Alzheimer disease", [],
                       synonyms=("Early-onset autosomal dominant Alzheimer disease",), cui="C0002395")
    write_medquad_file(medquad / "2_GARD_QA", "0000020", "Early-onset, autosomal dominant Alzheimer disease", [],
                       synonyms=("Alzheimer disease",), cui="C0002395")
    write_medquad_file(medquad / "2_GARD_QA", "0000021", "Cushing disease", [], synonyms=("Cushing syndrome",),
                       cui="C0221406")
    write_medquad_file(medquad / "2_GARD_QA", "0000022", "Cushing's syndrome", [], synonyms=("Cushing disease",),
                       cui="C0010481")
    # MedQuAD gives a condition the CUI of the words in its name.
    write_medquad_file(medquad / "2_GARD_QA", "0000013", "Sudden infant death syndrome", [],
                       synonyms=("Sudden infant death with dysgenesis of the testes syndrome",), cui="C0038644")
    write_medquad_file(medquad / "3_GHR_QA", "0000014", "sudden infant death with dysgenesis of the testes syndrome",
                       [], cui="C0038644")
    write_medquad_file(medquad / "11_MPlusDrugs_QA", "0000015", "Clopidogrel (Plavix)", [])
    write_medquad_file(medquad / "11_MPlusDrugs_QA", "0000016", "Clopidogrel", [])
    write_medquad_file(medquad / "11_MPlusDrugs_QA", "0000017", "Estrogen and Progestin (Oral Contraceptives)", [])
    write_medquad_file(medquad / "11_MPlusDrugs_QA", "0000018", "Estrogen and Progestin (Hormone Replacement Therapy)",
                       [])

    orphanet = write_packets(root / "orphanet" / "packets.jsonl.gz", [
        packet("900201", "Lambert-Eaton myasthenic syndrome", definition=ORPHA_LEMS_DEFINITION,
               synonyms=("Eaton-Lambert syndrome",), inheritance=("Not applicable",),
               prevalences=(("1-9 / 100 000", "Point prevalence", "Europe"),
                            ("1-9 / 1 000 000", "Point prevalence", "Worldwide")),
               onsets=("Adult",), omim=(("600201", EXACT),),
               phenotypes=(("HP:0001324", "Muscle weakness", "Occasional (29-5%)"),
                           ("HP:0000217", "Xerostomia", "Very frequent (99-80%)"),
                           ("HP:0001250", "Seizure", "Excluded (0%)"),
                           ("HP:0002019", "Constipation", "Frequent (79-30%)"))),
        packet("900202", "Lambert syndrome", definition="An invented malformation syndrome.",
               omim=(("600202", EXACT),)),
        packet("900203", "Congenital myasthenic syndrome", synonyms=("CMS",), inheritance=("Autosomal recessive",)),
    ])

    pages = root / "pages"
    pages.mkdir()
    (pages / "medlineplus-lems.txt").write_text(
        "Lambert-Eaton myasthenic syndrome\n\nEaton-Lambert syndrome; Lambert-Eaton syndrome; LES; LEMS\n\n"
        f"{PAGE_LEMS_WHAT}\n\nSymptoms\n\nWeakness of the legs is common.\n\n"
        "Review Date 4/25/2022\n\nReviewed By: Jane Roe, MD, Neurology.\n\n"
        "URL of this page: https://medlineplus.gov/ency/article/000710.htm\n",
        encoding="utf-8",
    )
    (pages / "faq-lems.txt").write_text(
        "Lambert Eaton myasthenic syndrome\n\nHow might Lambert Eaton myasthenic syndrome (LEMS) be treated?\n\n"
        f"{FAQ_TREAT}\n\nLast updated on 05-01-20\n\n"
        f"Name: {ORGANISATION} 10 Main Street\nSpringfield, IL, 62701, United States\n"
        "Phone: 217-555-0100 Email: help@example.org Url: https://muscle.example.org\n\n"
        "Drug Name Generic Name\nFirdapse amifampridine phosphate\n\n"
        "Connect with other users with LEMS on the RareGuru app\n\n"
        "Our disease database is regularly updated using data provided by GARD.\n",
        encoding="utf-8",
    )
    return [medquad, orphanet, pages]


# A second source naming the same organisation and drug (written directly, as no reader of ours makes it).
PATIENT_GROUP = ParsedDocument(
    source=SourceInfo("Patient group", "A patient group", "https://group.test", "not stated", Tier.UNREVIEWED),
    key="group:lems", title="Lambert-Eaton myasthenic syndrome", url="https://group.test/lems",
    focus=["Lambert-Eaton myasthenic syndrome"], updated="2012-03-01",
    passages=[Passage("Our members share their stories.", SectionType.SUPPORT_GROUPS, "GROUP_LEMS_1",
                      heading="Support")],
    organisations=[Organisation(name="Muscle Friends Association", url="https://muscle.example.org")],
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> str:
    root = tmp_path_factory.mktemp("disease")
    path = kb_backend.empty(root / "kb.db")
    store = open_store(path)
    for source in write_sources(root):
        report = ingest_path(store, source)
        assert report.ok, report.failures
    with store.ingest() as tx:
        tx.put_document(PATIENT_GROUP)
    store.close()
    return path


@pytest.fixture(scope="module")
def store(kb: str) -> Iterator[Store]:
    opened = open_store(kb)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def index(store: Store) -> DiseaseIndex:
    return DiseaseIndex.from_store(store)


def keys_of(store: Store, index: DiseaseIndex, ref: str) -> set[str]:
    return {index.head(d).key for d in index.members(index.resolve(ref, store))}


LEMS_KEYS = {
    "medquad:GARD_0000001", "medquad:ADAM_0000003", "orphanet:900201", "webpage:medlineplus-lems",
    "webpage:faq-lems", "group:lems",
}

# --- names -----------------------------------------------------------------------------------------


def test_names_are_equal_only_as_whole_names() -> None:
    assert name_keys("Eaton-Lambert syndrome") & name_keys("Lambert-Eaton syndrome")
    assert name_keys("Lambert-Eaton myasthenic syndrome (LEMS)") & name_keys("Lambert Eaton myasthenic syndrome")
    assert name_keys("Cushing's syndrome") == name_keys("Cushing syndrome")
    assert name_keys("Lupus erythematosus, systemic") & name_keys("Systemic lupus erythematosus")
    assert not name_keys("Lambert syndrome") & name_keys("Lambert-Eaton syndrome")
    assert not name_keys("Diabetes") & name_keys("Diabetes insipidus")
    # A part in brackets that is not the name's abbreviation only shortens the name.
    assert name_keys("Collapsed lung (pneumothorax)") == {"collapsed lung pneumothorax"}
    assert shortened_keys("Collapsed lung (pneumothorax)") == {"collapsed lung"}
    assert abbreviation("LEMS") == "LEMS" and abbreviation("Lems") is None and name_keys("LEMS") == set()
    assert spells("LEMS", "lambert eaton myasthenic syndrome") and not spells("LES", "lambert syndrome")


# --- linking ---------------------------------------------------------------------------------------


def test_every_source_about_lems_is_linked_and_nothing_else(store: Store, index: DiseaseIndex) -> None:
    assert keys_of(store, index, "Lambert-Eaton myasthenic syndrome") == LEMS_KEYS


@pytest.mark.parametrize("ref", [
    "LEMS", "lems", "Eaton-Lambert syndrome", "Lambert Eaton myasthenic syndrome", "ORPHA:900201",
    "orpha 900201", "OMIM:600201", "medquad:GARD_0000001", "webpage:faq-lems", "GARD_0000001_Sec2.txt",
    "  lambert-eaton   MYASTHENIC syndrome ",
])
def test_any_name_code_or_key_of_lems_gives_the_same_record(store: Store, index: DiseaseIndex,
                                                             ref: str) -> None:
    assert keys_of(store, index, ref) == LEMS_KEYS


def test_lambert_syndrome_is_another_condition(store: Store, index: DiseaseIndex) -> None:
    assert keys_of(store, index, "Lambert syndrome") == {"orphanet:900202"}
    assert keys_of(store, index, "OMIM:600202") == {"orphanet:900202"}


def test_a_wrong_synonym_does_not_merge_two_conditions(store: Store, index: DiseaseIndex) -> None:
    # GARD gives "Congenital myasthenic syndrome" as a synonym of LEMS and the reverse; CUIs and ORPHA differ.
    assert keys_of(store, index, "Congenital myasthenic syndrome") == {"medquad:GARD_0000002", "orphanet:900203"}
    assert keys_of(store, index, "CMS") == {"medquad:GARD_0000002", "orphanet:900203"}


def test_diabetes_keeps_apart_from_its_types_and_from_diabetes_insipidus(store: Store,
                                                                         index: DiseaseIndex) -> None:
    diabetes = {"medquad:NIDDK_0000004", "medquad:MPlusHealthTopics_0000005"}
    assert keys_of(store, index, "diabetes") == diabetes
    assert keys_of(store, index, "Diabetes mellitus") == diabetes
    assert keys_of(store, index, "diabetes insipidus") == {"medquad:MPlusHealthTopics_0000006"}
    assert keys_of(store, index, "Type 2 diabetes") == {"medquad:MPlusHealthTopics_0000007"}
    record = disease_record(store, "Diabetes", compare_sources=False)
    assert record.name == "Diabetes" and record.facts == [] and record.codes == {"UMLS": ["C0011849"]}
    assert [s.label for s in record.sections] == ["What it is"] and len(record.sections[0].quotes) == 2


def test_related_conditions_named_as_synonyms_stay_apart(store: Store, index: DiseaseIndex) -> None:
    assert keys_of(store, index, "Charcot-Marie-Tooth disease") == {"medquad:GARD_0000010"}
    assert keys_of(store, index, "Dejerine-Sottas disease") == {"medquad:GARD_0000011"}
    assert keys_of(store, index, "Roussy-Levy syndrome") == {"medquad:GARD_0000012"}
    assert keys_of(store, index, "Alzheimer disease") == {"medquad:GARD_0000019"}
    assert keys_of(store, index, "Cushing disease") == {"medquad:GARD_0000021"}
    # A shared CUI that the words of both names explain does not make a synonym true.
    assert keys_of(store, index, "Sudden infant death syndrome") == {"medquad:GARD_0000013"}


def test_a_name_without_its_brackets_links_only_to_that_exact_name(store: Store,
                                                                    index: DiseaseIndex) -> None:
    assert keys_of(store, index, "Clopidogrel") == {"medquad:MPlusDrugs_0000015", "medquad:MPlusDrugs_0000016"}
    assert keys_of(store, index, "Estrogen and Progestin (Oral Contraceptives)") == {"medquad:MPlusDrugs_0000017"}
    with pytest.raises(AmbiguousConditionError):
        index.resolve("Estrogen and Progestin", store)


def test_an_abbreviation_two_conditions_use_is_ambiguous(store: Store, index: DiseaseIndex) -> None:
    with pytest.raises(AmbiguousConditionError) as raised:
        index.resolve("LES", store)
    assert {c.name for c in raised.value.candidates} == {
        "Lambert-Eaton myasthenic syndrome", "Systemic lupus erythematosus"}
    assert {c.ref for c in raised.value.candidates} == {"ORPHA:900201", "medquad:GARD_0000009"}
    # The knowledge base is fine: the name fits several conditions, which is not a store failure.
    assert "'LES'" in str(raised.value) and not isinstance(raised.value, StoreError)


def test_unknown_names_and_codes_raise_not_found_with_close_names(store: Store) -> None:
    with pytest.raises(ConditionNotFoundError) as raised:
        disease_record(store, "Lambert-Eaton myastenic syndrom", compare_sources=False)
    assert [c.ref for c in raised.value.candidates] == ["ORPHA:900201"]
    assert "Lambert-Eaton myastenic syndrom" in str(raised.value)
    with pytest.raises(ConditionNotFoundError, match="ORPHA:12345"):
        disease_record(store, "ORPHA:12345")
    with pytest.raises(ConditionNotFoundError) as nothing:
        disease_record(store, "Zebra fever")
    assert nothing.value.candidates == [] and "no condition by this name" in str(nothing.value)
    assert [c.name for c in find_candidates(store, "lambert eatn syndrome")] == ["Lambert-Eaton myasthenic syndrome"]


# --- the record ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lems(store: Store) -> DiseaseRecord:
    return disease_record(store, "LEMS", compare_sources=False, phenotypes=2)


def test_record_names_codes_and_synonyms_with_their_sources(lems: DiseaseRecord) -> None:
    assert lems.name == "Lambert-Eaton myasthenic syndrome"  # Orphanet's label
    assert lems.codes == {"ORPHA": ["900201"], "OMIM": ["600201"], "UMLS": ["C0022972"]}
    synonyms = {s.name: s for s in lems.synonyms}
    assert synonyms["LEMS"].sources == ["GARD", "MedlinePlus Medical Encyclopedia (A.D.A.M.)", "RareGuru (GARD data)"]
    assert set(synonyms["Eaton-Lambert syndrome"].sources) == {
        "Orphanet", "GARD", "MedlinePlus Medical Encyclopedia (A.D.A.M.)"}
    # A wrong synonym is shown as its source gives it, with the record that really has the name.
    assert [c.ref for c in synonyms["Congenital myasthenic syndrome"].also_names] == ["ORPHA:900203"]
    assert [c.ref for c in synonyms["LES"].also_names] == ["medquad:GARD_0000009"]


def test_record_lists_documents_most_trusted_first_with_why_they_are_linked(lems: DiseaseRecord) -> None:
    tiers = [d.tier for d in lems.documents]
    assert tiers == sorted(tiers, key=["government_reviewed", "reviewed_publisher", "unreviewed"].index)
    by_key = {d.key: d for d in lems.documents}
    assert by_key["orphanet:900201"].linked_by == "same name: Lambert-Eaton myasthenic syndrome"
    assert by_key["medquad:ADAM_0000003"].linked_by.startswith("name given as a synonym")
    assert by_key["webpage:medlineplus-lems"].date == "2022-04-25"
    assert by_key["webpage:medlineplus-lems"].reviewer.startswith("Jane Roe")


def test_sections_quote_every_source_verbatim_in_reading_order(lems: DiseaseRecord) -> None:
    sections = [s.section for s in lems.sections]
    assert sections[0] == "information" and sections.index("symptoms") < sections.index("treatment")
    assert lems.sections[0].label == "What it is"
    quotes = {q.text: q for s in lems.sections for q in s.quotes}
    assert {GARD_LEMS_WHAT, ORPHA_LEMS_DEFINITION, PAGE_LEMS_WHAT, GARD_LEMS_TREAT, FAQ_TREAT} <= set(quotes)
    faq = quotes[FAQ_TREAT]
    assert (faq.source, faq.date, faq.tier, faq.document_key) == (
        "RareGuru (GARD data)", "2020-05-01", "reviewed_publisher", "webpage:faq-lems")
    orpha = quotes[ORPHA_LEMS_DEFINITION]
    assert (orpha.id, orpha.url) == ("ORPHA_900201_definition", "https://www.orpha.net/en/disease/detail/900201")
    treatment = next(s for s in lems.sections if s.section == "treatment")
    assert [q.document_key for q in treatment.quotes] == ["medquad:GARD_0000001", "webpage:faq-lems"]


def test_facts_and_features_come_from_orphanet_with_credit(lems: DiseaseRecord) -> None:
    facts = [(f.label, f.text, f.detail) for f in lems.facts]
    assert facts == [
        ("Mode of inheritance", "Not applicable", ""),
        ("How common", "1-9 / 1 000 000", "Point prevalence, Worldwide"),
        ("How common", "1-9 / 100 000", "Point prevalence, Europe"),
        ("Age of onset", "Adult", ""),
    ]
    assert all(f.attribution.startswith("Source: Orphanet, www.orpha.net") for f in lems.facts)
    # The two most frequent features; an excluded one never shows.
    assert [p.term for p in lems.phenotypes] == ["Xerostomia", "Constipation"]


def test_organisations_and_drugs_are_merged_across_sources(lems: DiseaseRecord) -> None:
    assert len(lems.organisations) == 1
    organisation = lems.organisations[0]
    assert organisation.name == ORGANISATION and organisation.phone == "217-555-0100"
    assert organisation.sources == ["RareGuru (GARD data)", "Patient group"]  # most trusted source first
    assert [(d.brand, d.generic) for d in lems.drugs] == [("Firdapse", "amifampridine phosphate")]


def test_json_shape_is_stable(store: Store) -> None:
    shape = disease_record(store, "ORPHA:900201", compare_sources=False).to_json()
    assert list(shape) == [
        "ref", "name", "codes", "synonyms", "sources", "documents", "sections", "facts", "phenotypes",
        "organisations", "drugs", "comparison", "disclaimer",
    ]
    assert shape["ref"] == "ORPHA:900201" and shape["disclaimer"] == DISCLAIMER and shape["comparison"] is None
    assert set(shape["documents"][0]) == {"key", "title", "source", "url", "date", "tier", "licence", "reviewer",
                                          "linked_by"}
    assert set(shape["sections"][0]) == {"section", "label", "quotes"}
    assert set(shape["sections"][0]["quotes"][0]) == {
        "id", "text", "heading", "source", "title", "document_key", "url", "date", "tier", "licence", "also_in"}
    assert set(shape["synonyms"][0]) == {"name", "sources", "also_names"}
    assert set(shape["facts"][0]) >= {"label", "text", "detail", "source", "url", "attribution"}
    assert set(shape["organisations"][0]) == {"name", "address", "phone", "email", "url", "sources"}
    json.dumps(shape)


def test_comparison_of_the_sources_is_part_of_the_record(store: Store) -> None:
    record = disease_record(store, "Lambert-Eaton myasthenic syndrome")
    assert isinstance(record.comparison, Comparison)
    assert isinstance(record.to_json()["comparison"], dict)


# --- the command -----------------------------------------------------------------------------------


def test_cli_prints_the_record_for_people(kb: str) -> None:
    result = CliRunner().invoke(main, ["disease", "Eaton-Lambert syndrome", "--db", kb])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Lambert-Eaton myasthenic syndrome\n")
    assert "Codes: ORPHA:900201, OMIM:600201, UMLS:C0022972" in out
    assert "## What it is" in out and "## Treatment" in out
    assert "[Orphanet, government reviewed, 2025-11-30] ORPHA_900201_definition" in out
    assert "Source: Orphanet (CC BY 4.0)" in out and "Mode of inheritance: Not applicable" in out
    assert ORGANISATION in out and "Firdapse (generic: amifampridine phosphate)" in out
    assert "## Comparing the sources" in out
    assert out.rstrip().endswith(DISCLAIMER)
    for line in (GARD_LEMS_WHAT, FAQ_TREAT):
        assert line in " ".join(out.split())


def test_cli_json(kb: str) -> None:
    result = CliRunner().invoke(main, ["disease", "LEMS", "--json", "--db", kb])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["name"] == "Lambert-Eaton myasthenic syndrome" and record["codes"]["ORPHA"] == ["900201"]


def test_cli_not_found_and_ambiguous_names_fail_on_stderr(kb: str) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["disease", "Zebra fever", "--db", kb])
    assert missing.exit_code == 1 and missing.stdout == ""
    assert missing.stderr.startswith("error: 'Zebra fever': no condition by this name")
    ambiguous = runner.invoke(main, ["disease", "LES", "--db", kb])
    assert ambiguous.exit_code == 1
    assert "ORPHA:900201" in ambiguous.stderr and "medquad:GARD_0000009" in ambiguous.stderr


# --- the real data ---------------------------------------------------------------------------------

SHARED = Path(__file__).resolve().parents[3] / "shared"
MEDQUAD = SHARED / "data" / "medquad"
ORPHANET = SHARED / "data" / "orphanet" / "orphapackets-2025-12.jsonl.gz"
SEEDS = SHARED / "seeds"


@pytest.mark.skipif(not (MEDQUAD.is_dir() and ORPHANET.is_file() and SEEDS.is_dir()),
                    reason="needs the public data in shared/data (medquad, orphanet) and shared/seeds")
def test_real_lems_record_links_the_seeds_orphanet_and_medquad(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    # How long this takes is measured by benchmarks/suite_timings.py (lems-record), not asserted here.
    medquad = tmp_path / "medquad"
    for collection in ("2_GARD_QA", "3_GHR_QA", "6_NINDS_QA", "10_MPlus_ADAM_QA"):
        for file in sorted((MEDQUAD / collection).glob("*.xml")):
            text = file.read_text(encoding="utf-8", errors="replace")
            if "Lambert" in text:
                (medquad / collection).mkdir(parents=True, exist_ok=True)
                (medquad / collection / file.name).write_text(text, encoding="utf-8")
    # Orphanet's disorders named like LEMS or its look-alikes (the whole file takes seconds to ingest).
    wanted = re.compile(r'"Label"\s*:\s*"[^"]*(Lambert|yasthenic)', re.IGNORECASE)
    with gzip.open(ORPHANET, "rt", encoding="utf-8") as handle:
        lines = [line for line in handle if wanted.search(line[:600])]
    orphanet = tmp_path / "orphanet" / "packets.jsonl.gz"
    orphanet.parent.mkdir()
    orphanet.write_bytes(gzip.compress("".join(lines).encode("utf-8")))
    store = open_store(kb_backend.empty(tmp_path / "kb.db"))
    try:
        for source in (SEEDS, medquad, orphanet):
            assert ingest_path(store, source).ok
        index = DiseaseIndex.from_store(store)
        linked = keys_of(store, index, "Lambert-Eaton myasthenic syndrome")
        assert {"webpage:000_fc590bc2bc7b5900", "webpage:002_593b05e7f2fd4367", "webpage:004_4c36624291fae017",
                "orphanet:43393", "medquad:GARD_0003459", "medquad:NINDS_0000175", "medquad:ADAM_0002322"} <= linked
        assert not linked & {"orphanet:1296", "orphanet:590", "medquad:GARD_0001540", "medquad:NINDS_0000221"}
        assert keys_of(store, index, "Lambert syndrome") == {"orphanet:1296"}
        record = disease_record(store, "LEMS", index=index, compare_sources=False)
        assert record.name == "Lambert-Eaton myasthenic syndrome" and record.codes["ORPHA"] == ["43393"]
        assert {"GARD", "NINDS", "Orphanet", "Yesil Health AI"} <= set(record.sources)
        assert any(d.brand == "Firdapse" for d in record.drugs)
    finally:
        store.close()
