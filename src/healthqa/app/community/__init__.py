"""The communities over HTTP: web pages under ``/community`` (:mod:`.pages`) and the JSON API under
``/api/community`` (:mod:`.api`), thin layers over :mod:`healthqa.community`; who is asking and CSRF in
:mod:`.session`; healthqa's trusted answer beside a discussion in :mod:`.trusted`.

:func:`install` opens the community file and mounts both; :func:`condition_community` is what the condition page
shows ("People with this condition: N members, M discussions", and a link to the community).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from argon2 import PasswordHasher
from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthqa.app.community.api import router as api_router
from healthqa.app.community.pages import router as page_router
from healthqa.app.errors import ApiError
from healthqa.community import Community, community_path
from healthqa.config import Settings, database_url
from healthqa.errors import HealthQAError


def open_community(settings: Settings, store_url: str | None) -> Community:
    path = settings.community_db or community_path(store_url or database_url())
    hasher = PasswordHasher(memory_cost=settings.password_memory_kib)
    return Community.open(path, smtp_url=settings.smtp_url, sender=settings.mail_from, hasher=hasher)


def install(app: FastAPI, settings: Settings, store_url: str | None) -> None:
    app.state.community = open_community(settings, store_url)
    app.state.community.mailer.start()  # with SMTP: sends what is queued, retries what failed
    # The condition page (healthqa.app.web) shows the community through this hook: app.web cannot import
    # app.community, which renders with app.web's templates.
    app.state.condition_community = condition_community
    app.include_router(api_router)
    app.include_router(page_router)
    app.add_middleware(NoIndex)


class NoIndex:
    """``X-Robots-Tag: noindex, nofollow`` on every response under ``/community`` and ``/api/community``, error
    pages included (review defect 20): the pages themselves set it, the shared error handler does not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(("/community", "/api/community")):
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-robots-tag"]
                message = {**message, "headers": [*headers, (b"x-robots-tag", b"noindex, nofollow")]}
            await send(message)

        await self.app(scope, receive, sending)


@dataclass(frozen=True)
class ConditionCommunity:
    """What the condition page shows of the condition's community (``disease.html``'s community block)."""

    name: str
    ref: str  # the condition record's reference (Candidate.ref), e.g. "ORPHA:43393"
    members: int
    discussions: int
    community_id: int | None  # None: nobody joined yet

    @property
    def href(self) -> str:
        """The community's page; before anyone joined, the search that offers to join it."""
        if self.community_id is not None:
            return f"/community/c/{self.community_id}"
        return "/community/search?" + urlencode({"q": self.ref})


def condition_community(request: Request, ref: str) -> ConditionCommunity | None:
    """Blocking: the community of the condition ``ref`` names (as the condition page was asked for), or None
    when ``ref`` resolves to no single condition. For the condition page: pass it as ``community``."""
    svc = request.app.state.service
    try:
        index = svc.disease_index()
        candidate = index.candidate(index.resolve(ref, svc.require_store()))
    except (HealthQAError, ApiError):
        return None
    community: Community = request.app.state.community
    place = community.discussions.community_for(candidate.ref)
    if place is None:
        return ConditionCommunity(candidate.name, candidate.ref, 0, 0, None)
    return ConditionCommunity(candidate.name, candidate.ref, place.members, place.discussions, place.id)


def condition_summary(request: Request, condition_ref: str) -> tuple[int, int]:
    """(members, discussions) of the community of the condition record ``condition_ref`` (its Candidate.ref,
    e.g. "ORPHA:43393"); (0, 0) before anyone joined. For the condition page."""
    community: Community = request.app.state.community
    return community.discussions.summary(condition_ref)
