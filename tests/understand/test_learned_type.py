"""The learned reading of exams and tests, support groups and complications (healthqa.learned.asked_type) as question
understanding applies it (healthqa.understand.with_learned_type): when it decides, and what the shipped model reads.
The names are made up."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from healthqa.errors import ConfigError
from healthqa.learned import asked_type
from healthqa.learned.qtype import TypeClassifier
from healthqa.records import SectionType
from healthqa.retrieve.encoder import default_encoder
from healthqa.understand import NameIndex, understand, with_learned_type

NAMES = NameIndex([(1, "dravelin myasthenic palsy syndrome", "title"), (2, "zorvexin", "title")])
DMPS = "dravelin myasthenic palsy syndrome"
_CLASSES = ("complications", "exams and tests", "other", "support groups")


def _model(unread: float = 0.5, cued: float = 1.01, swap: float = asked_type.NEVER) -> asked_type.AskedTypeModel:
    """A model that reads the made-up word "blorp" as support groups and "zint" as exams and tests, anything else as
    other (no cue or phrasing reads them)."""
    vocabulary = {"w:blorp": 0, "w:zint": 1, "w:x": 2}
    coef = np.zeros((4, 3), dtype=np.float32)
    coef[3, 0] = coef[1, 1] = 8.0
    intercept = np.asarray([0.0, 0.0, 1.0, 0.0], dtype=np.float32)
    classifier = TypeClassifier(_CLASSES, vocabulary, np.ones(3, dtype=np.float32), coef, intercept)
    return asked_type.AskedTypeModel(classifier, unread, cued, swap_threshold=swap)


def test_an_unread_question_takes_the_type_the_model_is_sure_of() -> None:
    understood = understand(f"a blorp for {DMPS}", NAMES)
    assert understood.qtype is SectionType.INFORMATION and not understood.type_phrased
    learned = with_learned_type(understood, _model())
    assert learned.qtype is SectionType.SUPPORT_GROUPS and learned.qtypes[0] is SectionType.SUPPORT_GROUPS
    assert learned.type_learned and learned.type_cued and not learned.type_phrased
    assert SectionType.INFORMATION in learned.qtypes
    # Not sure enough: the reading stands.
    assert with_learned_type(understood, _model(unread=0.999)) is understood
    # Words the model reads as another type: the reading stands.
    assert with_learned_type(understand(f"tell me about {DMPS}", NAMES), _model()).qtype is SectionType.INFORMATION


def test_a_question_that_names_nothing_keeps_its_reading() -> None:
    understood = understand("a blorp near me", NAMES)
    assert understood.focus == [] and with_learned_type(understood, _model()) is understood


def test_a_cue_word_decides_unless_the_model_is_surer_than_the_cued_threshold() -> None:
    understood = understand(f"a zint treatment blorp for {DMPS}", NAMES)
    assert understood.qtype is SectionType.TREATMENT
    assert with_learned_type(understood, _model(cued=1.01)) is understood
    assert with_learned_type(understood, _model(cued=0.3)).qtype in (SectionType.SUPPORT_GROUPS,
                                                                     SectionType.EXAMS_AND_TESTS)


def test_a_cue_words_type_the_model_is_as_sure_of_counts_as_the_question_s_own() -> None:
    understood = understand(f"zint: the {DMPS} diagnosis test", NAMES)
    assert understood.qtype is SectionType.EXAMS_AND_TESTS and not understood.type_phrased
    confirmed = with_learned_type(understood, _model(cued=0.9))
    assert confirmed.qtype is SectionType.EXAMS_AND_TESTS and confirmed.type_phrased and confirmed.type_learned
    # Not sure enough, or never overruling a cue word: the reading stands.
    assert with_learned_type(understand(f"the {DMPS} diagnosis test", NAMES), _model(cued=0.9)).type_phrased is False
    assert with_learned_type(understood, _model(cued=1.01)) is understood


def test_a_type_the_model_decides_as_surely_as_a_confirmation_counts_as_the_question_s_own() -> None:
    """"a blorp for X" reads support groups at p 0.98 (no cue word read a type): at a cued threshold of 0.9 the type is
    the question's own (type before tier at any margin); at 0.99 it is decided as a cue word's type would be."""
    understood = understand(f"a blorp for {DMPS}", NAMES)
    sure = with_learned_type(understood, _model(unread=0.5, cued=0.9))
    assert sure.qtype is SectionType.SUPPORT_GROUPS and sure.type_phrased and sure.type_cued and sure.type_learned
    less_sure = with_learned_type(understood, _model(unread=0.5, cued=0.99))
    assert less_sure.qtype is SectionType.SUPPORT_GROUPS and not less_sure.type_phrased and less_sure.type_cued
    # Overruling a cue word takes the cued threshold, so a type decided over one is always the question's own.
    overruled = with_learned_type(understand(f"a blorp treatment for {DMPS}", NAMES), _model(cued=0.9))
    assert overruled.qtype is SectionType.SUPPORT_GROUPS and overruled.type_phrased


def test_a_phrasing_or_one_of_the_three_types_read_already_is_never_overruled() -> None:
    phrased = understand(f"what problems can {DMPS} cause later in life?", NAMES)
    assert phrased.type_phrased
    assert with_learned_type(phrased, _model(unread=0.0, cued=0.0)) is phrased
    # "blorp" reads as support groups to the model, but a cue word's complications is only confirmed or left
    # (unless the model may swap one of the three for another: below).
    cued = understand(f"blorp: {DMPS} complications", NAMES)
    assert cued.qtype is SectionType.COMPLICATIONS and not cued.type_phrased
    assert with_learned_type(cued, _model(cued=0.0)).qtype is SectionType.COMPLICATIONS
    assert with_learned_type(phrased, _model(unread=0.0, cued=0.0, swap=0.0)) is phrased


def test_one_of_the_three_types_read_by_a_cue_word_is_swapped_for_another_only_at_the_swap_threshold() -> None:
    """"blorp: X complications": the cue word reads complications, the model support groups (p 0.98; complications
    0.007)."""
    cued = understand(f"blorp: {DMPS} complications", NAMES)
    swapped = with_learned_type(cued, _model(cued=0.9, swap=0.95))
    assert swapped.qtype is SectionType.SUPPORT_GROUPS and swapped.qtypes[:2] == [SectionType.SUPPORT_GROUPS,
                                                                                  SectionType.COMPLICATIONS]
    assert swapped.type_learned and swapped.type_phrased  # as sure as a cue word is overruled
    assert not with_learned_type(cued, _model(cued=0.99, swap=0.95)).type_phrased
    # Not sure enough, or never: the cue word's type stands.
    assert with_learned_type(cued, _model(cued=0.9, swap=0.99)) is cued
    assert with_learned_type(cued, _model(cued=0.9)) is cued
    # Nor into a support-group reading of a message in distress.
    distress = understand(f"I want to die. blorp: {DMPS} complications", NAMES)
    assert distress.qtype is SectionType.COMPLICATIONS
    assert with_learned_type(distress, _model(cued=0.9, swap=0.0)) is distress


def test_a_message_in_distress_keeps_its_reading() -> None:
    """A message in distress asks for help now, not for a group: understand() drops a support-group phrasing for it,
    and the learned reading must not put it back."""
    for text in (f"my son swallowed bleach. online support groups for {DMPS} patients?",
                 f"I want to die. is there a blorp for {DMPS}?"):
        understood = understand(text, NAMES)
        learned = with_learned_type(understood, _model(unread=0.0, cued=0.0))
        assert learned is understood and not learned.type_phrased, text


def _vector_model() -> asked_type.AskedTypeModel:
    """A model whose words say nothing and whose two-number "sentence vector" reads its first number as support
    groups."""
    classifier = TypeClassifier(_CLASSES, {"w:x": 0}, np.ones(1, dtype=np.float32), np.zeros((4, 1), dtype=np.float32),
                                np.asarray([0.0, 0.0, 1.0, 0.0], dtype=np.float32))
    vector_coef = np.zeros((4, 2), dtype=np.float32)
    vector_coef[3, 0] = 8.0
    return asked_type.AskedTypeModel(classifier, 0.5, 1.01, vector_coef)


def test_a_model_that_reads_sentence_vectors_decides_from_the_vector_and_nothing_without_one() -> None:
    understood = understand(f"people to talk to about {DMPS}", NAMES)
    assert understood.qtype is SectionType.INFORMATION
    seen: list[str] = []

    def vector_of(text: str) -> npt.NDArray[np.float32]:
        seen.append(text)
        return np.asarray([1.0, 0.0], dtype=np.float32)

    learned = with_learned_type(understood, _vector_model(), vector_of)
    assert learned.qtype is SectionType.SUPPORT_GROUPS and learned.type_learned
    assert seen == ["people to talk to about X"]  # the question with its names as "X", as at training
    assert with_learned_type(understood, _vector_model(), lambda text: np.zeros(2, dtype=np.float32)) is understood
    # No encoder (semantic search off): the reading stands.
    assert with_learned_type(understood, _vector_model()) is understood
    with pytest.raises(ConfigError, match="sentence vector of 2 numbers"):
        _vector_model().probabilities("X", np.zeros(3, dtype=np.float32))


def test_the_vector_coefficients_are_saved_beside_the_model_and_a_words_only_model_drops_them(tmp_path: Path) -> None:
    asked_type.save(_vector_model(), tmp_path)
    assert (tmp_path / asked_type.VECTOR_FILE).is_file()
    model = asked_type.read(tmp_path)
    assert model.reads_vectors and model.vector_coef is not None and model.vector_coef[3, 0] == 8.0
    asked_type.save(_model(), tmp_path)
    assert not (tmp_path / asked_type.VECTOR_FILE).exists() and not asked_type.read(tmp_path).reads_vectors
    # A vector file of another fit beside these words (an interrupted save, a partial copy) is refused.
    asked_type.save(_vector_model(), tmp_path)
    np.save(tmp_path / asked_type.VECTOR_FILE, np.ones((4, 2), dtype=np.float32), allow_pickle=False)
    with pytest.raises(ConfigError, match=r"is not the one written with asked_type\.json"):
        asked_type.read(tmp_path)
    asked_type.save(_vector_model(), tmp_path)
    (tmp_path / asked_type.VECTOR_FILE).unlink()
    with pytest.raises(ConfigError, match=r"reads vectors but asked_type_vector\.npy cannot be read"):
        asked_type.read(tmp_path)
    with pytest.raises(ConfigError, match="one finite row a class"):
        asked_type.AskedTypeModel(_model().classifier, 0.5, 0.9, np.zeros((3, 2), dtype=np.float32))
    # The swap threshold is saved with the others; a model fitted before it had one never swaps.
    asked_type.save(_model(swap=0.97), tmp_path)
    assert asked_type.read(tmp_path).swap_threshold == 0.97
    record = tmp_path / "asked_type.json"
    meta = json.loads(record.read_text(encoding="utf-8"))
    del meta["meta"]["swap_threshold"]
    record.write_text(json.dumps(meta), encoding="utf-8")
    assert asked_type.read(tmp_path).swap_threshold == asked_type.NEVER
    # A folder not made yet (the training command's --out) is made, not refused after the fit.
    asked_type.save(_vector_model(), tmp_path / "not" / "made")
    assert asked_type.read(tmp_path / "not" / "made").reads_vectors


def test_a_model_without_the_three_types_is_refused() -> None:
    classifier = TypeClassifier(("other", "treatment"), {"w:x": 0}, np.ones(1, dtype=np.float32),
                                np.zeros((2, 1), dtype=np.float32), np.zeros(2, dtype=np.float32))
    with pytest.raises(ConfigError, match="asked-type model: classes"):
        asked_type.AskedTypeModel(classifier, 0.5, 0.9)


# The shipped model (fitted on the founding classes' wordings about LEMS, other kinds of question about it, LiveQA
# training messages and MedQuAD): wordings of the three types that no cue or phrasing reads, about a made-up
# condition, and look-alikes of other types that it must leave as read.
@pytest.mark.parametrize(("text", "expected"), [
    (f"husband has to do an emg next wk for suspected {DMPS}, what does that involve", SectionType.EXAMS_AND_TESTS),
    (f"can {DMPS} be ruled out if the antibody came back negative", SectionType.EXAMS_AND_TESTS),
    (f"online forum for {DMPS} patients?", SectionType.SUPPORT_GROUPS),
    (f"Living in Ohio with {DMPS}: do in-person meetups for patients and families happen here?",
     SectionType.SUPPORT_GROUPS),
    (f"can {DMPS} affect breathing? scared for my husband", SectionType.COMPLICATIONS),
    # Session 27 (refitted on batches 1-122): the type of a question that asks a risk of the condition or why a test is
    # done, and look-alikes of causes and treatment that must keep their type.
    (f"my dad has {DMPS} and needs an operation next month, is the anaesthetic risky for him?",
     SectionType.COMPLICATIONS),
    (f"why would the neurologist order a chest CT after diagnosing {DMPS}?", SectionType.EXAMS_AND_TESTS),
    (f"why do people get {DMPS}?", SectionType.CAUSES),
    (f"is surgery a treatment option for {DMPS}?", SectionType.TREATMENT),
    (f"what is {DMPS}?", SectionType.INFORMATION),
    (f"what are the early signs of {DMPS}?", SectionType.SYMPTOMS),
    (f"how is {DMPS} treated?", SectionType.TREATMENT),
    (f"is {DMPS} inherited?", SectionType.INHERITANCE),
    (f"does {DMPS} shorten life expectancy?", SectionType.OUTLOOK),
    (f"my wife was just told she has {DMPS}. what does that even mean?", SectionType.INFORMATION),
    # Session 30 (the swap threshold): one of the three types read by a cue word ("diagnosis", "specialist") is read as
    # another when the model is sure; a cue word's type it does not doubt stays.
    (f"since my {DMPS} diagnosis I have trouble swallowing. what other problems could show up down the line?",
     SectionType.COMPLICATIONS),
    (f"I feel really alone since my {DMPS} diagnosis - where can I find others going through the same thing?",
     SectionType.SUPPORT_GROUPS),
    (f"which specialist tests for {DMPS} and what's involved in the nerve conduction study?",
     SectionType.EXAMS_AND_TESTS),
    (f"what tests confirm a {DMPS} diagnosis?", SectionType.EXAMS_AND_TESTS),
    (f"is there a {DMPS} support group? just got the diagnosis", SectionType.SUPPORT_GROUPS),
])
def test_the_shipped_model_reads_what_no_cue_reads_and_leaves_other_types(
    text: str, expected: SectionType, query_vector: Callable[[str], npt.NDArray[np.float32]],
) -> None:
    model = asked_type.shipped()
    assert model is not None
    assert with_learned_type(understand(text, NAMES), model, query_vector).qtype is expected


@pytest.fixture(scope="module")
def query_vector() -> Callable[[str], npt.NDArray[np.float32]]:
    """A question's vector as ask encodes it for the learned reading (Answerer.type_vector)."""
    encoder = default_encoder()
    return lambda text: np.asarray(encoder.encode_question(text), dtype=np.float32).reshape(-1)
