"""The disease-record endpoints: ``GET /api/diseases?q=`` (candidates) and ``GET /api/diseases/{ref}`` (a record).

A record is the object ``healthqa disease NAME --json`` prints (:meth:`DiseaseRecord.to_json`), returned as it
is: the models below only describe it in the OpenAPI schema. A name that fits no condition is 404 and one that
fits several is 409 Conflict; both carry the conditions to choose from in the error's ``candidates`` field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from healthqa.api.routes import ERROR_SCHEMA, ServiceDep
from healthqa.api.service import MAX_FEATURES, MAX_REF_LENGTH, clean_ref, condition_error
from healthqa.disease import (
    ConditionNotFoundError,
    DrugItem,
    LinkedDocument,
    OrganisationItem,
    PhenotypeItem,
    Quote,
)
from healthqa.facts import FactItem

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


@router.get(
    "/api/diseases", response_model=CandidateList, responses=ERROR_SCHEMA,
    summary="Conditions whose names fit a search (for a search box)",
)
async def disease_candidates(
    svc: ServiceDep,
    q: Annotated[str, Query(description=f"A name, abbreviation, code or key (at most {MAX_REF_LENGTH} characters).")]
    = "",
) -> dict[str, Any]:
    text = clean_ref(q, "search")
    found = await svc.disease_candidates(text)
    return {"query": text, "candidates": [c.to_json() for c in found]}


@router.get(
    "/api/diseases/{ref:path}", responses=RECORD_RESPONSES,
    summary="Everything the sources say about one condition, quoted section by section",
)
async def disease(
    svc: ServiceDep,
    ref: Annotated[str, Path(description=(
        "A name or synonym, an abbreviation (LEMS), a code (ORPHA:43393, OMIM:245550), a document key "
        f"(medquad:GARD_0003459) or number, URL-encoded; at most {MAX_REF_LENGTH} characters."
    ))],
    features: Annotated[int, Query(ge=0, le=MAX_FEATURES, description="How many clinical features to list.")] = 10,
) -> Response:
    try:
        record = await svc.disease(clean_ref(ref), phenotypes=features)
    except ConditionNotFoundError as error:
        raise condition_error(error) from None
    return JSONResponse(record.to_json())
