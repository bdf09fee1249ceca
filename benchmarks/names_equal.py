"""The name index mapped from a generation's derived part (``names``) reads questions exactly as the one every
process built in memory before, and as the same index built in memory now.

Questions: the 52 LiveQA dev questions in both wordings (the consumer's original and NLM's summary) and every
question-like string of ``tests/answer``. Three runs over one knowledge base:

- ``legacy``: healthqa as of ``--legacy-commit`` (its ``src`` read with ``git archive`` into a temporary folder
  and run in a subprocess), through ``Answerer(store, in_memory=True)``: each question's ``understand`` result
  and answer JSON;
- ``mapped``: the same with this tree's code (the name index read from ``<db>.derived``: built there first if
  missing);
- in this process, ``NameIndex`` built in memory (``HEALTHQA_DERIVED=off``) against the mapped one: ``find`` of
  every question and of every ``--typos`` names (a seeded draw) with one typo injected, and of the names as
  written.

Writes into ``<db>.derived``: run it on a copy of a knowledge base.

    nice python benchmarks/names_equal.py --kb /tmp/copy/kb.db
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def questions(data: Path) -> list[str]:
    from _common import load_liveqa_dev

    found: list[str] = []
    for question in load_liveqa_dev(data):
        found += [question.original, question.nlm_summary]
    for path in sorted((ROOT / "tests" / "answer").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and "?" in node.value
                    and 8 <= len(node.value) <= 400 and len(node.value.split()) >= 2):
                found.append(node.value)
    return list(dict.fromkeys(q for q in found if q.strip()))


def _plain(value: Any) -> Any:
    """JSON-able, with sets sorted (their order is no part of the result)."""
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if hasattr(value, "value") and hasattr(value, "name"):  # an enum
        return value.value
    return value


def dump(kb: Path, data: Path, out: Path) -> None:
    """Each question's understanding and answer through this interpreter's healthqa (legacy or this tree)."""
    from healthqa.answer.answerer import Answerer
    from healthqa.store import open_store

    store = open_store(str(kb))
    answerer = Answerer(store, in_memory=True)
    results = []
    for question in questions(data):
        results.append({"question": question, "understood": _plain(answerer.understand(question)),
                        "answer": _plain(answerer.ask(question).to_json())})
    out.write_text(json.dumps(results, sort_keys=True), encoding="utf-8")
    store.close()


def _typo(key: str, draw: random.Random) -> str:
    words = key.split(" ")
    long_enough = [i for i, w in enumerate(words) if len(w) >= 4]
    if not long_enough:
        return key
    at = draw.choice(long_enough)
    word = words[at]
    i = draw.randrange(len(word))
    letter = draw.choice("abcdefghijklmnopqrstuvwxyz")
    edits = [word[:i] + word[i + 1:], word[:i] + letter + word[i + 1:], word[:i] + letter + word[i:]]
    if i + 1 < len(word):
        edits.append(word[:i] + word[i + 1] + word[i] + word[i + 2:])
    words[at] = draw.choice(edits)
    return " ".join(words)


def compare_indexes(kb: Path, data: Path, typos: int) -> dict[str, Any]:
    from healthqa.answer.answerer import name_index
    from healthqa.retrieve import derived
    from healthqa.store import open_store
    from healthqa.understand import understand

    store = open_store(str(kb))
    os.environ[derived.SWITCH] = "off"
    memory = name_index(store)
    del os.environ[derived.SWITCH]
    mapped = name_index(store)
    draw = random.Random(19)
    keys = sorted(memory._names)  # the benchmark reads every name the index knows
    drawn = draw.sample(keys, min(typos, len(keys)))
    texts = {"questions": questions(data), "names": [memory._display[k] for k in drawn],
             "typos": [_typo(k, draw) for k in drawn]}
    texts["typos in a sentence"] = [f"my mother has {t}, what can we do?" for t in texts["typos"]]
    report: dict[str, Any] = {"names known (memory, mapped)": [len(keys), len(mapped)]}
    differences: list[dict[str, Any]] = []
    for label, batch in texts.items():
        same = 0
        for text in batch:
            left, right = _plain(memory.find(text)), _plain(mapped.find(text))
            if label == "questions":
                left = [left, _plain(understand(text, memory))]
                right = [right, _plain(understand(text, mapped))]
            if left == right:
                same += 1
            else:
                differences.append({"text": text, "memory": left, "mapped": right})
        report[label] = f"{same} of {len(batch)} identical"
        report[f"{label}: with a match"] = sum(bool(memory.find(text)) for text in batch)
    # The corpus word test as the mapped index answers it (saved terms, else the store) and as the store does.
    words = sorted({word.strip("'") for batch in texts.values() for text in batch
                    for word in re.findall(r"[a-z0-9']+", text.lower()) if len(word.strip("'")) >= 4})
    saved, asked = mapped._known_word, memory._known_word
    assert saved is not None and asked is not None
    agree = sum(saved(word) == asked(word) for word in words)
    report["corpus word test (mapped, store)"] = f"{agree} of {len(words)} words agree"
    report["differences"] = differences[:20]
    report["find ms per question (memory, mapped)"] = _find_timing(memory, mapped, texts["questions"])
    store.close()
    return report


def _find_timing(memory: Any, mapped: Any, batch: list[str]) -> dict[str, Any]:
    """p50 and p95 of one ``find`` per question, each index fresh from its own cache of corrections."""
    timings: dict[str, Any] = {}
    for label, index in (("memory", memory), ("mapped", mapped)):
        index._corrected.clear()  # time the corrections too, as a new process would
        spent = []
        for text in batch:
            start = time.perf_counter()
            index.find(text)
            spent.append((time.perf_counter() - start) * 1000)
        spent.sort()
        timings[label] = {"p50": round(spent[len(spent) // 2], 3), "p95": round(spent[int(len(spent) * 0.95)], 3)}
    return timings


def main() -> None:
    from _common import DEFAULT_DATA

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, required=True, help="a copy of a knowledge base (its .derived is written)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--legacy-commit", default="HEAD")
    parser.add_argument("--typos", type=int, default=3000)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)  # the subprocess of one run
    args = parser.parse_args()
    if args.dump:
        dump(args.kb, args.data, args.dump)
        return
    with tempfile.TemporaryDirectory() as folder:
        legacy_src = Path(folder) / "legacy"
        legacy_src.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.legacy_commit, "src"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(legacy_src)], input=archive, check=True)
        runs: dict[str, list[dict[str, Any]]] = {}
        for label, path in (("legacy", str(legacy_src / "src")), ("mapped", str(ROOT / "src"))):
            out = Path(folder) / f"{label}.json"
            environment = {**os.environ, "PYTHONPATH": path}
            subprocess.run([sys.executable, __file__, "--kb", str(args.kb), "--data", str(args.data),
                            "--dump", str(out)], check=True, env=environment)
            runs[label] = json.loads(out.read_text(encoding="utf-8"))
    pairs = list(zip(runs["legacy"], runs["mapped"], strict=True))
    report: dict[str, Any] = {
        "questions": len(pairs),
        "understand identical (legacy, mapped)": sum(a["understood"] == b["understood"] for a, b in pairs),
        "answer JSON identical (legacy, mapped)": sum(a["answer"] == b["answer"] for a, b in pairs),
        "questions with a focus": sum(bool(a["understood"]["focus"]) for a, _ in pairs),
        "answered (not abstained)": sum(not a["answer"]["abstained"] for a, _ in pairs),
        "differing questions": [a["question"] for a, b in pairs if a != b][:10],
    }
    report["in memory against mapped"] = compare_indexes(args.kb, args.data, args.typos)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
