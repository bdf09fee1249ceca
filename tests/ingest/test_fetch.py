"""fetch(): download, verify and swap in a release, against a real HTTP server on 127.0.0.1 (no network)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from healthqa.errors import FetchError
from healthqa.ingest.fetch import RELEASES, fetch, release_for, resolve_url

XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<Document id="1"><Focus>Test</Focus></Document>\n'
RECORDS: list[dict[str, object]] = [
    {"Orphapacket": {"ORPHAcode": "10", "Label": "Test disorder"}},
    {"Orphapacket": {"ORPHAcode": "11"}},
]


@dataclass
class Server:
    """Serves ``files`` by path; ``/short/<path>`` sends half a file under the full Content-Length,
    ``/hang`` sends headers and then nothing until the test ends."""

    base: str
    files: dict[str, bytes] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours proxy variables even for 127.0.0.1; a developer's proxy must not see the tests.
    for variable in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    for release in RELEASES.values():
        monkeypatch.delenv(release.url_env, raising=False)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/hang":
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                self.wfile.flush()
                state.release.wait(5)
                return
            short = self.path.startswith("/short/")
            body = state.files.get(self.path.removeprefix("/short") if short else self.path)
            if body is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if short else body)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    # A short poll interval keeps shutdown() (which waits for one poll) from costing 0.5 s a test.
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as bundle:
        for name, data in members.items():
            bundle.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def medquad_zip(xml: bytes = XML) -> bytes:
    return make_zip(
        {
            "MedQuAD-master/": b"",
            "MedQuAD-master/LICENSE.txt": b"CC BY 4.0\n",
            "MedQuAD-master/2_GARD_QA/": b"",
            "MedQuAD-master/2_GARD_QA/0000001.xml": xml,
        }
    )


def jsonl_gz(records: list[dict[str, object]] = RECORDS) -> bytes:
    return gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode())


def previous_folder(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "old.txt").write_text("previous release")
    return folder


def assert_untouched(root: Path, name: str) -> None:
    assert sorted(p.name for p in root.iterdir()) == [name], "a temporary was left behind"
    assert sorted(p.name for p in (root / name).iterdir()) == ["old.txt"]
    assert (root / name / "old.txt").read_text() == "previous release"


# --- success -------------------------------------------------------------------------------------


def test_medquad_lands_without_the_top_folder(server: Server, tmp_path: Path) -> None:
    server.files["/master.zip"] = body = medquad_zip()
    calls: list[tuple[int, int | None]] = []
    root = tmp_path / "sources"

    folder = fetch("medquad", root, url=server.url("/master.zip"), progress=lambda d, t: calls.append((d, t)))

    assert folder == root / "medquad"
    assert (folder / "2_GARD_QA" / "0000001.xml").read_bytes() == XML
    assert (folder / "LICENSE.txt").is_file()
    assert not (folder / "MedQuAD-master").exists()
    assert [p.name for p in root.iterdir()] == ["medquad"]
    assert calls[0] == (0, len(body))
    assert calls[-1] == (len(body), len(body))


def test_orphanet_keeps_the_file_name_of_the_url(server: Server, tmp_path: Path) -> None:
    server.files["/orphapackets-2025-12.jsonl.gz"] = body = jsonl_gz()

    folder = fetch("orphanet", tmp_path, url=server.url("/orphapackets-2025-12.jsonl.gz"))

    assert [p.name for p in folder.iterdir()] == ["orphapackets-2025-12.jsonl.gz"]
    assert (folder / "orphapackets-2025-12.jsonl.gz").read_bytes() == body
    assert [p.name for p in tmp_path.iterdir()] == ["orphanet"]


def test_environment_gives_the_address_and_the_folder(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.files["/download?id=7"] = jsonl_gz()
    monkeypatch.setenv("HEALTHQA_ORPHANET_URL", server.url("/download?id=7"))
    monkeypatch.setenv("HEALTHQA_SOURCES", str(tmp_path / "src"))

    folder = fetch("orphanet")

    assert folder == tmp_path / "src" / "orphanet"
    # The URL has no usable file name, so the release's own is used.
    assert [p.name for p in folder.iterdir()] == ["orphapackets.jsonl.gz"]


def test_refetch_replaces_the_previous_folder(server: Server, tmp_path: Path) -> None:
    previous_folder(tmp_path, "medquad")
    newer = XML.replace(b"Test", b"Newer")
    server.files["/master.zip"] = medquad_zip(newer)

    folder = fetch("medquad", tmp_path, url=server.url("/master.zip"))

    assert not (folder / "old.txt").exists()
    assert (folder / "2_GARD_QA" / "0000001.xml").read_bytes() == newer
    assert [p.name for p in tmp_path.iterdir()] == ["medquad"]


def test_matching_sha256_is_accepted(server: Server, tmp_path: Path) -> None:
    server.files["/master.zip"] = body = medquad_zip()
    digest = hashlib.sha256(body).hexdigest().upper()
    assert fetch("medquad", tmp_path, url=server.url("/master.zip"), sha256=digest).is_dir()


def test_release_lookup_and_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    medquad = release_for("medquad")
    assert resolve_url(medquad) == "https://github.com/abachaa/MedQuAD/archive/refs/heads/master.zip"
    monkeypatch.setenv("HEALTHQA_MEDQUAD_URL", "http://mirror.example/m.zip")
    assert resolve_url(medquad) == "http://mirror.example/m.zip"
    assert resolve_url(medquad, "http://other.example/x.zip") == "http://other.example/x.zip"


def test_unknown_name_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"'pubmed'.*known: medquad, orphanet"):
        fetch("pubmed", tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- failures: previous folder untouched, no temporaries, one line naming the URL and the reason ---


def corrupt_crc_zip() -> bytes:
    payload = b"A" * 64
    body = make_zip({"MedQuAD-master/2_GARD_QA/0000001.xml": payload}, zipfile.ZIP_STORED)
    return body.replace(payload, b"B" * 64)  # same length, so only the CRC check can notice


Case = tuple[str, str, Callable[[], bytes] | None, str]
FAILURES: list[Case] = [
    # (data set, path served, body or None for "not served", expected reason)
    ("medquad", "/missing.zip", None, r"HTTP 404"),
    ("medquad", "/short/master.zip", medquad_zip, r"truncated download: received \d+ of \d+ bytes"),
    ("medquad", "/master.zip", lambda: b"this is not a zip archive" * 10, r"corrupt zip archive"),
    ("medquad", "/master.zip", corrupt_crc_zip, r"corrupt zip archive: member .* CRC"),
    ("medquad", "/master.zip", lambda: make_zip({"MedQuAD-master/../evil": XML}), r"unsafe zip archive"),
    ("medquad", "/master.zip", lambda: make_zip({"../evil": XML}), r"unsafe zip archive"),
    ("medquad", "/master.zip", lambda: make_zip({"/tmp/evil": XML}), r"unsafe zip archive: absolute"),
    ("medquad", "/master.zip", lambda: make_zip({"repo/docs/a.xml": XML}), r"unexpected layout"),
    ("orphanet", "/short/o.jsonl.gz", jsonl_gz, r"truncated download"),
    ("orphanet", "/o.jsonl.gz", lambda: jsonl_gz()[:-12], r"corrupt gzip file"),
    ("orphanet", "/o.jsonl.gz", lambda: b"plain text, not gzip\n", r"corrupt gzip file"),
    ("orphanet", "/o.jsonl.gz", lambda: gzip.compress(b"<html>sign in</html>\n"), r"first line is not JSON"),
]


@pytest.mark.parametrize(("name", "path", "make_body", "reason"), FAILURES)
def test_failure_leaves_the_previous_folder(
    server: Server, tmp_path: Path, name: str, path: str, make_body: Callable[[], bytes] | None, reason: str
) -> None:
    root = tmp_path / "sources"
    previous_folder(root, name)
    if make_body is not None:
        server.files[path.removeprefix("/short")] = make_body()
    url = server.url(path)

    with pytest.raises(FetchError) as caught:
        fetch(name, root, url=url, timeout=5)

    message = str(caught.value)
    assert message.startswith(url + ": ") and "\n" not in message
    assert caught.match(reason)
    assert_untouched(root, name)
    assert not list(tmp_path.rglob("evil"))


def test_wrong_sha256(server: Server, tmp_path: Path) -> None:
    previous_folder(tmp_path, "medquad")
    server.files["/master.zip"] = medquad_zip()

    with pytest.raises(FetchError, match=r"/master\.zip: sha256 mismatch"):
        fetch("medquad", tmp_path, url=server.url("/master.zip"), sha256="0" * 64)
    assert_untouched(tmp_path, "medquad")


def test_timeout(server: Server, tmp_path: Path) -> None:
    previous_folder(tmp_path, "medquad")
    with pytest.raises(FetchError, match=r"/hang: timed out after 0.2 s"):
        fetch("medquad", tmp_path, url=server.url("/hang"), timeout=0.2)
    assert_untouched(tmp_path, "medquad")


def test_connection_refused(tmp_path: Path) -> None:
    previous_folder(tmp_path, "orphanet")
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    url = f"http://127.0.0.1:{closed.server_address[1]}/o.jsonl.gz"
    closed.server_close()  # nothing listens on that port any more

    with pytest.raises(FetchError, match=r"^http://127\.0\.0\.1:\d+/o\.jsonl\.gz: "):
        fetch("orphanet", tmp_path, url=url, timeout=5)
    assert_untouched(tmp_path, "orphanet")


def test_keyboard_interrupt_mid_download(server: Server, tmp_path: Path) -> None:
    previous_folder(tmp_path, "medquad")
    server.files["/master.zip"] = medquad_zip()

    def interrupt(done: int, total: int | None) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(FetchError, match=r"/master\.zip: interrupted$"):
        fetch("medquad", tmp_path, url=server.url("/master.zip"), progress=interrupt)
    assert_untouched(tmp_path, "medquad")


def test_no_previous_folder_and_failure_leaves_nothing(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch("orphanet", tmp_path, url=server.url("/nothing.jsonl.gz"))
    assert list(tmp_path.iterdir()) == []
