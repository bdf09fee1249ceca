from __future__ import annotations

import re

import pytest

from community.conftest import Clock, member
from healthqa.community import Community, markdown_html, question_in
from healthqa.community.discussions import FIRST_POSTS_WITHOUT_LINKS, NEW_POSTS_PER_HOUR, REPLIES_PER_PAGE
from healthqa.community.render import ALLOWED_TAGS
from healthqa.errors import (
    BadInputError,
    CommunityNotFoundError,
    EmergencyNoticeError,
    NotAllowedError,
    PostingLimitError,
)

LEMS = ("ORPHA:43393", "Lambert-Eaton myasthenic syndrome")


def test_communities_are_made_on_first_join_and_counted(community: Community) -> None:
    ann, bob = member(community, "Ann"), member(community, "Bob")
    assert community.discussions.summary(LEMS[0]) == (0, 0) and community.discussions.community_for(LEMS[0]) is None
    first = community.discussions.join(ann, *LEMS)
    assert community.discussions.join(bob, *LEMS).id == first.id
    community.discussions.join(bob, *LEMS)  # twice: still one membership
    community.discussions.start(ann, first.id, "Hello", "Hello all")
    assert community.discussions.summary(LEMS[0]) == (2, 1)
    community.discussions.leave(bob, first.id)
    assert community.discussions.summary(LEMS[0]) == (1, 1)
    assert [c.name for c in community.discussions.communities_of(ann)] == [LEMS[1]]


def test_discussions_replies_edits_and_deletion(community: Community, clock: Clock) -> None:
    ann, bob = member(community, "Ann"), member(community, "Bob")
    place = community.discussions.join(ann, *LEMS)
    community.discussions.join(bob, *LEMS)
    post = community.discussions.start(ann, place.id, "Amifampridine", "Has it **helped** you?", "patient")
    assert post.role_label == "Patient" and "<strong>helped</strong>" in post.html and post.edited_at is None
    reply = community.discussions.reply(bob, post.id, "Yes, a lot.", "family")
    clock.now += 60
    edited = community.discussions.edit(ann, post.id, "Has it helped you at all?", "Amifampridine dose")
    assert edited.edited_at == clock.now and edited.title == "Amifampridine dose"
    thread = community.discussions.thread(bob, post.id)
    assert thread.opening.body == "Has it helped you at all?" and [r.id for r in thread.replies] == [reply.id]
    assert [p.id for _, p in community.discussions.latest(bob)] == [post.id]
    with pytest.raises(NotAllowedError, match="Only the author"):
        community.discussions.edit(bob, post.id, "mine now")
    with pytest.raises(NotAllowedError, match="Only the author"):
        community.discussions.delete(bob, post.id)
    community.discussions.delete(ann, post.id)
    with pytest.raises(CommunityNotFoundError):
        community.discussions.post(bob, reply.id)  # the replies went with their discussion


def test_who_may_read_and_write(community: Community) -> None:
    ann, outsider = member(community, "Ann"), member(community, "Carl")
    place = community.discussions.join(ann, *LEMS)
    post = community.discussions.start(ann, place.id, "Hi", "Hello")
    with pytest.raises(NotAllowedError, match="sign in"):
        community.discussions.thread(None, post.id)
    with pytest.raises(NotAllowedError, match="Join"):
        community.discussions.reply(outsider, post.id, "I am not a member")
    community.accounts.sign_up("new@example.org", "Newcomer", "a long password", True, "http://x")
    unverified = community.accounts.by_email("new@example.org")
    with pytest.raises(NotAllowedError, match="confirm"):
        community.discussions.join(unverified, *LEMS)


@pytest.mark.parametrize(("title", "body"), [("", "text"), ("x" * 151, "text"), ("title", "   ")])
def test_bad_posts_name_the_field(community: Community, title: str, body: str) -> None:
    ann = member(community, "Ann")
    place = community.discussions.join(ann, *LEMS)
    with pytest.raises(BadInputError):
        community.discussions.start(ann, place.id, title, body)
    assert community.discussions.summary(LEMS[0]) == (1, 0)


def test_new_accounts_are_limited(community: Community, clock: Clock) -> None:
    ann = member(community, "Ann")
    place = community.discussions.join(ann, *LEMS)
    for text in ("see https://spam.example", "[click](http://x.example)", "www.example.com"):
        with pytest.raises(PostingLimitError, match="links"):
            community.discussions.start(ann, place.id, "Offer", text)
    for number in range(NEW_POSTS_PER_HOUR):
        community.discussions.start(ann, place.id, f"Post {number}", "text")
    with pytest.raises(PostingLimitError, match="an hour"):
        community.discussions.start(ann, place.id, "One more", "text")
    clock.now += 3601
    assert NEW_POSTS_PER_HOUR >= FIRST_POSTS_WITHOUT_LINKS  # links are allowed by now
    community.discussions.start(ann, place.id, "A source", "https://www.ninds.nih.gov")
    clock.now += 8 * 86400  # an older account has no limits
    for number in range(NEW_POSTS_PER_HOUR + 1):
        community.discussions.start(ann, place.id, f"Later {number}", "text")


def test_an_emergency_is_shown_the_guidance_first_then_flagged(community: Community) -> None:
    ann, mod = member(community, "Ann"), member(community, "Mo", moderator=True)
    place = community.discussions.join(ann, *LEMS)
    with pytest.raises(EmergencyNoticeError) as notice:
        community.discussions.start(ann, place.id, "Help", "My husband can't breathe and his lips are blue")
    assert notice.value.kind
    assert community.discussions.summary(LEMS[0]) == (1, 0)  # nothing published yet
    post = community.discussions.start(ann, place.id, "Help", "My husband can't breathe and his lips are blue",
                                       emergency_seen=True)
    assert post.emergency
    assert [item.post.id for item in community.moderation.queue(mod) if item.emergency] == [post.id]


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>', "![x](http://tracker.example/p.png)", "<iframe src=//x>",
    '<svg onload="alert(1)">', "[x](JaVaScRiPt:alert(1))", "<style>body{display:none}</style>",
])
def test_no_raw_html_survives_markdown(hostile: str) -> None:
    html = markdown_html(hostile)
    tags = re.findall(r"<(\w+)([^>]*)>", html)
    assert {tag for tag, _ in tags} <= ALLOWED_TAGS
    for _, attributes in tags:  # only links' href (http, https, mailto) and the rel that nh3 adds
        assert set(re.findall(r"([\w-]+)=", attributes)) <= {"href", "rel"}
        assert "javascript" not in attributes.lower()


def test_links_are_kept_with_rel_nofollow() -> None:
    html = markdown_html("[NINDS](https://www.ninds.nih.gov)")
    assert 'href="https://www.ninds.nih.gov"' in html and "nofollow" in html and "noopener" in html


def test_the_question_a_post_asks() -> None:
    assert question_in("Is LEMS inherited?", "My mother had it.") == "Is LEMS inherited?"
    assert question_in("Tired", "I am always tired. Is LEMS inherited? Thanks") == "Is LEMS inherited?"
    assert question_in("Hello", "Just saying hello to everyone.") is None


def test_lone_surrogates_and_control_characters_are_stored_as_replacements(community: Community) -> None:
    ann = member(community, "Ann")
    place = community.discussions.join(ann, *LEMS)
    post = community.discussions.start(ann, place.id, "Title \ud800", "Text \ud800 with\x00 NUL\nand a line")
    assert post.title == "Title" and post.body == "Text \ufffd with  NUL\nand a line"


def test_replies_come_a_page_at_a_time(community: Community, clock: Clock) -> None:
    ann, mod = member(community, "Ann"), member(community, "Mo", moderator=True)
    place = community.discussions.join(mod, *LEMS)
    community.discussions.join(ann, *LEMS)
    post = community.discussions.start(mod, place.id, "Many replies", "Reply, everyone")
    for number in range(REPLIES_PER_PAGE + 3):
        clock.now += 1
        community.discussions.reply(mod, post.id, f"Reply {number}")
    hidden = community.discussions.reply(mod, post.id, "Hidden one")
    community.moderation.set_hidden(mod, hidden.id, True, "test")
    first = community.discussions.thread(ann, post.id)
    assert (first.page, first.pages, first.total_replies) == (1, 2, REPLIES_PER_PAGE + 3)
    assert first.replies[0].body == "Reply 0" and len(first.replies) == REPLIES_PER_PAGE
    last = community.discussions.thread(ann, post.id, page=99)
    assert last.page == 2 and [r.body for r in last.replies][-1] == f"Reply {REPLIES_PER_PAGE + 2}"
    assert community.discussions.thread(mod, post.id, page=2).replies[-1].body == "Hidden one"
