"""HPO's disease annotations merged with Orphanet's: the hpoa reader, exact mappings only, provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthqa.errors import ConfigError
from healthqa.symptoms.knowledge import (
    ORPHANET,
    exact_omim_codes,
    merge_features,
    parse_frequency,
    read_exact_omim,
    read_hpoa,
)
from orphanet_data import BROADER, DRY_WEAK, EXACT, NARROWER, packet, write_packets

HEADER = (
    "#description: test annotations\n#version: 2025-01-16\n"
    "database_id\tdisease_name\tqualifier\thpo_id\treference\tevidence\tonset\tfrequency\tsex\tmodifier\t"
    "aspect\tbiocuration\n"
)


def hpoa_line(disease: str, term: str, frequency: str = "", qualifier: str = "", aspect: str = "P",
              reference: str = "PMID:1") -> str:
    return f"{disease}\tTest\t{qualifier}\t{term}\t{reference}\tPCS\t\t{frequency}\t\t\t{aspect}\tHPO:test\n"


def write_hpoa(path: Path, lines: list[str]) -> Path:
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "expected"), [
    ("HP:0040281", 0.895), ("HP:0040285", 0.0), ("3/4", 0.75), ("0/0", None), ("25%", 0.25),
    ("7.5%", 0.075), ("", None), ("often", None), ("5/4", 1.0),
])
def test_frequencies_as_hpoa_writes_them(text: str, expected: float | None) -> None:
    assert parse_frequency(text) == expected


def test_reads_phenotype_lines_only_and_keeps_exclusions(tmp_path: Path) -> None:
    path = write_hpoa(tmp_path / "phenotype.hpoa", [
        hpoa_line("OMIM:600001", "HP:0000508", "1/2"),
        hpoa_line("OMIM:600001", "HP:0001250", qualifier="NOT"),
        hpoa_line("OMIM:600001", "HP:0000006", aspect="I"),  # inheritance, not a feature
        hpoa_line("ORPHA:900001", "HP:0000217", "HP:0040283", reference="ORPHA:900001"),
    ])
    annotations = read_hpoa(path)
    assert sorted(annotations) == ["OMIM:600001", "ORPHA:900001"]
    ptosis, seizure = annotations["OMIM:600001"]
    assert (ptosis.hpo_id, ptosis.frequency, ptosis.excluded, ptosis.reference) == ("HP:0000508", 0.5, False, "PMID:1")
    assert seizure.excluded and seizure.frequency is None
    assert annotations["ORPHA:900001"][0].frequency == 0.17


def test_a_file_that_is_not_hpoa_is_refused_by_name(tmp_path: Path) -> None:
    bad = tmp_path / "not.hpoa"
    bad.write_text("id\tname\nOMIM:1\tx\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"not\.hpoa: line 1 is not an hpoa header"):
        read_hpoa(bad)
    with pytest.raises(ConfigError, match="missing"):
        read_hpoa(tmp_path / "absent.hpoa")


def test_only_exact_omim_mappings_are_read_from_the_packets(tmp_path: Path) -> None:
    assert exact_omim_codes(DRY_WEAK["Orphapacket"]) == ["600001"]  # not the broader 600002, narrower 600003
    other = packet("900009", "Other (test)", omim=(("600009", EXACT), ("600010", BROADER), ("600011", NARROWER)))
    path = write_packets(tmp_path / "p.jsonl.gz", [DRY_WEAK, other, packet("900010", "No codes (test)")])
    assert read_exact_omim(path) == {"900001": ("600001",), "900009": ("600009",)}


def test_merge_keeps_provenance_and_orphanets_frequency_first(tmp_path: Path) -> None:
    annotations = read_hpoa(write_hpoa(tmp_path / "phenotype.hpoa", [
        hpoa_line("ORPHA:900001", "HP:0000217", "HP:0040283"),  # Orphanet says very frequent: kept
        hpoa_line("ORPHA:900001", "HP:0002019", ""),
        hpoa_line("OMIM:600001", "HP:0002019", "2/4"),  # HPO's ORPHA line has no frequency: OMIM's counts
        hpoa_line("OMIM:600001", "HP:0000508", "1/4"),
        hpoa_line("OMIM:600007", "HP:0000508", "3/4"),  # two exact OMIM entries: the highest frequency
        hpoa_line("OMIM:600001", "HP:0001250"),  # Orphanet excludes seizures: stays excluded
        hpoa_line("OMIM:600001", "HP:0001265", qualifier="NOT"),  # only HPO, and excluded
        hpoa_line("OMIM:600002", "HP:0000988"),  # a mapping not given as exact: never merged
    ]))
    orphanet = [("HP:0000217", 0.895), ("HP:0001250", 0.0)]
    merged = {f.hpo_id: f for f in merge_features("900001", orphanet, ["600001", "600007"], annotations)}
    assert set(merged) == {"HP:0000217", "HP:0002019", "HP:0000508", "HP:0001250", "HP:0001265"}
    dry = merged["HP:0000217"]
    assert (dry.frequency, dry.excluded, dry.sources) == (0.895, False, (ORPHANET, "HPO annotation of ORPHA:900001"))
    constipation = merged["HP:0002019"]
    assert constipation.frequency == 0.5
    assert constipation.sources == ("HPO annotation of ORPHA:900001", "HPO annotation of OMIM:600001")
    ptosis = merged["HP:0000508"]
    assert ptosis.frequency == 0.75
    assert ptosis.sources == ("HPO annotation of OMIM:600001", "HPO annotation of OMIM:600007")
    assert merged["HP:0001250"].excluded and merged["HP:0001265"].excluded
    # The same inputs give the same list, in term order, every time.
    again = merge_features("900001", list(reversed(orphanet)), ["600007", "600001"], annotations)
    assert again == list(merged.values()) == sorted(merged.values(), key=lambda f: f.hpo_id)
    # No annotations at all: Orphanet's features alone.
    assert [f.sources for f in merge_features("900001", orphanet, [], {})] == [(ORPHANET,), (ORPHANET,)]


def test_the_reader_records_exact_omim_mappings_under_the_name_the_merge_reads() -> None:
    from healthqa.ingest import orphanet
    from healthqa.symptoms import knowledge

    assert orphanet.EXACT_OMIM == knowledge.EXACT_OMIM
