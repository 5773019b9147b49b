"""Figures over the stored complaints: counts, median stage times and SLA compliance per agency.

Counts are SQL GROUP BYs; medians and compliance stream only the columns they need. `since`
keeps the complaints created at or after that moment. The tallies are pure functions.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ingest.sla import SlaSettings, is_within
from ingest.store.models import ComplaintRow, SlaBreachRow
from ingest.store.store import Store
from ingest.workdays import WorkCalendar

TOP_REGIONS = 20
NONE = "(none)"  # the key of complaints without a region or an agency
BATCH = 5000
# Stage: from which stamp to which, in hours.
MEDIAN_STAGES = {
    "acknowledge": ("created_at", "acknowledged_at"),
    "verify": ("created_at", "verified_at"),
    "forward": ("verified_at", "forwarded_at"),
    "respond": ("forwarded_at", "responded_at"),
}
# A complaint not responded to still counts for its agency while the respond clock runs;
# one rejected or merged away before any response is no longer the agency's to answer.
_AWAITING_AGENCY = ("forwarded", "in_progress")


@dataclass(frozen=True)
class Count:
    """How many complaints share one value (a region or agency, with its name)."""

    key: str
    name: str | None
    count: int


@dataclass(frozen=True)
class AgencyCompliance:
    """How one agency kept its respond deadline."""

    agency_id: str
    forwarded: int  # complaints forwarded to it that count
    within: int  # responded in time, or not yet due

    @property
    def share(self) -> float | None:
        """Return the share within time (0..1), or None with nothing forwarded."""
        return self.within / self.forwarded if self.forwarded else None


@dataclass(frozen=True)
class Stats:
    """Every figure `lapor-bot stats` shows."""

    total: int
    by_status: dict[str, int]
    by_kind: dict[str, int]
    by_category: dict[str, int]
    top_regions: tuple[Count, ...]
    by_agency: tuple[Count, ...]
    median_hours: dict[str, float | None]
    compliance: tuple[AgencyCompliance, ...]
    breaches_by_stage: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as JSON-ready values."""
        data = asdict(self)
        data["compliance"] = [{**asdict(c), "share": c.share} for c in self.compliance]
        return data


def fetch_stats(
    store: Store, settings: SlaSettings, calendar: WorkCalendar, now: datetime, since: datetime | None = None
) -> Stats:
    """Return the figures over the complaints created since `since` (None: all)."""
    return store.read(lambda session: _stats(session, settings, calendar, now, since))


def _stats(session: Session, settings: SlaSettings, calendar: WorkCalendar, now: datetime,
           since: datetime | None) -> Stats:
    by_status = _counts(session, "status", since)
    return Stats(
        total=sum(by_status.values()),
        by_status=by_status,
        by_kind=_counts(session, "kind", since),
        by_category=_counts(session, "category", since),
        top_regions=_named_counts(session, "region_code", "region_name", since, TOP_REGIONS),
        by_agency=_named_counts(session, "agency_id", "agency", since, None),
        median_hours={stage: median_hours(_durations(session, *columns, since))
                      for stage, columns in MEDIAN_STAGES.items()},
        compliance=tally_compliance(_forwarded(session, since), settings, calendar, now),
        breaches_by_stage=_breaches(session, since),
    )


def median_hours(seconds: Iterable[float]) -> float | None:
    """Return the median of durations given in seconds, in hours (None without any)."""
    values = list(seconds)
    return round(statistics.median(values) / 3600, 2) if values else None


def tally_compliance(
    forwarded: Iterable[tuple[str, str, datetime, datetime | None]],
    settings: SlaSettings,
    calendar: WorkCalendar,
    now: datetime,
) -> tuple[AgencyCompliance, ...]:
    """Count per agency the (agency_id, status, forwarded_at, responded_at) rows kept within time."""
    totals: dict[str, list[int]] = {}
    for agency_id, status, forwarded_at, responded_at in forwarded:
        if responded_at is None and status not in _AWAITING_AGENCY:
            continue
        deadline = calendar.add_working_days(forwarded_at, settings.respond_days)
        tally = totals.setdefault(agency_id, [0, 0])
        tally[0] += 1
        tally[1] += is_within(deadline, responded_at, now)
    return tuple(AgencyCompliance(agency, n, within) for agency, (n, within) in sorted(totals.items()))


def _since(query: Any, since: datetime | None) -> Any:
    return query if since is None else query.where(ComplaintRow.created_at >= since)


def _counts(session: Session, column: str, since: datetime | None) -> dict[str, int]:
    field = getattr(ComplaintRow, column)
    rows = session.execute(_since(select(field, func.count()), since).group_by(field))
    return {key or NONE: count for key, count in sorted(rows, key=lambda r: (-r[1], r[0] or ""))}


def _named_counts(session: Session, column: str, name_column: str, since: datetime | None,
                  limit: int | None) -> tuple[Count, ...]:
    field, name = getattr(ComplaintRow, column), getattr(ComplaintRow, name_column)
    count = func.count().label("n")
    query = _since(select(field, func.max(name), count), since).group_by(field).order_by(count.desc(), col(field).asc().nulls_last())
    rows = session.execute(query if limit is None else query.limit(limit))
    return tuple(Count(key or NONE, label, n) for key, label, n in rows)


def _durations(session: Session, start: str, end: str, since: datetime | None) -> Iterable[float]:
    first, last = getattr(ComplaintRow, start), getattr(ComplaintRow, end)
    query = _since(select(first, last).where(col(first).is_not(None), col(last).is_not(None)), since)
    rows = session.execute(query.execution_options(yield_per=BATCH))
    return ((b - a).total_seconds() for a, b in rows)


def _forwarded(session: Session, since: datetime | None) -> Iterable[tuple[str, str, datetime, datetime | None]]:
    query = select(ComplaintRow.agency_id, ComplaintRow.status, ComplaintRow.forwarded_at, ComplaintRow.responded_at)
    query = query.where(col(ComplaintRow.agency_id).is_not(None), col(ComplaintRow.forwarded_at).is_not(None))
    return session.execute(_since(query, since).execution_options(yield_per=BATCH))  # type: ignore[return-value]


def _breaches(session: Session, since: datetime | None) -> dict[str, int]:
    query = select(SlaBreachRow.stage, func.count()).group_by(SlaBreachRow.stage)
    if since is not None:
        query = query.join(ComplaintRow, col(ComplaintRow.id) == SlaBreachRow.complaint_id)
    return dict(sorted(session.execute(_since(query, since))))  # type: ignore[arg-type]
