"""The SLA clock each open complaint runs: its stage and deadline, kept on the complaint row.

A verified complaint not yet delivered runs no clock (the agency cannot be late on it); the
SLA job (replies/forward/deadlines.py) sets missing deadlines every tick, and every status
change clears the clock so the next stage's is set.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol

from sqlalchemy import or_
from sqlmodel import col, select

from ingest.sla import SlaSettings
from ingest.store.models import ComplaintRow
from ingest.store.store import Store

# The SLA stage each status is in, and the column its clock starts from.
STAGE_OF = {"awaiting_verification": "verify", "forwarded": "respond", "in_progress": "respond",
            "responded": "close"}


class Calendar(Protocol):
    """The working-day calendar the SLA clocks count in (ingest.workdays.WorkCalendar)."""

    def add_working_days(self, start: datetime, days: int) -> datetime: ...


def refresh_deadlines(store: Store, calendar: Calendar, sla: SlaSettings, *, limit: int = 5000) -> int:
    """Set the running SLA stage and deadline of open complaints whose clock is not set; return how many."""
    updated = 0
    with store.session() as session:
        for status, stage in STAGE_OF.items():
            rows = session.exec(select(ComplaintRow).where(
                ComplaintRow.status == status,
                or_(col(ComplaintRow.due_stage).is_(None), ComplaintRow.due_stage != stage),
            ).limit(limit))
            for complaint in rows:
                start = _stage_start(complaint, stage)
                complaint.due_stage = stage
                complaint.due_at = calendar.add_working_days(_aware(start), sla.days(stage))
                updated += 1
        # Closed, rejected, merged or archived complaints run no clock.
        for complaint in session.exec(select(ComplaintRow).where(
            col(ComplaintRow.status).not_in(tuple(STAGE_OF)), col(ComplaintRow.due_stage).is_not(None),
        ).limit(limit)):
            complaint.due_stage = complaint.due_at = None
            updated += 1
    return updated


def _stage_start(complaint: ComplaintRow, stage: str) -> datetime:
    if stage == "verify":
        return complaint.created_at
    if stage == "respond":
        return complaint.forwarded_at or complaint.verified_at or complaint.status_changed_at or complaint.created_at
    return complaint.responded_at or complaint.status_changed_at or complaint.created_at




def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
