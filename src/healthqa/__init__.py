"""healthqa: answers to health questions, quoted from trusted sources.

The folders are the pipeline, one owner a step:

- :mod:`healthqa.ingest` — readers of the sources (MedQuAD, Orphanet, MEDIQA, LiveQA, saved pages) and ``fetch``;
- :mod:`healthqa.store` — the knowledge base (its contract in :mod:`healthqa.store.base`; SQLite);
- :mod:`healthqa.understand` — what a question is about, what it asks, whether it sounds like an emergency;
- :mod:`healthqa.retrieve` — full-text scores, sentence vectors, the passages in memory;
- :mod:`healthqa.answer` — ranking, the answer with its quotes, facts and wording;
- :mod:`healthqa.conditions` — one record per condition over every source, and where sources disagree;
- :mod:`healthqa.symptoms` — lay words to HPO terms to rare diseases worth discussing;
- :mod:`healthqa.mediqa` — MEDIQA 2019 re-ranking and entailment, and the training of :mod:`healthqa.learned`;
- :mod:`healthqa.app` — the HTTP API, the web pages and the server; :mod:`healthqa.cli` — the command line.

Shared by all: :mod:`healthqa.errors` (the one exception tree), :mod:`healthqa.config` (every setting),
:mod:`healthqa.records` (the data records). The public API is imported from here::

    from healthqa import Answerer, disease_record, open_store, search_symptoms
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from healthqa.errors import (
    BadInputError,
    ConfigError,
    FetchError,
    HealthQAError,
    IngestStoppedError,
    NotFoundError,
    StoreError,
    UnknownFormatError,
)
from healthqa.store import Store, open_store

if TYPE_CHECKING:
    from healthqa.answer.answerer import Answer, Answerer
    from healthqa.conditions import AmbiguousConditionError, ConditionNotFoundError, DiseaseRecord, disease_record
    from healthqa.ingest import IngestReport, ingest_path
    from healthqa.symptoms.search import SymptomResult
    from healthqa.symptoms.urgency import ConditionLinks

__all__ = [
    "AmbiguousConditionError",
    "Answer",
    "Answerer",
    "BadInputError",
    "ConditionNotFoundError",
    "ConfigError",
    "DiseaseRecord",
    "FetchError",
    "HealthQAError",
    "IngestReport",
    "IngestStoppedError",
    "NotFoundError",
    "Store",
    "StoreError",
    "SymptomResult",
    "UnknownFormatError",
    "disease_record",
    "ingest_path",
    "open_store",
    "search_symptoms",
]
__version__ = "0.1.0"

# The heavier parts load on first use: importing healthqa for its errors or its store loads no model code.
_LAZY = {
    "Answer": "healthqa.answer.answerer",
    "Answerer": "healthqa.answer.answerer",
    "AmbiguousConditionError": "healthqa.conditions",
    "ConditionNotFoundError": "healthqa.conditions",
    "DiseaseRecord": "healthqa.conditions",
    "disease_record": "healthqa.conditions",
    "IngestReport": "healthqa.ingest",
    "ingest_path": "healthqa.ingest",
    "SymptomResult": "healthqa.symptoms.search",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'healthqa' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def search_symptoms(
    store: Store, text: str, ids: Sequence[str] = (), top: int = 10, conditions: ConditionLinks | None = None,
) -> SymptomResult:
    """Rare conditions whose recorded features overlap ``text`` (or the HPO ``ids``), best first, with the
    sources' urgency statements read through the store's condition index (built on first use unless
    ``conditions`` is given): :func:`healthqa.symptoms.search.search_symptoms`. The symptoms step may not use
    :mod:`healthqa.conditions`, a later step; the package root may."""
    from healthqa.conditions import index_for
    from healthqa.symptoms.search import search_symptoms as search

    return search(store, text, ids, top, conditions if conditions is not None else index_for(store))
