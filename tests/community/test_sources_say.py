""""What trusted sources say" over a real knowledge base (LEMS from GARD, NINDS and an unreviewed blog)."""

from __future__ import annotations

import pytest

from healthqa.community.sources_say import what_sources_say
from healthqa.conditions import DiseaseRecord, disease_record
from healthqa.store import SQLiteStore
from kb_builders import DOCUMENTS, build_kb, ninds_lems


@pytest.fixture(scope="module")
def lems(tmp_path_factory: pytest.TempPathFactory) -> DiseaseRecord:
    path = build_kb(tmp_path_factory.mktemp("kb") / "kb.db", [*DOCUMENTS, ninds_lems()])
    store = SQLiteStore(path)
    try:
        return disease_record(store, "LEMS", compare_sources=False)
    finally:
        store.close()


def test_a_post_the_reviewed_sources_contradict_gets_their_sentences(lems: DiseaseRecord) -> None:
    [rare] = what_sources_say("Everyone keeps telling me LEMS is a common disorder.", lems)
    assert rare.point == "rare" and rare.label
    assert [s.sentence for s in rare.sentences] == [
        "Lambert-Eaton myasthenic syndrome is a rare disorder in which faulty communication between nerves and "
        "muscles leads to muscle weakness."]
    assert rare.sentences[0].quote.source == "GARD" and rare.sentences[0].quote.date == "2020-05-01"
    [inherited] = what_sources_say("My sister says LEMS is not hereditary.", lems)
    assert inherited.sentences[0].quote.source == "GARD"  # the blog, unreviewed, agrees with her: not quoted


@pytest.mark.parametrize("text", [
    "LEMS is a rare disorder.",  # what the sources say too
    "Is LEMS rare?",  # a question states nothing
    "Hello everyone, I was diagnosed last week.",
    "LEMS is contagious.",  # no reviewed source speaks of it
    "Most cases of LEMS are not inherited.",  # hedged: true of part of the patients
])
def test_nothing_is_said_without_a_clear_contradiction(lems: DiseaseRecord, text: str) -> None:
    assert what_sources_say(text, lems) == []
