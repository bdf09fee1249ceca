"""Grouping every document into records: the evidence, its order and the vetoes (see :mod:`healthqa.conditions._link`).

A union-find over document ids. Each group keeps what the vetoes need: its ORPHA codes, its UMLS CUIs,
and the names its documents use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from healthqa.conditions._names import (
    abbreviation,
    contains,
    inner_abbreviations,
    name_keys,
    overlaps,
    shortened_keys,
    spells,
)
from healthqa.store.base import DocumentHead

IDENTIFIER_SYSTEMS = ("ORPHA", "OMIM")


@dataclass
class LinkDocument:
    """What linking knows of one document: its names as keys, and its codes."""

    head: DocumentHead
    names: list[tuple[str, str]] = field(default_factory=list)  # (name as written, kind)
    primary: set[str] = field(default_factory=set)  # keys of the title and focus
    secondary: set[str] = field(default_factory=set)  # keys of the synonyms
    shortened: set[str] = field(default_factory=set)  # keys of the title or focus without a part in brackets
    abbreviations: set[str] = field(default_factory=set)
    codes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def link_document(head: DocumentHead, names: Iterable[tuple[str, str]],
                  codes: Iterable[tuple[str, str]]) -> LinkDocument:
    """What linking knows of a document from its (name, kind) rows and (system, code) rows, in the store's order."""
    doc = LinkDocument(head)
    for name, kind in names:
        doc.names.append((name, kind))
        if kind == "synonym":
            doc.secondary |= name_keys(name)
        else:
            doc.primary |= name_keys(name)
            doc.shortened |= shortened_keys(name)
        short = abbreviation(name)
        doc.abbreviations.update([short] if short else inner_abbreviations(name))
    doc.secondary -= doc.primary
    doc.shortened -= doc.primary | doc.secondary
    for system, code in codes:
        doc.codes[system].add(code)
    return doc


def holders(docs: dict[int, LinkDocument], attribute: str) -> dict[str, set[int]]:
    """Name key (or abbreviation) -> the documents that have it in ``attribute``."""
    table: dict[str, set[int]] = defaultdict(set)
    for doc_id, doc in docs.items():
        for name_key in getattr(doc, attribute):
            table[name_key].add(doc_id)
    return table


class Groups:
    """The records: ``find(doc_id)`` is the root document id of the document's record."""

    def __init__(self, docs: dict[int, LinkDocument], specific_cuis: set[str]) -> None:
        self._docs = docs
        self._specific = specific_cuis
        self._parent = {doc_id: doc_id for doc_id in docs}
        self._orpha = {doc_id: set(doc.codes.get("ORPHA", ())) for doc_id, doc in docs.items()}
        self._cuis = {doc_id: set(doc.codes.get("UMLS", ())) for doc_id, doc in docs.items()}
        self._primary = {doc_id: set(doc.primary) for doc_id, doc in docs.items()}
        self._named = {doc_id: doc.primary | doc.secondary for doc_id, doc in docs.items()}
        self.primary_holders = holders(docs, "primary")
        self.secondary_holders = holders(docs, "secondary")
        self.shortened_holders = holders(docs, "shortened")
        self.abbreviation_holders = holders(docs, "abbreviations")
        self.code_holders: dict[tuple[str, str], set[int]] = defaultdict(set)
        for doc_id, doc in docs.items():
            for system, codes in doc.codes.items():
                for code in codes:
                    self.code_holders[(system, code)].add(doc_id)
        self._group()

    def find(self, doc_id: int) -> int:
        root = doc_id
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[doc_id] != root:  # path compression
            self._parent[doc_id], doc_id = root, self._parent[doc_id]
        return root

    def _roots(self, doc_ids: Iterable[int]) -> set[int]:
        return {self.find(d) for d in doc_ids}

    # -- vetoes -----------------------------------------------------------------------------------

    def _different(self, first: int, second: int, soft: bool) -> bool:
        """Whether two groups are known to be different conditions (ORPHA codes; CUIs when ``soft``)."""
        a, b = self._orpha[first], self._orpha[second]
        if a and b and not a & b:
            return True
        c, d = self._cuis[first], self._cuis[second]
        return soft and bool(c) and bool(d) and not c & d

    def _join(self, doc_ids: Iterable[int], soft: bool) -> None:
        """Join the groups of ``doc_ids`` unless two of them are different conditions; then join none."""
        roots = sorted(self._roots(doc_ids))
        if len(roots) < 2:
            return
        if any(self._different(a, b, soft) for i, a in enumerate(roots) for b in roots[i + 1:]):
            return
        target = roots[0]
        for root in roots[1:]:
            self._parent[root] = target
            for table in (self._orpha, self._cuis, self._primary, self._named):
                table[target] |= table.pop(root)

    def _corroborated(self, name_key: str, named: set[int], giver: int, givers: set[int]) -> bool:
        """Whether more than one synonym says that the giver's group and the named group are one condition.

        Orphanet's synonyms are enough on their own: Orphanet records a disorder's types and parents apart
        from its synonyms. Otherwise the named group must give one of the giver's titles back, or the two
        must share a specific CUI while neither name is the other with words added: MedQuAD gives
        "sudden infant death with dysgenesis of the testes syndrome" the CUI of "sudden infant death
        syndrome" for its words.
        """
        giving = [d for d in givers if self.find(d) == giver]
        if any(self._docs[d].codes.get("ORPHA") for d in giving):
            return True
        if any(self._named[root] & self._primary[giver] for root in named):
            return True
        shared = self._cuis[giver] & self._specific
        related = any(overlaps(name_key, own) for d in giving for own in self._docs[d].primary)
        return not related and any(shared & self._cuis[root] for root in named)

    def _umbrellas(self) -> set[int]:
        """Documents whose synonyms name two or more other conditions: those synonyms are types or relatives.

        ("Diabetes" gives "Type 1 diabetes" and "Type 2 diabetes"; GARD's "Charcot-Marie-Tooth disease"
        gives each type's name.) A condition known to be different does not count: a wrong synonym is no
        sign of an umbrella.
        """
        found: set[int] = set()
        for doc_id, doc in self._docs.items():
            own = self.find(doc_id)
            targets = self._roots(d for k in doc.secondary for d in self.primary_holders.get(k, ())) - {own}
            if sum(not self._different(own, target, soft=True) for target in targets) >= 2:
                found.add(doc_id)
        return found

    def _givers(self, name_key: str, umbrellas: set[int]) -> set[int]:
        """The documents giving ``name_key`` as a synonym, less umbrellas and those naming a type or parent."""
        return {
            d for d in self.secondary_holders.get(name_key, set()) - umbrellas
            if not any(contains(name_key, own) or contains(own, name_key) for own in self._docs[d].primary)
        }

    # -- evidence, strongest first ----------------------------------------------------------------

    def _group(self) -> None:
        def by_specificity(table: dict[str, set[int]]) -> list[str]:
            return sorted(table, key=lambda k: (len(table[k]), k))

        for (system, _code), doc_ids in sorted(self.code_holders.items()):
            if system in IDENTIFIER_SYSTEMS:
                self._join(doc_ids, soft=False)
        for name_key in by_specificity(self.primary_holders):
            self._join(self.primary_holders[name_key], soft=False)
        umbrellas = self._umbrellas()
        synonyms = by_specificity(self.secondary_holders)
        for name_key in [k for k in synonyms if k in self.primary_holders]:
            named_docs = self.primary_holders[name_key]
            givers = self._givers(name_key, umbrellas)
            named = self._roots(named_docs)
            others = self._roots(givers) - named
            # One group giving the name as a synonym; several give a group's name ("Charcot-Marie-Tooth
            # disease" on each of its types).
            if len(others) == 1 and self._corroborated(name_key, named, next(iter(others)), givers):
                self._join(named_docs | givers, soft=True)
        for name_key in [k for k in synonyms if k not in self.primary_holders]:
            givers = self._givers(name_key, umbrellas)
            roots = sorted(self._roots(givers))
            if len(roots) == 2 and self._cuis[roots[0]] & self._cuis[roots[1]] & self._specific:
                self._join(givers, soft=True)
        for name_key in by_specificity(self.shortened_holders):
            named_docs = self.primary_holders.get(name_key, set())
            givers = self.shortened_holders[name_key] - umbrellas
            if named_docs and len(self._roots(givers) - self._roots(named_docs)) == 1:
                self._join(named_docs | givers, soft=True)
        for short in by_specificity(self.abbreviation_holders):
            doc_ids = self.abbreviation_holders[short] - umbrellas
            if len(self._roots(doc_ids)) == 2 and self._expands_alike(short, doc_ids):
                self._join(doc_ids, soft=True)

    def _expands_alike(self, short: str, doc_ids: set[int]) -> bool:
        """Whether one full name spelled by ``short`` is a name of every document carrying it."""
        common: set[str] | None = None
        for doc_id in doc_ids:
            doc = self._docs[doc_id]
            full = {k for k in doc.primary | doc.secondary if spells(short, k)}
            common = full if common is None else common & full
            if not common:
                return False
        return bool(common)
