from __future__ import annotations

from pathlib import Path

import pytest

from kb_builders import write_medquad_file

__all__ = ["write_medquad_file"]  # tests import it from here too


@pytest.fixture()
def medquad_folder(tmp_path: Path) -> Path:
    """A two-collection MedQuAD-like folder written by the test."""
    root = tmp_path / "medquad"
    write_medquad_file(root / "2_GARD_QA", "0000001", "Gout", [
        ("information", "What is (are) Gout ?", "Gout is a form of arthritis with sudden attacks of pain."),
        ("treatment", "What are the treatments for Gout ?", "Medicines lower uric acid and ease attacks."),
    ], cui="C0018099")
    write_medquad_file(root / "6_NINDS_QA", "0000002", "Holmes-Adie syndrome", [
        ("information", "what is holmes-adie syndrome ?", "Holmes-Adie syndrome affects the pupil of the eye."),
    ], source="NINDS")
    (root / "readme.txt").write_text("not a data file", encoding="utf-8")
    return root
