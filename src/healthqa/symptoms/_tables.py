"""Small read-only structures over flat arrays (plain or memory-mapped) for the symptom search's indexes:
strings by position, and sorted distinct strings with their values (a dictionary a process maps, not builds)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import overload

import numpy as np

from healthqa.mapped import StringTable


class _Strings(Sequence[str]):
    """A sequence of strings given by its length and one string by position (subclasses say how)."""

    def _string(self, position: int) -> str:
        raise NotImplementedError

    @overload
    def __getitem__(self, position: int) -> str: ...

    @overload
    def __getitem__(self, position: slice) -> list[str]: ...

    def __getitem__(self, position: int | slice) -> str | list[str]:
        if isinstance(position, slice):
            return [self._string(i) for i in range(len(self))[position]]
        return self._string(int(position))


class Texts(_Strings):
    """Strings by position over a :class:`~healthqa.mapped.StringTable` (``.index`` and ``in`` included)."""

    def __init__(self, arrays: Mapping[str, np.ndarray], name: str) -> None:
        self._table = StringTable(arrays[f"{name}-blob"], arrays[f"{name}-offsets"])

    def __len__(self) -> int:
        return len(self._table)

    def _string(self, position: int) -> str:
        return self._table[position]


class SortedKeys(Mapping[str, int]):
    """Distinct strings kept sorted in one fixed-width byte array, each with a value (its position when no
    ``values`` are given): a dictionary that a process maps instead of building. Lookups are binary searches."""

    def __init__(self, keys: np.ndarray, values: np.ndarray | None = None) -> None:
        if keys.ndim != 1 or keys.dtype.kind != "S" or (values is not None and len(values) != len(keys)):
            raise ValueError("sorted keys need a flat byte-string array and as many values")
        self._keys = keys
        self._values = values
        self._width = keys.dtype.itemsize

    @staticmethod
    def pack(keys: Sequence[str]) -> np.ndarray:
        encoded = [key.encode("utf-8") for key in keys]
        if encoded != sorted(set(encoded)) or any(not key or key.endswith(b"\0") for key in encoded):
            raise ValueError("sorted keys must be distinct, sorted, not empty and not end in a zero byte")
        return np.array(encoded, dtype=f"S{max((len(k) for k in encoded), default=1)}")

    def position(self, key: str) -> int:
        """Where ``key`` is in the sorted keys, or -1."""
        encoded = key.encode("utf-8")
        if not encoded or len(encoded) > self._width or encoded.endswith(b"\0"):
            return -1  # longer than every key: a search would compare it cut to the width
        position = int(np.searchsorted(self._keys, encoded))
        return position if position < len(self._keys) and self._keys[position] == encoded else -1

    def __getitem__(self, key: str) -> int:
        position = self.position(key) if isinstance(key, str) else -1
        if position < 0:
            raise KeyError(key)
        return position if self._values is None else int(self._values[position])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.position(key) >= 0

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return (bytes(key).decode("utf-8") for key in self._keys)

    def key(self, position: int) -> str:
        return bytes(self._keys[int(position)]).decode("utf-8")


class KeyList(_Strings):
    """The keys of a :class:`SortedKeys` by position (the index's ``terms``)."""

    def __init__(self, keys: SortedKeys) -> None:
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    def _string(self, position: int) -> str:
        if not -len(self) <= position < len(self):
            raise IndexError(position)
        return self._keys.key(position % len(self))

    def __contains__(self, key: object) -> bool:
        return key in self._keys
