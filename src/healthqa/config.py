"""Settings, read from the environment each time they are needed.

- ``HEALTHQA_DB``: the knowledge base, a SQLite file path (default: ``healthqa.db`` in the user's
  data directory).
- ``HEALTHQA_SOURCES``: a local folder laid out like ``shared/data`` (``medquad/``, ``orphanet/`` ...),
  where ``healthqa fetch`` writes and the set-up command reads.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir


def data_dir() -> Path:
    return Path(user_data_dir("healthqa", appauthor=False))


def database_url() -> str:
    return os.environ.get("HEALTHQA_DB") or str(data_dir() / "healthqa.db")


def sources_dir() -> Path:
    configured = os.environ.get("HEALTHQA_SOURCES")
    return Path(configured) if configured else data_dir() / "sources"
