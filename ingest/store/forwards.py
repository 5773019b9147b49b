"""The agency outbox: one row per complaint, agency, channel and purpose, sent at most once.

A row is `queued` (due at next_attempt_at), `sending` while a worker holds it, then `sent`,
`dead` (refused for good, or out of attempts: an officer must look) or `cancelled`. The
unique constraint on (complaint, agency, channel, purpose) is what makes "forwarded once"
hold across restarts and between workers; the claim (queued → sending, checked by row
count) is what stops two workers sending the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ingest.routing import Agency
from ingest.store.audit import record_audit
from ingest.store.models import ComplaintRow, ForwardRow, MentionRow
from ingest.store.store import Store, add_event

FORWARD_STATUSES = ("queued", "sending", "sent", "dead", "cancelled")
COMPLAINT = "complaint"
WIB = ZoneInfo("Asia/Jakarta")
OFFICERS = "officers"  # the agency id of notices meant for the LAPOR! officers themselves


def queue_forward(
    session: Session,
    complaint: ComplaintRow,
    agency_id: str,
    channels: Sequence[str],
    now: datetime,
    *,
    purpose: str = COMPLAINT,
    due: dict[str, datetime] | None = None,
) -> list[str]:
    """Add one outbox row per channel inside an open session; return the channels newly queued."""
    assert complaint.id is not None
    added = []
    for channel in channels:
        try:
            with session.begin_nested():
                session.add(ForwardRow(
                    complaint_id=complaint.id, agency_id=agency_id, channel=channel, purpose=purpose,
                    status="queued", next_attempt_at=(due or {}).get(channel, now), created_at=now, updated_at=now,
                ))
            added.append(channel)
        except IntegrityError:
            pass  # queued before: once is the rule
    return added


def verified_unforwarded(store: Store, limit: int = 200) -> list[ComplaintRow]:
    """Return verified complaints with an agency that have no forward to that agency yet."""
    forwarded = select(ForwardRow.id).where(
        ForwardRow.complaint_id == ComplaintRow.id, ForwardRow.agency_id == ComplaintRow.agency_id,
        ForwardRow.purpose == COMPLAINT,
    ).exists()
    query = (select(ComplaintRow)
             .where(ComplaintRow.status == "verified", col(ComplaintRow.agency_id).is_not(None), ~forwarded)
             .order_by(col(ComplaintRow.id)).limit(limit))
    return store.read(lambda s: list(s.exec(query)))


def due_forwards(store: Store, now: datetime, limit: int, *, channels: Sequence[str]) -> list[ForwardRow]:
    """Return queued rows of these channels whose time has come, oldest first."""
    query = (select(ForwardRow)
             .where(ForwardRow.status == "queued", ForwardRow.next_attempt_at <= now,
                    col(ForwardRow.channel).in_(tuple(channels)))
             .order_by(col(ForwardRow.id)).limit(limit))
    return store.read(lambda s: list(s.exec(query)))


def claim_forward(store: Store, forward_id: int, now: datetime) -> bool:
    """Mark a row `sending` before the attempt; False if another worker has it."""
    with store.session() as session:
        result = session.execute(
            update(ForwardRow).where(col(ForwardRow.id) == forward_id, col(ForwardRow.status) == "queued")
            .values(status="sending", attempts=ForwardRow.attempts + 1, updated_at=now)
        )
        return result.rowcount == 1


def note_handover(store: Store, forward_id: int, now: datetime) -> None:
    """Record that this row's message is about to be handed to the receiver."""
    with store.session() as session:
        session.execute(update(ForwardRow).where(col(ForwardRow.id) == forward_id).values(handed_over_at=now))


def stale_sending(store: Store, older_than: datetime) -> list[ForwardRow]:
    """Return rows left `sending` by a worker that died mid-attempt."""
    query = select(ForwardRow).where(ForwardRow.status == "sending", ForwardRow.updated_at < older_than)
    return store.read(lambda s: list(s.exec(query)))


def finish_forward(
    store: Store,
    forward_id: int,
    status: str,
    now: datetime,
    *,
    error: str | None = None,
    external_id: str | None = None,
    retry_at: datetime | None = None,
    actor: str = "bot",
) -> ForwardRow | None:
    """Record an attempt's outcome: sent, queued again at `retry_at`, or dead (visibly)."""
    with store.session() as session:
        row = session.get(ForwardRow, forward_id)
        if row is None:
            return None
        row.status, row.updated_at, row.last_error = status, now, error
        row.external_id = external_id or row.external_id
        if retry_at is not None:
            row.next_attempt_at = retry_at
        if status == "sent":
            row.sent_at = now
        what = f"{row.purpose} to {row.agency_id} by {row.channel}"
        if status == "dead":
            complaint = session.get(ComplaintRow, row.complaint_id)
            if complaint is not None and row.purpose == COMPLAINT:
                complaint.needs_review, complaint.updated_at = True, now
            record_audit(session, row.complaint_id, actor, "forward_dead", now, field=row.channel,
                         value=row.agency_id, reason=f"{what} gave up after {row.attempts} attempts: {error}")
            add_event(session, "forward_dead", f"{what}: {error}", now, level="error", complaint_id=row.complaint_id)
        elif status == "sent":
            record_audit(session, row.complaint_id, actor, "forwarded" if row.purpose == COMPLAINT else row.purpose,
                         now, field=row.channel, value=row.agency_id, reason=f"{what}, id {row.external_id or '-'}")
            add_event(session, "forward_sent", what, now, complaint_id=row.complaint_id)
        else:
            add_event(session, f"forward_{status}", f"{what}: {error or status}", now,
                      level="warning" if error else "info", complaint_id=row.complaint_id)
        return row


def retry_dead(store: Store, forward_id: int, now: datetime, actor: str) -> ForwardRow:
    """Put a dead row back in the queue (an officer fixed the address, say)."""
    with store.session() as session:
        row = session.get(ForwardRow, forward_id)
        if row is None or row.status != "dead":
            raise ValueError(f"forward {forward_id} is {row.status if row else 'unknown'}, not dead")
        row.status, row.attempts, row.next_attempt_at, row.updated_at = "queued", 0, now, now
        row.handed_over_at = None
        record_audit(session, row.complaint_id, actor, "forward_retry", now, field=row.channel,
                     value=row.agency_id, reason=f"was: {row.last_error}")
        return row


def forwards(store: Store, *, status: str | None = None, limit: int = 50) -> list[ForwardRow]:
    """Return outbox rows, newest first."""
    query = select(ForwardRow).order_by(col(ForwardRow.id).desc()).limit(limit)
    if status:
        query = query.where(ForwardRow.status == status)
    return store.read(lambda s: list(s.exec(query)))


def tweet_ids(store: Store, complaint_id: int) -> list[tuple[str, str | None]]:
    """Return (tweet id, author username) of a complaint's mentions, oldest first."""
    query = (select(MentionRow.tweet_id, MentionRow.author_username)
             .where(MentionRow.complaint_id == complaint_id).order_by(col(MentionRow.created_at)).limit(20))
    return store.read(lambda s: [(t, u) for t, u in s.exec(query)])


def backoff(attempts: int) -> timedelta:
    """Return the wait before attempt `attempts + 1`: 1, 5, 30 minutes, then 2 and 6 hours."""
    steps = (1, 5, 30, 120, 360)
    return timedelta(minutes=steps[min(max(attempts, 1), len(steps)) - 1])


def forward_plan(agency: Agency, now: datetime, digest_hour: int) -> tuple[list[str], dict[str, datetime]]:
    """Return the outbox channels of an agency and when each is due (a digest waits for its hour)."""
    channels = ["digest" if channel == "email" and agency.digest else channel for channel in agency.forward_by]
    return channels, {"digest": next_digest_time(now, digest_hour)}


def next_digest_time(now: datetime, hour: int) -> datetime:
    """Return the next `hour`:00 WIB at or after `now`, in UTC."""
    local = now.astimezone(WIB)
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at < local:
        at += timedelta(days=1)
    return at.astimezone(timezone.utc)
