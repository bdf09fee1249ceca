"""Reading an XML input file, with the one error every XML reader reports."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from healthqa.errors import BadInputError


def parse_xml(path: Path, data: bytes, parser: etree.XMLParser, label: str) -> etree._Element:
    """The root element of ``data`` (the bytes of ``path``); malformed files raise ``BadInputError`` naming
    ``label``."""
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise BadInputError(path, f"not well-formed {label}: {error}") from error
