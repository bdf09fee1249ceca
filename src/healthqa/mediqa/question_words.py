"""The words of question templates, counted on MedQuAD's questions (:func:`healthqa.learned.question_words`)::

    python -m healthqa.mediqa.training question-words [--medquad DIR]

MedQuAD's 47,000 questions are written from a few dozen templates per source ("What are the symptoms of X ?",
"How many people are affected by X ?", "What are the side effects or risks of X ?"), so a word of a template
is in a large share of them and a word of a topic is in few. A word (an index term, stemmed as the full-text
search stems it) in at least :data:`MIN_SHARE` of the distinct questions is a question word. The share is
where the counts part: on MedQuAD the template words sit at 2% and more ("affect" 2.3%, "get" 2.7%, "caus"
5.4%) and the words a person asks about at 0.7% and less ("test" 0.64%, "children" 0.60%, "breath" 0.14%).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from healthqa.retrieve.lexical import query_terms

MIN_SHARE = 0.01


def count_question_words(medquad_folder: Path, min_share: float = MIN_SHARE) -> tuple[list[str], dict[str, Any]]:
    """(the question words, sorted; a description of what they were counted on)."""
    questions: set[str] = set()
    for path in sorted(medquad_folder.rglob("*.xml")):
        for node in ET.parse(path).getroot().iter("Question"):
            text = " ".join("".join(node.itertext()).split())
            if text:
                questions.add(text)
    if not questions:
        raise ValueError(f"{medquad_folder}: no MedQuAD questions found (expected XML files with <Question>)")
    counts: Counter[str] = Counter()
    for text in questions:
        counts.update(set(query_terms(text)))
    least = min_share * len(questions)
    words = sorted(word for word, count in counts.items() if count >= least)
    meta = {"counted_on": f"{len(questions)} distinct MedQuAD questions ({medquad_folder.name})",
            "min_share": min_share}
    return words, meta
