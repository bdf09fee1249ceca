"""Learned weights that ship with healthqa: small JSON files of logistic-regression coefficients, and the
query adapter (a 384 x 384 matrix in ``query_adapter.npy``, its description in ``query_adapter.json``).

JSON rather than pickles: a weights file is data that anyone can read, diff and review, and loading
it runs no code (the adapter's matrix is read with ``allow_pickle=False``, which runs none either). Each
file names its features in order, so a model trained on another feature list is refused instead of
silently mis-scoring. Files are written by :mod:`healthqa.mediqa.training`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

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
                f"`python -m healthqa.mediqa.training {name}`"
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
            f"the {name} weights ({name}.json in healthqa.learned) cannot be read: {error}; "
            f"retrain with `python -m healthqa.mediqa.training {name}`"
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


@dataclass(frozen=True)
class QueryAdapter:
    """A linear map applied to a question's sentence vector before it is compared with the knowledge base's
    FAQ question vectors: learned so that a long consumer message lands near the FAQ question it asks
    ("my dad ... eaton lambert, can my kids get it?" near "Is Lambert-Eaton myasthenic syndrome inherited ?").
    Only for vectors of the ``encoder`` it was trained on."""

    matrix: npt.NDArray[np.float32]
    encoder: str
    # Adapted vectors are spread more evenly (their cosine with an unrelated question is ~0, not ~0.17):
    # ``scale * cosine + shift`` puts a similarity back on the encoder's own scale, which the ranking
    # weights and the answer thresholds are set on (fitted at training on the training questions' 100
    # nearest knowledge-base questions).
    scale: float = 1.0
    shift: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.matrix.ndim != 2 or self.matrix.shape[0] != self.matrix.shape[1]:
            raise ConfigError(f"query adapter: the matrix is not square (shape {self.matrix.shape})")
        if not np.isfinite(self.matrix).all() or not (math.isfinite(self.scale) and math.isfinite(self.shift)):
            raise ConfigError("query adapter: the matrix holds a value that is not a finite number")

    def similarity(self, cosine: float) -> float:
        """An adapted vector's cosine on the encoder's own similarity scale."""
        return self.scale * cosine + self.shift

    def __call__(self, vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The adapted vector, normalised again (so a dot product stays a cosine)."""
        adapted = self.matrix @ vector
        norm = float(np.linalg.norm(adapted))
        result: npt.NDArray[np.float32] = (adapted / norm if norm else adapted).astype(np.float32)
        return result


T = TypeVar("T")


def _read_counted(name: str, key: str, read: Callable[[Any], T]) -> T:
    """``read`` of the ``key`` list of the counted file ``name`` (question words, question templates); a file that
    is missing or malformed is a ConfigError that names it and the command that counts it again."""
    resource = resources.files(__name__).joinpath(f"{name}.json")
    try:
        return read(json.loads(resource.read_text(encoding="utf-8"))[key])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(
            f"the {name.replace('_', ' ')} ({name}.json in healthqa.learned) cannot be read: {error}; "
            f"count them again with `python -m healthqa.mediqa.training {name.replace('_', '-')}`"
        ) from error


def _write_counted(name: str, key: str, values: list[Any], meta: dict[str, Any], path: Path | None) -> Path:
    target = path or Path(__file__).resolve().parent / f"{name}.json"
    target.write_text(json.dumps({key: values, "meta": meta}, indent=0) + "\n", encoding="utf-8")
    return target


@lru_cache(maxsize=1)
def question_words() -> frozenset[str]:
    """The words of question templates ("caus", "affect", "symptom": index terms as the full-text search stems
    them), counted on MedQuAD's questions by :mod:`healthqa.mediqa.question_words`; read once per process."""
    return _read_counted("question_words", "words", lambda words: frozenset(str(word) for word in words))


def save_question_words(words: list[str], meta: dict[str, Any], path: Path | None = None) -> Path:
    target = _write_counted("question_words", "words", words, meta, path)
    question_words.cache_clear()
    return target


@lru_cache(maxsize=1)
def question_templates() -> tuple[tuple[str, str], ...]:
    """MedQuAD's question templates with their types (("What are the complications of X ?", "complications"),
    ...), counted by :mod:`healthqa.mediqa.question_templates`; read once per process."""
    return _read_counted("question_templates", "templates",
                         lambda templates: tuple((str(t["text"]), str(t["type"])) for t in templates))


def save_question_templates(templates: list[dict[str, Any]], meta: dict[str, Any], path: Path | None = None) -> Path:
    target = _write_counted("question_templates", "templates", templates, meta, path)
    question_templates.cache_clear()
    return target


@lru_cache(maxsize=1)
def query_adapter() -> QueryAdapter:
    """The shipped query adapter, read once per process."""
    return read_query_adapter(resources.files(__name__))


def read_query_adapter(folder: Traversable | Path) -> QueryAdapter:
    """The adapter written into ``folder`` by :func:`save_query_adapter`."""
    try:
        with folder.joinpath("query_adapter.npy").open("rb") as handle:
            matrix = np.load(handle, allow_pickle=False)
        meta = json.loads(folder.joinpath("query_adapter.json").read_text(encoding="utf-8"))
        encoder = str(meta.pop("encoder"))
        scale, shift = float(meta.pop("scale")), float(meta.pop("shift"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ConfigError(
            f"the query adapter (query_adapter.npy and .json in {folder}) cannot be read: {error!r}; "
            "retrain with `python -m healthqa.mediqa.training query-adapter`"
        ) from error
    return QueryAdapter(np.ascontiguousarray(matrix, dtype=np.float32), encoder, scale, shift, meta)


def save_query_adapter(adapter: QueryAdapter, folder: Path | None = None) -> Path:
    """Writes the adapter's matrix and description (beside this module unless ``folder`` is given)."""
    target = folder or Path(__file__).resolve().parent
    np.save(target / "query_adapter.npy", adapter.matrix.astype(np.float32), allow_pickle=False)
    description = {"encoder": adapter.encoder, "scale": adapter.scale, "shift": adapter.shift, **adapter.meta}
    (target / "query_adapter.json").write_text(json.dumps(description, indent=1) + "\n", encoding="utf-8")
    query_adapter.cache_clear()
    return target / "query_adapter.npy"
