"""MedQuAD's question templates with their types (healthqa.mediqa.question_templates), counted on small
MedQuAD-like documents written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthqa.mediqa import training
from healthqa.mediqa.question_templates import count_question_templates
from kb_builders import write_medquad_file

TOPICS = ["Marvelle syndrome", "Brindle palsy", "Quellosis", "Dravelin palsy"]


def write_medquad(folder: Path) -> Path:
    collection = folder / "2_GARD_QA"
    for number, topic in enumerate(TOPICS):
        pairs = [("complications", f"What problems follow {topic} ?", "Some."),
                 ("support groups", f"Who supports people with {topic} ?", "Groups.")]
        if number == 0:  # asked of one document only: not a template
            pairs.append(("outlook", f"How does {topic} end ?", "It varies."))
            pairs.append(("causes", "Why do things happen ?", "A question without the focus is no template."))
        write_medquad_file(collection, f"{number:07d}", topic, pairs)
    return folder


def test_templates_are_the_questions_with_the_focus_as_x_that_several_documents_ask(tmp_path: Path) -> None:
    templates, meta = count_question_templates(write_medquad(tmp_path), min_pages=3)
    assert templates == [
        {"text": "What problems follow X ?", "type": "complications", "pages": 4},
        {"text": "Who supports people with X ?", "type": "support groups", "pages": 4},
    ]
    assert meta == {"counted_on": f"4 MedQuAD documents ({tmp_path.name})", "min_pages": 3}
    with pytest.raises(ValueError, match="no MedQuAD documents"):
        count_question_templates(tmp_path / "no-such-folder")


def test_the_rebuild_command_writes_the_templates_where_asked(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "question_templates.json"
    medquad = write_medquad(tmp_path / "medquad")
    assert training.main(["question-templates", "--medquad", str(medquad), "--out", str(target)]) == 0
    written = json.loads(target.read_text(encoding="utf-8"))
    assert [t["type"] for t in written["templates"]] == ["complications", "support groups"]
    assert '"templates": 2' in capsys.readouterr().out
