"""A small knowledge base written by the tests, and an app over it (one per test module: the model is slow).

The web tests import the helpers from here (``from api.conftest import ...``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthqa.api import create_app
from healthqa.models import (
    DrugMention,
    Organisation,
    ParsedDocument,
    Passage,
    QAPair,
    SectionType,
    SourceInfo,
    Tier,
)
from healthqa.settings import Settings
from healthqa.store import SQLiteStore

GARD = SourceInfo("GARD", "NIH", "https://rarediseases.test", "CC BY 4.0", Tier.GOVERNMENT_REVIEWED)
BLOG = SourceInfo("Some blog", "A blog", "https://blog.test", "unknown", Tier.UNREVIEWED)
EVIL = SourceInfo(
    "<b>Evil</b> source", "<i>nobody</i>", "javascript:alert('src')", "<script>lic()</script>",
    Tier.UNREVIEWED,
)

LEMS_INHERITANCE = (
    "While the condition is not known to follow a specific pattern of inheritance, there appears to be a "
    "genetic predisposition to autoimmune diseases in general. Families with a history of the syndrome may "
    "benefit from consulting with a genetics professional."
)
GOUT_CAUSES = "Gout is caused by too much uric acid in the blood, which forms crystals in the joints."
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
HOSTILE_TITLE = f"{SCRIPT}Zyxoplasia {IMG}"
HOSTILE_TEXT = (
    f"Zyxoplasia is a made-up condition used to test escaping. {SCRIPT} It has <b>bold</b> claims & "
    f"\"quotes\". {IMG} Treatment of zyxoplasia is rest."
)


def make_document(
    key: str, title: str, synonyms: list[str], sections: list[tuple[SectionType, str, str]],
    source: SourceInfo = GARD, url: str | None = None,
) -> ParsedDocument:
    passages, questions = [], []
    for number, (section, question, text) in enumerate(sections, 1):
        public_id = f"{key.upper()}_Sec{number}.txt"
        passages.append(Passage(text, section, public_id, heading=question, updated="2020-05-01"))
        questions.append(QAPair(question, section, public_id, answer_id=public_id))
    return ParsedDocument(
        source=source, key=key, title=title, url=f"https://site.test/{key}" if url is None else url,
        focus=[title], synonyms=synonyms, passages=passages, questions=questions, updated="2020-05-01",
    )


DOCUMENTS = [
    make_document("lems", "Lambert-Eaton myasthenic syndrome", ["Eaton-Lambert syndrome", "LEMS"], [
        (SectionType.INFORMATION, "What is Lambert-Eaton myasthenic syndrome?",
         "Lambert-Eaton myasthenic syndrome is a rare disorder in which faulty communication between nerves "
         "and muscles leads to muscle weakness."),
        (SectionType.INHERITANCE, "Is Lambert-Eaton myasthenic syndrome genetic?", LEMS_INHERITANCE),
        (SectionType.TREATMENT, "How might Lambert-Eaton myasthenic syndrome be treated?",
         "Treatment may include amifampridine, plasma exchange and intravenous immunoglobulin. If a cancer "
         "is found, treating it first may relieve the symptoms."),
    ]),
    make_document("gout", "Gout", ["Podagra"], [
        (SectionType.CAUSES, "What causes gout?", GOUT_CAUSES),
        (SectionType.TREATMENT, "How is gout treated?",
         "Medicines such as colchicine and allopurinol treat attacks and lower uric acid levels."),
    ]),
    make_document("blog", "Lambert-Eaton myasthenic syndrome", ["LEMS"], [
        (SectionType.INHERITANCE, "Is LEMS hereditary?", "LEMS is not considered a hereditary condition."),
    ], source=BLOG),
]


def hostile_document() -> ParsedDocument:
    """A document whose every field tries to inject markup or a script link."""
    document = make_document("hostile", HOSTILE_TITLE, [f"{SCRIPT}Zyxo"], [
        (SectionType.INFORMATION, f"What is zyxoplasia? {SCRIPT}", HOSTILE_TEXT),
        (SectionType.TREATMENT, f"How is zyxoplasia treated? {IMG}", HOSTILE_TEXT),
    ], source=EVIL, url="javascript:alert(1)")
    document.organisations = [Organisation(f"{SCRIPT}Org", "<b>addr</b>", "", "", "javascript:alert(2)")]
    document.drugs = [DrugMention(f"{IMG}Brand", "<u>generic</u>")]
    document.references = [f"<a href='javascript:alert(3)'>ref</a>{SCRIPT}"]
    return document


def build_kb(path: Path, documents: list[ParsedDocument] | None = None) -> Path:
    store = SQLiteStore(path)
    with store.ingest() as tx:
        for document in documents if documents is not None else [*DOCUMENTS, hostile_document()]:
            tx.put_document(document)
    store.close()
    return path


def write_medquad_xml(folder: Path, stem: str, focus: str, pairs: list[tuple[str, str, str]]) -> Path:
    """A MedQuAD collection folder with one XML document; pairs are (qtype, question, answer)."""
    collection = folder / "2_GARD_QA"
    collection.mkdir(parents=True, exist_ok=True)
    root = ET.Element("Document", id=stem, source="GARD", url=f"https://example.test/{stem}")
    ET.SubElement(root, "Focus").text = focus
    pairs_element = ET.SubElement(root, "QAPairs")
    for pid, (qtype, question, answer) in enumerate(pairs, 1):
        pair = ET.SubElement(pairs_element, "QAPair", pid=str(pid))
        ET.SubElement(pair, "Question", qid=f"{stem}-{pid}", qtype=qtype).text = question
        ET.SubElement(pair, "Answer").text = answer
    path = collection / f"{stem}.xml"
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return path


def open_client(kb: Path, settings: Settings | None = None) -> TestClient:
    """A client over a new app; use it as a context manager so that the app's lifespan runs."""
    return TestClient(create_app(str(kb), settings or Settings(rate_limit=0)), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kb(tmp_path_factory.mktemp("kb") / "kb.db")


@pytest.fixture(scope="module")
def client(kb_path: Path) -> Iterator[TestClient]:
    with open_client(kb_path) as test_client:
        yield test_client
