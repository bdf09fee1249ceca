"""The TREC 2017 LiveQA judged-answers CSV: the text of every MedQuAD answer that was judged.

Rows are ``AnswerID,Answer`` with the answer field laid out as ``Question: …`` / ``URL: …`` /
``Answer: …``. It is the only public text of the judged A.D.A.M. and MedlinePlus Drugs answers, and
for the other collections it is the text the judges saw, so its passages carry precedence 1 and
supersede the MedQuAD XML passage with the same id or the same words.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from healthqa.errors import BadInputError
from healthqa.ingest._files import IngestLimits
from healthqa.ingest.medquad import brand_names, parse_question, source_for_src, title_from_url
from healthqa.ingest.reader import Reader
from healthqa.records import ParsedDocument, Passage, QAPair, SectionType

_HEADER = ["AnswerID", "Answer"]
_ANSWER_ID = re.compile(r"(?P<src>[A-Za-z]+)_(?P<stem>.+)_Sec(?P<pid>\d+)\.txt")
_FIELD = re.compile(
    r"\s*Question:(?P<question>.*?)\r?\nURL:(?P<url>.*?)\r?\nAnswer:(?P<answer>.*)", re.DOTALL
)
# The synonym list closes the question and may itself hold parentheses, e.g. "(Also called: r(20) syndrome)".
_ALSO_CALLED = re.compile(r"\s*\(Also called:(?P<names>.*)\)\s*$", re.DOTALL)
JUDGED_PRECEDENCE = 1


def split_question(raw: str) -> tuple[str, list[str]]:
    """The question without its ``(Also called: A; B)`` tail, and the names in that tail."""
    question = " ".join(raw.split())
    match = _ALSO_CALLED.search(question)
    if match is None:
        return question, []
    names = [name.strip() for name in match.group("names").split(";")]
    return question[: match.start()].strip(), [name for name in names if name]


def clean_answer(raw: str) -> str:
    """The answer's own words: the export appends a ``)`` to every answer, which is not the source's."""
    text = raw.strip()
    if text.endswith(")"):
        text = text[:-1].rstrip()
    return text


class _Topic:
    """The rows of one MedQuAD file, gathered while reading."""

    def __init__(self, src: str, stem: str) -> None:
        self.src = src
        self.stem = stem
        self.url = ""
        self.focus = ""
        self.synonyms: list[str] = []
        self.passages: list[Passage] = []
        self.questions: list[QAPair] = []
        self.seen: set[str] = set()


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInputError(path, f"not UTF-8 text (byte {error.start}: {error.reason})") from error


def from_bytes(path: Path, data: bytes, limits: IngestLimits | None = None) -> list[ParsedDocument]:
    """The documents of one judged-answers CSV: ``data``, its bytes; ``path`` names it."""
    # strict: a stray quote is an error, not text silently glued onto the next rows.
    reader = csv.reader(io.StringIO(_decode(path, data), newline=""), strict=True)
    topics: dict[str, _Topic] = {}
    try:
        header = next(reader, None)
        if header is None or [cell.strip() for cell in header] != _HEADER:
            raise BadInputError(path, f"expected the header 'AnswerID,Answer', found {header!r}")
        for row in reader:
            if not row or not any(cell.strip() for cell in row):
                continue
            where = f"line {reader.line_num}"
            if len(row) != 2:
                raise BadInputError(path, f"{where}: expected 2 fields, found {len(row)}")
            answer_id, body = row[0].strip(), row[1]
            id_match = _ANSWER_ID.fullmatch(answer_id)
            if id_match is None:
                raise BadInputError(
                    path, f"{where}: {answer_id!r} is not a MedQuAD answer id (SRC_stem_SecN.txt)"
                )
            src, stem = id_match.group("src"), id_match.group("stem")
            try:
                source_for_src(src)
            except KeyError:
                raise BadInputError(path, f"{where}: unknown MedQuAD source {src!r}") from None
            field_match = _FIELD.fullmatch(body)
            if field_match is None:
                raise BadInputError(path, f"{where}: the answer field is not 'Question: … URL: … Answer: …'")
            topic = topics.setdefault(f"{src}_{stem}", _Topic(src, stem))
            # The same judged answer is listed once per question that retrieved it.
            if answer_id in topic.seen:
                continue
            topic.seen.add(answer_id)
            _add_row(topic, answer_id, field_match)
    except csv.Error as error:
        raise BadInputError(path, f"line {reader.line_num}: malformed CSV: {error}") from error
    return [_document(topic) for topic in topics.values()]


def _add_row(topic: _Topic, answer_id: str, fields: re.Match[str]) -> None:
    question, synonyms = split_question(fields.group("question"))
    parsed = parse_question(question)
    section = parsed[1] if parsed else SectionType.INFORMATION
    if parsed and not topic.focus:
        topic.focus = parsed[0]
    if not topic.url:
        topic.url = fields.group("url").strip()
    topic.synonyms.extend(synonyms)
    topic.questions.append(QAPair(text=question, qtype=section, public_id=answer_id, answer_id=answer_id))
    text = clean_answer(fields.group("answer"))
    if text:
        passage = Passage(text, section, answer_id, heading=question, precedence=JUDGED_PRECEDENCE)
        topic.passages.append(passage)
        if section is SectionType.BRAND_NAMES:
            topic.synonyms.extend(brand_names(text))


def _document(topic: _Topic) -> ParsedDocument:
    return ParsedDocument(
        source=source_for_src(topic.src),
        key=f"judged:{topic.src}_{topic.stem}",
        title=topic.focus or title_from_url(topic.url) or f"{topic.src}_{topic.stem}",
        url=topic.url,
        focus=[topic.focus] if topic.focus else [],
        synonyms=list(dict.fromkeys(topic.synonyms)),
        passages=topic.passages,
        questions=topic.questions,
    )


def detect(path: Path, head: bytes) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip()
    return first == b"AnswerID,Answer"


READER = Reader(
    format="judged-csv",
    description="LiveQA judged-answers CSV",
    detect=detect,
    read=from_bytes,
)


def read(path: Path) -> list[ParsedDocument]:
    """The documents of the file at ``path`` (tests and scripts; an ingest hands :func:`from_bytes` the bytes)."""
    return READER.read_path(path)
