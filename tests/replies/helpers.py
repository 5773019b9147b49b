"""Shared pieces of the outbox tests: X-shaped answers and a poll-then-queue step."""

from __future__ import annotations

import itertools
import json

import responses
from sqlmodel import select

from ingest.poll import PollConfig, poll_once
from ingest.store.models import ReplyRow
from replies.compose import ComposeOptions
from replies.queue import QueueConfig, queue_replies
from tests.fakes import ACCOUNT_ID, X_BASE, page

MENTIONS_URL = f"{X_BASE}/2/users/{ACCOUNT_ID}/mentions"
TWEETS_URL = f"{X_BASE}/2/tweets"
URL = "https://lapor.example.go.id/status/{tracking_number}"
CONFIG = QueueConfig(account_id=ACCOUNT_ID, compose=ComposeOptions(URL))
COMPLAINT = "@lapor1708 jalan berlubang besar di depan SD 12 Padang, sudah dua bulan rusak"
_ids = itertools.count(2126466096952300000)


def created(request, headers=None):
    """Answer POST /2/tweets like X: 201 with a new id each time."""
    new_id = str(next(_ids))
    body = {"data": {"id": new_id, "text": json.loads(request.body)["text"], "edit_history_tweet_ids": [new_id]}}
    return 201, headers or {}, json.dumps(body)


def x_accepts(api, headers=None):
    api.add_callback(responses.POST, TWEETS_URL, callback=lambda r: created(r, headers))


def ingest(api, x, store, clock, tweets, config=CONFIG):
    api.upsert(responses.GET, MENTIONS_URL, json=page(tweets))
    poll_once(x, store, clock, PollConfig(account="lapor1708"))
    return queue_replies(store, clock, config)


def replies(store):
    return store.read(lambda s: list(s.exec(select(ReplyRow).order_by(ReplyRow.id))))


def posts(api):
    return [json.loads(c.request.body) for c in api.calls if c.request.method == "POST"]
