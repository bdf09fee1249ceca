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
import weakref
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from healthqa.conditions._group import IDENTIFIER_SYSTEMS, Groups, LinkDocument
from healthqa.conditions._names import abbreviation, inner_abbreviations, key, name_keys, shortened_keys
from healthqa.errors import HealthQAError, NotFoundError
from healthqa.store.base import DocumentHead, Store
from healthqa.understand import NameIndex

SHOWN_SYSTEMS = ("ORPHA", "OMIM", "UMLS")
_TIER_RANK = {"government_reviewed": 0, "reviewed_publisher": 1, "unreviewed": 2}
_SPECIFIC_CUI_TITLES = 3  # a CUI on more distinct titles than this is a word's CUI, not a condition's
_MAX_CANDIDATES = 8
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


# The sources whose documents are drugs and supplements, not conditions (MedQuAD collections 11 and 12).
DRUG_SOURCES = frozenset({"MedlinePlus Drug Information", "MedlinePlus Herbs and Supplements"})


class DiseaseIndex:
    """Every document of a store grouped into records; built once, then queried (see module docstring)."""

    def __init__(self, heads: Iterable[DocumentHead], names: Iterable[tuple[int, str, str]],
                 codes: Iterable[tuple[int, str, str]]) -> None:
        self._docs: dict[int, LinkDocument] = {head.id: LinkDocument(head) for head in heads}
        self._by_key = {doc.head.key: doc_id for doc_id, doc in self._docs.items()}
        self._raw_names: list[tuple[int, str, str]] = []
        for doc_id, name, kind in names:
            doc = self._docs.get(doc_id)
            if doc is None:
                continue
            self._raw_names.append((doc_id, name, kind))
            doc.names.append((name, kind))
            if kind == "synonym":
                doc.secondary |= name_keys(name)
            else:
                doc.primary |= name_keys(name)
                doc.shortened |= shortened_keys(name)
            short = abbreviation(name)
            doc.abbreviations.update([short] if short else inner_abbreviations(name))
        for doc in self._docs.values():
            doc.secondary -= doc.primary
            doc.shortened -= doc.primary | doc.secondary
        for doc_id, system, code in codes:
            if doc_id in self._docs:
                self._docs[doc_id].codes[system].add(code)
        self._specific = self._specific_cuis()
        self._groups = Groups(self._docs, self._specific)
        # Fixed once grouped: reading never writes, so one index serves many threads.
        self._root = {doc_id: self._groups.find(doc_id) for doc_id in self._docs}
        self._members: dict[int, list[int]] = defaultdict(list)
        for doc_id, root in self._root.items():
            self._members[root].append(doc_id)
        for members in self._members.values():
            members.sort(key=self._order)
        self._name_index: NameIndex | None = None

    @classmethod
    def from_store(cls, store: Store) -> DiseaseIndex:
        return cls(store.iter_document_heads(), store.iter_names(), store.iter_codes())

    def __len__(self) -> int:
        return len(self._members)

    def _specific_cuis(self) -> set[str]:
        titles: dict[str, set[str]] = defaultdict(set)
        for doc in self._docs.values():
            for code in doc.codes.get("UMLS", ()):
                titles[code].add(key(doc.head.title))
        return {code for code, found in titles.items() if len(found) <= _SPECIFIC_CUI_TITLES}

    def _find(self, doc_id: int) -> int:
        return self._root[doc_id]

    # -- reading ----------------------------------------------------------------------------------

    def _order(self, doc_id: int) -> tuple[int, str, str]:
        head = self._docs[doc_id].head
        return (_TIER_RANK.get(head.tier, 3), head.source, head.key)

    def record_of(self, doc_id: int) -> int:
        """The record (its root document id) that a document belongs to."""
        return self._find(doc_id)

    def members(self, record: int) -> list[int]:
        """The documents of a record, most trusted source first."""
        return list(self._members[self._find(record)])

    def head(self, doc_id: int) -> DocumentHead:
        return self._docs[doc_id].head

    @functools.cached_property
    def drug_names(self) -> list[str]:
        """Titles of the drug and supplement monographs (MedlinePlus), the treatments the comparison knows."""
        return sorted({doc.head.title for doc in self._docs.values() if doc.head.source in DRUG_SOURCES})

    def names_of(self, record: int) -> list[str]:
        """Every title, focus and synonym of the record's documents."""
        return sorted({name for doc_id in self.members(record) for name, _ in self._docs[doc_id].names})

    def is_specific(self, system: str, code: str) -> bool:
        """Whether a code identifies a condition: ORPHA and OMIM always, UMLS CUIs when specific."""
        return system != "UMLS" or code in self._specific

    def canonical_name(self, record: int) -> str:
        """Orphanet's label when Orphanet is among the sources, else the title most documents use."""
        members = self.members(record)
        for doc_id in members:
            if self._docs[doc_id].codes.get("ORPHA"):
                return self._docs[doc_id].head.title
        counts: Counter[str] = Counter()
        spelled: dict[str, str] = {}  # key -> its first spelling, most trusted source first
        for doc_id in members:
            own = {key(name): name for name, kind in reversed(self._docs[doc_id].names) if kind != "synonym"}
            counts.update(own.keys())
            for name_key, name in own.items():
                spelled.setdefault(name_key, name)
        if not counts:
            return self._docs[members[0]].head.title
        order = list(spelled)
        return spelled[max(counts, key=lambda k: (counts[k], -order.index(k)))]

    def candidate(self, record: int) -> Candidate:
        members = self.members(record)
        ref = self._docs[members[0]].head.key
        for doc_id in members:
            orpha = sorted(self._docs[doc_id].codes.get("ORPHA", ()))
            if orpha:
                ref = f"ORPHA:{orpha[0]}"
                break
        sources = sorted({self._docs[d].head.source for d in members})
        return Candidate(self.canonical_name(record), ref, sources, len(members))

    def link_reason(self, doc_id: int) -> str:
        """Why a document is in its record: the strongest evidence it shares with another member."""
        doc = self._docs[doc_id]
        others = [self._docs[d] for d in self.members(doc_id) if d != doc_id]
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
            holders = self._groups.abbreviation_holders.get(short, set())
        else:
            holders = {d for k in name_keys(name) for d in self._groups.primary_holders.get(k, ())}
        roots = dict.fromkeys(self._find(d) for d in sorted(holders, key=self._order))
        excluded = self._find(exclude) if exclude is not None else None
        return [self.candidate(root) for root in roots if root != excluded]

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
            return self._one(ref, self._groups.code_holders.get((system, value), set()),
                             f"no document carries the code {system}:{value}")
        if text in self._by_key:
            return self._find(self._by_key[text])
        if text.isascii() and text.isdigit() and int(text) in self._docs:
            return self._find(int(text))
        if store is not None and " " not in text:
            try:
                return self._find(store.passage(text).document_id)
            except NotFoundError:
                pass  # not a passage id: try it as a name
        holders = self._named(name_keys(text))
        for short in (abbreviation(text), abbreviation(text.upper())):
            holders = holders or set(self._groups.abbreviation_holders.get(short or "", ()))
        if holders:
            return self._one(ref, holders, "")
        raise ConditionNotFoundError(ref, "no condition by this name in the knowledge base", self.suggestions(text))

    def _named(self, keys: set[str]) -> set[int]:
        """The documents with one of ``keys`` as title or focus; else as a synonym; else as a shortened name."""
        groups = self._groups
        for table in (groups.primary_holders, groups.secondary_holders, groups.shortened_holders):
            found = {d for k in keys for d in table.get(k, ())}
            if found:
                return found
        return set()

    def _one(self, ref: str, holders: set[int], missing: str) -> int:
        if not holders:
            raise ConditionNotFoundError(ref, missing)
        roots = list(dict.fromkeys(self._find(d) for d in sorted(holders, key=self._order)))
        if len(roots) > 1:
            raise AmbiguousConditionError(
                ref, f"names {len(roots)} different conditions; give one of their references",
                [self.candidate(root) for root in roots[:_MAX_CANDIDATES]],
            )
        return roots[0]

    def suggestions(self, text: str) -> list[Candidate]:
        """Records with names close to ``text``: the names it mentions, typos allowed (as questions are read)."""
        if self._name_index is None:
            self._name_index = NameIndex(self._raw_names)
        roots: dict[int, None] = {}
        for match in self._name_index.find(text):
            short = abbreviation(match.name)
            found = self._named(name_keys(match.name)) or set(self._groups.abbreviation_holders.get(short or "", ()))
            for doc_id in sorted(found, key=self._order):
                roots.setdefault(self._find(doc_id))
        for doc_id in self._prefixed(text):
            roots.setdefault(self._find(doc_id))
        return [self.candidate(root) for root in list(roots)[:_MAX_CANDIDATES]]

    def _prefixed(self, text: str) -> list[int]:
        """The documents with a name (title, focus or synonym) each of whose words begins one of the name's
        words: "lambert" finds "Lambert-Eaton myasthenic syndrome" and "Eaton-Lambert syndrome". Words of fewer
        than three letters are left out of ``text``; shorter names, then more trusted sources, first."""
        wanted = [w for w in re.findall(r"\w+", text.casefold()) if len(w) >= 3]
        if not wanted:
            return []
        found: dict[int, int] = {}
        for doc_id, length, words in self._name_words:
            if all(any(word.startswith(w) for word in words) for w in wanted):
                found[doc_id] = min(found.get(doc_id, length), length)
        return sorted(found, key=lambda d: (found[d], self._order(d)))

    @functools.cached_property
    def _name_words(self) -> list[tuple[int, int, tuple[str, ...]]]:
        """(document id, length, words) of every name, for :meth:`_prefixed` (built on its first use)."""
        return [(doc_id, len(name), tuple(re.findall(r"\w+", name.casefold())))
                for doc_id, name, _kind in self._raw_names]


_INDEXES: weakref.WeakKeyDictionary[Any, DiseaseIndex] = weakref.WeakKeyDictionary()


def index_for(store: Store) -> DiseaseIndex:
    """The store's disease index, built on first use and kept while the store object lives.

    Documents ingested through the same store object afterwards are not in it: build a new
    :class:`DiseaseIndex` (``DiseaseIndex.from_store``) after an ingest.
    """
    index = _INDEXES.get(store)
    if index is None:
        index = _INDEXES[store] = DiseaseIndex.from_store(store)
    return index
