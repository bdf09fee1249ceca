"""Reading one input file, once: the bytes every reader parses come from here, never from the path again.

A file is opened without blocking (a named pipe would otherwise wait for a writer, forever) and without
following a link at the last step, checked with ``fstat`` on that very descriptor (a regular file within the
size limit) and read whole; its digest and its parse are of those bytes. So a file swapped between the walk
and the read (for a pipe, a device, a link out of the folder) is refused, never read and never waited on.

Within an ingest folder (``IngestLimits.within``, the HTTP ingest), the file is opened one path component at a
time from a descriptor of that folder, each folder with ``O_NOFOLLOW | O_DIRECTORY``: whatever is renamed or
linked meanwhile, what is read lies inside the folder. A link inside the folder that points inside it is read
through its target, resolved first and then opened the same way.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from healthqa.config import (
    INGEST_MAX_EXPANDED_BYTES,
    INGEST_MAX_FILE_BYTES,
    INGEST_MAX_FILES,
    ingest_expanded_limit_from_env,
    ingest_limits_from_env,
)
from healthqa.errors import BadInputError

NOT_REGULAR = "not a regular file (a pipe, socket or device): not read"
LINK_OUT = "a link out of the ingest folder: not read"
CHANGED = "changed while it was being read (a link, or no longer in the ingest folder): not read"
_CHUNK = 1 << 20
_FILE = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
_FOLDER = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_DIRECTORY


@dataclass(frozen=True)
class IngestLimits:
    """What one ingested path may hold, and where its files may be."""

    max_files: int = INGEST_MAX_FILES  # files under one path; more: the path is refused whole
    max_file_bytes: int = INGEST_MAX_FILE_BYTES  # a larger file is reported and skipped
    # A resolved folder: each file must resolve (links followed) inside it, and is opened beneath it, or it is
    # reported and not read. None: any file (the CLI's users name their own files).
    within: Path | None = None
    # A compressed file (.jsonl.gz) may expand to this many bytes; more: it is reported and none of it kept.
    max_expanded_bytes: int = INGEST_MAX_EXPANDED_BYTES

    @classmethod
    def from_env(cls) -> IngestLimits:
        max_files, max_file_bytes = ingest_limits_from_env()
        return cls(max_files, max_file_bytes, max_expanded_bytes=ingest_expanded_limit_from_env())


@dataclass(frozen=True)
class FileData:
    """One file's bytes, and the resolved path they were read from (its origin in the knowledge base)."""

    origin: str
    data: bytes


def too_large(size: int, limits: IngestLimits) -> str | None:
    if size <= limits.max_file_bytes:
        return None
    return (f"{size:,} bytes, larger than the limit of {limits.max_file_bytes:,} bytes "
            "(HEALTHQA_INGEST_MAX_FILE_BYTES): not read")


def outside(path: Path | str, folder: Path) -> str | None:
    """Why ``path`` is not read as part of ``folder`` (:data:`LINK_OUT`, :data:`CHANGED`), or None."""
    try:
        # realpath, not resolve(strict=True): a dangling link out of the folder is "out", never stat'ed.
        resolved = os.path.realpath(path)
    except OSError:  # an entry swapped while it was resolved (readlink of what is no longer a link)
        return CHANGED
    return None if Path(resolved).is_relative_to(folder) else LINK_OUT


def read_file(path: Path, limits: IngestLimits | None = None, folder: int | None = None) -> FileData:
    """The bytes of ``path``, read once through one checked descriptor; :class:`BadInputError` when it is not
    a regular file within the limits (or, with ``limits.within``, not inside that folder).

    ``folder``: an open descriptor of ``limits.within`` (see :func:`open_folder`), so that a walk of many
    files opens the folder once; without it, it is opened for this file.
    """
    limits = limits or IngestLimits.from_env()
    try:
        origin = os.path.realpath(path)
    except OSError:  # an entry swapped while it was resolved (readlink of what is no longer a link)
        raise BadInputError(path, CHANGED) from None
    except ValueError as error:  # a NUL in the path
        raise BadInputError(path, f"cannot read: {error}") from None
    within = limits.within
    if within is None:
        descriptor = _open(path, lambda: os.open(origin, _FILE))
    elif not Path(origin).is_relative_to(within):
        raise BadInputError(path, LINK_OUT)
    else:
        relative = Path(origin).relative_to(within)
        base = open_folder(path, within) if folder is None else folder
        try:
            descriptor = _open(path, lambda: _open_beneath(base, relative))
        finally:
            if folder is None:
                os.close(base)
    try:
        return FileData(origin, _read_regular(path, descriptor, limits))
    finally:
        os.close(descriptor)


def open_folder(path: Path, folder: Path) -> int:
    """A descriptor of the ingest folder ``folder`` (for :func:`read_file`); errors name ``path``."""
    try:
        return os.open(folder, _FOLDER)
    except OSError as error:
        raise BadInputError(path, f"cannot read: {error.strerror or error}") from error


def _open(path: Path, opener: Callable[[], int]) -> int:
    try:
        return opener()
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):  # a link where the walk saw none
            raise BadInputError(path, CHANGED) from None
        if error.errno == errno.ENXIO:  # a socket (or a FIFO opened for writing): never a regular file
            raise BadInputError(path, NOT_REGULAR) from None
        raise BadInputError(path, f"cannot read: {error.strerror or error}") from None


def _open_beneath(base: int, relative: Path) -> int:
    """``relative`` opened under the folder descriptor ``base``, one component at a time, no link followed."""
    parts = relative.parts
    if not parts or any(part in ("", ".", "..") for part in parts):
        raise OSError(errno.ELOOP, "not a plain path beneath the folder")
    current = base
    try:
        for part in parts[:-1]:
            inner = os.open(part, _FOLDER, dir_fd=current)
            if current != base:
                os.close(current)
            current = inner
        return os.open(parts[-1], _FILE, dir_fd=current)
    finally:
        if current != base:
            os.close(current)


def _read_regular(path: Path, descriptor: int, limits: IngestLimits) -> bytes:
    try:
        status = os.fstat(descriptor)
    except OSError as error:
        raise BadInputError(path, f"cannot read: {error.strerror or error}") from error
    if not stat.S_ISREG(status.st_mode):
        raise BadInputError(path, NOT_REGULAR)
    problem = too_large(status.st_size, limits)
    if problem:
        raise BadInputError(path, problem)
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = os.read(descriptor, _CHUNK)
        except OSError as error:
            raise BadInputError(path, f"cannot read: {error.strerror or error}") from error
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        problem = too_large(size, limits)  # it grew since fstat
        if problem:
            raise BadInputError(path, problem)
        chunks.append(chunk)

