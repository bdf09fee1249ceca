"""One record per condition: every source that speaks of it, linked, quoted section by section.

:func:`disease_record` resolves a reference (a name or synonym, an abbreviation such as "LEMS", a code such
as "ORPHA:43393" or "OMIM:245550", a document key such as "medquad:GARD_0003459", or a passage id) to the
group of documents about that condition and returns a :class:`DiseaseRecord`: the canonical name, codes,
synonyms with the sources that give them, the linked documents, each section's quotes from every source,
Orphanet's facts and clinical features, organisations, drugs, and a comparison of the sources
(:mod:`healthqa.conditions.compare`).

How documents are linked, and what keeps different conditions apart, is in :mod:`healthqa.conditions._link`.
healthqa writes no medical text here: every quoted item is a source's own words with its provenance.

The grouping (a :class:`DiseaseIndex`) is built from the whole knowledge base once per generation, at ingest
(seconds for MedQuAD and Orphanet together), and memory-mapped from that generation's derived files by every
process (:meth:`DiseaseIndex.load`); :func:`disease_record` accepts a loaded index.
"""

from __future__ import annotations

from healthqa.conditions._link import (
    AmbiguousConditionError,
    Candidate,
    ConditionNotFoundError,
    DiseaseIndex,
    index_for,
)
from healthqa.conditions._record import (
    SECTION_ORDER,
    DiseaseRecord,
    DrugItem,
    LinkedDocument,
    OrganisationItem,
    PhenotypeItem,
    Quote,
    Section,
    Synonym,
    build_record,
)
from healthqa.store.base import Store

__all__ = [
    "SECTION_ORDER",
    "AmbiguousConditionError",
    "Candidate",
    "ConditionNotFoundError",
    "DiseaseIndex",
    "DiseaseRecord",
    "DrugItem",
    "LinkedDocument",
    "OrganisationItem",
    "PhenotypeItem",
    "Quote",
    "Section",
    "Synonym",
    "disease_record",
    "find_candidates",
    "index_for",
]


def disease_record(store: Store, ref: str, *, index: DiseaseIndex | None = None, phenotypes: int = 10,
                   compare_sources: bool = True) -> DiseaseRecord:
    """The record of the condition ``ref`` names.

    ``phenotypes`` caps the clinical features shown (most frequent first); ``compare_sources=False`` leaves
    ``comparison`` None. Raises :class:`ConditionNotFoundError` (a :class:`~healthqa.errors.NotFoundError`)
    with close names as ``candidates``, or :class:`AmbiguousConditionError` listing the conditions a name
    may mean.
    """
    index = index or index_for(store)
    record = index.resolve(ref, store)
    documents = [store.document(doc_id) for doc_id in index.members(record)]
    return build_record(ref, record, index, documents, phenotypes=phenotypes, compare_sources=compare_sources)


def find_candidates(store: Store, text: str, *, index: DiseaseIndex | None = None) -> list[Candidate]:
    """Records whose names ``text`` mentions, typos allowed: what to offer when a reference is not found."""
    return (index or index_for(store)).suggestions(text)
