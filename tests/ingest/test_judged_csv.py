from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from healthqa.answer.answerer import name_index
from healthqa.errors import BadInputError
from healthqa.ingest import ingest_path, judged_csv
from healthqa.records import SectionType, Tier, match_key
from healthqa.store import SQLiteStore

URL = "https://example.gov/topic/123"


def answer_field(question: str, answer: str, url: str = URL) -> str:
    # The export's layout: three labelled lines, the answer ending in a stray ")" and a space.
    return f"Question: {question}\nURL: {url}\nAnswer: {answer}) \n"


def write_csv(
    path: Path, rows: list[tuple[str, str]], header: tuple[str, ...] = ("AnswerID", "Answer")
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


ROWS = [
    (
        "ADAM_0003147_Sec1.txt",
        answer_field(
            "What is (are) Made-up syndrome ? (Also called: MUS; Made up (invented) syndrome; Fake disease)",
            "Made-up syndrome is an   invented condition (for tests).",
        ),
    ),
    (
        "ADAM_0003147_Sec2.txt",
        answer_field(
            "What causes Made-up syndrome ? (Also called: MUS; Made up (invented) syndrome; Fake disease)",
            "Nothing causes it (it is invented)",
        ),
    ),
    # Listed again for a second judged question: the same answer, once.
    (
        "ADAM_0003147_Sec1.txt",
        answer_field(
            "What is (are) Made-up syndrome ? (Also called: MUS; Made up (invented) syndrome; Fake disease)",
            "Made-up syndrome is an   invented condition (for tests).",
        ),
    ),
    (
        "GHR_0000042_Sec3.txt",
        answer_field("Is Made-up trait inherited ?", "It is not inherited.", url="https://example.gov/trait"),
    ),
    (
        "CDC_0000054_Sec5.txt",
        answer_field(
            "how can made-up fever be prevented?", "Wash hands.", url="http://example.gov/made-up-fever/"
        ),
    ),
]


def test_read_groups_rows_by_topic(tmp_path: Path) -> None:
    documents = {d.key: d for d in judged_csv.read(write_csv(tmp_path / "judged.csv", ROWS))}
    assert set(documents) == {"judged:ADAM_0003147", "judged:GHR_0000042", "judged:CDC_0000054"}

    adam = documents["judged:ADAM_0003147"]
    assert adam.title == "Made-up syndrome"
    assert adam.focus == ["Made-up syndrome"]
    assert adam.synonyms == ["MUS", "Made up (invented) syndrome", "Fake disease"]
    assert adam.url == URL
    assert adam.source.name == "A.D.A.M. Medical Encyclopedia"
    assert adam.source.tier is Tier.REVIEWED_PUBLISHER
    assert [p.public_id for p in adam.passages] == ["ADAM_0003147_Sec1.txt", "ADAM_0003147_Sec2.txt"]
    first, second = adam.passages
    # The stray ")" goes; the source's own words and spacing stay.
    assert first.text == "Made-up syndrome is an   invented condition (for tests)."
    assert second.text == "Nothing causes it (it is invented)"
    assert first.precedence == second.precedence == 1
    assert (first.section, second.section) == (SectionType.INFORMATION, SectionType.CAUSES)
    assert first.heading == "What is (are) Made-up syndrome ?"

    assert [(q.text, q.public_id, q.answer_id, q.qtype) for q in adam.questions] == [
        (
            "What is (are) Made-up syndrome ?",
            "ADAM_0003147_Sec1.txt",
            "ADAM_0003147_Sec1.txt",
            SectionType.INFORMATION,
        ),
        (
            "What causes Made-up syndrome ?",
            "ADAM_0003147_Sec2.txt",
            "ADAM_0003147_Sec2.txt",
            SectionType.CAUSES,
        ),
    ]

    ghr = documents["judged:GHR_0000042"]
    assert ghr.title == "Made-up trait"
    assert ghr.synonyms == []
    assert ghr.passages[0].section is SectionType.INHERITANCE

    # A question outside MedQuAD's templates: no focus to take, so the URL names the topic.
    cdc = documents["judged:CDC_0000054"]
    assert cdc.title == "made up fever"
    assert cdc.focus == []
    assert cdc.passages[0].section is SectionType.INFORMATION


def test_a_drugs_brand_names_become_its_synonyms(tmp_path: Path) -> None:
    rows = [
        ("MPlusDrugs_0000254_Sec11.txt", answer_field(
            "What are the brand names of Ciprofloxacin ?",
            "- Cipro Oral Suspension  - Cipro XR Extended-release Tablets  - Proquin XR Extended-release Tablets")),
        # A combination product is another product: its brand names are not the drug's.
        ("MPlusDrugs_0000254_Sec12.txt", answer_field(
            "What are the brand names of combination products of Ciprofloxacin ?", "- Ciprodex")),
    ]
    [drug] = judged_csv.read(write_csv(tmp_path / "judged.csv", rows))
    assert drug.title == "Ciprofloxacin"
    assert drug.synonyms == ["Cipro Oral Suspension", "Cipro", "Cipro XR Extended-release Tablets",
                             "Proquin XR Extended-release Tablets", "Proquin"]
    assert drug.passages[0].section is SectionType.BRAND_NAMES


def test_a_question_naming_the_brand_finds_the_drug(tmp_path: Path) -> None:
    rows = [
        ("MPlusDrugs_0000254_Sec1.txt", answer_field(
            "How should Ciprofloxacin be used and what is the dosage ?", "Take it twice a day.")),
        ("MPlusDrugs_0000254_Sec11.txt", answer_field(
            "What are the brand names of Ciprofloxacin ?", "- Cipro Oral Suspension  - Cipro Tablets")),
    ]
    store = SQLiteStore(tmp_path / "kb.db")
    try:
        ingest_path(store, write_csv(tmp_path / "judged.csv", rows))
        [drug] = [head.id for head in store.iter_document_heads() if head.title == "Ciprofloxacin"]
        [match] = name_index(store).find("can i take cipro with milk?")
        assert (match.name, match.document_ids) == ("Cipro", {drug})
    finally:
        store.close()


def test_split_question_and_clean_answer() -> None:
    assert judged_csv.split_question("What is (are) X ? (Also called: A; B (C); D)") == (
        "What is (are) X ?",
        ["A", "B (C)", "D"],
    )
    assert judged_csv.split_question("  What causes X ?\n") == ("What causes X ?", [])
    assert judged_csv.clean_answer(" Text ending in (a note)) \n") == "Text ending in (a note)"
    assert judged_csv.clean_answer("No stray") == "No stray"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"ID,Text\nGARD_1_Sec1.txt,x\n", "header"),
        (b"", "header"),
        (
            'AnswerID,Answer\nGARD_1_Sec1.txt,"Question: Caf\u00e9\nURL: u\nAnswer: a)"\n'.encode("latin-1"),
            "UTF-8",
        ),
        (b'AnswerID,Answer\nnot-an-id,"Question: q\nURL: u\nAnswer: a)"\n', "answer id"),
        (b'AnswerID,Answer\nNOPE_1_Sec1.txt,"Question: q\nURL: u\nAnswer: a)"\n', "unknown MedQuAD source"),
        (b"AnswerID,Answer\nGARD_1_Sec1.txt,just some text\n", "Question:"),
        (b"AnswerID,Answer\nGARD_1_Sec1.txt,a,b\n", "2 fields"),
        (b'AnswerID,Answer\nGARD_1_Sec1.txt,"unterminated\n', "malformed CSV"),
    ],
    ids=[
        "bad-header",
        "empty",
        "undecodable",
        "bad-id",
        "unknown-source",
        "bad-field",
        "extra-field",
        "bad-quote",
    ],
)
def test_bad_csv_raises_bad_input_naming_the_file(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "judged.csv"
    path.write_bytes(content)
    with pytest.raises(BadInputError, match=reason) as caught:
        judged_csv.read(path)
    assert caught.value.source == str(path)


def test_detect() -> None:
    assert judged_csv.detect(Path("judged.csv"), b"AnswerID,Answer\nGARD_1_Sec1.txt,x")
    assert judged_csv.detect(Path("judged.csv"), b"\xef\xbb\xbfAnswerID,Answer\r\n")
    assert not judged_csv.detect(Path("judged.txt"), b"AnswerID,Answer\n")
    assert not judged_csv.detect(Path("other.csv"), b"id,answer\n")


def _medquad_file(path: Path, stem: str, source: str, focus: str, pairs: list[tuple[str, str, str]]) -> None:
    root = ET.Element("Document", id=stem, source=source, url=URL)
    ET.SubElement(root, "Focus").text = focus
    container = ET.SubElement(root, "QAPairs")
    for pid, question, answer in pairs:
        pair = ET.SubElement(container, "QAPair", pid=pid)
        ET.SubElement(pair, "Question", qid=f"{stem}-{pid}", qtype="information").text = question
        ET.SubElement(pair, "Answer").text = answer
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)


def test_judged_text_supersedes_xml_by_id_and_by_shifted_text(tmp_path: Path) -> None:
    root = tmp_path / "medquad"
    # Today's XML numbers the pairs one further than the judged (older) copy did.
    _medquad_file(
        root / "8_NHLBI_QA_XML" / "0000051.xml",
        "0000051",
        "NHLBI",
        "Made-up clot",
        [
            ("1", "What is (are) Made-up clot ?", "A made-up clot is a clot."),
            ("2", "What causes Made-up clot ?", "A new paragraph the judges never saw."),
            ("3", "What are the symptoms of Made-up clot ?", "Swelling and\n   made-up pain."),
        ],
    )
    _medquad_file(
        root / "10_MPlus_ADAM_QA" / "0000009.xml",
        "0000009",
        "ADAM",
        "Made-up rash",
        [
            ("1", "What is (are) Made-up rash ?", ""),
            ("2", "What causes Made-up rash ?", ""),
        ],
    )
    judged = write_csv(
        tmp_path / "judged.csv",
        [
            (
                "NHLBI_0000051_Sec2.txt",
                answer_field("What are the symptoms of Made-up clot ?", "Swelling and made-up pain."),
            ),
            (
                "ADAM_0000009_Sec1.txt",
                answer_field("What is (are) Made-up rash ?", "A rash that is made up."),
            ),
        ],
    )
    assert match_key("Swelling and made-up pain.)") == match_key("Swelling and\n   made-up pain.")

    store = SQLiteStore(tmp_path / "kb.db")
    try:
        assert ingest_path(store, root).ok
        assert ingest_path(store, judged).ok
        counts = {s.name: (s.documents, s.passages, s.questions) for s in store.sources()}
        # NHLBI: XML Sec2 loses to the judged id, XML Sec3 to the judged words; the judged passage shows.
        assert counts == {"NHLBI": (2, 2, 3), "A.D.A.M. Medical Encyclopedia": (2, 1, 2)}
        assert store.passage("NHLBI_0000051_Sec2.txt").text == "Swelling and made-up pain."
        shifted = store.passage("NHLBI_0000051_Sec3.txt")
        assert (shifted.public_id, shifted.text) == ("NHLBI_0000051_Sec2.txt", "Swelling and made-up pain.")
        assert store.passage("NHLBI_0000051_Sec1.txt").text == "A made-up clot is a clot."
        adam = store.passage("ADAM_0000009_Sec1.txt")
        assert (adam.text, adam.document_key) == ("A rash that is made up.", "judged:ADAM_0000009")
    finally:
        store.close()
