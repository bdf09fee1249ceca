"""The knowledge base's visible passages held in memory, for answerers that serve many questions.

Ranking one question reads a few hundred candidate passages (full-text and vector hits, the focus's
documents); from SQLite that costs ~3 ms a question, a quarter of an answer. Servers and batch runs keep
every visible passage in memory instead (~64 MiB more per process over MedQuAD), read once with the rest of
the indexes. An answerer belongs to one state of the knowledge base (servers build a new one after an
ingest), so the copy is never stale. An id not found here (a superseded one) is looked up in the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from healthqa.store.base import PassageRecord, Store


class PassageTable:
    """The same three lookups as the store's, answered from memory; with ``passages=None``, by the store."""

    def __init__(self, store: Store, passages: Iterable[PassageRecord] | None = None) -> None:
        self.store = store
        self.in_memory = passages is not None
        self._by_rowid: dict[int, PassageRecord] = {}
        self._by_public: dict[str, PassageRecord] = {}
        self._of_document: dict[int, list[PassageRecord]] = defaultdict(list)
        for passage in passages or ():  # in row id order, as the store reads them
            self._by_rowid[passage.rowid] = passage
            self._by_public[passage.public_id] = passage
            self._of_document[passage.document_id].append(passage)

    def __len__(self) -> int:
        return len(self._by_rowid)

    def by_ids(self, rowids: Sequence[int]) -> list[PassageRecord]:
        """As :meth:`Store.passages_by_ids`: the passages in the order asked, unknown ids left out."""
        missing = [rowid for rowid in rowids if rowid not in self._by_rowid]
        found = {p.rowid: p for p in self.store.passages_by_ids(missing)} if missing else {}
        return [passage for rowid in rowids if (passage := self._by_rowid.get(rowid) or found.get(rowid))]

    def by_public_ids(self, public_ids: Sequence[str]) -> dict[str, PassageRecord]:
        """As :meth:`Store.passages_by_public_ids`: a superseded id resolves to its winner (through the store)."""
        found = {pid: self._by_public[pid] for pid in public_ids if pid in self._by_public}
        missing = [pid for pid in public_ids if pid not in found]
        if missing:
            found.update(self.store.passages_by_public_ids(missing))
        return found

    def of_documents(self, document_ids: Sequence[int], limit: int = 400) -> list[PassageRecord]:
        """As :meth:`Store.passages_of_documents`: their visible passages in row id order, at most ``limit``."""
        if not self.in_memory:
            return self.store.passages_of_documents(document_ids, limit)
        merged = [p for document_id in dict.fromkeys(document_ids) for p in self._of_document.get(document_id, ())]
        merged.sort(key=lambda passage: passage.rowid)
        return merged[:limit]
