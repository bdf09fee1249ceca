"""The review's defects (2026-12-05, issue 20) that show over HTTP: CSRF with a stray bearer header, oversized
ids, the emergency guidance on editing, noindex on error pages."""

from __future__ import annotations

import re

from fastapi import FastAPI

from app.community.conftest import new_account, people, person

HUGE = "99999999999999999999"  # beyond SQLite's 64-bit integers


def test_a_cookie_session_with_a_stray_bearer_header_still_needs_the_csrf_token(app: FastAPI) -> None:
    """Defect 6: any "Authorization: Bearer hqp_..." header made a cookie session skip the CSRF check."""
    author = new_account(app)
    place = people(app).discussions.join(author, "test:bearer", "A test condition")
    actor = person(app, author)
    for header in ("Bearer hqp_not_a_token", "Bearer something"):
        response = actor.client.post(f"/api/community/communities/{place.id}/discussions",
                                      json={"title": "T", "text": "forged"}, headers={"Authorization": header})
        assert response.status_code in (401, 403), response.text
    assert people(app).discussions.summary("test:bearer") == (1, 0)
    # A real personal token still works without a CSRF token, cookie or not.
    token = people(app).accounts.new_personal_token(author, "script")
    response = actor.client.post(f"/api/community/communities/{place.id}/discussions",
                                  json={"title": "T", "text": "by token"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201


def test_oversized_ids_are_not_found_not_a_server_error(app: FastAPI) -> None:
    """Defect 13: an id beyond 64 bits was an OverflowError in the driver, a 500."""
    actor = person(app, new_account(app, moderator=True))
    for path in (f"/community/c/{HUGE}", f"/community/d/{HUGE}", f"/api/community/communities/{HUGE}",
                 f"/api/community/discussions/{HUGE}"):
        response = actor.client.get(path)
        assert response.status_code == 404, (path, response.status_code)
    for path, body in ((f"/api/community/posts/{HUGE}/report", {"reason": "spam"}),
                       (f"/api/community/accounts/{HUGE}/suspend", {"days": 1, "reason": "spam"})):
        response = actor.api(path, body)
        assert response.status_code in (404, 422), (path, response.status_code)


def test_editing_into_an_emergency_shows_the_guidance_before_saving(app: FastAPI) -> None:
    """Defect 11: the edit form saved an emergency at once, without the guidance."""
    author = new_account(app)
    place = people(app).discussions.join(author, "test:edit-emergency", "A test condition")
    post = people(app).discussions.start(author, place.id, "Hello", "How do you manage the fatigue?")
    actor = person(app, author)
    alarming = "I can't breathe and my chest hurts"
    response = actor.form(f"/community/p/{post.id}/edit", title="Hello", text=alarming)
    assert response.status_code == 200 and "emergency_seen" in response.text
    assert f'action="/community/p/{post.id}/edit"' in response.text
    assert people(app).discussions.post(author, post.id).body == "How do you manage the fatigue?"
    response = actor.form(f"/community/p/{post.id}/edit", title="Hello", text=alarming, emergency_seen="yes")
    assert response.status_code == 303
    assert people(app).discussions.post(author, post.id).body == alarming
    api = actor.api(f"/api/community/posts/{post.id}/edit", {"text": alarming + "!"})
    assert api.status_code == 409 and api.json()["error"]["code"] == "emergency_notice"


def test_error_pages_under_community_say_noindex(app: FastAPI) -> None:
    """Defect 20: error answers under /community lacked X-Robots-Tag."""
    anonymous = person(app)
    for path in ("/community/d/1", "/community/no-such-page", "/api/community/me", "/api/community/discussions/1"):
        response = anonymous.client.get(path)
        assert response.status_code >= 400, path
        assert response.headers.get("x-robots-tag", "").startswith("noindex"), path
    assert "x-robots-tag" not in anonymous.client.get("/").headers  # only the community's answers


def test_personal_tokens_are_listed_and_revoked_on_the_account_page_and_the_api(app: FastAPI) -> None:
    """Defect 17 over HTTP: the account page lists the tokens with a revoke button; the API does the same."""
    owner = new_account(app)
    actor = person(app, owner)
    page = actor.form("/community/account/tokens", label="my laptop")
    [made] = re.findall(r"<code>(hqp_[\w-]+)</code>", page.text)
    [token_id] = re.findall(r'action="/community/account/tokens/(\d+)/revoke"', page.text)
    assert "my laptop" in actor.client.get("/community/account").text
    listed = actor.client.get("/api/community/me/tokens").json()
    assert [(t["id"], t["label"]) for t in listed] == [(int(token_id), "my laptop")]
    assert "hqp_" not in str(listed)
    stranger = person(app, new_account(app))
    assert stranger.form(f"/community/account/tokens/{token_id}/revoke").status_code == 404
    assert actor.form(f"/community/account/tokens/{token_id}/revoke").status_code == 303
    bare = person(app)
    bare.client.cookies.clear()
    response = bare.client.get("/api/community/me", headers={"Authorization": f"Bearer {made}"})
    assert response.status_code == 401
    second = people(app).accounts.new_personal_token(owner, "script")
    [listed_second] = actor.client.get("/api/community/me/tokens").json()
    assert actor.api(f"/api/community/me/tokens/{listed_second['id']}/revoke").status_code == 200
    assert people(app).accounts.by_personal_token(second) is None


def test_mailed_links_do_not_follow_the_host_header(app: FastAPI) -> None:
    """Defect 19: without HEALTHQA_PUBLIC_URL, a reset asked for with "Host: evil.example" mailed a link to
    evil.example (in the outbox the administrator passes on). Links name the server's own address now."""
    owner = new_account(app)
    visitor = person(app)
    response = visitor.client.post("/community/forgot", data={"csrf": visitor.csrf, "email": owner.email},
                                   headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code < 400
    [newest] = [m for m in people(app).mailer.outbox(500) if m.recipient == owner.email][:1]
    assert "Reset" in newest.subject
    assert "evil.example" not in newest.body and "http://testserver/community/reset?token=" in newest.body
