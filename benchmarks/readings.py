"""How `ask` reads every distinct LiveQA and MEDIQA question text: type, phrased type, types in order, emergency.

A change to the question reading (cue lists, phrasings, the template reader) should move only the texts it means
to. Write the readings of two versions of the code and compare them:

    python benchmarks/readings.py --db /var/lib/healthqa/healthqa.db --out /tmp/after.jsonl
    PYTHONPATH=<worktree of the base commit>/src python benchmarks/readings.py --db ... --out /tmp/before.jsonl
    python benchmarks/readings.py --compare /tmp/before.jsonl /tmp/after.jsonl

Texts are the message, subject, question and summary fields of every XML file under the data folder's
``liveqa-med-2017`` and ``mediqa-2019`` (about 9,200 distinct texts). Reading needs the knowledge base only for
its names. Nothing is fitted; the output is one JSON object a line, keyed by the text.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path

from healthqa.answer.answerer import Answerer
from healthqa.store.sqlite import SQLiteStore
from healthqa.understand import emergency_cue

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_FIELDS = re.compile(r"<(MESSAGE|SUBJECT|QuestionText|chq|faq|NLM-Summary)[^>]*>(.*?)</\1>", re.S | re.I)


def question_texts(data: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Every distinct non-empty question field of the LiveQA and MEDIQA XML files (but those whose file name holds a
    word of ``skip``), sorted."""
    texts: set[str] = set()
    for folder in ("liveqa-med-2017", "mediqa-2019"):
        for path in sorted((data / folder).rglob("*.xml")):
            if any(word in path.name for word in skip):
                continue
            for match in _FIELDS.finditer(path.read_text(encoding="utf-8", errors="replace")):
                text = html.unescape(match.group(2)).strip()
                if text:
                    texts.add(text)
    return sorted(texts)


def write_readings(db: Path, data: Path, out: Path) -> int:
    answerer = Answerer.prepared(SQLiteStore(db))
    with out.open("w", encoding="utf-8") as sink:
        texts = question_texts(data)
        for text in texts:
            understood = answerer.understand(text)
            cue = emergency_cue(text)
            sink.write(json.dumps({
                "text": text, "qtype": understood.qtype.value,
                "phrased": bool(understood.type_phrased),
                "qtypes": [qtype.value for qtype in understood.qtypes],
                "emergency": cue,
            }) + "\n")
    return len(texts)


def compare(before: Path, after: Path) -> int:
    """Prints every text read differently; returns how many."""
    def load(path: Path) -> dict[str, dict[str, object]]:
        return {row["text"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}

    old, new = load(before), load(after)
    changed = 0
    for text in sorted(old.keys() & new.keys()):  # (also compares two runs of ask_shown.py)
        if old[text] != new[text]:
            changed += 1
            differing = {key: (old[text][key], new[text][key]) for key in new[text]
                         if key != "text" and old[text].get(key) != new[text][key]}
            print(json.dumps({"text": text[:300], "changes": differing}))
    print(f"{changed} of {len(old.keys() & new.keys())} texts read differently", file=sys.stderr)
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a knowledge base (for its names)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return
    if not (args.db and args.out):
        parser.error("--db and --out are needed to write readings (or --compare BEFORE AFTER)")
    count = write_readings(args.db, args.data, args.out)
    print(f"{count} texts read into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
