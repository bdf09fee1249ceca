"""Urgency marks: a trusted source's sentence that a condition needs urgent care, shown first by the CLI, the
API and the page. A small knowledge base of invented disorders and an invented GARD-like page, built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from healthqa.app import create_app
from healthqa.cli import main
from healthqa.conditions import index_for as condition_index
from healthqa.config import Settings
from healthqa.ingest.orphanet import parse_packet
from healthqa.records import SectionType
from healthqa.store import open_store
from healthqa.symptoms import search as symptom_search
from healthqa.symptoms.urgency import (
    NOW_LABEL,
    URGENT_HEADING,
    UrgencyStatement,
    find_statements,
    sentences,
    urgency_notice,
    urgent_sentences,
)
from kb_builders import KnowledgeBases, make_document
from orphanet_data import packet

VERY_FREQUENT = "Very frequent (99-80%)"
# Invented disorders (names and wording written for these tests).
PALSY_GROUP = packet("900200", "Quickfall palsy", definition="An invented group of paralysing disorders.")
PALSY_FOODBORNE = packet(
    "900201", "Foodborne quickfall palsy", definition="An invented form of quickfall palsy.",
    parents=(("900200", "Quickfall palsy"),),
    phenotypes=(("HP:0000217", "Xerostomia", VERY_FREQUENT), ("HP:0000508", "Ptosis", VERY_FREQUENT),
                ("HP:0002019", "Constipation", VERY_FREQUENT)),
)
GASP_CRISIS = packet(
    "900202", "Sudden gasp crisis",
    definition="Sudden gasp crisis is an invented acute disorder of breathing. It represents an emergency and "
               "rapid recognition is critical.",
    phenotypes=(("HP:0002094", "Dyspnea", VERY_FREQUENT), ("HP:0001250", "Seizure", VERY_FREQUENT)),
)
CALM_SKIN = packet(
    "900203", "Calm skin disorder",
    definition="Calm skin disorder is an invented disorder of the skin. It is not a medical emergency.",
    phenotypes=(("HP:0000988", "Skin rash", VERY_FREQUENT),),
)
# Below the group, at two levels: a subtype carrying the group's name, and one filed under it that does not.
PALSY_INFANT = packet("900204", "Infant quickfall palsy", parents=(("900201", "Foodborne quickfall palsy"),))
SLOW_NERVE = packet("900205", "Slow nerve disorder", parents=(("900200", "Quickfall palsy"),))
PALSY_QUOTE = "All forms of quickfall palsy can be fatal and are considered medical emergencies."
GARD_PALSY = make_document("palsy", "Quickfall palsy", [], [
    (SectionType.INFORMATION, "What is quickfall palsy?",
     f"Quickfall palsy is an invented paralysing illness. {PALSY_QUOTE} Most people recover."),
], url="https://rare.test/palsy", updated="2020-05-01")
GARD_SKIN = make_document("skin", "Calm skin disorder", [], [
    (SectionType.SYMPTOMS, "What are the signs of calm skin disorder?",
     "A rash comes and goes. Fever with a stiff neck in a person who has calm skin disorder is a medical "
     "emergency."),
])
PALSY_TERMS = "HP:0000217,HP:0000508,HP:0002019"
# A group whose source speaks of the group alone, and of some cases only: its subtype takes nothing from it.
DRIFT_GROUP = packet("900206", "Driftlimb neuropathy", definition="An invented group of nerve disorders.")
DRIFT_MILD = packet("900207", "Mild driftlimb neuropathy", parents=(("900206", "Driftlimb neuropathy"),),
                    phenotypes=(("HP:0001284", "Areflexia", VERY_FREQUENT),))
DRIFT_QUOTE = "Driftlimb neuropathy is a medical emergency."
NINDS_DRIFT = make_document("drift", "Driftlimb neuropathy", [], [
    (SectionType.INFORMATION, "What is driftlimb neuropathy?",
     "Driftlimb neuropathy is an invented disorder of the nerves. The weakness may spread upwards. In these "
     f"cases, the disorder is considered a medical emergency. {DRIFT_QUOTE}"),
])


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> str:
    orphanet = [parse_packet(p["Orphapacket"]) for p in (PALSY_GROUP, PALSY_FOODBORNE, GASP_CRISIS, CALM_SKIN,
                                                                PALSY_INFANT, SLOW_NERVE, DRIFT_GROUP, DRIFT_MILD)]
    documents = [*orphanet, GARD_PALSY, GARD_SKIN, NINDS_DRIFT]
    return kb_backend.build(tmp_path_factory.mktemp("urgency") / "kb.db", documents)


def test_a_sentence_counts_when_it_states_urgency_about_the_condition() -> None:
    names = ["Quickfall palsy", "QFP"]
    assert urgent_sentences("Quickfall palsy is a medical emergency. It is rare.", names) == [
        ("Quickfall palsy is a medical emergency.", "is an emergency")]
    # The name in brackets-free form, "It" and "All forms" right after a sentence whose subject is the name
    # refer to the condition; the sentence is quoted as is.
    assert [s for s, _ in urgent_sentences(
        "Quickfall (QF) palsy requires emergency treatment. It represents an emergency. "
        "All forms can be deadly and are medical emergencies.", ["Quickfall palsy"])] == [
        "Quickfall (QF) palsy requires emergency treatment.", "It represents an emergency."]
    assert [s for s, _ in urgent_sentences(
        "Quickfall palsy is an invented illness. The condition is a medical emergency and can kill quickly.",
        names)] == ["The condition is a medical emergency and can kill quickly."]
    assert [s for s, _ in urgent_sentences(
        "Quickfall palsy is an invented illness. It is an emergency medical condition.", names)] == [
        "It is an emergency medical condition."]
    # Its verb may be another than "is"; "that" after the noun it is said to be still speaks of it.
    assert urgent_sentences("Quickfall palsy happens without warning and requires emergency treatment. A "
                            "quickfall palsy is a serious condition that requires emergency care.", names) == [
        ("Quickfall palsy happens without warning and requires emergency treatment.", "needs urgent care"),
        ("A quickfall palsy is a serious condition that requires emergency care.", "needs urgent care")]
    # Orphanet's definitions open without the name: "It" right after that opening is about the condition.
    opening = "An invented paralysing illness of sudden onset. It represents an emergency."
    assert urgent_sentences(opening, names, untitled_opening=True) == [
        ("It represents an emergency.", "is an emergency")]
    assert urgent_sentences(opening, names) == []
    # Denied, about something else, or naming the condition late: no mark.
    for text in ("Quickfall palsy is not a medical emergency.", "Fever is a medical emergency in quickfall palsy.",
                 "Bleeding in the brain, a complication of quickfall palsy, requires emergency treatment.",
                 "These attacks can be fatal if not treated right away.",
                 "Quickfall palsy is life-threatening.", "Quickfall palsy has a rapidly fatal course."):
        assert urgent_sentences(text, names) == [], text


def test_a_sentence_about_a_case_a_form_or_another_referent_does_not_count() -> None:
    names = ["Quickfall palsy"]
    for text in (
        # Opening with a back-reference or a condition.
        "In these cases, the disorder is considered a medical emergency.",
        "In such cases, quickfall palsy is a medical emergency.",
        "In severe cases, quickfall palsy requires urgent treatment.",
        "When severe, quickfall palsy is a medical emergency.",
        "If the throat closes, quickfall palsy is a medical emergency.",
        "Untreated, the disorder can be fatal in the absence of emergency care.",
        # A subtype, a degree or a phase of the condition.
        "Complete quickfall palsy is rapidly fatal unless treated by surgery.",
        "Third-degree quickfall palsy is a medical emergency.",
        "Acute quickfall palsy is a medical emergency.",
        # "It" after a sentence about something else, even one that names the condition at its end.
        "Fever is common in people with quickfall palsy. It is a medical emergency.",
        "Quickfall palsy is invented. Fever may come. It is a medical emergency.",
        # Negation and hedges.
        "Quickfall palsy is neither contagious nor a medical emergency.",
        "Quickfall palsy is unlikely to be a medical emergency.",
        "Quickfall palsy used to be fatal unless treated promptly.",
        "Quickfall palsy can be a medical emergency if the throat closes.",
        "Quickfall palsy is a medical emergency, when it reaches the lungs.",
        # "emergency" not closing its clause: about a place or a service.
        "Quickfall palsy is an emergency department diagnosis in most towns.",
        # The predicate belongs to a clause about something else.
        "Quickfall palsy is a disorder characterized by a crisis which can be fatal without prompt care.",
    ):
        assert urgent_sentences(text, names) == [], text


def test_an_all_caps_name_matches_in_capitals_only_as_a_whole_word() -> None:
    names = ["Tidal ache syndrome", "TAS", "ALL"]
    assert [s for s, _ in urgent_sentences("ALL requires urgent treatment. TAS is a medical emergency.", names)] == [
        "ALL requires urgent treatment.", "TAS is a medical emergency."]
    for text in ("All people with a fever need urgent care.", "Tas is a medical emergency.",
                 "TASK forces require urgent care."):
        assert urgent_sentences(text, names) == [], text


def test_sentences_keep_the_source_words_without_a_stray_bracket_and_no_heading_counts() -> None:
    assert sentences("(Quickfall palsy is a medical emergency.) Most recover.") == [
        "Quickfall palsy is a medical emergency.", "Most recover."]
    assert sentences("[Quickfall palsy requires urgent care. It is rare.]")[0] == (
        "Quickfall palsy requires urgent care.")
    assert urgent_sentences("(Quickfall palsy is a medical emergency.) Most recover.", ["Quickfall palsy"]) == [
        ("Quickfall palsy is a medical emergency.", "is an emergency")]
    assert urgent_sentences("Quickfall palsy requires urgent care for the following:  - a blocked throat",
                            ["Quickfall palsy"]) == []


def test_marks_come_from_trusted_passages_linked_to_the_disorder(kb: str) -> None:
    store = open_store(kb)
    try:
        found = find_statements(store, condition_index(store))
        # Without the condition index each document stands alone: Orphanet's definitions only.
        assert set(find_statements(store)) == {"900202"}
    finally:
        store.close()
    # The group's own statement, its subtypes' through it (at any depth, named after it); the calm skin
    # disorder's sentences deny it or are about fever; the slow nerve disorder is filed under the group only.
    # The driftlimb group's own statement is its own sentence, not "In these cases, ..."; its mild subtype takes
    # nothing from a statement about the group alone.
    assert set(found) == {"900200", "900201", "900204", "900202", "900206"}
    assert [s.quote for s in found["900206"]] == [DRIFT_QUOTE]
    [palsy] = found["900200"]
    assert (palsy.quote, palsy.source, palsy.title, palsy.url, palsy.date) == (
        PALSY_QUOTE, "GARD", "Quickfall palsy", "https://rare.test/palsy", "2020-05-01")
    assert (palsy.about, palsy.about_orpha, palsy.passage_id) == ("Quickfall palsy", "900200", "PALSY_Sec1.txt")
    assert found["900201"] == found["900204"] == (palsy,)
    [gasp] = found["900202"]
    assert (gasp.quote, gasp.source) == ("It represents an emergency and rapid recognition is critical.", "Orphanet")


def test_only_the_first_five_results_count() -> None:
    statement = UrgencyStatement("It represents an emergency.", "ORPHA_1_definition", "Orphanet", "Group X", "",
                                 None, "Group X", "1", "is an emergency")
    statements = {"1": (statement,), "2": (statement,)}
    ranked = [(str(n), f"Other {n}") for n in range(10, 15)]
    assert urgency_notice([*ranked, ("1", "Group X")], statements) is None  # sixth: not shown
    notice = urgency_notice([("2", "Group X type 2"), ("3", "Something else"), ("1", "Group X")], statements)
    assert notice is not None and notice.heading == URGENT_HEADING
    [mark] = notice.marks  # one quote, with the disorders it concerns
    assert mark.disorders == (("2", "Group X type 2"), ("1", "Group X")) and mark.statement is statement


def test_cli_says_it_first_with_the_quote_its_source_and_whom_to_call(kb: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["symptoms", "--terms", PALSY_TERMS, "--db", kb])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # Our heading and labels attribute the sentence; the emergency number comes under a label of ours.
    assert lines[0] == "WHAT THE SOURCES SAY ABOUT URGENT CARE:"
    assert lines[1] == "  Ranked: Foodborne quickfall palsy (ORPHA:900201)"
    assert lines[2] == "    said of all forms of Quickfall palsy (ORPHA:900200), the group it belongs to"
    assert lines[3] == "    About Quickfall palsy, GARD says:"
    assert lines[4] == f'    "{PALSY_QUOTE}"'
    assert lines[5] == "    - GARD, Quickfall palsy, 2020-05-01; https://rare.test/palsy"
    assert lines[6] == "  If someone is seriously ill now:" == f"  {NOW_LABEL}"
    assert lines[7].startswith("    Emergency services: 911.")
    listed = result.output.index("Foodborne quickfall palsy (ORPHA:900201) https://")
    assert result.output.index(URGENT_HEADING.upper()) < listed
    data = json.loads(runner.invoke(main, ["symptoms", "--terms", PALSY_TERMS, "--json", "--db", kb]).output)
    assert next(iter(data)) == "urgent"
    [statement] = data["urgent"]["statements"]
    assert statement["quote"] == PALSY_QUOTE and statement["date"] == "2020-05-01"
    assert statement["intro"] == "About Quickfall palsy, GARD says:"
    assert data["urgent"]["heading"] == URGENT_HEADING and data["urgent"]["actions_label"] == NOW_LABEL
    assert statement["about"] == {"name": "Quickfall palsy", "orpha": "900200"}
    assert statement["disorders"] == [{"orpha": "900201", "name": "Foodborne quickfall palsy"}]
    assert data["urgent"]["actions"][0]["tel"] == "tel:911"
    calm = json.loads(runner.invoke(main, ["symptoms", "--terms", "HP:0000988", "--json", "--db", kb]).output)
    assert calm["diseases"][0]["orpha"] == "900203" and calm["urgent"] is None


def test_api_and_page_show_the_notice_before_the_list(kb: str, tmp_path: Path) -> None:
    # A knowledge base on a database server has no folder for the communities' file: the app is told where.
    settings = Settings(rate_limit=0, community_db=str(tmp_path / "people.db"))
    with TestClient(create_app(kb, settings), raise_server_exceptions=False) as client:
        data = client.get("/api/symptoms", params={"hpo": "HP:0002094"}).json()
        assert data["diseases"][0]["orpha"] == "900202"
        [statement] = data["urgent"]["statements"]
        assert statement["source"] == "Orphanet" and statement["about"]["orpha"] == "900202"
        assert client.post("/api/symptoms", json={"hpo": ["HP:0002094"]}).json()["urgent"] == data["urgent"]
        assert client.get("/api/symptoms", params={"hpo": "HP:0000988"}).json()["urgent"] is None
        page = client.get("/symptoms", params={"hpo": PALSY_TERMS}).text
        assert URGENT_HEADING in page and "<blockquote" in page
        assert page.index(URGENT_HEADING) < page.index('id="results-heading"')
        assert f"“{PALSY_QUOTE}”" in page and 'href="https://rare.test/palsy"' in page and "2020-05-01" in page
        assert 'href="tel:911"' in page and "said of all forms of" in page
        # Attributed, and the number under our label in a labelled region: a static block, not an alert.
        notice = page[page.index('<section class="urgent-notice"'): page.index('id="results-heading"')]
        assert notice.index("About Quickfall palsy, GARD says:") < notice.index(PALSY_QUOTE)
        assert 'aria-labelledby="urgent-now"' in notice
        assert f'id="urgent-now" class="emergency-title">{NOW_LABEL}' in notice
        assert 'role="alert"' not in notice and "Needs urgent care" not in page
        assert URGENT_HEADING not in client.get("/symptoms", params={"hpo": "HP:0000988"}).text


def test_the_library_api_reads_the_marks_of_other_sources(kb: str) -> None:
    """``healthqa.search_symptoms`` (the README's example) links GARD's page to the group through the
    condition index; a symptom index cached without it is built again when a call brings one."""
    import healthqa

    store = open_store(kb)
    try:
        found = healthqa.search_symptoms(store, "", ids=PALSY_TERMS.split(","))
        assert found.urgent is not None and found.urgent.marks[0].statement.quote == PALSY_QUOTE
    finally:
        store.close()
    store = open_store(kb)
    try:
        symptom_search.search(PALSY_TERMS.split(","), store)  # caches an index without the condition index
        assert symptom_search.search_symptoms(store, "", ids=PALSY_TERMS.split(",")).urgent is None
        again = symptom_search.search_symptoms(store, "", ids=PALSY_TERMS.split(","),
                                               conditions=condition_index(store))
        assert again.urgent is not None and again.urgent.marks[0].statement.quote == PALSY_QUOTE
    finally:
        store.close()
