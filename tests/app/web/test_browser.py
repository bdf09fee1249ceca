"""``healthqa serve`` as a real server, driven by a real browser (Debian's Chromium through Playwright).

The browser tests skip when /usr/bin/chromium is missing (scripts/test installs it with apt-get).
Screenshots go to the test's tmp folder and to test-output/ at the repository root.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthqa.answer.answerer import DISCLAIMER
from kb_builders import (
    DOCUMENTS,
    GOUT_CAUSES,
    IMG,
    NINDS_LEMS_TREATMENT,
    ORPHANET_DOCUMENTS,
    SCRIPT,
    build_kb,
    ninds_lems,
    write_medquad_xml,
)
from servers import RunningServer, serve

TOKEN = "zP4kW9qT2vN7xR3mB8cL5hJ1dG6fS0aY-uE_"  # random, as HEALTHQA_ADMIN_TOKEN needs
REPO_OUTPUT = Path(__file__).resolve().parents[3] / "test-output"
QUESTION_MARKER = "Thistlewaite"


def _request(url: str, data: dict[str, Any] | None = None, token: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


SENTINEL = b"GET /healthz 200"


def _log_through_last_request(server: RunningServer, start: int = 0) -> bytes:
    """The server's log from byte ``start`` once the lines of every request made so far are in it.

    A request's line is written after its reply is sent, so one more request (``/healthz``) follows them, and
    its line, written after theirs by the one worker, is waited for.
    """
    before = server.log.read_bytes()[start:].count(SENTINEL)
    assert _request(f"{server.url}/healthz")[0] == 200
    deadline = time.monotonic() + 30
    while (log := server.log.read_bytes()[start:]).count(SENTINEL) <= before:
        assert time.monotonic() < deadline, "the server never logged the last request"
        time.sleep(0.02)
    return log


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("serve")
    kb = build_kb(folder / "kb.db", [*DOCUMENTS, ninds_lems(), *ORPHANET_DOCUMENTS], prepared=True)
    (folder / "sources").mkdir()
    env = {"HEALTHQA_ADMIN_TOKEN": TOKEN, "HEALTHQA_INGEST_ROOT": str(folder / "sources")}
    with serve(kb, folder / "server.log", env=env) as running:
        yield running


def test_server_answers_and_logs_paths_without_questions(server: RunningServer) -> None:
    status, body = _request(f"{server.url}/api/ask?q=does+{QUESTION_MARKER}+gout+hurt")
    assert status == 200 and json.loads(body)["focus"] == ["Gout"]
    status, _ = _request(f"{server.url}/api/ask", {"question": f"{QUESTION_MARKER} what causes gout"})
    assert status == 200
    log = _log_through_last_request(server).decode("utf-8", errors="replace")
    assert "healthqa: serving" in log
    assert "GET /api/ask 200" in log and "POST /api/ask 200" in log
    assert QUESTION_MARKER not in log and "?q=" not in log


LOG_MARKER = "zqxmarker"


def _raw(server: RunningServer, request: bytes) -> bytes:
    """``request`` sent byte for byte (no client library would send some of them), the reply read to the end."""
    port = server.port
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_the_server_log_holds_route_templates_only(server: RunningServer) -> None:
    """The marker sent every way, and paths that try to forge or colour a line, in the real server's log."""
    start = server.log.stat().st_size  # before: the model's progress bar, which draws with carriage returns
    words = urllib.parse.quote(f"{LOG_MARKER} gout")
    form = f"q={words}&add={LOG_MARKER}".encode()
    headers = f"User-Agent: {LOG_MARKER}\r\nReferer: /?q={LOG_MARKER}\r\nConnection: close\r\n"
    requests = [f"GET {path}?q={words} HTTP/1.1" for path in ("/", "/api/ask", "/symptoms", "/diseases",
                                                              "/api/search", "/api/diseases")]
    requests += [f"GET {prefix}{LOG_MARKER}%20syndrome HTTP/1.1"
                 for prefix in ("/diseases/", "/api/diseases/", "/topics/", "/api/topics/", "/", "/static/")]
    forged = "%0D%0APOST%20/api/ingest%20200%200.0ms%1B[31m"
    requests += [f"GET /diseases/x{forged} HTTP/1.1", f"GET /x{forged} HTTP/1.1", f"{LOG_MARKER} / HTTP/1.1"]
    for line in requests:
        _raw(server, f"{line}\r\nHost: x\r\n{headers}\r\n".encode())
    for path in ("/", "/symptoms", "/diseases"):
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\n{headers}Content-Type: application/x-www-form-urlencoded\r\n"
        _raw(server, f"{head}Content-Length: {len(form)}\r\n\r\n".encode() + form)
    for path, body in (("/api/ask", {"question": f"{LOG_MARKER} gout"}), ("/api/search", {"q": LOG_MARKER}),
                       ("/api/symptoms", {"q": LOG_MARKER}), ("/api/diseases", {"q": LOG_MARKER}),
                       ("/api/diseases/record", {"ref": LOG_MARKER})):
        assert _request(f"{server.url}{path}", body)[0] < 500
    # Bytes no client library sends: a raw ESC and a raw newline-free CR in the path, a bad request line.
    _raw(server, b"GET /diseases/a\x1b[31mred HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    _raw(server, f"GET /{LOG_MARKER}\x00\x1b HTTP/1.1\r\n\r\n".encode())
    log = _log_through_last_request(server, start)
    assert LOG_MARKER.encode() not in log.lower()
    assert b"\x1b" not in log and b"\r" not in log and b"/api/ingest 200 0.0ms" not in log
    text = log.decode("utf-8", errors="replace")
    for line in ("GET /diseases/{ref} ", "GET /api/topics/{ref} ", "GET <unmatched> 404", "POST /symptoms 200",
                 "GET /static/{path} 404", "POST /api/diseases/record "):
        assert line in text, line


# -- the browser --------------------------------------------------------------------------------------


def _recorder(dialogs: list[str]) -> Any:
    """A dialog handler that records the message and dismisses the dialog (a script ran)."""

    def record(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    return record


def _screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    REPO_OUTPUT.mkdir(exist_ok=True)
    shutil.copy(path, REPO_OUTPUT / name)
    return path


def test_ask_in_the_browser(server: RunningServer, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    page.goto(f"{server.url}/")
    page.get_by_label("Your health question").fill("What causes gout?")
    with page.expect_navigation():
        page.get_by_role("button", name="Ask", exact=True).click()
    card = page.locator("article.card").first
    # The form posted: the question is in neither the address bar nor the history's URLs.
    assert page.url == f"{server.url}/" and "gout" not in page.evaluate("location.href").lower()
    assert GOUT_CAUSES in card.locator("blockquote").inner_text()
    assert card.locator("mark").count() >= 1
    link = card.locator("a.original")
    assert link.get_attribute("href") == "https://site.test/gout"
    assert "GARD" in card.inner_text() and "2020-05-01" in card.inner_text()
    assert DISCLAIMER in page.locator("main").inner_text()
    assert _screenshot(page, tmp_path, "answer.png").stat().st_size > 10_000
    # Only when the person asks for it does a link carry the question.
    page.get_by_role("link", name="Link to this answer").click()
    page.wait_for_url("**/?q=*")
    assert GOUT_CAUSES in page.locator("article.card").first.locator("blockquote").inner_text()
    assert dialogs == []
    page.close()


def test_phone_without_javascript(server: RunningServer, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server.url}/")
    page.get_by_label("Your health question").fill("how is gout treated")
    with page.expect_navigation():
        page.get_by_role("button", name="Ask", exact=True).click()
    assert "?q=" not in page.url and "gout" not in page.url  # the POST form keeps the question out of the URL
    assert "colchicine" in page.locator("article.card").first.inner_text()
    _screenshot(page, tmp_path, "answer-phone.png")
    context.close()
    wide = browser.new_page(viewport={"width": 390, "height": 844})
    wide.goto(f"{server.url}/?q=how+is+gout+treated")
    assert wide.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    wide.close()


def test_hostile_document_is_inert_in_the_browser(server: RunningServer, browser: Any, tmp_path: Path) -> None:
    folder = server.log.parent / "sources" / "hostile"
    write_medquad_xml(folder, "0000666", f"{SCRIPT}Zyxoplasia {IMG}", [
        ("information", f"What is (are) Zyxoplasia ? {SCRIPT}",
         f"Zyxoplasia is a made-up condition used to test escaping. {SCRIPT} {IMG} It is not real."),
        ("treatment", "What are the treatments for Zyxoplasia ?", f"Rest helps zyxoplasia. {IMG}"),
    ])
    status, body = _request(f"{server.url}/api/ingest", {"paths": ["hostile"]}, token=TOKEN)
    assert status == 200 and json.loads(body)["ok"], body
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    page.goto(f"{server.url}/?q=what+is+zyxoplasia")
    assert "made-up condition" in page.locator("article.card").first.inner_text()
    assert SCRIPT in page.locator("main").inner_text()  # shown as text
    topic = page.locator("a", has_text="Everything about this topic").first.get_attribute("href")
    _screenshot(page, tmp_path, "hostile-answer.png")
    page.goto(f"{server.url}{topic}")
    assert page.locator("h1").inner_text().startswith(SCRIPT)
    for url in (f"{server.url}/?q=what+is+zyxoplasia", f"{server.url}{topic}", f"{server.url}/sources"):
        page.goto(url)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        # No script but healthqa's own file (Enter asks the question), and no image.
        assert page.locator("script:not([src='/static/ask.js'])").count() == 0 and page.locator("img").count() == 0
    assert dialogs == []
    page.close()


def test_symptom_search_in_the_browser(server: RunningServer, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Search by symptoms").first.click()
    page.get_by_label("Your symptoms, in plain words").fill("dry mouth, weak thighs, low reflexes, droopy eyelids")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert page.url == f"{server.url}/symptoms"  # posted: no symptom in the address bar
    assert "not a diagnosis" in page.locator(".notice").inner_text()
    best = page.locator("article.disease").first
    assert best.locator("h3").inner_text() == "Dry-weak syndrome (test)"
    assert "Xerostomia" in best.inner_text() and "Very frequent (99-80%)" in best.inner_text()
    dry_mouth = page.get_by_label("Xerostomia")
    assert dry_mouth.is_checked() and page.get_by_label("Ptosis").is_checked()
    _screenshot(page, tmp_path, "symptoms.png")
    # The person corrects the mapping: dry mouth is left out, the form is sent again.
    dry_mouth.uncheck()
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert not page.get_by_label("Xerostomia").is_checked() and page.get_by_label("Ptosis").is_checked()
    matched = page.locator("article.disease").first.locator("ul.features").first.inner_text()
    assert "Xerostomia" not in matched and "Proximal muscle weakness" in matched
    link = page.locator("article.disease h3 a").first
    _screenshot(page, tmp_path, "symptoms-corrected.png")
    link.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Dry-weak syndrome (test)"
    assert dialogs == []
    page.close()


def test_symptom_search_on_a_phone_without_javascript(server: RunningServer, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server.url}/symptoms")
    page.get_by_label("Your symptoms, in plain words").fill("skin rash")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    page.get_by_label("Add terms").fill("HP:0000217")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert page.get_by_label("Xerostomia").is_checked() and page.get_by_label("Skin rash").is_checked()
    assert page.locator("article.disease h3").first.inner_text() == "Eye-skin disorder (test)"
    _screenshot(page, tmp_path, "symptoms-phone.png")
    assert page.url == f"{server.url}/symptoms"
    url = server.url + (page.get_by_role("link", name="Link to this search").get_attribute("href") or "")
    context.close()
    wide = browser.new_page(viewport={"width": 390, "height": 844})
    wide.goto(url)
    assert wide.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    wide.close()


# -- the emergency box and the question box ------------------------------------------------------------


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize(("question", "first_label", "first_tel"), [
    ("my 2 year old swallowed some bleach, what do i do?", "Poison Control", "tel:+1-800-222-1222"),
    ("I keep thinking about suicide, what can I do", "Suicide & Crisis Lifeline", "tel:988"),
])
def test_emergency_box_in_the_browser(server: RunningServer, browser: Any, tmp_path: Path, width: int,
                                      question: str, first_label: str, first_tel: str) -> None:
    page = browser.new_page(viewport={"width": width, "height": 844})
    page.goto(f"{server.url}/")
    page.get_by_label("Your health question").fill(question)
    with page.expect_navigation():
        page.get_by_role("button", name="Ask", exact=True).click()
    box = page.get_by_role("alert")
    assert box.count() == 1
    # First on the page, one action a line, the most likely first, every number a tel: link.
    assert page.evaluate("document.querySelector('main').firstElementChild.classList.contains('emergency')")
    actions = box.locator("ul.emergency-actions > li")
    assert actions.count() == 3
    first = actions.first.locator("a")
    assert first_label in first.inner_text() and first.get_attribute("href") == first_tel
    assert sorted(a.get_attribute("href") for a in box.locator("a").all()) == [
        "tel:+1-800-222-1222", "tel:911", "tel:988"]
    tops = [actions.nth(n).bounding_box()["y"] for n in range(3)]
    assert tops == sorted(tops) and len(set(tops)) == 3  # one under another
    # Right under the box: no "No trusted answer found".
    below = page.evaluate("document.querySelector('.emergency').nextElementSibling.innerText")
    assert "No trusted answer" not in below
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    kind = "poison" if "Poison" in first_label else "suicide"
    _screenshot(page, tmp_path, f"emergency-{kind}-{width}.png")
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_enter_asks_and_shift_enter_adds_a_line(server: RunningServer, browser: Any, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 844})
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    page.goto(f"{server.url}/")
    box = page.get_by_label("Your health question")
    box.click()
    box.type("What causes")
    box.press("Shift+Enter")
    box.type("gout?")
    assert box.input_value() == "What causes\ngout?" and page.url == f"{server.url}/"
    with page.expect_navigation():
        box.press("Enter")
    assert GOUT_CAUSES in page.locator("article.card").first.locator("blockquote").inner_text()
    # The box under the answer asks on Enter too; a blank box asks nothing.
    again = page.get_by_label("Another health question")
    again.fill("")
    again.press("Enter")
    assert page.locator("article.card").count() >= 1 and again.input_value() == ""
    assert dialogs == []
    page.close()


# -- condition pages ----------------------------------------------------------------------------------


def _boxes(page: Any, selector: str) -> list[dict[str, float]]:
    boxes: list[dict[str, float]] = [page.locator(selector).nth(n).bounding_box()
                                     for n in range(page.locator(selector).count())]
    return boxes


def test_condition_page_from_an_answer(server: RunningServer, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    page.goto(f"{server.url}/?q=is+eaton+lambert+syndrome+inherited")
    page.get_by_role("link", name="Everything the sources say about Lambert-Eaton myasthenic syndrome").click()
    page.wait_for_url("**/diseases/**")
    assert page.locator("h1").inner_text() == "Lambert-Eaton myasthenic syndrome"
    treatment = page.locator("section.disease-section", has=page.get_by_role("heading", name="Treatment", exact=True))
    card = treatment.locator("article.quote", has=page.get_by_role("heading", name="NINDS", exact=True))
    assert not card.is_visible()  # sections start collapsed
    treatment.locator("summary").click()
    assert NINDS_LEMS_TREATMENT in card.locator("blockquote").inner_text()
    assert "2011-03-01" in card.inner_text() and "Government-reviewed source" in card.inner_text()
    assert card.locator("a.original").get_attribute("href") == "https://site.test/ninds-lems"
    # Wide screen: the two sources' treatment passages side by side.
    first, second = _boxes(page, "section.disease-section:has(h2:text-is('Treatment')) article.quote")
    assert first["y"] == second["y"] and second["x"] > first["x"] + first["width"]
    comparison = page.locator("#comparison")
    comparison.locator("summary").click()
    assert "Sources disagree" in comparison.inner_text() and "9.2 years older" in comparison.inner_text()
    # A passage link of the comparison leads to the card on the page.
    comparison.locator(".findings").get_by_role("link", name="NINDS", exact=True).first.click()
    assert page.url.endswith("#" + (card.get_attribute("id") or "missing"))
    _screenshot(page, tmp_path, "disease.png")
    card.locator("a", has_text="The whole document").click()
    page.wait_for_url("**/topics/**")
    assert page.locator("h1").inner_text() == "Lambert-Eaton myasthenic syndrome"
    assert dialogs == []
    page.close()


def test_condition_page_on_a_phone_without_javascript(server: RunningServer, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server.url}/symptoms?q=dry+mouth%2C+weak+thighs")
    page.locator("article.disease h3 a").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/diseases/ORPHA:900001")
    assert page.locator("h1").inner_text() == "Dry-weak syndrome (test)"
    for summary in page.locator("summary").all():  # open every section: a tap each, no script needed
        summary.click()
    card = page.locator("article.quote").first
    assert card.locator("a.original").get_attribute("href") == "https://www.orpha.net/en/disease/detail/900001"
    assert "Orphanet" in card.locator("h3").inner_text() and "Source: Orphanet" in page.locator("#facts").inner_text()
    _screenshot(page, tmp_path, "disease-orphanet-phone.png")
    # The search page, then a record with several sources: passages one under another.
    page.goto(f"{server.url}/diseases")
    page.get_by_label("Name of a condition").fill("lambert")
    with page.expect_navigation():
        page.get_by_role("button", name="Find the condition").click()
    assert page.url == f"{server.url}/diseases"  # the typed name stays out of the URL
    page.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    page.wait_for_load_state()
    page.locator("section.disease-section:has(h2:text-is('Treatment')) summary").click()
    first, second = _boxes(page, "section.disease-section:has(h2:text-is('Treatment')) article.quote")
    assert first["x"] == second["x"] and second["y"] > first["y"] + first["height"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    _screenshot(page, tmp_path, "disease-phone.png")
    context.close()


PHONE = {"width": 390, "height": 844}


def _first_screen(page: Any, url: str) -> tuple[str, float, dict[str, float]]:
    """The overview's text, the page's height in phone screens (sections collapsed), and each overview
    entry's bottom edge (label -> px from the top of the page)."""
    page.goto(url)
    height: float = page.evaluate("document.documentElement.scrollHeight")
    bottoms = {}
    for term in page.locator("#overview dt").all():
        answer = term.locator("xpath=following-sibling::dd[1]")
        box = answer.bounding_box()
        bottoms[term.inner_text()] = box["y"] + box["height"]
    return page.locator("#overview").inner_text(), height / PHONE["height"], bottoms


def test_condition_page_summary_fits_the_first_phone_screen(
    server: RunningServer, browser: Any, tmp_path: Path
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    text, screens, bottoms = _first_screen(page, f"{server.url}/diseases/LEMS")
    # What LEMS is, how common, how it is treated and where to get support: all on the first screen.
    assert "Lambert-Eaton myasthenic syndrome is a rare disorder" in text and "GARD" in text
    assert "plasma exchange" in text and "Muscle Friends Association" in text
    # Treatment and support right after the definition, the key facts after them (issue 17's audit).
    assert list(bottoms) == ["What it is", "How it is treated", "Where to get support", "How common"]
    assert max(bottoms.values()) <= PHONE["height"], bottoms
    assert screens <= 12, screens
    assert page.locator("details[open]").count() == 0 and page.locator("article.quote").first.is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _screenshot(page, tmp_path, "disease-summary-phone.png")
    # A catalogue record: how common, inherited, when it starts, in sentences, on the first screen too.
    text, screens, bottoms = _first_screen(page, f"{server.url}/diseases/ORPHA:900001")
    assert "About 1 to 9 in 100 000 people, according to Orphanet" in text
    assert "autosomal dominant" in text and "in adulthood" in text
    assert max(bottoms.values()) <= PHONE["height"], bottoms
    assert screens <= 12, screens
    context.close()
