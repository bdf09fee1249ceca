"""The four failure classes of the founding documents, in our own words, over small knowledge bases built here:
a brand name from a page's drug table, type before tier (tests, complications) and support organisations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthqa.answer.answerer import Answerer, Thresholds
from healthqa.answer.rank import Weights
from healthqa.answer.structured import SAVED_COPY
from healthqa.ingest import ingest_path
from healthqa.learned import asked_type as learned_asked_type
from healthqa.records import DrugMention, Organisation, ParsedDocument, SectionType, SourceInfo, Tier
from healthqa.store import open_store
from kb_builders import BLOG, KnowledgeBases, embed_passages, make_document

MEDLINEPLUS = SourceInfo("MedlinePlus", "NLM", "https://medlineplus.test", "public domain", Tier.GOVERNMENT_REVIEWED)
EXAMS_TEXT = ("Doctors confirm the diagnosis with a blood test for calcium channel antibodies and a nerve "
              "conduction study.")
SYMPTOMS_TEXT = ("Most people with Dravelin palsy notice weak hips and thighs first; how tired they get after "
                 "walking is how it is often tested at home for Dravelin palsy.")
COMPLICATIONS_TEXT = "Complications of Dravelin palsy may include breathing problems and falls."
CAUSES_TEXT = ("Dravelin palsy is caused by antibodies; it can cause weakness and can lead to other problems "
               "such as complications of treatment.")
AMIFAMPRIDINE_USAGE = "Amifampridine is used to treat muscle weakness in adults with an autoimmune nerve disorder."
SUPPORT_GROUP = Organisation("Dravelin Palsy Friends", "1 Elm Road, Springfield, IL", "217-555-0199",
                             "help@dravelin.example.org", "https://dravelin.example.org")


def _documents() -> list[ParsedDocument]:
    reviewed = make_document("dravelin", "Dravelin palsy", ["DVP"], [
        (SectionType.SYMPTOMS, "How is Dravelin palsy first noticed and tested for at home?", SYMPTOMS_TEXT),
        (SectionType.CAUSES, "What causes Dravelin palsy?", CAUSES_TEXT),
        (SectionType.TREATMENT, "How is Dravelin palsy treated?",
         "Treatment may include Zorvex and plasma exchange."),
    ], url="")
    reviewed.organisations = [SUPPORT_GROUP]
    reviewed.drugs = [DrugMention("Zorvex", "amifampridine phosphate")]
    article = make_document("dravelin-blog", "Dravelin palsy explained", ["Dravelin palsy"], [
        (SectionType.EXAMS_AND_TESTS, "How is Dravelin palsy tested and diagnosed?", EXAMS_TEXT),
        (SectionType.COMPLICATIONS, "What are the complications of Dravelin palsy?", COMPLICATIONS_TEXT),
    ], source=BLOG)
    drug = make_document("amifampridine", "Amifampridine", [], [
        (SectionType.USAGE, "Why is amifampridine prescribed?", AMIFAMPRIDINE_USAGE),
    ], source=MEDLINEPLUS)
    # A health topic named like a question type: "the side effects of Zorvex" names it too.
    topic = make_document("side-effects", "Side effects", [], [
        (SectionType.INFORMATION, "What are side effects?",
         "Side effects are problems that happen when a medicine does more than it is meant to."),
    ], source=MEDLINEPLUS)
    return [reviewed, article, drug, topic]


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> str:
    return kb_backend.build(tmp_path_factory.mktemp("structured") / "kb.db", _documents(), embed=True)


@pytest.fixture(scope="module")
def answerer(kb_path: str) -> Iterator[Answerer]:
    store = open_store(kb_path)
    yield Answerer(store)
    store.close()


def test_a_brand_from_a_drug_table_is_a_name_and_its_answer_is_the_table_row_then_the_generic(
    answerer: Answerer,
) -> None:
    answer = answerer.ask("what is zorvex?")
    assert not answer.abstained
    assert answer.focus == ["Zorvex"]
    assert [(i.kind, i.fields) for i in answer.structured] == [
        ("drug", {"brand": "Zorvex", "generic": "amifampridine phosphate"})]
    item = answer.structured[0]
    # Cited like a passage: the page had no address, so it is cited as a saved copy, with its source and date.
    assert (item.source, item.title, item.url, item.cited_as, item.date) == (
        "GARD", "Dravelin palsy", "", SAVED_COPY, "2020-05-01")
    assert item.text == "Drug name: Zorvex; Generic name: amifampridine phosphate"
    # The generic's passages follow ("amifampridine phosphate" names the Amifampridine page).
    assert answer.answers and answer.answers[0].text == AMIFAMPRIDINE_USAGE
    # A misspelled brand is still known.
    assert answerer.understand("is zorvexx safe").focus[0].generic == "amifampridine phosphate"


def test_a_brand_whose_generic_has_no_page_still_gets_the_table_row(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    documents = _documents()[:2]
    store = open_store(kb_backend.build(tmp_path / "kb.db", documents, embed=True))
    try:
        answer = Answerer(store).ask("What is Zorvex")
        assert not answer.abstained
        assert [i.fields["generic"] for i in answer.structured] == ["amifampridine phosphate"]
    finally:
        store.close()


def test_how_a_condition_is_tested_gets_the_tests_passage_first(answerer: Answerer) -> None:
    answer = answerer.ask("how is dravelin palsy tested for?")
    assert answer.type == SectionType.EXAMS_AND_TESTS.value
    assert answer.answers[0].text == EXAMS_TEXT  # an unreviewed blog's, but of the type asked


def test_complications_question_gets_the_complications_passage_before_a_better_scored_causes_one(
    kb_path: str, answerer: Answerer,
) -> None:
    question = "What complications can Dravelin palsy cause?"
    answer = answerer.ask(question)
    assert answer.type == SectionType.COMPLICATIONS.value
    assert answer.answers[0].text == COMPLICATIONS_TEXT  # an unreviewed blog's, but of the type asked
    # Without type before tier, the reviewed causes passage (which repeats the question's words) wins: the
    # knowledge base really tests the rule.
    store = open_store(kb_path)
    try:
        untyped = Answerer(store, weights=Weights(type_first_specificity=2.0))
        assert untyped.ask(question).answers[0].text == CAUSES_TEXT
    finally:
        store.close()


def test_a_type_read_from_a_phrasing_comes_first_at_any_margin(kb_path: str) -> None:
    """"What further problems can X cause?" reads as complications from its phrasing, which is surer than a cue
    word in a long message: the complications passage comes first however far the margin is narrowed."""
    store = open_store(kb_path)
    try:
        narrow = Answerer(store, weights=Weights(type_first_margin=-100.0))
        phrased = narrow.ask("what further problems can dravelin palsy cause?")
        assert narrow.understand("what further problems can dravelin palsy cause?").type_phrased
        assert phrased.type == SectionType.COMPLICATIONS.value
        assert phrased.answers[0].text == COMPLICATIONS_TEXT
        # The same type from a cue word keeps the margin: narrowed so, it lifts nothing.
        cued = "What complications can Dravelin palsy cause?"
        assert not narrow.understand(cued, learned_type=False).type_phrased
        assert narrow.ranker.rank(narrow.understand(cued, learned_type=False), limit=3)[0].passage.text == CAUSES_TEXT
        # Unless the learned reading of three types is as sure of it as it must be to overrule a cue word: then it
        # counts as the question's own.
        assert narrow.understand(cued).type_phrased and narrow.understand(cued).type_learned
        assert narrow.ask(cued).answers[0].text == COMPLICATIONS_TEXT
    finally:
        store.close()


def test_without_the_learned_reading_a_long_messages_cued_type_keeps_the_similarity_floor(
        kb_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learned_asked_type, "shipped", lambda: None)
    store = open_store(kb_path)
    try:
        strict = Answerer(store, thresholds=Thresholds(min_semantic_with_focus=1.1))
        story = ("My sister has had weak legs for two years and her neurologist now thinks it might be dravelin "
                 "palsy, which none of us had heard of before, so we are reading everything we can find. "
                 "How is it diagnosed?")
        understood = strict.understand(story)
        assert understood.qtype is SectionType.EXAMS_AND_TESTS and not understood.type_phrased
        assert strict.ask(story).answers == []
    finally:
        store.close()


def test_a_short_questions_type_passage_about_its_condition_is_shown_however_unlike_the_question(
        kb_path: str) -> None:
    """A passage of the type a short question asks, about the condition it names, answers even when its wording
    is little like the question's (a saved page's exams passage whose lists were lost): no similarity floor
    holds it back. Other passages, and the same type cued by a word in a long message, keep the floor (unless the
    learned reading of three types confirms it)."""
    store = open_store(kb_path)
    try:
        strict = Answerer(store, thresholds=Thresholds(min_semantic_with_focus=1.1))
        short = strict.ask("how is dravelin palsy confirmed?")
        assert short.type == SectionType.EXAMS_AND_TESTS.value
        assert [a.text for a in short.answers] == [EXAMS_TEXT]
        story = ("My sister has had weak legs for two years and her neurologist now thinks it might be dravelin "
                 "palsy, which none of us had heard of before, so we are reading everything we can find. "
                 "How is it diagnosed?")
        assert strict.understand(story, learned_type=False).qtype is SectionType.EXAMS_AND_TESTS
        assert not strict.understand(story, learned_type=False).type_phrased
        # The learned reading of three types is sure of the story's question (as sure as it must be to overrule a
        # cue word): its type counts as the question's own, and the exams passage answers at any similarity.
        assert strict.understand(story).type_phrased and strict.understand(story).type_learned
        assert [a.text for a in strict.ask(story).answers] == [EXAMS_TEXT]
        # A long question whose type a phrasing reads from it as a whole is as sure as a short one.
        phrased = ("What happens during the nerve conduction study they want to do on my mother next week to see "
                   "if she has dravelin palsy?")
        assert len(phrased.split()) > 20 and strict.understand(phrased).type_phrased
        assert [a.text for a in strict.ask(phrased).answers] == [EXAMS_TEXT]
    finally:
        store.close()


def test_support_group_question_gets_the_organisations_each_cited(answerer: Answerer) -> None:
    answer = answerer.ask("are there any support groups for people with dravelin palsy?")
    assert answer.type == SectionType.SUPPORT_GROUPS.value
    organisations = [i for i in answer.structured if i.kind == "organisation"]
    assert [i.fields for i in organisations] == [{
        "name": "Dravelin Palsy Friends", "address": "1 Elm Road, Springfield, IL", "phone": "217-555-0199",
        "email": "help@dravelin.example.org", "url": "https://dravelin.example.org"}]
    assert (organisations[0].source, organisations[0].cited_as) == ("GARD", SAVED_COPY)
    assert answer.to_json()["structured"][0]["fields"]["phone"] == "217-555-0199"
    # Organisations answer only a question asking for them.
    assert not answerer.ask("what causes dravelin palsy?").structured


@pytest.mark.parametrize("question", [
    "who can I contact about dravelin palsy?", "are there groups for families dealing with dravelin palsy?"])
def test_asking_whom_to_contact_gets_the_organisations_too(answerer: Answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.type == SectionType.SUPPORT_GROUPS.value
    assert [i.fields["name"] for i in answer.structured if i.kind == "organisation"] == ["Dravelin Palsy Friends"]


_SEEDS = Path(os.environ.get("HEALTHQA_SHARED_SEEDS") or Path(__file__).parents[2].parent / "shared" / "seeds")


@pytest.mark.skipif(not _SEEDS.is_dir(), reason=f"shared seeds folder {_SEEDS} is missing")
def test_the_four_classes_on_the_founding_documents(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    store = open_store(kb_backend.empty(tmp_path / "seeds.db"))
    try:
        assert ingest_path(store, _SEEDS).ok
        embed_passages(store)  # the end of an ingest (healthqa ingest); an answerer never embeds
        answerer = Answerer(store)
        brand = answerer.ask("what is firdapse")
        assert not brand.abstained
        assert [(i.fields["brand"], i.fields["generic"], i.source, i.cited_as) for i in brand.structured] == [
            ("Firdapse", "amifampridine phosphate", "RareGuru (GARD data)", SAVED_COPY)]
        # The other way: the generic, which only the drug table names, answers with the same row.
        generic = answerer.ask("what does amifampridine do?")
        assert not generic.abstained and [i.fields["brand"] for i in generic.structured] == ["Firdapse"]
        for question, section in (("how do they test for LEMS?", "exams and tests"),
                                  ("what complications can lambert eaton syndrome lead to?", "complications")):
            answer = answerer.ask(question)
            assert answer.answers[0].section == section, (question, [a.section for a in answer.answers])
        support = answerer.ask("is there an organization that supports people with LEMS?")
        names = [i.fields["name"] for i in support.structured if i.kind == "organisation"]
        assert names == ["American Autoimmune Related Diseases Association (AARDA)",
                         "Muscular Dystrophy Association MDA"]
        assert support.structured[0].fields["phone"].startswith("586-776-3900")
    finally:
        store.close()


def test_the_answer_page_and_the_cli_show_the_listed_items_cited(kb_path: str, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from healthqa.app import create_app
    from healthqa.cli import main
    from healthqa.config import Settings

    # A knowledge base on a database server has no folder for the communities' file: the app is told where.
    settings = Settings(community_db=str(tmp_path / "people.db"))
    with TestClient(create_app(kb_path, settings)) as client:
        page = client.post("/", data={"q": "are there support groups for dravelin palsy?"}).text
    listed = page[page.index("Listed by the sources"):]
    assert "Support organisation" in listed and "Dravelin Palsy Friends" in listed
    assert 'href="tel:2175550199"' in listed and "1 Elm Road, Springfield, IL" in listed
    assert "GARD" in listed and "2020-05-01" in listed and "Saved copy, no link given" in listed
    output = CliRunner().invoke(main, ["ask", "--db", kb_path, "what is zorvex?"]).output
    assert "Brand name and generic name - Dravelin palsy" in output
    assert "Drug name: Zorvex" in output and "Generic name: amifampridine phosphate" in output
    assert "GARD, 2020-05-01; saved copy" in output


def test_a_drug_table_row_does_not_answer_a_question_about_the_drug_s_side_effects(answerer: Answerer) -> None:
    answer = answerer.ask("what are the side effects of zorvex?")
    assert answer.type == SectionType.SIDE_EFFECTS.value
    assert [item.kind for item in answer.structured] == ["drug"]  # still shown: it names the generic
    # ... but the answer says that no trusted passage tells the side effects, of the brand asked about.
    assert answer.gap is not None
    assert (answer.gap.focus, answer.gap.type) == ("Zorvex", SectionType.SIDE_EFFECTS.value)
    assert answerer.ask("what is zorvex?").gap is None


def test_a_medicine_is_never_said_to_be_treated(answerer: Answerer) -> None:
    answer = answerer.ask("what kind of medicine is zorvex?")
    assert [item.kind for item in answer.structured] == ["drug"]
    assert answer.gap is not None
    assert (answer.gap.type, answer.gap.topic) == (SectionType.INDICATION.value, "why Zorvex is prescribed")


@pytest.mark.parametrize(("question", "asks_its_name"), [
    ("that pricey pill for dravelin palsy, starts with Z i think, what is it called?", True),
    ("what's the generic name of the tablet they give for Dravelin palsy?", True),
    ("brand name of the potassium channel blocker for DVP?", True),
    ("what is the name of the test for Dravelin palsy?", False),
    ("which pills help dravelin palsy?", False),
    ("how is Dravelin palsy treated?", False),
])
def test_asking_what_the_medicine_for_a_condition_is_called_gets_its_pages_drug_table(
    answerer: Answerer, question: str, asks_its_name: bool,
) -> None:
    """A question that names no medicine, only the condition, and asks a medicine's name: the drug table of the
    condition's page answers it, cited like a passage. A question that asks no medicine's name does not get it."""
    drugs = [(i.kind, i.fields, i.title) for i in answerer.ask(question).structured if i.kind == "drug"]
    assert drugs == ([("drug", {"brand": "Zorvex", "generic": "amifampridine phosphate"}, "Dravelin palsy")]
                     if asks_its_name else [])
