"""One command that rebuilds every shipped model (the files of :mod:`healthqa.learned`) from the shared data::

    python -m healthqa.mediqa.rebuild --kb /var/lib/healthqa/healthqa.db --medquad-kb benchmarks/.cache/kb.db \\
        [--sources DIR] [--out DIR] [--only STEP ...]

Run from the repository root (the founding classes' questions are read from ``benchmarks/data``). ``--sources`` is
a folder laid out like ``../shared/data`` (default: ``$HEALTHQA_SOURCES``, else ``../shared/data`` beside the
repository). Two knowledge bases are read: ``--kb``, the one ``scripts/start`` builds (the names of the founding
documents, for the learned reading of three types), and ``--medquad-kb``, the one the LiveQA benchmarks build from
MedQuAD (``cd benchmarks && python liveqa_train.py``; the query adapter and the learned ranker are fitted on its
rankings).

The steps (:data:`STEPS`), in the order they depend on each other: a later model is fitted on what the earlier ones
read (the ranking reads the question words and the query adapter; the learned reading of three types reads the
question templates), so each step reads the models the steps before it have just written. With ``--out`` every
model is written into that folder and read from there (:func:`healthqa.learned.reading_from`); the shipped files
are left as they are, the report says of each file whether it is the shipped one byte for byte, and
``HEALTHQA_LEARNED=DIR`` tries the rebuilt models before they replace them. Without it the package's files are
rewritten: ``git status`` then shows which rebuilt model differs from the shipped one.

About 45 minutes on two CPU cores: 26 for the re-ranker's cross-encoder (trained three times), 12 for the learned
reading of three types (BENCHMARKS.md, issue 16, session 32). Each model can also be rebuilt alone by the command of
its own module, which the progress lines name.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthqa import learned
from healthqa.errors import BadInputError

# The founding classes' questions and the questions of other kinds, written for the learned reading of three types.
FOUNDING_QUESTIONS = Path("benchmarks/data/founding_fresh.txt")
OTHER_QUESTIONS = Path("benchmarks/data/other_types.txt")


@dataclass(frozen=True)
class Inputs:
    """What the models are fitted on."""

    sources: Path  # laid out like ../shared/data
    kb: Path  # the knowledge base scripts/start builds, holding the founding documents
    medquad_kb: Path  # the LiveQA benchmarks' knowledge base, holding MedQuAD
    founding: Path = FOUNDING_QUESTIONS
    other: Path = OTHER_QUESTIONS

    @property
    def medquad(self) -> Path:
        return self.sources / "medquad"

    @property
    def liveqa(self) -> Path:
        return self.sources / "liveqa-med-2017" / "train"

    @property
    def mediqa(self) -> Path:
        return self.sources / "mediqa-2019"

    @property
    def cases(self) -> Path:
        return self.sources / "phenopackets" / "dev-cases.jsonl"

    @property
    def packets(self) -> Path:
        return self.sources / "orphanet" / "orphapackets-2025-12.jsonl.gz"


def _question_words(inputs: Inputs, out: Path | None) -> dict[str, Any]:
    from healthqa.mediqa.question_words import count_question_words

    words, meta = count_question_words(inputs.medquad)
    written = learned.save_question_words(words, meta, out / "question_words.json" if out else None)
    return {"written": str(written), "words": len(words), **meta}


def _question_templates(inputs: Inputs, out: Path | None) -> dict[str, Any]:
    from healthqa.mediqa.question_templates import count_question_templates

    templates, meta = count_question_templates(inputs.medquad)
    written = learned.save_question_templates(templates, meta, out / "question_templates.json" if out else None)
    return {"written": str(written), "templates": len(templates), **meta}


def _qtype(inputs: Inputs, out: Path | None) -> dict[str, Any]:
    from healthqa.mediqa.qtype_training import train_qtype

    classifier = train_qtype(inputs.liveqa, inputs.medquad, out)
    return {"features": len(classifier.vocabulary), **classifier.meta}


def _entail(inputs: Inputs, out: Path | None) -> dict[str, Any]:
    from healthqa.mediqa.training import train_entail

    return dict(train_entail(inputs.mediqa, folder=out).meta)


def _rerank(inputs: Inputs, out: Path | None) -> dict[str, Any]:
    from healthqa.mediqa.training import train_rerank

    model = train_rerank(inputs.mediqa, folder=out)
    return {"threshold": model.threshold, **model.meta}


def _query_adapter(inputs: Inputs, out: Path | None) -> dict[str, Any]:
    from healthqa.mediqa.query_adapter_training import train_query_adapter

    return dict(train_query_adapter(inputs.liveqa, inputs.medquad_kb, folder=out).meta)


def _ltr(inputs: Inputs, out: Path | None) -> dict[str, Any]:
    from healthqa.learned import ranker
    from healthqa.mediqa.ltr_training import train_ltr

    return train_ltr(inputs.medquad_kb, inputs.liveqa, out / f"{ranker.NAME}.json" if out else None)


def _asked_type(inputs: Inputs, out: Path | None) -> dict[str, Any]:
    from healthqa.mediqa.asked_type_training import refit

    model = refit(inputs.kb, inputs.founding, inputs.other, inputs.liveqa, inputs.medquad, inputs.mediqa, out)
    return {"features": len(model.classifier.vocabulary), **model.classifier.meta}


def _symptom_rerank(inputs: Inputs, out: Path | None) -> dict[str, Any]:
    from healthqa.symptoms import rerank

    target = out / rerank.MODEL_FILE if out else rerank.SHIPPED_MODEL
    model = rerank.refit(inputs.cases, inputs.packets, target)
    return {"written": str(target), "depth": model.depth, "penalty": model.penalty}


@dataclass(frozen=True)
class Step:
    name: str
    fit: Callable[[Inputs, Path | None], dict[str, Any]]
    needs: Callable[[Inputs], tuple[Path, ...]]  # the inputs it reads, checked before any step runs
    alone: str  # the command that rebuilds this model alone


STEPS: tuple[Step, ...] = (
    Step("question-words", _question_words, lambda i: (i.medquad,),
         "python -m healthqa.mediqa.training question-words"),
    Step("question-templates", _question_templates, lambda i: (i.medquad,),
         "python -m healthqa.mediqa.training question-templates"),
    Step("qtype", _qtype, lambda i: (i.liveqa, i.medquad), "python -m healthqa.mediqa.training qtype"),
    Step("entail", _entail, lambda i: (i.mediqa,), "python -m healthqa.mediqa.training entail"),
    Step("rerank", _rerank, lambda i: (i.mediqa,), "python -m healthqa.mediqa.training rerank"),
    Step("query-adapter", _query_adapter, lambda i: (i.liveqa, i.medquad_kb),
         "python -m healthqa.mediqa.training query-adapter --kb MEDQUAD_KB"),
    Step("ltr", _ltr, lambda i: (i.liveqa, i.medquad_kb), "python -m healthqa.mediqa.ltr_training --kb MEDQUAD_KB"),
    Step("asked-type", _asked_type, lambda i: (i.kb, i.founding, i.other, i.liveqa, i.medquad, i.mediqa),
         "python -m healthqa.mediqa.training asked-type --kb KB"),
    Step("symptom-rerank", _symptom_rerank, lambda i: (i.cases, i.packets), "python -m healthqa.symptoms.rerank"),
)
STEP_NAMES = tuple(step.name for step in STEPS)


def missing_inputs(inputs: Inputs, steps: Sequence[Step] = STEPS) -> list[str]:
    """The inputs that the ``steps`` read and that are not there, each with the step that reads it."""
    return [f"{path} (read by {step.name})" for step in steps for path in step.needs(inputs) if not path.exists()]


def rebuild(inputs: Inputs, out: Path | None = None, only: Sequence[str] = (),
            progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Rebuilds the models of ``only`` (default: every one) in the order of :data:`STEPS`, into ``out`` (default: the
    package) and returns each step's record with the seconds it took. Every input is checked before the first step:
    a missing one is a BadInputError naming it, and nothing is written."""
    unknown = sorted(set(only) - set(STEP_NAMES))
    if unknown:
        raise BadInputError(", ".join(unknown), f"no such model to rebuild (the models: {', '.join(STEP_NAMES)})")
    steps = [step for step in STEPS if not only or step.name in only]
    missing = missing_inputs(inputs, steps)
    if missing:
        raise BadInputError("; ".join(missing), "not found: no model was rebuilt")
    report: dict[str, Any] = {}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    with learned.reading_from(out) if out is not None else contextlib.nullcontext():
        for step in steps:
            if progress is not None:
                progress(f"rebuilding {step.name} ({step.alone})")
            started = time.monotonic()
            record = step.fit(inputs, out)
            # The next step reads this model as written, whatever its own module keeps in memory.
            learned.forget_read_models()
            report[step.name] = {**record, "seconds": round(time.monotonic() - started, 1)}
    if out is not None:
        report["against the shipped files"] = against_shipped(out)
    return report


def against_shipped(folder: Path) -> dict[str, str]:
    """For each model file in ``folder``: "same" when it is the shipped file byte for byte, "differs", or "not
    shipped". A rebuild that gives the shipped files again says the models are what the command gives."""
    compared: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        shipped = learned.shipped_file(path.name)
        if not path.is_file():
            continue
        if not shipped.is_file():
            compared[path.name] = "not shipped"
        else:
            compared[path.name] = "same" if shipped.read_bytes() == path.read_bytes() else "differs"
    return compared


def default_sources() -> Path:
    configured = os.environ.get("HEALTHQA_SOURCES")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m healthqa.mediqa.rebuild", description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, required=True,
                        help="the knowledge base scripts/start builds (the founding documents' names)")
    parser.add_argument("--medquad-kb", type=Path, required=True,
                        help="the LiveQA benchmarks' knowledge base, holding MedQuAD (benchmarks/.cache/kb.db)")
    parser.add_argument("--sources", type=Path, default=None, help="a folder laid out like ../shared/data")
    parser.add_argument("--founding", type=Path, default=FOUNDING_QUESTIONS,
                        help="the founding classes' questions (asked-type)")
    parser.add_argument("--other", type=Path, default=OTHER_QUESTIONS, help="questions of other kinds (asked-type)")
    parser.add_argument("--out", type=Path, default=None, help="write (and read) the rebuilt models here, not in "
                                                               "the package")
    parser.add_argument("--only", nargs="+", choices=STEP_NAMES, default=(), metavar="STEP",
                        help=f"rebuild only these models, in their order ({', '.join(STEP_NAMES)})")
    args = parser.parse_args(argv)
    inputs = Inputs(args.sources or default_sources(), args.kb, args.medquad_kb, args.founding, args.other)
    try:
        report = rebuild(inputs, args.out, args.only, progress=lambda line: print(line, file=sys.stderr))
    except BadInputError as error:
        parser.error(str(error))
    json.dump(report, sys.stdout, indent=1, default=str)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
