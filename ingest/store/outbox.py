"""Outbox writes: queue a reply once per tweet, count recent posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ingest.store.models import ComplaintRow, MentionRow, ReplyRow
from ingest.store.store import Store, add_event, to_json


@dataclass(frozen=True)
class ReplyDraft:
    """A reply ready to be queued."""

    in_reply_to_tweet_id: str
    purpose: str
    language: str
    text: str
    exclude_user_ids: tuple[str, ...]


def mention_row(store: Store, tweet_id: str) -> MentionRow | None:
    """Return a stored mention."""
    return store.read(lambda s: s.get(MentionRow, tweet_id))


def settle_acknowledgement(
    store: Store, complaint_id: int, reason: str, draft: ReplyDraft | None, now: datetime
) -> bool:
    """Queue the complaint's acknowledgement (or record why none); False if it was queued before."""
    try:
        with store.session() as session:
            complaint = session.get(ComplaintRow, complaint_id)
            if complaint is None or complaint.acknowledgement != "pending":
                return False
            complaint.acknowledgement = "queued" if draft else "skipped"
            complaint.acknowledgement_reason = reason
            if draft is not None:
                session.add(
                    ReplyRow(
                        in_reply_to_tweet_id=draft.in_reply_to_tweet_id,
                        complaint_id=complaint_id,
                        purpose=draft.purpose,
                        language=draft.language,
                        text=draft.text,
                        exclude_user_ids_json=to_json(list(draft.exclude_user_ids)),
                        status="queued",
                        next_attempt_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                )
            kind = "reply_queued" if draft else "reply_skipped"
            add_event(session, kind, reason, now, tweet_id=complaint.first_tweet_id, complaint_id=complaint_id)
        return True
    except IntegrityError:
        # A reply to that tweet exists already (another worker, or an earlier run): never a second.
        return False


def posts_since(store: Store, since: datetime) -> int:
    """Return how many replies were posted (or attempted) since `since`."""
    query = select(func.count()).select_from(ReplyRow).where(
        ReplyRow.status.in_(("posted", "sending")), ReplyRow.updated_at >= since
    )
    return store.read(lambda s: s.exec(query).one())
