"""The vocabulary the comparison looks for: treatments, tests (ours) and symptoms (the HPO's).

Treatments and tests are a compact list of generic names, each label with the spellings sources use for it
("plasmapheresis" and "plasma exchange" are one label). Drug names come from the caller (the knowledge base's
drug table), because no fixed list could keep up with them. Matching is on whole words, case-insensitive,
tolerant of plurals, hyphens and spacing ("X-ray", "x ray", "x-rays"); short abbreviations ("CT", "PET",
"EMG") must be written in capitals, because in lower case they are ordinary words or word fragments.

Symptoms are Human Phenotype Ontology terms below "Phenotypic abnormality", found by their names and
synonyms, lay ones included ("dry mouth" is Xerostomia). A phrase matches a term when its content words,
stemmed and in any order, are exactly the term's ("pain in the chest" is Chest pain).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from healthqa.conditions.compare._text import word_spans
from healthqa.symptoms.hpo import PHENOTYPIC_ABNORMALITY, HPOIndex, words

TREATMENT = "treatment"
TEST = "test"
SYMPTOM = "symptom"

# label -> the spellings sources use; the label itself is always one of them.
TREATMENTS: dict[str, tuple[str, ...]] = {
    "plasma exchange": ("plasmapheresis", "therapeutic plasma exchange", "PLEX"),
    "intravenous immunoglobulin": (
        "intravenous immunoglobulin", "intravenous immune globulin", "IV immunoglobulin", "IV immune globulin",
        "IVIG", "IVIg", "immunoglobulin therapy", "immune globulin therapy",
    ),
    "corticosteroids": ("corticosteroid", "steroid", "glucocorticoid", "steroid therapy"),
    # Sources describe immunosuppression as often as they name it.
    "immunosuppressants": (
        "immunosuppressant", "immunosuppressive drug", "immunosuppressive medication", "immunosuppressive therapy",
        "immunosuppressive agent", "immune suppressant", "suppress the immune system", "suppress the immune response",
        "suppresses the immune system", "suppressing the immune system", "suppressing the immune response",
    ),
    "cholinesterase inhibitors": (
        "cholinesterase inhibitor", "acetylcholinesterase inhibitor", "anticholinesterase",
        "anticholinesterase agent", "anticholinesterase drug", "anticholinesterase medication",
    ),
    "immunotherapy": ("immune therapy",),
    "biologic therapy": ("biological therapy",),
    "monoclonal antibodies": ("monoclonal antibody",),
    "physical therapy": ("physiotherapy", "physical therapist"),
    "occupational therapy": ("occupational therapist",),
    "speech therapy": ("speech therapist", "speech-language therapy", "speech and language therapy"),
    "chemotherapy": ("chemo",),
    "radiation therapy": ("radiotherapy", "radiation treatment", "radiation"),
    # Not bare "surgical": "surgical masks", "surgical menopause" name no operation.
    "surgery": ("surgical removal", "surgical treatment", "surgical procedure", "surgically"),
    "stem cell transplant": (
        "stem cell transplantation", "bone marrow transplant", "bone marrow transplantation",
        "hematopoietic stem cell transplantation", "HSCT",
    ),
    "liver transplant": ("liver transplantation",),
    "kidney transplant": ("kidney transplantation", "renal transplant", "renal transplantation"),
    "heart transplant": ("heart transplantation", "cardiac transplant"),
    "lung transplant": ("lung transplantation",),
    "dialysis": ("hemodialysis", "peritoneal dialysis"),
    "blood transfusion": ("transfusion",),
    "phlebotomy": ("therapeutic phlebotomy",),
    "oxygen therapy": ("supplemental oxygen", "oxygen treatment"),
    "mechanical ventilation": ("ventilator", "breathing machine"),
    "antibiotics": ("antibiotic",),
    "antiviral drugs": ("antiviral", "antiviral drug", "antiviral medication", "antiviral medicine"),
    "antiretroviral therapy": ("anti-retroviral therapy", "antiretroviral", "antiretroviral drug", "HAART"),
    "antifungal drugs": ("antifungal", "antifungal drug", "antifungal medication"),
    "anticonvulsants": (
        "anticonvulsant", "antiepileptic", "antiepileptic drug", "antiepileptic medication", "anti-seizure medication",
        "antiseizure medication", "anti-seizure drug", "antiseizure drug", "seizure medication",
    ),
    "antidepressants": ("antidepressant",),
    "antipsychotics": ("antipsychotic",),
    "pain relievers": ("pain reliever", "pain medication", "pain medicine", "analgesic", "painkiller", "pain killer"),
    "opioids": ("opioid", "opiate"),
    "NSAIDs": (
        "NSAID", "nonsteroidal anti-inflammatory drug", "non-steroidal anti-inflammatory drug",
        "nonsteroidal anti-inflammatory medication",
    ),
    "muscle relaxants": ("muscle relaxant", "antispasmodic", "antispasmodic drug"),
    "diuretics": ("diuretic", "water pill"),
    "beta blockers": ("beta blocker",),
    "ACE inhibitors": ("ACE inhibitor", "angiotensin-converting enzyme inhibitor"),
    "anticoagulants": ("anticoagulant", "blood thinner"),
    "bisphosphonates": ("bisphosphonate",),
    "antihistamines": ("antihistamine",),
    "bronchodilators": ("bronchodilator",),
    "thrombolytics": ("thrombolytic", "clot-busting drug", "tissue plasminogen activator"),
    # Bare "insulin" is as often the body's hormone as a treatment.
    "insulin therapy": ("insulin injection", "insulin shot", "insulin pump"),
    "hormone therapy": ("hormone replacement therapy", "hormone replacement", "hormone treatment", "HRT"),
    "enzyme replacement therapy": ("ERT",),
    "gene therapy": (),
    "vaccine": ("vaccination", "immunization"),
    "nerve block": ("nerve blocking", "nerve-blocking medication"),
    "spinal cord stimulation": ("spinal cord stimulator",),
    "deep brain stimulation": (),
    "shunt": ("ventriculoperitoneal shunt", "shunting"),
    "laser therapy": ("laser surgery", "laser treatment", "laser ablation"),
    "photodynamic therapy": ("PDT",),
    "cryotherapy": ("cryosurgery",),
    "chelation therapy": ("chelating agent",),
    "radioactive iodine": (),
    "hearing aids": ("hearing aid",),
    "cochlear implant": (),
    "feeding tube": ("gastrostomy tube", "tube feeding"),
    "lithotripsy": (),
}
TESTS: dict[str, tuple[str, ...]] = {
    "electromyography": ("electromyogram", "EMG"),
    "nerve conduction study": ("nerve conduction studies", "nerve conduction test", "nerve conduction velocity"),
    "repetitive nerve stimulation": (),
    "blood test": ("blood work", "bloodwork", "blood testing", "blood panel"),
    "antibody test": ("antibody testing", "antibody blood test"),
    "urine test": ("urinalysis", "urine testing"),
    "liver function tests": ("liver function test", "liver test", "liver enzyme test"),
    "lung function tests": ("lung function test", "pulmonary function test", "spirometry"),
    "CT scan": ("CT", "CAT scan", "computed tomography", "computerized tomography", "computerized axial tomography"),
    "MRI": ("MRI scan", "magnetic resonance imaging"),
    "PET scan": ("PET", "positron emission tomography"),
    "x-ray": ("xray", "radiograph"),
    "ultrasound": ("ultrasonography", "sonogram", "sonography"),
    "echocardiogram": ("echocardiography",),
    "electrocardiogram": ("electrocardiography", "ECG", "EKG"),
    "electroencephalogram": ("electroencephalography", "EEG"),
    # Longer than "CT" and "MRI", so "CT angiography" is angiography, not a CT scan.
    "angiography": ("angiogram", "CT angiography", "magnetic resonance angiography", "MR angiography", "MRA"),
    "biopsy": (),
    "genetic testing": (
        "genetic test", "molecular genetic testing", "DNA test", "DNA testing", "gene test", "gene testing",
        "molecular testing", "DNA blood test",
    ),
    "carrier testing": ("carrier test", "carrier screening"),
    "prenatal testing": ("prenatal test", "prenatal diagnosis", "prenatal screening"),
    "chorionic villus sampling": ("CVS",),
    "amniocentesis": (),
    "newborn screening": (),
    "lumbar puncture": ("spinal tap",),
    "bronchoscopy": (),
    "colonoscopy": (),
    "endoscopy": (),
    "mammogram": ("mammography",),
    "bone density test": ("bone mineral density test", "bone density scan", "DEXA", "DXA"),
    "physical examination": ("physical exam",),
    "neurological examination": ("neurological exam", "neurologic exam", "neurologic examination"),
    "eye examination": ("eye exam", "dilated eye exam", "ophthalmologic exam", "ophthalmologic examination"),
    "hearing test": ("audiometry", "audiogram"),
    "sleep study": ("polysomnography", "polysomnogram"),
    "A1C test": ("A1C", "hemoglobin A1C", "HbA1c"),
    "stress test": ("exercise stress test",),
    "Pap test": ("Pap smear",),
}
# Generic HPO terms that name no particular feature (GARD's HPO tables list them): never an agreement alone.
_GENERIC_PREFIXES = ("abnormality of", "abnormal ")
# Subtrees that name conditions associated with the disease rather than its signs ("associated with cancer").
_EXCLUDED_SUBTREES = ("HP:0002664",)  # Neoplasm
_EXCLUDED_TERMS = frozenset({"HP:0002960"})  # Autoimmunity: a mechanism, not a sign
# Single words that HPO uses as terms but text mostly uses otherwise ("blood pressure may fall", "urination").
_AMBIGUOUS_KEYS = frozenset({("fall",), ("urination",)})
_MAX_WINDOW = 8
_ABBREVIATION = re.compile(r"^[A-Za-z0-9]{1,6}$")
_SYMPTOM_CHUNK = re.compile(r"[,;:()\[\]/]|\s-\s|\.\s")
_SYMPTOM_NEGATION = frozenset({"no", "not", "without", "never", "absence", "absent", "nor", "denies"})


@dataclass(frozen=True)
class TermHit:
    """A vocabulary term found in a sentence; ``start``/``end`` are offsets into the sentence."""

    kind: str
    label: str
    code: str  # the HPO id for symptoms, "" otherwise
    start: int
    end: int


@dataclass(frozen=True)
class _Phrase:
    kind: str
    label: str
    phrase: str


def _case_sensitive(phrase: str) -> bool:
    """Abbreviations ("CT", "IVIg", "HbA1c") only match as written: "ct" or "pet" are not tests. A name with one
    capital ("Xanax") is an ordinary word and matches in any case."""
    return bool(_ABBREVIATION.match(phrase)) and sum(c.isupper() for c in phrase) >= 2


def _key(text: str, exact: bool) -> str:
    squashed = re.sub(r"[\s\-]+", "", text)
    return squashed if exact else squashed.lower()


def _forms(phrase: str, exact: bool) -> list[str]:
    """The phrase and its plurals ("biopsy" -> "biopsies", "CT" -> "CTs")."""
    if exact:
        return [phrase, phrase + "s"]
    forms = [phrase, phrase + "s", phrase + "es"]
    if phrase.endswith("y") and len(phrase) > 2 and phrase[-2] not in "aeiou":
        forms.append(phrase[:-1] + "ies")
    return forms


def _pattern(phrase: str) -> str:
    # Sources write "x-ray", "x ray", "xray" and "X-Ray"; other punctuation ("3,4-diaminopyridine") must match.
    return r"[\s\-]*".join(re.escape(part) for part in re.split(r"[\s\-]+", phrase) if part)


class Vocabulary:
    """Treatment and test names (ours plus the caller's drug names) compiled into two regular expressions."""

    def __init__(self, phrases: Iterable[_Phrase]) -> None:
        self._lookup: dict[tuple[bool, str], tuple[str, str]] = {}
        patterns: dict[bool, list[str]] = {True: [], False: []}
        for item in phrases:
            exact = _case_sensitive(item.phrase)
            for form in _forms(item.phrase, exact):
                # The first label given for a spelling wins (ours before the caller's drugs); every spelling
                # stays in the pattern, since "anti-retroviral" and "antiretroviral" share a key but not a regex.
                self._lookup.setdefault((exact, _key(form, exact)), (item.kind, item.label))
                patterns[exact].append(form)
        self._regexes: list[tuple[bool, re.Pattern[str]]] = []
        for exact, forms in patterns.items():
            if forms:
                ordered = sorted(set(forms), key=lambda f: (-len(f), f))  # longest first: "CT angiography" > "CT"
                body = "|".join(_pattern(f) for f in ordered)
                flags = 0 if exact else re.IGNORECASE
                self._regexes.append((exact, re.compile(rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])", flags)))

    def find(self, sentence: str) -> list[TermHit]:
        hits: list[TermHit] = []
        for exact, regex in self._regexes:
            for match in regex.finditer(sentence):
                found = self._lookup.get((exact, _key(match.group(0), exact)))
                if found:
                    hits.append(TermHit(found[0], found[1], "", match.start(), match.end()))
        return hits


def _builtin_phrases() -> list[_Phrase]:
    phrases = []
    for kind, table in ((TREATMENT, TREATMENTS), (TEST, TESTS)):
        for label, spellings in table.items():
            phrases += [_Phrase(kind, label, text) for text in (label, *spellings)]
    return phrases


DrugNames = Mapping[str, Iterable[str]] | Iterable[str]


def drug_phrases(drugs: DrugNames | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The caller's drugs as (label, spellings), hashable so a compiled vocabulary can be reused."""
    if drugs is None:
        return ()
    if isinstance(drugs, Mapping):
        items = [(str(label), tuple(str(s) for s in spellings)) for label, spellings in drugs.items()]
    else:
        items = [(str(name), ()) for name in drugs]
    return tuple(sorted((label.strip(), tuple(s.strip() for s in spellings if s.strip()))
                        for label, spellings in items if label.strip()))


@lru_cache(maxsize=16)
def vocabulary(drugs: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> Vocabulary:
    """Our names plus the given drugs; a drug's label is the name the caller gave first."""
    phrases = _builtin_phrases()
    for label, spellings in drugs:
        phrases += [_Phrase(TREATMENT, label, text) for text in (label, *spellings)]
    return Vocabulary(phrases)


class SymptomLexicon:
    """HPO term names and synonyms keyed by their sorted content words, and the is-a links between terms."""

    def __init__(self, hpo: HPOIndex) -> None:
        self.hpo = hpo
        excluded: set[str] = set(_EXCLUDED_TERMS)
        for root in _EXCLUDED_SUBTREES:
            excluded |= hpo.descendants(root)
        ranked: dict[tuple[str, ...], tuple[int, str]] = {}
        for term in hpo.descendants(PHENOTYPIC_ABNORMALITY) - excluded:
            texts = [(hpo.names[term], 0)] + [(text, 1 if lay else 2) for text, lay in hpo.synonyms.get(term, [])]
            for text, rank in texts:
                if rank and _ABBREVIATION.match(text) and text.upper() == text:
                    continue  # "ASD", "MR": abbreviations collide with ordinary words once lower-cased
                key = tuple(sorted(words(text)))
                if not key or (len(key) == 1 and len(key[0]) < 4) or key in _AMBIGUOUS_KEYS:
                    continue
                best = ranked.get(key)
                if best is None or (rank, term) < best:  # a term's own name beats another term's synonym
                    ranked[key] = (rank, term)
        self._terms = {key: term for key, (_rank, term) in ranked.items()}

    def name(self, term: str) -> str:
        return self.hpo.name(term)

    def _is_condition(self, term: str, window: list[tuple[str, int, int, int]],
                      excluded_words: Sequence[frozenset[str]]) -> bool:
        """Whether the phrase, or the term it names, is the condition or a form of it ("watery stools" is
        Diarrhea, which is the condition in a diarrhea record)."""
        for found in ({t[0] for t in window}, frozenset(words(self.name(term)))):
            if any(found <= name or name <= found for name in excluded_words):
                return True
        return False

    def generic(self, term: str) -> bool:
        return self.name(term).lower().startswith(_GENERIC_PREFIXES)

    def broader(self, term: str, depth: int = 2) -> set[str]:
        """The term's is-a parents up to ``depth`` levels: "Bone pain" -> "Pain"."""
        found: set[str] = set()
        level = {term}
        for _ in range(depth):
            level = {parent for child in level for parent in self.hpo.parents.get(child, ())}
            found |= level
        return found

    def find(self, sentence: str, excluded_words: Sequence[frozenset[str]] = ()) -> list[TermHit]:
        """Symptom terms in the sentence, longest first, skipping negated ones ("there is no fever") and the
        condition itself: a term whose words are all in one of ``excluded_words`` (its names) or include all of
        a name's words (a form of it: "third-degree heart block" in a heart block record)."""
        hits: list[TermHit] = []
        position = 0
        for chunk in [*_SYMPTOM_CHUNK.finditer(sentence), None]:
            end = chunk.start() if chunk else len(sentence)
            hits += self._find_in(sentence, position, end, excluded_words)
            position = chunk.end() if chunk else end
        return hits

    def _find_in(self, sentence: str, start: int, end: int,
                 excluded_words: Sequence[frozenset[str]]) -> list[TermHit]:
        raw = word_spans(sentence[start:end])
        tokens: list[tuple[str, int, int, int]] = []  # stem, start, end, index into raw
        for index, (word, s, e) in enumerate(raw):
            normal = words(word)
            if normal:
                tokens.append((normal[0], start + s, start + e, index))
        hits: list[TermHit] = []
        i = 0
        while i < len(tokens):
            for size in range(min(_MAX_WINDOW, len(tokens) - i), 0, -1):
                window = tokens[i:i + size]
                term = self._terms.get(tuple(sorted(t[0] for t in window)))
                if term is None:
                    continue
                before = {w for w, _s, _e in raw[max(0, window[0][3] - 3):window[0][3]]}
                if not (before & _SYMPTOM_NEGATION) and not self._is_condition(term, window, excluded_words):
                    hits.append(TermHit(SYMPTOM, self.name(term), term, window[0][1], window[-1][2]))
                i += size - 1
                break
            i += 1
        return hits


@lru_cache(maxsize=4)
def symptom_lexicon(hpo: HPOIndex) -> SymptomLexicon:
    """Built once per ontology object (about a quarter of a second)."""
    return SymptomLexicon(hpo)


def name_words(names: Iterable[str]) -> tuple[frozenset[str], ...]:
    """The content words of each of the condition's names, as symptom matching compares them."""
    return tuple(frozenset(words(name)) for name in names if words(name))
