"""Full-text terms for the PostgreSQL backend, made by SQLite's own FTS5 tokenizer.

The store contract (:mod:`healthqa.store.base`) fixes what a search score means: FTS5's ``bm25()`` over
``porter unicode61 remove_diacritics 2`` tokens. PostgreSQL's text search stems and ranks differently
(``ts_rank`` is not BM25), and a re-implementation of the tokenizer drifts from it on the edges (FTS5 leaves
tokens under 3 bytes unstemmed and keeps emoji as tokens), so this backend asks FTS5 itself: an in-memory
SQLite table (Python's standard library) tokenizes each row at ingest and each query word at search time.
The backend stores each row's weighted term counts in a posting table and computes the same formula in SQL;
phrase lookups (:meth:`Store.phrase_frequency`) use a ``tsvector`` of the same terms with their positions,
under a GIN index.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Sequence

# The words of a query as the SQLite backend's ``fts_query`` keeps them.
_WORD = re.compile(r"\w+", re.UNICODE)
# tsvector positions stop at 16383; a gap of 2 between columns keeps a phrase from spanning two columns.
_MAX_POSITION = 16383
_COLUMNS = 3
# PostgreSQL refuses longer lexemes (and btree keys); such a "word" (an encoded blob) is counted in the row's
# length but not indexed: no question asks for it.
_MAX_TERM_BYTES = 2000
# The store's full-text tokenizer (the contract's scores are FTS5's over these tokens; the SQLite schema's
# passage_fts table names the same).
FTS5_TOKENIZER = "porter unicode61 remove_diacritics 2"
_local = threading.local()


def _tokenizer() -> sqlite3.Connection:
    db: sqlite3.Connection | None = getattr(_local, "db", None)
    if db is None:  # one per thread: sqlite3 connections belong to the thread that made them
        db = sqlite3.connect(":memory:")
        db.execute(
            f"CREATE VIRTUAL TABLE t USING fts5(c0, c1, c2, tokenize = '{FTS5_TOKENIZER}')"
        )
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        _local.db = db
    return db


def tokenize(rows: Sequence[Sequence[str]]) -> list[list[list[str]]]:
    """The FTS5 terms of each column of each row (at most three columns), in text order."""
    db = _tokenizer()
    found: list[list[list[str]]] = [[[] for _ in range(_COLUMNS)] for _ in rows]
    if not rows:
        return found
    db.executemany(
        "INSERT INTO t(rowid, c0, c1, c2) VALUES (?, ?, ?, ?)",
        [(number, *row, *[""] * (_COLUMNS - len(row))) for number, row in enumerate(rows)],
    )
    try:
        for term, doc, column, _ in db.execute("SELECT term, doc, col, offset FROM v ORDER BY doc, col, offset"):
            found[doc][int(column[1:])].append(term)
    finally:
        db.execute("DELETE FROM t")
    return found


def weighted_terms(columns: Sequence[list[str]], weights: Sequence[float]) -> tuple[dict[str, float], int]:
    """({term: sum of column weight x hits}, token count of the whole row): what FTS5's bm25() reads."""
    frequency: dict[str, float] = defaultdict(float)
    length = 0
    for weight, terms in zip(weights, columns, strict=False):
        length += len(terms)
        for term in terms:
            frequency[term] += weight
    return {term: value for term, value in frequency.items() if indexable(term)}, length


def indexable(term: str) -> bool:
    return len(term) * 4 <= _MAX_TERM_BYTES or len(term.encode("utf-8")) <= _MAX_TERM_BYTES


def query_terms(query: str) -> list[str]:
    """One term per distinct query word, as FTS5 reads ``"w1" OR "w2"`` (two words with one stem count twice)."""
    words = list(dict.fromkeys(w for w in _WORD.findall(query.lower()) if len(w) > 1 or w.isdigit()))
    # A word FTS5 would read as a phrase of several terms ("a_b") is left out.
    return [terms[0][0] for terms in tokenize([(word,) for word in words]) if len(terms[0]) == 1]


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(columns: Sequence[list[str]]) -> str:
    """A ``tsvector`` of the row's terms at their positions, columns two positions apart."""
    positions: dict[str, list[int]] = defaultdict(list)
    position = 0
    for terms in columns:
        for term in terms:
            position += 1
            if indexable(term):
                positions[term].append(min(position, _MAX_POSITION))
        position += 1
    return " ".join(f"{_quote(term)}:{','.join(map(str, dict.fromkeys(at)))}" for term, at in positions.items())


def phrase_terms(phrase: str) -> list[str]:
    """The phrase's terms in order, as FTS5 reads the phrase query ``"w1 w2 ..."``."""
    words = " ".join(_WORD.findall(phrase.lower()))
    return tokenize([(words,)])[0][0] if words else []


def phrase_tsquery(terms: Sequence[str]) -> str:
    """A ``tsquery`` matching the terms in order (a phrase)."""
    return " <-> ".join(_quote(term) for term in terms)
