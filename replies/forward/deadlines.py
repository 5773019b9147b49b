"""The SLA job: keep each open complaint's deadline, flag and notify breaches once, auto-close.

Stages (in working days, see ingest.workdays): an officer verifies within LAPOR_SLA_VERIFY_DAYS
of the complaint, the agency responds within LAPOR_SLA_RESPOND_DAYS of the forward, and a
responded complaint closes by itself LAPOR_SLA_CLOSE_DAYS after the response if the citizen
did not react (a new mention in the complaint after the response sends it to review instead).
A breach is recorded once per complaint, stage and deadline (a unique row), and notified once:
by e-mail to LAPOR_OFFICER_EMAIL, and for the respond stage to the agency's own channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ingest.store.deadlines import Calendar, refresh_deadlines
from ingest.sla import SlaSettings
from ingest.store.audit import record_audit
from ingest.store.followups import StatusChangeError, transition
from ingest.store.forwards import OFFICERS, queue_forward
from ingest.store.models import ComplaintRow, MentionRow, SlaBreachRow
from ingest.store.store import Store, add_event
from replies.forward.outbox import ForwardConfig

BREACH_STAGES = ("verify", "respond")


@dataclass
class SlaReport:
    """What one tick of the SLA job did."""

    deadlines: int = 0
    breaches: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    reacted: list[str] = field(default_factory=list)


def sla_tick(store: Store, now: datetime, config: ForwardConfig, calendar: Calendar, sla: SlaSettings) -> SlaReport:
    """Run one tick: set missing deadlines, record and notify new breaches, auto-close."""
    report = SlaReport(deadlines=refresh_deadlines(store, calendar, sla))
    with store.session() as session:
        recorded = select(SlaBreachRow.id).where(
            SlaBreachRow.complaint_id == ComplaintRow.id, SlaBreachRow.stage == ComplaintRow.due_stage,
            SlaBreachRow.deadline == ComplaintRow.due_at,
        ).exists()
        overdue = list(session.exec(select(ComplaintRow).where(
            col(ComplaintRow.due_stage).in_(BREACH_STAGES), col(ComplaintRow.due_at) < now, ~recorded,
        ).order_by(col(ComplaintRow.due_at)).limit(500)))
    for complaint in overdue:
        if _breach(store, complaint, now, config):
            report.breaches.append(f"{complaint.tracking_number} ({complaint.due_stage})")
    with store.session() as session:
        expired = list(session.exec(select(ComplaintRow).where(
            ComplaintRow.status == "responded", ComplaintRow.due_stage == "close", col(ComplaintRow.due_at) < now,
            ComplaintRow.needs_review == False,  # noqa: E712 - SQL; those went to review instead of closing
        ).limit(500)))
    for complaint in expired:
        _close_or_review(store, complaint, now, sla, report)
    return report


def _breach(store: Store, complaint: ComplaintRow, now: datetime, config: ForwardConfig) -> bool:
    stage, deadline = complaint.due_stage, complaint.due_at
    assert stage is not None and deadline is not None
    try:
        with store.session() as session:
            fresh = session.get(ComplaintRow, complaint.id)
            if fresh is None or fresh.due_stage != stage:
                return False
            with session.begin_nested():
                session.add(SlaBreachRow(complaint_id=fresh.id, stage=stage, deadline=deadline, detected_at=now))
            told = _notify(session, fresh, stage, now, config)
            breach = session.exec(select(SlaBreachRow).where(
                SlaBreachRow.complaint_id == fresh.id, SlaBreachRow.stage == stage,
                SlaBreachRow.deadline == deadline)).one()
            breach.notified = ",".join(told)
            late = "verification" if stage == "verify" else f"the response of {fresh.agency_id or 'the agency'}"
            reason = f"{late} was due {deadline.isoformat()}; notified: {', '.join(told) or 'nobody configured'}"
            record_audit(session, fresh.id, "bot:sla", "sla_breach", now, field=stage,
                         value=deadline.isoformat(), reason=reason)
            add_event(session, "sla_breach", f"{fresh.tracking_number}: {reason}", now, level="warning",
                      complaint_id=fresh.id)
            return True
    except IntegrityError:
        return False  # recorded (and notified) before: once per breach


def _notify(session: Session, complaint: ComplaintRow, stage: str, now: datetime, config: ForwardConfig) -> list[str]:
    told = []
    purpose = f"breach:{stage}"
    if config.officer_email:
        if queue_forward(session, complaint, OFFICERS, ["email"], now, purpose=purpose):
            told.append("officers by e-mail")
    if stage == "respond" and complaint.agency_id:
        agency = next((a for a in config.routing.agencies if a.id == complaint.agency_id), None)
        channel = None
        if agency is not None:
            channel = "webhook" if "webhook" in agency.forward_by else ("email" if agency.contact.email else None)
        if channel and queue_forward(session, complaint, complaint.agency_id, [channel], now, purpose=purpose):
            told.append(f"{complaint.agency_id} by {channel}")
    return told


def _close_or_review(store: Store, complaint: ComplaintRow, now: datetime, sla: SlaSettings, report: SlaReport) -> None:
    with store.session() as session:
        fresh = session.get(ComplaintRow, complaint.id)
        if fresh is None or fresh.status != "responded" or fresh.responded_at is None:
            return
        responded = fresh.responded_at if fresh.responded_at.tzinfo else fresh.responded_at.replace(tzinfo=timezone.utc)
        reactions = session.exec(select(func.count()).select_from(MentionRow).where(
            MentionRow.complaint_id == fresh.id, MentionRow.created_at > responded)).one()
        if reactions:
            if not fresh.needs_review:
                fresh.needs_review, fresh.updated_at = True, now
                record_audit(session, fresh.id, "bot:sla", "needs_review", now, field="needs_review",
                             previous="False", value="True",
                             reason=f"the citizen wrote {reactions} time(s) after the response: not auto-closed")
                report.reacted.append(fresh.tracking_number)
            return
        try:
            transition(session, fresh, "closed", now, actor="bot:sla",
                       reason=f"no reaction within {sla.close_days} working days of the response")
        except StatusChangeError:
            return
        fresh.due_stage = fresh.due_at = None
        report.closed.append(fresh.tracking_number)
