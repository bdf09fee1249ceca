"""The forms post a person's words: they reach no URL, no browser history and no proxy log.

A result page is rendered straight from the POST (no redirect carrying the words); a "Link to this ..."
link gives a bookmarkable GET URL to whoever asks for one, and those GET URLs keep working.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.conftest import open_client
from kb_builders import GOUT_CAUSES, build_kb, disease_documents

XEROSTOMIA, PTOSIS = "HP:0000217", "HP:0000508"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    kb = build_kb(tmp_path_factory.mktemp("forms") / "kb.db", disease_documents())
    with open_client(kb) as test_client:
        yield test_client


class Forms(HTMLParser):
    """Every form's method and action, and every link."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str]] = []
        self.hrefs: list[str] = []
        self.formmethods: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append(((values.get("method") or "get").lower(), values.get("action") or ""))
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if values.get("formmethod"):
            self.formmethods.append((values["formmethod"] or "").lower())


def forms(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


@pytest.mark.parametrize(("method", "path", "data"), [
    ("GET", "/", None),
    ("POST", "/", {"q": "what causes gout?"}),
    ("POST", "/", {"q": "what is zzyzx?"}),  # no answer: the "ask again" form
    ("GET", "/symptoms", None),
    ("POST", "/symptoms", {"q": "dry mouth, droopy eyelids"}),
    ("GET", "/diseases", None),
    ("POST", "/diseases", {"q": "LEMS"}),
    ("POST", "/diseases", {"q": "zzyzx syndrome"}),  # nothing found: the "ask a question" form
    ("GET", "/diseases/LES", None),  # which one: the search-again form
    ("GET", "/diseases/Zzyzx%20syndrome", None),
])
def test_every_form_posts(client: TestClient, method: str, path: str, data: dict[str, str] | None) -> None:
    response = client.request(method, path, data=data)
    assert response.status_code in (200, 300, 404), response.text[:300]
    found = forms(response.text)
    assert found.forms, path
    assert all(form_method == "post" for form_method, _ in found.forms), found.forms
    assert all(m == "post" for m in found.formmethods)


def link_to_this(html: str) -> str:
    match = re.search(r'<a class="permalink" href="([^"]+)"', html)
    assert match, "no link to this page"
    return match.group(1).replace("&amp;", "&")


def test_an_answer_from_a_post_offers_a_link_that_works(client: TestClient) -> None:
    posted = client.post("/", data={"q": "what causes gout?"})
    assert posted.status_code == 200 and GOUT_CAUSES.split(",")[0] in posted.text
    assert urlsplit(str(posted.url)).query == "" and not posted.history  # no redirect with the words
    link = link_to_this(posted.text)
    assert parse_qs(urlsplit(link).query) == {"q": ["what causes gout?"]}
    by_link = client.get(link)
    assert by_link.status_code == 200 and GOUT_CAUSES.split(",")[0] in by_link.text


def test_symptom_results_from_a_post_with_corrections_and_a_link(client: TestClient) -> None:
    # The form's own fields: the words, each shown term, the ticked ones, and terms to add.
    posted = client.post("/symptoms", data={
        "q": "dry mouth, droopy eyelids", "shown": [XEROSTOMIA, PTOSIS], "use": [XEROSTOMIA], "add": "HP:0003701",
    })
    assert posted.status_code == 200 and "Dry-weak syndrome (test)" in posted.text
    assert urlsplit(str(posted.url)).query == "" and not posted.history
    link = link_to_this(posted.text)
    by_link = client.get(link)
    assert by_link.status_code == 200
    strip = re.compile(r'<a class="permalink"[^>]*>|[0-9.]+ms')
    assert strip.sub("", by_link.text) == strip.sub("", posted.text)
    assert client.post("/symptoms", data={"q": "x" * 5000}).status_code == 422


def test_condition_search_from_a_post_and_its_link(client: TestClient) -> None:
    posted = client.post("/diseases", data={"q": "LEMS"})
    assert posted.status_code == 200 and "Lambert-Eaton myasthenic syndrome" in posted.text
    assert urlsplit(str(posted.url)).query == ""
    link = link_to_this(posted.text)
    assert link == "/diseases?q=LEMS" and client.get(link).text == posted.text
    assert client.post("/diseases", data={}).status_code == 200  # the empty form
    assert client.post("/diseases", data={"q": "x" * 201}).status_code == 422
    # "Ask a question about it" posts the name rather than putting it in a link.
    nothing = client.post("/diseases", data={"q": "zzyzx syndrome"})
    found = forms(nothing.text)
    assert ("post", "/") in found.forms and not any(href.startswith("/?") for href in found.hrefs)


def test_old_get_bookmarks_still_work(client: TestClient) -> None:
    assert GOUT_CAUSES.split(",")[0] in client.get("/", params={"q": "what causes gout?"}).text
    assert "Dry-weak syndrome (test)" in client.get("/symptoms", params={"q": "dry mouth"}).text
    assert "Lambert-Eaton myasthenic syndrome" in client.get("/diseases", params={"q": "LEMS"}).text
