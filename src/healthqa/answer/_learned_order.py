"""The learned order of the hand-weighted ranking's best candidates (issue 16; :mod:`healthqa.learned.ranker`, off in
``ask`` unless switched on): the features it reads of a scored passage and the order it gives them.
Imported from :mod:`healthqa.answer.rank`."""

from __future__ import annotations

import math
import re

import numpy as np

from healthqa.answer._scoring import SUMMED_FEATURES, Scored, Weights
from healthqa.learned import ranker as learned_ranker
from healthqa.records import SectionType
from healthqa.understand import Understanding

# What the learned ranker reads of a scored passage: the summed features, the hand-weighted score, the passage's
# length and how many of the question's words its title and its FAQ question hold.
LEARNED_FEATURES = (*SUMMED_FEATURES, "hand_score", "log_words", "title_overlap", "question_overlap")
_WORDS = re.compile(r"[a-z0-9]+")


def learned_features(scored: Scored, keywords: frozenset[str]) -> list[float]:
    """The values of LEARNED_FEATURES for a scored passage; ``keywords``: the question's content words."""
    passage = scored.passage
    words = len(passage.text.split())
    title = set(_WORDS.findall(passage.title.lower()))
    question = set(_WORDS.findall(scored.question.lower()))
    share = max(len(keywords), 1)
    return [
        *(scored.features[name] for name in SUMMED_FEATURES),
        scored.score,
        math.log1p(words),
        len(keywords & title) / share,
        len(keywords & question) / share,
    ]


def question_keywords(understood: Understanding) -> frozenset[str]:
    return frozenset(word for keyword in understood.keywords for word in _WORDS.findall(keyword.lower()))


def type_first_candidate(scored: list[Scored], understood: Understanding, weights: Weights) -> set[int]:
    """Positions of the candidates that type before tier may lift: of the asked type, about the focus."""
    if understood.qtype is SectionType.INFORMATION:
        return set()
    least = max(weights.type_first_specificity, 1e-9)
    return {i for i, s in enumerate(scored)
            if s.features["type_match"] and max(s.features["focus"], s.features["title_focus"]) >= least}


def learned_order(model: learned_ranker.LearnedRanker, scored: list[Scored], understood: Understanding,
                  weights: Weights) -> list[Scored]:
    """``scored`` (the hand-weighted ranking) in the learned model's order, then type before tier on the
    learned scale. Each passage keeps its hand-weighted score (the answer thresholds are set on it); the
    learned score is its feature ``learned``."""
    if not scored:
        return scored
    keywords = question_keywords(understood)
    matrix = np.asarray([learned_features(s, keywords) for s in scored], dtype=np.float64)
    values = model.scores(matrix)
    for item, value in zip(scored, values.tolist(), strict=True):
        item.features["learned"] = value
    order = sorted(range(len(scored)), key=lambda i: (-values[i], i))
    lift = type_first_candidate(scored, understood, weights)
    first_right = next((rank for rank, i in enumerate(order) if i in lift), 0)
    if first_right and values[order[0]] - values[order[first_right]] <= model.type_first_margin:
        order.insert(0, order.pop(first_right))
    return [scored[i] for i in order]
