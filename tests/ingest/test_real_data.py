"""The readers over the real shared data (``../shared/data`` beside the checkout, or $HEALTHQA_SHARED_DATA).

Skipped where the data is absent; the figures are those of the MedQuAD and LiveQA releases in shared/.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from healthqa.ingest import ingest_path, judged_csv, mediqa, medquad
from healthqa.store import SQLiteStore


def _shared_data() -> Path:
    configured = os.environ.get("HEALTHQA_SHARED_DATA")
    return Path(configured) if configured else Path(__file__).parents[2].parent / "shared" / "data"


DATA = _shared_data()
pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared data not found at {DATA} (set HEALTHQA_SHARED_DATA to its folder)"
)
JUDGED = DATA / "liveqa-med-2017" / "judged-answers-medquad.csv"


def test_medquad_corpus_and_judged_csv_into_store(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "kb.db")
    try:
        started = time.perf_counter()
        report = ingest_path(store, DATA / "medquad")
        assert report.ok, report.failures[:3]
        assert report.files > 11_000
        xml = store.sources()
        assert {s.name for s in xml} == {info.name for _, info in medquad.COLLECTIONS.values()}
        xml_passages = sum(s.passages for s in xml)
        assert 16_300 <= xml_passages <= 16_500  # 16,423 answers; the three MedlinePlus sets ship none
        assert 47_400 <= sum(s.questions for s in xml) <= 47_500  # 47,457 pairs
        for source in xml:
            if source.name.startswith(("A.D.A.M.", "MedlinePlus Drug", "MedlinePlus Herbs")):
                assert source.passages == 0, source.name

        report = ingest_path(store, JUDGED)
        assert report.ok, report.failures[:3]
        print(f"\nMedQuAD + judged CSV ingest: {time.perf_counter() - started:.1f} s")
        judged = {p.public_id: p.text for d in judged_csv.read(JUDGED) for p in d.passages}
        assert len(judged) == 1_935
        # The judged text wins for its own id, including ids whose XML pair was renumbered.
        for public_id, text in judged.items():
            assert store.passage(public_id).text == text, public_id
        visible = sum(s.passages for s in store.sources())
        # XML + judged minus what the judged copies supersede (17,446 with today's store rules).
        assert 17_400 <= visible <= 18_000
        adam = next(s for s in store.sources() if s.name == "A.D.A.M. Medical Encyclopedia")
        assert adam.passages > 1_000
    finally:
        store.close()


def test_judged_csv_reads_every_answer() -> None:
    documents = judged_csv.read(JUDGED)
    passages = [p for d in documents for p in d.passages]
    assert len(passages) == 1_935
    assert len(documents) == 919
    assert all(p.precedence == 1 and p.text for p in passages)
    # Almost every judged topic is named by a MedQuAD question template.
    assert sum(1 for d in documents if d.focus) >= 900


def test_mediqa_question_sets() -> None:
    files = sorted((DATA / "mediqa-2019").glob("qa-*.xml"))
    assert len(files) == 3
    for path in files:
        documents = mediqa.read(path)
        passages = [p for d in documents for p in d.passages]
        assert len(passages) > 150, path.name
        assert all(p.public_id.startswith(path.stem + ":") for p in passages)
        assert len({p.public_id for p in passages}) == len(passages)
        assert sum(1 for d in documents if d.source is mediqa.UNATTRIBUTED) <= 10
    liveqa = mediqa.read(DATA / "mediqa-2019" / "qa-train1-liveqa-dev.xml")
    ids = {p.public_id for d in liveqa for p in d.passages}
    assert "qa-train1-liveqa-dev:1_Answer1" in ids
