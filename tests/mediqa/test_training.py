"""The query adapter: how it is stored and read, how it is fitted, and that ranking applies it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from healthqa import learned
from healthqa.errors import ConfigError
from healthqa.learned import QueryAdapter
from healthqa.mediqa import query_adapter_training, training
from healthqa.retrieve.encoder import DIMENSIONS, MODEL_NAME


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def test_the_shipped_adapter_belongs_to_the_encoder_and_keeps_vectors_unit_length() -> None:
    adapter = learned.query_adapter()
    assert adapter.encoder == MODEL_NAME
    assert adapter.matrix.shape == (DIMENSIONS, DIMENSIONS) and adapter.matrix.dtype == np.float32
    assert "command" in adapter.meta and "trained_on" in adapter.meta
    vector = _unit(np.random.default_rng(0).standard_normal(DIMENSIONS))
    adapted = adapter(vector)
    assert adapted.dtype == np.float32 and abs(float(np.linalg.norm(adapted)) - 1.0) < 1e-5
    assert float(adapted @ vector) < 0.9999  # it does move a vector


def test_an_adapter_round_trips_and_a_broken_one_is_refused_with_its_folder_named(tmp_path: Path) -> None:
    matrix = np.eye(4, dtype=np.float32) * 2
    learned.save_query_adapter(QueryAdapter(matrix, "some-encoder", 0.5, 0.25, {"steps": 3}), tmp_path)
    read = learned.read_query_adapter(tmp_path)
    assert read.encoder == "some-encoder" and read.meta == {"steps": 3}
    assert read.similarity(0.5) == 0.5 * 0.5 + 0.25
    assert np.array_equal(read.matrix, matrix)
    (tmp_path / "query_adapter.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ConfigError, match=str(tmp_path)):
        learned.read_query_adapter(tmp_path)
    (tmp_path / "query_adapter.npy").unlink()
    with pytest.raises(ConfigError, match="retrain"):
        learned.read_query_adapter(tmp_path)
    with pytest.raises(ConfigError, match="not square"):
        QueryAdapter(np.zeros((3, 4), dtype=np.float32), "x")
    with pytest.raises(ConfigError, match="finite"):
        QueryAdapter(np.full((2, 2), np.nan, dtype=np.float32), "x")


def test_fitting_brings_each_query_nearest_its_target() -> None:
    rng = np.random.default_rng(3)
    corpus = _unit(rng.standard_normal((300, 32)))
    targets = corpus[:40] + 0.0  # each target is also a corpus row: the one to find
    # Queries are the targets seen through a fixed distortion plus noise, as a long message is a FAQ question
    # seen through its story.
    distortion = np.eye(32) + 0.8 * rng.standard_normal((32, 32))
    queries = _unit(targets @ distortion.T + 0.05 * rng.standard_normal((40, 32)))

    def hits(matrix: np.ndarray) -> int:
        adapted = _unit(queries @ matrix.T)
        return int(((adapted @ corpus.T).argmax(axis=1) == np.arange(40)).sum())

    before = hits(np.eye(32, dtype=np.float32))
    matrix = query_adapter_training.fit_query_adapter(queries, targets, corpus, steps=300, penalty=0.0)
    assert matrix.shape == (32, 32)
    # Corpus rows equal to a target are the target question itself: not negatives. So every query finds it.
    assert hits(matrix) == 40 > before
    # The same data gives the same matrix.
    again = query_adapter_training.fit_query_adapter(queries, targets, corpus, steps=300, penalty=0.0)
    assert np.array_equal(matrix, again)


def test_the_similarity_scale_matches_the_plain_cosines_of_the_nearest_rows() -> None:
    rng = np.random.default_rng(5)
    corpus = _unit(rng.standard_normal((500, 16)) + 2.0)  # a common direction, as sentence vectors have
    queries = _unit(rng.standard_normal((30, 16)) + 2.0)
    centring = np.eye(16, dtype=np.float32) - np.full((16, 16), 1 / 16, dtype=np.float32)  # removes it
    scale, shift = query_adapter_training.similarity_scale(queries, centring, corpus, nearest=20)
    plain = -np.sort(-(queries @ corpus.T), axis=1)[:, :20]
    moved = -np.sort(-(_unit(queries @ centring.T) @ corpus.T), axis=1)[:, :20]
    assert float((scale * moved + shift).mean()) == pytest.approx(float(plain.mean()), abs=1e-4)
    assert float((scale * moved + shift).std()) == pytest.approx(float(plain.std()), abs=1e-4)


def test_training_pairs_read_the_annotated_sub_questions(tmp_path: Path) -> None:
    (tmp_path / "train.xml").write_text("""<?xml version="1.0" encoding="UTF-8"?>
<NLM-QUESTIONS>
<NLM-QUESTION questionid="Q1"><SUBJECT>gout</SUBJECT><MESSAGE>my toe hurts, what can I take?</MESSAGE>
<SUB-QUESTIONS>
 <SUB-QUESTION><ANNOTATIONS><FOCUS>gout</FOCUS><TYPE>Treatment</TYPE></ANNOTATIONS></SUB-QUESTION>
 <SUB-QUESTION><ANNOTATIONS><FOCUS>gout</FOCUS><TYPE>something new</TYPE></ANNOTATIONS></SUB-QUESTION>
</SUB-QUESTIONS></NLM-QUESTION>
<NLM-QUESTION questionid="Q2"><SUBJECT></SUBJECT><MESSAGE>  </MESSAGE></NLM-QUESTION>
</NLM-QUESTIONS>""", encoding="utf-8")
    assert query_adapter_training.liveqa_training_pairs(tmp_path) == [
        ("gout. my toe hurts, what can I take?", "What are the treatments for gout ?"),
        ("gout. my toe hurts, what can I take?", "What is (are) gout ?"),
    ]


def test_the_threshold_is_the_middle_of_the_widest_best_plateau() -> None:
    accuracies = np.zeros(len(training.CUTS))
    position = {float(cut): index for index, cut in enumerate(training.CUTS)}
    accuracies[position[0.3]] = 0.9  # a lone best cut
    for cut in (0.5, 0.51, 0.52, 0.53, 0.54):
        accuracies[position[cut]] = 0.9
    assert training.best_threshold(accuracies) == 0.52


def test_the_accuracy_curve_labels_the_forced_rows_one_at_every_cut() -> None:
    probabilities = np.array([0.9, 0.2, 0.6, 0.1])
    labels = np.array([1, 1, 0, 0])
    curve = training.accuracy_curve(probabilities, labels, np.array([False, True, False, False]))
    at = {float(cut): float(value) for cut, value in zip(training.CUTS, curve, strict=True)}
    assert at[0.5] == 0.75 and at[0.7] == 1.0 and at[0.95] == 0.75


def _source(rng: np.random.Generator, questions: int, share_correct: float, tag: str) -> training.RerankData:
    """Invented re-ranking questions whose first feature marks the correct answers, the rest noise."""
    from healthqa.mediqa import rerank

    asked, rows, labels, groups = [], [], [], []
    for q in range(questions):
        correct = rng.random(4) < share_correct
        correct[0] = True  # every question has a correct answer
        answers = tuple(rerank.MediqaAnswer(f"{tag}{q}-{a}", "an answer", "https://example.org/", a + 1,
                                            a + 1, 4 if ok else 1) for a, ok in enumerate(correct))
        asked.append(rerank.MediqaQuestion(f"{tag}{q}", "a question", answers))
        for ok in correct:
            row = rng.normal(size=len(rerank.FEATURES))
            row[0] += 6.0 if ok else -6.0
            rows.append(row)
            labels.append(int(ok))
            groups.append(q)
    return training.RerankData(asked, np.asarray(rows), np.asarray(labels, dtype=np.int64),
                               np.asarray(groups, dtype=np.int64))


def test_cross_source_validation_scores_each_sources_model_on_the_other_source() -> None:
    rng = np.random.default_rng(5)
    few, many = _source(rng, 10, 0.3, "a"), _source(rng, 12, 0.5, "b")
    fitted_on_few, fitted_on_many = training.cross_source_validate([few, many])
    # Each model is scored on the other source's questions only.
    assert fitted_on_few["questions"] == 12 and fitted_on_many["questions"] == 10
    assert fitted_on_few["answers"] == 48 and fitted_on_many["answers"] == 40
    # The marking feature carries over to the other source, although the shares of correct answers differ
    # (answering "not correct" to every answer would score 0.40 and 0.55 here).
    assert fitted_on_few["accuracy"] > 0.8 and fitted_on_many["accuracy"] > 0.8


def test_the_entailment_model_is_written_where_asked_and_the_shipped_one_is_left(tmp_path: Path,
                                                                                  capsys: pytest.CaptureFixture[str],
                                                                                  ) -> None:
    shipped = learned.source_path("entail").read_bytes()
    data = tmp_path / "mediqa"
    data.mkdir()
    pairs = [("How should I treat polymenorrhea in a girl?", "How to treat polymenorrhea?", "true"),
             ("Can I use heparin in pregnancy?", "Is heparin safe in pregnancy?", "true"),
             ("What causes gout in the toes?", "What causes gout?", "true"),
             ("How should I treat polymenorrhea in a girl?", "What causes gout?", "false"),
             ("Can I use heparin in pregnancy?", "How to treat polymenorrhea?", "false"),
             ("What causes gout in the toes?", "Is heparin safe in pregnancy?", "false")]
    (data / training.RQE_TRAIN).write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<pairs>\n' + "".join(
            f'<pair pid="{i}" value="{value}"><chq>{chq}</chq><faq>{faq}</faq></pair>\n'
            for i, (chq, faq, value) in enumerate(pairs, 1)) + "</pairs>\n", encoding="utf-8")
    out = tmp_path / "models"
    out.mkdir()
    assert training.main(["entail", "--data", str(data), "--out", str(out)]) == 0
    written = json.loads((out / "entail.json").read_text(encoding="utf-8"))
    assert written["meta"]["pairs"] == 6 and written["threshold"] == 0.5
    assert str(out / "entail.json") in capsys.readouterr().out
    assert learned.source_path("entail").read_bytes() == shipped  # the package's own is left as it was
