"""The app over a small knowledge base (LEMS among its conditions) and a community file, both written by the
tests; one app per test module (the answering model is slow to load). People are made through the library
(cheap argon2id parameters via HEALTHQA_PASSWORD_MEMORY_KIB's setting) and act through HTTP.

The community lives in a SQLite file; a module that sets ``pytestmark = BOTH_BACKENDS`` runs once more with it
on PostgreSQL (one database for the session, emptied for each module; skipped, with the reason, when the
server cannot be reached). Doing so for every module would double their time: test_api and test_flow (the
whole path over the JSON API and the pages) stand for the rest; tests/community runs all on both."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthqa.app import create_app
from healthqa.app.community.session import SESSION_COOKIE, VISITOR_COOKIE, csrf_token
from healthqa.community import Account, Community
from healthqa.config import Settings
from kb_builders import build_kb
from postgres_server import empty_schema, temporary_database

PASSWORD = "correct horse battery"
BOTH_BACKENDS = pytest.mark.parametrize("community_backend", ["sqlite", "postgresql"], scope="module")
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def community_backend() -> str:
    return "sqlite"


@pytest.fixture(scope="session")
def community_app_server_db() -> Iterator[str]:
    with temporary_database() as url:
        yield url


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest,
        community_backend: str) -> Iterator[FastAPI]:
    folder = tmp_path_factory.mktemp("community-app")
    kb = build_kb(folder / "kb.db")
    if community_backend == "postgresql":
        target: str = request.getfixturevalue("community_app_server_db")
        empty_schema(target)
    else:
        target = str(folder / "people.db")
    settings = Settings(rate_limit=0, community_db=target, password_memory_kib=64)
    application = create_app(str(kb), settings)
    with TestClient(application):  # runs the lifespan: the knowledge base and the Answerer
        yield application
    people(application).close()


def people(app: FastAPI) -> Community:
    found: Community = app.state.community
    return found


@dataclass
class Person:
    """Someone using the site: an HTTP client with their own cookies, and their account (None: anonymous)."""

    client: TestClient
    account: Account | None
    cookie: str
    csrf: str
    headers: dict[str, str] = field(default_factory=dict)

    def form(self, path: str, **fields: str) -> httpx.Response:
        return self.client.post(path, data={"csrf": self.csrf, **fields}, follow_redirects=False)

    def api(self, path: str, body: object | None = None) -> httpx.Response:
        return self.client.post(path, json=body or {}, headers={"X-CSRF-Token": self.csrf})


def person(app: FastAPI, account: Account | None = None, https: bool = False) -> Person:
    client = TestClient(app, base_url="https://testserver" if https else "http://testserver",
                        raise_server_exceptions=False)
    community = people(app)
    if account is None:
        cookie = f"visitor{next(_numbers)}"
        client.cookies.set(VISITOR_COOKIE, cookie)
    else:
        cookie = community.accounts.new_session(account.id)
        client.cookies.set(SESSION_COOKIE, cookie)
    return Person(client, account, cookie, csrf_token(community, cookie))


def new_account(app: FastAPI, name: str | None = None, *, moderator: bool = False) -> Account:
    community = people(app)
    name = name or f"Person{next(_numbers)}"
    email = f"{name.lower()}@example.org"
    community.accounts.sign_up(email, name, PASSWORD, True, "http://testserver")
    community.accounts.verify(mailed_token(app, email))
    if moderator:
        community.accounts.set_moderator(email, True)
    return community.accounts.by_email(email)


def mailed_token(app: FastAPI, recipient: str) -> str:
    for message in people(app).mailer.outbox(500):
        if message.recipient == recipient:
            found = re.search(r"token=([\w-]+)", message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"no link mailed to {recipient}")
