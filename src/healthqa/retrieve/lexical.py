"""In-memory BM25 over the knowledge base's passages and FAQ questions, for long-running answerers.

SQLite's FTS5 scores every matching row on each query, which costs 10-40 ms for a long consumer
question over ~18,000 passages. A server answers thousands of questions from one knowledge base, so
it keeps the same scores precomputed in a sparse term matrix instead: a query then sums a few
columns (about 1 ms). The scores are FTS5's own ``bm25()`` formula (k1 = 1.2, b = 0.75, weighted
column hits, whole-row length, idf floored at 1e-6), so an answerer ranks the same with or without
this index; ``tests/test_lexical.py`` checks that against the store's full-text search.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import Stemmer
from scipy import sparse

from healthqa.store.base import PassageRecord, QuestionRecord, Store

K1 = 1.2
B = 0.75
# The FTS5 column weights of the store's passage search: title, heading, text.
PASSAGE_WEIGHTS = (2.0, 2.0, 1.0)

# The store's FTS5 tokenizer, 'porter unicode61 remove_diacritics 2': runs of letters and digits,
# case-folded, diacritics removed, then Porter-stemmed.
_TOKEN = re.compile(r"[^\W_]+")
_STEMMER = Stemmer.Stemmer("porter")


def _fold(text: str) -> str:
    lowered = text.lower()
    if not lowered.isascii():
        decomposed = unicodedata.normalize("NFKD", lowered)
        lowered = "".join(c for c in decomposed if not unicodedata.combining(c))
    return lowered


def tokens(text: str) -> list[str]:
    words: list[str] = _STEMMER.stemWords(_TOKEN.findall(_fold(text)))
    return words


def query_terms(text: str) -> list[str]:
    """The stems of a query's words as the store's ``fts_query`` keeps them: no single letters, no repeats."""
    words = [w for w in _TOKEN.findall(_fold(text)) if len(w) > 1 or w.isdigit()]
    stems: list[str] = _STEMMER.stemWords(words)
    return list(dict.fromkeys(stems))


class LexicalIndex:
    """BM25 scores of every (row, term) pair, columns by term; rows are store row ids."""

    def __init__(self, rowids: Sequence[int], documents: Iterable[Sequence[str]], weights: Sequence[float]) -> None:
        vocabulary: dict[str, int] = {}
        # Typed arrays, not lists: two million Python numbers would hold 100 MB after the build.
        rows = array("i")
        columns = array("i")
        frequencies = array("f")
        lengths = array("i")
        for row, fields in enumerate(documents):
            weighted: dict[int, float] = defaultdict(float)
            length = 0
            for weight, text in zip(weights, fields, strict=True):
                words = tokens(text)
                length += len(words)
                for word, count in Counter(words).items():
                    weighted[vocabulary.setdefault(word, len(vocabulary))] += weight * count
            lengths.append(length)
            rows.extend([row] * len(weighted))
            columns.extend(weighted)
            frequencies.extend(weighted.values())
        self.rowids = np.asarray(rowids, dtype=np.int64)
        self.vocabulary = vocabulary
        count = len(lengths)
        if count != len(self.rowids):
            raise ValueError(f"{len(self.rowids)} row ids for {count} documents")
        row_index = np.frombuffer(rows, dtype=np.int32).astype(np.int64)
        column_index = np.frombuffer(columns, dtype=np.int32).astype(np.int64)
        frequency = np.frombuffer(frequencies, dtype=np.float32).astype(np.float64)
        length_array = np.frombuffer(lengths, dtype=np.int32).astype(np.float64)
        average = float(length_array.mean()) if count and length_array.sum() else 1.0
        hits = np.bincount(column_index, minlength=len(vocabulary)).astype(np.float64)
        idf = np.log((count - hits + 0.5) / (hits + 0.5))
        idf[idf <= 0] = 1e-6
        norm = K1 * (1 - B + B * length_array / average)
        scores = idf[column_index] * frequency * (K1 + 1) / (frequency + norm[row_index])
        self.matrix = sparse.csc_matrix(
            (scores.astype(np.float32), (row_index, column_index)), shape=(count, len(vocabulary))
        )

    def __len__(self) -> int:
        return len(self.rowids)

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

