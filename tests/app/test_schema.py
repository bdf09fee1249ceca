"""The OpenAPI schema says what the API does (issue 21, defect 11): what it calls valid is served, what it
calls invalid is refused, and every status an operation answers is documented."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.test_api import assert_error


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
        assert q["schema"]["minLength"] == 1 and q["schema"]["pattern"] == r"\S", path
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
