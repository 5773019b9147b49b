"""The SLA clocks: which stage runs in which status, deadlines in working days, texts, breaches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from ingest.sla import SlaBreach, SlaSettings, breaches, due_to_close, sla_clock
from ingest.workdays import WIB, WorkCalendar, parse_overrides

CALENDAR = WorkCalendar()
DEFAULT = SlaSettings()


def wib(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WIB)


@dataclass
class Times:
    id: int | None
    status: str
    created_at: datetime
    forwarded_at: datetime | None = None
    responded_at: datetime | None = None


# Friday 13 March 2026, 14:00 WIB; Nyepi, Idul Fitri and their cuti bersama fall on 18-24 March.
MARCH = wib(2026, 3, 13, 14)
# Tuesday 22 December 2026, 10:00 WIB; 24-25 December are cuti bersama and Christmas.
DECEMBER = wib(2026, 12, 22, 10)


@pytest.mark.parametrize(
    ("status", "forwarded_at", "responded_at", "now", "stage", "deadline", "text"),
    [
        ("awaiting_verification", None, None, wib(2026, 3, 16, 14), "verify", wib(2026, 3, 25, 14),
         "2 working days left"),
        ("awaiting_verification", None, None, wib(2026, 3, 17, 14), "verify", wib(2026, 3, 25, 14),
         "1 working day left"),  # the rest of Tuesday and Wednesday morning; the week between is off
        ("awaiting_verification", None, None, wib(2026, 3, 25, 9), "verify", wib(2026, 3, 25, 14),
         "less than 1 working day left"),
        ("awaiting_verification", None, None, wib(2026, 3, 25, 20), "verify", wib(2026, 3, 25, 14),
         "overdue by less than 1 working day"),
        ("awaiting_verification", None, None, wib(2026, 3, 26, 15), "verify", wib(2026, 3, 25, 14),
         "overdue by 1 working day"),
        # Five working days from Tuesday 22 December: 23, 28, 29, 30, 31.
        ("forwarded", DECEMBER, None, wib(2026, 12, 23, 10), "respond", wib(2026, 12, 31, 10),
         "4 working days left"),
        ("in_progress", DECEMBER, None, wib(2027, 1, 6, 10), "respond", wib(2026, 12, 31, 10),
         "overdue by 2 working days"),  # New Year's Day, a weekend and Isra Mi'raj (5 January) do not count
        # Ten working days from Tuesday 1 December: 2-4, 7-11, 14, 15.
        ("responded", DECEMBER, wib(2026, 12, 1, 9), wib(2026, 12, 14, 9), "close", wib(2026, 12, 15, 9),
         "closes automatically in 1 working day"),
        ("responded", DECEMBER, wib(2026, 12, 1, 9), wib(2026, 12, 16, 9), "close", wib(2026, 12, 15, 9),
         "due to close automatically"),
    ],
)
def test_the_clock_of_each_status_counts_working_days(status, forwarded_at, responded_at, now, stage, deadline, text):
    clock = sla_clock(status, MARCH, forwarded_at, responded_at, DEFAULT, CALENDAR, now)
    assert clock is not None
    assert (clock.stage, clock.deadline, clock.text) == (stage, deadline, text)
    assert clock.remaining == deadline - now
    assert clock.overdue is (now > deadline) is (clock.remaining < timedelta(0))
    assert clock.started_at == {"verify": MARCH, "respond": forwarded_at, "close": responded_at}[stage]


@pytest.mark.parametrize(
    ("status", "forwarded_at", "responded_at"),
    [
        ("verified", None, None),
        ("closed", DECEMBER, DECEMBER),
        ("rejected", None, None),
        ("merged", None, None),
        ("archived", DECEMBER, DECEMBER),
        ("forwarded", None, None),  # no start time: no clock
        ("responded", DECEMBER, None),
    ],
)
def test_no_clock_runs_outside_its_statuses_or_without_a_start(status, forwarded_at, responded_at):
    assert sla_clock(status, MARCH, forwarded_at, responded_at, DEFAULT, CALENDAR, wib(2027, 1, 1)) is None


def test_the_days_come_from_the_settings():
    quick = SlaSettings(verify_days=1, respond_days=2, close_days=3)
    clock = sla_clock("awaiting_verification", MARCH, None, None, quick, CALENDAR, MARCH)
    assert clock is not None and clock.deadline == wib(2026, 3, 16, 14)
    clock = sla_clock("forwarded", MARCH, DECEMBER, None, quick, CALENDAR, DECEMBER)
    assert clock is not None and clock.deadline == wib(2026, 12, 28, 10)


def test_an_override_file_moves_the_deadline():
    local = WorkCalendar(parse_overrides("2026-12-31, holiday, Cuti bersama daerah\n2026-12-26, workday, Shifted"))
    clock = sla_clock("forwarded", MARCH, DECEMBER, None, DEFAULT, local, DECEMBER)
    # 23, Saturday 26, 28, 29, 30 (31 is off now).
    assert clock is not None and clock.deadline == wib(2026, 12, 30, 10)


@pytest.mark.parametrize("field", ["verify_days", "respond_days", "close_days"])
@pytest.mark.parametrize("value", [0, -1, 2.5])
def test_settings_refuse_days_that_are_not_whole_and_positive(field, value):
    with pytest.raises(ValueError, match=field):
        SlaSettings(**{field: value})


def test_breaches_list_the_verify_and_respond_deadlines_that_passed():
    now = wib(2027, 1, 5, 10)
    complaints = [
        Times(1, "awaiting_verification", MARCH),
        Times(2, "awaiting_verification", wib(2027, 1, 4, 9)),  # still in time
        Times(3, "forwarded", MARCH, forwarded_at=DECEMBER),
        Times(4, "in_progress", MARCH, forwarded_at=wib(2027, 1, 4, 9)),  # still in time
        Times(5, "responded", MARCH, DECEMBER, responded_at=wib(2026, 12, 1, 9)),  # closes, no breach
        Times(6, "closed", MARCH, DECEMBER, DECEMBER),
    ]
    assert breaches(complaints, DEFAULT, CALENDAR, now) == [
        SlaBreach(1, "verify", wib(2026, 3, 25, 14)),
        SlaBreach(3, "respond", wib(2026, 12, 31, 10)),
    ]
    assert due_to_close(complaints, DEFAULT, CALENDAR, now) == [5]
