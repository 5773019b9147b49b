"""The service-level clocks of a complaint, counted in working days. Pure.

    stage    starts at      runs while the status is         when it runs out
    verify   created_at     awaiting_verification            a breach (an officer is late)
    respond  forwarded_at   forwarded, in_progress           a breach (the agency is late)
    close    responded_at   responded                        the complaint closes by itself

Deadlines follow `ingest.workdays` (same WIB clock time N working days later). Only one clock
runs at a time; a complaint in any other status, or whose stage has no start time, has none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ingest.workdays import WorkCalendar

STAGES = ("verify", "respond", "close")
# The stages whose running out is somebody's missed deadline (sla_breach.stage).
BREACH_STAGES = ("verify", "respond")
_STAGE_OF_STATUS = {
    "awaiting_verification": "verify",
    "forwarded": "respond",
    "in_progress": "respond",
    "responded": "close",
}


@dataclass(frozen=True)
class SlaSettings:
    """How many working days each stage may take."""

    verify_days: int = 3
    respond_days: int = 5
    close_days: int = 10

    def __post_init__(self) -> None:
        for stage in STAGES:
            days = self.days(stage)
            if not isinstance(days, int) or days < 1:
                raise ValueError(f"{stage}_days must be a whole number of at least 1, not {days!r}")

    def days(self, stage: str) -> int:
        """Return the working days allowed for `stage`."""
        return getattr(self, f"{stage}_days")


@dataclass(frozen=True)
class SlaClock:
    """The running clock of one stage at `now`."""

    stage: str
    started_at: datetime
    deadline: datetime
    remaining: timedelta  # wall-clock time to the deadline; negative once it has passed
    working_days_left: float  # in working days; negative once it has passed
    overdue: bool
    text: str  # "2 working days left", "overdue by 1 working day", ...


@dataclass(frozen=True)
class SlaBreach:
    """A stage of a complaint that ran out: what `sla_breach` records."""

    complaint_id: int
    stage: str
    deadline: datetime


class SlaTimes(Protocol):
    """What the clocks read of a complaint (a ComplaintRow has it all)."""

    id: int | None
    status: str
    created_at: datetime
    forwarded_at: datetime | None
    responded_at: datetime | None


def sla_clock(
    status: str,
    created_at: datetime,
    forwarded_at: datetime | None,
    responded_at: datetime | None,
    settings: SlaSettings,
    calendar: WorkCalendar,
    now: datetime,
) -> SlaClock | None:
    """Return the clock running for a complaint in `status` at `now`, or None when none runs."""
    stage = _STAGE_OF_STATUS.get(status)
    started_at = {"verify": created_at, "respond": forwarded_at, "close": responded_at}.get(stage or "")
    if stage is None or started_at is None:
        return None
    deadline = calendar.add_working_days(started_at, settings.days(stage))
    left = calendar.working_days_between(now, deadline)
    overdue = now > deadline
    return SlaClock(stage, started_at, deadline, deadline - now, left, overdue, describe(stage, left, overdue))


def describe(stage: str, working_days_left: float, overdue: bool) -> str:
    """Return a short text for a clock: "2 working days left", "overdue by 1 working day"..."""
    if stage == "close":
        if overdue:
            return "due to close automatically"
        return f"closes automatically in {_amount(working_days_left)}"
    if overdue:
        return f"overdue by {_amount(-working_days_left)}"
    return f"{_amount(working_days_left)} left"


def is_within(deadline: datetime, done_at: datetime | None, now: datetime) -> bool:
    """Return whether a stage met its deadline: done by then, or not done and not yet due."""
    return done_at <= deadline if done_at is not None else now <= deadline


def clock_of(complaint: SlaTimes, settings: SlaSettings, calendar: WorkCalendar, now: datetime) -> SlaClock | None:
    """Return the clock of a complaint row (or anything with its times)."""
    return sla_clock(complaint.status, complaint.created_at, complaint.forwarded_at, complaint.responded_at,
                     settings, calendar, now)


def breaches(
    complaints: Iterable[SlaTimes], settings: SlaSettings, calendar: WorkCalendar, now: datetime
) -> list[SlaBreach]:
    """Return the verify and respond deadlines that have passed among `complaints`."""
    found = []
    for complaint in complaints:
        clock = clock_of(complaint, settings, calendar, now)
        if clock is not None and clock.overdue and clock.stage in BREACH_STAGES and complaint.id is not None:
            found.append(SlaBreach(complaint.id, clock.stage, clock.deadline))
    return found


def due_to_close(
    complaints: Iterable[SlaTimes], settings: SlaSettings, calendar: WorkCalendar, now: datetime
) -> list[int]:
    """Return the ids of responded complaints whose close stage ran out (nobody reacted)."""
    found = []
    for complaint in complaints:
        clock = clock_of(complaint, settings, calendar, now)
        if clock is not None and clock.stage == "close" and clock.overdue and complaint.id is not None:
            found.append(complaint.id)
    return found


def _amount(working_days: float) -> str:
    whole = math.floor(working_days + 1e-9)  # 2.9999999 is 3 after float sums over hours
    if whole < 1:
        return "less than 1 working day"
    return f"{whole} working day" + ("" if whole == 1 else "s")
