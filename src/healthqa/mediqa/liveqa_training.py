"""The LiveQA 2017 medical training questions (``liveqa-med-2017/train``), as the training commands read them:
the consumer's words with NLM's annotated foci, types and reference answers. Kept apart from
:mod:`healthqa.mediqa.training` so that the type classifier's training can read them without a circle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LiveQATrainingQuestion:
    text: str  # "SUBJECT. MESSAGE", or just MESSAGE when there is no subject
    foci: list[str]  # NLM's annotated foci, every sub-question's
    types: list[str]  # NLM's annotated types, every sub-question's, lower case
    answers: list[str]  # NLM's reference answers
    asked: list[tuple[str, str]]  # (focus, type) of each sub-question with a focus: its first of each
    subject: str = ""  # the SUBJECT line alone (often a bare topic: "testis pain")


def read_liveqa_training(folder: Path) -> list[LiveQATrainingQuestion]:
    """Every LiveQA 2017 training question with a message in the XML files of ``folder``, in file order."""
    import xml.etree.ElementTree as ET

    def text(element: ET.Element | None) -> str:
        return " ".join("".join(element.itertext()).split()) if element is not None else ""

    found: list[LiveQATrainingQuestion] = []
    for path in sorted(folder.glob("*.xml")):
        for node in ET.parse(path).getroot().iter("NLM-QUESTION"):
            subject, message = text(node.find("SUBJECT")), text(node.find("MESSAGE"))
            said = f"{subject}. {message}" if subject else message
            if not said.strip():
                continue
            asked = [(text(sub.find(".//FOCUS")), text(sub.find(".//TYPE")).lower())
                     for sub in node.iter("SUB-QUESTION")]
            found.append(LiveQATrainingQuestion(
                said,
                [text(f) for f in node.iter("FOCUS") if text(f)],
                [text(t).lower() for t in node.iter("TYPE") if text(t)],
                [text(a) for a in node.iter("ANSWER") if text(a)],
                [(focus, kind) for focus, kind in asked if focus],
                subject,
            ))
    return found
