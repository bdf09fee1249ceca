"""How the type exemplars (healthqa.learned.type_exemplars) read questions they were not built from.

Own wordings of the founding classes (``benchmarks/data/founding_fresh.txt``): each batch is read with the
exemplars of the other batches (leave one batch out); only questions that reach the exemplars count (no cue or
template types them), and a miss of the shipped reading that the exemplars type right is "fixed", a hit they
type otherwise "broken". Training questions (labelled "other" in the shipped exemplars): each is read with the
own wordings and the training questions of the other four of five folds; a firing is a training question read as
a living-with-a-condition type. Check files (the LiveQA dev questions, MEDIQA's qa-train1 and validation files,
RQE validation), never part of the exemplars: read with all of them. Each threshold of the grid is printed.

    python benchmarks/type_exemplars_cv.py --db /var/lib/healthqa/healthqa.db
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

from founding_classes import DEFAULT_QUESTIONS, meets, read_questions
from healthqa.answer.answerer import Answerer
from healthqa.answer.template_type import _LIVING_VALUES, MAX_WORDS, TemplateTypes, with_names_as_x
from healthqa.learned.type_exemplars import OTHER
from healthqa.mediqa.type_exemplars import CLASS_TYPES, TRAINING_TEXTS, read_training_texts
from healthqa.store.sqlite import SQLiteStore
from healthqa.understand import understand

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CHECK_FILES = {"test-questions-dev.xml": ("MESSAGE", "SUBJECT", "NLM-Summary"),
               "qa-train1-liveqa-dev.xml": ("QuestionText",), "qa-validation.xml": ("QuestionText",),
               "rqe-validation-amia2016.xml": ("chq", "faq")}
GRID = (0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def check_texts(data: Path) -> list[str]:
    texts: dict[str, None] = {}
    for name, tags in CHECK_FILES.items():
        path = data / ("liveqa-med-2017" if name.startswith("test-") else "mediqa-2019") / name
        text = path.read_text(encoding="utf-8", errors="replace")
        for tag in tags:
            for found in re.finditer(rf"<{tag}>(.*?)</{tag}>", text, re.S):
                texts.setdefault(" ".join(found.group(1).split()))
    return [t for t in texts if t]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a knowledge base holding the founding documents")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    answerer = Answerer.prepared(SQLiteStore(args.db))
    assert answerer.encoder is not None
    # Every reading here is the one before the exemplars: the shipped exemplars hold the own wordings.
    templates = answerer.template_types = TemplateTypes(answerer.encoder)

    def reaching(text: str) -> str | None:
        """The text as the exemplars read it, or None where a cue or a template types it first."""
        understood = templates.read(understand(text, answerer.names))
        written = with_names_as_x(understood)
        if understood.type_cued or not understood.focus or len(written.split()) > MAX_WORDS:
            return None
        return written

    def vector(text: str) -> np.ndarray:
        return np.asarray(answerer.encoder.encode_query(text), dtype=np.float32).reshape(-1)  # type: ignore[union-attr]

    own = read_questions(DEFAULT_QUESTIONS)
    own_vectors = np.vstack([vector(with_names_as_x(understand(q, answerer.names))) for _, _, q in own])
    own_labels = np.array([CLASS_TYPES[kind] for _, kind, _ in own])
    own_batches = np.array([batch for batch, _, _ in own])
    # Whether the reading without exemplars meets each question's class, and whether the exemplars would see it.
    own_meets = [meets(kind, answerer.ask(q, top=3)) for _, kind, q in own]
    own_reaching = [reaching(q) is not None for _, _, q in own]
    files = [args.data / ("liveqa-med-2017/train" if name.startswith("TREC") else "mediqa-2019") / name
             for name in TRAINING_TEXTS]
    pool = [(t, w) for t in read_training_texts(files) if (w := reaching(t)) is not None]
    pool_vectors = np.vstack([vector(w) for _, w in pool])
    checks = [(t, w) for t in check_texts(args.data) if (w := reaching(t)) is not None]
    check_vectors = np.vstack([vector(w) for _, w in checks])
    fold = np.random.default_rng(0).integers(0, 5, len(pool))

    def nearest(v: np.ndarray, own_mask: np.ndarray, pool_mask: np.ndarray) -> tuple[str, float]:
        mine = own_vectors[own_mask] @ v
        theirs = pool_vectors[pool_mask] @ v
        best = int(np.argmax(mine))
        if theirs.size and float(theirs.max()) >= float(mine[best]):
            return OTHER, float(theirs.max())
        return str(own_labels[own_mask][best]), float(mine[best])

    everyone = np.ones(len(own), bool)
    report = {"own questions": len(own), "own reaching the exemplars": sum(own_reaching),
              "training questions reaching": len(pool), "check questions reaching": len(checks), "by threshold": {}}
    for threshold in GRID:
        fixed, broken, fired, checked = 0, 0, Counter[str](), []
        for i, (_, kind, _) in enumerate(own):
            if not own_reaching[i]:
                continue
            label, similarity = nearest(own_vectors[i], own_batches != own_batches[i], np.ones(len(pool), bool))
            if label not in _LIVING_VALUES or similarity < threshold:
                continue
            right = label == CLASS_TYPES[kind]
            fixed += right and not own_meets[i]
            broken += own_meets[i] and not right
        for i in range(len(pool)):
            label, similarity = nearest(pool_vectors[i], everyone, fold != fold[i])
            if label in _LIVING_VALUES and similarity >= threshold:
                fired[label] += 1
        for (text, _), v in zip(checks, check_vectors, strict=True):
            label, similarity = nearest(v, everyone, np.ones(len(pool), bool))
            if label in _LIVING_VALUES and similarity >= threshold:
                checked.append(f"{text[:80]} -> {label}")
        report["by threshold"][str(threshold)] = {
            "own misses fixed": fixed, "own hits broken": broken,
            "training questions read as a living type": dict(fired), "check questions so read": checked}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
