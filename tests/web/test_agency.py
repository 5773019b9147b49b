"""The agency pages: the inbox, the complaint as an agency sees it, the response form, and the scoping."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ingest.store.followups import followups_of
from ingest.store.models import AuditRow, ResponseRow
from tests.web.agency_helpers import NIK, PHONE, add_complaint, app_for, csrf, forwarded, login, make_user, number


@pytest.fixture
def app(store, clock):
    return app_for(store, clock)


@pytest.fixture
def agency_client(app, store):
    """A client signed in as staff of dpupr-sumbar."""
    client = app.test_client()
    login(client, *make_user(store, "pupr", "agency", "dpupr-sumbar"))
    return client


def audit_of(store, complaint_id):
    return store.read(lambda s: list(s.exec(select(AuditRow).where(AuditRow.complaint_id == complaint_id))))


def test_inbox_lists_only_own_forwarded_complaints_with_tab_counts(store, agency_client):
    forwarded(store, 1, urgent=True)
    forwarded(store, 2, status="in_progress")
    forwarded(store, 3, status="responded", responded_at=None)
    forwarded(store, 4, status="closed")
    forwarded(store, 5, agency_id="dinkes-sumbar", category="kesehatan")
    add_complaint(store, 6, status="verified", agency_id="dpupr-sumbar")  # routed, not forwarded yet
    page = agency_client.get("/agency").get_data(as_text=True)
    assert number(1) in page and number(2) in page
    for other in (3, 4, 5, 6):
        assert number(other) not in page
    answered = agency_client.get("/agency?tab=answered").get_data(as_text=True)
    assert number(3) in answered and number(1) not in answered
    closed = agency_client.get("/agency?tab=closed").get_data(as_text=True)
    assert number(4) in closed
    assert '<span class="count">2</span>' in page and '<span class="count">1</span>' in page


def test_inbox_shows_deadline_time_left_or_overdue(store, clock, agency_client):
    forwarded(store, 1)
    forwarded(store, 2, at=clock() - __import__("datetime").timedelta(days=30))
    page = agency_client.get("/agency").get_data(as_text=True)
    assert "Sisa " in page and "Lewat " in page
    assert "Mendesak" not in page
    english = agency_client.get("/agency?lang=en").get_data(as_text=True)
    assert "left" in english and "Overdue by" in english


def test_complaint_page_masks_personal_data_and_hides_the_author(store, agency_client):
    forwarded(store, 1, text=f"@lapor1708 NIK saya {NIK} hp {PHONE}, jalan rusak. cc @walikota", has_personal_data=True)
    page = agency_client.get(f"/agency/complaints/{number(1)}").get_data(as_text=True)
    assert NIK not in page and PHONE not in page
    assert "[NIK]" in page and "[TELEPON]" in page
    assert "warga_padang" not in page and "@walikota" not in page
    assert "https://x.com/i/web/status/1861000000000000001" in page


def test_officer_marked_personal_data_hides_the_text_entirely(store, agency_client):
    forwarded(store, 1, text="Rumah saya di Jl. Sudirman 5 dekat pasar", personal_data_marked=True)
    page = agency_client.get(f"/agency/complaints/{number(1)}").get_data(as_text=True)
    assert "Sudirman" not in page
    assert "disembunyikan" in page


def test_script_in_texts_renders_escaped(store, agency_client):
    forwarded(store, 1, text="<script>alert(1)</script> jalan rusak", region_name="<b>Padang</b>")
    page = agency_client.get(f"/agency/complaints/{number(1)}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<b>Padang</b>" not in page
    agency_client.post(f"/agency/complaints/{number(1)}", data={
        "status": "in_progress", "note": "<img src=x onerror=alert(2)>", "csrf_token": csrf(agency_client)})
    page = agency_client.get(f"/agency/complaints/{number(1)}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_a_response_moves_the_complaint_audits_the_user_and_queues_one_followup(store, agency_client):
    row = forwarded(store, 1)
    answer = agency_client.post(f"/agency/complaints/{number(1)}", data={
        "status": "responded", "note": "Lubang sudah ditambal.", "public": "on", "csrf_token": csrf(agency_client)})
    assert answer.status_code == 302
    assert store.complaint(number(1)).status == "responded"
    audit = [a for a in audit_of(store, row.id) if a.action == "respond"]
    assert [(a.actor, a.value) for a in audit] == [("agency:dpupr-sumbar/pupr", "responded")]
    assert [(f.status, f.state) for f in followups_of(store, row.id)] == [("responded", "waiting")]
    response = store.read(lambda s: s.exec(select(ResponseRow)).one())
    assert (response.public, response.source, response.note) == (True, "console", "Lubang sudah ditambal.")
    page = agency_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Lubang sudah ditambal." in page and "Tanggapan tercatat" in page


def test_response_is_internal_unless_the_box_is_ticked(store, agency_client):
    forwarded(store, 1)
    agency_client.post(f"/agency/complaints/{number(1)}", data={
        "status": "in_progress", "note": "Dicek besok", "csrf_token": csrf(agency_client)})
    assert store.read(lambda s: s.exec(select(ResponseRow)).one()).public is False


def test_not_ours_sends_the_complaint_back_and_it_leaves_the_inbox(store, agency_client):
    forwarded(store, 1)
    answer = agency_client.post(f"/agency/complaints/{number(1)}", data={
        "status": "not_ours", "note": "Jalan nasional", "csrf_token": csrf(agency_client)})
    assert answer.headers["Location"].endswith("/agency")
    assert store.complaint(number(1)).status == "verified"
    assert agency_client.get(f"/agency/complaints/{number(1)}").status_code == 404


@pytest.mark.parametrize("form", [{"status": "responded", "note": ""}, {"status": "responded", "note": "x" * 5001},
                                  {"status": "verified", "note": "ok"}])
def test_invalid_responses_change_nothing(store, agency_client, form):
    forwarded(store, 1)
    answer = agency_client.post(f"/agency/complaints/{number(1)}", data={**form, "csrf_token": csrf(agency_client)})
    assert answer.status_code == 302
    assert store.complaint(number(1)).status == "forwarded"
    assert store.read(lambda s: s.exec(select(ResponseRow)).all()) == []


def test_a_refused_move_is_shown_not_crashed(store, agency_client):
    forwarded(store, 1, status="closed", closed_at=None)
    answer = agency_client.post(f"/agency/complaints/{number(1)}", data={
        "status": "not_ours", "note": "bukan kami", "csrf_token": csrf(agency_client)}, follow_redirects=True)
    assert answer.status_code == 200 and "tidak dapat dicatat" in answer.get_data(as_text=True)
    assert store.complaint(number(1)).status == "closed"


def test_missing_csrf_is_refused(store, agency_client):
    forwarded(store, 1)
    answer = agency_client.post(f"/agency/complaints/{number(1)}", data={"status": "responded", "note": "ok"})
    assert answer.status_code == 400
    assert store.complaint(number(1)).status == "forwarded"


@pytest.mark.parametrize("setup", ["other_agency", "not_forwarded", "missing"])
def test_other_agencies_complaints_answer_404_for_get_and_post(store, agency_client, setup):
    if setup == "other_agency":
        forwarded(store, 1, agency_id="dinkes-sumbar", category="kesehatan")
    elif setup == "not_forwarded":
        add_complaint(store, 1, status="verified", agency_id="dpupr-sumbar")
    url = f"/agency/complaints/{number(1)}"
    got = agency_client.get(url)
    posted = agency_client.post(url, data={"status": "responded", "note": "x", "csrf_token": csrf(agency_client)})
    assert got.status_code == posted.status_code == 404
    assert store.read(lambda s: s.exec(select(ResponseRow)).all()) == []
    if setup != "missing":
        assert store.complaint(number(1)).status in ("forwarded", "verified")
    missing = agency_client.get(f"/agency/complaints/{number(99)}")
    assert missing.get_data() == got.get_data()


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_officers_and_admins_may_not_use_the_agency_pages(app, store, role):
    forwarded(store, 1)
    client = app.test_client()
    login(client, *make_user(store, "staff", role))
    assert client.get("/agency").status_code == 403
    assert client.get(f"/agency/complaints/{number(1)}").status_code == 403


def test_agency_users_may_not_use_officer_or_admin_pages(store, agency_client):
    forwarded(store, 1)
    for path in ("/queue", "/dashboard", f"/complaints/{number(1)}", "/admin/users", "/admin/routing"):
        assert agency_client.get(path).status_code == 403, path
    posted = agency_client.post(f"/complaints/{number(1)}/verify", data={"csrf_token": csrf(agency_client)})
    assert posted.status_code == 403
    assert store.complaint(number(1)).status == "forwarded"


def test_signed_out_visitors_are_sent_to_sign_in(app):
    answer = app.test_client().get("/agency")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
