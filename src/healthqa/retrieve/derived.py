"""Derived indexes: computed once per knowledge-base generation, memory-mapped by every process that answers.

An answerer needs the in-memory BM25 matrices of the passages and FAQ questions
(:mod:`healthqa.retrieve.lexical`) and the passage vectors with their projection
(:mod:`healthqa.retrieve.vectors`). Computing them from the store takes seconds at each start and gives
every worker its own private copy (hundreds of MiB each). They depend only on the store's content, so they
are written once per generation as ``.npy`` files and loaded with ``numpy.load(mmap_mode="r")``: a start
costs milliseconds, and the workers of one host share the same pages of the page cache.

Where: next to a SQLite knowledge base, ``<db>.derived/<generation>-v<FORMAT_VERSION>/``; for another backend
(PostgreSQL), under ``$HEALTHQA_CACHE_DIR`` (default ``$XDG_CACHE_HOME/healthqa`` or ``~/.cache/healthqa``),
``derived/<digest of the database URL without its password>/``. Each generation folder holds independent
parts, each a folder with its arrays and a ``manifest.json`` written last: ``lexical/`` and
``vectors-<model>/`` (written only when every visible passage has a vector: a partial matrix would hide the
rest from a later, complete one).

When: at the end of an ingest (``healthqa ingest``; a server's rebuild after an HTTP ingest), and otherwise
by the first process that finds a part missing or unreadable (a knowledge base made by an older healthqa, a
PostgreSQL database ingested from another host), under a file lock (``.lock``) so that racing processes build
it once; a part is built in a temporary folder and renamed into place, so a reader sees a whole part or none.
Building reads the store and never writes to it. A part is used only when its manifest matches the store
(format version, the knowledge base's random identity, generation, visible passages, per-source counts):
anything else (a partial or corrupt folder, another knowledge base made at the same path or behind the same
URL, whose generation and counts may be the same) is ignored and rebuilt. A folder that cannot be read or
written (permissions, a full disk, no home directory for the cache) is warned about once and left out: the
process then computes its own indexes. Older
generations are removed once a newer one is written; a process still mapping their files keeps its pages
(POSIX unlinking), so nobody's answers break.

Row ids inside these files are the store's, which the store contract allows only within one generation of one
database: exactly the scope of a generation folder, checked by its manifest.

``HEALTHQA_DERIVED=off`` switches all of this off (every process computes its own indexes, as before;
benchmarks/cold_start.py measures both ways).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from healthqa.retrieve.encoder import Encoder, cache_dir, query_cache_enabled
from healthqa.retrieve.lexical import LexicalIndex, passage_index, question_index
from healthqa.retrieve.vectors import VectorIndex, build_vectors
from healthqa.store.base import Store

log = logging.getLogger("healthqa.retrieve.derived")

# Raise when what the files hold or how they are read changes: older folders are then ignored and replaced.
FORMAT_VERSION = 1
SWITCH = "HEALTHQA_DERIVED"
LEXICAL = "lexical"
_LEXICAL_ARRAYS = ("passages-rowids", "passages-data", "passages-indices", "passages-indptr",
                   "questions-rowids", "questions-data", "questions-indices", "questions-indptr")
_VECTOR_ARRAYS = ("ids", "matrix", "projection", "projected")
_GENERATION_FOLDER = re.compile(r"^(\d+)-v(\d+)$")
T = TypeVar("T")


@dataclass
class Derived:
    """The derived indexes of one generation; a part is None where it is not (yet) available."""

    generation: int
    passage_lexical: LexicalIndex | None = None
    question_lexical: LexicalIndex | None = None
    vectors: VectorIndex | None = None
    model: str | None = None


def enabled() -> bool:
    """False under ``HEALTHQA_DERIVED=off`` (which switches off the cached query models too)."""
    return query_cache_enabled()


def derived_root(store: Store) -> Path | None:
    """The folder holding ``store``'s derived files, or None where there is none (an in-memory database)."""
    path = getattr(store, "path", None)
    if isinstance(path, Path):
        return None if str(path) == ":memory:" else path.with_name(path.name + ".derived")
    return cache_dir() / "derived" / url_key(store.url)


def url_key(url: str) -> str:
    """A file name for a database server's URL on this machine: a digest of it without its password (which is
    not part of the database's identity, and must not be on disk)."""
    without_password = re.sub(r"://([^:/@]*):[^@/]*@", r"://\1@", url)
    return hashlib.sha256(without_password.encode("utf-8")).hexdigest()[:24]


def generation_folder(root: Path, generation: int) -> Path:
    return root / f"{generation}-v{FORMAT_VERSION}"


def _vector_part(model: str) -> str:
    return "vectors-" + re.sub(r"[^A-Za-z0-9._-]", "_", model)


_fingerprints: dict[tuple[str, int], dict[str, Any]] = {}


def fingerprint(store: Store, generation: int) -> dict[str, Any]:
    """What a part's manifest must match to be used for ``store`` at ``generation``: cheap reads only, and
    once per knowledge base and generation in a process (the per-source counts take ~0.1 s on a full one, and
    a start reads several parts)."""
    # The identity, not the path, inode or URL: another knowledge base made at the same place (a file deleted
    # or overwritten, a database dropped and created again) may have the same generation number and counts.
    identity = store.identity()
    known = _fingerprints.get((identity, generation))
    if known is not None:
        return dict(known)
    sources = sorted([s.name, s.documents, s.passages, s.questions, s.newest or ""] for s in store.sources())
    found = {"format": FORMAT_VERSION, "identity": identity, "generation": generation,
             "passages": store.passage_count(), "sources": sources}
    if len(_fingerprints) >= 8:
        _fingerprints.clear()
    _fingerprints[(identity, generation)] = found
    return dict(found)


def load(store: Store, model: str | None, generation: int | None = None) -> Derived | None:
    """The derived indexes of ``store``'s generation that are on disk and valid, memory-mapped; None when
    switched off or when there is no folder. Never builds, never raises for a bad or unreadable file or folder
    (it is left out)."""
    root = derived_root(store) if enabled() else None
    if root is None:
        return None
    generation = store.generation() if generation is None else generation
    folder = generation_folder(root, generation)
    try:
        if not folder.is_dir():
            return Derived(generation, model=model)
    except OSError as error:  # e.g. a folder of another user's, not searchable by this one
        _warn_once(root, error)
        return Derived(generation, model=model)
    expected = fingerprint(store, generation)
    derived = Derived(generation, model=model)
    lexical = _read_part(folder / LEXICAL, expected, _read_lexical)
    if lexical is not None:
        derived.passage_lexical, derived.question_lexical = lexical
    if model is not None:
        derived.vectors = _read_part(folder / _vector_part(model), expected, _read_vectors)
    return derived


def ensure(store: Store, model: str | None, *, lexical: bool = True) -> Derived | None:
    """The derived indexes of ``store``'s generation, building the parts that are missing (``lexical``: the BM25
    matrices too; ``model``: its vectors, when every visible passage has one). None when switched off or where
    there is no folder; parts that cannot be built (a read-only folder) are None, and their users compute
    them in memory instead."""
    root = derived_root(store) if enabled() else None
    if root is None:
        return None
    derived: Derived | None = None
    try:
        derived = load(store, model)
        if derived is None or _complete(derived, model, lexical):
            return derived
        root.mkdir(parents=True, exist_ok=True)
        with _locked(root):
            # Another process may have built it while this one waited for the lock.
            derived = load(store, model) or derived
            if not _complete(derived, model, lexical):
                _build_missing(store, root, derived, model, lexical)
            _remove_stale(root, derived.generation)
        return load(store, model, derived.generation)
    except OSError as error:  # whatever cannot be read or written there, the answers do not depend on it
        _warn_once(root, error)
        return derived if derived is not None else Derived(store.generation(), model=model)


_warned: set[Path] = set()


def _warn_once(root: Path, error: OSError) -> None:
    """One warning per folder and process: a server would otherwise repeat it at every rebuild."""
    if root in _warned:
        return
    _warned.add(root)
    log.warning("cannot use the derived indexes under %s (%s): this process computes its own",
                root, error.strerror or type(error).__name__)


def prepare(store: Store, encoder: Encoder | None) -> Derived | None:
    """An ingest's last step: embed the passages that have no vector yet (writes to the store), cache the query
    models of ``encoder`` on this machine, then write the generation's derived indexes. Returns them, loaded."""
    if encoder is not None:
        build_vectors(store, encoder)
        encoder.prepare_queries()  # cached on this machine: later starts load no torch for questions
    return ensure(store, encoder.name if encoder is not None else None)


class _MappedArrays(Mapping[str, np.ndarray]):
    """A part's arrays by name, each memory-mapped when first asked for."""

    def __init__(self, part: Path, names: list[str]) -> None:
        self._part = part
        self._names = names
        self._loaded: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._loaded:
            self._loaded[name] = _array(self._part, name)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def mapped_part(
    store: Store,
    name: str,
    build: Callable[[], tuple[dict[str, np.ndarray], dict[str, Any]]],
    read: Callable[[Mapping[str, np.ndarray], dict[str, Any]], T],
    *,
    version: int = 1,
    build_missing: bool = True,
) -> T | None:
    """Part ``name`` of the store's current generation, read by ``read`` from its memory-mapped arrays and its
    manifest's extra fields; built first (``build()``: the arrays by name and JSON-able extra fields) under the
    lock when it is missing, belongs to another state of the knowledge base or another ``version`` of the
    part's format, or cannot be read.

    For the indexes of later pipeline steps (the name index, the disease and symptom indexes), which own their
    ``build`` and ``read``. None when switched off (``HEALTHQA_DERIVED=off``), where there is no folder (an
    in-memory database) or where the folder cannot be read or written: the caller then builds in memory.
    ``read`` raising ``ValueError``, ``KeyError``, ``TypeError`` or ``IndexError`` marks the files unreadable
    (rebuilt once; if the rebuilt part is unreadable too, None)."""
    def write(part: Path) -> dict[str, Any]:
        arrays, extra = build()
        for array_name, array in arrays.items():
            np.save(part / f"{array_name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        return {"arrays": sorted(arrays), **extra}

    def read_arrays(part: Path, manifest: dict[str, Any]) -> T:
        if not isinstance(manifest.get("arrays"), list):
            raise KeyError("arrays")
        return read(_MappedArrays(part, [str(a) for a in manifest["arrays"]]), manifest)

    return file_part(store, name, write, read_arrays, version=version, build_missing=build_missing)


def file_part(
    store: Store,
    name: str,
    write: Callable[[Path], dict[str, Any]],
    read: Callable[[Path, dict[str, Any]], T],
    *,
    version: int = 1,
    build_missing: bool = True,
) -> T | None:
    """As :func:`mapped_part`, for a part made of files of its own: ``write(folder)`` writes them into a new
    folder and returns JSON-able manifest fields; ``read(folder, manifest)`` opens them (a SQLite file opened
    read-only, say). None where :func:`mapped_part` would be, and, with ``build_missing=False``, where the part
    is not there (a one-off reader that would rather not build it)."""
    root = derived_root(store) if enabled() else None
    if root is None:
        return None
    generation = store.generation()
    folder = generation_folder(root, generation)
    expected = {**fingerprint(store, generation), "part_version": version}
    try:
        found = _read_part(folder / name, expected, read) if folder.is_dir() else None
        if found is not None or not build_missing:
            return found
        root.mkdir(parents=True, exist_ok=True)
        with _locked(root):
            folder.mkdir(parents=True, exist_ok=True)
            found = _read_part(folder / name, expected, read)
            if found is None:
                _publish(store, folder / name, expected, {}, {}, write)
                found = _read_part(folder / name, expected, read)
            _remove_stale(root, generation)
        return found
    except OSError as error:
        _warn_once(root, error)
        return None


def _complete(derived: Derived, model: str | None, lexical: bool) -> bool:
    return (not lexical or derived.passage_lexical is not None) and (model is None or derived.vectors is not None)


def _build_missing(store: Store, root: Path, derived: Derived, model: str | None, lexical: bool) -> None:
    generation = derived.generation
    expected = fingerprint(store, generation)
    folder = generation_folder(root, generation)
    folder.mkdir(parents=True, exist_ok=True)
    if lexical and derived.passage_lexical is None:
        passages = passage_index(store)
        questions, _ = question_index(store)
        parts: dict[str, np.ndarray] = {}
        terms: dict[str, list[str]] = {}
        for name, index in (("passages", passages), ("questions", questions)):
            terms[name], arrays = index.arrays()
            parts.update({f"{name}-{key}": value for key, value in arrays.items()})
        _publish(store, folder / LEXICAL, expected, parts, {"terms": terms})
    if model is not None and derived.vectors is None:
        ids, blobs = store.load_vectors(model)
        if len(ids) != expected["passages"]:
            log.info("%d of %d passages have a vector for %s: their index is not saved until all have one",
                     len(ids), expected["passages"], model)
            return
        _publish(store, folder / _vector_part(model), expected, dict(VectorIndex(ids, blobs).arrays()), {})


def _publish(store: Store, part: Path, expected: dict[str, Any], arrays: dict[str, np.ndarray],
             extra: dict[str, Any], write: Callable[[Path], dict[str, Any]] | None = None) -> None:
    """Write a part in a temporary folder (``arrays`` as .npy files; ``write``, given the folder, writes other
    files and returns more manifest fields), then rename it into place if the store is still at the same
    generation (an ingest committed meanwhile would make it a mix of two)."""
    temporary = part.parent / f".tmp-{part.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    temporary.mkdir()
    try:
        for name, array in arrays.items():
            np.save(temporary / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        if write is not None:
            extra = {**extra, **write(temporary)}
        manifest = {**expected, "arrays": sorted(arrays), **extra}  # a writer's own "arrays" list wins
        with open(temporary / "manifest.json", "w", encoding="utf-8") as out:
            json.dump(manifest, out)
            out.flush()
            os.fsync(out.fileno())
        if store.generation() != expected["generation"]:
            log.info("an ingest committed while the derived indexes were built: not saved")
            return
        if part.exists():  # a corrupt or partial part, found unreadable: replaced whole
            shutil.rmtree(part)
        os.rename(temporary, part)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _read_part(part: Path, expected: dict[str, Any], read: Callable[[Path, dict[str, Any]], T]) -> T | None:
    manifest_path = part / "manifest.json"
    try:
        if not manifest_path.is_file():
            return None
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("the manifest is not an object")
        if any(manifest.get(key) != value for key, value in expected.items()):
            log.info("%s belongs to another state of the knowledge base: rebuilt", part)
            return None
        return read(part, manifest)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        log.warning("ignoring the unreadable derived index %s (%s): it is rebuilt", part, type(error).__name__)
        return None


def _array(part: Path, name: str) -> np.ndarray:
    array = np.load(part / f"{name}.npy", mmap_mode="r", allow_pickle=False)
    if not isinstance(array, np.ndarray):  # pragma: no cover - np.load of a .npy is an array
        raise ValueError(f"{name} is not an array")
    return array


def _read_lexical(part: Path, manifest: dict[str, Any]) -> tuple[LexicalIndex, LexicalIndex]:
    if set(manifest["arrays"]) != set(_LEXICAL_ARRAYS):
        raise KeyError("arrays")
    passages, questions = (
        LexicalIndex.from_arrays(
            _array(part, f"{name}-rowids"), manifest["terms"][name], _array(part, f"{name}-data"),
            _array(part, f"{name}-indices"), _array(part, f"{name}-indptr"),
        )
        for name in ("passages", "questions")
    )
    if len(passages) != manifest["passages"]:
        raise ValueError("passage count")
    return passages, questions


def _read_vectors(part: Path, manifest: dict[str, Any]) -> VectorIndex:
    names = set(manifest["arrays"])
    if not {"ids", "matrix"} <= names <= set(_VECTOR_ARRAYS):
        raise KeyError("arrays")
    projected = "projection" in names
    index = VectorIndex.from_arrays(
        _array(part, "ids"), _array(part, "matrix"),
        _array(part, "projection") if projected else None, _array(part, "projected") if projected else None,
    )
    if len(index) != manifest["passages"]:
        raise ValueError("vector count")
    return index


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One builder at a time per folder, across processes (released by the kernel if its holder dies)."""
    with open(root / ".lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove_stale(root: Path, generation: int) -> None:
    """Remove older generations, other format versions and builds left by a process that died (under the lock,
    so no temporary folder is still being written)."""
    for entry in root.iterdir():
        if not entry.is_dir():
            continue
        matched = _GENERATION_FOLDER.match(entry.name)
        stale = entry.name.startswith(".tmp-") or (
            matched is not None and (int(matched[1]) < generation or int(matched[2]) != FORMAT_VERSION)
        )
        if stale:
            shutil.rmtree(entry, ignore_errors=True)
        elif matched is not None:
            for part in entry.iterdir():
                if part.name.startswith(".tmp-"):
                    shutil.rmtree(part, ignore_errors=True)
