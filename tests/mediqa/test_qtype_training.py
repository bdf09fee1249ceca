"""The question-type classifier's rebuild command on small fixture files, and the shipped model's record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthqa.learned import qtype as learned_qtype
from healthqa.mediqa.qtype_training import liveqa_type
from healthqa.mediqa.training import main
from healthqa.records import SectionType

# Consumer-style questions written for this test about made-up conditions: no line or phrase of LiveQA.
_LIVEQA = [
    ("treatment", "my Dravelin palsy got worse, which treatment should I ask the nurse about"),
    ("treatment", "we want to treat our boy's Kesterby rash at home, ideas"),
    ("treatment", "what can I take to cure Morrowcroft fungus for good"),
    ("diagnosis", "which blood test do clinics run to find Dravelin palsy"),
    ("diagnosis", "a lab test for Kesterby fever, does one exist"),
    ("diagnosis", "my daughter may have Morrowcroft syndrome, how would a doctor diagnose it"),
    ("cause", "Dravelin spells wake me at dawn, is there a known cause"),
    ("cause", "second time with Kesterby stones, could diet be the cause"),
    ("cause", "the cause of knee swelling in Morrowcroft syndrome puzzles me"),
    ("organization", "looking for a support group for families facing Dravelin palsy"),
    ("organization", "an organization or charity that backs adults with Kesterby fever"),
]
# Typed questions in the manner of an encyclopedia's headings, written for this test (not MedQuAD's templates).
_MEDQUAD = [
    ("treatment", "Treating Dravelin palsy: which options ?"), ("treatment", "Kesterby fever treatment choices ?"),
    ("exams and tests", "Tests that diagnose Dravelin palsy ?"), ("exams and tests", "Kesterby fever: which test ?"),
    ("causes", "Dravelin palsy: its cause ?"), ("causes", "The cause behind Kesterby fever ?"),
    ("support groups", "Dravelin palsy support groups ?"), ("support groups", "Kesterby fever support groups ?"),
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
