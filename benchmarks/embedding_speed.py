"""Embedding passages: the float32 ONNX graph (what ``Encoder.encode`` runs) against the torch model it was
exported from (``Encoder._encode_torch``, what ``encode`` ran before session 18), in one process.

    nice .venv/bin/python benchmarks/embedding_speed.py [--passages 4000] [--repeats 3]

Passages are MedQuAD answers, as ``build_vectors`` embeds them (64 word pieces, batches of 64). The two paths run
alternately, ``--repeats`` times each, after a warm-up of both; the figure is the median and the ratio of the
medians. Also reported: how far the two paths' vectors are apart, and the seconds a fresh process spends before
it can embed (importing torch and sentence-transformers and loading the model, against opening the cached graph).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from healthqa.retrieve.encoder import default_encoder

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
_ANSWER = re.compile(r"<Answer>(.*?)</Answer>", re.S)
_FIRST_VECTOR = {
    "graph": "from healthqa.retrieve.encoder import Encoder; Encoder().encode(['a passage'] * 20)",
    "torch": "from healthqa.retrieve.encoder import Encoder; Encoder()._encode_torch(['a passage'] * 20)",
}


def passages(folder: Path, count: int) -> list[str]:
    found: list[str] = []
    for path in sorted(folder.rglob("*.xml")):
        answers = _ANSWER.findall(path.read_text(encoding="utf-8", errors="ignore"))
        found += [text for text in (" ".join(m.split()) for m in answers) if text]  # some sources ship none
        if len(found) >= count:
            break
    return found[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--passages", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts = passages(args.data / "medquad", args.passages)
    encoder = default_encoder()
    encoder.encode(texts[:64], max_tokens=64)
    encoder._encode_torch(texts[:64], max_tokens=64)
    seconds: dict[str, list[float]] = {"graph": [], "torch": []}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.repeats):
        for name, run in (("graph", encoder.encode), ("torch", encoder._encode_torch)):
            start = time.perf_counter()
            vectors[name] = run(texts, batch_size=64, max_tokens=64)
            seconds[name].append(time.perf_counter() - start)
    starts: dict[str, list[float]] = {"graph": [], "torch": []}
    for _ in range(args.repeats):
        for name, code in _FIRST_VECTOR.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
            starts[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in seconds.items()}
    first = {name: statistics.median(values) for name, values in starts.items()}
    print(json.dumps({
        "passages": len(texts),
        "seconds": {name: [round(s, 2) for s in values] for name, values in seconds.items()},
        "median_seconds": {name: round(value, 2) for name, value in median.items()},
        "passages_per_second": {name: round(len(texts) / value) for name, value in median.items()},
        "torch_over_graph": round(median["torch"] / median["graph"], 2),
        "largest_difference": float(np.abs(vectors["graph"] - vectors["torch"]).max()),
        "lowest_cosine": float((vectors["graph"] * vectors["torch"]).sum(axis=1).min()),
        "fresh_process_to_first_20_vectors_seconds": {
            name: [round(s, 2) for s in values] for name, values in starts.items()},
        "fresh_process_median": {name: round(value, 2) for name, value in first.items()},
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
