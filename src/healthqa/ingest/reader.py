"""What a reader of one input format is: how to recognise a file of it, and how to read one.

Its own module, so that the reader modules and :mod:`healthqa.ingest`, which picks among them, need not import
each other.
"""

from __future__ import annotations

import hashlib
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
    # Raised when the reader parses the same bytes differently: a file read by an older version is read again
    # on the next ingest, though its bytes did not change (see :meth:`digest`).
    version: int = 1

    def digest(self, data: bytes) -> str:
        """What tells whether a file must be read again: its bytes, and the reader's version after the first."""
        content = hashlib.sha256(data).hexdigest()
        return content if self.version == 1 else f"{content}:{self.format}-v{self.version}"

    def read_path(self, path: Path, limits: IngestLimits | None = None) -> list[ParsedDocument]:
        """Read the file at ``path`` (a regular file within the limits) and parse it: for tests and scripts."""
        limits = limits or IngestLimits.from_env()
        return self.read(path, read_file(path, limits).data, limits)
