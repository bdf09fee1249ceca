"""Agreement and contradiction between two sources' passages: healthqa.conditions.compare against hand labels.

    .venv/bin/python benchmarks/compare.py [--split tune|heldout|all] [--errors] [--json]
    .venv/bin/python benchmarks/compare.py --survey     # contradictions flagged across all of MedQuAD

``benchmarks/data/section_pairs.jsonl`` holds pairs of real passages about one condition from two different
sources (MedQuAD XML, the LiveQA judged A.D.A.M. answers, the three LEMS seed pages), quoted verbatim, each
labelled by reading it: the treatments, tests and symptoms both passages name, and the points on which one
asserts what the other denies. The first line describes the labels; every third pair is held out (the
labels were written before :func:`healthqa.conditions.compare.compare` existed, and the held-out pairs were not looked
at while tuning).

Each pair is run through ``compare()`` as two texts, with the pair's condition as ``names`` and, as drug
names, the MedlinePlus Drugs collection of MedQuAD (its <Focus> names, dosage forms cut off, body substances
and everyday words such as "Insulin" or "Thyroid" left out) plus the label file's ``extra_drugs`` (the LEMS
drug table: amifampridine = Firdapse = 3,4-diaminopyridine).

Reported per split: precision, recall and F1 of agreed terms (micro over pair x kind x label, and per
kind); contradiction detection per pair (does the pair disagree at all?) and per point (pair x point).
A gold label "A|B" is met by either term. ``--errors`` lists every false positive and false negative.

``--survey`` has no labels: it groups every MedQuAD document (plus the LiveQA judged answers) by its focus
name, runs ``compare()`` on each condition that two or more sources cover, with all their passages, and
lists the contradictions flagged, for reading. True contradictions between these NIH sources are rare, so
this is a check on false alarms at the scale of a whole knowledge base.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from healthqa.conditions.compare import SourcedText, compare
from healthqa.ingest import judged_csv, medquad
from healthqa.symptoms.hpo import load_hpo

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PAIRS = REPO_ROOT / "benchmarks" / "data" / "section_pairs.jsonl"
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_DRUGS = DEFAULT_DATA / "medquad" / "11_MPlusDrugs_QA"
# Dosage forms MedlinePlus appends to a drug's name ("Acyclovir Topical", "Albuterol Oral Inhalation").
_FORM = re.compile(
    r"\s+(?:Injection|Oral Inhalation|Nasal Inhalation|Oral|Topical|Ophthalmic|Nasal Spray|Nasal|Transdermal Patch|"
    r"Transdermal|Rectal|Vaginal Ring|Vaginal|Sublingual|Buccal|Otic|Intrauterine|Implant|Inhalation|Powder|"
    r"Solution|Skin Patch|Intramuscular|Subcutaneous)\b.*$"
)
# Names that are also the body's own substances or everyday words: in a disease text they are rarely a drug.
_NOT_DRUGS = frozenset(
    "epinephrine estrogen fluoride glucagon insulin nicotine potassium progesterone testosterone thyroid".split()
)


def load_pairs(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    meta: dict[str, Any] = {}
    pairs: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if "meta" in row:
            meta = row["meta"]
        else:
            pairs.append(row)
    return meta, pairs


def medlineplus_drugs(folder: Path) -> list[str]:
    """The generic names of MedQuAD's MedlinePlus Drugs collection (empty when the folder is missing)."""
    names: set[str] = set()
    for file in sorted(folder.glob("*.xml")) if folder.is_dir() else []:
        focus = ET.parse(file).getroot().findtext("Focus") or ""
        name = re.sub(r"\s*\([^)]*\)", "", _FORM.sub("", focus.strip())).strip()
        if name and " and " not in name and "," not in name and "/" not in name and name.lower() not in _NOT_DRUGS:
            names.add(name)
    return sorted(names)


def _text(side: dict[str, Any]) -> SourcedText:
    return SourcedText(side["passage_id"], side["source"], side["section"], side["text"], side.get("updated"),
                       side.get("tier", ""))


def _match(predicted: set[tuple[str, str]], gold: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]],
                                                                                    list[tuple[str, str]]]:
    """True positives, false positives and false negatives; a gold label "A|B" is met by A or by B."""
    left = set(predicted)
    missed: list[tuple[str, str]] = []
    hits = 0
    for kind, label in gold:
        options = {(kind, option.strip().casefold()) for option in label.split("|")}
        found = next((p for p in sorted(left) if (p[0], p[1].casefold()) in options), None)
        if found is None:
            missed.append((kind, label))
        else:
            left.discard(found)
            hits += 1
    return hits, sorted(left), missed


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int | None]:
    """Precision, recall, F1; None where undefined (nothing predicted, or nothing to find)."""
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else (0.0 if tp + fp and tp + fn
                                                                                     else None)
    return {"precision": _round(precision), "recall": _round(recall), "f1": _round(f1), "tp": tp, "fp": fp,
            "fn": fn}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _cell(value: object) -> str:
    return f"{value:6.3f}" if isinstance(value, float) else f"{'n/a':>6}"


def evaluate(pairs: list[dict[str, Any]], drugs: dict[str, list[str]], errors: bool) -> dict[str, Any]:
    hpo = load_hpo()
    terms: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    pair_level: Counter[str] = Counter()
    point_level: Counter[str] = Counter()
    seconds: list[float] = []
    for pair in pairs:
        started = time.perf_counter()
        result = compare([_text(pair["a"]), _text(pair["b"])], drugs=drugs, hpo=hpo, names=[pair["condition"]])
        seconds.append(time.perf_counter() - started)
        predicted = {(a.kind, a.term) for a in result.agreements}
        gold = [(g["kind"], g["label"]) for g in pair["agree"]]
        tp, fps, fns = _match(predicted, gold)
        terms.update(tp=tp, fp=len(fps), fn=len(fns))
        for kind in ("treatment", "test", "symptom"):
            k_tp, k_fp, k_fn = _match({p for p in predicted if p[0] == kind}, [g for g in gold if g[0] == kind])
            by_kind.setdefault(kind, Counter()).update(tp=k_tp, fp=len(k_fp), fn=len(k_fn))
        said = {c.point for c in result.contradictions}
        truth = set(pair["contradict"])
        pair_level.update(tp=int(bool(said) and bool(truth)), fp=int(bool(said) and not truth),
                          fn=int(not said and bool(truth)), tn=int(not said and not truth))
        point_level.update(tp=len(said & truth), fp=len(said - truth), fn=len(truth - said))
        if errors and (fps or fns or said != truth):
            print(f"{pair['id']} [{pair['split']}] {pair['condition']}", file=sys.stderr)
            for kind, label in fps:
                print(f"    FP {kind}: {label}", file=sys.stderr)
            for kind, label in fns:
                print(f"    FN {kind}: {label}", file=sys.stderr)
            for point in sorted(said - truth):
                print(f"    FP contradiction: {point}", file=sys.stderr)
            for point in sorted(truth - said):
                print(f"    FN contradiction: {point}", file=sys.stderr)
    seconds.sort()
    return {
        "pairs": len(pairs),
        "agreement": _prf(terms["tp"], terms["fp"], terms["fn"]),
        "agreement_by_kind": {k: _prf(c["tp"], c["fp"], c["fn"]) for k, c in by_kind.items()},
        "contradiction_pairs": {**_prf(pair_level["tp"], pair_level["fp"], pair_level["fn"]), "tn": pair_level["tn"]},
        "contradiction_points": _prf(point_level["tp"], point_level["fp"], point_level["fn"]),
        "median_ms_per_pair": round(1000 * seconds[len(seconds) // 2], 1) if seconds else 0.0,
    }


def survey(data: Path) -> dict[str, Any]:
    """Contradictions flagged over every condition that two or more MedQuAD sources cover."""
    documents = []
    for folder in sorted((data / "medquad").iterdir()):
        if folder.is_dir() and "Drugs" not in folder.name and "Herbs" not in folder.name:
            for file in sorted(folder.glob("*.xml")):
                documents += medquad.read(file)
    judged = data / "liveqa-med-2017" / "judged-answers-medquad.csv"
    if judged.is_file():
        documents += judged_csv.read(judged)
    groups: dict[str, list[Any]] = {}
    for document in [d for d in documents if any(p.text.strip() for p in d.passages)]:
        for name in {re.sub(r"[^a-z0-9]+", " ", n.lower()).strip() for n in document.focus or [document.title]}:
            groups.setdefault(name, []).append(document)
    hpo = load_hpo()
    flagged: list[dict[str, Any]] = []
    conditions = 0
    for name, group in sorted(groups.items()):
        if len({d.source.name for d in group}) < 2:
            continue
        conditions += 1
        texts = [SourcedText(p.public_id, d.source.name, p.section.value, p.text, p.updated or d.updated,
                             d.source.tier.value) for d in group for p in d.passages if p.text.strip()]
        names = sorted({d.title for d in group} | {f for d in group for f in d.focus})
        for contradiction in compare(texts, hpo=hpo, names=names).contradictions:
            flagged.append({
                "condition": name, "point": contradiction.point,
                "asserted": [f"{m.source}: {m.sentence}" for m in contradiction.asserted],
                "denied": [f"{m.source}: {m.sentence}" for m in contradiction.denied],
            })
    return {"conditions": conditions, "flagged": len(flagged),
            "by_point": dict(Counter(f["point"] for f in flagged)), "contradictions": flagged}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--drugs", type=Path, default=DEFAULT_DRUGS, help="MedQuAD's 11_MPlusDrugs_QA folder")
    parser.add_argument("--split", choices=("tune", "heldout", "all"), default="all")
    parser.add_argument("--errors", action="store_true", help="list false positives and negatives on stderr")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--survey", action="store_true", help="flagged contradictions across all of MedQuAD")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (for --survey)")
    args = parser.parse_args(argv)
    if args.survey:
        print(json.dumps(survey(args.data), indent=2, ensure_ascii=False))
        return 0
    meta, pairs = load_pairs(args.pairs)
    drugs: dict[str, list[str]] = {name: [] for name in medlineplus_drugs(args.drugs)}
    for label, spellings in meta.get("extra_drugs", {}).items():
        drugs[label] = list(spellings)
    load_hpo()  # loaded once before timing
    splits = ("tune", "heldout") if args.split == "all" else (args.split,)
    report: dict[str, Any] = {"drug_names": len(drugs)}
    for split in splits:
        report[split] = evaluate([p for p in pairs if p["split"] == split], drugs, args.errors)
    if args.split == "all":
        report["all"] = evaluate(pairs, drugs, errors=False)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"drug names: {report['drug_names']}")
    for split in (*splits, *(("all",) if args.split == "all" else ())):
        r = report[split]
        print(f"\n{split}: {r['pairs']} pairs, median {r['median_ms_per_pair']} ms per pair")
        rows = [("agreement (all kinds)", r["agreement"])]
        rows += [(f"  {kind}", value) for kind, value in r["agreement_by_kind"].items()]
        rows += [(f"contradiction, per pair (TN {r['contradiction_pairs']['tn']})", r["contradiction_pairs"]),
                 ("contradiction, per point", r["contradiction_points"])]
        print(f"  {'':34} {'P':>6} {'R':>6} {'F1':>6} {'TP':>4} {'FP':>4} {'FN':>4}")
        for name, m in rows:
            print(f"  {name:34} {_cell(m['precision'])} {_cell(m['recall'])} {_cell(m['f1'])} {m['tp']:4} "
                  f"{m['fp']:4} {m['fn']:4}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
