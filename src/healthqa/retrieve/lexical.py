"""In-memory BM25 over the knowledge base's passages and FAQ questions, for long-running answerers.

SQLite's FTS5 scores every matching row on each query, which costs 10-40 ms for a long consumer
question over ~18,000 passages. A server answers thousands of questions from one knowledge base, so
it keeps the same scores precomputed in a sparse term matrix instead: a query then sums a few
columns (about 1 ms). The scores are FTS5's own ``bm25()`` formula (k1 = 1.2, b = 0.75, weighted
column hits, whole-row length, idf floored at 1e-6), so an answerer ranks the same with or without
this index; ``tests/retrieve/test_lexical.py`` checks that against the store's full-text search. Its terms
come from SQLite's FTS5 tokenizer itself, so they are the store contract's (:mod:`healthqa.store.base`).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from healthqa.store._pg_text import FTS5_TOKENIZER as _FTS5_TOKENIZER
from healthqa.store._pg_text import query_terms as fts5_query_terms
from healthqa.store._pg_text import tokenize as fts5_tokenize
from healthqa.store.base import PassageRecord, QuestionRecord, Store

K1 = 1.2
B = 0.75
# The FTS5 column weights of the store's passage search: title, heading, text.
PASSAGE_WEIGHTS = (2.0, 2.0, 1.0)

# Terms are made by SQLite's own FTS5 tokenizer with the store's options (the store contract's tokens, see
# healthqa.store.base): a re-implementation drifts on the edges (FTS5 leaves tokens under 3 bytes unstemmed and
# keeps emoji), and then this index's scores would differ from both backends' searches.
_BATCH = 4096


def tokens(text: str) -> list[str]:
    """The FTS5 terms of ``text``, in order."""
    return fts5_tokenize([(text,)])[0][0]


def term_sets(rows: Sequence[Sequence[str]]) -> list[set[str]]:
    """The FTS5 terms of each row (up to three text columns together)."""
    return [set(itertools.chain.from_iterable(columns)) for columns in fts5_tokenize(rows)]


def query_terms(text: str) -> list[str]:
    """A query's terms as the store searches them: one per distinct word, no single letters, no repeats."""
    return list(dict.fromkeys(fts5_query_terms(text)))


def _term_frequencies(
    documents: Iterable[Sequence[str]], weights: Sequence[float]
) -> tuple[sparse.coo_matrix, np.ndarray, dict[str, int]]:
    """(weighted hits as a rows x terms matrix, token count of each row, {term: column}), tokenized by FTS5.

    FTS5 indexes each batch of rows in an in-memory table; its ``fts5vocab`` tables then list every token,
    term by term, in the same term order in both the 'row' table (each term once, with its number of
    tokens) and the 'instance' table (each token's row and column): so the terms are read once per batch,
    and the tokens as bare integers, unordered (sorting them by position would cost more than tokenizing).
    """
    if not 1 <= len(weights) <= 4:  # a token's row and column travel packed as row * 4 + column
        raise ValueError(f"{len(weights)} weighted fields: the index takes 1 to 4")
    db = sqlite3.connect(":memory:")
    names = ", ".join(f"c{n}" for n in range(len(weights)))
    marks = ", ".join("?" * (len(weights) + 1))
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5({names}, tokenize = '{_FTS5_TOKENIZER}')")
    db.execute("CREATE VIRTUAL TABLE terms USING fts5vocab(t, 'row')")
    db.execute("CREATE VIRTUAL TABLE tokens USING fts5vocab(t, 'instance')")
    vocabulary: dict[str, int] = {}
    weight_of = np.asarray(weights, dtype=np.float32)
    rows: list[np.ndarray] = []
    columns: list[np.ndarray] = []
    weight_columns: list[np.ndarray] = []
    count = 0

    def index(batch: list[Sequence[str]], offset: int) -> None:
        db.executemany(f"INSERT INTO t(rowid, {names}) VALUES ({marks})", [(n, *f) for n, f in enumerate(batch)])
        listed = db.execute("SELECT term, cnt FROM terms").fetchall()
        ids = np.fromiter((vocabulary.setdefault(term, len(vocabulary)) for term, _ in listed), np.int32, len(listed))
        per_term = np.fromiter((n for _, n in listed), np.int64, len(listed))
        # Row and column of each token, packed as row * 4 + column.
        found = db.execute("SELECT doc * 4 + substr(col, 2) FROM tokens")
        packed = np.fromiter(itertools.chain.from_iterable(found), np.int64, int(per_term.sum()))
        rows.append((packed >> 2).astype(np.int32) + offset)
        columns.append(np.repeat(ids, per_term))
        weight_columns.append(weight_of[packed & 3])
        db.execute("DELETE FROM t")

    try:
        batch: list[Sequence[str]] = []
        for fields in documents:
            if len(fields) != len(weights):
                raise ValueError(f"{len(fields)} fields for {len(weights)} weights")
            batch.append(fields)
            if len(batch) == _BATCH:
                index(batch, count)
                count += len(batch)
                batch = []
        if batch:
            index(batch, count)
            count += len(batch)
    finally:
        db.close()
    row_index = np.concatenate(rows) if rows else np.zeros(0, np.int32)
    column_index = np.concatenate(columns) if columns else np.zeros(0, np.int32)
    hits = np.concatenate(weight_columns) if weight_columns else np.zeros(0, np.float32)
    lengths = np.bincount(row_index, minlength=count)
    matrix = sparse.coo_matrix((hits, (row_index, column_index)), shape=(count, len(vocabulary)))
    matrix.sum_duplicates()  # one entry per (row, term): its weighted hits over the columns
    return matrix, lengths, vocabulary


class LexicalIndex:
    """BM25 scores of every (row, term) pair, columns by term; rows are store row ids."""

    def __init__(self, rowids: Sequence[int], documents: Iterable[Sequence[str]], weights: Sequence[float]) -> None:
        weighted, lengths, vocabulary = _term_frequencies(documents, weights)
        self.rowids = np.asarray(rowids, dtype=np.int64)
        self.vocabulary = vocabulary
        self._position_of: dict[int, int] | None = None  # row id -> matrix row, made on first use (held)
        count = len(lengths)
        if count != len(self.rowids):
            raise ValueError(f"{len(self.rowids)} row ids for {count} documents")
        row_index = weighted.row.astype(np.int64)
        column_index = weighted.col.astype(np.int64)
        frequency = weighted.data.astype(np.float64)
        length_array = lengths.astype(np.float64)
        average = float(length_array.mean()) if count and length_array.sum() else 1.0
        hits = np.bincount(column_index, minlength=len(vocabulary)).astype(np.float64)
        idf = np.log((count - hits + 0.5) / (hits + 0.5))
        idf[idf <= 0] = 1e-6
        norm = K1 * (1 - B + B * length_array / average)
        scores = idf[column_index] * frequency * (K1 + 1) / (frequency + norm[row_index])
        self.matrix = sparse.csc_matrix(
            (scores.astype(np.float32), (row_index, column_index)), shape=(count, len(vocabulary))
        )

    @classmethod
    def from_arrays(
        cls, rowids: np.ndarray, vocabulary: Sequence[str], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
    ) -> LexicalIndex:
        """The index over the parts made earlier by :meth:`arrays` (memory-mapped: nothing is computed)."""
        if len(indptr) != len(vocabulary) + 1 or len(data) != len(indices) or int(indptr[-1]) != len(data):
            raise ValueError(f"inconsistent parts: {len(vocabulary)} terms, {len(indptr)} column starts, "
                             f"{len(data)} scores, {len(indices)} rows")
        index = cls.__new__(cls)
        index.rowids = rowids
        index._position_of = None
        index.vocabulary = {term: column for column, term in enumerate(vocabulary)}
        # copy=False keeps the (memory-mapped) arrays themselves: the pages stay shared between processes.
        index.matrix = sparse.csc_matrix((data, indices, indptr), shape=(len(rowids), len(vocabulary)), copy=False)
        return index

    def arrays(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """The terms in column order and the arrays that :meth:`from_arrays` takes, by name."""
        terms = [""] * len(self.vocabulary)
        for term, column in self.vocabulary.items():
            terms[column] = term
        matrix = self.matrix
        return terms, {"rowids": self.rowids, "data": matrix.data, "indices": matrix.indices, "indptr": matrix.indptr}

    def __len__(self) -> int:
        return len(self.rowids)

    def held(self, terms: Iterable[str], rowids: Sequence[int]) -> np.ndarray:
        """How many of ``terms`` (index terms, as :func:`query_terms` makes them) each of ``rowids`` holds: what
        :func:`term_sets` of the indexed columns would tell, read off the matrix instead of tokenizing again."""
        counts = np.zeros(len(rowids), dtype=np.int64)
        for found in self.holding(terms, rowids).values():
            counts += found
        return counts

    def holding(self, terms: Iterable[str], rowids: Sequence[int]) -> dict[str, np.ndarray]:
        """For each of ``terms``, which of ``rowids`` hold it (booleans in ``rowids``' order), off the matrix."""
        position_of = self._positions()
        positions = np.asarray([position_of.get(rowid, -1) for rowid in rowids], dtype=np.int64)
        matrix = self.matrix
        # Rows sorted within each column (scipy checks once and remembers): a binary search per row, not a pass
        # over a common word's thousands of rows.
        ordered = bool(matrix.has_sorted_indices)
        found: dict[str, np.ndarray] = {}
        for term in dict.fromkeys(terms):
            column = self.vocabulary.get(term)
            if column is None:
                found[term] = np.zeros(len(positions), dtype=bool)
                continue
            rows = matrix.indices[matrix.indptr[column]:matrix.indptr[column + 1]]
            if ordered and len(rows):
                at = np.minimum(np.searchsorted(rows, positions), len(rows) - 1)
                found[term] = rows[at] == positions
            else:
                found[term] = np.isin(positions, rows)
        return found

    def postings(self, term: str) -> int:
        """How many rows hold ``term`` (an index term)."""
        column = self.vocabulary.get(term)
        return 0 if column is None else int(self.matrix.indptr[column + 1] - self.matrix.indptr[column])

    def _positions(self) -> dict[int, int]:
        if self._position_of is None:
            self._position_of = {int(rowid): i for i, rowid in enumerate(self.rowids.tolist())}
        return self._position_of

    def search(self, query: str, limit: int) -> list[tuple[int, float]]:
        """(row id, score) of the best rows containing any query word, best first."""
        columns = [self.vocabulary[w] for w in query_terms(query) if w in self.vocabulary]
        if not columns or limit <= 0:
            return []
        matrix = self.matrix
        starts, ends = matrix.indptr[columns], matrix.indptr[np.asarray(columns) + 1]
        positions = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
        totals = np.bincount(
            matrix.indices[positions], weights=matrix.data[positions], minlength=matrix.shape[0]
        ).astype(np.float64)
        matched = np.flatnonzero(totals)  # every BM25 term score is positive (idf is floored)
        if len(matched) > limit:
            matched = matched[np.argpartition(-totals[matched], limit - 1)[:limit]]
        # Highest score first; equal scores in row-id order, like the store's search.
        order = np.lexsort((self.rowids[matched], -totals[matched]))
        return [(int(self.rowids[i]), float(totals[i])) for i in matched[order]]


def passage_index(store: Store, passages: Iterable[PassageRecord] | None = None) -> LexicalIndex:
    """The index of every visible passage (``passages``, read from ``store`` when not given): its title,
    heading and text, weighted as the store weighs them."""
    rowids: list[int] = []
    documents: list[tuple[str, str, str]] = []
    for passage in store.iter_passages() if passages is None else passages:
        rowids.append(passage.rowid)
        documents.append((passage.title, passage.heading, passage.text))
    return LexicalIndex(rowids, documents, PASSAGE_WEIGHTS)


def question_index(store: Store) -> tuple[LexicalIndex, dict[int, QuestionRecord]]:
    """The index of every stored FAQ question's text, and the questions by row id."""
    questions = {q.rowid: q for q in store.iter_questions()}
    return LexicalIndex(list(questions), [(q.text,) for q in questions.values()], (1.0,)), questions

