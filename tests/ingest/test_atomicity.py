"""Killing an ingest part-way leaves the previous knowledge base intact and usable."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from healthqa.cli import main
from healthqa.store import SQLiteStore
from kb_builders import write_medquad_file


def _big_collection(root: Path, files: int) -> Path:
    # Few long passages: megabytes to write (time to kill the ingest while it writes) but few to embed once
    # the same ingest completes (embedding costs by the passage, not by its length).
    words = "The syndrome affects nerves and muscles and is described here at length for the test. " * 100
    folder = root / "2_GARD_QA"
    for number in range(100, 100 + files):
        write_medquad_file(folder, f"{number:07d}", f"Condition {number}", [
            ("information", f"What is (are) Condition {number} ?", f"Condition {number}. {words}"),
            ("treatment", f"What are the treatments for Condition {number} ?", f"Treatment {number}. {words}"),
        ])
    return root


def _counts(db: Path) -> list[tuple[str, int, int, int]]:
    store = SQLiteStore(db)
    try:
        return [(s.name, s.documents, s.passages, s.questions) for s in store.sources()]
    finally:
        store.close()


def test_killed_ingest_leaves_the_previous_state(medquad_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    # The knowledge base before: ingested in this process (the model is loaded once per test session).
    assert CliRunner().invoke(main, ["ingest", "--db", str(db), str(medquad_folder)]).exit_code == 0
    before = _counts(db)
    big = _big_collection(tmp_path / "big", files=400)
    wal = Path(f"{db}-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0

    process = subprocess.Popen([sys.executable, "-m", "healthqa", "ingest", "--db", str(db), str(big)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    # Wait until the ingest is visibly writing (its pages spill into the WAL), then kill it hard.
    while time.monotonic() < deadline and process.poll() is None:
        if wal.exists() and wal.stat().st_size > wal_before + 2_000_000:
            break
        time.sleep(0.005)
    assert process.poll() is None, "the ingest finished before it could be killed; make the input bigger"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _counts(db) == before
    store = SQLiteStore(db)
    try:
        assert store.passage("GARD_0000001_Sec1.txt").title == "Gout"
        assert store.search_passages("syndrome nerves muscles length") == [] or all(
            p.title in {"Gout", "Holmes-Adie syndrome"} for p, _ in store.search_passages("nerves muscles"))
    finally:
        store.close()

    # Still usable: the same ingest now completes.
    finished = CliRunner().invoke(main, ["ingest", "--db", str(db), str(big)])
    assert finished.exit_code == 0, finished.output
    listing = subprocess.run([sys.executable, "-m", "healthqa", "sources", "--json", "--db", str(db)],
                             capture_output=True, text=True, check=True)
    sources = json.loads(listing.stdout)
    assert {s["name"]: s["documents"] for s in sources}["GARD"] == 401
