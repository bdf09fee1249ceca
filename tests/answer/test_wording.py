"""How quoted text is laid out: paragraphs and lists read back from the source's own whitespace."""

from __future__ import annotations

from healthqa.answer.wording import plain_lines, text_blocks

MEDQUAD = (
    "Flu is a respiratory infection.    Symptoms come on suddenly. They may include        - Body or muscle aches"
    "    - Chills     - Cough        Is it a cold or the flu? Colds rarely cause a fever.  Flu rarely does."
)


def test_medquad_runs_of_spaces_give_paragraphs_and_a_list() -> None:
    blocks = text_blocks(MEDQUAD)
    shown = [(b.kind, [MEDQUAD[start:end] for start, end in b.spans]) for b in blocks]
    assert shown == [
        ("paragraph", ["Flu is a respiratory infection."]),
        ("paragraph", ["Symptoms come on suddenly. They may include"]),
        ("list", ["Body or muscle aches", "Chills", "Cough"]),
        # Two spaces after a sentence do not start a paragraph; the text between stays the source's.
        ("paragraph", ["Is it a cold or the flu? Colds rarely cause a fever.  Flu rarely does."]),
    ]


def test_saved_pages_bullet_lines_are_a_list_and_a_lone_dash_is_not() -> None:
    page = "Commonly affected muscle groups include:\n- Shoulders\n- Hips\n• Thighs"
    assert plain_lines(page) == ["Commonly affected muscle groups include:", "  - Shoulders", "  - Hips", "  - Thighs"]
    sentence = "Or you may get it once you are pregnant - a condition called gestational hypertension."
    assert plain_lines(sentence) == [sentence]
    assert text_blocks("   ") == [] and plain_lines("") == []
