"""What a reader of one input format is: how to recognise a file of it, and how to read one.

Its own module, so that the reader modules and :mod:`healthqa.ingest`, which picks among them, need not import
each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from healthqa.ingest._files import IngestLimits, read_file
from healthqa.records import ParsedDocument


@dataclass(frozen=True)
class Reader:
    """One input format: how to recognise a file of it, and how to read one."""

    format: str
    description: str
    detect: Callable[[Path, bytes], bool]  # (path, the file's first bytes) -> is it mine?
    # (path, the file's bytes, the limits) -> its documents; raises BadInputError. The path names the file (its
    # name, its folder, error messages): a reader never opens it, it parses the bytes it was handed, which
    # healthqa.ingest read once through a checked descriptor (healthqa.ingest._files).
    read: Callable[[Path, bytes, IngestLimits], list[ParsedDocument]]

    def read_path(self, path: Path, limits: IngestLimits | None = None) -> list[ParsedDocument]:
        """Read the file at ``path`` (a regular file within the limits) and parse it: for tests and scripts."""
        limits = limits or IngestLimits.from_env()
        return self.read(path, read_file(path, limits).data, limits)
