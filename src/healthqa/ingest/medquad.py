"""MedQuAD XML: one file per topic, with NIH-written answers to templated questions.

Three XML dialects occur in the corpus: ``<Document id source url>`` (nearly all files),
``<doc docid corpus url>`` (four NINDS files) and ``<DiseaseFile fid source url>`` (one CDC file).
All are read into one :class:`ParsedDocument` per file. The public ids follow the LiveQA qrels,
``{SRC}_{file stem}_Sec{pid}.txt``, because the judged answers and their relevance judgments name
passages that way.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from healthqa.errors import BadInputError
from healthqa.ingest._files import IngestLimits
from healthqa.ingest._webpage_styles import synonyms_from_abbreviations
from healthqa.ingest._xml import parse_xml
from healthqa.ingest.reader import Reader
from healthqa.records import ParsedDocument, Passage, QAPair, SectionType, SourceInfo, Tier

_MEDQUAD_LICENCE = "CC BY 4.0 (MedQuAD, Ben Abacha & Demner-Fushman 2019)"
# MedQuAD ships these three collections without answers (MedlinePlus copyright); the only text we hold
# for them is the TREC LiveQA judged-answers CSV, so their licence must not claim CC BY.
_WITHHELD_LICENCE = (
    "text © its publisher, shown on MedlinePlus; questions from MedQuAD (CC BY 4.0), answer text only from "
    "the TREC 2017 LiveQA judged answers (research use)"
)


def _gov(name: str, publisher: str, url: str) -> SourceInfo:
    return SourceInfo(name, publisher, url, _MEDQUAD_LICENCE, Tier.GOVERNMENT_REVIEWED)


COLLECTIONS: dict[str, tuple[str, SourceInfo]] = {
    "1_CancerGov_QA": ("CancerGov", _gov("Cancer.gov", "National Cancer Institute, NIH", "https://www.cancer.gov")),
    "2_GARD_QA": (
        "GARD",
        _gov("GARD", "Genetic and Rare Diseases Information Center, NIH", "https://rarediseases.info.nih.gov"),
    ),
    "3_GHR_QA": (
        "GHR",
        _gov("Genetics Home Reference", "U.S. National Library of Medicine, NIH", "https://ghr.nlm.nih.gov"),
    ),
    "4_MPlus_Health_Topics_QA": (
        "MPlusHealthTopics",
        _gov("MedlinePlus Health Topics", "U.S. National Library of Medicine, NIH", "https://medlineplus.gov"),
    ),
    "5_NIDDK_QA": (
        "NIDDK",
        _gov(
            "NIDDK",
            "National Institute of Diabetes and Digestive and Kidney Diseases, NIH",
            "https://www.niddk.nih.gov",
        ),
    ),
    "6_NINDS_QA": (
        "NINDS",
        _gov("NINDS", "National Institute of Neurological Disorders and Stroke, NIH", "https://www.ninds.nih.gov"),
    ),
    "7_SeniorHealth_QA": (
        "NIHSeniorHealth",
        _gov("NIHSeniorHealth", "National Institute on Aging and National Library of Medicine, NIH",
             "http://nihseniorhealth.gov"),
    ),
    "8_NHLBI_QA_XML": (
        "NHLBI",
        _gov("NHLBI", "National Heart, Lung, and Blood Institute, NIH", "https://www.nhlbi.nih.gov"),
    ),
    "9_CDC_QA": ("CDC", _gov("CDC", "Centers for Disease Control and Prevention", "https://www.cdc.gov")),
    # The next three are licensed third-party texts that MedlinePlus shows: reviewed by their publishers,
    # not written by a government agency.
    "10_MPlus_ADAM_QA": (
        "ADAM",
        SourceInfo(
            "A.D.A.M. Medical Encyclopedia",
            "A.D.A.M., Inc. (Ebix), shown on MedlinePlus by the U.S. National Library of Medicine",
            "https://medlineplus.gov/encyclopedia.html",
            _WITHHELD_LICENCE,
            Tier.REVIEWED_PUBLISHER,
        ),
    ),
    "11_MPlusDrugs_QA": (
        "MPlusDrugs",
        SourceInfo(
            "MedlinePlus Drug Information",
            "AHFS Consumer Medication Information, American Society of Health-System Pharmacists; "
            "shown on MedlinePlus by the U.S. National Library of Medicine",
            "https://medlineplus.gov/druginformation.html",
            _WITHHELD_LICENCE,
            Tier.REVIEWED_PUBLISHER,
        ),
    ),
    "12_MPlusHerbsSupplements_QA": (
        "MPlusHerbsSuppls",
        SourceInfo(
            "MedlinePlus Herbs and Supplements",
            "Natural Medicines Comprehensive Database (Therapeutic Research Center); "
            "shown on MedlinePlus by the U.S. National Library of Medicine",
            "https://medlineplus.gov/druginformation.html",
            _WITHHELD_LICENCE,
            Tier.REVIEWED_PUBLISHER,
        ),
    ),
}

_BY_SRC: dict[str, SourceInfo] = {src: info for src, info in COLLECTIONS.values()}
# The XML's own source attribute, used when a file sits outside its collection folder.
_SRC_ALIASES: dict[str, str] = {src.lower(): src for src in _BY_SRC} | {
    "mplusherbssupplements": "MPlusHerbsSuppls",
}


def source_for_src(src: str) -> SourceInfo:
    """The source of a MedQuAD id prefix (``GARD`` in ``GARD_0003459_Sec2.txt``)."""
    try:
        return _BY_SRC[src]
    except KeyError:
        raise KeyError(f"unknown MedQuAD source {src!r}") from None


def public_id(src: str, stem: str, pid: str) -> str:
    """The LiveQA name of a MedQuAD answer: the file stem, not the Document id (CancerGov ids repeat)."""
    return f"{src}_{stem}_Sec{pid}.txt"


# MedQuAD's questions are generated from one template per question type; matching them back recovers
# the focus and the type of a question whose XML we do not have (judged CSV, MEDIQA headings).
# Order matters: the specific templates come before the ones they would otherwise swallow.
_TEMPLATES: list[tuple[str, SectionType]] = [
    (r"what is \(are\) {F}", SectionType.INFORMATION),
    (r"what is the outlook for {F}", SectionType.OUTLOOK),
    (r"what is the prognosis for {F}", SectionType.OUTLOOK),
    (r"what is the dosage of {F}", SectionType.DOSE),
    (r"what is the action of {F} and how does it work", SectionType.HOW_IT_WORKS),
    (r"what are the symptoms (?:of|for) {F}", SectionType.SYMPTOMS),
    (r"what are the treatments for {F}", SectionType.TREATMENT),
    (r"is there any treatment for {F}", SectionType.TREATMENT),
    (r"what causes {F}", SectionType.CAUSES),
    (r"do you have information about {F}", SectionType.INFORMATION),
    (r"how to diagnose {F}", SectionType.EXAMS_AND_TESTS),
    (r"do i need to see a doctor for {F}", SectionType.WHEN_TO_CONTACT),
    (r"is {F} inherited", SectionType.INHERITANCE),
    (r"are there safety concerns or special precautions about {F}", SectionType.PRECAUTIONS),
    (r"what are the side effects or risks of {F}", SectionType.SIDE_EFFECTS),
    (r"what other information should i know about {F}", SectionType.OTHER_INFORMATION),
    (r"who should not get {F} and what are its contraindications", SectionType.CONTRAINDICATION),
    (r"who should get {F} and why is it prescribed", SectionType.INDICATION),
    (r"how should {F} be used and what is the dosage", SectionType.USAGE),
    (r"what are the brand names of combination products of {F}", SectionType.BRAND_NAMES_OF_COMBINATIONS),
    (r"what are the brand names of {F}", SectionType.BRAND_NAMES),
    (r"how to prevent {F}", SectionType.PREVENTION),
    (r"what to do in case of emergency or overdose of {F}", SectionType.EMERGENCY_OR_OVERDOSE),
    (r"what to do in case of a severe reaction to {F}", SectionType.SEVERE_REACTION),
    (r"what to do for {F}", SectionType.CONSIDERATIONS),
    (r"what are the complications of {F}", SectionType.COMPLICATIONS),
    (r"how many people are affected by {F}", SectionType.FREQUENCY),
    (r"what should i know about storage and disposal of {F}", SectionType.STORAGE_AND_DISPOSAL),
    (r"what should i do if i forget a dose of {F}", SectionType.FORGET_A_DOSE),
    (r"what special dietary instructions should i follow with {F}", SectionType.DIETARY),
    (r"what are the genetic changes related to {F}", SectionType.GENETIC_CHANGES),
    (r"who is at risk for {F}", SectionType.SUSCEPTIBILITY),
    (r"what important warning or information should i know about {F}", SectionType.IMPORTANT_WARNING),
    (r"what research (?:\(or clinical trials\) )?is being done for {F}", SectionType.RESEARCH),
    (r"where to find support for people with {F}", SectionType.SUPPORT_GROUPS),
    (r"how effective is {F}", SectionType.HOW_EFFECTIVE),
    (r"are there interactions between {F} and other medications", SectionType.INTERACTIONS_WITH_MEDICATIONS),
    (r"are there interactions between {F} and herbs and supplements", SectionType.INTERACTIONS_WITH_HERBS),
    (r"are there interactions between {F} and foods", SectionType.INTERACTIONS_WITH_FOODS),
    (r"what are the stages of {F}", SectionType.STAGES),
    (r"how can i learn more about {F}", SectionType.LEARN_MORE),
    (r"why get vaccinated with {F}", SectionType.WHY_GET_VACCINATED),
    (r"what is {F}", SectionType.INFORMATION),
]
_COMPILED: list[tuple[re.Pattern[str], SectionType]] = [
    (re.compile(r"\s*" + template.replace("{F}", r"(?P<focus>.+?)") + r"[\s?]*", re.IGNORECASE), qtype)
    for template, qtype in _TEMPLATES
]


def parse_question(text: str) -> tuple[str, SectionType] | None:
    """``(focus, question type)`` when ``text`` is one of MedQuAD's question templates, else None."""
    text = " ".join(text.split())
    for pattern, qtype in _COMPILED:
        match = pattern.fullmatch(text)
        if match:
            focus = match.group("focus").strip()
            if focus:
                return focus, qtype
    return None


# Words of a dosage form after a brand name: "Cipro XR Extended-release Tablets" is Cipro.
_DOSAGE_FORM_WORDS = frozenset(
    "tablet tablets capsule capsules caplet caplets oral suspension solution syrup liquid elixir concentrate "
    "injection injectable chewable extended-release delayed-release sustained-release orally disintegrating "
    "odt xr er sr cr la xl cd dr ds ii patch cream gel ointment spray nasal vaginal drops ophthalmic otic kit "
    "pen powder lotion foam intensol diagnostic".split()
)
_LIST_ITEM = re.compile(r"(?:^|\s)-\s+")
_MARKS = re.compile("[\u00ae\u2122\u00b6\u00a9]")  # (R), (TM), pilcrow and (C) signs after a brand


def brand_names(answer: str) -> list[str]:
    """The brand names a MedlinePlus "What are the brand names of X?" answer lists ("- Zomig  - Zomig-ZMT"),
    each also without its dosage form ("Cipro Oral Suspension" is also "Cipro"). Empty for any other text."""
    if not _LIST_ITEM.match(answer.lstrip()):  # a sentence, not MedlinePlus's "- A  - B" list
        return []
    items = [" ".join(_MARKS.sub("", item).split()) for item in _LIST_ITEM.split(answer)]
    names: list[str] = []
    for item in items:
        words = item.split()
        if not words or len(words) > 6:
            continue
        names.append(item)
        rest = [word.casefold() for word in words[1:]]
        if rest and len(words[0]) >= 3 and all(word in _DOSAGE_FORM_WORDS or word.isdigit() for word in rest):
            names.append(words[0])
    return list(dict.fromkeys(names))


def title_from_url(url: str) -> str:
    """A readable stand-in title from a URL's last path segment, for topics that name no focus."""
    path = urlsplit(url).path.rstrip("/")
    segment = unquote(path.rsplit("/", 1)[-1]) if path else ""
    segment = re.sub(r"\.(s?html?|aspx?|php)$", "", segment, flags=re.IGNORECASE)
    words = " ".join(re.split(r"[-_+]+", segment)).strip()
    return words or urlsplit(url).netloc


# Entities are never resolved and nothing is fetched: the files are data, not trusted documents.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=True)

# Element names per root element: (focus, pairs container, pair, question, answer).
_DIALECTS: dict[str, tuple[str, str, str, str, str]] = {
    "Document": ("Focus", "QAPairs", "QAPair", "Question", "Answer"),
    "DiseaseFile": ("Focus", "QAPairs", "QAPair", "Question", "Answer"),
    "doc": ("doctitle-focus", "qaPairs", "pair", "question", "answer"),
}


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    if len(element) == 0:
        return (element.text or "").strip()
    # Markup inside a text element is not expected, but its words still belong to the text.
    return "".join(str(part) for part in element.itertext()).strip()


def _collection(path: Path, root: etree._Element) -> tuple[str, SourceInfo]:
    folder = path.parent.name
    if folder in COLLECTIONS:
        return COLLECTIONS[folder]
    declared = (root.get("source") or root.get("corpus") or "").strip().lower()
    if declared in _SRC_ALIASES:
        src = _SRC_ALIASES[declared]
        return src, _BY_SRC[src]
    raise BadInputError(
        path, f"cannot tell the MedQuAD collection: folder {folder!r} is not one of MedQuAD's and the file "
        f"declares source {declared or 'nothing'!r}"
    )


def from_bytes(path: Path, data: bytes, limits: IngestLimits | None = None) -> list[ParsedDocument]:
    """The document of one MedQuAD XML file: ``data``, its bytes; ``path`` names it (its folder is the
    collection)."""
    root = parse_xml(path, data, _PARSER, "MedQuAD XML")
    if root is None:
        raise BadInputError(path, "empty XML document")
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag not in _DIALECTS:
        raise BadInputError(path, f"root element <{tag}> is not a MedQuAD <Document>, <doc> or <DiseaseFile>")
    focus_tag, pairs_tag, pair_tag, question_tag, answer_tag = _DIALECTS[tag]
    focus_element = root.find(focus_tag)
    if focus_element is None:
        raise BadInputError(path, f"<{tag}> has no <{focus_tag}> (the topic's focus)")
    src, source = _collection(path, root)
    stem = path.stem
    url = (root.get("url") or "").strip()
    focus = " ".join(_text(focus_element).split())

    synonyms: list[str] = []
    cuis: list[str] = []
    # The dialects put annotations at different depths; each tag name occurs only in annotations.
    for element in root.iter("Synonym"):
        name = _text(element)
        if name:
            synonyms.append(name)
    for element in root.iter("CUI", "cui"):
        code = _text(element)
        if code:
            cuis.append(code)

    pairs = root.find(pairs_tag)
    if pairs is None:
        raise BadInputError(path, f"<{tag}> has no <{pairs_tag}>")
    passages: list[Passage] = []
    questions: list[QAPair] = []
    for pair in pairs.iter(pair_tag):
        pid = (pair.get("pid") or "").strip()
        question_element = pair.find(question_tag)
        if not pid or question_element is None:
            raise BadInputError(path, f"a <{pair_tag}> lacks its pid or its <{question_tag}>")
        question = " ".join(_text(question_element).split())
        qtype = SectionType.parse(question_element.get("qtype"))
        ident = public_id(src, stem, pid)
        # The answer id is kept even for an empty answer: the judged CSV may supply that answer's text.
        questions.append(QAPair(text=question, qtype=qtype, public_id=ident, answer_id=ident))
        answer = _text(pair.find(answer_tag))
        if answer:
            passages.append(Passage(answer, qtype, ident, heading=question, precedence=0))
            if qtype is SectionType.BRAND_NAMES:
                synonyms.extend(brand_names(answer))

    # Answers introduce the focus's abbreviation ("Normal pressure hydrocephalus (NPH) is ..."), which
    # people then type; the XML's synonym lists often lack it.
    synonyms.extend(synonyms_from_abbreviations(focus, [passage.text for passage in passages]))
    return [
        ParsedDocument(
            source=source,
            key=f"medquad:{src}_{stem}",
            # A few CDC files have an empty focus but real answers; their URL is the only name they have.
            title=focus or title_from_url(url) or stem,
            url=url,
            focus=[focus] if focus else [],
            synonyms=list(dict.fromkeys(synonyms)),
            codes=[("UMLS", cui) for cui in dict.fromkeys(cuis)],
            passages=passages,
            questions=questions,
        )
    ]


_ROOT_MARKERS = (b"<Document", b"<doc docid", b"<DiseaseFile")


def detect(path: Path, head: bytes) -> bool:
    if path.suffix.lower() != ".xml" or b"<MEDIQA" in head:
        return False
    return any(marker in head for marker in _ROOT_MARKERS)


READER = Reader(
    format="medquad",
    description="MedQuAD XML",
    detect=detect,
    read=from_bytes,
)


def read(path: Path) -> list[ParsedDocument]:
    """The documents of the file at ``path`` (tests and scripts; an ingest hands :func:`from_bytes` the bytes)."""
    return READER.read_path(path)
