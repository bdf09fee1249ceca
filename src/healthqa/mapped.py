"""Read-only tables of strings and integers held in flat numpy arrays, for indexes that every process maps
from files instead of building (:mod:`healthqa.retrieve.derived`).

A Python ``dict`` of strings costs each worker of a server its own hundreds of bytes per entry, and building
it costs seconds at every start. The same content as a few flat arrays, saved once per knowledge-base
generation and loaded with ``numpy.load(mmap_mode="r")``, costs a start nothing and is shared by every
process of a host through the page cache. Lookups are binary searches (microseconds).

- :class:`StringTable`: strings by position (UTF-8 bytes and offsets).
- :class:`StringMultimap`: string keys to runs of integers (``dict[str, set[int]]``), exact: keys are found by
  a 64-bit hash and compared with the stored key, so colliding hashes never mix two keys' values. A map whose
  runs are all empty is a set of strings.

``pack`` functions return ``{array name: array}`` (names without a prefix); the constructors take the same
arrays back, plain or memory-mapped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

__all__ = ["StringMultimap", "StringTable", "key_hash", "plain"]


def key_hash(text: str) -> int:
    """A stable 64-bit hash of ``text`` (Python's ``hash`` changes from process to process)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def plain(array: np.ndarray) -> np.ndarray:
    """``array`` as a plain ndarray over the same memory (a memory map stays its base): slicing an
    ``np.memmap`` makes a new memmap object each time, several times slower than a plain view."""
    return array.view(np.ndarray) if isinstance(array, np.memmap) else array


class StringTable:
    """Strings by position, from ``blob`` (their UTF-8 bytes, one after the other) and ``offsets`` (n + 1)."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        if offsets.ndim != 1 or len(offsets) < 1 or blob.ndim != 1:
            raise ValueError("a string table needs a flat blob and at least one offset")
        if int(offsets[-1]) != len(blob):
            raise ValueError("the string table's last offset is not its length")
        self._blob = plain(blob)
        self._offsets = plain(offsets)

    @staticmethod
    def pack(strings: Iterable[str]) -> dict[str, np.ndarray]:
        encoded = [s.encode("utf-8") for s in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        if encoded:
            np.cumsum([len(e) for e in encoded], out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8) if encoded else np.zeros(0, dtype=np.uint8)
        return {"blob": blob.copy(), "offsets": offsets}

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, position: int) -> str:
        if not 0 <= position < len(self):
            raise IndexError(position)
        start, end = int(self._offsets[position]), int(self._offsets[position + 1])
        return bytes(self._blob[start:end]).decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))


class StringMultimap:
    """String keys to runs of int32 values, sorted by the keys' :func:`key_hash`.

    Arrays: ``hashes`` (uint64, ascending), ``starts`` (int64, n + 1: key i's values are
    ``values[starts[i]:starts[i + 1]]``), ``values`` (int32), and the keys themselves as a string table
    (``keys-blob``, ``keys-offsets``) in the same order, against which a found hash is checked.
    """

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self._hashes = plain(arrays["hashes"])
        self._starts = plain(arrays["starts"])
        self._values = plain(arrays["values"])
        self._keys = StringTable(arrays["keys-blob"], arrays["keys-offsets"])
        if not len(self._hashes) == len(self._keys) == len(self._starts) - 1:
            raise ValueError("a string map's arrays disagree in length")
        if len(self._starts) and int(self._starts[-1]) != len(self._values):
            raise ValueError("a string map's last start is not its number of values")

    @staticmethod
    def pack(mapping: Mapping[str, Iterable[int]]) -> dict[str, np.ndarray]:
        entries = sorted((key_hash(key), key, sorted(set(values))) for key, values in mapping.items())
        lengths = [len(values) for _, _, values in entries]
        starts = np.zeros(len(entries) + 1, dtype=np.int64)
        if entries:
            np.cumsum(lengths, out=starts[1:])
        flat = [value for _, _, values in entries for value in values]
        keys = StringTable.pack(key for _, key, _ in entries)
        return {
            "hashes": np.array([h for h, _, _ in entries], dtype=np.uint64),
            "starts": starts,
            "values": np.array(flat, dtype=np.int32),
            "keys-blob": keys["blob"],
            "keys-offsets": keys["offsets"],
        }

    def __len__(self) -> int:
        return len(self._hashes)

    def _position(self, key: str, low: int, high: int) -> int:
        for position in range(low, high):
            if self._keys[position] == key:
                return position
        return -1

    def position(self, key: str) -> int:
        """Where ``key`` is among the keys (0 to len - 1, in hash order), or -1 when it is not a key: lets a
        caller keep other per-key arrays in the same order."""
        hashed = np.uint64(key_hash(key))
        hashes = self._hashes
        low = int(hashes.searchsorted(hashed))
        if low == len(hashes) or hashes[low] != hashed:
            return -1
        high = low + 1  # 64-bit hashes almost never collide: the next one differs
        while high < len(hashes) and hashes[high] == hashed:
            high += 1
        return self._position(key, low, high)

    def values_at(self, position: int) -> np.ndarray:
        """The values of the key at ``position`` (see :meth:`position`)."""
        return self._values[int(self._starts[position]):int(self._starts[position + 1])]

    def key_at(self, position: int) -> str:
        return self._keys[position]

    def get(self, key: str) -> np.ndarray | None:
        """The values of ``key`` (a read-only array, maybe empty), or None when it is not a key."""
        position = self.position(key)
        return None if position < 0 else self.values_at(position)

    def get_many(self, keys: Sequence[str]) -> list[np.ndarray | None]:
        """:meth:`get` for each of ``keys``, with one binary search for all of them."""
        if not keys:
            return []
        hashed = np.array([key_hash(key) for key in keys], dtype=np.uint64)
        lows = np.searchsorted(self._hashes, hashed, side="left")
        highs = np.searchsorted(self._hashes, hashed, side="right")
        found: list[np.ndarray | None] = []
        for key, low, high in zip(keys, lows.tolist(), highs.tolist(), strict=True):
            position = self._position(key, low, high) if high > low else -1
            found.append(None if position < 0 else
                         self._values[int(self._starts[position]):int(self._starts[position + 1])])
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def keys(self) -> Iterator[str]:
        """Every key, in hash order."""
        return iter(self._keys)
