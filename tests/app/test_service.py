"""The server's heap: what a worker loads is kept out of the garbage collector's full walks, and freed
when an ingest or a reload replaces it."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from healthqa.app.service import Service, settle_heap
from healthqa.config import Settings
from kb_builders import build_kb, write_medquad_file


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector can free it


def test_settled_objects_are_not_walked_until_a_reload_releases_them() -> None:
    try:
        loaded = _Node()
        alive = weakref.ref(loaded)
        settle_heap()
        assert gc.get_freeze_count() > 0
        del loaded  # what a reload replaces
        gc.collect()
        assert alive() is not None  # frozen: the collector does not look at it
        settle_heap(release_previous=True)
        assert alive() is None
        assert gc.get_freeze_count() > 0  # what is loaded now is frozen again
    finally:
        gc.unfreeze()


def test_what_an_ingest_replaced_is_freed(tmp_path: Path) -> None:
    service = Service(Settings(rate_limit=0, ingest_root=tmp_path), str(build_kb(tmp_path / "kb.db")))
    try:
        service.start()
        assert gc.get_freeze_count() > 0  # what the worker loaded is out of the collector's walks
        # The symptom index holds a reference cycle (its cache refers to it): only the collector frees it.
        replaced = weakref.ref(service.symptom_index())
        folder = write_medquad_file(tmp_path / "new", "0001", "Zyxoplasia", [
            ("information", "What is zyxoplasia?", "Zyxoplasia is a condition made up for this test."),
        ]).parent
        [result] = service.ingest([str(folder)])
        assert result["ok"] and result["documents_added"] == 1
        assert replaced() is None
    finally:
        service.close()
        gc.unfreeze()
