from __future__ import annotations

import pytest

from healthqa.records import SectionType
from healthqa.understand import NameIndex, classify, condense, emergency_cue, emergency_kind, understand

LEMS, GOUT, LEUKEMIA, LUPUS, DIABETES = 1, 2, 3, 4, 5

NAMES = [
    (LEMS, "Lambert Eaton myasthenic syndrome (LEMS)", "title"),
    (LEMS, "Lambert-Eaton myasthenic syndrome", "focus"),
    (LEMS, "Eaton-Lambert syndrome", "synonym"),
    (LEMS, "LES", "synonym"),
    (GOUT, "Gout", "title"),
    (LEUKEMIA, "Acute lymphoblastic leukemia", "title"),
    (LEUKEMIA, "ALL", "synonym"),
    (LUPUS, "Lupus, Systemic", "title"),
    (DIABETES, "Diabetes, Type 2", "title"),
]


@pytest.fixture(scope="module")
def names() -> NameIndex:
    return NameIndex(NAMES)


def focus_of(text: str, names: NameIndex) -> set[int]:
    return set(understand(text, names).focus_documents)


def test_story_with_greeting_finds_focus_and_inheritance(names: NameIndex) -> None:
    u = understand("hi, my dad was just diagnosed with eaton lambert, is it something my kids can get?", names)
    assert u.focus_documents == {LEMS}
    assert u.qtype is SectionType.INHERITANCE
    assert not u.concise.lower().startswith("hi")
    assert not u.emergency


@pytest.mark.parametrize(
    "text",
    [
        "What is Lambert-Eaton myasthenic syndrome?",
        "what is LEMS",
        "treatment for lambert eaton myasthenic syndrom",  # misspelt
        "lambert eatn myasthenic syndrome prognosis",  # misspelt
        "Is LES hereditary?",
        "Eaton Lambert syndrome symptoms",
    ],
)
def test_lems_names_synonyms_abbreviations_and_typos(text: str, names: NameIndex) -> None:
    assert focus_of(text, names) == {LEMS}


def test_short_abbreviations_must_be_written_in_capitals(names: NameIndex) -> None:
    assert focus_of("all my joints hurt and les muscles too", names) == set()
    assert focus_of("my son has ALL, what is the outlook?", names) == {LEUKEMIA}


def test_inverted_names_and_common_words(names: NameIndex) -> None:
    assert focus_of("how is systemic lupus diagnosed", names) == {LUPUS}
    assert focus_of("I have type 2 diabetes and gout", names) == {DIABETES, GOUT}
    assert focus_of("what is the capital of France", names) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What causes gout?", SectionType.CAUSES),
        ("How is gout treated? Is there a cure?", SectionType.TREATMENT),
        ("is there a blood test to diagnose lupus", SectionType.EXAMS_AND_TESTS),
        ("what is the life expectancy with ALS", SectionType.OUTLOOK),
        ("what are the side effects of metformin", SectionType.SIDE_EFFECTS),
        ("what are the signs and symptoms of lupus", SectionType.SYMPTOMS),
        ("how common is cystic fibrosis", SectionType.FREQUENCY),
        ("can my children inherit this", SectionType.INHERITANCE),
        ("which gene mutation is involved", SectionType.GENETIC_CHANGES),
        ("how can I prevent kidney stones", SectionType.PREVENTION),
        ("what is gout", SectionType.INFORMATION),
        ("gout", SectionType.INFORMATION),
        ("I have had an ingrown toenail for 4 years, I need help", SectionType.TREATMENT),
        ("I get numbness in my hands, what should I do", SectionType.TREATMENT),
        ("Is there anything that can be done to improve her health?", SectionType.TREATMENT),
        ("how to stop snoring", SectionType.TREATMENT),
        ("what is the brand name of ciprofloxacin", SectionType.BRAND_NAMES),
        ("is there a generic version of zocor", SectionType.BRAND_NAMES),
        ("can you die from shingles", SectionType.OUTLOOK),
        ("kindly tell how lambert eaton is diagnosed, my mother has weak legs", SectionType.EXAMS_AND_TESTS),
        ("how long after she was diagnosed did the weakness start", SectionType.INFORMATION),
        ("does the MGFA help people with LEMS or only MG", SectionType.INFORMATION),
        ("is 10 MG of it too much", SectionType.DOSE),
        ("is 10 mg too much", SectionType.DOSE),
    ],
)
def test_question_types(text: str, expected: SectionType) -> None:
    assert classify(text)[0] is expected


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("My husband has crushing chest pain and is sweating", "crushing chest pain"),
        ("my baby can't breathe and her lips are blue", "can't breathe"),
        ("I think my mom is having a stroke, her face is drooping", "having a stroke"),
        ("I want to kill myself", "kill myself"),
        ("he took too many pills and is unresponsive", "took too many pills"),
        ("my 2 year old swallowed some bleach what do i do", "swallowed some bleach"),
        ("my toddler swallowed 2 batteries", "swallowed 2 batteries"),
        ("my child ate a tide pod", "ate a tide pod"),
        ("my kid ate some of my pills", "ate some of my pills"),
        ("I took a whole bottle of tylenol", "took a whole bottle"),
        ("she took 30 tylenol", "took 30 tylenol"),
        ("I'm overdosing what do I do", "I'm overdosing"),
        ("I inhaled fumes from mixing bleach and ammonia", "inhaled fumes"),
        ("i dont want to live anymore", "dont want to live"),
        ("I keep thinking about ending my life", "ending my life"),
        ("I have thoughts of killing myself", "killing myself"),
        ("I've been cutting myself", "cutting myself"),
        ("my chest feels tight and I can't catch my breath", "can't catch my breath"),
        ("he isn't breathing", "isn't breathing"),
        ("my baby is turning blue", "turning blue"),
        ("my wife's speech is slurred", "speech is slurred"),
        ("one side of her face is numb", "one side of her face is numb"),
        ("my husband can't move his left arm", "can't move his left arm"),
        ("I have the worst headache of my life", "worst headache of my life"),
        ("she's having a seizure right now", "she's having a seizure"),
        ("my face and tongue are swelling after eating peanuts", "face and tongue are swelling"),
        ("he is throwing up blood", "throwing up blood"),
        ("my chest hurts and my left arm is tingling", "chest hurts and my left arm is tingling"),
        ("I have chest pressure and I'm sweating a lot", "chest pressure and I'm sweating"),
        ("my chest feels tight and I feel faint", "chest feels tight and I feel faint"),
        ("I can't wake my son up", "can't wake my son up"),
        ("I couldn't wake him up this morning and he is breathing oddly", "couldn't wake him up"),
        ("my dad collapsed in the kitchen", "my dad collapsed"),
        ("she is not responding when I shake her", "she is not responding"),
        ("my son is fitting and it won't stop", "my son is fitting"),
        ("my baby has a rash that doesn't fade under a glass", "rash that doesn't fade under a glass"),
        ("My baby\u2019s rash isn't fading under a glass", "rash isn't fading under a glass"),
        ("the baby is very floppy and won't feed", "baby is very floppy"),
        ("she has severe burns on her arm", "has severe burns"),
        ("My mum has just collapsed", "My mum has just collapsed"),
        ("She's not responding", "She's not responding"),
        ("I can\u2019t wake my son up", "can't wake my son up"),
        ("I think I am having a brain bleed", "I think I am having a brain bleed"),
        ("my son is choking on a grape", "choking"),
        ("my baby keeps choking, can reflux cause choking?", "choking"),
    ],
)
def test_emergencies_are_flagged(text: str, cue: str, names: NameIndex) -> None:
    assert understand(text, names).emergency
    assert emergency_cue(text) == cue


@pytest.mark.parametrize(
    "text",
    ["What causes chest pain in LEMS?", "what is the outlook for gout", "how is a stroke diagnosed",
     "can bleach kill mold", "how long does a seizure last in epilepsy", "my mom has a swollen ankle",
     "what are the symptoms of a heart attack", "can chest pain be caused by anxiety",
     "what is the treatment for food poisoning", "my lung collapsed last year, what is the outlook",
     "my back is killing me, what can I take for it", "I took the whole pack of birth control pills",
     "I'm spending my life worrying about cancer", "can chest pain cause fainting",
     "chest pain when I lift my arm after the gym", "chest tightness from anxiety and my jaw clenching",
     "why are my lips swollen in the morning", "my throat is swollen from strep",
     "what happens in the brain when someone is having a seizure",
     "my baby wasn't breathing well through his nose because of a cold",
     "I don't want to live with diabetes complications", "can I tolerate a battery of allergy tests",
     "I hurt myself lifting weights", "I took 10 mg of melatonin",
     "I can't wake up in the morning, is it my thyroid?", "my lung collapsed last year, is it likely again?",
     "my tumour is not responding to chemo", "my mom is having a fit about my grades",
     "the rash does not fade after a week, is it eczema?", "I had a brain bleed two years ago, can I fly?",
     "He has collapsed vertebrae", "having a fit of coughing", "my son is fitting in well at school",
     "rash that won't go away when I use lotion", "How are severe burns treated?", "I can't wake him up for school",
     "She is not responding well to the antidepressant", "can LEMS cause choking?",
     "how do I lower the risk of choking with myasthenia?", "does dysphagia lead to choking?"],
)
def test_ordinary_questions_are_not_emergencies(text: str) -> None:
    assert emergency_cue(text) == ""


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my 2 year old swallowed some bleach, what do i do?", "poison"),
        ("I think I inhaled paint fumes and chemicals", "poison"),
        ("she took an overdose of her pills", "poison"),
        ("I have been thinking about suicide", "suicide"),
        ("I want to die and I keep cutting myself", "suicide"),
        ("my dad has crushing chest pain right now", "general"),
        ("he is unconscious and won't wake up", "general"),
        # Both kinds: the one written first decides.
        ("I want to die, I swallowed bleach", "suicide"),
        ("I drank bleach because I want to die", "poison"),
        ("what causes gout", ""),
        # A phone's curly apostrophe: the emergency and its kind both read.
        ("I can\u2019t wake my son up", "general"),
        ("I don\u2019t want to be alive anymore", "suicide"),
    ],
)
def test_emergency_kind(text: str, kind: str, names: NameIndex) -> None:
    assert emergency_kind(text) == kind
    understood = understand(text, names)
    assert understood.emergency_kind == kind and understood.emergency == bool(kind)


def test_condense_drops_greetings_thanks_and_contact_details() -> None:
    concise, questions = condense(
        "Hello doctor, my email is someone@example.org. My father has gout. What diet helps? "
        "Call me at 555-123-4567. Thank you so much!"
    )
    assert "example.org" not in concise and "555" not in concise
    assert "Thank" not in concise and not concise.startswith("Hello")
    assert questions == ["What diet helps?"]


def test_a_message_in_capitals_has_no_abbreviations(names: NameIndex) -> None:
    assert focus_of("I LIKE TO KNOW ALL ABOUT GOUT", names) == {GOUT}


def test_names_with_capitals_inside_are_abbreviations() -> None:
    names = NameIndex([(9, "Children's interstitial lung disease", "title"), (9, "ChILD", "synonym"), *NAMES])
    assert 9 not in focus_of("my child has gout, what can we do?", names)
    assert 9 in focus_of("is CHILD the same as asthma?", names)
    assert 9 in focus_of("what causes children's interstitial lung disease", names)


def test_words_the_corpus_uses_are_not_corrected_into_names() -> None:
    listed = [(10, "Cold", "title"), (11, "Fever", "title"), (12, "Lactation", "title"), *NAMES]
    corpus = {"told", "never", "location"}
    names = NameIndex(listed, known_word=lambda word: word in corpus)
    assert focus_of("the doctor told me it was never the location", names) == set()
    # A word no text uses is still a typo: "feever" is Fever.
    assert focus_of("my son has a feever", names) == {11}
    # Without the corpus test every near word is a candidate, as before.
    assert 10 in focus_of("the doctor told me", NameIndex(listed))


def test_a_misspelling_takes_the_nearest_names_only() -> None:
    listed = [(13, "Arteritis", "title"), (14, "Arthritis", "title"), *NAMES]
    # "arthritus" is one edit from arthritis, two from arteritis.
    assert focus_of("does arthritus hurt", NameIndex(listed)) == {14}


def test_a_misspelling_nearer_an_everyday_word_is_not_a_name() -> None:
    listed = [(15, "Pimples", "title"), (16, "Fahr's syndrome", "title"), *NAMES]
    english = {"pamphlets", "father"}
    names = NameIndex(listed, known_word=lambda word: word in english, dictionary=english)
    # One edit from "pamphlets", two from "pimples".
    assert focus_of("where can i get pamplets about gout", names) == {GOUT}
    # The possessive of an everyday word.
    assert focus_of("my father's hands shake", names) == set()
    # The possessive of a name is the name, found as written (not a guess).
    [gout] = understand("what is gout's usual course", names).focus
    assert (gout.name, gout.corrected) == ("Gout", False)
    # A misspelling near no everyday word is still corrected.
    assert focus_of("what causes pimpels", names) == {15}


def test_chat_spellings_are_not_names() -> None:
    names = NameIndex([(17, "Aloe", "title"), *NAMES])
    assert focus_of("i have alot of questions about gout", names) == {GOUT}


def test_eponyms_match_without_their_apostrophe() -> None:
    names = NameIndex([(20, "Raynaud's phenomenon", "title"), (21, "Gilbert's syndrome", "title"), *NAMES])
    assert focus_of("my sons toes turn white, is it raynauds phenomenon?", names) == {20}
    assert focus_of("gilberts syndrome and alcohol", names) == {21}
    assert focus_of("what is gilbert syndrome", names) == {21}


def test_eponyms_match_without_apostrophe_or_suffix_unless_an_everyday_word() -> None:
    listed = [(22, "Parkinson's disease", "title"), (23, "Hunter's syndrome", "title"), *NAMES]
    names = NameIndex(listed, dictionary={"hunters"})
    assert focus_of("my fathers hands shake, is it parkinsons?", names) == {22}
    assert focus_of("is it parkinson's?", names) == {22}
    assert focus_of("can hunters eat venison safely?", names) == set()
    assert focus_of("what is hunters syndrome", names) == {23}


def test_a_synonym_that_titles_another_page_of_the_same_source_links_nothing() -> None:
    # GARD lists each of LEMS and congenital myasthenic syndrome among the other's synonyms, and has a page
    # for each: they are two conditions. Another source's page titled by a shared name still links.
    gard_lems, gard_cms, ghr_cms, adam_lems, ninds_lems = 11, 12, 13, 14, 15
    listed = [
        (gard_lems, "Lambert Eaton myasthenic syndrome", "title"),
        (gard_lems, "LEMS", "synonym"),
        (gard_lems, "Congenital myasthenic syndrome", "synonym"),
        (gard_cms, "Congenital myasthenic syndrome", "title"),
        (gard_cms, "Lambert Eaton myasthenic syndrome", "synonym"),
        (ghr_cms, "congenital myasthenic syndrome", "title"),
        (adam_lems, "Lambert-Eaton syndrome", "title"),
        (adam_lems, "LEMS", "synonym"),
        (adam_lems, "Lambert Eaton myasthenic syndrome", "synonym"),
        (ninds_lems, "Lambert-Eaton Myasthenic Syndrome", "title"),
    ]
    sources = {gard_lems: "GARD", gard_cms: "GARD", ghr_cms: "GHR", adam_lems: "ADAM", ninds_lems: "NINDS"}
    names = NameIndex(listed, sources=sources)
    assert focus_of("is LEMS inherited?", names) == {gard_lems, adam_lems, ninds_lems}
    assert focus_of("is congenital myasthenic syndrome inherited?", names) == {gard_cms, ghr_cms}
    # Without sources nothing tells the two apart: the one-hop linking joins them, as before.
    assert focus_of("is LEMS inherited?", NameIndex(listed)) == set(sources)


def test_an_abbreviation_of_one_condition_is_expanded_for_the_encoder() -> None:
    listed = [*NAMES, (30, "Achalasia", "title"), (30, "LES", "synonym")]
    names = NameIndex(listed)
    lems = understand("is LEMS inherited? my doctor said LEMS", names)
    assert lems.expanded == "is LEMS (Lambert Eaton myasthenic syndrome) inherited? my doctor said LEMS"
    # "LES" stands for two conditions here (LEMS and achalasia's lower esophageal sphincter): no expansion.
    les = understand("is LES inherited?", names)
    assert les.focus and les.expanded == "is LES inherited?"
    assert understand("is eaton lambert inherited?", names).expanded == "is eaton lambert inherited?"


def test_abbreviations_match_in_lower_case_where_the_knowledge_base_reads_them_so() -> None:
    listed = [*NAMES, (40, "Chronic obstructive pulmonary disease", "title"), (40, "COPD", "synonym"),
              (41, "Multiple acyl-CoA dehydrogenase deficiency", "title"), (41, "MADA", "synonym")]
    never_lowercase = {"copd", "lems", "mada"}  # as healthqa.answer.answerer.lowercase_abbreviation_test would say
    names = NameIndex(listed, reads_as_abbreviation=lambda word: word in never_lowercase)
    assert focus_of("what is copd?", names) == {40}
    assert focus_of("is lems inherited", names) == {LEMS}
    # A reading from lower case is a guess ("cloves" may be CLOVES syndrome or the spice), as a typo is.
    assert understand("what is copd?", names).focus[0].corrected
    assert not understand("what is COPD?", names).focus[0].corrected
    assert focus_of("my son has ALL, what is the outlook?", names) == {LEUKEMIA}
    # Words the knowledge base also writes in lower case stay words.
    assert focus_of("all my joints hurt and les muscles too", names) == set()
    # A typo correction never reads as an abbreviation: "madam" is no misspelling of MADA.
    assert focus_of("dear madam, my knee hurts", names) == set()
    assert focus_of("what is mada", names) == {41}
    # In a message typed in capitals COPD still reads as COPD; ALL stays a word.
    assert focus_of("I HAVE HAD COPD ALL MY LIFE", names) == {40}
    # Without the test, abbreviations match only in capitals, as before.
    assert focus_of("what is copd?", NameIndex(listed)) == set()


def test_names_in_capitals_are_acronyms_not_words() -> None:
    names = NameIndex([(50, "CHARGE syndrome", "title"), (51, "CLIPPERS", "title"), *NAMES])
    assert focus_of("is there a charge for a gout test?", names) == {GOUT}
    assert focus_of("my hair clippers cut me", names) == set()
    assert focus_of("what is CLIPPERS?", names) == {51}
    assert focus_of("what is CHARGE?", names) == {50}
    assert focus_of("charge syndrome in adults", names) == {50}  # the full name reads in any case


@pytest.mark.parametrize(("text", "cued"), [
    ("what is lambert-eaton syndrome?", True),
    ("tell me about LEMS", True),
    ("is LEMS inherited?", True),
    ("does LEMS affect breathing?", False),
    ("is IVIG used for LEMS?", False),
])
def test_whether_the_question_s_words_say_what_it_asks(text: str, cued: bool, names: NameIndex) -> None:
    understood = understand(text, names)
    assert understood.type_cued is cued
    assert cued or understood.qtype is SectionType.INFORMATION
