"""Outbox writes: settle each mention's reply once, cancel for opt-outs, count recent posts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ingest.store.models import ComplaintRow, EventRow, FollowupRow, MentionRow, OptOutRow, ReplyRow
from ingest.store.store import Store, add_event, to_json

# Reply statuses that count as "this author was answered" for the per-author limit.
ANSWERED = ("queued", "sending", "posted", "dry_run")
REPLIES: Table = ReplyRow.__table__  # type: ignore[attr-defined]
MENTIONS: Table = MentionRow.__table__  # type: ignore[attr-defined]
COMPLAINTS: Table = ComplaintRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = EventRow.__table__  # type: ignore[attr-defined]
# Settling a reply, as plain SQL built once (a queue run settles hundreds).
_CLAIM = (
    update(MENTIONS)
    .where(MENTIONS.c.tweet_id == bindparam("claim_id"), MENTIONS.c.reply_state == "pending")
    .values(reply_state=bindparam("state"), reply_reason=bindparam("why"))
)
_SETTLE_ACKNOWLEDGEMENT = (
    update(COMPLAINTS)
    .where(COMPLAINTS.c.id == bindparam("ack_id"), COMPLAINTS.c.acknowledgement == "pending")
    .values(acknowledgement=bindparam("ack"), acknowledgement_reason=bindparam("why"))
)


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


def opted_out_among(session: Session, author_ids: Collection[str]) -> set[str]:
    """Return which of the authors asked for no more automated replies."""
    if not author_ids:
        return set()
    query = select(OptOutRow.author_id).where(col(OptOutRow.author_id).in_(sorted(author_ids)))
    return set(session.exec(query).all())


def replies_to_authors_since(session: Session, author_ids: Collection[str], since: datetime) -> dict[str, int]:
    """Return, per author, how many replies to their mentions were queued or sent since `since`."""
    if not author_ids:
        return {}
    query = (
        select(ReplyRow.author_id, func.count())
        .where(
            col(ReplyRow.author_id).in_(sorted(author_ids)),
            col(ReplyRow.status).in_(ANSWERED),
            ReplyRow.created_at >= since,
            col(ReplyRow.purpose).not_like("followup:%"),
        )
        .group_by(ReplyRow.author_id)
    )
    found = {str(author): count for author, count in session.exec(query).all()}
    return {author: found.get(author, 0) for author in author_ids}


def complaints_by_id(session: Session, complaint_ids: Collection[int]) -> dict[int, ComplaintRow]:
    """Return the complaints with these ids (loaded into `session`)."""
    if not complaint_ids:
        return {}
    rows = session.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(sorted(complaint_ids)))).all()
    return {row.id: row for row in rows if row.id is not None}


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
    with store.session() as session:
        return settle_mention_reply_in(session, row, reason, draft, now, opt_out=opt_out)


def settle_mention_reply_in(
    session: Session,
    row: MentionRow,
    reason: str,
    draft: ReplyDraft | None,
    now: datetime,
    *,
    opt_out: bool = False,
) -> bool:
    """Settle one mention's reply inside an open session, in a savepoint of its own (see above)."""
    try:
        with session.begin_nested():
            connection = session.connection()  # asked inside: the savepoint begins on it
            claimed = connection.execute(_CLAIM, {"claim_id": row.tweet_id, "state": "queued" if draft else "skipped",
                                                  "why": reason})
            if claimed.rowcount != 1:
                return False
            if draft is not None:
                connection.execute(insert(REPLIES), [_reply_values(draft, now)])  # a conflict raises here
            if row.link in ("new", "related") and row.complaint_id is not None:
                # Keep the complaint's acknowledgement state in step with its first mention's reply.
                ack = "queued" if draft and draft.purpose == "acknowledgement" else "skipped"
                connection.execute(_SETTLE_ACKNOWLEDGEMENT, {"ack_id": row.complaint_id, "ack": ack, "why": reason})
            if opt_out:
                record_opt_out(session, row.author_id, row.author_username, row.tweet_id, now)
            kind = "reply_queued" if draft else "reply_skipped"
            connection.execute(insert(EVENTS), [{"at": now, "kind": kind, "level": "info", "tweet_id": row.tweet_id,
                                                 "complaint_id": row.complaint_id, "message": reason}])
        return True
    except IntegrityError:
        # A reply to that tweet exists already (another worker, an earlier run): never a second.
        session.connection().execute(_CLAIM, {"claim_id": row.tweet_id, "state": "skipped",
                                    "why": "a reply to this tweet exists already"})
        return False


def settle_mention_replies_in(
    session: Session, settled: Sequence[tuple[MentionRow, str, ReplyDraft | None]], now: datetime
) -> bool:
    """Settle many mentions' replies at once, in one savepoint; False (nothing written) if one was taken.

    Writes what `settle_mention_reply_in` writes for each (no opt-outs), one statement a table.
    When another worker settled one of them meanwhile, or one's tweet has a reply already, the
    savepoint is rolled back and the caller settles them one by one.
    """
    if not settled:
        return True
    claims = [{"claim_id": row.tweet_id, "state": "queued" if draft else "skipped", "why": reason}
              for row, reason, draft in settled]
    replies = [_reply_values(draft, now) for _, _, draft in settled if draft is not None]
    acknowledgements = [
        {"ack_id": row.complaint_id, "why": reason,
         "ack": "queued" if draft and draft.purpose == "acknowledgement" else "skipped"}
        for row, reason, draft in settled if row.link in ("new", "related") and row.complaint_id is not None
    ]
    events = [{"at": now, "kind": "reply_queued" if draft else "reply_skipped", "level": "info",
               "tweet_id": row.tweet_id, "complaint_id": row.complaint_id, "message": reason}
              for row, reason, draft in settled]
    savepoint = session.begin_nested()
    try:
        connection = session.connection()
        if connection.execute(_CLAIM, claims).rowcount != len(claims):
            savepoint.rollback()
            return False
        if replies:
            connection.execute(insert(REPLIES), replies)  # a reply to one of the tweets exists: raises
        if acknowledgements:
            connection.execute(_SETTLE_ACKNOWLEDGEMENT, acknowledgements)
        connection.execute(insert(EVENTS), events)
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _reply_row(draft: ReplyDraft, now: datetime) -> ReplyRow:
    return ReplyRow(**_reply_values(draft, now))


def _reply_values(draft: ReplyDraft, now: datetime) -> dict[str, Any]:
    return dict(
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
        attempts=0,
        in_doubt=False,
    )


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
