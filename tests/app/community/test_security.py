"""CSRF, cookies, account enumeration, hostile text and logs: the community's security tests over HTTP."""

from __future__ import annotations

import logging
import re

import httpx
import pytest
from fastapi import FastAPI, Request

from app.community.conftest import PASSWORD, mailed_token, new_account, people, person
from healthqa.app.community.session import SESSION_COOKIE, secure
from healthqa.config import Settings


def test_forms_and_json_writes_without_a_csrf_token_are_refused(app: FastAPI) -> None:
    author = new_account(app)
    place = people(app).discussions.join(author, "test:csrf", "A test condition")
    actor = person(app, author)
    altered = actor.csrf[:-1] + ("1" if actor.csrf.endswith("0") else "0")  # one character off, always
    for token in ("", "0" * 64, altered):
        response = actor.client.post(f"/community/c/{place.id}/discussions",
                                     data={"csrf": token, "title": "T", "text": "x"}, follow_redirects=False)
        assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
        api = actor.client.post(f"/api/community/communities/{place.id}/discussions",
                                json={"title": "T", "text": "x"}, headers={"X-CSRF-Token": token})
        assert api.status_code == 403 and api.json()["error"]["code"] == "csrf_failed"
    # Another person's token does not fit this cookie.
    other = person(app, new_account(app))
    response = actor.client.post(f"/community/c/{place.id}/discussions",
                                 data={"csrf": other.csrf, "title": "T", "text": "x"}, follow_redirects=False)
    assert response.status_code == 403
    assert people(app).discussions.summary("test:csrf") == (1, 0)
    # A personal token needs no CSRF token (no browser sends it by itself).
    token = people(app).accounts.new_personal_token(author, "script")
    bare = person(app)
    bare.client.cookies.clear()
    response = bare.client.post(f"/api/community/communities/{place.id}/discussions",
                                json={"title": "T", "text": "x"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201


def test_opening_a_mailed_link_confirms_nothing_and_uses_no_token(app: FastAPI) -> None:
    """Issue 20: a mail scanner that fetches every link in a mail (GET, HEAD, without cookies) must not confirm an
    address nobody opened, nor spend a password reset link: only posting the link's form, with its CSRF token,
    acts."""
    community = people(app)
    community.accounts.sign_up("scanned@example.org", "Scanned", PASSWORD, True, "http://testserver")
    verify_token = mailed_token(app, "scanned@example.org")
    reader = new_account(app)
    community.accounts.request_reset(reader.email, "http://testserver")
    reset_token = next(m.body for m in community.mailer.outbox(500) if m.recipient == reader.email
                       and "/community/reset?token=" in m.body).split("reset?token=")[1].split()[0]
    scanner = person(app)
    for _ in range(2):
        scanner.client.cookies.clear()
        opened = scanner.client.get("/community/verify", params={"token": verify_token})
        assert opened.status_code == 200 and "Confirm my email address" in opened.text
        assert 'action="/community/verify" method="post"' in opened.text and 'name="csrf"' in opened.text
        assert scanner.client.head("/community/verify", params={"token": verify_token}).status_code in (200, 405)
        form = scanner.client.get("/community/reset", params={"token": reset_token})
        assert form.status_code == 200 and 'action="/community/reset" method="post"' in form.text
    assert not community.accounts.by_email("scanned@example.org").verified
    # Posting without the page's CSRF token (a cross-site form) confirms nothing either.
    forged = person(app).client.post("/community/verify", data={"token": verify_token}, follow_redirects=False)
    assert forged.status_code == 403 and not community.accounts.by_email("scanned@example.org").verified
    # The person who opens the mail and presses the button confirms; both links still work.
    owner = person(app)
    confirmed = owner.form("/community/verify", token=verify_token)
    assert confirmed.status_code == 200 and "Email confirmed" in confirmed.text
    assert community.accounts.by_email("scanned@example.org").verified
    assert owner.form("/community/verify", token=verify_token).status_code == 404  # once only
    changed = owner.form("/community/reset", token=reset_token, password="a new password 12")
    assert changed.status_code == 200 and "Password changed" in changed.text


def _set_cookie_headers(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


@pytest.mark.parametrize("https", [False, True])
def test_session_cookie_flags_and_rotation_at_sign_in(app: FastAPI, https: bool) -> None:
    account = new_account(app)
    visitor = person(app, https=https)
    form = visitor.client.get("/community/signin")
    assert form.headers["x-robots-tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex, nofollow">' in form.text
    response = visitor.form("/community/signin", email=account.email, password=PASSWORD)
    assert response.status_code == 303
    [session] = [c for c in _set_cookie_headers(response) if c.startswith(SESSION_COOKIE + "=")]
    flags = {part.strip().lower() for part in session.split(";")}
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert ("secure" in flags) == https
    first = session.split(";")[0].split("=", 1)[1]
    # Signing in again makes a new session and ends the one before.
    csrf = re.search(r'name="csrf" value="(\w+)"', visitor.client.get("/community/signin").text)
    assert csrf
    again = visitor.client.post("/community/signin", data={"csrf": csrf.group(1), "email": account.email,
                                                            "password": PASSWORD}, follow_redirects=False)
    second = next(c for c in _set_cookie_headers(again) if c.startswith(SESSION_COOKIE + "="))
    assert second.split(";")[0].split("=", 1)[1] != first
    assert people(app).accounts.by_session(first) is None


def test_sign_in_sign_up_and_reset_do_not_tell_which_emails_have_accounts(app: FastAPI) -> None:
    account = new_account(app)
    visitor = person(app)

    def page_text(response: httpx.Response) -> str:
        text = response.text
        return re.sub(r'name="csrf" value="\w+"', "", text)

    answers: dict[str, set[tuple[int, str]]] = {}
    for number, (kind, email) in enumerate((("known", account.email), ("unknown", "nobody-here@example.org")) * 2):
        response = visitor.form("/community/signin", email=email, password="not the password")
        answers.setdefault("signin", set()).add((response.status_code, page_text(response).replace(email, "E")))
        response = visitor.form("/community/forgot", email=email)
        answers.setdefault("forgot", set()).add((response.status_code, page_text(response)))
        response = visitor.form("/community/signup", email=email, display_name=f"N{number}{kind}",
                                password="a long password", consent="yes")
        answers.setdefault("signup", set()).add((response.status_code, page_text(response)))
    assert all(len(found) == 1 for found in answers.values()), answers
    # (That both take the same time, an argon2id check each, is in tests/community/test_accounts.py and measured
    # by benchmarks/signin_timing.py.)


HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">[x](javascript:alert(1))'


def test_hostile_title_text_name_and_reason_are_inert_in_the_pages(app: FastAPI) -> None:
    community = people(app)
    author = new_account(app, "Mallory", moderator=True)  # no new-account limits: links allowed
    community.accounts.sign_up("evil@example.org", '<b onmouseover="x()">Eve</b>', PASSWORD, True, "http://t")
    mod = new_account(app, moderator=True)
    place = community.discussions.join(author, "test:xss", "A test condition")
    post = community.discussions.start(author, place.id, HOSTILE, HOSTILE)
    community.moderation.report(author, post.id, HOSTILE)
    eve = community.accounts.verify(mailed_token(app, "evil@example.org"))
    community.discussions.join(eve, place.condition_ref, place.name)
    community.discussions.reply(eve, post.id, "Hello from Eve")
    pages = [person(app, author).client.get(f"/community/d/{post.id}").text,
             person(app, mod).client.get("/community/moderation").text,
             person(app, author).client.get("/community").text]
    for html in pages:
        assert "<script>window" not in html and "<img" not in html and 'href="javascript' not in html
        assert "<b onmouseover" not in html
        assert "&lt;script&gt;" in html  # shown as text
    assert "&lt;b onmouseover=&#34;x()&#34;&gt;Eve&lt;/b&gt;" in pages[0]  # the name, escaped
    names = community.db.read().execute("SELECT display_name FROM accounts WHERE email = 'evil@example.org'")
    assert names.fetchone()[0] == '<b onmouseover="x()">Eve</b>'  # kept as typed, escaped when shown


def test_posts_questions_and_emails_are_never_logged(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "Quxzorbital"
    author = new_account(app, "Logtester")
    place = people(app).discussions.join(author, "test:logs", "A test condition")
    actor = person(app, author)
    response = actor.form(f"/community/c/{place.id}/discussions", title=f"{marker} is LEMS inherited?",
                          text=f"{marker} my question. Is LEMS inherited?")
    discussion = int(response.headers["location"].rsplit("/", 1)[1])
    actor.client.get(f"/community/d/{discussion}")
    actor.form(f"/community/d/{discussion}/replies", text=f"{marker} reply")
    actor.form("/community/signin", email=f"{marker}@example.org", password=f"{marker} password")
    assert caplog.records  # the access log ran
    assert marker not in caplog.text and marker.lower() not in caplog.text.lower()
    assert "logtester@example.org" not in caplog.text


def _request(app: FastAPI, scheme: str, peer: str, headers: dict[str, str], settings: Settings) -> Request:
    app_stub = FastAPI()
    app_stub.state.settings = settings
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "app": app_stub, "scheme": scheme, "server": ("h", 80), "path": "/",
                    "client": (peer, 1234), "headers": raw, "query_string": b""})


def test_cookies_are_secure_behind_a_tls_proxy(app: FastAPI) -> None:
    plain = Settings(trusted_proxies=("10.0.0.0/8",))
    forwarded = {"X-Forwarded-Proto": "https"}
    assert secure(_request(app, "https", "1.2.3.4", {}, plain))
    assert secure(_request(app, "http", "10.0.0.5", forwarded, plain))  # the trusted proxy says so
    assert not secure(_request(app, "http", "1.2.3.4", forwarded, plain))  # anybody else's word is not taken
    assert not secure(_request(app, "http", "10.0.0.5", {}, plain))
    assert secure(_request(app, "http", "1.2.3.4", {}, Settings(public_url="https://healthqa.example")))
