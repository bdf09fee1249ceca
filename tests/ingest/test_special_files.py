"""The ingest library reads regular files only, within limits: pipes, sockets and devices are never opened
for reading (opening a FIFO blocks until a writer comes), and a folder too big or a file too large is refused
with an error that names it, never a hang or an unexpected exception (issue 21, defect 3)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthqa.errors import BadInputError
from healthqa.ingest import IngestLimits, IngestStoppedError, expand, ingest_path
from healthqa.store import SQLiteStore
from kb_builders import write_medquad_file

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    kb = SQLiteStore(tmp_path / "kb.db")
    yield kb
    kb.close()


def gout(folder: Path, stem: str = "0000001") -> Path:
    return write_medquad_file(folder, stem, "Gout", [
        ("information", "What is (are) Gout ?", "Gout is a form of arthritis with sudden attacks of pain."),
    ])


def release(fifo: Path) -> None:
    """Unblock a reader stuck opening ``fifo`` (what the code under test must never be): a writer that
    comes and goes gives it end of file."""
    with contextlib.suppress(OSError):  # no reader waiting: nothing to release
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_the_cli_skips_a_named_pipe_in_a_folder_and_does_not_hang(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    gout(folder)
    os.mkfifo(folder / "pipe.html")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "healthqa", "ingest", "--db", str(tmp_path / "kb.db"), str(folder)],
            capture_output=True, text=True, timeout=60, check=False,
        )
    finally:
        release(folder / "pipe.html")
    assert result.returncode == 1, result.stderr  # the pipe is reported as a bad input
    assert "pipe.html: not a regular file" in result.stderr
    assert "1 documents added" in result.stdout


def test_special_files_in_a_folder_are_reported_and_never_opened(tmp_path: Path, store: SQLiteStore) -> None:
    folder = tmp_path / "pages"
    gout(folder)
    os.mkfifo(folder / "pipe.xml")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.xml"))
    try:
        report = ingest_path(store, folder)
    finally:
        server.close()
        release(folder / "pipe.xml")
    assert report.stats.documents_added == 1
    assert sorted(Path(f.source).name for f in report.failures) == ["pipe.xml", "sock.xml"]
    assert all("not a regular file" in f.reason for f in report.failures)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_named_directly_is_a_clear_bad_input(store: SQLiteStore, device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    with pytest.raises(BadInputError, match="not a regular file or folder"):
        ingest_path(store, device)


def test_a_named_pipe_named_directly_is_refused_without_blocking(tmp_path: Path, store: SQLiteStore) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    try:
        with pytest.raises(BadInputError, match="not a regular file or folder"):
            ingest_path(store, fifo, format="webpage")
    finally:
        release(fifo)


def test_a_file_larger_than_the_limit_is_reported_and_skipped(
    tmp_path: Path, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "pages"
    gout(folder)
    big = folder / "big.html"
    big.write_text("<html><body>" + "x" * 5000 + "</body></html>", encoding="utf-8")
    monkeypatch.setenv("HEALTHQA_INGEST_MAX_FILE_BYTES", "4096")
    report = ingest_path(store, folder)
    assert report.stats.documents_added == 1
    [failure] = report.failures
    assert failure.source == str(big) and "larger than the limit of 4,096 bytes" in failure.reason
    # The same limit through the library's own argument.
    report = ingest_path(store, big, limits=IngestLimits(max_file_bytes=4096))
    assert [Path(f.source).name for f in report.failures] == ["big.html"]


def test_a_folder_with_more_files_than_the_limit_is_refused_whole(
    tmp_path: Path, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "pages"
    for number in range(3):
        gout(folder, f"000000{number}")
    monkeypatch.setenv("HEALTHQA_INGEST_MAX_FILES", "2")
    with pytest.raises(BadInputError, match="more than 2 files"):
        ingest_path(store, folder)
    assert store.generation() == 0 and not store.sources()
    assert len(expand(folder, IngestLimits(max_files=3))) == 3


def test_a_symlinked_folder_is_not_followed_out_of_the_tree(tmp_path: Path, store: SQLiteStore) -> None:
    folder, outside = tmp_path / "pages", tmp_path / "outside"
    gout(folder)
    gout(outside, "0000009")
    (folder / "elsewhere").symlink_to(outside, target_is_directory=True)
    assert [p.name for p in expand(folder)] == ["0000001.xml"]


def test_a_stop_request_rolls_the_path_back_at_a_file_boundary(tmp_path: Path, store: SQLiteStore) -> None:
    folder = tmp_path / "pages"
    for number in range(3):
        gout(folder, f"000000{number}")
    seen: list[int] = []

    def stop() -> bool:
        seen.append(1)
        return len(seen) > 4  # asked before the path, its folder and each file: stops before the third file

    with pytest.raises(IngestStoppedError):
        ingest_path(store, folder, stop=stop)
    assert store.generation() == 0 and not store.sources()  # nothing half-written
    assert ingest_path(store, folder).stats.documents_added == 3
