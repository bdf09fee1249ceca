"""Symptom search: a small store of three invented disorders, the CLI, and the LEMS example on real data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from healthqa.cli import main
from healthqa.ingest import ingest_path, orphanet
from healthqa.store import open_store
from healthqa.symptoms.hpo import load_hpo
from healthqa.symptoms.knowledge import read_exact_omim
from healthqa.symptoms.search import LABEL, SymptomIndex, search
from kb_builders import KnowledgeBases
from orphanet_data import DRY_WEAK, EYE_SKIN, SEIZURES, write_packets


def _shared_data() -> Path:
    configured = os.environ.get("HEALTHQA_SHARED_DATA")
    return Path(configured) if configured else Path(__file__).resolve().parents[2].parent / "shared" / "data"


ORPHANET = _shared_data() / "orphanet"


@pytest.fixture()
def db(tmp_path: Path, kb_backend: KnowledgeBases) -> str:
    path = kb_backend.empty(tmp_path / "kb.db")
    store = open_store(path)
    assert ingest_path(store, write_packets(tmp_path / "p.jsonl.gz", [DRY_WEAK, EYE_SKIN, SEIZURES])).ok
    store.close()
    return path


@pytest.fixture()
def scorer_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scorer's own order, whether or not the learned second stage is switched on: these tests check the
    scorer's properties on three disorders; the second stage (fitted on a catalogue of thousands) is tested in
    test_rerank.py."""
    from healthqa.symptoms import search as symptom_search

    monkeypatch.setattr(symptom_search, "LEARNED_ORDER", False)


@pytest.mark.usefixtures("scorer_order")
def test_ranks_the_disorder_with_the_features(db: str) -> None:
    store = open_store(db)
    # Dry mouth, pelvic girdle weakness (under proximal weakness only by way of a sibling), low reflexes.
    found = search(["HP:0000217", "HP:0003701", "HP:0001265"], store)
    assert [d.orpha for d in found][:2] == ["900001", "900002"]
    best = found[0]
    assert best.name == "Dry-weak syndrome (test)" and best.score > found[1].score
    assert [f.hpo_id for f in best.matched] == ["HP:0000217", "HP:0003701", "HP:0001265"]
    assert best.matched[0].frequency == 0.895 and best.matched[0].query == "HP:0000217"
    assert best.missing == []
    # Ptosis and a rash point to the other disorder; its very frequent features not asked about are listed.
    eyes = search(["HP:0000508"], store)[0]
    assert eyes.orpha == "900002" and eyes.missing == []
    assert search(["HP:0000988"], store)[0].missing[0].term == "Ptosis"
    store.close()


@pytest.mark.usefixtures("scorer_order")
def test_general_words_and_noise(db: str) -> None:
    store = open_store(db)
    # A general term ("Abnormality of the eye") still finds the disorder whose features lie under it.
    assert search(["HP:0000478"], store)[0].orpha == "900002"
    # An unrelated extra term does not sink the right disorder.
    assert search(["HP:0000217", "HP:0003701", "HP:0001250", "HP:0000988"], store)[0].orpha == "900001"
    # An excluded feature ("Excluded (0%)") is no feature: seizures point to the seizure disorder.
    assert search(["HP:0001250"], store)[0].orpha == "900003"
    assert search([], store) == [] and search(["HP:9999999"], store) == []
    store.close()


def test_an_empty_knowledge_base_says_so(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["symptoms", "dry mouth", "--db", kb_backend.empty(tmp_path / "empty.db")])
    assert result.exit_code == 1 and "no Orphanet phenotype annotations" in result.output


def test_cli_json_shape(db: str) -> None:
    runner = CliRunner()
    text = "dry mouth, weak arms and legs, blah"
    result = runner.invoke(main, ["symptoms", text, "--json", "--db", db])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"terms", "diseases"} <= set(data) and data["label"] == LABEL
    assert data["terms"][0] == {
        "phrase": "dry mouth", "hpo_id": "HP:0000217", "name": "Xerostomia", "score": 1.0,
    }
    assert data["terms"][-1]["hpo_id"] == ""  # "blah" is shown as not understood
    disease = data["diseases"][0]
    assert set(disease) == {"name", "orpha", "score", "matched", "missing"}
    assert disease["orpha"] == "900001"
    assert set(disease["matched"][0]) == {"hpo_id", "term", "frequency", "query", "sources"}
    assert disease["matched"][0]["sources"] == ["Orphanet", "Orphanet definition"]  # its definition names it too
    assert data["groups"] == []  # no two of the three disorders share a parent


def test_cli_terms_replace_the_text_and_words_say_not_a_diagnosis(db: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["symptoms", "--terms", "HP:0000508,HP:0000988", "--db", db])
    assert result.exit_code == 0, result.output
    assert "not a diagnosis" in result.output and "discuss with a doctor" in result.output
    assert '"HP:0000508" -> HP:0000508 Ptosis' in result.output
    assert "Eye-skin disorder (test) (ORPHA:900002)" in result.output
    assert "Orphanet" in result.output and "CC BY 4.0" in result.output
    assert runner.invoke(main, ["symptoms", "--db", db]).exit_code == 1  # nothing to search


@pytest.mark.skipif(not ORPHANET.is_dir(), reason=f"Orphanet data not found at {ORPHANET} "
                    "(set HEALTHQA_SHARED_DATA to the shared data folder)")
def test_lems_from_lay_words_over_the_real_catalogue() -> None:
    # Straight from the reader: the store path is covered above, and ingesting 9,960 disorders is slow.
    [packets] = sorted(ORPHANET.glob("*.jsonl.gz"))
    # HPO's annotations merged through Orphanet's exact OMIM mappings, as the store path merges them.
    index = SymptomIndex.from_documents(orphanet.read(packets), exact_omim=read_exact_omim(packets))
    assert len(index) > 5000
    words = "dry mouth, weak hips and thighs, constipation, droopy eyelids, low reflexes"
    terms = [m.hpo_id for m in load_hpo().map_text(words) if m.matched]
    found = index.search(terms, top=10)
    codes = [d.orpha for d in found]
    assert "43393" in codes, codes  # Lambert-Eaton myasthenic syndrome in the top 10
    lems = found[codes.index("43393")]
    assert {"Xerostomia", "Constipation"} <= {f.term for f in lems.matched}
