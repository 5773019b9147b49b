"""The database edge: the only module that opens sessions (SQLite by default, PostgreSQL too)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, delete, event, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session, create_engine, select

from ingest.errors import StoreError, StoreUnavailable
from ingest.store import migrate
from ingest.store.models import (
    ComplaintRow,
    CursorRow,
    EventRow,
    GapRow,
    MentionRow,
    ReplyRow,
    StateRow,
    TrackingCounterRow,
)
from ingest.tracking import format_tracking_number, tracking_period

log = logging.getLogger(__name__)
STATE: Table = StateRow.__table__  # type: ignore[attr-defined]
T = TypeVar("T")


def open_store(url: str, *, lock_timeout: float = 15.0) -> Store:
    """Open the database at `url`, apply migrations, and return a Store.

    `lock_timeout` is how long a SQLite writer waits for another one before giving up.
    """
    engine = _engine(url, lock_timeout)
    try:
        _migrate(url, engine, lock_timeout)
    except DBAPIError as exc:
        engine.dispose()
        raise StoreUnavailable(f"cannot open the database {_safe_url(url)}: {_reason(exc)}") from None
    return Store(engine, url)


def _migrate(url: str, engine: Engine, lock_timeout: float) -> None:
    """Apply the migrations in one transaction, also on SQLite.

    pysqlite commits by itself before DDL, so a process killed mid-migration would leave
    tables without their alembic_version row. On SQLite the migrations therefore run on a
    connection in autocommit mode that issues its own BEGIN IMMEDIATE (which also serialises
    two processes starting at once).
    """
    if make_url(url).get_backend_name() != "sqlite":
        migrate.upgrade(engine)
        return
    migrating = create_engine(url, connect_args={"timeout": lock_timeout, "isolation_level": None})

    def begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(migrating, "begin", begin)
    try:
        migrate.upgrade(migrating)
    finally:
        migrating.dispose()


def _engine(url: str, lock_timeout: float) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(url, pool_pre_ping=True)
        except ImportError as exc:
            raise StoreUnavailable(
                f"no driver for {_safe_url(url)} ({exc.name}): install it, e.g. pip install '.[postgres]'"
            ) from None
    database = parsed.database or ""
    if database and database != ":memory:" and not Path(database).parent.exists():
        raise StoreUnavailable(f"cannot open the database {url}: folder {Path(database).parent} does not exist")
    engine = create_engine(url, connect_args={"timeout": lock_timeout})

    def pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    return engine


def _sqlite_file(url: str | None) -> Path | None:
    if url is None:
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).resolve()


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__


class Store:
    """Reads and writes the bot's tables; every failure leaves as a StoreError."""

    def __init__(self, engine: Engine, url: str | None = None) -> None:
        self.engine = engine
        self._file = _sqlite_file(url)

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session in one transaction, committed on success, rolled back on error."""
        if self._file is not None and not self._file.exists():
            # Open connections would go on writing into the unlinked file, lost at the next start.
            raise StoreUnavailable(f"the database file {self._file} is gone: restore it or restart the bot")
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
                session.commit()
        except OperationalError as exc:
            raise StoreUnavailable(f"the database is unavailable: {_reason(exc)}") from None
        except IntegrityError:
            raise
        except DBAPIError as exc:
            raise StoreError(f"the database refused a write: {_reason(exc)}") from None

    def read(self, query: Callable[[Session], T]) -> T:
        """Run `query` in a short transaction and return its result."""
        with self.session() as session:
            return query(session)

    # --- small state -------------------------------------------------------------------
    def get_state(self, key: str) -> str | None:
        """Return a stored bot_state value, or None."""
        row = self.read(lambda s: s.get(StateRow, key))
        return row.value if row else None

    def set_state(self, key: str, value: str | None, now: datetime) -> None:
        """Store (or with None, delete) a bot_state value.

        One atomic statement (an upsert): two processes writing a new key at once both succeed,
        the later write wins.
        """
        with self.session() as session:
            if value is None:
                session.execute(delete(STATE).where(STATE.c.key == key))
                return
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            statement = dialect.insert(STATE).values(key=key, value=value, updated_at=now)
            session.execute(statement.on_conflict_do_update(index_elements=[STATE.c.key],
                                                            set_={"value": value, "updated_at": now}))

    def get_cursor(self, name: str) -> str | None:
        """Return the since_id of the timeline `name`, or None before the first poll."""
        row = self.read(lambda s: s.get(CursorRow, name))
        return row.since_id if row else None

    def set_cursor(self, name: str, since_id: str, now: datetime) -> None:
        """Move the cursor of `name` forward to `since_id` (never backwards)."""
        with self.session() as session:
            row = session.get(CursorRow, name)
            if row is None:
                session.add(CursorRow(name=name, since_id=since_id, updated_at=now))
            elif int(since_id) > int(row.since_id):
                row.since_id, row.updated_at = since_id, now

    def record_event(self, kind: str, message: str, now: datetime, **details: Any) -> None:
        """Append one line to the event log (details: level, tweet_id, complaint_id)."""
        with self.session() as session:
            add_event(session, kind, message, now, **details)

    # --- gaps ----------------------------------------------------------------------------
    def open_gap(self, since_id: str, until_id: str, estimated: int, now: datetime) -> GapRow:
        """Record that mentions between since_id and until_id may be missing."""
        with self.session() as session:
            gap = GapRow(since_id=since_id, until_id=until_id, estimated_missing=estimated, detected_at=now)
            session.add(gap)
            session.flush()
            return gap

    def open_gaps(self) -> list[GapRow]:
        """Return the gaps not yet backfilled, oldest first."""
        return self.read(
            lambda s: list(s.exec(select(GapRow).where(GapRow.status == "open").order_by(GapRow.id)))
        )

    def close_gap(self, gap_id: int, status: str, recovered: int, now: datetime) -> None:
        """Mark a gap backfilled (or expired) with how many mentions came back."""
        with self.session() as session:
            gap = session.get(GapRow, gap_id)
            if gap is not None:
                gap.status, gap.recovered, gap.closed_at = status, recovered, now

    # --- outbox --------------------------------------------------------------------------
    def due_replies(self, now: datetime, limit: int) -> list[ReplyRow]:
        """Return queued replies whose time has come, oldest first."""
        return self.read(
            lambda s: list(
                s.exec(
                    select(ReplyRow)
                    .where(ReplyRow.status == "queued", ReplyRow.next_attempt_at <= now)
                    .order_by(ReplyRow.id)
                    .limit(limit)
                )
            )
        )

    def replies_sending(self) -> list[ReplyRow]:
        """Return replies marked sending: a post is under way, or its worker died mid-post."""
        return self.read(
            lambda s: list(s.exec(select(ReplyRow).where(ReplyRow.status == "sending").order_by(ReplyRow.id)))
        )

    def claim_reply(self, reply_id: int, now: datetime, expected: str = "queued") -> bool:
        """Mark a reply `sending` before posting it; False if another worker took it."""
        with self.session() as session:
            result = session.execute(
                update(ReplyRow)
                .where(ReplyRow.id == reply_id, ReplyRow.status == expected)
                .values(status="sending", attempts=ReplyRow.attempts + 1, updated_at=now)
            )
            return result.rowcount == 1

    def finish_reply(
        self,
        reply_id: int,
        status: str,
        now: datetime,
        *,
        posted_tweet_id: str | None = None,
        error: str | None = None,
        retry_at: datetime | None = None,
        in_doubt: bool | None = None,
    ) -> None:
        """Record a post's outcome: posted, failed, cancelled, or queued again at `retry_at`."""
        with self.session() as session:
            reply = session.get(ReplyRow, reply_id)
            if reply is None:
                return
            reply.status, reply.updated_at, reply.last_error = status, now, error
            reply.posted_tweet_id = posted_tweet_id or reply.posted_tweet_id
            if retry_at is not None:
                reply.next_attempt_at = retry_at
            if in_doubt is not None:
                reply.in_doubt = in_doubt
            complaint = session.get(ComplaintRow, reply.complaint_id) if reply.complaint_id else None
            if complaint is not None and reply.purpose == "acknowledgement" and status in ("posted", "failed", "dry_run"):
                complaint.acknowledgement = status
                if status == "posted" and complaint.acknowledged_at is None:
                    complaint.acknowledged_at = now
            level = "error" if status == "failed" else "info"
            add_event(
                session, f"reply_{status}", error or f"reply {status}", now,
                level=level, tweet_id=reply.in_reply_to_tweet_id, complaint_id=reply.complaint_id,
            )

    # --- reports ------------------------------------------------------------------------
    def count_by(self, column: Any, *where: Any) -> dict[str, int]:
        """Return row counts grouped by one column."""
        table = column.class_
        query = select(column, func.count()).select_from(table).where(*where).group_by(column)
        return self.read(lambda s: {str(key): count for key, count in s.exec(query)})

    def complaints(self, limit: int = 50) -> list[ComplaintRow]:
        """Return the newest complaints."""
        return self.read(
            lambda s: list(s.exec(select(ComplaintRow).order_by(ComplaintRow.id.desc()).limit(limit)))
        )

    def complaint(self, tracking_number: str) -> ComplaintRow | None:
        """Return one complaint by tracking number."""
        query = select(ComplaintRow).where(ComplaintRow.tracking_number == tracking_number)
        return self.read(lambda s: s.exec(query).first())

    def complaint_details(self, complaint_id: int) -> tuple[list[MentionRow], list[ReplyRow], list[EventRow]]:
        """Return a complaint's mentions, replies and events, oldest first."""

        def query(s: Session) -> tuple[list[MentionRow], list[ReplyRow], list[EventRow]]:
            mentions = s.exec(select(MentionRow).where(MentionRow.complaint_id == complaint_id).order_by(MentionRow.created_at))
            replies = s.exec(select(ReplyRow).where(ReplyRow.complaint_id == complaint_id).order_by(ReplyRow.id))
            events = s.exec(select(EventRow).where(EventRow.complaint_id == complaint_id).order_by(EventRow.id))
            return list(mentions), list(replies), list(events)

        return self.read(query)


def add_event(
    session: Session,
    kind: str,
    message: str,
    now: datetime,
    *,
    level: str = "info",
    tweet_id: str | None = None,
    complaint_id: int | None = None,
) -> None:
    """Add an event row inside an open session."""
    session.add(
        EventRow(at=now, kind=kind, level=level, tweet_id=tweet_id, complaint_id=complaint_id, message=message)
    )


def next_tracking_number(session: Session, created_at: datetime) -> str:
    """Allocate the next tracking number of created_at's month inside an open session."""
    period = tracking_period(created_at)
    counter = session.get(TrackingCounterRow, period, with_for_update=True)
    if counter is None:
        counter = TrackingCounterRow(period=period, last=0)
        session.add(counter)
    counter.last += 1
    session.flush()
    return format_tracking_number(period, counter.last)


def to_json(value: Any) -> str:
    """Return JSON text safe for any database (ASCII only, lone surrogates escaped)."""
    return json.dumps(value, ensure_ascii=True, sort_keys=True, default=str)
