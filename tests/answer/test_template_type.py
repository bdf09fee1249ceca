"""A short question no cue word types takes the type of the MedQuAD template it is most like
(healthqa.answer.template_type), over a small knowledge base built here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from healthqa.answer import answerer as answerer_module
from healthqa.answer.answerer import Answerer
from healthqa.answer.template_type import MAX_WORDS, with_names_as_x
from healthqa.records import Organisation, ParsedDocument, SectionType
from healthqa.store import open_store
from healthqa.understand import Understanding, with_learned_type
from kb_builders import KnowledgeBases, make_document

COMPLICATIONS = "Complications of Dravelin palsy may include falls and breathing trouble."
OUTLOOK = ("Most people with Dravelin palsy live with the condition for years; other conditions can lead to "
           "a worse outlook.")
FRIENDS = Organisation("Dravelin Palsy Friends", "1 Elm Road, Springfield, IL", "217-555-0199", "",
                       "https://dravelin.example.org")


def _documents() -> list[ParsedDocument]:
    document = make_document("dravelin", "Dravelin palsy", ["DVP"], [
        (SectionType.INFORMATION, "What is Dravelin palsy?",
         "Dravelin palsy is a rare disorder of the nerves that weakens the hips and thighs."),
        (SectionType.OUTLOOK, "What is the outlook for Dravelin palsy?", OUTLOOK),
        (SectionType.CAUSES, "What causes Dravelin palsy?", "Dravelin palsy is caused by antibodies."),
        (SectionType.COMPLICATIONS, "What are the complications of Dravelin palsy?", COMPLICATIONS),
    ])
    document.organisations = [FRIENDS]
    return [document]


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Answerer]:
    store = open_store(kb_backend.build(tmp_path_factory.mktemp("templates") / "kb.db", _documents(), embed=True))
    yield Answerer(store)
    store.close()


def test_a_question_in_words_no_cue_lists_reads_as_the_template_it_is_like(answerer: Answerer) -> None:
    question = "are there any dravelin palsy support networks?"
    understood = answerer.understand(question)
    assert (understood.qtype, understood.type_phrased) == (SectionType.SUPPORT_GROUPS, True)
    answer = answerer.ask(question)
    assert [i.fields["name"] for i in answer.structured if i.kind == "organisation"] == ["Dravelin Palsy Friends"]
    complications = answerer.ask("what health problems can come with dravelin palsy?")
    assert complications.type == SectionType.COMPLICATIONS.value
    assert complications.answers[0].text == COMPLICATIONS


def test_a_type_the_whole_question_names_is_not_given_to_a_passage_of_a_near_type(answerer: Answerer) -> None:
    """The outlook passage holds what "what other conditions can X lead to?" asks beyond its topic ("conditions",
    "lead"), and outlook is near complications; the question's phrasing named complications, so that comes first."""
    answer = answerer.ask("what other conditions can dravelin palsy lead to?")
    assert answer.type == SectionType.COMPLICATIONS.value
    assert answer.answers[0].text == COMPLICATIONS


@pytest.mark.parametrize("question", [
    "tell me about dravelin palsy",  # the template it is most like is "Do you have information about X"
    "what causes dravelin palsy?",  # typed by a cue word already
    "my mother was told last week by her neurologist that she might have dravelin palsy and we do not know "
    "where to go from here with it",  # a message, not a template question
    "what are support networks?",  # names no topic
])
def test_other_questions_keep_their_reading(answerer: Answerer, question: str) -> None:
    understood = answerer.understand(question)
    assert not understood.type_phrased
    assert understood.qtype in {SectionType.INFORMATION, SectionType.CAUSES}


def test_names_are_written_as_x_whatever_their_hyphens(answerer: Answerer) -> None:
    understood = answerer.understand("what health problems can come with Dravelin-palsy?")
    assert with_names_as_x(understood) == "what health problems can come with X?"
    assert len(with_names_as_x(answerer.understand(
        "my mother was told last week by her neurologist that she might have dravelin palsy and we do not know "
        "where to go from here with it")).split()) > MAX_WORDS


def test_an_answerer_without_sentence_vectors_reads_no_templates_and_no_learned_type(
    tmp_path: Path, kb_backend: KnowledgeBases, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = open_store(kb_backend.build(tmp_path / "kb.db", _documents()))
    try:
        answerer = Answerer(store, semantic=False)
        assert answerer.template_types is None
        question = "are there any dravelin palsy support networks?"
        assert answerer.understand(question, learned_type=False).qtype is SectionType.INFORMATION
        # The learned reading of three types reads the question's sentence vector beside its words: without the
        # encoder it is given no way to read one, and decides nothing.
        given: list[object] = []

        def spy(understood: Understanding, model: object = None, vector_of: object = None) -> Understanding:
            given.append(vector_of)
            return with_learned_type(understood, vector_of=vector_of)

        monkeypatch.setattr(answerer_module, "with_learned_type", spy)
        assert answerer.understand(question).qtype is SectionType.INFORMATION
        assert given == [None]
    finally:
        store.close()


def test_the_template_reading_is_made_by_the_float32_question_model(answerer: Answerer) -> None:
    """The int8 copy that ranks a server's questions is made on each machine, and its kernels differ by processor:
    a reading that turns on a threshold is made in float32, the same everywhere."""
    templates = answerer.template_types
    encoder = answerer.encoder
    assert templates is not None and encoder is not None
    text = "can you recommend advocacy groups for X?"
    asked = np.asarray(encoder.encode_question(text)).reshape(-1)
    expected = max(float(np.asarray(encoder.encode_question(template)).reshape(-1) @ asked)
                   for template, _ in templates.templates)
    assert templates.nearest(text)[1] == pytest.approx(expected, abs=1e-5)
