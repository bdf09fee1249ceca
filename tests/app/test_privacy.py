"""Health words stay out of URLs and logs; request data cannot forge or colour a log line.

A marker word is sent every way a person's words can reach the server (query, form, JSON body, the path
of each route that takes a reference, headers) and must never appear in what the server logs. The access
log writes the route template; paths holding newlines or terminal escapes are logged as inert text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.conftest import open_client
from kb_builders import build_kb, disease_documents

MARKER = "zqxmarker"
XEROSTOMIA, PTOSIS = "HP:0000217", "HP:0000508"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    kb = build_kb(tmp_path_factory.mktemp("privacy") / "kb.db", disease_documents())
    with open_client(kb) as test_client:
        yield test_client


def server_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the server logged (the test client's own request log shows the URLs it sends)."""
    return [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server_records(caplog))


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "healthqa.access"]


def send_marker_every_way(client: TestClient) -> None:
    words = f"{MARKER} gout"
    headers = {"User-Agent": MARKER, "Referer": f"https://x.test/?q={MARKER}", "X-Forwarded-For": MARKER}
    for path in ("/", "/api/ask", "/api/search", "/api/symptoms", "/symptoms", "/diseases", "/api/diseases"):
        client.get(path, params={"q": words}, headers=headers)
    for path in ("/", "/symptoms", "/diseases"):
        client.post(path, data={"q": words, "add": MARKER}, headers=headers)
    client.post("/api/ask", json={"question": words}, headers=headers)
    client.post("/api/search", json={"q": words}, headers=headers)
    client.post("/api/symptoms", json={"q": words}, headers=headers)
    client.post("/api/diseases", json={"q": words}, headers=headers)
    client.post("/api/diseases/record", json={"ref": words}, headers=headers)
    for prefix in ("/diseases/", "/api/diseases/", "/topics/", "/api/topics/"):
        client.get(prefix + MARKER, headers=headers)
        client.get(f"{prefix}{MARKER}%20syndrome?features={MARKER}", headers=headers)
    client.get(f"/{MARKER}", headers=headers)  # no such route
    client.get(f"/static/{MARKER}.css", headers=headers)
    client.request(MARKER.upper(), "/api/ask", headers=headers)  # an unknown method
    client.get("/api/ask", params={"q": MARKER * 500})  # a 422
    client.post("/api/ingest", json={"paths": [MARKER]}, headers=headers)


def test_a_marker_sent_every_way_never_reaches_the_logs(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        send_marker_every_way(client)
    assert MARKER not in logged(caplog).lower()
    access = access_lines(caplog)
    for line in ("GET /diseases/{ref} ", "GET /api/diseases/{ref} ", "GET /topics/{ref} ",
                 "GET /api/topics/{ref} ", "GET <unmatched> 404 ", "GET /static/{path} 404 ",
                 "<other> /api/ask 405 ", "POST /api/diseases/record ", "POST /symptoms 200 "):
        assert any(entry.startswith(line) for entry in access), (line, access)
    assert all("?" not in entry and "%" not in entry.split(" ")[1] for entry in access), access


@pytest.mark.parametrize("injected", ["%0A", "%0D%0A", "%0D", "%1B%5B31m", "%C2%85", "%E2%80%A8", "%7F", "%00"])
@pytest.mark.parametrize("prefix", ["/", "/api/diseases/", "/topics/", "/static/"])
def test_a_path_cannot_forge_or_colour_a_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture, injected: str, prefix: str
) -> None:
    forged = f"x{injected}POST%20/api/ingest%20200%201.0ms"
    with caplog.at_level(logging.DEBUG):
        client.get(prefix + forged)
        client.get(f"/api/ask?q={forged}")
    for line in (f"{r.getMessage()}{r.exc_text or ''}" for r in server_records(caplog)):
        assert not any(char in line for char in ("\n", "\r", "\x1b", "\x85", "\u2028", "\x7f", "\x00")), repr(line)
        assert "/api/ingest" not in line


def test_escape_log_leaves_no_control_characters() -> None:
    from healthqa.app.logsafe import escape_log

    hostile = "a\nb\r\nc\x1b[31md\x00e\x7ff\x85g\u2028h\u202ei\\j\tk"
    escaped = escape_log(hostile)
    assert escaped == "a\\nb\\r\\nc\\x1b[31md\\x00e\\x7ff\\x85g\\u2028h\\u202ei\\\\j\\tk"
    assert escaped.isprintable()
    assert escape_log("Lambert\u2013Eaton, é") == "Lambert\u2013Eaton, é"  # printable Unicode stays


def test_the_log_filter_escapes_request_data_in_any_message(caplog: pytest.LogCaptureFixture) -> None:
    from healthqa.app.logsafe import EscapeFilter

    logger = logging.getLogger("healthqa.test-logsafe")
    logger.addFilter(EscapeFilter())
    logger.addFilter(EscapeFilter())  # as a logger's and a handler's filter: escaped once, not twice
    with caplog.at_level(logging.INFO):
        logger.info("question: %s", "gout\nGET /api/ingest 200")
        logger.info("%(what)s", {"what": "\x1b[2Jcleared"})
        logger.info("a number %d and %r", 3, "x\ny")
    messages = [r.getMessage() for r in caplog.records if r.name == "healthqa.test-logsafe"]
    assert messages == ["question: gout\\nGET /api/ingest 200", "\\x1b[2Jcleared", "a number 3 and 'x\\\\ny'"]
    try:
        raise ValueError("bad path /x\nPOST /api/ingest 200 \x1b[31m")
    except ValueError:
        logger.exception("unexpected error")
    exc_text = caplog.records[-1].exc_text or ""
    assert "\x1b" not in exc_text and "ValueError: bad path /x\\nPOST /api/ingest 200 \\x1b[31m" in exc_text
    assert all(line.startswith("  ") for line in exc_text.split("\n")[1:])  # no line passes for a log line


# -- the POST twins of the GET endpoints --------------------------------------------------------------


def same(client: TestClient, get: tuple[str, dict[str, Any]], post: tuple[str, dict[str, Any]]) -> Any:
    by_get = client.get(get[0], params=get[1])
    by_post = client.post(post[0], json=post[1])
    assert by_post.status_code == by_get.status_code, (post, by_post.text)
    if by_get.status_code < 400:
        assert by_post.json() == by_get.json(), post
    else:  # the same error; a message may name "body field 'q'" where the GET's names "query parameter 'q'"
        assert by_post.json()["error"]["code"] == by_get.json()["error"]["code"], post
    return by_post


@pytest.mark.parametrize(("get", "post"), [
    (("/api/search", {"q": "gout uric", "limit": 2}), ("/api/search", {"q": "gout uric", "limit": 2})),
    (("/api/search", {"q": ""}), ("/api/search", {"q": ""})),
    (("/api/symptoms", {"q": "dry mouth, droopy eyelids", "exclude": PTOSIS, "top": 2}),
     ("/api/symptoms", {"q": "dry mouth, droopy eyelids", "exclude": [PTOSIS], "top": 2})),
    (("/api/symptoms", {"hpo": f"{XEROSTOMIA},{PTOSIS}"}), ("/api/symptoms", {"hpo": [XEROSTOMIA, PTOSIS]})),
    (("/api/symptoms", {"hpo": "HP:12"}), ("/api/symptoms", {"hpo": ["HP:12"]})),
    (("/api/symptoms", {}), ("/api/symptoms", {})),
    (("/api/diseases", {"q": "LEMS"}), ("/api/diseases", {"q": "LEMS"})),
    (("/api/diseases", {"q": "x" * 201}), ("/api/diseases", {"q": "x" * 201})),
    (("/api/diseases/LEMS", {"features": 3}), ("/api/diseases/record", {"ref": "LEMS", "features": 3})),
    (("/api/diseases/LES", {}), ("/api/diseases/record", {"ref": "LES"})),
    (("/api/diseases/Zzyzx%20syndrome", {}), ("/api/diseases/record", {"ref": "Zzyzx syndrome"})),
])
def test_post_twins_answer_as_the_get_endpoints(
    client: TestClient, get: tuple[str, dict[str, Any]], post: tuple[str, dict[str, Any]]
) -> None:
    same(client, get, post)


@pytest.mark.parametrize(("path", "body"), [
    ("/api/search", {"q": "gout", "extra": 1}),
    ("/api/search", {"q": "gout", "limit": 0}),
    ("/api/search", {"q": "gout", "limit": True}),
    ("/api/symptoms", {"q": "dry mouth", "top": 51}),
    ("/api/symptoms", {"q": "dry mouth", "hpo": "HP:0000217"}),
    ("/api/diseases", {"query": "LEMS"}),
    ("/api/diseases/record", {"ref": "LEMS", "features": -1}),
    ("/api/diseases/record", {}),
])
def test_post_twins_refuse_bad_bodies_with_the_one_error_shape(
    client: TestClient, path: str, body: dict[str, Any]
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert set(response.json()) == {"error"} and response.json()["error"]["code"] == "invalid_request"


def test_post_twins_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/search", "/api/symptoms", "/api/diseases", "/api/diseases/record"):
        operation = paths[path]["post"]
        assert operation["requestBody"]["required"] and 422 in {int(s) for s in operation["responses"]}


def test_serve_log_config_escapes_every_handler(tmp_path: Path) -> None:
    from healthqa.cli import _serve_log_config

    config = _serve_log_config()
    for handler in config["handlers"].values():
        assert "escape" in handler.get("filters", []), handler
