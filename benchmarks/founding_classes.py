"""Issue 16's four founding-document classes on own wordings: does each question get what its class asks?

- ``brand``: the drug-table row of the brand or generic it names (a structured item of kind "drug");
- ``tests``: a passage typed "exams and tests" first;
- ``support``: the support organisations (structured items of kind "organisation");
- ``complications``: a passage typed "complications" first.

The knowledge base must hold the founding documents' saved pages (``../shared/seeds``), as the one
``scripts/start`` builds does. Questions come one a line as ``CLASS<TAB>question`` (``#`` starts a comment);
``benchmarks/data/founding_fresh.txt`` says how its batches were written and used.

    python benchmarks/founding_classes.py --db /var/lib/healthqa/healthqa.db [--questions FILE]

Prints each miss and a JSON summary per class and per batch.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from healthqa.answer.answerer import Answer, Answerer
from healthqa.records import SectionType
from healthqa.store.sqlite import SQLiteStore

DEFAULT_QUESTIONS = Path(__file__).parent / "data" / "founding_fresh.txt"


# Questions of other kinds ("other:KIND"): the passage type each asks first. "daily living" asks no one type, and no
# ingested page holds a frequency passage about LEMS: those are met when the question is not read as one of the
# founding classes' types.
OTHER_KINDS = {"definition": SectionType.INFORMATION, "symptoms": SectionType.SYMPTOMS, "causes": SectionType.CAUSES,
               "treatment": SectionType.TREATMENT, "outlook": SectionType.OUTLOOK,
               "inheritance": SectionType.INHERITANCE, "frequency": None,
               "research": SectionType.RESEARCH, "daily living": None}
FOUNDING_TYPES = {SectionType.EXAMS_AND_TESTS.value, SectionType.SUPPORT_GROUPS.value,
                  SectionType.COMPLICATIONS.value}


def meets(kind: str, answer: Answer) -> bool:
    """Whether ``answer`` gives what a question of class ``kind`` asks for."""
    structured = {item.kind for item in answer.structured}
    first = answer.answers[0].section if answer.answers else ""
    if kind == "brand":
        return "drug" in structured
    if kind == "tests":
        return first == SectionType.EXAMS_AND_TESTS.value
    if kind == "support":
        return "organisation" in structured
    if kind == "complications":
        return first == SectionType.COMPLICATIONS.value
    if kind.startswith("other:"):
        asked = OTHER_KINDS.get(kind.removeprefix("other:"))
        if asked is None:
            return answer.type not in FOUNDING_TYPES
        return first == asked.value
    raise ValueError(f"unknown class {kind!r}: expected brand, tests, support, complications or other:KIND")


def read_questions(path: Path) -> list[tuple[str, str, str]]:
    """(batch, class, question) of every line; the batch is the last "# batch ..." comment above it."""
    found, batch = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# batch"):
            batch = line[2:].strip()
        if not line.strip() or line.startswith("#"):
            continue
        kind, _, question = line.partition("\t")
        if not question:
            raise ValueError(f"{path}: {line!r} is not CLASS<TAB>question")
        found.append((batch, kind.strip(), question.strip()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a knowledge base holding the founding documents")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    args = parser.parse_args()
    answerer = Answerer.prepared(SQLiteStore(args.db))
    by_class: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_batch: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for batch, kind, question in read_questions(args.questions):
        answer = answerer.ask(question, top=3)
        ok = meets(kind, answer)
        # A batch's figure counts the four founding classes only, as it did before other kinds were written.
        tallies = [by_class[kind]] if kind.startswith("other:") else [by_class[kind], by_batch[batch]]
        for tally in tallies:
            tally[0] += ok
            tally[1] += 1
        if not ok:
            first = answer.answers[0].section if answer.answers else "nothing"
            print(f"miss ({batch}, {kind}): {question!r} read as {answer.type}; first passage: {first}")
    print(json.dumps({"classes": {k: f"{v[0]}/{v[1]}" for k, v in by_class.items()},
                      "batches": {k: f"{v[0]}/{v[1]}" for k, v in by_batch.items()}}, indent=1))


if __name__ == "__main__":
    main()
