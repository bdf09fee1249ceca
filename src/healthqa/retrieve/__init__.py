"""Retrieve: turn a question into candidate passages.

- :mod:`healthqa.retrieve.lexical` — the in-memory full-text scores (BM25 over Porter stems, as the store's FTS5);
- :mod:`healthqa.retrieve.encoder` — sentence vectors (all-MiniLM-L6-v2 from its PyPI package; questions through
  an int8 ONNX copy);
- :mod:`healthqa.retrieve.passages` — every visible passage held in memory for servers and batch runs;
- :mod:`healthqa.retrieve.vectors` — the passage vectors' search index, and their embedding (an ingest's step);
- :mod:`healthqa.retrieve.derived` — those indexes written once per knowledge-base generation, memory-mapped.

Ranking the candidates and assembling the answer are :mod:`healthqa.answer`'s.
"""
