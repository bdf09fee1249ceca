"""Session 23's phrasings (healthqa.understand._phrasings): wordings of four fresh batches written by people who saw
no code (caregivers telling a story first, writers in a hurry or in a second language, searchers typing keywords),
each with look-alikes that must not read so. The names are made up; "X" in the comments is a recognised name."""

from __future__ import annotations

import pytest

from healthqa.records import SectionType
from healthqa.understand import FocusMatch, NameIndex, names_as_x, understand
from healthqa.understand._words import usual_spelling

NAMES = NameIndex([(1, "dravelin myasthenic palsy syndrome", "title"), (2, "zorvexin", "title"),
                   (3, "respiratory failure", "title")])
DMPS = "dravelin myasthenic palsy syndrome"


@pytest.mark.parametrize(("text", "expected"), [
    # Support: a place asked for after a story that names the condition; gatherings; others who share it.
    (f"Caring for my husband with {DMPS} has been exhausting. Is there a helpline I can call as his caregiver?",
     SectionType.SUPPORT_GROUPS),
    (f"My father has become isolated since his {DMPS} diagnosis. Are there any meetups or gatherings where he "
     "could meet others who have it?", SectionType.SUPPORT_GROUPS),
    (f"my mum has {DMPS} and feels really alone, is there anywhere she can meet people with the same thing?",
     SectionType.SUPPORT_GROUPS),
    (f"My son has {DMPS}. Are there online communities where he can talk to others with the same condition?",
     SectionType.SUPPORT_GROUPS),
    (f"how to conect with other {DMPS} patients in my country", SectionType.SUPPORT_GROUPS),
    (f"pls recomend online group for {DMPS}, i feel alone", SectionType.SUPPORT_GROUPS),
    (f"any meetings for ppl with {DMPS} near me", SectionType.SUPPORT_GROUPS),
    (f"charity for {DMPS} uk", SectionType.SUPPORT_GROUPS),
    (f"{DMPS} online community forum", SectionType.SUPPORT_GROUPS),
    (f"I feel really alone with this rare disease. Where do {DMPS} patients get together?",
     SectionType.SUPPORT_GROUPS),
    (f"Would you direct me to any association that supports elderly patients with {DMPS}?",
     SectionType.SUPPORT_GROUPS),
    (f"Is there a number I can phone to speak to someone about living with {DMPS}?", SectionType.SUPPORT_GROUPS),
    # Tests: what the doctors look for, what happens during a named test, ruling it out, findings that point to it.
    (f"lambert exam reflexes. My daughter is being sent for an EMG for possible {DMPS}. What are they looking for "
     "in those?", SectionType.EXAMS_AND_TESTS),
    (f"His GP mentioned {DMPS}. What will the specialists check to know for sure?", SectionType.EXAMS_AND_TESTS),
    (f"What happens during the repetitive nerve stimulation study they want to do to see if she has {DMPS}?",
     SectionType.EXAMS_AND_TESTS),
    (f"what doctors check to rule out {DMPS}", SectionType.EXAMS_AND_TESTS),
    (f"my sister have weak legs, how they can know if it is {DMPS} or not", SectionType.EXAMS_AND_TESTS),
    (f"what nerve conduction findings point towards {DMPS}?", SectionType.EXAMS_AND_TESTS),
    (f"explain the examinations a neurologist performs to determine whether a patient has {DMPS}",
     SectionType.EXAMS_AND_TESTS),
    (f"How do doctors figure out whether my weakness is from {DMPS}?", SectionType.EXAMS_AND_TESTS),
    (f"My doctor wants repetitive nerve stimulation for suspected {DMPS}, what is that looking for?",
     SectionType.EXAMS_AND_TESTS),
    # Complications: what to watch for, dangers when it is worse, what it does to the body, what comes from it.
    (f"My dad was diagnosed with {DMPS}. What other health problems should we watch out for?",
     SectionType.COMPLICATIONS),
    (f"My husband has {DMPS}; what dangers should we be aware of as the disease progresses?",
     SectionType.COMPLICATIONS),
    (f"What are the dangers of {DMPS} if it gets worse?", SectionType.COMPLICATIONS),
    (f"My son has {DMPS}. Could it shorten his life or cause serious problems later on?",
     SectionType.COMPLICATIONS),
    (f"is {DMPS} dangerous, what risks it bring", SectionType.COMPLICATIONS),
    (f"{DMPS} long term consequence?", SectionType.COMPLICATIONS),
    (f"{DMPS} risks if untreated", SectionType.COMPLICATIONS),
    (f"what further health issue {DMPS} patient can get", SectionType.COMPLICATIONS),
    (f"what can {DMPS} do to your body over the years", SectionType.COMPLICATIONS),
    (f"long-term consequences of untreated {DMPS}?", SectionType.COMPLICATIONS),
    (f"What health problems can develop when {DMPS} goes untreated?", SectionType.COMPLICATIONS),
    (f"my aunt has {DMPS}, what problems can come in future from it", SectionType.COMPLICATIONS),
    # Batches 27-30 (a question box, a chat assistant, just told, a search engine).
    (f"Looking for a {DMPS} charity or association near me", SectionType.SUPPORT_GROUPS),
    (f"Can you explain where I might find others with {DMPS} to talk to?", SectionType.SUPPORT_GROUPS),
    (f"Please help me find an online community where {DMPS} patients share experiences.",
     SectionType.SUPPORT_GROUPS),
    (f"My husband has {DMPS} and feels isolated, are there any peer groups where he can meet people in the same "
     "situation?", SectionType.SUPPORT_GROUPS),
    (f"Nobody around me understands. Where can I meet people with {DMPS}?", SectionType.SUPPORT_GROUPS),
    (f"Newly told I have {DMPS} and I'm crying most days. Are there in-person meetups or forums for it?",
     SectionType.SUPPORT_GROUPS),
    (f"Can you explain what nerve conduction studies or EMG show when someone has {DMPS}?",
     SectionType.EXAMS_AND_TESTS),
    (f"As someone referred for suspected {DMPS}, what exams should I expect?", SectionType.EXAMS_AND_TESTS),
    (f"I'm terrified after being told I might have {DMPS}. How do doctors rule it in or out?",
     SectionType.EXAMS_AND_TESTS),
    (f"repetitive nerve stimulation {DMPS}", SectionType.EXAMS_AND_TESTS),
    (f"{DMPS} blood test", SectionType.EXAMS_AND_TESTS),
    (f"Which dangers should I watch for with {DMPS}?", SectionType.COMPLICATIONS),
    (f"Can you explain the long-term health risks of having {DMPS}?", SectionType.COMPLICATIONS),
    (f"Please help me understand what further health problems {DMPS} can bring, like falls.",
     SectionType.COMPLICATIONS),
    (f"{DMPS} respiratory failure risk", SectionType.COMPLICATIONS),
    (f"Is {DMPS} dangerous over time?", SectionType.COMPLICATIONS),
    # Batches 31-34 (a patient portal, English of many countries, unexpected ways of asking, a hospital letter).
    (f"My legs have been weak for months; which nerve studies can confirm or rule out {DMPS}?",
     SectionType.EXAMS_AND_TESTS),
    (f"What does a neurologist usually check during an exam when they suspect {DMPS}?", SectionType.EXAMS_AND_TESTS),
    (f"Which exams would rule out {DMPS} in my case, since my antibody result came back negative?",
     SectionType.EXAMS_AND_TESTS),
    (f"How do specialists tell the difference between myasthenia gravis and {DMPS} when testing a patient?",
     SectionType.EXAMS_AND_TESTS),
    (f"Is it true that {DMPS} can be linked to lung cancer developing later?", SectionType.COMPLICATIONS),
    (f"Does having {DMPS} mean a higher chance of ending up with lung cancer or other serious illness later?",
     SectionType.COMPLICATIONS),
    (f"Does {DMPS} raise the risk of serious problems during surgery or with anesthesia?", SectionType.COMPLICATIONS),
    (f"Can {DMPS} affect breathing? How dangerous can it get?", SectionType.COMPLICATIONS),
    (f"Doctor told {DMPS}, what all dangers we should watch out for?", SectionType.COMPLICATIONS),
    (f"Please what are the complications of {DMPS} if it is not treated?", SectionType.COMPLICATIONS),
    (f"{DMPS} can cause what kind of complications one?", SectionType.COMPLICATIONS),
    (f"I'm 80 and have {DMPS}. What risks should I be aware of as it goes on, like falls?", SectionType.COMPLICATIONS),
    (f"Is there a wee group anywhere in Scotland where folk with {DMPS} get together?", SectionType.SUPPORT_GROUPS),
    (f"any {DMPS} communities out there? feeling really alone with this", SectionType.SUPPORT_GROUPS),
    (f"Where do people with {DMPS} go to connect and swap experiences with each other?", SectionType.SUPPORT_GROUPS),
    # Batches 35-38 (plain; with another condition; indirect; as an evaluator would write them). Complications composed
    # of harm and time to come, asked of the condition, "it" or one's health.
    (f"How might {DMPS} affect my health as it progresses?", SectionType.COMPLICATIONS),
    (f"Which further health problems might someone with {DMPS} face later?", SectionType.COMPLICATIONS),
    (f"My grandmother has {DMPS}. Could it make her fall more or cause swallowing problems over time?",
     SectionType.COMPLICATIONS),
    (f"My teenage daughter has {DMPS}. What are the consequences for her health in the long run?",
     SectionType.COMPLICATIONS),
    (f"What are the long-term risks of living with {DMPS}?", SectionType.COMPLICATIONS),
    (f"I have {DMPS}. Could it cause falls, trouble swallowing or other issues as time goes on?",
     SectionType.COMPLICATIONS),
    (f"My sister has {DMPS}; what other health problems could it end up causing her?", SectionType.COMPLICATIONS),
    (f"Where do people with {DMPS} meet to share experiences?", SectionType.SUPPORT_GROUPS),
    (f"How do doctors check whether my leg weakness is {DMPS}?", SectionType.EXAMS_AND_TESTS),
    (f"Does an EMG with repetitive nerve stimulation still show {DMPS} if I'm also on statins?",
     SectionType.EXAMS_AND_TESTS),
    (f"What is repetitive nerve stimulation and how is it used to confirm {DMPS}?", SectionType.EXAMS_AND_TESTS),
    # Batches 39-42 (a text to a nurse friend; on behalf of someone else; after a long day; a leaflet's list).
    (f"A patient asked me what the appointment for checking {DMPS} will involve; what will the specialists be "
     "looking at?", SectionType.EXAMS_AND_TESTS),
    (f"My dad's GP thinks he might have {DMPS}, so how would they find out for sure?", SectionType.EXAMS_AND_TESTS),
    (f"Does a negative voltage-gated calcium channel antibody result rule out {DMPS}?", SectionType.EXAMS_AND_TESTS),
    (f"Why is a chest CT part of the workup when someone is being evaluated for {DMPS}?",
     SectionType.EXAMS_AND_TESTS),
    (f"For my feature on rare disorders, which advocacy groups represent {DMPS} patients?",
     SectionType.SUPPORT_GROUPS),
    (f"ok so where do people with {DMPS} meet up, like patient conferences or local meetings",
     SectionType.SUPPORT_GROUPS),
    (f"what are the risks of having {DMPS} long term", SectionType.COMPLICATIONS),
    (f"My mother has {DMPS}; what dangers should the family watch for as it progresses?", SectionType.COMPLICATIONS),
    (f"ok so, what kind of health problems can {DMPS} lead to down the line", SectionType.COMPLICATIONS),
    (f"Do people with {DMPS} develop bladder or blood pressure problems?", SectionType.COMPLICATIONS),
    (f"Should I worry about losing mobility as a consequence of {DMPS}?", SectionType.COMPLICATIONS),
    # Batches 43-46 (a question box; a demanding evaluator; older adults; teenagers).
    (f"{DMPS} online community or forum?", SectionType.SUPPORT_GROUPS),
    (f"Any conferences or meetups where people living with {DMPS} can meet each other?", SectionType.SUPPORT_GROUPS),
    (f"how do i find other young people with {DMPS} to connect with", SectionType.SUPPORT_GROUPS),
    (f"can {DMPS} mess with your breathing down the line", SectionType.COMPLICATIONS),
    # Batches 47-50 (everyone; a demanding evaluator; after an appointment; a phone).
    (f"What does a neurologist check during an exam for {DMPS}?", SectionType.EXAMS_AND_TESTS),
    (f"What exams does a neurologist do for {DMPS}", SectionType.EXAMS_AND_TESTS),
    (f"The specialist said I need an EMG for suspected {DMPS}, how does that test show it?",
     SectionType.EXAMS_AND_TESTS),
    (f"Where can my wife find an online community of others with {DMPS} to talk to?", SectionType.SUPPORT_GROUPS),
    (f"Can {DMPS} get dangerous, like affect breathing?", SectionType.COMPLICATIONS),
    (f"is {DMPS} dangerous", SectionType.COMPLICATIONS),
    (f"Forgot to ask the neurologist: what risks or complications come with {DMPS}?", SectionType.COMPLICATIONS),
    (f"Are there serious dangers with {DMPS} I should know about, like trouble swallowing or falls?",
     SectionType.COMPLICATIONS),
    (f"What further health issues might my father develop because of his {DMPS}?", SectionType.COMPLICATIONS),
    # Session 29: the question told rather than asked.
    (f"tell me what an EMG shows in {DMPS}", SectionType.EXAMS_AND_TESTS),
    # Session 30: why a named test is done; what a test named before tells ("study" is then no research).
    (f"why did they order a PET scan for my mom right after she got diagnosed w {DMPS}", SectionType.EXAMS_AND_TESTS),
    (f"why do i need a chest CT if i have {DMPS}", SectionType.EXAMS_AND_TESTS),
    (f"neuro wants a nerve conduction study with repetitive stimulation for {DMPS}, what does that tell them",
     SectionType.EXAMS_AND_TESTS),
])
def test_fresh_wordings_read_as_what_they_ask(text: str, expected: SectionType) -> None:
    understood = understand(text, NAMES)
    assert (understood.qtype, understood.type_phrased) == (expected, True)


@pytest.mark.parametrize("text", [
    f"can {DMPS} get worse and cause serious problem like respiratory failure",
    f"could untreated {DMPS} lead to falls?",
    f"Can {DMPS} eventually cause respiratory failure?",
    f"Can {DMPS} upset the nervous system and cause respiratory failure?",
    f"Can {DMPS} affect breathing or cause respiratory failure?",
    f"{DMPS} complicatons pls list",  # the cue word, as usually spelled
])
def test_what_a_worse_or_untreated_condition_causes_reads_first_as_its_complications(text: str) -> None:
    assert understand(text, NAMES).qtype is SectionType.COMPLICATIONS


@pytest.mark.parametrize(("text", "not_read_as"), [
    # A line asked for after a poisoning told in an earlier sentence is poison control's.
    ("My toddler swallowed some zorvexin. Is there a hotline I can call?", SectionType.SUPPORT_GROUPS),
    ("I took too many zorvexin tablets. Is there a number I can call?", SectionType.SUPPORT_GROUPS),
    # A group of things, groups at risk; a phrasing that ends in the story, not in the question.
    (f"I have {DMPS}. Is there a group of medicines that helps?", SectionType.SUPPORT_GROUPS),
    (f"I joined a forum for {DMPS} last year. Is it inherited?", SectionType.SUPPORT_GROUPS),
    # Talking to others about something else; others with the same name or job.
    (f"can I meet other doctors who have treated {DMPS}?", SectionType.SUPPORT_GROUPS),
    (f"can I talk to people with {DMPS} without catching it?", SectionType.SUPPORT_GROUPS),
    # A rule-out told, not asked; a time of day, not a test; symptoms to watch for.
    (f"they ruled out {DMPS} last year, what else could cause weak legs?", SectionType.EXAMS_AND_TESTS),
    (f"what happens during the night with {DMPS}?", SectionType.EXAMS_AND_TESTS),
    (f"why is my {DMPS} worse after the MRI?", SectionType.EXAMS_AND_TESTS),
    (f"why would a {DMPS} study need more volunteers?", SectionType.EXAMS_AND_TESTS),
    (f"what symptoms should I watch for with {DMPS}?", SectionType.COMPLICATIONS),
    (f"what are the dangers of {DMPS} surgery if it gets worse?", SectionType.COMPLICATIONS),
    (f"what are the risks of getting {DMPS} if untreated?", SectionType.COMPLICATIONS),
    # Long-term effects of a treatment are its side effects; what comes from a treatment.
    (f"{DMPS} treatment long term effects", SectionType.COMPLICATIONS),
    (f"what problems can come from {DMPS} medication?", SectionType.COMPLICATIONS),
    # Finding a place told, not asked for; a search engine's genetic risk; a test named in a story; safety of contact.
    (f"I have {DMPS} and find forums confusing, what should I eat?", SectionType.SUPPORT_GROUPS),
    (f"{DMPS} genetic risk", SectionType.COMPLICATIONS),
    (f"is it safe to meet people with {DMPS}?", SectionType.SUPPORT_GROUPS),
    (f"I had a blood test for {DMPS} last week. Is it inherited?", SectionType.EXAMS_AND_TESTS),
    # Found by a review of this session's phrasings (read-only, by a helper): lines asked for in distress ...
    ("My son accidentally took two of my zorvexin tablets. Is there a number I can call?", SectionType.SUPPORT_GROUPS),
    ("My 2 year old swallowed some tablets. I think they were zorvexin. Is there a hotline?",
     SectionType.SUPPORT_GROUPS),
    ("Is there a number I can call if my child swallows zorvexin?", SectionType.SUPPORT_GROUPS),
    (f"My husband has {DMPS} and keeps talking about ending his life. Is there a helpline I can call?",
     SectionType.SUPPORT_GROUPS),
    (f"My husband has {DMPS} and is having trouble breathing right now. Is there a hotline I can call?",
     SectionType.SUPPORT_GROUPS),
    ("I had a bad reaction to zorvexin. Is there a helpline I can call?", SectionType.SUPPORT_GROUPS),
    ("My dog ate some of my zorvexin. Is there a hotline?", SectionType.SUPPORT_GROUPS),
    # ... groups at risk or to avoid, places and people told about, other professionals, donors, research ...
    (f"Are there groups at higher risk for {DMPS}?", SectionType.SUPPORT_GROUPS),
    (f"Are there some groups that are more likely to get {DMPS}?", SectionType.SUPPORT_GROUPS),
    ("Are there any groups who should avoid zorvexin?", SectionType.SUPPORT_GROUPS),
    (f"Are there any gatherings I should avoid with {DMPS} during flu season?", SectionType.SUPPORT_GROUPS),
    (f"My mother goes to meetings for {DMPS}, but what else can she do to slow it down?", SectionType.SUPPORT_GROUPS),
    (f"I volunteer at a charity for {DMPS}, what is the newest treatment?", SectionType.SUPPORT_GROUPS),
    (f"Should I talk to other surgeons before having the operation for {DMPS}?", SectionType.SUPPORT_GROUPS),
    (f"Should I talk to others at work about my {DMPS}?", SectionType.SUPPORT_GROUPS),
    (f"How can I talk to others with {DMPS} without getting it myself?", SectionType.SUPPORT_GROUPS),
    (f"Can I find someone with {DMPS} to donate a kidney?", SectionType.SUPPORT_GROUPS),
    (f"Do you know anyone with {DMPS} who has tried zorvexin?", SectionType.SUPPORT_GROUPS),
    (f"{DMPS} research foundation", SectionType.SUPPORT_GROUPS),
    ("zorvexin poison hotline", SectionType.SUPPORT_GROUPS),
    (f"Do any {DMPS} groups study zorvexin?", SectionType.SUPPORT_GROUPS),
    (f"My wife has {DMPS}. What should we do next? I know other people with it who are doing well.",
     SectionType.SUPPORT_GROUPS),
    # ... risks of a treatment or of getting it, a test's or a medicine's damage, expectations elsewhere ...
    (f"What are the risks of having {DMPS} surgery?", SectionType.COMPLICATIONS),
    (f"What are the risks of having {DMPS} if both my parents have it?", SectionType.COMPLICATIONS),
    (f"{DMPS} surgery risks", SectionType.COMPLICATIONS),
    (f"My doctor wants me to have a nerve biopsy for {DMPS}. What risks does it carry?", SectionType.COMPLICATIONS),
    ("Can the EMG needles cause permanent damage?", SectionType.COMPLICATIONS),
    (f"What risks should I be aware of if {DMPS} runs in my family?", SectionType.COMPLICATIONS),
    (f"What problems should I expect with my insurance now that I have {DMPS}?", SectionType.COMPLICATIONS),
    (f"My dad has {DMPS} from smoking. What other diseases can people get from smoking?", SectionType.COMPLICATIONS),
    (f"What other conditions can people with {DMPS} get benefits for?", SectionType.COMPLICATIONS),
    (f"Is it dangerous in the long run to take zorvexin every day for {DMPS}?", SectionType.COMPLICATIONS),
    (f"I was diagnosed with {DMPS}. How is it treated? What risks does it carry?", SectionType.COMPLICATIONS),
    # ... and ruling out told, wanting to know, procedures, what doctors look for elsewhere, research findings.
    (f"The neurologist wanted to rule out {DMPS}, so what is {DMPS} and how serious is it?",
     SectionType.EXAMS_AND_TESTS),
    (f"They rule out {DMPS} every time, so why do I still feel weak?", SectionType.EXAMS_AND_TESTS),
    (f"I want to know if I have {DMPS}, what are the symptoms?", SectionType.EXAMS_AND_TESTS),
    (f"Please let me know if you have {DMPS} leaflets in Spanish.", SectionType.EXAMS_AND_TESTS),
    (f"What procedures can I have for {DMPS}?", SectionType.EXAMS_AND_TESTS),
    ("What do doctors look for before prescribing zorvexin?", SectionType.EXAMS_AND_TESTS),
    (f"What happens during a test flight with {DMPS}?", SectionType.EXAMS_AND_TESTS),
    (f"Which research findings suggest {DMPS} can be cured?", SectionType.EXAMS_AND_TESTS),
    (f"My son has {DMPS}. How long will he live? The doctors wanted to rule it out at first.",
     SectionType.EXAMS_AND_TESTS),
    # Batches 31-34's look-alikes: a suspicion told; another condition's risk; a link now; a medicine's danger.
    (f"I'm scared because they think I might have {DMPS}. What is it?", SectionType.EXAMS_AND_TESTS),
    (f"Does {DMPS} raise the risk of respiratory failure?", SectionType.COMPLICATIONS),
    (f"Is {DMPS} linked to zorvexin use?", SectionType.COMPLICATIONS),
    ("How dangerous is zorvexin?", SectionType.COMPLICATIONS),
    (f"Are there any communities at risk of {DMPS}?", SectionType.SUPPORT_GROUPS),
    (f"Is there a blood group linked to {DMPS}?", SectionType.SUPPORT_GROUPS),
    # Harm and time to come asked of how long one lives, a treatment, symptoms or a cause; "long-term" of a symptom.
    (f"Will {DMPS} shorten my life expectancy over time?", SectionType.COMPLICATIONS),
    (f"What symptoms of {DMPS} appear later on?", SectionType.COMPLICATIONS),
    (f"What is the cause of this long term {DMPS}?", SectionType.COMPLICATIONS),
    ("Can long term stress cause respiratory failure?", SectionType.COMPLICATIONS),
])
def test_look_alikes_of_the_fresh_wordings(text: str, not_read_as: SectionType) -> None:
    understood = understand(text, NAMES)
    assert not (understood.type_phrased and understood.qtype is not_read_as)


@pytest.mark.parametrize(("written", "usual"), [
    ("pls recomend online group", "pls recommend online group"),
    ("reccomended by my doctor", "recommended by my doctor"),
    ("how to conect with others", "how to connect with others"),
    ("eaton complicatons pls list", "eaton complications pls list"),
    ("any meetings for ppl with it", "any meetings for people with it"),
    ("can u get a test", "can you get a test"),
    # Left as written: capitals (a unit, a name), words that only look alike.
    ("vitamin U and U of M", "vitamin U and U of M"),
    ("compilations and completions", "compilations and completions"),
])
def test_everyday_misspellings_read_as_usually_spelled(written: str, usual: str) -> None:
    assert usual_spelling(written) == usual


def test_the_thing_whose_effects_are_asked_is_the_one_before_the_verb() -> None:
    """"Can A cause B?" asks A's effects (A's pages answer too, healthqa.answer.answerer), whichever is written first
    or is the longer name."""
    asked = understand(f"can respiratory failure or {DMPS} cause zorvexin to stop working?", NAMES)
    assert asked.effect_of is None  # "cause zorvexin to ..." is not after a name but after "or X"
    forward = understand(f"can {DMPS} cause respiratory failure?", NAMES)
    assert forward.effect_of is not None and forward.effect_of.name == DMPS
    backward = understand(f"I read about respiratory failure. Could zorvexin lead to respiratory failure in {DMPS}?",
                          NAMES)
    assert backward.effect_of is not None and backward.effect_of.name == "zorvexin"
    # A question's own capital X ("X-ray", "fragile X") is no name.
    for text in ("After an X-ray, can zorvexin cause respiratory failure?",
                 "My son has fragile X, can zorvexin cause respiratory failure?"):
        subject = understand(text, NAMES).effect_of
        assert subject is not None and subject.name == "zorvexin"
    assert understand(f"what causes {DMPS}?", NAMES).effect_of is None
    # "It" asked of: the last name told before the question.
    told = understand(f"My son has {DMPS} and I'm frightened. Can it lead to falls or respiratory failure?", NAMES)
    assert told.effect_of is not None and told.effect_of.name == DMPS
    assert understand("Can it lead to falls or respiratory failure?", NAMES).effect_of is None


def test_a_question_with_extra_spaces_is_read_with_the_message_around_it() -> None:
    question = f"Caring for my husband with {DMPS} has been exhausting. Is there a helpline I can  call?"
    assert understand(question, NAMES).qtype is SectionType.SUPPORT_GROUPS


def test_a_shorter_name_does_not_match_across_a_longer_one_written_inside_it() -> None:
    def match(words: str) -> FocusMatch:
        return FocusMatch(name=words, matched=words, document_ids=frozenset({1}))

    focus = [match("lung cancer"), match("small cell cancer")]
    assert names_as_x("can lung (small cell cancer) cancer spread?", focus) == "can lung (X) cancer spread?"


# Real condition and medicine names, for the second review's look-alikes (found by a read-only helper review of the
# composed complications reading and the phrasings after it).
REAL = NameIndex([(n, name, "title") for n, name in enumerate([
    "eczema", "psoriasis", "multiple sclerosis", "asthma", "autism", "shingles", "lupus", "vertigo", "cystic fibrosis",
    "prednisone", "diabetes", "glaucoma", "lung cancer", "gout", "Lyme disease", "appendicitis", "hepatitis C",
    "measles", "malaria", "metformin", "warfarin", "atrial fibrillation"], 1)])


@pytest.mark.parametrize(("text", "not_read_as"), [
    # Harm and time to come asked of getting better, going away, coming back, onset, inheritance, causes, numbers.
    ("My son has eczema. Will it go away eventually, or is it a lifelong condition?", SectionType.COMPLICATIONS),
    ("Is multiple sclerosis a progressive disease that gets worse over time?", SectionType.COMPLICATIONS),
    ("Do children with asthma outgrow the problems as they get older?", SectionType.COMPLICATIONS),
    ("Will my daughter with autism be able to live on her own later on, or will she always have problems?",
     SectionType.COMPLICATIONS),
    ("Is the nerve damage from shingles permanent, or will it heal over time?", SectionType.COMPLICATIONS),
    ("Is lupus a disease that develops later in life?", SectionType.COMPLICATIONS),
    ("What caused my vertigo, and will it happen again in the future?", SectionType.COMPLICATIONS),
    ("How many people does cystic fibrosis affect, and will it increase in the future?", SectionType.COMPLICATIONS),
    ("Will prednisone lose its effect over time?", SectionType.COMPLICATIONS),
    ("Does diabetes mean I will go blind eventually?", SectionType.COMPLICATIONS),
    ("Does glaucoma increase in severity over time?", SectionType.COMPLICATIONS),
    ("Is lung cancer linked to smoking even if I quit years ago, or does the risk go down over time?",
     SectionType.COMPLICATIONS),
    ("How dangerous could it be to get pregnant with lupus?", SectionType.COMPLICATIONS),
    ("Gout can cause what symptoms?", SectionType.COMPLICATIONS),
    # A treatment asked when it is suspected; drugs told apart; clinics, spread and places of a disease; a specialist.
    ("If they suspect Lyme disease, what treatment do they start with?", SectionType.EXAMS_AND_TESTS),
    ("What are the treatment options if they suspect appendicitis?", SectionType.EXAMS_AND_TESTS),
    ("How do they tell the difference between generic and brand-name drugs?", SectionType.EXAMS_AND_TESTS),
    ("Are there any community clinics that treat hepatitis C?", SectionType.SUPPORT_GROUPS),
    ("Is there community spread of measles?", SectionType.SUPPORT_GROUPS),
    ("Any communities where malaria is more common?", SectionType.SUPPORT_GROUPS),
    ("Where can people with lupus talk to a specialist?", SectionType.SUPPORT_GROUPS),
    # Groups at risk asked with "which"; a result told; problems as a result of something else.
    ("Which groups are at risk of lupus?", SectionType.SUPPORT_GROUPS),
    ("My test for lupus came back negative. What is the treatment?", SectionType.EXAMS_AND_TESTS),
    ("Do people with diabetes develop problems with insurance?", SectionType.COMPLICATIONS),
    # A group of people at risk or responding to a medicine (the session 19 "groups of people" phrasing read them too).
    ("Is there a group of people more likely to get lupus?", SectionType.SUPPORT_GROUPS),
    ("Is there a group of people at higher risk for lupus?", SectionType.SUPPORT_GROUPS),
    ("Are there groups of patients who respond better to prednisone for lupus?", SectionType.SUPPORT_GROUPS),
    # Whether something else is dangerous; a group of medicines.
    ("Is zorvexin dangerous for people with lupus?", SectionType.COMPLICATIONS),
    ("Is there a group of medicines for lupus?", SectionType.SUPPORT_GROUPS),
])
def test_second_review_look_alikes(text: str, not_read_as: SectionType) -> None:
    understood = understand(text, REAL)
    assert not (understood.type_phrased and understood.qtype is not_read_as)


@pytest.mark.parametrize("text", [
    "I take metformin for diabetes. Can it cause weight loss?",
    "My mother takes warfarin for atrial fibrillation. Could it cause bruising?",
])
def test_it_is_no_name_when_more_than_one_is_told(text: str) -> None:
    assert understand(text, REAL).effect_of is None
