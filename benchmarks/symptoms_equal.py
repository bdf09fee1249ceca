"""The symptom index, mapped from a generation's derived files, ranks exactly as the implementation it replaced
(Python objects built in every process) and as the same index built in memory.

Three indexes of one knowledge base: ``legacy`` (``healthqa/symptoms/index.py`` as of ``--legacy-commit``, read
with ``git show``), ``memory`` (``SymptomIndex.from_store`` under ``HEALTHQA_DERIVED=off``) and ``mapped``
(``SymptomIndex.from_store``, read from ``<db>.derived``: built there first if missing). Compared:

- every dev case of ``benchmarks/phenopackets.py``: the full ranked list (ORPHA code and exact score of every
  disorder, in rank order), the page's top 20 (``DiseaseMatch.to_json``: matched and missing features with
  frequencies and sources), the groups and the urgency notice;
- the lay phrases of the phenomizer benchmark's lay set (every layperson synonym of an annotated term, not a
  random draw of them): ``map_text`` of each phrase by the phrase matcher as of ``--legacy-commit``
  (``healthqa/symptoms/hpo.py``), by today's built in memory and by today's mapped from its cache;
- ``gained()``, ``len``, and every disorder's features, their sources and parents.

Writes into ``<db>.derived``: run it on a copy of a knowledge base.

    nice python benchmarks/symptoms_equal.py --kb /tmp/copy/kb.db
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from _legacy import legacy_module
from healthqa.conditions import index_for as disease_index_for
from healthqa.store.sqlite import SQLiteStore
from healthqa.symptoms.groups import group_siblings
from healthqa.symptoms.hpo import HPOIndex
from healthqa.symptoms.index import SymptomIndex

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = ROOT.parent / "shared" / "data" / "phenopackets" / "dev-cases.jsonl"


def case_view(index: Any, terms: list[str]) -> dict[str, Any]:
    _, scores = index.ranking(terms)
    order = np.argsort(-scores, kind="stable")
    found = index.search(terms, 20)
    urgent = index.urgent(found)
    return {
        "ranked": [(index.orpha[int(i)], float(scores[int(i)]).hex()) for i in order],
        "top": [d.to_json() for d in found],
        "groups": [g.to_json() for g in group_siblings(found, index.parents)],
        "urgent": urgent.to_json() if urgent else None,
    }


def lay_phrases(index: Any) -> list[str]:
    return sorted({p for t in index.terms for p in index.hpo.lay_synonyms(t)})


def phrase_view(hpo: Any, phrase: str) -> list[tuple[str, str, str, str]]:
    return [(m.phrase, m.hpo_id, m.name, float(m.score).hex()) for m in hpo.map_text(phrase)]


def disorder_view(index: Any, position: int) -> tuple[Any, ...]:
    """What a page or a benchmark reads of a disorder: its features (and their order), who records each of
    them, its parents. The legacy index's ``sources`` also listed terms that a source gives with frequency 0 and
    that are therefore no feature (never read: a page shows the sources of features): counted apart."""
    orpha, features = index.orpha[position], index.features[position]
    sources = index.sources[position]
    return (int(index.document_ids[position]), orpha, index.labels[position], sorted(features.items()),
            sorted((term, sources[term]) for term in features), list(features), tuple(index.parents.get(orpha, ())))


def sources_of_no_feature(index: Any) -> int:
    return sum(len(set(index.sources[i]) - set(index.features[i])) for i in range(len(index)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, required=True, help="a copy of a knowledge base (derived files written)")
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--legacy-commit", default="HEAD")
    args = parser.parse_args()
    cases = [json.loads(line) for line in args.cases.read_text(encoding="utf-8").splitlines() if line.strip()]
    store = SQLiteStore(args.kb)
    conditions = disease_index_for(store)
    legacy = legacy_module(args.legacy_commit, "src/healthqa/symptoms/index.py", "legacy_symptom_index")
    legacy_hpo = legacy_module(args.legacy_commit, "src/healthqa/symptoms/hpo.py", "legacy_hpo")
    matchers: dict[str, Any] = {"legacy": legacy_hpo.HPOIndex()}
    timings: dict[str, float] = {}
    start = time.perf_counter()
    indexes: dict[str, Any] = {"legacy": legacy.SymptomIndex.from_store(store, conditions=conditions)}
    timings["legacy"] = time.perf_counter() - start
    os.environ["HEALTHQA_DERIVED"] = "off"
    start = time.perf_counter()
    indexes["memory"] = SymptomIndex.from_store(store, conditions=conditions)
    timings["memory"] = time.perf_counter() - start
    matchers["memory"] = HPOIndex()
    matchers["memory"].match("dry mouth")
    os.environ["HEALTHQA_DERIVED"] = "on"
    start = time.perf_counter()
    indexes["mapped"] = SymptomIndex.from_store(store, conditions=conditions)
    timings["mapped (built or read)"] = time.perf_counter() - start
    matchers["mapped"] = HPOIndex()
    matchers["mapped"].match("dry mouth")
    mapped_arrays = indexes["mapped"].annotation_term
    report: dict[str, Any] = {
        "kb": str(args.kb), "cases": len(cases), "disorders": {n: len(i) for n, i in indexes.items()},
        "mapped_is_memory_mapped": isinstance(mapped_arrays, np.memmap) or isinstance(mapped_arrays.base, np.memmap),
        "matcher_is_memory_mapped": isinstance(matchers["mapped"]._tables().idf.base, np.memmap),
        "matcher_in_memory": not isinstance(matchers["memory"]._tables().idf.base, np.memmap),
        "gained": {n: list(i.gained()) for n, i in indexes.items()},
        "sources_entries_of_no_feature": {n: sources_of_no_feature(i) for n, i in indexes.items()},
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }
    reference = indexes["legacy"]
    legacy_cases = [case_view(reference, c["terms"]) for c in cases]
    phrases = lay_phrases(reference)
    legacy_phrases = [phrase_view(matchers["legacy"], p) for p in phrases]
    for name in ("memory", "mapped"):
        index = indexes[name]
        same_cases = sum(a == case_view(index, c["terms"]) for a, c in zip(legacy_cases, cases, strict=True))
        same_phrases = sum(a == phrase_view(matchers[name], p) for a, p in zip(legacy_phrases, phrases, strict=True))
        same_disorders = sum(disorder_view(reference, i) == disorder_view(index, i) for i in range(len(reference)))
        same_urgency = {k: tuple(v) for k, v in reference.urgency.items()} == {
            k: tuple(v) for k, v in index.urgency.items()}
        report[f"{name}_vs_legacy"] = {
            "cases_identical": f"{same_cases}/{len(cases)}",
            "lay_phrases_identical": f"{same_phrases}/{len(phrases)}",
            "disorders_identical": f"{same_disorders}/{len(reference)}",
            "urgency_statements_identical": same_urgency, "urgency_disorders": len(index.urgency),
        }
    store.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
