"""Training of the question-type classifier (:mod:`healthqa.learned.qtype`)::

    python -m healthqa.mediqa.training qtype [--liveqa DIR] [--medquad DIR]

Fitted on the LiveQA 2017 training questions (``DIR`` of ``--liveqa``, by default
``../shared/data/liveqa-med-2017/train``: the first annotated type of each message, mapped to healthqa's
vocabulary by :data:`LIVEQA_TYPES`) and MedQuAD's typed questions (``qtype`` attributes, at most
:data:`PER_TYPE` distinct questions of each type). Nothing of the LiveQA dev file or of MEDIQA's training
files (whose ``qa-train1`` holds the LiveQA dev questions) is read. The model (a linear support-vector
classifier, one class against the rest, over the features of :func:`healthqa.learned.qtype.tokens`) is
chosen by 5-fold cross-validation over the LiveQA training questions (MedQuAD's are always in the fitting
part): the regularisation ``C``, the weight of a LiveQA question against a MedQuAD one (the cue lists' findings
are features), then, on the same out-of-fold scores, how far below the best class the cues' first type may
score and still decide (the widest margin within one standard error of the best accuracy). Accuracy is that
of the first type, as ``benchmarks/understanding.py`` counts it.
"""

from __future__ import annotations

import hashlib
import math
import random
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from healthqa.learned import qtype as learned_qtype
from healthqa.records import SectionType
from healthqa.understand import condense, cue_tokens, type_evidence

# LiveQA's annotated types (lower case, "_" read as a space) that have a counterpart in healthqa's vocabulary.
LIVEQA_TYPES: dict[str, SectionType] = {
    "treatment": SectionType.TREATMENT, "information": SectionType.INFORMATION, "cause": SectionType.CAUSES,
    "prognosis": SectionType.OUTLOOK, "diagnosis": SectionType.EXAMS_AND_TESTS,
    "organization": SectionType.SUPPORT_GROUPS, "person organization": SectionType.SUPPORT_GROUPS,
    "symptom": SectionType.SYMPTOMS, "susceptibility": SectionType.SUSCEPTIBILITY,
    "inheritance": SectionType.INHERITANCE, "complication": SectionType.COMPLICATIONS,
    "side effects": SectionType.SIDE_EFFECTS, "side effect": SectionType.SIDE_EFFECTS,
    "prevention": SectionType.PREVENTION, "usage": SectionType.USAGE, "indication": SectionType.INDICATION,
    "contraindication": SectionType.CONTRAINDICATION, "interaction": SectionType.INTERACTIONS_WITH_MEDICATIONS,
    "dosage": SectionType.DOSE, "genetic changes": SectionType.GENETIC_CHANGES,
    "storage and disposal": SectionType.STORAGE_AND_DISPOSAL, "storage disposal": SectionType.STORAGE_AND_DISPOSAL,
}
PER_TYPE = 600  # MedQuAD questions kept per type: its 9,000 "What is (are) X ?" would drown the rest
GRID_C = (0.1, 0.3)
GRID_LIVEQA_WEIGHT = (3.0, 10.0, 30.0)
GRID_CUES = (True,)  # without the cues CV accuracy was 0.04 lower at every setting (see BENCHMARKS.md)
# How far below the classifier's best class the cue lists' first type may score and still be chosen.
GRID_CUE_MARGIN = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)
FOLDS = 5
MIN_DOCUMENT_FREQUENCY = 2


def cue_fingerprint() -> str:
    """A digest of the type cue lists, whose findings are features of the model: stored at training, checked
    by tests/mediqa/test_shipped_weights.py (retrain after changing the cues)."""
    from healthqa import understand

    text = repr([(kind.value, pattern) for kind, pattern in understand._TYPE_CUES])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def liveqa_type(annotated: str) -> SectionType | None:
    """healthqa's type for a LiveQA annotation ("DIAGNOSIS", "side_effect"), None when it has none."""
    return LIVEQA_TYPES.get(" ".join(annotated.lower().replace("_", " ").split()))


@dataclass(frozen=True)
class Example:
    text: str  # what the type is read from (see healthqa.understand.type_evidence)
    cues: tuple[str, ...]
    label: str
    liveqa: bool


def example(message: str, label: SectionType, liveqa: bool) -> Example:
    concise, questions = condense(message)
    asked, cued = type_evidence(concise, questions)
    return Example(asked, tuple(cue_tokens(cued)), label.value, liveqa)


def liveqa_examples(folder: Path) -> list[Example]:
    """The training messages whose first annotated type has a counterpart, with that type."""
    from healthqa.mediqa.liveqa_training import read_liveqa_training

    found = []
    for question in read_liveqa_training(folder):
        kind = liveqa_type(question.types[0]) if question.types else None
        if kind is not None:
            found.append(example(question.text, kind, True))
    return found


def medquad_examples(folder: Path, per_type: int = PER_TYPE, seed: int = 0) -> list[Example]:
    """MedQuAD's distinct typed questions, at most ``per_type`` of each type (a seeded sample)."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for path in sorted(folder.rglob("*.xml")):
        for node in ET.parse(path).getroot().iter("Question"):
            text = " ".join("".join(node.itertext()).split())
            if text and node.get("qtype"):
                by_type[SectionType.parse(node.get("qtype")).value].add(text)
    generator = random.Random(seed)
    found: list[Example] = []
    for kind in sorted(by_type):
        texts = sorted(by_type[kind])
        generator.shuffle(texts)
        found.extend(example(text, SectionType(kind), False) for text in texts[:per_type])
    return found


def _rows(examples: Sequence[Example], vocabulary: dict[str, int], idf: np.ndarray, cues: bool) -> Any:
    from scipy.sparse import csr_matrix

    data: list[float] = []
    columns: list[int] = []
    pointers = [0]
    for item in examples:
        found = learned_qtype.tokens(item.text, item.cues if cues else ())
        picked, values = learned_qtype.weighted(found, vocabulary, idf)
        columns.extend(picked)
        data.extend(values.tolist())
        pointers.append(len(columns))
    return csr_matrix((data, columns, pointers), shape=(len(examples), len(vocabulary)), dtype=np.float32)


def vectorised(examples: Sequence[Example], cues: bool) -> tuple[dict[str, int], np.ndarray, Any]:
    """The vocabulary (tokens in at least :data:`MIN_DOCUMENT_FREQUENCY` examples), its smoothed IDF weights and
    the examples' TF-IDF rows (a sparse matrix)."""
    frequency: Counter[str] = Counter()
    for item in examples:
        frequency.update(set(learned_qtype.tokens(item.text, item.cues if cues else ())))
    kept = sorted(token for token, count in frequency.items() if count >= MIN_DOCUMENT_FREQUENCY)
    vocabulary = {token: i for i, token in enumerate(kept)}
    total = len(examples)
    idf = np.asarray([math.log((1 + total) / (1 + frequency[t])) + 1.0 for t in kept], dtype=np.float32)
    return vocabulary, idf, _rows(examples, vocabulary, idf, cues)


def fit(examples: Sequence[Example], c: float, liveqa_weight: float, cues: bool,
        meta: dict[str, Any] | None = None) -> learned_qtype.TypeClassifier:
    from sklearn.svm import LinearSVC

    vocabulary, idf, matrix = vectorised(examples, cues)
    labels = [item.label for item in examples]
    weights = [liveqa_weight if item.liveqa else 1.0 for item in examples]
    model = LinearSVC(C=c, max_iter=5000, random_state=0)
    model.fit(matrix, labels, sample_weight=np.asarray(weights))
    classes = tuple(str(k) for k in model.classes_)
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float32)
    if len(classes) == 2:  # a binary fit has one row: the second class against the first
        coef = np.vstack([-coef, coef])
        intercept = np.asarray([-intercept[0], intercept[0]], dtype=np.float32)
    # A cue-less model must not read cue tokens at run time.
    return learned_qtype.TypeClassifier(classes, vocabulary, idf, coef, intercept,
                                        {**(meta or {}), "cues": cues})


def accuracy(model: learned_qtype.TypeClassifier, examples: Sequence[Example]) -> float:
    if not examples:
        return 0.0
    cues = bool(model.meta.get("cues", True))
    right = sum(model.ranked(e.text, e.cues if cues else ())[0] == e.label for e in examples)
    return right / len(examples)


def _cued_first(item: Example) -> str | None:
    firsts = [t for t in item.cues if t.startswith("cue1:")]
    return firsts[0].removeprefix("cue1:") if firsts else None


def out_of_fold(liveqa: Sequence[Example], medquad: Sequence[Example], c: float, liveqa_weight: float,
                cues: bool, folds: int = FOLDS, seed: int = 0) -> list[tuple[Example, dict[str, float]]]:
    """Each LiveQA training question with the class scores of a model fitted without its fold (MedQuAD
    always fitted)."""
    order = list(range(len(liveqa)))
    random.Random(seed).shuffle(order)
    found: list[tuple[Example, dict[str, float]]] = []
    for fold in range(folds):
        held = {i for n, i in enumerate(order) if n % folds == fold}
        fitted = [e for i, e in enumerate(liveqa) if i not in held] + list(medquad)
        model = fit(fitted, c, liveqa_weight, cues)
        found.extend((liveqa[i], model.scores(liveqa[i].text, liveqa[i].cues if cues else ())) for i in sorted(held))
    return found


def margin_accuracy(scored: Sequence[tuple[Example, dict[str, float]]], margin: float) -> float:
    """Accuracy when the cue lists' first type wins within ``margin`` of the best class."""
    right = 0
    for item, scores in scored:
        best = max(scores, key=lambda kind: scores[kind])
        cued = _cued_first(item)
        pick = cued if cued is not None and cued in scores and scores[best] - scores[cued] < margin else best
        right += pick == item.label
    return right / max(len(scored), 1)


def cross_validate(liveqa: Sequence[Example], medquad: Sequence[Example], c: float, liveqa_weight: float,
                   cues: bool, folds: int = FOLDS, seed: int = 0) -> float:
    """Accuracy on held-out LiveQA training questions, over ``folds`` folds (MedQuAD always fitted)."""
    return margin_accuracy(out_of_fold(liveqa, medquad, c, liveqa_weight, cues, folds, seed), 0.0)


def cue_accuracy(examples: Sequence[Example]) -> float:
    """The accuracy of the cue lists alone (their first type) on ``examples``."""
    def first(item: Example) -> str:
        firsts = [t for t in item.cues if t.startswith("cue1:")]
        return firsts[0].removeprefix("cue1:") if firsts else SectionType.INFORMATION.value
    return sum(first(e) == e.label for e in examples) / max(len(examples), 1)


def train_qtype(liveqa_folder: Path, medquad_folder: Path, folder: Path | None = None,
                grid: tuple[Sequence[float], Sequence[float], Sequence[bool]] = (GRID_C, GRID_LIVEQA_WEIGHT,
                                                                                   GRID_CUES),
                folds: int = FOLDS, per_type: int = PER_TYPE) -> learned_qtype.TypeClassifier:
    """Chooses the model by cross-validation, fits it on all the training questions and writes it."""
    liveqa = liveqa_examples(liveqa_folder)
    medquad = medquad_examples(medquad_folder, per_type)
    if not liveqa or not medquad:
        raise ValueError(f"no typed questions found in {liveqa_folder} ({len(liveqa)}) or "
                         f"{medquad_folder} ({len(medquad)})")
    results = []
    for c in grid[0]:
        for weight in grid[1]:
            for cues in grid[2]:
                score = cross_validate(liveqa, medquad, c, weight, cues, folds)
                results.append({"C": c, "liveqa_weight": weight, "cues": cues, "cv_accuracy": round(score, 4)})
    best = max(results, key=lambda r: (r["cv_accuracy"], r["cues"], -r["C"]))
    scored = out_of_fold(liveqa, medquad, float(best["C"]), float(best["liveqa_weight"]), bool(best["cues"]), folds)
    margins = {margin: round(margin_accuracy(scored, margin), 4) for margin in GRID_CUE_MARGIN}
    # The widest margin whose accuracy is within one standard error of the best: where the data cannot tell
    # the classifier from the hand-written cues apart, the cues decide.
    top = max(margins.values())
    error = math.sqrt(top * (1 - top) / len(liveqa))
    cue_margin = max(m for m, a in margins.items() if a >= top - error)
    files = sorted(p.name for p in liveqa_folder.glob("*.xml"))
    meta = {
        "trained_on_files": files + [f"medquad/{p.name}" for p in sorted(medquad_folder.iterdir()) if p.is_dir()],
        "trained_on": f"{len(liveqa)} LiveQA 2017 training messages (first annotated type) + {len(medquad)} "
                      f"MedQuAD questions (at most {per_type} per type)",
        "selection": f"{folds}-fold cross-validation over the LiveQA training messages",
        "grid": results, "chosen": best,
        "cue_margin_grid": {str(m): a for m, a in margins.items()}, "cue_margin": cue_margin,
        "cue_margin_rule": "the widest margin within one standard error of the best cross-validated accuracy",
        "cv_accuracy_with_cue_margin": margins[cue_margin],
        "cue_lists_accuracy_on_training": round(cue_accuracy(liveqa), 4),
        "command": "python -m healthqa.mediqa.training qtype",
        "fingerprint": cue_fingerprint(),
    }
    model = fit([*liveqa, *medquad], float(best["C"]), float(best["liveqa_weight"]), bool(best["cues"]), meta)
    learned_qtype.save(model, folder)
    return model
