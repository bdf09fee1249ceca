"""The server's heap: what a worker loads is kept out of the garbage collector's full walks."""

from __future__ import annotations

import gc
import weakref

from healthqa.api.service import settle_heap


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
