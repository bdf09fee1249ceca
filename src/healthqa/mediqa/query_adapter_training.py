"""Training of the query adapter of the ranking (:class:`healthqa.learned.QueryAdapter`): a linear map that brings a
LiveQA training message's sentence vector near the MedQuAD question it asks. Rebuilt by
``python -m healthqa.mediqa.training query-adapter --kb KB`` (KB: a knowledge base holding MedQuAD, e.g.
``benchmarks/.cache/kb.db``) or with every other model by ``python -m healthqa.mediqa.rebuild``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from healthqa import learned
from healthqa.mediqa.liveqa_training import read_liveqa_training
from healthqa.retrieve.encoder import Encoder, default_encoder

Matrix = npt.NDArray[np.float64]


# The MedQuAD question each annotated LiveQA question type asks, as MedQuAD words it ("{}": the focus).
FAQ_TEMPLATES: dict[str, str] = {
    "information": "What is (are) {} ?", "treatment": "What are the treatments for {} ?",
    "cause": "What causes {} ?", "diagnosis": "How to diagnose {} ?", "prognosis": "What is the outlook for {} ?",
    "symptom": "What are the symptoms of {} ?", "susceptibility": "Who is at risk for {}? ?",
    "inheritance": "Is {} inherited ?", "complication": "What are the complications of {} ?",
    "prevention": "How to prevent {} ?", "organization": "Where to find support for people with {} ?",
    "side effects": "What are the side effects or risks of {} ?",
    "usage": "How should {} be used and what is the dosage ?",
    "dosage": "How should {} be used and what is the dosage ?",
    "indication": "Who should get {} and why is it prescribed ?",
    "contraindication": "Are there safety concerns or special precautions about {} ?",
    "interaction": "Are there safety concerns or special precautions about {} ?",
    "storage and disposal": "What should I know about storage and disposal of {} ?",
    "genetic changes": "What are the genetic changes related to {} ?",
}
ADAPTER_STEPS = 200
ADAPTER_PENALTY = 0.001  # on the squared distance of the matrix from the identity
ADAPTER_TEMPERATURE = 0.05
SAME_QUESTION = 0.9  # cosine above which a knowledge-base question is the target question itself


def liveqa_training_pairs(folder: Path) -> list[tuple[str, str]]:
    """(message, the FAQ question it asks) for every annotated sub-question of the LiveQA training files:
    the message as "SUBJECT. MESSAGE", the FAQ question from its annotated focus and type."""
    return [(question.text, FAQ_TEMPLATES.get(kind, FAQ_TEMPLATES["information"]).format(focus))
            for question in read_liveqa_training(folder) for focus, kind in question.asked]


def fit_query_adapter(queries: npt.NDArray[np.floating[Any]], targets: npt.NDArray[np.floating[Any]],
                      corpus: npt.NDArray[np.floating[Any]], steps: int = ADAPTER_STEPS,
                      penalty: float = ADAPTER_PENALTY) -> npt.NDArray[np.float32]:
    """The matrix W that brings each normalised ``W @ query`` nearest its target among all targets and all
    ``corpus`` vectors (the knowledge base's FAQ questions): softmax cross-entropy at temperature 0.05, full
    batch (the same data gives the same matrix), Adam, ``penalty`` times the squared distance from the
    identity. Rows that are the target question itself (cosine above 0.9) are no negatives."""
    import torch

    query, target, known = (torch.from_numpy(np.array(m, dtype=np.float32))
                            for m in (queries, targets, corpus))
    identity = torch.eye(query.shape[1])
    weights = torch.nn.Parameter(identity.clone())
    optimiser = torch.optim.Adam([weights], lr=1e-3)
    same_target = (target @ target.T) > SAME_QUESTION
    same_target.fill_diagonal_(False)
    mask = torch.cat([same_target, (target @ known.T) > SAME_QUESTION], dim=1)
    candidates = torch.cat([target, known])
    labels = torch.arange(len(query))
    for _ in range(steps):
        adapted = torch.nn.functional.normalize(query @ weights.T, dim=1)
        logits = (adapted @ candidates.T / ADAPTER_TEMPERATURE).masked_fill(mask, -1e4)
        loss = torch.nn.functional.cross_entropy(logits, labels) + penalty * ((weights - identity) ** 2).sum()
        optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
    matrix: npt.NDArray[np.float32] = weights.detach().numpy().astype(np.float32)
    return matrix


def similarity_scale(queries: npt.NDArray[np.floating[Any]], matrix: npt.NDArray[np.float32],
                     corpus: npt.NDArray[np.floating[Any]],
                     nearest: int = 100) -> tuple[float, float]:
    """(scale, shift) that give the adapted cosines of the queries' ``nearest`` corpus vectors the mean and
    spread of the plain cosines of theirs: see :class:`healthqa.learned.QueryAdapter`."""
    adapted = queries @ matrix.T
    adapted /= np.linalg.norm(adapted, axis=1, keepdims=True)

    def top(similarities: Matrix) -> Matrix:
        count = min(nearest, similarities.shape[1])
        top_values: Matrix = -np.partition(-similarities, count - 1, axis=1)[:, :count]
        return top_values

    plain, moved = top(queries @ corpus.T), top(adapted @ corpus.T)
    scale = float(plain.std() / max(float(moved.std()), 1e-6))
    return round(scale, 6), round(float(plain.mean()) - scale * float(moved.mean()), 6)


def train_query_adapter(liveqa: Path, kb: Path, encoder: Encoder | None = None,
                        write: bool = True, folder: Path | None = None) -> learned.QueryAdapter:
    """The query adapter from the LiveQA training questions (read as the ranker reads questions: the
    understood message with its abbreviations expanded, encoded as a query) and the FAQ question vectors
    of the knowledge base at ``kb``; when ``write``, written into ``folder`` (default: :mod:`healthqa.learned`)."""
    from healthqa.answer.answerer import name_index
    from healthqa.answer.rank import build_vectors
    from healthqa.retrieve.encoder import QUERY_TOKENS
    from healthqa.store import SQLiteStore
    from healthqa.understand import understand

    encoder = encoder or default_encoder()
    pairs = liveqa_training_pairs(liveqa)
    if not pairs:
        raise SystemExit(f"{liveqa}: no annotated LiveQA training questions")
    store = SQLiteStore(kb)
    try:
        build_vectors(store, encoder)
        names = name_index(store)
        _, blobs = store.load_vectors(encoder.name)
        corpus = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1)
        said = [understand(message, names).expanded[:1000] for message, _ in pairs]
    finally:
        store.close()
    encoder.prepare_queries()
    queries = np.stack([encoder.encode_query(text) for text in said])
    targets = encoder.encode([faq for _, faq in pairs], max_tokens=64)
    matrix = fit_query_adapter(queries, targets, corpus)
    scale, shift = similarity_scale(queries, matrix, corpus)
    adapter = learned.QueryAdapter(matrix, encoder.name, scale, shift, {
        "trained_on": f"{len(pairs)} annotated sub-questions of the LiveQA 2017 training files; "
                      f"negatives: the {len(corpus)} FAQ question vectors of {kb.name}",
        "query_tokens": QUERY_TOKENS, "steps": ADAPTER_STEPS, "penalty": ADAPTER_PENALTY,
        "temperature": ADAPTER_TEMPERATURE,
        "command": "python -m healthqa.mediqa.training query-adapter --kb KB",
        "distance_from_identity": round(float(np.linalg.norm(matrix - np.eye(len(matrix)))), 4),
        "trained_on_files": [*(path.name for path in sorted(liveqa.glob("*.xml"))),
                             f"{kb.name} (its FAQ question vectors)"],
    })
    if write:
        learned.save_query_adapter(adapter, folder)
    return adapter
