"""The three page styles of the web-page reader: FAQ page, encyclopedia page, long article.

Each parser takes the page's text lines after boilerplate removal ("" marks a blank line of a text
file; an HTML page has none) and returns a :class:`PageContent`. Paragraphs keep the page's exact
words; the parsers only decide where a passage starts and what question it answers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from healthqa.records import DrugMention, Organisation, SectionType, SourceInfo, Tier

_NOT_STATED = "not stated"

# --- shared vocabulary ---------------------------------------------------------------------------

QUESTION = re.compile(
    r"^(?:What|Who|Why|How|Is|Are|Can|Could|Does|Do|Will|Should|Where|When|Which|Am)\b.{3,}\?$"
)
LAST_UPDATED = re.compile(r"^Last updated on (\d{1,2})-(\d{1,2})-(\d{4}|\d{2})$")
REVIEW_DATE = re.compile(r"^Review Date:?\s*(\d{1,2})/(\d{1,2})/(\d{4})\b", re.I)
REVIEWED_BY = re.compile(r"^Reviewed By:?\s*(.+)$", re.I)
_DRUG_HEADER = re.compile(r"^Drug Name\s+Generic Name$", re.I)
_ORG_START = re.compile(r"^Name:\s*(.+)$")
_ORG_FIELD = re.compile(r"\b(Phone|Toll[- ]Free|Fax|E-?mail|Url|Website)\s*:\s*", re.I)
_URL_FIELD = re.compile(r"\bUrl\s*:", re.I)
# "Evoli A, Vincent A. Disorders of ... 2020:chap 394." — authors with initials, then a year.
_CITATION = re.compile(
    r"^[A-Z][\w'\u2019-]+(?: [A-Z][\w'\u2019-]+)* [A-Z]{1,3}"
    r"(?:, [A-Z][\w'\u2019-]+(?: [A-Z][\w'\u2019-]+)* [A-Z]{1,3})*(?:, et al)?\. .*\b(?:19|20)\d{2}\b"
)
_ABBREVIATION = r"\s*\(([A-Z][A-Z0-9]{1,9})\)"
_WHAT_IS = re.compile(r"^what (?:is|are)\s+(.+?)\s*\??$", re.I)

# Question and heading wording -> section type; the leftmost match in a heading wins.
_WORDING: tuple[tuple[re.Pattern[str], SectionType], ...] = tuple(
    (re.compile(pattern, re.I), kind)
    for pattern, kind in (
        (r"\bcaus(?:e|es|ed|ing)\b", SectionType.CAUSES),
        (r"\brisk factors?\b|\bat risk\b|\bsusceptib", SectionType.SUSCEPTIBILITY),
        (r"\bgenetic\b|\binherit|\bhereditary\b|\bpassed down\b", SectionType.INHERITANCE),
        (r"\bgenes?\b|\bmutations?\b", SectionType.GENETIC_CHANGES),
        (r"\bsymptoms?\b|\bsigns\b", SectionType.SYMPTOMS),
        (r"\bdiagnos\w*|\bexams?\b|\btests?\b|\btesting\b", SectionType.EXAMS_AND_TESTS),
        (
            r"\btreat(?:ed|ment|ments|ing)?\b|\btherap(?:y|ies)\b|\bcured?\b|\bmedications?\b"
            r"|\bmanaged?\b|\bmanagement\b",
            SectionType.TREATMENT,
        ),
        (r"\boutlook\b|\bprognosis\b|\blife expectancy\b", SectionType.OUTLOOK),
        (r"\bcomplications?\b", SectionType.COMPLICATIONS),
        (r"\bprevent\w*", SectionType.PREVENTION),
        (r"\bhow (?:common|many|rare)\b|\bprevalence\b|\bfrequency\b", SectionType.FREQUENCY),
        (r"\bresearch\b|\bclinical trials?\b|\bfuture directions\b", SectionType.RESEARCH),
        (r"\bsupport\b", SectionType.SUPPORT_GROUPS),
        (r"\bstages?\b", SectionType.STAGES),
        (r"\bwhen to (?:call|contact|see)\b", SectionType.WHEN_TO_CONTACT),
        (r"\bliving with\b|\bcoping\b", SectionType.INFORMATION),
    )
)

# The sections of an A.D.A.M. disease page, always in this order; the optional ones are often absent.
_ADAM_ORDER = (
    SectionType.CAUSES, SectionType.SYMPTOMS, SectionType.EXAMS_AND_TESTS, SectionType.TREATMENT,
    SectionType.SUPPORT_GROUPS, SectionType.OUTLOOK, SectionType.COMPLICATIONS,
    SectionType.WHEN_TO_CONTACT, SectionType.PREVENTION,
)  # fmt: skip
_ADAM_OPTIONAL = frozenset({SectionType.SUPPORT_GROUPS, SectionType.PREVENTION})
_ADAM_HEADINGS = frozenset(
    {"exams and tests", "outlook (prognosis)", "possible complications",
     "when to contact a medical professional"}
)  # fmt: skip


@dataclass
class Section:
    heading: str
    section: SectionType
    paragraphs: list[str] = field(default_factory=list)
    updated: str | None = None
    question: bool = False  # the heading is a question the page asks of itself
    joiner: str = "\n\n"
    inferred: bool = False  # an unlabeled block; its type may be inferred from its position

    def text(self) -> str:
        out = ""
        for paragraph in self.paragraphs:
            if not out:
                out = paragraph
            elif paragraph.startswith("- "):
                out += "\n" + paragraph
            else:
                out += self.joiner + paragraph
        return out


@dataclass
class PageContent:
    title: str
    focus: str
    source: SourceInfo
    sections: list[Section]
    synonyms: list[str] = field(default_factory=list)
    updated: str | None = None
    reviewer: str = ""
    organisations: list[Organisation] = field(default_factory=list)
    drugs: list[DrugMention] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------------


def strip_symbols(text: str) -> str:
    """``text`` without emoji and other pictographs (for headings only; passages keep them)."""
    kept = (
        ch
        for ch in text
        if unicodedata.category(ch) != "So"
        and ch not in "\ufe0e\ufe0f\u200d"
        and not "\U0001f3fb" <= ch <= "\U0001f3ff"
    )
    return " ".join("".join(kept).split())


def wording_type(text: str) -> SectionType | None:
    """The section type that a heading's or question's wording names, if any."""
    best: tuple[int, SectionType] | None = None
    for pattern, kind in _WORDING:
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), kind)
    return best[1] if best else None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _short_year_date(month: str, day: str, year: str) -> str | None:
    if len(year) == 4:
        return _iso(int(year), int(month), int(day))
    try:  # %y: 69-99 -> 19xx, 00-68 -> 20xx
        return datetime.strptime(f"{int(month):02d}-{int(day):02d}-{year}", "%m-%d-%y").date().isoformat()
    except ValueError:
        return None


def synonyms_from_abbreviations(focus: str, texts: list[str]) -> list[str]:
    """Abbreviations written in parentheses right after the focus words: "X syndrome (XS)" -> "XS".

    An abbreviation starts with the focus's first letter: "adult primary liver cancer (BCLC)" is a
    staging system named after a longer phrase that ends in the focus words, not the focus."""
    if not focus.strip():
        return []
    words = re.split(r"[\s-]+", focus.strip())
    pattern = re.compile(r"(?i:\b" + r"[\s-]+".join(re.escape(w) for w in words) + r")" + _ABBREVIATION)
    initial = focus.strip()[0].upper()
    found: list[str] = []
    for text in texts:
        found.extend(m.group(1) for m in pattern.finditer(text) if m.group(1)[0] == initial)
    return found


def _unique(items: list[str], exclude: str) -> list[str]:
    seen = {exclude.casefold()}
    out: list[str] = []
    for item in items:
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            out.append(item)
    return out


def _nonblank(lines: list[str]) -> list[str]:
    return [line for line in lines if line]


# --- style detection -----------------------------------------------------------------------------


def detect_style(lines: list[str]) -> str:
    """``faq``, ``encyclopedia`` or ``article``."""
    text = _nonblank(lines)
    if any(LAST_UPDATED.match(line) for line in text) and any(QUESTION.match(line) for line in text):
        return "faq"
    if any(REVIEW_DATE.match(line) or REVIEWED_BY.match(line) for line in text):
        return "encyclopedia"
    if sum(line.casefold() in _ADAM_HEADINGS for line in text) >= 2:
        return "encyclopedia"
    return "article"


# --- 1. FAQ page (GARD questions, as on the RareGuru app) ----------------------------------------


def _faq_source(raw_text: str, url: str) -> SourceInfo:
    if re.search(r"\bRareGuru\b", raw_text) and re.search(r"\bGARD\b", raw_text):
        # A publisher's app that re-publishes GARD's reviewed answers.
        return SourceInfo("RareGuru (GARD data)", "RareGuru", url, _NOT_STATED, Tier.REVIEWED_PUBLISHER)
    if "rarediseases.info.nih.gov" in url:
        return SourceInfo("GARD", "NIH GARD", url, _NOT_STATED, Tier.GOVERNMENT_REVIEWED)
    return SourceInfo("Web FAQ page", "", url, _NOT_STATED, Tier.UNREVIEWED)


def _organisation(block: list[str]) -> Organisation:
    start = _ORG_START.match(block[0])
    text = "\n".join([start.group(1) if start else block[0], *block[1:]])
    first_field = _ORG_FIELD.search(text)
    head = text[: first_field.start()] if first_field else text
    head_lines = [line.strip() for line in head.splitlines() if line.strip()]
    name = head_lines[0] if head_lines else ""
    address: list[str] = []
    street = re.match(r"^(.*?\S)\s+(\d[\w/-]*\s.+)$", name)  # the street number starts the address
    if street:
        name, address = street.group(1), [street.group(2)]
    address.extend(head_lines[1:])
    fields: dict[str, str] = {}
    matches = list(_ORG_FIELD.finditer(text))
    for match, after in zip(matches, [*matches[1:], None], strict=True):
        label = re.sub(r"[- ]", "", match.group(1).lower())
        value = " ".join(text[match.end() : after.start() if after else len(text)].split())
        if value and label not in fields:
            fields[label] = value
    phones = [fields["phone"]] if "phone" in fields else []
    if "tollfree" in fields:
        phones.append(f"Toll Free: {fields['tollfree']}")
    return Organisation(
        name=name,
        address=", ".join(address),
        phone="; ".join(phones),
        email=fields.get("email", ""),
        url=fields.get("url", fields.get("website", "")),
    )


def _ends_block(line: str) -> bool:
    return bool(
        not line
        or _ORG_START.match(line)
        or LAST_UPDATED.match(line)
        or QUESTION.match(line)
        or _DRUG_HEADER.match(line)
    )


def _drug_rows(lines: list[str], start: int, tabbed: bool) -> tuple[list[DrugMention], int]:
    drugs: list[DrugMention] = []
    i = start
    while i < len(lines) and not _ends_block(lines[i]):
        row = lines[i]
        if tabbed or "\t" in row:
            cells = [c.strip() for c in row.split("\t") if c.strip()]
            if len(cells) < 2:
                break
            brand, generic = cells[0], " ".join(cells[1:])
        else:
            # A text copy lost the cell boundary: a brand name is one word, the generic name the rest.
            parts = row.split(maxsplit=1)
            if len(parts) < 2 or len(row.split()) > 8 or row[-1] in ".:;!?":
                break
            brand, generic = parts
        drugs.append(DrugMention(brand=brand, generic=generic))
        i += 1
    return drugs, i


def parse_faq(lines: list[str], raw_text: str, url: str) -> PageContent:
    text = _nonblank(lines)
    title = text[0]
    start = lines.index(title) + 1
    sections: list[Section] = []
    organisations: list[Organisation] = []
    drugs: list[DrugMention] = []
    current: Section | None = None
    i = start
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if updated := LAST_UPDATED.match(line):
            if current is not None:
                current.updated = _short_year_date(*updated.groups())
            current = None
        elif QUESTION.match(line):
            current = Section(line, wording_type(line) or SectionType.INFORMATION, question=True)
            sections.append(current)
        elif _ORG_START.match(line):
            block = [line]
            while i < len(lines) and not _ends_block(lines[i]) and not _URL_FIELD.search(block[-1]):
                block.append(lines[i])
                i += 1
            organisations.append(_organisation(block))
            current = None
        elif _DRUG_HEADER.match(line):
            found, i = _drug_rows(lines, i, "\t" in line)
            drugs.extend(found)
            current = None
        else:
            if current is None:
                current = Section("", SectionType.INFORMATION)
                sections.append(current)
            current.paragraphs.append(line)
    sections = [s for s in sections if s.paragraphs]
    dates = [s.updated for s in sections if s.updated]
    headings = [title, *(s.heading for s in sections)]
    return PageContent(
        title=title,
        focus=title,
        source=_faq_source(raw_text, url),
        sections=sections,
        synonyms=_unique(synonyms_from_abbreviations(title, headings), title),
        updated=max(dates) if dates else None,
        organisations=organisations,
        drugs=drugs,
    )


# --- 2. Encyclopedia page (MedlinePlus A.D.A.M.) --------------------------------------------------


def _encyclopedia_source(raw_text: str, url: str, reviewer: str) -> SourceInfo:
    if re.search(r"A\.D\.A\.M\.|\bMedlinePlus\b", raw_text) or "medlineplus.gov" in url:
        # Tier: government_reviewed. The page names its medical reviewer and review date, and it is
        # published by the U.S. National Library of Medicine on MedlinePlus, which selects and vets it.
        return SourceInfo(
            "MedlinePlus Medical Encyclopedia (A.D.A.M.)",
            "U.S. National Library of Medicine (content by A.D.A.M., Inc.)",
            url,
            "© A.D.A.M., Inc.; all rights reserved (quote with citation)",
            Tier.GOVERNMENT_REVIEWED,
        )
    tier = Tier.REVIEWED_PUBLISHER if reviewer else Tier.UNREVIEWED
    return SourceInfo("Web encyclopedia page", "", url, _NOT_STATED, tier)


def _known_heading(line: str) -> SectionType | None:
    kind = SectionType.parse(line)
    if kind is not SectionType.INFORMATION or line.casefold() == "information":
        return kind
    return None


def _is_label(line: str) -> bool:
    """A short line that is not a sentence: a heading, or a caption / link text."""
    return not line.startswith("- ") and len(line.split()) <= 8 and line[-1] not in ".:;,!?"


def _looks_like_synonyms(line: str) -> bool:
    parts = [p.strip() for p in line.split(";")]
    return len(parts) > 1 and all(p and len(p.split()) <= 6 for p in parts) and not line.endswith(".")


def _infer_adam_types(sections: list[Section]) -> None:
    """Type unlabeled blocks whose heading the saved copy lost, from the fixed A.D.A.M. order.

    Between two known headings (or the intro and a known heading), the missing required sections
    of the fixed order are there in order; when a gap holds exactly that many blocks, each block
    is one of them. Any other gap stays ``information``.
    """
    present = {s.section for s in sections if not s.inferred}
    i = 0
    while i < len(sections):
        if not sections[i].inferred:
            i += 1
            continue
        j = i
        while j < len(sections) and sections[j].inferred:
            j += 1
        before = sections[i - 1] if i > 0 else None
        after = sections[j] if j < len(sections) else None
        low = -1 if before is None or before.heading == "" else _adam_index(before)
        high = _adam_index(after) if after is not None else None
        if low is not None and high is not None and low < high:
            missing = [k for k in _ADAM_ORDER[low + 1 : high] if k not in present]
            required = [k for k in missing if k not in _ADAM_OPTIONAL]
            for candidates in (required, missing):
                if len(candidates) == j - i:
                    for section, kind in zip(sections[i:j], candidates, strict=True):
                        section.section = kind
                    break
        i = j


def _adam_index(section: Section) -> int | None:
    if section.inferred or section.section not in _ADAM_ORDER:
        return None
    return _ADAM_ORDER.index(section.section)


def parse_encyclopedia(lines: list[str], raw_text: str, url: str) -> PageContent:
    text = _nonblank(lines)
    title = text[0]
    i = lines.index(title) + 1
    synonyms: list[str] = []
    while i < len(lines) and not lines[i]:
        i += 1
    if i < len(lines) and _looks_like_synonyms(lines[i]):
        synonyms = [p.strip() for p in lines[i].split(";") if p.strip()]
        i += 1
    intro = Section("", SectionType.INFORMATION)
    sections: list[Section] = [intro]
    current = intro
    references: list[str] = []
    updated: str | None = None
    reviewer = ""
    mode = "text"  # text | related | references | synonyms
    blanks = 0
    for line in lines[i:]:
        if not line:
            blanks += 1
            continue
        broke, blanks = blanks >= 2, 0
        heading = _known_heading(line)
        if review := REVIEW_DATE.match(line):
            updated = _iso(int(review.group(3)), int(review.group(1)), int(review.group(2)))
        elif reviewed := REVIEWED_BY.match(line):
            reviewer = reviewed.group(1).strip()
        elif line.casefold() in ("related information", "references"):
            mode = "related" if line.casefold() == "related information" else "references"
        elif line.casefold() == "alternative names":
            mode = "synonyms"
        elif mode == "synonyms":
            synonyms.extend(p.strip() for p in line.split(";") if p.strip())
            mode = "text"
            current = Section("", SectionType.INFORMATION, inferred=True)
            sections.append(current)
        elif _CITATION.match(line) or (mode == "references" and heading is None):
            references.append(line)
            mode = "references"
        elif mode == "related" and not broke and heading is None:
            continue  # the titles of linked pages
        elif heading is not None or _is_label(line):
            mode = "text"
            kind = heading or wording_type(line) or SectionType.INFORMATION
            current = Section(line, kind)
            sections.append(current)
        else:
            if mode != "text":  # text after a list of links or the references
                start_new = True
            elif broke:  # a run of blank lines: the saved copy lost a heading here
                start_new = bool(current.paragraphs) or (
                    current.heading != "" and _known_heading(current.heading) is None
                )
            else:
                start_new = False
            if start_new:
                current = Section("", SectionType.INFORMATION, inferred=True)
                sections.append(current)
            mode = "text"
            current.paragraphs.append(line)
    body = [s for s in sections if s.paragraphs]
    if re.search(r"A\.D\.A\.M\.", raw_text):
        _infer_adam_types([s for s in body if s is not intro])
    first = intro.paragraphs[:1]
    found = synonyms_from_abbreviations(title, [title, *(s.heading for s in body), *first])
    return PageContent(
        title=title,
        focus=title,
        source=_encyclopedia_source(raw_text, url, reviewer),
        sections=body,
        synonyms=_unique([*synonyms, *found], title),
        updated=updated,
        reviewer=reviewer,
        references=references,
    )


# --- 3. Long article ----------------------------------------------------------------------------


def _article_heading(line: str) -> bool:
    stripped = strip_symbols(line)
    if not stripped or line.startswith(("- ", "• ", "* ")):
        return False
    if stripped.endswith("?"):
        return len(stripped.split()) <= 25
    return (
        len(stripped.split()) <= 12
        and len(stripped) <= 100
        and stripped[-1] not in ".,;:!"
        and (stripped[0].isupper() or stripped[0].isdigit())
    )


def _words(text: str) -> str:
    return " ".join(re.sub(r"\W+", " ", text.casefold()).split())


def _mentions(text: str, names: list[str]) -> bool:
    padded = f" {_words(text)} "
    return any(f" {_words(name)} " in padded for name in names if _words(name))


def _article_source(raw_text: str, url: str) -> SourceInfo:
    site = re.search(r"\bconsider visiting ([A-Z][\w.'\u2019-]*(?: [A-Z][\w.'\u2019-]*){0,4})", raw_text)
    if site:
        name = publisher = site.group(1)
    elif host := re.match(r"^https?://(?:www\.)?([^/:]+)", url):
        name = publisher = host.group(1)
    else:
        name, publisher = "Unreviewed web article", ""
    return SourceInfo(name, publisher, url, _NOT_STATED, Tier.UNREVIEWED)


def parse_article(lines: list[str], raw_text: str, url: str) -> PageContent:
    text = _nonblank(lines)
    title = strip_symbols(text[0])
    what_is = _WHAT_IS.match(title)
    focus = re.sub(_ABBREVIATION + "$", "", what_is.group(1) if what_is else title).strip()
    # First pass: headings and the blank line before each (a blank line starts a new part).
    blocks: list[tuple[Section, bool]] = []
    current: Section | None = None
    after_blank = True
    for line in lines:
        if not line:
            after_blank = True
            continue
        if _article_heading(line):
            heading = strip_symbols(line)
            current = Section(heading, SectionType.INFORMATION, question=heading.endswith("?"), joiner="\n")
            blocks.append((current, after_blank))
        else:
            if current is None:
                current = Section("", SectionType.INFORMATION, joiner="\n")
                blocks.append((current, after_blank))
            current.paragraphs.append(line)
        after_blank = False
    first = next((s.paragraphs[0] for s, _ in blocks if s.paragraphs), "")
    found = synonyms_from_abbreviations(focus, [title, *(s.heading for s, _ in blocks), first])
    synonyms = _unique(found, focus)
    # Second pass: types. A heading without telling words takes the type of the part it is in; a
    # part starts after a blank line or at a heading that names the topic.
    context = SectionType.INFORMATION
    for section, after_blank in blocks:
        named = wording_type(section.heading)
        major = after_blank or _mentions(section.heading, [focus, *synonyms])
        if section.question:  # typed by its own wording only
            section.section = named or SectionType.INFORMATION
            continue
        if major:
            context = named or SectionType.INFORMATION
        section.section = named or context
    return PageContent(
        title=title,
        focus=focus,
        source=_article_source(raw_text, url),
        sections=[s for s, _ in blocks if s.paragraphs],
        synonyms=synonyms,
    )
