"""Dense retrieval: the knowledge base's passage vectors as a flat inner-product index, and their embedding.

:func:`build_vectors` embeds the passages that have no vector yet (an ingest's step: it writes to the store);
:class:`VectorIndex` searches them (an answerer's: it only reads). The index can be made from the store's rows
or from arrays memory-mapped from the derived files of a generation (:mod:`healthqa.retrieve.derived`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

from healthqa.retrieve.encoder import DIMENSIONS, Encoder
from healthqa.store.base import Store

# One BLAS thread for a question's vector search: OpenBLAS wakes a second thread for the product (1.5 ms
# instead of 2.5) that then spins for the rest of the answer, doubling its CPU time (88 ms instead of 46 ms
# per ask measured), which a server answering questions on every core pays for in throughput.
_BLAS = ThreadpoolController()


class VectorIndex:
    """A flat inner-product index over the knowledge base's passage vectors, searched in two stages.

    The full float32 matrix (17,881 x 384 over MedQuAD, 27 MB) does not fit in this machine's cache, so one
    product with it costs ~2.6 ms of memory traffic. A large index also keeps the vectors projected on their
    128 principal directions (9 MB, ~0.2 ms per product): that product picks ``shortlist`` times the wanted
    number of rows, and their exact similarities choose among them. Measured on the LiveQA dev questions,
    the shortlist of 3 x 100 holds 99.1% of the exact top 100; every similarity returned is exact.
    """

    projected_dimensions = 128
    shortlist = 3
    min_rows_to_project = 4096  # below this the full product is cheap

    def __init__(self, ids: list[int], blobs: list[bytes]) -> None:
        self.ids: npt.NDArray[np.int64] = np.asarray(ids, dtype=np.int64)
        if blobs:
            self.matrix: npt.NDArray[np.float32] = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(
                len(blobs), -1
            )
        else:
            self.matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.position = {int(rowid): i for i, rowid in enumerate(ids)}
        self._projection: npt.NDArray[np.float32] | None = None
        self._projected: npt.NDArray[np.float32] | None = None
        if len(self.matrix) >= self.min_rows_to_project and self.matrix.shape[1] > self.projected_dimensions:
            self._projection = _principal_directions(self.matrix, self.projected_dimensions)
            with _BLAS.limit(limits=1, user_api="blas"):
                self._projected = np.ascontiguousarray(self.matrix @ self._projection)

    @classmethod
    def from_arrays(
        cls, ids: npt.NDArray[np.int64], matrix: npt.NDArray[np.float32],
        projection: npt.NDArray[np.float32] | None, projected: npt.NDArray[np.float32] | None,
    ) -> VectorIndex:
        """The index over arrays made earlier by :meth:`arrays` (memory-mapped: nothing is copied or computed)."""
        if matrix.ndim != 2 or len(ids) != len(matrix) or (projected is not None and len(projected) != len(matrix)):
            raise ValueError(f"{len(ids)} ids for a {matrix.shape} matrix")
        index = cls.__new__(cls)
        index.ids = ids
        index.matrix = matrix
        index.position = {int(rowid): i for i, rowid in enumerate(ids.tolist())}
        index._projection, index._projected = projection, projected
        return index

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """What :meth:`from_arrays` takes, by name (the projection only where this index has one)."""
        parts: dict[str, npt.NDArray[np.generic]] = {"ids": self.ids, "matrix": self.matrix}
        if self._projection is not None and self._projected is not None:
            parts["projection"], parts["projected"] = self._projection, self._projected
        return parts

    def nearest(self, query: npt.NDArray[np.float32], limit: int) -> list[tuple[int, float]]:
        """The ``limit`` rows most similar to ``query``: (row id, exact cosine), most similar first."""
        if not len(self.matrix) or limit <= 0:
            return []
        with _BLAS.limit(limits=1, user_api="blas"):
            if self._projected is not None and self._projection is not None:
                rough = self._projected @ (query @ self._projection)
                positions = _top(rough, limit * self.shortlist)
                exact = self.matrix[positions] @ query
            else:
                positions = np.arange(len(self.matrix))
                exact = self.matrix @ query
        best = _top(exact, limit)
        best = best[np.argsort(-exact[best], kind="stable")]
        return [(int(self.ids[positions[i]]), float(exact[i])) for i in best]

    def similarity(self, query: npt.NDArray[np.float32], rowids: list[int]) -> dict[int, float]:
        """The exact cosine of ``query`` with each of ``rowids`` that has a vector."""
        known = [rowid for rowid in rowids if rowid in self.position]
        if not known:
            return {}
        with _BLAS.limit(limits=1, user_api="blas"):
            values = self.matrix[[self.position[rowid] for rowid in known]] @ query
        return dict(zip(known, values.tolist(), strict=True))

    def __len__(self) -> int:
        return len(self.ids)


def _top(values: npt.NDArray[np.float32], count: int) -> npt.NDArray[np.intp]:
    """Positions of the ``count`` largest values, in no particular order."""
    if len(values) <= count:
        return np.arange(len(values))
    return np.argpartition(-values, count - 1)[:count]


def _principal_directions(matrix: npt.NDArray[np.float32], dimensions: int) -> npt.NDArray[np.float32]:
    """The ``dimensions`` directions of greatest variance of the rows (from a sample of at most 8,192)."""
    step = -(-len(matrix) // 8192)
    sample = matrix[::step].astype(np.float64)
    _, _, directions = np.linalg.svd(sample - sample.mean(axis=0), full_matrices=False)
    return np.ascontiguousarray(directions[:dimensions].T.astype(np.float32))


def build_vectors(store: Store, encoder: Encoder, batch: int = 256) -> int:
    """Embed every visible passage that has no vector yet; returns how many were added.

    When it added any, the store's generation is advanced once at the end: servers that rebuilt after the
    ingest's commit (without embedding: those passages found by their words only) rebuild again, with them."""
    missing = store.vector_texts_missing(encoder.name)
    for start in range(0, len(missing), batch):
        part = missing[start:start + batch]
        vectors = encoder.encode([text for _, text in part], max_tokens=64)
        store.put_vectors(
            encoder.name, [(rowid, vec.tobytes()) for (rowid, _), vec in zip(part, vectors, strict=True)]
        )
    if missing:
        store.advance_generation()
    return len(missing)
