"""Reader for saved web pages about one condition, as HTML or as plain text.

A page becomes a list of text lines: HTML through lxml's parser (block elements become lines;
script, style, nav and footer are dropped), a text file line by line. Boilerplate lines (app
promotion, site furniture, disclaimers) are dropped using :data:`BOILERPLATE`, then the page's style
decides how its lines become typed passages:

* ``faq`` — a GARD-style FAQ page (e.g. the RareGuru app): question headings, "Last updated on"
  dates, support organisations, a drug table;
* ``encyclopedia`` — a MedlinePlus A.D.A.M. page: synonyms, standard headings, references,
  review date and reviewer;
* ``article`` — anything else: a long unreviewed article with headings, paragraphs and bullets.

Passages keep the page's exact words; headings may lose emoji.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from healthqa.errors import BadInputError
from healthqa.ingest._files import IngestLimits
from healthqa.ingest._webpage_styles import (
    PageContent,
    Section,
    detect_style,
    parse_article,
    parse_encyclopedia,
    parse_faq,
)
from healthqa.ingest.reader import Reader
from healthqa.records import OMITTED, ParsedDocument, Passage, QAPair

_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
# How a sentence that announces a list ends, read on its last words ("... may include:", "the following drugs:",
# "The exam may show:", "The main goals of treatment are to:"; not a heading such as "Signs and Symptoms:" nor an
# introduction such as "The short answer is:"), what a list item of a text page opens with (a bullet of any kind,
# "1.", "(1)", "a)", "A)", "IV."), and how long an item without a bullet is at most.
_LEAD_IN = re.compile(r"(^|\s)(include|includes|including|following(\s+\w+)?|as follows|such as|may show|shows|"
                      r"are to|are the following|are these|these are)$", re.IGNORECASE)
_LEAD_IN_WORDS = 2
_LIST_ITEM = re.compile(r"[^\w\s\"'(\u201c\u2018]|o\s|\(?\d+[.)]|\(?[a-zA-Z][.)]\s|[IVX]+\.\s")
_ITEM_WORDS = 8
_TEXT_SUFFIXES = frozenset({".txt", ".text"})
# Data files that other readers own or that are never pages, whatever their content.
_NOT_PAGE_SUFFIXES = frozenset(
    {".xml", ".csv", ".tsv", ".json", ".jsonl", ".yaml", ".yml", ".gz", ".zip", ".sql", ".py", ".sh"}
)
_NOT_PAGE_STEMS = frozenset({"license", "licence", "copying", "notice", "readme"})

# Lines that are page furniture, never content. A line matching any pattern is dropped.
BOILERPLATE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        # RareGuru app promotion, feedback requests and the data-source credit (seed 000).
        r"^Connect with other users with .+ on the \w+ app\.?$",
        r"^Join the .{1,60} Community!?$",
        r"^People Using the App$",
        r"^To connect, share, empower and heal today\.?$",
        r"^Do you have information about a disease, disorder, or syndrome\?",
        r"^Please send suggestions to\b",
        r"disease database is regularly updated",
        r"^Note, these links are external searches\b",
        # MedlinePlus / A.D.A.M. site furniture, accreditation, disclaimer, copyright (seed 004).
        r"^Site Map$",
        r"^I Would Like to Learn About:?$",
        r"^URL of this page:",
        r"^To use the sharing features on this page\b",
        r"^Learn how to cite this page$",
        r"^ADAM Quality Logo$",
        r"^Health Content Provider$",
        r"^A\.D\.A\.M\., Inc\. is accredited by URAC\b",
        r"\bHONcode\b",
        r"^The information provided herein should not be used during any medical emergency\b",
        r"©\s*\d{4}",
        r"^A\.D\.A\.M\. content is best viewed in\b",
        # Promotion inside AI-written articles (seed 002).
        r"^For more information\b.*\bconsider visiting\b",
        r"\bconsider visiting [A-Z][\w.-]*(?: [A-Z][\w.-]*)* (?:AI|app)\b",
    )
)

_DROP_TAGS = frozenset(
    {"script", "style", "nav", "footer", "noscript", "template", "svg", "iframe", "head", "figcaption",
     "button", "select", "textarea", "object", "canvas"}
)  # fmt: skip
_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details",
     "dialog", "div", "dl", "dt", "fieldset", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "header",
     "hgroup", "hr", "html", "legend", "li", "main", "ol", "p", "section", "summary", "table", "tbody",
     "tfoot", "thead", "tr", "ul"}
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
_MAX_DEPTH = 400
_PAGE_URL = re.compile(r"^URL of this page:\s*(https?://\S+)")


class _Lines:
    """Collects the text of an HTML tree as lines: one per block, table cells split by tabs."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._parts: list[str] = []
        self._bullet = False

    def add(self, text: str | None) -> None:
        if text:
            self._parts.append(text)

    def cell(self) -> None:
        if self._parts:
            self._parts.append("\t")

    def bullet(self) -> None:
        self.flush()
        self._bullet = True

    def flush(self) -> None:
        cells = (" ".join(cell.split()) for cell in "".join(self._parts).split("\t"))
        line = "\t".join(cell for cell in cells if cell)
        self._parts = []
        if line:
            self.lines.append(f"- {line}" if self._bullet else line)
            self._bullet = False

    def walk(self, element: lxml_html.HtmlElement, depth: int = 0) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        hidden = element.get("hidden") is not None or element.get("aria-hidden") == "true"
        if tag == "" or tag in _DROP_TAGS or hidden or element.get("role") == "navigation":
            self.add(element.tail)  # a comment, processing instruction or dropped element
            return
        if tag == "pre" or depth > _MAX_DEPTH:
            self.flush()
            self.lines.extend(line.strip() for line in element.text_content().splitlines() if line.strip())
            self.add(element.tail)
            return
        block = tag in _BLOCK_TAGS
        if tag == "li":
            self.bullet()
        elif block:
            self.flush()
        elif tag in _CELL_TAGS:
            self.cell()
        self.add(element.text)
        for child in element:
            self.walk(child, depth + 1)
        if block:
            self.flush()
        self.add(element.tail)


def _canonical_url(document: lxml_html.HtmlElement) -> str:
    for link in document.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and _is_web_url(link.get("href")):
            return (link.get("href") or "").strip()
    for meta in document.iter("meta"):
        if (meta.get("property") or "").lower() == "og:url" and _is_web_url(meta.get("content")):
            return (meta.get("content") or "").strip()
    return ""


def _is_web_url(value: str | None) -> bool:
    return bool(value and re.match(r"^https?://\S+$", value.strip()))


def html_lines(text: str, path: Path) -> tuple[list[str], str]:
    """The lines of an HTML page and its canonical URL ("" when it names none)."""
    try:
        document = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise BadInputError(path, f"empty page (no HTML content: {error})") from error
    collector = _Lines()
    collector.walk(document)
    collector.flush()
    return collector.lines, _canonical_url(document)


def text_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def lost_lists(lines: list[str]) -> frozenset[str]:
    """The sentences of a page saved as plain text (its ``lines``, blank ones included) that announce a list the
    copy lost: saving a page as text drops its lists, and the paragraph after such a sentence would read as its
    list. A sentence counts when it ends with a list's lead-in ("... may include:", "the following drugs:"), a
    blank line or the end follows it, and no list comes after that: no bulleted or numbered item, nor two short
    items in a row (items without bullets). A sentence that also introduces a list it kept elsewhere on the page
    does not count."""
    following: list[int | None] = [None] * len(lines)  # the next non-blank line after each line
    upcoming: int | None = None
    for i in range(len(lines) - 1, -1, -1):
        following[i] = upcoming
        if lines[i]:
            upcoming = i
    lost: set[str] = set()
    kept: set[str] = set()
    for i, line in enumerate(lines):
        if not line.endswith(":") or ":" in line[:-1]:
            continue
        words = line[:-1].split()
        # Its last three words decide: a bounded read, however long the line.
        if len(words) < _LEAD_IN_WORDS or not _LEAD_IN.search(" ".join(words[-3:])):
            continue
        after = following[i]
        gone = (i + 1 == len(lines) or not lines[i + 1]) and not (
            after is not None and _starts_list(lines, after, following))
        (lost if gone else kept).add(line)
    return frozenset(lost - kept)


def _starts_list(lines: list[str], at: int, following: list[int | None]) -> bool:
    """Whether a list starts at line ``at``: a bulleted or numbered item, or two short items one after the other
    (blank lines between them or not): a few words, ending without a full stop unless three words at most."""
    if _LIST_ITEM.match(lines[at]):
        return True
    second = following[at]
    return second is not None and _short_item(lines[at]) and _short_item(lines[second])


def _short_item(line: str) -> bool:
    words = len(line.split())
    return words <= _ITEM_WORDS and (line[-1] not in ".?!" or words <= 3)


def drop_boilerplate(lines: list[str]) -> list[str]:
    """``lines`` without boilerplate; a dropped line takes one of the blank lines around it along."""
    kept: list[str] = []
    eat_blank = False
    for line in lines:
        if line and any(pattern.search(line) for pattern in BOILERPLATE):
            eat_blank = not kept or not kept[-1]
            continue
        if not line and eat_blank:
            eat_blank = False
            continue
        eat_blank = False
        kept.append(line)
    return kept


def _looks_like_html(text: str) -> bool:
    head = text[:1024].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or (head.startswith("<") and "<body" in head)


def _decoded_head(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    for cut in range(4):  # the head may end inside a multi-byte character
        try:
            return head[: len(head) - cut].decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
    return None


def _looks_like_prose(text: str) -> bool:
    tokens = text.split()
    words = [
        t
        for t in tokens
        if re.fullmatch(
            r"[\"'(\[\u201c\u2018]*[^\W\d_]+(?:['\u2019-][^\W\d_]+)*[\"'\u201d\u2019)\].,;:!?]*", t
        )
    ]
    return len(words) >= 3 and len(words) >= 0.6 * len(tokens)


def detect(path: Path, head: bytes) -> bool:
    suffix = path.suffix.lower()
    if suffix in _HTML_SUFFIXES:
        return True
    if suffix in _NOT_PAGE_SUFFIXES or path.stem.lower() in _NOT_PAGE_STEMS:
        return False
    text = _decoded_head(head)
    if text is None:
        return suffix in _TEXT_SUFFIXES  # read() says why it cannot be read
    return _looks_like_html(text) or _looks_like_prose(text)


def from_bytes(path: Path, data: bytes, limits: IngestLimits | None = None) -> list[ParsedDocument]:
    """The document of one page: ``data``, its bytes; ``path`` names it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInputError(path, f"not UTF-8 text (undecodable byte at offset {error.start})") from error
    if "\x00" in text:
        raise BadInputError(path, "not UTF-8 text (contains NUL bytes)")
    as_html = path.suffix.lower() in _HTML_SUFFIXES or _looks_like_html(text)
    if as_html:
        lines, url = html_lines(text, path)
    else:
        lines, url = text_lines(text), ""
    if not any(lines):
        raise BadInputError(path, "empty page (no text)")
    if not url:  # MedlinePlus prints its own address on the page
        url = next((m.group(1) for line in lines if (m := _PAGE_URL.match(line))), "")
    raw_text = "\n".join(lines)
    cleaned = drop_boilerplate(lines)
    if not any(cleaned):
        raise BadInputError(path, "empty page (nothing left after removing boilerplate)")
    style = detect_style(cleaned)
    parser = {"faq": parse_faq, "encyclopedia": parse_encyclopedia}.get(style, parse_article)
    content = parser(cleaned, raw_text, url)
    if not content.sections:
        raise BadInputError(path, f"empty page (no passages found in this {style} page)")
    # The parsers read the lines as saved; a sentence whose list is gone is marked in the passages they make.
    return [_document(path, content, frozenset() if as_html else lost_lists(cleaned))]


def _document(path: Path, content: PageContent, lost: frozenset[str] = frozenset()) -> ParsedDocument:
    stem = path.stem
    passages: list[Passage] = []
    questions: list[QAPair] = []
    for number, section in enumerate(content.sections, start=1):
        public_id = f"{stem}_Sec{number}"
        passages.append(
            Passage(
                text=_marked(section, lost).text(),
                section=section.section,
                public_id=public_id,
                heading=section.heading,
                updated=section.updated,
            )
        )
        if section.question:
            questions.append(
                QAPair(
                    text=section.heading,
                    qtype=section.section,
                    public_id=f"{stem}_Q{number}",
                    answer_id=public_id,
                )
            )
    return ParsedDocument(
        source=content.source,
        key=f"webpage:{stem}",
        title=content.title,
        url=content.source.url,
        focus=[content.focus],
        synonyms=content.synonyms,
        updated=content.updated,
        reviewer=content.reviewer,
        passages=passages,
        questions=questions,
        organisations=content.organisations,
        drugs=content.drugs,
        references=content.references,
    )


def _marked(section: Section, lost: frozenset[str]) -> Section:
    """``section`` with each sentence of ``lost`` ending in :data:`OMITTED`."""
    if not lost.intersection(section.paragraphs):
        return section
    marked = [f"{paragraph} {OMITTED}" if paragraph in lost else paragraph for paragraph in section.paragraphs]
    return dataclasses.replace(section, paragraphs=marked)


READER = Reader(
    format="webpage",
    description="web page (HTML or saved text: FAQ, encyclopedia or article)",
    detect=detect,
    read=from_bytes,
    # 2: a sentence whose list a saved text page lost is marked (lost_lists).
    version=2,
)


def read(path: Path) -> list[ParsedDocument]:
    """The documents of the file at ``path`` (tests and scripts; an ingest hands :func:`from_bytes` the bytes)."""
    return READER.read_path(path)
