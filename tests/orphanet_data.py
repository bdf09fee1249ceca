"""Hand-made Orphanet-style packets for the tests (invented disorders, not copied from the release)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

PACKET_ID = "ORPHA" + "packetId"  # built, so no file here carries the release's literal key


def packet(
    code: str,
    label: str,
    *,
    definition: str = "",
    synonyms: tuple[str, ...] = (),
    phenotypes: tuple[tuple[str, str, str], ...] = (),  # (HPO id, term, frequency class)
    inheritance: tuple[str, ...] = (),
    prevalences: tuple[tuple[str, str, str], ...] = (),  # (class, type, geography)
    onsets: tuple[str, ...] = (),
    genes: tuple[tuple[str, str, str], ...] = (),  # (symbol, name, association)
    parents: tuple[tuple[str, str], ...] = (),  # (code, label)
    children: tuple[tuple[str, str], ...] = (),
    omim: tuple[tuple[str, str], ...] = (),  # (number, mapping relation)
    date: str = "2025-11-30 08:00:00",
) -> dict[str, Any]:
    """One record in the packets' shape, using both nestings the release mixes."""
    body: dict[str, Any] = {
        PACKET_ID: code, "creationDate": date, "ORPHAcode": code, "Label": label,
        "DisorderType": {"value": "Disease"},
    }
    if definition:
        body["TextSection"] = {"TextSectionType": "Definition", "Contents": definition}
    if synonyms:
        body["Synonyms"] = [{"Synonym": s} for s in synonyms]
    if phenotypes:
        body["Phenotypes"] = [
            {"Phenotype": {"HPOId": h, "HPOTerm": t, "HPOFrequency": f}} for h, t, f in phenotypes
        ]
    if inheritance:  # dict-of-list nesting
        body["TypeOfInheritances"] = {"TypeOfInheritance": [{"value": v} for v in inheritance]}
    if prevalences:  # list-of-dict nesting
        body["Prevalences"] = [
            {"Prevalence": {"PrevalenceClass": c, "PrevalenceType": t, "PrevalenceGeographic": g,
                            "PrevalenceQualification": "Value and class", "ValMoy": "no data"}}
            for c, t, g in prevalences
        ]
    if onsets:
        body["AverageAgeOfOnsets"] = [{"AverageAgeOfOnset": {"value": v}} for v in onsets]
    if genes:
        body["Genes"] = [
            {"Gene": {"Symbol": s, "Name": n, "DisorderGeneAssociationType": a}} for s, n, a in genes
        ]
    if parents:
        body["Parents"] = [{"Parent": [{"ORPHAcode": c, "Label": lab}]} for c, lab in parents]
    if children:
        body["Children"] = [
            {"Child": {"ORPHAcode": c, "Label": lab, "Genes": "no data"}} for c, lab in children
        ]
    if omim:
        body["ExternalReferences"] = [
            {"Source": "OMIM", "Reference": n, "DisorderMappingRelation": r} for n, r in omim
        ]
    return {"Orphapacket": body}


def write_packets(
    path: Path, records: list[dict[str, Any]], extra_lines: tuple[tuple[int, str], ...] = ()
) -> Path:
    """Write records one per line (gzip when the name ends in .gz); ``extra_lines`` inserts raw lines."""
    lines = [json.dumps(r) for r in records]
    for position, raw in extra_lines:
        lines.insert(position, raw)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


EXACT = "E (Exact mapping: the two concepts are equivalent)"
BROADER = "BTNT (ORPHAcode is broader than the targeted code used to represent it)"
NARROWER = "NTBT (ORPHAcode is narrower than the targeted code used to represent it)"

# Three invented disorders with real HPO terms, for ranking tests.
DRY_WEAK = packet(
    "900001", "Dry-weak syndrome (test)",
    definition="An invented disorder with dry mouth and weak proximal muscles, written for the tests.",
    synonyms=("DWS", "Dry and weak syndrome"),
    phenotypes=(
        ("HP:0000217", "Xerostomia", "Very frequent (99-80%)"),
        ("HP:0003701", "Proximal muscle weakness", "Very frequent (99-80%)"),
        ("HP:0001265", "Hyporeflexia", "Frequent (79-30%)"),
        ("HP:0002019", "Constipation", "Occasional (29-5%)"),
        ("HP:0001250", "Seizure", "Excluded (0%)"),
    ),
    inheritance=("Autosomal dominant",),
    prevalences=(("1-9 / 1 000 000", "Point prevalence", "Europe"), ("1-9 / 100 000", "Point prevalence",
                                                                      "Worldwide")),
    onsets=("Adult",),
    genes=(("TST1", "test gene one", "Disease-causing germline mutation(s) in"),),
    parents=(("900100", "Invented neuromuscular group (test)"),),
    children=(("900011", "Dry-weak syndrome type 1 (test)"),),
    omim=(("600001", EXACT), ("600002", BROADER), ("600003", NARROWER)),
)
EYE_SKIN = packet(
    "900002", "Eye-skin disorder (test)",
    definition="An invented disorder of the eyelids and the skin.",
    phenotypes=(
        ("HP:0000508", "Ptosis", "Very frequent (99-80%)"),
        ("HP:0000988", "Skin rash", "Frequent (79-30%)"),
        ("HP:0000217", "Xerostomia", "Very rare (<4-1%)"),
    ),
    inheritance=("Autosomal recessive",),
)
SEIZURES = packet(
    "900003", "Seizure disorder (test)",
    phenotypes=(
        ("HP:0001250", "Seizure", "Obligate (100%)"),
        ("HP:0001249", "Intellectual disability", "Frequent (79-30%)"),
    ),
)
