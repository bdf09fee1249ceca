"""The writes of one ingest into SQLite (see :meth:`healthqa.store.sqlite.SQLiteStore.ingest`).

Everything runs on the writer's connection inside one ``BEGIN IMMEDIATE`` transaction, so readers on other
connections keep seeing the previous generation until the commit, and see it whole.
"""

from __future__ import annotations

import sqlite3

from healthqa.records import ParsedDocument, match_key
from healthqa.store import catalogue
from healthqa.store.base import IngestStats


class SQLiteIngest:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._source_ids: dict[str, int] = {}
        # Documents written but not yet in the full-text indexes: one bulk insert at the end is
        # several times faster than thousands of small ones.
        self._unindexed: set[int] = set()
        self.stats = IngestStats()

    def file_unchanged(self, path: str, digest: str) -> bool:
        row = self._db.execute("SELECT digest FROM ingested_file WHERE path = ?", (path,)).fetchone()
        return row is not None and row[0] == digest

    def record_file(self, path: str, digest: str) -> None:
        self._db.execute(
            "INSERT INTO ingested_file(path, digest) VALUES (?, ?) "
            "ON CONFLICT(path) DO UPDATE SET digest = excluded.digest",
            (path, digest),
        )

    def forget_file(self, path: str) -> None:
        self._db.execute("DELETE FROM ingested_file WHERE path = ?", (path,))

    def documents_at(self, origin: str) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT key FROM document WHERE origin = ?", (origin,))]

    def documents_from(self, origin_prefix: str) -> list[tuple[str, str]]:
        escaped = origin_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self._db.execute(
            "SELECT key, origin FROM document WHERE origin LIKE ? ESCAPE '\\'", (escaped + "%",)
        ).fetchall()

    def _source_id(self, document: ParsedDocument) -> int:
        info = document.source
        if info.name not in self._source_ids:
            self._db.execute(
                """INSERT INTO source(name, publisher, url, licence, tier) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(name) DO UPDATE SET publisher = excluded.publisher, url = excluded.url,
                   licence = excluded.licence, tier = excluded.tier""",
                (info.name, info.publisher, info.url, info.licence, info.tier.value),
            )
            row = self._db.execute("SELECT id FROM source WHERE name = ?", (info.name,)).fetchone()
            self._source_ids[info.name] = row[0]
        return self._source_ids[info.name]

    def remove_document(self, key: str) -> None:
        row = self._db.execute("SELECT id FROM document WHERE key = ?", (key,)).fetchone()
        if row is None:
            return
        self._delete(row[0])
        self.stats.documents_removed += 1

    def _delete(self, doc_id: int) -> None:
        db = self._db
        self._unindexed.discard(doc_id)
        by_doc = (doc_id,)
        for table in ("passage", "question"):
            db.execute(
                f"DELETE FROM {table}_fts WHERE rowid IN (SELECT id FROM {table} WHERE document_id=?)", by_doc
            )
        db.execute(
            "UPDATE passage SET superseded_by = NULL WHERE superseded_by IN "
            "(SELECT id FROM passage WHERE document_id = ?)",
            by_doc,
        )
        db.execute("DELETE FROM document WHERE id = ?", (doc_id,))

    def put_document(self, document: ParsedDocument) -> None:
        db = self._db
        digest = document.content_hash()
        existing = db.execute(
            "SELECT id, content_hash FROM document WHERE key = ?", (document.key,)
        ).fetchone()
        if existing is not None and existing[1] == digest:
            self.stats.documents_unchanged += 1
            return
        if existing is not None:
            self._delete(existing[0])
            self.stats.documents_replaced += 1
        else:
            self.stats.documents_added += 1
        cursor = db.execute(
            """INSERT INTO document(source_id, key, title, url, updated, reviewer, origin, content_hash)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                self._source_id(document), document.key, document.title, document.url, document.updated,
                document.reviewer, document.origin, digest,
            ),
        )
        doc_id = cursor.lastrowid
        assert doc_id is not None  # an INSERT always sets it
        names = [(document.title, "title")]
        names += [(name, "focus") for name in document.focus]
        names += [(name, "synonym") for name in document.synonyms]
        db.executemany(
            "INSERT INTO document_name(document_id, name, kind) VALUES (?, ?, ?)",
            [(doc_id, name, kind) for name, kind in dict.fromkeys(names) if name],
        )
        db.executemany(
            "INSERT INTO document_code(document_id, system, code) VALUES (?, ?, ?)",
            [(doc_id, system, code) for system, code in dict.fromkeys(document.codes)],
        )
        db.executemany(
            """INSERT INTO passage(document_id, public_id, ordinal, section, heading, text, text_key,
               updated, precedence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    doc_id, p.public_id, ordinal, p.section.value, p.heading, p.text, match_key(p.text),
                    p.updated, p.precedence,
                )
                for ordinal, p in enumerate(document.passages)
            ],
        )
        db.executemany(
            "INSERT INTO question(document_id, public_id, text, qtype, answer_id) VALUES (?, ?, ?, ?, ?)",
            [(doc_id, q.public_id, q.text, q.qtype.value, q.answer_id) for q in document.questions],
        )
        self._unindexed.add(doc_id)
        db.executemany(
            """INSERT INTO organisation(document_id, name, address, phone, email, url)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [(doc_id, o.name, o.address, o.phone, o.email, o.url) for o in document.organisations],
        )
        db.executemany(
            "INSERT INTO drug_mention(document_id, brand, generic) VALUES (?, ?, ?)",
            [(doc_id, d.brand, d.generic) for d in document.drugs],
        )
        db.executemany(
            "INSERT INTO reference(document_id, text) VALUES (?, ?)",
            [(doc_id, text) for text in document.references],
        )
        catalogue.write_catalogue(db, doc_id, document)

    def index_new_documents(self) -> None:
        if not self._unindexed:
            return
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS new_document(id INTEGER PRIMARY KEY)")
        db.execute("DELETE FROM new_document")
        db.executemany("INSERT INTO new_document(id) VALUES (?)", [(i,) for i in self._unindexed])
        db.execute(
            """INSERT INTO passage_fts(rowid, title, heading, text)
               SELECT p.id, d.title, p.heading, p.text FROM passage p JOIN document d ON d.id = p.document_id
               WHERE p.document_id IN (SELECT id FROM new_document)"""
        )
        db.execute(
            """INSERT INTO question_fts(rowid, text) SELECT id, text FROM question
               WHERE document_id IN (SELECT id FROM new_document)"""
        )
        db.execute("DELETE FROM new_document")
        self._unindexed.clear()

    def reconcile(self) -> None:
        """Hide each passage that a higher-precedence passage replaces.

        By id: the judged text wins for its id. By identical text: only within the same page (URL),
        since boilerplate answers repeat across topics and hiding those would cite the wrong topic.
        """
        db = self._db
        db.execute("UPDATE passage SET superseded_by = NULL WHERE superseded_by IS NOT NULL")
        same_id = "w.public_id = passage.public_id"
        same_page_text = (
            "w.text_key = passage.text_key AND (SELECT url FROM document WHERE id = w.document_id) = "
            "(SELECT url FROM document WHERE id = passage.document_id)"
        )
        for condition in (same_id, same_page_text):
            db.execute(
                f"""UPDATE passage SET superseded_by = (
                        SELECT w.id FROM passage w
                        WHERE {condition} AND w.precedence > passage.precedence
                        ORDER BY w.precedence DESC, w.id LIMIT 1)
                    WHERE superseded_by IS NULL AND EXISTS (
                        SELECT 1 FROM passage w WHERE {condition} AND w.precedence > passage.precedence)"""
            )
