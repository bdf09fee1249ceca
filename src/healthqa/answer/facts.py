"""Catalogue facts as answers: "How is X inherited?", "How common is X?", "Which gene causes X?".

Orphanet records these as typed facts (see :class:`healthqa.records.Fact`). :func:`fact_passages` turns the
facts of the documents an answer is about into quoted items: the value is Orphanet's own wording
("Autosomal dominant", "1-9 / 100 000", a gene symbol) and the detail its qualifier ("Point prevalence,
Europe", "Disease-causing germline mutation(s) in ..."). The labels are ours and only say what the item is.
Every item cites its document, links to its page and carries Orphanet's CC BY 4.0 attribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from healthqa.errors import NotFoundError
from healthqa.records import SectionType
from healthqa.retrieve.passages import PassageTable
from healthqa.store.base import DocumentRecord, Store

# Which fact kinds answer which question type.
KINDS_FOR: dict[SectionType, tuple[str, ...]] = {
    SectionType.INHERITANCE: ("inheritance",),
    SectionType.FREQUENCY: ("prevalence",),
    SectionType.GENETIC_CHANGES: ("gene", "inheritance"),
    SectionType.CAUSES: ("gene",),
    SectionType.SUSCEPTIBILITY: ("gene",),
}
LABELS = {
    "inheritance": "Mode of inheritance",
    "prevalence": "How common",
    "onset": "Age of onset",
    "gene": "Gene",
    "parent": "Part of the group",
    "subtype": "Subtype",
}
# Prevalence: the widest geography and the most general measure first.
_PLACE_ORDER = {"Worldwide": 0, "Europe": 1}
_TYPE_ORDER = {
    "Point prevalence": 0, "Prevalence at birth": 1, "Annual incidence": 2, "Lifetime Prevalence": 3,
}


@dataclass(frozen=True)
class FactItem:
    """One quoted fact with its provenance."""

    id: str  # "{document key}#{kind}-{n}"
    kind: str
    label: str  # ours: what the fact is
    text: str  # the source's words
    detail: str  # the source's words
    title: str
    document_key: str
    document_id: int
    url: str
    source: str
    tier: str
    licence: str
    date: str | None
    attribution: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def attribution(document: DocumentRecord) -> str:
    """The credit a reuse must carry (CC BY 4.0 requires it)."""
    if document.source == "Orphanet":
        return f"Source: Orphanet, www.orpha.net ({document.title}, {document.url}); licence CC BY 4.0"
    return f"Source: {document.source} ({document.title}, {document.url}); licence {document.licence}"


def _order(kind: str, value: str, detail: str) -> tuple[int, int, int]:
    if kind != "prevalence":
        return (0, 0, 0)
    measure, _, place = detail.partition(", ")
    unknown = value.lower() in ("unknown", "not yet documented")
    return (int(unknown), _PLACE_ORDER.get(place, 2), _TYPE_ORDER.get(measure, 4))


def document_facts(document: DocumentRecord, kinds: Sequence[str]) -> list[FactItem]:
    """The document's facts of ``kinds`` as quoted items, in the order of ``kinds`` (prevalence: widest first)."""
    chosen = [f for f in document.facts if f.kind in kinds]
    chosen.sort(key=lambda f: (kinds.index(f.kind), *_order(f.kind, f.value, f.detail)))
    credit = attribution(document)
    counts: dict[str, int] = {}
    items: list[FactItem] = []
    for fact in chosen:
        counts[fact.kind] = counts.get(fact.kind, 0) + 1
        items.append(FactItem(
            id=f"{document.key}#{fact.kind}-{counts[fact.kind]}", kind=fact.kind, label=LABELS[fact.kind],
            text=fact.value, detail=fact.detail, title=document.title, document_key=document.key,
            document_id=document.id, url=document.url, source=document.source, tier=document.tier,
            licence=document.licence, date=document.updated, attribution=credit,
        ))
    return items


def fact_passages(
    store: Store, document_ids: Sequence[int], qtype: SectionType | str, limit: int | None = None,
    passages: PassageTable | None = None,
) -> list[FactItem]:
    """The facts of ``document_ids`` that answer a question of type ``qtype``, in document order.

    Returns [] for question types that facts do not answer, and for documents without facts. ``passages``
    (an answerer's table) tells which documents have such facts without asking the store.
    """
    kinds = KINDS_FOR.get(SectionType.parse(str(qtype)), ())
    if not kinds:
        return []
    items: list[FactItem] = []
    table = passages or PassageTable(store)
    for document_id in dict.fromkeys(document_ids):
        if limit is not None and len(items) >= limit:
            break
        # Whether it has any first: most focus documents have none, and loading a whole document is nine queries.
        if not table.has_fact(document_id, kinds):
            continue
        try:
            document = store.document(document_id)
        except NotFoundError:
            continue
        items.extend(document_facts(document, kinds))
    return items if limit is None else items[:limit]
