"""Labelled question vectors that a short, uncued question's type is read from when no MedQuAD template is near
enough (:mod:`healthqa.answer.template_type`): the project's own wordings of the founding-document classes
(tests, support organisations, complications, brand names), with every name written as "X", and the short
training questions that no cue types, labelled "other". Built by
``python -m healthqa.mediqa.training type-exemplars`` (:mod:`healthqa.mediqa.type_exemplars`).

Vectors rather than texts: the training questions are data this project must not ship; their vectors are what
the reading compares. ``type_exemplars.npz`` holds the vectors (float16) and their labels;
``type_exemplars.json`` what they were made from and by which encoder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from healthqa.errors import ConfigError

OTHER = "other"
NAME = "type_exemplars"


@dataclass(frozen=True)
class TypeExemplars:
    """Unit vectors (one a row) of ``encoder``'s question model and each one's label: a question type's value, or
    :data:`OTHER`."""

    vectors: npt.NDArray[np.float32]
    labels: tuple[str, ...]
    encoder: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or len(self.vectors) != len(self.labels):
            raise ConfigError(f"type exemplars: {len(self.labels)} labels for vectors of shape {self.vectors.shape}")
        if not np.isfinite(self.vectors).all():
            raise ConfigError("type exemplars: a vector holds a value that is not a finite number")

    def nearest(self, vector: npt.NDArray[np.float32]) -> tuple[str, float]:
        """The label of the exemplar most like ``vector`` (a unit vector) and how alike (cosine)."""
        similarities = self.vectors @ vector
        best = int(np.argmax(similarities))
        return self.labels[best], float(similarities[best])


def read(folder: Traversable | Path) -> TypeExemplars:
    """The exemplars written into ``folder`` by :func:`save`; a ConfigError that names the rebuild command when
    they cannot be read."""
    try:
        with folder.joinpath(f"{NAME}.npz").open("rb") as handle:
            arrays = np.load(handle, allow_pickle=False)
            vectors = np.asarray(arrays["vectors"], dtype=np.float32)
            labels = tuple(str(label) for label in arrays["labels"])
        meta = json.loads(folder.joinpath(f"{NAME}.json").read_text(encoding="utf-8"))
        encoder = str(meta.pop("encoder"))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"the type exemplars ({NAME}.npz and .json in healthqa.learned) cannot be read: {error}; "
                          "build them with `python -m healthqa.mediqa.training type-exemplars --kb KB "
                          "--questions benchmarks/data/founding_fresh.txt`") from error
    # Stored as float16: normalised again so that a dot product stays a cosine.
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return TypeExemplars((vectors / np.where(norms > 0, norms, 1)).astype(np.float32), labels, encoder, meta)


@lru_cache(maxsize=1)
def shipped() -> TypeExemplars:
    """The exemplars that ship with healthqa, read once per process."""
    return read(resources.files("healthqa.learned"))


def save(exemplars: TypeExemplars, folder: Path | None = None) -> Path:
    """Writes ``exemplars`` into ``folder`` (default: beside this module, in the source tree); returns the .npz."""
    target = folder or Path(__file__).resolve().parent
    target.mkdir(parents=True, exist_ok=True)
    with (target / f"{NAME}.npz").open("wb") as handle:
        np.savez_compressed(handle, vectors=exemplars.vectors.astype(np.float16),
                            labels=np.asarray(exemplars.labels, dtype=str))
    (target / f"{NAME}.json").write_text(
        json.dumps({"encoder": exemplars.encoder, **exemplars.meta}, indent=1) + "\n", encoding="utf-8")
    shipped.cache_clear()
    return target / f"{NAME}.npz"
