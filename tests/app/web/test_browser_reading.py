"""What a worried person sees, in a real browser (Debian's Chromium) at phone (390 px) and desktop (1280 px) widths.

One ``healthqa serve`` and one browser for the module, over a knowledge base built here: the answer at a glance,
an honest gap with the source's page, lists kept as lists, links that open collapsed sections, a condition page
that fits a phone and a sources table that fits a desktop. Skips where /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import pytest

from healthqa.records import ParsedDocument, QAPair, SectionType, SourceInfo, Tier
from kb_builders import DOCUMENTS, ORPHANET_DOCUMENTS, build_kb, make_document, ninds_lems
from servers import RunningServer, serve

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
DRUGS = SourceInfo("MedlinePlus Drug Information", "ASHP", "https://medlineplus.test", "withheld",
                   Tier.REVIEWED_PUBLISHER)
DRUG_PAGE = "https://medlineplus.test/druginfo/zorbatide.html"
OTHER_DRUG_PAGE = "https://medlineplus.test/druginfo/vantoprel.html"
OTHER_DRUG_QUESTIONS = [("Who should get Vantoprel and why is it prescribed ?", SectionType.INDICATION),
                        ("Are there safety concerns or special precautions about Vantoprel ?", SectionType.PRECAUTIONS)]
FLU = ("Flu is a respiratory infection caused by a number of viruses.    Symptoms of the flu come on suddenly and "
       "are worse than those of the common cold. They may include        - Body or muscle aches    - Chills     "
       "- Cough        Most people with the flu recover on their own without medical care.")


def reading_documents() -> list[ParsedDocument]:
    """The shared test documents, a MedQuAD-like flu overview with its list, and a drug page whose side effects
    MedQuAD ships as a question and a URL only."""
    drug = make_document("zorbatide", "Zorbatide", [], [
        (SectionType.INDICATION, "Who should get Zorbatide and why is it prescribed ?",
         "Zorbatide is used to treat type 2 diabetes. It lowers the amount of sugar in the blood."),
    ], source=DRUGS, url=DRUG_PAGE)
    side_effects = QAPair("What are the side effects or risks of Zorbatide ?", SectionType.SIDE_EFFECTS,
                          "ZORBATIDE_Sec9.txt", answer_id="ZORBATIDE_Sec9.txt")
    flu = make_document("flu", "Flu", ["Influenza"], [(SectionType.INFORMATION, "What is (are) Flu ?", FLU)])
    # A drug page of questions and a URL only (no text at all).
    other = make_document("vantoprel", "Vantoprel", [], [], source=DRUGS, url=OTHER_DRUG_PAGE)
    other = replace(other, questions=[QAPair(text, kind, f"VANTOPREL_Sec{n}.txt")
                                      for n, (text, kind) in enumerate(OTHER_DRUG_QUESTIONS, 1)])
    return [*DOCUMENTS, ninds_lems(), *ORPHANET_DOCUMENTS, replace(drug, questions=[*drug.questions, side_effects]),
            flu, other]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("reading")
    with serve(build_kb(folder / "kb.db", reading_documents()), folder / "server.log") as running:
        yield running


def ask(server: RunningServer, question: str) -> str:
    return f"{server.url}/?{urlencode({'q': question})}"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_answer_comes_first_and_its_list_stays_a_list(server: RunningServer, browser: Any,
                                                          viewport: dict[str, int]) -> None:
    page = browser.new_page(viewport=viewport)
    try:
        page.goto(ask(server, "What are the symptoms of flu?"))
        lead = page.locator(".lead-answer")
        box = lead.bounding_box()
        # On the first screen, above what healthqa understood; quoted, with its source.
        assert box is not None and box["y"] + box["height"] <= viewport["height"]
        assert box["y"] < page.locator(".understood").bounding_box()["y"]
        assert "Symptoms of the flu come on suddenly" in lead.inner_text()
        assert "Quoted from GARD" in lead.inner_text()
        items = page.locator("#answer-1 .passage ul > li")
        assert items.all_inner_texts() == ["Body or muscle aches", "Chills", "Cough"]
        assert page.locator("#answer-1 .passage > p").count() == 3
        page.locator(".lead-answer a[href='#answer-1']").click()
        assert page.evaluate("location.hash") == "#answer-1"
    finally:
        page.close()


def test_a_gap_is_said_plainly_with_the_sources_page(server: RunningServer, browser: Any) -> None:
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(ask(server, "What are the side effects of zorbatide?"))
        lead = page.locator(".lead-answer")
        assert "healthqa found no trusted passage about the side effects of Zorbatide." in lead.inner_text()
        link = lead.locator(f"a[href='{DRUG_PAGE}']")
        assert link.inner_text() == "MedlinePlus Drug Information: Zorbatide" and link.is_visible()
        box = lead.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"]
        # The indication is still quoted below, but nothing is highlighted as if it answered.
        assert page.locator("#answer-1").count() == 1 and page.locator("mark").count() == 0
    finally:
        page.close()


@pytest.mark.parametrize(("question", "topic", "shown"), [
    ("Can I take vantoprel if I have the flu?", "the precautions to take with Vantoprel", 1),
    ("why is vantoprel prescribed", "why Vantoprel is prescribed", 0),  # not "what causes Vantoprel"
])
def test_a_question_about_taking_a_medicine_gets_the_gap_of_its_page(server: RunningServer, browser: Any,
                                                                      question: str, topic: str, shown: int) -> None:
    """Review: "can I take ibuprofen with high blood pressure" showed blood pressure's definition as the answer, and
    "why is X prescribed" was read as asking what causes X."""
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(ask(server, question))
        gap = page.locator(".gap")
        assert f"healthqa found no trusted passage about {topic}." in gap.inner_text()
        link = gap.locator(f"a[href='{OTHER_DRUG_PAGE}']")
        assert link.inner_text() == "MedlinePlus Drug Information: Vantoprel" and link.is_visible()
        assert page.locator("#answer-1").count() == shown
        if shown:  # the flu overview, named for what it is about, and not marked as if it answered
            assert "Below, what the sources here do say about Flu." in gap.inner_text()
            assert page.locator("mark").count() == 0
    finally:
        page.close()


def test_condition_page_fits_a_phone_and_links_open_its_sections(server: RunningServer, browser: Any) -> None:
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(f"{server.url}/diseases/ORPHA:900001")
        assert page.locator("details[open]").count() == 0
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= 12 * PHONE["height"], height
        facts = page.locator("#facts details")
        assert not facts.evaluate("d => d.open")
        page.locator(".overview-list a.more[href='#facts']").first.click()
        assert facts.evaluate("d => d.open")
        card = page.locator("#facts .fact-card")
        assert card.is_visible() and "records the pattern of inheritance as autosomal dominant" in card.inner_text()
        # Arriving by a link to a passage inside a closed section opens it too.
        page.goto(f"{server.url}/diseases/LEMS#quote-1")
        quote = page.locator("#quote-1")
        assert quote.is_visible() and quote.evaluate("q => q.closest('details').open")
    finally:
        page.close()


def test_sources_table_fits_a_desktop(server: RunningServer, browser: Any) -> None:
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(f"{server.url}/sources")
        wrap = page.locator(".table-wrap")
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    finally:
        page.close()


def test_the_first_start_says_it_is_getting_ready_with_counts(server: RunningServer) -> None:
    """The test's knowledge base has no vectors yet: the start embeds them, saying so in a few log lines."""
    log = server.read_log()
    progress = re.findall(r"healthqa is getting ready: embedded ([\d,]+) of ([\d,]+) passages \((\d+)%\)", log)
    assert progress and progress[-1][0] == progress[-1][1] and progress[-1][2] == "100"
    assert len(progress) <= 11  # a line per tenth at most: no progress bar
    assert log.index("healthqa is getting ready") < log.index("the knowledge base is ready")
