"""The communities' web pages (``/community/...``): server-rendered, no JavaScript, a CSRF token in every form.

Thin: each handler reads the form, calls :mod:`healthqa.community` (which decides who may do what) and
renders a template under ``templates/community/``. Every response says ``X-Robots-Tag: noindex``.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from healthqa.answer.wording import EMERGENCY_GUIDANCE, emergency_actions
from healthqa.app.api.routes import service
from healthqa.app.community.session import (
    SESSION_COOKIE,
    VISITOR_COOKIE,
    Visitor,
    attempt,
    check_csrf,
    clear_cookie,
    client,
    community,
    link_base,
    set_cookie,
    viewer,
)
from healthqa.app.community.trusted import sources_say, trusted_answer
from healthqa.app.errors import ApiError
from healthqa.app.web.pages import render
from healthqa.community import ROLES, Account, find_conditions
from healthqa.community.accounts import SESSION_SECONDS
from healthqa.errors import EmergencyNoticeError

router = APIRouter(prefix="/community", include_in_schema=False)
Text = Annotated[str, Form(max_length=20_000)]
NOINDEX = {"X-Robots-Tag": "noindex, nofollow"}
LAST_PAGE = 1_000_000  # a page number past any: the thread's last page (where a new reply shows)


def render_page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    visitor = Visitor(request)
    who = viewer(request)
    response = render(f"community/{template}", status, NOINDEX, csrf=visitor.csrf(), me=who, roles=ROLES,
                      when=when, **context)
    return visitor.finish(response)


def when(timestamp: float) -> str:
    """A post's time, in UTC, to the minute."""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers=NOINDEX)


def refused(request: Request, error: ApiError, template: str = "message.html", **context: Any) -> Response:
    """A refusal as a page: the form again (``template``) with the message, in the error's status."""
    return render_page(request, template, error.status_code, error=error.message, **context)


def me_or_sign_in(request: Request) -> Account:
    found = viewer(request)
    if found is None:
        raise ApiError(401, "sign_in_required", "Please sign in first.")
    return found


# -- home and search -----------------------------------------------------------------------------------------


@router.get("")
def home(request: Request) -> Response:
    who = viewer(request)
    if who is None:
        return render_page(request, "welcome.html")
    people = community(request)
    return render_page(request, "home.html", communities=people.discussions.communities_of(who),
                latest=people.discussions.latest(who))


@router.get("/search")
async def search(request: Request, q: str = "") -> Response:
    text = " ".join(q.split())[:200]
    found = []
    if text:
        svc = service(request)
        index = await run_in_threadpool(svc.disease_index)
        store = svc.require_store()
        people = community(request)
        for candidate in await run_in_threadpool(find_conditions, index, store, text):
            found.append((candidate, people.discussions.community_for(candidate.ref)))
    return render_page(request, "search.html", q=text, found=found, searched=bool(text))


# -- accounts ----------------------------------------------------------------------------------------------


@router.get("/signup")
def signup_form(request: Request) -> Response:
    return render_page(request, "signup.html", form={})


@router.post("/signup")
def signup(request: Request, csrf: Text = "", email: Text = "", display_name: Text = "", password: Text = "",
           consent: Text = "") -> Response:
    check_csrf(request, csrf)
    form = {"email": email, "display_name": display_name}
    try:
        attempt(request, lambda: community(request).accounts.sign_up(
            email, display_name, password, consent == "yes", link_base(request)))
    except ApiError as error:
        return refused(request, error, "signup.html", form=form)
    return render_page(request, "message.html", title="Check your email",
                message="If this address can be used, we have sent it a link to confirm it. "
                        "Open it to finish signing up.")


@router.get("/verify")
def verify_form(request: Request, token: str = "") -> Response:
    # Opening the mailed link only shows a button: mail scanners fetch links, and confirming here would confirm
    # addresses whose owners never opened the mail. The same holds for /reset (its GET shows the form only).
    return render_page(request, "verify.html", verify_token=token[:100])


@router.post("/verify")
def verify(request: Request, csrf: Text = "", token: Text = "") -> Response:
    check_csrf(request, csrf)
    try:
        attempt(request, lambda: community(request).accounts.verify(token))
    except ApiError as error:
        return refused(request, error)
    return render_page(request, "message.html", title="Email confirmed",
                message="Thank you: your email address is confirmed. You can sign in now.", signin_link=True)


@router.get("/signin")
def signin_form(request: Request) -> Response:
    return render_page(request, "signin.html", email="")


@router.post("/signin")
def signin(request: Request, csrf: Text = "", email: Text = "", password: Text = "") -> Response:
    check_csrf(request, csrf)
    people = community(request)
    try:
        _, token = attempt(request, lambda: people.accounts.sign_in(email, password, client(request)))
    except ApiError as error:
        return refused(request, error, "signin.html", email=email[:254])
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        people.accounts.end_session(old)  # a new session at each sign-in: a planted cookie is worth nothing
    response = see_other("/community")
    set_cookie(response, request, SESSION_COOKIE, token, max_age=SESSION_SECONDS)
    clear_cookie(response, request, VISITOR_COOKIE)
    return response


@router.post("/signout")
def signout(request: Request, csrf: Text = "") -> Response:
    check_csrf(request, csrf)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        community(request).accounts.end_session(token)
    response = see_other("/community")
    clear_cookie(response, request, SESSION_COOKIE)
    return response


@router.get("/forgot")
def forgot_form(request: Request) -> Response:
    return render_page(request, "forgot.html")


@router.post("/forgot")
def forgot(request: Request, csrf: Text = "", email: Text = "") -> Response:
    check_csrf(request, csrf)
    community(request).accounts.request_reset(email, link_base(request))
    return render_page(request, "message.html", title="Check your email",
                message="If this address has an account, we have sent it a link to choose a new password.")


@router.get("/reset")
def reset_form(request: Request, token: str = "") -> Response:
    return render_page(request, "reset.html", reset_token=token[:100])


@router.post("/reset")
def reset(request: Request, csrf: Text = "", token: Text = "", password: Text = "") -> Response:
    check_csrf(request, csrf)
    try:
        attempt(request, lambda: community(request).accounts.reset_password(token, password))
    except ApiError as error:
        return refused(request, error, "reset.html", reset_token=token[:100])
    return render_page(request, "message.html", title="Password changed",
                message="Your password is changed. Please sign in with it.", signin_link=True)


@router.get("/account")
def account_page(request: Request) -> Response:
    who = me_or_sign_in(request)
    return render_page(request, "account.html", tokens=community(request).accounts.personal_tokens(who))


@router.post("/account/password")
def change_password(request: Request, csrf: Text = "", current: Text = "", new: Text = "") -> Response:
    check_csrf(request, csrf)
    who = me_or_sign_in(request)
    try:
        attempt(request, lambda: community(request).accounts.change_password(who, current, new))
    except ApiError as error:
        return refused(request, error, "account.html")
    response = render_page(request, "message.html", title="Password changed",
                    message="Your password is changed. Please sign in again.", signin_link=True)
    clear_cookie(response, request, SESSION_COOKIE)
    return response


@router.post("/account/delete")
def delete_account(request: Request, csrf: Text = "", password: Text = "", posts: Text = "") -> Response:
    check_csrf(request, csrf)
    who = me_or_sign_in(request)
    if posts not in ("erase", "keep"):
        return refused(request, ApiError(422, "invalid_input", "Choose whether to erase or keep your posts."),
                       "account.html")
    try:
        attempt(request, lambda: community(request).accounts.delete(who, password, posts == "erase"))
    except ApiError as error:
        return refused(request, error, "account.html")
    request.scope["community_viewer"] = None
    response = render_page(request, "message.html", title="Account deleted",
                    message="Your account is deleted" + (" with your posts." if posts == "erase" else
                                                         "; your posts stay, signed “former member”."))
    clear_cookie(response, request, SESSION_COOKIE)
    return response


@router.get("/account/data")
def my_data(request: Request) -> Response:
    who = me_or_sign_in(request)
    data = community(request).export(who)
    return JSONResponse(data, headers={**NOINDEX, "Content-Disposition": 'attachment; filename="my-data.json"'})


@router.post("/account/tokens")
def new_token(request: Request, csrf: Text = "", label: Text = "") -> Response:
    check_csrf(request, csrf)
    who = me_or_sign_in(request)
    token = community(request).accounts.new_personal_token(who, label)
    return render_page(request, "account.html", new_token=token,
                       tokens=community(request).accounts.personal_tokens(who))


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, csrf: Text = "") -> Response:
    check_csrf(request, csrf)
    who = me_or_sign_in(request)
    attempt(request, lambda: community(request).accounts.revoke_personal_token(who, token_id))
    return see_other("/community/account")


# -- communities and discussions --------------------------------------------------------------------------------


@router.post("/join")
async def join(request: Request, csrf: Text = "", ref: Text = "") -> Response:
    check_csrf(request, csrf)
    who = viewer(request)
    svc = service(request)
    index = await run_in_threadpool(svc.disease_index)
    store = svc.require_store()
    found = await run_in_threadpool(find_conditions, index, store, ref[:200])
    exact = [c for c in found if c.ref == ref.strip()]
    if not exact:
        raise ApiError(404, "condition_not_found", "There is no condition with this reference.")
    joined = attempt(request, lambda: community(request).discussions.join(who, exact[0].ref,
                                                                         exact[0].name))
    return see_other(f"/community/c/{joined.id}")


@router.post("/c/{community_id}/leave")
def leave(request: Request, community_id: int, csrf: Text = "") -> Response:
    check_csrf(request, csrf)
    who = me_or_sign_in(request)
    attempt(request, lambda: community(request).discussions.leave(who, community_id))
    return see_other(f"/community/c/{community_id}")


@router.get("/c/{community_id}")
def community_page(request: Request, community_id: int) -> Response:
    people = community(request)
    place = attempt(request, lambda: people.discussions.community(community_id))
    who = viewer(request)
    posts = people.discussions.discussions(who, community_id) if who else []
    return render_page(request, "community.html", place=place, posts=posts,
                member=people.discussions.is_member(who, community_id), form={})


def _emergency_page(request: Request, kind: str, action: str, form: dict[str, str]) -> Response:
    notice = {"emergency": True, "emergency_actions": emergency_actions(kind), "emergency_guidance": EMERGENCY_GUIDANCE}
    return render_page(request, "emergency.html", notice=notice, action=action, form=form)


@router.post("/c/{community_id}/discussions")
def start_discussion(request: Request, community_id: int, csrf: Text = "", title: Text = "", text: Text = "",
                     role: Text = "", emergency_seen: Text = "") -> Response:
    check_csrf(request, csrf)
    people = community(request)
    who = viewer(request)
    form = {"title": title, "text": text, "role": role}
    try:
        post = attempt(request, lambda: _or_emergency(lambda: people.discussions.start(
            who, community_id, title, text, role, emergency_seen == "yes")))
    except _Emergency as notice:
        return _emergency_page(request, notice.kind, f"/community/c/{community_id}/discussions", form)
    except ApiError as error:
        place = attempt(request, lambda: people.discussions.community(community_id))
        return refused(request, error, "community.html", place=place, form=form,
                       posts=people.discussions.discussions(who, community_id) if who else [],
                       member=people.discussions.is_member(who, community_id))
    return see_other(f"/community/d/{post.id}")


class _Emergency(Exception):
    def __init__(self, kind: str) -> None:
        self.kind = kind


def _or_emergency(call: Any) -> Any:
    try:
        return call()
    except EmergencyNoticeError as error:
        raise _Emergency(error.kind) from None


@router.get("/d/{discussion_id}")
async def discussion_page(request: Request, discussion_id: int, page: int = 1) -> Response:
    return await _discussion(request, discussion_id, page=page)


async def _discussion(request: Request, discussion_id: int, status: int = 200, page: int = LAST_PAGE,
                      **context: Any) -> Response:
    people = community(request)
    who = await run_in_threadpool(viewer, request)
    thread = await run_in_threadpool(attempt, request, lambda: people.discussions.thread(who, discussion_id, page))
    opening = thread.opening
    place = people.discussions.community(opening.community_id)
    answer = await trusted_answer(service(request), opening.title, opening.body)
    said = await sources_say(service(request), place.condition_ref, [opening, *thread.replies])
    return render_page(request, "discussion.html", status, opening=opening, thread=thread, replies=thread.replies,
                       place=place, answer=answer, said=said, member=people.discussions.is_member(who, place.id),
                       **context)


@router.post("/d/{discussion_id}/replies")
async def reply(request: Request, discussion_id: int, csrf: Text = "", text: Text = "", role: Text = "",
                emergency_seen: Text = "") -> Response:
    check_csrf(request, csrf)
    people = community(request)
    who = viewer(request)
    try:
        await run_in_threadpool(attempt, request, lambda: _or_emergency(lambda: people.discussions.reply(
            who, discussion_id, text, role, emergency_seen == "yes")))
    except _Emergency as notice:
        return _emergency_page(request, notice.kind, f"/community/d/{discussion_id}/replies",
                               {"text": text, "role": role})
    except ApiError as error:
        if error.status_code in (401, 404):
            raise
        return await _discussion(request, discussion_id, error.status_code, error=error.message, draft=text)
    return see_other(f"/community/d/{discussion_id}?page={LAST_PAGE}#replies")


@router.get("/p/{post_id}/edit")
def edit_form(request: Request, post_id: int) -> Response:
    who = viewer(request)
    post = attempt(request, lambda: community(request).discussions.post(who, post_id))
    if who is None or post.author_id != who.id:
        raise ApiError(403, "not_allowed", "Only the author can change this post.")
    return render_page(request, "edit.html", post=post, form={"title": post.title, "text": post.body})


@router.post("/p/{post_id}/edit")
def edit(request: Request, post_id: int, csrf: Text = "", title: Text = "", text: Text = "",
         emergency_seen: Text = "") -> Response:
    check_csrf(request, csrf)
    people = community(request)
    who = viewer(request)
    try:
        post = attempt(request, lambda: _or_emergency(lambda: people.discussions.edit(
            who, post_id, text, title, emergency_seen == "yes")))
    except _Emergency as notice:  # as when posting: the guidance first (review defect 11)
        return _emergency_page(request, notice.kind, f"/community/p/{post_id}/edit",
                               {"title": title, "text": text, "role": ""})
    except ApiError as error:
        if error.status_code in (401, 403, 404):
            raise
        post = people.discussions.post(who, post_id)
        return refused(request, error, "edit.html", post=post, form={"title": title, "text": text})
    return see_other(f"/community/d/{post.discussion_id}")


@router.post("/p/{post_id}/delete")
def delete(request: Request, post_id: int, csrf: Text = "") -> Response:
    check_csrf(request, csrf)
    people = community(request)
    who = viewer(request)
    post = attempt(request, lambda: people.discussions.post(who, post_id))
    attempt(request, lambda: people.discussions.delete(who, post_id))
    if post.thread_id is None:
        return see_other(f"/community/c/{post.community_id}")
    return see_other(f"/community/d/{post.thread_id}")


# -- reports and moderation ---------------------------------------------------------------------------------


@router.post("/p/{post_id}/report")
def report(request: Request, post_id: int, csrf: Text = "", reason: Text = "") -> Response:
    check_csrf(request, csrf)
    who = viewer(request)
    attempt(request, lambda: community(request).moderation.report(who, post_id, reason))
    return render_page(request, "message.html", title="Thank you",
                message="Your report was sent to the moderators, who will look at it.")


@router.get("/moderation")
def moderation(request: Request) -> Response:
    people = community(request)
    who = viewer(request)
    queue = attempt(request, lambda: people.moderation.queue(who))
    return render_page(request, "moderation.html", queue=queue, audit=people.moderation.audit_log(who, 50))


@router.post("/p/{post_id}/moderate")
def moderate(request: Request, post_id: int, csrf: Text = "", action: Text = "", reason: Text = "") -> Response:
    check_csrf(request, csrf)
    people = community(request)
    who = viewer(request)
    if action == "dismiss":
        attempt(request, lambda: people.moderation.dismiss(who, post_id, reason))
    elif action in ("hide", "restore"):
        attempt(request, lambda: people.moderation.set_hidden(who, post_id, action == "hide", reason))
    else:
        raise ApiError(422, "invalid_input", "The action: choose hide, restore or dismiss.")
    return see_other("/community/moderation")


@router.post("/accounts/{account_id}/suspend")
def suspend(request: Request, account_id: int, csrf: Text = "", days: Text = "", reason: Text = "") -> Response:
    check_csrf(request, csrf)
    who = viewer(request)
    try:
        length = float(days or "0")
    except ValueError:
        raise ApiError(422, "invalid_input", "The days: give a number.") from None
    attempt(request, lambda: community(request).moderation.suspend(who, account_id, length, reason))
    return see_other("/community/moderation")
