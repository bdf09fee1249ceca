"""The HTTP API in process: every endpoint, the one error shape, the limits, hostile input, headers, logs."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.conftest import open_client
from healthqa.answer.answerer import DISCLAIMER
from healthqa.app.ratelimit import RateLimiter
from healthqa.config import Settings
from healthqa.errors import ConfigError
from kb_builders import GOUT_CAUSES, LEMS_INHERITANCE, write_medquad_xml

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}
    error: dict[str, Any] = body["error"]
    assert error["status"] == status and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def assert_secure(response: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


# -- endpoints ---------------------------------------------------------------------------------------


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_503_when_the_knowledge_base_is_unreadable(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a SQLite database" * 100)
    with open_client(broken) as client:
        assert_error(client.get("/healthz"), 503, "unavailable")
        assert_error(client.get("/api/ask", params={"q": "what causes gout"}), 503, "unavailable")
        assert_error(client.get("/api/sources"), 503, "unavailable")


def test_ask_get_returns_the_answer_json(client: TestClient) -> None:
    response = client.get("/api/ask", params={"q": "what causes gout?"})
    assert response.status_code == 200
    data = response.json()
    assert {"question", "focus", "type", "answers", "abstained", "emergency", "related", "disclaimer",
            "understood", "reason", "emergency_guidance", "facts"} <= set(data)
    assert data["emergency_actions"] == [] and data["emergency_guidance"] is None
    assert data["focus"] == ["Gout"] and data["type"] == "causes" and not data["abstained"]
    first = data["answers"][0]
    assert first["id"] == "GOUT_Sec1.txt" and first["text"] == GOUT_CAUSES
    assert (first["source"], first["url"], first["date"]) == ("GARD", "https://site.test/gout", "2020-05-01")
    assert data["disclaimer"] == DISCLAIMER


def test_ask_post_with_top(client: TestClient) -> None:
    question = "hi, my dad was just diagnosed with eaton lambert, is it something my kids can get?"
    data = client.post("/api/ask", json={"question": question, "top": 1}).json()
    assert len(data["answers"]) == 1 and data["answers"][0]["text"] == LEMS_INHERITANCE
    assert data["type"] == "inheritance"
    assert all(sentence in LEMS_INHERITANCE for sentence in data["answers"][0]["key_sentences"])


def test_ask_abstains_and_flags_emergencies(client: TestClient) -> None:
    data = client.get("/api/ask", params={"q": "What is the capital of France?"}).json()
    assert data["abstained"] and data["answers"] == [] and data["reason"]
    emergency = {"question": "my dad with gout has crushing chest pain right now"}
    data = client.post("/api/ask", json=emergency).json()
    assert data["emergency"] and "emergency" in data["emergency_guidance"]
    poisoned = client.post("/api/ask", json={"question": "my son drank bleach, what do I do"}).json()
    assert poisoned["emergency_actions"][0] == {
        "label": "Poison Control", "number": "1-800-222-1222", "tel": "tel:+1-800-222-1222",
        "when": poisoned["emergency_actions"][0]["when"]}
    assert [a["tel"] for a in poisoned["emergency_actions"][1:]] == ["tel:911", "tel:988"]
    # The OpenAPI schema documents the structured actions beside the one-paragraph guidance.
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "emergency_actions" in schemas["Answer"]["properties"]
    assert "tel:" in schemas["EmergencyAction"]["description"]
    assert "emergency_actions" in schemas["Answer"]["description"]
    assert {"label", "number", "tel", "when"} <= set(schemas["EmergencyAction"]["properties"])


def test_search_returns_passages_with_provenance(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "uric acid", "limit": 5}).json()
    assert data["query"] == "uric acid"
    ids = [hit["id"] for hit in data["results"]]
    assert "GOUT_Sec1.txt" in ids and len(ids) <= 5
    hit = data["results"][ids.index("GOUT_Sec1.txt")]
    assert hit["url"] == "https://site.test/gout" and hit["source"] == "GARD" and hit["date"] == "2020-05-01"
    assert hit["tier"] == "government_reviewed" and hit["licence"] == "CC BY 4.0"
    assert hit["document"] == "gout" and hit["topic"] == "/api/topics/gout"
    assert client.get("/api/search", params={"q": "zzzqqq"}).json()["results"] == []


def test_topic_by_key_and_old_numbers_redirect_to_the_key(client: TestClient) -> None:
    data = client.get("/api/topics/lems").json()
    assert data["title"] == "Lambert-Eaton myasthenic syndrome" and data["source"] == "GARD"
    assert [p["public_id"] for p in data["passages"]] == ["LEMS_Sec1.txt", "LEMS_Sec2.txt", "LEMS_Sec3.txt"]
    assert ["LEMS", "synonym"] in data["names"]
    # A document's number changes when it is re-ingested: an old numeric URL is sent on to the key, which
    # does not, and only for now (307, not a permanent redirect that clients would remember).
    assert "id" not in data and all("rowid" not in p and "document_id" not in p for p in data["passages"])
    number = client.app.state.service.require_store().document("lems").id  # type: ignore[attr-defined]
    moved = client.get(f"/api/topics/{number}", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/api/topics/lems"
    assert client.get(f"/api/topics/{number}").json()["key"] == "lems"
    hostile = client.get("/api/topics/hostile").json()
    assert hostile["organisations"] and hostile["drugs"] and hostile["references"]


@pytest.mark.parametrize("ref", ["nope", "999999", "99999999999999999999999999", "²", "a/b/c", "%00"])
def test_unknown_topic_is_404(client: TestClient, ref: str) -> None:
    assert_error(client.get(f"/api/topics/{ref}"), 404, "not_found")


def test_an_unknown_number_says_that_topics_are_named_by_key(client: TestClient) -> None:
    message = client.get("/api/topics/999999").json()["error"]["message"]
    assert "key" in message and "number" in message


def test_sources_with_counts_and_credits(client: TestClient) -> None:
    data = client.get("/api/sources").json()
    gard = next(s for s in data["sources"] if s["name"] == "GARD")
    assert (gard["documents"], gard["passages"], gard["questions"], gard["newest"]) == (2, 5, 5, "2020-05-01")
    credits = " ".join(c["credit"] for c in data["credits"])
    assert "Ben Abacha A, Demner-Fushman D. A question-entailment approach" in credits
    assert "Orphanet: an online database of rare diseases and orphan drugs. INSERM, 1999" in credits


def test_openapi_schema_and_docs_page(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/healthz", "/api/ask", "/api/search", "/api/topics/{ref}", "/api/sources", "/api/ingest",
                 "/api/symptoms"):
        assert path in schema["paths"], path
    assert {"get", "post"} <= set(schema["paths"]["/api/ask"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "/api/ask" in docs.text and "/openapi.json" in docs.text
    assert "<script" not in docs.text and "cdn" not in docs.text.lower()
    assert_secure(docs)
    assert client.get("/redoc").status_code == 404


# -- the error shape ---------------------------------------------------------------------------------


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    assert_error(client.get("/no/such/thing"), 404, "not_found")
    assert_error(client.get("/api/nothing"), 404, "not_found")
    error = assert_error(client.delete("/api/ask"), 405, "method_not_allowed")
    assert "DELETE" in error["message"]
    assert_error(client.put("/api/sources"), 405)


@pytest.mark.parametrize(
    ("request_args", "needle"),
    [
        ({"method": "GET", "url": "/api/ask", "params": {"q": "gout", "top": "many"}}, "top"),
        ({"method": "GET", "url": "/api/ask", "params": {"q": "gout", "top": "0"}}, "top"),
        ({"method": "GET", "url": "/api/search", "params": {"q": "gout", "limit": "500"}}, "limit"),
        ({"method": "POST", "url": "/api/ask", "json": {}}, "question"),
        ({"method": "POST", "url": "/api/ask", "json": {"question": 5}}, "question"),
        ({"method": "POST", "url": "/api/ask", "json": {"question": "gout", "extra": 1}}, "extra"),
        ({"method": "POST", "url": "/api/ask", "content": b"{not json",
          "headers": {"content-type": "application/json"}}, "JSON"),
        ({"method": "POST", "url": "/api/ask", "content": b"\xff\xfe\x00\x01",
          "headers": {"content-type": "application/json"}}, "JSON"),
        ({"method": "POST", "url": "/api/ask"}, "body"),
    ],
)
def test_validation_errors_are_422_with_a_clear_message(
    client: TestClient, request_args: dict[str, Any], needle: str
) -> None:
    error = assert_error(client.request(**request_args), 422, "invalid_request")
    assert needle in error["message"]
    assert "Traceback" not in error["message"]


def test_question_length_limit(client: TestClient) -> None:
    error = assert_error(client.get("/api/ask", params={"q": "gout " * 401}), 422, "question_too_long")
    assert "2,000" in error["message"]
    assert_error(client.post("/api/ask", json={"question": "a" * 2001}), 422, "question_too_long")
    assert client.get("/api/ask", params={"q": "gout? " + "a" * 1994}).status_code == 200


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01\x7f", "\n\t"])
def test_empty_questions_are_422(client: TestClient, question: str) -> None:
    assert_error(client.get("/api/ask", params={"q": question}), 422, "empty_question")
    assert_error(client.post("/api/ask", json={"question": question}), 422, "empty_question")
    assert_error(client.get("/api/search", params={"q": question}), 422, "empty_question")


def test_body_limit_413_by_length_and_when_streamed(client: TestClient) -> None:
    big = {"question": "gout " * 5000}
    response = client.post("/api/ask", json=big)
    assert_error(response, 413, "body_too_large")
    assert_secure(response)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        yield b'{"question": "'
        for _ in range(40):
            yield b"x" * 1024
        yield b'"}'

    streamed = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert_error(streamed, 413, "body_too_large")
    assert_error(client.post("/api/ask", content=b"{}", headers={"content-length": "abc"}), 400)


def test_rate_limit_429_with_retry_after(kb_path: Path) -> None:
    with open_client(kb_path, Settings(rate_limit=3)) as client:
        for _ in range(3):
            assert client.get("/api/search", params={"q": "gout"}).status_code == 200
        response = client.get("/api/search", params={"q": "gout"})
        assert_error(response, 429, "rate_limited")
        assert int(response.headers["retry-after"]) >= 1
        assert_secure(response)
        assert client.get("/healthz").status_code == 200  # probes are never limited


def test_token_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.take("a") == 0.0 for _ in range(60))
    wait = limiter.take("a")
    assert 0 < wait <= 1.0 and RateLimiter.retry_after(wait) == "1"
    assert limiter.take("b") == 0.0  # per client
    now[0] += 1.0
    assert limiter.take("a") == 0.0


def test_answer_timeout_is_504(kb_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_client(kb_path, Settings(rate_limit=0, answer_timeout=0.05)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]

        def slow(question: str, top: int = 3) -> None:
            time.sleep(0.5)

        monkeypatch.setattr(service.answerer, "ask", slow)
        assert_error(client.get("/api/ask", params={"q": "what causes gout"}), 504, "answer_timeout")


def test_unexpected_errors_are_a_generic_500(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    store = client.app.state.service.store  # type: ignore[attr-defined]

    def boom() -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(store, "sources", boom)
    response = client.get("/api/sources")
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in response.text and "Traceback" not in response.text
    assert error["message"] == "Something went wrong on our side. Please try again later."
    assert_secure(response)


# -- ingest --------------------------------------------------------------------------------------------


ADMIN_TOKEN = "Qh7-xT2pLw9vRk4mZc8bNf3sJd6yGa1u"  # 32 random characters, as HEALTHQA_ADMIN_TOKEN needs


def test_ingest_is_disabled_without_a_token(client: TestClient, tmp_path: Path) -> None:
    body = {"paths": [str(tmp_path)]}
    bearer = {"Authorization": "Bearer x"}
    assert_error(client.post("/api/ingest", json=body, headers=bearer), 403, "ingest_disabled")
    assert_error(client.post("/api/ingest", json=body), 403, "ingest_disabled")


def test_ingest_needs_the_right_token(kb_path: Path, tmp_path: Path) -> None:
    kb = shutil.copy(kb_path, tmp_path / "kb.db")
    folder = tmp_path / "medquad"
    write_medquad_xml(folder, "0000099", "Quokkitis", [
        ("information", "What is (are) Quokkitis ?",
         "Quokkitis is a fictional inflammation of the quokka gland, used in tests."),
    ])
    body = {"paths": ["medquad"]}  # relative to the ingest folder
    settings = Settings(rate_limit=0, admin_token=ADMIN_TOKEN, ingest_root=tmp_path)
    with open_client(Path(kb), settings) as client:
        assert_error(client.post("/api/ingest", json=body), 401, "unauthorized")
        wrong = client.post("/api/ingest", json=body, headers={"Authorization": "Bearer nope"})
        assert_error(wrong, 401, "unauthorized")
        assert wrong.headers["www-authenticate"] == "Bearer"
        basic = {"Authorization": f"Basic {ADMIN_TOKEN}"}
        assert_error(client.post("/api/ingest", json=body, headers=basic), 401)
        assert client.get("/api/ask", params={"q": "what is quokkitis"}).json()["abstained"]
        right = client.post("/api/ingest", json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert right.status_code == 200, right.text
        data = right.json()
        assert data["ok"] is True
        [found] = data["results"]
        assert found == {**found, "path": "medquad", "ok": True, "files": 1, "documents_added": 1}
        # A path that is not there is refused like one outside the folder (tests/api/test_ingest_paths.py).
        missing = client.post("/api/ingest", json={"paths": ["missing"]},
                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert_error(missing, 422, "path_refused")
        answer = client.get("/api/ask", params={"q": "what is quokkitis"}).json()
        assert not answer["abstained"] and "quokka gland" in answer["answers"][0]["text"]
        assert_error(client.post("/api/ingest", json={"paths": []},
                                 headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}), 422)


# -- hostile input -------------------------------------------------------------------------------------

HOSTILE_QUERIES = [
    "NEAR(gout uric)", 'NEAR("gout" "uric", 2)', '"gout', 'gout"', "gout AND NOT uric OR *", "gout*", "*",
    "title:gout", "gout^2", "-gout", "'; DROP TABLE passage; --", "1 OR 1=1", "gout' OR '1'='1", "%", "_",
    "\\", "{{7*7}}", "<script>alert(1)</script>", "\x00gout\x00", "gout\x1b[31m", "\u202egout", "\ufffd" * 50,
    "😀 gout 😀", "a" * 2000,
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_get_an_answer_never_a_5xx(client: TestClient, query: str) -> None:
    for response in (
        client.get("/api/ask", params={"q": query}),
        client.post("/api/ask", json={"question": query}),
        client.get("/api/search", params={"q": query}),
        client.get("/", params={"q": query}),
        client.get("/api/symptoms", params={"q": query}),
        client.get("/symptoms", params={"q": query, "add": query[:400]}),
    ):
        assert response.status_code == 200, (query, response.status_code, response.text[:300])
    assert client.get("/api/topics/gout").status_code == 200  # the tables are intact


@pytest.mark.parametrize("raw", ["%ff%fe", "%c3", "%ed%a0%80", "%00", "%e2%80", "gout%ZZ", "%%%", "gout&q=x"])
def test_invalid_utf8_percent_encoding(client: TestClient, raw: str) -> None:
    for path in ("/api/ask", "/api/search", "/", "/api/symptoms", "/symptoms"):
        response = client.get(f"{path}?q={raw}")
        assert response.status_code < 500, (path, raw, response.text[:200])
    surrogate = b'{"question": "\\ud800 gout \\udfff"}'
    response = client.post("/api/ask", content=surrogate, headers={"content-type": "application/json"})
    assert response.status_code == 200 and "\ufffd" in response.json()["question"]


_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)
_encoded = st.one_of(
    _text.map(lambda t: quote_from_bytes(t.encode("utf-8", "surrogatepass"))),
    # Lone surrogates pass through as their (invalid) UTF-8 bytes; raw undecodable bytes come from st.binary.
    _text.map(lambda t: quote(t.encode("utf-8", "surrogatepass"), safe="")),
    st.binary(max_size=80).map(quote_from_bytes),
    # Left unescaped: "%" (broken escapes), "+", "&" and "=" (extra or empty parameters).
    _text.map(lambda t: quote_from_bytes(t.encode("utf-8", "surrogatepass"), safe="%+&=")),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=_encoded)
def test_arbitrary_query_strings_never_5xx(client: TestClient, query: str) -> None:
    for path in ("/api/ask", "/api/search", "/api/symptoms"):
        response = client.get(f"{path}?q={query}")
        assert response.status_code < 500, (path, query, response.text[:300])


# -- headers, CORS, logs ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/api/ask?q=gout", "/api/sources", "/nope", "/static/style.css",
                                  "/healthz", "/topics/gout", "/openapi.json", "/symptoms?q=dry+mouth",
                                  "/api/symptoms?q=dry+mouth"])
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    assert_secure(client.get(path))


def test_cors_is_off_by_default_and_configurable(client: TestClient, kb_path: Path) -> None:
    origin = {"Origin": "https://elsewhere.test"}
    assert "access-control-allow-origin" not in client.get("/api/sources", headers=origin).headers
    with open_client(kb_path, Settings(rate_limit=0, cors_origins=("https://app.test",))) as cors:
        allowed = cors.get("/api/sources", headers={"Origin": "https://app.test"})
        assert allowed.headers["access-control-allow-origin"] == "https://app.test"
        assert "access-control-allow-origin" not in cors.get("/api/sources", headers=origin).headers
        preflight = cors.options("/api/ask", headers={
            "Origin": "https://app.test", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        })
        assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]


MARKER = "Quibblewick"


def _ask_with_marker(client: TestClient) -> None:
    client.get("/api/ask", params={"q": f"does {MARKER} gout hurt"})
    client.post("/api/ask", json={"question": f"what causes {MARKER} gout"})
    client.get("/", params={"q": f"{MARKER} gout treatment"})
    client.get("/api/search", params={"q": f"{MARKER} uric"})
    client.get("/api/symptoms", params={"q": f"{MARKER} dry mouth"})
    client.get("/symptoms", params={"q": f"{MARKER} dry mouth", "add": MARKER})
    client.get("/api/ask", params={"q": MARKER * 500})  # a 422 does not log it either


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the server logged (the test client's own request log shows the URLs it sends)."""
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
        if not r.name.startswith(("httpx", "httpcore"))
    )


def test_questions_never_reach_the_logs_by_default(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        _ask_with_marker(client)
    assert MARKER not in server_log(caplog)
    access = [r.getMessage() for r in caplog.records if r.name == "healthqa.access"]
    assert any(line.startswith("GET /api/ask 200 ") for line in access), access
    assert any(line.startswith("POST /api/ask 200 ") for line in access)
    assert all("?" not in line for line in access)


def test_questions_are_logged_when_opted_in(kb_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with open_client(kb_path, Settings(rate_limit=0, log_questions=True)) as client, \
            caplog.at_level(logging.INFO):
        _ask_with_marker(client)
    assert MARKER in server_log(caplog)


# -- settings ------------------------------------------------------------------------------------------


def test_settings_from_the_environment() -> None:
    default = Settings.from_env({})
    assert default == Settings() and default.admin_token is None and default.rate_limit == 60
    custom = Settings.from_env({
        "HEALTHQA_ADMIN_TOKEN": f" {ADMIN_TOKEN} ", "HEALTHQA_RATE_LIMIT": "0", "HEALTHQA_LOG_QUESTIONS": "1",
        "HEALTHQA_CORS_ORIGINS": "https://a.test, https://b.test,", "HEALTHQA_MAX_QUESTION_LENGTH": "500",
        "HEALTHQA_MAX_BODY_BYTES": "4096", "HEALTHQA_ANSWER_TIMEOUT": "2.5",
    })
    assert custom == Settings(
        admin_token=ADMIN_TOKEN, rate_limit=0, cors_origins=("https://a.test", "https://b.test"),
        log_questions=True, max_question_length=500, max_body_bytes=4096, answer_timeout=2.5,
    )
    slow = Settings.from_env({"HEALTHQA_HEADER_TIMEOUT": "2.5", "HEALTHQA_MAX_CONNECTIONS": "64"})
    assert (slow.header_timeout, slow.max_connections) == (2.5, 64)
    assert (Settings().header_timeout, Settings().max_connections) == (10.0, 4096)
    assert Settings.from_env({"HEALTHQA_BODY_TIMEOUT": "3"}).body_timeout == 3.0 and Settings().body_timeout == 15.0
    for name, value in [("HEALTHQA_RATE_LIMIT", "lots"), ("HEALTHQA_RATE_LIMIT", "-1"),
                        ("HEALTHQA_LOG_QUESTIONS", "maybe"), ("HEALTHQA_ANSWER_TIMEOUT", "0"),
                        ("HEALTHQA_ANSWER_TIMEOUT", "nan"), ("HEALTHQA_MAX_BODY_BYTES", "10"),
                        ("HEALTHQA_HEADER_TIMEOUT", "0"), ("HEALTHQA_MAX_CONNECTIONS", "1"),
                        ("HEALTHQA_BODY_TIMEOUT", "-1")]:
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: value})


WEAK_TOKENS = [
    "s3cret-token",  # too short
    "a" * 40,  # long, not random
    "abababababababababababababababab12",  # two characters make up most of it
    "passwordpasswordpasswordpassword",
    # Repeats and runs the first check took (issue 21's review).
    "abcdefghijklmnopabcdefghijklmnop",
    "0123456789abcdef0123456789abcdef",
    "passwordpasswordpassword12345678!!",
    # Similar patterns.
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "zyxwvutsrqponmlkjihgfedcba9876543210",
    "qwertyuiopasdfghjklzxcvbnm1234567890",  # keyboard rows
    "acegikmoqsuwy13579bdfhjlnprtvxz024",  # steps of two
    "Tr0ub4dor&3Tr0ub4dor&3Tr0ub4dor&3",
    "0123456701234567012345670123456701234567",
    "aaaaaaaabbbbbbbbccccccccdddddddd",
    "Summer2024!Summer2024!Summer2024!",
    "61818492736455019283746509182736",  # 32 random digits: about 106 bits
    "0101101001011010101101001011010010110100",  # two characters
]


@pytest.mark.parametrize("token", WEAK_TOKENS)
def test_a_weak_admin_token_is_refused(token: str) -> None:
    with pytest.raises(ConfigError, match="HEALTHQA_ADMIN_TOKEN") as refused:
        Settings.from_env({"HEALTHQA_ADMIN_TOKEN": token})
    message = str(refused.value)
    assert token not in message and token[:8] not in message  # the message never repeats a secret
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in message


def test_random_admin_tokens_are_taken() -> None:
    """Tokens shaped like secrets' are taken: 1,000 urlsafe ones (256 bits) and 1,000 hex ones (exactly 128
    bits, the least accepted). They come from a seeded generator so that the test cannot flake: the check
    refuses a chance pattern in fewer than one in a million real ``secrets.token_hex(16)`` tokens (0 of
    1,000,000 hex and 0 of 500,000 urlsafe tokens refused when measured on 2026-12-05)."""
    import base64
    import random

    chance = random.Random(20261205)
    makers = (lambda: base64.urlsafe_b64encode(chance.randbytes(32)).rstrip(b"=").decode(),
              lambda: chance.randbytes(16).hex())
    for make in makers:
        for _ in range(1000):
            token = make()
            assert Settings.from_env({"HEALTHQA_ADMIN_TOKEN": token}).admin_token == token, token
    assert Settings.from_env({"HEALTHQA_ADMIN_TOKEN": "  "}).admin_token is None
    assert Settings.from_env({"HEALTHQA_ADMIN_TOKEN": ADMIN_TOKEN}).admin_token == ADMIN_TOKEN


def test_answer_cache_setting() -> None:
    assert Settings.from_env({}).answer_cache == 1024
    assert Settings.from_env({"HEALTHQA_ANSWER_CACHE": "0"}).answer_cache == 0
    assert Settings.from_env({"HEALTHQA_ANSWER_CACHE": " 50 "}).answer_cache == 50
    for value in ("-1", "many", "1.5"):
        with pytest.raises(ConfigError, match="HEALTHQA_ANSWER_CACHE"):
            Settings.from_env({"HEALTHQA_ANSWER_CACHE": value})
