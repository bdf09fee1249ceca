"""Small MEDIQA 2019 QA files written by the tests that need them (the re-ranker's and its training's)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

# (QID, question, [(AID, SystemRank, URL, text, ReferenceScore or None)])
Question = tuple[str, str, list[tuple[str, int, str, str, int | None]]]


def write_mediqa(path: Path, questions: list[Question]) -> Path:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<MEDIQA2019-Task3-QA-TestSet>\n']
    for qid, text, answers in questions:
        parts.append(f'<Question QID="{qid}"><QuestionText>{escape(text)}</QuestionText><AnswerList>\n')
        for aid, rank, url, answer, score in answers:
            reference = "" if score is None else f' ReferenceRank="{rank}" ReferenceScore="{score}"'
            parts.append(
                f'<Answer AID="{aid}" SystemRank="{rank}"{reference}><AnswerURL>{escape(url)}</AnswerURL>'
                f"<AnswerText>{escape(answer)}</AnswerText></Answer>\n"
            )
        parts.append("</AnswerList></Question>\n")
    parts.append("</MEDIQA2019-Task3-QA-TestSet>\n")
    path.write_text("".join(parts), encoding="utf-8")
    return path
