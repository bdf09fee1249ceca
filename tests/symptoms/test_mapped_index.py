"""The symptom index is built once per generation of the knowledge base and memory-mapped by every process after:
the same rankings, explanations, groups and urgency marks as built in memory; switched off, in memory as before;
a damaged part is rebuilt. A small knowledge base of invented disorders (and a tiny hpoa file) built here."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from healthqa.conditions import index_for as condition_index
from healthqa.ingest.orphanet import parse_packet
from healthqa.retrieve import derived
from healthqa.store import SQLiteStore
from healthqa.symptoms.groups import group_siblings
from healthqa.symptoms.index import SymptomIndex
from kb_builders import build_kb
from symptoms.test_knowledge import hpoa_line, write_hpoa
from symptoms.test_urgency import (
    CALM_SKIN,
    DRIFT_GROUP,
    DRIFT_MILD,
    GARD_PALSY,
    GARD_SKIN,
    GASP_CRISIS,
    NINDS_DRIFT,
    PALSY_FOODBORNE,
    PALSY_GROUP,
    PALSY_INFANT,
    SLOW_NERVE,
)

QUERIES: tuple[list[str], ...] = (
    ["HP:0000217", "HP:0000508"], ["HP:0002094"], ["HP:0001250", "HP:0000988"], ["HP:0001284"],
    ["HP:0001324", "HP:0002019"], ["HP:0000001"], [],
)


@pytest.fixture()
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HEALTHQA_HPOA", str(write_hpoa(tmp_path / "phenotype.hpoa", [
        hpoa_line("ORPHA:900203", "HP:0001324", "HP:0040281"),  # a feature Orphanet does not record
        hpoa_line("ORPHA:900202", "HP:0002019", "1/4"),
    ])))
    packets = (PALSY_GROUP, PALSY_FOODBORNE, GASP_CRISIS, CALM_SKIN, PALSY_INFANT, SLOW_NERVE, DRIFT_GROUP, DRIFT_MILD)
    orphanet = [parse_packet(p["Orphapacket"]) for p in packets]
    return build_kb(tmp_path / "kb.db", [*orphanet, GARD_PALSY, GARD_SKIN, NINDS_DRIFT])


def view(index: SymptomIndex) -> dict[str, Any]:
    """All that a page or a benchmark reads of the index, scores exact."""
    results = []
    for terms in QUERIES:
        _, scores = index.ranking(terms)
        found = index.search(terms, 10)
        urgent = index.urgent(found)
        results.append({
            "scores": [(index.orpha[i], float(s).hex()) for i, s in enumerate(scores)],
            "found": [d.to_json() for d in found],
            "groups": [g.to_json() for g in group_siblings(found, index.parents)],
            "urgent": urgent.to_json() if urgent else None,
        })
    disorders = [(int(index.document_ids[i]), index.orpha[i], index.labels[i], list(index.features[i].items()),
                  sorted(index.sources[i].items()), index.parents.get(index.orpha[i]))
                 for i in range(len(index))]
    return {"results": results, "disorders": disorders, "gained": index.gained(),
            "urgency": {k: [s.to_json() for s in v] for k, v in sorted(index.urgency.items())}}


def part_folder(kb: Path) -> Path:
    [part] = [p for p in (kb.parent / (kb.name + ".derived")).glob("*/symptoms-*") if p.is_dir()]
    return part


def mapped(array: np.ndarray) -> bool:
    return isinstance(array, np.memmap) or isinstance(array.base, np.memmap)


def test_mapped_and_in_memory_rank_the_same(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(kb)
    try:
        conditions = condition_index(store)
        monkeypatch.setenv(derived.SWITCH, "off")
        in_memory = SymptomIndex.from_store(store, conditions=conditions)
        monkeypatch.setenv(derived.SWITCH, "on")
        from_files = SymptomIndex.from_store(store, conditions=conditions)
    finally:
        store.close()
    assert mapped(from_files.annotation_frequency) and not mapped(in_memory.annotation_frequency)
    expected = view(in_memory)
    assert view(from_files) == expected
    # What the test knowledge base holds is there: HPO's extra feature, the urgency marks, a parent group.
    assert expected["gained"] == (2, 2)
    assert set(expected["urgency"]) == {"900200", "900201", "900202", "900204", "900206"}
    assert expected["results"][0]["found"][0]["orpha"] == "900201"
    assert ("900200", "Quickfall palsy") in from_files.parents["900201"]


def test_written_once_then_mapped_by_the_next_process(kb: Path) -> None:
    store = SQLiteStore(kb)
    try:
        first = view(SymptomIndex.from_store(store, conditions=condition_index(store)))
    finally:
        store.close()
    part = part_folder(kb)
    inode = part.stat().st_ino
    script = (
        "import json, sys, numpy as np\n"
        "from healthqa.conditions import index_for\n"
        "from healthqa.store import SQLiteStore\n"
        "from healthqa.symptoms import knowledge\n"
        "from healthqa.symptoms.index import SymptomIndex\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from symptoms.test_mapped_index import view, mapped\n"
        "store = SQLiteStore(sys.argv[1])\n"
        "index = SymptomIndex.from_store(store, conditions=index_for(store))\n"
        "print(json.dumps({'view': view(index), 'mapped': mapped(index.annotation_term),\n"
        "                  'hpoa_read': knowledge._read_hpoa.cache_info().currsize}))\n"
    )
    tests = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script, str(kb), str(tests)], capture_output=True, text=True,
                          check=True)
    second = json.loads(done.stdout)
    assert second["mapped"] and second["hpoa_read"] == 0  # read from the part: HPO's annotations never parsed
    assert second["view"] == json.loads(json.dumps(first))
    assert part.stat().st_ino == inode  # not rebuilt


def test_switched_off_builds_in_memory_and_writes_nothing(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(derived.SWITCH, "off")
    store = SQLiteStore(kb)
    try:
        index = SymptomIndex.from_store(store, conditions=condition_index(store))
    finally:
        store.close()
    assert not mapped(index.annotation_term) and len(index) == 4
    assert not list((kb.parent / (kb.name + ".derived")).glob("*/symptoms-*"))


def test_a_damaged_part_is_rebuilt(kb: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = SQLiteStore(kb)
    try:
        expected = view(SymptomIndex.from_store(store))
        part = part_folder(kb)
        frequencies = part / "annotation-frequency.npy"
        frequencies.write_bytes(frequencies.read_bytes()[:-8])  # cut short
        with caplog.at_level(logging.WARNING):
            again = SymptomIndex.from_store(store)
        assert "unreadable" in caplog.text
        assert mapped(again.annotation_frequency) and view(again) == expected
        (part_folder(kb) / "manifest.json").write_text("{", encoding="utf-8")
        assert view(SymptomIndex.from_store(store)) == expected
    finally:
        store.close()


def test_another_annotations_file_gets_a_part_of_its_own(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteStore(kb)
    try:
        merged = SymptomIndex.from_store(store)
        monkeypatch.setenv("HEALTHQA_HPOA", str(write_hpoa(tmp_path / "other.hpoa", [])))
        plain = SymptomIndex.from_store(store)
        assert merged.gained() == (2, 2) and plain.gained() == (0, 0)
        assert len(list((kb.parent / (kb.name + ".derived")).glob("*/symptoms-*"))) == 2
    finally:
        store.close()
