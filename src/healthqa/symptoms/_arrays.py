"""The symptom index as flat arrays, so that it is built once per knowledge-base generation and memory-mapped
by every process (:func:`healthqa.retrieve.derived.mapped_part`) instead of being built by each.

Building reads HPO's annotations file (hundreds of MiB of Python objects per process) and merges it with
Orphanet's features; what the scorer then needs is a few arrays: the disorders, their (feature, frequency)
rows, the features' ancestors as a sparse matrix and the information content of each term. Those arrays,
plus the strings shown on a result page (labels, parent groups, each feature's sources), are what
:func:`index_arrays` returns and :class:`IndexArrays` reads back, plain or memory-mapped alike: the index
built in memory goes through the same arrays, so the two cannot rank differently.

The urgency statements (a few sentences per marked disorder) travel as JSON in the part's manifest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, overload

import numpy as np
from scipy import sparse

from healthqa.mapped import StringTable
from healthqa.symptoms._tables import KeyList, SortedKeys, Texts
from healthqa.symptoms.hpo import PHENOTYPIC_ABNORMALITY, ROOT, HPOIndex
from healthqa.symptoms.knowledge import (
    DEFINITION,
    DESCRIBED_FREQUENCY,
    ORPHANET,
    HpoaAnnotation,
    merge_features,
)
from healthqa.symptoms.urgency import UrgencyStatement

DEFAULT_FREQUENCY = 0.5  # a feature no source gives a frequency for
PART_VERSION = 2  # bump when the arrays below change meaning or layout
_TEXTS = ("orpha", "label", "parent-code", "parent-label", "source")


class DisorderRecord(Protocol):
    """What the build reads of a disorder (:class:`healthqa.symptoms.index.Disorder`)."""

    @property
    def document_id(self) -> int: ...

    @property
    def orpha(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def omim(self) -> tuple[str, ...]: ...

    @property
    def parents(self) -> tuple[tuple[str, str], ...]: ...


def _texts(name: str, strings: Sequence[str]) -> dict[str, np.ndarray]:
    return {f"{name}-{key}": value for key, value in StringTable.pack(strings).items()}


def _starts(lengths: Sequence[int]) -> np.ndarray:
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    if lengths:
        np.cumsum(lengths, out=starts[1:])
    return starts


def index_arrays(
    disorders: Sequence[DisorderRecord],
    orphanet: Mapping[int, Sequence[tuple[str, float | None]]],
    hpo: HPOIndex,
    hpoa: Mapping[str, Sequence[HpoaAnnotation]] | None,
    described: Mapping[int, Sequence[str]] | None = None,
) -> dict[str, np.ndarray]:
    """The arrays of the index over ``disorders`` (:class:`healthqa.symptoms.index.Disorder`): their features
    merged (:func:`~healthqa.symptoms.knowledge.merge_features`), resolved to current HPO ids, the root and
    "Phenotypic abnormality" and excluded or unknown ids left out; a disorder left without features is left out.
    ``described``: the terms each disorder's definition names (by document id)."""
    kept: list[tuple[DisorderRecord, dict[str, float], dict[str, tuple[str, ...]], set[str]]] = []
    for disorder in sorted(disorders, key=lambda d: d.document_id):
        own = orphanet.get(disorder.document_id, ())
        merged = merge_features(disorder.orpha, own, disorder.omim if hpoa else (), hpoa or {},
                                (described or {}).get(disorder.document_id, ()))
        features: dict[str, float] = {}
        sources: dict[str, tuple[str, ...]] = {}
        unknown: set[str] = set()  # features whose frequency no source gives
        for feature in merged:
            term = hpo.resolve(feature.hpo_id)
            if feature.excluded or term is None or term in (ROOT, PHENOTYPIC_ABNORMALITY):
                continue  # excluded features are not features; unknown ids cannot be scored
            value = DEFAULT_FREQUENCY if feature.frequency is None else feature.frequency
            if feature.sources == (DEFINITION,):
                value = DESCRIBED_FREQUENCY  # named by the definition alone: weak evidence, no frequency
            if value > features.get(term, 0.0):
                features[term] = value
                if feature.frequency is None:
                    unknown.add(term)
                else:
                    unknown.discard(term)
            sources[term] = tuple(dict.fromkeys((*sources.get(term, ()), *feature.sources)))
        if features:
            kept.append((disorder, features, sources, unknown))
    terms = sorted({t for _, features, _, _ in kept for t in features})
    term_index = {t: i for i, t in enumerate(terms)}
    universe = sorted({a for t in terms for a in hpo.ancestors(t)})
    universe_index = {t: i for i, t in enumerate(universe)}
    rows, cols = [], []
    for i, term in enumerate(terms):  # annotated term x ancestor (self included)
        for ancestor in hpo.ancestors(term):
            rows.append(i)
            cols.append(universe_index[ancestor])
    ancestor_matrix = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(terms), len(universe)))
    ancestor_matrix.sum_duplicates()  # canonical (sorted) once here: a mapped matrix cannot be sorted in place
    d_rows: list[int] = []
    d_cols: list[int] = []
    d_vals: list[float] = []
    d_unknown: list[bool] = []
    labels: list[tuple[str, ...]] = []
    recorded_order: list[int] = []  # each disorder's rows in the order its features were merged
    for d, (_, features, sources, unknown) in enumerate(kept):
        by_term = sorted(features)
        rank = {term: len(d_rows) + i for i, term in enumerate(by_term)}
        recorded_order.extend(rank[term] for term in features)
        for term, frequency in sorted(features.items()):
            d_rows.append(d)
            d_cols.append(term_index[term])
            d_vals.append(frequency)
            d_unknown.append(term in unknown)
            labels.append(sources.get(term, ()))
    presence = sparse.csr_matrix((np.ones(len(d_rows)), (d_rows, d_cols)), shape=(len(kept), len(terms)))
    counts = np.asarray(((presence @ ancestor_matrix) > 0).sum(axis=0)).ravel()
    ic = -np.log(np.maximum(counts, 1) / max(len(kept), 1))
    annotation_disease = np.asarray(d_rows, dtype=np.int64)
    source_names = sorted({label for found in labels for label in found})
    source_number = {label: i for i, label in enumerate(source_names)}
    last_position: dict[str, int] = {}  # a code held by two documents: the later one's parents (as a dict would)
    for position, (disorder, _, _, _) in enumerate(kept):
        last_position[disorder.orpha] = position
    orpha_keys = sorted(last_position)
    # Disorders with a feature Orphanet does not record, and how many (a source may name a term kept out of the
    # features, with frequency 0: counted as the sources list it).
    extra = [sum(ORPHANET not in found and found != (DEFINITION,) for found in sources.values())
             for _, _, sources, _ in kept]
    return {
        "gained": np.asarray([sum(1 for n in extra if n), sum(extra)], dtype=np.int64),
        "document-ids": np.asarray([k[0].document_id for k in kept], dtype=np.int64),
        **_texts("orpha", [k[0].orpha for k in kept]),
        **_texts("label", [k[0].label for k in kept]),
        "orpha-keys": SortedKeys.pack(orpha_keys),
        "orpha-positions": np.asarray([last_position[code] for code in orpha_keys], dtype=np.int64),
        "parent-starts": _starts([len(k[0].parents) for k in kept]),
        **_texts("parent-code", [code for k in kept for code, _ in k[0].parents]),
        **_texts("parent-label", [label for k in kept for _, label in k[0].parents]),
        "terms": SortedKeys.pack(terms),
        "universe": SortedKeys.pack(universe),
        "ancestor-data": ancestor_matrix.data,
        "ancestor-indices": ancestor_matrix.indices,
        "ancestor-indptr": ancestor_matrix.indptr,
        "ic": ic,
        "term-ic": ic[[universe_index[t] for t in terms]],
        "annotation-disease": annotation_disease,
        "annotation-term": np.asarray(d_cols, dtype=np.int64),
        "annotation-frequency": np.asarray(d_vals, dtype=np.float64),
        "annotation-unknown": np.asarray(d_unknown, dtype=np.bool_),
        "recorded-order": np.asarray(recorded_order, dtype=np.int64),
        "disease-start": np.searchsorted(annotation_disease, np.arange(len(kept))).astype(np.int64),
        "source-starts": _starts([len(found) for found in labels]),
        "source-ids": np.asarray([source_number[label] for found in labels for label in found], dtype=np.int32),
        **_texts("source", source_names),
    }


class IndexArrays:
    """The arrays of :func:`index_arrays` read back (plain or memory-mapped), checked for consistency and
    wrapped as the index uses them; raises ``KeyError`` or ``ValueError`` for a part that is not one."""

    def __init__(self, mapped: Mapping[str, np.ndarray]) -> None:
        # Plain array views of the maps: np.memmap's own indexing costs microseconds per element read.
        arrays = {name: np.asarray(mapped[name]) for name in mapped}
        self.document_ids = arrays["document-ids"]
        self.gained = (int(arrays["gained"][0]), int(arrays["gained"][1]))
        self.orpha, self.labels = Texts(arrays, "orpha"), Texts(arrays, "label")
        self.orpha_positions = SortedKeys(arrays["orpha-keys"], arrays["orpha-positions"])
        self.parent_starts = arrays["parent-starts"]
        self.parent_codes, self.parent_labels = Texts(arrays, "parent-code"), Texts(arrays, "parent-label")
        self.term_index, self.universe_index = SortedKeys(arrays["terms"]), SortedKeys(arrays["universe"])
        self.terms = KeyList(self.term_index)
        terms, universe = len(self.term_index), len(self.universe_index)
        # copy=False keeps the mapped arrays themselves: their pages stay shared between processes.
        self.ancestor_matrix = sparse.csc_matrix(
            (arrays["ancestor-data"], arrays["ancestor-indices"], arrays["ancestor-indptr"]),
            shape=(terms, universe), copy=False,
        )
        self.ic, self.term_ic = arrays["ic"], arrays["term-ic"]
        self.annotation_disease, self.annotation_term = arrays["annotation-disease"], arrays["annotation-term"]
        self.annotation_frequency = arrays["annotation-frequency"]
        self.annotation_unknown = arrays["annotation-unknown"]
        self.recorded_order = arrays["recorded-order"]
        self.disease_start = arrays["disease-start"]
        self.source_starts, self.source_ids = arrays["source-starts"], arrays["source-ids"]
        self.source_names = Texts(arrays, "source")
        disorders, annotations = len(self.document_ids), len(self.annotation_term)
        sizes_agree = (
            len(self.orpha) == len(self.labels) == len(self.disease_start) == len(self.parent_starts) - 1 == disorders
            and len(self.ic) == universe and len(self.term_ic) == terms
            and len(self.annotation_disease) == len(self.annotation_frequency) == annotations
            and len(self.annotation_unknown) == annotations == len(self.source_starts) - 1 == len(self.recorded_order)
            and int(self.parent_starts[-1]) == len(self.parent_codes) == len(self.parent_labels)
            and int(self.source_starts[-1]) == len(self.source_ids)
        )
        if not sizes_agree:
            raise ValueError("the symptom index's arrays disagree in length")

    def parents_at(self, position: int) -> tuple[tuple[str, str], ...]:
        start, end = int(self.parent_starts[position]), int(self.parent_starts[position + 1])
        return tuple((self.parent_codes[i], self.parent_labels[i]) for i in range(start, end))

    def sources_at(self, annotation: int) -> tuple[str, ...]:
        start, end = int(self.source_starts[annotation]), int(self.source_starts[annotation + 1])
        return tuple(self.source_names[int(i)] for i in self.source_ids[start:end])

    def rows_of(self, position: int) -> range:
        """The annotation rows of the disorder at ``position`` (its features, by term)."""
        end = int(self.disease_start[position + 1]) if position + 1 < len(self.disease_start) else len(
            self.annotation_term)
        return range(int(self.disease_start[position]), end)

    def recorded_rows(self, position: int) -> list[int]:
        """The same rows in the order the features were merged (the order of the in-memory build's dicts)."""
        rows = self.rows_of(position)
        return [int(j) for j in self.recorded_order[rows.start:rows.stop]]


class Parents(Mapping[str, tuple[tuple[str, str], ...]]):
    """ORPHA code -> (code, label) of the disorder's parent groups, read from the arrays when asked."""

    def __init__(self, arrays: IndexArrays) -> None:
        self._arrays = arrays

    def __getitem__(self, orpha: str) -> tuple[tuple[str, str], ...]:
        return self._arrays.parents_at(self._arrays.orpha_positions[orpha])

    def __len__(self) -> int:
        return len(self._arrays.orpha_positions)

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays.orpha_positions)


class Features(Sequence[dict[str, float]]):
    """Each disorder's features (HPO id -> frequency, :data:`DEFAULT_FREQUENCY` where none is known)."""

    def __init__(self, arrays: IndexArrays) -> None:
        self._arrays = arrays

    def __len__(self) -> int:
        return len(self._arrays.document_ids)

    @overload
    def __getitem__(self, position: int) -> dict[str, float]: ...

    @overload
    def __getitem__(self, position: slice) -> list[dict[str, float]]: ...

    def __getitem__(self, position: int | slice) -> dict[str, float] | list[dict[str, float]]:
        if isinstance(position, slice):
            return [self[i] for i in range(len(self))[position]]
        a = self._arrays
        rows = a.recorded_rows(int(position))
        return {a.terms[int(a.annotation_term[j])]: float(a.annotation_frequency[j]) for j in rows}


class Sources(Sequence[dict[str, tuple[str, ...]]]):
    """Each disorder's features -> who records them (Orphanet, "HPO annotation of OMIM:n")."""

    def __init__(self, arrays: IndexArrays) -> None:
        self._arrays = arrays

    def __len__(self) -> int:
        return len(self._arrays.document_ids)

    @overload
    def __getitem__(self, position: int) -> dict[str, tuple[str, ...]]: ...

    @overload
    def __getitem__(self, position: slice) -> list[dict[str, tuple[str, ...]]]: ...

    def __getitem__(self, position: int | slice) -> dict[str, tuple[str, ...]] | list[dict[str, tuple[str, ...]]]:
        if isinstance(position, slice):
            return [self[i] for i in range(len(self))[position]]
        a = self._arrays
        return {a.terms[int(a.annotation_term[j])]: a.sources_at(j) for j in a.recorded_rows(int(position))}


class UnknownFrequency(Mapping[int, frozenset[str]]):
    """Document id -> the disorder's features whose frequency no source gives."""

    def __init__(self, arrays: IndexArrays) -> None:
        self._arrays = arrays

    def __getitem__(self, document_id: int) -> frozenset[str]:
        ids = self._arrays.document_ids
        position = int(np.searchsorted(ids, document_id))
        if position >= len(ids) or int(ids[position]) != document_id:
            raise KeyError(document_id)
        a = self._arrays
        return frozenset(a.terms[int(a.annotation_term[j])] for j in a.rows_of(position) if a.annotation_unknown[j])

    def __len__(self) -> int:
        return len(self._arrays.document_ids)

    def __iter__(self) -> Iterator[int]:
        return (int(i) for i in self._arrays.document_ids)


def urgency_json(urgency: Mapping[str, Sequence[UrgencyStatement]]) -> dict[str, Any]:
    """The statements once each, and which of them each ORPHA code has (many subtypes share a group's)."""
    statements: list[UrgencyStatement] = []
    number: dict[UrgencyStatement, int] = {}
    by_orpha: dict[str, list[int]] = {}
    for orpha, found in sorted(urgency.items()):
        for statement in found:
            if statement not in number:
                number[statement] = len(statements)
                statements.append(statement)
        by_orpha[orpha] = [number[s] for s in found]
    fields = list(UrgencyStatement.__dataclass_fields__)
    return {"fields": fields, "statements": [[getattr(s, f) for f in fields] for s in statements],
            "by_orpha": by_orpha}


def urgency_from_json(data: Mapping[str, Any]) -> dict[str, tuple[UrgencyStatement, ...]]:
    if data["fields"] != list(UrgencyStatement.__dataclass_fields__):
        raise ValueError("the urgency statements were saved with other fields")
    statements = [UrgencyStatement(*values) for values in data["statements"]]
    return {orpha: tuple(statements[i] for i in found) for orpha, found in data["by_orpha"].items()}


def file_identity(path: Path) -> str:
    """A short key of a file's identity (path, size, modification time); "missing" when there is none."""
    try:
        status = path.resolve().stat()
    except OSError:
        return f"{path}:missing"
    return f"{path.resolve()}:{status.st_size}:{status.st_mtime_ns}"


def part_name(*identity: str) -> str:
    """The part's folder name: one per ontology, annotations file and way of building, so that a process
    using other files (``HEALTHQA_HPO_OBO``, ``HEALTHQA_HPOA``) neither reads nor replaces another's part."""
    digest = hashlib.sha256(json.dumps(identity).encode("utf-8")).hexdigest()[:16]
    return f"symptoms-{digest}"
