"""The question-type classifier's rebuild command on small fixture files, and the shipped model's record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthqa.learned import qtype as learned_qtype
from healthqa.mediqa.qtype_training import liveqa_type
from healthqa.mediqa.training import main
from healthqa.records import SectionType

# Consumer-style questions in our own words, about made-up conditions (not lines of LiveQA or MedQuAD).
_LIVEQA = [
    ("treatment", "what is the best treatment for my Dravelin palsy? I tried pills."),
    ("treatment", "how can I treat my son's Kesterby rash, nothing works"),
    ("treatment", "any medicine to cure Morrowcroft fungus?"),
    ("diagnosis", "how do doctors test for Dravelin palsy? my sister has stomach aches"),
    ("diagnosis", "what test shows if I have Kesterby fever"),
    ("diagnosis", "how is Morrowcroft syndrome diagnosed in children"),
    ("cause", "why do I get Dravelin spells every morning, what causes it"),
    ("cause", "what causes Kesterby stones? I had two"),
    ("cause", "why does my knee swell with Morrowcroft syndrome"),
    ("organization", "is there a support group for parents of kids with Dravelin palsy near me"),
    ("organization", "which organization helps people with Kesterby fever"),
]
# MedQuAD's question shapes, written here about made-up conditions (not lines of the corpus).
_MEDQUAD = [
    ("treatment", "What are the treatments for Dravelin palsy ?"), ("treatment", "How to treat Kesterby fever ?"),
    ("exams and tests", "How to diagnose Dravelin palsy ?"), ("exams and tests", "How to diagnose Kesterby fever ?"),
    ("causes", "What causes Dravelin palsy ?"), ("causes", "What causes Kesterby fever ?"),
    ("support groups", "Where can I find support for people with Dravelin palsy ?"),
    ("support groups", "Where can I find support for people with Kesterby fever ?"),
]


def _write_fixtures(root: Path) -> tuple[Path, Path]:
    liveqa = root / "liveqa"
    liveqa.mkdir()
    questions = "".join(
        f"<NLM-QUESTION questionid='Q{n}'><SUBJECT></SUBJECT><MESSAGE>{message}</MESSAGE><SUB-QUESTIONS>"
        f"<SUB-QUESTION><ANNOTATIONS><FOCUS>x</FOCUS><TYPE>{kind}</TYPE></ANNOTATIONS></SUB-QUESTION>"
        "</SUB-QUESTIONS></NLM-QUESTION>"
        for n, (kind, message) in enumerate(_LIVEQA))
    (liveqa / "fixture-train.xml").write_text(f"<NLM-QUESTIONS>{questions}</NLM-QUESTIONS>", encoding="utf-8")
    medquad = root / "medquad" / "1_Fixture_QA"
    medquad.mkdir(parents=True)
    pairs = "".join(f"<QAPair><Question qtype='{kind}'>{text}</Question><Answer>-</Answer></QAPair>"
                    for kind, text in _MEDQUAD)
    (medquad / "0001.xml").write_text(f"<Document><QAPairs>{pairs}</QAPairs></Document>", encoding="utf-8")
    return liveqa, root / "medquad"


def test_the_rebuild_command_fits_and_writes_a_small_model_that_records_its_training_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    liveqa, medquad = _write_fixtures(tmp_path)
    out = tmp_path / "model"
    out.mkdir()
    assert main(["qtype", "--liveqa", str(liveqa), "--medquad", str(medquad), "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)["qtype"]
    assert len(report["grid"]) == 6 and report["chosen"] in report["grid"]
    assert report["cue_margin"] in (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)
    model = learned_qtype.read(out)
    assert model.trained_on == ["fixture-train.xml", "medquad/1_Fixture_QA"]
    assert {"treatment", "exams and tests", "causes", "support groups"} <= set(model.classes)
    assert model.ranked("how do they test for gout")[0] == "exams and tests"
    assert model.ranked("what can cure my asthma")[0] == "treatment"
    assert sum(p.stat().st_size for p in out.iterdir()) < 100_000


def test_a_broken_model_file_is_refused_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "qtype.json").write_text("{}", encoding="utf-8")
    with pytest.raises(Exception, match=r"qtype\.json"):
        learned_qtype.read(tmp_path)


def test_liveqa_annotations_map_to_healthqa_types() -> None:
    assert liveqa_type("DIAGNOSIS") is SectionType.EXAMS_AND_TESTS
    assert liveqa_type("PERSON_ORGANIZATION") is SectionType.SUPPORT_GROUPS
    assert liveqa_type("TAPERING") is None


def test_the_shipped_model_was_fitted_on_training_files_only() -> None:
    model = learned_qtype.shipped()
    assert model is not None, "healthqa/learned/qtype.npz is missing: python -m healthqa.mediqa.training qtype"
    assert model.trained_on and all("dev" not in name.lower() and "mediqa" not in name.lower()
                                    and "qa-train1" not in name for name in model.trained_on)
    shipped = Path(learned_qtype.__file__).parent
    assert (shipped / "qtype.npz").stat().st_size + (shipped / "qtype.json").stat().st_size < 3_000_000
