"""MedQuAD's question templates with their types (:func:`healthqa.learned.question_templates`)::

    python -m healthqa.mediqa.training question-templates [--medquad DIR]

MedQuAD writes its 47,000 questions from a few dozen templates, each of one type ("Where to find support for
people with X ?": support groups; "What are the complications of X ?": complications; "How to diagnose X ?":
exams and tests). A template here is a question with its document's focus replaced by ``X``; one that at least
:data:`MIN_PAGES` documents ask is kept, with its type (the ``qtype`` attribute) and how many ask it. The answer
step reads a question's type from the template it is most like when no cue word names one
(:mod:`healthqa.answer.template_type`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

MIN_PAGES = 3
PLACEHOLDER = "X"


def count_question_templates(medquad_folder: Path, min_pages: int = MIN_PAGES,
                             ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(the templates, most asked first: ``{"text", "type", "pages"}``; a description of what they were counted
    on)."""
    pages: Counter[tuple[str, str]] = Counter()
    documents = 0
    for path in sorted(medquad_folder.rglob("*.xml")):
        root = ET.parse(path).getroot()
        focus = " ".join("".join(root.findtext("Focus") or "").split())
        if not focus:
            continue
        documents += 1
        written = re.compile(re.escape(focus), re.IGNORECASE)
        asked: set[tuple[str, str]] = set()
        for node in root.iter("Question"):
            text = " ".join("".join(node.itertext()).split())
            kind = (node.get("qtype") or "").strip().lower()
            if kind and written.search(text):
                asked.add((written.sub(PLACEHOLDER, text), kind))
        pages.update(asked)
    if not documents:
        raise ValueError(f"{medquad_folder}: no MedQuAD documents found (expected XML files with <Focus>)")
    templates = [{"text": text, "type": kind, "pages": count}
                 for (text, kind), count in sorted(pages.items(), key=lambda item: (-item[1], item[0]))
                 if count >= min_pages]
    meta = {"counted_on": f"{documents} MedQuAD documents ({medquad_folder.name})", "min_pages": min_pages}
    return templates, meta
