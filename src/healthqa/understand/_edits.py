"""Spelling distances for reading names with typos: the optimal-string-alignment distance and the deletion
neighbourhoods a symmetric-delete index looks words up by (:mod:`healthqa.understand._names`,
:mod:`healthqa.understand._misheard`)."""

from __future__ import annotations

# How many words' spelling look-ups a name index keeps (the cache is emptied when full).
CORRECTIONS_KEPT = 50_000


def deletes(word: str, distance: int) -> set[str]:
    """``word`` and every string made from it by deleting up to ``distance`` letters."""
    found = {word}
    frontier = {word}
    for _ in range(distance):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance (transpositions count once)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
