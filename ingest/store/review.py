"""What officers and agencies do with complaints: the review queue and every action on it.

The command line calls this module now and the web console will call it too, so every rule
lives here: which complaints come first, who may do what, and what each action records.
Every action writes the audit log (who, when, why, the value before) in the same
transaction as the change; a reclassification is also kept as labelled data for retraining.

Actors are strings: "officer:<name>", "agency:<agency-id>" (or "agency:<agency-id>/<user>" from
the console), "bot", "webhook:<agency-id>".
An agency actor may only act on complaints forwarded to its own agency.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import case, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ingest.lifecycle import STATUSES, is_open
from ingest.routing import RoutingTable
from ingest.sla import SlaSettings
from ingest.store.audit import audit_trail, record_audit
from ingest.store.followups import StatusChangeError, transition
from ingest.store.links import LinkChangeError, merge_complaints
from ingest.store.models import (
    AuditRow,
    ComplaintRow,
    ForwardRow,
    LabelRow,
    MentionRow,
    ReplyRow,
    ResponseRow,
)
from ingest.store.store import Store, add_event, to_json

_TRACKING = re.compile(r"LPR-\d{4}-\d{5,}")
RECLASSIFIABLE = ("kind", "category", "region_code", "agency_id")
# What an agency may report: still working on it, answered, or "not ours" (back to the officers).
RESPONSE_STATUSES = ("in_progress", "responded", "closed", "not_ours")
# The SLA stage each status is in, and the column its clock starts from.
# A verified complaint not yet delivered runs no clock: the agency cannot be late on it.
STAGE_OF = {"awaiting_verification": "verify", "forwarded": "respond", "in_progress": "respond",
            "responded": "close"}
OPEN_STATUSES = tuple(status for status in STATUSES if is_open(status))


class ReviewError(ValueError):
    """An action that cannot be taken; the message says why in words an officer understands."""


class ComplaintNotFound(ReviewError):
    """No such complaint, or not one this actor may see (the same words either way)."""


class Calendar(Protocol):
    """The working-day calendar the SLA clocks count in (ingest.workdays.WorkCalendar)."""

    def add_working_days(self, start: datetime, days: int) -> datetime: ...


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


@dataclass(frozen=True)
class ResponseOutcome:
    """What recording an agency's response did."""

    complaint: ComplaintRow
    recorded: bool  # False: the same delivery came before (a replay): nothing changed
    previous_status: str
    message: str


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
        if _TRACKING.fullmatch(term.upper()):  # a tracking number: the unique index answers at once
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
    from datetime import timezone

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


# --- actions -----------------------------------------------------------------------------
def verify(store: Store, tracking_number: str, actor: str, now: datetime, note: str = "") -> ComplaintRow:
    """Verify a complaint: it is a real report for LAPOR!; it leaves the review list."""

    def act(session: Session, complaint: ComplaintRow) -> None:
        _officer_only(actor, "verify")
        _move(session, complaint, "verified", now, actor, note)
        if complaint.needs_review:
            _set(session, complaint, "needs_review", False, actor, now, note or "verified")

    return _act(store, tracking_number, act)


def reject(store: Store, tracking_number: str, actor: str, now: datetime, reason: str) -> ComplaintRow:
    """Reject a complaint (not a report, or not our authority) with a reason the audit keeps."""
    if not reason.strip():
        raise ReviewError("a rejection needs a reason")

    def act(session: Session, complaint: ComplaintRow) -> None:
        _officer_only(actor, "reject")
        _move(session, complaint, "rejected", now, actor, reason)
        _set(session, complaint, "rejection_reason", reason.strip(), actor, now, reason)
        if complaint.needs_review:
            _set(session, complaint, "needs_review", False, actor, now, "rejected")

    return _act(store, tracking_number, act)


def mark_urgent(store: Store, tracking_number: str, actor: str, now: datetime, urgent: bool = True,
                note: str = "") -> ComplaintRow:
    """Mark (or unmark) a complaint urgent: danger to life or safety comes first in the queue."""

    def act(session: Session, complaint: ComplaintRow) -> None:
        _officer_only(actor, "mark urgent")
        if complaint.urgent == urgent:
            raise ReviewError(f"{complaint.tracking_number} is already {'urgent' if urgent else 'not urgent'}")
        _set(session, complaint, "urgent", urgent, actor, now, note)

    return _act(store, tracking_number, act)


def mark_personal_data(store: Store, tracking_number: str, actor: str, now: datetime, note: str = "",
                       marked: bool = True) -> ComplaintRow:
    """Mark that a complaint holds personal data: exports and replies keep its text out."""

    def act(session: Session, complaint: ComplaintRow) -> None:
        _officer_only(actor, "mark personal data")
        if complaint.personal_data_marked == marked:
            raise ReviewError(f"{complaint.tracking_number} is already {'marked' if marked else 'not marked'}")
        _set(session, complaint, "personal_data_marked", marked, actor, now, note)
        complaint.has_personal_data = complaint.has_personal_data or marked

    return _act(store, tracking_number, act)


def reclassify(
    store: Store,
    tracking_number: str,
    actor: str,
    now: datetime,
    *,
    changes: dict[str, str],
    routing: RoutingTable | None = None,
    note: str = "",
) -> ComplaintRow:
    """Correct the triage (kind, category, region_code, agency_id); each change is kept as a label.

    A new category or region re-routes the complaint to its agency unless an agency is given.
    A complaint already forwarded is not re-sent by this: forward it again explicitly.
    """
    if unknown := sorted(set(changes) - set(RECLASSIFIABLE)):
        raise ReviewError(f"cannot reclassify {unknown[0]!r}; one of: {', '.join(RECLASSIFIABLE)}")
    if not changes:
        raise ReviewError("nothing to change: give a kind, category, region or agency")
    _check_values(changes, routing)

    def act(session: Session, complaint: ComplaintRow) -> None:
        _officer_only(actor, "reclassify")
        if not is_open(complaint.status):
            raise ReviewError(f"{complaint.tracking_number} is {complaint.status}: reopen it before reclassifying")
        wanted = dict(changes)
        if routing is not None and "agency_id" not in wanted and ({"category", "region_code"} & set(wanted)):
            from ingest.routing import route

            chosen = route(wanted.get("category", complaint.category),
                           wanted.get("region_code", complaint.region_code), routing)
            if chosen.agency_id != complaint.agency_id:
                wanted["agency_id"] = chosen.agency_id
        changed = 0
        for name, value in wanted.items():
            previous = getattr(complaint, name)
            if previous == value:
                continue
            changed += 1
            _set(session, complaint, name, value, actor, now, note, action="reclassify")
            session.add(LabelRow(complaint_id=complaint.id, tweet_id=complaint.first_tweet_id, field=name,
                                 previous=previous, value=value, actor=actor, at=now))
            if name == "agency_id" and routing is not None:
                complaint.agency = routing.agency(value).name
            if name == "region_code":
                complaint.region_name = _region_name(value)
        if not changed:
            raise ReviewError(f"{complaint.tracking_number} already has those values")

    return _act(store, tracking_number, act)


def merge(store: Store, duplicate: str, into: str, actor: str, now: datetime, note: str = "") -> str:
    """Merge a duplicate complaint into another (audited by the link store)."""
    _officer_only(actor, "merge")
    try:
        return merge_complaints(store, duplicate.strip().upper(), into.strip().upper(), now, actor=actor, note=note)
    except LinkChangeError as exc:
        raise ReviewError(str(exc)) from None


def unmerge(store: Store, tracking_number: str, actor: str, now: datetime, note: str = "") -> ComplaintRow:
    """Reopen a merged complaint on its own, awaiting verification again."""

    def act(session: Session, complaint: ComplaintRow) -> None:
        _officer_only(actor, "unmerge")
        if complaint.status != "merged":
            raise ReviewError(f"{complaint.tracking_number} is {complaint.status}, not merged")
        _move(session, complaint, "awaiting_verification", now, actor, note or "unmerged", announce=False)
        _set(session, complaint, "cluster_id", None, actor, now, note or "unmerged", action="unmerge")

    return _act(store, tracking_number, act)


def request_forward(store: Store, tracking_number: str, actor: str, now: datetime, routing: RoutingTable, *,
                    digest_hour: int = 7, note: str = "") -> list[str]:
    """Queue a verified complaint for its agency now (for when LAPOR_AUTO_FORWARD is off, or a retry
    to a new agency); return the channels queued. A channel used before for that agency is not used twice.
    """
    from ingest.store.forwards import forward_plan, queue_forward

    queued: list[str] = []

    def act(session: Session, complaint: ComplaintRow) -> None:
        _officer_only(actor, "forward")
        if complaint.status not in ("verified", "forwarded", "in_progress"):
            raise ReviewError(f"{complaint.tracking_number} is {complaint.status}: verify it before forwarding")
        if not complaint.agency_id:
            raise ReviewError(f"{complaint.tracking_number} has no agency: reclassify it with an agency first")
        channels, due = forward_plan(routing.agency(complaint.agency_id), now, digest_hour)
        queued.extend(queue_forward(session, complaint, complaint.agency_id, channels, now, due=due))
        if not queued:
            raise ReviewError(f"{complaint.tracking_number} was already forwarded to {complaint.agency_id}")
        record_audit(session, complaint.id, actor, "forward_requested", now, field="agency_id",
                     value=complaint.agency_id, reason=note or f"by {', '.join(queued)}")

    _act(store, tracking_number, act)
    return queued


def record_response(
    store: Store,
    tracking_number: str,
    status: str,
    note: str,
    actor: str,
    now: datetime,
    *,
    source: str,
    external_ref: str | None = None,
    public: bool = True,
) -> ResponseOutcome:
    """Record an agency's answer and move the complaint; a replayed delivery changes nothing.

    `status`: in_progress (working on it), responded (answered: the citizen is told, and the
    auto-close clock starts), closed (after a response), or not_ours (the complaint goes back
    to the officers to be routed again). The follow-up reply is queued once per status.
    `public`: whether the note may be shown on the citizen's status page (officers always see it).
    Two workers recording the same delivery at once: the unique (source, external_ref) refuses
    the second, whose transaction is rolled back whole.
    """
    if status not in RESPONSE_STATUSES:
        raise ReviewError(f"unknown response status {status!r}; one of: {', '.join(RESPONSE_STATUSES)}")
    try:
        with store.session() as session:
            complaint = _complaint(session, tracking_number)
            if external_ref is not None:
                # A replay is recognised before anything else: a `not_ours` already took the
                # agency off the complaint, and the sender must still hear "recorded before".
                earlier = session.exec(select(ResponseRow).where(ResponseRow.source == source,
                                                                 ResponseRow.external_ref == external_ref)).first()
                if earlier is not None and earlier.actor == actor:
                    if earlier.complaint_id != complaint.id:
                        raise ReviewError(f"delivery {external_ref} was already used for another complaint")
                    return ResponseOutcome(complaint, False, complaint.status,
                                           "already recorded (the same delivery came before)")
            _check_scope(complaint, actor)
            previous = complaint.status
            session.add(ResponseRow(complaint_id=complaint.id, agency_id=complaint.agency_id, status=status,
                                    note=note.strip(), public=public, source=source, external_ref=external_ref,
                                    actor=actor, at=now))
            message = _apply_response(session, complaint, status, note, actor, now)
            record_audit(session, complaint.id, actor, "respond", now, field="status", previous=previous,
                         value=status, reason=note.strip())
            return ResponseOutcome(complaint, True, previous, message)
    except IntegrityError:  # the same delivery, recorded by another worker a moment ago
        complaint = store.complaint(tracking_number.strip().upper())
        assert complaint is not None
        return ResponseOutcome(complaint, False, complaint.status, "already recorded (the same delivery came before)")


def _apply_response(session: Session, complaint: ComplaintRow, status: str, note: str, actor: str,
                    now: datetime) -> str:
    current = complaint.status
    if current in ("awaiting_verification", "verified") and status != "not_ours":
        raise ReviewError(f"{complaint.tracking_number} is {current}: it has not been forwarded to an agency yet")
    if status == "not_ours":
        if current not in ("forwarded", "in_progress"):
            raise ReviewError(f"{complaint.tracking_number} is {current}: only a forwarded complaint can be sent back")
        _move(session, complaint, "verified", now, actor, f"not our authority: {note}", announce=False)
        _set(session, complaint, "needs_review", True, actor, now, "the agency says it is not theirs")
        _set(session, complaint, "agency_id", None, actor, now, "the agency says it is not theirs")
        complaint.agency = None
        return f"sent back to the officers: {note}" if note else "sent back to the officers"
    if status == current:
        return f"note added; the complaint stays {current}"
    if status == "closed" and current in ("forwarded", "in_progress"):
        _move(session, complaint, "responded", now, actor, note)
    _move(session, complaint, status, now, actor, note)
    return f"{current} -> {status}"


# --- helpers -------------------------------------------------------------------------------
def _act(store: Store, tracking_number: str, action: Callable[[Session, ComplaintRow], None]) -> ComplaintRow:
    with store.session() as session:
        complaint = _complaint(session, tracking_number)
        action(session, complaint)
        return complaint


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


def _officer_only(actor: str, action: str) -> None:
    if actor.startswith(("agency:", "webhook:", "open311:")):
        raise ReviewError(f"an agency cannot {action}: ask a LAPOR! officer")


def _move(session: Session, complaint: ComplaintRow, status: str, now: datetime, actor: str, reason: str,
          *, announce: bool = True) -> None:
    try:
        transition(session, complaint, status, now, actor=actor, reason=reason, announce=announce)
    except StatusChangeError as exc:
        raise ReviewError(str(exc)) from None
    complaint.due_stage = complaint.due_at = None  # the SLA job sets the next stage's clock


def _set(session: Session, complaint: ComplaintRow, name: str, value: Any, actor: str, now: datetime,
         reason: str, *, action: str | None = None) -> None:
    previous = getattr(complaint, name)
    setattr(complaint, name, value)
    complaint.updated_at = now
    record_audit(session, complaint.id, actor, action or name, now, field=name,
                 previous=None if previous is None else str(previous),
                 value=None if value is None else str(value), reason=reason)
    add_event(session, action or name, f"{name}: {previous} -> {value} by {actor}", now, complaint_id=complaint.id)


def _check_values(changes: dict[str, str], routing: RoutingTable | None) -> None:
    from ingest.gazetteer import load_gazetteer
    from ingest.routing import category_codes

    kinds = ("pengaduan", "aspirasi", "permintaan_informasi", "apresiasi", "lainnya", "spam")
    if "kind" in changes and changes["kind"] not in kinds:
        raise ReviewError(f"unknown kind {changes['kind']!r}; one of: {', '.join(kinds)}")
    if "category" in changes and changes["category"] not in category_codes():
        raise ReviewError(f"unknown category {changes['category']!r}; one of: {', '.join(sorted(category_codes()))}")
    if "region_code" in changes and changes["region_code"] not in load_gazetteer().areas:
        raise ReviewError(f"unknown region code {changes['region_code']!r} (see regions.csv)")
    if "agency_id" in changes:
        known = {a.id for a in routing.agencies} if routing else set()
        if changes["agency_id"] not in known:
            raise ReviewError(f"unknown agency {changes['agency_id']!r}; one of: {', '.join(sorted(known))}")


def _region_name(code: str) -> str | None:
    from ingest.gazetteer import load_gazetteer

    area = load_gazetteer().areas.get(code)
    return area.name if area else None


# --- SLA deadlines -------------------------------------------------------------------------
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


def labels(store: Store) -> list[dict[str, Any]]:
    """Return the officers' corrections with the text they apply to (newest value per complaint and field)."""

    def query(session: Session) -> list[dict[str, Any]]:
        rows = session.exec(select(LabelRow, ComplaintRow).where(LabelRow.complaint_id == ComplaintRow.id)
                            .order_by(col(LabelRow.id)))
        latest: dict[tuple[int, str], dict[str, Any]] = {}
        for label, complaint in rows:
            entry = latest.setdefault((label.complaint_id, complaint.tracking_number), {
                "tracking_number": complaint.tracking_number, "tweet_id": label.tweet_id,
                "text": _masked(complaint.text), "language": complaint.language,
                "personal_data": complaint.has_personal_data or complaint.personal_data_marked,
            })
            entry[label.field] = label.value
            entry[f"{label.field}_was"] = entry.get(f"{label.field}_was", label.previous)
            entry["labelled_by"], entry["labelled_at"] = label.actor, label.at.isoformat()
        return list(latest.values())

    return store.read(query)


def _masked(text: str) -> str:
    from ingest.personal_data import find_personal_data, mask_personal_data

    spans = find_personal_data(text)
    return mask_personal_data(text, spans) if spans else text


def audit_json(rows: list[AuditRow]) -> str:
    """Return audit lines as JSON text (for --json output)."""
    return to_json([{"at": r.at.isoformat(), "actor": r.actor, "action": r.action, "field": r.field,
                     "previous": r.previous, "value": r.value, "reason": r.reason} for r in rows])
