"""The words of a question: normalised, without stop words (shared by name matching and the rest of
understanding)."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019\-]*")
STOPWORDS = frozenset(
    (
        "a about above after again against all am an and any are aren't as at be because been before "
        "being below between both but by can can't cannot could couldn't did didn't do does doesn't doing "
        "don't down during each few for from further had hadn't has hasn't have haven't having he he'd "
        "he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into "
        "is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only "
        "or other ought our ours ourselves out over own same shan't she she'd she'll she's should "
        "shouldn't so some such than that that's the their theirs them themselves then there there's "
        "these they they'd they'll they're they've this those through to too under until up very was "
        "wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while "
        "who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours "
        "yourself yourselves also get got just know want like would could may might will one two im ive "
        'dont cant wont tell need help thank thanks hi hello dear question questions ask asking '
        'information info please anyone someone something anything thing things much many really still '
        'even ever since ago year years old month months week weeks day days time times lot lots'
    ).split()
)
# Chat spellings of everyday words, never corrected into a name: "alot" is not a typo of Aloe.
_CHAT_SPELLINGS = frozenset(
    "alot abit aswell atleast alright gonna wanna gotta kinda sorta dunno thanx thankyou".split()
)


def normalise(text: str) -> str:
    """Lower case, one space between words, no punctuation but inner hyphens turned into spaces."""
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    return " ".join(w.replace("-", " ").strip("'") for w in words).strip()


def content_words(text: str) -> list[str]:
    return [w for w in normalise(text).split() if w not in STOPWORDS and len(w) > 1]


def without_accents(text: str) -> str:
    """``text`` with its letters' accents dropped ("Ménière" is "Meniere")."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# British medical spellings and the American ones most of the sources use ("anaemia", "oesophageal", "paediatric
# leukaemia"): the question is read in the sources' spelling. Whole words only, and not Latin names spelled so in
# both ("Haemophilus influenzae", "Enterococcus faecium").
_BRITISH = re.compile(
    r"\b(haem(?!ophilus|atobium)|paed|orthopaed|oesoph|oedem|oestr|foet|anaesth|gynaec|caesar)(?=[a-z])|"
    r"(?<=[a-z])(aem)(?=ia\b|ic\b)|\b(coeliac|diarrhoea|dyspnoea|apnoea|faeces|faecal|tumours?|behaviours?)\b",
    re.IGNORECASE,
)
_AMERICAN = {"haem": "hem", "paed": "ped", "orthopaed": "orthoped", "oesoph": "esoph", "oedem": "edem",
             "oestr": "estr", "foet": "fet", "anaesth": "anesth", "gynaec": "gynec", "caesar": "cesar", "aem": "em",
             "coeliac": "celiac", "diarrhoea": "diarrhea", "dyspnoea": "dyspnea", "apnoea": "apnea", "faeces": "feces",
             "faecal": "fecal", "tumour": "tumor", "tumours": "tumors", "behaviour": "behavior",
             "behaviours": "behaviors"}


def american_spelling(text: str) -> str:
    """``text`` with the British medical spellings of :data:`_BRITISH` in their American form, in the case they
    were written ("Haemophilia" is "Hemophilia", "ANAEMIA" is "ANEMIA")."""
    return _BRITISH.sub(_american, text)


def _american(match: re.Match[str]) -> str:
    written = match.group(0)
    american = _AMERICAN[written.lower()]
    if written.isupper():
        return american.upper()
    return american[:1].upper() + american[1:] if written[:1].isupper() else american


# Misspellings of the words that say what a question asks, seen in fresh wordings ("pls recomend online group for
# lems", "eaton lambert syndrome complicatons", "how to conect with other patients"); names are matched with typos
# elsewhere (NameIndex), these everyday words are not. Lower case only: "U" may be a unit or a name.
_MISSPELLED = re.compile(
    r"\b(rec+om+end(?<!recommend)(s|ed|ing)?|conect(s|ed|ing|ion|ions)?|"
    r"complicatons|complicaitons|complcations|complictions|complicatios|compliactions|complciations|"
    r"complicatins|ppl|u)\b"
)
_SPELLED = {"recommend": "recommend", "conect": "connect", "ppl": "people", "u": "you"}


def usual_spelling(text: str) -> str:
    """``text`` in American spelling (:func:`american_spelling`) with the everyday misspellings of
    :data:`_MISSPELLED` in their usual form ("recomend" is "recommend", "ppl" is "people")."""
    return _MISSPELLED.sub(_usual, american_spelling(text))


def _usual(match: re.Match[str]) -> str:
    written = match.group(0)
    if written.startswith("rec"):
        return "recommend" + (match.group(2) or "")
    if written.startswith("conect"):
        return "connect" + written[len("conect"):]
    if written.startswith("compl"):
        return "complications"
    return _SPELLED[written]
