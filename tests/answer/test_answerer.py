"""End to end: a small knowledge base built by the test (a SQLite file, then a PostgreSQL database: tests/conftest.py's
``kb_backend``), the real semantic model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from healthqa import learned
from healthqa.answer.answerer import DISCLAIMER, Answerer, corpus_word_test, lowercase_abbreviation_test, name_index
from healthqa.answer.rank import Scored
from healthqa.answer.wording import emergency_actions
from healthqa.cli import main
from healthqa.records import SectionType, SourceInfo, Tier
from healthqa.retrieve.encoder import QUERY_TOKENS, english_words
from healthqa.store import open_store
from healthqa.understand import Understanding
from kb_builders import DOCUMENTS, KALLMANN, LEMS_INHERITANCE, KnowledgeBases, make_document


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory: pytest.TempPathFactory, kb_backend: KnowledgeBases) -> str:
    return kb_backend.build(tmp_path_factory.mktemp("kb") / "kb.db", [KALLMANN, *DOCUMENTS], embed=True)


@pytest.fixture(scope="module")
def answerer(kb_path: str) -> Iterator[Answerer]:
    store = open_store(kb_path)
    yield Answerer(store)
    store.close()


def test_story_question_gets_the_inheritance_passage_first_quoted_and_cited(answerer: Answerer) -> None:
    answer = answerer.ask("hi, my dad was just diagnosed with eaton lambert, is it something my kids can get?")
    assert not answer.abstained and not answer.emergency
    assert answer.type == "inheritance"
    assert "Eaton-Lambert syndrome" in answer.focus
    top = answer.answers[0]
    assert top.text == LEMS_INHERITANCE  # verbatim
    assert (top.source, top.url, top.date, top.tier) == ("GARD", "https://site.test/lems", "2020-05-01",
                                                        "government_reviewed")
    # An unreviewed page never comes first on this evidence (the blog's own question, "Is LEMS hereditary?",
    # is now too far from the story for its passage to be shown at all).
    sources = [a.source for a in answer.answers]
    assert "Some blog" not in sources or sources.index("Some blog") > 0
    assert top.key_sentences and all(sentence in top.text for sentence in top.key_sentences)
    assert answer.disclaimer == DISCLAIMER
    # Related questions are the topic's other questions, not those already answered above.
    shown_one = answerer.ask("is eaton lambert syndrome genetic?", top=1)
    assert any("treated" in r.question for r in shown_one.related)
    assert all(r.id != shown_one.answers[0].id for r in shown_one.related)


def test_treatment_question_with_typo(answerer: Answerer) -> None:
    answer = answerer.ask("how do you treat lambert eaton myasthenic syndrom")
    assert answer.answers[0].id == "LEMS_Sec3.txt"


@pytest.mark.parametrize("question", ["What is the capital of France?", "best pizza recipe with pineapple"])
def test_questions_outside_health_or_the_knowledge_base_abstain(answerer: Answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.abstained and answer.answers == []
    assert answer.reason and answer.disclaimer


def test_emergency_is_flagged_with_guidance(answerer: Answerer) -> None:
    answer = answerer.ask("my dad with gout has crushing chest pain right now")
    assert answer.emergency and answer.emergency_guidance and "emergency" in answer.emergency_guidance
    poisoned = answerer.ask("my 2 year old swallowed some bleach, what do i do?")
    assert poisoned.emergency and poisoned.emergency_guidance and "Poison Control" in poisoned.emergency_guidance
    # One action each, the most likely first for what the question describes, every number a tel: link.
    assert [a.label for a in answer.emergency_actions] == ["Emergency services", "Suicide & Crisis Lifeline",
                                                            "Poison Control"]
    assert [a.number for a in poisoned.emergency_actions] == ["1-800-222-1222", "911", "988"]
    suicidal = answerer.ask("I have been thinking about suicide, is it my depression?")
    assert [a.number for a in suicidal.emergency_actions] == ["988", "911", "1-800-222-1222"]
    assert all(a.tel.startswith("tel:") for a in suicidal.emergency_actions)
    assert answerer.ask("what causes gout?").emergency_actions == []


def test_emergency_actions_order() -> None:
    numbers = {kind: [a.number for a in emergency_actions(kind)] for kind in ("poison", "suicide", "general", "")}
    assert numbers == {"poison": ["1-800-222-1222", "911", "988"], "suicide": ["988", "911", "1-800-222-1222"],
                       "general": ["911", "988", "1-800-222-1222"], "": ["911", "988", "1-800-222-1222"]}
    tels = {a.number: a.tel for a in emergency_actions("general")}
    assert tels == {"911": "tel:911", "988": "tel:988", "1-800-222-1222": "tel:+1-800-222-1222"}


def test_ask_json_shape(kb_path: str) -> None:
    result = CliRunner().invoke(main, ["ask", "--json", "--db", kb_path, "what causes gout?"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("question", "focus", "type", "answers", "abstained", "emergency"):
        assert key in data
    assert data["focus"] == ["Gout"] and data["type"] == "causes" and data["abstained"] is False
    first = data["answers"][0]
    assert {"id", "text", "source", "title", "url", "date", "score"} <= set(first)
    assert first["id"] == "GOUT_Sec1.txt"


def test_ask_prints_readable_answer(kb_path: str) -> None:
    result = CliRunner().invoke(main, ["ask", "--db", kb_path, "what is the capital of France?"])
    assert result.exit_code == 0
    assert "No trusted answer found" in result.output and "not medical advice" in result.output


def test_batch_trec_and_jsonl(kb_path: str, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "7", "question": "what causes gout"}) + "\n"
        + json.dumps({"id": "9", "question": "LEMS treatment"}) + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["batch", str(questions), "--top", "3", "--db", kb_path])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert lines[0][:4] == ["7", "Q0", "GOUT_Sec1.txt", "1"] and lines[0][5] == "healthqa"
    assert {line[0] for line in lines} == {"7", "9"} and all(len(line) == 6 for line in lines)
    ranks = [int(line[3]) for line in lines if line[0] == "9"]
    assert ranks == sorted(ranks) and ranks[0] == 1
    result = CliRunner().invoke(main, ["batch", str(questions), "--format", "jsonl", "--db", kb_path])
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in records] == ["7", "9"] and records[0]["answers"][0]["id"] == "GOUT_Sec1.txt"


def test_batch_rejects_bad_lines_naming_the_line(kb_path: str, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": 1, "question": "gout"}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(questions), "--db", kb_path])
    assert result.exit_code == 1 and f"{questions}:2" in result.output


def test_catalogue_facts_answer_inheritance_with_attribution(answerer: Answerer) -> None:
    answer = answerer.ask("how is kallmann syndrome inherited?")
    assert not answer.abstained
    [fact] = answer.facts
    assert (fact.text, fact.source, fact.url) == ("X-linked recessive", "Orphanet",
                                                  "https://www.orpha.net/en/disease/detail/478")
    assert "CC BY 4.0" in fact.attribution
    assert answerer.ask("how common is kallmann syndrome?").facts[0].text == "1-9 / 100 000"


def test_corpus_word_test_knows_the_words_of_the_passages(kb_path: str) -> None:
    store = open_store(kb_path)
    try:
        known = corpus_word_test(store, passages=1)
        assert known("predisposition") and known("crystals")
        assert not known("predispozition")
        assert not corpus_word_test(store, passages=1000)("predisposition")
    finally:
        store.close()


def test_english_words_are_not_corrected_into_names(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    documents = [
        make_document("snuff", "Snuff", [], [(SectionType.INFORMATION, "What is snuff?", "Snuff is tobacco.")]),
        make_document("lice", "Lice", [], [(SectionType.INFORMATION, "What are lice?", "Lice are insects.")]),
        make_document("fever", "Fever", [], [(SectionType.INFORMATION, "What is fever?", "A high temperature.")]),
    ]
    store = open_store(kb_backend.build(tmp_path / "kb.db", documents))
    try:
        names = name_index(store)
        # None of these words is in the passages: the encoder's vocabulary tells English from a typo.
        assert {"stuff", "nice"} <= english_words() and "feever" not in english_words()
        assert not names.find("all this stuff is nice")
        assert [m.name for m in names.find("my son has a feever")] == ["Fever"]
    finally:
        store.close()


def test_lowercase_abbreviation_test_reads_how_the_passages_write_a_word(
    tmp_path: Path, kb_backend: KnowledgeBases,
) -> None:
    documents = [
        make_document("copd", "Chronic obstructive pulmonary disease", ["COPD"], [
            (SectionType.INFORMATION, "What is COPD?", "COPD is a lung disease that makes breathing hard."),
            (SectionType.TREATMENT, "How is COPD treated?", "Inhalers help. ALS is another disease."),
        ]),
        make_document("sad", "Seasonal affective disorder", ["SAD"], [
            (SectionType.INFORMATION, "What is SAD?", "People with SAD feel sad in winter. ALS is not SAD."),
        ]),
    ]
    store = open_store(kb_backend.build(tmp_path / "kb.db", documents))
    try:
        reads = lowercase_abbreviation_test(store, three_letter_mentions=1)
        assert reads("copd")  # the passages write it only as COPD
        assert not reads("sad")  # an everyday word as well as SAD
        # Three letters: an abbreviation only when enough passages use it ("med", "atm" are chat words).
        assert reads("als")
        assert not lowercase_abbreviation_test(store, three_letter_mentions=3)("als")
    finally:
        store.close()


def test_a_text_is_quoted_once_however_many_pages_repeat_it(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    shared = "This condition is inherited in an autosomal recessive pattern, which means both copies of the gene."
    documents = [
        make_document(key, title, [], [
            (SectionType.INFORMATION, f"What is {title}?", f"{title} is a rare disorder of the {organ}."),
            (SectionType.INHERITANCE, f"Is {title} inherited?", shared),
        ])
        for key, title, organ in [("alpha", "Alpha syndrome", "liver"), ("beta", "Beta syndrome", "kidney"),
                                  ("gamma", "Gamma syndrome", "skin")]
    ]
    store = open_store(kb_backend.build(tmp_path / "kb.db", documents))
    try:
        ranked = Answerer(store, semantic=False).rank_ids("is beta syndrome inherited?", top=10)
        ids = [public_id for public_id, _ in ranked]
        assert ids[0] == "BETA_Sec2.txt"  # the asked condition's copy of the shared text
        assert not {"ALPHA_Sec2.txt", "GAMMA_Sec2.txt"} & set(ids)
        assert len(ids) == len(set(ids)) == 4  # the other passages still fill the list
    finally:
        store.close()


def test_a_brand_name_list_answers_only_a_question_about_names(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    drug = make_document("cipro", "Ciprofloxacin", ["Cipro"], [
        (SectionType.USAGE, "How should Ciprofloxacin be used?",
         "Do not take ciprofloxacin with dairy products such as milk alone."),
        (SectionType.BRAND_NAMES, "What are the brand names of Ciprofloxacin?",
         "- Cipro Oral Suspension  - Cipro Tablets  - Cipro XR"),
    ])
    store = open_store(kb_backend.build(tmp_path / "kb.db", [drug, *DOCUMENTS]))
    try:
        answerer = Answerer(store, semantic=False)
        asked_with_milk = [public_id for public_id, _ in answerer.rank_ids("can i take cipro with milk?")]
        assert asked_with_milk[0] == "CIPRO_Sec1.txt" and "CIPRO_Sec2.txt" not in asked_with_milk
        asked_for_names = answerer.rank_ids("what is the brand name of ciprofloxacin?")
        assert asked_for_names[0][0] == "CIPRO_Sec2.txt"
    finally:
        store.close()


def test_ranking_compares_the_adapted_question_vector(answerer: Answerer) -> None:
    ranker = answerer.ranker
    assert answerer.encoder is not None and ranker.adapter is learned.query_adapter()
    understood = answerer.understand("is eaton lambert syndrome genetic?")
    raw = answerer.encoder.encode([understood.expanded[:1000]], max_tokens=QUERY_TOKENS)[0]
    adapted = ranker.adapter(raw)
    top = ranker.rank(understood, limit=1)[0]
    rowid = top.passage.rowid
    # The adapted cosine, on the encoder's own similarity scale.
    expected = ranker.adapter.similarity(ranker.index.similarity(adapted, [rowid])[rowid])
    assert top.features["semantic"] == pytest.approx(expected, abs=1e-5)
    shipped, ranker.adapter = ranker.adapter, None
    try:
        plain = {s.passage.rowid: s for s in ranker.rank(understood, limit=50)}[rowid]
        assert plain.features["semantic"] == pytest.approx(ranker.index.similarity(raw, [rowid])[rowid], abs=1e-5)
        assert plain.features["semantic"] != pytest.approx(top.features["semantic"], abs=1e-4)
    finally:
        ranker.adapter = shipped


def test_answer_cache_returns_equal_independent_copies_and_forgets_the_oldest(kb_path: str) -> None:
    store = open_store(kb_path)
    try:
        answerer = Answerer(store, cache_size=2)
        ranked: list[str] = []
        rank = answerer.ranker.rank

        def counting_rank(understood: Understanding, limit: int = 10, pool: int = 100) -> list[Scored]:
            ranked.append(understood.text)
            return rank(understood, limit, pool)

        answerer.ranker.rank = counting_rank  # type: ignore[method-assign]
        question = "Is Lambert-Eaton myasthenic syndrome inherited?"
        first = answerer.ask(question, top=3)
        again = answerer.ask(question, top=3)
        assert ranked == [question]
        assert again.to_json() == first.to_json() and again is not first
        hit = answerer.cached(question, top=3)
        assert hit is not None and hit.to_json() == first.to_json()
        assert answerer.cached("How is gout treated?", top=3) is None
        again.answers.clear()
        assert answerer.ask(question, top=3).to_json() == first.to_json()
        answerer.ask(question, top=1)  # another top is another answer
        answerer.ask("How is gout treated?", top=3)  # the cache holds two: the first question goes
        answerer.ask(question, top=3)
        assert ranked == [question, question, "How is gout treated?", question]
        uncached = Answerer(store)
        uncached.ask(question)
        assert len(uncached._cache) == 0
    finally:
        store.close()


def test_an_abbreviated_condition_is_answered_from_its_own_pages_not_from_a_listed_other_condition(
    tmp_path: Path, kb_backend: KnowledgeBases,
) -> None:
    # GARD lists each of LEMS and congenital myasthenic syndrome (CMS) among the other's synonyms; only CMS has
    # an inheritance section, and other conditions' "Is X inherited?" pages match the question's wording.
    lems_causes = ("Lambert-Eaton myasthenic syndrome is an autoimmune disorder: the immune system attacks "
                   "the calcium channels of nerve endings. Many cases are associated with small cell lung cancer.")
    documents = [
        make_document("gard-lems", "Lambert Eaton myasthenic syndrome",
                      ["LEMS", "Eaton Lambert syndrome", "Congenital myasthenic syndrome"], [
            (SectionType.INFORMATION, "What is Lambert Eaton myasthenic syndrome?",
             "Lambert Eaton myasthenic syndrome is a disorder of the neuromuscular junction causing weakness."),
            (SectionType.CAUSES, "What causes Lambert Eaton myasthenic syndrome?", lems_causes),
        ]),
        make_document("gard-cms", "Congenital myasthenic syndrome", ["CMS", "Lambert Eaton myasthenic syndrome"], [
            (SectionType.INHERITANCE, "Is congenital myasthenic syndrome inherited?",
             "Congenital myasthenic syndrome is usually inherited in an autosomal recessive pattern."),
        ]),
        make_document("gard-alport", "Alport syndrome", [], [
            (SectionType.INHERITANCE, "Is Alport syndrome inherited?",
             "Alport syndrome can be inherited in an X-linked, autosomal recessive or dominant pattern."),
        ]),
    ]
    store = open_store(kb_backend.build(tmp_path / "kb.db", documents, embed=True))
    try:
        answer = Answerer(store).ask("is LEMS inherited?")
    finally:
        store.close()
    assert answer.focus == ["LEMS"] and answer.type == "inheritance"
    assert answer.answers and answer.answers[0].title == "Lambert Eaton myasthenic syndrome"
    assert not any(a.title in ("Congenital myasthenic syndrome", "Alport syndrome") for a in answer.answers)


EVERYDAY_PAGES = [
    ("heart", "Heart health", "Regular exercise lowers blood pressure within a few weeks in most adults."),
    ("knees", "Knee pain", "Gentle exercise such as swimming keeps the knee joint moving without strain."),
    ("back", "Back pain", "Exercise that strengthens the core muscles can ease long-lasting back pain."),
    ("sleep", "Sleep problems", "Exercise early in the day helps many people fall asleep at night."),
    ("mood", "Low mood", "Exercise and time outdoors can lift low mood in mild cases."),
    ("bones", "Bone health", "Weight-bearing exercise keeps bones strong as people age."),
    ("sugar", "Blood sugar", "Exercise helps the muscles take up sugar from the blood."),
    ("weight", "Healthy weight", "Exercise and a balanced diet help keep a healthy weight."),
    ("lungs", "Lung health", "Exercise that makes you breathe harder trains the breathing muscles."),
    ("balance", "Falls in older adults", "Balance exercise such as tai chi lowers the chance of a fall."),
    ("stress", "Stress", "Exercise is one of the ways many people ease stress."),
    ("pregnancy", "Pregnancy and activity", "Moderate exercise is safe for most people during pregnancy."),
]


def test_an_everyday_name_does_not_restrict_the_answer_to_its_own_page(
    tmp_path: Path, kb_backend: KnowledgeBases,
) -> None:
    # "Exercise" is a page title, but most pages mention exercise: naming it is not naming a condition, and its
    # page is not one of the pages the answer keeps beside a specific name's.
    exercise = make_document("exercise", "Exercise", [], [
        (SectionType.INFORMATION, "What is exercise?", "Exercise is planned physical activity, done on purpose."),
    ])
    pages = [make_document(key, title, [], [(SectionType.TREATMENT, f"How is {title.lower()} helped?", text)])
             for key, title, text in EVERYDAY_PAGES]
    store = open_store(kb_backend.build(tmp_path / "kb.db", [*DOCUMENTS, exercise, *pages], embed=True))
    try:
        answerer = Answerer(store)
        assert answerer.ranker.specificity("exercise") < answerer.thresholds.specific_name
        everyday = answerer.understand("does exercise lower blood pressure?")
        assert [m.name for m in everyday.focus] == ["Exercise"]
        assert answerer.ranker.specificity_beside_own_pages(everyday.focus[0]) < answerer.thresholds.specific_name
        ranked = answerer.ranker.rank(everyday)
        assert {"Exercise", "Heart health"} <= {s.passage.title for s in ranked}
        assert answerer._about_named_condition(ranked, everyday) == ranked  # nothing dropped
        # A specific name restricts the passages to its condition's pages, even beside an everyday one.
        specific = answerer.understand("what causes gout, is it exercise?")
        ranked = answerer.ranker.rank(specific)
        assert {"Gout", "Exercise"} <= {s.passage.title for s in ranked}
        assert {s.passage.title for s in answerer._about_named_condition(ranked, specific)} == {"Gout"}
    finally:
        store.close()


def test_a_complications_phrasing_asked_of_a_medicine_asks_its_side_effects(
    tmp_path: Path, kb_backend: KnowledgeBases
) -> None:
    """A condition's complications are a medicine's side effects: "what are the risks of X?" and "can X affect my
    liver in the long run?" read as side effects when X is a medicine page, as complications when a condition."""
    drugs = SourceInfo("MedlinePlus Drug Information", "NLM", "https://medlineplus.test", "public domain",
                       Tier.GOVERNMENT_REVIEWED)
    drug = make_document("zorvexin", "Zorvexin", [], [
        (SectionType.SIDE_EFFECTS, "What are the side effects of Zorvexin?", "Zorvexin may cause nausea.")],
        source=drugs)
    condition = make_document("quellosis", "Quellosis", [], [
        (SectionType.COMPLICATIONS, "What are the complications of Quellosis?", "Quellosis may harm the kidneys.")])
    store = open_store(kb_backend.build(tmp_path / "kb.db", [drug, condition]))
    try:
        answerer = Answerer(store, semantic=False)
        for question in ("what are the risks of zorvexin?", "can zorvexin affect my liver in the long run?",
                         "can zorvexin cause a rash?"):
            understood = answerer.understand(question)
            assert understood.qtype is SectionType.SIDE_EFFECTS, question
            assert SectionType.COMPLICATIONS not in understood.qtypes
        for question in ("what are the risks of quellosis?", "can quellosis affect my liver in the long run?",
                         "I take zorvexin: can quellosis affect my liver in the long run?",
                         "can quellosis cause a rash?"):
            assert answerer.understand(question).qtype is SectionType.COMPLICATIONS, question
        # The phrasing is about the medicine, though a condition is named first.
        assert answerer.understand("I have quellosis, what are the risks of zorvexin?").qtype is (
            SectionType.SIDE_EFFECTS)
        assert answerer.ask("what are the risks of zorvexin?").answers[0].text == "Zorvexin may cause nausea."
        # What the learned reading of three types decides or confirms for complications is not kept for side effects
        # (it reads the question's sentence vector: an answerer with the encoder).
        reading = Answerer(store)
        long_term = reading.understand("what complications can zorvexin cause long term?")
        assert long_term.qtype is SectionType.SIDE_EFFECTS and not long_term.type_learned
        confirmed = reading.understand("what complications can quellosis cause long term?")
        assert confirmed.qtype is SectionType.COMPLICATIONS and confirmed.type_learned and confirmed.type_phrased
        assert not reading.understand("what complications can zorvexin cause long term?").type_phrased
    finally:
        store.close()
