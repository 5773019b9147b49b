"""The queue job: decide and compose acknowledgements for new complaints, into the outbox."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from ingest.errors import NormaliseError
from ingest.normalise import Includes, normalise_tweet
from ingest.store.outbox import ReplyDraft, mention_row, settle_acknowledgement
from ingest.store.store import Store
from replies.compose import compose_acknowledgement
from replies.policy import acknowledgement_decision, excluded_reply_users

log = logging.getLogger(__name__)
NO_INCLUDES = Includes(users={}, places={})


def queue_acknowledgements(
    store: Store, clock: Callable[[], datetime], *, account_id: str, followup_url: str
) -> int:
    """Queue one acknowledgement per new complaint that should get one; return how many."""
    queued = 0
    now = clock()
    for complaint in store.complaints_awaiting_acknowledgement():
        assert complaint.id is not None
        row = mention_row(store, complaint.first_tweet_id)
        try:
            mention = normalise_tweet(json.loads(row.raw_json), NO_INCLUDES) if row else None
        except (NormaliseError, ValueError):
            mention = None
        if row is None or mention is None:
            settle_acknowledgement(store, complaint.id, "its first mention cannot be read", None, now)
            continue
        decision = acknowledgement_decision(mention, answerable=row.answerable, account_id=account_id)
        draft = None
        if decision.wanted:
            ack = compose_acknowledgement(
                complaint.tracking_number, complaint.category, complaint.language, followup_url,
                personal_data=complaint.has_personal_data,
            )
            draft = ReplyDraft(
                in_reply_to_tweet_id=mention.tweet_id,
                purpose="acknowledgement",
                language=ack.language,
                text=ack.text,
                exclude_user_ids=tuple(excluded_reply_users(mention, account_id)),
            )
        queued += settle_acknowledgement(store, complaint.id, decision.reason, draft, now) and draft is not None
    return queued
