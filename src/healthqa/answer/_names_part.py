"""The name index as a derived part of the knowledge-base generation (``names``): built once, memory-mapped
by every process (see ``healthqa.answer.answerer.name_index`` and :func:`healthqa.retrieve.derived.mapped_part`).

Besides the index's own tables (:meth:`NameIndex.arrays`, which also saves the answers of the lowercase
abbreviation test for every name it can be asked about), the part holds the full-text terms that at least
``passages`` visible passages use, which answers most questions of the corpus word test without a database
read: a word is a corpus word when its one full-text term is among them. Every other word is still asked of
the store: the full-text index also counts superseded passages, which no store method lists, so a term seen
in fewer visible passages may still be in enough passages.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from healthqa.mapped import StringMultimap
from healthqa.store._pg_text import FTS5_TOKENIZER, phrase_terms
from healthqa.store.base import Store
from healthqa.understand import NameIndex

PART = "names"
# Raise when the arrays change, or what the saved answers depend on (the corpus word test's passages, the
# lowercase abbreviation test): older parts are then ignored and rebuilt.
VERSION = 6  # 3: drug tables' generic names are names; 4: also when the ingest builds it (an iterator of brands);
# 5 (6): names also read without accents and in American spelling
_TERMS = "known-terms"


def frequent_terms(store: Store, passages: int) -> set[str]:
    """The full-text terms of at least ``passages`` visible passages, as the store's full-text index reads
    their title, heading and text."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute(f"CREATE VIRTUAL TABLE t USING fts5(title, heading, text, tokenize = '{FTS5_TOKENIZER}')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")
        db.executemany("INSERT INTO t(title, heading, text) VALUES (?, ?, ?)",
                       ((p.title, p.heading, p.text) for p in store.iter_passages()))
        return {term for (term,) in db.execute("SELECT term FROM v WHERE doc >= ?", (passages,))}
    finally:
        db.close()


def pack(index: NameIndex, terms: Iterable[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    arrays, extra = index.arrays()
    packed = StringMultimap.pack(dict.fromkeys(terms, ()))
    return {**arrays, **{f"{_TERMS}-{name}": array for name, array in packed.items()}}, extra


def read(
    arrays: Mapping[str, np.ndarray], manifest: Mapping[str, Any], corpus_word: Callable[[str], bool]
) -> NameIndex:
    """The index of a part; ``corpus_word`` (the store's corpus word test) answers the words whose answer the
    part does not hold."""
    start = len(_TERMS) + 1
    terms = StringMultimap({name[start:]: arrays[name] for name in arrays if name.startswith(f"{_TERMS}-")})
    return NameIndex.from_arrays(arrays, manifest, known_word=known_word_test(terms, corpus_word))


def known_word_test(terms: StringMultimap, corpus_word: Callable[[str], bool]) -> Callable[[str], bool]:
    """The corpus word test answered from ``terms`` where it can be: a word made of one full-text term among
    them is in enough passages; any other word is asked of ``corpus_word``."""

    @functools.lru_cache(maxsize=50_000)
    def known(word: str) -> bool:
        found = phrase_terms(word)
        if len(found) == 1 and found[0] in terms:
            return True
        return corpus_word(word)

    return known
