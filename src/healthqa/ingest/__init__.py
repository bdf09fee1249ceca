"""Ingest: turn source files into documents in the knowledge base.

Each reader module knows one format. :func:`ingest_path` expands a path into files, picks the
reader of each file (or the forced one), and writes everything from one path in one transaction:
a crash part-way leaves the previous state, a bad file is reported and skipped, unchanged files
are not even parsed.

Only regular files are read. A pipe, socket or device named directly is a :class:`BadInputError`; one met
in a folder is reported and skipped, and never waited on (opening a named pipe for reading waits for a writer,
forever). Each file is read once, through one descriptor opened without blocking and checked with ``fstat``;
its digest and the reader's parse are of those bytes, and no reader opens the path again
(:mod:`healthqa.ingest._files`): a file swapped for a pipe, a device or a link after the walk looked at it is
reported, never read. Symlinked folders are not followed. :class:`IngestLimits` bounds the files one path may
hold, the size of each file and what a compressed file may expand to (``HEALTHQA_INGEST_MAX_FILES``,
``HEALTHQA_INGEST_MAX_FILE_BYTES``, ``HEALTHQA_INGEST_MAX_EXPANDED_BYTES``), and can confine every file read to
one folder (the HTTP ingest: files are then opened beneath a descriptor of that folder, no link followed).
``stop`` lets a caller end an ingest at the next file: the path's transaction is rolled back
(:class:`IngestStoppedError`); a :class:`StopSignal` also tells its caller which paths were saved.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from healthqa.errors import BadInputError, IngestStoppedError, UnknownFormatError
from healthqa.ingest._files import LINK_OUT, NOT_REGULAR, IngestLimits, open_folder, outside, read_file, too_large
from healthqa.ingest.reader import Reader
from healthqa.store.base import IngestStats, IngestTransaction, Store

__all__ = [
    "LINK_OUT", "NOT_REGULAR", "IngestLimits", "IngestReport", "IngestStoppedError", "Reader", "StopSignal",
    "expand", "ingest_path", "reader_for", "readers",
]

_HEAD_BYTES = 4096
_MEDQUAD_COLLECTION = re.compile(r"^\d+_\w+_QA(_XML)?$")


class StopSignal:
    """A request to stop an ingest, in step with its commits (pass it as ``ingest_path(stop=...)``).

    Once :meth:`stop` has returned, no path commits any more, and a commit that was under way has finished:
    :attr:`saved` then lists, for good, the paths (``IngestReport.path``) that were saved, in order.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopped = False
        self.saved: list[str] = []

    def __call__(self) -> bool:
        return self._stopped

    def stop(self) -> list[str]:
        """Stop; the paths saved (final: no commit starts after this, and one under way was waited for)."""
        with self._lock:
            self._stopped = True
            return list(self.saved)

    @contextlib.contextmanager
    def committing(self, path: Path) -> Iterator[None]:
        """Held from a path's last stop check through its commit: refuses to start once stopped."""
        with self._lock:
            _check_stop(path, self)
            yield
            self.saved.append(str(path))


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
    return _detect(path, read_file(path, limits or IngestLimits.from_env()).data[:_HEAD_BYTES])


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
    problem = outside(path, limits.within) if limits.within is not None else None
    if problem:
        raise BadInputError(path, problem)
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
        problem = outside(root, limits.within) if limits.within is not None else None
        if problem:
            left_out.append(BadInputError(root, problem))
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
    problem = outside(file, limits.within) if limits.within is not None else None
    if problem:
        return problem
    try:
        status = os.stat(file)
    except OSError as error:
        return f"cannot read: {error.strerror or error}"
    if not stat.S_ISREG(status.st_mode):
        return NOT_REGULAR
    return too_large(status.st_size, limits)


@dataclass
class IngestReport:
    path: str
    files: int = 0
    stats: IngestStats = field(default_factory=IngestStats)
    failures: list[BadInputError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


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
    environment's (:meth:`IngestLimits.from_env`). ``stop()`` is asked before each file and folder, and once
    more before the commit: when it says True, the transaction is rolled back and :class:`IngestStoppedError`
    raised. A :class:`StopSignal` makes that last check and the commit one step, and records the path once saved.
    """
    limits = limits or IngestLimits.from_env()
    root = Path(path)
    _check_stop(root, stop)
    report = IngestReport(path=str(root))
    files, left_out = _expand(root, limits, stop)
    report.files = len(files)
    report.failures.extend(left_out)
    tick = progress(len(files)) if progress else None
    with contextlib.ExitStack() as steps:
        # The ingest folder opened once: every file is opened beneath it (read_file).
        folder = None
        if limits.within is not None and files:
            folder = open_folder(root, limits.within)
            steps.callback(os.close, folder)
        # Entered before the transaction, so exited after its commit (or rollback), with the outcome.
        commit = steps.enter_context(contextlib.ExitStack())
        transaction = steps.enter_context(store.ingest())
        for file in files:
            _check_stop(root, stop)
            try:
                _ingest_file(transaction, file, format, limits, folder)
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
        if isinstance(stop, StopSignal):
            commit.enter_context(stop.committing(root))
        else:
            _check_stop(root, stop)
    return report


def _ingest_file(
    tx: IngestTransaction, file: Path, forced: str | None, limits: IngestLimits, folder: int | None = None
) -> None:
    # Read once, through one checked descriptor: detection, digest and parse all see these bytes.
    loaded = read_file(file, limits, folder)
    reader = _forced_reader(file, forced) if forced is not None else _detect(file, loaded.data[:_HEAD_BYTES])
    digest = reader.digest(loaded.data)
    origin = loaded.origin
    if tx.file_unchanged(origin, digest):
        tx.stats.files_skipped_unchanged += 1
        return
    documents = reader.read(file, loaded.data, limits)
    if not documents:
        raise BadInputError(file, f"no {reader.description} content found")
    previous = set(tx.documents_at(origin))
    for document in documents:
        document.origin = origin
        tx.put_document(document)
    for stale in previous - {d.key for d in documents}:
        tx.remove_document(stale)
    tx.record_file(origin, digest)
