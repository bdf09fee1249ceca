"""The lead quotes the sentences that answer the type asked about the focus, not those sharing its words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from healthqa.answer.answerer import Answer, Answerer, AnswerItem
from healthqa.answer.lead import LeadChoice, choose_lead
from healthqa.records import Fact, ParsedDocument, Passage, SectionType, SourceInfo, Tier
from healthqa.store import open_store
from kb_builders import GARD, KnowledgeBases, make_document

TOPICS = SourceInfo("Health Topics", "NLM", "https://topics.test", "public domain", Tier.GOVERNMENT_REVIEWED)
GURU = SourceInfo("Guru", "A publisher", "https://guru.test", "CC BY", Tier.REVIEWED_PUBLISHER)
BOT = SourceInfo("Bot articles", "An AI", "https://bot.test", "unknown", Tier.UNREVIEWED)
CATALOGUE = SourceInfo("Orphanet", "INSERM", "https://www.orpha.net", "CC BY 4.0", Tier.GOVERNMENT_REVIEWED)

# Invented conditions, in our own words: each overview has a sentence sharing the question's words that does not
# answer it ("It causes stiff knees": what the condition does, not its cause), and one that does.
KNEELOCK_CAUSE = "Kneelock develops when tiny salt crystals collect inside the knee."
KNEELOCK = (
    "Kneelock is a painful joint disease of older adults. It causes stiff, hot and swollen knees.    "
    f"{KNEELOCK_CAUSE} The crystals are harmless elsewhere in the body.    You can ease kneelock with medicines."
)
PRESSUREX_TREATMENT = "You can keep pressurex in check through daily walks, less salt and medicines when needed."
PRESSUREX = (
    "Pressurex is a raised force of blood in the veins of the legs. A pressurex score of      - 10 or less is "
    "normal    - 20 or more is pressurex    - in between is borderline. Borderline means you may get pressurex "
    f"later, unless you act.    Pressurex rarely shows signs of its own.    {PRESSUREX_TREATMENT}"
)
FEVERISH_SYMPTOMS = "Symptoms of feverish flu start suddenly."
FEVERISH = (
    f"Feverish flu is a chest infection caused by several viruses.    {FEVERISH_SYMPTOMS} They may include     "
    "- Shivers    - Aches    - Coughing        Most people get better in a week."
)
MYASTHENOID_DEFINITION = "Myasthenoid syndrome (MYS) is a rare disorder in which nerves fail to signal muscles."
MYASTHENOID_ANAESTHESIA = (
    "MYS is worsened by some drugs given during anaesthesia. Muscle relaxants may deepen the weakness of MYS. "
    "Doctors should be told about MYS before an operation."
)
BOT_SUPPORT = "Online forums can be a comfort for people with MYS. Ask your doctor about local groups."


def documents() -> list[ParsedDocument]:
    kneelock = make_document("kneelock", "Kneelock", [], [
        (SectionType.INFORMATION, "What is (are) Kneelock ?", KNEELOCK)], source=TOPICS)
    pressurex = make_document("pressurex", "Pressurex", [], [
        (SectionType.INFORMATION, "What is (are) Pressurex ?", PRESSUREX)], source=TOPICS)
    pressurex_legs = make_document("pressurex-legs", "Pressurex in Runners", [], [
        (SectionType.INFORMATION, "What is (are) Pressurex in Runners ?",
         "Runners can get pressurex too. Treatments for pressurex in runners may include rest and stockings.")],
        source=TOPICS)
    feverish = make_document("feverish", "Feverish flu", [], [
        (SectionType.INFORMATION, "What is (are) Feverish flu ?", FEVERISH)], source=TOPICS)
    guru = make_document("guru-mys", "Myasthenoid syndrome", ["MYS"], [
        (SectionType.INFORMATION, "What is the connection between myasthenoid syndrome and anaesthesia?",
         MYASTHENOID_ANAESTHESIA)], source=GURU)
    encyclopedia = make_document("enc-mys", "Myasthenoid syndrome", ["MYS"], [
        (SectionType.INFORMATION, "", MYASTHENOID_DEFINITION)], source=GARD)
    bot = make_document("bot-mys", "What Is Myasthenoid Syndrome?", ["MYS"], [
        (SectionType.SUPPORT_GROUPS, "Where can I find support for myasthenoid syndrome (MYS)?", BOT_SUPPORT),
        (SectionType.INFORMATION, "What is myasthenoid syndrome (MYS)?",
         "Myasthenoid syndrome is a condition that a bot describes at length, at length, at length.")], source=BOT)
    record = ParsedDocument(
        source=CATALOGUE, key="orphanet:900777", title="Myasthenoid syndrome",
        url="https://www.orpha.net/en/disease/detail/900777", focus=["Myasthenoid syndrome"], synonyms=["MYS"],
        codes=[("ORPHA", "900777")],
        passages=[Passage("A rare disorder of the junction between nerve and muscle.", SectionType.INFORMATION,
                          "ORPHA_900777_definition")],
        facts=[Fact("prevalence", "1-9 / 1 000 000", "Point prevalence, Worldwide")],
    )
    return [kneelock, pressurex, pressurex_legs, feverish, guru, encyclopedia, bot, record]


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> Iterator[Answerer]:
    store = open_store(kb_backend.build(tmp_path_factory.mktemp("lead") / "kb.db", documents()))
    try:
        yield Answerer(store, semantic=False)
    finally:
        store.close()


def lead_of(answer: Answer) -> tuple[str, list[str]]:
    """The source and sentences the answer leads with (("", []) for none)."""
    led = [item for item in answer.answers if item.key_sentences]
    assert len(led) <= 1, "one passage leads"
    return (led[0].source, led[0].key_sentences) if led else ("", [])


def test_a_cause_is_what_causes_it_not_what_it_causes(answerer: Answerer) -> None:
    _, sentences = lead_of(answerer.ask("what causes kneelock"))
    assert sentences[0] == KNEELOCK_CAUSE
    assert not any("It causes stiff" in sentence for sentence in sentences)


def test_a_treatment_question_leads_with_the_overviews_treatment_sentence(answerer: Answerer) -> None:
    answer = answerer.ask("how is pressurex treated")
    source, sentences = lead_of(answer)
    # The overview titled with the focus's own name, not the runners' page that merely contains it.
    assert source == "Health Topics" and sentences == [PRESSUREX_TREATMENT]


def test_a_list_after_the_answering_sentence_stays_with_it(answerer: Answerer) -> None:
    _, sentences = lead_of(answerer.ask("what are the symptoms of feverish flu"))
    assert sentences[0] == FEVERISH_SYMPTOMS and sentences[1].startswith("They may include")
    assert "- Coughing" in sentences[1] and "Most people" not in sentences[1]


def test_a_definition_leads_a_what_is_question_over_a_side_topic(answerer: Answerer) -> None:
    source, sentences = lead_of(answerer.ask("what is MYS"))
    assert sentences == [MYASTHENOID_DEFINITION] and source == "GARD"


def test_no_passage_leads_when_none_answers_the_type_asked(answerer: Answerer) -> None:
    answer = answerer.ask("how common is MYS")
    assert answer.facts  # the catalogue's prevalence answers; the anaesthesia passage must not lead under it
    assert lead_of(answer) == ("", [])


def _item(source: str, tier: Tier, section: SectionType, text: str) -> AnswerItem:
    return AnswerItem(id=f"{source}-{section.value}", text=text, source=source, title="Myasthenoid syndrome", url="",
                      date=None, score=1.0, section=section.value, tier=tier.value, licence="", question="")


def test_an_unreviewed_source_leads_only_when_no_reviewed_one_answers(answerer: Answerer) -> None:
    understood = answerer.understand("what is MYS")
    bot = _item("Bot articles", Tier.UNREVIEWED, SectionType.INFORMATION,
                "Myasthenoid syndrome (MYS) is a rare condition of nerves and muscles, a bot says.")
    guru = _item("Guru", Tier.REVIEWED_PUBLISHER, SectionType.INFORMATION, MYASTHENOID_DEFINITION)
    # Ranked first and as well worded, the unreviewed passage still gives way to the reviewed one.
    assert choose_lead(answerer.store, understood, [bot, guru]) == LeadChoice(1, [MYASTHENOID_DEFINITION])
    # Alone, it may lead (the page names it unreviewed); filed under another type, it does not.
    assert choose_lead(answerer.store, understood, [bot]) == LeadChoice(0, [bot.text])
    support = answerer.understand("is there a support group for MYS")
    assert choose_lead(answerer.store, support, [guru]) is None


def test_the_lead_leaves_the_ranking_as_it_was(answerer: Answerer) -> None:
    """The lead is display only: the passages shown, their order and scores are the ranking's."""
    for question in ("what causes kneelock", "how is pressurex treated", "what is MYS"):
        answer = answerer.ask(question, top=5)
        ranked = answerer.rank_ids(question, top=10)
        scores = dict(ranked)
        shown = [item.id for item in answer.answers]
        assert [item.score for item in answer.answers] == [round(scores[i], 4) for i in shown]
        order = [public_id for public_id, _ in ranked if public_id in shown]
        assert shown == order


def test_the_cli_prints_the_lead_with_its_spaces_tidied(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    """The quoted lead keeps the source's words; only the runs of spaces MedQuAD keeps for its layout go."""
    from click.testing import CliRunner

    from healthqa.cli import main
    kb = kb_backend.build(tmp_path / "kb.db", documents())
    result = CliRunner().invoke(main, ["ask", "--db", kb, "what are the symptoms of feverish flu"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if "In short (quoted):" in line]
    assert line.strip() == (f"In short (quoted): {FEVERISH_SYMPTOMS} They may include - Shivers - Aches - Coughing")


def test_a_definition_says_what_the_focus_is_and_an_announced_list_needs_its_list(answerer: Answerer) -> None:
    from healthqa.answer.lead import key_sentences

    understood = answerer.understand("what is kneelock")
    text = ("Kneelock is a painful joint disease of older adults. You are more likely to get kneelock if you     "
            "- Are a miner    - Are over sixty       It can last for years.")
    # "Are a miner" has the words of a definition, but it does not say what kneelock is.
    assert key_sentences(text, understood) == ["Kneelock is a painful joint disease of older adults."]
    symptoms = answerer.understand("what are the symptoms of kneelock")
    lost_list = ("Stiffness that comes and goes, including:\n\nStiffness is worst in kneelock at dawn.\n\n"
                 "Other symptoms often occur, and include:")
    # A sentence announcing a list the text no longer holds says nothing: it never leads.
    assert key_sentences(lost_list, symptoms) == ["Stiffness is worst in kneelock at dawn."]


# A GARD symptom page as MedQuAD keeps it: its question, a sentence of its own, then the Human Phenotype Ontology's
# table announced, flattened and explained (the page's words, shortened; the condition is invented).
GARD_SYMPTOMS = (
    "What are the signs and symptoms of Brindle palsy? Most children with Brindle palsy first have weak ankles. "
    "The Human Phenotype Ontology provides the following list of signs and symptoms for Brindle palsy. If the "
    "information is available, the table below includes how often the symptom is seen in people with this "
    "condition. You can use the MedlinePlus Medical Dictionary to look up the definitions for these medical terms. "
    "Signs and Symptoms Approximate number of patients (when available) Ankle weakness 90% Short stature 50% "
    "The frequency of a sign or symptom is usually listed as a rough estimate of the percentage of patients who "
    "have that feature. The frequency may also be listed as a fraction."
)


def test_nothing_from_a_gard_page_s_phenotype_table_on_is_a_sentence_that_answers() -> None:
    from healthqa.answer.lead import sentences_of

    assert sentences_of(GARD_SYMPTOMS) == ["Most children with Brindle palsy first have weak ankles."]
    table_only = GARD_SYMPTOMS.replace("Most children with Brindle palsy first have weak ankles. ", "")
    assert sentences_of(table_only) == []
