"""While ``healthqa serve`` gets ready (the first start embeds every passage: minutes), it listens and says so."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from healthqa.app import GETTING_READY, create_app
from healthqa.config import Settings


def test_until_ready_every_request_is_told_healthqa_is_getting_ready(kb_path: Path) -> None:
    app = create_app(str(kb_path), Settings(rate_limit=0), ready_in_background=True)
    waiting = TestClient(app, raise_server_exceptions=False)  # no lifespan: it never gets ready
    page = waiting.get("/", params={"q": "what causes gout?"}, headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "10"
    assert "<h1>healthqa is getting ready…</h1>" in page.text and GETTING_READY in page.text
    assert '<meta http-equiv="refresh" content="10">' in page.text and "<script" not in page.text
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
