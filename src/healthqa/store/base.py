"""What every knowledge-base backend offers, and the records it returns: the store contract.

Two backends implement it: SQLite (:mod:`healthqa.store.sqlite`, the embedded default) and PostgreSQL
(:mod:`healthqa.store.postgres`, ``HEALTHQA_DB=postgresql://...``, one database for several hosts).
Everything above the store (ingest, answering, API) talks to this interface only. Each statement below is
tested against every backend by the contract suite, ``tests/store/contract.py``.

Search scores
    ``search_passages`` and ``search_questions`` return ``(record, score)``, best first, equal scores in row
    id order. The score is FTS5's ``bm25()`` formula, whatever the backend: k1 = 1.2, b = 0.75; the query's
    distinct words (runs of word characters, lower-cased, single letters dropped) each count as one term;
    tokens are runs of letters and digits, case-folded, diacritics removed, and Porter-stemmed when 3 to 64
    bytes long (FTS5's ``porter unicode61 remove_diacritics 2``); a term's hits in a passage weigh 2 in the
    title, 2 in the heading, 1 in the text; the row length is its token count; idf = ln((N - n + 0.5) /
    (n + 0.5)), floored at 1e-6, where N counts every indexed row (superseded passages included) and n the
    rows holding the term. Higher is better. :mod:`healthqa.retrieve.lexical` computes the same formula in
    memory over the same FTS5 tokens (but over visible passages only: see docs/scale-out.md). Backends may not
    substitute their own ranking (PostgreSQL's ``ts_rank`` is not BM25): ranking weights and thresholds were
    tuned on these scores, and answers must not depend on the backend.

    Ranking-critical today (their results change which passages an answer shows): ``search_passages`` and
    ``search_questions`` (each question of ``healthqa ask`` without the in-memory index; every answerer's
    abbreviation test), ``phrase_frequency`` (how specific a recognised name is, while ranking; whether a
    word is a corpus word, while reading the question), ``load_vectors`` (the semantic feature),
    ``passages_of_documents`` and ``passages_by_public_ids`` (candidates). ``phrase_frequency`` counts the
    passages (superseded ones included) holding the phrase's tokens consecutively within one column.

Stable public ids
    A passage's ``public_id``, a question's ``public_id`` and a document's ``key`` come from the source and
    survive a re-ingest; ``passage(public_id)`` and ``passages_by_public_ids`` resolve a superseded id to the
    passage that replaced it. Row ids (``PassageRecord.rowid``, ``document_id``, ``DocumentRecord.id``) are
    positions in one backend's tables: they change when a document is re-ingested and differ between
    backends, so they may be kept in memory for one generation but never written into URLs, API responses,
    caches shared between processes, or files (docs/scale-out.md lists where they still leak). So
    ``document()`` reads a string as a key, always (a key may be all digits), and only an ``int`` as a row id.

Vectors
    ``put_vectors`` takes and ``load_vectors`` returns each vector as the raw bytes of a little-endian float32
    array (``numpy.ndarray.tobytes()``), one per (visible passage, model name), returned in passage row id
    order. A re-ingested passage loses its vector and shows up again in ``vector_texts_missing``.

One writer at a time
    ``ingest()`` (and ``put_vectors``) write under a lock that spans processes and, for PostgreSQL, hosts:
    a second writer waits until the first commits or rolls back (and fails with ``StoreError`` when it
    waits too long); it never interleaves its writes with the first's.

What a reader sees during an ingest
    The previous generation, whole: nothing of an ingest is visible before it commits, all of it is visible
    after, and one read method call never mixes two generations (each call that reads in several statements
    runs them in one snapshot: a REPEATABLE READ transaction on PostgreSQL, a read transaction on SQLite).
    ``generation()`` grows with every committed ingest that changed documents, whichever process or host
    committed it, and with every ``advance_generation()``: a writer that changed what answers depend on outside
    an ingest (the passage vectors it wrote after the ingest's commit) says so, and servers rebuild once more
    (they never embed passages themselves). A failed ingest leaves the store exactly as it was.

Identity
    ``identity()`` is a random string (at least 128 bits) written once, when the knowledge base is created (or,
    for one made by an older healthqa, when this version first opens it). It is the same for every process and
    host that opens the knowledge base, never changes with an ingest, and differs between two knowledge bases
    even when they were created at the same path or behind the same URL (a SQLite file deleted or overwritten
    and made again, a PostgreSQL database dropped and created again), where the generation numbers and counts
    may well be equal. What is derived from a knowledge base outside it (healthqa.retrieve.derived's files) is
    checked against it: a path, an inode or a URL names a place, not a knowledge base.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from healthqa.records import DrugMention, Fact, Organisation, ParsedDocument, Phenotype


@dataclass(frozen=True)
class SourceSummary:
    name: str
    publisher: str
    url: str
    licence: str
    tier: str
    documents: int
    passages: int
    questions: int
    newest: str | None


@dataclass(frozen=True)
class PassageRecord:
    """A passage with the provenance an answer must show."""

    rowid: int
    public_id: str
    text: str
    section: str
    heading: str
    updated: str | None
    document_id: int
    document_key: str
    title: str
    url: str
    source: str
    tier: str
    licence: str


@dataclass(frozen=True)
class DocumentHead:
    """A document's identity without its content: what linking documents about one condition needs."""

    id: int
    key: str
    title: str
    source: str
    tier: str


@dataclass(frozen=True)
class QuestionRecord:
    rowid: int
    public_id: str
    text: str
    qtype: str
    answer_id: str | None
    document_id: int


@dataclass(frozen=True)
class DocumentRecord:
    id: int
    key: str
    title: str
    url: str
    updated: str | None
    reviewer: str
    source: str
    tier: str
    licence: str
    origin: str
    names: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)
    codes: list[tuple[str, str]] = field(default_factory=list)
    passages: list[PassageRecord] = field(default_factory=list)
    questions: list[QuestionRecord] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    drugs: list[DrugMention] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    phenotypes: list[Phenotype] = field(default_factory=list)


# Row ids change when a document is re-ingested and differ between backends (see the contract above), so the
# forms shown outside one process (``healthqa show --json``, ``GET /api/topics/{key}``) leave them out, and
# the server-local ``origin`` path with them; the public references are ``key`` and ``public_id``.
ROW_ID_FIELDS = frozenset({"id", "rowid", "document_id"})


def public_passage(record: PassageRecord) -> dict[str, Any]:
    """A passage as shown outside the process: its public id and provenance, no row ids."""
    return {name: value for name, value in asdict(record).items() if name not in ROW_ID_FIELDS}


def public_question(record: QuestionRecord) -> dict[str, Any]:
    return {name: value for name, value in asdict(record).items() if name not in ROW_ID_FIELDS}


def public_document(record: DocumentRecord, *, with_origin: bool = False) -> dict[str, Any]:
    """A document as shown outside the process: its key, content and provenance, no row ids.

    ``origin`` (the file it was read from) is a path on the server: only the local administrator's CLI asks
    for it.
    """
    data = {
        name: value for name, value in asdict(record).items()
        if name not in ROW_ID_FIELDS and (with_origin or name != "origin")
    }
    data["passages"] = [public_passage(p) for p in record.passages]
    data["questions"] = [public_question(q) for q in record.questions]
    return data

@dataclass
class IngestStats:
    documents_added: int = 0
    documents_replaced: int = 0
    documents_unchanged: int = 0
    documents_removed: int = 0
    files_skipped_unchanged: int = 0


class IngestTransaction(Protocol):
    """Writes of one ingest; all of them land together at commit, or none do."""

    stats: IngestStats

    def file_unchanged(self, path: str, digest: str) -> bool: ...

    def record_file(self, path: str, digest: str) -> None: ...

    def put_document(self, document: ParsedDocument) -> None: ...

    def documents_at(self, origin: str) -> list[str]:
        """Keys of the stored documents read from exactly this file."""
        ...

    def documents_from(self, origin_prefix: str) -> list[tuple[str, str]]:
        """(key, origin) of stored documents whose origin starts with the prefix."""
        ...

    def remove_document(self, key: str) -> None: ...

    def forget_file(self, path: str) -> None: ...


class Store(Protocol):
    url: str

    def ingest(self) -> AbstractContextManager[IngestTransaction]: ...

    def sources(self) -> list[SourceSummary]: ...

    def passage(self, public_id: str) -> PassageRecord: ...

    def document(self, ref: str | int) -> DocumentRecord:
        """The document whose key is ``ref`` (a string, even one of digits) or, for an int, whose row id it is."""
        ...

    def search_passages(self, query: str, limit: int = 20) -> list[tuple[PassageRecord, float]]: ...

    def search_questions(self, query: str, limit: int = 20) -> list[tuple[QuestionRecord, float]]: ...

    def passages_by_ids(self, rowids: Sequence[int]) -> list[PassageRecord]: ...

    def passages_by_public_ids(self, public_ids: Sequence[str]) -> dict[str, PassageRecord]:
        """The visible passage answering each public id; superseded ids resolve to their winner."""
        ...

    def passages_of_documents(self, document_ids: Sequence[int], limit: int = 400) -> list[PassageRecord]: ...

    def questions_answered_by(self, public_ids: Sequence[str]) -> list[QuestionRecord]:
        """The FAQ questions whose answer is one of ``public_ids``, in row id order."""
        ...

    def vector_texts_missing(self, model: str) -> list[tuple[int, str]]: ...

    def put_vectors(self, model: str, rows: Sequence[tuple[int, bytes]]) -> None: ...

    def load_vectors(self, model: str) -> tuple[list[int], list[bytes]]: ...

    def iter_passages(self) -> Iterator[PassageRecord]: ...

    def iter_indexed_texts(self) -> Iterator[tuple[str, str, str]]:
        """(document title, heading, text) of every passage the full-text search counts, superseded ones
        included (see the scores above), in row id order: what :meth:`phrase_frequency` counts in."""
        ...

    def iter_questions(self) -> Iterator[QuestionRecord]:
        """Every stored question, in row order."""
        ...

    def iter_names(self) -> Iterator[tuple[int, str, str]]:
        """(document id, name, kind) for every title, focus and synonym."""
        ...

    def iter_drug_mentions(self) -> Iterator[tuple[int, str, str]]:
        """(document id, brand, generic) of every row of every document's drug table."""
        ...

    def iter_codes(self) -> Iterator[tuple[int, str, str]]:
        """(document id, system, code) of every code a document carries, e.g. (7, "ORPHA", "43393")."""
        ...

    def iter_document_heads(self) -> Iterator[DocumentHead]:
        """Every document's id, key, title, source and tier, in id order (no passages)."""
        ...

    def iter_document_pages(self) -> Iterator[tuple[int, str, str, str]]:
        """(document id, source name, title, url) of every document, in id order: where each was read from."""
        ...

    def facts(self, document_id: int) -> list[Fact]:
        """The catalogue facts (inheritance, prevalence, genes ...) of a document, in stored order."""
        ...

    def iter_fact_kinds(self) -> Iterator[tuple[int, str]]:
        """(document id, kind) for every kind of catalogue fact a document has, each pair once, ordered."""
        ...

    def phenotype_annotations(self) -> list[tuple[str, str, int, str, float | None]]:
        """(ORPHA code, label, document id, HPO id, frequency 0..1 or None) of every phenotype annotation."""
        ...

    def document_by_code(self, system: str, code: str) -> DocumentRecord:
        """The document carrying a code such as ("ORPHA", "43393"); raises NotFoundError."""
        ...

    def phrase_frequency(self, phrase: str, cap: int = 5000) -> int:
        """How many passages contain ``phrase``, counted up to ``cap``."""
        ...

    def generation(self) -> int:
        """A number that grows with every committed ingest that changed documents (in any process)."""
        ...

    def advance_generation(self) -> None:
        """Raise ``generation()`` by one, under the writer's lock: after writing passage vectors."""
        ...

    def identity(self) -> str:
        """This knowledge base's random identity, written once at its creation (see "Identity" above)."""
        ...

    def passage_count(self) -> int: ...

    def healthy(self) -> bool: ...

    def close(self) -> None: ...
