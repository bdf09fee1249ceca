"""The knowledge base's visible passages held in memory, for answerers that serve many questions.

Ranking one question reads a few hundred candidate passages (full-text and vector hits, the focus's
documents); from SQLite that costs ~3 ms a question, a quarter of an answer. Servers and batch runs keep
every visible passage in memory instead (~64 MiB more per process over MedQuAD), read once with the rest of
the indexes. An answerer belongs to one state of the knowledge base (servers build a new one after an
ingest), so the copy is never stale. An id not found here (a superseded one) is looked up in the store.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from healthqa.mapped import StringMultimap
from healthqa.retrieve import derived
from healthqa.retrieve._columns import Columns
from healthqa.store.base import PassageRecord, QuestionRecord, Store

RECENT_RECORDS = 2048
# PassageRecord's and QuestionRecord's fields, in order (see healthqa.retrieve._columns).
_PASSAGE_KINDS = "issssoissssss"
_QUESTION_KINDS = "isssoi"


class PassageTable:
    """The same three lookups as the store's, answered from memory; with ``passages=None``, by the store.

    :func:`mapped_tables` gives one whose passages are read from the generation's memory-mapped files
    (:class:`MappedPassages`) instead of copied into this process."""

    def __init__(self, store: Store, passages: Iterable[PassageRecord] | None = None,
                 mapped: MappedPassages | None = None) -> None:
        self.store = store
        self.in_memory = passages is not None or mapped is not None
        self._mapped = mapped
        self._by_rowid: dict[int, PassageRecord] = {}
        self._by_public: dict[str, PassageRecord] = {}
        self._of_document: dict[int, list[PassageRecord]] = defaultdict(list)
        for passage in passages or ():  # in row id order, as the store reads them
            self._by_rowid[passage.rowid] = passage
            self._by_public[passage.public_id] = passage
            self._of_document[passage.document_id].append(passage)

    def __len__(self) -> int:
        return len(self._mapped) if self._mapped is not None else len(self._by_rowid)

    def by_ids(self, rowids: Sequence[int]) -> list[PassageRecord]:
        """As :meth:`Store.passages_by_ids`: the passages in the order asked, unknown ids left out."""
        known = self._mapped.by_rowids(rowids) if self._mapped is not None else self._by_rowid
        missing = [rowid for rowid in rowids if rowid not in known]
        found = {p.rowid: p for p in self.store.passages_by_ids(missing)} if missing else {}
        return [passage for rowid in rowids if (passage := known.get(rowid) or found.get(rowid))]

    def by_public_ids(self, public_ids: Sequence[str]) -> dict[str, PassageRecord]:
        """As :meth:`Store.passages_by_public_ids`: a superseded id resolves to its winner (through the store)."""
        if self._mapped is not None:
            found = self._mapped.by_public_ids(public_ids)
        else:
            found = {pid: self._by_public[pid] for pid in public_ids if pid in self._by_public}
        missing = [pid for pid in public_ids if pid not in found]
        if missing:
            found.update(self.store.passages_by_public_ids(missing))
        return found

    def of_documents(self, document_ids: Sequence[int], limit: int = 400) -> list[PassageRecord]:
        """As :meth:`Store.passages_of_documents`: their visible passages in row id order, at most ``limit``."""
        if not self.in_memory:
            return self.store.passages_of_documents(document_ids, limit)
        if self._mapped is not None:
            return self._mapped.of_documents(document_ids, limit)
        merged = [p for document_id in dict.fromkeys(document_ids) for p in self._of_document.get(document_id, ())]
        merged.sort(key=lambda passage: passage.rowid)
        return merged[:limit]


class MappedPassages:
    """The visible passages, read from flat (memory-mapped) arrays: rows in row id order, a row's record
    made when it is asked for."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self._rows = Columns(_PASSAGE_KINDS, {k[2:]: v for k, v in arrays.items() if k.startswith("p-")})
        # Plain (contiguous) views: numpy's memmap subclass costs microseconds a call.
        self._rowids = np.asarray(arrays["rowids"])
        self._public = StringMultimap({k[4:]: v for k, v in arrays.items() if k.startswith("pid-")})
        self._by_document = np.asarray(arrays["by-document"])  # positions ordered by (document, row id)
        self._documents = np.asarray(arrays["document-sorted"])
        if not len(self._public) == len(self._by_document) == len(self._documents) == len(self._rows) \
                == len(self._rowids):
            raise ValueError("the passage arrays disagree in length")
        # A question reads most of its candidates twice (ranking, then the answer's choice), and questions on
        # one condition share passages: the records made last are kept (a few MiB), the rest stay in the files.
        self._recent = functools.lru_cache(maxsize=RECENT_RECORDS)(self._make_record)

    @staticmethod
    def pack(passages: Iterable[PassageRecord]) -> dict[str, np.ndarray]:
        records = sorted(passages, key=lambda passage: passage.rowid)
        rows = Columns.pack(_PASSAGE_KINDS, (_fields(p) for p in records))
        public = StringMultimap.pack({p.public_id: [position] for position, p in enumerate(records)})
        document_ids = np.array([p.document_id for p in records], dtype=np.int64)
        by_document = np.argsort(document_ids, kind="stable").astype(np.int64)
        return {**{f"p-{k}": v for k, v in rows.items()}, **{f"pid-{k}": v for k, v in public.items()},
                "rowids": np.array([p.rowid for p in records], dtype=np.int64),
                "by-document": by_document, "document-sorted": document_ids[by_document]}

    def __len__(self) -> int:
        return len(self._rows)

    def _record(self, position: int) -> PassageRecord:
        return self._recent(position)

    def _make_record(self, position: int) -> PassageRecord:
        return PassageRecord(*self._rows.row(position))

    def by_rowids(self, rowids: Sequence[int]) -> dict[int, PassageRecord]:
        if not rowids:
            return {}
        wanted = np.asarray(rowids, dtype=np.int64)
        positions = np.searchsorted(self._rowids, wanted)
        found: dict[int, PassageRecord] = {}
        for rowid, position in zip(wanted.tolist(), positions.tolist(), strict=True):
            if position < len(self._rowids) and int(self._rowids[position]) == rowid and rowid not in found:
                found[rowid] = self._record(position)
        return found

    def by_public_ids(self, public_ids: Sequence[str]) -> dict[str, PassageRecord]:
        found: dict[str, PassageRecord] = {}
        for public_id, positions in zip(public_ids, self._public.get_many(public_ids), strict=True):
            if positions is not None and len(positions):
                found[public_id] = self._record(int(positions[0]))
        return found

    def of_documents(self, document_ids: Sequence[int], limit: int) -> list[PassageRecord]:
        positions: list[int] = []
        for document_id in dict.fromkeys(document_ids):
            low, high = np.searchsorted(self._documents, [document_id, document_id + 1]).tolist()
            positions.extend(self._by_document[low:high].tolist())
        positions.sort()  # positions are in row id order
        return [self._record(position) for position in positions[:limit]]


class MappedQuestions(Mapping[int, QuestionRecord]):
    """The FAQ questions by row id, read from flat (memory-mapped) arrays."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self._rows = Columns(_QUESTION_KINDS, {k[2:]: v for k, v in arrays.items() if k.startswith("q-")})
        self._rowids = np.asarray(arrays["question-rowids"])
        if len(self._rowids) != len(self._rows):
            raise ValueError("the question arrays disagree in length")

    @staticmethod
    def pack(questions: Iterable[QuestionRecord]) -> dict[str, np.ndarray]:
        records = sorted(questions, key=lambda question: question.rowid)
        rows = Columns.pack(_QUESTION_KINDS, ((q.rowid, q.public_id, q.text, q.qtype, q.answer_id, q.document_id)
                                              for q in records))
        return {**{f"q-{k}": v for k, v in rows.items()},
                "question-rowids": np.array([q.rowid for q in records], dtype=np.int64)}

    def __getitem__(self, rowid: int) -> QuestionRecord:
        position = int(np.searchsorted(self._rowids, rowid))
        if position >= len(self._rowids) or int(self._rowids[position]) != rowid:
            raise KeyError(rowid)
        return QuestionRecord(*self._rows.row(position))

    def __iter__(self) -> Iterator[int]:
        return iter(self._rowids.tolist())

    def __len__(self) -> int:
        return len(self._rows)


def _fields(passage: PassageRecord) -> tuple[Any, ...]:
    return (passage.rowid, passage.public_id, passage.text, passage.section, passage.heading, passage.updated,
            passage.document_id, passage.document_key, passage.title, passage.url, passage.source, passage.tier,
            passage.licence)


# Raise when the arrays' layout changes: older parts are then rebuilt.
_TABLES_VERSION = 2


def mapped_tables(store: Store) -> tuple[MappedPassages, MappedQuestions] | None:
    """The store's visible passages and FAQ questions as memory-mapped tables of its generation (built once,
    at ingest or by the first process that needs them); None where derived files are off or unavailable."""

    def build() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {**MappedPassages.pack(store.iter_passages()), **MappedQuestions.pack(store.iter_questions())}, {}

    def read(arrays: Mapping[str, np.ndarray], manifest: dict[str, Any]) -> tuple[MappedPassages, MappedQuestions]:
        return MappedPassages(arrays), MappedQuestions(arrays)

    return derived.mapped_part(store, "tables", build, read, version=_TABLES_VERSION)
