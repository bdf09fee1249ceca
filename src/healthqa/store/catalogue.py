"""SQLite reads and writes of the rare-disease catalogue tables (facts, phenotypes): see 0003_catalogue.sql.

Kept beside :mod:`healthqa.store.sqlite`, which calls these from ``put_document`` and its read methods.
"""

from __future__ import annotations

import sqlite3

from healthqa.records import Fact, ParsedDocument, Phenotype

# (ORPHA code, label, document id, HPO id, frequency 0..1 or None)
PhenotypeAnnotation = tuple[str, str, int, str, float | None]


def write_catalogue(db: sqlite3.Connection, doc_id: int, document: ParsedDocument) -> None:
    """Write the document's facts and phenotypes (its previous rows went with the document)."""
    if document.facts:
        db.executemany(
            "INSERT INTO fact(document_id, kind, value, detail) VALUES (?, ?, ?, ?)",
            [(doc_id, f.kind, f.value, f.detail) for f in dict.fromkeys(document.facts)],
        )
    if document.phenotypes:
        db.executemany(
            """INSERT INTO phenotype(document_id, hpo_id, term, frequency_label, frequency)
               VALUES (?, ?, ?, ?, ?)""",
            [(doc_id, p.hpo_id, p.term, p.frequency_label, p.frequency) for p in document.phenotypes],
        )


def read_facts(db: sqlite3.Connection, doc_id: int) -> list[Fact]:
    rows = db.execute("SELECT kind, value, detail FROM fact WHERE document_id = ? ORDER BY id", (doc_id,))
    return [Fact(*row) for row in rows]


def read_phenotypes(db: sqlite3.Connection, doc_id: int) -> list[Phenotype]:
    rows = db.execute(
        "SELECT hpo_id, term, frequency_label, frequency FROM phenotype WHERE document_id = ? ORDER BY id",
        (doc_id,),
    )
    return [Phenotype(*row) for row in rows]


def read_phenotype_annotations(db: sqlite3.Connection) -> list[PhenotypeAnnotation]:
    """Every phenotype row of a document with an ORPHA code, grouped by document."""
    rows = db.execute(
        """SELECT c.code, d.title, d.id, p.hpo_id, p.frequency
           FROM phenotype p JOIN document d ON d.id = p.document_id
           JOIN document_code c ON c.document_id = d.id AND c.system = 'ORPHA'
           ORDER BY d.id, p.id"""
    ).fetchall()
    return [(str(r[0]), str(r[1]), int(r[2]), str(r[3]), None if r[4] is None else float(r[4])) for r in rows]


def find_document_by_code(db: sqlite3.Connection, system: str, code: str) -> int | None:
    """The id of the first (oldest) document carrying the code."""
    row = db.execute(
        "SELECT document_id FROM document_code WHERE system = ? AND code = ? ORDER BY document_id LIMIT 1",
        (system, code),
    ).fetchone()
    return None if row is None else int(row[0])
