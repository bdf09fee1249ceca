"""An HTTP ingest while clients ask questions (issue 21): no request fails, every worker answers from the new
content within 10 s. A bounded run of ``benchmarks/load_ingest.py`` against a real ``healthqa serve --workers 2``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from healthqa.app.server.workers import available

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "load_ingest.py"

pytestmark = pytest.mark.skipif(
    not available() or not Path("/proc/net/tcp").exists(),
    reason="needs workers sharing one socket and Linux's /proc to tell which worker answered",
)


def test_an_http_ingest_under_load_fails_nothing_and_reaches_every_worker() -> None:
    # 40 new documents: their 160 passages are embedded by the ingest while 4 clients' questions are encoded.
    # The ingest may take up to 120 s: scripts/test runs another test process beside this one on two cores.
    command = [sys.executable, str(SCRIPT), "--workers", "2", "--clients", "4", "--base-docs", "20",
               "--new-docs", "40", "--before", "3", "--limit", "120", "--settle", "2", "--runs", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.stdout, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    [run] = summary["runs"]
    assert run["errors"] == 0, (run["errors_by_kind"], run["server_log_tail"])
    assert run["ingest"] == {**run["ingest"], "status": 200, "reload_pending": False, "documents_added": 40}
    assert run["answers"] > 0 and run["new_content_before_ingest"] == 0
    assert all(run["connections_per_worker"].values()), run["connections_per_worker"]  # both workers were asked
    assert run["all_workers_new_since_answer"] is not None, run["server_log_tail"]
    assert run["all_workers_new_since_answer"] <= 10
    assert summary["ok"] and done.returncode == 0
