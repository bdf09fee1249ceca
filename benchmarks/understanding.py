"""Question understanding on the LiveQA 2017 training questions: focus and question type.

The 446 training messages (none of them dev questions) carry NLM's annotations: the focus of each
sub-question and its type. healthqa understands each message (SUBJECT. MESSAGE) as ``ask`` does and is
scored on

- focus recall: a sub-question's annotated focus is found when one of the recognised names, or the
  words they matched, equals it after normalisation, contains it or is contained in it, or when the
  knowledge base's documents for the annotated focus overlap the recognised focus documents;
- focus precision: the share of recognised names that match some annotated focus of the message
  (by the same test);
- type accuracy: the first recognised type against the first sub-question's annotated type, mapped to
  healthqa's vocabulary (types with no counterpart are left out).

    python benchmarks/understanding.py [--kb benchmarks/.cache/kb.db] [--data ../shared/data] [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from _common import DEFAULT_DATA, DEFAULT_KB, build_kb, load_liveqa_train
from healthqa.answer.answerer import name_index
from healthqa.records import SectionType
from healthqa.understand import FocusMatch, NameIndex, normalise, understand

TYPE_MAP = {
    "treatment": SectionType.TREATMENT, "information": SectionType.INFORMATION, "cause": SectionType.CAUSES,
    "prognosis": SectionType.OUTLOOK, "diagnosis": SectionType.EXAMS_AND_TESTS,
    "organization": SectionType.SUPPORT_GROUPS, "symptom": SectionType.SYMPTOMS,
    "susceptibility": SectionType.SUSCEPTIBILITY, "inheritance": SectionType.INHERITANCE,
    "complication": SectionType.COMPLICATIONS, "side effects": SectionType.SIDE_EFFECTS,
    "prevention": SectionType.PREVENTION, "usage": SectionType.USAGE, "indication": SectionType.INDICATION,
    "contraindication": SectionType.CONTRAINDICATION, "interaction": SectionType.INTERACTIONS_WITH_MEDICATIONS,
    "dosage": SectionType.DOSE, "genetic changes": SectionType.GENETIC_CHANGES,
    "storage and disposal": SectionType.STORAGE_AND_DISPOSAL,
}


def load_train(data: Path) -> list[tuple[str, list[str], list[str]]]:
    """(message, annotated foci, annotated types) for every training question with an annotated focus."""
    return [(q.text, q.foci, q.types) for q in load_liveqa_train(data) if q.foci]


def _agrees(match: FocusMatch, focus: str, names: NameIndex) -> bool:
    wanted = normalise(focus)
    for said in (normalise(match.name), normalise(match.matched)):
        if said and (said == wanted or f" {wanted} " in f" {said} " or f" {said} " in f" {wanted} "):
            return True
    documents = {d for m in names.find(focus) for d in m.document_ids}
    return bool(documents & match.document_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--errors", action="store_true", help="print every miss on stderr")
    args = parser.parse_args()
    store = build_kb(args.kb, args.data, vectors=False)
    names = name_index(store)
    questions = load_train(args.data)
    wanted = found = said = right = 0
    typed = typed_right = 0
    for text, foci, types in questions:
        understood = understand(text, names)
        for focus in dict.fromkeys(foci):
            wanted += 1
            hit = any(_agrees(m, focus, names) for m in understood.focus)
            found += hit
            if not hit and args.errors:
                print(f"MISS {focus!r}: got {[m.matched for m in understood.focus]} | {text[:150]}", file=sys.stderr)
        for match in understood.focus:
            said += 1
            good = any(_agrees(match, focus, names) for focus in foci)
            right += good
            if not good and args.errors:
                print(f"EXTRA {match.matched!r}->{match.name!r} (wanted {foci})", file=sys.stderr)
        expected = TYPE_MAP.get(types[0]) if types else None
        if expected is not None:
            typed += 1
            typed_right += understood.qtype is expected
            if understood.qtype is not expected and args.errors:
                print(f"TYPE {understood.qtype.value!r} wanted {expected.value!r} | {text[:150]}", file=sys.stderr)
    print(json.dumps({
        "questions": len(questions),
        "focus_recall": round(found / max(wanted, 1), 3), "annotated_foci": wanted,
        "focus_precision": round(right / max(said, 1), 3), "recognised_names": said,
        "type_accuracy": round(typed_right / max(typed, 1), 3), "typed_questions": typed,
    }, indent=2))


if __name__ == "__main__":
    main()
