"""The encoder's ONNX graphs cached on disk (healthqa.retrieve.encoder.query_model_folder): made once, then read by
every later process, which then encodes questions and passages without loading torch; a damaged cache is not used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from healthqa.retrieve import encoder as encoding

QUESTION = "is Lambert-Eaton myasthenic syndrome inherited?"


def test_made_once_then_read_without_torch_and_a_damaged_one_is_remade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHQA_CACHE_DIR", str(tmp_path))
    first = encoding.Encoder()
    query = first.encode_query(QUESTION)  # exported through torch, then cached
    exact = first._encode_torch([QUESTION], max_tokens=encoding.QUERY_TOKENS)[0]  # the torch float32 model
    folder = encoding.query_model_folder(first._path)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["float32.onnx", "manifest.json", *(["int8.onnx"] if first.query_precision == "int8" else [])])
    script = (
        "import sys, numpy as np\n"
        "from healthqa.retrieve.encoder import Encoder\n"
        "encoder = Encoder()\n"
        f"np.save(sys.argv[1], np.stack([encoder.encode_query({QUESTION!r}), encoder.encode_question({QUESTION!r}),\n"
        f"                                encoder.encode([{QUESTION!r}] * 20, max_tokens=48)[7]]))\n"
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules\n"
    )
    out = tmp_path / "vectors.npy"
    done = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HEALTHQA_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    cached_query, cached_exact, cached_passage = np.load(out)
    np.testing.assert_allclose(cached_query, query, atol=1e-6)  # the same int8 (or float32) graph
    assert float(cached_exact @ exact) > 0.99999  # the float32 graph agrees with torch to rounding
    np.testing.assert_allclose(cached_passage, cached_exact, atol=1e-6)  # passages: the same graph, in bulk
    # A damaged graph fails its digest: not used; the next process that needs it makes and caches it again.
    (folder / "float32.onnx").write_bytes(b"not a graph")
    assert encoding._read_query_models(folder, exact=True) is None
    remade = encoding.Encoder()
    assert remade._exact_session() is None  # a one-off question then goes through torch
    remade.prepare_queries()  # as an ingest or a server's start does: made and cached again
    assert encoding._read_query_models(folder, exact=True) is not None
