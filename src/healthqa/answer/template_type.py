"""A short question's type read from the MedQuAD template it is most like, when no cue word names one (issue 16).

The cue lists type a question by words they list ("complications", "support group", "diagnosed"); a person asks
in words no list holds: "are there any LEMS support networks?", "what health problems can come with LEMS?",
"I want to connect with people who have Lambert-Eaton syndrome". MedQuAD asks each type from one template
("Where to find support for people with X ?", "What are the complications of X ?", "How to diagnose X ?";
:func:`healthqa.learned.question_templates`, counted by :mod:`healthqa.mediqa.question_templates`). A question
that no cue types (``Understanding.type_cued`` false), that names a topic and that is short, read with each
recognised name written as ``X``, takes the type of the template its sentence vector is closest to, when that
template is one of :data:`LIVING_TYPES` and at least :data:`MIN_SIMILARITY` alike.

Only the living-with-a-condition types that the founding documents are asked about (issue 16: support
organisations, tests, complications): for the others the cue lists already read MedQuAD's wordings, and on the
62 LiveQA training messages that no cue types, the nearest template of any type was right no more often than the
default reading (BENCHMARKS.md, issue 16, session 19). Restricted so, it fires on none of them, nor on any LiveQA
dev message. :data:`MIN_SIMILARITY` was set on the project's own wordings of the founding classes
(``benchmarks/data/founding_fresh.txt``, batches 1-4), where every firing between 0.5 and 0.62 was right;
:data:`MAX_WORDS` was fixed beforehand.

When no template is near enough, the same vector is compared with the type exemplars
(:mod:`healthqa.learned.type_exemplars`): the project's own wordings of those classes and the short training
questions that reach this reading, labelled "other". The nearest decides when it is of a living type and at
least :data:`EXEMPLAR_MIN_SIMILARITY` alike: of the thresholds 0.55-0.8, the one with the most own misses typed
right less training questions read as a living type, each batch of own wordings read without itself and the
training questions in five folds (``benchmarks/type_exemplars_cv.py``; BENCHMARKS.md, issue 16, session 22).
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np

from healthqa import learned
from healthqa.learned.type_exemplars import TypeExemplars
from healthqa.records import SectionType
from healthqa.retrieve.encoder import Encoder, Vectors
from healthqa.understand import Understanding, names_as_x

LIVING_TYPES = frozenset({SectionType.SUPPORT_GROUPS, SectionType.COMPLICATIONS, SectionType.EXAMS_AND_TESTS})
_LIVING_VALUES = frozenset(kind.value for kind in LIVING_TYPES)
MIN_SIMILARITY = 0.6
EXEMPLAR_MIN_SIMILARITY = 0.75
MAX_WORDS = 20  # longer messages are not template questions (LiveQA's run to a median of 21 words and more)


def with_names_as_x(understood: Understanding) -> str:
    """The question's concise form with every recognised name written as "X", as MedQuAD's templates write it."""
    return names_as_x(understood.concise or understood.text, understood.focus)


class TemplateTypes:
    """Reads types from the shipped templates through ``encoder``'s question model (the templates' vectors are
    made once, on first use or by :meth:`prepare`), then from ``exemplars`` where given (made by the same
    encoder)."""

    def __init__(self, encoder: Encoder, templates: tuple[tuple[str, str], ...] | None = None,
                 exemplars: TypeExemplars | None = None) -> None:
        if exemplars is not None and exemplars.encoder != encoder.name:
            exemplars = None  # vectors of another model: not comparable with this one's
        self.encoder = encoder
        self.templates = templates if templates is not None else learned.question_templates()
        self.exemplars = exemplars
        self._vectors: Vectors | None = None
        self._lock = threading.Lock()

    def prepare(self) -> Vectors:
        with self._lock:
            if self._vectors is None:
                self._vectors = np.vstack([np.asarray(self.encoder.encode_query(text)).reshape(-1)
                                           for text, _ in self.templates])
            return self._vectors

    def nearest(self, text: str) -> tuple[str, float]:
        """The type of the template most like ``text`` (names written as "X"), and how alike (cosine)."""
        return self._nearest_template(np.asarray(self.encoder.encode_query(text), dtype=np.float32).reshape(-1))

    def _nearest_template(self, vector: Vectors) -> tuple[str, float]:
        similarities = self.prepare() @ vector
        best = int(np.argmax(similarities))
        return self.templates[best][1], float(similarities[best])

    def _living_type(self, vector: Vectors) -> SectionType | None:
        """The living-with-a-condition type the nearest template, else the nearest exemplar, reads; or None."""
        kind, similarity = self._nearest_template(vector)
        if kind in _LIVING_VALUES and similarity >= MIN_SIMILARITY:
            return SectionType.parse(kind)
        if self.exemplars is None:
            return None
        kind, similarity = self.exemplars.nearest(vector)
        return SectionType.parse(kind) if kind in _LIVING_VALUES and similarity >= EXEMPLAR_MIN_SIMILARITY else None

    def read(self, understood: Understanding) -> Understanding:
        """``understood`` with its type read from the templates where the rule above applies; else itself."""
        if understood.type_cued or not understood.focus or not self.templates:
            return understood
        text = with_names_as_x(understood)
        if len(text.split()) > MAX_WORDS:
            return understood
        qtype = self._living_type(np.asarray(self.encoder.encode_query(text), dtype=np.float32).reshape(-1))
        if qtype is None:
            return understood
        # Read from the question as a whole, like a phrasing cue's type: type before tier applies at any margin.
        return dataclasses.replace(understood, qtype=qtype, type_cued=True, type_phrased=True,
                                   qtypes=[qtype, *(t for t in understood.qtypes if t is not qtype)])
