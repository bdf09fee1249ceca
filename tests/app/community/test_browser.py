"""The communities in a real browser (Debian's Chromium through Playwright) over a real ``healthqa serve``:
sign up, confirm by the outbox link, join LEMS's community from its condition page, ask, see the trusted
answer beside the question, reply from a second account, report, moderate, delete the account; hostile text
in a display name, a post and a report reason never runs; the server's log holds none of the posts' text.

Skips when /usr/bin/chromium is missing (scripts/test installs it with apt-get).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthqa.community import Community
from kb_builders import DOCUMENTS, LEMS_INHERITANCE, ORPHANET_DOCUMENTS, build_kb, ninds_lems
from servers import RunningServer, serve

PASSWORD = "correct horse battery"
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
MARKER = "Plumbrixel"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("community-serve")
    kb = build_kb(folder / "kb.db", [*DOCUMENTS, ninds_lems(), *ORPHANET_DOCUMENTS], prepared=True)
    env = {"HEALTHQA_PASSWORD_MEMORY_KIB": "1024", "HEALTHQA_COMMUNITY_DB": str(folder / "people.db")}
    with serve(kb, folder / "server.log", env=env) as running:
        yield running


def _mailed_link(server: RunningServer, recipient: str) -> str:
    community = Community.open(server.log.parent / "people.db")  # what `healthqa users outbox` lists
    try:
        for message in community.mailer.outbox(100):
            found = re.search(r"https?://\S+token=[\w-]+", message.body)
            if message.recipient == recipient and found:
                return found.group(0)
    finally:
        community.close()
    raise AssertionError(f"no link mailed to {recipient}")


def _sign_up_and_in(page: Any, server: RunningServer, email: str, name: str) -> None:
    page.goto(f"{server.url}/community/signup")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_selector("text=Check your email")
    page.goto(_mailed_link(server, email))  # opening the link shows a button; pressing it confirms
    assert "Confirm your email address" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Confirm my email address").click()
    page.wait_for_selector("h1:has-text('Email confirmed')")
    page.goto(f"{server.url}/community/signin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("h1:has-text('Your communities')")


def _inert(page: Any, dialogs: list[str]) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    assert dialogs == []


def test_the_whole_path_in_the_browser(server: RunningServer, browser: Any, tmp_path: Path) -> None:
    dialogs: list[str] = []
    ann_context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    ann = ann_context.new_page()
    _sign_up_and_in(ann, server, "ann@example.org", f"{IMG}Ann")
    # From LEMS's condition page, where nobody has joined yet, to its community.
    ann.goto(f"{server.url}/diseases/lems")
    assert "0 members, 0 discussions" in ann.locator("section.community-summary").inner_text()
    ann.locator("section.community-summary").get_by_role("link", name="Start the community").click()
    ann.get_by_role("button", name="Join Lambert-Eaton myasthenic syndrome").click()
    ann.wait_for_selector("text=Start a discussion")
    community_url = ann.url
    ann.get_by_label("Title").fill(f"{SCRIPT}Is LEMS inherited?")
    ann.get_by_label("Your message").fill(f"{MARKER} my mother has LEMS. {IMG} Is LEMS inherited?")
    ann.get_by_role("radio", name="Family member").check()
    ann.get_by_role("button", name="Post").click()
    ann.wait_for_selector("aside.trusted-answer")
    aside = ann.locator("aside.trusted-answer").inner_text()
    assert "not written by members" in aside and LEMS_INHERITANCE[:50] in aside and "GARD" in aside
    assert "2020-05-01" in aside and "Some blog" not in aside  # reviewed sources only
    assert SCRIPT in ann.locator("h1").inner_text() and IMG in ann.locator(".post-body").first.inner_text()
    assert ann.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # a phone, no sideways scroll
    ann.screenshot(path=str(tmp_path / "community-discussion.png"), full_page=True)
    discussion_url = ann.url
    # A second account, with scripts on, replies and reports with a hostile reason.
    bob_context = browser.new_context()
    bob = bob_context.new_page()
    bob.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _sign_up_and_in(bob, server, "bob@example.org", "Bob")
    bob.goto(community_url)
    bob.get_by_role("button", name="Join this community").click()
    bob.goto(discussion_url)
    _inert(bob, dialogs)
    bob.get_by_label("Your reply").fill("Not in our family, as far as we know.")
    bob.get_by_role("button", name="Reply").click()
    bob.wait_for_selector("text=Not in our family")
    bob.locator("article.post").first.locator("summary", has_text="Report").click()
    bob.locator("article.post").first.get_by_label("Why should the moderators").fill(f"{SCRIPT}{IMG} spam")
    bob.locator("article.post").first.get_by_role("button", name="Send the report").click()
    bob.wait_for_selector("text=Your report was sent")
    # A moderator (the role an administrator gives) hides the discussion.
    community = Community.open(server.log.parent / "people.db")
    community.accounts.set_moderator("bob@example.org", True)
    community.close()
    bob.goto(f"{server.url}/community/moderation")
    _inert(bob, dialogs)
    assert f"Reported: {SCRIPT}{IMG} spam" in bob.locator("main").inner_text()
    bob.get_by_label("Reason").first.fill("asked to by a member")
    bob.get_by_role("button", name="Hide").first.click()
    bob.wait_for_selector("td:has-text('asked to by a member')")
    _inert(bob, dialogs)
    # Ann deletes her account and her posts.
    ann.goto(f"{server.url}/community/account")
    ann.get_by_label("Erase my posts").check()
    ann.locator("#delete-password").fill(PASSWORD)
    ann.get_by_role("button", name="Delete my account").click()
    ann.wait_for_selector("h1:has-text('Account deleted')")
    bob.goto(discussion_url)
    assert bob.locator("h1").inner_text() == "Page not found"
    ann_context.close()
    bob_context.close()
    log = server.read_log()
    assert "POST /community/c/{community_id}/discussions 303" in log
    assert MARKER not in log and "ann@example.org" not in log
