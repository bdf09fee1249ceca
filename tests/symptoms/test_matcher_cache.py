"""The phrase matcher's tables are built once per ontology into healthqa's cache folder and memory-mapped by every
process after: the same terms and scores as built in memory; switched off, nothing is written; a damaged cache is
rebuilt."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from healthqa.retrieve import derived
from healthqa.symptoms.hpo import HPOIndex

PHRASES = (
    "dry mouth", "droopy eyelids", "weak hips and thighs", "hip and knee pain", "seizures", "fits",
    "low blood sugar", "tired all the time", "double vision, trouble swallowing", "blurry sight",
    "shortness of breath", "hearing loss", "sezures", "abnormality of the kidney", "not a real symptom at all",
    "no fever", "big head", "",
)


def read_back(hpo: HPOIndex) -> list[list[tuple[str, str, str, str]]]:
    return [[(m.phrase, m.hpo_id, m.name, float(m.score).hex()) for m in hpo.map_text(p)] for p in PHRASES]


def mapped(array: np.ndarray) -> bool:
    return isinstance(array, np.memmap) or isinstance(array.base, np.memmap)


def cache_folders(cache: Path) -> list[Path]:
    return [p for p in (cache / "symptoms-matcher").glob("*") if p.is_dir() and not p.name.startswith(".")]


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("HEALTHQA_CACHE_DIR", str(folder))
    return folder


def test_mapped_tables_match_as_the_tables_built_in_memory(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(derived.SWITCH, "off")
    in_memory = HPOIndex()
    expected = read_back(in_memory)
    assert not mapped(in_memory._tables().idf) and not cache_folders(cache)  # nothing written
    monkeypatch.setenv(derived.SWITCH, "on")
    from_cache = HPOIndex()
    assert read_back(from_cache) == expected
    assert mapped(from_cache._tables().idf) and len(cache_folders(cache)) == 1
    found = {row[0][0]: row[0][1] for row in expected if row}  # each phrase's first term
    assert found["dry mouth"] == "HP:0000217" and found["sezures"] == "HP:0001250"  # a synonym, a typo
    assert found["no fever"] == ""  # a feature the person does not have


def test_written_once_then_mapped_by_the_next_process(cache: Path) -> None:
    expected = read_back(HPOIndex())
    [folder] = cache_folders(cache)
    inode = folder.stat().st_ino
    script = (
        "import json, sys, numpy as np\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from healthqa.symptoms.hpo import HPOIndex\n"
        "from symptoms.test_matcher_cache import mapped, read_back\n"
        "hpo = HPOIndex()\n"
        "print(json.dumps({'read_back': read_back(hpo), 'mapped': mapped(hpo._tables().idf)}))\n"
    )
    tests = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script, str(tests)], capture_output=True, text=True, check=True)
    second = json.loads(done.stdout)
    assert second["mapped"] and second["read_back"] == json.loads(json.dumps(expected))
    assert folder.stat().st_ino == inode  # not written again


def test_a_damaged_cache_is_rebuilt(cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    expected = read_back(HPOIndex())
    [folder] = cache_folders(cache)
    weights = folder / "entry-weight.npy"
    weights.write_bytes(weights.read_bytes()[:-8])
    with caplog.at_level(logging.WARNING):
        again = HPOIndex()
        assert read_back(again) == expected
    assert "unreadable phrase-matcher cache" in caplog.text and mapped(again._tables().idf)
