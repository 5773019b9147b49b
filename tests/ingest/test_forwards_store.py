"""The agency outbox in the store: queued once, claimed once, finished visibly, retried by hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from ingest.routing import Agency, Contact
from ingest.store.audit import audit_trail
from ingest.store.forwards import (
    backoff,
    claim_forward,
    due_forwards,
    finish_forward,
    forward_plan,
    next_digest_time,
    queue_forward,
    retry_dead,
    stale_sending,
    verified_unforwarded,
)
from ingest.store.models import ComplaintRow, EventRow, ForwardRow
from ingest.store.store import Store

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)  # Saturday 08:00 WIB


@pytest.fixture
def db(store: Store) -> Store:
    """Return a migrated store of the test's own (tests/conftest.py: SQLite, or PostgreSQL)."""
    return store


def add_complaint(store: Store, n: int, **fields) -> ComplaintRow:
    """Insert complaint number `n`, verified for dpupr-sumbar unless `fields` say otherwise."""
    values = {
        "tracking_number": f"LPR-2611-{n:05d}", "first_tweet_id": str(1861000000000000000 + n),
        "author_id": "2244994945", "text": "Jalan berlubang", "kind": "pengaduan", "category": "infrastruktur",
        "language": "id", "acknowledgement": "posted", "acknowledgement_reason": "acknowledged",
        "created_at": NOW - timedelta(hours=2), "updated_at": NOW - timedelta(hours=2), "status": "verified",
        "agency_id": "dpupr-sumbar", **fields,
    }
    with store.session() as session:
        row = ComplaintRow(**values)
        session.add(row)
        session.flush()
        return row


def queue(store: Store, complaint: ComplaintRow, agency_id: str, channels, now: datetime = NOW, **options):
    with store.session() as session:
        fresh = session.get(ComplaintRow, complaint.id)
        return queue_forward(session, fresh, agency_id, channels, now, **options)


def rows(store: Store) -> list[ForwardRow]:
    return store.read(lambda s: list(s.exec(select(ForwardRow).order_by(ForwardRow.id))))


def events(store: Store) -> list[EventRow]:
    return store.read(lambda s: list(s.exec(select(EventRow).order_by(EventRow.id))))


def one_row(store: Store, channel: str = "email", **options) -> ForwardRow:
    complaint = add_complaint(store, 1)
    queue(store, complaint, "dpupr-sumbar", [channel], **options)
    [row] = rows(store)
    return row


# --- queue_forward -------------------------------------------------------------------------
def test_queue_forward_adds_one_row_per_channel_and_never_twice(db):
    complaint = add_complaint(db, 1)

    first = queue(db, complaint, "dpupr-sumbar", ["email", "webhook"])
    again = queue(db, complaint, "dpupr-sumbar", ["webhook", "open311"], NOW + timedelta(hours=1))

    assert (first, again) == (["email", "webhook"], ["open311"])
    assert [(r.channel, r.status, r.purpose, r.attempts, r.next_attempt_at) for r in rows(db)] == [
        ("email", "queued", "complaint", 0, NOW), ("webhook", "queued", "complaint", 0, NOW),
        ("open311", "queued", "complaint", 0, NOW + timedelta(hours=1))]


def test_another_agency_or_purpose_is_another_row(db):
    complaint = add_complaint(db, 1)
    queue(db, complaint, "dpupr-sumbar", ["email"])

    assert queue(db, complaint, "dpupr-padang", ["email"]) == ["email"]
    assert queue(db, complaint, "dpupr-sumbar", ["email"], purpose="breach:respond") == ["email"]
    assert queue(db, complaint, "dpupr-sumbar", ["email"], purpose="breach:respond") == []
    assert len(rows(db)) == 3


def test_a_channel_due_later_waits_and_the_others_go_now(db):
    complaint = add_complaint(db, 1)
    later = NOW + timedelta(hours=22)

    queue(db, complaint, "dpupr-sumbar", ["digest", "webhook"], due={"digest": later})

    assert [(r.channel, r.next_attempt_at) for r in rows(db)] == [("digest", later), ("webhook", NOW)]


def test_a_refused_duplicate_keeps_the_rest_of_the_transaction(db):
    complaint = add_complaint(db, 1)
    queue(db, complaint, "dpupr-sumbar", ["email"])

    with db.session() as session:
        fresh = session.get(ComplaintRow, complaint.id)
        fresh.needs_review = True
        queue_forward(session, fresh, "dpupr-sumbar", ["email"], NOW)

    assert db.complaint("LPR-2611-00001").needs_review is True


# --- verified_unforwarded --------------------------------------------------------------------
def test_verified_unforwarded_lists_only_routed_verified_complaints_without_a_forward_to_their_agency(db):
    waiting = add_complaint(db, 1)
    add_complaint(db, 2, status="awaiting_verification")
    add_complaint(db, 3, agency_id=None)
    done = add_complaint(db, 4)
    queue(db, done, "dpupr-sumbar", ["email"])
    rerouted = add_complaint(db, 5, agency_id="dpupr-padang")
    queue(db, rerouted, "dpupr-sumbar", ["email"])  # sent to the previous agency
    breached = add_complaint(db, 6)
    queue(db, breached, "officers", ["email"], purpose="breach:respond")  # a notice is not a forward
    add_complaint(db, 7, status="forwarded")

    found = [c.id for c in verified_unforwarded(db)]

    assert found == [waiting.id, rerouted.id, breached.id]
    assert [c.id for c in verified_unforwarded(db, limit=1)] == [waiting.id]


def test_a_dead_forward_still_counts_as_forwarded(db):
    complaint = add_complaint(db, 1)
    queue(db, complaint, "dpupr-sumbar", ["email"])
    finish_forward(db, rows(db)[0].id, "dead", NOW, error="550 no such mailbox")

    assert verified_unforwarded(db) == []


# --- due, claim, stale -----------------------------------------------------------------------
def test_due_forwards_are_queued_due_and_of_the_channels_asked_oldest_first(db):
    complaint = add_complaint(db, 1)
    queue(db, complaint, "dpupr-sumbar", ["webhook", "email", "open311"])
    queue(db, complaint, "dpupr-sumbar", ["digest"], due={"digest": NOW + timedelta(minutes=1)})
    claim_forward(db, rows(db)[2].id, NOW)  # open311 is being sent

    due = due_forwards(db, NOW, 10, channels=("webhook", "open311", "digest"))
    later = due_forwards(db, NOW + timedelta(minutes=1), 10, channels=("digest", "email"))

    assert [r.channel for r in due] == ["webhook"]
    assert [r.channel for r in later] == ["email", "digest"]
    assert len(due_forwards(db, NOW, 1, channels=("webhook", "email"))) == 1


def test_a_row_is_claimed_once(db):
    row = one_row(db)

    assert claim_forward(db, row.id, NOW) is True
    assert claim_forward(db, row.id, NOW) is False
    [claimed] = rows(db)
    assert (claimed.status, claimed.attempts, claimed.updated_at) == ("sending", 1, NOW)
    assert claim_forward(db, 999, NOW) is False


def test_stale_sending_lists_rows_left_sending_before_the_cut(db):
    row = one_row(db)
    claim_forward(db, row.id, NOW)

    assert [r.id for r in stale_sending(db, NOW + timedelta(minutes=10))] == [row.id]
    assert stale_sending(db, NOW) == []


# --- finish_forward ----------------------------------------------------------------------------
def test_a_sent_row_is_stamped_audited_and_logged(db):
    row = one_row(db)
    claim_forward(db, row.id, NOW)

    finish_forward(db, row.id, "sent", NOW + timedelta(seconds=3), external_id="<m1@lapor>")

    [sent] = rows(db)
    assert (sent.status, sent.sent_at, sent.external_id, sent.last_error) == (
        "sent", NOW + timedelta(seconds=3), "<m1@lapor>", None)
    [line] = audit_trail(db, sent.complaint_id)
    assert (line.actor, line.action, line.field, line.value) == ("bot", "forwarded", "email", "dpupr-sumbar")
    assert "<m1@lapor>" in line.reason
    assert [(e.kind, e.level) for e in events(db)] == [("forward_sent", "info")]


def test_a_dead_row_puts_the_complaint_back_in_review_with_an_audit_line_and_an_error_event(db):
    row = one_row(db, "webhook")
    claim_forward(db, row.id, NOW)

    finish_forward(db, row.id, "dead", NOW, error="410 Gone", actor="bot:forward")

    assert db.complaint("LPR-2611-00001").needs_review is True
    [line] = audit_trail(db, row.complaint_id)
    assert (line.actor, line.action, line.field, line.value) == ("bot:forward", "forward_dead", "webhook",
                                                                "dpupr-sumbar")
    assert "after 1 attempts: 410 Gone" in line.reason
    [event] = events(db)
    assert (event.kind, event.level, event.complaint_id) == ("forward_dead", "error", row.complaint_id)
    assert rows(db)[0].last_error == "410 Gone"


def test_a_dead_breach_notice_does_not_send_the_complaint_to_review(db):
    row = one_row(db, purpose="breach:verify")

    finish_forward(db, row.id, "dead", NOW, error="no address")

    assert db.complaint("LPR-2611-00001").needs_review is False
    assert [a.action for a in audit_trail(db, row.complaint_id)] == ["forward_dead"]


def test_a_retry_is_queued_again_later_without_an_audit_line(db):
    row = one_row(db, "webhook")
    claim_forward(db, row.id, NOW)

    finish_forward(db, row.id, "queued", NOW, error="503", retry_at=NOW + backoff(1))

    [again] = rows(db)
    assert (again.status, again.next_attempt_at, again.last_error) == ("queued", NOW + timedelta(minutes=1), "503")
    assert audit_trail(db, row.complaint_id) == []
    assert [(e.kind, e.level) for e in events(db)] == [("forward_queued", "warning")]
    assert db.complaint("LPR-2611-00001").needs_review is False


def test_finishing_an_unknown_row_does_nothing(db):
    assert finish_forward(db, 42, "sent", NOW) is None
    assert events(db) == []


# --- retry_dead ----------------------------------------------------------------------------------
def test_retry_dead_queues_it_again_from_zero_attempts(db):
    row = one_row(db)
    claim_forward(db, row.id, NOW)
    finish_forward(db, row.id, "dead", NOW, error="550 mailbox unavailable")
    later = NOW + timedelta(days=1)

    retry_dead(db, row.id, later, "officer:rina")

    [again] = rows(db)
    assert (again.status, again.attempts, again.next_attempt_at) == ("queued", 0, later)
    last = audit_trail(db, row.complaint_id)[-1]
    assert (last.actor, last.action, last.reason) == ("officer:rina", "forward_retry", "was: 550 mailbox unavailable")


@pytest.mark.parametrize("status", ["queued", "sent"])
def test_retry_of_a_row_that_is_not_dead_is_refused(db, status):
    row = one_row(db)
    if status == "sent":
        finish_forward(db, row.id, "sent", NOW)

    with pytest.raises(ValueError, match=f"is {status}, not dead"):
        retry_dead(db, row.id, NOW, "officer:rina")
    with pytest.raises(ValueError, match="is unknown"):
        retry_dead(db, 999, NOW, "officer:rina")


# --- pure helpers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("attempts", "minutes"), [(0, 1), (1, 1), (2, 5), (3, 30), (4, 120), (5, 360), (6, 360), (40, 360)]
)
def test_backoff_grows_to_six_hours(attempts, minutes):
    assert backoff(attempts) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("now", "hour", "expected"),
    [
        (datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc), 7, datetime(2026, 11, 29, 0, 0, tzinfo=timezone.utc)),
        (datetime(2026, 11, 27, 23, 59, tzinfo=timezone.utc), 7, datetime(2026, 11, 28, 0, 0, tzinfo=timezone.utc)),
        (datetime(2026, 11, 28, 0, 0, tzinfo=timezone.utc), 7, datetime(2026, 11, 28, 0, 0, tzinfo=timezone.utc)),
        (datetime(2026, 11, 28, 16, 30, tzinfo=timezone.utc), 0, datetime(2026, 11, 28, 17, 0, tzinfo=timezone.utc)),
        (datetime(2026, 12, 31, 20, 0, tzinfo=timezone.utc), 7, datetime(2027, 1, 1, 0, 0, tzinfo=timezone.utc)),
    ],
)
def test_next_digest_time_is_the_next_hour_in_wib(now, hour, expected):
    assert next_digest_time(now, hour) == expected


def test_forward_plan_turns_email_into_the_digest_for_a_digest_agency():
    contact = Contact(email="a@dinas.example.go.id", webhook="https://dinas.invalid/hook")
    daily = Agency("dinas", "Dinas", contact, frozenset({"lainnya"}), ("13",), ("email", "webhook"), digest=True)
    direct = Agency("dinas", "Dinas", contact, frozenset({"lainnya"}), ("13",), ("webhook", "email"))

    assert forward_plan(daily, NOW, 7) == (["digest", "webhook"], {"digest": datetime(2026, 11, 29, tzinfo=timezone.utc)})
    assert forward_plan(direct, NOW, 7)[0] == ["webhook", "email"]
