"""Sentences, clauses and words of a passage, as character spans of the passage's own text.

The comparison quotes sentences verbatim, so everything here returns offsets into the original string and
never rewrites it. Passages arrive in several shapes: prose, one item per line (web pages), and MedQuAD's
flattened lists ("include:  - a  - b"), so a list item counts as a sentence of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# A list item inside a line: MedQuAD flattens bullets to "  - item" (two spaces) or ": - item".
_INLINE_BULLET = re.compile(r"(?:\s{2,}|(?<=:)\s*)[-•▪◦*]\s+(?=\S)")
_LEADING_BULLET = re.compile(r"^\s*[-•▪◦*]\s+")
# End of a sentence: . ! ? (and closing quotes/brackets) then space and something that starts a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
# Abbreviations after which a full stop does not end the sentence.
_NO_BREAK_AFTER = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Mrs|Ms|St|No|approx|U\.S|U\.K)\.|\b[A-Z]\.)$")
_CLAUSE_BREAK = re.compile(
    r"[,;:()\[\]\u2013\u2014]|\s-\s|\b(?:but|however|although|though|while|whereas|yet|except)\b", re.IGNORECASE
)
# Coarser parts of a sentence, for hedges: brackets and commas do not end them ("which usually occurs for the
# first time (sporadically)", "most often caused by a random mutation, rather than inheritance").
_PART_BREAK = re.compile(r"[;:\u2013\u2014]|\s-\s|\b(?:but|however|although|though|while|whereas|yet|except)\b",
                         re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    """A sentence or list item: ``text[start:end]`` of the passage."""

    start: int
    end: int
    text: str
    bullet: bool  # a list item rather than a sentence of prose

    @property
    def question(self) -> bool:
        return self.text.rstrip().endswith("?")


def sentences(text: str) -> list[Sentence]:
    """The passage's sentences and list items, in order, each trimmed of surrounding space."""
    found: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", text):
        for seg_start, seg_end, bullet in _segments(line.group(0), line.start()):
            for start, end in _split_sentences(text, seg_start, seg_end):
                found.append(Sentence(start, end, text[start:end], bullet))
                bullet = False  # only the first sentence of an item is the item itself
    return found


def _segments(line: str, offset: int) -> Iterator[tuple[int, int, bool]]:
    """A line's list items (and the text before the first one) as absolute spans."""
    lead = _LEADING_BULLET.match(line)
    position = lead.end() if lead else 0
    bullet = lead is not None
    for marker in _INLINE_BULLET.finditer(line, position):
        yield offset + position, offset + marker.start(), bullet
        position, bullet = marker.end(), True
    yield offset + position, offset + len(line), bullet


def _split_sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    position = start
    for boundary in _SENTENCE_END.finditer(text, start, end):
        before = text[position:boundary.start()].rstrip()
        if _NO_BREAK_AFTER.search(before):
            continue
        yield from _trimmed(text, position, boundary.start())
        position = boundary.end()
    yield from _trimmed(text, position, end)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def clauses(sentence: str, coarse: bool = False) -> list[tuple[int, int]]:
    """Spans of the sentence's clauses, split at punctuation and contrastive conjunctions; ``coarse`` parts are
    split at semicolons, colons, dashes and those conjunctions only."""
    spans: list[tuple[int, int]] = []
    position = 0
    for boundary in (_PART_BREAK if coarse else _CLAUSE_BREAK).finditer(sentence):
        if boundary.start() > position:
            spans.append((position, boundary.start()))
        position = boundary.end()
    if position < len(sentence):
        spans.append((position, len(sentence)))
    return spans or [(0, len(sentence))]


def clause_at(sentence: str, offset: int, coarse: bool = False) -> tuple[int, int]:
    """The clause (or coarse part) that contains ``offset`` (the whole sentence when none does)."""
    for start, end in clauses(sentence, coarse):
        if start <= offset < end:
            return start, end
    return 0, len(sentence)


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """Lower-cased words with their spans (apostrophes kept, so "isn't" stays one word)."""
    # Matched on the original text: lower-casing first could shift offsets (e.g. "İ" becomes two characters).
    return [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
