from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from healthqa.errors import BadInputError
from healthqa.ingest import ingest_path, medquad
from healthqa.records import SectionType, Tier
from healthqa.store import SQLiteStore

Pair = tuple[str, str, str, str]  # (pid, qtype, question, answer)


def write_document(
    folder: Path,
    stem: str,
    focus: str,
    pairs: list[Pair],
    *,
    synonyms: tuple[str, ...] = (),
    cuis: tuple[str, ...] = (),
    source: str = "GARD",
    url: str = "https://example.nih.gov/topic",
) -> Path:
    """A ``<Document>`` file, the dialect of nearly the whole corpus."""
    root = ET.Element("Document", id=stem, source=source, url=url)
    ET.SubElement(root, "Focus").text = focus
    annotations = ET.SubElement(root, "FocusAnnotations")
    if cuis:
        umls = ET.SubElement(annotations, "UMLS")
        cui_list = ET.SubElement(umls, "CUIs")
        for cui in cuis:
            ET.SubElement(cui_list, "CUI").text = cui
        ET.SubElement(ET.SubElement(umls, "SemanticTypes"), "SemanticType").text = "T047"
    if synonyms:
        names = ET.SubElement(annotations, "Synonyms")
        for name in synonyms:
            ET.SubElement(names, "Synonym").text = name
    container = ET.SubElement(root, "QAPairs")
    for pid, qtype, question, answer in pairs:
        pair = ET.SubElement(container, "QAPair", pid=pid)
        ET.SubElement(pair, "Question", qid=f"{stem}-{pid}", qtype=qtype).text = question
        ET.SubElement(pair, "Answer").text = answer
    return _write(folder / f"{stem}.xml", root)


def _write(path: Path, root: ET.Element) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return path


GOUT_PAIRS: list[Pair] = [
    ("1", "information", "What is (are) Gouty thing ?", "  Gouty thing is an invented joint\n  condition.  "),
    ("2", "symptoms", "What are the symptoms of Gouty thing ?", "It makes  toes ache."),
    ("4", "treatment", "What are the treatments for Gouty thing ?", ""),
    ("5", "exams", "How to diagnose Gouty thing ?", "A made-up test."),
]


def test_document_dialect(tmp_path: Path) -> None:
    path = write_document(
        tmp_path / "2_GARD_QA",
        "0000123",
        "Gouty thing",
        GOUT_PAIRS,
        synonyms=("Gout-like thing", "GT", "GT"),
        cuis=("C0000001", "C0000002"),
    )
    [document] = medquad.read(path)
    assert document.key == "medquad:GARD_0000123"
    assert document.title == "Gouty thing"
    assert document.focus == ["Gouty thing"]
    assert document.synonyms == ["Gout-like thing", "GT"]
    assert document.codes == [("UMLS", "C0000001"), ("UMLS", "C0000002")]
    assert document.url == "https://example.nih.gov/topic"
    assert document.source.name == "GARD"
    assert document.source.tier is Tier.GOVERNMENT_REVIEWED

    ids = [q.public_id for q in document.questions]
    assert ids == [f"GARD_0000123_Sec{pid}.txt" for pid in ("1", "2", "4", "5")]
    # Every question names its answer id, even the one whose answer is empty.
    assert [q.answer_id for q in document.questions] == ids
    assert [q.qtype for q in document.questions] == [
        SectionType.INFORMATION,
        SectionType.SYMPTOMS,
        SectionType.TREATMENT,
        SectionType.EXAMS_AND_TESTS,
    ]

    passages = {p.public_id: p for p in document.passages}
    assert set(passages) == {"GARD_0000123_Sec1.txt", "GARD_0000123_Sec2.txt", "GARD_0000123_Sec5.txt"}
    first = passages["GARD_0000123_Sec1.txt"]
    # Only the ends are trimmed: the source's inner spacing stays.
    assert first.text == "Gouty thing is an invented joint\n  condition."
    assert first.heading == "What is (are) Gouty thing ?"
    assert first.section is SectionType.INFORMATION
    assert first.precedence == 0
    assert passages["GARD_0000123_Sec2.txt"].text == "It makes  toes ache."


def test_abbreviations_the_answers_introduce_become_synonyms(tmp_path: Path) -> None:
    path = write_document(tmp_path / "5_NINDS_QA", "0000155", "Normal Pressure Hydrocephalus", [
        ("1", "information", "What is (are) Normal Pressure Hydrocephalus ?",
         "Normal pressure hydrocephalus (NPH) is a brain disorder. NPH affects walking."),
        ("2", "treatment", "What are the treatments for Normal Pressure Hydrocephalus ?",
         "Treatment of normal pressure hydrocephalus (NPH) is a shunt. A grading scale for adult normal pressure "
         "hydrocephalus (GS) exists."),
    ], synonyms=("Hydrocephalus - adult",), source="NINDS")
    [document] = medquad.read(path)
    # Once each, after the XML's synonyms; "(GS)" does not start like the focus: it names something else.
    assert document.synonyms == ["Hydrocephalus - adult", "NPH"]


def test_brand_names_the_answers_list_become_synonyms(tmp_path: Path) -> None:
    path = write_document(tmp_path / "11_MPlusDrugs_QA", "0001309", "Zolmitriptan", [
        ("1", "usage", "How should Zolmitriptan be used and what is the dosage ?", "Take it - as told."),
        ("9", "brand names", "What are the brand names of Zolmitriptan ?", "- Zomig\u00ae  - Zomig-ZMT\u00ae"),
    ], source="MPlusDrugs")
    [document] = medquad.read(path)
    assert document.synonyms == ["Zomig", "Zomig-ZMT"]


def test_brand_names_are_read_only_from_a_list() -> None:
    assert medquad.brand_names("- Caltrate 600  - Milk of Magnesia  - GlucaGen Diagnostic Kit") == [
        "Caltrate 600", "Caltrate", "Milk of Magnesia", "GlucaGen Diagnostic Kit", "GlucaGen"]
    assert medquad.brand_names("Ask your pharmacist - there are several.") == []


def test_file_stem_not_document_id_names_passages(tmp_path: Path) -> None:
    folder = tmp_path / "1_CancerGov_QA"
    path = write_document(
        folder,
        "0000013_2_1",
        "Made-up tumour",
        [("1", "information", "Q ?", "An answer.")],
        source="CancerGov",
    )
    [document] = medquad.read(path)
    assert document.key == "medquad:CancerGov_0000013_2_1"
    assert document.passages[0].public_id == "CancerGov_0000013_2_1_Sec1.txt"


def test_empty_answers_stay_questions(tmp_path: Path) -> None:
    pairs: list[Pair] = [
        ("1", "information", "What is (are) Made-up pill ?", ""),
        ("3", "side effects", "What are the side effects or risks of Made-up pill ?", " "),
    ]
    path = write_document(
        tmp_path / "11_MPlusDrugs_QA", "0000009", "Made-up pill", pairs, source="MPlusDrugs"
    )
    [document] = medquad.read(path)
    assert document.passages == []
    assert [q.answer_id for q in document.questions] == [
        "MPlusDrugs_0000009_Sec1.txt",
        "MPlusDrugs_0000009_Sec3.txt",
    ]
    assert document.source.tier is Tier.REVIEWED_PUBLISHER


def test_doc_dialect(tmp_path: Path) -> None:
    root = ET.Element("doc", docid="0000007", corpus="NINDS", url="http://example.nih.gov/disorder")
    ET.SubElement(root, "doctitle-focus").text = "Invented palsy"
    umls = ET.SubElement(root, "umls")
    ET.SubElement(umls, "cui").text = "C0000777"
    ET.SubElement(umls, "semanticType")
    pairs = ET.SubElement(root, "qaPairs")
    pair = ET.SubElement(pairs, "pair", pid="1")
    ET.SubElement(pair, "question", qid="0000007-1", qtype="information").text = "what is invented palsy ?"
    ET.SubElement(pair, "answer").text = "Invented palsy is not real. "
    pair = ET.SubElement(pairs, "pair", pid="2")
    ET.SubElement(
        pair, "question", qid="0000007-2", qtype="treatment"
    ).text = "is there any treatment for it ?"
    ET.SubElement(pair, "answer").text = "Rest."
    path = _write(tmp_path / "6_NINDS_QA" / "0000007.xml", root)

    [document] = medquad.read(path)
    assert document.key == "medquad:NINDS_0000007"
    assert document.title == "Invented palsy"
    assert document.codes == [("UMLS", "C0000777")]
    assert [(p.public_id, p.text, p.section) for p in document.passages] == [
        ("NINDS_0000007_Sec1.txt", "Invented palsy is not real.", SectionType.INFORMATION),
        ("NINDS_0000007_Sec2.txt", "Rest.", SectionType.TREATMENT),
    ]


def test_disease_file_dialect(tmp_path: Path) -> None:
    root = ET.Element("DiseaseFile", fid="0000397", source="CDC", url="http://example.gov/parasites/worm/")
    ET.SubElement(root, "Focus").text = "Parasites - Made-up worm"
    umls = ET.SubElement(root, "UMLS")
    ET.SubElement(umls, "CUI")  # empty, as in the corpus
    pairs = ET.SubElement(root, "QAPairs")
    pair = ET.SubElement(pairs, "QAPair", pid="2")
    ET.SubElement(pair, "Question", qid="0000397-2", qtype="susceptibility").text = "Who is at risk for it? ?"
    ET.SubElement(pair, "Answer").text = "People who eat raw made-up food."
    path = _write(tmp_path / "9_CDC_QA" / "0000397.xml", root)

    [document] = medquad.read(path)
    assert document.key == "medquad:CDC_0000397"
    assert document.codes == []
    assert document.source.name == "CDC"
    assert document.passages[0].public_id == "CDC_0000397_Sec2.txt"
    assert document.passages[0].section is SectionType.SUSCEPTIBILITY


def test_empty_focus_takes_title_from_url(tmp_path: Path) -> None:
    path = write_document(
        tmp_path / "9_CDC_QA",
        "0000423",
        "",
        [("1", "information", "What is (are)  ?", "Text.")],
        source="CDC",
        url="http://example.gov/HAI/organisms/made_up/made_up.html",
    )
    [document] = medquad.read(path)
    assert document.title == "made up"
    assert document.focus == []


def test_collection_from_source_attribute_outside_its_folder(tmp_path: Path) -> None:
    path = write_document(
        tmp_path / "elsewhere",
        "0000001",
        "Thing",
        [("1", "information", "Q ?", "A.")],
        source="MPlusHerbsSupplements",
    )
    [document] = medquad.read(path)
    assert document.key == "medquad:MPlusHerbsSuppls_0000001"
    assert document.passages[0].public_id == "MPlusHerbsSuppls_0000001_Sec1.txt"

    unknown = write_document(tmp_path / "elsewhere", "0000002", "Thing", [], source="Nobody")
    with pytest.raises(BadInputError, match="collection"):
        medquad.read(unknown)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'<?xml version="1.0" encoding="UTF-8"?>\n<Document id="1"><Focus>X</Fo', "well-formed"),
        (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<Document id="1"><Focus>Caf\xe9</Focus></Document>',
            "well-formed",
        ),
        (b'<?xml version="1.0"?>\n<Other/>', "root element"),
        (b'<?xml version="1.0"?>\n<Document id="1" source="GARD"/>', "Focus"),
        (b"", "well-formed"),
    ],
    ids=["truncated", "undecodable", "wrong-root", "no-focus", "empty"],
)
def test_bad_files_raise_bad_input_naming_the_file(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "2_GARD_QA" / "0000001.xml"
    path.parent.mkdir()
    path.write_bytes(content)
    with pytest.raises(BadInputError, match=reason) as caught:
        medquad.read(path)
    assert caught.value.source == str(path)
    assert str(path) in str(caught.value)


def test_detect() -> None:
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    assert medquad.detect(Path("a/1.xml"), head + b'<Document id="1" source="GARD">')
    assert medquad.detect(Path("a/1.xml"), head + b'<doc docid="1" corpus="NINDS">')
    assert medquad.detect(Path("a/1.XML"), head + b'<DiseaseFile fid="1">')
    assert not medquad.detect(Path("a/1.txt"), head + b'<Document id="1">')
    assert not medquad.detect(Path("a/1.xml"), head + b"<MEDIQA2019-Task3-QA-ValidationSet><Document")
    assert not medquad.detect(Path("a/1.xml"), head + b"<html>")


def test_collections_and_sources() -> None:
    assert len(medquad.COLLECTIONS) == 12
    assert medquad.COLLECTIONS["8_NHLBI_QA_XML"][0] == "NHLBI"
    assert medquad.source_for_src("GARD") is medquad.COLLECTIONS["2_GARD_QA"][1]
    adam = medquad.source_for_src("ADAM")
    assert adam.tier is Tier.REVIEWED_PUBLISHER
    assert "A.D.A.M." in adam.name
    for folder, (src, info) in medquad.COLLECTIONS.items():
        assert medquad.source_for_src(src) is info, folder
        if info.tier is Tier.GOVERNMENT_REVIEWED:
            assert info.licence.startswith("CC BY 4.0")
    # Source names are unique: the store keys sources by name.
    assert len({info.name for _, info in medquad.COLLECTIONS.values()}) == 12
    with pytest.raises(KeyError):
        medquad.source_for_src("Nope")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is (are) Polycystic thing ?", ("Polycystic thing", SectionType.INFORMATION)),
        ("What causes Gouty thing ?", ("Gouty thing", SectionType.CAUSES)),
        ("Who is at risk for Made-up worm? ?", ("Made-up worm", SectionType.SUSCEPTIBILITY)),
        ("Do you have information about Made-up test", ("Made-up test", SectionType.INFORMATION)),
        (
            "What are the brand names of combination products of Pill X ?",
            ("Pill X", SectionType.BRAND_NAMES_OF_COMBINATIONS),
        ),
        ("What are the brand names of Pill X ?", ("Pill X", SectionType.BRAND_NAMES)),
        ("What is the outlook for Thing ?", ("Thing", SectionType.OUTLOOK)),
        ("what research (or clinical trials) is being done for Thing ?", ("Thing", SectionType.RESEARCH)),
        (
            "What to do in case of emergency or overdose of Pill ?",
            ("Pill", SectionType.EMERGENCY_OR_OVERDOSE),
        ),
        ("What to do for Thing ?", ("Thing", SectionType.CONSIDERATIONS)),
        ("Are there interactions between Herb and foods ?", ("Herb", SectionType.INTERACTIONS_WITH_FOODS)),
        ("how can botulism be prevented?", None),
    ],
)
def test_parse_question(question: str, expected: tuple[str, SectionType] | None) -> None:
    assert medquad.parse_question(question) == expected


def test_ingest_folder_into_store(tmp_path: Path) -> None:
    root = tmp_path / "medquad"
    write_document(root / "2_GARD_QA", "0000123", "Gouty thing", GOUT_PAIRS, cuis=("C0000001",))
    write_document(
        root / "10_MPlus_ADAM_QA",
        "0000001",
        "Made-up rash",
        [("1", "information", "What is (are) Made-up rash ?", "")],
        source="ADAM",
    )
    (root / "readme.txt").write_text("not a collection file", encoding="utf-8")
    store = SQLiteStore(tmp_path / "kb.db")
    try:
        report = ingest_path(store, root)
        assert report.ok, report.failures
        assert report.files == 2  # the readme beside the collections is not ingested
        counts = {s.name: (s.documents, s.passages, s.questions) for s in store.sources()}
        assert counts == {"GARD": (1, 3, 4), "A.D.A.M. Medical Encyclopedia": (1, 0, 1)}
        assert store.passage("GARD_0000123_Sec5.txt").text == "A made-up test."
        record = store.document("medquad:GARD_0000123")
        assert record.codes == [("UMLS", "C0000001")]
        assert ("Gouty thing", "focus") in record.names
    finally:
        store.close()
