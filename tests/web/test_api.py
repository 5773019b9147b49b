"""The JSON API: bearer tokens only, the same scoping as the pages, actions and responses, errors as JSON."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ingest.store.followups import followups_of
from ingest.store.models import ApiTokenRow, AuditRow, ForwardRow
from ingest.store.users import update_user
from tests.web.agency_helpers import (
    NIK,
    add_complaint,
    app_for,
    forwarded,
    login,
    make_token,
    make_user,
    number,
)


@pytest.fixture
def app(store, clock):
    return app_for(store, clock)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def officer(store):
    make_user(store, "rina", "officer")
    return {"Authorization": f"Bearer {make_token(store, 'rina')}"}


@pytest.fixture
def agency(store):
    make_user(store, "pupr", "agency", "dpupr-sumbar")
    return {"Authorization": f"Bearer {make_token(store, 'pupr')}"}


# --- authentication -------------------------------------------------------------------------
@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic cmluYTpwdw=="])
def test_no_or_bad_token_is_401_json(client, header):
    answer = client.get("/api/complaints", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401
    assert set(answer.get_json()) == {"error", "message"}


def test_a_session_cookie_is_not_accepted(store, client):
    login(client, *make_user(store, "rina", "officer"))
    assert client.get("/queue").status_code != 401  # signed in for the pages…
    assert client.get("/api/complaints").status_code == 401  # …but not for the API


def test_revoked_token_and_disabled_user_are_401(store, client, officer, clock):
    assert client.get("/api/complaints", headers=officer).status_code == 200
    update_user(store, "rina", clock(), actor="test", active=False)
    assert client.get("/api/complaints", headers=officer).status_code == 401
    update_user(store, "rina", clock(), actor="test", active=True)
    with store.session() as session:
        for row in session.exec(select(ApiTokenRow)):
            row.revoked = True
    assert client.get("/api/complaints", headers=officer).status_code == 401


def test_api_posts_need_no_csrf_but_a_token(client, officer, store):
    add_complaint(store, 1)
    assert client.post(f"/api/complaints/{number(1)}/actions/verify").status_code == 401
    assert client.post(f"/api/complaints/{number(1)}/actions/verify", headers=officer).status_code == 200


# --- officers -------------------------------------------------------------------------------
def test_officer_queue_with_filters_and_pagination(client, officer, store):
    add_complaint(store, 1, needs_review=True)
    add_complaint(store, 2, category="kesehatan")
    add_complaint(store, 3, urgent=True)
    body = client.get("/api/complaints", headers=officer).get_json()
    assert [i["tracking_number"] for i in body["items"]] == [number(1), number(3), number(2)]
    assert body["total"] == 3 and body["counts"]["needs_review"] == 1 and body["page"] == 1
    body = client.get("/api/complaints?category=kesehatan", headers=officer).get_json()
    assert [i["tracking_number"] for i in body["items"]] == [number(2)]
    body = client.get("/api/complaints?per_page=1&page=2", headers=officer).get_json()
    assert [i["tracking_number"] for i in body["items"]] == [number(3)] and body["total"] == 3
    assert client.get("/api/complaints?urgent=maybe", headers=officer).status_code == 400
    assert client.get("/api/complaints?status=nope", headers=officer).status_code == 400


def test_officer_detail_is_complete(client, officer, store):
    add_complaint(store, 1, text=f"NIK {NIK} jalan rusak")
    body = client.get(f"/api/complaints/{number(1).lower()}", headers=officer).get_json()
    assert body["complaint"]["text"] == f"NIK {NIK} jalan rusak"
    assert body["complaint"]["author_username"] == "warga_padang"
    assert set(body) == {"complaint", "mentions", "cluster", "audit", "replies", "forwards", "responses"}
    assert client.get(f"/api/complaints/{number(9)}", headers=officer).status_code == 404


def test_officer_actions_change_and_audit(client, officer, store):
    add_complaint(store, 1, needs_review=True)
    answer = client.post(f"/api/complaints/{number(1)}/actions/verify", json={"note": "ok"}, headers=officer)
    assert answer.status_code == 200 and answer.get_json()["complaint"]["status"] == "verified"
    again = client.post(f"/api/complaints/{number(1)}/actions/verify", headers=officer)
    assert again.status_code == 409 and "already" in again.get_json()["message"]
    client.post(f"/api/complaints/{number(1)}/actions/urgent", json={"urgent": True}, headers=officer)
    client.post(f"/api/complaints/{number(1)}/actions/reclassify", json={"changes": {"category": "kesehatan"}},
                headers=officer)
    row = store.complaint(number(1))
    assert row.urgent and row.category == "kesehatan" and row.agency_id == "dinkes-sumbar"
    forward = client.post(f"/api/complaints/{number(1)}/actions/forward", headers=officer).get_json()
    assert forward["queued"]
    audit = store.read(lambda s: list(s.exec(select(AuditRow).where(AuditRow.complaint_id == row.id))))
    assert {a.actor for a in audit} == {"officer:rina"}
    assert store.read(lambda s: s.exec(select(ForwardRow)).all())


@pytest.mark.parametrize("action,body", [("reject", {}), ("reject", {"reason": "  "}), ("merge", {}),
                                         ("reclassify", {"changes": "kesehatan"}), ("urgent", {"urgent": "yes"})])
def test_bad_action_bodies_are_400(client, officer, store, action, body):
    add_complaint(store, 1)
    answer = client.post(f"/api/complaints/{number(1)}/actions/{action}", json=body, headers=officer)
    assert answer.status_code == 400 and answer.get_json()["error"]


def test_not_json_and_unknown_action(client, officer, store):
    add_complaint(store, 1)
    bad = client.post(f"/api/complaints/{number(1)}/actions/verify", data="[1,", headers={
        **officer, "Content-Type": "application/json"})
    assert bad.status_code == 400
    assert client.post(f"/api/complaints/{number(1)}/actions/explode", headers=officer).status_code == 404


def test_merge_and_unmerge(client, officer, store):
    add_complaint(store, 1)
    add_complaint(store, 2)
    merged = client.post(f"/api/complaints/{number(2)}/actions/merge", json={"into": number(1)}, headers=officer)
    assert merged.status_code == 200 and store.complaint(number(2)).status == "merged"
    client.post(f"/api/complaints/{number(2)}/actions/unmerge", headers=officer)
    assert store.complaint(number(2)).status == "awaiting_verification"


def test_stats_for_officers_only(client, officer, agency, store):
    add_complaint(store, 1)
    body = client.get("/api/stats", headers=officer).get_json()
    assert body["total"] == 1 and "compliance" in body
    assert client.get("/api/stats?days=7", headers=officer).get_json()["since"]
    assert client.get("/api/stats", headers=agency).status_code == 403


# --- agencies -------------------------------------------------------------------------------
def test_agency_token_lists_only_its_forwarded_complaints(client, agency, store):
    forwarded(store, 1, text=f"NIK {NIK} jalan rusak")
    forwarded(store, 2, agency_id="dinkes-sumbar", category="kesehatan")
    add_complaint(store, 3, status="verified", agency_id="dpupr-sumbar")
    body = client.get("/api/complaints", headers=agency).get_json()
    assert [i["tracking_number"] for i in body["items"]] == [number(1)]
    item = body["items"][0]
    assert NIK not in item["text"] and "[NIK]" in item["text"]
    assert "author_username" not in item and "author_id" not in item
    assert item["tweet_url"] == "https://x.com/i/web/status/1861000000000000001"
    assert client.get("/api/complaints?tab=bogus", headers=agency).status_code == 400


def test_agency_token_cannot_read_or_answer_other_complaints(client, agency, store):
    forwarded(store, 2, agency_id="dinkes-sumbar", category="kesehatan")
    add_complaint(store, 3, status="verified", agency_id="dpupr-sumbar")
    for n in (2, 3, 9):
        assert client.get(f"/api/complaints/{number(n)}", headers=agency).status_code == 404
        answer = client.post(f"/api/complaints/{number(n)}/responses", json={"status": "responded", "note": "x"},
                             headers=agency)
        assert answer.status_code == 404 and answer.get_json()["error"]
    assert store.complaint(number(2)).status == "forwarded"


def test_agency_token_may_not_take_officer_actions(client, agency, store):
    forwarded(store, 1)
    answer = client.post(f"/api/complaints/{number(1)}/actions/verify", headers=agency)
    assert answer.status_code == 403


def test_agency_response_moves_the_complaint_once(client, agency, store):
    row = forwarded(store, 1)
    detail = client.get(f"/api/complaints/{number(1)}", headers=agency).get_json()
    assert "mentions" not in detail and "audit" not in detail and detail["responses"] == []
    answer = client.post(f"/api/complaints/{number(1)}/responses",
                         json={"status": "responded", "note": "Sudah ditambal", "public": True}, headers=agency)
    assert answer.status_code == 201
    assert answer.get_json()["status"] == "responded" and answer.get_json()["previous_status"] == "forwarded"
    assert [f.status for f in followups_of(store, row.id)] == ["responded"]
    audit = store.read(lambda s: s.exec(select(AuditRow).where(AuditRow.action == "respond")).one())
    assert audit.actor == "agency:dpupr-sumbar/pupr"


@pytest.mark.parametrize("body", [{"status": "responded"}, {"status": "done", "note": "x"},
                                  {"status": "responded", "note": "x", "public": "yes"},
                                  {"status": "responded", "note": "x" * 5001}])
def test_bad_responses_are_400(client, agency, store, body):
    forwarded(store, 1)
    assert client.post(f"/api/complaints/{number(1)}/responses", json=body, headers=agency).status_code == 400
    assert store.complaint(number(1)).status == "forwarded"


def test_refused_response_is_409(client, officer, store):
    add_complaint(store, 1)
    answer = client.post(f"/api/complaints/{number(1)}/responses", json={"status": "responded", "note": "x"},
                         headers=officer)
    assert answer.status_code == 409
