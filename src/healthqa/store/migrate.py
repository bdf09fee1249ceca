"""Copy a SQLite knowledge base into another store (``healthqa migrate --to postgresql://...``).

The copy is written through the target's public interface: one ``ingest()`` transaction holding every
document (``put_document``) and every ingested file's digest (``record_file``), then ``put_vectors``. So the
target keeps its own contract (one writer, readers see the previous generation until the commit, a failed
copy changes nothing) and a later ``healthqa ingest`` of the same files into the target is a no-op.

The documents are read from the SQLite file's tables, not through :class:`~healthqa.store.base.Store`'s read
methods, because those show what an answer needs, not everything a copy needs: ``PassageRecord.updated`` falls
back to the document's date, passages hidden by a higher-precedence one (and every passage's precedence) are
not returned, and the ingested files' digests are not exposed. Copying those keeps the answers identical:
BM25's N counts superseded passages, and precedence decides which passage an id resolves to.

Documents are copied in their SQLite row order, and each document's passages and questions in theirs, so the
target numbers rows in the same relative order and ties in ranking (broken by row id) fall the same way.
Vectors are matched by (document key, passage public id, how many passages of the document before it carry
that id), never by row id, which differs between the backends.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from healthqa.errors import BadInputError, StoreError
from healthqa.records import (
    DrugMention,
    Fact,
    Organisation,
    ParsedDocument,
    Passage,
    Phenotype,
    QAPair,
    SectionType,
    SourceInfo,
    Tier,
)
from healthqa.store.base import IngestStats, Store
from healthqa.store.sqlite import SQLiteStore

# (document key, passage public id, occurrence of that id within the document): a passage in any backend.
PassageRef = tuple[str, str, int]


@dataclass
class MigrationReport:
    documents: int = 0
    passages: int = 0
    questions: int = 0
    files: int = 0
    vectors: dict[str, int] = field(default_factory=dict)  # model -> vectors copied
    stats: IngestStats = field(default_factory=IngestStats)

    def summary(self) -> str:
        vectors = ", ".join(f"{count} {model} vectors" for model, count in sorted(self.vectors.items()))
        stats = self.stats
        return (
            f"{self.documents} documents ({stats.documents_added} added, {stats.documents_replaced} replaced, "
            f"{stats.documents_unchanged} unchanged), {self.passages} passages, {self.questions} questions, "
            f"{self.files} ingested files, {vectors or 'no vectors'}"
        )


def migrate(source: str | Path, target: Store, progress: Callable[[str], None] | None = None) -> MigrationReport:
    """Copy the SQLite knowledge base at ``source`` into ``target`` (documents, their passages, questions,
    names, codes, organisations, drugs, references, facts, phenotypes, ingested-file digests, vectors).

    Documents already in the target with the same content are left as they are, others are replaced, and
    documents only in the target stay: rerunning an interrupted or finished copy completes it. Raises
    :class:`BadInputError` when ``source`` is not a SQLite knowledge base, :class:`StoreError` when the target
    cannot be written (nothing of the documents is then written).
    """
    say = progress or (lambda line: None)
    path = Path(source)
    if "://" in str(source) and not str(source).startswith("sqlite:///"):
        # Not echoed: a server URL may hold a password.
        raise BadInputError("the source knowledge base", "migrate reads a SQLite file, not a database server")
    if str(source).startswith("sqlite:///"):
        path = Path(str(source)[len("sqlite:///"):])
    if not path.is_file():
        raise BadInputError(str(path), "no such SQLite knowledge base file")
    # Opening it brings an older file's schema up to date (as any healthqa command would), and refuses a file
    # that is not a knowledge base or comes from a newer healthqa.
    SQLiteStore(path).close()
    report = MigrationReport()
    with closing(_read_only(path)) as db:
        db.execute("BEGIN")  # one snapshot: an ingest committing meanwhile is not half copied
        documents = list(_documents(db))
        files = db.execute("SELECT path, digest FROM ingested_file ORDER BY path").fetchall()
        vectors = _vectors(db)
        db.execute("COMMIT")
    say(f"read {len(documents)} documents from {path}")
    with target.ingest() as transaction:
        for document in documents:
            transaction.put_document(document)
        for file_path, digest in files:
            transaction.record_file(str(file_path), str(digest))
    report.stats = transaction.stats
    report.documents = len(documents)
    report.passages = sum(len(d.passages) for d in documents)
    report.questions = sum(len(d.questions) for d in documents)
    report.files = len(files)
    say(f"wrote {report.documents} documents")
    if vectors:
        target_ids = _passage_ids(target)
        for model, by_ref in sorted(vectors.items()):
            rows = [(target_ids[ref], blob) for ref, blob in by_ref.items() if ref in target_ids]
            target.put_vectors(model, rows)
            report.vectors[model] = len(rows)
            say(f"wrote {len(rows)} {model} vectors")
        # Servers rebuilt after the documents' commit, finding these passages by their words only: once more.
        target.advance_generation()
    return report


def _read_only(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as error:
        raise StoreError(f"{path}: cannot read the knowledge base: {error}") from error


def _grouped(db: sqlite3.Connection, query: str) -> dict[int, list[tuple[object, ...]]]:
    """Rows of ``query`` (document id first) grouped by document id, each group in the query's order."""
    groups: dict[int, list[tuple[object, ...]]] = defaultdict(list)
    for row in db.execute(query):
        groups[int(row[0])].append(tuple(row[1:]))
    return groups


def _documents(db: sqlite3.Connection) -> Iterator[ParsedDocument]:
    sources = {
        int(row[0]): SourceInfo(str(row[1]), str(row[2]), str(row[3]), str(row[4]), Tier(str(row[5])))
        for row in db.execute("SELECT id, name, publisher, url, licence, tier FROM source")
    }
    names = _grouped(db, "SELECT document_id, name, kind FROM document_name ORDER BY rowid")
    codes = _grouped(db, "SELECT document_id, system, code FROM document_code ORDER BY rowid")
    passages = _grouped(
        db, "SELECT document_id, text, section, public_id, heading, updated, precedence FROM passage "
            "ORDER BY document_id, ordinal, id",
    )
    questions = _grouped(db, "SELECT document_id, text, qtype, public_id, answer_id FROM question ORDER BY id")
    organisations = _grouped(
        db, "SELECT document_id, name, address, phone, email, url FROM organisation ORDER BY id"
    )
    drugs = _grouped(db, "SELECT document_id, brand, generic FROM drug_mention ORDER BY id")
    references = _grouped(db, "SELECT document_id, text FROM reference ORDER BY id")
    facts = _grouped(db, "SELECT document_id, kind, value, detail FROM fact ORDER BY id")
    phenotypes = _grouped(
        db, "SELECT document_id, hpo_id, term, frequency_label, frequency FROM phenotype ORDER BY id"
    )
    rows = db.execute(
        "SELECT id, source_id, key, title, url, updated, reviewer, origin FROM document ORDER BY id"
    ).fetchall()
    for doc_id, source_id, key, title, url, updated, reviewer, origin in rows:
        kinds = names.get(doc_id, [])
        yield ParsedDocument(
            source=sources[int(source_id)], key=str(key), title=str(title), url=str(url),
            focus=[str(name) for name, kind in kinds if kind == "focus"],
            synonyms=[str(name) for name, kind in kinds if kind == "synonym"],
            codes=[(str(system), str(code)) for system, code in codes.get(doc_id, [])],
            updated=None if updated is None else str(updated), reviewer=str(reviewer),
            passages=[
                Passage(str(text), SectionType(str(section)), str(public_id), heading=str(heading),
                        updated=None if p_updated is None else str(p_updated), precedence=int(str(precedence)))
                for text, section, public_id, heading, p_updated, precedence in passages.get(doc_id, [])
            ],
            questions=[
                QAPair(str(text), SectionType(str(qtype)), str(public_id), None if answer is None else str(answer))
                for text, qtype, public_id, answer in questions.get(doc_id, [])
            ],
            organisations=[Organisation(*(str(v) for v in row)) for row in organisations.get(doc_id, [])],
            drugs=[DrugMention(str(brand), str(generic)) for brand, generic in drugs.get(doc_id, [])],
            references=[str(text) for (text,) in references.get(doc_id, [])],
            origin=str(origin),
            facts=[Fact(str(kind), str(value), str(detail)) for kind, value, detail in facts.get(doc_id, [])],
            phenotypes=[
                Phenotype(str(hpo), str(term), str(label), None if frequency is None else float(str(frequency)))
                for hpo, term, label, frequency in phenotypes.get(doc_id, [])
            ],
        )


def _vectors(db: sqlite3.Connection) -> dict[str, dict[PassageRef, bytes]]:
    """{model: {passage: vector}} of the visible passages (a hidden passage's vector is never loaded)."""
    refs: dict[int, PassageRef] = {}
    seen: dict[tuple[str, str], int] = defaultdict(int)
    visible = db.execute(
        "SELECT p.id, d.key, p.public_id FROM passage p JOIN document d ON d.id = p.document_id "
        "WHERE p.superseded_by IS NULL ORDER BY p.id"
    )
    for rowid, key, public_id in visible:
        refs[int(rowid)] = (str(key), str(public_id), seen[(key, public_id)])
        seen[(key, public_id)] += 1
    vectors: dict[str, dict[PassageRef, bytes]] = defaultdict(dict)
    for rowid, model, blob in db.execute("SELECT passage_id, model, vector FROM passage_vector"):
        ref = refs.get(int(rowid))
        if ref is not None:
            vectors[str(model)][ref] = bytes(blob)
    return dict(vectors)


def _passage_ids(target: Store) -> dict[PassageRef, int]:
    """The target's row id of each visible passage."""
    ids: dict[PassageRef, int] = {}
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for record in target.iter_passages():  # row id order, as the source was read
        occurrence = seen[(record.document_key, record.public_id)]
        seen[(record.document_key, record.public_id)] += 1
        ids[(record.document_key, record.public_id, occurrence)] = record.rowid
    return ids
