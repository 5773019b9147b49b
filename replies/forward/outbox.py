"""The forward job: queue verified complaints for their agencies and deliver the outbox.

One tick (`forward_tick`) does, in order: put back rows a dead worker left `sending`, queue
what was verified since the last tick (LAPOR_AUTO_FORWARD), deliver the rows that are due
through their channel (e-mail, signed webhook, Open311), send the daily digests whose hour
has come, and ask Open311 endpoints for news. A delivery that fails for a passing reason is
retried with growing waits; one refused for good, or out of attempts, is dead-lettered: the
row says why, the complaint goes back to the officers' review list, and the audit log and
the event log both show it.

Delivery is at most once per row for Open311 (a request created twice would be two tickets
at the agency), and at least once with a stable idempotency key for webhooks
(X-Lapor-Delivery) when a worker dies mid-request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from datetime import datetime, timedelta

from ingest.personal_data import find_personal_data, mask_personal_data
from ingest.store.review import ReviewError, record_response
from ingest.routing import Agency, RoutingTable
from ingest.store.followups import StatusChangeError, transition
from ingest.store.forwards import (
    COMPLAINT,
    OFFICERS,
    WIB,
    backoff,
    claim_forward,
    due_forwards,
    finish_forward,
    forward_plan,
    note_handover,
    queue_forward,
    stale_sending,
    tweet_ids,
    verified_unforwarded,
)
from ingest.store.models import ComplaintRow, ForwardRow
from ingest.store.store import Store
from replies.compose import category_names
from replies.forward import email as email_channel
from replies.forward import message, open311, webhook
from replies.forward.types import FAILED, RETRY, SENT, Delivery, ForwardItem, SmtpConfig

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=10)
OPEN311_POLL_EVERY = timedelta(minutes=15)


@dataclass(frozen=True)
class ForwardConfig:
    """What the forward job needs from the settings."""

    routing: RoutingTable
    status_url: str  # LAPOR_FOLLOWUP_URL, with {tracking_number}
    smtp: SmtpConfig | None = None
    officer_email: str | None = None
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    open311_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    auto_forward: bool = True
    max_attempts: int = 6
    digest_hour: int = 7
    respond_hint: str = ""


@dataclass
class ForwardReport:
    """What one tick did."""

    queued: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    digests: int = 0
    responses: int = 0
    problems: list[str] = field(default_factory=list)


def forward_tick(store: Store, now: Callable[[], datetime], config: ForwardConfig) -> ForwardReport:
    """Run one tick of the forward job."""
    report = ForwardReport()
    _recover(store, now())
    if config.auto_forward:
        report.queued = queue_verified(store, now(), config)
    channels = ("email", "webhook", "open311") if config.smtp else ("webhook", "open311")
    if config.smtp is None and (waiting := due_forwards(store, now(), 1000, channels=("email", "digest"))):
        # Not an attempt: nothing was tried, so nothing is used up or dead-lettered.
        report.problems.append(f"{len(waiting)} e-mail forwards wait: LAPOR_SMTP_HOST is not set")
    for row in due_forwards(store, now(), 100, channels=channels):
        _deliver(store, row, now, config, report)
    if config.smtp is not None:
        _send_digests(store, now, config, report)
    report.responses = poll_open311(store, now, config, report)
    return report


def queue_verified(store: Store, now: datetime, config: ForwardConfig) -> int:
    """Queue every verified, routed, not yet forwarded complaint for its agency's channels."""
    count = 0
    for complaint in verified_unforwarded(store):
        assert complaint.agency_id is not None
        agency = _agency(config.routing, complaint.agency_id)
        if agency is None:
            store.record_event("forward_skipped", f"agency {complaint.agency_id!r} is not in the routing table",
                               now, level="warning", complaint_id=complaint.id)
            continue
        channels, due = forward_plan(agency, now, config.digest_hour)
        with store.session() as session:
            fresh = session.get(ComplaintRow, complaint.id)
            assert fresh is not None
            count += len(queue_forward(session, fresh, agency.id, channels, now, due=due))
    return count


def _recover(store: Store, now: datetime) -> None:
    """Rows a worker left `sending`: sent again when the message never left, else left to an officer.

    An e-mail handed to the SMTP server, or an Open311 request, may have arrived before the
    worker died: sending it again would make two tickets at the agency, so the row is
    dead-lettered as "in doubt" for an officer to check (`lapor-bot forwards retry`). A webhook
    goes again with the same X-Lapor-Delivery id, which receivers use to drop repeats.
    """
    for row in stale_sending(store, now - STALE_AFTER):
        assert row.id is not None
        if row.channel == "open311":
            finish_forward(store, row.id, "dead", now, error="in doubt: the worker stopped mid-request; check the "
                           "agency's Open311 system before `lapor-bot forwards retry`")
        elif row.channel in ("email", "digest") and row.handed_over_at is not None:
            finish_forward(store, row.id, "dead", now, error="in doubt: the worker stopped while handing the e-mail "
                           "to the SMTP server; ask the agency whether it arrived before `lapor-bot forwards retry`")
        else:
            finish_forward(store, row.id, "queued", now, error="the worker stopped mid-delivery: sending again",
                           retry_at=now)


def _deliver(store: Store, row: ForwardRow, now: Callable[[], datetime], config: ForwardConfig,
             report: ForwardReport) -> None:
    assert row.id is not None
    if not claim_forward(store, row.id, now()):
        return
    complaint = store.read(lambda s: s.get(ComplaintRow, row.complaint_id))
    agency = _agency(config.routing, row.agency_id) if row.agency_id != OFFICERS else None
    if complaint is None or (agency is None and row.agency_id != OFFICERS):
        finish_forward(store, row.id, "dead", now(), error=f"agency {row.agency_id!r} is not in the routing table")
        report.dead += 1
        return
    if row.purpose == COMPLAINT and complaint.status not in ("verified", "forwarded", "in_progress"):
        finish_forward(store, row.id, "cancelled", now(), error=f"the complaint became {complaint.status}")
        return
    try:
        delivery = _attempt(store, row, complaint, agency, now(), config)
    except Exception as exc:  # noqa: BLE001 - a bug in one delivery must not stop the outbox
        log.exception("forward %s failed unexpectedly", row.id)
        delivery = Delivery(RETRY, error=f"unexpected error: {type(exc).__name__}")
    _settle(store, row, complaint, delivery, now(), config, report)


def _attempt(store: Store, row: ForwardRow, complaint: ComplaintRow, agency: Agency | None, now: datetime,
             config: ForwardConfig) -> Delivery:
    item = forward_item(store, complaint, agency, config)
    breach = row.purpose.startswith("breach:")
    if row.channel == "email":
        if config.smtp is None:
            return Delivery(RETRY, error="LAPOR_SMTP_HOST is not set")
        to = config.officer_email if row.agency_id == OFFICERS else (agency.contact.email if agency else None)
        if not to:
            return Delivery(FAILED, error="no e-mail address for this recipient")
        if breach:
            stage = row.purpose.split(":", 1)[1]
            deadline = complaint.due_at or now
            mail = message.breach_email(item, stage, deadline, config.smtp.sender, to, now)
        else:
            mail = message.forward_email(item, config.smtp.sender, to, now)
        _stable_message_id(mail, f"forward-{row.id}-{complaint.tracking_number}", config.smtp.sender)
        forward_id = row.id
        assert forward_id is not None
        return email_channel.send_email(config.smtp, mail,
                                        before_handover=lambda: note_handover(store, forward_id, now))
    if agency is None:
        return Delivery(FAILED, error=f"channel {row.channel} needs an agency")
    if row.channel == "webhook":
        secret = config.secrets.get(agency.id)
        if not secret or not agency.contact.webhook:
            return Delivery(FAILED, error=f"no webhook URL or secret for {agency.id} "
                            f"(LAPOR_AGENCY_SECRET_{agency.id.upper().replace('-', '_')})")
        event = "sla.breached" if breach else "complaint.forwarded"
        payload = message.webhook_payload(item, event, f"fwd-{row.id}", now)
        return webhook.post_webhook(agency.contact.webhook, secret, message.webhook_body(payload), f"fwd-{row.id}",
                                    time.time())
    if row.channel == "open311":
        if breach or not agency.contact.open311:
            return Delivery(FAILED, error="Open311 carries service requests only")
        code = open311.service_code_for(complaint.category, agency.open311_services)
        return open311.submit_request(agency.contact.open311, config.open311_keys.get(agency.id), code, item)
    return Delivery(FAILED, error=f"unknown channel {row.channel!r}")


def _settle(store: Store, row: ForwardRow, complaint: ComplaintRow, delivery: Delivery, now: datetime,
            config: ForwardConfig, report: ForwardReport) -> None:
    assert row.id is not None
    attempts = row.attempts + 1
    if delivery.outcome == SENT:
        finish_forward(store, row.id, "sent", now, external_id=delivery.external_id)
        report.sent += 1
        if row.purpose == COMPLAINT:
            _mark_forwarded(store, complaint, row, now)
    elif delivery.outcome == RETRY and attempts < config.max_attempts:
        wait = backoff(attempts)
        if delivery.retry_after:
            wait = max(wait, timedelta(seconds=delivery.retry_after))
        finish_forward(store, row.id, "queued", now, error=delivery.error, retry_at=now + wait)
        report.retried += 1
    else:
        why = delivery.error or "refused"
        if delivery.outcome == RETRY:
            why = f"{attempts} attempts failed; last: {why}"
        finish_forward(store, row.id, "dead", now, error=why)
        report.dead += 1
        report.problems.append(f"{complaint.tracking_number} to {row.agency_id} by {row.channel}: {why}")


def _stable_message_id(mail: Any, local: str, sender: str) -> None:
    """Give a forward's e-mail the same Message-ID on every attempt, so a receiver can drop a repeat."""
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "lapor-bot.local"
    del mail["Message-ID"]
    mail["Message-ID"] = f"<{local}@{domain}>"


def _mark_forwarded(store: Store, complaint: ComplaintRow, row: ForwardRow, now: datetime) -> None:
    with store.session() as session:
        fresh = session.get(ComplaintRow, complaint.id)
        if fresh is None or fresh.status != "verified":
            return  # a second channel of the same forward, or the complaint moved on
        try:
            transition(session, fresh, "forwarded", now, actor="bot", reason=f"delivered by {row.channel}",
                       agency=fresh.agency)
        except StatusChangeError as exc:
            log.warning("%s", exc)
            return
        fresh.due_stage = fresh.due_at = None


def forward_item(store: Store, complaint: ComplaintRow, agency: Agency | None, config: ForwardConfig) -> ForwardItem:
    """Return what the agency receives: the complaint, masked, with its links."""
    assert complaint.id is not None
    text = complaint.text
    spans = find_personal_data(text)
    if spans:
        text = mask_personal_data(text, spans)
    urls = tuple(f"https://x.com/{user or 'i'}/status/{tweet_id}" if user else f"https://x.com/i/web/status/{tweet_id}"
                 for tweet_id, user in tweet_ids(store, complaint.id))
    return ForwardItem(
        tracking_number=complaint.tracking_number, agency_id=agency.id if agency else OFFICERS,
        agency_name=agency.name if agency else "LAPOR! officers", status=complaint.status, kind=complaint.kind,
        category=complaint.category, category_name=_category_name(complaint.category),
        region_code=complaint.region_code, region_name=complaint.region_name, language=complaint.language,
        text=text, created_at=complaint.created_at, verified_at=complaint.verified_at, urgent=complaint.urgent,
        supporters=complaint.supporters, mentions=complaint.mentions, tweet_urls=urls,
        status_url=config.status_url.format(tracking_number=complaint.tracking_number),
        respond_hint=config.respond_hint, flags=tuple(json.loads(complaint.flags_json or "[]")),
    )


def _send_digests(store: Store, now: Callable[[], datetime], config: ForwardConfig, report: ForwardReport) -> None:
    """Send one e-mail per agency with every digest row that is due, then settle all its rows."""
    rows = due_forwards(store, now(), 1000, channels=("digest",))
    by_agency: dict[str, list[ForwardRow]] = defaultdict(list)
    for row in rows:
        by_agency[row.agency_id].append(row)
    for agency_id, group in by_agency.items():
        claimed = [row for row in group if row.id is not None and claim_forward(store, row.id, now())]
        if not claimed:
            continue
        agency = _agency(config.routing, agency_id)
        complaints = [store.read(lambda s, r=row: s.get(ComplaintRow, r.complaint_id)) for row in claimed]
        delivery: Delivery
        if agency is None or not agency.contact.email or config.smtp is None:
            delivery = Delivery(FAILED, error=f"agency {agency_id!r} has no e-mail address for its digest")
        else:
            items = [forward_item(store, c, agency, config) for c in complaints if c is not None]
            day = now().astimezone(WIB).date()
            mail = message.digest_email(items, agency.name, config.smtp.sender, agency.contact.email, day, now())
            _stable_message_id(mail, f"digest-{agency.id}-{day.isoformat()}-{claimed[0].id}", config.smtp.sender)

            def handover(rows: list[ForwardRow] = claimed) -> None:
                for claimed_row in rows:
                    assert claimed_row.id is not None
                    note_handover(store, claimed_row.id, now())

            delivery = email_channel.send_email(config.smtp, mail, before_handover=handover)
        if delivery.outcome == SENT:
            report.digests += 1
        for row, complaint in zip(claimed, complaints):
            if complaint is not None:
                _settle(store, row, complaint, delivery, now(), config, report)


def poll_open311(store: Store, now: Callable[[], datetime], config: ForwardConfig, report: ForwardReport) -> int:
    """Ask each agency's Open311 endpoint about the requests we created; record what changed."""
    from sqlmodel import col, select

    cutoff = now() - OPEN311_POLL_EVERY
    query = (select(ForwardRow, ComplaintRow)
             .where(ForwardRow.complaint_id == ComplaintRow.id, ForwardRow.channel == "open311",
                    ForwardRow.status == "sent", ForwardRow.purpose == COMPLAINT,
                    col(ComplaintRow.status).in_(("forwarded", "in_progress")), ForwardRow.updated_at <= cutoff)
             .order_by(col(ForwardRow.updated_at)).limit(50))
    recorded = 0
    for row, complaint in store.read(lambda s: list(s.exec(query))):
        agency = _agency(config.routing, row.agency_id)
        request_id = row.external_id or ""
        if agency is None or not agency.contact.open311 or not request_id:
            continue
        _touch(store, row, now())
        try:
            status = open311.fetch_status(agency.contact.open311, request_id)
        except open311.Open311Error as exc:
            report.problems.append(f"Open311 status of {complaint.tracking_number}: {exc}")
            continue
        notes = status.status_notes.strip()
        if status.status == "closed":
            wanted, ref = "responded", f"{request_id}:closed"
        elif notes:
            wanted = "in_progress"
            ref = f"{request_id}:open:{hashlib.sha256(notes.encode('utf-8')).hexdigest()[:16]}"
        else:
            continue
        try:
            outcome = record_response(store, complaint.tracking_number, wanted, notes, f"open311:{agency.id}", now(),
                                      source="open311", external_ref=ref)
        except ReviewError as exc:
            report.problems.append(f"Open311 status of {complaint.tracking_number}: {exc}")
            continue
        recorded += int(outcome.recorded)
    return recorded


def _touch(store: Store, row: ForwardRow, now: datetime) -> None:
    with store.session() as session:
        fresh = session.get(ForwardRow, row.id)
        if fresh is not None:
            fresh.updated_at = now


def _agency(routing: RoutingTable, agency_id: str) -> Agency | None:
    return next((a for a in routing.agencies if a.id == agency_id), None)


def _category_name(code: str) -> str:
    return category_names().get(code, {}).get("id", code)
