"""Emergency cues: words that say someone may be seriously ill now (healthqa.understand re-exports the readers).

A question that sounds like an emergency is answered first with what to do now (the answer pages' emergency
actions); these cues decide that, and which first action fits (:func:`emergency_kind`).
"""

from __future__ import annotations

import re

_SOMEONE = r"(my|his|her|their|our|the)"
# Someone, now: "she's", "my son is", "I'm" ("when someone is having a seizure" asks, it does not tell).
_NOW = r"(i'?m|i am|(he|she|they|it)('s| is| are)|my \w+( \w+)? (is|are))"
# A person, as a message names one now ("my dad collapsed"; "my lung collapsed" names an organ).
_PERSON = (r"(he|she|they|someone|somebody|((my|his|her|their|our|a) )?(\d+ (year|month)s? old|husband|wife|"
           r"partner|son|daughter|dad|father|mum|mom|mother|baby|child|kid|toddler|friend|brother|sister|grandma|"
           r"grandmother|grandpa|grandfather|grand-?dad|granddad|nan|nana|gran|boyfriend|girlfriend|colleague|"
           r"neighbou?r|man|woman|boy|girl|patient))")
_POISONS = (r"(bleach|windex|(rat )?poison|antifreeze|drain cleaner|detergent|(tide |laundry |dishwasher )?pods?|"
            r"(button )?batter(y|ies)|magnets?|lye|pesticide|weed ?killer|gasoline|kerosene|lighter fluid|"
            r"paint thinner|lamp oil|mushrooms? from the (yard|garden|woods))")
# Emergency cues of the two kinds whose first action differs (see emergency_kind): thoughts of suicide or
# self-harm, and something swallowed or breathed in.
_SUICIDE_CUES = (
    r"suicid\w*|kill(ing)? myself|kill me\b(?! (inside|slowly))|end(ing)? (my life|it all)|want to die|"
    r"self[- ]harm|hurt(ing)? myself(?! (lifting|playing|at|while|when|exercising))|"
    r"cut(ting)? (myself|my wrists?)|(don'?t|do not) want to (live|be alive)(?! with| like| in)|"
    r"no reason to live|better off dead|take all (my|of my) (pills|medication|medicine)"
)
_POISON_CUES = (
    rf"overdosed|{_NOW} overdosing|took an overdose|took too many (of {_SOMEONE} )?(\w+ )?(pills|tablets)|"
    r"took (a|the) (whole|full|entire) bottle|took [1-9]\d+ (?!(mg|ml|mcg|milligrams|units|minutes|hours|"
    r"days|weeks|months|years)\b)\w+|(ate|got into) (some of )?(my|his|her|the|grandma'?s) (pills|medicine|"
    r"medication|tablets)|"
    r"(swallowed|drank|drunk|ate|eaten|ingested|chewed) ((some of the|some|a|an|the|a bit of|a little|\d+) |"
    rf"{_SOMEONE} )?{_POISONS}|been poisoned|"
    r"(inhaled|breathed in|exposed to) (\w+ ){0,3}(fumes|gas|smoke|carbon monoxide|chemicals?)|"
    r"carbon monoxide poisoning"
)
_EMERGENCY = re.compile(
    # One leading boundary for every cue: "tolerate a battery of tests" is not "ate a battery".
    r"\b(?:"
    # Breathing.
    r"(can'?t|cannot|could ?n[o']t|unable to|trouble|difficulty|hard to|struggling to|stopped) "
    rf"(catch(ing)? {_SOMEONE} )?breath\w*|"
    r"(not|isn'?t|isnt|wasn'?t|stopped|no longer) breathing(?! (well|properly|right|through|out of))|"
    # Choking now, not asked of a cause or a risk ("can LEMS cause choking?", "the risk of choking").
    r"short(ness)? of breath|gasping|(?<!cause )(?<!causes )(?<!causing )(?<!risk of )(?<!lead to )(?<!leads to )"
    r"(?<!prevent )(?<!avoid )choking|"
    r"(blue|purple|gr[ae]y) (lips|face|skin|fingers)|lips (are|turned|turning) blue|turn(ing|ed) blue|"
    # Heart: crushing pain, or chest pain with the signs that come with a heart attack.
    r"(crushing|severe|sudden|squeezing) (chest|heart) pain|chest pain (spread|radiat)\w*|"
    r"(chest (pain|pressure|tightness|hurts|feels tight)|pain in my chest)[^.?!]{0,60}"
    r"\b(left arm|jaw (pain|hurts|aches?)|(arm|hand) (is |feels )?(numb|tingl)\w*|cold sweat|i'?m sweating|"
    r"feel(s|ing)? faint)|"
    r"(having|had|is having) a heart attack|"
    # Stroke.
    r"face (is )?droop\w*|drooping face|slurred speech|speech is slurred|slurring (his|her|my|their) words|"
    rf"one side of {_SOMEONE} (face|body) (is )?(droop|numb|weak|paralyz)\w*|"
    rf"(can'?t|cannot|unable to) move {_SOMEONE} (left |right )?(arm|leg|side)|"
    r"sudden (numbness|weakness|confusion|severe headache|vision loss|trouble (speaking|seeing|walking))|"
    r"worst headache of (my|his|her|their) life|(having|had) a stroke|stroke symptoms|"
    # Suicide and self-harm.
    + _SUICIDE_CUES + "|"
    # Poisoning and overdose.
    + _POISON_CUES + "|"
    # Consciousness, seizures, bleeding, allergy.
    r"unconscious|unresponsive|won'?t (wake up|respond)|passed out|"
    # Someone collapsed or not responding now (not "my lung collapsed last year", "collapsed arches", "not responding
    # to treatment").
    rf"{_PERSON}('s| has| had| has just| just)? collapsed\b(?! (vertebra\w*|arch\w*|lungs?|discs?|veins?)\b)"
    r"(?![^.?!]{0,40}\b(ago|last (year|month|week)|in (19|20)\d\d)\b)|"
    rf"({_PERSON}('s| is) not|{_PERSON} isn'?t) responding\b(?!( well| properly)? to (?!me|us|anyone|anything)\w)|"
    # A fit, the NHS's word for a seizure (not a fit of coughing or of rage); a rash that does not fade under a
    # glass (meningitis); a floppy baby; severe burns someone has; a bleed in the brain now.
    rf"{_NOW} (having a fit|fitting)\b(?! (about|over|because|when|if|that|at|with|of|in|into|me|for)\b)|"
    r"rash[^.?!]{0,40}\b(doesn'?t|does not|won'?t|will not|didn'?t|did not|isn'?t|is not|not) (fade|fading) "
    r"(under|when|with|if) (a |the )?(glass|tumbler|press\w*)|"
    r"(baby|infant|newborn)('s| is| seems| looks)? (very |really )?floppy|"
    r"(has|have|got|suffered|with) (severe|bad|serious) (burns?|scalds?)|"
    rf"({_NOW}|i think i'?m|i think i am) having a (brain (bleed|h(a)?emorrhage)|bleed on the brain)|"
    # Someone who cannot be woken ("I can't wake up in the morning" is about sleep, "can't wake him up for
    # school" about mornings).
    rf"(can'?t|cannot|could ?n[o']t|unable to) (wake|rouse) (him|her|them|{_SOMEONE} \w+)"
    r"(?!( up)? (for|in the morning|when|on time|early|before)\b)( up)?\b|"
    rf"{_NOW} having (a )?seizures?|seizure (that )?(won'?t|doesn'?t) stop|"
    r"severe bleeding|bleeding (heavily|won'?t stop)|coughing (up )?blood|(vomiting|throwing up) blood|"
    r"anaphyla\w*|severe allergic reaction|throat (is )?(closing|swelling)|swollen (throat|tongue)|"
    r"(tongue|face)( and \w+)? (is |are )?(swelling|swollen)"
    r")",
    re.IGNORECASE,
)
_EMERGENCY_KINDS = (
    ("suicide", re.compile(rf"\b(?:{_SUICIDE_CUES})", re.IGNORECASE)),
    ("poison", re.compile(rf"\b(?:{_POISON_CUES})", re.IGNORECASE)),
)


def _plain(text: str) -> str:
    # A phone's curly apostrophe ("I can\u2019t wake him up") reads as the plain one every cue writes.
    return text.replace("\u2019", "'")


def emergency_cue(text: str) -> str:
    match = _EMERGENCY.search(_plain(text))
    return match.group(0) if match else ""


def emergency_kind(text: str) -> str:
    """What an emergency question describes, for the order of the actions offered: "poison" (something
    swallowed or breathed in, an overdose), "suicide" (thoughts of suicide or self-harm), "general" (any other
    emergency cue); "" when no cue fires. Where both special kinds fire, the one written first decides."""
    text = _plain(text)
    if not _EMERGENCY.search(text):
        return ""
    found = [(match.start(), kind) for kind, pattern in _EMERGENCY_KINDS if (match := pattern.search(text))]
    return min(found)[1] if found else "general"
