"""Type before tier for a passage that answers no stored question (a saved page's section): its margin is judged
without the question-wording feature, which such a passage cannot score on."""

from __future__ import annotations

import dataclasses

import pytest

from healthqa.answer.answerer import Answerer
from healthqa.answer.rank import Weights
from healthqa.records import ParsedDocument, SectionType
from healthqa.store import open_store
from kb_builders import BLOG, KnowledgeBases, make_document

OVERVIEW = "Quellosis is a rare condition of the nerves and muscles that makes the legs tire quickly."
COMPLICATIONS = "Over the years quellosis may bring falls, chest infections and trouble swallowing."
# The overview's own question holds every word of the question asked; the complications passage holds none of them.
ASKED = "are there any complications from quellosis?"
# Question wording weighed far above everything else: the overview leads by it alone.
WEIGHTS = Weights(question_lexical=50.0, type_first_margin=2.0)


def _documents(complications_question: bool) -> list[ParsedDocument]:
    reviewed = make_document("quellosis", "Quellosis", [], [
        (SectionType.INFORMATION, "Are there any complications from quellosis?", OVERVIEW),
    ])
    saved = make_document("quellosis-page", "Quellosis", [], [
        (SectionType.COMPLICATIONS, "What happens over time?", COMPLICATIONS),
    ], source=BLOG)
    if not complications_question:
        saved = dataclasses.replace(saved, questions=[])
    return [reviewed, saved]


@pytest.mark.parametrize("complications_question", [False, True])
def test_a_passage_without_a_stored_question_is_not_held_back_by_the_question_feature(
        tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases, complications_question: bool) -> None:
    path = kb_backend.build(tmp_path_factory.mktemp("unasked") / "kb.db", _documents(complications_question),
                            embed=True)
    store = open_store(path)
    try:
        answerer = Answerer(store, weights=WEIGHTS)
        # The cue word's margin is what is tested: without the learned reading, which confirms the type (then type
        # before tier applies at any margin).
        understood = answerer.understand(ASKED, learned_type=False)
        assert understood.qtype is SectionType.COMPLICATIONS and not understood.type_phrased
        first = answerer.ranker.rank(understood, limit=2)[0].passage.text
        # Without a stored question the two are compared without that feature and the complications passage
        # leads; with one that shares no word with the question, its wording counts and the overview stays first.
        assert first == (OVERVIEW if complications_question else COMPLICATIONS)
    finally:
        store.close()
