"""Counts and health facts for /metrics, /healthz and `lapor-bot doctor`: cheap GROUP BY reads.

Everything is read in one short transaction. Only known bot_state keys are read (the table
also keeps the console's session key, which must never leave the database).

Rate-limit facts live in bot_state, written by the X jobs with `save_rate_limit`:

    x.rate.<endpoint>    {"limit": 450, "remaining": 449, "reset_at": 1795000000}
                         (x-rate-limit-* headers of the endpoint's last answer)
    pause.<endpoint>     ISO time until which the endpoint is left alone (ingest.pauses)
    failures.<endpoint>  failures in a row (ingest.pauses)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, or_, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, create_engine, select

from ingest.errors import StoreUnavailable
from ingest.store.migrate import alembic_config
from ingest.store.models import (
    ComplaintRow,
    CursorRow,
    FollowupRow,
    ForwardRow,
    GapRow,
    MentionRow,
    QuarantineRow,
    ReplyRow,
    SlaBreachRow,
    StateRow,
    UsageRow,
)
from ingest.store.store import Store
from ingest.store.usage import day_of

RATE_PREFIX = "x.rate."
PAUSE_PREFIX = "pause."
FAILURES_PREFIX = "failures."
POSTING_STOPPED_KEY = "posting.stopped"  # replies.post.STOP_KEY
POLL_LEASE_KEY = "lease:poll"  # ingest.store.leases: renewed by the poller on every tick
MENTIONS_CURSOR = "mentions"  # ingest.poll.MENTIONS


@dataclass(frozen=True)
class RateLimitFact:
    """What X said about one endpoint's window in its last answer."""

    limit: int | None
    remaining: int | None
    reset_at: int | None  # Unix seconds


@dataclass(frozen=True)
class MetricsSnapshot:
    """The database's counts at one moment."""

    mentions_by_link: dict[str, int]
    complaints: dict[tuple[str, str, str], int]  # (kind, category, status) → count
    replies_by_status: dict[str, int]
    forwards: dict[tuple[str, str], int]  # (status, channel) → count
    mentions_awaiting_reply_decision: int
    followups_waiting: int
    sla_breaches_by_stage: dict[str, int]
    overdue_by_stage: dict[str, int]  # complaints past their running deadline
    quarantined: int
    gaps_open: int
    gaps_estimated_missing: int
    usage_today: UsageRow
    rate_limits: dict[str, RateLimitFact]
    paused_until: dict[str, datetime]  # the endpoints paused now, and until when
    failures_in_a_row: dict[str, int]
    posting_stopped: str | None
    last_poll: datetime | None


@dataclass(frozen=True)
class Health:
    """What /healthz tells: no personal data, no counts."""

    last_poll: datetime | None
    posting_stopped: str | None
    posting_paused_until: datetime | None


def read_metrics(store: Store, now: datetime) -> MetricsSnapshot:
    """Return the counts /metrics exposes, read in one transaction."""
    return store.read(lambda s: _snapshot(s, now))


def _snapshot(s: Session, now: datetime) -> MetricsSnapshot:
    state = _known_state(s)
    gaps = s.exec(select(func.count(), func.coalesce(func.sum(GapRow.estimated_missing), 0))
                  .where(GapRow.status == "open")).one()
    return MetricsSnapshot(
        mentions_by_link=_grouped(s, MentionRow.link),
        complaints=_grouped_many(s, ComplaintRow.kind, ComplaintRow.category, ComplaintRow.status),
        replies_by_status=_grouped(s, ReplyRow.status),
        forwards=_grouped_many(s, ForwardRow.status, ForwardRow.channel),
        mentions_awaiting_reply_decision=_count(s, MentionRow.tweet_id, MentionRow.reply_state == "pending"),
        followups_waiting=_count(s, FollowupRow.id, FollowupRow.state == "waiting"),
        sla_breaches_by_stage=_grouped(s, SlaBreachRow.stage),
        overdue_by_stage=_grouped(s, ComplaintRow.due_stage, col(ComplaintRow.due_at) < now,
                                  col(ComplaintRow.due_stage).is_not(None)),
        quarantined=_count(s, QuarantineRow.id),
        gaps_open=int(gaps[0]),
        gaps_estimated_missing=int(gaps[1]),
        usage_today=s.get(UsageRow, day_of(now)) or UsageRow(day=day_of(now)),
        rate_limits={key[len(RATE_PREFIX):]: _rate(value) for key, (value, _) in state.items()
                     if key.startswith(RATE_PREFIX)},
        paused_until={key[len(PAUSE_PREFIX):]: until for key, (value, _) in state.items()
                      if key.startswith(PAUSE_PREFIX) and (until := _until(value)) is not None and until > now},
        failures_in_a_row={key[len(FAILURES_PREFIX):]: int(value) for key, (value, _) in state.items()
                           if key.startswith(FAILURES_PREFIX) and value.isdigit()},
        posting_stopped=state[POSTING_STOPPED_KEY][0] if POSTING_STOPPED_KEY in state else None,
        last_poll=_last_poll(s, state),
    )


def read_health(store: Store, now: datetime) -> Health:
    """Return the facts /healthz reports; raises StoreError when the database does not answer."""

    def query(s: Session) -> Health:
        state = _known_state(s)
        paused = state.get(PAUSE_PREFIX + "create")
        until = _until(paused[0]) if paused else None
        return Health(
            last_poll=_last_poll(s, state),
            posting_stopped=state[POSTING_STOPPED_KEY][0] if POSTING_STOPPED_KEY in state else None,
            posting_paused_until=until if until is not None and until > now else None,
        )

    return store.read(query)


def save_rate_limit(store: Store, endpoint: str, fact: RateLimitFact, now: datetime) -> None:
    """Remember what X said about `endpoint`'s rate-limit window (nothing when X said nothing)."""
    if fact.limit is None and fact.remaining is None and fact.reset_at is None:
        return
    value = json.dumps({"limit": fact.limit, "remaining": fact.remaining, "reset_at": fact.reset_at})
    store.set_state(RATE_PREFIX + endpoint, value, now)


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands against this code's migrations."""

    current: str | None  # None: no tables yet
    head: str | None
    known: bool  # whether this code has the database's revision at all (else the code is older)

    @property
    def up_to_date(self) -> bool:
        """Return whether the database is at the newest revision."""
        return self.current == self.head


def fetch_schema_state(url: str, *, timeout: float = 5.0) -> SchemaState:
    """Return the database's Alembic revision against the newest one, changing nothing.

    Raises StoreUnavailable when the database cannot be reached.
    """
    script = ScriptDirectory.from_config(alembic_config())
    with _engine_as_is(url, timeout) as engine, _translated(), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        current = MigrationContext.configure(connection).get_current_revision()
    known = current is None or any(rev.revision == current for rev in script.walk_revisions())
    return SchemaState(current=current, head=script.get_current_head(), known=known)


def fetch_health_as_is(url: str, now: datetime, *, timeout: float = 5.0) -> Health:
    """Return the /healthz facts of a database without migrating it (for `lapor-bot doctor`)."""
    with _engine_as_is(url, timeout) as engine, _translated():
        return read_health(Store(engine), now)


@contextmanager
def _engine_as_is(url: str, timeout: float) -> Iterator[Engine]:
    """Yield an engine on `url` with a short connect timeout, disposed afterwards; never migrates."""
    sqlite = make_url(url).get_backend_name() == "sqlite"
    connect_args: dict[str, Any] = {"timeout": timeout} if sqlite else {"connect_timeout": max(int(timeout), 1)}
    try:
        engine = create_engine(url, connect_args=connect_args)
    except ImportError as exc:
        raise StoreUnavailable(f"no database driver ({exc.name}): install it, e.g. pip install '.[postgres]'") from None
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise StoreUnavailable(reason) from None


# --- helpers -----------------------------------------------------------------------------------
def _grouped(s: Session, column: Any, *where: Any) -> dict[str, int]:
    query = select(column, func.count()).where(*where).group_by(column)
    return {str(key): int(count) for key, count in s.exec(query)}


def _grouped_many(s: Session, *columns: Any) -> dict[Any, int]:
    query = select(*columns, func.count()).group_by(*columns)  # type: ignore[call-overload]
    return {tuple(str(v) for v in row[:-1]): int(row[-1]) for row in s.exec(query)}


def _count(s: Session, column: Any, *where: Any) -> int:
    return int(s.exec(select(func.count(column)).where(*where)).one())


def _known_state(s: Session) -> dict[str, tuple[str, datetime]]:
    """Return the bot_state rows metrics may show: pauses, failures, rate limits, the stop, the poll lease."""
    key = col(StateRow.key)
    query = select(StateRow).where(or_(
        key.startswith(RATE_PREFIX), key.startswith(PAUSE_PREFIX), key.startswith(FAILURES_PREFIX),
        key == POSTING_STOPPED_KEY, key == POLL_LEASE_KEY,
    ))
    return {row.key: (row.value, _aware(row.updated_at)) for row in s.exec(query)}


def _last_poll(s: Session, state: dict[str, tuple[str, datetime]]) -> datetime | None:
    """Return when a poll last ran: the poll lease's renewal, or the cursor's last move."""
    cursor = s.get(CursorRow, MENTIONS_CURSOR)
    moments = [_aware(cursor.updated_at)] if cursor is not None else []
    if POLL_LEASE_KEY in state:
        moments.append(state[POLL_LEASE_KEY][1])
    return max(moments) if moments else None


def _rate(value: str) -> RateLimitFact:
    try:
        data = json.loads(value)
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}

    def number(name: str) -> int | None:
        found = data.get(name)
        return int(found) if isinstance(found, int | float) and not isinstance(found, bool) else None

    return RateLimitFact(number("limit"), number("remaining"), number("reset_at"))


def _until(value: str) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(value))
    except ValueError:
        return None


def _aware(moment: datetime) -> datetime:
    """Return `moment` as aware UTC (the databases hand back naive UTC times)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
