"""The officers' review queue and the view of one complaint: what the queue shows, in what order.

Reads only; the actions are in ingest.store.review, which re-exports these names. Agency
actors ("agency:<id>", "webhook:<id>", "open311:<id>") see only complaints forwarded to their
own agency: anything else reads exactly like a missing complaint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from ingest.lifecycle import STATUSES, is_open
from ingest.tracking import is_tracking_number
from ingest.store.audit import audit_trail
from ingest.store.models import AuditRow, ComplaintRow, ForwardRow, MentionRow, ReplyRow, ResponseRow
from ingest.store.store import Store

OPEN_STATUSES = tuple(status for status in STATUSES if is_open(status))


class ReviewError(ValueError):
    """An action that cannot be taken; the message says why in words an officer understands."""


class ComplaintNotFound(ReviewError):
    """No such complaint, or not one this actor may see (the same words either way)."""


@dataclass(frozen=True)
class QueueFilters:
    """What the officer narrows the queue to; None means any."""

    needs_review: bool | None = None
    status: str | None = None
    statuses: tuple[str, ...] | None = None  # any of these (a tab such as "with agencies")
    open_only: bool = True
    kind: str | None = None
    category: str | None = None
    region: str | None = None  # a region code; everything below it matches too
    agency_id: str | None = None
    flag: str | None = None
    urgent: bool | None = None
    overdue: bool = False
    search: str | None = None  # words in the text, or a tracking number


@dataclass(frozen=True)
class QueueItem:
    """One line of the queue."""

    complaint: ComplaintRow
    flags: tuple[str, ...]
    reasons: tuple[str, ...]
    overdue: bool


@dataclass(frozen=True)
class QueuePage:
    """A page of the queue with the total that matched and the counts per tab."""

    items: list[QueueItem]
    total: int
    counts: dict[str, int]


@dataclass
class ComplaintView:
    """Everything an officer needs to decide on one complaint."""

    complaint: ComplaintRow
    mentions: list[MentionRow]
    cluster: list[ComplaintRow]
    audit: list[AuditRow]
    replies: list[ReplyRow]
    forwards: list[ForwardRow]
    responses: list[ResponseRow]
    flags: tuple[str, ...] = field(default_factory=tuple)


# --- the queue ---------------------------------------------------------------------------
def review_queue(store: Store, now: datetime, filters: QueueFilters = QueueFilters(), *,
                 limit: int = 50, offset: int = 0) -> QueuePage:
    """Return the queue: needs-review first, then urgent, then the closest deadline."""
    where = _conditions(filters, now)
    order = (col(ComplaintRow.needs_review).desc(), col(ComplaintRow.urgent).desc(),
             col(ComplaintRow.due_at).is_(None), col(ComplaintRow.due_at), col(ComplaintRow.id))

    def query(session: Session) -> QueuePage:
        rows = list(session.exec(select(ComplaintRow).where(*where).order_by(*order)
                                 .offset(max(offset, 0)).limit(max(limit, 1))))
        total = session.exec(select(func.count()).select_from(ComplaintRow).where(*where)).one()
        reasons = _first_reasons(session, [r.first_tweet_id for r in rows])
        items = [QueueItem(r, _flags(r), reasons.get(r.first_tweet_id, ()), _overdue(r, now)) for r in rows]
        return QueuePage(items, total, _tab_counts(session, now))

    return store.read(query)


def _conditions(filters: QueueFilters, now: datetime) -> list[Any]:
    where: list[Any] = []
    if filters.status:
        if filters.status not in STATUSES:
            raise ReviewError(f"unknown status {filters.status!r}; one of: {', '.join(STATUSES)}")
        where.append(ComplaintRow.status == filters.status)
    elif filters.statuses:
        if unknown := [status for status in filters.statuses if status not in STATUSES]:
            raise ReviewError(f"unknown status {unknown[0]!r}; one of: {', '.join(STATUSES)}")
        where.append(col(ComplaintRow.status).in_(filters.statuses))
    elif filters.open_only:
        where.append(col(ComplaintRow.status).in_(OPEN_STATUSES))
    if filters.needs_review is not None:
        where.append(ComplaintRow.needs_review == filters.needs_review)
    if filters.urgent is not None:
        where.append(ComplaintRow.urgent == filters.urgent)
    for column, value in ((ComplaintRow.kind, filters.kind), (ComplaintRow.category, filters.category),
                          (ComplaintRow.agency_id, filters.agency_id)):
        if value:
            where.append(column == value)
    if filters.region:
        where.append(or_(ComplaintRow.region_code == filters.region,
                         col(ComplaintRow.region_code).startswith(filters.region + ".")))
    if filters.flag:
        flagged = col(ComplaintRow.flags_json).contains(json.dumps(filters.flag), autoescape=True)
        if filters.flag == "personal_data":  # the queue shows an officer's mark as this flag too
            flagged = or_(flagged, ComplaintRow.personal_data_marked == True)  # noqa: E712 - SQL
        where.append(flagged)
    if filters.overdue:
        where.append(col(ComplaintRow.due_at) < now)
    if filters.search and filters.search.strip():
        term = filters.search.strip()
        if is_tracking_number(term.upper()):  # a tracking number: the unique index answers at once
            where.append(ComplaintRow.tracking_number == term.upper())
        else:
            where.append(col(ComplaintRow.text).contains(term, autoescape=True))
    return where


def _tab_counts(session: Session, now: datetime) -> dict[str, int]:
    """Count every tab in one pass over the open complaints."""
    tabs: dict[str, Any] = {
        "needs_review": ComplaintRow.needs_review == True,  # noqa: E712 - SQL, not Python
        "urgent": ComplaintRow.urgent == True,  # noqa: E712
        "overdue": col(ComplaintRow.due_at) < now,
        "awaiting_verification": ComplaintRow.status == "awaiting_verification",
        "with_agencies": col(ComplaintRow.status).in_(("forwarded", "in_progress")),
    }
    columns = [func.coalesce(func.sum(case((condition, 1), else_=0)), 0) for condition in tabs.values()]
    row = session.exec(select(*columns, func.count()).select_from(ComplaintRow)  # type: ignore[call-overload]
                       .where(col(ComplaintRow.status).in_(OPEN_STATUSES))).one()
    counts = {name: int(value) for name, value in zip(tabs, row)}
    counts["open"] = int(row[-1])
    return counts


def _first_reasons(session: Session, tweet_ids: list[str]) -> dict[str, tuple[str, ...]]:
    if not tweet_ids:
        return {}
    rows = session.exec(select(MentionRow.tweet_id, MentionRow.reasons_json)
                        .where(col(MentionRow.tweet_id).in_(tweet_ids)))
    return {tweet_id: tuple(json.loads(reasons or "[]")) for tweet_id, reasons in rows}


def _flags(complaint: ComplaintRow) -> tuple[str, ...]:
    flags = list(json.loads(complaint.flags_json or "[]"))
    if complaint.personal_data_marked and "personal_data" not in flags:
        flags.append("personal_data")
    return tuple(flags)


def _overdue(complaint: ComplaintRow, now: datetime) -> bool:
    return complaint.due_at is not None and _aware(complaint.due_at) < now


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def complaint_view(store: Store, tracking_number: str, *, actor: str = "officer") -> ComplaintView:
    """Return a complaint with its mentions, cluster, audit, replies, forwards and responses."""

    def query(session: Session) -> ComplaintView:
        complaint = _complaint(session, tracking_number)
        _check_scope(complaint, actor)
        assert complaint.id is not None
        mentions = list(session.exec(select(MentionRow).where(MentionRow.complaint_id == complaint.id)
                                     .order_by(col(MentionRow.created_at))))
        head = complaint.cluster_id or complaint.id
        cluster = list(session.exec(select(ComplaintRow).where(
            or_(ComplaintRow.id == head, ComplaintRow.cluster_id == head), ComplaintRow.id != complaint.id,
        ).order_by(col(ComplaintRow.id)).limit(200)))
        replies = list(session.exec(select(ReplyRow).where(ReplyRow.complaint_id == complaint.id)
                                    .order_by(col(ReplyRow.id))))
        forwards = list(session.exec(select(ForwardRow).where(ForwardRow.complaint_id == complaint.id)
                                     .order_by(col(ForwardRow.id))))
        responses = list(session.exec(select(ResponseRow).where(ResponseRow.complaint_id == complaint.id)
                                      .order_by(col(ResponseRow.id))))
        return ComplaintView(complaint, mentions, cluster, [], replies, forwards, responses, _flags(complaint))

    view = store.read(query)
    assert view.complaint.id is not None
    view.audit = audit_trail(store, view.complaint.id)
    return view


def _complaint(session: Session, tracking_number: str) -> ComplaintRow:
    number = tracking_number.strip().upper()
    complaint = session.exec(select(ComplaintRow).where(ComplaintRow.tracking_number == number)).first()
    if complaint is None:
        raise ComplaintNotFound(f"no complaint {number}")
    return complaint


def _check_scope(complaint: ComplaintRow, actor: str) -> None:
    """An agency sees and acts on only what was forwarded to it."""
    for prefix in ("agency:", "webhook:", "open311:"):
        if actor.startswith(prefix):
            own = actor[len(prefix):].split("/", 1)[0]  # "agency:<id>/<user>" names the person too
            if complaint.agency_id != own:
                # The same words whether it exists or not: no probing other agencies' numbers.
                raise ComplaintNotFound(f"no complaint {complaint.tracking_number}")


