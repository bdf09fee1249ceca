"""Real patients (issue 18): the shipped second stage's nested CV on the dev cases, per case and per disease.

The held-out set of issue 18 has 194 cases of 76 diseases (2.6 a disease); the dev file has 513 of 89 (5.8 a
disease, most with 10). A figure over cases weighs a disease by its number of cases; this prints, beside it,
the mean over diseases of each disease's figure ("macro"), the cases of diseases with at most 3 cases and with
more, and the share of cases whose publication ``phenotype.hpoa`` cites (``phenopackets.leaked``) in each: a
guess at how the dev figures carry to a set with fewer cases a disease. Fitted on: the outer training folds
(penalty and depth chosen inside them), as ``benchmarks/symptoms_rerank.py``; measured on: the held-out folds.

    nice .venv/bin/python benchmarks/symptoms_by_disease.py --cache /tmp/h18r/features.npz [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import symptoms_rerank
from phenopackets import DEFAULT_CASES, Rank, leaked, load_cases, metrics

SHIPPED_FEATURES = symptoms_rerank.ABLATIONS["without_log_features_sources_and_siblings"]
SMALL = 3


def by_disease(cases: Sequence[dict[str, Any]], ranks: Sequence[Rank | None],
               flags: Sequence[bool]) -> dict[str, Any]:
    """Per case, per disease (the mean of each disease's figures), and split by the disease's number of cases."""
    grouped: dict[str, list[Rank | None]] = defaultdict(list)
    for case, rank in zip(cases, ranks, strict=True):
        grouped[case["orpha"]].append(rank)
    per_disease = [metrics(group) for group in grouped.values()]
    macro = {key: round(float(np.mean([m[key] for m in per_disease])), 3) for key in ("top1", "top10", "mrr")}
    result: dict[str, Any] = {"per_case": metrics(ranks), "per_disease": macro}
    for label, keep in ((f"diseases_with_at_most_{SMALL}_cases", True), ("diseases_with_more", False)):
        chosen = [i for i, case in enumerate(cases) if (len(grouped[case["orpha"]]) <= SMALL) is keep]
        result[label] = {"cases": len(chosen), "publication_cited": sum(flags[i] for i in chosen),
                         **metrics([ranks[i] for i in chosen])}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="features saved here, read back when present")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    cases = load_cases(DEFAULT_CASES)
    data = symptoms_rerank.cached_features(cases, args.cache)
    flags = leaked(cases)
    report: dict[str, Any] = {"scorer": by_disease(cases, symptoms_rerank.as_ranks(data["shipped"]), flags)}
    for seed in args.seeds:
        ranks, _ = symptoms_rerank.nested_cv(symptoms_rerank.with_features(data, SHIPPED_FEATURES), cases,
                                             "conditional_logit", seed)
        report[f"second_stage/seed{seed}"] = by_disease(cases, ranks, flags)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
