from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from healthqa.answer.facts import fact_passages
from healthqa.ingest import ingest_path
from healthqa.records import SectionType
from healthqa.store import Store, open_store
from kb_builders import KnowledgeBases
from orphanet_data import DRY_WEAK, EYE_SKIN, write_packets


@pytest.fixture()
def store(tmp_path: Path, kb_backend: KnowledgeBases) -> Iterator[Store]:
    kb = open_store(kb_backend.empty(tmp_path / "kb.db"))
    assert ingest_path(kb, write_packets(tmp_path / "p.jsonl.gz", [DRY_WEAK, EYE_SKIN])).ok
    yield kb
    kb.close()


def _ids(store: Store, *keys: str) -> list[int]:
    return [store.document(key).id for key in keys]


def test_inheritance_in_orphanets_words_with_credit(store: Store) -> None:
    items = fact_passages(store, _ids(store, "orphanet:900001", "orphanet:900002"), SectionType.INHERITANCE)
    assert [(i.title, i.text) for i in items] == [
        ("Dry-weak syndrome (test)", "Autosomal dominant"),
        ("Eye-skin disorder (test)", "Autosomal recessive"),
    ]
    first = items[0]
    assert first.source == "Orphanet" and first.tier == "government_reviewed"
    assert first.licence == "CC BY 4.0 — Orphanet, www.orpha.net"
    assert "Orphanet" in first.attribution and "CC BY 4.0" in first.attribution
    assert first.url == "https://www.orpha.net/en/disease/detail/900001"
    assert first.id == "orphanet:900001#inheritance-1" and first.label == "Mode of inheritance"
    assert first.to_json()["text"] == "Autosomal dominant"


def test_prevalence_worldwide_first(store: Store) -> None:
    items = fact_passages(store, _ids(store, "orphanet:900001"), "frequency")
    assert [(i.text, i.detail) for i in items] == [
        ("1-9 / 100 000", "Point prevalence, Worldwide"), ("1-9 / 1 000 000", "Point prevalence, Europe"),
    ]


def test_genes_answer_genetic_questions(store: Store) -> None:
    items = fact_passages(store, _ids(store, "orphanet:900001"), SectionType.GENETIC_CHANGES)
    assert [(i.kind, i.text) for i in items] == [("gene", "TST1"), ("inheritance", "Autosomal dominant")]
    assert items[0].detail == "Disease-causing germline mutation(s) in test gene one"
    assert [i.text for i in fact_passages(store, _ids(store, "orphanet:900001"), "causes")] == ["TST1"]


def test_nothing_for_other_questions_or_documents(store: Store) -> None:
    assert fact_passages(store, _ids(store, "orphanet:900001"), SectionType.TREATMENT) == []
    assert fact_passages(store, _ids(store, "orphanet:900002"), "frequency") == []
    assert fact_passages(store, [123456], "inheritance") == []
