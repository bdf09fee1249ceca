from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kb_builders import KnowledgeBases, write_gout_and_holmes_adie
from postgres_server import Databases


@pytest.fixture()
def medquad_folder(tmp_path: Path) -> Path:
    """A two-collection MedQuAD-like folder written by the test (and a file that is not MedQuAD's)."""
    root = write_gout_and_holmes_adie(tmp_path / "medquad")
    (root / "readme.txt").write_text("not a data file", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[Databases]:
    """The test PostgreSQL server's databases made by this session (tests skip, saying why, without a server)."""
    databases = Databases()
    yield databases
    databases.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def kb_backend(request: pytest.FixtureRequest) -> Iterator[KnowledgeBases]:
    """Every test that takes it runs twice, its knowledge bases in SQLite files, then in PostgreSQL databases
    (tests/postgres_server.py: an empty database for each knowledge base, given back at the end of the module).

    Module-scoped, so that a module's fixtures that build one knowledge base for all its tests can take it too."""
    databases = request.getfixturevalue("postgres_databases") if request.param == "postgresql" else None
    knowledge_bases = KnowledgeBases(request.param, databases)
    yield knowledge_bases
    knowledge_bases.close()
