"""Every writing endpoint (and the moderators' pages), for every role: who may, and what the others get.

Each cell builds its own small world through the library: a community with members, an author's discussion
with another member's reply, a moderator who is not a member, an outsider who is signed in but did not join,
and a suspended member. The acting role then calls the endpoint over HTTP, with a valid CSRF token (CSRF is
tested on its own), so only authorisation decides.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from app.community.conftest import PASSWORD, Person, new_account, people, person
from healthqa.community import Account

ROLES = ("anonymous", "outsider", "author", "other_member", "moderator", "suspended")
_worlds = itertools.count(1)


@dataclass
class World:
    community: int
    discussion: int
    reply: int
    target_account: int  # an account a moderator could suspend (the other member's)
    actors: dict[str, Account | None]
    verify_token: str  # a new account's link to confirm its email (whoever holds the link may use it)
    reset_token: str  # a password reset link's token


def world(app: FastAPI) -> World:
    community = people(app)
    author, other, outsider = new_account(app), new_account(app), new_account(app)
    moderator, suspended = new_account(app, moderator=True), new_account(app)
    place = community.discussions.join(author, f"test:{next(_worlds)}", "A test condition")
    for account in (other, suspended):
        community.discussions.join(account, place.condition_ref, place.name)
    discussion = community.discussions.start(author, place.id, "A discussion", "Its text")
    reply = community.discussions.reply(other, discussion.id, "A reply")
    community.moderation.suspend(moderator, suspended.id, 3, "test")
    suspended = community.accounts.get(suspended.id)
    accounts = {"anonymous": None, "outsider": outsider, "author": author, "other_member": other,
                "moderator": moderator, "suspended": suspended}
    newcomer = f"newcomer{next(_worlds)}@example.org"
    community.accounts.sign_up(newcomer, newcomer.split("@")[0], PASSWORD, True, "http://testserver")
    forgetful = new_account(app)
    community.accounts.request_reset(forgetful.email, "http://testserver")
    return World(place.id, discussion.id, reply.id, other.id, accounts, _link_token(app, newcomer, "verify"),
                 _link_token(app, forgetful.email, "reset"))


def _link_token(app: FastAPI, recipient: str, page: str) -> str:
    for message in people(app).mailer.outbox(500):
        found = re.search(rf"/community/{page}\?token=([\w-]+)", message.body)
        if message.recipient == recipient and found:
            return found.group(1)
    raise AssertionError(f"no {page} link mailed to {recipient}")


# (name, who may, call(person, world) -> response)
Call = Callable[[Person, World], httpx.Response]
MEMBERS = {"author", "other_member"}
SIGNED_IN = set(ROLES) - {"anonymous"}
WRITERS = SIGNED_IN - {"suspended"}
ENDPOINTS: list[tuple[str, set[str], Call]] = [
    ("api start discussion", MEMBERS, lambda p, w: p.api(
        f"/api/community/communities/{w.community}/discussions", {"title": "T", "text": "Hello"})),
    ("api reply", MEMBERS, lambda p, w: p.api(
        f"/api/community/discussions/{w.discussion}/replies", {"text": "Hello"})),
    ("api edit", {"author"}, lambda p, w: p.api(
        f"/api/community/posts/{w.discussion}/edit", {"text": "Changed"})),
    ("api delete", {"author"}, lambda p, w: p.api(f"/api/community/posts/{w.discussion}/delete")),
    ("api report", SIGNED_IN, lambda p, w: p.api(
        f"/api/community/posts/{w.reply}/report", {"reason": "rude"})),
    ("api hide", {"moderator"}, lambda p, w: p.api(
        f"/api/community/posts/{w.reply}/moderate", {"action": "hide", "reason": "rude"})),
    ("api suspend", {"moderator"}, lambda p, w: p.api(
        f"/api/community/accounts/{w.target_account}/suspend", {"days": 1, "reason": "rude"})),
    ("api join", WRITERS, lambda p, w: p.api("/api/community/join", {"ref": "ORPHA:900001"})),
    ("api leave", SIGNED_IN, lambda p, w: p.api(f"/api/community/communities/{w.community}/leave")),
    ("api queue", {"moderator"}, lambda p, w: p.client.get("/api/community/moderation/queue")),
    ("api audit", {"moderator"}, lambda p, w: p.client.get("/api/community/moderation/audit")),
    ("api read discussion", SIGNED_IN, lambda p, w: p.client.get(
        f"/api/community/discussions/{w.discussion}")),
    ("api my data", SIGNED_IN, lambda p, w: p.client.get("/api/community/me/data")),
    ("web start discussion", MEMBERS, lambda p, w: p.form(
        f"/community/c/{w.community}/discussions", title="T", text="Hello")),
    ("web reply", MEMBERS, lambda p, w: p.form(f"/community/d/{w.discussion}/replies", text="Hello")),
    ("web edit", {"author"}, lambda p, w: p.form(f"/community/p/{w.discussion}/edit", title="T", text="New")),
    ("web edit form", {"author"}, lambda p, w: p.client.get(f"/community/p/{w.discussion}/edit")),
    ("web delete", {"author"}, lambda p, w: p.form(f"/community/p/{w.discussion}/delete")),
    ("web report", SIGNED_IN, lambda p, w: p.form(f"/community/p/{w.reply}/report", reason="rude")),
    ("web hide", {"moderator"}, lambda p, w: p.form(
        f"/community/p/{w.reply}/moderate", action="hide", reason="rude")),
    ("web suspend", {"moderator"}, lambda p, w: p.form(
        f"/community/accounts/{w.target_account}/suspend", days="1", reason="rude")),
    ("web moderation page", {"moderator"}, lambda p, w: p.client.get("/community/moderation")),
    ("web join", WRITERS, lambda p, w: p.form("/community/join", ref="ORPHA:900001")),
    ("web leave", SIGNED_IN, lambda p, w: p.form(f"/community/c/{w.community}/leave")),
    ("web read discussion", SIGNED_IN, lambda p, w: p.client.get(f"/community/d/{w.discussion}")),
    ("web change password", SIGNED_IN, lambda p, w: p.form(
        "/community/account/password", current="correct horse battery", new="a new password 12")),
    ("web my data", SIGNED_IN, lambda p, w: p.client.get("/community/account/data")),
    ("web new token", SIGNED_IN, lambda p, w: p.form("/community/account/tokens", label="x")),
    ("web delete account", SIGNED_IN, lambda p, w: p.form(
        "/community/account/delete", password="correct horse battery", posts="erase")),
    # The mailed one-time links act only when their page's form is posted (a GET only shows it): whoever holds
    # the link may, signed in or not.
    ("web confirm email", set(ROLES), lambda p, w: p.form("/community/verify", token=w.verify_token)),
    ("web reset password", set(ROLES), lambda p, w: p.form(
        "/community/reset", token=w.reset_token, password="a new password 12")),
]


@pytest.mark.parametrize(("name", "allowed", "call"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_every_endpoint_for_every_role(app: FastAPI, name: str, allowed: set[str], call: Call) -> None:
    outcomes = {}
    for role in ROLES:
        place = world(app)
        actor = person(app, place.actors[role])
        response = call(actor, place)
        outcomes[role] = response.status_code
    expected = {role: ("allowed" if role in allowed else 401 if role == "anonymous" else 403) for role in ROLES}
    seen = {role: ("allowed" if status < 400 else status) for role, status in outcomes.items()}
    assert seen == expected, name
