"""An app over a small knowledge base written by the tests (one per test module: the model is slow).

The documents and the builder are in ``tests/kb_builders.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
