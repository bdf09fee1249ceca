"""The web pages: server-rendered with Jinja2 (autoescape on), no JavaScript, readable on a phone.

Every piece of source text goes through escaping; the only markup added to it is ``<mark>`` around the
key sentences, inserted between escaped pieces. Links to originals are shown only for http(s) URLs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, Request
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from healthqa.answer.answerer import Answer, AnswerItem
from healthqa.answer.facts import FactItem
from healthqa.answer.structured import StructuredItem
from healthqa.answer.wording import DISCLAIMER, NO_ANSWER
from healthqa.app.api.routes import CREDITS, HPO_CREDIT, ORPHANET_CREDIT, service, topic_path
from healthqa.app.api.symptom_search import (
    MAX_IDS,
    SymptomQuery,
    SymptomSearch,
    check_ids,
    split_additions,
    well_formed_ids,
)
from healthqa.app.errors import ApiError
from healthqa.app.inputs import MAX_REF_LENGTH, clean_description, clean_ref, clean_text
from healthqa.app.service import Service, TopicMoved
from healthqa.app.web.condition_pages import disease_context, fact_sentence, facts_in_short, tel_href
from healthqa.app.web.display import card_label, display_question, passage_html, unique_questions
from healthqa.conditions import AmbiguousConditionError, Candidate, ConditionNotFoundError
from healthqa.conditions.compare import Mention
from healthqa.errors import NotFoundError
from healthqa.records import ORPHANET_PAGE_URL, SectionType, Tier
from healthqa.symptoms.groups import arrange
from healthqa.symptoms.search import LABEL, DiseaseMatch, frequency_label

router = APIRouter(include_in_schema=False)

TIER_LABELS = {
    "government_reviewed": "Government-reviewed source",
    "reviewed_publisher": "Reviewed publisher",
    "unreviewed": "Unreviewed source",
}
_STATUS_TITLES = {
    400: "Bad request", 401: "Not allowed", 403: "Not allowed", 404: "Page not found",
    405: "Not allowed", 413: "Too large", 422: "Please check your request", 429: "Too many requests",
    500: "Something went wrong", 503: "Not available right now", 504: "This took too long",
}


def web_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) link, else None: other schemes never become links."""
    if not url:
        return None
    url = url.strip()
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def host_of(url: str) -> str:
    return urlsplit(url).hostname or url


def tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier.replace("_", " ").capitalize())


def disease_href(ref: str) -> str:
    """The page of the condition ``ref`` names (a code, key or name)."""
    return "/diseases/" + topic_path(ref)


def disease_path(disease: DiseaseMatch) -> str:
    """Where a ranked condition links: its disease page, by its ORPHA code (the one place to change it)."""
    return disease_href(f"ORPHA:{disease.orpha}")


def orphanet_url(code: str) -> str:
    return ORPHANET_PAGE_URL.format(code=quote(code, safe=""))


def omim_url(code: str) -> str | None:
    return f"https://omim.org/entry/{code}" if code.isascii() and code.isdigit() else None


def highlight(text: str, sentences: Sequence[str]) -> Markup:
    """``text`` escaped, with each of ``sentences`` (exact substrings, in order) wrapped in <mark>."""
    parts: list[Markup] = []
    cursor = 0
    for sentence in sentences:
        at = text.find(sentence, cursor) if sentence else -1
        if at < 0:
            continue
        parts.append(escape(text[cursor:at]))
        parts.append(Markup("<mark>") + escape(sentence) + Markup("</mark>"))
        cursor = at + len(sentence)
    parts.append(escape(text[cursor:]))
    return Markup("").join(parts)


def mention_html(mention: Mention) -> Markup:
    """A compared sentence, escaped, with the words that name the term or carry the claim marked."""
    return highlight(mention.sentence, [mention.matched] if mention.matched else [])


_env = Environment(
    loader=PackageLoader("healthqa.app.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["web_url"] = web_url
_env.filters["host"] = host_of
_env.filters["tier_label"] = tier_label
_env.filters["topic_path"] = topic_path
_env.filters["disease_path"] = disease_path
_env.filters["disease_href"] = disease_href
_env.filters["orphanet_url"] = orphanet_url
_env.filters["omim_url"] = omim_url
_env.filters["frequency_label"] = frequency_label
_env.filters["mention_html"] = mention_html
_env.filters["tel_href"] = tel_href
_env.filters["passage_html"] = passage_html
_env.filters["fact_sentence"] = fact_sentence
_env.filters["display_question"] = display_question
_env.filters["unique_related"] = lambda related: unique_questions(related, lambda r: display_question(r.question))
_env.globals["no_answer"] = NO_ANSWER
_env.globals["disclaimer"] = DISCLAIMER


def render(
    template: str, status_code: int = 200, headers: Mapping[str, str] | None = None, **context: Any
) -> HTMLResponse:
    html = _env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def error_page(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Response:
    title = _STATUS_TITLES.get(status, "Error")
    return render("error.html", status, headers, status=status, code=code, title=title, message=message)


async def getting_ready_page(request: Request, message: str, headers: Mapping[str, str]) -> Response:
    """The 503 page of the question form while the server gets ready, keeping the question asked: back in the
    form, ready to ask again. A question in the link is asked again by the page's own refresh; a posted one by
    a small script that posts the form again (a refresh would lose it, and a link would put the words in the
    address bar), or by the person pressing Ask where scripts do not run."""
    posted = request.method == "POST"
    asked = request.query_params.get("q", "")
    if posted:
        try:
            asked = (await form_params(request)).get("q", "")
        except (HTTPException, MultiPartException):  # a broken form: the empty form of any getting-ready page
            asked = ""
    limit = service(request).settings.max_question_length
    return render(
        "error.html", 503, headers, status=503, code="getting_ready", title=_STATUS_TITLES[503], message=message,
        asked=asked.strip() and asked[:limit], posted=posted, max_length=limit,
        retry_after=headers.get("Retry-After", "10"),
    )


@dataclass
class Card:
    item: AnswerItem
    html: Markup
    topic: str | None  # document key, for the topic page link
    label: str = ""  # the type of question the passage answers, as its own question says
    anchor: str = ""  # the card's id on the page


@dataclass
class Lead:
    """What the answer page shows first: the sentences of one card that answer the question, quoted."""

    card: Card
    sentences: list[str]
    cut: bool  # the sentences are the passage's first ones, and it goes on


@dataclass
class FactCard:
    """The catalogue facts of one document, shown together under its provenance."""

    first: FactItem  # title, source, link, licence and date are the document's
    items: list[FactItem]


@dataclass
class SourceNote:
    """What the page says once about one source: its trust, and where its dates and links are missing."""

    name: str
    tier: str
    undated: bool = False  # some passage of it on the page has no date from the source
    unlinked: bool = False  # some passage of it on the page has no web link to its original

    @property
    def wording(self) -> str:
        dates = "date not given by the source" if self.undated else "dated as shown on each passage"
        return dates + ("; saved copy, no link given" if self.unlinked else "") + "."


def source_notes(cards: Sequence[Card], facts: Sequence[FactCard] = ()) -> list[SourceNote]:
    """One note per source on the page, in the order the page first shows them."""
    notes: dict[str, SourceNote] = {}
    shown = [(c.item.source, c.item.tier, c.item.date, c.item.url) for c in cards]
    shown += [(f.first.source, f.first.tier, f.first.date, f.first.url) for f in facts]
    for source, tier, date, url in shown:
        note = notes.setdefault(source, SourceNote(source, tier))
        note.undated = note.undated or not date
        note.unlinked = note.unlinked or web_url(url) is None
    return list(notes.values())


def fact_cards(facts: Sequence[FactItem]) -> list[FactCard]:
    cards: dict[str, FactCard] = {}
    for fact in facts:
        card = cards.setdefault(fact.document_key, FactCard(fact, []))
        card.items.append(fact)
    return list(cards.values())


def _cards(svc: Service, answer: Answer) -> list[Card]:
    store = svc.require_store()
    cards = []
    for number, item in enumerate(answer.answers, 1):
        try:
            key: str | None = store.passage(item.id).document_key
        except NotFoundError:
            key = None
        # Where no passage answers the type of question asked, none is highlighted as if it did.
        marked = [] if answer.gap else item.key_sentences
        cards.append(Card(item, passage_html(item.text, marked), key, card_label(item.section, item.question),
                          f"answer-{number}"))
    return cards


def lead_of(answer: Answer, cards: Sequence[Card]) -> Lead | None:
    """The card whose sentences the answerer chose to lead (:mod:`healthqa.answer.lead`: the passage of the type
    asked about the focus), with those sentences. None when no passage shown answers the type asked (a gap, or
    only a catalogue fact does), and for an unreviewed passage under organisations that a source lists."""
    if answer.gap:
        return None
    card = next((c for c in cards if c.item.key_sentences), None)
    if card is None or (organisations_lead(answer) and card.item.tier == Tier.UNREVIEWED.value):
        return None
    return Lead(card, card.item.key_sentences, False)


def organisations_lead(answer: Answer, limit: int = 3) -> list[StructuredItem]:
    """For a question asking for support, the organisations the sources list about its focus: they answer it,
    so they lead (at most ``limit``; the page lists them all below)."""
    if answer.type != SectionType.SUPPORT_GROUPS.value:
        return []
    return [item for item in answer.structured if item.kind == "organisation"][:limit]


async def _answer_page(svc: Service, raw: str | None) -> Response:
    limit = svc.settings.max_question_length
    if raw is None or not raw.strip():
        return render("home.html", q="", max_length=limit)
    try:
        question = svc.clean(raw)
    except ApiError as error:
        return render("home.html", error.status_code, q=raw[:limit], error=error.message, max_length=limit)
    answer = await svc.ask(question, top=3)
    cards = await run_in_threadpool(_cards, svc, answer)
    template = "no_answer.html" if answer.abstained else "answer.html"
    facts = fact_cards(answer.facts)
    name = answer.focus[0] if answer.focus else ""
    return render(
        template, answer=answer, cards=cards, facts=facts, notes=source_notes(cards, facts), q=question,
        max_length=limit, lead=lead_of(answer, cards), facts_lead=facts_in_short(answer.facts, name),
        organisations_lead=organisations_lead(answer),
        conditions=await _conditions(svc, answer.focus), link=link_to("/", [("q", question)]),
    )


async def _conditions(svc: Service, names: list[str]) -> list[Candidate]:
    """The conditions the question names, for links to their pages; none when they cannot be looked up."""
    try:
        return await svc.conditions_in(names)
    except ApiError as error:
        # The answer stands on its own: a missing link is better than a failed page.
        if error.status_code < 500:
            raise
        return []


def link_to(path: str, params: Sequence[tuple[str, str]]) -> str:
    """A bookmarkable GET URL for a result that was posted, offered as a link the person may choose."""
    return f"{path}?{urlencode(params)}"


Params = ImmutableMultiDict[str, str]


async def form_params(request: Request, max_fields: int = 10) -> Params:
    """A posted form's text fields, read like a query string (files are refused, as no form sends one)."""
    form = await request.form(max_files=0, max_fields=max_fields)
    return ImmutableMultiDict([(name, value) for name, value in form.multi_items() if isinstance(value, str)])


# Each page answers both a GET (links and old bookmarks) and a POST (its form, which keeps the person's
# words out of the address bar, the history and any proxy's log), rendering the result straight away.


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, q: str | None = None) -> Response:
    return await _answer_page(service(request), q)


@router.post("/", response_class=HTMLResponse)
async def home_post(request: Request) -> Response:
    return await _answer_page(service(request), (await form_params(request)).get("q"))


@router.get("/topics/{ref:path}", response_class=HTMLResponse)
def topic_page(request: Request, ref: str) -> Response:
    try:
        document = service(request).document(ref)
    except TopicMoved as moved:  # an old link by number: on to the key, which survives a re-ingest
        return RedirectResponse(f"/topics/{topic_path(moved.key)}", status_code=307)
    other_names = [name for name, kind in document.names if kind != "title" and name != document.title]
    return render("topic.html", doc=document, other_names=list(dict.fromkeys(other_names)))


@dataclass
class TermRow:
    """One HPO term of the mapping with the person's phrases that led to it."""

    hpo_id: str
    name: str
    phrases: list[str]
    added: bool
    used: bool


def term_rows(found: SymptomSearch) -> tuple[list[TermRow], list[str]]:
    """The mapping as the page shows it: one row per term (phrases merged), and the unrecognised phrases."""
    rows: dict[str, TermRow] = {}
    unrecognised: list[str] = []
    for mapped in found.mapping:
        term = mapped.term
        if not term.matched:
            unrecognised.append(term.phrase)
            continue
        row = rows.setdefault(term.hpo_id, TermRow(term.hpo_id, term.name, [], mapped.added, mapped.used))
        # An added id shows as "Added by you", not as its own id in quotes.
        if term.phrase and term.phrase.upper() != term.hpo_id:
            row.phrases.append(term.phrase)
    return list(rows.values()), unrecognised


def _symptom_query(params: Mapping[str, str], lists: Mapping[str, list[str]], limit: int) -> SymptomQuery | None:
    """The search the form asks for, or None for the empty form; 422 (ApiError) for unusable input."""
    text = clean_description(params.get("q", ""), limit)
    added = check_ids(lists["hpo"], "hpo")
    add_ids, words = split_additions(params.get("add", ""))
    if not (text or added or add_ids or words):
        return None
    # A ticked box sends its id in "use"; every row sends its id in "shown": the unticked ones are left out.
    used = set(well_formed_ids(lists["use"]))
    exclude = tuple(term for term in well_formed_ids(lists["shown"]) if term not in used)
    return SymptomQuery(text, (*added, *add_ids), exclude, words)


def symptom_link(query: SymptomQuery) -> str:
    """The GET URL of a symptom search: the words, the added terms and the unticked ones (as "shown")."""
    params = [("q", query.text)] if query.text else []
    params += [("hpo", term) for term in query.hpo]
    if query.words:
        params.append(("add", ", ".join(query.words)))
    params += [("shown", term) for term in query.exclude]
    return link_to("/symptoms", params)


@router.get("/symptoms", response_class=HTMLResponse)
async def symptoms_page(request: Request) -> Response:
    """The symptom form and, once filled in, the mapping (correctable without scripts) and the ranking."""
    return await _symptoms_page(service(request), request.query_params)


@router.post("/symptoms", response_class=HTMLResponse)
async def symptoms_post(request: Request) -> Response:
    # Three fields per term (shown, use, hpo) for at most MAX_IDS terms, and the two text fields.
    return await _symptoms_page(service(request), await form_params(request, max_fields=3 * MAX_IDS + 10))


async def _symptoms_page(svc: Service, params: Params) -> Response:
    limit = svc.settings.max_question_length
    lists = {name: params.getlist(name) for name in ("hpo", "use", "shown")}
    context: dict[str, Any] = {
        "q": params.get("q", "")[:limit], "add": params.get("add", "")[:400], "max_length": limit,
        "rows": [], "unrecognised": [], "searched": False, "credits": [ORPHANET_CREDIT, HPO_CREDIT],
    }
    try:
        query = _symptom_query(params, lists, limit)
        if query is None:
            return render("symptoms.html", **{**context, "q": ""})
        found = await svc.symptoms(query)
    except ApiError as error:
        if error.status_code != 422:
            raise
        return render("symptoms.html", 422, **context, error=error.message)
    rows, unrecognised = term_rows(found)
    version = found.result.hpo_version
    hpo_credit = {**HPO_CREDIT, "credit": f"{HPO_CREDIT['credit']}, version {version}"} if version else HPO_CREDIT
    # The person's own words for each term, to show next to the recorded feature it matched.
    phrases = {
        m.term.hpo_id: m.term.phrase for m in reversed(found.mapping)
        if m.term.matched and m.term.phrase.upper() != m.term.hpo_id
    }
    # A condition none of whose recorded features matches would only puzzle a reader; the API keeps it.
    diseases = [d for d in found.result.diseases if d.matched]
    shown = {d.orpha for d in diseases}
    urgent = found.result.urgent  # first on the page; only for conditions the page lists
    marks = [m for m in urgent.marks if shown & {orpha for orpha, _ in m.disorders}] if urgent else []
    context.update(
        q=query.text, add="", rows=rows, unrecognised=unrecognised, searched=True, urgent=urgent, urgent_marks=marks,
        used_count=sum(row.used for row in rows), diseases=diseases,
        entries=arrange(diseases, found.result.groups),
        phrases=phrases, label=LABEL, credits=[ORPHANET_CREDIT, hpo_credit], link=symptom_link(query),
    )
    return render("symptoms.html", **context)


# -- conditions -----------------------------------------------------------------------------------------


def _search_context(q: str, candidates: list[Candidate], searched: bool) -> dict[str, Any]:
    return {"q": q, "candidates": candidates, "searched": searched, "max_length": MAX_REF_LENGTH}


@router.get("/diseases", response_class=HTMLResponse)
async def diseases_page(request: Request, q: str = "") -> Response:
    """Search conditions by name, abbreviation or code: a list of candidates, each linking to its page."""
    return await _condition_search(service(request), q)


@router.post("/diseases", response_class=HTMLResponse)
async def diseases_post(request: Request) -> Response:
    return await _condition_search(service(request), (await form_params(request)).get("q", ""))


async def _condition_search(svc: Service, q: str) -> Response:
    if not q.strip():
        return render("diseases.html", **_search_context("", [], False))
    try:
        text = clean_ref(q, "search")
    except ApiError as error:
        return render("diseases.html", error.status_code, **_search_context(q[:MAX_REF_LENGTH], [], False),
                      error=error.message)
    candidates = await svc.disease_candidates(text)
    return render("diseases.html", **_search_context(text, candidates, True), link=link_to("/diseases", [("q", text)]))


@router.get("/diseases/{ref:path}", response_class=HTMLResponse)
async def disease_page(request: Request, ref: str) -> Response:
    """Everything the sources say about one condition; "which one?" (300) for an ambiguous name, 404 for none."""
    svc = service(request)
    if not clean_text(ref):
        return render("diseases.html", **_search_context("", [], False))
    try:
        text = clean_ref(ref)
    except ApiError as error:
        return render("diseases.html", error.status_code, **_search_context(ref[:MAX_REF_LENGTH], [], False),
                      error=error.message)
    try:
        record = await svc.disease(text)
    except AmbiguousConditionError as error:
        # 300 Multiple Choices: the name is right, it just fits several conditions; the page lists them.
        return render("disease_choices.html", 300, ambiguous=True, ref=text, candidates=error.candidates,
                      max_length=MAX_REF_LENGTH)
    except ConditionNotFoundError as error:
        return render("disease_choices.html", 404, ambiguous=False, ref=text, candidates=error.candidates,
                      max_length=MAX_REF_LENGTH)
    context = await run_in_threadpool(disease_context, record)  # the lay names may load the ontology
    # Set by healthqa.app.community.install: members and discussions of the condition's community.
    find_community = getattr(request.app.state, "condition_community", None)
    community = await run_in_threadpool(find_community, request, text) if find_community else None
    return render("disease.html", **context, facts=fact_cards(record.facts), hpo_credit=HPO_CREDIT,
                  community=community)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request) -> Response:
    summaries = service(request).require_store().sources()
    dates = [s.newest for s in summaries if s.newest]
    totals = {
        "documents": sum(s.documents for s in summaries),
        "passages": sum(s.passages for s in summaries),
        "questions": sum(s.questions for s in summaries),
        "newest": max(dates) if dates else None,
    }
    return render("sources.html", sources=summaries, totals=totals, credits=CREDITS)


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request) -> Response:
    """The API reference, rendered from the OpenAPI schema (no scripts, nothing from other sites)."""
    schema = request.app.openapi()
    endpoints = []
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            endpoints.append({
                "method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                "parameters": operation.get("parameters", []),
                "body": bool(operation.get("requestBody")),
                "statuses": sorted(operation.get("responses", {})),
            })
    info = schema.get("info", {})
    return render("docs.html", endpoints=endpoints, info=info)
