"""The embedded SQLite backend: WAL mode, FTS5 indexes, versioned migrations."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from healthqa.errors import NotFoundError, StoreError
from healthqa.records import Fact
from healthqa.store import catalogue, linking, structured
from healthqa.store._sqlite_ingest import SQLiteIngest
from healthqa.store.base import (
    DocumentHead,
    DocumentRecord,
    PassageRecord,
    QuestionRecord,
    SourceSummary,
)

_PASSAGE_COLUMNS = """
    p.id, p.public_id, p.text, p.section, p.heading, COALESCE(p.updated, d.updated), d.id, d.key,
    d.title, d.url, s.name, s.tier, s.licence
"""
_PASSAGE_FROM = """
    passage p JOIN document d ON d.id = p.document_id JOIN source s ON s.id = d.source_id
"""
_WORD = re.compile(r"\w+", re.UNICODE)


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("healthqa.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def fts_query(text: str) -> str:
    """An FTS5 query matching any word of ``text``; user text never reaches FTS5 syntax."""
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 1 or w.isdigit()]
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words))


class SQLiteStore:
    """A knowledge base in one SQLite file."""

    schema_version = max(number for number, _ in _migrations())

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        # One connection per thread: a server answers from several threads at once.
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: cannot open the knowledge base: {error}") from error

    @property
    def _db(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=30000")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    # -- schema -----------------------------------------------------------------------------

    def _migrate(self) -> None:
        current = self._db.execute("PRAGMA user_version").fetchone()[0]
        if current > self.schema_version:
            raise StoreError(
                f"{self.path}: schema version {current} is newer than this healthqa ({self.schema_version})"
            )
        for number, script in _migrations():
            if number <= current:
                continue
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Another process opening the same file (a server's workers at once) may have applied it while
                # this one waited for the lock: applied twice, an ALTER TABLE would fail.
                if self._db.execute("PRAGMA user_version").fetchone()[0] >= number:
                    self._db.execute("COMMIT")
                    continue
                for statement in _split_sql(script):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version={number}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # -- writing ----------------------------------------------------------------------------

    @contextmanager
    def ingest(self) -> Iterator[SQLiteIngest]:
        """One write transaction; readers keep seeing the previous state until it commits."""
        try:
            # A 64 MiB page cache for the writer only: big ingests spill less, readers stay small.
            self._db.execute("PRAGMA cache_size=-65536")
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StoreError(f"{self.path}: cannot start an ingest: {error}") from error
        transaction = SQLiteIngest(self._db)
        try:
            yield transaction
            transaction.index_new_documents()
            transaction.reconcile()
            stats = transaction.stats
            if stats.documents_added or stats.documents_replaced or stats.documents_removed:
                self._db.execute("UPDATE generation SET value = value + 1 WHERE id = 1")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    @contextmanager
    def _write(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One snapshot for a read of several statements: an ingest committing meanwhile stays invisible.

        In WAL mode a deferred transaction's first SELECT fixes what every later statement sees. Inside a
        transaction already open on this thread (an ingest's own reads, a nested read) it simply joins it.
        """
        db = self._db
        if db.in_transaction:
            yield db
            return
        db.execute("BEGIN")
        try:
            yield db
        finally:
            if db.in_transaction:  # an error may have ended it already
                db.execute("COMMIT")  # read-only: committing only ends the snapshot

    # -- reading ----------------------------------------------------------------------------

    def sources(self) -> list[SourceSummary]:
        rows = self._db.execute(
            """
            SELECT s.name, s.publisher, s.url, s.licence, s.tier,
                   (SELECT COUNT(*) FROM document d WHERE d.source_id = s.id),
                   (SELECT COUNT(*) FROM passage p JOIN document d ON d.id = p.document_id
                     WHERE d.source_id = s.id AND p.superseded_by IS NULL),
                   (SELECT COUNT(DISTINCT q.public_id) FROM question q JOIN document d ON d.id = q.document_id
                     WHERE d.source_id = s.id),
                   (SELECT MAX(d.updated) FROM document d WHERE d.source_id = s.id)
            FROM source s ORDER BY s.name
            """
        ).fetchall()
        return [SourceSummary(*row) for row in rows]

    def passage(self, public_id: str) -> PassageRecord:
        with self._read():
            return self._passage(public_id)

    def _passage(self, public_id: str) -> PassageRecord:
        row = self._db.execute(
            f"""SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_FROM}
                WHERE p.public_id = ? ORDER BY p.superseded_by IS NOT NULL, p.precedence DESC LIMIT 1""",
            (public_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no passage with id {public_id!r}")
        record = PassageRecord(*row)
        winner = self._db.execute(
            "SELECT superseded_by FROM passage WHERE id = ?", (record.rowid,)
        ).fetchone()[0]
        if winner is not None:
            return self.passages_by_ids([winner])[0]
        return record

    def passages_by_ids(self, rowids: Sequence[int]) -> list[PassageRecord]:
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        rows = self._db.execute(
            f"SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_FROM} WHERE p.id IN ({marks})", list(rowids)
        ).fetchall()
        by_id = {row[0]: PassageRecord(*row) for row in rows}
        return [by_id[rowid] for rowid in rowids if rowid in by_id]

    def passages_by_public_ids(self, public_ids: Sequence[str]) -> dict[str, PassageRecord]:
        """The visible passage answering each id (a superseded passage resolves to its winner)."""
        with self._read():
            return self._passages_by_public_ids(public_ids)

    def _passages_by_public_ids(self, public_ids: Sequence[str]) -> dict[str, PassageRecord]:
        found: dict[str, PassageRecord] = {}
        unique = list(dict.fromkeys(public_ids))
        for chunk in range(0, len(unique), 500):
            part = unique[chunk:chunk + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"""SELECT p.public_id, COALESCE(p.superseded_by, p.id) FROM passage p
                    WHERE p.public_id IN ({marks}) ORDER BY p.superseded_by IS NOT NULL DESC""",
                part,
            ).fetchall()
            winners = dict(rows)  # visible rows come last and win
            records = {r.rowid: r for r in self.passages_by_ids(list(set(winners.values())))}
            found.update({pid: records[rowid] for pid, rowid in winners.items() if rowid in records})
        return found

    def passages_of_documents(self, document_ids: Sequence[int], limit: int = 400) -> list[PassageRecord]:
        if not document_ids:
            return []
        marks = ",".join("?" * len(document_ids))
        rows = self._db.execute(
            f"""SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_FROM}
                WHERE p.document_id IN ({marks}) AND p.superseded_by IS NULL ORDER BY p.id LIMIT ?""",
            [*document_ids, limit],
        ).fetchall()
        return [PassageRecord(*row) for row in rows]

    def questions_answered_by(self, public_ids: Sequence[str]) -> list[QuestionRecord]:
        if not public_ids:
            return []
        marks = ",".join("?" * len(public_ids))
        rows = self._db.execute(
            f"""SELECT id, public_id, text, qtype, answer_id, document_id FROM question
                WHERE answer_id IN ({marks}) ORDER BY id""",
            list(public_ids),
        ).fetchall()
        return [QuestionRecord(*row) for row in rows]

    def vector_texts_missing(self, model: str) -> list[tuple[int, str]]:
        """(passage id, text to embed) for visible passages without a vector from ``model``."""
        rows = self._db.execute(
            """SELECT p.id, COALESCE(
                   (SELECT q.text FROM question q WHERE q.answer_id = p.public_id ORDER BY q.id LIMIT 1),
                   NULLIF(p.heading, ''), d.title || ': ' || substr(p.text, 1, 300))
               FROM passage p JOIN document d ON d.id = p.document_id
               WHERE p.superseded_by IS NULL AND NOT EXISTS (
                   SELECT 1 FROM passage_vector v WHERE v.passage_id = p.id AND v.model = ?)""",
            (model,),
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def put_vectors(self, model: str, rows: Sequence[tuple[int, bytes]]) -> None:
        with self._write():
            self._db.executemany(
                "INSERT OR REPLACE INTO passage_vector(passage_id, model, vector) VALUES (?, ?, ?)",
                [(rowid, model, blob) for rowid, blob in rows],
            )

    def load_vectors(self, model: str) -> tuple[list[int], list[bytes]]:
        rows = self._db.execute(
            """SELECT v.passage_id, v.vector FROM passage_vector v JOIN passage p ON p.id = v.passage_id
               WHERE v.model = ? AND p.superseded_by IS NULL ORDER BY v.passage_id""",
            (model,),
        ).fetchall()
        return [row[0] for row in rows], [row[1] for row in rows]

    def iter_passages(self) -> Iterator[PassageRecord]:
        cursor = self._db.execute(
            f"SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_FROM} WHERE p.superseded_by IS NULL ORDER BY p.id"
        )
        for row in cursor:
            yield PassageRecord(*row)

    def iter_indexed_texts(self) -> Iterator[tuple[str, str, str]]:
        rows = self._db.execute(
            "SELECT d.title, p.heading, p.text FROM passage p JOIN document d ON d.id = p.document_id ORDER BY p.id"
        )
        return ((str(row[0]), str(row[1]), str(row[2])) for row in rows)

    def iter_questions(self) -> Iterator[QuestionRecord]:
        cursor = self._db.execute(
            "SELECT id, public_id, text, qtype, answer_id, document_id FROM question ORDER BY id"
        )
        for row in cursor:
            yield QuestionRecord(*row)

    def iter_names(self) -> Iterator[tuple[int, str, str]]:
        yield from self._db.execute("SELECT document_id, name, kind FROM document_name")

    def iter_drug_mentions(self) -> Iterator[tuple[int, str, str]]:
        return structured.iter_drug_mentions(self._db)

    # -- linking documents about one condition (store/linking.py) ----------------------------------

    def iter_codes(self) -> Iterator[tuple[int, str, str]]:
        return linking.iter_codes(self._db)

    def iter_document_heads(self) -> Iterator[DocumentHead]:
        return linking.iter_document_heads(self._db)

    def iter_document_pages(self) -> Iterator[tuple[int, str, str, str]]:
        rows = self._db.execute(
            "SELECT d.id, s.name, d.title, d.url FROM document d JOIN source s ON s.id = d.source_id ORDER BY d.id"
        )
        return ((int(row[0]), str(row[1]), str(row[2]), str(row[3])) for row in rows)

    def document(self, ref: str | int) -> DocumentRecord:
        with self._read():
            return self._document(ref)

    def _document(self, ref: str | int) -> DocumentRecord:
        # A string is always a key (the public reference, even when it is all digits); an int is a row id.
        column = "d.id" if isinstance(ref, int) else "d.key"
        value: str | int = ref
        row = self._db.execute(
            f"""SELECT d.id, d.key, d.title, d.url, d.updated, d.reviewer, s.name, s.tier, s.licence, d.origin
                FROM document d JOIN source s ON s.id = d.source_id WHERE {column} = ?""",
            (value,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no document with id {ref!r}")
        doc_id = row[0]
        db = self._db
        passages = db.execute(
            f"""SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_FROM}
                WHERE p.document_id = ? AND p.superseded_by IS NULL ORDER BY p.ordinal""",
            (doc_id,),
        ).fetchall()
        by_doc = (doc_id,)
        return DocumentRecord(
            id=row[0], key=row[1], title=row[2], url=row[3], updated=row[4], reviewer=row[5],
            source=row[6], tier=row[7], licence=row[8], origin=row[9],
            names=db.execute("SELECT name, kind FROM document_name WHERE document_id = ?", by_doc).fetchall(),
            codes=db.execute("SELECT system, code FROM document_code WHERE document_id=?", by_doc).fetchall(),
            passages=[PassageRecord(*p) for p in passages],
            questions=[
                QuestionRecord(*q)
                for q in db.execute(
                    """SELECT id, public_id, text, qtype, answer_id, document_id FROM question
                       WHERE document_id = ? ORDER BY id""",
                    (doc_id,),
                )
            ],
            organisations=structured.read_organisations(db, doc_id),
            drugs=structured.read_drugs(db, doc_id),
            references=[
                r[0]
                for r in db.execute("SELECT text FROM reference WHERE document_id = ? ORDER BY id", (doc_id,))
            ],
            facts=catalogue.read_facts(db, doc_id),
            phenotypes=catalogue.read_phenotypes(db, doc_id),
        )

    # -- rare-disease catalogue (store/catalogue.py) ---------------------------------------------

    def facts(self, document_id: int) -> list[Fact]:
        return catalogue.read_facts(self._db, document_id)

    def iter_fact_kinds(self) -> Iterator[tuple[int, str]]:
        rows = self._db.execute("SELECT DISTINCT document_id, kind FROM fact ORDER BY document_id, kind")
        return ((int(row[0]), str(row[1])) for row in rows)

    def phenotype_annotations(self) -> list[catalogue.PhenotypeAnnotation]:
        return catalogue.read_phenotype_annotations(self._db)

    def document_by_code(self, system: str, code: str) -> DocumentRecord:
        with self._read() as db:
            doc_id = catalogue.find_document_by_code(db, system, code)
            if doc_id is None:
                raise NotFoundError(f"no document with code {system}:{code}")
            return self._document(doc_id)

    def search_passages(self, query: str, limit: int = 20) -> list[tuple[PassageRecord, float]]:
        match = fts_query(query)
        if not match:
            return []
        with self._read():
            return self._search_passages(match, limit)

    def _search_passages(self, match: str, limit: int) -> list[tuple[PassageRecord, float]]:
        # Rank inside FTS5 first and join only the top rows: joining every match before ORDER BY
        # costs three times as much. Superseded passages stay in the index, so ask for some headroom
        # and widen the window in the rare case that filtering them leaves too few.
        window = limit + 20
        while True:
            rows = self._db.execute(
                f"""SELECT {_PASSAGE_COLUMNS}, top.score
                    FROM (SELECT rowid, -bm25(passage_fts, 2.0, 2.0, 1.0) AS score FROM passage_fts
                          WHERE passage_fts MATCH ? ORDER BY bm25(passage_fts, 2.0, 2.0, 1.0) LIMIT ?) AS top
                    JOIN passage p ON p.id = top.rowid JOIN document d ON d.id = p.document_id
                    JOIN source s ON s.id = d.source_id
                    WHERE p.superseded_by IS NULL ORDER BY top.score DESC, p.id""",
                (match, window),
            ).fetchall()
            if len(rows) >= limit or window >= 100_000:
                break
            found = self._db.execute(
                "SELECT count(*) FROM (SELECT rowid FROM passage_fts WHERE passage_fts MATCH ? LIMIT ?)",
                (match, window),
            ).fetchone()[0]
            if found < window:
                break
            window *= 4
        return [(PassageRecord(*row[:-1]), float(row[-1])) for row in rows[:limit]]

    def search_questions(self, query: str, limit: int = 20) -> list[tuple[QuestionRecord, float]]:
        match = fts_query(query)
        if not match:
            return []
        rows = self._db.execute(
            """SELECT q.id, q.public_id, q.text, q.qtype, q.answer_id, q.document_id, -bm25(question_fts)
               FROM question_fts f JOIN question q ON q.id = f.rowid
               WHERE question_fts MATCH ? ORDER BY bm25(question_fts) LIMIT ?""",
            (match, limit),
        ).fetchall()
        return [(QuestionRecord(*row[:-1]), float(row[-1])) for row in rows]

    def phrase_frequency(self, phrase: str, cap: int = 5000) -> int:
        """How many passages contain ``phrase`` (words in order), counted up to ``cap``."""
        words = [w for w in _WORD.findall(phrase.lower()) if w]
        if not words:
            return 0
        query = '"' + " ".join(words) + '"'
        row = self._db.execute(
            "SELECT COUNT(*) FROM (SELECT rowid FROM passage_fts WHERE passage_fts MATCH ? LIMIT ?)", (query, cap)
        ).fetchone()
        return int(row[0])

    def generation(self) -> int:
        row = self._db.execute("SELECT value FROM generation WHERE id = 1").fetchone()
        return 0 if row is None else int(row[0])

    def advance_generation(self) -> None:
        with self._write():
            self._db.execute("UPDATE generation SET value = value + 1 WHERE id = 1")

    def identity(self) -> str:
        row = self._db.execute("SELECT identity FROM generation WHERE id = 1").fetchone()
        if row is None or not row[0]:
            raise StoreError(f"{self.path}: the knowledge base has no identity (a damaged generation table)")
        return str(row[0])

    def passage_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM passage WHERE superseded_by IS NULL").fetchone()[0])

    def healthy(self) -> bool:
        try:
            self._db.execute("SELECT COUNT(*) FROM source").fetchone()
        except sqlite3.Error:
            return False
        return True

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()


def _split_sql(script: str) -> list[str]:
    statements, buffer = [], []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            statement = "\n".join(buffer).strip()
            if sqlite3.complete_statement(statement):
                statements.append(statement)
                buffer = []
    if "".join(buffer).strip():
        statements.append("\n".join(buffer))
    return statements
