"""Urgency marks: a trusted source's sentence that a condition needs urgent care, shown first by the CLI, the
API and the page. A small knowledge base of invented disorders and an invented GARD-like page, built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.conftest import open_client
from healthqa.cli import main
from healthqa.conditions import index_for as condition_index
from healthqa.ingest.orphanet import parse_packet
from healthqa.records import SectionType
from healthqa.store import SQLiteStore
from healthqa.symptoms.urgency import (
    URGENT_HEADING,
    UrgencyStatement,
    find_statements,
    urgency_notice,
    urgent_sentences,
)
from kb_builders import build_kb, make_document
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


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    orphanet = [parse_packet(p["Orphapacket"]) for p in (PALSY_GROUP, PALSY_FOODBORNE, GASP_CRISIS, CALM_SKIN,
                                                                PALSY_INFANT, SLOW_NERVE)]
    return build_kb(tmp_path_factory.mktemp("urgency") / "kb.db", [*orphanet, GARD_PALSY, GARD_SKIN])


def test_a_sentence_counts_when_it_states_urgency_about_the_condition() -> None:
    names = ["Quickfall palsy", "QFP"]
    assert urgent_sentences("Quickfall palsy is a medical emergency. It is rare.", names) == [
        ("Quickfall palsy is a medical emergency.", "is an emergency")]
    # The name in brackets-free form, "It" and "All forms" refer to the condition; the sentence is quoted as is.
    assert [s for s, _ in urgent_sentences(
        "Quickfall (QF) palsy requires emergency treatment. It represents an emergency. "
        "All forms can be deadly and are medical emergencies.", ["Quickfall palsy"])] == [
        "Quickfall (QF) palsy requires emergency treatment.", "It represents an emergency.",
        "All forms can be deadly and are medical emergencies."]
    assert urgent_sentences("Untreated, the disorder can be fatal in the absence of emergency care.", names)
    # Denied, about something else, or naming the condition late: no mark.
    for text in ("Quickfall palsy is not a medical emergency.", "Fever is a medical emergency in quickfall palsy.",
                 "Bleeding in the brain, a complication of quickfall palsy, requires emergency treatment.",
                 "These attacks can be fatal if not treated right away.",
                 "Quickfall palsy is life-threatening.", "Quickfall palsy has a rapidly fatal course."):
        assert urgent_sentences(text, names) == [], text


def test_marks_come_from_trusted_passages_linked_to_the_disorder(kb: Path) -> None:
    store = SQLiteStore(kb)
    try:
        found = find_statements(store, condition_index(store))
        # Without the condition index each document stands alone: Orphanet's definitions only.
        assert set(find_statements(store)) == {"900202"}
    finally:
        store.close()
    # The group's own statement, its subtypes' through it (at any depth, named after it); the calm skin
    # disorder's sentences deny it or are about fever; the slow nerve disorder is filed under the group only.
    assert set(found) == {"900200", "900201", "900204", "900202"}
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


def test_cli_says_it_first_with_the_quote_its_source_and_whom_to_call(kb: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["symptoms", "--terms", PALSY_TERMS, "--db", str(kb)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == URGENT_HEADING.upper() + ":"
    assert lines[1] == "  Foodborne quickfall palsy (ORPHA:900201):"
    assert lines[2] == "    said of Quickfall palsy (ORPHA:900200), the group it belongs to"
    assert lines[3] == f'    "{PALSY_QUOTE}"'
    assert lines[4] == "    - GARD, Quickfall palsy, 2020-05-01; https://rare.test/palsy"
    assert lines[5].startswith("  Emergency services: 911.")
    listed = result.output.index("Foodborne quickfall palsy (ORPHA:900201) https://")
    assert result.output.index(URGENT_HEADING.upper()) < listed
    data = json.loads(runner.invoke(main, ["symptoms", "--terms", PALSY_TERMS, "--json", "--db", str(kb)]).output)
    assert next(iter(data)) == "urgent"
    [statement] = data["urgent"]["statements"]
    assert statement["quote"] == PALSY_QUOTE and statement["date"] == "2020-05-01"
    assert statement["about"] == {"name": "Quickfall palsy", "orpha": "900200"}
    assert statement["disorders"] == [{"orpha": "900201", "name": "Foodborne quickfall palsy"}]
    assert data["urgent"]["actions"][0]["tel"] == "tel:911"
    calm = json.loads(runner.invoke(main, ["symptoms", "--terms", "HP:0000988", "--json", "--db", str(kb)]).output)
    assert calm["diseases"][0]["orpha"] == "900203" and calm["urgent"] is None


def test_api_and_page_show_the_notice_before_the_list(kb: Path) -> None:
    with open_client(kb) as client:
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
        assert 'href="tel:911"' in page and "the group it belongs to" in page
        assert URGENT_HEADING not in client.get("/symptoms", params={"hpo": "HP:0000988"}).text
