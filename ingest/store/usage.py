"""Count X API use per UTC day, for the spend estimate."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from ingest.store.models import UsageRow
from ingest.store.store import Store


def day_of(moment: datetime) -> str:
    """Return the UTC day of `moment` as YYYY-MM-DD."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d")


def count_usage(store: Store, now: datetime, *, reads: int = 0, posts: int = 0, posts_with_link: int = 0) -> None:
    """Add reads and posts to today's counts."""
    if not (reads or posts or posts_with_link):
        return
    for attempt in range(2):
        try:
            with store.session() as session:
                row = session.get(UsageRow, day_of(now), with_for_update=True)
                if row is None:
                    row = UsageRow(day=day_of(now))
                    session.add(row)
                row.reads += reads
                row.posts += posts
                row.posts_with_link += posts_with_link
            return
        except IntegrityError:
            if attempt:
                raise  # another worker created the day twice over: something else is wrong


def usage_days(store: Store, now: datetime, days: int) -> list[UsageRow]:
    """Return the counts of the last `days` days (today included), oldest first."""
    first = day_of(now - timedelta(days=max(days, 1) - 1))
    query = select(UsageRow).where(UsageRow.day >= first).order_by(col(UsageRow.day))
    return store.read(lambda s: list(s.exec(query)))
