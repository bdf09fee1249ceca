"""The phrase matcher's tables (:meth:`healthqa.symptoms.hpo.HPOIndex.match`) as flat arrays, built once per
ontology and memory-mapped by every process from healthqa's cache folder.

The tables depend only on the ontology files the package ships (``hp.obo`` and the ``phenotype.hpoa`` beside it,
whose annotation counts break ties), never on a knowledge base: they are cached under
``cache_dir()/symptoms-matcher/<key>``, the key made of both files' identity (path, size, modification time) and
:data:`VERSION`. As Python objects (an entry per term name and synonym, with its word set, and two dictionaries
over them) they cost each worker tens of MiB and half a second; as arrays, a few MiB of shared pages.

The entries are in the order of their terms' ids (then the term's name, then its synonyms as the file lists them),
so that exact matches that tie are broken the same way in every process; built in memory (``HEALTHQA_DERIVED=off``,
or no writable cache folder) the tables go through the same arrays.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from healthqa.mapped import StringMultimap, StringTable
from healthqa.symptoms._tables import SortedKeys, Texts

log = logging.getLogger(__name__)
VERSION = 1
_EXACT = ("hashes", "starts", "values", "keys-blob", "keys-offsets")


class MatcherTables:
    """The entries (term, text, layperson or not, word ids), each word's IDF and entries, the exact word sets,
    and each term's annotation count (the tie-breaking prior)."""

    def __init__(self, mapped: Mapping[str, np.ndarray]) -> None:
        # Plain array views of the maps: np.memmap's own indexing costs microseconds per element read.
        arrays = {name: np.asarray(mapped[name]) for name in mapped}
        self.terms = SortedKeys(arrays["terms"])
        self.prior = arrays["prior"]
        self.entry_term, self.entry_lay = arrays["entry-term"], arrays["entry-lay"]
        self.entry_text = Texts(arrays, "entry-text")
        self.entry_weight = arrays["entry-weight"]
        self.token_starts, self.tokens = arrays["entry-token-starts"], arrays["entry-tokens"]
        self.vocabulary, self.idf = SortedKeys(arrays["vocabulary"]), arrays["idf"]
        self.word_starts, self.word_entries = arrays["word-starts"], arrays["word-entries"]
        self.exact = StringMultimap({name: arrays[f"exact-{name}"] for name in _EXACT})
        self._words: list[str] | None = None
        entries = len(self.entry_term)
        if not (len(self.prior) == len(self.terms) and len(self.entry_lay) == len(self.entry_text) == entries
                and len(self.entry_weight) == entries == len(self.token_starts) - 1
                and int(self.token_starts[-1]) == len(self.tokens) and len(self.idf) == len(self.vocabulary)
                and len(self.word_starts) == len(self.vocabulary) + 1
                and int(self.word_starts[-1]) == len(self.word_entries)):
            raise ValueError("the phrase matcher's arrays disagree in length")

    def __len__(self) -> int:
        return len(self.entry_term)

    def words(self) -> list[str]:
        """The vocabulary as a list (for the typo search), made on the first word that needs it."""
        if self._words is None:
            self._words = list(self.vocabulary)
        return self._words

    def idf_of(self, word: str) -> float:
        position = self.vocabulary.position(word)
        return float(self.idf[position]) if position >= 0 else 0.0

    def word_id(self, word: str) -> int:
        return self.vocabulary.position(word)

    def entries_with(self, word_id: int) -> Sequence[int]:
        start, end = int(self.word_starts[word_id]), int(self.word_starts[word_id + 1])
        found: list[int] = self.word_entries[start:end].tolist()
        return found

    def entry_words(self, entry: int) -> frozenset[int]:
        start, end = int(self.token_starts[entry]), int(self.token_starts[entry + 1])
        return frozenset(self.tokens[start:end].tolist())

    def term(self, entry: int) -> str:
        return self.terms.key(int(self.entry_term[entry]))

    def prior_of(self, entry: int) -> int:
        return int(self.prior[int(self.entry_term[entry])])


def matcher_arrays(
    entries: Iterable[tuple[str, str, frozenset[str], bool]], prior: Mapping[str, int],
) -> dict[str, np.ndarray]:
    """The arrays of :class:`MatcherTables` from the entries ((term, text, its words, layperson), in order)."""
    listed = list(entries)
    frequency: Counter[str] = Counter()
    for _, _, tokens, _ in listed:
        frequency.update(tokens)
    vocabulary = sorted(frequency)
    word_id = {word: i for i, word in enumerate(vocabulary)}
    idf = np.asarray([math.log(1 + len(listed) / frequency[word]) for word in vocabulary], dtype=np.float64)
    terms = sorted({term for term, _, _, _ in listed})
    term_id = {term: i for i, term in enumerate(terms)}
    token_ids = [sorted(word_id[t] for t in tokens) for _, _, tokens, _ in listed]
    by_word: list[list[int]] = [[] for _ in vocabulary]
    exact: dict[str, list[int]] = {}
    for number, (_, _, tokens, _) in enumerate(listed):
        exact.setdefault(" ".join(sorted(tokens)), []).append(number)
        for token in token_ids[number]:
            by_word[token].append(number)
    text = StringTable.pack(text for _, text, _, _ in listed)
    return {
        "terms": SortedKeys.pack(terms),
        "prior": np.asarray([prior.get(term, 0) for term in terms], dtype=np.int64),
        "entry-term": np.asarray([term_id[term] for term, _, _, _ in listed], dtype=np.int32),
        "entry-lay": np.asarray([lay for _, _, _, lay in listed], dtype=np.bool_),
        "entry-text-blob": text["blob"], "entry-text-offsets": text["offsets"],
        "entry-weight": np.asarray([sum(float(idf[t]) for t in ids) for ids in token_ids], dtype=np.float64),
        "entry-token-starts": _starts([len(ids) for ids in token_ids]),
        "entry-tokens": np.asarray([t for ids in token_ids for t in ids], dtype=np.int32),
        "vocabulary": SortedKeys.pack(vocabulary),
        "idf": idf,
        "word-starts": _starts([len(found) for found in by_word]),
        "word-entries": np.asarray([n for found in by_word for n in found], dtype=np.int32),
        **{f"exact-{name}": array for name, array in StringMultimap.pack(exact).items()},
    }


def _starts(lengths: Sequence[int]) -> np.ndarray:
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    if lengths:
        np.cumsum(lengths, out=starts[1:])
    return starts


def _identity(path: Path) -> list[object]:
    try:
        status = path.resolve().stat()
    except OSError:
        return [str(path), "missing"]
    return [str(path.resolve()), status.st_size, status.st_mtime_ns]


def cache_folder(obo: Path) -> Path | None:
    """Where the tables of ``obo`` are cached; None under ``HEALTHQA_DERIVED=off``."""
    from healthqa.retrieve.encoder import cache_dir, query_cache_enabled  # imported when used: a later step

    if not query_cache_enabled():
        return None
    key = json.dumps([VERSION, _identity(obo), _identity(obo.with_name("phenotype.hpoa"))])
    return cache_dir() / "symptoms-matcher" / hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def load_tables(obo: Path, build: Callable[[], dict[str, np.ndarray]]) -> MatcherTables:
    """The tables of ``obo``, mapped from the cache folder (written there first when missing or unreadable), or
    built in memory where the cache is switched off or cannot be written."""
    folder = cache_folder(obo)
    if folder is None:
        return MatcherTables(build())
    try:
        return _read(folder)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, IndexError) as error:
        log.warning("ignoring the unreadable phrase-matcher cache %s (%s): it is rebuilt", folder, type(error).__name__)
    arrays = build()
    try:
        _write(folder, arrays)
        return _read(folder)
    except (OSError, ValueError, KeyError, IndexError) as error:
        log.warning("cannot cache the phrase matcher under %s (%s): built in memory", folder, type(error).__name__)
        return MatcherTables(arrays)


def _read(folder: Path) -> MatcherTables:
    names = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["arrays"]
    arrays = {}
    for name in names:
        array = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        if not isinstance(array, np.ndarray):  # pragma: no cover - np.load of a .npy is an array
            raise ValueError(name)
        arrays[name] = array
    return MatcherTables(arrays)


def _write(folder: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Written in a temporary folder and renamed into place, so that a process never maps half a cache."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.parent / f".tmp-{folder.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    temporary.mkdir()
    try:
        for name, array in arrays.items():
            np.save(temporary / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        (temporary / "manifest.json").write_text(json.dumps({"arrays": sorted(arrays)}), encoding="utf-8")
        if folder.exists():
            try:
                _read(folder)
                return  # written by another process meanwhile
            except (OSError, ValueError, KeyError, IndexError):
                shutil.rmtree(folder, ignore_errors=True)  # unreadable: replaced whole
        try:
            os.rename(temporary, folder)
        except OSError:
            if not (folder / "manifest.json").is_file():  # not another process's cache written meanwhile
                raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
