"""``healthqa serve`` as a real server, driven by a real browser (Debian's Chromium through Playwright).

The browser tests skip when /usr/bin/chromium is missing (scripts/test installs it with apt-get).
Screenshots go to the test's tmp folder and to test-output/ at the repository root.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from healthqa.answer import DISCLAIMER
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
from servers import stop

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
TOKEN = "browser-test-token"
REPO_OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
QUESTION_MARKER = "Thistlewaite"


@dataclass
class Server:
    url: str
    log: Path
    folder: Path
    process: subprocess.Popen[bytes]

    def read_log(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    kb = build_kb(folder / "kb.db", [*DOCUMENTS, ninds_lems(), *ORPHANET_DOCUMENTS])
    port = _free_port()
    env = {**os.environ, "HEALTHQA_DB": str(kb), "HEALTHQA_ADMIN_TOKEN": TOKEN, "HEALTHQA_RATE_LIMIT": "0"}
    env.pop("HEALTHQA_LOG_QUESTIONS", None)
    script = Path(sys.executable).parent / "healthqa"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "healthqa"]
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    running = Server(f"http://127.0.0.1:{port}", log, folder, process)
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"healthqa serve exited with {process.returncode}:\n{running.read_log()}")
            try:
                if _request(f"{running.url}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"healthqa serve did not become healthy:\n{running.read_log()}")
            time.sleep(0.25)
        yield running
    finally:
        stop(process, timeout=15)


def test_server_answers_and_logs_paths_without_questions(server: Server) -> None:
    status, body = _request(f"{server.url}/api/ask?q=does+{QUESTION_MARKER}+gout+hurt")
    assert status == 200 and json.loads(body)["focus"] == ["Gout"]
    status, _ = _request(f"{server.url}/api/ask", {"question": f"{QUESTION_MARKER} what causes gout"})
    assert status == 200
    time.sleep(0.5)  # let the log reach the file
    log = server.read_log()
    assert "healthqa: serving" in log
    assert "GET /api/ask 200" in log and "POST /api/ask 200" in log
    assert QUESTION_MARKER not in log and "?q=" not in log


# -- the browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (install Debian's chromium: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


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


def test_ask_in_the_browser(server: Server, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    page.goto(f"{server.url}/")
    page.get_by_label("Your health question").fill("What causes gout?")
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_url("**/?q=*")
    card = page.locator("article.card").first
    assert GOUT_CAUSES in card.locator("blockquote").inner_text()
    assert card.locator("mark").count() >= 1
    link = card.locator("a.original")
    assert link.get_attribute("href") == "https://site.test/gout"
    assert "GARD" in card.inner_text() and "2020-05-01" in card.inner_text()
    assert DISCLAIMER in page.locator("main").inner_text()
    assert _screenshot(page, tmp_path, "answer.png").stat().st_size > 10_000
    assert dialogs == []
    page.close()


def test_phone_without_javascript(server: Server, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server.url}/")
    page.get_by_label("Your health question").fill("how is gout treated")
    page.get_by_role("button", name="Ask without showing the question in the address bar").click()
    page.wait_for_load_state()
    assert "?q=" not in page.url  # the POST form keeps the question out of the address bar
    assert "colchicine" in page.locator("article.card").first.inner_text()
    _screenshot(page, tmp_path, "answer-phone.png")
    context.close()
    wide = browser.new_page(viewport={"width": 390, "height": 844})
    wide.goto(f"{server.url}/?q=how+is+gout+treated")
    assert wide.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    wide.close()


def test_hostile_document_is_inert_in_the_browser(server: Server, browser: Any, tmp_path: Path) -> None:
    folder = tmp_path / "hostile"
    write_medquad_xml(folder, "0000666", f"{SCRIPT}Zyxoplasia {IMG}", [
        ("information", f"What is (are) Zyxoplasia ? {SCRIPT}",
         f"Zyxoplasia is a made-up condition used to test escaping. {SCRIPT} {IMG} It is not real."),
        ("treatment", "What are the treatments for Zyxoplasia ?", f"Rest helps zyxoplasia. {IMG}"),
    ])
    status, body = _request(f"{server.url}/api/ingest", {"paths": [str(folder)]}, token=TOKEN)
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
        assert page.locator("script").count() == 0 and page.locator("img").count() == 0
    assert dialogs == []
    page.close()


def test_symptom_search_in_the_browser(server: Server, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Search by symptoms").first.click()
    page.get_by_label("Your symptoms, in plain words").fill("dry mouth, weak thighs, low reflexes, droopy eyelids")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/symptoms?*")
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


def test_symptom_search_on_a_phone_without_javascript(server: Server, browser: Any, tmp_path: Path) -> None:
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
    url = page.url
    context.close()
    wide = browser.new_page(viewport={"width": 390, "height": 844})
    wide.goto(url)
    assert wide.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    wide.close()


# -- condition pages ----------------------------------------------------------------------------------


def _boxes(page: Any, selector: str) -> list[dict[str, float]]:
    boxes: list[dict[str, float]] = [page.locator(selector).nth(n).bounding_box()
                                     for n in range(page.locator(selector).count())]
    return boxes


def test_condition_page_from_an_answer(server: Server, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    page.goto(f"{server.url}/?q=is+eaton+lambert+syndrome+inherited")
    page.get_by_role("link", name="Everything the sources say about Lambert-Eaton myasthenic syndrome").click()
    page.wait_for_url("**/diseases/**")
    assert page.locator("h1").inner_text() == "Lambert-Eaton myasthenic syndrome"
    treatment = page.locator("section.disease-section", has=page.get_by_role("heading", name="Treatment", exact=True))
    card = treatment.locator("article.quote", has=page.get_by_role("heading", name="NINDS", exact=True))
    assert NINDS_LEMS_TREATMENT in card.locator("blockquote").inner_text()
    assert "2011-03-01" in card.inner_text() and "Government-reviewed source" in card.inner_text()
    assert card.locator("a.original").get_attribute("href") == "https://site.test/ninds-lems"
    # Wide screen: the two sources' treatment passages side by side.
    first, second = _boxes(page, "section.disease-section:has(h2:text-is('Treatment')) article.quote")
    assert first["y"] == second["y"] and second["x"] > first["x"] + first["width"]
    comparison = page.locator("#comparison")
    assert "Sources disagree" in comparison.inner_text() and "9.2 years older" in comparison.inner_text()
    # A passage link of the comparison leads to the card on the page.
    comparison.get_by_role("link", name="The whole passage from NINDS").first.click()
    assert page.url.endswith("#" + (card.get_attribute("id") or "missing"))
    _screenshot(page, tmp_path, "disease.png")
    card.locator("a", has_text="The whole document").click()
    page.wait_for_url("**/topics/**")
    assert page.locator("h1").inner_text() == "Lambert-Eaton myasthenic syndrome"
    assert dialogs == []
    page.close()


def test_condition_page_on_a_phone_without_javascript(server: Server, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server.url}/symptoms?q=dry+mouth%2C+weak+thighs")
    page.locator("article.disease h3 a").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/diseases/ORPHA:900001")
    assert page.locator("h1").inner_text() == "Dry-weak syndrome (test)"
    card = page.locator("article.quote").first
    assert card.locator("a.original").get_attribute("href") == "https://www.orpha.net/en/disease/detail/900001"
    assert "Orphanet" in card.locator("h3").inner_text() and "Source: Orphanet" in page.locator("#facts").inner_text()
    _screenshot(page, tmp_path, "disease-orphanet-phone.png")
    # The search page, then a record with several sources: passages one under another.
    page.goto(f"{server.url}/diseases")
    page.get_by_label("Name of a condition").fill("lambert")
    page.get_by_role("button", name="Find the condition").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    page.wait_for_load_state()
    first, second = _boxes(page, "section.disease-section:has(h2:text-is('Treatment')) article.quote")
    assert first["x"] == second["x"] and second["y"] > first["y"] + first["height"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    _screenshot(page, tmp_path, "disease-phone.png")
    context.close()
