"""How Orphanet names subtypes: the parent group's name is part of each subtype's ("Botulism" of "Infant
botulism", "Methylmalonic acidemia with homocystinuria" of its "cblC type"). Groups of tied results
(:mod:`healthqa.symptoms.groups`) and urgency marks inherited from a group (:mod:`healthqa.symptoms.urgency`)
both follow it, so that a wide category ("Rare bacterial infectious disease") joins nothing."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")
_LINKING = frozenset({"a", "an", "and", "by", "due", "of", "or", "the", "to", "type", "with"})


def _words(label: str) -> set[str]:
    return set(_WORD.findall(label.lower())) - _LINKING


def names_part(parent: str, name: str) -> bool:
    """Whether the parent's name is part of the subtype's ("Botulism" of "Infant botulism")."""
    words = _words(parent)
    return bool(words) and words <= _words(name)
