"""Finding conditions for a search box: the name typed, the names that start like it, and close spellings.

The disease index resolves whole names and codes and suggests names a text mentions (typos allowed), but a
person typing "lambert" into a search box also wants "Lambert-Eaton myasthenic syndrome". :class:`NameSearch`
adds that: every word of the query must begin a word of the name, in any order.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable

from healthqa.conditions import AmbiguousConditionError, Candidate, ConditionNotFoundError, DiseaseIndex
from healthqa.store import Store
from healthqa.understand import normalise

MAX_CANDIDATES = 20
# A one-letter prefix begins most names: it narrows nothing and costs a sort of the whole list.
_MIN_PREFIX = 2


class NameSearch:
    """Word-prefix search over every title, focus and synonym of the knowledge base."""

    def __init__(self, names: Iterable[tuple[int, str, str]]) -> None:
        self._names: list[tuple[str, int, bool]] = []  # (normalised name, document id, is a synonym)
        postings: dict[str, set[int]] = defaultdict(set)
        seen: set[tuple[str, int]] = set()
        for doc_id, name, kind in sorted(names, key=lambda n: n[2] == "synonym"):  # titles before synonyms
            normalised = normalise(name)
            if not normalised or (normalised, doc_id) in seen:
                continue
            seen.add((normalised, doc_id))
            for word in normalised.split():
                postings[word].add(len(self._names))
            self._names.append((normalised, doc_id, kind == "synonym"))
        self._vocabulary = sorted(postings)
        self._postings = dict(postings)

    def _starting(self, prefix: str) -> set[int]:
        found: set[int] = set()
        at = bisect_left(self._vocabulary, prefix)
        while at < len(self._vocabulary) and self._vocabulary[at].startswith(prefix):
            found |= self._postings[self._vocabulary[at]]
            at += 1
        return found

    def find(self, text: str) -> list[int]:
        """Document ids whose names have words starting with each word of ``text``: the name itself first,
        then names that begin with it, titles before synonyms, then the shorter names."""
        query = normalise(text)
        if len(query) < _MIN_PREFIX:
            return []
        hits: set[int] | None = None
        for word in query.split():
            found = self._starting(word)
            hits = found if hits is None else hits & found
            if not hits:
                return []

        def rank(entry: int) -> tuple[bool, bool, bool, int, str]:
            name, _doc_id, synonym = self._names[entry]
            return (name != query, not name.startswith(query), synonym, len(name), name)

        return [self._names[entry][1] for entry in sorted(hits or (), key=rank)]


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
