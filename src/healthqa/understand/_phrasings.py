"""Phrasings: how people ask about taking a medicine or living with a condition, read as a whole rather than by a
single cue word (:func:`healthqa.understand.understand` puts the type they find first).

They stand apart from the cue lists of ``healthqa.understand`` (``_TYPE_CUES``), whose findings the MEDIQA models
read as features: a phrasing changes what ``ask`` reads without retraining them. Each phrasing was written for a
wording that missed (BENCHMARKS.md, issue 16, sessions 19-23) and checked against every LiveQA and MEDIQA question
text (``benchmarks/readings.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from healthqa.records import SectionType

# The types of MedQuAD's drug, herb and supplement pages (SectionType lists them from "usage" on).
_DRUG_TYPES = frozenset(list(SectionType)[list(SectionType).index(SectionType.USAGE):])
_SOME_WORDS = r"(?:[\w'-]+ ){1,4}?"
_MEDICINE_WORDS = r"(?:(?!to\b)[\w'-]+ ){1,4}?"
# Questions about taking a medicine, read in the vocabulary of MedlinePlus's drug pages, which MedQuAD keeps as
# "indication" ("Why is this medication prescribed?") and "precautions" ("What special precautions should I
# follow?": the conditions, pregnancy and other medicines to tell the doctor about, which is also where the
# project's training pairs send LiveQA's "contraindication" and "interaction" questions). "Why is X prescribed"
# asks what X is for, not what causes it; "can I take X with high blood pressure" asks whether X is safe then.
# These cues stand apart from _TYPE_CUES, whose findings the learned scorers read as features (a change there
# means retraining them, see healthqa.mediqa.training.feature_fingerprint); where one fires its type comes first,
# unless the cue lists already read a type of the drug pages ("can I take it with food": interactions).
_MEDICINE_CUES: list[tuple[SectionType, re.Pattern[str]]] = [
    (SectionType.INDICATION, re.compile(
        # "Why is it recommended that ..." asks about how it is taken, not what for.
        rf"\bwhy (is|are|was|were|would|do|does|did|has|have) {_SOME_WORDS}(been )?(prescribed|given|recommended)\b"
        r"(?! (that|to)\b)|"
        rf"\bwhat (is|are) {_SOME_WORDS}(used|prescribed|given|taken) for\b|"
        rf"\b(is|are|was) {_SOME_WORDS}prescribed (for|to)\b|"
        rf"\bwhat (does|do) {_SOME_WORDS}treat\b",
        re.IGNORECASE)),
    (SectionType.PRECAUTIONS, re.compile(
        rf"\b(can|could|should|may|do|is it (safe|ok|okay|alright|all right)( for (me|you|him|her|them))? to) "
        rf"(i |you |we |he |she |they |people |someone |a person |(my|his|her|our|their) [\w'-]+ )?(still )?"
        # "Can I take care of ... with" takes no medicine.
        rf"(take|use|be given|keep taking) (?!(care|off|out|part|place|time|over|advantage)\b)"
        # "Should I take her to the doctor if ..." takes someone somewhere: no "to" among the medicine's words.
        rf"{_MEDICINE_WORDS}(with|if|while|when|during|after|before|despite|even if|even though)\b|"
        rf"\b(safe|ok|okay) to (take|use)\b|"
        # "Is X safe during pregnancy?" (not "is swimming safe for people with epilepsy": no pregnancy, no taking).
        r"\b(is|are) (?!(exercise|exercising|swimming|running|sex|travel\w*|flying|working|yoga|sports?|dieting)\b)"
        rf"{_MEDICINE_WORDS}safe (to (take|use) )?(during|in|while|when) (my |a |the )?"
        r"(pregnan\w*|breast-?feed\w*|nursing|lactat\w*)|"
        # "Can I drink alcohol while taking X?": MedlinePlus's precautions say what to avoid while taking it.
        r"\b(drink\w*|alcohol|beer|wine|liquor|eat\w*|smok\w*|driv\w*|breast-?feed\w*) (\w+ ){0,3}?"
        r"(while|when|if) (i'?m |i am |you are |you'?re |still )?(taking|using|on (this|that|my|the) "
        r"(medicine|medication|drug|pills?|tablets?))\b",
        re.IGNORECASE)),
    # MedlinePlus files how to take a medicine, and its dosage, as "usage" ("How should X be used and what is
    # the dosage?"); not "how do I take care of", "take off", "take time".
    (SectionType.USAGE, re.compile(
        r"\bhow (do|should|can|must|would|to) (i |you |we |he |she |they |people |(my|his|her|our) [\w'-]+ )?"
        r"(take|use|apply|inject|give)\b(?! (care|off|out|part|place|time|over|advantage|a break|a look)\b)|"
        # (Not a test used to find something: "how is that test used to diagnose it?".)
        rf"\bhow (is|are|should|do you|should you) {_SOME_WORDS}(be )?(taken|used|applied|injected)\b"
        r"(?! (to|for|in) (diagnos\w*|confirm\w*|detect\w*|test\w*|check\w*|find\w*|rul\w* out))|"
        r"\bwhen (should|do|can|must) (i|you|we) (take|use)\b|\bwhat time of (the )?day\b",
        re.IGNORECASE)),
    (SectionType.STORAGE_AND_DISPOSAL, re.compile(
        r"\b(how|where) (should|do|can|to|must|would) (i |you |we )?(store|dispose of|throw away)\b|"
        rf"\bhow (should|do|can|must) {_SOME_WORDS}be (stored|disposed of|thrown away)\b|"
        r"\b(dispose of|disposal of|throw away) (my |old |unused |expired |the |leftover )*"
        r"(medicine|medication|drug|pill|tablet)s?\b",
        re.IGNORECASE)),
]


def _first_cued(asked: str, cues: Sequence[tuple[SectionType, re.Pattern[str]]],
                within: Sequence[tuple[int, int]] | None = None) -> SectionType | None:
    """The type of the cue written first in ``asked`` (ties: the earlier in ``cues``), or None; with ``within``,
    only a cue that ends inside one of those (start, end) spans counts."""
    def counts(match: re.Match[str]) -> bool:
        return within is None or any(start < match.end() <= end for start, end in within)

    found = [(match.start(), rank, kind) for rank, (kind, pattern) in enumerate(cues)
             if (match := next((m for m in pattern.finditer(asked) if counts(m)), None))]
    return min(found)[2] if found else None


def medicine_type(asked: str) -> SectionType | None:
    """The drug-page type a question about taking a medicine asks (see _MEDICINE_CUES), or None; where cues of
    both types fire, the one written first decides."""
    return _first_cued(asked, _MEDICINE_CUES)


# What a person asks about living with a condition, in words the cue lists read otherwise or not at all: whom to
# contact and where others with it meet (support groups: "who can I contact about X?", "groups for families",
# "where can we find support", "other patients"), whether a test can show it (exams and tests), who gets it
# ("can children get X?", which the cue lists read as inheritance), what else it brings ("what problems can X
# cause?" asks its complications, not its causes), and what happens without treatment (its outlook, not its
# symptoms). Like _MEDICINE_CUES they stand apart from _TYPE_CUES (whose findings the MEDIQA models read); where
# one fires its type comes first.
# Where a question about a named thing ends: "the dangers of X?", not "the dangers of X surgery".
_ASKED_ENDS = r"(?=\s*([.?!]|$))"
# When it is worse: "the dangers of X if it gets worse?", "X risks if untreated".
_WORSE = (r"( if (it |he |she |they )?(gets|get|goes|is|are) (worse|untreated|not treated|left untreated)| if (left )?"
          r"untreated| as it (progresses|gets worse|worsens)| over time| in the long run| later on| long[- ]term)")
# Harm and time to come, for the composed complications reading (see _CONDITION_CUES), and what such a sentence
# asks instead when it names how long one lives, a treatment or symptoms.
_HARM = (r"(problems?|issues?|risks?|dangers?|consequences?|complications?|damage|harm|mess(es)? (with|up)|"
         r"affect(s|ed)? (my|his|"
         r"her|their|your|our|the) (health|body|life)|cause|causes|causing|lead to|(health )?effects?|trouble|"
         r"illness(es)?)")
_TIME_TO_COME = (r"(later( on)?|over time|over the years|in the long run|long[- ]term (health )?(problems?|"
                 r"risks?|consequences?|effects?|complications?|damage|issues?|dangers?)|as (it|the disease|the "
                 r"condition|(?-i:X)) (progresses|goes on|gets worse|worsens|advances)|as time goes (on|by)|down the "
                 r"road|down the line|in (the )?future|with time|end up (causing|with|having))")
# (Not whether it gets better, goes away, comes back, is passed on or worsens: the outlook, inheritance.)
_NOT_COMPLICATIONS = (r"(life expectancy|lifespan|life span|how long|survival|surviv\w+|die|dying|death|cure[sd]?|"
                      r"curable|prognosis|outlook|treatments?|treated|therapy|therapies|medications?|medicines?|"
                      r"drugs?|side effects?|symptoms?|signs|inherit\w*|genetic|pregnan\w*|insurance|work|job|school|"
                      r"incidence|statistic\w*|trends?|why|what causes|caused|(the|a) causes? of|go(es)? away|better|"
                      r"improv\w*|heal(s|ed|ing)?|outgrow\w*|grow out|remission|permanent\w*|progress(ive|ion)?|"
                      r"severity|born with|passed (down|on)|how many|again|come back|comes back|recur\w*|clear\w*|"
                      r"in life|able to|independen\w*|on (her|his|their|my) own|lose (its|their) effect|wears? off|"
                      r"stops? working|tolerance)")
# Tests a person names, "study" only as part of a test's name ("nerve conduction study", not "a new study").
_TEST_NAMES = (r"(emg|electromyography|electromyogram|mri|ct scan|cat scan|pet scan|x-?rays?|ultrasound|biopsy|"
               r"blood tests?|blood ?work|scans?|tests?|(nerve conduction|conduction|electrodiagnostic|"
               r"nerve stimulation|sleep|swallow(ing)?|imaging|nerve|muscle) (stud(y|ies)|tests?)|repetitive nerve "
               r"stimulation|"
               r"antibody tests?|spinal tap|lumbar puncture|eeg|ecg|ekg)")
# Not whether it can be caught from them: "can I talk to other people with the flu without getting sick?".
_NOT_CATCHING = (r"(?![^.?!]{0,200}\b(catch\w*|caught|contagious|infect\w*|get(ting)? (sick|it|infected)|"
                 r"spread\w*)\b)")
# A gathering place asked for ("is there a helpline", "which associations", "looking for online forum"), not told
# about ("some forums say", "I called a hotline").
_PLACES = (r"associations?|charit(y|ies)|forums?|message boards?|online groups?|online communit(y|ies)|groups?|"
           r"conferences?|"
           r"meet-?ups?|gatherings|get-togethers")
_LINES = (r"help ?lines?|hotlines?|(phone )?numbers? (i|we) (can|could) (call|phone|ring) to (speak|talk) (to|with) "
          r"(someone|somebody|anyone|anybody|a person)")
# Not a gathering place: an association between things, groups at risk or to avoid, groups who should not take it.
# ("A community of others with X" is a place; "a group of people more likely to get X" is not.)
_NOT_A_PLACE = (r"(?! (between|of(?! (other|others|people|patients|families|parents|sufferers|fellow)\b(?![^.?!]{0,40}"
                r"\b(risk|likely|prone|susceptible|respond\w*|more|less)\b))|with|to|at|"
                r"more|most|less|likely|(who|that) (should|must|are|is) (not |more |most |less |at |likely )?|(are|is) "
                r"(not|more|most|less|at|likely|affected|prone)|(i|we|you) (should|must|need to)|studying|study|"
                r"research\w*|fund\w*)\b)")
# What a message tells of a poisoning, before asking for a line to call.
_POISONING = r"(swallowed|ingested|overdosed?|overdoses|poison\w*|drank|took too (much|many))"


def _asked_for(places: str, named: bool = False) -> str:
    """A pattern for a gathering place of ``places`` asked for: "is there a(n) ...", "which ...s", "looking for ...";
    ``named``: a place for a recognised name (X), as in "looking for a X charity"."""
    kinds = r"(?-i:X) " if named else (r"(patient|family|national|local|online|support|rare disease|rare diseases|peer|"
                                       r"in-person|in person|virtual|wee|small|little|friendly|active|free|advocacy) ")
    optional = "" if named else "?"
    return (rf"(((is|are) there (an? |any |some )?|(does|do) (an? |any )|(?:^|(?<=[.?!] ))any |(looking for|look for|"
            rf"join|recommend|know of|"
            rf"know any|suggest|(help (me|us|him|her) |to )find|"
            rf"any good|(where|how) (can|could|do|to) (i |we |(my|our|his|her) [\w'-]+ )?find) "
            rf"(an? |any |some )?)({kinds}){optional}({places})|(which|what) ({kinds}){optional}(associations|"
            r"charities|forums|message boards|helplines|hotlines|advocacy groups|support groups|patient groups|"
            r"organi[sz]ations|foundations))")


_CONDITION_CUES: list[tuple[SectionType, re.Pattern[str]]] = [
    (SectionType.SUPPORT_GROUPS, re.compile(
        r"\b(who|whom|where) (can|could|should|do) (i|we|my family|our family|they) (contact|call|turn to|reach|"
        r"talk to)\b|\bgroups? (for|of) (families|parents|people|patients|caregivers|carers|those|spouses|"
        r"partners|husbands|wives|siblings|brothers and sisters|grandparents)\b(?![^.?!]{0,40}\b(risk|likely|prone|"
        r"susceptible|respond\w*|more|less)\b)|"
        r"\b((connect|talk|meet|chat|speak|get in touch|be in touch|keep in touch) with|(talk|speak|chat|reach out) "
        r"to) (other|others)\b(?! (doctors?|specialists?|physicians?|neurologists?|nurses?|providers?|surgeons?|"
        r"experts?|pharmacists?|therapists?|professionals?|dentists?|family|relatives|members|staff|colleagues|"
        rf"co-?workers|at work|at school|in my office)\b)(?<!should i talk to others)(?<!should we talk to others)"
        rf"{_NOT_CATCHING}|"
        rf"\btalk to (other|fellow) (people|patients|families|parents|teens|kids|children|caregivers|carers|"
        rf"sufferers|spouses|mums|moms|dads) (who|whose|with|living|dealing|affected)\b{_NOT_CATCHING}|"
        # Where those with it gather, asked for with a named condition in the same sentence, after or before: "is
        # there a helpline I can phone about X?", "which associations can I refer an X patient to?", "looking for
        # online forum X families", "my father has X, is there association who help families like us?"; not what
        # association there is between things, nor a forum or a hotline told about.
        rf"\b{_asked_for(_PLACES + '|' + _LINES)}\b{_NOT_A_PLACE}(?! (for|about) (poison|suicide|"
        r"suicidal|crisis|overdoses?)\b)(?=[^.?!]{0,200}\b(?-i:X)\b)|"
        # After the name, also in a later sentence ("caring for my husband with X has been exhausting. Is there a
        # helpline I can call?"), unless poison control's line is what is asked: "my toddler swallowed some X, is there
        # a hotline?" (a poisoning told in the name's sentence or after it).
        rf"(?:^|(?<=[.?!] ))(?:(?!\b{_POISONING}\b)[^.?!])*?\b(?-i:X)\b(?:(?!\b{_POISONING}\b)[\s\S]){{0,300}}?"
        rf"\b{_asked_for(_PLACES + '|' + _LINES)}\b"
        rf"{_NOT_A_PLACE}(?! (for|about) (poison|suicide|suicidal|crisis|overdoses?)\b)|"
        # One for the name itself: "looking for a X charity or association near me" (not "do any X groups study Y?").
        rf"\b{_asked_for(_PLACES + '|communit(y|ies)|' + _LINES, named=True)}\b{_NOT_A_PLACE}|"
        r"\b(facebook|whatsapp|reddit) (groups?|pages?|communit(y|ies)|chats?)\b(?=[^.?!]{0,200}\b(?-i:X)\b)|"
        r"\b(?-i:X)\b[^.?!]{0,60}?\b(facebook|whatsapp|reddit) (groups?|pages?|communit(y|ies)|chats?)\b|"
        # Networks or meetups for those around someone with it (batch 21).
        r"\b(networks?|meet-?ups?) ((or|and) [\w-]+ )?for (relatives|families|caregivers|carers|parents|spouses|"
        r"people|patients)\b(?=[^.?!]{0,200}\b(?-i:X)\b)|"
        # Someone who has it too to talk to: "is there anyone I can talk to who has X too?" (X, or "it" after it).
        r"\b(anyone|anybody|someone|somebody|people) (i|we) (can|could) (talk|speak|chat) (to|with) who (has|have) "
        r"((?-i:X)|it)\b|"
        # Someone else who has it: "how can I connect with someone else who has X?" (X: a recognised name; not
        # being near someone who has it).
        r"(?<!safe to )\b(connect|talk|chat|get in touch) with (someone|somebody|anyone|anybody|people) (else )?(who "
        rf"(has|have|had|is living with|lives with|live with)|living with) (?-i:X)\b{_NOT_CATCHING}|"
        # Where people with it meet: "where can people with X connect online?" (X: a recognised name).
        r"\bwhere ((can|could|do|does) )?((people|patients|families|parents|those|others|folks?) (with|who have) "
        r"(?-i:X)|(?-i:X) (people|patients|sufferers|families|parents|folks?)) (go to |go and )?"
        r"(connect|meet|meet up|talk|get together|find each other|find others)( with (each other|one another|"
        r"others))?"
        r"( and [\w' -]{1,40}?| to (share|swap|talk with each other|chat|meet|support)[\w' -]{0,40}?)?"
        r"( online| in person| locally| near me)?(?=\s*([.?!,]|$))|"
        # Feeling alone with it, not being alone somewhere ("I am alone at home and my chest hurts") nor lonely
        # in general ("I feel lonely and tired all the time, is it X?").
        r"\b(i|we) (feel|felt) (so |very |all )?(alone|isolated|lonely) (with|since|after|because of|in)\b|"
        r"\bpatient (groups?|organi[sz]ations?|advocacy|associations?|communit(y|ies))\b|"
        # "an association for X", not "an association between X and cancer" (X: a recognised name).
        r"\b(associations?|societ(y|ies)|networks?|communit(y|ies)) for (people with |patients with |those with |"
        r"families with )?(?-i:X)(?=\s*([.?!,;]|$))|"
        # (A charity or a meeting told about ends in a comma: "I volunteer at a charity for X, what is ...?".)
        r"\b(associations?|societ(y|ies)|networks?|communit(y|ies)|charit(y|ies)|forums?|support groups?|meet-?ups?|"
        r"meetings|gatherings|organi[sz]ations?|foundations?) for (people with |patients with |those with |"
        r"families with |people who have |patients who have |those who have )?(?-i:X)( (in|near|around) (me|my area|"
        r"[\w-]+)| (uk|usa|us|australia|canada|online|nearby))?(?=\s*([.?!;]|$))|"
        # A helpline for a condition, not poison control's, a crisis line or a maker's.
        r"(?<!poison )(?<!control )(?<!suicide )(?<!crisis )(?<!manufacturer's )(?<!company's )"
        r"\b(help ?lines?|hotlines?) (for|about)\b(?! (poison|suicide|suicidal|crisis|overdoses?)\b)|"
        rf"\bother (people|patients|families|parents) (with|who have|who has|dealing|living)\b{_NOT_CATCHING}|"
        # Resources for those living with it: "what resources exist for families dealing with X?" (X: a recognised
        # name; not "resources for doctors", nor resources asked of no condition). "Resources" is itself a page's
        # name (MedlinePlus's directory of support groups), so with names as X it reads "what X exist for ...": X
        # stands for it only with such a verb ("the best X for people with X" is no resources question).
        r"\b(resources (that )?(exist |are there |are available |available |there are )?|(?-i:X) (that )?(exist|"
        r"are there|are available|available|there are) |(are|is) there (any )?(?-i:X) )(for|to help) (families|parents|"
        r"people|patients|caregivers|carers|those|spouses|partners|relatives|kids|children)( of (people|patients|"
        r"those|children|kids))? (dealing with|living with|coping with|affected by|who have|with|caring for) "
        r"(?-i:X)\b|"
        r"\b(find|get|seek|looking for|need) (help and support|support and help|emotional support|support)\b"
        r"(?! (stockings?|hose|braces?|bras?|garments?|belts?|devices?))|"
        r"\bmeet (other|others|fellow) ((people|patients|families|sufferers) )?(living with|with|who have|who has) "
        r"(?-i:X)\b|"
        r"\b(find|meet|contact|reach|join|know|connect with) (some |any )?(other|fellow) ([\w-]+ )?(patients|people|"
        r"families|"
        r"parents|sufferers)\b|\b(anyone|anybody|someone|somebody|organi[sz]ations?|associations?|groups?|"
        r"charit(y|ies)|"
        r"foundations?) (who|that|which) (supports?|helps?) ([\w-]+ )?(families|people|patients|parents|those|"
        r"sufferers)\b|"
        r"(?:^|(?<=[.?!] ))\W{0,3}who (supports?|helps?) (families|people|patients|parents|those|sufferers)\b|"
        # Others who have it too, named by what they share: "is there anywhere she can meet people with the same
        # thing?", "meet others who have it" (not whether it can be caught from them).
        r"(?<!safe to )(?<!ok to )(?<!okay to )(?<!dangerous to )"
        r"\b(meet|talk to|talk with|speak to|speak with|connect with|chat with|chat to|find) (some |any )?"
        r"(other |more )?(people|patients|others|someone|somebody|anyone|anybody|families|parents|sufferers) "
        r"(((who|that) (have|has|had|live with|are living with|deal with|are dealing with)|with|living with) (it|this|"
        r"(?-i:X)|the same (condition|disease|illness|diagnosis|thing|problem|syndrome|disorder|issue))|in the same "
        r"(situation|boat|position))\b(?![^.?!]{0,80}\b(donat\w*|donors?|transplant\w*)\b)"
        rf"{_NOT_CATCHING}|"
        # A search engine's query, the name and the word: "LEMS support", "LEMS online community forum" (X: a
        # recognised name, see names_as_x); not "X cancer association".
        r"(?:^|(?<=[.?!] ))\W{0,3}(?-i:X) (patient |family )?support(?=\s*$|[.?!])|"
        r"(?:^|(?<=[.?!] ))\W{0,3}(?-i:X)(?: (?!(research|poison|manufacturer|maker|drug|company)\b)[\w-]+){0,3}? "
        r"(forums?|communit(y|ies)|charit(y|ies)|support groups?|"
        r"organi[sz]ations?|foundations?|help ?lines?|hotlines?|meet-?ups?)( (uk|usa|us|australia|canada|online|"
        r"near me|nearby))?(?=\s*$|[.?!])",
        re.IGNORECASE)),
    (SectionType.COMPLICATIONS, re.compile(
        # Composed: a question sentence about the condition (X or "it" as its subject, one's health) that asks of
        # harm and of time to come, but not of how long one lives, of a treatment or of symptoms: "How might X affect
        # my health as it progresses?", "Could it cause falls or other issues as time goes on?", "What are the
        # long-term risks of living with X?".
        rf"(?:^|(?<=[.?!] ))(?=[^.?!]*\b((can|could|does|do|will|would|might|may|of|with|from|having) ((?-i:X)|it)|"
        r"(?-i:X) (can|could|may|might|will|would|has|have|brings?|carries)|(my|his|her|their|your|our) (health|"
        r"body))\b)"
        rf"(?=[^.?!]*\b{_HARM}\b)(?=[^.?!]*\b{_TIME_TO_COME}\b)"
        rf"(?![^.?!]*\b{_NOT_COMPLICATIONS}\b)\W{{0,3}}\w|"
        r"\bwhat ((kind|kinds|sort|type|types) of )?(other |else |more |further |additional |secondary |related |"
        r"serious )?(problems|health problems|"
        r"issues|conditions|diseases) "
        r"(can|could|does|do|will|"
        r"might|may) (?!(be|also)\b)([\w'-]+ ){1,5}?(cause|lead to|bring|result in)\b|"
        r"\b(can|could|does|do|will|might|may) ([\w'-]+ ){1,5}?(lead to|cause) (other|more|further|any other) "
        r"(problems|health problems|issues|conditions|diseases)\b|"
        # Serious or lasting problems asked of the condition ("could it shorten his life or cause serious problems
        # later on?"), not of a test or a medicine's stopping ("can the EMG needles cause permanent damage?").
        r"\b(can|could|does|do|will|might|may) ((?-i:X)|it) ([\w'-]+ ){0,5}?(lead to|cause) (serious|long[- ]term|"
        r"lasting|permanent) (problems?|health problems?|issues|conditions|diseases|damage|disability)\b|"
        r"\bwhat (can|could|might|may|will) go wrong\b|"
        # Asked of it ("could X cause complications?"), not what causes complications; long-term problems asked
        # about, not a history told ("I have had long-term problems with ...").
        r"\b(can|could|does|do|will|might|may) ([\w'-]+ ){1,5}?(cause|lead to|bring|result in) "
        r"(any |other |more |further |serious |later )?complications\b|"
        r"\b(what|which|any|are there) ([\w'-]+ ){0,3}?long[- ]term (health )?(problems|issues|consequences)\b|"
        # What a named condition does later ("can X affect my breathing in the long run?"), and its dangers asked
        # of it alone ("what are the dangers of X?", not "the risks of getting X").
        r"\b(can|could|does|do|will|would|might|may) (?-i:X) (ever |eventually |also )?(cause|lead to|affect|bring|"
        # (Not how long one lives: "does X affect life expectancy in the future?" asks the outlook.)
        r"result in|damage) (?!([\w'-]+ ){0,3}?(life expectancy|lifespan|life span|survival|mortality|how long)\b)"
        r"([\w'-]+ ){0,6}?(later( on| in life)?|in the long run|over time|down the road|"
        r"in (the )?future|as (i|you|he|she|they|we) get older)\b|"
        # What arises from it: "what complications can arise from X?" (the symptoms passage holds "arise").
        r"\bwhat (other |serious |possible |potential |long[- ]term |further )?(complications|problems|health problems|"
        r"issues|health issues) ((can|could|may|might|will|do|does|often|usually) )?(arise|develop|occur|result|stem|"
        rf"follow) (from|with|in|because of|due to) (having )?(?-i:X){_ASKED_ENDS}|"
        r"\b(problems|complications|issues|conditions|diseases|disorders)\b[^.?!]{0,80}?\b(arise|develop|result|"
        r"stem|come) ((in (the )?future|later( on)?|over time|down the road) )?from (having )?((?-i:X)|it)"
        rf"{_ASKED_ENDS}|"
        # What else those with it get: "what further health issues can X patients get?".
        r"\bwhat (other|further|more|additional|secondary|serious) (health )?(problems?|issues?|conditions?|diseases?|"
        r"complications?) (can |could |do |does |might |may |will )?((?-i:X) (patients?|people|sufferers|persons?)|"
        r"(patients?|people|sufferers|someone|persons?) with (?-i:X)) (can |could |might |may |will |often |usually "
        r"|also )?(get|develop|end up with)\b(?! (benefits?|help|money|support|insurance|treatment)\b)|"
        # What to watch for: "what other health problems should we watch out for?", "what dangers should we be aware
        # of as the disease progresses?" (not its symptoms or signs).
        r"\b(what|which) (all )?(other |else |more |further |additional |serious |possible |long[- ]term )?(health )?"
        r"(problems|issues|dangers|complications) (should (i|we|he|she|they|you|(my|our|his|her|the) [\w'-]+)|(i|we|"
        r"he|she|they|you) "
        r"should) (watch (out )?for|look (out )?for|be aware of|be (worried|concerned) about|worry about|keep an eye "
        r"on)\b|"
        # Risks to watch for as it goes on (not risk factors: "what risks should I be aware of if X runs in my family").
        r"\b(what|which) (other |more |further |serious |possible |long[- ]term )?(health )?risks (should (i|we|he|she|"
        r"they|you)|(i|we|he|she|they|you) should) (watch (out )?for|look (out )?for|be aware of|worry about) (as (it|"
        r"the disease|the condition|(?-i:X)) (goes on|progresses|gets worse|worsens)|over time|later( on)?|in the long "
        r"run|in (the )?future|down the road)\b|"
        # Problems those with it develop; a consequence of it asked about.
        r"\bwhat (other|further|more|additional|serious) (health )?(problems?|issues?|conditions?|complications?) "
        r"(can|could|might|may|will) (my|his|her|our|their) [\w'-]+ (develop|get) (because of|from|due to|with) (his |"
        r"her |my |their )?(?-i:X)\b|"
        r"\b(do|does|can|could|will|would) (people|patients|those|someone|anyone|kids|children|adults) (with|who have) "
        r"(?-i:X) (develop|get|have|end up with) ([\w'-]+ ){0,5}?(problems|issues|complications|trouble)\b"
        r"(?! (with|at|in) (insurance|work|school|jobs?|money|benefits|employers?)\b)|"
        r"\bas a (consequence|complication) of (having )?(?-i:X)\b|"
        # Its complications when untreated, asked as such ("what are the complications of X if it is not treated?");
        # what it can cause, asked at the end ("X can cause what kind of complications?"); problems it raises the
        # risk of (not another condition's risk: "does X raise the risk of stroke?" asks stroke's risk factors too).
        rf"\bcomplications of (having )?(?-i:X){_WORSE}{_ASKED_ENDS}|"
        r"\b(?-i:X) (can|could|may|might|will) (cause|bring|lead to|give) what ((kind|kinds|sort|type|types) of )?"
        r"(complications|problems|issues|health problems|damage|dangers)\b|"
        r"\b(does|can|will|could|would|might) (having )?(?-i:X) (raise|increase|heighten) (the |my |his |her |your )?"
        r"(risk|risks|chances?) (of|for) (serious |other |more |further |any )?(problems|complications|issues|health "
        r"problems|trouble)\b|"
        # Something it is linked to, or makes likelier, later: "is X linked to getting cancer later on?".
        r"\b((is|can|could|does|will|would) (having )?(?-i:X) ([\w'-]+ ){0,3}?|(?-i:X) ((can|could|may|might|will|"
        r"would) )?(be |is )?)((be )?(linked|tied|connected|associated) (to|with)|means? (a |an )?(higher|greater|"
        r"bigger|increased) (chance|risk)|(raises?|increases?) (the |my |his |her |your |their )?(risk|chances?|"
        r"likelihood)) ([\w',-]+ ){0,14}?(later( on| in life)?|in (the )?future|down the road)\b|"
        r"\bhow dangerous (can|could|will|might) ((?-i:X)|it) (get|become)\b|"
        # Whether it is dangerous, asked of it alone ("is X dangerous?", "can X get dangerous, like ...?").
        rf"\b(is|can|could) (?-i:X) (get |become |be )?(dangerous|risky|life-threatening)({_WORSE}|,? like "
        rf"[^.?!]{{1,80}})?{_ASKED_ENDS}|"
        # The risks of having it; what it can bring, asked with the name first; a search engine's risk; dangerous later.
        rf"\b(long[- ]term )?(health )?(risks|dangers) of having (?-i:X){_WORSE}?{_ASKED_ENDS}|"
        rf"\blong[- ]term (health )?(risks|dangers|problems|consequences|effects) of (having )?(?-i:X){_ASKED_ENDS}|"
        r"\bwhat (other |else |more |further |additional |serious |related |secondary )?(health )?(problems|issues|"
        r"complications|conditions) ((?-i:X)|it) (can|could|may|might|will) (cause|bring|lead to|result in)\b|"
        # (A search engine's risk of a named problem: "X respiratory failure risk", not "X surgery risks".)
        r"(?:^|(?<=[.?!] ))\W{0,3}(?-i:X) ((and|or) )?(?-i:X) risks?(?=\s*$|[.?!])|"
        r"\b(is|can) (?-i:X) (be |get |become )?dangerous (over time|in the long run|long[- ]term|later( on)?|"
        r"as it progresses)\b|"
        # What it does to the body over time: "what can X do to your body over the years?".
        r"\bwhat (can|could|will|does|might|would) (?-i:X) do to (your|my|the|a|his|her|their|our|one's) (body|health|"
        r"nerves|muscles)\b|"
        # What develops alongside it, and the risks it brings.
        r"\bwhat (other |else |more |related |secondary )?(problems|health problems|issues|health issues|conditions|"
        r"diseases|illnesses|disorders) (tend to |can |could |may |might |often |usually |commonly |typically )?"
        r"(develop|occur|appear|arise|happen|come|show up) (alongside|along with|together with|with|in people with|"
        r"in patients with) (?-i:X)\b|"
        r"\bwhat (health )?(risks|dangers) (((does|do|can|could|might|may|will) )?(?-i:X)|it) (bring|brings|pose|"
        r"poses|carry|carries|cause|causes|create|creates|present|presents)\b|"
        # (Also "are there serious dangers with X I should know about?".)
        r"\b(what are|are there|are there any|any) (the )?(serious |real |hidden |main )?(dangers|(health )?risks|"
        r"dangers and risks) (of|from|with) (having )?(?-i:X) (i|we) (should|need to|ought to) (know|be aware|watch)\b|"
        r"\b(what are|are there|are there any|any) (the )?(dangers|(health )?risks|dangers and risks) (of|from|with) "
        rf"(having )?(?-i:X){_WORSE}?{_ASKED_ENDS}|"
        rf"(?:^|(?<=[.?!] ))\W{{0,3}}(?-i:X) (dangers|risks|long[- ]term (consequences?|effects?|problems?|damage))"
        rf"{_WORSE}?{_ASKED_ENDS}|"
        # Effects that follow from it: "what knock-on effects does X have?" (of a medicine: its side effects, see
        # Answerer.understand).
        r"\b(knock-on|knock on|ripple|domino) effects?\b(?=[^.?!]{0,200}\b(?-i:X)\b)|"
        r"\b(?-i:X)\b[^.?!]{0,80}?\b(knock-on|knock on|ripple|domino) effects?\b|"
        # Its consequences: "what are the health consequences of X?".
        r"(?<!causes and )(?<!symptoms and )(?<!legal )(?<!financial )(?<!social )\b(health |long[- ]term |possible |"
        rf"serious |medical )?consequences of (having )?(untreated |uncontrolled )?(?-i:X){_ASKED_ENDS}|"
        r"\bwhat (other |serious |possible |long[- ]term |further )?(complications|problems|health problems|issues|"
        r"health issues) ((can|could|may|might|will) )?(arise|develop|occur|happen) (when|if) (?-i:X) (goes|is|is left|"
        r"gets left|remains) (untreated|not treated)\b|"
        # What comes with it: "what health risks come with X?".
        r"\bwhat ([\w'-]+ ){0,2}?(risks|dangers|problems|issues|conditions|complications) (can |could |may |might )?"
        r"(come|comes|go|"
        r"goes) (with|along with) (?-i:X)\b",
        re.IGNORECASE)),
    # Whether or what a test can show: "can an EMG show LEMS?", "will a blood test detect it?", "what does a nerve
    # conduction study show in X?", told: "tell me what an EMG shows in X" (not a result told: "the biopsy shows
    # ..."; not a research study).
    (SectionType.EXAMS_AND_TESTS, re.compile(
        rf"\b(can|could|will|would|does|do|did|should) (an? |the |any |my )?{_TEST_NAMES}( with [\w -]{{1,40}}?)?"
        rf"( still| really| always| reliably)? (show|detect|diagnose|"
        r"confirm|find|rule out|pick up|tell)\b|"
        rf"\bwhat ((can|could|will|would|does|do|did|should) )?(an? |the |my )?{_TEST_NAMES}(( or| and) (an? |the )?"
        rf"{_TEST_NAMES})? (shows?|detects?|finds?|reveals?|"
        r"tells?|looks? for|measures?)\b|"
        rf"\b(show|shows|showed) up (on|in) (an? |the |my |any )?{_TEST_NAMES}s?\b|"
        # Why a named test is done; what it, named just before, tells ("neuro wants a nerve conduction study with
        # repetitive stimulation, what does that tell them"; across sentences where the question names nothing: "She
        # had a nerve conduction study for X. What does it show?"): a test's "study" is no research.
        rf"\bwhy (do|does|did|would|will|is|are|was|were) ([\w'-]+ ){{0,3}}?(order(ed|ing)?|do(ing|ne)?|want(ed|ing)?|"
        rf"need(ed|ing)?|run(ning)?|perform(ed|ing)?|recommend(ed|ing)?|request(ed|ing)?|schedul(e|ed|ing)) "
        rf"(an? |the |my |his |her |their |another )?([\w-]+ )?({_TEST_NAMES}|ct|pet|mri)\b|"
        rf"\b{_TEST_NAMES}\b[^?]{{0,150}}?\bwhat (does|do|did|will|would|can|could|might) (that|it|this|these|those|"
        r"they|the results?|the report|the findings?) (show|shows|tell|tells|find|detect|reveal|mean|indicate|"
        r"suggest|look for)\b|"
        rf"\bwhat (results|findings|signs|changes) (on|in|from) (an? |the |my )?{_TEST_NAMES} (point to|suggest|"
        r"indicate|show|mean)\b|"
        # Checking for it; a result that leaves it open; what is done to find it (X: a recognised name).
        r"\b(checking|testing|screening|tested|checked|screened|check|screen) for (this |that )?(?-i:X)\b|"
        r"\b(came back|comes back|come back|was|were|is|are) (negative|positive|normal|abnormal|borderline)\b"
        r"[^.?!]{0,150}?\b(can|could|do|does|might|may) (i|he|she|they|you|we|my \w+) (still )?(have|has) (?-i:X)\b|"
        r"\b(examinations?|exams?|tests?|scans?|checks?) ([\w']+ ){0,6}?(to|that|which) (find|detect|diagnose|"
        r"confirm|check for|look for|show|identify) (?-i:X)\b|"
        # How they would find out whether it is X; what is done when a doctor suspects X (batch 21).
        rf"\b((find out|figure out|work out|determine|establish)|(?<!want )(?<!wanted )(?<!like )(?<!need )"
        rf"(?<!love )(?<!wait )(?<!possible )to (see|know|tell|confirm)|how ([\w'-]+ ){{0,3}}(see|know|tell|confirm)) "
        r"(for sure )?(if|whether) (it is|it's|this is|(i|you|we|they) have|(he|she|someone|somebody|a patient|"
        r"the patient|a person|the person|(my|his|her|our|their) [\w'-]+) (is|has)) (?-i:X)\b|"
        r"\b(find out|figure out|work out|tell|know|determine|check) (if|whether) (my|his|her|the|their|our) "
        r"([\w'-]+ ){1,2}(is|are) ((from|due to|caused by|because of) )?(?-i:X)\b|"
        # How a named test is used to find it: "how is that test used to diagnose it?".
        rf"\bhow (is|are) (it|that|this|(that|this|the) test|(an? |the |that |this )?{_TEST_NAMES}) used (in|for|to) "
        r"(confirm\w*|diagnos\w*|detect\w*|test\w* for|check\w* for|rul\w* out)\b|"
        # Ruling it out: "what doctors check to rule out X" (not a story: "they ruled out X").
        r"\b(check|checks|test|tests|do|done|order|ordered|run|performed|needed|used|examinations?|exams?|scans?)"
        r"( [\w'-]+){0,2} to rule out (?-i:X)\b|"
        r"\bhow ([\w'-]+ ){1,3}rule (out (?-i:X)|((?-i:X)|it|this) (in or )?out)\b|"
        r"\bwhat (exams|examinations|tests|investigations|checks|scans) (should|will|would|do|does|can|"
        r"might|must) (i|we|he|she|they|you|my [\w'-]+) (expect|need|undergo|go through)\b|"
        rf"(?:^|(?<=[.?!] ))\W{{0,3}}((?-i:X) {_TEST_NAMES}|{_TEST_NAMES} (for |in )?(?-i:X))(?=\s*$|[.?!])|"
        # What the doctors look for: "what will the specialists check?", "what are they looking for in those?".
        r"\bwhat ((are|is|do|does|did|will|would|should) (they|the doctors?|doctors?|the specialists?|specialists?|"
        r"the neurologists?|neurologists?|my doctor|the gp|the hospital|that|it|this|the test|an? (doctor|specialist|"
        r"neurologist))|(the )?(doctors?|specialists?|neurologists?)) "
        r"(be )?(checking|looking for|looking at|testing for|checking for|searching for|check|look for|look at|"
        r"test for)\b"
        r"(?! (before|when (deciding|choosing|prescribing|giving)|in (volunteers|donors|candidates)|to decide)\b)|"
        # What happens during a named test; which findings point to it.
        rf"\bwhat happens (during|in|at) (an? |the |my |her |his |their |this |that )?{_TEST_NAMES}\b"
        r"(?! (flights?|drives?|centres?|centers?|runs?|of|on|kitchens?|match(es)?)\b)|"
        rf"\b(what|which) ((?!(research|studies|study|trial|trials)\b)[\w-]+ ){{0,4}}?(results|findings) "
        rf"(that |which )?(point|points|pointing|suggest|indicate) (to |toward |towards )?(?-i:X){_ASKED_ENDS}|"
        # Which test can confirm it; which exams would rule it out; how doctors tell it apart from another.
        rf"\b(which|what) {_TEST_NAMES} (can|could|will|would|do|does|might) (confirm|rule out|diagnose|detect|show|"
        r"find|pick up)\b|"
        rf"\b({_TEST_NAMES}|exams?|examinations?|checks?|investigations?) (would|could|can|will|might) rule out "
        r"(?-i:X)\b|"
        r"\bhow (do|can|would|does|will|could) (the )?(doctors?|specialists?|neurologists?|they|physicians?) (tell "
        r"(the difference|(them |it |(?-i:X) )?apart)|distinguish|differentiate)\b(?=[^.?!]*\b(?-i:X)\b)"
        r"(?![^.?!]*\b(brand\w*|generics?|drugs?|medications?|medicines?|pills?)\b)|"
        # (A sentence asking about treatment when it is suspected asks the treatment.)
        r"(?:^|(?<=[.?!] ))(?![^.?!]*\b(treat\w*|medications?|medicines?|drugs?|therap\w*)\b)[^.?!]*?"
        r"\b(if|when) (they|he|she) suspects? (that )?((it('s| is| might be| could be)? )|(i|he|she|they|someone|"
        r"a patient) (might |could |may )?(have|has) )?(?-i:X)\b|"
        r"\b(if|when|because|since) (my |the |a |her |his |our )?(doctors?|neurologists?|physicians?|gp|specialists?) "
        r"(suspects?|suspected|thinks?|thought) (it('s| is| might be| could be)? |(i|he|she|they) (might |could |may )?"
        r"(have|has) )?(?-i:X)\b|"
        # A named test as part of confirming it; the workup for it (batch 20: "are nerve conduction studies part of
        # confirming X?", which the cue lists read as research; "the workup for suspected X").
        rf"\b{_TEST_NAMES} (are |is )?(part of|used (in|for|to)|needed (for|to)) (confirm(ing)?|diagnos(e|ing)|"
        r"detect(ing)?|test(ing)? for|check(ing)? for|rul(e|ing) out)\b|"
        r"\b(work-?up|work up|diagnostic (work-?up|process|evaluation)) (for|of) (suspected |possible )?(?-i:X)\b|"
        # The exams a doctor does for it; how a test shows it ("how does that test show it?").
        r"\bwhat (exams|examinations|tests|checks|investigations|scans) (does|do|will|would|should|might) (an? |the |"
        r"my )?(doctors?|neurologists?|specialists?|gp|they) (do|run|perform|order|use) (for|to (find|diagnose|confirm|"
        r"detect|check for)) (?-i:X)\b|"
        rf"\bhow (does|do|would|will|can|could) (it|that|this|(that|this|the) test|(an? |the |that |this )?"
        rf"{_TEST_NAMES}) (show|detect|confirm|diagnose|find|pick up) ((?-i:X)|it|this|that)\b|"
        # Part of the workup; being evaluated for it; a result that rules it out; how they would find out for sure.
        r"\bpart of (the |a )?(work-?up|work up|diagnostic (work-?up|process|evaluation)|evaluation|assessment)\b|"
        r"\b(evaluated|assessed|investigated|worked up) for (suspected |possible )?(?-i:X)\b|"
        r"\b(does|can|would|will|could) (an? |the |my |his |her )?([\w-]+ ){0,6}?(results?|tests?|scans?|stud(y|ies)|"
        r"emg) rule out (?-i:X)\b|"
        r"\bhow (would|will|can|could|do|does) (they|the doctors?|doctors?|the specialists?|specialists?|we) (find out|"
        r"know|tell|confirm it|be sure)( for (sure|certain))?(?=\s*([.?!]|$))|"
        # What is checked when it is suspected: "which antibodies are checked when X is suspected?".
        r"\b(checked|tested|looked for|measured|ordered|done|run|performed|needed) (when|if) (?-i:X) is "
        r"suspected\b|"
        # How they can be sure someone has it (X: a recognised name).
        r"\bhow (can|do|would|will|could) (they|doctors?|the doctors?|my doctor) (be (sure|certain)|"
        r"know( for sure| for certain)?|tell( for sure| for certain)?|confirm)( that)? (i|he|she|they|you|we|my \w+|"
        r"someone|a person) (have|has|had) (?-i:X)\b",
        re.IGNORECASE)),
    # "Can children get X?" asks who gets it; "will my children get it?" (inheritance) names whose children.
    (SectionType.SUSCEPTIBILITY, re.compile(
        r"\b(can|could|do|does) (children|kids|babies|infants|teens|teenagers|adults|women|men|young people|"
        r"older people|the elderly) (get|have|develop|catch)\b",
        re.IGNORECASE)),
    (SectionType.OUTLOOK, re.compile(
        r"\bwhat (happens|will happen|would happen|can happen) (if|when) ([\w'-]+ ){1,5}?(is|are|goes|go|gets|get|"
        r"was|were) (not treated|untreated|left untreated)\b|\bif (it is |it's )?left untreated\b",
        re.IGNORECASE)),
]


# What a named thing brings about, asked of it: "can X cause choking?", "does X lead to falls?" (X: a recognised
# name). Read as its complications (a medicine's side effects: Answerer.understand), but less surely than a phrasing:
# what it causes may be a name whose own causes answer as well ("does X cause dry mouth?": a passage about X that
# names dry mouth, or dry mouth's causes naming X), so the cue lists' types follow it and a passage of a near type
# that holds what is asked may still come first (BENCHMARKS.md, issue 16, session 22).
_EFFECT_ASKED = re.compile(r"\b(can|could|does|do|will|might|may) (untreated |uncontrolled |severe |advanced )?"
                           r"(?P<subject>(?-i:X)) "
                           r"(ever |also |sometimes |eventually |(get|gets|getting) worse and |progress(es)? and |"
                           r"worsen(s)? and |([\w'-]+ ){1,5}?(and|or) )?"
                           r"(cause|lead to|result in|trigger|bring on) (?!(it|this|that|them|me|him|her|us)\b)",
                           re.IGNORECASE)


def effect_asked(names_x: str) -> bool:
    """Whether ``names_x`` (a question with its recognised names written as "X") asks what a named thing causes."""
    return effect_subject(names_x) is not None


# The same asked of "it" ("my son has X. Can it lead to falls?"): then "it" is the name told before the question.
_EFFECT_OF_IT = re.compile(r"\b(can|could|does|will|might|may) it (ever |also |sometimes |(get|gets) worse and )?"
                           r"(cause|lead to|result in|trigger|bring on)\b", re.IGNORECASE)


def effect_of_it(asked: str) -> bool:
    """Whether ``asked`` asks what "it" causes (see :func:`effect_subject`)."""
    return _EFFECT_OF_IT.search(asked) is not None


def effect_subject(names_x: str) -> int | None:
    """Where in ``names_x`` the "X" stands whose effects it asks, or None when it asks none."""
    found = _EFFECT_ASKED.search(names_x)
    return None if found is None else found.start("subject")


# A message in distress: a poisoning, a reaction, self-harm, an emergency now. Asking then for a line to call asks
# for poison control, a crisis line or emergency help, not for a support group.
_CRISIS = re.compile(
    r"\b(swallow(ed|s)|ingest\w*|overdos\w*|poison\w*|drank|chewed|ate (some|part|all|one|two|a few|several)|"
    r"got into (my|his|her|their|the)|took (too|two|a "
    r"double|double|an extra|extra|more than)|double dose|by mistake|accidental(ly)?|bad reaction|allergic reaction|"
    r"suicid\w*|(kill|hurt|harm)(ing)? (my|him|her|them|your)sel(f|ves)|end(ing)? (my|his|her|their) (own )?life|"
    r"right now|can'?t (get up|breathe|wake)|trouble breathing|emergency)\b",
    re.IGNORECASE)


def in_crisis(text: str) -> bool:
    """Whether ``text`` tells of a poisoning, a reaction, self-harm or an emergency (see _CRISIS)."""
    return _CRISIS.search(text) is not None


def condition_type(asked: str, within: Sequence[tuple[int, int]] | None = None) -> SectionType | None:
    """The type a question about living with a condition asks in words of _CONDITION_CUES, or None; where cues of
    several types fire, the one written first decides. With ``within``, ``asked`` is a whole message and only a
    phrasing that ends inside those spans (its questions) counts."""
    return _first_cued(asked, _CONDITION_CUES, within)
