"""Display wording: MedQuAD's question templates cleaned, related questions de-duplicated, labels checked."""

from __future__ import annotations

import pytest

from healthqa.app.web.display import card_label, display_question, question_key, unique_questions


@pytest.mark.parametrize(("raw", "shown"), [
    ("What is (are) Flu ?", "What is Flu?"),
    ("What is (are) Kidney Stones ?", "What are Kidney Stones?"),
    ("What is (are) Diabetes ?", "What is Diabetes?"),
    ("What is (are) AIDS ?", "What is AIDS?"),
    ("What is (are) Lambert-Eaton myasthenic syndrome ?", "What is Lambert-Eaton myasthenic syndrome?"),
    ("What are (is) Warts ?", "What are Warts?"),
    ("what is holmes-adie syndrome ?", "What is holmes-adie syndrome?"),
    ("Is Gout inherited ?", "Is Gout inherited?"),
    ("How is  gout treated?", "How is gout treated?"),
    ("Symptoms", "Symptoms"),
    ("", ""),
])
def test_display_question(raw: str, shown: str) -> None:
    assert display_question(raw) == shown


def test_display_question_leaves_other_brackets_alone() -> None:
    assert display_question("What is the outlook for Gout (podagra) ?") == "What is the outlook for Gout (podagra)?"


def test_unique_questions_ignore_case_spaces_punctuation_and_templates() -> None:
    questions = [
        "What is (are) Gout ?", "what is gout?", "What is gout", "What  causes Gout ?", "What causes gout?",
        "How is gout treated?",
    ]
    assert unique_questions(questions, str) == ["What is (are) Gout ?", "What  causes Gout ?", "How is gout treated?"]
    assert question_key("What is (are) Gout ?") == question_key("WHAT IS GOUT!") == "what is gout"


@pytest.mark.parametrize(("section", "question", "label"), [
    # MedQuAD's type attribute disagrees with its own question: the question wins.
    ("forget a dose", "What special dietary instructions should I follow with Metformin ?", "dietary"),
    ("dose", "What should I do if I forget a dose of Metformin ?", "forget a dose"),
    # Agreement, free-form questions and the "what is" catch-all keep the section.
    ("treatment", "What are the treatments for Gout ?", "treatment"),
    ("treatment", "What is the best treatment for gout?", "treatment"),
    ("causes", "Why do joints hurt in gout?", "causes"),
    ("symptoms", "", "symptoms"),
    ("symptoms", None, "symptoms"),
])
def test_card_label(section: str, question: str | None, label: str) -> None:
    assert card_label(section, question) == label


def test_a_bracketed_abbreviation_does_not_make_a_question_new() -> None:
    """Review: related questions listed both "What Is X Syndrome?" and "What is X Syndrome (XS)?"."""
    questions = ["What Is Quarrow Syndrome?", "What is Quarrow Syndrome (QS)?", "What is QS (in short)?"]
    assert unique_questions(questions, str) == ["What Is Quarrow Syndrome?", "What is QS (in short)?"]
