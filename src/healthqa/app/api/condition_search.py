"""Finding conditions for a search box: the name typed, the names that start like it, and close spellings.

The disease index resolves whole names and codes and suggests names a text mentions (typos allowed), but a
person typing "lambert" into a search box also wants "Lambert-Eaton myasthenic syndrome". :class:`NameSearch`
adds that: every word of the query must begin a word of the name, in any order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from healthqa.conditions import AmbiguousConditionError, Candidate, ConditionNotFoundError, DiseaseIndex
from healthqa.conditions._tables import WordPrefixes
from healthqa.mapped import StringTable, plain
from healthqa.retrieve.derived import mapped_part
from healthqa.store import Store
from healthqa.understand import normalise

MAX_CANDIDATES = 20
# Part of each knowledge-base generation's derived files (healthqa.retrieve.derived).
PART = "condition-search"
PART_VERSION = 1
# A one-letter prefix begins most names: it narrows nothing and costs a sort of the whole list.
_MIN_PREFIX = 2


class NameSearch:
    """Word-prefix search over every title, focus and synonym of the knowledge base.

    Held as flat arrays (the normalised names with their document and kind; the sorted vocabulary of their words
    with each word's names), built from the store's names or mapped from the generation's derived files
    (:meth:`load`), with the same answers either way.
    """

    def __init__(self, names: Iterable[tuple[int, str, str]]) -> None:
        entries: list[tuple[str, int, bool]] = []  # (normalised name, document id, is a synonym)
        seen: set[tuple[str, int]] = set()
        for doc_id, name, kind in sorted(names, key=lambda n: n[2] == "synonym"):  # titles before synonyms
            normalised = normalise(name)
            if not normalised or (normalised, doc_id) in seen:
                continue
            seen.add((normalised, doc_id))
            entries.append((normalised, doc_id, kind == "synonym"))
        self._attach({
            **_prefixed("names", StringTable.pack(name for name, _, _ in entries)),
            "name-doc": np.array([doc_id for _, doc_id, _ in entries], dtype=np.int64),
            "name-synonym": np.array([synonym for _, _, synonym in entries], dtype=np.bool_),
            **WordPrefixes.pack("name", (name.split() for name, _, _ in entries)),
        })

    def _attach(self, arrays: Mapping[str, np.ndarray]) -> None:
        self._arrays = arrays
        self._names = StringTable(arrays["names-blob"], arrays["names-offsets"])
        self._name_doc = plain(arrays["name-doc"])
        self._name_synonym = plain(arrays["name-synonym"])
        self._words = WordPrefixes(arrays, "name")
        if not len(self._names) == len(self._name_doc) == len(self._name_synonym):
            raise ValueError("the name search's name arrays disagree in length")

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> NameSearch:
        """The search held by :meth:`arrays` (plain or memory-mapped); ValueError or KeyError when they do not
        fit together."""
        search = cls.__new__(cls)
        search._attach(arrays)
        return search

    def arrays(self) -> dict[str, np.ndarray]:
        return dict(self._arrays)

    @classmethod
    def load(cls, store: Store) -> NameSearch:
        """The search of the store's current generation: mapped from its derived files (built there first, under
        their lock, when missing), else built in memory (as :meth:`DiseaseIndex.load`)."""
        def build() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
            return cls(store.iter_names()).arrays(), {}

        mapped = mapped_part(store, PART, build, lambda arrays, _manifest: cls.from_arrays(arrays),
                             version=PART_VERSION)
        return mapped if mapped is not None else cls(store.iter_names())

    def find(self, text: str) -> list[int]:
        """Document ids whose names have words starting with each word of ``text``: the name itself first,
        then names that begin with it, titles before synonyms, then the shorter names."""
        query = normalise(text)
        if len(query) < _MIN_PREFIX:
            return []
        hits: set[int] | None = None
        for word in query.split():
            found = self._words.starting(word)
            hits = found if hits is None else hits & found
            if not hits:
                return []

        def rank(entry: tuple[int, str]) -> tuple[bool, bool, bool, int, str, int]:
            at, name = entry
            # The same name on several documents: in the order they were added (titles first, the store's order).
            return (name != query, not name.startswith(query), bool(self._name_synonym[at]), len(name), name, at)

        ranked = sorted(((at, self._names[at]) for at in hits or ()), key=rank)
        return [int(self._name_doc[at]) for at, _ in ranked]


def _prefixed(prefix: str, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {f"{prefix}-{name}": array for name, array in arrays.items()}


def candidates_for(index: DiseaseIndex, search: NameSearch, store: Store, text: str) -> list[Candidate]:
    """The condition ``text`` names (or the several it may mean), then names starting like it, then close
    spellings; each condition once, at most :data:`MAX_CANDIDATES`."""
    candidates: list[Candidate] = []
    try:
        candidates.append(index.candidate(index.resolve(text, store)))
    except AmbiguousConditionError as error:
        candidates += error.candidates
    except ConditionNotFoundError:
        pass  # its close spellings are the index's suggestions, added last
    refs = {c.ref for c in candidates}
    records: set[int] = set()

    def add(candidate: Candidate) -> None:
        if candidate.ref not in refs:
            refs.add(candidate.ref)
            candidates.append(candidate)

    for doc_id in search.find(text):
        if len(candidates) >= MAX_CANDIDATES:
            break
        record = index.record_of(doc_id)
        if record not in records:
            records.add(record)
            add(index.candidate(record))
    for candidate in index.suggestions(text):
        add(candidate)
    return candidates[:MAX_CANDIDATES]
