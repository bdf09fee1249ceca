"""What `ask` shows (top 5) for every distinct LiveQA and MEDIQA question text (not RQE): passage ids, type, structured
items, abstention. A change to what `ask` shows beyond the ranking (trust floors, which pages answer) should move only
the questions it means to; `Answerer.rank_ids`, which the LiveQA figures read, does not see such changes.

    python benchmarks/ask_shown.py --db /var/lib/healthqa/healthqa.db --out /tmp/after.jsonl
    PYTHONPATH=<worktree of the base commit>/src python benchmarks/ask_shown.py --db ... --out /tmp/before.jsonl
    python benchmarks/readings.py --compare /tmp/before.jsonl /tmp/after.jsonl

About 1,030 texts, a minute on two cores. Nothing is fitted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from healthqa.answer.answerer import Answerer
from healthqa.store.sqlite import SQLiteStore
from readings import DEFAULT_DATA, question_texts


def write_shown(db: Path, data: Path, out: Path) -> int:
    answerer = Answerer.prepared(SQLiteStore(db))
    texts = question_texts(data, skip=("rqe",))
    with out.open("w", encoding="utf-8") as sink:
        for text in texts:
            answer = answerer.ask(text, top=5)
            sink.write(json.dumps({
                "text": text, "ids": [item.id for item in answer.answers], "type": answer.type,
                "structured": [item.kind for item in answer.structured], "abstained": answer.abstained,
            }) + "\n")
    return len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a knowledge base")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    count = write_shown(args.db, args.data, args.out)
    print(f"{count} texts answered into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
