from __future__ import annotations

import pytest

from community.conftest import Clock, member
from healthqa.community import Community
from healthqa.errors import BadInputError, CommunityNotFoundError, NotAllowedError

LEMS = ("ORPHA:43393", "Lambert-Eaton myasthenic syndrome")


def test_report_queue_hide_restore_suspend_and_audit(community: Community, clock: Clock) -> None:
    ann, bob, mod = member(community, "Ann"), member(community, "Bob"), member(community, "Mo", moderator=True)
    place = community.discussions.join(ann, *LEMS)
    community.discussions.join(bob, *LEMS)
    post = community.discussions.start(ann, place.id, "Miracle cure", "Buy my cure")
    with pytest.raises(NotAllowedError):
        community.moderation.report(None, post.id, "spam")
    with pytest.raises(BadInputError, match="reason"):
        community.moderation.report(bob, post.id, "   ")
    community.moderation.report(bob, post.id, "selling things")
    for who in (ann, bob):
        with pytest.raises(NotAllowedError, match="moderators"):
            community.moderation.queue(who)
        with pytest.raises(NotAllowedError, match="moderators"):
            community.moderation.set_hidden(who, post.id, True, "no")
    [item] = community.moderation.queue(mod)
    assert item.post.id == post.id and item.reasons == ["selling things"]
    community.moderation.set_hidden(mod, post.id, True, "advertising")
    assert community.moderation.queue(mod) == []
    with pytest.raises(CommunityNotFoundError):
        community.discussions.post(bob, post.id)  # hidden from other members
    assert community.discussions.post(ann, post.id).hidden  # its author still sees it, marked
    community.moderation.set_hidden(mod, post.id, False, "on second look, fine")
    community.discussions.post(bob, post.id)
    community.moderation.suspend(mod, ann.id, 7, "repeated advertising")
    suspended = community.accounts.get(ann.id)
    with pytest.raises(NotAllowedError, match="suspended"):
        community.discussions.start(suspended, place.id, "Again", "Buy")
    community.discussions.post(suspended, post.id)  # still reads
    clock.now += 8 * 86400
    community.discussions.start(community.accounts.get(ann.id), place.id, "Sorry", "I will stop")
    entries = community.moderation.audit_log(mod)
    assert [(e.action, e.target, e.reason) for e in entries[:3]] == [
        ("suspend 7 days", f"account {ann.id}", "repeated advertising"),
        ("restore", f"post {post.id}", "on second look, fine"),
        ("hide", f"post {post.id}", "advertising"),
    ]
    assert all(e.moderator_name == "Mo" for e in entries[:3])
    assert entries[-1].action == "make moderator" and entries[-1].moderator_name == "administrator"
    with pytest.raises(NotAllowedError):
        community.moderation.audit_log(bob)
    with pytest.raises(NotAllowedError, match="themselves"):
        community.moderation.suspend(mod, mod.id, 1, "test")
