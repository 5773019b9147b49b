"""The officers' queue and complaint pages, and every action on them, through the real app."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlmodel import select

from bot.web.officer import decisive_reason, page_links
from ingest.store.models import AuditRow, ComplaintRow, ForwardRow
from ingest.store.store import Store
from tests.fakes import FakeClock
from tests.web.conftest import add_complaint, app_for, csrf, login, make_user

HOSTILE = '<script>alert(1)</script> <img src=x onerror="alert(2)"> jalan rusak di Padang'


@pytest.fixture
def officer(web_store: Store, clock: FakeClock) -> FlaskClient:
    """Return a client signed in as officer "budi"."""
    client = app_for(web_store, clock).test_client()
    assert login(client, *make_user(web_store, "budi", "officer")).status_code == 302
    return client


def _audit(store: Store, number: str) -> list[AuditRow]:
    complaint = store.complaint(number)
    assert complaint is not None
    return store.read(lambda s: list(s.exec(select(AuditRow).where(AuditRow.complaint_id == complaint.id))))


def _post(client: FlaskClient, number: str, action: str, **form: str) -> Any:
    return client.post(f"/complaints/{number}/{action}", data={"csrf_token": csrf(client), **form})


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- access ----------------------------------------------------------------------------------
OFFICER_ROUTES = [("get", "/queue"), ("get", "/complaints/LPR-2611-00001"),
                  ("post", "/complaints/LPR-2611-00001/verify")]


@pytest.mark.parametrize(("method", "url"), OFFICER_ROUTES)
def test_signed_out_visitors_are_sent_to_sign_in(web_store: Store, clock: FakeClock, method: str, url: str) -> None:
    """Every officer route asks an anonymous visitor to sign in (a POST without a session fails CSRF first)."""
    add_complaint(web_store, 1)
    client = app_for(web_store, clock).test_client()
    if method == "get":
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        response = client.post(url, data={"csrf_token": csrf(client)})
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("method", "url"), OFFICER_ROUTES)
def test_agency_users_get_403_on_every_officer_route(web_store: Store, clock: FakeClock, method: str, url: str) -> None:
    """An agency account cannot open the queue, a complaint page, or act, even on its own agency's complaint."""
    add_complaint(web_store, 1)
    client = app_for(web_store, clock).test_client()
    login(client, *make_user(web_store, "dpu", "agency", agency_id="dpupr-padang"))
    response = client.get(url) if method == "get" else client.post(url, data={"csrf_token": csrf(client)})
    assert response.status_code == 403
    assert web_store.complaint("LPR-2611-00001").status == "awaiting_verification"  # type: ignore[union-attr]


def test_admin_counts_as_officer(web_store: Store, clock: FakeClock) -> None:
    """An admin sees the queue too."""
    client = app_for(web_store, clock).test_client()
    login(client, *make_user(web_store, "root", "admin"))
    assert client.get("/queue").status_code == 200


def test_unknown_complaint_is_404(officer: FlaskClient) -> None:
    """A missing tracking number answers 404, on the page and on an action."""
    assert officer.get("/complaints/LPR-2611-09999").status_code == 404
    assert _post(officer, "LPR-2611-09999", "verify").status_code == 404


# --- the queue -------------------------------------------------------------------------------
def test_queue_lists_complaints_with_flags_deadline_and_reason(officer: FlaskClient, web_store: Store,
                                                               clock: FakeClock) -> None:
    """A row shows the number, flags, time left or "terlambat", and the decisive reason when under review."""
    add_complaint(web_store, 1, needs_review=True, urgent=True, flags_json='["urgent"]',
                  reasons=["language=id: from x", 'urgent: "banjir + terus naik"'], due_at=clock.now - timedelta(hours=2))
    add_complaint(web_store, 2, due_at=clock.now + timedelta(days=7))
    page = _page(officer, "/queue")
    assert "LPR-2611-00001" in page and "LPR-2611-00002" in page
    assert page.index("LPR-2611-00001") < page.index("LPR-2611-00002")
    assert 'class="badge overdue">terlambat' in page
    assert "hari kerja lagi" in page
    assert str(escape('urgent: "banjir + terus naik"')) in page
    assert 'class="badge urgent"' in page


def test_queue_excerpt_is_cut_at_140_characters(officer: FlaskClient, web_store: Store) -> None:
    """Only the first 140 characters of a long text show in the queue."""
    add_complaint(web_store, 1, text="a" * 139 + "bZZZZ" + "c" * 300)
    page = _page(officer, "/queue")
    assert "a" * 139 + "b…" in page and "ZZZZ" not in page


def test_tweet_html_is_escaped_on_the_queue_and_the_complaint_page(officer: FlaskClient, web_store: Store) -> None:
    """Script and img tags in a tweet render as text, never as markup."""
    add_complaint(web_store, 1, text=HOSTILE)
    for url in ("/queue", "/complaints/LPR-2611-00001"):
        page = _page(officer, url)
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=" in page


def test_tab_counts_and_tabs_filter(officer: FlaskClient, web_store: Store, clock: FakeClock) -> None:
    """Each tab shows its count, and opening it lists only its complaints."""
    add_complaint(web_store, 1, needs_review=True)
    add_complaint(web_store, 2, urgent=True)
    add_complaint(web_store, 3, status="forwarded", forwarded_at=clock.now, due_at=clock.now - timedelta(days=1))
    add_complaint(web_store, 4, status="closed")
    page = _page(officer, "/queue")
    counts = dict(re.findall(r'href="/queue(?:\?tab=(\w+))?"[^>]*>\s*[^<]+<span class="count">(\d+)</span>', page))
    assert counts == {"needs_review": "1", "urgent": "1", "overdue": "1", "awaiting_verification": "2",
                      "with_agencies": "1", "": "3"}
    needs = _page(officer, "/queue?tab=needs_review")
    assert "LPR-2611-00001" in needs and "LPR-2611-00002" not in needs
    overdue = _page(officer, "/queue?tab=overdue")
    assert "LPR-2611-00003" in overdue and "LPR-2611-00001" not in overdue
    assert "LPR-2611-00004" not in _page(officer, "/queue")
    assert "LPR-2611-00004" in _page(officer, "/queue?status=closed")


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("kind=aspirasi", "LPR-2611-00002", "LPR-2611-00001"),
    ("category=kesehatan", "LPR-2611-00002", "LPR-2611-00001"),
    ("region=13.75", "LPR-2611-00002", "LPR-2611-00001"),
    ("region=13", "LPR-2611-00001", "LPR-2611-00003"),
    ("agency=dinkes-sumbar", "LPR-2611-00002", "LPR-2611-00001"),
    ("flag=personal_data", "LPR-2611-00002", "LPR-2611-00001"),
    ("q=puskesmas", "LPR-2611-00002", "LPR-2611-00001"),
    ("q=lpr-2611-00003", "LPR-2611-00003", "LPR-2611-00001"),
])
def test_queue_filters(officer: FlaskClient, web_store: Store, query: str, shown: str, hidden: str) -> None:
    """Kind, category, region prefix, agency, flag and search narrow the queue."""
    add_complaint(web_store, 1)
    add_complaint(web_store, 2, kind="aspirasi", category="kesehatan", region_code="13.75.01", agency_id="dinkes-sumbar",
                  flags_json='["personal_data"]', text="Antrean puskesmas lama sekali")
    add_complaint(web_store, 3, region_code="32.75")
    page = _page(officer, f"/queue?{query}")
    assert shown in page and hidden not in page


def test_queue_pages_by_50(officer: FlaskClient, web_store: Store, clock: FakeClock) -> None:
    """120 complaints make three pages of at most 50, with page links."""
    for n in range(1, 121):
        add_complaint(web_store, n, due_at=clock.now + timedelta(days=1, minutes=n))
    first, third = _page(officer, "/queue"), _page(officer, "/queue?page=3")
    assert first.count('class="queue-row') == 50 and third.count('class="queue-row') == 20
    assert "LPR-2611-00001" in first and "LPR-2611-00051" not in first
    assert "LPR-2611-00120" in third
    assert 'href="/queue?page=2"' in first and 'href="/queue?page=3"' in first
    assert "120 pengaduan" in first
    assert _page(officer, "/queue?page=abc").count('class="queue-row') == 50


def test_unknown_filter_values_are_ignored(officer: FlaskClient, web_store: Store) -> None:
    """A bad value in the URL shows the unfiltered queue, never an error."""
    add_complaint(web_store, 1)
    assert "LPR-2611-00001" in _page(officer, "/queue?status=nope&kind=<b>&tab=x&region=abc&page=-1")


def test_english_is_available(officer: FlaskClient) -> None:
    """?lang=en shows the queue in English."""
    assert "Complaint queue" in _page(officer, "/queue?lang=en")


# --- the complaint page ------------------------------------------------------------------------
def test_complaint_page_shows_triage_mentions_and_personal_data(officer: FlaskClient, web_store: Store) -> None:
    """The text has its personal data marked; triage reasons and confidences are shown."""
    add_complaint(web_store, 1, text="NIK saya 1371012345678901 hp 081234567890 <b>tolong</b>",
                  reasons=["decide: kind=pengaduan (0.42)", "personal data: nik, phone"], kind_confidence=0.42,
                  category_confidence=0.77)
    page = _page(officer, "/complaints/LPR-2611-00001")
    assert '<mark class="pii" title="nik">1371012345678901</mark>' in page
    assert '<mark class="pii" title="phone">081234567890</mark>' in page
    assert "&lt;b&gt;tolong&lt;/b&gt;" in page
    assert "decide: kind=pengaduan (0.42)" in page and "42%" in page and "77%" in page
    assert "@warga_padang" in page and "classified as pengaduan" in page
    assert 'data-key="v"' in page and 'data-key="u"' in page


def test_complaint_page_lists_cluster(officer: FlaskClient, web_store: Store) -> None:
    """Complaints of the same cluster are linked."""
    head = add_complaint(web_store, 1)
    add_complaint(web_store, 2, cluster_id=head.id)
    assert 'href="/complaints/LPR-2611-00002"' in _page(officer, "/complaints/LPR-2611-00001")


# --- actions ---------------------------------------------------------------------------------
def test_verify_changes_the_store_and_audits_the_officer(officer: FlaskClient, web_store: Store) -> None:
    """Verify redirects back to the complaint with a message; the audit names officer:budi."""
    add_complaint(web_store, 1, needs_review=True)
    response = _post(officer, "LPR-2611-00001", "verify")
    assert response.status_code == 303 and response.headers["Location"].endswith("/complaints/LPR-2611-00001")
    complaint = web_store.complaint("LPR-2611-00001")
    assert complaint is not None and complaint.status == "verified" and not complaint.needs_review
    assert {(a.actor, a.field) for a in _audit(web_store, "LPR-2611-00001")} >= {("officer:budi", "status")}
    assert "LPR-2611-00001 diverifikasi." in _page(officer, "/complaints/LPR-2611-00001")


@pytest.mark.parametrize(("action", "form", "check"), [
    ("reject", {"reason": "bukan kewenangan"}, lambda c: c.status == "rejected" and c.rejection_reason == "bukan kewenangan"),
    ("urgent", {"urgent": "1"}, lambda c: c.urgent),
    ("personal_data", {"marked": "1"}, lambda c: c.personal_data_marked),
    ("reclassify", {"kind": "pengaduan", "category": "kesehatan", "region_code": "13.71", "agency_id": ""},
     lambda c: c.category == "kesehatan" and c.agency_id != "dpupr-padang"),
    ("reclassify", {"kind": "aspirasi", "category": "infrastruktur", "region_code": "13.71",
                    "agency_id": "dpupr-sumbar"}, lambda c: c.kind == "aspirasi" and c.agency_id == "dpupr-sumbar"),
    ("merge", {"into": "lpr-2611-00002"}, lambda c: c.status == "merged"),
])
def test_each_action_changes_the_store_and_writes_audit(officer: FlaskClient, web_store: Store, action: str,
                                                        form: dict[str, str], check: Any) -> None:
    """Each action form does what it says and the audit records officer:budi."""
    add_complaint(web_store, 1)
    add_complaint(web_store, 2)
    response = _post(officer, "LPR-2611-00001", action, **form)
    assert response.status_code == 303
    complaint = web_store.complaint("LPR-2611-00001")
    assert complaint is not None and check(complaint)
    assert "officer:budi" in {a.actor for a in _audit(web_store, "LPR-2611-00001")}


def test_forward_queues_the_agency_outbox(officer: FlaskClient, web_store: Store) -> None:
    """Forwarding a verified complaint queues its channels and audits the request."""
    add_complaint(web_store, 1, status="verified")
    assert _post(officer, "LPR-2611-00001", "forward").status_code == 303
    forwards = web_store.read(lambda s: list(s.exec(select(ForwardRow))))
    assert forwards and forwards[0].agency_id == "dpupr-padang"
    assert ("officer:budi", "forward_requested") in {(a.actor, a.action) for a in _audit(web_store, "LPR-2611-00001")}


def test_unmerge_reopens(officer: FlaskClient, web_store: Store) -> None:
    """A merged complaint is reopened on its own."""
    add_complaint(web_store, 1)
    add_complaint(web_store, 2)
    _post(officer, "LPR-2611-00001", "merge", into="LPR-2611-00002")
    assert _post(officer, "LPR-2611-00001", "unmerge").status_code == 303
    assert web_store.complaint("LPR-2611-00001").status == "awaiting_verification"  # type: ignore[union-attr]
    assert "unmerge" in {a.action for a in _audit(web_store, "LPR-2611-00001")}


def test_refused_action_shows_the_reason_and_changes_nothing(officer: FlaskClient, web_store: Store) -> None:
    """A reject without a reason, or a merge into a missing number, is a flash error."""
    add_complaint(web_store, 1)
    _post(officer, "LPR-2611-00001", "reject", reason="  ")
    page = _page(officer, "/complaints/LPR-2611-00001")
    assert 'class="flash error"' in page and "a rejection needs a reason" in page
    _post(officer, "LPR-2611-00001", "merge", into="LPR-2611-09999")
    assert "no complaint LPR-2611-09999" in _page(officer, "/complaints/LPR-2611-00001")
    assert web_store.complaint("LPR-2611-00001").status == "awaiting_verification"  # type: ignore[union-attr]
    assert _audit(web_store, "LPR-2611-00001") == []


def test_missing_csrf_is_400_and_changes_nothing(officer: FlaskClient, web_store: Store) -> None:
    """An action without (or with a wrong) CSRF token is refused before anything happens."""
    add_complaint(web_store, 1)
    assert officer.post("/complaints/LPR-2611-00001/verify").status_code == 400
    assert officer.post("/complaints/LPR-2611-00001/verify", data={"csrf_token": "forged"}).status_code == 400
    assert web_store.complaint("LPR-2611-00001").status == "awaiting_verification"  # type: ignore[union-attr]
    assert _audit(web_store, "LPR-2611-00001") == []


def test_unknown_action_is_404(officer: FlaskClient, web_store: Store) -> None:
    """Only the listed actions exist."""
    add_complaint(web_store, 1)
    assert _post(officer, "LPR-2611-00001", "delete").status_code == 404


def test_every_form_on_the_complaint_page_carries_csrf(officer: FlaskClient, web_store: Store) -> None:
    """Each POST form includes the CSRF field."""
    add_complaint(web_store, 1)
    page = _page(officer, "/complaints/LPR-2611-00001")
    forms = re.findall(r'<form method="post".*?</form>', page, re.S)
    assert len(forms) >= 6
    assert all('name="csrf_token"' in form for form in forms)


# --- pure helpers ------------------------------------------------------------------------------
@pytest.mark.parametrize(("flags", "confidences", "expected"), [
    (("personal_data", "urgent"), None, 'urgent: "api"'),
    (("abusive",), None, 'abusive: "tolol"'),
    (("low_confidence",), (0.3, 0.9), "decide: kind=pengaduan (0.30)"),
    (("low_confidence",), (0.9, 0.2), "decide: category=lainnya from the model"),
    ((), None, None),
])
def test_decisive_reason(flags: tuple[str, ...], confidences: tuple[float, float] | None, expected: str | None) -> None:
    """The most serious flag's reason is shown; low confidence names the unsure decision."""
    reasons = ("language=id: from x", "decide: kind=pengaduan (0.30)", "decide: category=lainnya from the model",
               'abusive: "tolol"', 'urgent: "api"', "personal data: nik")
    assert decisive_reason(flags, reasons, confidences) == expected


@pytest.mark.parametrize(("current", "pages", "expected"), [
    (1, 1, [1]),
    (1, 3, [1, 2, 3]),
    (5, 20, [1, None, 3, 4, 5, 6, 7, None, 20]),
    (20, 20, [1, None, 18, 19, 20]),
])
def test_page_links(current: int, pages: int, expected: list[int | None]) -> None:
    """Page links show the first, the last and two around the current page."""
    assert page_links(current, pages) == expected


def test_complaint_row_defaults_are_what_the_helpers_insert(web_store: Store) -> None:
    """add_complaint inserts a complaint and its first mention with the given reasons."""
    row = add_complaint(web_store, 7, reasons=["x"])
    stored = web_store.read(lambda s: s.exec(select(ComplaintRow).where(ComplaintRow.id == row.id)).one())
    mentions, _, _ = web_store.complaint_details(stored.id)  # type: ignore[arg-type]
    assert stored.tracking_number == "LPR-2611-00007" and mentions[0].reasons_json == '["x"]'
