"""The queue job: decide and compose each mention's reply and each owed follow-up, into the outbox."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from datetime import datetime, timedelta

from ingest.errors import NormaliseError
from ingest.mention import Mention
from ingest.normalise import Includes, normalise_tweet
from ingest.store.forget import is_forgotten
from ingest.store.followups import complaint_replies, settle_followup, waiting_followups
from ingest.store.models import ComplaintRow, FollowupRow, MentionRow
from ingest.store.outbox import (
    ReplyDraft,
    complaints_by_id,
    is_opted_out,
    mentions_awaiting_reply,
    opted_out_among,
    queue_reply,
    replies_to_authors_since,
    settle_mention_replies_in,
    settle_mention_reply_in,
)
from ingest.store.store import Store
from replies import compose
from replies.followup import ThreadReply, followup_target
from replies.policy import ReplyFacts, ReplyPlan, ReplyPolicy, excluded_reply_users, plan_reply

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)
NO_INCLUDES = Includes(users={}, places={})
DAY = timedelta(hours=24)


@dataclass(frozen=True)
class QueueConfig:
    """What the queue job needs to know."""

    account_id: str
    compose: compose.ComposeOptions
    policy: ReplyPolicy = ReplyPolicy()
    dry_run: bool = False


@dataclass
class QueueReport:
    """What one queue run decided."""

    queued: int = 0
    skipped: int = 0
    opted_out: int = 0
    followups: int = 0


def queue_replies(store: Store, clock: Callable[[], datetime], config: QueueConfig) -> QueueReport:
    """Decide the reply of every new mention and queue owed follow-ups; return the counts."""
    report = QueueReport()
    now = clock()
    seen: set[str] = set()
    while batch := [row for row in mentions_awaiting_reply(store) if row.tweet_id not in seen]:
        seen.update(row.tweet_id for row in batch)
        _decide_batch(store, batch, config, now, report)
    for followup, complaint in waiting_followups(store):
        _follow_up(store, followup, complaint, config, now, report)
    return report


@dataclass
class _Known:
    """What a batch of decisions reads, looked up once for the batch and kept up to date by it."""

    session: "Session"
    since: datetime
    opted_out: set[str]
    replies_today: dict[str, int]
    complaints: dict[int, ComplaintRow]

    def settled(self, row: MentionRow, draft: ReplyDraft | None, opt_out: bool) -> None:
        """Count a queued reply to the author; after an opt-out, count again (its replies were cancelled)."""
        if opt_out:
            self.opted_out.add(row.author_id)
            self.replies_today.update(replies_to_authors_since(self.session, [row.author_id], self.since))
        elif draft is not None:
            self.replies_today[row.author_id] = self.replies_today.get(row.author_id, 0) + 1


def _decide_batch(
    store: Store, batch: list[MentionRow], config: QueueConfig, now: datetime, report: QueueReport
) -> None:
    """Decide a batch in one transaction: all settled at once, or each in a savepoint, as if alone.

    The quick way decides every mention first and writes the claims, replies, acknowledgement
    states and events with one statement each. When a mention opts out, or another worker
    settled one meanwhile (a claim misses, a reply conflicts), its writes are undone and the
    batch is settled one mention at a time instead.
    """
    with store.session() as session:
        tally = QueueReport()
        settled = _decide_all(_known(session, batch, now), batch, config, now, tally)
        if settled is not None and settle_mention_replies_in(session, settled, now):
            _add(report, tally)
            return
        known = _known(session, batch, now)
        for row in batch:
            _decide(known, row, config, now, report)


def _known(session: "Session", batch: list[MentionRow], now: datetime) -> _Known:
    authors = {row.author_id for row in batch}
    return _Known(
        session, now - DAY, opted_out_among(session, authors), replies_to_authors_since(session, authors, now - DAY),
        complaints_by_id(session, {row.complaint_id for row in batch if row.complaint_id is not None}),
    )


def _add(report: QueueReport, tally: QueueReport) -> None:
    report.queued += tally.queued
    report.skipped += tally.skipped
    report.opted_out += tally.opted_out


def _decide_all(
    known: _Known, batch: list[MentionRow], config: QueueConfig, now: datetime, tally: QueueReport
) -> list[tuple[MentionRow, str, ReplyDraft | None]] | None:
    """Return every mention's decision, as if each were settled; None if one opts out."""
    decided: list[tuple[MentionRow, str, ReplyDraft | None]] = []
    for row in batch:
        mention = _mention(row)
        if mention is None:
            decided.append((row, "the stored mention cannot be read", None))
            tally.skipped += 1
            continue
        plan, draft = _plan(known, row, mention, config)
        if plan.opt_out:
            return None
        decided.append((row, plan.reason, draft))
        known.settled(row, draft, opt_out=False)
        tally.queued += draft is not None
        tally.skipped += draft is None
    return decided


def _plan(known: _Known, row: MentionRow, mention: Mention, config: QueueConfig) -> tuple[ReplyPlan, ReplyDraft | None]:
    facts = ReplyFacts(
        link=row.link,
        kind=row.kind,
        has_personal_data=row.has_personal_data,
        answerable=row.answerable,
        opted_out=row.author_id in known.opted_out,
        author_replies_today=known.replies_today.get(row.author_id, 0),
    )
    plan = plan_reply(mention, facts, config.policy, config.account_id)
    return plan, _draft(known, row, mention, plan, config) if plan.purpose else None


def _decide(known: _Known, row: MentionRow, config: QueueConfig, now: datetime, report: QueueReport) -> None:
    mention = _mention(row)
    if mention is None:
        settle_mention_reply_in(known.session, row, "the stored mention cannot be read", None, now)
        report.skipped += 1
        return
    plan, draft = _plan(known, row, mention, config)
    if settle_mention_reply_in(known.session, row, plan.reason, draft, now, opt_out=plan.opt_out):
        known.settled(row, draft, plan.opt_out)
        report.queued += draft is not None
        report.skipped += draft is None
        report.opted_out += plan.opt_out


def _mention(row: MentionRow) -> Mention | None:
    try:
        return normalise_tweet(json.loads(row.raw_json), NO_INCLUDES)
    except (NormaliseError, ValueError):
        return None


def _draft(known: _Known, row: MentionRow, mention: Mention, plan: ReplyPlan, config: QueueConfig) -> ReplyDraft | None:
    reply = _compose(known, row, plan.purpose or "", config)
    if reply is None:
        return None
    return ReplyDraft(
        in_reply_to_tweet_id=row.tweet_id,
        author_id=row.author_id,
        purpose=reply.purpose,
        language=reply.language,
        text=reply.text,
        has_link=reply.has_link,
        exclude_user_ids=tuple(excluded_reply_users(mention, config.account_id)),
        complaint_id=row.complaint_id if plan.purpose in ("acknowledgement", "repeat_notice") else None,
    )


def _compose(known: _Known, row: MentionRow, purpose: str, config: QueueConfig) -> compose.Reply | None:
    options = config.compose
    if purpose == "acknowledgement":
        complaint = known.complaints.get(row.complaint_id) if row.complaint_id else None
        if complaint is None:
            return None
        return compose.compose_acknowledgement(
            complaint.tracking_number, complaint.kind, complaint.category, complaint.language, options,
            personal_data=complaint.has_personal_data,
        )
    if purpose == "repeat_notice":
        complaint = known.complaints.get(row.complaint_id) if row.complaint_id else None
        if complaint is None:
            return None
        return compose.compose_repeat_notice(complaint.tracking_number, complaint.kind, row.tweet_id,
                                             complaint.language, options)
    if purpose == "information":
        return compose.compose_information(row.tweet_id, row.language, options)
    if purpose == "personal_data_warning":
        return compose.compose_personal_data_warning(row.tweet_id, row.language, options)
    if purpose == "thanks":
        return compose.compose_thanks(row.tweet_id, row.language, options)
    raise ValueError(f"no composer for reply purpose {purpose!r}")


def _follow_up(
    store: Store, followup: FollowupRow, complaint: ComplaintRow, config: QueueConfig, now: datetime,
    report: QueueReport,
) -> None:
    assert followup.id is not None and complaint.id is not None
    if is_opted_out(store, complaint.author_id):
        settle_followup(store, followup.id, "skipped", "the author opted out", now)
        return
    if is_forgotten(complaint.flags_json):
        settle_followup(store, followup.id, "skipped", "the author asked to be forgotten", now)
        return
    thread = complaint_replies(store, complaint.id)
    target = followup_target(
        complaint.acknowledgement,
        [ThreadReply(r.status, r.in_reply_to_tweet_id, r.posted_tweet_id) for r in thread],
        dry_run=config.dry_run,
    )
    if target.action == "wait":
        return
    if target.action == "skip":
        settle_followup(store, followup.id, "skipped", target.reason, now)
        return
    reply = compose.compose_followup(
        followup.status, complaint.tracking_number, complaint.kind, complaint.language, config.compose,
        agency=followup.agency,
    )
    if target.action == "dry_run":
        settle_followup(store, followup.id, "dry_run", target.reason, now, text=reply.text)
        return
    assert target.tweet_id is not None
    ack = next((r for r in thread if r.purpose == "acknowledgement"), None)
    draft = ReplyDraft(
        in_reply_to_tweet_id=target.tweet_id,
        author_id=complaint.author_id,
        purpose=reply.purpose,
        language=reply.language,
        text=reply.text,
        has_link=reply.has_link,
        exclude_user_ids=tuple(json.loads(ack.exclude_user_ids_json)) if ack else (),
        complaint_id=complaint.id,
    )
    reply_id = queue_reply(store, draft, now)
    if reply_id is None:
        settle_followup(store, followup.id, "skipped", f"tweet {target.tweet_id} already has a reply", now)
        return
    settle_followup(store, followup.id, "queued", target.reason, now, reply_id=reply_id)
    report.followups += 1
