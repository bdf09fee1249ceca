"""The rebuild command of the learned reading of three types (healthqa.learned.asked_type) on small fixture files."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from sklearn.linear_model import LogisticRegression

from healthqa.answer.answerer import Answerer
from healthqa.errors import BadInputError, ConfigError
from healthqa.learned import asked_type
from healthqa.mediqa.asked_type_training import (
    GRID_SWAP,
    Question,
    chosen_setting,
    fit,
    labelled_lines,
    most_cautious,
    read_questions,
)
from healthqa.mediqa.qtype_training import Example, vectorised
from healthqa.mediqa.training import main
from healthqa.records import SectionType
from healthqa.store.sqlite import SQLiteStore
from kb_builders import build_kb

# Questions written for this test about the fixture knowledge base's conditions (LEMS, gout), in four batches.
_FOUNDING = {
    "batch 1": [("tests", "which nerve study tells LEMS apart"), ("support", "a forum of people living with LEMS"),
                ("complications", "what trouble can LEMS bring later on"), ("brand", "what is firdapse")],
    "batch 2": [("tests", "what does a nerve study show in gout"), ("support", "is there a forum for gout people"),
                ("complications", "what trouble can gout bring later"), ("brand", "firdapse, what is it")],
    "batch 3": [("tests", "the nerve study for LEMS, how is it done"),
                ("support", "people with gout to talk to, a forum"),
                ("complications", "can gout bring trouble later on"), ("brand", "what does firdapse do")],
    "batch 4": [("tests", "can a nerve study show LEMS"), ("support", "a forum where LEMS people talk"),
                ("complications", "trouble LEMS can bring later in life"), ("brand", "is firdapse a pill")],
}
_OTHER = ["what is LEMS", "how is gout treated", "what causes gout", "is LEMS inherited", "what is gout",
          "how do you treat LEMS"]
_CONSUMER = [("diagnosis", "my knee may be gout, which nerve study or test would show it"),
             ("diagnosis", "does a scan show gout in the big toe joint or not"),
             ("organization", "a forum or group for gout sufferers near me"),
             ("complication", "what trouble can my gout bring later if I ignore it"),
             ("treatment", "what can I take for my gout"), ("cause", "why did I get gout")]
# MEDIQA-like training questions without a type (the reader takes chq, faq and QuestionText elements).
_UNTYPED = ["Should a patient with gout receive colchicine?", "What dose of colchicine for an adult with gout?",
            "Is LEMS more common in smokers?", "Which test confirms gout?"]
_TYPED = [("exams and tests", "How to diagnose Gout ?"), ("complications", "What are the complications of Gout ?"),
          ("support groups", "Gout support groups"), ("treatment", "What are the treatments for Gout ?"),
          ("causes", "What causes Gout ?"), ("information", "What is (are) Gout ?")]


# Subject lines of the consumer messages: bare topics (one repeated: read once) or the question itself.
_SUBJECTS = {0: "gout knee", 2: "gout forum", 3: "gout knee", 4: "what can I take for my gout"}


def _subject(index: int) -> str:
    return f"<SUBJECT>{_SUBJECTS[index]}</SUBJECT>" if index in _SUBJECTS else ""


def _write_fixtures(root: Path) -> dict[str, Path]:
    founding = root / "founding.txt"
    founding.write_text("".join(f"# {batch}\n" + "".join(f"{kind}\t{text}\n" for kind, text in lines)
                                for batch, lines in _FOUNDING.items()), encoding="utf-8")
    other = root / "other.txt"
    other.write_text("# other kinds\n" + "".join(f"other\t{text}\n" for text in _OTHER), encoding="utf-8")
    consumer = root / "consumer"
    consumer.mkdir()
    messages = "".join(f"<NLM-QUESTION>{_subject(index)}<MESSAGE>{message}</MESSAGE><TYPE>{kind}</TYPE>"
                       "</NLM-QUESTION>" for index, (kind, message) in enumerate(_CONSUMER))
    (consumer / "messages.xml").write_text(f"<fixture>{messages}</fixture>", encoding="utf-8")
    # A dev file beside the training folder, one of whose questions a training message repeats word for word.
    (root / "test-questions-dev.xml").write_text(
        "<fixture><NLM-QUESTION><MESSAGE>Does a scan show GOUT in the big toe joint, or not?</MESSAGE></NLM-QUESTION>"
        "</fixture>", encoding="utf-8")
    typed = root / "typed" / "invented-set"
    typed.mkdir(parents=True)
    lines = "".join(f"<Question qtype='{kind}'>{text}</Question>" for kind, text in _TYPED)
    (typed / "questions.xml").write_text(f"<fixture>{lines}</fixture>", encoding="utf-8")
    mediqa = root / "mediqa"
    mediqa.mkdir()
    pairs = "".join(f"<pair><chq>{a}</chq><faq>{b}</faq></pair>" for a, b in itertools.pairwise(_UNTYPED[:3]))
    (mediqa / "rqe-train-amia2016.xml").write_text(f"<fixture>{pairs}</fixture>", encoding="utf-8")
    (mediqa / "qa-train2-alexa.xml").write_text(f"<fixture><Question><QuestionText>{_UNTYPED[3]}</QuestionText>"
                                                "</Question></fixture>", encoding="utf-8")
    return {"founding": founding, "other": other, "liveqa": consumer, "medquad": root / "typed", "data": mediqa}


def test_the_rebuild_command_fits_chooses_and_writes_a_small_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    files = _write_fixtures(tmp_path)
    out = tmp_path / "model"
    out.mkdir()
    kb = build_kb(tmp_path / "kb.db", embed=True)
    assert main(["asked-type", "--kb", str(kb), "--founding", str(files["founding"]), "--other", str(files["other"]),
                 "--liveqa", str(files["liveqa"]), "--medquad", str(files["medquad"]), "--data", str(files["data"]),
                 "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)["asked-type"]
    assert len(report["grid"]) == 3 * 3 * 3 * 5 * 4
    # The swap threshold is chosen after the rest, for the chosen fit and thresholds, by the same caution.
    # The shipped model's setting is the incumbent, kept while within one standard error of the best.
    assert report["incumbent"] == {key: asked_type.shipped().classifier.meta["chosen"][key]  # type: ignore[union-attr]
                                   for key in ("C", "founding_weight", "vector_scale", "unread_threshold",
                                               "cued_threshold")}
    first = chosen_setting(report["grid"], report["incumbent"])
    assert [row["swap_threshold"] for row in report["swap_grid"]] == list(GRID_SWAP)
    assert all(row[key] == first[key] for row in report["swap_grid"] for key in ("C", "unread_threshold"))
    assert report["chosen"] == most_cautious(report["swap_grid"], baseline=first)
    # Each distinct subject line is a training question of its own, with its message's label.
    assert report["trained_on"] == {"founding": 16, "liveqa": 5, "liveqa subject": 3, "medquad": 6, "other": 6,
                                    "unlabelled": 4}
    assert report["left_out_holding_a_liveqa_dev_question"] == 1
    assert report["trained_on_files"] == ["founding.txt", "other.txt", "messages.xml", "medquad/invented-set",
                                          "rqe-train-amia2016.xml", "qa-train2-alexa.xml"]
    model = asked_type.read(out)
    assert (model.unread_threshold, model.cued_threshold, model.swap_threshold) == (
        report["chosen"]["unread_threshold"], report["chosen"]["cued_threshold"], report["chosen"]["swap_threshold"])
    # The sentence vector is read when the cross-validation gave it a weight (the scale folded into its coefficients).
    assert model.reads_vectors == (report["chosen"]["vector_scale"] > 0)
    assert {row["vector_scale"] for row in report["grid"]} == {0.0, 1.0, 2.0}
    store = SQLiteStore(kb)
    try:
        vector = Answerer(store).type_vector("is there a forum for X people")
    finally:
        store.close()
    probability = model.probabilities("is there a forum for X people", vector)
    assert max(probability, key=lambda kind: probability[kind]) == SectionType.SUPPORT_GROUPS.value
    assert sum(probability.values()) == pytest.approx(1.0)
    # Small: most of it is the record of the 540 settings tried, beside the vector's coefficients when it is read.
    assert sum(p.stat().st_size for p in out.iterdir()) < 120_000


def test_a_founding_line_of_an_unknown_class_is_refused_with_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "founding.txt"
    path.write_text("# batch 1\ntests\thow is X diagnosed\nprognosis\thow long will I live with X\n", encoding="utf-8")
    with pytest.raises(BadInputError, match=r"founding\.txt: line 3: class 'prognosis'"):
        labelled_lines(path, founding=True)


def test_a_line_without_a_tab_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.txt"
    path.write_text("symptoms what are the signs of X\n", encoding="utf-8")
    with pytest.raises(BadInputError, match=r"other\.txt: line 1: .* is not CLASS<TAB>question"):
        labelled_lines(path, founding=False)


def test_a_training_folder_holding_the_dev_file_is_refused(tmp_path: Path) -> None:
    files = _write_fixtures(tmp_path)
    (files["liveqa"] / "test-questions-dev.xml").write_text("<fixture/>", encoding="utf-8")
    with pytest.raises(BadInputError, match=r"test-questions-dev\.xml: holds LiveQA dev questions"):
        read_questions(Answerer(SQLiteStore(build_kb(tmp_path / "kb.db")), semantic=False), files["founding"],
                       files["other"], files["liveqa"], files["medquad"])


def test_the_most_cautious_setting_near_the_best_changes_the_fewest_readings() -> None:
    results = [{"C": 3.0, "founding_weight": 1.0, "unread_threshold": 0.6, "cued_threshold": 1.01, "changed": 16,
                "score": 10.0},
               {"C": 3.0, "founding_weight": 4.0, "unread_threshold": 0.8, "cued_threshold": 1.01, "changed": 9,
                "score": 7.0},
               {"C": 3.0, "founding_weight": 4.0, "unread_threshold": 0.9, "cued_threshold": 1.01, "changed": 2,
                "score": 2.0}]
    # One standard error of the best: sqrt(16) = 4; the third is further below.
    assert most_cautious(results) == results[1]


def test_the_swap_threshold_is_chosen_by_the_error_of_its_gain_over_never_swapping() -> None:
    """Session 30's refit: never swapping scores 1,065 with 1,280 readings changed; a swap at 0.95 adds 35 changes (34
    made right, one LiveQA message made wrong) for 31 points. The whole setting's error (sqrt(1,315) = 36) would keep
    never swapping; the gain's (sqrt(35) = 5.9) keeps the surest swap within it."""
    never = {"C": 10.0, "founding_weight": 16.0, "unread_threshold": 0.9, "cued_threshold": 0.98, "changed": 1280,
             "score": 1065.0}
    rows = [{**never, "swap_threshold": swap, "changed": changed, "score": score}
            for swap, changed, score in ((0.95, 1315, 1096.0), (0.98, 1312, 1093.0), (0.99, 1310, 1091.0),
                                         (1.01, 1280, 1065.0))]
    assert most_cautious(rows)["swap_threshold"] == 1.01
    assert most_cautious(rows, baseline=never)["swap_threshold"] == 0.99
    # A gain within the error of its own changes is no gain: never swapping stays.
    rows[0]["score"] = rows[1]["score"] = rows[2]["score"] = 1066.0
    assert most_cautious(rows, baseline=never)["swap_threshold"] == 1.01


def test_the_chosen_fit_is_the_best_scoring_one_and_only_its_thresholds_are_chosen_cautiously() -> None:
    def result(c: float, scale: float, unread: float, changed: int, score: float) -> dict[str, float]:
        return {"C": c, "founding_weight": 16.0, "vector_scale": scale, "unread_threshold": unread,
                "cued_threshold": 0.98, "changed": changed, "score": score}
    words_only = [result(3.0, 0.0, 0.9, 40, 80.0), result(3.0, 0.0, 0.5, 90, 84.0)]
    vector = [result(10.0, 1.0, 0.9, 81, 92.0), result(10.0, 1.0, 0.8, 100, 100.0), result(10.0, 1.0, 0.5, 160, 99.0)]
    # The best fit is the vector one; of its thresholds, 0.9 changes the fewest readings within sqrt(100) of 100.
    assert chosen_setting([*words_only, *vector]) == vector[0]
    # A fit whose best thresholds score lower is never chosen, however few readings they change; caution over the
    # whole grid would choose it (95 is within sqrt(100) of 100).
    cautious_words = [result(3.0, 0.0, 0.9, 5, 95.0)]
    assert most_cautious([*cautious_words, *vector]) == cautious_words[0]
    assert chosen_setting([*cautious_words, *vector]) == vector[0]


def test_the_incumbent_setting_is_kept_while_within_one_standard_error_of_the_best() -> None:
    def result(c: float, scale: float, changed: int, score: float) -> dict[str, float]:
        return {"C": c, "founding_weight": 16.0, "vector_scale": scale, "unread_threshold": 0.9,
                "cued_threshold": 0.98, "changed": changed, "score": score}
    words_only, vector = result(10.0, 0.0, 1291, 1093.0), result(10.0, 1.0, 1280, 1065.0)
    incumbent = {key: vector[key] for key in ("C", "founding_weight", "vector_scale", "unread_threshold",
                                              "cued_threshold")}
    # 1,065 is within sqrt(1,291) = 35.9 of 1,093: the shipped setting stays.
    assert chosen_setting([words_only, vector]) == words_only
    assert chosen_setting([words_only, vector], incumbent) == vector
    # Further below, or not in the grid at all, it gives way.
    assert chosen_setting([words_only, {**vector, "score": 1050.0}], incumbent) == words_only
    assert chosen_setting([words_only], incumbent) == words_only


def test_a_broken_model_file_is_refused_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "asked_type.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"asked_type\.json.*asked-type"):
        asked_type.read(tmp_path)


def test_the_vectors_weight_is_folded_into_the_coefficients_as_the_fit_read_it() -> None:
    """The fit reads the words' row beside the vector times its weight; the model reads the vector as given, so its
    probabilities must be the fitted regression's, class by class."""
    texts = [("support groups", "a forum for X"), ("exams and tests", "which scan shows X"),
             ("complications", "what trouble can X bring"), ("other", "what is X"), ("other", "how is X treated"),
             ("support groups", "people with X to talk to"), ("exams and tests", "a blood test for X"),
             ("complications", "can X harm the lungs later")]
    questions = [Question(text, label, "information", False, True, "founding", 0) for label, text in texts]
    vectors = np.random.default_rng(0).normal(size=(len(texts), 6)).astype(np.float32)
    model = fit(questions, 3.0, 2.0, vectors, 2.0)
    assert model.vector_coef is not None and model.vector_coef.shape == (4, 6)
    _, _, words = vectorised([Example(text, (), label, False) for label, text in texts], cues=False)
    matrix = scipy.sparse.hstack([words, scipy.sparse.csr_matrix(vectors * 2.0)]).tocsr()
    regression = LogisticRegression(C=3.0, max_iter=5000).fit(matrix, [label for label, _ in texts],
                                                             sample_weight=np.full(len(texts), 2.0))
    expected = regression.predict_proba(matrix)
    for index, question in enumerate(questions):
        probability = model.probabilities(question.names_x, vectors[index])
        for column, kind in enumerate(regression.classes_):
            assert probability[str(kind)] == pytest.approx(float(expected[index, column]), abs=1e-5)
    # Without its weight the vector is not read at all.
    assert fit(questions, 3.0, 2.0, vectors, 0.0).vector_coef is None
