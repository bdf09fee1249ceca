"""The tables of a :class:`~healthqa.understand._names.NameIndex` as flat arrays (:mod:`healthqa.mapped`), and
read-only views of those arrays that answer as the dicts and sets the index builds in memory.

Building the index costs a process seconds and hundreds of MiB (a million one- and two-letter deletions of the
names' words); as arrays saved once per knowledge-base generation and memory-mapped, it costs a start
milliseconds and is shared by every worker of a host. The views answer exactly what the dicts did; the order in
which they list a key's values may differ, which no caller depends on (they take unions, minima and sorted
lists).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Collection, Iterator, Mapping, Set
from typing import Any

import numpy as np

from healthqa.mapped import StringMultimap, StringTable

# Names whose position in the names map a process keeps: reading one span of a question asks the map about it
# up to five times (its documents, flags, display name, generic; its documents' other names).
_POSITIONS_KEPT = 20_000
# Per-key flags of the names map.
CASE_SENSITIVE = 1
BRANDED = 2  # a brand of a drug table: the key has a generic (see NameIndex._generic_of)
READS_AS_ABBREVIATION = 4  # precomputed answer of NameIndex._lowercase_abbreviation


def _prefixed(prefix: str, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {f"{prefix}-{name}": array for name, array in arrays.items()}


def _unprefixed(prefix: str, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    start = len(prefix) + 1
    return {name[start:]: arrays[name] for name in arrays if name.startswith(f"{prefix}-")}


def _word_sets(prefix: str, mapping: Mapping[str, Collection[str]]) -> dict[str, np.ndarray]:
    """A string-to-strings map as a table of the distinct strings and a map to their positions."""
    words = sorted({word for values in mapping.values() for word in values})
    position = {word: number for number, word in enumerate(words)}
    return {
        **_prefixed(f"{prefix}-words", StringTable.pack(words)),
        **_prefixed(prefix, StringMultimap.pack({key: [position[w] for w in values]
                                                 for key, values in mapping.items()})),
    }


def pack(
    names: Mapping[str, Set[int]],
    display: Mapping[str, str],
    flags: Mapping[str, int],
    generic_of: Mapping[str, str],
    titles: Mapping[int, str],
    longest_from: Mapping[str, int],
    vocabulary: Collection[str],
    deletes: Mapping[str, Collection[str]],
    everyday: Collection[str],
    dictionary_deletes: Callable[[], Mapping[str, Collection[str]]],
) -> dict[str, np.ndarray]:
    """Every table of a name index as arrays by name (see :class:`MappedTables` for how they are read);
    ``dictionary_deletes`` is called only where this process has not packed the same dictionary before."""
    packed_names = StringMultimap.pack(names)
    keys = list(StringTable(packed_names["keys-blob"], packed_names["keys-offsets"]))
    position = {key: number for number, key in enumerate(keys)}
    keys_of: dict[int, list[int]] = {}
    for key, documents in names.items():
        for document_id in documents:
            keys_of.setdefault(document_id, []).append(position[key])
    holders = sorted(keys_of)
    starts = np.zeros(len(holders) + 1, dtype=np.int64)
    if holders:
        np.cumsum([len(keys_of[d]) for d in holders], out=starts[1:])
    title_ids = sorted(titles)
    return {
        **_prefixed("names", packed_names),
        **_prefixed("display", StringTable.pack(display[key] for key in keys)),
        "flags": np.array([flags.get(key, 0) for key in keys], dtype=np.uint8),
        **_prefixed("generic", StringTable.pack(generic_of.get(key, "") for key in keys)),
        "titles-ids": np.array(title_ids, dtype=np.int64),
        **_prefixed("titles", StringTable.pack(titles[d] for d in title_ids)),
        "keys-of-documents": np.array(holders, dtype=np.int64),
        "keys-of-starts": starts,
        "keys-of-keys": np.array([p for d in holders for p in sorted(keys_of[d])], dtype=np.int32),
        **_prefixed("longest", StringMultimap.pack({word: [size] for word, size in longest_from.items()})),
        **_prefixed("vocabulary", StringMultimap.pack(dict.fromkeys(vocabulary, ()))),
        **_word_sets("deletes", deletes),
        **_dictionary_arrays(everyday, dictionary_deletes),
    }


# The everyday words' tables depend only on the dictionary (the sentence encoder's vocabulary): packed once per
# process, not once per knowledge base (a second or two each: tests build hundreds of small knowledge bases).
_DICTIONARIES_KEPT = 2
_packed_dictionaries: dict[str, dict[str, np.ndarray]] = {}


def _dictionary_arrays(
    everyday: Collection[str], dictionary_deletes: Callable[[], Mapping[str, Collection[str]]]
) -> dict[str, np.ndarray]:
    digest = hashlib.sha256("\n".join(sorted(everyday)).encode("utf-8")).hexdigest()
    arrays = _packed_dictionaries.get(digest)
    if arrays is None:
        arrays = {**_prefixed("everyday", StringMultimap.pack(dict.fromkeys(everyday, ()))),
                  **_word_sets("dictionary-deletes", dictionary_deletes())}
        if len(_packed_dictionaries) >= _DICTIONARIES_KEPT:
            _packed_dictionaries.clear()
        _packed_dictionaries[digest] = arrays
    return arrays


class _KeySet(Set[str]):
    """A set of strings held as a string map with empty values."""

    def __init__(self, table: StringMultimap) -> None:
        self._table = table

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._table.position(key) >= 0

    def __iter__(self) -> Iterator[str]:
        return self._table.keys()

    def __len__(self) -> int:
        return len(self._table)


def words_of(index: Mapping[str, Collection[str]], keys: Collection[str]) -> Collection[str]:
    """The strings ``index`` maps any of ``keys`` to (maybe repeated), with one binary search for all the keys
    where ``index`` is mapped (a word's deletions are dozens of keys)."""
    if isinstance(index, _WordsByKey):
        return index.words_of(keys)
    return [word for key in keys for word in index.get(key, ())]


class _WordsByKey(Mapping[str, Collection[str]]):
    """A string to the strings of a table at the positions it maps to (the deletions' index)."""

    def __init__(self, table: StringMultimap, words: StringTable) -> None:
        self._table = table
        self._words = words

    def get(self, key: str, default: Any = None) -> Any:
        found = self._table.get(key)
        return default if found is None else [self._words[i] for i in found.tolist()]

    def words_of(self, keys: Collection[str]) -> Collection[str]:
        found = [values for values in self._table.get_many(list(keys)) if values is not None and len(values)]
        if not found:
            return []
        return [self._words[i] for i in np.unique(np.concatenate(found)).tolist()]

    def __getitem__(self, key: str) -> Collection[str]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._table.position(key) >= 0

    def __iter__(self) -> Iterator[str]:
        return self._table.keys()

    def __len__(self) -> int:
        return len(self._table)


class MappedTables:
    """The views a name index reads instead of its dicts, from the arrays :func:`pack` made."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.names_table = StringMultimap(_unprefixed("names", arrays))
        self.display_table = StringTable(arrays["display-blob"], arrays["display-offsets"])
        self.generic_table = StringTable(arrays["generic-blob"], arrays["generic-offsets"])
        self.flags = arrays["flags"]
        self.title_ids = arrays["titles-ids"]
        self.title_table = StringTable(arrays["titles-blob"], arrays["titles-offsets"])
        self.keys_of_documents = arrays["keys-of-documents"]
        self.keys_of_starts = arrays["keys-of-starts"]
        self.keys_of_keys = arrays["keys-of-keys"]
        if not len(self.flags) == len(self.display_table) == len(self.generic_table) == len(self.names_table):
            raise ValueError("the name index's per-name arrays disagree in length")
        if len(self.title_ids) != len(self.title_table) or len(self.keys_of_starts) != len(self.keys_of_documents) + 1:
            raise ValueError("the name index's per-document arrays disagree in length")
        self.longest = StringMultimap(_unprefixed("longest", arrays))
        self.vocabulary = _KeySet(StringMultimap(_unprefixed("vocabulary", arrays)))
        self.deletes = _WordsByKey(StringMultimap(_unprefixed("deletes", arrays)),
                                   StringTable(arrays["deletes-words-blob"], arrays["deletes-words-offsets"]))
        self.everyday = _KeySet(StringMultimap(_unprefixed("everyday", arrays)))
        self.dictionary_deletes = _WordsByKey(
            StringMultimap(_unprefixed("dictionary-deletes", arrays)),
            StringTable(arrays["dictionary-deletes-words-blob"], arrays["dictionary-deletes-words-offsets"]),
        )
        self.name_position = functools.lru_cache(maxsize=_POSITIONS_KEPT)(self.names_table.position)
        self.names = _Names(self)
        self.display = _PerName(self, lambda position: self.display_table[position])
        self.generic_of = _PerName(self, lambda position: self.generic_table[position], BRANDED)
        self.case_sensitive = _FlaggedNames(self, CASE_SENSITIVE)
        self.titles = _Titles(self)
        self.keys_of = _KeysOf(self)
        self.longest_from = _Longest(self.longest)

    def flagged(self, key: str, flag: int) -> bool:
        position = self.name_position(key)
        return position >= 0 and bool(int(self.flags[position]) & flag)


class _Names(Mapping[str, Set[int]]):
    def __init__(self, tables: MappedTables) -> None:
        self._table = tables.names_table
        self._position = tables.name_position

    def get(self, key: str, default: Any = None) -> Any:
        position = self._position(key)
        return default if position < 0 else frozenset(self._table.values_at(position).tolist())

    def __getitem__(self, key: str) -> Set[int]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return self._table.keys()

    def __len__(self) -> int:
        return len(self._table)


class _PerName(Mapping[str, str]):
    """A string per key of the names map; with ``flag``, only the keys that have it (others are absent)."""

    def __init__(self, tables: MappedTables, value: Any, flag: int = 0) -> None:
        self._tables = tables
        self._value = value
        self._flag = flag

    def _at(self, key: object) -> int:
        if not isinstance(key, str):
            return -1
        position = self._tables.name_position(key)
        if position >= 0 and self._flag and not int(self._tables.flags[position]) & self._flag:
            return -1
        return position

    def get(self, key: str, default: Any = None) -> Any:
        position = self._at(key)
        return default if position < 0 else self._value(position)

    def __getitem__(self, key: str) -> str:
        position = self._at(key)
        if position < 0:
            raise KeyError(key)
        return str(self._value(position))

    def __contains__(self, key: object) -> bool:
        return self._at(key) >= 0

    def __iter__(self) -> Iterator[str]:
        every_key = self._tables.names_table.keys()
        return (key for key in every_key if key in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _FlaggedNames(Set[str]):
    def __init__(self, tables: MappedTables, flag: int) -> None:
        self._tables = tables
        self._flag = flag

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._tables.flagged(key, self._flag)

    def __iter__(self) -> Iterator[str]:
        every_key = self._tables.names_table.keys()
        return (key for key in every_key if key in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _position(ids: np.ndarray, document_id: object) -> int:
    if not isinstance(document_id, int | np.integer):
        return -1
    at = int(np.searchsorted(ids, document_id))
    return at if at < len(ids) and int(ids[at]) == document_id else -1


class _Titles(Mapping[int, str]):
    def __init__(self, tables: MappedTables) -> None:
        self._tables = tables

    def __getitem__(self, document_id: int) -> str:
        at = _position(self._tables.title_ids, document_id)
        if at < 0:
            raise KeyError(document_id)
        return self._tables.title_table[at]

    def __iter__(self) -> Iterator[int]:
        return iter(self._tables.title_ids.tolist())

    def __len__(self) -> int:
        return len(self._tables.title_ids)


class _KeysOf(Mapping[int, Collection[str]]):
    def __init__(self, tables: MappedTables) -> None:
        self._tables = tables

    def __getitem__(self, document_id: int) -> Collection[str]:
        tables = self._tables
        at = _position(tables.keys_of_documents, document_id)
        if at < 0:
            raise KeyError(document_id)
        positions = tables.keys_of_keys[int(tables.keys_of_starts[at]):int(tables.keys_of_starts[at + 1])]
        return [tables.names_table.key_at(p) for p in positions.tolist()]

    def __iter__(self) -> Iterator[int]:
        return iter(self._tables.keys_of_documents.tolist())

    def __len__(self) -> int:
        return len(self._tables.keys_of_documents)


class _Longest(Mapping[str, int]):
    def __init__(self, table: StringMultimap) -> None:
        self._table = table

    def get(self, key: str, default: Any = None) -> Any:
        found = self._table.get(key)
        return default if found is None else int(found[0])

    def __getitem__(self, key: str) -> int:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return int(found)

    def __iter__(self) -> Iterator[str]:
        return self._table.keys()

    def __len__(self) -> int:
        return len(self._table)
