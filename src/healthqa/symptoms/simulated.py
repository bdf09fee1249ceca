"""Simulated patients drawn from a disorder's own annotations (the Phenomizer protocol, Köhler et al. 2009).

The simulated benchmark (``benchmarks/phenomizer.py``) ranks them; the second stage's refit
(:mod:`healthqa.symptoms.rerank`) also learns from some of them (other draws), so that re-ordering does not
cost patients who describe their features vaguely. One draw gives four conditions:

- clean: ``k`` annotated terms drawn without replacement, with probability proportional to their frequency;
- noise: plus ceil(k/2) terms unrelated to the disorder (neither annotated to it nor an ancestor or descendant of
  its annotations), drawn uniformly from the terms annotated to any disorder;
- imprecision: each drawn term replaced by one of its ancestors chosen uniformly, never the root nor a top-level
  term such as "Phenotypic abnormality" (a term with no other ancestor is kept);
- both: the imprecise terms plus the noise terms.

Patients are drawn from what sources *annotate* (:meth:`Simulator.recorded`): a feature that only the disorder's
definition names (:data:`healthqa.symptoms.knowledge.DEFINITION`) is scored but never drawn, and a disorder with
no annotated feature has no simulated patient (:meth:`Simulator.drawable`).
"""

from __future__ import annotations

import math

import numpy as np

from healthqa.symptoms.hpo import PHENOTYPIC_ABNORMALITY, ROOT, HPOIndex
from healthqa.symptoms.index import SymptomIndex
from healthqa.symptoms.knowledge import DEFINITION

CONDITIONS = ("clean", "noise", "imprecision", "both")


class Simulator:
    """Draws simulated patients of ``index``'s disorders with ``rng``, ``k`` terms each."""

    def __init__(self, index: SymptomIndex, hpo: HPOIndex, rng: np.random.Generator, k: int) -> None:
        self.index, self.hpo, self.rng, self.k = index, hpo, rng, k
        self.top = {ROOT, *hpo.children.get(ROOT, ())}
        phenotypes = hpo.descendants(PHENOTYPIC_ABNORMALITY)
        self.noise_pool = [t for t in index.terms if t in phenotypes]

    def recorded(self, d: int) -> dict[str, float]:
        """Disorder ``d``'s annotated features and their frequencies (those only its definition names left out)."""
        sources = self.index.sources[d]
        return {t: f for t, f in self.index.features[d].items() if sources.get(t) != (DEFINITION,)}

    def drawable(self) -> list[int]:
        """The disorders with an annotated feature: those a simulated patient can be drawn for."""
        return [d for d in range(len(self.index)) if self.recorded(d)]

    def draw(self, features: dict[str, float], eligible: list[str] | None = None) -> list[str]:
        terms = eligible if eligible is not None else list(features)
        weights = np.array([features[t] for t in terms])
        size = min(self.k, len(terms))
        picked = self.rng.choice(len(terms), size=size, replace=False, p=weights / weights.sum())
        return [terms[i] for i in picked]

    def noise(self, features: dict[str, float], count: int) -> list[str]:
        above = set().union(*(self.hpo.ancestors(t) for t in features))
        found: list[str] = []
        for _ in range(100 * count):  # a disorder with very general annotations may have few unrelated terms
            if len(found) == count:
                break
            term = self.noise_pool[int(self.rng.integers(len(self.noise_pool)))]
            if term in above or term in found or self.hpo.ancestors(term) & features.keys():
                continue
            found.append(term)
        return found

    def imprecise(self, term: str) -> str:
        choices = sorted(self.hpo.ancestors(term) - {term} - self.top)
        return choices[int(self.rng.integers(len(choices)))] if choices else term

    def patients(self, d: int) -> dict[str, list[str]]:
        """Disorder ``d``'s patient in each of :data:`CONDITIONS`, from one draw."""
        features = self.recorded(d)
        clean = self.draw(features)
        noise = self.noise(features, math.ceil(len(clean) / 2))
        vague = [self.imprecise(t) for t in clean]
        return {"clean": clean, "noise": clean + noise, "imprecision": vague, "both": vague + noise}
