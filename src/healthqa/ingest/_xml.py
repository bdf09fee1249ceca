"""Reading an XML input file, with the one error every XML reader reports."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from healthqa.errors import BadInputError


def parse_xml(path: Path, parser: etree.XMLParser, label: str) -> etree._Element:
    """The root element of ``path``; unreadable or malformed files raise ``BadInputError`` naming ``label``."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadInputError(path, f"cannot read: {error.strerror or error}") from error
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise BadInputError(path, f"not well-formed {label}: {error}") from error
