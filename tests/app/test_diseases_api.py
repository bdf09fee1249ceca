"""``GET /api/diseases/{ref}`` and ``GET /api/diseases?q=``: the CLI's record, 404/409 with candidates, limits,
the lazily built index, the timeout and the OpenAPI entry.

The knowledge base is :func:`kb_builders.disease_documents`: LEMS from GARD, NINDS (older) and a blog, lupus
(which shares the abbreviation "LES" with LEMS), Orphanet records and a hostile document.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.conftest import open_client
from healthqa.app.errors import ApiError
from healthqa.app.inputs import MAX_REF_LENGTH
from healthqa.app.service import Service
from healthqa.cli import main
from healthqa.config import Settings
from kb_builders import (
    HOSTILE_TEXT,
    LEMS_INHERITANCE,
    NINDS_LEMS_TREATMENT,
    build_kb,
    disease_documents,
    write_medquad_xml,
)

RECORD_FIELDS = [
    "ref", "name", "codes", "synonyms", "sources", "documents", "sections", "facts", "phenotypes",
    "organisations", "drugs", "comparison", "disclaimer",
]
LEMS = "Lambert-Eaton myasthenic syndrome"


@pytest.fixture(scope="module")
def disease_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kb(tmp_path_factory.mktemp("diseases") / "kb.db", disease_documents())


@pytest.fixture(scope="module")
def client(disease_kb: Path) -> Iterator[TestClient]:
    with open_client(disease_kb) as test_client:
        yield test_client


def record(client: TestClient, ref: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/diseases/{quote(ref, safe=':')}", params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def condition_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The one error shape, with the conditions to choose from as an extra field."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert list(error) == ["status", "code", "message", "candidates"]
    assert (error["status"], error["code"]) == (status, code) and error["message"]
    assert all(set(c) == {"name", "ref", "sources", "documents"} for c in error["candidates"])
    return error


# -- the record --------------------------------------------------------------------------------------


def test_the_record_is_the_cli_json(client: TestClient, disease_kb: Path) -> None:
    data = record(client, "LEMS")
    assert list(data) == RECORD_FIELDS
    assert data["ref"] == "LEMS" and data["name"] == LEMS and data["sources"] == ["GARD", "NINDS", "Some blog"]
    cli = CliRunner().invoke(main, ["disease", "LEMS", "--json", "--db", str(disease_kb)])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == data
    # The number of clinical features, like the CLI's --features.
    cli = CliRunner().invoke(main, ["disease", "ORPHA:900001", "--json", "--features", "2", "--db", str(disease_kb)])
    assert json.loads(cli.output) == record(client, "ORPHA:900001", features=2)
    assert len(record(client, "ORPHA:900001", features=2)["phenotypes"]) == 2


@pytest.mark.parametrize("ref", [
    "LEMS", "lems", "Eaton-Lambert syndrome", "lambert eaton myasthenic syndrome", "ninds-lems", "LEMS_Sec2.txt",
    "  Lambert-Eaton   myasthenic syndrome ",
])
def test_any_name_key_or_passage_gives_the_same_record(client: TestClient, ref: str) -> None:
    data = record(client, ref)
    assert data["name"] == LEMS and data["ref"] == ref.strip()
    assert [d["key"] for d in data["documents"]] == ["lems", "ninds-lems", "blog"]


def test_codes_and_document_numbers(client: TestClient) -> None:
    orphanet = record(client, "ORPHA:900001")
    assert orphanet["name"] == "Dry-weak syndrome (test)" and orphanet["codes"]["ORPHA"] == ["900001"]
    assert record(client, "OMIM:600001")["name"] == "Dry-weak syndrome (test)"
    number = client.app.state.service.require_store().document("gout").id  # type: ignore[attr-defined]
    assert record(client, str(number))["name"] == "Gout"


def test_sections_quote_each_source_with_provenance(client: TestClient) -> None:
    data = record(client, "LEMS")
    assert [s["label"] for s in data["sections"]] == ["What it is", "Inheritance", "Treatment"]
    quotes = {q["text"]: q for s in data["sections"] for q in s["quotes"]}
    ninds = quotes[NINDS_LEMS_TREATMENT]
    assert (ninds["source"], ninds["date"], ninds["tier"], ninds["url"]) == (
        "NINDS", "2011-03-01", "government_reviewed", "https://site.test/ninds-lems")
    assert quotes[LEMS_INHERITANCE]["source"] == "GARD"
    assert data["organisations"][0]["phone"] == "217-555-0100"
    assert data["drugs"] == [{"brand": "Firdapse", "generic": "amifampridine", "sources": ["NINDS"]}]
    # Hostile text is data: it comes back verbatim, for the client to escape.
    assert HOSTILE_TEXT in {q["text"] for s in record(client, "hostile")["sections"] for q in s["quotes"]}


def test_the_comparison_names_agreements_disagreements_and_stale_sections(client: TestClient) -> None:
    comparison = record(client, "LEMS")["comparison"]
    agreed = {a["term"]: a for a in comparison["agreements"]}
    assert agreed["plasma exchange"]["sources"] == ["GARD", "NINDS"]
    assert {m["source"] for m in agreed["plasma exchange"]["mentions"]} == {"GARD", "NINDS"}
    disagreement = next(c for c in comparison["contradictions"] if c["point"] == "inherited")
    assert [m["source"] for m in disagreement["asserted"]] == ["GARD"]
    assert [m["sentence"] for m in disagreement["denied"]] == ["LEMS is not considered a hereditary condition."]
    stale = comparison["stale"][0]
    assert (stale["section"], stale["older"]["source"], stale["newer"]["source"]) == ("treatment", "NINDS", "GARD")


# -- errors ------------------------------------------------------------------------------------------


def test_an_unknown_condition_is_404_with_close_names(client: TestClient) -> None:
    typo = "Lambert-Eaton myastenic syndrom"
    error = condition_error(client.get(f"/api/diseases/{quote(typo)}"), 404, "condition_not_found")
    assert [(c["name"], c["ref"]) for c in error["candidates"]] == [(LEMS, "lems")]
    assert LEMS in error["message"] and typo not in error["message"]  # names the candidates, not the request
    nothing = condition_error(client.get("/api/diseases/Zebra%20fever"), 404, "condition_not_found")
    assert nothing["candidates"] == []
    condition_error(client.get("/api/diseases/ORPHA:12345"), 404, "condition_not_found")


def test_an_ambiguous_name_is_409_listing_the_conditions(client: TestClient) -> None:
    error = condition_error(client.get("/api/diseases/LES"), 409, "ambiguous_condition")
    assert {(c["name"], c["ref"]) for c in error["candidates"]} == {
        (LEMS, "lems"), ("Systemic lupus erythematosus", "lupus")}
    assert "lupus" in error["message"] and "lems" in error["message"]
    # Each candidate's ref resolves to that condition alone.
    for candidate in error["candidates"]:
        assert record(client, candidate["ref"])["name"] == candidate["name"]


@pytest.mark.parametrize(("path", "code"), [
    ("/api/diseases/" + "x" * (MAX_REF_LENGTH + 1), "ref_too_long"),
    ("/api/diseases/%20%20", "empty_ref"),
    ("/api/diseases/", "empty_ref"),
    ("/api/diseases/%00%01", "empty_ref"),
    ("/api/diseases/LEMS?features=201", "invalid_request"),
    ("/api/diseases?q=" + "x" * (MAX_REF_LENGTH + 1), "ref_too_long"),
    ("/api/diseases?q=", "empty_ref"),
])
def test_unusable_references_are_422(client: TestClient, path: str, code: str) -> None:
    response = client.get(path)
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert "xxxxxxxxxx" not in response.json()["error"]["message"]


_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
_refs = st.one_of(
    st.sampled_from(["%ff%fe", "%c3", "%ed%a0%80", "%00", "..%2F..%2Fetc", "9" * 200, "%D9%A1%D9%A2", "%2F", "ORPHA:"]),
    _text.map(lambda t: quote(t.encode("utf-8", "surrogatepass"), safe="")),
    st.binary(max_size=60).map(quote_from_bytes),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ref=_refs)
def test_arbitrary_references_never_5xx(client: TestClient, ref: str) -> None:
    for path in (f"/api/diseases/{ref}", f"/api/diseases?q={ref}", f"/diseases/{ref}", f"/diseases?q={ref}"):
        response = client.get(path)
        assert response.status_code < 500, (path, response.text[:300])


# -- the search box ------------------------------------------------------------------------------------


def candidates(client: TestClient, q: str) -> list[dict[str, Any]]:
    response = client.get("/api/diseases", params={"q": q})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    assert data["query"] == q.strip()
    found: list[dict[str, Any]] = data["candidates"]
    return found


def test_candidates_for_a_search_box(client: TestClient) -> None:
    lems = {"name": LEMS, "ref": "lems", "sources": ["GARD", "NINDS", "Some blog"], "documents": 3}
    assert candidates(client, "Eaton-Lambert syndrome") == [lems]  # the condition it names, alone
    assert lems in candidates(client, "lamb")  # names starting like the words typed
    assert candidates(client, "dry weak")[0]["ref"] == "ORPHA:900001"
    assert {c["ref"] for c in candidates(client, "LES")} >= {"lems", "lupus"}  # both that it may mean
    assert candidates(client, "lambert eatn myasthenic syndrome")[0]["ref"] == "lems"  # a typo
    assert candidates(client, "zebra fever") == []


# -- the index ---------------------------------------------------------------------------------------------


def test_the_index_is_built_at_start_shared_and_dropped_on_ingest(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", disease_documents())
    service = Service(Settings(rate_limit=0, ingest_root=tmp_path), str(kb))
    service.start()
    try:
        built = service._disease_index
        assert built is not None  # built before the first request: answer pages need it
        with ThreadPoolExecutor(max_workers=8) as pool:
            indexes = list(pool.map(lambda _: service.disease_index(), range(16)))
        assert all(index is built for index in indexes)
        assert asyncio.run(service.disease("LEMS")).name == LEMS
        write_medquad_xml(tmp_path / "new", "0000777", "Zyxo-Lambert fever", [
            ("information", "What is (are) Zyxo-Lambert fever ?", "Zyxo-Lambert fever is a made-up test condition."),
        ])
        assert service.ingest(["new"])[0]["ok"]
        assert service._disease_index is None  # dropped with the ingest
        assert asyncio.run(service.disease("Zyxo-Lambert fever")).sources == ["GARD"]
        assert service.disease_index() is not indexes[0]
    finally:
        service.close()


def test_a_record_that_waits_too_long_is_504(disease_kb: Path) -> None:
    service = Service(Settings(rate_limit=0, answer_timeout=0.2), str(disease_kb))
    service.start()
    release = threading.Event()
    try:
        service.disease_index()  # built once, outside the timeout
        # Every worker busy until the record has timed out: it waits in the queue past the timeout.
        for _ in range(service.settings.answer_threads):
            service._executor.submit(release.wait, 60)
        with pytest.raises(ApiError) as raised:
            asyncio.run(service.disease("LEMS"))
        assert raised.value.status_code == 504 and raised.value.code == "disease_timeout"
        assert "0.2 seconds" in raised.value.message
    finally:
        try:
            service.close()  # drops the queued record
        finally:
            release.set()


def test_listed_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    operation = paths["/api/diseases/{ref}"]["get"]
    assert {"200", "404", "409", "422", "503", "504"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "DiseaseRecordModel")
    assert "candidates" in json.dumps(operation["responses"]["409"])
    assert {p["name"] for p in paths["/api/diseases"]["get"]["parameters"]} == {"q"}
    docs = client.get("/docs").text
    assert "/api/diseases/{ref}" in docs and "/api/diseases" in docs
