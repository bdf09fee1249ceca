"""The learned passage ranker (issue 16, learning to rank): a linear scoring function over the ranking's
features, fitted on pairs of candidates of LiveQA 2017 *training* questions (a passage holding the question's
reference answer above one that does not) by :mod:`healthqa.mediqa.ltr_training`.

It re-orders the hand-weighted ranking's best ``depth`` candidates (see :class:`healthqa.answer.rank.Ranker`).
It ships switched off (``LEARNED_RANKING``): it did not beat the hand-set weights in cross-validation on the
training questions; BENCHMARKS.md ("Learning to rank") has the figures. The file is ``ltr.json`` beside this
module, a :class:`healthqa.learned.LinearModel` (its intercept and threshold are unused: only the order
counts) whose ``meta`` records the training files and the type-before-tier margin chosen with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from healthqa import learned
from healthqa.errors import ConfigError

# Off: the learned order is used by ``ask`` only when this is True (see the module's docstring).
LEARNED_RANKING = False
NAME = "ltr"


@dataclass(frozen=True)
class LearnedRanker:
    model: learned.LinearModel
    # Type before tier on the learned scale: the best passage of the asked type about the focus comes first
    # when its learned score is at most this far below the best (infinite: always; negative: never).
    type_first_margin: float
    depth: int  # how many of the hand-weighted ranking's best candidates it re-orders

    def scores(self, matrix: learned.Matrix) -> learned.Matrix:
        """One ranking score per row (rows in ``model.features`` order); higher ranks first."""
        if matrix.ndim != 2 or matrix.shape[1] != len(self.model.features):
            raise ValueError(f"expected rows of {len(self.model.features)} features, got shape {matrix.shape}")
        scale = np.asarray(self.model.scale, dtype=np.float64)
        result: learned.Matrix = ((matrix - np.asarray(self.model.mean)) / scale) @ np.asarray(self.model.coef)
        return result


def from_model(model: learned.LinearModel) -> LearnedRanker:
    try:
        margin = float(model.meta.get("type_first_margin", float("inf")))
        depth = int(model.meta.get("depth", 50))
    except (TypeError, ValueError) as error:
        raise ConfigError(f"the learned ranker's meta is malformed: {error!r}") from error
    return LearnedRanker(model, margin, depth)


def read(path: Path) -> LearnedRanker:
    """The learned ranker written at ``path`` (an ``ltr.json``)."""
    try:
        model = learned.LinearModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        raise ConfigError(f"the learned ranker {path} cannot be read: {error}") from error
    return from_model(model)


@learned.read_once
@lru_cache(maxsize=1)
def shipped() -> LearnedRanker | None:
    """The shipped learned ranker (or a rebuilt one, see :func:`healthqa.learned.model_file`), or None when the
    package holds none."""
    resource = learned.model_file(f"{NAME}.json")
    if not resource.is_file():
        return None
    return from_model(learned.load(NAME))
