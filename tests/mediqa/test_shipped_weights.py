"""The weights shipped in healthqa.learned were trained on the features the code computes today.

The features read vocabularies of other modules (the question parser's type cues and stopwords, the generic
question words): changing one changes what the weights see, and only retraining puts them right. Each
weights file records what it was trained on; these tests compare that with the current code.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

import pytest

from healthqa import learned
from healthqa.mediqa import entail, rerank, training
from healthqa.retrieve.encoder import DIMENSIONS, MODEL_NAME, QUERY_TOKENS

RETRAIN = "retrain with `python -m healthqa.mediqa.training mediqa` (see healthqa/mediqa/training.py)"
RETRAIN_ADAPTER = "retrain with `python -m healthqa.mediqa.training query-adapter --kb KB`"
LINEAR = {"entail": entail.FEATURES, "rerank": rerank.FEATURES}


def test_every_shipped_model_is_checked_here() -> None:
    shipped = {item.name.removesuffix(".json") for item in resources.files(learned).iterdir()
               if item.name.endswith(".json")}
    assert shipped == {*LINEAR, "query_adapter", "qtype", "asked_type", "ltr", "symptom_rerank", "question_words",
                       "question_templates"}, \
        "a weights file without a check in this file"


def test_the_symptom_search_model_reads_the_current_features() -> None:
    """symptom_rerank.json (the symptom search's second stage) reads its features by name."""
    from healthqa.symptoms import rerank as symptom_rerank

    model = symptom_rerank.load_reranker()
    assert model.features == symptom_rerank.MODEL_FEATURES, "refit with `python -m healthqa.symptoms.rerank`"
    assert model.mean.shape == model.scale.shape == model.weights.shape == (len(model.features),)


def test_the_learned_ranker_matches_the_current_features() -> None:
    """ltr.json (off in ask: healthqa.learned.ranker.LEARNED_RANKING) reads the ranker's features by name."""
    from healthqa.answer.rank import LEARNED_FEATURES

    model = learned.load("ltr")
    assert tuple(model.features) == tuple(LEARNED_FEATURES), (
        f"ltr.json was trained on {model.features}, the ranker computes {LEARNED_FEATURES}: retrain with "
        "`python -m healthqa.mediqa.ltr_training --kb benchmarks/.cache/kb.db`")


def test_the_question_type_model_matches_the_current_cues() -> None:
    from healthqa.learned import qtype
    from healthqa.mediqa.qtype_training import cue_fingerprint

    model = qtype.shipped()
    assert model is not None
    assert model.meta.get("fingerprint") == cue_fingerprint(), (
        "qtype.json was trained with other type cues: retrain with `python -m healthqa.mediqa.training qtype`")


def test_the_asked_type_model_reads_words_and_the_encoders_vector_and_records_its_choice() -> None:
    """asked_type.json reads a question's words (names as "X"), never the type cues, so a cue change needs no refit,
    and, where its cross-validation gave the vector a weight, the current encoder's sentence vector; its thresholds
    are those its cross-validation chose."""
    from healthqa.learned import asked_type
    from healthqa.retrieve.encoder import DIMENSIONS, MODEL_NAME

    model = asked_type.shipped()
    assert model is not None
    retrain = "retrain with `python -m healthqa.mediqa.training asked-type --kb KB`"
    assert all(token[:2] in ("w:", "b:", "s:") for token in model.classifier.vocabulary), \
        f"asked_type.json reads other features: {retrain}"
    chosen = model.classifier.meta["chosen"]
    assert (model.unread_threshold, model.cued_threshold) == (chosen["unread_threshold"], chosen["cued_threshold"])
    assert model.swap_threshold == chosen.get("swap_threshold", asked_type.NEVER)
    assert model.reads_vectors == (chosen["vector_scale"] > 0)
    if model.vector_coef is not None:
        assert model.vector_coef.shape == (len(model.classifier.classes), DIMENSIONS), retrain
        assert model.classifier.meta["vector_model"] == MODEL_NAME, f"fitted on another encoder's vectors: {retrain}"


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_linear_weights_match_the_current_features(name: str) -> None:
    model = learned.load(name)
    assert model.features == LINEAR[name], (
        f"{name}.json was trained on the features {model.features}, the code computes {LINEAR[name]}: {RETRAIN}"
    )
    stored, current = model.meta.get("fingerprint"), training.feature_fingerprint()
    assert stored == current, (
        f"{name}.json was trained with feature fingerprint {stored}, the code's is now {current} (the question "
        f"parser's cues or stopwords, or the generic question words, changed): {RETRAIN}"
    )


def test_the_query_adapter_matches_the_current_encoder() -> None:
    adapter = learned.query_adapter()
    assert adapter.encoder == MODEL_NAME, f"the adapter was trained for {adapter.encoder}: {RETRAIN_ADAPTER}"
    assert adapter.matrix.shape == (DIMENSIONS, DIMENSIONS), (
        f"the adapter is {adapter.matrix.shape}, the encoder's vectors have {DIMENSIONS} dimensions: {RETRAIN_ADAPTER}"
    )
    assert adapter.meta.get("query_tokens") == QUERY_TOKENS, (
        f"the adapter was trained on queries cut at {adapter.meta.get('query_tokens')} tokens, the encoder now cuts "
        f"them at {QUERY_TOKENS}: {RETRAIN_ADAPTER}"
    )


SHARED_DATA = os.environ.get("HEALTHQA_SHARED_DATA") or Path(__file__).resolve().parents[2].parent / "shared" / "data"
MEDQUAD = Path(SHARED_DATA) / "medquad"


@pytest.mark.skipif(not MEDQUAD.is_dir(), reason=f"MedQuAD not found at {MEDQUAD} (set HEALTHQA_SHARED_DATA)")
def test_the_shipped_question_words_are_what_the_command_counts_on_medquad() -> None:
    """question_words.json is what `python -m healthqa.mediqa.training question-words` writes today (the words
    are index terms: a change to the full-text stemming must count them again)."""
    from healthqa.mediqa.question_words import count_question_words

    shipped = json.loads(resources.files(learned).joinpath("question_words.json").read_text(encoding="utf-8"))
    words, _ = count_question_words(MEDQUAD)
    assert shipped["words"] == words, "count again with `python -m healthqa.mediqa.training question-words`"


@pytest.mark.skipif(not MEDQUAD.is_dir(), reason=f"MedQuAD not found at {MEDQUAD} (set HEALTHQA_SHARED_DATA)")
def test_the_shipped_question_templates_are_what_the_command_counts_on_medquad() -> None:
    """question_templates.json is what `python -m healthqa.mediqa.training question-templates` writes today."""
    from healthqa.mediqa.question_templates import count_question_templates

    shipped = json.loads(resources.files(learned).joinpath("question_templates.json").read_text(encoding="utf-8"))
    templates, _ = count_question_templates(MEDQUAD)
    assert shipped["templates"] == templates, "count again with `python -m healthqa.mediqa.training question-templates`"
    assert {t["type"] for t in templates} >= {"support groups", "complications", "exams and tests"}
