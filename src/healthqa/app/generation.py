"""What an ingest leaves ready for answering: every derived part of the new knowledge-base generation.

Each pipeline step owns its part and builds it on first use (:func:`healthqa.retrieve.derived.mapped_part`);
an ingest builds them all at its end, so that servers started afterwards only map files. This module only
calls them in order: it sits above every step (store -> understand -> retrieve -> answer -> conditions and
symptoms), which :mod:`healthqa.retrieve.derived` cannot import.
"""

from __future__ import annotations

from healthqa.answer.answerer import name_index
from healthqa.app.api.condition_search import NameSearch
from healthqa.conditions import DiseaseIndex
from healthqa.retrieve import derived
from healthqa.retrieve.encoder import Encoder
from healthqa.retrieve.passages import mapped_tables
from healthqa.retrieve.phrases import phrase_counter
from healthqa.store.base import Store
from healthqa.symptoms.index import SymptomIndex


def prepare(store: Store, encoder: Encoder | None) -> None:
    """Embed the passages without a vector and cache the query models (``encoder``), then write the
    generation's derived parts: the full-text matrices and vectors, the passage and FAQ tables, the phrase counts
    (a database server's), the name index, the disease index, the symptom index and the condition name search."""
    derived.prepare(store, encoder)
    mapped_tables(store)
    phrase_counter(store)  # a local copy of a database server's full-text index (none for SQLite)
    name_index(store)
    symptoms = SymptomIndex.from_store(store, conditions=DiseaseIndex.load(store))
    symptoms.hpo.match("")  # the phrase matcher's tables, cached on this machine for every worker
    NameSearch.load(store)
