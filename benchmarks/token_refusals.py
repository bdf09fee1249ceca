"""How often the admin-token check refuses a token that ``secrets`` made (it must be next to never).

    python benchmarks/token_refusals.py [--tokens 1000000]

Prints, for ``secrets.token_hex(16)`` (exactly 128 bits, the least accepted) and ``secrets.token_urlsafe(32)``,
how many of N fresh tokens :func:`healthqa.config.token_bits` scores below ``MIN_TOKEN_BITS``, and the first few.
"""
from __future__ import annotations

import argparse
import secrets
from multiprocessing import Pool

from healthqa.config import MIN_TOKEN_BITS, token_bits


def _refused(job: tuple[str, int]) -> tuple[str, list[tuple[str, float]]]:
    kind, count = job
    refused = []
    for _ in range(count):
        token = secrets.token_hex(16) if kind == "hex" else secrets.token_urlsafe(32)
        bits = token_bits(token)
        if bits < MIN_TOKEN_BITS:
            refused.append((token, bits))
    return kind, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    share = args.tokens // args.processes
    jobs = [(kind, share) for kind in ("hex", "urlsafe") for _ in range(args.processes)]
    totals: dict[str, list[tuple[str, float]]] = {"hex": [], "urlsafe": []}
    with Pool(args.processes) as pool:
        for kind, refused in pool.map(_refused, jobs):
            totals[kind].extend(refused)
    for kind, refused in totals.items():
        print(f"{kind}: {len(refused)} of {share * args.processes} refused {refused[:5]}")


if __name__ == "__main__":
    main()
