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
  healthqa's vocabulary (types with no counterpart are left out). ``cue_lists_type_accuracy`` is that of the
  cue lists alone, as before the learned classifier. The shipped classifier (healthqa.learned.qtype) is
  fitted on these training messages, so on them its accuracy is IN-SAMPLE: its cross-validated accuracy is
  recorded in qtype.json (``grid``/``chosen``) and printed here.

With ``--dev`` the type accuracy is measured instead on the LiveQA dev questions' annotated types (read once
per candidate model; no focus figures).

    python benchmarks/understanding.py [--kb benchmarks/.cache/kb.db] [--data ../shared/data] [--errors] [--dev]
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from _common import DEFAULT_DATA, DEFAULT_KB, build_kb, load_liveqa_train
from healthqa import understand as understand_module
from healthqa.answer.answerer import name_index
from healthqa.learned import qtype as learned_qtype
from healthqa.mediqa.qtype_training import liveqa_type
from healthqa.records import SectionType
from healthqa.understand import FocusMatch, NameIndex, condense, normalise, type_evidence, understand


def load_train(data: Path) -> list[tuple[str, list[str], list[str]]]:
    """(message, annotated foci, annotated types) for every training question with an annotated focus."""
    return [(q.text, q.foci, q.types) for q in load_liveqa_train(data) if q.foci]


def _text(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def load_dev_types(data: Path) -> list[tuple[str, SectionType]]:
    """(SUBJECT. MESSAGE, first annotated type) of each dev question whose first type has a counterpart."""
    root = ET.parse(data / "liveqa-med-2017" / "test-questions-dev.xml").getroot()
    found = []
    for node in root.iter("NLM-QUESTION"):
        subject, message = (_text(node.find(f"Original-Question/{part}")) for part in ("SUBJECT", "MESSAGE"))
        types = [_text(t) for t in node.iter("TYPE")]
        kind = liveqa_type(types[0]) if types else None
        if kind is not None:
            found.append((f"{subject}. {message}" if subject else message, kind))
    return found


def _cue_type(text: str) -> SectionType:
    concise, questions = condense(text)
    return type_evidence(concise, questions)[1][0]


def dev_types(data: Path, names: NameIndex) -> None:
    questions = load_dev_types(data)
    learned = sum(understand(text, names).qtype is kind for text, kind in questions)
    cues = sum(_cue_type(text) is kind for text, kind in questions)
    print(json.dumps({"dev_typed_questions": len(questions),
                      "type_accuracy": round(learned / max(len(questions), 1), 3),
                      "cue_lists_type_accuracy": round(cues / max(len(questions), 1), 3)}, indent=2))


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
    parser.add_argument("--dev", action="store_true", help="type accuracy on the LiveQA dev questions")
    parser.add_argument("--learned-types", action="store_true",
                        help="let the learned classifier decide types (off in ask: healthqa.understand.LEARNED_TYPES)")
    args = parser.parse_args()
    if args.learned_types:
        understand_module.LEARNED_TYPES = True
    store = build_kb(args.kb, args.data, vectors=False)
    names = name_index(store)
    if args.dev:
        dev_types(args.data, names)
        return
    questions = load_train(args.data)
    wanted = found = said = right = 0
    typed = typed_right = cue_right = 0
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
        expected = liveqa_type(types[0]) if types else None
        if expected is not None:
            typed += 1
            typed_right += understood.qtype is expected
            cue_right += _cue_type(text) is expected
            if understood.qtype is not expected and args.errors:
                print(f"TYPE {understood.qtype.value!r} wanted {expected.value!r} | {text[:150]}", file=sys.stderr)
    print(json.dumps({
        "questions": len(questions),
        "focus_recall": round(found / max(wanted, 1), 3), "annotated_foci": wanted,
        "focus_precision": round(right / max(said, 1), 3), "recognised_names": said,
        "type_accuracy": round(typed_right / max(typed, 1), 3), "typed_questions": typed,
        "type_accuracy_note": "in-sample when the shipped classifier was fitted on these messages",
        "cue_lists_type_accuracy": round(cue_right / max(typed, 1), 3),
        "classifier_cv": (model.meta.get("chosen") if (model := learned_qtype.shipped()) else None),
    }, indent=2))


if __name__ == "__main__":
    main()
