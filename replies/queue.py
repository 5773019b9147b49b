"""The queue job: decide and compose each mention's reply and each owed follow-up, into the outbox."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ingest.errors import NormaliseError
from ingest.mention import Mention
from ingest.normalise import Includes, normalise_tweet
from ingest.store.followups import complaint_replies, settle_followup, waiting_followups
from ingest.store.models import ComplaintRow, FollowupRow, MentionRow
from ingest.store.outbox import (
    ReplyDraft,
    is_opted_out,
    mentions_awaiting_reply,
    queue_reply,
    replies_to_author_since,
    settle_mention_reply,
)
from ingest.store.store import Store
from replies import compose
from replies.followup import ThreadReply, followup_target
from replies.policy import ReplyFacts, ReplyPlan, ReplyPolicy, excluded_reply_users, plan_reply

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
        for row in batch:
            seen.add(row.tweet_id)
            _decide(store, row, config, now, report)
    for followup, complaint in waiting_followups(store):
        _follow_up(store, followup, complaint, config, now, report)
    return report


def _decide(store: Store, row: MentionRow, config: QueueConfig, now: datetime, report: QueueReport) -> None:
    mention = _mention(row)
    if mention is None:
        settle_mention_reply(store, row, "the stored mention cannot be read", None, now)
        report.skipped += 1
        return
    facts = ReplyFacts(
        link=row.link,
        kind=row.kind,
        has_personal_data=row.has_personal_data,
        answerable=row.answerable,
        opted_out=is_opted_out(store, row.author_id),
        author_replies_today=replies_to_author_since(store, row.author_id, now - DAY),
    )
    plan = plan_reply(mention, facts, config.policy, config.account_id)
    draft = _draft(store, row, mention, plan, config) if plan.purpose else None
    if settle_mention_reply(store, row, plan.reason, draft, now, opt_out=plan.opt_out):
        report.queued += draft is not None
        report.skipped += draft is None
        report.opted_out += plan.opt_out


def _mention(row: MentionRow) -> Mention | None:
    try:
        return normalise_tweet(json.loads(row.raw_json), NO_INCLUDES)
    except (NormaliseError, ValueError):
        return None


def _draft(store: Store, row: MentionRow, mention: Mention, plan: ReplyPlan, config: QueueConfig) -> ReplyDraft | None:
    reply = _compose(store, row, plan.purpose or "", config)
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


def _compose(store: Store, row: MentionRow, purpose: str, config: QueueConfig) -> compose.Reply | None:
    options = config.compose
    if purpose == "acknowledgement":
        complaint = store.read(lambda s: s.get(ComplaintRow, row.complaint_id)) if row.complaint_id else None
        if complaint is None:
            return None
        return compose.compose_acknowledgement(
            complaint.tracking_number, complaint.kind, complaint.category, complaint.language, options,
            personal_data=complaint.has_personal_data,
        )
    if purpose == "repeat_notice":
        complaint = store.read(lambda s: s.get(ComplaintRow, row.complaint_id)) if row.complaint_id else None
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
