"""Read queries the console needs beyond `ingest.store.stats`: counts per day, and the
confidences of a queue page's first mentions. GROUP BY in SQL, always bounded by date or ids.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, literal_column
from sqlmodel import Session, col, select

from ingest.store.models import ComplaintRow, MentionRow
from ingest.store.store import Store

# Officers count days in Western Indonesian Time (UTC+7, no daylight saving).
WIB_HOURS = 7


def fetch_daily_categories(store: Store, since: datetime, until: datetime) -> list[tuple[str, str, int]]:
    """Return (WIB day YYYY-MM-DD, category, complaints created) for `since` <= created_at < `until`."""

    def query(session: Session) -> list[tuple[str, str, int]]:
        day = _wib_day(session, ComplaintRow.created_at).label("day")
        rows = session.execute(
            select(day, ComplaintRow.category, func.count())
            .where(col(ComplaintRow.created_at) >= _utc(since), col(ComplaintRow.created_at) < _utc(until))
            .group_by(day, ComplaintRow.category)
        )
        return sorted((str(d), category, int(n)) for d, category, n in rows)

    return store.read(query)


def fetch_confidences(store: Store, tweet_ids: list[str]) -> dict[str, tuple[float, float]]:
    """Return tweet id → (kind confidence, category confidence) for these mentions (one query)."""
    if not tweet_ids:
        return {}
    query = select(MentionRow.tweet_id, MentionRow.kind_confidence, MentionRow.category_confidence).where(
        col(MentionRow.tweet_id).in_(tweet_ids))
    return store.read(lambda s: {tweet_id: (kind, category) for tweet_id, kind, category in s.execute(query)})


def _wib_day(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, f"+{WIB_HOURS} hours")
    return func.to_char(column + literal_column(f"interval '{WIB_HOURS} hours'"), "YYYY-MM-DD")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)
