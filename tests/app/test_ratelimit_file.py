"""Where the per-host rate-limit counts live when HEALTHQA_REDIS_URL is unset: beside a SQLite knowledge base,
and in the cache folder for a database server (never a folder named after its URL in the working directory)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from healthqa.app.guard import _limits_beside


def test_a_sqlite_knowledge_base_keeps_its_counts_beside_it(tmp_path: Path) -> None:
    assert _limits_beside(str(tmp_path / "kb.db")) == f"{tmp_path / 'kb.db'}-ratelimit"
    assert _limits_beside(f"sqlite:///{tmp_path / 'kb.db'}") == f"{tmp_path / 'kb.db'}-ratelimit"


def test_a_database_server_s_counts_are_in_the_cache_folder_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHQA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    first = _limits_beside("postgresql://healthqa:secret@db.example:5432/kb")
    again = _limits_beside("postgresql://healthqa:other@db.example:5432/kb")
    other = _limits_beside("postgresql://healthqa@db.example:5432/another")
    assert first == again != other
    assert Path(first).parent == tmp_path / "cache" / "ratelimit" and Path(first).parent.is_dir()
    assert "secret" not in first and "postgresql" not in first
    assert sorted(os.listdir(tmp_path)) == ["cache"]  # nothing made in the working directory
