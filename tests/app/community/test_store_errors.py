"""A community database that fails mid-request is a 503 worded as the community's, not the knowledge base's
(the two are separate databases: one can be down while the other answers)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthqa.app.errors import install
from healthqa.errors import StoreError


def _failing_app() -> FastAPI:
    app = FastAPI()
    install(app)

    @app.get("/api/community/discussions/1")
    def community_page() -> None:
        raise StoreError("postgresql://hq@db:5432/people: could not read the community database: timeout")

    @app.get("/api/search")
    def search() -> None:
        raise StoreError("postgresql://hq@db:5432/kb: could not read the knowledge base: timeout")

    return app


def test_a_community_database_failure_is_worded_as_the_communitys() -> None:
    client = TestClient(_failing_app(), raise_server_exceptions=False)
    community = client.get("/api/community/discussions/1")
    assert community.status_code == 503 and community.headers["retry-after"]
    message = community.json()["error"]["message"]
    assert "community" in message and "knowledge base" not in message
    assert "postgresql://" not in message  # the store's own message (a URL, a driver's words) stays inside
    search = client.get("/api/search")
    assert search.status_code == 503 and "knowledge base" in search.json()["error"]["message"]
