from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest


def write_medquad_file(folder: Path, stem: str, focus: str, pairs: list[tuple[str, str, str]],
                       source: str = "GARD", cui: str = "") -> Path:
    """A MedQuAD-style XML document; pairs are (qtype, question, answer)."""
    folder.mkdir(parents=True, exist_ok=True)
    root = ET.Element("Document", id=stem, source=source, url=f"https://example.test/{stem}")
    ET.SubElement(root, "Focus").text = focus
    annotations = ET.SubElement(root, "FocusAnnotations")
    if cui:
        cuis = ET.SubElement(ET.SubElement(annotations, "UMLS"), "CUIs")
        ET.SubElement(cuis, "CUI").text = cui
    pairs_element = ET.SubElement(root, "QAPairs")
    for pid, (qtype, question, answer) in enumerate(pairs, 1):
        pair = ET.SubElement(pairs_element, "QAPair", pid=str(pid))
        ET.SubElement(pair, "Question", qid=f"{stem}-{pid}", qtype=qtype).text = question
        ET.SubElement(pair, "Answer").text = answer
    path = folder / f"{stem}.xml"
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return path


@pytest.fixture()
def medquad_folder(tmp_path: Path) -> Path:
    """A two-collection MedQuAD-like folder written by the test."""
    root = tmp_path / "medquad"
    write_medquad_file(root / "2_GARD_QA", "0000001", "Gout", [
        ("information", "What is (are) Gout ?", "Gout is a form of arthritis with sudden attacks of pain."),
        ("treatment", "What are the treatments for Gout ?", "Medicines lower uric acid and ease attacks."),
    ], cui="C0018099")
    write_medquad_file(root / "6_NINDS_QA", "0000002", "Holmes-Adie syndrome", [
        ("information", "what is holmes-adie syndrome ?", "Holmes-Adie syndrome affects the pupil of the eye."),
    ], source="NINDS")
    (root / "readme.txt").write_text("not a data file", encoding="utf-8")
    return root
