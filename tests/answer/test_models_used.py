"""``ask`` never loads a model fitted on LiveQA dev questions (MEDIQA's qa-train1 holds them; the LiveQA dev
file is for measuring). Every learned file that answering reads records the files it was fitted on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from healthqa import learned
from healthqa import understand as understand_module
from healthqa.answer.answerer import Answerer
from healthqa.learned import asked_type as learned_asked_type
from healthqa.learned import qtype as learned_qtype
from healthqa.mediqa import cross_encoder
from healthqa.store import SQLiteStore
from kb_builders import build_kb

# Files that hold the LiveQA dev questions, by name.
DEV_FILES = ("test-questions-dev.xml", "qrels-medquad-dev.txt", "qa-train1-liveqa-dev.xml")


def _training_files(meta: dict[str, Any]) -> list[str]:
    files = meta.get("trained_on_files")
    assert isinstance(files, list) and files, f"a model read by ask does not record its training files: {meta}"
    return [str(f) for f in files]


def test_ask_reads_only_models_fitted_on_training_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[tuple[str, dict[str, Any]]] = []
    real_load, real_adapter, real_qtype = learned.load, learned.read_query_adapter, learned_qtype.read
    real_cross = cross_encoder.load_shipped

    def load(name: str) -> learned.LinearModel:
        model = real_load(name)
        read.append((name, model.meta))
        return model

    def adapter(folder: Any) -> learned.QueryAdapter:
        model = real_adapter(folder)
        read.append(("query_adapter", model.meta))
        return model

    def qtype(folder: Any, name: str = learned_qtype.NAME, command: str = "qtype") -> learned_qtype.TypeClassifier:
        model = real_qtype(folder, name, command)
        read.append((name, model.meta))
        return model

    def cross_encoder_loaded() -> Any:
        read.append(("mediqa_cross", {}))
        return real_cross()

    monkeypatch.setattr(learned, "load", load)
    monkeypatch.setattr(learned, "read_query_adapter", adapter)
    monkeypatch.setattr(cross_encoder, "load_shipped", cross_encoder_loaded)
    monkeypatch.setattr(learned_qtype, "read", qtype)
    learned.query_adapter.cache_clear()
    learned_qtype.shipped.cache_clear()
    learned_asked_type.shipped.cache_clear()
    # SQLite only: which model files answering reads does not depend on where the knowledge base is.
    store = SQLiteStore(build_kb(tmp_path / "kb.db", embed=True))
    try:
        answer = Answerer(store).ask("how do you treat lambert eaton myasthenic syndrome?")
    finally:
        store.close()
        learned.query_adapter.cache_clear()
        learned_qtype.shipped.cache_clear()
        learned_asked_type.shipped.cache_clear()
    assert not answer.abstained
    names = [name for name, _ in read]
    assert "query_adapter" in names and "asked_type" in names  # they were read: the check below means something
    # The MEDIQA re-ranker and its cross-encoder are fitted on qa-train1 (LiveQA dev questions): never read.
    assert "rerank" not in names and "mediqa_cross" not in names
    # The type classifier is off in ask (healthqa.understand.LEARNED_TYPES: LiveQA dev fell with it).
    assert ("qtype" in names) is understand_module.LEARNED_TYPES
    for name, meta in read:
        files = _training_files(meta)
        assert not any(dev in file for file in files for dev in DEV_FILES), (name, files)


def test_the_type_classifier_records_training_files_only() -> None:
    """Were it switched on, the shipped classifier was fitted on training files only."""
    model = learned_qtype.shipped()
    assert model is not None
    files = _training_files(model.meta)
    assert not any(dev in file for file in files for dev in DEV_FILES), files
