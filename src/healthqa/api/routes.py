"""The JSON endpoints: /healthz and /api/*."""

from __future__ import annotations

import hmac
from dataclasses import asdict
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse, Response

from healthqa.answer import Answer
from healthqa.api.errors import ApiError, error_response
from healthqa.api.service import UNAVAILABLE, Service, clean_description
from healthqa.api.symptom_search import SymptomQuery, check_ids
from healthqa.phenotype import HPO_ATTRIBUTION
from healthqa.store.base import DocumentRecord, PassageRecord

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


class AskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(description="The question, in the person's own words (at most 2,000 characters).")
    top: int = Field(3, ge=1, le=10, description="How many passages to quote.")


class IngestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paths: list[str] = Field(min_length=1, max_length=100, description="Files or folders on the server.")


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


class RankedDisease(BaseModel):
    name: str
    orpha: str = Field(description="The ORPHA code.")
    score: float
    matched: list[PhenotypeFeature] = Field(description="Recorded features like the person's.")
    missing: list[PhenotypeFeature] = Field(description="Very frequent recorded features not described.")


class SymptomsResult(BaseModel):
    """The same object as ``healthqa symptoms --json``."""

    label: str
    terms: list[SymptomTerm]
    diseases: list[RankedDisease]
    credit: str


def topic_path(key: str) -> str:
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
    q: Annotated[str, Query(description="The question (at most 2,000 characters).")] = "",
    top: Annotated[int, Query(ge=1, le=10, description="How many passages to quote.")] = 3,
) -> dict[str, Any]:
    answer = await svc.ask(svc.clean(q), top)
    return answer.to_json()


@router.post("/api/ask", response_model=Answer, summary="Answer a question (POST)", responses=ERROR_SCHEMA)
async def ask_post(svc: ServiceDep, body: AskBody) -> dict[str, Any]:
    answer = await svc.ask(svc.clean(body.question), body.top)
    return answer.to_json()


@router.get("/api/search", summary="Full-text search over passages, with provenance", responses=ERROR_SCHEMA)
def search(
    svc: ServiceDep,
    q: Annotated[str, Query(description="Words to search for.")] = "",
    limit: Annotated[int, Query(ge=1, le=50, description="How many passages to return.")] = 10,
) -> SearchResult:
    query = svc.clean(q)
    found = svc.require_store().search_passages(query, limit)
    return SearchResult(query=query, results=[hit(p, s) for p, s in found])


@router.get(
    "/api/symptoms", response_model=SymptomsResult, responses=ERROR_SCHEMA,
    summary="Rare conditions whose recorded features overlap described symptoms (not a diagnosis)",
)
async def symptoms(
    svc: ServiceDep,
    q: Annotated[str, Query(description="The symptoms in plain words, separated by commas.")] = "",
    hpo: Annotated[list[str] | None, Query(
        description="HPO ids to add to the description's terms, comma-separated or repeated (HP:0000508)."
    )] = None,
    exclude: Annotated[list[str] | None, Query(
        description="HPO ids to leave out of the description's terms (a correction of the mapping)."
    )] = None,
    top: Annotated[int, Query(ge=1, le=50, description="How many conditions to return.")] = 10,
) -> dict[str, Any]:
    text = clean_description(q, svc.settings.max_question_length)
    added = check_ids(hpo or (), "hpo")
    if not text and not added:
        raise ApiError(
            422, "empty_description", "Describe the symptoms in plain words ('q') or give HPO ids ('hpo')."
        )
    found = await svc.symptoms(SymptomQuery(text, added, check_ids(exclude or (), "exclude"), top=top))
    return found.result.to_json()


@router.get(
    "/api/topics/{ref:path}", response_model=DocumentRecord, summary="A document with all its sections",
    responses={404: {"description": "No such document."}},
)
def topic(
    svc: ServiceDep,
    ref: Annotated[str, Path(description="A document key (e.g. medquad:GARD_0000001) or number.")],
) -> dict[str, Any]:
    return asdict(svc.document(ref))


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
    responses={401: {"description": "Missing or wrong token."}, 403: {"description": "Ingest is disabled."}},
)
def ingest(svc: ServiceDep, body: IngestBody) -> dict[str, Any]:
    results = svc.ingest(body.paths)
    return {"results": results, "ok": all(r["ok"] for r in results)}
