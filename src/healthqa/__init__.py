"""healthqa: answers to health questions, quoted from trusted sources.

The pipeline, one module a step: ``ingest`` → ``store`` → ``understand`` → ``rank`` → ``answer``
→ ``api``/``web``/``cli``. The errors of every step are in :mod:`healthqa.errors`.
"""

from healthqa.errors import (
    BadInputError,
    ConfigError,
    FetchError,
    HealthQAError,
    NotFoundError,
    StoreError,
    UnknownFormatError,
)
from healthqa.store import Store, open_store

__all__ = [
    "BadInputError",
    "ConfigError",
    "FetchError",
    "HealthQAError",
    "NotFoundError",
    "Store",
    "StoreError",
    "UnknownFormatError",
    "open_store",
]
__version__ = "0.1.0"
