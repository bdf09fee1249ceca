"""The learned question-type classifier: a linear model over a question's words, word pairs and opening
words (TF-IDF weighted), plus any extra tokens the caller adds (question understanding adds its type cues).

It replaces the cue lists where they decided a question's type (see :func:`healthqa.understand.understand`).
The model ships as ``qtype.json`` (classes, vocabulary, what it was trained on) and ``qtype.npz`` (IDF
weights, coefficients as float16, intercepts), read with ``allow_pickle=False``; both are written by
``python -m healthqa.mediqa.training qtype`` (:mod:`healthqa.mediqa.qtype_training`). Scoring needs numpy
only.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from healthqa import learned
from healthqa.errors import ConfigError

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
NAME = "qtype"


def tokens(text: str, extra: Sequence[str] = ()) -> list[str]:
    """The features of ``text``: its words, its word pairs, its first two words (the question's frame:
    "how is", "what are") and ``extra`` tokens as given."""
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    found = [f"w:{w}" for w in words]
    found += [f"b:{a} {b}" for a, b in itertools.pairwise(words)]
    if words:
        found.append(f"s:{' '.join(words[:2])}")
    found.extend(extra)
    return found


def weighted(found: Sequence[str], vocabulary: dict[str, int],
             idf: npt.NDArray[np.float32]) -> tuple[list[int], npt.NDArray[np.float32]]:
    """The column indices and L2-normalised sublinear TF-IDF values of ``found`` (tokens outside
    ``vocabulary`` are dropped)."""
    counts = Counter(vocabulary[t] for t in found if t in vocabulary)
    if not counts:
        return [], np.zeros(0, dtype=np.float32)
    columns = sorted(counts)
    values = np.asarray([(1.0 + math.log(counts[c])) * float(idf[c]) for c in columns], dtype=np.float32)
    norm = float(np.linalg.norm(values))
    return columns, values / norm if norm else values


@dataclass(frozen=True)
class TypeClassifier:
    """Scores every question type for a question; the highest is the question's type."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]  # classes x features
    intercept: npt.NDArray[np.float32]
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        features = len(self.vocabulary)
        if self.coef.shape != (len(self.classes), features) or self.idf.shape != (features,) \
                or self.intercept.shape != (len(self.classes),):
            raise ConfigError(f"question-type model: shapes disagree (classes {len(self.classes)}, vocabulary "
                              f"{features}, coef {self.coef.shape}, idf {self.idf.shape})")
        if not (np.isfinite(self.coef).all() and np.isfinite(self.idf).all() and np.isfinite(self.intercept).all()):
            raise ConfigError("question-type model: a weight is not a finite number")

    def scores(self, text: str, extra: Sequence[str] = ()) -> dict[str, float]:
        """The decision value of every class for ``text`` (higher is likelier)."""
        columns, values = weighted(tokens(text, extra), self.vocabulary, self.idf)
        result = self.intercept.astype(np.float64)
        if columns:
            result = result + self.coef[:, columns].astype(np.float64) @ values.astype(np.float64)
        return dict(zip(self.classes, result.tolist(), strict=True))

    def ranked(self, text: str, extra: Sequence[str] = ()) -> list[str]:
        """Every class, likeliest first."""
        scored = self.scores(text, extra)
        return sorted(scored, key=lambda kind: -scored[kind])

    @property
    def cue_margin(self) -> float:
        """How far below the best class the cue lists' first type may score and still be chosen (chosen by
        cross-validation at training; 0: the classifier alone decides)."""
        return float(self.meta.get("cue_margin", 0.0))

    def decide(self, text: str, extra: Sequence[str] = (), cued: str | None = None) -> str:
        """The question's type: the best class, unless ``cued`` (the cue lists' first type) scores within
        :attr:`cue_margin` of it."""
        scored = self.scores(text, extra)
        best = max(scored, key=lambda kind: scored[kind])
        if cued is not None and cued in scored and scored[best] - scored[cued] < self.cue_margin:
            return cued
        return best

    @property
    def trained_on(self) -> list[str]:
        """The names of the files the model was fitted on (recorded at training)."""
        return [str(name) for name in self.meta.get("trained_on_files", [])]


def read(folder: Traversable | Path, name: str = NAME, command: str = "qtype") -> TypeClassifier:
    """The model written into ``folder`` by :func:`save` under ``name`` (``command``: the training command's
    argument that rebuilds it, for the error)."""
    try:
        description = json.loads(folder.joinpath(f"{name}.json").read_text(encoding="utf-8"))
        with folder.joinpath(f"{name}.npz").open("rb") as handle:
            arrays = np.load(handle, allow_pickle=False)
            idf, coef, intercept = (np.asarray(arrays[k], dtype=np.float32) for k in ("idf", "coef", "intercept"))
        vocabulary = {str(token): i for i, token in enumerate(description["vocabulary"])}
        classes = tuple(str(c) for c in description["classes"])
        meta = dict(description.get("meta", {}))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ConfigError(
            f"the question-type model ({name}.json and .npz in {folder}) cannot be read: {error!r}; "
            f"retrain with `python -m healthqa.mediqa.training {command}`"
        ) from error
    return TypeClassifier(classes, vocabulary, idf, coef, intercept, meta)


def save(model: TypeClassifier, folder: Path | None = None, name: str = NAME) -> Path:
    """Writes the model as ``name`` beside this module unless ``folder`` is given; returns the .npz path."""
    target = folder or Path(__file__).resolve().parent
    target.mkdir(parents=True, exist_ok=True)  # an --out folder not made yet: not an error after a long fit
    order = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    description = {"classes": list(model.classes), "meta": model.meta, "vocabulary": order}
    (target / f"{name}.json").write_text(json.dumps(description, indent=0) + "\n", encoding="utf-8")
    with (target / f"{name}.npz").open("wb") as handle:
        np.savez_compressed(handle, idf=model.idf.astype(np.float16), coef=model.coef.astype(np.float16),
                            intercept=model.intercept.astype(np.float32))
    shipped.cache_clear()
    return target / f"{name}.npz"


@learned.read_once
@lru_cache(maxsize=1)
def shipped() -> TypeClassifier | None:
    """The shipped model (or a rebuilt one, see :func:`healthqa.learned.model_file`), read once per process; None
    when none ships (the type cues decide then)."""
    if not learned.model_file(f"{NAME}.npz").is_file():
        return None
    return read(learned.model_folder(f"{NAME}.npz"))
