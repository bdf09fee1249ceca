"""The JSON endpoints: /healthz and /api/*."""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import asdict
from typing import Annotated, Any, get_type_hints
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from starlette.responses import JSONResponse, RedirectResponse, Response

from healthqa.answer.answerer import Answer
from healthqa.app.api.symptom_search import ID_LIST_DOC, MAX_IDS, SymptomQuery, check_ids
from healthqa.app.errors import ApiError, error_response
from healthqa.app.inputs import clean_description
from healthqa.app.service import UNAVAILABLE, Service, TopicMoved
from healthqa.config import Settings
from healthqa.store.base import ROW_ID_FIELDS, DocumentRecord, PassageRecord, QuestionRecord, public_document
from healthqa.symptoms.hpo import HPO_ATTRIBUTION

router = APIRouter()

ERROR_SCHEMA: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": {"application/json": {"example": {
        "error": {"status": status, "code": code, "message": "what was wrong"}}}}}
    for status, code, description in (
        (422, "invalid_request", "The request is not valid (e.g. an empty or too long question)."),
        (429, "rate_limited", "Too many requests from this address; see Retry-After."),
        (503, "unavailable", "The knowledge base is not available."),
    )
}
# What the guard answers to a body over HEALTHQA_MAX_BODY_BYTES: every operation with a body documents it.
BODY_TOO_LARGE: dict[int | str, dict[str, Any]] = {413: {
    "description": "The body is larger than HEALTHQA_MAX_BODY_BYTES (`body_too_large`).",
    "content": {"application/json": {"example": {
        "error": {"status": 413, "code": "body_too_large", "message": "what was wrong"}}}},
}}
ORPHANET_CREDIT = {
    "name": "Orphanet",
    "licence": "CC BY 4.0",
    "credit": "Orphanet: an online database of rare diseases and orphan drugs. INSERM, 1999",
    "url": "https://www.orpha.net",
}
HPO_CREDIT = {
    "name": "Human Phenotype Ontology",
    "licence": "free use with attribution",
    "credit": HPO_ATTRIBUTION,
    "url": "https://hpo.jax.org",
}
CREDITS = [
    {
        "name": "MedQuAD",
        "licence": "CC BY 4.0",
        "credit": "Ben Abacha A, Demner-Fushman D. A question-entailment approach to question answering. "
        "BMC Bioinformatics 2019",
        "url": "https://github.com/abachaa/MedQuAD",
    },
    ORPHANET_CREDIT,
    HPO_CREDIT,
    {
        "name": "TREC 2017 LiveQA Medical and MEDIQA 2019",
        "licence": "research use",
        "credit": "U.S. National Library of Medicine",
        "url": "https://www.nlm.nih.gov",
    },
]


def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


async def _service_dependency(request: Request) -> Service:
    # A coroutine, so that FastAPI resolves it on the event loop: a plain function as a dependency costs
    # every request a hop to a worker thread and back (~5% of a busy worker's event loop, measured).
    return service(request)


ServiceDep = Annotated[Service, Depends(_service_dependency)]


# What healthqa's cleaning (inputs.clean_text) removes or strips: control characters and white space
# (str.isspace). A text made only of these is empty once cleaned, and refused; lone surrogates become U+FFFD.
BLANK_CHARACTERS = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Documented, not enforced by pydantic: its Rust validator refuses any constrained string holding a lone
# surrogate (which healthqa replaces and answers), and a blank text gets the clearer 422 of clean_question.
NOT_BLANK: dict[str, Any] = {"minLength": 1, "pattern": f"[^{BLANK_CHARACTERS}]"}
# Replaced by ``maxLength: Settings.max_question_length`` in the app's schema (see document_limits): the limit
# is a setting, and the schema says the one the server enforces.
QUESTION_LIMIT = "x-healthqa-max-question-length"
QUESTION: dict[str, Any] = {**NOT_BLANK, QUESTION_LIMIT: True}


def document_limits(schema: Any, settings: Settings) -> Any:
    """``schema`` with each QUESTION_LIMIT marker replaced by the configured maximum length (in place)."""
    if isinstance(schema, dict):
        if schema.pop(QUESTION_LIMIT, None):
            schema["maxLength"] = settings.max_question_length
        for value in schema.values():
            document_limits(value, settings)
    elif isinstance(schema, list):
        for value in schema:
            document_limits(value, settings)
    return schema


def _whole_number(value: Any) -> Any:
    """JSON Schema's ``integer`` admits 50.0: take a float with no fraction as the integer it is. Anything
    else goes to the strict int check as it came (JSON ``true`` is not the number 1, nor "3" a number)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An integer in a JSON body: 3 or 3.0, never true, "3" or 2.5 (pydantic's lax mode would take true as 1).
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
_DIGITS = re.compile(r"-?[0-9]+(?:\.0+)?")


def _integer_text(value: Any) -> Any:
    """A query's integer as written: digits (50, or 50.0), without the spaces, underscores or signs that
    pydantic's lax parsing would also take; anything else is refused with the usual 422."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("Input should be a whole number written in digits")
    return value


# An integer in a query string: ``Annotated[int, Query(...), INTEGER_TEXT]`` (beside Query, so that its
# bounds still reach the schema).
INTEGER_TEXT = BeforeValidator(_integer_text)


class AskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(json_schema_extra=QUESTION, description="The question, in the person's own words.")
    top: WholeNumber = Field(3, ge=1, le=10, strict=True, description="How many passages to quote.")


class SearchBody(BaseModel):
    """The body of ``POST /api/search``: the words stay out of the URL (and so out of proxies' logs)."""

    model_config = ConfigDict(extra="forbid")
    q: str = Field(json_schema_extra=QUESTION, description="Words to search for.")
    limit: WholeNumber = Field(10, ge=1, le=50, strict=True, description="How many passages to return.")


SYMPTOMS_TEXT = "The symptoms in plain words, separated by commas."
IDS = f"HP: and seven digits, e.g. HP:0000508; comma-separated lists too; at most {MAX_IDS} ids in all"


class SymptomsBody(BaseModel):
    """The body of ``POST /api/symptoms``: the same fields as the GET query, with lists as JSON arrays."""

    model_config = ConfigDict(extra="forbid")
    q: str = Field("", json_schema_extra={QUESTION_LIMIT: True}, description=SYMPTOMS_TEXT)
    hpo: list[Annotated[str, Field(json_schema_extra=ID_LIST_DOC)]] = Field(
        [], description=f"HPO ids to add to the description's terms ({IDS})."
    )
    exclude: list[Annotated[str, Field(json_schema_extra=ID_LIST_DOC)]] = Field(
        [], description=f"HPO ids to leave out of the description's terms (a correction; {IDS})."
    )
    top: WholeNumber = Field(10, ge=1, le=50, strict=True, description="How many conditions to return.")


class IngestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paths: list[Annotated[str, Field(max_length=4096)]] = Field(
        min_length=1, max_length=100,
        description="Files or folders under the server's ingest folder (HEALTHQA_INGEST_ROOT), relative to it.",
    )


class SearchHit(BaseModel):
    id: str
    text: str
    section: str
    heading: str
    date: str | None
    score: float
    title: str
    url: str
    source: str
    tier: str
    licence: str
    document: str
    topic: str


class SearchResult(BaseModel):
    query: str
    results: list[SearchHit]


class SymptomTerm(BaseModel):
    phrase: str = Field(description="The person's words (or the HPO id they gave).")
    hpo_id: str = Field(description='The HPO term they were mapped to; "" when not recognised.')
    name: str
    score: float


class PhenotypeFeature(BaseModel):
    hpo_id: str
    term: str
    frequency: float | None = Field(description="Orphanet's frequency class as the midpoint of its range (0..1).")
    query: str = Field(description="The person's HPO term that this recorded feature matched.")
    sources: list[str] = Field(
        default_factory=list,
        description='Who records the feature: "Orphanet", "HPO annotation of ORPHA:n" or "HPO annotation of OMIM:n".',
    )


class RankedDisease(BaseModel):
    name: str
    orpha: str = Field(description="The ORPHA code.")
    score: float
    matched: list[PhenotypeFeature] = Field(description="Recorded features like the person's.")
    missing: list[PhenotypeFeature] = Field(description="Very frequent recorded features not described.")


class SymptomGroup(BaseModel):
    orpha: str = Field(description="The ORPHA code of the parent group.")
    name: str
    members: list[str] = Field(description="The ORPHA codes of the tied subtypes, in rank order.")


class UrgentCondition(BaseModel):
    orpha: str = Field(description="The ORPHA code.")
    name: str


class UrgentStatement(BaseModel):
    intro: str = Field(description="Our words before the quote, attributing it: 'About <disorder>, <source> says:'.")
    quote: str = Field(description="The source's sentence, quoted unchanged.")
    source: str
    title: str = Field(description="The source's page it comes from.")
    url: str
    date: str | None = Field(description="The passage's date as the source gives it; null when it gives none.")
    passage_id: str = Field(description="The passage's public id (GET /api/search finds its text).")
    about: UrgentCondition = Field(
        description="The condition the source's page is about: the ranked disorder, or its parent group "
                    "when the sentence is about all forms of the group.")
    disorders: list[UrgentCondition] = Field(description="The ranked disorders the statement concerns.")


class EmergencyCall(BaseModel):
    label: str
    number: str
    tel: str
    when: str


class UrgencyNotice(BaseModel):
    heading: str = Field(description="Our heading, attributing the statements to the sources.")
    statements: list[UrgentStatement]
    actions_label: str = Field(description="Our label over the actions: 'If someone is seriously ill now:'.")
    actions: list[EmergencyCall] = Field(description="Whom to call if someone is seriously ill now.")


class SymptomsResult(BaseModel):
    """The same object as ``healthqa symptoms --json``."""

    urgent: UrgencyNotice | None = Field(
        default=None,
        description="Shown first: what a trusted source says about urgent care for one of the five best-ranked "
                    "conditions (quoted, attributed); null when no source says so of any of them.",
    )
    label: str
    terms: list[SymptomTerm]
    diseases: list[RankedDisease]
    groups: list[SymptomGroup] = Field(
        default_factory=list,
        description="Sibling subtypes among the diseases with near-equal scores, under their Orphanet parent group.",
    )
    credit: str


def topic_path(key: str) -> str:
    """A document key as a URL path segment: the only way to link a topic (row numbers change on re-ingest)."""
    return quote(key, safe=":")


def hit(passage: PassageRecord, score: float) -> SearchHit:
    return SearchHit(
        id=passage.public_id, text=passage.text, section=passage.section, heading=passage.heading,
        date=passage.updated, score=round(score, 4), title=passage.title, url=passage.url,
        source=passage.source, tier=passage.tier, licence=passage.licence, document=passage.document_key,
        topic=f"/api/topics/{topic_path(passage.document_key)}",
    )


@router.get("/healthz", summary="Whether the knowledge base is readable", responses={503: ERROR_SCHEMA[503]})
def healthz(request: Request, svc: ServiceDep) -> Response:
    if svc.healthy():
        return JSONResponse({"status": "ok"})
    return error_response(request.scope, 503, "unavailable", UNAVAILABLE)


@router.get("/api/ask", response_model=Answer, summary="Answer a question (GET)", responses=ERROR_SCHEMA)
async def ask_get(
    svc: ServiceDep,
    # Required and not blank in the schema too: an empty question has always been a 422.
    q: Annotated[str, Query(json_schema_extra=QUESTION, description="The question (at most 2,000 characters).")],
    top: Annotated[int, Query(ge=1, le=10, description="How many passages to quote."), INTEGER_TEXT] = 3,
) -> dict[str, Any]:
    answer = await svc.ask(svc.clean(q), top)
    return answer.to_json()


@router.post(
    "/api/ask", response_model=Answer, summary="Answer a question (POST)", responses={**ERROR_SCHEMA, **BODY_TOO_LARGE}
)
async def ask_post(svc: ServiceDep, body: AskBody) -> dict[str, Any]:
    answer = await svc.ask(svc.clean(body.question), body.top)
    return answer.to_json()


def _search(svc: Service, q: str, limit: int) -> SearchResult:
    query = svc.clean(q)
    found = svc.require_store().search_passages(query, limit)
    return SearchResult(query=query, results=[hit(p, s) for p, s in found])


@router.get("/api/search", summary="Full-text search over passages, with provenance (GET)", responses=ERROR_SCHEMA)
def search(
    svc: ServiceDep,
    q: Annotated[str, Query(json_schema_extra=QUESTION, description="Words to search for.")],
    limit: Annotated[int, Query(ge=1, le=50, description="How many passages to return."), INTEGER_TEXT] = 10,
) -> SearchResult:
    return _search(svc, q, limit)


@router.post(
    "/api/search", summary="Full-text search over passages, with provenance (POST)",
    responses={**ERROR_SCHEMA, **BODY_TOO_LARGE},
)
def search_post(svc: ServiceDep, body: SearchBody) -> SearchResult:
    return _search(svc, body.q, body.limit)


async def _symptoms(
    svc: Service, q: str, hpo: Sequence[str], exclude: Sequence[str], top: int
) -> dict[str, Any]:
    # Nothing to search (no words once cleaned, no ids) is a search for nothing: no terms, no conditions.
    text = clean_description(q, svc.settings.max_question_length)
    query = SymptomQuery(text, check_ids(hpo, "hpo"), check_ids(exclude, "exclude"), top=top)
    try:
        found = await svc.symptoms(query)
    except ApiError as error:
        if error.code != "unknown_hpo_id":
            raise
        # Well formed but not in the ontology: for the API, not found, like an unknown condition (the schema
        # cannot say which ids exist, so a 422 would refuse a request it calls valid); the web form keeps 422.
        raise ApiError(404, error.code, error.message) from None
    return found.result.to_json()


SYMPTOMS_SUMMARY = "Rare conditions whose recorded features overlap described symptoms (not a diagnosis)"


SYMPTOMS_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "An HPO id in `hpo` or `exclude` is well formed but not a term of the Human Phenotype "
                         "Ontology that the knowledge base holds (`unknown_hpo_id`)."},
    **ERROR_SCHEMA,
}


@router.get("/api/symptoms", response_model=SymptomsResult, responses=SYMPTOMS_RESPONSES, summary=SYMPTOMS_SUMMARY)
async def symptoms(
    svc: ServiceDep,
    q: Annotated[str, Query(json_schema_extra={QUESTION_LIMIT: True}, description=SYMPTOMS_TEXT)] = "",
    hpo: Annotated[list[Annotated[str, Field(json_schema_extra=ID_LIST_DOC)]], Query(
        description=f"HPO ids to add to the description's terms, repeated or comma-separated ({IDS})."
    )] = [],  # noqa: B006 - FastAPI copies a parameter's default for each request
    exclude: Annotated[list[Annotated[str, Field(json_schema_extra=ID_LIST_DOC)]], Query(
        description=f"HPO ids to leave out of the description's terms (a correction of the mapping; {IDS})."
    )] = [],  # noqa: B006 - FastAPI copies a parameter's default for each request
    top: Annotated[int, Query(ge=1, le=50, description="How many conditions to return."), INTEGER_TEXT] = 10,
) -> dict[str, Any]:
    return await _symptoms(svc, q, hpo, exclude, top)


@router.post(
    "/api/symptoms", response_model=SymptomsResult, responses={**SYMPTOMS_RESPONSES, **BODY_TOO_LARGE},
    summary=SYMPTOMS_SUMMARY + " (POST)",
)
async def symptoms_post(svc: ServiceDep, body: SymptomsBody) -> dict[str, Any]:
    return await _symptoms(svc, body.q, body.hpo, body.exclude, body.top)


# A stored document as the API shows it (healthqa.store.base.public_document): DocumentRecord without row ids,
# which change on re-ingest, and without ``origin``, the file it was read from, a path on the server (the
# source's name and public URL are ``source`` and ``url``). Derived from the records, so a field added there
# reaches the API; ``healthqa show`` still prints the origin to the local administrator.
def _public_fields(record_type: type, *, also_without: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {
        name: (hint, ...) for name, hint in get_type_hints(record_type).items()
        if name not in ROW_ID_FIELDS and name not in also_without
    }


TopicPassage = create_model("TopicPassage", **_public_fields(PassageRecord))
TopicQuestion = create_model("TopicQuestion", **_public_fields(QuestionRecord))
_TOPIC_FIELDS: dict[str, Any] = _public_fields(DocumentRecord, also_without=frozenset({"origin"}))
_TOPIC_FIELDS["passages"] = (list[TopicPassage], ...)  # type: ignore[valid-type]
_TOPIC_FIELDS["questions"] = (list[TopicQuestion], ...)  # type: ignore[valid-type]
Topic = create_model(
    "Topic", __doc__="A document with all its sections, as stored, without server paths.", **_TOPIC_FIELDS
)


@router.get(
    "/api/topics/{ref:path}", response_model=Topic, summary="A document with all its sections",
    responses={404: {"description": "No such document."}},
)
def topic(
    svc: ServiceDep,
    ref: Annotated[str, Path(description=(
        "A document key (e.g. medquad:GARD_0000001). A former document number is redirected (307) to the key "
        "of the document it names now; numbers change when the knowledge base is updated, keys do not."))],
) -> dict[str, Any] | Response:
    try:
        return public_document(svc.document(ref))
    except TopicMoved as moved:
        return RedirectResponse(f"/api/topics/{topic_path(moved.key)}", status_code=307)


@router.get("/api/sources", summary="What the knowledge base holds, with licences and credits")
def sources(svc: ServiceDep) -> dict[str, Any]:
    summaries = svc.require_store().sources()
    return {"sources": [asdict(s) for s in summaries], "credits": CREDITS}


def admin(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer HEALTHQA_ADMIN_TOKEN")] = None,
) -> None:
    token = service(request).settings.admin_token
    if not token:
        raise ApiError(403, "ingest_disabled", "Ingest over HTTP is disabled: no admin token is configured.")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(
            401, "unauthorized", "A valid admin token is required (Authorization: Bearer ...).",
            headers={"WWW-Authenticate": "Bearer"},
        )


@router.post(
    "/api/ingest", summary="Ingest server-local files (admin token required)",
    dependencies=[Depends(admin)],
    responses={
        # Every status this route can answer (issue 21): the guard's refusals included.
        400: {"description": "The Content-Length header is not a number."},
        401: {"description": "Missing or wrong token."}, 403: {"description": "Ingest is disabled."},
        413: {"description": "The body is larger than HEALTHQA_MAX_BODY_BYTES."},
        429: ERROR_SCHEMA[429], 503: ERROR_SCHEMA[503],
        409: {"description": "Another ingest is running in this server worker (`ingest_running`)."},
        422: {"description": "A path is not a file or folder under the ingest folder (`path_refused`, the same "
                             "error whatever the reason), or the body is not valid."},
        504: {"description": "Reading and saving ran past HEALTHQA_INGEST_TIMEOUT (`ingest_timeout`); the job stops "
                             "before its next file, the path it was in left as it was; `saved` lists the paths "
                             "saved before."},
    },
)
def ingest(svc: ServiceDep, body: IngestBody) -> dict[str, Any]:
    """Ingest the paths, one transaction each, and answer from the new content.

    The answer: `results` (one per path: `ok`, `files`, documents added, replaced and removed, `failures`),
    `ok` (every path ingested) and `reload_pending`. What was ingested is committed whatever happens after;
    `reload_pending: true` means this worker has not yet rebuilt its in-memory search over the new content (the
    rebuild, not under HEALTHQA_INGEST_TIMEOUT, goes on in the background; an error is logged): it goes on answering
    from the previous content meanwhile and, after a failed rebuild, retries at its next check, within
    two seconds of the next request (longer, up to a minute, while retries keep failing). The other workers
    reload on their own within two seconds of a request either way.
    """
    results = svc.ingest(body.paths)
    return {"results": results, "ok": all(r["ok"] for r in results), "reload_pending": svc.reload_pending()}
