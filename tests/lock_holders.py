"""Code that tests run in a child process started with ``spawn``: it must live in a module the child can import
by name (``tests/`` is on ``sys.path``; a test module imported with ``--import-mode=importlib`` is not)."""

from __future__ import annotations

import multiprocessing.synchronize
import time

from filelock import BaseFileLock


def hold_and_die(lock: BaseFileLock, held: multiprocessing.synchronize.Event) -> None:  # pragma: no cover - a child
    """Take ``lock``, say so, and sleep until killed."""
    lock.__enter__()
    held.set()
    time.sleep(600)


def open_community_file(path: str, start: multiprocessing.synchronize.Event) -> None:  # pragma: no cover - a child
    """Open (and so create) the community database at ``path`` as soon as ``start`` is set; exit 1 on failure."""
    from healthqa.community.db import SQLiteDatabase

    start.wait(30)
    SQLiteDatabase(path).connection().close()
