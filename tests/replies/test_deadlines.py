"""The SLA job: deadlines in Indonesian working days, breaches recorded and notified once, auto-close."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from ingest.store.deadlines import refresh_deadlines
from ingest.store.review import record_response
from ingest.routing import load_routing
from ingest.sla import SlaSettings
from ingest.store.audit import audit_trail
from ingest.store.followups import followups_of
from ingest.store.models import AuditRow, ComplaintRow, ForwardRow, MentionRow, SlaBreachRow
from ingest.store.store import Store
from ingest.workdays import WorkCalendar
from replies.forward.deadlines import sla_tick
from replies.forward.outbox import ForwardConfig

UTC = timezone.utc
NYEPI_EVE = datetime(2026, 3, 17, 3, 0, tzinfo=UTC)  # Tuesday 17 March 2026, 10:00 WIB
MONDAY = datetime(2026, 7, 6, 3, 0, tzinfo=UTC)  # Monday 6 July 2026, 10:00 WIB: July has no holiday
OFFICERS_MAIL = "pengaduan@lapor.example.go.id"
SLA = SlaSettings(verify_days=3, respond_days=5, close_days=10)


@pytest.fixture
def db(store: Store) -> Store:
    """Return a migrated store of the test's own (tests/conftest.py: SQLite, or PostgreSQL)."""
    return store


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    """Return the real Indonesian calendar (the `holidays` package, public and government days)."""
    return WorkCalendar()


@pytest.fixture(scope="module")
def routing():
    return load_routing()


def config(routing, officer_email: str | None = OFFICERS_MAIL) -> ForwardConfig:
    return ForwardConfig(routing=routing, status_url="https://lapor.example.go.id/s/{tracking_number}",
                         officer_email=officer_email)


def number(n: int) -> str:
    return f"LPR-2603-{n:05d}"


def add_complaint(store: Store, n: int, created_at: datetime, **fields) -> ComplaintRow:
    """Insert complaint number `n` made at `created_at` (awaiting verification unless `fields` say otherwise)."""
    values = {
        "tracking_number": number(n), "first_tweet_id": str(1861000000000000000 + n), "author_id": "2244994945",
        "text": "Puskesmas tutup", "kind": "pengaduan", "category": "kesehatan", "language": "id",
        "acknowledgement": "posted", "acknowledgement_reason": "acknowledged", "created_at": created_at,
        "updated_at": created_at, **fields,
    }
    with store.session() as session:
        row = ComplaintRow(**values)
        session.add(row)
        session.flush()
        return row


def forwarded(store: Store, n: int, at: datetime, agency_id: str = "dinkes-sumbar", **fields) -> ComplaintRow:
    """Insert a complaint forwarded to `agency_id` at `at`."""
    values = {"status": "forwarded", "agency_id": agency_id, "verified_at": at - timedelta(hours=1),
              "forwarded_at": at, **fields}
    return add_complaint(store, n, at - timedelta(hours=2), **values)


def responded(store: Store, n: int, at: datetime, **fields) -> ComplaintRow:
    """Insert a complaint its agency responded to at `at`."""
    return forwarded(store, n, at - timedelta(days=1), status="responded", responded_at=at, **fields)


def add_mention(store: Store, tweet_id: str, complaint_id: int, created_at: datetime) -> None:
    with store.session() as session:
        session.add(MentionRow(
            tweet_id=tweet_id, author_id="2244994945", text="Belum beres!", created_at=created_at, language="id",
            original_id=tweet_id, referenced_json="[]", link="repeat", link_reason="same author",
            complaint_id=complaint_id, kind="pengaduan", category="kesehatan", reasons_json="[]", raw_json="{}",
            fetched_at=created_at,
        ))


def current(store: Store, n: int) -> ComplaintRow:
    complaint = store.complaint(number(n))
    assert complaint is not None
    return complaint


def all_of(store: Store, table) -> list:
    return store.read(lambda s: list(s.exec(select(table).order_by(table.id))))


def breach_audit(store: Store, n: int) -> list[AuditRow]:
    return [a for a in audit_trail(store, current(store, n).id) if a.action == "sla_breach"]


# --- deadlines ----------------------------------------------------------------------------------
def test_the_calendar_has_nyepi_idul_fitri_and_cuti_bersama_from_18_to_24_march_2026(calendar):
    days_off = [date(2026, 3, d) for d in range(18, 25)]

    assert [calendar.is_working_day(d) for d in days_off] == [False] * 7
    assert calendar.holiday_name(date(2026, 3, 19)) == "Day of Silence"  # Nyepi
    assert calendar.holiday_name(date(2026, 3, 21)) == "Eid al-Fitr"
    assert "Joint Holiday" in calendar.holiday_name(date(2026, 3, 18))  # cuti bersama, a weekday
    assert "Joint Holiday" in calendar.holiday_name(date(2026, 3, 24))
    assert calendar.is_working_day(date(2026, 3, 17)) and calendar.is_working_day(date(2026, 3, 25))


def test_a_verify_deadline_skips_the_holidays_and_the_weekend(db, calendar):
    add_complaint(db, 1, NYEPI_EVE)

    assert refresh_deadlines(db, calendar, SLA) == 1

    complaint = current(db, 1)
    # Three working days after Tue 17 March: Wed 25, Thu 26, Fri 27 March, 10:00 WIB.
    assert (complaint.due_stage, complaint.due_at) == ("verify", datetime(2026, 3, 27, 3, 0, tzinfo=UTC))


def test_without_the_holidays_the_same_complaint_is_due_a_week_earlier(db):
    add_complaint(db, 1, NYEPI_EVE)

    refresh_deadlines(db, WorkCalendar(national=lambda year: {}), SLA)

    assert current(db, 1).due_at == datetime(2026, 3, 20, 3, 0, tzinfo=UTC)


def test_each_open_stage_gets_its_clock_from_its_own_start(db, calendar):
    add_complaint(db, 1, datetime(2026, 7, 10, 7, 0, tzinfo=UTC))  # Friday 14:00 WIB
    add_complaint(db, 2, datetime(2026, 7, 10, 20, 0, tzinfo=UTC))  # Friday in UTC, Saturday 03:00 in WIB
    forwarded(db, 3, MONDAY)
    forwarded(db, 4, MONDAY, status="in_progress")
    responded(db, 5, MONDAY)
    add_complaint(db, 6, MONDAY, status="closed", due_stage="respond", due_at=MONDAY)
    add_complaint(db, 7, MONDAY, status="rejected")

    assert refresh_deadlines(db, calendar, SLA) == 6

    clocks = {n: (current(db, n).due_stage, current(db, n).due_at) for n in range(1, 8)}
    assert clocks == {
        1: ("verify", datetime(2026, 7, 15, 7, 0, tzinfo=UTC)),  # Wednesday 14:00 WIB
        2: ("verify", datetime(2026, 7, 15, 17, 0, tzinfo=UTC)),  # Thursday 00:00 WIB: Mon, Tue, Wed whole
        3: ("respond", datetime(2026, 7, 13, 3, 0, tzinfo=UTC)),
        4: ("respond", datetime(2026, 7, 13, 3, 0, tzinfo=UTC)),
        5: ("close", datetime(2026, 7, 20, 3, 0, tzinfo=UTC)),
        6: (None, None),  # a closed complaint runs no clock
        7: (None, None),
    }
    assert refresh_deadlines(db, calendar, SLA) == 0  # set once: nothing to do the second time


def test_a_new_status_gets_the_clock_of_its_stage(db, calendar):
    add_complaint(db, 1, MONDAY, status="responded", responded_at=MONDAY, due_stage="respond",
                  due_at=MONDAY - timedelta(days=1))

    refresh_deadlines(db, calendar, SLA)

    assert (current(db, 1).due_stage, current(db, 1).due_at) == ("close", datetime(2026, 7, 20, 3, 0, tzinfo=UTC))


def test_a_response_restarts_the_clock_at_the_close_stage(db, calendar, routing):
    forwarded(db, 1, MONDAY)
    refresh_deadlines(db, calendar, SLA)
    answered = MONDAY + timedelta(days=1)

    record_response(db, number(1), "responded", "Sudah ditangani", "agency:dinkes-sumbar", answered, source="cli")
    report = sla_tick(db, answered, config(routing), calendar, SLA)

    assert report.deadlines == 1
    assert (current(db, 1).due_stage, current(db, 1).due_at) == ("close", datetime(2026, 7, 21, 3, 0, tzinfo=UTC))


# --- breaches ------------------------------------------------------------------------------------
def test_no_breach_before_the_deadline(db, calendar, routing):
    add_complaint(db, 1, NYEPI_EVE)

    report = sla_tick(db, datetime(2026, 3, 27, 2, 59, tzinfo=UTC), config(routing), calendar, SLA)

    assert report.breaches == [] and all_of(db, SlaBreachRow) == [] and all_of(db, ForwardRow) == []


def test_a_verify_breach_is_recorded_and_notified_once_across_two_ticks(db, calendar, routing):
    add_complaint(db, 1, NYEPI_EVE)
    first_tick = datetime(2026, 3, 27, 3, 1, tzinfo=UTC)

    first = sla_tick(db, first_tick, config(routing), calendar, SLA)
    second = sla_tick(db, first_tick + timedelta(days=1), config(routing), calendar, SLA)

    assert first.breaches == [f"{number(1)} (verify)"] and second.breaches == []
    [breach] = all_of(db, SlaBreachRow)
    assert (breach.stage, breach.deadline, breach.detected_at, breach.notified) == (
        "verify", datetime(2026, 3, 27, 3, 0, tzinfo=UTC), first_tick, "officers by e-mail")
    [notice] = all_of(db, ForwardRow)
    assert (notice.agency_id, notice.channel, notice.purpose, notice.status, notice.next_attempt_at) == (
        "officers", "email", "breach:verify", "queued", first_tick)
    [line] = breach_audit(db, 1)
    assert (line.actor, line.field, line.value) == ("bot:sla", "verify", "2026-03-27T03:00:00+00:00")
    assert "verification was due" in line.reason and "officers by e-mail" in line.reason


@pytest.mark.parametrize(
    ("agency_id", "officer_email", "notices", "notified"),
    [
        ("dinkes-sumbar", OFFICERS_MAIL, [("officers", "email"), ("dinkes-sumbar", "webhook")],
         "officers by e-mail,dinkes-sumbar by webhook"),
        ("dpupr-sumbar", OFFICERS_MAIL, [("officers", "email"), ("dpupr-sumbar", "email")],
         "officers by e-mail,dpupr-sumbar by email"),
        ("perumda-air-padang", None, [("perumda-air-padang", "webhook")], "perumda-air-padang by webhook"),
    ],
)
def test_a_respond_breach_also_tells_the_agency_by_its_channel(db, calendar, routing, agency_id, officer_email,
                                                               notices, notified):
    forwarded(db, 1, MONDAY, agency_id=agency_id)
    late = datetime(2026, 7, 13, 3, 1, tzinfo=UTC)

    report = sla_tick(db, late, config(routing, officer_email), calendar, SLA)
    sla_tick(db, late + timedelta(hours=6), config(routing, officer_email), calendar, SLA)

    assert report.breaches == [f"{number(1)} (respond)"]
    assert [(r.agency_id, r.channel, r.purpose) for r in all_of(db, ForwardRow)] == [
        (agency, channel, "breach:respond") for agency, channel in notices]
    assert [b.notified for b in all_of(db, SlaBreachRow)] == [notified]
    assert len(breach_audit(db, 1)) == 1


def test_a_breach_with_nobody_to_tell_is_still_recorded(db, calendar, routing):
    add_complaint(db, 1, NYEPI_EVE)

    sla_tick(db, datetime(2026, 3, 30, tzinfo=UTC), config(routing, officer_email=None), calendar, SLA)

    assert [(b.stage, b.notified) for b in all_of(db, SlaBreachRow)] == [("verify", "")]
    assert all_of(db, ForwardRow) == []
    assert "nobody configured" in breach_audit(db, 1)[0].reason


def test_moving_on_within_the_same_stage_does_not_notify_the_same_deadline_again(db, calendar, routing):
    forwarded(db, 1, MONDAY)
    late = datetime(2026, 7, 14, tzinfo=UTC)
    sla_tick(db, late, config(routing), calendar, SLA)

    record_response(db, number(1), "in_progress", "sedang dicek", "agency:dinkes-sumbar", late, source="cli")
    report = sla_tick(db, late + timedelta(hours=1), config(routing), calendar, SLA)

    assert report.deadlines == 1 and report.breaches == []  # the respond clock still runs from the forward
    assert len(all_of(db, SlaBreachRow)) == 1 and len(all_of(db, ForwardRow)) == 2


def test_each_overdue_complaint_gets_its_own_breach(db, calendar, routing):
    add_complaint(db, 1, NYEPI_EVE)
    add_complaint(db, 2, NYEPI_EVE + timedelta(hours=1))
    forwarded(db, 3, MONDAY)

    report = sla_tick(db, datetime(2026, 7, 20, tzinfo=UTC), config(routing), calendar, SLA)

    assert report.breaches == [f"{number(1)} (verify)", f"{number(2)} (verify)", f"{number(3)} (respond)"]
    assert len(all_of(db, SlaBreachRow)) == 3


def test_an_agency_is_not_told_it_is_late_on_a_complaint_it_never_received(db, calendar, routing):
    add_complaint(db, 1, MONDAY - timedelta(hours=2), status="verified", agency_id="dinkes-sumbar",
                  verified_at=MONDAY)  # auto-forward off, nobody forwarded it

    sla_tick(db, datetime(2026, 7, 20, tzinfo=UTC), config(routing), calendar, SLA)

    assert [r.agency_id for r in all_of(db, ForwardRow) if r.agency_id == "dinkes-sumbar"] == []


# --- auto-close ------------------------------------------------------------------------------------
def test_a_responded_complaint_closes_itself_after_close_days(db, calendar, routing):
    complaint = responded(db, 1, MONDAY)
    settings = SlaSettings(close_days=2)  # due Wednesday 8 July, 10:00 WIB

    early = sla_tick(db, datetime(2026, 7, 8, 2, 59, tzinfo=UTC), config(routing), calendar, settings)
    assert early.closed == [] and current(db, 1).status == "responded"

    closing = datetime(2026, 7, 8, 3, 1, tzinfo=UTC)
    report = sla_tick(db, closing, config(routing), calendar, settings)

    fresh = current(db, 1)
    assert report.closed == [number(1)] and report.breaches == []
    assert (fresh.status, fresh.closed_at, fresh.due_stage, fresh.due_at) == ("closed", closing, None, None)
    assert [f.status for f in followups_of(db, complaint.id)] == ["closed"]
    [line] = [a for a in audit_trail(db, complaint.id) if a.action == "status"]
    assert (line.actor, line.previous, line.value) == ("bot:sla", "responded", "closed")
    assert "2 working days" in line.reason
    assert sla_tick(db, closing + timedelta(days=1), config(routing), calendar, settings).closed == []


def test_the_close_clock_counts_working_days(db, calendar, routing):
    responded(db, 1, datetime(2026, 3, 17, 3, 0, tzinfo=UTC))  # before Nyepi
    settings = SlaSettings(close_days=2)  # Wed 25 and Thu 26 March

    assert sla_tick(db, datetime(2026, 3, 26, 3, 0, tzinfo=UTC), config(routing), calendar, settings).closed == []
    assert sla_tick(db, datetime(2026, 3, 26, 3, 1, tzinfo=UTC), config(routing), calendar,
                    settings).closed == [number(1)]


def test_a_citizen_who_wrote_after_the_response_sends_it_to_review_instead(db, calendar, routing):
    complaint = responded(db, 1, MONDAY)
    add_mention(db, "1861000000000000777", complaint.id, MONDAY + timedelta(hours=3))
    late = datetime(2026, 7, 21, tzinfo=UTC)

    first = sla_tick(db, late, config(routing), calendar, SLA)
    second = sla_tick(db, late + timedelta(days=1), config(routing), calendar, SLA)

    fresh = current(db, 1)
    assert (fresh.status, fresh.needs_review, fresh.closed_at) == ("responded", True, None)
    assert (first.closed, first.reacted, second.reacted) == ([], [number(1)], [])
    lines = [a for a in audit_trail(db, complaint.id) if a.action == "needs_review"]
    assert [(a.actor, a.previous, a.value) for a in lines] == [("bot:sla", "False", "True")]
    assert "1 time(s) after the response" in lines[0].reason
    assert followups_of(db, complaint.id) == []


def test_a_mention_before_the_response_does_not_stop_the_close(db, calendar, routing):
    complaint = responded(db, 1, MONDAY)
    add_mention(db, complaint.first_tweet_id, complaint.id, MONDAY - timedelta(days=2))
    add_mention(db, "1861000000000000778", complaint.id, MONDAY - timedelta(seconds=1))

    report = sla_tick(db, datetime(2026, 7, 21, tzinfo=UTC), config(routing), calendar, SLA)

    assert report.closed == [number(1)] and current(db, 1).needs_review is False


def test_a_new_breach_is_found_behind_many_recorded_ones(db, calendar, routing):
    old_deadline = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)
    with db.session() as session:
        for n in range(1, 501):
            complaint = ComplaintRow(
                tracking_number=number(n), first_tweet_id=str(1861000000000000000 + n), author_id="2244994945",
                text="Puskesmas tutup", kind="pengaduan", category="kesehatan", language="id",
                acknowledgement="posted", acknowledgement_reason="acknowledged", created_at=MONDAY,
                updated_at=MONDAY, due_stage="verify", due_at=old_deadline)
            session.add(complaint)
            session.flush()
            session.add(SlaBreachRow(complaint_id=complaint.id, stage="verify", deadline=old_deadline,
                                     detected_at=old_deadline, notified="officers by e-mail"))
    add_complaint(db, 501, MONDAY, due_stage="verify", due_at=MONDAY)

    report = sla_tick(db, MONDAY + timedelta(hours=1), config(routing), calendar, SLA)

    assert report.breaches == [f"{number(501)} (verify)"]
