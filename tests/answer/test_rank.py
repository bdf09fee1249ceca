"""The vector index: its two-stage search returns exact similarities and the exact nearest rows."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from healthqa.answer.rank import VectorIndex


def _index(rows: npt.NDArray[np.float32]) -> VectorIndex:
    ids = list(range(1000, 1000 + len(rows)))
    return VectorIndex(ids, [row.tobytes() for row in rows])


def _unit(rows: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def test_a_large_index_finds_the_exact_nearest_rows_through_its_projection() -> None:
    # Sentence vectors vary along far fewer directions than they have: 60 here, plus a little noise.
    rng = np.random.default_rng(7)
    basis = rng.standard_normal((60, 384))
    rows = _unit(rng.standard_normal((6000, 60)) @ basis + 0.05 * rng.standard_normal((6000, 384)))
    index = _index(rows)
    assert index._projected is not None and index._projected.shape == (6000, VectorIndex.projected_dimensions)
    for seed in range(5):
        query = _unit(np.random.default_rng(seed).standard_normal(60) @ basis)
        exact = rows @ query
        want = [1000 + int(i) for i in np.argsort(-exact, kind="stable")[:50]]
        found = index.nearest(query, 50)
        assert [rowid for rowid, _ in found] == want
        for rowid, similarity in found:
            assert abs(similarity - float(exact[rowid - 1000])) < 1e-5


def test_a_small_index_is_searched_in_full() -> None:
    rows = _unit(np.random.default_rng(1).standard_normal((300, 384)))
    index = _index(rows)
    assert index._projected is None
    query = rows[17]
    found = index.nearest(query, 3)
    assert found[0][0] == 1017 and abs(found[0][1] - 1.0) < 1e-5
    assert index.nearest(query, 1000)[-1][1] == min(float(v) for v in rows @ query)


def test_similarity_is_exact_and_skips_rows_without_a_vector() -> None:
    rows = _unit(np.random.default_rng(2).standard_normal((5000, 384)))
    index = _index(rows)
    query = rows[3]
    similarity = index.similarity(query, [1003, 1010, 42])
    assert set(similarity) == {1003, 1010}
    assert abs(similarity[1003] - 1.0) < 1e-5
    assert abs(similarity[1010] - float(rows[10] @ query)) < 1e-5
    assert _index(rows[:0]).nearest(query, 5) == [] and index.similarity(query, []) == {}
