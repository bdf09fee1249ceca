"""The name index as a derived part of the knowledge base's generation: written once, memory-mapped by the next
process, reading questions as the index built in memory; built in memory where derived parts are off; a damaged
part is rebuilt."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from healthqa.answer.answerer import Answerer, name_index
from healthqa.records import SectionType
from healthqa.retrieve import derived
from healthqa.store import SQLiteStore
from healthqa.understand import NameIndex
from kb_builders import build_kb, disease_documents, make_document

COPD = make_document("copd", "Chronic obstructive pulmonary disease", ["COPD"], [
    (SectionType.INFORMATION, "What is COPD?", "COPD is a lung disease that makes breathing hard."),
    (SectionType.TREATMENT, "How is COPD treated?", "Inhalers help people with COPD breathe."),
])
SAD = make_document("sad", "Seasonal affective disorder", ["SAD"], [
    (SectionType.INFORMATION, "What is SAD?", "People with SAD feel sad in winter; SAD is treated with light."),
])
QUESTIONS = [
    "is LEMS inherited?", "is lems inherited?", "what is copd?", "i feel sad in winter", "what is SAD?",
    "LES or lupus?", "eaton lambert syndrom", "lambert-eaton myastenic syndrome", "chronic obstructve pulmonary",
    "my father has kallman syndrome", "what is the treatment of systemic lupus erythematosis?",
    "the doctor told me about breathing", "is kallmann syndrome inherited?",
]


@pytest.fixture()
def kb(tmp_path: Path) -> Path:
    return build_kb(tmp_path / "kb.db", [*disease_documents(), COPD, SAD])


def _part(kb: Path, store: SQLiteStore) -> Path:
    return Path(f"{kb}.derived") / f"{store.generation()}-v{derived.FORMAT_VERSION}" / "names"


def _in_memory(store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> NameIndex:
    with monkeypatch.context() as switched:
        switched.setenv(derived.SWITCH, "off")
        return name_index(store)


def _typos(index: NameIndex) -> list[str]:
    """Each name as written, in lower case and with a letter dropped or doubled (typos of every kind of name)."""
    found = []
    for name in sorted(index._display.values()):
        found += [name, name.lower(), f"is {name[:4]}{name[5:]} inherited?", f"{name[:3]}{name[2:]} treatment"]
    return found


def test_the_mapped_index_reads_every_question_as_the_one_built_in_memory(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteStore(kb)
    try:
        memory = _in_memory(store, monkeypatch)
        mapped = name_index(store)
        assert isinstance(memory._names, dict) and not isinstance(mapped._names, dict)
        texts = [*QUESTIONS, *_typos(memory)]
        assert [mapped.find(text) for text in texts] == [memory.find(text) for text in texts]
        assert [m.name for m in mapped.find("what is copd?")] == ["COPD"]  # read as the abbreviation
        assert not mapped.find("i feel sad in winter")  # an everyday word as well as SAD
        assert sum(any(m.corrected for m in memory.find(text)) for text in texts) > 10  # typos were read
        with monkeypatch.context() as switched:
            switched.setenv(derived.SWITCH, "off")
            before = [Answerer(store, semantic=False).ask(q).to_json() for q in QUESTIONS]
        after = [Answerer(store, semantic=False).ask(q).to_json() for q in QUESTIONS]
        assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
    finally:
        store.close()


def test_the_part_is_written_once_then_mapped_by_the_next_process(kb: Path) -> None:
    store = SQLiteStore(kb)
    try:
        first = name_index(store)
        manifest = _part(kb, store) / "manifest.json"
        written = manifest.stat()
    finally:
        store.close()
    script = (
        "import sys\n"
        "from healthqa.answer.answerer import name_index\n"
        "from healthqa.store import SQLiteStore\n"
        "index = name_index(SQLiteStore(sys.argv[1]))\n"
        "print(type(index._names).__name__, [m.name for m in index.find('is lems inherited?')])\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(kb)], capture_output=True, text=True, check=True)
    assert done.stdout.split(" ", 1)[1].strip() == str([m.name for m in first.find("is lems inherited?")])
    assert done.stdout.split(" ", 1)[0] == "_Names"  # read from the part, not built
    assert manifest.stat().st_ino == written.st_ino and manifest.stat().st_mtime_ns == written.st_mtime_ns
    assert "LEMS" in done.stdout


def test_switched_off_the_index_is_built_in_memory_and_nothing_is_written(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(derived.SWITCH, "off")
    store = SQLiteStore(kb)
    try:
        index = name_index(store)
        assert isinstance(index._names, dict)
        assert [m.name for m in index.find("is LEMS inherited?")] == ["LEMS"]
        assert not _part(kb, store).exists()
    finally:
        store.close()


def test_a_damaged_part_is_rebuilt(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(kb)
    try:
        name_index(store)
        part = _part(kb, store)
        written = (part / "manifest.json").stat().st_ino
        (part / "flags.npy").write_bytes(b"not an array")
        rebuilt = name_index(store)
        assert (part / "manifest.json").stat().st_ino != written
        assert np.load(part / "flags.npy").dtype == np.uint8
        memory = _in_memory(store, monkeypatch)
        assert [rebuilt.find(q) for q in QUESTIONS] == [memory.find(q) for q in QUESTIONS]
    finally:
        store.close()
