"""Where the LiveQA dev judgments come from, by MedQuAD collection, next to healthqa's top 10.

The qrels judge only the answers the 2017 systems returned. This script counts, per collection (the
prefix of the public id: ADAM, GARD, GHR, ...), the passages of the knowledge base, the judged answers,
those judged 3-4, and healthqa's top-10 answers with how many of them were never judged, from the TREC run
``benchmarks/liveqa.py`` writes. It explains the lower bounds: a collection the 2017 pool seldom reached
counts as wrong wherever healthqa quotes it.

    python benchmarks/liveqa.py            # writes benchmarks/.cache/liveqa-healthqa.trec
    python benchmarks/liveqa_pool.py [--run benchmarks/.cache/liveqa-healthqa.trec] [--kb ...] [--data ...]

Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from _common import CACHE, DEFAULT_DATA, DEFAULT_KB, RELEVANT, build_kb, load_qrels


def collection(public_id: str) -> str:
    return public_id.split("_", 1)[0]


def read_run(path: Path) -> dict[int, list[str]]:
    """A TREC run file (``N Q0 ID RANK SCORE TAG``) as each question's ids in rank order."""
    run: dict[int, list[tuple[int, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        number, _, answer_id, rank, *_ = line.split()
        run.setdefault(int(number), []).append((int(rank), answer_id))
    return {n: [answer_id for _, answer_id in sorted(ranked)] for n, ranked in run.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, default=CACHE / "liveqa-healthqa.trec")
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    if not args.run.is_file():
        sys.exit(f"{args.run}: no run file; run benchmarks/liveqa.py first")
    store = build_kb(args.kb, args.data, vectors=False)
    qrels = load_qrels(args.data / "liveqa-med-2017" / "qrels-medquad-dev.txt")
    run = read_run(args.run)

    in_kb = Counter(collection(p.public_id) for p in store.iter_passages())
    judged = Counter(collection(a) for answers in qrels.values() for a in answers)
    relevant = Counter(collection(a) for answers in qrels.values() for a, g in answers.items() if g >= RELEVANT)
    listed = Counter(collection(a) for ranked in run.values() for a in ranked[:10])
    unjudged = Counter(collection(a) for n, ranked in run.items() for a in ranked[:10] if a not in qrels.get(n, {}))
    rows = {
        name: {
            "kb_passages": in_kb[name], "judged": judged[name], "judged_3_4": relevant[name],
            "healthqa_top10": listed[name], "healthqa_top10_unjudged": unjudged[name],
        }
        for name in sorted(in_kb, key=lambda name: -judged[name])
    }
    print(json.dumps({
        "run": str(args.run), "questions": len(run),
        "judged_answers": sum(judged.values()), "judged_3_4": sum(relevant.values()),
        "top10_answers": sum(listed.values()), "top10_unjudged": sum(unjudged.values()),
        "by_collection": rows,
    }, indent=2))


if __name__ == "__main__":
    main()
