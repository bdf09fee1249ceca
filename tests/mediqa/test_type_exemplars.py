"""The type exemplars' rebuild command (healthqa.mediqa.type_exemplars) on own wordings and training files written
here, over a small knowledge base built by the test; and what the exemplars it writes read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from healthqa.answer.template_type import TemplateTypes
from healthqa.errors import BadInputError, ConfigError
from healthqa.learned import type_exemplars
from healthqa.learned.type_exemplars import OTHER, TypeExemplars
from healthqa.mediqa import training
from healthqa.mediqa.type_exemplars import read_own_questions, read_training_texts
from healthqa.records import SectionType
from healthqa.retrieve.encoder import MODEL_NAME, default_encoder
from healthqa.store import SQLiteStore
from healthqa.understand import understand
from kb_builders import build_kb, make_document

OWN = """# own wordings, a comment
tests\twhich antibodies are checked when dravelin palsy is suspected?
support\twhat resources exist for families dealing with dravelin palsy?
complications\twhat knock-on effects does dravelin palsy have on the body?
brand\twhat is zorvexin?
"""
# Training texts; those that reach the exemplars are short, name a topic, and no cue types them.
LIVEQA = """<?xml version="1.0" encoding="UTF-8"?>
<NLM-QUESTIONS>
<NLM-QUESTION qid="1"><SUBJECT>dravelin palsy and diabetes</SUBJECT>
<MESSAGE>Is there an association between dravelin palsy and diabetes?</MESSAGE></NLM-QUESTION>
<NLM-QUESTION qid="2"><SUBJECT></SUBJECT><MESSAGE>What causes dravelin palsy?</MESSAGE></NLM-QUESTION>
<NLM-QUESTION qid="3"><MESSAGE>Is there an association between coffee and sleep?</MESSAGE></NLM-QUESTION>
</NLM-QUESTIONS>
"""
EMPTY_LIVEQA = '<?xml version="1.0" encoding="UTF-8"?>\n<NLM-QUESTIONS></NLM-QUESTIONS>\n'
ALEXA = ('<?xml version="1.0" encoding="UTF-8"?>\n<MEDIQA2019-Task3-QA-TrainingSet2-Alexa><Question QID="1">'
         "<QuestionText>What is the treatment for dravelin palsy?</QuestionText></Question>"
         "</MEDIQA2019-Task3-QA-TrainingSet2-Alexa>\n")
RQE = ('<?xml version="1.0" encoding="UTF-8"?>\n<clinical_questions_collection><pair pid="1" value="true">'
       "<chq>Is there an association between dravelin palsy and diabetes?</chq>"
       "<faq>How is dravelin palsy treated?</faq></pair></clinical_questions_collection>\n")


def _write_sources(root: Path) -> tuple[Path, Path, Path]:
    liveqa, mediqa = root / "liveqa", root / "mediqa"
    liveqa.mkdir()
    mediqa.mkdir()
    (liveqa / "TREC-2017-LiveQA-Medical-Train-1.xml").write_text(LIVEQA, encoding="utf-8")
    (liveqa / "TREC-2017-LiveQA-Medical-Train-2.xml").write_text(EMPTY_LIVEQA, encoding="utf-8")
    (mediqa / "qa-train2-alexa.xml").write_text(ALEXA, encoding="utf-8")
    (mediqa / "rqe-train-amia2016.xml").write_text(RQE, encoding="utf-8")
    questions = root / "own.txt"
    questions.write_text(OWN, encoding="utf-8")
    return questions, liveqa, mediqa


def _kb(path: Path) -> str:
    document = make_document("dravelin", "Dravelin palsy", ["DVP"], [
        (SectionType.INFORMATION, "What is Dravelin palsy?", "Dravelin palsy is a rare disorder of the nerves."),
        (SectionType.COMPLICATIONS, "What are the complications of Dravelin palsy?", "Falls may follow."),
    ])
    return str(build_kb(path, [document]))


def test_the_command_builds_exemplars_of_own_wordings_and_training_questions(tmp_path: Path) -> None:
    questions, liveqa, mediqa = _write_sources(tmp_path)
    kb = _kb(tmp_path / "kb.db")
    out = tmp_path / "model"
    assert training.main(["type-exemplars", "--kb", kb, "--questions", str(questions), "--liveqa", str(liveqa),
                          "--data", str(mediqa), "--out", str(out)]) == 0
    built = type_exemplars.read(out)
    assert built.encoder == MODEL_NAME
    # Own wordings in file order (the brand question as "other"), then the training texts that reach the
    # exemplars: the subject and the association question (asked in two files, kept once). Cue words type the
    # causes and treatment questions; the coffee question names no topic.
    assert built.labels == ("exams and tests", "support groups", "complications", OTHER, OTHER, OTHER)
    assert (built.meta["own_questions"], built.meta["training_texts_read"]) == (4, 6)
    assert built.meta["trained_on_files"] == ["own.txt", "TREC-2017-LiveQA-Medical-Train-1.xml",
                                              "TREC-2017-LiveQA-Medical-Train-2.xml", "qa-train2-alexa.xml",
                                              "rqe-train-amia2016.xml"]
    assert np.allclose(np.linalg.norm(built.vectors, axis=1), 1.0, atol=1e-3)

    # The exemplars read a question worded like an own wording as its type, under another name too; the
    # association question keeps its reading.
    store = SQLiteStore(kb)
    try:
        from healthqa.answer.answerer import name_index

        names = name_index(store, [])
        reader = TemplateTypes(default_encoder(), templates=(("Tell me about X", "information"),), exemplars=built)
        assert reader.read(understand("which antibodies are checked when DVP is suspected?", names)).qtype is (
            SectionType.EXAMS_AND_TESTS)
        kept = reader.read(understand("Is there an association between dravelin palsy and diabetes?", names))
        assert not kept.type_phrased
        assert kept.qtype is not SectionType.SUPPORT_GROUPS
    finally:
        store.close()


def test_exemplars_of_another_encoder_are_not_compared(tmp_path: Path) -> None:
    other = TypeExemplars(np.eye(2, 384, dtype=np.float32), ("complications", OTHER), "another-model")
    assert TemplateTypes(default_encoder(), templates=(), exemplars=other).exemplars is None


def test_bad_inputs_name_the_file_and_the_reason(tmp_path: Path) -> None:
    questions = tmp_path / "own.txt"
    questions.write_text("tests\tfine?\nprognosis\thow long?\n", encoding="utf-8")
    with pytest.raises(BadInputError, match=r"own.txt: line 2, 'prognosis\\thow long\?', is not CLASS<TAB>"):
        read_own_questions(questions)
    stray = tmp_path / "test-questions-dev.xml"
    stray.write_text(EMPTY_LIVEQA, encoding="utf-8")
    with pytest.raises(BadInputError, match=r"test-questions-dev\.xml: not a training file"):
        read_training_texts([stray])
    with pytest.raises(ConfigError, match="cannot be read"):
        type_exemplars.read(tmp_path)
