"""Recognising question entailment (RQE): does an FAQ question ask what a consumer's question asks?

Question A entails question B when every answer to B is also a (at least partial) answer to A
(Ben Abacha & Demner-Fushman, AMIA 2016). The answering engine uses this to decide whether a stored
FAQ question of a trusted source answers the person's question.

A pair is described by a few interpretable features — MiniLM cosine of the whole texts and of the
FAQ against the best-matching sentence of the consumer question, overlap of content-word stems, whether
the FAQ's focus words (its words minus generic question words) occur in the consumer question (typos
tolerated), agreement of the question types cued in both, and lengths — combined by a logistic
regression trained only on ``rqe-train-amia2016.xml``; the coefficients ship as
``healthqa/models_data/entail.json``.

Retrain (writes entail.json)::

    python -m healthqa.mediqa.training entail [--data ../shared/data/mediqa-2019]

Measure: ``python benchmarks/rqe.py``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from lxml import etree

from healthqa import learned
from healthqa.errors import BadInputError
from healthqa.records import SectionType
from healthqa.retrieve.encoder import Encoder, default_encoder
from healthqa.understand import STOPWORDS, classify, condense, normalise

Matrix = npt.NDArray[np.float64]
Vector = npt.NDArray[np.float32]

FEATURES: tuple[str, ...] = (
    "cos_full",
    "cos_best_sentence",
    "faq_terms_in_chq",
    "chq_terms_in_faq",
    "focus_in_chq",
    "focus_missing",
    "type_same",
    "faq_type_in_chq",
    "faq_type_information",
    "chq_type_information",
    "log_words_chq",
    "log_words_faq",
    "log_length_ratio",
)

# Words that say what kind of question it is or are common to every health question; what is left of an
# FAQ question after removing them (and stopwords) names its focus ("How is fibromyalgia treated?").
GENERIC_WORDS = frozenset(
    (
        "treat treatment treated treating cure cured therapy therapies symptom sign cause caused diagnose "
        "diagnosed diagnosis test tested testing prevent prevention risk factor outlook prognosis effect "
        "side medication medicine drug dose dosage disease condition disorder syndrome problem learn "
        "research researcher better feel normal people person patient doctor common type kind long term "
        "help available "
        "happen affect affected get gets take taking used use using work best way ways new latest recent "
        "manage management live living inherit inherited genetic gene complication stage good bad possible "
        "related"
    ).split()
)

_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")
_MAX_SENTENCES = 8  # bounds the cost of a long story; the question is nearly always in the first few
MAX_TOKENS = 128  # MiniLM input for whole texts: the question part of a message is rarely longer


def stem(word: str) -> str:
    """A light suffix stripper: enough to equate treat/treated/treatment and symptom/symptoms."""
    for suffix, replacement in (
        ("ments", ""), ("ment", ""), ("ations", ""), ("ation", ""), ("ities", ""), ("ity", ""),
        ("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + replacement
    return word


def terms(text: str) -> list[str]:
    """Stems of the content words of ``text``, in order (repeats kept)."""
    return [stem(w) for w in normalise(text).split() if w not in STOPWORDS and len(w) > 1]


_GENERIC_STEMS = frozenset(stem(w) for w in GENERIC_WORDS) | GENERIC_WORDS


def focus_terms(text: str) -> list[str]:
    """The stems of ``text`` that name what it is about: content words minus generic question words."""
    return list(dict.fromkeys(t for t in terms(text) if t not in _GENERIC_STEMS and not t.isdigit()))


def fuzzy_present(term: str, vocabulary: set[str]) -> bool:
    """``term`` occurs in ``vocabulary``, or, for a long word, a spelling one or two letters off does."""
    if term in vocabulary:
        return True
    if len(term) < 6:
        return False
    for word in vocabulary:
        if abs(len(word) - len(term)) > 2 or word[0] != term[0]:
            continue
        matcher = difflib.SequenceMatcher(None, term, word)
        # quick_ratio bounds ratio from above and costs a fraction of it.
        if matcher.quick_ratio() >= 0.84 and matcher.ratio() >= 0.84:
            return True
    return False


def sentences(text: str) -> list[str]:
    """The first few sentences of ``text`` (a consumer message's subject line counts as one)."""
    parts = [s.strip() for s in _SENTENCE.split(text) if s and len(s.strip()) > 2]
    return parts[:_MAX_SENTENCES] or [text.strip()]


def question_types(text: str) -> list[SectionType]:
    """The question types cued in the question sentences of ``text`` (as the question parser does)."""
    concise, questions = condense(text)
    types = classify(" ".join(questions) if questions else concise or text)
    if types == [SectionType.INFORMATION] and questions:
        types = classify(concise)
    return types


def overlap(part: Sequence[str], whole: set[str]) -> float:
    """The fraction of the distinct items of ``part`` found in ``whole`` (0 when ``part`` is empty)."""
    distinct = set(part)
    return len(distinct & whole) / len(distinct) if distinct else 0.0


class _Embeddings:
    """Encodes the distinct texts of a batch once (but those already ``known``), then answers cosines."""

    def __init__(self, encoder: Encoder, texts: Sequence[str], known: Mapping[str, Vector] | None) -> None:
        self._vectors: dict[str, Vector] = dict(known or {})
        missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, encoder.encode(missing, max_tokens=MAX_TOKENS), strict=True))

    def cosine(self, a: str, b: str) -> float:
        return float(self._vectors[a] @ self._vectors[b])

    def best(self, candidates: Sequence[str], b: str) -> float:
        return max(self.cosine(c, b) for c in candidates)


@dataclass(frozen=True)
class _Side:
    """What the features need of one question, computed once however many pairs it is in."""

    sentences: list[str]
    terms: list[str]
    vocabulary: set[str]
    focus: list[str]
    types: list[SectionType]
    words: int


def _side(text: str) -> _Side:
    stems = terms(text)
    return _Side(
        sentences=sentences(text),
        terms=stems,
        vocabulary=set(stems),
        focus=focus_terms(text),
        types=question_types(text),
        words=max(len(normalise(text).split()), 1),
    )


def pair_features(
    pairs: Sequence[tuple[str, str]],
    encoder: Encoder | None = None,
    known: Mapping[str, Vector] | None = None,
) -> Matrix:
    """The feature matrix (rows in ``FEATURES`` order) of (consumer question, FAQ question) pairs.

    ``known`` holds vectors the caller already has (encoded with ``max_tokens=MAX_TOKENS``).
    """
    if not pairs:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    sides = {text: _side(text) for pair in pairs for text in pair}
    texts: list[str] = []
    for a, b in pairs:
        texts.extend((a, b, *sides[a].sentences))
    embeddings = _Embeddings(encoder or default_encoder(), texts, known)
    rows = [_row(sides[a], sides[b], embeddings, a, b) for a, b in pairs]
    return np.asarray(rows, dtype=np.float64)


def _row(chq: _Side, faq: _Side, embeddings: _Embeddings, a: str, b: str) -> list[float]:
    found = [fuzzy_present(t, chq.vocabulary) for t in faq.focus]
    faq_type = faq.types[0]
    return [
        embeddings.cosine(a, b),
        embeddings.best(chq.sentences, b),
        overlap(faq.terms, chq.vocabulary),
        overlap(chq.terms, faq.vocabulary),
        sum(found) / len(found) if found else 1.0,
        float(len(found) - sum(found)),
        1.0 if chq.types[0] == faq_type else 0.0,
        1.0 if faq_type in chq.types else 0.0,
        1.0 if faq_type is SectionType.INFORMATION else 0.0,
        1.0 if chq.types[0] is SectionType.INFORMATION else 0.0,
        math.log(chq.words),
        math.log(faq.words),
        math.log(chq.words / faq.words),
    ]


def _model() -> learned.LinearModel:
    model = learned.load("entail")
    model.check_features(FEATURES, "entail")
    return model


def entailment_scores(
    pairs: Sequence[tuple[str, str]],
    encoder: Encoder | None = None,
    known: Mapping[str, Vector] | None = None,
) -> list[float]:
    """The probability, for each (consumer question, FAQ question) pair, that the first entails the second.

    All texts of the batch are encoded in one call, except those whose vectors the caller passes in
    ``known`` (encoded with ``max_tokens=MAX_TOKENS``); only the model (and the encoder) are cached.
    """
    if not pairs:
        return []
    return [float(p) for p in _model().probabilities(pair_features(pairs, encoder, known))]


def entailment_score(consumer_question: str, faq_question: str) -> float:
    """The probability in [0, 1] that ``consumer_question`` entails ``faq_question``."""
    return entailment_scores([(consumer_question, faq_question)])[0]


def entails(consumer_question: str, faq_question: str) -> bool:
    """Whether the score reaches the model's decision threshold (chosen on the training data)."""
    return entailment_score(consumer_question, faq_question) >= _model().threshold


@dataclass(frozen=True)
class RqePair:
    pid: str
    consumer: str
    faq: str
    label: bool | None  # None when the file gives no judgment


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


def read_rqe_pairs(path: Path) -> list[RqePair]:
    """The ``<pair pid value><chq/><faq/></pair>`` elements of a MEDIQA 2019 RQE file.

    Pairs with an empty question are skipped; a file with no usable pair is a :class:`BadInputError`.
    """
    try:
        root = etree.parse(str(path), _PARSER).getroot()
    except OSError as error:
        raise BadInputError(path, f"cannot read: {error}") from error
    except etree.XMLSyntaxError as error:
        raise BadInputError(path, f"not well-formed RQE XML: {error}") from error
    pairs: list[RqePair] = []
    for element in root.iter("pair"):
        consumer = " ".join((element.findtext("chq") or "").split())
        faq = " ".join((element.findtext("faq") or "").split())
        if not consumer or not faq:
            continue  # rqe-train-amia2016.xml has one pair with an empty <faq>: nothing to judge
        value = (element.get("value") or "").strip().lower()
        label = {"true": True, "false": False}.get(value)
        if value and label is None:
            raise BadInputError(path, f"line {element.sourceline}: value={value!r} is neither true nor false")
        pairs.append(RqePair(element.get("pid") or str(len(pairs) + 1), consumer, faq, label))
    if not pairs:
        raise BadInputError(path, "no <pair> with both a <chq> and a <faq> question")
    return pairs
