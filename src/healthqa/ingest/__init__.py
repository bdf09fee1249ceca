"""Ingest: turn source files into documents in the knowledge base.

Each reader module knows one format. :func:`ingest_path` expands a path into files, picks the
reader of each file (or the forced one), and writes everything from one path in one transaction:
a crash part-way leaves the previous state, a bad file is reported and skipped, unchanged files
are not even parsed.

Only regular files are read. A pipe, socket or device named directly is a :class:`BadInputError`; one met
in a folder is reported and skipped, and never opened for reading (opening a named pipe waits for a writer,
forever). Symlinked folders are not followed. :class:`IngestLimits` bounds the files one path may hold and
the size of each file (``HEALTHQA_INGEST_MAX_FILES``, ``HEALTHQA_INGEST_MAX_FILE_BYTES``), and can confine
every file read to one folder (the HTTP ingest). ``stop`` lets a caller end an ingest at the next file: the
path's transaction is rolled back (:class:`IngestStoppedError`).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from healthqa.config import INGEST_MAX_FILE_BYTES, INGEST_MAX_FILES, ingest_limits_from_env
from healthqa.errors import BadInputError, IngestStoppedError, UnknownFormatError
from healthqa.ingest.reader import Reader
from healthqa.store.base import IngestStats, IngestTransaction, Store

__all__ = [
    "IngestLimits", "IngestReport", "IngestStoppedError", "Reader", "expand", "ingest_path", "reader_for", "readers",
]

_HEAD_BYTES = 4096
_MEDQUAD_COLLECTION = re.compile(r"^\d+_\w+_QA(_XML)?$")
NOT_REGULAR = "not a regular file (a pipe, socket or device): not read"
LINK_OUT = "a link out of the ingest folder: not read"


@dataclass(frozen=True)
class IngestLimits:
    """What one ingested path may hold, and where its files may be."""

    max_files: int = INGEST_MAX_FILES  # files under one path; more: the path is refused whole
    max_file_bytes: int = INGEST_MAX_FILE_BYTES  # a larger file is reported and skipped
    # A resolved folder: each file must resolve (links followed) inside it, or it is reported and not read.
    # None: any file (the CLI's users name their own files).
    within: Path | None = None

    @classmethod
    def from_env(cls) -> IngestLimits:
        max_files, max_file_bytes = ingest_limits_from_env()
        return cls(max_files=max_files, max_file_bytes=max_file_bytes)


def _too_large(size: int, limits: IngestLimits) -> str | None:
    if size <= limits.max_file_bytes:
        return None
    return (f"{size:,} bytes, larger than the limit of {limits.max_file_bytes:,} bytes "
            "(HEALTHQA_INGEST_MAX_FILE_BYTES): not read")


def _inside(path: Path, folder: Path) -> bool:
    # realpath, not resolve(strict=True): a dangling link out of the folder is "out", never stat'ed.
    return Path(os.path.realpath(path)).is_relative_to(folder)


def _open_regular(path: Path, limits: IngestLimits) -> BinaryIO:
    """``path`` opened for reading, when it is a regular file within the size limit.

    O_NONBLOCK because opening a named pipe for reading otherwise waits for a writer, forever; the check
    after opening then refuses it. It also catches a file swapped for a pipe after :func:`expand` looked.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise BadInputError(path, f"cannot read: {error.strerror or error}") from error
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise BadInputError(path, NOT_REGULAR)
        problem = _too_large(status.st_size, limits)
        if problem:
            raise BadInputError(path, problem)
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _check_stop(path: Path, stop: Callable[[], bool] | None) -> None:
    if stop is not None and stop():
        raise IngestStoppedError(f"{path}: the ingest was stopped (its time limit passed); nothing from this "
                                 "path was kept")


def readers() -> list[Reader]:
    """All readers, most specific first."""
    from healthqa.ingest import judged_csv, mediqa, medquad, orphanet, webpage

    return [medquad.READER, judged_csv.READER, mediqa.READER, orphanet.READER, webpage.READER]


def reader_for(path: Path, forced: str | None = None, limits: IngestLimits | None = None) -> Reader:
    """The reader of ``path``: the ``forced`` one, or the first that recognises the file's first bytes."""
    if forced is not None:
        return _forced_reader(path, forced)
    with _open_regular(path, limits or IngestLimits.from_env()) as handle:
        head = _read(path, handle, _HEAD_BYTES)
    return _detect(path, head)


def _read(path: Path, handle: BinaryIO, size: int) -> bytes:
    try:
        return handle.read(size)
    except OSError as error:
        raise BadInputError(path, f"cannot read: {error.strerror or error}") from error


def _forced_reader(path: Path, forced: str) -> Reader:
    available = readers()
    for reader in available:
        if reader.format == forced:
            return reader
    names = ", ".join(r.format for r in available)
    raise UnknownFormatError(path, f"unknown format {forced!r} (known: {names})")


def _detect(path: Path, head: bytes) -> Reader:
    available = readers()
    for reader in available:
        if reader.detect(path, head):
            return reader
    raise UnknownFormatError(
        path, "unknown format (not MedQuAD XML, a judged-answers CSV, MEDIQA XML or a web page)"
    )


def expand(path: Path, limits: IngestLimits | None = None) -> list[Path]:
    """The files to ingest under ``path``: a MedQuAD root yields only its collections' XML.

    Only regular files within ``limits``; :func:`ingest_path` also reports the entries left out.
    """
    return _expand(Path(path), limits or IngestLimits.from_env())[0]


def _expand(
    path: Path, limits: IngestLimits, stop: Callable[[], bool] | None = None
) -> tuple[list[Path], list[BadInputError]]:
    """(the regular files to read, the entries left out with the reason): never opens anything but folders."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise BadInputError(path, "no such file or folder") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise BadInputError(path, f"cannot read: {getattr(error, 'strerror', None) or error}") from None
    if limits.within is not None and not _inside(path, limits.within):
        raise BadInputError(path, LINK_OUT)
    if stat.S_ISREG(mode):
        return [path], []
    if not stat.S_ISDIR(mode):
        raise BadInputError(path, "not a regular file or folder (a pipe, socket or device)")
    try:
        children = sorted(path.iterdir())
    except OSError as error:
        raise BadInputError(path, f"cannot read: {error.strerror or error}") from error
    collections = [c for c in children if c.is_dir() and _MEDQUAD_COLLECTION.match(c.name)]
    files: list[Path] = []
    left_out: list[BadInputError] = []
    for root in collections or [path]:
        if limits.within is not None and not _inside(root, limits.within):
            left_out.append(BadInputError(root, LINK_OUT))
            continue
        # followlinks=False (the default): a symlinked folder is listed but never entered.
        for dirpath, dirnames, filenames in os.walk(root):
            _check_stop(path, stop)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                file = Path(dirpath) / name
                problem = _unreadable(file, limits)
                if problem:
                    left_out.append(BadInputError(file, problem))
                else:
                    files.append(file)
                # Entries left out count too: a folder of a million pipes is no cheaper to walk.
                if len(files) + len(left_out) > limits.max_files:
                    raise BadInputError(path, f"holds more than {limits.max_files:,} files, the limit "
                                              "(HEALTHQA_INGEST_MAX_FILES); nothing from it was read")
    return files, left_out


def _unreadable(file: Path, limits: IngestLimits) -> str | None:
    """Why ``file`` (an entry of a folder) is left out, or None; looks at it with stat, never opens it."""
    if limits.within is not None and not _inside(file, limits.within):
        return LINK_OUT
    try:
        status = os.stat(file)
    except OSError as error:
        return f"cannot read: {error.strerror or error}"
    if not stat.S_ISREG(status.st_mode):
        return NOT_REGULAR
    return _too_large(status.st_size, limits)


@dataclass
class IngestReport:
    path: str
    files: int = 0
    stats: IngestStats = field(default_factory=IngestStats)
    failures: list[BadInputError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _digest(path: Path, handle: BinaryIO, head: bytes, limits: IngestLimits) -> str:
    """The SHA-256 of ``head`` and the rest of ``handle``; an error if the file grew past the size limit."""
    hasher = hashlib.sha256(head)
    size = len(head)
    while block := _read(path, handle, 1 << 20):
        hasher.update(block)
        size += len(block)
        problem = _too_large(size, limits)
        if problem:
            raise BadInputError(path, problem)
    return hasher.hexdigest()


def ingest_path(
    store: Store,
    path: str | Path,
    *,
    format: str | None = None,
    progress: Callable[[int], Callable[[], None]] | None = None,
    limits: IngestLimits | None = None,
    stop: Callable[[], bool] | None = None,
) -> IngestReport:
    """Ingest every file under ``path`` in one transaction.

    ``progress(total)`` may return a callback that is called once per file. ``limits`` default to the
    environment's (:meth:`IngestLimits.from_env`). ``stop()`` is asked before each file and folder: when
    it says True, the transaction is rolled back and :class:`IngestStoppedError` raised.
    """
    limits = limits or IngestLimits.from_env()
    root = Path(path)
    _check_stop(root, stop)
    report = IngestReport(path=str(root))
    files, left_out = _expand(root, limits, stop)
    report.files = len(files)
    report.failures.extend(left_out)
    tick = progress(len(files)) if progress else None
    with store.ingest() as transaction:
        for file in files:
            _check_stop(root, stop)
            try:
                _ingest_file(transaction, file, format, limits)
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


def _ingest_file(tx: IngestTransaction, file: Path, forced: str | None, limits: IngestLimits) -> None:
    # Opened once, as a regular file within the limit, for both the reader's detection and the digest.
    with _open_regular(file, limits) as handle:
        head = _read(file, handle, _HEAD_BYTES)
        reader = _forced_reader(file, forced) if forced is not None else _detect(file, head)
        digest = _digest(file, handle, head, limits)
    origin = str(file.resolve())
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
