"""What the ranking scores with: its weights (:class:`Weights`), the features of a scored passage (:data:`FEATURES`)
and a scored passage (:class:`Scored`). Imported from :mod:`healthqa.answer.rank`, which uses them."""

from __future__ import annotations

from dataclasses import dataclass, field

from healthqa.store.base import PassageRecord

# The features of a scored passage, in the order _score computes them; "coverage" comes last, computed only for
# the best candidates (see Weights.coverage).
SUMMED_FEATURES = ("passage_lexical", "question_lexical", "semantic", "focus", "title_focus", "type_match",
                    "type_near", "tier")
FEATURES = (*SUMMED_FEATURES, "coverage")
TIER_AT = FEATURES.index("tier")
QUESTION_AT = FEATURES.index("question_lexical")
TIER_VALUE = {"government_reviewed": 0.0, "reviewed_publisher": -0.2, "unreviewed": -1.0}


@dataclass(frozen=True)
class Weights:
    passage_lexical: float = 0.6
    question_lexical: float = 0.8
    semantic: float = 2.5
    focus: float = 1.2
    title_focus: float = 0.6
    type_match: float = 0.8
    type_near: float = 0.3
    # Authority: an unreviewed page never outranks a reviewed one on otherwise equal evidence.
    tier: float = 0.6
    # Type before tier: when the question's type is recognised (other than "information") and a passage of
    # that type about its focus is a candidate, the best such passage comes first, however well another
    # type's passage scores. A focus counts from this specificity (see Ranker.specificity; above 1: never).
    type_first_specificity: float = 0.0
    # ... provided it answers: its relevance (the score without coverage and tier, see Ranker._relevance; for a
    # passage that answers no stored question, both are also compared without the question-wording feature) is at
    # most this far below the best candidate's. The smallest of the grid 0.3 / 0.7 / 1 / 1.5 / never that puts the
    # founding pages' complications passage first (it trails an overview by 0.705 once the empty lead-in
    # "Complications of LEMS may include:" is no candidate); the rule costs LiveQA training-164 MAP 0.021 and
    # MRR 0.030 at 1.0 (0.011 / 0.018 at 0.7), dev nothing (BENCHMARKS.md, session 14). No margin holds back a type
    # read from a phrasing (Understanding.type_phrased: "what further problems can X cause?").
    type_first_margin: float = 1.0
    # The share of the question's content words (FTS5 terms) that the passage's title, heading and text hold, a
    # coordination-level match: "does LEMS affect breathing?" wants the LEMS passage that says "breathing", not
    # the one most like the question as a whole. Added to the best candidates' scores (COVERAGE_DEPTH at least).
    coverage: float = 1.0
    # The type agreement an "information" passage gets when the question's type is "information" only because no
    # cue of another type fired (Understanding.type_cued false): its words never asked for a general overview.
    uncued_type_match: float = 0.0
    # What is asked first (Ranker._asked_first): 1 on, 0 off. Not weighed: a passage that holds what is asked
    # beyond the topic answers and one that does not, does not. It never fires on the 446 LiveQA training
    # messages (long: no passage holds all they ask), so no figure of BENCHMARKS.md moves with it.
    asked_first: float = 1.0


@dataclass
class Scored:
    passage: PassageRecord
    score: float
    features: dict[str, float] = field(default_factory=dict)
    question: str = ""  # the stored question this passage answers, when one matched
    # Whether it holds all the question asks beyond its topic (Ranker._asked_first; checked for the first only).
    holds_asked: bool = False
    # Whether that rule moved it first (the passage first before it did not hold all that is asked).
    asked_lifted: bool = False
