"""MEDIQA 2019 task 3: re-rank and label the answers that NLM's CHiQA system retrieved for a question.

For every question of a MEDIQA QA file, every candidate answer gets a probability of being a correct
answer (reference score 3 or 4); answers are ordered by that probability and labelled 1 when it
reaches a threshold chosen on the training data; the first answer is always labelled 1 (see
``LABEL_BEST``). The probability is a logistic regression over
interpretable features of the (question, answer) pair:

- MiniLM cosine of the question with the whole answer, with its CHiQA heading (``Title (Section):``),
  of the question's sentences with the heading and with the answer's first sentences, and of the
  question's subject line with the answer's title; most also relative to the best candidate of the same
  question, since the judges compared answers within one question;
- lexical overlap of content-word stems (also relative); whether the question's focus words (typos
  tolerated) occur in the heading and the answer, and whether the answer's title words occur in the question;
- agreement of the question's cued types with the answer's section (treatment, causes …);
- the answer's ``SystemRank`` (part of the input), its length, how many candidates share its page,
  and its host (NIH and MedlinePlus pages, Mayo Clinic, or none);
- the question-entailment score (:mod:`healthqa.mediqa.entail`) of the question and the answer's heading;
- the score of a cross-encoder that reads the question and the answer together, trained on the training files'
  judgments (:mod:`healthqa.mediqa.cross_encoder`): raw, relative to the question's best, standardised.

The coefficients ship as ``healthqa/learned/rerank.json``, the cross-encoder's adapters as
``healthqa/learned/mediqa_cross.npz``. Retrain both on ``qa-train1-liveqa-dev.xml`` and ``qa-train2-alexa.xml``::

    python -m healthqa.mediqa.training rerank [--data ../shared/data/mediqa-2019]

Measure: ``python benchmarks/mediqa.py``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
from lxml import etree

from healthqa import learned
from healthqa.errors import BadInputError
from healthqa.ingest.mediqa import UNATTRIBUTED, ChiqaAnswer, source_for_url
from healthqa.mediqa import cross_encoder
from healthqa.mediqa.entail import (
    MAX_TOKENS,
    entailment_scores,
    focus_terms,
    fuzzy_present,
    overlap,
    question_types,
    sentences,
    terms,
)
from healthqa.records import SectionType, Tier
from healthqa.retrieve.encoder import Encoder, default_encoder

Matrix = npt.NDArray[np.float64]
Vector = npt.NDArray[np.float32]

FEATURES: tuple[str, ...] = (
    "system_rank_inverse",
    "system_rank_position",
    "cos_answer",
    "cos_heading",
    "cos_best_sentence_heading",
    "cos_answer_relative",
    "cos_heading_relative",
    "cos_answer_rank",
    "cos_answer_z",
    "cos_best_sentences",
    "cos_best_sentences_relative",
    "cos_subject_title",
    "cos_subject_title_relative",
    "question_terms_in_answer",
    "question_terms_in_answer_relative",
    "question_focus_in_heading",
    "question_focus_in_answer",
    "subject_focus_in_heading",
    "title_in_question",
    "title_in_question_relative",
    "type_match",
    "type_in_question",
    "type_near",
    "section_information",
    "host_government",
    "host_mayo",
    "host_adam",
    "host_none",
    "log_words_answer",
    "same_page_share",
    "entail_heading",
    "entail_heading_relative",
    "log_answers",
    "log_words_question",
    "cross_encoder",
    "cross_encoder_relative",
    "cross_encoder_z",
)

# Neighbouring question types: a section of one partly answers a question of the other.
_NEAR_TYPES: dict[SectionType, set[SectionType]] = {
    SectionType.INHERITANCE: {SectionType.GENETIC_CHANGES, SectionType.CAUSES},
    SectionType.GENETIC_CHANGES: {SectionType.INHERITANCE, SectionType.CAUSES},
    SectionType.CAUSES: {SectionType.SUSCEPTIBILITY, SectionType.GENETIC_CHANGES, SectionType.INFORMATION},
    SectionType.SUSCEPTIBILITY: {SectionType.CAUSES, SectionType.FREQUENCY},
    SectionType.TREATMENT: {SectionType.USAGE, SectionType.INDICATION, SectionType.CONSIDERATIONS},
    SectionType.USAGE: {SectionType.TREATMENT, SectionType.INDICATION, SectionType.DOSE},
    SectionType.DOSE: {SectionType.USAGE, SectionType.FORGET_A_DOSE},
    SectionType.EXAMS_AND_TESTS: {SectionType.SYMPTOMS, SectionType.INFORMATION},
    SectionType.SYMPTOMS: {SectionType.INFORMATION, SectionType.COMPLICATIONS},
    SectionType.OUTLOOK: {SectionType.COMPLICATIONS, SectionType.TREATMENT},
    SectionType.COMPLICATIONS: {SectionType.OUTLOOK, SectionType.SYMPTOMS},
    SectionType.SIDE_EFFECTS: {SectionType.SEVERE_REACTION, SectionType.PRECAUTIONS},
    SectionType.INTERACTIONS_WITH_MEDICATIONS: {SectionType.PRECAUTIONS, SectionType.INTERACTIONS_WITH_FOODS},
    SectionType.PREVENTION: {SectionType.CAUSES, SectionType.SUSCEPTIBILITY},
    SectionType.INFORMATION: {SectionType.SYMPTOMS, SectionType.CAUSES},
}

_ANSWER_CHARS = 2000  # MiniLM reads 256 tokens; more characters than that only cost tokenising time
_HEADING_CHARS = 300
_ANSWER_SENTENCES = 8  # the answer's best sentence is nearly always among its first few
_SENTENCE_CHARS = 300  # a bullet list has no full stops: its "sentence" may be the whole answer


@dataclass(frozen=True)
class MediqaAnswer:
    aid: str
    text: str
    url: str
    system_rank: int
    reference_rank: int | None = None
    reference_score: int | None = None  # 1-4 when the file carries judgments

    @property
    def correct(self) -> bool | None:
        """The MEDIQA definition: reference score 3 or 4; None when the file has no judgment."""
        return None if self.reference_score is None else self.reference_score >= 3


@dataclass(frozen=True)
class MediqaQuestion:
    qid: str
    text: str
    answers: tuple[MediqaAnswer, ...]  # in CHiQA's order (SystemRank)


@dataclass(frozen=True)
class RankedAnswer:
    qid: str
    aid: str
    rank: int  # 1-based position in healthqa's order
    label: int  # 1 when healthqa judges the answer correct
    score: float  # the model's probability that the answer is correct
    answer: MediqaAnswer


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=True)


def _int(value: str | None, path: Path, line: int | None, name: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise BadInputError(path, f"line {line}: {name}={value!r} is not a whole number") from None


def read_mediqa_questions(path: Path | str) -> list[MediqaQuestion]:
    """The questions of a MEDIQA 2019 QA file with their candidate answers, in CHiQA's order.

    ``ReferenceRank`` and ``ReferenceScore`` may be absent (a test file); a missing ``SystemRank``
    is the answer's position in the file.
    """
    path = Path(path)
    try:
        root = etree.parse(str(path), _PARSER).getroot()
    except OSError as error:
        raise BadInputError(path, f"cannot read: {error}") from error
    except etree.XMLSyntaxError as error:
        raise BadInputError(path, f"not well-formed MEDIQA XML: {error}") from error
    elements = list(root.iter("Question"))
    if not elements:
        raise BadInputError(path, f"no <Question> elements under <{root.tag}>")
    questions: list[MediqaQuestion] = []
    for element in elements:
        qid = (element.get("QID") or "").strip()
        text = " ".join((element.findtext("QuestionText") or "").split())
        if not qid or not text:
            raise BadInputError(
                path, f"line {element.sourceline}: a <Question> lacks its QID or QuestionText"
            )
        answers: list[MediqaAnswer] = []
        for position, answer in enumerate(element.iter("Answer"), 1):
            aid = (answer.get("AID") or "").strip()
            if not aid:
                raise BadInputError(path, f"line {answer.sourceline}: an <Answer> has no AID")
            line = answer.sourceline
            answers.append(
                MediqaAnswer(
                    aid=aid,
                    text=" ".join((answer.findtext("AnswerText") or "").split()),
                    url=(answer.findtext("AnswerURL") or "").strip(),
                    system_rank=_int(answer.get("SystemRank"), path, line, "SystemRank") or position,
                    reference_rank=_int(answer.get("ReferenceRank"), path, line, "ReferenceRank"),
                    reference_score=_int(answer.get("ReferenceScore"), path, line, "ReferenceScore"),
                )
            )
        answers.sort(key=lambda a: a.system_rank)  # stable: ties keep the file's order
        questions.append(MediqaQuestion(qid, text, tuple(answers)))
    return questions


@dataclass(frozen=True)
class _Parsed:
    """What the features need of one answer."""

    heading: str  # CHiQA's "Title (Section)" prefix, or the first sentence when there is none
    title: str  # the page's topic from the prefix, or the heading
    sentences: list[str]  # the first sentences of the body
    section: SectionType
    text: str
    vocabulary: set[str]
    heading_vocabulary: set[str]
    title_focus: list[str]
    words: int


def _parse(answer: MediqaAnswer) -> _Parsed:
    parsed = ChiqaAnswer(answer.text)
    body_start = sentences(parsed.body)[0] if parsed.body else ""
    heading = (parsed.heading or body_start or answer.text)[:_HEADING_CHARS] or answer.aid
    text = answer.text[:_ANSWER_CHARS] or heading
    return _Parsed(
        heading=heading,
        title=parsed.title or heading,
        sentences=[s[:_SENTENCE_CHARS] for s in sentences(parsed.body)[:_ANSWER_SENTENCES]] or [heading],
        section=parsed.section,
        text=text,
        vocabulary=set(terms(answer.text)),
        heading_vocabulary=set(terms(heading)),
        title_focus=focus_terms(parsed.title or heading),
        words=max(len(answer.text.split()), 1),
    )


def _fraction_present(wanted: Sequence[str], vocabulary: set[str]) -> float:
    if not wanted:
        return 0.0
    return sum(fuzzy_present(w, vocabulary) for w in wanted) / len(wanted)


def _host(url: str) -> tuple[float, float, float, float]:
    """(government, Mayo Clinic, A.D.A.M. encyclopedia, no URL) indicators of an answer's page."""
    source = source_for_url(url)
    if source is UNATTRIBUTED:
        return 0.0, 0.0, 0.0, 1.0
    host = (urlsplit(url).hostname or "").lower()
    return (
        1.0 if source.tier is Tier.GOVERNMENT_REVIEWED else 0.0,
        1.0 if host.endswith("mayoclinic.org") else 0.0,
        1.0 if "/ency/" in url.lower() else 0.0,
        0.0,
    )


def _encode(encoder: Encoder, texts: Sequence[str], max_tokens: int) -> dict[str, Vector]:
    unique = list(dict.fromkeys(texts))
    return dict(zip(unique, encoder.encode(unique, max_tokens=max_tokens), strict=True))


def question_features(
    question: MediqaQuestion, encoder: Encoder | None = None, cross_scores: Sequence[float] | None = None
) -> Matrix:
    """The feature matrix of a question's answers (rows in CHiQA's order, columns in ``FEATURES`` order).

    ``cross_scores``: the cross-encoder's score of each answer; by default the shipped cross-encoder's (training
    passes scores from cross-encoders that never saw the question, see ``training.rerank_dataset``)."""
    answers = question.answers
    if not answers:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    encoder = encoder or default_encoder()
    if cross_scores is None:
        cross_scores = cross_encoder.load_shipped().score(question.text, [a.text for a in answers]).tolist()
    cross = cross_encoder.columns(cross_scores)
    parsed = [_parse(a) for a in answers]
    q_sentences = sentences(question.text)
    # Three encoder calls, each truncated to what its texts need: MiniLM's cost grows with the tokens.
    short = _encode(encoder, [question.text, *q_sentences, *(p.heading for p in parsed),
                              *(p.title for p in parsed)], MAX_TOKENS)
    whole = _encode(encoder, [p.text for p in parsed], 256)
    parts = _encode(encoder, [s for p in parsed for s in p.sentences], 64)
    q = short[question.text]
    sentence_vectors = np.stack([short[s] for s in q_sentences])
    subject = short[q_sentences[0]]
    cos_answer = np.asarray([float(whole[p.text] @ q) for p in parsed])
    cos_heading = np.asarray([float(short[p.heading] @ q) for p in parsed])
    cos_best = np.asarray([float(np.max(sentence_vectors @ short[p.heading])) for p in parsed])
    cos_sentences = np.asarray([
        float(np.max(sentence_vectors @ np.stack([parts[s] for s in p.sentences]).T)) for p in parsed
    ])
    cos_title = np.asarray([float(short[p.title] @ subject) for p in parsed])
    cos_z = (cos_answer - cos_answer.mean()) / max(float(cos_answer.std()), 0.02)
    # 0 for the most similar answer of the question, 1 for the least.
    order = np.argsort(-cos_answer, kind="stable")
    cos_rank = np.empty(len(parsed))
    cos_rank[order] = np.arange(len(parsed)) / max(len(parsed) - 1, 1)
    # The entailment features need the same texts at the same length: pass their vectors along.
    entail = np.asarray(entailment_scores([(question.text, p.heading) for p in parsed], encoder, short))

    q_terms = terms(question.text)
    q_vocabulary = set(q_terms)
    q_focus = focus_terms(question.text)
    subject_focus = focus_terms(q_sentences[0])
    q_types = question_types(question.text)
    pages = Counter(a.url for a in answers if a.url and a.url != "#")
    n = len(answers)
    q_in_answer = np.asarray([overlap(q_terms, p.vocabulary) for p in parsed])
    title_in_q = np.asarray([_fraction_present(p.title_focus, q_vocabulary) for p in parsed])
    q_words = max(len(question.text.split()), 1)
    rows: list[list[float]] = []
    for i, (answer, p) in enumerate(zip(answers, parsed, strict=True)):
        rank = answer.system_rank if answer.system_rank > 0 else i + 1
        near = _NEAR_TYPES.get(q_types[0], set())
        rows.append([
            1.0 / rank,
            (min(rank, n) - 1) / max(n - 1, 1),
            cos_answer[i],
            cos_heading[i],
            cos_best[i],
            cos_answer[i] - cos_answer.max(),
            cos_heading[i] - cos_heading.max(),
            cos_rank[i],
            cos_z[i],
            cos_sentences[i],
            cos_sentences[i] - cos_sentences.max(),
            cos_title[i],
            cos_title[i] - cos_title.max(),
            q_in_answer[i],
            q_in_answer[i] - q_in_answer.max(),
            _fraction_present(q_focus, p.heading_vocabulary),
            _fraction_present(q_focus, p.vocabulary),
            _fraction_present(subject_focus, p.heading_vocabulary),
            title_in_q[i],
            title_in_q[i] - title_in_q.max(),
            1.0 if p.section is q_types[0] else 0.0,
            1.0 if p.section in q_types else 0.0,
            1.0 if p.section in near else 0.0,
            1.0 if p.section is SectionType.INFORMATION else 0.0,
            *_host(answer.url),
            math.log(p.words),
            (pages[answer.url] - 1) / max(n - 1, 1) if answer.url in pages else 0.0,
            entail[i],
            entail[i] - entail.max(),
            math.log(n),
            math.log(q_words),
            *cross[i],
        ])
    return np.asarray(rows, dtype=np.float64)


def _model() -> learned.LinearModel:
    model = learned.load("rerank")
    model.check_features(FEATURES, "rerank")
    return model


# The best answer of a question is always labelled 1: a question is asked because an answer is wanted,
# and the official MRR only counts answers labelled 1. In cross-validation on the training files this
# raised MRR by 0.11 on the LiveQA questions (0 on the Alexa ones) for 0.02 of accuracy on the LiveQA
# questions, a third of which have no correct answer at all.
LABEL_BEST = True


def rank_by_scores(
    question: MediqaQuestion, scores: Sequence[float], threshold: float, label_best: bool = LABEL_BEST
) -> list[RankedAnswer]:
    """Answers ordered by score (ties by CHiQA's order), labelled 1 at or above ``threshold`` (and the
    first one always, when ``label_best``)."""
    order = sorted(range(len(question.answers)), key=lambda i: (-scores[i], i))
    return [
        RankedAnswer(
            qid=question.qid,
            aid=question.answers[i].aid,
            rank=position,
            label=1 if scores[i] >= threshold or (label_best and position == 1) else 0,
            score=float(scores[i]),
            answer=question.answers[i],
        )
        for position, i in enumerate(order, 1)
    ]


def rerank(question: MediqaQuestion, encoder: Encoder | None = None) -> list[RankedAnswer]:
    """Every candidate answer of ``question`` in healthqa's order, with its label and probability."""
    if not question.answers:
        return []
    model = _model()
    scores = model.probabilities(question_features(question, encoder))
    return rank_by_scores(question, [float(s) for s in scores], model.threshold)


def rerank_all(questions: Iterable[MediqaQuestion], encoder: Encoder | None = None) -> list[RankedAnswer]:
    ranked: list[RankedAnswer] = []
    for question in questions:
        ranked.extend(rerank(question, encoder))
    return ranked


def rerank_file(path: Path | str) -> list[tuple[str, str, int]]:
    """``(QID, AID, label)`` for every answer of a MEDIQA QA file, questions in file order, answers in
    healthqa's order: the task's submission format."""
    return [(r.qid, r.aid, r.label) for r in rerank_all(read_mediqa_questions(path))]
