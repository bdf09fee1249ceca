"""What a question asks beyond its topic comes first (Ranker._asked_first): "does X affect breathing?" is answered by
the passage about X that says "breathing", even from a page of a lower tier; "does X cause dry mouth?" by a
passage about X that names dry mouth, not by the causes of dry mouth. Over a small knowledge base built here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from healthqa import learned
from healthqa.answer.answerer import Answerer
from healthqa.answer.gap import find_gap
from healthqa.answer.rank import LEARNED_FEATURES, Weights
from healthqa.answer.wording import mentioned_only
from healthqa.learned.ranker import LearnedRanker
from healthqa.records import SectionType
from healthqa.store import open_store
from kb_builders import BLOG, KnowledgeBases, make_document

OVERVIEW = ("Marvelle syndrome is a rare disorder in which the body's defences attack the places where nerves "
            "meet muscles, so that muscles tire and weaken.")
CHILDREN = "It is rare in children."
CAUSES = f"Marvelle syndrome is an autoimmune disorder: antibodies attack the endings of the nerves. {CHILDREN}"
ZORBITANE = "Zorbitane helps the nerves release their signal."
TREATMENT = f"Treatment of Marvelle syndrome may include plasma exchange and medicines. {ZORBITANE}"
TESTS = "Blood tests for the antibodies and a nerve conduction study confirm Brindle disease."
RESEARCH = "Researchers are finding out why the body's defences attack the nerves in Brindle disease."
# On an unreviewed page: the only passage that says anything about breathing or a dry mouth.
BREATHING_SENTENCE = "It can weaken the muscles used for breathing, most often during effort."
BREATHING = f"Marvelle syndrome tires the legs first, then the arms. {BREATHING_SENTENCE}"
DRY_MOUTH = "Marvelle syndrome often causes a dry mouth, dry eyes and constipation."
DRY_MOUTH_CAUSES = ("Dry mouth is caused by salivary glands that make too little saliva; some medicines and some "
                    "diseases cause it.")


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> str:
    reviewed = make_document("marvelle", "Marvelle syndrome", [], [
        (SectionType.INFORMATION, "What is Marvelle syndrome?", OVERVIEW),
        (SectionType.CAUSES, "What causes Marvelle syndrome?", CAUSES),
        (SectionType.TREATMENT, "How is Marvelle syndrome treated?", TREATMENT),
    ])
    blog = make_document("marvelle-blog", "Marvelle syndrome", [], [
        (SectionType.COMPLICATIONS, "Complications", BREATHING),
        (SectionType.SYMPTOMS, "What are the symptoms of Marvelle syndrome?", DRY_MOUTH),
    ], source=BLOG)
    dry_mouth = make_document("dry-mouth", "Dry mouth", ["Xerostomia"], [
        (SectionType.CAUSES, "What causes dry mouth?", DRY_MOUTH_CAUSES),
        (SectionType.INFORMATION, "What is dry mouth?", "Dry mouth is the feeling that there is too little saliva."),
    ])
    brindle = make_document("brindle", "Brindle disease", [], [
        (SectionType.INFORMATION, "What is Brindle disease?", "Brindle disease is a rare disorder of the nerves."),
        (SectionType.EXAMS_AND_TESTS, "How is Brindle disease diagnosed?", TESTS),
        (SectionType.RESEARCH, "What research is being done on Brindle disease?", RESEARCH),
    ])
    return kb_backend.build(tmp_path_factory.mktemp("asked") / "kb.db", [reviewed, blog, dry_mouth, brindle],
                            embed=True)


@pytest.fixture(scope="module")
def answerer(kb_path: str) -> Iterator[Answerer]:
    store = open_store(kb_path)
    yield Answerer(store)
    store.close()


def first_text(answerer: Answerer, question: str) -> str:
    return answerer.ranker.rank(answerer.understand(question), limit=5)[0].passage.text


def test_the_passage_that_says_what_is_asked_comes_first_even_from_a_lower_tier(answerer: Answerer) -> None:
    question = "does marvelle syndrome affect breathing?"
    # Read as no cue reads it (the learned reading of three types takes it as complications, whose passage here says
    # "breathing" too: the answer below is the same).
    ranked = answerer.ranker.rank(answerer.understand(question, learned_type=False), limit=5)
    assert ranked[0].passage.text == BREATHING
    assert ranked[0].passage.tier == "unreviewed"
    # Without the rule authority would win: the reviewed passages score higher.
    assert ranked[0].score < max(item.score for item in ranked[1:])
    off = Answerer(answerer.store, weights=Weights(asked_first=0.0))
    assert off.ranker.rank(off.understand(question, learned_type=False), limit=5)[0].passage.text != BREATHING
    assert answerer.understand(question).qtype is SectionType.COMPLICATIONS
    answer = answerer.ask(question)
    assert answer.answers[0].text == BREATHING and answer.answers[0].tier == "unreviewed"


def test_of_two_topics_the_passage_about_one_that_names_the_other_comes_first(answerer: Answerer) -> None:
    understood = answerer.understand("does marvelle syndrome cause dry mouth?")
    assert {match.name for match in understood.focus} >= {"Marvelle syndrome", "Dry mouth"}
    ranked = answerer.ranker.rank(understood, limit=5)
    assert ranked[0].passage.text == DRY_MOUTH
    # Without the rule the causes of dry mouth would come first: they score higher.
    assert ranked[0].score < max(item.score for item in ranked[1:] if item.passage.text == DRY_MOUTH_CAUSES)


def test_a_question_that_asks_nothing_beyond_its_topic_and_type_is_left_alone(answerer: Answerer) -> None:
    assert first_text(answerer, "what causes marvelle syndrome?") == CAUSES
    assert first_text(answerer, "what causes dry mouth?") == DRY_MOUTH_CAUSES


def test_when_no_passage_says_what_is_asked_the_order_stays(answerer: Answerer) -> None:
    # "hearing": no passage holds it, so nothing is lifted and the ranking is the one without the rule.
    understood = answerer.understand("does marvelle syndrome affect hearing?")
    ranked = answerer.ranker.rank(understood, limit=5)
    assert [item.score for item in ranked] == sorted((item.score for item in ranked), reverse=True)


def test_a_server_s_answerer_lifts_the_same_passage(answerer: Answerer) -> None:
    server = Answerer(answerer.store, in_memory=True)
    assert server.ranker.passage_lexical is not None
    for question in ("does marvelle syndrome affect breathing?", "does marvelle syndrome cause dry mouth?"):
        assert first_text(server, question) == first_text(answerer, question)


def test_the_shipped_question_words_are_template_words_not_what_people_ask_about() -> None:
    words = learned.question_words()
    assert {"caus", "affect", "symptom", "treatment", "what"} <= words
    assert not {"breath", "children", "dry", "mouth", "antibodi"} & words


def test_the_lead_quotes_the_sentence_that_says_what_is_asked(answerer: Answerer) -> None:
    breathing = answerer.ask("does marvelle syndrome affect breathing?").answers[0]
    assert breathing.text == BREATHING and breathing.key_sentences == [BREATHING_SENTENCE]
    dry = answerer.ask("does marvelle syndrome cause dry mouth?").answers[0]
    assert dry.key_sentences == [DRY_MOUTH]


def test_when_a_cue_names_the_type_only_a_passage_of_that_type_or_a_related_one_is_lifted(answerer: Answerer) -> None:
    # "find" and "out" are no template words and the research passage holds both; it answers nothing of how one
    # finds out (the type asked is "exams and tests"), so the tests passage stays first.
    understood = answerer.understand("how do you find out if you have brindle disease?")
    assert understood.type_cued and understood.qtype is SectionType.EXAMS_AND_TESTS
    assert first_text(answerer, "how do you find out if you have brindle disease?") == TESTS
    off = Answerer(answerer.store, weights=Weights(asked_first=0.0))
    assert first_text(off, "how do you find out if you have brindle disease?") == TESTS


def test_a_lead_that_quotes_what_is_asked_answers_so_no_gap_is_claimed(answerer: Answerer) -> None:
    question = "can children get marvelle syndrome?"
    answer = answerer.ask(question)
    assert answer.type == SectionType.SUSCEPTIBILITY.value  # no passage is filed under it
    assert answer.answers[0].text == CAUSES and answer.answers[0].key_sentences == [CHILDREN]
    assert answer.gap is None
    # No passage shown is of the type asked: without the quoted sentence the gap would be claimed.
    gap = find_gap(answerer.store, answerer.understand(question), answer.answers, False)
    assert gap is not None and gap.type == SectionType.SUSCEPTIBILITY.value


def test_a_medicine_no_page_is_about_is_answered_by_the_passage_that_mentions_it_and_says_so(
    answerer: Answerer,
) -> None:
    answer = answerer.ask("what is zorbitane?")
    assert not answer.focus and not answer.abstained
    assert [item.text for item in answer.answers] == [TREATMENT]  # nothing else holds the word
    assert answer.answers[0].key_sentences == [ZORBITANE]
    assert answer.mentioned == mentioned_only("zorbitane")
    assert answer.to_json()["mentioned"].startswith("healthqa has no page about \u201czorbitane\u201d")
    # Something no passage mentions is still no answer.
    unknown = answerer.ask("what is quibblefex?")
    assert unknown.abstained and not unknown.mentioned
    # A question that names a topic says nothing of the kind.
    assert not answerer.ask("does marvelle syndrome affect breathing?").mentioned


def test_the_page_and_the_cli_say_that_the_passages_only_mention_it(kb_path: str, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from healthqa.app import create_app
    from healthqa.cli import main
    from healthqa.config import Settings

    with TestClient(create_app(kb_path, Settings(community_db=str(tmp_path / "people.db")))) as client:
        page = client.post("/", data={"q": "what is zorbitane?"}).text
    note = "healthqa has no page about \u201czorbitane\u201d; the passages below only mention it."
    assert note in page and page.index(note) < page.index("Quoted answers")
    output = CliRunner().invoke(main, ["ask", "--db", kb_path, "what is zorbitane?"]).output
    assert note in output and "Zorbitane helps the nerves release their signal." in output


def test_a_learned_order_keeps_what_is_asked_first(answerer: Answerer) -> None:
    # The learned ranker (off in ask) re-orders the best candidates; the passage that says "breathing" stays first.
    size = len(LEARNED_FEATURES)
    longest_first = learned.LinearModel(LEARNED_FEATURES, (0.0,) * size, (1.0,) * size,
                                        tuple(1.0 if n == "log_words" else 0.0 for n in LEARNED_FEATURES), 0.0)
    ranker = Answerer(answerer.store).ranker
    ranker.learned = LearnedRanker(longest_first, type_first_margin=-1.0, depth=50)
    ranked = ranker.rank(answerer.understand("does marvelle syndrome affect breathing?", learned_type=False), limit=5)
    assert ranked[0].passage.text == BREATHING and ranked[0].asked_lifted
    words = [len(s.passage.text.split()) for s in ranked[1:]]
    assert words == sorted(words, reverse=True)  # the rest in the learned order (longest first)
    general = ranker.rank(answerer.understand("what is marvelle syndrome?"), limit=5)
    assert not general[0].asked_lifted  # nothing asked beyond the topic: the learned order stands
    assert [len(s.passage.text.split()) for s in general] == sorted((len(s.passage.text.split()) for s in general),
                                                                   reverse=True)
