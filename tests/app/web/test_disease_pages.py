"""The condition pages in process: the record page, "which one?", not found, the search page, answer links.

The knowledge base is :func:`kb_builders.disease_documents` (see tests/api/test_diseases_api.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.conftest import open_client
from app.web.test_pages import assert_accessible_page, assert_inert, outline
from healthqa.answer.answerer import DISCLAIMER
from healthqa.answer.facts import FactItem
from healthqa.app.web.condition_pages import (
    frequency_range,
    frequency_words,
    inheritance_sentence,
    onset_sentence,
    plainest,
    prevalence_sentence,
)
from healthqa.app.web.pages import disease_href
from kb_builders import LEMS_INHERITANCE, NINDS_LEMS_TREATMENT, SCRIPT, build_kb, disease_documents

LEMS = "Lambert-Eaton myasthenic syndrome"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    kb = build_kb(tmp_path_factory.mktemp("disease-pages") / "kb.db", disease_documents())
    with open_client(kb) as test_client:
        yield test_client


def page(client: TestClient, ref: str, status: int = 200) -> str:
    response = client.get(disease_href(ref))
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def part(html: str, element_id: str) -> str:
    """The <section> with ``element_id``, up to the next top-level section."""
    start = html.index(f'id="{element_id}"')
    end = html.find('\n<section', start)
    return html[start:end if end > 0 else len(html)]


def test_the_record_page_names_the_condition_and_its_sources(client: TestClient) -> None:
    html = page(client, "LEMS")
    links = assert_accessible_page(html).hrefs
    assert f"<h1>{LEMS}</h1>" in html and f"<title>{LEMS} · healthqa</title>" in html
    names = part(html, "names")
    assert "Eaton-Lambert syndrome" in names and "given by GARD, NINDS" in names
    # "LES" is also lupus's abbreviation: the page says so and links there.
    assert "Also the name of:" in names and disease_href("lupus") in outline(names).hrefs
    sources = part(html, "sources")
    assert sources.index("GARD") < sources.index("NINDS") < sources.index("Some blog")  # most trusted first
    assert "Government-reviewed source" in sources and "Unreviewed source" in sources
    assert "2011-03-01" in sources and "2020-05-01" in sources and "public domain" in sources
    assert {"https://site.test/lems", "https://site.test/ninds-lems", "/topics/lems", "/topics/ninds-lems"} <= set(
        outline(sources).hrefs)
    assert "/diseases" in links  # the navigation's "Conditions"
    assert DISCLAIMER in html


def test_sections_show_each_source_side_by_side_in_reading_order(client: TestClient) -> None:
    html = page(client, "Eaton-Lambert syndrome")
    headings = re.findall(r'<h2 id="section-\d+-heading">([^<]+)</h2>', html)
    assert headings == ["What it is", "Inheritance", "Treatment"]
    treatment = part(html, "section-3")
    cards = re.findall(r'<article class="card quote".*?</article>', treatment, re.S)
    assert '<div class="quotes">' in treatment and len(cards) == 2
    gard, ninds = cards
    assert "<h3" in gard and ">GARD</h3>" in gard and ">NINDS</h3>" in ninds
    assert NINDS_LEMS_TREATMENT in ninds and "2011-03-01" in ninds and "Government-reviewed source" in ninds
    assert '<blockquote cite="https://site.test/ninds-lems">' in ninds
    assert "Read the original at site.test" in ninds and "/topics/ninds-lems" in outline(ninds).hrefs
    assert LEMS_INHERITANCE in part(html, "section-2")
    # Organisations and drugs, with who lists them.
    organisations = part(html, "organisations")
    assert "Muscle Friends Association" in organisations and "217-555-0100" in organisations
    assert "https://muscle.example.org" in outline(organisations).hrefs and "NINDS" in organisations
    drugs = part(html, "drugs")
    assert "<td>Firdapse</td><td>amifampridine</td><td>NINDS</td>" in drugs


def test_the_comparison_is_a_list_of_findings_linking_to_the_passages(client: TestClient) -> None:
    html = page(client, "LEMS")
    comparison = part(html, "comparison")
    assert '<h2 id="comparison-heading">Comparing the sources</h2>' in comparison
    findings = re.findall(r'<li class="finding finding-(\w+)">(.*?)</li>', comparison, re.S)
    text = {kind: [" ".join(re.sub(r"<[^>]+>", "", body).split()) for k, body in findings if k == kind]
            for kind in ("agree", "disagree")}
    assert "Plasma exchange (treatment) Named by 2 sources: GARD, NINDS." in text["agree"]
    (disagreement,) = text["disagree"]
    assert disagreement.startswith("Sources disagree Is it inherited")
    assert "Say yes: GARD. Say no: Some blog." in disagreement
    # Findings point at the passages rather than repeating them.
    assert NINDS_LEMS_TREATMENT not in comparison and "<blockquote" not in comparison
    stale = comparison[comparison.index('id="stale-heading"'):]
    assert "Treatment" in stale and "NINDS" in stale and "(2011-03-01) is 9.2 years older than" in stale
    # Every link to a passage leads to a card of the page.
    anchors = {href[1:] for href in outline(comparison).hrefs if href.startswith("#")}
    assert anchors and all(f'<article class="card quote" id="{anchor}"' in html for anchor in anchors)


def test_an_orphanet_record_shows_codes_facts_and_features_with_credit(client: TestClient) -> None:
    html = page(client, "ORPHA:900001")
    links = assert_accessible_page(html).hrefs
    assert "<h1>Dry-weak syndrome (test)</h1>" in html
    assert "https://www.orpha.net/en/disease/detail/900001" in links and "https://omim.org/entry/600001" in links
    facts = part(html, "facts")
    # The catalogue's values in plain words, never bare codes.
    assert "Mode of inheritance" in facts and "records the pattern of inheritance as autosomal dominant" in facts
    assert "according to Orphanet (point prevalence, Worldwide)" in facts
    assert "Source: Orphanet, www.orpha.net" in facts and "CC BY 4.0" in facts
    assert "https://creativecommons.org/licenses/by/4.0/" in outline(facts).hrefs
    features = part(html, "features")
    # HPO's plain name first, the clinical term beside it, how often in words (ours) with the catalogue's range.
    plain = " ".join(re.sub(r"<[^>]+>", "", features).split())
    assert "Dry mouth (xerostomia): in most people (80-99%)" in plain
    assert "Decreased reflex response (hyporeflexia): in some people (30-79%)" in plain
    assert "Constipation: occasionally (5-29%)" in plain and "HP:0000217" not in plain
    assert "Seizure" not in features  # recorded as excluded: not a feature
    assert "Human Phenotype Ontology" in features and "https://hpo.jax.org" in outline(features).hrefs
    assert "Only one source speaks of this condition" in html


def visible(html: str) -> str:
    """The page's text without tags or attributes (what a reader sees, collapsed sections included)."""
    return re.sub(r" ([,.;:])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", html).split()))


def test_the_page_opens_with_a_summary_in_plain_words(client: TestClient) -> None:
    html = page(client, "LEMS")
    overview = part(html, "overview")
    text = visible(overview)
    # One reviewed definition, quoted, with its source and a link to the whole passage.
    assert "What it is Lambert-Eaton myasthenic syndrome is a rare disorder" in text
    assert "GARD (government-reviewed source)" in text and "Some blog" not in text
    assert "How common None of the sources here gives a figure." in text
    # Compact for a phone: the agreed treatments by name (the sources behind each are in the comparison).
    assert ("How it is treated The sources agree on: amifampridine, intravenous immunoglobulin, plasma exchange "
            "(each named by two or more sources).") in text
    assert "Where to get support Muscle Friends Association, 217-555-0100" in text
    hrefs = outline(overview).hrefs
    assert {"https://muscle.example.org", "tel:2175550100", "#quote-1"} <= set(hrefs)
    treatment = re.search(r'id="(section-\d+)"[^>]*>\s*<details>\s*<summary><h2 [^>]*>Treatment', html)
    assert treatment and f"#{treatment.group(1)}" in hrefs
    assert html.index('id="overview"') < html.index('id="section-1"')  # the summary comes first


def test_orphanets_facts_read_as_sentences(client: TestClient) -> None:
    text = visible(part(page(client, "ORPHA:900001"), "overview"))
    assert "How common About 1 to 9 in 100 000 people, according to Orphanet (point prevalence, Worldwide)." in text
    assert "Inherited? Orphanet records the pattern of inheritance as autosomal dominant." in text
    assert "When it starts It usually starts in adulthood, according to Orphanet." in text
    assert "None of the sources here lists an organisation." in text


def test_sections_are_collapsed_and_reviewed_sources_come_first(client: TestClient) -> None:
    html = page(client, "LEMS")
    ids = ["names", *(f"section-{n}" for n in (1, 2, 3)), "organisations", "drugs", "comparison", "sources"]
    for element_id in ids:
        section = part(html, element_id)
        assert re.match(r'[^>]*>\s*<details>\s*<summary><h2 id="' + element_id.replace("section-", "section-")
                        + r'[^"]*-heading">', section), element_id
    assert "<details open" not in html
    inheritance = part(html, "section-2")
    assert inheritance.index(">GARD</h3>") < inheritance.index(">Some blog</h3>")
    # A record whose only "What it is" passage is unreviewed gets no definition in its summary.
    hostile = visible(part(page(client, "hostile"), "overview"))
    assert "No reviewed source here says what it is: see What it is, from an unreviewed source." in hostile
    assert "Zyxoplasia is a made-up condition" not in hostile


def test_no_internal_ids_are_shown(client: TestClient) -> None:
    for ref in ("LEMS", "ORPHA:900001"):
        text = visible(page(client, ref))
        assert not re.search(r"\w+_Sec\d+\.txt|ORPHA_\d+_\w+|orphanet:\d+|#(?:inheritance|prevalence)-\d", text), ref


def test_a_hostile_record_renders_as_inert_text(client: TestClient) -> None:
    html = page(client, "hostile")
    assert_inert(html)
    assert "<h1>&lt;script&gt;window.__pwned=1&lt;/script&gt;Zyxoplasia &lt;img" in html
    assert "&lt;b&gt;Evil&lt;/b&gt; source" in html and "&lt;u&gt;generic&lt;/u&gt;" in html
    assert "javascript:alert(2)" in part(html, "organisations")  # shown as text, never a link
    assert_inert(page(client, f"{SCRIPT}Zyxo"))  # its hostile synonym finds it
    assert_inert(page(client, f"{SCRIPT}Zyxoplasma", 404))


def test_an_ambiguous_name_asks_which_condition(client: TestClient) -> None:
    html = page(client, "LES", 300)
    links = assert_accessible_page(html).hrefs
    assert "<h1>Which condition do you mean?</h1>" in html and "is a name of 2 different conditions" in html
    assert {"/diseases/lems", "/diseases/lupus"} <= set(links)
    assert LEMS in html and "Systemic lupus erythematosus" in html
    assert page(client, "lupus").count("<h1>Systemic lupus erythematosus</h1>") == 1


def test_an_unknown_condition_is_a_404_page_with_suggestions(client: TestClient) -> None:
    html = page(client, "Lambert-Eaton myastenic syndrom", 404)
    links = assert_accessible_page(html).hrefs
    assert "<h1>Condition not found</h1>" in html and "Did you mean" in html and "/diseases/lems" in links
    assert 'action="/diseases"' in html and 'value="Lambert-Eaton myastenic syndrom"' in html
    nothing = page(client, "Zebra fever", 404)
    assert "Did you mean" not in nothing and 'id="condition-q"' in nothing
    too_long = client.get("/diseases/" + "x" * 300)
    assert too_long.status_code == 422 and 'role="alert"' in too_long.text and "200 characters" in too_long.text


def test_the_search_page_lists_conditions(client: TestClient) -> None:
    html = page(client, "")  # /diseases/ with nothing: the search form
    form = client.get("/diseases").text
    page_links = assert_accessible_page(form).hrefs
    assert "condition-q" in outline(form).labels and "<h1>Find a condition</h1>" in form
    assert "/diseases" in page_links and "Conditions" in form
    assert "condition-q" in html
    results = client.get("/diseases", params={"q": "lamb"})
    assert results.status_code == 200
    links = assert_accessible_page(results.text).hrefs
    assert "/diseases/lems" in links and "3 documents from GARD, NINDS, Some blog" in " ".join(results.text.split())
    none = client.get("/diseases", params={"q": "zebra fever"}).text
    assert "No condition in the knowledge base has a name like this" in none
    # Asking about it posts the name (a form, not a link): it stays out of the URL.
    assert '<form class="ask-about" action="/" method="post">' in none and 'value="zebra fever"' in none
    hostile = client.get("/diseases", params={"q": f"{SCRIPT} zyxo"}).text
    assert_inert(hostile)
    long = client.get("/diseases", params={"q": "x" * 300})
    assert long.status_code == 422 and 'role="alert"' in long.text


def test_the_answer_page_links_the_condition_it_recognised(client: TestClient) -> None:
    html = client.get("/", params={"q": "is eaton lambert syndrome inherited?"}).text
    link = re.search(r'<ul class="condition-links">.*?</ul>', html, re.S)
    assert link and '<a href="/diseases/lems">Everything the sources say about Lambert-Eaton myasthenic syndrome</a>' \
        in link.group(0)
    assert_accessible_page(html)
    # A name that fits two conditions is not linked; a question about nothing known links nothing.
    assert 'class="condition-links"' not in client.get("/", params={"q": "What is the capital of France?"}).text


def _fact(kind: str, text: str, detail: str = "") -> FactItem:
    return FactItem(id=f"orphanet:1#{kind}-1", kind=kind, label=kind, text=text, detail=detail, title="T",
                    document_key="orphanet:1", document_id=1, url="", source="Orphanet", tier="government_reviewed",
                    licence="CC BY 4.0", date=None, attribution="")


def test_catalogue_codes_become_plain_sentences() -> None:
    assert inheritance_sentence([_fact("inheritance", "Not applicable")], "LEMS") == \
        "Orphanet does not list a pattern of inheritance for LEMS."
    both = [_fact("inheritance", "Autosomal dominant"), _fact("inheritance", "X-linked recessive")]
    assert inheritance_sentence(both, "X") == \
        "Orphanet records the pattern of inheritance as autosomal dominant or X-linked recessive."
    assert prevalence_sentence(_fact("prevalence", "<1 / 1 000 000")) == \
        "Fewer than 1 in 1 000 000 people, according to Orphanet."
    assert prevalence_sentence(_fact("prevalence", "Unknown", "Point prevalence, Europe")) == \
        "Orphanet does not know how common it is (point prevalence, Europe)."
    assert onset_sentence([_fact("onset", "Childhood"), _fact("onset", "Adult")]) == \
        "It usually starts in childhood, or in adulthood, according to Orphanet."


@pytest.mark.parametrize(("frequency", "words", "shown"), [
    (1.0, "always", "100%"), (0.895, "in most people", "80-99%"), (0.545, "in some people", "30-79%"),
    (0.17, "occasionally", "5-29%"), (0.025, "rarely", "1-4%"), (None, "how often is not recorded", ""),
])
def test_frequencies_read_as_words(frequency: float | None, words: str, shown: str) -> None:
    assert frequency_words(frequency) == words and frequency_range(frequency) == shown


def test_the_plainest_lay_name_is_chosen() -> None:
    lay = ["Decreased salivary flow", "Dry mouth", "Dry mouth syndrome"]
    assert plainest("Xerostomia", lay) == "Dry mouth"  # not the first listed, in clinicians' words
    assert plainest("Ptosis", ["Drooping upper eyelid", "Eye drop"]) == "Drooping upper eyelid"
    assert plainest("Seizure", ["Epilepsy"]) == ""  # one word: often another condition's name
    assert plainest("Proximal muscle weakness", ["Proximal neurogenic muscle weakness"]) == ""
    assert plainest("Constipation", ["Constipation"]) == ""


def test_a_word_of_the_name_suggests_the_condition(client: TestClient) -> None:
    """"/diseases/lambert" names no condition, but begins a word of LEMS's names: LEMS is suggested."""
    html = page(client, "lambert", status=404)
    assert f">{LEMS}</a>" in html
    assert page(client, "eaton lamb", status=404).count(f">{LEMS}</a>") == 1  # any word order, each a prefix


def test_findings_name_each_source_once_and_on_one_side_only() -> None:
    """Review: findings read "GARD, GARD, Yesil Health AI", and "Sources disagree" had GARD on both sides."""
    from healthqa.app.web.condition_pages import findings
    from healthqa.conditions.compare import SourcedText, compare

    def said(source: str, number: int, text: str, section: str = "treatment") -> SourcedText:
        return SourcedText(f"{source}-{number}", source, section, text, None, "government_reviewed")

    texts = [
        said("Atlas", 1, "Plasma exchange may help for a few weeks."),
        said("Atlas", 2, "Plasma exchange is given in hospital."),
        said("Digest", 1, "Doctors may offer plasma exchange."),
        said("Atlas", 3, "Qux syndrome is inherited in an autosomal dominant pattern.", "inheritance"),
        said("Atlas", 4, "Qux syndrome is not inherited.", "information"),
        said("Digest", 2, "Qux syndrome is inherited in an autosomal dominant pattern.", "inheritance"),
        said("Forum", 1, "Qux syndrome is not inherited.", "inheritance"),
    ]
    anchors = {t.passage_id: f"quote-{n}" for n, t in enumerate(texts, 1)}
    found = findings(compare(texts, symptoms=False, names=["Qux syndrome"]), anchors)
    [disagree] = [f for f in found if f.kind == "disagree"]
    sides = dict(disagree.groups)
    assert sides["Say yes"] == [("Digest", "quote-6")] and sides["Say no"] == [("Forum", "quote-7")]
    assert sides["Say both (inconsistent within the source)"] == [("Atlas", "quote-4")]
    [plasma] = [f for f in found if f.kind == "agree"]
    assert plasma.groups == [("Named by 2 sources", [("Atlas", "quote-1"), ("Digest", "quote-3")])]
