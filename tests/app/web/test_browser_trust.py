"""Trust cues that are true, in a real browser (Debian's Chromium) at phone (390 px) and desktop (1280 px) widths.

Issue 17's "trust cues" and condition-page wording, as a reader sees them over a real ``healthqa serve``: dates
where a source gives one and "date not given by the source" once per source otherwise (never "undated"); a link
to the original for every passage that has one, "saved copy, no link given" where a saved page has no address;
card labels that match the question answered; MedQuAD's "(are)" templates cleaned; related questions without
duplicates; features in plain words with the clinical term beside them and how often in words. The same checks
run in process in test_pages.py and test_disease_pages.py; these read the rendered page, text as shown.
Skips where /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from app.web.test_pages import ZYRTECOL_DIET, trust_documents
from healthqa.app.web.pages import disease_href
from kb_builders import build_kb, disease_documents
from servers import RunningServer, serve

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("trust-browser")
    kb = build_kb(folder / "kb.db", [*disease_documents(), *trust_documents()], prepared=True)
    with serve(kb, folder / "server.log") as running:
        yield running


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    opened = browser.new_page(viewport=VIEWPORTS[request.param])
    try:
        yield opened
    finally:
        opened.close()


def asked(server: RunningServer, question: str) -> str:
    return f"{server.url}/?{urlencode({'q': question})}"


def fits_the_width(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_dates_are_said_once_per_source_and_every_card_links_its_original(server: RunningServer, page: Any) -> None:
    page.goto(asked(server, "What is flu?"))
    text = page.locator("main").inner_text()
    assert "undated" not in text.lower() and "(are)" not in text and " ?" not in text
    notes = page.locator("section[aria-labelledby='source-notes-heading']")
    said = "date not given by the source"
    # Said in the notes about the sources, once for each source that gives none, and nowhere else.
    assert notes.inner_text().count(said) == text.count(said) >= 1
    cards = page.locator("article.card")
    assert cards.count() >= 1
    for index in range(cards.count()):
        original = cards.nth(index).locator("a.original")
        assert original.count() == 1 and original.get_attribute("href").startswith("https://site.test/")
        assert original.is_visible()
    related = [q.strip() for q in page.locator("a[href^='/?q=']").all_inner_texts() if q.strip()]
    keys = [re.sub(r"[^a-z]", "", question.lower()) for question in related]
    assert len(keys) == len(set(keys)), related
    assert fits_the_width(page)


def test_a_saved_copy_without_an_address_says_so(server: RunningServer, page: Any) -> None:
    page.goto(asked(server, "What causes Florbian syndrome?"))
    card = page.locator("article.card").first
    assert "Florbian syndrome is caused" in card.inner_text()
    assert "Saved copy, no link given" in card.inner_text() and card.locator("a.original").count() == 0
    assert "2020-05-01" in card.inner_text()  # a source that gives a date shows it on its card


def test_the_card_label_matches_the_question_it_answers(server: RunningServer, page: Any) -> None:
    page.goto(asked(server, "What special dietary instructions should I follow with zyrtecol?"))
    card = page.locator("article.card", has_text=ZYRTECOL_DIET[:40]).first
    label = card.inner_text()
    assert "dietary" in label and "forget a dose" not in label
    assert "What special dietary instructions should I follow with Zyrtecol?" in label


def test_condition_features_read_in_plain_words(server: RunningServer, page: Any) -> None:
    page.goto(f"{server.url}{disease_href('ORPHA:900001')}")
    page.locator("#features summary").first.click()  # collapsed by default: the reader opens it
    features = " ".join(page.locator("#features").inner_text().split())
    assert "Dry mouth (xerostomia): in most people (80-99%)" in features
    assert "Constipation: occasionally (5-29%)" in features and "HP:0000217" not in features
    text = page.locator("main").inner_text()
    assert not re.search(r"\w+_Sec\d+\.txt|orphanet:\d+|medquad:", text)
    assert "(are)" not in text and "undated" not in text.lower()
    assert fits_the_width(page)
