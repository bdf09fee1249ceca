"""Groups, not only leaves: sibling subtypes that tie are shown once, under their Orphanet parent group.

Orphanet classifies subtypes under a parent ("Methylmalonic acidemia with homocystinuria" over its types
cblC, cblD, cblF ...). When two or more of the ranked disorders share a parent and their scores lie within
:data:`NEAR_TIE` of the best of them, the results show the parent once with those subtypes under it, at
the place of the best one. The score difference is in the scorer's units (nats of likelihood ratio):
0.5 means one is at most 1.65 times as likely as the other by the recorded features.

A disorder has many parents (the classifications overlap, and many are wide categories such as "Syndromic
cataract"). Only a parent whose name is part of each subtype's name counts ("Botulism" for "Foodborne
botulism", "Methylmalonic acidemia with homocystinuria" for its "cblC type"): that is the naming of
Orphanet's subtypes, and it keeps unrelated disorders filed in one category apart. Among those, the parent
shared by the most tied siblings, then the lowest code, so the choice is the same every run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from healthqa.symptoms.index import DiseaseMatch
from healthqa.symptoms.names import names_part

NEAR_TIE = 0.5


@dataclass(frozen=True)
class DiseaseGroup:
    """A parent group and the tied subtypes under it (their ORPHA codes, in rank order)."""

    orpha: str
    name: str
    members: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"orpha": self.orpha, "name": self.name, "members": list(self.members)}


def group_siblings(
    diseases: Sequence[DiseaseMatch],
    parents: Mapping[str, Sequence[tuple[str, str]]],
    near_tie: float = NEAR_TIE,
) -> list[DiseaseGroup]:
    """The groups among ``diseases`` (ranked, best first); ``parents``: ORPHA code -> (code, label) of
    its parent groups. Each disorder is in at most one group, the group of the best-ranked tied sibling."""
    grouped: set[str] = set()
    groups: list[DiseaseGroup] = []
    for position, leader in enumerate(diseases):
        if leader.orpha in grouped:
            continue
        own = {code: label for code, label in parents.get(leader.orpha, ()) if names_part(label, leader.name)}
        tied = [d for d in diseases[position + 1:]
                if d.orpha not in grouped and leader.score - d.score <= near_tie
                and any(code in own and names_part(label, d.name) for code, label in parents.get(d.orpha, ()))]
        if not tied:
            continue
        shares = {code: sum(code in dict(parents.get(d.orpha, ())) and names_part(own[code], d.name) for d in tied)
                  for code in own}
        code = max(own, key=lambda c: (shares[c], -int(c) if c.isdigit() else 0))
        members = [leader.orpha, *(d.orpha for d in tied
                                   if code in dict(parents.get(d.orpha, ())) and names_part(own[code], d.name))]
        grouped.update(members)
        groups.append(DiseaseGroup(code, own[code], tuple(members)))
    return groups


def arrange(
    diseases: Sequence[DiseaseMatch], groups: Sequence[DiseaseGroup]
) -> list[tuple[DiseaseGroup | None, list[DiseaseMatch]]]:
    """The ranked list as a page shows it: each group once, at its best member's place, with its members
    under it (``(group, members)``); every other disorder on its own (``(None, [disorder])``). Members
    missing from ``diseases`` (a page may leave some out) are skipped; a group left with one is no group."""
    by_code = {d.orpha: d for d in diseases}
    group_of = {member: group for group in groups for member in group.members}
    shown: list[tuple[DiseaseGroup | None, list[DiseaseMatch]]] = []
    placed: set[str] = set()
    for disease in diseases:
        if disease.orpha in placed:
            continue
        group = group_of.get(disease.orpha)
        members = [by_code[m] for m in group.members if m in by_code] if group else [disease]
        placed.update(m.orpha for m in members)
        shown.append((group if len(members) > 1 else None, members))
    return shown
