"""Complaint status changes and the follow-ups they owe the citizen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ingest.lifecycle import STATUSES, TransitionError, check_transition
from ingest.store.models import ComplaintRow, FollowupRow, ReplyRow
from ingest.store.store import Store, add_event

COMPLAINT_STATUSES = STATUSES


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
        try:
            check_transition(complaint.status, status)
        except TransitionError as exc:
            raise StatusChangeError(f"{tracking_number}: {exc}") from None
        previous = complaint.status
        complaint.status, complaint.updated_at = status, now
        complaint.agency = agency or complaint.agency
        detail = f"{previous} -> {status} by {actor}" + (f": {note}" if note else "")
        add_event(session, "status_changed", detail, now, complaint_id=complaint.id)
        if announce:
            _owe_followup(session, complaint, status, now)
        return complaint


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
