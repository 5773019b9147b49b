"""The officers' review: the queue, every action on a complaint, its audit line, and who may act."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from ingest.store.labels import labels
from ingest.store.review import (
    QueueFilters,
    ReviewError,
    complaint_view,
    mark_personal_data,
    mark_urgent,
    merge,
    reclassify,
    record_response,
    reject,
    request_forward,
    review_queue,
    unmerge,
    verify,
)
from ingest.routing import load_routing
from ingest.store.audit import audit_trail, record_audit
from ingest.store.followups import StatusChangeError, change_status, followups_of
from ingest.store.models import (
    AuditRow,
    ComplaintRow,
    EventRow,
    ForwardRow,
    LabelRow,
    MentionRow,
    ResponseRow,
)
from ingest.store.store import Store

NOW = datetime(2026, 3, 17, 3, 0, tzinfo=timezone.utc)  # Tuesday 10:00 WIB
OFFICER = "officer:rina"
NIK = "1371012345678901"


@pytest.fixture
def db(store: Store) -> Store:
    """Return a migrated store of the test's own (tests/conftest.py: SQLite, or PostgreSQL)."""
    return store


@pytest.fixture(scope="module")
def routing():
    return load_routing()


def number(n: int) -> str:
    return f"LPR-2603-{n:05d}"


def add_complaint(store: Store, n: int, **fields) -> ComplaintRow:
    """Insert complaint number `n` (awaiting verification unless `fields` say otherwise)."""
    values = {
        "tracking_number": number(n),
        "first_tweet_id": str(1861000000000000000 + n),
        "author_id": "2244994945",
        "text": f"Jalan berlubang di depan pasar nomor {n}",
        "kind": "pengaduan",
        "category": "infrastruktur",
        "language": "id",
        "acknowledgement": "posted",
        "acknowledgement_reason": "acknowledged",
        "created_at": NOW - timedelta(hours=1),
        "updated_at": NOW - timedelta(hours=1),
        **fields,
    }
    with store.session() as session:
        row = ComplaintRow(**values)
        session.add(row)
        session.flush()
        return row


def add_mention(store: Store, tweet_id: str, complaint_id: int, created_at: datetime, **fields) -> None:
    """Insert a mention filed under complaint `complaint_id`."""
    values = {
        "tweet_id": tweet_id, "author_id": "2244994945", "text": "Jalan berlubang", "created_at": created_at,
        "language": "id", "original_id": tweet_id, "referenced_json": "[]", "link": "new", "link_reason": "new",
        "complaint_id": complaint_id, "kind": "pengaduan", "category": "infrastruktur", "reasons_json": "[]",
        "raw_json": "{}", "fetched_at": created_at, **fields,
    }
    with store.session() as session:
        session.add(MentionRow(**values))


def forwarded(store: Store, n: int, agency_id: str = "dinkes-sumbar", **fields) -> ComplaintRow:
    """Insert a complaint already verified and forwarded to `agency_id`."""
    values = {"status": "forwarded", "category": "kesehatan", "agency_id": agency_id,
              "verified_at": NOW - timedelta(minutes=50), "forwarded_at": NOW - timedelta(minutes=40), **fields}
    return add_complaint(store, n, **values)


def count(store: Store, table) -> int:
    return len(store.read(lambda s: list(s.exec(select(table)))))


def audit_of(store: Store, n: int) -> list[AuditRow]:
    complaint = store.complaint(number(n))
    assert complaint is not None and complaint.id is not None
    return audit_trail(store, complaint.id)


def current(store: Store, n: int) -> ComplaintRow:
    complaint = store.complaint(number(n))
    assert complaint is not None
    return complaint


def numbers(page) -> list[str]:
    return [item.complaint.tracking_number for item in page.items]


# --- the queue -----------------------------------------------------------------------------
def test_queue_puts_needs_review_first_then_urgent_then_the_nearest_deadline(db):
    add_complaint(db, 1, due_at=NOW + timedelta(days=3))
    add_complaint(db, 2, urgent=True, due_at=NOW + timedelta(days=5))
    add_complaint(db, 3, needs_review=True, due_at=NOW + timedelta(days=9))
    add_complaint(db, 4, due_at=NOW + timedelta(days=1))
    add_complaint(db, 5)  # no clock yet: after every deadline
    add_complaint(db, 6, needs_review=True, urgent=True, due_at=NOW + timedelta(days=10))
    add_complaint(db, 7, status="closed", needs_review=True, urgent=True)  # not open: not in the queue

    page = review_queue(db, NOW)

    assert numbers(page) == [number(6), number(3), number(2), number(4), number(1), number(5)]
    assert page.total == 6


@pytest.fixture
def varied(db):
    """Seven complaints that differ in one way each from the plain first one."""
    add_complaint(db, 1, region_code="13.71", agency_id="dpupr-padang", due_at=NOW + timedelta(days=2))
    add_complaint(db, 2, status="verified", region_code="13.71.03", agency_id="dpupr-padang")
    add_complaint(db, 3, kind="aspirasi", region_code="13.01.01", agency_id="dpupr-sumbar")
    add_complaint(db, 4, category="kesehatan", agency_id="dinkes-sumbar", text="Puskesmas tutup siang hari")
    add_complaint(db, 5, flags_json=json.dumps(["abusive"]), due_at=NOW - timedelta(minutes=1))
    add_complaint(db, 6, status="forwarded", region_code="13.710", agency_id="dinkes-sumbar")
    add_complaint(db, 7, status="rejected", category="kesehatan")
    return db


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (QueueFilters(), [1, 2, 3, 4, 5, 6]),
        (QueueFilters(status="verified"), [2]),
        (QueueFilters(status="rejected"), [7]),  # a closed status shows when asked for by name
        (QueueFilters(kind="aspirasi"), [3]),
        (QueueFilters(category="kesehatan"), [4]),
        (QueueFilters(open_only=False, category="kesehatan"), [4, 7]),
        (QueueFilters(region="13.71"), [1, 2]),  # the city and its kecamatan, not "13.710"
        (QueueFilters(region="13.71.03"), [2]),
        (QueueFilters(agency_id="dinkes-sumbar"), [4, 6]),
        (QueueFilters(flag="abusive"), [5]),
        (QueueFilters(overdue=True), [5]),
        (QueueFilters(search=number(3).lower()), [3]),
        (QueueFilters(search="  Puskesmas tutup "), [4]),
        (QueueFilters(search="   "), [1, 2, 3, 4, 5, 6]),
        (QueueFilters(search="nothing like this"), []),
        (QueueFilters(status="verified", agency_id="dinkes-sumbar"), []),
    ],
)
def test_queue_filters_narrow_it_down(varied, filters, expected):
    page = review_queue(varied, NOW, filters)

    assert sorted(numbers(page)) == [number(n) for n in expected]
    assert page.total == len(expected)


def test_queue_filters_by_urgent_and_needs_review(db):
    add_complaint(db, 1, urgent=True)
    add_complaint(db, 2, needs_review=True)
    add_complaint(db, 3, urgent=True, needs_review=True)

    assert sorted(numbers(review_queue(db, NOW, QueueFilters(urgent=True)))) == [number(1), number(3)]
    assert numbers(review_queue(db, NOW, QueueFilters(urgent=True, needs_review=False))) == [number(1)]
    assert numbers(review_queue(db, NOW, QueueFilters(urgent=False))) == [number(2)]


def test_queue_search_takes_percent_and_underscore_literally(db):
    add_complaint(db, 1, text="Lampu jalan mati sepanjang 100 meter")
    add_complaint(db, 2, text="Tagihan air naik 100% bulan ini")

    assert numbers(review_queue(db, NOW, QueueFilters(search="100%"))) == [number(2)]


def test_queue_refuses_an_unknown_status(db):
    with pytest.raises(ReviewError, match="unknown status 'done'"):
        review_queue(db, NOW, QueueFilters(status="done"))


def test_queue_pages_keep_the_order_and_the_total(db):
    for n in range(1, 6):
        add_complaint(db, n, due_at=NOW + timedelta(days=n))

    second = review_queue(db, NOW, limit=2, offset=2)
    past_the_end = review_queue(db, NOW, limit=2, offset=10)

    assert numbers(second) == [number(3), number(4)]
    assert second.total == 5
    assert past_the_end.items == [] and past_the_end.total == 5


def test_queue_counts_each_tab_over_open_complaints_whatever_the_filter(db):
    add_complaint(db, 1, needs_review=True)
    add_complaint(db, 2, needs_review=True, urgent=True, due_at=NOW - timedelta(hours=1))
    add_complaint(db, 3, status="verified", due_at=NOW + timedelta(hours=1))
    add_complaint(db, 4, status="forwarded", due_at=NOW - timedelta(days=1))
    add_complaint(db, 5, status="in_progress")
    add_complaint(db, 6, status="responded")
    add_complaint(db, 7, status="closed", needs_review=True, urgent=True, due_at=NOW - timedelta(days=3))

    page = review_queue(db, NOW, QueueFilters(status="closed"))

    assert page.counts == {"needs_review": 2, "urgent": 1, "overdue": 2, "awaiting_verification": 2,
                           "with_agencies": 2, "open": 6}
    assert numbers(page) == [number(7)]


def test_queue_item_shows_first_mention_reasons_flags_and_overdue(db):
    complaint = add_complaint(db, 1, flags_json=json.dumps(["urgent"]), personal_data_marked=True,
                              due_at=NOW - timedelta(seconds=1))
    add_complaint(db, 2, due_at=NOW + timedelta(seconds=1))
    add_mention(db, complaint.first_tweet_id, complaint.id, NOW - timedelta(hours=1),
                reasons_json=json.dumps(["kata 'berlubang'", "region Padang"]))

    items = {item.complaint.tracking_number: item for item in review_queue(db, NOW).items}

    assert items[number(1)].reasons == ("kata 'berlubang'", "region Padang")
    assert items[number(1)].flags == ("urgent", "personal_data")
    assert items[number(1)].overdue is True
    assert items[number(2)].reasons == () and items[number(2)].overdue is False


def test_queue_flag_filter_finds_what_the_queue_shows_as_flagged(db):
    add_complaint(db, 1)
    mark_personal_data(db, number(1), OFFICER, NOW, "NIK in the photo")

    assert review_queue(db, NOW).items[0].flags == ("personal_data",)
    assert numbers(review_queue(db, NOW, QueueFilters(flag="personal_data"))) == [number(1)]


# --- verify, reject, urgent, personal data ---------------------------------------------------
def test_verify_moves_it_stamps_it_clears_review_and_audits_both_changes(db):
    add_complaint(db, 1, needs_review=True, due_stage="verify", due_at=NOW + timedelta(days=3))

    verify(db, number(1), OFFICER, NOW, note="a real report")

    complaint = current(db, 1)
    assert complaint.status == "verified" and complaint.needs_review is False
    assert complaint.verified_at == NOW and complaint.status_changed_at == NOW
    assert complaint.due_stage is None and complaint.due_at is None  # the SLA job starts the next clock
    lines = [(a.actor, a.action, a.field, a.previous, a.value, a.reason) for a in audit_of(db, 1)]
    assert lines == [
        (OFFICER, "status", "status", "awaiting_verification", "verified", "a real report"),
        (OFFICER, "needs_review", "needs_review", "True", "False", "a real report"),
    ]
    assert [f.status for f in followups_of(db, complaint.id)] == ["verified"]


def test_verifying_twice_is_refused_and_writes_nothing(db):
    add_complaint(db, 1)
    verify(db, number(1), OFFICER, NOW)
    before = count(db, AuditRow), count(db, EventRow)

    with pytest.raises(ReviewError, match="already verified"):
        verify(db, number(1), OFFICER, NOW + timedelta(hours=1))

    assert (count(db, AuditRow), count(db, EventRow)) == before
    assert current(db, 1).verified_at == NOW


def test_an_unknown_tracking_number_is_refused(db):
    with pytest.raises(ReviewError, match="no complaint LPR-2603-00042"):
        verify(db, " lpr-2603-00042 ", OFFICER, NOW)


def test_reject_keeps_the_reason(db):
    add_complaint(db, 1, needs_review=True)

    reject(db, number(1), OFFICER, NOW, "  bukan kewenangan pemerintah daerah ")

    complaint = current(db, 1)
    assert complaint.status == "rejected" and complaint.needs_review is False
    assert complaint.rejection_reason == "bukan kewenangan pemerintah daerah"
    lines = {a.field: a for a in audit_of(db, 1)}
    assert (lines["status"].previous, lines["status"].value) == ("awaiting_verification", "rejected")
    assert lines["rejection_reason"].previous is None
    assert lines["rejection_reason"].value == "bukan kewenangan pemerintah daerah"
    assert all(a.actor == OFFICER for a in lines.values())
    assert followups_of(db, complaint.id) == []  # a rejection is not announced


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_a_reason_is_refused(db, reason):
    add_complaint(db, 1)

    with pytest.raises(ReviewError, match="needs a reason"):
        reject(db, number(1), OFFICER, NOW, reason)

    assert current(db, 1).status == "awaiting_verification" and count(db, AuditRow) == 0


def test_reject_after_the_response_is_refused_and_writes_nothing(db):
    forwarded(db, 1, status="responded", responded_at=NOW - timedelta(minutes=5))

    with pytest.raises(ReviewError, match="cannot become rejected"):
        reject(db, number(1), OFFICER, NOW, "too late")

    assert current(db, 1).status == "responded" and current(db, 1).rejection_reason is None
    assert count(db, AuditRow) == 0


def test_mark_urgent_and_back_each_audited_and_a_repeat_refused(db):
    add_complaint(db, 1)

    mark_urgent(db, number(1), OFFICER, NOW, note="kabel listrik putus")
    with pytest.raises(ReviewError, match="already urgent"):
        mark_urgent(db, number(1), OFFICER, NOW)
    mark_urgent(db, number(1), "officer:budi", NOW + timedelta(hours=1), urgent=False, note="sudah aman")

    assert current(db, 1).urgent is False
    lines = [(a.actor, a.field, a.previous, a.value, a.reason) for a in audit_of(db, 1)]
    assert lines == [(OFFICER, "urgent", "False", "True", "kabel listrik putus"),
                     ("officer:budi", "urgent", "True", "False", "sudah aman")]


def test_mark_personal_data_keeps_the_detector_result_when_unmarked(db):
    add_complaint(db, 1)

    mark_personal_data(db, number(1), OFFICER, NOW, note="KTP photo")
    marked = current(db, 1)
    with pytest.raises(ReviewError, match="already marked"):
        mark_personal_data(db, number(1), OFFICER, NOW)
    mark_personal_data(db, number(1), OFFICER, NOW, marked=False)

    assert marked.personal_data_marked is True and marked.has_personal_data is True
    assert current(db, 1).personal_data_marked is False
    assert [(a.field, a.previous, a.value) for a in audit_of(db, 1)] == [
        ("personal_data_marked", "False", "True"), ("personal_data_marked", "True", "False")]


# --- agencies ------------------------------------------------------------------------------
AGENCY_ACTIONS = {
    "verify": lambda db, actor, routing: verify(db, number(1), actor, NOW),
    "reject": lambda db, actor, routing: reject(db, number(1), actor, NOW, "not ours"),
    "reclassify": lambda db, actor, routing: reclassify(db, number(1), actor, NOW, changes={"kind": "aspirasi"}),
    "mark urgent": lambda db, actor, routing: mark_urgent(db, number(1), actor, NOW),
    "mark personal data": lambda db, actor, routing: mark_personal_data(db, number(1), actor, NOW),
    "merge": lambda db, actor, routing: merge(db, number(1), number(2), actor, NOW),
    "forward": lambda db, actor, routing: request_forward(db, number(1), actor, NOW, routing),
}


@pytest.mark.parametrize("actor", ["agency:dinkes-sumbar", "webhook:dinkes-sumbar", "open311:dinkes-sumbar"])
@pytest.mark.parametrize("action", sorted(AGENCY_ACTIONS))
def test_an_agency_cannot_take_officer_actions_even_on_its_own_complaint(db, routing, actor, action):
    add_complaint(db, 1, status="verified", category="kesehatan", agency_id="dinkes-sumbar")
    add_complaint(db, 2, status="verified", category="kesehatan", agency_id="dinkes-sumbar")

    with pytest.raises(ReviewError, match=f"an agency cannot {action}"):
        AGENCY_ACTIONS[action](db, actor, routing)

    complaint = current(db, 1)
    assert (complaint.status, complaint.kind, complaint.urgent) == ("verified", "pengaduan", False)
    assert count(db, AuditRow) == 0 and count(db, ForwardRow) == 0


def test_an_agency_sees_its_own_complaint_but_not_another_agencys(db):
    forwarded(db, 1, agency_id="dinkes-sumbar")

    assert complaint_view(db, number(1), actor="agency:dinkes-sumbar").complaint.tracking_number == number(1)
    with pytest.raises(ReviewError, match="no complaint"):
        complaint_view(db, number(1), actor="agency:dpupr-sumbar")


@pytest.mark.parametrize("actor", ["agency:dpupr-sumbar", "webhook:dpupr-sumbar", "open311:dpupr-sumbar"])
def test_an_agency_cannot_respond_to_another_agencys_complaint(db, actor):
    forwarded(db, 1, agency_id="dinkes-sumbar")

    with pytest.raises(ReviewError, match="no complaint"):
        record_response(db, number(1), "responded", "done", actor, NOW, source="webhook", external_ref="d-1")

    assert current(db, 1).status == "forwarded"
    assert count(db, ResponseRow) == 0 and count(db, AuditRow) == 0


def test_another_agencys_complaint_reads_exactly_like_a_missing_one(db):
    forwarded(db, 1, agency_id="dinkes-sumbar")
    messages = []
    for n in (1, 99):
        with pytest.raises(ReviewError) as refused:
            complaint_view(db, number(n), actor="agency:dpupr-sumbar")
        messages.append(str(refused.value).replace(number(n), "<number>"))

    assert messages[0] == messages[1]


# --- reclassify ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"status": "closed"}, "cannot reclassify 'status'"),
        ({}, "nothing to change"),
        ({"kind": "keluhan"}, "unknown kind 'keluhan'"),
        ({"category": "jalan"}, "unknown category 'jalan'"),
        ({"region_code": "99.99"}, "unknown region code '99.99'"),
        ({"agency_id": "dinas-fiktif"}, "unknown agency 'dinas-fiktif'"),
    ],
)
def test_reclassify_refuses_unknown_fields_and_values_and_writes_nothing(db, routing, changes, words):
    add_complaint(db, 1, region_code="13.71", agency_id="dpupr-padang")

    with pytest.raises(ReviewError, match=words):
        reclassify(db, number(1), OFFICER, NOW, changes=changes, routing=routing)

    complaint = current(db, 1)
    assert (complaint.kind, complaint.category, complaint.region_code, complaint.agency_id) == (
        "pengaduan", "infrastruktur", "13.71", "dpupr-padang")
    assert count(db, AuditRow) == 0 and count(db, LabelRow) == 0


def test_a_new_category_reroutes_to_its_agency_with_a_label_per_changed_field(db, routing):
    add_complaint(db, 1, region_code="13.71.03", agency_id="dpupr-padang", agency="Dinas PUPR Kota Padang")

    reclassify(db, number(1), OFFICER, NOW, changes={"category": "kesehatan", "kind": "pengaduan"},
               routing=routing, note="it is about the puskesmas")

    complaint = current(db, 1)
    assert (complaint.category, complaint.agency_id) == ("kesehatan", "dinkes-sumbar")
    assert complaint.agency == "Dinas Kesehatan Provinsi Sumatera Barat"
    labelled = db.read(lambda s: [(r.field, r.previous, r.value, r.actor, r.tweet_id)
                                  for r in s.exec(select(LabelRow).order_by(LabelRow.id))])
    assert labelled == [("category", "infrastruktur", "kesehatan", OFFICER, complaint.first_tweet_id),
                        ("agency_id", "dpupr-padang", "dinkes-sumbar", OFFICER, complaint.first_tweet_id)]
    lines = [(a.action, a.field, a.previous, a.value, a.reason) for a in audit_of(db, 1)]
    assert lines == [("reclassify", "category", "infrastruktur", "kesehatan", "it is about the puskesmas"),
                     ("reclassify", "agency_id", "dpupr-padang", "dinkes-sumbar", "it is about the puskesmas")]


def test_a_new_region_reroutes_to_the_most_specific_agency_and_names_the_region(db, routing):
    add_complaint(db, 1, region_code="13.01.01", region_name="Pancung Soal", agency_id="dpupr-sumbar")

    reclassify(db, number(1), OFFICER, NOW, changes={"region_code": "13.71.03"}, routing=routing)

    complaint = current(db, 1)
    assert (complaint.region_code, complaint.region_name, complaint.agency_id) == (
        "13.71.03", "Padang Barat", "dpupr-padang")
    assert sorted(label.field for label in db.read(lambda s: list(s.exec(select(LabelRow))))) == [
        "agency_id", "region_code"]


def test_an_agency_given_with_the_category_wins_over_the_route(db, routing):
    add_complaint(db, 1, region_code="13.71", agency_id="dpupr-padang")

    reclassify(db, number(1), OFFICER, NOW, changes={"category": "kesehatan", "agency_id": "diskominfotik-sumbar"},
               routing=routing)

    assert current(db, 1).agency_id == "diskominfotik-sumbar"


def test_without_a_routing_table_the_agency_stays(db):
    add_complaint(db, 1, region_code="13.71", agency_id="dpupr-padang")

    reclassify(db, number(1), OFFICER, NOW, changes={"category": "kesehatan"})

    assert (current(db, 1).category, current(db, 1).agency_id) == ("kesehatan", "dpupr-padang")
    assert count(db, LabelRow) == 1


def test_reclassify_to_the_same_values_is_refused(db, routing):
    add_complaint(db, 1, region_code="13.71", agency_id="dpupr-padang")

    with pytest.raises(ReviewError, match="already has those values"):
        reclassify(db, number(1), OFFICER, NOW, changes={"category": "infrastruktur", "region_code": "13.71"},
                   routing=routing)

    assert count(db, AuditRow) == 0 and count(db, LabelRow) == 0


def test_reclassify_a_closed_complaint_is_refused(db):
    add_complaint(db, 1, status="closed")

    with pytest.raises(ReviewError, match="is closed: reopen it"):
        reclassify(db, number(1), OFFICER, NOW, changes={"kind": "aspirasi"})

    assert current(db, 1).kind == "pengaduan" and count(db, LabelRow) == 0


def test_labels_mask_a_nik_and_keep_the_first_previous_and_the_last_value(db, routing):
    add_complaint(db, 1, text=f"NIK saya {NIK}, KTP belum jadi", category="kependudukan", has_personal_data=True)
    add_complaint(db, 2, text="Sampah menumpuk di pasar raya")

    reclassify(db, number(1), OFFICER, NOW, changes={"kind": "permintaan_informasi"})
    reclassify(db, number(1), "officer:budi", NOW + timedelta(hours=1), changes={"kind": "aspirasi"})
    reclassify(db, number(2), OFFICER, NOW, changes={"category": "lingkungan"})

    found = {entry["tracking_number"]: entry for entry in labels(db)}

    first = found[number(1)]
    assert NIK not in first["text"] and "[NIK]" in first["text"] and "KTP belum jadi" in first["text"]
    assert (first["kind"], first["kind_was"]) == ("aspirasi", "pengaduan")
    assert (first["labelled_by"], first["personal_data"]) == ("officer:budi", True)
    assert found[number(2)]["text"] == "Sampah menumpuk di pasar raya"
    assert (found[number(2)]["category"], found[number(2)]["category_was"]) == ("lingkungan", "infrastruktur")
    assert found[number(2)]["personal_data"] is False


# --- merge and unmerge ---------------------------------------------------------------------
def test_merge_joins_the_cluster_and_audits_both_complaints(db):
    target = add_complaint(db, 1)
    add_complaint(db, 2, status="verified")

    merge(db, " lpr-2603-00002", number(1), OFFICER, NOW, note="same pothole")

    assert (current(db, 2).status, current(db, 2).cluster_id) == ("merged", target.id)
    [source_line] = audit_of(db, 2)
    assert (source_line.actor, source_line.action, source_line.previous, source_line.value, source_line.reason) == (
        OFFICER, "merge", "verified", f"merged into {number(1)}", "same pothole")
    assert [(a.field, a.value) for a in audit_of(db, 1)] == [("merged_in", number(2))]
    view = complaint_view(db, number(1))
    assert [c.tracking_number for c in view.cluster] == [number(2)]
    assert [c.tracking_number for c in complaint_view(db, number(2)).cluster] == [number(1)]


@pytest.mark.parametrize(("duplicate", "into", "words"), [(1, 1, "into itself"), (1, 99, "no complaint")])
def test_merge_refusals(db, duplicate, into, words):
    add_complaint(db, 1)

    with pytest.raises(ReviewError, match=words):
        merge(db, number(duplicate), number(into), OFFICER, NOW)

    assert current(db, 1).status == "awaiting_verification" and count(db, AuditRow) == 0


def test_unmerge_reopens_it_on_its_own(db):
    add_complaint(db, 1)
    add_complaint(db, 2)
    merge(db, number(2), number(1), OFFICER, NOW)

    unmerge(db, number(2), "officer:budi", NOW + timedelta(hours=1))

    complaint = current(db, 2)
    assert (complaint.status, complaint.cluster_id) == ("awaiting_verification", None)
    lines = [(a.actor, a.field, a.previous, a.value) for a in audit_of(db, 2)][1:]
    assert lines == [("officer:budi", "status", "merged", "awaiting_verification"),
                     ("officer:budi", "cluster_id", "1", None)]
    with pytest.raises(ReviewError, match="not merged"):
        unmerge(db, number(2), OFFICER, NOW)


# --- the complaint view --------------------------------------------------------------------
def test_complaint_view_gathers_mentions_audit_forwards_and_responses(db, routing):
    complaint = add_complaint(db, 1, status="verified", category="kesehatan", agency_id="dinkes-sumbar")
    add_mention(db, "1861000000000000900", complaint.id, NOW - timedelta(minutes=10))
    add_mention(db, complaint.first_tweet_id, complaint.id, NOW - timedelta(hours=1))
    add_complaint(db, 2)  # unrelated: not in the view
    request_forward(db, number(1), OFFICER, NOW, routing)

    view = complaint_view(db, number(1))

    assert [m.tweet_id for m in view.mentions] == [complaint.first_tweet_id, "1861000000000000900"]
    assert [f.channel for f in view.forwards] == ["email", "webhook"]
    assert [a.action for a in view.audit] == ["forward_requested"]
    assert view.cluster == [] and view.responses == [] and view.replies == []


# --- forwarding by hand ----------------------------------------------------------------------
def test_request_forward_queues_a_row_per_channel_once(db, routing):
    add_complaint(db, 1, status="verified", category="kesehatan", agency_id="dinkes-sumbar")

    queued = request_forward(db, number(1), OFFICER, NOW, routing, note="auto-forward is off")

    assert queued == ["email", "webhook"]  # dinkes-sumbar has an e-mail address and a webhook
    rows = db.read(lambda s: list(s.exec(select(ForwardRow).order_by(ForwardRow.id))))
    assert [(r.agency_id, r.channel, r.purpose, r.status, r.next_attempt_at) for r in rows] == [
        ("dinkes-sumbar", "email", "complaint", "queued", NOW),
        ("dinkes-sumbar", "webhook", "complaint", "queued", NOW)]
    [line] = audit_of(db, 1)
    assert (line.actor, line.action, line.value, line.reason) == (
        OFFICER, "forward_requested", "dinkes-sumbar", "auto-forward is off")

    with pytest.raises(ReviewError, match="already forwarded to dinkes-sumbar"):
        request_forward(db, number(1), OFFICER, NOW + timedelta(hours=1), routing)
    assert count(db, ForwardRow) == 2 and count(db, AuditRow) == 1


def test_a_digest_agency_gets_one_digest_row_due_at_the_digest_hour(db, routing):
    agencies = tuple(dataclasses.replace(a, digest=True) if a.id == "dpupr-sumbar" else a for a in routing.agencies)
    digest_routing = dataclasses.replace(routing, agencies=agencies)
    add_complaint(db, 1, status="verified", agency_id="dpupr-sumbar")

    queued = request_forward(db, number(1), OFFICER, NOW, digest_routing, digest_hour=7)

    assert queued == ["digest"]
    [row] = db.read(lambda s: list(s.exec(select(ForwardRow))))
    # 10:00 WIB on the 17th is past 07:00: the next digest is 07:00 WIB on the 18th (00:00 UTC).
    assert (row.channel, row.next_attempt_at) == ("digest", datetime(2026, 3, 18, 0, 0, tzinfo=timezone.utc))


def test_a_complaint_sent_back_can_be_rerouted_and_forwarded_to_the_new_agency(db, routing):
    forwarded(db, 1, agency_id="dinkes-sumbar")
    with db.session() as session:  # the first forward, as the forward job left it
        session.add(ForwardRow(complaint_id=current(db, 1).id, agency_id="dinkes-sumbar", channel="email",
                               status="sent", next_attempt_at=NOW, created_at=NOW, updated_at=NOW))
    record_response(db, number(1), "not_ours", "urusan dinas sosial", "agency:dinkes-sumbar", NOW, source="cli")

    reclassify(db, number(1), OFFICER, NOW, changes={"category": "sosial"}, routing=routing)
    queued = request_forward(db, number(1), OFFICER, NOW, routing)

    assert current(db, 1).agency_id == "dinsos-sumbar" and queued == ["email"]
    assert [(r.agency_id, r.status) for r in complaint_view(db, number(1)).forwards] == [
        ("dinkes-sumbar", "sent"), ("dinsos-sumbar", "queued")]
    last = audit_of(db, 1)[-1]
    assert (last.action, last.value, last.reason) == ("forward_requested", "dinsos-sumbar", "by email")


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"status": "awaiting_verification", "agency_id": "dinkes-sumbar"}, "verify it before forwarding"),
        ({"status": "responded", "agency_id": "dinkes-sumbar"}, "verify it before forwarding"),
        ({"status": "verified", "agency_id": None}, "has no agency"),
    ],
)
def test_request_forward_refusals(db, routing, fields, words):
    add_complaint(db, 1, **fields)

    with pytest.raises(ReviewError, match=words):
        request_forward(db, number(1), OFFICER, NOW, routing)

    assert count(db, ForwardRow) == 0 and count(db, AuditRow) == 0


# --- agency responses --------------------------------------------------------------------------
def test_a_response_moves_forwarded_to_responded_with_one_followup(db):
    complaint = forwarded(db, 1, due_stage="respond", due_at=NOW + timedelta(days=5))

    outcome = record_response(db, number(1), "responded", " Sudah ditangani ", "webhook:dinkes-sumbar", NOW,
                              source="webhook", external_ref="dlv-1")

    assert (outcome.recorded, outcome.previous_status, outcome.complaint.status) == (True, "forwarded", "responded")
    fresh = current(db, 1)
    assert fresh.responded_at == NOW and fresh.due_stage is None and fresh.due_at is None
    assert [f.status for f in followups_of(db, complaint.id)] == ["responded"]
    [response] = db.read(lambda s: list(s.exec(select(ResponseRow))))
    assert (response.agency_id, response.status, response.note, response.actor) == (
        "dinkes-sumbar", "responded", "Sudah ditangani", "webhook:dinkes-sumbar")
    respond = [a for a in audit_of(db, 1) if a.action == "respond"]
    assert [(a.actor, a.previous, a.value, a.reason) for a in respond] == [
        ("webhook:dinkes-sumbar", "forwarded", "responded", "Sudah ditangani")]


def test_a_replayed_delivery_changes_nothing(db):
    complaint = forwarded(db, 1)
    record_response(db, number(1), "responded", "Sudah", "webhook:dinkes-sumbar", NOW, source="webhook",
                    external_ref="dlv-1")
    before = count(db, AuditRow), count(db, ResponseRow), count(db, EventRow)

    replay = record_response(db, number(1), "responded", "Sudah", "webhook:dinkes-sumbar", NOW + timedelta(hours=1),
                             source="webhook", external_ref="dlv-1")

    assert (replay.recorded, replay.complaint.status) == (False, "responded")
    assert (count(db, AuditRow), count(db, ResponseRow), count(db, EventRow)) == before
    assert current(db, 1).responded_at == NOW
    assert len(followups_of(db, complaint.id)) == 1


def test_the_same_ref_from_another_source_is_a_new_delivery(db):
    forwarded(db, 1)
    record_response(db, number(1), "in_progress", "dicek", "webhook:dinkes-sumbar", NOW, source="webhook",
                    external_ref="r-1")

    outcome = record_response(db, number(1), "responded", "beres", OFFICER, NOW, source="cli", external_ref="r-1")

    assert outcome.recorded is True and current(db, 1).status == "responded"


def test_closed_from_forwarded_goes_through_responded(db):
    complaint = forwarded(db, 1)

    outcome = record_response(db, number(1), "closed", "Selesai", "agency:dinkes-sumbar", NOW, source="cli")

    fresh = current(db, 1)
    assert (outcome.message, fresh.status) == ("forwarded -> closed", "closed")
    assert fresh.responded_at == NOW and fresh.closed_at == NOW
    moves = [(a.previous, a.value) for a in audit_of(db, 1) if a.action == "status"]
    assert moves == [("forwarded", "responded"), ("responded", "closed")]
    assert [f.status for f in followups_of(db, complaint.id)] == ["responded", "closed"]


def test_not_ours_sends_it_back_to_the_officers(db):
    complaint = forwarded(db, 1, status="in_progress")

    outcome = record_response(db, number(1), "not_ours", "urusan kabupaten", "agency:dinkes-sumbar", NOW,
                              source="cli")

    fresh = current(db, 1)
    assert (fresh.status, fresh.agency_id, fresh.needs_review) == ("verified", None, True)
    assert outcome.message == "sent back to the officers: urusan kabupaten"
    fields = [(a.field, a.previous, a.value) for a in audit_of(db, 1)]
    assert fields == [("status", "in_progress", "verified"), ("needs_review", "False", "True"),
                      ("agency_id", "dinkes-sumbar", None), ("status", "in_progress", "not_ours")]
    assert followups_of(db, complaint.id) == []  # going back is not news for the citizen


@pytest.mark.parametrize(
    ("status", "response", "words"),
    [
        ("awaiting_verification", "responded", "has not been forwarded"),
        ("awaiting_verification", "in_progress", "has not been forwarded"),
        ("verified", "closed", "has not been forwarded"),
        ("awaiting_verification", "not_ours", "only a forwarded complaint"),
        ("responded", "not_ours", "only a forwarded complaint"),
        ("rejected", "responded", "cannot become responded"),
    ],
)
def test_a_response_the_lifecycle_refuses_writes_nothing(db, status, response, words):
    add_complaint(db, 1, status=status, category="kesehatan", agency_id="dinkes-sumbar")

    with pytest.raises(ReviewError, match=words):
        record_response(db, number(1), response, "x", "agency:dinkes-sumbar", NOW, source="cli", external_ref="e-1")

    assert current(db, 1).status == status and current(db, 1).agency_id == "dinkes-sumbar"
    assert count(db, ResponseRow) == 0 and count(db, AuditRow) == 0


def test_an_unknown_response_status_is_refused(db):
    forwarded(db, 1)

    with pytest.raises(ReviewError, match="unknown response status 'done'"):
        record_response(db, number(1), "done", "", OFFICER, NOW, source="cli")


def test_a_repeated_status_adds_a_note_and_keeps_whether_it_is_public(db):
    forwarded(db, 1, status="in_progress")

    outcome = record_response(db, number(1), "in_progress", "nama pelapor: Budi", "agency:dinkes-sumbar", NOW,
                              source="cli", public=False)

    assert outcome.message == "note added; the complaint stays in_progress"
    assert current(db, 1).status == "in_progress"
    [line] = audit_of(db, 1)  # no status line: the status did not change
    assert (line.action, line.previous, line.value) == ("respond", "in_progress", "in_progress")
    [response] = db.read(lambda s: list(s.exec(select(ResponseRow))))
    assert (response.note, response.public) == ("nama pelapor: Budi", False)


def test_a_delivery_ref_used_for_one_complaint_is_refused_for_another(db):
    forwarded(db, 1)
    forwarded(db, 2)
    record_response(db, number(1), "in_progress", "dicek", "webhook:dinkes-sumbar", NOW, source="webhook",
                    external_ref="dlv-7")

    with pytest.raises(ReviewError, match="already used for another complaint"):
        record_response(db, number(2), "responded", "beres", "webhook:dinkes-sumbar", NOW, source="webhook",
                        external_ref="dlv-7")

    assert current(db, 2).status == "forwarded" and count(db, ResponseRow) == 1


def test_a_replay_after_not_ours_is_still_recognised(db):
    forwarded(db, 1)
    record_response(db, number(1), "not_ours", "bukan kami", "webhook:dinkes-sumbar", NOW, source="webhook",
                    external_ref="dlv-8")
    before = count(db, AuditRow)

    replay = record_response(db, number(1), "not_ours", "bukan kami", "webhook:dinkes-sumbar", NOW,
                             source="webhook", external_ref="dlv-8")

    assert replay.recorded is False and count(db, AuditRow) == before


def test_another_agency_cannot_read_a_complaint_through_a_used_delivery_ref(db):
    forwarded(db, 1, agency_id="dinkes-sumbar")
    record_response(db, number(1), "in_progress", "dicek", "webhook:dinkes-sumbar", NOW, source="webhook",
                    external_ref="dlv-1")

    with pytest.raises(ReviewError, match="no complaint"):
        record_response(db, number(1), "responded", "x", "webhook:dpupr-sumbar", NOW, source="webhook",
                        external_ref="dlv-1")


# --- status changes (ingest/store/followups.py) and the audit log -------------------------------
def test_change_status_stamps_the_stage_and_owes_each_followup_once(db):
    complaint = add_complaint(db, 1)
    later = NOW + timedelta(days=1)

    change_status(db, number(1), "verified", NOW, announce=True, actor=OFFICER, note="ok")
    change_status(db, number(1), "awaiting_verification", NOW, announce=True, actor=OFFICER)
    change_status(db, number(1), "verified", later, announce=True, actor=OFFICER)
    change_status(db, number(1), "forwarded", later, announce=True, agency="Dinas Kesehatan")

    fresh = current(db, 1)
    assert (fresh.status, fresh.verified_at, fresh.forwarded_at, fresh.agency) == (
        "forwarded", later, later, "Dinas Kesehatan")
    assert [(f.status, f.agency) for f in followups_of(db, complaint.id)] == [
        ("verified", None), ("forwarded", "Dinas Kesehatan")]
    assert [(a.actor, a.previous, a.value) for a in audit_of(db, 1)] == [
        (OFFICER, "awaiting_verification", "verified"), (OFFICER, "verified", "awaiting_verification"),
        (OFFICER, "awaiting_verification", "verified"), ("officer", "verified", "forwarded")]


def test_change_status_without_announce_owes_nothing(db):
    complaint = add_complaint(db, 1)

    change_status(db, number(1), "verified", NOW, announce=False)

    assert current(db, 1).verified_at == NOW and followups_of(db, complaint.id) == []


@pytest.mark.parametrize(
    ("tracking", "status", "words"),
    [(number(1), "done", "unknown status 'done'"), (number(9), "verified", "no complaint"),
     (number(1), "closed", "cannot become closed")],
)
def test_change_status_refusals_write_nothing(db, tracking, status, words):
    add_complaint(db, 1)

    with pytest.raises(StatusChangeError, match=words):
        change_status(db, tracking, status, NOW, announce=True)

    assert current(db, 1).status == "awaiting_verification"
    assert count(db, AuditRow) == 0 and count(db, EventRow) == 0


def test_audit_trail_is_one_complaints_lines_oldest_first(db):
    first, second = add_complaint(db, 1), add_complaint(db, 2)
    with db.session() as session:
        record_audit(session, first.id, "bot", "a", NOW)
        record_audit(session, second.id, "bot", "b", NOW)
        record_audit(session, first.id, OFFICER, "c", NOW - timedelta(hours=1), field="kind", previous="x",
                     value="y", reason="why")

    lines = audit_trail(db, first.id)

    assert [(a.action, a.actor) for a in lines] == [("a", "bot"), ("c", OFFICER)]
    assert (lines[1].field, lines[1].previous, lines[1].value, lines[1].reason) == ("kind", "x", "y", "why")
