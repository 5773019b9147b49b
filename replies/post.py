"""The send job: post queued replies through X, once each, within X's posting limits.

A row is marked `sending` before the post and `posted` with X's id after. A row left in
`sending` by a crash is retried with the same text only after a lease: if the first attempt
did reach X, X answers 403 duplicate content, which we take as proof it was posted.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ingest.backoff import WINDOW_SECONDS, retry_delay
from ingest.errors import XError, XRateLimited, XRefused
from ingest.pauses import clear_failures, handle_x_failure, paused_until
from ingest.store.models import ReplyRow
from ingest.store.outbox import posts_since
from ingest.store.store import Store

log = logging.getLogger(__name__)
CREATE = "create"
# X: 100 posts per 15 minutes per user; keep a margin for officers posting by hand.
POSTS_PER_WINDOW = 90
MAX_ATTEMPTS = 5
SENDING_LEASE = timedelta(minutes=5)
DUPLICATE = "duplicate content"
NOT_ALLOWED = ("not allowed because you have not been mentioned", "deleted or not visible")


class XPoster(Protocol):
    """The part of the X client the sender uses."""

    def post_reply(self, text: str, in_reply_to: str, exclude_reply_user_ids: list[str] | None = None) -> str: ...


@dataclass
class SendReport:
    """What one send tick did."""

    status: str = "ok"
    message: str = ""
    posted: int = 0
    dry_run: int = 0
    failed: int = 0
    retrying: int = 0


def send_replies(
    x: XPoster,
    store: Store,
    clock: Callable[[], datetime],
    *,
    dry_run: bool,
    jitter: Callable[[], float] = random.random,
) -> SendReport:
    """Post what is due in the outbox; never raises for X's failures."""
    now = clock()
    report = SendReport()
    until = paused_until(store, CREATE, now)
    if until is not None:
        report.status, report.message = "paused", f"posting paused until {until:%H:%M:%S} UTC"
        return report
    _release_stale(store, now)
    budget = POSTS_PER_WINDOW - posts_since(store, now - timedelta(seconds=WINDOW_SECONDS))
    for reply in store.due_replies(now, max(budget, 0)):
        assert reply.id is not None
        if dry_run:
            store.finish_reply(reply.id, "dry_run", now, error="LAPOR_DRY_RUN: composed, not posted")
            report.dry_run += 1
            continue
        if not store.claim_reply(reply.id, now):
            continue  # another worker has it
        try:
            _post_one(x, store, reply, now, report)
        except XError as exc:
            _requeue(store, reply, now, str(exc))
            report.status, report.message = handle_x_failure(store, CREATE, exc, now, jitter())
            log.warning("send: %s", report.message)
            break
    else:
        clear_failures(store, CREATE, now)
    return report


def _post_one(x: XPoster, store: Store, reply: ReplyRow, now: datetime, report: SendReport) -> None:
    assert reply.id is not None
    exclude = json.loads(reply.exclude_user_ids_json)
    try:
        tweet_id = x.post_reply(reply.text, reply.in_reply_to_tweet_id, exclude)
    except XRefused as exc:
        _refused(store, reply, now, exc, report)
        return
    except XRateLimited:
        raise
    except XError as exc:
        # Outcome unknown (timeout, reset, 5xx): retry later with the same text; a duplicate
        # 403 then proves the first try landed.
        if reply.attempts + 1 >= MAX_ATTEMPTS:
            store.finish_reply(reply.id, "failed", now, error=f"gave up after {MAX_ATTEMPTS} attempts: {exc}")
            report.failed += 1
            return
        raise
    store.finish_reply(reply.id, "posted", now, posted_tweet_id=tweet_id)
    report.posted += 1
    log.info("posted reply %s to tweet %s", tweet_id, reply.in_reply_to_tweet_id)


def _refused(store: Store, reply: ReplyRow, now: datetime, exc: XRefused, report: SendReport) -> None:
    assert reply.id is not None
    detail = exc.detail.lower()
    if DUPLICATE in detail:
        store.finish_reply(reply.id, "posted", now, error="X reports duplicate content: an earlier attempt was posted")
        report.posted += 1
        return
    reason = "X does not allow this reply" if any(s in detail for s in NOT_ALLOWED) else "X refused the reply"
    store.finish_reply(reply.id, "failed", now, error=f"{reason}: {exc.detail or exc}")
    report.failed += 1
    log.warning("reply to %s failed for good: %s", reply.in_reply_to_tweet_id, exc)


def _requeue(store: Store, reply: ReplyRow, now: datetime, error: str) -> None:
    assert reply.id is not None
    retry_at = now + timedelta(seconds=retry_delay(reply.attempts + 1, 0.5))
    store.finish_reply(reply.id, "queued", now, error=error, retry_at=retry_at)


def _release_stale(store: Store, now: datetime) -> None:
    """Put replies stuck in `sending` past the lease (a crash mid-post) back in the queue."""
    for reply in store.replies_in_doubt():
        assert reply.id is not None
        if reply.updated_at <= now - SENDING_LEASE:
            log.warning("reply to %s was being sent when the bot stopped: retrying", reply.in_reply_to_tweet_id)
            store.finish_reply(reply.id, "queued", now, error="outcome unknown after a stop: retrying")
