"""The disease index and the condition name search as derived parts of a knowledge-base generation: written
once, then memory-mapped by every later process, answering exactly as the same indexes built in memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from healthqa.app.api.condition_search import PART as SEARCH_PART
from healthqa.app.api.condition_search import NameSearch, candidates_for
from healthqa.conditions import ConditionNotFoundError, DiseaseIndex, disease_record
from healthqa.conditions._link import PART as INDEX_PART
from healthqa.retrieve import derived
from healthqa.store import SQLiteStore
from kb_builders import build_kb, disease_documents
from mapping import is_memory_mapped

REFS = ["LEMS", "lems", "Lambert-Eaton myasthenic syndrome", "Eaton-Lambert syndrome", "ORPHA:900201", "LES",
        "gout", "Gout", "lupus", "Kallmann syndrome", "medquad:GARD_0000001", "zyxoplasia", "lambert eaton"]
TYPED = ["lambert", "lamber eaton", "lambert-eaton myastenic syndrom", "gou", "kalman", "lu", ""]
_LOAD = (
    "import sys\n"
    "from healthqa.conditions import DiseaseIndex\n"
    "from healthqa.app.api.condition_search import NameSearch\n"
    "from healthqa.store import SQLiteStore\n"
    "store = SQLiteStore(sys.argv[1])\n"
    "index = DiseaseIndex.load(store)\n"
    "print(index.canonical_name(index.resolve('LEMS', store)), NameSearch.load(store).find('lambert')[:1])\n"
)


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return build_kb(tmp_path / "kb.db", disease_documents())


def _part(kb: Path, name: str) -> Path:
    store = SQLiteStore(kb)
    try:
        root = derived.derived_root(store)
        assert root is not None
        return derived.generation_folder(root, store.generation()) / name
    finally:
        store.close()




def _answers(index: DiseaseIndex, search: NameSearch, store: SQLiteStore) -> list[object]:
    """Everything the index and the search tell, for every document and a few references and typed texts."""
    told: list[object] = [len(index), index.drug_names]
    for head in store.iter_document_heads():
        record = index.record_of(head.id)
        told += [record, index.members(record), index.canonical_name(record), index.names_of(record),
                 index.candidate(record), index.head(head.id), index.link_reason(head.id),
                 index.records_named(head.title, exclude=record)]
    for ref in REFS:
        try:
            told.append(disease_record(store, ref, index=index).to_json())
        except ConditionNotFoundError as error:
            told.append((type(error).__name__, str(error), error.candidates))
    for text in TYPED + REFS:
        told += [index.suggestions(text), search.find(text), candidates_for(index, search, store, text)]
    for _, system, code in store.iter_codes():
        told.append(index.is_specific(system, code))
    return told


def test_the_parts_are_written_once_then_mapped_by_the_next_process(kb: Path) -> None:
    first = subprocess.run([sys.executable, "-c", _LOAD, str(kb)], capture_output=True, text=True, check=True)
    manifests = [_part(kb, name) / "manifest.json" for name in (INDEX_PART, SEARCH_PART)]
    written = [os.stat(manifest) for manifest in manifests]
    again = subprocess.run([sys.executable, "-c", _LOAD, str(kb)], capture_output=True, text=True, check=True)
    assert again.stdout == first.stdout and "Lambert-Eaton myasthenic syndrome" in first.stdout
    # The same files, not rewritten: a rebuild writes a new folder and renames it into place.
    assert [(s.st_ino, s.st_mtime_ns) for s in map(os.stat, manifests)] == [(s.st_ino, s.st_mtime_ns) for s in written]
    store = SQLiteStore(kb)
    try:
        index, search = DiseaseIndex.load(store), NameSearch.load(store)
        assert all(is_memory_mapped(array) for array in index.arrays().values())
        assert all(is_memory_mapped(array) for array in search.arrays().values())
    finally:
        store.close()


def test_mapped_indexes_answer_as_the_ones_built_in_memory(kb: Path) -> None:
    store = SQLiteStore(kb)
    try:
        built = _answers(DiseaseIndex.from_store(store), NameSearch(store.iter_names()), store)
        DiseaseIndex.load(store), NameSearch.load(store)  # written here
        mapped_index, mapped_search = DiseaseIndex.load(store), NameSearch.load(store)
        assert is_memory_mapped(mapped_index.arrays()["documents"])
        assert _answers(mapped_index, mapped_search, store) == built
        # Linked records and resolved references were compared, not only lone documents and errors.
        assert any(isinstance(told, dict) and told.get("name") == "Lambert-Eaton myasthenic syndrome"
                   for told in built)
        assert any(isinstance(told, str) and told.startswith(("code ", "same name")) for told in built)
    finally:
        store.close()


def test_switched_off_the_indexes_are_built_in_memory_and_nothing_is_written(
        kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(derived.SWITCH, "off")
    store = SQLiteStore(kb)
    try:
        index, search = DiseaseIndex.load(store), NameSearch.load(store)
        assert not any(is_memory_mapped(array) for array in index.arrays().values())
        assert index.canonical_name(index.resolve("LEMS", store)) == "Lambert-Eaton myasthenic syndrome"
        assert search.find("lambert")
    finally:
        store.close()
    assert not _part(kb, INDEX_PART).exists() and not _part(kb, SEARCH_PART).exists()


@pytest.mark.parametrize("damage", ["truncated", "removed", "manifest"])
def test_a_damaged_part_is_rebuilt(kb: Path, damage: str) -> None:
    store = SQLiteStore(kb)
    try:
        expected = _answers(DiseaseIndex.load(store), NameSearch.load(store), store)
        for name, array in ((INDEX_PART, "documents"), (SEARCH_PART, "name-rows")):
            part = _part(kb, name)
            if damage == "truncated":
                with open(part / f"{array}.npy", "r+b") as file:
                    file.truncate(os.path.getsize(part / f"{array}.npy") - 8)
            elif damage == "removed":
                (part / f"{array}.npy").unlink()
            else:
                (part / "manifest.json").write_text("{not json", encoding="utf-8")
        index, search = DiseaseIndex.load(store), NameSearch.load(store)
        assert is_memory_mapped(index.arrays()["documents"]) and is_memory_mapped(search.arrays()["name-rows"])
        assert _answers(index, search, store) == expected
    finally:
        store.close()


def test_arrays_that_disagree_are_refused(kb: Path) -> None:
    store = SQLiteStore(kb)
    try:
        arrays = DiseaseIndex.from_store(store).arrays()
        with pytest.raises(ValueError, match="disagree"):
            DiseaseIndex.from_arrays({**arrays, "members": arrays["members"][:-1]})
        words = NameSearch(store.iter_names()).arrays()
        with pytest.raises(ValueError, match="disagree"):
            NameSearch.from_arrays({**words, "name-rows": words["name-rows"][:-1]})
    finally:
        store.close()
