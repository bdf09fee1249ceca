from __future__ import annotations

from pathlib import Path

import pytest

from healthqa.errors import BadInputError, NotFoundError, UnknownFormatError
from healthqa.ingest import ingest_path, orphanet, reader_for
from healthqa.records import Fact, Phenotype, SectionType, Tier
from healthqa.store import SQLiteStore
from orphanet_data import DRY_WEAK, EYE_SKIN, SEIZURES, packet, write_packets


@pytest.fixture()
def packets(tmp_path: Path) -> Path:
    return write_packets(tmp_path / "orphanet" / "packets.jsonl.gz", [DRY_WEAK, EYE_SKIN, SEIZURES])


def test_detects_gzipped_and_plain_json_lines(packets: Path, tmp_path: Path) -> None:
    assert reader_for(packets).format == "orphanet"
    plain = write_packets(tmp_path / "plain.jsonl", [EYE_SKIN])
    assert reader_for(plain).format == "orphanet"
    other = tmp_path / "other.jsonl"
    other.write_text('{"id": 1}\n', encoding="utf-8")
    assert not orphanet.READER.detect(other, other.read_bytes())
    with pytest.raises(UnknownFormatError):
        reader_for(other)


def test_one_document_per_disorder(packets: Path) -> None:
    documents = orphanet.read(packets)
    assert [d.key for d in documents] == ["orphanet:900001", "orphanet:900002", "orphanet:900003"]
    first = documents[0]
    assert first.title == "Dry-weak syndrome (test)"
    assert first.synonyms == ["DWS", "Dry and weak syndrome"]
    assert first.url == "https://www.orpha.net/en/disease/detail/900001"
    assert first.updated == "2025-11-30"
    assert first.source.name == "Orphanet" and first.source.tier is Tier.GOVERNMENT_REVIEWED
    assert "CC BY 4.0" in first.source.licence
    # Exact and broader OMIM mappings are codes; a narrower one (shared by several disorders) is not.
    # Exact ones are also recorded as OMIM-exact: the symptom index merges HPO's annotations of those only.
    assert first.codes == [("ORPHA", "900001"), ("OMIM", "600001"), ("OMIM-exact", "600001"), ("OMIM", "600002")]
    [definition] = first.passages
    assert definition.text == (
        "An invented disorder with dry mouth and weak proximal muscles, written for the tests."
    )
    assert definition.public_id == "ORPHA_900001_definition" and definition.section is SectionType.INFORMATION
    assert documents[2].passages == []  # no definition, no passage


def test_facts_and_phenotypes(packets: Path) -> None:
    first = orphanet.read(packets)[0]
    assert first.facts == [
        Fact("inheritance", "Autosomal dominant"),
        Fact("prevalence", "1-9 / 1 000 000", "Point prevalence, Europe"),
        Fact("prevalence", "1-9 / 100 000", "Point prevalence, Worldwide"),
        Fact("onset", "Adult"),
        Fact("gene", "TST1", "Disease-causing germline mutation(s) in test gene one"),
        Fact("parent", "Invented neuromuscular group (test)", "ORPHA:900100"),
        Fact("subtype", "Dry-weak syndrome type 1 (test)", "ORPHA:900011"),
    ]
    assert first.phenotypes[0] == Phenotype("HP:0000217", "Xerostomia", "Very frequent (99-80%)", 0.895)
    assert [p.frequency for p in first.phenotypes] == [0.895, 0.895, 0.545, 0.17, 0.0]


def test_facts_change_the_content_hash_and_plain_documents_keep_theirs(packets: Path) -> None:
    first = orphanet.read(packets)[0]
    digest = first.content_hash()
    first.facts = first.facts[:1]
    assert first.content_hash() != digest
    first.facts, first.phenotypes = [], []
    bare = first.content_hash()
    first.facts = [Fact("onset", "Adult")]
    assert first.content_hash() != bare


def test_into_the_store(packets: Path, tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "kb.db")
    report = ingest_path(store, packets.parent)
    assert report.ok and report.stats.documents_added == 3
    document = store.document("orphanet:900001")
    assert document.facts[0] == Fact("inheritance", "Autosomal dominant")
    assert store.facts(document.id) == document.facts
    assert document.phenotypes[1] == Phenotype(
        "HP:0003701", "Proximal muscle weakness", "Very frequent (99-80%)", 0.895
    )
    assert store.document_by_code("ORPHA", "900002").title == "Eye-skin disorder (test)"
    assert store.document_by_code("OMIM", "600002").key == "orphanet:900001"
    with pytest.raises(NotFoundError):
        store.document_by_code("OMIM", "600003")
    annotations = store.phenotype_annotations()
    assert len(annotations) == 10
    assert annotations[0] == ("900001", "Dry-weak syndrome (test)", document.id, "HP:0000217", 0.895)
    assert store.passage("ORPHA_900001_definition").source == "Orphanet"

    # Unchanged input is a no-op; a changed record replaces its rows, never duplicates them.
    assert ingest_path(store, packets.parent).stats.files_skipped_unchanged == 1
    write_packets(packets, [DRY_WEAK, packet("900002", "Eye-skin disorder (test)", inheritance=("Unknown",))])
    stats = ingest_path(store, packets.parent).stats
    assert (stats.documents_unchanged, stats.documents_replaced, stats.documents_removed) == (1, 1, 1)
    assert store.facts(store.document("orphanet:900002").id) == [Fact("inheritance", "Unknown")]
    assert len(store.phenotype_annotations()) == 5  # the removed disorder's rows went with it
    store.close()


def test_a_bad_line_fails_the_file_naming_the_line(tmp_path: Path) -> None:
    broken = ((1, '{"Orphapacket": '),)
    path = write_packets(tmp_path / "bad.jsonl.gz", [DRY_WEAK, EYE_SKIN], extra_lines=broken)
    with pytest.raises(BadInputError) as caught:
        orphanet.read(path)
    assert str(path) in str(caught.value) and "line 2" in str(caught.value)
    not_a_packet = write_packets(tmp_path / "missing.jsonl", [DRY_WEAK], extra_lines=((1, '{"other": 1}'),))
    with pytest.raises(BadInputError, match=r"line 2: .*Orphapacket"):
        orphanet.read(not_a_packet)

    store = SQLiteStore(tmp_path / "kb.db")
    report = ingest_path(store, path)
    assert not report.ok and "line 2" in str(report.failures[0])
    assert store.phenotype_annotations() == []  # nothing of the file was written
    store.close()


def test_a_truncated_archive_is_a_bad_input(tmp_path: Path) -> None:
    path = write_packets(tmp_path / "cut.jsonl.gz", [DRY_WEAK, EYE_SKIN, SEIZURES])
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(BadInputError, match="cannot read"):
        orphanet.read(path)
