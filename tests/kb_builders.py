"""Small knowledge bases written by the tests from hand-made documents: real SQLite files, or real databases on
the test PostgreSQL server (:class:`KnowledgeBases`, the ``kb_backend`` fixture of tests/conftest.py).

Shared by the answer tests, the API tests and the web tests (``from kb_builders import ...``).
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from healthqa.ingest.orphanet import SOURCE as ORPHANET
from healthqa.ingest.orphanet import parse_packet
from healthqa.records import (
    DrugMention,
    Fact,
    Organisation,
    ParsedDocument,
    Passage,
    QAPair,
    SectionType,
    SourceInfo,
    Tier,
)
from healthqa.store import SQLiteStore, Store, open_store
from orphanet_data import DRY_WEAK, EYE_SKIN, SEIZURES
from postgres_server import Databases

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
    source: SourceInfo = GARD, url: str | None = None, updated: str = "2020-05-01",
) -> ParsedDocument:
    """A MedQuAD-like topic: one passage and one question per (section, question, text)."""
    passages, questions = [], []
    for number, (section, question, text) in enumerate(sections, 1):
        public_id = f"{key.upper()}_Sec{number}.txt"
        passages.append(Passage(text, section, public_id, heading=question, updated=updated))
        questions.append(QAPair(question, section, public_id, answer_id=public_id))
    return ParsedDocument(
        source=source, key=key, title=title, url=f"https://site.test/{key}" if url is None else url,
        focus=[title], synonyms=synonyms, passages=passages, questions=questions, updated=updated,
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

# An Orphanet record with catalogue facts (inheritance, prevalence), as the answer's fact items quote them.
KALLMANN = ParsedDocument(
    source=ORPHANET, key="orphanet:478", title="Kallmann syndrome", url="https://www.orpha.net/en/disease/detail/478",
    focus=["Kallmann syndrome"], codes=[("ORPHA", "478")],
    passages=[Passage("A genetic disorder with hypogonadism and a reduced sense of smell.", SectionType.INFORMATION,
                      "ORPHA_478_definition")],
    facts=[Fact("inheritance", "X-linked recessive"), Fact("prevalence", "1-9 / 100 000", "Point prevalence, Europe")],
)
# Three invented Orphanet disorders with phenotype annotations, for symptom search; the first is LEMS-like.
ORPHANET_DOCUMENTS = [parse_packet(record["Orphapacket"]) for record in (DRY_WEAK, EYE_SKIN, SEIZURES)]


NINDS = SourceInfo("NINDS", "NIH", "https://ninds.test", "public domain", Tier.GOVERNMENT_REVIEWED)
NINDS_LEMS_TREATMENT = (
    "Plasma exchange and intravenous immunoglobulin may improve muscle strength for a few weeks. "
    "Amifampridine is also used."
)
MUSCLE_GROUP = Organisation("Muscle Friends Association", "10 Main Street, Springfield", "217-555-0100", "",
                            "https://muscle.example.org")


def ninds_lems() -> ParsedDocument:
    """A third, older source about LEMS: the record compares it with GARD's (agreement) and dates it (stale).

    It also abbreviates the condition "LES", as the lupus document below does: "LES" is then ambiguous.
    """
    document = make_document("ninds-lems", "Lambert-Eaton myasthenic syndrome", ["Eaton-Lambert syndrome", "LES"], [
        (SectionType.TREATMENT, "Is there any treatment?", NINDS_LEMS_TREATMENT),
    ], source=NINDS, updated="2011-03-01")
    document.organisations = [MUSCLE_GROUP]
    document.drugs = [DrugMention("Firdapse", "amifampridine")]
    return document


LUPUS = make_document("lupus", "Systemic lupus erythematosus", ["LES"], [
    (SectionType.INFORMATION, "What is systemic lupus erythematosus?",
     "Systemic lupus erythematosus is an autoimmune disease that can affect many organs."),
])


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


def default_documents() -> list[ParsedDocument]:
    """Everything: the MedQuAD-like topics, Orphanet records with facts and phenotypes, the hostile one."""
    return [*DOCUMENTS, KALLMANN, *ORPHANET_DOCUMENTS, hostile_document()]


def disease_documents() -> list[ParsedDocument]:
    """:func:`default_documents`, a third source about LEMS (for the comparison) and lupus (for "LES")."""
    return [*default_documents(), ninds_lems(), LUPUS]


def build_kb(
    path: Path, documents: list[ParsedDocument] | None = None, *, embed: bool = False, prepared: bool = False,
) -> Path:
    """A SQLite knowledge base at ``path`` holding ``documents`` (default: :func:`default_documents`); with
    ``embed``, its passages embedded as an ingest does (an answerer never embeds them itself); ``prepared``,
    everything an ingest leaves ready (:func:`healthqa.app.generation.prepare`): a server started on it maps
    its derived parts and loads no model to embed (seconds per server start, in this process once instead)."""
    store = SQLiteStore(path)
    try:
        fill(store, documents, embed=embed)
        if prepared:
            from healthqa.app import generation
            from healthqa.retrieve.encoder import default_encoder

            generation.prepare(store, default_encoder())
    finally:
        store.close()
    return path


def fill(store: Store, documents: list[ParsedDocument] | None = None, *, embed: bool = False) -> None:
    """Ingest ``documents`` (default: :func:`default_documents`) into ``store``; see :func:`build_kb`."""
    with store.ingest() as tx:
        for document in documents if documents is not None else default_documents():
            tx.put_document(document)
    if embed:
        embed_passages(store)


class KnowledgeBases:
    """Where one test module's knowledge bases are made: ``sqlite`` (a file at the path a test names) or
    ``postgresql`` (an empty database on the test server for each, whatever the path; given back by :meth:`close`).

    :meth:`build` and :meth:`empty` return what ``healthqa.store.open_store`` and ``--db`` take: a path or a URL.
    """

    def __init__(self, backend: str, databases: Databases | None = None) -> None:
        self.backend = backend
        self._databases = databases
        self._made: list[tuple[str, Path | None]] = []  # each database's URL and its derived files' folder

    def empty(self, path: Path) -> str:
        """A new knowledge base holding nothing: ``path`` (not created yet) for SQLite, else a new database."""
        if self._databases is None:
            return str(path)
        from healthqa.retrieve.derived import derived_root

        url = self._databases.new()
        store = open_store(url)  # makes the schema, as opening a new SQLite file does
        try:
            # Answering a PostgreSQL knowledge base writes its derived files under the user's cache folder,
            # not next to a file in the test's folder: removed when the database is given back.
            self._made.append((url, derived_root(store)))
        finally:
            store.close()
        return url

    def build(self, path: Path, documents: list[ParsedDocument] | None = None, *, embed: bool = False) -> str:
        """:func:`build_kb` on this backend."""
        if self._databases is None:
            return str(build_kb(path, documents, embed=embed))
        url = self.empty(path)
        store = open_store(url)
        try:
            fill(store, documents, embed=embed)
        finally:
            store.close()
        return url

    def close(self) -> None:
        if self._databases is None:
            return
        for url, derived in self._made:
            if derived is not None:  # the next knowledge base at this URL is another one
                shutil.rmtree(derived, ignore_errors=True)
            self._databases.release(url)
        self._made.clear()


def embed_passages(store: Store) -> None:
    """Embed the passages of ``store`` that have no vector, as the end of an ingest does."""
    from healthqa.retrieve.encoder import default_encoder
    from healthqa.retrieve.vectors import build_vectors

    build_vectors(store, default_encoder())


def write_medquad_file(folder: Path, stem: str, focus: str, pairs: list[tuple[str, str, str]],
                       source: str = "GARD", cui: str = "", synonyms: tuple[str, ...] = ()) -> Path:
    """A MedQuAD-style XML document, with focus annotations (CUI, synonyms) where given; pairs are
    (qtype, question, answer). Its collection is ``folder``'s name where that is one of MedQuAD's (``2_GARD_QA``),
    else ``source``."""
    folder.mkdir(parents=True, exist_ok=True)
    root = ET.Element("Document", id=stem, source=source, url=f"https://example.test/{stem}")
    ET.SubElement(root, "Focus").text = focus
    annotations = ET.SubElement(root, "FocusAnnotations")
    if cui:
        cuis = ET.SubElement(ET.SubElement(annotations, "UMLS"), "CUIs")
        ET.SubElement(cuis, "CUI").text = cui
    if synonyms:
        names = ET.SubElement(annotations, "Synonyms")
        for synonym in synonyms:
            ET.SubElement(names, "Synonym").text = synonym
    pairs_element = ET.SubElement(root, "QAPairs")
    for pid, (qtype, question, answer) in enumerate(pairs, 1):
        pair = ET.SubElement(pairs_element, "QAPair", pid=str(pid))
        ET.SubElement(pair, "Question", qid=f"{stem}-{pid}", qtype=qtype).text = question
        ET.SubElement(pair, "Answer").text = answer
    path = folder / f"{stem}.xml"
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return path


def write_medquad_xml(folder: Path, stem: str, focus: str, pairs: list[tuple[str, str, str]]) -> Path:
    """A MedQuAD collection folder (GARD) with one XML document; pairs are (qtype, question, answer)."""
    return write_medquad_file(folder / "2_GARD_QA", stem, focus, pairs)


def write_gout_and_holmes_adie(root: Path, *, more: bool = False) -> Path:
    """A two-collection MedQuAD-like folder at ``root``: Gout in GARD (2 answers, a CUI), Holmes-Adie syndrome
    in NINDS (1 answer). ``more`` adds a third Gout answer and a second Holmes-Adie one, with words that
    stemming and accents must match (runners, café, naive), for the search tests."""
    write_medquad_file(root / "2_GARD_QA", "0000001", "Gout", [
        ("information", "What is (are) Gout ?", "Gout is a form of arthritis with sudden attacks of pain."),
        ("treatment", "What are the treatments for Gout ?", "Medicines lower uric acid and ease attacks."),
        *([("inheritance", "Is Gout inherited ?", "Gout tends to run in families; runners and café owners too.")]
          if more else []),
    ], cui="C0018099")
    write_medquad_file(root / "6_NINDS_QA", "0000002", "Holmes-Adie syndrome", [
        ("information", "what is holmes-adie syndrome ?", "Holmes-Adie syndrome affects the pupil of the eye."),
        *([("treatment", "What are the treatments for Holmes-Adie syndrome ?",
            "Reading glasses help; pupils that react slowly to light are not dangerous. Naive treatments fail.")]
          if more else []),
    ], source="NINDS")
    return root
