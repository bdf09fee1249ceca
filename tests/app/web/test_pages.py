"""The web pages in process: home, answer view, no-answer page, topic, sources, and hostile documents."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.conftest import open_client
from healthqa.answer.answerer import DISCLAIMER
from healthqa.app.web.pages import highlight, web_url
from healthqa.records import ParsedDocument, SectionType, SourceInfo, Tier
from kb_builders import GOUT_CAUSES, LEMS_INHERITANCE, NINDS, SCRIPT, build_kb, make_document


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    kb = build_kb(tmp_path_factory.mktemp("web") / "kb.db")
    with open_client(kb) as test_client:
        yield test_client


OWN_SCRIPTS = ({"src": "/static/ask.js", "defer": None}, {"src": "/static/sections.js", "defer": None})


class Outline(HTMLParser):
    """Headings, links, labels and the elements that could run script."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.hrefs: list[str] = []
        self.labels: set[str] = set()
        self.ids: set[str] = set()
        self.scripts = 0
        self.own_scripts = 0  # healthqa's own file (Enter asks the question), never inline
        self.event_attributes: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if tag == "label" and values.get("for"):
            self.labels.add(values["for"] or "")
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "script" and values in OWN_SCRIPTS:
            self.own_scripts += 1
        elif tag in ("script", "img", "iframe", "object", "embed"):
            self.scripts += 1
        self.event_attributes += [name for name, _ in attrs if name.startswith("on")]


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def assert_accessible_page(html: str) -> Outline:
    page = outline(html)
    assert '<html lang="en">' in html and 'name="viewport"' in html
    assert 'class="skip-link" href="#main"' in html and 'id="main"' in html
    assert page.headings and page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), page.headings
    assert page.scripts == 0 and page.own_scripts <= 1 and page.event_attributes == []
    assert all(href.startswith(("/", "#", "http://", "https://", "tel:")) for href in page.hrefs), page.hrefs
    return page


def test_home_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    page = assert_accessible_page(html)
    assert "q" in page.labels and 'id="q"' in html and 'name="q"' in html
    assert '<form class="ask" action="/" method="post">' in html  # the question stays out of the URL
    assert '<link rel="stylesheet" href="/static/style.css">' in html
    assert client.get("/", params={"q": "   "}).text == html  # an empty question is the home page


def test_answer_view_quotes_marks_and_cites(client: TestClient) -> None:
    question = "hi, my dad was just diagnosed with eaton lambert, is it something my kids can get?"
    response = client.get("/", params={"q": question})
    assert response.status_code == 200
    html = response.text
    page = assert_accessible_page(html)
    assert "What healthqa understood" in html and "Eaton-Lambert syndrome" in html and "inheritance" in html
    assert "<blockquote" in html and "Quoted answers" in html
    marked = re.findall(r"<mark>(.*?)</mark>", html, re.S)
    assert marked and all(sentence in LEMS_INHERITANCE for sentence in marked)
    assert "GARD" in html and "Government-reviewed source" in html and "2020-05-01" in html
    assert "https://site.test/lems" in page.hrefs and "/topics/lems" in page.hrefs
    assert any(href.startswith("/?q=") for href in page.hrefs)  # related questions
    assert DISCLAIMER in html
    assert 'role="alert"' not in html


def test_post_form_answers_without_the_question_in_the_url(client: TestClient) -> None:
    response = client.post("/", data={"q": "what causes gout?"})
    assert response.status_code == 200 and GOUT_CAUSES.split(",")[0] in response.text
    assert str(response.url).endswith("/")
    assert client.post("/", data={}).status_code == 200  # no question: the home page


def test_emergency_banner_comes_first(client: TestClient) -> None:
    html = client.get("/", params={"q": "my dad with gout has crushing chest pain right now"}).text
    assert 'class="emergency" role="alert"' in html
    assert html.index('role="alert"') < html.index("<h1")
    assert "emergency" in html[html.index('role="alert"'):html.index("<h1")].lower()
    box = html[html.index('role="alert"'):html.index("</div>", html.index('role="alert"'))]
    assert re.findall(r'href="(tel:[^"]+)"', box) == ["tel:911", "tel:988", "tel:+1-800-222-1222"]


@pytest.mark.parametrize(("question", "first"), [
    ("my 2 year old swallowed some bleach, what do i do?", "tel:+1-800-222-1222"),
    ("I have been thinking about suicide, what can I do", "tel:988"),
])
def test_emergency_box_lists_the_likely_action_first(client: TestClient, question: str, first: str) -> None:
    html = client.get("/", params={"q": question}).text
    assert_accessible_page(html)
    start = html.index('role="alert"')
    box = html[start:html.index("</div>", start)]
    assert '<ul class="emergency-actions">' in box and box.count("<li>") == 3
    assert re.findall(r'href="(tel:[^"]+)"', box)[0] == first
    # Under the box its actions come first; what the sources lack is said further down.
    after = html[html.index("</div>", start):]
    assert "No trusted answer found" not in after[:after.index("What healthqa understood")]


def test_question_box_asks_on_enter_by_a_script_file(client: TestClient) -> None:
    html = client.get("/").text
    assert '<script src="/static/ask.js" defer></script>' in html and "data-enter-submits" in html
    script = client.get("/static/ask.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "requestSubmit" in script.text and "shiftKey" in script.text


def test_no_answer_page(client: TestClient) -> None:
    response = client.get("/", params={"q": "What is the capital of France?"})
    assert response.status_code == 200
    html = response.text
    page = assert_accessible_page(html)
    assert "<h1>No trusted answer found.</h1>" in html
    assert "Rephrase" in html and "Name the condition" in html and "/sources" in page.hrefs
    assert "<blockquote" not in html and DISCLAIMER in html


def test_too_long_question_is_a_page_not_json(client: TestClient) -> None:
    response = client.get("/", params={"q": "gout " * 500})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    assert "2,000" in response.text and 'role="alert"' in response.text and 'id="q"' in response.text


def test_topic_page(client: TestClient) -> None:
    response = client.get("/topics/lems")
    assert response.status_code == 200
    html = response.text
    page = assert_accessible_page(html)
    assert "<h1>Lambert-Eaton myasthenic syndrome</h1>" in html
    for heading in ("What is Lambert-Eaton myasthenic syndrome?",
                    "Is Lambert-Eaton myasthenic syndrome genetic?",
                    "How might Lambert-Eaton myasthenic syndrome be treated?"):
        assert f">{heading}</h2>" in html
    assert "Eaton-Lambert syndrome" in html and "GARD" in html and "2020-05-01" in html
    assert "https://site.test/lems" in page.hrefs
    number = client.app.state.service.require_store().document("gout").id  # type: ignore[attr-defined]
    assert "id" not in client.get("/api/topics/gout").json()  # row ids are not public
    moved = client.get(f"/topics/{number}", follow_redirects=False)  # numbers change on re-ingest; keys do not
    assert moved.status_code == 307 and moved.headers["location"] == "/topics/gout"
    assert client.get(f"/topics/{number}").status_code == 200


def test_unknown_pages_are_html_for_browsers_and_json_for_clients(client: TestClient) -> None:
    missing = client.get("/topics/no-such-topic")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert_accessible_page(missing.text)
    browser = client.get("/no/such/page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert browser.status_code == 404 and "Page not found" in browser.text
    assert client.get("/no/such/page").json()["error"]["status"] == 404


def test_sources_page(client: TestClient) -> None:
    html = client.get("/sources").text
    assert_accessible_page(html)
    assert "GARD" in html and "Some blog" in html and "2020-05-01" in html and "CC BY 4.0" in html
    assert "Credits" in html
    assert "Ben Abacha A, Demner-Fushman D. A question-entailment approach to question answering. " \
           "BMC Bioinformatics 2019" in html
    assert "Orphanet: an online database of rare diseases and orphan drugs. INSERM, 1999" in html


def assert_inert(html: str) -> None:
    page = assert_accessible_page(html)
    assert "<script>window" not in html and "<img src=x" not in html and "<b>" not in html
    assert "javascript:" not in " ".join(page.hrefs)
    attributes = re.findall(r'(?:href|src|cite|action)="([^"]*)"', html)
    assert not any("javascript" in value for value in attributes)
    assert page.tags.count("b") == 0 and page.tags.count("i") == 0 and page.tags.count("u") == 0


def test_hostile_document_renders_as_inert_text(client: TestClient) -> None:
    topic = client.get("/topics/hostile").text
    assert_inert(topic)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;Zyxoplasia" in topic
    assert "javascript:alert(1)" in topic  # shown as text, not as a link
    answer = client.get("/", params={"q": "what is zyxoplasia?"}).text
    assert "Zyxoplasia is a made-up condition" in answer
    assert_inert(answer)
    assert_inert(client.get("/sources").text)
    assert "&lt;b&gt;Evil&lt;/b&gt; source" in client.get("/sources").text
    search = client.get("/", params={"q": f"{SCRIPT} zyxoplasia <img src=x onerror=alert(1)>"}).text
    assert_inert(search)


def test_highlight_escapes_before_marking() -> None:
    text = "A <b>bold</b> claim & more. The key sentence has <script>x()</script> in it. End."
    html = str(highlight(text, ["The key sentence has <script>x()</script> in it.", "not there"]))
    assert html == (
        "A &lt;b&gt;bold&lt;/b&gt; claim &amp; more. "
        "<mark>The key sentence has &lt;script&gt;x()&lt;/script&gt; in it.</mark> End."
    )
    assert str(highlight("a & b", [""])) == "a &amp; b"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://site.test/a?b=1", "https://site.test/a?b=1"),
        ("http://x.test", "http://x.test"),
        ("javascript:alert(1)", None), ("JAVASCRIPT:alert(1)", None), (" javascript:alert(1)", None),
        ("data:text/html,<script>", None), ("//evil.test", None), ("https://", None), ("", None),
        ("https://x.test/\nevil", None), ("vbscript:x", None), ("https://[bad", None),
    ],
)
def test_only_http_links(url: str, expected: str | None) -> None:
    assert web_url(url) == expected


def test_stylesheet_is_served(client: TestClient) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "@media" in css.text and ":focus" in css.text



@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"q=%ff%fe%00gout", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00\x01", "application/x-www-form-urlencoded"),
        (b"q=" + b"a" * 3000, "application/x-www-form-urlencoded"),
        (b"--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nhi\r\n--x--\r\n",
         "multipart/form-data; boundary=x"),
        (b"not a form", "text/plain"),
    ],
)
def test_hostile_form_posts_never_5xx(client: TestClient, content: bytes, content_type: str) -> None:
    response = client.post("/", content=content, headers={"content-type": content_type})
    assert response.status_code < 500, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")


# -- catalogue facts on the answer page -----------------------------------------------------------------


def test_answer_page_shows_orphanet_facts_with_attribution(client: TestClient) -> None:
    response = client.get("/", params={"q": "how is kallmann syndrome inherited?"})
    assert response.status_code == 200
    html = response.text
    page = assert_accessible_page(html)
    facts = html[html.index('id="facts-heading"'):html.index("</section>", html.index('id="facts-heading"'))]
    assert "Kallmann syndrome" in facts and "Mode of inheritance" in facts
    # In plain words, on the card and first on the page, before the passages.
    plain = "Orphanet records the pattern of inheritance as X-linked recessive."
    assert f'<p class="fact-sentence">{plain}</p>' in facts
    assert html.index("lead-answer") < html.index(plain) < html.index('id="facts-heading"')
    assert "<dd>Orphanet</dd>" in facts and "Government-reviewed source" in facts
    assert "Source: Orphanet, www.orpha.net" in facts and "licence CC BY 4.0" in facts
    assert "https://www.orpha.net/en/disease/detail/478" in page.hrefs and "/topics/orphanet:478" in page.hrefs
    prevalence = client.get("/", params={"q": "how common is kallmann syndrome?"}).text
    said = "About 1 to 9 in 100 000 people, according to Orphanet (point prevalence, Europe)."
    assert "How common" in prevalence and said in prevalence and "1-9 / 100 000" not in prevalence
    assert 'id="facts-heading"' not in client.get("/", params={"q": "what causes gout?"}).text


# -- symptom search -------------------------------------------------------------------------------------

LEMS_LIKE = "dry mouth, weak thighs, low reflexes, blah"


def checkboxes(html: str) -> dict[str, bool]:
    """The mapping's checkboxes: HPO id -> ticked."""
    boxes = re.finditer(r'<input type="checkbox"[^>]*value="([^"]+)"[^>]*>', html)
    return {box.group(1): " checked" in box.group(0) for box in boxes}


def test_symptom_form_page(client: TestClient) -> None:
    response = client.get("/symptoms")
    assert response.status_code == 200
    html = response.text
    page = assert_accessible_page(html)
    assert "q" in page.labels and "add" in page.labels
    assert "Your symptoms, in plain words" in html
    assert '<form class="ask symptoms-form" action="/symptoms" method="post">' in html
    assert 'class="notice"' in html and "not a diagnosis" in html and "discuss with a doctor" in html
    assert "Orphanet" in html and "CC BY 4.0" in html and "Human Phenotype Ontology" in html
    assert "https://hpo.jax.org" in page.hrefs and "https://www.orpha.net" in page.hrefs
    assert "/symptoms" in outline(client.get("/").text).hrefs  # linked from the home page and the nav
    assert client.get("/symptoms", params={"q": "  ", "add": ""}).text == html


def test_symptom_results_show_the_mapping_and_ranked_conditions(client: TestClient) -> None:
    response = client.get("/symptoms", params={"q": LEMS_LIKE})
    assert response.status_code == 200
    html = response.text
    page = assert_accessible_page(html)
    assert len(page.labels & {f"use-{n}" for n in range(1, 4)}) == 3  # every checkbox has its label
    assert checkboxes(html) == {"HP:0000217": True, "HP:0008994": True, "HP:0001265": True}
    assert "“dry mouth”" in html and "Xerostomia" in html and "(HP:0000217)" in html
    assert "Not recognised, so not searched" in html and "“blah”" in html
    assert html.index("not a diagnosis") < html.index("Dry-weak syndrome (test)")
    cards = re.findall(r'<article class="card disease".*?</article>', html, re.S)
    assert "Dry-weak syndrome (test)" in cards[0] and "ORPHA:900001" in cards[0]
    assert "Orphanet frequency: Very frequent (99-80%)" in cards[0] and "your words: “weak thighs”" in cards[0]
    assert "Seizure disorder (test)" not in html  # nothing of it matches: left off the page
    link = re.search(r'<h3 id="disease-1"><a href="([^"]+)">', cards[0])
    assert link and link.group(1) == "/diseases/ORPHA:900001"
    condition = client.get(link.group(1))
    assert condition.status_code == 200 and "<h1>Dry-weak syndrome (test)</h1>" in condition.text
    assert "https://www.orpha.net/en/disease/detail/900001" in page.hrefs
    assert "version" in html and "hpo.jax.org" in html  # the HPO credit names the ontology's version
    # Often recorded but not described.
    rash = client.get("/symptoms", params={"q": "skin rash"}).text
    assert "Often recorded, not in your description" in rash and "Ptosis" in rash


def test_unticking_a_term_leaves_it_out_and_keeps_it_on_the_form(client: TestClient) -> None:
    ids = ["HP:0000217", "HP:0008994", "HP:0001265"]
    params = {"q": LEMS_LIKE, "shown": ids, "use": ids[1:]}
    html = client.get("/symptoms", params=params).text
    assert checkboxes(html) == {"HP:0000217": False, "HP:0008994": True, "HP:0001265": True}
    best = re.findall(r'<article class="card disease".*?</article>', html, re.S)[0]
    matched, _, missing = best.partition("Often recorded, not in your description")
    assert "Dry-weak syndrome (test)" in matched and "Xerostomia" not in matched and "Xerostomia" in missing
    assert "Eye-skin disorder (test)" not in html  # it only matched the dry mouth
    nothing = client.get("/symptoms", params={"q": "dry mouth", "shown": "HP:0000217"}).text
    assert "No term is selected" in nothing and checkboxes(nothing) == {"HP:0000217": False}


def test_adding_terms_by_id_or_words(client: TestClient) -> None:
    html = client.get("/symptoms", params={"q": "dry mouth", "add": "HP:0000508, skin rash"}).text
    assert checkboxes(html) == {"HP:0000217": True, "HP:0000508": True, "HP:0000988": True}
    assert 'name="hpo" value="HP:0000508"' in html and 'name="hpo" value="HP:0000988"' in html
    assert "Added by you" in html and "“skin rash”" in html and 'name="add" value=""' in html
    assert "Eye-skin disorder (test)" in re.findall(r'<article class="card disease".*?</article>', html, re.S)[0]
    # An added term stays on the form (as hpo) and can be unticked like the others.
    again = client.get("/symptoms", params={
        "q": "dry mouth", "hpo": ["HP:0000508", "HP:0000988"], "shown": ["HP:0000217", "HP:0000508", "HP:0000988"],
        "use": ["HP:0000217", "HP:0000988"],
    }).text
    assert checkboxes(again) == {"HP:0000217": True, "HP:0000508": False, "HP:0000988": True}


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"q": "dry mouth", "add": "HP:12"}, "HP:12"),
        ({"q": "dry mouth", "add": "HP:9999999"}, "HP:9999999"),
        ({"q": "dry mouth, " * 200}, "2,000"),
        ({"q": "dry mouth", "hpo": "nonsense"}, "nonsense"),
    ],
)
def test_symptom_form_errors_are_pages_with_the_form(client: TestClient, params: dict[str, str], needle: str) -> None:
    response = client.get("/symptoms", params=params)
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert_accessible_page(html)
    alert = re.search(r'<p id="q-error" class="form-error" role="alert">(.*?)</p>', html, re.S)
    assert alert and needle in alert.group(1)
    assert 'id="q"' in html and "dry mouth" in html  # what was typed is kept


def test_hostile_symptom_input_is_inert(client: TestClient) -> None:
    hostile = f"{SCRIPT}, dry mouth, <img src=x onerror=alert(1)>"
    html = client.get("/symptoms", params={"q": hostile, "add": f"{SCRIPT} <b>x</b>"}).text
    assert_inert(html)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    error = client.get("/symptoms", params={"q": hostile, "add": f"HP:{SCRIPT}"})
    assert error.status_code == 422
    assert_inert(error.text)


# -- trust cues: dates once per source, saved copies without links, labels, cleaned and unique questions ----

FLU_WHAT = "Flu is a respiratory infection caused by influenza viruses that spreads from person to person."
ZYRTECOL_DIET = "Continue your normal diet unless your doctor tells you otherwise while taking zyrtecol."
SAVED = SourceInfo("RareGuru (GARD data)", "RareGuru", "", "not stated", Tier.REVIEWED_PUBLISHER)


def _undated(document: ParsedDocument) -> ParsedDocument:
    document.updated = None
    for passage in document.passages:
        passage.updated = None
    return document


def trust_documents() -> list[ParsedDocument]:
    flu = _undated(make_document("flu", "Flu", ["Influenza"], [
        (SectionType.INFORMATION, "What is (are) Flu ?", FLU_WHAT),
        (SectionType.SYMPTOMS, "What are the symptoms of Flu ?", "Fever, cough and aches are symptoms of flu."),
        (SectionType.CAUSES, "What causes Flu ?", "Influenza viruses cause flu."),
        (SectionType.PREVENTION, "How to prevent Flu ?", "A yearly vaccine helps prevent flu."),
        (SectionType.TREATMENT, "What are the treatments for Flu ?", "Rest and fluids treat most flu."),
    ]))
    flu_again = _undated(make_document("flu-senior", "Flu", ["Influenza"], [
        (SectionType.CAUSES, "what causes flu?", "Flu is caused by viruses that infect the nose and throat."),
        (SectionType.PREVENTION, "How to prevent  Flu?", "Washing hands helps prevent the spread of flu."),
    ], source=NINDS))
    drug = _undated(make_document("zyrtecol", "Zyrtecol", [], [
        (SectionType.FORGET_A_DOSE, "What special dietary instructions should I follow with Zyrtecol ?", ZYRTECOL_DIET),
    ]))
    saved = make_document("webpage:florbian", "Florbian syndrome", [], [
        (SectionType.CAUSES, "What causes Florbian syndrome?", "Florbian syndrome is caused by a change in a gene."),
    ], source=SAVED, url="")
    return [flu, flu_again, drug, saved]


@pytest.fixture(scope="module")
def trust_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    kb = build_kb(tmp_path_factory.mktemp("trust") / "kb.db", trust_documents())
    with open_client(kb) as test_client:
        yield test_client


def test_undated_sources_are_said_once_per_source_never_undated(trust_client: TestClient) -> None:
    html = trust_client.get("/", params={"q": "What is flu?"}).text
    assert "undated" not in html.lower()
    assert 'id="source-notes-heading">About these sources' in html
    notes = html.split('id="source-notes-heading"', 1)[1].split("</section>", 1)[0]
    assert notes.count("<li>") == len(set(re.findall(r"<dt>Source</dt><dd>([^<]*)</dd>", html))) >= 1
    said = "date not given by the source"
    assert html.count(said) == notes.count(said) == notes.count("<li>")
    assert "<dt>Date</dt>" not in html
    # A dated source shows its date on the card.
    dated = trust_client.get("/", params={"q": "What causes Florbian syndrome?"}).text
    assert "<dt>Date</dt><dd>2020-05-01</dd>" in dated and "dated as shown on each passage" in dated


def test_saved_copy_without_address_says_so(trust_client: TestClient) -> None:
    html = trust_client.get("/", params={"q": "What causes Florbian syndrome?"}).text
    card = re.split(r'<article class="card"[^>]*>', html, maxsplit=1)[1].split("</article>", 1)[0]
    assert "Florbian syndrome is caused" in card
    assert "Saved copy, no link given" in card and 'class="original"' not in card
    topic = trust_client.get("/topics/webpage:florbian").text
    assert "Saved copy, no link given" in topic and "undated" not in topic.lower()
    home = trust_client.get("/").text
    assert "source, link and date" not in home and "saved copy" in home


def test_linked_cards_link_to_the_original(trust_client: TestClient) -> None:
    html = trust_client.get("/", params={"q": "What is flu?"}).text
    cards = re.split(r'<article class="card"[^>]*>', html)[1:]
    assert cards and all('class="original" href="https://site.test/' in card for card in cards)
    assert "Saved copy, no link given" not in html


def test_card_label_follows_the_question_it_answers(trust_client: TestClient) -> None:
    html = trust_client.get("/", params={"q": "What special dietary instructions should I follow with zyrtecol?"}).text
    card = re.split(r'<article class="card"[^>]*>', html, maxsplit=1)[1].split("</article>", 1)[0]
    assert ZYRTECOL_DIET in card
    assert "— dietary</span>" in card and "forget a dose" not in card
    assert "Answers: What special dietary instructions should I follow with Zyrtecol?</p>" in card


def test_questions_are_cleaned_and_related_questions_unique(trust_client: TestClient) -> None:
    html = trust_client.get("/", params={"q": "What is flu?"}).text
    assert "(are)" not in html and " ?" not in html
    assert "Answers: What is Flu?</p>" in html
    related = re.findall(r'<li><a href="/\?q=[^"]*">([^<]*)</a></li>', html)
    assert related, html
    keys = [re.sub(r"[^a-z]", "", question.lower()) for question in related]
    assert len(keys) == len(set(keys)), related
    assert all(not question.endswith(" ?") and question[:1].isupper() for question in related)
    topic = trust_client.get("/topics/flu").text
    assert "What is Flu?</h2>" in topic and "(are)" not in topic and "undated" not in topic.lower()
    assert "date not given by the source" in topic
