"""The JSON API's own path: a visitor's CSRF token, sign-up and sign-in, a discussion with healthqa's answer and
"What trusted sources say", an emergency refused until seen, and the one error shape throughout."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.community.conftest import BOTH_BACKENDS, PASSWORD, mailed_token, new_account, people

pytestmark = BOTH_BACKENDS


def test_the_api_path(app: FastAPI) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    visitor_csrf = client.get("/api/community/csrf").json()["csrf_token"]
    headers = {"X-CSRF-Token": visitor_csrf}
    body = {"email": "jay@example.org", "display_name": "Jay", "password": PASSWORD, "consent": True}
    assert client.post("/api/community/signup", json=body, headers=headers).status_code == 202
    refused = client.post("/api/community/signin", json={"email": "jay@example.org", "password": PASSWORD},
                          headers=headers)
    assert refused.status_code == 403 and "confirm your email" in refused.json()["error"]["message"]
    token = mailed_token(app, "jay@example.org")
    page = client.get(f"/community/verify?token={token}").text  # the mailed link's page: a button to confirm
    page_csrf = page.split('name="csrf" value="')[1].split('"')[0]
    assert client.post("/community/verify", data={"csrf": page_csrf, "token": token}).status_code == 200
    wrong = client.post("/api/community/signin", json={"email": "jay@example.org", "password": "not it at all"},
                        headers=headers)
    assert wrong.json() == {"error": {"status": 401, "code": "sign_in_failed",
                                      "message": wrong.json()["error"]["message"]}}
    signed = client.post("/api/community/signin", json={"email": "jay@example.org", "password": PASSWORD},
                         headers=headers)
    assert signed.status_code == 200 and signed.json()["display_name"] == "Jay"
    headers = {"X-CSRF-Token": signed.json()["csrf_token"]}  # the new session's token; the visitor's no longer
    assert client.post("/api/community/join", json={"ref": "Kallmann syndrome"}, headers=headers).status_code == 404
    found = client.get("/api/community/search", params={"q": "Eaton-Lambert syndrome"}).json()["results"]
    assert [r["name"] for r in found] == ["Lambert-Eaton myasthenic syndrome"]
    joined = client.post("/api/community/join", json={"ref": found[0]["ref"]}, headers=headers)
    assert joined.status_code == 200 and joined.json()["members"] == 1
    community_id = joined.json()["id"]
    url = f"/api/community/communities/{community_id}/discussions"
    bad = client.post(url, json={"title": "", "text": "x"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "title"
    emergency = {"title": "Help", "text": "I took too many pills and I feel strange"}
    notice = client.post(url, json=emergency, headers=headers)
    assert notice.status_code == 409 and notice.json()["error"]["code"] == "emergency_notice"
    assert notice.json()["error"]["emergency_kind"] == "poison"
    assert client.post(url, json={**emergency, "emergency_seen": True}, headers=headers).status_code == 201
    asked = client.post(url, json={"title": "Is LEMS inherited?", "text": "I read LEMS is a common disorder.",
                                   "role": "patient"}, headers=headers)
    assert asked.status_code == 201 and asked.json()["role"] == "patient"
    thread = client.get(f"/api/community/discussions/{asked.json()['id']}").json()
    assert (thread["page"], thread["pages"], thread["total_replies"], thread["replies"]) == (1, 1, 0, [])
    trusted = thread["trusted_answer"]
    assert "not written by members" in trusted["label"] and trusted["disclaimer"]
    assert all(item["tier"] != "unreviewed" and item["source"] for item in trusted["answers"])
    [said] = thread["what_trusted_sources_say"][str(asked.json()["id"])]
    assert said["point"] == "rare" and said["quotes"][0]["source"] == "GARD"
    me = client.get("/api/community/me").json()
    assert [c["name"] for c in me["communities"]] == ["Lambert-Eaton myasthenic syndrome"]
    assert [p["title"] for p in me["latest"]] == ["Is LEMS inherited?", "Help"]
    # A moderator sees the emergency in the queue.
    moderator = new_account(app, moderator=True)
    token = people(app).accounts.new_personal_token(moderator, "api")
    queue = TestClient(app).get("/api/community/moderation/queue", headers={"Authorization": f"Bearer {token}"})
    assert [item["post"]["title"] for item in queue.json()["queue"] if item["emergency"]] == ["Help"]
