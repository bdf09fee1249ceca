"""Orphanet ORPHApackets: one JSON record per line (``.jsonl`` or ``.jsonl.gz``), one rare disorder each.

Each record becomes one :class:`ParsedDocument` keyed ``orphanet:{ORPHAcode}``: the label as title, the
synonyms, the codes (ORPHA, and OMIM where Orphanet maps it exactly or as a narrower entry), the definition
as an ``information`` passage in Orphanet's exact words, typed facts (inheritance, prevalence, age of onset,
genes, parents, subtypes) and the HPO phenotype annotations with their frequency.

The packets nest lists irregularly (``{"Parent": [...]}`` or ``[{"Parent": [...]}]``, a bare
``{"Source", "Reference"}`` or one wrapped in ``{"ExternalReference": ...}``); :func:`_items` flattens both.

A malformed line anywhere in the file raises :class:`BadInputError` naming the file and the line: the
orchestrator then reports the file and writes none of it. One release is one file, so ingesting the
readable part of a damaged release would silently drop disorders; a clean failure is safer.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from healthqa.errors import BadInputError
from healthqa.ingest._files import IngestLimits
from healthqa.ingest.reader import Reader
from healthqa.records import (
    ORPHANET_FREQUENCY_MIDPOINTS,
    ORPHANET_PAGE_URL,
    Fact,
    ParsedDocument,
    Passage,
    Phenotype,
    SectionType,
    SourceInfo,
    Tier,
)

# Orphanet's content is written and reviewed by experts and published by INSERM, a public research
# institute; it is the reference catalogue of rare diseases, so it ranks with the government-reviewed sources.
SOURCE = SourceInfo(
    "Orphanet", "Orphanet (INSERM)", "https://www.orpha.net", "CC BY 4.0 — Orphanet, www.orpha.net",
    Tier.GOVERNMENT_REVIEWED,
)
_PACKET = "Orphapacket"
_FIRST_KEY = re.compile(rb'^\s*\{\s*"Orphapacket"\s*:')
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_NO_DATA = {"", "no data"}
# OMIM mappings kept as codes: E (exact) and BTNT (the ORPHA disorder is broader than the OMIM entry, so
# the OMIM entry leads here). NTBT (ORPHA narrower: several disorders share the OMIM entry) and ND (not
# decided) are left out, so a code lookup never lands on one arbitrary subtype.
_KEPT_MAPPINGS = ("E ", "E(", "BTNT")
# Exact mappings are also recorded under their own system, for merges that must not cross a broader one.
_EXACT = ("E ", "E(")
EXACT_OMIM = "OMIM-exact"  # the same name as healthqa.symptoms.knowledge.EXACT_OMIM (ingest cannot import it)



def _detect(path: Path, head: bytes) -> bool:
    name = path.name.lower()
    if name.endswith(".jsonl.gz"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
        except zlib.error:
            return False
    elif not name.endswith(".jsonl"):
        return False
    return bool(_FIRST_KEY.match(head))


class _Capped(io.RawIOBase):
    """The expanded bytes of a gzip stream, refused past ``limit`` bytes (a small file that expands without end)."""

    def __init__(self, path: Path, stream: gzip.GzipFile, limit: int) -> None:
        super().__init__()
        self._path, self._stream, self._limit, self._size = path, stream, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._stream.readinto(buffer)
        self._size += count
        if self._size > self._limit:
            raise BadInputError(self._path, f"expands to more than {self._limit:,} bytes, the limit "
                                            "(HEALTHQA_INGEST_MAX_EXPANDED_BYTES): not read")
        return count


def _lines(path: Path, data: bytes, limits: IngestLimits) -> Iterator[tuple[int, str]]:
    """The lines of ``data`` (``path``'s bytes), expanded first when the name ends in ``.gz``: streamed, so that
    only one line at a time is held beside the bytes."""
    stream: IO[bytes] = io.BytesIO(data)
    if path.name.lower().endswith(".gz"):
        expanded = gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb")
        stream = io.BufferedReader(_Capped(path, expanded, limits.max_expanded_bytes))
    text = io.TextIOWrapper(stream, encoding="utf-8")
    try:
        with text:
            yield from enumerate(text, 1)
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as error:
        raise BadInputError(path, f"cannot read: {error}") from error


def from_bytes(path: Path, data: bytes, limits: IngestLimits | None = None) -> list[ParsedDocument]:
    """Every disorder of one packet file: ``data``, its bytes (gzip-compressed when ``path`` ends in ``.gz``),
    streamed line by line."""
    documents: list[ParsedDocument] = []
    for number, line in _lines(path, data, limits or IngestLimits.from_env()):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            packet = record[_PACKET]
            documents.append(parse_packet(packet))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as error:
            raise BadInputError(path, f"line {number}: not an Orphanet packet ({_why(error)})") from error
    return documents


def _why(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing {error.args[0]!r}"
    return str(error).splitlines()[0][:200]


def _items(value: Any, key: str) -> list[dict[str, Any]]:
    """The objects under ``key`` however nested: [{key: obj}], [{key: [obj]}], {key: [obj]}, [obj]."""
    if value is None or isinstance(value, str):
        return []
    entries = value if isinstance(value, list) else [value]
    found: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        inner = entry.get(key, entry)
        for item in inner if isinstance(inner, list) else [inner]:
            if isinstance(item, dict):
                found.append(item)
    return found


def _text(value: Any) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    return "" if text.lower() in _NO_DATA else text


def parse_packet(packet: dict[str, Any]) -> ParsedDocument:
    code = _text(packet["ORPHAcode"])
    label = _text(packet["Label"])
    if not code or not label:
        raise ValueError("empty ORPHAcode or Label")
    date_match = _DATE.match(str(packet.get("creationDate") or ""))
    updated = date_match.group(1) if date_match else None
    synonyms = [s for s in (_text(item) for item in _synonyms(packet.get("Synonyms"))) if s and s != label]
    document = ParsedDocument(
        source=SOURCE, key=f"orphanet:{code}", title=label, url=ORPHANET_PAGE_URL.format(code=code),
        synonyms=list(dict.fromkeys(synonyms)), codes=[("ORPHA", code), *_codes(packet)], updated=updated,
    )
    section = packet.get("TextSection")
    for text_section in section if isinstance(section, list) else [section]:
        if isinstance(text_section, dict) and text_section.get("TextSectionType") == "Definition":
            contents = str(text_section.get("Contents") or "").strip()
            if contents:
                document.passages.append(Passage(
                    text=contents, section=SectionType.INFORMATION, public_id=f"ORPHA_{code}_definition",
                    heading="Definition", updated=updated,
                ))
    document.facts = _facts(packet)
    document.phenotypes = _phenotypes(packet)
    return document


def _synonyms(value: Any) -> list[Any]:
    if value is None:
        return []
    entries = value if isinstance(value, list) else [value]
    found: list[Any] = []
    for entry in entries:
        inner = entry.get("Synonym") if isinstance(entry, dict) else entry
        found.extend(inner if isinstance(inner, list) else [inner])
    return found


def _codes(packet: dict[str, Any]) -> list[tuple[str, str]]:
    codes: list[tuple[str, str]] = []
    for ref in _items(packet.get("ExternalReferences"), "ExternalReference"):
        system, value = _text(ref.get("Source")), _text(ref.get("Reference"))
        relation = str(ref.get("DisorderMappingRelation") or "E ")
        if system and value and (system != "OMIM" or relation.startswith(_KEPT_MAPPINGS)):
            codes.append((system, value))
        if system == "OMIM" and value and relation.startswith(_EXACT):
            codes.append((EXACT_OMIM, value))  # the symptom index merges HPO's annotations of these only
    return list(dict.fromkeys(codes))


def _values(packet: dict[str, Any], group: str, key: str) -> list[str]:
    return [v for v in (_text(item.get("value")) for item in _items(packet.get(group), key)) if v]


def _facts(packet: dict[str, Any]) -> list[Fact]:
    facts = [Fact("inheritance", v) for v in _values(packet, "TypeOfInheritances", "TypeOfInheritance")]
    for item in _items(packet.get("Prevalences"), "Prevalence"):
        value = _text(item.get("PrevalenceClass"))
        if value:
            where = [_text(item.get("PrevalenceType")), _text(item.get("PrevalenceGeographic"))]
            facts.append(Fact("prevalence", value, ", ".join(w for w in where if w)))
    facts += [Fact("onset", v) for v in _values(packet, "AverageAgeOfOnsets", "AverageAgeOfOnset")]
    for gene in _items(packet.get("Genes"), "Gene"):
        symbol = _text(gene.get("Symbol"))
        if symbol:
            name = _text(gene.get("Name") or gene.get("Label"))
            association = _text(gene.get("DisorderGeneAssociationType"))
            facts.append(Fact("gene", symbol, " ".join(p for p in (association, name) if p)))
    for kind, group, key in (("parent", "Parents", "Parent"), ("subtype", "Children", "Child")):
        for item in _items(packet.get(group), key):
            label, code = _text(item.get("Label")), _text(item.get("ORPHAcode"))
            if label:
                facts.append(Fact(kind, label, f"ORPHA:{code}" if code else ""))
    return list(dict.fromkeys(facts))


def _phenotypes(packet: dict[str, Any]) -> list[Phenotype]:
    found: list[Phenotype] = []
    for item in _items(packet.get("Phenotypes"), "Phenotype"):
        hpo_id, term = _text(item.get("HPOId")), _text(item.get("HPOTerm"))
        if hpo_id:
            label = _text(item.get("HPOFrequency"))
            found.append(Phenotype(hpo_id, term, label, ORPHANET_FREQUENCY_MIDPOINTS.get(label)))
    return found


READER = Reader(
    format="orphanet",
    description="Orphanet packet (JSON lines)",
    detect=_detect,
    read=from_bytes,
)


def read(path: Path) -> list[ParsedDocument]:
    """The documents of the file at ``path`` (tests and scripts; an ingest hands :func:`from_bytes` the bytes)."""
    return READER.read_path(path)
