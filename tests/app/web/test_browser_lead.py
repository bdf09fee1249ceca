"""What a worried person sees first, in a real browser (Chromium at phone and desktop widths): the answer's lead
quotes the sentences of the type asked, lists stay lists, organisations lead a support question; the condition
page's first phone screen holds what it is, treatment, support and how common even with a catalogue record; its
cards read cleanly; lists of conditions show names, not internal keys.

The knowledge base is built here, in our own words, with an Orphanet-like record merged into the condition.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from answer.test_lead import FEVERISH_SYMPTOMS, KNEELOCK_CAUSE, documents
from healthqa.ingest.orphanet import parse_packet
from healthqa.records import Organisation, ParsedDocument, SectionType, SourceInfo, Tier
from kb_builders import GARD, build_kb, make_document
from orphanet_data import packet
from servers import RunningServer, serve

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SAVED = SourceInfo("Saved guide", "A publisher", "", "CC BY", Tier.REVIEWED_PUBLISHER)
NERVE_AID = Organisation("Nerve Aid Society", "1 Long Road, Springfield", "217-555-0142", "", "https://nerve.example.org")
SECOND_GROUP = Organisation("Weak Muscles Network", "", "Toll Free: 1-800-555-0199", "", "")
THIRD_GROUP = Organisation("Third Helpers", "", "217-555-0177", "", "")
# A long definition, as GARD writes them, and a catalogue record with the facts the first screen must also hold.
DEFINITION = (
    "Myasthenoid syndrome (MYS) is a rare disorder in which nerves fail to signal muscles. The junction between "
    "nerve and muscle is where a nerve hands its message on to the muscle. In this syndrome, the body's own "
    "antibodies block that message. It may come with other autoimmune diseases, or with a cancer of the lung."
)
TREATMENT = ("Treatment may include plasma exchange, intravenous immunoglobulin, amifampridine, prednisone, "
             "azathioprine and pyridostigmine.")


def condition_documents() -> list[ParsedDocument]:
    gard = make_document("gard-mys", "Myasthenoid syndrome", ["MYS", "Eaton myasthenoid syndrome"], [
        (SectionType.INFORMATION, "What is (are) Myasthenoid syndrome ?", DEFINITION),
        (SectionType.TREATMENT, "How might Myasthenoid syndrome be treated?", TREATMENT),
    ], source=GARD)
    gard.organisations = [NERVE_AID, SECOND_GROUP, THIRD_GROUP]
    saved = make_document("saved-mys", "Myasthenoid syndrome", ["MYS"], [
        (SectionType.TREATMENT, "How is myasthenoid syndrome treated?",
         "Plasma exchange, intravenous immunoglobulin, prednisone and azathioprine may all be used."),
    ], source=SAVED, url="", updated="")
    saved = replace(saved, updated=None, passages=[replace(p, updated=None) for p in saved.passages])
    record = parse_packet(packet(
        "900043", "Myasthenoid syndrome", definition="A rare autoimmune disorder of the nerve-muscle junction.",
        synonyms=("MYS",), inheritance=("Not applicable",),
        prevalences=(("1-9 / 1 000 000", "Point prevalence", "Worldwide"),), onsets=("Adult",),
    )["Orphapacket"])
    # The lead tests' overviews, without their own "Myasthenoid syndrome" pages: one condition of that name here.
    overviews = [d for d in documents() if d.key in {"kneelock", "pressurex", "feverish"}]
    return [*overviews, gard, saved, record]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("lead-browser")
    kb = build_kb(folder / "kb.db", condition_documents(), prepared=True)
    with serve(kb, folder / "server.log") as running:
        yield running


def _ask(browser: Any, server: RunningServer, question: str, viewport: dict[str, int]) -> Any:
    page = browser.new_page(viewport=viewport)
    page.goto(f"{server.url}/")
    page.get_by_label("Your health question").fill(question)
    with page.expect_navigation():
        page.get_by_role("button", name="Ask", exact=True).click()
    return page


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_lead_quotes_what_answers_and_keeps_lists(server: RunningServer, browser: Any,
                                                        viewport: dict[str, int]) -> None:
    page = _ask(browser, server, "what causes kneelock", viewport)
    try:
        lead = page.locator(".lead-answer blockquote")
        assert KNEELOCK_CAUSE in lead.inner_text() and "It causes stiff" not in lead.inner_text()
        # The lead is the first thing under the heading, on the first screen.
        box = page.locator(".lead-answer").bounding_box()
        assert box is not None and box["y"] < viewport["height"]
        page.goto(f"{server.url}/?q=what+are+the+symptoms+of+feverish+flu")
        lead = page.locator(".lead-answer blockquote")
        assert FEVERISH_SYMPTOMS in lead.inner_text()
        assert lead.locator("ul li").all_inner_texts() == ["Shivers", "Aches", "Coughing"]
    finally:
        page.close()


def test_organisations_lead_a_support_question(server: RunningServer, browser: Any) -> None:
    page = _ask(browser, server, "is there a support group for myasthenoid syndrome", PHONE)
    try:
        lead = page.locator(".lead-answer")
        groups = lead.locator(".lead-organisations li")
        assert groups.count() == 3 and "Nerve Aid Society" in groups.first.inner_text()
        assert groups.first.locator("a[href='tel:2175550142']").count() == 1
        details = groups.first.locator("a", has_text="details").get_attribute("href")
        assert details and page.locator(details).count() == 1  # the full entry further down
        # No unreviewed or unrelated passage is quoted under them as if it answered.
        assert lead.locator("blockquote").count() == 0
    finally:
        page.close()


def _bottoms(page: Any) -> dict[str, float]:
    bottoms = {}
    for term in page.locator("#overview dt").all():
        box = term.locator("xpath=following-sibling::dd[1]").bounding_box()
        bottoms[term.inner_text()] = box["y"] + box["height"]
    return bottoms


def test_the_condition_page_first_phone_screen_with_a_catalogue_record(server: RunningServer, browser: Any,
                                                                       tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/diseases/MYS")
        overview = page.locator("#overview").inner_text()
        assert "Orphanet" in overview and "1 to 9 in 1 000 000" in overview  # the catalogue's facts are there
        bottoms = _bottoms(page)
        wanted = ["What it is", "How it is treated", "Where to get support", "How common"]
        assert set(wanted) <= set(bottoms), bottoms
        assert all(bottoms[label] <= PHONE["height"] for label in wanted), bottoms
        assert "Nerve Aid Society" in overview and "plasma exchange" in overview
        assert page.evaluate("document.documentElement.scrollHeight") <= 12 * PHONE["height"]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(tmp_path / "condition-first-screen.png"))
    finally:
        context.close()


def test_condition_cards_read_cleanly(server: RunningServer, browser: Any) -> None:
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(f"{server.url}/diseases/MYS")
        for summary in page.locator("details summary").all():
            summary.click()
        main = page.locator("main").inner_text()
        assert "(are)" not in main and "What is Myasthenoid syndrome?" in main
        cards = page.locator("article.quote")
        dated = [c for c in cards.all() if "2020-05-01" in c.inner_text()]
        assert dated and all("not given by the source" not in c.inner_text() for c in cards.all())
        # Said once for the page instead, naming the source.
        assert len(re.findall(r"Date not given by the source: [^.]*Saved guide", main)) == 1
        saved = [c for c in cards.all() if "Saved guide" in c.locator("h3").inner_text()]
        assert saved and all("Saved copy, no link given." in c.inner_text() for c in saved)
        assert all(c.locator("a.original").count() == 0 for c in saved)
    finally:
        page.close()


def test_not_found_lists_show_names_not_keys(server: RunningServer, browser: Any) -> None:
    page = browser.new_page(viewport=PHONE)
    try:
        response = page.goto(f"{server.url}/diseases/myasthenoi")
        assert response is not None and response.status in (300, 404)
        candidates = page.locator(".candidates li")
        assert candidates.count() >= 1
        text = page.locator(".candidates").inner_text()
        assert "Myasthenoid syndrome" in text
        assert not re.search(r"\b(orphanet|medquad|gard-mys|saved-mys)\b|ORPHA:\d|_Sec\d", text), text
        hrefs = [a.get_attribute("href") for a in page.locator(".candidates a").all()]
        assert all(href and href.startswith("/diseases/") for href in hrefs)
    finally:
        page.close()
