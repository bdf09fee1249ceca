"""How many passages contain a phrase, answered on this machine: :func:`phrase_counter`.

Answering asks it of the names a question mentions (how specific "gout" is, next to "joint pain") and of
words that might be typos (is "diahrrea" a word of the corpus?). On SQLite the store answers from its own
full-text index in a fraction of a millisecond. On a database server each count is a round trip and, for a
common word, a scan of its postings (~14 ms a question on PostgreSQL here). So for such a store the counts come
from a local copy of its full-text index: an FTS5 table over exactly the rows the store counts (superseded
passages included, as the store contract says), written once per knowledge-base generation as a derived part
(``phrases/phrases.db``) and opened read-only and memory-mapped by every process, so a host's workers share
its pages.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path
from typing import Any, Protocol

from healthqa.retrieve import derived
from healthqa.store._pg_text import FTS5_TOKENIZER
from healthqa.store.base import Store
from healthqa.store.sqlite import SQLiteStore

PART = "phrases"
_FILE = "phrases.db"
_VERSION = 1
_WORD = re.compile(r"\w+", re.UNICODE)
_BATCH = 2000


class PhraseCounter(Protocol):
    def phrase_frequency(self, phrase: str, cap: int = 5000) -> int: ...


class LocalPhrases:
    """Phrase counts from a local FTS5 copy of a store's full-text index (one read-only connection per thread)."""

    def __init__(self, path: Path, rows: int) -> None:
        self.path = path
        self.rows = rows
        self._local = threading.local()
        self._connection()  # a file that cannot be opened is found now, not on the first question

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # immutable: the file never changes once published (a new generation is a new folder).
            db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            db.execute("PRAGMA mmap_size = 1073741824")  # read through the page cache, shared by processes
            self._local.db = db
        return db

    def phrase_frequency(self, phrase: str, cap: int = 5000) -> int:
        """As :meth:`healthqa.store.base.Store.phrase_frequency` (the same FTS5 query as the SQLite store's)."""
        words = [w for w in _WORD.findall(phrase.lower()) if w]
        if not words:
            return 0
        query = '"' + " ".join(words) + '"'
        row = self._connection().execute(
            "SELECT COUNT(*) FROM (SELECT rowid FROM passage_fts WHERE passage_fts MATCH ? LIMIT ?)", (query, cap)
        ).fetchone()
        return int(row[0])


def phrase_counter(store: Store) -> PhraseCounter:
    """What answers phrase counts for ``store``: a SQLite store itself; for another backend, the generation's
    local copy (built once: at ingest, else by the first process that needs it), or the store where derived
    files are off or unavailable."""
    if isinstance(store, SQLiteStore):
        return store
    local = derived.file_part(store, PART, lambda folder: _write(store, folder), _read, version=_VERSION)
    return local if local is not None else store


def _write(store: Store, folder: Path) -> dict[str, Any]:
    path = folder / _FILE
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute(f"CREATE VIRTUAL TABLE passage_fts USING fts5(title, heading, text, tokenize = '{FTS5_TOKENIZER}')")
        rows = 0
        batch: list[tuple[str, str, str]] = []
        for texts in store.iter_indexed_texts():
            batch.append(texts)
            if len(batch) >= _BATCH:
                db.executemany("INSERT INTO passage_fts(title, heading, text) VALUES (?, ?, ?)", batch)
                rows += len(batch)
                batch.clear()
        db.executemany("INSERT INTO passage_fts(title, heading, text) VALUES (?, ?, ?)", batch)
        rows += len(batch)
        db.execute("INSERT INTO passage_fts(passage_fts) VALUES ('optimize')")
        db.commit()
    finally:
        db.close()
    return {"rows": rows}


def _read(folder: Path, manifest: dict[str, Any]) -> LocalPhrases:
    path = folder / _FILE
    if not path.is_file():
        raise KeyError(_FILE)
    try:
        local = LocalPhrases(path, int(manifest["rows"]))
        count = local._connection().execute("SELECT COUNT(*) FROM passage_fts").fetchone()[0]
    except sqlite3.Error as error:  # a damaged file: ignored and rebuilt like any unreadable part
        raise ValueError(f"the phrase index cannot be read ({error})") from error
    if int(count) != local.rows:
        raise ValueError("the phrase index holds another number of rows")
    return local
