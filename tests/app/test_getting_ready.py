"""While ``healthqa serve`` gets ready (the first start embeds every passage: minutes), it listens and says so."""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.synchronize
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from healthqa.app import GETTING_READY, create_app
from healthqa.app.server.workers import available, shared_lock
from healthqa.config import Settings
from healthqa.retrieve.encoder import Encoder
from healthqa.store.sqlite import SQLiteStore
from kb_builders import DOCUMENTS, build_kb
from lock_holders import hold_and_die
from servers import serve


def test_until_ready_every_request_is_told_healthqa_is_getting_ready(kb_path: Path) -> None:
    app = create_app(str(kb_path), Settings(rate_limit=0), ready_in_background=True)
    waiting = TestClient(app, raise_server_exceptions=False)  # no lifespan: it never gets ready
    page = waiting.get("/", params={"q": "what causes gout?"}, headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "10"
    assert "<h1>healthqa is getting ready…</h1>" in page.text and GETTING_READY in page.text
    # It asks again by itself with no script (a refresh), keeping the question (see the test below).
    assert '<meta http-equiv="refresh" content="10">' in page.text and "resend.js" not in page.text
    api = waiting.get("/api/ask", params={"q": "what causes gout?"})
    assert api.status_code == 503 and api.json()["error"]["code"] == "getting_ready"
    assert waiting.get("/healthz").status_code == 503
    assert waiting.get("/static/style.css").status_code == 200  # the page's own style still loads
    # Its lifespan started, it gets ready in the background and then answers.
    with TestClient(app, raise_server_exceptions=False) as started:
        deadline = time.monotonic() + 120
        while started.get("/healthz").status_code != 200:
            assert time.monotonic() < deadline, "never got ready"
            time.sleep(0.1)
        answer = started.get("/api/ask", params={"q": "what causes gout?"})
        assert answer.status_code == 200 and answer.json()["focus"] == ["Gout"]


def test_a_question_asked_while_getting_ready_is_kept_for_asking_again(kb_path: Path) -> None:
    """Review: a question posted during the first embedding was lost, and the person had to type it again."""
    waiting = TestClient(create_app(str(kb_path), Settings(rate_limit=0), ready_in_background=True),
                         raise_server_exceptions=False)
    worded = "does gout run <in> families & why?"
    posted = waiting.post("/", data={"q": worded}, headers={"Accept": "text/html"})
    assert posted.status_code == 503 and posted.headers["Retry-After"] == "10"
    assert GETTING_READY in posted.text and "Your question is kept in the box below." in posted.text
    # Back in the form that asks it (escaped), which a script posts again after Retry-After: a refresh would
    # drop a posted question, so the page has none, and without scripts the person presses Ask.
    assert re.search(r'<form class="ask" action="/" method="post" data-resend-after="10">', posted.text)
    assert ">does gout run &lt;in&gt; families &amp; why?</textarea>" in posted.text
    assert '<script src="/static/resend.js" defer></script>' in posted.text and "http-equiv" not in posted.text
    assert waiting.get("/static/resend.js").status_code == 200
    # A question in the link is kept too, and the page's own refresh asks it again.
    linked = waiting.get("/", params={"q": "is gout inherited?"}, headers={"Accept": "text/html"})
    assert linked.status_code == 503 and ">is gout inherited?</textarea>" in linked.text
    assert '<meta http-equiv="refresh" content="10">' in linked.text and "resend.js" not in linked.text
    # Nothing asked, nothing kept: the plain getting-ready page; the API keeps its JSON error.
    plain = waiting.post("/", data={"q": "  "}, headers={"Accept": "text/html"})
    assert plain.status_code == 503 and "<textarea" not in plain.text and "refresh" in plain.text
    assert waiting.post("/api/ask", json={"q": worded}).json()["error"]["code"] == "getting_ready"


def test_a_browser_sends_the_kept_question_again_by_itself(kb_path: Path, browser: Any) -> None:
    """The getting-ready page of a posted question, in Chromium: its script posts the form again (the page's
    wait shortened to a second here), with the question as the person wrote it."""
    waiting = TestClient(create_app(str(kb_path), Settings(rate_limit=0), ready_in_background=True),
                         raise_server_exceptions=False)
    html = waiting.post("/", data={"q": "is gout inherited?"}, headers={"Accept": "text/html"}).text
    assert 'data-resend-after="10"' in html
    html = html.replace('data-resend-after="10"', 'data-resend-after="1"')
    posted: list[str | None] = []

    def answer(route: Any) -> None:
        request = route.request
        path = urlsplit(request.url).path
        if request.method == "POST":
            posted.append(request.post_data)
            route.fulfill(body="<h1>asked again</h1>", content_type="text/html")
        elif path.startswith("/static/"):
            static = waiting.get(path)
            route.fulfill(body=static.content, content_type=static.headers["content-type"])
        else:
            route.fulfill(body=html, content_type="text/html")

    page = browser.new_page()
    try:
        page.route("http://healthqa.test/**", answer)
        page.goto("http://healthqa.test/")
        assert page.locator("textarea#q").input_value() == "is gout inherited?"
        page.wait_for_selector("text=asked again", timeout=15_000)
        assert posted == ["q=is+gout+inherited%3F"]
    finally:
        page.close()


def _get(url: str, accept: str) -> tuple[int, Message, str]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def _ask_while_starting(log: Path, seen: dict[str, tuple[int, Message, str]], stop: threading.Event) -> None:
    """As soon as the server's log names its port, ask for a page and the API, as a person would."""
    while not stop.is_set():
        if not log.exists():  # the server has not opened its log yet
            time.sleep(0.02)
            continue
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
        if found:
            seen["page"] = _get(f"{found[1]}/?q=what+causes+gout", "text/html")
            seen["api"] = _get(f"{found[1]}/api/ask?q=what+causes+gout", "application/json")
            return
        time.sleep(0.02)


@pytest.mark.skipif(not available(), reason="workers sharing one socket need a POSIX system")
def test_with_two_workers_the_first_start_says_getting_ready_and_embeds_once(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", DOCUMENTS)
    store = SQLiteStore(kb)
    missing = len(store.vector_texts_missing(Encoder.name))
    assert missing > 0  # no vectors yet: the first start embeds
    log = tmp_path / "server.log"
    seen: dict[str, tuple[int, Message, str]] = {}
    stop = threading.Event()
    asking = threading.Thread(target=_ask_while_starting, args=(log, seen, stop), daemon=True)
    asking.start()
    try:
        with serve(kb, log, workers=2) as server:  # yielded once both workers are ready
            asking.join(timeout=120)
            status, headers, text = seen["page"]
            assert status == 503 and headers["Retry-After"] == "10", (status, text)
            assert "<h1>healthqa is getting ready…</h1>" in text and GETTING_READY in text
            assert '<meta http-equiv="refresh" content="10">' in text
            status, headers, text = seen["api"]
            assert status == 503 and json.loads(text)["error"]["code"] == "getting_ready"
            output = server.read_log()
            # One worker embedded every passage, once; the other waited and found none missing.
            assert output.count("passages to embed") == 1, output
            assert output.count(f"embedded {missing:,} of {missing:,} passages (100%)") == 1, output
            assert output.count("the knowledge base is ready") == 2, output
            assert not store.vector_texts_missing(Encoder.name)
            for _ in range(4):  # either worker answers now
                status, _, text = _get(f"{server.url}/api/ask?q=what+causes+gout", "application/json")
                assert status == 200 and json.loads(text)["focus"] == ["Gout"]
    finally:
        stop.set()
        store.close()


@pytest.mark.skipif(not available(), reason="a lock of POSIX workers")
def test_the_first_embedding_lock_is_released_when_its_holder_dies() -> None:
    context = multiprocessing.get_context("spawn")
    with shared_lock("test") as lock:
        held = context.Event()
        holder = context.Process(target=hold_and_die, args=(lock, held))
        holder.start()
        try:
            assert held.wait(60)
            taken = threading.Event()

            def take() -> None:
                with lock:
                    taken.set()

            threading.Thread(target=take, daemon=True).start()
            assert not taken.wait(0.5)  # held by the other process
            assert holder.pid is not None
            os.kill(holder.pid, signal.SIGKILL)  # a worker killed in the middle of the first embedding
            assert taken.wait(30)
        finally:
            holder.kill()
            holder.join(timeout=30)
    assert not Path(lock.path).exists()


def test_the_getting_ready_answer_carries_cors_headers(kb_path: Path) -> None:
    """Review: the 503 sat outside CORS, so a page of an allowed site saw a network error, not Retry-After."""
    settings = Settings(rate_limit=0, cors_origins=("https://x.example",))
    waiting = TestClient(create_app(str(kb_path), settings, ready_in_background=True), raise_server_exceptions=False)
    api = waiting.get("/api/ask", params={"q": "what causes gout?"}, headers={"Origin": "https://x.example"})
    assert api.status_code == 503 and api.headers["Access-Control-Allow-Origin"] == "https://x.example"
    preflight = waiting.options("/api/ask", headers={
        "Origin": "https://x.example", "Access-Control-Request-Method": "POST"})
    assert preflight.headers.get("Access-Control-Allow-Origin") == "https://x.example"
