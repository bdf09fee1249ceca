"""Structured items as answers: the support organisations and the drug-table rows of ingested pages.

A page may list organisations (name, address, phone, email, web address) and a table of drugs (brand name, generic
name) beside its passages; ingestion stores them (see :class:`healthqa.records.Organisation` and
:class:`healthqa.records.DrugMention`). :func:`organisation_items` answers "are there support groups for X?" with
the organisations of the documents about X; :func:`drug_items` answers "what is <brand>?" with the table rows naming
the brand, and :func:`condition_drug_items` "what is the drug for X called?" with the rows of X's pages. Every field
is the page's own words; the labels are ours and only say what the field is. Each item is cited like a passage:
source, title, link (or "saved copy" for a page read from a saved file, which has none) and date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from healthqa.errors import NotFoundError
from healthqa.records import Organisation, SectionType
from healthqa.store.base import DocumentRecord, Store
from healthqa.understand import normalise

SAVED_COPY = "saved copy"
_ORGANISATION_FIELDS = (("name", "Name"), ("address", "Address"), ("phone", "Phone"), ("email", "Email"),
                        ("url", "Web address"))
_DRUG_FIELDS = (("brand", "Drug name"), ("generic", "Generic name"))
_FIELD_LABELS = dict(_ORGANISATION_FIELDS + _DRUG_FIELDS)


@dataclass(frozen=True)
class StructuredItem:
    """One organisation or drug-table row, quoted field by field, with its provenance."""

    id: str  # "{document key}#organisation-{n}" or "{document key}#drug-{n}"
    kind: str  # "organisation" or "drug"
    label: str  # ours: what the item is
    text: str  # the fields, each with our label, in the page's words
    fields: dict[str, str]  # the page's words by field name (empty fields left out)
    title: str
    document_key: str
    document_id: int
    url: str  # the page's address, "" for a saved copy
    cited_as: str  # the page's address, or "saved copy"
    source: str
    tier: str
    licence: str
    date: str | None
    origin: str = field(default="", compare=False)  # the file a saved copy was read from

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def labelled(self) -> list[tuple[str, str]]:
        """(healthqa's label, the page's words) for each field, in the page's order: for pages and the CLI."""
        return [(_FIELD_LABELS.get(name, name), value) for name, value in self.fields.items()]


def _item(document: DocumentRecord, kind: str, number: int, label: str, fields: dict[str, str],
          labels: Sequence[tuple[str, str]]) -> StructuredItem:
    text = "; ".join(f"{shown}: {fields[name]}" for name, shown in labels if fields.get(name))
    return StructuredItem(
        id=f"{document.key}#{kind}-{number}", kind=kind, label=label, text=text, fields=fields,
        title=document.title, document_key=document.key, document_id=document.id, url=document.url,
        cited_as=document.url or SAVED_COPY, source=document.source, tier=document.tier,
        licence=document.licence, date=document.updated, origin=document.origin,
    )


def _organisation_fields(organisation: Organisation) -> dict[str, str]:
    return {name: value for name, _ in _ORGANISATION_FIELDS
            if (value := " ".join(str(getattr(organisation, name)).split()))}


def _documents(store: Store, document_ids: Iterable[int]) -> Iterable[DocumentRecord]:
    for document_id in dict.fromkeys(document_ids):
        try:
            yield store.document(document_id)
        except NotFoundError:
            continue


def organisation_items(store: Store, document_ids: Iterable[int], limit: int = 10) -> list[StructuredItem]:
    """The support organisations listed by ``document_ids``, one item each; an organisation listed by
    several pages is given once (from the first), at most ``limit``."""
    items: list[StructuredItem] = []
    seen: set[str] = set()
    for document in _documents(store, document_ids):
        for number, organisation in enumerate(document.organisations, start=1):
            key = normalise(organisation.name)
            if not key or key in seen:
                continue
            seen.add(key)
            items.append(_item(document, "organisation", number, "Support organisation",
                               _organisation_fields(organisation), _ORGANISATION_FIELDS))
            if len(items) >= limit:
                return items
    return items


def drug_items(store: Store, mentions: Iterable[tuple[int, str, str]], names: Iterable[str]) -> list[StructuredItem]:
    """The drug-table rows among ``mentions`` ((document id, brand, generic) rows) that one of ``names`` names
    (compared normalised): by their brand, their generic, or the generic's first word ("amifampridine" for
    "amifampridine phosphate"); one item per row."""
    wanted = {normalise(name) for name in names} - {""}

    def named(document_id: int, brand: str, generic: str) -> bool:
        written = normalise(generic)
        return normalise(brand) in wanted or written in wanted or written.split(" ")[0] in wanted

    return _drug_rows(store, mentions, named)


def condition_drug_items(store: Store, mentions: Iterable[tuple[int, str, str]],
                         document_ids: Iterable[int], limit: int = 10) -> list[StructuredItem]:
    """The drug-table rows among ``mentions`` listed by the pages ``document_ids`` (a condition's pages), at most
    ``limit``: what "what is the pill for X called?" asks, where the question names no medicine (see
    :func:`asks_a_medicines_name`)."""
    pages = frozenset(document_ids)
    return _drug_rows(store, mentions, lambda document_id, brand, generic: document_id in pages)[:limit]


def asks_a_medicines_name(keywords: Iterable[str], brand_names_asked: bool) -> bool:
    """Whether a question asks what a medicine is called: its type is brand names (``brand_names_asked``), or its
    words ask for a brand or generic name, or for a name and speak of a medicine ("the pill for LEMS that starts
    with F, what is it called?"; not "what is the name of this rash?")."""
    words = set(keywords)
    return brand_names_asked or not words.isdisjoint(_BRAND_WORDS) or (
        not words.isdisjoint(_NAME_WORDS) and not words.isdisjoint(_MEDICINE_WORDS))


# The question types that ask for a medicine's names, as section values (a brand-name list answers only them).
NAME_TYPES = frozenset({SectionType.BRAND_NAMES.value, SectionType.BRAND_NAMES_OF_COMBINATIONS.value})
_BRAND_WORDS = frozenset({"brand", "brands", "generic", "generics"})
_NAME_WORDS = frozenset({"name", "names", "named", "called"})
# Words that ask about a medicine's names, for the ranking too (a brand-name list answers only such a question).
NAME_WORDS = _BRAND_WORDS | _NAME_WORDS | {"sold"}
_MEDICINE_WORDS = frozenset({"drug", "drugs", "medicine", "medicines", "medication", "medications", "pill", "pills",
                             "tablet", "tablets", "capsule", "capsules"})


def _drug_rows(store: Store, mentions: Iterable[tuple[int, str, str]],
               keep: Callable[[int, str, str], bool]) -> list[StructuredItem]:
    """One item per drug-table row that ``keep`` keeps ((document id, brand, generic) of the row)."""
    chosen = [document_id for document_id, brand, generic in mentions if keep(document_id, brand, generic)]
    items: list[StructuredItem] = []
    for document in _documents(store, chosen):
        for number, row in enumerate(document.drugs, start=1):
            if keep(document.id, row.brand, row.generic):
                items.append(_item(document, "drug", number, "Brand name and generic name",
                                   {"brand": row.brand, "generic": row.generic}, _DRUG_FIELDS))
    return items
