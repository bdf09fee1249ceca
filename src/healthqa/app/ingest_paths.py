"""What ``POST /api/ingest`` may read, and how long: the ingest folder only, one job at a time, within a time limit.

The HTTP ingest reads files on the server for whoever holds the admin token, and publishes what it reads. So
that a stolen token, or a mistake, cannot turn the server's own files into searchable passages:

- Every path is relative to the ingest folder (``HEALTHQA_INGEST_ROOT``, by default the sources folder); an
  absolute one is accepted only if it lies inside it. Paths are resolved with every symlink followed, and a
  path whose resolved form is outside the folder (``..``, a link out, an absolute path elsewhere) is refused,
  as are empty paths, paths with a NUL, paths that do not exist and anything but a regular file or a folder.
- Every refused path gets the same error (:func:`refused`), word for word, so the answers tell nothing about
  which files exist on the server; the request is refused whole and nothing is read.
- Within a folder, :mod:`healthqa.ingest` reads only regular files that resolve inside the ingest folder
  (``IngestLimits.within``); pipes, sockets, devices and links out are reported and never opened for reading.
- Each file is read once, through one descriptor opened beneath a descriptor of the ingest folder, one path
  component at a time, never following a link, without blocking, and checked with ``fstat`` (a regular file
  within the size limit); its digest and its parse are of those bytes (:mod:`healthqa.ingest._files`). So a file
  swapped between the walk and the read, for a pipe, a device, a link out or a link to ``/dev/zero``, is
  reported and never read or waited on, and nothing outside the folder is read.
- Failures in the answer name files relative to the ingest folder and never show the knowledge base's path.

:class:`IngestGate` runs one job at a time per worker (a second request is 409 ``ingest_running`` at once,
instead of waiting behind the first). ``HEALTHQA_INGEST_TIMEOUT`` bounds reading and saving: past it, the job
is told to stop (:class:`healthqa.ingest.StopSignal`) and does so before its next file, rolling back the path
it was in; the answer, 504 ``ingest_timeout``, lists the paths saved before (a commit under way is waited for,
so the list is exact), or is the usual 200 when every path was saved. The in-memory rebuild that follows a
change is not under the limit: it runs in the background (``reload_pending``).
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TypeVar

from healthqa.app.errors import ApiError
from healthqa.config import Settings, sources_dir
from healthqa.ingest import StopSignal

T = TypeVar("T")


def ingest_root(settings: Settings) -> Path:
    """The folder HTTP ingest paths are relative to (not resolved: :func:`confine` does that)."""
    return settings.ingest_root if settings.ingest_root is not None else sources_dir()


def refused(index: int) -> ApiError:
    """The one error for a path that will not be read: it names the path's place in the request, never what
    the server found there."""
    return ApiError(
        422, "path_refused",
        f"paths[{index}] is not a file or folder under the ingest folder (HEALTHQA_INGEST_ROOT); nothing was read.",
    )


def confine(paths: Sequence[str], root: Path) -> list[Path]:
    """``paths`` resolved inside ``root``; :func:`refused` for the first that is not a regular file or a folder
    there."""
    try:
        base = root.resolve(strict=True)
    except (OSError, RuntimeError):
        base = None  # no ingest folder: every path is refused, with the same error
    return [_confined(text, base, index) for index, text in enumerate(paths)]


def _confined(text: str, base: Path | None, index: int) -> Path:
    if base is None or not text.strip() or "\x00" in text:
        raise refused(index)
    # First without touching the file system: ".." or an absolute path out of the folder is refused unlooked.
    if not Path(os.path.normpath(base / text)).is_relative_to(base):
        raise refused(index)
    try:
        resolved = (base / text).resolve(strict=True)  # every symlink followed
        mode = resolved.stat().st_mode
    except (OSError, RuntimeError, ValueError):  # missing, unreadable, a link loop
        raise refused(index) from None
    if not resolved.is_relative_to(base) or not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise refused(index)
    return resolved


def timed_out(timeout: float, saved: Sequence[str]) -> ApiError:
    """504 ``ingest_timeout``: what was saved before the limit (``saved``, the client's paths) and what was not."""
    kept = (f"{len(saved)} path(s) were saved before it, listed in 'saved'; the others were not, and nothing of "
            "them is kept." if saved else "No path was saved: nothing of this request is kept.")
    return ApiError(
        504, "ingest_timeout",
        f"The ingest took longer than {timeout:g} seconds (HEALTHQA_INGEST_TIMEOUT) and was stopped. Each path is "
        f"saved whole or not at all: {kept}",
        extra={"saved": list(saved)},
    )


class IngestTimedOut(Exception):
    """The job ran past its time limit and was stopped: ``saved`` (final) lists the paths it saved before."""

    def __init__(self, saved: list[str]) -> None:
        super().__init__("the ingest ran past its time limit")
        self.saved = saved


class IngestGate:
    """One HTTP ingest job at a time in this worker, answered within a time limit.

    The job runs in a thread of its own, so the request can be answered when the limit passes while the job,
    told to stop, finishes the file it is reading and rolls back the path it was in. Other workers each have
    their own gate; there, SQLite's write lock makes a second ingest wait (30 s at most, then an error).
    """

    def __init__(self) -> None:
        self._busy = threading.Lock()

    def run(
        self, job: Callable[[StopSignal], T], timeout: float, all_saved: Callable[[list[str]], bool] | None = None
    ) -> T:
        """``job(stop)`` in a thread; its result, or 409 when a job runs already, or :class:`IngestTimedOut`
        past ``timeout`` (the job then stopped: no path commits after this). When ``all_saved(saved)`` says
        every path was saved by then, the job has only its answer left to make: that answer is returned."""
        if not self._busy.acquire(blocking=False):
            raise ApiError(409, "ingest_running", "An ingest is already running in this server worker; "
                                                  "try again when it has finished.")
        stop = StopSignal()
        done: Future[T] = Future()

        def work() -> None:
            try:
                done.set_result(job(stop))
            except BaseException as error:  # handed to the waiting request, which raises it
                done.set_exception(error)
            finally:
                self._busy.release()

        try:
            threading.Thread(target=work, name="healthqa-ingest", daemon=True).start()
        except BaseException:
            self._busy.release()
            raise
        try:
            return done.result(timeout)
        except FutureTimeout:
            saved = stop.stop()  # waits for a commit under way, so that this list is final
            if all_saved is not None and all_saved(saved):
                return done.result(60)
            raise IngestTimedOut(saved) from None
