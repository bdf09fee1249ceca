"""The question-type classifier's rebuild command on small fixture files, and the shipped model's record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthqa.learned import qtype as learned_qtype
from healthqa.mediqa.qtype_training import liveqa_type
from healthqa.mediqa.training import main
from healthqa.records import SectionType

# Consumer-style messages written for this test about made-up conditions, with the type a reader gave each.
_CONSUMER = [
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
# Typed questions written for this test, one per line of a small XML file of our own layout (the reader takes any
# ``Question`` element with a ``qtype`` attribute).
_TYPED = [
    ("treatment", "Treating Dravelin palsy: which options?"), ("treatment", "Kesterby fever treatment choices"),
    ("exams and tests", "Tests that diagnose Dravelin palsy"), ("exams and tests", "Kesterby fever: which test?"),
    ("causes", "Dravelin palsy: its cause"), ("causes", "The cause behind Kesterby fever"),
    ("support groups", "Dravelin palsy support groups"), ("support groups", "Kesterby fever support groups"),
]


def _write_fixtures(root: Path) -> tuple[Path, Path]:
    """A folder of consumer messages (only the elements the reader reads) and a folder of typed questions."""
    consumer = root / "consumer"
    consumer.mkdir()
    messages = "".join(f"<NLM-QUESTION><MESSAGE>{message}</MESSAGE><TYPE>{kind}</TYPE></NLM-QUESTION>"
                       for kind, message in _CONSUMER)
    (consumer / "messages.xml").write_text(f"<fixture>{messages}</fixture>", encoding="utf-8")
    typed = root / "typed" / "invented-set"
    typed.mkdir(parents=True)
    lines = "".join(f"<Question qtype='{kind}'>{text}</Question>" for kind, text in _TYPED)
    (typed / "questions.xml").write_text(f"<fixture>{lines}</fixture>", encoding="utf-8")
    return consumer, root / "typed"


def test_the_rebuild_command_fits_and_writes_a_small_model_that_records_its_training_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    consumer, typed = _write_fixtures(tmp_path)
    out = tmp_path / "model"
    out.mkdir()
    assert main(["qtype", "--liveqa", str(consumer), "--medquad", str(typed), "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)["qtype"]
    assert len(report["grid"]) == 6 and report["chosen"] in report["grid"]
    assert report["cue_margin"] in (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)
    model = learned_qtype.read(out)
    assert model.trained_on == ["messages.xml", "medquad/invented-set"]
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
