"""Learned weights that ship with healthqa: small JSON files of logistic-regression coefficients, and the
query adapter (a 384 x 384 matrix in ``query_adapter.npy``, its description in ``query_adapter.json``).

JSON rather than pickles: a weights file is data that anyone can read, diff and review, and loading
it runs no code (the adapter's matrix is read with ``allow_pickle=False``, which runs none either). Each
file names its features in order, so a model trained on another feature list is refused instead of
silently mis-scoring. Files are written by :mod:`healthqa.mediqa.training`; ``python -m healthqa.mediqa.rebuild``
rebuilds them all.

Every model is read through :func:`model_file`: from the package, or from a folder of rebuilt models that holds the
file (``HEALTHQA_LEARNED``, or :func:`reading_from` while a rebuild reads the models it has just written).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from healthqa.errors import ConfigError

Matrix = npt.NDArray[np.float64]

# The folder :func:`reading_from` names while it is in effect; it comes before ``HEALTHQA_LEARNED``.
_READ_FROM: list[Path] = []


def model_file(file_name: str) -> Traversable:
    """Where the learned model file ``file_name`` ("rerank.json", "qtype.npz") is read: in the folder of rebuilt
    models that :func:`reading_from` or ``HEALTHQA_LEARNED`` names when that folder holds it, else in the package.
    A folder of rebuilt models is tried before its files replace the shipped ones; a model it lacks stays the
    shipped one. Models are read once per process: set the variable before the first question."""
    configured = os.environ.get("HEALTHQA_LEARNED")
    if configured and not Path(configured).is_dir():
        # Not the shipped models in silence: a benchmark run would report them as the rebuilt ones.
        raise ConfigError(f"HEALTHQA_LEARNED={configured}: no such folder of rebuilt models")
    for folder in (*_READ_FROM[-1:], *([Path(configured)] if configured else [])):
        if (folder / file_name).is_file():
            return folder / file_name
    return shipped_file(file_name)


def shipped_file(file_name: str) -> Traversable:
    """The package's own model file ``file_name``, whatever folder of rebuilt models is read in its place."""
    return resources.files(__name__).joinpath(file_name)


def model_folder(file_name: str) -> Traversable:
    """The folder :func:`model_file` reads ``file_name`` from: for a model of several files, read together."""
    found = model_file(file_name)
    return found.parent if isinstance(found, Path) else resources.files(__name__)


@contextmanager
def reading_from(folder: Path) -> Iterator[None]:
    """Within the block, the models in ``folder`` are read in place of the shipped ones (see :func:`model_file`):
    a rebuild into a folder fits each model on the ones it has rebuilt before, as a rebuild into the package does.
    The models read before are forgotten on entry and on exit."""
    _READ_FROM.append(folder)
    forget_read_models()
    try:
        yield
    finally:
        _READ_FROM.pop()
        forget_read_models()


def forget_read_models() -> None:
    """Forgets every model read so far in this process: the next use reads its file again."""
    for clear in _FORGETTERS:
        clear()


class _ReadOnce(Protocol):
    def cache_clear(self) -> None: ...


ReadOnce = TypeVar("ReadOnce", bound=_ReadOnce)
# The cache_clear of every model read once per process (see :func:`read_once`).
_FORGETTERS: list[Callable[[], None]] = []


def read_once(cached: ReadOnce) -> ReadOnce:
    """Marks a model reader cached with ``functools.lru_cache`` as one :func:`forget_read_models` clears."""
    _FORGETTERS.append(cached.cache_clear)
    return cached


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


@read_once
@lru_cache(maxsize=8)
def load(name: str) -> LinearModel:
    """The shipped model ``name`` (``rerank`` or ``entail``), read once per process."""
    resource = model_file(f"{name}.json")
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
    resource = model_file(f"{name}.json")
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


@read_once
@lru_cache(maxsize=1)
def question_words() -> frozenset[str]:
    """The words of question templates ("caus", "affect", "symptom": index terms as the full-text search stems
    them), counted on MedQuAD's questions by :mod:`healthqa.mediqa.question_words`; read once per process."""
    return _read_counted("question_words", "words", lambda words: frozenset(str(word) for word in words))


def save_question_words(words: list[str], meta: dict[str, Any], path: Path | None = None) -> Path:
    target = _write_counted("question_words", "words", words, meta, path)
    question_words.cache_clear()
    return target


@read_once
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


@read_once
@lru_cache(maxsize=1)
def query_adapter() -> QueryAdapter:
    """The shipped query adapter (or a rebuilt one, see :func:`model_file`), read once per process."""
    return read_query_adapter(model_folder("query_adapter.npy"))


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
