"""The knowledge base: one interface (:class:`Store`), one backend per URL scheme."""

from __future__ import annotations

from healthqa.errors import ConfigError
from healthqa.store.base import (
    DocumentHead,
    DocumentRecord,
    IngestStats,
    IngestTransaction,
    PassageRecord,
    QuestionRecord,
    SourceSummary,
    Store,
)
from healthqa.store.sqlite import SQLiteStore

__all__ = [
    "DocumentHead",
    "DocumentRecord",
    "IngestStats",
    "IngestTransaction",
    "PassageRecord",
    "QuestionRecord",
    "SQLiteStore",
    "SourceSummary",
    "Store",
    "open_store",
]


def open_store(url: str | None = None) -> Store:
    """Open the knowledge base at ``url`` (a file path), or at ``HEALTHQA_DB`` / the default."""
    from healthqa.config import database_url

    target = url or database_url()
    if target.startswith(("postgresql://", "postgres://")):
        try:
            from healthqa.store.postgres import PostgresStore
        except ImportError as error:  # psycopg is a dependency; a trimmed install may lack it
            raise ConfigError(f"HEALTHQA_DB: the PostgreSQL backend needs psycopg: {error}") from error
        return PostgresStore(target)
    if target.startswith("sqlite:///"):
        target = target[len("sqlite:///"):]
    return SQLiteStore(target)
