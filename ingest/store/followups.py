"""Complaint status changes and the follow-ups they owe the citizen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ingest.lifecycle import STATUSES, TransitionError, check_transition
from ingest.store.audit import record_audit
from ingest.store.models import ComplaintRow, FollowupRow, ReplyRow
from ingest.store.store import Store, add_event

COMPLAINT_STATUSES = STATUSES
# The statuses the citizen hears about (replies.templates.FOLLOWUP has a text for each).
ANNOUNCED = ("verified", "forwarded", "responded", "closed")
# The column that keeps when a complaint (last) reached a stage.
_STAMPS = {"verified": "verified_at", "forwarded": "forwarded_at", "responded": "responded_at",
           "closed": "closed_at"}


class StatusChangeError(ValueError):
    """A status change that cannot be made; the message says why."""


def change_status(
    store: Store,
    tracking_number: str,
    status: str,
    now: datetime,
    *,
    announce: bool,
    agency: str | None = None,
    actor: str = "officer",
    note: str = "",
) -> ComplaintRow:
    """Set a complaint's status, log who and why, and owe a follow-up if `announce`."""
    if status not in COMPLAINT_STATUSES:
        raise StatusChangeError(f"unknown status {status!r}; one of: {', '.join(COMPLAINT_STATUSES)}")
    with store.session() as session:
        complaint = session.exec(select(ComplaintRow).where(ComplaintRow.tracking_number == tracking_number)).first()
        if complaint is None:
            raise StatusChangeError(f"no complaint {tracking_number}")
        transition(session, complaint, status, now, actor=actor, reason=note, announce=announce, agency=agency)
        return complaint


def transition(
    session: Session,
    complaint: ComplaintRow,
    status: str,
    now: datetime,
    *,
    actor: str,
    reason: str = "",
    announce: bool = True,
    agency: str | None = None,
) -> str:
    """Move a complaint to `status` inside an open session: check, stamp, audit, owe the follow-up.

    Return the previous status; raise StatusChangeError for a move the lifecycle refuses.
    """
    try:
        check_transition(complaint.status, status)
    except TransitionError as exc:
        raise StatusChangeError(f"{complaint.tracking_number}: {exc}") from None
    previous = complaint.status
    complaint.status, complaint.updated_at, complaint.status_changed_at = status, now, now
    complaint.agency = agency or complaint.agency
    if stamp := _STAMPS.get(status):
        setattr(complaint, stamp, now)
    record_audit(session, complaint.id, actor, "status", now, field="status", previous=previous, value=status,
                 reason=reason)
    detail = f"{previous} -> {status} by {actor}" + (f": {reason}" if reason else "")
    add_event(session, "status_changed", detail, now, complaint_id=complaint.id)
    if announce and status in ANNOUNCED:
        _owe_followup(session, complaint, status, now)
    return previous


def _owe_followup(session: Session, complaint: ComplaintRow, status: str, now: datetime) -> None:
    assert complaint.id is not None
    try:
        with session.begin_nested():
            session.add(
                FollowupRow(complaint_id=complaint.id, status=status, agency=complaint.agency, state="waiting",
                            reason="status changed", created_at=now, updated_at=now)
            )
    except IntegrityError:
        pass  # this status was announced before (a status can come back): once is enough


def waiting_followups(store: Store, limit: int = 200) -> list[tuple[FollowupRow, ComplaintRow]]:
    """Return follow-ups still to be queued, oldest first, with their complaints."""
    query = (
        select(FollowupRow, ComplaintRow)
        .where(FollowupRow.complaint_id == ComplaintRow.id, FollowupRow.state == "waiting")
        .order_by(col(FollowupRow.id))
        .limit(limit)
    )
    return store.read(lambda s: [(f, c) for f, c in s.exec(query)])


def complaint_replies(store: Store, complaint_id: int) -> list[ReplyRow]:
    """Return every reply of a complaint, oldest first."""
    query = select(ReplyRow).where(ReplyRow.complaint_id == complaint_id).order_by(col(ReplyRow.id))
    return store.read(lambda s: list(s.exec(query)))


def settle_followup(
    store: Store, followup_id: int, state: str, reason: str, now: datetime, *,
    reply_id: int | None = None, text: str | None = None,
) -> None:
    """Record what became of a follow-up: queued (with its reply), skipped or dry_run."""
    with store.session() as session:
        followup = session.get(FollowupRow, followup_id)
        if followup is None or followup.state != "waiting":
            return
        followup.state, followup.reason, followup.updated_at = state, reason, now
        followup.reply_id, followup.text = reply_id, text
        add_event(session, f"followup_{state}", f"{followup.status}: {reason}", now, complaint_id=followup.complaint_id)


def followups_of(store: Store, complaint_id: int) -> list[FollowupRow]:
    """Return a complaint's follow-ups, oldest first."""
    query = select(FollowupRow).where(FollowupRow.complaint_id == complaint_id).order_by(col(FollowupRow.id))
    return store.read(lambda s: list(s.exec(query)))
