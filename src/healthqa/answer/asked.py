"""What a question asks beyond its topic: its content words that are no question template's and no name of the
topic ("breath" of "does LEMS affect breathing?" for a passage about LEMS). The ranking puts a passage that holds
them first (:meth:`healthqa.answer.rank.Ranker._asked_first`) and the lead quotes the sentence that holds them
(:func:`healthqa.answer.lead.asked_lead`)."""

from __future__ import annotations

from healthqa import learned
from healthqa.retrieve.lexical import query_terms
from healthqa.understand import FocusMatch, Understanding


def asked_terms(understood: Understanding) -> list[str]:
    """The question's content words (index terms) that are no template's (:func:`healthqa.learned.question_words`):
    its topics' names and what it asks about them ("lem", "breath" of "does LEMS affect breathing?")."""
    template = learned.question_words()
    return [term for term in query_terms(" ".join(understood.keywords)) if term not in template]


def name_terms(match: FocusMatch) -> set[str]:
    """The index terms of a recognised name: as the knowledge base has it, as the question wrote it, expanded."""
    return set(query_terms(f"{match.name} {match.matched} {match.expansion}"))
