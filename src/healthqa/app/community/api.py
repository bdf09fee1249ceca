"""The communities' JSON API (``/api/community/...``): the same library calls as the pages, the one error
shape, and cookie (with ``X-CSRF-Token``) or personal-token (``Authorization: Bearer hqp_...``) authentication.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from healthqa.app.api.routes import BODY_TOO_LARGE, service
from healthqa.app.community.session import (
    CSRF_HEADER,
    SESSION_COOKIE,
    attempt,
    check_csrf,
    client,
    community,
    csrf_token,
    link_base,
    set_cookie,
    viewer,
)
from healthqa.app.community.trusted import sources_say, trusted_answer
from healthqa.app.errors import ApiError
from healthqa.community import Post, find_conditions
from healthqa.community.accounts import SESSION_SECONDS

router = APIRouter(prefix="/api/community", tags=["community"])
NOINDEX = {"X-Robots-Tag": "noindex, nofollow"}


def _errors(*statuses: tuple[int, str, str]) -> dict[int | str, dict[str, Any]]:
    """The error responses an operation documents, in the one error shape."""
    return {status: {"description": f"{description} (`{code}`).", "content": {"application/json": {"example": {
        "error": {"status": status, "code": code, "message": "what was wrong"}}}}}
        for status, code, description in statuses}


_SIGN_IN = (401, "sign_in_required", "Nobody is signed in")
_NOT_ALLOWED = (403, "not_allowed", "Not this person's to do, or no valid CSRF token (`csrf_failed`)")
_NOT_FOUND = (404, "not_found", "No such community, discussion, post or account")
_INVALID = (422, "invalid_input", "A field is not usable; `field` names it")
_LIMIT = (429, "posting_limit", "A new account's limit, or the address's rate limit (`rate_limited`)")
_UNAVAILABLE = (503, "unavailable", "The knowledge base is not available")
_EMERGENCY = (409, "emergency_notice", "It sounds like an emergency: show the guidance, then send it again with "
              "`emergency_seen`")
READ = _errors(_SIGN_IN, _NOT_ALLOWED, _NOT_FOUND, _INVALID, _LIMIT)
WRITE = {**BODY_TOO_LARGE, **_errors(_SIGN_IN, _NOT_ALLOWED, _NOT_FOUND, _INVALID, _LIMIT)}
POSTING = {**BODY_TOO_LARGE, **_errors(_SIGN_IN, _NOT_ALLOWED, _NOT_FOUND, _EMERGENCY, _INVALID, _LIMIT)}
ANSWERING = _errors(_SIGN_IN, _NOT_ALLOWED, _NOT_FOUND, _INVALID, _LIMIT, _UNAVAILABLE)
JOINING = {**BODY_TOO_LARGE, **_errors(_SIGN_IN, _NOT_ALLOWED, _NOT_FOUND, _INVALID, _LIMIT, _UNAVAILABLE)}
ACCOUNT = {**BODY_TOO_LARGE, **_errors((401, "sign_in_failed", "Wrong email or password, or too many tries"),
                                       (403, "email_not_confirmed", "The email address is not confirmed yet, or "
                                        "no valid CSRF token (`csrf_failed`)"), _INVALID, _LIMIT)}


def answer(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status_code=status, headers=NOINDEX)


def post_json(post: Post) -> dict[str, Any]:
    data = asdict(post)
    data["html"] = post.html
    return data


def write_check(request: Request) -> None:
    check_csrf(request, request.headers.get(CSRF_HEADER))


class SignUp(BaseModel):
    email: str = Field(max_length=300)
    display_name: str = Field(max_length=100)
    password: str = Field(max_length=300)
    consent: bool


class SignIn(BaseModel):
    email: str = Field(max_length=300)
    password: str = Field(max_length=300)


class Join(BaseModel):
    ref: str = Field(max_length=200)


class NewDiscussion(BaseModel):
    title: str = Field(max_length=500)
    text: str = Field(max_length=20_000)
    role: str = ""
    emergency_seen: bool = False


class NewReply(BaseModel):
    text: str = Field(max_length=20_000)
    role: str = ""
    emergency_seen: bool = False


class Edit(BaseModel):
    text: str = Field(max_length=20_000)
    title: str | None = Field(default=None, max_length=500)
    emergency_seen: bool = False


class Reason(BaseModel):
    reason: str = Field(max_length=1000)


class Moderate(BaseModel):
    action: str  # hide, restore or dismiss
    reason: str = Field(max_length=1000)


class Suspend(BaseModel):
    days: float
    reason: str = Field(max_length=1000)


@router.get("/csrf", summary="A CSRF token for the cookie this client holds (sets a visitor cookie if none)",
            responses=_errors(_LIMIT))
def csrf(request: Request) -> Response:
    from healthqa.app.community.session import Visitor

    visitor = Visitor(request)
    return visitor.finish(answer({"csrf_token": visitor.csrf()}))


@router.post("/signup", summary="Sign up; the same answer whether or not the email has an account",
             responses=ACCOUNT, status_code=202)
def signup(request: Request, body: SignUp) -> Response:
    write_check(request)
    attempt(request, lambda: community(request).accounts.sign_up(
        body.email, body.display_name, body.password, body.consent, link_base(request)))
    return answer({"status": "check your email"}, 202)


@router.post("/signin", summary="Sign in: sets a new session cookie and returns its CSRF token", responses=ACCOUNT)
def signin(request: Request, body: SignIn) -> Response:
    write_check(request)
    people = community(request)
    account, token = attempt(request, lambda: people.accounts.sign_in(body.email, body.password, client(request)))
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        people.accounts.end_session(old)
    response = answer({"display_name": account.display_name, "csrf_token": csrf_token(people, token)})
    set_cookie(response, request, SESSION_COOKIE, token, max_age=SESSION_SECONDS)
    return response


@router.get("/me", summary="The signed-in account, its communities and the latest discussions in them", responses=READ)
def me(request: Request) -> Response:
    who = viewer(request)
    if who is None:
        raise ApiError(401, "sign_in_required", "Please sign in first.")
    people = community(request)
    return answer({
        "display_name": who.display_name, "moderator": who.moderator,
        "communities": [asdict(c) for c in people.discussions.communities_of(who)],
        "latest": [{"community": c.name, **post_json(p)} for c, p in people.discussions.latest(who)],
    })


@router.get("/me/data", summary="Download my data (everything stored about the signed-in account)", responses=READ)
def my_data(request: Request) -> Response:
    who = viewer(request)
    if who is None:
        raise ApiError(401, "sign_in_required", "Please sign in first.")
    return answer(community(request).export(who))


@router.get("/me/tokens", summary="The signed-in account's personal API tokens that still work (no token values)",
            responses=READ)
def my_tokens(request: Request) -> Response:
    who = viewer(request)
    if who is None:
        raise ApiError(401, "sign_in_required", "Please sign in first.")
    return answer([asdict(t) for t in community(request).accounts.personal_tokens(who)])


@router.post("/me/tokens/{token_id}/revoke", summary="Revoke one of the signed-in account's personal tokens",
             responses=WRITE)
def revoke_token(request: Request, token_id: int) -> Response:
    write_check(request)
    who = viewer(request)
    if who is None:
        raise ApiError(401, "sign_in_required", "Please sign in first.")
    attempt(request, lambda: community(request).accounts.revoke_personal_token(who, token_id))
    return answer({"revoked": token_id})


@router.get("/search", summary="Condition records a name, synonym or code names, with their community",
            responses=_errors(_INVALID, _LIMIT, _UNAVAILABLE))
async def search(request: Request, q: str = "") -> Response:
    svc = service(request)
    index = await run_in_threadpool(svc.disease_index)
    found = await run_in_threadpool(find_conditions, index, svc.require_store(), " ".join(q.split())[:200])
    people = community(request)
    results = []
    for candidate in found:
        place = people.discussions.community_for(candidate.ref)
        results.append({"name": candidate.name, "ref": candidate.ref,
                        "community": asdict(place) if place else None})
    return answer({"results": results})


@router.post("/join", summary="Join a condition's community (made on first join)", responses=JOINING)
async def join(request: Request, body: Join) -> Response:
    write_check(request)
    who = viewer(request)
    svc = service(request)
    index = await run_in_threadpool(svc.disease_index)
    found = await run_in_threadpool(find_conditions, index, svc.require_store(), body.ref)
    exact = [c for c in found if c.ref == body.ref.strip()]
    if not exact:
        raise ApiError(404, "condition_not_found", "There is no condition with this reference.")
    joined = attempt(request, lambda: community(request).discussions.join(
        who, exact[0].ref, exact[0].name))
    return answer(asdict(joined))


@router.post("/communities/{community_id}/leave", summary="Leave a community", responses=WRITE)
def leave(request: Request, community_id: int) -> Response:
    write_check(request)
    who = viewer(request)
    attempt(request, lambda: community(request).discussions.leave(who, community_id))
    return answer({"left": community_id})


@router.get("/communities/{community_id}", summary="A community and its latest discussions (signed in)", responses=READ)
def community_detail(request: Request, community_id: int) -> Response:
    people = community(request)
    who = viewer(request)
    place = attempt(request, lambda: people.discussions.community(community_id))
    posts = attempt(request, lambda: people.discussions.discussions(who, community_id))
    return answer({**asdict(place), "discussions": [post_json(p) for p in posts]})


@router.post("/communities/{community_id}/discussions", summary="Start a discussion (members)",
             responses=POSTING, status_code=201)
def start(request: Request, community_id: int, body: NewDiscussion) -> Response:
    write_check(request)
    who = viewer(request)
    post = attempt(request, lambda: community(request).discussions.start(
        who, community_id, body.title, body.text, body.role, body.emergency_seen))
    return answer(post_json(post), 201)


@router.get("/discussions/{discussion_id}", summary="A discussion, its replies, and healthqa's trusted answer",
            responses=ANSWERING)
async def discussion(request: Request, discussion_id: int, page: int = 1) -> Response:
    people = community(request)
    who = await run_in_threadpool(viewer, request)
    thread = await run_in_threadpool(attempt, request, lambda: people.discussions.thread(who, discussion_id, page))
    opening, replies = thread.opening, thread.replies
    trusted = await trusted_answer(service(request), opening.title, opening.body)
    place = people.discussions.community(opening.community_id)
    said = await sources_say(service(request), place.condition_ref, [opening, *replies])
    return answer({
        "discussion": post_json(opening), "replies": [post_json(p) for p in replies],
        "page": thread.page, "pages": thread.pages, "total_replies": thread.total_replies,
        "what_trusted_sources_say": {str(post_id): [
            {"point": s.point, "label": s.label, "quotes": [
                {"sentence": q.sentence, "source": q.quote.source, "title": q.quote.title, "url": q.quote.url,
                 "date": q.quote.date, "tier": q.quote.tier} for q in s.sentences]} for s in items]
            for post_id, items in said.items()},
        "trusted_answer": {"label": "Quoted from trusted sources by healthqa, not written by members",
                           **trusted.to_json()} if trusted else None,
    })


@router.post("/discussions/{discussion_id}/replies", summary="Reply to a discussion (members)",
             responses=POSTING, status_code=201)
def reply(request: Request, discussion_id: int, body: NewReply) -> Response:
    write_check(request)
    who = viewer(request)
    post = attempt(request, lambda: community(request).discussions.reply(
        who, discussion_id, body.text, body.role, body.emergency_seen))
    return answer(post_json(post), 201)


@router.post("/posts/{post_id}/edit", summary="Edit a post (its author)", responses=WRITE)
def edit(request: Request, post_id: int, body: Edit) -> Response:
    write_check(request)
    who = viewer(request)
    post = attempt(request, lambda: community(request).discussions.edit(
        who, post_id, body.text, body.title, body.emergency_seen))
    return answer(post_json(post))


@router.post("/posts/{post_id}/delete", summary="Delete a post (its author)", responses=WRITE)
def delete(request: Request, post_id: int) -> Response:
    write_check(request)
    who = viewer(request)
    attempt(request, lambda: community(request).discussions.delete(who, post_id))
    return answer({"deleted": post_id})


@router.post("/posts/{post_id}/report", summary="Report a post to the moderators (signed in)",
             responses=WRITE, status_code=202)
def report(request: Request, post_id: int, body: Reason) -> Response:
    write_check(request)
    who = viewer(request)
    attempt(request, lambda: community(request).moderation.report(who, post_id, body.reason))
    return answer({"reported": post_id}, 202)


@router.get("/moderation/queue", summary="Reported and emergency-flagged posts (moderators)", responses=READ)
def queue(request: Request) -> Response:
    who = viewer(request)
    items = attempt(request, lambda: community(request).moderation.queue(who))
    return answer({"queue": [{"post": post_json(i.post), "reasons": i.reasons, "emergency": i.emergency}
                             for i in items]})


@router.get("/moderation/audit", summary="The moderators' audit log (moderators)", responses=READ)
def audit(request: Request) -> Response:
    who = viewer(request)
    entries = attempt(request, lambda: community(request).moderation.audit_log(who))
    return answer({"audit": [asdict(e) for e in entries]})


@router.post("/posts/{post_id}/moderate", summary="Hide, restore or dismiss a post (moderators)", responses=WRITE)
def moderate(request: Request, post_id: int, body: Moderate) -> Response:
    write_check(request)
    who = viewer(request)
    people = community(request)
    if body.action == "dismiss":
        attempt(request, lambda: people.moderation.dismiss(who, post_id, body.reason))
    elif body.action in ("hide", "restore"):
        attempt(request, lambda: people.moderation.set_hidden(who, post_id, body.action == "hide", body.reason))
    else:
        raise ApiError(422, "invalid_input", "The action: choose hide, restore or dismiss.")
    return answer({"post": post_id, "action": body.action})


@router.post("/accounts/{account_id}/suspend", summary="Suspend an account for some days; 0 lifts it (moderators)",
             responses=WRITE)
def suspend(request: Request, account_id: int, body: Suspend) -> Response:
    write_check(request)
    who = viewer(request)
    attempt(request, lambda: community(request).moderation.suspend(who, account_id, body.days, body.reason))
    return answer({"account": account_id, "days": body.days})
