"""The whole path through the web pages, as a person walks it (no JavaScript): sign up, confirm by the outbox
link, find LEMS by another name, join, ask, see the trusted answer beside the question, an emergency shown
first, a reply from a second account, a report, moderation, download and deletion."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from app.community.conftest import BOTH_BACKENDS, PASSWORD, mailed_token, new_account, people
from healthqa.answer.wording import DISCLAIMER
from healthqa.app.community import condition_community, condition_summary
from kb_builders import LEMS_INHERITANCE

pytestmark = BOTH_BACKENDS


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="(\w+)"', html)
    assert found, "the page has no form"
    return found.group(1)


def _post(client: TestClient, page: str, path: str, **fields: str) -> httpx.Response:
    return client.post(path, data={"csrf": _csrf(client.get(page).text), **fields}, follow_redirects=True)


def test_the_whole_path(app: FastAPI) -> None:
    ann = TestClient(app, raise_server_exceptions=False)
    response = _post(ann, "/community/signup", "/community/signup", email="walker@example.org",
                     display_name="Walker", password=PASSWORD, consent="yes")
    assert "Check your email" in response.text
    link = f"/community/verify?token={mailed_token(app, 'walker@example.org')}"
    assert "Confirm my email address" in ann.get(link).text  # opening the link only shows the button
    assert not people(app).accounts.by_email("walker@example.org").verified
    verified = _post(ann, link, "/community/verify", token=link.split("token=")[1])
    assert "Email confirmed" in verified.text and people(app).accounts.by_email("walker@example.org").verified
    home = _post(ann, "/community/signin", "/community/signin", email="walker@example.org", password=PASSWORD)
    assert "Your communities" in home.text
    for name in ("LEMS", "Eaton-Lambert syndrome"):
        found = ann.get("/community/search", params={"q": name}).text
        assert "Lambert-Eaton myasthenic syndrome" in found
    ref = re.search(r'name="ref" value="([^"]+)"', found)
    assert ref
    page = _post(ann, "/community/search?q=LEMS", "/community/join", ref=ref.group(1))
    community_url = str(page.url)
    assert "Start a discussion" in page.text
    assert people(app).discussions.summary(ref.group(1)) == (1, 0)
    thread = _post(ann, community_url, community_url + "/discussions", title="Is LEMS inherited?",
                   text="My mother has **LEMS**. Is it inherited?", role="family")
    text = thread.text
    assert "<strong>LEMS</strong>" in text and "Family member" in text
    assert "Answers from trusted sources" in text and "not written by members" in text
    assert "Some blog" not in text  # the unreviewed source that also answers is left out beside posts
    assert LEMS_INHERITANCE[:60] in text and "GARD" in text and "2020-05-01" in text and DISCLAIMER in text
    thread_url = str(thread.url)
    # An emergency: the guidance first, nothing published until the person confirms.
    notice = _post(ann, community_url, community_url + "/discussions", title="Help",
                   text="My husband cannot breathe and his lips are blue")
    assert "This may be an emergency" in notice.text and "911" in notice.text
    assert people(app).discussions.summary(ref.group(1)) == (1, 1)
    published = ann.post(community_url + "/discussions", data={
        "csrf": _csrf(notice.text), "title": "Help", "text": "My husband cannot breathe and his lips are blue",
        "emergency_seen": "yes"}, follow_redirects=True)
    assert published.status_code == 200 and people(app).discussions.summary(ref.group(1)) == (1, 2)
    # A second account joins and replies; then reports the first post.
    bob_account = new_account(app, "Bobby")
    bob = TestClient(app, raise_server_exceptions=False)
    bob.cookies.set("hq_session", people(app).accounts.new_session(bob_account.id))
    _post(bob, community_url, "/community/join", ref=ref.group(1))
    replied = _post(bob, thread_url, thread_url + "/replies", text="Not in our family. It is a common disorder.")
    assert "Not in our family." in replied.text and "Bobby" in replied.text
    # Bob's claim, which the reviewed sources contradict, gets their words under it (Ann's question states nothing).
    boxes = re.findall(r'<aside class="sources-say".*?</aside>', replied.text, re.S)
    assert len(boxes) == 1 and "What trusted sources say" in boxes[0] and "is a rare disorder" in boxes[0]
    assert "GARD" in boxes[0] and "2020-05-01" in boxes[0]
    discussion_id = thread_url.rsplit("/", 1)[1]
    _post(bob, thread_url, f"/community/p/{discussion_id}/report", reason="off topic")
    # A moderator sees both the report and the emergency, hides the post; the audit log says so.
    mod_account = new_account(app, "Modest", moderator=True)
    mod = TestClient(app, raise_server_exceptions=False)
    mod.cookies.set("hq_session", people(app).accounts.new_session(mod_account.id))
    queue = mod.get("/community/moderation").text
    assert "Reported: off topic" in queue and "Sounded like an emergency" in queue
    after = _post(mod, "/community/moderation", f"/community/p/{discussion_id}/moderate", action="hide",
                  reason="test of hiding")
    assert "test of hiding" in after.text and "Modest" in after.text
    assert bob.get(thread_url).status_code == 404
    # Ann downloads her data, then deletes her account and her posts.
    data = ann.get("/community/account/data").json()
    assert data["account"]["email"] == "walker@example.org" and len(data["posts"]) == 2
    gone = _post(ann, "/community/account", "/community/account/delete", password=PASSWORD, posts="erase")
    assert "Account deleted" in gone.text
    assert ann.get("/community/account").status_code == 401
    assert people(app).discussions.summary(ref.group(1)) == (1, 0)  # Bobby stays; her two discussions went


def test_the_condition_page_summary(app: FastAPI) -> None:
    account = new_account(app)
    people(app).discussions.join(account, "ORPHA:900002", "Eye-skin disorder (test)")

    request = Request({"type": "http", "app": app, "headers": []})
    assert condition_summary(request, "ORPHA:900002") == (1, 0)
    assert condition_summary(request, "ORPHA:478") == (0, 0)


def test_the_condition_page_block_before_and_after_the_first_join(app: FastAPI) -> None:
    request = Request({"type": "http", "app": app, "headers": []})
    before = condition_community(request, "Kallmann syndrome")
    assert before is not None and before.ref == "ORPHA:478" and (before.members, before.discussions) == (0, 0)
    assert before.href == "/community/search?q=ORPHA%3A478"
    people(app).discussions.join(new_account(app), before.ref, before.name)
    after = condition_community(request, "ORPHA:478")
    assert after is not None and after.members == 1 and after.href.startswith("/community/c/")
    assert condition_community(request, "no such condition at all") is None


def test_the_condition_page_shows_its_community(app: FastAPI) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/diseases/ORPHA:478")
    assert page.status_code == 200
    block = page.text[page.text.index("People with this condition"):]
    assert re.search(r"\d+ members, \d+ discussions", block)
    assert 'href="/community/' in block
