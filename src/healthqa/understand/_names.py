"""The names the knowledge base knows topics by, and how a question's words are matched against them
(typo-tolerant, abbreviations, brand names of drug tables): :class:`NameIndex` and :class:`FocusMatch`."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Any

import numpy as np

from healthqa.understand import _mapped_names
from healthqa.understand._edits import deletes, edit_distance
from healthqa.understand._misheard import MisheardNames
from healthqa.understand._words import _CHAT_SPELLINGS, _WORD, STOPWORDS, american_spelling, normalise, without_accents

_SUFFIXES = (" syndrome", " disease", " disorder", " deficiency", " condition", " infection")


@dataclass(frozen=True)
class FocusMatch:
    name: str  # the knowledge-base name matched
    matched: str  # the words of the question it matched
    document_ids: frozenset[int]
    # Matched only by a guess: after a spelling correction, words joined or one swapped for a name's ("fir daps",
    # "lambert eaten"; NameIndex._joined, NameIndex._beside_names), or an abbreviation read from lower case ("cloves"
    # may be CLOVES syndrome or the spice). A guess never restricts an answer to the name's pages.
    corrected: bool = False
    expansion: str = ""  # the condition's title when the question wrote an abbreviation of it ("LEMS")
    # The generic name when the name matched is a name from an ingested page's drug table: a brand ("Firdapse"
    # -> "amifampridine phosphate") or, where no page is about it, the generic itself ("amifampridine");
    # ``document_ids`` are then the generic's documents (none when the knowledge base has no page about it).
    generic: str = ""


class NameIndex(MisheardNames):
    """Every name the knowledge base knows a topic by, with a typo-tolerant word index.

    ``known_word`` tells whether a word is one the knowledge base's texts use (``healthqa.answer.answerer.name_index``):
    such a word, like a word of ``dictionary``, is never "corrected" into a name ("told" is not a typo of
    "cold", nor "location" of "lactation", nor "stuff" of "snuff").
    ``reads_as_abbreviation`` tells whether a word written in lower case may be read as the abbreviation
    spelled the same (``healthqa.answer.answerer.lowercase_abbreviation_test``: "copd", "gerd", "hiv" yes; "all",
    "sad" no); without it, abbreviations match only where the question writes them in capitals.
    ``sources`` (document id to source name) lets the index see that a synonym names another condition:
    see :meth:`_same_condition`.
    ``dictionary`` holds everyday words (not names): a misspelling nearer to one of them than to any name is
    that word's ("pamplets" is one letter from "pamphlets", two from "pimples"), and an eponym shortened to
    one of them is not the eponym ("hunters" is not Hunter's syndrome).
    ``brands`` are (document id, brand, generic) rows of ingested pages' drug tables: each brand becomes a
    name of the generic's documents (found by the generic's name, or its first words: "amifampridine
    phosphate" is "amifampridine"), known even where the knowledge base has no page about the generic. A
    generic that names nothing yet becomes a name too, in full and by its first word when that is long and
    no everyday word ("amifampridine"): the drug table is then what the knowledge base knows of it.

    :meth:`arrays` gives the index as flat arrays and :meth:`from_arrays` reads it back from them (memory-mapped:
    see ``healthqa.answer.answerer.name_index``), with the same answers.
    """

    # What each index reads (dicts and sets built here, or views of memory-mapped arrays: see from_arrays).
    _everyday: Collection[str]
    _names: Mapping[str, Set[int]]
    _display: Mapping[str, str]
    _case_sensitive: Collection[str]
    _titles: Mapping[int, str]
    _generic_of: Mapping[str, str]
    _keys_of: Mapping[int, Collection[str]]
    _longest_from: Mapping[str, int]
    _vocabulary: Collection[str]
    _deletes: Mapping[str, Collection[str]]
    max_words: int

    def __init__(
        self,
        names: Iterable[tuple[int, str, str]],
        known_word: Callable[[str], bool] | None = None,
        sources: Mapping[int, str] | None = None,
        reads_as_abbreviation: Callable[[str], bool] | None = None,
        dictionary: Iterable[str] = (),
        brands: Iterable[tuple[int, str, str]] = (),
    ) -> None:
        everyday = frozenset(dictionary)
        self._everyday = everyday
        self._known_word = known_word
        self._reads_as_abbreviation = reads_as_abbreviation
        # A word's corrections never change for one index; questions repeat their words ("diagnosed").
        self._corrected: dict[str, list[str]] = {}
        named: dict[str, set[int]] = defaultdict(set)
        display: dict[str, str] = {}
        case_sensitive: set[str] = set()
        titled: dict[str, set[int]] = defaultdict(set)
        titles: dict[int, str] = {}
        for document_id, name, kind in names:
            for variant, strict in _variants(name, everyday):
                if not variant or (variant in STOPWORDS and not strict):
                    continue
                named[variant].add(document_id)
                display.setdefault(variant, name)
                if strict:
                    case_sensitive.add(variant)
                if kind != "synonym":
                    titled[variant].add(document_id)
            if kind == "title":
                titles.setdefault(document_id, name)
        # A synonym that is the title of another page of the document's own source names another condition:
        # the document is not known by it (see _same_condition).
        for document_id, key in _other_condition_names(named, titled, sources or {}):
            named[key].discard(document_id)
        generic_of: dict[str, str] = {}
        brands = list(brands)  # read twice below: an iterator (the store's drug table) would be spent after once
        for _, brand, generic in brands:
            key = normalise(brand)
            if not key or key in STOPWORDS or len(key) < 3:
                continue
            generic_of.setdefault(key, generic)
            named[key] |= _generic_documents(named, generic)
            display.setdefault(key, brand)
        for _, _, generic in brands:
            for key, written in _generic_keys(generic, everyday):
                if key not in named and key not in generic_of:
                    generic_of[key] = generic
                    named[key] = set()
                    display.setdefault(key, written)
        keys_of: dict[int, set[str]] = defaultdict(set)
        for key, documents in named.items():
            for document_id in documents:
                keys_of[document_id].add(key)
        # How many words the longest name starting with each word has: most words of a question start none.
        longest_from: dict[str, int] = {}
        for key in named:
            words = key.split(" ")
            longest_from[words[0]] = max(len(words), longest_from.get(words[0], 0))
        vocabulary = {word for key in named for word in key.split()}
        by_deletion: dict[str, set[str]] = defaultdict(set)
        for word in vocabulary:
            if len(word) >= 4 and not word.isdigit():
                for deleted in deletes(word, 2 if len(word) >= 8 else 1):
                    by_deletion[deleted].add(word)
        self._names, self._display, self._case_sensitive, self._titles = named, display, case_sensitive, titles
        self._generic_of, self._keys_of, self._longest_from = generic_of, keys_of, longest_from
        self._vocabulary, self._deletes = vocabulary, by_deletion
        self.max_words = min(max(longest_from.values(), default=1), 8)

    def arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The index as flat arrays by name and JSON-able extra fields, which :meth:`from_arrays` reads back.
        ``reads_as_abbreviation`` is asked here about every name it may be asked about, and its answers saved."""
        flags: dict[str, int] = {}
        for key in self._case_sensitive:
            flags[key] = _mapped_names.CASE_SENSITIVE
            if self._lowercase_abbreviation(key):
                flags[key] |= _mapped_names.READS_AS_ABBREVIATION
        for key in self._generic_of:
            flags[key] = flags.get(key, 0) | _mapped_names.BRANDED
        arrays = _mapped_names.pack(
            self._names, self._display, flags, self._generic_of, self._titles, self._longest_from,
            self._vocabulary, self._deletes, self._everyday, lambda: self._dictionary_deletes,
        )
        return arrays, {"max_words": self.max_words}

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], extra: Mapping[str, Any],
        known_word: Callable[[str], bool] | None = None,
    ) -> NameIndex:
        """The index :meth:`arrays` gave (the arrays plain or memory-mapped), with ``known_word`` as in the
        constructor; raises ``KeyError``, ``ValueError`` or ``TypeError`` on arrays it cannot read."""
        tables = _mapped_names.MappedTables(arrays)
        index = cls.__new__(cls)
        index._corrected = {}
        index._known_word = known_word
        index._reads_as_abbreviation = lambda key: tables.flagged(key, _mapped_names.READS_AS_ABBREVIATION)
        index._everyday = tables.everyday
        index._names, index._display, index._case_sensitive = tables.names, tables.display, tables.case_sensitive
        index._titles, index._generic_of, index._keys_of = tables.titles, tables.generic_of, tables.keys_of
        index._longest_from, index._vocabulary, index._deletes = tables.longest_from, tables.vocabulary, tables.deletes
        index.__dict__["_dictionary_deletes"] = tables.dictionary_deletes  # the cached property, already there
        max_words = extra["max_words"]
        if not isinstance(max_words, int):
            raise TypeError("max_words")
        index.max_words = max_words
        return index

    def __len__(self) -> int:
        return len(self._names)

    def _corrections(self, word: str) -> list[str]:
        if word in self._vocabulary or len(word) < 4 or word in STOPWORDS or word in _CHAT_SPELLINGS:
            return []
        return self._remembered(word, lambda: self._find_corrections(word))

    def _find_corrections(self, word: str) -> list[str]:
        """The names' words nearest ``word`` (one edit, or two for a long word), unless it is a real word
        or nearer to one."""
        limit = 2 if len(word) >= 8 else 1
        distances: dict[str, int] = {}
        for candidate in _mapped_names.words_of(self._deletes, deletes(word, limit)):
            if candidate not in distances:
                distances[candidate] = edit_distance(word, candidate)
        within = {candidate: d for candidate, d in distances.items() if d <= limit}
        if not within or self._is_real_word(word):
            return []
        nearest = min(within.values())
        if nearest > 1 and self._near_dictionary_word(word):
            return []
        return sorted(candidate for candidate, d in within.items() if d == nearest)

    def _bare_word(self, word: str) -> str:
        """The name's word that ``word`` is with "'s" or a bare "s" added, or "" when it is none."""
        for ending in ("'s", "s"):
            stem = word.removesuffix(ending)
            # Not "glass", "stress": no word "glas" or "stres" is meant.
            if stem != word and len(stem) >= 3 and not stem.endswith("s") and stem in self._vocabulary:
                return stem
        return ""

    def _is_real_word(self, word: str) -> bool:
        # "father's" is the possessive of a real word, not a typo of "Fahr's".
        stem = word[:-2] if word.endswith("'s") else word
        return self._known(word) or (stem != word and self._known(stem))

    def _known(self, word: str) -> bool:
        return word in self._everyday or (self._known_word is not None and self._known_word(word))

    @functools.cached_property
    def _dictionary_deletes(self) -> Mapping[str, Collection[str]]:
        """Everyday words one edit from a word long enough to be corrected two edits into a name, by their
        one-letter deletions; built on the first such word, not when the index is (a second or more)."""
        return dictionary_deletes(self._everyday)

    def _near_dictionary_word(self, word: str) -> bool:
        # The names' own words are not everyday words here: those deletions hold the whole dictionary (the same
        # for every knowledge base, so built and saved once), and the names' words are left out when read.
        return any(edit_distance(word, candidate) <= 1
                   for candidate in _mapped_names.words_of(self._dictionary_deletes, deletes(word, 1))
                   if candidate not in self._vocabulary)

    def find(self, text: str) -> list[FocusMatch]:
        """Names mentioned in ``text``, longest first, without overlapping matches."""
        said = without_accents(text).replace("\u2019", "'")
        tokens: list[str] = []
        originals: list[str] = []
        # Whether each word follows the one before on the same line with nothing but spaces (or a hyphen) between:
        # "insulin. omg" and "insulin" at a line's end with "omg" below are two sentences.
        spaced: list[bool] = []
        end = 0
        for found in _WORD.finditer(said):
            gap = said[end:found.start()]
            follows = not gap.strip() and "\n" not in gap
            end = found.end()
            for piece in found.group(0).replace("-", " ").split():
                token = piece.lower().strip("'")
                # A name's possessive is the name ("metformin's side effects"); an eponym keeps its "'s".
                if token.endswith("'s") and token not in self._vocabulary and token[:-2] in self._vocabulary:
                    token = token[:-2]
                tokens.append(token)
                originals.append(piece)
                spaced.append(follows)
                follows = True
        # In a message typed in capitals, "ALL" or "LES" is no abbreviation.
        letters = [o for o in originals if o.isalpha()]
        shouting = len(letters) > 3 and sum(o.isupper() for o in letters) > len(letters) / 2
        tokens, originals, joined, spaced = self._joined(tokens, originals, spaced)
        corrected = [self._corrections(t) for t in tokens]
        # Before another word of a name, a word with "'s" or a bare "s" is that name's word: a possessive
        # ("lamberts eaton", "addison's disease", "lambert eatons syndrome": apostrophes are often left out), though
        # "lamberts" is a real word (the unit) and "addison's" a name's word of its own ("autoimmune addison's"). With
        # "'s" it is no guess; a bare "s" is one. A name's last word is never read in the other number ("back pains"
        # is no "Back pain"; see below).
        bare = [self._bare_word(t) for t in tokens]
        # An everyday word beside a name's word may be that name's word mistyped ("lambert eaten"): offered only
        # inside a name of several words, never alone ("eaten" is no name) nor as its first word (a person's name
        # after the first: MisheardNames._an_eponym_of), so it widens no reach. Looked up only for a span not found.
        beside: dict[int, list[str]] = {}

        def near(position: int) -> list[str]:
            if position not in beside:
                beside[position] = self._beside_names(tokens, position)
            return beside[position]
        used = [False] * len(tokens)
        # The longest span worth looking up from each position, by its word and that word's corrections.
        reach = [max(self._longest_from.get(word, 0) for word in (token, *alternatives, name_word))
                 for token, alternatives, name_word in zip(tokens, corrected, bare, strict=True)]
        matches: list[FocusMatch] = []
        for size in range(min(self.max_words, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                if size > reach[start] or any(used[start:start + size]):
                    continue
                span = tokens[start:start + size]
                has_joined = not joined.isdisjoint(range(start, start + size))
                # Words joined are a guess, and a guess never reads as an abbreviation ("cmt dia" is no CMTDIA).
                match = self._lookup(span, None if shouting else originals[start:start + size],
                                     as_written=not has_joined)
                was_corrected = False
                if match is None and size > 1 and any(bare[start:start + size - 1]):
                    possessive = [*(name_word or word for name_word, word in zip(bare[start:start + size - 1],
                                                                                span[:-1], strict=True)), span[-1]]
                    match = self._lookup(possessive, None if shouting else originals[start:start + size],
                                         as_written=not has_joined)
                    # A bare "s" may be a verb's ("what lowers back pain"): a guess, where "'s" is none.
                    was_corrected = match is not None and any(
                        tokens[i] != f"{bare[i]}'s" for i in range(start, start + size - 1) if bare[i])
                if match is None and any(corrected[start:start + size]):
                    for candidate in _corrected_spans(span, corrected[start:start + size]):
                        match = self._lookup(candidate, None, as_written=False)
                        if match is not None:
                            was_corrected = True
                            break
                if match is None and size > 1:
                    options = [[], *(near(i) for i in range(start + 1, start + size))]
                    if any(options):
                        match = self._swapped(span, options)
                        was_corrected = match is not None
                if match is None:
                    continue
                key, docs = match
                was_corrected = was_corrected or has_joined
                if key in self._case_sensitive and not all(o.isupper() for o in originals[start:start + size]):
                    was_corrected = True
                for i in range(start, start + size):
                    used[i] = True
                matches.append(self._match(key, docs, " ".join(originals[start:start + size]), was_corrected))
        # Last, what is left may be a name heard, not read: a guess, as a correction is.
        for start, end, key in self._heard_alike(tokens, originals, spaced, used):
            heard = self._names.get(key) or set()
            if heard or key in self._generic_of:
                matches.append(self._match(key, heard, " ".join(originals[start:end]), True))
        return matches

    def _match(self, key: str, docs: Set[int], written: str, corrected: bool) -> FocusMatch:
        generic = self._generic_of.get(key, "")
        return FocusMatch(self._display[key], written, self._same_condition(docs), corrected,
                          generic if generic and normalise(generic) != key else self._expansion(key, docs), generic)

    def _same_condition(self, documents: Set[int], generic: int = 30) -> frozenset[int]:
        """The documents plus every document sharing one of their specific names (one hop).

        Sources name one condition differently (GARD's title is another encyclopedia's synonym);
        names shared by many documents ("cancer") or short abbreviations link nothing, and neither does a
        synonym that is the title of another page of the document's own source: that source tells the two
        conditions apart (GARD lists "Congenital myasthenic syndrome" among the synonyms of Lambert-Eaton
        myasthenic syndrome, and has a page for each).
        """
        found = set(documents)
        for document_id in documents:
            for key in self._keys_of.get(document_id, ()):
                linked = self._names[key]
                if key not in self._case_sensitive and len(linked) <= generic and len(key) >= 6:
                    found |= linked
        return frozenset(found)

    def _expansion(self, key: str, documents: Set[int]) -> str:
        """The title an abbreviation stands for, when all its documents are about one condition."""
        if key not in self._case_sensitive:
            return ""
        first = min(documents)
        if not documents <= self._same_condition({first}):
            return ""  # "LES": Lambert-Eaton syndrome or lower esophageal sphincter
        title = re.sub(r"\s*\([^)]*\)", "", self._titles.get(first, "")).strip()
        return title if normalise(title) != key else ""

    def _lowercase_abbreviation(self, key: str) -> bool:
        """Whether an abbreviation may match where the question does not write it in capitals: one word of
        three letters or more, not a stopword, that the knowledge base reads as the abbreviation."""
        return (self._reads_as_abbreviation is not None and " " not in key and len(key) >= 3 and key.isalnum()
                and key not in STOPWORDS and self._reads_as_abbreviation(key))

    def _lookup(
        self, span: list[str], originals: list[str] | None, as_written: bool = True
    ) -> tuple[str, Set[int]] | None:
        """The name ``span`` spells and its documents. ``originals`` are the words as written (None in a
        message typed in capitals); a span of typo corrections (``as_written`` false) never reads as an
        abbreviation: "madam" is no misspelling of MADA."""
        key = " ".join(span)
        docs = self._names.get(key)
        if docs is None or (not docs and key not in self._generic_of):
            return None
        if key in self._case_sensitive:
            in_capitals = originals is not None and all(o.isupper() for o in originals)
            if not in_capitals and (not as_written or not self._lowercase_abbreviation(key)):
                return None
        elif len(span) == 1 and (key in STOPWORDS or len(key) < 3):
            return None
        return key, docs


def _generic_keys(generic: str, everyday: Collection[str]) -> list[tuple[str, str]]:
    """(key, as written) for a drug table's generic name: in full, and its first word when that is a long
    word, not an everyday one ("amifampridine phosphate": also "amifampridine")."""
    written = generic.strip()
    full = normalise(written)
    if len(full) < 3 or full in STOPWORDS:
        return []
    keys = [(full, written)]
    first = full.split(" ")[0]
    if first != full and len(first) >= 6 and first not in everyday and first not in STOPWORDS:
        keys.append((first, written.split()[0]))
    return keys


def _generic_documents(names: Mapping[str, set[int]], generic: str) -> set[int]:
    """The documents named by ``generic``, or by its longest leading words that name some."""
    words = normalise(generic).split()
    for size in range(len(words), 0, -1):
        found = names.get(" ".join(words[:size]))
        if found:
            return set(found)
    return set()


def _other_condition_names(
    names: Mapping[str, set[int]], titled: Mapping[str, set[int]], sources: Mapping[int, str]
) -> set[tuple[int, str]]:
    """(document, name) pairs where the document lists as a synonym the title of another of its source's pages."""
    found: set[tuple[int, str]] = set()
    for key, holders in titled.items():
        titled_sources = {sources[d] for d in holders if d in sources}
        for document_id in names[key]:
            if document_id not in holders and sources.get(document_id) in titled_sources:
                found.add((document_id, key))
    return found


def _variants(name: str, everyday: Collection[str] = ()) -> list[tuple[str, bool]]:
    """Ways a question may write a name; ``True`` marks short abbreviations that must be upper case.
    ``everyday`` words are never a variant made by dropping an eponym's apostrophe and suffix ("Hunter's
    syndrome" is not "hunters")."""
    found: list[tuple[str, bool]] = []
    stripped = re.sub(r"\s*\(([^)]*)\)\s*", " ", name).strip()
    # As a question is read (NameIndex.find, healthqa.understand.understand): without accents ("Sjögren"), in
    # American spelling ("Congenital oesophageal stenosis" is also "congenital esophageal stenosis").
    read_as = {american_spelling(without_accents(written)) for written in (name, stripped)}
    for candidate in {name, stripped} | read_as:
        key = normalise(candidate)
        if key:
            found.append((key, _is_abbreviation(candidate)))
        if "," in candidate and candidate.count(",") == 1:
            head, tail = (part.strip() for part in candidate.split(","))
            found.append((normalise(f"{tail} {head}"), False))
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= 6:
                # "CHARGE syndrome" without its suffix is an acronym, not the word "charge".
                short = key[: -len(suffix)]
                found.append((short, _is_abbreviation(candidate.rsplit(None, 1)[0])))
                # "is it parkinsons?": the eponym without its apostrophe or its suffix.
                if short.endswith("'s") and short.replace("'s", "s") not in everyday:
                    found.append((short.replace("'s", "s"), False))
        if "'s" in key:
            # People drop the apostrophe of an eponym: "raynauds", "gilberts syndrome".
            found.extend((variant, False) for variant in {key.replace("'s", "s"), key.replace("'s", "")})
    for abbreviation in re.findall(r"\(([A-Z][A-Za-z0-9-]{1,9})\)", name):
        found.append((normalise(abbreviation), _is_abbreviation(abbreviation)))
    return found


def _is_abbreviation(text: str) -> bool:
    """Short names in capitals ("LES"), one word in capitals ("CLIPPERS", "CADASIL") or names with capitals
    inside ("ChILD"): as plain words many are everyday words ("les", "clippers", "child"), so they match
    only where the question writes them in capitals (or see ``NameIndex``'s ``reads_as_abbreviation``)."""
    letters = re.sub(r"[^A-Za-z]", "", text)
    if letters.isupper() and len(letters) >= 2 and len(text.split()) == 1:
        return True
    if not 0 < len(letters) <= 6:
        return False
    return (letters.isupper() and len(letters) <= 5) or sum(c.isupper() for c in letters[1:]) >= 2


def dictionary_deletes(everyday: Collection[str]) -> dict[str, set[str]]:
    """Everyday words long enough to be corrected two edits into a name (seven letters or more), by their
    one-letter deletions."""
    found: dict[str, set[str]] = defaultdict(set)
    for word in everyday:
        if len(word) >= 7 and word.isalpha():
            for deleted in deletes(word, 1):
                found[deleted].add(word)
    return found


def _corrected_spans(span: list[str], options: list[list[str]]) -> Iterable[list[str]]:
    choices = [[word, *alternatives] for word, alternatives in zip(span, options, strict=True)]
    results: list[list[str]] = [[]]
    for choice in choices:
        results = [[*prefix, word] for prefix in results for word in choice[:4]]
        if len(results) > 64:
            break
    return [r for r in results if r != span and len(r) == len(span)]
