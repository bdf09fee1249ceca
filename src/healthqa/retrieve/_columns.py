"""Rows of ints and strings stored in flat arrays, read back one row at a time: the knowledge base's passages
and FAQ questions as an answerer holds them (:mod:`healthqa.retrieve.passages`), memory-mapped from a
generation's derived files instead of copied into every process.

A row is read with two small array reads (its integers, its strings' byte bounds) and one decode per string:
an answer reads a few hundred rows, so per-field numpy calls would cost milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

# A field's kind: "i" an integer, "s" a string, "o" a string or None.
_KINDS = frozenset("iso")


class Columns:
    """Rows of a fixed shape (``kinds``, one letter per field), by position.

    Arrays: ``ints`` (rows x integer fields, then one 0/1 presence flag per "o" field), ``bounds`` (rows x
    string fields + 1: byte offsets of each string field of the row in ``blob``), ``blob`` (UTF-8 bytes).
    """

    def __init__(self, kinds: str, arrays: Mapping[str, np.ndarray]) -> None:
        if not set(kinds) <= _KINDS:
            raise ValueError(f"unknown column kinds in {kinds!r}")
        self.kinds = kinds
        # Plain views of the (maybe memory-mapped) arrays: numpy's memmap subclass costs microseconds a slice.
        self._ints = np.asarray(arrays["ints"])
        self._bounds = np.asarray(arrays["bounds"])
        blob = np.asarray(arrays["blob"])
        self._blob = blob.data  # a memoryview decodes a slice without numpy's per-element cost
        self._integers = kinds.count("i")
        self._optional = kinds.count("o")
        strings = len(kinds) - self._integers
        rows = len(self._ints)
        if self._ints.shape != (rows, self._integers + self._optional) or self._bounds.shape != (rows, strings + 1):
            raise ValueError("the columns' arrays do not have the shape of their kinds")
        if rows and int(self._bounds[-1, -1]) != len(blob):
            raise ValueError("the last string bound is not the blob's length")

    @staticmethod
    def pack(kinds: str, rows: Iterable[Sequence[Any]]) -> dict[str, np.ndarray]:
        """The arrays of ``rows`` (each with one value per letter of ``kinds``)."""
        integers: list[list[int]] = []
        bounds: list[list[int]] = []
        chunks: list[bytes] = []
        size = 0
        for row in rows:
            if len(row) != len(kinds):
                raise ValueError(f"a row of {len(row)} fields for {len(kinds)} columns")
            numbers = [int(value) for kind, value in zip(kinds, row, strict=True) if kind == "i"]
            flags = [int(value is not None) for kind, value in zip(kinds, row, strict=True) if kind == "o"]
            row_bounds = [size]
            for kind, value in zip(kinds, row, strict=True):
                if kind != "i":
                    encoded = b"" if value is None else str(value).encode("utf-8")
                    chunks.append(encoded)
                    size += len(encoded)
                    row_bounds.append(size)
            integers.append(numbers + flags)
            bounds.append(row_bounds)
        width = kinds.count("i") + kinds.count("o")
        return {
            "ints": np.array(integers, dtype=np.int64).reshape(len(integers), width),
            "bounds": np.array(bounds, dtype=np.int64).reshape(len(bounds), len(kinds) - kinds.count("i") + 1),
            "blob": np.frombuffer(b"".join(chunks), dtype=np.uint8).copy(),
        }

    def __len__(self) -> int:
        return len(self._ints)

    def row(self, position: int) -> tuple[Any, ...]:
        if not 0 <= position < len(self._ints):
            raise IndexError(position)
        numbers = self._ints[position].tolist()
        bounds = self._bounds[position].tolist()
        flags = iter(numbers[self._integers:])
        integers = iter(numbers)
        first = bounds[0]
        whole = str(self._blob[first:bounds[-1]], "utf-8")
        # One decode per row: where the row is ASCII (most are), characters and bytes count alike.
        ascii_only = len(whole) == bounds[-1] - first
        fields: list[Any] = []
        string = 0
        for kind in self.kinds:
            if kind == "i":
                fields.append(next(integers))
                continue
            start, end = bounds[string], bounds[string + 1]
            text = whole[start - first:end - first] if ascii_only else str(self._blob[start:end], "utf-8")
            string += 1
            fields.append(None if kind == "o" and not next(flags) else text)
        return tuple(fields)

    def integers(self, field: int) -> np.ndarray:
        """Integer field ``field`` (its position among the row's fields) of every row."""
        if self.kinds[field] != "i":
            raise TypeError(f"field {field} holds strings")
        column: np.ndarray = self._ints[:, self.kinds[:field].count("i")]
        return column
