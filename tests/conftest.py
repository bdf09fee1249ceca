from __future__ import annotations

from pathlib import Path

import pytest

from kb_builders import write_gout_and_holmes_adie


@pytest.fixture()
def medquad_folder(tmp_path: Path) -> Path:
    """A two-collection MedQuAD-like folder written by the test (and a file that is not MedQuAD's)."""
    root = write_gout_and_holmes_adie(tmp_path / "medquad")
    (root / "readme.txt").write_text("not a data file", encoding="utf-8")
    return root
