"""What officers and agencies do with complaints: every action on them (and, re-exported from
ingest.store.review_queue, the queue and the view of one complaint).

The command line and the web console both call this module, so every rule lives here: who
may do what, and what each action records.
Every action writes the audit log (who, when, why, the value before) in the same
transaction as the change; a reclassification is also kept as labelled data for retraining.

Actors are strings: "officer:<name>", "agency:<agency-id>" (or "agency:<agency-id>/<user>" from
the console), "bot", "webhook:<agency-id>".
An agency actor may only act on complaints forwarded to its own agency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ingest.lifecycle import is_open
from ingest.routing import RoutingTable
from ingest.store.audit import record_audit
from ingest.store.followups import StatusChangeError, transition
from ingest.store.links import LinkChangeError, merge_complaints
from ingest.store.models import ComplaintRow, LabelRow, ResponseRow
from ingest.store.review_queue import (  # noqa: F401 - the queue's names are part of this module's API
    OPEN_STATUSES,
    ComplaintNotFound,
    ComplaintView,
    QueueFilters,
    QueueItem,
    QueuePage,
    ReviewError,
    _check_scope,
    _complaint,
    complaint_view,
    review_queue,
)
from ingest.store.store import Store, add_event

RECLASSIFIABLE = ("kind", "category", "region_code", "agency_id")
# What an agency may report: still working on it, answered, or "not ours" (back to the officers).
RESPONSE_STATUSES = ("in_progress", "responded", "closed", "not_ours")


@dataclass(frozen=True)
class ResponseOutcome:
    """What recording an agency's response did."""

    complaint: ComplaintRow
    recorded: bool  # False: the same delivery came before (a replay): nothing changed
    previous_status: str
    message: str


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
