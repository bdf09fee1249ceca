"""How :class:`healthqa.understand._names.NameIndex` reads a name that speech-to-text or hurried typing wrote in pieces
("fir daps", "amy fam pridine", "lamb ert eaton") or with a person's name in it typed as an everyday word ("lambert
eaten"): :class:`MisheardNames`, the part of the index that offers such spans as guesses."""

from __future__ import annotations

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
                spaced: list[bool]) -> tuple[list[str], list[str], set[int]]:
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
            return tokens, originals, set()
        words: list[str] = []
        written: list[str] = []
        joined: set[int] = set()
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
                    position += size
                    break
            else:
                words.append(tokens[position])
                written.append(originals[position])
                position += 1
        return words, written, joined

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
