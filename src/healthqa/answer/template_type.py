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
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np

from healthqa import learned
from healthqa.records import SectionType
from healthqa.retrieve.encoder import Encoder, Vectors
from healthqa.understand import Understanding, names_as_x

LIVING_TYPES = frozenset({SectionType.SUPPORT_GROUPS, SectionType.COMPLICATIONS, SectionType.EXAMS_AND_TESTS})
_LIVING_VALUES = frozenset(kind.value for kind in LIVING_TYPES)
MIN_SIMILARITY = 0.6
MAX_WORDS = 20  # longer messages are not template questions (LiveQA's run to a median of 21 words and more)


def with_names_as_x(understood: Understanding) -> str:
    """The question's concise form with every recognised name written as "X", as MedQuAD's templates write it."""
    return names_as_x(understood.concise or understood.text, understood.focus)


class TemplateTypes:
    """Reads types from the shipped templates through ``encoder``'s float32 question model (the templates' vectors
    are made once, on first use or by :meth:`prepare`).

    Float32, not the int8 copy that ranks a server's questions: the int8 copy is made on each machine and its
    kernels differ by processor, and a reading that turns on a threshold should not change with the machine
    ("can you recommend advocacy groups for X?": 0.584 through this machine's int8 copy, 0.620 in float32, against
    :data:`MIN_SIMILARITY` 0.6; BENCHMARKS.md, issue 16, session 23)."""

    def __init__(self, encoder: Encoder, templates: tuple[tuple[str, str], ...] | None = None) -> None:
        self.encoder = encoder
        self.templates = templates if templates is not None else learned.question_templates()
        self._vectors: Vectors | None = None
        self._lock = threading.Lock()

    def prepare(self) -> Vectors:
        with self._lock:
            if self._vectors is None:
                self._vectors = np.vstack([np.asarray(self.encoder.encode_question(text)).reshape(-1)
                                           for text, _ in self.templates])
            return self._vectors

    def nearest(self, text: str) -> tuple[str, float]:
        """The type of the template most like ``text`` (names written as "X"), and how alike (cosine)."""
        similarities = self.prepare() @ np.asarray(self.encoder.encode_question(text)).reshape(-1)
        best = int(np.argmax(similarities))
        return self.templates[best][1], float(similarities[best])

    def read(self, understood: Understanding) -> Understanding:
        """``understood`` with its type read from the templates where the rule above applies; else itself."""
        if understood.type_cued or not understood.focus or not self.templates:
            return understood
        text = with_names_as_x(understood)
        if len(text.split()) > MAX_WORDS:
            return understood
        kind, similarity = self.nearest(text)
        qtype = SectionType.parse(kind) if kind in _LIVING_VALUES else None
        if qtype is None or similarity < MIN_SIMILARITY:
            return understood
        # Read from the question as a whole, like a phrasing cue's type: type before tier applies at any margin.
        return dataclasses.replace(understood, qtype=qtype, type_cued=True, type_phrased=True,
                                   qtypes=[qtype, *(t for t in understood.qtypes if t is not qtype)])
