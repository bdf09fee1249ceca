"""Questions about living with a condition, in words the cue lists read otherwise or not at all: whom to contact
(support groups), what else it brings (complications, not causes) and what happens without treatment (outlook,
not symptoms); healthqa.understand._phrasings._CONDITION_CUES."""

from __future__ import annotations

import pytest

from healthqa.mediqa.training import feature_fingerprint
from healthqa.records import SectionType
from healthqa.understand import (
    FocusMatch,
    NameIndex,
    classify,
    condense,
    condition_type,
    names_as_x,
    question_types,
    understand,
)


def first_type(text: str) -> SectionType:
    concise, questions = condense(text)
    return question_types(concise, questions)[0]


@pytest.mark.parametrize(("text", "expected"), [
    # Whom to contact, where others with it meet: support groups.
    ("who can I contact about dravelin palsy?", SectionType.SUPPORT_GROUPS),
    ("Where can we turn to for help with my son's quellosis?", SectionType.SUPPORT_GROUPS),
    ("are there groups for families dealing with dravelin palsy?", SectionType.SUPPORT_GROUPS),
    ("I would like to talk with others who have quellosis", SectionType.SUPPORT_GROUPS),
    ("is there a patient organization for dravelin palsy", SectionType.SUPPORT_GROUPS),
    ("how can I meet other people with quellosis?", SectionType.SUPPORT_GROUPS),
    ("where can my family find help and support for dravelin palsy?", SectionType.SUPPORT_GROUPS),
    ("I need emotional support, I was just told I have quellosis", SectionType.SUPPORT_GROUPS),
    ("I was just diagnosed with quellosis, where do I find other patients?", SectionType.SUPPORT_GROUPS),
    ("is there anyone who supports families living with dravelin palsy?", SectionType.SUPPORT_GROUPS),
    ("how do I get in touch with other quellosis families?", SectionType.SUPPORT_GROUPS),
    ("I feel so alone with my dravelin palsy, who can help?", SectionType.SUPPORT_GROUPS),
    ("is there a helpline for quellosis?", SectionType.SUPPORT_GROUPS),
    ("my wife has quellosis, is there a group for spouses?", SectionType.SUPPORT_GROUPS),
    ("who helps families affected by dravelin palsy?", SectionType.SUPPORT_GROUPS),
    ("Is it genetic? Who helps families affected by quellosis?", SectionType.SUPPORT_GROUPS),
    # What else it brings: its complications, not its causes.
    ("what problems can dravelin palsy cause?", SectionType.COMPLICATIONS),
    ("What other health problems does quellosis lead to?", SectionType.COMPLICATIONS),
    ("can dravelin palsy lead to other problems?", SectionType.COMPLICATIONS),
    ("what can go wrong with quellosis over time?", SectionType.COMPLICATIONS),
    ("what further problems can dravelin palsy cause?", SectionType.COMPLICATIONS),
    ("could quellosis cause complications later on?", SectionType.COMPLICATIONS),
    ("what are the long-term problems with dravelin palsy?", SectionType.COMPLICATIONS),
    # A test named with what it should show.
    ("can an EMG show dravelin palsy?", SectionType.EXAMS_AND_TESTS),
    ("will a blood test detect quellosis?", SectionType.EXAMS_AND_TESTS),
    # What a test named with "study" shows (the cue lists read "study" as research).
    ("what does a nerve conduction study show in quellosis?", SectionType.EXAMS_AND_TESTS),
    ("what can a spinal tap tell about dravelin palsy?", SectionType.EXAMS_AND_TESTS),
    ("does quellosis show up on bloodwork?", SectionType.EXAMS_AND_TESTS),
    ("are there quellosis patient communities online?", SectionType.SUPPORT_GROUPS),
    ("what secondary problems can dravelin palsy cause?", SectionType.COMPLICATIONS),
    # What happens without treatment: the outlook.
    ("what happens if dravelin palsy is not treated?", SectionType.OUTLOOK),
    ("What will happen if my quellosis goes untreated?", SectionType.OUTLOOK),
    ("is quellosis fatal if left untreated", SectionType.OUTLOOK),
    # Whether a group of people gets it: who is susceptible, not inheritance.
    ("can children get dravelin palsy?", SectionType.SUSCEPTIBILITY),
    ("Do adults get quellosis too?", SectionType.SUSCEPTIBILITY),
    ("can babies have dravelin palsy", SectionType.SUSCEPTIBILITY),
])
def test_questions_about_living_with_a_condition_read_as_what_they_ask(text: str, expected: SectionType) -> None:
    assert first_type(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("will my children get dravelin palsy?", SectionType.INHERITANCE),
    ("can my kids inherit quellosis from me?", SectionType.INHERITANCE),
    ("what causes dravelin palsy?", SectionType.CAUSES),
    ("can dravelin palsy cause seizures?", SectionType.CAUSES),
    ("what are the symptoms of quellosis?", SectionType.SYMPTOMS),
    ("how is quellosis treated?", SectionType.TREATMENT),
    ("who can get dravelin palsy?", SectionType.SUSCEPTIBILITY),
])
def test_other_questions_keep_the_cue_lists_types(text: str, expected: SectionType) -> None:
    assert condition_type(text) is None
    assert first_type(text) is expected


def test_support_that_is_worn_is_not_a_search_for_people() -> None:
    assert condition_type("where can I get support stockings for quellosis?") is None
    assert condition_type("I need a support brace for my dravelin palsy") is None
    assert condition_type("where can I get support for my quellosis?") is SectionType.SUPPORT_GROUPS


def test_being_alone_somewhere_is_not_a_search_for_people() -> None:
    assert condition_type("I am alone at home and my chest hurts, is it my quellosis?") is None
    assert condition_type("I feel lonely and tired all the time, is it quellosis?") is None
    assert condition_type("we felt so isolated after the quellosis diagnosis") is SectionType.SUPPORT_GROUPS


def test_the_learned_scorers_features_do_not_read_the_condition_reading() -> None:
    """The cue lists feed the MEDIQA models (retrained when they change); the condition reading stands apart."""
    before = feature_fingerprint()
    assert classify("what problems can dravelin palsy cause?")[0] is SectionType.CAUSES  # the cue lists' own reading
    assert classify("who can I contact about dravelin palsy?")[0] is SectionType.INFORMATION
    assert feature_fingerprint() == before


# A knowledge base's names, as (document id, name, kind): long names take many words of a phrasing.
NAMES = NameIndex([(1, "dravelin myasthenic palsy syndrome", "title"),
                   (2, "CT scan", "title"), (3, "Resources", "title"), (4, "Exercise", "title"),
                   (5, "respiratory failure", "title"), (6, "zorvexin", "title")])


@pytest.mark.parametrize(("text", "expected"), [
    # The phrasing's words around a four-word name: read with the name as one word.
    ("can dravelin myasthenic palsy syndrome get worse and cause other problems?", SectionType.COMPLICATIONS),
    # A search engine's query: the name and the word.
    ("dravelin myasthenic palsy syndrome support", SectionType.SUPPORT_GROUPS),
    # What the condition does later, and its dangers asked of it alone.
    ("can dravelin myasthenic palsy syndrome affect my breathing in the long run?", SectionType.COMPLICATIONS),
    ("does dravelin myasthenic palsy syndrome cause problems with swallowing later?", SectionType.COMPLICATIONS),
    ("what are the dangers of dravelin myasthenic palsy syndrome?", SectionType.COMPLICATIONS),
    ("what health risks come with dravelin myasthenic palsy syndrome?", SectionType.COMPLICATIONS),
    # How they can be sure someone has it.
    ("how can they be sure I have dravelin myasthenic palsy syndrome?", SectionType.EXAMS_AND_TESTS),
    ("what results on an EMG point to dravelin myasthenic palsy syndrome?", SectionType.EXAMS_AND_TESTS),
    ("how do doctors know I have dravelin myasthenic palsy syndrome?", SectionType.EXAMS_AND_TESTS),
    ("how can they tell I have dravelin myasthenic palsy syndrome", SectionType.EXAMS_AND_TESTS),
    ("does dravelin myasthenic palsy syndrome show up on MRIs?", SectionType.EXAMS_AND_TESTS),
    ("where can people with dravelin myasthenic palsy syndrome connect online?", SectionType.SUPPORT_GROUPS),
    ("what are the health consequences of dravelin myasthenic palsy syndrome?", SectionType.COMPLICATIONS),
    # An association for it, not between it and something.
    ("is there an association for dravelin myasthenic palsy syndrome?", SectionType.SUPPORT_GROUPS),
    # Resources for those living with it ("Resources" is a page's name here, as in MedlinePlus).
    ("what resources exist for families dealing with dravelin myasthenic palsy syndrome?",
     SectionType.SUPPORT_GROUPS),
    ("are there resources for caregivers of people with dravelin myasthenic palsy syndrome?",
     SectionType.SUPPORT_GROUPS),
    ("resources available to help parents coping with dravelin myasthenic palsy syndrome",
     SectionType.SUPPORT_GROUPS),
    # What is checked when it is suspected; the effects that follow from it.
    ("which antibodies are checked when dravelin myasthenic palsy syndrome is suspected?",
     SectionType.EXAMS_AND_TESTS),
    ("what is done if dravelin myasthenic palsy syndrome is suspected?", SectionType.EXAMS_AND_TESTS),
    ("what knock-on effects does dravelin myasthenic palsy syndrome have on the body?", SectionType.COMPLICATIONS),
    ("are there ripple effects of dravelin myasthenic palsy syndrome?", SectionType.COMPLICATIONS),
    # Batch 20: a named test as part of confirming it, the workup for it, a charity asked for, problems arising.
    ("Are nerve conduction studies part of confirming dravelin myasthenic palsy syndrome?",
     SectionType.EXAMS_AND_TESTS),
    ("What should I expect during the workup for suspected dravelin myasthenic palsy syndrome?",
     SectionType.EXAMS_AND_TESTS),
    ("Does any charity focus on dravelin myasthenic palsy syndrome or related disorders?", SectionType.SUPPORT_GROUPS),
    ("Can autonomic problems like dry mouth or constipation arise from dravelin myasthenic palsy syndrome?",
     SectionType.COMPLICATIONS),
    # Batch 21: how they would find out, what is done when a doctor suspects it, networks for relatives.
    ("My mother has weak legs; how would they find out if it is dravelin myasthenic palsy syndrome?",
     SectionType.EXAMS_AND_TESTS),
    ("What exams should I expect if my neurologist suspects dravelin myasthenic palsy syndrome?",
     SectionType.EXAMS_AND_TESTS),
    ("Are there caregiver networks or meetups for relatives of someone with dravelin myasthenic palsy syndrome?",
     SectionType.SUPPORT_GROUPS),
    # What arises from it (batch 19: the symptoms passage held "arise" and came first).
    ("What complications can arise from dravelin myasthenic palsy syndrome?", SectionType.COMPLICATIONS),
    ("just diagnosed with dravelin myasthenic palsy syndrome, is there anyone i can talk to who has it too",
     SectionType.SUPPORT_GROUPS),
    # What develops alongside it; the risks it brings.
    ("what other conditions tend to develop alongside dravelin myasthenic palsy syndrome?",
     SectionType.COMPLICATIONS),
    ("what health risks does dravelin myasthenic palsy syndrome bring during surgery?", SectionType.COMPLICATIONS),
    # Someone else who has it.
    ("how can i connect with someone else who has dravelin myasthenic palsy syndrome", SectionType.SUPPORT_GROUPS),
    # Batch 16's wordings (another writer's): where those with it gather, others like them.
    ("Is there anywhere I can talk to other teens whose parents have dravelin myasthenic palsy syndrome?",
     SectionType.SUPPORT_GROUPS),
    ("looking for online forum dravelin myasthenic palsy syndrome families", SectionType.SUPPORT_GROUPS),
    ("Is there a helpline I can phone about dravelin myasthenic palsy syndrome?", SectionType.SUPPORT_GROUPS),
    ("which associations can I refer a newly diagnosed dravelin myasthenic palsy syndrome patient to?",
     SectionType.SUPPORT_GROUPS),
    ("facebook group dravelin myasthenic palsy syndrome", SectionType.SUPPORT_GROUPS),
    ("how do I meet others living with dravelin myasthenic palsy syndrome in person?", SectionType.SUPPORT_GROUPS),
    ("my father has dravelin myasthenic palsy syndrome, is there association who help families like us?",
     SectionType.SUPPORT_GROUPS),
    # Checking for it, a result that leaves it open, what is done to find it.
    ("Why would they do a CT scan of my chest when checking for this dravelin myasthenic palsy syndrome thing?",
     SectionType.EXAMS_AND_TESTS),
    ("my antibody test came back negative, can I still have dravelin myasthenic palsy syndrome?",
     SectionType.EXAMS_AND_TESTS),
    ("Please what examination they do in hospital to find dravelin myasthenic palsy syndrome?",
     SectionType.EXAMS_AND_TESTS),
])
def test_a_recognised_name_counts_as_one_word_of_a_phrasing(text: str, expected: SectionType) -> None:
    understood = understand(text, NAMES)
    assert understood.qtype is expected
    assert understood.type_phrased


def test_a_phrasing_held_in_a_name_still_reads() -> None:
    """The words as written are read first: "CT scan" is a name here and a phrasing's test."""
    question = "can a CT scan detect dravelin myasthenic palsy syndrome?"
    understood = understand(question, NAMES)
    assert understood.qtype is SectionType.EXAMS_AND_TESTS
    assert names_as_x(question, understood.focus) == "can a X detect X?"


@pytest.mark.parametrize(("text", "not_read_as"), [
    # Research, a risk of getting it, a later effect of something unnamed, dangers of something else.
    ("what does the new study show about dravelin myasthenic palsy syndrome?", SectionType.EXAMS_AND_TESTS),
    ("what are the risks of getting dravelin myasthenic palsy syndrome?", SectionType.COMPLICATIONS),
    ("can stress affect my breathing in the long run?", SectionType.COMPLICATIONS),
    ("what are the dangers of dravelin myasthenic palsy syndrome surgery?", SectionType.COMPLICATIONS),
    ("what risks come with the surgery?", SectionType.COMPLICATIONS),
    # Being sure of something else; something showing up on the body.
    ("how can I be sure I have taken my pills?", SectionType.EXAMS_AND_TESTS),
    ("my rash showed up on my arm after the blood test", SectionType.EXAMS_AND_TESTS),
    # An association between things; a network for people without the condition.
    ("is there an association between dravelin myasthenic palsy syndrome and cancer?", SectionType.SUPPORT_GROUPS),
    ("is there a network for nurses?", SectionType.SUPPORT_GROUPS),
    ("is there a network for dravelin myasthenic palsy syndrome research?", SectionType.SUPPORT_GROUPS),
    ("what does the society for dravelin myasthenic palsy syndrome recommend?", SectionType.SUPPORT_GROUPS),
    # Causes asked in words of a condition's problems; a test word inside another word; how long one lives.
    ("what serious conditions can be the cause of my headaches?", SectionType.COMPLICATIONS),
    ("what related diseases may also cause fatigue?", SectionType.COMPLICATIONS),
    ("where can I connect my CPAP machine?", SectionType.SUPPORT_GROUPS),
    ("where do patients with dravelin myasthenic palsy syndrome meet their doctors?", SectionType.SUPPORT_GROUPS),
    ("what are the causes and consequences of dravelin myasthenic palsy syndrome?", SectionType.COMPLICATIONS),
    ("what are the legal consequences of dravelin myasthenic palsy syndrome?", SectionType.COMPLICATIONS),
    ("does dravelin myasthenic palsy syndrome affect how long I live in the long run?", SectionType.COMPLICATIONS),
    ("what are the consequences of not treating dravelin myasthenic palsy syndrome?", SectionType.COMPLICATIONS),
    ("a lump showed up on my testicle, is it cancer?", SectionType.EXAMS_AND_TESTS),
    ("does dravelin myasthenic palsy syndrome affect life expectancy in the future?", SectionType.COMPLICATIONS),
    # Resources for doctors, or asked of no condition; a page's name before "for people with" is no resources.
    ("what resources exist for doctors treating dravelin myasthenic palsy syndrome?", SectionType.SUPPORT_GROUPS),
    ("what resources exist for families with low income?", SectionType.SUPPORT_GROUPS),
    ("what is the best exercise for people with dravelin myasthenic palsy syndrome?", SectionType.SUPPORT_GROUPS),
    # A test done when something else is suspected.
    ("which tests are done when a stroke is suspected?", SectionType.EXAMS_AND_TESTS),
    # Other doctors; a forum where something was read; a crisis line; a forum asked of no named condition.
    ("can I talk to other doctors about dravelin myasthenic palsy syndrome?", SectionType.SUPPORT_GROUPS),
    ("I read on a forum that dravelin myasthenic palsy syndrome is inherited, is that true?",
     SectionType.SUPPORT_GROUPS),
    ("I have dravelin myasthenic palsy syndrome, is there a hotline for suicide?", SectionType.SUPPORT_GROUPS),
    ("is there an online forum for nurses?", SectionType.SUPPORT_GROUPS),
    ("how do I meet others at the gym with dravelin myasthenic palsy syndrome weakness?", SectionType.SUPPORT_GROUPS),
    # Forums, pages and hotlines told about, an association between things, relatives or contagion, not others
    # who have it (found by a review of the first versions of these phrasings).
    ("Some forums say dravelin myasthenic palsy syndrome can be cured with diet, is that true?",
     SectionType.SUPPORT_GROUPS),
    ("I saw a forum post saying dravelin myasthenic palsy syndrome is caused by vaccines, is it?",
     SectionType.SUPPORT_GROUPS),
    ("I read on internet pages that dravelin myasthenic palsy syndrome can be cured, can it?",
     SectionType.SUPPORT_GROUPS),
    ("What association is there between dravelin myasthenic palsy syndrome and vaccines?", SectionType.SUPPORT_GROUPS),
    ("I called a hotline and they said I might have dravelin myasthenic palsy syndrome, what are the symptoms?",
     SectionType.SUPPORT_GROUPS),
    ("my toddler swallowed some zorvexin, is there a hotline I can call?", SectionType.SUPPORT_GROUPS),
    ("Should I talk to other family members about getting tested for dravelin myasthenic palsy syndrome?",
     SectionType.SUPPORT_GROUPS),
    ("Is it safe to be in touch with someone who has dravelin myasthenic palsy syndrome?", SectionType.SUPPORT_GROUPS),
    ("Can dravelin myasthenic palsy syndrome be passed on if I meet with people with dravelin myasthenic palsy "
     "syndrome?", SectionType.SUPPORT_GROUPS),
    ("is there anyone I can talk to who has experience with dravelin myasthenic palsy syndrome insurance?",
     SectionType.SUPPORT_GROUPS),
    # A forum mentioned, not asked for; being near someone who has it (contagion); what a treatment brings.
    ("I have dravelin myasthenic palsy syndrome and find forums confusing, what should I eat?",
     SectionType.SUPPORT_GROUPS),
    ("is it safe to chat with someone who has dravelin myasthenic palsy syndrome?", SectionType.SUPPORT_GROUPS),
    ("can I talk to other people with dravelin myasthenic palsy syndrome without getting sick?",
     SectionType.SUPPORT_GROUPS),
    ("what problems can arise from dravelin myasthenic palsy syndrome medication?", SectionType.COMPLICATIONS),
    # A study's part in research; a charity told about; problems arising from its treatment.
    ("are these studies part of the research on dravelin myasthenic palsy syndrome?", SectionType.EXAMS_AND_TESTS),
    ("my aunt does charity work for dravelin myasthenic palsy syndrome, is it inherited?", SectionType.SUPPORT_GROUPS),
    ("can problems arise from dravelin myasthenic palsy syndrome treatment?", SectionType.COMPLICATIONS),
    # What a doctor suspects of a treatment; a network of nerves.
    ("my doctor suspects dravelin myasthenic palsy syndrome medicine caused my rash, what should I do?",
     SectionType.EXAMS_AND_TESTS),
    ("is the network for nerves damaged in dravelin myasthenic palsy syndrome?", SectionType.SUPPORT_GROUPS),
    # A severity, not a suspicion; knock-on effects of no named condition.
    ("what treatment is needed if dravelin myasthenic palsy syndrome is considered severe?",
     SectionType.EXAMS_AND_TESTS),
    ("what knock on effect does a missed dose have?", SectionType.COMPLICATIONS),
    # A result told about something else; checking for something unnamed.
    ("my flu test came back negative, can I still have the flu?", SectionType.EXAMS_AND_TESTS),
    ("should I be checking for mold in my house?", SectionType.EXAMS_AND_TESTS),
    # Talking with someone about it, not someone who has it.
    ("can I talk with someone at the clinic about dravelin myasthenic palsy syndrome?", SectionType.SUPPORT_GROUPS),
])
def test_look_alikes_of_the_named_condition_phrasings(text: str, not_read_as: SectionType) -> None:
    understood = understand(text, NAMES)
    assert not (understood.type_phrased and understood.qtype is not_read_as)


def test_support_as_one_word_of_a_longer_question_is_not_a_search_for_people() -> None:
    assert understand("dravelin myasthenic palsy syndrome support stockings", NAMES).qtype is not (
        SectionType.SUPPORT_GROUPS)
    assert understand("does dravelin myasthenic palsy syndrome need breathing support", NAMES).qtype is not (
        SectionType.SUPPORT_GROUPS)


@pytest.mark.parametrize("text", [
    "what is the poison control hotline number?",
    "is there a manufacturer's helpline for zorvex?",
    "What causes complications in pregnancy?",
    "I have had long-term problems with constipation, what can I do?",
    "x support",  # not a recognised name written as X
])
def test_phrasings_that_only_look_like_living_with_a_condition(text: str) -> None:
    assert condition_type(text) is None


def test_a_name_is_written_as_x_however_its_words_are_joined() -> None:
    """Dashes and apostrophes between a name's words, and accents on its letters, as the question writes them."""
    def match(words: str) -> FocusMatch:
        return FocusMatch(name=words, matched=words, document_ids=frozenset({1}))

    assert names_as_x("Lambert\u2013Eaton syndrome support", [match("Lambert Eaton syndrome")]) == "X support"
    assert names_as_x("can Crohn\u2019s disease flare?", [match("Crohn's disease")]) == "can X flare?"
    assert names_as_x("Sj\u00f6gren syndrome support", [match("Sjogren syndrome")]) == "X support"
    assert names_as_x("heart attack or stroke", [match("stroke")]) == "heart attack or X"


def test_a_name_written_with_accents_is_the_name_without_them() -> None:
    """Sources written in ASCII spell "Sjogren"; a person writes "Sjögren" (it read as "sj gren": no name)."""
    names = NameIndex([(1, "Sjogren syndrome", "title"), (2, "Meniere's disease", "title")])
    assert [m.name for m in names.find("is Sj\u00f6gren syndrome inherited?")] == ["Sjogren syndrome"]
    assert [m.name for m in names.find("How is M\u00e9ni\u00e8re\u2019s disease treated?")] == ["Meniere's disease"]
    understood = understand("Sj\u00f6gren syndrome support", names)
    assert understood.qtype is SectionType.SUPPORT_GROUPS
    assert names_as_x("Sj\u00f6gren syndrome support", understood.focus) == "X support"


@pytest.mark.parametrize("text", [
    "can dravelin myasthenic palsy syndrome cause breathing failure?",
    "can dravelin myasthenic palsy syndrome cause respiratory failure?",  # what it causes is a name too
    "does dravelin myasthenic palsy syndrome ever lead to falls?",
])
def test_what_a_named_condition_causes_reads_first_as_its_complications_but_less_surely(text: str) -> None:
    """Not a phrasing: the cue lists' types follow, and what it causes may be a name whose causes answer too."""
    understood = understand(text, NAMES)
    assert (understood.qtype, understood.type_phrased) == (SectionType.COMPLICATIONS, False)


@pytest.mark.parametrize("text", [
    "can stress cause dravelin myasthenic palsy syndrome?",  # what causes it (a guard: "stress" is no name here)
    "I have dravelin myasthenic palsy syndrome and a rash, could dravelin myasthenic palsy syndrome cause it?",
    # A risk it raises asks the other condition's risk factors as much ("does diabetes increase the risk of stroke?").
    "does dravelin myasthenic palsy syndrome increase the risk of respiratory failure?",
])
def test_what_causes_a_named_condition_is_not_its_complications(text: str) -> None:
    assert understand(text, NAMES).qtype is not SectionType.COMPLICATIONS
