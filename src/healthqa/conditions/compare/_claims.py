"""Claims a sentence makes about a condition, on a few yes/no points, by cue words and negation.

Each point has cues that assert it ("inherited", "runs in families", "fatal", "can be cured") and cues that
deny it by themselves ("sporadic", "no cure", "normal life expectancy"). A negation shortly before a cue in
the same clause, across filler words only ("is not considered a hereditary condition", "does not run in
families", "will not cure"), turns it round. Statements about part of the patients are compatible with their
opposite and are dropped: a quantifier ("most cases", "some people", "about 80 percent"), a frequency adverb
("usually", "rarely"), a subset ("this form", "acquired X", "these cases"), alternatives ("sporadic or
inherited") or a weakened negation ("not directly inherited", "not all"). So is anything uncertain
("whether", "unknown"), any question, "inherited" said of genes ("one copy inherited from each parent"), an
adjective that names a subtype ("sporadic cases", "the familial form") and a flattened table of terms.

Why "genetic predisposition" counts as asserting "inherited": a predisposition that runs in the genes is a
heritable susceptibility, so relatives carry a higher risk; to a reader asking "is it inherited?", "there is
a genetic predisposition" and "it is not hereditary" are opposite answers, which is the disagreement issue 5
asks to show (Lambert-Eaton myasthenic syndrome: the GARD-derived page against the unreviewed article).
"Not known to follow a specific pattern of inheritance" denies a Mendelian pattern, not heredity, and counts
as neither.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from healthqa.conditions.compare._terms import _pattern
from healthqa.conditions.compare._text import clause_at, word_spans
from healthqa.symptoms.hpo import words


@dataclass(frozen=True)
class Point:
    """A yes/no point sources can disagree on; ``label`` is our wording of the question."""

    name: str
    label: str
    asserts: tuple[re.Pattern[str], ...]
    denies: tuple[re.Pattern[str], ...]
    neutral: tuple[re.Pattern[str], ...] = ()
    subject_check: bool = False  # the claim must be about the condition itself ("X is rare"), not a part of it


@dataclass(frozen=True)
class Claim:
    """A cue in a sentence: ``start``/``end`` are offsets into the sentence."""

    point: str
    asserted: bool
    start: int
    end: int


def _cues(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


# The keyword of each cue is the group "k": negation is looked for before it, so a cue that carries its own
# negation ("no cure") puts it inside the group.
POINTS: tuple[Point, ...] = (
    Point(
        "inherited",
        "Is it inherited (or is there a genetic predisposition)?",
        _cues(
            r"\b(?P<k>inherit(?:ed|s|able|ance)?)\b",
            r"\b(?P<k>hereditary|heritable|familial)\b",
            r"\b(?P<k>runs?|running)\s+in\s+(?:the\s+|some\s+|their\s+|your\s+|his\s+|her\s+)?famil(?:y|ies)\b",
            r"\b(?P<k>passed)\s+(?:down\s+|on\s+)?(?:from|through)\s+(?:\w+\s+){0,2}?"
            r"(?:parents?|generations?|mother|father|famil(?:y|ies))\b",
            r"\b(?P<k>passed\s+down)\b",
            r"\b(?P<k>autosomal\s+(?:dominant|recessive)|x-linked)\b",
            r"\bgenetic(?:ally)?\s+(?P<k>predispos\w*|susceptib\w*)",
        ),
        _cues(
            r"\b(?P<k>non-?hereditary|non-?inherited)\b",
            r"\b(?P<k>sporadic(?:ally)?)\b",
            r"\b(?P<k>no\s+(?:known\s+)?family\s+history)\b",
        ),
        neutral=_cues(
            r"\b(?:(?:specific|clear|exact|known|particular)\s+)?(?:pattern|mode|mechanism|manner)s?\s+of\s+inheritance\b",
            r"\binheritance\s+patterns?\b",
        ),
    ),
    Point(
        "contagious",
        "Is it contagious?",
        _cues(
            r"\b(?P<k>contagious|communicable)\b",
            r"\b(?P<k>spread|spreads|passed|transmitted|catch|caught)\b[^.;]{0,40}?"
            r"\b(?:person\s+to\s+person|one\s+person\s+to\s+another|from\s+someone|from\s+other\s+people)\b",
            r"\b(?P<k>person-to-person)\s+(?:spread|transmission|contact)\b",
        ),
        _cues(r"\b(?P<k>non-?contagious)\b"),
    ),
    Point(
        "curable",
        "Can it be cured?",
        _cues(
            r"\b(?P<k>cured|curable|cures)\b",
            r"\b(?:can|could|will|may|might|would|does|do|did)\s+(?:not\s+)?(?P<k>cure)\b",
        ),
        _cues(
            r"\b(?P<k>no\s+(?:known\s+|effective\s+|specific\s+|available\s+|permanent\s+|definitive\s+)?cure)\b",
            r"\b(?P<k>incurable)\b",
        ),
    ),
    Point(
        "fatal",
        "Can it be fatal (life-threatening)?",
        _cues(
            r"\b(?P<k>fatal|lethal|deadly|life[\s-]threatening)\b",
            r"\b(?:cause[sd]?(?!\s+of\b)|lead(?:s)?\s+to|led\s+to|result(?:s|ed)?\s+in)\b[^.;]{0,60}?\b(?P<k>death)\b"
            r"(?!\s+of\b)",
            r"\b(?P<k>shorten(?:s|ed)?)\s+(?:the\s+|their\s+|a\s+person's\s+)?(?:life|lifespan|life\s+span|life\s+expectancy)\b",
            r"\b(?:reduced|shortened|decreased|shorter)\s+(?P<k>life\s+expectancy|life\s*span)\b",
        ),
        _cues(
            r"\b(?P<k>normal)\s+(?:life\s*span|life\s+expectancy)\b",
            r"\b(?P<k>non-?fatal)\b",
        ),
    ),
    Point(
        "rare",
        "Is it rare?",
        _cues(
            r"\b(?:is|are)\s+(?:not\s+)?(?:(?:a|an)\s+)?(?:(?:very|extremely|exceedingly|relatively|quite|fairly)\s+)?"
            r"(?P<k>rare|uncommon)\b",
        ),
        _cues(
            r"\b(?:is|are)\s+(?:not\s+)?(?:(?:a|an|the|one\s+of\s+the)\s+)?(?:(?:very|relatively|quite|fairly|most)\s+)?"
            r"(?P<k>common)\b",
        ),
        subject_check=True,
    ),
    Point(
        "preventable",
        "Can it be prevented?",
        _cues(
            r"\b(?P<k>preventable)\b",
            r"\b(?:can|could|may|cannot|can't|cant)\s+(?:not\s+)?be\s+(?P<k>prevented)\b",
        ),
        _cues(r"\b(?P<k>no\s+(?:known\s+)?(?:way|means)\s+to\s+(?:\w+\s+or\s+)?prevent)\b"),
    ),
)
POINT_LABELS: dict[str, str] = {p.name: p.label for p in POINTS}

_NEGATORS = frozenset(
    "not no never cannot nor neither without none isn't aren't doesn't don't didn't can't won't wasn't weren't "
    "hasn't haven't isnt arent doesnt dont didnt cant wont wasnt werent hasnt havent".split()
)
# "not directly inherited", "not always fatal": a weakened negation says "in some cases", not "no". So does
# any -ly adverb between the negation and the cue ("does not clearly run in families").
_WEAKENERS = frozenset("always all necessarily".split())
_NOT_WEAKENING = frozenset("currently presently only".split())
_NEGATION_REACH = 5  # words between a negation and its cue: "is not considered a hereditary condition"
# Words a negation reaches across: copulas, articles, "considered", and the subjects of "no drug cures".
_FILLERS = frozenset(
    "be been being is are was were considered thought believed known regarded deemed seen seem seems appear "
    "appears tend tends to a an the any currently presently yet still itself in way specific effective single "
    "medication medications medicine medicines drug drugs treatment treatments therapy therapies evidence "
    "report reports of that longer".split()
)
_QUANTITY = (
    r"(?:most|many|some|several|other|rare|certain|few|a\s+few|(?:nearly|almost|virtually)\s+all|"
    r"a\s+small\s+number\s+of|a\s+minority\s+of|"
    r"(?:the|a)\s+majority\s+of|(?:one\s+)?(?:half|third|quarter)\s+of|(?:about|approximately|nearly|almost|"
    r"up\s+to)\s+\d[\d.,]*\s*(?:%|percent)?(?:\s+of)?)"
)
_GROUP = (
    r"(?:cases|people|persons|patients|individuals|families|forms|types|instances|children|adults|men|women|"
    r"infants|babies|newborns|affected)"
)
_HEDGE = re.compile(
    rf"\b(?:{_QUANTITY}\s+(?:(?:the|these|those|all)\s+)?{_GROUP}\b|usually|generally|often|sometimes|occasionally|"
    r"rarely|seldom|typically|mostly|mainly|frequently|commonly|partly|partially|in\s+part|percent|percentage)\b|"
    r"\d\s*%",
    re.IGNORECASE,
)
# A part of the patients or of the condition: "this form", "the acquired form", "these cases".
_SUBSET = re.compile(
    r"\b(?:(?:this|that|these|those|other|some|one|a|an|another|the\s+\w+)\s+(?:form|type|subtype|variant)s?|"
    r"(?:these|those|such|other)\s+(?:\w+\s+)?(?:cases|instances|people|patients|individuals|families))\b",
    re.IGNORECASE,
)
# "can be sporadic or inherited", "hereditary or acquired": alternatives, each true of some cases.
_ALTERNATIVE_AFTER = re.compile(r"^\s*(?:\([^)]*\)\s*)?or\b", re.IGNORECASE)
_ALTERNATIVE_BEFORE = re.compile(r"\b(?:or|either)\s+$", re.IGNORECASE)
# "less contagious than", "hemochromatosis that is not inherited is called secondary": a comparison, or a
# restrictive clause that picks out part of the cases.
_COMPARATIVE = re.compile(r"\b(?:less|more)\s+$", re.IGNORECASE)
_RESTRICTIVE = re.compile(r"\b(?:that|which)\s+(?:is|are|was|were)\s+(?:not\s+)?$", re.IGNORECASE)
_RELATIVE = re.compile(r"^\s*(?:which|who|whom|whose)\b", re.IGNORECASE)
# The sentence's subject, up to its first auxiliary: "These changes, which are called somatic mutations, are".
_SUBJECT = re.compile(r"^(.*?)\b(?:is|are|was|were|can|may|might|will|would|has|have|had|does|do)\b", re.IGNORECASE)
_UNCERTAIN = re.compile(
    r"\b(?:whether|unclear|unknown|uncertain|possible|possibly|not\s+(?:yet\s+)?(?:known|clear)|"
    r"not\s+(?:completely|fully|well)\s+understood)\b",
    re.IGNORECASE,
)
# Hedges that cover the whole sentence although a comma ends their clause: "In most cases, ...", "Rarely, ...",
# "Most cases are sporadic, which means ...", "There are three major categories of CJD: sporadic ...".
_SENTENCE_HEDGE = re.compile(
    rf"^\s*(?:(?:in|for|among)\s+(?:{_QUANTITY}|these|such)\b[^,]{{0,60}}?\b{_GROUP}\b|{_QUANTITY}\b|only\b|"
    r"(?:usually|generally|often|sometimes|occasionally|rarely|typically|mostly)\s*,)"
    r"|\b(?:categories|types|forms|kinds|subtypes)\s+of\b",
    re.IGNORECASE,
)
# Statements about new (de novo) mutations describe the cases that are not passed down: a subset.
_DE_NOVO = re.compile(r"\bde\s+novo\b|\bnew\s+(?:\([^)]*\)\s+)?(?:gene\s+)?(?:mutation|alteration|change)s?\b",
                      re.IGNORECASE)
# "inherited" said of genes, not of the condition: "one copy inherited from each parent", "somatic mutations
# are not inherited", "people who have not inherited these variations".
_GENETIC_MATERIAL = re.compile(
    r"\b(?:genes?|mutations?|mutated|chromosomes?|copy|copies|variations?|variants?|changes?|alterations?|"
    r"deletions?|translocations?|alleles?|DNA|traits?|genetic\s+material)\b",
    re.IGNORECASE,
)
# Adjectives that name a subtype when they modify a noun ("sporadic cases", "the familial form", "inherited
# mutations") and make a claim only as a predicate ("is inherited", "is an inherited disorder").
_ADJECTIVES = frozenset(
    "sporadic hereditary familial inherited heritable non-inherited noninherited non-hereditary nonhereditary "
    "contagious noncontagious non-contagious fatal lethal deadly curable incurable preventable".split()
)
_PREDICATE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|becomes?|remains?|considered|called|seems?|appears?)\s+(?:not\s+)?"
    r"(?:(?:a|an)\s+)?(?:\w+\s+)?$",
    re.IGNORECASE,
)
_FUNCTION_WORDS = frozenset(
    "in from through to by and or but as when if with on at than because unless until for of manner pattern "
    "fashion way".split()
)
_DEFINITION = re.compile(r"^\s*(?:means|refers|is\s+defined|describes)\b", re.IGNORECASE)
# Words that may stand right before the condition's name when the sentence is about the condition itself;
# any other word makes it a kind of the condition ("acquired hemochromatosis", "mosaic Down syndrome").
_DETERMINERS = frozenset("the a an this that".split())
_BEFORE_NAME = frozenset(
    "the a an this that of with in for and or to have has had about from by on at as whether if when while "
    "because like called named include includes including such both all any each develop develops get gets "
    "diagnose diagnosed diagnosis treat treated treatment cause causes caused".split()
)
# A flattened table of terms (GARD's HPO lists: "Ataxia - Autosomal dominant inheritance - Sporadic - ..."):
# its items are labels, not statements.
_TERM_LIST = re.compile(r"(?:\s-\s.*){2,}")
# For "X is rare": words that show the subject is a part or aspect of the condition, not the condition.
_NOT_THE_CONDITION = re.compile(
    r"\b(?:forms?|types?|subtypes?|variants?|complications?|symptoms?|signs?|causes?|side\s+effects?|procedures?|"
    r"treatments?|mutations?|findings?|features?|cases?|stages?|versions?|tumou?rs?|cancers?\s+in)\b",
    re.IGNORECASE,
)
_SUBJECT_WORDS = frozenset("it this that the condition disorder disease syndrome illness".split())
_POPULATION = re.compile(r"^\s+(?:in|among|for|to|after|before|during|with|outside|than|around)\b", re.IGNORECASE)
_PART_OF_IT = re.compile(r"^\s+(?:form|type|subtype|variant|kind)s?\s+of\s+(?:(?:the|this|these)\s+"
                         r"(?:condition|disorder|disease|syndrome)s?\b|\s*$|\s*[.,;])", re.IGNORECASE)


def name_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    """The condition's names as one pattern, so they can be masked: "Hereditary multiple osteochondromas" is a
    name, not a claim that the condition is hereditary."""
    parts = [part for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
             if (part := _pattern(name))]
    if not parts:
        return None
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(parts) + r")(?![A-Za-z0-9])", re.IGNORECASE)


def _mask(text: str, patterns: Sequence[re.Pattern[str]]) -> str:
    """Blank out the matches (same length, so offsets stay valid)."""
    for pattern in patterns:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def claims(sentence: str, names: re.Pattern[str] | None = None,
           name_words: Sequence[frozenset[str]] = ()) -> list[Claim]:
    """The points the sentence asserts or denies, unhedged statements only."""
    if sentence.rstrip().endswith("?") or _TERM_LIST.search(sentence):
        return []
    masked = _mask(sentence, [names] if names else [])
    if _SENTENCE_HEDGE.search(masked):
        return []
    kinds_of_it = _kinds_of_condition(sentence, names)
    found: list[Claim] = []
    for point in POINTS:
        text = _mask(masked, point.neutral)
        for polarity, patterns in ((True, point.asserts), (False, point.denies)):
            for pattern in patterns:
                for match in pattern.finditer(text):
                    if any(start <= match.start("k") < end for start, end in kinds_of_it):
                        continue
                    claim = _judge(point, text, sentence, match, polarity, name_words)
                    if claim is not None:
                        found.append(claim)
    return found


def _kinds_of_condition(sentence: str, names: re.Pattern[str] | None) -> list[tuple[int, int]]:
    """Clauses whose subject is a kind of the condition: its name after a modifier at the start of the clause
    ("Acquired hemochromatosis is not inherited", "the mosaic form ...")."""
    spans = []
    for name in names.finditer(sentence) if names else []:
        clause_start, clause_end = clause_at(sentence, name.start())
        preceding = [w for w, _s, _e in word_spans(sentence[clause_start:name.start()])]
        if preceding and preceding[0] in _DETERMINERS:
            preceding = preceding[1:]
        if len(preceding) == 1 and preceding[0] not in _BEFORE_NAME:
            # The subject of the sentence is the subject of its later clauses too ("..., but it does ...").
            spans.append((0, len(sentence)) if clause_start == 0 else (clause_start, clause_end))
    return spans


def _judge(point: Point, text: str, sentence: str, match: re.Match[str], polarity: bool,
           name_words: Sequence[frozenset[str]]) -> Claim | None:
    """The claim a cue makes, or None when it is hedged, uncertain, or about something else than the condition.

    ``text`` is the sentence with the condition's names blanked out, ``sentence`` the sentence as written.
    """
    keyword = match.start("k")
    clause_start, clause_end = clause_at(text, keyword)
    before = text[clause_start:keyword]
    after = text[match.end():clause_end]
    scope_start, scope_end = clause_at(text, keyword, coarse=True)  # hedges reach across commas and brackets
    scope = text[scope_start:scope_end]
    if (_HEDGE.search(scope) or _UNCERTAIN.search(text[clause_start:clause_end]) or _SUBSET.search(text[:keyword])
            or _DEFINITION.match(after) or _ALTERNATIVE_AFTER.match(text[match.end():])
            or _ALTERNATIVE_BEFORE.search(text[:match.start()]) or _COMPARATIVE.search(text[:keyword])
            or _RESTRICTIVE.search(text[:keyword])):
        return None
    if _RELATIVE.match(text[clause_start:]) and not _after_name(text, sentence, clause_start):
        return None  # "severe acquired anemias, which are not inherited": about another noun
    if point.name == "inherited" and _about_genes(text, clause_start, keyword, after):
        return None
    series = text[:keyword].rstrip().endswith(",") and text[match.end():].lstrip().startswith(",")
    if _attributive(match.group("k"), before, after) or (series and match.group("k").lower() in _ADJECTIVES):
        return None  # "sporadic cases", or one of a series of adjectives: "extreme, sporadic, sudden ... pain"
    if point.subject_check and not _about_condition(text, match, name_words):
        return None
    own = len(word_spans(text[match.start():keyword]))
    negation = _negation(before, own)
    if negation is None:
        return None  # a weakened negation: a statement about some cases
    return Claim(point.name, polarity != negation, match.start(), match.end())


def _after_name(text: str, sentence: str, offset: int) -> bool:
    """Whether the condition's name (blanked in ``text``) ends just before ``offset``, commas aside."""
    end = len(sentence[:offset].rstrip(" ,;"))
    return end > 0 and text[end - 1] == " " and sentence[end - 1] != " "


def _about_genes(text: str, clause_start: int, keyword: int, after: str) -> bool:
    """"Inherited" said of genes or mutations rather than of the condition ("one [copy] inherited from each
    parent", "somatic mutations are not inherited", "inherit the mutated gene")."""
    subject = _SUBJECT.match(text)
    preceding = word_spans(text[clause_start:keyword])
    following = " ".join(w for w, _s, _e in word_spans(after)[:4])
    return bool(
        _DE_NOVO.search(text) or _GENETIC_MATERIAL.search(text[clause_start:keyword])
        or _GENETIC_MATERIAL.search(following) or (subject and _GENETIC_MATERIAL.search(subject.group(1)))
        or (preceding and preceding[-1][0] in ("one", "each"))
    )


def _attributive(keyword: str, before: str, after: str) -> bool:
    """Whether an adjective cue modifies a noun outside a predicate: "sporadic cases", "inherited mutations"."""
    if keyword.lower() not in _ADJECTIVES:
        return False
    following = word_spans(after)
    if not following or following[0][1] > 1 or following[0][0] in _FUNCTION_WORDS:
        return False  # nothing, punctuation or a preposition follows: "is inherited in", "sporadic (not ...)"
    return not _PREDICATE.search(before)


def _negation(before: str, own: int) -> bool | None:
    """Whether the words before a cue negate it; None when the negation is weakened ("not directly").

    ``own`` is how many of the last words belong to the cue itself ("is not a" in "is not a rare ..."). A
    negation reaches the cue only across filler words ("is not considered a hereditary condition", "cannot
    be passed"); another verb in between takes the negation ("do not exhibit symptoms may still inherit",
    "cannot pass X-linked traits").
    """
    words = [w.replace("\u2019", "'") for w, _s, _e in word_spans(before)][-(_NEGATION_REACH + own):]
    negated = False
    for index, word in enumerate(words):
        if word not in _NEGATORS and not (word == "than" and index and words[index - 1] == "rather"):
            continue  # "acquired, rather than inherited" negates too
        between = words[index + 1:len(words) - own]
        if between[:1] == ["only"]:
            continue  # "not only ... but also" affirms
        if any(w in _WEAKENERS or (w.endswith("ly") and w not in _NOT_WEAKENING) for w in between):
            return None
        if all(w in _FILLERS for w in between):
            negated = not negated
    return negated


def _about_condition(text: str, match: re.Match[str], name_words: Sequence[frozenset[str]]) -> bool:
    """For "is rare"/"is common": the subject is the condition itself, not a form or a population of it."""
    after = text[match.end():]
    if _POPULATION.match(after) or _PART_OF_IT.match(after):
        return False  # "rare in children", "common in Japan", "the most common type of the condition"
    subject = re.sub(r"\([^)]*\)", " ", text[:match.start()])  # "(LEMS)" adds nothing to the subject
    if _NOT_THE_CONDITION.search(subject):
        return False
    if not name_words:
        return True
    # The condition's names are blanked out before this, so a subject that was only the name is now empty.
    return set(words(subject)) <= set(_SUBJECT_WORDS).union(*name_words)
