"""Shared helpers for the LiveQA benchmarks: the cached knowledge base, the dev questions, qrels, metrics.

The knowledge base is MedQuAD plus the LiveQA judged answers (the only public text of the judged A.D.A.M.
and MedlinePlus Drugs answers), ingested once into ``benchmarks/.cache/kb.db``. A stamp file beside it
records the data folder and a digest of healthqa's ingest and store code; when either changes the cache
is rebuilt from scratch. Passage vectors are kept apart in ``benchmarks/.cache/vectors.db``, keyed by
the embedded text and a digest of the embedding code, so a rebuilt knowledge base gets its vectors back
in seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import sqlite3
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from healthqa.answer.rank import Weights, build_vectors
from healthqa.ingest import ingest_path
from healthqa.mediqa.liveqa_training import LiveQATrainingQuestion, read_liveqa_training
from healthqa.retrieve import encoder as encoding
from healthqa.store.sqlite import SQLiteStore

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
CACHE = REPO_ROOT / "benchmarks" / ".cache"
DEFAULT_KB = CACHE / "kb.db"
RELEVANT = 3  # LiveQA judgments: 1-Incorrect, 2-Related, 3-Incomplete, 4-Excellent
CUTOFF = 10

Qrels = dict[int, dict[str, int]]


def _code_digest() -> str:
    """A digest of the code that decides what the knowledge base holds."""
    package = REPO_ROOT / "src" / "healthqa"
    files = sorted([*(package / "ingest").glob("*.py"), *(package / "store").rglob("*.py"),
                    *(package / "store").rglob("*.sql"), package / "records.py"])
    hasher = hashlib.sha256()
    for file in files:
        hasher.update(file.relative_to(package).as_posix().encode())
        hasher.update(file.read_bytes())
    return hasher.hexdigest()[:16]


def build_kb(path: Path, data: Path, *, rebuild: bool = False, vectors: bool = True) -> SQLiteStore:
    """The benchmark knowledge base at ``path``, ingesting ``data`` first unless a current build is there.

    With ``vectors`` every visible passage also gets its all-MiniLM-L6-v2 vector (from the vector cache
    where it can), so that building an ``Answerer`` costs no encoding.
    """
    stamp_path = path.with_name(path.name + ".stamp.json")
    stamp = {"data": str(data.resolve()), "code": _code_digest()}
    current = path.exists() and stamp_path.exists() and json.loads(stamp_path.read_text()) == stamp
    if current and not rebuild:
        store = SQLiteStore(path)
        if vectors:
            _fill_vectors(store, CACHE / "vectors.db")
        return store
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"), stamp_path):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = SQLiteStore(path)
    for part in (data / "medquad", data / "liveqa-med-2017" / "judged-answers-medquad.csv"):
        start = time.perf_counter()
        report = ingest_path(store, part)
        print(f"ingested {part} in {time.perf_counter() - start:.0f}s: {report.files} files, "
              f"{len(report.failures)} failures", file=sys.stderr)
        for failure in report.failures[:5]:
            print(f"  {failure}", file=sys.stderr)
    stamp_path.write_text(json.dumps(stamp))
    if vectors:
        _fill_vectors(store, CACHE / "vectors.db")
    return store


def _fill_vectors(store: SQLiteStore, cache_path: Path) -> None:
    """Give every visible passage its vector: from the cache by text, else encoded by healthqa."""
    encoder = encoding.default_encoder()
    recipe = hashlib.sha256(
        (encoder.name + inspect.getsource(build_vectors) + inspect.getsource(encoding)).encode()
    ).hexdigest()[:16]
    missing = dict(store.vector_texts_missing(encoder.name))
    if not missing:
        return
    keys = {rowid: hashlib.sha256(text.encode()).hexdigest() for rowid, text in missing.items()}
    cache = sqlite3.connect(cache_path)
    try:
        cache.execute(
            "CREATE TABLE IF NOT EXISTS vector(recipe TEXT, key TEXT, vector BLOB, PRIMARY KEY(recipe, key))"
        )
        cache.execute("DELETE FROM vector WHERE recipe != ?", (recipe,))
        cached = dict(cache.execute("SELECT key, vector FROM vector WHERE recipe = ?", (recipe,)).fetchall())
        found = [(rowid, cached[key]) for rowid, key in keys.items() if key in cached]
        if found:
            store.put_vectors(encoder.name, found)
        start = time.perf_counter()
        encoded = build_vectors(store, encoder)
        seconds = time.perf_counter() - start
        print(f"vectors: {len(found)} from the cache, {encoded} encoded in {seconds:.0f}s", file=sys.stderr)
        if encoded:
            rowids, blobs = store.load_vectors(encoder.name)
            fresh = [(keys[rowid], blob) for rowid, blob in zip(rowids, blobs, strict=True)
                     if rowid in keys and keys[rowid] not in cached]
            with cache:
                cache.executemany("INSERT OR REPLACE INTO vector VALUES (?, ?, ?)",
                                  [(recipe, key, blob) for key, blob in fresh])
    finally:
        cache.close()


def load_liveqa_train(data: Path) -> list[LiveQATrainingQuestion]:
    """Every LiveQA 2017 training question with a message, in file order (none of them dev questions)."""
    return read_liveqa_training(data / "liveqa-med-2017" / "train")


@dataclass(frozen=True)
class LiveQAQuestion:
    number: int  # N of qid "TQN", as used in the qrels
    subject: str
    message: str
    original: str  # "SUBJECT. MESSAGE", or just MESSAGE when there is no subject
    nlm_summary: str
    nist_paraphrase: str


def _text(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def load_liveqa_dev(data: Path) -> list[LiveQAQuestion]:
    root = ET.parse(data / "liveqa-med-2017" / "test-questions-dev.xml").getroot()
    questions = []
    for node in root.iter("NLM-QUESTION"):
        qid = node.get("qid", "")
        if not qid.startswith("TQ"):
            raise ValueError(f"unexpected qid {qid!r}")
        subject = _text(node.find("Original-Question/SUBJECT"))
        message = _text(node.find("Original-Question/MESSAGE"))
        original = f"{subject}. {message}" if subject else message
        questions.append(LiveQAQuestion(
            number=int(qid[2:]), subject=subject, message=message, original=original.strip(),
            nlm_summary=_text(node.find("NLM-Summary")), nist_paraphrase=_text(node.find("NIST-PARAPHRASE")),
        ))
    return questions


def load_qrels(path: Path) -> Qrels:
    """``N JUDGMENT AnswerID`` lines, the judgment like ``3-Incomplete`` read as 3."""
    qrels: Qrels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        number, judgment, answer_id = line.split()
        qrels.setdefault(int(number), {})[answer_id] = int(judgment.split("-", 1)[0])
    return qrels


def _unique(ranked: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ranked))[:CUTOFF]


def _relevant(judged: dict[str, int]) -> set[str]:
    return {answer for answer, grade in judged.items() if grade >= RELEVANT}


def average_precision(ranked: Sequence[str], judged: dict[str, int]) -> float:
    relevant = _relevant(judged)
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for k, answer in enumerate(_unique(ranked), start=1):
        if answer in relevant:
            hits += 1
            total += hits / k
    return total / min(len(relevant), CUTOFF)


def reciprocal_rank(ranked: Sequence[str], judged: dict[str, int]) -> float:
    relevant = _relevant(judged)
    for k, answer in enumerate(_unique(ranked), start=1):
        if answer in relevant:
            return 1.0 / k
    return 0.0


def precision(ranked: Sequence[str], judged: dict[str, int]) -> float:
    relevant = _relevant(judged)
    return sum(answer in relevant for answer in _unique(ranked)) / CUTOFF


def success(ranked: Sequence[str], judged: dict[str, int]) -> float:
    return 1.0 if reciprocal_rank(ranked, judged) > 0 else 0.0


def liveqa_score(ranked: Sequence[str], judged: dict[str, int]) -> float:
    """The LiveQA score of the rank-1 answer: judgment - 1 (0..3), 0 when unjudged or nothing returned."""
    if not ranked:
        return 0.0
    return float(judged.get(ranked[0], 1) - 1)


METRICS = {
    "MAP@10": average_precision,
    "MRR@10": reciprocal_rank,
    "P@10": precision,
    "success@10": success,
    "avg_score": liveqa_score,
}


def evaluate(runs: dict[int, list[str]], qrels: Qrels, questions: Sequence[int]) -> dict[str, float]:
    """Each metric's mean over ALL ``questions`` (those without a relevant judged answer count 0)."""
    means = {}
    for name, metric in METRICS.items():
        values = [metric(runs.get(n, []), qrels.get(n, {})) for n in questions]
        means[name] = round(sum(values) / len(values), 4) if values else 0.0
    return means


def unjudged_share(runs: dict[int, list[str]], qrels: Qrels, questions: Sequence[int]) -> float:
    """The share of the answers in the top ``CUTOFF`` of ``questions`` that the qrels never judged."""
    listed = [(n, answer) for n in questions for answer in _unique(runs.get(n, []))]
    unjudged = sum(1 for n, answer in listed if answer not in qrels.get(n, {}))
    return round(unjudged / len(listed), 4) if listed else 0.0


def evaluate_condensed(runs: dict[int, list[str]], qrels: Qrels, questions: Sequence[int]) -> dict[str, float]:
    """The metrics on condensed lists (Sakai, SIGIR 2007): each ranking with its unjudged answers removed,
    then cut at ``CUTOFF``. The runs must go deeper than the cut-off (100 answers) so that ten judged ones
    remain. A figure of how a system orders the answers the pool judged, free of the pool's bias toward
    the 2017 systems' answers; never a replacement for :func:`evaluate`'s lower bounds. P@10 still divides
    by 10 when fewer than ten judged answers remain."""
    condensed = {n: [answer for answer in runs.get(n, []) if answer in qrels.get(n, {})] for n in questions}
    return evaluate(condensed, qrels, questions)


class BM25Index:
    """Plain BM25 (bm25s, English stopwords, no stemming) over every visible passage of a knowledge base.

    Each passage is indexed as "question + title + answer", the question being the stored question
    whose answer is the passage.
    """

    def __init__(self, store: SQLiteStore) -> None:
        import bm25s

        passages = list(store.iter_passages())
        public_ids = [p.public_id for p in passages]
        question_of: dict[str, str] = {}
        unique = list(dict.fromkeys(public_ids))
        for start in range(0, len(unique), 900):
            found = store.questions_answered_by(unique[start:start + 900])
            for question in sorted(found, key=lambda q: q.rowid):
                if question.answer_id is not None:
                    question_of.setdefault(question.answer_id, question.text)
        texts = [f"{question_of.get(p.public_id, '')} {p.title} {p.text}" for p in passages]
        self.rowids = [p.rowid for p in passages]
        self.public_ids = public_ids
        self._bm25s = bm25s
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)

    def search(self, query: str, k: int = CUTOFF) -> list[tuple[int, float]]:
        """(position in this index, score), best first."""
        tokens = self._bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
        if not tokens[0]:
            return []
        indices, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [(int(i), float(s)) for i, s in zip(indices[0], scores[0], strict=True) if s > 0]

    def rank_ids(self, query: str, k: int = CUTOFF) -> list[tuple[str, float]]:
        return [(self.public_ids[i], score) for i, score in self.search(query, k)]


def ranking_check_parser(description: str | None) -> argparse.ArgumentParser:
    """The options of a ranking check on judged questions: the knowledge base, the data, how much of a judged answer
    a passage must hold, and ranking weights other than the shipped ones (``--weight NAME=VALUE``)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--overlap", type=float, default=0.5)
    parser.add_argument("--weight", action="append", default=[], metavar="NAME=VALUE",
                        help="a ranking weight other than the shipped one (model selection on training data)")
    return parser


def weights_given(specs: Sequence[str]) -> Weights:
    """The shipped ranking weights with those of ``specs`` ("NAME=VALUE") replaced."""
    return Weights(**{name: float(value) for name, _, value in (spec.partition("=") for spec in specs)})
