"""The merged index over a small store (HPO annotations from a tiny hpoa written here), the scorer's
behaviour on real ontology relations, and sibling subtypes shown under their parent group."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from healthqa.ingest.orphanet import parse_packet
from healthqa.records import ParsedDocument, SectionType
from healthqa.store import Store, open_store
from healthqa.symptoms.groups import DiseaseGroup, arrange, group_siblings
from healthqa.symptoms.hpo import load_hpo
from healthqa.symptoms.index import DiseaseMatch, Params, SymptomIndex
from healthqa.symptoms.knowledge import DESCRIBED_FREQUENCY, EXACT_OMIM
from healthqa.symptoms.search import search_symptoms
from healthqa.symptoms.simulated import Simulator
from kb_builders import KnowledgeBases, make_document
from orphanet_data import DRY_WEAK, EYE_SKIN, packet
from symptoms.test_knowledge import hpoa_line, write_hpoa

PTOSIS, UNILATERAL_PTOSIS, XEROSTOMIA, SEIZURE = "HP:0000508", "HP:0007687", "HP:0000217", "HP:0001250"
VERY_FREQUENT = "Very frequent (99-80%)"
GROUP = ("900200", "Invented myopathy (test)")
# Two subtypes with the same features under one parent, and a third disorder of its own.
TYPE_A = packet("900201", "Invented myopathy, type A (test)", parents=(GROUP,),
                phenotypes=((PTOSIS, "Ptosis", VERY_FREQUENT), (SEIZURE, "Seizure", VERY_FREQUENT)))
TYPE_B = packet("900202", "Invented myopathy, type B (test)", parents=(GROUP, ("900300", "Other group (test)")),
                phenotypes=((PTOSIS, "Ptosis", VERY_FREQUENT), (SEIZURE, "Seizure", VERY_FREQUENT)))
HPO_ONLY = packet("900004", "Known to HPO only (test)")


def document(record: dict[str, object], exact_omim: tuple[str, ...] = ()) -> ParsedDocument:
    """The reader's document, with the exact OMIM mappings recorded as the merge reads them."""
    parsed = parse_packet(record["Orphapacket"])  # type: ignore[arg-type]
    parsed.codes += [(EXACT_OMIM, code) for code in exact_omim]
    return parsed


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kb_backend: KnowledgeBases) -> Store:
    monkeypatch.setenv("HEALTHQA_HPOA", str(write_hpoa(tmp_path / "phenotype.hpoa", [
        hpoa_line("OMIM:600001", UNILATERAL_PTOSIS, "2/3"),
        hpoa_line("OMIM:600002", "HP:0000988"),  # DRY_WEAK's broader mapping: not merged
        hpoa_line("ORPHA:900004", "HP:0001324", "HP:0040281"),
    ])))
    kb = open_store(kb_backend.empty(tmp_path / "kb.db"))
    with kb.ingest() as tx:
        for record, exact in ((DRY_WEAK, ("600001",)), (EYE_SKIN, ()), (HPO_ONLY, ()), (TYPE_A, ()), (TYPE_B, ())):
            tx.put_document(document(record, exact))
    return kb


def test_the_store_index_merges_exact_mappings_with_provenance(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    index = SymptomIndex.from_store(store)
    assert sorted(index.orpha) == ["900001", "900002", "900004", "900201", "900202"]  # 900004: HPO's only
    assert index.gained() == (2, 2)  # Unilateral ptosis for 900001, muscle weakness for 900004
    dry = index.sources[index.orpha.index("900001")]
    # Its definition ("... with dry mouth ...") names Xerostomia too: a second source for the same feature.
    assert dry[UNILATERAL_PTOSIS] == ("HPO annotation of OMIM:600001",)
    assert dry[XEROSTOMIA] == ("Orphanet", "Orphanet definition")
    assert "HP:0000988" not in dry  # the broader-than mapping's features stay out
    found = search_symptoms(store, "", ids=[UNILATERAL_PTOSIS, XEROSTOMIA])
    best = found.diseases[0]
    assert best.orpha == "900001"
    assert [(f.hpo_id, f.frequency, f.sources) for f in best.matched] == [
        (UNILATERAL_PTOSIS, pytest.approx(2 / 3), ("HPO annotation of OMIM:600001",)),
        (XEROSTOMIA, 0.895, ("Orphanet", "Orphanet definition")),
    ]
    weak = search_symptoms(store, "", ids=["HP:0001324"]).diseases[0]
    assert weak.orpha == "900004" and weak.matched[0].sources == ("HPO annotation of ORPHA:900004",)
    # Without the merge, the same store gives Orphanet's features alone; so does a missing hpoa file.
    assert sorted(SymptomIndex.from_store(store, merge=False).orpha) == ["900001", "900002", "900201", "900202"]
    monkeypatch.setenv("HEALTHQA_HPOA", str(tmp_path / "missing.hpoa"))
    with caplog.at_level(logging.WARNING):
        assert sorted(SymptomIndex.from_store(store).orpha) == ["900001", "900002", "900201", "900202"]
    assert "missing.hpoa" in caplog.text and "without HPO's disease annotations" in caplog.text
    store.close()


def test_a_store_without_disorders_leaves_hpo_s_annotations_unread(
    tmp_path: Path, kb_backend: KnowledgeBases, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # MedQuAD or saved pages only: nothing to merge into, so a missing annotations file is not even looked for.
    monkeypatch.setenv("HEALTHQA_HPOA", str(tmp_path / "missing.hpoa"))
    gout = make_document("gout", "Gout", [], [(SectionType.INFORMATION, "What is gout?", "Gout is arthritis.")])
    kb = open_store(kb_backend.build(tmp_path / "kb.db", [gout]))
    try:
        with caplog.at_level(logging.WARNING):
            assert len(SymptomIndex.from_store(kb)) == 0
        assert "missing.hpoa" not in caplog.text
    finally:
        kb.close()


# Invented: its record annotates ptosis only; its definition also names hypoalbuminemia, and denies seizures.
DESCRIBED = packet("900005", "Described-only feature disorder (test)",
                   definition="An invented disorder characterized by ptosis and hypoalbuminemia, without seizures.",
                   phenotypes=((PTOSIS, "Ptosis", VERY_FREQUENT),))
HYPOALBUMINEMIA = "HP:0003073"
DEFINED_ONLY = packet("900006", "Defined-only disorder (test)",
                      definition="An invented disorder characterized by hypoalbuminemia.")


def test_features_the_definition_names_count_weakly_and_say_where_they_come_from(
    tmp_path: Path, kb_backend: KnowledgeBases, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHQA_HPOA", str(write_hpoa(tmp_path / "phenotype.hpoa", [])))
    kb = open_store(kb_backend.empty(tmp_path / "kb.db"))
    with kb.ingest() as tx:
        for record in (DESCRIBED, EYE_SKIN, TYPE_A, DEFINED_ONLY):
            tx.put_document(document(record))
    index = SymptomIndex.from_store(kb)
    position = index.orpha.index("900005")
    assert index.sources[position][HYPOALBUMINEMIA] == ("Orphanet definition",)
    assert index.sources[position][PTOSIS] == ("Orphanet", "Orphanet definition")
    assert SEIZURE not in index.features[position]  # "without seizures"
    assert index.features[position][HYPOALBUMINEMIA] == DESCRIBED_FREQUENCY < index.features[position][PTOSIS]
    assert index.gained() == (0, 0)  # what a definition names is not counted as a gain from HPO's annotations
    found = search_symptoms(kb, "", ids=[PTOSIS, HYPOALBUMINEMIA])
    assert found.diseases[0].orpha == "900005"
    described = [f for f in found.diseases[0].matched if f.hpo_id == HYPOALBUMINEMIA]
    assert described and described[0].frequency is None  # the text gives no frequency: none is shown
    # Simulated patients are drawn from what sources annotate, never from what a definition names.
    simulator = Simulator(index, index.hpo, np.random.default_rng(0), 5)
    assert simulator.recorded(position) == {PTOSIS: pytest.approx(0.895)}
    # A disorder known by its definition alone is ranked, but has no simulated patient.
    assert index.features[index.orpha.index("900006")] == {HYPOALBUMINEMIA: DESCRIBED_FREQUENCY}
    assert simulator.drawable() == [d for d in range(len(index)) if index.orpha[d] != "900006"]
    assert all(simulator.patients(position)["clean"] == [PTOSIS] for _ in range(5))
    kb.close()


def test_the_scorer_credits_related_terms_and_does_not_favour_long_records(store: Store) -> None:
    hpo = load_hpo()
    index = SymptomIndex.from_store(store, merge=False)
    position = {code: i for i, code in enumerate(index.orpha)}
    # A patient's term more specific than the recorded one ("Unilateral ptosis" for "Ptosis") still counts.
    scores = index.scores([UNILATERAL_PTOSIS])
    assert scores[position["900002"]] > scores[position["900001"]]
    # The same term recorded as often: the record that also lists a very frequent feature the person does
    # not have scores lower (weak evidence), and only because of that feature.
    scores = index.scores([PTOSIS])
    assert scores[position["900002"]] > scores[position["900201"]]
    plain = index.scores([PTOSIS], Params(absent=0.0))
    assert plain[position["900002"]] == pytest.approx(plain[position["900201"]])
    # What an unrelated term costs is bounded: a seizure does not sink the eye-skin disorder below a
    # disorder that has nothing of the person's.
    scores = index.scores([PTOSIS, "HP:0000988", SEIZURE])
    assert scores[position["900002"]] > scores[position["900001"]]
    assert hpo.name(UNILATERAL_PTOSIS) == "Unilateral ptosis"
    store.close()


def test_tied_subtypes_are_shown_under_their_parent_group(store: Store) -> None:
    found = search_symptoms(store, "", ids=[PTOSIS, SEIZURE])
    assert {d.orpha for d in found.diseases[:2]} == {"900201", "900202"}
    assert found.groups == [DiseaseGroup("900200", "Invented myopathy (test)",
                                         tuple(d.orpha for d in found.diseases[:2]))]
    assert found.to_json()["groups"] == [{"orpha": "900200", "name": "Invented myopathy (test)",
                                          "members": [d.orpha for d in found.diseases[:2]]}]
    text = "\n".join(found.lines())
    assert "Invented myopathy (test) (ORPHA:900200): 2 subtypes with near-equal scores" in text
    store.close()


def match(orpha: str, score: float, name: str) -> DiseaseMatch:
    return DiseaseMatch(name, orpha, score, [], [])


def test_grouping_needs_a_named_parent_and_a_near_tie() -> None:
    category = ("99", "Syndromic cataract")  # a wide category: its name is no part of its members'
    parents = {
        "1": (("10", "Alpha disease"), category), "2": (("10", "Alpha disease"),),
        "3": (("10", "Alpha disease"), ("11", "Beta disease"), category), "4": (("11", "Beta disease"), category),
        "5": (("20", "Gamma disease"),), "6": (category,), "7": (category,),
    }
    ranked = [
        match("1", 5.0, "Alpha disease type 1"), match("5", 4.9, "Gamma disease type 5"),
        match("2", 4.8, "Alpha disease due to a deletion"), match("3", 3.0, "Beta disease with alpha disease"),
        match("4", 2.9, "Beta disease, infant"), match("6", 1.0, "Six syndrome"), match("7", 1.0, "Seven syndrome"),
    ]
    groups = group_siblings(ranked, parents)
    # 1 and 2 tie (0.2 apart) under Alpha; 3 is too far below 1, and ties with 4 under Beta; 6 and 7 share
    # only the category, which names neither.
    assert groups == [
        DiseaseGroup("10", "Alpha disease", ("1", "2")), DiseaseGroup("11", "Beta disease", ("3", "4")),
    ]
    assert group_siblings(ranked, parents, near_tie=0.15) == [DiseaseGroup("11", "Beta disease", ("3", "4"))]
    shown = arrange(ranked, groups)
    assert [(g.orpha if g else None, [d.orpha for d in members]) for g, members in shown] == [
        ("10", ["1", "2"]), (None, ["5"]), ("11", ["3", "4"]), (None, ["6"]), (None, ["7"]),
    ]
    # A page that leaves a member out shows the other on its own.
    assert [(g, [d.orpha for d in m]) for g, m in arrange(ranked[:2], groups)] == [(None, ["1"]), (None, ["5"])]
