from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from healthqa.errors import BadInputError
from healthqa.ingest import ingest_path, mediqa
from healthqa.records import SectionType, Tier
from healthqa.store import SQLiteStore

Answer = tuple[str, str, str]  # (AID, URL, text)

MAYO = "https://www.mayoclinic.org/diseases-conditions/made-up-itch/symptoms-causes/syc-1"
GARD = "https://rarediseases.info.nih.gov/diseases/99/made-up-itch"
ENCYCLOPEDIA = "https://medlineplus.gov/ency/article/000001.htm"


def write_set(
    path: Path, questions: dict[str, list[Answer]], root_tag: str = "MEDIQA2019-Task3-QA-ValidationSet"
) -> Path:
    root = ET.Element(root_tag)
    for qid, answers in questions.items():
        question = ET.SubElement(root, "Question", QID=qid)
        ET.SubElement(question, "QuestionText").text = f"Consumer question {qid} about an itch?"
        answer_list = ET.SubElement(question, "AnswerList")
        for rank, (aid, url, text) in enumerate(answers, start=1):
            answer = ET.SubElement(
                answer_list,
                "Answer",
                AID=aid,
                SystemRank=str(rank),
                ReferenceRank=str(rank),
                ReferenceScore="4",
            )
            ET.SubElement(answer, "AnswerURL").text = url
            ET.SubElement(answer, "AnswerText").text = text
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return path


QUESTIONS: dict[str, list[Answer]] = {
    "1": [
        ("1_Answer1", MAYO, "Made-up itch: Made-up itch is an invented skin complaint. It itches."),
        ("1_Answer2", MAYO, "Made-up itch (Symptoms): Scratching, mostly at night."),
        ("1_Answer3", GARD, "What are the treatments for Made-up itch?: Cool made-up cream."),
        ("1_Answer4", "#", "Itching (Summary): Summary An itch makes you want to scratch."),
    ],
    "2": [
        # The same span retrieved again for another question, under a new AID.
        ("2_Answer1", MAYO, "Made-up itch (Symptoms): Scratching, mostly at night."),
        ("2_Answer2", MAYO, "Made-up itch (Risk factors): Wool sweaters."),
        (
            "2_Answer3",
            ENCYCLOPEDIA,
            "Made-up itch (Made-up itch, Pruritus fictus , Itch - made up , MUI See More): "
            "An itch that is made up.",
        ),
        ("2_Answer4", "https://www.example.org/itch", "Itch facts: Ratio 3:1 of night to day itching."),
    ],
}


def test_answers_grouped_by_page(tmp_path: Path) -> None:
    path = write_set(tmp_path / "qa-validation.xml", QUESTIONS)
    documents = {d.key: d for d in mediqa.read(path)}
    assert set(documents) == {
        f"mediqa:qa-validation:{MAYO}",
        f"mediqa:qa-validation:{GARD}",
        "mediqa:qa-validation:#Itching",
        f"mediqa:qa-validation:{ENCYCLOPEDIA}",
        "mediqa:qa-validation:https://www.example.org/itch",
    }

    mayo = documents[f"mediqa:qa-validation:{MAYO}"]
    assert mayo.title == "Made-up itch"
    assert mayo.url == MAYO
    assert mayo.source.name == "Mayo Clinic (MEDIQA 2019)"
    assert mayo.source.tier is Tier.REVIEWED_PUBLISHER
    assert mayo.source.licence == "MEDIQA 2019 research use; text © its publisher"
    # 2_Answer1 repeats 1_Answer2's words and is dropped.
    assert [(p.public_id, p.section, p.heading, p.text) for p in mayo.passages] == [
        (
            "qa-validation:1_Answer1",
            SectionType.INFORMATION,
            "Made-up itch",
            "Made-up itch is an invented skin complaint. It itches.",
        ),
        (
            "qa-validation:1_Answer2",
            SectionType.SYMPTOMS,
            "Made-up itch (Symptoms)",
            "Scratching, mostly at night.",
        ),
        (
            "qa-validation:2_Answer2",
            SectionType.SUSCEPTIBILITY,
            "Made-up itch (Risk factors)",
            "Wool sweaters.",
        ),
    ]
    assert all(p.precedence == 0 for p in mayo.passages)

    gard = documents[f"mediqa:qa-validation:{GARD}"]
    assert gard.title == "Made-up itch"
    assert gard.source.tier is Tier.GOVERNMENT_REVIEWED
    assert gard.passages[0].section is SectionType.TREATMENT
    assert gard.passages[0].text == "Cool made-up cream."

    unattributed = documents["mediqa:qa-validation:#Itching"]
    assert unattributed.url == ""
    assert unattributed.source.tier is Tier.UNREVIEWED
    assert unattributed.passages[0].text == "Summary An itch makes you want to scratch."

    encyclopedia = documents[f"mediqa:qa-validation:{ENCYCLOPEDIA}"]
    assert encyclopedia.source.name == "A.D.A.M. Medical Encyclopedia (MEDIQA 2019)"
    assert encyclopedia.title == "Made-up itch"
    assert encyclopedia.synonyms == ["Pruritus fictus", "Itch - made up", "MUI"]
    assert encyclopedia.passages[0].text == "An itch that is made up."

    other = documents["mediqa:qa-validation:https://www.example.org/itch"]
    assert other.title == "Itch facts"
    assert other.source.name == "example.org (MEDIQA 2019)"
    assert other.source.tier is Tier.REVIEWED_PUBLISHER
    assert other.passages[0].text == "Ratio 3:1 of night to day itching."


def test_reference_judgments_are_not_kept(tmp_path: Path) -> None:
    documents = mediqa.read(write_set(tmp_path / "qa-validation.xml", QUESTIONS))
    for document in documents:
        assert document.questions == []
        for passage in document.passages:
            assert "ReferenceScore" not in passage.text and "Consumer question" not in passage.text


def test_text_without_a_title_prefix(tmp_path: Path) -> None:
    url = "https://www.niddk.nih.gov/health-information/made-up-gut"
    path = write_set(tmp_path / "qa-x.xml", {"1": [("1_Answer1", url, "No prefix here, just words.")]})
    [document] = mediqa.read(path)
    assert document.title == "made up gut"
    assert document.source.name == "NIDDK (MEDIQA 2019)"
    assert document.passages[0].text == "No prefix here, just words."
    assert document.passages[0].heading == ""


@pytest.mark.parametrize(
    ("url", "name", "tier"),
    [
        (
            "https://medlineplus.gov/ency/article/1.htm",
            "A.D.A.M. Medical Encyclopedia",
            Tier.REVIEWED_PUBLISHER,
        ),
        (
            "https://www.nlm.nih.gov/medlineplus/ency/article/1.htm",
            "A.D.A.M. Medical Encyclopedia",
            Tier.REVIEWED_PUBLISHER,
        ),
        (
            "https://medlineplus.gov/druginfo/meds/a1.html",
            "MedlinePlus Drug Information",
            Tier.REVIEWED_PUBLISHER,
        ),
        (
            "https://medlineplus.gov/druginfo/natural/1.html",
            "MedlinePlus Herbs and Supplements",
            Tier.REVIEWED_PUBLISHER,
        ),
        ("https://medlineplus.gov/itch.html", "MedlinePlus", Tier.GOVERNMENT_REVIEWED),
        ("https://ghr.nlm.nih.gov/condition/itch", "Genetics Home Reference", Tier.GOVERNMENT_REVIEWED),
        ("https://www.nhlbi.nih.gov/health/itch", "NHLBI", Tier.GOVERNMENT_REVIEWED),
        ("https://www.somewhere.gov/itch", "somewhere.gov", Tier.GOVERNMENT_REVIEWED),
        ("https://www.mayoclinic.org/itch", "Mayo Clinic", Tier.REVIEWED_PUBLISHER),
        ("https://health.example.com/itch", "health.example.com", Tier.REVIEWED_PUBLISHER),
        ("#", "Unattributed", Tier.UNREVIEWED),
    ],
)
def test_source_for_url(url: str, name: str, tier: Tier) -> None:
    source = mediqa.source_for_url(url)
    assert source.name == name + " (MEDIQA 2019)"
    assert source.tier is tier


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'<?xml version="1.0"?>\n<MEDIQA2019-Task3-QA-ValidationSet><Question QID="1">', "well-formed"),
        (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<MEDIQA2019-Task3-QA-X>\xff</MEDIQA2019-Task3-QA-X>',
            "well-formed",
        ),
        (b'<?xml version="1.0"?>\n<Document/>', "not a MEDIQA 2019"),
        (
            b'<?xml version="1.0"?>\n<MEDIQA2019-Task2-RQE-X><pair pid="1"/></MEDIQA2019-Task2-RQE-X>',
            "question-entailment",
        ),
        (
            b'<?xml version="1.0"?>\n<MEDIQA2019-Task3-QA-X><Question QID="1"><AnswerList><Answer>'
            b"<AnswerText>t</AnswerText></Answer></AnswerList></Question></MEDIQA2019-Task3-QA-X>",
            "no AID",
        ),
    ],
    ids=["truncated", "undecodable", "wrong-root", "rqe", "no-aid"],
)
def test_bad_files_raise_bad_input_naming_the_file(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "qa-bad.xml"
    path.write_bytes(content)
    with pytest.raises(BadInputError, match=reason) as caught:
        mediqa.read(path)
    assert caught.value.source == str(path)


def test_detect() -> None:
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<MEDIQA2019-Task3-QA-ValidationSet>\n<Question QID="2">'
    assert mediqa.detect(Path("qa-validation.xml"), head)
    assert not mediqa.detect(Path("qa-validation.txt"), head)
    assert not mediqa.detect(Path("0001.xml"), b'<?xml version="1.0"?>\n<Document id="1">')


def test_ingest_into_store(tmp_path: Path) -> None:
    path = write_set(tmp_path / "qa-validation.xml", QUESTIONS)
    store = SQLiteStore(tmp_path / "kb.db")
    try:
        report = ingest_path(store, path)
        assert report.ok, report.failures
        counts = {s.name: (s.documents, s.passages) for s in store.sources()}
        assert counts["Mayo Clinic (MEDIQA 2019)"] == (1, 3)
        assert sum(passages for _, passages in counts.values()) == 7
        record = store.passage("qa-validation:1_Answer2")
        assert (record.text, record.url, record.title) == (
            "Scratching, mostly at night.",
            MAYO,
            "Made-up itch",
        )
    finally:
        store.close()


def test_a_sentence_before_a_colon_is_not_a_title(tmp_path: Path) -> None:
    url = "https://www.nia.nih.gov/health/made-up-ache"
    text = "Made-up ache is common. Its signs include the following: a dull ache, mostly in the morning."
    [document] = mediqa.read(write_set(tmp_path / "qa-x.xml", {"1": [("1_Answer1", url, text)]}))
    assert document.title == "made up ache"
    assert (document.passages[0].heading, document.passages[0].text) == ("", text)
