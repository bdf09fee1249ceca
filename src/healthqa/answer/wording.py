"""healthqa's own words around the quoted passages (the disclaimer, the emergency guidance, the empty answer),
and how a quoted passage is laid out for reading (its paragraphs and lists, found in its own whitespace).

These are labels, guidance and layout, never medical content (which is only ever quoted from sources). Kept apart
from the answering stack so that pages, the CLI and records that show them import nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DISCLAIMER = (
    "healthqa quotes trusted health sources and shows where each passage comes from. It is not medical "
    "advice and cannot examine you: talk with a doctor or other health professional about your situation."
)
EMERGENCY_GUIDANCE = (
    "Your question may describe an emergency. Call your local emergency number now (911 in the US) or go "
    "to the nearest emergency department. If you are thinking about suicide or self-harm, call or text 988 "
    "(the US Suicide & Crisis Lifeline) or your local crisis line. If someone swallowed or breathed in "
    "something harmful, call Poison Control (1-800-222-1222 in the US) or your local poison centre."
)
NO_ANSWER = "No trusted answer found."


def mentioned_only(name: str) -> str:
    """What an answer says when the question names something no page is about and the passages shown only
    mention it ("what is 3,4-diaminopyridine?", quoted from a page on a condition's treatment)."""
    return f"healthqa has no page about “{name}”; the passages below only mention it."


@dataclass(frozen=True)
class EmergencyAction:
    """One thing to do now, as the emergency box lists it (healthqa's words): whom to call (``label``), the
    ``number`` as written for people, the same number as a ``tel:`` link that phones dial (``tel``), and
    ``when`` to call it."""

    label: str  # whom to call: "Poison Control"
    number: str  # as written for people: "1-800-222-1222"
    tel: str  # the number as a tel: link, for phones: "tel:+1-800-222-1222"
    when: str  # when to call it, and what to do outside the US


CALL_EMERGENCY = EmergencyAction(
    "Emergency services", "911", "tel:911",
    "Call now, or go to the nearest emergency department. Outside the US, call your local emergency number.",
)
CALL_CRISIS_LINE = EmergencyAction(
    "Suicide & Crisis Lifeline", "988", "tel:988",
    "Call or text if you are thinking about suicide or self-harm. Outside the US, call your local crisis line.",
)
CALL_POISON_CONTROL = EmergencyAction(
    "Poison Control", "1-800-222-1222", "tel:+1-800-222-1222",
    "Call if someone swallowed or breathed in something harmful. Outside the US, call your local poison centre.",
)


def emergency_actions(kind: str) -> list[EmergencyAction]:
    """The actions for an emergency of ``kind`` (see healthqa.understand.emergency_kind), the most likely first:
    Poison Control for "poison", the crisis line for "suicide", the emergency number otherwise."""
    first = {"poison": CALL_POISON_CONTROL, "suicide": CALL_CRISIS_LINE}.get(kind, CALL_EMERGENCY)
    return [first, *(a for a in (CALL_EMERGENCY, CALL_CRISIS_LINE, CALL_POISON_CONTROL) if a is not first)]


# -- layout of quoted text ---------------------------------------------------------------------------------
# MedQuAD's XML lost its markup: a list is a run of spaces before each "- " ("They may include        - Body or
# muscle aches    - Chills     - Cough"), a paragraph break a longer run of spaces. Saved web pages keep their
# lines ("- Shoulders\n- Hips"). The stored text keeps that whitespace, so the layout is read back at display
# time and nothing that is indexed changes.
_BREAK = re.compile(r"[ \t\u00a0]*\n\s*|[ \t\u00a0]{2,}")  # a line break, or a run of two or more spaces
_ITEM = re.compile(r"(?:[-\u2022*\u25aa\u25e6])\s+(?=\S)")  # "- ", "• ", "* " before an item's words
_PARAGRAPH_SPACES = 3  # a run this long (or a line break) between two sentences starts a new paragraph


@dataclass(frozen=True)
class Block:
    """A paragraph (one span) or a list (one span per item, its bullet left out) of a passage, as character
    offsets ``(start, end)`` into the passage's text, so that marks placed on the text can be laid over it."""

    kind: str  # "paragraph" or "list"
    spans: tuple[tuple[int, int], ...]


def text_blocks(text: str) -> list[Block]:
    """The paragraphs and lists of ``text``, read from its whitespace (see above); [] for blank text."""
    blocks: list[tuple[str, list[tuple[int, int]]]] = []
    cursor = 0
    gap = "\n"  # the start of the text starts a block
    for match in [*_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        segment = text[cursor:end]
        stripped = segment.strip()
        if stripped:
            start = cursor + (len(segment) - len(segment.lstrip()))
            stop = start + len(stripped)
            item = _ITEM.match(text, start, stop)
            if item and item.end() < stop:
                if blocks and blocks[-1][0] == "list":
                    blocks[-1][1].append((item.end(), stop))
                else:
                    blocks.append(("list", [(item.end(), stop)]))
            elif blocks and blocks[-1][0] == "paragraph" and "\n" not in gap and len(gap) < _PARAGRAPH_SPACES:
                blocks[-1][1][0] = (blocks[-1][1][0][0], stop)  # the same paragraph, two spaces after a sentence
            else:
                blocks.append(("paragraph", [(start, stop)]))
            gap = ""
        if match:
            gap += match.group()
            cursor = match.end()
    return [Block(kind, tuple(spans)) for kind, spans in blocks]


def plain_lines(text: str) -> list[str]:
    """``text`` as lines for a terminal: one per paragraph, one per list item ("  - item"), spaces tidied."""
    lines: list[str] = []
    for block in text_blocks(text):
        for start, end in block.spans:
            words = " ".join(text[start:end].split())
            lines.append(f"  - {words}" if block.kind == "list" else words)
    return lines
