"""The disease index as flat arrays, so that a server's workers map one copy instead of each building its own.

Linking (:mod:`healthqa.conditions._group`) runs once, at ingest or in the first process that needs it; what
the queries read afterwards is kept as arrays over document *positions* (documents sorted by id):

- the documents: ids, keys, titles, and one row of integers each (:data:`DOCUMENT_COLUMNS`): source and tier
  (indexes into small tables), rank in the trust order (tier, source, key), the record's root, and for a root
  where its members start and how many there are;
- the records: each root's members in trust order (``members[member-start[root]:][:member-count[root]]``);
- the names as the store gives them (text, kind, document), and each document's names in the store's order;
- each document's codes as "SYSTEM<US>code" strings;
- the words of the names, sorted, with the names using each (:class:`WordPrefixes`): what finds the names whose
  words begin like a text's;
- one exact string map (:class:`healthqa.mapped.StringMultimap`) from "<table><US><string>" to the positions
  carrying the string, for the tables of :data:`HOLDER_TABLES`: a document key, a name key (as title or
  focus, as synonym, shortened), an abbreviation, a code, and the specific CUIs (no positions).

Few files (each costs a start a memory mapping): one map for all tables, one matrix for the documents' integers.

What a query needs of one document beyond that (its name keys for :meth:`DiseaseIndex.link_reason`) is
recomputed from its names, which is cheap for the few documents of one record.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Final

import numpy as np

from healthqa.conditions._group import Groups, LinkDocument, link_document
from healthqa.conditions._names import key
from healthqa.mapped import StringMultimap, StringTable, plain
from healthqa.store.base import DocumentHead

TIER_RANK: Final = {"government_reviewed": 0, "reviewed_publisher": 1, "unreviewed": 2}
SPECIFIC_CUI_TITLES: Final = 3  # a CUI on more distinct titles than this is a word's CUI, not a condition's
CODE_SEPARATOR: Final = "\x1f"
HOLDER_TABLES: Final = ("by-key", "primary", "secondary", "shortened", "abbreviations", "codes", "specific")
DOCUMENT_COLUMNS: Final = ("source", "tier", "rank", "root", "member-start", "member-count")
_MULTIMAP_ARRAYS: Final = ("hashes", "starts", "values", "keys-blob", "keys-offsets")
_STRING_TABLES: Final = ("keys", "titles", "sources", "tiers", "kinds", "names", "codes")


class WordPrefixes:
    """Rows (of a table of names) by the words they contain, found by a word's beginning: a sorted vocabulary
    (``<prefix>-words-*``) and each word's rows (``<prefix>-starts``, ``<prefix>-rows``)."""

    def __init__(self, arrays: Mapping[str, np.ndarray], prefix: str) -> None:
        self._vocabulary = StringTable(arrays[f"{prefix}-words-blob"], arrays[f"{prefix}-words-offsets"])
        self._starts = plain(arrays[f"{prefix}-starts"])
        self._rows = plain(arrays[f"{prefix}-rows"])
        if len(self._starts) != len(self._vocabulary) + 1 or int(self._starts[-1]) != len(self._rows):
            raise ValueError(f"the {prefix} word arrays disagree in length")

    @staticmethod
    def pack(prefix: str, words_of_rows: Iterable[Iterable[str]]) -> dict[str, np.ndarray]:
        postings: dict[str, set[int]] = defaultdict(set)
        for row, words in enumerate(words_of_rows):
            for word in words:
                postings[word].add(row)
        vocabulary = sorted(postings)
        runs = [sorted(postings[word]) for word in vocabulary]
        starts = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum([len(run) for run in runs], out=starts[1:])
        return {**_table(f"{prefix}-words", vocabulary), f"{prefix}-starts": starts,
                f"{prefix}-rows": np.array([row for run in runs for row in run], dtype=np.int32)}

    def starting(self, beginning: str) -> set[int]:
        """The rows with a word that starts with ``beginning``."""
        found: set[int] = set()
        vocabulary, starts = self._vocabulary, self._starts
        at = bisect_left(vocabulary, beginning)
        while at < len(vocabulary) and vocabulary[at].startswith(beginning):
            found.update(self._rows[int(starts[at]):int(starts[at + 1])].tolist())
            at += 1
        return found


def name_words(name: str) -> list[str]:
    """The words of a name as :meth:`DiseaseIndex.suggestions` matches their beginnings."""
    return re.findall(r"\w+", name.casefold())


def code_key(system: str, code: str) -> str:
    return f"{system}{CODE_SEPARATOR}{code}"


def holder_key(table: str, string: str) -> str:
    return f"{table}{CODE_SEPARATOR}{string}"


def _specific_cuis(docs: Mapping[int, LinkDocument]) -> set[str]:
    titles: dict[str, set[str]] = defaultdict(set)
    for doc in docs.values():
        for code in doc.codes.get("UMLS", ()):
            titles[code].add(key(doc.head.title))
    return {code for code, found in titles.items() if len(found) <= SPECIFIC_CUI_TITLES}


def _table(prefix: str, strings: Iterable[str]) -> dict[str, np.ndarray]:
    return {f"{prefix}-{name}": array for name, array in StringTable.pack(strings).items()}


def _multimap(prefix: str, mapping: Mapping[str, Iterable[int]]) -> dict[str, np.ndarray]:
    return {f"{prefix}-{name}": array for name, array in StringMultimap.pack(mapping).items()}


def build_arrays(heads: Iterable[DocumentHead], names: Iterable[tuple[int, str, str]],
                 codes: Iterable[tuple[int, str, str]]) -> dict[str, np.ndarray]:
    """Link every document (the slow part: seconds for a full knowledge base) and lay the result out flat."""
    head_of = {head.id: head for head in heads}
    raw_names = [(doc_id, name, kind) for doc_id, name, kind in names if doc_id in head_of]
    names_of: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for doc_id, name, kind in raw_names:
        names_of[doc_id].append((name, kind))
    codes_of: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for doc_id, system, code in codes:
        if doc_id in head_of:
            codes_of[doc_id].append((system, code))
    docs = {doc_id: link_document(head, names_of.get(doc_id, ()), codes_of.get(doc_id, ()))
            for doc_id, head in head_of.items()}
    specific = _specific_cuis(docs)
    groups = Groups(docs, specific)

    ids = sorted(docs)
    position = {doc_id: at for at, doc_id in enumerate(ids)}
    heads_by_position = [docs[doc_id].head for doc_id in ids]
    trust_order = sorted(range(len(ids)), key=lambda at: (
        TIER_RANK.get(heads_by_position[at].tier, 3), heads_by_position[at].source, heads_by_position[at].key, at))
    rank = np.empty(len(ids), dtype=np.int32)
    rank[trust_order] = np.arange(len(ids), dtype=np.int32)
    root = np.array([position[groups.find(doc_id)] for doc_id in ids], dtype=np.int32)
    members = np.array(sorted(range(len(ids)), key=lambda at: (int(root[at]), int(rank[at]))), dtype=np.int32)
    member_start = np.zeros(len(ids), dtype=np.int32)
    member_count = np.zeros(len(ids), dtype=np.int32)
    for at, member in enumerate(members.tolist()):
        owner = int(root[member])
        if member_count[owner] == 0:
            member_start[owner] = at
        member_count[owner] += 1

    sources = sorted({head.source for head in heads_by_position})
    tiers = sorted({head.tier for head in heads_by_position})
    kinds = sorted({kind for _, _, kind in raw_names})
    name_doc = np.array([position[doc_id] for doc_id, _, _ in raw_names], dtype=np.int32)
    doc_names = np.argsort(name_doc, kind="stable").astype(np.int32)  # a document's names in the store's order
    doc_name_start = np.searchsorted(name_doc[doc_names], np.arange(len(ids) + 1)).astype(np.int64)
    doc_codes = [sorted(code_key(system, code) for system, found in docs[doc_id].codes.items() for code in found)
                 for doc_id in ids]
    doc_code_start = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum([len(found) for found in doc_codes], out=doc_code_start[1:])

    def positions(table: Mapping[str, set[int]]) -> dict[str, list[int]]:
        return {name_key: [position[d] for d in found] for name_key, found in table.items()}

    columns = {
        "source": [sources.index(head.source) for head in heads_by_position],
        "tier": [tiers.index(head.tier) for head in heads_by_position],
        "rank": rank, "root": root, "member-start": member_start, "member-count": member_count,
    }
    holders: dict[str, list[int]] = {}
    for table, found in (
        ("by-key", {head.key: [at] for at, head in enumerate(heads_by_position)}),
        ("primary", positions(groups.primary_holders)),
        ("secondary", positions(groups.secondary_holders)),
        ("shortened", positions(groups.shortened_holders)),
        ("abbreviations", positions(groups.abbreviation_holders)),
        ("codes", {code_key(system, code): [position[d] for d in found]
                   for (system, code), found in groups.code_holders.items()}),
        ("specific", {code: [] for code in specific}),
    ):
        holders.update({holder_key(table, string): at for string, at in found.items()})
    arrays: dict[str, np.ndarray] = {
        "doc-ids": np.array(ids, dtype=np.int64),
        "documents": np.column_stack([np.asarray(columns[c], dtype=np.int32) for c in DOCUMENT_COLUMNS])
        .reshape(len(ids), len(DOCUMENT_COLUMNS)).astype(np.int32),
        "members": members,
        "name-doc": name_doc,
        "name-kind": np.array([kinds.index(kind) for _, _, kind in raw_names], dtype=np.int8),
        "doc-names": doc_names,
        "doc-name-start": doc_name_start,
        "doc-code-start": doc_code_start,
        **_table("keys", (head.key for head in heads_by_position)),
        **_table("titles", (head.title for head in heads_by_position)),
        **_table("sources", sources),
        **_table("tiers", tiers),
        **_table("kinds", kinds),
        **_table("names", (name for _, name, _ in raw_names)),
        **_table("codes", (code for found in doc_codes for code in found)),
        **_multimap("holders", holders),
        **WordPrefixes.pack("name", (name_words(name) for _, name, _ in raw_names)),
    }
    return arrays


class DiseaseTables:
    """Read access to :func:`build_arrays`' arrays (plain or memory-mapped); checks that they fit together."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.ids = plain(arrays["doc-ids"])
        documents = plain(arrays["documents"])
        if documents.ndim != 2 or documents.shape[1] != len(DOCUMENT_COLUMNS):
            raise ValueError("the disease index's document matrix has another shape")
        column = {name: documents[:, at] for at, name in enumerate(DOCUMENT_COLUMNS)}
        self.source_of, self.tier_of, self.rank = column["source"], column["tier"], column["rank"]
        self.root, self.member_start, self.member_count = column["root"], column["member-start"], column["member-count"]
        self.members = plain(arrays["members"])
        self.name_doc = plain(arrays["name-doc"])
        self.name_kind = plain(arrays["name-kind"])
        self.doc_names = plain(arrays["doc-names"])
        self.doc_name_start = plain(arrays["doc-name-start"])
        self.doc_code_start = plain(arrays["doc-code-start"])
        tables = {name: StringTable(arrays[f"{name}-blob"], arrays[f"{name}-offsets"]) for name in _STRING_TABLES}
        self.keys, self.titles, self.names, self.codes = (tables[n] for n in ("keys", "titles", "names", "codes"))
        # A handful of strings each: read once, as Python strings.
        self.sources, self.tiers, self.kinds = (list(tables[n]) for n in ("sources", "tiers", "kinds"))
        self.holders = StringMultimap({part: arrays[f"holders-{part}"] for part in _MULTIMAP_ARRAYS})
        self.name_words = WordPrefixes(arrays, "name")
        count = len(self.ids)
        if any(len(array) != count for array in (documents, self.members, self.keys, self.titles)):
            raise ValueError("the disease index's document arrays disagree in length")
        if not len(self.name_doc) == len(self.name_kind) == len(self.doc_names) == len(self.names):
            raise ValueError("the disease index's name arrays disagree in length")
        if len(self.doc_name_start) != count + 1 or len(self.doc_code_start) != count + 1:
            raise ValueError("the disease index's per-document starts disagree with its documents")
        if int(self.doc_code_start[-1]) != len(self.codes) or int(self.doc_name_start[-1]) != len(self.names):
            raise ValueError("the disease index's per-document starts disagree with its names or codes")

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, doc_id: int) -> int:
        """The position of a document id; KeyError for an id the index does not hold."""
        at = int(np.searchsorted(self.ids, doc_id))
        if at == len(self.ids) or int(self.ids[at]) != doc_id:
            raise KeyError(doc_id)
        return at

    def contains(self, doc_id: int) -> bool:
        try:
            self.position(doc_id)
        except KeyError:
            return False
        return True

    def head(self, at: int) -> DocumentHead:
        return DocumentHead(int(self.ids[at]), self.keys[at], self.titles[at],
                            self.sources[int(self.source_of[at])], self.tiers[int(self.tier_of[at])])

    def source(self, at: int) -> str:
        return self.sources[int(self.source_of[at])]

    def member_positions(self, root: int) -> list[int]:
        start = int(self.member_start[root])
        return [int(at) for at in self.members[start:start + int(self.member_count[root])]]

    def names_of(self, at: int) -> list[tuple[str, str]]:
        """(name as written, kind) of one document, in the store's order."""
        rows = self.doc_names[int(self.doc_name_start[at]):int(self.doc_name_start[at + 1])]
        return [(self.names[int(row)], self.kinds[int(self.name_kind[row])]) for row in rows]

    def codes_of(self, at: int) -> dict[str, set[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for row in range(int(self.doc_code_start[at]), int(self.doc_code_start[at + 1])):
            system, code = self.codes[row].split(CODE_SEPARATOR, 1)
            found[system].add(code)
        return found

    def has_code(self, at: int, system: str) -> bool:
        prefix = system + CODE_SEPARATOR
        return any(self.codes[row].startswith(prefix)
                   for row in range(int(self.doc_code_start[at]), int(self.doc_code_start[at + 1])))

    def link_document(self, at: int) -> LinkDocument:
        codes = [(system, code) for system, found in self.codes_of(at).items() for code in found]
        return link_document(self.head(at), self.names_of(at), codes)

    def holds(self, table: str, string: str) -> bool:
        return holder_key(table, string) in self.holders

    def holding(self, table: str, name_key: str) -> set[int]:
        """The positions carrying ``name_key`` in ``table`` (one of :data:`HOLDER_TABLES`)."""
        found = self.holders.get(holder_key(table, name_key))
        return set() if found is None else {int(at) for at in found}
