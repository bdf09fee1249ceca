"""A store that fails during a request (a database server restarted, a statement timeout, a full pool) is a
503 to retry with the one error shape, never a 500; a record gone meanwhile is a 404 (review, session 10)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from healthqa.app import create_app
from healthqa.config import Settings
from healthqa.errors import NotFoundError, StoreError


def test_a_failing_store_is_503_with_retry_after_and_a_vanished_record_404(kb_path: Path) -> None:
    app = create_app(str(kb_path), Settings(rate_limit=0))

    @app.get("/test-store-fails")
    def fails() -> None:
        raise StoreError("could not get a connection after 1.00 s")

    @app.get("/test-record-gone")
    def gone() -> None:
        raise NotFoundError("no document 7")

    client = TestClient(app, raise_server_exceptions=False)
    failed = client.get("/test-store-fails")
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "10"
    assert failed.json()["error"]["code"] == "unavailable" and "connection" not in failed.text
    missing = client.get("/test-record-gone")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
