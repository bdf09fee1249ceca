"""The knowledge base's visible passages and FAQ questions as an answerer reads them, for answerers that serve
many questions.

Ranking one question reads a few hundred candidate passages (full-text and vector hits, the focus's
documents); from SQLite that costs ~3 ms a question, a quarter of an answer, and from PostgreSQL each read is a
round trip. Servers and batch runs read them from the generation's derived files instead
(:func:`mapped_tables`: memory-mapped, shared by the workers of a host), with what else an answer looks up
(the questions a passage answers, a document's page and questions, which documents have catalogue facts),
so that answering needs the database only for what those files cannot tell: a superseded id no FAQ question
names, the facts themselves. Where derived files are off, the passages
are copied into the process (~64 MiB over MedQuAD). An answerer belongs to one state of the knowledge base
(servers build a new one after an ingest), so neither is ever stale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from healthqa.errors import NotFoundError
from healthqa.retrieve import derived
from healthqa.retrieve._tables import MappedPassages, MappedQuestions
from healthqa.store.base import PassageRecord, QuestionRecord, Store


@dataclass(frozen=True)
class DocumentPage:
    """What an answer shows of a document it cannot quote: where it is, and the questions its source asks."""

    source: str
    title: str
    url: str
    questions: list[QuestionRecord]


class PassageTable:
    """The same three lookups as the store's, answered from memory; with ``passages=None``, by the store.

    :func:`mapped_tables` gives one whose passages are read from the generation's memory-mapped files
    (:class:`MappedPassages`) instead of copied into this process."""

    def __init__(self, store: Store, passages: Iterable[PassageRecord] | None = None,
                 mapped: tuple[MappedPassages, MappedQuestions] | None = None) -> None:
        self.store = store
        self.in_memory = passages is not None or mapped is not None
        self._mapped: MappedPassages | None = mapped[0] if mapped is not None else None
        self._questions: MappedQuestions | None = mapped[1] if mapped is not None else None
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
        """As :meth:`Store.passages_by_public_ids`: a superseded id resolves to its winner (through the store,
        unless the mapped files know it)."""
        if self._mapped is not None:
            found, missing = self._mapped.by_public_ids(public_ids)
        else:
            found = {pid: self._by_public[pid] for pid in public_ids if pid in self._by_public}
            missing = [pid for pid in public_ids if pid not in found]
        if missing:
            found.update(self.store.passages_by_public_ids(missing))
        return found

    def passage(self, public_id: str) -> PassageRecord:
        """As :meth:`Store.passage`."""
        found = self.by_public_ids([public_id]).get(public_id)
        if found is None:
            raise NotFoundError(f"no passage with id {public_id!r}")
        return found

    def questions_answered_by(self, public_ids: Sequence[str]) -> list[QuestionRecord]:
        """As :meth:`Store.questions_answered_by` (row id order)."""
        if self._questions is not None:
            return self._questions.answered_by(public_ids)
        return self.store.questions_answered_by(public_ids)

    def has_fact(self, document_id: int, kinds: Collection[str]) -> bool:
        """Whether the document has a catalogue fact of one of ``kinds``."""
        if self._mapped is not None:
            return self._mapped.has_fact(document_id, kinds)
        return any(fact.kind in kinds for fact in self.store.facts(document_id))

    def document_page(self, document_id: int) -> DocumentPage | None:
        """The source page a document was read from (source, title, link) and its FAQ questions; None when
        there is no such document."""
        if self._mapped is not None and self._questions is not None:
            page = self._mapped.page(document_id)
            return None if page is None else DocumentPage(*page, self._questions.of_document(document_id))
        try:
            document = self.store.document(document_id)
        except NotFoundError:
            return None
        return DocumentPage(document.source, document.title, document.url, document.questions)

    def of_documents(self, document_ids: Sequence[int], limit: int = 400) -> list[PassageRecord]:
        """As :meth:`Store.passages_of_documents`: their visible passages in row id order, at most ``limit``."""
        if not self.in_memory:
            return self.store.passages_of_documents(document_ids, limit)
        if self._mapped is not None:
            return self._mapped.of_documents(document_ids, limit)
        merged = [p for document_id in dict.fromkeys(document_ids) for p in self._of_document.get(document_id, ())]
        merged.sort(key=lambda passage: passage.rowid)
        return merged[:limit]


# Raise when the arrays' layout changes: older parts are then rebuilt.
_TABLES_VERSION = 4


def mapped_tables(store: Store, *, build_missing: bool = True) -> tuple[MappedPassages, MappedQuestions] | None:
    """The store's visible passages and FAQ questions as memory-mapped tables of its generation (built once,
    at ingest or by the first process that needs them); None where derived files are off or unavailable, or
    missing with ``build_missing=False``."""

    def build() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        questions = MappedQuestions.pack(store.iter_questions())
        answered = MappedQuestions(questions).answer_ids()
        return {**MappedPassages.pack(store, answered), **questions}, {}

    def read(arrays: Mapping[str, np.ndarray], manifest: dict[str, Any]) -> tuple[MappedPassages, MappedQuestions]:
        return MappedPassages(arrays), MappedQuestions(arrays)

    return derived.mapped_part(store, "tables", build, read, version=_TABLES_VERSION, build_missing=build_missing)
