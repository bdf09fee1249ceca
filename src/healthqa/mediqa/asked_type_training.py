"""Training of the learned reading of exams and tests, support groups and complications
(:mod:`healthqa.learned.asked_type`)::

    python -m healthqa.mediqa.training asked-type --kb KB [--founding FILE] [--other FILE] [--liveqa DIR]
        [--medquad DIR]

Fitted on four sets of questions, each read as ``ask`` reads it without the model
(:meth:`healthqa.answer.answerer.Answerer.understand` with ``learned_type=False``; the knowledge base ``KB`` gives
the names, written as "X"):

- ``--founding`` (``benchmarks/data/founding_fresh.txt``): own and helper wordings of issue 16's founding classes
  (tests, support and complications its three types; brand questions "other");
- ``--other`` (``benchmarks/data/other_types.txt``): questions about the same condition of other kinds (symptoms,
  treatment, outlook ...), written by helpers who saw no code, all "other";
- the LiveQA 2017 training messages whose first annotated type has a counterpart (diagnosis, organization and
  complication the three types, the rest "other"); nothing of LiveQA dev or MEDIQA is read;
- MedQuAD's typed questions, at most :data:`PER_TYPE` of each type;
- the questions of MEDIQA's training files that ``ask`` may learn from (``rqe-train-amia2016.xml``, clinicians' and
  consumers' questions, and ``qa-train2-alexa.xml``; never ``qa-train1``, which holds the LiveQA dev questions),
  which carry no type: each labelled as read without the model (one of the three types, else "other"). They teach
  the model the words of questions unlike the founding ones ("should a patient with low platelets receive
  heparin?" is no support-group question), and in the cross-validation every change of their reading counts as a
  wrong one.

A multinomial logistic regression over :func:`healthqa.learned.qtype.tokens` (TF-IDF). The regularisation, the weight
of a founding wording and the two thresholds are chosen by cross-validation in :data:`FOLDS` folds (each founding
batch, each ``--other`` line, each LiveQA message and each MEDIQA question in one fold; MedQuAD always fitted): the
score counts the out-of-fold questions whose reading
(as one of the three types or "other") the model makes right, less those it makes wrong, each change of a LiveQA
or ``--other`` question's reading counting :data:`OTHERS_WEIGHT` times (a new wrong reading of another person's
question costs more than a founding wording read right gains), each change of a MEDIQA training question's reading
counting once against.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from healthqa.learned import asked_type as learned_asked_type
from healthqa.learned import qtype as learned_qtype
from healthqa.mediqa.qtype_training import Example, liveqa_type, medquad_examples, vectorised
from healthqa.records import SectionType

PER_TYPE = 300
FOLDS = 6
GRID_C = (3.0, 10.0, 30.0)
# The weight of a founding wording against a MedQuAD or MEDIQA question (there are 2,000 of them against 17,000).
GRID_FOUNDING_WEIGHT = (1.0, 4.0, 16.0)
GRID_UNREAD = (0.5, 0.6, 0.7, 0.8, 0.9)
GRID_CUED = (0.9, 0.95, 0.98, 1.01)  # above 1: a cue word's type is never overruled
OTHERS_WEIGHT = 3.0
LIVEQA_WEIGHT = 3.0  # a LiveQA message against a MedQuAD or founding question, as the qtype model found best
DEFAULT_FOUNDING = Path("benchmarks/data/founding_fresh.txt")
DEFAULT_OTHER = Path("benchmarks/data/other_types.txt")
# MEDIQA's training files that ask may learn from, in the MEDIQA data folder (not qa-train1: LiveQA dev questions).
UNLABELLED_FILES = ("rqe-train-amia2016.xml", "qa-train2-alexa.xml")
_CLASSES = {kind.value for kind in learned_asked_type.TYPES}
_QUESTION_TAGS = {"chq", "faq", "QuestionText"}
_FOUNDING_CLASSES = {"tests": SectionType.EXAMS_AND_TESTS.value, "support": SectionType.SUPPORT_GROUPS.value,
                     "complications": SectionType.COMPLICATIONS.value, "brand": learned_asked_type.OTHER}


@dataclass(frozen=True)
class Question:
    names_x: str  # the question sentences with every recognised name as "X"
    label: str  # one of the three types' values or "other"
    read: str  # the type ``ask`` reads without the model (any type's value)
    phrased: bool  # whether a phrasing or a template decided that (the model never overrules one)
    source: str  # founding, other, liveqa, medquad or unlabelled
    fold: int  # -1: always fitted


def as_read(label: str) -> str:
    return label if label in _CLASSES else learned_asked_type.OTHER


def labelled_lines(path: Path, founding: bool) -> list[tuple[str, str, str]]:
    """(group, label, question) of every ``CLASS<TAB>question`` line; the group of a founding line is its batch."""
    found, batch = [], ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("# batch"):
            batch = line[2:].strip()
        if not line.strip() or line.startswith("#"):
            continue
        kind, _, question = line.partition("\t")
        if not question.strip():
            raise ValueError(f"{path}, line {number}: {line!r} is not CLASS<TAB>question")
        if founding and kind.strip() not in _FOUNDING_CLASSES:
            raise ValueError(f"{path}, line {number}: class {kind.strip()!r} is none of {sorted(_FOUNDING_CLASSES)}")
        label = _FOUNDING_CLASSES[kind.strip()] if founding else learned_asked_type.OTHER
        found.append((batch if founding else str(number), label, question.strip()))
    return found


def _batch_number(group: str) -> int:
    digits = "".join(ch for ch in group if ch.isdigit())
    return int(digits) if digits else 0


def read_questions(answerer: Any, founding: Path, other: Path, liveqa: Path, medquad: Path,
                   unlabelled: Sequence[Path] = (), folds: int = FOLDS, per_type: int = PER_TYPE) -> list[Question]:
    """Every training question, read by ``answerer`` without the model."""
    from healthqa.mediqa.liveqa_training import read_liveqa_training
    from healthqa.understand import names_as_x, type_evidence

    def question(text: str, label: str, source: str, fold: int) -> Question:
        understood = answerer.understand(text, learned_type=False)
        asked, _ = type_evidence(understood.concise, understood.sub_questions)
        return Question(names_as_x(asked, understood.focus), label, understood.qtype.value, understood.type_phrased,
                        source, fold)

    found = [question(text, label, "founding", _batch_number(group) % folds)
             for group, label, text in labelled_lines(founding, True)]
    found += [question(text, label, "other", int(group) % folds) for group, label, text in labelled_lines(other, False)]
    messages = [m for m in read_liveqa_training(liveqa) if m.types and liveqa_type(m.types[0]) is not None]
    order = list(range(len(messages)))
    random.Random(0).shuffle(order)
    for position, index in enumerate(order):
        kind = liveqa_type(messages[index].types[0])
        assert kind is not None
        found.append(question(messages[index].text, as_read(kind.value), "liveqa", position % folds))
    found += [question(item.text, as_read(item.label), "medquad", -1)
              for item in medquad_examples(medquad, per_type)]
    for index, text in enumerate(unlabelled_texts(unlabelled)):
        read = question(text, learned_asked_type.OTHER, "unlabelled", index % folds)
        found.append(dataclasses.replace(read, label=as_read(read.read)))
    return found


def unlabelled_texts(files: Sequence[Path]) -> list[str]:
    """The distinct question texts of MEDIQA XML files (``chq``, ``faq`` and ``QuestionText`` elements), sorted."""
    texts: set[str] = set()
    for path in files:
        for node in ET.parse(path).getroot().iter():
            if node.tag in _QUESTION_TAGS:
                text = " ".join("".join(node.itertext()).split())
                if text:
                    texts.add(text)
    return sorted(texts)


def fit(questions: Sequence[Question], c: float, founding_weight: float,
        meta: dict[str, Any] | None = None) -> learned_qtype.TypeClassifier:
    from sklearn.linear_model import LogisticRegression

    examples = [Example(q.names_x, (), q.label, q.source == "liveqa") for q in questions]
    vocabulary, idf, matrix = vectorised(examples, cues=False)
    weights = np.asarray([LIVEQA_WEIGHT if q.source == "liveqa" else founding_weight if q.source == "founding" else 1.0
                          for q in questions])
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(matrix, [q.label for q in questions], sample_weight=weights)
    return learned_qtype.TypeClassifier(
        tuple(str(k) for k in model.classes_), vocabulary, idf, np.asarray(model.coef_, dtype=np.float32),
        np.asarray(model.intercept_, dtype=np.float32), {**(meta or {}), "cues": False})


def out_of_fold(questions: Sequence[Question], c: float, founding_weight: float,
                folds: int = FOLDS) -> list[dict[str, float]]:
    """Each question's class probabilities from a model fitted without its fold (MedQuAD's: in-sample)."""
    found: list[dict[str, float]] = [{} for _ in questions]
    for fold in range(folds):
        fitted = [q for q in questions if q.fold != fold]
        model = learned_asked_type.AskedTypeModel(fit(fitted, c, founding_weight), 0.0, 0.0)
        for index, q in enumerate(questions):
            if q.fold == fold:
                found[index] = model.probabilities(q.names_x)
    return found


def decided(q: Question, probability: dict[str, float], unread: float, cued: float) -> str:
    """The reading (one of the three types or "other") with the model at these thresholds, as
    :meth:`healthqa.learned.asked_type.AskedTypeModel.decide` decides."""
    if q.phrased or q.read in _CLASSES:
        return as_read(q.read)
    threshold = unread if q.read == SectionType.INFORMATION.value else cued
    best = max(_CLASSES, key=lambda kind: probability[kind])
    return best if threshold <= 1 and probability[best] >= threshold else as_read(q.read)


def score(questions: Sequence[Question], probabilities: Sequence[dict[str, float]], unread: float,
          cued: float) -> dict[str, int | float]:
    """What the model changes out of fold: readings made right and made wrong, by source, and the score."""
    tally: Counter[str] = Counter()
    for q, probability in zip(questions, probabilities, strict=True):
        if q.fold < 0:
            continue
        before, after = as_read(q.read) == q.label, decided(q, probability, unread, cued) == q.label
        if before != after:
            tally[f"{q.source} {'made right' if after else 'made wrong'}"] += 1
    others = sum(tally[f"{source} {change}"] * (1 if change == "made right" else -1)
                 for source in ("liveqa", "other") for change in ("made right", "made wrong"))
    founding = tally["founding made right"] - tally["founding made wrong"]
    changed = tally["unlabelled made right"] + tally["unlabelled made wrong"]
    return {**dict(sorted(tally.items())), "score": founding + OTHERS_WEIGHT * others - changed}


def most_cautious(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The most cautious setting whose score is within one standard error of the best (the square root of the best
    setting's changed readings, a count's error): the lightest founding weight, then the surest thresholds, then the
    strongest regularisation. Where the cross-validation cannot tell settings apart, the one that leaves more
    readings as they are is chosen (a weight of 16 scored 48 against 46 at 4, and overruled "does X shorten life
    expectancy?", read as outlook by its cue, because five founding wordings of it were written as complications)."""
    top = max(results, key=lambda r: r["score"])
    error = math.sqrt(sum(value for key, value in top.items() if key.endswith(("made right", "made wrong"))))
    near = [r for r in results if r["score"] >= top["score"] - error]
    return min(near, key=lambda r: (r["founding_weight"], -r["cued_threshold"], -r["unread_threshold"], r["C"]))


def train_asked_type(kb: Path, founding: Path, other: Path, liveqa: Path, medquad: Path, unlabelled: Sequence[Path],
                     folder: Path | None = None,
                     grid: tuple[Sequence[float], Sequence[float], Sequence[float], Sequence[float]] = (
                         GRID_C, GRID_FOUNDING_WEIGHT, GRID_UNREAD, GRID_CUED),
                     folds: int = FOLDS, per_type: int = PER_TYPE) -> learned_asked_type.AskedTypeModel:
    """Chooses the model by cross-validation, fits it on every training question and writes it."""
    from healthqa.answer.answerer import Answerer
    from healthqa.store.sqlite import SQLiteStore

    answerer = Answerer.prepared(SQLiteStore(kb))
    questions = read_questions(answerer, founding, other, liveqa, medquad, unlabelled, folds, per_type)
    sources = Counter(q.source for q in questions)
    if min(sources[s] for s in ("founding", "other", "liveqa", "medquad")) == 0:
        raise ValueError(f"every training set must hold questions; found {dict(sources)} in {founding}, {other}, "
                         f"{liveqa}, {medquad}")
    results = []
    for c in grid[0]:
        for weight in grid[1]:
            probabilities = out_of_fold(questions, c, weight, folds)
            for unread in grid[2]:
                for cued in grid[3]:
                    results.append({"C": c, "founding_weight": weight, "unread_threshold": unread,
                                    "cued_threshold": cued, **score(questions, probabilities, unread, cued)})
    best = most_cautious(results)
    meta = {
        "trained_on_files": [founding.name, other.name, *sorted(p.name for p in liveqa.glob("*.xml")),
                             *(f"medquad/{p.name}" for p in sorted(medquad.iterdir()) if p.is_dir()),
                             *(p.name for p in unlabelled)],
        "trained_on": {source: count for source, count in sorted(sources.items())},
        "labels": {label: count for label, count in sorted(Counter(q.label for q in questions).items())},
        "selection": f"{folds}-fold cross-validation (founding batches, other lines and LiveQA messages in folds; "
                     f"MedQuAD always fitted); score = founding readings made right - made wrong + "
                     f"{OTHERS_WEIGHT:g} x (the same for LiveQA and other questions) - MEDIQA training questions "
                     "read differently",
        "grid": results, "chosen": best,
        "rule": "the most cautious setting within one standard error of the best score (most_cautious)",
        "command": "python -m healthqa.mediqa.training asked-type --kb KB",
    }
    model = learned_asked_type.AskedTypeModel(fit(questions, float(best["C"]), float(best["founding_weight"]), meta),
                                              float(best["unread_threshold"]), float(best["cued_threshold"]))
    learned_asked_type.save(model, folder)
    return model


def command_line(args: argparse.Namespace, mediqa: Path) -> dict[str, Any]:
    """Trains and writes the model as ``python -m healthqa.mediqa.training asked-type`` asks (``mediqa``: the MEDIQA
    data folder); returns what it wrote and its record."""
    data = mediqa.parent
    model = train_asked_type(args.kb, args.founding or DEFAULT_FOUNDING, args.other or DEFAULT_OTHER,
                             args.liveqa or data / "liveqa-med-2017" / "train", args.medquad or data / "medquad",
                             [mediqa / name for name in UNLABELLED_FILES], args.out)
    written = args.out or Path(learned_asked_type.__file__).resolve().parent
    return {"written": str(written), "features": len(model.classifier.vocabulary), **model.classifier.meta}
