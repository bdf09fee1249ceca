"""How :class:`healthqa.understand._names.NameIndex` reads a name that speech-to-text or hurried typing wrote in pieces
("fir daps", "amy fam pridine", "lamb ert eaton") or with a person's name in it typed as an everyday word ("lambert
eaten"): :class:`MisheardNames`, the part of the index that offers such spans as guesses."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Set

from healthqa.understand import _mapped_names
from healthqa.understand._edits import CORRECTIONS_KEPT, deletes, edit_distance
from healthqa.understand._words import STOPWORDS, without_accents


class MisheardNames:
    """Joined pieces and swapped words for :class:`healthqa.understand._names.NameIndex`, which holds the tables
    read here."""

    _everyday: Collection[str]
    _names: Mapping[str, Set[int]]
    _display: Mapping[str, str]
    _vocabulary: Collection[str]
    _deletes: Mapping[str, Collection[str]]
    _corrected: dict[str, list[str]]
    max_words: int
    _is_real_word: Callable[[str], bool]
    _lookup: Callable[..., tuple[str, Set[int]] | None]

    def _joined(self, tokens: list[str], originals: list[str],
                spaced: list[bool]) -> tuple[list[str], list[str], set[int], list[bool]]:
        """``tokens`` and ``originals`` with the pieces a name was split into joined ("fir daps", "amy fam pridine",
        "lamb ert eaton": speech-to-text and hurried typing split what they do not know), and the positions joined.

        Two or three neighbouring words with only spaces or a hyphen between them on one line (``spaced``: each
        word's) that are no name together are joined when one of them is no everyday word and together they spell a
        name's word or a misspelling of it by one letter: "lamb ert" is "lambert", "fir daps" is "firdapse". Everyday
        words are joined only where they misspell a name's word that makes a name with the word written beside them
        ("lamb bert eaton"); "phone line" and "mean les" stay as written, and so do letters, words in capitals ("x ray",
        "intravenous IV"), chat words ("my mum pls" is not "mumps") and words across punctuation ("insulin. omg"). A
        word that names something on its own may still be a piece ("gastro esophageal reflux disease", "lymph
        edema")."""
        if len(tokens) < 2:
            return tokens, originals, set(), spaced
        words: list[str] = []
        written: list[str] = []
        joined: set[int] = set()
        follows: list[bool] = []  # each word's ``spaced``: a joined word's is its first piece's
        position = 0
        while position < len(tokens):
            for size in (3, 2):
                pieces = tokens[position:position + size]
                if (len(pieces) == size and all(spaced[position + 1:position + size])
                        and self._spells_a_name_word(pieces, originals[position:position + size],
                                                     self._neighbours(tokens, spaced, position, position + size))
                        and not self._in_a_name(tokens, position, position + size)):
                    joined.add(len(words))
                    words.append("".join(pieces))
                    written.append(" ".join(originals[position:position + size]))
                    follows.append(spaced[position])
                    position += size
                    break
            else:
                words.append(tokens[position])
                written.append(originals[position])
                follows.append(spaced[position])
                position += 1
        return words, written, joined, follows

    def _spells_a_name_word(self, pieces: list[str], written: list[str], neighbours: tuple[str, str]) -> bool:
        """Whether ``pieces`` joined spell a name's word or a misspelling of one. Everyday words ("phone line", "mean
        les") only misspell one, and only where it makes a name with a word written beside them (``neighbours``, the
        words before and after): "lamb bert eaton", "lamb art eaton" are "Lambert-Eaton" misheard; "second hand
        smoke" and "rib cage pain" are ways of writing those words, read as written."""
        # "x ray", "hormone TSH", "intravenous IV": a letter or an abbreviation is a word of its own.
        if any(len(piece) < 2 or not piece.isalpha() or piece in STOPWORDS or piece in _CHAT_WORDS
               for piece in pieces):
            return False
        if any(word.isupper() for word in written):
            return False
        everyday = all(piece in self._everyday for piece in pieces)
        if everyday and not any(neighbours):
            return False
        together = "".join(pieces)
        if len(together) < 6:
            return False
        # One edit at most ("leg edema" is two from "lipedema", "tampon use" two from "tamponade"), looked up by the
        # names' words' deletions, as a correction is, but not kept: most pairs of a long message spell nothing.
        # A real word joined ("meth amphetamines") is corrected into no name, and its pieces would be lost.
        # Everyday words that spell a name's word exactly are how people write it ("second hand smoke", "rib cage
        # pain"): joined, they were read as those names, and MEDIQA questions about second-hand smoke and AMD got the
        # smoke pages first (session 29). Misspelling one, they are a name misheard.
        if together in self._vocabulary:
            return not everyday
        if self._is_real_word(together):
            return False
        spelt = self._names_words_one_edit_from(together)
        if not everyday:
            return any(spelt)
        before, after = neighbours
        return any(f"{before} {word}" in self._names or f"{word} {after}" in self._names for word in spelt)

    @staticmethod
    def _neighbours(tokens: list[str], spaced: list[bool], start: int, end: int) -> tuple[str, str]:
        """The words right before and after ``tokens[start:end]`` on the same line ("" where there is none); the word
        before is as written, a piece of an earlier join, since a name rarely follows one."""
        before = tokens[start - 1] if start > 0 and spaced[start] else ""
        after = tokens[end] if end < len(tokens) and spaced[end] else ""
        return before, after

    def _in_a_name(self, tokens: list[str], start: int, end: int) -> bool:
        """Whether ``tokens[start:end]`` as written are in a name of the question ("immune globulin" in "respiratory
        syncytial virus immune globulin": not joined into "immunoglobulin")."""
        return any(" ".join(tokens[first:last]) in self._names
                   for first in range(max(start - self.max_words + 1, 0), start + 1)
                   for last in range(end, min(first + self.max_words, len(tokens)) + 1))

    def _swapped(self, span: list[str], options: list[list[str]]) -> tuple[str, Set[int]] | None:
        """The name ``span`` spells with one word swapped for one of its ``options`` (:meth:`_beside_names`) where that
        word is a person's name inside the name (:meth:`_an_eponym_of`), and its documents; None otherwise, or when
        words of ``span`` as written are a name already (:meth:`_holds_a_name`)."""
        if self._holds_a_name(span):
            return None
        for position, candidate in _one_word_changed(span, options):
            match = self._lookup(candidate, None, as_written=False)
            if match is not None and self._an_eponym_of(match[0], candidate[position], position):
                return match
        return None

    def _holds_a_name(self, span: list[str]) -> bool:
        """Whether words of ``span`` as written, two or more but not all, are a name ("lambert eaton" in "lambert
        eaton myasthenia": that name is found as written, not a longer one by changing a word)."""
        return any(" ".join(span[start:start + size]) in self._names
                   for size in range(2, len(span)) for start in range(len(span) - size + 1))

    def _an_eponym_of(self, key: str, word: str, position: int) -> bool:
        """Whether ``word``, at ``position`` in the name ``key``, is a capitalised word of the name's title after its
        first ("Eaton" in "Lambert-Eaton syndrome"): a person's name, which people mistype as an everyday word ("eaten",
        "eton"). A common word of a name is not swapped in: "typical pneumonia" is not "Atypical pneumonia", "fatal
        alcohol" not "Fetal alcohol", "long cancer" not "Lung cancer"."""
        titled = _TITLE_WORD.findall(without_accents(self._display[key]))
        # In a title of capitalised words ("Breast Lift"), a capital says nothing of a person's name.
        if all(written[:1].isupper() for written in titled[1:] if len(written) > 3):
            return False
        return position > 0 and any(written[:1].isupper() and written.lower() == word for written in titled[1:])

    def _beside_names(self, tokens: list[str], position: int) -> list[str]:
        """The names' words one edit from the everyday word at ``position`` when a neighbour is a name's word as
        written ("eaten" beside "lambert"), of the kind :func:`_misspelt_as` allows; none otherwise (a misspelling
        that is no word is corrected by :meth:`_corrections`)."""
        word = tokens[position]
        if len(word) < 4 or word in STOPWORDS or not word.isalpha():
            return []
        neighbours = tokens[max(position - 1, 0):position] + tokens[position + 1:position + 2]
        if not any(n in self._vocabulary and n not in STOPWORDS and len(n) >= 4 for n in neighbours):
            return []
        # An everyday word only: "microcytic anemia" is not a misspelling of "macrocytic anemia".
        if word not in self._everyday:
            return []
        # Kept beside the corrections, told apart by a character no word holds.
        return self._remembered("\0" + word, lambda: sorted(
            {candidate for candidate in self._names_words_one_edit_from(word) if _misspelt_as(candidate, word)}))

    def _heard_alike(self, tokens: list[str], originals: list[str], spaced: list[bool],
                     used: list[bool]) -> list[tuple[int, int, str]]:
        """(start, end, name key) of each span of two to four words on one line, none in a name found, that sounds
        like a name written as one word and is spelt within a few letters of it: "fear dapse", "fire daps", "fur dap
        see" (Firdapse), as speech-to-text writes a name it does not know. Sounding alike is having the same
        consonants as heard (:func:`sound_key`); spelt within a few letters is an edit distance of at most
        :data:`HEARD_EDITS` of the length ("fire taps" is three edits from "firdapse": no). A span of words all known
        (everyday or of the corpus) is read as written, so "lamb burt eaton" is not read here either."""
        found: list[tuple[int, int, str]] = []
        position = 0
        while position < len(tokens) - 1:
            for size in (4, 3, 2):
                end = position + size
                pieces = tokens[position:end]
                if (end > len(tokens) or any(used[position:end]) or not all(spaced[position + 1:end])
                        or not all(piece.isalpha() for piece in pieces)
                        or pieces[0] in STOPWORDS or pieces[-1] in STOPWORDS
                        or any(word.isupper() and len(word) > 1 for word in originals[position:end])):
                    continue
                # A span of words the reader knows (everyday or of the corpus: "annual exam", "abdominal bruit",
                # "lysis syndrome") is read as written; speech-to-text leaves a piece that is no word ("dapse").
                if all(self._is_real_word(piece) or piece in STOPWORDS for piece in pieces):
                    continue
                together = "".join(pieces)
                key = self._heard_as(together)
                # Heard in more pieces than the name has words: split as speech-to-text splits what it does not
                # know. A word misspelt within a name of as many words ("lysis syndrome", "Rinne' test") is the
                # corrections' to read, and they do not take it for Lyell's syndrome or a urine test.
                if key is not None and len(pieces) > len(key.split()):
                    found.append((position, end, key))
                    position = end
                    break
            else:
                position += 1
        return found

    def _heard_as(self, together: str) -> str | None:
        """The name key (several words or one) that ``together``, words run together, sounds like and nearly spells."""
        sound = sound_key(together)
        if len(together) < 6 or len(sound) < 4:
            return None
        best: tuple[int, str] | None = None
        for key in self._sounds.get(sound, ()):
            distance = edit_distance(together, key.replace(" ", ""))
            if distance <= HEARD_EDITS * len(together) and (best is None or distance < best[0]):
                best = (distance, key)
        return best[1] if best is not None else None

    @functools.cached_property
    def _sounds(self) -> dict[str, list[str]]:
        """The names of six letters or more by :func:`sound_key` of their words run together (built on first use)."""
        sounds: dict[str, list[str]] = {}
        for key in self._names:
            together = key.replace(" ", "")
            if len(together) >= 6 and together.isalpha():
                sounds.setdefault(sound_key(together), []).append(key)
        return sounds

    def _names_words_one_edit_from(self, word: str) -> Iterable[str]:
        """The names' words one edit from ``word``, looked up by their deletions as a correction is."""
        return (candidate for candidate in _mapped_names.words_of(self._deletes, deletes(word, 1))
                if edit_distance(word, candidate) == 1)

    def _remembered(self, key: str, find: Callable[[], list[str]]) -> list[str]:
        """``find()``'s words for ``key``, kept: the same words recur in every question (a bounded cache, emptied
        when :data:`healthqa.understand._edits.CORRECTIONS_KEPT` are held)."""
        cached = self._corrected.get(key)
        if cached is None:
            if len(self._corrected) >= CORRECTIONS_KEPT:
                self._corrected.clear()
            cached = self._corrected[key] = find()
        return cached


def _one_word_changed(span: list[str], options: list[list[str]]) -> Iterable[tuple[int, list[str]]]:
    """``span`` with one of its words replaced by one of its options (the others as written), and where."""
    for position, alternatives in enumerate(options):
        for alternative in alternatives[:4]:
            yield position, [*span[:position], alternative, *span[position + 1:]]


_VOWELS = re.compile(r"[aeiouy]")
_TITLE_WORD = re.compile(r"[A-Za-z]+")
# Words of chat, never a piece of a name split in two ("my mum pls", "low lol ate", "meds care plan").
_CHAT_WORDS = frozenset("pls plz omg lol lmao btw idk imo tbh thx ty ur ya yr yrs wk wks hrs mins meds bc cuz smh fyi "
                        "asap ok okay tho".split())


def _misspelt_as(name_word: str, written: str) -> bool:
    """Whether ``written``, an everyday word one edit from ``name_word``, may be that word misspelt: the same consonants
    with other vowels within the word ("eaten", "eton" for "eaton"); not another word ("mold" for "cold", "span" for
    "scan", "pain" for "paine"), nor the same word in the other number ("drug reaction" is not the page "Drug
    reactions": found so, that general page came first for a question about two medicines' reaction, LiveQA dev)."""
    return name_word[-1] == written[-1] and _VOWELS.sub("", name_word) == _VOWELS.sub("", written)


# A span heard as a name is spelt at most this share of its letters away from it (see MisheardNames._heard_alike).
HEARD_EDITS = 0.3
_SOFT_C = re.compile(r"c(?=[eiy])")
_SOFT_G = re.compile(r"g(?=[eiy])")
_NOT_HEARD = re.compile(r"[aeiouyhw]")
_DOUBLED = re.compile(r"(.)\1+")
_SOUNDS_ALIKE = str.maketrans("dzvcq", "tsfkk")


def sound_key(text: str) -> str:
    """The consonants of ``text`` (letters only) as heard: "ph" as "f", a soft c as "s", a soft g as "j", d as t, z as
    s, v as f, c and q as k; vowels, h, w and y unheard; a sound repeated heard once. "firdapse", "fear dapse" and
    "fur dap see" are all "frtps"."""
    letters = "".join(c for c in text.lower() if "a" <= c <= "z").replace("ph", "f").replace("x", "ks")
    letters = _SOFT_G.sub("j", _SOFT_C.sub("s", letters)).translate(_SOUNDS_ALIKE)
    return _DOUBLED.sub(r"\1", _NOT_HEARD.sub("", letters))
