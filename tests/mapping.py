"""Helpers for the tests of memory-mapped derived files: whether an array is a file's mapping, and arrays
saved and loaded back memory-mapped."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np


def is_memory_mapped(array: object) -> bool:
    """Whether ``array``'s memory is a file's mapping (through any chain of views)."""
    while array is not None:
        if isinstance(array, (np.memmap, mmap.mmap)):
            return True
        array = getattr(array, "base", None)
    return False


def round_trip(arrays: dict[str, np.ndarray], folder: Path) -> dict[str, np.ndarray]:
    """``arrays`` saved as .npy files in ``folder`` and loaded back memory-mapped."""
    loaded = {}
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", array, allow_pickle=False)
        loaded[name] = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
    return loaded
