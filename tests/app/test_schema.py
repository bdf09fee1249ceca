"""The OpenAPI schema says what the API does (issue 21, defect 11): what it calls valid is served, what it
calls invalid is refused, and every status an operation answers is documented."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.conftest import open_client
from app.test_api import assert_error
from healthqa.app.api.routes import NOT_BLANK
from healthqa.app.api.symptom_search import ID_LIST_PATTERN, check_ids
from healthqa.app.errors import ApiError
from healthqa.app.inputs import MAX_REF_LENGTH, clean_text
from healthqa.config import Settings


def _operation(client: TestClient, path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = client.get("/openapi.json").json()["paths"][path][method]
    return found


def _parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [p for p in operation["parameters"] if p["name"] == name]
    return found


def test_an_empty_question_is_invalid_by_the_schema_as_by_the_server(client: TestClient) -> None:
    for path in ("/api/ask", "/api/search"):
        q = _parameter(_operation(client, path, "get"), "q")
        assert q["required"] is True, path
        assert q["schema"]["minLength"] == 1 and q["schema"]["pattern"] == NOT_BLANK["pattern"], path
        assert q["schema"]["maxLength"] == 2000, path  # the configured limit (Settings.max_question_length)
        assert_error(client.get(path, params={"q": ""}), 422)
        assert_error(client.get(path, params={"q": "   "}), 422)
        assert_error(client.get(path), 422)
    body = client.get("/openapi.json").json()["components"]["schemas"]["AskBody"]
    assert body["properties"]["question"]["minLength"] == 1
    assert_error(client.post("/api/ask", json={"question": ""}), 422)


def test_top_is_a_number_not_a_boolean(client: TestClient) -> None:
    for top in (True, False, "3", 2.5):
        assert_error(client.post("/api/ask", json={"question": "what causes gout", "top": top}), 422)
    assert client.post("/api/ask", json={"question": "what causes gout", "top": 2}).status_code == 200
    assert_error(client.get("/api/ask", params={"q": "what causes gout", "top": "true"}), 422)


def test_every_status_of_ingest_is_documented(client: TestClient) -> None:
    documented = set(_operation(client, "/api/ingest", "post")["responses"])
    assert {"200", "400", "401", "403", "409", "413", "422", "429", "503", "504"} <= documented


def _python(pattern: str) -> re.Pattern[str]:
    """An ECMA-262 pattern of the schema as Python reads it (the \\uXXXX escapes mean the same in both)."""
    return re.compile(pattern)


def test_the_not_blank_pattern_is_exactly_what_cleaning_keeps() -> None:
    # Every code point that the pattern calls "not blank" survives clean_text, and no other: a text is valid
    # by the schema exactly when the server does not answer it "empty".
    pattern = _python(NOT_BLANK["pattern"])
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert bool(pattern.search(char)) == bool(clean_text(char)), hex(code)


def test_a_control_character_alone_is_invalid_by_the_schema(client: TestClient) -> None:
    # GET /api/diseases/%C2%99 (U+0099, a C1 control) cleans to nothing: refused, and the schema says so.
    ref = _parameter(_operation(client, "/api/diseases/{ref}", "get"), "ref")["schema"]
    assert ref["minLength"] == 1 and ref["maxLength"] == MAX_REF_LENGTH
    assert not _python(ref["pattern"]).search("\x99")
    assert _python(ref["pattern"]).search("\x99LEMS")
    assert_error(client.get("/api/diseases/%C2%99"), 422)


def test_an_empty_search_or_reference_is_invalid_by_the_schema(client: TestClient) -> None:
    q = _parameter(_operation(client, "/api/diseases", "get"), "q")
    assert q["required"] is True and q["schema"]["minLength"] == 1  # GET /api/diseases?q= is 422
    assert_error(client.get("/api/diseases", params={"q": ""}), 422, "empty_ref")
    assert_error(client.get("/api/diseases"), 422, "invalid_request")
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    bodies = (("CandidateSearchBody", "q", "/api/diseases"), ("RecordBody", "ref", "/api/diseases/record"))
    for name, field, path in bodies:
        assert field in schemas[name]["required"] and schemas[name]["properties"][field]["minLength"] == 1, name
        assert_error(client.post(path, json={field: ""}), 422, "empty_ref")


def test_an_empty_symptom_search_is_valid_and_answered(client: TestClient) -> None:
    # No field is required by the schema (there is no way to say "q or hpo" of query parameters): a search
    # for nothing is answered with nothing, by GET and POST alike.
    for response in (client.get("/api/symptoms?q=&hpo=&exclude="), client.post("/api/symptoms", json={})):
        assert response.status_code == 200 and response.json()["diseases"] == [], response.text
    schema = client.get("/openapi.json").json()["components"]["schemas"]["SymptomsBody"]
    assert not schema.get("required")


def test_hpo_ids_are_valid_by_the_schema_exactly_when_check_ids_takes_them() -> None:
    pattern = _python(ID_LIST_PATTERN)
    for value in ("", " , ", "HP:0000508", "hp_0000508", " HP:0000508 ,HP:0000217,,", "HP:0000508,\u3000HP:0000217",
                  "HP:12", "HP:0000508HP:0000217", "HP:٠٠٠٠٥٠٨", "\ufeffHP:0000508", "HP:0000508;HP:0000217", "x"):
        try:
            check_ids([value], "hpo")
            taken = True
        except ApiError:
            taken = False
        assert bool(pattern.fullmatch(value)) == taken, repr(value)


def test_an_unknown_hpo_id_is_a_documented_404(client: TestClient) -> None:
    for method in ("get", "post"):
        assert "404" in _operation(client, "/api/symptoms", method)["responses"]
    assert_error(client.post("/api/symptoms", json={"hpo": ["HP:9999999"]}), 404, "unknown_hpo_id")


def test_an_integral_number_is_an_integer_but_a_boolean_is_not(client: TestClient) -> None:
    # JSON Schema's "integer" admits 50.0; true is not a number.
    assert client.post("/api/search", json={"q": "gout", "limit": 50.0}).status_code == 200
    assert client.post("/api/ask", json={"question": "what causes gout", "top": 2.0}).status_code == 200
    assert client.post("/api/symptoms", json={"q": "dry mouth", "top": 5.0}).status_code == 200
    for limit in (True, 2.5, "5", float("1e300")):
        assert_error(client.post("/api/search", json={"q": "gout", "limit": limit}), 422)
    # In a query, an integer is written in digits: not " 7", "7_0" or "+7" (pydantic's lax parsing takes them).
    for limit in ("7\xa0", " 7", "7_0", "+7", "true"):
        assert_error(client.get("/api/search", params={"q": "gout", "limit": limit}), 422)
    assert client.get("/api/search", params={"q": "gout", "limit": "7"}).status_code == 200


def test_a_body_that_is_not_utf8_is_the_documented_422(client: TestClient) -> None:
    for path in ("/api/ask", "/api/search", "/api/symptoms", "/api/diseases", "/api/diseases/record"):
        response = client.post(path, content=b"\x80g\x0e", headers={"Content-Type": "application/json"})
        assert_error(response, 422, "invalid_request")
        assert {"413", "422"} <= set(_operation(client, path, "post")["responses"])


def test_a_405_names_every_method_of_the_resource(client: TestClient) -> None:
    for path, allowed in (("/api/ask", "GET, POST"), ("/api/search", "GET, POST"), ("/api/symptoms", "GET, POST"),
                          ("/api/diseases", "GET, POST"), ("/api/diseases/record", "POST"),
                          ("/api/diseases/LEMS", "GET"), ("/api/ingest", "POST"), ("/healthz", "GET")):
        response = client.options(path)
        assert_error(response, 405, "method_not_allowed")
        assert response.headers["allow"] == allowed, path
        documented = {m.upper() for m in client.get("/openapi.json").json()["paths"].get(path, {})}
        assert not documented or documented == set(allowed.split(", ")), path
    assert client.put("/api/ask").headers["allow"] == "GET, POST"


def test_the_schema_states_the_configured_question_limit(kb_path: Path) -> None:
    with open_client(kb_path, Settings(rate_limit=0, max_question_length=50)) as client:
        q = _parameter(_operation(client, "/api/ask", "get"), "q")
        assert q["schema"]["maxLength"] == 50 and "x-healthqa" not in str(client.get("/openapi.json").json())
        assert_error(client.get("/api/ask", params={"q": "x" * 51}), 422, "question_too_long")
        assert client.get("/api/ask", params={"q": "gout " * 10}).status_code == 200
