"""The writes of one ingest into PostgreSQL (see :class:`healthqa.store.postgres.PostgresStore.ingest`).

Everything runs on one connection inside one transaction that holds the writer's advisory lock, so readers
on other connections and hosts keep seeing the previous generation until the commit, and see it whole.
"""

from __future__ import annotations

from psycopg import Connection
from psycopg.rows import TupleRow

from healthqa.records import ParsedDocument, match_key
from healthqa.store._pg_text import tokenize, tsvector_literal, weighted_terms
from healthqa.store.base import IngestStats

# The FTS5 column weights of passage search (title, heading, text): the store contract's scores use them.
PASSAGE_WEIGHTS = (2.0, 2.0, 1.0)
_BATCH_DOCUMENTS = 200
_BATCH_PASSAGES = 4000
_Rows = dict[str, list[tuple[object, ...]]]
_Pending = list[tuple[int, ParsedDocument]]
# Tables written in bulk at each flush, parents before children: {table: its columns, as copied}.
_CHILD_COLUMNS = {
    "document_name": "document_id, name, kind",
    "document_code": "document_id, system, code",
    "organisation": "document_id, name, address, phone, email, url",
    "drug_mention": "document_id, brand, generic",
    "reference": "document_id, text",
    "fact": "document_id, kind, value, detail",
    "phenotype": "document_id, hpo_id, term, frequency_label, frequency",
    "passage": "id, document_id, public_id, ordinal, section, heading, text, text_key, updated, precedence, "
               "token_count, lexemes",
    "passage_term": "term, passage_id, frequency, token_count",
    "question": "id, document_id, public_id, text, qtype, answer_id, token_count",
    "question_term": "term, question_id, frequency, token_count",
}


class PostgresIngest:
    def __init__(self, db: Connection[TupleRow]) -> None:
        self._db = db
        self._source_ids: dict[str, int] = {}
        self._pending: _Pending = []
        self._pending_passages = 0
        self.stats = IngestStats()

    def file_unchanged(self, path: str, digest: str) -> bool:
        row = self._db.execute("SELECT digest FROM ingested_file WHERE path = %s", (path,)).fetchone()
        return row is not None and row[0] == digest

    def record_file(self, path: str, digest: str) -> None:
        self._db.execute(
            "INSERT INTO ingested_file(path, digest) VALUES (%s, %s) "
            "ON CONFLICT(path) DO UPDATE SET digest = excluded.digest",
            (path, digest),
        )

    def forget_file(self, path: str) -> None:
        self._db.execute("DELETE FROM ingested_file WHERE path = %s", (path,))

    def documents_at(self, origin: str) -> list[str]:
        return [str(row[0]) for row in self._db.execute("SELECT key FROM document WHERE origin = %s", (origin,))]

    def documents_from(self, origin_prefix: str) -> list[tuple[str, str]]:
        escaped = origin_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._db.execute(
            "SELECT key, origin FROM document WHERE origin LIKE %s ESCAPE '\\' ORDER BY id", (escaped + "%",)
        ).fetchall()
        return [(str(key), str(origin)) for key, origin in rows]

    def _source_id(self, document: ParsedDocument) -> int:
        info = document.source
        if info.name not in self._source_ids:
            row = self._db.execute(
                """INSERT INTO source(name, publisher, url, licence, tier) VALUES (%s, %s, %s, %s, %s)
                   ON CONFLICT(name) DO UPDATE SET publisher = excluded.publisher, url = excluded.url,
                   licence = excluded.licence, tier = excluded.tier RETURNING id""",
                (info.name, info.publisher, info.url, info.licence, info.tier.value),
            ).fetchone()
            assert row is not None  # INSERT ... RETURNING always returns the row
            self._source_ids[info.name] = int(row[0])
        return self._source_ids[info.name]

    def remove_document(self, key: str) -> None:
        row = self._db.execute("SELECT id FROM document WHERE key = %s", (key,)).fetchone()
        if row is None:
            return
        self._delete(int(row[0]))
        self.stats.documents_removed += 1

    def _delete(self, doc_id: int) -> None:
        self._flush()  # a pending document's rows must exist before its document can go
        self._db.execute(
            "UPDATE passage SET superseded_by = NULL WHERE superseded_by IN "
            "(SELECT id FROM passage WHERE document_id = %s)",
            (doc_id,),
        )
        # Passages, questions, their terms and vectors go with the document (ON DELETE CASCADE).
        self._db.execute("DELETE FROM document WHERE id = %s", (doc_id,))

    def _ids(self, table: str, count: int) -> list[int]:
        """``count`` fresh row ids of ``table``, so that its rows and their terms can be copied in bulk."""
        if not count:
            return []
        rows = self._db.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", (table, count)
        ).fetchall()
        return [int(row[0]) for row in rows]

    def put_document(self, document: ParsedDocument) -> None:
        db = self._db
        digest = document.content_hash()
        existing = db.execute("SELECT id, content_hash FROM document WHERE key = %s", (document.key,)).fetchone()
        if existing is not None and existing[1] == digest:
            self.stats.documents_unchanged += 1
            return
        if existing is not None:
            self._delete(int(existing[0]))
            self.stats.documents_replaced += 1
        else:
            self.stats.documents_added += 1
        row = db.execute(
            """INSERT INTO document(source_id, key, title, url, updated, reviewer, origin, content_hash)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
            (
                self._source_id(document), document.key, document.title, document.url, document.updated,
                document.reviewer, document.origin, digest,
            ),
        ).fetchone()
        assert row is not None  # INSERT ... RETURNING always returns the row
        # The document's other rows are copied in bulk with those of the next few documents: one round trip
        # per table for hundreds of documents, instead of a dozen per document.
        self._pending.append((int(row[0]), document))
        self._pending_passages += len(document.passages)
        if len(self._pending) >= _BATCH_DOCUMENTS or self._pending_passages >= _BATCH_PASSAGES:
            self._flush()

    def _flush(self) -> None:
        """Copy the pending documents' names, codes, passages, questions and the rest."""
        if not self._pending:
            return
        pending, self._pending, self._pending_passages = self._pending, [], 0
        rows: _Rows = {table: [] for table in _CHILD_COLUMNS}
        for doc_id, document in pending:
            names = [(document.title, "title")]
            names += [(name, "focus") for name in document.focus]
            names += [(name, "synonym") for name in document.synonyms]
            rows["document_name"] += [(doc_id, name, kind) for name, kind in dict.fromkeys(names) if name]
            rows["document_code"] += [(doc_id, system, code) for system, code in dict.fromkeys(document.codes)]
            rows["organisation"] += [(doc_id, o.name, o.address, o.phone, o.email, o.url)
                                     for o in document.organisations]
            rows["drug_mention"] += [(doc_id, d.brand, d.generic) for d in document.drugs]
            rows["reference"] += [(doc_id, text) for text in document.references]
            rows["fact"] += [(doc_id, f.kind, f.value, f.detail) for f in dict.fromkeys(document.facts)]
            rows["phenotype"] += [(doc_id, p.hpo_id, p.term, p.frequency_label, p.frequency)
                                  for p in document.phenotypes]
        self._passage_rows(pending, rows)
        self._question_rows(pending, rows)
        with self._db.cursor() as cursor:
            for table, columns in _CHILD_COLUMNS.items():
                if rows[table]:
                    with cursor.copy(f"COPY {table}({columns}) FROM STDIN".encode()) as copy:
                        for values in rows[table]:
                            copy.write_row(values)

    def _passage_rows(self, pending: _Pending, rows: _Rows) -> None:
        items = [(doc_id, document, ordinal, p) for doc_id, document in pending
                 for ordinal, p in enumerate(document.passages)]
        ids = self._ids("passage", len(items))
        tokens = tokenize([(document.title, p.heading, p.text) for _, document, _, p in items])
        for row_id, (doc_id, _, ordinal, p), columns in zip(ids, items, tokens, strict=True):
            frequency, length = weighted_terms(columns, PASSAGE_WEIGHTS)
            rows["passage_term"] += [(term, row_id, value, length) for term, value in frequency.items()]
            rows["passage"].append((
                row_id, doc_id, p.public_id, ordinal, p.section.value, p.heading, p.text,
                match_key(p.text), p.updated, p.precedence, length, tsvector_literal(columns),
            ))

    def _question_rows(self, pending: _Pending, rows: _Rows) -> None:
        items = [(doc_id, q) for doc_id, document in pending for q in document.questions]
        ids = self._ids("question", len(items))
        tokens = tokenize([(q.text,) for _, q in items])
        for row_id, (doc_id, q), columns in zip(ids, items, tokens, strict=True):
            frequency, length = weighted_terms(columns, (1.0,))
            rows["question_term"] += [(term, row_id, value, length) for term, value in frequency.items()]
            rows["question"].append((row_id, doc_id, q.public_id, q.text, q.qtype.value, q.answer_id, length))

    def finish(self) -> None:
        """Write what is pending, hide superseded passages and refresh the full-text totals, before the commit."""
        self._flush()
        self.reconcile()
        self._db.execute(
            """UPDATE text_totals t SET rows = s.rows, tokens = s.tokens
               FROM (SELECT 'passage' AS name, count(*) AS rows, coalesce(sum(token_count), 0) AS tokens FROM passage
                     UNION ALL
                     SELECT 'question', count(*), coalesce(sum(token_count), 0) FROM question) s
               WHERE t.name = s.name"""
        )
        if self.stats.documents_added or self.stats.documents_replaced or self.stats.documents_removed:
            # Fresh planner statistics, so that the first searches after an ingest use the posting indexes.
            self._db.execute("ANALYZE passage, passage_term, question, question_term, document")

    def reconcile(self) -> None:
        """Hide each passage that a higher-precedence passage replaces, as the SQLite backend does.

        By id: the judged text wins for its id. By identical text: only within the same page (URL).
        """
        db = self._db
        db.execute("UPDATE passage SET superseded_by = NULL WHERE superseded_by IS NOT NULL")
        same_id = "w.public_id = l.public_id"
        same_page_text = "w.text_key = l.text_key AND dw.url = dl.url"
        for condition in (same_id, same_page_text):
            db.execute(
                f"""UPDATE passage SET superseded_by = best.winner FROM (
                        SELECT DISTINCT ON (l.id) l.id AS loser, w.id AS winner
                        FROM passage l JOIN document dl ON dl.id = l.document_id
                        JOIN passage w ON w.precedence > l.precedence
                        JOIN document dw ON dw.id = w.document_id
                        WHERE l.superseded_by IS NULL AND {condition}
                        ORDER BY l.id, w.precedence DESC, w.id) AS best
                    WHERE passage.id = best.loser"""
            )
