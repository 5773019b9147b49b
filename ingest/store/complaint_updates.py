"""A stored complaint gains a mention: a supporter, new text, a repeat, or a campaign's copy.

Plain SQL on the batch's session (no ORM objects to keep in step), shared by every save of
`ingest.store.batch.MentionBatch`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from ingest.dedupe import signature
from ingest.link import Link
from ingest.mention import Mention
from ingest.store.near_duplicates import index_complaint
from ingest.store.store import to_json
from ingest.store.outbox import COMPLAINTS, MENTIONS, REPLIES

if TYPE_CHECKING:
    from ingest.store.batch import MentionBatch

# A complaint gains a mention (and with it maybe a supporter, or text), as plain SQL.
_THIS_COMPLAINT = COMPLAINTS.c.id == bindparam("cid")
_ONE_MORE = {"mentions": COMPLAINTS.c.mentions + 1, "updated_at": bindparam("now")}
_ONE_MORE_MENTION = update(COMPLAINTS).where(_THIS_COMPLAINT).values(**_ONE_MORE)
_SUPPORT = update(COMPLAINTS).where(_THIS_COMPLAINT).values(supporters=COMPLAINTS.c.supporters + 1, **_ONE_MORE)
_REPLACE_TEXT = update(COMPLAINTS).where(_THIS_COMPLAINT).values(text=bindparam("new_text"), **_ONE_MORE)
_APPEND_TEXT = update(COMPLAINTS).where(_THIS_COMPLAINT).values(text=COMPLAINTS.c.text + bindparam("new_text"),
                                                                 **_ONE_MORE)
_CLUSTER = select(COMPLAINTS.c.id, COMPLAINTS.c.cluster_id).where(_THIS_COMPLAINT)
_FLAGS = select(COMPLAINTS.c.flags_json).where(_THIS_COMPLAINT)
_BURST = select(COMPLAINTS.c.id, COMPLAINTS.c.flags_json, COMPLAINTS.c.first_tweet_id).where(
    _THIS_COMPLAINT | ((COMPLAINTS.c.cluster_id == bindparam("cid"))
                       & (COMPLAINTS.c.created_at >= bindparam("since")))
)
_FLAG_MEMBER = update(COMPLAINTS).where(_THIS_COMPLAINT).values(flags_json=bindparam("flags"), needs_review=True,
                                                                updated_at=bindparam("now"))
_HOLD_ACKNOWLEDGEMENT = (
    update(COMPLAINTS).where(_THIS_COMPLAINT, COMPLAINTS.c.acknowledgement == "pending")
    .values(acknowledgement="skipped", acknowledgement_reason=bindparam("why"))
)
_HOLD_REPLY_STATE = (
    update(MENTIONS).where(MENTIONS.c.tweet_id == bindparam("mention_id"), MENTIONS.c.reply_state == "pending")
    .values(reply_state="skipped", reply_reason=bindparam("why"))
)
_CANCEL_QUEUED = (
    update(REPLIES).where(REPLIES.c.complaint_id == bindparam("cid"), REPLIES.c.status == "queued")
    .values(status="cancelled", last_error=bindparam("why"), updated_at=bindparam("now"))
)


def update_complaint(batch: MentionBatch, complaint_id: int, mention: Mention, link: Link) -> None:
    """Apply a mention's link to the complaint it joins (a missing complaint is left alone)."""
    connection = batch.session.connection()
    key = {"cid": complaint_id, "now": batch.now}
    if link.kind == "campaign":
        _flag_campaign(batch, complaint_id, mention)
    elif link.kind == "support":
        connection.execute(_SUPPORT, key)
    elif link.kind == "same_tweet":
        if connection.execute(_REPLACE_TEXT, {**key, "new_text": mention.text}).rowcount:
            index_complaint(batch.session, complaint_id, signature(mention.text))  # match the new version
    elif link.kind == "continuation":
        connection.execute(_APPEND_TEXT, {**key, "new_text": f"\n\n{mention.text}"})
    elif connection.execute(_ONE_MORE_MENTION, key).rowcount and link.kind == "repeat":
        batch.add_event("complaint_repeated", f"restated in tweet {mention.tweet_id}",
                        tweet_id=mention.tweet_id, complaint_id=complaint_id)


def cluster_of(batch: MentionBatch, link: Link) -> int | None:
    """Return the cluster a related complaint joins: its match's cluster, or the match itself."""
    if link.kind != "related" or link.complaint_id is None:
        return None
    match = batch.row(_CLUSTER, {"cid": link.complaint_id})
    return (match.cluster_id or match.id) if match else None


def cluster_root(batch: MentionBatch, complaint_id: int) -> int:
    """Return the first complaint of the cluster a complaint is in (itself if none)."""
    match = batch.row(_CLUSTER, {"cid": complaint_id})
    return (match.cluster_id or match.id or complaint_id) if match else complaint_id


def _flag_campaign(batch: MentionBatch, complaint_id: int, mention: Mention) -> None:
    """Collapse a copy into the campaign's complaint; the first time, flag the whole burst."""
    batch.insert_pending()  # the burst's first mentions may be held still
    connection = batch.session.connection()
    flags = connection.execute(_FLAGS, {"cid": complaint_id}).scalar()
    if flags is None:
        return  # the complaint is gone
    connection.execute(_SUPPORT, {"cid": complaint_id, "now": batch.now})
    if "campaign" in json.loads(flags):
        return
    since = mention.created_at - batch.thresholds.campaign_window
    burst = connection.execute(_BURST, {"cid": complaint_id, "since": since}).all()
    for member in burst:
        _flag_campaign_member(batch, member)
    batch.add_event("campaign", f"near-identical mentions from many accounts, from tweet "
                    f"{mention.tweet_id} on: collapsed into this complaint for review ({len(burst)} complaints "
                    f"of the burst flagged, their acknowledgements held)",
                    level="warning", tweet_id=mention.tweet_id, complaint_id=complaint_id)


def _flag_campaign_member(batch: MentionBatch, member: Any) -> None:
    """Flag one complaint of a campaign for review and hold its acknowledgement if unsent."""
    reason = "part of a campaign of near-identical mentions: held for review"
    connection = batch.session.connection()
    connection.execute(_FLAG_MEMBER, {"cid": member.id, "now": batch.now,
                                      "flags": to_json([*json.loads(member.flags_json or "[]"), "campaign"])})
    connection.execute(_HOLD_ACKNOWLEDGEMENT, {"cid": member.id, "why": reason})
    connection.execute(_HOLD_REPLY_STATE, {"mention_id": member.first_tweet_id, "why": reason})
    connection.execute(_CANCEL_QUEUED, {"cid": member.id, "why": reason, "now": batch.now})
