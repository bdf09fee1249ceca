"""Real patients: rank every annotated Orphanet disorder for each dev case's HPO terms (issue 18).

The cases are ``../shared/data/phenopackets/dev-cases.jsonl`` (GA4GH phenopacket-store: one JSON per line,
``{"id", "omim", "orpha", "terms"}``, the patient's observed terms and the diagnosis mapped to ORPHA).
Each case is ranked through :meth:`SymptomIndex.ranking`, the function behind ``SymptomIndex.search``
that ``GET /api/symptoms?hpo=...`` calls (the first cases are also run through the API's
``run_symptom_query`` to check that both give the same first disorder), and by a Resnik baseline in the
same run: the symmetric best-match average of IC(most informative common ancestor), over the same
disorders and features.

Figures: top-1, top-10, top-100 and MRR, ties broken at random (expected values). Rows:

- ``in_sample``: the shipped weights (:data:`healthqa.symptoms.index.DEFAULTS`), which were chosen on
  these cases, so in-sample;
- ``cross_validated``: 5 folds that split the *diseases* (all cases of a disease in one fold); for each
  fold the weights with the best MRR on the other folds' cases, from the grid ``GRID``, rank the fold's
  cases. Nothing is tuned on a single disease;
- ``resnik``: the baseline over the same merged features, and over Orphanet's features alone;
- ``orphanet_only``: the healthqa scorer without HPO's annotations;
- the main index merges HPO's OMIM annotations through Orphanet's exact ("E") mappings read from the
  packets (:func:`read_exact_omim`): what the store path gives once the Orphanet reader records them as
  ``EXACT_OMIM`` codes. ``orpha_annotations_only``: HPO's annotations of the ORPHA codes alone (the store
  path while the reader records none); ``omim_exact_and_broader``: also through broader-than ("BTNT")
  mappings, which the reader keeps under "OMIM" alike (not what the merge does: for comparison);
- ``by_leakage``: HPO's OMIM annotations were curated from publications, some of them the very case
  reports of these patients. The cases are split by whether the case's PMID is a reference of its OMIM
  disease's annotations in ``phenotype.hpoa``.

``--variants`` (issue 18, session 11) instead scores families of scorer variants that tune nothing on a
disease (:data:`FAMILIES`: an annotation-count prior, a frequency floor, flattened frequencies, the frequency
of an undated feature, noisy-OR over a disorder's features, tempered IC in the partial credit, noise relative
to the term's background), each added to an 8-point grid of the shipped weights and chosen by the same
disease-grouped CV (seeds 0, 1, 2), reporting all cases and those whose publication HPO did not annotate.

    .venv/bin/python benchmarks/phenopackets.py [--cases FILE] [--data PACKETS] [--out results.json] [--variants]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from healthqa.app.api.symptom_search import SymptomQuery, run_symptom_query
from healthqa.ingest import orphanet
from healthqa.symptoms.hpo import load_hpo
from healthqa.symptoms.index import DEFAULT_FREQUENCY, DEFAULTS, EXPLAINED_IC, Params, SymptomIndex
from healthqa.symptoms.knowledge import read_exact_omim, read_hpoa

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared" / "data"
DEFAULT_CASES = SHARED / "phenopackets" / "dev-cases.jsonl"
DEFAULT_DATA = SHARED / "orphanet" / "orphapackets-2025-12.jsonl.gz"
FOLDS = 5
GRID = [
    Params(specific=specific, similar=similar, noise=noise, absent=absent)
    for similar, specific, noise, absent in itertools.product(
        (0.01, 0.05, 0.15), (0.3, 1.0), (0.001, 0.01), (0.0, 0.1, 0.3)
    )
]
Rank = tuple[int, int]  # (disorders scored higher, disorders scored the same, itself included)
Ranker = Callable[[list[str]], np.ndarray]


def load_cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def resnik_scores(index: SymptomIndex, terms: Sequence[str]) -> np.ndarray:
    """Symmetric best-match average of Resnik similarity, for every disorder."""
    columns = [index.mica_ic(t)[index.annotation_term] for t in terms]
    starts = index.disease_start
    query_to_disease = sum(np.maximum.reduceat(c, starts) for c in columns) / len(columns)
    best = functools.reduce(np.maximum, columns)
    counts = np.diff(np.append(starts, len(index.annotation_term)))
    disease_to_query = np.add.reduceat(best, starts) / counts
    result: np.ndarray = 0.5 * (query_to_disease + disease_to_query)
    return result


def rank_of(scores: np.ndarray, truth: int) -> Rank:
    own = scores[truth]
    return int(np.count_nonzero(scores > own)), int(np.count_nonzero(scores == own))


def metrics(ranks: Sequence[Rank | None]) -> dict[str, float]:
    """top-k and MRR, ties broken at random; a case whose disorder is not ranked counts as a miss."""
    n = max(len(ranks), 1)
    found = [r for r in ranks if r is not None]
    result = {
        f"top{k}": sum(min(max((k - above) / ties, 0.0), 1.0) for above, ties in found) / n for k in (1, 10, 100)
    }
    result["mrr"] = sum(sum(1 / (above + j + 1) for j in range(ties)) / ties for above, ties in found) / n
    return {key: round(value, 3) for key, value in result.items()}


def rank_cases(index: SymptomIndex, cases: Sequence[dict[str, Any]], ranker: Ranker) -> list[Rank | None]:
    position = {code: i for i, code in enumerate(index.orpha)}
    ranks: list[Rank | None] = []
    for case in cases:
        truth = position.get(case["orpha"].removeprefix("ORPHA:"))
        terms = index.query_terms(case["terms"])
        ranks.append(rank_of(ranker(terms), truth) if truth is not None and terms else None)
    return ranks


def healthqa(index: SymptomIndex, params: Params = DEFAULTS) -> Ranker:
    return lambda terms: index.ranking(terms, params)[1]


def disease_folds(cases: Sequence[dict[str, Any]], seed: int) -> dict[str, int]:
    """Each disease's fold: the cases of one disease always fall in the same fold (never tuned on a disease that
    is then measured)."""
    diseases = sorted({case["orpha"] for case in cases})
    np.random.default_rng(seed).shuffle(diseases)
    return {disease: i % FOLDS for i, disease in enumerate(diseases)}


def cross_validate(
    index: SymptomIndex, cases: Sequence[dict[str, Any]], seed: int
) -> tuple[list[Rank | None], list[dict[str, float]]]:
    """Grouped by disease: each fold's cases ranked with the grid's best weights on the other folds."""
    per_params = [rank_cases(index, cases, healthqa(index, params)) for params in GRID]
    fold = disease_folds(cases, seed)
    result: list[Rank | None] = [None] * len(cases)
    chosen = []
    for f in range(FOLDS):
        train = [i for i, case in enumerate(cases) if fold[case["orpha"]] != f]
        best = max(range(len(GRID)), key=lambda g: metrics([per_params[g][i] for i in train])["mrr"])
        chosen.append(dataclasses.asdict(GRID[best]))
        for i, case in enumerate(cases):
            if fold[case["orpha"]] == f:
                result[i] = per_params[best][i]
    return result, chosen


def leaked(cases: Sequence[dict[str, Any]]) -> list[bool]:
    """Whether each case's publication is a reference of its OMIM disease's annotations in phenotype.hpoa."""
    hpoa = read_hpoa()
    flags = []
    for case in cases:
        parts = case["id"].split("_")
        pmid = f"PMID:{parts[1]}" if parts[0] == "PMID" and len(parts) > 1 else ""
        flags.append(bool(pmid) and any(pmid in a.reference.split(";") for a in hpoa.get(case["omim"], ())))
    return flags


def check_api_path(index: SymptomIndex, cases: Sequence[dict[str, Any]], count: int = 20) -> int:
    """The first ``count`` cases through run_symptom_query: the same first disorder as the ranking's."""
    agree = 0
    for case in cases[:count]:
        found = run_symptom_query(index, SymptomQuery("", hpo=tuple(case["terms"]), top=1)).result.diseases
        _, scores = index.ranking(case["terms"])
        agree += bool(found) and found[0].orpha == index.orpha[int(np.argmax(scores))]
    return agree


@dataclasses.dataclass(frozen=True)
class Variant:
    """The shipped scorer's weights and one change that tunes nothing on a disease (the defaults: none)."""

    specific: float = DEFAULTS.specific
    noise: float = DEFAULTS.noise
    absent: float = DEFAULTS.absent
    prior: float = 0.0  # - prior * log(features / median features)
    floor: float = 0.0  # P(q | d) from max(frequency, floor)
    power: float = 1.0  # P(q | d) from frequency ** power
    unknown: float = DEFAULT_FREQUENCY  # the frequency of a feature no source gives one for
    noisy_or: bool = False  # P(q | d) = 1 - prod(1 - f k) over the features instead of the best one
    temper: float = 1.0  # partial credit (p(q) / p(a)) ** temper instead of p(q) / p(a)
    relative: float = 0.0  # noise = relative * mean over disorders of P(q | d), instead of the constant


BASE_GRID = [Variant(specific=sp, noise=no, absent=ab)
             for sp, no, ab in itertools.product((0.3, 1.0), (0.001, 0.01), (0.1, 0.3))]
FAMILIES: dict[str, list[Variant]] = {
    "prior": [dataclasses.replace(b, prior=v) for b in BASE_GRID for v in (0.25, 0.5, 1.0)],
    "floor": [dataclasses.replace(b, floor=v) for b in BASE_GRID for v in (0.05, 0.15)],
    "power": [dataclasses.replace(b, power=v) for b in BASE_GRID for v in (0.5, 0.0)],
    "unknown": [dataclasses.replace(b, unknown=v) for b in BASE_GRID for v in (0.25, 0.8)],
    "noisy_or": [dataclasses.replace(b, noisy_or=True) for b in BASE_GRID],
    "temper": [dataclasses.replace(b, temper=v) for b in BASE_GRID for v in (0.5, 0.25)],
    "relative": [Variant(specific=sp, relative=c, absent=ab)
                 for sp, c, ab in itertools.product((0.3, 1.0), (0.01, 0.03, 0.1, 0.3), (0.1, 0.3))],
}


def _kernel(index: SymptomIndex, term: str, specific: float, temper: float) -> tuple[np.ndarray, np.ndarray]:
    """SymptomIndex.kernel with the IC differences multiplied by ``temper`` (1: the same)."""
    if temper == 1.0:
        return index.kernel(term, Params(specific=specific, similar=DEFAULTS.similar))
    mica = index.mica_ic(term)
    column = index.universe_index.get(term)
    own_ic = float(index.ic[column]) if column is not None else float(mica.max(initial=0.0))
    vector = DEFAULTS.similar * np.exp(temper * np.minimum(mica - own_ic, 0.0))
    above = np.zeros(len(index.terms), dtype=bool)
    for ancestor in index.hpo.ancestors(term) - {term}:
        if ancestor in index.term_index:
            above[index.term_index[ancestor]] = True
    partial = specific * np.exp(temper * np.minimum(index.term_ic - own_ic, 0.0))
    vector = np.where(above, np.maximum(vector, partial), vector)
    below = np.zeros(len(index.terms), dtype=bool)
    if column is not None:
        below = index.ancestor_matrix[:, column].toarray().ravel() > 0
    return np.where(below, 1.0, vector), below | above | (mica >= EXPLAINED_IC)


def variant_ranks(index: SymptomIndex, cases: Sequence[dict[str, Any]], variants: Sequence[Variant]
                  ) -> dict[Variant, list[Rank | None]]:
    """Every variant's rank of each case; the kernels are computed once per (specific, temper) and case."""
    position = {code: i for i, code in enumerate(index.orpha)}
    starts = index.disease_start
    counts = np.diff(np.append(starts, len(index.annotation_term))).astype(float)
    undated = np.zeros(len(index.annotation_term), dtype=bool)
    for d, document_id in enumerate(index.document_ids):
        for j in range(int(starts[d]), int(starts[d] + counts[d])):
            undated[j] = index.terms[index.annotation_term[j]] in index._unknown_frequency[document_id]
    out: dict[Variant, list[Rank | None]] = {v: [None] * len(cases) for v in variants}
    by_kernel: dict[tuple[float, float], list[Variant]] = {}
    for v in variants:
        by_kernel.setdefault((v.specific, v.temper), []).append(v)
    for (specific, temper), group in by_kernel.items():
        for i, case in enumerate(cases):
            truth = position.get(case["orpha"].removeprefix("ORPHA:"))
            terms = index.query_terms(case["terms"])
            if truth is None or not terms:
                continue
            kernels, explained = [], np.zeros(len(index.annotation_term), dtype=bool)
            for term in terms:
                vector, explains = _kernel(index, term, specific, temper)
                kernels.append(vector[index.annotation_term])
                explained |= explains[index.annotation_term]
            for v in group:
                frequency = np.where(undated, v.unknown, index.annotation_frequency)
                weight = np.maximum(frequency, v.floor) ** v.power
                total = np.zeros(len(index))
                for k in kernels:
                    if v.noisy_or:
                        chance = -np.expm1(np.add.reduceat(np.log1p(-np.minimum(k * weight, 0.999)), starts))
                    else:
                        chance = np.maximum.reduceat(k * weight, starts)
                    chance = chance + (v.relative * chance.mean() if v.relative else v.noise)
                    total += np.log(chance / chance.mean())
                total += np.add.reduceat(np.log1p(-v.absent * frequency * ~explained), starts)
                total -= v.prior * np.log(counts / np.median(counts))
                out[v][i] = rank_of(total, truth)
    return out


def grouped_cv(ranks: dict[Variant, list[Rank | None]], grid: Sequence[Variant], cases: Sequence[dict[str, Any]],
               seed: int) -> tuple[list[Rank | None], list[dict[str, Any]]]:
    """Each fold's cases ranked by the grid's variant with the best MRR on the other folds (split by disease)."""
    fold = disease_folds(cases, seed)
    result: list[Rank | None] = [None] * len(cases)
    chosen = []
    for f in range(FOLDS):
        train = [i for i, case in enumerate(cases) if fold[case["orpha"]] != f]
        best = max(grid, key=lambda v: metrics([ranks[v][i] for i in train])["mrr"])
        chosen.append({k: x for k, x in dataclasses.asdict(best).items() if x != getattr(Variant(), k)})
        for i, case in enumerate(cases):
            if fold[case["orpha"]] == f:
                result[i] = ranks[best][i]
    return result, chosen


def variants_report(index: SymptomIndex, cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every family's grouped-CV figures beside the base grid's (module docstring)."""
    flags = leaked(cases)
    wanted = list(dict.fromkeys([*BASE_GRID, *(v for family in FAMILIES.values() for v in family)]))
    ranks = variant_ranks(index, cases, wanted)
    report: dict[str, Any] = {"in_sample_shipped": metrics(ranks[Variant()])}
    for name, family in [("none", []), *FAMILIES.items()]:
        for seed in (0, 1, 2):
            cv, chosen = grouped_cv(ranks, [*BASE_GRID, *family], cases, seed)
            report[f"{name}/seed{seed}"] = {
                "all": metrics(cv), "not_annotated": metrics([r for r, f in zip(cv, flags, strict=True) if not f]),
                "chosen_per_fold": chosen,
            }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0, help="the fold split")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--variants", action="store_true", help="score the variant families (module docstring)")
    args = parser.parse_args()
    for path in (args.cases, args.data):
        if not path.is_file():
            sys.exit(f"{path}: missing")
    start = time.perf_counter()
    hpo = load_hpo()
    cases = load_cases(args.cases)
    documents = orphanet.read(args.data)
    exact = read_exact_omim(args.data)
    index = SymptomIndex.from_documents(documents, hpo, cache_size=8192, exact_omim=exact)
    if args.variants:
        text = json.dumps({"benchmark": "phenopackets-dev-cases-variants", "cases": len(cases),
                           **variants_report(index, cases), "seconds": round(time.perf_counter() - start, 1)}, indent=2)
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")
        print(text)
        return
    plain = SymptomIndex.from_documents(documents, hpo, cache_size=8192, merge=False)
    gained = index.gained()
    result: dict[str, Any] = {
        "benchmark": "phenopackets-dev-cases", "cases": len(cases), "diseases": len({c["orpha"] for c in cases}),
        "disorders_ranked": len(index), "disorders_orphanet_only": len(plain),
        "merge": {"disorders_gaining_features": gained[0], "features_gained": gained[1]},
        "hpo_version": hpo.version, "scorer": dataclasses.asdict(DEFAULTS),
        "api_path_agrees_on_first": f"{check_api_path(index, cases)}/20",
    }
    ranks = rank_cases(index, cases, healthqa(index))
    result["in_sample"] = metrics(ranks)
    cv, chosen = cross_validate(index, cases, args.seed)
    result["cross_validated"] = {**metrics(cv), "chosen_per_fold": chosen}
    result["resnik"] = metrics(rank_cases(index, cases, functools.partial(resnik_scores, index)))
    result["resnik_orphanet_only"] = metrics(rank_cases(plain, cases, functools.partial(resnik_scores, plain)))
    result["orphanet_only"] = metrics(rank_cases(plain, cases, healthqa(plain)))
    for name, variant in (
        ("orpha_annotations_only", SymptomIndex.from_documents(documents, hpo, cache_size=8192)),
        ("omim_exact_and_broader", SymptomIndex.from_documents(
            documents, hpo, cache_size=8192,
            exact_omim={dict(d.codes).get("ORPHA", ""): [c for s, c in d.codes if s == "OMIM"] for d in documents},
        )),
    ):
        result[name] = {"disorders_ranked": len(variant), **metrics(rank_cases(variant, cases, healthqa(variant)))}
    flags = leaked(cases)
    resnik = rank_cases(index, cases, functools.partial(resnik_scores, index))
    result["by_leakage"] = {
        name: {"cases": sum(f == wanted for f in flags),
               "healthqa_cv": metrics([r for r, f in zip(cv, flags, strict=True) if f == wanted]),
               "resnik": metrics([r for r, f in zip(resnik, flags, strict=True) if f == wanted])}
        for name, wanted in (("case_publication_annotated", True), ("case_publication_not_annotated", False))
    }
    result["seconds"] = round(time.perf_counter() - start, 1)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
