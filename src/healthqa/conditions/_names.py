"""Names as the linker compares them: exact full names, a few spelling variants, and abbreviations.

Two names are the same name when their *keys* are equal. A key is the name through
:func:`healthqa.understand.normalise` (lower case, punctuation dropped, inner hyphens as spaces) and
without a possessive "'s" ("Cushing's syndrome" = "Cushing syndrome"). A name also yields the keys of
two variants that sources write for one name: a single comma inverted ("Lupus, systemic" = "systemic
lupus") and a pair of hyphenated eponyms swapped ("Eaton-Lambert syndrome" = "Lambert-Eaton syndrome").
The name without a parenthesised part ("Klippel-Trenaunay syndrome (KTS)") is a weaker, *shortened* key.

Nothing else is equated: no suffix is dropped and no word is ignored, so "Lambert syndrome" never meets
"Lambert-Eaton syndrome" and "diabetes" never meets "diabetes insipidus".

Abbreviations ("LEMS", "LES") are kept apart from full names: their *expansion* is the full name of the
same document whose word initials spell them, and the linker trusts an abbreviation only when every
document carrying it expands it the same way.
"""

from __future__ import annotations

import re

from healthqa.understand import normalise

_PARENTHESIS = re.compile(r"\s*\(([^()]*)\)\s*")
# Two capitalised words joined by a hyphen: the usual way of naming a condition after two people.
_EPONYM_PAIR = re.compile(r"\b([A-Z][a-z\u00e0-\u00ff]{2,})-([A-Z][a-z\u00e0-\u00ff]{2,})\b")
_ABBREVIATION = re.compile(r"[A-Z][A-Z0-9-]{1,9}")
# Small words that acronyms often leave out ("MERRF": myoclonic epilepsy with ragged red fibers).
_SKIPPABLE = frozenset({"of", "and", "with", "the", "in", "to", "due", "a", "an", "or", "for", "by", "on"})


def key(text: str) -> str:
    """The exact key of one spelling: normalised, possessive "'s" dropped."""
    return " ".join(word[:-2] if word.endswith("'s") else word for word in normalise(text).split())


def abbreviation(name: str) -> str | None:
    """The abbreviation ``name`` is ("LEMS", "CMT1A"), or None for a full name."""
    text = name.strip()
    if not _ABBREVIATION.fullmatch(text):
        return None
    letters = re.sub(r"[^A-Za-z]", "", text)
    return text.replace("-", "") if 2 <= len(letters) <= 6 else None


def name_keys(name: str) -> set[str]:
    """The keys of a full name as written, with a comma inverted and eponyms swapped; empty for an abbreviation.

    A parenthesised abbreviation that the rest of the name spells out is dropped:
    "Lambert-Eaton myasthenic syndrome (LEMS)" = "Lambert-Eaton myasthenic syndrome".
    """
    if abbreviation(name):
        return set()
    found = _spellings(name)
    stripped = _strip(name)
    if stripped and _abbreviated(name, stripped):
        found |= _spellings(stripped)
    return found


def shortened_keys(name: str) -> set[str]:
    """The keys of a name without a parenthesised part ("Collapsed lung (pneumothorax)" -> "collapsed lung").

    Weaker than :func:`name_keys`: "Estrogen and Progestin (Oral Contraceptives)" and "Estrogen and
    Progestin (Hormone Replacement Therapy)" shorten alike, so a shortened name only links to a document
    that has it as its full name.
    """
    stripped = _strip(name)
    if not stripped or abbreviation(name) or abbreviation(stripped) or _abbreviated(name, stripped):
        return set()
    return _spellings(stripped) - name_keys(name)


def _strip(name: str) -> str:
    """``name`` without its parenthesised parts; "" when it has none."""
    stripped = _PARENTHESIS.sub(" ", name).strip()
    return "" if stripped == name.strip() else stripped


def _abbreviated(name: str, stripped: str) -> bool:
    shorts = [abbreviation(inner) for inner in _PARENTHESIS.findall(name)]
    return all(short and spells(short, key(stripped)) for short in shorts)


def _spellings(name: str) -> set[str]:
    found = {key(name)}
    if name.count(",") == 1:
        head, tail = (part.strip() for part in name.split(","))
        found.add(key(f"{tail} {head}"))
    for match in _EPONYM_PAIR.finditer(name):
        found.add(key(f"{name[:match.start()]}{match.group(2)}-{match.group(1)}{name[match.end():]}"))
    found.discard("")
    return found


def contains(longer: str, shorter: str) -> bool:
    """Whether the key ``shorter`` is a run of whole words inside the different key ``longer``."""
    return longer != shorter and f" {shorter} " in f" {longer} "


def overlaps(first: str, second: str) -> bool:
    """Whether the words of one key are the other's words in order, perhaps with others between them.

    "sudden infant death syndrome" and "sudden infant death with dysgenesis of the testes syndrome";
    "lambert eaton syndrome" and "lambert eaton myasthenic syndrome".
    """
    shorter, longer = sorted((first.split(), second.split()), key=len)
    words = iter(longer)
    return all(word in words for word in shorter)


def inner_abbreviations(name: str) -> list[str]:
    """Abbreviations written inside a name: "Lambert-Eaton myasthenic syndrome (LEMS)" -> ["LEMS"]."""
    found = []
    for inner in _PARENTHESIS.findall(name):
        short = abbreviation(inner)
        if short:
            found.append(short)
    return found


def spells(short: str, full_key: str) -> bool:
    """Whether the initials of ``full_key``'s words spell the abbreviation ``short``."""
    target = short.lower()
    words = full_key.split()
    every = "".join(w[0] for w in words if w)
    essential = "".join(w[0] for w in words if w and w not in _SKIPPABLE)
    return target in (every, essential)
