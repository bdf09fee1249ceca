"""Ingest: turn source files into documents in the knowledge base.

Each reader module knows one format. :func:`ingest_path` expands a path into files, picks the
reader of each file (or the forced one), and writes everything from one path in one transaction:
a crash part-way leaves the previous state, a bad file is reported and skipped, unchanged files
are not even parsed.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from healthqa.errors import BadInputError, UnknownFormatError
from healthqa.models import ParsedDocument
from healthqa.store.base import IngestStats, IngestTransaction, Store

_HEAD_BYTES = 4096
_MEDQUAD_COLLECTION = re.compile(r"^\d+_\w+_QA(_XML)?$")


@dataclass(frozen=True)
class Reader:
    """One input format: how to recognise a file of it, and how to read one."""

    format: str
    description: str
    detect: Callable[[Path, bytes], bool]  # (path, the file's first bytes) -> is it mine?
    read: Callable[[Path], list[ParsedDocument]]  # raises BadInputError


def readers() -> list[Reader]:
    """All readers, most specific first."""
    from healthqa.ingest import judged_csv, mediqa, medquad, orphanet, webpage

    return [medquad.READER, judged_csv.READER, mediqa.READER, orphanet.READER, webpage.READER]


def reader_for(path: Path, forced: str | None = None) -> Reader:
    available = readers()
    if forced is not None:
        for reader in available:
            if reader.format == forced:
                return reader
        names = ", ".join(r.format for r in available)
        raise UnknownFormatError(path, f"unknown format {forced!r} (known: {names})")
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as error:
        raise BadInputError(path, f"cannot read: {error.strerror or error}") from error
    for reader in available:
        if reader.detect(path, head):
            return reader
    raise UnknownFormatError(
        path, "unknown format (not MedQuAD XML, a judged-answers CSV, MEDIQA XML or a web page)"
    )


def expand(path: Path) -> list[Path]:
    """The files to ingest under ``path``: a MedQuAD root yields only its collections' XML."""
    if not path.exists():
        raise BadInputError(path, "no such file or folder")
    if path.is_file():
        return [path]
    children = sorted(path.iterdir())
    collections = [c for c in children if c.is_dir() and _MEDQUAD_COLLECTION.match(c.name)]
    roots = collections or [path]
    files: list[Path] = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            files.extend(Path(dirpath) / name for name in sorted(filenames) if not name.startswith("."))
    return files


@dataclass
class IngestReport:
    path: str
    files: int = 0
    stats: IngestStats = field(default_factory=IngestStats)
    failures: list[BadInputError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _digest(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def ingest_path(
    store: Store,
    path: str | Path,
    *,
    format: str | None = None,
    progress: Callable[[int], Callable[[], None]] | None = None,
) -> IngestReport:
    """Ingest every file under ``path`` in one transaction.

    ``progress(total)`` may return a callback that is called once per file.
    """
    root = Path(path)
    report = IngestReport(path=str(root))
    files = expand(root)
    report.files = len(files)
    tick = progress(len(files)) if progress else None
    with store.ingest() as transaction:
        for file in files:
            try:
                _ingest_file(transaction, file, format)
            except BadInputError as error:
                report.failures.append(error)
            if tick:
                tick()
        if root.is_dir():
            prefix = str(root.resolve()) + os.sep
            for key, origin in transaction.documents_from(prefix):
                if not Path(origin).exists():
                    transaction.remove_document(key)
                    transaction.forget_file(origin)
        report.stats = transaction.stats
    return report


def _ingest_file(tx: IngestTransaction, file: Path, forced: str | None) -> None:
    reader = reader_for(file, forced)
    origin = str(file.resolve())
    try:
        digest = _digest(file)
    except OSError as error:
        raise BadInputError(file, f"cannot read: {error.strerror or error}") from error
    if tx.file_unchanged(origin, digest):
        tx.stats.files_skipped_unchanged += 1
        return
    documents = reader.read(file)
    if not documents:
        raise BadInputError(file, f"no {reader.description} content found")
    previous = set(tx.documents_at(origin))
    for document in documents:
        document.origin = origin
        tx.put_document(document)
    for stale in previous - {d.key for d in documents}:
        tx.remove_document(stale)
    tx.record_file(origin, digest)
