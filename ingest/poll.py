"""The poll job: read new mentions from X, store them, move the cursor, mend gaps.

Follows the X API v2 mentions timeline rules: `since_id` and `until_id` are exclusive,
`since_id` stays fixed while `next_token` is followed; only the 800 newest mentions are
reachable, so an older cursor leaves a gap that recent search (7 days) can fill. A
`next_token` is not trusted to cover everything: see `Walk`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol

from ingest.dedupe import DEFAULT_THRESHOLDS, Thresholds
from ingest.errors import XAuthError, XError
from ingest.link import COMPLAINT_KINDS
from ingest.normalise import Includes
from ingest.pauses import clear_failures, handle_x_failure, paused_until
from ingest.pipeline import Fetched, IngestCounts, ingest_tweets
from ingest.routing import RoutingTable
from ingest.store.metrics import RateLimitFact, save_rate_limit
from ingest.store.store import Store
from ingest.store.usage import count_usage
from ingest.walk import Skip, Walk, next_request, step
from ingest.x_client import Account, Page

log = logging.getLogger(__name__)
MENTIONS = "mentions"
SEARCH_REACH = timedelta(days=7)
PAGE_SIZE = 100  # max_results of a mentions page (X API v2: 5–100)
# X snowflake ids carry their creation time: milliseconds since this epoch, shifted 22 bits.
TWITTER_EPOCH_MS = 1288834974657


class XReader(Protocol):
    """The part of the X client the poller uses."""

    def fetch_account(self, username: str) -> Account: ...
    def fetch_mentions_page(
        self, user_id: str, *, since_id: str | None = ..., until_id: str | None = ...,
        pagination_token: str | None = ..., max_results: int = ...
    ) -> Page: ...
    def fetch_search_page(
        self, query: str, *, since_id: str | None = ..., until_id: str | None = ..., next_token: str | None = ...
    ) -> Page: ...


@dataclass(frozen=True)
class PollConfig:
    """How the poller reads: the account, the first start's window, X's reach."""

    account: str
    backfill_hours: float = 6.0
    reach_limit: int = 800  # X lists at most the 800 newest mentions
    max_pages: int = 20  # requests per poll, until_id span checks included
    complaint_kinds: frozenset[str] = COMPLAINT_KINDS  # kinds that open a complaint
    routing: RoutingTable | None = None  # the agency routing table (None: the shipped one)
    thresholds: Thresholds = DEFAULT_THRESHOLDS  # when texts count as one problem


@dataclass
class PollReport:
    """What one poll did."""

    status: str = "ok"
    message: str = ""
    pages: int = 0
    since_id: str | None = None
    newest_id: str | None = None
    gaps_opened: int = 0
    gaps_backfilled: int = 0
    skipped: int = 0  # mentions next_token passed over, read by until_id instead
    counts: IngestCounts = field(default_factory=IngestCounts)


def poll_once(
    x: XReader,
    store: Store,
    clock: Callable[[], datetime],
    config: PollConfig,
    jitter: Callable[[], float] = random.random,
) -> PollReport:
    """Run one poll: never raises for X's failures, pauses instead and reports them."""
    now = clock()
    report = PollReport()
    until = paused_until(store, MENTIONS, now)
    if until is not None:
        report.status, report.message = "paused", f"mentions paused until {until:%H:%M:%S} UTC"
        return report
    try:
        account_id = resolve_account(x, store, config.account, now)
        _read_timeline(x, store, now, config, account_id, report)
        _backfill_gaps(x, store, now, config, account_id, report)
    except XError as exc:
        report.status, report.message = handle_x_failure(store, MENTIONS, exc, now, jitter())
        level = logging.ERROR if report.status in ("usage_capped", "auth_error") else logging.WARNING
        log.log(level, "poll: %s", report.message)
        store.record_event(f"poll_{report.status}", report.message, now, level=logging.getLevelName(level).lower())
        return report
    clear_failures(store, MENTIONS, now)
    return report


def known_account_id(store: Store, username: str) -> str | None:
    """Return the account's id if a poll has resolved it already."""
    return store.get_state(_account_key(username))


def _account_key(username: str) -> str:
    return f"x.account_id.{username.lower()}"


def resolve_account(x: XReader, store: Store, username: str, now: datetime) -> str:
    """Return the account's id: asked of X once, then kept in the database."""
    key = _account_key(username)
    cached = store.get_state(key)
    if cached:
        return cached
    account = x.fetch_account(username)
    if account.username.lower() != username.lower():
        raise XAuthError(f"the X credentials belong to @{account.username}, not LAPOR_ACCOUNT=@{username}")
    store.set_state(key, account.id, now)
    log.info("account @%s has id %s", account.username, account.id)
    return account.id


def _read_timeline(
    x: XReader, store: Store, now: datetime, config: PollConfig, account_id: str, report: PollReport
) -> None:
    since_id = store.get_cursor(MENTIONS)
    report.since_id = since_id
    answer_from = now - timedelta(hours=config.backfill_hours) if since_id is None else None
    pages: list[Page] = []
    walk = Walk(since_id)
    seen: set[str] = set()
    try:
        while (request := next_request(walk)) is not None and len(pages) < config.max_pages:
            page = x.fetch_mentions_page(
                account_id, since_id=request.since_id, until_id=request.until_id,
                pagination_token=request.pagination_token, max_results=PAGE_SIZE,
            )
            pages.append(page)
            _note_page(store, page, now, "mentions")
            _note_repeat(store, page, seen, len(pages), now)
            walk = step(walk, _tweet_ids(page), page.next_token, full=len(page.tweets) >= PAGE_SIZE)
    finally:
        # Whatever was fetched is stored, even when a later page failed: nothing read is lost.
        report.pages = len(pages)
        report.counts.add(
            ingest_tweets(
                store, _oldest_first(pages), account_id=account_id, source="mentions",
                now=now, answer_from=answer_from, complaint_kinds=config.complaint_kinds, routing=config.routing,
                thresholds=config.thresholds,
            )
        )
        _note_skips(store, walk.skips, now, report)
    _advance(store, now, config, pages, walk, report)


def _tweet_ids(page: Page) -> list[int]:
    raw = (str(t.get("id", "")) for t in page.tweets if isinstance(t, dict))
    return [int(i) for i in raw if i.isascii() and i.isdigit()]


def _note_skips(store: Store, skips: tuple[Skip, ...], now: datetime, report: PollReport) -> None:
    """Report mentions next_token passed over (they were read by until_id, none is lost)."""
    for skip in skips:
        after = f" and newer than {skip.after_id}" if skip.after_id else ""
        message = (f"X's next_token skipped {skip.found} mentions older than {skip.before_id}{after}: "
                   f"read them by until_id instead")
        log.warning("poll: %s", message)
        store.record_event("page_skipped", message, now, level="warning")
        report.skipped += skip.found


def _note_repeat(store: Store, page: Page, seen: set[str], number: int, now: datetime) -> None:
    """Report a page X served again within one poll (its tweets are stored once all the same)."""
    ids = {str(t.get("id")) for t in page.tweets if isinstance(t, dict)}
    if ids and ids <= seen:
        message = f"page {number} of the mentions repeats {len(ids)} posts already read in this poll (X served it twice)"
        log.warning("poll: %s", message)
        store.record_event("page_repeated", message, now, level="warning")
    seen |= ids


def _advance(
    store: Store, now: datetime, config: PollConfig, pages: list[Page], walk: Walk, report: PollReport
) -> None:
    ids = {i for page in pages for i in _tweet_ids(page)}
    if not ids:
        return
    newest = max(ids)
    # Everything newer than the frontier is read; an unfinished walk leaves the rest to search.
    oldest = walk.frontier if walk.frontier is not None else min(ids)
    store.set_cursor(MENTIONS, str(newest), now)
    report.newest_id = str(newest)
    since_id = walk.since_id
    if since_id is not None and (len(ids) >= config.reach_limit or not walk.done):
        missing = estimate_missing(int(since_id), oldest, newest, len(ids))
        store.open_gap(since_id, str(oldest), missing, now)
        report.gaps_opened += 1
        message = (
            f"mentions between {since_id} and {oldest} are beyond X's reach of the timeline "
            f"(about {missing} may be missing): backfilling from recent search"
        )
        log.warning("poll: %s", message)
        store.record_event("gap_opened", message, now, level="warning")


def _backfill_gaps(
    x: XReader, store: Store, now: datetime, config: PollConfig, account_id: str, report: PollReport
) -> None:
    query = f"@{config.account} -from:{config.account}"
    for gap in store.open_gaps():
        assert gap.id is not None
        if snowflake_time(int(gap.until_id)) < now - SEARCH_REACH:
            store.close_gap(gap.id, "expired", 0, now)
            store.record_event("gap_expired", f"gap {gap.id} is older than recent search reaches", now, level="warning")
            continue
        pages: list[Page] = []
        token: str | None = None
        while len(pages) < config.max_pages:
            page = x.fetch_search_page(query, since_id=gap.since_id, until_id=gap.until_id, next_token=token)
            pages.append(page)
            _note_page(store, page, now, "search")
            token = page.next_token
            if token is None:
                break
        counts = ingest_tweets(
            store, _oldest_first(pages), account_id=account_id, source="search", now=now, answer_from=None,
            complaint_kinds=config.complaint_kinds, routing=config.routing, thresholds=config.thresholds,
        )
        report.counts.add(counts)
        store.close_gap(gap.id, "backfilled", counts.stored, now)
        report.gaps_backfilled += 1
        store.record_event("gap_backfilled", f"gap {gap.id}: {counts.stored} mentions recovered", now)


def _oldest_first(pages: list[Page]) -> list[Fetched]:
    """Return every tweet of the pages, oldest first, each with its page's includes."""
    fetched: list[Fetched] = []
    for page in reversed(pages):
        includes = Includes.from_payload(page.includes)
        fetched.extend(Fetched(raw, includes) for raw in reversed(page.tweets))
    return fetched


def _note_page(store: Store, page: Page, now: datetime, endpoint: str) -> None:
    """Count the posts read (X bills reads per post, expansions included), keep X's rate-limit
    window for /metrics, and log partial errors."""
    save_rate_limit(store, endpoint, RateLimitFact(page.rate.limit, page.rate.remaining, page.rate.reset_at), now)
    included = page.includes.get("tweets")
    count_usage(store, now, reads=len(page.tweets) + (len(included) if isinstance(included, list) else 0))
    if page.errors:
        details = "; ".join(str(e.get("detail") if isinstance(e, dict) else e)[:200] for e in page.errors[:5])
        store.record_event("partial_errors", f"{len(page.errors)} partial errors: {details}", now)


def snowflake_time(tweet_id: int) -> datetime:
    """Return when an X id was minted (ids carry their creation time)."""
    return datetime.fromtimestamp(((tweet_id >> 22) + TWITTER_EPOCH_MS) / 1000, tz=timezone.utc)


def estimate_missing(since_id: int, oldest: int, newest: int, seen: int) -> int:
    """Estimate how many mentions fell between since_id and oldest, at the rate just seen."""
    span_seen = (newest >> 22) - (oldest >> 22)
    span_gap = (oldest >> 22) - (since_id >> 22)
    if span_gap <= 0:
        return 0
    if span_seen <= 0:
        return seen
    return max(1, round(seen * span_gap / span_seen))
