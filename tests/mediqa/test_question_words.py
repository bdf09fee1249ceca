"""The words of question templates, counted on MedQuAD's questions (healthqa.mediqa.question_words), on small
MedQuAD-like files written here."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from healthqa.mediqa import training
from healthqa.mediqa.question_words import count_question_words

# Invented conditions and two question templates of our own; the counter reads only <Question> elements of XML
# files, so each file here holds just those (not MedQuAD's layout).
TOPICS = ["marvelle syndrome", "brindle palsy", "quellosis", "dravelin palsy", "zorbitis", "kneelock",
          "pressurex", "feverish flu", "tarnwell disease", "ostrel fever"]
TEMPLATES = ("Which signs show {topic} ?", "Why does {topic} start ?")


def write_medquad(folder: Path) -> Path:
    questions = folder / "invented-questions"
    questions.mkdir(parents=True)
    for number, topic in enumerate(TOPICS):
        root = ET.Element("questions")
        for template in TEMPLATES:
            ET.SubElement(root, "Question").text = template.format(topic=topic)
        ET.ElementTree(root).write(questions / f"topic-{number}.xml", encoding="utf-8")
    return questions


def test_question_words_are_counted_from_medquad_files(tmp_path: Path) -> None:
    words, meta = count_question_words(write_medquad(tmp_path), min_share=0.25)
    # Each topic's words are in 2 of the 20 questions (10%; "palsy" in 4, 20%), each template word in 10 (50%).
    assert words == ["doe", "show", "sign", "start", "which", "why"]
    assert meta["counted_on"].startswith("20 distinct MedQuAD questions")
    with pytest.raises(ValueError, match="no MedQuAD questions"):
        count_question_words(tmp_path / "empty-folder-that-is-not-there")


def test_the_rebuild_command_writes_the_words_where_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "question_words.json"
    assert training.main(["question-words", "--medquad", str(write_medquad(tmp_path)), "--out", str(target)]) == 0
    written = target.read_text(encoding="utf-8")
    # At the shipped share (1%) every word of 20 questions is in at least one of them, so all count.
    assert '"sign"' in written and '"quellosi"' in written
    assert "question-words" in capsys.readouterr().out
