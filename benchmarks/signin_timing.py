"""How long a failed sign-in takes for an email with an account and for one without (issue 20: nobody may tell
which emails have accounts), with argon2-cffi's default argon2id parameters as the server uses them.

Library calls on a community file in a temporary folder (no HTTP: its cost is the same for both), alternating
known and unknown emails, ``--tries`` each (a different account each time), after a warm-up. Prints one JSON
object: medians and p90s in ms.

    nice .venv/bin/python benchmarks/signin_timing.py --tries 40
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from pathlib import Path

from healthqa.community import Community
from healthqa.errors import SignInFailedError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=40)
    args = parser.parse_args()
    community = Community.open(Path(tempfile.mkdtemp(prefix="signin-")) / "people.db")
    for number in range(args.tries + 2):  # one account per try: none reaches the per-account throttle
        community.accounts.sign_up(f"ann{number}@example.org", f"Ann {number}", "correct horse battery", True, "x")
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for number in range(args.tries + 2):
        for kind, email in (("known", f"ann{number}@example.org"), ("unknown", f"nobody{number}@example.org")):
            started = time.perf_counter()
            with contextlib.suppress(SignInFailedError):
                community.accounts.sign_in(email, "not the password", f"10.0.{number}.1")
            if number >= 2:  # the first two rounds warm up
                timings[kind].append((time.perf_counter() - started) * 1000)
    result = {kind: {"median_ms": round(statistics.median(values), 1),
                     "p90_ms": round(sorted(values)[int(len(values) * 0.9)], 1), "tries": len(values)}
              for kind, values in timings.items()}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
