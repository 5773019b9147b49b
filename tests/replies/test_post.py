"""The outbox: queue once per complaint, post once per tweet, survive X's refusals and crashes."""

from __future__ import annotations

import json

import pytest
import requests
import responses
from sqlmodel import select

from ingest.poll import PollConfig, poll_once
from ingest.store.models import ComplaintRow, ReplyRow
from ingest.store.outbox import ReplyDraft, settle_acknowledgement
from ingest.x_client import XClient
from replies.post import POSTS_PER_WINDOW, send_replies
from replies.queue import queue_acknowledgements
from tests.fakes import ACCOUNT_ID, X_BASE, page, sample, tweet

MENTIONS_URL = f"{X_BASE}/2/users/{ACCOUNT_ID}/mentions"
TWEETS_URL = f"{X_BASE}/2/tweets"
URL = "https://lapor.example.go.id/status/{tracking_number}"
COMPLAINT = "@lapor1708 jalan berlubang besar di depan SD 12 Padang, sudah dua bulan rusak"


@pytest.fixture
def x():
    return XClient(X_BASE, bearer_token=None, api_key="k", api_secret="s", access_token="t", access_token_secret="ts")


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{X_BASE}/2/users/me", json=sample("users_me"))
        yield mock


def ingest(api, x, store, clock, tweets):
    api.get(MENTIONS_URL, json=page(tweets))
    poll_once(x, store, clock, PollConfig(account="lapor1708"))
    return queue_acknowledgements(store, clock, account_id=ACCOUNT_ID, followup_url=URL)


def replies(store):
    return store.read(lambda s: list(s.exec(select(ReplyRow).order_by(ReplyRow.id))))


def posts(api):
    return [json.loads(c.request.body) for c in api.calls if c.request.method == "POST"]


def test_a_complaint_gets_one_acknowledgement_to_its_own_tweet(api, x, store, clock):
    mention = tweet("2126466096952200100", COMPLAINT, entities={"mentions": [
        {"start": 0, "end": 10, "username": "lapor1708", "id": ACCOUNT_ID},
        {"start": 11, "end": 20, "username": "tetangga", "id": "555"}]})
    assert ingest(api, x, store, clock, [mention]) == 1
    api.post(TWEETS_URL, status=201, json=sample("create_tweet_201"))
    report = send_replies(x, store, clock, dry_run=False)
    assert report.posted == 1
    body = posts(api)[0]
    assert body["reply"] == {"in_reply_to_tweet_id": "2126466096952200100", "exclude_reply_user_ids": ["555"]}
    assert "LPR-2611-00001" in body["text"] and "/status/LPR-2611-00001" in body["text"]
    [reply] = replies(store)
    assert (reply.status, reply.posted_tweet_id) == ("posted", "2126466096952209999")
    # Later ticks post nothing more.
    assert send_replies(x, store, clock, dry_run=False).posted == 0
    assert queue_acknowledgements(store, clock, account_id=ACCOUNT_ID, followup_url=URL) == 0
    assert len(posts(api)) == 1


def test_spam_questions_and_own_posts_get_no_acknowledgement(api, x, store, clock):
    tweets = [
        tweet("2126466096952200103", "@lapor1708 slot gacor hari ini maxwin, daftar sekarang bit.ly/x"),
        tweet("2126466096952200102", "@lapor1708 bagaimana cara cek status laporan?"),
        tweet("2126466096952200101", "@lapor1708 jalan rusak di depan kantor", author_id=ACCOUNT_ID),
    ]
    assert ingest(api, x, store, clock, tweets) == 0
    assert replies(store) == []


def test_reply_settings_that_exclude_us_skip_the_acknowledgement(api, x, store, clock):
    closed = tweet("2126466096952200104", COMPLAINT, reply_settings="following")
    assert ingest(api, x, store, clock, [closed]) == 0
    complaint = store.read(lambda s: s.exec(select(ComplaintRow)).one())
    assert complaint.acknowledgement == "skipped" and "reply settings" in complaint.acknowledgement_reason


def test_the_outbox_refuses_a_second_reply_to_the_same_tweet(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200105", COMPLAINT)])
    [complaint] = store.read(lambda s: list(s.exec(select(ComplaintRow))))
    with store.session() as s:
        s.get(ComplaintRow, complaint.id).acknowledgement = "pending"
    draft = ReplyDraft("2126466096952200105", "acknowledgement", "id", "another text", ())
    assert settle_acknowledgement(store, complaint.id, "again", draft, clock()) is False
    assert len(replies(store)) == 1


def test_duplicate_content_answer_counts_as_posted(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200106", COMPLAINT)])
    api.post(TWEETS_URL, status=403, json=sample("problem_403_duplicate"))
    assert send_replies(x, store, clock, dry_run=False).posted == 1
    assert replies(store)[0].status == "posted"


def test_reply_not_allowed_fails_for_good(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200107", COMPLAINT)])
    api.post(TWEETS_URL, status=403, json=sample("problem_403_not_mentioned"))
    assert send_replies(x, store, clock, dry_run=False).failed == 1
    [reply] = replies(store)
    assert reply.status == "failed" and "not allow" in reply.last_error
    clock.advance(hours=1)
    send_replies(x, store, clock, dry_run=False)
    assert len(posts(api)) == 1


def test_server_error_requeues_and_retries_later(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200108", COMPLAINT)])
    api.post(TWEETS_URL, status=503, json=sample("problem_503"))
    report = send_replies(x, store, clock, dry_run=False, jitter=lambda: 0.0)
    assert report.status == "unavailable" and replies(store)[0].status == "queued"
    assert send_replies(x, store, clock, dry_run=False).status == "paused"
    clock.advance(minutes=2)
    api.replace(responses.POST, TWEETS_URL, status=201, json=sample("create_tweet_201"))
    assert send_replies(x, store, clock, dry_run=False).posted == 1
    assert replies(store)[0].attempts == 2


def test_timeout_then_duplicate_proves_the_first_try_landed(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200109", COMPLAINT)])
    api.post(TWEETS_URL, body=requests.ReadTimeout("no answer"))
    send_replies(x, store, clock, dry_run=False, jitter=lambda: 0.0)
    clock.advance(minutes=2)
    api.replace(responses.POST, TWEETS_URL, status=403, json=sample("problem_403_duplicate"))
    send_replies(x, store, clock, dry_run=False)
    [reply] = replies(store)
    assert reply.status == "posted" and "earlier attempt" in reply.last_error
    texts = {p["text"] for p in posts(api)}
    assert len(texts) == 1  # the retry sent the very same text


def test_rate_limit_on_posting_pauses_the_sender(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200110", COMPLAINT), tweet("2126466096952200111", COMPLAINT + " lagi")])
    reset = int(clock().timestamp()) + 600
    api.post(TWEETS_URL, status=429, json=sample("problem_429"), headers={"x-rate-limit-reset": str(reset)})
    report = send_replies(x, store, clock, dry_run=False)
    assert report.status == "rate_limited" and len(posts(api)) == 1
    assert {r.status for r in replies(store)} == {"queued"}
    clock.advance(minutes=5)
    assert send_replies(x, store, clock, dry_run=False).status == "paused"


def test_crash_mid_post_is_retried_only_after_the_lease(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200112", COMPLAINT)])
    [reply] = replies(store)
    assert store.claim_reply(reply.id, clock())  # the process died right after this
    api.post(TWEETS_URL, status=201, json=sample("create_tweet_201"))
    clock.advance(minutes=1)
    assert send_replies(x, store, clock, dry_run=False).posted == 0
    clock.advance(minutes=5)
    send_replies(x, store, clock, dry_run=False)
    assert replies(store)[0].status == "posted" and len(posts(api)) == 1


def test_dry_run_composes_and_stores_but_never_posts(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200113", COMPLAINT)])
    report = send_replies(x, store, clock, dry_run=True)
    assert report.dry_run == 1 and posts(api) == []
    [reply] = replies(store)
    assert reply.status == "dry_run" and "LPR-2611-00001" in reply.text


def test_posting_stays_within_the_window_budget(api, x, store, clock):
    tweets = [tweet(f"21264660969522{n:05d}", f"{COMPLAINT} nomor {n}") for n in range(POSTS_PER_WINDOW + 5, 0, -1)]
    ingest(api, x, store, clock, tweets)
    api.post(TWEETS_URL, status=201, json=sample("create_tweet_201"))
    assert send_replies(x, store, clock, dry_run=False).posted == POSTS_PER_WINDOW
    assert send_replies(x, store, clock, dry_run=False).posted == 0
    clock.advance(minutes=16)
    assert send_replies(x, store, clock, dry_run=False).posted == 5


def test_personal_data_is_never_echoed(api, x, store, clock):
    text = "@lapor1708 KTP saya belum jadi, NIK 3171012345678901 hp 0812-3456-7890 tolong dibantu"
    ingest(api, x, store, clock, [tweet("2126466096952200114", text)])
    [reply] = replies(store)
    assert "3171012345678901" not in reply.text and "0812" not in reply.text
    assert "data pribadi" in reply.text
