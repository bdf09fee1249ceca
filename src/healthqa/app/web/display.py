"""How stored text is worded on the pages: display only, never the stored text nor what is ranked.

MedQuAD's questions come from templates ("What is (are) Flu ?"); the pages show them as a person would
write them ("What is Flu?"). A card's label is the type of the question its passage answers, read from
that question where MedQuAD's type attribute disagrees with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from healthqa.ingest.medquad import parse_question
from healthqa.records import SectionType

T = TypeVar("T")

# "What is (are) X ?", and the other way round: the verb is chosen from X.
_EITHER_VERB = re.compile(r"\b(is|are)\s*\((is|are)\)\s*", re.IGNORECASE)
_SPACE_BEFORE_MARK = re.compile(r"\s+([?!.,;:])")
# Names that end in "s" and are still one thing: "What is diabetes?", not "What are diabetes?".
_SINGULAR_S = frozenset(
    "diabetes measles mumps rabies shingles herpes rickets scabies tetanus lupus news mellitus syphilis "
    "psoriasis sepsis".split()
)


def _plural(name: str) -> bool:
    """Whether a condition's name reads as a plural ("Kidney Stones", "Warts"), so takes "are"."""
    words: list[str] = re.findall(r"[A-Za-z']+", name)
    if not words:
        return False
    last = words[-1]
    if last.isupper():  # AIDS, LEMS: one thing each
        return False
    last = last.lower()
    if last in _SINGULAR_S or last.endswith(("ss", "us", "is", "'s")):
        return False
    return last.endswith("s")


def display_question(text: str) -> str:
    """``text`` as a person would write it: MedQuAD's "(are)" resolved, no space before "?", a capital first.

    "What is (are) Flu ?" -> "What is Flu?"; "What is (are) Kidney Stones ?" -> "What are Kidney Stones?".
    Other text is returned with its spaces tidied only.
    """
    cleaned = " ".join(text.split())
    match = _EITHER_VERB.search(cleaned)
    if match:
        rest = cleaned[match.end():]
        verb = "are" if _plural(rest.rstrip(" ?")) else "is"
        if match.group(1)[0].isupper():
            verb = verb.capitalize()
        cleaned = cleaned[:match.start()] + verb + " " + rest
    cleaned = _SPACE_BEFORE_MARK.sub(r"\1", cleaned)
    if cleaned.endswith("?") and cleaned[:1].islower():
        cleaned = cleaned[0].upper() + cleaned[1:]
    return cleaned


def question_key(text: str) -> str:
    """What two questions share when they read the same: case, spaces and punctuation aside."""
    return " ".join(re.sub(r"[^\w\s]", " ", display_question(text).casefold()).split())


def unique_questions(items: Iterable[T], text: Callable[[T], str]) -> list[T]:
    """``items`` without the ones whose question (``text(item)``) reads the same as an earlier one's."""
    seen: set[str] = set()
    kept: list[T] = []
    for item in items:
        key = question_key(text(item))
        if key in seen:
            continue
        seen.add(key)
        kept.append(item)
    return kept


def card_label(section: str, question: str | None) -> str:
    """The label of a passage: its section type, or the type its own question asks where the two disagree.

    MedQuAD's type attribute is sometimes wrong ("forget a dose" on "What special dietary instructions
    should I follow with X?"); its question templates are not.
    """
    parsed = parse_question(question) if question else None
    # "What is {F}" also fits free-form questions ("What is the best treatment for X?"): "information" is
    # the templates' catch-all, so it never overrides a more specific section.
    if parsed is None or parsed[1] is SectionType.INFORMATION:
        return section
    return parsed[1].value
