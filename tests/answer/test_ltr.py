"""Learning to rank (issue 16): the learned ranker's hook in the ranking, its rebuild command on a small
fixture, and the shipped model's record (fitted on LiveQA training files only; switched off in ``ask``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthqa import learned
from healthqa.answer.answerer import Answerer
from healthqa.answer.rank import LEARNED_FEATURES
from healthqa.learned import ranker as learned_ranker
from healthqa.mediqa.ltr_training import main
from healthqa.store import SQLiteStore, Store, open_store
from kb_builders import GOUT_CAUSES, LEMS_INHERITANCE, KnowledgeBases, build_kb

DEV_FILES = ("test-questions-dev.xml", "qrels-medquad-dev.txt", "qa-train1-liveqa-dev.xml")
LEMS_TREATMENT = ("Treatment may include amifampridine, plasma exchange and intravenous immunoglobulin. If a cancer "
                  "is found, treating it first may relieve the symptoms.")
GOUT_TREATMENT = "Medicines such as colchicine and allopurinol treat attacks and lower uric acid levels."


def _model(coefficients: dict[str, float], margin: float) -> learned_ranker.LearnedRanker:
    size = len(LEARNED_FEATURES)
    model = learned.LinearModel(LEARNED_FEATURES, (0.0,) * size, (1.0,) * size,
                                tuple(coefficients.get(name, 0.0) for name in LEARNED_FEATURES), 0.0)
    return learned_ranker.LearnedRanker(model, margin, depth=50)


@pytest.fixture()
def store(tmp_path: Path, kb_backend: KnowledgeBases) -> Iterator[Store]:
    opened = open_store(kb_backend.build(tmp_path / "kb.db"))
    yield opened
    opened.close()


def test_a_learned_model_orders_the_candidates_and_keeps_the_hand_scores(store: Store) -> None:
    answerer = Answerer(store, semantic=False)
    question = answerer.understand("lambert eaton myasthenic syndrome")
    hand = {s.passage.rowid: s.score for s in answerer.ranker.rank(question, limit=50)}
    answerer.ranker.learned = _model({"log_words": -1.0}, margin=-1.0)  # shortest passage first
    ranked = answerer.ranker.rank(question, limit=50)
    lengths = [len(s.passage.text.split()) for s in ranked]
    assert len(ranked) >= 3 and lengths == sorted(lengths)
    assert {s.passage.rowid: s.score for s in ranked} == hand  # thresholds read the hand-weighted score
    assert all("learned" in s.features for s in ranked)
    assert [s.passage.rowid for s in answerer.ranker.rank(question, limit=2)] == [s.passage.rowid for s in ranked[:2]]


def test_type_before_tier_lifts_the_asked_type_within_the_learned_margin(store: Store) -> None:
    answerer = Answerer(store, semantic=False)
    question = answerer.understand("how is lambert eaton myasthenic syndrome treated?")
    answerer.ranker.learned = _model({"log_words": -1.0}, margin=-1.0)  # never lifts
    first = answerer.ranker.rank(question, limit=5)[0]
    assert first.passage.section != "treatment"  # the short blog passage about inheritance
    answerer.ranker.learned = _model({"log_words": -1.0}, margin=float("inf"))
    assert answerer.ranker.rank(question, limit=5)[0].passage.text == LEMS_TREATMENT


def _write_training(folder: Path) -> Path:
    """LiveQA-like training questions whose reference answers the fixture KB's passages hold."""
    questions = [
        ("lambert eaton", "is lambert eaton syndrome inherited? my mother has it", LEMS_INHERITANCE),
        ("LEMS treatment", "how can lambert eaton myasthenic syndrome be treated", LEMS_TREATMENT),
        ("gout", "what causes gout? my toe is swollen", GOUT_CAUSES),
        ("gout again", "how is gout treated, my big toe hurts", GOUT_TREATMENT),
        ("short", "what is gout", "Gout is painful."),  # too short an answer to match: left out
    ]
    body = "".join(
        f"<NLM-QUESTION qid='Q{n}'><SUBJECT>{subject}</SUBJECT><MESSAGE>{message}</MESSAGE>"
        f"<SUB-QUESTIONS><SUB-QUESTION><ANNOTATIONS><FOCUS>x</FOCUS><TYPE>treatment</TYPE></ANNOTATIONS>"
        f"<ANSWERS><ANSWER>{answer}</ANSWER></ANSWERS></SUB-QUESTION></SUB-QUESTIONS></NLM-QUESTION>"
        for n, (subject, message, answer) in enumerate(questions))
    folder.mkdir()
    (folder / "fixture-train.xml").write_text(f"<NLM-QUESTIONS>{body}</NLM-QUESTIONS>", encoding="utf-8")
    return folder


def test_the_rebuild_command_fits_writes_and_records_its_training_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # SQLite only: the command reads a knowledge base file (healthqa.mediqa.ltr_training's --kb is a path).
    kb = build_kb(tmp_path / "kb.db")
    liveqa = _write_training(tmp_path / "liveqa")
    out = tmp_path / "ltr.json"
    assert main(["--kb", str(kb), "--liveqa", str(liveqa), "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 4 and report["relevant"] >= 4
    assert set(report["hand_set"]) == {"MAP@10", "MRR@10"} and report["best"] in report["grid"]
    model = learned_ranker.read(out)
    assert model.model.features == LEARNED_FEATURES and model.depth == 50
    assert model.model.meta["trained_on_files"] == ["fixture-train.xml"]
    assert any(value != 0 for value in model.model.coef)
    store = SQLiteStore(kb)
    try:
        answerer = Answerer(store, semantic=False)
        answerer.ranker.learned = model
        ranked = answerer.ranker.rank(answerer.understand("is lambert eaton syndrome inherited?"), limit=3)
    finally:
        store.close()
    assert ranked and all("learned" in s.features for s in ranked)


def test_the_rebuild_command_names_a_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--kb", str(tmp_path / "missing.db"), "--liveqa", str(tmp_path)])
    assert "missing.db" in capsys.readouterr().err


def test_the_shipped_model_is_fitted_on_training_files_and_off_in_ask(store: Store) -> None:
    shipped = learned_ranker.shipped()
    assert shipped is not None
    shipped.model.check_features(LEARNED_FEATURES, "ltr")
    files = shipped.model.meta["trained_on_files"]
    assert files and not any(dev in file for file in files for dev in DEV_FILES)
    # Off: LiveQA dev fell with it (BENCHMARKS.md, "Learning to rank").
    assert learned_ranker.LEARNED_RANKING is False
    assert Answerer(store, semantic=False).ranker.learned is None
