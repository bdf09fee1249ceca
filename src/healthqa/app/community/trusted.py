"""healthqa's answer beside a discussion that asks a question, and "What trusted sources say" under a post that
the condition's reviewed sources contradict: quoted from trusted sources, never mixed with what members wrote.
The post's text is asked like any question, so it is logged only where questions are
(``HEALTHQA_LOG_QUESTIONS``)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from functools import partial

from starlette.concurrency import run_in_threadpool

from healthqa.answer.answerer import Answer
from healthqa.app.errors import ApiError
from healthqa.app.service import Service
from healthqa.community import Post, question_in
from healthqa.community.sources_say import SourcesSay, what_sources_say
from healthqa.conditions import DiseaseIndex, DiseaseRecord, disease_record
from healthqa.errors import HealthQAError

log = logging.getLogger("healthqa.app")
# Condition records read for "What trusted sources say", with the disease index they were read from: an ingest
# builds a new index, and the record is then read again. Every discussion page of a community needs its record.
MAX_CACHED_RECORDS = 256
_records: dict[str, tuple[DiseaseIndex, DiseaseRecord]] = {}


async def trusted_answer(svc: Service, title: str, body: str) -> Answer | None:
    """The answer to the question the post asks, when it asks one and reviewed sources answer it (only their
    passages are kept)."""
    question = question_in(title, body)
    if question is None:
        return None
    try:
        answer = await svc.ask(svc.clean(question), top=3)
    except ApiError as error:  # a slow or missing knowledge base: the discussion stands on its own
        log.warning("no trusted answer beside a discussion (%s)", error.code)
        return None
    # Beside members' posts, only reviewed sources: an unreviewed page is not what "trusted" promises here.
    reviewed = [item for item in answer.answers if item.tier != "unreviewed"]
    if answer.abstained or not reviewed:
        return None
    return dataclasses.replace(answer, answers=reviewed)


async def sources_say(svc: Service, condition_ref: str, posts: Sequence[Post]) -> dict[int, list[SourcesSay]]:
    """For each post (by id) that states something the condition's reviewed sources contradict: what they say."""
    try:
        index = await run_in_threadpool(svc.disease_index)
        cached = _records.get(condition_ref)
        if cached is not None and cached[0] is index:
            record = cached[1]
        else:
            record = await run_in_threadpool(partial(
                disease_record, svc.require_store(), condition_ref, index=index, phenotypes=0, compare_sources=False))
            if len(_records) >= MAX_CACHED_RECORDS:
                _records.pop(next(iter(_records)))
            _records[condition_ref] = (index, record)
    except (HealthQAError, ApiError):  # not a condition of this knowledge base (any more): nothing to say
        return {}
    found = {}
    for post in posts:
        said = await run_in_threadpool(what_sources_say, f"{post.title}\n{post.body}", record)
        if said:
            found[post.id] = said
    return found
