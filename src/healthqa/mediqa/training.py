"""Training of the learned scorers, written as small files into :mod:`healthqa.learned`.

Every shipped model is rebuilt, in the order they depend on each other, by one command (see
:mod:`healthqa.mediqa.rebuild`)::

    python -m healthqa.mediqa.rebuild --kb /var/lib/healthqa/healthqa.db --medquad-kb benchmarks/.cache/kb.db

The commands below rebuild one model each. The two MEDIQA scorers (entailment first: the re-ranker uses its score as
a feature)::

    python -m healthqa.mediqa.training mediqa [--data DIR]

or one of them: ``python -m healthqa.mediqa.training entail`` / ``python -m healthqa.mediqa.training rerank``.
The query adapter of the ranking (see :mod:`healthqa.mediqa.query_adapter_training`) is trained on its own, from
the LiveQA 2017 training questions and a knowledge base holding MedQuAD (e.g. ``benchmarks/.cache/kb.db``)::

    python -m healthqa.mediqa.training query-adapter --kb KB [--liveqa DIR]

The question-type classifier of question understanding (see :mod:`healthqa.mediqa.qtype_training`)::

    python -m healthqa.mediqa.training qtype [--liveqa DIR] [--medquad DIR]

The learned reading of exams and tests, support groups and complications (see
:mod:`healthqa.mediqa.asked_type_training`), from the founding classes' questions and questions of other types in
``benchmarks/data``, the LiveQA 2017 training questions, MedQuAD and the questions of ``rqe-train-amia2016.xml`` and
``qa-train2-alexa.xml`` in ``DIR``, with the names of a knowledge base holding the founding documents (the one
``scripts/start`` builds, ``/var/lib/healthqa/healthqa.db``)::

    python -m healthqa.mediqa.training asked-type --kb KB [--founding FILE] [--other FILE]

The words of question templates that the ranking sets apart from what a question asks about (see
:mod:`healthqa.mediqa.question_words`)::

    python -m healthqa.mediqa.training question-words [--medquad DIR]

MedQuAD's question templates with their types, from which the answer step reads the type of a short question no
cue word types (see :mod:`healthqa.mediqa.question_templates`)::

    python -m healthqa.mediqa.training question-templates [--medquad DIR]

``DIR`` holds the MEDIQA 2019 files; by default ``$HEALTHQA_SOURCES/mediqa-2019`` when that exists,
else ``../shared/data/mediqa-2019`` beside the repository. Only these files are used:

- entailment: ``rqe-train-amia2016.xml`` (nothing of the validation file);
- re-ranking: ``qa-train1-liveqa-dev.xml`` + ``qa-train2-alexa.xml``; the label threshold is the one
  that maximises accuracy on out-of-fold predictions of a 5-fold split of these files by question.

Training needs scikit-learn; using the shipped weights does not. Encoding the training texts with
MiniLM takes a few minutes per model on an idle two-core CPU (``mediqa`` took 26 minutes on a busy one). Since
session 18 the re-ranker's rebuild also trains its cross-encoder (:mod:`healthqa.mediqa.cross_encoder`) three
times, twice on half the questions and once on all: ``rerank`` took 28 minutes on two cores.

The features read vocabularies of other modules (the question parser's type cues and stopwords), so
each weights file records :func:`feature_fingerprint`; tests/mediqa/test_shipped_weights.py fails when it no
longer matches (the benchmarks print it too). Retrain after changing those vocabularies.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from healthqa import learned
from healthqa.learned import LinearModel
from healthqa.mediqa import cross_encoder, entail, rerank
from healthqa.retrieve.encoder import Encoder, default_encoder

Matrix = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]

RQE_TRAIN = "rqe-train-amia2016.xml"
RQE_VALIDATION = "rqe-validation-amia2016.xml"
QA_TRAIN = ("qa-train1-liveqa-dev.xml", "qa-train2-alexa.xml")
QA_VALIDATION = "qa-validation.xml"
# Inverse regularisation strength of both logistic regressions. The entailment model's results vary little
# between 0.1 and 10. The re-ranker's was chosen across question sources (:func:`cross_source_validate`: fitted
# on one training file, scored on the other, the LiveQA and the Alexa questions): mean accuracy 0.676 / 0.768 /
# 0.774 / 0.772 / 0.754 at C 0.003 / 0.03 / 0.1 / 0.3 / 1, where the mixed 5-fold split barely moves (0.844 at
# 0.1, 0.852 at 1), because the held-out test questions are another source (issue 16: test 0.728 at C 1).
C_ENTAIL = 1.0
C_RERANK = 0.1
FOLDS = 5
# The re-ranker's label threshold is read off out-of-fold accuracy averaged over this many shuffled splits:
# the accuracy curve is flat (0.850-0.853 between 0.44 and 0.60), and one split's best cut ranged from 0.47
# to 0.62 across ten seeds on the same features, enough to move with any small change of a feature.
THRESHOLD_SPLITS = 10
CUTS = np.round(np.arange(0.05, 0.951, 0.01), 2)


def feature_fingerprint() -> str:
    """A digest of the vocabularies the features read from other modules (the question parser's type cues
    and stopwords, the generic question words, the feature lists). Stored with the weights at training;
    a test fails when it no longer matches, which means the weights should be retrained."""
    from healthqa import understand

    parts = [
        repr([(kind.value, pattern) for kind, pattern in understand._TYPE_CUES]),
        " ".join(sorted(understand.STOPWORDS)),
        " ".join(sorted(entail.GENERIC_WORDS)),
        " ".join(entail.FEATURES),
        " ".join(rerank.FEATURES),
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def default_data_dir() -> Path:
    configured = os.environ.get("HEALTHQA_SOURCES")
    if configured and (Path(configured) / "mediqa-2019").is_dir():
        return Path(configured) / "mediqa-2019"
    return Path(__file__).resolve().parents[3].parent / "shared" / "data" / "mediqa-2019"


def fit_linear(matrix: Matrix, labels: Labels, features: Sequence[str], c: float) -> LinearModel:
    """A standardised logistic regression, as a :class:`LinearModel`."""
    from sklearn.linear_model import LogisticRegression

    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a constant feature: leave it unscaled (its coefficient will be ~0)
    regression = LogisticRegression(C=c, max_iter=5000)
    regression.fit((matrix - mean) / scale, labels)
    return LinearModel(
        features=tuple(features),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in regression.coef_[0]),
        intercept=float(regression.intercept_[0]),
    )


def accuracy_curve(
    probabilities: Matrix, labels: Labels, always: npt.NDArray[np.bool_] | None = None
) -> Matrix:
    """The accuracy of labelling 1 at or above each of :data:`CUTS`; rows marked in ``always`` are labelled
    1 whatever the cut."""
    forced = always if always is not None else np.zeros(len(labels), dtype=bool)
    return np.asarray([np.mean(((probabilities >= t) | forced) == labels) for t in CUTS])


def best_threshold(accuracies: Matrix) -> float:
    """The cut of :data:`CUTS` that maximises ``accuracies`` (the middle of the best plateau)."""
    best = np.flatnonzero(accuracies >= accuracies.max() - 1e-12)
    # The longest run of best cuts, and its middle: a cut on a plateau's edge is fitted to a few answers.
    runs: list[list[int]] = [[int(best[0])]]
    for index in best[1:]:
        if index == runs[-1][-1] + 1:
            runs[-1].append(int(index))
        else:
            runs.append([int(index)])
    run = max(runs, key=len)
    return float(CUTS[run[len(run) // 2]])


def with_threshold(model: LinearModel, threshold: float, meta: dict[str, Any]) -> LinearModel:
    return LinearModel(model.features, model.mean, model.scale, model.coef, model.intercept, threshold, meta)


# --- question entailment ---------------------------------------------------------------------------


def rqe_dataset(path: Path, encoder: Encoder) -> tuple[list[entail.RqePair], Matrix, Labels]:
    pairs = [p for p in entail.read_rqe_pairs(path) if p.label is not None]
    matrix = entail.pair_features([(p.consumer, p.faq) for p in pairs], encoder)
    labels = np.asarray([int(bool(p.label)) for p in pairs], dtype=np.int64)
    return pairs, matrix, labels


def train_entail(data: Path, encoder: Encoder | None = None, write: bool = True,
                 folder: Path | None = None) -> LinearModel:
    """The entailment model fitted on ``data``'s RQE training pairs; when ``write``, written into ``folder``
    (default: :mod:`healthqa.learned`) as ``entail.json``."""
    _, matrix, labels = rqe_dataset(data / RQE_TRAIN, encoder or default_encoder())
    model = fit_linear(matrix, labels, entail.FEATURES, C_ENTAIL)
    # Train pairs are paraphrases against random questions, so any cut separates them; 0.5 is the
    # calibrated middle, and no other file may pick it.
    model = with_threshold(model, 0.5, {
        "trained_on": RQE_TRAIN, "pairs": len(labels), "c": C_ENTAIL,
        "command": "python -m healthqa.mediqa.training entail", "fingerprint": feature_fingerprint(),
    })
    if write:
        learned.save(model, "entail", folder / "entail.json" if folder is not None else None)
    return model


# --- answer re-ranking -----------------------------------------------------------------------------


@dataclass
class RerankData:
    questions: list[rerank.MediqaQuestion]
    matrix: Matrix  # one row per answer, questions in order, answers in CHiQA's order
    labels: Labels
    groups: npt.NDArray[np.int64]  # the index of each row's question

    def rows_of(self, index: int) -> npt.NDArray[np.int64]:
        return np.flatnonzero(self.groups == index)


def rerank_dataset(paths: Sequence[Path], encoder: Encoder, cross_out_of_fold: bool = False) -> RerankData:
    """The questions of ``paths`` with their features. With ``cross_out_of_fold`` each question's cross-encoder
    scores come from a cross-encoder fitted without it (two folds of these questions: what the re-ranker is
    fitted on); else from the shipped one (for questions it was not fitted on)."""
    questions: list[rerank.MediqaQuestion] = []
    for path in paths:
        questions.extend(q for q in rerank.read_mediqa_questions(path) if q.answers)
    cross = cross_encoder.out_of_fold([cross_pairs(q) for q in questions]) if cross_out_of_fold else None
    blocks = [rerank.question_features(q, encoder, None if cross is None else cross[i].tolist())
              for i, q in enumerate(questions)]
    labels = [int(bool(a.correct)) for q in questions for a in q.answers]
    groups = [i for i, q in enumerate(questions) for _ in q.answers]
    return RerankData(
        questions, np.vstack(blocks), np.asarray(labels, dtype=np.int64), np.asarray(groups, dtype=np.int64)
    )


def cross_pairs(question: rerank.MediqaQuestion) -> list[cross_encoder.Pair]:
    """The cross-encoder's training pairs of a judged question: (question, answer, target)."""
    return [(question.text, a.text, cross_encoder.target(a.reference_score or 1)) for a in question.answers]


def out_of_fold(data: RerankData, folds: int = FOLDS, seed: int = 0) -> Matrix:
    """Probabilities for every row from models trained without its question's fold."""
    from sklearn.model_selection import GroupKFold

    probabilities = np.zeros(len(data.labels))
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(data.matrix, data.labels, data.groups):
        model = fit_linear(data.matrix[train], data.labels[train], rerank.FEATURES, C_RERANK)
        probabilities[test] = model.probabilities(data.matrix[test])
    return probabilities


def best_of_question(probabilities: Matrix, groups: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Marks the row of highest probability of each question (the first on ties, as in ranking)."""
    best = np.zeros(len(probabilities), dtype=bool)
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        best[rows[int(np.argmax(probabilities[rows]))]] = True
    return best


def train_rerank(data: Path, encoder: Encoder | None = None, write: bool = True,
                 folder: Path | None = None) -> LinearModel:
    """The re-ranker fitted on the training files' questions with out-of-fold cross-encoder scores, then the
    cross-encoder fitted on all of them, for use. When ``write``, both are written into ``folder`` (default:
    :mod:`healthqa.learned`, as ``rerank.json`` and :data:`cross_encoder.MODEL_FILE`)."""
    dataset = rerank_dataset([data / name for name in QA_TRAIN], encoder or default_encoder(), cross_out_of_fold=True)
    model = fit_rerank(dataset)
    cross = cross_encoder.fitted([pair for q in dataset.questions for pair in cross_pairs(q)])
    if write:
        target = folder or learned.source_path("rerank").parent
        learned.save(model, "rerank", target / "rerank.json")
        (target / cross_encoder.MODEL_FILE).write_bytes(cross_encoder.to_bytes(cross))
        cross_encoder.load_shipped.cache_clear()
    return model


def fit_rerank(dataset: RerankData, write: bool = False) -> LinearModel:
    """The re-ranker fitted on ``dataset``, its threshold chosen on out-of-fold predictions of it."""
    curves = []
    for seed in range(THRESHOLD_SPLITS):
        probabilities = out_of_fold(dataset, seed=seed)
        always = best_of_question(probabilities, dataset.groups) if rerank.LABEL_BEST else None
        curves.append(accuracy_curve(probabilities, dataset.labels, always))
    threshold = best_threshold(np.mean(curves, axis=0))
    model = fit_linear(dataset.matrix, dataset.labels, rerank.FEATURES, C_RERANK)
    model = with_threshold(model, threshold, {
        "trained_on": list(QA_TRAIN), "questions": len(dataset.questions), "answers": len(dataset.labels),
        "c": C_RERANK,
        "threshold_from": f"{FOLDS}-fold out-of-fold accuracy on the training files, mean of {THRESHOLD_SPLITS} "
                          "shuffled splits",
        "label_best": rerank.LABEL_BEST, "fingerprint": feature_fingerprint(),
        "command": "python -m healthqa.mediqa.training rerank",
    })
    if write:
        learned.save(model, "rerank")
    return model


def mediqa_metrics(ranked: Sequence[Sequence[rerank.RankedAnswer]]) -> dict[str, float]:
    """MEDIQA 2019 task 3 figures of re-ranked questions (each list in healthqa's order).

    - ``accuracy``: labels against reference correctness (ReferenceScore 3-4), over all answers;
    - ``precision``: the share of answers labelled 1 that are correct;
    - ``mrr``: the official-style reciprocal rank: in healthqa's order restricted to the answers it
      labelled 1, 1/position of the first correct one; 0 when none of them is correct;
    - ``mrr_full_order``: 1/position of the first correct answer in healthqa's whole order;
    - ``p_at_1``: the share of questions whose first answer is correct;
    - ``spearman``: the mean, over questions, of Spearman's correlation between healthqa's order and
      the reference ranks.

    Every question counts, including those with no correct answer (they score 0 on the rank figures).
    """
    hits = total = labelled = labelled_correct = 0
    rr: list[float] = []
    rr_full: list[float] = []
    top: list[float] = []
    rho: list[float] = []
    for answers in ranked:
        truth = [bool(a.answer.correct) for a in answers]
        hits += sum(int(a.label == t) for a, t in zip(answers, truth, strict=True))
        total += len(answers)
        chosen = [t for a, t in zip(answers, truth, strict=True) if a.label == 1]
        labelled += len(chosen)
        labelled_correct += sum(chosen)
        rr.append(1.0 / (chosen.index(True) + 1) if True in chosen else 0.0)
        rr_full.append(1.0 / (truth.index(True) + 1) if True in truth else 0.0)
        top.append(1.0 if truth and truth[0] else 0.0)
        references = [a.answer.reference_rank for a in answers]
        if len(answers) > 1 and all(r is not None for r in references) and len(set(references)) > 1:
            rho.append(spearman(list(range(len(answers))), [float(r or 0) for r in references]))
    questions = max(len(rr), 1)
    return {
        "questions": float(len(rr)),
        "answers": float(total),
        "accuracy": hits / max(total, 1),
        "precision": labelled_correct / max(labelled, 1),
        "mrr": sum(rr) / questions,
        "mrr_full_order": sum(rr_full) / questions,
        "p_at_1": sum(top) / questions,
        "spearman": sum(rho) / max(len(rho), 1),
    }


def _average_ranks(values: Sequence[float]) -> Matrix:
    """Ranks from 1, tied values sharing the mean of their ranks."""
    array = np.asarray(values, dtype=np.float64)
    order = np.argsort(array, kind="stable")
    ranks = np.empty(len(array))
    ranks[order] = np.arange(1, len(array) + 1)
    for value in np.unique(array):
        tied = array == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation (Pearson's of average ranks); 0 when either side is constant."""
    ra, rb = _average_ranks(a), _average_ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = float(np.sqrt((ra @ ra) * (rb @ rb)))
    return float(ra @ rb) / denominator if denominator else 0.0


def chiqa_ranking(question: rerank.MediqaQuestion, label: int = 1) -> list[rerank.RankedAnswer]:
    """CHiQA's own order, every answer labelled ``label``: the baseline."""
    return [
        rerank.RankedAnswer(question.qid, a.aid, i, label, 1.0 / i, a)
        for i, a in enumerate(question.answers, 1)
    ]


def cross_validate_rerank(dataset: RerankData, folds: int = FOLDS, seed: int = 0) -> dict[str, Any]:
    """Whole-procedure cross-validation by question: in each fold the model and its threshold are
    fitted on the other folds only, then the held-out questions are re-ranked."""
    from sklearn.model_selection import GroupKFold

    ranked: list[list[rerank.RankedAnswer]] = [[] for _ in dataset.questions]
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    indices = np.arange(len(dataset.questions))
    for train_q, test_q in splitter.split(indices, groups=indices):
        train_rows = np.isin(dataset.groups, train_q)
        part = RerankData(
            [dataset.questions[i] for i in train_q], dataset.matrix[train_rows], dataset.labels[train_rows],
            np.searchsorted(train_q, dataset.groups[train_rows]),
        )
        model = fit_rerank(part)
        for index in test_q:
            ranked[int(index)] = _ranked(model, dataset, int(index))
    return mediqa_metrics(ranked)


def cross_source_validate(sources: Sequence[RerankData]) -> list[dict[str, float]]:
    """The whole training procedure fitted on each source's questions alone and scored on the other sources':
    how well the re-ranker carries over to questions asked elsewhere, which a split mixing both sources does
    not show. One entry per source, in order: the figures, on the other sources' questions, of the model fitted
    on that source."""
    results = []
    for index, source in enumerate(sources):
        model = fit_rerank(source)
        results.append(mediqa_metrics([_ranked(model, other, q) for i, other in enumerate(sources) if i != index
                                       for q in range(len(other.questions))]))
    return results


def _ranked(model: LinearModel, dataset: RerankData, index: int) -> list[rerank.RankedAnswer]:
    """The answers of ``dataset``'s question ``index`` in ``model``'s order, labelled by its threshold."""
    scores = model.probabilities(dataset.matrix[dataset.rows_of(index)])
    return rerank.rank_by_scores(dataset.questions[index], [float(s) for s in scores], model.threshold)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m healthqa.mediqa.training", description=__doc__.split("\n")[0])
    parser.add_argument("model", choices=("mediqa", "entail", "rerank", "query-adapter", "qtype", "asked-type",
                                          "question-words", "question-templates"))
    parser.add_argument("--data", type=Path, default=None, help="folder of the MEDIQA 2019 XML files")
    parser.add_argument("--liveqa", type=Path, default=None, help="folder of the LiveQA 2017 training XML files")
    parser.add_argument("--kb", type=Path, default=None,
                        help="a knowledge base holding MedQuAD (query-adapter) or the names (asked-type)")
    parser.add_argument("--founding", type=Path, default=None,
                        help="the founding classes' questions (asked-type; benchmarks/data/founding_fresh.txt)")
    parser.add_argument("--other", type=Path, default=None,
                        help="questions of other types (asked-type; benchmarks/data/other_types.txt)")
    parser.add_argument("--medquad", type=Path, default=None,
                        help="the MedQuAD folder (qtype, question-words, question-templates)")
    parser.add_argument("--out", type=Path, default=None,
                        help="write the qtype model, the query adapter, the entailment model or the re-ranker and its "
                             "cross-encoder (a folder), or the question words or templates (a file) here, not in "
                             "the package")
    args = parser.parse_args(argv)
    data: Path = args.data or default_data_dir()
    if args.model == "question-words":  # the words of question templates: see healthqa.mediqa.question_words
        from healthqa.mediqa.question_words import count_question_words

        words, meta = count_question_words(args.medquad or data.parent / "medquad")
        written = learned.save_question_words(words, meta, args.out)
        json.dump({"question-words": {"written": str(written), "words": len(words), **meta}}, sys.stdout, indent=1)
        print()
        return 0
    if args.model == "question-templates":  # MedQuAD's templates by type: see healthqa.mediqa.question_templates
        from healthqa.mediqa.question_templates import count_question_templates

        templates, meta = count_question_templates(args.medquad or data.parent / "medquad")
        written = learned.save_question_templates(templates, meta, args.out)
        json.dump({"question-templates": {"written": str(written), "templates": len(templates), **meta}}, sys.stdout,
                  indent=1)
        print()
        return 0
    if args.model == "qtype":  # the question-type classifier: see healthqa.mediqa.qtype_training
        from healthqa.mediqa.qtype_training import train_qtype

        classifier = train_qtype(args.liveqa or data.parent / "liveqa-med-2017" / "train",
                                 args.medquad or data.parent / "medquad", args.out)
        json.dump({"qtype": {"written": str(args.out or learned.source_path("qtype").parent),
                             "features": len(classifier.vocabulary), **classifier.meta}}, sys.stdout, indent=1)
        print()
        return 0
    if args.model == "asked-type":  # the learned reading of three types: see healthqa.mediqa.asked_type_training
        from healthqa.mediqa.asked_type_training import command_line

        if args.kb is None or not args.kb.is_file():
            parser.error("asked-type needs --kb, a knowledge base file (its names are written as X)")
        json.dump({"asked-type": command_line(args, data)}, sys.stdout, indent=1)
        print()
        return 0
    encoder = default_encoder()
    report: dict[str, Any] = {}
    if args.model == "query-adapter":
        if args.kb is None or not args.kb.is_file():
            parser.error("query-adapter needs --kb, a knowledge base file holding MedQuAD")
        liveqa = args.liveqa or data.parent / "liveqa-med-2017" / "train"
        from healthqa.mediqa.query_adapter_training import train_query_adapter

        adapter = train_query_adapter(liveqa, args.kb, encoder, folder=args.out)
        report["query-adapter"] = {"written": str(args.out or learned.source_path("query_adapter").parent),
                                   **adapter.meta}
    if args.model in ("mediqa", "entail"):
        model = train_entail(data, encoder, folder=args.out)
        written = args.out / "entail.json" if args.out is not None else learned.source_path("entail")
        report["entail"] = {"written": str(written), **model.meta}
    if args.model in ("mediqa", "rerank"):
        model = train_rerank(data, encoder, folder=args.out)
        report["rerank"] = {"written": str(args.out or learned.source_path("rerank").parent),
                            "threshold": model.threshold, **model.meta}
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
