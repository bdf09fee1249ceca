"""Question understanding: what is asked about (focus), what kind of question it is, and a concise form.

A person's message is often long, misspelled and wrapped in a story. Understanding keeps what the
ranking needs: the names of conditions or drugs it mentions (matched against every title, focus and
synonym in the knowledge base, tolerant of one or two typos), the question type in the passages'
vocabulary, and the question sentences without greetings, thanks and contact details.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from healthqa.records import SectionType

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019\-]*")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")
_NOISE = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"https?://\S+|www\.\S+",
        r"\S+@\S+\.\w+",
        r"\+?\d[\d\s().-]{7,}\d",
        r"^\s*(hi|hello|hey|dear\s+\w+|good (morning|afternoon|evening)|greetings)\b[\s,!.:-]*",
        r"\b(thanks?( you)?( so much)?( in advance)?|thank u|regards|sincerely|best wishes|god bless)\b"
        r"[\s,!.]*",
        r"\b(please|pls|plz)\b",
    )
]

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

# Question-type cues, checked in order; the first type with the most cue hits wins.
_TYPE_CUES: list[tuple[SectionType, str]] = [
    (SectionType.INHERITANCE, r"inherit\w*|heredit\w*|hereditary|genetic(ally)?\b|pass(ed)? (it )?(on|down)|"
     r"run(s)? in (the |my |our )?famil\w*|(kids?|children|child|son|daughter|grandchild\w*|baby|babies)"
     r" (can |could |will |would |might )?(get|have|inherit|catch)|carrier"),
    (SectionType.GENETIC_CHANGES, r"\bgenes?\b|mutation\w*|chromosom\w*|\bdna\b"),
    (SectionType.BRAND_NAMES, r"\bbrand[- ]?names?\b|\bbrands? of\b|\bgeneric (names?|versions?|equivalents?)\b|"
     r"\btrade ?names?\b"),
    (SectionType.SIDE_EFFECTS, r"side[ -]?effects?|adverse|reaction to|make me (feel|sick)"),
    (SectionType.INTERACTIONS_WITH_MEDICATIONS, r"interact\w*|take (it )?(with|together)|mix(ed|ing)? with|"
     r"combine\w* with|alcohol with"),
    (SectionType.DOSE, r"\bdos(e|es|age|ing)\b|how much .* take|how many (mg|pills|tablets)|\bmg\b"),
    (SectionType.FREQUENCY, r"how common|how rare|how many (people|cases|americans|children|women|men)|"
     r"prevalen\w*|incidence"),
    (SectionType.OUTLOOK, r"prognos\w*|outlook|life expectancy|surviv\w*|how long .* (live|last)|"
     r"(will|can|could) (i|he|she|they|it|you|people|someone|a person) (die|recover)|fatal|deadly|terminal|"
     r"go away|permanent|curable"),
    (SectionType.PREVENTION, r"prevent\w*|avoid\w*|reduce (the |my )?risk|protect\w*"),
    (SectionType.SUSCEPTIBILITY, r"who (gets|is at risk|can get)|at risk|risk factors?|more likely"),
    (SectionType.COMPLICATIONS, r"complication\w*|lead to|long[- ]term effects?|can it cause|damage"),
    # "was diagnosed with" tells a story; "how is it diagnosed" asks about tests.
    (SectionType.EXAMS_AND_TESTS, r"\btest(s|ed|ing)?\b|diagnos(is|e|ing|tic)\b|how (is|are|was|do you|does one)"
     r" .{0,40}diagnosed|detect\w*|screen\w*|\bscan\w*|biopsy|x-?ray|\bmri\b|blood work|"
     r"how (do|can) (you|i|doctors?) (tell|know|find out)|confirm"),
    (SectionType.TREATMENT, r"treat\w*|\bcure\w*|therap\w*|medication\w*|medicine\w*|\bdrugs? for|surgery|"
     r"surgical|manag\w*|remed\w*|get rid|relie\w*|help (with|for)|\bheal(s|ing|ed)?\b|"
     # A plea for help with one's own condition asks what can be done about it.
     r"what (can|could|should) (i|we|he|she|they) do|what to do|(need|any|some|your) help|"
     r"(please|can you|could you) help|help (me|us|him|her|my)\b|(anything|something) (that )?(can|could) "
     r"(be done|help)|how (to|can i|do i|can we|do we|can you) (stop|remove|reduce|lower|lose|improve|overcome|"
     r"fix|solve|grow|control|deal|cope|take care)|lose (weight|fat)|what (tablets|pills|medicines?) (can|should)"),
    (SectionType.SYMPTOMS, r"symptom\w*|signs?\b|feel(s|ing)? like|what happens|look like|warning signs"),
    (SectionType.CAUSES, r"\bcaus\w*|why (do|does|did|would|is|am|are)|reason\w*|trigger\w*|"
     r"how (do|did|does) (you|i|people|one|someone) (get|catch)|contagious|spread|due to"),
    (SectionType.SUPPORT_GROUPS, r"support group\w*|organi[sz]ation\w*|foundation|specialist|"
     r"who (can|should) i see|find a doctor|where can i (go|find|get)"),
    (SectionType.RESEARCH, r"clinical trials?|research\w*|\bstud(y|ies)\b|new treatment\w*|experimental"),
    (SectionType.INFORMATION,
     r"what (is|are)\b|tell me about|information|literature|explain|definition|mean\w*"),
]
_COMPILED_CUES = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _TYPE_CUES]

_SOMEONE = r"(my|his|her|their|our|the)"
# Someone, now: "she's", "my son is", "I'm" ("when someone is having a seizure" asks, it does not tell).
_NOW = r"(i'?m|i am|(he|she|they|it)('s| is| are)|my \w+( \w+)? (is|are))"
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
    r"short(ness)? of breath|gasping|choking|"
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
_CORRECTIONS_KEPT = 50_000
_SUFFIXES = (" syndrome", " disease", " disorder", " deficiency", " condition", " infection")


def normalise(text: str) -> str:
    """Lower case, one space between words, no punctuation but inner hyphens turned into spaces."""
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    return " ".join(w.replace("-", " ").strip("'") for w in words).strip()


def content_words(text: str) -> list[str]:
    return [w for w in normalise(text).split() if w not in STOPWORDS and len(w) > 1]


@dataclass(frozen=True)
class FocusMatch:
    name: str  # the knowledge-base name matched
    matched: str  # the words of the question it matched
    document_ids: frozenset[int]
    # Matched only by a guess: after a spelling correction, or an abbreviation read from lower case ("cloves"
    # may be CLOVES syndrome or the spice). A guess never restricts an answer to the name's pages.
    corrected: bool = False
    expansion: str = ""  # the condition's title when the question wrote an abbreviation of it ("LEMS")


@dataclass
class Understanding:
    text: str
    concise: str
    focus: list[FocusMatch]
    qtype: SectionType
    qtypes: list[SectionType]
    sub_questions: list[str]
    emergency: bool
    emergency_cue: str = ""
    emergency_kind: str = ""  # "poison", "suicide" or "general" when ``emergency`` (see emergency_kind)
    keywords: list[str] = field(default_factory=list)

    @property
    def expanded(self) -> str:
        """The concise form with each abbreviation's condition named after it: "is LEMS (Lambert-Eaton
        syndrome) inherited?", for a sentence encoder that has never met the abbreviation."""
        text = self.concise or self.text
        expansions = {match.matched: match.expansion for match in self.focus if match.expansion}
        for matched, expansion in expansions.items():
            found = re.search(rf"\b{re.escape(matched)}\b", text)
            if found:
                text = f"{text[:found.end()]} ({expansion}){text[found.end():]}"
        return text

    @property
    def focus_documents(self) -> frozenset[int]:
        found: set[int] = set()
        for match in self.focus:
            found |= match.document_ids
        return frozenset(found)


class NameIndex:
    """Every name the knowledge base knows a topic by, with a typo-tolerant word index.

    ``known_word`` tells whether a word is one the knowledge base's texts use (``healthqa.answer.answerer.name_index``):
    such a word, like a word of ``dictionary``, is never "corrected" into a name ("told" is not a typo of
    "cold", nor "location" of "lactation", nor "stuff" of "snuff").
    ``reads_as_abbreviation`` tells whether a word written in lower case may be read as the abbreviation
    spelled the same (``healthqa.answer.answerer.lowercase_abbreviation_test``: "copd", "gerd", "hiv" yes; "all",
    "sad" no); without it, abbreviations match only where the question writes them in capitals.
    ``sources`` (document id to source name) lets the index see that a synonym names another condition:
    see :meth:`_same_condition`.
    ``dictionary`` holds everyday words (not names): a misspelling nearer to one of them than to any name is
    that word's ("pamplets" is one letter from "pamphlets", two from "pimples"), and an eponym shortened to
    one of them is not the eponym ("hunters" is not Hunter's syndrome).
    """

    def __init__(
        self,
        names: Iterable[tuple[int, str, str]],
        known_word: Callable[[str], bool] | None = None,
        sources: Mapping[int, str] | None = None,
        reads_as_abbreviation: Callable[[str], bool] | None = None,
        dictionary: Iterable[str] = (),
    ) -> None:
        everyday = frozenset(dictionary)
        self._everyday = everyday
        self._known_word = known_word
        self._reads_as_abbreviation = reads_as_abbreviation
        # A word's corrections never change for one index; questions repeat their words ("diagnosed").
        self._corrected: dict[str, list[str]] = {}
        self._names: dict[str, set[int]] = defaultdict(set)
        self._display: dict[str, str] = {}
        self._case_sensitive: set[str] = set()
        titled: dict[str, set[int]] = defaultdict(set)
        self._titles: dict[int, str] = {}
        for document_id, name, kind in names:
            for variant, strict in _variants(name, everyday):
                if not variant or (variant in STOPWORDS and not strict):
                    continue
                self._names[variant].add(document_id)
                self._display.setdefault(variant, name)
                if strict:
                    self._case_sensitive.add(variant)
                if kind != "synonym":
                    titled[variant].add(document_id)
            if kind == "title":
                self._titles.setdefault(document_id, name)
        # A synonym that is the title of another page of the document's own source names another condition:
        # the document is not known by it (see _same_condition).
        for document_id, key in _other_condition_names(self._names, titled, sources or {}):
            self._names[key].discard(document_id)
        self._keys_of: dict[int, set[str]] = defaultdict(set)
        for key, documents in self._names.items():
            for document_id in documents:
                self._keys_of[document_id].add(key)
        # How many words the longest name starting with each word has: most words of a question start none.
        self._longest_from: dict[str, int] = {}
        for key in self._names:
            words = key.split(" ")
            self._longest_from[words[0]] = max(len(words), self._longest_from.get(words[0], 0))
        self.max_words = min(max(self._longest_from.values(), default=1), 8)
        self._vocabulary = {word for key in self._names for word in key.split()}
        self._deletes: dict[str, set[str]] = defaultdict(set)
        for word in self._vocabulary:
            if len(word) >= 4 and not word.isdigit():
                for deleted in _deletes(word, 2 if len(word) >= 8 else 1):
                    self._deletes[deleted].add(word)

    def __len__(self) -> int:
        return len(self._names)

    def _corrections(self, word: str) -> list[str]:
        if word in self._vocabulary or len(word) < 4 or word in STOPWORDS or word in _CHAT_SPELLINGS:
            return []
        cached = self._corrected.get(word)
        if cached is None:
            if len(self._corrected) >= _CORRECTIONS_KEPT:
                self._corrected.clear()
            cached = self._corrected[word] = self._find_corrections(word)
        return cached

    def _find_corrections(self, word: str) -> list[str]:
        """The names' words nearest ``word`` (one edit, or two for a long word), unless it is a real word
        or nearer to one."""
        limit = 2 if len(word) >= 8 else 1
        distances: dict[str, int] = {}
        for deleted in _deletes(word, limit):
            for candidate in self._deletes.get(deleted, ()):
                if candidate not in distances:
                    distances[candidate] = _edit_distance(word, candidate)
        within = {candidate: d for candidate, d in distances.items() if d <= limit}
        if not within or self._is_real_word(word):
            return []
        nearest = min(within.values())
        if nearest > 1 and self._near_dictionary_word(word):
            return []
        return sorted(candidate for candidate, d in within.items() if d == nearest)

    def _is_real_word(self, word: str) -> bool:
        # "father's" is the possessive of a real word, not a typo of "Fahr's".
        stem = word[:-2] if word.endswith("'s") else word
        return self._known(word) or (stem != word and self._known(stem))

    def _known(self, word: str) -> bool:
        return word in self._everyday or (self._known_word is not None and self._known_word(word))

    @functools.cached_property
    def _dictionary_deletes(self) -> dict[str, set[str]]:
        """Everyday words one edit from a word long enough to be corrected two edits into a name, by their
        one-letter deletions; built on the first such word, not when the index is (a second or more)."""
        found: dict[str, set[str]] = defaultdict(set)
        for word in self._everyday:
            if len(word) >= 7 and word.isalpha() and word not in self._vocabulary:
                for deleted in _deletes(word, 1):
                    found[deleted].add(word)
        return found

    def _near_dictionary_word(self, word: str) -> bool:
        return any(_edit_distance(word, candidate) <= 1
                   for deleted in _deletes(word, 1) for candidate in self._dictionary_deletes.get(deleted, ()))

    def find(self, text: str) -> list[FocusMatch]:
        """Names mentioned in ``text``, longest first, without overlapping matches."""
        original_words = [w.replace("-", " ") for w in _WORD.findall(text.replace("\u2019", "'"))]
        tokens: list[str] = []
        originals: list[str] = []
        for word in original_words:
            for piece in word.split():
                token = piece.lower().strip("'")
                # A name's possessive is the name ("metformin's side effects"); an eponym keeps its "'s".
                if token.endswith("'s") and token not in self._vocabulary and token[:-2] in self._vocabulary:
                    token = token[:-2]
                tokens.append(token)
                originals.append(piece)
        corrected = [self._corrections(t) for t in tokens]
        # In a message typed in capitals, "ALL" or "LES" is no abbreviation.
        letters = [o for o in originals if o.isalpha()]
        shouting = len(letters) > 3 and sum(o.isupper() for o in letters) > len(letters) / 2
        used = [False] * len(tokens)
        # The longest span worth looking up from each position, by its word and that word's corrections.
        reach = [max(self._longest_from.get(word, 0) for word in (token, *alternatives))
                 for token, alternatives in zip(tokens, corrected, strict=True)]
        matches: list[FocusMatch] = []
        for size in range(min(self.max_words, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                if size > reach[start] or any(used[start:start + size]):
                    continue
                span = tokens[start:start + size]
                match = self._lookup(span, None if shouting else originals[start:start + size])
                was_corrected = False
                if match is None and any(corrected[start:start + size]):
                    for candidate in _corrected_spans(span, corrected[start:start + size]):
                        match = self._lookup(candidate, None, as_written=False)
                        if match is not None:
                            was_corrected = True
                            break
                if match is None:
                    continue
                key, docs = match
                if key in self._case_sensitive and not all(o.isupper() for o in originals[start:start + size]):
                    was_corrected = True
                for i in range(start, start + size):
                    used[i] = True
                matches.append(FocusMatch(self._display[key], " ".join(originals[start:start + size]),
                                          self._same_condition(docs), was_corrected, self._expansion(key, docs)))
        return matches

    def _same_condition(self, documents: set[int], generic: int = 30) -> frozenset[int]:
        """The documents plus every document sharing one of their specific names (one hop).

        Sources name one condition differently (GARD's title is another encyclopedia's synonym);
        names shared by many documents ("cancer") or short abbreviations link nothing, and neither does a
        synonym that is the title of another page of the document's own source: that source tells the two
        conditions apart (GARD lists "Congenital myasthenic syndrome" among the synonyms of Lambert-Eaton
        myasthenic syndrome, and has a page for each).
        """
        found = set(documents)
        for document_id in documents:
            for key in self._keys_of.get(document_id, ()):
                linked = self._names[key]
                if key not in self._case_sensitive and len(linked) <= generic and len(key) >= 6:
                    found |= linked
        return frozenset(found)

    def _expansion(self, key: str, documents: set[int]) -> str:
        """The title an abbreviation stands for, when all its documents are about one condition."""
        if key not in self._case_sensitive:
            return ""
        first = min(documents)
        if not documents <= self._same_condition({first}):
            return ""  # "LES": Lambert-Eaton syndrome or lower esophageal sphincter
        title = re.sub(r"\s*\([^)]*\)", "", self._titles.get(first, "")).strip()
        return title if normalise(title) != key else ""

    def _lowercase_abbreviation(self, key: str) -> bool:
        """Whether an abbreviation may match where the question does not write it in capitals: one word of
        three letters or more, not a stopword, that the knowledge base reads as the abbreviation."""
        return (self._reads_as_abbreviation is not None and " " not in key and len(key) >= 3 and key.isalnum()
                and key not in STOPWORDS and self._reads_as_abbreviation(key))

    def _lookup(
        self, span: list[str], originals: list[str] | None, as_written: bool = True
    ) -> tuple[str, set[int]] | None:
        """The name ``span`` spells and its documents. ``originals`` are the words as written (None in a
        message typed in capitals); a span of typo corrections (``as_written`` false) never reads as an
        abbreviation: "madam" is no misspelling of MADA."""
        key = " ".join(span)
        docs = self._names.get(key)
        if not docs:
            return None
        if key in self._case_sensitive:
            in_capitals = originals is not None and all(o.isupper() for o in originals)
            if not in_capitals and (not as_written or not self._lowercase_abbreviation(key)):
                return None
        elif len(span) == 1 and (key in STOPWORDS or len(key) < 3):
            return None
        return key, docs


def _other_condition_names(
    names: Mapping[str, set[int]], titled: Mapping[str, set[int]], sources: Mapping[int, str]
) -> set[tuple[int, str]]:
    """(document, name) pairs where the document lists as a synonym the title of another of its source's pages."""
    found: set[tuple[int, str]] = set()
    for key, holders in titled.items():
        titled_sources = {sources[d] for d in holders if d in sources}
        for document_id in names[key]:
            if document_id not in holders and sources.get(document_id) in titled_sources:
                found.add((document_id, key))
    return found


def _variants(name: str, everyday: Collection[str] = ()) -> list[tuple[str, bool]]:
    """Ways a question may write a name; ``True`` marks short abbreviations that must be upper case.
    ``everyday`` words are never a variant made by dropping an eponym's apostrophe and suffix ("Hunter's
    syndrome" is not "hunters")."""
    found: list[tuple[str, bool]] = []
    stripped = re.sub(r"\s*\(([^)]*)\)\s*", " ", name).strip()
    for candidate in {name, stripped}:
        key = normalise(candidate)
        if key:
            found.append((key, _is_abbreviation(candidate)))
        if "," in candidate and candidate.count(",") == 1:
            head, tail = (part.strip() for part in candidate.split(","))
            found.append((normalise(f"{tail} {head}"), False))
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= 6:
                # "CHARGE syndrome" without its suffix is an acronym, not the word "charge".
                short = key[: -len(suffix)]
                found.append((short, _is_abbreviation(candidate.rsplit(None, 1)[0])))
                # "is it parkinsons?": the eponym without its apostrophe or its suffix.
                if short.endswith("'s") and short.replace("'s", "s") not in everyday:
                    found.append((short.replace("'s", "s"), False))
        if "'s" in key:
            # People drop the apostrophe of an eponym: "raynauds", "gilberts syndrome".
            found.extend((variant, False) for variant in {key.replace("'s", "s"), key.replace("'s", "")})
    for abbreviation in re.findall(r"\(([A-Z][A-Za-z0-9-]{1,9})\)", name):
        found.append((normalise(abbreviation), _is_abbreviation(abbreviation)))
    return found


def _is_abbreviation(text: str) -> bool:
    """Short names in capitals ("LES"), one word in capitals ("CLIPPERS", "CADASIL") or names with capitals
    inside ("ChILD"): as plain words many are everyday words ("les", "clippers", "child"), so they match
    only where the question writes them in capitals (or see ``NameIndex``'s ``reads_as_abbreviation``)."""
    letters = re.sub(r"[^A-Za-z]", "", text)
    if letters.isupper() and len(letters) >= 2 and len(text.split()) == 1:
        return True
    if not 0 < len(letters) <= 6:
        return False
    return (letters.isupper() and len(letters) <= 5) or sum(c.isupper() for c in letters[1:]) >= 2


def _deletes(word: str, distance: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(distance):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance (transpositions count once)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _corrected_spans(span: list[str], options: list[list[str]]) -> Iterable[list[str]]:
    choices = [[word, *alternatives] for word, alternatives in zip(span, options, strict=True)]
    results: list[list[str]] = [[]]
    for choice in choices:
        results = [[*prefix, word] for prefix in results for word in choice[:4]]
        if len(results) > 64:
            break
    return [r for r in results if r != span and len(r) == len(span)]


def classify(text: str) -> list[SectionType]:
    """Question types cued in ``text``, strongest first; ``information`` when nothing is cued."""
    scores: dict[SectionType, float] = {}
    for rank, (kind, pattern) in enumerate(_COMPILED_CUES):
        hits = [m.start() for m in pattern.finditer(text)]
        if hits:
            # Ties go to the type asked about first, then to the more specific type.
            scores[kind] = len(hits) * 10_000 - hits[0] - rank / 100
    ordered = sorted(scores, key=lambda k: -scores[k])
    # "What is ..." frames most questions; it decides the type only when nothing else is asked.
    specific = [kind for kind in ordered if kind is not SectionType.INFORMATION]
    return [*specific, SectionType.INFORMATION] if specific else [SectionType.INFORMATION]


def emergency_cue(text: str) -> str:
    match = _EMERGENCY.search(text)
    return match.group(0) if match else ""


def emergency_kind(text: str) -> str:
    """What an emergency question describes, for the order of the actions offered: "poison" (something
    swallowed or breathed in, an overdose), "suicide" (thoughts of suicide or self-harm), "general" (any other
    emergency cue); "" when no cue fires. Where both special kinds fire, the one written first decides."""
    if not _EMERGENCY.search(text):
        return ""
    found = [(match.start(), kind) for kind, pattern in _EMERGENCY_KINDS if (match := pattern.search(text))]
    return min(found)[1] if found else "general"


def condense(text: str) -> tuple[str, list[str]]:
    """The message without greetings, thanks and contact details, and its question sentences."""
    cleaned = text
    for pattern in _NOISE:
        cleaned = pattern.sub(" ", cleaned)
    sentences = [s.strip(" ,;:-") for s in _SENTENCE_END.split(cleaned) if s and s.strip(" ,;:-.")]
    questions = [s for s in sentences if s.endswith("?") or re.match(
        r"(what|how|why|when|where|who|which|is|are|can|could|do|does|did|should|will|would|may)\b", s, re.I)]
    concise = " ".join(sentences)
    return " ".join(concise.split()), questions


def understand(text: str, names: NameIndex) -> Understanding:
    concise, questions = condense(text)
    focus = names.find(concise)
    asked = " ".join(questions) if questions else concise
    qtypes = classify(asked)
    if qtypes == [SectionType.INFORMATION] and questions:
        qtypes = classify(concise)
    cue = emergency_cue(text)
    return Understanding(
        text=text,
        concise=concise,
        focus=focus,
        qtype=qtypes[0],
        qtypes=qtypes,
        sub_questions=questions,
        emergency=bool(cue),
        emergency_cue=cue,
        emergency_kind=emergency_kind(text) if cue else "",
        keywords=content_words(concise),
    )
