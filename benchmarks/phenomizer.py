"""Simulated patients over Orphanet's HPO annotations (the Phenomizer protocol, Köhler et al. 2009).

For every Orphanet disorder with phenotype annotations, one simulated patient: ``--terms`` (5) of its
annotated terms, drawn without replacement with probability proportional to the annotation's frequency
(Orphanet's class midpoint; "Excluded (0%)" annotations are never drawn); disorders with fewer annotations
give all of them. Four conditions, each from the same draw:

- clean: the drawn terms;
- noise: plus ceil(k/2) random terms unrelated to the disorder (drawn uniformly from the terms Orphanet
  annotates to any disorder, neither annotated to this one nor an ancestor or descendant of its annotations);
- imprecision: each drawn term replaced by one of its ancestors chosen uniformly, never the root nor a
  top-level term such as "Phenotypic abnormality" (a term with no other ancestor is kept);
- both: the imprecise terms plus the noise terms.

Each patient is ranked against all disorders by healthqa's scorer (:mod:`healthqa.symptoms.search`) and by a Resnik
baseline computed in the same run: the symmetric best-match average of IC(most informative common ancestor),
with the same IC (annotation frequency over disorders). Ties count by random tie-breaking (expected hit rate).

A second set gives the patient's terms as words: up to ``--terms`` annotated terms that have an HPO layperson
synonym (disorders with at least 3 such terms), each replaced by one of its layperson synonyms chosen at
random, mapped back to HPO with :meth:`healthqa.symptoms.hpo.HPOIndex.map_text`.

    .venv/bin/python benchmarks/phenomizer.py [--seed 0] [--limit N] [--out results.json]

Prints one JSON object. ``--specific``, ``--similar``, ``--noise`` and ``--absent`` override the scorer's
weights (chosen by grouped cross-validation on real dev cases, ``benchmarks/phenopackets.py``, not here).
By default the patients are drawn from, and ranked against, Orphanet's annotations alone (the protocol of
issue 5); ``--merge`` uses the merged features (Orphanet + HPO's annotations through exact OMIM mappings).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from healthqa.ingest import orphanet
from healthqa.symptoms.hpo import HPOIndex, load_hpo
from healthqa.symptoms.index import DEFAULTS, Params, Reorder, SymptomIndex
from healthqa.symptoms.knowledge import read_exact_omim
from healthqa.symptoms.search import learned_order
from healthqa.symptoms.simulated import CONDITIONS, Simulator

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "orphanet" / "orphapackets-2025-12.jsonl.gz"


def load_index(path: Path, hpo: HPOIndex, merge: bool) -> SymptomIndex:
    """Orphanet's disorders, with HPO's annotations merged through exact OMIM mappings (``merge``)."""
    exact = read_exact_omim(path) if merge else None
    return SymptomIndex.from_documents(orphanet.read(path), hpo, cache_size=4096, merge=merge, exact_omim=exact)


def resnik_scores(index: SymptomIndex, terms: list[str]) -> np.ndarray:
    """Symmetric best-match average of Resnik similarity, for every disorder."""
    # One vector per query term over all annotations (1-D operations: much faster than 2-D axis reductions).
    columns = [index.mica_ic(t)[index.annotation_term] for t in terms]
    starts = index.disease_start
    query_to_disease = sum(np.maximum.reduceat(c, starts) for c in columns) / len(columns)
    best = functools.reduce(np.maximum, columns)
    counts = np.diff(np.append(starts, len(index.annotation_term)))
    disease_to_query = np.add.reduceat(best, starts) / counts
    result: np.ndarray = 0.5 * (query_to_disease + disease_to_query)
    return result


def hits(scores: np.ndarray, truth: int, cutoffs: tuple[int, ...] = (1, 10)) -> list[float]:
    """Expected hit at each cutoff when ties are broken at random."""
    own = scores[truth]
    greater = int(np.count_nonzero(scores > own))
    equal = int(np.count_nonzero(scores == own))
    return [min(max((k - greater) / equal, 0.0), 1.0) for k in cutoffs]


def evaluate(index: SymptomIndex, queries: list[tuple[int, list[str]]], params: Params,
             reorder: Reorder | None = None) -> dict[str, Any]:
    """Top-1 and top-10 of the scorer ("healthqa") and Resnik; with ``reorder`` (the shipped second stage) also of
    the order the search shows ("healthqa_shipped": the scorer's best re-ordered, on the resolved terms)."""
    totals = {"healthqa": np.zeros(2), "resnik": np.zeros(2)}
    if reorder is not None:
        totals["healthqa_shipped"] = np.zeros(2)
    for truth, terms in queries:
        if not terms:
            continue
        totals["healthqa"] += hits(index.scores(terms, params), truth)
        totals["resnik"] += hits(resnik_scores(index, terms), truth)
        resolved = index.query_terms(terms)
        if reorder is not None and resolved:
            position = int(np.flatnonzero(reorder(index, resolved, index.scores(resolved, params)) == truth)[0])
            totals["healthqa_shipped"] += [float(position < 1), float(position < 10)]
    n = max(len(queries), 1)
    return {name: {"top1": round(v[0] / n, 3), "top10": round(v[1] / n, 3)} for name, v in totals.items()}


def lay_set(index: SymptomIndex, hpo: HPOIndex, sim: Simulator, diseases: list[int]) -> tuple[list, dict]:
    queries, phrases, exact, related, unmapped = [], 0, 0, 0, 0
    for d in diseases:
        features = sim.recorded(d)
        eligible = [t for t in features if hpo.lay_synonyms(t)]
        if len(eligible) < 3:
            continue
        mapped: list[str] = []
        for term in sim.draw(features, eligible):
            options = hpo.lay_synonyms(term)
            phrase = options[int(sim.rng.integers(len(options)))]
            got = [m.hpo_id for m in hpo.map_text(phrase) if m.matched]
            phrases += 1
            exact += term in got
            related += any(term in hpo.ancestors(g) or g in hpo.ancestors(term) for g in got)
            unmapped += not got
            mapped.extend(got)
        queries.append((d, list(dict.fromkeys(mapped))))
    mapping = {"phrases": phrases, "same_term": round(exact / max(phrases, 1), 3),
               "same_or_ancestor_or_descendant": round(related / max(phrases, 1), 3),
               "unmapped": round(unmapped / max(phrases, 1), 3)}
    return queries, mapping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--terms", type=int, default=5)
    parser.add_argument("--limit", type=int, default=0, help="only the first N disorders (quick runs)")
    for name in ("specific", "similar", "noise", "absent"):
        parser.add_argument(f"--{name}", type=float, default=getattr(DEFAULTS, name), help="scorer weight")
    parser.add_argument("--merge", action="store_true", help="simulate over the merged features (Orphanet + HPO)")
    parser.add_argument("--no-lay", action="store_true", help="skip the lay-phrase set")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"{args.data}: missing (set --data to the Orphanet packets file)")
    start = time.perf_counter()
    params = Params(args.specific, args.similar, args.noise, args.absent)
    # The order the search shows (the second stage, when it is on), read only with the shipped scorer's weights.
    reorder = learned_order() if args.merge and params == DEFAULTS else None
    hpo = load_hpo()
    index = load_index(args.data, hpo, args.merge)
    rng = np.random.default_rng(args.seed)
    sim = Simulator(index, hpo, rng, args.terms)
    diseases = sim.drawable()  # the disorders with annotated features (not those only a definition describes)
    if args.limit:
        diseases = diseases[: args.limit]
    drawn = [(d, sim.patients(d)) for d in diseases]
    result: dict[str, Any] = {
        "benchmark": "phenomizer-simulated-patients",
        "data": args.data.name, "hpo_version": hpo.version, "disorders": len(diseases), "terms": args.terms,
        "seed": args.seed, "scorer": dataclasses.asdict(params), "merged_features": args.merge,
        "sampling": "frequency-weighted without replacement; noise ceil(k/2) unrelated annotated terms; "
                    "imprecision: uniform proper ancestor, not root or top level",
        "conditions": {},
    }
    for condition in CONDITIONS:
        queries = [(d, patient[condition]) for d, patient in drawn]
        result["conditions"][condition] = evaluate(index, queries, params, reorder)
        print(f"{condition}: {result['conditions'][condition]}", file=sys.stderr)
    if not args.no_lay:
        queries, mapping = lay_set(index, hpo, sim, diseases)
        result["lay"] = {"patients": len(queries), "mapping": mapping,
                         **evaluate(index, queries, params, reorder)}
        print(f"lay: {result['lay']}", file=sys.stderr)
    result["seconds"] = round(time.perf_counter() - start, 1)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
