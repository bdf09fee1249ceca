"""SQLite reads that the disease record library (:mod:`healthqa.conditions`) links documents with.

Kept beside :mod:`healthqa.store.sqlite`, whose ``iter_codes`` and ``iter_document_heads`` call these: the
linker reads every document's codes and headline once and groups them in memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from healthqa.store.base import DocumentHead


def iter_codes(db: sqlite3.Connection) -> Iterator[tuple[int, str, str]]:
    """(document id, system, code) of every code, e.g. (7, "ORPHA", "43393")."""
    for row in db.execute("SELECT document_id, system, code FROM document_code ORDER BY document_id, rowid"):
        yield int(row[0]), str(row[1]), str(row[2])


def iter_document_heads(db: sqlite3.Connection) -> Iterator[DocumentHead]:
    """Every document's id, key, title and source, without its passages."""
    rows = db.execute(
        """SELECT d.id, d.key, d.title, s.name, s.tier FROM document d JOIN source s ON s.id = d.source_id
           ORDER BY d.id"""
    )
    for row in rows:
        yield DocumentHead(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]))
