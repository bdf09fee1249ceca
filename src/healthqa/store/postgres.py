"""The PostgreSQL backend: one database shared by every host, behind the same :class:`Store` contract.

- Connections come from a pool (psycopg_pool); every statement runs under ``statement_timeout``.
- Each read method runs in one REPEATABLE READ, read-only transaction: it sees one committed generation,
  whole, even when an ingest commits halfway through it.
- One writer at a time across processes and hosts: an ingest (and :meth:`put_vectors`) holds a
  transaction-level advisory lock; a second writer waits up to ``writer_wait_s`` and then fails clearly.
- Search scores are the contract's BM25, computed in SQL from posting tables written at ingest
  (:mod:`healthqa.store._pg_text`); phrase counts use a GIN-indexed ``tsvector``.
- Schema migrations are numbered (:mod:`healthqa.store._pg_schema`) and recorded in ``schema_version``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import Connection, IsolationLevel
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool, PoolTimeout

from healthqa.errors import NotFoundError, StoreError
from healthqa.records import DrugMention, Fact, Organisation, Phenotype
from healthqa.store._pg_ingest import PostgresIngest
from healthqa.store._pg_schema import MIGRATIONS, SCHEMA_VERSION
from healthqa.store._pg_text import indexable, phrase_terms, phrase_tsquery, query_terms
from healthqa.store.base import DocumentHead, DocumentRecord, PassageRecord, QuestionRecord, SourceSummary

# pg_advisory locks are per database, so two knowledge bases on one server do not share them.
WRITER_LOCK = 0x6865616C74687161  # "healthqa"
MIGRATION_LOCK = WRITER_LOCK + 1
# A call that waits this long for a pooled connection checks, with a connection of its own, that the server is
# there; when it is not, that call and every call for the next UNAVAILABLE_S fail at once (StoreError, a 503 to
# retry) instead of each waiting connect_timeout_s for a connection that cannot come. The pool gives up its own
# reconnection retries after UNAVAILABLE_S too (instead of backing off for minutes), so that the first call after
# the server's return gets a fresh connection at once.
# Only a failure to reach the server counts: a busy pool (every connection checked out, a call waiting its whole
# connect_timeout_s) or a server refusing more clients (SQLSTATE 53300, "too many clients") is a server that
# answers. One probe per store at a time and at most one per PROBE_AFTER_S (waiting calls share its finding), and
# none while a connection is checked out (those calls show the server is there; if it goes, they fail with a
# connection error, which marks it unreachable).
PROBE_AFTER_S = 0.25
UNAVAILABLE_S = 1.0
# Refusals that say the server is there but full (53300 and the reserved-slots variant, 53300 too).
_BUSY_SERVER = ("too many clients", "remaining connection slots are reserved", "too many connections")
# The server went away or is not accepting connections yet: shutdown (57P01, 57P02) or starting (57P03).
_SERVER_GONE_STATES = frozenset({"57P01", "57P02", "57P03"})

_PASSAGE_COLUMNS = """
    p.id, p.public_id, p.text, p.section, p.heading, COALESCE(p.updated, d.updated), d.id, d.key,
    d.title, d.url, s.name, s.tier, s.licence
"""
_PASSAGE_FROM = "passage p JOIN document d ON d.id = p.document_id JOIN source s ON s.id = d.source_id"
_QUESTION_COLUMNS = "q.id, q.public_id, q.text, q.qtype, q.answer_id, q.document_id"

# FTS5's bm25(): k1 = 1.2, b = 0.75, idf floored at 1e-6, a query word counted once per time it is asked.
# N and the term's row count n include superseded passages (as FTS5's do); those are dropped afterwards.
_BM25 = """
    WITH asked(term, times) AS (SELECT t, count(*) FROM unnest(%(terms)s::text[]) AS t GROUP BY t),
    totals AS (SELECT rows::float8 AS n, tokens::float8 / greatest(rows, 1) AS avgdl
               FROM text_totals WHERE name = '{table}'),
    postings AS (SELECT t.{table}_id AS id, t.frequency, t.token_count, a.times,
                        count(*) OVER (PARTITION BY t.term)::float8 AS hits
                 FROM asked a JOIN {table}_term t ON t.term = a.term),
    weighed AS (SELECT p.*, ln((totals.n - p.hits + 0.5) / (p.hits + 0.5)) AS idf, totals.avgdl
                FROM postings p, totals),
    scored AS (
        SELECT w.id, sum(w.times * (CASE WHEN w.idf <= 0 THEN 1e-6 ELSE w.idf END)
               * w.frequency * 2.2 / (w.frequency + 1.2 * (0.25 + 0.75 * w.token_count / w.avgdl))) AS score
        FROM weighed w GROUP BY w.id)
"""


class PostgresStore:
    """A knowledge base in a PostgreSQL database, e.g. ``postgresql://user@host:5432/healthqa``."""

    schema_version = SCHEMA_VERSION

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 8,
        statement_timeout_ms: int = 30_000,
        ingest_statement_timeout_ms: int = 600_000,
        writer_wait_s: float = 30.0,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.url = url
        self._statement_timeout_ms = statement_timeout_ms
        self._ingest_statement_timeout_ms = ingest_statement_timeout_ms
        self._writer_wait_ms = int(writer_wait_s * 1000)
        self._connect_timeout_s = connect_timeout_s
        self._unreachable_until = 0.0  # see UNAVAILABLE_S
        self._probe_lock = threading.Lock()
        self._probed_at = float("-inf")
        self._checked_out = 0  # connections lent by _checkout and not yet returned
        self._count_lock = threading.Lock()
        self._pool: ConnectionPool[Connection[TupleRow]] = ConnectionPool(
            url, min_size=1, max_size=pool_size, open=False, configure=self._configure,
            timeout=connect_timeout_s, name="healthqa-store", reconnect_timeout=UNAVAILABLE_S,
            check=ConnectionPool.check_connection,  # after a server restart: replace dead connections
            kwargs={"connect_timeout": max(1, int(connect_timeout_s))},
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout_s)
            self._migrate()
        except (PoolTimeout, psycopg.Error) as error:
            self._pool.close()
            raise StoreError(f"{_safe(url)}: cannot open the knowledge base: {error}") from error

    def _configure(self, connection: Connection[TupleRow]) -> None:
        connection.execute(f"SET statement_timeout = {int(self._statement_timeout_ms)}")
        connection.commit()

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection[TupleRow]]:
        """One read-only snapshot: every statement inside sees the same committed generation."""
        try:
            with self._connection() as connection:
                connection.isolation_level = IsolationLevel.REPEATABLE_READ
                connection.read_only = True
                yield connection
        except psycopg.errors.QueryCanceled as error:
            raise StoreError(f"{_safe(self.url)}: a read took longer than the statement timeout: {error}") from error
        except (PoolTimeout, psycopg.OperationalError) as error:
            raise StoreError(f"{_safe(self.url)}: the knowledge base is unavailable: {error}") from error

    @contextmanager
    def _write(self) -> Iterator[Connection[TupleRow]]:
        """One transaction holding the writer's lock (waits for the current writer, up to writer_wait_s)."""
        try:
            with self._connection() as connection:
                connection.isolation_level = IsolationLevel.READ_COMMITTED
                connection.read_only = False
                with connection.transaction():
                    connection.execute(f"SET LOCAL lock_timeout = {self._writer_wait_ms}")
                    try:
                        connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
                    except psycopg.errors.LockNotAvailable as error:
                        raise StoreError(
                            f"{_safe(self.url)}: another ingest is writing to this knowledge base: {error}"
                        ) from error
                    connection.execute(f"SET LOCAL lock_timeout = {int(self._statement_timeout_ms)}")
                    connection.execute(f"SET LOCAL statement_timeout = {int(self._ingest_statement_timeout_ms)}")
                    yield connection
        except (PoolTimeout, psycopg.OperationalError) as error:
            raise StoreError(f"{_safe(self.url)}: cannot write to the knowledge base: {error}") from error

    @contextmanager
    def _connection(self) -> Iterator[Connection[TupleRow]]:
        """A pooled connection (committed on exit, rolled back on an error, as ``ConnectionPool.connection``);
        fails at once while the server is known to be unreachable (PROBE_AFTER_S, UNAVAILABLE_S)."""
        connection = self._checkout()
        try:
            with connection:
                yield connection
        except psycopg.OperationalError as error:
            # A slow statement, a busy writer's lock, a serialization failure or deadlock: the server answered.
            if connection.broken or _server_gone(error):
                self._mark_unreachable()
            raise
        finally:
            with self._count_lock:
                self._checked_out -= 1
            self._pool.putconn(connection)

    def _mark_unreachable(self) -> None:
        self._unreachable_until = time.monotonic() + UNAVAILABLE_S

    def _checkout(self) -> Connection[TupleRow]:
        if time.monotonic() < self._unreachable_until:  # (not extended by the calls it refuses)
            raise PoolTimeout("the server was unreachable less than a second ago")
        deadline = time.monotonic() + self._connect_timeout_s
        while True:
            try:
                connection = self._pool.getconn(min(PROBE_AFTER_S, max(0.001, deadline - time.monotonic())))
            except PoolTimeout:
                if time.monotonic() < self._unreachable_until:
                    raise  # a probe or a failed call found the server unreachable meanwhile
                if time.monotonic() >= deadline:
                    raise  # waited its whole connect_timeout_s for a busy pool: this call fails, nobody else
            else:
                with self._count_lock:
                    self._checked_out += 1
                return connection
            self._probe()  # no connection yet: busy, or no server? A refused connection says at once.

    def _probe(self) -> None:
        """Connect once, outside the pool, to tell a busy pool from a missing server; raise when it is missing."""
        if not self._probe_lock.acquire(blocking=False):
            return  # another call is probing: this one keeps waiting for a connection, and sees its finding
        try:
            now = time.monotonic()
            with self._count_lock:
                lent = self._checked_out
            if lent or now - self._probed_at < PROBE_AFTER_S:
                return
            self._probed_at = now
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
            except psycopg.OperationalError as error:
                if _server_gone(error):
                    self._mark_unreachable()
                    raise
        finally:
            self._probe_lock.release()

    def _migrate(self) -> None:
        with self._pool.connection() as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
            current = 0 if row is None or row[0] is None else int(row[0])
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{_safe(self.url)}: schema version {current} is newer than this healthqa ({SCHEMA_VERSION})"
                )
            for number, script in MIGRATIONS:
                if number > current:
                    connection.execute(script.encode("utf-8"))
                    connection.execute("INSERT INTO schema_version(version) VALUES (%s)", (number,))

    # -- writing --------------------------------------------------------------------------------

    @contextmanager
    def ingest(self) -> Iterator[PostgresIngest]:
        """One write transaction under the writer's lock; readers see the previous generation until it commits."""
        with self._write() as connection:
            transaction = PostgresIngest(connection)
            yield transaction
            transaction.finish()
            stats = transaction.stats
            if stats.documents_added or stats.documents_replaced or stats.documents_removed:
                connection.execute("UPDATE generation SET value = value + 1 WHERE id = 1")

    def put_vectors(self, model: str, rows: Sequence[tuple[int, bytes]]) -> None:
        with self._write() as connection, connection.cursor() as cursor:
            cursor.executemany(
                """INSERT INTO passage_vector(passage_id, model, vector) VALUES (%s, %s, %s)
                   ON CONFLICT (passage_id, model) DO UPDATE SET vector = excluded.vector""",
                [(rowid, model, blob) for rowid, blob in rows],
            )

    # -- reading --------------------------------------------------------------------------------

    def _all(self, query: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[TupleRow]:
        with self._read() as db:
            return db.execute(query.encode("utf-8"), params).fetchall()

    def sources(self) -> list[SourceSummary]:
        rows = self._all(
            """SELECT s.name, s.publisher, s.url, s.licence, s.tier,
                   (SELECT COUNT(*) FROM document d WHERE d.source_id = s.id),
                   (SELECT COUNT(*) FROM passage p JOIN document d ON d.id = p.document_id
                     WHERE d.source_id = s.id AND p.superseded_by IS NULL),
                   (SELECT COUNT(DISTINCT q.public_id) FROM question q JOIN document d ON d.id = q.document_id
                     WHERE d.source_id = s.id),
                   (SELECT MAX(d.updated) FROM document d WHERE d.source_id = s.id)
               FROM source s ORDER BY s.name"""
        )
        return [SourceSummary(*row) for row in rows]

    def passage(self, public_id: str) -> PassageRecord:
        rows = self._all(
            f"""SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_FROM}
                WHERE p.id = (SELECT COALESCE(x.superseded_by, x.id) FROM passage x WHERE x.public_id = %s
                              ORDER BY x.superseded_by IS NOT NULL, x.precedence DESC, x.id LIMIT 1)""",
            (public_id,),
        )
        if not rows:
            raise NotFoundError(f"no passage with id {public_id!r}")
        return PassageRecord(*rows[0])

    def passages_by_ids(self, rowids: Sequence[int]) -> list[PassageRecord]:
        if not rowids:
            return []
        rows = self._all(f"SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_FROM} WHERE p.id = ANY(%s)", (list(rowids),))
        by_id = {row[0]: PassageRecord(*row) for row in rows}
        return [by_id[rowid] for rowid in rowids if rowid in by_id]

    def passages_by_public_ids(self, public_ids: Sequence[str]) -> dict[str, PassageRecord]:
        """The visible passage answering each id (a superseded passage resolves to its winner)."""
        if not public_ids:
            return {}
        rows = self._all(
            f"""SELECT w.public_id, {_PASSAGE_COLUMNS} FROM (
                    SELECT DISTINCT ON (x.public_id) x.public_id, COALESCE(x.superseded_by, x.id) AS winner
                    FROM passage x WHERE x.public_id = ANY(%s)
                    ORDER BY x.public_id, x.superseded_by IS NULL DESC, x.id DESC) AS w
                JOIN passage p ON p.id = w.winner JOIN document d ON d.id = p.document_id
                JOIN source s ON s.id = d.source_id""",
            (list(dict.fromkeys(public_ids)),),
        )
        return {row[0]: PassageRecord(*row[1:]) for row in rows}

    def passages_of_documents(self, document_ids: Sequence[int], limit: int = 400) -> list[PassageRecord]:
        if not document_ids:
            return []
        rows = self._all(
            f"""SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_FROM}
                WHERE p.document_id = ANY(%s) AND p.superseded_by IS NULL ORDER BY p.id LIMIT %s""",
            (list(document_ids), limit),
        )
        return [PassageRecord(*row) for row in rows]

    def questions_answered_by(self, public_ids: Sequence[str]) -> list[QuestionRecord]:
        if not public_ids:
            return []
        rows = self._all(
            f"SELECT {_QUESTION_COLUMNS} FROM question q WHERE q.answer_id = ANY(%s) ORDER BY q.id",
            (list(public_ids),),
        )
        return [QuestionRecord(*row) for row in rows]

    def vector_texts_missing(self, model: str) -> list[tuple[int, str]]:
        """(passage id, text to embed) for visible passages without a vector from ``model``."""
        rows = self._all(
            """SELECT p.id, COALESCE(
                   (SELECT q.text FROM question q WHERE q.answer_id = p.public_id ORDER BY q.id LIMIT 1),
                   NULLIF(p.heading, ''), d.title || ': ' || substr(p.text, 1, 300))
               FROM passage p JOIN document d ON d.id = p.document_id
               WHERE p.superseded_by IS NULL AND NOT EXISTS (
                   SELECT 1 FROM passage_vector v WHERE v.passage_id = p.id AND v.model = %s)
               ORDER BY p.id""",
            (model,),
        )
        return [(int(row[0]), str(row[1])) for row in rows]

    def load_vectors(self, model: str) -> tuple[list[int], list[bytes]]:
        rows = self._all(
            """SELECT v.passage_id, v.vector FROM passage_vector v JOIN passage p ON p.id = v.passage_id
               WHERE v.model = %s AND p.superseded_by IS NULL ORDER BY v.passage_id""",
            (model,),
        )
        return [int(row[0]) for row in rows], [bytes(row[1]) for row in rows]

    def iter_passages(self) -> Iterator[PassageRecord]:
        rows = self._all(f"SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_FROM} WHERE p.superseded_by IS NULL ORDER BY p.id")
        return (PassageRecord(*row) for row in rows)

    def iter_indexed_texts(self) -> Iterator[tuple[str, str, str]]:
        rows = self._all(
            "SELECT d.title, p.heading, p.text FROM passage p JOIN document d ON d.id = p.document_id ORDER BY p.id"
        )
        return ((str(row[0]), str(row[1]), str(row[2])) for row in rows)

    def iter_questions(self) -> Iterator[QuestionRecord]:
        return (QuestionRecord(*row) for row in self._all(f"SELECT {_QUESTION_COLUMNS} FROM question q ORDER BY q.id"))

    def iter_names(self) -> Iterator[tuple[int, str, str]]:
        rows = self._all("SELECT document_id, name, kind FROM document_name ORDER BY id")
        return ((int(r[0]), str(r[1]), str(r[2])) for r in rows)

    def iter_drug_mentions(self) -> Iterator[tuple[int, str, str]]:
        rows = self._all("SELECT document_id, brand, generic FROM drug_mention ORDER BY document_id, id")
        return ((int(r[0]), str(r[1]), str(r[2])) for r in rows)

    def iter_codes(self) -> Iterator[tuple[int, str, str]]:
        rows = self._all("SELECT document_id, system, code FROM document_code ORDER BY document_id, id")
        return ((int(r[0]), str(r[1]), str(r[2])) for r in rows)

    def iter_document_heads(self) -> Iterator[DocumentHead]:
        rows = self._all(
            "SELECT d.id, d.key, d.title, s.name, s.tier FROM document d JOIN source s ON s.id = d.source_id "
            "ORDER BY d.id"
        )
        return (DocumentHead(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows)

    def iter_document_pages(self) -> Iterator[tuple[int, str, str, str]]:
        rows = self._all(
            "SELECT d.id, s.name, d.title, d.url FROM document d JOIN source s ON s.id = d.source_id ORDER BY d.id"
        )
        return ((int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows)

    def document(self, ref: str | int) -> DocumentRecord:
        # A string is always a key (the public reference, even when it is all digits); an int is a row id.
        column = "d.id" if isinstance(ref, int) else "d.key"
        with self._read() as db:
            row = db.execute(
                f"""SELECT d.id, d.key, d.title, d.url, d.updated, d.reviewer, s.name, s.tier, s.licence, d.origin
                    FROM document d JOIN source s ON s.id = d.source_id WHERE {column} = %s""".encode(),
                (ref,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no document with id {ref!r}")
            by_doc = (row[0],)

            def rows(columns: str, table: str) -> list[TupleRow]:
                query = f"SELECT {columns} FROM {table} WHERE document_id = %s ORDER BY id"
                return db.execute(query.encode("utf-8"), by_doc).fetchall()

            passages = db.execute(
                f"""SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_FROM}
                    WHERE p.document_id = %s AND p.superseded_by IS NULL ORDER BY p.ordinal""".encode(),
                by_doc,
            ).fetchall()
            return DocumentRecord(
                id=row[0], key=row[1], title=row[2], url=row[3], updated=row[4], reviewer=row[5],
                source=row[6], tier=row[7], licence=row[8], origin=row[9],
                names=[(r[0], r[1]) for r in rows("name, kind", "document_name")],
                codes=[(r[0], r[1]) for r in rows("system, code", "document_code")],
                passages=[PassageRecord(*r) for r in passages],
                questions=[QuestionRecord(*r) for r in rows("id, public_id, text, qtype, answer_id, document_id",
                                                            "question")],
                organisations=[Organisation(*r) for r in rows("name, address, phone, email, url", "organisation")],
                drugs=[DrugMention(*r) for r in rows("brand, generic", "drug_mention")],
                references=[r[0] for r in rows("text", "reference")],
                facts=[Fact(*r) for r in rows("kind, value, detail", "fact")],
                phenotypes=[Phenotype(*r) for r in rows("hpo_id, term, frequency_label, frequency", "phenotype")],
            )

    def facts(self, document_id: int) -> list[Fact]:
        rows = self._all("SELECT kind, value, detail FROM fact WHERE document_id = %s ORDER BY id", (document_id,))
        return [Fact(*row) for row in rows]

    def iter_fact_kinds(self) -> Iterator[tuple[int, str]]:
        # Byte order, as SQLite's: the database's own collation may order words otherwise.
        rows = self._all('SELECT DISTINCT document_id, kind COLLATE "C" FROM fact ORDER BY 1, 2')
        return ((int(row[0]), str(row[1])) for row in rows)

    def phenotype_annotations(self) -> list[tuple[str, str, int, str, float | None]]:
        rows = self._all(
            """SELECT c.code, d.title, d.id, p.hpo_id, p.frequency
               FROM phenotype p JOIN document d ON d.id = p.document_id
               JOIN document_code c ON c.document_id = d.id AND c.system = 'ORPHA'
               ORDER BY d.id, p.id, c.id"""
        )
        return [(str(r[0]), str(r[1]), int(r[2]), str(r[3]), None if r[4] is None else float(r[4])) for r in rows]

    def document_by_code(self, system: str, code: str) -> DocumentRecord:
        rows = self._all(
            "SELECT document_id FROM document_code WHERE system = %s AND code = %s ORDER BY document_id LIMIT 1",
            (system, code),
        )
        if not rows:
            raise NotFoundError(f"no document with code {system}:{code}")
        return self.document(int(rows[0][0]))

    def search_passages(self, query: str, limit: int = 20) -> list[tuple[PassageRecord, float]]:
        terms = query_terms(query)
        if not terms or limit <= 0:
            return []
        bm25 = _BM25.format(table="passage")
        rows = self._all(
            f"""{bm25} SELECT {_PASSAGE_COLUMNS}, top.score FROM scored top JOIN passage p ON p.id = top.id
                JOIN document d ON d.id = p.document_id JOIN source s ON s.id = d.source_id
                WHERE p.superseded_by IS NULL ORDER BY top.score DESC, p.id LIMIT %(limit)s""",
            {"terms": terms, "limit": limit},
        )
        return [(PassageRecord(*row[:-1]), float(row[-1])) for row in rows]

    def search_questions(self, query: str, limit: int = 20) -> list[tuple[QuestionRecord, float]]:
        terms = query_terms(query)
        if not terms or limit <= 0:
            return []
        bm25 = _BM25.format(table="question")
        rows = self._all(
            f"""{bm25} SELECT {_QUESTION_COLUMNS}, top.score FROM scored top JOIN question q ON q.id = top.id
                ORDER BY top.score DESC, q.id LIMIT %(limit)s""",
            {"terms": terms, "limit": limit},
        )
        return [(QuestionRecord(*row[:-1]), float(row[-1])) for row in rows]

    def phrase_frequency(self, phrase: str, cap: int = 5000) -> int:
        """How many passages contain ``phrase`` (words in order, within one column), counted up to ``cap``."""
        terms = phrase_terms(phrase)
        if not terms or not all(indexable(term) for term in terms):
            return 0  # a word too long for a tsquery is in no passage's lexemes either (SQLite also says 0)
        if len(terms) == 1:  # most calls (one name, one word): the posting list has the answer, index-only
            query = "SELECT count(*) FROM (SELECT 1 FROM passage_term WHERE term = %s LIMIT %s) AS found"
            return int(self._all(query, (terms[0], cap))[0][0])
        rows = self._all(
            "SELECT count(*) FROM (SELECT 1 FROM passage WHERE lexemes @@ %s::tsquery LIMIT %s) AS found",
            (phrase_tsquery(terms), cap),
        )
        return int(rows[0][0])

    def generation(self) -> int:
        rows = self._all("SELECT value FROM generation WHERE id = 1")
        return int(rows[0][0]) if rows else 0

    def advance_generation(self) -> None:
        with self._write() as connection:
            connection.execute("UPDATE generation SET value = value + 1 WHERE id = 1")

    def identity(self) -> str:
        rows = self._all("SELECT identity FROM generation WHERE id = 1")
        if not rows or not rows[0][0]:
            raise StoreError(f"{_safe(self.url)}: the knowledge base has no identity (a damaged generation table)")
        return str(rows[0][0])

    def passage_count(self) -> int:
        return int(self._all("SELECT count(*) FROM passage WHERE superseded_by IS NULL")[0][0])

    def healthy(self) -> bool:
        try:
            self._all("SELECT 1 FROM generation")
        except StoreError:
            return False
        return True

    def close(self) -> None:
        self._pool.close()


def _safe(url: str) -> str:
    """The URL without its password, for error messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the PostgreSQL knowledge base"
    host, name = info.get("host", ""), info.get("dbname", "")
    return f"postgresql://{info.get('user', '')}@{host}:{info.get('port', 5432)}/{name}"


def _server_gone(error: psycopg.OperationalError) -> bool:
    """Whether ``error`` says the server cannot be reached (not that it refused, cancelled or rolled back)."""
    state = error.sqlstate
    if state is not None:
        return state.startswith("08") or state in _SERVER_GONE_STATES
    # No SQLSTATE: a connection that failed or broke; a refused one names why in its message.
    return not any(marker in str(error).lower() for marker in _BUSY_SERVER)
