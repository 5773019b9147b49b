"""Outbox writes: settle each mention's reply once, cancel for opt-outs, count recent posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ingest.store.models import ComplaintRow, FollowupRow, MentionRow, OptOutRow, ReplyRow
from ingest.store.store import Store, add_event, to_json

# Reply statuses that count as "this author was answered" for the per-author limit.
ANSWERED = ("queued", "sending", "posted", "dry_run")


@dataclass(frozen=True)
class ReplyDraft:
    """A reply ready to be queued."""

    in_reply_to_tweet_id: str
    author_id: str
    purpose: str
    language: str
    text: str
    has_link: bool
    exclude_user_ids: tuple[str, ...]
    complaint_id: int | None = None


def mention_row(store: Store, tweet_id: str) -> MentionRow | None:
    """Return a stored mention."""
    return store.read(lambda s: s.get(MentionRow, tweet_id))


def mentions_awaiting_reply(store: Store, limit: int = 200) -> list[MentionRow]:
    """Return mentions whose reply is still to be decided, oldest first."""
    query = (
        select(MentionRow)
        .where(MentionRow.reply_state == "pending")
        .order_by(col(MentionRow.created_at), col(MentionRow.tweet_id))
        .limit(limit)
    )
    return store.read(lambda s: list(s.exec(query)))


def is_opted_out(store: Store, author_id: str) -> bool:
    """Return whether the author asked for no more automated replies."""
    return store.read(lambda s: s.get(OptOutRow, author_id)) is not None


def replies_to_author_since(store: Store, author_id: str, since: datetime) -> int:
    """Return how many replies to mentions by `author_id` were queued or sent since `since`."""
    query = (
        select(func.count())
        .select_from(ReplyRow)
        .where(
            ReplyRow.author_id == author_id,
            col(ReplyRow.status).in_(ANSWERED),
            ReplyRow.created_at >= since,
            col(ReplyRow.purpose).not_like("followup:%"),
        )
    )
    return store.read(lambda s: s.exec(query).one())


def settle_mention_reply(
    store: Store,
    row: MentionRow,
    reason: str,
    draft: ReplyDraft | None,
    now: datetime,
    *,
    opt_out: bool = False,
) -> bool:
    """Queue the mention's reply (or record why none) once; False if another worker did it."""
    try:
        with store.session() as session:
            claimed = session.execute(
                update(MentionRow)
                .where(col(MentionRow.tweet_id) == row.tweet_id, col(MentionRow.reply_state) == "pending")
                .values(reply_state="queued" if draft else "skipped", reply_reason=reason)
            )
            if claimed.rowcount != 1:
                return False
            if draft is not None:
                session.add(_reply_row(draft, now))
            _settle_acknowledgement(session, row, reason, draft)
            if opt_out:
                record_opt_out(session, row.author_id, row.author_username, row.tweet_id, now)
            kind = "reply_queued" if draft else "reply_skipped"
            add_event(session, kind, reason, now, tweet_id=row.tweet_id, complaint_id=row.complaint_id)
        return True
    except IntegrityError:
        # A reply to that tweet exists already (another worker, an earlier run): never a second.
        with store.session() as session:
            session.execute(
                update(MentionRow)
                .where(col(MentionRow.tweet_id) == row.tweet_id, col(MentionRow.reply_state) == "pending")
                .values(reply_state="skipped", reply_reason="a reply to this tweet exists already")
            )
        return False


def _reply_row(draft: ReplyDraft, now: datetime) -> ReplyRow:
    return ReplyRow(
        in_reply_to_tweet_id=draft.in_reply_to_tweet_id,
        complaint_id=draft.complaint_id,
        author_id=draft.author_id,
        purpose=draft.purpose,
        language=draft.language,
        text=draft.text,
        has_link=draft.has_link,
        exclude_user_ids_json=to_json(list(draft.exclude_user_ids)),
        status="queued",
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


def _settle_acknowledgement(session: Session, row: MentionRow, reason: str, draft: ReplyDraft | None) -> None:
    """Keep the complaint's acknowledgement state in step with its first mention's reply."""
    if row.link not in ("new", "related") or row.complaint_id is None:
        return
    complaint = session.get(ComplaintRow, row.complaint_id)
    if complaint is not None and complaint.acknowledgement == "pending":
        complaint.acknowledgement = "queued" if draft and draft.purpose == "acknowledgement" else "skipped"
        complaint.acknowledgement_reason = reason


def queue_reply(store: Store, draft: ReplyDraft, now: datetime) -> int | None:
    """Queue one reply outside a mention decision (a follow-up); None if its target has one."""
    try:
        with store.session() as session:
            reply = _reply_row(draft, now)
            session.add(reply)
            session.flush()
            add_event(session, "reply_queued", draft.purpose, now,
                      tweet_id=draft.in_reply_to_tweet_id, complaint_id=draft.complaint_id)
            return reply.id
    except IntegrityError:
        return None


def record_opt_out(
    session: Session, author_id: str, username: str | None, tweet_id: str | None, now: datetime
) -> int:
    """Record an opt-out and cancel everything still unsent to that author; return cancelled."""
    if session.get(OptOutRow, author_id) is None:
        session.add(OptOutRow(author_id=author_id, author_username=username, tweet_id=tweet_id, created_at=now))
    cancelled = session.execute(
        update(ReplyRow)
        .where(col(ReplyRow.author_id) == author_id, col(ReplyRow.status) == "queued")
        .values(status="cancelled", last_error="the author opted out", updated_at=now)
    ).rowcount
    complaints = select(ComplaintRow.id).where(ComplaintRow.author_id == author_id)
    session.execute(
        update(FollowupRow)
        .where(col(FollowupRow.complaint_id).in_(complaints), col(FollowupRow.state) == "waiting")
        .values(state="skipped", reason="the author opted out", updated_at=now)
    )
    add_event(session, "opted_out", f"author {username or author_id} opted out; {cancelled} queued replies cancelled",
              now, tweet_id=tweet_id)
    return cancelled


def posts_since(store: Store, since: datetime) -> int:
    """Return how many replies were posted (or attempted) since `since`."""
    query = select(func.count()).select_from(ReplyRow).where(
        col(ReplyRow.status).in_(("posted", "sending")), ReplyRow.updated_at >= since
    )
    return store.read(lambda s: s.exec(query).one())


def replies(store: Store, *, status: str | None = None, complaint_id: int | None = None,
            limit: int = 100) -> list[ReplyRow]:
    """Return replies, newest first, optionally of one status or complaint."""
    query = select(ReplyRow).order_by(col(ReplyRow.id).desc()).limit(limit)
    if status == "pending":
        query = query.where(col(ReplyRow.status).in_(("queued", "sending")))
    elif status is not None:
        query = query.where(ReplyRow.status == status)
    if complaint_id is not None:
        query = query.where(ReplyRow.complaint_id == complaint_id)
    return store.read(lambda s: list(s.exec(query)))


def opt_outs(store: Store) -> list[OptOutRow]:
    """Return every opt-out, newest first."""
    return store.read(lambda s: list(s.exec(select(OptOutRow).order_by(col(OptOutRow.created_at).desc()))))


def remove_opt_out(store: Store, who: str, now: datetime, *, actor: str = "officer") -> OptOutRow | None:
    """Undo an opt-out by author id or @username; return the removed row, or None."""
    name = who.strip().removeprefix("@")
    with store.session() as session:
        row = session.get(OptOutRow, name) or session.exec(
            select(OptOutRow).where(func.lower(OptOutRow.author_username) == name.lower())
        ).first()
        if row is None:
            return None
        session.delete(row)
        add_event(session, "opt_out_removed", f"{actor} removed the opt-out of {row.author_username or row.author_id}", now)
        return row
