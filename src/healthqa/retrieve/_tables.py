"""The knowledge base's visible passages and FAQ questions, with the few lookups answering needs besides them,
in flat arrays that :func:`healthqa.retrieve.passages.mapped_tables` writes once per generation and every
process memory-maps (see :class:`healthqa.retrieve.passages.PassageTable`)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from healthqa.mapped import StringMultimap
from healthqa.retrieve._columns import Columns
from healthqa.store.base import PassageRecord, QuestionRecord, Store

RECENT_RECORDS = 2048
# PassageRecord's and QuestionRecord's fields, in order (see healthqa.retrieve._columns).
_PASSAGE_KINDS = "issssoissssss"
_QUESTION_KINDS = "isssoi"


def _prefixed(arrays: Mapping[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {name[len(prefix):]: array for name, array in arrays.items() if name.startswith(prefix)}


def _positions_of(sorted_keys: np.ndarray, order: np.ndarray, key: int) -> list[int]:
    """The positions whose key is ``key``, from keys sorted (``sorted_keys``) with their positions (``order``)."""
    low, high = np.searchsorted(sorted_keys, [key, key + 1]).tolist()
    positions: list[int] = order[low:high].tolist()
    return positions


class MappedPassages:
    """The visible passages, read from flat (memory-mapped) arrays: rows in row id order, a row's record
    made when it is asked for."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self._rows = Columns(_PASSAGE_KINDS, _prefixed(arrays, "p-"))
        # Plain (contiguous) views: numpy's memmap subclass costs microseconds a call.
        self._rowids = np.asarray(arrays["rowids"])
        self._public = StringMultimap(_prefixed(arrays, "pid-"))
        # Ids the FAQ questions answer with that are not visible: each one's winner (one position), or none.
        self._moved = StringMultimap(_prefixed(arrays, "moved-"))
        self._fact_kinds = StringMultimap(_prefixed(arrays, "facts-"))
        # Every document's page (source, title, url), by document id.
        self._pages = Columns("isss", _prefixed(arrays, "pages-"))
        self._page_ids = np.asarray(arrays["page-ids"])
        if len(self._page_ids) != len(self._pages):
            raise ValueError("the page arrays disagree in length")
        self._by_document = np.asarray(arrays["by-document"])  # positions ordered by (document, row id)
        self._documents = np.asarray(arrays["document-sorted"])
        if not len(self._public) == len(self._by_document) == len(self._documents) == len(self._rows) \
                == len(self._rowids):
            raise ValueError("the passage arrays disagree in length")
        # A question reads most of its candidates twice (ranking, then the answer's choice), and questions on
        # one condition share passages: the records made last are kept (a few MiB), the rest stay in the files.
        self._record = functools.lru_cache(maxsize=RECENT_RECORDS)(self._make_record)

    @staticmethod
    def pack(store: Store, answered: Iterable[str]) -> dict[str, np.ndarray]:
        """The arrays of ``store``'s visible passages; ``answered``: the public ids its FAQ questions answer with."""
        records = sorted(store.iter_passages(), key=lambda passage: passage.rowid)
        rows = Columns.pack(_PASSAGE_KINDS, (_fields(p) for p in records))
        public = StringMultimap.pack({p.public_id: [position] for position, p in enumerate(records)})
        position_of = {p.rowid: position for position, p in enumerate(records)}
        hidden = sorted(set(answered) - {p.public_id for p in records})
        winners = store.passages_by_public_ids(hidden) if hidden else {}
        moved = StringMultimap.pack({public_id: [position_of[winners[public_id].rowid]]
                                     if public_id in winners and winners[public_id].rowid in position_of else []
                                     for public_id in hidden})
        facts = StringMultimap.pack({_fact_key(document_id, kind): [] for document_id, kind in store.iter_fact_kinds()})
        pages = sorted(store.iter_document_pages())
        document_ids = np.array([p.document_id for p in records], dtype=np.int64)
        by_document = np.argsort(document_ids, kind="stable").astype(np.int64)
        return {**{f"p-{k}": v for k, v in rows.items()}, **{f"pid-{k}": v for k, v in public.items()},
                **{f"moved-{k}": v for k, v in moved.items()}, **{f"facts-{k}": v for k, v in facts.items()},
                **{f"pages-{k}": v for k, v in Columns.pack("isss", pages).items()},
                "page-ids": np.array([page[0] for page in pages], dtype=np.int64),
                "rowids": np.array([p.rowid for p in records], dtype=np.int64),
                "by-document": by_document, "document-sorted": document_ids[by_document]}

    def __len__(self) -> int:
        return len(self._rows)

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

    def by_public_ids(self, public_ids: Sequence[str]) -> tuple[dict[str, PassageRecord], list[str]]:
        """The passages of ``public_ids`` (a superseded id known to the FAQ questions gives its winner), and the
        ids these files cannot tell about (to ask the store)."""
        found: dict[str, PassageRecord] = {}
        unknown: list[str] = []
        for public_id, positions in zip(public_ids, self._public.get_many(public_ids), strict=True):
            if positions is None:
                positions = self._moved.get(public_id)
                if positions is None:
                    unknown.append(public_id)
                    continue
            if len(positions):
                found[public_id] = self._record(int(positions[0]))
        return found, unknown

    def page(self, document_id: int) -> tuple[str, str, str] | None:
        """The document's (source, title, url), or None when there is no such document."""
        position = int(np.searchsorted(self._page_ids, document_id))
        if position >= len(self._page_ids) or int(self._page_ids[position]) != document_id:
            return None
        _, source, title, url = self._pages.row(position)
        return source, title, url

    def has_fact(self, document_id: int, kinds: Iterable[str]) -> bool:
        """Whether the document has a catalogue fact of one of ``kinds``."""
        return any(_fact_key(document_id, kind) in self._fact_kinds for kind in kinds)

    def of_documents(self, document_ids: Sequence[int], limit: int) -> list[PassageRecord]:
        positions: list[int] = []
        for document_id in dict.fromkeys(document_ids):
            positions.extend(_positions_of(self._documents, self._by_document, document_id))
        positions.sort()  # positions are in row id order
        return [self._record(position) for position in positions[:limit]]


class MappedQuestions(Mapping[int, QuestionRecord]):
    """The FAQ questions by row id, read from flat (memory-mapped) arrays."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self._rows = Columns(_QUESTION_KINDS, _prefixed(arrays, "q-"))
        self._rowids = np.asarray(arrays["question-rowids"])
        self._answering = StringMultimap(_prefixed(arrays, "answers-"))  # answer id -> positions, ascending
        self._by_document = np.asarray(arrays["question-by-document"])
        self._documents = np.asarray(arrays["question-document-sorted"])
        if not len(self._rowids) == len(self._rows) == len(self._by_document) == len(self._documents):
            raise ValueError("the question arrays disagree in length")

    @staticmethod
    def pack(questions: Iterable[QuestionRecord]) -> dict[str, np.ndarray]:
        records = sorted(questions, key=lambda question: question.rowid)
        rows = Columns.pack(_QUESTION_KINDS, ((q.rowid, q.public_id, q.text, q.qtype, q.answer_id, q.document_id)
                                              for q in records))
        answering: dict[str, list[int]] = {}
        for position, question in enumerate(records):
            if question.answer_id is not None:
                answering.setdefault(question.answer_id, []).append(position)
        document_ids = np.array([q.document_id for q in records], dtype=np.int64)
        by_document = np.argsort(document_ids, kind="stable").astype(np.int64)
        return {**{f"q-{k}": v for k, v in rows.items()},
                **{f"answers-{k}": v for k, v in StringMultimap.pack(answering).items()},
                "question-rowids": np.array([q.rowid for q in records], dtype=np.int64),
                "question-by-document": by_document, "question-document-sorted": document_ids[by_document]}

    def answer_ids(self) -> Iterator[str]:
        """Every public id a question answers with."""
        return self._answering.keys()

    def _record(self, position: int) -> QuestionRecord:
        return QuestionRecord(*self._rows.row(position))

    def answered_by(self, public_ids: Sequence[str]) -> list[QuestionRecord]:
        """As :meth:`Store.questions_answered_by`: in row id order."""
        positions: set[int] = set()
        for found in self._answering.get_many(list(dict.fromkeys(public_ids))):
            if found is not None:
                positions.update(found.tolist())
        return [self._record(position) for position in sorted(positions)]

    def of_document(self, document_id: int) -> list[QuestionRecord]:
        """The document's questions in row id order."""
        return [self._record(p) for p in sorted(_positions_of(self._documents, self._by_document, document_id))]

    def __getitem__(self, rowid: int) -> QuestionRecord:
        position = int(np.searchsorted(self._rowids, rowid))
        if position >= len(self._rowids) or int(self._rowids[position]) != rowid:
            raise KeyError(rowid)
        return self._record(position)

    def __iter__(self) -> Iterator[int]:
        return iter(self._rowids.tolist())

    def __len__(self) -> int:
        return len(self._rows)


def _fields(passage: PassageRecord) -> tuple[Any, ...]:
    return (passage.rowid, passage.public_id, passage.text, passage.section, passage.heading, passage.updated,
            passage.document_id, passage.document_key, passage.title, passage.url, passage.source, passage.tier,
            passage.licence)




def _fact_key(document_id: int, kind: str) -> str:
    return f"{document_id}\t{kind}"
