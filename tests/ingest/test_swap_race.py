"""A file swapped while ingests run never hangs an ingest, is never read outside the ingest folder, and never
reads a device (issue 21, security review of the HTTP ingest, defect 1).

Each file is read once, through the descriptor that was checked (a regular file within the limits, beneath the
ingest folder), and the readers parse those bytes: no reader opens the path again. Before, the check and the
read were two opens: a rename between them made the reader open a named pipe (blocking forever, inside an open
write transaction), read ``/dev/zero`` without end, or read a file outside the folder.

A thread swaps ``race/a.xml`` as fast as it can between a regular file (new content each time, so that it is
parsed, not skipped as unchanged) and a named pipe, a link to ``/dev/zero`` or a link to a file outside the
folder, while ingests of ``race`` run again and again, each under a hard time limit.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthqa.errors import BadInputError, IngestStoppedError
from healthqa.ingest import IngestLimits, IngestReport, StopSignal, ingest_path, orphanet
from healthqa.store import SQLiteStore
from kb_builders import write_medquad_file
from orphanet_data import EYE_SKIN, write_packets

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")

SECRET = "Zebrafinchitis"
SECONDS = 4.0  # of swapping, per case
INGEST_LIMIT = 20.0  # one ingest of two small files: far below this unless it hangs


class Swapper:
    """Swaps ``folder/a.xml`` between a regular file and ``kinds`` (``fifo``, ``zero``, ``out``) until stopped."""

    def __init__(self, folder: Path, outside_file: Path, kinds: list[str]) -> None:
        self.folder, self.outside_file, self.kinds = folder, outside_file, kinds
        self.target = folder / "a.xml"
        # Dot files: the walk skips them; kept, so that a reader stuck on the pipe can be released.
        self.fifo = folder / ".pipe"
        os.mkfifo(self.fifo)
        self.spare = folder / ".spare"
        self._stop = threading.Event()
        self.swaps = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _regular(self, number: int) -> None:
        made = write_medquad_file(self.folder / ".made", "a", "Quokkitis", [
            ("information", "What is (are) Quokkitis ?", f"Quokkitis is a fictional inflammation, version {number}."),
        ])
        os.replace(made, self.target)

    def _special(self, kind: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.spare)
        if kind == "fifo":
            os.link(self.fifo, self.spare, follow_symlinks=False)
        else:
            os.symlink("/dev/zero" if kind == "zero" else self.outside_file, self.spare)
        os.replace(self.spare, self.target)

    def _run(self) -> None:
        for number, kind in zip(itertools.count(), itertools.cycle(self.kinds), strict=False):
            if self._stop.is_set():
                return
            self._regular(number)
            time.sleep(0.0005)
            self._special(kind)
            self.swaps += 1
            time.sleep(0.0005)

    def __enter__(self) -> Swapper:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join(10)

    def release(self) -> None:
        """Unblock a reader stuck opening the pipe (what the code under test must never be)."""
        for _ in range(50):
            with contextlib.suppress(OSError):
                os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
            time.sleep(0.01)


def _layout(tmp_path: Path) -> tuple[Path, Path, Path]:
    root = tmp_path / "root"
    folder = root / "race"
    write_medquad_file(folder, "b", "Gout", [("information", "What is (are) Gout ?", "Gout is a form of arthritis.")])
    outside = write_medquad_file(tmp_path / "private", "0000066", SECRET, [
        ("information", f"What is (are) {SECRET} ?", f"{SECRET} is a secret kept outside the ingest folder."),
    ])
    return root, folder, outside


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    kb = SQLiteStore(tmp_path / "kb.db")
    yield kb
    kb.close()


def _ingest_with_limit(store: SQLiteStore, folder: Path, limits: IngestLimits, swapper: Swapper) -> IngestReport:
    done: list[IngestReport | BaseException] = []

    def run() -> None:
        try:
            done.append(ingest_path(store, folder, limits=limits))
        except BaseException as error:  # handed to the test
            done.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(INGEST_LIMIT)
    if not done:
        swapper.release()
        thread.join(10)
        pytest.fail(f"an ingest hung while {folder / 'a.xml'} was being swapped ({swapper.swaps} swaps)")
    [outcome] = done
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


@pytest.mark.parametrize(("kinds", "confined"), [
    (["fifo"], True), (["zero"], True), (["out"], True), (["fifo", "zero", "out"], True),
    (["fifo", "zero"], False),  # the CLI (no ingest folder): still never a pipe or a device
])
def test_a_file_swapped_during_ingests_never_hangs_them_nor_reads_outside(
    tmp_path: Path, store: SQLiteStore, kinds: list[str], confined: bool
) -> None:
    root, folder, outside = _layout(tmp_path)
    limits = IngestLimits(within=root.resolve() if confined else None, max_file_bytes=1 << 20)
    runs = 0
    with Swapper(folder, outside, kinds) as swapper:
        try:
            # SECONDS of racing, and at least 5 ingests against at least 50 swaps however busy the machine is
            # (each ingest has its own time limit: a hang fails it).
            deadline = time.monotonic() + SECONDS
            give_up = deadline + 120
            while time.monotonic() < deadline or runs < 5 or swapper.swaps < 50:
                assert time.monotonic() < give_up, (runs, swapper.swaps)
                report = _ingest_with_limit(store, folder, limits, swapper)
                runs += 1
                for failure in report.failures:
                    assert Path(failure.source).name == "a.xml", failure
                    assert failure.reason.endswith("not read"), failure
        finally:
            swapper.release()
    assert runs >= 5 and swapper.swaps >= 50
    origins = [str(row[0]) for row in store._db.execute("SELECT origin FROM document")]
    assert origins  # the good files were ingested
    # Nothing from outside the folder, and no origin outside it.
    assert all(Path(origin).is_relative_to(folder.resolve()) for origin in origins), origins
    text = store._db.execute("SELECT group_concat(title, ' ') FROM document").fetchone()[0]
    text += store._db.execute("SELECT group_concat(text, ' ') FROM passage").fetchone()[0]
    assert SECRET.lower() not in text.lower()


def test_a_stop_signal_waits_for_a_commit_under_way_and_then_refuses_one(tmp_path: Path) -> None:
    signal = StopSignal()
    inside, finish = threading.Event(), threading.Event()

    def commit() -> None:
        with signal.committing(tmp_path / "first"):
            inside.set()
            finish.wait(10)

    thread = threading.Thread(target=commit, daemon=True)
    thread.start()
    assert inside.wait(10)
    stopped: list[list[str]] = []
    stopper = threading.Thread(target=lambda: stopped.append(signal.stop()), daemon=True)
    stopper.start()
    stopper.join(0.3)
    assert not stopped  # still committing: stop() waits, so that what it reports is final
    finish.set()
    stopper.join(10)
    thread.join(10)
    assert stopped == [[str(tmp_path / "first")]] and signal()
    with pytest.raises(IngestStoppedError), signal.committing(tmp_path / "second"):
        pass
    assert signal.saved == [str(tmp_path / "first")]


def test_an_ingest_stopped_by_a_signal_keeps_the_paths_saved_before(tmp_path: Path, store: SQLiteStore) -> None:
    write_medquad_file(tmp_path / "one", "0000001", "Gout", [("information", "What is (are) Gout ?", "Gout hurts.")])
    write_medquad_file(tmp_path / "two", "0000002", "Lupus", [("information", "What is (are) Lupus ?", "Lupus.")])
    signal = StopSignal()
    ingest_path(store, tmp_path / "one", stop=signal)
    assert signal.stop() == [str(tmp_path / "one")]
    with pytest.raises(IngestStoppedError):
        ingest_path(store, tmp_path / "two", stop=signal)
    assert [s.documents for s in store.sources()] == [1]


def test_a_compressed_file_is_refused_past_its_expanded_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packets = write_packets(tmp_path / "orphanet" / "packets.jsonl.gz", [EYE_SKIN])
    expanded = len(gzip.decompress(packets.read_bytes()))
    data = packets.read_bytes()
    assert len(orphanet.from_bytes(packets, data, IngestLimits(max_expanded_bytes=expanded))) == 1
    with pytest.raises(BadInputError, match="HEALTHQA_INGEST_MAX_EXPANDED_BYTES"):
        orphanet.from_bytes(packets, data, IngestLimits(max_expanded_bytes=expanded - 1))
    # A bomb: 64 MiB of one line in a file of a few tens of KiB, refused at the limit without expanding it all.
    bomb = tmp_path / "orphanet" / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b'{"Orphapacket": "' + b"x" * (64 << 20), compresslevel=9))
    monkeypatch.setenv("HEALTHQA_INGEST_MAX_EXPANDED_BYTES", str(1 << 20))
    with pytest.raises(BadInputError, match=r"expands to more than 1,048,576 bytes"):
        orphanet.read(bomb)
