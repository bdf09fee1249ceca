"""MEDIQA 2019 question-answering XML: web answers that NLM's CHiQA system retrieved.

Each ``<Answer>`` is a span of a trusted web page (``AnswerURL``), prefixed by CHiQA with the page's
title and the section it came from (``Noonan syndrome (Symptoms): …``). Answers are grouped into one
document per page; the prefix becomes the passage heading and the rest, the publisher's own words,
the passage text. The reference ranks and scores are judgments about the task's questions, not
content, so they are not kept.

MEDIQA's answer ids (``1_Answer3``) restart in every file and the same page occurs in several files,
so ids and document keys are qualified by the file's stem (``qa-validation:1_Answer3``).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from healthqa.errors import BadInputError
from healthqa.ingest._files import IngestLimits
from healthqa.ingest._xml import parse_xml
from healthqa.ingest.medquad import parse_question, title_from_url
from healthqa.ingest.reader import Reader
from healthqa.records import ParsedDocument, Passage, SectionType, SourceInfo, Tier

LICENCE = "MEDIQA 2019 research use; text © its publisher"
# Every source name is suffixed: the store keeps one licence per source name, and the MedQuAD
# copies of GARD, Genetics Home Reference … are licensed differently.
_SUFFIX = " (MEDIQA 2019)"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=True)


def public_id(stem: str, aid: str) -> str:
    return f"{stem}:{aid}"


def _source(name: str, publisher: str, url: str, tier: Tier) -> SourceInfo:
    return SourceInfo(name + _SUFFIX, publisher, url, LICENCE, tier)


_NLM = "U.S. National Library of Medicine, NIH"
_GOV = Tier.GOVERNMENT_REVIEWED
_ADAM = _source(
    "A.D.A.M. Medical Encyclopedia", "A.D.A.M., Inc. (Ebix), shown on MedlinePlus by the " + _NLM,
    "https://medlineplus.gov/encyclopedia.html", Tier.REVIEWED_PUBLISHER,
)
_DRUGS = _source(
    "MedlinePlus Drug Information",
    "AHFS Consumer Medication Information, American Society of Health-System Pharmacists; "
    "shown on MedlinePlus",
    "https://medlineplus.gov/druginformation.html", Tier.REVIEWED_PUBLISHER,
)
_HERBS = _source(
    "MedlinePlus Herbs and Supplements",
    "Natural Medicines Comprehensive Database (Therapeutic Research Center); shown on MedlinePlus",
    "https://medlineplus.gov/druginformation.html", Tier.REVIEWED_PUBLISHER,
)
_MEDLINEPLUS = _source("MedlinePlus", _NLM, "https://medlineplus.gov", _GOV)
# Answers whose AnswerURL is "#": the page is unknown, so nothing vouches for the text.
UNATTRIBUTED = SourceInfo(
    "Unattributed" + _SUFFIX, "unknown (MEDIQA 2019 gives no source URL)", "", LICENCE, Tier.UNREVIEWED
)

_HOSTS: dict[str, SourceInfo] = {
    "rarediseases.info.nih.gov": _source(
        "GARD", "Genetic and Rare Diseases Information Center, NIH", "https://rarediseases.info.nih.gov", _GOV
    ),
    "ghr.nlm.nih.gov": _source("Genetics Home Reference", _NLM, "https://ghr.nlm.nih.gov", _GOV),
    "mayoclinic.org": _source(
        "Mayo Clinic", "Mayo Foundation for Medical Education and Research", "https://www.mayoclinic.org",
        Tier.REVIEWED_PUBLISHER,
    ),
    "cancer.gov": _source("Cancer.gov", "National Cancer Institute, NIH", "https://www.cancer.gov", _GOV),
    "niddk.nih.gov": _source(
        "NIDDK", "National Institute of Diabetes and Digestive and Kidney Diseases, NIH", "https://www.niddk.nih.gov",
        _GOV,
    ),
    "nhlbi.nih.gov": _source(
        "NHLBI", "National Heart, Lung, and Blood Institute, NIH", "https://www.nhlbi.nih.gov", _GOV
    ),
    "ninds.nih.gov": _source(
        "NINDS", "National Institute of Neurological Disorders and Stroke, NIH", "https://www.ninds.nih.gov",
        _GOV,
    ),
    "nia.nih.gov": _source("NIA", "National Institute on Aging, NIH", "https://www.nia.nih.gov", _GOV),
    "nidcd.nih.gov": _source(
        "NIDCD", "National Institute on Deafness and Other Communication Disorders, NIH",
        "https://www.nidcd.nih.gov", _GOV,
    ),
    "niaid.nih.gov": _source(
        "NIAID", "National Institute of Allergy and Infectious Diseases, NIH", "https://www.niaid.nih.gov",
        _GOV,
    ),
    "niams.nih.gov": _source(
        "NIAMS", "National Institute of Arthritis and Musculoskeletal and Skin Diseases, NIH",
        "https://www.niams.nih.gov", _GOV,
    ),
    "nimh.nih.gov": _source(
        "NIMH", "National Institute of Mental Health, NIH", "https://www.nimh.nih.gov", _GOV
    ),
    "nichd.nih.gov": _source(
        "NICHD", "Eunice Kennedy Shriver National Institute of Child Health and Human Development, NIH",
        "https://www.nichd.nih.gov", _GOV,
    ),
    "nei.nih.gov": _source("NEI", "National Eye Institute, NIH", "https://www.nei.nih.gov", _GOV),
    "nihseniorhealth.gov": _source(
        "NIHSeniorHealth", "National Institute on Aging and National Library of Medicine, NIH",
        "http://nihseniorhealth.gov", _GOV,
    ),
    "womenshealth.gov": _source(
        "womenshealth.gov", "Office on Women's Health, U.S. Department of Health and Human Services",
        "https://www.womenshealth.gov", _GOV,
    ),
}


def source_for_url(url: str) -> SourceInfo:
    """Who published the page at ``url``, judged by its host (and, on MedlinePlus, its path)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return UNATTRIBUTED
    path = parts.path.lower()
    if host == "medlineplus.gov" or (host == "nlm.nih.gov" and path.startswith("/medlineplus")):
        # MedlinePlus shows licensed third-party texts beside its own pages.
        if "/ency/" in path:
            return _ADAM
        if "/druginfo/natural/" in path:
            return _HERBS
        if "/druginfo/" in path:
            return _DRUGS
        return _MEDLINEPLUS
    for known, info in _HOSTS.items():
        if host == known or host.endswith("." + known):
            return info
    if host == "gov" or host.endswith(".gov"):
        return SourceInfo(host + _SUFFIX, host, f"{parts.scheme or 'https'}://{parts.netloc}", LICENCE, _GOV)
    return SourceInfo(
        host + _SUFFIX, host, f"{parts.scheme or 'https'}://{parts.netloc}", LICENCE, Tier.REVIEWED_PUBLISHER
    )


# CHiQA's section labels, as they appear in "Title (Label): …", beyond what SectionType.parse knows.
_LABELS: dict[str, SectionType] = {
    "summary": SectionType.INFORMATION,
    "overview": SectionType.INFORMATION,
    "definition": SectionType.INFORMATION,
    "description": SectionType.INFORMATION,
    "signs and symptoms": SectionType.SYMPTOMS,
    "risk factors": SectionType.SUSCEPTIBILITY,
    "risks": SectionType.COMPLICATIONS,
    "drug treatment": SectionType.TREATMENT,
    "treatment and therapies": SectionType.TREATMENT,
    "treatments and therapies": SectionType.TREATMENT,
    "treatment options": SectionType.TREATMENT,
    "treatment option overview": SectionType.TREATMENT,
    "treatment options by stage": SectionType.TREATMENT,
    "alternative medicine": SectionType.TREATMENT,
    "lifestyle and home remedies": SectionType.CONSIDERATIONS,
    "when to call the doctor": SectionType.WHEN_TO_CONTACT,
    "who is at risk": SectionType.SUSCEPTIBILITY,
    "inheritance pattern": SectionType.INHERITANCE,
    "exams and tests": SectionType.EXAMS_AND_TESTS,
    "why is this medication prescribed?": SectionType.INDICATION,
    "how should this medicine be used?": SectionType.USAGE,
    "what special precautions should i follow?": SectionType.PRECAUTIONS,
    "what side effects can this medication cause?": SectionType.SIDE_EFFECTS,
    "what other information should i know?": SectionType.OTHER_INFORMATION,
    "what should i do if i forget a dose?": SectionType.FORGET_A_DOSE,
    "what special dietary instructions should i follow?": SectionType.DIETARY,
    "what should i know about storage and disposal of this medication?": SectionType.STORAGE_AND_DISPOSAL,
    "in case of emergency/overdose": SectionType.EMERGENCY_OR_OVERDOSE,
    "how effective is it?": SectionType.HOW_EFFECTIVE,
}
# A free-form heading question names its topic by a few unambiguous words; first match wins.
_QUESTION_CUES: list[tuple[re.Pattern[str], SectionType]] = [
    (re.compile(r"\b(symptoms?|signs)\b", re.IGNORECASE), SectionType.SYMPTOMS),
    (re.compile(r"\bcause[sd]?\b", re.IGNORECASE), SectionType.CAUSES),
    (re.compile(r"\b(diagnos\w*|detected|tested|screened)\b", re.IGNORECASE), SectionType.EXAMS_AND_TESTS),
    (re.compile(r"\b(treat|treated|treatments?|cure)\b", re.IGNORECASE), SectionType.TREATMENT),
    (re.compile(r"\bprevent(ed|ion)?\b", re.IGNORECASE), SectionType.PREVENTION),
    (
        re.compile(r"\b(who gets|at risk|more likely to (get|develop))\b", re.IGNORECASE),
        SectionType.SUSCEPTIBILITY,
    ),
    (re.compile(r"\bhow common\b", re.IGNORECASE), SectionType.FREQUENCY),
]


def _label_section(label: str) -> SectionType | None:
    """The section a label names, or None when the label is not a section heading."""
    label = " ".join(label.split())  # str.split() also splits the no-break spaces of some headings
    key = label.lower().rstrip(":").strip()
    if key in _LABELS:
        return _LABELS[key]
    try:
        return SectionType(key)
    except ValueError:
        pass
    parsed = SectionType.parse(key)
    if parsed is not SectionType.INFORMATION or key in ("information", "general information"):
        return parsed
    if key.endswith("?"):
        return _question_section(label)
    return None


def _question_section(question: str) -> SectionType:
    parsed = parse_question(question)
    if parsed:
        return parsed[1]
    for pattern, section in _QUESTION_CUES:
        if pattern.search(question):
            return section
    return SectionType.INFORMATION


_MAX_HEAD = 500  # synonym lists make some headings long; a longer "head" is body text with a colon in it
_MAX_TITLE = 160


class ChiqaAnswer:
    """What the CHiQA prefix of one answer says: title, section, synonyms, and where the body starts."""

    def __init__(self, text: str) -> None:
        self.title = ""
        self.heading = ""
        self.body = text
        self.section = SectionType.INFORMATION
        self.synonyms: list[str] = []
        head_end = _head_end(text)
        if head_end is None:
            return
        head = text[:head_end].strip()
        body = text[head_end + 1 :].strip()
        if not head or not body or not _looks_like_heading(head):
            return
        self.heading, self.body = head, body
        if head.endswith("?"):
            # A MedQuAD-style heading ("What causes Flu?") names the focus through its template.
            parsed = parse_question(head)
            if parsed:
                self.title, self.section = parsed
            else:
                self.section = _question_section(head)
            return
        title, label = _split_label(head)
        section: SectionType | None = None
        if label is not None:
            section = _label_section(label)
            if section is None and ("See More" in label or " , " in label):
                self.synonyms = _synonyms(label, title)
            elif section is None:
                # An unknown parenthetical ("Swine flu (H1N1 flu)") is part of the title.
                title = head
        # Some titles are templated questions without their "?" ("Do you have information about X").
        parsed = parse_question(title)
        if parsed:
            title = parsed[0]
            section = section if section not in (None, SectionType.INFORMATION) else parsed[1]
        self.title = title
        self.section = section or SectionType.INFORMATION


def _looks_like_heading(head: str) -> bool:
    """A title, possibly with a label: short, and not a sentence that happens to precede a colon."""
    title = _split_label(head)[0]
    return len(title) <= _MAX_TITLE and ". " not in title


def _head_end(text: str) -> int | None:
    """The index of the colon that ends CHiQA's prefix: the first one outside parentheses."""
    depth = 0
    for index, char in enumerate(text[: _MAX_HEAD + 1]):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == ":" and depth == 0:
            # "Der(22) syndrome due to 3:1 …" has colons inside words; CHiQA's is followed by a space.
            if index + 1 < len(text) and not text[index + 1].isspace():
                continue
            return index
    return None


def _split_label(head: str) -> tuple[str, str | None]:
    """``("Noonan syndrome", "Symptoms")`` from ``"Noonan syndrome (Symptoms)"``; labels may nest parens."""
    if not head.endswith(")"):
        return head, None
    depth = 0
    for index in range(len(head) - 1, -1, -1):
        if head[index] == ")":
            depth += 1
        elif head[index] == "(":
            depth -= 1
            if depth == 0:
                title = head[:index].strip()
                return (title, head[index + 1 : -1].strip()) if title else (head, None)
    return head, None


def _synonyms(label: str, title: str) -> list[str]:
    # "Radiation therapy, Radiotherapy , Cancer - radiation therapy , … See More": the title, then names
    # separated by " , " (a plain ", " occurs inside names such as "Dementia, frontotemporal").
    label = label.removesuffix("See More").strip()
    if label.startswith(title + ","):
        label = label[len(title) + 1 :]
    names = [" ".join(name.split()) for name in label.split(" , ")]
    return list(dict.fromkeys(name for name in names if name and name != title))


class _Page:
    def __init__(self, key: str, url: str, source: SourceInfo) -> None:
        self.key = key
        self.url = url
        self.source = source
        self.titles: Counter[str] = Counter()
        self.synonyms: list[str] = []
        self.passages: list[Passage] = []
        self.texts: set[str] = set()
        self.ids: set[str] = set()


def from_bytes(path: Path, data: bytes, limits: IngestLimits | None = None) -> list[ParsedDocument]:
    """The documents of one MEDIQA 2019 QA file: ``data``, its bytes; ``path`` names it."""
    root = parse_xml(path, data, _PARSER, "MEDIQA XML")
    tag = root.tag if root is not None and isinstance(root.tag, str) else ""
    if not tag.startswith("MEDIQA2019"):
        raise BadInputError(path, f"root element <{tag}> is not a MEDIQA 2019 question set")
    if "-RQE" in tag:
        raise BadInputError(
            path, "a MEDIQA 2019 question-entailment (RQE) file: question pairs, no answer passages to ingest"
        )
    stem = path.stem
    pages: dict[str, _Page] = {}
    for answer in root.iter("Answer"):
        aid = (answer.get("AID") or "").strip()
        if not aid:
            raise BadInputError(path, f"line {answer.sourceline}: an <Answer> has no AID")
        text = (answer.findtext("AnswerText") or "").strip()
        if not text:
            continue
        url = (answer.findtext("AnswerURL") or "").strip()
        parsed = ChiqaAnswer(text)
        source = source_for_url(url)
        if source is UNATTRIBUTED:
            # With no page to group by, an answer's own title is the best stand-in for its page.
            url = ""
            group = "#" + (parsed.title or aid)
        else:
            group = url
        page = pages.get(group)
        if page is None:
            page = pages[group] = _Page(f"mediqa:{stem}:{group}", url, source)
        ident = public_id(stem, aid)
        # The same span is often retrieved for several questions, each time under a new AID.
        if ident in page.ids or parsed.body in page.texts:
            continue
        page.ids.add(ident)
        page.texts.add(parsed.body)
        if parsed.title:
            page.titles[parsed.title] += 1
        page.synonyms.extend(parsed.synonyms)
        page.passages.append(
            Passage(text=parsed.body, section=parsed.section, public_id=ident, heading=parsed.heading)
        )
    if not pages and root.find("Question") is None:
        raise BadInputError(path, "no <Question> elements")
    return [_document(page) for page in pages.values()]


def _document(page: _Page) -> ParsedDocument:
    # "Bill (Charges Listed on Your Bill)" is a section of the page titled "Bill" when that title occurs too.
    titles: Counter[str] = Counter()
    for title, count in page.titles.items():
        base = _split_label(title)[0]
        titles[base if base in page.titles else title] += count
    title = titles.most_common(1)[0][0] if titles else title_from_url(page.url)
    return ParsedDocument(
        source=page.source,
        key=page.key,
        title=title or page.key,
        url=page.url,
        synonyms=[name for name in dict.fromkeys(page.synonyms) if name != title],
        passages=page.passages,
    )


def detect(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".xml" and b"<MEDIQA2019" in head


READER = Reader(
    format="mediqa",
    description="MEDIQA 2019 QA XML",
    detect=detect,
    read=from_bytes,
)


def read(path: Path) -> list[ParsedDocument]:
    """The documents of the file at ``path`` (tests and scripts; an ingest hands :func:`from_bytes` the bytes)."""
    return READER.read_path(path)
