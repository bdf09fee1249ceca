"""The knowledge base: one interface (:class:`Store`), one backend per URL scheme."""

from __future__ import annotations

from healthqa.errors import ConfigError, NotFoundError
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
    "document_by_former_number",
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


def document_by_former_number(store: Store, ref: str) -> DocumentRecord | None:
    """The document that row number ``ref`` names in the current generation, or None.

    Only for answering old references (``/topics/12``, ``healthqa show 12``) with the document's key: a row
    number changes when the document is re-ingested, so it is never a reference to keep (store/base.py).
    """
    if not (ref.isascii() and ref.isdigit() and len(ref) <= 18):  # fits a 64-bit row id
        return None
    try:
        return store.document(int(ref))
    except NotFoundError:
        return None
