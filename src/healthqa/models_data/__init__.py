"""Learned weights that ship with healthqa: small JSON files of logistic-regression coefficients.

JSON rather than pickles: a weights file is data that anyone can read, diff and review, and loading
it runs no code. Each file names its features in order, so a model trained on another feature list
is refused instead of silently mis-scoring. Files are written by :mod:`healthqa._training`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from healthqa.errors import ConfigError

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LinearModel:
    """A standardised logistic regression: ``p = sigmoid(((x - mean) / scale) · coef + intercept)``."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5  # probability at or above which the model says "yes"
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        sizes = {len(self.features), len(self.mean), len(self.scale), len(self.coef)}
        if len(sizes) != 1:
            raise ConfigError(
                f"linear model: features, mean, scale and coef differ in length ({sorted(sizes)})"
            )
        if any(not math.isfinite(v) for v in (*self.mean, *self.scale, *self.coef, self.intercept)):
            raise ConfigError("linear model: a coefficient is not a finite number")

    def probabilities(self, matrix: Matrix) -> Matrix:
        """One probability per row of ``matrix`` (rows are feature vectors in ``features`` order)."""
        if matrix.ndim != 2 or matrix.shape[1] != len(self.features):
            raise ValueError(f"expected rows of {len(self.features)} features, got shape {matrix.shape}")
        if matrix.shape[0] == 0:
            return np.zeros(0, dtype=np.float64)
        scale = np.asarray(self.scale, dtype=np.float64)
        z = ((matrix - np.asarray(self.mean)) / scale) @ np.asarray(self.coef) + self.intercept
        # Clipped so that exp never overflows on an extreme row.
        result: Matrix = 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))
        return result

    def check_features(self, expected: tuple[str, ...] | list[str], name: str) -> None:
        if tuple(expected) != self.features:
            raise ConfigError(
                f"the shipped {name} weights were trained on other features; retrain with "
                f"`python -m healthqa._training {name}`"
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(v, 8) for v in self.mean],
            "scale": [round(v, 8) for v in self.scale],
            "coef": [round(v, 8) for v in self.coef],
            "intercept": round(self.intercept, 8),
            "threshold": round(self.threshold, 6),
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        try:
            return cls(
                features=tuple(str(f) for f in data["features"]),
                mean=tuple(float(v) for v in data["mean"]),
                scale=tuple(float(v) for v in data["scale"]),
                coef=tuple(float(v) for v in data["coef"]),
                intercept=float(data["intercept"]),
                threshold=float(data.get("threshold", 0.5)),
                meta=dict(data.get("meta", {})),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigError(f"linear model JSON is incomplete or malformed: {error!r}") from error


@lru_cache(maxsize=8)
def load(name: str) -> LinearModel:
    """The shipped model ``name`` (``rerank`` or ``entail``), read once per process."""
    resource = resources.files(__name__).joinpath(f"{name}.json")
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"the {name} weights ({name}.json in healthqa.models_data) cannot be read: {error}; "
            f"retrain with `python -m healthqa._training {name}`"
        ) from error
    return LinearModel.from_json(data)


def source_path(name: str) -> Path:
    """Where retraining writes ``name``.json: beside this module, in the source tree."""
    return Path(__file__).resolve().parent / f"{name}.json"


def save(model: LinearModel, name: str, path: Path | None = None) -> Path:
    target = path or source_path(name)
    target.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    load.cache_clear()
    return target
