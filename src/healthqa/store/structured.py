"""SQLite reads of the structured items a page carries besides its passages: support organisations and the
drug table (brand and generic names).

Kept beside :mod:`healthqa.store.sqlite`, whose ``document`` and ``iter_drug_mentions`` call these: question
understanding reads every drug mention once (brand names become names it knows), and an answer reads the
organisations of the few documents it is about.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from healthqa.records import DrugMention, Organisation


def read_organisations(db: sqlite3.Connection, document_id: int) -> list[Organisation]:
    """The support organisations a document lists, in page order."""
    rows = db.execute(
        "SELECT name, address, phone, email, url FROM organisation WHERE document_id = ? ORDER BY id",
        (document_id,),
    )
    return [Organisation(*row) for row in rows]


def read_drugs(db: sqlite3.Connection, document_id: int) -> list[DrugMention]:
    """The (brand, generic) rows of a document's drug table, in page order."""
    rows = db.execute("SELECT brand, generic FROM drug_mention WHERE document_id = ? ORDER BY id", (document_id,))
    return [DrugMention(*row) for row in rows]


def iter_drug_mentions(db: sqlite3.Connection) -> Iterator[tuple[int, str, str]]:
    """(document id, brand, generic) of every drug-table row of every document."""
    for row in db.execute("SELECT document_id, brand, generic FROM drug_mention ORDER BY document_id, id"):
        yield int(row[0]), str(row[1]), str(row[2])
