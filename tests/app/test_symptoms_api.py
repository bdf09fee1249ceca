"""``GET /api/symptoms``: the CLI's object, validation, corrections, the lazily built index, 503 without data."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from app.conftest import open_client
from app.test_api import assert_error
from healthqa.app.service import Service
from healthqa.cli import main
from healthqa.config import Settings
from healthqa.symptoms.search import LABEL
from kb_builders import DOCUMENTS, build_kb
from orphanet_data import DRY_WEAK, EYE_SKIN, SEIZURES, write_packets

LEMS_LIKE = "dry mouth, weak thighs, low reflexes, blah"
XEROSTOMIA, PTOSIS, SKIN_RASH, PROXIMAL_WEAKNESS = "HP:0000217", "HP:0000508", "HP:0000988", "HP:0003701"


def symptoms(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/symptoms", params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def used_ids(data: dict[str, Any]) -> list[str]:
    return [t["hpo_id"] for t in data["terms"] if t["hpo_id"]]


def test_the_same_object_as_the_cli(client: TestClient, kb_path: Path) -> None:
    data = symptoms(client, q=LEMS_LIKE)
    assert set(data) == {"urgent", "label", "terms", "diseases", "groups", "credit"} and data["label"] == LABEL
    assert data["terms"][0] == {"phrase": "dry mouth", "hpo_id": XEROSTOMIA, "name": "Xerostomia", "score": 1.0}
    assert data["terms"][-1] == {"phrase": "blah", "hpo_id": "", "name": "", "score": 0.0}  # shown, not searched
    best = data["diseases"][0]
    assert (best["name"], best["orpha"]) == ("Dry-weak syndrome (test)", "900001")
    assert set(best) == {"name", "orpha", "score", "matched", "missing"}
    assert best["matched"][0] == {"hpo_id": XEROSTOMIA, "term": "Xerostomia", "frequency": 0.895, "query": XEROSTOMIA,
                                  "sources": ["Orphanet", "Orphanet definition"]}
    assert [d["score"] for d in data["diseases"]] == sorted((d["score"] for d in data["diseases"]), reverse=True)
    assert all(word in data["credit"] for word in ("Orphanet", "CC BY 4.0", "Human Phenotype Ontology"))
    cli = CliRunner().invoke(main, ["symptoms", LEMS_LIKE, "--json", "--db", str(kb_path)])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == data


def test_hpo_ids_alone_comma_separated_or_repeated(client: TestClient) -> None:
    comma = symptoms(client, hpo=f"{PTOSIS},{SKIN_RASH}")
    repeated = symptoms(client, hpo=[PTOSIS, SKIN_RASH])
    assert comma == repeated
    assert comma["terms"][0] == {"phrase": PTOSIS, "hpo_id": PTOSIS, "name": "Ptosis", "score": 1.0}
    assert comma["diseases"][0]["orpha"] == "900002"
    # Lower case, underscores and alternative ids are read as the current term.
    assert used_ids(symptoms(client, hpo="hp_0002709")) == [XEROSTOMIA]


def test_corrections_exclude_and_add(client: TestClient) -> None:
    text = "dry mouth, droopy eyelids"
    assert used_ids(symptoms(client, q=text)) == [XEROSTOMIA, PTOSIS]
    # Dropping a wrongly read term takes it out of the terms and of the search.
    dropped = symptoms(client, q=text, exclude=PTOSIS)
    assert used_ids(dropped) == [XEROSTOMIA]
    assert all(f["hpo_id"] != PTOSIS for d in dropped["diseases"] for f in d["matched"])
    # Adding a term searches it with the description's; one already there is not repeated.
    added = symptoms(client, q="dry mouth", hpo=f"{PROXIMAL_WEAKNESS},{XEROSTOMIA}")
    assert used_ids(added) == [XEROSTOMIA, PROXIMAL_WEAKNESS]
    assert [f["hpo_id"] for f in added["diseases"][0]["matched"]] == [XEROSTOMIA, PROXIMAL_WEAKNESS]
    # Leaving out everything is a search for nothing, not an error; exclude wins over hpo.
    nothing = symptoms(client, q="dry mouth", hpo=PTOSIS, exclude=[XEROSTOMIA, PTOSIS])
    assert nothing["terms"] == [] and nothing["diseases"] == []
    assert len(symptoms(client, hpo=PTOSIS, top=1)["diseases"]) == 1


@pytest.mark.parametrize(
    ("params", "status_code", "needles"),
    [
        ({"q": "dry mouth, " * 200}, "description_too_long", ["2,000"]),
        ({"q": "dry mouth", "hpo": "HP:12"}, "invalid_hpo_id", ["'HP:12'", "'hpo'", "HP:0000217"]),
        ({"q": "dry mouth", "hpo": f"{PTOSIS},Ptosis"}, "invalid_hpo_id", ["'Ptosis'"]),
        ({"q": "dry mouth", "exclude": "HP:00002170"}, "invalid_hpo_id", ["'HP:00002170'", "'exclude'"]),
        ({"hpo": ",".join(f"HP:{n:07d}" for n in range(1, 52))}, "too_many_terms", ["51", "50"]),
        ({"q": "dry mouth", "top": "0"}, "invalid_request", ["top"]),
        ({"q": "dry mouth", "top": "51"}, "invalid_request", ["top"]),
    ],
)
def test_validation_is_422_naming_the_problem(
    client: TestClient, params: dict[str, str], status_code: str, needles: list[str]
) -> None:
    error = assert_error(client.get("/api/symptoms", params=params), 422, status_code)
    for needle in needles:
        assert needle in error["message"], error["message"]


@pytest.mark.parametrize(
    ("params", "needles"),
    [
        ({"q": "dry mouth", "hpo": "HP:9999999"}, ["HP:9999999", "version"]),
        ({"q": "dry mouth", "exclude": "HP:9999998"}, ["HP:9999998", "'exclude'"]),
    ],
)
def test_an_unknown_hpo_id_is_404(client: TestClient, params: dict[str, str], needles: list[str]) -> None:
    # Well formed but not in the ontology: not found (the schema cannot say which ids exist; issue 21).
    error = assert_error(client.get("/api/symptoms", params=params), 404, "unknown_hpo_id")
    for needle in needles:
        assert needle in error["message"], error["message"]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": " \x00\n ", "hpo": ",", "exclude": ""}])
def test_nothing_to_search_is_a_search_for_nothing(client: TestClient, params: dict[str, str]) -> None:
    # Valid by the schema (no field is required), so answered: no terms, no conditions (issue 21).
    found = symptoms(client, **params)
    assert found["terms"] == [] and found["diseases"] == []
    assert client.post("/api/symptoms", json={}).json()["diseases"] == []


def test_a_long_bad_id_is_not_echoed_whole(client: TestClient) -> None:
    error = assert_error(client.get("/api/symptoms", params={"hpo": "HP:" + "x" * 500}), 422, "invalid_hpo_id")
    assert len(error["message"]) < 200 and "…" in error["message"]


def test_the_index_is_built_once_lazily_and_shared_by_threads(kb_path: Path) -> None:
    service = Service(Settings(rate_limit=0), str(kb_path))
    service.start()
    try:
        assert service._symptom_index is None  # nothing is built before the first search
        with ThreadPoolExecutor(max_workers=8) as pool:
            indexes = list(pool.map(lambda _: service.symptom_index(), range(16)))
        # The three test disorders, and Kallmann syndrome (ORPHA:478): no Orphanet features in the fixture,
        # but HPO's own annotations of ORPHA:478 (phenotype.hpoa) give it some.
        assert all(index is indexes[0] for index in indexes) and len(indexes[0]) == 4
        assert "478" in indexes[0].orpha
        assert service.symptom_index() is indexes[0]
    finally:
        service.close()


def test_503_without_orphanet_data_until_it_is_ingested(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "plain.db", DOCUMENTS)
    packets = write_packets(tmp_path / "orphanet" / "packets.jsonl.gz", [DRY_WEAK, EYE_SKIN, SEIZURES])
    with open_client(kb, Settings(rate_limit=0, admin_token="tok", ingest_root=tmp_path)) as client:
        error = assert_error(client.get("/api/symptoms", params={"q": "dry mouth"}), 503, "no_phenotype_data")
        assert "Orphanet" in error["message"]
        page = client.get("/symptoms", params={"q": "dry mouth"})
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert "Orphanet" in page.text
        # Input errors still come first: they do not depend on the data.
        assert_error(client.get("/api/symptoms", params={"hpo": "HP:1"}), 422, "invalid_hpo_id")
        body = {"paths": [str(packets.relative_to(tmp_path))]}
        ingest = client.post("/api/ingest", json=body, headers={"Authorization": "Bearer tok"})
        assert ingest.status_code == 200 and ingest.json()["ok"], ingest.text
        # The (empty) index was dropped with the ingest and is built again over the new annotations.
        assert symptoms(client, q="dry mouth, weak thighs")["diseases"][0]["orpha"] == "900001"


def test_listed_in_the_openapi_schema(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/symptoms"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "hpo", "exclude", "top"}
    assert {"200", "422", "503"} <= set(operation["responses"])
    assert "/api/symptoms" in client.get("/docs").text


def test_tied_subtypes_come_under_their_group_in_the_api_and_on_the_page(tmp_path: Path) -> None:
    from healthqa.ingest.orphanet import parse_packet
    from symptoms.test_index import PTOSIS, SEIZURE, TYPE_A, TYPE_B

    kb = build_kb(tmp_path / "kb.db", [parse_packet(r["Orphapacket"]) for r in (TYPE_A, TYPE_B, EYE_SKIN)])
    with open_client(kb) as client:
        data = symptoms(client, hpo=f"{PTOSIS},{SEIZURE}")
        assert data["groups"] == [{"orpha": "900200", "name": "Invented myopathy (test)",
                                   "members": [d["orpha"] for d in data["diseases"][:2]]}]
        assert data["diseases"][0]["matched"][0]["sources"] == ["Orphanet"]
        page = client.get("/symptoms", params={"q": "droopy eyelids, fits"})
        assert page.status_code == 200
        html = page.text
        # The read-back of each phrase, with its box, stays; the group is shown once, the subtypes under it.
        assert "How healthqa read your words" in html and 'name="use" value="HP:0000508"' in html
        group = html[html.index('class="card disease-group"'):]
        group = group[: group.index("</section>")]
        assert html.count("Invented myopathy (test)") == 1 and "2 subtypes of this Orphanet group" in group
        assert "Invented myopathy, type A (test)" in group and "Invented myopathy, type B (test)" in group
        assert "recorded by: Orphanet" in group
