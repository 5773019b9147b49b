"""The send job: post queued replies through X, once each, within X's posting limits.

A row is marked `sending` before the post and `posted` with X's id after. When an attempt's
outcome is unknown (timeout, connection reset, 5xx, or a crash while `sending`), the row is
marked in doubt and retried with the same text after a lease: if the first attempt did reach
X, X answers 403 duplicate content, which only then counts as proof it was posted.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ingest.backoff import WINDOW_SECONDS, daily_cap_pause, retry_delay
from ingest.errors import XError, XRateLimited, XRefused
from ingest.pauses import clear_failures, handle_x_failure, pause, paused_until
from ingest.store.models import ReplyRow
from ingest.store.outbox import is_opted_out, posts_since
from ingest.store.metrics import RateLimitFact, save_rate_limit
from ingest.store.store import Store
from ingest.store.usage import count_usage
from ingest.x_client import Posted

log = logging.getLogger(__name__)
CREATE = "create"
# bot_state key of the operator's stop switch (`lapor-bot replies stop`); its value is the reason.
STOP_KEY = "posting.stopped"
# X: 100 posts per 15 minutes per user; keep a margin for officers posting by hand.
POSTS_PER_WINDOW = 90
MAX_ATTEMPTS = 5
SENDING_LEASE = timedelta(minutes=5)
# X's 403 problem details for POST /2/tweets (X API v2 reference; matched on the text).
DUPLICATE = "duplicate content"
NOT_MENTIONED = "you have not been mentioned"
GONE = "deleted or not visible"


class XPoster(Protocol):
    """The part of the X client the sender uses."""

    def post_reply(self, text: str, in_reply_to: str, exclude_reply_user_ids: list[str] | None = None) -> Posted: ...


@dataclass
class SendReport:
    """What one send tick did."""

    status: str = "ok"
    message: str = ""
    posted: int = 0
    dry_run: int = 0
    failed: int = 0
    cancelled: int = 0


def posting_stopped(store: Store) -> str | None:
    """Return why the operator stopped all posting, or None if posting is on."""
    return store.get_state(STOP_KEY)


def stop_posting(store: Store, reason: str, now: datetime) -> None:
    """Stop all posting by every bot process, at once, until `resume_posting`."""
    store.set_state(STOP_KEY, reason or "stopped by an operator", now)
    store.record_event("posting_stopped", reason or "stopped by an operator", now, level="warning")


def resume_posting(store: Store, now: datetime) -> None:
    """Lift the operator's stop."""
    store.set_state(STOP_KEY, None, now)
    store.record_event("posting_resumed", "posting resumed by an operator", now)


def send_replies(
    x: XPoster,
    store: Store,
    clock: Callable[[], datetime],
    *,
    dry_run: bool,
    posting_enabled: bool = True,
    jitter: Callable[[], float] = random.random,
) -> SendReport:
    """Post what is due in the outbox; never raises for X's failures."""
    now = clock()
    report = SendReport()
    halt = _halted(store, now, dry_run=dry_run, posting_enabled=posting_enabled)
    if halt is not None:
        report.status, report.message = halt
        return report
    _release_stale(store, now)
    window = now - timedelta(seconds=WINDOW_SECONDS)
    for reply in store.due_replies(now, max(POSTS_PER_WINDOW - posts_since(store, window), 0)):
        assert reply.id is not None
        if dry_run:
            store.finish_reply(reply.id, "dry_run", now, error="LAPOR_DRY_RUN: composed, not posted")
            report.dry_run += 1
            continue
        if posts_since(store, window) >= POSTS_PER_WINDOW:
            break  # other workers used the window's budget meanwhile
        if not _may_post(store, reply, now, report):
            if report.status == "stopped":
                break
            continue
        if not store.claim_reply(reply.id, now):
            continue  # another worker has it
        try:
            _post_one(x, store, reply, now, report)
        except XError as exc:
            _requeue(store, reply, now, str(exc), in_doubt=not isinstance(exc, XRateLimited) or reply.in_doubt)
            report.status, report.message = handle_x_failure(store, CREATE, exc, now, jitter())
            log.warning("send: %s", report.message)
            break
        if report.status == "daily_cap":
            break
    else:
        clear_failures(store, CREATE, now)
    return report


def _halted(store: Store, now: datetime, *, dry_run: bool, posting_enabled: bool) -> tuple[str, str] | None:
    if dry_run:
        return None
    if not posting_enabled:
        return "stopped", "LAPOR_POSTING_ENABLED=false: replies stay queued"
    reason = posting_stopped(store)
    if reason is not None:
        return "stopped", f"posting stopped by an operator ({reason}): replies stay queued"
    until = paused_until(store, CREATE, now)
    if until is not None:
        return "paused", f"posting paused until {until:%Y-%m-%d %H:%M:%S} UTC"
    return None


def _may_post(store: Store, reply: ReplyRow, now: datetime, report: SendReport) -> bool:
    """Check, right before posting, what may have changed since the reply was queued."""
    assert reply.id is not None
    if posting_stopped(store) is not None:
        report.status, report.message = "stopped", "posting stopped by an operator mid-run"
        return False
    if reply.author_id and is_opted_out(store, reply.author_id):
        store.finish_reply(reply.id, "cancelled", now, error="the author opted out")
        report.cancelled += 1
        return False
    return True


def _post_one(x: XPoster, store: Store, reply: ReplyRow, now: datetime, report: SendReport) -> None:
    assert reply.id is not None
    exclude = json.loads(reply.exclude_user_ids_json)
    try:
        posted = x.post_reply(reply.text, reply.in_reply_to_tweet_id, exclude)
    except XRefused as exc:
        _refused(store, reply, now, exc, report)
        return
    except XRateLimited:
        raise
    except XError as exc:
        if reply.attempts + 1 >= MAX_ATTEMPTS:
            store.finish_reply(reply.id, "failed", now, error=f"gave up after {MAX_ATTEMPTS} attempts: {exc}",
                               in_doubt=True)
            report.failed += 1
            return
        raise
    store.finish_reply(reply.id, "posted", now, posted_tweet_id=posted.tweet_id)
    # X's 24-hour posting allowance, for /metrics (lapor_x_rate_limit_remaining{endpoint="create_24h"}).
    save_rate_limit(store, "create_24h", RateLimitFact(None, posted.daily.remaining, posted.daily.reset_at), now)
    _count_post(store, reply, now)
    report.posted += 1
    log.info("posted reply %s to tweet %s", posted.tweet_id, reply.in_reply_to_tweet_id)
    if posted.daily.spent:
        until = pause(store, CREATE, now, daily_cap_pause(posted.daily.reset_at, now.timestamp()))
        report.status = "daily_cap"
        report.message = f"X's 24-hour posting cap is spent: posting paused until {until:%Y-%m-%d %H:%M} UTC"
        log.warning("send: %s", report.message)


def _refused(store: Store, reply: ReplyRow, now: datetime, exc: XRefused, report: SendReport) -> None:
    assert reply.id is not None
    detail = exc.detail.lower()
    if DUPLICATE in detail and reply.in_doubt:
        store.finish_reply(reply.id, "posted", now, error="X reports duplicate content: an earlier attempt was posted")
        _count_post(store, reply, now)
        report.posted += 1
        return
    store.finish_reply(reply.id, "failed", now, error=f"{_refusal(exc, detail)}: {exc.detail or exc}")
    report.failed += 1
    log.warning("reply to %s failed for good: %s", reply.in_reply_to_tweet_id, exc)


def _refusal(exc: XRefused, detail: str) -> str:
    if DUPLICATE in detail:
        return "X refused duplicate content on a first attempt (the same text was posted before)"
    if NOT_MENTIONED in detail:
        return "X does not allow this reply (the author did not mention us)"
    if GONE in detail:
        return "the tweet was deleted or is not visible"
    if exc.status == 400:
        return "X rejected the text (400; e.g. longer than 280 weighted characters)"
    return f"X refused the reply ({exc.status})"


def _count_post(store: Store, reply: ReplyRow, now: datetime) -> None:
    if reply.has_link:
        count_usage(store, now, posts_with_link=1)
    else:
        count_usage(store, now, posts=1)


def _requeue(store: Store, reply: ReplyRow, now: datetime, error: str, *, in_doubt: bool) -> None:
    assert reply.id is not None
    retry_at = now + timedelta(seconds=retry_delay(reply.attempts + 1, 0.5))
    store.finish_reply(reply.id, "queued", now, error=error, retry_at=retry_at, in_doubt=in_doubt)


def _release_stale(store: Store, now: datetime) -> None:
    """Put replies stuck in `sending` past the lease (a crash mid-post) back in the queue, in doubt."""
    for reply in store.replies_sending():
        assert reply.id is not None
        if reply.updated_at <= now - SENDING_LEASE:
            log.warning("reply to %s was being sent when the bot stopped: retrying", reply.in_reply_to_tweet_id)
            store.finish_reply(reply.id, "queued", now, error="outcome unknown after a stop: retrying",
                               in_doubt=True)
