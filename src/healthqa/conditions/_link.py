"""Which documents, from every source, speak of one condition.

Every document of the knowledge base is put in exactly one group (a *record*) by evidence, strongest first:

1. a shared disorder identifier: an ORPHA or OMIM code;
2. the same full name as both documents' title or focus ("Lambert-Eaton myasthenic syndrome"), compared
   as keys (see :mod:`healthqa.conditions._names`);
3. one document's title or focus given as a synonym by the other, or as its own name without a part in
   brackets ("Collapsed lung (pneumothorax)" -> "Collapsed lung");
4. a synonym that exactly two groups give, when they also share a specific CUI;
5. an abbreviation that exactly two groups carry, when every document carrying it spells it out with the
   same full name (a page's "LES" is "Lambert-Eaton syndrome", GARD's "Achalasia" has "LES" too: it links
   nothing, and as a reference it is ambiguous).

Sources' synonym lists are not clean: GARD lists "Congenital myasthenic syndrome" among the synonyms of
Lambert-Eaton myasthenic syndrome and the reverse, a parent condition lists its types ("Diabetes": "Type
1 diabetes", "Type 2 diabetes"), a type lists its parent. So a link is refused when

* the two groups are known to be different conditions: they carry different ORPHA codes (Orphanet's
  disorders are distinct by definition), or, for the links of steps 3-5, disjoint sets of UMLS CUIs;
* the synonym contains the giver's own name or is contained in it ("Early-onset autosomal dominant
  Alzheimer disease" given by "Alzheimer disease"): it names a type or a parent;
* the giver is an *umbrella*: its synonyms name two or more other conditions;
* the name would join groups of which any two are different conditions, or is given as a synonym by
  several groups (a group's name): the name is ambiguous, and it links nothing;
* a synonym link is not corroborated: unless the synonym is Orphanet's (Orphanet records types and
  parents apart from synonyms), the named group must give one of the giver's titles back, or both must
  share a specific CUI while neither name is the other with words added.

UMLS CUIs never link on their own: MedQuAD annotates CUIs per word of the focus (C0039082 "Syndrome" is on
269 topics, and "Crigler-Najjar syndrome" shares its CUI with its type 1), so a shared CUI does not show
that two documents are about the same condition; disjoint CUI sets do show different concepts. A CUI is
*specific*, and shown in a record, when the documents carrying it have at most three different titles.
"""

from __future__ import annotations

import functools
import re
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from healthqa.conditions._group import IDENTIFIER_SYSTEMS, LinkDocument
from healthqa.conditions._names import abbreviation, key, name_keys, shortened_keys
from healthqa.conditions._tables import DiseaseTables, build_arrays, code_key, name_words
from healthqa.errors import HealthQAError, NotFoundError
from healthqa.records import DRUG_SOURCES
from healthqa.retrieve.derived import mapped_part
from healthqa.store.base import DocumentHead, Store
from healthqa.understand import NameIndex

SHOWN_SYSTEMS = ("ORPHA", "OMIM", "UMLS")
_MAX_CANDIDATES = 8
# Part of each knowledge-base generation's derived files (healthqa.retrieve.derived); raise the version when
# what the arrays hold or mean changes.
PART = "diseases"
PART_VERSION = 4
_MATCHER = "matcher-"
_CODE_REF = re.compile(r"^\s*(ORPHA(?:NET)?|OMIM|UMLS)\s*[:_ ]\s*([A-Za-z0-9.]+)\s*$", re.IGNORECASE)
_CUI_REF = re.compile(r"^\s*(C\d{7})\s*$")


@dataclass(frozen=True)
class Candidate:
    """A record a reference may have meant: its name and a reference that resolves to it alone."""

    name: str
    ref: str
    sources: list[str] = field(default_factory=list)
    documents: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ref": self.ref, "sources": self.sources, "documents": self.documents}


class ConditionNotFoundError(HealthQAError):
    """No record answers the reference; ``candidates`` are close names (possibly none).

    Not a :class:`~healthqa.errors.StoreError`: the knowledge base is fine, the name fits no condition.
    """

    def __init__(self, ref: str, reason: str, candidates: list[Candidate] | None = None) -> None:
        self.ref = ref
        self.candidates = candidates or []
        message = f"{ref!r}: {reason}"
        if self.candidates:
            message += "; did you mean: " + "; ".join(f"{c.name} ({c.ref})" for c in self.candidates)
        super().__init__(message)


class AmbiguousConditionError(ConditionNotFoundError):
    """The reference names several different conditions; ``candidates`` lists them."""


class DiseaseIndex:
    """Every document of a store grouped into records; built once, then queried (see module docstring).

    Held as flat arrays (:mod:`healthqa.conditions._tables`): built here from the store's rows, or mapped from
    the generation's derived files (:meth:`load`), with the same answers either way.
    """

    def __init__(self, heads: Iterable[DocumentHead], names: Iterable[tuple[int, str, str]],
                 codes: Iterable[tuple[int, str, str]]) -> None:
        self._attach(build_arrays(heads, names, codes))

    def _attach(self, arrays: Mapping[str, np.ndarray]) -> None:
        # Fixed once built: reading never writes (but for the lazily made name matcher, under its lock), so
        # one index serves many threads.
        self._tables = DiseaseTables(arrays)
        self._records = int(np.count_nonzero(self._tables.member_count))
        self._name_index: NameIndex | None = None
        self._name_index_lock = threading.Lock()
        # A record's link reasons compare each of its documents with every other: k * k rebuilt link documents
        # without this (lru_cache is thread-safe).
        self._link_document = functools.lru_cache(maxsize=1024)(self._tables.link_document)

    @classmethod
    def from_store(cls, store: Store) -> DiseaseIndex:
        """Built in memory from the store's rows (seconds for a full knowledge base)."""
        return cls(store.iter_document_heads(), store.iter_names(), store.iter_codes())

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> DiseaseIndex:
        """The index held by :meth:`arrays` (plain or memory-mapped); ValueError or KeyError when they do not
        fit together."""
        index = cls.__new__(cls)
        index._attach(arrays)
        return index

    def arrays(self) -> dict[str, np.ndarray]:
        """The flat arrays this index reads, by name (see :mod:`healthqa.conditions._tables`)."""
        return dict(self._tables.arrays)

    @classmethod
    def load(cls, store: Store) -> DiseaseIndex:
        """The index of the store's current generation: mapped from its derived files (built there first, under
        their lock, by the first process that finds them missing), else built in memory (switched off with
        ``HEALTHQA_DERIVED=off``, an in-memory database, a folder that cannot be written)."""
        def build() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
            index = cls.from_store(store)
            # The typo-tolerant name matcher too: built in a worker it costs seconds and hundreds of MiB.
            matcher, matcher_extra = index._name_matcher().arrays()
            arrays = {**index.arrays(), **{_MATCHER + name: array for name, array in matcher.items()}}
            return arrays, {"documents": len(index._tables), "matcher": matcher_extra}

        def read(arrays: Mapping[str, np.ndarray], manifest: dict[str, Any]) -> DiseaseIndex:
            index = cls.from_arrays({name: array for name, array in arrays.items() if not name.startswith(_MATCHER)})
            if len(index._tables) != manifest["documents"]:
                raise ValueError("the disease index's document count is not its manifest's")
            index._name_index = NameIndex.from_arrays(
                {name[len(_MATCHER):]: array for name, array in arrays.items() if name.startswith(_MATCHER)},
                manifest["matcher"],
            )
            return index

        mapped = mapped_part(store, PART, build, read, version=PART_VERSION)
        return mapped if mapped is not None else cls.from_store(store)

    def __len__(self) -> int:
        return self._records

    def _id(self, at: int) -> int:
        return int(self._tables.ids[at])

    def _root(self, at: int) -> int:
        return int(self._tables.root[at])

    def _find(self, doc_id: int) -> int:
        return self._id(self._root(self._tables.position(doc_id)))

    def _by_trust(self, positions: Iterable[int]) -> list[int]:
        """Positions, most trusted source first (tier, source, key)."""
        rank = self._tables.rank
        return sorted(set(positions), key=lambda at: int(rank[at]))

    def _roots(self, positions: Iterable[int]) -> list[int]:
        """The record ids of ``positions``, in the order of their most trusted document."""
        return list(dict.fromkeys(self._id(self._root(at)) for at in self._by_trust(positions)))

    def _member_positions(self, record: int) -> list[int]:
        return self._tables.member_positions(self._root(self._tables.position(record)))

    # -- reading ----------------------------------------------------------------------------------

    def record_of(self, doc_id: int) -> int:
        """The record (its root document id) that a document belongs to."""
        return self._find(doc_id)

    def members(self, record: int) -> list[int]:
        """The documents of a record, most trusted source first."""
        return [self._id(at) for at in self._member_positions(record)]

    def head(self, doc_id: int) -> DocumentHead:
        return self._tables.head(self._tables.position(doc_id))

    @functools.cached_property
    def drug_names(self) -> list[str]:
        """Titles of the drug and supplement monographs (MedlinePlus), the treatments the comparison knows."""
        tables = self._tables
        drugs = [number for number, source in enumerate(tables.sources) if source in DRUG_SOURCES]
        return sorted({tables.titles[int(at)] for at in np.flatnonzero(np.isin(tables.source_of, drugs))})

    def names_of(self, record: int) -> list[str]:
        """Every title, focus and synonym of the record's documents."""
        return sorted({name for at in self._member_positions(record) for name, _ in self._tables.names_of(at)})

    def is_specific(self, system: str, code: str) -> bool:
        """Whether a code identifies a condition: ORPHA and OMIM always, UMLS CUIs when specific."""
        return system != "UMLS" or self._tables.holds("specific", code)

    def canonical_name(self, record: int) -> str:
        """Orphanet's label when Orphanet is among the sources, else the title most documents use."""
        tables = self._tables
        members = self._member_positions(record)
        for at in members:
            if tables.has_code(at, "ORPHA"):
                return tables.titles[at]
        counts: Counter[str] = Counter()
        spelled: dict[str, str] = {}  # key -> its first spelling, most trusted source first
        for at in members:
            own = {key(name): name for name, kind in reversed(tables.names_of(at)) if kind != "synonym"}
            counts.update(own.keys())
            for name_key, name in own.items():
                spelled.setdefault(name_key, name)
        if not counts:
            return tables.titles[members[0]]
        order = list(spelled)
        return spelled[max(counts, key=lambda k: (counts[k], -order.index(k)))]

    def candidate(self, record: int) -> Candidate:
        tables = self._tables
        members = self._member_positions(record)
        ref = tables.keys[members[0]]
        for at in members:
            orpha = sorted(tables.codes_of(at).get("ORPHA", ()))
            if orpha:
                ref = f"ORPHA:{orpha[0]}"
                break
        sources = sorted({tables.source(at) for at in members})
        return Candidate(self.canonical_name(record), ref, sources, len(members))

    def link_reason(self, doc_id: int) -> str:
        """Why a document is in its record: the strongest evidence it shares with another member."""
        tables = self._tables
        at = tables.position(doc_id)
        doc = self._link_document(at)
        others = [self._link_document(other) for other in self._member_positions(doc_id) if other != at]
        if not others:
            return "the only document about it"
        for system in IDENTIFIER_SYSTEMS:
            for code in sorted(doc.codes.get(system, ())):
                if any(code in other.codes.get(system, ()) for other in others):
                    return f"code {system}:{code}"
        tests: list[tuple[str, Callable[[LinkDocument], set[str]]]] = [
            ("same name", lambda d: d.primary),
            ("name given as a synonym", lambda d: d.primary | d.secondary),
            ("name without the part in brackets", lambda d: d.primary | d.shortened),
        ]
        for label, keys_of in tests:
            for name, _kind in doc.names:
                keys = (name_keys(name) | shortened_keys(name)) & keys_of(doc)
                if any(keys & keys_of(other) for other in others):
                    return f"{label}: {name}"
        for short in sorted(doc.abbreviations):
            if any(short in other.abbreviations for other in others):
                return f"abbreviation: {short}"
        return "linked through other documents"

    def records_named(self, name: str, exclude: int | None = None) -> list[Candidate]:
        """Records whose documents have ``name`` as their title or focus (any name, for an abbreviation)."""
        short = abbreviation(name)
        if short:
            holders = self._tables.holding("abbreviations", short)
        else:
            holders = {at for k in name_keys(name) for at in self._tables.holding("primary", k)}
        excluded = self._find(exclude) if exclude is not None else None
        return [self.candidate(root) for root in self._roots(holders) if root != excluded]

    # -- resolving a reference --------------------------------------------------------------------

    def resolve(self, ref: str, store: Store | None = None) -> int:
        """The record meant by ``ref``: a code ("ORPHA:43393"), a document key or id, a passage id, or a name.

        Raises :class:`ConditionNotFoundError` (with close names as candidates) or
        :class:`AmbiguousConditionError` (with the records the reference may mean).
        """
        text = " ".join(ref.split())
        if not text:
            raise ConditionNotFoundError(ref, "give the name of a condition, a code or a document key")
        code = _CODE_REF.match(text) or _CUI_REF.match(text)
        if code:
            system = code.group(1).upper() if code.re is _CODE_REF else "UMLS"
            system = "ORPHA" if system.startswith("ORPHA") else system
            value = code.group(2) if code.re is _CODE_REF else code.group(1)
            value = value.upper() if system == "UMLS" else value
            return self._one(ref, self._tables.holding("codes", code_key(system, value)),
                             f"no document carries the code {system}:{value}")
        by_key = self._tables.holding("by-key", text)
        if by_key:
            return self._roots(by_key)[0]
        if text.isascii() and text.isdigit() and self._tables.contains(int(text)):
            return self._find(int(text))
        if store is not None and " " not in text:
            try:
                return self._find(store.passage(text).document_id)
            except NotFoundError:
                pass  # not a passage id: try it as a name
        holders = self._named(name_keys(text))
        for short in (abbreviation(text), abbreviation(text.upper())):
            holders = holders or self._tables.holding("abbreviations", short or "")
        if holders:
            return self._one(ref, holders, "")
        raise ConditionNotFoundError(ref, "no condition by this name in the knowledge base", self.suggestions(text))

    def _named(self, keys: set[str]) -> set[int]:
        """The positions of documents with one of ``keys`` as title or focus; else as a synonym; else as a
        shortened name."""
        for table in ("primary", "secondary", "shortened"):
            found = {at for k in keys for at in self._tables.holding(table, k)}
            if found:
                return found
        return set()

    def _one(self, ref: str, holders: set[int], missing: str) -> int:
        if not holders:
            raise ConditionNotFoundError(ref, missing)
        roots = self._roots(holders)
        if len(roots) > 1:
            raise AmbiguousConditionError(
                ref, f"names {len(roots)} different conditions; give one of their references",
                [self.candidate(root) for root in roots[:_MAX_CANDIDATES]],
            )
        return roots[0]

    def _names_as_rows(self) -> list[tuple[int, str, str]]:
        """(document id, name, kind) of every name, in the store's order."""
        tables = self._tables
        ids = tables.ids[tables.name_doc].tolist()
        kinds = [tables.kinds[kind] for kind in tables.name_kind.tolist()]
        return list(zip(ids, tables.names, kinds, strict=True))

    def _name_matcher(self) -> NameIndex:
        """The typo-tolerant name matcher, made on first use (hundreds of milliseconds and tens of MiB for a full
        knowledge base: most workers never need it) by one thread while the others wait."""
        with self._name_index_lock:
            if self._name_index is None:
                self._name_index = NameIndex(self._names_as_rows())
            return self._name_index

    def suggestions(self, text: str) -> list[Candidate]:
        """Records with names close to ``text``: the names it mentions, typos allowed (as questions are read)."""
        matcher = self._name_index or self._name_matcher()
        roots: dict[int, None] = {}
        for match in matcher.find(text):
            short = abbreviation(match.name)
            found = self._named(name_keys(match.name)) or self._tables.holding("abbreviations", short or "")
            for root in self._roots(found):
                roots.setdefault(root)
        for doc_id in self._prefixed(text):
            roots.setdefault(self._find(doc_id))
        return [self.candidate(root) for root in list(roots)[:_MAX_CANDIDATES]]

    def _prefixed(self, text: str) -> list[int]:
        """The documents with a name (title, focus or synonym) each of whose words begins one of the name's
        words: "lambert" finds "Lambert-Eaton myasthenic syndrome" and "Eaton-Lambert syndrome". Words of fewer
        than three letters are left out of ``text``; shorter names, then more trusted sources, first."""
        wanted = [w for w in name_words(text) if len(w) >= 3]
        if not wanted:
            return []
        rows: set[int] | None = None
        for beginning in wanted:
            starting = self._tables.name_words.starting(beginning)
            rows = starting if rows is None else rows & starting
            if not rows:
                return []
        tables = self._tables
        found: dict[int, int] = {}
        for row in rows or ():
            at, length = int(tables.name_doc[row]), len(tables.names[row])
            found[at] = min(found.get(at, length), length)
        rank = tables.rank
        return [self._id(at) for at in sorted(found, key=lambda at: (found[at], int(rank[at])))]


_INDEXES: weakref.WeakKeyDictionary[Any, DiseaseIndex] = weakref.WeakKeyDictionary()


def index_for(store: Store) -> DiseaseIndex:
    """The store's disease index (:meth:`DiseaseIndex.load`: mapped, or built), kept while the store object lives.

    Documents ingested through the same store object afterwards are not in it: load a new
    :class:`DiseaseIndex` (``DiseaseIndex.load``) after an ingest.
    """
    index = _INDEXES.get(store)
    if index is None:
        index = _INDEXES[store] = DiseaseIndex.load(store)
    return index
