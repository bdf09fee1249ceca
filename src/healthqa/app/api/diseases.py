"""The disease-record endpoints: ``GET /api/diseases?q=`` (candidates) and ``GET /api/diseases/{ref}`` (a record).

Each has a POST twin with a JSON body (``POST /api/diseases`` ``{"q"}``, ``POST /api/diseases/record``
``{"ref", "features"}``), so that a client can keep the condition a person typed out of URLs and logs.

A record is the object ``healthqa disease NAME --json`` prints (:meth:`DiseaseRecord.to_json`), returned as it
is: the models below only describe it in the OpenAPI schema. A name that fits no condition is 404 and one that
fits several is 409 Conflict; both carry the conditions to choose from in the error's ``candidates`` field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse, Response

from healthqa.answer.facts import FactItem
from healthqa.app.api.routes import BODY_TOO_LARGE, ERROR_SCHEMA, INTEGER_TEXT, NOT_BLANK, ServiceDep, WholeNumber
from healthqa.app.inputs import MAX_FEATURES, MAX_REF_LENGTH, clean_ref, condition_error
from healthqa.app.service import Service
from healthqa.conditions import (
    ConditionNotFoundError,
    DrugItem,
    LinkedDocument,
    OrganisationItem,
    PhenotypeItem,
    Quote,
)

router = APIRouter()


class CandidateModel(BaseModel):
    name: str = Field(description="The condition's name (Orphanet's label when Orphanet is a source).")
    ref: str = Field(description="A reference that resolves to this condition alone: ORPHA:N or a document key.")
    sources: list[str]
    documents: int = Field(description="How many documents of the knowledge base are about it.")


class CandidateList(BaseModel):
    query: str
    candidates: list[CandidateModel] = Field(
        description="The condition the query names (or those it may mean) first, then names it mentions."
    )


class SynonymModel(BaseModel):
    name: str
    sources: list[str] = Field(description="The sources that give this name.")
    also_names: list[CandidateModel] = Field(description="Other conditions whose own name this is.")


class SectionModel(BaseModel):
    section: str = Field(description="The section type, e.g. 'treatment'.")
    label: str = Field(description="healthqa's heading for the section.")
    quotes: list[Quote] = Field(description="Each source's passage, verbatim, with its provenance.")


class DiseaseRecordModel(BaseModel):
    """The same object as ``healthqa disease NAME --json``."""

    ref: str = Field(description="The reference that was asked for.")
    name: str
    codes: dict[str, list[str]] = Field(description='"ORPHA", "OMIM", "UMLS" -> codes.')
    synonyms: list[SynonymModel]
    sources: list[str]
    documents: list[LinkedDocument] = Field(description="The linked documents, most trusted source first.")
    sections: list[SectionModel] = Field(description="In reading order.")
    facts: list[FactItem] = Field(description="Catalogue facts (Orphanet), quoted with attribution.")
    phenotypes: list[PhenotypeItem] = Field(description="Recorded clinical features, most frequent first.")
    organisations: list[OrganisationItem]
    drugs: list[DrugItem]
    comparison: dict[str, Any] | None = Field(
        description="Where the sources agree, disagree or are out of date: agreements, contradictions and "
        "stale sections, each with the sources' own sentences."
    )
    disclaimer: str


def _condition_example(status: int, code: str, message: str) -> dict[str, Any]:
    candidate = {"name": "Lambert-Eaton myasthenic syndrome", "ref": "ORPHA:43393",
                 "sources": ["GARD", "Orphanet"], "documents": 5}
    return {"description": message, "content": {"application/json": {"example": {
        "error": {"status": status, "code": code, "message": message, "candidates": [candidate]}}}}}


RECORD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": DiseaseRecordModel, "description": "The record."},
    404: _condition_example(404, "condition_not_found",
                            "No condition by this name, code or key; `candidates` holds close names."),
    409: _condition_example(409, "ambiguous_condition",
                            "The name fits several conditions; `candidates` lists them with their refs."),
    **{status: ERROR_SCHEMA[status] for status in (422, 429, 503)},
    504: {"description": "Gathering the sources took longer than the configured timeout."},
}


SEARCH_DESCRIPTION = f"A name, abbreviation, code or key (at most {MAX_REF_LENGTH} characters)."
REF_DESCRIPTION = (
    "A name or synonym, an abbreviation (LEMS), a code (ORPHA:43393, OMIM:245550), a document key "
    f"(medquad:GARD_0003459) or number; at most {MAX_REF_LENGTH} characters."
)
FEATURES_DESCRIPTION = "How many clinical features to list."
# As clean_ref reads a reference: not blank once cleaned, at most MAX_REF_LENGTH characters (documented only,
# as NOT_BLANK says why).
REF: dict[str, Any] = {**NOT_BLANK, "maxLength": MAX_REF_LENGTH}


class CandidateSearchBody(BaseModel):
    """The body of ``POST /api/diseases``: the search text stays out of the URL and of proxies' logs."""

    model_config = ConfigDict(extra="forbid")
    q: str = Field(json_schema_extra=REF, description=SEARCH_DESCRIPTION)


class RecordBody(BaseModel):
    """The body of ``POST /api/diseases/record``: the condition's name stays out of the URL."""

    model_config = ConfigDict(extra="forbid")
    ref: str = Field(json_schema_extra=REF, description=REF_DESCRIPTION)
    features: WholeNumber = Field(10, ge=0, le=MAX_FEATURES, strict=True, description=FEATURES_DESCRIPTION)


async def _candidates(svc: Service, q: str) -> dict[str, Any]:
    text = clean_ref(q, "search")
    found = await svc.disease_candidates(text)
    return {"query": text, "candidates": [c.to_json() for c in found]}


async def _record(svc: Service, ref: str, features: int) -> Response:
    try:
        record = await svc.disease(clean_ref(ref), phenotypes=features)
    except ConditionNotFoundError as error:
        raise condition_error(error) from None
    return JSONResponse(record.to_json())


CANDIDATES_SUMMARY = "Conditions whose names fit a search (for a search box)"
RECORD_SUMMARY = "Everything the sources say about one condition, quoted section by section"


@router.get(
    "/api/diseases", response_model=CandidateList, responses=ERROR_SCHEMA, summary=CANDIDATES_SUMMARY + " (GET)"
)
async def disease_candidates(
    svc: ServiceDep, q: Annotated[str, Query(json_schema_extra=REF, description=SEARCH_DESCRIPTION)]
) -> dict[str, Any]:
    return await _candidates(svc, q)


@router.post(
    "/api/diseases", response_model=CandidateList, responses={**ERROR_SCHEMA, **BODY_TOO_LARGE},
    summary=CANDIDATES_SUMMARY + " (POST)",
)
async def disease_candidates_post(svc: ServiceDep, body: CandidateSearchBody) -> dict[str, Any]:
    return await _candidates(svc, body.q)


# Declared before the GET route below, whose {ref:path} would otherwise also match this path.
@router.post(
    "/api/diseases/record", responses={**RECORD_RESPONSES, **BODY_TOO_LARGE}, summary=RECORD_SUMMARY + " (POST)"
)
async def disease_post(svc: ServiceDep, body: RecordBody) -> Response:
    return await _record(svc, body.ref, body.features)


@router.get("/api/diseases/{ref:path}", responses=RECORD_RESPONSES, summary=RECORD_SUMMARY + " (GET)")
async def disease(
    svc: ServiceDep,
    ref: Annotated[str, Path(json_schema_extra=REF, description=REF_DESCRIPTION + " URL-encoded.")],
    features: Annotated[int, Query(ge=0, le=MAX_FEATURES, description=FEATURES_DESCRIPTION), INTEGER_TEXT] = 10,
) -> Response:
    return await _record(svc, ref, features)
