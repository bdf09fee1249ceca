"""The real all-MiniLM-L6-v2 from its package: its ONNX Runtime graphs (passages and one-off questions in float32,
servers' questions in int8) against the torch model they were exported from."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from healthqa.retrieve import encoder as encoding
from healthqa.retrieve.encoder import DIMENSIONS, MIN_QUERY_COSINE, default_encoder

QUESTIONS = [
    "is Lambert-Eaton myasthenic syndrome inherited?",
    "hi, my dad was just diagnosed with eaton lambert, is it something my kids can get? " * 6,  # > 64 tokens
    "What are the side effects of amifampridine?",
]


def test_query_vectors_agree_with_the_float32_model_vectors() -> None:
    encoder = default_encoder()
    bulk = encoder._encode_torch(QUESTIONS, max_tokens=encoding.QUERY_TOKENS)
    cosines = []
    for question, expected in zip(QUESTIONS, bulk, strict=True):
        vector = encoder.encode_query(question)
        assert vector.shape == (DIMENSIONS,) and vector.dtype == np.float32
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4
        cosines.append(float(vector @ expected))
    assert min(cosines) >= MIN_QUERY_COSINE
    if encoding._has_vnni():
        # Where int8 products are exact enough (VNNI), the int8 copy is the one in use: near, not equal.
        assert encoder.query_precision == "int8" and max(cosines) < 0.99999


def test_passages_go_through_the_graph_and_agree_with_the_torch_model() -> None:
    encoder = default_encoder()
    # Lengths from nothing to past the model's 256 pieces, out of order, in batches smaller than the list.
    texts = ["", *_passages(9), "calcium channel antibodies " * 120, "LEMS?"]
    for max_tokens in (64, None):
        graph = encoder.encode(texts, batch_size=4, max_tokens=max_tokens)
        reference = encoder._encode_torch(texts, batch_size=4, max_tokens=max_tokens)
        assert graph.shape == (len(texts), DIMENSIONS) and graph.dtype == np.float32
        np.testing.assert_allclose(graph, reference, atol=1e-5)
    assert encoder._bulk_session() is not None  # the graph, not torch, made them
    # Cut where asked: a text past 64 pieces reads differently at 64 and at the model's 256.
    long_text = texts[-2]
    assert float(encoder.encode([long_text], max_tokens=64)[0] @ encoder.encode([long_text])[0]) < 0.99999


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
    monkeypatch.setattr(encoding, "MIN_QUERY_COSINE", 1.01)
    encoder = encoding.Encoder()
    bulk = encoder._encode_torch(QUESTIONS, max_tokens=encoding.QUERY_TOKENS)
    for question, expected in zip(QUESTIONS, bulk, strict=True):
        assert float(encoder.encode_query(question) @ expected) > 0.9999
    assert encoder.query_precision == "float32"



def _passages(count: int) -> list[str]:
    """Passages longer than the 64 pieces bulk encoding keeps (and a question's 48), of different lengths."""
    words = "muscle weakness nerves antibodies calcium channels treatment inheritance symptoms diagnosis".split()
    return [
        f"Passage {n}: " + " ".join(words[(n + i) % len(words)] for i in range(30 + n % 50))
        for n in range(count)
    ]


def test_bulk_and_query_encoding_at_once_neither_fail_nor_change_the_vectors() -> None:
    # An ingest embeds new passages (``encode``) while the server goes on encoding questions
    # (``encode_query``). Both once used one tokenizer whose truncation and padding are settings shared by
    # its callers: a call could fail ("Unable to create tensor", "Already borrowed") or, silently, embed
    # passages cut to a question's 48 pieces, or a question padded. Switching threads every microsecond
    # makes those interleavings happen within seconds (with the default 5 ms, about once a minute).
    encoder = default_encoder()
    passages = _passages(48)
    questions = [f"{question} {n}" for n in range(4) for question in QUESTIONS]
    alone_bulk = encoder.encode(passages, batch_size=4, max_tokens=64)
    alone_queries = [encoder.encode_query(question) for question in questions]
    failures: list[BaseException] = []
    got_queries: list[tuple[int, np.ndarray]] = []
    done = threading.Event()

    def ask() -> None:
        try:
            while not done.is_set():
                for number, question in enumerate(questions):
                    got_queries.append((number, encoder.encode_query(question)))
        except BaseException as error:  # any error is what the test looks for
            failures.append(error)

    askers = [threading.Thread(target=ask) for _ in range(3)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for thread in askers:
            thread.start()
        # Small batches: each is one more call into the tokenizer for the questions to interleave with.
        rounds = [encoder.encode(passages, batch_size=4, max_tokens=64) for _ in range(2)]
    finally:
        done.set()
        sys.setswitchinterval(interval)
        for thread in askers:
            thread.join()
    assert not failures, repr(failures[0])
    assert got_queries
    for bulk in rounds:
        np.testing.assert_allclose(bulk, alone_bulk, atol=1e-5)
    for number, vector in got_queries:
        np.testing.assert_allclose(vector, alone_queries[number], atol=1e-5)


def test_a_question_encoded_again_is_not_encoded_twice_and_its_vector_cannot_be_changed() -> None:
    """The template reader and the learned reading of types encode the same question with its names as "X"."""
    encoder = default_encoder()
    first = encoder.encode_question("is there anyone with X I could talk to")
    assert encoder.encode_question("is there anyone with X I could talk to") is first
    assert not first.flags.writeable
    assert encoder.encode_question("how is X diagnosed") is not first
    for number in range(encoding.QUESTION_VECTORS_KEPT):
        encoder.encode_question(f"question {number}")
    # The oldest are let go.
    assert encoder.encode_question("is there anyone with X I could talk to") is not first
    kept = encoder.encode_question("how is X diagnosed")
    encoder.forget_questions()
    assert encoder.encode_question("how is X diagnosed") is not kept
