"""What a reader of one input format is: how to recognise a file of it, and how to read one.

Its own module, so that the reader modules and :mod:`healthqa.ingest`, which picks among them, need not import
each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from healthqa.records import ParsedDocument


@dataclass(frozen=True)
class Reader:
    """One input format: how to recognise a file of it, and how to read one."""

    format: str
    description: str
    detect: Callable[[Path, bytes], bool]  # (path, the file's first bytes) -> is it mine?
    read: Callable[[Path], list[ParsedDocument]]  # raises BadInputError
