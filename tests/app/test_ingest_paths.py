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
        # The job notices the stop before its next file (0.4 s each) and lets go of the worker: until then a new
        # ingest is 409, afterwards it runs (and meets the same limit).
        deadline = time.monotonic() + 30
        while (again := post(client, ["medquad"])).status_code == 409:
            assert time.monotonic() < deadline, "the stopped job never let go of the worker"
            time.sleep(0.2)
        assert again.status_code == 504
        # The path's transaction was rolled back: none of its documents are there.
        assert client.get("/api/search", params={"q": "quokkitis"}).json()["results"] == []


# -- security review of the HTTP ingest: swaps, the time limit after the save, server paths --------------------


def test_a_504_lists_the_paths_saved_before_the_limit(
    kb_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "sources"
    quokka(root / "fast", "0000091")
    for number in range(5):
        write_medquad_file(root / "slow", f"000008{number}", "Wombatosis", [
            ("information", "What is (are) Wombatosis ?", "Wombatosis is a fictional wombat fever."),
        ])
    read_file = healthqa.ingest._ingest_file

    def slow_second_path(*args: Any, **kwargs: Any) -> None:
        if "slow" in str(args[1]):
            time.sleep(0.5)
        read_file(*args, **kwargs)

    monkeypatch.setattr(healthqa.ingest, "_ingest_file", slow_second_path)
    kb = shutil.copy(kb_path, tmp_path / "kb.db")
    with open_client(Path(kb), settings(root, HEALTHQA_INGEST_TIMEOUT="1")) as client:
        response = post(client, ["fast", "slow"])
        assert response.status_code == 504, response.text
        error = response.json()["error"]
        assert error["code"] == "ingest_timeout" and error["saved"] == ["fast"], error
        assert "1 path(s) were saved" in error["message"] and str(tmp_path) not in response.text
        time.sleep(1.5)  # the job stops before its next file
        assert client.get("/api/search", params={"q": "wombatosis"}).json()["results"] == []
        deadline = time.monotonic() + 60  # the saved path is served once the background rebuild is done
        while not client.get("/api/search", params={"q": "quokkitis"}).json()["results"]:
            assert time.monotonic() < deadline, "the saved path never became searchable"
            time.sleep(0.2)


def test_a_rebuild_slower_than_the_limit_after_the_save_is_200_with_reload_pending(
    kb_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review: 150 new documents, HEALTHQA_INGEST_TIMEOUT=4: everything was saved, the rebuild ran past the
    limit, and the answer was 504 "the path it was reading is left as it was". The limit covers reading and saving;
    the rebuild goes on in the background."""
    import healthqa.retrieve.derived

    root = tmp_path / "sources"
    quokka(root / "medquad")
    real = healthqa.retrieve.derived.build_vectors

    def slow_build_vectors(*args: Any, **kwargs: Any) -> Any:
        time.sleep(10)  # far past the limit below, so that an answer before it cannot be chance
        return real(*args, **kwargs)

    kb = shutil.copy(kb_path, tmp_path / "kb.db")
    with open_client(Path(kb), settings(root, HEALTHQA_INGEST_TIMEOUT="3")) as client:
        monkeypatch.setattr(healthqa.retrieve.derived, "build_vectors", slow_build_vectors)
        began = time.monotonic()
        response = post(client, ["medquad"])
        assert time.monotonic() - began < 9  # answered before the 10 s rebuild could have ended
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ok"] and body["reload_pending"] is True and body["results"][0]["documents_added"] == 1
        assert client.get("/api/search", params={"q": "quokkitis"}).json()["results"]  # saved: searchable now
        deadline = time.monotonic() + 60
        while client.get("/api/ask", params={"q": "what is quokkitis"}).json()["abstained"]:
            assert time.monotonic() < deadline, "the worker never answered from the new content"
            time.sleep(0.3)


def test_failures_name_files_relative_to_the_ingest_folder_and_never_the_knowledge_base(
    kb_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthqa.errors import StoreError
    from healthqa.store.sqlite import SQLiteStore

    root = tmp_path / "hq" / "root"
    quokka(root / "medquad")
    (root / "medquad" / "plain.xml").write_text("<html>not a known format</html>", encoding="utf-8")
    kb = Path(shutil.copy(kb_path, tmp_path / "hq" / "kb.db"))
    with open_client(kb, settings(root)) as client:
        response = post(client, ["medquad", str(root / "medquad")])
        assert response.status_code == 200, response.text
        for result in response.json()["results"]:
            assert result["failures"] == ["medquad/plain.xml: unknown format (not MedQuAD XML, a judged-answers CSV, "
                                          "MEDIQA XML or a web page)"], result
        assert str(tmp_path) not in response.text

        def locked(self: SQLiteStore) -> Any:
            raise StoreError(f"{self.path}: cannot start an ingest: database is locked")

        monkeypatch.setattr(SQLiteStore, "ingest", locked)
        response = post(client, ["medquad"])
        assert response.status_code == 200, response.text
        [result] = response.json()["results"]
        assert result["failures"] == ["the knowledge base: cannot start an ingest: database is locked"], result
        assert str(tmp_path) not in response.text and "kb.db" not in response.text


def test_files_swapped_during_http_ingests_never_hang_or_lock_the_knowledge_base(
    kb_path: Path, tmp_path: Path
) -> None:
    """The review's loop: ``race/a.xml`` renamed between a regular file and a named pipe (then links to /dev/zero
    and out) while HTTP ingests ran; the 17th hung, holding SQLite's write lock, and the worker answered 409 for
    good. Every ingest must answer, and nothing outside the folder be read."""
    root = tmp_path / "sources"
    race = root / "race"
    quokka(race, "0000097")
    secret = tmp_path / "private" / "0000066.xml"
    write_medquad_file(secret.parent, "0000066", SECRET, [
        ("information", f"What is (are) {SECRET} ?", f"{SECRET} is a secret kept outside the ingest folder."),
    ])
    fifo = race / ".pipe"
    os.mkfifo(fifo)
    stop = threading.Event()

    def swap() -> None:
        number = 0
        while not stop.is_set():
            made = write_medquad_file(race / ".made", "a", "Quokkitis", [
                ("information", "What is (are) Quokkitis ?", f"Quokkitis, version {number}."),
            ])
            os.replace(made, race / "a.xml")
            spare = race / ".spare"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(spare)
            kind = number % 3
            if kind == 0:
                os.link(fifo, spare)
            else:
                os.symlink("/dev/zero" if kind == 1 else secret, spare)
            os.replace(spare, race / "a.xml")
            number += 1

    swapper = threading.Thread(target=swap, daemon=True)
    kb = shutil.copy(kb_path, tmp_path / "kb.db")
    with open_client(Path(kb), settings(root)) as client:
        swapper.start()
        try:
            # At least three ingests race the swaps, and more while five seconds last; each one is bounded by
            # its own 20 s (a hang fails it), however slow a busy machine makes them.
            deadline = time.monotonic() + 5
            answers = 0
            while answers < 3 or time.monotonic() < deadline:
                response = post(client, ["race"], seconds=20)
                assert response.status_code == 200, response.text
                answers += 1
        finally:
            stop.set()
            swapper.join(10)
            release(fifo)
        assert client.get("/api/search", params={"q": SECRET}).json()["results"] == []
        assert post(client, ["race"]).status_code == 200  # not locked, not 409
