"""How stored text is worded on the pages: display only, never the stored text nor what is ranked.

MedQuAD's questions come from templates ("What is (are) Flu ?"); the pages show them as a person would
write them ("What is Flu?"). A card's label is the type of the question its passage answers, read from
that question where MedQuAD's type attribute disagrees with it. A passage's lists are shown as lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from markupsafe import Markup, escape

from healthqa.answer.gap import answered_type
from healthqa.answer.wording import text_blocks

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
    """What two questions share when they read the same: case, spaces, punctuation and an abbreviation in
    brackets aside ("What is Lambert-Eaton syndrome (LEMS)?" reads as "What Is Lambert-Eaton Syndrome?")."""
    unbracketed = re.sub(r"\s*\([A-Z][A-Z0-9-]{1,9}\)", "", display_question(text))
    return " ".join(re.sub(r"[^\w\s]", " ", unbracketed.casefold()).split())


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
    """The label of a passage: its section type, or the type its own question asks where the two disagree
    (see :func:`healthqa.answer.gap.answered_type`: MedQuAD's type attribute is sometimes wrong)."""
    return answered_type(section, question)


def _marks(text: str, sentences: Sequence[str]) -> list[tuple[int, int]]:
    """Where each of ``sentences`` (exact substrings, in order) lies in ``text``; the ones not found left out."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sentence in sentences:
        at = text.find(sentence, cursor) if sentence else -1
        if at >= 0:
            spans.append((at, at + len(sentence)))
            cursor = at + len(sentence)
    return spans


def _marked(text: str, start: int, end: int, marks: Sequence[tuple[int, int]]) -> Markup:
    """``text[start:end]`` escaped, with the parts inside ``marks`` wrapped in <mark>."""
    parts: list[Markup] = []
    cursor = start
    for low, high in marks:
        low, high = max(low, start), min(high, end)
        if low >= high or low < cursor:
            continue
        parts.append(escape(text[cursor:low]))
        parts.append(Markup("<mark>") + escape(text[low:high]) + Markup("</mark>"))
        cursor = high
    parts.append(escape(text[cursor:end]))
    return Markup("").join(parts)


def passage_html(text: str, sentences: Sequence[str] = ()) -> Markup:
    """A passage as HTML: its paragraphs as <p> and its lists as <ul> (read from its whitespace, see
    :func:`healthqa.answer.wording.text_blocks`), every piece escaped, ``sentences`` marked where they fall."""
    marks = _marks(text, sentences)
    html: list[Markup] = []
    for block in text_blocks(text):
        pieces = [_marked(text, start, end, marks) for start, end in block.spans]
        if block.kind == "list":
            html.append(Markup("<ul>") + Markup("").join(Markup("<li>") + p + Markup("</li>") for p in pieces)
                        + Markup("</ul>"))
        else:
            html.append(Markup("<p>") + pieces[0] + Markup("</p>"))
    return Markup("").join(html)
