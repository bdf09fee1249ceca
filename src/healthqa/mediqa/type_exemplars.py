"""Builds the type exemplars (:mod:`healthqa.learned.type_exemplars`)::

    python -m healthqa.mediqa.training type-exemplars --kb KB --questions benchmarks/data/founding_fresh.txt

A person asks the founding documents' questions in words that neither a cue list nor a MedQuAD template holds
("which antibodies are checked when LEMS is suspected?", "what resources exist for families dealing with
lambert-eaton?"). The project's own wordings of those classes (``--questions``: ``CLASS<TAB>question`` a line,
classes tests, support, complications and brand) carry their types to questions worded like them; brand
questions, and the short training questions that no cue types (LiveQA 2017 training messages and subjects,
MEDIQA's Alexa questions, RQE training questions), are labelled "other", so that a question nearer one of them
than to any own wording keeps its reading. Each text is read as ``ask`` reads it before the exemplars apply: its
recognised names written as "X" (``KB``'s names: it must hold the founding documents' saved pages, as the one
``scripts/start`` builds does). Never read: the LiveQA dev questions (MEDIQA's qa-train1 holds them) and the
validation files.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from healthqa.answer.answerer import name_index
from healthqa.answer.template_type import MAX_WORDS, TemplateTypes, with_names_as_x
from healthqa.errors import BadInputError
from healthqa.learned import type_exemplars
from healthqa.learned.type_exemplars import OTHER, TypeExemplars
from healthqa.records import SectionType
from healthqa.retrieve.encoder import Encoder
from healthqa.store.base import Store
from healthqa.store.sqlite import SQLiteStore
from healthqa.understand import understand

# The founding-document classes (benchmarks/founding_classes.py) and the type each asks; a brand question is
# answered by the drug-table row, whatever its type reads as.
CLASS_TYPES = {"tests": SectionType.EXAMS_AND_TESTS.value, "support": SectionType.SUPPORT_GROUPS.value,
               "complications": SectionType.COMPLICATIONS.value, "brand": OTHER}
# Training files and the elements that hold a question's text; none holds a LiveQA dev question.
TRAINING_TEXTS = {"TREC-2017-LiveQA-Medical-Train-1.xml": ("SUBJECT", "MESSAGE"),
                  "TREC-2017-LiveQA-Medical-Train-2.xml": ("SUBJECT", "MESSAGE"),
                  "qa-train2-alexa.xml": ("QuestionText",), "rqe-train-amia2016.xml": ("chq", "faq")}


def read_own_questions(path: Path) -> list[tuple[str, str]]:
    """(type or "other", question) of each ``CLASS<TAB>question`` line of ``path`` (``#`` starts a comment)."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, _, question = line.partition("\t")
        if kind.strip() not in CLASS_TYPES or not question.strip():
            raise BadInputError(path, f"line {number}, {line!r}, is not CLASS<TAB>question with CLASS one of "
                                      f"{', '.join(CLASS_TYPES)}")
        found.append((CLASS_TYPES[kind.strip()], question.strip()))
    return found


def read_training_texts(files: Sequence[Path]) -> list[str]:
    """The distinct question texts of ``files`` (training files named in :data:`TRAINING_TEXTS`)."""
    texts: dict[str, None] = {}
    for path in files:
        tags = TRAINING_TEXTS.get(path.name)
        if tags is None:
            raise BadInputError(path, f"not a training file the type exemplars read ({', '.join(TRAINING_TEXTS)})")
        root = ET.parse(path).getroot()
        for tag in tags:
            for node in root.iter(tag):
                text = " ".join("".join(node.itertext()).split())
                if text:
                    texts.setdefault(text)
    return list(texts)


def build_type_exemplars(questions: Path, training_files: Sequence[Path], store: Store,
                         encoder: Encoder) -> TypeExemplars:
    """The exemplars: every own question, and each training text that reaches the exemplars in ``ask`` (no cue
    or template types it, it names something, it is short), labelled "other"."""
    names = name_index(store, list(store.iter_drug_mentions()))
    templates = TemplateTypes(encoder)
    own = read_own_questions(questions)
    texts, labels = [], []
    for label, question in own:
        texts.append(with_names_as_x(understand(question, names)))
        labels.append(label)
    read = 0
    for text in read_training_texts(training_files):
        read += 1
        understood = templates.read(understand(text, names))
        written = with_names_as_x(understood)
        if understood.type_cued or not understood.focus or len(written.split()) > MAX_WORDS:
            continue
        texts.append(written)
        labels.append(OTHER)
    vectors = np.vstack([np.asarray(encoder.encode_query(text), dtype=np.float32).reshape(-1) for text in texts])
    return TypeExemplars(vectors, tuple(labels), encoder.name, {
        "trained_on_files": [questions.name, *(path.name for path in training_files)],
        "own_questions": len(own), "training_texts_read": read, "labels": dict(sorted(Counter(labels).items())),
        "command": "python -m healthqa.mediqa.training type-exemplars --kb KB --questions "
                   "benchmarks/data/founding_fresh.txt",
    })


def rebuild(kb: Path, questions: Path, liveqa: Path, mediqa: Path, encoder: Encoder,
            folder: Path | None = None) -> dict[str, Any]:
    """Builds the exemplars over the knowledge base file ``kb`` from ``questions`` and the training files in the
    LiveQA training folder ``liveqa`` and the MEDIQA folder ``mediqa``; writes them into ``folder`` (default: the
    package's). Returns what was written."""
    files = [(liveqa if name.startswith("TREC") else mediqa) / name for name in TRAINING_TEXTS]
    store = SQLiteStore(kb)
    try:
        exemplars = build_type_exemplars(questions, files, store, encoder)
    finally:
        store.close()
    return {"written": str(type_exemplars.save(exemplars, folder)), **exemplars.meta}
