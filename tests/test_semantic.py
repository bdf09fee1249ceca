"""The real all-MiniLM-L6-v2 from its package: query vectors (int8 ONNX Runtime) against bulk vectors (torch)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from healthqa import semantic
from healthqa.semantic import DIMENSIONS, MIN_QUERY_COSINE, default_encoder

QUESTIONS = [
    "is Lambert-Eaton myasthenic syndrome inherited?",
    "hi, my dad was just diagnosed with eaton lambert, is it something my kids can get? " * 6,  # > 64 tokens
    "What are the side effects of amifampridine?",
]


def test_query_vectors_agree_with_the_float32_model_vectors() -> None:
    encoder = default_encoder()
    bulk = encoder.encode(QUESTIONS, max_tokens=semantic.QUERY_TOKENS)
    cosines = []
    for question, expected in zip(QUESTIONS, bulk, strict=True):
        vector = encoder.encode_query(question)
        assert vector.shape == (DIMENSIONS,) and vector.dtype == np.float32
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4
        cosines.append(float(vector @ expected))
    assert min(cosines) >= MIN_QUERY_COSINE
    if semantic._has_vnni():
        # Where int8 products are exact enough (VNNI), the int8 copy is the one in use: near, not equal.
        assert encoder.query_precision == "int8" and max(cosines) < 0.99999


def test_query_vectors_rank_related_questions_first() -> None:
    encoder = default_encoder()
    passages = encoder.encode(["How is Lambert-Eaton myasthenic syndrome inherited?", "How is gout treated?"])
    scores = passages @ encoder.encode_query("can my children inherit Lambert-Eaton syndrome")
    assert scores[0] > scores[1] + 0.2


def test_query_encoding_from_several_threads_gives_the_same_vectors() -> None:
    encoder = default_encoder()
    expected = [encoder.encode_query(q) for q in QUESTIONS]
    results: dict[int, list[np.ndarray]] = {}

    def work(index: int) -> None:
        results[index] = [encoder.encode_query(q) for q in QUESTIONS]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for vectors in results.values():
        for got, want in zip(vectors, expected, strict=True):
            np.testing.assert_allclose(got, want, atol=1e-5)


def test_a_quantized_copy_that_strays_is_replaced_by_the_float32_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    # No int8 copy can reach a cosine above 1, so the check must keep the exact float32 graph.
    monkeypatch.setattr(semantic, "MIN_QUERY_COSINE", 1.01)
    encoder = semantic.Encoder()
    bulk = encoder.encode(QUESTIONS, max_tokens=semantic.QUERY_TOKENS)
    for question, expected in zip(QUESTIONS, bulk, strict=True):
        assert float(encoder.encode_query(question) @ expected) > 0.9999
    assert encoder.query_precision == "float32"
