"""``POST /api/ingest`` reads only regular files under the ingest folder (issue 21, defects 2 and 3).

Every refused path gets the same error, whether it exists or not, so the answers tell nothing about the
server's files; a pipe, a device, a link out of the folder, a file too large or too many files never hang the
request or end in a 500; a job past its time limit is answered 504 and stops at a file boundary with
nothing half-written; a second ingest while one runs is answered 409 at once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import healthqa.ingest
from app.conftest import open_client
from healthqa.config import Settings
from kb_builders import write_medquad_file

TOKEN = "k3V9qJr2mXw8ZpL5tY7bN4cD6fH1sG0aE2uR8iO3"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECRET = "Zebrafinchitis"  # written only outside the ingest folder: must never become searchable
SECRET_QUESTION = "what is zebrafinchitis"

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")


def settings(root: Path, **env: str) -> Settings:
    return Settings.from_env({
        "HEALTHQA_ADMIN_TOKEN": TOKEN, "HEALTHQA_RATE_LIMIT": "0", "HEALTHQA_INGEST_ROOT": str(root), **env,
    })


def quokka(folder: Path, stem: str = "0000099") -> Path:
    return write_medquad_file(folder, stem, "Quokkitis", [
        ("information", "What is (are) Quokkitis ?", "Quokkitis is a fictional inflammation of the quokka gland."),
    ])


def release(fifo: Path) -> None:
    """Unblock a reader stuck opening ``fifo`` (which the server must never be)."""
    with contextlib.suppress(OSError):  # no reader waiting: nothing to release
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def post(client: TestClient, paths: list[str], seconds: float = 30) -> httpx.Response:
    """``POST /api/ingest`` from a thread: the test fails, instead of hanging, when the server hangs."""
    done: list[httpx.Response] = []
    thread = threading.Thread(
        target=lambda: done.append(client.post("/api/ingest", json={"paths": paths}, headers=AUTH)), daemon=True
    )
    thread.start()
    thread.join(seconds)
    assert done, f"POST /api/ingest {paths!r} did not answer within {seconds} s"
    return done[0]


class Layout:
    """An ingest folder with good content, hostile entries and a secret outside it."""

    def __init__(self, base: Path) -> None:
        self.root = base / "sources"
        self.outside = base / "private"
        quokka(self.root / "medquad")
        write_medquad_file(self.outside, "0000066", SECRET, [
            ("information", f"What is (are) {SECRET} ?", f"{SECRET} is a secret kept outside the ingest folder."),
        ])
        self.secret_file = self.outside / "0000066.xml"
        (self.root / "link-out").symlink_to(self.outside, target_is_directory=True)
        (self.root / "link-out-file.xml").symlink_to(self.secret_file)
        self.fifo = self.root / "pipe.xml"
        os.mkfifo(self.fifo)
        # A folder holding good content next to a pipe and a link to the secret.
        self.mixed = self.root / "mixed"
        quokka(self.mixed, "0000098")
        os.mkfifo(self.mixed / "pipe.xml")
        (self.mixed / "secret.xml").symlink_to(self.secret_file)

    def release(self) -> None:
        release(self.fifo)
        release(self.mixed / "pipe.xml")


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    made = Layout(tmp_path_factory.mktemp("ingest"))
    yield made
    made.release()


@pytest.fixture(scope="module")
def client(kb_path: Path, layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    kb = shutil.copy(kb_path, tmp_path_factory.mktemp("kb") / "kb.db")
    with open_client(Path(kb), settings(layout.root)) as test_client:
        yield test_client


def refused_paths(layout: Layout) -> list[str]:
    outside = str(layout.outside)
    return [
        "/etc", "/etc/passwd", "/etc/no-such-file", "/", "", "   ", ".\x00", "../../etc/shadow", "../../etc/nope",
        "medquad/../../private", outside, str(layout.secret_file), outside + "/missing.xml",
        "link-out", "link-out/0000066.xml", "link-out-file.xml", "no-such-thing", "pipe.xml", "/dev/zero",
        str(layout.root / "no-such-thing"),
    ]


def test_every_refused_path_gets_the_same_error(client: TestClient, layout: Layout) -> None:
    bodies: dict[str, Any] = {}
    for path in refused_paths(layout):
        response = post(client, [path])
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"].startswith("application/json")
        bodies[path] = response.content
    # One error for all of them: an existing file and a missing one cannot be told apart.
    assert len(set(bodies.values())) == 1, bodies
    error = client.post("/api/ingest", json={"paths": ["/etc/passwd"]}, headers=AUTH).json()["error"]
    assert error["code"] == "path_refused"
    assert "passwd" not in error["message"] and "etc" not in error["message"]
    # A refused path anywhere in the list: nothing is read, not even the good paths before it.
    response = post(client, ["medquad", "/etc"])
    assert response.status_code == 422 and response.json()["error"]["message"].startswith("paths[1] ")
    assert client.get("/api/ask", params={"q": "what is quokkitis"}).json()["abstained"]
    assert client.get("/api/ask", params={"q": SECRET_QUESTION}).json()["abstained"]


def test_a_folder_is_read_without_its_pipe_or_links_out(client: TestClient, layout: Layout) -> None:
    response = post(client, ["mixed", str(layout.root / "medquad")])
    assert response.status_code == 200, response.text
    mixed, medquad = response.json()["results"]
    assert mixed["path"] == "mixed" and mixed["documents_added"] == 1
    assert sorted(f.split(": ", 1)[1] for f in mixed["failures"]) == [
        "a link out of the ingest folder: not read", "not a regular file (a pipe, socket or device): not read",
    ]
    assert medquad["ok"] and medquad["documents_added"] == 1
    assert not client.get("/api/ask", params={"q": "what is quokkitis"}).json()["abstained"]
    assert client.get("/api/ask", params={"q": SECRET_QUESTION}).json()["abstained"]


def test_limits_on_file_size_and_count(kb_path: Path, tmp_path: Path) -> None:
    root = tmp_path / "sources"
    quokka(root / "many", "0000001")
    quokka(root / "many", "0000002")
    quokka(root / "many", "0000003")
    quokka(root / "one", "0000004")
    (root / "one" / "big.html").write_text("<html><body>" + "big " * 2000 + "</body></html>", encoding="utf-8")
    kb = shutil.copy(kb_path, tmp_path / "kb.db")
    limits = {"HEALTHQA_INGEST_MAX_FILES": "2", "HEALTHQA_INGEST_MAX_FILE_BYTES": "4096"}
    with open_client(Path(kb), settings(root, **limits)) as client:
        many, one = post(client, ["many", "one"]).json()["results"]
    assert not many["ok"] and "more than 2 files" in many["failures"][0] and many["files"] == 0
    assert one["documents_added"] == 1 and "larger than the limit of 4,096 bytes" in one["failures"][0]


def slow_files(monkeypatch: pytest.MonkeyPatch, started: threading.Event, go_on: Callable[[], None]) -> None:
    """Each file read by an ingest waits for ``go_on()`` first: an ingest as slow as the test needs."""
    read_file = healthqa.ingest._ingest_file

    def slowly(*args: Any, **kwargs: Any) -> None:
        started.set()
        go_on()
        read_file(*args, **kwargs)

    monkeypatch.setattr(healthqa.ingest, "_ingest_file", slowly)


def test_a_second_ingest_while_one_runs_is_answered_409(
    kb_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "sources"
    quokka(root / "medquad")
    started, finish = threading.Event(), threading.Event()
    slow_files(monkeypatch, started, lambda: finish.wait(30))
    kb = shutil.copy(kb_path, tmp_path / "kb.db")
    with open_client(Path(kb), settings(root)) as client:
        first: list[httpx.Response] = []
        thread = threading.Thread(target=lambda: first.append(post(client, ["medquad"])), daemon=True)
        thread.start()
        assert started.wait(30)
        second = post(client, ["medquad"], seconds=10)
        finish.set()
        thread.join(30)
        assert second.status_code == 409 and second.json()["error"]["code"] == "ingest_running", second.text
        assert first and first[0].status_code == 200 and first[0].json()["ok"]
        assert post(client, ["medquad"]).status_code == 200  # the next one runs


def test_a_job_past_its_time_limit_is_504_and_leaves_nothing_half_written(
    kb_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "sources"
    for number in range(5):
        quokka(root / "medquad", f"000009{number}")
    started = threading.Event()
    slow_files(monkeypatch, started, lambda: time.sleep(0.4))
    kb = shutil.copy(kb_path, tmp_path / "kb.db")
    with open_client(Path(kb), settings(root, HEALTHQA_INGEST_TIMEOUT="0.5")) as client:
        began = time.monotonic()
        response = post(client, ["medquad"])
        assert time.monotonic() - began < 5
        assert response.status_code == 504 and response.json()["error"]["code"] == "ingest_timeout"
        time.sleep(1.5)  # the job notices the stop before its next file (0.4 s each)
        # The path's transaction was rolled back: none of its documents are there.
        assert client.get("/api/search", params={"q": "quokkitis"}).json()["results"] == []
        again = post(client, ["medquad"])
        assert again.status_code == 504  # not 409: the stopped job let go of the worker
        time.sleep(1.5)
