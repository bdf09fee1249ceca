"""The learned reading of three answer types that people ask in many words: exams and tests, support groups and
complications. The cue lists and phrasings of :mod:`healthqa.understand` read these from words written for them; a new
wording ("husband has to do an emg next wk for suspected X, what does that involve", "online forum for X patients?")
reads as a plain information question. This model reads the question's words (names written as "X"), and its sentence
vector (below), and gives each of the three types, and "another type", a probability; understanding takes its type when
the reading found no specific type and the model is sure enough (:attr:`AskedTypeModel.unread_threshold`), or when a
cue word decided the type and the model is surer still (:attr:`AskedTypeModel.cued_threshold`). A phrasing always
decides (it reads the words written for the type), and a question that names nothing the knowledge base knows keeps its
reading. A cue word's type of the three that the model reads as surely as it must to overrule a cue word counts as read
from the question as a whole (``Understanding.type_phrased``: type before tier at any margin, the passage shown at any
similarity): "what complications can X cause long term" had an outlook passage 1.37 ahead; so does a type the model
decides as surely (session 26: "are there medicines that can make X suddenly much worse?", decided as complications
over its cue word, had a treatment passage first). A type it decides less surely counts in the ranking as a cue
word's type does (``Understanding.type_cued``): type before tier within its margin, and which passages a question's
own words may lift. A cue word's type of the three may also be read as another of them, when the model is as sure as
:attr:`AskedTypeModel.swap_threshold` ("since my LEMS diagnosis, what other problems could show up?": complications,
not exams and tests; session 30).

Beside the words, the model may read the question's sentence vector (the encoder's, of the same text with its names
as "X"): a new wording of a type ("is there anyone with this I could talk to", "can u choke") is near the wordings it
was fitted on in meaning more often than in words. Whether it does, and how much the vector weighs against the words,
is chosen by the same cross-validation; a model that reads vectors decides nothing where no vector can be had (an
answerer without its encoder).

The model ships as ``asked_type.json`` and ``asked_type.npz`` (the format of :mod:`healthqa.learned.qtype`:
vocabulary, IDF weights, multinomial logistic-regression coefficients, what it was fitted on and how its
thresholds were chosen), and ``asked_type_vector.npy`` when it reads vectors (a coefficient row a class for the
vector's 384 numbers, in the classes' order), written by ``python -m healthqa.mediqa.training asked-type``
(:mod:`healthqa.mediqa.asked_type_training`). Scoring needs numpy only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from healthqa import learned
from healthqa.errors import ConfigError
from healthqa.learned import qtype as learned_qtype
from healthqa.records import SectionType

NAME = "asked_type"
VECTOR_FILE = f"{NAME}_vector.npy"
OTHER = "other"
# The types the model reads; every other type is OTHER to it.
TYPES = (SectionType.EXAMS_AND_TESTS, SectionType.SUPPORT_GROUPS, SectionType.COMPLICATIONS)


# A threshold above 1 is never reached: a probability never exceeds 1.
NEVER = 1.01


def threshold(read: SectionType, unread: float, cued: float, swap: float = NEVER) -> float | None:
    """The probability the model must reach to decide the type of a question read as ``read``: ``unread`` when the
    reading found no specific type, ``cued`` when a cue word decided another type, ``swap`` when a cue word decided
    one of its three; None when it may not decide (a threshold above 1)."""
    needed = unread if read is SectionType.INFORMATION else swap if read in TYPES else cued
    return None if needed > 1 else needed


def decision_from(probability: dict[str, float], read: SectionType, unread: float,
                  cued: float, swap: float = NEVER) -> tuple[SectionType, bool] | None:
    """The type decided from the class probabilities of a question read as ``read`` (by cue words, not a phrasing), and
    whether as surely as a confirmation must be (``cued``); None when the reading stays as it is. A question a cue word
    read as one of the three types is read as another of them only at ``swap`` ("since my LEMS diagnosis, what other
    problems could show up down the line?": "diagnosis" is the cue word of exams and tests). The rule of
    :meth:`AskedTypeModel.reading`, which its training scores with (:mod:`healthqa.mediqa.asked_type_training`)."""
    needed = threshold(read, unread, cued, swap)
    if needed is None:
        return None
    best = max((kind for kind in TYPES if kind is not read), key=lambda kind: probability[kind.value])
    if probability[best.value] < needed:
        return None
    return best, probability[best.value] >= cued


@dataclass(frozen=True)
class AskedTypeModel:
    """The classifier and the two probabilities it must reach to decide a question's type."""

    classifier: learned_qtype.TypeClassifier
    unread_threshold: float  # when the reading found no specific type
    cued_threshold: float  # to overrule a cue word's type, or confirm one of the three (above 1: never)
    # Classes x vector dimensions, in the classifier's class order; None: the model reads words only.
    vector_coef: npt.NDArray[np.float32] | None = None
    # To read a question a cue word read as one of the three types as another of them (above 1: never; a model
    # fitted before session 30 has none).
    swap_threshold: float = NEVER

    def __post_init__(self) -> None:
        expected = {OTHER, *(kind.value for kind in TYPES)}
        if set(self.classifier.classes) != expected:
            raise ConfigError(f"asked-type model: classes {sorted(self.classifier.classes)}, expected "
                              f"{sorted(expected)}; retrain with `python -m healthqa.mediqa.training asked-type`")
        if self.vector_coef is not None and (self.vector_coef.ndim != 2 or len(self.vector_coef) != len(
                self.classifier.classes) or not np.isfinite(self.vector_coef).all()):
            raise ConfigError(f"asked-type model: the vector coefficients' shape {self.vector_coef.shape} is not one "
                              "finite row a class; retrain with `python -m healthqa.mediqa.training asked-type`")

    @property
    def reads_vectors(self) -> bool:
        """Whether the model reads a question's sentence vector beside its words."""
        return self.vector_coef is not None

    def probabilities(self, names_x: str, vector: npt.NDArray[np.float32] | None = None) -> dict[str, float]:
        """Each class's probability for a question written with its names as "X", and its sentence vector where the
        model reads one (a softmax of the classifier's decision values, as multinomial logistic regression fits
        them)."""
        scores = self.classifier.scores(names_x)
        if self.vector_coef is not None:
            if vector is None or vector.shape != (self.vector_coef.shape[1],):
                raise ConfigError(f"the asked-type model reads a sentence vector of {self.vector_coef.shape[1]} "
                                  f"numbers; given {None if vector is None else vector.shape}")
            added = self.vector_coef.astype(np.float64) @ vector.astype(np.float64)
            scores = {kind: scores[kind] + float(value)
                      for kind, value in zip(self.classifier.classes, added.tolist(), strict=True)}
        top = max(scores.values())
        exps = {kind: math.exp(score - top) for kind, score in scores.items()}
        total = sum(exps.values())
        return {kind: value / total for kind, value in exps.items()}

    @property
    def confirming(self) -> bool:
        """Whether the model may confirm a cue word's type of the three (not when it never overrules a cue word)."""
        return self.cued_threshold <= 1

    def reads(self, read: SectionType) -> bool:
        """Whether the model may confirm or change the type of a question read as ``read`` (by cue words, not a
        phrasing): what :meth:`reading` needs before a sentence vector is worth encoding."""
        return (read in TYPES and self.confirming) or \
            threshold(read, self.unread_threshold, self.cued_threshold, self.swap_threshold) is not None

    def reading(self, names_x: str, read: SectionType, vector: npt.NDArray[np.float32] | None = None,
                ) -> tuple[SectionType, bool] | None:
        """What the model reads a question read as ``read`` (by cue words, not a phrasing) as, and whether as surely as
        it must be to overrule a cue word (:attr:`cued_threshold`): ``(read, True)`` when it confirms a cue word's
        type of the three that surely, else the type it decides (:func:`decision_from`); None when the reading stays.
        The probabilities are worked out once for both."""
        if not self.reads(read):
            return None
        probability = self.probabilities(names_x, vector)
        if read in TYPES and self.confirming and probability[read.value] >= self.cued_threshold:
            return read, True
        return decision_from(probability, read, self.unread_threshold, self.cued_threshold, self.swap_threshold)


def read(folder: Traversable | Path) -> AskedTypeModel:
    """The model written into ``folder`` by :func:`save`."""
    classifier = learned_qtype.read(folder, NAME, "asked-type")
    vector_coef = None
    if classifier.meta.get("reads_vectors"):
        try:
            data = folder.joinpath(VECTOR_FILE).read_bytes()
            # The words' and the vector's coefficients are written as two files: a vector file of another fit (an
            # interrupted save, a partial copy) would pair with these words unnoticed, its shape being the same.
            if hashlib.sha256(data).hexdigest() != classifier.meta.get("vector_sha256"):
                raise ValueError(f"{VECTOR_FILE} is not the one written with {NAME}.json (its sha256 differs)")
            vector_coef = np.asarray(np.load(io.BytesIO(data), allow_pickle=False), dtype=np.float32)
        except (OSError, ValueError, EOFError, TypeError) as error:
            raise ConfigError(f"the asked-type model in {folder} reads vectors but {VECTOR_FILE} cannot be read "
                              f"({error!r}); retrain with `python -m healthqa.mediqa.training asked-type`") from error
    try:
        return AskedTypeModel(classifier, float(classifier.meta["unread_threshold"]),
                              float(classifier.meta["cued_threshold"]), vector_coef,
                              float(classifier.meta.get("swap_threshold", NEVER)))
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"the asked-type model in {folder} has no thresholds ({error!r}); retrain with "
                          "`python -m healthqa.mediqa.training asked-type`") from error


def save(model: AskedTypeModel, folder: Path | None = None) -> Path:
    """Writes the model beside this module unless ``folder`` is given; returns the .npz path."""
    target = folder or Path(__file__).resolve().parent
    target.mkdir(parents=True, exist_ok=True)  # an --out folder not made yet: not an error after a long fit
    vectors = target / VECTOR_FILE
    meta = {key: value for key, value in model.classifier.meta.items() if key != "vector_sha256"}
    meta.update(unread_threshold=model.unread_threshold, cued_threshold=model.cued_threshold,
                swap_threshold=model.swap_threshold, reads_vectors=model.reads_vectors)
    if model.vector_coef is not None:
        buffer = io.BytesIO()
        np.save(buffer, model.vector_coef.astype(np.float32), allow_pickle=False)
        vectors.write_bytes(buffer.getvalue())
        meta["vector_sha256"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    else:
        vectors.unlink(missing_ok=True)
    written = learned_qtype.save(dataclasses.replace(model.classifier, meta=meta), target, NAME)
    shipped.cache_clear()
    return written


@learned.read_once
@lru_cache(maxsize=1)
def shipped() -> AskedTypeModel | None:
    """The shipped model (or a rebuilt one, see :func:`healthqa.learned.model_file`), read once per process; None
    when none ships (the reading stands then)."""
    if not learned.model_file(f"{NAME}.npz").is_file():
        return None
    return read(learned.model_folder(f"{NAME}.npz"))
