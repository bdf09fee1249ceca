"""Symptom search over HTTP: a person's words and their corrections in, :class:`SymptomResult` out.

The API takes ``q`` (plain words), ``hpo`` (HPO ids to add) and ``exclude`` (HPO ids to leave out); the
web page also takes words to add (``add``). Every phrase keeps its mapping so that the page can show it,
including the terms that were left out, which the person may want back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from healthqa.app.errors import ApiError
from healthqa.symptoms.hpo import HPOIndex, TermMatch
from healthqa.symptoms.search import SymptomIndex, SymptomResult, groups_of, learned_order

MAX_IDS = 50
MAX_ADDED_WORDS = 20
NO_PHENOTYPES = (
    "Symptom search is not available: the knowledge base holds no Orphanet phenotype annotations. "
    "An administrator can add them with `healthqa ingest` on the Orphanet packets file."
)
_HPO_ID = re.compile(r"[Hh][Pp][:_][0-9]{7}")
# What split_list strips around each entry: white space as str.strip() reads it (ECMA-262's \s differs).
_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# The OpenAPI pattern of one ``hpo`` or ``exclude`` value, as check_ids reads it: ids separated by commas,
# blanks and empty entries ignored (so "" is valid: nothing to add).
ID_LIST_PATTERN = rf"^[{_SPACE},]*(?:{_HPO_ID.pattern}(?:[{_SPACE}]*,[{_SPACE},]*{_HPO_ID.pattern})*)?[{_SPACE},]*$"
ID_LIST_DOC = {"pattern": ID_LIST_PATTERN}
# An entry that starts like an id is read as one (and must be valid), never matched as words.
_LOOKS_LIKE_ID = re.compile(r"HP\s*[:_]", re.IGNORECASE)
_SHOWN_LENGTH = 24


@dataclass(frozen=True)
class SymptomQuery:
    """A checked request: cleaned text, id lists split but not yet resolved against the ontology."""

    text: str
    hpo: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # phrases to add, each mapped on its own (web form)
    top: int = 10


@dataclass(frozen=True)
class MappedTerm:
    """One phrase (or added term) and what became of it."""

    term: TermMatch
    added: bool  # given as an addition rather than found in the description
    used: bool  # part of the search: recognised and not left out


@dataclass(frozen=True)
class SymptomSearch:
    result: SymptomResult  # ``terms`` holds the searched and the unrecognised phrases, as the CLI prints
    mapping: list[MappedTerm] = field(default_factory=list)  # every phrase, the left-out terms included


def _shown(raw: str) -> str:
    """A bad value as it may appear in a message: short, so that a message never carries a long input."""
    raw = raw.strip()
    return raw if len(raw) <= _SHOWN_LENGTH else raw[: _SHOWN_LENGTH - 1] + "…"


def split_list(values: Iterable[str]) -> list[str]:
    """Comma-separated and repeated parameters as one list, blanks dropped."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def check_ids(values: Iterable[str], parameter: str) -> tuple[str, ...]:
    """HPO ids in their written form (``HP:`` and seven digits), upper-cased; 422 naming the first bad one."""
    ids = split_list(values)
    if len(ids) > MAX_IDS:
        raise ApiError(
            422, "too_many_terms", f"'{parameter}' holds {len(ids)} HPO ids; the limit is {MAX_IDS}."
        )
    for raw in ids:
        if not _HPO_ID.fullmatch(raw):
            raise ApiError(
                422, "invalid_hpo_id",
                f"'{_shown(raw)}' in '{parameter}' is not an HPO id: write HP: and seven digits, "
                "for example HP:0000217.",
            )
    return tuple(dict.fromkeys(raw.upper().replace("_", ":") for raw in ids))


def well_formed_ids(values: Iterable[str]) -> tuple[str, ...]:
    """The well-formed ids among ``values``, for the page's own hidden fields (anything else is ignored)."""
    return tuple(dict.fromkeys(v.upper().replace("_", ":") for v in split_list(values) if _HPO_ID.fullmatch(v)))


def split_additions(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The web form's "add" field: (HPO ids, phrases). Entries that start like an id must be valid ids."""
    entries = split_list([text])
    ids = check_ids([e for e in entries if _LOOKS_LIKE_ID.match(e)], "add")
    words = tuple(e for e in entries if not _LOOKS_LIKE_ID.match(e))
    if len(words) > MAX_ADDED_WORDS:
        raise ApiError(422, "too_many_terms", f"Please add at most {MAX_ADDED_WORDS} terms at a time.")
    return ids, words


def _resolve(hpo: HPOIndex, ids: Sequence[str], parameter: str) -> list[str]:
    """The current ids of ``ids`` (alternative and obsolete ids followed); 422 naming an unknown one."""
    found = []
    for raw in ids:
        term = hpo.resolve(raw)
        if term is None:
            version = f" (version {hpo.version})" if hpo.version else ""
            raise ApiError(
                422, "unknown_hpo_id",
                f"{raw} in '{parameter}' is not a term of the Human Phenotype Ontology{version}.",
            )
        found.append(term)
    return found


def run_symptom_query(index: SymptomIndex, query: SymptomQuery) -> SymptomSearch:
    """Map the words, apply the corrections (``exclude`` wins over everything), rank the disorders."""
    hpo = index.hpo
    added = _resolve(hpo, query.hpo, "hpo")
    excluded = set(_resolve(hpo, query.exclude, "exclude"))
    mapping: list[MappedTerm] = []
    seen: set[str] = set()

    def keep(term: TermMatch, is_added: bool) -> None:
        if term.matched and is_added and term.hpo_id in seen:
            return  # already in the description: listed once
        seen.add(term.hpo_id)
        mapping.append(MappedTerm(term, is_added, term.matched and term.hpo_id not in excluded))

    for term in hpo.map_text(query.text) if query.text else []:
        keep(term, False)
    for raw, term_id in zip(query.hpo, added, strict=True):
        keep(TermMatch(raw, term_id, hpo.name(term_id), 1.0), True)
    for phrase in query.words:
        keep(hpo.match(phrase), True)
    terms = [m.term for m in mapping if m.used or not m.term.matched]
    diseases = index.search([t.hpo_id for t in terms if t.matched], query.top, learned_order())
    result = SymptomResult(terms, diseases, hpo.version, groups_of(index, diseases), index.urgent(diseases))
    return SymptomSearch(result, mapping)
