"""An app over a small knowledge base written by the tests (one per test module: the model is slow).

The documents and the builder are in ``tests/kb_builders.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from healthqa.app import create_app
from healthqa.config import Settings
from kb_builders import build_kb


def open_client(kb: Path, settings: Settings | None = None) -> TestClient:
    """A client over a new app; use it as a context manager so that the app's lifespan runs."""
    return TestClient(create_app(str(kb), settings or Settings(rate_limit=0)), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kb(tmp_path_factory.mktemp("kb") / "kb.db")


@pytest.fixture(scope="module")
def client(kb_path: Path) -> Iterator[TestClient]:
    with open_client(kb_path) as test_client:
        yield test_client


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through playwright, one per test module; skipped with the reason when either is missing."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (install Debian's chromium: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
